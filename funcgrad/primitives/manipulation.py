"""Array manipulation: ``r_``/``c_``, inserting, deleting, joining, rotating, partitioning, searching, selecting,
and the ``kron`` and ``cross`` products.

The differentiable functions compose slicing, gathering (``take``), joining and ``where``, so they differentiate to
any order. Positions (where to insert, what to keep) are read from plain values, never differentiated; values
batched by vmap differ per example, so :func:`_plain` raises for them rather than index every example alike.
``searchsorted`` and ``argpartition`` are non-differentiable primitives, so they do batch under vmap.
"""
from __future__ import annotations

import itertools
import math
import operator
from typing import Any, Sequence

import numpy as _onp

from ..backend import namespace, shape_of, to_host
from ..core import Box, Primitive
from ..core.batching import loop_rule
from ..core.primitive import nondifferentiable
from .creation import _create, array, asarray, linspace
from .elementwise import astype, logical_not, multiply, subtract, where
from .indexing import getitem, take, take_along_axis
from .updates import at
from .pieces import pieces
from .joining import split
from .shape import (_asarray, _axis, broadcast_to, concatenate, moveaxis, ndim, ravel, reshape, stack, swapaxes, transpose)
from .triangles import diag
from .tiling import flip

__all__ = ["r_", "c_", "append", "insert", "delete", "rot90", "dsplit", "partition", "argpartition",
           "searchsorted", "select", "piecewise", "choose", "block", "concat", "permute_dims", "rollaxis", "unstack",
           "resize", "diagflat", "kron", "cross"]
ArrayLike = Any


def _plain(x: Any, name: str) -> Any:
    """The plain value of ``x``, for what reads values without differentiating them (positions, set structure)."""
    t = type(x)
    if t is list or t is tuple:
        return t(_plain(e, name) for e in x)
    while type(x) is Box:
        if x._trace.batching:
            raise NotImplementedError(
                f"funcgrad.numpy.{name}: its result's structure (positions, lengths) is computed from values batched "
                f"by {x._trace.transform}, which differ from one example to the next; call {name} outside vmap, or "
                f"pass that argument unbatched (in_axes=None)")
        x = x.value
    return x


def _arr(a: Any) -> Any:
    """``a`` as an array (traced or not): lists holding traced values are packed, differentiably."""
    a = _asarray(a)
    return a if type(a) is Box or hasattr(a, "shape") else asarray(a)


def _np(a: Any, name: str) -> _onp.ndarray:
    return to_host(_plain(a, name))  # positions are computed on the host, whatever the array's device


def _cast(a: Any, dt) -> Any:
    return a if a.dtype == dt else astype(a, dt)


def _ints(idx: _onp.ndarray, name: str, what: str) -> _onp.ndarray:
    """Positions as an integer array (an empty list counts as one), or a TypeError naming ``what``."""
    if idx.size == 0:
        return idx.astype(_onp.intp)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"funcgrad.numpy.{name}: {what} must hold integers, got dtype {idx.dtype}")
    return idx


def _functional(name: str, inplace: bool) -> None:
    if inplace:
        raise ValueError(f"funcgrad.numpy.{name}: funcgrad arrays are immutable, so {name} cannot modify its input "
                         f"in place; pass inplace=False and use the returned array (JAX's form)")


