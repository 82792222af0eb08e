"""The beta distribution on ``[loc, loc + scale]``, as ``scipy.stats.beta``: ``logpdf``, ``pdf``, ``cdf``,
``logcdf``, ``sf``, ``logsf`` and ``ppf`` with the shapes ``a`` and ``b``, ``loc`` and ``scale``.

``logpdf`` and ``pdf`` are differentiable in every argument, the shapes included (through ``betaln``). ``cdf`` and
``sf`` are the regularized incomplete beta function and ``ppf`` its inverse ``betaincinv``: differentiable in ``x``
(``q``), ``loc`` and ``scale``; differentiating them in ``a`` or ``b`` raises an error naming the argument. Off the
interval the density is 0; ``a <= 0``, ``b <= 0`` or ``scale <= 0`` gives NaN.

>>> from funcgrad.scipy.stats import beta
>>> float(beta.cdf(0.25, 1.0, 1.0))
0.25
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import betainc, betaln, xlog1py, xlogy
from ...primitives.special_inverse import betaincinv
from ._common import INF, SHAPE, check_q, export, hold, log_cdf, nan_where, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _shapes(a, b):
    bad = fnp.logical_or(fnp.less_equal(a, 0), fnp.less_equal(b, 0))
    return safe(bad, a, 1.0), safe(bad, b, 1.0), bad


def _logpdf(x, a, b, loc, scale):
    z, s, bad = standardize(x, loc, scale)
    a, b, bad_ab = _shapes(a, b)
    off = fnp.logical_or(fnp.less(z, 0), fnp.greater(z, 1))
    z = safe(off, z, 0.5)
    out = xlogy(a - 1.0, z) + xlog1py(b - 1.0, -z) - betaln(a, b) - fnp.log(s)
    return nan_where(fnp.logical_or(bad, bad_ab), fnp.where(off, -INF, out))


def _cdf(where, x, a, b, loc, scale, upper):
    hold(where, "a", a, SHAPE)
    hold(where, "b", b, SHAPE)
    z, _, bad = standardize(x, loc, scale)
    a, b, bad_ab = _shapes(a, b)
    z = fnp.clip(z, 0.0, 1.0)
    out = betainc(b, a, 1.0 - z) if upper else betainc(a, b, z)
    return nan_where(fnp.logical_or(bad, bad_ab), out)


def logpdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``(a - 1) log z + (b - 1) log(1 - z) - betaln(a, b) - log(scale)`` on ``0 <= z <= 1``.

    >>> round(float(logpdf(0.5, 2.0, 2.0)), 6)  # log 1.5
    0.405465
    """
    return _logpdf(x, a, b, loc, scale)


def pdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density.

    >>> round(float(pdf(0.5, 2.0, 2.0)), 6)
    1.5
    """
    return fnp.exp(_logpdf(x, a, b, loc, scale))


def cdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``betainc(a, b, z)``; not differentiable in ``a`` or ``b``.

    >>> float(cdf(0.5, 2.0, 2.0))
    0.5
    """
    return _cdf("beta.cdf", x, a, b, loc, scale, False)


def logcdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(cdf)``; not differentiable in ``a`` or ``b``.

    >>> round(float(logcdf(0.5, 2.0, 2.0)), 6)
    -0.693147
    """
    return log_cdf(_cdf("beta.logcdf", x, a, b, loc, scale, False), _cdf("beta.logcdf", x, a, b, loc, scale, True))


def sf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``betainc(b, a, 1 - z)``; not differentiable in ``a`` or ``b``.

    >>> float(sf(0.25, 1.0, 1.0))
    0.75
    """
    return _cdf("beta.sf", x, a, b, loc, scale, True)


def logsf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(sf)``; not differentiable in ``a`` or ``b``.

    >>> round(float(logsf(0.5, 2.0, 2.0)), 6)
    -0.693147
    """
    return log_cdf(_cdf("beta.logsf", x, a, b, loc, scale, True), _cdf("beta.logsf", x, a, b, loc, scale, False))


def ppf(q: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + scale * betaincinv(a, b, q)`` (values from SciPy's ``betaincinv``; its
    derivative in ``q`` is ``1 / pdf`` at the answer); not differentiable in ``a`` or ``b``.

    >>> float(ppf(0.25, 1.0, 1.0))
    0.25
    """
    hold("beta.ppf", "a", a, SHAPE)
    hold("beta.ppf", "b", b, SHAPE)
    a, b, bad = _shapes(a, b)
    bad = fnp.logical_or(bad, fnp.less_equal(scale, 0))
    return nan_where(bad, check_q(q, fnp.add(loc, fnp.multiply(scale, betaincinv(a, b, q)))))


export(globals(), __all__)
