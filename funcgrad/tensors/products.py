"""PyTorch's products over Tensors: ``matmul``, ``mm``, ``bmm``, ``einsum``, ``tensordot``, ``kron`` ..."""
from __future__ import annotations

from typing import Any
from .. import numpy as fnp
from .tensor import Tensor
from .ops import (_t)

__all__ = ['matmul', 'mm', 'bmm', 'mv', 'dot', 'inner', 'vdot', 'outer', 'ger', 'addmm', 'kron', 'einsum', 'tensordot']


# --- products --------------------------------------------------------------------------------------------------
def matmul(input: Any, other: Any) -> Tensor:
    """Matrix product with NumPy's broadcasting rules (``torch.matmul``, ``@``)."""
    return fnp.matmul(_t(input), other)


def mm(input: Any, mat2: Any) -> Tensor:
    """Product of two matrices (``torch.mm``).

    >>> import funcgrad as fg
    >>> fg.mm(fg.tensor([[1.0, 2.0]]), fg.tensor([[3.0], [4.0]]))
    tensor([[11.]])
    """
    a, b = _t(input), _t(mat2)
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {a.shape} and {b.shape}; use matmul for "
                           f"batches")
    return fnp.matmul(a, b)


def bmm(input: Any, mat2: Any) -> Tensor:
    """Batched product of two 3-D tensors (``torch.bmm``)."""
    a, b = _t(input), _t(mat2)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: expected 3-D tensors with the same batch size, got {a.shape} and {b.shape}")
    return fnp.matmul(a, b)


def mv(input: Any, vec: Any) -> Tensor:
    """Matrix-vector product (``torch.mv``)."""
    a, v = _t(input), _t(vec)
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"mv: expected a matrix and a vector, got shapes {a.shape} and {v.shape}")
    return fnp.matmul(a, v)


def dot(input: Any, other: Any) -> Tensor:
    """Inner product of two 1-D tensors (``torch.dot``)."""
    a, b = _t(input), _t(other)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return fnp.matmul(a, b)


inner = dot


def vdot(input: Any, other: Any) -> Tensor:
    """Conjugated inner product of two 1-D tensors (``torch.vdot``)."""
    return dot(fnp.conj(_t(input)), other)


def outer(input: Any, vec2: Any) -> Tensor:
    """Outer product of two 1-D tensors (``torch.outer``)."""
    a, b = _t(input), _t(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer: expected 1-D tensors, got shapes {a.shape} and {b.shape}")
    # a broadcast product, not fnp.outer: that reads x.size, which on a Tensor is PyTorch's size() method
    return fnp.multiply(fnp.expand_dims(a, 1), b)


ger = outer


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation (``torch.einsum``); operands may also be given as one list.

    >>> import funcgrad as fg
    >>> fg.einsum("ij,j->i", fg.tensor([[1.0, 2.0]]), fg.tensor([3.0, 4.0]))
    tensor([11.])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return fnp.einsum(equation, *[_t(o) for o in operands])


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """``numpy.tensordot`` (``torch.tensordot``)."""
    return fnp.tensordot(_t(a), _t(b), axes=dims)


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` (``torch.addmm``)."""
    p = mm(mat1, mat2)
    return (input if beta == 1 else beta * _t(input)) + (p if alpha == 1 else alpha * p)


def kron(input: Any, other: Any) -> Tensor:
    """Kronecker product of two matrices (``torch.kron``, 2-D only)."""
    a, b = _t(input), _t(other)
    if a.ndim != 2 or b.ndim != 2:
        raise NotImplementedError("kron: only 2-D tensors are supported")
    m, n = a.shape
    p, q = b.shape
    return fnp.reshape(fnp.einsum("ij,kl->ikjl", a, b), (m * p, n * q))
