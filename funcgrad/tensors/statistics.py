"""PyTorch's order statistics, NaN-aware reductions, scans, histograms and covariances over Tensors: ``median``,
``quantile``, ``kthvalue``, ``mode``, ``cummax``, ``logcumsumexp``, ``nanmean``, ``histc``, ``histogram``, ``cov``,
``corrcoef`` ... The numerical integration and derivatives (``trapezoid``, ``gradient`` ...) are in numerical.py,
whose names are re-exported here.

Orders are found on the plain values (a stable sort); the selected elements are then gathered from the Tensor
with ``take_along_axis``, so the gradient goes to the elements whose values are returned, as in PyTorch. No
derivative code here.

>>> import funcgrad as fg
>>> fg.median(fg.tensor([[3.0, 1.0, 2.0]]), dim=1)
median(values=tensor([2.]), indices=tensor([2]))
>>> fg.quantile(fg.tensor([0.0, 10.0]), 0.25)
tensor(2.5000)
"""
from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace, to_host
from .special import _float_dtype, _raw
from .tensor import Tensor
from .ops import _attach_methods, _dims, _no_out, _norm_dim, _t, _t_as
from .math import clamp
from .reductions import return_types
# the integration and numerical-derivative names live in numerical.py; funcgrad's namespace takes them from here
from .numerical import _as_float, _slice, cumulative_trapezoid, gradient, trapezoid, trapz

__all__ = ["logcumsumexp", "cummax", "cummin", "kthvalue", "median", "nanmedian", "quantile", "nanquantile",
           "nanmean", "nansum", "histc", "bincount", "trapezoid", "trapz", "cumulative_trapezoid", "histogram",
           "histogramdd", "mode", "gradient", "cov", "corrcoef"]


def _rt(name: str, fields: list) -> type:
    import collections

    if not hasattr(return_types, name):
        setattr(return_types, name, collections.namedtuple(name, fields))
    return getattr(return_types, name)


def _argsort(r: Any, axis: int) -> Any:
    """Stable ascending order of plain values along ``axis`` (NaN last, as PyTorch orders it)."""
    xp = namespace(r)
    if xp is np:
        return np.argsort(r, axis=axis, kind="stable")
    return xp.argsort(r, axis=axis)


def _floating(op: str, x: Tensor) -> Tensor:
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"{op}(): input must be a floating-point tensor, got dtype {x.dtype}; convert with "
                           f".double() or .float()")
    return x


# --- scans ---------------------------------------------------------------------------------------------------------
def logcumsumexp(input: Any, dim: int) -> Tensor:
    """log(cumsum(exp(input), dim)), computed stably (``torch.logcumsumexp``): a log2(n)-step scan of
    ``logaddexp`` over shifted copies.

    >>> import funcgrad as fg
    >>> fg.logcumsumexp(fg.tensor([0.0, 0.0, 0.0]), 0)
    tensor([0.0000, 0.6931, 1.0986])
    """
    x = _t(input)
    x = x if x.dtype.kind in "fc" else fnp.astype(x, _float_dtype(x))
    if x.ndim == 0:
        return x
    d = _norm_dim(dim, x.ndim, "logcumsumexp")
    n = x.shape[d]
    y, s = x, 1
    while s < n:
        pad = [(0, 0)] * x.ndim
        pad[d] = (s, 0)
        shifted = fnp.pad(_slice(y, d, slice(0, n - s)), pad, constant_values=-np.inf)
        y = fnp.logaddexp(y, shifted)
        s *= 2
    return y


def _cumext(op: str, input: Any, dim: int, better) -> tuple:
    x = _t(input)
    if x.ndim == 0:
        return _rt(op, ["values", "indices"])(x, Tensor._from_value(np.zeros((), np.int64)))
    d = _norm_dim(dim, x.ndim, op)
    r = _raw(x)
    h = np.moveaxis(to_host(r), d, -1)
    n = h.shape[-1]
    with np.errstate(invalid="ignore"):
        run = (np.maximum if op == "cummax" else np.minimum).accumulate(h, axis=-1)
        prev = np.concatenate([h[..., :1], run[..., :-1]], axis=-1)
        record = better(h, prev) | np.isnan(h) if h.dtype.kind in "fc" else better(h, prev)
    record[..., 0] = True
    idx = np.maximum.accumulate(np.where(record, np.arange(n), 0), axis=-1)
    idx = namespace(r).asarray(np.ascontiguousarray(np.moveaxis(idx, -1, d)).astype(np.int64))
    return _rt(op, ["values", "indices"])(fnp.take_along_axis(x, idx, axis=d), Tensor._from_value(idx))


