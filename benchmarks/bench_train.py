"""(e)-(g) Training steps, the whole loop body: zero_grad, forward, loss, backward, optimizer step.

(e) CNN on scikit-learn digits: Conv2d(1, 32, 3, padding=1), ReLU, MaxPool2d(2), Conv2d(32, 64, 3, padding=1), ReLU,
    MaxPool2d(2), Linear(256, 10), cross-entropy, Adam; batch 128, float32. funcgrad's Tensor face against PyTorch
    (and a jitted JAX step). A note gives the share of funcgrad's step spent in the convolutions and in the pooling:
    those layers' forward and backward timed alone, on the step's shapes, in the same rounds.
(f) LSTM: nn.LSTM(64, 128) over 32 steps of a batch of 32, a Linear(128, 10) head on the last step, cross-entropy,
    Adam; float32. funcgrad's layer is one fused primitive (``lstm_recurrence``, funcgrad/primitives/recurrent.py:
    the time loop forward and backward on plain arrays, in place) after one product for the input. Against PyTorch
    (whose CPU LSTM is oneDNN's fused kernel; the row with ``torch.backends.mkldnn`` off is ATen's own), a
    hand-written NumPy step and a jitted JAX step (``lax.scan``). A note gives the step's matrix products alone
    (NumPy's BLAS on the step's shapes, timed in the same rounds): the floor of any NumPy implementation; another
    gives their rate in GFLOP/s beside the rate PyTorch's LSTM forward alone reaches on its share of them.
(g) Adam on a 10.2M-parameter model (four 1600x1600 Linear layers' weights and biases, gradients set): funcgrad's
    ``optim.Adam.step`` against ``torch.optim.Adam(foreach=True)``, hand-written in-place NumPy and jitted JAX
    (buffers donated); ``optim.functional.adam`` (pure: fresh outputs each step) for information.

Targets: funcgrad within 1.5x of PyTorch for (e) and (f), within 1.2x for (g).

Every implementation starts from the same weights, and before timing its gradients (for (g): its updated
parameters) must match funcgrad's. Each figure is the median of several samples taken in interleaved rounds, with
the interquartile range as the spread; the machine is pinned to one core (``sched_setaffinity``: JAX's thread pool
would use them all) and glibc's allocator to fixed thresholds (``--allocator``; see README.md).

Run: ``python benchmarks/bench_train.py [--quick] [--only cnn lstm adam] [--write] [--profile]``; ``--write``
replaces the ``## Training steps`` section of RESULTS.md. The measuring and reporting helpers (the allocator and
core pinning, ``measure``, the correctness check, the RESULTS.md writer) are in ``_measure.py``, importable from
here too.
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)
from common import check_single_threaded, machine_info, missing_anchor_note, torch

import argparse
import os
import sys
import time
import warnings
from typing import Any, Callable

import numpy as np

import funcgrad as fg
from funcgrad import nn as fnn
from funcgrad.optim import functional as fopt

# the measuring and reporting helpers; their names stay importable from here
from _measure import (ALLOCATOR, check_close as _close, load_jax, measure, one_core, pin_allocator,  # noqa: F401
                      print_profile as _print_profile, run_lines, write_results_section)

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "RESULTS.md")
SECTION = "## Training steps"
F32 = np.float32
SIZES = {"cnn": dict(batch=128), "lstm": dict(seq=32, batch=32, inputs=64, hidden=128, classes=10),
         "adam": dict(side=1600, layers=4)}
TINY = {"cnn": dict(batch=4), "lstm": dict(seq=3, batch=2, inputs=3, hidden=4, classes=3),
        "adam": dict(side=40, layers=2)}
TARGETS = {"cnn": ("PyTorch", 1.5), "lstm": ("PyTorch", 1.5), "adam": ("PyTorch", 1.2)}


def _result(key: str, title: str, rows: list, notes: list) -> dict:
    return {"key": f"train_{key}", "title": title, "unit": "ms/step", "rows": rows, "notes": notes,
            "target": TARGETS[key]}


# --- (e) CNN -------------------------------------------------------------------------------------------------------
def digits(batch: int, notes: list) -> tuple:
    rng = np.random.default_rng(0)
    try:
        from sklearn.datasets import load_digits
        X, y = load_digits(return_X_y=True)
    except ImportError:
        notes.append("scikit-learn is not installed: random data of the digits' shape")
        X, y = rng.random((1797, 64)) * 16, rng.integers(0, 10, 1797)
    idx = rng.permutation(len(X))[:batch]
    return (X[idx] / 16.0).reshape(-1, 1, 8, 8).astype(F32), y[idx].astype(np.int64)


def cnn_layers(nn: Any) -> Any:
    """The model, built from ``nn`` (``torch.nn`` or ``funcgrad.nn``: the same code)."""
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64 * 2 * 2, 10))


def _step(lib: Any, model: Any, opt: Any, forward: Callable, y: Any) -> Callable:
    """One training step of a torch-style library (``torch`` or ``funcgrad``)."""
    ce = lib.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = ce(forward(model), y)
        loss.backward()
        opt.step()
        return loss
    return step


def _loss_grads(lib: Any, model: Any, forward: Callable, y: Any) -> tuple:
    model.zero_grad()
    loss = lib.nn.functional.cross_entropy(forward(model), y)
    loss.backward()
    return float(loss.detach()), [p.grad.numpy() for p in model.parameters()]


def jax_cnn(jax: Any, x: np.ndarray, y: np.ndarray, params: list) -> tuple:
    """A jitted JAX step of the same CNN with Adam (PyTorch's update rule); ``(step, loss_and_grads)``."""
    jnp, lax = jax.numpy, jax.lax

    def loss(p, x, y):
        h = x
        for w, b in (p[0:2], p[2:4]):
            h = lax.conv_general_dilated(h, w, (1, 1), ((1, 1), (1, 1)), dimension_numbers=("NCHW", "OIHW", "NCHW"))
            h = jnp.maximum(h + b[None, :, None, None], 0)
            h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
        z = h.reshape(h.shape[0], -1) @ p[4].T + p[5]
        return -jnp.mean(jax.nn.log_softmax(z)[jnp.arange(z.shape[0]), y])

    return _jax_adam_step(jax, loss, params, x, y)


def _jax_adam_step(jax: Any, loss: Callable, params: list, *data: Any) -> tuple:
    jnp = jax.numpy
    vg = jax.value_and_grad(loss)
    b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-8

    @jax.jit
    def step(p, m, v, t, *data):
        value, g = vg(p, *data)
        t = t + 1
        m = [mi + (1 - b1) * (gi - mi) for mi, gi in zip(m, g)]
        v = [vi * b2 + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        bc1, bc2 = 1 - b1 ** t, jnp.sqrt(1 - b2 ** t)
        p = [pi - (lr / bc1) * (mi / (jnp.sqrt(vi) / bc2 + eps)) for pi, mi, vi in zip(p, m, v)]
        return p, m, v, t, value

    state = [[jnp.asarray(a) for a in params], [jnp.zeros_like(a) for a in params],
             [jnp.zeros_like(a) for a in params], jnp.zeros((), jnp.float32)]
    data = [jnp.asarray(d) for d in data]

    def run():
        state[:] = step(*state, *data)[:4]
        return state[0][0].block_until_ready()

    def loss_and_grads():
        value, g = vg([jnp.asarray(a) for a in params], *data)
        return float(value), [np.asarray(a) for a in g]
    return run, loss_and_grads


def run_cnn(repeat: int = 15, min_time: float = 0.05, profile: bool = False, batch: int = 128) -> dict:
    notes: list = []
    x, y = digits(batch, notes)
    fg.manual_seed(0)
    fm = cnn_layers(fnn)
    params = [p.detach().numpy().copy() for p in fm.parameters()]
    xf, yf = fg.tensor(x), fg.tensor(y)
    want_loss, want = _loss_grads(fg, fm, lambda m: m(xf), yf)
    fns = {"funcgrad": _step(fg, fm, fg.optim.Adam(fm.parameters(), lr=1e-3), lambda m: m(xf), yf)}
    if torch is not None:
        tm = cnn_layers(torch.nn)
        tm.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy()) for k, v in fm.state_dict().items()})
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        loss_t, grads_t = _loss_grads(torch, tm, lambda m: m(xt), yt)
        _close("PyTorch's loss", loss_t, want_loss)
        for k, (a, b) in enumerate(zip(grads_t, want)):
            _close(f"PyTorch's gradient {k}", a, b)
        fns["PyTorch"] = _step(torch, tm, torch.optim.Adam(tm.parameters(), lr=1e-3), lambda m: m(xt), yt)
    else:
        notes.append(missing_anchor_note("torch"))
    jax = load_jax(notes)
    if jax is not None:
        run, lg = jax_cnn(jax, x, y, params)
        loss_j, grads_j = lg()
        _close("JAX's loss", loss_j, want_loss)
        for k, (a, b) in enumerate(zip(grads_j, want)):
            _close(f"JAX's gradient {k}", a, b)
        fns["JAX (jit)"] = run
    parts = _cnn_parts(fm, xf)
    rows = measure({**fns, **parts}, repeat, min_time)
    part_rows = [r for r in rows if r["name"] in parts]
    rows = [r for r in rows if r["name"] not in parts]
    total = next(r for r in rows if r["name"] == "funcgrad")["seconds"]
    share = ", ".join(f"{r['name']} {r['seconds'] / total:.0%} ({r['value']:.2f} ms)" for r in part_rows)
    notes.append(f"share of funcgrad's step in its layers, each layer's forward and backward timed alone on the "
                 f"step's shapes: {share}")
    if profile:
        _print_profile(fns["funcgrad"])
    return _result("cnn", f"(e) CNN training step: digits, conv 1-32-64 3x3, max-pool, linear, batch {batch}, "
                   f"float32, Adam", rows, notes)


