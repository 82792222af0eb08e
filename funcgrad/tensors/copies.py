"""Copies and moves of tensors: ``Tensor.new_tensor``/``new_zeros``/``new_ones``/``new_empty``/``new_full``,
``clone``, ``contiguous``, ``to``, ``cpu``, ``cuda``, and DLPack exchange (``Tensor.__dlpack__``, ``from_dlpack``);
with the helpers that put a new value on a device as a Tensor, which creation.py builds on.

Importing this module attaches the methods to :class:`Tensor` (creation.py imports it, and re-exports
``from_dlpack``). A dtype change or a move is recorded, so gradients flow back through ``to`` and ``clone``.

>>> import funcgrad as fg
>>> x = fg.tensor([1.0, 2.0])
>>> x.new_zeros(2, 1).shape, x.clone().to("cpu").tolist()
(torch.Size([2, 1]), [1.0, 2.0])
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace
from ..core import getval
from ..primitives.devices import _put
from .device import _target, _to_device
from .tensor import Tensor, _as_value, _strip_graph, _unwrap

__all__ = ["from_dlpack"]


# --- arguments and results --------------------------------------------------------------------------------------
def _size(size: tuple, op: str) -> tuple:
    """PyTorch's size arguments: ``f(2, 3)`` or ``f((2, 3))`` / ``f([2, 3])``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        size = tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(f"funcgrad.{op}: size must be integers, given as f(2, 3) or f((2, 3)); got "
                        f"{size!r}") from None
    if any(s < 0 for s in size):
        raise RuntimeError(f"funcgrad.{op}: trying to create tensor with negative dimension in size {size}")
    return size


def _number(x: Any, op: str, what: str) -> Any:
    if isinstance(x, Tensor):
        if x.numel() != 1:
            raise ValueError(f"funcgrad.{op}: {what} must be a number or a one-element tensor, got shape {x.shape}")
        return x.item()
    return x


def _finish(value: Any, device: Any, requires_grad: bool) -> Tensor:
    """``value`` as a new Tensor on ``device`` (None: the default device), a leaf when ``requires_grad``."""
    t = Tensor._from_value(_to_device(value, device))
    if requires_grad:
        t.requires_grad_(True)
    return t


# --- Tensor.new_* -------------------------------------------------------------------------------------------------
def _new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
                requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (detached), with this tensor's dtype and device unless given."""
    v = getval(_strip_graph(data._v)) if isinstance(data, Tensor) else data
    v = _as_value(v, self.dtype if dtype is None else dtype)
    v = namespace(v).array(v, copy=True)
    return _finish(v, device if device is not None else (None if self.device == "cpu" else self.device),
                   requires_grad)


