"""PyTorch's products with scaling, distances and matrix norms over Tensors: ``baddbmm``, ``addbmm``, ``addmv``,
``addr``, ``chain_matmul``, ``cdist``, ``logdet``, ``renorm``, ``nuclear_norm``, ``frobenius_norm``,
``norm_except_dim``.

The plain products (``matmul``, ``mm``, ``addmm`` ...) are in ``funcgrad/tensors/products.py``, the elementwise math
in ``funcgrad/tensors/pointwise.py`` (which re-exports these names). As there, each function translates PyTorch's
signature to ``funcgrad.numpy`` operations on Tensors, with no derivative code. Importing this module attaches the
Tensor methods PyTorch has for these names (``t.addmv(m, v)``, ``t.logdet()`` ...).

>>> import funcgrad as fg
>>> fg.addmv(fg.zeros(1), fg.tensor([[1.0, 2.0]]), fg.tensor([3.0, 4.0]), beta=0)
tensor([11.])
>>> fg.tensor([[2.0, 0.0], [0.0, 3.0]]).logdet()
tensor(1.7918)
"""
from __future__ import annotations

import builtins
import functools
import math
from typing import Any

import numpy as np

from .. import numpy as fnp
from .special import _raw
from .tensor import Tensor
from . import linalg
from .ops import _attach_methods, _no_out, _norm_dim, _t

__all__ = ["baddbmm", "addbmm", "addmv", "addr", "cdist", "logdet", "renorm", "chain_matmul", "nuclear_norm",
           "frobenius_norm", "norm_except_dim"]


# --- products with beta and alpha, distances -----------------------------------------------------------------------
def _beta_alpha(op: str, input: Any, prod: Tensor, beta: Any, alpha: Any) -> Tensor:
    """``beta * input + alpha * prod``; with beta = 0 the input is ignored (its NaNs too), as in PyTorch."""
    x = _t(input)
    try:
        shape = np.broadcast_shapes(tuple(x.shape), tuple(prod.shape))
    except ValueError:
        shape = None
    if shape != tuple(prod.shape):
        raise RuntimeError(f"{op}: input of shape {tuple(x.shape)} does not broadcast to the product's shape "
                           f"{tuple(prod.shape)}")
    p = prod if alpha == 1 else alpha * prod
    if beta == 0:
        return p
    return (x if beta == 1 else beta * x) + p


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)`` (``torch.baddbmm``).

    >>> import funcgrad as fg
    >>> fg.baddbmm(fg.zeros(1, 1, 1), fg.ones(1, 1, 2), fg.ones(1, 2, 1)).shape
    torch.Size([1, 1, 1])
    """
    a, b = _t(batch1), _t(batch2)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"baddbmm: expected batch1 (b, n, m) and batch2 (b, m, p), got shapes {tuple(a.shape)} "
                           f"and {tuple(b.shape)}")
    return _beta_alpha("baddbmm", input, fnp.matmul(a, b), beta, alpha)


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]`` (``torch.addbmm``).

    >>> import funcgrad as fg
    >>> fg.addbmm(fg.zeros(1, 1), fg.ones(3, 1, 2), fg.ones(3, 2, 1))
    tensor([[6.]])
    """
    a, b = _t(batch1), _t(batch2)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"addbmm: expected batch1 (b, n, m) and batch2 (b, m, p), got shapes {tuple(a.shape)} "
                           f"and {tuple(b.shape)}")
    return _beta_alpha("addbmm", input, fnp.einsum("bij,bjk->ik", a, b), beta, alpha)


