"""Specs for the scipy.linalg primitives (funcgrad/primitives/scipy_linalg.py): expm, logm, sqrtm, solve_sylvester
and lu. The compositions in funcgrad.scipy.linalg are checked in tests/test_scipy_linalg.py.

Inputs are made well-posed inside each spec's function: ``logm``, ``sqrtm`` and the Sylvester operands get
``X + (n + 1) I`` with ``|X_ij| < 1`` (every eigenvalue has a positive real part, so the principal logarithm and
root are real and smooth, and ``a`` and ``-b`` share no eigenvalue); ``lu`` gets a fixed row permutation of
``X + (m + 1) I`` (column diagonally dominant, so partial pivoting undoes exactly that permutation, and nearby
matrices pivot the same way). Batch axes include size-1 and empty ones, and broadcast for ``solve_sylvester``.
Without SciPy the specs skip when drawn (they stay in the table, so a primitive without a spec still fails the
suite). On the CuPy stand-in, SciPy serves the stand-in's arrays through ``register_library``, as
cupyx.scipy.linalg serves CuPy's (which lacks logm, sqrtm and solve_sylvester: on real CuPy those raise).
"""
import pytest

import _backend as B
from funcgrad import device_put
from funcgrad.primitives import scipy_linalg as P
from funcgrad.primitives.linalg import matrix_transpose

from . import Spec, custom, fnp, fst, np, st

try:
    import scipy.linalg as scipy_linalg
except ImportError:  # pragma: no cover - scipy is in the test extra
    scipy_linalg = None

if B.NAME == "standin" and scipy_linalg is not None:
    from funcgrad.testing import standin

    P.register_library(standin.xp, standin._Namespace(f"{standin.xp.__name__}.scipy_linalg", scipy_linalg,
                                                      "scipy.linalg over stand-in arrays"))

_small = (-1.0, 1.0)


def _skip(_):
    pytest.skip("SciPy is not installed (pip install funcgrad[scipy])")


def _guard(spec: Spec) -> Spec:
    if scipy_linalg is None:
        spec.strategy = st.just(None).map(_skip)
    return spec


def _batch():
    return fst.shapes(max_dims=2, min_side=0, max_side=2)


def _shifted(x, m, n=None):
    """``x + (m + 1) I`` (the m x n "identity" for rectangular ``x``), on the backend under test."""
    return x + (m + 1.0) * device_put(np.eye(m, n))


def _square(draw, min_n=0, max_n=3):
    n = draw(st.integers(min_n, max_n))
    return draw(fst.arrays(draw(_batch()) + (n, n), _small))


@st.composite
def _expm_case(draw):
    x = _square(draw)
    return P.expm, (x,)


@st.composite
def _matrix_function_case(draw, prim):
    x = _square(draw)
    n = x.shape[-1]
    return (lambda a: prim(_shifted(a, n))), (x,)


@st.composite
def _sylvester_case(draw):
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ba, bb, bq = draw(fst.broadcastable_shapes(3, max_dims=2, min_side=0, max_side=2))
    a = draw(fst.arrays(tuple(ba) + (m, m), _small))
    b = draw(fst.arrays(tuple(bb) + (n, n), _small))
    q = draw(fst.arrays(tuple(bq) + (m, n)))
    return (lambda x, y, z: P.solve_sylvester(_shifted(x, m), _shifted(y, n), z)), (a, b, q)


@st.composite
def _lu_case(draw):
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = draw(fst.arrays(draw(_batch()) + (m, n), _small))
    perm = device_put(np.eye(m)[draw(st.permutations(range(m)))])

    def fun(a):
        return tuple(P.lu(fnp.matmul(perm, _shifted(a, m, n))))

    return fun, (x,)


@st.composite
def _sqrtm_transpose_case(draw):
    # a non-symmetric input whose transpose enters too: the VJP's S.T X + X S.T = G is not the JVP's equation
    x = _square(draw, min_n=1)
    n = x.shape[-1]
    return (lambda a: P.sqrtm(_shifted(a, n)) @ matrix_transpose(a)), (x,)


SPECS = [_guard(s) for s in (
    custom("expm", _expm_case()),
    custom("logm", _matrix_function_case(P.logm), rtol=1e-4, atol=1e-5),
    custom("sqrtm", st.one_of(_matrix_function_case(P.sqrtm), _sqrtm_transpose_case())),
    custom("solve_sylvester", _sylvester_case()),
    custom("lu", _lu_case()),
)]
