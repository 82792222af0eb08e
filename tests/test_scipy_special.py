"""funcgrad.scipy.special (funcgrad/primitives/special_functions.py, bessel.py, special_series.py): values equal
SciPy's on a grid for every name, funcgrad's own series (used without SciPy) agree with SciPy, the missing
derivatives raise naming the argument, and the edges (xlogy at x == 0, the poles) behave as SciPy's.

The derivatives themselves are checked against finite differences, to second order, by the registry-driven suite
(tests/specs/scipy_special.py); here the convention at a few points is checked against hand-derived values."""
import math
import types

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import grad, jvp
from funcgrad.primitives import special_functions as SF
from funcgrad.scipy import special as S

ss = pytest.importorskip("scipy.special")

rng = np.random.default_rng(16)
POS = np.linspace(0.15, 6.0, 23)
REAL = np.linspace(-4.5, 4.5, 25)
UNIT = np.linspace(-0.98, 0.98, 21)
PROB = np.linspace(0.01, 0.99, 21)
ORDERS = np.array([0.0, 0.5, 1.0, 2.5, 4.0])[:, None]
INTS = np.arange(4)[:, None]
A, X = np.meshgrid(np.linspace(0.3, 6.0, 9), np.linspace(0.05, 9.0, 11))
XY = (rng.uniform(-2.0, 2.0, 12), rng.uniform(0.05, 3.0, 12))

# name: the arguments to compare on (both libraries get the same)
GRID = {
    "gamma": (np.concatenate([POS, -POS[POS % 1 > 0.05]]),),
    "rgamma": (np.concatenate([POS, -POS, [0.0, -1.0, -2.0, -3.0, 171.5, 200.0]]),), "gammaln": (np.concatenate([POS, -POS - 0.01]),),
    "digamma": (np.concatenate([POS, -POS - 0.01]),), "psi": (POS,), "polygamma": (INTS, POS),
    "multigammaln": (POS + 2.0, 3), "gammasgn": (np.concatenate([POS, -POS - 0.01]),),
    "beta": (POS[:, None], POS[::3]), "betaln": (POS[:, None], POS[::3]),
    "betainc": (A[:1].T, A[:1].T[::-1], np.linspace(0.0, 1.0, 9)), "gammainc": (A, X), "gammaincc": (A, X),
    "erf": (REAL,), "erfc": (REAL * 2,), "erfcx": (REAL * 5,), "erfinv": (UNIT,), "erfcinv": (UNIT + 1.0,),
    "ndtr": (REAL * 2,), "ndtri": (PROB,), "log_ndtr": (REAL * 8,),
    "expit": (REAL * 10,), "logit": (PROB,), "log_expit": (REAL * 10,),
    "xlogy": XY, "xlog1py": (XY[0], XY[1] - 0.9), "entr": (np.concatenate([POS, [0.0, -1.0]]),),
    "rel_entr": (POS[:, None], POS[::4]), "kl_div": (POS[:, None], POS[::4]),
    "zeta": (POS + 1.1, POS[:, None]),
    "j0": (REAL * 3,), "j1": (REAL * 3,), "y0": (POS * 2,), "y1": (POS * 2,), "jv": (ORDERS, POS * 2),
    "jn": (INTS, REAL * 2),
    "yn": (INTS, POS * 2), "i0": (REAL * 3,), "i0e": (REAL * 20,), "i1": (REAL * 3,), "i1e": (REAL * 20,),
    "iv": (ORDERS, POS * 2), "ive": (ORDERS, POS * 20), "kv": (ORDERS, POS), "kve": (ORDERS, POS * 20),
    "spherical_jn": (INTS, POS * 2),
    "logsumexp": (rng.standard_normal((3, 4)),), "softmax": (rng.standard_normal((3, 4)),),
    "log_softmax": (rng.standard_normal((3, 4)),), "sinc": (REAL,),
}
REFERENCE = {"sinc": np.sinc}  # SciPy has no sinc: funcgrad's is NumPy's


def test_every_name_has_a_grid():
    assert sorted(GRID) == sorted(S.__all__)


@pytest.mark.parametrize("name", sorted(GRID))
def test_values_equal_scipys(name):
    args = GRID[name]
    ours = getattr(S, name)(*args)
    theirs = REFERENCE.get(name, getattr(ss, name, None))(*args)
    assert np.shape(ours) == np.shape(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)


def test_riemann_zeta_is_continued_below_one():
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(S.zeta(x), ss.zeta(x), rtol=1e-14)
    assert math.isnan(S.zeta(0.5, 1.0))  # the Hurwitz series is not continued, as in SciPy


