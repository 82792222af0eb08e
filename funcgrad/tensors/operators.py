"""Operators of the Tensor façade: Python's operators and indexing, as PyTorch users expect them.

Every operator calls the ``funcgrad.numpy`` function of the same meaning with Tensor arguments; the primitives
unwrap the Tensors, compute (recording on the Tensor graph when needed) and wrap the result.
"""
from __future__ import annotations

from typing import Any

from .. import numpy as fnp
from ..core import Box
from .tensor import Tensor, _make, _mode, _strip_graph

__all__: list = []


def _binop(fn):
    # Operators unwrap and wrap themselves (self is known to be a Tensor) and hand a recorded value straight to
    # the primitive's binding: one dispatch instead of two, on the hot path of Tensor code.
    call = fn.__call__
    bind = fn._bind
    empty: dict = {}  # never mutated: nodes keep it as their (empty) parameters
    new = object.__new__

    def op(self, other):
        if _mode.enabled:
            a = self._v
            if type(other) is Tensor:
                other = other._v
            t = new(Tensor)  # _make, inlined
            t._v = bind((a, other), empty) if type(a) is Box else call(a, other)
            t.grad = None
            return t
        if type(other) is Tensor:
            other = _strip_graph(other._v)
        return _make(fn(_strip_graph(self._v), other))

    def rop(self, other):
        a = self._v if _mode.enabled else _strip_graph(self._v)
        if type(other) is Tensor:
            other = other._v if _mode.enabled else _strip_graph(other._v)
        return _make(fn(other, a))

    return op, rop


for _name, _fn in [("add", fnp.add), ("sub", fnp.subtract), ("mul", fnp.multiply), ("truediv", fnp.divide),
                   ("pow", fnp.power), ("matmul", fnp.matmul), ("mod", fnp.mod), ("floordiv", fnp.floor_divide)]:
    _op, _rop = _binop(_fn)
    setattr(Tensor, f"__{_name}__", _op)
    setattr(Tensor, f"__r{_name}__", _rop)

for _name, _fn in [("lt", fnp.less), ("le", fnp.less_equal), ("gt", fnp.greater), ("ge", fnp.greater_equal),
                   ("eq", fnp.equal), ("ne", fnp.not_equal)]:
    setattr(Tensor, f"__{_name}__", _binop(_fn)[0])

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
