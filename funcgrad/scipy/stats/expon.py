"""The exponential distribution, as ``scipy.stats.expon``: ``logpdf``, ``pdf``, ``cdf``, ``logcdf``, ``sf``,
``logsf`` and ``ppf`` with ``loc`` and ``scale`` (the mean), differentiable in every argument. Below ``loc`` the
density is 0 (``logpdf`` is ``-inf``), ``cdf`` 0 and ``sf`` 1, as in SciPy.

>>> from funcgrad.scipy.stats import expon
>>> float(expon.sf(0.0))
1.0
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ._common import INF, check_q, export, log1mexp, nan_where, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _z(x, loc, scale):
    z, s, bad = standardize(x, loc, scale)
    below = fnp.less(z, 0)
    return safe(below, z, 0.0), below, s, bad


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-z - log(scale)`` for ``z >= 0``, ``-inf`` below.

    >>> float(logpdf(1.0))
    -1.0
    """
    z, below, s, bad = _z(x, loc, scale)
    return nan_where(bad, fnp.where(below, -INF, -z - fnp.log(s)))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density ``exp(-z) / scale`` for ``z >= 0``.

    >>> float(pdf(0.0))
    1.0
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``1 - exp(-z)``, computed as ``-expm1(-z)`` (accurate near 0).

    >>> round(float(cdf(1.0)), 6)
    0.632121
    """
    z, below, _, bad = _z(x, loc, scale)
    return nan_where(bad, fnp.where(below, 0.0, -fnp.expm1(-z)))


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(1 - exp(-z))``.

    >>> round(float(logcdf(1.0)), 6)
    -0.458675
    """
    z, below, _, bad = _z(x, loc, scale)
    return nan_where(bad, fnp.where(below, -INF, log1mexp(-z)))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``exp(-z)``.

    >>> round(float(sf(1.0)), 6)
    0.367879
    """
    z, below, _, bad = _z(x, loc, scale)
    return nan_where(bad, fnp.where(below, 1.0, fnp.exp(-z)))


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-z`` (0 below ``loc``).

    >>> float(logsf(3.0))
    -3.0
    """
    z, below, _, bad = _z(x, loc, scale)
    return nan_where(bad, fnp.where(below, 0.0, -z))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``loc - scale * log1p(-q)``.

    >>> round(float(ppf(0.5)), 6)  # the median, log 2
    0.693147
    """
    bad = fnp.less_equal(scale, 0)
    return nan_where(bad, check_q(q, fnp.subtract(loc, fnp.multiply(scale, fnp.log1p(fnp.negative(q))))))


export(globals(), __all__)
