"""Operators of the Tensor façade: Python's operators and indexing, as PyTorch users expect them.

Every operator calls the ``funcgrad.numpy`` function of the same meaning with Tensor arguments; the primitives
unwrap the Tensors, compute (recording on the Tensor graph when needed) and wrap the result.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import shape_of
from ..core import Box
from .promotion import promote, tensor_value
from .tensor import Tensor, _make, _mode, _strip_graph
from .views import record as _record

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

_POW = Tensor.__pow__


def _pow(self: Tensor, other: Any) -> Tensor:
    # x ** 0 stays on the graph with a zero gradient, as in PyTorch (the engine's rule for it is a symbolic zero,
    # which would leave x.grad None): a where with a false condition links it to x
    out = _POW(self, other)
    if (type(other) is int or type(other) is float) and other == 0 and type(self._v) is Box and _mode.enabled:
        return _make(fnp.where(False, self._v, out._v))
    return out


Tensor.__pow__ = _pow

# matmul keeps NumPy's promotion (PyTorch refuses mixed dtypes there instead of promoting)
Tensor.__matmul__, Tensor.__rmatmul__ = _binop(fnp.matmul, "matmul", promotes=False)

for _name, _fn in [("lt", fnp.less), ("le", fnp.less_equal), ("gt", fnp.greater), ("ge", fnp.greater_equal),
                   ("eq", fnp.equal), ("ne", fnp.not_equal)]:
    _ordered = _name not in ("eq", "ne")
    setattr(Tensor, f"__{_name}__", _binop(_fn, _name, "biuf" if _ordered else "biufc", ordered=_ordered)[0])

Tensor.__neg__ = lambda self: fnp.negative(self)
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = lambda self: fnp.absolute(self)


def bitwise(op: str, fn: Any, input: Any, other: Any) -> Tensor:
    """``fn`` (``fnp.bitwise_and``, ``fnp.left_shift`` ...) of ``input`` and ``other`` (Tensors or numbers) in
    PyTorch's result type: bitwise on integers, logical on bools (``&``, ``|``, ``^``); shifts take integers only.
    No gradient flows (integer and bool tensors never require one).

    >>> import funcgrad as fg
    >>> fg.tensor([6, 5]) & 3, fg.tensor([True, False]) | fg.tensor([False, False]), 1 << fg.tensor([2])
    (tensor([2, 1]), tensor([ True, False]), tensor([4]))
    """
    a = tensor_value(_strip_graph(input._v)) if isinstance(input, Tensor) else input
    b = tensor_value(_strip_graph(other._v)) if isinstance(other, Tensor) else other
    a, b = promote(op, a, b)
    kind = (a if hasattr(a, "dtype") else b).dtype.kind
    if kind not in ("iu" if "shift" in op else "biu"):
        name = {"b": "Bool", "f": "Float", "c": "Complex"}.get(kind, kind)
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{name}': {op} is only for integer"
                                  f"{'' if 'shift' in op else ' and boolean'} tensors; convert with .long() first")
    return _make(fn(a, b))


def _invert(self: Tensor) -> Tensor:
    if self.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return _make(fnp.invert(_strip_graph(self._v)))  # logical not for bool, two's complement for integers


Tensor.__invert__ = _invert
# bitwise on integers and logical on bools, as PyTorch (NumPy's logical_and would make bools of integers)
for _name, _op, _fn in [("and", "bitwise_and", fnp.bitwise_and), ("or", "bitwise_or", fnp.bitwise_or),
                        ("xor", "bitwise_xor", fnp.bitwise_xor), ("lshift", "bitwise_left_shift", fnp.left_shift),
                        ("rshift", "bitwise_right_shift", fnp.right_shift)]:
    setattr(Tensor, f"__{_name}__", lambda self, o, _op=_op, _fn=_fn: bitwise(_op, _fn, self, o))
    setattr(Tensor, f"__r{_name}__", lambda self, o, _op=_op, _fn=_fn: bitwise(_op, _fn, o, self))


def _index(idx: Any) -> Any:
    """Tensors used as indices become their (untraced) values."""
    if isinstance(idx, Tensor):
        return _strip_graph(idx._v)
    if isinstance(idx, tuple):
        return tuple(_index(i) for i in idx)
    return idx


_BASIC = {int, slice, type(None), type(Ellipsis)}


def _torch_layout(ndim: int, idx: Any) -> Any:
    """Where PyTorch puts the dimensions of an advanced index (lists, integer or bool arrays) that NumPy puts
    elsewhere: ``(position, block, result_ndim)``, or None where the two agree (the common case).

    PyTorch applies integer indices first, as basic indexing that removes their dimension, so only the array
    indices count as advanced: ``x[0, :, [1, 2]]`` of a (2, 3, 4) tensor is (3, 2), its one array index in place.
    NumPy counts the 0 as an advanced index too, separated from [1, 2] by the slice, and puts the advanced
    dimensions first: (2, 3). The two differ only there: where the integers and arrays are not adjacent but the
    arrays alone are; then NumPy's result has the ``block`` advanced dimensions first, PyTorch's at ``position``."""
    if type(idx) is not tuple:
        return None
    ints, arrays, before, consumed, extra, block = [], [], 0, 0, 0, 0
    ellipsis_at = None
    for k, i in enumerate(idx):
        t = type(i)
        if t is slice:
            consumed += 1
            extra += 1
        elif i is None:
            extra += 1
        elif i is Ellipsis:
            ellipsis_at = k
        elif t is int or isinstance(i, np.integer):
            ints.append(k)
            consumed += 1
        elif t is bool or isinstance(i, np.bool_):
            return None  # a bool scalar is an advanced index of its own kind: NumPy's rule stands
        else:
            a = i if hasattr(i, "ndim") and hasattr(i, "dtype") else np.asarray(i)
            if a.dtype.kind == "b":
                if a.ndim == 0:
                    return None
                arrays.append(k)
                consumed += a.ndim
                block = max(block, 1)
            elif a.ndim == 0:  # a 0-d integer tensor is an integer to PyTorch
                ints.append(k)
                consumed += 1
            else:
                arrays.append(k)
                consumed += 1
                block = max(block, a.ndim)
        if not arrays:  # result dimensions before the first array index
            before = extra
    if not ints or not arrays:
        return None
    both = sorted(ints + arrays)
    if both[-1] - both[0] + 1 == len(both):  # adjacent for NumPy: in place, where PyTorch puts them too
        return None
    first, last = arrays[0], arrays[-1]
    if any(k not in ints and k not in arrays for k in range(first, last + 1)):
        return None  # separated for PyTorch too: both put them first
    rest = ndim - consumed  # the dimensions an Ellipsis (or the end) stands for
    if ellipsis_at is not None and ellipsis_at < first:
        before += rest
    return (before, block, extra + rest + block) if before else None


def _getitem(self: Tensor, idx: Any) -> Tensor:
    # basic indexing (ints, slices, None, Ellipsis) gives a view, as in PyTorch (views.py); advanced indexing
    # gives a copy there too
    idx = _index(idx)
    out = fnp.getitem(self, idx)
    if type(idx) is tuple:
        for i in idx:
            if type(i) not in _BASIC:  # (a scan of basic indices costs less than the analysis)
                layout = _torch_layout(len(shape_of(self._v)), idx)
                if layout is not None:  # NumPy's advanced dimensions (first) moved to where PyTorch has them
                    at, n, _ = layout
                    out = fnp.moveaxis(out, tuple(range(n)), tuple(range(at, at + n)))
                return out
    elif type(idx) not in _BASIC:
        return out
    return _record(self, out, (fnp.getitem, idx))


def _torch_set_value(ndim: int, idx: Any, value: Any) -> Any:
    """``value`` of ``t[idx] = value`` (PyTorch's layout of the indexed result, see :func:`_torch_layout`) laid
    out for NumPy's rule, which the functional update follows: padded to the result's rank, the advanced
    dimensions moved first (differentiably, so gradients reach ``value``)."""
    vnd = len(shape_of(value))
    layout = _torch_layout(ndim, idx) if vnd else None  # a number or 0-d value broadcasts to either layout
    if layout is None:
        return value
    at, n, total = layout
    if vnd > total:  # more dimensions than the result: the update reports the mismatch
        return value
    if vnd < total:
        value = fnp.reshape(value, (1,) * (total - vnd) + tuple(shape_of(value)))
    return fnp.moveaxis(value, tuple(range(at, at + n)), tuple(range(n)))


def _check_inplace(t: Tensor, what: str) -> None:
    if t.requires_grad and t.is_leaf and _mode.enabled:
        raise RuntimeError(f"a leaf Variable that requires grad is being used in an in-place operation "
                           f"({what}); wrap it in funcgrad.no_grad() or work on a clone")


def _unwrap_inplace(t: Tensor) -> Any:
    return t._v if _mode.enabled else _strip_graph(t._v)


def _as_index(self: Tensor) -> int:
    # a tensor as a Python index (``labels[t.argmax()]``, ``range(t)``): integer and bool tensors of one element
    # only, as in PyTorch; a float one would silently truncate
    if self.dtype.kind not in "biu" or self.numel() != 1:
        raise TypeError("only integer tensors of a single element can be converted to an index")
    return int(self.item())


def _format(self: Tensor, format_spec: str) -> str:
    # PyTorch formats a 0-d tensor as its number (f"{loss:.4f}"); other tensors only with an empty spec
    if self.ndim == 0:
        return format(self.item(), format_spec)
    return object.__format__(self, format_spec)


Tensor.__index__ = _as_index
Tensor.__format__ = _format
Tensor.__getitem__ = _getitem
Tensor.T = property(lambda self: _record(self, fnp.transpose(self), (fnp.transpose,)))
Tensor.mT = property(lambda self: _record(self, fnp.swapaxes(self, -1, -2), (fnp.swapaxes, -1, -2)))
