"""funcgrad.numpy's pointwise functions, predicates and statistics against NumPy (values and dtypes), their
gradients against finite differences (compositions here; primitives in tests/specs/), and their error cases."""
import math
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

RNG = np.random.default_rng(0)
W = np.array([-2.5, -1.0, -0.0, 0.0, 0.3, 1.0, 7.5, np.inf, -np.inf, np.nan])


def same(got, want):
    """Equal values (NaN equal to NaN), shapes and dtypes, for arrays or tuples of them."""
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12, equal_nan=True)


def spread(shape, seed=0):
    """Distinct values at least 0.1 apart, in random order: order statistics have no ties near them."""
    n = math.prod(shape)
    return np.random.default_rng(seed).permutation(np.linspace(-2.0, 2.0, n)).reshape(shape) + 0.01


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# --- pointwise values ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["exp2", "sinc", "fabs", "deg2rad", "rad2deg", "degrees", "radians", "positive",
                                  "signbit", "spacing", "isneginf", "isposinf", "nan_to_num", "modf", "frexp"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int8])
def test_unary_values_and_dtypes_match_numpy(name, dtype):
    x = W.astype(dtype) if dtype is not np.int8 else np.arange(-3, 3, dtype=np.int8)
    same(getattr(fnp, name)(x), getattr(np, name)(x))


def test_i0_matches_numpy():
    same(fnp.i0(W[:7]), np.i0(W[:7]))


@pytest.mark.parametrize("name", ["logaddexp2", "fmax", "fmin", "fmod", "copysign", "heaviside", "float_power",
                                  "nextafter", "divmod", "isclose"])
def test_binary_values_and_dtypes_match_numpy(name):
    a, b = W[:, None], W[None, :]
    same(getattr(fnp, name)(a, b), getattr(np, name)(a, b))
    same(getattr(fnp, name)(a.astype(np.float32), 2.0), getattr(np, name)(a.astype(np.float32), 2.0))


def test_ldexp_and_nan_to_num_options_match_numpy():
    same(fnp.ldexp(W, np.arange(10) - 5), np.ldexp(W, np.arange(10) - 5))
    z = W + 1j * W[::-1]
    same(fnp.nan_to_num(z, nan=1.0, posinf=2.0, neginf=-3.0), np.nan_to_num(z, nan=1.0, posinf=2.0, neginf=-3.0))
    same(fnp.nan_to_num(np.arange(3)), np.nan_to_num(np.arange(3)))


@pytest.mark.parametrize("name", ["gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift",
                                  "right_shift", "bitwise_left_shift", "bitwise_right_shift"])
def test_integer_binary_ops_match_numpy(name):
    a, b = np.arange(-6, 6), np.arange(1, 13) % 5
    same(getattr(fnp, name)(a, b), getattr(np, name)(a, b))


@pytest.mark.parametrize("name", ["invert", "bitwise_not", "bitwise_invert", "bitwise_count"])
def test_integer_unary_ops_match_numpy(name):
    a = np.arange(-6, 6, dtype=np.int16)
    same(getattr(fnp, name)(a), getattr(np, name)(a))


def test_array_api_aliases_are_the_same_objects():
    for alias, name in [("acos", "arccos"), ("acosh", "arccosh"), ("asin", "arcsin"), ("asinh", "arcsinh"),
                        ("atan", "arctan"), ("atan2", "arctan2"), ("atanh", "arctanh"),
                        ("bitwise_invert", "invert"), ("bitwise_left_shift", "left_shift")]:
        assert getattr(fnp, alias) is getattr(fnp, name)


def test_complex_predicates_match_numpy():
    z = np.array([1 + 1j, 2 + 0j, 3])
    for name in ("iscomplex", "isreal"):
        same(getattr(fnp, name)(z), getattr(np, name)(z))
        same(getattr(fnp, name)(W), getattr(np, name)(W))
    for name in ("iscomplexobj", "isrealobj"):
        for obj in (z, W, 1.0, 1j, [1, 2], [1j]):
            assert getattr(fnp, name)(obj) == getattr(np, name)(obj)
    assert fg.grad(lambda x: fnp.iscomplexobj([x, 1j]) * x)(2.0) == 1.0  # lists holding traced values


