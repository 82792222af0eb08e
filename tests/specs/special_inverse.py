"""Specs for the inverses of the incomplete gamma and beta functions and of Student's t distribution function
(funcgrad/primitives/special_inverse.py), the quantile functions of funcgrad.scipy.stats.

The shape parameters (``a``, ``b``, ``df``) are drawn as constants of the drawn function: the primitives have no
derivative in them (the errors are tested in tests/test_scipy_stats.py). The probabilities stay inside (0, 1), away
from the ends where the quantiles run off to infinity. They need SciPy (no built-in series): without it they skip.
On the CuPy stand-in, tests/specs/scipy_special.py has already made SciPy serve the stand-in's arrays.
"""
import pytest

from funcgrad.primitives import special_inverse as I

from . import custom, fst, st

try:
    import scipy.special  # noqa: F401
    _HAVE_SCIPY = True
except ImportError:  # pragma: no cover - scipy is in the test extra
    _HAVE_SCIPY = False


def _skip(_):
    pytest.skip("SciPy is not installed (pip install funcgrad[scipy])")


def _of_probability(name, fn, nshapes):
    """``fn(*shapes, y)`` for drawn constant shapes and a drawn array of probabilities ``y``."""
    if not _HAVE_SCIPY:
        return custom(name, st.just(None).map(_skip))
    shapes = st.tuples(*[st.floats(0.8, 4.0)] * nshapes)
    strat = st.tuples(shapes, fst.arrays(fst.shapes(), (0.1, 0.9))).map(
        lambda t: ((lambda y: fn(*t[0], y)), (t[1],)))
    return custom(name, strat, rtol=1e-4, atol=1e-5)


SPECS = [
    _of_probability("gammaincinv", I.gammaincinv, 1),
    _of_probability("gammainccinv", I.gammainccinv, 1),
    _of_probability("betaincinv", I.betaincinv, 2),
    _of_probability("stdtrit", I.stdtrit, 1),
]
