"""funcgrad.distributed on MPI: the collectives against NumPy's reductions and the data-parallel training of both
faces against single-process training run under ``mpiexec`` (scripts in tests/data/distributed/, each rank checking
its own results and printing "ok <rank>"), the overlap of DDP's all-reduces with the backward pass (an order log),
the timeouts (a rank that sleeps makes the others abort, naming it, within the timeout) and the scaling
benchmark's smoke run; in this process, what needs no MPI: the errors before a process group
exists, the NCCL backend's checks, the launcher, DistributedSampler against torch's, the functional collectives
and psum/pmean in a world of one, Tensor.register_post_accumulate_grad_hook.

The MPI tests skip when mpi4py or an mpiexec is missing (pip install funcgrad[distributed] brings both)."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.distributed as dist
from funcgrad.distributed import functional as F
from funcgrad.distributed import run as launcher
from funcgrad.utils.data import DistributedSampler
from funcgrad.utils.data import distributed as sampler_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "tests", "data", "distributed")


def _mpiexec() -> str:
    if importlib.util.find_spec("mpi4py") is None:
        pytest.skip("mpi4py is not installed (pip install funcgrad[distributed])")
    try:
        return launcher.find_mpiexec()
    except FileNotFoundError as e:
        pytest.skip(str(e))


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1",
                OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def _run_ranks(cmd: list, n: int, timeout: int = 90) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-4000:])
    # the ranks share one stdout, so their lines may interleave: look for each rank's mark anywhere
    assert sorted(int(r) for r in re.findall(r"ok (\d+)", proc.stdout)) == list(range(n)), proc.stdout
    return proc.stdout


@pytest.mark.parametrize("n", [2, 4])
def test_collectives_match_their_numpy_definitions(n):
    _run_ranks([_mpiexec(), "-n", str(n), sys.executable, os.path.join(SCRIPTS, "collectives.py")], n)


@pytest.mark.parametrize("n", [2, 4])
def test_data_parallel_training_matches_single_process_training(n):
    _run_ranks([_mpiexec(), "-n", str(n), sys.executable, os.path.join(SCRIPTS, "training.py")], n)


@pytest.mark.parametrize("n", [2, 4])
def test_the_last_buckets_all_reduce_starts_before_the_first_layers_backward(n):
    _run_ranks([_mpiexec(), "-n", str(n), sys.executable, os.path.join(SCRIPTS, "overlap.py")], n)


def test_the_launcher_runs_a_script_on_n_processes():
    _mpiexec()
    _run_ranks([sys.executable, "-m", "funcgrad.distributed.run", "--nproc", "2",
                os.path.join(SCRIPTS, "collectives.py")], 2)


def test_a_rank_that_raises_ends_the_job_instead_of_hanging(tmp_path):
    script = tmp_path / "dies.py"
    script.write_text("import numpy as np, funcgrad.distributed as dist\n"
                      "dist.init_process_group('mpi')\n"
                      "if dist.get_rank() == 1:\n    raise ValueError('rank one fails')\n"
                      "dist.all_reduce(np.ones(2))  # rank 0 would wait here forever\n")
    proc = subprocess.run([_mpiexec(), "-n", "2", sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env=_env(), cwd=ROOT)
    assert proc.returncode != 0
    assert "rank 1 raised ValueError" in proc.stderr and "rank one fails" in proc.stderr, proc.stderr[-2000:]


_ONE_PROCESS = """
import sys
import numpy as np, funcgrad as fg, funcgrad.distributed as dist
for kw, words in [({"world_size": 2}, "world_size=2 but MPI started 1"), ({"rank": 3}, "rank=3 but MPI gives")]:
    try:
        dist.init_process_group("mpi", **kw)
    except ValueError as e:
        assert words in str(e), e
    else:
        raise AssertionError(kw)
dist.init_process_group("gloo", world_size=1, rank=0)  # gloo: a name for the CPU backend, MPI
assert (dist.get_rank(), dist.get_world_size(), dist.get_local_rank(), dist.get_backend()) == (0, 1, 0, "mpi")
try:
    dist.init_process_group("mpi")
except RuntimeError as e:
    assert "twice" in str(e)
