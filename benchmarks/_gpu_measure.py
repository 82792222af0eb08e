"""The harness of ``bench_gpu.py``: implementations and environments, device-synchronized timing, peak device
memory, the profile split of funcgrad's time, the machine's description and the ``## GPU`` section of RESULTS.md.

Nothing here is a benchmark: ``bench_gpu.py`` holds the cases (g1)-(g3) and re-exports these names, so that
``bench_gpu.Impl``, ``bench_gpu.assert_agree``, ``bench_gpu.replace_gpu_section`` ... keep working for the tests and
``run_all.py``. Like every benchmark module, it imports ``common`` first.
"""
from __future__ import annotations

import common  # noqa: F401  (first: puts this checkout on sys.path and pins CPU threads, as every benchmark does)
from common import machine_info

import cProfile
import gc
import os
import pstats
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import funcgrad as fg

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "RESULTS.md")
SECTION = "## GPU"

RTOL = 1e-3  # float32 results of two libraries (different kernels, different summation orders)
WARMUP = 3
PROFILE_CALLS = 50

GROUPS = ("funcgrad core", "funcgrad ops", "array library", "other")
GROUP_DOC = {
    "funcgrad core": "tracing, nodes, the backward loop, transforms and pytrees (funcgrad/core, transforms, tree, "
                     "backend); the loop's cotangent sums (array + array) are charged here too",
    "funcgrad ops": "primitive wrappers and derivative rules (funcgrad/primitives, numpy, scipy), with the array "
                    "library calls they make through C slots (ufunc objects, array operators), which cProfile "
                    "cannot see and charges to them",
    "array library": "its own Python functions and the C methods cProfile sees",
    "other": "the benchmark's own chain function and whatever it calls directly",
}


# --- the pieces every benchmark is made of ------------------------------------------------------------------------
@dataclass
class Impl:
    """One implementation of a benchmark: ``fn()`` computes the gradient (and leaves it on the device), ``sync()``
    waits for the device, ``host(out)`` copies ``fn``'s result to NumPy for the checks, ``clear()`` drops what a
    previous call left alive (PyTorch's ``.grad``), so that a memory measurement starts from the inputs alone."""

    name: str
    fn: Callable[[], Any]
    sync: Callable[[], None]
    host: Callable[[Any], Any]
    clear: Callable[[], None] = lambda: None


@dataclass
class Env:
    """Where the benchmarks run: funcgrad's array module and synchronization, and PyTorch's device.

    On a GPU machine ``xp`` is CuPy and ``torch_device`` is ``"cuda"``; the tests use the CuPy stand-in and the CPU.
    ``cupy`` (the module, for the tracking allocator) and ``torch_memory`` are set only where peak device memory
    can be measured; ``lib`` names the array library in the tables and notes."""

    xp: Any
    sync: Callable[[], None]
    torch: Any
    torch_device: str
    torch_sync: Callable[[], None]
    cupy: Any = None
    torch_memory: bool = False
    lib: str = "CuPy"
    notes: list = field(default_factory=list)


def to_host_tree(xp: Any, out: Any) -> Any:
    """``out`` (a device array, or a tuple/dict of them) copied to NumPy with ``xp.asnumpy``."""
    if isinstance(out, dict):
        return {k: to_host_tree(xp, v) for k, v in out.items()}
    if isinstance(out, (tuple, list)):
        return tuple(to_host_tree(xp, v) for v in out)
    return xp.asnumpy(out)


def torch_to_host(out: Any) -> Any:
    """A torch tensor (or a tuple/dict of them) as NumPy arrays."""
    if isinstance(out, dict):
        return {k: torch_to_host(v) for k, v in out.items()}
    if isinstance(out, (tuple, list)):
        return tuple(torch_to_host(v) for v in out)
    return out.detach().cpu().numpy()


