"""The gamma distribution, as ``scipy.stats.gamma``: ``logpdf``, ``pdf``, ``cdf``, ``logcdf``, ``sf``, ``logsf`` and
``ppf`` with the shape ``a``, ``loc`` and ``scale``.

``logpdf`` and ``pdf`` are differentiable in every argument, ``a`` included (through ``gammaln``). ``cdf`` and
``sf`` are the regularized incomplete gamma functions ``gammainc(a, z)`` and ``gammaincc(a, z)``, and ``ppf`` their
inverse ``gammaincinv``: differentiable in ``x`` (``q``), ``loc`` and ``scale``, while differentiating them in
``a`` raises an error naming ``a`` (the derivative in the shape parameter has no closed form). Below ``loc`` the
density is 0; ``a <= 0`` or ``scale <= 0`` gives NaN.

>>> from funcgrad.scipy.stats import gamma
>>> round(float(gamma.cdf(1.0, 1.0)), 6)  # the exponential's 1 - exp(-1)
0.632121
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import gammainc, gammaincc, gammaln, xlogy
from ...primitives.special_inverse import gammaincinv
from ._common import INF, SHAPE, check_q, export, hold, log_cdf, nan_where, safe, standardize

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _parts(x, a, loc, scale):
    """``(z clipped at 0, z < 0, a with a stand-in where invalid, log(scale), invalid)``."""
    z, s, bad = standardize(x, loc, scale)
    bad_a = fnp.less_equal(a, 0)
    below = fnp.less(z, 0)
    return safe(below, z, 0.0), below, safe(bad_a, a, 1.0), fnp.log(s), fnp.logical_or(bad, bad_a)


def _logpdf(x, a, loc, scale):
    z, below, a, lsc, bad = _parts(x, a, loc, scale)
    out = xlogy(a - 1.0, z) - z - gammaln(a) - lsc
    return nan_where(bad, fnp.where(below, -INF, out))


def _cdf(where, arg, x, a, loc, scale, upper):
    hold(where, arg, a, SHAPE)
    z, _, a, _, bad = _parts(x, a, loc, scale)
    return nan_where(bad, gammaincc(a, z) if upper else gammainc(a, z))


def _ppf(where, arg, q, a, loc, scale):
    hold(where, arg, a, SHAPE)
    bad = fnp.logical_or(fnp.less_equal(scale, 0), fnp.less_equal(a, 0))
    a = safe(bad, a, 1.0)
    return nan_where(bad, check_q(q, fnp.add(loc, fnp.multiply(scale, gammaincinv(a, q)))))


def logpdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``(a - 1) log z - z - gammaln(a) - log(scale)`` for ``z >= 0`` (SciPy's values at ``z == 0``: ``+inf`` for
    ``a < 1``, ``-log(scale)`` for ``a == 1``, ``-inf`` for ``a > 1``).

    >>> round(float(logpdf(2.0, 3.0)), 6)
    -1.306853
    """
    return _logpdf(x, a, loc, scale)


def pdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density.

    >>> round(float(pdf(2.0, 3.0)), 6)
    0.270671
    """
    return fnp.exp(_logpdf(x, a, loc, scale))


def cdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``gammainc(a, z)``; not differentiable in ``a``.

    >>> round(float(cdf(2.0, 3.0)), 6)
    0.323324
    """
    return _cdf("gamma.cdf", "a", x, a, loc, scale, False)


def logcdf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(cdf)``; not differentiable in ``a``.

    >>> round(float(logcdf(2.0, 3.0)), 6)
    -1.129102
    """
    return log_cdf(_cdf("gamma.logcdf", "a", x, a, loc, scale, False),
                   _cdf("gamma.logcdf", "a", x, a, loc, scale, True))


def sf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``gammaincc(a, z)``, accurate in the upper tail; not differentiable in ``a``.

    >>> round(float(sf(2.0, 3.0)), 6)
    0.676676
    """
    return _cdf("gamma.sf", "a", x, a, loc, scale, True)


def logsf(x: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(sf)``; not differentiable in ``a``.

    >>> round(float(logsf(2.0, 1.0)), 6)
    -2.0
    """
    return log_cdf(_cdf("gamma.logsf", "a", x, a, loc, scale, True), _cdf("gamma.logsf", "a", x, a, loc, scale, False))


def ppf(q: Any, a: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function ``loc + scale * gammaincinv(a, q)`` (values from SciPy's ``gammaincinv``; its
    derivative in ``q`` is ``1 / pdf`` at the answer); not differentiable in ``a``.

    >>> round(float(ppf(0.5, 1.0)), 6)  # log 2
    0.693147
    """
    return _ppf("gamma.ppf", "a", q, a, loc, scale)


export(globals(), __all__)
