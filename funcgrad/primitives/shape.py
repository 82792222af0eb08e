"""Shape primitives: reshaping, transposing, joining, slicing, padding, tiling, flipping, triangles and diagonals.

Each primitive sits beside its VJP rule, and the rules come in transposed pairs, so that every rule is itself
differentiable: ``reshape`` and ``transpose`` undo themselves, ``concatenate`` and ``pad`` are undone by ``crop``
(contiguous slicing) and ``crop`` by ``pad``, ``tile`` and ``repeat`` sum their copies back (``repeat_sum``, whose
rule is ``repeat``), ``flip`` and ``roll`` run backwards, ``triu``/``tril`` mask the cotangent, and ``diagonal`` is
undone by ``diag_embed`` (and back). Everything else here (``ravel``, ``squeeze``, ``expand_dims``, ``moveaxis``,
``swapaxes``, ``stack``, ``split``, ``trace``, ``diag`` ...) is a composition of these, normalizing NumPy's
arguments into the primitives' static keyword parameters. The compositions that join and split (``hstack``,
``atleast_2d``, ``split`` ...) are in joining.py.
"""
from __future__ import annotations

import functools
import itertools
import math
import operator
from typing import Any, Sequence

import numpy as _onp

from ..backend import namespace, namespace_of, shape_of
from ..core import Box, Primitive, getval
from ..core.primitive import broadcast_to as _broadcast_to
from ..core.batching import loop_rule
from ..core.primitive import cast, index0, pack

__all__ = ['reshape', 'ravel', 'transpose', 'moveaxis', 'swapaxes', 'squeeze', 'expand_dims', 'broadcast_to', 'broadcast_arrays', 'concatenate', 'stack', 'shape', 'ndim', 'size']
LINALG: list = []

_ndarray = _onp.ndarray
ArrayLike = Any
Shape = Sequence[int]


# --- helpers on static arguments ---------------------------------------------------------------------------------
def _contains_box(seq) -> bool:
    for e in seq:
        t = type(e)
        if t is Box or ((t is list or t is tuple) and _contains_box(e)):
            return True
    return False


def _asarray(a: ArrayLike) -> ArrayLike:
    """``a`` as an array: nested lists that hold traced values are packed (differentiably), others converted."""
    t = type(a)
    if t is list or t is tuple:
        if _contains_box(a):
            # Plain sublists become arrays here: forward mode needs each packed element's shape for its zero tangent.
            return pack(*[_asarray(e) if type(e) is list or type(e) is tuple else e for e in a])
        return _onp.asarray(a)
    return a


def shape(a: ArrayLike) -> tuple:
    """Shape of an array, traced value, scalar or nested list, as ``numpy.shape``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.shape([[1.0, 2.0, 3.0]])
    (1, 3)
    """
    s = getattr(a, "shape", None)
    if s is not None:
        return tuple(s)
    t = type(a)
    if t is list or t is tuple:
        if _contains_box(a):
            return (len(a),) + (shape(a[0]) if len(a) else ())
        return _onp.shape(a)
    return ()


def ndim(a: ArrayLike) -> int:
    """Number of dimensions, as ``numpy.ndim`` (works on traced values).

    >>> import funcgrad.numpy as fnp
    >>> fnp.ndim(2.0)
    0
    """
    return len(shape(a))


def size(a: ArrayLike, axis: int | None = None) -> int:
    """Number of elements (along ``axis`` if given), as ``numpy.size`` (works on traced values).

    >>> import funcgrad.numpy as fnp
    >>> fnp.size(fnp.zeros((2, 3))), fnp.size(fnp.zeros((2, 3)), 1)
    (6, 3)
    """
    s = shape(a)
    if axis is None:
        return functools.reduce(operator.mul, s, 1)
    return s[_axis(axis, len(s), "size")]


def _axis(axis: int, nd: int, op: str) -> int:
    """One axis, made non-negative, with an error that names the operation."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"funcgrad.{op}: axis must be an integer, got {type(axis).__name__}") from None
    if not -nd <= axis < nd:
        raise ValueError(f"funcgrad.{op}: axis {axis} is out of bounds for an array of dimension {nd}")
    return axis % nd


@functools.lru_cache(maxsize=1024)
def _axes_tuple(axis, nd: int, op: str) -> tuple:
    """An int, a tuple of ints or None (all axes) as a tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, (tuple, list)):
        out = tuple(_axis(a, nd, op) for a in axis)
    else:
        out = (_axis(axis, nd, op),)
    if len(set(out)) != len(out):
        raise ValueError(f"funcgrad.{op}: repeated axis in {axis!r}")
    return out