def cummax(input: Any, dim: int) -> tuple:
    """Running maximum along ``dim`` and where it was found (the latest index on ties), as the named tuple
    ``(values, indices)`` (``torch.cummax``); the gradient goes to the indexed elements.

    >>> import funcgrad as fg
    >>> fg.cummax(fg.tensor([1.0, 3.0, 2.0]), 0)
    cummax(values=tensor([1., 3., 3.]), indices=tensor([0, 1, 1]))
    """
    return _cumext("cummax", input, dim, np.greater_equal)


def cummin(input: Any, dim: int) -> tuple:
    """Running minimum along ``dim`` and its index, ``(values, indices)`` (``torch.cummin``).

    >>> import funcgrad as fg
    >>> fg.cummin(fg.tensor([2.0, 1.0, 3.0]), 0).values
    tensor([2., 1., 1.])
    """
    return _cumext("cummin", input, dim, np.less_equal)


# --- order statistics ----------------------------------------------------------------------------------------------
def _pick(x: Tensor, idx: Any, d: int, keepdim: bool, name: str) -> tuple:
    """(values, indices) of ``x`` at ``idx`` (plain, reduced over ``d`` with keepdims)."""
    values = fnp.take_along_axis(x, idx, axis=d)
    if not keepdim:
        values = fnp.squeeze(values, axis=d)
        idx = namespace(idx).squeeze(idx, axis=d)
    return _rt(name, ["values", "indices"])(values, Tensor._from_value(idx.astype(np.int64)))


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> tuple:
    """The k-th smallest element along ``dim`` (k from 1) and its index, ``(values, indices)``
    (``torch.kthvalue``).

    >>> import funcgrad as fg
    >>> fg.kthvalue(fg.tensor([3.0, 1.0, 2.0]), 2)
    kthvalue(values=tensor(2.), indices=tensor(2))
    """
    x = _t(input)
    if x.ndim == 0:
        x1 = fnp.reshape(x, (1,))
        out = kthvalue(x1, k, 0, False)
        return out
    d = _norm_dim(dim, x.ndim, "kthvalue")
    n = x.shape[d]
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): selected number k={k} out of range for dimension {d} of size {n} "
                         f"(shape {tuple(x.shape)}); k counts from 1")
    order = _argsort(_raw(x), d)
    return _pick(x, _slice(order, d, slice(k - 1, k)), d, keepdim, "kthvalue")