def assert_agree(what: str, got: Any, want: Any, rtol: float = RTOL) -> None:
    """Refuse to time code whose results disagree: arrays compared with ``rtol`` and an absolute tolerance of
    ``rtol`` times the largest magnitude of ``want`` (entries near zero carry the rounding of their larger terms)."""
    if isinstance(want, dict):
        for k in want:
            assert_agree(f"{what} d{k}", got[k], want[k], rtol)
        return
    if isinstance(want, tuple):
        for i, (g, w) in enumerate(zip(got, want)):
            assert_agree(f"{what}[{i}]", g, w, rtol)
        return
    g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if g.shape != w.shape:
        raise AssertionError(f"{what}: shape {g.shape}, expected {w.shape}")
    atol = rtol * float(np.max(np.abs(w))) if w.size else 0.0
    if not np.allclose(g, w, rtol=rtol, atol=atol):
        raise AssertionError(f"{what}: max abs error {np.max(np.abs(g - w)):.3g} (rtol {rtol}, atol {atol:.3g})")


def _float32_dtypes(what: str, grads: dict | tuple) -> None:
    for g in (grads.values() if isinstance(grads, dict) else grads):
        if g.dtype != np.float32:
            raise AssertionError(f"{what}: a gradient has dtype {g.dtype}, expected float32")


# --- timing -------------------------------------------------------------------------------------------------------
def _timed_loop(impl: Impl, n: int) -> float:
    impl.sync()  # nothing queued before the clock starts
    t0 = time.perf_counter()
    for _ in range(n):
        impl.fn()
    impl.sync()  # the queued kernels are part of the work
    return time.perf_counter() - t0


def time_impls(impls: list[Impl], repeat: int, min_time: float, number: int | None = None) -> dict[str, float]:
    """Seconds per call of each implementation, the best of ``repeat`` samples taken in interleaved rounds (as
    ``common.measure_all``), each sample a loop of calls between two device synchronizations.

    Only the loop ends wait for the device: within it the host queues the next call while the device runs the
    last one, as in a training loop, so a framework's Python time hides behind the kernels until it exceeds them.
    """
    numbers = {}
    for im in impls:
        for _ in range(WARMUP):  # kernel compilation, cuBLAS heuristics, memory pool growth
            im.fn()
        im.sync()
        n = number
        if n is None:
            n = 1
            while _timed_loop(im, n) < min_time and n < 1 << 16:
                n *= 2
        numbers[im.name] = n
    samples: dict[str, list[float]] = {im.name: [] for im in impls}
    gc.collect()
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            for im in impls:
                samples[im.name].append(_timed_loop(im, numbers[im.name]) / numbers[im.name])
    finally:
        if gc_was_on:
            gc.enable()
    return {name: min(s) for name, s in samples.items()}


# --- peak device memory -------------------------------------------------------------------------------------------
class _Release:
    """Owner of one tracked allocation: dropped (with the last array using the memory) it takes the bytes off the
    live count and lets go of the pool's pointer, which returns the memory to the pool."""

    __slots__ = ("tracker", "inner", "nbytes")

    def __init__(self, tracker: "PeakTracker", inner: Any, nbytes: int) -> None:
        self.tracker, self.inner, self.nbytes = tracker, inner, nbytes

    def __del__(self) -> None:
        self.tracker.live -= self.nbytes


class PeakTracker:
    """A CuPy allocator (for ``cupy.cuda.set_allocator``) wrapping ``malloc``, normally the default memory pool's:
    it counts the bytes of the live allocations made through it and their peak. Each allocation is handed out as
    an ``UnownedMemory`` whose owner holds the pool's pointer, so the count drops when CuPy frees the array."""

    def __init__(self, cupy: Any, malloc: Callable[[int], Any]) -> None:
        self.cupy, self.malloc = cupy, malloc
        self.live = self.peak = 0

    def __call__(self, size: int) -> Any:
        inner = self.malloc(size)
        nbytes = inner.mem.size  # the pool's rounded block (512-byte units), as PyTorch counts its blocks
        self.live += nbytes
        if self.live > self.peak:
            self.peak = self.live
        mem = self.cupy.cuda.memory.UnownedMemory(inner.ptr, size, _Release(self, inner, nbytes),
                                                  self.cupy.cuda.Device().id)
        return self.cupy.cuda.memory.MemoryPointer(mem, 0)


def cupy_peak_bytes(cupy: Any, impl: Impl) -> int:
    """Peak bytes of CuPy memory one call of ``impl.fn`` holds beyond what was live before it (its outputs
    included), through a :class:`PeakTracker` installed for the call only."""
    impl.clear()
    gc.collect()
    impl.sync()
    get_allocator = getattr(cupy.cuda.memory, "get_allocator", None)
    # the allocator in use: the default pool's malloc unless something (CUPY_... settings, a user) changed it
    previous = get_allocator() if get_allocator is not None else cupy.get_default_memory_pool().malloc
    tracker = PeakTracker(cupy, previous)
    cupy.cuda.set_allocator(tracker)
    try:
        out = impl.fn()
        impl.sync()
    finally:
        cupy.cuda.set_allocator(previous)
    del out
    return tracker.peak


