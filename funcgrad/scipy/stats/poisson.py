"""The Poisson distribution, as ``scipy.stats.poisson``: ``logpmf``, ``pmf``, ``cdf``, ``logcdf``, ``sf`` and
``logsf`` of ``k`` with the mean ``mu`` and the integer shift ``loc``, differentiable in ``mu`` (``k`` and ``loc``
are integers: differentiating in them raises). Off the support (negative or non-integer ``k``) ``logpmf`` is
``-inf``; ``mu < 0`` gives NaN; ``mu == 0`` puts all mass at 0, as in SciPy. ``ppf`` is left out: its value is an
integer, a step function of ``q`` and ``mu`` with no derivative to offer.

>>> from funcgrad.scipy.stats import poisson
>>> round(float(poisson.logpmf(2, 3.0)), 6)
-1.495923
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import gammainc, gammaincc, gammaln, xlogy
from ._common import log_cdf, INF, export, nan_where, safe
from ._discrete import floor_of, variable

__all__ = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"]


def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``k log(mu) - mu - gammaln(k + 1)`` for integers ``k >= 0``.

    >>> float(logpmf(0, 0.0))
    0.0
    """
    k, frac = variable("poisson.logpmf", k, loc)
    off = fnp.logical_or(frac, fnp.less(k, 0))
    k = safe(off, k, 0.0)
    return nan_where(fnp.less(mu, 0), fnp.where(off, -INF, xlogy(k, mu) - mu - gammaln(k + 1.0)))


def pmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The probability mass ``mu^k exp(-mu) / k!``.

    >>> round(float(pmf(1, 1.0)), 6)
    0.367879
    """
    return fnp.exp(logpmf(k, mu, loc))


def _cdf(where, k, mu, loc, upper):
    k = floor_of(where, k, loc)
    below = fnp.less(k, 0)
    a = safe(below, k + 1.0, 1.0)
    out = fnp.where(below, 1.0 if upper else 0.0, gammainc(a, mu) if upper else gammaincc(a, mu))
    return nan_where(fnp.less(mu, 0), out)


def cdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``P(K <= k) = gammaincc(floor(k) + 1, mu)``.

    >>> round(float(cdf(0, 2.0)), 6)
    0.135335
    """
    return _cdf("poisson.cdf", k, mu, loc, False)


def sf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``P(K > k) = gammainc(floor(k) + 1, mu)``, accurate in the upper tail.

    >>> round(float(sf(0, 2.0)), 6)
    0.864665
    """
    return _cdf("poisson.sf", k, mu, loc, True)


def logcdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``log(cdf)``.

    >>> float(logcdf(0, 2.0))
    -2.0
    """
    return log_cdf(_cdf("poisson.logcdf", k, mu, loc, False), _cdf("poisson.logcdf", k, mu, loc, True))


def logsf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``log(sf)``.

    >>> round(float(logsf(0, 2.0)), 6)
    -0.145413
    """
    return log_cdf(_cdf("poisson.logsf", k, mu, loc, True), _cdf("poisson.logsf", k, mu, loc, False))


export(globals(), __all__)
