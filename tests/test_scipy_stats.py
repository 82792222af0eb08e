"""funcgrad.scipy.stats: every function of every distribution equals scipy.stats' on a grid (loc/scale, edges,
invalid parameters, points off the support); gradients in every continuous argument match finite differences to
second order in both modes; vmap matches a loop; the arguments without a derivative raise naming themselves; the
multivariate normal's singular case and errors follow SciPy; float32 stays float32; the CuPy stand-in gets
stand-in arrays back.

The quantile primitives (funcgrad/primitives/special_inverse.py) are also in the registry-driven suite
(tests/specs/special_inverse.py)."""
import types

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import grad, jvp, vmap
from funcgrad.primitives import special_functions as SF
from funcgrad.scipy import stats as S
from funcgrad.testing import check_grads

ss = pytest.importorskip("scipy.stats")

X = np.concatenate([np.linspace(-5.0, 8.0, 27), [0.0, 1.0, 1e-3, 40.0, -40.0]])
Q = np.array([0.0, 1e-6, 0.001, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 1 - 1e-6, 1.0, -0.1, 1.1])
LOC_SCALE = [(0.0, 1.0), (1.5, 2.0), (-1.0, 0.5), (0.0, -1.0), (0.0, 0.0)]  # the last two invalid: NaN
# distribution: its shape parameters (the last of each list invalid where the distribution has shapes)
CONTINUOUS = {
    "norm": [()], "cauchy": [()], "laplace": [()], "logistic": [()], "expon": [()], "uniform": [()],
    "t": [(1.0,), (3.5,), (30.0,), (-1.0,)], "gamma": [(0.5,), (1.0,), (3.0,), (-1.0,)],
    "beta": [(0.5, 0.5), (1.0, 2.0), (2.5, 4.0), (0.0, 1.0)], "chi2": [(1.0,), (2.0,), (5.0,)],
    "lognorm": [(0.5,), (1.5,), (-1.0,)],
}
K = np.concatenate([np.arange(-2.0, 12.0), [2.5]])
DISCRETE = {  # the edges: p at 0 and 1, mu = 0, n = 0; then invalid parameters
    "poisson": [(0.0,), (0.5,), (4.0,), (-1.0,)],
    "binom": [(0, 0.3), (5, 0.0), (5, 1.0), (5, 0.3), (7, 0.9), (2.5, 0.5), (5, 1.2)],
    "nbinom": [(1, 0.5), (2.5, 0.3), (3, 1.0), (0, 0.5), (2, 0.0)],
    "geom": [(0.3,), (1.0,), (0.0,)], "bernoulli": [(0.0,), (0.3,), (1.0,), (1.5,)],
}
INVALID = {("binom", (2.5, 0.5)), ("binom", (5, 1.2)), ("bernoulli", (1.5,))}


def _close(ours, theirs, fn):
    # log-probabilities near 0 are compared absolutely too: funcgrad's log(cdf) is log1p(-sf) where cdf > 1/2,
    # which keeps digits SciPy's log(cdf) loses for some discrete distributions
    atol = 1e-15 if fn.startswith("log") else 1e-300
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=1e-9, atol=atol)


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_values_equal_scipys(name):
    mod, ref = getattr(S, name), getattr(ss, name)
    for fn in mod.__all__:
        arg = Q if fn in ("ppf", "isf") else X
        for shapes in CONTINUOUS[name]:
            for loc, scale in LOC_SCALE:
                ours = getattr(mod, fn)(arg, *shapes, loc, scale)
                assert np.shape(ours) == arg.shape, (name, fn)
                _close(ours, getattr(ref, fn)(arg, *shapes, loc, scale), fn)


@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_discrete_values_equal_scipys(name):
    mod, ref = getattr(S, name), getattr(ss, name)
    for fn in mod.__all__:
        for params in DISCRETE[name]:
            for loc in (0, 2):
                ours = getattr(mod, fn)(K, *params, loc)
                if (name, params) in INVALID:
                    # NaN everywhere (SciPy's logcdf/logsf say 0 past the support's end even for these)
                    assert np.isnan(ours).all(), (name, fn, params)
                    continue
                _close(ours, getattr(ref, fn)(K, *params, loc), fn)


