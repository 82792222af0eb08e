"""Decompositions and what is built on them: triangular solves and Cholesky, the symmetric eigendecomposition, the
SVD, the pseudo-inverse, QR and matrix powers, each primitive beside its rules (written with funcgrad's ops, so
they differentiate again)."""
from __future__ import annotations

import functools
from typing import Any
from ..backend import dtype_of, namespace, namespace_of, shape_of
from ..core import Primitive, getval
from ..core.errors import PrimitiveError
from .einsum import einsum
from .elementwise import add, conj, divide, equal, imag, multiply, negative, real, reciprocal, square, subtract, where
from .linalg import (ArrayLike, EighResult, QRResult, SVDResult, _LinAlgError, _arr, _batch_matrix_solve,
                     _batch_matrix_unary, _col, _linalg_error, _mT, _mT_impl, _masks, _masks_like, _matrix_check, _row,
                     _square_check, inv, matmul)

__all__: list = []
LINALG = ["cholesky", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "qr", "matrix_power"]


# --- triangular solve and Cholesky --------------------------------------------------------------------------------
def _tri_mask(x, lower: bool):
    eye, low, _, _ = _masks_like(x)
    return low if lower else _mT_impl(low)


@functools.lru_cache(maxsize=None)
def _scipy_solve_triangular():
    try:
        from scipy.linalg import solve_triangular as st
    except ImportError:  # pragma: no cover - scipy is optional
        return None
    return st


def _solve_triangular_impl(a, b, lower):
    a = _square_check("solve_triangular", a)
    xp = namespace_of(a, b)
    if xp.__name__ == "numpy" and len(shape_of(a)) == 2 and len(shape_of(b)) == 2:
        st = _scipy_solve_triangular()
        if st is not None:
            return st(a, b, lower=lower, check_finite=False)
    # Generic path (stacks, other array modules, no scipy): a full solve with the other triangle masked out.
    return xp.linalg.solve(a * _tri_mask(a, lower), b)


solve_triangular = Primitive("solve_triangular", _solve_triangular_impl, doc=(
    "``x`` with ``t @ x == b`` where ``t`` is the lower (``lower=True``) or upper triangle of ``a`` (the other "
    "triangle is never read); ``b`` is a stack of matrices. Used by the Cholesky and QR rules."))


def _solve_triangular_db(g, ans, a, b, lower):
    return solve_triangular(_mT(a), g, lower=not lower)


def _solve_triangular_da(g, ans, a, b, lower):
    gb = solve_triangular(_mT(a), g, lower=not lower)
    return negative(multiply(matmul(gb, _mT(ans)), _tri_mask(a, lower)))


solve_triangular.def_vjp(_solve_triangular_da, _solve_triangular_db)


def _solve_triangular_jvp(tangents, ans, a, b, lower):
    # Only the used triangle of a is read, so only that triangle of its tangent counts.
    ta, tb = tangents
    if ta is None:
        return solve_triangular(a, tb, lower=lower)
    dta = matmul(multiply(ta, _tri_mask(a, lower)), ans)
    rhs = negative(dta) if tb is None else subtract(tb, dta)
    return solve_triangular(a, rhs, lower=lower)


solve_triangular.def_jvp_joint(_solve_triangular_jvp)
_batch_matrix_solve(solve_triangular)


def _cholesky_impl(a):
    a = _square_check("cholesky", a)
    xp = namespace(a)
    try:
        return xp.linalg.cholesky(a)
    except _LinAlgError:
        raise _linalg_error("cholesky", a, "the matrix is not positive definite") from None


_cholesky = Primitive("cholesky", _cholesky_impl, doc="Lower Cholesky factor (see :func:`cholesky`).")


