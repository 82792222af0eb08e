"""Student's t distribution with ``df`` degrees of freedom, as ``scipy.stats.t``: ``logpdf``, ``pdf``, ``cdf``,
``logcdf``, ``sf``, ``logsf`` and ``ppf`` with ``loc`` and ``scale``.

``logpdf`` and ``pdf`` are differentiable in every argument, ``df`` included. ``cdf`` and ``sf`` are written with
the regularized incomplete beta function and ``ppf`` is SciPy's ``stdtrit`` (with the derivative ``1 / pdf`` at the
answer): they are differentiable in ``x`` (``q``), ``loc`` and ``scale``, and differentiating them in ``df`` raises
an error naming ``df`` (the incomplete beta function has no closed-form derivative in its shape parameters).
``df <= 0`` or ``scale <= 0`` gives NaN.

>>> from funcgrad.scipy.stats import t
>>> float(t.cdf(0.0, 3.0))
0.5
"""
from __future__ import annotations

import math
from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import betainc, gammaln
from ...primitives.special_inverse import stdtrit
from ._common import INF, SHAPE, check_q, export, hold, log_cdf, nan_where, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]
_LOG_PI = math.log(math.pi)
# Below this |z|, z^2 drowns in df and the incomplete beta function's chain rule meets 0 * inf at the
# centre; there the distribution function is 1/2 + pdf(0) z, exact to second order since the density is even.
_TINY = 1e-15  # float32's z^2 still a normal number; the cubic term far below rounding


def _log_norm(df):
    """log of the density's constant, ``Gamma((df+1)/2) / (Gamma(df/2) sqrt(df pi))``."""
    return gammaln((df + 1.0) * 0.5) - gammaln(df * 0.5) - 0.5 * (fnp.log(df) + _LOG_PI)


def _df(df):
    bad = fnp.less_equal(df, 0)
    return safe(bad, df, 1.0), bad


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log Gamma((df+1)/2) - log Gamma(df/2) - log(df pi) / 2 - log(scale) - (df+1)/2 log1p(z^2 / df)``.

    >>> round(float(logpdf(0.0, 1.0)), 6)  # the Cauchy density's -log(pi)
    -1.14473
    """
    z, s, bad = standardize(x, loc, scale)
    df, bad_df = _df(df)
    out = _log_norm(df) - fnp.log(s) - (df + 1.0) * 0.5 * fnp.log1p(z * z / df)
    return nan_where(fnp.logical_or(bad, bad_df), out)


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density.

    >>> round(float(pdf(0.0, 1.0)), 6)
    0.31831
    """
    return fnp.exp(logpdf(x, df, loc, scale))


def _lower(z, df):
    """The distribution function at ``z``, without cancellation in either tail or at the centre.

    In the tails (z^2 > df) it is ``I(df/2, 1/2; df / (df + z^2)) / 2`` (or 1 minus that); near the centre
    ``1/2 + sign(z) I(1/2, df/2; z^2 / (df + z^2)) / 2``, whose argument is small there, not close to 1."""
    zz = z * z
    tail = fnp.greater(zz, df)
    y = fnp.where(tail, df / (df + zz), 0.5)  # each branch gets a harmless stand-in where the other is taken
    w = safe(tail, zz / (df + zz), 0.5)
    half_tail = 0.5 * betainc(df * 0.5, 0.5, y)
    out_tail = fnp.where(fnp.less(z, 0), half_tail, 1.0 - half_tail)
    tiny = fnp.less(fnp.abs(z), _TINY)
    w = safe(tiny, w, 0.25)
    centre = 0.5 + 0.5 * fnp.sign(z) * betainc(0.5, df * 0.5, w)
    centre = fnp.where(tiny, 0.5 + fnp.exp(_log_norm(df)) * z, centre)
    return fnp.where(tail, out_tail, centre)


def _cdf(where, x, df, loc, scale, upper):
    hold(where, "df", df, SHAPE)
    z, _, bad = standardize(x, loc, scale)
    df, bad_df = _df(df)
    return nan_where(fnp.logical_or(bad, bad_df), _lower(-z if upper else z, df))


def cdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The distribution function; not differentiable in ``df``.

    >>> float(cdf(1.0, 1.0))  # the Cauchy's
    0.75
    """
    return _cdf("t.cdf", x, df, loc, scale, False)


def logcdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(cdf)``; not differentiable in ``df``.

    >>> round(float(logcdf(0.0, 4.0)), 6)
    -0.693147
    """
    return log_cdf(_cdf("t.logcdf", x, df, loc, scale, False), _cdf("t.logcdf", x, df, loc, scale, True))


def sf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function, the distribution function at ``-z``; not differentiable in ``df``.

    >>> round(float(sf(1.0, 1.0)), 12)
    0.25
    """
    return _cdf("t.sf", x, df, loc, scale, True)


def logsf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(sf)``; not differentiable in ``df``.

    >>> round(float(logsf(0.0, 4.0)), 6)
    -0.693147
    """
    return log_cdf(_cdf("t.logsf", x, df, loc, scale, True), _cdf("t.logsf", x, df, loc, scale, False))


def ppf(q: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + scale * stdtrit(df, q)``; not differentiable in ``df``.

    >>> round(float(ppf(0.75, 1.0)), 6)
    1.0
    """
    hold("t.ppf", "df", df, SHAPE)
    df, bad = _df(df)
    bad = fnp.logical_or(bad, fnp.less_equal(scale, 0))
    # SciPy's ends of the support at q = 0 and 1 (stdtrit's own value there is not -inf)
    z = fnp.where(fnp.equal(q, 0), -INF, fnp.where(fnp.equal(q, 1), INF, stdtrit(df, q)))
    return nan_where(bad, check_q(q, fnp.add(loc, fnp.multiply(scale, z))))


export(globals(), __all__)