def torch_peak_bytes(torch: Any, impl: Impl) -> int:
    """Peak bytes of PyTorch CUDA memory one call of ``impl.fn`` holds beyond what was live before it (its outputs
    included): ``torch.cuda.max_memory_allocated`` after ``reset_peak_memory_stats``."""
    impl.clear()
    gc.collect()
    impl.sync()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    out = impl.fn()
    impl.sync()
    peak = torch.cuda.max_memory_allocated() - before
    del out
    return peak


def memory_note(env: Env, fg_impl: Impl, torch_impl: Impl) -> str:
    """The peak-memory line of a benchmark, or why it was not measured."""
    if env.cupy is None or not env.torch_memory:
        return "peak device memory: not measured (needs CuPy and PyTorch on a CUDA device)"
    try:
        fgb, tb = cupy_peak_bytes(env.cupy, fg_impl), torch_peak_bytes(env.torch, torch_impl)
    except Exception as e:  # a measurement failing must not cost the timings
        return f"peak device memory: measurement failed ({type(e).__name__}: {e})"
    ratio = f" ({fgb / tb:.2f}x PyTorch's)" if tb else ""
    return (f"peak device memory of one gradient computation, beyond what was live before it (inputs and "
            f"parameters) and including the returned gradients: funcgrad {fgb / 2**20:.1f} MiB, PyTorch "
            f"{tb / 2**20:.1f} MiB{ratio}. PyTorch's figure is torch.cuda.max_memory_allocated() after "
            f"reset_peak_memory_stats(), less memory_allocated() before the call; funcgrad's comes from a tracking "
            f"allocator installed with cupy.cuda.set_allocator for the one call: it wraps the allocator in use "
            f"(the default memory pool's malloc), counts each allocation's pool block while an array holds it, "
            f"and keeps the peak. Both count allocator blocks (512-byte rounding), not what the pools keep cached")


# --- where funcgrad's time goes -----------------------------------------------------------------------------------
def _library_roots(xp: Any) -> tuple[list[str], tuple[str, ...]]:
    """Where the array library's Python code lives (file or directory prefixes) and the names its C-level methods
    carry in a profile: CuPy's package (with cupyx and cupy_backends), or the stand-in's module file."""
    name = getattr(xp, "__name__", type(xp).__module__)
    parts = name.split(".")
    for i in range(len(parts), 0, -1):  # the stand-in's namespace is a module without a file: use its parent's
        mod = sys.modules.get(".".join(parts[:i]))
        path = getattr(mod, "__file__", None)
        if path:
            path = os.path.abspath(path)
            if os.path.basename(path) == "__init__.py":
                base = os.path.dirname(path)
                top = os.path.basename(base)
                sibling = [os.path.join(os.path.dirname(base), top + s) for s in ("x", "_backends")]
                return [base + os.sep] + [s + os.sep for s in sibling], (top,)
            return [path], ()
    return [], ()


def profile_split(fn: Callable[[], Any], sync: Callable[[], None], xp: Any, calls: int = PROFILE_CALLS
                  ) -> dict[str, float]:
    """Fractions of the profiled time (cProfile's tottime summed per function) of ``calls`` calls of ``fn`` in each
    of :data:`GROUPS`, told apart by the file each function lives in; builtins and other libraries' functions are
    charged to the group of their caller."""
    roots, c_names = _library_roots(xp)
    fg_root = os.path.dirname(os.path.abspath(fg.__file__)) + os.sep
    core = tuple(os.path.join(fg_root, p) for p in ("core" + os.sep, "transforms" + os.sep, "tree.py", "backend.py"))
    fn()
    sync()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    sync()
    prof.disable()
    def group_of(key: tuple) -> str | None:
        filename, _line, funcname = key
        path = os.path.abspath(filename) if filename not in ("~", "") else ""
        if path and any(path == r or path.startswith(r) for r in roots):
            return "array library"
        if not path and any(n in funcname for n in c_names):
            return "array library"
        if path.startswith(core):
            return "funcgrad core"
        if path.startswith(fg_root):
            return "funcgrad ops"
        return None  # builtins, NumPy, the standard library: charged to whoever called them

    totals = dict.fromkeys(GROUPS, 0.0)
    for key, (_cc, _nc, tottime, _ct, callers) in pstats.Stats(prof).stats.items():
        group = group_of(key)
        if group is not None:
            totals[group] += tottime
            continue
        # the per-caller edges split a helper's time among its callers (heappush in the backward loop is
        # bookkeeping; a NumPy call made by the benchmark's own code is not funcgrad's)
        charged = 0.0
        for caller, edge in callers.items():
            totals[group_of(caller) or "other"] += edge[2]
            charged += edge[2]
        totals["other"] += max(tottime - charged, 0.0)
    total = sum(totals.values()) or 1.0
    return {k: v / total for k, v in totals.items()}


