"""More of PyTorch's math over Tensors: ``funcgrad.logaddexp``, ``addcmul``, ``copysign``, ``erf`` ...

Like ``funcgrad/tensors/ops.py``, each function translates PyTorch's signature to ``funcgrad.numpy`` operations on
Tensors and has no derivative code: gradients come from the operations it is composed of. Functions PyTorch
does not differentiate (bitwise ops, ``gcd``, ``frexp``'s exponent ...) compute on the plain values and return a
Tensor with no graph. The scaled products, distances and matrix norms (``baddbmm``, ``addmv``, ``cdist``,
``logdet``, ``renorm``, ``nuclear_norm`` ...) live in ``funcgrad/tensors/products_more.py`` and are re-exported
here; reductions and scans (``median``, ``quantile``, ``cummax`` ...) in ``funcgrad/tensors/statistics.py``,
``trapezoid`` and ``gradient`` in ``funcgrad/tensors/numerical.py``, the error/gamma/Bessel families in
``funcgrad/special.py``. Importing this module attaches the Tensor methods PyTorch has for these names
(``t.logaddexp(u)``, ``t.erf()`` ...).

>>> import funcgrad as fg
>>> fg.logaddexp(fg.tensor([0.0]), fg.tensor([0.0]))
tensor([0.6931])
>>> fg.tensor([1.0, -2.0]).copysign(-1.0)
tensor([-1., -2.])
"""
from __future__ import annotations

import collections
import math
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace
from .special import (_float_dtype, _raw, digamma, erf, erfc, erfinv, gammaln, i0, logit, multigammaln,  # noqa: F401
                      polygamma, sinc, xlogy)
from .tensor import Tensor
from . import math as _math_family
from .ops import _method, _t
from .operators import bitwise
from .products_more import (addbmm, addmv, addr, baddbmm, cdist, chain_matmul, frobenius_norm, logdet,  # noqa: F401
                            norm_except_dim, nuclear_norm, renorm)  # re-exported: their home before the split
from .products_more import __all__ as _PRODUCTS_MORE
from .reductions import return_types

lgamma = gammaln
mvlgamma = multigammaln

_LN2 = math.log(2.0)


# --- helpers -----------------------------------------------------------------------------------------------------
def _cast(x: Any, dtype: Any) -> Tensor:
    t = _t(x)
    return t if t.dtype == dtype else fnp.astype(t, dtype)


def _promoted(*args: Any) -> list:
    """Tensors of ``args`` in PyTorch's result dtype: floating tensors win over integer ones without widening
    (int64 with float32 gives float32, where NumPy gives float64)."""
    ts = [_t(a) for a in args]
    floats = [t.dtype for t in ts if t.dtype.kind in "fc"]
    dtype = np.result_type(*floats) if floats else np.result_type(*[t.dtype for t in ts])
    return [_cast(t, dtype) for t in ts]


def _nograd(value: Any) -> Tensor:
    """A Tensor over a plain value (results PyTorch does not differentiate)."""
    return Tensor._from_value(value)


def _rawarr(x: Any) -> Any:
    r = _raw(x)
    return r if hasattr(r, "dtype") else np.asarray(r)


def _return_type(name: str, fields: list) -> type:
    """``funcgrad.return_types.<name>``: made here when ops has not defined it."""
    if not hasattr(return_types, name):
        setattr(return_types, name, collections.namedtuple(name, fields))
    return getattr(return_types, name)


# --- elementwise -------------------------------------------------------------------------------------------------
def logaddexp(input: Any, other: Any) -> Tensor:
    """log(exp(input) + exp(other)), computed stably (``torch.logaddexp``).

    >>> import funcgrad as fg
    >>> fg.logaddexp(fg.tensor([1000.0]), fg.tensor([1000.0]))
    tensor([1000.6932])
    """
    dtype = _float_dtype(input, other)
    return fnp.logaddexp(_cast(input, dtype), _cast(other, dtype))