def _median_full(x: Tensor, ignore_nan: bool) -> Tensor:
    r = _raw(x)
    xp = namespace(r)
    flat = r.reshape(-1)
    nan = xp.isnan(flat) if flat.dtype.kind in "fc" else xp.zeros(flat.shape, bool)
    if ignore_nan:
        flat = flat[~nan]
    elif bool(xp.any(nan)):
        return fnp.sum(fnp.where(xp.isnan(r), x, 0.0)) * np.nan  # NaN, with NaN gradient to the NaNs
    if flat.size == 0:
        return fnp.sum(x * 0.0) + np.nan
    m = xp.sort(flat)[(flat.size - 1) // 2]
    if x.dtype.kind not in "fc":  # an integer median keeps its dtype (and has no gradient), as in PyTorch
        return Tensor._from_value(xp.asarray(m, dtype=x.dtype))
    # m plus the mean of (x - m) over the elements equal to m: the value m exactly, the gradient split evenly
    # among the ties, as PyTorch's full median does
    mask = r == m
    return m + fnp.sum(fnp.where(mask, x - m, 0.0)) / builtins.int(xp.sum(mask))


def _median_dim(x: Tensor, dim: int, keepdim: bool, ignore_nan: bool, name: str) -> tuple:
    if x.ndim == 0:
        return _rt(name, ["values", "indices"])(x, Tensor._from_value(np.zeros((), np.int64)))
    d = _norm_dim(dim, x.ndim, name)
    r = _raw(x)
    xp = namespace(r)
    n = r.shape[d]
    if n == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size (shape {tuple(x.shape)})")
    order = _argsort(r, d)
    nan = xp.isnan(r) if r.dtype.kind in "fc" else xp.zeros(r.shape, bool)
    count = n - xp.sum(nan, axis=d, keepdims=True)
    if ignore_nan:
        pos = xp.maximum((count - 1) // 2, 0)
        idx = xp.take_along_axis(order, pos, axis=d)
    else:
        idx = _slice(order, d, slice((n - 1) // 2, (n - 1) // 2 + 1))
        first_nan = xp.argmax(nan, axis=d, keepdims=True)
        idx = xp.where(count < n, first_nan, idx)  # a row with NaN: its median is NaN, at its first NaN
    return _pick(x, idx, d, keepdim, name)


def median(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """``median(input)``: the lower median of all elements (NaN if any is NaN; ties share the gradient);
    ``median(input, dim, keepdim=False)``: the named tuple ``(values, indices)`` of the lower median along ``dim``
    (the gradient goes to the returned index). As ``torch.median``.

    >>> import funcgrad as fg
    >>> fg.median(fg.tensor([1.0, 4.0, 2.0, 3.0]))
    tensor(2.)
    """
    x = _t(input)
    if dim is None:
        return _median_full(x, False)
    return _median_dim(x, dim, keepdim, False, "median")


def nanmedian(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """:func:`median` ignoring NaNs (NaN only where all are NaN) (``torch.nanmedian``).

    >>> import funcgrad as fg
    >>> fg.nanmedian(fg.tensor([1.0, float("nan"), 3.0, 4.0]))
    tensor(3.)
    """
    x = _t(input)
    if dim is None:
        return _median_full(x, True)
    return _median_dim(x, dim, keepdim, True, "nanmedian")


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(op: str, input: Any, q: Any, dim: Any, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    x = _t(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}() interpolation must be one of {', '.join(_INTERPOLATIONS)}; got {interpolation!r}")
    qr = np.asarray(to_host(_raw(q)) if isinstance(q, Tensor) else q, dtype=np.float64)
    if qr.ndim > 1:
        raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape {qr.shape}")
    if qr.size and not ((qr >= 0) & (qr <= 1)).all():
        raise RuntimeError(f"{op}() q values must be in the range [0, 1], got {qr.tolist()}")
    if x.numel() == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    ndim = x.ndim
    if dim is None:
        y = fnp.reshape(x, (-1,))
    else:
        d = _norm_dim(dim, max(ndim, 1), op)
        y = fnp.moveaxis(x, d, -1) if ndim else fnp.reshape(x, (1,))
    r = _raw(y)
    xp = namespace(r)
    order = _argsort(r, -1)
    srt = fnp.take_along_axis(y, order, axis=-1)  # ascending, NaN last
    n = r.shape[-1]
    nan = to_host(xp.isnan(r))
    count = n - nan.sum(axis=-1, keepdims=True)  # (..., 1)
    k = count if ignore_nan else np.full_like(count, n)
    qs = qr.reshape(-1)
    pos = qs * (np.maximum(k, 1) - 1)  # (..., Q) ranks into the sorted non-NaN values
    top = np.maximum(k - 1, 0)
    lo = np.minimum(np.floor(pos), top).astype(np.int64)
    hi = np.minimum(np.ceil(pos), top).astype(np.int64)

    def at(i: Any) -> Tensor:
        return fnp.take_along_axis(srt, xp.asarray(i), axis=-1)

    if interpolation == "linear":
        v_lo = at(lo)
        out = v_lo + xp.asarray((pos - lo).astype(r.dtype)) * (at(hi) - v_lo)
    elif interpolation == "midpoint":
        v_lo = at(lo)
        out = v_lo + 0.5 * (at(hi) - v_lo)
    elif interpolation == "nearest":
        out = at(np.minimum(np.round(pos), top).astype(np.int64))  # half to even, as PyTorch rounds
    else:
        out = at(lo if interpolation == "lower" else hi)
    bad = (count == 0) if ignore_nan else (count < n)
    if bad.any():
        out = fnp.where(xp.asarray(np.broadcast_to(bad, out.shape)), np.nan, out)
    out = fnp.moveaxis(out, -1, 0)  # (Q, ...)
    if keepdim:
        shape = tuple(out.shape[:1]) + ((1,) * ndim if dim is None else
                                          tuple(x.shape[:d]) + (1,) + tuple(x.shape[d + 1:]))
        out = fnp.reshape(out, shape)
    if qr.ndim == 0:
        out = out[0]
    return out


def quantile(input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles (``q`` a number or a 1-D tensor in [0, 1]) over ``dim`` (all elements by default), with
    ``interpolation`` ``linear`` (default), ``lower``, ``higher``, ``midpoint`` or ``nearest`` between the
    neighbouring order statistics (``torch.quantile``). A 1-D ``q`` adds a leading dimension. NaN where a
    reduced slice holds a NaN.

    >>> import funcgrad as fg
    >>> fg.quantile(fg.tensor([[1.0, 2.0, 3.0, 4.0]]), fg.tensor([0.5, 1.0]), dim=1)
    tensor([[2.5000],
            [4.0000]])
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """:func:`quantile` ignoring NaNs (NaN only where a slice is all NaN) (``torch.nanquantile``).

    >>> import funcgrad as fg
    >>> fg.nanquantile(fg.tensor([1.0, float("nan"), 3.0]), 0.5)
    tensor(2.)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


# --- NaN-aware reductions ----------------------------------------------------------------------------------------
def nansum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum over ``dim`` treating NaN as 0 (``torch.nansum``); no gradient reaches the NaNs.

    >>> import funcgrad as fg
    >>> fg.nansum(fg.tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    x = _t(input)
    if x.dtype.kind in "fc":
        r = _raw(x)
        x = fnp.where(namespace(r).isnan(r), 0.0, x)
    elif dtype is None:
        dtype = np.int64
    return fnp.sum(x, axis=_dims(dim), keepdims=keepdim, dtype=dtype)


def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean over ``dim`` of the non-NaN elements (``torch.nanmean``); floating tensors only.

    >>> import funcgrad as fg
    >>> fg.nanmean(fg.tensor([1.0, float("nan"), 2.0]))
    tensor(1.5000)
    """
    x = _t(input)
    if x.dtype.kind not in "fc" and dtype is None:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got {x.dtype}; "
                           f"convert with .float() first")
    if dtype is not None:
        x = fnp.astype(x, dtype)
    r = _raw(x)
    valid = ~namespace(r).isnan(r)
    count = namespace(r).sum(valid, axis=_dims(dim), keepdims=keepdim).astype(r.dtype)
    return fnp.sum(fnp.where(valid, x, 0.0), axis=_dims(dim), keepdims=keepdim) / count


# --- histograms ----------------------------------------------------------------------------------------------------
def histc(input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Histogram of ``bins`` equal-width bins over [min, max] (the data's range when min == max); elements outside
    are ignored (``torch.histc``; no gradient). The counts have the input's floating dtype.

    >>> import funcgrad as fg
    >>> fg.histc(fg.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    x = _t(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"histc: input must be a floating-point tensor, got {x.dtype}; convert with .float()")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, got {bins}")
    r = _raw(x)
    h = to_host(r).reshape(-1).astype(np.float64)
    lo, hi = builtins.float(min), builtins.float(max)
    if lo > hi:
        raise RuntimeError(f"histc: max must be larger than min (got min={min}, max={max})")
    if lo == hi and h.size:
        lo, hi = builtins.float(h.min()), builtins.float(h.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"histc: range of [{lo}, {hi}] is not finite")
    keep = (h >= lo) & (h <= hi)
    idx = np.minimum(((h[keep] - lo) * bins / (hi - lo)).astype(np.int64), bins - 1)
    counts = np.bincount(idx, minlength=bins).astype(r.dtype)
    return Tensor._from_value(namespace(r).asarray(counts))


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Tensor:
    """Counts (or summed ``weights``) of each value of a 1-D tensor of non-negative integers
    (``torch.bincount``; no gradient).

    >>> import funcgrad as fg
    >>> fg.bincount(fg.tensor([0, 2, 2]))
    tensor([1, 0, 2])
    """
    r = _raw(_t(input))
    xp = namespace(r)
    if r.ndim != 1 or r.dtype.kind not in "iub":
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got shape {r.shape} and dtype "
                           f"{r.dtype}")
    if r.size and builtins.int(xp.min(r)) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs (found a negative value)")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is None:
        return Tensor._from_value(xp.bincount(r, minlength=minlength).astype(np.int64))
    w = _raw(_t(weights))
    if tuple(w.shape) != tuple(r.shape):
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input (got shapes "
                           f"{tuple(w.shape)} and {tuple(r.shape)})")
    dtype = w.dtype if w.dtype.kind == "f" else np.float64
    return Tensor._from_value(xp.bincount(r, weights=w, minlength=minlength).astype(dtype))


# --- covariance -----------------------------------------------------------------------------------------------
def cov(input: Any, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in the columns), with
    ``correction`` (1: Bessel's), integer frequency weights and observation weights (``torch.cov``).

    >>> import funcgrad as fg
    >>> fg.cov(fg.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    x = _t(input)
    if x.ndim > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an input with {x.ndim} "
                         f"dimensions (shape {tuple(x.shape)})")
    x = _as_float(x)
    x = fnp.reshape(x, (1, -1)) if x.ndim < 2 else x
    n = x.shape[1]
    w = None
    for name, wt in (("fweights", fweights), ("aweights", aweights)):
        if wt is None:
            continue
        wt = _t(wt)
        if wt.ndim > 1 or wt.numel() != n:
            raise ValueError(f"cov(): expected {name} to be a 1-D tensor of {n} observations, got shape "
                             f"{tuple(wt.shape)}")
        if name == "fweights" and wt.dtype.kind not in "iu":
            raise ValueError(f"cov(): expected fweights to have integral dtype, got {wt.dtype}")
        if bool(namespace(_raw(wt)).any(_raw(wt) < 0)):
            raise ValueError(f"cov(): {name} cannot be negative")
        w = wt if w is None else w * wt
    if w is None:
        avg = fnp.mean(x, axis=1)
        norm = n - correction
    else:
        w = fnp.astype(w, x.dtype) if w.dtype != x.dtype else w
        w_sum = fnp.sum(w)
        avg = fnp.sum(x * w, axis=1) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * fnp.sum(w * _t_as(aweights, x.dtype)) / w_sum
    norm = fnp.maximum(norm, 0) if isinstance(norm, Tensor) else builtins.max(norm, 0)
    xm = x - fnp.expand_dims(avg, 1)
    other = xm if w is None else xm * w
    c = fnp.matmul(xm, fnp.conj(fnp.transpose(other)) if x.dtype.kind == "c" else fnp.transpose(other))
    with np.errstate(divide="ignore", invalid="ignore"):
        return fnp.squeeze(c / norm)


def corrcoef(input: Any) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``input``, clipped to [-1, 1]
    (``torch.corrcoef``).

    >>> import funcgrad as fg
    >>> fg.corrcoef(fg.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]]))
    tensor([[ 1.0000, -0.9820],
            [-0.9820,  1.0000]])
    """
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = fnp.diagonal(c)
    sd = fnp.sqrt(fnp.real(d) if c.dtype.kind == "c" else d)
    c = c / fnp.expand_dims(sd, 1)
    c = c / fnp.expand_dims(sd, 0)
    if c.dtype.kind == "c":
        return fnp.astype(clamp(fnp.real(c), -1, 1), c.dtype) + 1j * fnp.astype(clamp(fnp.imag(c), -1, 1), c.dtype)
    return clamp(c, -1, 1)


# --- histograms (torch.histogram) and mode ---------------------------------------------------------------------------
def _hist_range(op: str, rng: Any, d: int) -> Any:
    if rng is None:
        return None
    vals = [builtins.float(v) for v in rng]
    if len(vals) != 2 * d:
        raise ValueError(f"{op}: range should have {2 * d} elements (a min and a max for each of the {d} dimensions)"
                         f", got {len(vals)}")
    pairs = [(vals[2 * i], vals[2 * i + 1]) for i in range(d)]
    for lo, hi in pairs:
        if lo > hi:
            raise ValueError(f"{op}: expected the range's max ({hi}) >= its min ({lo})")
    return pairs


def _bins_arg(bins: Any) -> Any:
    return to_host(_raw(bins)).astype(np.float64) if isinstance(bins, Tensor) else bins


def histogram(input: Any, bins: Any = 100, *, range: Any = None,  # noqa: A002 - PyTorch's name
              weight: Any = None, density: bool = False, out: Any = None) -> tuple:
    """``(hist, bin_edges)``: a histogram of the elements with ``bins`` equal bins over ``range`` (the data's range
    by default) or with the edges of a 1-D tensor ``bins``; the last bin includes its right edge
    (``torch.histogram``; no gradient).

    >>> import funcgrad as fg
    >>> fg.histogram(fg.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 3.0))
    histogram(hist=tensor([0., 2., 1., 0.]), bin_edges=tensor([0.0000, 0.7500, 1.5000, 2.2500, 3.0000]))
    """
    _no_out("histogram", out)
    x = _t(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"histogram: input must be a floating-point tensor, got dtype {x.dtype}")
    r = _raw(x)
    pairs = _hist_range("histogram", range, 1)
    w = None if weight is None else to_host(_raw(_t(weight))).reshape(-1)
    h = to_host(r).reshape(-1).astype(np.float64)
    if w is not None and w.shape != h.shape:
        raise RuntimeError(f"histogram: weight of shape {tuple(_t(weight).shape)} must have the input's shape "
                           f"{tuple(x.shape)}")
    hist, edges = np.histogram(h, bins=_bins_arg(bins), range=pairs[0] if pairs else None, weights=w,
                               density=density)
    xp = namespace(r)
    return _rt("histogram", ["hist", "bin_edges"])(Tensor._from_value(xp.asarray(hist.astype(x.dtype))),
                                                            Tensor._from_value(xp.asarray(edges.astype(x.dtype))))


def histogramdd(input: Any, bins: Any = 10, *, range: Any = None,  # noqa: A002 - PyTorch's name
                weight: Any = None, density: bool = False, out: Any = None) -> tuple:
    """``(hist, bin_edges)`` of the points in the rows of ``input`` (..., D): ``bins`` an int, one int per
    dimension, or one tensor of edges per dimension; ``range`` the flat list ``[min0, max0, min1, max1, ...]``
    (``torch.histogramdd``; no gradient).

    >>> import funcgrad as fg
    >>> fg.histogramdd(fg.tensor([[0.0, 0.0], [1.0, 1.0]]), bins=2).hist
    tensor([[1., 0.],
            [0., 1.]])
    """
    _no_out("histogramdd", out)
    x = _t(input)
    if x.dtype.kind != "f" or x.ndim < 1:
        raise RuntimeError(f"histogramdd: input must be a floating-point tensor of points (..., D), got dtype "
                           f"{x.dtype} and shape {tuple(x.shape)}")
    d = x.shape[-1]
    pts = to_host(_raw(x)).reshape(-1, d).astype(np.float64)
    b = [_bins_arg(v) for v in bins] if isinstance(bins, (list, tuple)) else bins
    w = None if weight is None else to_host(_raw(_t(weight))).reshape(-1)
    if w is not None and w.shape[0] != pts.shape[0]:
        raise RuntimeError(f"histogramdd: weight must have one value per point ({pts.shape[0]}), got shape "
                           f"{tuple(_t(weight).shape)}")
    hist, edges = np.histogramdd(pts, bins=b, range=_hist_range("histogramdd", range, d), weights=w, density=density)
    xp = namespace(_raw(x))
    return _rt("histogramdd", ["hist", "bin_edges"])(
        Tensor._from_value(xp.asarray(hist.astype(x.dtype))),
        [Tensor._from_value(xp.asarray(e.astype(x.dtype))) for e in edges])


def mode(input: Any, dim: int = -1, keepdim: bool = False, *, out: Any = None) -> tuple:
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest among equally frequent ones) and
    the index of its last occurrence (``torch.mode``); the gradient goes to that index.

    >>> import funcgrad as fg
    >>> fg.mode(fg.tensor([[1.0, 2.0, 2.0], [3.0, 1.0, 3.0]]))
    mode(values=tensor([2., 3.]), indices=tensor([2, 2]))
    """
    _no_out("mode", out)
    x = _t(input)
    rt = _rt("mode", ["values", "indices"])
    if x.ndim == 0:
        return rt(x, Tensor._from_value(np.zeros((), np.int64)))
    d = _norm_dim(dim, x.ndim, "mode")
    if x.shape[d] == 0:
        raise IndexError(f"mode(): expected reduction dim {d} to have non-zero size (shape {tuple(x.shape)})")
    r = _raw(x)
    h = np.moveaxis(to_host(r), d, -1)
    flat = h.reshape(-1, h.shape[-1])
    n = flat.shape[-1]
    idx = np.empty(flat.shape[0], np.int64)
    for i, row in enumerate(flat):
        u, counts = np.unique(row, return_counts=True)
        best = u[np.argmax(counts)]
        idx[i] = n - 1 - np.argmax(row[::-1] == best)
    idx = namespace(r).asarray(np.expand_dims(idx.reshape(h.shape[:-1]), d))
    values = fnp.take_along_axis(x, idx, axis=d)
    if not keepdim:
        values, idx = fnp.squeeze(values, axis=d), namespace(r).squeeze(idx, axis=d)
    return rt(values, Tensor._from_value(idx))


# --- methods ---------------------------------------------------------------------------------------------------------
_METHODS = ["logcumsumexp", "cummax", "cummin", "kthvalue", "median", "nanmedian", "quantile", "nanquantile",
            "nanmean", "nansum", "histc", "bincount", "histogram", "mode", "cov", "corrcoef"]


_attach_methods(_METHODS, globals())
