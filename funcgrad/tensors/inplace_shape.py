"""In-place methods that change a tensor's shape (``transpose_``, ``swapaxes_``, ``swapdims_``, ``unsqueeze_``,
``squeeze_``, ``resize_``) and ``fill_diagonal_``, over :mod:`inplace`'s rebinding (``t_`` is there): the tensor
keeps its identity and takes the new value, as PyTorch's in-place view methods do.

>>> import funcgrad as fg
>>> fg.zeros(2, 3).transpose_(0, 1).shape
torch.Size([3, 2])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import device_of, to_device
from .tensor import Tensor
from .inplace import _raw, _rebind
from .operators import _check_inplace
from . import shape as _shape

__all__: list = []


def _reshaped(self: Tensor, what: str, fn, *args: Any) -> Tensor:
    # ``fn`` (a Tensor shape function) applied to this tensor's value, which it then holds
    _check_inplace(self, what)
    return _rebind(self, fn(Tensor._from_value(_raw(self)), *args)._v, what)


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1`` in place (``torch.Tensor.transpose_``).

    >>> import funcgrad as fg
    >>> fg.zeros(2, 3, 4).transpose_(0, 2).shape
    torch.Size([4, 3, 2])
    """
    return _reshaped(self, "transpose_", _shape.transpose, dim0, dim1)


def swapaxes_(self: Tensor, axis0: int, axis1: int) -> Tensor:
    """``transpose_(axis0, axis1)`` (``torch.Tensor.swapaxes_``)."""
    return _reshaped(self, "swapaxes_", _shape.transpose, axis0, axis1)


def swapdims_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """``transpose_(dim0, dim1)`` (``torch.Tensor.swapdims_``)."""
    return _reshaped(self, "swapdims_", _shape.transpose, dim0, dim1)


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim`` in place (``torch.Tensor.unsqueeze_``).

    >>> import funcgrad as fg
    >>> fg.zeros(2, 3).unsqueeze_(-1).shape
    torch.Size([2, 3, 1])
    """
    return _reshaped(self, "unsqueeze_", _shape.unsqueeze, dim)


def squeeze_(self: Tensor, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1 (all, or those of ``dim``) in place (``torch.Tensor.squeeze_``)."""
    return _reshaped(self, "squeeze_", _shape.squeeze, dim)


def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """Give this tensor the shape ``sizes`` in place (``torch.Tensor.resize_``): its elements in order, cut off
    when the new shape is smaller, and zeros after them when it is larger (where PyTorch leaves the new memory
    uninitialized). A tensor that requires grad cannot be resized, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.arange(4.0).resize_(2, 3)
    tensor([[0., 1., 2.],
            [3., 0., 0.]])
    """
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = tuple(int(n) for n in (sizes[0] if len(sizes) == 1 and not isinstance(sizes[0], int) else sizes))
    if any(n < 0 for n in shape):
        raise RuntimeError(f"resize_: negative dimension in size {list(shape)}")
    flat = fnp.reshape(_raw(self), (-1,))
    n, have = int(np.prod(shape, dtype=np.int64)), self.numel()
    if n < have:
        flat = flat[:n]
    elif n > have:
        flat = fnp.concatenate([flat, fnp.zeros((n - have,), dtype=flat.dtype)])
    return _rebind(self, fnp.reshape(flat, shape), "resize_")


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """Fill the main diagonal with ``fill_value`` in place (``torch.Tensor.fill_diagonal_``): of a matrix, or of
    a tensor whose dimensions all have one length; ``wrap=True`` starts the diagonal again below a tall matrix's
    square top (after one row of gap), as in PyTorch and NumPy's ``fill_diagonal``. The gradient flows to the
    other elements.

    >>> import funcgrad as fg
    >>> fg.zeros(2, 3).fill_diagonal_(5.0)
    tensor([[5., 0., 0.],
            [0., 5., 0.]])
    """
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    _check_inplace(self, "fill_diagonal_")
    mask = np.zeros(tuple(self.shape), dtype=bool)  # positions only: made on the host, moved with the value
    np.fill_diagonal(mask, True, wrap=wrap)
    v = _raw(self)
    mask = to_device(mask, device_of(v)) if device_of(v) != "cpu" else mask
    value = fnp.asarray(fill_value, dtype=self.dtype) if not hasattr(fill_value, "dtype") else fill_value
    return _rebind(self, fnp.where(mask, value, v), "fill_diagonal_")


for _f in (transpose_, swapaxes_, swapdims_, unsqueeze_, squeeze_, resize_, fill_diagonal_):
    setattr(Tensor, _f.__name__, _f)
