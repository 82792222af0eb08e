"""The continuous uniform distribution on ``[loc, loc + scale]``, as ``scipy.stats.uniform``: ``logpdf``, ``pdf``,
``cdf``, ``logcdf``, ``sf``, ``logsf`` and ``ppf``, differentiable in ``x``, ``loc`` and ``scale`` (``logpdf`` is
``-log(scale)`` on the closed interval, ``-inf`` off it).

>>> from funcgrad.scipy.stats import uniform
>>> float(uniform.cdf(0.25))
0.25
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ._common import INF, check_q, export, nan_where, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-log(scale)`` on ``[loc, loc + scale]``, ``-inf`` elsewhere.

    >>> float(logpdf(0.5, 0.0, 1.0))
    -0.0
    """
    z, s, bad = standardize(x, loc, scale)
    inside = fnp.logical_and(fnp.greater_equal(z, 0), fnp.less_equal(z, 1))
    return nan_where(bad, fnp.where(inside, -fnp.log(s), -INF))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``1 / scale`` on the interval, 0 elsewhere.

    >>> float(pdf(1.0, 0.0, 2.0))
    0.5
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``z`` clipped to [0, 1].

    >>> float(cdf(3.0, 1.0, 4.0))
    0.5
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, fnp.clip(z, 0.0, 1.0))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(cdf)``.

    >>> round(float(logcdf(0.5)), 6)
    -0.693147
    """
    return fnp.log(cdf(x, loc, scale))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``1 - z`` clipped to [0, 1].

    >>> float(sf(0.25))
    0.75
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, fnp.clip(1.0 - z, 0.0, 1.0))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(sf)``.

    >>> round(float(logsf(0.5)), 6)
    -0.693147
    """
    return fnp.log(sf(x, loc, scale))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``loc + q * scale``; NaN for ``q`` outside [0, 1].

    >>> float(ppf(0.5, 1.0, 4.0))
    3.0
    """
    bad = fnp.less_equal(scale, 0)
    return nan_where(bad, check_q(q, fnp.add(loc, fnp.multiply(q, scale))))


export(globals(), __all__)
