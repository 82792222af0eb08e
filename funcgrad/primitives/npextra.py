"""The rest of jax.numpy's namespace: set operations, index helpers, functional updates (``put``, ``place``,
``put_along_axis``, ``fill_diagonal``, JAX's ``inplace=False`` form), ``vectorize``, windows, printing and files.

Set operations (and ``trim_zeros``) find their value-dependent structure on plain values, then gather the values
from the input: the values are differentiable (each gets the gradient of the element read: the first occurrence),
the structure is not.
"""
from __future__ import annotations

import collections
import functools
import itertools
import math
import operator
from typing import Any, Callable, Sequence

import numpy as _onp

from ..backend import namespace, to_host
from ..core import Box
from .creation import _create
from .elementwise import astype
from .indexing import getitem, take
from .updates import at
from .manipulation import _arr as _a, _functional, _np, _plain, _slab
from .shape import _axes_tuple, _axis, broadcast_to, concatenate, expand_dims, moveaxis, ndim, reshape, stack

__all__ = ["unique", "unique_all", "unique_counts", "unique_inverse", "unique_values", "union1d", "intersect1d",
           "setdiff1d", "setxor1d", "isin", "trim_zeros", "lexsort", "ix_", "ravel_multi_index", "unravel_index",
           "diag_indices", "diag_indices_from", "tril_indices", "tril_indices_from", "triu_indices",
           "triu_indices_from", "mask_indices", "tri", "indices", "fromfunction", "put", "place", "put_along_axis",
           "fill_diagonal", "apply_along_axis", "apply_over_axes", "vectorize", "frompyfunc", "bartlett", "blackman",
           "hamming", "hanning", "kaiser", "einsum_path", "broadcast_shapes", "packbits", "unpackbits", "isdtype",
           "iterable", "array_repr", "array_str", "get_printoptions", "set_printoptions", "printoptions", "save",
           "savez", "load", "frombuffer", "fromfile", "fromstring", "fromiter", "from_dlpack"]
ArrayLike = Any


def _flat(x):
    return reshape(_a(x), (-1,))


def _host(x, name):
    """The plain host value of ``x`` for NumPy's own functions (lists and other objects stay as they are)."""
    x = _plain(x, name)
    return x if not hasattr(x, "shape") or isinstance(x, (type, _onp.ndarray, _onp.generic)) else to_host(x)


def _doc(summary: str, call: str, result: str) -> str:
    return f"{summary}\n\n    >>> import io, numpy as np, funcgrad.numpy as fnp\n    >>> {call}\n    {result}\n    "


def _numpy(name: str, summary: str, call: str, result: str) -> Callable:
    """NumPy's ``name`` on plain host values, for what has nothing to differentiate; it shows NumPy's signature."""
    fn = getattr(_onp, name)

    def f(*args: Any, **kwargs: Any) -> Any:
        return fn(*[_host(a, name) for a in args], **{k: _host(v, name) for k, v in kwargs.items()})

    f.__name__ = f.__qualname__ = name
    f.__doc__ = _doc(f"{summary}, as ``numpy.{name}`` (plain values: no gradient).", call, result)
    return f


# --- sets -------------------------------------------------------------------------------------------------------
def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False,
           axis: int | None = None, *, equal_nan: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    """The sorted unique elements (or slices along ``axis``) of ``ar``, with first indices, inverse and counts on
    request, as ``numpy.unique``; the values are differentiable, the set structure is not.

    >>> import funcgrad.numpy as fnp
    >>> fnp.unique(fnp.array([3.0, 1.0, 3.0]), return_counts=True)
    (array([1., 3.]), array([1, 2]))
    """
    ar = _a(ar)
    res = _onp.unique(_np(ar, "unique"), return_index=True, return_inverse=return_inverse,
                      return_counts=return_counts, axis=axis, equal_nan=equal_nan, sorted=sorted)
    vals = take(reshape(ar, (-1,)), res[1]) if axis is None else take(ar, res[1], axis=axis)
    out = (vals,) + ((res[1],) if return_index else ()) + tuple(res[2:])
    return out[0] if len(out) == 1 else out


UniqueAllResult = collections.namedtuple("UniqueAllResult", "values indices inverse_indices counts")
UniqueCountsResult = collections.namedtuple("UniqueCountsResult", "values counts")
UniqueInverseResult = collections.namedtuple("UniqueInverseResult", "values inverse_indices")


