"""PyTorch's top-level linear algebra over Tensors: ``funcgrad.det``, ``svd``, ``lu``, ``lu_solve``, ``matrix_exp``,
``cholesky_solve``, ``triangular_solve``, ``geqrf``/``orgqr``/``ormqr`` ...

Most are ``funcgrad.linalg`` (``torch.linalg``'s names) under PyTorch's older signatures (``svd`` returns ``V``,
not ``Vh``; ``qr`` takes ``some``). The rest are compositions of ``funcgrad.numpy`` operations and the triangular
solve, with no derivative code: an LU factorization is Gaussian elimination written with Tensor operations on
the rows as pivoted on the plain values, ``matrix_exp`` is the degree-13 Pade approximant with scaling and
squaring, ``orgqr`` and ``ormqr`` apply the Householder reflectors one by one. Importing this module attaches the
Tensor methods PyTorch has for these names (``t.det()``, ``t.lu()`` ...).

>>> import funcgrad as fg
>>> A = fg.tensor([[4.0, 3.0], [6.0, 3.0]])
>>> LU, piv = fg.lu(A)
>>> piv
tensor([2, 2], dtype=torch.int32)
>>> P, L, U = fg.lu_unpack(LU, piv)
>>> P @ L @ U
tensor([[4., 3.],
        [6., 3.]])
"""
from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from . import linalg as _linalg
from .. import numpy as fnp
from ..backend import namespace, to_host
from ..primitives.control import stop_gradient
from ..primitives.decompositions import solve_triangular as _solve_tri
from .special import _raw
from .tensor import Tensor
from .pointwise import _nograd, _return_type
from .ops import _method, _no_out, _t

__all__ = ["det", "inverse", "slogdet", "matrix_power", "cholesky", "cholesky_inverse", "cholesky_solve", "svd",
           "qr", "lu", "lu_unpack", "lu_solve", "matrix_exp", "pinverse", "triangular_solve", "geqrf", "orgqr",
           "ormqr", "svd_lowrank", "pca_lowrank"]


# --- helpers -------------------------------------------------------------------------------------------------------
def _matrix(op: str, A: Any, square: bool = False) -> Tensor:
    x = _t(A)
    if x.ndim < 2:
        raise RuntimeError(f"{op}: expected a matrix or a batch of matrices (at least 2 dimensions), got shape "
                           f"{tuple(x.shape)}")
    if square and x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"{op}: expected a (batch of) square matrices, got shape {tuple(x.shape)} "
                           f"({x.shape[-2]} by {x.shape[-1]} matrices)")
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: expected a floating-point or complex tensor, got dtype {x.dtype}; convert with "
                           f".double() first")
    return x


def _mH(x: Tensor) -> Tensor:
    t = fnp.swapaxes(x, -1, -2)
    return fnp.conj(t) if x.dtype.kind == "c" else t


def _eye(n: int, m: int, like: Tensor) -> Any:
    return namespace(_raw(like)).eye(n, m, dtype=like.dtype)


def _bcast_batch(op: str, a: Tensor, b: Tensor) -> tuple:
    """``a`` and ``b`` (stacks of matrices) broadcast to a common batch shape."""
    try:
        batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"{op}: the batch dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} do not "
                           f"broadcast") from None
    a = a if tuple(a.shape[:-2]) == batch else fnp.broadcast_to(a, batch + tuple(a.shape[-2:]))
    b = b if tuple(b.shape[:-2]) == batch else fnp.broadcast_to(b, batch + tuple(b.shape[-2:]))
    return a, b


# --- thin translations -----------------------------------------------------------------------------------------------
def det(input: Any) -> Tensor:
    """Determinant of a (batch of) square matrices (``torch.det``).

    >>> import funcgrad as fg
    >>> fg.det(fg.tensor([[2.0, 1.0], [1.0, 3.0]]))
    tensor(5.)
    """
    return _linalg.det(_matrix("det", input, True))


