"""``torch.linalg``'s names over Tensors: ``funcgrad.linalg.solve``, ``svd``, ``eigh``, ``norm`` ...

Thin translations to ``funcgrad.numpy.linalg`` called with Tensors (no derivative code here). Differences from
NumPy that PyTorch users rely on are kept: ``solve(A, b)`` treats ``b`` of shape ``A.shape[:-1]`` as a (batch of)
vector(s); ``svd`` defaults to ``full_matrices=True``, whose extra columns of ``U`` / rows of ``Vh`` are arbitrary,
so, as PyTorch documents, no gradient flows through them (the gradient of the reduced part is exact);
``vector_norm`` and ``norm`` have gradient 0 at the zero vector.

>>> import funcgrad as fg
>>> A = fg.tensor([[2.0, 0.0], [0.0, 4.0]])
>>> fg.linalg.solve(A, fg.tensor([2.0, 4.0]))
tensor([1., 1.])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from ..primitives.control import stop_gradient
from .tensor import Tensor
from .ops import _t
from .reductions import _vector_norm, return_types
from .linalg_more import cond, cross, lstsq, matrix_rank  # noqa: F401  (more of torch.linalg)

__all__ = ["inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr", "pinv", "norm",
           "vector_norm", "matrix_norm", "matrix_power", "multi_dot", "matmul", "diagonal",
           "cross", "lstsq", "cond", "matrix_rank"]


def _square(op: str, A: Tensor) -> Tensor:
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{op}: A must be batches of square matrices, but they are {A.shape[-2:]} "
                           f"matrices (shape {A.shape})" if A.ndim >= 2 else
                           f"linalg.{op}: The input tensor A must have at least 2 dimensions (shape {A.shape}).")
    return A


def inv(A: Any) -> Tensor:
    """Inverse of (a batch of) square matrices (``torch.linalg.inv``).

    >>> import funcgrad as fg
    >>> fg.linalg.inv(fg.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    return fnp.linalg.inv(_square("inv", _t(A)))


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:
    """``X`` with ``A @ X = B`` (``torch.linalg.solve``); ``B`` of shape ``A.shape[:-1]`` is a (batch of)
    vector(s), otherwise a (batch of) matrices. ``left=False`` solves ``X @ A = B``.

    >>> import funcgrad as fg
    >>> fg.linalg.solve(fg.tensor([[2.0, 0.0], [0.0, 4.0]]), fg.tensor([[2.0], [4.0]]))
    tensor([[1.],
            [1.]])
    """
    A = _square("solve", _t(A))
    B = _t(B)
    if not left:
        return fnp.swapaxes(solve(fnp.swapaxes(A, -1, -2), fnp.swapaxes(B, -1, -2)), -1, -2)
    if B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1]):
        return fnp.linalg.solve(A, fnp.expand_dims(B, -1))[..., 0]
    return fnp.linalg.solve(A, B)


def det(A: Any) -> Tensor:
    """Determinant (``torch.linalg.det``)."""
    return fnp.linalg.det(_square("det", _t(A)))


def slogdet(A: Any) -> Any:
    """``(sign, logabsdet)`` of the determinant (``torch.linalg.slogdet``)."""
    sign, logabsdet = fnp.linalg.slogdet(_square("slogdet", _t(A)))
    return return_types.linalg_slogdet(sign, logabsdet)


def cholesky(A: Any, *, upper: bool = False) -> Tensor:
    """Cholesky factor ``L`` with ``A = L @ L^H`` (``U`` with ``A = U^H @ U`` if ``upper``)
    (``torch.linalg.cholesky``)."""
    return fnp.linalg.cholesky(_square("cholesky", _t(A)), upper=upper)


def eigh(A: Any, UPLO: str = "L") -> Any:
    """``(eigenvalues, eigenvectors)`` of a symmetric/Hermitian matrix, eigenvalues ascending
    (``torch.linalg.eigh``)."""
    w, v = fnp.linalg.eigh(_square("eigh", _t(A)), UPLO=UPLO)
    return return_types.linalg_eigh(w, v)


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:
    """Eigenvalues of a symmetric/Hermitian matrix, ascending (``torch.linalg.eigvalsh``)."""
    return fnp.linalg.eigvalsh(_square("eigvalsh", _t(A)), UPLO=UPLO)


def svd(A: Any, full_matrices: bool = True, *, driver: Any = None) -> Any:
    """``(U, S, Vh)`` with ``A = U @ diag(S) @ Vh`` (``torch.linalg.svd``). With ``full_matrices=True`` (the
    default, as in PyTorch) the columns of ``U`` / rows of ``Vh`` past ``min(m, n)`` are arbitrary and get no
    gradient (PyTorch documents the same); the rest is the reduced SVD, differentiated exactly.

    >>> import funcgrad as fg
    >>> U, S, Vh = fg.linalg.svd(fg.tensor([[3.0, 0.0], [0.0, 2.0], [0.0, 0.0]]))
    >>> U.shape, S, Vh.shape
    (torch.Size([3, 3]), tensor([3., 2.]), torch.Size([2, 2]))
    """
    A = _t(A)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.svd: The input tensor A must have at least 2 dimensions (shape {A.shape}).")
    U, S, Vh = fnp.linalg.svd(A, full_matrices=False)
    m, n = A.shape[-2:]
    if full_matrices and m != n:
        full = fnp.linalg.svd(stop_gradient(A), full_matrices=True)
        k = min(m, n)
        if m > n:
            U = fnp.concatenate([U, full[0][..., :, k:]], axis=-1)
        else:
            Vh = fnp.concatenate([Vh, full[2][..., k:, :]], axis=-2)
    return return_types.linalg_svd(U, S, Vh)


