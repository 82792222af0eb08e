"""Specs for scipy.special's functions (funcgrad/primitives/special_functions.py and bessel.py).

Domains keep each function smooth and away from its poles; orders and shape parameters (``n``, ``v``, ``a``, ``b``,
zeta's ``x``) are drawn as constants of the drawn function, since the functions have no derivative in them (the
errors are tested in tests/test_scipy_special.py). Without SciPy, the specs of functions that have no built-in
series skip when drawn (they stay in the table, so a primitive without a spec still fails the suite). On the CuPy
stand-in, SciPy serves the stand-in's arrays through ``register_library``, as cupyx.scipy.special serves CuPy's.
"""
import pytest

import _backend as B
from funcgrad.primitives import special_series
from funcgrad.primitives.special_functions import register_library
from funcgrad.scipy import special as S

from . import Spec, binary, custom, fst, nondiff, st, unary

try:
    import scipy.special as scipy_special
except ImportError:  # pragma: no cover - scipy is in the test extra
    scipy_special = None

if B.NAME == "standin" and scipy_special is not None:
    from funcgrad.testing import standin

    register_library(standin.xp, standin._Namespace(f"{standin.xp.__name__}.scipy_special", scipy_special,
                                                    "scipy.special over stand-in arrays"))


def _skip(_):
    pytest.skip("SciPy is not installed (pip install funcgrad[scipy])")


def _guard(spec: Spec) -> Spec:
    """Without SciPy, a spec whose primitive has no built-in series skips when drawn."""
    if scipy_special is None and not hasattr(special_series, spec.name):
        spec.strategy = st.just(None).map(_skip)
    return spec


def _with_constant(name, constants, fn, domain, avoid=()):
    """``fn(c, x)`` for a drawn constant ``c`` (an order or shape parameter) and a drawn array ``x``."""
    return custom(name, st.tuples(constants, fst.arrays(fst.shapes(), domain, avoid=avoid)).map(
        lambda cx: ((lambda x: fn(cx[0], x)), (cx[1],))))


def _bessel_of_order(name, fn, orders=(0.0, 0.5, 1.0, 1.5, 2.0, 3.5)):
    # integer orders are real-valued for negative arguments too; the others only for positive ones
    def draw(v):
        domain, avoid = ((-3.0, 3.0), (0.0,)) if float(v).is_integer() else ((0.2, 3.0), ())
        return fst.arrays(fst.shapes(), domain, avoid=avoid).map(lambda x: ((lambda a: fn(v, a)), (x,)))
    return custom(name, st.sampled_from(orders).flatmap(draw))


def _betainc():
    shape_param = st.floats(0.6, 3.0)
    return custom("betainc", st.tuples(shape_param, shape_param, fst.arrays(fst.shapes(), (0.05, 0.95))).map(
        lambda t: ((lambda x: S.betainc(t[0], t[1], x)), (t[2],))))


def _gammasgn_reference(x):
    return scipy_special.gammasgn(x)


_pos = (0.3, 4.0)
SPECS = [_guard(s) for s in [
    # gamma family
    unary("gamma", S.gamma, (0.3, 3.5)),
    unary("rgamma", S.rgamma, (-3.5, 4.0)),  # entire: through the poles of gamma (its rule reflects below 1/2)
    unary("gammaln", S.gammaln, (-2.7, 4.0), avoid=(-2.0, -1.0, 0.0), rtol=1e-4),
    unary("digamma", S.digamma, _pos),
    _with_constant("polygamma", st.integers(0, 3), S.polygamma, (0.5, 4.0)),
    nondiff("gammasgn", S.gammasgn, _gammasgn_reference),
    binary("beta", S.beta, domains=(_pos, _pos)),
    binary("betaln", S.betaln, domains=(_pos, _pos)),
    _betainc(),
    _with_constant("gammainc", st.floats(0.6, 4.0), S.gammainc, (0.1, 5.0)),
    _with_constant("gammaincc", st.floats(0.6, 4.0), S.gammaincc, (0.1, 5.0)),
    # error family
    unary("erf", S.erf, (-2.5, 2.5)),
    unary("erfc", S.erfc, (-2.5, 2.5)),
    unary("erfcx", S.erfcx, (-2.0, 5.0)),
    unary("erfinv", S.erfinv, (-0.9, 0.9)),
    unary("erfcinv", S.erfcinv, (0.1, 1.9)),
    unary("ndtr", S.ndtr, (-3.0, 3.0)),
    unary("ndtri", S.ndtri, (0.05, 0.95), rtol=1e-4),
    unary("log_ndtr", S.log_ndtr, (-10.0, 5.0)),
    # logistic, entropies, x log y
    unary("expit", S.expit, (-5.0, 5.0)),
    unary("logit", S.logit, (0.05, 0.95)),
    unary("log_expit", S.log_expit, (-5.0, 5.0)),
    binary("xlogy", S.xlogy, domains=((-2.0, 2.0), (0.1, 3.0))),
    binary("xlog1py", S.xlog1py, domains=((-2.0, 2.0), (-0.9, 3.0))),
    unary("entr", S.entr, (0.1, 3.0)),
    binary("rel_entr", S.rel_entr, domains=((0.1, 3.0), (0.1, 3.0))),
    binary("kl_div", S.kl_div, domains=((0.1, 3.0), (0.1, 3.0))),
    _with_constant("zeta", st.floats(1.5, 4.0), S.zeta, (0.5, 3.0)),
    # Bessel functions
    unary("j0", S.j0, (-5.0, 5.0)),
    unary("j1", S.j1, (-5.0, 5.0)),
    unary("y0", S.y0, (0.5, 5.0)),
    unary("y1", S.y1, (0.5, 5.0)),
    _bessel_of_order("jv", S.jv),
    _with_constant("yn", st.integers(0, 3), S.yn, (0.5, 5.0)),
    unary("i0e", S.i0e, (-4.0, 4.0), avoid=(0.0,)),
    unary("i1", S.i1, (-4.0, 4.0)),
    unary("i1e", S.i1e, (-4.0, 4.0), avoid=(0.0,)),
    _bessel_of_order("iv", S.iv),
    _bessel_of_order("ive", S.ive),
    _with_constant("kv", st.sampled_from([0.0, 0.5, 1.0, 2.5]), S.kv, (0.3, 4.0)),
    _with_constant("kve", st.sampled_from([0.0, 0.5, 1.0, 2.5]), S.kve, (0.3, 4.0)),
    _with_constant("spherical_jn", st.integers(0, 3), S.spherical_jn, (0.2, 5.0)),
]]