def inverse(input: Any, *, out: Any = None) -> Tensor:
    """Inverse of a (batch of) square matrices (``torch.inverse``).

    >>> import funcgrad as fg
    >>> fg.inverse(fg.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _no_out("inverse", out)
    return _linalg.inv(_matrix("inverse", input, True))


def slogdet(input: Any) -> tuple:
    """``(sign, logabsdet)`` of the determinant (``torch.slogdet``).

    >>> import funcgrad as fg
    >>> fg.slogdet(fg.tensor([[-2.0, 0.0], [0.0, 1.0]]))
    slogdet(sign=tensor(-1.), logabsdet=tensor(0.6931))
    """
    s, la = _linalg.slogdet(_matrix("slogdet", input, True))
    return _return_type("slogdet", ["sign", "logabsdet"])(s, la)


def matrix_power(input: Any, n: int, *, out: Any = None) -> Tensor:
    """The matrix to the integer power ``n`` (negative: of the inverse) (``torch.matrix_power``).

    >>> import funcgrad as fg
    >>> fg.matrix_power(fg.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]])
    """
    _no_out("matrix_power", out)
    if not isinstance(n, (builtins.int, np.integer)) or isinstance(n, builtins.bool):
        raise TypeError(f"matrix_power: n must be an integer, got {n!r}")
    return _linalg.matrix_power(_matrix("matrix_power", input, True), builtins.int(n))


def cholesky(input: Any, upper: bool = False, *, out: Any = None) -> Tensor:
    """The Cholesky factor of a (batch of) Hermitian positive-definite matrices: ``L`` with ``A = L L^H``, or ``U``
    with ``A = U^H U`` when ``upper`` (``torch.cholesky``).

    >>> import funcgrad as fg
    >>> fg.cholesky(fg.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    _no_out("cholesky", out)
    return _linalg.cholesky(_matrix("cholesky", input, True), upper=upper)


def _gram(op: str, L: Any, upper: bool) -> Tensor:
    """``L L^H`` (``U^H U`` when upper) from the used triangle of ``L``, with PyTorch's gradient: its formula
    differentiates ``L L^H`` as a product of full matrices (the other triangle included)."""
    x = _matrix(op, L, True)
    t = stop_gradient(fnp.triu(x) if upper else fnp.tril(x))

    def gram(f: Tensor) -> Tensor:
        return _mH(f) @ f if upper else f @ _mH(f)
    full = gram(x)
    return gram(t) + (full - stop_gradient(full))  # the value of the triangle's product, the gradient of x's


def cholesky_inverse(L: Any, upper: bool = False, *, out: Any = None) -> Tensor:
    """The inverse of ``A = L L^H`` (``U^H U`` when ``upper``) from its Cholesky factor (``torch.cholesky_inverse``).

    >>> import funcgrad as fg
    >>> fg.cholesky_inverse(fg.tensor([[2.0, 0.0], [1.0, 1.0]]))
    tensor([[ 0.5000, -0.5000],
            [-0.5000,  1.0000]])
    """
    _no_out("cholesky_inverse", out)
    return _linalg.inv(_gram("cholesky_inverse", L, upper))


def cholesky_solve(B: Any, L: Any, upper: bool = False, *, out: Any = None) -> Tensor:
    """``X`` with ``A X = B`` for ``A = L L^H`` (``U^H U`` when ``upper``) given its Cholesky factor
    (``torch.cholesky_solve``; batch dimensions broadcast).

    >>> import funcgrad as fg
    >>> fg.cholesky_solve(fg.tensor([[2.0], [3.0]]), fg.tensor([[1.0, 0.0], [1.0, 1.0]]))
    tensor([[1.],
            [1.]])
    """
    _no_out("cholesky_solve", out)
    b = _matrix("cholesky_solve", B)
    A = _gram("cholesky_solve", L, upper)
    if b.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"cholesky_solve: B of shape {tuple(b.shape)} does not match the factor of shape "
                           f"{tuple(A.shape)} (B must have {A.shape[-1]} rows)")
    A, b = _bcast_batch("cholesky_solve", A, b)
    return fnp.linalg.solve(A, b)


