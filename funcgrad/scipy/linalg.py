"""``scipy.linalg`` names over funcgrad primitives, with SciPy's signatures: triangular and Cholesky solves, LU,
``expm`` (and its Frechet derivative), ``logm``, ``sqrtm``, Sylvester and Lyapunov equations, ``eigh``,
``block_diag``, ``det`` and ``inv``.

Most are compositions of ``funcgrad.numpy.linalg``'s primitives (``cholesky``, ``eigh``, ``inv``, ``det`` and the
triangular solve); ``expm``, ``logm``, ``sqrtm``, ``solve_sylvester`` and ``lu`` are primitives of their own
(``funcgrad/primitives/scipy_linalg.py``, where their derivative rules and domains are described). So every
function here has reverse- and forward-mode derivatives of any order and works under ``vmap``. Values come from
``scipy.linalg`` for NumPy arrays and from ``cupyx.scipy.linalg`` for CuPy arrays where it has the function (it
lacks ``logm``, ``sqrtm`` and ``solve_sylvester``, which then raise); SciPy is imported on the first call.

Differences from SciPy: matrices must be real; ``overwrite_*`` flags are accepted and ignored (funcgrad never
writes into its inputs); ``cho_factor`` and ``lu_factor`` return zeros in the triangle SciPy leaves unspecified;
``logm`` and ``sqrtm`` raise where SciPy would return a complex result. Stacks of matrices (leading axes) are
accepted wherever SciPy accepts them.

>>> import numpy as np
>>> from funcgrad import grad
>>> from funcgrad.scipy.linalg import expm
>>> round(float(grad(lambda t: expm(t * np.eye(2))[0, 0])(1.0)), 6)  # d/dt e^t at t = 1
2.718282
"""
from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as _onp

from .. import numpy as _fnp
from ..backend import device_scope, namespace, shape_of
from ..core import getval
from ..core.primitive import accepts_wrappers
from ..primitives import scipy_linalg as _prims
from ..primitives.decompositions import solve_triangular as _solve_tri
from ..primitives.linalg import _mT
from ..primitives.shape import _asarray

__all__ = ["solve_triangular", "cholesky", "cho_factor", "cho_solve", "lu", "lu_factor", "lu_solve", "expm",
           "expm_frechet", "logm", "sqrtm", "solve_sylvester", "solve_continuous_lyapunov", "eigh", "block_diag",
           "det", "inv"]
ArrayLike = Any
_LinAlgError = _onp.linalg.LinAlgError
_TRANS = {0: 0, "N": 0, 1: 1, "T": 1, 2: 1, "C": 1}  # real matrices: the conjugate transpose is the transpose


# --- checks and small helpers -----------------------------------------------------------------------------------
def _square(name: str, a) -> tuple:
    s = tuple(shape_of(a))
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"funcgrad.scipy.linalg.{name}: expected a square matrix (or a stack of them in the last "
                         f"two axes), got shape {s}")
    return s


def _finite(name: str, check: bool, *xs) -> None:
    if not check:
        return
    for x in xs:
        v = getval(x)
        if v.dtype.kind in "fc" and not bool(namespace(v).isfinite(v).all()):
            raise ValueError(f"funcgrad.scipy.linalg.{name}: array must not contain infs or NaNs (got one of shape "
                             f"{tuple(shape_of(v))}); pass check_finite=False to skip this check")


def _const(like, host: _onp.ndarray):
    """A host constant as an array of ``like``'s namespace, on its device."""
    v = getval(like)
    xp = namespace(v)
    if xp is _onp:
        return host
    with device_scope(v):
        return xp.asarray(host)


def _to_host(x) -> _onp.ndarray:
    v = getval(x)
    if isinstance(v, _onp.ndarray):
        return v
    get = getattr(v, "get", None)
    return get() if get is not None else _onp.asarray(v)