def _cnn_parts(fm: Any, xf: Any) -> dict:
    """Each kind of layer's forward and backward alone: the convolutions (the first one's input needs no gradient,
    as in the step), the poolings; on the activations of one forward pass of the model, with ones upstream."""
    conv1, pool1, conv2, pool2 = fm[0], fm[2], fm[3], fm[5]
    with fg.no_grad():
        a1 = fm[1](conv1(xf))
        a2 = fm[4](conv2(pool1(a1)))
    p1, p2 = pool1(a1), pool2(a2)
    leaf = lambda t: t.detach().requires_grad_(True)  # noqa: E731
    ins = {"pool1": leaf(a1), "conv2": leaf(p1), "pool2": leaf(a2)}
    up = {k: fg.ones(*v.shape) for k, v in (("conv1", a1), ("conv2", a2), ("pool1", p1), ("pool2", p2))}

    def conv():
        fm.zero_grad()
        ins["conv2"].grad = None
        conv1(xf).backward(up["conv1"])
        conv2(ins["conv2"]).backward(up["conv2"])

    def pool():
        ins["pool1"].grad = ins["pool2"].grad = None
        pool1(ins["pool1"]).backward(up["pool1"])
        pool2(ins["pool2"]).backward(up["pool2"])
    return {"convolutions": conv, "max-pooling": pool}