def test_every_distribution_of_the_issue_is_there():
    assert set(S.__all__) == set(CONTINUOUS) | set(DISCRETE) | {"dirichlet", "multivariate_normal", "multinomial"}
    assert S.norm is __import__("funcgrad.scipy.stats.norm", fromlist=["x"])  # a module, as jax.scipy.stats.norm


# --- gradients: every continuous argument, both modes, second order ----------------------------------------------
# (function, point, the arguments it is differentiated in): the points keep each function smooth (off kinks,
# support edges and clipping); shape parameters without a derivative are closed over.
_x = np.array([-0.7, 0.4, 1.3])
_pos = np.array([0.3, 1.1, 2.6])
_unit = np.array([0.15, 0.45, 0.8])
_q = np.array([0.05, 0.4, 0.9])


def _loc_scale(name, fns, x=_x, shapes=(), loc=0.3, scale=1.7):
    mod = getattr(S, name)
    cases = []
    for fn in fns:
        arg = _q if fn in ("ppf", "isf") else x
        f = getattr(mod, fn)
        cases.append((f"{name}.{fn}", lambda a, lo, sc, f=f: f(a, *shapes, lo, sc), (arg, np.array(loc),
                                                                                      np.array(scale))))
    return cases


_ALL = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]
GRAD_CASES = (
    _loc_scale("norm", _ALL + ["isf"]) + _loc_scale("cauchy", _ALL) + _loc_scale("laplace", _ALL)
    + _loc_scale("logistic", _ALL) + _loc_scale("expon", _ALL, x=_pos + 0.3)
    + _loc_scale("uniform", _ALL, x=np.array([0.6, 1.1, 1.7]))
    + _loc_scale("t", ["cdf", "logcdf", "sf", "logsf", "ppf"], x=np.array([-3.0, 0.3, 0.5, 4.0]), shapes=(3.5,),
                 loc=0.3, scale=1.0)  # x = 0.3 sits exactly at loc: the centre's patch
    + _loc_scale("gamma", ["cdf", "logcdf", "sf", "logsf", "ppf"], x=_pos, shapes=(2.5,), loc=-0.2)
    + _loc_scale("chi2", ["cdf", "logcdf", "sf", "logsf", "ppf"], x=_pos, shapes=(3.0,), loc=-0.2)
    + _loc_scale("beta", ["cdf", "logcdf", "sf", "logsf", "ppf"], x=_unit, shapes=(2.5, 1.5), loc=-0.05, scale=1.2)
    + [
        ("t.logpdf", lambda x, df, lo, sc: S.t.logpdf(x, df, lo, sc), (_x, np.array(3.5), np.array(0.3),
                                                                        np.array(1.7))),
        ("gamma.logpdf", lambda x, a, lo, sc: S.gamma.logpdf(x, a, lo, sc), (_pos, np.array(2.5), np.array(-0.2),
                                                                              np.array(1.3))),
        ("chi2.pdf", lambda x, df, lo, sc: S.chi2.pdf(x, df, lo, sc), (_pos, np.array(3.0), np.array(-0.2),
                                                                        np.array(1.3))),
        ("beta.logpdf", lambda x, a, b: S.beta.logpdf(x, a, b, -0.05, 1.2), (_unit, np.array(2.5), np.array(1.5))),
        ("lognorm.*", lambda x, s, lo, sc: [getattr(S.lognorm, f)(x, s, lo, sc) for f in _ALL[:-1]],
         (_pos, np.array(0.8), np.array(-0.2), np.array(1.3))),
        ("lognorm.ppf", lambda q, s, lo, sc: S.lognorm.ppf(q, s, lo, sc), (_q, np.array(0.8), np.array(-0.2),
                                                                            np.array(1.3))),
        ("poisson.*", lambda mu: [getattr(S.poisson, f)(np.array([0, 1, 3]), mu) for f in S.poisson.__all__],
         (np.array([0.4, 2.0, 3.5]),)),
        ("binom.*", lambda p: [getattr(S.binom, f)(np.array([0, 2, 4]), 5, p) for f in S.binom.__all__],
         (np.array([0.2, 0.5, 0.7]),)),
        ("nbinom.logpmf", lambda n, p: S.nbinom.logpmf(np.array([0, 2, 4]), n, p), (np.array(2.5), _unit)),
        ("nbinom.*", lambda p: [getattr(S.nbinom, f)(np.array([0, 2, 4]), 2.5, p) for f in S.nbinom.__all__[2:]],
         (_unit,)),
        ("geom.*", lambda p: [getattr(S.geom, f)(np.array([1, 2, 4]), p) for f in S.geom.__all__], (_unit,)),
        ("bernoulli.*", lambda p: [getattr(S.bernoulli, f)(k, p) for f in S.bernoulli.__all__
                                   for k in (np.array([0, 1, 1]), np.array([0, 0, 0]))
                                   if not (f.endswith("sf") and k.any())], (_unit,)),  # sf(1) = 0
    ]
)


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_match_finite_differences_to_second_order(case):
    _, f, args = case
    check_grads(f, args, order=2, modes=("fwd", "rev"))


