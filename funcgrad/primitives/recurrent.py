"""One LSTM layer's time loop as one primitive: ``lstm_recurrence`` (and ``lstm_layer``, the input projection in
front of it), on plain arrays, with one node for the whole sequence.

The part of an LSTM that does not depend on the previous step, the input's product with ``W_ih``, is one matrix
product over all steps in front of the loop (a ``matmul``, whose VJP is one product each for ``dW_ih`` and, only
where it needs one, the input). What remains is the recurrence over ``p`` (T, N, 4H), the projected input, with the
summed biases ``b`` (added in the pass that scales ``p``), gates in PyTorch's order i, f, g, o::

    z_t = p_t + b + h_{t-1} W_hh^T,  i, f, o = sigmoid(z_t blocks),  g = tanh(z_t block)
    c_t = f c_{t-1} + i g,       h_t = o tanh(c_t)

Its forward pass works in place on buffers made once: one product per step for the hidden part, and all four
gates through one ``tanh`` (``sigmoid(x) = 0.5 tanh(x / 2) + 0.5``, the halving folded into ``p`` and ``W_hh`` once
per call: exact, a power of two). It saves what the backward pass needs as extra results of the primitive: the
activated gates and the cell states with their tanh. The reverse pass walks time backwards with one product per step
for ``dh``, the gate derivatives taken in bulk from the saved gates before the loop, then one product over all
steps for ``dW_hh`` and a sum for ``db``; the cotangent of ``p`` (which is ``dz``) gives ``dW_ih`` and the input's
through the projection's own rules. Float32 stays float32.

Higher orders: where the rule meets traced values (a derivative of the VJP, ``create_graph``, ``vmap`` of ``grad``,
``jit``), it recomputes the steps with funcgrad's own operations and walks them back with the same math, so the
result is differentiable again, to any order. The JVP rule is that composition too (a tangent carried along the
steps). ``vmap`` folds the vmapped axis into the batch axis (one call), unless the weights ``W_hh`` or ``b`` are
batched (then a loop over the batch). The saved results carry no gradient of their own: their cotangents are not
propagated (the public functions do not return them).

>>> import numpy as np
>>> p, w = np.zeros((3, 2, 8)), np.zeros((8, 2))
>>> ys, h, c = lstm_recurrence(p, w, np.zeros((2, 2)), np.ones((2, 2)))
>>> ys.shape, c[0].tolist()  # f = sigmoid(0) halves the cell state each step
((3, 2, 2), [0.125, 0.125])
"""
from __future__ import annotations

from typing import Any

from ..backend import device_scope, dtype_of, namespace_of, shape_of
from ..core import Box, Primitive, zeros_for
from ..core.batching import loop_rule
from ..core.primitive import accepts_wrappers
from .elementwise import tanh
from .linalg import matmul, matrix_transpose
from .pieces import pieces
from .shape import broadcast_to, concatenate, moveaxis, reshape, stack

__all__: list = []  # no NumPy name: nn.LSTM and the functions below are the public forms
LINALG: list = []


# --- the fused loops on plain arrays ---------------------------------------------------------------------------
def _scale_shift(xp: Any, hidden: int, dtype: Any, like: Any) -> tuple:
    """Per-column scale and shift of the gates: 0.5 and 0.5 on the sigmoid blocks (i, f, o), 1 and 0 on g."""
    with device_scope(like):  # on the inputs' device
        scale = xp.full(4 * hidden, 0.5, dtype=dtype)
        shift = xp.full(4 * hidden, 0.5, dtype=dtype)
    scale[2 * hidden:3 * hidden] = 1
    shift[2 * hidden:3 * hidden] = 0
    return scale, shift


