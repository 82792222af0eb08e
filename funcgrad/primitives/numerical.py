"""Numerical routines: differences, gradients, integrals, interpolation, convolution, polynomials, products,
running sums, phase unwrapping. All compose funcgrad's slicing, gathering and arithmetic, so they differentiate to
any order; searches that only choose positions (``interp``'s intervals, NumPy's roots) read plain values.
"""
from __future__ import annotations

import operator
import warnings
from typing import Any, Sequence

import numpy as _onp

from ..core import Box, getval
from .creation import _create, logspace
from .elementwise import (absolute, add, conj, divide, equal, greater, less, log10, logical_and, mod, multiply,
                          not_equal, sign as _sign, sqrt, subtract, where)
from .indexing import getitem, take, take_along_axis
from .updates import at
from .linalg import inv, matmul, outer
from .decompositions import pinv
from .manipulation import _along, _arr as _a, _cast, _np, _slab, searchsorted
from .cumulative import cumprod, cumsum
from .reductions import sum as _sum
from .shape import (_axes_tuple, _axis, broadcast_arrays, broadcast_to, concatenate, moveaxis, ndim, reshape, stack, transpose)
from .tiling import flip
from .padding import pad

__all__ = ["diff", "ediff1d", "gradient", "trapezoid", "interp", "convolve", "correlate", "polyval", "polyadd",
           "polysub", "polymul", "polyder", "polyint", "polydiv", "polyfit", "poly", "roots", "vander",
           "cumulative_sum", "cumulative_prod", "matvec", "vecmat", "vecdot", "unwrap", "sort_complex", "geomspace"]
ArrayLike = Any
_F64 = _onp.dtype(_onp.float64)


def _zeros(shape, dt):
    return _create(None, None, lambda xp: xp.zeros(shape, dt))


def _traced(*xs) -> bool:
    return any(type(x) is Box or (type(x) in (list, tuple) and _traced(*x)) for x in xs)


def _inexact(a):
    return a if a.dtype.kind in "fc" else _cast(a, _F64)


# --- differences, gradients, integration ------------------------------------------------------------------------
def diff(a: ArrayLike, n: int = 1, axis: int = -1, prepend: ArrayLike | None = None,
         append: ArrayLike | None = None) -> Any:
    """The ``n``-th forward difference along ``axis`` (``prepend``/``append`` joined first), as ``numpy.diff``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.diff(fnp.array([1.0, 4.0, 9.0, 16.0]), n=2)
    array([2., 2.])
    """
    a, n = _a(a), operator.index(n)
    if n < 0 or (n and ndim(a) == 0):
        raise ValueError(f"funcgrad.numpy.diff: needs n >= 0 and an array of at least one dimension, got n={n} "
                         f"and shape {a.shape}")
    if n == 0:
        return a
    axis = _axis(axis, ndim(a), "numpy.diff")
    ends = [e if e is None or ndim(e) else broadcast_to(e, _slab(tuple(a.shape), axis, 1))
            for e in (None if e is None else _a(e) for e in (prepend, append))]
    if ends[0] is not None or ends[1] is not None:
        a = concatenate([e for e in (ends[0], a, ends[1]) if e is not None], axis=axis)
    hi, lo = _along(axis, slice(1, None)), _along(axis, slice(None, -1))
    for _ in range(n):
        a = (not_equal if a.dtype == bool else subtract)(getitem(a, hi), getitem(a, lo))
    return a


def ediff1d(ary: ArrayLike, to_end: ArrayLike | None = None, to_begin: ArrayLike | None = None) -> Any:
    """Differences of consecutive elements of the flattened ``ary``, ``to_begin``/``to_end`` joined at the ends (in
    ``ary``'s dtype), as ``numpy.ediff1d``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.ediff1d(fnp.array([1.0, 2.0, 4.0]), to_begin=0.0)
    array([0., 1., 2.])
    """
    a = reshape(_a(ary), (-1,))
    parts = [_cast(subtract(a[1:], a[:-1]), a.dtype)]
    for name, e, at_end in (("to_begin", to_begin, False), ("to_end", to_end, True)):
        if e is not None:
            e = reshape(_a(e), (-1,))
            if not _onp.can_cast(e.dtype, a.dtype, casting="same_kind"):
                raise TypeError(f"funcgrad.numpy.ediff1d: {name} of dtype {e.dtype} cannot be cast to the array's "
                                f"dtype {a.dtype} (same_kind casting)")
            parts.insert(len(parts) if at_end else 0, _cast(e, a.dtype))
    return concatenate(parts)