def test_spherical_jn_derivative_flag():
    z = POS * 2
    np.testing.assert_allclose(S.spherical_jn(INTS, z, derivative=True), ss.spherical_jn(INTS, z, derivative=True),
                               rtol=1e-12, atol=1e-15)
    # the flag's value is differentiable again: d/dz of j_n'(z) by finite differences
    h = 1e-6
    d2 = grad(lambda t: S.spherical_jn(2, t, derivative=True))(1.3)
    fd = (ss.spherical_jn(2, 1.3 + h, derivative=True) - ss.spherical_jn(2, 1.3 - h, derivative=True)) / (2 * h)
    assert abs(d2 - fd) < 1e-8


# --- funcgrad's own series, the values without SciPy --------------------------------------------------------------
@pytest.fixture
def libraries():
    """Restore the special-function libraries after a test that replaces them."""
    saved = dict(SF._LIBRARIES)
    yield
    SF._LIBRARIES.clear()
    SF._LIBRARIES.update(saved)
    SF._FUNCS.clear()


BUILTIN = {  # name: (arguments, rtol): the series are accurate to a few units in the last place, more in a tail
    "erf": ((REAL,), 1e-14), "erfc": ((REAL * 2,), 1e-13), "erfcx": ((REAL * 5,), 1e-13),
    "erfinv": ((np.concatenate([UNIT, [1.0, -1.0, 1.5, 1 - 1e-12]]),), 1e-12),
    "erfcinv": ((np.concatenate([UNIT + 1.0, [0.0, 2.0, 1e-30]]),), 1e-12),
    "ndtr": ((REAL * 2,), 1e-13), "ndtri": ((np.concatenate([PROB, [0.0, 1.0, 1e-20]]),), 1e-12),
    "log_ndtr": ((np.concatenate([REAL * 8, [-200.0, 40.0]]),), 5e-13),
    "gammaln": ((np.concatenate([POS, -POS - 0.01, [0.0, -2.0, 1e10]]),), 1e-12),
    "digamma": ((np.concatenate([POS, -POS - 0.01, [0.0]]),), 1e-12),
    "polygamma": ((INTS, np.concatenate([POS, -POS[:5] - 0.01])), 1e-11),
    "zeta": ((POS + 1.1, POS[:, None]), 1e-12), "gammainc": ((A, X), 1e-12), "gammaincc": ((A, X), 1e-11),
    "i0e": ((REAL * 20,), 1e-13), "i1": ((REAL * 3,), 1e-13), "i1e": ((REAL * 20,), 1e-13),
    "expit": ((REAL * 10,), 1e-15), "logit": ((PROB,), 1e-14), "log_expit": ((REAL * 10,), 1e-14),
    "xlogy": (XY, 1e-15), "xlog1py": ((XY[0], XY[1] - 0.9), 1e-15), "entr": ((np.array([0.0, -1.0, 0.5, 3.0]),), 1e-15),
    "rel_entr": ((POS[:, None], POS[::4]), 1e-14), "kl_div": ((POS[:, None], POS[::4]), 1e-14),
}


def test_the_builtin_series_cover_what_torch_special_needs():
    import funcgrad.special as tspecial

    needs = {"erf", "erfc", "erfcx", "erfinv", "ndtr", "ndtri", "log_ndtr", "gammaln", "digamma", "polygamma",
             "zeta", "gammainc", "gammaincc", "i0e", "i1", "i1e", "expit", "logit", "entr", "xlogy", "xlog1py"}
    assert needs <= set(BUILTIN) and needs <= set(tspecial.__all__)


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_builtin_series_agree_with_scipy(name, libraries):
    args, rtol = BUILTIN[name]
    SF.register_library(np, None)
    ours = getattr(S, name)(*args)
    np.testing.assert_allclose(ours, getattr(ss, name)(*args), rtol=rtol, atol=1e-300)
    x32 = [a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in args]
    assert getattr(S, name)(*x32).dtype == getattr(ss, name)(*x32).dtype


def test_without_scipy_torch_special_still_works_and_the_rest_says_what_to_install(libraries):
    SF.register_library(np, None)
    t = fg.tensor([0.3, 0.9], dtype=fg.float64, requires_grad=True)
    (fg.special.erfinv(t) + fg.special.gammaln(t) + fg.special.i1e(t)).sum().backward()
    expected = math.sqrt(math.pi) / 2 * np.exp(ss.erfinv([0.3, 0.9]) ** 2) + ss.digamma([0.3, 0.9]) + (
        ss.i0e([0.3, 0.9]) - ss.i1e([0.3, 0.9]) - ss.i1e([0.3, 0.9]) / np.array([0.3, 0.9]))
    np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-12)
    with pytest.raises(ImportError, match=r"funcgrad\.scipy\.special\.jv needs SciPy.*pip install funcgrad\[scipy\]"):
        S.jv(1.0, 2.0)
    with pytest.raises(ImportError, match=r"special\.zeta needs SciPy"):  # the Riemann form has no series
        S.zeta(0.5)


