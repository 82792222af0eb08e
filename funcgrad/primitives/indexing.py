"""Indexing: ``x[idx]``, ``take``, ``take_along_axis``, sorting and ``nonzero`` (the functional updates, ``.at``,
are in :mod:`funcgrad.primitives.updates`).

Every index is a static parameter: it is never differentiated, and traced parts of it (an index array computed from
traced values) are unwrapped. Under jit, whose traced values have no concrete value to unwrap, and under vmap, whose
batched values differ from one example to the next, a traced integer (or integer array) in an index becomes an
operand of :data:`~funcgrad.primitives.gather.gather` instead (the index helpers shared with it live there too).
These facts drive the rules:

* ``getitem`` is linear in ``x``; its transpose is :data:`scatter_add`, which adds each cotangent element into a
  zero array at the position it was read from. An element selected twice gets twice the gradient, because the
  scatter *adds* (``add.at``) instead of assigning. ``scatter_add``'s own transpose is ``getitem`` again, so the pair
  differentiates to any order.
* in forward mode ``getitem`` and ``scatter_add`` are linear, so their JVP is the same operation on the tangents.
* ``take``, ``take_along_axis``, ``sort``, ``compress`` and ``extract`` are compositions of ``getitem`` with
  static index arrays, so they need no rules of their own.
* under vmap the static index is the same for every example: the batched call puts it behind a full slice (and
  moves the batch axis back where NumPy's advanced indexing would put it first). An integer index computed from
  batched values differs per example: it is a ``gather`` operand, whose batching rule gathers per example. A
  batched boolean mask (its selection's length varies per example), slice bound or list entry cannot be: it is
  refused with an error, never misused.
"""
from __future__ import annotations

import math
import operator
from typing import Any

import numpy as _onp

from ..backend import dtype_of, namespace, shape_of, to_host
from ..core import Box, Primitive, getval
from ..core.batching import loop_rule
from ..core.primitive import _WRAPPERS, nondifferentiable
from .elementwise import maximum, minimum, remainder
from .gather import (Dynamic, _batched_layout, _batched_value, _has_int_array, _index_error, _move_perm,
                     _ufunc_at, batched_index_error, dynamic_index)
from .shape import _asarray, _reshape, _transpose

__all__ = ["getitem", "take", "take_along_axis", "sort", "argsort", "nonzero", "argwhere", "flatnonzero",
           "compress", "extract"]
LINALG: list = []

ArrayLike = Any


# --- index normalization (static data, never differentiated) --------------------------------------------------
class _Operand:
    """A traced integer index array under jit: it goes to ``gather`` as an operand (see :func:`_index_value`)."""

    __slots__ = ("box",)

    def __init__(self, box: Box):
        self.box = box


def _index_value(i: Any, op: str = "getitem", operand: bool = False) -> Any:
    """The plain value of a traced index. Under jit a traced value has no concrete value (baking the recorded one
    in would be wrong for the next call), and under vmap it differs from one example to the next (unwrapping it
    would index every example with the whole batch's indices). With ``operand`` an integer array (or integer)
    traced by either becomes an :class:`_Operand`, which the caller passes to ``gather``; anything else that needs
    its value is refused."""
    box = i
    while type(i) is Box:
        if i._trace.recording or i._trace.batching:
            if operand and box.dtype.kind in "iu":
                return _Operand(box)
            if i._trace.recording:
                raise i._trace.conversion_error(f"funcgrad.{op}: using it as an index", i)
            raise batched_index_error(op, i._trace.transform, box)
        i = i.value
    return i


def _recorded(i: Any) -> bool:
    """True when ``i`` is traced by jit's recorder or batched by vmap (at any level): its values are unknown while
    recording or differ per example, so it must reach ``gather`` as an operand."""
    while type(i) is Box:
        if i._trace.recording or i._trace.batching:
            return True
        i = i.value
    return False


def _plain_slice(i: slice) -> bool:
    return type(i.start) is not Box and type(i.stop) is not Box and type(i.step) is not Box


