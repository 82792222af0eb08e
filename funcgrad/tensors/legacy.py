"""PyTorch's legacy typed constructors (``torch.FloatTensor(2, 3)``, ``torch.LongTensor([1, 2])`` ...),
``Tensor.type()``, ``Tensor.is_cuda`` and ``torch.logspace``.

A legacy constructor takes sizes (ints or a ``Size``: a tensor of that shape, zero-filled where PyTorch leaves it
uninitialised) or data (a sequence, an array, a Tensor: a copy of that dtype). ``isinstance(t, fg.FloatTensor)`` is
true for float32 tensors, as in PyTorch.

>>> import funcgrad as fg
>>> fg.FloatTensor(2, 3).shape, fg.LongTensor([1, 2]), fg.ones(2).type()
(torch.Size([2, 3]), tensor([1, 2]), 'torch.FloatTensor')
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..backend import dtype_of
from ..testing import compare as _compare
from .copies import _finish, _number, _size
from .creation import default_generator
from .dtypes import as_dtype
from .size import Size
from .tensor import Tensor, get_default_dtype, tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
           "ByteTensor", "BoolTensor", "logspace", "layout", "strided"]

_NAMES = {"FloatTensor": np.float32, "DoubleTensor": np.float64, "HalfTensor": np.float16,
          "LongTensor": np.int64, "IntTensor": np.int32, "ShortTensor": np.int16, "CharTensor": np.int8,
          "ByteTensor": np.uint8, "BoolTensor": np.bool_, "ComplexFloatTensor": np.complex64,
          "ComplexDoubleTensor": np.complex128}
_BY_DTYPE = {np.dtype(d): name for name, d in _NAMES.items()}


def _is_sizes(args: tuple) -> bool:
    if len(args) == 1 and isinstance(args[0], Size):
        return True
    try:
        [operator.index(a) for a in args]
    except TypeError:
        return False
    return not any(isinstance(a, (Tensor, np.ndarray)) for a in args)


class _LegacyMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


class _LegacyTensor(metaclass=_LegacyMeta):
    dtype: Any = None

    def __new__(cls, *args: Any, device: Any = None) -> Tensor:
        if not args or _is_sizes(args):
            shape = _size(args, cls.__name__) if args else (0,)
            return _finish(np.zeros(shape, cls.dtype.dtype), device, False)
        if len(args) != 1:
            raise TypeError(f"{cls.__name__}(): expected sizes (ints) or one sequence of data, got {len(args)} "
                            f"arguments")
        data = args[0]
        if isinstance(data, Tensor):
            if data.dtype != cls.dtype:  # PyTorch refuses to convert here too
                raise TypeError(f"{cls.__name__}(): expected a tensor of dtype {cls.dtype}, got {data.dtype}; "
                                f"use .to({cls.dtype}) or .type({cls.__name__})")
            data = data.detach()
        return tensor(data, dtype=cls.dtype, device=device)


def _legacy(name: str) -> type:
    doc = (f"``torch.{name}``: ``{name}(*sizes)`` is a zero-filled {np.dtype(_NAMES[name]).name} tensor of that "
           f"shape, ``{name}(data)`` a copy of ``data`` as {np.dtype(_NAMES[name]).name}.")
    return _LegacyMeta(name, (_LegacyTensor,), {"dtype": as_dtype(_NAMES[name]), "__doc__": doc,
                                                "__module__": __name__})


FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor = (
    _legacy(n) for n in ("FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
                         "CharTensor", "ByteTensor", "BoolTensor"))
ComplexFloatTensor, ComplexDoubleTensor = _legacy("ComplexFloatTensor"), _legacy("ComplexDoubleTensor")
_CLASSES = {c.__name__: c for c in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor,
                                     CharTensor, ByteTensor, BoolTensor, ComplexFloatTensor, ComplexDoubleTensor)}


def _type(self: Tensor, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
    """``t.type()``: the legacy type name (``'torch.FloatTensor'``, ``'torch.cuda.FloatTensor'`` on a GPU);
    ``t.type(dtype)`` casts (a dtype, a name such as ``'torch.DoubleTensor'``, or a legacy class) and returns
    ``t`` itself when it has that dtype already.

    >>> import funcgrad as fg
    >>> fg.ones(2).type(fg.float64).dtype, fg.ones(2).type('torch.LongTensor').dtype
    (torch.float64, torch.int64)
    """
    if dtype is None:
        name = _BY_DTYPE.get(np.dtype(dtype_of(self._v)), "Tensor")
        return f"torch.cuda.{name}" if self.is_cuda else f"torch.{name}"
    if isinstance(dtype, str):
        key = dtype.split(".")[-1]
        if key not in _NAMES:
            raise ValueError(f"Tensor.type: invalid type {dtype!r}; expected a name such as 'torch.FloatTensor'")
        dtype = _NAMES[key]
    elif isinstance(dtype, _LegacyMeta):
        dtype = dtype.dtype
    return self if self.dtype == dtype else self.to(as_dtype(dtype))


def _is_cuda(self: Tensor) -> bool:
    """Whether the values live on a CUDA device (``Tensor.is_cuda``)."""
    return self.device.type == "cuda"


Tensor.type = _type


def _testing_tensor(values: Any, device: Any, requires_grad: bool) -> Tensor:
    return _finish(values, device, requires_grad)


# torch.testing.make_tensor lives below this layer (testing/compare.py): give it Tensors and the default generator
_compare.HOOKS.update(tensor=_testing_tensor, rng=lambda: default_generator._rng)
Tensor.is_cuda = property(_is_cuda)
Tensor.is_cpu = property(lambda self: self.device.type == "cpu", doc="Whether the values live on the CPU.")


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, out: Any = None, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in the exponent, of the default
    float dtype (``torch.logspace``).

    >>> import funcgrad as fg
    >>> fg.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    if out is not None:
        raise TypeError("funcgrad.logspace: out= is not supported, funcgrad tensors hold immutable arrays; use the "
                        "returned tensor instead")
    start, end = _number(start, "logspace", "start"), _number(end, "logspace", "end")
    (steps,) = _size((steps,), "logspace")
    dt = np.dtype(get_default_dtype() if dtype is None else dtype)
    work = np.complex128 if dt.kind == "c" else np.float64  # exact exponents first, then one rounding to dt
    vals = np.power(np.asarray(base, work), np.linspace(start, end, steps, dtype=work))
    return _finish(vals.astype(dt), device, requires_grad)


# --- layout and legacy Tensor attributes ------------------------------------------------------------------------
class layout:  # noqa: N801  (torch.layout)
    """A memory layout (``torch.layout``); funcgrad tensors are dense, so :data:`strided` is the only one."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self) -> tuple:
        return self._name  # pickled by reference: the module's global of that name