def _order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _impl(p, w_hh, b, h0, c0, *, reverse):
    xp = namespace_of(p, w_hh, h0, c0)
    dt = xp.result_type(p, w_hh, h0, c0)
    steps, batch, g4 = p.shape
    hidden = g4 // 4
    scale, shift = _scale_shift(xp, hidden, dt, p)
    gates = xp.multiply(p, scale, dtype=dt)  # becomes the activated gates, step by step
    if b is not None:
        gates += xp.multiply(b, scale, dtype=dt)
    ws = xp.empty((hidden, g4), dtype=dt)
    xp.multiply(w_hh.T, scale, out=ws)  # C-ordered: the layout BLAS reads fastest
    ys = xp.empty((steps, batch, hidden), dtype=dt)
    cells = xp.empty((2, steps, batch, hidden), dtype=dt)  # c_t and tanh(c_t)
    cs, tcs = cells[0], cells[1]
    tmp, tmph = xp.empty((batch, g4), dtype=dt), xp.empty((batch, hidden), dtype=dt)
    h, c = h0, c0
    for t in _order(steps, reverse):
        g = gates[t]
        xp.matmul(h, ws, out=tmp)
        g += tmp
        xp.tanh(g, out=g)
        g *= scale  # 0.5 tanh(x / 2) + 0.5 on the sigmoid blocks, tanh on g
        g += shift
        ct, tc, h = cs[t], tcs[t], ys[t]
        xp.multiply(g[:, hidden:2 * hidden], c, out=ct)
        xp.multiply(g[:, :hidden], g[:, 2 * hidden:3 * hidden], out=tmph)
        ct += tmph
        xp.tanh(ct, out=tc)
        xp.multiply(g[:, 3 * hidden:], tc, out=h)
        c = ct
    return ys, xp.array(h, dtype=dt, copy=True), xp.array(c, dtype=dt, copy=True), gates, cells


def _fused_vjp(g, ans, p, w_hh, b, h0, c0, reverse):
    """The cotangents of ``(p, w_hh, b, h0, c0)`` on plain arrays, from the saved gates and cell states."""
    g_ys, g_hn, g_cn = g[0], g[1], g[2]
    ys, _, _, gates, cells = ans
    xp = namespace_of(g_ys, p, w_hh, h0, c0)
    dt = ys.dtype
    steps, batch, hidden = ys.shape
    cs, tcs = cells[0], cells[1]
    # d gate / d z for every step at once: a (1 - a) on the sigmoid blocks, 1 - a^2 on g
    deriv = xp.subtract(1, gates)
    deriv *= gates
    dg, ag = deriv[..., 2 * hidden:3 * hidden], gates[..., 2 * hidden:3 * hidden]
    xp.multiply(ag, ag, out=dg)
    xp.subtract(1, dg, out=dg)
    # d c_t / d h_t = o (1 - tanh(c_t)^2)
    dcdh = xp.multiply(tcs, tcs)
    xp.subtract(1, dcdh, out=dcdh)
    dcdh *= gates[..., 3 * hidden:]
    dz = xp.empty(gates.shape, dtype=dt)
    dh = xp.array(g_hn, dtype=dt, copy=True)
    dc = xp.array(g_cn, dtype=dt, copy=True)
    tmph = xp.empty((batch, hidden), dtype=dt)
    order = _order(steps, reverse)
    first = order[0] if steps else 0
    step = -1 if reverse else 1
    for t in reversed(order):
        dh += g_ys[t]
        xp.multiply(dh, dcdh[t], out=tmph)
        dc += tmph
        a, d = gates[t], dz[t]
        c_prev = c0 if t == first else cs[t - step]
        xp.multiply(dh, tcs[t], out=d[:, 3 * hidden:])
        xp.multiply(dc, a[:, 2 * hidden:3 * hidden], out=d[:, :hidden])
        xp.multiply(dc, c_prev, out=d[:, hidden:2 * hidden])
        xp.multiply(dc, a[:, :hidden], out=d[:, 2 * hidden:3 * hidden])
        d *= deriv[t]
        dc *= a[:, hidden:2 * hidden]
        xp.matmul(d, w_hh, out=dh)
    # dW_hh = sum_t dz_t^T h_{t-1}: one product over all steps, the previous states stacked
    if steps:
        h_prev = xp.empty((steps, batch, hidden), dtype=dt)
        if reverse:
            h_prev[:-1], h_prev[-1] = ys[1:], h0
        else:
            h_prev[1:], h_prev[0] = ys[:-1], h0
        dw = dz.reshape(steps * batch, 4 * hidden).T @ h_prev.reshape(steps * batch, hidden)
    else:
        dw = xp.zeros(w_hh.shape, dtype=dt)
    return dz, dw, (None if b is None else dz.sum(axis=(0, 1))), dh, dc