def _spacings(f, varargs, axes):
    if not varargs or (len(varargs) == 1 and ndim(varargs[0]) == 0):
        return list(varargs or (1.0,)) * len(axes)
    if len(varargs) != len(axes):
        raise TypeError(f"funcgrad.numpy.gradient: give no spacing, one scalar, or one per axis ({len(axes)}), got "
                        f"{len(varargs)}")
    out = []
    for ax, d0 in zip(axes, varargs):
        d = _a(d0)
        if ndim(d) and (ndim(d) != 1 or d.shape[0] != f.shape[ax]):
            raise ValueError(f"funcgrad.numpy.gradient: coordinates must be scalars or 1-D of the axis length "
                             f"{f.shape[ax]}, got shape {tuple(d.shape)} for axis {ax}")
        h = d0 if ndim(d) == 0 else subtract(_inexact(d)[1:], _inexact(d)[:-1])
        # NumPy's shortcut for even coordinates; traced coordinates keep every step, which their gradient needs
        if ndim(d) and not _traced(d) and h.size and bool((h == h[0]).all()):
            h = h[0]
        out.append(h)
    return out


def gradient(f: ArrayLike, *varargs: Any, axis: int | Sequence[int] | None = None, edge_order: int = 1) -> Any:
    """The gradient of sampled ``f``: central differences inside, one-sided ones of order ``edge_order`` at the
    edges, one array per axis, as ``numpy.gradient``; the spacings (scalars or coordinates) may be traced too.

    >>> import funcgrad.numpy as fnp
    >>> fnp.gradient(fnp.array([1.0, 4.0, 9.0, 16.0]), 2.0)
    array([1.5, 2. , 3. , 3.5])
    """
    f = _a(f)
    nd = ndim(f)
    axes = _axes_tuple(tuple(axis) if isinstance(axis, list) else axis, nd, "numpy.gradient")
    hs, f = _spacings(f, varargs, axes), _inexact(f)
    if edge_order not in (1, 2):
        raise ValueError(f"funcgrad.numpy.gradient: edge_order must be 1 or 2, got {edge_order!r}")
    out = []
    for ax, h in zip(axes, hs):
        if f.shape[ax] < edge_order + 1:
            raise ValueError(f"funcgrad.numpy.gradient: axis {ax} of shape {tuple(f.shape)} is too short; at least "
                             f"edge_order + 1 = {edge_order + 1} samples are needed")
        s = lambda i, j: getitem(f, _along(ax, slice(i, j)))  # noqa: E731
        if ndim(h) == 0:
            inner = (s(2, None) - s(None, -2)) / (2.0 * h)
        else:
            h1, h2 = (reshape(v, tuple(-1 if d == ax else 1 for d in range(nd))) for v in (h[:-1], h[1:]))
            inner = (-h2 / (h1 * (h1 + h2)) * s(None, -2) + (h2 - h1) / (h1 * h2) * s(1, -1)
                     + h1 / (h2 * (h1 + h2)) * s(2, None))
        if edge_order == 1:
            h0, hn = (h, h) if ndim(h) == 0 else (h[0], h[-1])
            first, last = (s(1, 2) - s(0, 1)) / h0, (s(-1, None) - s(-2, -1)) / hn
        else:
            if ndim(h) == 0:
                a, b, c, a2, b2, c2 = -1.5 / h, 2.0 / h, -0.5 / h, 0.5 / h, -2.0 / h, 1.5 / h
            else:
                h1, h2, k1, k2 = h[0], h[1], h[-2], h[-1]
                a, b, c = -(2.0 * h1 + h2) / (h1 * (h1 + h2)), (h1 + h2) / (h1 * h2), -h1 / (h2 * (h1 + h2))
                a2, b2, c2 = k2 / (k1 * (k1 + k2)), -(k2 + k1) / (k1 * k2), (2.0 * k2 + k1) / (k2 * (k1 + k2))
            first = a * s(0, 1) + b * s(1, 2) + c * s(2, 3)
            last = a2 * s(-3, -2) + b2 * s(-2, -1) + c2 * s(-1, None)
        out.append(concatenate([first, inner, last], axis=ax))
    return out[0] if len(axes) == 1 else tuple(out)