def test_a_device_library_without_the_function_names_it(libraries):
    from funcgrad.testing import standin

    x = standin.xp.asarray([0.5, 1.5])
    SF.register_library(standin.xp, types.SimpleNamespace(__name__="fakex.scipy.special"))
    with pytest.raises(NotImplementedError, match=r"special\.j0: fakex\.scipy\.special has no j0.*cannot run on"):
        S.j0(x)
    out = S.erf(x)  # torch.special's functions fall back on the series, on the device
    assert type(out) is standin.StandinArray
    np.testing.assert_allclose(standin.xp.asnumpy(out), ss.erf([0.5, 1.5]), rtol=1e-14)


# --- derivatives: what has none says so, naming the argument -------------------------------------------------------
NO_DERIVATIVE = [
    ("polygamma", "n", lambda n: S.polygamma(n, 2.0)), ("betainc", "a", lambda a: S.betainc(a, 2.0, 0.3)),
    ("betainc", "b", lambda b: S.betainc(2.0, b, 0.3)), ("gammainc", "a", lambda a: S.gammainc(a, 2.0)),
    ("gammaincc", "a", lambda a: S.gammaincc(a, 2.0)), ("zeta", "x", lambda x: S.zeta(x + 2.0, 1.5)),
    ("jv", "v", lambda v: S.jv(v, 2.0)), ("iv", "v", lambda v: S.iv(v, 2.0)), ("ive", "v", lambda v: S.ive(v, 2.0)),
    ("kv", "v", lambda v: S.kv(v, 2.0)), ("kve", "v", lambda v: S.kve(v, 2.0)), ("yn", "n", lambda n: S.yn(n, 2.0)),
]


@pytest.mark.parametrize("name,arg,f", NO_DERIVATIVE, ids=[f"{c[0]}-{c[1]}" for c in NO_DERIVATIVE])
def test_derivative_in_an_order_or_shape_parameter_raises_naming_it(name, arg, f):
    pattern = rf"special\.{name}: no derivative with respect to `{arg}`"
    with pytest.raises(NotImplementedError, match=pattern):
        grad(f)(1.0)
    with pytest.raises(NotImplementedError, match=pattern):
        jvp(f, (1.0,), (1.0,))


def test_tensor_face_gammainc_sends_no_gradient_to_input():
    a = fg.tensor([1.5], dtype=fg.float64, requires_grad=True)
    x = fg.tensor([0.8], dtype=fg.float64, requires_grad=True)
    fg.special.gammainc(a, x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 0.8 ** 0.5 * np.exp(-0.8) / math.gamma(1.5), rtol=1e-13)
    assert a.grad is None
    with pytest.raises(NotImplementedError, match="gammainc: no derivative with respect to `a`"):
        S.gammainc(a, x).sum().backward()  # the functional form says so, on Tensors too


def test_derivatives_at_hand_derived_points():
    # gammaincc(a, x)' = -x^(a-1) e^-x / Gamma(a); betainc(a, b, x)' = x^(a-1) (1-x)^(b-1) / B(a, b)
    assert abs(grad(lambda x: S.gammaincc(2.5, x))(1.7) + 1.7 ** 1.5 * math.exp(-1.7) / math.gamma(2.5)) < 1e-14
    b = math.gamma(2.5) * math.gamma(1.5) / math.gamma(4.0)
    assert abs(grad(lambda x: S.betainc(2.5, 1.5, x))(0.3) - 0.3 ** 1.5 * 0.7 ** 0.5 / b) < 1e-13
    # zeta(x, q)' in q = -x zeta(x + 1, q); polygamma(n, x)' = polygamma(n + 1, x); jv' = (J_{v-1} - J_{v+1}) / 2
    assert abs(grad(lambda q: S.zeta(3.0, q))(1.0) + 3.0 * ss.zeta(4.0)) < 1e-13
    assert abs(grad(grad(lambda x: S.polygamma(1, x)))(2.0) - ss.polygamma(3, 2.0)) < 1e-13
    assert abs(grad(lambda x: S.jv(1.5, x))(2.0) - (ss.jv(0.5, 2.0) - ss.jv(2.5, 2.0)) / 2) < 1e-14
    # J1' and I1' at 0 (the series branch): 1/2; second derivatives there: 0
    for f in (S.j1, S.i1):
        assert grad(f)(0.0) == 0.5 and abs(grad(grad(f))(0.0)) < 1e-15