def _static_item(i: Any, x: Any) -> Any:
    """One component of an index with traced parts unwrapped; sequences become index arrays, as NumPy makes them."""
    t = type(i)
    if t is int or i is None or i is Ellipsis or (t is slice and _plain_slice(i)):
        return i
    if t is Box:
        return _index_value(i, operand=True)
    if t in _WRAPPERS:  # a Tensor as an index: its (untraced) values
        return _static_item(_WRAPPERS[t][0](i), x)
    if t is slice:
        return slice(_index_value(i.start), _index_value(i.stop), _index_value(i.step))
    if t is list or t is tuple:
        xp = namespace(getval(x))
        vals = _unwrap_nested(i)
        if len(vals) == 0:
            return xp.zeros(0, dtype=_onp.intp)  # NumPy reads an empty list as an empty integer index
        return xp.asarray(vals)
    return i


def _unwrap_nested(seq):
    return [_unwrap_nested(e) if type(e) is list or type(e) is tuple else _index_value(e) for e in seq]


_SIMPLE = {int, bool, type(None), type(Ellipsis), _onp.ndarray, _onp.int64, _onp.int32, _onp.intp, _onp.bool_}


def _static_index(idx: Any, x: Any) -> Any:
    """The whole index (for array ``x``): a tuple indexes several axes, anything else is one component."""
    t = type(idx)
    if t is int or t is _onp.ndarray:
        return idx
    if t is slice:
        return idx if _plain_slice(idx) else _static_item(idx, x)
    if t is tuple:
        for i in idx:  # the common case: nothing to convert, keep the user's tuple
            ti = type(i)
            if not (ti in _SIMPLE or (ti is slice and _plain_slice(i))):
                return dynamic_index(tuple([_static_item(i, x) for i in idx]), _Operand)
        return idx
    return dynamic_index(_static_item(idx, x), _Operand)


def _index_namespace(idx: Any):
    """Where to work out which positions an index reaches: NumPy for host indices (lists, NumPy arrays), so that
    no device result is read back on the host; the index arrays' own library when they live on a device (then a
    synchronization is inherent, as in CuPy's own boolean masking)."""
    for i in (idx if type(idx) is tuple else (idx,)):
        if getattr(i, "ndim", 0) > 0 and namespace(i) is not _onp:
            return namespace(i)
    return _onp


def _positions(xp, shape: tuple, idx: Any):
    """Flat positions in an array of ``shape`` that ``idx`` selects, shaped like the selection."""
    return xp.reshape(xp.arange(math.prod(shape), dtype=_onp.intp), shape)[idx]


def _last_write_mask(xp, shape: tuple, idx: Any):
    """Which selected elements survive an assignment through ``idx`` (None if all do: no repeats)."""
    pos = _positions(xp, shape, idx)
    if getattr(pos, "ndim", 0) == 0 or pos.size == 0:
        return None
    flat = xp.reshape(pos, (-1,))
    order = xp.arange(flat.size, dtype=_onp.intp)
    winner = xp.zeros(max(math.prod(shape), 1), dtype=_onp.intp)
    winner[flat] = order  # the same assignment order as the forward pass's
    keep = winner[flat] == order
    if bool(keep.all()):
        return None
    return xp.reshape(keep, pos.shape)


def _repeats(xp, shape: tuple, idx: Any) -> bool:
    """True when ``idx`` reaches some position of an array of ``shape`` more than once."""
    pos = _positions(xp, shape, idx)
    if getattr(pos, "ndim", 0) == 0 or pos.size < 2:
        return False
    s = xp.sort(xp.reshape(pos, (-1,)))
    return bool(xp.any(s[1:] == s[:-1]))


