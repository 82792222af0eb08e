"""The same code path on CuPy arrays (skipped without CuPy and a GPU): values and gradients of a table of
functions computed on the device must match the NumPy results, and stay on the device."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.scipy.special import log_softmax, logsumexp

cp = pytest.importorskip("cupy")
try:
    cp.cuda.runtime.getDeviceCount()
except Exception:  # CuPy installed without a usable GPU
    pytest.skip("no CUDA device", allow_module_level=True)


def mlp(p, x):
    h = fnp.tanh(x @ p["w1"] + p["b1"])
    logits = h @ p["w2"] + p["b2"]
    return -fnp.mean(log_softmax(logits, axis=1)[:, 0])


def _spd(a):
    return a @ a.T + 3.0 * fnp.diag(fnp.ones_like(a[0]))


CASES = {
    "elementwise": (lambda x: fnp.sum(fnp.sin(x) * fnp.exp(-x * x) + fnp.maximum(x, 0.1) ** 2), [(5, 4)]),
    "reductions": (lambda x: fnp.sum(fnp.max(x, axis=0)) + fnp.var(x) + logsumexp(x), [(6, 3)]),
    "shapes": (lambda x: fnp.sum(fnp.concatenate([x, fnp.flip(x, 0)], axis=1).T.reshape(-1)[::3] ** 2), [(4, 3)]),
    "indexing": (lambda x: fnp.sum(x[[0, 2, 2], 1:] * 3.0) + fnp.sum(fnp.at(x)[1].set(0.0) ** 2), [(4, 3)]),
    # the identity is built from the argument (ones_like keeps its device), as device-portable code does
    "linalg": (lambda a: fnp.linalg.slogdet(_spd(a))[1] + fnp.sum(fnp.linalg.inv(_spd(a))), [(3, 3)]),
    "einsum": (lambda a, b: fnp.sum(fnp.einsum("ij,jk->ik", a, b) ** 2), [(3, 4), (4, 2)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_numpy(name):
    f, shapes = CASES[name]
    rng = np.random.default_rng(0)
    host = [rng.standard_normal(s) for s in shapes]
    dev = [cp.asarray(h) for h in host]
    argnums = tuple(range(len(host)))
    v_h, g_h = fg.value_and_grad(f, argnums=argnums)(*host)
    v_d, g_d = fg.value_and_grad(f, argnums=argnums)(*dev)
    assert all(isinstance(g, cp.ndarray) for g in g_d), [type(g) for g in g_d]
    np.testing.assert_allclose(cp.asnumpy(v_d), v_h, rtol=1e-6)
    for gh, gd in zip(g_h, g_d):
        np.testing.assert_allclose(cp.asnumpy(gd), gh, rtol=1e-6, atol=1e-9)


def test_mlp_gradient_on_the_device_in_float32():
    rng = np.random.default_rng(1)
    p = {"w1": rng.standard_normal((8, 16)), "b1": np.zeros(16), "w2": rng.standard_normal((16, 3)),
         "b2": np.zeros(3)}
    x = rng.standard_normal((5, 8))
    p32 = {k: cp.asarray(v, dtype=cp.float32) for k, v in p.items()}
    g_h = fg.grad(mlp)(p, x)
    g_d = fg.grad(mlp)(p32, cp.asarray(x, dtype=cp.float32))
    for k in p:
        assert g_d[k].dtype == cp.float32 and isinstance(g_d[k], cp.ndarray)
        np.testing.assert_allclose(cp.asnumpy(g_d[k]), g_h[k], rtol=1e-3, atol=1e-4)


def test_second_order_on_the_device():
    x = cp.asarray(0.7)
    d2 = fg.grad(fg.grad(lambda t: fnp.sin(t) * t))(x)
    assert isinstance(d2, cp.ndarray)
    assert abs(float(d2) - (2 * np.cos(0.7) - 0.7 * np.sin(0.7))) < 1e-12


def test_tensor_facade_on_device_arrays():
    x = fg.tensor(cp.asarray([1.0, 2.0, 3.0]), requires_grad=True)
    assert x.device.type == "cuda"
    y = (fg.tanh(x) * x).sum()
    y.backward()
    xs = np.array([1.0, 2.0, 3.0])
    assert isinstance(x.grad._v, cp.ndarray)
    np.testing.assert_allclose(cp.asnumpy(x.grad._v), np.tanh(xs) + xs * (1 - np.tanh(xs) ** 2), rtol=1e-6)


def test_vmap_and_jacobians_on_device():
    z = cp.asarray(np.linspace(-1.0, 1.0, 6).reshape(2, 3))
    per_example = fg.vmap(fg.grad(lambda r: fnp.sum(fnp.sin(r) * r)))(z)
    assert isinstance(per_example, cp.ndarray)
    zh = cp.asnumpy(z)
    np.testing.assert_allclose(cp.asnumpy(per_example), np.cos(zh) * zh + np.sin(zh), rtol=1e-6)
    jac = fg.jacrev(fnp.tanh)(z[0])
    np.testing.assert_allclose(cp.asnumpy(jac), np.diag(1 - np.tanh(zh[0]) ** 2), rtol=1e-6)


def _pointer(t) -> int:
    """The device address of a CuPy array, a funcgrad Tensor on the GPU, a torch CUDA tensor or a JAX array."""
    if isinstance(t, fg.Tensor):
        return t.detach()._v.data.ptr
    if isinstance(t, cp.ndarray):
        return t.data.ptr
    if hasattr(t, "data_ptr"):
        return t.data_ptr()
    return t.unsafe_buffer_pointer()  # JAX


def test_dlpack_with_torch_cuda_shares_memory_both_ways():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch without CUDA")
    tt = torch.arange(6.0, device="cuda")
    ft = fg.from_dlpack(tt)
    assert ft.device.type == "cuda" and _pointer(ft) == _pointer(tt)
    back = torch.from_dlpack(fg.ones(4, device="cuda"))
    assert back.is_cuda and back.sum().item() == 4.0
    src = fg.arange(5.0, device="cuda")
    assert torch.from_dlpack(src).data_ptr() == _pointer(src)


def test_dlpack_with_jax_gpu_shares_memory_both_ways():
    jax = pytest.importorskip("jax")
    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        pytest.skip("JAX without a GPU")
    ja = jax.device_put(jax.numpy.arange(4.0), gpus[0])
    ft = fg.from_dlpack(ja)
    assert ft.device.type == "cuda" and _pointer(ft) == _pointer(ja)
    src = fg.arange(3.0, device="cuda")
    jb = jax.numpy.from_dlpack(src)
    assert _pointer(jb) == _pointer(src)
