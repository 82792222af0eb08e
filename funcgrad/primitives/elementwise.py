"""Elementwise primitives: ufuncs, comparisons, ``where`` and ``clip``, each beside its VJP and JVP rules.

Their vmap rules are all one rule (set by the constructors, and beside ``where``, ``clip`` and ``angle``): align
the ranks of the batched arguments so that broadcasting pairs examples with examples, then call the op once.

Kinks and ties follow one convention (HIPS autograd's and PyTorch's where they agree), in both modes:
``abs'(0) = 0``, ``sign'`` is zero, and a tie in ``maximum``/``minimum`` sends half of the gradient (half of each
tangent) to each side. ``floor``, ``ceil``, ``round``, ``rint``, ``trunc``, ``sign``, comparisons and logical ops
are non-differentiable: they accept traced values and return plain arrays, so the gradient stops there.
"""
from __future__ import annotations

import math

import numpy as _onp

from ..backend import NUMPY_TYPES, dtype_of, namespace, namespace_of, shape_of
from ..core import Primitive, getval
from ..core.primitive import cast, nondifferentiable
from .control import _stop
from .shape import _reshape

__all__ = [
    "negative", "absolute", "abs", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "cbrt", "square",
    "reciprocal", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
    "arctanh", "sign", "floor", "ceil", "rint", "trunc", "round", "around", "isfinite", "isnan", "isinf",
    "logical_not", "add", "subtract", "multiply", "divide", "true_divide", "power", "pow", "maximum", "minimum",
    "logaddexp", "arctan2", "hypot", "mod", "remainder", "floor_divide", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "logical_and", "logical_or", "logical_xor", "where", "clip", "astype", "real",
    "imag", "conj", "conjugate", "angle",
]
LINALG: list = []


def _doc(name: str, what: str, example_args: str = "[0.5, 1.5]") -> str:
    return (f"{what}, as ``numpy.{name}``.\n\n"
            f">>> import funcgrad.numpy as fnp\n"
            f">>> fnp.{name}(fnp.array({example_args})).shape\n(2,)\n")


# --- batching (vmap) ----------------------------------------------------------------------------------------------
def _rank(a) -> int:
    """Rank of an argument as NumPy sees it (plain nested lists included; traced lists were packed by the core)."""
    s = getattr(a, "shape", None)
    if s is not None:
        return len(s)
    return _onp.ndim(a) if type(a) is list or type(a) is tuple else 0


def _align(args, batched) -> tuple[list, int]:
    """``(args, R)``: elementwise arguments made to broadcast per example, and R, the largest per-example rank.

    A batched argument of per-example rank r < R becomes ``(B,) + (1,) * (R - r) + its shape``, so that its batch
    axis meets the others'; unbatched arguments need nothing, as broadcasting aligns them on the right.
    """
    ranks = [_rank(a) - b for a, b in zip(args, batched)]
    top = max(ranks)
    if all(r == top for r, b in zip(ranks, batched) if b):
        return args, top
    out = list(args)
    for i, (a, b, r) in enumerate(zip(args, batched, ranks)):
        if b and r < top:
            s = shape_of(a)
            out[i] = _reshape(a, shape=s[:1] + (1,) * (top - r) + s[1:])
    return out, top


def _batch_unary(prim: Primitive):
    """vmap rule of a one-argument elementwise op: the batch is just one more axis."""
    def rule(args, batched, **kw):
        return prim(args[0], **kw)
    return rule


def _batch_nary(prim: Primitive):
    """vmap rule of an n-ary elementwise op (broadcasting): align the ranks, then one call on the whole batch."""
    def rule(args, batched, **kw):
        return prim(*_align(args, batched)[0], **kw)
    return rule