def test_discrete_gradients_at_the_edges_are_scipys_finite_ones():
    # binom.logpmf(0, n, p) = n log(1 - p): d/dp = -n at p = 0; logpmf(n, n, p) = n log p: d/dp = n at p = 1
    assert grad(lambda p: S.binom.logpmf(0, 5, p))(0.0) == -5.0
    assert grad(lambda p: S.binom.logpmf(5, 5, p))(1.0) == 5.0
    assert grad(lambda mu: S.poisson.logpmf(0, mu))(0.0) == -1.0  # -mu
    assert grad(lambda p: S.bernoulli.logpmf(1, p))(1.0) == 1.0


def test_t_cdf_at_its_centre_has_the_density_as_derivative():
    for df in (1.0, 3.5, 30.0):
        d1 = grad(lambda x: S.t.cdf(x, df, 0.25, 2.0))(0.25)
        np.testing.assert_allclose(d1, ss.t.pdf(0.25, df, 0.25, 2.0), rtol=1e-13)
        assert grad(grad(lambda x: S.t.cdf(x, df)))(0.0) == 0.0  # pdf'(0) = 0


def test_quantile_derivative_is_the_reciprocal_density():
    q = np.array([0.01, 0.3, 0.97])
    for name, shapes in [("gamma", (2.5,)), ("beta", (2.5, 1.5)), ("t", (3.5,)), ("chi2", (3.0,)), ("norm", ())]:
        mod = getattr(S, name)
        d = vmap(grad(lambda p: mod.ppf(p, *shapes, 0.1, 1.3)))(q)
        np.testing.assert_allclose(d, 1.0 / getattr(ss, name).pdf(mod.ppf(q, *shapes, 0.1, 1.3), *shapes, 0.1, 1.3),
                                   rtol=1e-10)


# --- multivariate --------------------------------------------------------------------------------------------------
rng = np.random.default_rng(16)
_A = rng.standard_normal((3, 3))
COV = _A @ _A.T + 0.5 * np.eye(3)
MEAN = rng.standard_normal(3)
_B = rng.standard_normal((3, 2))  # a rank-2 covariance in 3 dimensions
SINGULAR = _B @ _B.T


def test_multivariate_normal_values_equal_scipys():
    mvn, ref = S.multivariate_normal, ss.multivariate_normal
    x = rng.standard_normal((4, 5, 3))
    for cov in (COV, np.diag(COV), 2.5):
        for fn in ("logpdf", "pdf"):
            np.testing.assert_allclose(getattr(mvn, fn)(x, MEAN, cov), getattr(ref, fn)(x, MEAN, cov), rtol=1e-12)
        np.testing.assert_allclose(mvn.entropy(MEAN, cov), ref.entropy(MEAN, cov), rtol=1e-12)
    np.testing.assert_allclose(mvn.logpdf(x[0, 0]), ref.logpdf(x[0, 0]), rtol=1e-12)  # the defaults: d = 1
    one_d = np.array([0.3, 1.0, -2.0])  # d = 1: a 1-d x holds points, as in SciPy
    np.testing.assert_allclose(mvn.logpdf(one_d, 0.5, 2.0), ref.logpdf(one_d, 0.5, 2.0), rtol=1e-12)


