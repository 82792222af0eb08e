"""benchmarks/bench_gpu.py before it meets a GPU: its funcgrad halves run on the CuPy stand-in at tiny sizes and must
match a float64 NumPy computation without reading anything back from the device; its torch halves (on the CPU,
where torch is installed) must match too; the whole pipeline (checks, tables, the RESULTS.md section) runs end to
end; and without CuPy the script says why in one line and exits 0.

Nothing here asserts on a timing. The benchmark code runs in subprocesses because ``benchmarks/common.py`` pins
BLAS and PyTorch to one thread for the whole process, which must not leak into the rest of the test session.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "benchmarks")

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False

PRELUDE = r"""
import json, sys
sys.path.insert(0, "benchmarks")
import numpy as np
import bench_gpu as B
import funcgrad as fg
from funcgrad.testing import standin

standin.install()
xp, sync = standin.xp, fg.cuda.synchronize

def rel_errors(got, want):
    # the largest error of each array relative to that array's largest magnitude
    if isinstance(want, dict):
        return {k: rel_errors(got[k], want[k]) for k in want}
    if isinstance(want, tuple):
        return [rel_errors(g, w) for g, w in zip(got, want)]
    want = np.asarray(want, dtype=np.float64)
    return float(np.max(np.abs(np.asarray(got, dtype=np.float64) - want)) / np.max(np.abs(want)))

def leaves(tree):
    if isinstance(tree, dict):
        return [l for v in tree.values() for l in leaves(v)]
    if isinstance(tree, (tuple, list)):
        return [l for v in tree for l in leaves(v)]
    return [tree]

def on_device(impl):
    # one call, counting the device-to-host reads it makes: a timed call must make none
    standin.reset_host_syncs()
    out = impl.fn()
    impl.sync()
    syncs = standin.host_syncs()
    types = sorted({type(l).__name__ for l in leaves(out)})
    dtypes = sorted({str(l.dtype) for l in leaves(out)})
    return out, {"syncs": syncs, "types": types, "dtypes": dtypes}
"""

HALVES = PRELUDE + r"""
report = {}
problem = B.mlp_problem(sizes=(8, 16, 16, 4), batch=4, seed=3)
loss_ref, grads_ref = B.mlp_reference(problem)
impl = B.funcgrad_mlp(xp, sync, problem)
out, report["mlp"] = on_device(impl)
loss, grads = impl.host(out)
report["mlp"].update(loss_err=abs(loss - loss_ref) / abs(loss_ref), errs=rel_errors(grads, grads_ref),
                     keys=sorted(grads))

mm = B.matmul_problem(n=8, seed=4)
mm_ref = B.matmul_reference(*mm)
impl = B.funcgrad_matmul(xp, sync, mm)
out, report["matmul"] = on_device(impl)
report["matmul"]["errs"] = rel_errors(impl.host(out), mm_ref)

x = B.chain_input(10)
chain_ref = B.bench_overhead.grad_numpy(x.astype(np.float64))
for name, make in (("chain", B.funcgrad_chain), ("handwritten", B.handwritten_chain)):
    impl = make(xp, sync, x)
    out, report[name] = on_device(impl)
    report[name]["errs"] = rel_errors(impl.host(out), chain_ref)

split = B.profile_split(B.funcgrad_chain(xp, sync, x).fn, sync, xp, calls=3)
report["split"] = split

if B.common.torch is not None:
    torch = B.common.torch
    tsync = lambda: None
    t = {}
    impl = B.torch_mlp(torch, "cpu", tsync, problem)
    loss, grads = impl.host(impl.fn())
    t["mlp"] = {"loss_err": abs(loss - loss_ref) / abs(loss_ref), "errs": rel_errors(grads, grads_ref)}
    impl = B.torch_matmul(torch, "cpu", tsync, mm)
    t["matmul"] = {"errs": rel_errors(impl.host(impl.fn()), mm_ref)}
    impl = B.torch_chain(torch, "cpu", tsync, x)
    t["chain"] = {"errs": rel_errors(impl.host(impl.fn()), chain_ref)}
    report["torch"] = t
report["groups"], report["names"] = list(B.GROUPS), list(B.NAMES)
print(json.dumps(report))
"""

PIPELINE = PRELUDE + r"""
torch = B.common.torch
env = B.Env(xp=xp, sync=sync, torch=torch, torch_device="cpu", torch_sync=lambda: None, lib="stand-in")
sizes = {"mlp": {"sizes": (8, 16, 16, 4), "batch": 4}, "matmul": {"n": 8}, "overhead": {"n": 10}}
results, failures = B.run(env, quick=True, sizes=sizes, number=1)
section = B.gpu_markdown(results, failures, B.gpu_info(env), 0.0)
print(json.dumps({"keys": [r["key"] for r in results], "failures": failures,
                  "rows": [[row["name"] for row in r["rows"]] for r in results],
                  "titles": [r["title"] for r in results], "section": section, "heading": B.SECTION}))
