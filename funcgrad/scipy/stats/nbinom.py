"""The negative binomial distribution, as ``scipy.stats.nbinom``: ``logpmf``, ``pmf``, ``cdf``, ``logcdf``, ``sf``
and ``logsf`` of ``k`` failures before the ``n``-th success of probability ``p``, with the integer shift ``loc``.
``logpmf`` and ``pmf`` are differentiable in ``p`` and in ``n`` (real and positive, as in SciPy); ``cdf`` and ``sf``
(incomplete beta functions) in ``p`` only: differentiating them in ``n`` raises naming it, and ``k`` and ``loc``
are integers. ``n <= 0`` or ``p`` outside (0, 1] gives NaN. ``ppf`` is left out (an integer-valued step function).

>>> from funcgrad.scipy.stats import nbinom
>>> float(nbinom.pmf(0, 1, 0.5))
0.5
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import betainc, gammaln, xlog1py, xlogy
from ._common import log_cdf, INF, SHAPE, export, hold, nan_where, safe
from ._discrete import floor_of, variable

__all__ = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"]


def _params(n, p):
    bad = fnp.logical_or(fnp.less_equal(n, 0), fnp.logical_or(fnp.less_equal(p, 0), fnp.greater(p, 1)))
    return safe(bad, n, 1.0), safe(bad, p, 0.5), bad


def logpmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``gammaln(n + k) - gammaln(n) - gammaln(k + 1) + n log p + k log(1 - p)`` for integers ``k >= 0``.

    >>> float(logpmf(0, 2, 1.0))
    0.0
    """
    n, p, bad = _params(n, p)
    k, frac = variable("nbinom.logpmf", k, loc)
    off = fnp.logical_or(frac, fnp.less(k, 0))
    k = safe(off, k, 0.0)
    out = gammaln(n + k) - gammaln(n) - gammaln(k + 1.0) + xlogy(n, p) + xlog1py(k, -p)
    return nan_where(bad, fnp.where(off, -INF, out))


def pmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """The probability mass.

    >>> float(pmf(1, 1, 0.5))
    0.25
    """
    return fnp.exp(logpmf(k, n, p, loc))


def _cdf(where, k, n, p, loc, upper):
    hold(where, "n", n, SHAPE)
    n, p, bad = _params(n, p)
    k = floor_of(where, k, loc)
    below = fnp.less(k, 0)
    b = safe(below, k + 1.0, 1.0)
    # P(K <= k) = I(n, k + 1; p) and P(K > k) = I(k + 1, n; 1 - p)
    out = betainc(b, n, 1.0 - p) if upper else betainc(n, b, p)
    return nan_where(bad, fnp.where(below, 1.0 if upper else 0.0, out))


def cdf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``P(K <= k)``; not differentiable in ``n``.

    >>> float(cdf(1, 1, 0.5))
    0.75
    """
    return _cdf("nbinom.cdf", k, n, p, loc, False)


def sf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``P(K > k)``; not differentiable in ``n``.

    >>> float(sf(1, 1, 0.5))
    0.25
    """
    return _cdf("nbinom.sf", k, n, p, loc, True)


def logcdf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``log(cdf)``; not differentiable in ``n``.

    >>> round(float(logcdf(1, 1, 0.5)), 6)
    -0.287682
    """
    return log_cdf(_cdf("nbinom.logcdf", k, n, p, loc, False), _cdf("nbinom.logcdf", k, n, p, loc, True))


def logsf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``log(sf)``; not differentiable in ``n``.

    >>> round(float(logsf(1, 1, 0.5)), 6)
    -1.386294
    """
    return log_cdf(_cdf("nbinom.logsf", k, n, p, loc, True), _cdf("nbinom.logsf", k, n, p, loc, False))


export(globals(), __all__)