def _unary(name: str, what: str, np_name: str | None = None, example: str = "[0.5, 0.25]") -> Primitive:
    np_name = np_name or name
    np_fn = getattr(_onp, np_name)

    def impl(x, **kw):
        # NumPy inputs call the ufunc directly: the namespace lookup is only paid by other array libraries.
        if type(x) in NUMPY_TYPES:
            return np_fn(x, **kw)
        return getattr(namespace(x), np_name)(x, **kw)

    impl.__name__ = name
    prim = Primitive(name, impl, doc=_doc(name, what, example))
    prim.def_batch(_batch_unary(prim))
    return prim


def _binary(name: str, what: str, np_name: str | None = None) -> Primitive:
    np_name = np_name or name
    np_fn = getattr(_onp, np_name)

    def impl(x, y):
        if type(x) in NUMPY_TYPES and type(y) in NUMPY_TYPES:
            return np_fn(x, y)
        return getattr(namespace_of(x, y), np_name)(x, y)

    impl.__name__ = name
    prim = Primitive(name, impl, doc=(f"{what}, as ``numpy.{name}`` (broadcasting).\n\n"
                                      f">>> import funcgrad.numpy as fnp\n"
                                      f">>> fnp.{name}(fnp.array([0.5, 1.5]), 2.0).shape\n(2,)\n"))
    prim.def_batch(_batch_nary(prim))
    return prim


# --- unary ------------------------------------------------------------------------------------------------------
negative = _unary("negative", "Elementwise negation")
absolute = _unary("absolute", "Elementwise absolute value (its derivative at 0 is taken as 0)", "abs")
exp = _unary("exp", "Elementwise exponential")
expm1 = _unary("expm1", "Elementwise exp(x) - 1, accurate near 0")
log = _unary("log", "Elementwise natural logarithm")
log1p = _unary("log1p", "Elementwise log(1 + x), accurate near 0")
log2 = _unary("log2", "Elementwise base-2 logarithm")
log10 = _unary("log10", "Elementwise base-10 logarithm")
sqrt = _unary("sqrt", "Elementwise square root")
cbrt = _unary("cbrt", "Elementwise cube root")
square = _unary("square", "Elementwise square")
reciprocal = _unary("reciprocal", "Elementwise 1 / x")
sin = _unary("sin", "Elementwise sine")
cos = _unary("cos", "Elementwise cosine")
tan = _unary("tan", "Elementwise tangent")
arcsin = _unary("arcsin", "Elementwise inverse sine")
arccos = _unary("arccos", "Elementwise inverse cosine")
arctan = _unary("arctan", "Elementwise inverse tangent")
sinh = _unary("sinh", "Elementwise hyperbolic sine")
cosh = _unary("cosh", "Elementwise hyperbolic cosine")
tanh = _unary("tanh", "Elementwise hyperbolic tangent")
arcsinh = _unary("arcsinh", "Elementwise inverse hyperbolic sine")
arccosh = _unary("arccosh", "Elementwise inverse hyperbolic cosine", example="[1.5, 2.5]")
arctanh = _unary("arctanh", "Elementwise inverse hyperbolic tangent")
# non-differentiable (no rules: traced inputs are unwrapped and the gradient stops)
sign = _unary("sign", "Elementwise sign (non-differentiable: zero gradient)")
floor = _unary("floor", "Elementwise floor (non-differentiable)")
ceil = _unary("ceil", "Elementwise ceiling (non-differentiable)")
rint = _unary("rint", "Elementwise round to nearest integer (non-differentiable)")
trunc = _unary("trunc", "Elementwise truncation toward zero (non-differentiable)")
_round = _unary("round", "Elementwise rounding to ``decimals`` (non-differentiable)")
isfinite = _unary("isfinite", "Elementwise test for finite values (boolean)")
isnan = _unary("isnan", "Elementwise test for NaN (boolean)")
isinf = _unary("isinf", "Elementwise test for infinities (boolean)")
logical_not = _unary("logical_not", "Elementwise logical not (boolean)")



