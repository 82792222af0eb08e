"""The Tensor façade's core: one engine (the same primitives and backward), graphs that outlive calls."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

import _backend as B

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)


def test_backward_accumulates_into_leaves_and_frees_the_graph():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = fnp.sum(x * x)
    y.backward()
    np.testing.assert_allclose(B.to_numpy(x.grad), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    fnp.sum(fnp.sin(x)).backward()  # accumulates
    np.testing.assert_allclose(B.to_numpy(x.grad), [2.0, 4.0] + np.cos([1.0, 2.0]), rtol=1e-6)


def test_funcgrad_numpy_functions_take_and_return_tensors():
    x = fg.tensor([0.5], requires_grad=True)
    y = fnp.exp(x)
    assert isinstance(y, fg.Tensor) and y.requires_grad and not y.is_leaf
    assert y.grad_fn.name() == "ExpBackward"


def test_create_graph_gives_differentiable_gradients():
    from funcgrad.tensors.backward import _run_backward

    x = fg.tensor(3.0, requires_grad=True)
    y = x ** 3
    (g,) = _run_backward([y], [None], True, True, [x])
    assert g.requires_grad and np.isclose(g.item(), 27.0)
    g.backward()
    assert np.isclose(x.grad.item(), 18.0)  # d/dx 3x^2


def test_no_grad_and_grad_modes():
    x = fg.tensor([1.0], requires_grad=True)
    with fg.no_grad():
        assert not (x * 2).requires_grad
        with fg.enable_grad():
            assert (x * 2).requires_grad

    @fg.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and fg.is_grad_enabled()


def test_retain_grad_and_hooks_run_before_the_retained_grad_is_stored():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: (seen.append(B.to_numpy(g).copy()), g * 2)[1])
    fnp.sum(h * h).backward()
    np.testing.assert_allclose(seen[0], 2 * 3.0 * np.array([1.0, 2.0]))
    np.testing.assert_allclose(B.to_numpy(h.grad), 2 * seen[0])  # stored after the hook changed it
    np.testing.assert_allclose(B.to_numpy(x.grad), 3 * 2 * seen[0])


def test_setitem_is_functional_and_gradients_stay_correct():
    x = fg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.0
    z = y * y  # saves y
    y[0] = 10.0  # PyTorch would complain at backward: here y is rebound, z's saved y is intact
    fnp.sum(z + y).backward()
    # d/dx [sum(x^2) + (10, x1, x2)] = 2x + (0, 1, 1)
    np.testing.assert_allclose(B.to_numpy(x.grad), [2.0, 5.0, 7.0])
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[0] = 1.0


def test_default_dtype_and_numpy_dtypes():
    assert fg.tensor([1.0]).dtype == np.float32
    assert fg.tensor(np.array([1.0])).dtype == np.float64
    assert fg.tensor([1, 2]).dtype == np.int64
    with pytest.raises(RuntimeError, match="floating point"):
        fg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        fg.tensor([1.0], requires_grad=True).numpy()


@pytest.mark.skipif(B.ON_DEVICE, reason="the suite runs on a GPU backend: 'cuda' is available")
def test_cuda_without_a_gpu_is_a_clear_error():
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed")
    except ImportError:
        pass
    with pytest.raises(RuntimeError, match="CuPy"):
        fg.tensor([1.0], device="cuda")


def test_printing_follows_pytorch():
    # PyTorch names a GPU tensor's device between the values and the grad_fn / requires_grad note
    dev = ", device='cuda:0'" if B.ON_DEVICE else ""
    assert repr(fg.tensor([1.0, 2.0])) == f"tensor([1., 2.]{dev})"
    assert repr(fg.tensor([0.5, 1.0])) == f"tensor([0.5000, 1.0000]{dev})"
    assert repr(fg.tensor(5.0)) == f"tensor(5.{dev})"
    assert repr(fg.tensor([1, 2])) == f"tensor([1, 2]{dev})"
    assert repr(fg.tensor([1e-5, 1e5])) == f"tensor([1.0000e-05, 1.0000e+05]{dev})"
    assert repr(fg.tensor([[1.5, -2.25], [3.0, 4.0]])) == ("tensor([[ 1.5000, -2.2500],\n        [ 3.0000,  4.0000]]"
                                                           f"{dev})")
    assert repr(fg.tensor([1.0], requires_grad=True)) == f"tensor([1.]{dev}, requires_grad=True)"
    assert repr(fnp.sum(fg.tensor([1.0], requires_grad=True) * 2)) == f"tensor(2.{dev}, grad_fn=<SumBackward>)"


def test_retained_and_hooked_tensors_are_freed_with_their_graph():
    import gc
    import weakref

    x = fg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h.retain_grad()
    h.register_hook(lambda g: None)
    probe = weakref.ref(h)
    fnp.sum(h).backward()
    del h
    gc.collect()
    assert probe() is None
