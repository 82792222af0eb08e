"""``funcgrad.normal`` in its four forms and the generator's state as a uint8 tensor (``get_rng_state``,
``set_rng_state``, ``Generator.get_state`` / ``set_state``), checked against torch where installed: shapes, dtypes,
errors and the moments of the draws, never the streams (funcgrad's draws are not PyTorch's)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.tensors.random as frandom


def _torch():
    return pytest.importorskip("torch")


FORMS = [  # (mean, std, size) built by a library: shapes and dtypes to match
    lambda L: (L.zeros(3, 1), L.ones(4), None),
    lambda L: (L.zeros(2, 3, dtype=L.float64), L.ones(3), None),
    lambda L: (L.zeros(3), L.ones(3, dtype=L.float64), None),
    lambda L: (L.zeros(2, 2, dtype=L.float16), 1.0, None),
    lambda L: (L.zeros(()), L.ones(()), None),
    lambda L: (0.5, L.ones(2, 5, dtype=L.float64), None),
    lambda L: (1.0, 2.0, (2, 3)),
    lambda L: (1, 2, [4]),
    lambda L: (L.zeros(0), L.ones(0), None),
]


@pytest.mark.parametrize("form", range(len(FORMS)))
def test_normal_shapes_and_dtypes_match_torch(form):
    t = _torch()
    mean, std, size = FORMS[form](fg)
    tm, ts, tsize = FORMS[form](t)
    got = fg.normal(mean, std) if size is None else fg.normal(mean, std, size)
    want = t.normal(tm, ts) if tsize is None else t.normal(tm, ts, tsize)
    assert tuple(got.shape) == tuple(want.shape)
    assert str(got.dtype) == str(want.dtype)


def test_normal_keywords_and_dtype_device_of_the_number_form():
    t = _torch()
    for kw in [dict(dtype=np.float64), dict(size=(3,)), dict(requires_grad=True)]:
        tkw = {k: (t.float64 if v is np.float64 else v) for k, v in kw.items()}
        got, want = fg.normal(0.0, 1.0, kw.pop("size", (2,)), **kw), t.normal(0.0, 1.0, tkw.pop("size", (2,)), **tkw)
        assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == str(want.dtype)
        assert got.requires_grad == want.requires_grad
    assert fg.normal(mean=fg.zeros(2)).shape == t.normal(mean=t.zeros(2)).shape
    assert fg.normal(fg.zeros(2), std=2.0).shape == (2,)
    assert fg.normal(mean=0.0, std=fg.ones(3)).shape == (3,)
    assert fg.normal(0.0, 1.0, size=(2, 3), device="cpu").device == fg.device("cpu")


@pytest.mark.parametrize("args, error, match", [
    ((lambda L: (L.zeros(3), -1.0)), RuntimeError, "std >= 0.0"),
    ((lambda L: (0.0, -L.ones(2))), RuntimeError, "all elements of std >= 0.0"),
    ((lambda L: (L.zeros(2), L.tensor([1.0, -1.0]))), RuntimeError, "all elements of std >= 0.0"),
    ((lambda L: (L.zeros(2), L.tensor([1.0, float("nan")]))), RuntimeError, "all elements of std >= 0.0"),
    ((lambda L: (0.0, -1.0, (2,))), RuntimeError, "std >= 0.0"),
    ((lambda L: (L.zeros(3), L.ones(2))), RuntimeError, None),
    ((lambda L: (L.zeros(2, 3), L.ones(6))), RuntimeError, None),
    ((lambda L: (L.zeros(3, dtype=L.int64), 1.0)), NotImplementedError, None),
    ((lambda L: (0.0, L.ones(2, dtype=L.int64))), NotImplementedError, None),
    ((lambda L: (0.0, 1.0)), TypeError, None),
    ((lambda L: (L.zeros(2), L.ones(2), (2,))), TypeError, None),
])
def test_normal_errors_as_torchs(args, error, match):
    t = _torch()
    with pytest.raises(error, match=match):
        t.normal(*args(t))
    with pytest.raises(error, match=match):
        fg.normal(*args(fg))


def test_normal_int_dtype_for_numbers_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        fg.normal(0.0, 1.0, (2,), dtype=np.int64)
    with pytest.raises(TypeError, match="out="):
        fg.normal(fg.zeros(2), 1.0, out=fg.zeros(2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normal_moments(dtype):
    g = fg.Generator().manual_seed(0)
    mean = fg.tensor([[-3.0], [0.0], [5.0]], dtype=dtype)
    std = fg.tensor([0.5, 1.0, 2.0, 4.0], dtype=dtype)
    x = fg.normal(mean.expand(3, 4).unsqueeze(-1).expand(3, 4, 20000),
                  std.reshape(1, 4, 1).expand(3, 4, 20000), generator=g).numpy()
    assert x.dtype == dtype
    m, s = x.mean(axis=-1), x.std(axis=-1)
    np.testing.assert_allclose(m, np.broadcast_to(mean.numpy(), (3, 4)), atol=0.1)
    np.testing.assert_allclose(s, np.broadcast_to(std.numpy(), (3, 4)), rtol=0.03)
    for v in (fg.normal(2.0, 3.0, (40000,), generator=g), fg.normal(fg.full((40000,), 2.0), 3.0, generator=g),
              fg.normal(2.0, fg.full((40000,), 3.0), generator=g)):
        v = v.numpy()
        assert abs(v.mean() - 2.0) < 0.06 and abs(v.std() - 3.0) < 0.06
    assert np.all(fg.normal(fg.tensor([1.0, -2.0]), 0.0).numpy() == [1.0, -2.0])


def test_normal_repeats_with_the_seed_and_has_torchs_zero_gradients():
    fg.manual_seed(11)
    a = [fg.normal(fg.zeros(3), fg.ones(3)), fg.normal(0.0, 1.0, (3,)), fg.normal(fg.zeros(3)),
         fg.normal(0.0, fg.ones(3))]
    fg.manual_seed(11)
    b = [fg.normal(fg.zeros(3), fg.ones(3)), fg.normal(0.0, 1.0, (3,)), fg.normal(fg.zeros(3)),
         fg.normal(0.0, fg.ones(3))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert not np.array_equal(a[0].numpy(), a[1].numpy())
    g1, g2 = fg.Generator().manual_seed(4), fg.Generator().manual_seed(4)
    np.testing.assert_array_equal(fg.normal(fg.zeros(5), 2.0, generator=g1).numpy(),
                                  fg.normal(fg.zeros(5), 2.0, generator=g2).numpy())
    t = _torch()
    m, s = fg.zeros(3, 1, requires_grad=True), fg.ones(4, requires_grad=True)
    tm, ts = t.zeros(3, 1, requires_grad=True), t.ones(4, requires_grad=True)
    out, tout = fg.normal(m, s), t.normal(tm, ts)
    assert out.requires_grad and tout.requires_grad
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), tm.grad.numpy())
    np.testing.assert_array_equal(s.grad.numpy(), ts.grad.numpy())


def test_rng_state_round_trip():
    t = _torch()
    fg.manual_seed(5)
    state = fg.get_rng_state()
    assert state.dtype == fg.uint8 and str(state.dtype) == str(t.get_rng_state().dtype) and state.ndim == 1
    a = [fg.rand(4), fg.randn(3), fg.normal(0.0, 1.0, (2,)), fg.randint(0, 100, (5,)), fg.randperm(6)]
    fg.manual_seed(99)
    fg.set_rng_state(state)
    assert fg.initial_seed() == 5  # the seed the stream started from comes back with it
    b = [fg.rand(4), fg.randn(3), fg.normal(0.0, 1.0, (2,)), fg.randint(0, 100, (5,)), fg.randperm(6)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    # the state is a copy: drawing afterwards does not change it, setting it twice repeats twice
    fg.set_rng_state(state)
    np.testing.assert_array_equal(fg.rand(4).numpy(), a[0].numpy())
    np.testing.assert_array_equal(fg.get_rng_state().numpy(), fg.get_rng_state().numpy())
    # a draw of an odd number of 32-bit values (a half word buffered) still round-trips
    fg.manual_seed(0)
    fg.rand(1, dtype=fg.float32)
    st = fg.get_rng_state()
    assert st.numpy()[40] == 1  # the buffered half-word flag is set
    x = fg.rand(3, dtype=fg.float32)
    fg.set_rng_state(st)
    np.testing.assert_array_equal(x.numpy(), fg.rand(3, dtype=fg.float32).numpy())


def test_generator_state_and_errors():
    g = fg.Generator().manual_seed(3)
    fg.rand(2, generator=g)
    st = g.get_state()
    assert isinstance(st, fg.Tensor) and st.dtype == fg.uint8
    x = fg.randn(5, generator=g)
    assert g.set_state(st) is g
    np.testing.assert_array_equal(x.numpy(), fg.randn(5, generator=g).numpy())
    # a generator's state restores the default one too (and back): the same layout
    fg.set_rng_state(st)
    np.testing.assert_array_equal(x.numpy(), fg.randn(5).numpy())
    with pytest.raises(RuntimeError, match="uint8"):
        fg.set_rng_state(fg.zeros(61))
    with pytest.raises(RuntimeError, match="Invalid RNG state"):
        fg.set_rng_state(fg.zeros(5, dtype=fg.uint8))
    with pytest.raises(TypeError, match="ByteTensor"):
        fg.set_rng_state([1, 2, 3])


def test_torch_random_names_and_fork_rng():
    t = _torch()
    for name in ("get_rng_state", "set_rng_state", "manual_seed", "seed", "initial_seed", "fork_rng"):
        assert hasattr(t.random, name) and hasattr(frandom, name)
    assert frandom.manual_seed is fg.manual_seed and frandom.get_rng_state is fg.get_rng_state
    fg.manual_seed(1)
    with frandom.fork_rng():
        a = fg.rand(3)
    np.testing.assert_array_equal(a.numpy(), fg.rand(3).numpy())
    with frandom.fork_rng(enabled=False):
        fg.rand(3)
    with pytest.warns(UserWarning, match="GPU"), frandom.fork_rng(devices=[0]):
        pass