# --- (f) LSTM ------------------------------------------------------------------------------------------------------
class _LSTMHead:
    """The model for either library: an LSTM, then a Linear layer on the last step's output."""

    def __init__(self, nn: Any, inputs: int, hidden: int, classes: int) -> None:
        self.lstm, self.head = nn.LSTM(inputs, hidden), nn.Linear(hidden, classes)

    def parameters(self) -> list:
        return list(self.lstm.parameters()) + list(self.head.parameters())

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def __call__(self, x: Any) -> Any:
        out, _ = self.lstm(x)
        return self.head(out[-1])


def lstm_numpy(params: list, x: np.ndarray, y: np.ndarray) -> tuple:
    """Loss and gradients of the LSTM model, hand-written: one product for the input, the gates in one buffer,
    the sigmoid as 0.5 * tanh(x / 2) + 0.5 in place, and the weight gradients as one product each over all steps."""
    w_ih, w_hh, b_ih, b_hh, w_o, b_o = params
    T, N, _ = x.shape
    H = w_hh.shape[1]
    x2 = x.reshape(T * N, -1)
    G = (x2 @ w_ih.T).reshape(T, N, 4 * H)
    G += b_ih + b_hh
    hs = np.zeros((T + 1, N, H), F32)
    cs = np.zeros((T + 1, N, H), F32)
    tc = np.empty((T, N, H), F32)
    sig = np.r_[0:2 * H, 3 * H:4 * H]
    for t in range(T):
        g = G[t]
        g += hs[t] @ w_hh.T
        s = g[:, sig] * 0.5
        np.tanh(s, out=s)
        s *= 0.5
        s += 0.5
        g[:, sig] = s
        np.tanh(g[:, 2 * H:3 * H], out=g[:, 2 * H:3 * H])
        i, f, gg, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
        np.multiply(f, cs[t], out=cs[t + 1])
        cs[t + 1] += i * gg
        np.tanh(cs[t + 1], out=tc[t])
        np.multiply(o, tc[t], out=hs[t + 1])
    z = hs[T] @ w_o.T + b_o
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    rows = np.arange(N)
    loss = -np.log(z[rows, y]).mean()
    z[rows, y] -= 1
    z /= N
    grads_head = [z.T @ hs[T], z.sum(axis=0)]
    dh, dc = z @ w_o, np.zeros((N, H), F32)
    dG = np.empty_like(G)
    for t in range(T - 1, -1, -1):
        i, f, gg, o = (G[t, :, k * H:(k + 1) * H] for k in range(4))
        d = dG[t]
        dc += dh * o * (1 - tc[t] * tc[t])
        np.multiply(dh * tc[t], o * (1 - o), out=d[:, 3 * H:])
        np.multiply(dc * gg, i * (1 - i), out=d[:, :H])
        np.multiply(dc * cs[t], f * (1 - f), out=d[:, H:2 * H])
        np.multiply(dc * i, 1 - gg * gg, out=d[:, 2 * H:3 * H])
        dc *= f
        dh = d @ w_hh
    dG2 = dG.reshape(T * N, 4 * H)
    db = dG2.sum(axis=0)
    return loss, [dG2.T @ x2, dG2.T @ hs[:T].reshape(T * N, H), db, db.copy()] + grads_head


