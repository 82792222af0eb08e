"""Specs for the elementwise family: domains keep finite differences on one smooth piece of each function."""
from hypothesis.extra import numpy as _hnp

from . import binary, custom, fnp, fst, np, nondiff, st, unary

_pos = (0.1, 3.0)
_unit = (-0.95, 0.95)

SPECS = [
    unary("negative"), unary("absolute", avoid=(0.0,)), unary("exp"), unary("expm1"),
    unary("log", domain=_pos), unary("log1p", domain=(-0.9, 3.0)), unary("log2", domain=_pos),
    unary("log10", domain=_pos), unary("sqrt", domain=_pos), unary("cbrt", domain=_pos), unary("square"),
    unary("reciprocal", domain=_pos), unary("sin"), unary("cos"), unary("tan", domain=(-1.2, 1.2)),
    unary("arcsin", domain=_unit), unary("arccos", domain=_unit), unary("arctan"), unary("sinh"),
    unary("cosh"), unary("tanh"), unary("arcsinh"), unary("arccosh", domain=(1.1, 3.0)),
    unary("arctanh", domain=_unit),
    binary("add"), binary("subtract"), binary("multiply"), binary("divide", domains=((-2.0, 2.0), _pos)),
    binary("power", domains=(_pos, (-2.0, 2.0))),
    binary("maximum", domains=((-2.0, 0.0), (0.1, 2.0))), binary("minimum", domains=((-2.0, 0.0), (0.1, 2.0))),
    binary("logaddexp"), binary("arctan2", domains=(_pos, _pos)), binary("hypot", domains=(_pos, _pos)),
    binary("mod", domains=((0.1, 0.9), (1.0, 2.0))),
    binary("where", lambda x, y: fnp.where(x > 0, x, y * 2.0), avoid=((0.0,), ())),
    binary("clip", lambda x, y: fnp.clip(x, -1.0, y), domains=((-0.9, 0.9), (1.0, 2.0))),
    nondiff("sign", fnp.sign, np.sign), nondiff("floor", fnp.floor, np.floor), nondiff("ceil", fnp.ceil, np.ceil),
    nondiff("rint", fnp.rint, np.rint), nondiff("trunc", fnp.trunc, np.trunc),
    nondiff("round", fnp.round, np.round), nondiff("isfinite", fnp.isfinite, np.isfinite),
    nondiff("isnan", fnp.isnan, np.isnan), nondiff("isinf", fnp.isinf, np.isinf),
    nondiff("logical_not", fnp.logical_not, np.logical_not),
    nondiff("floor_divide", fnp.floor_divide, np.floor_divide, 2, domain=(0.5, 3.0)),
    nondiff("equal", fnp.equal, np.equal, 2), nondiff("not_equal", fnp.not_equal, np.not_equal, 2),
    nondiff("less", fnp.less, np.less, 2), nondiff("less_equal", fnp.less_equal, np.less_equal, 2),
    nondiff("greater", fnp.greater, np.greater, 2), nondiff("greater_equal", fnp.greater_equal, np.greater_equal, 2),
    nondiff("logical_and", fnp.logical_and, np.logical_and, 2), nondiff("logical_or", fnp.logical_or, np.logical_or, 2),
    nondiff("logical_xor", fnp.logical_xor, np.logical_xor, 2),
]

# complex-valued primitives: drawn complex inputs (away from 0 and from angle's branch cut)


def _complex_arrays():
    part = st.floats(-1.5, 1.5, allow_nan=False)
    ok = lambda z: abs(z) > 0.1 and not (z.real < 0 and abs(z.imag) < 0.1)  # noqa: E731
    return fst.shapes().flatmap(lambda s: _hnp.arrays(np.complex128, s, elements=st.builds(complex, part, part)
                                                     .filter(ok)))


SPECS += [custom(name, _complex_arrays().map(lambda z, f=getattr(fnp, name): (f, (z,))), rtol=1e-4)
          for name in ("real", "imag", "conj", "angle")]
