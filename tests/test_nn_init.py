"""funcgrad.nn.init (torch.nn.init): distributions and their scales, structured fills, PyTorch's gains and fans,
seeding, and the in-place contract on parameters (same object, same graph node, requires_grad kept, no memory
growth). Runs on device arrays too (FUNCGRAD_TEST_BACKEND=standin|cupy): tensors are made where the backend puts
them and the draws happen there."""
from __future__ import annotations

import gc
import math
import tracemalloc
import warnings

import numpy as np
import pytest

import _backend as B
import funcgrad as fg
import funcgrad.nn.init as init

RUNS_ON_DEVICES = True

SQRT2 = math.sqrt(2.0)


def _np(t):
    return B.to_numpy(t).astype(np.float64)


# --- gains and fans ---------------------------------------------------------------------------------------------
HAND_GAINS = [("linear", None, 1.0), ("conv1d", None, 1.0), ("conv2d", None, 1.0), ("conv3d", None, 1.0),
              ("conv_transpose1d", None, 1.0), ("conv_transpose2d", None, 1.0), ("conv_transpose3d", None, 1.0),
              ("sigmoid", None, 1.0), ("tanh", None, 5.0 / 3.0), ("relu", None, SQRT2),
              ("leaky_relu", None, math.sqrt(2.0 / (1.0 + 0.01 ** 2))), ("leaky_relu", 0.2, math.sqrt(2.0 / 1.04)),
              ("leaky_relu", 0, SQRT2), ("leaky_relu", 1, 1.0), ("leaky_relu", -0.5, math.sqrt(2.0 / 1.25)),
              ("selu", None, 0.75)]


@pytest.mark.parametrize("nonlinearity, param, expected", HAND_GAINS)
def test_gains_equal_the_hand_derived_constants(nonlinearity, param, expected):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("nonlinearity, param, expected", HAND_GAINS)
def test_gains_equal_pytorchs(nonlinearity, param, expected):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_bad_gain_arguments_raise_like_pytorch():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "0.1")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


FAN_SHAPES = [((3, 5), (5, 3)), ((16, 3, 5, 5), (75, 400)), ((4, 2, 3), (6, 12)), ((2, 3, 1, 2, 2), (12, 8)),
              ((0, 4), (4, 0))]


@pytest.mark.parametrize("shape, fans", FAN_SHAPES)
def test_fans_are_pytorchs(shape, fans):
    assert init._calculate_fan_in_and_fan_out(fg.empty(shape)) == fans
    try:
        import torch
    except ImportError:
        return
    assert init._calculate_fan_in_and_fan_out(fg.empty(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_fans_of_fewer_than_two_dimensions_raise():
    for shape in [(), (4,)]:
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            init._calculate_fan_in_and_fan_out(fg.empty(shape))
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            init.xavier_uniform_(fg.empty(shape))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(fg.empty(3, 3), mode="fan_avg")


# --- uniform family: bounds -----------------------------------------------------------------------------------
def _check_uniform(x, bound, lo=None):
    lo = -bound if lo is None else lo
    v = _np(x)
    assert v.min() >= lo and v.max() <= bound
    width = bound - lo
    assert v.min() < lo + 0.01 * width and v.max() > bound - 0.01 * width  # the draws fill the range
    assert abs(v.mean() - (lo + bound) / 2) < 0.02 * width


def test_uniform_bounds():
    _check_uniform(init.uniform_(fg.empty(200, 100), -3.0, 5.0), 5.0, lo=-3.0)
    _check_uniform(init.uniform_(fg.empty(20000)), 1.0, lo=0.0)


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
@pytest.mark.parametrize("gain", [1.0, 0.5, init.calculate_gain("relu")])
def test_xavier_uniform_bound(shape, gain):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(fg.empty(shape))
    _check_uniform(init.xavier_uniform_(fg.empty(shape), gain=gain), gain * math.sqrt(6.0 / (fan_in + fan_out)))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "FAN_OUT"])