# --- the same math with funcgrad's operations (differentiable again: higher orders, vmap of grad, jit) -------------
def _sigmoid(z: Any) -> Any:
    return tanh(z * 0.5) * 0.5 + 0.5


def _blocks(z: Any, hidden: int) -> tuple:
    bounds = tuple((k * hidden, (k + 1) * hidden) for k in range(4))
    return pieces(z, axis=len(shape_of(z)) - 1, bounds=bounds)


def _by_step(x: Any) -> tuple:
    return pieces(x, axis=0) if shape_of(x)[0] else ()


def _composed_steps(p: Any, w_hh: Any, b: Any, h0: Any, c0: Any, reverse: bool) -> dict:
    """Each step's ``(h_prev, c_prev, i, f, g, o, tanh(c_t))`` recomputed with funcgrad's operations."""
    hidden = shape_of(w_hh)[1]
    w_t = matrix_transpose(w_hh)
    ps = _by_step(p)
    h, c = h0, c0
    out = {}
    for t in _order(shape_of(p)[0], reverse):
        z = ps[t] + matmul(h, w_t)
        zi, zf, zg, zo = _blocks(z if b is None else z + b, hidden)
        i, f, g, o = _sigmoid(zi), _sigmoid(zf), tanh(zg), _sigmoid(zo)
        c_new = f * c + i * g
        tc = tanh(c_new)
        out[t] = (h, c, i, f, g, o, tc)
        h, c = o * tc, c_new
    return out


def _composed_vjp(g, p, w_hh, b, h0, c0, reverse):
    steps = shape_of(p)[0]
    if not steps:
        return zeros_for(p), zeros_for(w_hh), (None if b is None else zeros_for(b)), g[1], g[2]
    saved = _composed_steps(p, w_hh, b, h0, c0, reverse)
    gys = _by_step(g[0])
    dh, dc = g[1], g[2]
    dzs: list = [None] * steps
    dw = None
    for t in reversed(_order(steps, reverse)):
        h_prev, c_prev, i, f, gg, o, tc = saved[t]
        dh = dh + gys[t]
        dc = dc + dh * o * (1.0 - tc * tc)
        dz = concatenate([dc * gg * i * (1.0 - i), dc * c_prev * f * (1.0 - f), dc * i * (1.0 - gg * gg),
                          dh * tc * o * (1.0 - o)], axis=-1)
        dzs[t] = dz
        dw_t = matmul(matrix_transpose(dz), h_prev)
        dw = dw_t if dw is None else dw + dw_t
        dc = dc * f
        dh = matmul(dz, w_hh)
    dp = stack(dzs, axis=0)
    return dp, dw, (None if b is None else dp), dh, dc  # the engine sums b's share over steps and batch


def _traced(*xs: Any) -> bool:
    for x in xs:
        if type(x) is Box or (type(x) is tuple and _traced(*x)):
            return True
    return False


def _vjp(g, ans, p, w_hh, b, h0, c0, reverse):
    if _traced(g, p, w_hh, b, h0, c0):
        return _composed_vjp(g, p, w_hh, b, h0, c0, reverse)
    return _fused_vjp(g, ans, p, w_hh, b, h0, c0, reverse)