# --- r_ and c_ ----------------------------------------------------------------------------------------------------
class _Concatenator:
    """NumPy's index trick: ``r_[a, b, 0:3, 1.0]`` joins arrays, scalars and slices (ranges) along an axis.

    >>> import funcgrad.numpy as fnp
    >>> fnp.r_[fnp.array([1.0, 2.0]), 0:2, 5.0]
    array([1., 2., 0., 1., 5.])
    """

    def __init__(self, name: str, axis: int, ndmin: int, trans1d: int):
        self._name, self._axis, self._ndmin, self._trans1d = name, axis, ndmin, trans1d

    def __repr__(self) -> str:
        return f"funcgrad.numpy.{self._name}"

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            raise TypeError(f"funcgrad.numpy.{self._name}[{key!r}]: NumPy's matrix-building string form is not "
                            f"supported (funcgrad has no matrix type); index with arrays, or use fnp.block")
        key = key if type(key) is tuple else (key,)
        axis, ndmin, trans1d, mat = self._axis, self._ndmin, self._trans1d, None
        objs, kinds = [], []
        for k, item in enumerate(key):
            if type(item) is str:
                if k:
                    raise ValueError(f"funcgrad.numpy.{self._name}: the directive {item!r} must be the first entry")
                if item in ("r", "c"):
                    mat = item
                    continue
                vec = item.split(",")
                if len(vec) > 3 or not all(v.strip().lstrip("-").isdigit() for v in vec):
                    raise ValueError(f"funcgrad.numpy.{self._name}: unknown directive {item!r}; supported: 'r', "
                                     f"'c', 'axis', 'axis,ndmin' and 'axis,ndmin,trans1d' (integers)")
                axis, ndmin, trans1d = ([int(v) for v in vec] + [ndmin, trans1d][len(vec) - 1:])[:3]
                continue
            if type(item) is slice:
                start, stop, step = (_plain(v, self._name) for v in (item.start, item.stop, item.step))
                start, step = 0 if start is None else start, 1 if step is None else step
                if isinstance(step, (complex, _onp.complexfloating)):
                    obj = linspace(start, stop, num=int(abs(step)))
                else:
                    obj = _create(None, None, lambda xp: xp.arange(start, stop, step))
                obj = array(obj, ndmin=ndmin)
                obj = swapaxes(obj, -1, trans1d) if trans1d != -1 and ndmin > 1 else obj
                kinds.append(obj.dtype)
            elif isinstance(item, (int, float, complex, _onp.generic)):
                obj = item
                kinds.append(item)  # Python scalars are weak in the promotion, as in NumPy
            else:
                nd = ndim(item)
                obj = array(item, ndmin=ndmin)
                if trans1d != -1 and nd < ndmin:
                    k2, k1 = ndmin - nd, trans1d if trans1d >= 0 else trans1d + ndmin - nd + 1
                    d = list(range(ndmin))
                    obj = transpose(obj, d[:k1] + d[k2:] + d[k1:k2])
                kinds.append(obj.dtype)
            objs.append(obj)
        if kinds:
            dt = _onp.result_type(*kinds)
            objs = [array(o, dtype=dt, ndmin=ndmin) for o in objs]
        res = concatenate(objs, axis=axis)
        if mat is not None:  # JAX's reading of NumPy's matrix directives: a 2-D row (or column) array
            if ndim(res) > 2:
                raise ValueError(f"funcgrad.numpy.{self._name}: the {mat!r} directive needs a result of at most 2 "
                                 f"dimensions, got shape {res.shape}")
            if ndim(res) == 1:
                res = transpose(reshape(res, (1, -1))) if mat == "c" else reshape(res, (1, -1))
        return res


r_ = _Concatenator("r_", 0, 1, -1)
c_ = _Concatenator("c_", -1, 2, 0)


# --- inserting, deleting, joining ---------------------------------------------------------------------------------
def _flat_axis(arr, axis, name):
    """NumPy's convention: ``axis=None`` works on the flattened array."""
    if axis is None:
        return (arr if ndim(arr) == 1 else ravel(arr)), 0
    return arr, _axis(axis, ndim(arr), f"numpy.{name}")


def _slab(shape: tuple, axis: int, n: int) -> tuple:
    return shape[:axis] + (n,) + shape[axis + 1:]


def _along(axis: int, i) -> tuple:
    return (slice(None),) * axis + (i,)


def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None) -> Any:
    """``values`` appended to ``arr`` (both flattened when ``axis`` is None), as ``numpy.append``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.append(fnp.array([1.0, 2.0]), [[3.0], [4.0]])
    array([1., 2., 3., 4.])
    """
    arr, values = _arr(arr), _arr(values)
    return concatenate((arr, values) if axis is not None else (ravel(arr), ravel(values)), axis=axis or 0)


