"""Statistics: order statistics (median, quantiles, percentiles), ``ptp``, ``count_nonzero``, covariance and
correlation, histograms and ``bincount``/``digitize``. The NaN-ignoring reductions are in nanreductions.py.

The order statistics are compositions of primitives, so they differentiate to any order and work under vmap; their
NaN-ignoring forms (``nanmedian``, ``nanquantile`` ...) count the non-NaN values of each slice. Quantiles sort the
data (``sort`` passes each gradient back to the element it moved) and interpolate between the two neighbouring
order statistics, so the gradient reaches those two elements only, weighted as in the interpolation (JAX's
convention), and the quantile ``q`` itself when it is traced.
Histograms and ``digitize`` are piecewise constant: non-differentiable primitives. ``bincount`` is differentiable
in its ``weights``.
"""
from __future__ import annotations

import math
import operator
from typing import Any

import numpy as _onp

from ..backend import dtype_of, namespace, namespace_of, shape_of
from ..core import Box, Primitive, getval
from ..core.primitive import broadcast_to, cast, nondifferentiable
from .elementwise import (add, ceil, clip, conj, divide, equal, floor, greater, imag, isnan, logical_not, multiply,
                          not_equal, real, rint, sqrt, subtract)
from .elementwise import where as _where
from .indexing import sort, take, take_along_axis
from .linalg import matmul
from .nanreductions import _array, _axis, _float_dtype, _no_out
from .moments import average
from .reductions import _checked, _seq, any as _any
from .reductions import max as _max, min as _min, sum as _sum
from .joining import atleast_2d
from .shape import concatenate, moveaxis, reshape, squeeze, transpose
from .triangles import diagonal

__all__ = ["median", "nanmedian", "quantile", "nanquantile", "percentile", "nanpercentile", "ptp", "count_nonzero",
           "cov", "corrcoef", "histogram", "histogram_bin_edges", "histogram2d", "histogramdd", "bincount", "digitize"]
ArrayLike = Any


# --- range and count ----------------------------------------------------------------------------------------------
def ptp(a: ArrayLike, axis=None, out=None, keepdims: bool = False) -> Any:
    """Range (maximum minus minimum) over ``axis``, as ``numpy.ptp``.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.ptp(fnp.array([3.0, -1.0, 2.0])))
    4.0
    """
    _no_out("ptp", out)
    a = _array(a)
    axis = _axis(axis)
    return subtract(_max(a, axis=axis, keepdims=keepdims), _min(a, axis=axis, keepdims=keepdims))


def count_nonzero(a: ArrayLike, axis=None, *, keepdims: bool = False) -> Any:
    """Number of nonzero entries over ``axis``, as ``numpy.count_nonzero`` (non-differentiable).

    >>> import funcgrad.numpy as fnp
    >>> int(fnp.count_nonzero(fnp.array([[0.0, 1.0], [2.0, 0.0]])))
    2
    """
    return _sum(not_equal(_array(a), 0), axis=_axis(axis), keepdims=keepdims)


# --- order statistics ---------------------------------------------------------------------------------------------
# Hyndman & Fan's continuous sample quantiles: the virtual index is q (n + 1 - alpha - beta) + alpha - 1.
_CONTINUOUS = {"linear": (1.0, 1.0), "weibull": (0.0, 0.0), "hazen": (0.5, 0.5),
               "interpolated_inverted_cdf": (0.0, 1.0), "median_unbiased": (1 / 3, 1 / 3),
               "normal_unbiased": (3 / 8, 3 / 8)}
_DISCRETE = ("lower", "higher", "nearest", "midpoint", "inverted_cdf")
_NOT_YET = ("averaged_inverted_cdf", "closest_observation")


def _positions(method, q, n):
    """``(lo, hi, gamma)``: the order statistics to interpolate between and the weight of ``hi``, for quantiles
    ``q`` of slices with ``n`` (non-NaN) values. ``lo``/``hi`` are plain; ``gamma`` follows ``q``."""
    last = subtract(n, 1)
    if method in _CONTINUOUS:
        alpha, beta = _CONTINUOUS[method]
        v = add(multiply(q, add(n, 1.0 - alpha - beta)), alpha - 1.0)
        v = clip(v, 0, _where(greater(last, 0), last, 0))
        lo = floor(v)
        return lo, add(lo, 1), subtract(v, lo)
    v = multiply(q, last)
    if method == "lower":
        lo = floor(v)
        return lo, lo, 0.0
    if method == "higher":
        lo = ceil(v)
        return lo, lo, 0.0
    if method == "nearest":
        lo = rint(v)
        return lo, lo, 0.0
    if method == "midpoint":
        lo = floor(v)
        return lo, add(lo, 1), _where(equal(lo, v), 0.0, 0.5)
    lo = subtract(ceil(multiply(q, n)), 1)  # inverted_cdf: the smallest x with ecdf(x) >= q
    return lo, lo, 0.0


