"""The CuPy stand-in (funcgrad.testing.standin) refuses what CuPy refuses, so that CI without a GPU proves funcgrad's
device code path: implicit conversions, host operands, devices that disagree; it counts host synchronizations, and
funcgrad's gradients computed on it match NumPy's without any."""
import copy
import pickle
import threading

import numpy as np
import opt_einsum
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import backend
from funcgrad.testing import standin
from funcgrad.testing.standin import Device, RandomState, StandinArray, xp

RUNS_ON_DEVICES = True  # the stand-in's own tests hold on every backend run (they install it only for a while)


@pytest.fixture
def installed():
    """The stand-in as funcgrad's GPU backend for one test, then whatever was there before."""
    yield standin.install()
    standin.uninstall()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _standin_active():
    b = backend.gpu_backend() if backend.gpu_available() else None
    return b if isinstance(b, standin.StandinBackend) else None


# --- what CuPy refuses ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("implicit", [np.asarray, np.array, np.tanh, np.sum, lambda x: np.ones(3) + x,
                                      lambda x: np.add(np.ones(3), x), lambda x: np.stack([x, x])],
                         ids=["asarray", "array", "tanh", "sum", "ndarray+x", "add(ndarray, x)", "stack"])
def test_numpy_never_converts_a_device_array_implicitly(implicit, rng):
    x = xp.asarray(rng.standard_normal(3))
    with pytest.raises(TypeError):
        implicit(x)


def test_implicit_conversion_is_refused_in_cupys_words(rng):
    with pytest.raises(TypeError, match=r"^Implicit conversion to a NumPy array is not allowed\. Please use "
                                        r"`\.get\(\)` to construct a NumPy array explicitly\.$"):
        np.asarray(xp.asarray(rng.standard_normal(3)))


@pytest.mark.parametrize("op", [lambda x, h: x + h, lambda x, h: x @ h, lambda x, h: x < h,
                                lambda x, h: xp.add(x, h), lambda x, h: xp.concatenate([x, h]),
                                lambda x, h: xp.where(x > 0, x, h), lambda x, h: x.dot(h)],
                         ids=["+", "@", "<", "xp.add", "xp.concatenate", "xp.where", "dot"])
def test_host_array_operands_are_refused(op, rng):
    x, h = xp.asarray(rng.standard_normal(3)), rng.standard_normal(3)
    with pytest.raises(TypeError, match=r"^Unsupported type <class 'numpy\.ndarray'>$"):
        op(x, h)


def test_python_and_numpy_scalars_combine_freely(rng):
    h = rng.standard_normal(3)
    x = xp.asarray(h)
    for got, want in [(2 * x, 2 * h), (x * np.float32(2.0), h * np.float32(2.0)), (np.float64(2.0) - x, 2.0 - h),
                      (x ** 2, h ** 2), (1j + x, 1j + h), (xp.maximum(x, np.int64(0)), np.maximum(h, 0))]:
        assert type(got) is StandinArray
        np.testing.assert_array_equal(got.get(), want)


def test_explicit_converters_take_host_data_and_copy_it(rng):
    h = rng.standard_normal(3)
    for convert in (xp.asarray, xp.array):
        x = convert(h)
        h[0] += 1.0  # a copy: later host writes do not reach the device
        assert type(x) is StandinArray and x.get()[0] != h[0]
    x = xp.asarray(h)
    assert xp.asarray(x) is x and xp.array(x) is not x  # asarray of a device array is that array
    np.testing.assert_array_equal(xp.asnumpy(x), h)


# --- CuPy's results and conversions -----------------------------------------------------------------------------
def test_reductions_and_single_elements_are_0d_device_arrays(rng):
    h = rng.standard_normal((2, 3))
    x = xp.asarray(h)
    results = {"sum": (x.sum(), h.sum()), "max": (xp.max(x), np.max(h)), "mean": (x.mean(), h.mean()),
               "item": (x[1, 2], h[1, 2]), "iter": (next(iter(x[0])), h[0, 0]), "det": (xp.linalg.det(x[:, :2]),
               np.linalg.det(h[:, :2])), "argmax": (x.argmax(), h.argmax()), "allclose": (xp.allclose(x, x), True)}
    for name, (got, want) in results.items():
        assert type(got) is StandinArray and got.shape == (), name
        np.testing.assert_allclose(got.get(), want, err_msg=name)


