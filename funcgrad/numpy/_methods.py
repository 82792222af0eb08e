"""Operators and array methods of traced values, attached to :class:`funcgrad.core.Box`.

They call the same ``funcgrad.numpy`` functions a user would, so ``x.sum(axis=0)`` inside ``grad`` means exactly
``fnp.sum(x, axis=0)``, and the same code runs untraced on plain arrays.
"""
from __future__ import annotations

from ..core import Box, Primitive
from ._dispatch import numpy_equivalent, ufunc_call

_NO_PARAMS: dict = {}  # shared, never written: the params of an operator call
import sys as _sys


def _fnp():
    return _sys.modules["funcgrad.numpy"]


def _install() -> None:
    fnp = _fnp()

    def binop(name: str, fn_name: str):
        fn = getattr(fnp, fn_name, None)
        if fn is None:  # a family that is not there: keep the name resolvable later
            def op(self, other):
                return getattr(fnp, fn_name)(self, other)

            def rop(self, other):
                return getattr(fnp, fn_name)(other, self)
        elif isinstance(fn, Primitive):
            bind = fn._bind  # self is traced: skip the untraced fast-path test

            def op(self, other):
                return bind((self, other), _NO_PARAMS)

            def rop(self, other):
                return bind((other, self), _NO_PARAMS)
        else:
            def op(self, other):
                return fn(self, other)

            def rop(self, other):
                return fn(other, self)

        op.__name__, rop.__name__ = f"__{name}__", f"__r{name}__"
        setattr(Box, f"__{name}__", op)
        setattr(Box, f"__r{name}__", rop)

    for name, fn_name in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "divide"),
                          ("pow", "power"), ("matmul", "matmul"), ("mod", "mod"), ("floordiv", "floor_divide"),
                          ("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"),
                          ("lshift", "left_shift"), ("rshift", "right_shift")]:
        binop(name, fn_name)
    for name, fn_name in [("lt", "less"), ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal"),
                          ("eq", "equal"), ("ne", "not_equal")]:
        setattr(Box, f"__{name}__", (lambda fn: lambda self, other: getattr(fnp, fn)(self, other))(fn_name))
    Box.__neg__ = lambda self: fnp.negative(self)
    Box.__pos__ = lambda self: self
    Box.__abs__ = lambda self: fnp.absolute(self)
    Box.__invert__ = lambda self: fnp.invert(self)
    Box.__getitem__ = lambda self, idx: fnp.getitem(self, idx)

    Box._numpy_dispatch = (numpy_equivalent, ufunc_call)

    def method(name: str, fn_name: str | None = None):
        fn_name = fn_name or name

        def m(self, *args, **kwargs):
            return getattr(fnp, fn_name)(self, *args, **kwargs)

        m.__name__ = name
        m.__doc__ = f"Same as ``funcgrad.numpy.{fn_name}(x, ...)``."
        if name in Box.__slots__:
            raise AssertionError(f"Box method {name} would hide the core's slot of that name")
        setattr(Box, name, m)

    for name in ["sum", "mean", "prod", "max", "min", "var", "std", "cumsum", "cumprod", "ravel", "squeeze",
                 "swapaxes", "dot", "clip", "round", "argmax", "argmin", "diagonal", "trace", "repeat", "take",
                 "all", "any", "nonzero", "argsort", "sort"]:
        if hasattr(fnp, name):
            method(name)

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = shape[0]
        return fnp.reshape(self, shape, order=order)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], int)):
            axes = axes[0]
        return fnp.transpose(self, axes if axes else None)

    def astype(self, dtype, copy=True):
        return fnp.astype(self, dtype)

    Box.reshape = reshape
    Box.transpose = transpose
    Box.astype = astype
    Box.flatten = lambda self, order="C": fnp.ravel(self, order=order)
    Box.copy = lambda self: self  # traced values are immutable: a copy is the value itself
    Box.T = property(lambda self: fnp.transpose(self))
    Box.mT = property(lambda self: fnp.swapaxes(self, -1, -2))
    Box.at = property(lambda self: fnp.at(self))
    Box.real = property(lambda self: fnp.real(self))
    Box.imag = property(lambda self: fnp.imag(self))
    Box.conj = Box.conjugate = lambda self: fnp.conj(self)
