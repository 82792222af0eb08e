"""Cumulative sums and products: ``cumsum`` and ``cumprod``, primitives with their VJP, JVP and batching rules.

``cumsum``'s transpose is itself run the other way (``reverse=True``). ``cumprod``'s derivatives are exact to any
order with any number of zeros per slice: with zeros its rules are division-free recurrences (a linear scan by
recursive doubling over shifts, and the exclusive cumulative product), built from ``crop`` and ``pad``, which are
each other's transposes. The axis bookkeeping and the zero test are reductions'.
"""
from __future__ import annotations

import builtins
import math

from ..backend import namespace, shape_of
from ..core import Primitive
from .elementwise import divide, multiply
from .reductions import _arr, _batch_axis, _flat_examples, _has_zero, _no_out
from .shape import _reshape, crop, pad_p

__all__ = ["cumsum", "cumprod"]
LINALG: list = []


# --- cumsum -----------------------------------------------------------------------------------------------------
def _cumsum_impl(x, axis=None, dtype=None, reverse=False):
    xp = namespace(x)
    if not reverse:
        return _arr(x).cumsum(axis=axis, dtype=dtype)
    if axis is None:
        x = xp.reshape(x, (-1,))
        axis = 0
    return xp.flip(xp.cumsum(xp.flip(x, axis=axis), axis=axis, dtype=dtype), axis=axis)


def _cumsum_vjp(g, ans, x, axis=None, dtype=None, reverse=False):
    if axis is None:  # x was flattened: accumulate g the other way along it, then give it x's shape back
        return _reshape(_cumsum(g, axis=0, reverse=not reverse), shape=shape_of(x))
    return _cumsum(g, axis=axis, reverse=not reverse)


_cumsum = Primitive("cumsum", _cumsum_impl, doc=(
    "``numpy.cumsum``; ``reverse=True`` accumulates from the end (its transpose). Primitive form of "
    ":func:`cumsum`."))
_cumsum.def_vjp(_cumsum_vjp)
_cumsum.def_jvp_linear()


def _cumsum_batch(args, batched, axis=None, dtype=None, reverse=False):
    x = args[0]
    if axis is None:
        return _cumsum(_flat_examples(x), axis=1, dtype=dtype, reverse=reverse)
    return _cumsum(x, axis=_batch_axis("cumsum", shape_of(x)[1:], axis), dtype=dtype, reverse=reverse)


_cumsum.def_batch(_cumsum_batch)


# --- cumprod ----------------------------------------------------------------------------------------------------
def _cumprod_impl(x, axis=None, dtype=None):
    return _arr(x).cumprod(axis=axis, dtype=dtype)


def _shift(y, axis: int, d: int, fill: float):
    # y_new[i] = y[i + d] along axis (d > 0 reads ahead, d < 0 behind), the |d| places with no source filled
    # with ``fill``. crop and pad are each other's transposes, so expressions built from shifts differentiate
    # exactly to any order.
    s = shape_of(y)
    nd, n = len(s), s[axis]
    k = builtins.min(abs(d), n)
    starts, stops = [0] * nd, list(s)
    widths = [(0, 0)] * nd
    if d > 0:
        starts[axis], widths[axis] = k, (0, k)
    else:
        stops[axis], widths[axis] = n - k, (k, 0)
    return pad_p(crop(y, starts=tuple(starts), stops=tuple(stops)), pad_width=tuple(widths), constant_values=fill)


def _linear_scan(a, b, axis: int, reverse: bool):
    # The linear recurrence s_k = b_k + a_k s_{k-1} (s_{-1} = 0), or with reverse=True s_k = b_k + a_k s_{k+1}
    # (s_n = 0), by recursive doubling: after the step with offset d, (a_k, b_k) is the affine map composed over
    # 2d neighbours, so ceil(log2 n) steps of products and sums (no division) give every s_k. Each step reads
    # the neighbour d places back (forward) or ahead (reverse); the zero fill ends the chain at the boundary.
    n = shape_of(b)[axis]
    d = 1
    while d < n:
        off = d if reverse else -d
        b = b + multiply(a, _shift(b, axis, off, 0))
        if 2 * d < n:  # the last step's composed a is never read
            a = multiply(a, _shift(a, axis, off, 0))
        d *= 2
    return b


