"""Smoke test of the benchmark harness: benchmark (d) builds and passes its correctness checks on a tiny problem.

Nothing is timed. It runs in a subprocess because ``benchmarks/common.py`` pins BLAS and PyTorch to one thread
for the whole process, which must not leak into the rest of the test session.
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