def _rules(prim: Primitive, *rules) -> None:
    """Set ``rules`` as both the VJP and the JVP rules of ``prim``.

    An elementwise op's Jacobian with respect to each argument is diagonal (after broadcasting), so the rule
    ``s * df/darg`` maps a cotangent (reverse mode) and a tangent (forward mode) alike: the engine sums the
    cotangent back to the argument's shape, and broadcasts the tangent's contribution to the output's shape. The
    conventions at kinks and ties therefore hold in both modes by construction.
    """
    prim.def_vjp(*rules)
    prim.def_jvp(*rules)


# Rules use operators where they can: on plain arrays (first order) they are NumPy's own operators, the cheapest
# route; on traced values (higher orders) they are funcgrad primitives, so the rules differentiate again. The first
# argument of each rule is the cotangent in reverse mode and the argument's tangent in forward mode.
# Shape- and dtype-preserving maps of float and complex values: the engine need not fit their cotangents
for _p in (negative, exp, expm1, log, log1p, log2, log10, sqrt, cbrt, square, reciprocal, sin, cos, tan, arcsin,
           arccos, arctan, sinh, cosh, tanh, arcsinh, arccosh, arctanh):
    _p.keeps_shape = True

_rules(negative, lambda g, ans, x: -g)
def _abs_vjp(g, ans, x):
    if dtype_of(x).kind == "c":
        # |z| is not holomorphic: d|z| = Re(conj(z) dz) / |z|, whose transpose is g * conj(z) / |z| (0 at 0)
        safe = where(equal(ans, 0.0), 1.0, ans)
        return g * where(equal(ans, 0.0), 0.0, conj(x) / safe)
    return g * sign(x)


def _abs_jvp(t, ans, x):
    if dtype_of(x).kind == "c":
        safe = where(equal(ans, 0.0), 1.0, ans)
        return where(equal(ans, 0.0), 0.0, real(conj(x) * t) / safe)
    return t * sign(x)


absolute.def_vjp(_abs_vjp)
absolute.def_jvp(_abs_jvp)
_rules(exp, lambda g, ans, x: g * ans)
_rules(expm1, lambda g, ans, x: g * (ans + 1.0))
_rules(log, lambda g, ans, x: g / x)
_rules(log1p, lambda g, ans, x: g / (x + 1.0))
_rules(log2, lambda g, ans, x: g / (x * math.log(2.0)))
_rules(log10, lambda g, ans, x: g / (x * math.log(10.0)))
_rules(sqrt, lambda g, ans, x: g / (ans * 2.0))
_rules(cbrt, lambda g, ans, x: g / (ans * ans * 3.0))
_rules(square, lambda g, ans, x: g * (x * 2.0))
_rules(reciprocal, lambda g, ans, x: -(g * (ans * ans)))
_rules(sin, lambda g, ans, x: g * cos(x))
_rules(cos, lambda g, ans, x: -(g * sin(x)))
_rules(tan, lambda g, ans, x: g * (ans * ans + 1.0))


def _root_one_minus_square(x, ans, inverse):
    """sqrt(1 - x^2) for arcsin's and arccos's derivatives. For complex x it is taken as cos(arcsin x) (sin(arccos
    x)), equal to it off the branch cuts and, on them (real x with |x| > 1, as numpy.emath gives), on the side of
    the cut the value was taken from: 1 - x^2 loses the sign of x's zero imaginary part."""
    if dtype_of(x).kind == "c":
        return cos(ans) if inverse is arcsin else sin(ans)
    return sqrt(1.0 - x * x)


_rules(arcsin, lambda g, ans, x: g / _root_one_minus_square(x, ans, arcsin))
_rules(arccos, lambda g, ans, x: -(g / _root_one_minus_square(x, ans, arccos)))
_rules(arctan, lambda g, ans, x: g / (x * x + 1.0))
_rules(sinh, lambda g, ans, x: g * cosh(x))
_rules(cosh, lambda g, ans, x: g * sinh(x))
_rules(tanh, lambda g, ans, x: g - g * ans * ans)  # g (1 - ans^2), with no Python float to convert
_rules(arcsinh, lambda g, ans, x: g / sqrt(x * x + 1.0))
_rules(arccosh, lambda g, ans, x: g / sqrt(x * x - 1.0))
_rules(arctanh, lambda g, ans, x: g / (1.0 - x * x))