@pytest.mark.parametrize("args", [(W, W), (W, W[::-1]), ([1.0, 2.0], [1.0, 2.0 + 1e-9]), (np.ones(3), 1.0),
                                  (np.ones(3), np.ones(4)), ([1.0, 2.0], [[1.0, 2.0], [1.0, 2.0]])])
def test_closeness_and_equality_match_numpy(args):
    for kw in ({}, {"equal_nan": True}):
        assert fnp.array_equal(*args, **kw) is np.array_equal(*args, **kw)
        try:
            want = np.allclose(*args, **kw)
        except ValueError:
            with pytest.raises(ValueError):
                fnp.allclose(*args, **kw)
        else:
            assert fnp.allclose(*args, **kw) is want
    assert fnp.array_equiv(*args) == np.array_equiv(*args)


def test_predicates_stop_the_gradient_and_work_under_vmap():
    f = lambda x: fnp.where(fnp.isclose(x, 1.0), 0.0, x) + fnp.signbit(x) * x  # noqa: E731
    np.testing.assert_allclose(fg.grad(lambda x: fnp.sum(f(x)))(np.array([1.0, -2.0, 3.0])), [0.0, 2.0, 1.0])
    xs = np.array([[1.0, 2.0], [1.0, 1.0]])
    np.testing.assert_array_equal(fg.vmap(lambda x: fnp.allclose(x, 1.0))(xs), [False, True])
    np.testing.assert_array_equal(fg.vmap(lambda x: fnp.isclose(x, np.array([1.0, 2.0])))(xs),
                                  np.isclose(xs, [1.0, 2.0]))


# --- pointwise gradients ----------------------------------------------------------------------------------------
def test_sinc_derivatives_at_zero():
    # sinc(x) = 1 - (pi x)^2 / 6 + ...: sinc'(0) = 0, sinc''(0) = -pi^2 / 3, sinc'''(0) = 0
    d1 = fg.grad(fnp.sinc)
    d2 = fg.grad(d1)
    d3 = fg.grad(d2)
    assert float(d1(0.0)) == 0.0
    np.testing.assert_allclose(float(d2(0.0)), -math.pi ** 2 / 3, rtol=1e-12)
    assert float(d3(0.0)) == 0.0
    np.testing.assert_allclose(float(d2(1e-3)), float(d2(0.0)), rtol=1e-5)  # continuous across 0


def test_fmax_fmin_send_the_gradient_to_the_non_nan_operand():
    for f in (fnp.fmax, fnp.fmin):
        gx, gy = fg.grad(lambda x, y: fnp.sum(f(x, y)), argnums=(0, 1))(np.array([1.0, np.nan, 2.0]),
                                                                         np.array([np.nan, 3.0, 2.0]))
        np.testing.assert_array_equal(gx, [1.0, 0.0, 0.5])
        np.testing.assert_array_equal(gy, [0.0, 1.0, 0.5])


def test_heaviside_gradient_flows_to_x2_where_x1_is_zero():
    g = fg.grad(lambda h: fnp.sum(fnp.heaviside(np.array([-1.0, 0.0, 2.0]), h)))(np.array([0.5, 0.5, 0.5]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])


def test_composite_pointwise_gradients():
    x = np.array([0.3, -1.7, 2.6, -0.4])
    check_grads(lambda v: fnp.frexp(v)[0] * fnp.frexp(v)[0], (x,))
    check_grads(lambda v: fnp.divmod(v, 0.7)[1] ** 2, (x,))
    check_grads(lambda v: fnp.degrees(v) * fnp.radians(v), (x,))
    bad = np.array([np.nan, 0.0, np.inf, -np.inf])  # 0: keep the drawn value there
    put = lambda v: fnp.where(bad == 0.0, v, bad)  # noqa: E731
    check_grads(lambda v: fnp.nan_to_num(put(v), posinf=5.0, neginf=-5.0) ** 2, (x,))
    check_grads(lambda v: fnp.abs(fnp.nan_to_num(put(v) + 1j * v, posinf=5.0, neginf=-5.0)) ** 2, (x,))
    np.testing.assert_array_equal(fg.grad(lambda v: fnp.sum(fnp.nan_to_num(put(v))))(x), [0.0, 1.0, 0.0, 0.0])


