"""Smoke test of ``benchmarks/bench_data.py`` on a tiny problem: every loader's batches are checked against the
dataset before timing, the result has its rows and its bytes per batch, and its section of RESULTS.md is written
in place of an old one with the other sections kept. Nothing is timed (no assertion on a figure). It runs in a
subprocess because ``benchmarks/common.py`` pins BLAS and PyTorch to one thread for the whole process."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = r"""
import glob, json, os, sys, tempfile
sys.path.insert(0, "benchmarks")
import bench_data
from common import machine_info, torch

results = bench_data.run(tiny=True)  # raises if a loader's batches differ from the dataset's samples
text = "# Benchmark results\n\n## (a) Small-op overhead\n\nkept\n\n## DataLoader throughput\n\nold\n\n## GPU\n\nkept\n"
path = os.path.join(tempfile.mkdtemp(), "RESULTS.md")
with open(path, "w") as f:
    f.write(text)
section = bench_data.section_markdown(results, machine_info(), 1.0, provisional="Provisional.")
bench_data.write_section(section, path)
with open(path) as f:
    written = f.read()
print(json.dumps({"results": [{k: r[k] for k in ("key", "unit", "rows", "bytes", "target")} for r in results],
                  "torch": torch is not None, "written": written, "section": section,
                  "leftovers": glob.glob(f"/dev/shm/fgdl{os.getpid()}_*")}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts bytes in /proc and /dev/shm (Linux)")
def test_bench_data_checks_its_loaders_counts_bytes_and_writes_its_section():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    (res,) = out["results"]
    names = [r["name"] for r in res["rows"]]
    assert names[0] == "funcgrad" and "funcgrad (num_workers=0)" in names
    assert ("PyTorch" in names) == out["torch"] and res["unit"] == "ms/batch" and res["target"] == ["PyTorch", 1.0]
    for row in res["rows"]:
        assert row["seconds"] > 0 and row["spread"] >= 0 and row["value"] == pytest.approx(row["seconds"] * 1e3)
    moved = res["bytes"]
    batch_bytes = moved["funcgrad"]["shm"]
    assert batch_bytes == 4 * (3 * 48 * 48 * 4 + 8)  # four float32 images and int64 labels
    assert moved["pickling"]["pipe"] > batch_bytes  # pickling moves the arrays themselves ...
    assert moved["funcgrad"]["pipe"] < batch_bytes / 50  # ... shared memory only a short message
    measured = moved["funcgrad"]["measured"]
    assert measured is not None and moved["funcgrad"]["pipe"] <= measured < batch_bytes / 50
    if out["torch"]:
        assert moved["PyTorch"]["pipe"] < batch_bytes / 50
    section, written = out["section"], out["written"]
    assert section.startswith("## DataLoader throughput\n\nProvisional.\n") and "±" in section
    assert written.count("## DataLoader throughput") == 1 and "\nold\n" not in written
    assert written.index("## (a)") < written.index("## DataLoader") < written.index("## GPU")
    assert out["leftovers"] == []