def _index(i, n, like_shape, xp):
    """Integer positions ``i`` clipped to the slice, as indices broadcast to ``like_shape``."""
    i = clip(i, 0, _where(greater(n, 1), subtract(n, 1), 0))
    i = cast(i, dtype=_onp.int64)
    return broadcast_to(i, shape=like_shape)


def _quantile(name, a, q, axis, method, keepdims, skip_nan, interpolation=None):
    if interpolation is not None:
        raise TypeError(f"funcgrad.numpy.{name}: interpolation= was renamed method= in NumPy 1.22; use method=")
    if method in _NOT_YET:
        raise NotImplementedError(f"funcgrad.numpy.{name}: method={method!r} is not implemented; use one of "
                                  f"{sorted(_CONTINUOUS) + list(_DISCRETE)}")
    if method not in _CONTINUOUS and method not in _DISCRETE:
        raise ValueError(f"funcgrad.numpy.{name}: {method!r} is not a valid method; use one of "
                         f"{sorted(_CONTINUOUS) + list(_DISCRETE) + list(_NOT_YET)}")
    a = _array(a)
    if dtype_of(a).kind == "c":
        raise TypeError(f"funcgrad.numpy.{name}: complex values have no order")
    shape = shape_of(a)
    axes, kept, n = _checked(name, shape, _axis(axis))
    xp = namespace(getval(a))
    qtraced = type(q) is Box
    qshape = shape_of(q) if qtraced else shape_of(xp.asarray(getval(_seq(q))))
    dt = _onp.result_type(_float_dtype(a), q if isinstance(q, (int, float)) else dtype_of(getval(_seq(q))))
    if not qtraced:
        q = xp.asarray(getval(_seq(q)), dtype=dt)
    qv = getval(q)
    if not bool(xp.all((qv >= 0) & (qv <= 1))):
        raise ValueError(f"funcgrad.numpy.{name}: quantiles must be in the range [0, 1]" if "perc" not in name
                         else f"funcgrad.numpy.{name}: percentiles must be in the range [0, 100]")
    rest = tuple(s for i, s in enumerate(shape) if i not in axes)
    out_shape = qshape + (kept if keepdims else rest)
    if n == 0:
        if not skip_nan and name != "median":
            raise IndexError(f"funcgrad.numpy.{name}: cannot take a quantile of an empty slice (shape {shape}, "
                             f"axis={axis!r})")
        return xp.full(out_shape, _onp.nan, dtype=dt)
    a = cast(a, dtype=dt) if dtype_of(a) != dt else a
    # the reduced axes last, merged into one, sorted (NaNs sort last)
    moved = moveaxis(a, axes, tuple(range(len(shape) - len(axes), len(shape))))
    s = sort(reshape(moved, rest + (n,)), axis=-1)
    nq = math.prod(qshape)
    qf = reshape(q, (1,) * len(rest) + (nq,))
    nan = isnan(s)
    if skip_nan:
        cnt = cast(_sum(logical_not(nan), axis=-1, keepdims=True), dtype=dt)
    else:
        cnt = float(n)
    lo, hi, gamma = _positions(method, qf, cnt)
    like = rest + (nq,)
    lo_v = take_along_axis(s, _index(lo, cnt, like, xp), axis=-1)
    hi_v = take_along_axis(s, _index(hi, cnt, like, xp), axis=-1) if hi is not lo else lo_v
    if isinstance(gamma, float):  # the discrete methods pick one order statistic
        val = lo_v
    else:
        val = add(lo_v, multiply(gamma if type(gamma) is Box else cast(gamma, dtype=dt), subtract(hi_v, lo_v)))
    bad = equal(cnt, 0) if skip_nan else _any(nan, axis=-1, keepdims=True)
    val = _where(bad, _onp.nan, val)
    val = moveaxis(val, -1, 0)
    return reshape(val, out_shape)