def svd(input: Any, some: bool = True, compute_uv: bool = True, *, out: Any = None) -> tuple:
    """``(U, S, V)`` with ``A = U diag(S) V^H`` (``torch.svd``: ``V``, not ``V^H``; ``some=False`` gives the full
    square ``U`` and ``V``; with ``compute_uv=False`` U and V are zero matrices of sizes m and n).

    >>> import funcgrad as fg
    >>> U, S, V = fg.svd(fg.tensor([[3.0, 0.0], [0.0, -2.0]]))
    >>> S, (U @ fg.diag(S) @ V.T)
    (tensor([3., 2.]), tensor([[ 3.,  0.],
            [ 0., -2.]]))
    """
    _no_out("svd", out)
    x = _matrix("svd", input)
    rt = _return_type("svd", ["U", "S", "V"])
    if not compute_uv:
        m, n = x.shape[-2:]
        xp = namespace(_raw(x))
        z = lambda k: _nograd(xp.zeros(tuple(x.shape[:-2]) + (k, k), x.dtype))  # noqa: E731
        return rt(z(m), _linalg.svdvals(x), z(n))
    U, S, Vh = _linalg.svd(x, full_matrices=not some)
    return rt(U, S, _mH(Vh))


def qr(input: Any, some: bool = True, *, out: Any = None) -> tuple:
    """``(Q, R)`` with ``A = Q R`` (``torch.qr``): reduced with ``some=True``, complete otherwise.

    >>> import funcgrad as fg
    >>> Q, R = fg.qr(fg.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> fg.numpy.abs(R)
    tensor([[5.0000, 2.2000],
            [0.0000, 0.4000]])
    """
    _no_out("qr", out)
    Q, R = _linalg.qr(_matrix("qr", input), mode="reduced" if some else "complete")
    return _return_type("qr", ["Q", "R"])(Q, R)


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:
    """Moore-Penrose pseudo-inverse, singular values below ``rcond`` times the largest treated as 0
    (``torch.pinverse``).

    >>> import funcgrad as fg
    >>> fg.pinverse(fg.tensor([[1.0, 0.0], [0.0, 0.0]]))
    tensor([[1., 0.],
            [0., 0.]])
    """
    return _linalg.pinv(_matrix("pinverse", input), rtol=rcond)


# --- LU ------------------------------------------------------------------------------------------------------------
def _perm_from_pivots(piv: np.ndarray, m: int) -> np.ndarray:
    """The row order ``perm`` (``P^T A = A[perm]``) of LAPACK's 1-based row interchanges ``piv`` (..., k)."""
    batch = piv.shape[:-1]
    flat = np.broadcast_to(np.arange(m), batch + (m,)).reshape(-1, m).copy()
    p = piv.reshape(-1, piv.shape[-1]).astype(np.int64) - 1
    r = np.arange(flat.shape[0])
    for j in range(piv.shape[-1]):
        a, b = flat[r, j].copy(), flat[r, p[:, j]].copy()
        flat[r, j], flat[r, p[:, j]] = b, a
    return flat.reshape(batch + (m,))


def _pivots(a: np.ndarray) -> np.ndarray:
    """LAPACK-style partial-pivoting row interchanges (1-based, int32) of plain matrices ``a`` (..., m, n)."""
    a = np.array(a, dtype=np.complex128 if a.dtype.kind == "c" else np.float64)
    m, n = a.shape[-2:]
    k = builtins.min(m, n)
    flat = a.reshape(-1, m, n)
    r = np.arange(flat.shape[0])
    piv = np.zeros((flat.shape[0], k), np.int32)
    for j in range(k):
        col = flat[:, j:, j]
        size = np.abs(col.real) + np.abs(col.imag) if col.dtype.kind == "c" else np.abs(col)  # LAPACK's i?amax
        p = np.argmax(size, axis=-1) + j
        piv[:, j] = p + 1
        rowj, rowp = flat[r, j].copy(), flat[r, p].copy()
        flat[r, j], flat[r, p] = rowp, rowj
        d = flat[:, j, j]
        safe = np.where(d == 0, 1, d)
        lcol = np.where((d == 0)[:, None], 0, flat[:, j + 1:, j] / safe[:, None])
        flat[:, j + 1:, j:] -= lcol[:, :, None] * flat[:, j, None, j:]
    return piv.reshape(a.shape[:-2] + (k,))