def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: float = 1.0, axis: int = -1) -> Any:
    """The integral of sampled ``y`` along ``axis`` by the trapezoidal rule (samples at ``x``, else ``dx`` apart),
    as ``numpy.trapezoid``.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.trapezoid(fnp.array([1.0, 2.0, 3.0]), x=fnp.array([0.0, 1.0, 3.0])))
    6.5
    """
    y = _a(y)
    axis = _axis(axis, ndim(y), "numpy.trapezoid")
    d = dx if x is None else diff(_a(x), axis=-1 if ndim(_a(x)) == 1 else axis)
    if x is not None and ndim(_a(x)) == 1:
        d = reshape(d, tuple(-1 if i == axis else 1 for i in range(ndim(y))))
    hi, lo = getitem(y, _along(axis, slice(1, None))), getitem(y, _along(axis, slice(None, -1)))
    return _sum(d * (hi + lo) / 2.0, axis=axis)


# --- interpolation and convolution ------------------------------------------------------------------------------
def interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, left: Any = None, right: Any = None,
           period: float | None = None) -> Any:
    """Piecewise-linear interpolation of the points ``(xp, fp)`` (``xp`` increasing) at ``x``, ``left``/``right``
    (default ``fp[0]``/``fp[-1]``) outside, as ``numpy.interp``. Differentiable in all of them; at a knot the
    derivative in ``x`` is the slope on its right (on its left at the last knot).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> xp, fp = fnp.array([0.0, 1.0, 2.0]), fnp.array([0.0, 10.0, 30.0])
    >>> fnp.interp(fnp.array([0.5, 1.5, 3.0]), xp, fp)
    array([ 5., 20., 30.])
    >>> float(fg.grad(lambda x: fnp.interp(x, xp, fp))(1.5))
    20.0
    """
    x, xp, fp = _a(x), _a(xp), _a(fp)
    if ndim(xp) != 1 or ndim(fp) != 1 or xp.shape[0] != fp.shape[0] or xp.shape[0] == 0:
        raise ValueError(f"funcgrad.numpy.interp: xp and fp must be 1-D, non-empty and of one length, got shapes "
                         f"{tuple(xp.shape)} and {tuple(fp.shape)}")
    x, xp, fp = _cast(x, _F64), _cast(xp, _F64), _cast(fp, _onp.dtype(complex if fp.dtype.kind == "c" else float))
    if period is not None:
        if period == 0:
            raise ValueError("funcgrad.numpy.interp: period must be non-zero")
        period, left, right = abs(period), None, None
        x, xp = mod(x, period), mod(xp, period)
        order = _onp.argsort(_np(xp, "interp"))
        xp, fp = take(xp, order), take(fp, order)
        xp, fp = concatenate([xp[-1:] - period, xp, xp[:1] + period]), concatenate([fp[-1:], fp, fp[:1]])
    n = xp.shape[0]
    if n == 1:
        res = broadcast_to(fp[0], tuple(x.shape))
    else:
        j = _onp.clip(_np(searchsorted(xp, x, side="right"), "interp") - 1, 0, n - 2)
        x0, x1, f0, f1 = take(xp, j), take(xp, j + 1), take(fp, j), take(fp, j + 1)
        w = equal(x1, x0)
        slope = where(w, 0.0, divide(subtract(f1, f0), where(w, 1.0, subtract(x1, x0))))
        # at the last knot measure from the right end, so that the value is fp[-1] exactly (NumPy's)
        res = where(equal(x, x1), slope * (x - x1) + f1, slope * (x - x0) + f0)
    res = where(less(x, xp[0]), fp[0] if left is None else left, res)
    return where(greater(x, xp[-1]), fp[-1] if right is None else right, res)