def _unique_api(name: str, kind: Any, what: str, call: str, result: str) -> Callable:
    def f(x: ArrayLike, /) -> Any:
        x = _a(x)
        _, idx, inv, cnt = _onp.unique(_np(x, name), return_index=True, return_inverse=True, return_counts=True,
                                       equal_nan=False)
        r = UniqueAllResult(take(reshape(x, (-1,)), idx), idx, inv.reshape(tuple(x.shape)), cnt)
        return r.values if kind is None else kind(*[getattr(r, k) for k in kind._fields])

    f.__name__ = f.__qualname__ = name
    f.__doc__ = _doc(f"The sorted unique values of ``x`` (NaNs distinct){what}, as ``numpy.{name}``; the values "
                     f"are differentiable, the structure is not.", call, result)
    return f


unique_all = _unique_api("unique_all", UniqueAllResult, ", first and inverse indices and counts",
                         "fnp.unique_all(fnp.array([2.0, 1.0, 2.0])).inverse_indices", "array([1, 0, 1])")
unique_counts = _unique_api("unique_counts", UniqueCountsResult, " and their counts",
                            "fnp.unique_counts(fnp.array([2.0, 1.0, 2.0])).counts", "array([1, 2])")
unique_inverse = _unique_api("unique_inverse", UniqueInverseResult, " and the inverse indices rebuilding ``x``",
                             "fnp.unique_inverse(fnp.array([2.0, 1.0, 2.0])).values", "array([1., 2.])")
unique_values = _unique_api("unique_values", None, "", "fnp.unique_values(fnp.array([2.0, 1.0, 2.0]))",
                            "array([1., 2.])")


def union1d(ar1: ArrayLike, ar2: ArrayLike) -> Any:
    """The sorted unique elements of both (flattened) arrays, as ``numpy.union1d``; values differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.union1d(fnp.array([3.0, 1.0]), fnp.array([1.0, 2.0]))
    array([1., 2., 3.])
    """
    return unique(concatenate([_flat(ar1), _flat(ar2)]))


def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, return_indices: bool = False) -> Any:
    """The sorted unique elements in both arrays (and their indices in each), as ``numpy.intersect1d``; the
    values, read from ``ar1``, are differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.intersect1d(fnp.array([3.0, 1.0, 2.0]), [2.0, 3.0, 5.0])
    array([2., 3.])
    """
    a1 = _flat(ar1)
    _, i1, i2 = _onp.intersect1d(_np(a1, "intersect1d"), _np(_flat(ar2), "intersect1d"), assume_unique, True)
    return (take(a1, i1), i1, i2) if return_indices else take(a1, i1)


def setdiff1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False) -> Any:
    """The unique elements of ``ar1`` not in ``ar2`` (sorted unless ``assume_unique``), as ``numpy.setdiff1d``;
    values differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.setdiff1d(fnp.array([3.0, 1.0, 2.0, 1.0]), [2.0])
    array([1., 3.])
    """
    a1 = _flat(ar1)
    p1, p2 = _np(a1, "setdiff1d"), _np(_flat(ar2), "setdiff1d")
    idx = _onp.arange(p1.size) if assume_unique else _onp.unique(p1, return_index=True)[1]
    return take(a1, idx[~_onp.isin(p1[idx], p2)])


def setxor1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False) -> Any:
    """The sorted unique elements in exactly one of the arrays, as ``numpy.setxor1d``; values differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.setxor1d(fnp.array([1.0, 2.0, 3.0]), [2.0, 4.0])
    array([1., 3., 4.])
    """
    a1, a2 = _flat(ar1), _flat(ar2)
    p1, p2 = _np(a1, "setxor1d"), _np(a2, "setxor1d")
    i1, i2 = ((_onp.arange(p.size) if assume_unique else _onp.unique(p, return_index=True)[1]) for p in (p1, p2))
    idx = _onp.concatenate([i1, i2 + p1.size])[_onp.argsort(_onp.concatenate([p1[i1], p2[i2]]), kind="stable")]
    aux = _onp.concatenate([p1, p2])[idx]
    flag = _onp.concatenate(([True], aux[1:] != aux[:-1], [True]))
    return take(concatenate([a1, a2]), idx[flag[1:] & flag[:-1]])