def insert(arr: ArrayLike, obj: Any, values: ArrayLike, axis: int | None = None) -> Any:
    """``values`` inserted before the positions ``obj`` (an int, slice or sequence) along ``axis`` (the flattened
    array when None), as ``numpy.insert``; differentiable in ``arr`` and ``values`` (cast to ``arr``'s dtype).

    >>> import funcgrad.numpy as fnp
    >>> fnp.insert(fnp.array([1.0, 2.0, 3.0]), [0, 2], [9.0, 8.0])
    array([9., 1., 2., 8., 3.])
    """
    arr, axis = _flat_axis(_arr(arr), axis, "insert")
    values = _cast(_arr(values), arr.dtype)
    shp, n = tuple(arr.shape), arr.shape[axis]
    if isinstance(obj, slice):
        idx = _onp.arange(*obj.indices(n))
    else:
        idx = _np(obj, "insert")
        if idx.ndim > 1:
            raise ValueError(f"funcgrad.numpy.insert: obj must be a scalar or 1-D, got shape {idx.shape}")
        idx = _onp.flatnonzero(idx) if idx.dtype == bool else _ints(idx, "insert", "obj")
    if ((idx < -n) | (idx > n)).any():
        raise IndexError(f"funcgrad.numpy.insert: index {obj} is out of bounds for axis {axis} with size {n}")
    idx = _onp.where(idx < 0, idx + n, idx)
    if idx.size == 1:
        i = int(idx.item())
        v = reshape(values, (1,) * (len(shp) - ndim(values)) + tuple(values.shape))
        v = moveaxis(v, 0, axis) if idx.ndim == 0 else v  # a scalar position inserts a slab, as a[:, 0:1]
        v = broadcast_to(v, _slab(shp, axis, v.shape[axis]))
        return concatenate([getitem(arr, _along(axis, slice(None, i))), v,
                            getitem(arr, _along(axis, slice(i, None)))], axis=axis)
    k = idx.size
    idx[_onp.argsort(idx, kind="stable")] += _onp.arange(k)
    perm, old = _onp.empty(n + k, _onp.intp), _onp.ones(n + k, bool)
    old[idx] = False
    perm[old], perm[idx] = _onp.arange(n), n + _onp.arange(k)
    joined = concatenate([arr, broadcast_to(values, _slab(shp, axis, k))], axis=axis)
    return take(joined, perm, axis=axis)


def delete(arr: ArrayLike, obj: Any, axis: int | None = None) -> Any:
    """``arr`` without the entries ``obj`` (an int, slice, sequence or boolean mask) along ``axis`` (the flattened
    array when None), as ``numpy.delete``; differentiable in ``arr``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.delete(fnp.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), [0, 2], axis=1).tolist()
    [[2.0], [5.0]]
    """
    arr, axis = _flat_axis(_arr(arr), axis, "delete")
    n = arr.shape[axis]
    keep = _onp.ones(n, bool)
    if isinstance(obj, slice):
        keep[obj] = False
    else:
        idx = _np(obj, "delete")
        if idx.dtype == bool:
            if idx.shape != (n,):
                raise ValueError(f"funcgrad.numpy.delete: a boolean obj must be 1-D of the axis length {n}, got "
                                 f"shape {idx.shape}")
            keep = ~idx
        else:
            idx = _ints(idx, "delete", "obj")
            if ((idx < -n) | (idx >= n)).any():
                raise IndexError(f"funcgrad.numpy.delete: index {obj} is out of bounds for axis {axis} with size {n}")
            keep[idx] = False
    return take(arr, _onp.flatnonzero(keep), axis=axis)


def concat(arrays: Sequence[ArrayLike], /, *, axis: int | None = 0) -> Any:
    """The array API's name for :func:`concatenate`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.concat([fnp.zeros(1), fnp.ones(2)])
    array([0., 1., 1.])
    """
    return concatenate(arrays, axis=axis)


