"""The log-normal distribution, as ``scipy.stats.lognorm``: ``logpdf``, ``pdf``, ``cdf``, ``logcdf``, ``sf``,
``logsf`` and ``ppf`` with the shape ``s`` (the standard deviation of ``log``), ``loc`` and ``scale`` (``exp`` of
the log's mean), differentiable in every argument. At or below ``loc`` the density is 0; ``s <= 0`` gives NaN.

>>> from funcgrad.scipy.stats import lognorm
>>> float(lognorm.cdf(1.0, 0.5))
0.5
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import log_ndtr, ndtr, ndtri
from ._common import INF, LOG_2PI, check_q, export, nan_where, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _parts(x, s, loc, scale):
    """``(log(y) / s, log(y), s, log(scale), y <= 0, invalid)`` for ``y = (x - loc) / scale``."""
    y, sc, bad = standardize(x, loc, scale)
    bad_s = fnp.less_equal(s, 0)
    s = safe(bad_s, s, 1.0)
    off = fnp.less_equal(y, 0)
    ly = fnp.log(safe(off, y, 1.0))
    return ly / s, ly, s, fnp.log(sc), off, fnp.logical_or(bad, bad_s)


def logpdf(x: Any, s: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-(log y)^2 / (2 s^2) - log(y s scale) - log(2 pi) / 2`` for ``y > 0``.

    >>> round(float(logpdf(1.0, 1.0)), 6)
    -0.918939
    """
    w, ly, s, lsc, off, bad = _parts(x, s, loc, scale)
    out = -0.5 * (w * w) - ly - fnp.log(s) - lsc - 0.5 * LOG_2PI
    return nan_where(bad, fnp.where(off, -INF, out))


def pdf(x: Any, s: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density.

    >>> round(float(pdf(1.0, 1.0)), 6)
    0.398942
    """
    return fnp.exp(logpdf(x, s, loc, scale))


def cdf(x: Any, s: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``ndtr(log(y) / s)``.

    >>> round(float(cdf(2.0, 1.0)), 6)
    0.755891
    """
    w, _, _, _, off, bad = _parts(x, s, loc, scale)
    return nan_where(bad, fnp.where(off, 0.0, ndtr(w)))


def logcdf(x: Any, s: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log_ndtr(log(y) / s)``.

    >>> round(float(logcdf(1.0, 1.0)), 6)
    -0.693147
    """
    w, _, _, _, off, bad = _parts(x, s, loc, scale)
    return nan_where(bad, fnp.where(off, -INF, log_ndtr(w)))


def sf(x: Any, s: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``ndtr(-log(y) / s)``.

    >>> round(float(sf(0.5, 1.0)), 6)
    0.755891
    """
    w, _, _, _, off, bad = _parts(x, s, loc, scale)
    return nan_where(bad, fnp.where(off, 1.0, ndtr(-w)))


def logsf(x: Any, s: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log_ndtr(-log(y) / s)``.

    >>> round(float(logsf(1.0, 1.0)), 6)
    -0.693147
    """
    w, _, _, _, off, bad = _parts(x, s, loc, scale)
    return nan_where(bad, fnp.where(off, 0.0, log_ndtr(-w)))


def ppf(q: Any, s: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``loc + scale * exp(s * ndtri(q))``.

    >>> float(ppf(0.5, 2.0))
    1.0
    """
    bad = fnp.logical_or(fnp.less_equal(scale, 0), fnp.less_equal(s, 0))
    return nan_where(bad, check_q(q, fnp.add(loc, fnp.multiply(scale, fnp.exp(fnp.multiply(s, ndtri(q)))))))


export(globals(), __all__)