def _cholesky_vjp(g, ans, a):
    # Murray (2016), "Differentiation of the Cholesky decomposition": with Phi taking the lower triangle and
    # halving the diagonal, the cotangent is L^-T Phi(L^T G) L^-1, symmetrized since only symmetric
    # perturbations of a keep it a valid input.
    # For complex (Hermitian) input, a = L L^H and the same steps hold with conjugate transposes where the JVP has
    # them: S = L^-T Phi(L^T G) conj(L)^-1, then its Hermitian part.
    half = _masks_like(ans)[3]
    p = multiply(matmul(_mT(ans), g), half)
    y = solve_triangular(_mT(ans), p, lower=False)
    s = _mT(solve_triangular(_mH(ans), _mT(y), lower=False))
    return _sym(s)


_cholesky.def_vjp(_cholesky_vjp)


def _is_complex(x) -> bool:
    return dtype_of(x).kind == "c"


def _mH(x):
    """The conjugate transpose of each matrix (the transpose for real ones)."""
    return conj(_mT(x)) if _is_complex(x) else _mT(x)


def _sym(t):
    """The symmetric (Hermitian, for complex) part of each matrix."""
    return multiply(add(t, _mH(t)), 0.5)


def _cholesky_jvp(t, ans, a):
    # dL = L Phi(L^-1 S L^-T), S the symmetric part of the tangent (the VJP's convention: its cotangent is the
    # symmetrized one, so both see the input as sym(a)).
    s = _sym(t)
    w = solve_triangular(ans, s, lower=True)               # L^-1 S
    z = solve_triangular(ans, _mH(w), lower=True)          # L^-1 S L^-H (S Hermitian)
    return matmul(ans, multiply(z, _masks_like(ans)[3]))


_cholesky.def_jvp(_cholesky_jvp)
_batch_matrix_unary(_cholesky)