def _rounds(xp, shape: tuple, idx: Any):
    """Split a selection with repeated positions into rounds that each reach a position at most once.

    Returns None when no position repeats; else ``(selection_shape, [(x_index, selection_index), ...])``, both
    indices being tuples of integer arrays.
    """
    pos = _positions(xp, shape, idx)
    if getattr(pos, "ndim", 0) == 0 or pos.size < 2:
        return None
    # the rounds are a host-side plan (their number decides the Python loop); NumPy indices then index any array
    pos = to_host(pos)
    xp = _onp
    flat = xp.reshape(pos, (-1,))
    n = flat.size
    order = xp.argsort(flat, kind="stable")
    ranks = xp.arange(n, dtype=_onp.intp)
    sorted_flat = flat[order]
    starts = xp.concatenate([xp.ones(1, dtype=bool), sorted_flat[1:] != sorted_flat[:-1]])
    occurrence_sorted = ranks - xp.maximum.accumulate(xp.where(starts, ranks, 0))
    if int(occurrence_sorted.max()) == 0:
        return None
    occurrence = xp.empty(n, dtype=_onp.intp)
    occurrence[order] = occurrence_sorted
    rounds = []
    for r in range(int(occurrence_sorted.max()) + 1):
        ks = xp.nonzero(occurrence == r)[0]
        rounds.append((tuple(xp.unravel_index(flat[ks], shape)), tuple(xp.unravel_index(ks, pos.shape))))
    return pos.shape, rounds


# --- getitem and its transpose -----------------------------------------------------------------------------------
def _getitem_impl(x, idx):
    try:
        return x[idx]
    except IndexError as e:
        raise _index_error(e, shape_of(x), idx) from None


def _scatter_add_impl(g, idx, shape):
    xp = namespace(g)
    out = xp.zeros(shape, dtype=dtype_of(g))
    try:
        if _has_int_array(idx):
            _ufunc_at(xp.add, out, idx, g)  # repeated positions accumulate
        else:
            out[idx] = g  # basic indices and masks reach each position once: plain assignment is faster
    except IndexError as e:
        raise _index_error(e, tuple(shape), idx) from None
    return out


_getitem_p = Primitive("getitem", _getitem_impl, doc=(
    "``x[idx]`` as NumPy computes it (basic, advanced and boolean indexing); ``idx`` is a static keyword. Basic "
    "indexing returns a view, as in NumPy: funcgrad never writes into arrays, so views are safe.\n\n"
    ">>> import numpy as np\n>>> _getitem_p(np.arange(4.0), idx=slice(None, None, -2))\narray([3., 1.])\n"))
scatter_add = Primitive("scatter_add", _scatter_add_impl, doc=(
    "Zeros of ``shape`` with ``g`` added at the positions ``idx`` selects (repeated positions accumulate): the "
    "transpose of ``getitem``.\n\n"
    ">>> import numpy as np\n>>> scatter_add(np.ones(3), idx=np.array([0, 0, 2]), shape=(3,))\narray([2., 0., 1.])\n"))

_getitem_p.def_vjp(lambda g, ans, x, idx: scatter_add(g, idx=idx, shape=shape_of(x)))
scatter_add.def_vjp(lambda g, ans, x, idx, shape: _getitem_p(g, idx=idx))
_getitem_p.def_jvp_linear()
scatter_add.def_jvp_linear()


def _getitem_batch(args, batched, idx):
    x = args[0]
    lay = _batched_layout(idx, len(shape_of(x)) - 1)
    if lay is None:
        return loop_rule(_getitem_p, args, batched, shape_of(x)[0], {"idx": idx})
    bidx, sel_nd, front = lay
    out = _getitem_p(x, idx=bidx)
    return _transpose(out, axes=_move_perm(front, 0, sel_nd + 1)) if front else out


def _scatter_add_batch(args, batched, idx, shape):
    g = args[0]
    lay = _batched_layout(idx, len(shape))
    if lay is None:
        return loop_rule(scatter_add, args, batched, shape_of(g)[0], {"idx": idx, "shape": shape})
    bidx, sel_nd, front = lay
    return scatter_add(_batched_value(g, True, sel_nd, front), idx=bidx, shape=shape_of(g)[:1] + tuple(shape))


_getitem_p.def_batch(_getitem_batch)
scatter_add.def_batch(_scatter_add_batch)