def adam_numpy(params: list, grads: list, m: list, v: list, t: int, lr: float = 1e-3, b1: float = 0.9,
               b2: float = 0.999, eps: float = 1e-8) -> None:
    """PyTorch's Adam, in place, one temporary per parameter (what a careful engineer writes)."""
    bc1, bc2 = 1 - b1 ** t, np.sqrt(1 - b2 ** t)
    for p, g, mi, vi in zip(params, grads, m, v):
        mi *= b1
        mi += (1 - b1) * g
        vi *= b2
        vi += (1 - b2) * g * g
        d = np.sqrt(vi)
        d /= bc2
        d += eps
        np.divide(mi, d, out=d)
        d *= lr / bc1
        p -= d


def jax_lstm(jax: Any, x: np.ndarray, y: np.ndarray, params: list) -> tuple:
    jnp, lax = jax.numpy, jax.lax

    def loss(p, x, y):
        w_ih, w_hh, b_ih, b_hh, w_o, b_o = p
        H = w_hh.shape[1]
        xs = x @ w_ih.T + (b_ih + b_hh)

        def cell(carry, xt):
            h, c = carry
            g = xt + h @ w_hh.T
            i, f, o = (jax.nn.sigmoid(g[:, k * H:(k + 1) * H]) for k in (0, 1, 3))
            c = f * c + i * jnp.tanh(g[:, 2 * H:3 * H])
            h = o * jnp.tanh(c)
            return (h, c), None

        zero = jnp.zeros((x.shape[1], H), x.dtype)
        (h, _), _ = lax.scan(cell, (zero, zero), xs)
        z = h @ w_o.T + b_o
        return -jnp.mean(jax.nn.log_softmax(z)[jnp.arange(z.shape[0]), y])

    return _jax_adam_step(jax, loss, params, x, y)


def _lstm_products(params: list, x: np.ndarray) -> Callable:
    """The matrix products of one LSTM training step alone, on NumPy's BLAS: the input's projection, one product
    per step forward and one per step backward, ``dW_hh`` and ``dW_ih`` over all steps (the values do not matter)."""
    w_ih, w_hh = params[0], params[1]
    steps, batch, inputs = x.shape
    hidden = w_hh.shape[1]
    x2, w_t = x.reshape(steps * batch, inputs), np.ascontiguousarray(w_hh.T)
    h, z = np.zeros((batch, hidden), F32), np.zeros((batch, 4 * hidden), F32)
    dz, hs = np.zeros((steps * batch, 4 * hidden), F32), np.zeros((steps * batch, hidden), F32)

    def run():
        x2 @ w_ih.T
        for _ in range(steps):
            np.matmul(h, w_t, out=z)
        for _ in range(steps):
            np.matmul(z, w_hh, out=h)
        dz.T @ hs
        dz.T @ x2
    return run


