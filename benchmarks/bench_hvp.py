"""(d) Hessian-vector product of a scalar function on R^200 defined by a fixed two-layer tanh network,

    f(x) = sum(tanh(W2 @ tanh(W1 @ x + b1) + b2)),   W1, W2: 200x200, b1, b2: 200, float64, seed 0,

timing one product H(x) v, the Hessian never built. funcgrad uses ``fg.hvp`` (forward-over-reverse: a JVP of
the gradient); reverse-over-reverse (the gradient of ``vdot(grad f(x), v)``) is a second funcgrad row for
information. PyTorch uses double backward (``torch.autograd.grad`` with ``create_graph=True``, then the gradient of
``(g * v).sum()``); HIPS autograd uses its ``hessian_vector_product`` (reverse-over-reverse: the gradient of
``tensordot(grad f(x), v)``), and its forward-over-reverse (``make_jvp`` of ``grad``) is shown for information.

The NumPy row is the product derived by hand (the directional derivative of the hand-written backward pass) and
is the reference every implementation is checked against before timing. That derivation is itself checked
against the explicit Hessian from ``torch.autograd.functional.hessian`` (when PyTorch is installed) and against
central differences of the hand-written gradient, so the reference does not rest on one derivation.

At this size a matrix-vector product costs a few microseconds, so the figure mostly measures what each
framework adds around its two dozen array operations: second-order tracing and bookkeeping.

Target: funcgrad faster than both PyTorch and autograd (ratio below 1.0 against each).

Run: ``python benchmarks/bench_hvp.py``
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)
from common import anp, assert_close, autograd, measure_all, missing_anchor_note, torch

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

N = 200
DTYPE = np.float64
TARGET = [("PyTorch", 1.0, "<"), ("autograd", 1.0, "<")]
RTOL, ATOL = 1e-9, 1e-11


def make_problem(n: int = N, seed: int = 0) -> dict:
    """The network's weights, the point ``x`` and the direction ``v`` (all float64, fixed seed)."""
    rng = np.random.default_rng(seed)
    scale = 1.0 / np.sqrt(n)  # keeps the pre-activations O(1), so tanh is neither linear nor saturated
    return {
        "W1": rng.standard_normal((n, n)) * scale, "b1": rng.standard_normal(n) * 0.1,
        "W2": rng.standard_normal((n, n)) * scale, "b2": rng.standard_normal(n) * 0.1,
        "x": rng.standard_normal(n), "v": rng.standard_normal(n),
    }


def make_f_funcgrad(p: dict):
    W1, b1, W2, b2 = p["W1"], p["b1"], p["W2"], p["b2"]

    def f(x):
        return fnp.sum(fnp.tanh(W2 @ fnp.tanh(W1 @ x + b1) + b2))
    return f


def make_f_autograd(p: dict):
    W1, b1, W2, b2 = p["W1"], p["b1"], p["W2"], p["b2"]

    def f(x):
        return anp.sum(anp.tanh(anp.dot(W2, anp.tanh(anp.dot(W1, x) + b1)) + b2))
    return f


def grad_numpy(p: dict, x: np.ndarray) -> np.ndarray:
    """The hand-written gradient: forward pass, then backprop through the two tanh layers."""
    h1 = np.tanh(p["W1"] @ x + p["b1"])
    h2 = np.tanh(p["W2"] @ h1 + p["b2"])
    g1 = p["W2"].T @ (1.0 - h2 * h2)
    g1 *= 1.0 - h1 * h1
    return p["W1"].T @ g1