def _eliminate(M: Tensor) -> tuple:
    """Gaussian elimination without pivoting of ``M`` (..., m, n), with Tensor operations: ``(Lstrict, U)``, the
    strictly lower (..., m, k) and the upper (..., k, n) factors."""
    m, n = M.shape[-2:]
    k = builtins.min(m, n)
    S, rows, cols = M, [], []
    for j in range(k):
        u = S[..., 0, :]
        d = S[..., 0, 0]
        dr = _raw(d)
        safe = fnp.where(dr == 0, 1.0, d)
        lcol = S[..., 1:, 0] / fnp.expand_dims(safe, -1)
        rows.append(fnp.pad(u, [(0, 0)] * (u.ndim - 1) + [(j, 0)]))
        cols.append(fnp.pad(lcol, [(0, 0)] * (lcol.ndim - 1) + [(j + 1, 0)]))
        S = S[..., 1:, 1:] - fnp.expand_dims(lcol, -1) * fnp.expand_dims(u[..., 1:], -2)
    return fnp.stack(cols, axis=-1), fnp.stack(rows, axis=-2)


def _row_take(x: Tensor, perm: np.ndarray) -> Tensor:
    idx = namespace(_raw(x)).asarray(np.broadcast_to(perm[..., None], perm.shape + (x.shape[-1],)))
    return fnp.take_along_axis(x, idx, axis=-2)


def lu(A: Any, pivot: bool = True, get_infos: bool = False) -> tuple:
    """The LU factorization with partial pivoting, LAPACK's compact form ``(A_LU, pivots)`` (and ``infos`` when
    ``get_infos``): ``A_LU`` holds ``U`` and the strictly lower part of the unit-lower ``L``; ``pivots`` (int32,
    1-based) the row interchanges (``torch.lu``; unpack with :func:`lu_unpack`). Differentiable.

    >>> import funcgrad as fg
    >>> fg.lu(fg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    (tensor([[3.0000, 4.0000],
            [0.3333, 0.6667]]), tensor([2, 2], dtype=torch.int32))
    """
    if not pivot:
        raise RuntimeError("lu: LU without pivoting is not implemented on the CPU (PyTorch has it for CUDA only); "
                           "use pivot=True")
    x = _matrix("lu", A)
    r = _raw(x)
    piv = _pivots(to_host(r))
    m, n = x.shape[-2:]
    Ls, U = _eliminate(_row_take(x, _perm_from_pivots(piv, m)))
    Ls = Ls[..., :, :n] if m >= n else fnp.pad(Ls, [(0, 0)] * (x.ndim - 1) + [(0, n - m)])
    LU = Ls + (fnp.pad(U, [(0, 0)] * (x.ndim - 2) + [(0, m - n), (0, 0)]) if m > n else U)
    pivots = _nograd(namespace(r).asarray(piv))
    if get_infos:
        d = np.diagonal(to_host(_raw(U)), axis1=-2, axis2=-1)
        first = np.where((d == 0).any(-1), np.argmax(d == 0, axis=-1) + 1, 0).astype(np.int32)
        return LU, pivots, _nograd(namespace(r).asarray(first))
    return LU, pivots


def _check_pivots(op: str, LU: Tensor, pivots: Any) -> np.ndarray:
    p = np.asarray(to_host(_raw(_t(pivots))))
    k = builtins.min(LU.shape[-2:])
    if p.dtype.kind not in "iu" or p.shape[-1:] != (k,):
        raise RuntimeError(f"{op}: LU_pivots must be an integer tensor of shape (..., {k}) for LU_data of shape "
                           f"{tuple(LU.shape)}, got dtype {p.dtype} and shape {p.shape}")
    if p.size and (p.min() < 1 or p.max() > LU.shape[-2]):
        raise RuntimeError(f"{op}: LU_pivots values must be in 1..{LU.shape[-2]} (LAPACK's 1-based row numbers)")
    return p


