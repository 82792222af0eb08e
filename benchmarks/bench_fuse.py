"""Elementwise fusion in funcgrad.jit: the ``fuse`` pass on and off, against hand-written NumPy and numexpr.

Cases: (1) a long elementwise chain (25 steps of ``tanh(x * 1.01 + 0.1) * cos(x)``, 100 ops) on 10^6 float64 and
float32 elements, forward only and its gradient; (2) a memory-bound arithmetic chain (12 cheap ops) on 10^6
float64; (3) benchmark (a)'s 126-op chain on 10 float64 (below the fusion threshold: left unfused); (4) benchmark
(b)'s MLP step. Rows: ``jit`` (the default passes with ``fuse``), ``jit, no fuse`` (without it), ``jit, no
passes``, hand-written NumPy, and numexpr (one thread, as every benchmark here; only where it can express the
chain, only if installed) on the same chain, so that the choice of backend can be checked here. Timings are the
best of interleaved samples (``common.measure_all``); the figures say which backend wins on this machine.

Also printed: bytes allocated per call (``tracemalloc``, NumPy reports its buffers to it) and ``cost()`` of the
graph with fusion on and off.

Run: ``python benchmarks/bench_fuse.py`` (``--quick`` for fewer samples)
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS and numexpr before numpy loads)
from common import assert_close, measure_all

import argparse
import tracemalloc

import numpy as np

import bench_mlp
import bench_overhead

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.jit import DEFAULT_PASSES

try:
    import numexpr as ne
    ne.set_num_threads(1)
except ImportError:  # the row is skipped with a note
    ne = None

NO_FUSE = tuple(p for p in DEFAULT_PASSES if p != "fuse")
FUSE = NO_FUSE + ("fuse",)
N = 1_000_000
STEPS = 25


def chain(x, xp=fnp):
    for i in range(STEPS):
        c = xp.cos(x) if i % 2 == 0 else xp.sin(x)
        x = xp.tanh(x * 1.01 + 0.1) * c
    return x


def chain_numpy_out(x):
    """Hand-written with out=: two buffers for the whole chain."""
    buf, c = np.empty_like(x), np.empty_like(x)
    a, b = x.dtype.type(1.01), x.dtype.type(0.1)
    for i in range(STEPS):
        (np.cos if i % 2 == 0 else np.sin)(x, out=c)
        np.multiply(x, a, out=buf)
        np.add(buf, b, out=buf)
        np.tanh(buf, out=buf)
        np.multiply(buf, c, out=buf)
        x = buf
    return x


def cheap(x, y, xp=fnp):
    t = (x * 1.01 + 0.1) * y - x
    t = (t * t + y) * 1.01 - 0.1
    return (xp.maximum(t, x) * y + x) * 0.1


def _variants(f, passes_off=True) -> dict:
    out = {"jit": fg.jit(f, passes=FUSE), "jit, no fuse": fg.jit(f, passes=NO_FUSE)}
    if passes_off:
        out["jit, no passes"] = fg.jit(f, passes=())
    return out


def _alloc(fn) -> int:
    fn()
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _report(title: str, times: dict, base: str, extra: list) -> None:
    print(f"\n== {title} ==")
    for name, t in times.items():
        print(f"  {name:28s} {t * 1e3:9.3f} ms   {t / times[base]:5.2f}x {base}")
    for line in extra:
        print("  " + line)


def bench_long_chain(dtype, repeat: int) -> None:
    x = np.linspace(-1, 1, N).astype(dtype)
    want = chain(x, np)
    fns = {"NumPy (expressions)": lambda: chain(x, np), "NumPy (hand-written out=)": lambda: chain_numpy_out(x)}
    jits = _variants(chain)
    for name, j in jits.items():
        got = j(x)
        assert got.dtype == want.dtype
        assert_close(name, got, want, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=0)
        fns[name] = (lambda j: lambda: j(x))(j)
    extra = []
    if ne is not None:
        kind = np.double if dtype == np.float64 else float  # numexpr's names: float is float32
        steps = [ne.NumExpr(f"tanh(x * a + b) * {fn}(x)", [("x", kind), ("a", kind), ("b", kind)])
                 for fn in ("cos", "sin")]
        a, b = np.asarray(1.01, dtype), np.asarray(0.1, dtype)

        def nechain():
            v = x
            for i in range(STEPS):
                v = steps[i % 2](v, a, b)
            return v

        assert_close("numexpr", nechain(), want, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)
        fns["numexpr (1 thread)"] = nechain
    else:
        extra.append("numexpr is not installed: its row is skipped (pip install numexpr)")
    times = measure_all(fns, repeat=repeat, min_time=0.2)
    for name in jits:
        extra.append(f"{name}: {_alloc(fns[name]) / 1e6:.1f} MB peak traced per call, cost() bytes_allocated "
                     f"{jits[name].lower(x).cost()['bytes_allocated'] / 1e6:.1f} MB")
    extra.append(jits["jit"].lower(x).as_text().splitlines()[5].strip())
    _report(f"long chain ({4 * STEPS} ops) on {N} {np.dtype(dtype).name}, forward", times, "jit, no fuse", extra)


def bench_long_chain_grad(repeat: int) -> None:
    x = np.linspace(-1, 1, N)
    g = fg.grad(lambda x: fnp.sum(chain(x)))
    want = g(x)
    jits = _variants(g)
    fns = {}
    for name, j in jits.items():
        assert_close(name, j(x), want, rtol=1e-10, atol=1e-12)
        fns[name] = (lambda j: lambda: j(x))(j)
    times = measure_all(fns, repeat=repeat, min_time=0.2)
    extra = [f"{name}: cost() bytes_allocated {j.lower(x).cost()['bytes_allocated'] / 1e6:.0f} MB, "
             f"{len(j.lower(x).graph.eqns)} equations" for name, j in jits.items()]
    _report(f"grad of the long chain on {N} float64", times, "jit, no fuse", extra)


def bench_cheap(repeat: int) -> None:
    x, y = np.linspace(-1, 1, N), np.linspace(2, 3, N)
    want = cheap(x, y, np)
    fns = {"NumPy (expressions)": lambda: cheap(x, y, np)}
    jits = _variants(cheap)
    for name, j in jits.items():
        assert_close(name, j(x, y), want, rtol=1e-12, atol=0)
        fns[name] = (lambda j: lambda: j(x, y))(j)
    if ne is not None:
        t = "((x * a + b) * y - x)"
        t = f"(({t} * {t} + y) * a - b)"
        ex = ne.NumExpr(f"(where({t} > x, {t}, x) * y + x) * b", [(n, np.double) for n in "xyab"])
        a, b = np.asarray(1.01), np.asarray(0.1)
        assert_close("numexpr", ex(x, y, a, b), want, rtol=1e-12, atol=0)
        fns["numexpr (1 thread)"] = lambda: ex(x, y, a, b)
    times = measure_all(fns, repeat=repeat, min_time=0.2)
    extra = [f"{name}: {_alloc(fns[name]) / 1e6:.1f} MB peak traced per call" for name in jits]
    _report(f"cheap arithmetic chain (12 ops) on {N} float64", times, "jit, no fuse", extra)


def bench_overhead_chain(repeat: int) -> None:
    x0 = np.linspace(-1.0, 1.0, bench_overhead.N)
    g = fg.grad(bench_overhead.chain_funcgrad)
    want = bench_overhead.grad_numpy(x0)
    jits = _variants(g, passes_off=False)
    fns = {"NumPy (hand-written)": lambda: bench_overhead.grad_numpy(x0)}
    for name, j in jits.items():
        assert_close(name, j(x0), want, rtol=1e-10, atol=1e-12)
        fns[name] = (lambda j: lambda: j(x0))(j)
    times = measure_all(fns, repeat=repeat, min_time=0.05)
    note = [ln.strip() for ln in jits["jit"].lower(x0).as_text().splitlines() if ln.strip().startswith("fuse:")]
    _report(f"benchmark (a): grad of the {bench_overhead.N_OPS}-op chain on {bench_overhead.N} float64", times,
            "jit, no fuse", note)


def bench_mlp_step(repeat: int) -> None:
    notes: list = []
    X, y = bench_mlp.load_batch(notes)
    params = bench_mlp.init_params()
    want = bench_mlp.value_and_grad_numpy(params, X, y)
    vg = fg.value_and_grad(bench_mlp.loss_funcgrad)
    jits = _variants(vg, passes_off=False)
    fns = {"NumPy (hand-written)": lambda: bench_mlp.value_and_grad_numpy(params, X, y)}
    for name, j in jits.items():
        bench_mlp._check(name, j(params, X, y), want)
        fns[name] = (lambda j: lambda: j(params, X, y))(j)
    times = measure_all(fns, repeat=repeat, min_time=0.1)
    low = jits["jit"].lower(params, X, y)
    note = [ln.strip() for ln in low.as_text().splitlines() if ln.strip().startswith(("fuse:", "inplace:"))]
    note.append(f"jit: {_alloc(fns['jit']) / 1e6:.2f} MB peak traced per step; jit, no fuse: "
                f"{_alloc(fns['jit, no fuse']) / 1e6:.2f} MB")
    _report("benchmark (b): MLP step", times, "jit, no fuse", note + notes)


def main(argv: list | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer samples")
    args = p.parse_args(argv)
    repeat = 3 if args.quick else 7
    common.check_single_threaded()
    print(common.machine_info())
    bench_long_chain(np.float64, repeat)
    bench_long_chain(np.float32, repeat)
    bench_long_chain_grad(repeat)
    bench_cheap(repeat)
    bench_overhead_chain(repeat)
    bench_mlp_step(repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
