"""The examples run end to end and do what their docstrings promise."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_digits_mlp_trains_to_95_percent(tmp_path):
    for mod in ("sklearn", "matplotlib", "tqdm"):
        pytest.importorskip(mod)
    out = tmp_path / "loss.png"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    # fewer epochs than the default keep the test quick; 10 epochs already reach about 98% test accuracy
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "digits_mlp.py"), "--epochs", "10",
                           "--out", str(out)], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("test accuracy:"))
    assert float(line.split(":")[1]) >= 0.95, proc.stdout
    assert str(out) in proc.stdout
    assert out.exists() and out.stat().st_size > 1000
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_digits_torch_style_trains_to_95_percent():
    pytest.importorskip("sklearn")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    # 10 epochs instead of the default 30 keep the test quick and already reach about 97% test accuracy
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "digits_torch_style.py"), "--epochs", "10",
                           "--seed", "0"], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "trained with funcgrad" in proc.stdout, proc.stdout
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("test accuracy:"))
    assert float(line.split(":")[1]) >= 0.95, proc.stdout


def test_digits_torch_style_trains_on_a_gpu_device():
    """The example's GPU path (``--device cuda``), on the CuPy stand-in where there is no GPU: the same training
    code moves its data with ``.to(device)``, creates parameters and draws permutations there, and learns."""
    pytest.importorskip("sklearn")
    import funcgrad as fg
    from funcgrad.testing import standin

    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import _digits
        import digits_torch_style as ex
    finally:
        sys.path.pop(0)
    installed = not fg.cuda.is_available()
    if installed:
        standin.install()
    standin.reset_host_syncs()
    try:
        acc = ex.train(*_digits.load_data(0), epochs=5, seed=0, device="cuda")
    finally:
        if installed:
            standin.uninstall()
    assert acc >= 0.9
    if installed:  # the per-batch loss.item() read a device value: the training really ran on the device
        assert standin.host_syncs() >= 5
