"""More of ``torch.linalg`` over Tensors: ``cross``, ``lstsq``, ``cond``, ``matrix_rank`` (served from
``funcgrad.linalg``; ``funcgrad.linalg.matrix_exp`` is the top-level ``matrix_exp`` of linalg_ops.py, set there by
``funcgrad/__init__.py`` since linalg_ops imports linalg).

Compositions of ``funcgrad.numpy.linalg`` functions, so they differentiate where PyTorch's do: ``lstsq``'s
solution (through the pseudo-inverse, exact where ``A`` keeps its rank), ``cond`` (through the singular values or
the norms), ``cross``; ``matrix_rank`` is an integer.

>>> import funcgrad as fg
>>> fg.linalg.cross(fg.tensor([1.0, 0.0, 0.0]), fg.tensor([0.0, 1.0, 0.0]))
tensor([0., 0., 1.])
"""
from __future__ import annotations

import collections
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..primitives.control import stop_gradient
from .ops import _t
from .tensor import Tensor

__all__ = ["cross", "lstsq", "cond", "matrix_rank"]

#: torch.return_types.linalg_lstsq
linalg_lstsq = collections.namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:  # noqa: A002 - PyTorch's names
    """The cross product of 3-vectors along ``dim``, broadcasting the other dimensions (``torch.linalg.cross``).

    >>> import funcgrad as fg
    >>> fg.linalg.cross(fg.tensor([[0.0, 0.0, 1.0]]), fg.tensor([1.0, 0.0, 0.0]))
    tensor([[0., 1., 0.]])
    """
    a, b = _t(input), _t(other)
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[dim]} and "
                           f"{b.shape[dim]}")
    return fnp.cross(a, b, axis=dim)


def _rank(s: Any, m: int, n: int, atol: Any, rtol: Any, dt: Any) -> Tensor:
    """The number of singular values above ``max(atol, rtol * largest)``, PyTorch's default ``rtol``."""
    s = stop_gradient(s)
    if rtol is None:
        rtol = np.finfo(np.empty(0, dt).real.dtype).eps * max(m, n) if atol is None or float(atol) == 0 else 0.0
    atol = 0.0 if atol is None else atol
    smax = fnp.max(s, axis=-1, keepdims=True) if s.shape[-1] else fnp.zeros(s.shape[:-1] + (1,))
    tol = fnp.maximum(_t(atol)[..., None] if isinstance(atol, Tensor) else atol, rtol * smax)
    return fnp.astype(fnp.sum(s > tol, axis=-1), np.int64)


def lstsq(A: Any, B: Any, rcond: float | None = None, *, driver: str | None = None) -> Any:
    """The least-squares solution of ``A @ X = B`` (``torch.linalg.lstsq``), batched, as the named tuple
    ``(solution, residuals, rank, singular_values)``. As PyTorch's default CPU driver (``gelsy``), ``residuals``
    and ``singular_values`` are empty; ``driver="gelsd"`` or ``"gelss"`` gives the singular values, and the
    squared residuals of each column when ``A`` is tall and of full rank.

    >>> import funcgrad as fg
    >>> r = fg.linalg.lstsq(fg.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), fg.tensor([[1.0], [2.0], [3.0]]))
    >>> r.solution, r.rank
    (tensor([[1.],
            [2.]]), tensor(2))
    """
    if driver not in (None, "gelsy", "gelsd", "gelss", "gels"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), "
                           f"got {driver!r}")
    A, B = _t(A), _t(B)
    if A.ndim < 2:
        raise RuntimeError(f"torch.linalg.lstsq: input must have at least 2 dimensions (shape {A.shape})")
    m, n = A.shape[-2:]
    vector = B.ndim == A.ndim - 1
    Bm = B[..., None] if vector else B
    eps = np.finfo(np.empty(0, A.dtype.dtype).real.dtype).eps
    rtol = rcond if rcond is not None and rcond >= 0 else eps * max(m, n)
    X = fnp.matmul(fnp.linalg.pinv(A, rtol=rtol), Bm)
    s = fnp.linalg.svd(A, compute_uv=False)
    rank = _rank(s, m, n, None, rtol, A.dtype.dtype)
    empty = _t(np.zeros((0,), dtype=A.dtype.dtype))
    residuals, sv = empty, empty
    if driver in ("gelsd", "gelss"):
        sv = s
        if m > n and bool(fnp.all(stop_gradient(rank) == n)):
            residuals = fnp.sum(fnp.abs(fnp.matmul(A, X) - Bm) ** 2, axis=-2)
            residuals = residuals[..., 0] if vector else residuals
    return linalg_lstsq(X[..., 0] if vector else X, residuals, rank, sv)


def cond(A: Any, p: Any = None) -> Tensor:
    """The condition number of (a batch of) matrices in norm ``p`` (``torch.linalg.cond``): None or 2 is the ratio
    of the largest to the smallest singular value, -2 its inverse; ``"fro"``, ``"nuc"``, ``inf``, ``-inf``, 1 and
    -1 are ``norm(A, p) * norm(inv(A), p)`` (square matrices).

    >>> import funcgrad as fg
    >>> fg.linalg.cond(fg.tensor([[2.0, 0.0], [0.0, 0.5]]))
    tensor(4.)
    """
    A = _t(A)
    if p is None or p == 2 or p == -2:
        s = fnp.linalg.svd(A, compute_uv=False)
        big, small = fnp.max(s, axis=-1), fnp.min(s, axis=-1)
        return big / small if p != -2 else small / big
    if p not in ("fro", "nuc", np.inf, -np.inf, 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond: A must be batches of square matrices for p={p}, got shape {A.shape}")
    return fnp.linalg.matrix_norm(A, ord=p) * fnp.linalg.matrix_norm(fnp.linalg.inv(A), ord=p)


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, atol: Any = None, rtol: Any = None) -> Tensor:
    """The number of singular values above ``max(atol, rtol * largest)`` (``torch.linalg.matrix_rank``); without
    either, ``rtol`` is the dtype's epsilon times ``max(m, n)``; ``tol`` is the old name of ``atol``.

    >>> import funcgrad as fg
    >>> fg.linalg.matrix_rank(fg.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1)
    """
    A = _t(A)
    if tol is not None:
        atol = tol
    s = fnp.abs(fnp.linalg.eigvalsh(A)) if hermitian else fnp.linalg.svd(A, compute_uv=False)
    m, n = A.shape[-2:]
    return _rank(s, m, n, atol, rtol, A.dtype.dtype)