def quantile(a: ArrayLike, q: ArrayLike, axis=None, out=None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False, *, weights=None, interpolation=None) -> Any:
    """The ``q``-th quantiles (``0 <= q <= 1``, a number or an array) over ``axis``, as ``numpy.quantile``: the
    result has ``q``'s shape in front of the reduced shape; NaN in a slice gives NaN. Methods: ``linear``
    (default), ``weibull``, ``hazen``, ``interpolated_inverted_cdf``, ``median_unbiased``, ``normal_unbiased``,
    ``lower``, ``higher``, ``nearest``, ``midpoint``, ``inverted_cdf`` (``averaged_inverted_cdf``,
    ``closest_observation`` and ``weights`` raise NotImplementedError). Differentiable in ``a`` through the two
    interpolated order statistics, and in ``q``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.quantile(fnp.array([1.0, 2.0, 3.0, 4.0]), [0.25, 0.5])
    array([1.75, 2.5 ])
    """
    _no_out("quantile", out)
    if weights is not None:
        raise NotImplementedError("funcgrad.numpy.quantile: weights= is not implemented")
    return _quantile("quantile", a, q, axis, method, keepdims, False, interpolation)


def nanquantile(a: ArrayLike, q: ArrayLike, axis=None, out=None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False, *, weights=None, interpolation=None) -> Any:
    """:func:`quantile` of the non-NaN entries of each slice, as ``numpy.nanquantile`` (NaN for an all-NaN
    slice).

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.nanquantile(fnp.array([1.0, float("nan"), 3.0]), 0.5))
    2.0
    """
    _no_out("nanquantile", out)
    if weights is not None:
        raise NotImplementedError("funcgrad.numpy.nanquantile: weights= is not implemented")
    return _quantile("nanquantile", a, q, axis, method, keepdims, True, interpolation)


def _hundredth(q):
    if type(q) in (int, float):
        return q / 100
    q = _seq(q)
    return divide(q, 100.0) if type(q) is Box else namespace(q).true_divide(q, 100)


def percentile(a: ArrayLike, q: ArrayLike, axis=None, out=None, overwrite_input: bool = False,
               method: str = "linear", keepdims: bool = False, *, weights=None, interpolation=None) -> Any:
    """The ``q``-th percentiles (``0 <= q <= 100``) over ``axis``, as ``numpy.percentile`` (see
    :func:`quantile`).

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.percentile(fnp.array([1.0, 2.0, 3.0, 4.0]), 50))
    2.5
    """
    _no_out("percentile", out)
    if weights is not None:
        raise NotImplementedError("funcgrad.numpy.percentile: weights= is not implemented")
    return _quantile("percentile", a, _hundredth(q), axis, method, keepdims, False, interpolation)


def nanpercentile(a: ArrayLike, q: ArrayLike, axis=None, out=None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: bool = False, *, weights=None, interpolation=None) -> Any:
    """:func:`percentile` of the non-NaN entries, as ``numpy.nanpercentile``.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.nanpercentile(fnp.array([1.0, float("nan"), 3.0]), 50))
    2.0
    """
    _no_out("nanpercentile", out)
    if weights is not None:
        raise NotImplementedError("funcgrad.numpy.nanpercentile: weights= is not implemented")
    return _quantile("nanpercentile", a, _hundredth(q), axis, method, keepdims, True, interpolation)


def median(a: ArrayLike, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False) -> Any:
    """Median over ``axis`` (the mean of the two middle values for an even count), as ``numpy.median``; NaN in
    a slice gives NaN, an empty slice NaN. The gradient goes to the middle value(s).

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.median(fnp.array([3.0, 1.0, 4.0, 2.0])))
    2.5
    """
    _no_out("median", out)
    return _quantile("median", a, 0.5, axis, "linear", keepdims, False)


def nanmedian(a: ArrayLike, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False) -> Any:
    """Median over ``axis`` of the non-NaN entries, as ``numpy.nanmedian`` (NaN for an all-NaN slice).

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.nanmedian(fnp.array([3.0, float("nan"), 1.0])))
    2.0
    """
    _no_out("nanmedian", out)
    return _quantile("nanmedian", a, 0.5, axis, "linear", keepdims, True)


# --- covariance and correlation -----------------------------------------------------------------------------------
def _variables(m, rowvar):
    x = atleast_2d(_array(m))
    if len(shape_of(x)) > 2:
        raise ValueError(f"funcgrad.numpy.cov: m has more than 2 dimensions (shape {shape_of(x)})")
    if not rowvar and shape_of(x)[0] != 1:
        x = transpose(x)
    return x


def _check_weights(name, w, n, integer):
    w = _array(w)
    wv = getval(w)
    xp = namespace(wv)
    if len(shape_of(w)) > 1:
        raise RuntimeError(f"funcgrad.numpy.cov: cannot handle multidimensional {name}")
    if shape_of(w)[0] != n:
        raise RuntimeError(f"funcgrad.numpy.cov: incompatible numbers of samples and {name}")
    if integer and not bool(xp.all(wv == xp.around(wv))):
        raise TypeError("funcgrad.numpy.cov: fweights must be integer")
    if bool(xp.any(wv < 0)):
        raise ValueError(f"funcgrad.numpy.cov: {name} cannot be negative")
    return w