# --- binary -----------------------------------------------------------------------------------------------------
add = _binary("add", "Elementwise sum")
subtract = _binary("subtract", "Elementwise difference")
multiply = _binary("multiply", "Elementwise product")
divide = _binary("divide", "Elementwise true division")
power = _binary("power", "Elementwise power")
maximum = _binary("maximum", "Elementwise maximum (ties split the gradient evenly)")
minimum = _binary("minimum", "Elementwise minimum (ties split the gradient evenly)")
logaddexp = _binary("logaddexp", "Elementwise log(exp(x) + exp(y)), computed stably")
arctan2 = _binary("arctan2", "Elementwise arctan(x1 / x2) choosing the quadrant")
hypot = _binary("hypot", "Elementwise sqrt(x1**2 + x2**2)")
mod = _binary("mod", "Elementwise remainder with the sign of the divisor")
floor_divide = _binary("floor_divide", "Elementwise floor division (non-differentiable)")
equal = _binary("equal", "Elementwise x == y (boolean)")
not_equal = _binary("not_equal", "Elementwise x != y (boolean)")
less = _binary("less", "Elementwise x < y (boolean)")
less_equal = _binary("less_equal", "Elementwise x <= y (boolean)")
greater = _binary("greater", "Elementwise x > y (boolean)")
greater_equal = _binary("greater_equal", "Elementwise x >= y (boolean)")
logical_and = _binary("logical_and", "Elementwise logical and (boolean)")
logical_or = _binary("logical_or", "Elementwise logical or (boolean)")
logical_xor = _binary("logical_xor", "Elementwise logical xor (boolean)")

_rules(add, lambda g, ans, x, y: g, lambda g, ans, x, y: g)
_rules(subtract, lambda g, ans, x, y: g, lambda g, ans, x, y: -g)
_rules(multiply, lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x)
_rules(divide, lambda g, ans, x, y: divide(g, y), lambda g, ans, x, y: -(g * ans / y))


def _power_dx(g, ans, x, y):
    if isinstance(y, (int, float)):
        # constant exponents (x ** 2) are the common case: keep x ** 0 terms exact, so that repeated
        # differentiation at x == 0 never meets 0 * inf.
        if y == 0:
            return None
        return multiply(g, multiply(y, power(x, y - 1))) if y != 1 else g
    singular = logical_and(equal(x, 0.0), equal(y, 0.0))
    return multiply(g, where(singular, 0.0, multiply(y, power(x, subtract(y, 1.0)))))


def _power_dy(g, ans, x, y):
    # d/dy x**y = x**y log x; where x == 0 the limit is taken as 0 (y > 0), the convention of autograd and torch.
    safe_x = where(equal(x, 0.0), 1.0, x)
    return multiply(g, multiply(ans, log(safe_x)))


_rules(power, _power_dx, _power_dy)


def _tie_share(first, second):
    """Share of the gradient that goes to ``first`` where it wins: 1, 0.5 on a tie, else 0 (a constant)."""
    return add(greater(first, second), multiply(equal(first, second), 0.5))


_rules(maximum, lambda g, ans, x, y: multiply(g, _tie_share(x, y)),
                lambda g, ans, x, y: multiply(g, _tie_share(y, x)))
_rules(minimum, lambda g, ans, x, y: multiply(g, _tie_share(y, x)),
                lambda g, ans, x, y: multiply(g, _tie_share(x, y)))
_rules(logaddexp, lambda g, ans, x, y: multiply(g, exp(subtract(x, ans))),
                  lambda g, ans, x, y: multiply(g, exp(subtract(y, ans))))


