"""PyTorch's index-and-scatter functions over Tensors, out of place: ``index_copy``, ``index_fill``,
``index_reduce``, ``masked_scatter``, ``diagonal_scatter``, ``select_scatter``, ``slice_scatter``, and the checked
helpers the in-place methods (:mod:`funcgrad.tensors.index_methods`) share.

Every update is a functional ``funcgrad.numpy.at(x)[...]`` update, so gradients flow to the input and to the
source through the engine's own rules. ``amax``/``amin`` reductions send the gradient evenly to all the elements
that tie for the result, as PyTorch does.

>>> import funcgrad as fg
>>> fg.index_copy(fg.zeros(3), 0, fg.tensor([2, 0]), fg.tensor([5.0, 7.0]))
tensor([7., 0., 5.])
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace
from ..core import getval
from ..primitives.control import stop_gradient
from .tensor import Tensor
from .ops import _attach_methods, _ix, _norm_dim, _t
from .indexing import _along, _check_index

__all__ = ["index_copy", "index_fill", "index_reduce", "masked_scatter", "diagonal_scatter", "select_scatter",
           "slice_scatter"]

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _as_tensor(r: Any) -> Tensor:
    return r if isinstance(r, Tensor) else Tensor._from_value(r)


def _like(x: Tensor, value: Any) -> Tensor:
    """A number (or array) as a tensor of ``x``'s dtype on ``x``'s device."""
    return _t(fnp.asarray(value, dtype=x.dtype, device=str(x.device)))


def _cast_src(op: str, x: Tensor, src: Any) -> Tensor:
    """``src`` as a tensor of ``x``'s dtype: numbers take it; tensors must cast within their kind."""
    if not isinstance(src, Tensor):
        return _like(x, src)
    if src.dtype != x.dtype:
        if not np.can_cast(src.dtype, x.dtype, casting="same_kind"):
            raise RuntimeError(f"{op}(): expected source of dtype {x.dtype} (like self), got {src.dtype}; convert it "
                               f"with .to({x.dtype}) first")
        return fnp.astype(src, x.dtype)
    return src


def _set(x: Tensor, where: Any, v: Any) -> Tensor:
    return _as_tensor(fnp.at(x)[where].set(v if isinstance(v, Tensor) else _like(x, v)))


def _add(x: Tensor, where: Any, v: Tensor) -> Tensor:
    return _as_tensor(fnp.at(x)[where].add(v))


def _int_index(op: str, index: Any) -> Any:
    idx = _ix(index)
    if not hasattr(idx, "dtype"):
        idx = np.asarray(idx)
    if np.dtype(idx.dtype).kind not in "iu":
        raise IndexError(f"{op}(): index must be an integer tensor (int64), got dtype {idx.dtype}")
    return idx


def _check_range(op: str, idx: Any, n: int, d: int, allow_negative: bool) -> None:
    v = getval(idx)
    if not getattr(v, "size", 1):
        return
    xp = namespace(v)
    lo, hi = builtins.int(xp.min(v)), builtins.int(xp.max(v))
    if hi >= n or lo < (-n if allow_negative else 0):
        bad = hi if hi >= n else lo
        allowed = f"[{-n}, {n})" if allow_negative else f"[0, {n})"
        raise IndexError(f"{op}(): index {bad} is out of bounds for dimension {d} with size {n} (allowed {allowed})")


def _index_where(op: str, x: Tensor, dim: int, index: Any, source: Tensor | None, *,
                 allow_negative: bool = False) -> tuple:
    """Check an ``index_*`` op's arguments; return ``(dim, index, where)``, ``where`` selecting, for every element
    of ``source``, its target in ``x`` (or the slices at ``index`` when ``source`` is None)."""
    d = _norm_dim(dim, x.ndim, op)
    idx = _int_index(op, index)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): index should have dimension 1 or 0 (got {idx.ndim}, shape {tuple(idx.shape)})")
    idx = idx.reshape(-1)
    n = x.shape[d] if x.ndim else 1
    _check_range(op, idx, n, d, allow_negative)
    if source is None:
        return d, idx, ((slice(None),) * d + (idx,)) if x.ndim else (idx,)
    if x.ndim == 0:
        if source.numel() != 1 or idx.shape[0] != 1:
            raise RuntimeError(f"{op}(): a 0-d self takes a one-element index and source (got index of "
                               f"{idx.shape[0]} and source of shape {source.shape})")
        return d, idx, ()
    want = x.shape[:d] + (idx.shape[0],) + x.shape[d + 1:]
    if source.shape != want and not (source.ndim == 0 and want == (1,)):
        raise RuntimeError(f"{op}(): source of shape {source.shape} does not match: expected {want} (self's shape "
                           f"{x.shape} with dimension {d} of size len(index) = {idx.shape[0]})")
    return d, idx, _along(want, d, idx.reshape((1,) * d + (-1,) + (1,) * (x.ndim - d - 1)))