def getitem(x: ArrayLike, idx: Any) -> Any:
    """``x[idx]``, differentiable in ``x``: what ``x[idx]`` means on traced values.

    Supports everything NumPy does: integers, slices (any step), ``None``, ``Ellipsis``, integer arrays (an
    element selected twice gets twice the gradient) and boolean masks, mixed. The index is never differentiated.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.grad(lambda x: fnp.getitem(x, np.array([0, 0, 2])).sum())(np.ones(3))
    array([2., 0., 1.])
    """
    if type(x) is not Box and not hasattr(x, "shape"):
        x = _onp.asarray(x)
    s = _static_index(idx, x)
    if type(s) is Dynamic:  # traced index arrays under jit: operands, read again on every replay
        return s.get(x)
    return _getitem_p(x, idx=s)


# --- take, take_along_axis ---------------------------------------------------------------------------------------
def _no_out(name: str, out) -> None:
    if out is not None:
        raise TypeError(f"funcgrad.{name} does not support out=: funcgrad arrays are immutable; use the returned "
                        f"array instead")


def _check_bounds(name: str, ind, n: int, axis, shape: tuple) -> None:
    """Raise an IndexError naming the operation, the offending index and the shape."""
    xp = namespace(ind)
    if getattr(ind, "size", 1) == 0:
        return
    bad = (ind < -n) | (ind >= n)
    if bool(xp.any(bad)):
        first = ind[bad].reshape(-1)[0] if getattr(ind, "ndim", 0) else ind
        where = "the flattened array" if axis is None else f"axis {axis}"
        raise IndexError(f"funcgrad.{name}: index {int(first)} is out of bounds for {where} with size {n} "
                         f"(array of shape {tuple(shape)})")


def _as_index_array(indices, xp, op: str = "take"):
    ind = _index_value(indices, op)
    if type(ind) is int:
        return ind
    ind = xp.asarray(ind)
    if ind.dtype.kind not in "iu":
        if ind.size == 0:
            return ind.astype(_onp.intp)
        raise IndexError(f"indices must be integers, got dtype {ind.dtype}")
    return ind


def _normalize_axis(name: str, axis: int, ndim: int) -> int:
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"funcgrad.{name}: axis {axis} is out of bounds for an array of dimension {ndim}")
    return axis + ndim if axis < 0 else axis