def _exclusive_cumprod(x, axis: int):
    # E_i = prod_{j < i} x_j: the cumulative product of x shifted one place back with a leading 1 (division-free,
    # so zeros anywhere are fine, and its own derivatives are cumprod's rules again).
    return _cumprod(_shift(x, axis, -1, 1), axis=axis)


def _cumprod_vjp(g, ans, x, axis=None, dtype=None):
    shape = shape_of(x)
    if axis is None:
        x = _reshape(x, shape=(math.prod(shape),))
        axis = 0
    axis = axis % len(shape_of(x))
    if not _has_zero(x):
        # grad_i = sum_{k >= i} g_k ans_k / x_i, exact (to any order) for nonzero x.
        grad = divide(_cumsum(multiply(g, ans), axis=axis, reverse=True), x)
    else:
        # grad_i = sum_{k >= i} g_k prod_{j <= k, j != i} x_j = E_i S_i, with E the exclusive cumulative product
        # and S_i = sum_{k >= i} g_k prod_{i < j <= k} x_j, the reverse recurrence S_i = g_i + x_{i+1} S_{i+1}.
        # Both are polynomials in x computed without division, so every derivative is exact whatever the zeros:
        # masking the entries at and past the zeros (as a formula dividing by x must) would keep the values but
        # drop the derivatives through those zeros, wrong from the second order on with two zeros in a slice.
        grad = multiply(_exclusive_cumprod(x, axis), _linear_scan(_shift(x, axis, 1, 0), g, axis, reverse=True))
    return _reshape(grad, shape=shape) if shape_of(grad) != shape else grad


def _cumprod_jvp(t, ans, x, axis=None, dtype=None):
    # tangent_k = sum_{i <= k} t_i prod_{j <= k, j != i} x_j, which is ans_k * cumsum(t / x)_k for nonzero x.
    if axis is None:
        flat = (math.prod(shape_of(x)),)  # ans is already flat
        x, t = _reshape(x, shape=flat), _reshape(t, shape=flat)
        axis = 0
    axis = axis % len(shape_of(x))
    if not _has_zero(x):
        return multiply(ans, _cumsum(divide(t, x), axis=axis))
    # The transpose of the VJP's formula: tangent_k = sum_{i <= k} (t_i E_i) prod_{i < j <= k} x_j, the forward
    # recurrence T_k = t_k E_k + x_k T_{k-1}; division-free, so exact to any order with zeros anywhere.
    return _linear_scan(x, multiply(t, _exclusive_cumprod(x, axis)), axis, reverse=False)


_cumprod = Primitive("cumprod", _cumprod_impl, doc="``numpy.cumprod`` (primitive form; see :func:`cumprod`).")
_cumprod.def_vjp(_cumprod_vjp)
_cumprod.def_jvp(_cumprod_jvp)


def _cumprod_batch(args, batched, axis=None, dtype=None):
    x = args[0]
    if axis is None:
        return _cumprod(_flat_examples(x), axis=1, dtype=dtype)
    return _cumprod(x, axis=_batch_axis("cumprod", shape_of(x)[1:], axis), dtype=dtype)


_cumprod.def_batch(_cumprod_batch)


def cumsum(a, axis: int | None = None, dtype=None, out=None):
    """Cumulative sum along ``axis`` (None: over the flattened array), as ``numpy.cumsum``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.cumsum(fnp.array([1.0, 2.0, 3.0]))
    array([1., 3., 6.])
    """
    if out is not None:
        _no_out("cumsum", out)
    return _cumsum(a, axis=axis, dtype=dtype)


def cumprod(a, axis: int | None = None, dtype=None, out=None):
    """Cumulative product along ``axis`` (None: over the flattened array), as ``numpy.cumprod``. Derivatives of
    every order are exact, also with zeros (any number of them) in the input.

    >>> import funcgrad.numpy as fnp
    >>> fnp.cumprod(fnp.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    if out is not None:
        _no_out("cumprod", out)
    return _cumprod(a, axis=axis, dtype=dtype)
