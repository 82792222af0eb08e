"""Devices in both faces, proved on the CuPy stand-in (and on a real GPU with FUNCGRAD_TEST_BACKEND=cupy): arrays
are created where asked, operations never copy between devices behind the user's back (mixing raises an error that
names both devices and the operation), moves are explicit and differentiable, gradients live where their inputs
do, random numbers are drawn on the device, and a gradient computation never synchronizes with the host."""
from __future__ import annotations

import numpy as np
import pytest

import _backend as B
import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import DeviceMismatchError, DeviceUnavailableError, device_of, get_default_device
from funcgrad.testing import standin

RUNS_ON_DEVICES = True


@pytest.fixture
def gpu():
    """A GPU backend for the test: the real one on FUNCGRAD_TEST_BACKEND=cupy, else the stand-in (installed for
    the test and removed after, unless the whole run uses it)."""
    if B.NAME == "cupy":
        yield None
        return
    if B.NAME == "standin":
        yield standin
        return
    prev = get_default_device()
    standin.install()
    try:
        yield standin
    finally:
        standin.uninstall()
        fg.set_default_device(prev)


def _syncs(gpu_mod):
    return gpu_mod.host_syncs() if gpu_mod is not None else 0


def test_creation_functions_take_device_and_like(gpu):
    assert device_of(fnp.zeros(3, device="cuda")) == "cuda:0"
    assert device_of(fnp.arange(4, device="cuda:1")) == "cuda:1" if fg.cuda.device_count() > 1 else True
    x = fnp.ones((2, 2), device="cuda")
    assert device_of(fnp.eye(2, like=x)) == device_of(x)
    assert device_of(fnp.zeros_like(x)) == device_of(x)
    assert device_of(fnp.zeros_like(x, device="cpu")) == "cpu"
    assert device_of(fnp.array([1.0, 2.0], device="cuda")) == "cuda:0"
    assert device_of(fnp.asarray(np.ones(2), device="cuda")) == "cuda:0"
    assert device_of(fnp.linspace(0.0, 1.0, 5, device="cuda")) == "cuda:0"
    assert device_of(fnp.logspace(0.0, 1.0, 5, device="cuda")) == "cuda:0"
    assert device_of(fnp.identity(2, device="cuda")) == "cuda:0"
    assert device_of(fnp.empty((2,), device="cuda")) == "cuda:0"
    assert device_of(fnp.full((2,), 3.0, device="cuda")) == "cuda:0"
    B.assert_allclose(fnp.arange(4, device="cuda"), np.arange(4))


def test_default_device_governs_both_faces(gpu):
    prev = get_default_device()
    fg.set_default_device("cuda")
    try:
        assert device_of(fnp.zeros(2)) == "cuda:0"
        assert str(fg.zeros(2).device) == "cuda:0"
        assert str(fg.tensor([1.0]).device) == "cuda:0"
        assert str(fg.randn(3).device) == "cuda:0"
        assert device_of(np.ones(2)) == "cpu"  # plain NumPy is untouched
    finally:
        fg.set_default_device(prev)
    assert fg.get_default_device() == prev


def test_mixing_devices_raises_naming_both_devices_and_the_operation(gpu):
    x = fnp.ones(3, device="cuda")
    with pytest.raises(DeviceMismatchError, match=r"funcgrad\.add.*cuda:0.*cpu|funcgrad\.add.*cpu.*cuda:0"):
        fnp.add(x, np.ones(3))
    with pytest.raises(DeviceMismatchError, match="multiply"):
        fg.grad(lambda a: fnp.sum(a * np.ones(3)))(x)
    with pytest.raises(DeviceMismatchError, match="concatenate"):
        fnp.concatenate([x, np.ones(3)])
    t = fg.ones(3, device="cuda")
    with pytest.raises(DeviceMismatchError, match="cpu"):
        t + fg.ones(3, device="cpu")
    # Python and NumPy scalars combine with device arrays
    B.assert_allclose(x * 2.0 + np.float64(1.0), np.full(3, 3.0))


def test_device_put_moves_and_gradients_flow_back(gpu):
    host = np.linspace(-1.0, 1.0, 4)

    def f(x):
        y = fg.device_put(x, "cuda")          # host -> device inside the function
        return fnp.sum(fnp.tanh(y) ** 2)

    g = fg.grad(f)(host)
    assert device_of(g) == "cpu"               # the gradient comes back to the input's device
    np.testing.assert_allclose(g, 2 * np.tanh(host) * (1 - np.tanh(host) ** 2))
    x = fnp.asarray(host, device="cuda")
    gd = fg.grad(lambda a: fnp.sum(fg.device_put(a, "cpu") ** 3))(x)
    assert device_of(gd) == "cuda:0"
    B.assert_allclose(gd, 3 * host ** 2)


