"""The logistic distribution, as ``scipy.stats.logistic``: ``logpdf``, ``pdf``, ``cdf``, ``logcdf``, ``sf``,
``logsf`` and ``ppf`` with ``loc`` and ``scale``, differentiable in every argument; written with ``expit``,
``log_expit`` and ``logit``, so no tail overflows.

>>> from funcgrad.scipy.stats import logistic
>>> float(logistic.cdf(0.0))
0.5
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import expit, log_expit, logit
from ._common import check_q, export, nan_where, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log_expit(z) + log_expit(-z) - log(scale)``.

    >>> round(float(logpdf(0.0)), 6)  # log(1/4)
    -1.386294
    """
    z, s, bad = standardize(x, loc, scale)
    return nan_where(bad, log_expit(z) + log_expit(-z) - fnp.log(s))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density ``expit(z) expit(-z) / scale``.

    >>> float(pdf(0.0))
    0.25
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``expit(z)``.

    >>> round(float(cdf(1.0)), 6)
    0.731059
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, expit(z))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log_expit(z)``.

    >>> round(float(logcdf(-50.0)), 6)
    -50.0
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, log_expit(z))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``expit(-z)``.

    >>> round(float(sf(-1.0)), 6)
    0.731059
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, expit(-z))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log_expit(-z)``.

    >>> round(float(logsf(50.0)), 6)
    -50.0
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, log_expit(-z))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``loc + scale * logit(q)``.

    >>> float(ppf(0.5))
    0.0
    """
    bad = fnp.less_equal(scale, 0)
    return nan_where(bad, check_q(q, fnp.add(loc, fnp.multiply(scale, logit(q)))))


export(globals(), __all__)