def isin(element: ArrayLike, test_elements: ArrayLike, assume_unique: bool = False, invert: bool = False, *,
         kind: str | None = None) -> Any:
    """Whether each element of ``element`` is in ``test_elements``, as ``numpy.isin`` (no gradient).

    >>> import funcgrad.numpy as fnp
    >>> fnp.isin(fnp.array([1.0, 2.0, 3.0]), [2.0, 5.0])
    array([False,  True, False])
    """
    return _onp.isin(_np(element, "isin"), _np(test_elements, "isin"), assume_unique, invert, kind=kind)


def trim_zeros(filt: ArrayLike, trim: str = "fb", axis: int | Sequence[int] | None = None) -> Any:
    """``filt`` without leading (``"f"``) and/or trailing (``"b"``) zeros along ``axis`` (all when None), as
    ``numpy.trim_zeros``; the kept values are differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.trim_zeros(fnp.array([0.0, 1.0, 2.0, 0.0]), "b")
    array([0., 1., 2.])
    """
    f, trim = _a(filt), trim.lower()
    if trim not in ("fb", "bf", "f", "b"):
        raise ValueError(f"funcgrad.numpy.trim_zeros: trim must be 'f', 'b' or 'fb', got {trim!r}")
    axes = _axes_tuple(tuple(axis) if isinstance(axis, list) else axis, ndim(f), "numpy.trim_zeros")
    nz, nd = _onp.argwhere(_np(f, "trim_zeros")), ndim(f)
    lo = [0] * nd if not nz.size else nz.min(axis=0) if "f" in trim else [None] * nd
    hi = [0] * nd if not nz.size else nz.max(axis=0) + 1 if "b" in trim else [None] * nd
    return getitem(f, tuple(slice(*(None if v[d] is None else int(v[d]) for v in (lo, hi))) if d in axes else
                            slice(None) for d in range(nd)))


def lexsort(keys: Any, axis: int = -1) -> Any:
    """Indices that sort by several keys, the last key primary, as ``numpy.lexsort`` (no gradient).

    >>> import funcgrad.numpy as fnp
    >>> fnp.lexsort(([1.0, 0.0, 2.0], [1.0, 1.0, 0.0]))
    array([2, 1, 0])
    """
    k = _plain(keys, "lexsort")
    return namespace(k).lexsort(k if hasattr(k, "shape") else tuple(_onp.asarray(e) for e in k), axis=axis)


# --- index helpers ----------------------------------------------------------------------------------------------
def ix_(*args: ArrayLike) -> tuple:
    """Open-mesh index arrays from 1-D sequences (booleans: their true positions), as ``numpy.ix_``.

    >>> import funcgrad.numpy as fnp
    >>> [i.shape for i in fnp.ix_([0, 1], [2, 0, 1])]
    [(2, 1), (1, 3)]
    """
    out = []
    for k, a in enumerate(args):
        a = _a(a)
        if ndim(a) != 1:
            raise ValueError(f"funcgrad.numpy.ix_: every argument must be 1-D, argument {k} has shape {a.shape}")
        a = _onp.flatnonzero(_np(a, "ix_")) if a.dtype == bool else a if a.shape[0] else _onp.zeros(0, _onp.intp)
        out.append(reshape(a, (1,) * k + (a.shape[0],) + (1,) * (len(args) - k - 1)))
    return tuple(out)


def diag_indices(n: int, ndim: int = 2) -> tuple:  # noqa: F811 (NumPy's parameter name)
    """Indices of the main diagonal of an ``n`` x ... x ``n`` array of ``ndim`` axes, as ``numpy.diag_indices``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.diag_indices(2)
    (array([0, 1]), array([0, 1]))
    """
    return (_create(None, None, lambda xp: xp.arange(n)),) * ndim


def _square(arr, name):
    a = _a(arr)
    if ndim(a) < 2 or len(set(a.shape)) != 1:
        raise ValueError(f"funcgrad.numpy.{name}: needs an array of at least 2 dimensions, all of one length, got "
                         f"shape {tuple(a.shape)}")
    return a


