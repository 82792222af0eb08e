"""The binomial distribution, as ``scipy.stats.binom``: ``logpmf``, ``pmf``, ``cdf``, ``logcdf``, ``sf`` and
``logsf`` of ``k`` successes in ``n`` trials of probability ``p``, with the integer shift ``loc``; differentiable in
``p`` (``k``, ``n`` and ``loc`` are counts: differentiating in them raises). Off the support ``logpmf`` is
``-inf``; an invalid ``n`` (negative or not whole) or ``p`` outside [0, 1] gives NaN. At the edges the values are
SciPy's (``pmf(0, n, 0) == pmf(n, n, 1) == 1``) and so are finite gradients there (``xlogy`` / ``xlog1py``).
``ppf`` is left out: its value is an integer, a step function with no derivative.

>>> from funcgrad.scipy.stats import binom
>>> float(binom.pmf(1, 2, 0.5))
0.5
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import betainc, gammaln, xlog1py, xlogy
from ._common import log_cdf, COUNT, INF, export, hold, nan_where, not_integer, safe
from ._discrete import floor_of, variable

__all__ = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"]


def _invalid(where, n, p):
    hold(where, "n", n, COUNT)
    return fnp.logical_or(fnp.logical_or(fnp.less(n, 0), not_integer(n)),
                          fnp.logical_or(fnp.less(p, 0), fnp.greater(p, 1)))


def logpmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``log C(n, k) + k log p + (n - k) log(1 - p)`` for integers ``0 <= k <= n``.

    >>> float(logpmf(0, 3, 0.0))
    0.0
    """
    bad = _invalid("binom.logpmf", n, p)
    k, frac = variable("binom.logpmf", k, loc)
    off = fnp.logical_or(frac, fnp.logical_or(fnp.less(k, 0), fnp.greater(k, n)))
    k = safe(off, k, 0.0)
    n = safe(bad, n, 0.0)
    out = (gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0) + xlogy(k, p)
           + xlog1py(n - k, fnp.negative(p)))
    return nan_where(bad, fnp.where(off, -INF, out))


def pmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """The probability mass ``C(n, k) p^k (1 - p)^(n - k)``.

    >>> round(float(pmf(2, 4, 0.5)), 6)
    0.375
    """
    return fnp.exp(logpmf(k, n, p, loc))


def _cdf(where, k, n, p, loc, upper):
    bad = _invalid(where, n, p)
    k = floor_of(where, k, loc)
    below, full = fnp.less(k, 0), fnp.greater_equal(k, n)
    outer = fnp.logical_or(below, full)
    a = safe(outer, fnp.subtract(n, k), 1.0)  # the trials left over; >= 1 where used
    b = safe(outer, k + 1.0, 1.0)
    # P(K <= k) = I(n - k, k + 1; 1 - p) and P(K > k) = I(k + 1, n - k; p)
    out = betainc(b, a, p) if upper else betainc(a, b, fnp.subtract(1.0, p))
    out = fnp.where(below, 1.0 if upper else 0.0, fnp.where(full, 0.0 if upper else 1.0, out))
    return nan_where(bad, out)


def cdf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``P(K <= k)``.

    >>> float(cdf(1, 2, 0.5))
    0.75
    """
    return _cdf("binom.cdf", k, n, p, loc, False)


def sf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``P(K > k)``, accurate in the upper tail.

    >>> float(sf(1, 2, 0.5))
    0.25
    """
    return _cdf("binom.sf", k, n, p, loc, True)


def logcdf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``log(cdf)``.

    >>> round(float(logcdf(1, 2, 0.5)), 6)
    -0.287682
    """
    return log_cdf(_cdf("binom.logcdf", k, n, p, loc, False), _cdf("binom.logcdf", k, n, p, loc, True))


def logsf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``log(sf)``.

    >>> round(float(logsf(1, 2, 0.5)), 6)
    -1.386294
    """
    return log_cdf(_cdf("binom.logsf", k, n, p, loc, True), _cdf("binom.logsf", k, n, p, loc, False))


export(globals(), __all__)
