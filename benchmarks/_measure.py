"""The measuring and reporting helpers of the CPU training benchmarks (``bench_train.py``, and ``bench_jit.py``'s
``measure``): the machine's setup (glibc's allocator thresholds, one core, JAX on the CPU), interleaved timing with
the interquartile spread, the correctness check that precedes any timing, a cProfile printout, and the writer that
replaces one section of RESULTS.md. ``bench_train`` re-exports these names; the machine's description is
``common.machine_info``.
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)

import contextlib
import ctypes
import gc
import os
import time
from typing import Any, Callable

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "RESULTS.md")


# --- the machine's setup ---------------------------------------------------------------------------------------------
# glibc returns the top of its heap to the system whenever more than M_TRIM_THRESHOLD is free there (128 KiB until
# a freed large block raises it), so a step whose graph is freed at the end of backward pays page faults on the next
# forward; how much depends on what ran before in the process. Pinned to the ceiling of glibc's own dynamic
# thresholds (mmap 32 MiB, trim twice that), every implementation runs in the steady state a long training loop
# reaches, whatever ran first.
ALLOCATOR = {"mmap": 32 << 20, "trim": 64 << 20}


def pin_allocator(mode: str) -> str:
    """Set glibc's malloc thresholds (``mode`` "steady") or leave them (``"default"``); a description."""
    if mode == "default":
        return "glibc malloc thresholds left at their (dynamic) defaults"
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(-3, ALLOCATOR["mmap"]) == 1 and libc.mallopt(-1, ALLOCATOR["trim"]) == 1  # M_MMAP/M_TRIM
    except (OSError, AttributeError):
        ok = False
    if not ok:
        return "allocator thresholds not set (not glibc)"
    return (f"glibc malloc pinned: M_MMAP_THRESHOLD {ALLOCATOR['mmap'] >> 20} MiB, M_TRIM_THRESHOLD "
            f"{ALLOCATOR['trim'] >> 20} MiB (its dynamic ceiling; default run: `--allocator default`)")


@contextlib.contextmanager
def one_core():
    """Run pinned to one CPU (restored afterwards); JAX sizes its thread pool by the CPUs it may use."""
    if not hasattr(os, "sched_getaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def load_jax(notes: list) -> Any:
    """JAX on the CPU, or None with a note saying it is not installed."""
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        import jax
    except ImportError:
        notes.append("jax is not installed: its row is skipped (pip install jax)")
        return None
    return jax


# --- timing --------------------------------------------------------------------------------------------------------
def measure(fns: dict[str, Callable[[], Any]], repeat: int, min_time: float = 0.05) -> list[dict]:
    """Rows ``{"name", "seconds" (median per call), "spread" (interquartile range / median)}``: ``repeat`` samples
    of each function, taken in interleaved rounds (one sample of each, then the next round), each sample a loop of
    calls lasting about ``min_time``. The garbage collector stays on (training loops run with it) and collects
    between samples, so that one implementation's garbage is not timed in another's."""
    numbers = {}
    for name, fn in fns.items():
        fn()
        fn()  # warm-up: caches, lazy imports, JAX compilation
        t0 = time.perf_counter()
        fn()
        numbers[name] = max(1, int(min_time / max(time.perf_counter() - t0, 1e-9)))
    samples: dict[str, list] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            n = numbers[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - t0) / n)
    rows = []
    for name, s in samples.items():
        q1, med, q3 = np.percentile(s, [25, 50, 75])
        rows.append({"name": name, "seconds": float(med), "spread": float((q3 - q1) / med), "value": med * 1e3})
    return rows


def check_close(name: str, got: Any, want: Any, rtol: float = 2e-4, atol: float = 2e-5) -> None:
    """Refuse to time an implementation whose result (``got``) differs from funcgrad's (``want``)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol):
        err = np.max(np.abs(got - want)) if got.shape == want.shape else f"shapes {got.shape} vs {want.shape}"
        raise AssertionError(f"{name} differs from funcgrad's (max abs error {err}): not timed")


def print_profile(fn: Callable, n: int = 20) -> None:
    """A cProfile of ``n`` calls of ``fn``: the 20 functions with the most time of their own."""
    import cProfile
    import pstats
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        fn()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(20)


# --- RESULTS.md ----------------------------------------------------------------------------------------------------
def run_lines(info: dict, elapsed: float, versions: str, cores: str = "") -> list:
    """The three lines under a section's introduction: date and CPU, the versions used, the load and run time."""
    return [f"- date: {info['date']}; CPU: {info['cpu']} ({info['cores']} cores{cores})", f"- {versions}",
            f"- load average when the run started: {info['load']}; run time {elapsed:.0f} s", ""]


def write_results_section(section: str, heading: str, path: str = RESULTS) -> None:
    """Replace (or append) the section of ``path`` that starts at ``heading``; the other sections stay as they are."""
    from run_all import write_results_section as write
    write(section, heading, path)