def diag_indices_from(arr: ArrayLike) -> tuple:
    """:func:`diag_indices` for the shape of ``arr`` (axes all of one length), as ``numpy.diag_indices_from``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.diag_indices_from(fnp.zeros((2, 2)))
    (array([0, 1]), array([0, 1]))
    """
    a = _square(arr, "diag_indices_from")
    return diag_indices(a.shape[0], len(a.shape))


def _triangle_indices(name: str, example: str) -> tuple:
    def f(n: int, k: int = 0, m: int | None = None) -> tuple:
        return _create(None, None, lambda xp: getattr(xp, name)(n, k, m))

    def f_from(arr: ArrayLike, k: int = 0) -> tuple:
        a = _a(arr)
        if ndim(a) != 2:
            raise ValueError(f"funcgrad.numpy.{name}_from: needs a 2-D array, got shape {tuple(a.shape)}")
        return f(a.shape[0], k, a.shape[1])

    f.__name__ = f.__qualname__ = name
    f_from.__name__ = f_from.__qualname__ = name + "_from"
    f.__doc__ = _doc(f"Row and column indices of the {'lower' if 'l' in name[:4] else 'upper'} triangle (from the "
                     f"``k``-th diagonal) of an ``n`` x ``m`` array, as ``numpy.{name}``.", f"fnp.{name}(2)", example)
    f_from.__doc__ = _doc(f":func:`{name}` for the shape of the 2-D ``arr``, as ``numpy.{name}_from``.",
                          f"fnp.{name}_from(fnp.zeros((2, 2)))", example)
    return f, f_from


tril_indices, tril_indices_from = _triangle_indices("tril_indices", "(array([0, 1, 1]), array([0, 0, 1]))")
triu_indices, triu_indices_from = _triangle_indices("triu_indices", "(array([0, 0, 1]), array([0, 1, 1]))")


def mask_indices(n: int, mask_func: Callable, k: int = 0) -> tuple:
    """Indices where ``mask_func(ones((n, n)), k)`` is nonzero, as ``numpy.mask_indices``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.mask_indices(2, fnp.triu)
    (array([0, 0, 1]), array([0, 1, 1]))
    """
    m = _np(mask_func(_create(None, None, lambda xp: xp.ones((n, n), int)), k), "mask_indices")
    return namespace(m).nonzero(m != 0)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = float, *, like: Any = None) -> Any:
    """An ``N`` x ``M`` array with ones at and below the ``k``-th diagonal, as ``numpy.tri``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.tri(2, 3, dtype=int).tolist()
    [[1, 0, 0], [1, 1, 0]]
    """
    return _create(None, like, lambda xp: xp.tri(N, M, k, dtype=dtype))


def indices(dimensions: Sequence[int], dtype: Any = int, sparse: bool = False) -> Any:
    """The index grid of an array of shape ``dimensions`` (one array per axis), as ``numpy.indices``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.indices((2, 2))[1].tolist()
    [[0, 1], [0, 1]]
    """
    return _create(None, None, lambda xp: xp.indices(tuple(dimensions), dtype=dtype, sparse=sparse))


def fromfunction(function: Callable, shape: Sequence[int], *, dtype: Any = float, like: Any = None,
                 **kwargs: Any) -> Any:
    """``function`` called with the index grid of ``shape`` (one array per axis), as ``numpy.fromfunction``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fromfunction(lambda i, j: i + 10 * j, (2, 2)).tolist()
    [[0.0, 10.0], [1.0, 11.0]]
    """
    return function(*indices(shape, dtype=dtype), **kwargs)


# --- functional updates (JAX's form: a new array, the input untouched) ------------------------------------------
def _set_flat(a, pos, v, name: str):
    """``a`` with its flat positions ``pos`` set to ``v``, repeated or cut to fit (NumPy's flat assignment)."""
    if not pos.size:
        return a
    v = _flat(v)
    if v.shape[0] == 0:
        raise ValueError(f"funcgrad.numpy.{name}: no values to write at {pos.size} positions")
    v = v if v.shape[0] == pos.size else take(v, _onp.arange(pos.size) % v.shape[0])
    return reshape(at(reshape(a, (-1,)))[pos].set(v), tuple(a.shape))


