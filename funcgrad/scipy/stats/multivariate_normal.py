"""The multivariate normal distribution, as ``scipy.stats.multivariate_normal``: ``logpdf``, ``pdf`` and
``entropy``, differentiable in ``x``, ``mean`` and ``cov``.

``x`` holds points along its last axis (shape ``(..., d)``; the result has shape ``x.shape[:-1]``); ``mean`` is a
``d``-vector (or broadcasts with ``x``); ``cov`` is a ``d x d`` matrix, a vector (a diagonal) or a scalar (a
multiple of the identity), as in SciPy; only its symmetric part is used. As in SciPy, ``d == 1`` with a 1-d ``x``
reads ``x`` as that many points (SciPy then also squeezes size-1 axes out of the result; funcgrad keeps
``x.shape[:-1]``). A covariance counts as singular when an eigenvalue is at most SciPy's cutoff (``1e6`` float64
epsilons, ``1e3`` for float32, times the largest); then ``allow_singular=False`` raises
``numpy.linalg.LinAlgError`` as SciPy does, and ``allow_singular=True`` gives the degenerate distribution: the
pseudo-determinant and pseudo-inverse over the kept eigenvalues (from ``eigh``), and ``-inf`` off its support.
A non-singular covariance goes through its Cholesky factor. Gradients in a singular ``cov`` need its kept
eigenvalues distinct (``eigh``'s derivative is undefined for repeated ones).

>>> import numpy as np
>>> from funcgrad.scipy.stats import multivariate_normal
>>> round(float(multivariate_normal.logpdf(np.zeros(2), np.zeros(2), np.eye(2))), 6)  # -log(2 pi)
-1.837877
"""
from __future__ import annotations

from typing import Any

import numpy as _onp

from ... import numpy as fnp
from ...backend import namespace
from ...core import getval
from ..linalg import solve_triangular
from ._common import INF, LOG_2PI, export

__all__ = ["logpdf", "pdf", "entropy"]


def _dim(mean, cov) -> int:
    # fnp.shape: the shape of one example under vmap
    if mean is not None and fnp.ndim(mean) >= 1:
        return int(fnp.shape(mean)[-1])
    if fnp.ndim(cov) >= 1:
        return int(fnp.shape(cov)[-1])
    return 1


def _matrix(where, cov, d):
    """``cov`` as a symmetric ``d x d`` matrix."""
    c = getval(cov)
    nd, shape = fnp.ndim(cov), fnp.shape(cov)
    if nd == 0 or nd == 1:
        if nd == 1 and shape[0] != d:
            raise ValueError(f"funcgrad.scipy.stats.multivariate_normal.{where}: a 1-d cov is the diagonal and must "
                             f"have length d = {d}; got shape {shape}")
        xp = namespace(c)
        dtype = _onp.result_type(getattr(c, "dtype", _onp.float64), _onp.float32)
        eye = xp.eye(d, dtype=dtype)
        return fnp.multiply(fnp.expand_dims(cov, -1), eye) if nd == 1 else fnp.multiply(cov, eye)
    if nd != 2 or tuple(shape) != (d, d):
        raise ValueError(f"funcgrad.scipy.stats.multivariate_normal.{where}: cov must be a scalar, a vector of length "
                         f"d or a (d, d) matrix with d = {d}; got shape {shape}")
    return fnp.multiply(fnp.add(cov, fnp.swapaxes(cov, -1, -2)), 0.5)


def _spectrum(where, sym, allow_singular):
    """``(singular, eps)`` from the eigenvalues of the plain matrix, with SciPy's cutoff and errors."""
    raw = getval(sym)
    xp = namespace(raw)
    s = xp.linalg.eigvalsh(raw)
    factor = 1e3 if raw.dtype == _onp.float32 else 1e6
    eps = factor * _onp.finfo(raw.dtype).eps * float(xp.max(xp.abs(s)))
    if float(xp.min(s)) < -eps:
        raise ValueError(f"funcgrad.scipy.stats.multivariate_normal.{where}: cov must be symmetric positive "
                         f"semidefinite; its smallest eigenvalue is {float(xp.min(s))!r}")
    singular = bool(xp.any(s <= eps))
    if singular and not allow_singular:
        raise _onp.linalg.LinAlgError(
            f"funcgrad.scipy.stats.multivariate_normal.{where}: cov is singular (an eigenvalue is at most "
            f"{eps:.3g}, SciPy's cutoff); pass allow_singular=True for the degenerate distribution "
            f"(pseudo-determinant, -inf off its support), or make cov positive definite")
    return singular, eps


