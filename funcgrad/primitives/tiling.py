"""Tiling and reordering primitives: ``tile`` and ``repeat`` (their rules sum the copies back), ``flip`` and ``roll`` (their rules run backwards)."""
from __future__ import annotations

import functools
from typing import Sequence
from ..backend import namespace, shape_of
from ..core import Primitive
from ..core.primitive import sum_to
from .shape import (ArrayLike, _asarray, _axes_tuple, _axis, _flat_batch, _int_tuple, _offsets, _reshape, _shifted_axis)

__all__ = ['tile', 'repeat', 'flip', 'fliplr', 'flipud', 'roll']


# --- tile and repeat --------------------------------------------------------------------------------------------
_tile = Primitive("tile", lambda x, reps: namespace(x).tile(x, reps), doc=(
    "``x`` repeated ``reps`` (static tuple) times along each axis, as ``numpy.tile``."))


@functools.lru_cache(maxsize=1024)
def _tile_layout(xshape: tuple, reps: tuple) -> tuple[tuple, tuple]:
    d = max(len(xshape), len(reps))
    s = (1,) * (d - len(xshape)) + xshape
    r = (1,) * (d - len(reps)) + reps
    split_shape = tuple(v for pair in zip(r, s) for v in pair)
    summed = tuple(v for n in s for v in (1, n))
    return split_shape, summed


def _tile_vjp(g, ans, x, reps):
    # Output axis k of length r*s holds r copies of x's axis: view it as (r, s) and sum the copies.
    split_shape, summed = _tile_layout(shape_of(x), reps)
    return _reshape(sum_to(_reshape(g, shape=split_shape), shape=summed), shape=shape_of(x))


_tile.def_vjp(_tile_vjp)
_tile.def_jvp(lambda t, ans, x, reps: _tile(t, reps=reps))


def _tile_batch(args, batched, reps):
    # numpy.tile pads the shorter of shape and reps with leading ones: do that per example, then keep the batch.
    x = args[0]
    s = shape_of(x)
    reps = tuple(reps)
    d = max(len(s) - 1, len(reps))
    if len(s) - 1 < d:
        x = _reshape(x, shape=s[:1] + (1,) * (d - len(s) + 1) + s[1:])
    return _tile(x, reps=(1,) * (d + 1 - len(reps)) + reps)


_tile.def_batch(_tile_batch)


def tile(A: ArrayLike, reps: int | Sequence[int]) -> ArrayLike:
    """``A`` repeated ``reps`` times along each axis, as ``numpy.tile``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.tile(fnp.array([1.0, 2.0]), 2)
    array([1., 2., 1., 2.])
    """
    reps = _int_tuple(reps, "reps", "tile")
    if any(r < 0 for r in reps):
        raise ValueError(f"funcgrad.tile: reps {reps} must be non-negative")
    return _tile(_asarray(A), reps=reps)


_repeat = Primitive("repeat", lambda x, repeats, axis: namespace(x).repeat(x, repeats, axis=axis), doc=(
    "Each element of ``x`` repeated along ``axis`` (static int): ``repeats`` (static) is an int or one int per "
    "element, as ``numpy.repeat``."))


@functools.lru_cache(maxsize=1024)
def _segment_starts(repeats: tuple) -> tuple[tuple, tuple]:
    starts = _offsets(repeats)[:-1]
    nonzero = tuple(i for i, r in enumerate(repeats) if r)
    return tuple(starts[i] for i in nonzero), nonzero