def _atan2_rule(g, y, x, num):
    """``g * num / (x^2 + y^2)``, 0 at the origin (PyTorch's convention there), with the "double where": the
    denominator is 1 where it is 0, so neither branch leaks a NaN at any order."""
    den = add(square(x), square(y))
    zero = equal(den, 0.0)
    return where(zero, 0.0, divide(multiply(g, num), where(zero, 1.0, den)))


_rules(arctan2, lambda g, ans, y, x: _atan2_rule(g, y, x, x),
                lambda g, ans, y, x: _atan2_rule(g, y, x, negative(y)))
_rules(hypot, lambda g, ans, x, y: multiply(g, divide(x, ans)), lambda g, ans, x, y: multiply(g, divide(y, ans)))
_rules(mod, lambda g, ans, x, y: g, lambda g, ans, x, y: negative(multiply(g, floor_divide(x, y))))


# --- selection --------------------------------------------------------------------------------------------------
def _where_impl(condition, x, y):
    return namespace_of(x, y, condition).where(condition, x, y)


where = Primitive("where", _where_impl, doc=(
    "Elements of ``x`` where ``condition`` holds, else of ``y``, as ``numpy.where`` (three-argument form). "
    "The gradient flows to the chosen side only.\n\n"
    ">>> import funcgrad.numpy as fnp\n>>> fnp.where(fnp.array([True, False]), 1.0, 2.0)\narray([1., 2.])\n"))
_rules(where, None, lambda g, ans, c, x, y: where(c, g, 0.0), lambda g, ans, c, x, y: where(c, 0.0, g))
where.def_batch(_batch_nary(where))


def _clip_impl(x, a_min, a_max):
    return namespace_of(x, a_min, a_max).clip(x, a_min, a_max)


_clip = Primitive("clip", _clip_impl, doc=(
    "``x`` limited to ``[a_min, a_max]`` (primitive form of :func:`clip`; either bound may be None)."))
_NO_BOUND = object()  # marks a bound that was not passed (None is a valid bound: no limit on that side)


def clip(a, a_min=_NO_BOUND, a_max=_NO_BOUND, out=None, *, min=_NO_BOUND, max=_NO_BOUND):  # noqa: A002
    """``a`` limited to ``[a_min, a_max]``, as ``numpy.clip``; either bound may be None or left out. The bounds
    may be passed positionally, as NumPy 1's ``a_min``/``a_max`` or as NumPy 2's ``min``/``max`` keywords. At a
    boundary the gradient goes to ``a``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.clip(fnp.array([-2.0, 0.5, 3.0]), -1.0, 1.0)
    array([-1. ,  0.5,  1. ])
    >>> fnp.clip(fnp.array([-2.0, 0.5, 3.0]), a_max=1.0)
    array([-2. ,  0.5,  1. ])
    >>> fnp.clip(fnp.array([-2.0, 0.5, 3.0]), min=0.0)
    array([0. , 0.5, 3. ])
    """
    if out is not None:
        raise TypeError("funcgrad.numpy.clip: out= is not supported, funcgrad arrays are immutable; use the "
                        "returned array instead")
    if min is not _NO_BOUND or max is not _NO_BOUND:
        if a_min is not _NO_BOUND or a_max is not _NO_BOUND:
            raise ValueError("funcgrad.numpy.clip: pass the bounds either as a_min/a_max (or positionally) or as "
                             "min/max, not both")
        a_min, a_max = min, max
    lo = None if a_min is _NO_BOUND else a_min
    hi = None if a_max is _NO_BOUND else a_max
    return _clip(a, lo, hi)


def _clip_dx(g, ans, x, lo, hi):
    inside = 1.0
    if lo is not None:
        inside = multiply(inside, greater_equal(x, lo))
    if hi is not None:
        inside = multiply(inside, less_equal(x, hi))
    return multiply(g, inside)


_rules(_clip, _clip_dx, lambda g, ans, x, lo, hi: multiply(g, less(x, lo)),
              lambda g, ans, x, lo, hi: multiply(g, greater(x, hi)))
_clip.def_batch(_batch_nary(_clip))  # a None bound is an unbatched 0-d argument to the alignment