def hvp_numpy(p: dict, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """H(x) v by hand: the directional derivative along ``v`` of :func:`grad_numpy`'s computation.

    With a1 = W1 x + b1, h1 = tanh(a1), a2 = W2 h1 + b2, h2 = tanh(a2), s_k = 1 - h_k^2 and a dot for the
    derivative along v: grad = W1^T (s1 * W2^T s2), h1' = s1 * (W1 v), h2' = s2 * (W2 h1'), s_k' = -2 h_k h_k',
    so H v = W1^T (s1' * W2^T s2 + s1 * W2^T s2').
    """
    W1, W2 = p["W1"], p["W2"]
    h1 = W1 @ x
    h1 += p["b1"]
    np.tanh(h1, out=h1)
    h2 = W2 @ h1
    h2 += p["b2"]
    np.tanh(h2, out=h2)
    s1 = 1.0 - h1 * h1
    s2 = 1.0 - h2 * h2
    dh1 = W1 @ v
    dh1 *= s1
    dh2 = W2 @ dh1
    dh2 *= s2
    ds2 = h2 * dh2
    ds2 *= -2.0
    both = W2.T @ np.stack([s2, ds2], axis=1)  # W2^T s2 and W2^T s2' in one product
    ds1 = h1 * dh1
    ds1 *= -2.0
    d = ds1 * both[:, 0]
    s1 *= both[:, 1]
    d += s1
    return W1.T @ d


def verify_reference(p: dict, want: np.ndarray, notes: list) -> None:
    """Check the hand derivation against independent references before anything is compared with it."""
    x, v = p["x"], p["v"]
    eps = 1e-5  # central differences: truncation ~eps^2, rounding ~1e-16/eps, both far below the tolerance
    fd = (grad_numpy(p, x + eps * v) - grad_numpy(p, x - eps * v)) / (2 * eps)
    if not np.allclose(want, fd, rtol=1e-6, atol=1e-8):
        raise AssertionError(f"hand-written HVP differs from central differences of the gradient "
                             f"(max abs error {np.max(np.abs(want - fd))})")
    if torch is None:
        notes.append("torch is not installed: the hand-written HVP was checked against central differences only")
        return
    tp = {k: torch.from_numpy(p[k]) for k in ("W1", "b1", "W2", "b2")}

    def f_torch(xt):
        return torch.tanh(tp["W2"] @ torch.tanh(tp["W1"] @ xt + tp["b1"]) + tp["b2"]).sum()

    H = torch.autograd.functional.hessian(f_torch, torch.from_numpy(x)).numpy()
    if not np.allclose(H, H.T, rtol=1e-12, atol=1e-14):
        raise AssertionError("the explicit Hessian from torch.autograd.functional.hessian is not symmetric")
    if not np.allclose(want, H @ v, rtol=RTOL, atol=ATOL):
        raise AssertionError(f"hand-written HVP differs from the explicit Hessian (torch) times v "
                             f"(max abs error {np.max(np.abs(want - H @ v))})")


def build(p: dict, notes: list) -> dict:
    """Name -> zero-argument callable computing H(x) v, each checked against the hand-written reference."""
    x, v = p["x"], p["v"]
    want = hvp_numpy(p, x, v)
    verify_reference(p, want, notes)
    fns = {}

    def check(name: str, got) -> None:
        got = np.asarray(got)
        if got.dtype != DTYPE:
            raise AssertionError(f"{name}: HVP has dtype {got.dtype}, expected {np.dtype(DTYPE)}")
        assert_close(name, got, want, rtol=RTOL, atol=ATOL)

    fns["NumPy (hand-written)"] = lambda: hvp_numpy(p, x, v)

    f = make_f_funcgrad(p)
    check("funcgrad hvp", fg.hvp(f, x, v))
    fns["funcgrad"] = lambda: fg.hvp(f, x, v)

    grad_f = fg.grad(f)
    hvp_rr = fg.grad(lambda x: fnp.vdot(grad_f(x), v))
    check("funcgrad reverse-over-reverse", hvp_rr(x))
    fns["funcgrad (reverse-over-reverse)"] = lambda: hvp_rr(x)

    if autograd is not None:
        fa = make_f_autograd(p)
        hvp_ag = autograd.hessian_vector_product(fa)
        check("autograd hessian_vector_product", hvp_ag(x, v))
        fns["autograd (hessian_vector_product, reverse-over-reverse)"] = lambda: hvp_ag(x, v)

        jvp_of_grad = autograd.make_jvp(autograd.grad(fa))
        check("autograd make_jvp(grad)", jvp_of_grad(x)(v)[1])
        fns["autograd (make_jvp of grad, forward-over-reverse)"] = lambda: jvp_of_grad(x)(v)[1]
    else:
        notes.append(missing_anchor_note("autograd"))

    if torch is not None:
        tW1, tb1, tW2, tb2, tv = (torch.from_numpy(p[k]) for k in ("W1", "b1", "W2", "b2", "v"))
        x_np = x

        def hvp_torch():
            xt = torch.from_numpy(x_np).requires_grad_()
            y = torch.tanh(tW2 @ torch.tanh(tW1 @ xt + tb1) + tb2).sum()
            (g,) = torch.autograd.grad(y, xt, create_graph=True)
            (hv,) = torch.autograd.grad((g * tv).sum(), xt)
            return hv

        check("torch double backward", hvp_torch().numpy())
        fns["PyTorch (double backward)"] = hvp_torch
    else:
        notes.append(missing_anchor_note("torch"))
    return fns


def run(quick: bool = False) -> dict:
    notes: list = []
    fns = build(make_problem(), notes)
    repeat = 10 if quick else 40
    rows = [{"name": k, "seconds": t} for k, t in measure_all(fns, repeat=repeat, min_time=0.02).items()]
    for r in rows:
        r["value"] = r["seconds"] * 1e6
    notes.append("the targets compare funcgrad's fg.hvp (forward-over-reverse) with autograd's "
                 "hessian_vector_product and PyTorch's double backward; funcgrad's reverse-over-reverse and "
                 "autograd's make_jvp rows are for information. Every row was checked against the hand-derived "
                 "HVP (itself checked against the explicit Hessian and central differences) before timing")
    return {
        "key": "hvp",
        "title": f"(d) Hessian-vector product: f(x) = sum(tanh(W2 @ tanh(W1 @ x + b1) + b2)), x in R^{N}, "
                 f"{N}x{N} weights, float64, one H(x) v",
        "unit": "us/HVP",
        "rows": rows,
        "notes": notes,
        "target": TARGET,
    }


if __name__ == "__main__":
    from run_all import print_result
    print_result(run())
