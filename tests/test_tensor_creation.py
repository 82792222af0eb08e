"""Tensor creation (PyTorch's functions and dtype rules), conversion methods, devices and DLPack interop."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

import _backend as B

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)


# --- independent checks (no torch needed) ---------------------------------------------------------------------
def test_constant_creation_sizes_and_default_dtypes():
    assert fg.zeros(2, 3).shape == (2, 3) and fg.zeros((2, 3)).shape == (2, 3) and fg.zeros([2, 3]).shape == (2, 3)
    assert fg.zeros(()).shape == () and fg.ones(0).shape == (0,)
    assert fg.zeros(2).dtype == np.float32 and fg.ones(2, dtype=np.int64).dtype == np.int64
    np.testing.assert_array_equal(B.to_numpy(fg.ones(2, 2)), np.ones((2, 2)))
    assert fg.empty(3, 1).shape == (3, 1) and fg.empty(3).dtype == np.float32
    np.testing.assert_array_equal(B.to_numpy(fg.eye(2, 3)), [[1, 0, 0], [0, 1, 0]])
    assert fg.eye(3).dtype == np.float32
    fg.set_default_dtype(np.float64)
    try:
        assert fg.zeros(1).dtype == np.float64 and fg.arange(1.0).dtype == np.float64
        assert fg.full((1,), 1.5).dtype == np.float64 and fg.rand(1).dtype == np.float64
    finally:
        fg.set_default_dtype(np.float32)


def test_full_infers_its_dtype_from_the_fill_value():
    assert fg.full((2,), 1).dtype == np.int64
    assert fg.full((2,), 1.0).dtype == np.float32
    assert fg.full((2,), True).dtype == np.bool_
    assert fg.full((2,), 1j).dtype == np.complex64
    assert fg.full(3, 2.0, dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(B.to_numpy(fg.full((2, 2), 7)), np.full((2, 2), 7))


def test_size_errors():
    with pytest.raises(RuntimeError, match="negative dimension"):
        fg.zeros(-1)
    with pytest.raises(TypeError, match="size must be integers"):
        fg.ones(2.5)
    with pytest.raises(TypeError, match="immutable"):
        fg.zeros(2, out=fg.zeros(2))


def test_arange_and_linspace_follow_pytorch_dtype_rules():
    a = fg.arange(5)
    assert a.dtype == np.int64 and a.tolist() == [0, 1, 2, 3, 4]
    assert fg.arange(2, 8, 3).tolist() == [2, 5]
    assert fg.arange(5.0).dtype == np.float32
    b = fg.arange(0, 1, 0.25)
    assert b.dtype == np.float32 and b.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert fg.arange(3, 0, -1).tolist() == [3, 2, 1]
    assert fg.arange(0).shape == (0,)
    assert fg.arange(fg.tensor(3)).tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        fg.arange(0, 1, 0)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        fg.arange(0, 5, -1)
    lin = fg.linspace(0, 10, 5)
    assert lin.dtype == np.float32 and lin.tolist() == [0.0, 2.5, 5.0, 7.5, 10.0]
    assert fg.linspace(0, 10, 5, dtype=np.int64).tolist() == [0, 2, 5, 7, 10]
    assert fg.linspace(1, 2, 1).tolist() == [1.0] and fg.linspace(0, 1, 0).shape == (0,)


def test_random_draws_are_seedable_and_in_range():
    fg.manual_seed(123)
    a, b, c = fg.rand(3, 4), fg.randn(5), fg.randint(2, 5, (100,))
    fg.manual_seed(123)
    np.testing.assert_array_equal(B.to_numpy(a), B.to_numpy(fg.rand(3, 4)))
    np.testing.assert_array_equal(B.to_numpy(b), B.to_numpy(fg.randn(5)))
    np.testing.assert_array_equal(B.to_numpy(c), B.to_numpy(fg.randint(2, 5, (100,))))
    assert a.dtype == np.float32 and b.dtype == np.float32 and c.dtype == np.int64
    assert ((B.to_numpy(a) >= 0) & (B.to_numpy(a) < 1)).all()
    assert set(c.tolist()) == {2, 3, 4}
    assert B.to_numpy(fg.randint(3, size=(4,))).max() < 3 and fg.randint(3, (2, 2)).shape == (2, 2)
    # a generator draws on its own device, so these are made where the tensors go (as torch.Generator(device))
    g1, g2 = fg.Generator(B.DEVICE).manual_seed(7), fg.Generator(B.DEVICE).manual_seed(7)
    np.testing.assert_array_equal(B.to_numpy(fg.randn(4, generator=g1)), B.to_numpy(fg.randn(4, generator=g2)))
    # a generator's stream is its own: drawing from the default one does not move it
    g3 = fg.Generator(B.DEVICE).manual_seed(7)
    fg.randn(3)
    np.testing.assert_array_equal(B.to_numpy(fg.randn(4, generator=g3)),
                                  B.to_numpy(fg.randn(4, generator=g1.manual_seed(7))))
    assert g1.initial_seed() == 7 and fg.manual_seed(5).initial_seed() == 5 == fg.initial_seed()
    gs = fg.Generator().manual_seed(7)  # saving and restoring a state is for CPU generators (GPU ones reseed)
    state = gs.get_state()
    x = fg.rand(2, generator=gs, device="cpu")
    gs.set_state(state)
    np.testing.assert_array_equal(x.numpy(), fg.rand(2, generator=gs, device="cpu").numpy())
    assert fg.rand(2, dtype=np.float64).dtype == np.float64 and fg.randn(2, dtype=np.float16).dtype == np.float16
    z = B.to_numpy(fg.randn(20000, dtype=np.complex128, generator=fg.Generator(B.DEVICE).manual_seed(0)))
    assert abs(np.mean(np.abs(z) ** 2) - 1.0) < 0.05  # unit variance, split between the parts
    with pytest.raises(RuntimeError, match="floating point"):
        fg.rand(2, dtype=np.int64)
    with pytest.raises(RuntimeError, match="from"):
        fg.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="randint"):
        fg.randint(5)


def test_random_statistics():
    g = fg.Generator(B.DEVICE).manual_seed(0)
    x = B.to_numpy(fg.randn(100000, generator=g)).astype(np.float64)
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02
    u = B.to_numpy(fg.rand(100000, generator=g)).astype(np.float64)
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.005


def test_like_family_and_new_methods_keep_dtype_and_shape():
    x = fg.ones(2, 3, dtype=np.float64)
    for f in (fg.zeros_like, fg.ones_like, fg.empty_like, fg.rand_like, fg.randn_like):
        y = f(x)
        assert y.shape == (2, 3) and y.dtype == np.float64 and not y.requires_grad
    np.testing.assert_array_equal(B.to_numpy(fg.zeros_like(x)), np.zeros((2, 3)))
    np.testing.assert_array_equal(B.to_numpy(fg.full_like(x, 4)), np.full((2, 3), 4.0))
    assert fg.zeros_like(x, dtype=np.int64).dtype == np.int64
    assert fg.ones_like(x, requires_grad=True).is_leaf and fg.ones_like(x, requires_grad=True).requires_grad
    r = B.to_numpy(fg.randint_like(x, 3, 6))
    assert r.dtype == np.float64 and ((r >= 3) & (r < 6)).all() and (r == np.round(r)).all()
    i = fg.tensor([1, 2])
    assert i.new_tensor([1.5, 2.5]).dtype == np.int64  # new_tensor takes self's dtype, as PyTorch
    assert i.new_tensor([1.5], dtype=np.float32).tolist() == [1.5]
    assert i.new_zeros(2, 3).shape == (2, 3) and i.new_zeros((2, 3)).dtype == np.int64
    assert i.new_ones(2).tolist() == [1, 1] and i.new_empty((1, 2)).shape == (1, 2)
    assert i.new_full((2,), 3).tolist() == [3, 3] and x.new_full((1,), 3).dtype == np.float64
    assert x.new_zeros(2, requires_grad=True).requires_grad
    w = fg.tensor([1.0], requires_grad=True)
    nt = w.new_tensor(w)  # a detached copy
    assert not nt.requires_grad and nt.is_leaf
    with pytest.raises(RuntimeError, match="floating point"):
        fg.rand_like(i)


def test_requires_grad_on_creation():
    w = fg.zeros(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    fnp.sum((w + 1.0) ** 2).backward()
    np.testing.assert_allclose(B.to_numpy(w.grad), [2.0, 2.0, 2.0])
    with pytest.raises(RuntimeError, match="floating point"):
        fg.zeros(2, dtype=np.int64, requires_grad=True)


def test_from_numpy_shares_memory_and_keeps_dtype():
    a = np.arange(4, dtype=np.int32)
    t = fg.from_numpy(a)
    assert t.dtype == np.int32 and np.shares_memory(t.numpy(), a)
    a[0] = 9
    assert t.tolist()[0] == 9
    with pytest.raises(TypeError, match="expected np.ndarray"):
        fg.from_numpy([1, 2])


def test_as_tensor_shares_when_it_can():
    # sharing with a NumPy array needs a CPU tensor: on a GPU default device as_tensor copies, as PyTorch's does
    a = np.ones(3)
    t = fg.as_tensor(a, device="cpu")
    assert t.dtype == np.float64 and np.shares_memory(t.numpy(), a)
    c = fg.as_tensor(a, dtype=np.float32, device="cpu")
    assert c.dtype == np.float32 and not np.shares_memory(c.numpy(), a)
    assert fg.as_tensor([1.0, 2.0]).dtype == np.float32 and fg.as_tensor([1, 2]).dtype == np.int64
    w = fg.tensor([1.0], requires_grad=True)
    assert fg.as_tensor(w) is w
    d = fg.as_tensor(w, dtype=np.float64)
    assert d.dtype == np.float64 and d.requires_grad and not d.is_leaf


def test_clone_is_a_differentiable_copy():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    fnp.sum(y * 3.0).backward()
    np.testing.assert_allclose(B.to_numpy(x.grad), [3.0, 3.0])
    for data in ([1, 2], [True, False], [1.0 + 2j]):
        p = fg.tensor(data)
        c = p.clone()
        assert c.dtype == p.dtype and c.tolist() == p.tolist() and c is not p
        if not B.ON_DEVICE:  # NumPy can only compare host buffers
            assert not np.shares_memory(c.numpy(), p.numpy())
    with fg.no_grad():
        assert not x.clone().requires_grad
    # a clone is not a leaf, so it can be updated in place where the leaf cannot
    z = x.clone()
    z.add_(1.0)
    assert z.tolist() == [2.0, 3.0] and x.tolist() == [1.0, 2.0]


def test_clone_under_a_transform():
    def f(v):
        return fnp.sum(fg.Tensor._from_value(v).clone() ** 2)._v

    np.testing.assert_allclose(B.to_numpy(fg.grad(f)(B.asarray([1.0, 2.0]))), [2.0, 4.0])


def test_contiguous_to_cpu_and_cuda():
    x = fg.tensor([1.0, 2.0], requires_grad=True, device="cpu")  # what is a no-op here is a CPU tensor's
    assert x.contiguous() is x and x.cpu() is x and x.to("cpu") is x
    assert x.to(np.float32) is x
    y = x.to(np.float64)
    assert y.dtype == np.float64 and not y.is_leaf
    fnp.sum(y * y).backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert x.to("cpu", np.float64).dtype == np.float64 and x.to(dtype=np.float64, device="cpu").dtype == np.float64
    assert x.to(fg.tensor([1], dtype=np.int64)).dtype == np.int64
    c = x.to(np.float32, copy=True)
    assert c is not x and c.tolist() == x.tolist()
    if not fg.backend.gpu_available():
        for call in (lambda: x.cuda(), lambda: x.to("cuda"), lambda: x.to("cuda:0"), lambda: fg.zeros(2, device="cuda"),
                     lambda: fg.rand_like(x, device="cuda")):
            with pytest.raises(RuntimeError, match="CuPy"):
                call()
    assert fg.zeros(2, device="cpu").device == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        fg.ones(1, device="tpu")


# --- interop --------------------------------------------------------------------------------------------------
def test_array_protocol_gives_values_only_of_tensors_without_grad():
    """``np.asarray(t)`` hands NumPy the values of a tensor that does not require grad; one that does refuses (it
    would drop the gradient), as in PyTorch. NumPy *functions* dispatch to funcgrad's (tests/test_numpy_dispatch.py)."""
    plain = fg.tensor([1.0, 4.0], device="cpu")  # NumPy reads host memory only, as with PyTorch
    a = np.asarray(plain)
    assert type(a) is np.ndarray and a.dtype == np.float32
    assert np.asarray(plain, dtype=np.float64).dtype == np.float64
    x = fg.tensor([1.0, 4.0], requires_grad=True, device="cpu")
    with pytest.raises(RuntimeError, match="requires grad.*detach"):
        np.asarray(x)