x = np.arange(3.0)
dist.all_reduce(x, op=dist.ReduceOp.MAX)
assert (x == np.arange(3.0)).all()
dist.destroy_process_group()
assert not dist.is_initialized()
dist.init_process_group()
dist.destroy_process_group()
sys.stdout.write("ok 0\\n")
"""


def test_a_script_without_a_launcher_is_a_world_of_one():
    _mpiexec()
    _run_ranks([sys.executable, "-c", _ONE_PROCESS], 1)


def test_importing_funcgrad_does_not_import_mpi4py():
    out = subprocess.run([sys.executable, "-c", "import sys, funcgrad; print('mpi4py' in sys.modules)"],
                         capture_output=True, text=True, env=_env(), cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize("call", [
    lambda: dist.all_reduce(np.ones(2)), lambda: dist.broadcast(np.ones(2), 0), lambda: dist.barrier(),
    lambda: dist.all_gather([np.ones(2)], np.ones(2)), lambda: dist.send(np.ones(2), 1), lambda: dist.get_rank(),
    lambda: dist.get_world_size(), lambda: dist.new_group([0]), lambda: DistributedSampler(range(4)),
    lambda: fg.nn.parallel.DistributedDataParallel(fg.nn.Linear(2, 2))])
def test_before_init_process_group_every_call_says_what_to_call(call):
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="init_process_group"):
        call()


def test_backend_arguments_are_checked():
    with pytest.raises(ValueError, match="unknown backend 'tcp'.*'mpi'.*'nccl'"):
        dist.init_process_group("tcp")
    if not dist.is_nccl_available():
        with pytest.raises(RuntimeError, match="CuPy.*NCCL"):
            dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="unknown reduction 'median'"):
        F.all_reduce(np.ones(2), op="median")
    assert not dist.is_initialized()


def test_functional_collectives_in_a_world_of_one_are_copies_and_differentiate():
    x = np.array([1.0, -2.0, 3.0])
    for f in (F.all_reduce, F.all_gather, F.reduce_scatter):
        y = f(x)
        assert y is not x and (y == x).all()
    g = fg.grad(lambda w: fg.numpy.sum(F.all_reduce(w, op="product") ** 2))(x)
    np.testing.assert_allclose(g, 2 * x)
    tree = {"a": x, "b": [np.float32(2.0)]}
    assert dist.pmean(tree)["b"][0] == np.float32(2.0) and (dist.psum(tree)["a"] == x).all()


def _torch_sampler(n, replicas, rank, shuffle, seed, drop_last, epoch):
    torch = pytest.importorskip("torch")
    s = torch.utils.data.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                                            drop_last=drop_last)
    s.set_epoch(epoch)
    return list(s), len(s)


@pytest.mark.parametrize("n,replicas", [(10, 3), (10, 4), (2, 5), (12, 4), (7, 1)])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_distributed_sampler_shards_as_torchs(monkeypatch, n, replicas, drop_last, shuffle):
    """Torch's index lists, with torch's own permutation put in place of funcgrad's (NumPy's) one, so the padding,
    dropping and striding are compared exactly."""
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(sampler_module, "_permutation",
                        lambda k, seed: torch.randperm(k, generator=torch.Generator().manual_seed(seed)).tolist())
    for rank in range(replicas):
        s = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle, seed=4,
                               drop_last=drop_last)
        s.set_epoch(2)
        assert (list(s), len(s)) == _torch_sampler(n, replicas, rank, shuffle, 4, drop_last, 2)


def test_distributed_sampler_shuffles_per_epoch_and_checks_its_rank():
    a = DistributedSampler(range(20), num_replicas=2, rank=0, seed=1)
    b = DistributedSampler(range(20), num_replicas=2, rank=1, seed=1)
    first = list(a) + list(b)
    assert sorted(first) == list(range(20))  # disjoint shards that cover the data
    a.set_epoch(1)
    assert list(a) != first[:10]
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)


def test_the_launcher_command_and_its_error_without_mpiexec(monkeypatch, tmp_path):
    assert launcher.command(3, ["t.py", "--x"], mpiexec="/m/mpiexec") == ["/m/mpiexec", "-n", "3", sys.executable,
                                                                          "t.py", "--x"]
    with pytest.raises(ValueError, match="at least 1"):
        launcher.command(0, ["t.py"], mpiexec="m")
    monkeypatch.delenv("FUNCGRAD_MPIEXEC", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(launcher.sysconfig, "get_path", lambda name: str(tmp_path))
    monkeypatch.setattr(launcher.sys, "prefix", str(tmp_path))
    monkeypatch.setattr(launcher.sys, "executable", str(tmp_path / "python"))
    with pytest.raises(FileNotFoundError, match=r"no mpiexec found.*funcgrad\[distributed\]"):
        launcher.find_mpiexec()


def test_post_accumulate_grad_hooks_see_the_accumulated_grad():
    torch = pytest.importorskip("torch")
    seen, seen_t = [], []
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    wt = torch.tensor([1.0, 2.0], requires_grad=True)
    h = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    wt.register_post_accumulate_grad_hook(lambda t: seen_t.append(t.grad.numpy().copy()))
    for _ in range(2):
        (w * w).sum().backward()
        (wt * wt).sum().backward()
    np.testing.assert_allclose(np.array(seen), np.array(seen_t))
    h.remove()
    (w * w).sum().backward()
    assert len(seen) == 2
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)


_HANGS = {  # (script body after the imports, what the waiting ranks must say)
    "collective": ("dist.init_process_group('mpi', timeout=datetime.timedelta(seconds=3))\n"
                   "dist.all_reduce(np.ones(2))  # every rank arrives here\n"
                   "if dist.get_rank() == 1:\n    time.sleep(600)\n"
                   "dist.all_reduce(np.ones(2))\n",
                   r"all_reduce did not finish within the timeout of 3 s on rank \d.*ranks that did not arrive: \[1\]"),
    "wait": ("dist.init_process_group('mpi')\n"
             "if dist.get_rank() == 1:\n    time.sleep(600)\n"
             "dist.all_reduce(np.ones(2), async_op=True).wait(timeout=datetime.timedelta(seconds=3))\n",
             r"all_reduce did not finish within the timeout of 3 s.*ranks that did not arrive: \[1\]"),
    "init": ("if int(os.environ.get('PMI_RANK', 0)) == 1:\n    time.sleep(600)\n"
             "dist.init_process_group('mpi', timeout=3)\n",
             r"init_process_group did not finish within the timeout of 3 s on rank 0"),
}


@pytest.mark.parametrize("case,n", [("collective", 2), ("collective", 4), ("wait", 2), ("init", 2)])
def test_a_rank_that_hangs_makes_the_others_abort_within_the_timeout(tmp_path, case, n):
    """A rank that sleeps instead of joining: the others wait out the 3 s timeout, print which operation and which
    rank, and abort the job, where MPI alone would wait forever."""
    import time
    body, expected = _HANGS[case]
    script = tmp_path / "hangs.py"
    script.write_text("import datetime, os, time\nimport numpy as np\nimport funcgrad.distributed as dist\n" + body)
    t0 = time.monotonic()
    proc = subprocess.run([_mpiexec(), "-n", str(n), sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env=_env(), cwd=ROOT)
    took = time.monotonic() - t0
    said = (proc.returncode, took, proc.stdout[-1000:], proc.stderr[-3000:])
    assert proc.returncode != 0, said
    assert re.search(expected, proc.stderr, re.S), said
    if case != "init":  # (before MPI has started, the watcher ends the process instead)
        assert "MPI_Abort" in proc.stderr and "hangs.py" in proc.stderr  # the user's line that waited is shown
    assert 3 <= took < 25, took


def test_a_rank_killed_by_sigkill_ends_the_job_within_seconds(tmp_path):
    """MPI's launcher notices the dead process and ends the others (which would wait forever in all_reduce)."""
    import time
    script = tmp_path / "killed.py"
    script.write_text("import os, signal, numpy as np, funcgrad.distributed as dist\n"
                      "dist.init_process_group('mpi')\n"
                      "if dist.get_rank() == 1:\n    os.kill(os.getpid(), signal.SIGKILL)\n"
                      "dist.all_reduce(np.ones(2))\n")
    t0 = time.monotonic()
    proc = subprocess.run([_mpiexec(), "-n", "2", sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env=_env(), cwd=ROOT)
    assert proc.returncode != 0 and time.monotonic() - t0 < 30
    assert "signal 9" in proc.stdout + proc.stderr or "Killed" in proc.stdout + proc.stderr, proc.stdout[-2000:]


def test_the_scaling_benchmark_runs_and_counts_the_bytes_it_all_reduces():
    """benchmarks/bench_ddp.py on a few steps (nothing timed is asserted): its table has every setting, and the
    bytes all-reduced per step at 2 ranks are the model's float32 gradients, counted here from the model."""
    _mpiexec()
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "bench_ddp.py"), "--runs", "1", "--steps",
                           "1", "--warmup", "1", "--ranks", "1", "2", "--bucket-cap-mb", "25", "0.01"],
                          capture_output=True, text=True, timeout=300, env=_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # counted in a subprocess: importing the benchmarks pins BLAS to one thread, which must not leak into this one
    count = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, 'benchmarks'); import funcgrad as "
                            "fg; from bench_train import cnn_layers; "
                            "print(sum(p.numel() * 4 for p in cnn_layers(fg.nn).parameters()))"],
                           capture_output=True, text=True, timeout=120, env=_env(), cwd=ROOT)
    grad_bytes = int(count.stdout.split()[-1])
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in proc.stdout.splitlines()
            if line.startswith("| ") and "samples/s" not in line}
    assert set(rows) == {"1 rank, no DDP", "1 rank, bucket_cap_mb=25", "2 ranks, bucket_cap_mb=25",
                         "2 ranks, bucket_cap_mb=0.01"}, rows
    assert rows["2 ranks, bucket_cap_mb=25"][-1].strip(" |").replace(",", "") == str(grad_bytes)
    assert rows["2 ranks, bucket_cap_mb=0.01"][-2] == "3" and rows["1 rank, bucket_cap_mb=25"][-2] == "1"
