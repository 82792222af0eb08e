"""PyTorch's operations over Tensors: ``funcgrad.tanh(t)``, ``funcgrad.cat([...])``, ``t.sum(dim, keepdim)``.

Each function here is a thin translation of PyTorch's signature (``dim``, ``keepdim``, ``correction`` ...) to the
``funcgrad.numpy`` function of the same meaning, called with Tensor arguments: the primitives unwrap the Tensors,
compute (recording on the Tensor graph when needed) and wrap the result. There is no derivative code here.

Where PyTorch's gradient convention differs from NumPy-style funcgrad's, the function is written so that the
gradient matches PyTorch's: ``max(dim)``/``min(dim)`` send the gradient to the one index they return (the full
reductions ``max()``/``amax`` split it evenly among ties, as PyTorch does), ``relu`` has gradient 0 at 0, ``clamp``
passes the gradient where ``min <= x <= max``, and ``norm`` has gradient 0 at the zero vector.

>>> import funcgrad as fg
>>> t = fg.tensor([[1.0, 5.0], [3.0, 2.0]])
>>> t.max(dim=1)
max(values=tensor([5., 3.]), indices=tensor([1, 0]))
>>> fg.cat([t, t], dim=0).shape
torch.Size([4, 2])
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import numpy as fnp
from .dtypes import as_dtype
from .promotion import can_cast, promote_types, result_type  # noqa: F401  (served at the top level from here)
from .tensor import Tensor, _as_value, _strip_graph

# --- dtypes ----------------------------------------------------------------------------------------------------
# NumPy dtype objects under PyTorch's names. ``bool``, ``int`` and ``float`` would shadow Python's builtins in this
# module, so they are served by the module's __getattr__ (star-import reads them through it) and never bound here.
_DTYPES = {
    "float16": np.dtype(np.float16), "half": np.dtype(np.float16),
    "float32": np.dtype(np.float32), "float": np.dtype(np.float32),
    "float64": np.dtype(np.float64), "double": np.dtype(np.float64),
    "complex64": np.dtype(np.complex64), "cfloat": np.dtype(np.complex64),
    "complex128": np.dtype(np.complex128), "cdouble": np.dtype(np.complex128),
    "uint8": np.dtype(np.uint8), "int8": np.dtype(np.int8),
    "int16": np.dtype(np.int16), "short": np.dtype(np.int16),
    "int32": np.dtype(np.int32), "int": np.dtype(np.int32),
    "int64": np.dtype(np.int64), "long": np.dtype(np.int64),
    "bool": np.dtype(np.bool_),
}
# PyTorch's dtype objects over those NumPy dtypes (dtypes.py): they print as ``torch.float32`` and equal NumPy's
_DTYPES = {k: as_dtype(v) for k, v in _DTYPES.items()}
_SHADOWING = {"bool", "int", "float"}
globals().update({k: v for k, v in _DTYPES.items() if k not in _SHADOWING})
# the dtype names, and PyTorch's promotion rules over them (promotion.py); the functions are in the family modules
__all__ = list(_DTYPES) + ["result_type", "promote_types", "can_cast"]


def __getattr__(name: str) -> Any:
    if name in _SHADOWING:
        return _DTYPES[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- helpers ---------------------------------------------------------------------------------------------------
def _t(x: Any) -> Tensor:
    """``x`` as a Tensor (Python data and arrays are wrapped, as PyTorch functions wrap them)."""
    return x if isinstance(x, Tensor) else Tensor._from_value(_as_value(x))


def _t_as(x: Any, dtype: Any) -> Tensor:
    """``x`` as a Tensor of ``dtype``: a Python number or list goes there directly (through the default float32 it
    would lose digits: 0.89 would not stay 0.89 in float64)."""
    if isinstance(x, Tensor):
        return x if x.dtype == dtype else fnp.astype(x, dtype)
    return Tensor._from_value(_as_value(x, dtype))


def _ix(x: Any) -> Any:
    """An index argument (gather's ``index``, a mask ...) as a value no gradient flows through."""
    if isinstance(x, Tensor):
        return _strip_graph(x._v)
    if isinstance(x, (list, tuple)):
        return np.asarray(x)
    return x


def _dims(dim: Any) -> Any:
    """PyTorch's ``dim`` (int, list, tuple or None) as NumPy's ``axis``."""
    if dim is None or isinstance(dim, builtins.int):
        return dim
    if isinstance(dim, (list, tuple)):
        return tuple(dim) if len(dim) else None
    return builtins.int(dim)


def _sizes(args: tuple) -> tuple:
    """``view(2, 3)`` and ``view((2, 3))`` both mean the shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        return tuple(args[0])
    return tuple(args)


def _norm_dim(dim: int, ndim: int, op: str) -> int:
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got "
                         f"{dim})")
    return dim % n


def _no_out(op: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"funcgrad.{op}: out= is not supported, funcgrad tensors are immutable; use the returned "
                        f"tensor instead")


def _scalar_like(x: Any) -> bool:
    return isinstance(x, (builtins.int, builtins.float, builtins.bool, np.number)) or x is None


def _method(fn):
    """``fn`` as a Tensor method (``t.name(...)`` is ``name(t, ...)``)."""
    def m(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    m.__name__ = m.__qualname__ = fn.__name__
    m.__doc__ = fn.__doc__
    return m


def _attach_methods(names: list, namespace: dict) -> None:
    """``Tensor.<name>`` for each of ``names`` PyTorch has as a method too, from the function in ``namespace``
    (where the Tensor has no such attribute yet)."""
    for name in names:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, _method(namespace[name]))