def test_dlpack_zero_copy_with_numpy():
    a = np.arange(6.0).reshape(2, 3)
    t = fg.from_dlpack(a)
    assert isinstance(t, fg.Tensor) and t.shape == (2, 3) and t.dtype == np.float64
    assert np.shares_memory(t.numpy(), a)
    t2 = fg.tensor([1.0, 2.0], device="cpu")  # NumPy imports host (kDLCPU) tensors only
    back = np.from_dlpack(t2)
    assert np.shares_memory(back, t2.numpy())
    assert t2.__dlpack_device__() == (1, 0)
    w = fg.tensor([1.0], requires_grad=True, device="cpu")
    with pytest.raises(RuntimeError, match="require gradient"):
        w.__dlpack__()
    assert np.shares_memory(np.from_dlpack(w.detach()), w.detach().numpy())
    assert fg.from_dlpack(w).requires_grad is False
    with pytest.raises(TypeError, match="DLPack"):
        fg.from_dlpack([1, 2])


# --- against PyTorch ------------------------------------------------------------------------------------------
def test_dlpack_zero_copy_with_torch():
    torch = pytest.importorskip("torch")
    tt = torch.arange(5, dtype=torch.float32)
    t = fg.from_dlpack(tt)
    assert t.dtype == np.float32 and t.tolist() == tt.tolist()
    tt[0] = 42.0  # same memory
    assert t.tolist()[0] == 42.0
    f = fg.tensor([1.0, 2.0, 3.0], device="cpu")  # the CPU build of torch shares host memory only
    back = torch.from_dlpack(f)
    assert back.data_ptr() == f.numpy().__array_interface__["data"][0]
    assert back.tolist() == [1.0, 2.0, 3.0]