def block(arrays: Any) -> Any:
    """An array assembled from nested lists of blocks (innermost lists join on the last axis), as ``numpy.block``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.block([[fnp.eye(2), fnp.zeros((2, 1))], [fnp.ones((1, 2)), fnp.full((1, 1), 5.0)]]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 5.0]]
    """
    def depth(a, path):
        if type(a) is tuple:
            raise TypeError(f"funcgrad.numpy.block: arrays{path} is a tuple; only lists may nest blocks")
        if type(a) is not list:
            return 0, ndim(a)
        if not a:
            raise ValueError(f"funcgrad.numpy.block: arrays{path} is an empty list")
        ds = [depth(e, f"{path}[{i}]") for i, e in enumerate(a)]
        if len({d for d, _ in ds}) > 1:
            raise ValueError(f"funcgrad.numpy.block: the lists in arrays{path} are nested to different depths")
        return ds[0][0] + 1, max(n for _, n in ds)

    d, nd = depth(arrays, "")

    def build(a, level):
        if type(a) is not list:
            return array(a, ndmin=max(nd, d))
        return concatenate([build(e, level + 1) for e in a], axis=level - d)

    return build(arrays, 0)


def dsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list:
    """``ary`` (at least 3-D) split along its third axis, as ``numpy.dsplit``.

    >>> import funcgrad.numpy as fnp
    >>> [p.shape for p in fnp.dsplit(fnp.zeros((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """
    ary = _arr(ary)
    if ndim(ary) < 3:
        raise ValueError(f"funcgrad.numpy.dsplit: needs an array of at least 3 dimensions, got shape {ary.shape}")
    return split(ary, indices_or_sections, axis=2)