def lu_unpack(LU_data: Any, LU_pivots: Any, unpack_data: bool = True, unpack_pivots: bool = True, *,
              out: Any = None) -> tuple:
    """``(P, L, U)`` with ``A = P L U`` from :func:`lu`'s compact form (``torch.lu_unpack``); what is not unpacked
    comes back as an empty tensor.

    >>> import funcgrad as fg
    >>> P, L, U = fg.lu_unpack(*fg.lu(fg.tensor([[1.0, 2.0], [3.0, 4.0]])))
    >>> P
    tensor([[0., 1.],
            [1., 0.]])
    """
    _no_out("lu_unpack", out)
    x = _matrix("lu_unpack", LU_data)
    m, n = x.shape[-2:]
    k = builtins.min(m, n)
    xp = namespace(_raw(x))
    empty = _nograd(xp.zeros((0,), x.dtype))
    L = U = P = empty
    if unpack_data:
        L = fnp.tril(x, -1)[..., :, :k] + _eye(m, k, x)
        U = fnp.triu(x)[..., :k, :]
    if unpack_pivots:
        perm = _perm_from_pivots(_check_pivots("lu_unpack", x, LU_pivots), m)
        eye = np.eye(m, dtype=x.dtype)
        P = _nograd(xp.asarray(np.swapaxes(eye[perm], -1, -2)))
    return _return_type("lu_unpack", ["P", "L", "U"])(P, L, U)


def lu_solve(b: Any, LU_data: Any, LU_pivots: Any, *, out: Any = None) -> Tensor:
    """``X`` with ``A X = b`` from the LU factorization of ``A`` (``torch.lu_solve``; batch dimensions broadcast).

    >>> import funcgrad as fg
    >>> A = fg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> fg.lu_solve(fg.tensor([[5.0], [11.0]]), *fg.lu(A))
    tensor([[1.],
            [2.]])
    """
    _no_out("lu_solve", out)
    x = _matrix("lu_solve", LU_data, True)
    rhs = _matrix("lu_solve", b)
    n = x.shape[-1]
    if rhs.shape[-2] != n:
        raise RuntimeError(f"lu_solve: b of shape {tuple(rhs.shape)} needs {n} rows to match LU_data of shape "
                           f"{tuple(x.shape)}")
    perm = _perm_from_pivots(_check_pivots("lu_solve", x, LU_pivots), n)
    L = fnp.tril(x, -1) + _eye(n, n, x)
    U = fnp.triu(x)
    L, rhs = _bcast_batch("lu_solve", L, rhs)
    U, _ = _bcast_batch("lu_solve", U, rhs)
    perm = np.broadcast_to(perm, tuple(rhs.shape[:-2]) + (n,))
    y = _solve_tri(L, _row_take(rhs, perm), lower=True)
    return _solve_tri(U, y, lower=False)


def triangular_solve(b: Any, A: Any, upper: bool = True, transpose: bool = False, unitriangular: bool = False, *,
                     out: Any = None) -> tuple:
    """``(solution, cloned_coefficient)``: ``X`` with ``op(T) X = b`` for ``T`` the upper (or lower) triangle of
    ``A``, ``op`` the transpose when ``transpose``, ones on the diagonal when ``unitriangular``; the other triangle
    is never read (``torch.triangular_solve``).

    >>> import funcgrad as fg
    >>> fg.triangular_solve(fg.tensor([[3.0], [2.0]]), fg.tensor([[1.0, 1.0], [0.0, 2.0]])).solution
    tensor([[2.],
            [1.]])
    """
    _no_out("triangular_solve", out)
    a = _matrix("triangular_solve", A, True)
    rhs = _matrix("triangular_solve", b)
    if rhs.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"triangular_solve: b of shape {tuple(rhs.shape)} needs {a.shape[-1]} rows to match A of "
                           f"shape {tuple(a.shape)}")
    T = fnp.triu(a, 1 if unitriangular else 0) if upper else fnp.tril(a, -1 if unitriangular else 0)
    if unitriangular:
        T = T + _eye(a.shape[-1], a.shape[-1], a)
    lower = not upper
    if transpose:
        T, lower = fnp.swapaxes(T, -1, -2), upper
    T, rhs = _bcast_batch("triangular_solve", T, rhs)
    x = _solve_tri(T, rhs, lower=lower)
    return _return_type("triangular_solve", ["solution", "cloned_coefficient"])(x, fnp.astype(a, a.dtype))


# --- matrix exponential ----------------------------------------------------------------------------------------------
_PADE13 = [64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0]
_THETA13 = 5.371920351148152