def _points(where, x, d):
    x = fnp.asarray(x)
    shape = fnp.shape(x)
    if len(shape) == 0 or (d == 1 and (len(shape) == 1 or shape[-1] != 1)):
        x = fnp.expand_dims(x, -1)
    elif shape[-1] != d:
        raise ValueError(f"funcgrad.scipy.stats.multivariate_normal.{where}: x must hold points of dimension d = {d} "
                         f"along its last axis; got shape {shape}")
    return x


def _pseudo(sym, eps):
    """``(kept, eigenvalues with 1 where not kept, eigenvectors, log pseudo-determinant)`` from ``eigh``."""
    s, u = fnp.linalg.eigh(sym)
    keep = getval(s) > eps
    s_kept = fnp.where(keep, s, 1.0)
    return keep, s_kept, u, fnp.sum(fnp.where(keep, fnp.log(s_kept), 0.0), axis=-1)


def logpdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    """The log density ``-(rank log(2 pi) + log pdet(cov) + dev' cov^+ dev) / 2`` with ``dev = x - mean``.

    >>> import numpy as np
    >>> from funcgrad import grad
    >>> grad(logpdf)(np.array([1.0, 2.0]), np.zeros(2), np.eye(2))  # -cov^-1 (x - mean)
    array([-1., -2.])
    """
    return _logpdf("logpdf", x, mean, cov, allow_singular)


def _logpdf(where, x, mean, cov, allow_singular):
    d = _dim(mean, cov)
    x = _points(where, x, d)
    sym = _matrix(where, cov, d)
    singular, eps = _spectrum(where, sym, allow_singular)
    dev = x if mean is None else fnp.subtract(x, mean)
    batch = tuple(fnp.shape(dev)[:-1])
    if not singular:
        chol = fnp.linalg.cholesky(sym)
        y = solve_triangular(chol, fnp.swapaxes(fnp.reshape(dev, (-1, d)), 0, 1), lower=True)
        maha = fnp.reshape(fnp.sum(y * y, axis=0), batch)
        log_det = 2.0 * fnp.sum(fnp.log(fnp.diagonal(chol)))
        return -0.5 * (d * LOG_2PI + log_det + maha)
    keep, s_kept, u, log_pdet = _pseudo(sym, eps)
    proj = fnp.matmul(dev, u)
    maha = fnp.sum(fnp.where(keep, proj * proj / s_kept, 0.0), axis=-1)
    rank = int(keep.sum())
    # off the support: a component along the null space (SciPy's test, on plain values)
    null = getval(u)[:, ~keep]
    residual = namespace(null).linalg.norm(getval(dev) @ null, axis=-1)
    out = -0.5 * (rank * LOG_2PI + log_pdet + maha)
    return fnp.where(residual >= 1e3 * eps, -INF, out)


def pdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    """The density, ``exp(logpdf)``.

    >>> import numpy as np
    >>> round(float(pdf(0.0, 0.0, 1.0)), 6)
    0.398942
    """
    return fnp.exp(_logpdf("pdf", x, mean, cov, allow_singular))


def entropy(mean: Any = None, cov: Any = 1) -> Any:
    """The differential entropy ``(rank (1 + log(2 pi)) + log pdet(cov)) / 2``; a singular ``cov`` is allowed, as in
    SciPy (the degenerate distribution's entropy). ``mean`` only sets the dimension.

    >>> import numpy as np
    >>> round(float(entropy(cov=np.eye(2))), 6)  # 1 + log(2 pi)
    2.837877
    """
    d = _dim(mean, cov)
    sym = _matrix("entropy", cov, d)
    singular, eps = _spectrum("entropy", sym, True)
    if not singular:
        chol = fnp.linalg.cholesky(sym)
        return 0.5 * (d * (1.0 + LOG_2PI) + 2.0 * fnp.sum(fnp.log(fnp.diagonal(chol))))
    keep, _, _, log_pdet = _pseudo(sym, eps)
    return 0.5 * (int(keep.sum()) * (1.0 + LOG_2PI) + log_pdet)


export(globals(), __all__)