def _jvp(tangents, ans, p, w_hh, b, h0, c0, reverse):
    """The tangent carried along the steps: ``dz = dp + db + dh W^T + h dW^T``, the gates' derivatives, ``dc``,
    ``dh``."""
    tb = tangents[2]
    args = (p, w_hh, h0, c0)
    tp, tw, th, tc0 = [zeros_for(a) if t is None else t
                       for t, a in zip((tangents[0], tangents[1], tangents[3], tangents[4]), args)]
    steps, hidden = shape_of(p)[0], shape_of(w_hh)[1]
    if not steps:
        return zeros_for(ans[0]), th, tc0, zeros_for(ans[3]), zeros_for(ans[4])
    w_t, tw_t = matrix_transpose(w_hh), matrix_transpose(tw)
    ps, tps = _by_step(p), _by_step(tp)
    h, c, dh, dc = h0, c0, th, tc0
    dys, dgates, dcs, dtcs = [None] * steps, [None] * steps, [None] * steps, [None] * steps
    for t in _order(steps, reverse):
        z, tz = ps[t] + matmul(h, w_t), tps[t] + matmul(dh, w_t) + matmul(h, tw_t)
        zi, zf, zg, zo = _blocks(z if b is None else z + b, hidden)
        ti, tf, tg, to = _blocks(tz if tb is None else tz + tb, hidden)
        i, f, g, o = _sigmoid(zi), _sigmoid(zf), tanh(zg), _sigmoid(zo)
        di, df, dg, do = ti * i * (1.0 - i), tf * f * (1.0 - f), tg * (1.0 - g * g), to * o * (1.0 - o)
        c_new = f * c + i * g
        dc = df * c + f * dc + di * g + i * dg
        tc = tanh(c_new)
        dtc = dc * (1.0 - tc * tc)
        h, c = o * tc, c_new
        dh = do * tc + o * dtc
        dys[t], dgates[t], dcs[t], dtcs[t] = dh, concatenate([di, df, dg, do], axis=-1), dc, dtc
    return stack(dys, axis=0), dh, dc, stack(dgates, axis=0), stack([stack(dcs, axis=0), stack(dtcs, axis=0)],
                                                                        axis=0)


def _batch(args, batched, reverse):
    """vmap: the vmapped axis joins the batch axis (one call), unless the weights are batched (a loop)."""
    size = next(shape_of(a)[0] for a, b in zip(args, batched) if b)
    if batched[1] or batched[2]:
        return loop_rule(_lstm, list(args), list(batched), size, {"reverse": reverse})
    p, w_hh, b, h0, c0 = args
    steps, batch, g4 = shape_of(p)[1:] if batched[0] else shape_of(p)
    hidden = g4 // 4
    if batched[0]:
        p = moveaxis(p, 0, 1)  # (T, B, N, 4H)
    else:
        p = broadcast_to(reshape(p, (steps, 1, batch, g4)), (steps, size, batch, g4))
    p = reshape(p, (steps, size * batch, g4))
    h0, c0 = [reshape(s if on else broadcast_to(s, (size,) + shape_of(s)), (size * batch, hidden))
              for s, on in ((h0, batched[3]), (c0, batched[4]))]
    ys, hn, cn, gates, cells = _lstm(p, w_hh, b, h0, c0, reverse=reverse)
    return (moveaxis(reshape(ys, (steps, size, batch, hidden)), 1, 0), reshape(hn, (size, batch, hidden)),
            reshape(cn, (size, batch, hidden)), moveaxis(reshape(gates, (steps, size, batch, g4)), 1, 0),
            moveaxis(reshape(cells, (2, steps, size, batch, hidden)), 2, 0))


_lstm = Primitive("lstm_recurrence", _impl, multiple_results=True, doc=(
    "One LSTM layer's recurrence over a projected input ``p`` (T, N, 4H): ``(ys, h_n, c_n, gates, cells)``, the "
    "last two saved for the VJP (see :func:`lstm_recurrence`)."))