def split_note(split: dict[str, float], us_per_op: float, handwritten_us: float | None, lib: str) -> str:
    """The note under (g3): the profile split as percentages and as microseconds of the measured time per op."""
    def named(k: str) -> str:
        return k.replace("array library", lib)

    parts = ", ".join(f"{named(k)} {100 * v:.0f}% (~{v * us_per_op:.1f} us/op)" for k, v in split.items())
    docs = "; ".join(f"{named(k)}: {named(GROUP_DOC[k])}" for k in GROUPS)
    floor = (f" The hand-written {lib} row makes the same computation's kernel launches with no framework: "
             f"{handwritten_us:.1f} us/op, the floor under any framework on this library."
             if handwritten_us is not None else "")
    return (f"where funcgrad's time goes, from a cProfile run of {PROFILE_CALLS} gradient calls (tottime per "
            f"function, grouped by the file it lives in, builtins charged to their caller; the proportions are "
            f"the profiler's, scaled here to the measured time per op): {parts}. Groups: {docs}.{floor}")


def _result(key: str, title: str, unit: str, scale: float, secs: dict, notes: list, target: Any) -> dict:
    rows = [{"name": k, "seconds": t, "value": t * scale} for k, t in secs.items()]
    return {"key": key, "title": title, "unit": unit, "rows": rows, "notes": notes, "target": target}


# --- RESULTS.md -----------------------------------------------------------------------------------------------
def _bounds(lines: list[str]) -> tuple[int, int] | None:
    """Line range of the ``## GPU`` section: from its heading to the next level-2 heading or the end."""
    for i, line in enumerate(lines):
        if line.rstrip() == SECTION:
            for j in range(i + 1, len(lines)):
                if lines[j].startswith("## "):
                    return i, j
            return i, len(lines)
    return None


def extract_gpu_section(text: str) -> str | None:
    """The ``## GPU`` section of a RESULTS.md text (heading included), or None where there is none.

    >>> extract_gpu_section("# R\\n\\n## CPU\\nx\\n\\n## GPU\\ny\\n")
    '## GPU\\ny\\n'
    """
    lines = text.splitlines(keepends=True)
    b = _bounds(lines)
    return None if b is None else "".join(lines[b[0]:b[1]])


def replace_gpu_section(text: str, section: str) -> str:
    """``text`` with its ``## GPU`` section replaced by ``section`` (appended where there is none); everything
    else is kept as it is.

    >>> replace_gpu_section("# R\\n\\n## CPU\\nx\\n", "## GPU\\ny\\n")
    '# R\\n\\n## CPU\\nx\\n\\n## GPU\\ny\\n'
    """
    if not section.endswith("\n"):
        section += "\n"
    lines = text.splitlines(keepends=True)
    b = _bounds(lines)
    if b is None:
        head = text if not text or text.endswith("\n") else text + "\n"
        return head + ("\n" if head.strip() else "") + section
    i, j = b
    tail = "".join(lines[j:])
    return "".join(lines[:i]) + section + ("\n" + tail if tail else "")


def _cuda_version(v: int) -> str:
    return f"{v // 1000}.{(v % 1000) // 10}"