def _convolution(name, a, v, mode, correlating):
    a, v = (reshape(u, (1,)) if ndim(u) == 0 else u for u in (_a(a), _a(v)))
    if ndim(a) != 1 or ndim(v) != 1 or a.shape[0] == 0 or v.shape[0] == 0:
        raise ValueError(f"funcgrad.numpy.{name}: needs two non-empty 1-D arrays, got shapes {tuple(a.shape)} and "
                         f"{tuple(v.shape)}")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"funcgrad.numpy.{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    n, m = a.shape[0], v.shape[0]
    lo, hi = min(n, m), max(n, m)
    u, w = (a, flip(conj(v), 0) if correlating else v)[::1 if n >= m else -1]
    # windows gathered, then one product: O((n + m) * min(n, m)) memory, exact, and every rule is linear
    full = matmul(take(pad(u, (lo - 1, lo - 1)), _onp.arange(n + m - 1)[:, None] + _onp.arange(lo)), flip(w, 0))
    if mode == "full":
        return full
    if mode == "valid":
        return full[lo - 1:hi]
    start = (lo - 1) // 2 if not correlating or n >= m else (n - 1) - (n - 1) // 2
    return full[start:start + hi]


def convolve(a: ArrayLike, v: ArrayLike, mode: str = "full") -> Any:
    """Discrete linear convolution of two 1-D arrays, as ``numpy.convolve``; differentiable in both.

    >>> import funcgrad.numpy as fnp
    >>> fnp.convolve(fnp.array([1.0, 2.0, 3.0]), fnp.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    return _convolution("convolve", a, v, mode, False)


def correlate(a: ArrayLike, v: ArrayLike, mode: str = "valid") -> Any:
    """Cross-correlation ``c[k] = sum_n a[n + k] * conj(v[n])`` of two 1-D arrays, as ``numpy.correlate``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.correlate(fnp.array([1.0, 2.0, 3.0]), fnp.array([0.0, 1.0, 0.5]), "full")
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    return _convolution("correlate", a, v, mode, True)


# --- products ---------------------------------------------------------------------------------------------------
def vander(x: ArrayLike, N: int | None = None, increasing: bool = False) -> Any:
    """The Vandermonde matrix of the 1-D ``x``: columns ``x ** (N - 1)``, ..., ``x ** 0`` (reversed when
    ``increasing``), as ``numpy.vander``; repeated products, so it differentiates at ``x == 0`` too.

    >>> import funcgrad.numpy as fnp
    >>> fnp.vander(fnp.array([2.0, 3.0]), 3).tolist()
    [[4.0, 2.0, 1.0], [9.0, 3.0, 1.0]]
    """
    x = _a(x)
    if ndim(x) != 1:
        raise ValueError(f"funcgrad.numpy.vander: x must be 1-D, got shape {tuple(x.shape)}")
    n, N, dt = x.shape[0], x.shape[0] if N is None else operator.index(N), _onp.promote_types(x.dtype, int)
    cols = [_create(None, None, lambda xp: xp.ones((n,), dt))]
    for _ in range(N - 1):  # NumPy's multiply.accumulate, one product at a time
        cols.append(_cast(x, dt) if len(cols) == 1 else multiply(cols[-1], _cast(x, dt)))
    return stack(cols if increasing else cols[::-1], axis=1) if N else _zeros((n, 0), dt)


def _stacks(x1, x2, name: str, nd1: int, nd2: int):
    x1, x2 = _a(x1), _a(x2)
    if ndim(x1) < nd1 or ndim(x2) < nd2:
        raise ValueError(f"funcgrad.numpy.{name}: needs stacks of {'matrices' if nd1 == 2 else 'vectors'} and of "
                         f"{'matrices' if nd2 == 2 else 'vectors'}, got shapes {x1.shape} and {x2.shape}")
    return x1, x2


def matvec(x1: ArrayLike, x2: ArrayLike, /) -> Any:
    """Matrix-vector products over stacks, ``(..., m, n)`` by ``(..., n)``, as ``numpy.matvec``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.matvec(fnp.array([[1.0, 2.0], [3.0, 4.0]]), fnp.array([1.0, 1.0]))
    array([3., 7.])
    """
    x1, x2 = _stacks(x1, x2, "matvec", 2, 1)
    return getitem(matmul(x1, x2[..., None]), (Ellipsis, 0))