def logaddexp2(input: Any, other: Any) -> Tensor:
    """log2(2**input + 2**other), computed stably (``torch.logaddexp2``).

    >>> import funcgrad as fg
    >>> fg.logaddexp2(fg.tensor([1.0]), fg.tensor([1.0]))
    tensor([2.])
    """
    dtype = _float_dtype(input, other)
    x, y = _cast(input, dtype), _cast(other, dtype)
    if hasattr(fnp, "logaddexp2"):
        return fnp.logaddexp2(x, y)
    return fnp.logaddexp(x * _LN2, y * _LN2) / _LN2


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 * tensor2`` (``torch.addcmul``).

    >>> import funcgrad as fg
    >>> fg.addcmul(fg.tensor([1.0]), fg.tensor([2.0]), fg.tensor([3.0]), value=0.5)
    tensor([4.])
    """
    x, a, b = _promoted(input, tensor1, tensor2)
    p = fnp.multiply(a, b)
    return fnp.add(x, p if value == 1 else p * value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 / tensor2`` (``torch.addcdiv``); integer tensor1 and tensor2 are refused.

    >>> import funcgrad as fg
    >>> fg.addcdiv(fg.tensor([1.0]), fg.tensor([2.0]), fg.tensor([4.0]), value=2)
    tensor([2.])
    """
    a, b = _t(tensor1), _t(tensor2)
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        raise RuntimeError(f"addcdiv: integer division of tensor1 ({a.dtype}) by tensor2 ({b.dtype}) is not "
                           f"supported; convert one of them to a floating dtype, or use addcmul with a reciprocal")
    x, a, b = _promoted(input, a, b)
    q = fnp.divide(a, b)
    return fnp.add(x, q if value == 1 else q * value)


