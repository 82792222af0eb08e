"""funcgrad.lax.scan under jit against the same loop unrolled in Python under jit, and JAX's lax.scan under jax.jit.

Two bodies, 100 steps each: (1) ``cumulative``, elementwise on 10 float64 (``c = c * cos(x) + x**2``, ``y =
sin(c) * x``), the loss ``sum(c) + sum(ys)``; (2) an RNN cell with closed-over weights (``h = tanh(h @ W + x @
U)``, 16 units, 8 inputs), whose gradient also accumulates the weights' cotangents across the steps, the loss
``sum(h**2) + sum(ys)``. Rows: the forward and ``jit(grad)`` (all arguments) of ``jit(lax.scan)`` (and with
``unroll=4``), of the unrolled loop under ``jit`` (one graph of 100 body copies), and of ``jax.jit`` of
``jax.lax.scan`` when JAX is installed. Each result is checked against the unrolled one before timing. Figures
are medians of interleaved samples with the interquartile spread (``_measure.measure``); ratios are over the
unrolled loop's.

Also printed: the time to record and optimize each ``jit(grad)`` (a fresh ``jit`` per sample) and the equation
counts of the lowered gradient graphs (for scan: its two nodes' bodies, per step).

Run: ``python benchmarks/bench_lax.py`` (``--quick`` for fewer samples, ``--profile`` for a cProfile of the scan
gradient, ``--write`` to replace the ``## lax.scan (jit)`` section of RESULTS.md; ``run_all.py`` runs it too)
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)
from _measure import RESULTS, check_close, load_jax, measure, print_profile, run_lines, write_results_section
from common import check_single_threaded, machine_info

import argparse
import functools
import time

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax

STEPS = 100


def cumulative(c, x, xp=fnp):
    c = c * xp.cos(x) + x ** 2
    return c, xp.sin(c) * x


def cumulative_loss(scan, xp=fnp):
    def loss(c, xs):
        c, ys = scan(lambda c, x: cumulative(c, x, xp), c, xs)
        return xp.sum(c) + xp.sum(ys)
    return loss


def rnn_loss(scan, xp=fnp):
    def loss(w, u, h, xs):
        def cell(h, x):
            h = xp.tanh(h @ w + x @ u)
            return h, h * 0.5
        h, ys = scan(cell, h, xs)
        return xp.sum(h ** 2) + xp.sum(ys)
    return loss


def unrolled(body, c, xs):
    """``lax.scan``'s semantics as a Python loop (what jit records as 100 body copies)."""
    ys = []
    for t in range(xs.shape[0]):
        c, y = body(c, xs[t])
        ys.append(y)
    return c, fnp.stack(ys)


def cases(rng) -> dict:
    c0, xs = rng.normal(size=10), rng.normal(size=(STEPS, 10))
    w, u = rng.normal(size=(16, 16)) * 0.3, rng.normal(size=(8, 16)) * 0.3
    h0, hx = rng.normal(size=16) * 0.1, rng.normal(size=(STEPS, 8))
    return {"cumulative, 10 float64": (cumulative_loss, (c0, xs)), "RNN cell, 16 units": (rnn_loss, (w, u, h0, hx))}


def _count(graph) -> int:
    n = 0
    for e in graph.eqns:
        body = e.params.get("body")
        n += 1 if body is None else len(body.graph.eqns) * e.params["length"]
    return n


