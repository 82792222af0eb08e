"""The normal distribution, as ``scipy.stats.norm``: ``logpdf``, ``pdf``, ``cdf``, ``logcdf``, ``sf``, ``logsf``,
``ppf`` and ``isf`` with ``loc`` and ``scale``, differentiable in every argument. The tails use ``log_ndtr`` (and
``ndtr(-z)`` for the survival function), so they stay accurate where ``log(cdf)`` would underflow. A ``scale <= 0``
gives NaN, as in SciPy.

>>> from funcgrad.scipy.stats import norm
>>> round(float(norm.logpdf(0.0)), 6)
-0.918939
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import log_ndtr, ndtr, ndtri
from ._common import LOG_2PI, check_q, export, nan_where, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log of the normal density, ``-z^2 / 2 - log(scale) - log(2 pi) / 2`` with ``z = (x - loc) / scale``.

    >>> from funcgrad import grad
    >>> float(grad(logpdf)(1.0))  # -z
    -1.0
    """
    z, s, bad = standardize(x, loc, scale)
    return nan_where(bad, -0.5 * (z * z) - fnp.log(s) - 0.5 * LOG_2PI)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The normal density.

    >>> round(float(pdf(0.0)), 6)
    0.398942
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The distribution function ``ndtr(z)``.

    >>> float(cdf(2.0, loc=2.0))
    0.5
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, ndtr(z))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log of the distribution function, ``log_ndtr(z)``: accurate far into the lower tail.

    >>> round(float(logcdf(-40.0)), 4)
    -804.6084
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, log_ndtr(z))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function ``1 - cdf``, computed as ``ndtr(-z)`` (no cancellation in the upper tail).

    >>> float(sf(0.0))
    0.5
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, ndtr(-z))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The log of the survival function, ``log_ndtr(-z)``.

    >>> round(float(logsf(40.0)), 4)
    -804.6084
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, log_ndtr(-z))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function (inverse of ``cdf``), ``loc + scale * ndtri(q)``; NaN for ``q`` outside [0, 1].

    >>> round(float(ppf(0.975)), 6)
    1.959964
    """
    bad = fnp.less_equal(scale, 0)
    return nan_where(bad, check_q(q, fnp.add(loc, fnp.multiply(scale, ndtri(q)))))


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse of the survival function, ``loc - scale * ndtri(q)``.

    >>> round(float(isf(0.025)), 6)
    1.959964
    """
    bad = fnp.less_equal(scale, 0)
    return nan_where(bad, check_q(q, fnp.subtract(loc, fnp.multiply(scale, ndtri(q)))))


export(globals(), __all__)
