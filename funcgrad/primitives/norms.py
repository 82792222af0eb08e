"""``numpy.linalg.norm``: vector and matrix norms, compositions of the reductions and, for the matrix orders 2, -2
and 'nuc', of the singular values (``svdvals``).

The spectral norms' gradients are those of the singular values: exact where the extreme singular value (2, -2) is
simple, and, for 'nuc', where all of them are nonzero and distinct (``U V^T`` for a full-rank matrix).
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as _onp

from ..backend import dtype_of, namespace, shape_of
from ..core import getval, is_traced
from .decompositions import svdvals
from .elementwise import absolute, equal, not_equal, power, where
from .moments import _abs2, _safe_sqrt
from .reductions import _axis, _max, _min, _seq, _sum
from .shape import _reshape, _transpose

__all__: list = []
LINALG = ["norm"]

_AxisLike = Any  # None, an int, or a tuple/list of ints


def _safe_power(a, p):
    """``a ** p`` for ``a >= 0`` and a constant ``p > 0``, whose derivatives are 0 where ``a`` is 0 (the "double
    where", so no ``0 * inf`` at any order; PyTorch's subgradient of a p-norm there); a NaN stays NaN."""
    if not is_traced(a):
        return power(a, p)
    zero = equal(a, 0.0)
    return where(zero, 0.0, power(where(zero, 1.0, a), p))


def _p_norm(x, ord, axis=None, keepdims: bool = False):
    """The vector ``ord``-norm ``(sum |x|^ord)^(1/ord)`` over ``axis`` (None: all, an int or a tuple), for a number
    ``ord`` other than 0, 1, 2 and +-inf. For ``ord > 0`` its gradient is 0 at the zero vector and, for entries
    that are 0, 0 too (PyTorch's subgradients, finite at higher orders); a negative ``ord`` is the plain formula.

    >>> import funcgrad.numpy as fnp
    >>> float(_p_norm(fnp.array([3.0, 4.0]), 3, axis=0))
    4.497941445275415
    """
    if ord > 0:
        return _safe_power(_sum(_safe_power(absolute(x), ord), axis=axis, keepdims=keepdims), 1.0 / ord)
    return power(_sum(power(absolute(x), ord), axis=axis, keepdims=keepdims), 1.0 / ord)


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return _safe_sqrt(_sum(_abs2(x), axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"funcgrad.numpy.linalg.norm: invalid norm order {ord!r} for vectors")
    if ord == _onp.inf:
        return _max(absolute(x), axis=axis, keepdims=keepdims)
    if ord == -_onp.inf:
        return _min(absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:  # the number of nonzero entries: piecewise constant, no gradient
        return _sum(not_equal(getval(x), 0.0), axis=axis, keepdims=keepdims).astype(_onp.float64)
    if ord == 1:
        return _sum(absolute(x), axis=axis, keepdims=keepdims)
    return _p_norm(x, ord, axis, keepdims)


def _kept(out, shape, row, col, keepdims):
    # a result over the other axes, given back the two matrix axes as 1s when keepdims
    if not keepdims:
        return out
    return _reshape(out, shape=tuple(1 if i in (row, col) else s for i, s in enumerate(shape)))


def _spectral_norm(x, ord, row, col, keepdims):
    """ord 2 (largest singular value), -2 (smallest) or 'nuc' (their sum) of the matrices in axes (row, col)."""
    shape = shape_of(x)
    if shape[row] * shape[col] == 0:
        if ord == -2:  # NumPy's minimum over no singular values
            raise ValueError(f"funcgrad.numpy.linalg.norm: ord=-2 of empty matrices (shape {shape}, axes "
                             f"{(row, col)}) is a minimum over no singular values")
        return _sum(absolute(x), axis=(row, col), keepdims=keepdims)  # NumPy's 0 (and a zero gradient)
    # the matrices to the last two axes, in their (row, col) orientation: svdvals works on stacks of them
    perm = tuple(i for i in range(len(shape)) if i not in (row, col)) + (row, col)
    s = svdvals(_transpose(x, axes=perm) if perm != tuple(range(len(shape))) else x)
    if ord == "nuc":
        out = _sum(s, axis=-1)
    else:
        out = (_max if ord == 2 else _min)(s, axis=-1)
    return _kept(out, shape, row, col, keepdims)


def _matrix_norm(x, ord, axis, keepdims):
    nd = len(shape_of(x))
    row, col = (a % nd for a in axis)
    if row == col:
        raise ValueError(f"funcgrad.numpy.linalg.norm: duplicate axes given: {axis!r}")
    if ord is None or ord in ("fro", "f"):
        return _safe_sqrt(_sum(_abs2(x), axis=(row, col), keepdims=keepdims))
    if ord in (1, -1, _onp.inf, -_onp.inf):
        inner, outer = (row, col) if ord in (1, -1) else (col, row)
        pick = _max if ord > 0 else _min
        out = pick(_sum(absolute(x), axis=inner, keepdims=True), axis=outer, keepdims=True)
        if keepdims:
            return out
        shape = tuple(s for i, s in enumerate(shape_of(x)) if i not in (row, col))
        return _reshape(out, shape=shape)
    if ord in (2, -2, "nuc"):
        return _spectral_norm(x, ord, row, col, keepdims)
    raise ValueError(f"funcgrad.numpy.linalg.norm: invalid norm order {ord!r} for matrices")


def norm(x, ord=None, axis: _AxisLike = None, keepdims: bool = False):
    """Vector or matrix norm, as ``numpy.linalg.norm``: vector orders None/2, 1, inf, -inf, 0 and any p; matrix
    orders None/'fro', 'nuc', 1, -1, 2, -2, inf, -inf (over ``axis=(i, j)``, any stack). As in PyTorch, the
    gradient of the 2-norm, the Frobenius norm and the p-norms (p > 0) is 0 at the zero vector (or matrix); the
    spectral orders' gradients need the singular values they use to be distinct.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.linalg.norm(fnp.array([3.0, 4.0])))
    5.0
    >>> float(fnp.linalg.norm(fnp.array([[3.0, 0.0], [0.0, -4.0]]), ord=2))
    4.0
    """
    x = _seq(x)
    if dtype_of(x).kind not in "fc":
        x = namespace(getval(x)).asarray(getval(x), dtype=_onp.float64)  # integers: no gradient, as a float
    nd = len(shape_of(x))
    axis = _axis(axis)
    if axis is None:
        if ord is None:
            return _safe_sqrt(_sum(_abs2(x), axis=None, keepdims=keepdims))
        if nd not in (1, 2):
            raise ValueError(f"funcgrad.numpy.linalg.norm: improper number of dimensions to norm: ord={ord!r} with "
                             f"axis=None needs a 1-D or 2-D array, got shape {shape_of(x)}; pass axis=")
        axis = tuple(range(nd))
    if not isinstance(axis, tuple):
        axis = (axis,)
    for a in axis:
        if not -nd <= operator.index(a) < nd:
            raise ValueError(f"funcgrad.numpy.linalg.norm: axis {a} is out of bounds for an array of shape "
                             f"{shape_of(x)}")
    if len(axis) == 1:
        return _vector_norm(x, ord, axis[0], keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise ValueError(f"funcgrad.numpy.linalg.norm: axis={axis!r} names {len(axis)} axes; a norm takes 1 (vector) "
                     f"or 2 (matrix)")