def matrix_exp(A: Any) -> Tensor:
    """The matrix exponential of a (batch of) square matrices (``torch.matrix_exp``): the degree-13 Pade
    approximant with scaling and squaring (Higham 2005), differentiated through its operations.

    >>> import funcgrad as fg
    >>> fg.matrix_exp(fg.tensor([[0.0, 1.0], [0.0, 0.0]]))
    tensor([[1., 1.],
            [0., 1.]])
    """
    x = _matrix("matrix_exp", A, True)
    n = x.shape[-1]
    r = to_host(_raw(x))
    norm = builtins.float(np.abs(r).sum(axis=-2).max()) if r.size else 0.0
    if not math.isfinite(norm):
        return x * np.nan
    s = builtins.max(0, builtins.int(math.ceil(math.log2(norm / _THETA13)))) if norm > _THETA13 else 0
    if s:
        x = x * (0.5 ** s)
    b = _PADE13
    eye = _eye(n, n, x)
    A2 = x @ x
    A4 = A2 @ A2
    A6 = A4 @ A2
    U = x @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * eye)
    V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 + b[0] * eye
    R = fnp.linalg.solve(V - U, V + U)
    for _ in range(s):
        R = R @ R
    return R


# --- Householder products -----------------------------------------------------------------------------------------
def geqrf(input: Any, *, out: Any = None) -> tuple:
    """LAPACK's QR factorization ``(a, tau)``: ``R`` on and above the diagonal of ``a``, the Householder vectors
    below it, their scales in ``tau`` (``torch.geqrf``; not differentiable, as in PyTorch).

    >>> import funcgrad as fg
    >>> a, tau = fg.geqrf(fg.tensor([[3.0], [4.0]]))
    >>> a, tau
    (tensor([[-5.0000],
            [ 0.5000]]), tensor([1.6000]))
    """
    _no_out("geqrf", out)
    x = _matrix("geqrf", input)
    r = _raw(x)
    xp = namespace(r)
    h, tau = np.linalg.qr(to_host(r), mode="raw")
    return _return_type("geqrf", ["a", "tau"])(_nograd(xp.asarray(np.swapaxes(h, -1, -2).astype(x.dtype))),
                                                _nograd(xp.asarray(tau.astype(x.dtype))))


def _reflectors(op: str, A: Tensor, tau: Any) -> tuple:
    t = _t(tau)
    m, n = A.shape[-2:]
    k = t.shape[-1] if t.ndim else 0
    if t.ndim < 1 or k > n or tuple(t.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{op}: tau must have shape (*batch, k) with k <= {n} and batch {tuple(A.shape[:-2])} "
                           f"for input of shape {tuple(A.shape)}, got {tuple(t.shape)}")
    V = fnp.tril(A, -1)[..., :, :k] + _eye(m, k, A)
    return V, t, k


def _apply_reflectors(V: Tensor, tau: Tensor, k: int, C: Tensor, adjoint: bool) -> Tensor:
    """``Q C`` (``Q^H C`` when ``adjoint``) for ``Q = H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^H``."""
    order = range(k) if adjoint else range(k - 1, -1, -1)
    for i in order:
        v = V[..., :, i:i + 1]
        ti = fnp.expand_dims(tau[..., i:i + 1], -1)
        if adjoint and tau.dtype.kind == "c":
            ti = fnp.conj(ti)
        C = C - ti * (v @ (_mH(v) @ C))
    return C


def orgqr(input: Any, tau: Any) -> Tensor:
    """The first n columns of ``Q = H_1 ... H_k`` from :func:`geqrf`'s Householder vectors (``torch.orgqr``,
    ``torch.linalg.householder_product``).

    >>> import funcgrad as fg
    >>> fg.orgqr(*fg.geqrf(fg.tensor([[3.0], [4.0]])))
    tensor([[-0.6000],
            [-0.8000]])
    """
    A = _matrix("orgqr", input)
    m, n = A.shape[-2:]
    if n > m:
        raise RuntimeError(f"orgqr: input must have at least as many rows as columns, got shape {tuple(A.shape)}")
    V, t, k = _reflectors("orgqr", A, tau)
    C = fnp.broadcast_to(_eye(m, n, A), tuple(A.shape))
    return _apply_reflectors(V, fnp.astype(t, A.dtype), k, C, False)


