"""PyTorch's elementwise math over Tensors (``torch.exp``, ``torch.add(alpha=)``, ``torch.clamp`` ...), translated to funcgrad.numpy."""
from __future__ import annotations

import builtins
from typing import Any
import numpy as np
from .. import numpy as fnp
from ..core import Box, Primitive
from ..primitives.activations import relu as _relu
from .tensor import Tensor, _as_value, _make, _mode, _strip_graph, get_default_dtype
from .ops import (_ix, _no_out, _scalar_like, _t, _t_as)
from .promotion import _result, promote
from .shape import stack

__all__ = ['exp', 'exp2', 'log', 'log2', 'log10', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'sigmoid', 'relu', 'abs', 'absolute', 'neg', 'negative', 'sign', 'sgn', 'square', 'reciprocal', 'floor', 'ceil', 'trunc', 'frac', 'round', 'isnan', 'isinf', 'isfinite', 'logical_not', 'logical_and', 'logical_or', 'logical_xor', 'add', 'sub', 'subtract', 'mul', 'multiply', 'div', 'divide', 'true_divide', 'pow', 'float_power', 'atan2', 'arctan2', 'hypot', 'remainder', 'fmod', 'floor_divide', 'maximum', 'minimum', 'fmax', 'fmin', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'greater', 'less', 'greater_equal', 'less_equal', 'not_equal', 'clamp', 'clip', 'clamp_min', 'clamp_max', 'lerp', 'isclose', 'allclose', 'equal', 'nonzero', 'argwhere', 'where', 'fix']


# --- math ------------------------------------------------------------------------------------------------------
_NO_PARAMS: dict = {}  # never mutated: nodes keep it as their (empty) parameters
_new = object.__new__