#: The dense layout, every Tensor's (``torch.strided``).
strided = layout("strided")


def _new(self: Tensor, *args: Any, device: Any = None) -> Tensor:
    """The legacy constructor with this tensor's dtype (and device): ``t.new(2, 3)`` or ``t.new(Size)`` a new tensor
    of that shape (zeros, where PyTorch leaves it uninitialized), ``t.new(data)`` the data, ``t.new()`` an empty
    one (``torch.Tensor.new``).

    >>> import funcgrad as fg
    >>> fg.zeros(2, dtype=fg.float64).new([1, 2])
    tensor([1., 2.], dtype=torch.float64)
    """
    dev = self.device if device is None else device
    if not args:
        return self.new_zeros((0,), device=dev)
    if _is_sizes(args):
        return self.new_zeros(tuple(args[0]) if isinstance(args[0], Size) else tuple(int(a) for a in args),
                              device=dev)
    if len(args) != 1:
        raise TypeError("new(): expected sizes (ints) or one data argument")
    return self.new_tensor(args[0], device=dev)


def _sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """Sum this tensor down to ``size``, to which it must be broadcastable (``torch.Tensor.sum_to_size``).

    >>> import funcgrad as fg
    >>> fg.ones(2, 3).sum_to_size(1, 3)
    tensor([[2., 2., 2.]])
    """
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    have = tuple(self.shape)
    lead = len(have) - len(shape)
    if lead < 0 or any(s != 1 and s != h for s, h in zip(shape, have[lead:])):
        raise RuntimeError(f"size {list(shape)} is not expandable to size {list(have)}")
    out = self.sum(dim=tuple(range(lead))) if lead else self
    dims = tuple(i for i, (s, h) in enumerate(zip(shape, have[lead:])) if s == 1 and h != 1)
    return out.sum(dim=dims, keepdim=True) if dims else out


Tensor.new = _new
Tensor.sum_to_size = _sum_to_size
Tensor.nelement = lambda self: self.numel()
Tensor.nelement.__doc__ = "The number of elements (``torch.Tensor.nelement``, an alias of ``numel``)."
Tensor.ndimension = lambda self: self.dim()
Tensor.ndimension.__doc__ = "The number of dimensions (``torch.Tensor.ndimension``, an alias of ``dim``)."
Tensor.is_sparse = property(lambda self: False, doc="False: funcgrad tensors are dense (``Tensor.is_sparse``).")
Tensor.layout = property(lambda self: strided, doc="``torch.strided``, every funcgrad tensor's layout.")
Tensor.pin_memory = lambda self, device=None: self.clone()
Tensor.pin_memory.__doc__ = ("A copy of this tensor (``torch.Tensor.pin_memory``): host memory needs no pinning "
                             "here, and the copy keeps the graph as PyTorch's does.")
Tensor.is_pinned = lambda self, device=None: False
