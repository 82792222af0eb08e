"""Shared harness for the benchmarks: single-threaded BLAS, optional anchors, timing and machine info.

Import this module before anything that imports NumPy: the thread-count variables are read when the BLAS
library loads, so setting them later has no effect.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import datetime  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any, Callable  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    # lets `python benchmarks/run_all.py` import the funcgrad of this checkout without installing it
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
except ImportError:  # the anchor is skipped with a note
    torch = None

try:
    import autograd
    import autograd.numpy as anp
except ImportError:
    autograd = anp = None

try:
    import threadpoolctl
except ImportError:
    threadpoolctl = None


def missing_anchor_note(name: str) -> str:
    pkg = {"torch": "torch==2.13.0", "autograd": "autograd"}[name]
    return f"{name} is not installed: skipped (pip install {pkg})"


def blas_threads() -> list[dict]:
    """What threadpoolctl sees: one entry per loaded BLAS/OpenMP library with its thread count."""
    if threadpoolctl is None:
        return []
    return [{"library": i.get("internal_api"), "version": i.get("version"), "threads": i.get("num_threads"),
             "prefix": i.get("prefix"), "arch": i.get("architecture")}
            for i in threadpoolctl.threadpool_info()]


def check_single_threaded() -> None:
    for info in blas_threads():
        if info["threads"] not in (None, 1):
            raise RuntimeError(f"{info['library']} runs {info['threads']} threads; the benchmarks need 1 "
                               f"(import benchmarks/common.py before numpy)")
    if torch is not None and torch.get_num_threads() != 1:
        raise RuntimeError(f"torch uses {torch.get_num_threads()} threads; the benchmarks need 1")


def _calibrate(fn: Callable[[], Any], min_time: float) -> int:
    """Smallest power-of-two loop count whose run takes at least ``min_time`` seconds."""
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - t0 >= min_time or number >= 1 << 20:
            return number
        number *= 2


def measure_all(fns: dict[str, Callable[[], Any]], repeat: int = 7, min_time: float = 0.05,
                number: int | None = None) -> dict[str, float]:
    """Seconds per call of each function, timeit-style: the best of ``repeat`` samples.

    Each sample runs a function ``number`` times in a loop (by default enough for ``min_time`` seconds) with
    the garbage collector off, as ``timeit`` does. Samples are interleaved across the functions (one sample of
    each, then the next round), so a slow spell of the machine hits every implementation alike, and the minimum
    is kept because other load on the machine can only add time.
    """
    numbers = {}
    for name, fn in fns.items():
        fn()  # warm-up: caches, lazy imports, first-call allocations
        numbers[name] = number or _calibrate(fn, min_time)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            for name, fn in fns.items():
                n = numbers[name]
                t0 = time.perf_counter()
                for _ in range(n):
                    fn()
                samples[name].append((time.perf_counter() - t0) / n)
    finally:
        if gc_was_on:
            gc.enable()
    return {name: min(s) for name, s in samples.items()}


def measure(fn: Callable[[], Any], repeat: int = 7, min_time: float = 0.05, number: int | None = None) -> float:
    """Seconds per call of one function (see :func:`measure_all`)."""
    return measure_all({"fn": fn}, repeat, min_time, number)["fn"]


def assert_close(name: str, got: Any, want: Any, rtol: float, atol: float) -> None:
    """Refuse to time code whose gradients are wrong."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol):
        err = np.max(np.abs(got - want)) if got.shape == want.shape else "shape mismatch"
        raise AssertionError(f"{name}: gradient differs from the hand-written NumPy one "
                             f"(shapes {got.shape} vs {want.shape}, max abs error {err})")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict:
    import funcgrad
    info = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load": " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "funcgrad": getattr(funcgrad, "__version__", "?"),
        "torch": torch.__version__ if torch is not None else "not installed",
        "autograd": _dist_version("autograd") if autograd is not None else "not installed",
        "blas": ", ".join(f"{b['library']} {b['version']} ({b['arch']}, {b['threads']} thread)"
                          for b in blas_threads() if b["library"] != "openmp") or _numpy_blas(),
    }
    return info


def _dist_version(name: str) -> str:
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return "?"


def _numpy_blas() -> str:
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    except Exception:
        return "unknown"


def fmt_ratio(num: float | None, den: float | None) -> str:
    if num is None or den is None:
        return "n/a"
    return f"{num / den:.2f}x"


def header(title: str) -> None:
    print(f"\n== {title} ==")