def _unary(np_fn, name: str, doc: str, floats: bool = False):
    # ``floats``: a float-valued function (exp, sqrt, sin ...), whose integer and bool inputs PyTorch computes in
    # the default float dtype (NumPy would give float64, or float16 for bool and 8-bit integers)
    bind = np_fn._bind if isinstance(np_fn, Primitive) else None

    def fn(input: Any, *, out: Any = None) -> Tensor:
        if out is not None:
            _no_out(name, out)
        # unwrap here and wrap the result, handing a recorded value straight to the primitive's binding: one
        # dispatch (the hot path of Tensor code)
        v = input._v if type(input) is Tensor else _as_value(input)
        if floats and v.dtype.kind in "biu":  # never recorded (integer tensors do not require grad)
            v = fnp.astype(v, get_default_dtype())
        if _mode.enabled:
            t = _new(Tensor)  # _make, inlined
            t._v = bind((v,), _NO_PARAMS) if type(v) is Box and bind is not None else np_fn(v)
            return t
        return _make(np_fn(_strip_graph(v)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


exp = _unary(fnp.exp, "exp", "Elementwise e**x (``torch.exp``).\n\n>>> import funcgrad as fg\n"
             ">>> fg.exp(fg.tensor([0.0]))\ntensor([1.])", floats=True)
exp2 = _unary(lambda x: fnp.power(2.0, x), "exp2", "Elementwise 2**x (``torch.exp2``).", floats=True)
log = _unary(fnp.log, "log", "Elementwise natural logarithm (``torch.log``).", floats=True)
log2 = _unary(fnp.log2, "log2", "Elementwise base-2 logarithm (``torch.log2``).", floats=True)
log10 = _unary(fnp.log10, "log10", "Elementwise base-10 logarithm (``torch.log10``).", floats=True)
log1p = _unary(fnp.log1p, "log1p", "Elementwise log(1 + x) (``torch.log1p``).", floats=True)
expm1 = _unary(fnp.expm1, "expm1", "Elementwise e**x - 1 (``torch.expm1``).", floats=True)
sqrt = _unary(fnp.sqrt, "sqrt", "Elementwise square root (``torch.sqrt``).", floats=True)
rsqrt = _unary(lambda x: fnp.reciprocal(fnp.sqrt(x)), "rsqrt", "Elementwise 1/sqrt(x) (``torch.rsqrt``).",
               floats=True)
sin = _unary(fnp.sin, "sin", "Elementwise sine (``torch.sin``).", floats=True)
cos = _unary(fnp.cos, "cos", "Elementwise cosine (``torch.cos``).", floats=True)
tan = _unary(fnp.tan, "tan", "Elementwise tangent (``torch.tan``).", floats=True)
asin = arcsin = _unary(fnp.arcsin, "asin", "Elementwise arcsine (``torch.asin``).", floats=True)
acos = arccos = _unary(fnp.arccos, "acos", "Elementwise arccosine (``torch.acos``).", floats=True)
atan = arctan = _unary(fnp.arctan, "atan", "Elementwise arctangent (``torch.atan``).", floats=True)
sinh = _unary(fnp.sinh, "sinh", "Elementwise hyperbolic sine (``torch.sinh``).", floats=True)
cosh = _unary(fnp.cosh, "cosh", "Elementwise hyperbolic cosine (``torch.cosh``).", floats=True)
tanh = _unary(fnp.tanh, "tanh", "Elementwise hyperbolic tangent (``torch.tanh``).\n\n>>> import funcgrad as fg\n"
              ">>> fg.tanh(fg.tensor([0.0]))\ntensor([0.])", floats=True)
asinh = arcsinh = _unary(fnp.arcsinh, "asinh", "Elementwise inverse hyperbolic sine (``torch.asinh``).",
                         floats=True)
acosh = arccosh = _unary(fnp.arccosh, "acosh", "Elementwise inverse hyperbolic cosine (``torch.acosh``).",
                         floats=True)
atanh = arctanh = _unary(fnp.arctanh, "atanh", "Elementwise inverse hyperbolic tangent (``torch.atanh``).",
                         floats=True)
# 0.5 * (1 + tanh(x / 2)) is 1 / (1 + exp(-x)) without overflow for large |x|
sigmoid = _unary(lambda x: 0.5 * fnp.tanh(0.5 * x) + 0.5, "sigmoid",
                 "Elementwise logistic function (``torch.sigmoid``).\n\n>>> import funcgrad as fg\n"
                 ">>> fg.sigmoid(fg.tensor([0.0]))\ntensor([0.5000])", floats=True)
# its own primitive: maximum would split the tie at 0 (PyTorch's gradient there is 0), and where() is ten times
# slower on an activation's unpredictable mask
relu = _unary(_relu, "relu", "Elementwise max(x, 0) with gradient 0 at 0 "
              "(``torch.relu``).\n\n>>> import funcgrad as fg\n>>> fg.relu(fg.tensor([-1.0, 2.0]))\ntensor([0., 2.])")
abs = absolute = _unary(fnp.abs, "abs", "Elementwise absolute value, gradient 0 at 0 (``torch.abs``).")  # noqa: A001
neg = negative = _unary(fnp.negative, "neg", "Elementwise negation (``torch.neg``).")
def _zero_grad_link(x: Any, out: Any) -> Any:
    """``out`` (a Tensor computed from ``x`` by a step function) recorded as depending on ``x`` with a zero
    gradient, as PyTorch records round, floor, sign, ``x ** 0`` ...: the result requires grad, and ``backward``
    gives ``x`` zeros (not None). Only where ``x`` requires grad (is traced) and grad mode is on; the value is
    ``out``'s exactly (a where with a false condition, whose gradient to ``x`` is zero)."""
    if _mode.enabled and isinstance(x, Tensor) and type(x._v) is Box:
        return fnp.where(False, x, out)
    return out


def _stepwise(fn):
    # a step function's Tensor function: its output stays on the graph with a zero gradient (see _zero_grad_link)
    def step(input: Any, *, out: Any = None) -> Tensor:
        return _zero_grad_link(input, fn(input, out=out))
    step.__name__ = step.__qualname__ = fn.__name__
    step.__doc__ = fn.__doc__
    return step


def _sign(x: Any) -> Any:
    return x if x.dtype.kind == "b" else fnp.sign(x)  # PyTorch's sign of a bool tensor is itself


def _square(x: Any) -> Any:
    return fnp.square(fnp.astype(x, np.int64) if x.dtype.kind == "b" else x)  # bool squares are int64 in PyTorch


sign = _stepwise(_unary(_sign, "sign", "Elementwise sign; its gradient is zero (``torch.sign``)."))
sgn = sign
square = _unary(_square, "square", "Elementwise x**2 (``torch.square``).")
reciprocal = _unary(fnp.reciprocal, "reciprocal", "Elementwise 1/x (``torch.reciprocal``).", floats=True)
floor = _stepwise(_unary(fnp.floor, "floor", "Elementwise floor; its gradient is zero (``torch.floor``)."))
ceil = _stepwise(_unary(fnp.ceil, "ceil", "Elementwise ceiling; its gradient is zero (``torch.ceil``)."))
trunc = fix = _stepwise(_unary(fnp.trunc, "trunc", "Elementwise truncation toward 0; zero gradient (``torch.trunc``)."))
def _frac(x: Any) -> Any:
    if x.dtype.kind in "biu":  # PyTorch raises too: an integer has no fractional part worth a result of zeros
        raise TypeError(f"frac: not defined for {x.dtype} tensors; convert with .float() first")
    return x - fnp.trunc(x)


frac = _unary(_frac, "frac", "Elementwise fractional part x - trunc(x) (``torch.frac``); floating tensors only.")
isnan = _unary(fnp.isnan, "isnan", "Elementwise NaN test (``torch.isnan``).")
isinf = _unary(fnp.isinf, "isinf", "Elementwise infinity test (``torch.isinf``).")
isfinite = _unary(fnp.isfinite, "isfinite", "Elementwise finiteness test (``torch.isfinite``).")
logical_not = _unary(fnp.logical_not, "logical_not", "Elementwise logical not (``torch.logical_not``).")


def round(input: Any, *, decimals: int = 0, out: Any = None) -> Tensor:  # noqa: A001
    """Round half to even, to ``decimals`` places; its gradient is zero (``torch.round``).

    >>> import funcgrad as fg
    >>> fg.round(fg.tensor([0.5, 1.5, 2.25]), decimals=1)
    tensor([0.5000, 1.5000, 2.2000])
    """
    _no_out("round", out)
    return _zero_grad_link(input, fnp.round(_t(input), decimals=decimals))


_PY_NUMBERS = (int, float, complex, bool)


def _binary(np_fn, name: str, doc: str, promotes: bool = True, int_to_float: bool = False, ordered: bool = False):
    # ``promotes``: the operands are cast to PyTorch's result type first (promotion.py); ``int_to_float``: integer
    # results become the default float (true division, atan2); ``ordered``: complex operands are refused
    def fn(input: Any, other: Any, *, out: Any = None) -> Tensor:
        _no_out(name, out)
        if not (type(input) in _PY_NUMBERS and isinstance(other, Tensor)):  # a number takes the tensor's dtype
            input = _t(input)
        if promotes:
            input, other = promote(name, input, other, int_to_float, ordered)
        return np_fn(input, other)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


mul = multiply = _binary(fnp.multiply, "mul", "Elementwise product (``torch.mul``).")
true_divide = _binary(fnp.divide, "true_divide", "Elementwise true division (``torch.true_divide``).",
                      int_to_float=True)
_pow = _binary(fnp.power, "pow", "")


def pow(input: Any, exponent: Any, *, out: Any = None) -> Tensor:  # noqa: A001
    """Elementwise input ** exponent (``torch.pow``); ``x ** 0`` has gradient zero, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.pow(fg.tensor([2.0]), 3)
    tensor([8.])
    """
    result = _pow(input, exponent, out=out)
    if type(exponent) in _PY_NUMBERS and exponent == 0:
        return _zero_grad_link(input, result)
    return result
float_power = _binary(lambda x, y: fnp.power(fnp.astype(x, np.float64), y), "float_power",
                      "Elementwise power in float64 (``torch.float_power``).", promotes=False)
atan2 = arctan2 = _binary(fnp.arctan2, "atan2", "Elementwise arctangent of input/other (``torch.atan2``).",
                          int_to_float=True)
hypot = _binary(fnp.hypot, "hypot", "Elementwise sqrt(x**2 + y**2) (``torch.hypot``).", int_to_float=True)
remainder = _binary(fnp.mod, "remainder", "Elementwise remainder with the divisor's sign (``torch.remainder``).")
def _fmod(x: Any, y: Any) -> Any:
    if x.dtype.kind in "biu":  # integers stay integers (NumPy's fmod truncates as C does); no gradient there
        return fnp.fmod(x, y)
    return x - fnp.trunc(x / y) * y


fmod = _binary(_fmod, "fmod", "Elementwise remainder with the dividend's sign (``torch.fmod``).")
floor_divide = _binary(fnp.floor_divide, "floor_divide", "Elementwise floor division (``torch.floor_divide``).")
maximum = _binary(fnp.maximum, "maximum", "Elementwise maximum; ties split the gradient (``torch.maximum``).\n\n"
                  ">>> import funcgrad as fg\n>>> fg.maximum(fg.tensor([1.0, 4.0]), fg.tensor([3.0, 2.0]))\n"
                  "tensor([3., 4.])", ordered=True)
minimum = _binary(fnp.minimum, "minimum", "Elementwise minimum; ties split the gradient (``torch.minimum``).",
                  ordered=True)
def fmax(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """Elementwise maximum ignoring NaN: NaN only where both are NaN (``torch.fmax``). The gradient goes to
    ``input`` where ``input >= other`` or ``other`` is NaN, else to ``other``, as in PyTorch (ties to ``input``).

    >>> import funcgrad as fg
    >>> fg.fmax(fg.tensor([1.0, float("nan")]), fg.tensor([float("nan"), 2.0]))
    tensor([1., 2.])
    """
    _no_out("fmax", out)
    x, y = promote("fmax", _t(input), other, False, True)
    return fnp.where(fnp.logical_or(fnp.greater_equal(x, y), fnp.isnan(y)), x, y)


def fmin(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """Elementwise minimum ignoring NaN (``torch.fmin``); the gradient as :func:`fmax`'s, ties to ``input``."""
    _no_out("fmin", out)
    x, y = promote("fmin", _t(input), other, False, True)
    return fnp.where(fnp.logical_or(fnp.less_equal(x, y), fnp.isnan(y)), x, y)
eq = _binary(fnp.equal, "eq", "Elementwise ==, a bool tensor (``torch.eq``).")
ne = not_equal = _binary(fnp.not_equal, "ne", "Elementwise !=, a bool tensor (``torch.ne``).")
lt = less = _binary(fnp.less, "lt", "Elementwise <, a bool tensor (``torch.lt``).", ordered=True)
le = less_equal = _binary(fnp.less_equal, "le", "Elementwise <=, a bool tensor (``torch.le``).", ordered=True)
gt = greater = _binary(fnp.greater, "gt", "Elementwise >, a bool tensor (``torch.gt``).", ordered=True)
ge = greater_equal = _binary(fnp.greater_equal, "ge", "Elementwise >=, a bool tensor (``torch.ge``).", ordered=True)
logical_and = _binary(fnp.logical_and, "logical_and", "Elementwise logical and (``torch.logical_and``).",
                      promotes=False)
logical_or = _binary(fnp.logical_or, "logical_or", "Elementwise logical or (``torch.logical_or``).", promotes=False)
logical_xor = _binary(fnp.logical_xor, "logical_xor", "Elementwise logical xor (``torch.logical_xor``).",
                      promotes=False)


def _with_alpha(op: str, input: Any, other: Any, alpha: Any) -> tuple:
    """``input`` and ``alpha * other`` in PyTorch's result type of ``input`` and ``other``."""
    if not (type(input) in _PY_NUMBERS and isinstance(other, Tensor)):  # a number takes the tensor's dtype
        input = _t(input)
    x, y = promote(op, input, other)
    if alpha == 1:
        return x, y
    if isinstance(alpha, float) and _result(x, y).kind in "biu":
        raise RuntimeError(f"{op}: For integral input tensors, argument alpha must not be a floating point number "
                           f"(got alpha={alpha} for {_result(x, y)} operands)")
    return x, fnp.multiply(y, alpha)


def add(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    """``input + alpha * other`` (``torch.add``).

    >>> import funcgrad as fg
    >>> fg.add(fg.tensor([1.0]), fg.tensor([2.0]), alpha=10)
    tensor([21.])
    """
    _no_out("add", out)
    return fnp.add(*_with_alpha("add", input, other, alpha))


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    """``input - alpha * other`` (``torch.sub``).

    >>> import funcgrad as fg
    >>> fg.sub(fg.tensor([1.0]), fg.tensor([2.0]))
    tensor([-1.])
    """
    _no_out("sub", out)
    return fnp.subtract(*_with_alpha("sub", input, other, alpha))


subtract = sub


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Any = None) -> Tensor:
    """``input / other``; ``rounding_mode`` ``"trunc"`` or ``"floor"`` rounds the quotient (``torch.div``).

    >>> import funcgrad as fg
    >>> fg.div(fg.tensor([-7.0]), 2, rounding_mode="trunc")
    tensor([-3.])
    """
    _no_out("div", out)
    if rounding_mode is None:
        return fnp.divide(*promote("div", _t(input), other, True))
    x, y = promote("div", _t(input), other)
    if rounding_mode == "trunc":  # integers stay integers, as in PyTorch
        q = fnp.trunc(fnp.divide(x, y))
        return fnp.astype(q, x.dtype) if x.dtype.kind in "biu" else q
    if rounding_mode == "floor":
        return fnp.floor_divide(x, y)
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
    dtype = _result(x, min, max)  # PyTorch's promotion (an integer tensor clamped at 0.5 gives floats)
    if dtype.kind == "c":
        raise RuntimeError(f"clamp is not supported for complex types (input {x.dtype}, result type {dtype}); "
                           f"clamp the .real and .imag parts, or the .abs()")
    x = x if x.dtype == dtype else fnp.astype(x, dtype)
    if _scalar_like(min) and _scalar_like(max) and (min is None or max is None or min <= max):
        return fnp.clip(x, min, max)
    # tensor bounds (or min > max, where PyTorch's answer is max): one where per bound, applied min first
    if min is not None:
        x = where(x < min, min, x)
    if max is not None:
        x = where(x > max, max, x)
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
    dtype = _result(input, other)  # PyTorch's promotion: float32 stays float32 beside a float64 0-d tensor
    input, other = promote("where", input, other)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = _t_as(input, dtype)
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
    if x.ndim == 0:  # PyTorch treats a 0-d tensor as one element with no dimensions: (1, 0) or (0, 0) indices
        n = 1 if builtins.bool(_strip_graph(x._v)) else 0
        if as_tuple:
            return (_t(np.zeros(n, np.int64)),)
        return _t(np.zeros((n, 0), np.int64))
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