def cholesky(a: ArrayLike, /, *, upper: bool = False) -> Any:
    """Cholesky factor of each symmetric (complex: Hermitian) positive-definite matrix in a stack, as
    ``numpy.linalg.cholesky``: lower triangular ``L`` with ``a = L @ L.T`` (complex: ``L @ L.conj().T``;
    ``upper=True``: that conjugate transpose). Only the lower triangle of ``a`` is read; its gradient is returned
    symmetrized (its Hermitian part).

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.cholesky(4.0 * np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    low = _cholesky(a)
    return _mH(low) if upper else low


# --- symmetric eigendecomposition ---------------------------------------------------------------------------------
def _eigh_impl(a, UPLO):
    a = _square_check("eigh", a)
    w, v = namespace(a).linalg.eigh(a, UPLO=UPLO)
    return w, v


_eigh = Primitive("eigh", _eigh_impl, multiple_results=True, doc="Eigenvalues and eigenvectors (see :func:`eigh`).")


def _pair_inverse(d):
    """``1 / d`` off the zeros of ``d`` and 0 on them (the diagonal, and degenerate pairs)."""
    zero = equal(d, 0.0)
    return where(zero, 0.0, reciprocal(where(zero, 1.0, d)))


def _eigh_vjp(g, ans, a, UPLO):
    # The transpose of the JVP below: conj(V) (diag(gw) + F o (V^T gV)) V^T, then its Hermitian part (for real
    # input conj(V) = V and this is the symmetric rule).
    gw, gv = g
    w, v = ans
    eye = _masks_like(v)[0]
    f = _pair_inverse(subtract(_row(w), _col(w)))  # F[i, j] = 1 / (w_j - w_i)
    if _is_complex(gw):
        gw = real(gw)
    inner_ = add(multiply(_col(gw), eye), multiply(f, matmul(_mT(v), gv)))
    ga = matmul(conj(v) if _is_complex(v) else v, matmul(inner_, _mT(v)))
    return _sym(ga)


_eigh.def_vjp(_eigh_vjp)


def _eigh_jvp(t, ans, a, UPLO):
    # With P = V^T S V (S the symmetric part of the tangent, as the VJP symmetrizes its cotangent):
    # dw = diag(P), dV = V (F o P), F[i, j] = 1 / (w_j - w_i) off the diagonal and off degenerate pairs.
    w, v = ans
    p = matmul(_mH(v), matmul(_sym(t), v))
    f = _pair_inverse(subtract(_row(w), _col(w)))
    dw = einsum("...ii->...i", p)
    return (real(dw) if _is_complex(dw) else dw), matmul(v, multiply(f, p))


_eigh.def_jvp(_eigh_jvp)
_batch_matrix_unary(_eigh)


def eigh(a: ArrayLike, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric (complex: Hermitian) matrices, as
    ``numpy.linalg.eigh``.
    Only the ``UPLO`` triangle is read; the gradient is returned symmetrized. Eigenvectors are defined up to sign
    (and, for repeated eigenvalues, up to a rotation): the gradient is defined only for distinct eigenvalues, and
    for functions that do not depend on the choice of sign. Pairs of equal eigenvalues contribute nothing.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.eigh(np.diag([2.0, 1.0])).eigenvalues
    array([1., 2.])
    """
    if UPLO not in ("L", "U"):
        raise ValueError(f"funcgrad.numpy.linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    return EighResult(*_eigh(a, UPLO=UPLO))


def eigvalsh(a: ArrayLike, UPLO: str = "L") -> Any:
    """Eigenvalues (ascending) of symmetric matrices, as ``numpy.linalg.eigvalsh``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.eigvalsh(np.diag([2.0, 1.0]))
    array([1., 2.])
    """
    return eigh(a, UPLO=UPLO)[0]


# --- singular value decomposition ---------------------------------------------------------------------------------
def _svd_impl(a, full_matrices):
    a = _matrix_check("svd", a)
    u, s, vh = namespace(a).linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


_svd = Primitive("svd", _svd_impl, multiple_results=True, doc="Singular value decomposition (see :func:`svd`).")


def _svd_vjp(g, ans, a, full_matrices):
    gu, gs, gvh = g
    u, s, vh = ans
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    if full_matrices and m != n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.svd: gradients with full_matrices=True are not defined for a non-square "
            f"matrix (shape {shape_of(a)}): the extra columns of U or rows of Vh are arbitrary. Call "
            f"svd(a, full_matrices=False) (or svdvals(a) for the singular values only).")
    # Townsend (2016), "Differentiating the singular value decomposition", with F[i, j] = 1 / (s_j^2 - s_i^2):
    # the transpose of the JVP below, step by step (for real input conj() is the identity and G + G^H is
    # F o (X - X^T)). For complex input the phase of each singular pair is fixed as in the JVP.
    cplx = _is_complex(u)
    cu, cvh = (conj(u), conj(vh)) if cplx else (u, vh)
    if _is_complex(gs):
        gs = real(gs)
    s2 = square(s)
    f = _pair_inverse(subtract(_row(s2), _col(s2)))
    utgu = matmul(_mT(u), gu)
    vtgv = matmul(cvh, _mH(gvh))
    g1, g2 = multiply(f, utgu), multiply(f, vtgv)
    j, kk = add(g1, _mH(g1)), add(g2, _mH(g2))
    eye = _masks(namespace(getval(s)), k, getval(s).dtype)[0]
    inner_ = add(add(multiply(j, _row(s)), multiply(_col(gs), eye)), multiply(_col(s), kk))
    if cplx:
        phase = divide(imag(einsum("...ii->...i", utgu)), s)
        inner_ = add(inner_, multiply(multiply(_col(phase), eye), 1j))
    ga = matmul(cu, matmul(inner_, cvh))
    if m > k:  # (I - conj(U) U^T) gU S^-1 conj(Vh)
        proj = subtract(gu, matmul(cu, utgu))
        ga = add(ga, matmul(divide(proj, _row(s)), cvh))
    if n > k:  # conj(U) S^-1 gVh (I - Vh^T conj(Vh))
        gvs = divide(gvh, _col(s))
        ga = add(ga, matmul(cu, subtract(gvs, matmul(matmul(gvs, _mT(vh)), cvh))))
    return ga