# --- the two fixes: clip's keywords, lists of traced values ---------------------------------------------------------
def test_clip_accepts_numpy1_and_numpy2_keywords():
    x = np.array([-2.0, 0.5, 3.0])
    want = np.clip(x, -1.0, 1.0)
    for got in (fnp.clip(x, -1.0, 1.0), fnp.clip(x, a_min=-1.0, a_max=1.0), fnp.clip(x, min=-1.0, max=1.0),
                fnp.clip(x, -1.0, a_max=1.0)):
        same(got, want)
    same(fnp.clip(x, a_max=1.0), np.clip(x, None, 1.0))
    same(fnp.clip(x, min=0.0), np.clip(x, min=0.0))
    same(fnp.clip(x), np.clip(x))
    np.testing.assert_array_equal(fg.grad(lambda v: fnp.sum(fnp.clip(v, min=-1.0, max=1.0)))(x), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(fg.grad(lambda m: fnp.sum(fnp.clip(x, a_min=m)))(1.0), 2.0)
    with pytest.raises(ValueError, match="not both"):
        fnp.clip(x, a_min=0.0, max=1.0)
    with pytest.raises(TypeError, match="out="):
        fnp.clip(x, 0.0, 1.0, out=x)


@pytest.mark.parametrize("f", [lambda x: fnp.std([x, 2 * x, 1.0]), lambda x: fnp.var([x, 2 * x, 1.0], ddof=1),
                               lambda x: fnp.linalg.norm([x, 2 * x, 1.0]),
                               lambda x: fnp.linalg.norm([[x, 2.0], [1.0, x]], ord=1),
                               lambda x: fnp.average([x, 2 * x, 1.0], weights=[1.0, x, 2.0]),
                               lambda x: fnp.median([x, 3 * x, 1.0]), lambda x: fnp.nanmean([x, np.nan, 1.0]),
                               lambda x: fnp.cov([x, 2.0, x * x]), lambda x: fnp.ptp((x, 1.0, -x))])
def test_reductions_take_lists_mixing_traced_values_and_numbers(f):
    x = 1.3
    check_grads(f, (x,))
    plain = f(x)  # the same function on plain numbers agrees
    assert np.isfinite(plain) and np.shape(plain) == ()


def test_std_of_a_list_has_the_derivative_of_the_formula():
    # std([x, 2x, 1]) = sqrt(mean of squared deviations): check against the closed form's derivative
    def closed(x):
        m = (3 * x + 1) / 3
        return math.sqrt(((x - m) ** 2 + (2 * x - m) ** 2 + (1 - m) ** 2) / 3)
    h = 1e-6
    np.testing.assert_allclose(float(fg.grad(lambda x: fnp.std([x, 2 * x, 1.0]))(1.0)),
                               (closed(1 + h) - closed(1 - h)) / (2 * h), rtol=1e-6)


# --- statistics: values -----------------------------------------------------------------------------------------
X = RNG.standard_normal((3, 4))
X[0, 1] = np.nan
X[2, :] = np.nan


@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_nan_reductions_match_numpy(name, axis, keepdims):
    f, g = getattr(fnp, name), getattr(np, name)
    same(f(X, axis=axis, keepdims=keepdims), g(X, axis=axis, keepdims=keepdims))
    same(f(X.astype(np.float32), axis=axis), g(X.astype(np.float32), axis=axis))
    ints = np.arange(6).reshape(2, 3)
    same(f(ints, axis=axis), g(ints, axis=axis))


def test_nan_reduction_options_match_numpy():
    same(fnp.nanvar(X, axis=1, ddof=1), np.nanvar(X, axis=1, ddof=1))
    same(fnp.nanvar(X, axis=1, ddof=4), np.nanvar(X, axis=1, ddof=4))
    same(fnp.nansum(X, axis=0, initial=2.0), np.nansum(X, axis=0, initial=2.0))
    mask = X > 0
    same(fnp.nansum(X, axis=1, where=mask), np.nansum(X, axis=1, where=mask))
    same(fnp.nanmean(X, axis=1, where=mask), np.nanmean(X, axis=1, where=mask))


@pytest.mark.parametrize("name", ["nancumsum", "nancumprod"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_nan_cumulative_match_numpy(name, axis):
    same(getattr(fnp, name)(X, axis=axis), getattr(np, name)(X, axis=axis))


@pytest.mark.parametrize("name", ["nanargmax", "nanargmin"])
def test_nanarg_match_numpy_and_refuse_all_nan_slices(name):
    same(getattr(fnp, name)(X[:2], axis=1), getattr(np, name)(X[:2], axis=1))
    same(getattr(fnp, name)(X), getattr(np, name)(X))
    with pytest.raises(ValueError, match="All-NaN"):
        getattr(fnp, name)(X, axis=1)


METHODS = ["linear", "weibull", "hazen", "interpolated_inverted_cdf", "median_unbiased", "normal_unbiased",
           "lower", "higher", "nearest", "midpoint", "inverted_cdf"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("q", [0.0, 0.3, 0.5, [0.1, 0.99, 1.0], np.array([[0.25], [0.75]])])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)])
def test_quantiles_match_numpy(method, q, axis):
    z = RNG.standard_normal((4, 5, 3))
    for keepdims in (False, True):
        same(fnp.quantile(z, q, axis=axis, method=method, keepdims=keepdims),
             np.quantile(z, q, axis=axis, method=method, keepdims=keepdims))
    ax = None if axis == (0, 2) else axis
    same(fnp.nanquantile(X, q, axis=ax, method=method), np.nanquantile(X, q, axis=ax, method=method))


def test_median_percentile_and_dtypes_match_numpy():
    z = RNG.standard_normal((4, 5))
    f32 = z.astype(np.float32)
    same(fnp.quantile(f32, 0.3), np.quantile(f32, 0.3))
    same(fnp.quantile(f32, np.float64(0.3)), np.quantile(f32, np.float64(0.3)))
    same(fnp.percentile(f32, 30), np.percentile(f32, 30))
    same(fnp.percentile(z, [30, 60], axis=0), np.percentile(z, [30, 60], axis=0))
    same(fnp.nanpercentile(X, [30, 60], axis=1), np.nanpercentile(X, [30, 60], axis=1))
    same(fnp.median(z, axis=1), np.median(z, axis=1))
    same(fnp.median(X, axis=1), np.median(X, axis=1))  # NaN in a slice gives NaN
    same(fnp.median(np.arange(5)), np.median(np.arange(5)))
    same(fnp.median(np.array([])), np.median(np.array([])))
    same(fnp.nanmedian(X, axis=0), np.nanmedian(X, axis=0))
    same(fnp.ptp(z, axis=1), np.ptp(z, axis=1))
    ints = np.array([[0, 1], [2, 0]])
    same(fnp.count_nonzero(ints, axis=0), np.count_nonzero(ints, axis=0))
    same(fnp.count_nonzero(ints), np.count_nonzero(ints))
    same(fnp.count_nonzero(ints, axis=1, keepdims=True), np.count_nonzero(ints, axis=1, keepdims=True))


M = RNG.standard_normal((3, 6))
FW = np.array([1, 2, 1, 3, 1, 1])
AW = RNG.uniform(0.5, 2.0, 6)


@pytest.mark.parametrize("kw", [{}, {"rowvar": False}, {"bias": True}, {"ddof": 2}, {"fweights": FW},
                                {"aweights": AW}, {"fweights": FW, "aweights": AW},
                                {"fweights": FW, "aweights": AW, "ddof": 0}, {"y": M[:1]}, {"dtype": np.float32}])
def test_cov_matches_numpy(kw):
    same(fnp.cov(M, **kw), np.cov(M, **kw))


def test_cov_corrcoef_special_forms_match_numpy():
    same(fnp.cov(M[0]), np.cov(M[0]))
    z = M + 1j * M[::-1]
    same(fnp.cov(z), np.cov(z))
    same(fnp.corrcoef(M), np.corrcoef(M))
    same(fnp.corrcoef(z), np.corrcoef(z))
    same(fnp.corrcoef(M[0], M[1]), np.corrcoef(M[0], M[1]))
    same(fnp.corrcoef(M[0]), np.corrcoef(M[0]))
    same(fnp.corrcoef(M, rowvar=False), np.corrcoef(M, rowvar=False))


def test_histograms_and_binning_match_numpy():
    v = RNG.standard_normal(20)
    same(fnp.histogram(v, bins=5, range=(-1, 1), density=True), np.histogram(v, bins=5, range=(-1, 1), density=True))
    same(fnp.histogram(v, bins=[-1, 0, 1], weights=v), np.histogram(v, bins=[-1, 0, 1], weights=v))
    same(fnp.histogram(v, bins="auto"), np.histogram(v, bins="auto"))
    same(fnp.histogram_bin_edges(v, bins="fd"), np.histogram_bin_edges(v, bins="fd"))
    same(fnp.histogram2d(v, v[::-1], bins=[3, 4]), np.histogram2d(v, v[::-1], bins=[3, 4]))
    pts = np.stack([v, v[::-1]], 1)
    (h, e), (h2, e2) = fnp.histogramdd(pts, bins=3), np.histogramdd(pts, bins=3)
    same((h,) + tuple(e), (h2,) + tuple(e2))
    idx = np.array([0, 3, 3, 1])
    same(fnp.bincount(idx, minlength=6), np.bincount(idx, minlength=6))
    same(fnp.bincount(idx, weights=v[:4]), np.bincount(idx, weights=v[:4]))
    same(fnp.digitize(v, [-1, 0, 1], right=True), np.digitize(v, [-1, 0, 1], right=True))
    # piecewise constant: traced input gives plain counts
    assert type(fg.grad(lambda x: (fnp.histogram(x, 3)[0].sum() + 0 * x.sum()))(v)) is np.ndarray


# --- statistics: gradients --------------------------------------------------------------------------------------
def _with_nans(v):
    return fnp.where(np.array([[False, True, False, False], [False, False, False, True], [True] * 4]), np.nan, v)


@pytest.mark.parametrize("f", [
    lambda v: fnp.nansum(_with_nans(v), axis=1), lambda v: fnp.nanprod(_with_nans(v), axis=0),
    lambda v: fnp.nanmean(_with_nans(v)[:2], axis=1), lambda v: fnp.nanvar(_with_nans(v)[:2], axis=1, ddof=1),
    lambda v: fnp.nanstd(_with_nans(v)[:2]), lambda v: fnp.nanmax(_with_nans(v)[:2], axis=1),
    lambda v: fnp.nanmin(_with_nans(v)[:2], axis=0), lambda v: fnp.nancumsum(_with_nans(v), axis=1),
    lambda v: fnp.nancumprod(_with_nans(v), axis=0),
    lambda v: fnp.nan_to_num(fnp.nanmean(_with_nans(v), axis=1)),  # all-NaN row: NaN, no gradient
])
def test_nan_reductions_gradients_ignore_nans(f):
    check_grads(f, (spread((3, 4)),))
    # and exactly zero at the NaNs
    mask = np.isnan(_with_nans(np.ones((3, 4))))
    g = fg.grad(lambda v: fnp.sum(fnp.nan_to_num(f(v))))(spread((3, 4)))
    assert np.all(g[mask] == 0.0)


@pytest.mark.parametrize("method", ["linear", "hazen", "median_unbiased", "lower", "nearest", "midpoint"])
def test_quantile_gradients(method):
    z = spread((3, 5))
    check_grads(lambda v: fnp.quantile(v, [0.3, 0.55], axis=1, method=method), (z,))
    check_grads(lambda v: fnp.nanquantile(_with_nans(spread((3, 4)) + v)[:2], 0.4, axis=1, method=method),
                (np.zeros((3, 4)),))
    check_grads(lambda v: fnp.percentile(v, 40, axis=(0, 1), keepdims=True, method=method), (z,))
    check_grads(lambda v: fnp.median(v, axis=0), (z,))
    check_grads(lambda v: fnp.nanmedian(_with_nans(v)[:2], axis=1), (spread((3, 4)),))


def test_quantile_gradient_goes_to_the_interpolated_elements():
    x = np.array([4.0, 1.0, 3.0, 2.0])  # sorted 1, 2, 3, 4; q = 0.5: halfway between 2 and 3
    np.testing.assert_allclose(fg.grad(lambda v: fnp.quantile(v, 0.5))(x), [0.0, 0.0, 0.5, 0.5])
    np.testing.assert_allclose(fg.grad(lambda v: fnp.median(v))(np.array([5.0, 1.0, 3.0])), [0.0, 0.0, 1.0])
    # and to q: d/dq of the interpolation between the sorted neighbours is their difference times (n - 1)
    check_grads(lambda q: fnp.quantile(x, q), (np.array([0.2, 0.7]),))


def test_ptp_count_nonzero_cov_corrcoef_gradients():
    z = spread((3, 5))
    check_grads(lambda v: fnp.ptp(v, axis=1), (z,))
    assert type(fg.grad(lambda v: fnp.sum(v) + fnp.count_nonzero(v))(z)) is np.ndarray
    check_grads(lambda v: fnp.cov(v), (z,))
    check_grads(lambda v: fnp.cov(v, rowvar=False, ddof=0), (z,))
    check_grads(lambda v, w: fnp.cov(v, aweights=w, fweights=np.array([1, 2, 1, 1, 3])),
                (z, np.array([0.5, 1.0, 1.5, 2.0, 0.7])))
    check_grads(lambda v: fnp.corrcoef(v), (z,))
    check_grads(lambda w: fnp.bincount(np.array([0, 2, 2, 1]), w), (np.array([0.5, 1.0, -1.5, 2.0]),))


def test_statistics_under_vmap_match_a_loop():
    zs = spread((4, 3, 5))
    # (median and quantiles are left out: they sort, and funcgrad's sort does not run under vmap yet)
    for f in (lambda v: fnp.nanmean(_with_nans(spread((3, 4)))[:, :3] + v[:, :3], axis=0),
              lambda v: fnp.nanmax(fnp.where(v > 1.5, np.nan, v), axis=0),
              lambda v: fnp.ptp(v), lambda v: fnp.cov(v), lambda v: fnp.count_nonzero(v > 0, axis=1)):
        np.testing.assert_allclose(fg.vmap(f)(zs), np.stack([f(z) for z in zs]), equal_nan=True)


# --- errors -------------------------------------------------------------------------------------------------------
def test_error_cases():
    z = np.arange(6.0)
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        fnp.quantile(z, 1.5)
    with pytest.raises(ValueError, match=r"range \[0, 100\]"):
        fnp.percentile(z, -1)
    with pytest.raises(ValueError, match="not a valid method"):
        fnp.quantile(z, 0.5, method="bogus")
    with pytest.raises(NotImplementedError, match="closest_observation"):
        fnp.quantile(z, 0.5, method="closest_observation")
    with pytest.raises(NotImplementedError, match="weights"):
        fnp.quantile(z, 0.5, weights=z)
    with pytest.raises(TypeError, match="method="):
        fnp.quantile(z, 0.5, interpolation="linear")
    with pytest.raises(TypeError, match="complex"):
        fnp.median(z + 1j)
    with pytest.raises(IndexError):
        fnp.quantile(np.array([]), 0.5)
    with pytest.raises(TypeError, match="complex"):
        fnp.isposinf(np.array([1j]))
    with pytest.raises(ValueError, match="more than 2"):
        fnp.cov(np.ones((2, 2, 2)))
    with pytest.raises(TypeError, match="fweights must be integer"):
        fnp.cov(M, fweights=FW + 0.5)
    with pytest.raises(ValueError, match="negative"):
        fnp.cov(M, aweights=-AW)
    with pytest.raises(RuntimeError, match="incompatible"):
        fnp.cov(M, fweights=FW[:3])
    for f in (fnp.nansum, fnp.nanmean, fnp.median, fnp.ptp):
        with pytest.raises(TypeError, match="out="):
            f(z, out=z)
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        warnings.simplefilter("always", RuntimeWarning)
        fnp.cov(np.ones((2, 1)))