def vecmat(x1: ArrayLike, x2: ArrayLike, /) -> Any:
    """Vector-matrix products over stacks, ``(..., n)`` (conjugated) by ``(..., n, m)``, as ``numpy.vecmat``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.vecmat(fnp.array([1.0, 1.0]), fnp.array([[1.0, 2.0], [3.0, 4.0]]))
    array([4., 6.])
    """
    x1, x2 = _stacks(x1, x2, "vecmat", 1, 2)
    return getitem(matmul(conj(x1)[..., None, :], x2), (Ellipsis, 0, slice(None)))


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Any:
    """Dot products along ``axis`` of broadcast stacks of vectors, the first conjugated, as ``numpy.vecdot``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.vecdot(fnp.array([[1.0, 2.0], [3.0, 4.0]]), fnp.array([1.0, 1.0]))
    array([3., 7.])
    """
    x1, x2 = broadcast_arrays(_a(x1), _a(x2))
    return _sum(multiply(conj(x1), x2), axis=axis)


# --- polynomials (coefficients from the highest power down, as numpy.poly*) -------------------------------------
def _1d(p, name: str):
    p = _a(p)
    if ndim(p) > 1:
        raise ValueError(f"funcgrad.numpy.{name}: coefficients must be 1-D, got shape {tuple(p.shape)}")
    return reshape(p, (1,)) if ndim(p) == 0 else p


def polyval(p: ArrayLike, x: ArrayLike) -> Any:
    """The polynomial with coefficients ``p`` at ``x``, by Horner's rule, as ``numpy.polyval``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.polyval([1.0, 0.0, -1.0], fnp.array([2.0, 3.0]))
    array([3., 8.])
    """
    p, x = _a(p), _a(x)
    if ndim(p) == 0:
        raise TypeError("funcgrad.numpy.polyval: p must be a sequence of coefficients, got a 0-d value")
    y = _zeros(tuple(x.shape), x.dtype)
    for i in range(p.shape[0]):
        y = y * x + p[i]
    return y


def _padded(name: str, op, what: str, result: str):
    def f(a1: ArrayLike, a2: ArrayLike) -> Any:
        a1, a2 = _1d(a1, name), _1d(a2, name)
        d = a2.shape[0] - a1.shape[0]
        return op(concatenate([_zeros((d,), a1.dtype), a1]) if d > 0 else a1,
                  concatenate([_zeros((-d,), a2.dtype), a2]) if d < 0 else a2)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"The {what} of two polynomials, as ``numpy.{name}``.\n\n    >>> import funcgrad.numpy as fnp\n"
                 f"    >>> fnp.{name}([1.0, 2.0], [1.0, 0.0, 0.0])\n    {result}\n    ")
    return f


polyadd = _padded("polyadd", add, "sum", "array([1., 1., 2.])")
polysub = _padded("polysub", subtract, "difference", "array([-1.,  1.,  2.])")


def polymul(a1: ArrayLike, a2: ArrayLike) -> Any:
    """The product of two polynomials, as ``numpy.polymul``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.polymul([1.0, 1.0], [1.0, -1.0])
    array([ 1.,  0., -1.])
    """
    def trimmed(a):  # NumPy reads the coefficients as a poly1d, which drops leading zeros
        a = _1d(a, "polymul")
        nz = _onp.flatnonzero(_np(a, "polymul"))
        return a[int(nz[0]):] if nz.size else a[-1:]
    return convolve(trimmed(a1), trimmed(a2))


def polyder(p: ArrayLike, m: int = 1) -> Any:
    """The ``m``-th derivative of a polynomial, as ``numpy.polyder``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.polyder([1.0, 1.0, 1.0, 1.0])
    array([3., 2., 1.])
    """
    m, p = operator.index(m), _a(p)
    if m < 0:
        raise ValueError(f"funcgrad.numpy.polyder: the order m must be non-negative, got {m}")
    for _ in range(m):
        p = multiply(p[:-1], _onp.arange(p.shape[0] - 1, 0, -1))
    return p