def _new_const(fill: str):
    def method(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
        size = _size(size, f"Tensor.new_{fill}")
        dt = self.dtype if dtype is None else np.dtype(dtype)
        dev = device if device is not None else (None if self.device == "cpu" else self.device)
        return _finish(getattr(np, fill)(size, dtype=dt), dev, requires_grad)

    method.__name__ = f"new_{fill}"
    method.__doc__ = f"A new tensor of {fill} of the given size, with this tensor's dtype and device unless given."
    return method


def _new_full(self: Tensor, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """A new tensor filled with ``fill_value``, with this tensor's dtype and device unless given."""
    size = _size((size,) if isinstance(size, (tuple, list)) else (size,), "Tensor.new_full")
    dt = self.dtype if dtype is None else np.dtype(dtype)
    dev = device if device is not None else (None if self.device == "cpu" else self.device)
    return _finish(np.full(size, _number(fill_value, "Tensor.new_full", "fill_value"), dtype=dt), dev,
                   requires_grad)


Tensor.new_tensor = _new_tensor
Tensor.new_zeros = _new_const("zeros")
Tensor.new_ones = _new_const("ones")
Tensor.new_empty = _new_const("empty")
Tensor.new_full = _new_full


# --- copies, devices and dtypes -----------------------------------------------------------------------------------
def _clone(self: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy that stays in the graph: gradients flow through it to this tensor (``torch.Tensor.clone``).

    >>> import funcgrad as fg
    >>> x = fg.tensor([1.0], requires_grad=True)
    >>> y = x.clone(); y.is_leaf, y.requires_grad
    (False, True)
    """
    # a cast to the same dtype is a recorded identity that copies, whatever the dtype
    return fnp.astype(self, self.dtype)


def _contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    """This tensor (funcgrad has no strided views to compact)."""
    return self


def _parse_to(args: tuple, kwargs: dict) -> tuple:
    device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"Tensor.to: unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, bool):  # to(dtype, non_blocking, copy) positional flags
            continue
        elif isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "mps", "meta", "xpu"):
            device = a
        elif a is not None:
            try:
                dtype = np.dtype(a)
            except TypeError:
                device = a  # a device object: _to_device reads its str()
    return device, dtype, copy


def _to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """This tensor on another device and/or of another dtype (``torch.Tensor.to``); itself when nothing changes.
    The dtype conversion is recorded (gradients flow back through floating casts).

    >>> import numpy as np, funcgrad as fg
    >>> fg.tensor([1.0]).to(np.float64).dtype
    torch.float64
    """
    device, dtype, copy = _parse_to(args, dict(kwargs))
    out = self
    if dtype is not None and np.dtype(dtype) != self.dtype:
        out = fnp.astype(self, dtype)
    elif copy:
        out = _clone(self)
    if device is not None:
        target = _target(device)
        if target != str(out.device):  # a recorded move: the gradient goes back to this tensor's device
            out = Tensor._from_value(_put(_unwrap(out), device=target))
    return out


def _cpu(self: Tensor, memory_format: Any = None) -> Tensor:
    """This tensor in host memory (itself when it already is)."""
    return _to(self, "cpu")


def _cuda(self: Tensor, device: Any = None, non_blocking: bool = False, memory_format: Any = None) -> Tensor:
    """This tensor on a CUDA GPU (the current one, or ``device``); raises a clear error where CuPy or a GPU is
    missing. Gradients flow back to the original device."""
    name = "cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else str(device))
    return _to(self, name)


Tensor.clone = _clone
Tensor.contiguous = _contiguous
Tensor.to = _to
Tensor.cpu = _cpu
Tensor.cuda = _cuda


# --- DLPack -------------------------------------------------------------------------------------------------------
def _dlpack(self: Tensor, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
            copy: Any = None) -> Any:
    """Export the values through DLPack without copying (``torch.Tensor.__dlpack__``); no gradient."""
    if self.requires_grad:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    v = getval(self._v)
    kw = {k: x for k, x in (("stream", stream), ("max_version", max_version), ("dl_device", dl_device),
                            ("copy", copy)) if x is not None}
    return v.__dlpack__(**kw)


def _dlpack_device(self: Tensor) -> tuple:
    return getval(self._v).__dlpack_device__()


Tensor.__dlpack__ = _dlpack
Tensor.__dlpack_device__ = _dlpack_device

_DL_CPU = 1


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing memory with any object that speaks DLPack: a PyTorch tensor, a NumPy, CuPy or JAX array
    (``torch.from_dlpack``). No copy is made and no gradient flows back to the source.

    >>> import numpy as np, funcgrad as fg
    >>> a = np.arange(3.0)
    >>> np.shares_memory(fg.from_dlpack(a).numpy(), a)
    True
    """
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(f"funcgrad.from_dlpack: {type(ext_tensor).__name__} does not support DLPack (it has no "
                        f"__dlpack__ method)")
    if isinstance(ext_tensor, Tensor):
        return ext_tensor.detach()
    dev = ext_tensor.__dlpack_device__()[0]
    if dev == _DL_CPU:
        return Tensor._from_value(np.from_dlpack(ext_tensor))
    try:
        import cupy
    except ImportError:
        raise RuntimeError(f"funcgrad.from_dlpack: the data lives on a device (DLPack device type {dev}) that "
                           f"funcgrad reaches through CuPy, which is not installed") from None
    return Tensor._from_value(cupy.from_dlpack(ext_tensor))