# --- aliases and casting ------------------------------------------------------------------------------------------
abs = absolute  # noqa: A001


def round(a, decimals: int = 0, out=None):  # noqa: A001
    """``a`` rounded to ``decimals`` places (halves to even), as ``numpy.round``; non-differentiable.

    >>> import funcgrad.numpy as fnp
    >>> fnp.round(fnp.array([0.125, 2.5]), 2)
    array([0.12, 2.5 ])
    """
    if out is not None:
        raise TypeError("funcgrad.numpy.round: out= is not supported, funcgrad arrays are immutable; use the "
                        "returned array instead")
    return _round(a, decimals=decimals) if decimals else _round(a)


around = round
true_divide = divide
pow = power  # noqa: A001
remainder = mod


def astype(x, dtype, copy: bool = True):
    """``x`` converted to ``dtype``, as ``x.astype(dtype)``. Gradients flow through floating and complex
    targets (cast back to ``x``'s dtype); converting to an integer or boolean dtype stops the gradient.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.astype(np.array([1.5, 2.5]), np.float32).dtype
    dtype('float32')
    """
    import numpy as _onp

    if _onp.dtype(dtype).kind not in "fc":
        x = _stop(x)  # no gradient; a primitive (not getval), so that vmap batches it and jit records it
    return cast(x, dtype=dtype)


# --- complex numbers ---------------------------------------------------------------------------------------------
# funcgrad follows JAX's and HIPS autograd's convention: VJPs are transposes under the bilinear pairing
# Re(sum(a * b)), so holomorphic rules carry no conjugation, conj's VJP is conj, and grad of a real-valued function
# of complex inputs is the conjugate of the Wirtinger derivative d/dz-bar times 2 (grad(abs(z)**2) == 2 conj(z)).
real = _unary("real", "Real part", example="[0.5, 1.5]")
imag = _unary("imag", "Imaginary part", example="[0.5, 1.5]")
conj = _unary("conj", "Complex conjugate", example="[0.5, 1.5]")
conjugate = conj


def _angle(z, deg: bool = False):
    out = namespace(z).angle(z)
    return out * (180.0 / math.pi) if deg else out


angle = Primitive("angle", _angle, doc=(
    "Argument (phase) of complex values, as ``numpy.angle``.\n\n"
    ">>> import funcgrad.numpy as fnp\n>>> float(fnp.angle(1j))\n1.5707963267948966\n"))

# real(z) = (z + conj z) / 2 and imag(z) = (z - conj z) / 2i: their transposes map a real g to g and to -i g
real.def_vjp(lambda g, ans, x: g)  # the engine casts to x's dtype (complex g, or its real part for real x)
real.def_jvp(lambda t, ans, x: real(t))
imag.def_vjp(lambda g, ans, x: g * -1j if dtype_of(x).kind == "c" else None)
imag.def_jvp(lambda t, ans, x: imag(t))
conj.def_vjp(lambda g, ans, x: conj(g))
conj.def_jvp(lambda t, ans, x: conj(t))


def _angle_scale(deg):
    return (180.0 / math.pi) if deg else 1.0


# angle(z) = imag(log z): d angle = Im(dz / z), transpose g -> -i g / z (for real x: 0 a.e.)
angle.def_vjp(lambda g, ans, x, deg=False: (g * _angle_scale(deg)) * (-1j) / x if dtype_of(x).kind == "c" else None)
angle.def_jvp(lambda t, ans, x, deg=False: imag(t / x) * _angle_scale(deg) if dtype_of(x).kind == "c" else None)
angle.def_batch(_batch_unary(angle))


# Declared without derivative: under a transform their outputs are constants (see Primitive.def_nondiff).
nondifferentiable(_round, ceil, equal, floor, floor_divide, greater, greater_equal, isfinite, isinf, isnan,
                  less, less_equal, logical_and, logical_not, logical_or, logical_xor, not_equal, rint, sign,
                  trunc)
