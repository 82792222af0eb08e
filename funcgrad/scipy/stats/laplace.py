"""The Laplace (double exponential) distribution, as ``scipy.stats.laplace``: ``logpdf``, ``pdf``, ``cdf``,
``logcdf``, ``sf``, ``logsf`` and ``ppf`` with ``loc`` and ``scale``, differentiable in every argument (at ``x ==
loc`` the density's kink takes the derivative 0 in ``x``, the mean of its one-sided ones).

>>> from funcgrad.scipy.stats import laplace
>>> float(laplace.cdf(0.0))
0.5
"""
from __future__ import annotations

import math
from typing import Any

from ... import numpy as fnp
from ._common import check_q, export, nan_where, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]
_LOG_HALF = math.log(0.5)


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-|z| - log(2 scale)``.

    >>> round(float(logpdf(0.0)), 6)
    -0.693147
    """
    z, s, bad = standardize(x, loc, scale)
    return nan_where(bad, -fnp.abs(z) - fnp.log(s) + _LOG_HALF)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density ``exp(-|z|) / (2 scale)``.

    >>> float(pdf(0.0))
    0.5
    """
    return fnp.exp(logpdf(x, loc, scale))


def _halves(z):
    """``(z below 0, z where below 0 else 0, z where not below 0 else 0)``: each exponential sees only its side."""
    low = fnp.less(z, 0)
    return low, fnp.where(low, z, 0.0), safe(low, z, 0.0)


def _log_cdf(z):
    low, neg, pos = _halves(z)
    return fnp.where(low, _LOG_HALF + neg, fnp.log1p(-0.5 * fnp.exp(-pos)))


def _cdf(z):
    low, neg, pos = _halves(z)
    return fnp.where(low, 0.5 * fnp.exp(neg), 1.0 - 0.5 * fnp.exp(-pos))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``exp(z) / 2`` below ``loc``, ``1 - exp(-z) / 2`` above.

    >>> round(float(cdf(1.0)), 6)
    0.81606
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, _cdf(z))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log of the distribution function, exact in the lower tail (``z - log 2``).

    >>> round(float(logcdf(-800.0)), 4)
    -800.6931
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, _log_cdf(z))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function, ``cdf`` at ``-z``.

    >>> round(float(sf(-1.0)), 6)
    0.81606
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, _cdf(-z))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log of the survival function, exact in the upper tail.

    >>> round(float(logsf(800.0)), 4)
    -800.6931
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, _log_cdf(-z))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function: ``log(2 q)`` below the median, ``-log(2 - 2 q)`` above, scaled and shifted.

    >>> round(float(ppf(0.25)), 6)  # -log 2
    -0.693147
    """
    low = fnp.less(q, 0.5)
    # each side's logarithm sees only its own half of q (NaN outside [0, 1] comes from check_q)
    z = fnp.where(low, fnp.log(2.0 * fnp.where(low, q, 0.25)), -fnp.log(2.0 - 2.0 * safe(low, q, 0.75)))
    bad = fnp.less_equal(scale, 0)
    return nan_where(bad, check_q(q, fnp.add(loc, fnp.multiply(scale, z))))


export(globals(), __all__)
