"""PyTorch's distinct-value and insertion-point functions over Tensors: ``unique``, ``unique_consecutive``,
``searchsorted``, ``bucketize``, and their Tensor methods.

PyTorch gives these results no gradient, so they are computed on the plain values (outside every trace) and come
back as Tensors with no graph: int64 (or int32) indices and counts, value-typed distinct elements. The other shape
and index helpers are in ``funcgrad/tensors/manipulation.py``, which re-exports these names.

>>> import funcgrad as fg
>>> fg.tensor([3, 1, 3]).unique()
tensor([1, 3])
>>> fg.bucketize(fg.tensor([4.0]), fg.tensor([1.0, 3.0, 5.0]))
tensor([2])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import namespace
from ..core import getval
from .tensor import Tensor
from .ops import _attach_methods, _ix, _norm_dim, _t

__all__ = ["unique", "unique_consecutive", "searchsorted", "bucketize"]


def _value(x: Tensor) -> Any:
    """The raw array behind ``x``, outside every trace (for results that carry no gradient)."""
    return getval(x._v)


def _plain(v: Any) -> Tensor:
    return Tensor._from_value(v)


def unique(input: Any, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim: int | None = None) -> Any:
    """The distinct elements (or, with ``dim``, the distinct slices along ``dim``), sorted (``torch.unique``);
    with ``return_inverse``/``return_counts`` a tuple adding the int64 index of each input element in the result
    and the count of each distinct value. No gradient flows (as in PyTorch). ``sorted=False`` also sorts (PyTorch
    leaves that order unspecified).

    >>> import funcgrad as fg
    >>> fg.unique(fg.tensor([3, 1, 3, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    x = _t(input)
    v = _value(x)
    xp = namespace(v)
    if dim is not None:
        if x.ndim == 0:
            raise IndexError("unique: a 0-d tensor has no dimension to take unique slices along")
        dim = _norm_dim(dim, x.ndim, "unique")
    # NaNs stay distinct, each its own value sorted last, as in PyTorch (NumPy 2 merges them by default)
    kw = {"equal_nan": False} if dim is None and v.dtype.kind in "fc" else {}
    try:
        res = xp.unique(v, return_inverse=True, return_counts=True, axis=dim, **kw)
    except TypeError:  # an array library without equal_nan
        res = xp.unique(v, return_inverse=True, return_counts=True, axis=dim)
    vals, inv, counts = res[0], res[1], res[2]
    inv = inv.reshape(x.shape if dim is None else (x.shape[dim],)).astype(np.int64)
    out = [_plain(vals)]
    if return_inverse:
        out.append(_plain(inv))
    if return_counts:
        out.append(_plain(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input: Any, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """Each run of equal consecutive elements (slices along ``dim``) reduced to one (``torch.unique_consecutive``),
    with the optional int64 inverse and counts of :func:`unique`. No gradient flows.

    >>> import funcgrad as fg
    >>> fg.unique_consecutive(fg.tensor([1, 1, 2, 2, 1]), return_counts=True)
    (tensor([1, 2, 1]), tensor([2, 2, 1]))
    """
    x = _t(input)
    v = _value(x)
    xp = namespace(v)
    if dim is None:
        rows = v.reshape(-1, 1)
    else:
        d = _norm_dim(dim, x.ndim, "unique_consecutive")
        rows = xp.moveaxis(v, d, 0).reshape(x.shape[d], -1)
    n = rows.shape[0]
    starts = xp.ones(n, dtype=bool)
    if n > 1:
        starts[1:] = xp.any(rows[1:] != rows[:-1], axis=1) if rows.shape[1] else False
    first = xp.nonzero(starts)[0]
    vals = v.reshape(-1)[first] if dim is None else xp.take(v, first, axis=d)
    out = [_plain(vals)]
    if return_inverse:
        inv = (xp.cumsum(starts) - 1).astype(np.int64)
        out.append(_plain(inv.reshape(x.shape) if dim is None else inv))
    if return_counts:
        out.append(_plain(xp.diff(xp.concatenate([first, xp.asarray([n])])).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence: Any, input: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Any = None) -> Tensor:
    """Where each ``input`` value would be inserted into ``sorted_sequence`` (along its last dimension) to keep
    it sorted (``torch.searchsorted``): the first such place, or the last with ``right=True`` / ``side="right"``.
    An N-D sequence searches row by row, with ``input`` having the same leading dimensions. int64 (or int32)
    indices; ``sorter`` gives indices that sort an unsorted sequence.

    >>> import funcgrad as fg
    >>> fg.searchsorted(fg.tensor([1.0, 3.0, 5.0]), fg.tensor([3.0, 6.0])), fg.searchsorted(
    ...     fg.tensor([1.0, 3.0, 5.0]), 3.0, right=True)
    (tensor([1, 3]), tensor(2))
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side!r}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq = _t(sorted_sequence)
    scalar = not isinstance(input, Tensor) and np.ndim(input) == 0
    vals = _t(input) if isinstance(input, Tensor) else _t(np.asarray(input))
    s, q = _value(seq), _value(vals)
    xp = namespace(s)
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, but we got "
                           "boundaries tensor of a 0-d tensor")
    if sorter is not None:
        srt = _ix(sorter)
        if tuple(srt.shape) != seq.shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got "
                               f"boundary tensor {seq.shape} and got sorter tensor {tuple(srt.shape)}")
        s = xp.take_along_axis(s, xp.asarray(srt), axis=-1)
    how = "right" if right else "left"
    if seq.ndim == 1:
        out = xp.searchsorted(s, q, side=how)
    else:
        if q.ndim != seq.ndim or q.shape[:-1] != s.shape[:-1]:
            raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               f"dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {seq.shape} and input value tensor {vals.shape}")
        s2, q2 = s.reshape(-1, s.shape[-1]), q.reshape(-1, q.shape[-1])
        out = xp.stack([xp.searchsorted(a, b, side=how) for a, b in zip(s2, q2)]).reshape(q.shape) if len(s2) \
            else xp.zeros(q.shape, dtype=np.int64)
    out = xp.asarray(out).astype(np.int32 if out_int32 else np.int64)
    return _plain(out.reshape(()) if scalar else out)


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The index of the bucket of each element, with 1-D increasing ``boundaries`` (``torch.bucketize``):
    ``boundaries[i-1] < x <= boundaries[i]``, or ``boundaries[i-1] <= x < boundaries[i]`` with ``right=True``.

    >>> import funcgrad as fg
    >>> fg.bucketize(fg.tensor([1.0, 2.5, 9.0]), fg.tensor([1.0, 2.0, 3.0]))
    tensor([0, 2, 3])
    """
    b = _t(boundaries)
    if b.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right)


_METHODS = ["unique", "unique_consecutive"]


_attach_methods(_METHODS, globals())