_svd.def_vjp(_svd_vjp)


def _svd_jvp(t, ans, a, full_matrices):
    u, s, vh = ans
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    if full_matrices and m != n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.svd: derivatives with full_matrices=True are not defined for a non-square "
            f"matrix (shape {shape_of(a)}): the extra columns of U or rows of Vh are arbitrary. Call "
            f"svd(a, full_matrices=False) (or svdvals(a) for the singular values only).")
    # With P = U^H dA V and F[i, j] = 1 / (s_j^2 - s_i^2): dS = Re diag(P),
    # dU = U (F o (P S + S P^H)) + (I - U U^H) dA V S^-1, dV = V (F o (S P + P^H S)) + (I - V V^H) dA^H U S^-1.
    # For complex input each singular pair (u_i, v_i) has a free common phase; the imaginary part of diag(P)
    # goes to U (i Im(P_ii) / s_i), leaving V's phase unchanged.
    v = _mH(vh)
    tv = matmul(t, v)
    p = matmul(_mH(u), tv)
    s2 = square(s)
    f = _pair_inverse(subtract(_row(s2), _col(s2)))
    ps = multiply(p, _row(s))       # P S
    sp = multiply(_col(s), p)       # S P
    du = matmul(u, multiply(f, add(ps, _mH(ps))))
    dv = matmul(v, multiply(f, add(sp, _mH(sp))))
    dp = einsum("...ii->...i", p)
    if _is_complex(dp):
        du = add(du, multiply(u, _row(multiply(divide(imag(dp), s), 1j))))
        dp = real(dp)
    if m > k:
        du = add(du, divide(subtract(tv, matmul(u, p)), _row(s)))
    if n > k:
        ttu = matmul(_mH(t), u)
        dv = add(dv, divide(subtract(ttu, matmul(v, _mH(p))), _row(s)))
    return du, dp, _mH(dv)


_svd.def_jvp(_svd_jvp)
_batch_matrix_unary(_svd)


def _svdvals_impl(a):
    a = _matrix_check("svdvals", a)
    return namespace(a).linalg.svd(a, compute_uv=False)


_svdvals = Primitive("svdvals", _svdvals_impl, doc="Singular values (see :func:`svdvals`).")


def _svdvals_vjp(g, ans, a):
    u, _, vh = _svd(a, full_matrices=False)
    if _is_complex(u):  # conj(U) diag(g) conj(Vh), the transpose of Re diag(U^H dA V)
        return matmul(multiply(conj(u), _row(real(g) if _is_complex(g) else g)), conj(vh))
    return matmul(multiply(u, _row(g)), vh)


_svdvals.def_vjp(_svdvals_vjp)


def _svdvals_jvp(t, ans, a):
    u, _, vh = _svd(a, full_matrices=False)
    if _is_complex(u):  # Re diag(U^H dA V)
        return real(einsum("...ik,...ij,...kj->...k", conj(u), t, conj(vh)))
    return einsum("...ik,...ij,...kj->...k", u, t, vh)  # diag(U^T dA V)


_svdvals.def_jvp(_svdvals_jvp)
_batch_matrix_unary(_svdvals)


def svdvals(x: ArrayLike, /) -> Any:
    """Singular values (descending) of each matrix in a stack, as ``numpy.linalg.svdvals``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.svdvals(np.diag([1.0, 3.0]))
    array([3., 1.])
    """
    return _svdvals(x)


def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """Singular value decomposition ``a = U @ diag(S) @ Vh``, as ``numpy.linalg.svd``; with ``compute_uv=False``
    only ``S``. Gradients need distinct, nonzero singular values (pairs of equal values contribute nothing), and
    for a non-square ``a`` they need ``full_matrices=False`` (the extra columns of a full ``U`` are arbitrary).
    ``hermitian`` is accepted for compatibility and ignored (the general algorithm is used).

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> u, s, vh = fnp.linalg.svd(np.ones((3, 2)), full_matrices=False)
    >>> u.shape, s.shape, vh.shape
    ((3, 2), (2,), (2, 2))
    """
    if not compute_uv:
        return _svdvals(a)
    return SVDResult(*_svd(a, full_matrices=bool(full_matrices)))