def test_multivariate_normal_singular_follows_scipy():
    mvn, ref = S.multivariate_normal, ss.multivariate_normal
    x = MEAN + rng.standard_normal((4, 2)) @ _B.T
    x[0] += 0.3 * np.cross(_B[:, 0], _B[:, 1])  # off the support: -inf
    ours = mvn.logpdf(x, MEAN, SINGULAR, allow_singular=True)
    assert ours[0] == -np.inf
    np.testing.assert_allclose(ours, ref.logpdf(x, MEAN, SINGULAR, allow_singular=True), rtol=1e-10)
    np.testing.assert_allclose(mvn.entropy(MEAN, SINGULAR), ref.entropy(MEAN, SINGULAR), rtol=1e-10)
    with pytest.raises(np.linalg.LinAlgError, match=r"multivariate_normal\.logpdf: cov is singular.*allow_singular=Tr"):
        mvn.logpdf(x, MEAN, SINGULAR)
    with pytest.raises(ValueError, match=r"multivariate_normal\.pdf: cov must be symmetric positive semidefinite"):
        mvn.pdf(x, MEAN, -COV)
    with pytest.raises(ValueError, match=r"points of dimension d = 3.*shape \(4, 2\)"):
        mvn.logpdf(x[:, :2], MEAN, COV)


def test_multivariate_gradients():
    z = rng.standard_normal((4, 2))
    check_grads(lambda x, m, c: S.multivariate_normal.logpdf(x, m, c), (rng.standard_normal((2, 3)), MEAN, COV))
    check_grads(lambda c: S.multivariate_normal.entropy(None, c), (COV,))
    # the singular case, moved along its own support (a step off it would be -inf)
    check_grads(lambda z, b, m: S.multivariate_normal.logpdf(m + z @ b.T, m, b @ b.T, allow_singular=True),
                (z, _B, MEAN))
    alpha = np.array([1.5, 2.0, 0.7])
    x = rng.dirichlet(alpha, 4).T
    check_grads(lambda x, a: S.dirichlet.logpdf(x, a), (x[:2], alpha))  # K - 1 components stay on the simplex
    check_grads(S.dirichlet.entropy, (alpha,))
    counts = np.array([[1, 2, 0], [3, 0, 0], [0, 1, 2]])
    check_grads(lambda p: S.multinomial.logpmf(counts, 3, p), (np.array([0.2, 0.5, 0.3]),))


def test_dirichlet_and_multinomial_values_equal_scipys():
    alpha = np.array([1.5, 2.0, 0.7])
    x = rng.dirichlet(alpha, 5).T
    for fn in ("logpdf", "pdf"):
        np.testing.assert_allclose(getattr(S.dirichlet, fn)(x, alpha), getattr(ss.dirichlet, fn)(x, alpha),
                                   rtol=1e-12)
        np.testing.assert_allclose(getattr(S.dirichlet, fn)(x[:2], alpha), getattr(ss.dirichlet, fn)(x[:2], alpha),
                                   rtol=1e-12)
    np.testing.assert_allclose(S.dirichlet.entropy(alpha), ss.dirichlet.entropy(alpha), rtol=1e-12)
    with pytest.raises(ValueError, match=r"dirichlet\.logpdf: x must lie on the simplex"):
        S.dirichlet.logpdf(np.array([0.5, 0.6, 0.1]), alpha)
    with pytest.raises(ValueError, match=r"dirichlet\.logpdf: a component of x may be 0 only where its alpha"):
        S.dirichlet.logpdf(np.array([0.5, 0.5, 0.0]), alpha)
    p = np.array([0.2, 0.5, 0.3])
    counts = np.array([[1, 2, 0], [3, 0, 0], [0, 1, 2], [0, 0, 3], [1, 1, 2], [-1, 2, 2]])
    for fn in ("logpmf", "pmf"):
        for n in (3, 4):
            np.testing.assert_allclose(getattr(S.multinomial, fn)(counts, n, p),
                                       getattr(ss.multinomial, fn)(counts, n, p), rtol=1e-12)
    edge = np.array([0.0, 1.0, 0.0])  # p with zeros: the counts there must be 0
    np.testing.assert_allclose(S.multinomial.logpmf(counts[:4], 3, edge), ss.multinomial.logpmf(counts[:4], 3, edge))