def _no_out(out, op: str) -> None:
    if out is not None:
        raise TypeError(f"funcgrad.{op}: out= is not supported, funcgrad arrays are immutable; use the returned "
                        f"value instead")


def _int_tuple(v, what: str, op: str) -> tuple:
    v = getval(v)
    try:
        if isinstance(v, (tuple, list)) or getattr(v, "ndim", 0):
            return tuple(operator.index(i) for i in (v.tolist() if hasattr(v, "tolist") else v))
        return (operator.index(v),)
    except TypeError:
        raise TypeError(f"funcgrad.{op}: {what} must be an integer or a sequence of integers, got {v!r}") from None


# --- batching helpers (vmap rules receive the batch as the leading axis of each batched argument) --------------
def _batch_size(args, batched) -> int:
    for a, b in zip(args, batched):
        if b:
            return shape_of(a)[0]
    raise ValueError("no batched argument")


@functools.lru_cache(maxsize=1024)
def _shifted_axis(axis: int, nd: int) -> int:
    """A per-example axis (possibly negative) as an axis of the batched array (batch first). An axis out of
    range stays out of range, so that the batched call reports it."""
    if -nd <= axis < nd:
        return axis % nd + 1
    return axis + 1 if axis >= 0 else axis - 1


@functools.lru_cache(maxsize=1024)
def _resolved_shape(xshape: tuple, shape: tuple) -> tuple:
    """``shape`` with its -1 entry filled in for an array of ``xshape`` (so that an empty batch works too)."""
    if -1 not in shape:
        return shape
    known = math.prod(d for d in shape if d != -1)
    total = math.prod(xshape)
    if known == 0 or total % known or shape.count(-1) > 1:
        raise ValueError(f"cannot reshape an array of shape {xshape} into shape {shape}")
    return tuple(total // known if d == -1 else d for d in shape)


def _flat_batch(x):
    """A batched array as (B, n): each example flattened."""
    s = shape_of(x)
    return _reshape(x, shape=(s[0], math.prod(s[1:])))


# --- reshape and transpose --------------------------------------------------------------------------------------
def _reshape_impl(x, shape):
    if type(x) is _ndarray:  # the method skips numpy.reshape's dispatch layer
        return x.reshape(shape)
    return namespace(x).reshape(x, shape)


def _transpose_impl(x, axes):
    if type(x) is _ndarray:
        return x.transpose(axes)
    return namespace(x).transpose(x, axes)


_reshape = Primitive("reshape", _reshape_impl, doc=(
    "``x`` with a new ``shape`` (static keyword; one entry may be -1), as ``numpy.reshape``."))
_reshape.def_vjp(lambda g, ans, x, shape: _reshape(g, shape=shape_of(x)))
_reshape.def_jvp(lambda t, ans, x, shape: _reshape(t, shape=shape))


def _reshape_batch(args, batched, shape):
    s = shape_of(args[0])
    return _reshape(args[0], shape=(s[0],) + _resolved_shape(s[1:], tuple(shape)))


_reshape.def_batch(_reshape_batch)


@functools.lru_cache(maxsize=1024)
def _inverse_perm(axes: tuple) -> tuple:
    inv = [0] * len(axes)
    for i, a in enumerate(axes):
        inv[a] = i
    return tuple(inv)


_transpose = Primitive("transpose", _transpose_impl, doc=(
    "``x`` with its axes permuted by ``axes`` (a static full permutation), as ``numpy.transpose``."))
_transpose.def_vjp(lambda g, ans, x, axes: _transpose(g, axes=_inverse_perm(axes)))
_transpose.def_jvp(lambda t, ans, x, axes: _transpose(t, axes=axes))


@functools.lru_cache(maxsize=1024)
def _batched_perm(axes: tuple) -> tuple:
    return (0,) + tuple(a % len(axes) + 1 for a in axes)


_transpose.def_batch(lambda args, batched, axes: _transpose(args[0], axes=_batched_perm(tuple(axes))))


def reshape(a: ArrayLike, shape: int | Shape | None = None, order: str = "C", *, newshape=None,
            copy: bool | None = None) -> ArrayLike:
    """``a`` with a new shape (one entry may be -1), as ``numpy.reshape``: elements read and written in C order,
    in Fortran order with ``order='F'`` (reversed axes on both sides of a C reshape), or in the order of ``a``'s
    memory layout with ``order='A'``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.reshape(fnp.arange(6.0), (2, -1)).shape
    (2, 3)
    >>> fnp.reshape(fnp.arange(6.0), (2, 3), order="F")
    array([[0., 2., 4.],
           [1., 3., 5.]])
    """
    if shape is None:
        if newshape is None:
            raise TypeError("funcgrad.reshape: missing the target shape")
        shape = newshape
    shape = (operator.index(shape),) if not isinstance(shape, (tuple, list)) else tuple(shape)
    if order == "C":
        return _reshape(a, shape=shape)
    if order not in ("F", "A"):
        raise ValueError(f"funcgrad.reshape: order must be one of 'C', 'F' or 'A' (got {order!r})")
    a = _asarray(a)
    if type(a) is not Box:  # a plain array: NumPy's (or CuPy's) own reshape, layout questions included
        return namespace(a).reshape(a, shape, order=order)
    if order == "A" and _layout(a, "reshape", order) != "F":
        return _reshape(a, shape=shape)
    return _fortran_reshape(a, shape)


def _reversed(x):
    nd = len(shape_of(x))
    return _transpose(x, axes=tuple(range(nd - 1, -1, -1))) if nd > 1 else x


def _fortran_reshape(a, shape: tuple):
    # Fortran order is C order on the reversed axes: reverse, reshape to the reversed shape, reverse back
    shape = _resolved_shape(shape_of(a), shape)
    return _reversed(_reshape(_reversed(a), shape=shape[::-1]))


def _layout(a: Box, op: str, order: str):
    """What ``order='A'`` / ``'K'`` mean for a traced value: 'C', 'F', or (for 'K') the axes sorted by stride,
    read from the memory layout of the concrete value, as NumPy reads it. Under vmap (an example is a slice of
    the batch) and jit (no concrete value) there is no such layout to follow."""
    v = a
    while type(v) is Box:
        if v._trace.recording or v._trace.batching:
            raise NotImplementedError(
                f"funcgrad.{op}: order={order!r} follows the memory layout of the array, which a value traced by "
                f"{v._trace.transform} does not have; pass order='C' or order='F'")
        v = v.value
    flags = getattr(v, "flags", None)
    if flags is None or flags.c_contiguous:
        return "C"
    if flags.f_contiguous:
        return "F"
    if order == "A":
        return "C"
    return tuple(sorted(range(v.ndim), key=lambda i: -abs(v.strides[i])))  # stable: ties keep their C order


def ravel(a: ArrayLike, order: str = "C") -> ArrayLike:
    """``a`` flattened to one dimension, as ``numpy.ravel``: in C order, Fortran order (``order='F'``), or the
    order of ``a``'s memory layout (``'A'``, ``'K'``).

    >>> import funcgrad.numpy as fnp
    >>> fnp.ravel(fnp.ones((2, 2))).shape
    (4,)
    >>> fnp.ravel(fnp.array([[1.0, 2.0], [3.0, 4.0]]), order="F")
    array([1., 3., 2., 4.])
    """
    if order == "C":
        return _reshape(a, shape=(-1,))
    if order not in ("F", "A", "K"):
        raise ValueError(f"funcgrad.ravel: order must be one of 'C', 'F', 'A' or 'K' (got {order!r})")
    a = _asarray(a)
    if type(a) is not Box:
        return namespace(a).ravel(a, order=order)
    if order != "F":
        order = _layout(a, "ravel", order)
    if order == "F":
        return _reshape(_reversed(a), shape=(-1,))
    return _reshape(a if order == "C" else _transpose(a, axes=order), shape=(-1,))


@functools.lru_cache(maxsize=1024)
def _perm(axes, nd: int) -> tuple:
    if axes is None:
        return tuple(range(nd - 1, -1, -1))
    perm = tuple(_axis(a, nd, "transpose") for a in axes)
    if len(perm) != nd or set(perm) != set(range(nd)):
        raise ValueError(f"funcgrad.transpose: axes {axes!r} are not a permutation of the {nd} axes of the array")
    return perm


def transpose(a: ArrayLike, axes: Sequence[int] | None = None) -> ArrayLike:
    """``a`` with its axes permuted (reversed by default), as ``numpy.transpose``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.transpose(fnp.ones((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    a = _asarray(a)
    return _transpose(a, axes=_perm(None if axes is None else tuple(axes), len(shape_of(a))))


@functools.lru_cache(maxsize=1024)
def _moveaxis_perm(source: tuple, destination: tuple, nd: int) -> tuple:
    src = _axes_tuple(source, nd, "moveaxis")
    dst = _axes_tuple(destination, nd, "moveaxis")
    if len(src) != len(dst):
        raise ValueError(f"funcgrad.moveaxis: source {source!r} and destination {destination!r} must have the same "
                         f"number of elements")
    order = [n for n in range(nd) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return tuple(order)


def moveaxis(a: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]) -> ArrayLike:
    """``a`` with axes ``source`` moved to positions ``destination``, as ``numpy.moveaxis``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.moveaxis(fnp.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    a = _asarray(a)
    src = tuple(source) if isinstance(source, (list, tuple)) else source
    dst = tuple(destination) if isinstance(destination, (list, tuple)) else destination
    return _transpose(a, axes=_moveaxis_perm(src, dst, len(shape_of(a))))


def swapaxes(a: ArrayLike, axis1: int, axis2: int) -> ArrayLike:
    """``a`` with two axes interchanged, as ``numpy.swapaxes``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.swapaxes(fnp.ones((2, 3)), 0, 1).shape
    (3, 2)
    """
    a = _asarray(a)
    nd = len(shape_of(a))
    i, j = _axis(axis1, nd, "swapaxes"), _axis(axis2, nd, "swapaxes")
    perm = list(range(nd))
    perm[i], perm[j] = j, i
    return _transpose(a, axes=tuple(perm))


def squeeze(a: ArrayLike, axis: int | Sequence[int] | None = None) -> ArrayLike:
    """``a`` without its length-1 axes (or only those in ``axis``), as ``numpy.squeeze``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.squeeze(fnp.ones((1, 3, 1))).shape
    (3,)
    """
    a = _asarray(a)
    s = shape_of(a)
    if axis is None:
        new = tuple(d for d in s if d != 1)
    else:
        axes = _axes_tuple(tuple(axis) if isinstance(axis, list) else axis, len(s), "squeeze")
        for ax in axes:
            if s[ax] != 1:
                raise ValueError(f"funcgrad.squeeze: cannot squeeze axis {ax} of an array of shape {s}: its length "
                                 f"is {s[ax]}, not 1")
        new = tuple(d for i, d in enumerate(s) if i not in axes)
    return _reshape(a, shape=new)


def expand_dims(a: ArrayLike, axis: int | Sequence[int]) -> ArrayLike:
    """``a`` with new length-1 axes inserted at ``axis`` (positions in the result), as ``numpy.expand_dims``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.expand_dims(fnp.ones(3), (0, -1)).shape
    (1, 3, 1)
    """
    a = _asarray(a)
    s = shape_of(a)
    axes = _axes_tuple(tuple(axis) if isinstance(axis, list) else axis, len(s) + (
        len(axis) if isinstance(axis, (tuple, list)) else 1), "expand_dims")
    it = iter(s)
    new = tuple(1 if i in axes else next(it) for i in range(len(s) + len(axes)))
    return _reshape(a, shape=new)


def broadcast_to(array: ArrayLike, shape: int | Shape, subok: bool = False) -> ArrayLike:
    """``array`` broadcast to ``shape`` (a read-only view for plain arrays), as ``numpy.broadcast_to``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.broadcast_to(fnp.array([1.0, 2.0]), (3, 2)).shape
    (3, 2)
    """
    shape = (operator.index(shape),) if not isinstance(shape, (tuple, list)) else tuple(shape)
    return _broadcast_to(_asarray(array), shape=shape)


def broadcast_arrays(*args: ArrayLike) -> list:
    """The arguments broadcast against each other, as ``numpy.broadcast_arrays``.

    >>> import funcgrad.numpy as fnp
    >>> [a.shape for a in fnp.broadcast_arrays(fnp.ones(3), fnp.ones((2, 1)))]
    [(2, 3), (2, 3)]
    """
    args = [_asarray(a) for a in args]
    try:
        target = _onp.broadcast_shapes(*[shape_of(a) for a in args])
    except ValueError:
        raise ValueError(f"funcgrad.broadcast_arrays: shapes {[shape_of(a) for a in args]} cannot be broadcast "
                         f"together") from None
    return [a if shape_of(a) == target else _broadcast_to(a, shape=target) for a in args]


# --- joining and slicing ----------------------------------------------------------------------------------------
def _concatenate_impl(*xs, axis):
    xp = namespace_of(*xs)
    return xp.concatenate(xs, axis=axis)


_concatenate = Primitive("concatenate", _concatenate_impl, doc=(
    "The arrays joined along the existing ``axis`` (static keyword), as ``numpy.concatenate``."))


@functools.lru_cache(maxsize=256)
def _offsets(lengths: tuple) -> tuple:
    return (0,) + tuple(itertools.accumulate(lengths))


@functools.lru_cache(maxsize=1024)
def _slab(shape: tuple, axis: int, start: int, stop: int) -> tuple[tuple, tuple]:
    starts = tuple(start if i == axis else 0 for i in range(len(shape)))
    stops = tuple(stop if i == axis else d for i, d in enumerate(shape))
    return starts, stops


def _concatenate_vjp(i, g, ans, *xs, axis):
    # plain nested lists may sit among the arrays: numpy.shape reads their shapes
    offs = _offsets(tuple((x.shape if hasattr(x, "shape") else _onp.shape(x))[axis] for x in xs))
    gs = shape_of(g)
    starts, stops = _slab(gs, axis % len(gs), offs[i], offs[i + 1])
    return crop(g, starts=starts, stops=stops)


_concatenate.def_vjp_variadic(_concatenate_vjp)


def _concatenate_jvp(tangents, ans, *xs, axis):
    # Linear, but zeros must stand in for untraced arguments, which may be plain nested lists (not arrays).
    v = getval(ans)
    xp = namespace(v)
    return _concatenate(*[xp.zeros(x.shape if hasattr(x, "shape") else _onp.shape(x), dtype=v.dtype) if t is None
                          else t for t, x in zip(tangents, xs)], axis=axis)


_concatenate.def_jvp_joint(_concatenate_jvp)


def _concatenate_batch(args, batched, axis):
    size = _batch_size(args, batched)
    xp = None
    pieces = []
    for a, b in zip(args, batched):
        if not b:  # the unbatched pieces are shared by every example: broadcast them along the batch
            if not hasattr(a, "shape"):  # a plain nested list
                xp = xp or namespace(getval(args[batched.index(True)]))
                a = xp.asarray(a)
            a = _broadcast_to(a, shape=(size,) + shape_of(a))
        pieces.append(a)
    nd = len(shape_of(pieces[0])) - 1
    if not -nd <= axis < nd:  # 0-d pieces or a bad axis: the per-example call reports it
        return loop_rule(_concatenate, args, batched, size, {"axis": axis})
    return _concatenate(*pieces, axis=axis % nd + 1)


_concatenate.def_batch(_concatenate_batch)


@functools.lru_cache(maxsize=1024)
def _crop_index(starts: tuple, stops: tuple) -> tuple:
    return tuple(slice(a, b) for a, b in zip(starts, stops))


crop = Primitive("crop", lambda x, starts, stops: x[_crop_index(starts, stops)], doc=(
    "The contiguous block ``x[starts[0]:stops[0], starts[1]:stops[1], ...]`` (static, non-negative bounds on "
    "every axis); the transpose of ``pad``, used for split and for the gradients of concatenate and pad."))


@functools.lru_cache(maxsize=1024)
def _crop_widths(xshape: tuple, starts: tuple, stops: tuple) -> tuple:
    return tuple((a, d - b) for d, a, b in zip(xshape, starts, stops))


crop.def_vjp(lambda g, ans, x, starts, stops: pad_p(g, pad_width=_crop_widths(shape_of(x), starts, stops),
                                                      constant_values=0))
crop.def_jvp(lambda t, ans, x, starts, stops: crop(t, starts=starts, stops=stops))
crop.def_batch(lambda args, batched, starts, stops: crop(args[0], starts=(0,) + tuple(starts),
                                                         stops=shape_of(args[0])[:1] + tuple(stops)))


def _pad_impl(x, pad_width, constant_values):
    if not any(a or b for a, b in pad_width):  # also the 0-d case, which numpy.pad refuses
        return x
    return namespace(x).pad(x, pad_width, mode="constant", constant_values=constant_values)


pad_p = Primitive("pad", _pad_impl, doc=(
    "``x`` padded with ``pad_width`` ((before, after) per axis, static) copies of ``constant_values`` (static), "
    "as ``numpy.pad(mode='constant')``."))


@functools.lru_cache(maxsize=1024)
def _pad_bounds(xshape: tuple, pad_width: tuple) -> tuple[tuple, tuple]:
    starts = tuple(b for b, _ in pad_width)
    return starts, tuple(b + d for b, d in zip(starts, xshape))


def _pad_vjp(g, ans, x, pad_width, constant_values):
    starts, stops = _pad_bounds(shape_of(x), pad_width)
    return crop(g, starts=starts, stops=stops)


pad_p.def_vjp(_pad_vjp)
# the static constant_values is a constant offset (affine, not linear): the padding carries no tangent
pad_p.def_jvp(lambda t, ans, x, pad_width, constant_values: pad_p(t, pad_width=pad_width, constant_values=0))
pad_p.def_batch(lambda args, batched, pad_width, constant_values: pad_p(
    args[0], pad_width=((0, 0),) + tuple(pad_width), constant_values=constant_values))


def _check_arrays(arrays, op: str) -> list:
    if type(arrays) is Box:
        # NumPy iterates over the leading axis of an array argument; so do we (each row stays traced).
        return [index0(arrays, i=i) for i in range(shape_of(arrays)[0])] if shape_of(arrays) else [arrays]
    if hasattr(arrays, "shape"):
        return list(arrays)
    if not isinstance(arrays, (list, tuple)):
        raise TypeError(f"funcgrad.{op}: expected a sequence of arrays, got {type(arrays).__name__}")
    if not arrays:
        raise ValueError(f"funcgrad.{op}: need at least one array")
    return list(arrays)


def concatenate(arrays: Sequence[ArrayLike], axis: int | None = 0, out=None, *, dtype=None) -> ArrayLike:
    """The arrays joined along an existing axis (flattened first if ``axis`` is None), as ``numpy.concatenate``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.concatenate([fnp.ones((2, 3)), fnp.zeros((1, 3))]).shape
    (3, 3)
    """
    if out is not None:
        _no_out(out, "concatenate")
    if type(arrays) is not list and type(arrays) is not tuple:
        arrays = _check_arrays(arrays, "concatenate")
    if axis is None:
        arrays = [_reshape(_asarray(a), shape=(-1,)) for a in arrays]
        axis = 0
    # Mismatched shapes, 0-d inputs and bad axes are reported by the primitive, with every input's shape.
    res = _concatenate(*arrays, axis=axis)
    return res if dtype is None else cast(res, dtype=dtype)


def stack(arrays: Sequence[ArrayLike], axis: int = 0, out=None, *, dtype=None) -> ArrayLike:
    """The same-shaped arrays joined along a new axis, as ``numpy.stack``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.stack([fnp.ones(3), fnp.zeros(3)], axis=1).shape
    (3, 2)
    """
    _no_out(out, "stack")
    arrays = _check_arrays(arrays, "stack")
    shapes = [shape(a) for a in arrays]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(f"funcgrad.stack: all arrays must have the same shape, got shapes {shapes}")
    ax = _axis(axis, len(shapes[0]) + 1, "stack")
    out = pack(*[_asarray(a) if type(a) is list or type(a) is tuple else a for a in arrays])
    if ax:
        out = moveaxis(out, 0, ax)
    return out if dtype is None else cast(out, dtype=dtype)
