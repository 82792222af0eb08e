"""Operators of the Tensor façade: Python's operators and indexing, as PyTorch users expect them.

Every operator calls the ``funcgrad.numpy`` function of the same meaning with Tensor arguments; the primitives
unwrap the Tensors, compute (recording on the Tensor graph when needed) and wrap the result.
"""
from __future__ import annotations

from typing import Any

from .. import numpy as fnp
from ..core import Box
from .promotion import promote, tensor_value
from .tensor import Tensor, _make, _mode, _strip_graph

__all__: list = []


def _binop(fn, name: str, kinds: str = "biufc", int_to_float: bool = False, ordered: bool = False,
           promotes: bool = True):
    # Operators unwrap and wrap themselves (self is known to be a Tensor) and hand a recorded value straight to
    # the primitive's binding: one dispatch instead of two, on the hot path of Tensor code. Operands whose dtypes
    # NumPy would promote as PyTorch does (the same dtype; a number of the tensor's category or lower) skip the
    # promotion; the others are cast to PyTorch's result type first (see promotion.py). ``kinds``: the dtype kinds
    # for which that holds (true division of integers gives floats, complex numbers are not ordered).
    call = fn.__call__
    bind = fn._bind
    empty: dict = {}  # never mutated: nodes keep it as their (empty) parameters
    new = object.__new__

    def op(self, other):
        enabled = _mode.enabled
        a = self._v if enabled else _strip_graph(self._v)
        to = type(other)
        ad = a.dtype
        if to is Tensor:
            other = other._v if enabled else _strip_graph(other._v)
            fast = other.dtype is ad
        elif isinstance(other, Tensor):  # a subclass (Parameter)
            other = tensor_value(other._v if enabled else _strip_graph(other._v))
            fast = False
        else:
            fast = to is int or to is bool or (to is float or to is complex and not ordered) and ad.kind in "fc"
        if promotes and (not fast or ad.kind not in kinds):
            o = tensor_value(other) if to is Tensor else other  # a Tensor's NumPy scalar is no Python number
            a, other = promote(name, tensor_value(a), o, int_to_float, ordered)
        if enabled:
            t = new(Tensor)  # _make, inlined
            t._v = bind((a, other), empty) if type(a) is Box else call(a, other)
            t.grad = None
            return t
        return _make(fn(a, other))

    def rop(self, other):  # other is not a Tensor (or a subclass that defers to this one): Python tried it first
        a = self._v if _mode.enabled else _strip_graph(self._v)
        to = type(other)
        if isinstance(other, Tensor):
            other = tensor_value(other._v if _mode.enabled else _strip_graph(other._v))
        kind = a.dtype.kind
        fast = to is int or to is bool or (to is float or to is complex and not ordered) and kind in "fc"
        if promotes and (not fast or kind not in kinds):
            other, a = promote(name, other, tensor_value(a), int_to_float, ordered)
        return _make(fn(other, a))

    return op, rop


for _name, _fn, _kinds in [("add", fnp.add, "biufc"), ("sub", fnp.subtract, "biufc"), ("mul", fnp.multiply, "biufc"),
                           ("truediv", fnp.divide, "fc"), ("pow", fnp.power, "biufc"), ("mod", fnp.mod, "biufc"),
                           ("floordiv", fnp.floor_divide, "biufc")]:
    _op, _rop = _binop(_fn, _name, _kinds, int_to_float=_name == "truediv")
    setattr(Tensor, f"__{_name}__", _op)
    setattr(Tensor, f"__r{_name}__", _rop)

# matmul keeps NumPy's promotion (PyTorch refuses mixed dtypes there instead of promoting)
Tensor.__matmul__, Tensor.__rmatmul__ = _binop(fnp.matmul, "matmul", promotes=False)

for _name, _fn in [("lt", fnp.less), ("le", fnp.less_equal), ("gt", fnp.greater), ("ge", fnp.greater_equal),
                   ("eq", fnp.equal), ("ne", fnp.not_equal)]:
    _ordered = _name not in ("eq", "ne")
    setattr(Tensor, f"__{_name}__", _binop(_fn, _name, "biuf" if _ordered else "biufc", ordered=_ordered)[0])

Tensor.__neg__ = lambda self: fnp.negative(self)
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = lambda self: fnp.absolute(self)
Tensor.__invert__ = lambda self: fnp.logical_not(self)
Tensor.__and__ = lambda self, o: fnp.logical_and(self, o)
Tensor.__or__ = lambda self, o: fnp.logical_or(self, o)
Tensor.__xor__ = lambda self, o: fnp.logical_xor(self, o)


def _index(idx: Any) -> Any:
    """Tensors used as indices become their (untraced) values."""
    if isinstance(idx, Tensor):
        return _strip_graph(idx._v)
    if isinstance(idx, tuple):
        return tuple(_index(i) for i in idx)
    return idx


def _getitem(self: Tensor, idx: Any) -> Tensor:
    return fnp.getitem(self, _index(idx))


def _check_inplace(t: Tensor, what: str) -> None:
    if t.requires_grad and t.is_leaf and _mode.enabled:
        raise RuntimeError(f"a leaf Variable that requires grad is being used in an in-place operation "
                           f"({what}); wrap it in funcgrad.no_grad() or work on a clone")


def _unwrap_inplace(t: Tensor) -> Any:
    return t._v if _mode.enabled else _strip_graph(t._v)


Tensor.__getitem__ = _getitem
Tensor.T = property(lambda self: fnp.transpose(self))
Tensor.mT = property(lambda self: fnp.swapaxes(self, -1, -2))
