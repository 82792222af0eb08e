"""The Cauchy distribution, as ``scipy.stats.cauchy``: ``logpdf``, ``pdf``, ``cdf``, ``logcdf``, ``sf``, ``logsf``
and ``ppf`` with ``loc`` and ``scale``, differentiable in every argument. The distribution function is written as
``arctan2(1, -z) / pi`` (and the survival function as ``arctan2(1, z) / pi``), which keeps the far tail's relative
accuracy that ``1/2 + arctan(z) / pi`` loses to cancellation.

>>> from funcgrad.scipy.stats import cauchy
>>> float(cauchy.cdf(1.0))
0.75
"""
from __future__ import annotations

import math
from typing import Any

from ... import numpy as fnp
from ._common import INF, check_q, export, log_cdf, nan_where, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]
_LOG_PI = math.log(math.pi)


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-log(pi) - log(scale) - log1p(z^2)``.

    >>> round(float(logpdf(0.0)), 6)  # -log(pi)
    -1.14473
    """
    z, s, bad = standardize(x, loc, scale)
    return nan_where(bad, -fnp.log1p(z * z) - fnp.log(s) - _LOG_PI)


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density ``1 / (pi scale (1 + z^2))``.

    >>> round(float(pdf(1.0)), 6)
    0.159155
    """
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The distribution function ``1/2 + arctan(z) / pi``.

    >>> float(cdf(0.0))
    0.5
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, fnp.arctan2(1.0, -z) / math.pi)


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(cdf)``.

    >>> round(float(logcdf(1.0)), 6)
    -0.287682
    """
    return log_cdf(cdf(x, loc, scale), sf(x, loc, scale))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function ``1/2 - arctan(z) / pi``.

    >>> float(sf(1.0))
    0.25
    """
    z, _, bad = standardize(x, loc, scale)
    return nan_where(bad, fnp.arctan2(1.0, z) / math.pi)


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(sf)``.

    >>> round(float(logsf(-1.0)), 6)
    -0.287682
    """
    return log_cdf(sf(x, loc, scale), cdf(x, loc, scale))


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + scale * tan(pi (q - 1/2))``; NaN for ``q`` outside [0, 1].

    >>> round(float(ppf(0.75)), 6)
    1.0
    """
    bad = fnp.less_equal(scale, 0)
    # tan(+-pi/2) is finite in floating point: SciPy's ends of the support at q = 0 and 1
    z = fnp.where(fnp.equal(q, 0), -INF, fnp.where(fnp.equal(q, 1), INF, fnp.tan(math.pi * fnp.subtract(q, 0.5))))
    return nan_where(bad, check_q(q, fnp.add(loc, fnp.multiply(scale, z))))


export(globals(), __all__)