def run_lstm(repeat: int = 15, min_time: float = 0.05, profile: bool = False, seq: int = 32, batch: int = 32,
             inputs: int = 64, hidden: int = 128, classes: int = 10) -> dict:
    notes: list = []
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((seq, batch, inputs)).astype(F32), rng.integers(0, classes, batch)
    fg.manual_seed(0)
    fm = _LSTMHead(fnn, inputs, hidden, classes)
    params = [p.detach().numpy().copy() for p in fm.parameters()]
    xf, yf = fg.tensor(x), fg.tensor(y)
    want_loss, want = _loss_grads(fg, fm, lambda m: m(xf), yf)

    loss_n, grads_n = lstm_numpy(params, x, y)
    _close("NumPy's loss", loss_n, want_loss)
    for k, (a, b) in enumerate(zip(grads_n, want)):
        _close(f"NumPy's gradient {k}", a, b)
    np_state = [[p.copy() for p in params], [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params],
                [0]]

    def numpy_step():
        p, m, v, t = np_state
        t[0] += 1
        adam_numpy(p, lstm_numpy(p, x, y)[1], m, v, t[0])

    fns = {"NumPy (hand-written)": numpy_step,
           "funcgrad": _step(fg, fm, fg.optim.Adam(fm.parameters(), lr=1e-3), lambda m: m(xf), yf)}
    if torch is not None:
        tm = _LSTMHead(torch.nn, inputs, hidden, classes)
        with torch.no_grad():
            for p, a in zip(tm.parameters(), params):
                p.copy_(torch.from_numpy(a))
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        loss_t, grads_t = _loss_grads(torch, tm, lambda m: m(xt), yt)
        _close("PyTorch's loss", loss_t, want_loss)
        for k, (a, b) in enumerate(zip(grads_t, want)):
            _close(f"PyTorch's gradient {k}", a, b)
        fns["PyTorch"] = _step(torch, tm, torch.optim.Adam(tm.parameters(), lr=1e-3), lambda m: m(xt), yt)
        plain = _step(torch, tm, torch.optim.Adam(tm.parameters(), lr=1e-3), lambda m: m(xt), yt)

        def aten_step():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the flags' note on TF32 for Intel GPUs
                with torch.backends.mkldnn.flags(enabled=False):
                    return plain()
        fns["PyTorch (mkldnn off: ATen's LSTM)"] = aten_step

        def onednn_forward():
            with torch.no_grad():
                return tm.lstm(xt)
    else:
        notes.append(missing_anchor_note("torch"))
    jax = load_jax(notes)
    if jax is not None:
        run, lg = jax_lstm(jax, x, y, params)
        loss_j, grads_j = lg()
        _close("JAX's loss", loss_j, want_loss)
        for k, (a, b) in enumerate(zip(grads_j, want)):
            _close(f"JAX's gradient {k}", a, b)
        fns["JAX (jit, lax.scan)"] = run
    products, forward_t = "matrix products alone", "PyTorch's LSTM forward alone"
    extra = {products: _lstm_products(params, x)}
    if torch is not None:
        extra[forward_t] = onednn_forward
    rows = measure({**fns, **extra}, repeat, min_time)
    by = {r["name"]: r["seconds"] for r in rows}
    rows = [r for r in rows if r["name"] not in extra]
    if "PyTorch" in by:
        notes.append(f"PyTorch's row is oneDNN's fused LSTM; the hand-written NumPy step takes "
                     f"{by['NumPy (hand-written)'] / by['PyTorch']:.2f}x its time")
    notes.append(f"the step's matrix products alone on NumPy's BLAS (the same shapes, same rounds) take "
                 f"{by[products] * 1e3:.2f} ms: {by[products] / by['funcgrad']:.0%} of funcgrad's step"
                 + (f", {by[products] / by['PyTorch']:.2f}x PyTorch's whole step" if "PyTorch" in by else ""))
    # Why the matrix products are the floor: their rate on NumPy's BLAS against the rate oneDNN's forward reaches
    # on the same products (its forward is the input's projection and one product per step, nearly all its work).
    fwd_flops = 2 * seq * batch * 4 * hidden * (inputs + hidden)
    step_flops = fwd_flops + 2 * seq * batch * 4 * hidden * (hidden + hidden + inputs)
    rate = f"{step_flops / by[products] / 1e9:.0f} GFLOP/s"
    if forward_t in by:
        rate += (f"; PyTorch's LSTM forward alone runs its products at "
                 f"{fwd_flops / by[forward_t] / 1e9:.0f} GFLOP/s or more (oneDNN's own AVX-512 kernels; NumPy's "
                 f"OpenBLAS uses its {os.environ.get('OPENBLAS_CORETYPE') or 'detected'} kernels)")
    notes.append(f"the step's products ({step_flops / 1e6:.0f} MFLOP) run on NumPy's BLAS at {rate}")
    if profile:
        _print_profile(fns["funcgrad"])
    return _result("lstm", f"(f) LSTM training step: seq {seq}, batch {batch}, LSTM({inputs}, {hidden}), linear head, "
                   f"cross-entropy, float32, Adam", rows, notes)