def test_creation_matches_torch():
    torch = pytest.importorskip("torch")
    tdt = {torch.float32: np.float32, torch.float64: np.float64, torch.int64: np.int64, torch.bool: np.bool_,
           torch.complex64: np.complex64}

    def same(ours, theirs):
        assert ours.shape == tuple(theirs.shape)
        assert ours.dtype == tdt[theirs.dtype], (ours.dtype, theirs.dtype)
        np.testing.assert_allclose(B.to_numpy(ours), theirs.numpy(), rtol=1e-6, atol=1e-6)

    cases = [
        ("zeros", (2, 3), {}), ("zeros", ((2, 3),), {}), ("ones", (4,), {}), ("ones", ((),), {}),
        ("arange", (5,), {}), ("arange", (5.0,), {}), ("arange", (1, 7, 2), {}), ("arange", (0, 1, 0.1), {}),
        ("arange", (-1.5, 2.5, 0.5), {}), ("arange", (10, 0, -3), {}), ("arange", (0, 5), {"dtype": "float64"}),
        ("linspace", (0, 1, 7), {}), ("linspace", (-3, 10, 6), {}), ("linspace", (2, 2, 1), {}),
        ("linspace", (0, 10, 5), {"dtype": "int64"}), ("eye", (3,), {}), ("eye", (2, 4), {}),
        ("full", ((2,), 3), {}), ("full", ((2,), 3.5), {}), ("full", ((2,), True), {}),
        ("full", ((1,), 2j), {}),
    ]
    for name, args, kw in cases:
        tkw = {k: getattr(torch, v) for k, v in kw.items()}
        fkw = {k: np.dtype(v) for k, v in kw.items()}
        same(getattr(fg, name)(*args, **fkw), getattr(torch, name)(*args, **tkw))
    x, tx = fg.ones(2, 3, dtype=np.float64), torch.ones(2, 3, dtype=torch.float64)
    for name in ("zeros_like", "ones_like"):
        same(getattr(fg, name)(x), getattr(torch, name)(tx))
    same(fg.full_like(x, 2), torch.full_like(tx, 2))
    i, ti = fg.tensor([1, 2]), torch.tensor([1, 2])
    same(i.new_tensor([3.7, 4.2]), ti.new_tensor([3.7, 4.2]))
    same(i.new_zeros(2, 2), ti.new_zeros(2, 2))
    same(i.new_ones((3,)), ti.new_ones((3,)))
    same(i.new_full((2,), 5), ti.new_full((2,), 5))
    assert fg.randint(0, 3, (4,)).dtype == tdt[torch.randint(0, 3, (4,)).dtype]
    assert fg.rand(2).dtype == tdt[torch.rand(2).dtype]
    for p, q in ((fg.tensor([1.0]).clone(), torch.tensor([1.0]).clone()),):
        same(p, q)