def _repeat_sum_impl(g, repeats, axis):
    xp = namespace(g)
    s = g.shape
    if type(repeats) is int:
        if repeats <= 0:
            raise ValueError(f"an integer repeats must be positive, got {repeats}")
        return xp.reshape(g, s[:axis] + (s[axis] // repeats, repeats) + s[axis + 1:]).sum(axis=axis + 1)
    starts, nonzero = _segment_starts(repeats)
    out_shape = s[:axis] + (len(repeats),) + s[axis + 1:]
    if not nonzero or 0 in out_shape:
        return xp.zeros(out_shape, dtype=g.dtype)
    sums = xp.add.reduceat(g, starts, axis=axis)
    if len(nonzero) == len(repeats):
        return sums
    out = xp.zeros(out_shape, dtype=g.dtype)
    out[(slice(None),) * axis + (xp.asarray(nonzero),)] = sums
    return out


repeat_sum = Primitive("repeat_sum", _repeat_sum_impl, doc=(
    "Sums of consecutive runs along ``axis``: run i has length ``repeats[i]`` (or ``repeats`` when an int). "
    "The transpose of ``repeat``, used for its gradient."))
# repeats=0 leaves nothing of x in the output: its cotangent is zero (and repeat_sum could not recover x's length)
_repeat.def_vjp(lambda g, ans, x, repeats, axis: repeat_sum(g, repeats=repeats, axis=axis) if repeats != 0 else None)
repeat_sum.def_vjp(lambda g, ans, x, repeats, axis: _repeat(g, repeats=repeats, axis=axis))
_repeat.def_jvp(lambda t, ans, x, repeats, axis: _repeat(t, repeats=repeats, axis=axis))
repeat_sum.def_jvp(lambda t, ans, x, repeats, axis: repeat_sum(t, repeats=repeats, axis=axis))


def _repeat_batch(args, batched, repeats, axis):
    x = args[0]
    if axis is None:  # numpy repeats the flattened array: flatten each example
        x, axis = _flat_batch(x), 0
    return _repeat(x, repeats=repeats, axis=_shifted_axis(axis, len(shape_of(x)) - 1))


_repeat.def_batch(_repeat_batch)
repeat_sum.def_batch(lambda args, batched, repeats, axis: repeat_sum(
    args[0], repeats=repeats, axis=_shifted_axis(axis, len(shape_of(args[0])) - 1)))


def repeat(a: ArrayLike, repeats: int | Sequence[int], axis: int | None = None) -> ArrayLike:
    """Each element of ``a`` repeated (along ``axis``, or over the flattened array), as ``numpy.repeat``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.repeat(fnp.array([1.0, 2.0]), [1, 2])
    array([1., 2., 2.])
    """
    a = _asarray(a)
    if axis is None:
        a = _reshape(a, shape=(-1,))
        axis = 0
    s = shape_of(a)
    ax = _axis(axis, len(s), "repeat")
    reps = _int_tuple(repeats, "repeats", "repeat")
    if any(r < 0 for r in reps):
        raise ValueError(f"funcgrad.repeat: repeats {reps} must be non-negative")
    if len(reps) == 1:
        reps = reps[0]
    elif len(reps) != s[ax]:
        raise ValueError(f"funcgrad.repeat: {len(reps)} repeats given for an axis of length {s[ax]} (array of shape "
                         f"{s}); give one int per element, or a single int")
    return _repeat(a, repeats=reps, axis=ax)


# --- flip and roll ----------------------------------------------------------------------------------------------
_flip = Primitive("flip", lambda x, axis: namespace(x).flip(x, axis=axis), doc=(
    "``x`` reversed along the axes in ``axis`` (static tuple), as ``numpy.flip``."))
_flip.def_vjp(lambda g, ans, x, axis: _flip(g, axis=axis))
_flip.def_jvp(lambda t, ans, x, axis: _flip(t, axis=axis))


def _flip_batch(args, batched, axis):
    nd = len(shape_of(args[0])) - 1
    if axis is None:
        axes = tuple(range(1, nd + 1))
    elif type(axis) is int:
        axes = _shifted_axis(axis, nd)
    else:
        axes = tuple(_shifted_axis(a, nd) for a in axis)
    return _flip(args[0], axis=axes)


_flip.def_batch(_flip_batch)


def flip(m: ArrayLike, axis: int | Sequence[int] | None = None) -> ArrayLike:
    """``m`` reversed along ``axis`` (all axes by default), as ``numpy.flip``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.flip(fnp.array([1.0, 2.0, 3.0]))
    array([3., 2., 1.])
    """
    m = _asarray(m)
    return _flip(m, axis=_axes_tuple(tuple(axis) if isinstance(axis, list) else axis, len(shape_of(m)), "flip"))


def fliplr(m: ArrayLike) -> ArrayLike:
    """``m`` reversed along axis 1, as ``numpy.fliplr``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fliplr(fnp.eye(2))
    array([[0., 1.],
           [1., 0.]])
    """
    m = _asarray(m)
    if len(shape_of(m)) < 2:
        raise ValueError(f"funcgrad.fliplr: needs at least 2 dimensions, got shape {shape_of(m)}")
    return _flip(m, axis=(1,))


def flipud(m: ArrayLike) -> ArrayLike:
    """``m`` reversed along axis 0, as ``numpy.flipud``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.flipud(fnp.array([1.0, 2.0]))
    array([2., 1.])
    """
    m = _asarray(m)
    if len(shape_of(m)) < 1:
        raise ValueError("funcgrad.flipud: needs at least 1 dimension, got a 0-d array")
    return _flip(m, axis=(0,))


def _negate(shift):
    return tuple(-s for s in shift) if type(shift) is tuple else -shift


_roll = Primitive("roll", lambda x, shift, axis: namespace(x).roll(x, shift, axis=axis), doc=(
    "``x`` rolled by ``shift`` along ``axis`` (both static; axis None rolls the flattened array), as "
    "``numpy.roll``."))
_roll.def_vjp(lambda g, ans, x, shift, axis: _roll(g, shift=_negate(shift), axis=axis))
_roll.def_jvp(lambda t, ans, x, shift, axis: _roll(t, shift=shift, axis=axis))


def _roll_batch(args, batched, shift, axis):
    x = args[0]
    s = shape_of(x)
    if axis is None:  # each example rolled as a flat array
        return _reshape(_roll(_flat_batch(x), shift=shift, axis=1), shape=s)
    nd = len(s) - 1
    axes = _shifted_axis(axis, nd) if type(axis) is int else tuple(_shifted_axis(a, nd) for a in axis)
    return _roll(x, shift=shift, axis=axes)


_roll.def_batch(_roll_batch)


def roll(a: ArrayLike, shift: int | Sequence[int], axis: int | Sequence[int] | None = None) -> ArrayLike:
    """``a`` with elements shifted cyclically along ``axis`` (over the flattened array by default), as
    ``numpy.roll``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.roll(fnp.array([1.0, 2.0, 3.0]), 1)
    array([3., 1., 2.])
    """
    a = _asarray(a)
    shifts = _int_tuple(shift, "shift", "roll")
    if axis is None:
        if len(shifts) != 1:
            raise ValueError(f"funcgrad.roll: with axis=None, shift must be one integer, got {shift!r}")
        return _roll(a, shift=shifts[0], axis=None)
    nd = len(shape_of(a))
    axes = tuple(_axis(ax, nd, "roll") for ax in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    if len(shifts) != len(axes) and 1 not in (len(shifts), len(axes)):
        raise ValueError(f"funcgrad.roll: shift {shift!r} and axis {axis!r} must have the same length")
    n = max(len(shifts), len(axes))
    shifts, axes = shifts * (n // len(shifts)), axes * (n // len(axes))
    return _roll(a, shift=shifts, axis=axes)
