"""Dtype conversion of Tensors: ``t.to(dtype)``, ``t.float()``, ``t.type(...)``, ``is_floating_point``, ``real``/``imag`` ..."""
from __future__ import annotations

import builtins
from typing import Any
import numpy as np
from .. import numpy as fnp
from .tensor import Tensor
from .ops import (_t)

__all__ = ['is_floating_point', 'is_complex', 'real', 'imag', 'conj', 'angle', 'is_tensor', 'numel']


# --- dtype conversion -------------------------------------------------------------------------------------------
def _convert(x: Tensor, dtype: Any) -> Tensor:
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    return fnp.astype(x, dtype)


def _is_dtype_name(s: str) -> bool:
    try:
        np.dtype(s)
        return True
    except TypeError:
        return False


def _type(self: Tensor, dtype: Any = None, non_blocking: bool = False) -> Any:
    """``t.type()``: the type name; ``t.type(dtype)``: converted to ``dtype``."""
    if dtype is None:
        return f"funcgrad.{self.dtype}"
    return _convert(self, dtype)


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` converted to ``other``'s dtype."""
    return _convert(self, _t(other).dtype)


def _conversion(dtype: Any, name: str):
    def conv(self: Tensor, memory_format: Any = None) -> Tensor:
        return _convert(self, dtype)
    conv.__name__ = conv.__qualname__ = name
    conv.__doc__ = f"``t.{name}()``: ``t.to({np.dtype(dtype)})``."
    return conv


def is_tensor(obj: Any) -> builtins.bool:
    """Whether ``obj`` is a funcgrad Tensor (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Any) -> builtins.bool:
    """Whether the tensor's dtype is a floating type (``torch.is_floating_point``)."""
    return _t(input).dtype.kind == "f"


def is_complex(input: Any) -> builtins.bool:
    """Whether the tensor's dtype is complex (``torch.is_complex``)."""
    return _t(input).dtype.kind == "c"


def numel(input: Any) -> builtins.int:
    """Number of elements (``torch.numel``)."""
    return _t(input).numel()


def real(input: Any) -> Tensor:
    """Real part (``torch.real``)."""
    return fnp.real(_t(input))


def imag(input: Any) -> Tensor:
    """Imaginary part (``torch.imag``)."""
    return fnp.imag(_t(input))


def conj(input: Any) -> Tensor:
    """Complex conjugate (``torch.conj``)."""
    return fnp.conj(_t(input))


def angle(input: Any) -> Tensor:
    """Elementwise argument of complex numbers (``torch.angle``)."""
    return fnp.angle(_t(input))