def ormqr(input: Any, tau: Any, other: Any, left: bool = True, transpose: bool = False, *,
          out: Any = None) -> Tensor:
    """``other`` multiplied by the ``Q`` of :func:`geqrf`'s Householder vectors: ``Q C``, ``C Q`` (``left=False``),
    with ``Q^H`` when ``transpose`` (``torch.ormqr``).

    >>> import funcgrad as fg
    >>> a, tau = fg.geqrf(fg.tensor([[3.0], [4.0]]))
    >>> fg.ormqr(a, tau, fg.tensor([[1.0], [0.0]]))
    tensor([[-0.6000],
            [-0.8000]])
    """
    _no_out("ormqr", out)
    A = _matrix("ormqr", input)
    C = _t(other)
    m = A.shape[-2]
    want = C.shape[-2] if left else C.shape[-1]
    if C.ndim < 2 or want != m:
        raise RuntimeError(f"ormqr: other of shape {tuple(C.shape)} must have {m} {'rows' if left else 'columns'} "
                           f"to be multiplied by Q of input shape {tuple(A.shape)}")
    V, t, k = _reflectors("ormqr", A, tau)
    t = fnp.astype(t, A.dtype)
    if left:
        return _apply_reflectors(V, t, k, C, transpose)
    # C Q = (Q^H C^H)^H, C Q^H = (Q C^H)^H
    return _mH(_apply_reflectors(V, t, k, _mH(C), not transpose))


# --- low-rank ------------------------------------------------------------------------------------------------------
def svd_lowrank(A: Any, q: int | None = 6, niter: int = 2, M: Any = None) -> tuple:
    """``(U, S, V)``, the ``q`` leading singular triplets of ``A - M`` (``torch.svd_lowrank``). Computed from the
    exact SVD, not by randomized subspace iteration: the result is what PyTorch's converges to (``niter`` is
    accepted and unused).

    >>> import funcgrad as fg
    >>> U, S, V = fg.svd_lowrank(fg.tensor([[3.0, 0.0], [0.0, 1.0]]), q=1)
    >>> S
    tensor([3.])
    """
    x = _matrix("svd_lowrank", A)
    if M is not None:
        x = x - M
    m, n = x.shape[-2:]
    q = builtins.min(6, m, n) if q is None else q
    if not 0 <= q <= builtins.min(m, n):
        raise ValueError(f"svd_lowrank: q={q} must be in [0, min(m, n)] = [0, {builtins.min(m, n)}] for shape "
                         f"{tuple(x.shape)}")
    U, S, Vh = _linalg.svd(x, full_matrices=False)
    return U[..., :, :q], S[..., :q], _mH(Vh[..., :q, :])


def pca_lowrank(A: Any, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:
    """``(U, S, V)`` of the ``q`` (default ``min(6, m, n)``) principal directions of ``A``'s rows, centred first
    when ``center`` (``torch.pca_lowrank``; from the exact SVD, see :func:`svd_lowrank`).

    >>> import funcgrad as fg
    >>> U, S, V = fg.pca_lowrank(fg.tensor([[1.0, 1.0], [3.0, 3.0]]), q=1)
    >>> S
    tensor([2.])
    """
    x = _matrix("pca_lowrank", A)
    m, n = x.shape[-2:]
    q = builtins.min(6, m, n) if q is None else q
    if center:
        x = x - fnp.mean(x, axis=-2, keepdims=True)
    return svd_lowrank(x, q)


# --- methods -------------------------------------------------------------------------------------------------------
_METHODS = ["det", "inverse", "slogdet", "matrix_power", "cholesky", "cholesky_inverse", "cholesky_solve", "svd",
            "qr", "lu", "lu_solve", "matrix_exp", "pinverse", "triangular_solve", "geqrf", "orgqr", "ormqr"]


def _install() -> None:
    g = globals()
    for name in _METHODS:  # b.cholesky_solve(L), b.lu_solve(LU, piv), b.triangular_solve(A): self is the first
        if not hasattr(Tensor, name):
            setattr(Tensor, name, _method(g[name]))


_install()