# --- (g) Adam ------------------------------------------------------------------------------------------------------
def run_adam(repeat: int = 15, min_time: float = 0.05, profile: bool = False, side: int = 1600,
             layers: int = 4) -> dict:
    notes: list = []
    rng = np.random.default_rng(0)
    shapes = [s for _ in range(layers) for s in ((side, side), (side,))]
    params = [rng.standard_normal(s).astype(F32) * 0.05 for s in shapes]
    grads = [rng.standard_normal(s).astype(F32) for s in shapes]
    count = sum(p.size for p in params)

    fp = [fg.tensor(p.copy(), requires_grad=True) for p in params]
    for p, g in zip(fp, grads):
        p.grad = fg.tensor(g)
    f_opt = fg.optim.Adam(fp, lr=1e-3)
    f_opt.step()
    want = [p.detach().numpy().copy() for p in fp]

    n_state = [[p.copy() for p in params], [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params],
               [0]]

    def numpy_step():
        p, m, v, t = n_state
        t[0] += 1
        adam_numpy(p, grads, m, v, t[0])

    numpy_step()
    for k, (a, b) in enumerate(zip(n_state[0], want)):
        _close(f"NumPy's parameter {k}", a, b, rtol=1e-5, atol=1e-7)

    pure = fopt.adam(lr=1e-3)
    f_state = [params, pure.init(params)]
    f_state[:] = pure.update(grads, f_state[1], f_state[0])
    for k, (a, b) in enumerate(zip(f_state[0], want)):
        _close(f"funcgrad functional's parameter {k}", a, b, rtol=0, atol=0)

    def functional_step():
        f_state[:] = pure.update(grads, f_state[1], f_state[0])

    fns = {"NumPy (hand-written, in place)": numpy_step, "funcgrad": f_opt.step,
           "funcgrad functional (optim.functional.adam, pure)": functional_step}
    if torch is not None:
        tp = [torch.tensor(p.copy(), requires_grad=True) for p in params]
        for p, g in zip(tp, grads):
            p.grad = torch.from_numpy(g.copy())
        t_opt = torch.optim.Adam(tp, lr=1e-3, foreach=True)
        t_opt.step()
        for k, (a, b) in enumerate(zip(tp, want)):
            _close(f"PyTorch's parameter {k}", a.detach().numpy(), b, rtol=1e-5, atol=1e-7)
        fns["PyTorch (foreach=True)"] = t_opt.step
    else:
        notes.append(missing_anchor_note("torch"))
    jax = load_jax(notes)
    if jax is not None:
        fns["JAX (jit, buffers donated)"] = _jax_adam_only(jax, params, grads, want)
    rows = measure(fns, repeat, min_time)
    notes.append(f"{count / 1e6:.1f}M float32 parameters in {len(shapes)} arrays; each step reads the gradients "
                 f"and updates the parameters and both moments")
    if profile:
        _print_profile(f_opt.step)
    return _result("adam", f"(g) Adam step: {count / 1e6:.1f}M parameters ({layers} Linear({side}, {side})), "
                   f"float32, gradients set", rows, notes)