@pytest.mark.parametrize("nonlinearity, a", [("leaky_relu", 0), ("leaky_relu", math.sqrt(5)), ("relu", 0),
                                             ("tanh", 0), ("linear", 0)])
def test_kaiming_uniform_bound(mode, nonlinearity, a):
    shape = (48, 96, 3, 3)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(fg.empty(shape))
    fan = fan_in if mode.lower() == "fan_in" else fan_out
    bound = init.calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    _check_uniform(init.kaiming_uniform_(fg.empty(shape), a=a, mode=mode, nonlinearity=nonlinearity), bound)


# --- normal family: sample std within a few percent -----------------------------------------------------------
def _check_normal(x, std, mean=0.0):
    v = _np(x)
    assert abs(v.std() / std - 1) < 0.03, (v.std(), std)
    assert abs(v.mean() - mean) < 0.03 * std


def test_normal_std():
    _check_normal(init.normal_(fg.empty(300, 200), mean=2.0, std=0.5), 0.5, mean=2.0)
    _check_normal(init.normal_(fg.empty(60000, dtype=fg.float64)), 1.0)


@pytest.mark.parametrize("gain", [1.0, 5.0 / 3.0])
def test_xavier_normal_std(gain):
    shape = (256, 128, 2)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(fg.empty(shape))
    _check_normal(init.xavier_normal_(fg.empty(shape), gain=gain), gain * math.sqrt(2.0 / (fan_in + fan_out)))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity, a", [("leaky_relu", 0), ("leaky_relu", 0.3), ("relu", 0), ("selu", 0)])
def test_kaiming_normal_std(mode, nonlinearity, a):
    shape = (128, 64, 3, 3)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(fg.empty(shape))
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)
    _check_normal(init.kaiming_normal_(fg.empty(shape), a=a, mode=mode, nonlinearity=nonlinearity), std)


def _truncated_moments(mean, std, a, b):
    """Mean and std of the normal (mean, std) truncated to [a, b], from the closed form."""
    al, be = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * math.erfc(-x / SQRT2)  # noqa: E731
    z = cdf(be) - cdf(al)
    m = (pdf(al) - pdf(be)) / z
    var = 1 + (al * pdf(al) - be * pdf(be)) / z - m * m
    return mean + std * m, std * math.sqrt(var)


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04), (1.0, 2.0, 0.0, 4.0),
                                             (0.0, 1.0, 3.0, 4.5), (0.0, 1.0, -0.5, 0.5)])
def test_trunc_normal_within_bounds_and_right_moments(mean, std, a, b):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # [3, 4.5] is more than 2 std from the mean: PyTorch warns too
        x = init.trunc_normal_(fg.empty(400, 250, dtype=fg.float64), mean=mean, std=std, a=a, b=b)
    v = _np(x)
    assert v.min() >= a and v.max() <= b
    m, s = _truncated_moments(mean, std, a, b)
    assert abs(v.std() / s - 1) < 0.03, (v.std(), s)
    assert abs(v.mean() - m) < 0.03 * s


def test_trunc_normal_float32_and_arguments():
    x = init.trunc_normal_(fg.empty(5000), std=0.02, a=-0.04, b=0.04)
    assert x.dtype == np.float32 and _np(x).min() >= -0.04 and _np(x).max() <= 0.04
    with pytest.raises(ValueError, match="std must be positive"):
        init.trunc_normal_(fg.empty(3), std=0.0)
    with pytest.raises(ValueError, match="above the upper bound"):
        init.trunc_normal_(fg.empty(3), a=1.0, b=0.0)
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(fg.empty(3), mean=10.0, a=-1.0, b=1.0)


# --- structured fills -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3), (4, 3, 2, 2), (1, 6)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, gain):
    q = _np(init.orthogonal_(fg.empty(shape, dtype=fg.float64), gain=gain)).reshape(shape[0], -1)
    rows, cols = q.shape
    gram = q @ q.T if rows <= cols else q.T @ q
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-10)