def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)`` (``torch.addmv``).

    >>> import funcgrad as fg
    >>> fg.addmv(fg.tensor([1.0]), fg.tensor([[1.0, 2.0]]), fg.tensor([3.0, 4.0]))
    tensor([12.])
    """
    m, v = _t(mat), _t(vec)
    if m.ndim != 2 or v.ndim != 1 or m.shape[1] != v.shape[0]:
        raise RuntimeError(f"addmv: expected a matrix (n, m) and a vector (m,), got shapes {tuple(m.shape)} and "
                           f"{tuple(v.shape)}")
    return _beta_alpha("addmv", input, fnp.matmul(m, v), beta, alpha)


def addr(input: Any, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)`` (``torch.addr``).

    >>> import funcgrad as fg
    >>> fg.addr(fg.zeros(2, 2), fg.tensor([1.0, 2.0]), fg.tensor([3.0, 4.0]))
    tensor([[3., 4.],
            [6., 8.]])
    """
    a, b = _t(vec1), _t(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"addr: expected 1-D vectors, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return _beta_alpha("addr", input, fnp.multiply(fnp.expand_dims(a, 1), b), beta, alpha)


def _pnorm(d: Tensor, p: float, axis: int) -> Tensor:
    """The p-norm of ``d`` over ``axis`` with gradient 0 where the norm is 0 (PyTorch's choice)."""
    a = fnp.abs(d)
    if p == 0:
        return fnp.sum(fnp.astype(fnp.not_equal(_raw(d), 0), d.dtype) + 0.0 * a, axis=axis)
    if p == math.inf:
        return fnp.max(a, axis=axis)
    if p == 1:
        return fnp.sum(a, axis=axis)
    s = fnp.sum(d * d if p == 2 else fnp.power(a, p), axis=axis)
    pos = _raw(s) > 0
    safe = fnp.where(pos, s, 1.0)
    return fnp.where(pos, fnp.sqrt(safe) if p == 2 else fnp.power(safe, 1.0 / p), 0.0)


def cdist(x1: Any, x2: Any, p: float = 2.0, compute_mode: Any = None) -> Tensor:
    """The p-norm distances between the rows of ``x1`` (..., P, M) and of ``x2`` (..., R, M): a (..., P, R)
    tensor (``torch.cdist``; ``compute_mode`` is accepted and ignored: distances are computed directly).

    >>> import funcgrad as fg
    >>> fg.cdist(fg.tensor([[0.0, 0.0]]), fg.tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([[5., 1.]])
    """
    a, b = _t(x1), _t(x2)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"cdist: expected x1 (..., P, M) and x2 (..., R, M) with the same M, got shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values (got p={p})")
    if a.dtype.kind not in "fc" or b.dtype.kind not in "fc":
        raise RuntimeError(f"cdist only supports floating-point dtypes, got {a.dtype} and {b.dtype}")
    d = fnp.expand_dims(a, -2) - fnp.expand_dims(b, -3)
    return _pnorm(d, p, -1)


# --- linear algebra ------------------------------------------------------------------------------------------------
def logdet(input: Any) -> Tensor:
    """log(det(A)) of a (batch of) square matrices: NaN where det < 0, -inf where det = 0 (``torch.logdet``).

    >>> import funcgrad as fg
    >>> fg.logdet(fg.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(1.7918)
    """
    x = _t(input)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"logdet: expected a (batch of) square matrices, got shape {tuple(x.shape)}")
    sign, logabs = linalg.slogdet(x)
    return fnp.where(_raw(sign) < 0, np.nan, logabs)


