"""(b) One MLP training step's gradient: scikit-learn digits, 64-256-256-10 tanh, softmax cross-entropy,
batch 128, float32; forward and backward: the loss and its gradients with respect to all six parameters.

The matrix products dominate but are small, so this measures funcgrad's overhead at a realistic size.
Target: funcgrad within 1.10x of the hand-written NumPy version.

Run: ``python benchmarks/bench_mlp.py``
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)
from common import anp, assert_close, autograd, measure_all, missing_anchor_note, torch

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.scipy.special import log_softmax

SIZES = (64, 256, 256, 10)
BATCH = 128
DTYPE = np.float32
TARGET = ("NumPy", 1.10)
NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def load_batch(notes: list) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    try:
        from sklearn.datasets import load_digits
        X, y = load_digits(return_X_y=True)
    except ImportError:
        notes.append("scikit-learn is not installed: random data of the same shape instead of digits")
        X, y = rng.random((1797, 64)) * 16, rng.integers(0, 10, 1797)
    X = (X - X.mean(0)) / (X.std(0) + 1e-8)
    idx = rng.permutation(len(X))[:BATCH]
    return X[idx].astype(DTYPE), y[idx].astype(np.int64)


def init_params(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    params = {}
    for k, (m, n) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        params[f"W{k}"] = (rng.standard_normal((m, n)) / np.sqrt(m)).astype(DTYPE)
        params[f"b{k}"] = np.zeros(n, DTYPE)
    return params


def loss_funcgrad(p, X, y):
    h = fnp.tanh(X @ p["W1"] + p["b1"])
    h = fnp.tanh(h @ p["W2"] + p["b2"])
    logp = log_softmax(h @ p["W3"] + p["b3"], axis=1)
    return -fnp.mean(logp[np.arange(len(y)), y])


def value_and_grad_numpy(p, X, y):
    """Loss and gradients: a forward pass keeping the activations, then backprop, in place where it is free."""
    W1, b1, W2, b2, W3, b3 = (p[k] for k in NAMES)
    n = len(y)
    rows = np.arange(n)
    h1 = X @ W1
    h1 += b1
    np.tanh(h1, out=h1)
    h2 = h1 @ W2
    h2 += b2
    np.tanh(h2, out=h2)
    z = h2 @ W3
    z += b3
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)  # softmax probabilities
    loss = -np.log(z[rows, y]).mean()
    z[rows, y] -= 1.0
    z /= n  # d loss / d logits
    dW3 = h2.T @ z
    db3 = z.sum(axis=0)
    d2 = z @ W3.T
    h2 *= h2
    np.subtract(1.0, h2, out=h2)
    d2 *= h2  # through tanh: 1 - h^2
    dW2 = h1.T @ d2
    db2 = d2.sum(axis=0)
    d1 = d2 @ W2.T
    h1 *= h1
    np.subtract(1.0, h1, out=h1)
    d1 *= h1
    dW1 = X.T @ d1
    db1 = d1.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "W3": dW3, "b3": db3}


def loss_autograd(p, X, y):
    from autograd.scipy.special import logsumexp
    h = anp.tanh(anp.dot(X, p["W1"]) + p["b1"])
    h = anp.tanh(anp.dot(h, p["W2"]) + p["b2"])
    z = anp.dot(h, p["W3"]) + p["b3"]
    logp = z - logsumexp(z, axis=1, keepdims=True)
    return -anp.mean(logp[np.arange(len(y)), y])


def _check(name: str, got: tuple, want: tuple) -> None:
    (loss, got), (want_loss, want) = got, want
    assert_close(f"{name} loss", float(loss), want_loss, rtol=1e-5, atol=1e-6)
    for k in NAMES:
        g = np.asarray(got[k])
        if g.dtype != want[k].dtype:
            raise AssertionError(f"{name}: gradient of {k} has dtype {g.dtype}, expected {want[k].dtype}")
        assert_close(f"{name} d{k}", g, want[k], rtol=1e-4, atol=1e-6)


def run(quick: bool = False) -> dict:
    notes: list = []
    X, y = load_batch(notes)
    params = init_params()
    want = value_and_grad_numpy(params, X, y)
    repeat = 10 if quick else 40
    fns = {}

    fns["NumPy (hand-written)"] = lambda: value_and_grad_numpy(params, X, y)

    g_fg = fg.value_and_grad(loss_funcgrad)
    _check("funcgrad", g_fg(params, X, y), want)
    fns["funcgrad"] = lambda: g_fg(params, X, y)

    if autograd is not None:
        g_ag = autograd.value_and_grad(loss_autograd)
        _check("autograd", g_ag(params, X, y), want)
        fns["autograd"] = lambda: g_ag(params, X, y)
    else:
        notes.append(missing_anchor_note("autograd"))

    if torch is not None:
        F = torch.nn.functional
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

        def g_torch():
            for v in tp.values():
                v.grad = None
            h = torch.tanh(Xt @ tp["W1"] + tp["b1"])
            h = torch.tanh(h @ tp["W2"] + tp["b2"])
            loss = F.cross_entropy(h @ tp["W3"] + tp["b3"], yt)
            loss.backward()
            return loss.item(), {k: v.grad for k, v in tp.items()}

        loss_t, grads_t = g_torch()
        _check("torch", (loss_t, {k: v.numpy() for k, v in grads_t.items()}), want)
        fns["PyTorch"] = g_torch
    else:
        notes.append(missing_anchor_note("torch"))

    rows = [{"name": k, "seconds": t} for k, t in measure_all(fns, repeat=repeat, min_time=0.02).items()]
    for r in rows:
        r["value"] = r["seconds"] * 1e6
    return {
        "key": "mlp",
        "title": f"(b) MLP step: digits, {'-'.join(map(str, SIZES))} tanh, softmax cross-entropy, "
                 f"batch {BATCH}, float32, forward+backward",
        "unit": "us/step",
        "rows": rows,
        "notes": notes,
        "target": TARGET,
    }


if __name__ == "__main__":
    from run_all import print_result
    print_result(run())