def take(a: ArrayLike, indices: ArrayLike, axis: int | None = None, out=None, mode: str = "raise") -> Any:
    """Elements of ``a`` at ``indices`` along ``axis`` (the flattened array when None), as ``numpy.take``.

    Differentiable in ``a`` (repeated indices accumulate gradient); ``mode`` is ``"raise"``, ``"wrap"`` or
    ``"clip"``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.take(np.array([[1.0, 2.0], [3.0, 4.0]]), [3, 0])
    array([4., 1.])
    """
    _no_out("take", out)
    if type(a) is not Box and not hasattr(a, "shape"):
        a = _onp.asarray(a)
    xp = namespace(getval(a))
    shape = shape_of(a)
    if _recorded(indices):
        return _take_traced(a, indices, axis, mode, shape)
    ind = _as_index_array(indices, xp)
    if axis is None:
        n = math.prod(shape)
    else:
        axis = _normalize_axis("take", axis, len(shape))
        n = shape[axis]
    if mode == "wrap" or mode == "clip":
        if n == 0 and getattr(ind, "size", 1):
            raise IndexError(f"funcgrad.take: cannot take from an empty axis (array of shape {tuple(shape)})")
        ind = xp.asarray(ind)
        ind = ind % n if mode == "wrap" else xp.clip(ind, 0, max(n - 1, 0))
    elif mode == "raise":
        _check_bounds("take", ind, n, axis, shape)
    else:
        raise ValueError(f"funcgrad.take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    if axis is not None:
        return getitem(a, (slice(None),) * axis + (ind,))
    if len(shape) == 1:
        return getitem(a, ind)
    if len(shape) == 0:
        return getitem(getitem(a, None), ind)
    ind = xp.asarray(ind)
    flat = xp.where(ind < 0, ind + n, ind)
    return getitem(a, tuple(xp.unravel_index(flat, shape)))


def _take_traced(a, ind, axis, mode: str, shape: tuple) -> Any:
    """``take`` with indices traced by jit: a ``gather`` (out-of-range indices raise at run time, as NumPy's
    indexing does; ``wrap`` and ``clip`` are recorded as elementwise operations on the indices)."""
    if ind.dtype.kind not in "iu":
        raise IndexError(f"funcgrad.take: indices must be integers, got dtype {ind.dtype}")
    n = math.prod(shape) if axis is None else shape[_normalize_axis("take", axis, len(shape))]
    if mode == "wrap":
        ind = remainder(ind, n)
    elif mode == "clip":
        ind = minimum(maximum(ind, 0), max(n - 1, 0))
    elif mode != "raise":
        raise ValueError(f"funcgrad.take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    if axis is None:
        return getitem(_reshape(a, shape=(math.prod(shape),)), ind)
    return getitem(a, (slice(None),) * _normalize_axis("take", axis, len(shape)) + (ind,))


def take_along_axis(arr: ArrayLike, indices: ArrayLike, axis: int | None = -1) -> Any:
    """``arr`` picked along ``axis`` by ``indices`` of the same number of dimensions, as
    ``numpy.take_along_axis``; differentiable in ``arr``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.take_along_axis(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1], [0]]), axis=1)
    array([[2.],
           [3.]])
    """
    if type(arr) is not Box and not hasattr(arr, "shape"):
        arr = _onp.asarray(arr)
    xp = namespace(getval(arr))
    shape = shape_of(arr)
    traced = _recorded(indices)  # under jit: a gather (out-of-range indices raise at run time)
    ind = indices if traced else _as_index_array(indices, xp, "take_along_axis")
    if type(ind) is int:
        ind = xp.asarray(ind)
    if axis is None:
        if ind.ndim != 1:
            raise ValueError(f"funcgrad.take_along_axis: with axis=None the indices must be 1-D, got shape "
                             f"{tuple(ind.shape)}")
        return take(arr, ind)
    if ind.ndim != len(shape):
        raise ValueError(f"funcgrad.take_along_axis: indices of shape {tuple(ind.shape)} and an array of shape "
                         f"{tuple(shape)} must have the same number of dimensions")
    axis = _normalize_axis("take_along_axis", axis, len(shape))
    if not traced:
        _check_bounds("take_along_axis", ind, shape[axis], axis, shape)
    nd = len(shape)
    idx = tuple(ind if d == axis else
                xp.reshape(xp.arange(shape[d], dtype=_onp.intp), tuple(-1 if e == d else 1 for e in range(nd)))
                for d in range(nd))
    return getitem(arr, idx)


def compress(condition: ArrayLike, a: ArrayLike, axis: int | None = None, out=None) -> Any:
    """The slices of ``a`` along ``axis`` (the flattened array when None) where the 1-D ``condition`` holds, as
    ``numpy.compress``; differentiable in ``a``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.compress([False, True], np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    array([[3., 4.]])
    """
    _no_out("compress", out)
    cond = _index_value(condition, "compress")
    cond = cond if hasattr(cond, "shape") else _onp.asarray(cond)
    if cond.ndim != 1:
        raise ValueError(f"funcgrad.compress: condition must be 1-D, got shape {tuple(cond.shape)}")
    return take(a, nonzero(cond)[0], axis=axis)


def extract(condition: ArrayLike, arr: ArrayLike) -> Any:
    """The elements of ``arr`` where ``condition`` is nonzero, both read flattened, as ``numpy.extract``;
    differentiable in ``arr``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.extract(np.array([[True, False], [False, True]]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([1., 4.])
    """
    return take(arr, flatnonzero(condition))


# --- sorting and non-differentiable queries ----------------------------------------------------------------------
def _argsort_impl(a, axis=-1, kind=None, stable=None):
    xp = namespace(a)
    if kind is None and stable is None:
        return xp.argsort(a, axis=axis)
    return xp.argsort(a, axis=axis, kind=kind, stable=stable)


_argsort_p = Primitive("argsort", _argsort_impl, doc="Indices that sort ``a`` along ``axis`` (non-differentiable).")


def _argsort_batch(args, batched, axis=-1, kind=None, stable=None):
    a = args[0]
    s = shape_of(a)
    nd = len(s) - 1
    if axis is None or nd == 0:  # numpy sorts the flattened array (a 0-d one as one element)
        a, axis = _reshape(a, shape=(s[0], math.prod(s[1:]))), 1
    elif -nd <= axis < nd:
        axis = axis % nd + 1
    else:  # out of range: let the per-example call report it
        return loop_rule(_argsort_p, args, batched, s[0], {"axis": axis, "kind": kind, "stable": stable})
    return _argsort_p(a, axis=axis, kind=kind, stable=stable)


_argsort_p.def_batch(_argsort_batch)


def argsort(a: ArrayLike, axis: int | None = -1, kind: str | None = None, order=None, *,
            stable: bool | None = None) -> Any:
    """Indices that sort ``a`` along ``axis``, as ``numpy.argsort`` (integers: no gradient).

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.argsort(np.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    """
    if order is not None:
        raise TypeError("funcgrad.argsort does not support order= (structured arrays); sort by a field instead")
    return _argsort_p(a, axis=axis, kind=kind, stable=stable)


def sort(a: ArrayLike, axis: int | None = -1, kind: str | None = None, order=None, *,
         stable: bool | None = None) -> Any:
    """``a`` sorted along ``axis`` (flattened when None), as ``numpy.sort``. Differentiable: each output element
    passes its gradient to the input element it came from (equal values: as ``argsort`` ordered them).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fnp.sort(np.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    >>> fg.grad(lambda x: fnp.sort(x)[0])(np.array([3.0, 1.0, 2.0]))
    array([0., 1., 0.])
    """
    if type(a) is list or type(a) is tuple:
        a = _asarray(a)  # packed differentiably where it holds traced values
    elif type(a) is not Box and not hasattr(a, "shape"):
        a = _onp.asarray(a)
    ind = argsort(a, axis=axis, kind=kind, order=order, stable=stable)
    if not _recorded(ind):  # under jit the recorded argsort is gathered by (take_along_axis records a gather)
        ind = _index_value(ind, "sort")
    if axis is None:
        return take(a, ind)
    return take_along_axis(a, ind, axis=axis)


nonzero = Primitive("nonzero", lambda a: namespace(a).nonzero(a), doc=(
    "Indices of the nonzero elements, one array per axis, as ``numpy.nonzero`` (no gradient).\n\n"
    ">>> import numpy as np, funcgrad.numpy as fnp\n>>> fnp.nonzero(np.array([0.0, 2.0, 3.0]))\n"
    "(array([1, 2]),)\n"))
argwhere = Primitive("argwhere", lambda a: namespace(a).argwhere(a), doc=(
    "Indices of the nonzero elements as rows, as ``numpy.argwhere`` (no gradient).\n\n"
    ">>> import numpy as np, funcgrad.numpy as fnp\n>>> fnp.argwhere(np.array([0.0, 2.0]))\narray([[1]])\n"))
flatnonzero = Primitive("flatnonzero", lambda a: namespace(a).flatnonzero(a), doc=(
    "Indices of the nonzero elements of the flattened array, as ``numpy.flatnonzero`` (no gradient).\n\n"
    ">>> import numpy as np, funcgrad.numpy as fnp\n>>> fnp.flatnonzero(np.array([[0.0, 2.0], [3.0, 0.0]]))\n"
    "array([1, 2])\n"))


def _value_dependent_batch(name: str):
    def rule(args, batched, **params):
        raise NotImplementedError(
            f"funcgrad.{name} cannot be batched by vmap: the length of its output depends on the values (the "
            f"number of nonzero elements differs from one example to the next), so the examples' results do not "
            f"stack into one array. Use a mask-based formulation with a fixed shape instead, e.g. "
            f"fnp.where(cond, x, 0) or fnp.sum(fnp.where(cond, x, 0)) instead of selecting x[fnp.nonzero(cond)]; or "
            f"call {name} outside vmap")
    return rule


for _p in (nonzero, argwhere, flatnonzero):
    _p.def_batch(_value_dependent_batch(_p.name))
del _p


# Declared without derivative: under a transform their outputs are constants (see Primitive.def_nondiff).
nondifferentiable(_argsort_p, argwhere, flatnonzero, nonzero)
