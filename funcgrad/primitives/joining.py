"""Joining and splitting, composed over shape's primitives: ``atleast_1d``/``2d``/``3d``, ``hstack``, ``vstack``,
``dstack``, ``column_stack`` (reshapes and one ``concatenate``) and ``split``, ``array_split``, ``hsplit``,
``vsplit`` (one ``crop`` per piece). No derivative code: the gradients are those of the primitives.
"""
from __future__ import annotations

import functools
import operator
from typing import Sequence

from ..backend import shape_of
from ..core import getval
from .shape import (ArrayLike, _asarray, _axis, _check_arrays, _int_tuple, _offsets, _reshape, _slab, concatenate,
                    crop, ndim)

__all__ = ["hstack", "vstack", "dstack", "column_stack", "atleast_1d", "atleast_2d", "atleast_3d", "split",
           "array_split", "hsplit", "vsplit"]
LINALG: list = []


def atleast_1d(*arys: ArrayLike):
    """Each input with at least one dimension, as ``numpy.atleast_1d`` (one input: the array, else a list).

    >>> import funcgrad.numpy as fnp
    >>> fnp.atleast_1d(2.0).shape
    (1,)
    """
    res = [a if len(shape_of(a)) >= 1 else _reshape(a, shape=(1,)) for a in map(_asarray, arys)]
    return res[0] if len(res) == 1 else res


def atleast_2d(*arys: ArrayLike):
    """Each input with at least two dimensions (a vector becomes a row), as ``numpy.atleast_2d``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.atleast_2d(fnp.ones(3)).shape
    (1, 3)
    """
    res = [a if len(shape_of(a)) >= 2 else _reshape(a, shape=(1, -1) if shape_of(a) else (1, 1))
           for a in map(_asarray, arys)]
    return res[0] if len(res) == 1 else res


def atleast_3d(*arys: ArrayLike):
    """Each input with at least three dimensions, as ``numpy.atleast_3d`` ((N,) -> (1, N, 1), (M, N) -> (M, N, 1)).

    >>> import funcgrad.numpy as fnp
    >>> fnp.atleast_3d(fnp.ones((2, 3))).shape
    (2, 3, 1)
    """
    res = []
    for a in map(_asarray, arys):
        s = shape_of(a)
        new = {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}.get(len(s))
        res.append(a if new is None else _reshape(a, shape=new))
    return res[0] if len(res) == 1 else res


def hstack(tup: Sequence[ArrayLike], *, dtype=None) -> ArrayLike:
    """The arrays joined column-wise (along axis 1, or axis 0 for vectors), as ``numpy.hstack``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.hstack([fnp.ones(2), fnp.zeros(3)]).shape
    (5,)
    """
    arrs = [atleast_1d(a) for a in _check_arrays(tup, "hstack")]
    return concatenate(arrs, axis=0 if len(shape_of(arrs[0])) == 1 else 1, dtype=dtype)


def vstack(tup: Sequence[ArrayLike], *, dtype=None) -> ArrayLike:
    """The arrays joined row-wise (vectors become rows), as ``numpy.vstack``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.vstack([fnp.ones(3), fnp.zeros(3)]).shape
    (2, 3)
    """
    return concatenate([atleast_2d(a) for a in _check_arrays(tup, "vstack")], axis=0, dtype=dtype)


def dstack(tup: Sequence[ArrayLike]) -> ArrayLike:
    """The arrays joined along the third axis, as ``numpy.dstack``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.dstack([fnp.ones((2, 2)), fnp.zeros((2, 2))]).shape
    (2, 2, 2)
    """
    return concatenate([atleast_3d(a) for a in _check_arrays(tup, "dstack")], axis=2)


def column_stack(tup: Sequence[ArrayLike]) -> ArrayLike:
    """Vectors as the columns of a matrix (matrices joined column-wise), as ``numpy.column_stack``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.column_stack([fnp.ones(3), fnp.zeros(3)]).shape
    (3, 2)
    """
    arrs = [_asarray(a) for a in _check_arrays(tup, "column_stack")]
    arrs = [_reshape(a, shape=(-1, 1)) if len(shape_of(a)) < 2 else a for a in arrs]
    return concatenate(arrs, axis=1)


@functools.lru_cache(maxsize=1024)
def _split_bounds(n: int, sections, op: str) -> tuple:
    if isinstance(sections, tuple):
        cuts = [min(max(i if i >= 0 else i + n, 0), n) for i in sections]
        bounds = [0] + cuts + [n]
        return tuple((a, max(a, b)) for a, b in zip(bounds[:-1], bounds[1:]))
    if sections <= 0:
        raise ValueError(f"funcgrad.{op}: the number of sections must be larger than 0, got {sections}")
    if op == "split" and n % sections:
        raise ValueError(f"funcgrad.split: an axis of length {n} cannot be split into {sections} equal sections; "
                         f"use fnp.array_split for unequal sections")
    each, extra = divmod(n, sections)
    sizes = [each + 1] * extra + [each] * (sections - extra)
    offs = _offsets(tuple(sizes))
    return tuple(zip(offs[:-1], offs[1:]))


def _split(ary, indices_or_sections, axis, op):
    ary = _asarray(ary)
    s = shape_of(ary)
    ax = _axis(axis, len(s), op)
    ios = getval(indices_or_sections)
    if isinstance(ios, (list, tuple)) or getattr(ios, "ndim", 0):
        key = _int_tuple(ios, "indices_or_sections", op)
    else:
        key = operator.index(ios)
    pieces = []
    for a, b in _split_bounds(s[ax], key, op):
        starts, stops = _slab(s, ax, a, b)
        pieces.append(crop(ary, starts=starts, stops=stops))
    return pieces


def split(ary: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list:
    """A list of sub-arrays: ``N`` equal sections, or pieces cut at the given indices, as ``numpy.split``.

    >>> import funcgrad.numpy as fnp
    >>> [p.shape for p in fnp.split(fnp.ones(6), [2, 5])]
    [(2,), (3,), (1,)]
    """
    return _split(ary, indices_or_sections, axis, "split")


def array_split(ary: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0) -> list:
    """Like :func:`split`, but ``N`` sections need not divide the axis evenly, as ``numpy.array_split``.

    >>> import funcgrad.numpy as fnp
    >>> [p.shape for p in fnp.array_split(fnp.ones(5), 3)]
    [(2,), (2,), (1,)]
    """
    return _split(ary, indices_or_sections, axis, "array_split")


def hsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list:
    """:func:`split` along axis 1 (axis 0 for vectors), as ``numpy.hsplit``.

    >>> import funcgrad.numpy as fnp
    >>> len(fnp.hsplit(fnp.ones((2, 4)), 2))
    2
    """
    return _split(ary, indices_or_sections, 1 if ndim(ary) > 1 else 0, "split")


def vsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list:
    """:func:`split` along axis 0, as ``numpy.vsplit``.

    >>> import funcgrad.numpy as fnp
    >>> len(fnp.vsplit(fnp.ones((4, 2)), 2))
    2
    """
    return _split(ary, indices_or_sections, 0, "split")