def gpu_info(env: Env) -> dict:
    """The machine: CPU side from ``common.machine_info``, plus the GPU model and the CuPy/CUDA/PyTorch versions."""
    info = machine_info()
    cupy, torch = env.cupy, env.torch
    info["gpu"] = info["cupy"] = info["cuda"] = "n/a"
    if cupy is not None:
        rt = cupy.cuda.runtime
        props = rt.getDeviceProperties(cupy.cuda.Device().id)
        name = props["name"]
        info["gpu"] = name.decode() if isinstance(name, bytes) else str(name)
        if props.get("totalGlobalMem"):
            info["gpu"] += f", {props['totalGlobalMem'] / 2**30:.0f} GiB"
        info["cupy"] = cupy.__version__
        info["cuda"] = (f"runtime {_cuda_version(rt.runtimeGetVersion())}, driver "
                        f"{_cuda_version(rt.driverGetVersion())}")
    info["torch_cuda"] = getattr(getattr(torch, "version", None), "cuda", None) or "none"
    return info


def gpu_markdown(results: list[dict], failures: list[str], info: dict, elapsed: float) -> str:
    """The ``## GPU`` section of RESULTS.md: machine, targets, one table per benchmark (level-3 headings, so the
    section ends at the next level-2 heading)."""
    from run_all import markdown_tables

    lines = [SECTION, "",
             "Generated by `python benchmarks/bench_gpu.py --write` (see `benchmarks/GPU.md`): funcgrad on CuPy "
             "arrays against PyTorch CUDA in one process. Each timed loop starts and ends with a device "
             "synchronization; each figure is the best of several samples taken in interleaved rounds. Ratios are "
             "funcgrad's time divided by the other implementation's. `python benchmarks/run_all.py` (the CPU "
             "benchmarks) is meant to keep this section.", "",
             f"- date: {info['date']}",
             f"- GPU: {info['gpu']} (CUDA {info['cuda']})",
             f"- CuPy {info['cupy']}, PyTorch {info['torch']} (CUDA {info['torch_cuda']}), funcgrad "
             f"{info['funcgrad']}, Python {info['python']}, NumPy {info['numpy']}",
             f"- CPU: {info['cpu']} ({info['cores']} cores)",
             f"- total run time: {elapsed:.0f} s"]
    if failures:
        lines += [f"- **failed**: {f}" for f in failures]
    lines += [""] + markdown_tables(results, "###", "GPU targets")
    return "\n".join(lines) + "\n"


def write_results(section: str, path: str = RESULTS) -> None:
    """Replace (or append) the ``## GPU`` section of ``path``, leaving the CPU sections untouched."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = "# Benchmark results\n"
    with open(path, "w") as f:
        f.write(replace_gpu_section(text, section))


# --- the GPU machine ----------------------------------------------------------------------------------------------
def cuda_env() -> tuple[Env | None, str]:
    """The environment of a real GPU run, or (None, the one-line reason it cannot run here)."""
    try:
        import cupy
    except Exception as e:  # ImportError, or CuPy failing to load its CUDA libraries
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return None, f"CuPy is not usable here ({msg}); install funcgrad's GPU extra: pip install 'funcgrad[gpu]'"
    try:
        backend = fg.backend.gpu_backend()
    except fg.backend.DeviceUnavailableError as e:
        return None, str(e)
    if backend.name != "cupy":
        return None, f"funcgrad's 'cuda' is the {backend.name!r} backend, not CuPy"
    from common import torch
    if torch is None:
        return None, "PyTorch is not installed (the anchor of every GPU benchmark)"
    try:
        if not torch.cuda.is_available():
            return None, f"PyTorch {torch.__version__} sees no CUDA device (a CPU-only build, or no driver)"
    except Exception as e:
        return None, f"PyTorch's CUDA is not usable ({type(e).__name__}: {e})"
    # full float32 precision on both sides: TF32 matmuls would make the comparison about precision, not overhead
    torch.backends.cuda.matmul.allow_tf32 = False
    notes = [f"float32 matmuls run in full precision on both sides: torch.backends.cuda.matmul.allow_tf32 = False, "
             f"CUPY_TF32={os.environ.get('CUPY_TF32', '0')} (CuPy uses TF32 only when that is 1)"]
    return Env(xp=cupy, sync=fg.cuda.synchronize, torch=torch, torch_device="cuda", torch_sync=torch.cuda.synchronize,
               cupy=cupy, torch_memory=True, notes=notes), ""