def test_a_single_element_is_a_view_as_in_cupy(rng):
    x = xp.asarray(rng.standard_normal((2, 3)))
    e = x[1, 2]
    e[...] = 7.0
    assert x.get()[1, 2] == 7.0


def test_host_reads_are_counted_and_arithmetic_is_not(rng):
    x = xp.asarray(rng.standard_normal((2, 2)))
    s = x[0, 0]
    reads = [lambda: float(s), lambda: int(s), lambda: bool(s), lambda: complex(s), lambda: s.item(),
             lambda: x.tolist(), lambda: x.get(), lambda: xp.asnumpy(x), lambda: repr(x), lambda: str(x),
             lambda: f"{s:.3f}", lambda: pickle.dumps(x)]
    for read in reads:
        standin.reset_host_syncs()
        read()
        assert standin.host_syncs() == 1
    standin.reset_host_syncs()
    y = xp.tanh(x @ x.T).sum(axis=0) * 2.0 + x[0]
    y[0] = 0.0
    assert standin.host_syncs() == 0 and type(y) is StandinArray


def test_repr_names_the_device_and_pickling_keeps_it(rng):
    h = rng.standard_normal(2)
    with Device(1):
        x = xp.asarray(h)
    assert repr(x).startswith("standin_array(") and repr(x).endswith("device=1)")
    y = pickle.loads(pickle.dumps(x))
    assert y.device.id == 1
    np.testing.assert_array_equal(y.get(), h)


# --- devices ----------------------------------------------------------------------------------------------------
def test_arrays_of_two_devices_never_meet(rng):
    h = rng.standard_normal(3)
    x = xp.asarray(h)
    with Device(1):
        y = xp.asarray(h)
    assert (x.device.id, y.device.id) == (0, 1)
    for op in (lambda: x + y, lambda: xp.add(x, y), lambda: xp.stack([x, y]), lambda: x[y > 0],
               lambda: x.__setitem__(0, y[0]), lambda: y[xp.asarray([0, 1])]):
        with pytest.raises(ValueError, match="^Array device must be same as the current device: "):
            op()


def test_results_live_on_their_operands_device(rng):
    with Device(1):
        y = xp.asarray(rng.standard_normal(3))
    assert all(r.device.id == 1 for r in (y * 2, xp.tanh(y), y.sum(), y[1:], xp.linalg.norm(y)))
    assert xp.zeros(2).device.id == 0  # no operand: the current device
    # copies are CuPy's way between devices: they land on the current device (deepcopy excepted)
    assert [c.device.id for c in (y.copy(), xp.copy(y), xp.array(y), xp.asarray(y), copy.copy(y))] == [0] * 5
    assert copy.deepcopy(y).device.id == 1


def test_device_context_nests_restores_and_is_per_thread():
    seen = []
    with Device(1) as d:
        assert xp.ones(1).device == d
        with Device(0):
            assert xp.ones(1).device.id == 0
        assert xp.ones(1).device.id == 1
        worker = threading.Thread(target=lambda: seen.append(xp.ones(1).device.id))
        worker.start()
        worker.join()
        d.synchronize()
    assert seen == [0] and xp.ones(1).device.id == 0
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        with Device(standin.DEVICE_COUNT):
            pass


def test_random_state_draws_on_the_current_device_reproducibly():
    with Device(1):
        rs = RandomState(2 ** 40 + 3)  # CuPy's seeds are 64-bit
        draws = {"standard_normal": rs.standard_normal((2, 3), dtype=np.float32),
                 "random_sample": rs.random_sample((4,)), "uniform": rs.uniform(-1.0, 2.0, (5,)),
                 "normal": rs.normal(1.0, 3.0, (2,), dtype=np.float32), "randint": rs.randint(2, 7, (6,)),
                 "permutation": rs.permutation(5)}
    assert all(type(d) is StandinArray and d.device.id == 1 for d in draws.values())
    assert draws["standard_normal"].dtype == np.float32 and draws["random_sample"].dtype == np.float64
    u, k = draws["uniform"].get(), draws["randint"].get()
    assert (u >= -1).all() and (u < 2).all() and (k >= 2).all() and (k < 7).all()
    assert sorted(draws["permutation"].tolist()) == list(range(5))
    again = RandomState(2 ** 40 + 3)
    np.testing.assert_array_equal(again.standard_normal((2, 3), dtype=np.float32).get(),
                                  draws["standard_normal"].get())
    assert not np.array_equal(RandomState(4).random_sample((4,)).get(), draws["random_sample"].get())
    with pytest.raises(TypeError):
        rs.standard_normal((2,), dtype=np.float16)  # CuPy draws float32 and float64 only


