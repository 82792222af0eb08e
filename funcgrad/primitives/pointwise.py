"""More pointwise functions: NumPy's remaining float ufuncs, their NaN-aware and sign-handling cousins, integer
and bit operations, and the predicates and comparisons built on them.

Float ufuncs with a derivative (``exp2``, ``logaddexp2``, ``sinc``, ``fabs``, ``fmax``/``fmin``, ``fmod``,
``copysign``, ``heaviside``, ``float_power``, ``i0``, ``ldexp``, ``deg2rad``/``rad2deg``, ``positive``) are
primitives that call the array library's own ufunc, so values and dtypes are NumPy's exactly; their rules are
written with funcgrad ops (they differentiate again) and serve both modes, as in :mod:`.elementwise`. Integer and
bit operations, ``signbit``, ``nextafter`` and ``spacing`` are non-differentiable primitives (traced inputs are
unwrapped and the gradient stops). Everything else (``isclose``'s relatives, ``isposinf``, ``nan_to_num``,
``frexp``, ``divmod`` ...) is composed of primitives.

Conventions: ``fmax``/``fmin`` split the gradient of a tie evenly, like ``maximum``/``minimum``, and send it to
the non-NaN operand when one is NaN; ``copysign(x1, x2)`` and ``fabs`` take the derivative of ``|x1|`` at 0 as 0;
``heaviside``'s derivative is zero in ``x1`` and flows to ``x2`` only where ``x1 == 0``; ``sinc``'s rule is exact
to the third order at 0.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as _onp

from ..backend import dtype_of, namespace, namespace_of, shape_of
from ..core import Box, Primitive, getval
from ..core.primitive import nondifferentiable
from .elementwise import (_batch_nary, _batch_unary, _binary, _rules, _tie_share, _unary, _power_dx, _power_dy,
                          add, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, cos, divide, equal,
                          floor_divide, imag, isinf, isnan, logical_and, logical_not, logical_or, mod, multiply,
                          negative, not_equal, real, sign, subtract, trunc, where)
from .reductions import all as _all
from .shape import _asarray

__all__ = [
    "exp2", "logaddexp2", "sinc", "fabs", "fmax", "fmin", "fmod", "copysign", "heaviside", "float_power",
    "positive", "i0", "ldexp", "deg2rad", "rad2deg", "degrees", "radians", "frexp", "modf", "divmod",
    "signbit", "nextafter", "spacing", "gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "invert", "bitwise_invert", "left_shift", "right_shift", "bitwise_left_shift", "bitwise_right_shift",
    "bitwise_count", "isclose", "allclose", "array_equal", "array_equiv", "isrealobj", "iscomplexobj",
    "iscomplex", "isreal", "isneginf", "isposinf", "nan_to_num", "acos", "acosh", "asin", "asinh", "atan",
    "atan2", "atanh",
]
ArrayLike = Any

_LN2 = math.log(2.0)
_PI = math.pi

# --- differentiable unary ufuncs --------------------------------------------------------------------------------
exp2 = _unary("exp2", "Elementwise 2 ** x")
sinc = _unary("sinc", "Elementwise normalized sinc, sin(pi x) / (pi x) (1 at 0)")
fabs = _unary("fabs", "Elementwise absolute value of real values, as a float (its derivative at 0 is taken as 0)")
deg2rad = _unary("deg2rad", "Elementwise conversion of degrees to radians", example="[90.0, 180.0]")
rad2deg = _unary("rad2deg", "Elementwise conversion of radians to degrees")
positive = _unary("positive", "Elementwise +x (a copy)")
for _p in (exp2, sinc, deg2rad, rad2deg, positive):
    _p.keeps_shape = True

_rules(exp2, lambda g, ans, x: g * (ans * _LN2))
_rules(fabs, lambda g, ans, x: g * sign(x))
_rules(deg2rad, lambda g, ans, x: g * (_PI / 180.0))
_rules(rad2deg, lambda g, ans, x: g * (180.0 / _PI))
_rules(positive, lambda g, ans, x: g)


def _sinc_derivative(x):
    """d sinc / dx = (cos(pi x) - sinc(x)) / x, with the value 0 at 0 carried by ``-pi^2 x / 3`` (sinc'(x) near
    0), so that differentiating this again is exact at 0 too (to the third order of sinc)."""
    at0 = equal(x, 0.0)
    safe = where(at0, 1.0, x)
    return where(at0, x * (-_PI * _PI / 3.0), (cos(safe * _PI) - sinc(safe)) / safe)


_rules(sinc, lambda g, ans, x: g * _sinc_derivative(x))


def _i0_impl(x):
    return namespace(x).i0(x)


i0 = Primitive("i0", _i0_impl, doc=(
    "Modified Bessel function of the first kind, order 0, as ``numpy.i0``; its derivative is I1, computed by "
    "its power series (accurate for moderate arguments, |x| up to about 30).\n\n"
    ">>> import funcgrad.numpy as fnp\n>>> float(fnp.i0(0.0))\n1.0\n"))
i0.def_batch(_batch_unary(i0))


def _i1(x, terms: int = 60):
    """I1(x) = sum_k (x/2)^(2k+1) / (k! (k+1)!), summed term by term with funcgrad ops (differentiable again)."""
    h = x * 0.5
    h2 = h * h
    term = h
    total = h
    for k in range(1, terms):
        term = term * h2 / (k * (k + 1.0))
        total = total + term
    return total


# I0' = I1 and I1' = I0 - I1 / x: the series above differentiates to the right thing term by term.
_rules(i0, lambda g, ans, x: g * _i1(x))


# --- differentiable binary ufuncs -------------------------------------------------------------------------------
logaddexp2 = _binary("logaddexp2", "Elementwise log2(2**x1 + 2**x2), computed stably")
fmax = _binary("fmax", "Elementwise maximum ignoring NaNs (ties split the gradient evenly)")
fmin = _binary("fmin", "Elementwise minimum ignoring NaNs (ties split the gradient evenly)")
fmod = _binary("fmod", "Elementwise C remainder (the sign of the dividend)")
copysign = _binary("copysign", "Elementwise magnitude of x1 with the sign of x2")
heaviside = _binary("heaviside", "Elementwise Heaviside step of x1, x2 where x1 == 0")
float_power = _binary("float_power", "Elementwise power computed in float64 (or complex128)")
ldexp = _binary("ldexp", "Elementwise x1 * 2**x2 for integer x2")

_rules(logaddexp2, lambda g, ans, x, y: multiply(g, exp2(subtract(x, ans))),
                   lambda g, ans, x, y: multiply(g, exp2(subtract(y, ans))))


def _nan_aware_share(first, second, tie):
    """Share of fmax/fmin's gradient that goes to ``first``: all of it where ``second`` is NaN (``first`` is the
    answer then, even when both are), none where only ``first`` is, else its share of a tie (``tie``)."""
    return where(isnan(second), 1.0, where(isnan(first), 0.0, tie))


def _nan_aware_other(first, second, tie):
    """The share of ``second`` (the other operand), so that the two always add up to 1."""
    return where(isnan(second), 0.0, where(isnan(first), 1.0, tie))


_rules(fmax, lambda g, ans, x, y: multiply(g, _nan_aware_share(x, y, _tie_share(x, y))),
             lambda g, ans, x, y: multiply(g, _nan_aware_other(x, y, _tie_share(y, x))))
_rules(fmin, lambda g, ans, x, y: multiply(g, _nan_aware_share(x, y, _tie_share(y, x))),
             lambda g, ans, x, y: multiply(g, _nan_aware_other(x, y, _tie_share(x, y))))
# fmod(x, y) = x - trunc(x / y) * y
_rules(fmod, lambda g, ans, x, y: g, lambda g, ans, x, y: negative(multiply(g, trunc(divide(x, y)))))


def _sign_of(y):
    """+1 or -1 by the sign bit of ``y`` (a constant)."""
    return subtract(1.0, multiply(signbit(y), 2.0))


_rules(copysign, lambda g, ans, x, y: multiply(g, multiply(sign(x), _sign_of(y))), None)
_rules(heaviside, None, lambda g, ans, x, y: multiply(g, equal(x, 0.0)))
_rules(float_power, _power_dx, _power_dy)
_rules(ldexp, lambda g, ans, x, n: ldexp(g, n), None)  # linear in x1; the exponent is an integer


def degrees(x: ArrayLike, /) -> Any:
    """Radians converted to degrees, as ``numpy.degrees`` (the same as :func:`rad2deg`).

    >>> import funcgrad.numpy as fnp
    >>> import math
    >>> float(fnp.degrees(math.pi))
    180.0
    """
    return rad2deg(x)


def radians(x: ArrayLike, /) -> Any:
    """Degrees converted to radians, as ``numpy.radians`` (the same as :func:`deg2rad`).

    >>> import funcgrad.numpy as fnp
    >>> round(float(fnp.radians(180.0)), 6)
    3.141593
    """
    return deg2rad(x)


# --- several results ------------------------------------------------------------------------------------------
def _modf_impl(x):
    return tuple(namespace(x).modf(x))


_modf = Primitive("modf", _modf_impl, multiple_results=True, doc=(
    "Fractional and integral parts (primitive form of :func:`modf`)."))
_modf.def_vjp(lambda g, ans, x: g[0])  # d frac / dx = 1, the integral part is piecewise constant
_modf.def_jvp(lambda t, ans, x: (t, None))
_modf.def_batch(lambda args, batched: _modf(args[0]))


def modf(x: ArrayLike, /) -> tuple:
    """``(fractional, integral)`` parts of ``x``, both with ``x``'s sign, as ``numpy.modf``. The fractional part
    has derivative 1, the integral part none.

    >>> import funcgrad.numpy as fnp
    >>> fnp.modf(fnp.array([2.5, -1.25]))
    (array([ 0.5 , -0.25]), array([ 2., -1.]))
    """
    return _modf(x)


_frexp = Primitive("frexp", lambda x: tuple(namespace(x).frexp(x)), multiple_results=True, doc=(
    "Mantissa and exponent (non-differentiable primitive form of :func:`frexp`)."))


def frexp(x: ArrayLike, /) -> tuple:
    """``(mantissa, exponent)`` with ``x == mantissa * 2**exponent`` and ``0.5 <= |mantissa| < 1``, as
    ``numpy.frexp``. The mantissa is differentiable (``x * 2**-exponent``); the integer exponent is not.

    >>> import funcgrad.numpy as fnp
    >>> fnp.frexp(fnp.array([8.0, 0.75]))
    (array([0.5 , 0.75]), array([4, 0], dtype=int32))
    """
    m, e = _frexp(x)
    if type(x) is Box:
        return ldexp(x, -e), e
    return m, e


def divmod(x1: ArrayLike, x2: ArrayLike, /) -> tuple:  # noqa: A001
    """``(floor_divide(x1, x2), mod(x1, x2))``, as ``numpy.divmod``; the remainder is differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.divmod(fnp.array([7.0, -7.0]), 2.0)
    (array([ 3., -4.]), array([1., 1.]))
    """
    return floor_divide(x1, x2), mod(x1, x2)


# --- non-differentiable ufuncs ------------------------------------------------------------------------------------
signbit = _unary("signbit", "Elementwise test for a set sign bit (boolean)")
spacing = _unary("spacing", "Elementwise distance to the nearest adjacent number (non-differentiable)")
nextafter = _binary("nextafter", "Elementwise next floating value after x1 towards x2 (non-differentiable)")
gcd = _binary("gcd", "Elementwise greatest common divisor of integers")
lcm = _binary("lcm", "Elementwise lowest common multiple of integers")
bitwise_and = _binary("bitwise_and", "Elementwise bitwise and of integers or booleans")
bitwise_or = _binary("bitwise_or", "Elementwise bitwise or of integers or booleans")
bitwise_xor = _binary("bitwise_xor", "Elementwise bitwise xor of integers or booleans")
left_shift = _binary("left_shift", "Elementwise shift of the bits of integers to the left")
right_shift = _binary("right_shift", "Elementwise shift of the bits of integers to the right")
invert = _unary("invert", "Elementwise bitwise not of integers or booleans", example="[1, 2]")
bitwise_count = _unary("bitwise_count", "Elementwise number of 1 bits in the absolute value of integers",
                       example="[1, 7]")
bitwise_not = bitwise_invert = invert
bitwise_left_shift = left_shift
bitwise_right_shift = right_shift

# array-API names of the inverse trigonometric functions: the same objects
acos, acosh, asin, asinh, atan, atan2, atanh = arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh


# --- closeness and equality ---------------------------------------------------------------------------------------
def _isclose_impl(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return namespace_of(a, b).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


_isclose = Primitive("isclose", _isclose_impl, doc="``numpy.isclose`` (non-differentiable; see :func:`isclose`).")
_isclose.def_batch(_batch_nary(_isclose))


def isclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """Elementwise ``|a - b| <= atol + rtol * |b|`` (boolean), as ``numpy.isclose``; NaNs are equal only with
    ``equal_nan``. Non-differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.isclose(fnp.array([1.0, 2.0]), fnp.array([1.0 + 1e-10, 2.1]))
    array([ True, False])
    """
    return _isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _as_bool(r):
    # a plain answer is a Python bool, as NumPy's; under vmap it stays a (batched) 0-d boolean array
    return r if type(r) is Box else bool(r)


def allclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """Whether every element of ``a`` is close to ``b`` (see :func:`isclose`), as ``numpy.allclose``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.allclose(fnp.array([1.0, 2.0]), 2.0), fnp.allclose([1.0, 1.0], 1.0)
    (False, True)
    """
    return _as_bool(_all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def _shape(a) -> tuple:
    s = getattr(a, "shape", None)
    return tuple(s) if s is not None else shape_of(_asarray(a) if type(a) in (list, tuple) else
                                                   namespace(a).asarray(a))


def array_equal(a1: ArrayLike, a2: ArrayLike, equal_nan: bool = False) -> Any:
    """Whether ``a1`` and ``a2`` have the same shape and elements, as ``numpy.array_equal`` (NaNs equal only
    with ``equal_nan``).

    >>> import funcgrad.numpy as fnp
    >>> fnp.array_equal([1.0, 2.0], fnp.array([1.0, 2.0])), fnp.array_equal([1.0], [1.0, 1.0])
    (True, False)
    """
    if _shape(a1) != _shape(a2):
        return False
    same = equal(a1, a2)
    if equal_nan:
        same = logical_or(same, logical_and(isnan(a1), isnan(a2)))
    return _as_bool(_all(same))


def array_equiv(a1: ArrayLike, a2: ArrayLike) -> Any:
    """Whether ``a1`` and ``a2`` broadcast together and are equal everywhere, as ``numpy.array_equiv``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.array_equiv([1.0, 2.0], [[1.0, 2.0], [1.0, 2.0]]), fnp.array_equiv([1.0, 2.0], [1.0, 2.0, 3.0])
    (True, False)
    """
    try:
        _onp.broadcast_shapes(_shape(a1), _shape(a2))
    except ValueError:
        return False
    return _as_bool(_all(equal(a1, a2)))


# --- dtype predicates ---------------------------------------------------------------------------------------------
def _dtype(x):
    d = getattr(x, "dtype", None)
    if d is not None:
        return d
    return dtype_of(getval(_asarray(x)) if type(x) in (list, tuple) else x)


def iscomplexobj(x: Any) -> bool:
    """Whether ``x`` has a complex dtype (whatever its values), as ``numpy.iscomplexobj``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.iscomplexobj(fnp.array([1.0 + 0j])), fnp.iscomplexobj(1.0)
    (True, False)
    """
    return _dtype(x).kind == "c"


def isrealobj(x: Any) -> bool:
    """Whether ``x`` does not have a complex dtype, as ``numpy.isrealobj``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.isrealobj(fnp.array([1.0 + 0j])), fnp.isrealobj([1, 2])
    (False, True)
    """
    return not iscomplexobj(x)


def iscomplex(x: ArrayLike) -> Any:
    """Elementwise test for a nonzero imaginary part (boolean), as ``numpy.iscomplex``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.iscomplex(fnp.array([1.0 + 1j, 2.0 + 0j]))
    array([ True, False])
    """
    return not_equal(imag(x), 0)


def isreal(x: ArrayLike) -> Any:
    """Elementwise test for a zero imaginary part (boolean), as ``numpy.isreal``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.isreal(fnp.array([1.0 + 1j, 2.0 + 0j]))
    array([False,  True])
    """
    return equal(imag(x), 0)


def _no_complex(name: str, x) -> None:
    if _dtype(x).kind == "c":
        raise TypeError(f"funcgrad.numpy.{name}: this operation is not supported for complex values because it "
                        f"would be ambiguous")


def isposinf(x: ArrayLike) -> Any:
    """Elementwise test for positive infinity (boolean), as ``numpy.isposinf``; complex input is refused.

    >>> import funcgrad.numpy as fnp
    >>> fnp.isposinf(fnp.array([float("inf"), -float("inf"), 1.0]))
    array([ True, False, False])
    """
    _no_complex("isposinf", x)
    return logical_and(isinf(x), logical_not(signbit(x)))


def isneginf(x: ArrayLike) -> Any:
    """Elementwise test for negative infinity (boolean), as ``numpy.isneginf``; complex input is refused.

    >>> import funcgrad.numpy as fnp
    >>> fnp.isneginf(fnp.array([float("inf"), -float("inf"), 1.0]))
    array([False,  True, False])
    """
    _no_complex("isneginf", x)
    return logical_and(isinf(x), signbit(x))


def _nan_to_num_real(x, nan, posinf, neginf):
    info = _onp.finfo(_dtype(x))
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    out = where(isnan(x), nan, x)
    out = where(logical_and(isinf(x), signbit(x)), lo, out)
    out = where(logical_and(isinf(x), logical_not(signbit(x))), hi, out)
    return out


def nan_to_num(x: ArrayLike, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Any:
    """``x`` with NaN replaced by ``nan`` and infinities by ``posinf``/``neginf`` (default: the dtype's largest
    finite values), as ``numpy.nan_to_num``; complex values get it for each part. The gradient flows where ``x``
    is finite and is zero at the replaced entries. ``copy`` is accepted and ignored (arrays are immutable).

    >>> import funcgrad.numpy as fnp
    >>> fnp.nan_to_num(fnp.array([float("nan"), 1.0, -float("inf")]), neginf=-9.0)
    array([ 0.,  1., -9.])
    """
    if type(x) is not Box and type(x) not in (list, tuple):
        return namespace(x).nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    x = _asarray(x) if type(x) in (list, tuple) else x
    kind = _dtype(x).kind
    if kind not in "fc":
        return x
    if kind == "c":
        return add(_nan_to_num_real(real(x), nan, posinf, neginf),
                   multiply(_nan_to_num_real(imag(x), nan, posinf, neginf), 1j))
    return _nan_to_num_real(x, nan, posinf, neginf)


# Declared without derivative: under a transform their outputs are constants (see Primitive.def_nondiff).
nondifferentiable(_frexp, _isclose, bitwise_and, bitwise_count, bitwise_or, bitwise_xor, gcd, invert, lcm,
                  left_shift, nextafter, right_shift, signbit, spacing)
