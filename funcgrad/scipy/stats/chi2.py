"""The chi-squared distribution with ``df`` degrees of freedom, as ``scipy.stats.chi2``: ``logpdf``, ``pdf``,
``cdf``, ``logcdf``, ``sf``, ``logsf`` and ``ppf`` with ``loc`` and ``scale``; the gamma distribution with shape
``df / 2`` and scale ``2 scale`` (see :mod:`funcgrad.scipy.stats.gamma`). ``logpdf`` and ``pdf`` are
differentiable in every argument; ``cdf``, ``sf`` and ``ppf`` in all but ``df``, for which they raise naming it.

>>> from funcgrad.scipy.stats import chi2
>>> round(float(chi2.cdf(2.0, 2.0)), 6)  # 1 - exp(-1)
0.632121
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from . import gamma as _g
from ._common import export, log_cdf

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _half(df):
    return fnp.multiply(df, 0.5)


def _double(scale):
    return fnp.multiply(scale, 2.0)


def logpdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``(df/2 - 1) log z - z/2 - gammaln(df/2) - (df/2) log 2 - log(scale)`` for ``z >= 0``.

    >>> round(float(logpdf(2.0, 2.0)), 6)
    -1.693147
    """
    return _g._logpdf(x, _half(df), loc, _double(scale))


def pdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density.

    >>> round(float(pdf(2.0, 2.0)), 6)
    0.18394
    """
    return fnp.exp(logpdf(x, df, loc, scale))


def cdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``gammainc(df / 2, z / 2)``; not differentiable in ``df``.

    >>> round(float(cdf(1.0, 1.0)), 6)
    0.682689
    """
    return _g._cdf("chi2.cdf", "df", x, _half(df), loc, _double(scale), False)


def logcdf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(cdf)``; not differentiable in ``df``.

    >>> round(float(logcdf(2.0, 2.0)), 6)
    -0.458675
    """
    return log_cdf(_g._cdf("chi2.logcdf", "df", x, _half(df), loc, _double(scale), False),
                   _g._cdf("chi2.logcdf", "df", x, _half(df), loc, _double(scale), True))


def sf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``gammaincc(df / 2, z / 2)``; not differentiable in ``df``.

    >>> round(float(sf(2.0, 2.0)), 6)
    0.367879
    """
    return _g._cdf("chi2.sf", "df", x, _half(df), loc, _double(scale), True)


def logsf(x: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(sf)``; not differentiable in ``df``.

    >>> round(float(logsf(2.0, 2.0)), 6)
    -1.0
    """
    return log_cdf(_g._cdf("chi2.logsf", "df", x, _half(df), loc, _double(scale), True),
                   _g._cdf("chi2.logsf", "df", x, _half(df), loc, _double(scale), False))


def ppf(q: Any, df: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + 2 scale gammaincinv(df / 2, q)``; not differentiable in ``df``.

    >>> round(float(ppf(0.5, 2.0)), 6)  # 2 log 2
    1.386294
    """
    return _g._ppf("chi2.ppf", "df", q, _half(df), loc, _double(scale))


export(globals(), __all__)