def cov(m: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, bias: bool = False, ddof: int | None = None,
        fweights: ArrayLike | None = None, aweights: ArrayLike | None = None, *, dtype=None) -> Any:
    """Covariance matrix of the variables in the rows (``rowvar``, else the columns) of ``m`` (and ``y``), as
    ``numpy.cov``, with frequency and analytic weights; differentiable in the data and the weights.

    >>> import funcgrad.numpy as fnp
    >>> fnp.cov(fnp.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    if ddof is not None and ddof != int(ddof):
        raise ValueError("funcgrad.numpy.cov: ddof must be integer")
    x = _variables(m, rowvar)
    if y is not None:
        x = concatenate((x, _variables(y, rowvar)), axis=0)
    dt = _onp.dtype(dtype) if dtype is not None else _onp.result_type(dtype_of(x), _onp.float64)
    x = cast(x, dtype=dt) if dtype_of(x) != dt else x
    if ddof is None:
        ddof = 0 if bias else 1
    nobs = shape_of(x)[1]
    w = None
    if fweights is not None:
        w = _check_weights("fweights", fweights, nobs, True)
    if aweights is not None:
        aw = _check_weights("aweights", aweights, nobs, False)
        w = aw if w is None else multiply(w, aw)
    if w is None:
        avg = divide(_sum(x, axis=1, keepdims=True), nobs)
        fact = nobs - ddof
    else:
        avg, wsum = average(x, axis=1, weights=w, returned=True)
        avg = reshape(avg, (-1, 1))
        wsum = take(wsum, 0)
        if ddof == 0:
            fact = wsum
        elif aweights is None:
            fact = subtract(wsum, ddof)
        else:
            fact = subtract(wsum, divide(multiply(ddof, _sum(multiply(w, aw))), wsum))
    if not bool(getval(fact) > 0):
        import warnings

        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    d = subtract(x, avg)
    dw = d if w is None else multiply(d, w)
    c = divide(matmul(dw, transpose(conj(d)) if dt.kind == "c" else transpose(d)), fact)
    return squeeze(c)


def corrcoef(x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, *, dtype=None) -> Any:
    """Pearson correlation coefficients of the variables in ``x`` (and ``y``), as ``numpy.corrcoef``: the
    covariance scaled by the standard deviations, clipped to [-1, 1].

    >>> import funcgrad.numpy as fnp
    >>> fnp.corrcoef(fnp.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]])).round(4)
    array([[ 1.   , -0.982],
           [-0.982,  1.   ]])
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if len(shape_of(c)) == 0:
        return divide(c, c)
    sd = sqrt(real(diagonal(c)))
    c = divide(divide(c, reshape(sd, (-1, 1))), reshape(sd, (1, -1)))
    if dtype_of(c).kind == "c":
        return add(clip(real(c), -1, 1), multiply(clip(imag(c), -1, 1), 1j))
    return clip(c, -1, 1)


# --- histograms and binning (non-differentiable, except bincount's weights) ---------------------------------------
def _hist_impl(a, bins=10, weights=None, range=None, density=None):  # noqa: A002
    return tuple(namespace_of(a, bins, weights).histogram(a, bins=bins, range=range, density=density,
                                                          weights=weights))


_histogram = Primitive("histogram", _hist_impl, multiple_results=True,
                       doc="``numpy.histogram`` (non-differentiable; see :func:`histogram`).")


def histogram(a: ArrayLike, bins=10, range=None, density: bool | None = None, weights=None) -> tuple:  # noqa: A002
    """``(hist, bin_edges)`` of the values of ``a``, as ``numpy.histogram``; non-differentiable (the gradient
    stops, weights included).

    >>> import funcgrad.numpy as fnp
    >>> fnp.histogram(fnp.array([0.1, 0.4, 0.9]), bins=2)
    (array([2, 1]), array([0.1, 0.5, 0.9]))
    """
    return _histogram(a, bins, weights, range=range, density=density)


_bin_edges = Primitive("histogram_bin_edges", lambda a, bins=10, weights=None, range=None: namespace_of(
    a, bins, weights).histogram_bin_edges(a, bins=bins, range=range, weights=weights),
    doc="``numpy.histogram_bin_edges`` (non-differentiable; see :func:`histogram_bin_edges`).")