def test_tensor_to_cuda_cpu_and_back_is_recorded(gpu):
    x = fg.tensor([1.0, 2.0, 3.0], device="cpu", requires_grad=True)
    y = x.cuda()
    assert str(y.device) == "cuda:0" and y.device == fg.device("cuda", 0) and y.requires_grad
    assert y.to("cuda") is y and x.cpu() is x
    z = (y * y).sum()
    z.backward()
    assert str(x.grad.device) == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    w = fg.ones(2, device="cuda", requires_grad=True)
    (w.cpu() * 3.0).sum().backward()
    assert str(w.grad.device) == "cuda:0"
    np.testing.assert_allclose(w.grad.cpu().numpy(), [3.0, 3.0])
    with pytest.raises(TypeError, match="cuda:0 device type tensor to numpy.*cpu"):
        w.detach().numpy()
    with pytest.raises(TypeError, match="Tensor.cpu"):
        np.asarray(w.detach())


def test_random_numbers_are_drawn_on_the_device_and_seeded(gpu):
    fg.manual_seed(3)
    a = fg.randn(5, device="cuda")
    fg.manual_seed(3)
    b = fg.randn(5, device="cuda")
    assert str(a.device) == "cuda:0"
    np.testing.assert_array_equal(a.cpu().numpy(), b.cpu().numpy())
    g = fg.Generator("cuda").manual_seed(0)
    u = fg.rand(4, generator=g, device="cuda")
    assert 0.0 <= float(u.min()) and float(u.max()) < 1.0
    t = fg.zeros(3, device="cuda").uniform_(2.0, 3.0)
    assert str(t.device) == "cuda:0" and float(t.min()) >= 2.0
    with pytest.raises(RuntimeError, match="generator"):
        fg.rand(2, generator=fg.Generator("cpu"), device="cuda")


def test_a_gradient_on_device_never_synchronizes_with_the_host(gpu):
    if gpu is None:
        pytest.skip("host synchronizations are counted by the stand-in only")
    rng = np.random.default_rng(0)
    p = {"w": fnp.asarray(rng.normal(size=(5, 4)), device="cuda"), "b": fnp.zeros(4, device="cuda")}
    x = fnp.asarray(rng.normal(size=(8, 5)), device="cuda")

    def loss(p):
        h = fnp.tanh(x @ p["w"] + p["b"])
        return fnp.mean(fg.scipy.special.logsumexp(h, axis=1)) + 0.1 * fnp.sum(p["w"] ** 2)

    gpu.reset_host_syncs()
    g = fg.grad(loss)(p)
    t = fg.tensor(rng.normal(size=(3, 4)), device="cuda", requires_grad=True)
    (fg.tanh(t @ t.T).sum()).backward()
    assert gpu.host_syncs() == 0
    assert device_of(g["w"]) == "cuda:0" and device_of(t.grad._v) == "cuda:0"


def test_cuda_namespace(gpu):
    assert fg.cuda.is_available()
    assert fg.cuda.device_count() >= 1
    assert fg.cuda.current_device() == 0
    fg.cuda.synchronize()
    if fg.cuda.device_count() > 1:
        with fg.cuda.device(1):
            assert device_of(fnp.zeros(1, device="cuda")) == "cuda:1"
        assert fg.cuda.current_device() == 0
        a, b = fnp.ones(2, device="cuda:0"), fnp.ones(2, device="cuda:1")
        with pytest.raises(DeviceMismatchError, match="cuda:0.*cuda:1|cuda:1.*cuda:0"):
            fnp.add(a, b)


@pytest.mark.skipif(B.ON_DEVICE, reason="about a machine without a GPU")
def test_without_a_gpu_asking_for_cuda_says_what_is_missing():
    assert not fg.cuda.is_available()
    assert fg.cuda.device_count() == 0
    with pytest.raises(DeviceUnavailableError, match="CuPy|CUDA device"):
        fnp.zeros(2, device="cuda")
    with pytest.raises(DeviceUnavailableError, match="funcgrad\\[gpu\\]|CUDA device"):
        fg.tensor([1.0]).cuda()
    with pytest.raises(ValueError, match="unknown device"):
        fg.tensor([1.0]).to("tpu")
