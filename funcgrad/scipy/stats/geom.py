"""The geometric distribution (trials up to the first success, ``k >= 1``), as ``scipy.stats.geom``: ``logpmf``,
``pmf``, ``cdf``, ``logcdf``, ``sf`` and ``logsf`` with the success probability ``p`` and the integer shift
``loc``, differentiable in ``p`` (``k`` and ``loc`` are integers). ``p`` outside (0, 1] gives NaN. ``ppf`` is left
out (an integer-valued step function).

>>> from funcgrad.scipy.stats import geom
>>> float(geom.pmf(2, 0.5))
0.25
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import xlog1py
from ._common import INF, export, log1mexp, nan_where, safe
from ._discrete import floor_of, variable

__all__ = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"]


def _p(p):
    bad = fnp.logical_or(fnp.less_equal(p, 0), fnp.greater(p, 1))
    return safe(bad, p, 0.5), bad


def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``(k - 1) log(1 - p) + log p`` for integers ``k >= 1``.

    >>> float(logpmf(1, 1.0))
    0.0
    """
    p, bad = _p(p)
    k, frac = variable("geom.logpmf", k, loc)
    off = fnp.logical_or(frac, fnp.less(k, 1))
    k = safe(off, k, 1.0)
    return nan_where(bad, fnp.where(off, -INF, xlog1py(k - 1.0, -p) + fnp.log(p)))


def pmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """The probability mass ``(1 - p)^(k - 1) p``.

    >>> float(pmf(1, 0.25))
    0.25
    """
    return fnp.exp(logpmf(k, p, loc))


def _log_sf(where, k, p, loc):
    """``(log P(K > k), p, invalid)`` with ``log P(K > k) = floor(k) log(1 - p)``, 0 below the support."""
    p, bad = _p(p)
    k = floor_of(where, k, loc)
    k = fnp.maximum(k, 0.0)  # P(K > k) = 1 for k < 1
    return xlog1py(k, -p), bad


def cdf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``1 - (1 - p)^floor(k)``, computed as ``-expm1`` of the log (accurate for small ``p``).

    >>> float(cdf(2, 0.5))
    0.75
    """
    lsf, bad = _log_sf("geom.cdf", k, p, loc)
    return nan_where(bad, -fnp.expm1(lsf))


def logcdf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``log(cdf)``.

    >>> round(float(logcdf(2, 0.5)), 6)
    -0.287682
    """
    lsf, bad = _log_sf("geom.logcdf", k, p, loc)
    return nan_where(bad, log1mexp(lsf))


def sf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``(1 - p)^floor(k)``.

    >>> float(sf(2, 0.5))
    0.25
    """
    lsf, bad = _log_sf("geom.sf", k, p, loc)
    return nan_where(bad, fnp.exp(lsf))


def logsf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``floor(k) log(1 - p)``.

    >>> round(float(logsf(2, 0.5)), 6)
    -1.386294
    """
    lsf, bad = _log_sf("geom.logsf", k, p, loc)
    return nan_where(bad, lsf)


export(globals(), __all__)