# --- the namespace ----------------------------------------------------------------------------------------------
def test_linalg_matches_numpy_and_returns_plain_tuples(rng):
    h = rng.standard_normal((3, 3))
    h = h @ h.T + 3 * np.eye(3)
    b = rng.standard_normal((3, 2))
    a = xp.asarray(h)
    pairs = [(xp.linalg.solve(a, xp.asarray(b)), np.linalg.solve(h, b)), (xp.linalg.inv(a), np.linalg.inv(h)),
             (xp.linalg.cholesky(a), np.linalg.cholesky(h)), (xp.linalg.eigh(a)[0], np.linalg.eigh(h)[0]),
             (xp.linalg.svd(a)[1], np.linalg.svd(h)[1]), (xp.linalg.slogdet(a)[1], np.linalg.slogdet(h)[1])]
    for got, want in pairs:
        assert type(got) is StandinArray
        np.testing.assert_allclose(got.get(), want, rtol=1e-12)
    assert type(xp.linalg.slogdet(a)) is tuple  # CuPy returns tuples: no .sign / .logabsdet to rely on


def test_indexing_takes_host_and_device_index_arrays(rng):
    h = rng.standard_normal((4, 3))
    x = xp.asarray(h)
    mask = h[:, 0] > 0
    keys = [np.array([3, 0, 0]), [1, 2], (slice(None), np.array([2, 0])), mask, (None, Ellipsis, 1),
            (np.array([[0], [1]]), np.array([0, 2])), xp.asarray([2, 1]), (xp.asarray(mask), 0)]
    for key in keys:
        host_key = tuple(k.get() if type(k) is StandinArray else k for k in key) if type(key) is tuple else (
            key.get() if type(key) is StandinArray else key)
        got = x[key]
        assert type(got) is StandinArray
        np.testing.assert_array_equal(got.get(), h[host_key])


def test_setitem_takes_device_values_and_scalars_but_not_host_arrays(rng):
    h = rng.standard_normal((4, 3))
    x = xp.asarray(h)
    x[np.array([0, 2]), 1] = 5.0
    x[1] = xp.asarray(h[3])
    x[3, :2] = np.float32(-1.0)
    h[[0, 2], 1], h[1], h[3, :2] = 5.0, h[3], -1.0
    np.testing.assert_array_equal(x.get(), h)
    with pytest.raises(TypeError, match=r"^Unsupported type <class 'numpy\.ndarray'>$"):
        x[0] = np.ones(3)


def test_ufunc_methods_are_cupys(rng):
    h = rng.standard_normal(5)
    x = xp.asarray(h)
    out = xp.zeros(3)
    xp.add.at(out, np.array([0, 2, 0]), x[:3])  # repeated positions accumulate
    np.testing.assert_allclose(out.get(), [h[0] + h[2], 0.0, h[1]])
    np.testing.assert_allclose(xp.add.reduceat(x, (0, 2)).get(), np.add.reduceat(h, (0, 2)))
    np.testing.assert_allclose(xp.multiply.outer(x, x).get(), np.multiply.outer(h, h))
    np.testing.assert_allclose(xp.add.accumulate(x).get(), np.cumsum(h))
    for unsupported in (lambda: xp.maximum.accumulate(x), lambda: xp.multiply.at(out, [0], 2.0),
                        lambda: xp.maximum.reduce(x), lambda: xp.multiply.reduceat(x, (0, 2))):
        with pytest.raises(NotImplementedError, match="is not supported yet"):
            unsupported()