"""

CPU_RESULTS = "# Benchmark results\n\nintro\n\n## Machine\n\n- CPU: x\n\n## (a) Small-op overhead\n\n| a | b |\n"
FIRST = "## GPU\n\n- GPU: one\n\n### (g1) MLP\n\n| x |\n"
SECOND = "## GPU\n\n- GPU: two\n"
MIDDLE = CPU_RESULTS + "\n## GPU\n\nold\n\n## Later\n\nkept\n"
ALLOCS = [1000, 10, 2048]  # bytes asked of the allocator; the fake pool rounds each up to 512-byte blocks

HELPERS = r"""
import json, os, sys, tempfile
sys.path.insert(0, "benchmarks")
import numpy as np
import bench_gpu as B

cpu, first, second, middle = json.loads(sys.argv[1])
text = B.replace_gpu_section(cpu, first)
again = B.replace_gpu_section(text, second)
out = {"sections": {"appended": text, "extracted": B.extract_gpu_section(text), "replaced": again,
                    "extracted_again": B.extract_gpu_section(again),
                    "idempotent": B.replace_gpu_section(again, second) == again,
                    "middle": B.replace_gpu_section(middle, "## GPU\n\nnew\n"), "none": B.extract_gpu_section(cpu)}}
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "RESULTS.md")
    with open(path, "w") as f:
        f.write(cpu)
    B.write_results(second, path)
    out["written"] = open(path).read()

def refusal(got, want):
    try:
        B.assert_agree("x", got, want)
    except AssertionError as e:
        return str(e)
    return None

want = {"W": np.linspace(1.0, 2.0, 6).reshape(2, 3), "b": np.array([0.5, -0.5])}
out["checks"] = {"close": refusal({k: v * (1 + 1e-5) for k, v in want.items()}, want),
                 "off": refusal({"W": want["W"], "b": want["b"] * 1.01}, want),
                 "shape": refusal((np.ones(3),), (np.ones(4),))}

# the tracking allocator against a minimal fake of the CuPy names it uses: pool blocks rounded to 512 bytes
import types

