"""Attention and the affine map of ``torch.nn.functional``: ``scaled_dot_product_attention`` and ``linear``.

``scaled_dot_product_attention`` is PyTorch's reference composition: ``softmax(q k^T * scale + bias) v`` with the
bias from a boolean mask (``-inf`` where False), a float mask (added) or the causal (top-left, lower triangular)
mask, dropout on the weights, and grouped-query attention (``enable_gqa``: the key and value heads repeated).
As PyTorch's kernels do, a query whose keys are all masked gets zero weights (and output), not NaN. Compositions of
``funcgrad.numpy`` operations; no derivative code here.

>>> import funcgrad as fg
>>> q = k = v = fg.ones(1, 2, 3, 4)
>>> fg.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).shape
torch.Size([1, 2, 3, 4])
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..primitives.control import stop_gradient
from .tensor import Tensor
from .activations import _dropout, _nnf, _on_device_of
from .ops import _t
from .reductions import softmax

__all__ = ["scaled_dot_product_attention", "linear"]


@_nnf("linear")
def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """``input @ weight.T + bias`` for an (out_features, in_features) (or (in_features,)) weight
    (``torch.nn.functional.linear``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.linear(fg.ones(2, 3), fg.ones(4, 3), fg.zeros(4)).shape
    torch.Size([2, 4])
    """
    x, w = _t(input), _t(weight)
    if w.ndim not in (1, 2) or x.ndim == 0 or x.shape[-1] != w.shape[-1]:
        raise RuntimeError(f"linear: input of shape {x.shape} and weight of shape {w.shape} do not fit: expected a "
                           f"weight (out_features, {x.shape[-1] if x.ndim else '?'}) whose in_features match the "
                           f"input's last dimension")
    y = fnp.matmul(x, fnp.swapaxes(w, 0, 1) if w.ndim == 2 else w)
    if bias is not None:
        b = _t(bias)
        want = w.shape[:1] if w.ndim == 2 else ()
        if b.shape != want and b.numel() != 1:
            raise RuntimeError(f"linear: bias of shape {b.shape} does not fit weight of shape {w.shape} (expected "
                               f"{want})")
        y = y + b
    return y


@_nnf("scaled_dot_product_attention")
def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(query @ key^T * scale + bias, -1) @ value`` for query (..., L, E), key (..., S, E) and value
    (..., S, Ev) (``torch.nn.functional.scaled_dot_product_attention``): ``scale`` defaults to ``1 / sqrt(E)``,
    ``attn_mask`` is boolean (True attends) or additive, ``is_causal`` masks position ``j > i``, ``dropout_p``
    drops attention weights (always, as PyTorch's: pass 0.0 in evaluation), ``enable_gqa`` shares each key/value
    head among ``Hq / Hkv`` query heads (dim -3).

    >>> import funcgrad as fg
    >>> q, k = fg.zeros(1, 2, 4), fg.zeros(1, 3, 4)
    >>> v = fg.tensor([[[1.0], [2.0], [3.0]]])
    >>> fg.nn.functional.scaled_dot_product_attention(q, k, v)
    tensor([[[2.],
             [2.]]])
    >>> fg.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    tensor([[[1.0000],
             [1.5000]]])
    """
    op = "scaled_dot_product_attention"
    q, k, v = _t(query), _t(key), _t(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"{op}: expected query (..., L, E), key (..., S, E) and value (..., S, Ev), got shapes "
                           f"{q.shape}, {k.shape} and {v.shape}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must lie in [0, 1], got {dropout_p}")
    if enable_gqa and q.ndim >= 3 and k.ndim >= 3:
        hq, hk = q.shape[-3], k.shape[-3]
        if hq % hk or v.shape[-3] != hk:
            raise RuntimeError(f"{op}: enable_gqa needs the query heads ({hq}) to be a multiple of the key and value "
                               f"heads (dim -3), got shapes {q.shape}, {k.shape} and {v.shape}")
        if hq != hk:
            k, v = fnp.repeat(k, hq // hk, axis=-3), fnp.repeat(v, hq // hk, axis=-3)
    try:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{op}: the batch dims of query {q.shape}, key {k.shape} and value {v.shape} do not "
                           f"broadcast (different head counts need enable_gqa=True)") from None
    length, source = q.shape[-2], k.shape[-2]
    s = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    scores = fnp.matmul(q, fnp.swapaxes(k, -1, -2)) * s
    neg_inf = -math.inf
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"{op}: Explicit attn_mask should not be set when is_causal=True")
        scores = fnp.where(_on_device_of(q, np.tril(np.ones((length, source), dtype=bool))), scores, neg_inf)
    elif attn_mask is not None:
        m = _t(attn_mask)
        try:
            np.broadcast_shapes(m.shape, batch + (length, source))
        except ValueError:
            raise RuntimeError(f"{op}: attn_mask of shape {m.shape} does not broadcast to the attention weights' shape "
                               f"{batch + (length, source)} (query {q.shape}, key {k.shape})") from None
        if m.dtype == np.bool_:
            scores = fnp.where(m, scores, neg_inf)
        elif m.dtype.kind == "f":
            scores = scores + m
        else:
            raise RuntimeError(f"{op}: expected a boolean or floating attn_mask, got dtype {m.dtype}")
    # rows with every key masked: zero weights, and no NaN from -inf - -inf into value or gradient
    dead = stop_gradient(fnp.max(scores, axis=-1, keepdims=True)) == neg_inf
    weights = fnp.where(dead, 0.0, softmax(fnp.where(dead, 0.0, scores), -1))
    if dropout_p > 0:
        weights = _dropout(op, weights, dropout_p, True, False, False)
    return fnp.matmul(weights, v)
