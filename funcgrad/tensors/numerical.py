"""PyTorch's numerical integration and differentiation over Tensors: ``trapezoid`` (``trapz``),
``cumulative_trapezoid`` and ``gradient`` (central differences, one-sided of order 1 or 2 at the ends).

Compositions of slices and arithmetic on Tensors, so gradients flow to ``y``, ``x`` and the spacing through the
engine; no derivative code here. ``funcgrad/tensors/statistics.py`` re-exports these names.

>>> import funcgrad as fg
>>> fg.trapezoid(fg.tensor([0.0, 1.0, 4.0])), fg.gradient(fg.tensor([0.0, 1.0, 4.0]))
(tensor(3.), (tensor([1., 2., 3.]),))
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import numpy as fnp
from .special import _float_dtype
from .tensor import Tensor, get_default_dtype
from .ops import _norm_dim, _t

__all__ = ["trapezoid", "trapz", "cumulative_trapezoid", "gradient"]


def _slice(x: Any, d: int, sl: slice) -> Any:
    return x[(slice(None),) * d + (sl,)]


def _as_float(x: Tensor) -> Tensor:
    return x if x.dtype.kind in "fc" else fnp.astype(x, get_default_dtype())



# --- integration -----------------------------------------------------------------------------------------------------
def _trap_terms(op: str, y: Any, x: Any, dx: Any, dim: int) -> tuple:
    t = _t(y)
    t = t if t.dtype.kind in "fc" else fnp.astype(t, _float_dtype(t))
    if t.ndim == 0:
        raise IndexError(f"{op}: y must have at least one dimension, got a 0-d tensor")
    d = _norm_dim(dim, t.ndim, op)
    n = t.shape[d]
    mid = _slice(t, d, slice(1, None)) + _slice(t, d, slice(0, n - 1))
    if x is not None and not isinstance(x, Tensor) and np.ndim(x) == 0:
        x, dx = None, x
    if x is None:
        return mid * (0.5 * (1.0 if dx is None else dx)), d
    if dx is not None:
        raise TypeError(f"{op}: pass either x or dx, not both")
    xs = _t(x)
    if xs.ndim == 1:
        if xs.shape[0] != n:
            raise RuntimeError(f"{op}: x of length {xs.shape[0]} does not match y's size {n} along dim {d}")
        steps = xs[1:] - xs[:-1]
        shape = [1] * t.ndim
        shape[d] = n - 1
        steps = fnp.reshape(steps, tuple(shape))
    else:
        dx_dim = _norm_dim(dim, xs.ndim, op)
        m = xs.shape[dx_dim]
        steps = _slice(xs, dx_dim, slice(1, None)) - _slice(xs, dx_dim, slice(0, m - 1))
    return 0.5 * mid * steps, d


def trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along ``dim``, with sample points ``x`` (1-D or y's shape) or spacing ``dx``
    (default 1) (``torch.trapezoid``, ``torch.trapz``).

    >>> import funcgrad as fg
    >>> fg.trapezoid(fg.tensor([1.0, 2.0, 3.0])), fg.trapezoid(fg.tensor([1.0, 3.0]), fg.tensor([0.0, 2.0]))
    (tensor(4.), tensor(4.))
    """
    terms, d = _trap_terms("trapezoid", y, x, dx, dim)
    return fnp.sum(terms, axis=d)


trapz = trapezoid