class Block:
    def __init__(self, size):
        self.size, self.ptr = -(-size // 512) * 512, 4096

class Pointer:
    def __init__(self, mem, offset=0):
        self.mem, self.ptr = mem, mem.ptr + offset

class Unowned:
    def __init__(self, ptr, size, owner, device_id):
        self.ptr, self.size, self._owner = ptr, size, owner

current = {}
pool = types.SimpleNamespace(malloc=lambda n: Pointer(Block(n)))
current["allocator"] = pool.malloc
fake = types.SimpleNamespace(
    get_default_memory_pool=lambda: pool,
    cuda=types.SimpleNamespace(set_allocator=lambda a: current.__setitem__("allocator", a),
                               Device=lambda: types.SimpleNamespace(id=0),
                               memory=types.SimpleNamespace(UnownedMemory=Unowned, MemoryPointer=Pointer,
                                                            get_allocator=lambda: current["allocator"])))
sizes = json.loads(sys.argv[2])
def step():
    a = current["allocator"](sizes[0])
    b = current["allocator"](sizes[1])
    del a  # freed before the third allocation: the peak is not the sum of all three
    c = current["allocator"](sizes[2])
    return b, c
out["peak"] = B.cupy_peak_bytes(fake, B.Impl("fake", step, lambda: None, lambda o: o))
out["restored"] = current["allocator"] is pool.malloc
tracker = B.PeakTracker(fake, pool.malloc)
held = [tracker(n) for n in sizes]
out["live_held"] = tracker.live
del held
out["live_after"] = tracker.live
print(json.dumps(out))
"""


def _run(script: str, *argv: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", script, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def halves() -> dict:
    return _run(HALVES)


@pytest.fixture(scope="module")
def helpers() -> dict:
    return _run(HELPERS, json.dumps([CPU_RESULTS, FIRST, SECOND, MIDDLE]), json.dumps(ALLOCS))


FLOAT32 = 1e-5  # float32 results against float64 ones, relative to each array's largest entry


def _flat(errs):
    if isinstance(errs, dict):
        return [e for v in errs.values() for e in _flat(v)]
    if isinstance(errs, list):
        return [e for v in errs for e in _flat(v)]
    return [errs]


@pytest.mark.parametrize("name", ["mlp", "matmul", "chain", "handwritten"])
def test_funcgrad_half_runs_on_the_device_and_matches_numpy(halves, name):
    r = halves[name]
    assert r["types"] == ["StandinArray"], r["types"]  # results stay on the device
    assert r["dtypes"] == ["float32"], r["dtypes"]
    assert r["syncs"] == 0, f"{name}: the timed call read {r['syncs']} values back from the device"
    assert max(_flat(r["errs"])) < FLOAT32, r["errs"]


def test_mlp_gradients_cover_every_parameter_and_the_loss(halves):
    r = halves["mlp"]
    assert r["keys"] == sorted(halves["names"])
    assert r["loss_err"] < FLOAT32


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("name", ["mlp", "matmul", "chain"])
def test_torch_half_matches_numpy_on_the_cpu(halves, name):
    r = halves["torch"][name]
    assert max(_flat(r["errs"])) < FLOAT32, r["errs"]
    if "loss_err" in r:
        assert r["loss_err"] < FLOAT32


def test_profile_split_puts_the_array_library_apart_from_funcgrad(halves):
    split = halves["split"]
    assert list(split) == halves["groups"]
    assert abs(sum(split.values()) - 1.0) < 1e-9
    # the stand-in's Python code lives inside the funcgrad package: it must still count as the array library
    assert split["array library"] > 0 and split["funcgrad core"] > 0 and split["funcgrad ops"] > 0


def test_checks_refuse_disagreeing_gradients(helpers):
    checks = helpers["checks"]
    assert checks["close"] is None  # float32-sized differences pass
    assert checks["off"] is not None and "db" in checks["off"]  # the message names the parameter
    assert checks["shape"] is not None and "shape" in checks["shape"]


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
def test_pipeline_runs_end_to_end_on_the_standin():
    out = _run(PIPELINE)
    assert out["failures"] == []
    assert out["keys"] == ["mlp-gpu", "matmul-gpu", "overhead-gpu"]
    assert out["rows"] == [["funcgrad", "PyTorch"], ["funcgrad", "PyTorch"],
                           ["CuPy (hand-written)", "funcgrad", "PyTorch"]]
    section = out["section"]
    assert section.startswith(out["heading"] + "\n")
    assert "\n## " not in section  # level-3 headings inside: the section ends at the next level-2 heading
    for title in out["titles"]:
        assert f"### {title}" in section
    assert "funcgrad <= 1.2x PyTorch" in section and "funcgrad <= 1.05x PyTorch" in section
    assert "where funcgrad's time goes" in section
    assert "peak device memory: not measured" in section  # no CuPy allocator behind the stand-in


def test_tracking_allocator_counts_live_blocks_and_restores_the_allocator(helpers):
    blocks = [-(-n // 512) * 512 for n in ALLOCS]
    # the first block is freed before the third is made
    assert helpers["peak"] == max(blocks[0] + blocks[1], blocks[1] + blocks[2])
    assert helpers["restored"]
    assert helpers["live_held"] == sum(blocks)
    assert helpers["live_after"] == 0  # dropping the arrays' memory takes it off the count


def test_gpu_section_is_appended_then_replaced_leaving_the_cpu_sections_alone(helpers):
    sec = helpers["sections"]
    assert sec["appended"] == CPU_RESULTS + "\n" + FIRST
    assert sec["extracted"] == FIRST
    assert sec["replaced"] == CPU_RESULTS + "\n" + SECOND  # the old section, its ### tables included, is gone
    assert sec["extracted_again"] == SECOND
    assert sec["idempotent"]
    assert sec["none"] is None


def test_gpu_section_in_the_middle_keeps_what_follows(helpers):
    assert helpers["sections"]["middle"] == CPU_RESULTS + "\n## GPU\n\nnew\n\n## Later\n\nkept\n"


def test_write_results_touches_only_the_gpu_section(helpers):
    assert helpers["written"] == CPU_RESULTS + "\n" + SECOND


def test_without_cupy_the_script_says_why_in_one_line_and_exits_0():
    # sys.modules["cupy"] = None makes `import cupy` fail wherever the test runs, GPU machine included
    script = ("import sys; sys.modules['cupy'] = None; sys.path.insert(0, 'benchmarks'); import bench_gpu; "
              "sys.exit(bench_gpu.main(['--quick', '--write']))")
    before = open(os.path.join(BENCH, "RESULTS.md")).read()
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bench_gpu: skipped: CuPy"), proc.stdout
    assert "Traceback" not in proc.stderr
    assert open(os.path.join(BENCH, "RESULTS.md")).read() == before