def nan_to_num(input: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the dtype's largest and
    lowest finite values); the gradient flows where the input was finite (``torch.nan_to_num``).

    >>> import funcgrad as fg
    >>> fg.nan_to_num(fg.tensor([float("nan"), float("inf"), 1.0]), posinf=9.0)
    tensor([0., 9., 1.])
    """
    x = _t(input)
    if x.dtype.kind not in "fc":
        return x
    if hasattr(fnp, "nan_to_num") and x.dtype.kind == "c":
        return fnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    info = np.finfo(x.dtype)
    r = _raw(x)
    xp = namespace(r)
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    out = fnp.where(xp.isnan(r), nan, x)
    out = fnp.where(r == xp.inf, hi, out)
    return fnp.where(r == -xp.inf, lo, out)


def copysign(input: Any, other: Any) -> Tensor:
    """|input| with the sign of ``other`` (its sign bit: -0.0 counts as negative) (``torch.copysign``); the
    gradient flows to ``input`` only, 0 where input is 0.

    >>> import funcgrad as fg
    >>> fg.copysign(fg.tensor([1.0, 2.0]), fg.tensor([-0.0, 3.0]))
    tensor([-1.,  2.])
    """
    dtype = _float_dtype(input, other)
    x = _cast(input, dtype)
    o = _rawarr(other)
    neg = namespace(o).signbit(o)
    return fnp.where(neg, -fnp.abs(x), fnp.abs(x))


def heaviside(input: Any, values: Any) -> Tensor:
    """0 where input < 0 (and where it is NaN, as in PyTorch), ``values`` where input == 0, 1 where input > 0
    (``torch.heaviside``; no gradient).

    >>> import funcgrad as fg
    >>> fg.heaviside(fg.tensor([-1.0, 0.0, 2.0]), fg.tensor(0.5))
    tensor([0.0000, 0.5000, 1.0000])
    """
    x, v = _rawarr(input), _rawarr(values)
    if isinstance(values, Tensor) and isinstance(input, Tensor) and x.dtype != v.dtype:
        raise RuntimeError(f"heaviside is not implemented for tensors of different dtypes ({x.dtype} and "
                           f"{v.dtype}); convert values with .to(input.dtype)")
    xp = namespace(x)
    return _nograd(xp.where(x == 0, v, xp.where(x > 0, 1, 0)).astype(x.dtype))


def ldexp(input: Any, other: Any) -> Tensor:
    """``input * 2**other`` (``torch.ldexp``); differentiable in both arguments.

    >>> import funcgrad as fg
    >>> fg.ldexp(fg.tensor([1.5]), fg.tensor([3]))
    tensor([12.])
    """
    dtype = _float_dtype(input, other)
    return _cast(input, dtype) * fnp.power(2.0, _cast(other, dtype))


def _integers(op: str, *args: Any) -> list:
    arrs = [_rawarr(a) for a in args]
    for a in arrs:
        if a.dtype.kind not in "iu":
            raise RuntimeError(f"{op}: expected integer tensors, got dtype {a.dtype}; convert with .long()")
    return arrs


def gcd(input: Any, other: Any) -> Tensor:
    """Elementwise greatest common divisor of integer tensors (``torch.gcd``).

    >>> import funcgrad as fg
    >>> fg.gcd(fg.tensor([12, 7]), fg.tensor([18, 0]))
    tensor([6, 7])
    """
    a, b = _integers("gcd", input, other)
    return _nograd(namespace(a).gcd(a, b))


def lcm(input: Any, other: Any) -> Tensor:
    """Elementwise least common multiple of integer tensors (``torch.lcm``).

    >>> import funcgrad as fg
    >>> fg.lcm(fg.tensor([4, 3]), fg.tensor([6, 0]))
    tensor([12,  0])
    """
    a, b = _integers("lcm", input, other)
    return _nograd(namespace(a).lcm(a, b))


def deg2rad(input: Any) -> Tensor:
    """Degrees to radians (``torch.deg2rad``).

    >>> import funcgrad as fg
    >>> fg.deg2rad(fg.tensor([180.0]))
    tensor([3.1416])
    """
    return _cast(input, _float_dtype(input)) * (math.pi / 180.0)


def rad2deg(input: Any) -> Tensor:
    """Radians to degrees (``torch.rad2deg``).

    >>> import funcgrad as fg
    >>> fg.rad2deg(fg.tensor([3.141592653589793]))
    tensor([180.])
    """
    return _cast(input, _float_dtype(input)) * (180.0 / math.pi)


def signbit(input: Any) -> Tensor:
    """Whether the sign bit is set (true for -0.0) (``torch.signbit``).

    >>> import funcgrad as fg
    >>> fg.signbit(fg.tensor([-0.0, 1.0, -2.0]))
    tensor([ True, False,  True])
    """
    r = _rawarr(input)
    return _nograd(namespace(r).signbit(r))


def nextafter(input: Any, other: Any) -> Tensor:
    """The next floating value after ``input`` towards ``other`` (``torch.nextafter``); as in PyTorch, the gradient
    is 1 for ``input`` (the step is a constant) and 0 for ``other``.

    >>> import funcgrad as fg
    >>> bool(fg.nextafter(fg.tensor([1.0]), fg.tensor([2.0])) > 1.0)
    True
    """
    a, b = _rawarr(input), _rawarr(other)
    dtype = np.result_type(a.dtype, b.dtype)
    if dtype.kind != "f":
        raise RuntimeError(f"nextafter: expected floating tensors, got {a.dtype} and {b.dtype}")
    xp = namespace(a)
    a = a.astype(dtype)
    step = xp.nextafter(a, b.astype(dtype)) - a  # exact: one unit in the last place (or 0)
    x = _cast(input, dtype)
    return x + step if x.requires_grad else _nograd(a + step)


def _bitwise(name: str):
    np_fn = getattr(fnp, name)

    def fn(input: Any, other: Any) -> Tensor:
        return bitwise(name, np_fn, input, other)  # PyTorch's promotion: int32 tensor & 0-d int64 is int32
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Elementwise ``{name}`` of integer or boolean tensors (``torch.{name}``).\n\n"
                  f">>> import funcgrad as fg\n>>> fg.{name}(fg.tensor([12]), fg.tensor([10])).dtype\n"
                  f"torch.int64")
    return fn


bitwise_and = _bitwise("bitwise_and")
bitwise_or = _bitwise("bitwise_or")
bitwise_xor = _bitwise("bitwise_xor")


def bitwise_not(input: Any) -> Tensor:
    """Elementwise bitwise not (logical not for bool) (``torch.bitwise_not``).

    >>> import funcgrad as fg
    >>> fg.bitwise_not(fg.tensor([0, 5]))
    tensor([-1, -6])
    """
    a = _rawarr(input)
    if a.dtype.kind not in "biu":
        raise RuntimeError(f"bitwise_not is only supported for integer and boolean tensors, got dtype {a.dtype}")
    return _nograd(namespace(a).invert(a))


def isneginf(input: Any) -> Tensor:
    """Elementwise test for -inf (``torch.isneginf``).

    >>> import funcgrad as fg
    >>> fg.isneginf(fg.tensor([-float("inf"), 1.0]))
    tensor([ True, False])
    """
    r = _rawarr(input)
    return _nograd(r == -np.inf if r.dtype.kind == "f" else namespace(r).zeros(r.shape, bool))


def isposinf(input: Any) -> Tensor:
    """Elementwise test for +inf (``torch.isposinf``).

    >>> import funcgrad as fg
    >>> fg.isposinf(fg.tensor([float("inf"), 1.0]))
    tensor([ True, False])
    """
    r = _rawarr(input)
    return _nograd(r == np.inf if r.dtype.kind == "f" else namespace(r).zeros(r.shape, bool))


def isreal(input: Any) -> Tensor:
    """Elementwise: whether the imaginary part is 0 (always true for real dtypes) (``torch.isreal``).

    >>> import funcgrad as fg
    >>> fg.isreal(fg.tensor([1.0, 2.0]))
    tensor([True, True])
    """
    r = _rawarr(input)
    xp = namespace(r)
    return _nograd(xp.imag(r) == 0 if r.dtype.kind == "c" else xp.ones(r.shape, bool))


def frexp(input: Any) -> tuple:
    """``(mantissa, exponent)`` with input = mantissa * 2**exponent, 0.5 <= |mantissa| < 1 (``torch.frexp``;
    exponent is int32; as in PyTorch the gradient flows through the mantissa, ``2**-exponent``).

    >>> import funcgrad as fg
    >>> fg.frexp(fg.tensor([8.0]))
    frexp(mantissa=tensor([0.5000]), exponent=tensor([4], dtype=torch.int32))
    """
    r = _rawarr(input)
    if r.dtype.kind != "f":
        raise RuntimeError(f"frexp only supports floating-point dtypes, got {r.dtype}")
    xp = namespace(r)
    m, e = xp.frexp(r)
    x = _t(input)
    if x.requires_grad:  # the mantissa as input * 2**-exponent: a power-of-two scaling, exact (e = 0 for inf, NaN)
        m = x * xp.ldexp(xp.ones_like(r), -e)
    else:
        m = _nograd(m)
    return _return_type("frexp", ["mantissa", "exponent"])(m, _nograd(e.astype(np.int32)))


def positive(input: Any) -> Tensor:
    """``input`` itself (``torch.positive``, unary ``+``); bool tensors are refused, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.positive(fg.tensor([-1.0]))
    tensor([-1.])
    """
    x = _t(input)
    if x.dtype == np.bool_:
        raise RuntimeError("positive: the `+` operator on a bool tensor is not supported; use it on a numeric "
                           "tensor, or .int() first")
    return x


# --- methods -------------------------------------------------------------------------------------------------------
def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``t.polygamma(n)``: :func:`polygamma` ``(n, t)``."""
    return polygamma(n, self)


_METHODS = ["logaddexp", "logaddexp2", "addcmul", "addcdiv", "nan_to_num", "copysign", "heaviside", "ldexp", "gcd",
            "lcm", "deg2rad", "rad2deg", "signbit", "nextafter", "bitwise_and", "bitwise_or", "bitwise_xor",
            "bitwise_not", "isneginf", "isposinf", "isreal", "frexp", "positive", "erf", "erfc", "erfinv", "lgamma",
            "digamma", "mvlgamma", "xlogy", "i0", "sinc", "logit", "fix"]

__all__ = [n for n in _METHODS if n != "fix"] + ["polygamma"] + list(_PRODUCTS_MORE)


def _install() -> None:
    g = globals()
    for name in _METHODS:
        fn = g.get(name) or getattr(_math_family, name)
        if not hasattr(Tensor, name):
            setattr(Tensor, name, _method(fn))
    if not hasattr(Tensor, "polygamma"):
        Tensor.polygamma = _polygamma_method


_install()