def test_orthogonal_float32_and_randomness():
    a, b = init.orthogonal_(fg.empty(6, 6)), init.orthogonal_(fg.empty(6, 6))
    assert a.dtype == np.float32
    np.testing.assert_allclose(_np(a) @ _np(a).T, np.eye(6), atol=1e-5)
    assert not np.allclose(_np(a), _np(b))
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(fg.empty(4))


def test_orthogonal_is_uniform_over_signs():
    """The sign fix makes the draw Haar-distributed: the diagonal entries have mean ~0 rather than being biased."""
    d = np.array([np.diag(_np(init.orthogonal_(fg.empty(4, 4, dtype=fg.float64)))) for _ in range(400)])
    assert abs(d.mean()) < 0.1


def test_eye_structure():
    for shape in [(3, 3), (2, 4), (4, 2)]:
        np.testing.assert_array_equal(_np(init.eye_(fg.empty(shape))), np.eye(*shape))
    np.testing.assert_array_equal(B.to_numpy(init.eye_(fg.empty(2, 2, dtype=fg.int64))), np.eye(2, dtype=np.int64))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(fg.empty(2, 2, 2))


@pytest.mark.parametrize("shape, groups", [((4, 4, 3), 1), ((6, 4, 3, 3), 1), ((4, 6, 3, 3), 1), ((6, 2, 5, 5), 3),
                                           ((4, 3, 3, 2, 4), 2)])