def _reduce_into(op: str, x: Tensor, where: Any, src: Tensor, reduce: str, include_self: bool) -> Tensor:
    """``x`` with every element of ``src`` combined into ``x[where[...]]`` by ``reduce``."""
    if reduce not in _REDUCES:
        raise RuntimeError(f"{op}(): reduce argument must be one of {', '.join(_REDUCES)}, got {reduce!r}")
    if reduce in ("sum", "prod"):
        base = x if include_self else _set(x, where, 0 if reduce == "sum" else 1)
        return _add(base, where, src) if reduce == "sum" else _as_tensor(fnp.at(base)[where].multiply(src))
    xp = namespace(getval(x._v))
    hit = _as_tensor(fnp.at(_t(xp.zeros(x.shape, dtype=np.int64)))[where].add(_t(xp.ones(src.shape, np.int64))))
    received = hit > 0
    if reduce == "mean":
        total = _add(x if include_self else _set(x, where, 0), where, src)
        count = hit + 1 if include_self else fnp.where(received, hit, 1)
        mean = fnp.floor_divide(total, count) if x.dtype.kind in "biu" else total / fnp.astype(count, x.dtype)
        return fnp.where(received, mean, x)
    # amax / amin: the value from the engine's max/min updates, the gradient shared evenly among the ties
    xs, ss = stop_gradient(x), stop_gradient(src)
    if x.dtype.kind == "f":
        fill = -np.inf if reduce == "amax" else np.inf
    else:
        info = np.iinfo(x.dtype) if x.dtype.kind in "iu" else None
        fill = (info.min if reduce == "amax" else info.max) if info else (reduce == "amin")
    base = xs if include_self else _set(xs, where, fill)
    at = fnp.at(base)[where]
    m = _as_tensor(at.max(ss) if reduce == "amax" else at.min(ss))
    if x.dtype.kind not in "fc":
        return m
    tie_src = fnp.equal(ss, m[where])
    tie_self = fnp.where(received, fnp.equal(xs, m) if include_self else False, True)
    count = _add(fnp.astype(tie_self, x.dtype), where, fnp.astype(tie_src, x.dtype))
    # (v - stop(v)) is 0 with gradient 1; non-finite values are kept out (inf - inf would be nan)
    fin_x = fnp.where(fnp.isfinite(xs), x, 0.0)
    fin_s = fnp.where(fnp.isfinite(ss), src, 0.0)
    dx = fnp.where(tie_self, fin_x - stop_gradient(fin_x), 0.0)
    ds = fnp.where(tie_src, fin_s - stop_gradient(fin_s), 0.0)
    return m + _add(dx, where, ds) / fnp.where(count > 0, count, 1.0)


def index_copy(input: Any, dim: int, index: Any, source: Any) -> Tensor:
    """A copy of ``input`` with the slices ``index[i]`` along ``dim`` replaced by the slices ``i`` of ``source``
    (``torch.index_copy``); gradients flow to both (the replaced slices of ``input`` get none).

    >>> import funcgrad as fg
    >>> fg.index_copy(fg.zeros(2, 2), 1, fg.tensor([1]), fg.tensor([[1.0], [2.0]]))
    tensor([[0., 1.],
            [0., 2.]])
    """
    x = _t(input)
    src = _cast_src("index_copy", x, _t(source))
    _, _, where = _index_where("index_copy", x, dim, index, src)
    return _set(x, where, src) if x.ndim else _set(x, (), fnp.reshape(src, ()))