def polyint(p: ArrayLike, m: int = 1, k: ArrayLike | None = None) -> Any:
    """The ``m``-th antiderivative of a polynomial, constants ``k`` (highest order first), as ``numpy.polyint``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.polyint([3.0, 2.0, 1.0], k=5.0)
    array([1., 1., 1., 5.])
    """
    m, p = operator.index(m), _a(p)
    k = _1d(_zeros((max(m, 0),), float) if k is None else k, "polyint")
    k = broadcast_to(k, (m,)) if k.shape[0] == 1 and m > 1 else k
    if m < 0 or k.shape[0] < m:
        raise ValueError(f"funcgrad.numpy.polyint: needs m >= 0 and k a scalar or at least m constants, got m={m} "
                         f"and {k.shape[0]} constants")
    for i in range(m):
        p = concatenate([divide(p, _onp.arange(p.shape[0], 0, -1)), reshape(k[i], (1,))])
    return p


def polydiv(u: ArrayLike, v: ArrayLike) -> tuple:
    """Quotient and remainder of polynomial division, as ``numpy.polydiv`` (leading remainder terms within 1e-8
    of zero dropped, as NumPy drops them).

    >>> import funcgrad.numpy as fnp
    >>> fnp.polydiv([1.0, 0.0, -1.0], [1.0, 1.0])
    (array([ 1., -1.]), array([0.]))
    """
    u, v = _1d(u, "polydiv") + 0.0, _1d(v, "polydiv") + 0.0
    dt = _onp.result_type(u.dtype, v.dtype)
    m, n = u.shape[0] - 1, v.shape[0] - 1
    scale = 1.0 / v[0]
    q, r = _zeros((max(m - n + 1, 1),), dt), _cast(u, dt)
    for k in range(m - n + 1):
        d = scale * r[k]
        q, r = at(q)[k].set(d), at(r)[k:k + n + 1].add(-(d * v))
    while r.shape[0] > 1 and _onp.allclose(_np(r[0], "polydiv"), 0, rtol=1e-14):
        r = r[1:]
    return q, r