def svdvals(A: Any) -> Tensor:
    """Singular values, descending (``torch.linalg.svdvals``)."""
    return fnp.linalg.svdvals(_t(A))


def qr(A: Any, mode: str = "reduced") -> Any:
    """``(Q, R)`` with ``A = Q @ R`` (``torch.linalg.qr``; ``mode`` ``"reduced"``, ``"complete"`` or ``"r"``, in
    which case Q is empty, as in PyTorch)."""
    A = _t(A)
    if mode == "r":
        R = fnp.linalg.qr(A, mode="r")
        return return_types.linalg_qr(_t(np.zeros((0,), dtype=A.dtype)), R)
    Q, R = fnp.linalg.qr(A, mode=mode)
    return return_types.linalg_qr(Q, R)


def pinv(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:
    """Moore-Penrose pseudo-inverse (``torch.linalg.pinv``; ``atol`` is not supported)."""
    if atol is not None:
        raise NotImplementedError("linalg.pinv: atol= is not supported; use rtol=")
    return fnp.linalg.pinv(_t(A), rtol=rtol, hermitian=hermitian)


def matrix_power(A: Any, n: int) -> Tensor:
    """``A`` to the integer power ``n`` (``torch.linalg.matrix_power``)."""
    return fnp.linalg.matrix_power(_square("matrix_power", _t(A)), n)


def multi_dot(tensors: Any) -> Tensor:
    """Product of a chain of matrices (``torch.linalg.multi_dot``)."""
    xs = [_t(x) for x in tensors]
    if len(xs) < 2:
        raise RuntimeError("multi_dot(): expected at least 2 tensors")
    out = xs[0]
    for x in xs[1:]:
        out = fnp.matmul(out, x)
    return out


def matmul(input: Any, other: Any) -> Tensor:
    """``torch.linalg.matmul`` (``@``)."""
    return fnp.matmul(_t(input), other)


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Diagonals of the last two dimensions (``torch.linalg.diagonal``)."""
    return fnp.diagonal(_t(A), offset=offset, axis1=dim1, axis2=dim2)


def vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The vector ``ord``-norm over ``dim`` (all elements when None), gradient 0 at the zero vector
    (``torch.linalg.vector_norm``).

    >>> import funcgrad as fg
    >>> fg.linalg.vector_norm(fg.tensor([[3.0, 4.0]]), ord=1)
    tensor(7.)
    """
    x = _t(x)
    if dtype is not None:
        x = fnp.astype(x, dtype)
    return _vector_norm(x, ord, dim, keepdim)


def matrix_norm(A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The matrix norm (``"fro"``, ``"nuc"``, ``inf``, ``-inf``, ``1``, ``-1``, ``2``, ``-2``) over the two
    dimensions ``dim`` (``torch.linalg.matrix_norm``)."""
    A = _t(A)
    if dtype is not None:
        A = fnp.astype(A, dtype)
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    if ord == "fro":
        return _vector_norm(A, 2, dim, keepdim)
    if ord in ("nuc", 2, -2):
        # the reductions family has no singular-value norms: take them from svdvals over the moved dims
        nd = A.ndim
        d0, d1 = dim[0] % nd, dim[1] % nd
        s = fnp.linalg.svdvals(fnp.moveaxis(A, (d0, d1), (-2, -1)))
        out = fnp.sum(s, axis=-1) if ord == "nuc" else (fnp.max(s, axis=-1) if ord == 2 else fnp.min(s, axis=-1))
        if keepdim:
            out = fnp.expand_dims(out, tuple(sorted((d0, d1))))
        return out
    return fnp.linalg.norm(A, ord=ord, axis=dim, keepdims=keepdim)


def norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """``torch.linalg.norm``: a vector norm when ``dim`` is an int (or ``A`` is 1-D), a matrix norm when ``dim``
    is a 2-tuple (or ``A`` is 2-D and ``ord`` is given); the 2-norm of all elements when both are None.

    >>> import funcgrad as fg
    >>> fg.linalg.norm(fg.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(5.)
    """
    A = _t(A)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None:
        if ord is None:
            return vector_norm(A, 2, None, keepdim, dtype=dtype)
        if A.ndim == 1:
            return vector_norm(A, ord, None, keepdim, dtype=dtype)
        if A.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    dim = tuple(dim)
    if len(dim) == 1:
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