def index_fill(input: Any, dim: int, index: Any, value: Any) -> Tensor:
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a number, or a 0-d tensor
    the gradient flows to) (``torch.index_fill``; negative indices count from the end).

    >>> import funcgrad as fg
    >>> fg.index_fill(fg.tensor([[1, 2], [3, 4]]), 0, fg.tensor([-1]), 9)
    tensor([[1, 2],
            [9, 9]])
    """
    x = _t(input)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"index_fill(): only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s) (shape {value.shape}); use index_copy for slices")
    v = _cast_src("index_fill", x, value)
    _, _, where = _index_where("index_fill", x, dim, index, None, allow_negative=True)
    return _set(x, where if x.ndim else (), v)


def index_reduce(input: Any, dim: int, index: Any, source: Any, reduce: str, *, include_self: bool = True) -> Tensor:
    """A copy of ``input`` with the slices ``i`` of ``source`` combined into the slices ``index[i]`` along ``dim``
    by ``reduce``: ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"`` (``torch.index_reduce``); with
    ``include_self=False`` the slices that receive a value forget their own.

    >>> import funcgrad as fg
    >>> fg.index_reduce(fg.ones(2), 0, fg.tensor([0, 0]), fg.tensor([2.0, 3.0]), "prod")
    tensor([6., 1.])
    """
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): reduce argument must be one of prod, mean, amax or amin, got "
                           f"{reduce!r}")
    x = _t(input)
    src = _cast_src("index_reduce", x, _t(source))
    _, _, where = _index_where("index_reduce", x, dim, index, src)
    if x.ndim == 0:
        x, src, where = fnp.reshape(x, (1,)), fnp.reshape(src, (1,)), (np.zeros(1, np.int64),)
        return fnp.reshape(_reduce_into("index_reduce", x, where, src, reduce, include_self), ())
    return _reduce_into("index_reduce", x, where, src, reduce, include_self)


def _scatter_where(op: str, x: Tensor, dim: int, index: Any, src: Any) -> tuple:
    """Checked ``scatter``-style arguments: ``(where, src)`` with ``src`` cut to the index's shape."""
    d, idx, ishape = _check_index(op, x, dim, index)
    _check_range(op, idx, x.shape[d] if x.ndim else 1, d, False)
    if isinstance(src, Tensor):
        if src.ndim != x.ndim:
            raise RuntimeError(f"{op}(): src must have the same number of dimensions as self (src {src.shape}, "
                               f"self {x.shape})")
        if any(i > s for i, s in zip(ishape, src.shape)):
            raise RuntimeError(f"{op}(): index of shape {ishape} is larger than src of shape {src.shape}")
        src = src[tuple(slice(0, s) for s in ishape)] if src.shape != ishape else src
    src = _cast_src(op, x, src)
    if src.shape != ishape:
        src = fnp.broadcast_to(src, ishape)
    return _along(ishape, d, idx), src


def scatter_reduce_full(input: Any, dim: int, index: Any, src: Any, reduce: str, *,
                        include_self: bool = True) -> Tensor:
    """``torch.scatter_reduce`` with every ``reduce`` PyTorch has (``"sum"``, ``"prod"``, ``"mean"``, ``"amax"``,
    ``"amin"``) and ``include_self``; used by ``Tensor.scatter_reduce_``.

    >>> import funcgrad as fg
    >>> scatter_reduce_full(fg.zeros(2), 0, fg.tensor([1, 1]), fg.tensor([2.0, 4.0]), "mean", include_self=False)
    tensor([0., 3.])
    """
    x = _t(input)
    where, s = _scatter_where("scatter_reduce", x, dim, index, src)
    return _reduce_into("scatter_reduce", x, where, s, reduce, include_self)


def masked_scatter(input: Any, mask: Any, source: Any) -> Tensor:
    """A copy of ``input`` whose elements where ``mask`` (broadcast with input) is true take ``source``'s
    elements in order, row-major (``torch.masked_scatter``); gradients flow to both.

    >>> import funcgrad as fg
    >>> fg.masked_scatter(fg.zeros(4), fg.tensor([True, False, True, False]), fg.tensor([1.0, 2.0, 3.0]))
    tensor([1., 0., 2., 0.])
    """
    x, src = _t(input), _t(source)
    m = _ix(mask)
    if not hasattr(m, "dtype") or np.dtype(m.dtype) != np.dtype(bool):
        raise RuntimeError(f"masked_scatter_only supports boolean masks, but got mask with dtype "
                           f"{getattr(m, 'dtype', type(m).__name__)}")
    try:
        shape = tuple(np.broadcast_shapes(x.shape, tuple(m.shape)))
    except ValueError:
        raise RuntimeError(f"masked_scatter(): mask of shape {tuple(m.shape)} does not broadcast with self of shape "
                           f"{x.shape}") from None
    mv = getval(m)
    xp = namespace(mv)
    pos = xp.nonzero(xp.broadcast_to(mv, shape)) if shape else ()
    k = builtins.int(pos[0].shape[0]) if shape else builtins.int(bool(mv))
    if src.numel() < k:
        raise RuntimeError(f"masked_scatter(): source has {src.numel()} elements but the mask selects {k}; source "
                           f"needs at least as many elements as the mask has True values")
    src = _cast_src("masked_scatter", x, src)
    xb = fnp.broadcast_to(x, shape) if x.shape != shape else x
    if not shape:
        return fnp.where(mv, fnp.reshape(src, (-1,))[0], x) if src.numel() else x
    return _set(xb, tuple(pos), fnp.reshape(src, (-1,))[:k])


