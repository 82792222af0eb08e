"""The moments: ``var``, ``std`` and ``average``, compositions of reductions.py's primitives (``mean``, ``sum``), so
their derivatives of any order come from those; NumPy's ``where=`` mask selects the entries counted.

>>> import funcgrad.numpy as fnp
>>> float(fnp.std(fnp.array([1.0, 3.0])))
1.0
"""
from __future__ import annotations

import builtins

import numpy as _onp

from ..backend import dtype_of, namespace, shape_of
from ..core import getval, is_traced
from ..core.primitive import broadcast_to
from .shape import _reshape
from .elementwise import absolute, divide, equal, maximum, multiply, sqrt, square, subtract, where
from .reductions import (_AxisLike, _arr, _axis, _checked, _count, _mask, _mean, _mean_where, _no_out, _real_dtype,
                         _select, _seq, _sum)

__all__ = ["var", "std", "average"]


def _abs2(x):
    # |x|^2 without abs for real x: square has the right second derivative at 0, abs does not.
    return square(absolute(x)) if dtype_of(x).kind == "c" else square(x)


def _safe_sqrt(v):
    """``sqrt(v)`` whose derivatives are 0 where ``v`` is 0 (the "double where": neither branch leaks a NaN, at any
    order), PyTorch's convention for a standard deviation or a 2-norm of 0; a NaN stays NaN."""
    if not is_traced(v):
        return sqrt(v)
    zero = equal(v, 0.0)
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))


def var(a, axis: _AxisLike = None, dtype=None, out=None, ddof: float = 0, keepdims: bool = False, *,
        where=True):  # noqa: A002
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom (divisor ``N - ddof``), as ``numpy.var``;
    with a ``where`` mask, of the selected entries (``N`` their count).

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.var(fnp.array([1.0, 2.0, 3.0, 4.0]), ddof=1))
    1.6666666666666667
    """
    if out is not None:
        _no_out("var", out)
    a = _seq(a)
    axis = _axis(axis)
    if where is not True:
        a = _arr(a)
        _mask("var", a, where)
        mu = _mean_where(a, axis, dtype, True, where, "var")
        d = _select(where, subtract(a, mu), 0)  # (the parameter ``where`` hides the elementwise function here)
        n = _count(a, where, axis, keepdims, _real_dtype(a, dtype))
        return divide(_sum(_abs2(d), axis=axis, keepdims=keepdims, dtype=dtype), maximum(subtract(n, ddof), 0))
    n = _checked("var", shape_of(a) if hasattr(a, "shape") else _onp.shape(a), axis)[2]
    d = subtract(a, _mean(a, axis=axis, keepdims=True, dtype=dtype))
    return divide(_sum(_abs2(d), axis=axis, keepdims=keepdims, dtype=dtype), builtins.max(n - ddof, 0))


def std(a, axis: _AxisLike = None, dtype=None, out=None, ddof: float = 0, keepdims: bool = False, *,
        where=True):  # noqa: A002
    """Standard deviation over ``axis`` (square root of :func:`var`, ``where`` mask included), as ``numpy.std``.
    Its gradient is 0 where the deviation is 0 (a constant slice), as PyTorch's is, at every order.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.std(fnp.array([1.0, 3.0])))
    1.0
    """
    if out is not None:
        _no_out("std", out)
    return _safe_sqrt(var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where))


def average(a, axis: _AxisLike = None, weights=None, returned: bool = False, *, keepdims: bool = False):
    """Weighted average over ``axis``, as ``numpy.average``; differentiable in ``a`` and ``weights``.
    ``weights`` has ``a``'s shape, or is 1-D along a single ``axis``. With ``returned``, also gives the sum of
    the weights.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.average(fnp.array([1.0, 3.0]), weights=fnp.array([3.0, 1.0])))
    1.5
    """
    a, weights = _seq(a), _seq(weights)
    axis = _axis(axis)
    ashape = shape_of(a) if hasattr(a, "shape") else _onp.shape(a)
    if weights is None:
        avg = _mean(a, axis=axis, keepdims=keepdims)
        if not returned:
            return avg
        v = getval(avg)
        return avg, namespace(v).full(shape_of(v), _checked("average", ashape, axis)[2], dtype=dtype_of(v))
    wshape = shape_of(weights) if hasattr(weights, "shape") else _onp.shape(weights)
    if wshape != ashape:
        if axis is None:
            raise TypeError(f"funcgrad.numpy.average: weights of shape {wshape} differ from a's shape {ashape}; "
                            f"pass axis= to weight along one axis")
        if len(wshape) != 1 or isinstance(axis, tuple) and len(axis) != 1:
            raise TypeError(f"funcgrad.numpy.average: weights of shape {wshape} must have a's shape {ashape} or "
                            f"be 1-D along a single axis (got axis={axis!r})")
        ax = _checked("average", ashape, axis)[0][0]
        if wshape[0] != ashape[ax]:
            raise ValueError(f"funcgrad.numpy.average: weights of length {wshape[0]} do not match axis {ax} of "
                             f"length {ashape[ax]} in a's shape {ashape}")
        # 1-D weights line up with their axis, then count once per averaged slice (the scale numpy returns)
        weights = broadcast_to(_reshape(weights, shape=tuple(-1 if i == ax else 1 for i in
                                                                      range(len(ashape)))), shape=ashape)
    wsum = _sum(weights, axis=axis, keepdims=keepdims)
    avg = divide(_sum(multiply(a, weights), axis=axis, keepdims=keepdims), wsum)
    return (avg, wsum) if returned else avg