def test_rgamma_derivatives_through_the_poles_of_gamma():
    """1/Gamma is entire: its derivative at -n is (-1)^n n!, and its derivatives elsewhere are -psi/Gamma and the
    derivatives of that; checked against SciPy's rgamma by finite differences, under vmap and jit, to third order."""
    for n in range(5):
        assert grad(S.rgamma)(float(-n)) == pytest.approx((-1) ** n * math.factorial(n), rel=1e-13)
    x = np.array([-3.7, -2.0, -1.2, -0.5, 0.0, 0.25, 0.5, 1.5, 4.0, 9.0])
    h = 1e-5
    fd1 = (ss.rgamma(x + h) - ss.rgamma(x - h)) / (2 * h)
    fd2 = (ss.rgamma(x + h) - 2 * ss.rgamma(x) + ss.rgamma(x - h)) / h ** 2
    np.testing.assert_allclose(fg.vmap(grad(S.rgamma))(x), fd1, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(fg.vmap(grad(grad(S.rgamma)))(x), fd2, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fg.jit(fg.vmap(grad(S.rgamma)))(x), fd1, rtol=1e-8, atol=1e-9)
    fg.testing.check_grads(S.rgamma, (x,), order=3, modes=("fwd", "rev"))
    assert np.all(np.isfinite(fg.vmap(grad(grad(S.rgamma)))(np.array([171.5, -150.5]))))


def test_jn_is_jv():
    assert S.jn is S.jv
    np.testing.assert_allclose(grad(lambda x: S.jn(2, x))(1.3), (ss.jn(1, 1.3) - ss.jn(3, 1.3)) / 2, rtol=1e-14)


# --- edges -----------------------------------------------------------------------------------------------------
def test_xlogy_at_zero_follows_scipy_and_its_gradient_stays_finite():
    assert S.xlogy(0.0, 0.0) == 0.0 and S.xlog1py(0.0, -1.0) == 0.0
    assert math.isnan(S.xlogy(0.0, np.nan))
    dx, dy = grad(S.xlogy, argnums=(0, 1))(0.0, 0.0)
    assert (dx, dy) == (0.0, 0.0)  # the value is 0 by convention there: so are both derivatives
    dx, dy = grad(S.xlog1py, argnums=(0, 1))(0.0, -1.0)
    assert (dx, dy) == (0.0, 0.0)
    # elsewhere on x == 0 the derivatives are the true ones: d/dx = log y, d/dy = 0, d2/dxdy = 1/y
    dx, dy = grad(S.xlogy, argnums=(0, 1))(0.0, 2.0)
    assert dx == math.log(2.0) and dy == 0.0
    assert grad(lambda y: grad(S.xlogy)(0.0, y))(2.0) == 0.5
    assert grad(lambda x: S.xlog1py(x, 1.0))(0.0) == math.log(2.0)


def test_poles_and_domain_edges_are_scipys():
    x = np.array([0.0, -0.0, -1.0, -2.0, np.inf, -np.inf, np.nan])
    for name in ("gamma", "gammaln", "digamma", "gammasgn", "erfinv", "ndtri", "erfcx", "log_ndtr", "entr", "i0e",
                 "i1e", "expit", "log_expit", "logit"):
        np.testing.assert_array_equal(getattr(S, name)(x), getattr(ss, name)(x), err_msg=name)
    np.testing.assert_array_equal(S.gammainc(x[:, None], x), ss.gammainc(x[:, None], x))


def test_multigammaln_checks_its_domain_as_scipy():
    with pytest.raises(ValueError, match=r"multigammaln: every element of a must exceed \(d - 1\) / 2 = 1.0"):
        S.multigammaln(np.array([1.0, 3.0]), 3)
    with pytest.raises(ValueError, match="d must be an integer"):
        S.multigammaln(3.0, 0)
    np.testing.assert_allclose(grad(lambda a: S.multigammaln(a, 3))(4.0), ss.digamma([4.0, 3.5, 3.0]).sum(),
                               rtol=1e-14)


def test_float32_stays_float32():
    x = np.array([0.25, 0.5], dtype=np.float32)
    for name in ("gamma", "gammaln", "erf", "erfinv", "ndtri", "expit", "j0", "i1e"):
        assert getattr(S, name)(x).dtype == np.float32, name
    assert fg.special.polygamma(2, fg.tensor([0.5, 2.0])).dtype == fg.float32  # SciPy computes it in float64