def _modal(ind, n: int, mode, name: str):
    if mode in ("wrap", "clip"):
        return ind % max(n, 1) if mode == "wrap" else _onp.clip(ind, 0, max(n - 1, 0))
    if mode not in (None, "raise"):
        raise ValueError(f"funcgrad.numpy.{name}: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    if ind.size and (ind.min() < -n or ind.max() >= n):
        raise IndexError(f"funcgrad.numpy.{name}: an index is out of bounds for size {n}; use mode='wrap' or 'clip'")
    return ind


def put(a: ArrayLike, ind: ArrayLike, v: ArrayLike, mode: str | None = None, *, inplace: bool = True) -> Any:
    """A copy of ``a`` with the flat positions ``ind`` set to ``v`` (repeated as needed; the last write wins), as
    ``jax.numpy.put`` with ``inplace=False``; differentiable in ``a`` and ``v``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.put(fnp.zeros(4), [0, 3], [1.0, 2.0], inplace=False)
    array([1., 0., 0., 2.])
    """
    _functional("put", inplace)
    a = _a(a)
    return _set_flat(a, _modal(_np(ind, "put").astype(_onp.intp).ravel(), math.prod(a.shape), mode, "put"), v, "put")


def place(arr: ArrayLike, mask: ArrayLike, vals: ArrayLike, *, inplace: bool = True) -> Any:
    """A copy of ``arr`` with the positions where ``mask`` holds set to ``vals`` in order (repeated as needed), as
    ``jax.numpy.place`` with ``inplace=False``; differentiable in ``arr`` and ``vals``.

    >>> import funcgrad.numpy as fnp
    >>> x = fnp.arange(4.0)
    >>> fnp.place(x, x > 1, [9.0], inplace=False)
    array([0., 1., 9., 9.])
    """
    _functional("place", inplace)
    arr, m = _a(arr), _np(mask, "place").ravel()
    if m.size != math.prod(arr.shape):
        raise ValueError(f"funcgrad.numpy.place: mask of {m.size} elements for an array of shape {tuple(arr.shape)}")
    return _set_flat(arr, _onp.flatnonzero(m), vals, "place")


def put_along_axis(arr: ArrayLike, indices: ArrayLike, values: ArrayLike, axis: int | None,
                   mode: str | None = None, *, inplace: bool = True) -> Any:  # noqa: F811
    """A copy of ``arr`` with ``values`` written where ``take_along_axis`` would read ``indices``, as
    ``jax.numpy.put_along_axis`` with ``inplace=False``; differentiable in ``arr`` and ``values``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.put_along_axis(fnp.zeros((2, 2)), np.array([[1], [0]]), 5.0, axis=1, inplace=False).tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    _functional("put_along_axis", inplace)
    arr, ind = _a(arr), _np(indices, "put_along_axis")
    if axis is None:
        return reshape(put_along_axis(_flat(arr), ind.ravel(), _flat(values), 0, mode, inplace=False), arr.shape)
    nd = ndim(arr)
    axis = _axis(axis, nd, "numpy.put_along_axis")
    if ind.ndim != nd or ind.dtype.kind not in "iu":
        raise ValueError(f"funcgrad.numpy.put_along_axis: indices must be integers with as many dimensions as the "
                         f"array (shape {tuple(arr.shape)}), got shape {ind.shape} of dtype {ind.dtype}")
    ind = _modal(ind, arr.shape[axis], mode, "put_along_axis")
    idx = tuple(ind if d == axis else _onp.arange(arr.shape[d]).reshape(_slab((1,) * nd, d, -1)) for d in range(nd))
    return at(arr)[idx].set(values)


def fill_diagonal(a: ArrayLike, val: ArrayLike, wrap: bool = False, *, inplace: bool = True) -> Any:
    """A copy of ``a`` with its main diagonal set to ``val`` (repeated as needed; ``wrap`` goes on below a tall
    matrix's first square), as ``jax.numpy.fill_diagonal`` with ``inplace=False``; differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fill_diagonal(fnp.zeros((2, 2)), 7.0, inplace=False).tolist()
    [[7.0, 0.0], [0.0, 7.0]]
    """
    _functional("fill_diagonal", inplace)
    a = _a(a)
    shp = tuple(a.shape)
    if len(shp) < 2:
        raise ValueError(f"funcgrad.numpy.fill_diagonal: needs an array of at least 2 dimensions, got shape {shp}")
    if len(shp) == 2:
        step, end = shp[1] + 1, None if wrap else shp[1] * shp[1]
    else:
        step, end = 1 + sum(itertools.accumulate(_square(a, "fill_diagonal").shape[:-1], operator.mul)), None
    return _set_flat(a, _onp.arange(math.prod(shp))[:end:step], val, "fill_diagonal")


# --- mapping functions over arrays ------------------------------------------------------------------------------
def apply_along_axis(func1d: Callable, axis: int, arr: ArrayLike, *args: Any, **kwargs: Any) -> Any:
    """``func1d`` applied to every 1-D slice of ``arr`` along ``axis``, the results stacked in place of that axis,
    as ``numpy.apply_along_axis``; differentiable when ``func1d`` is.

    >>> import funcgrad.numpy as fnp
    >>> fnp.apply_along_axis(lambda v: v[0] + v[-1], 1, fnp.array([[1.0, 2.0], [3.0, 4.0]]))
    array([3., 7.])
    """
    arr = _a(arr)
    axis = _axis(axis, ndim(arr), "numpy.apply_along_axis")
    moved = moveaxis(arr, axis, -1)
    loop = tuple(moved.shape[:-1])
    if 0 in loop:
        raise ValueError(f"funcgrad.numpy.apply_along_axis: no slices along axis {axis} of shape {arr.shape}")
    outs = [_a(func1d(getitem(moved, i), *args, **kwargs)) for i in _onp.ndindex(*loop)]
    res, k = reshape(stack(outs), loop + tuple(outs[0].shape)), ndim(outs[0])
    return moveaxis(res, list(range(len(loop), len(loop) + k)), list(range(axis, axis + k))) if k else res


def apply_over_axes(func: Callable, a: ArrayLike, axes: int | Sequence[int]) -> Any:
    """``func(a, axis)`` for each of ``axes`` in turn, a reduced axis kept with length one, as
    ``numpy.apply_over_axes``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.apply_over_axes(fnp.sum, fnp.ones((2, 3, 4)), [0, 2]).shape
    (1, 3, 1)
    """
    val = _a(a)
    for axis in ((axes,) if isinstance(axes, int) else axes):
        axis = axis + ndim(val) if axis < 0 else axis
        res = _a(func(val, axis))
        res = res if ndim(res) == ndim(val) else expand_dims(res, axis)
        if ndim(res) != ndim(val):
            raise ValueError(f"funcgrad.numpy.apply_over_axes: func returned shape {res.shape} for an array of "
                             f"{ndim(val)} dimensions; it must keep or drop exactly the axis it is given")
        val = res
    return val


def _core_dims(signature: str) -> tuple:
    sides = signature.replace(" ", "").split("->")
    if len(sides) != 2 or not all(s.startswith("(") and s.endswith(")") for s in sides):
        raise ValueError(f"funcgrad.numpy.vectorize: not a gufunc signature: {signature!r} (e.g. '(n),(n)->()')")
    return tuple([tuple(d for d in g.split(",") if d) for g in s[1:-1].split("),(")] for s in sides)


def vectorize(pyfunc: Callable | None = None, otypes: Any = None, doc: str | None = None, excluded: Any = None,
              cache: bool = False, signature: str | None = None) -> Callable:
    """``pyfunc`` mapped over broadcast arrays element by element (or over the loop axes of a gufunc
    ``signature`` such as ``"(n),(n)->()"``), as ``numpy.vectorize``: a Python loop, its results stacked, so
    gradients flow where ``pyfunc``'s do. ``excluded`` arguments (positions or names) pass through.

    >>> import funcgrad.numpy as fnp
    >>> fnp.vectorize(lambda a, b: a if a > b else b)(fnp.array([1.0, 5.0]), 3.0)
    array([3., 5.])
    """
    if pyfunc is None:
        return lambda f: vectorize(f, otypes, doc, excluded, cache, signature)
    excluded, cores = set(excluded or ()), _core_dims(signature) if signature else None

    @functools.wraps(pyfunc)
    def call(*args: Any, **kwargs: Any) -> Any:
        keys = [i for i in range(len(args)) if i not in excluded] + [k for k in kwargs if k not in excluded]
        arrs = [_a(args[k] if isinstance(k, int) else kwargs[k]) for k in keys]
        ins = cores[0] if cores else [()] * len(arrs)
        if len(ins) != len(arrs):
            raise TypeError(f"funcgrad.numpy.vectorize: the signature {signature!r} takes {len(ins)} arrays, got "
                            f"{len(arrs)}")
        loops = [tuple(x.shape[:ndim(x) - len(c)]) for x, c in zip(arrs, ins)]
        loop = _onp.broadcast_shapes(*loops)
        arrs = [broadcast_to(x, loop + tuple(x.shape[len(lp):])) for x, lp in zip(arrs, loops)]
        if math.prod(loop) == 0:
            raise ValueError("funcgrad.numpy.vectorize: cannot call a vectorized function on inputs of size 0")
        results = []
        for i in _onp.ndindex(*loop):
            a, kw = list(args), dict(kwargs)
            for k, x in zip(keys, arrs):
                (a if isinstance(k, int) else kw)[k] = getitem(x, i) if i else x
            results.append(pyfunc(*a, **kw))
        multi = isinstance(results[0], tuple)
        outs = [reshape(stack([_a(r) for r in col]), loop + tuple(_a(col[0]).shape))
                for col in (zip(*results) if multi else [results])]
        outs = [astype(o, t) for o, t in zip(outs, otypes)] if otypes else outs
        return tuple(outs) if multi else outs[0]

    call.__doc__ = call.__doc__ if doc is None else doc
    return call


def frompyfunc(func: Callable, /, nin: int, nout: int, *, identity: Any = None) -> Callable:
    """A ufunc-like wrapper of ``func`` (``nin`` inputs, ``nout`` outputs) over broadcast arrays, as
    ``numpy.frompyfunc``, its results arrays of the values' own dtype rather than of objects (as in JAX).

    >>> import funcgrad.numpy as fnp
    >>> fnp.frompyfunc(lambda a, b: a * b, 2, 1)(fnp.array([1.0, 2.0]), 3.0)
    array([3., 6.])
    """
    vec = vectorize(func)

    def ufunc(*args: Any) -> Any:
        if len(args) != nin:
            raise TypeError(f"funcgrad.numpy.frompyfunc: the function takes {nin} arguments, got {len(args)}")
        return vec(*args)

    ufunc.nin, ufunc.nout, ufunc.identity, ufunc.__name__ = nin, nout, identity, getattr(func, "__name__", "ufunc")
    return ufunc


# --- plain values: index arithmetic, bits, windows, dtypes, printing, files -------------------------------------
ravel_multi_index = _numpy("ravel_multi_index", "Flat indices of multi-indices into an array of shape ``dims``",
                           "fnp.ravel_multi_index(([0, 1], [2, 0]), (2, 3))", "array([2, 3])")
unravel_index = _numpy("unravel_index", "Multi-indices of flat indices into an array of ``shape``",
                       "fnp.unravel_index(5, (2, 3))", "(np.int64(1), np.int64(2))")
broadcast_shapes = _numpy("broadcast_shapes", "The shape that arrays of the given shapes broadcast to",
                          "fnp.broadcast_shapes((2, 1), (3,))", "(2, 3)")
packbits = _numpy("packbits", "Booleans packed into the bits of ``uint8`` values",
                  "fnp.packbits([1, 0, 1])", "array([160], dtype=uint8)")
unpackbits = _numpy("unpackbits", "The bits of ``uint8`` values as 0s and 1s",
                    "fnp.unpackbits(np.array([160], dtype=np.uint8), count=3)", "array([1, 0, 1], dtype=uint8)")
bartlett = _numpy("bartlett", "The Bartlett window", "fnp.bartlett(3)", "array([0., 1., 0.])")
blackman = _numpy("blackman", "The Blackman window", "fnp.blackman(3).round(6)", "array([-0.,  1., -0.])")
hamming = _numpy("hamming", "The Hamming window", "fnp.hamming(3)", "array([0.08, 1.  , 0.08])")
hanning = _numpy("hanning", "The Hann window", "fnp.hanning(3)", "array([0., 1., 0.])")
kaiser = _numpy("kaiser", "The Kaiser window", "fnp.kaiser(3, 0.0)", "array([1., 1., 1.])")
isdtype = _numpy("isdtype", "Whether a dtype is of a kind", "fnp.isdtype(np.float32, 'real floating')", "True")
array_repr = _numpy("array_repr", "The repr of an array's value", "fnp.array_repr(fnp.ones(2))", "'array([1., 1.])'")
array_str = _numpy("array_str", "The str of an array's value", "fnp.array_str(fnp.ones(2))", "'[1. 1.]'")
get_printoptions = _numpy("get_printoptions", "NumPy's print options", "fnp.get_printoptions()['precision']", "8")
set_printoptions = _numpy("set_printoptions", "Sets NumPy's print options", "fnp.set_printoptions(precision=8)", "")
printoptions = _numpy("printoptions", "Print options for a with block",
                      "with fnp.printoptions(precision=2): print(fnp.array([1 / 3]))", "[0.33]")
save = _numpy("save", "An array's value to a .npy file",
              "f = io.BytesIO(); fnp.save(f, fnp.ones(2)); _ = f.seek(0); fnp.load(f)", "array([1., 1.])")
savez = _numpy("savez", "Arrays' values to a .npz file",
               "f = io.BytesIO(); fnp.savez(f, a=fnp.ones(1)); _ = f.seek(0); fnp.load(f)['a']", "array([1.])")
load = _numpy("load", "Arrays from .npy or .npz files",
              "f = io.BytesIO(); fnp.save(f, fnp.zeros(1)); _ = f.seek(0); fnp.load(f)", "array([0.])")
frombuffer = _numpy("frombuffer", "A 1-D array over a buffer",
                    "fnp.frombuffer(bytes([1, 2]), dtype=np.uint8)", "array([1, 2], dtype=uint8)")
fromfile = _numpy("fromfile", "An array from a binary or text file", "fnp.fromfile('/dev/null').size", "0")
fromstring = _numpy("fromstring", "A 1-D array from text", "fnp.fromstring('1 2', sep=' ')", "array([1., 2.])")
from_dlpack = _numpy("from_dlpack", "An array from a DLPack-exporting object",
                     "fnp.from_dlpack(np.ones(2))", "array([1., 1.])")


def einsum_path(subscripts: Any, *operands: Any, optimize: Any = "greedy", einsum_call: bool = False) -> Any:
    """The contraction order ``einsum`` would use and its cost report, as ``numpy.einsum_path`` (only the
    operands' shapes are read).

    >>> import funcgrad.numpy as fnp
    >>> fnp.einsum_path("ij,jk,kl->il", fnp.ones((2, 3)), fnp.ones((3, 4)), fnp.ones((4, 5)))[0]
    ['einsum_path', (1, 2), (0, 1)]
    """
    def stand_in(o):  # a zero-stride view: the shape without the memory
        o = _a(o) if isinstance(subscripts, str) or type(o) is Box or hasattr(o, "shape") else o
        return _onp.broadcast_to(_onp.zeros((), o.dtype), tuple(o.shape)) if hasattr(o, "shape") else o

    return _onp.einsum_path(subscripts if isinstance(subscripts, str) else stand_in(subscripts),
                            *[stand_in(o) for o in operands], optimize=optimize, einsum_call=einsum_call)


def iterable(y: Any) -> bool:
    """Whether ``y`` can be iterated over (a 0-d array cannot), as ``numpy.iterable``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.iterable(fnp.ones(2)), fnp.iterable(1.0)
    (True, False)
    """
    return ndim(y) > 0 if type(y) is Box else bool(_onp.iterable(y))


def fromiter(iter: Any, dtype: Any, count: int = -1, *, like: Any = None) -> Any:  # noqa: A002
    """A 1-D array of an iterable's (first ``count``) items, as ``numpy.fromiter``; traced items give a traced
    array.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fromiter((i * i for i in range(3)), float)
    array([0., 1., 4.])
    """
    items = list(iter if count < 0 else itertools.islice(iter, count))
    if 0 <= count != len(items):
        raise ValueError(f"funcgrad.numpy.fromiter: the iterable has {len(items)} items, fewer than count={count}")
    if any(type(i) is Box for i in items):
        return astype(stack([_a(i) for i in items]), dtype)
    return _create(None, like, lambda xp: xp.asarray(_onp.fromiter(items, dtype, len(items))))