def _scatter_shape_check(op: str, want: tuple, src: Tensor) -> None:
    if src.shape != want:
        raise RuntimeError(f"{op}(): expected src to have a size equal to the slice of self: src size {src.shape}, "
                           f"slice size {want}")


def select_scatter(input: Any, src: Any, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with the slice ``index`` along ``dim`` replaced by ``src`` (``torch.select_scatter``).

    >>> import funcgrad as fg
    >>> fg.select_scatter(fg.zeros(2, 2), fg.tensor([1.0, 2.0]), 0, 1)
    tensor([[0., 0.],
            [1., 2.]])
    """
    x, s = _t(input), _t(src)
    d = _norm_dim(dim, x.ndim, "select_scatter")
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select_scatter(): index {index} out of range for tensor of size {x.shape} at dimension "
                         f"{d}")
    where = (slice(None),) * d + (builtins.int(index) % n,)
    _scatter_shape_check("select_scatter", x.shape[:d] + x.shape[d + 1:], s)
    return _set(x, where, _cast_src("select_scatter", x, s))


def slice_scatter(input: Any, src: Any, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1) -> Tensor:
    """A copy of ``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) replaced by ``src``
    (``torch.slice_scatter``).

    >>> import funcgrad as fg
    >>> fg.slice_scatter(fg.zeros(4), fg.tensor([1.0, 2.0]), start=0, step=2)
    tensor([1., 0., 2., 0.])
    """
    x, s = _t(input), _t(src)
    d = _norm_dim(dim, x.ndim, "slice_scatter")
    if step <= 0:
        raise RuntimeError(f"slice_scatter(): slice step must be positive, got {step}")
    where = (slice(None),) * d + (slice(start, end, step),)
    want = x.shape[:d] + (len(range(*slice(start, end, step).indices(x.shape[d]))),) + x.shape[d + 1:]
    _scatter_shape_check("slice_scatter", want, s)
    return _set(x, where, _cast_src("slice_scatter", x, s))


def diagonal_scatter(input: Any, src: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` with its ``diagonal(offset, dim1, dim2)`` replaced by ``src``
    (``torch.diagonal_scatter``).

    >>> import funcgrad as fg
    >>> fg.diagonal_scatter(fg.zeros(2, 3), fg.tensor([1.0, 2.0]), 1)
    tensor([[0., 1., 0.],
            [0., 0., 2.]])
    """
    x, s = _t(input), _t(src)
    if x.ndim < 2:
        raise RuntimeError(f"diagonal_scatter(): input must have at least 2 dimensions, got shape {x.shape}")
    d1, d2 = _norm_dim(dim1, x.ndim, "diagonal_scatter"), _norm_dim(dim2, x.ndim, "diagonal_scatter")
    if d1 == d2:
        raise RuntimeError(f"diagonal_scatter(): dim1 and dim2 cannot be the same dimension (both {d1})")
    xm = fnp.moveaxis(x, (d1, d2), (-2, -1))
    r0, c0 = builtins.max(-offset, 0), builtins.max(offset, 0)
    length = builtins.max(builtins.min(xm.shape[-2] - r0, xm.shape[-1] - c0), 0)
    _scatter_shape_check("diagonal_scatter", xm.shape[:-2] + (length,), s)
    i = np.arange(length)
    out = _set(xm, (Ellipsis, i + r0, i + c0), _cast_src("diagonal_scatter", x, s))
    return fnp.moveaxis(out, (-2, -1), (d1, d2))


_METHODS = ["index_copy", "index_fill", "index_reduce", "masked_scatter", "diagonal_scatter", "select_scatter",
            "slice_scatter"]


_attach_methods(_METHODS, globals())
