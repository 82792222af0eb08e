"""(a) Small-op overhead: the gradient of a chain of 125 elementwise ops and a sum on a 10-element vector.

On arrays this small the arithmetic is nearly free, so the time per op is what each framework adds around a
NumPy call: tracing, node bookkeeping, the backward loop. Reported as microseconds per op
(forward + backward time divided by the number of ops in the chain).

Target: funcgrad at most 0.5x PyTorch's time per op.

Run: ``python benchmarks/bench_overhead.py``
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)
from common import anp, assert_close, autograd, measure_all, missing_anchor_note, torch

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

N = 10
STEPS = 25
OPS_PER_STEP = 5  # multiply by a float, add a float, tanh, sin or cos, multiply
N_OPS = STEPS * OPS_PER_STEP + 1  # and the final sum
TARGET = ("PyTorch", 0.5)


def chain_funcgrad(x):
    for i in range(STEPS):
        c = fnp.cos(x) if i % 2 == 0 else fnp.sin(x)
        x = fnp.tanh(x * 1.01 + 0.1) * c
    return fnp.sum(x)


def chain_autograd(x):
    for i in range(STEPS):
        c = anp.cos(x) if i % 2 == 0 else anp.sin(x)
        x = anp.tanh(x * 1.01 + 0.1) * c
    return anp.sum(x)


def chain_torch(x):
    for i in range(STEPS):
        c = torch.cos(x) if i % 2 == 0 else torch.sin(x)
        x = torch.tanh(x * 1.01 + 0.1) * c
    return x.sum()


def grad_numpy(x):
    """Forward pass saving what the backward pass needs, then the backward pass; in place where it is free."""
    saved = []
    for i in range(STEPS):
        t = x * 1.01
        t += 0.1
        np.tanh(t, out=t)
        c = np.cos(x) if i % 2 == 0 else np.sin(x)
        saved.append((x, t, c))
        x = t * c
    g = np.ones_like(x)
    for i in range(STEPS - 1, -1, -1):
        x, t, c = saved[i]
        # d/dx [tanh(1.01 x + 0.1) * c(x)] = 1.01 (1 - t^2) c + t c'(x), with c' = -sin or cos
        d = t * t
        d *= -1.01
        d += 1.01
        d *= c
        dc = np.sin(x) if i % 2 == 0 else np.cos(x)
        dc *= t
        if i % 2 == 0:
            d -= dc
        else:
            d += dc
        d *= g
        g = d
    return g


def run(quick: bool = False) -> dict:
    x0 = np.linspace(-1.0, 1.0, N)
    want = grad_numpy(x0)
    repeat = 10 if quick else 50
    fns, notes = {}, []

    fns["NumPy (hand-written)"] = lambda: grad_numpy(x0)

    g_fg = fg.grad(chain_funcgrad)
    assert_close("funcgrad", g_fg(x0), want, rtol=1e-10, atol=1e-12)
    fns["funcgrad"] = lambda: g_fg(x0)

    if autograd is not None:
        g_ag = autograd.grad(chain_autograd)
        assert_close("autograd", g_ag(x0), want, rtol=1e-10, atol=1e-12)
        fns["autograd"] = lambda: g_ag(x0)
    else:
        notes.append(missing_anchor_note("autograd"))

    if torch is not None:
        xt = torch.tensor(x0, requires_grad=True)

        def g_torch():
            xt.grad = None
            chain_torch(xt).backward()
            return xt.grad

        assert_close("torch", g_torch().numpy(), want, rtol=1e-10, atol=1e-12)
        fns["PyTorch"] = g_torch
    else:
        notes.append(missing_anchor_note("torch"))

    rows = [{"name": k, "seconds": t} for k, t in measure_all(fns, repeat=repeat, min_time=0.01).items()]
    for r in rows:
        r["value"] = r["seconds"] / N_OPS * 1e6
    return {
        "key": "overhead",
        "title": f"(a) Small-op overhead: grad of {N_OPS} elementwise ops on a {N}-element float64 vector",
        "unit": "us/op",
        "rows": rows,
        "notes": notes,
        "target": TARGET,
    }


if __name__ == "__main__":
    from run_all import print_result
    print_result(run())