# --- what has no derivative says so --------------------------------------------------------------------------------
NO_DERIVATIVE = [
    ("t.cdf", "df", lambda v: S.t.cdf(0.5, v)), ("t.logsf", "df", lambda v: S.t.logsf(0.5, v)),
    ("t.ppf", "df", lambda v: S.t.ppf(0.3, v)), ("gamma.cdf", "a", lambda v: S.gamma.cdf(1.5, v)),
    ("gamma.ppf", "a", lambda v: S.gamma.ppf(0.3, v)), ("chi2.sf", "df", lambda v: S.chi2.sf(1.5, v)),
    ("chi2.ppf", "df", lambda v: S.chi2.ppf(0.3, v)), ("beta.cdf", "a", lambda v: S.beta.cdf(0.3, v, 2.0)),
    ("beta.sf", "b", lambda v: S.beta.sf(0.3, 2.0, v)), ("beta.ppf", "b", lambda v: S.beta.ppf(0.3, 2.0, v)),
    ("nbinom.cdf", "n", lambda v: S.nbinom.cdf(2, v, 0.4)), ("binom.logpmf", "n", lambda v: S.binom.logpmf(2, v, 0.4)),
    ("binom.logpmf", "k", lambda v: S.binom.logpmf(v, 5, 0.4)), ("poisson.pmf", "k", lambda v: S.poisson.pmf(v, 2.0)),
    ("poisson.cdf", "loc", lambda v: S.poisson.cdf(3, 2.0, v)),
    ("multinomial.logpmf", "n", lambda v: S.multinomial.logpmf(np.array([1.0, 2.0]), v, np.array([0.4, 0.6]))),
]


@pytest.mark.parametrize("where,arg,f", NO_DERIVATIVE, ids=[f"{w}-{a}" for w, a, _ in NO_DERIVATIVE])
def test_no_derivative_raises_naming_the_argument(where, arg, f):
    # pmf and pdf call logpmf and logpdf, whose names the error carries
    where = where.replace(".pmf", ".(log)?pmf")
    match = rf"funcgrad\.scipy\.stats\.{where}: no derivative with respect to `{arg}`.*hold `{arg}` constant"
    with pytest.raises(NotImplementedError, match=match):
        grad(f)(3.0)
    with pytest.raises(NotImplementedError, match=match):
        jvp(f, (3.0,), (1.0,))
    f(3.0)  # a plain value passes


# --- vmap against a loop -------------------------------------------------------------------------------------------
VMAPS = [  # (function of one batched argument, the batch, whether it is differentiable in it)
    (lambda loc: S.norm.logcdf(_x, loc, 1.5), np.array([-1.0, 0.2, 2.0]), True),
    (lambda df: S.t.cdf(_x, df), np.array([1.0, 3.5, 30.0]), False),  # a held argument may still be batched
    (lambda q: S.gamma.ppf(q, 2.5), _q, True),
    (lambda p: S.binom.logpmf(np.array([0, 2, 5]), 5, p), _unit, True),
    (lambda m: S.multivariate_normal.logpdf(np.zeros((2, 3)), m, COV), rng.standard_normal((3, 3)), True),
    (lambda a: S.dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), a), np.array([[1.0, 2.0, 3.0], [0.5, 1.5, 2.0]]),
     True),
]


@pytest.mark.parametrize("i", range(len(VMAPS)))
def test_vmap_matches_a_loop(i):
    f, batch, differentiable = VMAPS[i]
    np.testing.assert_allclose(vmap(f)(batch), np.stack([f(b) for b in batch]), rtol=1e-13)
    if not differentiable:
        return
    g = grad(lambda b: f(b).sum())
    np.testing.assert_allclose(vmap(g)(batch), np.stack([g(b) for b in batch]), rtol=1e-12)