def _rhs(name: str, a, b) -> tuple:
    """``b`` as a (stack of) matrix right-hand side(s) for the square ``a``, and a function restoring its shape.

    A single matrix ``a`` (n, n) takes ``b`` of shape (n,) or (n, ...), as SciPy; a stack (..., n, n) takes
    (..., n) vectors or (..., n, k) matrices."""
    sa, sb = shape_of(a), tuple(shape_of(b))
    n = sa[-1]
    if len(sa) == 2:
        if len(sb) == 0 or sb[0] != n:
            raise ValueError(f"funcgrad.scipy.linalg.{name}: shapes of a {tuple(sa)} and b {sb} are incompatible: "
                             f"b needs {n} rows")
        if len(sb) == 2:
            return b, lambda x: x
        return _fnp.reshape(b, (n, -1)), lambda x: _fnp.reshape(x, sb)
    if len(sb) == len(sa) - 1 and sb[-1] == n:
        return _fnp.expand_dims(b, -1), lambda x: _fnp.squeeze(x, -1)
    if len(sb) >= 2 and sb[-2] == n:
        return b, lambda x: x
    raise ValueError(f"funcgrad.scipy.linalg.{name}: shapes of a {tuple(sa)} and b {sb} are incompatible: for a "
                     f"stack of matrices b is a stack of vectors (..., {n}) or of matrices (..., {n}, k)")


def _unit_diagonal(a):
    n = shape_of(a)[-1]
    eye = _onp.eye(n)
    return _fnp.multiply(a, _const(a, 1.0 - eye)) + _const(a, eye)


# --- triangular and Cholesky solves -----------------------------------------------------------------------------
def solve_triangular(a: ArrayLike, b: ArrayLike, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False, check_finite: bool = True) -> Any:
    """``x`` with ``op(a) @ x == b`` for triangular ``a``, as ``scipy.linalg.solve_triangular``: only the
    ``lower`` (or upper) triangle of ``a`` is read, ``op`` is the identity (``trans=0``/``'N'``) or the transpose
    (``1``/``'T'``, ``2``/``'C'``), and ``unit_diagonal`` takes the diagonal as ones without reading it.

    >>> import numpy as np
    >>> solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]), lower=True)
    array([1., 2.])
    """
    a, b = _asarray(a), _asarray(b)
    _square("solve_triangular", a)
    if trans not in _TRANS:
        raise ValueError(f"funcgrad.scipy.linalg.solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got "
                         f"{trans!r}")
    _finite("solve_triangular", check_finite, a, b)
    bm, restore = _rhs("solve_triangular", a, b)
    if unit_diagonal:
        a = _unit_diagonal(a)
    if _TRANS[trans]:
        return restore(_solve_tri(_mT(a), bm, lower=not lower))
    return restore(_solve_tri(a, bm, lower=bool(lower)))