_lstm.def_vjp_joint(_vjp)
_lstm.def_jvp_joint(_jvp)
_lstm.def_batch(_batch)


# --- the public forms ------------------------------------------------------------------------------------------
def _check(p: Any, w_hh: Any, h0: Any, c0: Any, b: Any) -> None:
    ps, ws, hs, cs = shape_of(p), shape_of(w_hh), shape_of(h0), shape_of(c0)
    ok = len(ps) == 3 and len(ws) == 2 and ws[0] == 4 * ws[1] and ps[2] == ws[0]
    if not ok or hs != (ps[1], ws[1]) or cs != hs or (b is not None and shape_of(b) != (ws[0],)):
        raise ValueError(f"lstm_recurrence: expected p (T, N, 4H), w_hh (4H, H), h0 and c0 (N, H), b (4H,) or None; "
                         f"got p {ps}, w_hh {ws}, h0 {hs}, c0 {cs}, b {None if b is None else shape_of(b)}. Project "
                         f"the input first (p = x @ w_ih.T), and give zero states explicitly for a fresh sequence")
    for name, a in (("p", p), ("w_hh", w_hh), ("h0", h0), ("c0", c0), ("b", p if b is None else b)):
        if dtype_of(a).kind != "f":
            raise TypeError(f"lstm_recurrence: {name} has dtype {dtype_of(a)}; the LSTM needs real floating-point "
                            f"arrays (cast with .astype(np.float32) or float64)")


@accepts_wrappers
def lstm_recurrence(p: Any, w_hh: Any, h0: Any, c0: Any, b: Any = None, reverse: bool = False) -> tuple:
    """The LSTM recurrence over ``p`` (T, N, 4H), the input already projected (``x @ w_ih.T``), with ``w_hh``
    (4H, H) (PyTorch's ``weight_hh_l0``, gates i, f, g, o), the summed biases ``b`` (4H,) (``b_ih + b_hh``; None:
    no bias), from states ``h0``, ``c0`` (N, H):
    ``(ys (T, N, H), h_n, c_n)``. ``reverse`` walks time backwards (a bidirectional layer's second direction):
    ``ys[t]`` is still the state at step ``t``, and ``h_n`` the one at step 0.

    >>> import numpy as np, funcgrad as fg
    >>> p, w, s = np.full((4, 1, 8), 0.1), np.full((8, 2), 0.2), np.zeros((1, 2))
    >>> ys, h, c = lstm_recurrence(p, w, s, s)
    >>> bool(np.allclose(ys[-1], h)), ys.shape
    (True, (4, 1, 2))
    >>> fg.grad(lambda w: lstm_recurrence(p, w, s, s)[0].sum())(w).shape
    (8, 2)
    """
    _check(p, w_hh, h0, c0, b)
    return tuple(_lstm(p, w_hh, b, h0, c0, reverse=bool(reverse))[:3])


@accepts_wrappers
def lstm_layer(x: Any, w_ih: Any, w_hh: Any, b: Any, h0: Any, c0: Any, reverse: bool = False) -> tuple:
    """One LSTM layer over ``x`` (T, N, I): the input projected for all steps in one product (``b`` the summed
    biases, or None), then :func:`lstm_recurrence`; ``w_ih`` (4H, I) and ``w_hh`` (4H, H) as PyTorch's.

    >>> import numpy as np
    >>> x, s = np.ones((5, 3, 2)), np.zeros((3, 4))
    >>> ys, h, c = lstm_layer(x, np.full((16, 2), 0.1), np.zeros((16, 4)), None, s, s)
    >>> ys.shape, h.shape, c.shape
    ((5, 3, 4), (3, 4), (3, 4))
    """
    steps, batch, inputs = shape_of(x)
    p = matmul(reshape(x, (steps * batch, inputs)), matrix_transpose(w_ih))
    return lstm_recurrence(reshape(p, (steps, batch, shape_of(w_ih)[0])), w_hh, h0, c0, b, reverse)
