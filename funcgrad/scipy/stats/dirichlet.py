"""The Dirichlet distribution, as ``scipy.stats.dirichlet``: ``logpdf``, ``pdf`` and ``entropy``, differentiable
in ``x`` and ``alpha``.

As in SciPy, the components run along the FIRST axis of ``x``: shape ``(K,)`` or ``(K, ...)`` for ``alpha`` of
length ``K``; ``x`` may also hold ``K - 1`` components, the last being ``1 - sum`` (so a gradient in ``x`` moves
along the simplex). ``x`` off the simplex, a non-positive ``alpha``, or a zero component whose ``alpha`` is below 1
raise ValueError, as in SciPy.

>>> import numpy as np
>>> from funcgrad.scipy.stats import dirichlet
>>> float(dirichlet.pdf(np.array([0.3, 0.7]), np.ones(2)))  # uniform on the simplex
1.0
"""
from __future__ import annotations

from typing import Any

import numpy as _onp

from ... import numpy as fnp
from ...backend import namespace
from ...core import Box
from ...primitives.special_functions import digamma, gammaln, xlogy
from ._common import export

__all__ = ["logpdf", "pdf", "entropy"]


def _alpha(where, alpha):
    alpha = fnp.asarray(alpha)
    shape = fnp.shape(alpha)  # one example's, under vmap
    if len(shape) != 1 or shape[0] < 2:
        raise ValueError(f"funcgrad.scipy.stats.dirichlet.{where}: alpha must be a vector of at least 2 "
                         f"concentrations; got shape {shape}")
    raw = _plain(alpha)
    if raw is not None and not bool(namespace(raw).all(raw > 0)):
        raise ValueError(f"funcgrad.scipy.stats.dirichlet.{where}: every alpha must be greater than 0")
    return alpha, shape[0]


def _plain(x):
    """The plain value of ``x`` for SciPy's input checks, or None under vmap (whose batch axis the checks would
    misread: there the values are not checked)."""
    while type(x) is Box:
        if x._trace.batching:
            return None
        x = x.value
    return x


def _log_beta(alpha):
    return fnp.sum(gammaln(alpha)) - gammaln(fnp.sum(alpha))


def _tolerance(raw) -> float:
    """How far from 1 the components may sum: SciPy's 1e-9, or float32's rounding for float32 data."""
    return 1e-5 if raw.dtype == _onp.float32 else 1e-9


def _check_simplex(raw, raw_a) -> None:
    if raw is None or raw_a is None:
        return
    xp = namespace(raw)
    if not bool(xp.all((raw >= 0) & (raw <= 1))) or bool(xp.any(xp.abs(xp.sum(raw, axis=0) - 1.0) > _tolerance(raw))):
        raise ValueError("funcgrad.scipy.stats.dirichlet.logpdf: x must lie on the simplex (components in [0, 1], "
                         "summing to 1 along the first axis)")
    if bool(xp.any((raw == 0) & (raw_a < 1))):
        raise ValueError("funcgrad.scipy.stats.dirichlet.logpdf: a component of x may be 0 only where its alpha is "
                         "at least 1 (the density is infinite there)")


def logpdf(x: Any, alpha: Any) -> Any:
    """``sum_i (alpha_i - 1) log x_i - log B(alpha)`` over the first axis of ``x``.

    >>> import numpy as np
    >>> round(float(logpdf(np.array([0.2, 0.3, 0.5]), np.array([1.0, 2.0, 3.0]))), 6)
    1.504077
    """
    alpha, k = _alpha("logpdf", alpha)
    x = fnp.asarray(x)
    shape = fnp.shape(x)
    if not shape or shape[0] not in (k, k - 1):
        raise ValueError(f"funcgrad.scipy.stats.dirichlet.logpdf: x must hold K = {k} (or K - 1) components along "
                         f"its first axis, for alpha of length {k}; got shape {shape}")
    if shape[0] == k - 1:
        x = fnp.concatenate([x, 1.0 - fnp.sum(x, axis=0, keepdims=True)], axis=0)
    a = fnp.reshape(alpha, (k,) + (1,) * (len(shape) - 1))
    _check_simplex(_plain(x), _plain(a))
    return fnp.sum(xlogy(a - 1.0, x), axis=0) - _log_beta(alpha)


def pdf(x: Any, alpha: Any) -> Any:
    """The density, ``exp(logpdf)``.

    >>> import numpy as np
    >>> round(float(pdf(np.array([0.5, 0.5]), np.array([2.0, 2.0]))), 6)
    1.5
    """
    return fnp.exp(logpdf(x, alpha))


def entropy(alpha: Any) -> Any:
    """``log B(alpha) + (alpha_0 - K) digamma(alpha_0) - sum_i (alpha_i - 1) digamma(alpha_i)``.

    >>> import numpy as np
    >>> float(entropy(np.ones(2)))  # uniform on a segment of length 1
    0.0
    """
    alpha, k = _alpha("entropy", alpha)
    a0 = fnp.sum(alpha)
    return _log_beta(alpha) + (a0 - k) * digamma(a0) - fnp.sum((alpha - 1.0) * digamma(alpha))


export(globals(), __all__)