# --- pseudo-inverse -----------------------------------------------------------------------------------------------
def _pinv_impl(a, rcond, hermitian):
    a = _matrix_check("pinv", a)
    xp = namespace(a)
    if hermitian:
        return xp.linalg.pinv(a, rcond=rcond, hermitian=True)
    return xp.linalg.pinv(a, rcond=rcond)


_pinv = Primitive("pinv", _pinv_impl, doc="Moore-Penrose pseudo-inverse (see :func:`pinv`).")


def _pinv_vjp(g, ans, a, rcond, hermitian):
    # Golub & Pereyra (1973): for a perturbation that keeps the rank,
    # dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P; transposed term by term (a term
    # M1 dA^H M2 transposes to conj(M2) G^H conj(M1); for real input conj() is the identity).
    p, gt = ans, _mH(g)
    cp, ca = (conj(p), conj(a)) if _is_complex(p) else (p, a)
    t1 = negative(matmul(_mT(p), matmul(g, _mT(p))))
    t = matmul(gt, matmul(cp, _mT(p)))
    t2 = subtract(t, matmul(ca, matmul(cp, t)))
    u = matmul(matmul(_mT(p), cp), gt)
    t3 = subtract(u, matmul(matmul(u, cp), ca))
    return add(t1, add(t2, t3))


_pinv.def_vjp(_pinv_vjp)


def _pinv_jvp(t, ans, a, rcond, hermitian):
    # dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P (Golub & Pereyra, constant rank).
    p, tt = ans, _mH(t)
    t1 = negative(matmul(p, matmul(t, p)))
    x = matmul(matmul(p, _mH(p)), tt)
    t2 = subtract(x, matmul(matmul(x, a), p))
    y = matmul(tt, matmul(_mH(p), p))
    t3 = subtract(y, matmul(p, matmul(a, y)))
    return add(t1, add(t2, t3))


_pinv.def_jvp(_pinv_jvp)
_batch_matrix_unary(_pinv)


def pinv(a: ArrayLike, rcond: float | None = None, hermitian: bool = False, *, rtol: float | None = None) -> Any:
    """Moore-Penrose pseudo-inverse of each matrix in a stack, as ``numpy.linalg.pinv``: singular values below
    ``rcond`` (or ``rtol``) times the largest are treated as zero. The gradient assumes the rank does not change
    under small perturbations (true away from singular values near the cutoff).

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.pinv(np.array([[2.0, 0.0]]))
    array([[0.5],
           [0. ]])
    """
    if rcond is not None and rtol is not None:
        raise TypeError("funcgrad.numpy.linalg.pinv: give rcond or rtol, not both")
    cutoff = rcond if rcond is not None else (rtol if rtol is not None else 1e-15)
    return _pinv(a, rcond=cutoff, hermitian=bool(hermitian))


# --- QR -------------------------------------------------------------------------------------------------------------
def _qr_impl(a, mode):
    a = _matrix_check("qr", a)
    q, r = namespace(a).linalg.qr(a, mode=mode)
    return q, r


_qr = Primitive("qr", _qr_impl, multiple_results=True, doc="QR decomposition (see :func:`qr`).")


