"""``torch.nn.Parameter`` and ``torch.nn.Buffer``: the tensors a :class:`funcgrad.nn.Module` registers.

A :class:`Parameter` is a :class:`funcgrad.Tensor` subclass: a leaf that requires grad (unless told otherwise) and
that a module registers when it is assigned as an attribute. Operations on Parameters give plain Tensors, and the
gradients of ``backward`` land in the Parameter's ``.grad``, as in PyTorch. The Tensor face's operators take a fast
path for exact Tensors; a Parameter sends its operands down that same path as plain Tensors over the same values
(a plain Tensor over a Parameter's value is the same graph leaf, so gradients still reach the Parameter), and the
engine knows the class as an array wrapper, so ``funcgrad.numpy`` functions accept it.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> w = nn.Parameter(fg.ones(2))
>>> y = (w * w).sum()
>>> type(y).__name__, isinstance(w, nn.Parameter), w.is_leaf
('Tensor', True, True)
>>> y.backward(); w.grad
tensor([2., 2.])
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..backend import namespace, to_host
from ..core import getval
from ..core.primitive import register_array_wrapper
from ..tensors.tensor import Tensor, _as_value, _default_dtype, _strip_graph, _unwrap, _wrap, tensor

__all__ = ["Parameter", "Buffer"]

_new = object.__new__

# the binary operators whose Tensor implementations test ``type(other) is Tensor`` (their fast path)
_BINARY = ("add", "sub", "mul", "truediv", "pow", "matmul", "mod", "floordiv")
_COMPARE = ("lt", "le", "gt", "ge", "eq", "ne")


def _value_of(data: Any) -> Any:
    """The untraced array a Parameter or Buffer made from ``data`` holds (the default dtype's empty for None)."""
    if data is None:
        return np.zeros(0, dtype=_default_dtype[0])
    if isinstance(data, Tensor):
        return _strip_graph(data._v)
    return _as_value(data)


def _plain(x: Any) -> Any:
    """A Parameter as a plain Tensor over the same value (the same graph leaf); anything else as it is."""
    if isinstance(x, Tensor) and type(x) is not Tensor:
        t = _new(Tensor)
        t._v = x._v
        t.grad = None
        return t
    return x


class Parameter(Tensor):
    """A tensor that is a module parameter (``torch.nn.Parameter``): a leaf, requiring grad unless
    ``requires_grad=False``, holding ``data``'s values (outside any graph). ``Parameter()`` is an empty one.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Parameter(fg.tensor([1.0, 2.0]))
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    >>> nn.Parameter(fg.zeros(1), requires_grad=False).requires_grad
    False
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        self._v = _value_of(data)
        self.grad = None
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo: dict) -> "Parameter":
        if id(self) in memo:
            return memo[id(self)]
        v = getval(self._v)
        out = Parameter(namespace(v).array(v, copy=True), requires_grad=self.requires_grad)
        memo[id(self)] = out
        if self.grad is not None:
            g = getval(self.grad._v)
            out.grad = Tensor._from_value(namespace(g).array(g, copy=True))
        return out

    def __reduce_ex__(self, protocol: Any) -> tuple:
        return (_rebuild_parameter, (to_host(getval(self._v)), self.requires_grad, str(self.device)))

    __hash__ = Tensor.__hash__


def _rebuild_parameter(value: Any, requires_grad: bool, device: str) -> Parameter:
    """A pickled Parameter, back (on its device)."""
    return Parameter(tensor(value, device=None if device == "cpu" else device), requires_grad=requires_grad)


def _install_operators(cls: type) -> None:
    """Give ``cls`` (a Tensor subclass) operators that hand their Tensor-subclass operands to Tensor's own
    operators as plain Tensors. Python tries a subclass's reflected operator first, so ``tensor * param`` comes
    here too, and Tensor's fast path always sees exact Tensors."""
    for name in _BINARY:
        for dunder in (f"__{name}__", f"__r{name}__"):
            setattr(cls, dunder, _forward_op(getattr(Tensor, dunder), dunder))
    for name in _COMPARE:
        dunder = f"__{name}__"
        setattr(cls, dunder, _forward_op(getattr(Tensor, dunder), dunder))


def _forward_op(op: Any, name: str) -> Any:
    def method(self: Tensor, other: Any) -> Any:
        return op(self, _plain(other))
    method.__name__ = method.__qualname__ = name
    return method


_install_operators(Parameter)
register_array_wrapper(Parameter, _unwrap, _wrap)  # funcgrad.numpy functions take Parameters, give Tensors

# --- Buffer -------------------------------------------------------------------------------------------------------
# torch.nn.Buffer marks a tensor to be registered as a buffer when assigned to a module. A Tensor has no room for
# a flag (its slots are fixed), so the marked tensors are kept here by id, weakly: id -> (weak ref, persistent).
_BUFFERS: dict = {}


def _forget(key: int) -> Any:
    return lambda ref: _BUFFERS.pop(key, None)


class _BufferMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        entry = _BUFFERS.get(id(obj))
        return entry is not None and entry[0]() is obj


class Buffer(metaclass=_BufferMeta):
    """A tensor that a module registers as a buffer when it is assigned as an attribute (``torch.nn.Buffer``):
    ``Buffer(data, persistent=True)`` returns a plain Tensor over ``data``'s values, marked as a buffer.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> m = nn.Module()
    >>> m.running = nn.Buffer(fg.zeros(2))
    >>> [name for name, _ in m.named_buffers()], isinstance(m.running, nn.Buffer)
    (['running'], True)
    """

    def __new__(cls, data: Any = None, *, persistent: bool = True) -> Tensor:  # type: ignore[misc]
        t = Tensor._from_value(_value_of(data))
        if isinstance(data, Tensor) and data.requires_grad:
            t.requires_grad_(True)
        key = id(t)
        _BUFFERS[key] = (weakref.ref(t, _forget(key)), bool(persistent))
        return t


def _buffer_persistence(t: Any) -> bool | None:
    """Whether ``t``, marked by :class:`Buffer`, is persistent (None: ``t`` is not marked)."""
    entry = _BUFFERS.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    return entry[1]