def histogram_bin_edges(a: ArrayLike, bins=10, range=None, weights=None) -> Any:  # noqa: A002
    """The bin edges :func:`histogram` would use, as ``numpy.histogram_bin_edges`` (non-differentiable).

    >>> import funcgrad.numpy as fnp
    >>> fnp.histogram_bin_edges(fnp.array([0.0, 1.0]), bins=4)
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    return _bin_edges(a, bins, weights, range=range)


def _hist2d_impl(x, y, bins=10, weights=None, range=None, density=None):  # noqa: A002
    return tuple(namespace_of(x, y, weights).histogram2d(x, y, bins=bins, range=range, density=density,
                                                         weights=weights))


_histogram2d = Primitive("histogram2d", _hist2d_impl, multiple_results=True,
                         doc="``numpy.histogram2d`` (non-differentiable; see :func:`histogram2d`).")


def histogram2d(x: ArrayLike, y: ArrayLike, bins=10, range=None, density: bool | None = None,  # noqa: A002
                weights=None) -> tuple:
    """``(H, xedges, yedges)``, the 2-D histogram of the points ``(x, y)``, as ``numpy.histogram2d``
    (non-differentiable).

    >>> import funcgrad.numpy as fnp
    >>> fnp.histogram2d(fnp.array([0.0, 1.0]), fnp.array([0.0, 1.0]), bins=2)[0]
    array([[1., 0.],
           [0., 1.]])
    """
    return _histogram2d(x, y, bins, weights, range=range, density=density)


def _histdd_impl(sample, bins=10, weights=None, range=None, density=None):  # noqa: A002
    h, edges = namespace_of(sample, weights).histogramdd(sample, bins=bins, range=range, density=density,
                                                         weights=weights)
    return (h, *edges)  # flat, so that every result is an array (batching and tracing see a plain tuple)


_histogramdd = Primitive("histogramdd", _histdd_impl, multiple_results=True,
                         doc="``numpy.histogramdd`` (non-differentiable; see :func:`histogramdd`).")


def histogramdd(sample: ArrayLike, bins=10, range=None, density: bool | None = None,  # noqa: A002
                weights=None) -> tuple:
    """``(H, edges)``, the multidimensional histogram of the points in the rows of ``sample``, as
    ``numpy.histogramdd`` (non-differentiable).

    >>> import funcgrad.numpy as fnp
    >>> fnp.histogramdd(fnp.array([[0.0, 0.0], [1.0, 1.0]]), bins=2)[0]
    array([[1., 0.],
           [0., 1.]])
    """
    h, *edges = _histogramdd(sample, bins, weights, range=range, density=density)
    return h, edges


def _bincount_impl(x, weights=None, minlength=0):
    return namespace_of(x, weights).bincount(x, weights=weights, minlength=minlength)


_bincount = Primitive("bincount", _bincount_impl, doc="``numpy.bincount`` (see :func:`bincount`).")
# out[k] = sum of weights[i] with x[i] == k: linear in the weights, whose cotangent is g picked at x
_bincount.def_vjp(None, lambda g, ans, x, w, minlength=0: take(g, x))
_bincount.def_jvp(None, lambda t, ans, x, w, minlength=0: _bincount(x, t, minlength=minlength))


def bincount(x: ArrayLike, weights: ArrayLike | None = None, minlength: int = 0) -> Any:
    """Number of occurrences (or sum of ``weights``) of each non-negative integer in ``x``, as
    ``numpy.bincount``; differentiable in ``weights``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.bincount(fnp.array([0, 1, 1, 3]))
    array([1, 2, 0, 1])
    """
    x = getval(x)
    if weights is None:
        return _bincount(x, minlength=operator.index(minlength))
    return _bincount(x, weights, minlength=operator.index(minlength))


_digitize = Primitive("digitize", lambda x, bins, right=False: namespace_of(x, bins).digitize(x, bins, right=right),
                      doc="``numpy.digitize`` (non-differentiable; see :func:`digitize`).")


def digitize(x: ArrayLike, bins: ArrayLike, right: bool = False) -> Any:
    """Indices of the bins that the values of ``x`` fall in, as ``numpy.digitize`` (non-differentiable).

    >>> import funcgrad.numpy as fnp
    >>> fnp.digitize(fnp.array([0.5, 1.5, 2.5]), fnp.array([1.0, 2.0]))
    array([0, 1, 2])
    """
    return _digitize(x, bins, right=right)


# Declared without derivative: under a transform their outputs are constants (see Primitive.def_nondiff).
nondifferentiable(_bin_edges, _digitize, _histogram, _histogram2d, _histogramdd)