def cholesky(a: ArrayLike, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """The Cholesky factor of a symmetric positive-definite matrix, as ``scipy.linalg.cholesky``: upper ``U`` with
    ``a = U.T @ U`` by default (only the upper triangle of ``a`` is read), lower ``L`` with ``a = L @ L.T`` for
    ``lower=True`` (the lower triangle). The gradient is returned symmetrized.

    >>> import numpy as np
    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 1.],
           [0., 1.]])
    """
    a = _asarray(a)
    _square("cholesky", a)
    _finite("cholesky", check_finite, a)
    if lower:
        return _fnp.linalg.cholesky(a)
    return _mT(_fnp.linalg.cholesky(_mT(a)))


def cho_factor(a: ArrayLike, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True) -> tuple:
    """``(c, lower)`` for :func:`cho_solve`, as ``scipy.linalg.cho_factor``: ``c`` holds the Cholesky factor in its
    ``lower`` (or upper) triangle, and zeros in the other (SciPy leaves that triangle unspecified).

    >>> import numpy as np
    >>> cho_factor(np.array([[4.0, 2.0], [2.0, 2.0]]), lower=True)[0]
    array([[2., 0.],
           [1., 1.]])
    """
    return cholesky(a, lower=lower, check_finite=check_finite), bool(lower)


def cho_solve(c_and_lower: tuple, b: ArrayLike, overwrite_b: bool = False, check_finite: bool = True) -> Any:
    """``x`` with ``a @ x == b`` from the Cholesky factorization ``(c, lower) = cho_factor(a)``, as
    ``scipy.linalg.cho_solve``; only the factor's triangle of ``c`` is read.

    >>> import numpy as np
    >>> cho_solve(cho_factor(np.array([[4.0, 2.0], [2.0, 2.0]])), np.array([2.0, 0.0]))
    array([ 1., -1.])
    """
    try:
        c, lower = c_and_lower
    except (TypeError, ValueError):
        raise TypeError("funcgrad.scipy.linalg.cho_solve: the first argument must be the pair (c, lower) that "
                        "cho_factor returns") from None
    c = _asarray(c)
    _square("cho_solve", c)
    if lower:  # a = L L^T
        y = solve_triangular(c, b, lower=True, check_finite=check_finite)
        return solve_triangular(c, y, trans=1, lower=True, check_finite=False)
    y = solve_triangular(c, b, trans=1, lower=False, check_finite=check_finite)  # a = U^T U
    return solve_triangular(c, y, lower=False, check_finite=False)


# --- LU -----------------------------------------------------------------------------------------------------------
def lu(a: ArrayLike, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True,
       p_indices: bool = False) -> tuple:
    """The LU decomposition with partial pivoting ``a = P @ L @ U`` of an ``m x n`` matrix (or a stack), as
    ``scipy.linalg.lu``: ``L`` is ``m x k`` unit lower trapezoidal and ``U`` is ``k x n`` upper trapezoidal
    (``k = min(m, n)``). ``permute_l=True`` returns ``(P @ L, U)``; ``p_indices=True`` returns the row indices
    ``p`` with ``a == L[p] @ U`` instead of ``P``. ``P`` and ``p`` carry no gradient.

    >>> import numpy as np
    >>> p, l, u = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> l @ u
    array([[3., 4.],
           [1., 2.]])
    """
    a = _asarray(a)
    if len(shape_of(a)) < 2:
        raise ValueError(f"funcgrad.scipy.linalg.lu: expected a matrix (or a stack of them), got shape "
                         f"{tuple(shape_of(a))}")
    _finite("lu", check_finite, a)
    p, l, u = _prims.lu(a)
    if permute_l:
        return _fnp.matmul(p, l), u
    if p_indices:
        pv = getval(p)
        return namespace(pv).argmax(pv, axis=-1), l, u
    return p, l, u


def _pivots(rows: Sequence[int], k: int) -> list:
    """LAPACK's pivots (row ``i`` swapped with row ``piv[i]``, in turn) that bring row ``rows[i]`` to place ``i``:
    at each step the row to bring is known, so the swaps are too."""
    where = list(range(len(rows)))   # where[r]: the current place of original row r
    at = list(range(len(rows)))      # at[i]: the original row now at place i
    piv = []
    for i in range(k):
        j = where[rows[i]]
        piv.append(j)
        at[i], at[j] = at[j], at[i]
        where[at[i]], where[at[j]] = i, j
    return piv


def _rows(piv: Sequence[int], m: int) -> list:
    """The inverse of :func:`_pivots`: the original row at each place after LAPACK's swaps."""
    rows = list(range(m))
    for i, j in enumerate(piv):
        rows[i], rows[j] = rows[j], rows[i]
    return rows


def lu_factor(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> tuple:
    """``(lu, piv)`` for :func:`lu_solve`, as ``scipy.linalg.lu_factor``: ``lu`` holds ``U`` in its upper triangle
    and ``L``'s strict lower triangle below it (its unit diagonal implied); ``piv`` are LAPACK's pivots (row ``i``
    was interchanged with row ``piv[i]``), int32, with no gradient. Reading the pivots back is a host sync on a GPU.

    >>> import numpy as np
    >>> lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))[1]
    array([1, 1], dtype=int32)
    """
    a = _asarray(a)
    if len(shape_of(a)) < 2:
        raise ValueError(f"funcgrad.scipy.linalg.lu_factor: expected a matrix (or a stack of them), got shape "
                         f"{tuple(shape_of(a))}")
    _finite("lu_factor", check_finite, a)
    p, l, u = _prims.lu(a)
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    lead = ((0, 0),) * (len(shape_of(a)) - 2)
    packed = _fnp.pad(_fnp.tril(l, -1), lead + ((0, 0), (0, n - k))) + _fnp.pad(u, lead + ((0, m - k), (0, 0)))
    rows = _to_host(p).argmax(axis=-2).reshape(-1, m)  # P^T a = L U: (P^T a)[i] = a[rows[i]]
    piv = _onp.array([_pivots(r.tolist(), k) for r in rows], dtype=_onp.int32).reshape(shape_of(a)[:-2] + (k,))
    return packed, _const(a, piv)


def lu_solve(lu_and_piv: tuple, b: ArrayLike, trans: int | str = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Any:
    """``x`` with ``a @ x == b`` (``trans=0``) or ``a.T @ x == b`` (``1``, ``2``) from ``lu_factor(a)``, as
    ``scipy.linalg.lu_solve``; differentiable in ``lu`` (only its two triangles' used parts are read) and ``b``.

    >>> import numpy as np
    >>> lu_solve(lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]])), np.array([3.0, 7.0]))
    array([1., 1.])
    """
    try:
        lu_, piv = lu_and_piv
    except (TypeError, ValueError):
        raise TypeError("funcgrad.scipy.linalg.lu_solve: the first argument must be the pair (lu, piv) that "
                        "lu_factor returns") from None
    lu_, b = _asarray(lu_), _asarray(b)
    s = _square("lu_solve", lu_)
    n = s[-1]
    if trans not in _TRANS:
        raise ValueError(f"funcgrad.scipy.linalg.lu_solve: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    hp = _to_host(piv)
    if hp.shape != s[:-2] + (n,):
        raise ValueError(f"funcgrad.scipy.linalg.lu_solve: piv of shape {hp.shape} does not match lu of shape {s}: "
                         f"expected {s[:-2] + (n,)}")
    _finite("lu_solve", check_finite, lu_, b)
    bm, restore = _rhs("lu_solve", lu_, b)
    rows = _onp.array([_rows(r.tolist(), n) for r in hp.reshape(-1, n)]).reshape(s[:-2] + (n, 1))
    if not _TRANS[trans]:
        y = _fnp.take_along_axis(bm, _const(lu_, rows), axis=-2)  # P^T b
        z = solve_triangular(lu_, y, lower=True, unit_diagonal=True, check_finite=False)
        return restore(solve_triangular(lu_, z, check_finite=False))
    z = solve_triangular(lu_, bm, trans=1, check_finite=False)  # a^T = U^T L^T P^T
    y = solve_triangular(lu_, z, trans=1, lower=True, unit_diagonal=True, check_finite=False)
    return restore(_fnp.take_along_axis(y, _const(lu_, _onp.argsort(rows, axis=-2)), axis=-2))  # P y


# --- matrix functions -----------------------------------------------------------------------------------------------
def expm(A: ArrayLike) -> Any:
    """The matrix exponential (Pade approximation with scaling and squaring, SciPy's or cupyx's), of each matrix
    of a stack, as ``scipy.linalg.expm``; derivatives through its Frechet derivative.

    >>> import numpy as np
    >>> expm(np.zeros((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    A = _asarray(A)
    _square("expm", A)
    return _prims.expm(A)


def expm_frechet(A: ArrayLike, E: ArrayLike, method: str | None = None, compute_expm: bool = True,
                 check_finite: bool = True) -> Any:
    """The Frechet derivative of ``expm`` at ``A`` in the direction ``E`` (``(expm(A), L)`` with
    ``compute_expm``), as ``scipy.linalg.expm_frechet``: both from one exponential of ``[[A, E], [0, A]]``, so
    it is differentiable (to any order) in ``A`` and ``E``. ``method`` is accepted for compatibility.

    >>> import numpy as np
    >>> expm_frechet(np.zeros((1, 1)), np.ones((1, 1)), compute_expm=False)
    array([[1.]])
    """
    if method not in (None, "SPS", "blockEnlarge"):
        raise ValueError(f"funcgrad.scipy.linalg.expm_frechet: method must be None, 'SPS' or 'blockEnlarge', got "
                         f"{method!r}")
    A, E = _asarray(A), _asarray(E)
    sa, se = _square("expm_frechet", A), tuple(shape_of(E))
    if sa != se:
        raise ValueError(f"funcgrad.scipy.linalg.expm_frechet: A and E must have the same shape, got {sa} and {se}")
    _finite("expm_frechet", check_finite, A, E)
    n = sa[-1]
    lead = ((0, 0),) * (len(sa) - 2)
    big = _prims.expm(_fnp.concatenate([_fnp.concatenate([A, E], axis=-1), _fnp.pad(A, lead + ((0, 0), (n, 0)))],
                                       axis=-2))
    frechet = big[..., :n, n:]
    return (big[..., :n, :n], frechet) if compute_expm else frechet


def _errest(name: str, x, a) -> Any:
    """SciPy's ``disp=False`` error estimate, on plain values: no gradient."""
    xv, av = getval(x), getval(a)
    xp = namespace(xv)
    if name == "logm":
        res = getval(_prims.expm(xv)) - av
        return xp.linalg.norm(res, 1, axis=(-2, -1)) / xp.linalg.norm(av, 1, axis=(-2, -1))
    res = xv @ xv - av
    return xp.linalg.norm(res, "fro", axis=(-2, -1)) ** 2 / xp.linalg.norm(av, "fro", axis=(-2, -1))


def logm(A: ArrayLike, disp: bool = True) -> Any:
    """The principal matrix logarithm of real matrices with no eigenvalue on ``(-inf, 0]`` (where it is real), as
    ``scipy.linalg.logm``; other matrices raise (SciPy returns a complex result). ``disp=False`` also returns
    SciPy's error estimate ``||expm(X) - A||_1 / ||A||_1`` (no gradient). Not available for CuPy arrays.

    >>> import numpy as np
    >>> logm(np.e * np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    A = _asarray(A)
    _square("logm", A)
    x = _prims.logm(A)
    return x if disp else (x, _errest("logm", x, A))


def sqrtm(A: ArrayLike, disp: bool = True, blocksize: int = 64) -> Any:
    """The principal square root of real matrices with no eigenvalue on ``(-inf, 0)`` (where it is real), as
    ``scipy.linalg.sqrtm``; other matrices raise (SciPy returns a complex result). The derivative solves a
    Sylvester equation and needs a nonsingular matrix. ``disp=False`` also returns SciPy's error estimate
    ``||X @ X - A||_F^2 / ||A||_F`` (no gradient); ``blocksize`` is accepted for compatibility. Not available
    for CuPy arrays.

    >>> import numpy as np
    >>> sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]]))
    array([[2., 0.],
           [0., 3.]])
    """
    A = _asarray(A)
    _square("sqrtm", A)
    x = _prims.sqrtm(A)
    return x if disp else (x, _errest("sqrtm", x, A))


def solve_sylvester(a: ArrayLike, b: ArrayLike, q: ArrayLike) -> Any:
    """``x`` with ``a @ x + x @ b == q`` (Bartels-Stewart, SciPy's), as ``scipy.linalg.solve_sylvester``;
    differentiable in all three. Not available for CuPy arrays.

    >>> import numpy as np
    >>> solve_sylvester(np.eye(2), np.eye(2), np.full((2, 2), 4.0))
    array([[2., 2.],
           [2., 2.]])
    """
    return _prims.solve_sylvester(_asarray(a), _asarray(b), _asarray(q))


def solve_continuous_lyapunov(a: ArrayLike, q: ArrayLike) -> Any:
    """``x`` with ``a @ x + x @ a.T == q``, as ``scipy.linalg.solve_continuous_lyapunov`` (a Sylvester equation).

    >>> import numpy as np
    >>> solve_continuous_lyapunov(-np.eye(2), -2.0 * np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    a = _asarray(a)
    return _prims.solve_sylvester(a, _mT(a), _asarray(q))


# --- eigh, block_diag, det, inv -----------------------------------------------------------------------------------
_DRIVERS = (None, "ev", "evd", "evr", "evx", "gv", "gvd", "gvx")


def _symmetric_from(a, lower: bool):
    """The symmetric matrix that the ``lower`` (or upper) triangle of ``a`` describes."""
    t = _fnp.tril(a) if lower else _fnp.triu(a)
    return t + _mT(_fnp.tril(a, -1) if lower else _fnp.triu(a, 1))


def eigh(a: ArrayLike, b: ArrayLike | None = None, *, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, type: int = 1, check_finite: bool = True,
         subset_by_index: Sequence[int] | None = None, subset_by_value: Sequence[float] | None = None,
         driver: str | None = None) -> Any:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, or of the generalized problem with a
    symmetric positive-definite ``b`` (``type`` 1: ``a v = w b v``, 2: ``a b v = w v``, 3: ``b a v = w v``), as
    ``scipy.linalg.eigh``: only the ``lower`` (or upper) triangles are read, ``eigvals_only`` returns ``w``,
    ``subset_by_index=(lo, hi)`` keeps eigenpairs ``lo..hi`` and ``subset_by_value=(lo, hi)`` those with
    ``lo < w <= hi`` (a single matrix only). Generalized eigenvectors are normalized as SciPy's (``v.T b v = I``
    for types 1 and 2, ``v.T b^-1 v = I`` for 3). The gradient needs distinct eigenvalues (see
    ``funcgrad.numpy.linalg.eigh``); ``driver`` is accepted for compatibility.

    >>> import numpy as np
    >>> eigh(np.diag([2.0, 1.0]), eigvals_only=True)
    array([1., 2.])
    """
    if driver not in _DRIVERS:
        raise ValueError(f"funcgrad.scipy.linalg.eigh: driver must be one of {_DRIVERS}, got {driver!r}")
    if type not in (1, 2, 3):
        raise ValueError(f"funcgrad.scipy.linalg.eigh: type must be 1, 2 or 3, got {type!r}")
    if subset_by_index is not None and subset_by_value is not None:
        raise ValueError("funcgrad.scipy.linalg.eigh: pass either subset_by_index or subset_by_value, not both")
    a = _asarray(a)
    _square("eigh", a)
    uplo = "L" if lower else "U"
    if b is None:
        _finite("eigh", check_finite, a)
        w, v = _fnp.linalg.eigh(a, UPLO=uplo)
    else:
        b = _asarray(b)
        if tuple(shape_of(b))[-2:] != tuple(shape_of(a))[-2:]:
            raise ValueError(f"funcgrad.scipy.linalg.eigh: a and b must be square matrices of one size, got shapes "
                             f"{tuple(shape_of(a))} and {tuple(shape_of(b))}")
        _finite("eigh", check_finite, a, b)
        low = cholesky(b, lower=True) if lower else _mT(cholesky(b))  # b = L L^T, from the triangle read
        s = _symmetric_from(a, lower)
        if type == 1:  # C = L^-1 a L^-T, v = L^-T u
            c = _solve_tri(low, _mT(_solve_tri(low, s, lower=True)), lower=True)
        else:          # C = L^T a L; v = L^-T u (type 2) or L u (type 3)
            c = _fnp.matmul(_mT(low), _fnp.matmul(s, low))
        w, u = _fnp.linalg.eigh(c)
        v = _fnp.matmul(low, u) if type == 3 else _solve_tri(_mT(low), u, lower=False)
    if subset_by_index is not None:
        n = shape_of(a)[-1]
        lo, hi = (operator.index(i) for i in subset_by_index)
        if not 0 <= lo <= hi < n:
            raise ValueError(f"funcgrad.scipy.linalg.eigh: subset_by_index {tuple(subset_by_index)} must satisfy "
                             f"0 <= lo <= hi < {n} for matrices of size {n}")
        w, v = w[..., lo:hi + 1], v[..., :, lo:hi + 1]
    elif subset_by_value is not None:
        if len(shape_of(a)) != 2:
            raise ValueError(f"funcgrad.scipy.linalg.eigh: subset_by_value needs a single matrix (the number of "
                             f"eigenvalues kept varies), got shape {tuple(shape_of(a))}")
        lo, hi = subset_by_value
        wv = _to_host(w)
        keep = _onp.nonzero((wv > lo) & (wv <= hi))[0]
        w, v = _fnp.take(w, _const(a, keep), axis=-1), _fnp.take(v, _const(a, keep), axis=-1)
    return w if eigvals_only else (w, v)


def block_diag(*arrs: ArrayLike) -> Any:
    """The block diagonal matrix of the given arrays (each 0-, 1- or 2-D, taken as a matrix as ``atleast_2d``
    does), as ``scipy.linalg.block_diag``; differentiable in every block.

    >>> block_diag([[1.0]], [[2.0, 3.0]])
    array([[1., 0., 0.],
           [0., 2., 3.]])
    """
    if not arrs:
        return _fnp.zeros((1, 0))
    mats = []
    for i, x in enumerate(arrs):
        x = _asarray(x)
        nd = len(shape_of(x))
        if nd > 2:
            raise ValueError(f"funcgrad.scipy.linalg.block_diag: arguments must be at most 2-D, argument {i} has "
                             f"shape {tuple(shape_of(x))}")
        mats.append(_fnp.reshape(x, (1,) * (2 - nd) + tuple(shape_of(x))))
    width = sum(shape_of(m)[1] for m in mats)
    rows, start = [], 0
    for m in mats:
        c = shape_of(m)[1]
        rows.append(_fnp.pad(m, ((0, 0), (start, width - start - c))))
        start += c
    return _fnp.concatenate(rows, axis=0)


def det(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """The determinant of a square matrix (or of each in a stack), as ``scipy.linalg.det``.

    >>> import numpy as np
    >>> float(det(np.array([[2.0, 1.0], [0.0, 3.0]])))
    6.0
    """
    a = _asarray(a)
    _square("det", a)
    _finite("det", check_finite, a)
    return _fnp.linalg.det(a)


_ASSUME = {None: "general", "general": "general", "gen": "general", "diagonal": "diagonal",
           "upper triangular": "upper", "lower triangular": "lower", "pos": "symmetric", "sym": "symmetric",
           "her": "symmetric"}


def inv(a: ArrayLike, overwrite_a: bool = False, check_finite: bool = True, *, assume_a: str | None = None,
        lower: bool = False) -> Any:
    """The inverse of a square matrix (or of each in a stack), as ``scipy.linalg.inv``: ``assume_a`` reads only
    the diagonal (``'diagonal'``), one triangle (``'upper triangular'``, ``'lower triangular'``) or, for
    ``'pos'``, ``'sym'`` and ``'her'``, the symmetric matrix given by the ``lower`` (or upper) triangle. A singular
    matrix raises ``LinAlgError``.

    >>> import numpy as np
    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    if assume_a not in _ASSUME:
        raise ValueError(f"funcgrad.scipy.linalg.inv: assume_a must be one of {sorted(k for k in _ASSUME if k)} or "
                         f"None, got {assume_a!r}")
    a = _asarray(a)
    s = _square("inv", a)
    _finite("inv", check_finite, a)
    kind = _ASSUME[assume_a]
    if kind == "general":
        return _fnp.linalg.inv(a)
    if kind == "symmetric":
        return _fnp.linalg.inv(_symmetric_from(a, lower))
    eye = _const(a, _onp.broadcast_to(_onp.eye(s[-1]), s).copy())
    if kind == "diagonal":
        return _fnp.multiply(eye, _fnp.reciprocal(_fnp.expand_dims(_fnp.diagonal(a, axis1=-2, axis2=-1), -2)))
    return _solve_tri(a, eye, lower=kind == "lower")


def _accept_wrappers() -> None:
    for name in __all__:
        globals()[name] = accepts_wrappers(globals()[name])


_accept_wrappers()
