"""funcgrad.jit against eager funcgrad, hand-written NumPy and JAX's jit, on the four benchmarks (a)-(d) and the
time it takes to record and optimize a 50-layer MLP training step.

Each row runs the same computation as the benchmark it is named after (the functions are imported from
``bench_overhead``, ``bench_mlp``, ``bench_matmul``, ``bench_hvp``), checked against the hand-written NumPy
result before anything is timed. Figures are medians of interleaved samples with the interquartile range as the
spread (``_measure.measure``); the row "funcgrad" is ``funcgrad.jit``, and ratios are its median over the
other's.

Targets (issue 15): (a) jit per-op time within 1.5x of the hand-written NumPy chain; (b) the digits MLP step
under jit at or below hand-written NumPy; (c) the 1024^2 matmul chain under jit at most 0.65x hand-written NumPy
(3 matrix products instead of 5: the ones-cotangent rewrite); (d) the HVP under jit within 2x of JAX jit; and
recording + optimizing a 50-layer MLP training step under 50 ms (JAX's compile time beside it).

The MLP step jits ``bench_mlp``'s own loss, which picks each row's log-probability as ``logp[np.arange(n), y]``:
jit records the traced labels ``y`` as an operand of a ``gather`` equation (and of its transpose, ``gather_add``),
so every replay reads the call's labels.

Run: ``python benchmarks/bench_jit.py`` (``--quick`` for fewer samples, ``--write`` to replace the ``## jit``
section of RESULTS.md; ``run_all.py`` runs it too and writes that section)
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)
from common import assert_close

import os
import sys
import time

import numpy as np

import bench_hvp
import bench_matmul
import bench_mlp
import bench_overhead
from _measure import measure, run_lines

import funcgrad as fg
import funcgrad.numpy as fnp

try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except ImportError:  # the anchor is skipped with a note
    jax = jnp = None

NUMPY = "NumPy (hand-written)"


def _result(key: str, title: str, unit: str, rows: list, scale: float, notes: list, target) -> dict:
    for r in rows:
        r["value"] = r["seconds"] * scale
    rows.sort(key=lambda r: r["name"] != "funcgrad")  # the row "funcgrad" is funcgrad.jit: targets compare it
    return {"key": key, "title": title, "unit": unit, "rows": rows, "notes": notes, "target": target}


# --- (a) overhead chain -------------------------------------------------------------------------------------------
def bench_overhead_chain(repeat: int) -> dict:
    x0 = np.linspace(-1.0, 1.0, bench_overhead.N)
    want = bench_overhead.grad_numpy(x0)
    eager = fg.grad(bench_overhead.chain_funcgrad)
    jitted = fg.jit(eager)
    assert_close("funcgrad jit", jitted(x0), want, rtol=1e-10, atol=1e-12)
    fns = {NUMPY: lambda: bench_overhead.grad_numpy(x0), "funcgrad": lambda: jitted(x0),
           "funcgrad eager": lambda: eager(x0)}
    notes = []
    if jax is not None:
        def chain_jax(x):
            for i in range(bench_overhead.STEPS):
                c = jnp.cos(x) if i % 2 == 0 else jnp.sin(x)
                x = jnp.tanh(x * 1.01 + 0.1) * c
            return jnp.sum(x)

        jg = jax.jit(jax.grad(chain_jax))
        xj = jnp.asarray(x0)
        assert_close("JAX jit", np.asarray(jg(xj)), want, rtol=1e-10, atol=1e-12)
        fns["JAX (jit)"] = lambda: jg(xj).block_until_ready()
    else:
        notes.append("jax is not installed: its row is skipped")
    rows = measure(fns, repeat=repeat, min_time=0.02)
    eqns = len(jitted.lower(x0).graph.eqns)
    notes.append(f"the jit graph has {eqns} equations for the chain's {bench_overhead.N_OPS} ops and their "
                 f"gradient; JAX fuses the chain into one XLA kernel")
    return _result("jit_overhead", f"(a) jit: grad of the {bench_overhead.N_OPS}-op elementwise chain on a "
                   f"{bench_overhead.N}-element float64 vector", "us/op", rows, 1e6 / bench_overhead.N_OPS, notes,
                   ("NumPy", 1.5))


# --- (b) MLP step -------------------------------------------------------------------------------------------------
def bench_mlp_step(repeat: int) -> dict:
    notes: list = []
    X, y = bench_mlp.load_batch(notes)
    params = bench_mlp.init_params()
    want = bench_mlp.value_and_grad_numpy(params, X, y)
    eager = fg.value_and_grad(bench_mlp.loss_funcgrad)
    jitted = fg.jit(eager)
    bench_mlp._check("funcgrad jit", jitted(params, X, y), want)
    y_next = np.roll(y, 1)  # a replay with other labels must read them (they are an operand, not baked in)
    bench_mlp._check("funcgrad jit, next labels", jitted(params, X, y_next),
                     bench_mlp.value_and_grad_numpy(params, X, y_next))
    fns = {NUMPY: lambda: bench_mlp.value_and_grad_numpy(params, X, y),
           "funcgrad": lambda: jitted(params, X, y), "funcgrad eager": lambda: eager(params, X, y)}
    if jax is not None:
        def loss_j(p, X, y):
            h = jnp.tanh(X @ p["W1"] + p["b1"])
            h = jnp.tanh(h @ p["W2"] + p["b2"])
            logp = jax.nn.log_softmax(h @ p["W3"] + p["b3"], axis=1)
            return -jnp.mean(logp[jnp.arange(y.shape[0]), y])

        vg = jax.jit(jax.value_and_grad(loss_j))
        pj = {k: jnp.asarray(v) for k, v in params.items()}
        Xj, yj = jnp.asarray(X), jnp.asarray(y)
        lj, gj = vg(pj, Xj, yj)
        bench_mlp._check("JAX jit", (float(lj), {k: np.asarray(v) for k, v in gj.items()}), want)
        fns["JAX (jit)"] = lambda: jax.block_until_ready(vg(pj, Xj, yj))
    rows = measure(fns, repeat=repeat, min_time=0.05)
    return _result("jit_mlp", f"(b) jit: MLP step, digits {'-'.join(map(str, bench_mlp.SIZES))} tanh, batch "
                   f"{bench_mlp.BATCH}, float32, loss and gradients", "us/step", rows, 1e6, notes, ("NumPy", 1.0))


# --- (c) large matmuls ----------------------------------------------------------------------------------------------
def bench_matmul_chain(repeat: int) -> dict:
    A, B, C = bench_matmul.make_inputs()
    want = bench_matmul.value_and_grad_numpy(A, B, C)
    eager = fg.value_and_grad(bench_matmul.loss_funcgrad, argnums=(0, 1, 2))
    jitted = fg.jit(eager)
    bench_matmul._check("funcgrad jit", jitted(A, B, C), want)
    low = jitted.lower(A, B, C)
    n_mm = sum(e.prim.name == "matmul" for e in low.graph.eqns)
    fns = {NUMPY: lambda: bench_matmul.value_and_grad_numpy(A, B, C), "funcgrad": lambda: jitted(A, B, C),
           "funcgrad eager": lambda: eager(A, B, C)}
    notes = [f"matrix products in the jit graph: {n_mm} (the hand-written version computes 6, eager funcgrad 6; "
             f"the ones-cotangent rewrite turns G @ C.T and T.T @ G into broadcast sums)"]
    if jax is not None:
        vg = jax.jit(jax.value_and_grad(lambda a, b, c: jnp.sum(jnp.tanh(a @ b) @ c), argnums=(0, 1, 2)))
        Aj, Bj, Cj = (jnp.asarray(m) for m in (A, B, C))
        lj, gj = vg(Aj, Bj, Cj)
        bench_matmul._check("JAX jit", (float(lj), tuple(np.asarray(g) for g in gj)), want)
        fns["JAX (jit)"] = lambda: jax.block_until_ready(vg(Aj, Bj, Cj))
    rows = measure(fns, repeat=repeat, min_time=0.0)
    return _result("jit_matmul", f"(c) jit: sum(tanh(A @ B) @ C), {bench_matmul.N}x{bench_matmul.N} float64, "
                   f"loss and grads", "ms/step", rows, 1e3, notes, ("NumPy", 0.65))


# --- (d) HVP --------------------------------------------------------------------------------------------------------
def bench_hvp_product(repeat: int) -> dict:
    p = bench_hvp.make_problem()
    x, v = p["x"], p["v"]
    want = bench_hvp.hvp_numpy(p, x, v)
    f = bench_hvp.make_f_funcgrad(p)
    jitted = fg.jit(lambda x, v: fg.hvp(f, x, v))
    assert_close("funcgrad jit", jitted(x, v), want, rtol=bench_hvp.RTOL, atol=bench_hvp.ATOL)
    fns = {NUMPY: lambda: bench_hvp.hvp_numpy(p, x, v), "funcgrad": lambda: jitted(x, v),
           "funcgrad eager": lambda: fg.hvp(f, x, v)}
    notes = []
    if jax is not None:
        W1, b1, W2, b2 = (jnp.asarray(p[k]) for k in ("W1", "b1", "W2", "b2"))

        def fj(x):
            return jnp.sum(jnp.tanh(W2 @ jnp.tanh(W1 @ x + b1) + b2))

        hv = jax.jit(lambda x, v: jax.jvp(jax.grad(fj), (x,), (v,))[1])
        xj, vj = jnp.asarray(x), jnp.asarray(v)
        assert_close("JAX jit", np.asarray(hv(xj, vj)), want, rtol=bench_hvp.RTOL, atol=bench_hvp.ATOL)
        fns["JAX (jit)"] = lambda: hv(xj, vj).block_until_ready()
    else:
        notes.append("jax is not installed: the target is not measured")
    rows = measure(fns, repeat=repeat, min_time=0.02)
    return _result("jit_hvp", "(d) jit: Hessian-vector product, two tanh layers on R^200, float64", "us",
                   rows, 1e6, notes, ("JAX", 2.0))


# --- trace-and-optimize time -------------------------------------------------------------------------------------
def bench_trace_time(repeat: int) -> dict:
    layers, width, batch = 50, 32, 16
    rng = np.random.default_rng(0)
    params = [(rng.standard_normal((width, width)) / np.sqrt(width), np.zeros(width)) for _ in range(layers)]
    X = rng.standard_normal((batch, width))

    def loss(params, X):
        h = X
        for W, b in params:
            h = fnp.tanh(h @ W + b)
        return fnp.mean(h * h)

    step = fg.value_and_grad(loss)

    def trace_fg():
        j = fg.jit(step)
        t0 = time.perf_counter()
        j.lower(params, X)
        return time.perf_counter() - t0

    t_fg = sorted(trace_fg() for _ in range(repeat))
    want = step(params, X)
    got = fg.jit(step)(params, X)
    assert_close("funcgrad jit loss", got[0], want[0], rtol=1e-12, atol=1e-12)
    rows = [{"name": "funcgrad", "seconds": float(np.median(t_fg)),
             "spread": float((t_fg[-1 - repeat // 4] - t_fg[repeat // 4]) / np.median(t_fg))}]
    notes = [f"{layers} layers of width {width}, batch {batch}, float64: value_and_grad recorded ("
             f"{len(fg.jit(step).lower(params, X).graph.eqns)} equations after the passes), optimized and "
             f"compiled to Python once"]
    if jax is not None:
        pj = [(jnp.asarray(W), jnp.asarray(b)) for W, b in params]
        Xj = jnp.asarray(X)

        def loss_j(params, X):
            h = X
            for W, b in params:
                h = jnp.tanh(h @ W + b)
            return jnp.mean(h * h)

        t_j = []
        for _ in range(max(2, repeat // 4)):
            t0 = time.perf_counter()
            jax.jit(jax.value_and_grad(loss_j)).lower(pj, Xj).compile()
            t_j.append(time.perf_counter() - t0)
        rows.append({"name": "JAX (jit: lower + compile)", "seconds": float(np.median(t_j)), "spread": 0.0})
    ms = rows[0]["seconds"] * 1e3
    notes.append(f"target: record + optimize < 50 ms: {ms:.1f} ms -> {'MET' if ms < 50 else 'NOT MET'}")
    # an absolute target (no anchor row to divide by): stated in the notes, not in the targets table
    return _result("jit_trace", f"jit: record and optimize a {layers}-layer MLP training step", "ms", rows, 1e3,
                   notes, [])


# --- donated buffers ------------------------------------------------------------------------------------------------
def bench_donated_update(repeat: int) -> dict:
    """SGD with momentum on four 512x512 float64 parameters (2 MiB each): ``v = 0.9 v + g; p = p - lr v``, the
    update that ``donate_argnums`` is for. Hand-written NumPy updates in place (``v *= 0.9; v += g; p -= lr * v``,
    one temporary); ``funcgrad`` is jit with parameters and velocities donated, ``funcgrad no donation`` the same
    jit without."""
    r = np.random.default_rng(0)
    shapes = [(512, 512)] * 4
    grads = [r.standard_normal(s) for s in shapes]

    def update(params, vel, grads):
        vel = [0.9 * v + g for v, g in zip(vel, grads)]
        return [p - 0.01 * v for p, v in zip(params, vel)], vel

    def numpy_update(params, vel, grads):
        for p, v, g in zip(params, vel, grads):
            v *= 0.9
            v += g
            p -= 0.01 * v
        return params, vel

    donating, plain = fg.jit(update, donate_argnums=(0, 1)), fg.jit(update)
    state = {k: ([r.standard_normal(s) for s in shapes], [np.zeros(s) for s in shapes])
             for k in ("numpy", "donating", "plain", "jax")}
    p0 = [p.copy() for p in state["numpy"][0]]
    for k in ("donating", "plain"):
        state[k] = ([p.copy() for p in p0], [np.zeros(s) for s in shapes])
    want = numpy_update([p.copy() for p in p0], [np.zeros(s) for s in shapes], grads)
    got = donating([p.copy() for p in p0], [np.zeros(s) for s in shapes], grads)
    for a, b in zip(got[0] + got[1], want[0] + want[1]):
        assert_close("donating update", a, b, 1e-12, 1e-12)

    def run(key, fn):
        def step():
            state[key] = fn(*state[key], grads)
        return step

    fns = {NUMPY: run("numpy", numpy_update), "funcgrad": run("donating", donating),
           "funcgrad no donation": run("plain", plain)}
    listing = donating.lower(*state["donating"], grads).as_text().splitlines()
    notes = [f"jit's listing: {line.strip().split(' (')[0]}" for line in listing if "donate_argnums:" in line]
    if jax is not None:
        jup = jax.jit(update, donate_argnums=(0, 1))
        state["jax"] = ([jnp.asarray(p) for p in p0], [jnp.zeros(s) for s in shapes])
        gj = [jnp.asarray(g) for g in grads]

        def jax_step():
            state["jax"] = jax.block_until_ready(jup(*state["jax"], gj))
        fns["JAX (jit, donated)"] = jax_step
    rows = measure(fns, repeat=repeat, min_time=0.05)
    return _result("jit_donate", "jit: momentum SGD update of 4 x 512x512 float64 parameters, donated", "us/step",
                   rows, 1e6, notes, [("funcgrad no donation", 1.0, "<"), ("NumPy", 1.2)])


def run(quick: bool = False) -> list:
    repeat = 5 if quick else 15
    return [bench_overhead_chain(repeat), bench_mlp_step(repeat), bench_matmul_chain(3 if quick else 7),
            bench_hvp_product(repeat), bench_trace_time(repeat), bench_donated_update(repeat)]


SECTION = "## jit"
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")


def section_markdown(results: list, info: dict, elapsed: float) -> str:
    """The ``## jit`` section of RESULTS.md: how it was run, the targets and one table per benchmark."""
    from run_all import markdown_tables
    jax_version = getattr(jax, "__version__", None)
    lines = [SECTION, "",
             "Generated by `python benchmarks/bench_jit.py --write` (or `python benchmarks/run_all.py`). Each figure "
             "is the median of interleaved samples, its interquartile range after the ±; the row \"funcgrad\" is "
             "`funcgrad.jit`, ratios are its median over the other's.", "",
             *run_lines(info, elapsed, f"Python {info['python']}, NumPy {info['numpy']}, "
                        f"{'JAX ' + jax_version + ' on CPU (x64)' if jax_version else 'JAX not installed'}, "
                        f"BLAS: {info['blas']}")]
    lines += markdown_tables(results, "###", "jit targets")
    return "\n".join(lines) + "\n"


def write_section(section: str, path: str = RESULTS) -> None:
    """Replace (or append) the jit section of ``path``; the other sections stay as they are."""
    from run_all import write_results_section
    write_results_section(section, SECTION, path)


def main(argv: list | None = None) -> int:
    import argparse

    from common import check_single_threaded, machine_info
    from run_all import print_result
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer samples (rougher numbers)")
    p.add_argument("--write", action="store_true", help=f"replace the '{SECTION}' section of RESULTS.md")
    args = p.parse_args(argv)
    check_single_threaded()
    info = machine_info()
    t0 = time.perf_counter()
    results = run(quick=args.quick)
    for res in results:
        print_result(res)
    if args.write:
        write_section(section_markdown(results, info, time.perf_counter() - t0))
        print(f"wrote the '{SECTION}' section of {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
