"""(a) Small-op overhead: the gradient of a chain of 125 elementwise ops and a sum on a 10-element vector.

On arrays this small the arithmetic is nearly free, so the time per op is what each framework adds around a
NumPy call: tracing, node bookkeeping, the backward loop. Reported as microseconds per op
(forward + backward time divided by the number of ops in the chain).

The row "funcgrad Tensor.backward" runs the very function PyTorch runs (``chain_torch``) with ``funcgrad`` in
place of ``torch``: a leaf tensor with ``requires_grad=True``, the same operators and torch-named functions,
then ``y.backward()``. It is the same engine as the "funcgrad" row, seen through the Tensor façade.

Targets: funcgrad at most 0.5x PyTorch's time per op, and the same for funcgrad's Tensor.backward (the harness
compares only the "funcgrad" row with its anchors, so that second target is checked here and reported in a note).

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
TENSOR_ROW = "funcgrad Tensor.backward"
TENSOR_TARGET = 0.5  # at most this times PyTorch's time per op


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


def chain_torch(x, torch=torch):
    """PyTorch code; with ``torch=funcgrad`` it runs on funcgrad's Tensors unchanged."""
    for i in range(STEPS):
        c = torch.cos(x) if i % 2 == 0 else torch.sin(x)
        x = torch.tanh(x * 1.01 + 0.1) * c
    return x.sum()


def grad_numpy(x, xp=np):
    """Forward pass saving what the backward pass needs, then the backward pass; in place where it is free.
    ``xp`` is the array module (CuPy for the GPU benchmark's kernel-launch floor)."""
    saved = []
    for i in range(STEPS):
        t = x * 1.01
        t += 0.1
        xp.tanh(t, out=t)
        c = xp.cos(x) if i % 2 == 0 else xp.sin(x)
        saved.append((x, t, c))
        x = t * c
    g = xp.ones_like(x)
    for i in range(STEPS - 1, -1, -1):
        x, t, c = saved[i]
        # d/dx [tanh(1.01 x + 0.1) * c(x)] = 1.01 (1 - t^2) c + t c'(x), with c' = -sin or cos
        d = t * t
        d *= -1.01
        d += 1.01
        d *= c
        dc = xp.sin(x) if i % 2 == 0 else xp.cos(x)
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

    xf = fg.tensor(x0, requires_grad=True)  # a float64 array keeps its dtype

    def g_tensor():
        xf.grad = None
        chain_torch(xf, fg).backward()
        return xf.grad

    assert_close(TENSOR_ROW, g_tensor().numpy(), want, rtol=1e-10, atol=1e-12)
    fns[TENSOR_ROW] = g_tensor

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
    by_name = {r["name"]: r["seconds"] for r in rows}
    if "PyTorch" in by_name:
        ratio = by_name[TENSOR_ROW] / by_name["PyTorch"]
        notes.append(f"target for the {TENSOR_ROW} row: <= {TENSOR_TARGET}x PyTorch's time per op; measured "
                     f"{ratio:.2f}x -> {'MET' if ratio <= TENSOR_TARGET else 'NOT MET'} (the same code as the "
                     f"PyTorch row, run with funcgrad in place of torch)")
    else:
        notes.append(f"target for the {TENSOR_ROW} row (<= {TENSOR_TARGET}x PyTorch): not measured (torch missing)")
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
