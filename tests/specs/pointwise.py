"""Specs for the pointwise family (funcgrad/primitives/pointwise.py): domains keep finite differences on one smooth
piece of each function; integer and bit operations draw integers."""
from hypothesis.extra import numpy as _hnp

from funcgrad.primitives import pointwise as P

from . import Spec, binary, custom, fnp, fst, np, nondiff, st, unary

_pos = (0.1, 3.0)


def _ints(nargs, lo=-20, hi=20, fn=None, ref=None, name=None):
    """A non-differentiable integer op: ``fn`` on traced integer arrays must equal NumPy's ``ref``."""
    strat = fst.broadcastable_shapes(nargs).flatmap(lambda s: st.tuples(
        *[_hnp.arrays(np.int64, si, elements=st.integers(lo, hi)) for si in s]))
    return Spec(name, strat.map(lambda xs: (fn, xs)), differentiable=False, reference=ref)


def _ldexp():
    # the exponent is an integer constant of the drawn function (put where x lives: the device under test)
    return fst.broadcastable_shapes(2).flatmap(lambda s: st.tuples(
        fst.arrays(s[0]), _hnp.arrays(np.int32, s[1], elements=st.integers(-3, 3)))).map(
        lambda xn: ((lambda x: fnp.ldexp(x, fnp.asarray(xn[1], like=x))), (xn[0],)))


def _heaviside():
    # rounding (non-differentiable) gives x1 exact zeros, where the gradient flows to x2
    def f(x, y):
        return fnp.heaviside(fnp.round(x), y)
    return fst.broadcastable_shapes(2).flatmap(lambda s: st.tuples(
        fst.arrays(s[0], avoid=(-1.5, -0.5, 0.5, 1.5), margin=0.05), fst.arrays(s[1]))).map(lambda xy: (f, xy))


def _modf():
    return fst.shapes().flatmap(lambda s: fst.arrays(s, avoid=(-1.0, 0.0, 1.0), margin=0.05)).map(
        lambda x: ((lambda v: sum(fnp.modf(v)) * fnp.modf(v)[0]), (x,)))


def _pick(i, f):
    return lambda *a: f(*a)[i]


SPECS = [
    unary("exp2"), unary("sinc", avoid=(0.0,)), unary("fabs", avoid=(0.0,)), unary("deg2rad"), unary("rad2deg"),
    unary("positive"), unary("i0", rtol=1e-4),
    binary("logaddexp2"),
    binary("fmax", domains=((-2.0, 0.0), (0.1, 2.0))), binary("fmin", domains=((-2.0, 0.0), (0.1, 2.0))),
    binary("fmod", domains=((0.1, 0.9), (1.0, 2.0))),
    binary("copysign", avoid=((0.0,), (0.0,))),
    binary("float_power", domains=(_pos, (-2.0, 2.0))),
    custom("heaviside", _heaviside()),
    custom("ldexp", _ldexp()),
    custom("modf", _modf()),
    nondiff("signbit", fnp.signbit, np.signbit), nondiff("spacing", fnp.spacing, np.spacing),
    nondiff("nextafter", fnp.nextafter, np.nextafter, 2),
    nondiff("isclose", lambda x, y: fnp.isclose(x, y, atol=0.5), lambda x, y: np.isclose(x, y, atol=0.5), 2),
    nondiff("frexp", _pick(1, P._frexp), _pick(1, np.frexp)),
    _ints(2, 0, 30, fnp.gcd, np.gcd, "gcd"), _ints(2, 0, 30, fnp.lcm, np.lcm, "lcm"),
    _ints(2, fn=fnp.bitwise_and, ref=np.bitwise_and, name="bitwise_and"),
    _ints(2, fn=fnp.bitwise_or, ref=np.bitwise_or, name="bitwise_or"),
    _ints(2, fn=fnp.bitwise_xor, ref=np.bitwise_xor, name="bitwise_xor"),
    _ints(2, 0, 8, fnp.left_shift, np.left_shift, "left_shift"),
    _ints(2, 0, 8, fnp.right_shift, np.right_shift, "right_shift"),
    _ints(1, fn=fnp.invert, ref=np.invert, name="invert"),
    _ints(1, fn=fnp.bitwise_count, ref=np.bitwise_count, name="bitwise_count"),
]