def test_dirac_structure(shape, groups):
    w = _np(init.dirac_(fg.empty(shape), groups=groups))
    per = shape[0] // groups
    center = tuple(s // 2 for s in shape[2:])
    expected = np.zeros(shape)
    for g in range(groups):
        for d in range(min(per, shape[1])):
            expected[(g * per + d, d) + center] = 1
    np.testing.assert_array_equal(w, expected)
    # a Dirac weight makes a convolution that passes its (matching) input channels through
    if len(shape) == 4 and groups == 1 and shape[2] == shape[3] == 3:
        x = fg.randn(1, shape[1], 6, 6)
        y = fg.conv2d(x, fg.tensor(w.astype(np.float32)), padding=1)
        n = min(shape[0], shape[1])
        np.testing.assert_allclose(_np(y)[0, :n], _np(x)[0, :n], atol=1e-6)


def test_dirac_arguments():
    with pytest.raises(ValueError, match="3, 4, or 5 dimensions"):
        init.dirac_(fg.empty(3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        init.dirac_(fg.empty(5, 2, 3), groups=2)


def test_constant_ones_zeros():
    np.testing.assert_array_equal(_np(init.constant_(fg.empty(2, 3), -1.5)), np.full((2, 3), -1.5))
    np.testing.assert_array_equal(_np(init.ones_(fg.empty(4))), np.ones(4))
    np.testing.assert_array_equal(_np(init.zeros_(fg.empty(4))), np.zeros(4))
    t = init.constant_(fg.empty(3, dtype=fg.int64), 7)
    assert t.dtype == np.int64 and B.to_numpy(t).tolist() == [7, 7, 7]


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.5, 1.0])
def test_sparse_zeros_per_column(sparsity):
    w = _np(init.sparse_(fg.empty(20, 50), sparsity=sparsity, std=0.1))
    zeros = (w == 0).sum(axis=0)
    assert (zeros == math.ceil(sparsity * 20)).all()
    if sparsity < 1:
        assert abs(w[w != 0].std() / 0.1 - 1) < 0.1
        assert len({tuple(np.nonzero(w[:, j] == 0)[0]) for j in range(50)}) > 1 or sparsity == 0  # random rows
    with pytest.raises(ValueError, match="2 dimensions"):
        init.sparse_(fg.empty(3, 3, 3), 0.5)


# --- the in-place contract --------------------------------------------------------------------------------------
INITS = [("uniform_", {}), ("normal_", {}), ("trunc_normal_", {}), ("constant_", {"val": 0.3}), ("ones_", {}),
         ("zeros_", {}), ("eye_", {}), ("xavier_uniform_", {}), ("xavier_normal_", {}), ("kaiming_uniform_", {}),
         ("kaiming_normal_", {}), ("orthogonal_", {}), ("sparse_", {"sparsity": 0.5})]
RANDOM = ["uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
          "kaiming_normal_", "orthogonal_", "sparse_"]


@pytest.mark.parametrize("name, kw", INITS)
def test_parameters_keep_identity_node_and_requires_grad(name, kw):
    w = fg.zeros(6, 4, requires_grad=True)
    node = w._v.node
    (w * 2).sum().backward()
    grad = B.to_numpy(w.grad).copy()
    out = getattr(init, name)(w, **kw)
    assert out is w and w.is_leaf and w.requires_grad and w._v.node is node
    assert w.shape == (6, 4) and w.dtype == np.float32
    np.testing.assert_array_equal(B.to_numpy(w.grad), grad)  # .grad untouched
    w.grad = None
    (w * w).sum().backward()  # the new values are the leaf's: the gradient is 2w
    np.testing.assert_allclose(B.to_numpy(w.grad), 2 * B.to_numpy(w.detach()), rtol=1e-6)


def test_init_inside_grad_mode_records_nothing():
    w = fg.zeros(3, 3, requires_grad=True)
    with fg.enable_grad():
        init.normal_(w)
    assert w.is_leaf and w.grad_fn is None
    assert fg.is_grad_enabled()


def test_dtypes_are_kept():
    for dt in (fg.float16, fg.float64):
        for name, kw in INITS:
            t = getattr(init, name)(fg.zeros(8, 5, dtype=dt), **kw)
            assert t.dtype == dt, name
            assert np.isfinite(_np(t)).all()


@pytest.mark.parametrize("name", RANDOM)
def test_determinism_under_manual_seed_and_generator(name):
    kw = dict(INITS)[name]
    fn = getattr(init, name)
    fg.manual_seed(123)
    a = _np(fn(fg.empty(10, 8), **kw))
    fg.manual_seed(123)
    b = _np(fn(fg.empty(10, 8), **kw))
    np.testing.assert_array_equal(a, b)
    c = _np(fn(fg.empty(10, 8), **kw))
    assert not np.array_equal(a, c)
    where = B.DEVICE
    g1, g2 = fg.Generator(where).manual_seed(7), fg.Generator(where).manual_seed(7)
    np.testing.assert_array_equal(_np(fn(fg.empty(10, 8), generator=g1, **kw)),
                                  _np(fn(fg.empty(10, 8), generator=g2, **kw)))
    fg.manual_seed(5)
    d = _np(fn(fg.empty(10, 8), generator=fg.Generator(where).manual_seed(5), **kw))
    np.testing.assert_array_equal(d, _np(fn(fg.empty(10, 8), generator=fg.Generator(where).manual_seed(5), **kw)))


def test_memory_stays_flat_over_many_reinits():
    w = fg.empty(128, 128, requires_grad=True)
    node = w._v.node
    steps = [lambda: init.kaiming_uniform_(w, a=math.sqrt(5)), lambda: init.normal_(w, std=0.02),
             lambda: init.trunc_normal_(w, std=0.02), lambda: init.orthogonal_(w), lambda: init.xavier_normal_(w),
             lambda: init.zeros_(w)]
    for step in steps:  # warm up caches
        step()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(40):
            for step in steps:
                step()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert w._v.node is node
    assert grown < 256 * 1024, f"{grown} bytes kept after 240 re-initializations of a 64 KiB tensor"


def test_arguments_are_checked():
    with pytest.raises(TypeError, match="expected a funcgrad Tensor"):
        init.normal_(np.zeros(3))
    with pytest.raises(RuntimeError, match="floating point"):
        init.uniform_(fg.zeros(3, dtype=fg.int64))
    with pytest.raises(RuntimeError, match="floating point"):
        init.orthogonal_(fg.zeros(3, 3, dtype=fg.int64))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = fg.empty(0, 3)
        assert init.kaiming_uniform_(t) is t and init.kaiming_normal_(t) is t
    assert any("zero-element" in str(w.message) for w in caught)
    assert init.orthogonal_(fg.empty(0, 3)).shape == (0, 3)