def renorm(input: Any, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm``
    (``torch.renorm``).

    >>> import funcgrad as fg
    >>> fg.renorm(fg.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.ndim}-D of shape {tuple(x.shape)}")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive norm p={p} is not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = _norm_dim(dim, x.ndim, "renorm")
    axes = tuple(i for i in range(x.ndim) if i != d)
    a = fnp.abs(x)
    if p == math.inf:
        n = fnp.max(a, axis=axes, keepdims=True)
    else:  # the norm of a zero slice is 0, with no NaN from the root's derivative at 0
        s = fnp.sum(fnp.power(a, float(p)), axis=axes, keepdims=True)
        pos = _raw(s) > 0
        n = fnp.where(pos, fnp.power(fnp.where(pos, s, 1.0), 1.0 / p), 0.0)
    big = _raw(n) > maxnorm
    factor = fnp.where(big, maxnorm / (fnp.where(big, n, 1.0) + 1e-7), 1.0)
    return x * factor


def chain_matmul(*matrices: Any) -> Tensor:
    """The product of two or more matrices, left to right (``torch.chain_matmul``).

    >>> import funcgrad as fg
    >>> fg.chain_matmul(fg.eye(2), fg.tensor([[1.0, 2.0], [3.0, 4.0]]), fg.ones(2, 1))
    tensor([[3.],
            [7.]])
    """
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    ms = [_t(m) for m in matrices]
    for i, m in enumerate(ms):
        if m.ndim != 2:
            raise RuntimeError(f"chain_matmul(): matrix {i} has shape {tuple(m.shape)}; all must be 2-D (use "
                               f"matmul for batches)")
    return functools.reduce(fnp.matmul, ms)


# --- matrix norms -------------------------------------------------------------------------------------------------
def nuclear_norm(input: Any, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Tensor:
    """The sum of the singular values of a matrix, or of the matrices over the two dimensions ``dim``
    (``torch.nuclear_norm``; ``nuclear_norm(A, True)`` keeps the dimensions, as PyTorch's overload does).

    >>> import funcgrad as fg
    >>> fg.nuclear_norm(fg.tensor([[3.0, 0.0], [0.0, -2.0]]))
    tensor(5.)
    """
    _no_out("nuclear_norm", out)
    if isinstance(dim, builtins.bool):
        dim, keepdim = None, dim
    x = _t(input)
    if dim is None:
        if x.ndim != 2:
            raise RuntimeError(f"nuclear_norm: expected a 2-D tensor without dim, got shape {tuple(x.shape)}; pass "
                               f"dim=(d0, d1) for the matrices of a batch")
        dim = (0, 1)
    if len(tuple(dim)) != 2:
        raise RuntimeError(f"nuclear_norm: dim must be a pair of dimensions, got {dim!r}")
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"nuclear_norm: expected a floating-point or complex tensor, got dtype {x.dtype}")
    return linalg.matrix_norm(x, "nuc", tuple(dim), keepdim)


def frobenius_norm(input: Any, dim: Any, keepdim: bool = False, *, out: Any = None) -> Tensor:
    """The square root of the sum of squares over the dimensions ``dim`` (one or two) (``torch.frobenius_norm``).

    >>> import funcgrad as fg
    >>> fg.frobenius_norm(fg.tensor([[1.0, 2.0], [2.0, 4.0]]), dim=(0, 1))
    tensor(5.)
    """
    _no_out("frobenius_norm", out)
    dims = (dim,) if isinstance(dim, builtins.int) else tuple(dim)
    if not 1 <= len(dims) <= 2:
        raise RuntimeError(f"frobenius_norm: expected one or two dimensions in dim, got {dim!r}")
    return linalg.vector_norm(_t(input), 2, dims, keepdim)


def norm_except_dim(v: Any, pow: float = 2, dim: int = 0) -> Tensor:  # noqa: A002 - PyTorch's name
    """The ``pow``-norm over every dimension but ``dim``, keeping the dimensions (the norm of all elements when
    ``dim`` is -1) (``torch.norm_except_dim``, the weight-norm helper).

    >>> import funcgrad as fg
    >>> fg.norm_except_dim(fg.tensor([[3.0, 4.0], [0.0, 1.0]]), 2, 0)
    tensor([[5.],
            [1.]])
    """
    x = _t(v)
    if dim == -1:
        return linalg.vector_norm(x, pow)
    d = _norm_dim(dim, x.ndim, "norm_except_dim")
    axes = tuple(i for i in range(x.ndim) if i != d)
    return linalg.vector_norm(x, pow, axes, True) if axes else fnp.abs(x)


_METHODS = ["baddbmm", "addbmm", "addmv", "addr", "logdet", "renorm"]


_attach_methods(_METHODS, globals())