def test_opt_einsum_contracts_standin_arrays_with_the_namespace(rng):
    hs = [rng.standard_normal(s) for s in [(30, 40), (40, 20), (20, 5)]]  # large enough for a tensordot path
    out = opt_einsum.contract("ij,jk,kl->il", *[xp.asarray(h) for h in hs])
    assert type(out) is StandinArray
    np.testing.assert_allclose(out.get(), hs[0] @ hs[1] @ hs[2], rtol=1e-12)


# --- funcgrad's GPU backend -------------------------------------------------------------------------------------
def test_install_makes_cuda_mean_the_standin(installed, rng):
    h = rng.standard_normal(3)
    x = backend.to_device(h, "cuda:1")
    assert type(x) is StandinArray and x.device.id == 1 and backend.device_of(x) == "cuda:1"
    assert backend.device_of(backend.to_device(h, "cuda")) == "cuda:0"
    assert backend.to_device(x, "cuda:1") is x
    y = backend.to_device(x, "cuda:0")  # the explicit copy between devices
    assert backend.device_of(y) == "cuda:0" and backend.namespace(y) is xp
    np.testing.assert_array_equal(backend.to_host(y), h)
    with pytest.raises(backend.DeviceUnavailableError):
        backend.to_device(h, f"cuda:{standin.DEVICE_COUNT}")
    rs = installed.random_state(5, 1)
    assert rs.standard_normal((2,)).device.id == 0  # as CuPy's: draws land on the current device


def test_uninstall_restores_what_was_there_before():
    before = _standin_active()
    standin.install()
    assert _standin_active() is not None
    standin.uninstall()
    assert _standin_active() is before


# --- funcgrad end to end ----------------------------------------------------------------------------------------
def _mlp_loss(w, x):
    h = fnp.tanh(x @ w)
    return fnp.sum(h[1:, 0] ** 2) + fnp.sum(h[[0, 2, 2]]) - fnp.mean(h[:, -1])


def test_gradient_on_standin_arrays_matches_numpy_without_host_syncs(installed, rng):
    w, x = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    want = fg.grad(_mlp_loss, argnums=(0, 1))(w, x)
    wd, xd = xp.asarray(w), xp.asarray(x)
    standin.reset_host_syncs()
    got = fg.grad(_mlp_loss, argnums=(0, 1))(wd, xd)
    assert standin.host_syncs() == 0
    for g, gh in zip(got, want):
        assert type(g) is StandinArray and g.device.id == 0
        np.testing.assert_allclose(g.get(), gh, rtol=1e-12)


def test_gradient_on_the_current_second_device_stays_there(installed, rng):
    w, x = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    with Device(1):
        got = fg.grad(_mlp_loss)(xp.asarray(w), xp.asarray(x))
    assert got.device.id == 1
    np.testing.assert_allclose(got.get(), fg.grad(_mlp_loss)(w, x), rtol=1e-12)


def test_gradient_of_an_input_on_a_device_that_is_not_current_stays_on_it(installed, rng):
    x = backend.to_device(rng.standard_normal(3), "cuda:1")
    assert backend.device_of(fg.grad(fnp.mean)(x)) == "cuda:1"


@pytest.mark.parametrize("method", ["set", "add", "multiply", "divide", "min", "max"])
@pytest.mark.parametrize("idx", [[0, 2], [0, 2, 0]], ids=["distinct", "repeated"])
def test_at_updates_on_standin_arrays_match_numpy(method, idx, installed, rng):
    # repeated positions take funcgrad's special paths (last write wins, rounds), which CuPy's ufuncs must serve
    x, v = rng.standard_normal(4) + 3.0, rng.standard_normal(len(idx)) + 3.0

    def f(x, v):
        return fnp.sum(getattr(fnp.at(x)[idx], method)(v) ** 2)

    want = fg.grad(f, argnums=(0, 1))(x, v)
    got = fg.grad(f, argnums=(0, 1))(xp.asarray(x), xp.asarray(v))
    for g, gh in zip(got, want):
        assert type(g) is StandinArray
        np.testing.assert_allclose(g.get(), gh, rtol=1e-12)
