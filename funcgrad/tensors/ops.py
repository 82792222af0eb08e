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
(4, 2)
"""
from __future__ import annotations

import builtins
import collections
import math
from typing import Any, Sequence

import numpy as np

from . import numpy as fnp
from .backend import to_host
from .core import Box, Primitive, getval
from .scipy import special as _special
from .tensor import Tensor, _as_value, _make, _mode, _strip_graph, _unwrap

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
_SHADOWING = {"bool", "int", "float"}
globals().update({k: v for k, v in _DTYPES.items() if k not in _SHADOWING})


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


# --- math ------------------------------------------------------------------------------------------------------
_NO_PARAMS: dict = {}  # never mutated: nodes keep it as their (empty) parameters
_new = object.__new__


def _unary(np_fn, name: str, doc: str):
    bind = np_fn._bind if isinstance(np_fn, Primitive) else None

    def fn(input: Any, *, out: Any = None) -> Tensor:
        if out is not None:
            _no_out(name, out)
        # unwrap here and wrap the result, handing a recorded value straight to the primitive's binding: one
        # dispatch (the hot path of Tensor code)
        v = input._v if type(input) is Tensor else _as_value(input)
        if _mode.enabled:
            t = _new(Tensor)  # _make, inlined
            t._v = bind((v,), _NO_PARAMS) if type(v) is Box and bind is not None else np_fn(v)
            t.grad = None
            return t
        return _make(np_fn(_strip_graph(v)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


exp = _unary(fnp.exp, "exp", "Elementwise e**x (``torch.exp``).\n\n>>> import funcgrad as fg\n"
             ">>> fg.exp(fg.tensor([0.0]))\ntensor([1.])")
exp2 = _unary(lambda x: fnp.power(2.0, x), "exp2", "Elementwise 2**x (``torch.exp2``).")
log = _unary(fnp.log, "log", "Elementwise natural logarithm (``torch.log``).")
log2 = _unary(fnp.log2, "log2", "Elementwise base-2 logarithm (``torch.log2``).")
log10 = _unary(fnp.log10, "log10", "Elementwise base-10 logarithm (``torch.log10``).")
log1p = _unary(fnp.log1p, "log1p", "Elementwise log(1 + x) (``torch.log1p``).")
expm1 = _unary(fnp.expm1, "expm1", "Elementwise e**x - 1 (``torch.expm1``).")
sqrt = _unary(fnp.sqrt, "sqrt", "Elementwise square root (``torch.sqrt``).")
rsqrt = _unary(lambda x: fnp.reciprocal(fnp.sqrt(x)), "rsqrt", "Elementwise 1/sqrt(x) (``torch.rsqrt``).")
sin = _unary(fnp.sin, "sin", "Elementwise sine (``torch.sin``).")
cos = _unary(fnp.cos, "cos", "Elementwise cosine (``torch.cos``).")
tan = _unary(fnp.tan, "tan", "Elementwise tangent (``torch.tan``).")
asin = arcsin = _unary(fnp.arcsin, "asin", "Elementwise arcsine (``torch.asin``).")
acos = arccos = _unary(fnp.arccos, "acos", "Elementwise arccosine (``torch.acos``).")
atan = arctan = _unary(fnp.arctan, "atan", "Elementwise arctangent (``torch.atan``).")
sinh = _unary(fnp.sinh, "sinh", "Elementwise hyperbolic sine (``torch.sinh``).")
cosh = _unary(fnp.cosh, "cosh", "Elementwise hyperbolic cosine (``torch.cosh``).")
tanh = _unary(fnp.tanh, "tanh", "Elementwise hyperbolic tangent (``torch.tanh``).\n\n>>> import funcgrad as fg\n"
              ">>> fg.tanh(fg.tensor([0.0]))\ntensor([0.])")
asinh = arcsinh = _unary(fnp.arcsinh, "asinh", "Elementwise inverse hyperbolic sine (``torch.asinh``).")
acosh = arccosh = _unary(fnp.arccosh, "acosh", "Elementwise inverse hyperbolic cosine (``torch.acosh``).")
atanh = arctanh = _unary(fnp.arctanh, "atanh", "Elementwise inverse hyperbolic tangent (``torch.atanh``).")
# 0.5 * (1 + tanh(x / 2)) is 1 / (1 + exp(-x)) without overflow for large |x|
sigmoid = _unary(lambda x: 0.5 * fnp.tanh(0.5 * x) + 0.5, "sigmoid",
                 "Elementwise logistic function (``torch.sigmoid``).\n\n>>> import funcgrad as fg\n"
                 ">>> fg.sigmoid(fg.tensor([0.0]))\ntensor([0.5000])")
# where, not maximum: PyTorch's relu has gradient 0 at 0 (maximum would split the tie)
relu = _unary(lambda x: fnp.where(x > 0, x, 0), "relu", "Elementwise max(x, 0) with gradient 0 at 0 "
              "(``torch.relu``).\n\n>>> import funcgrad as fg\n>>> fg.relu(fg.tensor([-1.0, 2.0]))\ntensor([0., 2.])")
abs = absolute = _unary(fnp.abs, "abs", "Elementwise absolute value, gradient 0 at 0 (``torch.abs``).")  # noqa: A001
neg = negative = _unary(fnp.negative, "neg", "Elementwise negation (``torch.neg``).")
sign = _unary(fnp.sign, "sign", "Elementwise sign; no gradient flows through it (``torch.sign``).")
sgn = sign
square = _unary(fnp.square, "square", "Elementwise x**2 (``torch.square``).")
reciprocal = _unary(fnp.reciprocal, "reciprocal", "Elementwise 1/x (``torch.reciprocal``).")
floor = _unary(fnp.floor, "floor", "Elementwise floor; no gradient flows through it (``torch.floor``).")
ceil = _unary(fnp.ceil, "ceil", "Elementwise ceiling; no gradient flows through it (``torch.ceil``).")
trunc = fix = _unary(fnp.trunc, "trunc", "Elementwise truncation toward 0; no gradient (``torch.trunc``).")
frac = _unary(lambda x: x - fnp.trunc(x), "frac", "Elementwise fractional part x - trunc(x) (``torch.frac``).")
isnan = _unary(fnp.isnan, "isnan", "Elementwise NaN test (``torch.isnan``).")
isinf = _unary(fnp.isinf, "isinf", "Elementwise infinity test (``torch.isinf``).")
isfinite = _unary(fnp.isfinite, "isfinite", "Elementwise finiteness test (``torch.isfinite``).")
logical_not = _unary(fnp.logical_not, "logical_not", "Elementwise logical not (``torch.logical_not``).")


def round(input: Any, *, decimals: int = 0, out: Any = None) -> Tensor:  # noqa: A001
    """Round half to even, to ``decimals`` places; no gradient flows through it (``torch.round``).

    >>> import funcgrad as fg
    >>> fg.round(fg.tensor([0.5, 1.5, 2.25]), decimals=1)
    tensor([0.5000, 1.5000, 2.2000])
    """
    _no_out("round", out)
    return fnp.round(_t(input), decimals=decimals)


_PY_NUMBERS = (int, float, complex, bool)


def _binary(np_fn, name: str, doc: str):
    def fn(input: Any, other: Any, *, out: Any = None) -> Tensor:
        _no_out(name, out)
        if type(input) in _PY_NUMBERS and isinstance(other, Tensor):  # a number takes the tensor's dtype
            return np_fn(input, other)
        return np_fn(_t(input), other)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


mul = multiply = _binary(fnp.multiply, "mul", "Elementwise product (``torch.mul``).")
true_divide = _binary(fnp.divide, "true_divide", "Elementwise true division (``torch.true_divide``).")
pow = _binary(fnp.power, "pow", "Elementwise input ** exponent (``torch.pow``).\n\n>>> import funcgrad as fg\n"  # noqa: A001
              ">>> fg.pow(fg.tensor([2.0]), 3)\ntensor([8.])")
float_power = _binary(lambda x, y: fnp.power(fnp.astype(x, np.float64), y), "float_power",
                      "Elementwise power in float64 (``torch.float_power``).")
atan2 = arctan2 = _binary(fnp.arctan2, "atan2", "Elementwise arctangent of input/other (``torch.atan2``).")
hypot = _binary(fnp.hypot, "hypot", "Elementwise sqrt(x**2 + y**2) (``torch.hypot``).")
remainder = _binary(fnp.mod, "remainder", "Elementwise remainder with the divisor's sign (``torch.remainder``).")
fmod = _binary(lambda x, y: x - fnp.trunc(x / y) * y, "fmod",
               "Elementwise remainder with the dividend's sign (``torch.fmod``).")
floor_divide = _binary(fnp.floor_divide, "floor_divide", "Elementwise floor division (``torch.floor_divide``).")
maximum = _binary(fnp.maximum, "maximum", "Elementwise maximum; ties split the gradient (``torch.maximum``).\n\n"
                  ">>> import funcgrad as fg\n>>> fg.maximum(fg.tensor([1.0, 4.0]), fg.tensor([3.0, 2.0]))\n"
                  "tensor([3., 4.])")
minimum = _binary(fnp.minimum, "minimum", "Elementwise minimum; ties split the gradient (``torch.minimum``).")
fmax = maximum
fmin = minimum
eq = _binary(fnp.equal, "eq", "Elementwise ==, a bool tensor (``torch.eq``).")
ne = not_equal = _binary(fnp.not_equal, "ne", "Elementwise !=, a bool tensor (``torch.ne``).")
lt = less = _binary(fnp.less, "lt", "Elementwise <, a bool tensor (``torch.lt``).")
le = less_equal = _binary(fnp.less_equal, "le", "Elementwise <=, a bool tensor (``torch.le``).")
gt = greater = _binary(fnp.greater, "gt", "Elementwise >, a bool tensor (``torch.gt``).")
ge = greater_equal = _binary(fnp.greater_equal, "ge", "Elementwise >=, a bool tensor (``torch.ge``).")
logical_and = _binary(fnp.logical_and, "logical_and", "Elementwise logical and (``torch.logical_and``).")
logical_or = _binary(fnp.logical_or, "logical_or", "Elementwise logical or (``torch.logical_or``).")
logical_xor = _binary(fnp.logical_xor, "logical_xor", "Elementwise logical xor (``torch.logical_xor``).")


def add(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    """``input + alpha * other`` (``torch.add``).

    >>> import funcgrad as fg
    >>> fg.add(fg.tensor([1.0]), fg.tensor([2.0]), alpha=10)
    tensor([21.])
    """
    _no_out("add", out)
    return fnp.add(_t(input), other if alpha == 1 else fnp.multiply(other, alpha))


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    """``input - alpha * other`` (``torch.sub``).

    >>> import funcgrad as fg
    >>> fg.sub(fg.tensor([1.0]), fg.tensor([2.0]))
    tensor([-1.])
    """
    _no_out("sub", out)
    return fnp.subtract(_t(input), other if alpha == 1 else fnp.multiply(other, alpha))


subtract = sub


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Any = None) -> Tensor:
    """``input / other``; ``rounding_mode`` ``"trunc"`` or ``"floor"`` rounds the quotient (``torch.div``).

    >>> import funcgrad as fg
    >>> fg.div(fg.tensor([-7.0]), 2, rounding_mode="trunc")
    tensor([-3.])
    """
    _no_out("div", out)
    q = fnp.divide(_t(input), other)
    if rounding_mode is None:
        return q
    if rounding_mode == "trunc":
        return fnp.trunc(q)
    if rounding_mode == "floor":
        return fnp.floor_divide(_t(input), other)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                     f"{rounding_mode!r}")


divide = div


def clamp(input: Any, min: Any = None, max: Any = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """Clamp into ``[min, max]`` (either may be None or a tensor); the gradient flows to ``input`` where
    ``min <= input <= max`` and to a tensor bound where it was taken, as in PyTorch (``torch.clamp``).

    >>> import funcgrad as fg
    >>> fg.clamp(fg.tensor([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
    tensor([0.0000, 0.5000, 1.0000])
    """
    _no_out("clamp", out)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    x = _t(input)
    if _scalar_like(min) and _scalar_like(max) and (min is None or max is None or min <= max):
        return fnp.clip(x, min, max)
    # tensor bounds (or min > max, where PyTorch's answer is max): one where per bound, applied min first
    if min is not None:
        x = fnp.where(x < min, min, x)
    if max is not None:
        x = fnp.where(x > max, max, x)
    return x


clip = clamp


def clamp_min(input: Any, min: Any) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)`` (``torch.clamp_min``)."""
    return clamp(input, min=min)


def clamp_max(input: Any, max: Any) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)`` (``torch.clamp_max``)."""
    return clamp(input, max=max)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """``input`` where ``condition`` holds, else ``other`` (``torch.where``); with the condition alone, the
    indices of its true elements as a tuple of tensors (``nonzero(as_tuple=True)``).

    >>> import funcgrad as fg
    >>> x = fg.tensor([1.0, -2.0])
    >>> fg.where(x > 0, x, fg.tensor(0.0))
    tensor([1., 0.])
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes a condition alone or a condition, input and other")
    cond = _ix(condition)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = _t(input)
    return fnp.where(cond, input, other)


def lerp(input: Any, end: Any, weight: Any) -> Tensor:
    """``input + weight * (end - input)`` (``torch.lerp``).

    >>> import funcgrad as fg
    >>> fg.lerp(fg.tensor([0.0]), fg.tensor([10.0]), 0.25)
    tensor([2.5000])
    """
    x = _t(input)
    return x + weight * (end - x)


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:
    """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or a tuple of 1-D tensors with
    ``as_tuple=True`` (``torch.nonzero``).

    >>> import funcgrad as fg
    >>> fg.nonzero(fg.tensor([0.0, 3.0, 4.0]))
    tensor([[1],
            [2]])
    """
    x = _t(input)
    idx = fnp.nonzero(x)
    idx = tuple(_t(i) for i in idx) if isinstance(idx, (tuple, list)) else (_t(idx),)
    if as_tuple:
        return idx
    return stack([i.long() for i in idx], dim=1) if idx else _t(np.zeros((0, 0), np.int64))


argwhere = nonzero


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (``torch.isclose``)."""
    a, b = _t(input), _t(other)
    close = fnp.less_equal(fnp.abs(a - b), atol + rtol * fnp.abs(b))
    close = fnp.logical_or(close, fnp.equal(a, b))
    if equal_nan:
        close = fnp.logical_or(close, fnp.logical_and(fnp.isnan(a), fnp.isnan(b)))
    return close


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether all elements are close (``torch.allclose``); a Python bool."""
    return builtins.bool(fnp.all(isclose(input, other, rtol, atol, equal_nan)))


def equal(input: Any, other: Any) -> bool:
    """Whether both tensors have the same shape and elements (``torch.equal``); a Python bool."""
    a, b = _t(input), _t(other)
    return a.shape == b.shape and builtins.bool(fnp.all(fnp.equal(a, b)))


# --- reductions ------------------------------------------------------------------------------------------------
def sum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (an int, a tuple, or None for all) (``torch.sum``).

    >>> import funcgrad as fg
    >>> fg.sum(fg.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=0)
    tensor([4., 6.])
    """
    x = _t(input)
    if dtype is None and x.dtype.kind in "biu":  # PyTorch sums bool and integers in int64
        dtype = np.int64
    # on the value, wrapped once: the loss of most training steps ends here
    return _make(fnp.sum(_unwrap(x), axis=_dims(dim), keepdims=keepdim, dtype=dtype))


def mean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean over ``dim`` (``torch.mean``); floating tensors only, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.mean(fg.tensor([1.0, 2.0, 6.0]))
    tensor(3.)
    """
    x = _t(input)
    if dtype is None and x.dtype.kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {x.dtype}; convert with .float() first")
    return _make(fnp.mean(_unwrap(x), axis=_dims(dim), keepdims=keepdim, dtype=dtype))


def prod(input: Any, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product over ``dim`` (``torch.prod``).

    >>> import funcgrad as fg
    >>> fg.prod(fg.tensor([2.0, 3.0]))
    tensor(6.)
    """
    x = _t(input)
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return fnp.prod(x, axis=_dims(dim), keepdims=keepdim, dtype=dtype)


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None and unbiased is not None:
        raise RuntimeError("std/var: pass either unbiased= or correction=, not both")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance over ``dim`` with Bessel's correction by default (``unbiased=True`` or ``correction=1``), as
    ``torch.var``; ``correction=0`` (or ``unbiased=False``) is the population variance.

    >>> import funcgrad as fg
    >>> fg.var(fg.tensor([1.0, 2.0, 3.0])), fg.var(fg.tensor([1.0, 2.0, 3.0]), correction=0)
    (tensor(1.), tensor(0.6667))
    """
    if isinstance(dim, builtins.bool):  # torch.var(input, unbiased)
        dim, unbiased = None, dim
    return fnp.var(_t(input), axis=_dims(dim), ddof=_correction(unbiased, correction), keepdims=keepdim)


def std(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation over ``dim``, Bessel-corrected by default like ``torch.std`` (see :func:`var`).

    >>> import funcgrad as fg
    >>> fg.std(fg.tensor([1.0, 3.0]))
    tensor(1.4142)
    """
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    return fnp.std(_t(input), axis=_dims(dim), ddof=_correction(unbiased, correction), keepdims=keepdim)


def var_mean(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    """``(var, mean)`` over ``dim`` (``torch.var_mean``)."""
    return (var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def std_mean(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    """``(std, mean)`` over ``dim`` (``torch.std_mean``)."""
    return (std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def amax(input: Any, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (all dims by default); ties split the gradient evenly (``torch.amax``).

    >>> import funcgrad as fg
    >>> fg.amax(fg.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=0)
    tensor([3., 5.])
    """
    return fnp.max(_t(input), axis=_dims(dim), keepdims=keepdim)


def amin(input: Any, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Minimum over ``dim`` (all dims by default); ties split the gradient evenly (``torch.amin``)."""
    return fnp.min(_t(input), axis=_dims(dim), keepdims=keepdim)


def aminmax(input: Any, *, dim: int | None = None, keepdim: bool = False) -> tuple:
    """``(min, max)`` over ``dim`` (``torch.aminmax``)."""
    return return_types.aminmax(amin(input, dim if dim is not None else (), keepdim),
                                amax(input, dim if dim is not None else (), keepdim))


class return_types:  # noqa: N801 - mirrors torch.return_types
    """The named tuples PyTorch returns from ``max(dim)``, ``min(dim)``, ``sort``, ``topk`` ..."""

    max = collections.namedtuple("max", ["values", "indices"])
    min = collections.namedtuple("min", ["values", "indices"])
    sort = collections.namedtuple("sort", ["values", "indices"])
    topk = collections.namedtuple("topk", ["values", "indices"])
    median = collections.namedtuple("median", ["values", "indices"])
    aminmax = collections.namedtuple("aminmax", ["min", "max"])
    slogdet = collections.namedtuple("slogdet", ["sign", "logabsdet"])
    linalg_slogdet = collections.namedtuple("linalg_slogdet", ["sign", "logabsdet"])
    linalg_eigh = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
    linalg_svd = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
    linalg_qr = collections.namedtuple("linalg_qr", ["Q", "R"])


def _take_index(x: Tensor, idx: Any, dim: int, keepdim: bool) -> Tensor:
    """The elements of ``x`` at ``idx`` (an index reduced over ``dim`` with keepdims) along ``dim``."""
    out = fnp.take_along_axis(x, idx, axis=dim)
    return out if keepdim else fnp.squeeze(out, axis=dim)


def _extremum(name: str, full, arg, combine, input: Any, dim: Any, keepdim: bool, other: Any) -> Any:
    x = _t(input)
    if isinstance(dim, Tensor):  # torch.max(a, b): elementwise
        if other is not None:
            raise TypeError(f"{name}(input, other) takes no further arguments")
        return combine(x, dim)
    if other is not None:
        return combine(x, other)
    if dim is None:
        if x.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               f"Specify the reduction dim with the 'dim' argument.")
        return full(x)
    if not isinstance(dim, (builtins.int, np.integer)):
        raise TypeError(f"{name}(): dim must be an int (got {dim!r}); use amax/amin to reduce over several dims")
    d = _norm_dim(builtins.int(dim), x.ndim, name)
    if x.ndim == 0:
        return getattr(return_types, name)(x, _t(np.zeros((), np.int64)))
    # The gradient goes to the one element whose index is returned, as PyTorch's max(dim) does.
    idx = arg(_strip_graph(x._v) if _mode.enabled else x._v, axis=d, keepdims=True)
    idx = fnp.astype(idx, np.int64)
    values = _take_index(x, idx, d, keepdim)
    return getattr(return_types, name)(values, _t(idx if keepdim else fnp.squeeze(idx, axis=d)))


def max(input: Any, dim: Any = None, keepdim: bool = False, *, other: Any = None) -> Any:  # noqa: A001
    """``max(input)``: the largest element (ties split the gradient); ``max(input, dim, keepdim=False)``: the
    named tuple ``(values, indices)`` over ``dim`` (the gradient goes to the returned index);
    ``max(input, other)``: the elementwise maximum. As ``torch.max``.

    >>> import funcgrad as fg
    >>> t = fg.tensor([[1.0, 5.0], [3.0, 2.0]])
    >>> t.max()
    tensor(5.)
    >>> values, indices = fg.max(t, 0)
    >>> indices
    tensor([1, 0])
    """
    return _extremum("max", fnp.max, fnp.argmax, fnp.maximum, input, dim, keepdim, other)


def min(input: Any, dim: Any = None, keepdim: bool = False, *, other: Any = None) -> Any:  # noqa: A001
    """``torch.min``: the smallest element, ``(values, indices)`` over ``dim``, or the elementwise minimum
    (see :func:`max`).

    >>> import funcgrad as fg
    >>> fg.min(fg.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=1).values
    tensor([1., 2.])
    """
    return _extremum("min", fnp.min, fnp.argmin, fnp.minimum, input, dim, keepdim, other)


def argmax(input: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (over the flattened tensor when ``dim`` is None) (``torch.argmax``).

    >>> import funcgrad as fg
    >>> fg.argmax(fg.tensor([1.0, 5.0, 3.0]))
    tensor(1)
    """
    x = _t(input)
    if dim is None:
        return fnp.astype(fnp.argmax(x), np.int64)
    return fnp.astype(fnp.argmax(x, axis=dim, keepdims=keepdim), np.int64)


def argmin(input: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (``torch.argmin``)."""
    x = _t(input)
    if dim is None:
        return fnp.astype(fnp.argmin(x), np.int64)
    return fnp.astype(fnp.argmin(x, axis=dim, keepdims=keepdim), np.int64)


def all(input: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether all elements (over ``dim``) are true (``torch.all``)."""
    return fnp.all(_t(input), axis=_dims(dim), keepdims=keepdim)


def any(input: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether any element (over ``dim``) is true (``torch.any``)."""
    return fnp.any(_t(input), axis=_dims(dim), keepdims=keepdim)


def count_nonzero(input: Any, dim: Any = None) -> Tensor:
    """Number of non-zero elements over ``dim`` (``torch.count_nonzero``)."""
    return fnp.sum(fnp.not_equal(_t(input), 0), axis=_dims(dim), dtype=np.int64)


def logsumexp(input: Any, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input), dim))`` computed stably (``torch.logsumexp``).

    >>> import funcgrad as fg
    >>> fg.logsumexp(fg.tensor([0.0, 0.0]), dim=0)
    tensor(0.6931)
    """
    return _special.logsumexp(_t(input), axis=_dims(dim), keepdims=keepdim)


def _cast_for(x: Tensor, dtype: Any) -> Tensor:
    return x if dtype is None else fnp.astype(x, dtype)


def softmax(input: Any, dim: int, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x), dim)``, stably (``torch.softmax``).

    >>> import funcgrad as fg
    >>> fg.softmax(fg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    if dim is None:
        raise TypeError("softmax(): dim must be given (implicit dims are deprecated in PyTorch)")
    return _special.softmax(_cast_for(_t(input), dtype), axis=dim)


def log_softmax(input: Any, dim: int, dtype: Any = None) -> Tensor:
    """``x - logsumexp(x, dim)`` (``torch.log_softmax``)."""
    if dim is None:
        raise TypeError("log_softmax(): dim must be given (implicit dims are deprecated in PyTorch)")
    return _special.log_softmax(_cast_for(_t(input), dtype), axis=dim)


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative sum along ``dim`` (``torch.cumsum``).

    >>> import funcgrad as fg
    >>> fg.cumsum(fg.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([1., 3., 6.])
    """
    x = _t(input)
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return fnp.cumsum(x, axis=dim, dtype=dtype)


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative product along ``dim`` (``torch.cumprod``)."""
    x = _t(input)
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return fnp.cumprod(x, axis=dim, dtype=dtype)


def _safe_sqrt(s: Tensor) -> Tensor:
    # gradient 0 (not NaN) at 0, PyTorch's subgradient for the norm of the zero vector
    pos = s > 0
    return fnp.where(pos, fnp.sqrt(fnp.where(pos, s, 1.0)), 0.0)


def _vector_norm(x: Tensor, ord: Any, dim: Any, keepdim: bool) -> Tensor:
    axis = _dims(dim)
    a = fnp.abs(x)
    if ord == 2:
        return _safe_sqrt(fnp.sum(fnp.real(x * fnp.conj(x)) if x.dtype.kind == "c" else x * x, axis=axis,
                                  keepdims=keepdim))
    if ord == math.inf:
        return fnp.max(a, axis=axis, keepdims=keepdim)
    if ord == -math.inf:
        return fnp.min(a, axis=axis, keepdims=keepdim)
    if ord == 0:
        return fnp.sum(fnp.astype(fnp.not_equal(x, 0), a.dtype), axis=axis, keepdims=keepdim)
    if ord == 1:
        return fnp.sum(a, axis=axis, keepdims=keepdim)
    return fnp.power(fnp.sum(fnp.power(a, ord), axis=axis, keepdims=keepdim), 1.0 / ord)


def norm(input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """``torch.norm``: the vector p-norm over ``dim`` (all elements by default; ``"fro"`` is the 2-norm), or the
    nuclear norm with ``p="nuc"``. The gradient at the zero vector is 0, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.norm(fg.tensor([3.0, 4.0]))
    tensor(5.)
    """
    x = _cast_for(_t(input), dtype)
    if p == "nuc":
        from .linalg import matrix_norm
        return matrix_norm(x, "nuc", dim if dim is not None else (-2, -1), keepdim)
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported p={p!r}; use a number, 'fro' or 'nuc'")
    return _vector_norm(x, p, dim, keepdim)


def dist(input: Any, other: Any, p: float = 2) -> Tensor:
    """The p-norm of ``input - other`` (``torch.dist``)."""
    return norm(_t(input) - other, p)


def sort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """``(values, indices)`` sorted along ``dim`` (``torch.sort``); the gradient follows the values.

    >>> import funcgrad as fg
    >>> fg.sort(fg.tensor([3.0, 1.0, 2.0])).indices
    tensor([1, 2, 0])
    """
    x = _t(input)
    raw = _strip_graph(x._v)
    if descending:
        idx = fnp.argsort(fnp.negative(raw) if x.dtype.kind in "fic" else fnp.logical_not(raw), axis=dim,
                          stable=True)
    else:
        idx = fnp.argsort(raw, axis=dim, stable=True)
    idx = fnp.astype(idx, np.int64)
    return return_types.sort(fnp.take_along_axis(x, idx, axis=dim), _t(idx))


def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort ``input`` along ``dim`` (``torch.argsort``)."""
    return sort(input, dim, descending, stable).indices


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices (``torch.topk``)."""
    values, indices = sort(input, dim, descending=largest)
    return return_types.topk(narrow(values, dim, 0, k), narrow(indices, dim, 0, k))


# --- shape ------------------------------------------------------------------------------------------------------
def reshape(input: Any, shape: Sequence[int]) -> Tensor:
    """The same elements in a new shape (one size may be -1) (``torch.reshape``).

    >>> import funcgrad as fg
    >>> fg.reshape(fg.tensor([0, 1, 2, 3, 4, 5]), (2, -1)).shape
    (2, 3)
    """
    x = _t(input)
    shape = (shape,) if isinstance(shape, (builtins.int, np.integer)) else tuple(shape)
    if x.shape == shape:
        return x
    return fnp.reshape(x, shape)


def _view(self: Tensor, *shape: Any) -> Tensor:
    """``t.view(*shape)``: the same elements in a new shape (funcgrad tensors are immutable, so a view and a
    reshape are the same thing)."""
    if len(shape) == 1 and not isinstance(shape[0], (builtins.int, np.integer, list, tuple)):
        raise TypeError(f"view(dtype) (reinterpreting the bytes) is not supported: use .to({shape[0]}) to convert")
    return reshape(self, _sizes(shape))


def _reshape_method(self: Tensor, *shape: Any) -> Tensor:
    """``t.reshape(*shape)``."""
    return reshape(self, _sizes(shape))


def permute(input: Any, dims: Sequence[int]) -> Tensor:
    """The dimensions reordered as ``dims`` (``torch.permute``).

    >>> import funcgrad as fg
    >>> fg.permute(fg.tensor([[[1.0, 2.0]]]), (2, 0, 1)).shape
    (2, 1, 1)
    """
    x = _t(input)
    dims = tuple(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal "
                           f"to len(dims) = {len(dims)}")
    return fnp.transpose(x, dims)


def transpose(input: Any, dim0: int, dim1: int) -> Tensor:
    """``input`` with dimensions ``dim0`` and ``dim1`` swapped (``torch.transpose``).

    >>> import funcgrad as fg
    >>> fg.transpose(fg.tensor([[1, 2]]), 0, 1).shape
    (2, 1)
    """
    x = _t(input)
    if x.ndim == 0:
        return x
    return fnp.swapaxes(x, dim0, dim1)


swapaxes = swapdims = transpose


def t(input: Any) -> Tensor:
    """Transpose of a tensor with at most 2 dimensions (``torch.t``)."""
    x = _t(input)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D; use "
                           f"transpose(dim0, dim1) or mT")
    return x if x.ndim < 2 else fnp.swapaxes(x, 0, 1)


def movedim(input: Any, source: Any, destination: Any) -> Tensor:
    """Move dimensions ``source`` to ``destination`` (``torch.movedim``)."""
    return fnp.moveaxis(_t(input), source, destination)


moveaxis = movedim


def unsqueeze(input: Any, dim: int) -> Tensor:
    """A size-1 dimension inserted at ``dim`` (``torch.unsqueeze``).

    >>> import funcgrad as fg
    >>> fg.unsqueeze(fg.tensor([1.0, 2.0]), -1).shape
    (2, 1)
    """
    x = _t(input)
    d = _norm_dim(dim, x.ndim + 1, "unsqueeze")
    return fnp.expand_dims(x, d)


def squeeze(input: Any, dim: Any = None) -> Tensor:
    """Size-1 dimensions removed (all, or those in ``dim``; a ``dim`` whose size is not 1 is left alone, as in
    PyTorch) (``torch.squeeze``).

    >>> import funcgrad as fg
    >>> x = fg.tensor([[[1.0], [2.0]]])
    >>> fg.squeeze(x).shape, fg.squeeze(x, 1).shape
    ((2,), (1, 2, 1))
    """
    x = _t(input)
    if dim is None:
        return fnp.squeeze(x) if 1 in x.shape else x
    dims = (dim,) if isinstance(dim, (builtins.int, np.integer)) else tuple(dim)
    keep = tuple(sorted({_norm_dim(d, x.ndim, "squeeze") for d in dims if x.ndim}))
    keep = tuple(d for d in keep if x.shape[d] == 1)
    return fnp.squeeze(x, axis=keep) if keep else x


def _expand(self: Tensor, *sizes: Any) -> Tensor:
    """``t.expand(*sizes)``: broadcast to ``sizes``; -1 keeps a dimension's size, new dimensions go in front
    (``torch.Tensor.expand``)."""
    sizes = _sizes(sizes)
    x = _t(self)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({x.ndim})")
    shape = []
    for i, s in enumerate(sizes):
        if s == -1:
            if i < lead:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension ({i})")
            s = x.shape[i - lead]
        elif i >= lead and x.shape[i - lead] not in (1, s):
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                               f"({x.shape[i - lead]}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(x.shape)}")
        shape.append(s)
    shape = tuple(shape)
    return x if shape == x.shape else fnp.broadcast_to(x, shape)


def broadcast_to(input: Any, size: Sequence[int]) -> Tensor:
    """``input`` broadcast to ``size`` (``torch.broadcast_to``)."""
    return _expand(_t(input), *tuple(size))


def broadcast_tensors(*tensors: Any) -> list:
    """The tensors broadcast against each other (``torch.broadcast_tensors``)."""
    shape = np.broadcast_shapes(*[_t(x).shape for x in tensors])
    return [broadcast_to(x, shape) for x in tensors]


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dimensions ``start_dim`` to ``end_dim`` merged into one (``torch.flatten``); a 0-d tensor becomes 1-D.

    >>> import funcgrad as fg
    >>> fg.flatten(fg.tensor([[1, 2], [3, 4]])).shape
    (4,)
    """
    x = _t(input)
    if x.ndim == 0:
        return fnp.reshape(x, (1,))
    s = _norm_dim(start_dim, x.ndim, "flatten")
    e = _norm_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return x
    return fnp.reshape(x, x.shape[:s] + (-1 if x.numel() else builtins.int(np.prod(x.shape[s:e + 1])),)
                       + x.shape[e + 1:])


def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dimension ``dim`` split into ``sizes`` (one may be -1) (``torch.unflatten``)."""
    x = _t(input)
    d = _norm_dim(dim, x.ndim, "unflatten")
    return fnp.reshape(x, x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


def ravel(input: Any) -> Tensor:
    """The elements as a 1-D tensor (``torch.ravel``)."""
    return fnp.reshape(_t(input), (-1,))


def flip(input: Any, dims: Any) -> Tensor:
    """Reverse the order along ``dims`` (``torch.flip``)."""
    dims = (dims,) if isinstance(dims, (builtins.int, np.integer)) else tuple(dims)
    return fnp.flip(_t(input), axis=dims)


def fliplr(input: Any) -> Tensor:
    """Reverse the columns (``torch.fliplr``)."""
    return flip(input, 1)


def flipud(input: Any) -> Tensor:
    """Reverse the rows (``torch.flipud``)."""
    return flip(input, 0)


def roll(input: Any, shifts: Any, dims: Any = None) -> Tensor:
    """Elements shifted cyclically by ``shifts`` along ``dims`` (flattened when None) (``torch.roll``)."""
    return fnp.roll(_t(input), shifts, axis=dims if dims is None or isinstance(dims, builtins.int) else tuple(dims))


def tile(input: Any, dims: Sequence[int]) -> Tensor:
    """``input`` repeated ``dims`` times along each dimension (``torch.tile``, NumPy's tile)."""
    dims = (dims,) if isinstance(dims, (builtins.int, np.integer)) else tuple(dims)
    return fnp.tile(_t(input), dims)


def _repeat(self: Tensor, *sizes: Any) -> Tensor:
    """``t.repeat(*sizes)``: the tensor tiled ``sizes`` times along each dimension (NumPy's ``tile``, not
    NumPy's ``repeat``); ``sizes`` may have more entries than the tensor has dimensions.

    >>> import funcgrad as fg
    >>> fg.tensor([1, 2]).repeat(2)
    tensor([1, 2, 1, 2])
    """
    sizes = _sizes(sizes)
    if len(sizes) < self.ndim:
        raise RuntimeError(f"Number of dimensions of repeat dims ({len(sizes)}) can not be smaller than number of "
                           f"dimensions of tensor ({self.ndim})")
    return fnp.tile(self, sizes)


def repeat_interleave(input: Any, repeats: Any, dim: int | None = None, *, output_size: Any = None) -> Tensor:
    """Each element repeated ``repeats`` times (over the flattened tensor when ``dim`` is None)
    (``torch.repeat_interleave``, NumPy's repeat).

    >>> import funcgrad as fg
    >>> fg.repeat_interleave(fg.tensor([1, 2]), 2)
    tensor([1, 1, 2, 2])
    """
    reps = _ix(repeats)
    # the counts are read on the host (they decide the output's length), as CuPy's repeat wants them
    return fnp.repeat(_t(input), reps if isinstance(reps, builtins.int) else to_host(getval(reps)), axis=dim)


def narrow(input: Any, dim: int, start: int, length: int) -> Tensor:
    """Elements ``start`` to ``start + length`` along ``dim`` (``torch.narrow``)."""
    x = _t(input)
    d = _norm_dim(dim, x.ndim, "narrow")
    start = builtins.int(start) % x.shape[d] if start < 0 else builtins.int(start)
    if start + length > x.shape[d]:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({x.shape[d]}).")
    return x[(slice(None),) * d + (slice(start, start + length),)]


def _tensor_list(tensors: Any, op: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): expected a sequence of tensors, got a single Tensor")
    return [_t(x) for x in tensors]


def cat(tensors: Sequence[Any], dim: int = 0, *, out: Any = None) -> Tensor:
    """Tensors joined along an existing dimension (``torch.cat``).

    >>> import funcgrad as fg
    >>> fg.cat([fg.tensor([1.0]), fg.tensor([2.0, 3.0])])
    tensor([1., 2., 3.])
    """
    _no_out("cat", out)
    xs = _tensor_list(tensors, "cat")
    if not xs:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    # PyTorch skips 1-D empty tensors (a legacy rule kept for concatenating onto torch.tensor([]))
    kept = [x for x in xs if not (x.ndim == 1 and x.shape[0] == 0)] or xs[:1]
    return kept[0] if len(kept) == 1 else fnp.concatenate(kept, axis=dim)


concat = concatenate = cat


def stack(tensors: Sequence[Any], dim: int = 0, *, out: Any = None) -> Tensor:
    """Tensors of the same shape joined along a new dimension (``torch.stack``).

    >>> import funcgrad as fg
    >>> fg.stack([fg.tensor([1.0, 2.0]), fg.tensor([3.0, 4.0])], dim=1).shape
    (2, 2)
    """
    _no_out("stack", out)
    xs = _tensor_list(tensors, "stack")
    if not xs:
        raise RuntimeError("stack expects a non-empty TensorList")
    return fnp.stack(xs, axis=dim)


def hstack(tensors: Sequence[Any]) -> Tensor:
    """``torch.hstack``."""
    return fnp.hstack(_tensor_list(tensors, "hstack"))


def vstack(tensors: Sequence[Any]) -> Tensor:
    """``torch.vstack``."""
    return fnp.vstack(_tensor_list(tensors, "vstack"))


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of ``tensor`` along ``dim`` (``torch.split``): an int is the size of each piece (the last may be
    smaller), a list gives the sizes of the pieces (they must add up to the dimension's size). Note: PyTorch's
    meaning, not NumPy's (``numpy.split`` takes a number of pieces or split indices).

    >>> import funcgrad as fg
    >>> [p.shape for p in fg.split(fg.tensor([1, 2, 3, 4, 5]), 2)]
    [(2,), (2,), (1,)]
    >>> [p.shape for p in fg.split(fg.tensor([1, 2, 3, 4, 5]), [1, 4])]
    [(1,), (4,)]
    """
    x = _t(tensor)
    d = _norm_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, (builtins.int, np.integer)):
        size = builtins.int(split_size_or_sections)
        if size <= 0 and not (size == 0 and n == 0):
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        sizes = [builtins.min(size, n - s) for s in range(0, n, size)] if n else [0]
    else:
        sizes = [builtins.int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(x[(slice(None),) * d + (slice(start, start + s),)])
        start += s
    return tuple(out)


def tensor_split(input: Any, indices_or_sections: Any, dim: int = 0) -> tuple:
    """NumPy-style split (``torch.tensor_split``): a number of near-equal pieces, or split indices."""
    return tuple(fnp.array_split(_t(input), indices_or_sections if isinstance(indices_or_sections, builtins.int)
                                 else list(indices_or_sections), axis=dim))


def chunk(input: Any, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of size ``ceil(n / chunks)`` along ``dim`` (``torch.chunk``; may return fewer).

    >>> import funcgrad as fg
    >>> len(fg.chunk(fg.tensor([1, 2, 3, 4, 5, 6]), 4))
    3
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    x = _t(input)
    n = x.shape[_norm_dim(dim, x.ndim, "chunk")]
    return split(x, builtins.max(-(-n // chunks), 1), dim)


def unbind(input: Any, dim: int = 0) -> tuple:
    """The slices along ``dim``, that dimension removed (``torch.unbind``)."""
    x = _t(input)
    d = _norm_dim(dim, x.ndim, "unbind")
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


def tril(input: Any, diagonal: int = 0) -> Tensor:
    """Lower triangle (of the last two dimensions) (``torch.tril``)."""
    return fnp.tril(_t(input), k=diagonal)


def triu(input: Any, diagonal: int = 0) -> Tensor:
    """Upper triangle (of the last two dimensions) (``torch.triu``)."""
    return fnp.triu(_t(input), k=diagonal)


def diag(input: Any, diagonal: int = 0) -> Tensor:
    """A 1-D tensor's diagonal matrix, or a 2-D tensor's diagonal (``torch.diag``)."""
    x = _t(input)
    if x.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    return fnp.diag(x, k=diagonal)


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose diagonals are the last dimension of ``input`` (``torch.diag_embed``, default dims)."""
    x = _t(input)
    if (dim1, dim2) != (-2, -1):
        raise NotImplementedError("diag_embed: only dim1=-2, dim2=-1 are supported")
    n = x.shape[-1] + builtins.abs(offset)
    eye = np.eye(n, k=offset, dtype=bool)
    rows, cols = np.nonzero(eye)
    out = fnp.zeros(x.shape[:-1] + (n, n), dtype=x.dtype)
    return fnp.at(out)[..., rows, cols].set(x)


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes, as a last dimension (``torch.diagonal``)."""
    return fnp.diagonal(_t(input), offset=offset, axis1=dim1, axis2=dim2)


def trace(input: Any) -> Tensor:
    """Sum of a 2-D tensor's diagonal (``torch.trace``)."""
    x = _t(input)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    return fnp.trace(x)


# --- indexing --------------------------------------------------------------------------------------------------
def _along(index_shape: tuple, dim: int, index: Any) -> tuple:
    """The advanced index that picks ``index[i...]`` along ``dim`` and ``i`` along every other dimension."""
    nd = len(index_shape)
    out = []
    for d in range(nd):
        if d == dim:
            out.append(index)
        else:
            shape = [1] * nd
            shape[d] = index_shape[d]
            out.append(np.arange(index_shape[d]).reshape(shape))
    return tuple(out)


def _check_index(op: str, x: Tensor, dim: int, index: Any) -> tuple:
    idx = _ix(index)
    ishape = tuple(getattr(idx, "shape", ()))
    if np.dtype(getattr(idx, "dtype", np.int64)).kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index (got {idx.dtype})")
    if len(ishape) != x.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as input tensor "
                           f"(index {ishape}, input {x.shape})")
    d = _norm_dim(dim, x.ndim, op)
    for i, (a, b) in enumerate(zip(ishape, x.shape)):
        if i != d and a > b:
            raise RuntimeError(f"{op}(): Size does not match at dimension {i} expected index {ishape} to be "
                               f"smaller than self {x.shape} apart from dimension {d}")
    return d, idx, ishape


def gather(input: Any, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and likewise for other dims) (``torch.gather``).

    >>> import funcgrad as fg
    >>> fg.gather(fg.tensor([[1, 2], [3, 4]]), 1, fg.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """
    x = _t(input)
    d, idx, ishape = _check_index("gather", x, dim, index)
    return fnp.getitem(x, _along(ishape, d, idx))


def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Tensor:
    """``numpy.take_along_axis`` (over the flattened tensor when ``dim`` is None) (``torch.take_along_dim``)."""
    x = _t(input)
    idx = _ix(indices)
    if dim is None:
        return fnp.take_along_axis(fnp.reshape(x, (-1,)), fnp.reshape(idx, (-1,)), axis=0)
    return fnp.take_along_axis(x, idx, axis=dim)


def take(input: Any, index: Any) -> Tensor:
    """Elements of the flattened ``input`` at ``index`` (``torch.take``)."""
    return fnp.take(_t(input), _ix(index))


def _scatter(op: str, input: Any, dim: int, index: Any, src: Any, reduce: str | None) -> Tensor:
    x = _t(input)
    d, idx, ishape = _check_index(op, x, dim, index)
    where = _along(ishape, d, idx)
    if isinstance(src, Tensor):
        if src.ndim != x.ndim:
            raise RuntimeError(f"{op}(): src must have the same number of dimensions as input ({src.shape} vs "
                               f"{x.shape})")
        # PyTorch reads src at the index's positions: src may be larger than index
        src = src[tuple(slice(0, s) for s in ishape)] if src.shape != ishape else src
    upd = fnp.at(x)[where]
    if reduce is None:
        return upd.set(src)
    if reduce in ("add", "sum"):
        return upd.add(src)
    if reduce in ("multiply", "prod"):
        return upd.multiply(src)
    raise RuntimeError(f"{op}(): reduce argument must be either add or multiply (got {reduce!r})")


def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``out[index[i][j]][j] = src[i][j]`` for ``dim=0`` (``torch.scatter``, out of
    place; ``src`` may be a tensor or a number, given as ``src`` or ``value``). Where an index repeats, which
    value lands is unspecified, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.scatter(fg.tensor([0.0, 0.0, 0.0]), 0, fg.tensor([2, 0]), fg.tensor([5.0, 7.0]))
    tensor([7., 0., 5.])
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() needs src (a tensor) or value (a number)")
    return _scatter("scatter", input, dim, index, src, reduce)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of ``input`` with ``src[i][j]`` added at ``[index[i][j]][j]`` (for ``dim=0``); repeated indices
    accumulate (``torch.scatter_add``).

    >>> import funcgrad as fg
    >>> fg.scatter_add(fg.tensor([0.0, 0.0]), 0, fg.tensor([1, 1, 0]), fg.tensor([1.0, 2.0, 3.0]))
    tensor([3., 3.])
    """
    return _scatter("scatter_add", input, dim, index, src, "add")


def scatter_reduce(input: Any, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Tensor:
    """``scatter`` combining with ``reduce`` ``"sum"`` or ``"prod"`` (``torch.scatter_reduce``; include_self only)."""
    if not include_self:
        raise NotImplementedError("scatter_reduce: include_self=False is not supported")
    if reduce not in ("sum", "prod"):
        raise NotImplementedError(f"scatter_reduce: reduce={reduce!r} is not supported (use 'sum' or 'prod')")
    return _scatter("scatter_reduce", input, dim, index, src, reduce)


def index_select(input: Any, dim: int, index: Any) -> Tensor:
    """The slices at ``index`` (1-D) along ``dim`` (``torch.index_select``).

    >>> import funcgrad as fg
    >>> fg.index_select(fg.tensor([[1, 2], [3, 4]]), 0, fg.tensor([1, 1]))
    tensor([[3, 4],
            [3, 4]])
    """
    x = _t(input)
    idx = _ix(index)
    if len(getattr(idx, "shape", ())) > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    return fnp.take(x, fnp.reshape(idx, (-1,)) if getattr(idx, "ndim", 0) == 0 else idx, axis=dim)


def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim`` (``torch.index_add``)."""
    x = _t(input)
    d = _norm_dim(dim, x.ndim, "index_add")
    src = source if alpha == 1 else source * alpha
    return fnp.at(x)[(slice(None),) * d + (_ix(index),)].add(src)


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` (broadcast to input) is true (``torch.masked_fill``).

    >>> import funcgrad as fg
    >>> fg.masked_fill(fg.tensor([1.0, 2.0]), fg.tensor([True, False]), -1.0)
    tensor([-1.,  2.])
    """
    x = _t(input)
    m = _ix(mask)
    if np.dtype(getattr(m, "dtype", bool)) != np.dtype(bool):
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype {m.dtype}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    if not isinstance(value, Tensor):  # a number: made where x lives, in its dtype
        value = fnp.asarray(value, dtype=x.dtype, device=str(x.device))
    out = fnp.where(m, value, x)
    return out if out.shape == x.shape else out  # mask may broadcast input up, as in PyTorch's out-of-place form


def masked_select(input: Any, mask: Any) -> Tensor:
    """The elements where ``mask`` is true, as a 1-D tensor (``torch.masked_select``)."""
    x = _t(input)
    m = _ix(mask)
    shape = np.broadcast_shapes(x.shape, tuple(m.shape))
    x = _expand(x, *shape)
    mv = getval(m)
    return x[fnp.broadcast_to(mv, shape) if hasattr(mv, "shape") else np.broadcast_to(mv, shape)]


# --- products --------------------------------------------------------------------------------------------------
def matmul(input: Any, other: Any) -> Tensor:
    """Matrix product with NumPy's broadcasting rules (``torch.matmul``, ``@``)."""
    return fnp.matmul(_t(input), other)


def mm(input: Any, mat2: Any) -> Tensor:
    """Product of two matrices (``torch.mm``).

    >>> import funcgrad as fg
    >>> fg.mm(fg.tensor([[1.0, 2.0]]), fg.tensor([[3.0], [4.0]]))
    tensor([[11.]])
    """
    a, b = _t(input), _t(mat2)
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {a.shape} and {b.shape}; use matmul for "
                           f"batches")
    return fnp.matmul(a, b)


def bmm(input: Any, mat2: Any) -> Tensor:
    """Batched product of two 3-D tensors (``torch.bmm``)."""
    a, b = _t(input), _t(mat2)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: expected 3-D tensors with the same batch size, got {a.shape} and {b.shape}")
    return fnp.matmul(a, b)


def mv(input: Any, vec: Any) -> Tensor:
    """Matrix-vector product (``torch.mv``)."""
    a, v = _t(input), _t(vec)
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"mv: expected a matrix and a vector, got shapes {a.shape} and {v.shape}")
    return fnp.matmul(a, v)


def dot(input: Any, other: Any) -> Tensor:
    """Inner product of two 1-D tensors (``torch.dot``)."""
    a, b = _t(input), _t(other)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return fnp.matmul(a, b)


inner = dot


def vdot(input: Any, other: Any) -> Tensor:
    """Conjugated inner product of two 1-D tensors (``torch.vdot``)."""
    return dot(fnp.conj(_t(input)), other)


def outer(input: Any, vec2: Any) -> Tensor:
    """Outer product of two 1-D tensors (``torch.outer``)."""
    a, b = _t(input), _t(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer: expected 1-D tensors, got shapes {a.shape} and {b.shape}")
    # a broadcast product, not fnp.outer: that reads x.size, which on a Tensor is PyTorch's size() method
    return fnp.multiply(fnp.expand_dims(a, 1), b)


ger = outer


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation (``torch.einsum``); operands may also be given as one list.

    >>> import funcgrad as fg
    >>> fg.einsum("ij,j->i", fg.tensor([[1.0, 2.0]]), fg.tensor([3.0, 4.0]))
    tensor([11.])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return fnp.einsum(equation, *[_t(o) for o in operands])


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """``numpy.tensordot`` (``torch.tensordot``)."""
    return fnp.tensordot(_t(a), _t(b), axes=dims)


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` (``torch.addmm``)."""
    p = mm(mat1, mat2)
    return (input if beta == 1 else beta * _t(input)) + (p if alpha == 1 else alpha * p)


def kron(input: Any, other: Any) -> Tensor:
    """Kronecker product of two matrices (``torch.kron``, 2-D only)."""
    a, b = _t(input), _t(other)
    if a.ndim != 2 or b.ndim != 2:
        raise NotImplementedError("kron: only 2-D tensors are supported")
    m, n = a.shape
    p, q = b.shape
    return fnp.reshape(fnp.einsum("ij,kl->ikjl", a, b), (m * p, n * q))


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


# --- methods -----------------------------------------------------------------------------------------------------
def _method(fn):
    def m(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    m.__name__ = m.__qualname__ = fn.__name__
    m.__doc__ = fn.__doc__
    return m


def _permute_method(self: Tensor, *dims: Any) -> Tensor:
    """``t.permute(*dims)``."""
    return permute(self, _sizes(dims))


def _flip_method(self: Tensor, *dims: Any) -> Tensor:
    """``t.flip(*dims)``."""
    return flip(self, _sizes(dims))


def _tile_method(self: Tensor, *dims: Any) -> Tensor:
    """``t.tile(*dims)``."""
    return tile(self, _sizes(dims))


def _view_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` with ``other``'s shape."""
    return reshape(self, other.shape)


def _expand_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` broadcast to ``other``'s shape."""
    return _expand(self, *other.shape)


_METHOD_FUNCTIONS = [
    "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos",
    "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "relu",
    "abs", "absolute", "neg", "negative", "sign", "sgn", "square", "reciprocal", "floor", "ceil", "trunc", "frac",
    "round", "isnan", "isinf", "isfinite", "logical_not", "logical_and", "logical_or", "logical_xor",
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow", "float_power", "atan2",
    "arctan2", "hypot", "remainder", "fmod", "floor_divide", "maximum", "minimum", "fmax", "fmin", "eq", "ne", "lt",
    "le", "gt", "ge", "greater", "less", "greater_equal", "less_equal", "not_equal", "clamp", "clip", "clamp_min",
    "clamp_max", "lerp", "isclose", "allclose", "equal", "nonzero", "argwhere",
    "sum", "mean", "prod", "std", "var", "amax", "amin", "aminmax", "max", "min", "argmax", "argmin", "all", "any",
    "count_nonzero", "logsumexp", "softmax", "log_softmax", "cumsum", "cumprod", "norm", "dist", "sort", "argsort",
    "topk", "transpose", "swapaxes", "swapdims", "t", "movedim", "moveaxis", "unsqueeze", "squeeze", "flatten",
    "unflatten", "ravel", "fliplr", "flipud", "roll", "repeat_interleave", "narrow", "split", "tensor_split",
    "chunk", "unbind", "tril", "triu", "diag", "diag_embed", "diagonal", "trace", "gather", "take_along_dim", "take",
    "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add", "masked_fill", "masked_select",
    "matmul", "mm", "bmm", "mv", "dot", "inner", "vdot", "outer", "ger", "addmm", "kron", "where",
    "is_floating_point", "is_complex", "real", "imag", "conj", "angle",
]


def _where_method(self: Tensor, condition: Any, y: Any) -> Tensor:
    """``t.where(condition, y)``: ``t`` where ``condition``, else ``y``."""
    return where(condition, self, y)


def _install() -> None:
    g = globals()
    for name in _METHOD_FUNCTIONS:
        setattr(Tensor, name, _method(g[name]))
    Tensor.where = _where_method
    Tensor.view = _view
    Tensor.reshape = _reshape_method
    Tensor.view_as = _view_as
    Tensor.reshape_as = _view_as
    Tensor.permute = _permute_method
    Tensor.expand = _expand
    Tensor.expand_as = _expand_as
    Tensor.broadcast_to = _method(broadcast_to)
    Tensor.flip = _flip_method
    Tensor.repeat = _repeat
    Tensor.tile = _tile_method
    Tensor.type = _type
    Tensor.type_as = _type_as
    for name, dtype in [("float", np.float32), ("double", np.float64), ("half", np.float16), ("long", np.int64),
                        ("int", np.int32), ("short", np.int16), ("bool", np.bool_), ("byte", np.uint8),
                        ("char", np.int8), ("cfloat", np.complex64), ("cdouble", np.complex128)]:
        setattr(Tensor, name, _conversion(dtype, name))


_install()

__all__ = [
    n for n in _METHOD_FUNCTIONS
] + [
    "concat", "concatenate", "cat", "stack", "hstack", "vstack", "reshape", "permute", "broadcast_to", "broadcast_tensors", "flip", "tile", "clamp", "var_mean", "std_mean",
    "return_types", "is_tensor", "numel", "fix", "sgn", "einsum", "tensordot",
] + list(_DTYPES)
__all__ = list(dict.fromkeys(__all__))

# importing the submodule binds funcgrad.linalg (torch.linalg's names); it needs this module's helpers defined
from . import linalg as _linalg  # noqa: E402,F401
