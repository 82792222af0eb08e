"""(c) Large matrix products: loss = sum(tanh(A @ B) @ C) with 1024x1024 float64 matrices; the loss and its
gradients with respect to A, B and C.

Six matrix products (two forward, four backward, see below) dominate, so any time funcgrad adds on top shows
up as copies, extra passes over the data or products it should not compute.
Target: funcgrad within 1.03x of the hand-written NumPy version.

The hand-written version is the standard backward pass of this graph, the one an engineer writes for any
upstream gradient G of ``tanh(A @ B) @ C``: ``dC = T.T @ G``, ``dT = G @ C.T``, ``dZ = dT * (1 - T**2)``,
``dA = dZ @ B.T``, ``dB = A.T @ dZ``; here G is all ones because the loss is a sum. It does not use the
shortcut that only an all-ones G allows (``G @ C.T`` is a broadcast row sum of C), because that measures
algebra, not autodiff overhead.

Run: ``python benchmarks/bench_matmul.py``
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)
from common import anp, assert_close, autograd, measure_all, missing_anchor_note, torch

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

N = 1024
TARGET = ("NumPy", 1.03)


def make_inputs(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # scaled so that A @ B is O(1) and tanh does not saturate everywhere
    return tuple(rng.standard_normal((N, N)) / np.sqrt(N) for _ in range(3))


def loss_funcgrad(A, B, C):
    return fnp.sum(fnp.tanh(A @ B) @ C)


def loss_autograd(A, B, C):
    return anp.sum(anp.dot(anp.tanh(anp.dot(A, B)), C))


def value_and_grad_numpy(A, B, C):
    T = A @ B
    np.tanh(T, out=T)
    loss = (T @ C).sum()
    G = np.ones((N, N))
    dC = T.T @ G
    dT = G @ C.T
    T *= T
    np.subtract(1.0, T, out=T)
    dT *= T  # dZ: through tanh, 1 - tanh^2
    dA = dT @ B.T
    dB = A.T @ dT
    return loss, (dA, dB, dC)


def _check(name: str, got: tuple, want: tuple) -> None:
    (loss, grads), (want_loss, want_grads) = got, want
    assert_close(f"{name} loss", float(loss), want_loss, rtol=1e-9, atol=1e-9)
    for k, g, w in zip("ABC", grads, want_grads):
        assert_close(f"{name} d{k}", g, w, rtol=1e-9, atol=1e-9)


def run(quick: bool = False) -> dict:
    A, B, C = make_inputs()
    want = value_and_grad_numpy(A, B, C)
    repeat = 3 if quick else 9
    fns, notes = {}, []

    fns["NumPy (hand-written)"] = lambda: value_and_grad_numpy(A, B, C)

    g_fg = fg.value_and_grad(loss_funcgrad, argnums=(0, 1, 2))
    _check("funcgrad", g_fg(A, B, C), want)
    fns["funcgrad"] = lambda: g_fg(A, B, C)

    if autograd is not None:
        g_ag = autograd.value_and_grad(loss_autograd, argnum=[0, 1, 2])
        _check("autograd", g_ag(A, B, C), want)
        fns["autograd"] = lambda: g_ag(A, B, C)
    else:
        notes.append(missing_anchor_note("autograd"))

    if torch is not None:
        At, Bt, Ct = (torch.tensor(m, requires_grad=True) for m in (A, B, C))

        def g_torch():
            for t in (At, Bt, Ct):
                t.grad = None
            loss = (torch.tanh(At @ Bt) @ Ct).sum()
            loss.backward()
            return loss.item(), (At.grad, Bt.grad, Ct.grad)

        loss_t, grads_t = g_torch()
        _check("torch", (loss_t, tuple(g.numpy() for g in grads_t)), want)
        fns["PyTorch"] = g_torch
    else:
        notes.append(missing_anchor_note("torch"))

    rows = [{"name": k, "seconds": t} for k, t in measure_all(fns, repeat=repeat, number=1).items()]
    for r in rows:
        r["value"] = r["seconds"] * 1e3
    return {
        "key": "matmul",
        "title": f"(c) Large matmuls: sum(tanh(A @ B) @ C), {N}x{N} float64, loss and grads w.r.t. A, B, C",
        "unit": "ms/step",
        "rows": rows,
        "notes": notes,
        "target": TARGET,
    }


if __name__ == "__main__":
    from run_all import print_result
    print_result(run())