def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None, full: bool = False,
            w: ArrayLike | None = None, cov: bool | str = False) -> Any:
    """Least-squares polynomial fit of degree ``deg`` (scaled columns, pseudo-inverse), as ``numpy.polyfit``,
    ``full`` and ``cov`` included; differentiable in ``x``, ``y`` and ``w`` (``full``'s rank and singular values
    are plain).

    >>> import funcgrad.numpy as fnp
    >>> fnp.polyfit(fnp.array([0.0, 1.0, 2.0]), fnp.array([1.0, 3.0, 5.0]), 1).round(8)
    array([2., 1.])
    """
    order, x, y = operator.index(deg) + 1, _a(x) + 0.0, _a(y) + 0.0
    w = None if w is None else _a(w) + 0.0
    if order < 1 or ndim(x) != 1 or x.shape[0] == 0 or ndim(y) not in (1, 2) or y.shape[0] != x.shape[0] or (
            w is not None and w.shape != x.shape):
        raise TypeError(f"funcgrad.numpy.polyfit: needs deg >= 0, x non-empty 1-D, y 1-D or 2-D and w 1-D of the "
                        f"same length, got deg={deg} and shapes {x.shape}, {y.shape}, {None if w is None else w.shape}")
    rcond = x.shape[0] * _onp.finfo(x.dtype).eps if rcond is None else rcond
    lhs, rhs = vander(x, order), y
    if w is not None:
        lhs, rhs = lhs * w[:, None], rhs * (w[:, None] if ndim(rhs) == 2 else w)
    scale = sqrt(_sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    cs = matmul(pinv(lhs, rcond=rcond), rhs)
    c = divide(cs, scale if ndim(cs) == 1 else scale[:, None])
    s = _onp.linalg.svd(_np(lhs, "polyfit"), compute_uv=False)
    rank = int((s > rcond * s[0]).sum()) if s.size else 0
    if rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", _onp.exceptions.RankWarning, stacklevel=2)
    resids = reshape(_sum(subtract(matmul(lhs, cs), rhs) ** 2, axis=0), (-1,))
    if full:
        return c, resids if rank == order and x.shape[0] > order else _zeros((0,), resids.dtype), rank, s, rcond
    if not cov:
        return c
    if cov != "unscaled" and x.shape[0] <= order:
        raise ValueError("funcgrad.numpy.polyfit: the number of data points must exceed order to scale the "
                         "covariance matrix (or pass cov='unscaled')")
    base = inv(matmul(transpose(lhs), lhs)) / outer(scale, scale)
    fac = 1.0 if cov == "unscaled" else resids / (x.shape[0] - order)
    return c, base * fac if ndim(y) == 1 else base[:, :, None] * fac


def poly(seq_of_zeros: ArrayLike) -> Any:
    """The monic polynomial with the given roots (of a square matrix: its characteristic polynomial, by the
    Faddeev-LeVerrier recursion), as ``numpy.poly``; differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.poly([1.0, 2.0])
    array([ 1., -3.,  2.])
    """
    z = _1d(seq_of_zeros, "poly") if ndim(_a(seq_of_zeros)) != 2 else _a(seq_of_zeros)
    if ndim(z) == 2:
        if z.shape[0] != z.shape[1] or not z.shape[0]:
            raise ValueError(f"funcgrad.numpy.poly: needs 1-D roots or a non-empty square matrix, got shape {z.shape}")
        z = _inexact(z)
        n, eye = z.shape[0], _create(None, None, lambda xp: xp.eye(z.shape[0], dtype=z.dtype))
        coeffs, mk = [_create(None, None, lambda xp: xp.asarray(1, z.dtype))], _zeros((n, n), z.dtype)
        for k in range(1, n + 1):
            mk = matmul(z, mk) + coeffs[-1] * eye
            coeffs.append(-_sum(matmul(z, mk) * eye) / k)
        return stack(coeffs)
    if z.shape[0] == 0:
        return 1.0
    z = z if z.dtype.kind in "fc" and z.dtype.itemsize >= 4 else _cast(z, _F64)
    a = _create(None, None, lambda xp: xp.ones((1,), z.dtype))
    for i in range(z.shape[0]):
        a = convolve(a, stack([_create(None, None, lambda xp: xp.asarray(1, z.dtype)), -z[i]]))
    if a.dtype.kind == "c":  # roots in conjugate pairs make a real polynomial
        r = _onp.asarray(_np(z, "poly"), complex)
        a = a.real if _onp.all(_onp.sort(r) == _onp.sort(r.conjugate())) else a
    return a


def roots(p: ArrayLike) -> Any:
    """The roots of a polynomial (NumPy's companion-matrix eigenvalues), as ``numpy.roots``; for traced
    coefficients two Newton steps from them give each simple root its implicit-function derivative (a repeated
    root has none, and keeps NumPy's value).

    >>> import funcgrad.numpy as fnp
    >>> fnp.sort(fnp.roots([1.0, -3.0, 2.0]))
    array([1., 2.])
    """
    p = _1d(p, "roots")
    pv = _np(p, "roots")
    r0 = _onp.roots(pv)
    if not _traced(p):
        return r0
    nz = _onp.flatnonzero(pv)
    tail = p.shape[0] - int(nz[-1]) - 1 if nz.size else 0
    ps, r = p[int(nz[0]):int(nz[-1]) + 1] if nz.size else p[:0], r0[:r0.shape[0] - tail]
    if ps.shape[0] > 1:
        dps, base = polyder(ps), r
        ok = _onp.abs(_onp.polyval(_np(dps, "roots"), base)) > (
            _onp.sqrt(_onp.finfo(float).eps) * _onp.abs(_np(ps, "roots")).max() * (1 + _onp.abs(base)))
        for _ in range(2):  # each step squares the error: the derivatives of r agree with the root's to order 3
            r = r - where(ok, polyval(ps, r) / where(ok, polyval(dps, r), 1.0), 0.0)
    return concatenate([r, _zeros((tail,), r0.dtype)])


# --- running sums, phases, sorting, ranges ----------------------------------------------------------------------
def _cumulative(name: str, fn, fill: int):
    def f(x: ArrayLike, /, *, axis: int | None = None, dtype: Any = None, include_initial: bool = False) -> Any:
        x = _a(x)
        if axis is None and ndim(x) > 1:
            raise ValueError(f"funcgrad.numpy.{name}: give axis= for an array of more than one dimension (shape "
                             f"{tuple(x.shape)})")
        out = fn(reshape(x, (1,)) if ndim(x) == 0 else x, axis=axis or 0, dtype=dtype)
        if not include_initial:
            return out
        ax = _axis(axis or 0, ndim(out), f"numpy.{name}")
        return concatenate([_create(None, None, lambda xp: xp.full(_slab(tuple(out.shape), ax, 1), fill,
                                                                   out.dtype)), out], axis=ax)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"Running {'sums' if fill == 0 else 'products'} along ``axis`` (needed beyond 1-D), optionally "
                 f"starting with {fill}, as ``numpy.{name}``.\n\n    >>> import funcgrad.numpy as fnp\n"
                 f"    >>> fnp.{name}(fnp.array([1.0, 2.0, 3.0]), include_initial=True)\n"
                 f"    array([{'0., 1., 3., 6.' if fill == 0 else '1., 1., 2., 6.'}])\n    ")
    return f