# --- dtypes, Tensors, the stand-in --------------------------------------------------------------------------------
def test_float32_stays_float32():
    x = X[:10].astype(np.float32)
    for f in (S.norm.logpdf, S.norm.cdf, S.logistic.sf, S.cauchy.logpdf, S.laplace.logcdf, S.expon.logpdf):
        assert f(x, 0.5, 2.0).dtype == np.float32, f
    assert S.gamma.cdf(np.abs(x), 2.5).dtype == np.float32
    assert S.t.logpdf(x, 3.0).dtype == np.float32
    assert grad(lambda s: S.norm.logpdf(x, 0.0, s).sum())(np.float32(1.5)).dtype == np.float32


def test_tensors_go_in_and_come_out():
    x = fg.tensor([0.3, 1.2], dtype=fg.float64, requires_grad=True)
    out = S.norm.logpdf(x, 0.5, 2.0)
    assert isinstance(out, fg.Tensor)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -(np.array([0.3, 1.2]) - 0.5) / 4.0, rtol=1e-14)


@pytest.fixture
def standin_library():
    import scipy.special

    from funcgrad.testing import standin

    saved = dict(SF._LIBRARIES)
    SF.register_library(standin.xp, standin._Namespace(f"{standin.xp.__name__}.scipy_special", scipy.special,
                                                       "scipy.special over stand-in arrays"))
    yield standin
    SF._LIBRARIES.clear()
    SF._LIBRARIES.update(saved)
    SF._FUNCS.clear()


STANDIN_SHAPES = {"norm": (), "t": (3.5,), "cauchy": (), "laplace": (), "logistic": (), "expon": (), "gamma": (2.5,),
                  "beta": (2.5, 1.5), "chi2": (3.0,), "lognorm": (0.8,), "uniform": (),
                  "poisson": (2.0,), "binom": (5, 0.3), "nbinom": (2.5, 0.4), "geom": (0.3,), "bernoulli": (0.3,)}


def test_the_standin_gets_standin_arrays(standin_library):
    xp, array_type = standin_library.xp, standin_library.StandinArray
    for name, shapes in STANDIN_SHAPES.items():
        mod, ref = getattr(S, name), getattr(ss, name)
        discrete = name in DISCRETE
        for fn in mod.__all__:
            host = _q if fn in ("ppf", "isf") else (np.array([0.0, 1.0, 3.0]) if discrete else _x + 0.5)
            params = shapes if discrete else shapes + (0.2, 1.5)
            out = getattr(mod, fn)(xp.asarray(host), *params)
            assert type(out) is array_type, (name, fn)
            _close(xp.asnumpy(out), getattr(ref, fn)(host, *params), fn)
            if not discrete:
                d = grad(lambda v: getattr(mod, fn)(v, *params).sum())(xp.asarray(host))
                assert type(d) is array_type, (name, fn)
    d = grad(lambda v: S.gamma.cdf(v, 2.5).sum())(xp.asarray(_pos))
    np.testing.assert_allclose(xp.asnumpy(d), ss.gamma.pdf(_pos, 2.5), rtol=1e-12)
    x, cov = rng.standard_normal((4, 3)), COV
    out = S.multivariate_normal.logpdf(xp.asarray(x), xp.asarray(MEAN), xp.asarray(cov))
    assert type(out) is array_type
    np.testing.assert_allclose(xp.asnumpy(out), ss.multivariate_normal.logpdf(x, MEAN, cov), rtol=1e-12)
    counts, p = np.array([1.0, 2.0]), np.array([0.4, 0.6])
    out = S.multinomial.logpmf(xp.asarray(counts), 3, xp.asarray(p))
    np.testing.assert_allclose(xp.asnumpy(out), ss.multinomial.logpmf(counts, 3, p), rtol=1e-12)


def test_without_the_function_on_the_device_it_says_so(standin_library):
    SF.register_library(standin_library.xp, types.SimpleNamespace(__name__="fakex.scipy.special"))
    with pytest.raises(NotImplementedError, match=r"special\.gammaincinv: fakex\.scipy\.special has no gammaincinv"):
        S.gamma.ppf(standin_library.xp.asarray(_q), 2.5)