def _jax_adam_only(jax: Any, params: list, grads: list, want: list) -> Callable:
    jnp = jax.numpy
    b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-8

    def update(p, m, v, t, g):
        t = t + 1
        m = [mi + (1 - b1) * (gi - mi) for mi, gi in zip(m, g)]
        v = [vi * b2 + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        bc1, bc2 = 1 - b1 ** t, jnp.sqrt(1 - b2 ** t)
        return [pi - (lr / bc1) * (mi / (jnp.sqrt(vi) / bc2 + eps)) for pi, mi, vi in zip(p, m, v)], m, v, t

    step = jax.jit(update, donate_argnums=(0, 1, 2))
    g = [jnp.asarray(a) for a in grads]
    state = [[jnp.asarray(a) for a in params], [jnp.zeros_like(jnp.asarray(a)) for a in params],
             [jnp.zeros_like(jnp.asarray(a)) for a in params], jnp.zeros((), jnp.float32)]
    state[:] = step(*state, g)
    for k, (a, b) in enumerate(zip(state[0], want)):
        _close(f"JAX's parameter {k}", np.asarray(a), b, rtol=1e-5, atol=1e-7)

    def run():
        state[:] = step(*state, g)
        return state[0][0].block_until_ready()
    return run


BENCHMARKS = {"cnn": run_cnn, "lstm": run_lstm, "adam": run_adam}


def run(quick: bool = False, only: list | None = None, tiny: bool = False, profile: bool = False,
        allocator: str = "steady") -> list[dict]:
    """The training benchmarks (``only``: some of "cnn", "lstm", "adam"; ``tiny``: toy sizes, for the smoke test);
    one result per benchmark, each with a note on how the machine was set up."""
    how = pin_allocator(allocator)
    repeat, min_time = (2, 0.0) if tiny else (5, 0.05) if quick else (15, 0.05)
    out = []
    with one_core():
        for key, bench in BENCHMARKS.items():
            if only and key not in only:
                continue
            res = bench(repeat, min_time, profile, **(TINY if tiny else SIZES)[key])
            res["notes"].append(f"one core; {how}")
            out.append(res)
    return out


# --- RESULTS.md ----------------------------------------------------------------------------------------------------
def section_markdown(results: list, info: dict, elapsed: float) -> str:
    """The ``## Training steps`` section: how it was run, the targets and one table per benchmark."""
    from run_all import markdown_tables
    lines = [SECTION, "",
             "Generated by `python benchmarks/bench_train.py --write` (or `python benchmarks/run_all.py`); see "
             "`benchmarks/README.md`. Each figure is the median of interleaved samples, its interquartile range "
             "after the ±; ratios are funcgrad's median over the other's.", "",
             *run_lines(info, elapsed, f"Python {info['python']}, NumPy {info['numpy']}, PyTorch {info['torch']}, "
                        f"BLAS: {info['blas']}", ", run on one")]
    lines += markdown_tables(results, "###", "Training targets")
    return "\n".join(lines) + "\n"


def write_section(section: str, path: str = RESULTS) -> None:
    """Replace (or append) the training section of ``path``; the other sections stay as they are."""
    write_results_section(section, SECTION, path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer samples (rougher numbers)")
    p.add_argument("--only", nargs="*", choices=list(BENCHMARKS), help="run only these")
    p.add_argument("--write", action="store_true", help=f"replace the '{SECTION}' section of RESULTS.md")
    p.add_argument("--profile", action="store_true", help="print a cProfile of funcgrad's step")
    p.add_argument("--allocator", choices=["steady", "default"], default="steady",
                   help="pin glibc's malloc thresholds (steady, the default) or leave them")
    args = p.parse_args(argv)
    from run_all import print_result

    check_single_threaded()
    info = machine_info()
    t0 = time.perf_counter()
    results = run(quick=args.quick, only=args.only, profile=args.profile, allocator=args.allocator)
    for res in results:
        print_result(res)
    elapsed = time.perf_counter() - t0
    if args.write:
        write_section(section_markdown(results, info, elapsed))
        print(f"wrote the '{SECTION}' section of {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
