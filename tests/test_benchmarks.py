"""Smoke tests of the benchmark harness: benchmark (d) builds and passes its correctness checks on a tiny problem,
and so do the training steps of ``bench_train.py`` (every implementation checked against funcgrad, the result
structure, the ``## Training steps`` section of RESULTS.md written in place of an old one, the other sections kept).

Nothing is timed (no assertion on a figure). They run in a subprocess because ``benchmarks/common.py`` pins BLAS and
PyTorch to one thread for the whole process (``bench_train`` also glibc's allocator), which must not leak into the
rest of the test session.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r"""
import json, sys
sys.path.insert(0, "benchmarks")
import bench_hvp, run_all
from common import autograd, torch

notes = []
fns = bench_hvp.build(bench_hvp.make_problem(n=8, seed=1), notes)  # raises if any implementation is wrong
for fn in fns.values():
    fn()

fake = {"rows": [{"name": "funcgrad", "seconds": 2.0}, {"name": "funcgrad (other)", "seconds": 100.0},
                 {"name": "PyTorch (x)", "seconds": 4.0}, {"name": "autograd (a)", "seconds": 2.0},
                 {"name": "autograd (b)", "seconds": 100.0}],
        "target": bench_hvp.TARGET}
print(json.dumps({"names": list(fns), "notes": notes, "torch": torch is not None,
                  "autograd": autograd is not None, "targets": run_all.target_statuses(fake)}))
"""


def test_bench_hvp_correctness_checks_pass_on_a_tiny_problem():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    names = out["names"]
    assert names[:3] == ["NumPy (hand-written)", "funcgrad", "funcgrad (reverse-over-reverse)"]
    assert any(n.startswith("PyTorch") for n in names) == out["torch"]
    assert any(n.startswith("autograd") for n in names) == out["autograd"]
    # funcgrad/PyTorch = 0.5 (met); funcgrad/autograd uses the first autograd row: 1.0, not < 1.0 (not met)
    assert [t[0] for t in out["targets"]] == ["PyTorch", "autograd"]
    assert out["targets"][0][3:] == [0.5, True]
    assert out["targets"][1][3:] == [1.0, False]


TRAIN_SCRIPT = r"""
import json, os, sys, tempfile
sys.path.insert(0, "benchmarks")
import bench_train, run_all
from common import machine_info, torch

results = bench_train.run(tiny=True)  # raises if any implementation's gradients or updates differ from funcgrad's
text = "# Benchmark results\n\n## (a) Small-op overhead\n\nkept\n\n## GPU\n\nkept too\n"
path = os.path.join(tempfile.mkdtemp(), "RESULTS.md")
with open(path, "w") as f:
    f.write(text)
section = bench_train.section_markdown(results, machine_info(), 1.0)
bench_train.write_section(section, path)
bench_train.write_section(section, path)  # a second write replaces the first
with open(path) as f:
    written = f.read()
print(json.dumps({"results": [{k: r[k] for k in ("key", "title", "unit", "rows", "notes")} for r in results],
                  "targets": [run_all.target_statuses(r) for r in results], "torch": torch is not None,
                  "written": written, "text": text, "section": section}))
"""


def test_bench_train_runs_its_checks_and_writes_its_section():
    proc = subprocess.run([sys.executable, "-c", TRAIN_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    results = {r["key"]: r for r in out["results"]}
    assert list(results) == ["train_cnn", "train_lstm", "train_adam"]
    for r in results.values():
        names = [row["name"] for row in r["rows"]]
        assert names.count("funcgrad") == 1 and r["unit"] == "ms/step"
        assert any(n.startswith("PyTorch") for n in names) == out["torch"]
        for row in r["rows"]:
            assert row["seconds"] > 0 and row["spread"] >= 0 and row["value"] == row["seconds"] * 1e3
        assert any("one core" in n for n in r["notes"])
    assert "NumPy (hand-written)" in [row["name"] for row in results["train_lstm"]["rows"]]
    assert any(n.startswith("share of funcgrad's step") and "convolutions" in n for n in results["train_cnn"]["notes"])
    for (anchor, limit, op, ratio, met), want in zip([t[0] for t in out["targets"]], (1.5, 1.5, 1.2)):
        assert anchor == "PyTorch" and limit == want and op == "<="
        assert (ratio is None) == (not out["torch"])
    # the section: its own heading, one table per benchmark, the other sections untouched and in place
    section, written = out["section"], out["written"]
    assert section.startswith("## Training steps\n") and section.count("### (") == 3 and "±" in section
    assert written.count("## Training steps") == 1
    assert written == out["text"] + "\n" + section