cumulative_sum = _cumulative("cumulative_sum", cumsum, 0)
cumulative_prod = _cumulative("cumulative_prod", cumprod, 1)


def unwrap(p: ArrayLike, discont: float | None = None, axis: int = -1, *, period: float = 2 * _onp.pi) -> Any:
    """``p`` with jumps above ``discont`` (default ``period / 2``) along ``axis`` removed by adding multiples of
    ``period``, as ``numpy.unwrap``; the gradient passes straight through.

    >>> import funcgrad.numpy as fnp
    >>> fnp.unwrap(fnp.array([0.0, 3.0, 6.0]), period=4.0)
    array([ 0., -1., -2.])
    """
    p = _a(p)
    dd = diff(p, axis=axis)
    discont, dt = period / 2 if discont is None else discont, _onp.result_type(dd.dtype, period)
    high, ambiguous = divmod(period, 2) if dt.kind in "iu" else (period / 2, 0)
    ddmod = mod(dd + high, period) - high
    if not ambiguous:  # an even integer period, or any floating one: +-period/2 go to +period/2 for rising steps
        ddmod = where(logical_and(equal(ddmod, -high), greater(dd, 0)), high, ddmod)
    correction = where(less(absolute(dd), discont), 0, ddmod - dd)
    axis = _axis(axis, ndim(p), "numpy.unwrap")
    return _cast(concatenate([getitem(p, _along(axis, slice(None, 1))), getitem(p, _along(axis, slice(1, None)))
                              + cumsum(correction, axis=axis)], axis=axis), dt)


def sort_complex(a: ArrayLike) -> Any:
    """``a`` sorted along its last axis by real, then imaginary part, as a complex array (``numpy.sort_complex``);
    each element's gradient goes back to where it came from.

    >>> import funcgrad.numpy as fnp
    >>> fnp.sort_complex(fnp.array([1.0 + 2j, 1.0 - 1j, 0.0 + 5j]))
    array([0.+5.j, 1.-1.j, 1.+2.j])
    """
    a = _a(a)
    out = take_along_axis(a, _onp.argsort(_np(a, "sort_complex"), axis=-1), axis=-1)
    ch = a.dtype.char
    return _cast(out, a.dtype if a.dtype.kind == "c" else _onp.dtype("F" if ch in "bhBH" else "GD"[ch != "g"]))


def geomspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0) -> Any:
    """``num`` numbers evenly spaced on a log scale from ``start`` to ``stop`` (negative or complex too), as
    ``numpy.geomspace``; differentiable in ``start`` and ``stop``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.geomspace(1.0, 1000.0, 4)
    array([   1.,   10.,  100., 1000.])
    """
    start, stop = _a(start), _a(stop)
    if (getval(start) == 0).any() or (getval(stop) == 0).any():  # every example's, under vmap
        raise ValueError("funcgrad.numpy.geomspace: a geometric sequence cannot include zero")
    dt = _onp.result_type(start.dtype, stop.dtype, float(num), _onp.zeros((), dtype))
    sign = _sign(_cast(start, dt))  # piecewise constant: no gradient, as a constant would have
    start, stop = _cast(start, dt) / sign, _cast(stop, dt) / sign
    res = logspace(log10(start), log10(stop), num=num, endpoint=endpoint, base=10.0, dtype=dt)
    if num > 0:  # the ends exactly
        res = at(res)[0].set(start)
        res = at(res)[-1].set(stop) if num > 1 and endpoint else res
    res = moveaxis(res * sign, 0, axis) if axis != 0 else res * sign
    return res if dtype is None else _cast(res, _onp.dtype(dtype))