def _qr_vjp(g, ans, a, mode):
    gq, gr = g
    q, r = ans
    m, n = shape_of(a)[-2:]
    if m < n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.qr: gradients are implemented for square and tall matrices (m >= n), got "
            f"shape {shape_of(a)}; differentiate the QR of the transpose or of a leading square block instead")
    if mode == "complete" and m != n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.qr: gradients with mode='complete' are not defined for a tall matrix (shape "
            f"{shape_of(a)}): the extra columns of Q are arbitrary; use mode='reduced'")
    # The transpose of the JVP below: with gU = gR R^T - Q^T gQ, gX = triu(gU) + strict_lower(gU^H) (minus
    # i Im(diag gU) for complex input), and gA = (gQ + conj(Q) gX) R^-T. For real input this is the usual
    # reduced-QR rule (gQ + Q copyltu(M)) R^-T with M = gU^T.
    eye, _, slow, _ = _masks_like(r)
    gu = subtract(matmul(gr, _mT(r)), matmul(_mT(q), gq))
    gx = add(subtract(gu, multiply(gu, slow)), multiply(_mH(gu), slow))
    if _is_complex(gx):
        gx = subtract(gx, multiply(multiply(imag(gx), eye), 1j))
    b = add(gq, matmul(conj(q) if _is_complex(q) else q, gx))
    return _mT(solve_triangular(r, _mT(b), lower=False))


_qr.def_vjp(_qr_vjp)


def _qr_jvp(t, ans, a, mode):
    q, r = ans
    m, n = shape_of(a)[-2:]
    if m < n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.qr: derivatives are implemented for square and tall matrices (m >= n), got "
            f"shape {shape_of(a)}; differentiate the QR of the transpose or of a leading square block instead")
    if mode == "complete" and m != n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.qr: derivatives with mode='complete' are not defined for a tall matrix "
            f"(shape {shape_of(a)}): the extra columns of Q are arbitrary; use mode='reduced'")
    # B = dA R^-1 and X = Q^H B = Q^H dQ + dR R^-1, a skew-Hermitian plus an upper triangular part: the skew part
    # Omega comes from X's strict lower triangle (and, for complex input, the imaginary part of its diagonal:
    # LAPACK's R has a real diagonal), then dR = (X - Omega) R and dQ = B - Q (X - Omega).
    b = _mT(solve_triangular(_mT(r), _mT(t), lower=True))
    x = matmul(_mH(q), b)
    eye, _, slow, _ = _masks_like(r)
    low = multiply(x, slow)
    upper = add(subtract(x, low), _mH(low))  # X - Omega
    if _is_complex(upper):
        upper = subtract(upper, multiply(multiply(imag(x), eye), 1j))
    return subtract(b, matmul(q, upper)), matmul(upper, r)


_qr.def_jvp(_qr_jvp)
_batch_matrix_unary(_qr)


def qr(a: ArrayLike, mode: str = "reduced") -> Any:
    """QR decomposition of each matrix in a stack, as ``numpy.linalg.qr``: ``mode`` 'reduced' (default),
    'complete' or 'r' (only R). Gradients are implemented for square and tall matrices with invertible R.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> q, r = fnp.linalg.qr(np.ones((3, 2)))
    >>> q.shape, r.shape
    ((3, 2), (2, 2))
    """
    if mode == "r":
        return _qr(a, mode="reduced")[1]
    if mode not in ("reduced", "complete"):
        raise ValueError(f"funcgrad.numpy.linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    return QRResult(*_qr(a, mode=mode))


# --- matrix power ---------------------------------------------------------------------------------------------------
def matrix_power(a: ArrayLike, n: int) -> Any:
    """``a`` raised to the integer power ``n`` (negative: of its inverse), as ``numpy.linalg.matrix_power``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.matrix_power(2.0 * np.eye(2), 3)
    array([[8., 0.],
           [0., 8.]])
    """
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"funcgrad.numpy.linalg.matrix_power: the exponent must be an int, got {n!r}")
    a = _arr(a)
    s = shape_of(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise PrimitiveError(f"funcgrad.matrix_power: needs square matrices in the last two axes, got shape {s}")
    if n == 0:
        v = getval(a)
        xp = namespace(v)
        return xp.broadcast_to(xp.eye(s[-1], dtype=v.dtype), s).copy()
    if n < 0:
        a, n = inv(a), -n
    result = None
    base = a
    while n:  # binary exponentiation: O(log n) products
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result