def unstack(x: ArrayLike, /, *, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple (``numpy.unstack``).

    >>> import funcgrad.numpy as fnp
    >>> fnp.unstack(fnp.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    (array([1., 3.]), array([2., 4.]))
    """
    x = _arr(x)
    axis = _axis(axis, ndim(x), "numpy.unstack")  # a 0-d x has no axis to unstack
    return pieces(x, axis=axis)  # one node for all slices: a linear backward


# --- reordering -------------------------------------------------------------------------------------------------
def permute_dims(a: ArrayLike, /, axes: Sequence[int] | None = None) -> Any:
    """The array API's name for :func:`transpose`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.permute_dims(fnp.zeros((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return transpose(a, axes)


def rollaxis(a: ArrayLike, axis: int, start: int = 0) -> Any:
    """``a`` with ``axis`` moved to before position ``start``, as ``numpy.rollaxis``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.rollaxis(fnp.zeros((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    a = _arr(a)
    n, start = ndim(a), operator.index(start)
    axis = _axis(axis, n, "numpy.rollaxis")
    if not -n <= start <= n:
        raise ValueError(f"funcgrad.numpy.rollaxis: start must satisfy {-n} <= start <= {n}, got {start}")
    start = start + n if start < 0 else start
    start -= axis < start
    return moveaxis(a, axis, start)


def rot90(m: ArrayLike, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """``m`` rotated by 90 degrees ``k`` times in the plane of ``axes`` (first towards second), as ``numpy.rot90``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.rot90(fnp.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[2.0, 4.0], [1.0, 3.0]]
    """
    m = _arr(m)
    axes, n = tuple(axes), ndim(m)
    if len(axes) != 2 or not all(-n <= a < n for a in axes) or axes[0] % n == axes[1] % n:
        raise ValueError(f"funcgrad.numpy.rot90: axes must be two different axes of the array of dimension {n}, "
                         f"got {axes}")
    k = operator.index(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = list(range(n))
    perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
    return transpose(flip(m, axes[1]), perm) if k == 1 else flip(transpose(m, perm), axes[1])


def resize(a: ArrayLike, new_shape: int | Sequence[int]) -> Any:
    """An array of ``new_shape`` filled by repeating the flattened ``a``, as ``numpy.resize``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.resize(fnp.array([1.0, 2.0, 3.0]), (2, 2)).tolist()
    [[1.0, 2.0], [3.0, 1.0]]
    """
    flat = ravel(_arr(a))
    new_shape = tuple(new_shape) if isinstance(new_shape, (tuple, list)) else (operator.index(new_shape),)
    if any(d < 0 for d in new_shape):
        raise ValueError(f"funcgrad.numpy.resize: all sizes of new_shape must be non-negative, got {new_shape}")
    total, size = math.prod(new_shape), flat.shape[0]
    if size == 0 or total == 0:  # nothing to repeat, or no room: NumPy's zeros
        return _create(None, None, lambda xp: xp.zeros(new_shape, flat.dtype))
    return reshape(take(flat, _onp.arange(total) % size), new_shape)


def diagflat(v: ArrayLike, k: int = 0) -> Any:
    """A 2-D array with the flattened ``v`` on its ``k``-th diagonal, as ``numpy.diagflat``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.diagflat(fnp.array([[1.0, 2.0]])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    return diag(ravel(_arr(v)), k)


# --- partitioning and searching (non-differentiable primitives, so they batch under vmap) ------------------------
def _argpartition_batch(args, batched, kth, axis=-1):
    a = args[0]
    s = shape_of(a)
    nd = len(s) - 1
    if axis is None or nd == 0:  # NumPy partitions the flattened array (a 0-d one as one element)
        a, axis = reshape(a, (s[0], math.prod(s[1:]))), 1
    elif -nd <= axis < nd:
        axis = axis % nd + 1
    else:  # out of range: the per-example call reports it
        return loop_rule(_argpartition, args, batched, s[0], {"kth": kth, "axis": axis})
    return _argpartition(a, kth=kth, axis=axis)


_argpartition = Primitive("argpartition", lambda a, kth, axis=-1: namespace(a).argpartition(a, kth, axis=axis),
                          doc="``numpy.argpartition`` (non-differentiable; see :func:`argpartition`).")
_argpartition.def_batch(_argpartition_batch)


def _searchsorted_batch(args, batched, side="left"):
    if batched[0]:  # one sorted array per example
        return loop_rule(_searchsorted, args, batched, shape_of(args[0])[0], {"side": side})
    return _searchsorted(*args, side=side)  # the queries' batch axis is one more axis of queries


_searchsorted = Primitive("searchsorted", lambda a, v, side="left": namespace(a).searchsorted(a, v, side=side),
                          doc="``numpy.searchsorted`` (non-differentiable; see :func:`searchsorted`).")
_searchsorted.def_batch(_searchsorted_batch)
nondifferentiable(_argpartition, _searchsorted)


def argpartition(a: ArrayLike, kth: int | Sequence[int], axis: int | None = -1, kind: str = "introselect",
                 order: Any = None) -> Any:
    """Indices that partition ``a`` along ``axis`` around its ``kth`` smallest element(s), as
    ``numpy.argpartition`` (no gradient; the order within each side is unspecified).

    >>> import funcgrad.numpy as fnp
    >>> int(fnp.argpartition(fnp.array([3.0, 1.0, 2.0]), 0)[0])
    1
    """
    if order is not None:
        raise TypeError("funcgrad.numpy.argpartition: order= (structured arrays) is not supported")
    k = _ints(_np(kth, "argpartition"), "argpartition", "kth")
    return _argpartition(_arr(a), kth=int(k) if k.ndim == 0 else tuple(int(i) for i in k.ravel()), axis=axis)


def partition(a: ArrayLike, kth: int | Sequence[int], axis: int | None = -1, kind: str = "introselect",
              order: Any = None) -> Any:
    """``a`` rearranged along ``axis`` (flattened when None) with its ``kth`` element where sorting puts it, smaller
    ones before, larger after, as ``numpy.partition``; gradients go back to where each element came from.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.partition(fnp.array([3.0, 1.0, 4.0, 2.0]), 2)[2])
    3.0
    """
    a = _arr(a)
    idx = _plain(argpartition(a, kth, axis=axis, kind=kind, order=order), "partition")
    return take(a, idx) if axis is None else take_along_axis(a, idx, axis=axis)


def searchsorted(a: ArrayLike, v: ArrayLike, side: str = "left", sorter: ArrayLike | None = None, *,
                 method: str | None = None) -> Any:
    """Indices where ``v`` would go into the sorted 1-D ``a`` (before equal elements for ``side="left"``, after
    them for ``"right"``), as ``numpy.searchsorted`` (no gradient).

    >>> import funcgrad.numpy as fnp
    >>> fnp.searchsorted(fnp.array([1.0, 2.0, 3.0]), [2.0, 2.5], side="right")
    array([2, 2])
    """
    a = _arr(a)
    if side not in ("left", "right") or ndim(a) != 1:
        raise ValueError(f"funcgrad.numpy.searchsorted: needs a 1-D a and side 'left' or 'right', got shape "
                         f"{a.shape} and side={side!r}")
    if sorter is not None:
        a = take(a, _np(sorter, "searchsorted"))
    return _searchsorted(a, _asarray(v), side=side)


# --- selecting --------------------------------------------------------------------------------------------------
def select(condlist: Sequence[ArrayLike], choicelist: Sequence[ArrayLike], default: ArrayLike = 0) -> Any:
    """Elements of ``choicelist[i]`` where ``condlist[i]`` first holds, ``default`` where none does, as
    ``numpy.select``; differentiable in the choices and the default.

    >>> import funcgrad.numpy as fnp
    >>> x = fnp.arange(5.0)
    >>> fnp.select([x < 2, x > 3], [x, x ** 2], default=-1.0)
    array([ 0.,  1., -1., -1., 16.])
    """
    if len(condlist) != len(choicelist) or not condlist:
        raise ValueError(f"funcgrad.numpy.select: {len(condlist)} conditions and {len(choicelist)} choices; give "
                         f"one choice per condition, at least one")
    conds = [_arr(c) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype != bool:
            raise TypeError(f"funcgrad.numpy.select: condlist[{i}] must be boolean, got dtype {c.dtype}")
    weak = (int, float, complex)
    choices = [c if type(c) in weak else _arr(c) for c in list(choicelist) + [default]]
    dt = _onp.result_type(*[c if type(c) in weak else c.dtype for c in choices])
    out = choices[-1]
    for c, ch in zip(conds[::-1], choices[-2::-1]):
        out = where(c, ch, out)
    shape = _onp.broadcast_shapes(*[tuple(c.shape) for c in conds],
                                  *[() if type(c) in weak else tuple(c.shape) for c in choices])
    return _cast(broadcast_to(out, shape), dt)


def piecewise(x: ArrayLike, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    """``funclist[i](x[condlist[i]], *args, **kw)`` (or a constant) where ``condlist[i]`` holds, later conditions
    winning, else 0 (or one more function's values), as ``numpy.piecewise``. Each function sees only its elements
    (under vmap, where the conditions differ per example, all of ``x``).

    >>> import funcgrad.numpy as fnp
    >>> x = fnp.array([-2.0, 0.5, 3.0])
    >>> fnp.piecewise(x, [x < 0, x > 1], [lambda v: -v, lambda v: v ** 2, 7.0])
    array([2., 7., 9.])
    """
    x = _arr(x)
    if _onp.isscalar(condlist) or (type(condlist) is Box and ndim(condlist) == ndim(x)) or (
            ndim(x) != 0 and not isinstance(condlist[0], (list, _onp.ndarray, Box))):
        condlist = [condlist]
    conds = [_cast(_arr(c), bool) for c in condlist]
    if len(conds) == len(funclist) - 1:
        none = conds[0]
        for c in conds[1:]:
            none = none | c
        conds.append(logical_not(none))
    elif len(conds) != len(funclist):
        raise ValueError(f"funcgrad.numpy.piecewise: {len(funclist)} functions for {len(conds)} conditions; give "
                         f"one per condition, or one more for where none holds")
    y = _create(None, None, lambda xp: xp.zeros(tuple(x.shape), x.dtype))
    for c, f in zip(conds, funclist):
        try:
            mask = _onp.broadcast_to(_np(c, "piecewise"), tuple(x.shape))
        except NotImplementedError:  # batched by vmap, so different per example: select from f on all of x
            y = where(c, _cast(_arr(f(x, *args, **kw) if callable(f) else f), x.dtype), y)
            continue
        if not callable(f):
            y = at(y)[mask].set(f)
        elif mask.any():
            y = at(y)[mask].set(f(getitem(x, mask), *args, **kw))
    return y


def choose(a: ArrayLike, choices: Sequence[ArrayLike], out: None = None, mode: str = "raise") -> Any:
    """``choices[a[i]][i]`` at every position ``i`` (all broadcast together; ``mode`` ``"raise"``, ``"wrap"`` or
    ``"clip"`` for indices out of range), as ``numpy.choose``; differentiable in the choices.

    >>> import funcgrad.numpy as fnp
    >>> fnp.choose([0, 1, 1], [fnp.zeros(3), fnp.array([4.0, 5.0, 6.0])])
    array([0., 5., 6.])
    """
    if out is not None:
        raise TypeError("funcgrad.numpy.choose: out= is not supported, funcgrad arrays are immutable; use the "
                        "returned array")
    idx, choices = _ints(_np(a, "choose"), "choose", "a"), [_arr(c) for c in choices]
    n = len(choices)
    if mode == "wrap":
        idx = idx % n
    elif mode == "clip":
        idx = _onp.clip(idx, 0, n - 1)
    elif mode != "raise":
        raise ValueError(f"funcgrad.numpy.choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    elif idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"funcgrad.numpy.choose: a holds indices outside [0, {n}) for {n} choices; use "
                         f"mode='wrap' or 'clip'")
    shape = _onp.broadcast_shapes(idx.shape, *[tuple(c.shape) for c in choices])
    stacked = stack([broadcast_to(c, shape) for c in choices], axis=0)
    return getitem(take_along_axis(stacked, _onp.broadcast_to(idx, shape)[None], axis=0), 0)


# --- products ---------------------------------------------------------------------------------------------------
def kron(a: ArrayLike, b: ArrayLike) -> Any:
    """The Kronecker product: blocks ``a[i, j] * b``, as ``numpy.kron``; differentiable in both.

    >>> import funcgrad.numpy as fnp
    >>> fnp.kron(fnp.array([1.0, 10.0]), fnp.array([1.0, 2.0]))
    array([ 1.,  2., 10., 20.])
    """
    a, b = _arr(a), _arr(b)
    a = reshape(a, (1,) * (ndim(b) - ndim(a)) + tuple(a.shape)) if ndim(a) < ndim(b) else a
    if ndim(a) == 0 or ndim(b) == 0:
        return multiply(a, b)
    bs = (1,) * (ndim(a) - ndim(b)) + tuple(b.shape)
    a2 = reshape(a, tuple(itertools.chain.from_iterable((d, 1) for d in a.shape)))
    b2 = reshape(b, tuple(itertools.chain.from_iterable((1, d) for d in bs)))
    return reshape(multiply(a2, b2), tuple(p * q for p, q in zip(a.shape, bs)))


def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Any:
    """Cross products of (arrays of) 2- or 3-vectors along the given axes, as ``numpy.cross`` (two 2-vectors give
    the z component).

    >>> import funcgrad.numpy as fnp
    >>> fnp.cross(fnp.array([1.0, 0.0, 0.0]), fnp.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    axisa, axisb, axisc = (axisa, axisb, axisc) if axis is None else (axis,) * 3
    a, b = _arr(a), _arr(b)
    a = moveaxis(a, _axis(axisa, ndim(a), "numpy.cross (axisa)"), -1)  # a 0-d array has no axis
    b = moveaxis(b, _axis(axisb, ndim(b), "numpy.cross (axisb)"), -1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"funcgrad.numpy.cross: the vectors must have 2 or 3 components, got {na} and {nb}")
    dt = _onp.promote_types(a.dtype, b.dtype)
    ac = [getitem(_cast(a, dt), (Ellipsis, i)) for i in range(na)] + [0] * (3 - na)
    bc = [getitem(_cast(b, dt), (Ellipsis, i)) for i in range(nb)] + [0] * (3 - nb)
    z = subtract(multiply(ac[0], bc[1]), multiply(ac[1], bc[0]))
    if na == 2 and nb == 2:
        return z
    shape = _onp.broadcast_shapes(tuple(a.shape[:-1]), tuple(b.shape[:-1]))
    cp = stack([broadcast_to(c, shape) for c in (subtract(multiply(ac[1], bc[2]), multiply(ac[2], bc[1])),
                                                 subtract(multiply(ac[2], bc[0]), multiply(ac[0], bc[2])), z)], -1)
    return moveaxis(cp, -1, _axis(axisc, len(shape) + 1, "numpy.cross (axisc)"))
