"""The Bernoulli distribution, as ``scipy.stats.bernoulli``: ``logpmf``, ``pmf``, ``cdf``, ``logcdf``, ``sf`` and
``logsf`` of ``k`` in {0, 1} with the success probability ``p`` and the integer shift ``loc``, differentiable in
``p``. ``p`` outside [0, 1] gives NaN; ``pmf(1, 1) == pmf(0, 0) == 1`` as in SciPy.

>>> from funcgrad.scipy.stats import bernoulli
>>> float(bernoulli.pmf(1, 0.25))
0.25
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import xlog1py, xlogy
from ._common import INF, export, nan_where, safe
from ._discrete import floor_of, variable

__all__ = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"]


def _bad(p):
    return fnp.logical_or(fnp.less(p, 0), fnp.greater(p, 1))


def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``k log p + (1 - k) log(1 - p)`` for ``k`` in {0, 1}.

    >>> float(logpmf(0, 0.0))
    0.0
    """
    k, frac = variable("bernoulli.logpmf", k, loc)
    off = fnp.logical_or(frac, fnp.logical_or(fnp.less(k, 0), fnp.greater(k, 1)))
    k = safe(off, k, 0.0)
    return nan_where(_bad(p), fnp.where(off, -INF, xlogy(k, p) + xlog1py(1.0 - k, fnp.negative(p))))


def pmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``p`` at 1, ``1 - p`` at 0.

    >>> float(pmf(0, 0.25))
    0.75
    """
    return fnp.exp(logpmf(k, p, loc))


def _cdf(where, k, p, loc, upper):
    k = floor_of(where, k, loc)
    below, above = fnp.less(k, 0), fnp.greater_equal(k, 1)
    mid = p if upper else fnp.subtract(1.0, p)
    out = fnp.where(below, 1.0 if upper else 0.0, fnp.where(above, 0.0 if upper else 1.0, mid))
    return nan_where(_bad(p), out)


def cdf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``P(K <= k)``: 0 below 0, ``1 - p`` on [0, 1), 1 from 1 on.

    >>> float(cdf(0, 0.25))
    0.75
    """
    return _cdf("bernoulli.cdf", k, p, loc, False)


def sf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``P(K > k)``.

    >>> float(sf(0, 0.25))
    0.25
    """
    return _cdf("bernoulli.sf", k, p, loc, True)


def logcdf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``log(cdf)``.

    >>> round(float(logcdf(0, 0.5)), 6)
    -0.693147
    """
    return fnp.log(_cdf("bernoulli.logcdf", k, p, loc, False))


def logsf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``log(sf)``.

    >>> round(float(logsf(0, 0.5)), 6)
    -0.693147
    """
    return fnp.log(_cdf("bernoulli.logsf", k, p, loc, True))


export(globals(), __all__)