def run_case(name: str, make, args: tuple, jax, repeat: int, profile: bool) -> list[str]:
    argnums = tuple(range(len(args)))
    scan_f, unroll_f = make(lax.scan), make(unrolled)
    scan4_f = make(functools.partial(lax.scan, unroll=4))
    fns = {"jit(scan)": fg.jit(scan_f), "jit(scan, unroll=4)": fg.jit(scan4_f), "jit(unrolled)": fg.jit(unroll_f)}
    grads = {"jit(grad(scan))": fg.jit(fg.grad(scan_f, argnums=argnums)),
             "jit(grad(scan, unroll=4))": fg.jit(fg.grad(scan4_f, argnums=argnums)),
             "jit(grad(unrolled))": fg.jit(fg.grad(unroll_f, argnums=argnums))}
    want, want_g = fns["jit(unrolled)"](*args), grads["jit(grad(unrolled))"](*args)
    for k in ("jit(scan)", "jit(scan, unroll=4)"):
        check_close(k, fns[k](*args), want, rtol=1e-10, atol=1e-12)
    for k in ("jit(grad(scan))", "jit(grad(scan, unroll=4))"):
        for a, b in zip(grads[k](*args), want_g):
            check_close(k, a, b, rtol=1e-10, atol=1e-12)
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        jloss = make(jax.lax.scan, jax.numpy)
        fns["JAX jit(lax.scan)"] = jax.jit(jloss)
        grads["JAX jit(grad(lax.scan))"] = jax.jit(jax.grad(jloss, argnums=argnums))
        check_close("JAX", fns["JAX jit(lax.scan)"](*args), want, rtol=1e-10, atol=1e-12)
        for a, b in zip(grads["JAX jit(grad(lax.scan))"](*args), want_g):
            check_close("JAX grad", a, b, rtol=1e-10, atol=1e-12)
    # JAX's results are asynchronous: each of its calls waits for its result
    timed = {k: (lambda f=f: jax.block_until_ready(f(*args))) if k.startswith("JAX") else (lambda f=f: f(*args))
             for k, f in {**fns, **grads}.items()}
    rows = {r["name"]: r for r in measure(timed, repeat)}
    lines = [f"### {name}, {STEPS} steps", "", "| | median (us) | spread | vs unrolled |", "|---|---|---|---|"]
    for k, r in rows.items():
        base = rows["jit(unrolled)" if k in fns else "jit(grad(unrolled))"]["seconds"]
        lines.append(f"| {k} | {r['seconds'] * 1e6:.0f} | {r['spread']:.0%} | {r['seconds'] / base:.2f}x |")
    record = {}
    for k, f in (("scan", scan_f), ("unrolled", unroll_f)):
        ts = []
        for _ in range(3):
            t0 = time.perf_counter()
            fg.jit(fg.grad(f, argnums=argnums)).lower(*args)
            ts.append(time.perf_counter() - t0)
        record[k] = min(ts)
    g_scan = grads["jit(grad(scan))"].lower(*args).graph
    g_unr = grads["jit(grad(unrolled))"].lower(*args).graph
    lines += ["", f"Recording jit(grad): scan {record['scan'] * 1e3:.1f} ms, unrolled {record['unrolled'] * 1e3:.1f} "
              f"ms. Equations run per gradient: scan {_count(g_scan)} ({len(g_scan.eqns)} node(s)), unrolled "
              f"{_count(g_unr)}.", ""]
    if profile:
        print_profile(lambda: grads["jit(grad(scan))"](*args), 200)
    return lines


SECTION = "## lax.scan (jit)"


def run(quick: bool = False, profile: bool = False) -> list[str]:
    """The markdown lines of every case (tables and recording times), JAX's rows where it is installed."""
    notes: list = []
    jax = load_jax(notes)
    out: list = []
    for name, (make, args) in cases(np.random.default_rng(0)).items():
        out += run_case(name, make, args, jax, 5 if quick else 15, profile)
    return out + notes


def section_markdown(lines: list, info: dict, elapsed: float) -> str:
    """The ``## lax.scan (jit)`` section of RESULTS.md: how it was run, then the cases' tables."""
    head = [SECTION, "",
            "Generated by `python benchmarks/bench_lax.py --write` (or `python benchmarks/run_all.py`): "
            "`funcgrad.lax.scan` under `jit` against the same loop unrolled under `jit` (no target: it shows what "
            "scan costs and saves). Medians of interleaved samples, interquartile spread beside them.", "",
            *run_lines(info, elapsed, f"Python {info['python']}, NumPy {info['numpy']}, BLAS: {info['blas']}")]
    return "\n".join(head + lines) + "\n"


def write_section(section: str, path: str = RESULTS) -> None:
    """Replace (or append) this benchmark's section of ``path``; the other sections stay as they are."""
    write_results_section(section, SECTION, path)


def main(argv: list | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer samples (rougher numbers)")
    p.add_argument("--profile", action="store_true", help="a cProfile of the scan gradient per case")
    p.add_argument("--write", action="store_true", help="replace the lax.scan section of benchmarks/RESULTS.md")
    a = p.parse_args(argv)
    check_single_threaded()
    t0 = time.perf_counter()
    out = run(a.quick, a.profile)
    print("\n".join(out))
    if a.write:
        write_section(section_markdown(out, machine_info(), time.perf_counter() - t0))
        print(f"wrote the {SECTION!r} section of {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