def cumulative_trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running trapezoidal rule along ``dim`` (one element shorter than y there)
    (``torch.cumulative_trapezoid``).

    >>> import funcgrad as fg
    >>> fg.cumulative_trapezoid(fg.tensor([1.0, 2.0, 3.0]))
    tensor([1.5000, 4.0000])
    """
    terms, d = _trap_terms("cumulative_trapezoid", y, x, dx, dim)
    return fnp.cumsum(terms, axis=d)


# --- numerical gradient --------------------------------------------------------------------------------------------
def _sl(x: Tensor, d: int, start: Any, stop: Any) -> Tensor:
    return x[(slice(None),) * d + (slice(start, stop),)]


def _along(v: Tensor, d: int, ndim: int) -> Tensor:
    return fnp.reshape(v, (1,) * d + (-1,) + (1,) * (ndim - d - 1))


def _gradient_1(f: Tensor, d: int, h: Any, edge_order: int) -> Tensor:
    n = f.shape[d]
    f0, f1, fl, fl1 = _sl(f, d, 0, 1), _sl(f, d, 1, 2), _sl(f, d, n - 1, n), _sl(f, d, n - 2, n - 1)
    if not isinstance(h, Tensor):  # uniform spacing
        mid = (_sl(f, d, 2, None) - _sl(f, d, 0, n - 2)) / (2.0 * h)
        if edge_order == 1:
            first, last = (f1 - f0) / h, (fl - fl1) / h
        else:
            f2, fl2 = _sl(f, d, 2, 3), _sl(f, d, n - 3, n - 2)
            first = (-1.5 * f0 + 2.0 * f1 - 0.5 * f2) / h
            last = (0.5 * fl2 - 2.0 * fl1 + 1.5 * fl) / h
        return fnp.concatenate([first, mid, last], axis=d)
    dx = h[1:] - h[:-1]
    dx1, dx2 = dx[:-1], dx[1:]
    a = _along(-dx2 / (dx1 * (dx1 + dx2)), d, f.ndim)
    b = _along((dx2 - dx1) / (dx1 * dx2), d, f.ndim)
    c = _along(dx1 / (dx2 * (dx1 + dx2)), d, f.ndim)
    mid = a * _sl(f, d, 0, n - 2) + b * _sl(f, d, 1, n - 1) + c * _sl(f, d, 2, None)
    if edge_order == 1:
        first, last = (f1 - f0) / dx[0], (fl - fl1) / dx[-1]
    else:
        f2, fl2 = _sl(f, d, 2, 3), _sl(f, d, n - 3, n - 2)
        e1, e2 = dx[0], dx[1]
        first = (-(2.0 * e1 + e2) / (e1 * (e1 + e2)) * f0 + (e1 + e2) / (e1 * e2) * f1
                 - e1 / (e2 * (e1 + e2)) * f2)
        e1, e2 = dx[-2], dx[-1]
        last = (e2 / (e1 * (e1 + e2)) * fl2 - (e2 + e1) / (e1 * e2) * fl1 + (2.0 * e2 + e1) / (e2 * (e1 + e2)) * fl)
    return fnp.concatenate([first, mid, last], axis=d)


def gradient(input: Any, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1) -> tuple:
    """Estimates of the derivatives of ``input`` along each of ``dim`` (all dimensions by default) by central
    differences, one-sided (of order ``edge_order``, 1 or 2) at the ends (``torch.gradient``). ``spacing`` is one
    number for every dimension, one number per dimension, or one 1-D tensor of coordinates per dimension.

    >>> import funcgrad as fg
    >>> fg.gradient(fg.tensor([1.0, 4.0, 9.0, 16.0]))
    (tensor([3., 4., 6., 7.]),)
    """
    f = _as_float(_t(input))
    dims = list(range(f.ndim)) if dim is None else [dim] if isinstance(dim, builtins.int) else list(dim)
    dims = [_norm_dim(d, f.ndim, "gradient") for d in dims]
    if edge_order not in (1, 2):
        raise ValueError(f"torch.gradient only supports edge_order=1 and edge_order=2, got {edge_order}")
    if isinstance(spacing, (list, tuple)):
        sp = list(spacing)
        if len(sp) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                               f"{len(dims)} (one per dimension in dim), got a list of length {len(sp)}")
    else:
        sp = [spacing] * len(dims)
    outs = []
    for d, h in zip(dims, sp):
        n = f.shape[d]
        if n < edge_order + 1:
            raise RuntimeError(f"torch.gradient expected each dimension size to be at least edge_order+1 = "
                               f"{edge_order + 1}, got size {n} in dimension {d}")
        if isinstance(h, Tensor) and h.ndim == 0:
            h = h.item()
        if isinstance(h, Tensor):
            if h.ndim != 1 or h.shape[0] != n:
                raise RuntimeError(f"torch.gradient expected the coordinates for dimension {d} to be a 1-D tensor of "
                                   f"{n} values, got shape {tuple(h.shape)}")
            h = fnp.astype(h, f.dtype) if h.dtype != f.dtype else h
        outs.append(_gradient_1(f, d, h, edge_order))
    return tuple(outs)
