"""In-place tensor methods: functional underneath, PyTorch's rules on leaves, grad modes, shapes and dtypes."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

import _backend as B

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)


def test_values_of_inplace_methods():
    def t(*v):
        return fg.tensor(list(v))

    assert t(1.0, 2.0).add_(t(1.0, 1.0)).tolist() == [2.0, 3.0]
    assert t(1.0, 2.0).add_(1.0, alpha=3).tolist() == [4.0, 5.0]
    assert t(1.0, 2.0).sub_(t(0.5, 0.5), alpha=2).tolist() == [0.0, 1.0]
    assert t(1.0, 2.0).mul_(t(3.0, 4.0)).tolist() == [3.0, 8.0]
    assert t(1.0, 3.0).div_(2.0).tolist() == [0.5, 1.5]
    assert t(-7.0, 7.0).div_(2.0, rounding_mode="floor").tolist() == [-4.0, 3.0]
    assert t(-7.0, 7.0).div_(2.0, rounding_mode="trunc").tolist() == [-3.0, 3.0]
    assert t(-7, 7).div_(2, rounding_mode="trunc").tolist() == [-3, 3]
    assert t(2.0, 3.0).pow_(2).tolist() == [4.0, 9.0]
    assert t(1.0, 2.0).zero_().tolist() == [0.0, 0.0]
    assert t(1.0, 2.0).fill_(7).tolist() == [7.0, 7.0]
    assert t(1, 2).fill_(fg.tensor(5)).tolist() == [5, 5]
    assert t(-2.0, 0.5, 3.0).clamp_(-1.0, 1.0).tolist() == [-1.0, 0.5, 1.0]
    assert t(-2.0, 0.5, 3.0).clamp_(min=0.0).tolist() == [0.0, 0.5, 3.0]
    assert t(-2.0, 0.5, 3.0).clamp_(max=0.0).tolist() == [-2.0, 0.0, 0.0]
    assert t(-2.0, 3.0).clamp_min_(0.0).tolist() == [0.0, 3.0] and t(-2.0, 3.0).clamp_max_(0.0).tolist() == [-2.0, 0.0]
    np.testing.assert_allclose(B.to_numpy(t(0.0, 1.0).exp_()), [1.0, np.e], rtol=1e-6)
    assert t(1.0, -2.0).neg_().tolist() == [-1.0, 2.0] and t(1.0, -2.0).abs_().tolist() == [1.0, 2.0]
    assert t(4.0, 9.0).sqrt_().tolist() == [2.0, 3.0] and t(-1.0, 2.0).relu_().tolist() == [0.0, 2.0]
    np.testing.assert_allclose(B.to_numpy(t(0.0).sigmoid_()), [0.5])
    m = fg.tensor([[1, 2, 3], [4, 5, 6]])
    assert m.t_().tolist() == [[1, 4], [2, 5], [3, 6]] and m.shape == (3, 2)
    assert fg.tensor([1.0]).t_().shape == (1,)
    c = fg.zeros(2, 3)
    assert c.copy_(fg.tensor([1, 2, 3])).tolist() == [[1.0, 2.0, 3.0]] * 2 and c.dtype == np.float32
    assert fg.zeros(2).copy_(B.asarray([1.5, 2.5])).tolist() == [1.5, 2.5]


def test_inplace_returns_self_and_operators_rebind_the_same_object():
    a = fg.tensor([1.0, 2.0])
    alias = a
    assert a.add_(1.0) is a
    a += 1.0
    a -= fg.tensor([1.0, 1.0])
    a *= 2.0
    a /= 4.0
    assert a is alias and a.tolist() == [1.0, 1.5]
    a **= 2
    assert a.tolist() == [1.0, 2.25]
    i = fg.tensor([7, -7])
    i //= 2
    assert i.tolist() == [3, -4] and i.dtype == np.int64


def test_inplace_keeps_shape_and_dtype_like_pytorch():
    x = fg.tensor([1.0, 2.0])
    x.add_(np.float64(1.0))
    assert x.dtype == np.float32
    x.add_(fg.tensor([1.0, 1.0], dtype=np.float64))  # float64 result cast back into float32, as PyTorch
    assert x.dtype == np.float32 and x.tolist() == [3.0, 4.0]
    i = fg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.add_(0.5)
    with pytest.raises(RuntimeError, match="can't be cast"):
        i /= 2
    with pytest.raises(RuntimeError, match="shape"):
        fg.zeros(2).add_(fg.zeros(3, 2))
    with pytest.raises(RuntimeError, match="does not broadcast"):
        fg.zeros(2).copy_(fg.zeros(3))
    with pytest.raises(RuntimeError, match="<= 2 dimensions"):
        fg.zeros(1, 1, 1).t_()
    with pytest.raises(RuntimeError, match="min"):
        fg.zeros(2).clamp_()
    with pytest.raises(RuntimeError, match="0-dimension"):
        fg.zeros(2).fill_(fg.zeros(2))
    with pytest.raises(ValueError, match="rounding_mode"):
        fg.zeros(2).div_(1.0, rounding_mode="round")


def test_inplace_on_a_leaf_that_requires_grad_raises():
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1.0), lambda: w.mul_(2.0), lambda: w.zero_(), lambda: w.fill_(1.0),
               lambda: w.copy_(fg.zeros(2)), lambda: w.clamp_(0.0), lambda: w.uniform_(), lambda: w.normal_(),
               lambda: w.exp_(), lambda: w.t_()):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            op()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w += 1.0
    assert w.tolist() == [1.0, 2.0] and w.is_leaf


def test_no_grad_parameter_update_keeps_a_requires_grad_leaf():
    w = fg.tensor([1.0, -2.0], requires_grad=True)
    loss = fnp.sum(w * w)
    loss.backward()
    g = w.grad
    with fg.no_grad():
        w -= 0.25 * w.grad
    assert w.is_leaf and w.requires_grad and w.grad is g
    np.testing.assert_allclose(w.numpy(force=True), [0.5, -1.0])
    # the updated leaf takes part in new graphs and collects their gradients
    w.grad = None
    fnp.sum(w * w * w).backward()
    np.testing.assert_allclose(B.to_numpy(w.grad), 3 * np.array([0.5, -1.0]) ** 2)
    with fg.no_grad():
        w.zero_()
        w.grad.zero_()
        w.add_(fg.tensor([1.0, 1.0]), alpha=0.5)
    assert w.is_leaf and w.requires_grad and w.tolist() == [0.5, 0.5] and w.grad.tolist() == [0.0, 0.0]


def test_sgd_loop_written_with_inplace_updates_converges():
    fg.manual_seed(0)
    X = fg.randn(64, 3)
    true_w = fg.tensor([[1.0], [-2.0], [0.5]])
    y = X @ true_w
    w = fg.zeros(3, 1, requires_grad=True)
    for _ in range(200):
        loss = fnp.mean((X @ w - y) ** 2)
        loss.backward()
        with fg.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(B.to_numpy(w), B.to_numpy(true_w), atol=1e-3)


def test_update_of_a_value_saved_for_backward_gives_the_right_gradient():
    # In PyTorch this raises at backward: "one of the variables needed for gradient computation has been modified
    # by an inplace operation" (exp saves its output y, then y is multiplied in place).
    x = fg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = fnp.exp(x)
    z = y * 1.0
    y.mul_(x)  # y is now exp(x) * x; exp's saved output stays exp(x)
    y += z  # and now exp(x) * x + exp(x)
    loss = fnp.sum(y * y)
    loss.backward()
    xv = np.array([0.5, -1.0, 2.0])
    yv = np.exp(xv) * (xv + 1)  # by hand: d/dx (e^x (x+1))^2 = 2 e^x (x+1) * e^x (x+2)
    np.testing.assert_allclose(B.to_numpy(x.grad), 2 * yv * np.exp(xv) * (xv + 2), rtol=1e-5)
    np.testing.assert_allclose(B.to_numpy(y), yv, rtol=1e-6)


def test_pytorch_raises_where_funcgrad_is_right():
    torch = pytest.importorskip("torch")
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = torch.exp(x)
    y.mul_(x)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (y * y).sum().backward()


def test_inplace_on_a_non_leaf_records_the_update():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h.add_(x, alpha=3.0)  # h = 5x
    assert not h.is_leaf and h.requires_grad
    h.clamp_(max=6.0)  # (5, 6): the second element is clamped, no gradient there
    fnp.sum(h).backward()
    np.testing.assert_allclose(B.to_numpy(x.grad), [5.0, 0.0])


def test_copy_fill_and_random_fills_on_a_graph():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    buf = fg.zeros(2, 2)
    buf.copy_(x * 3.0)  # a plain tensor becomes part of the graph, gradients flow to the source
    assert buf.requires_grad and not buf.is_leaf
    fnp.sum(buf).backward()
    np.testing.assert_allclose(B.to_numpy(x.grad), [6.0, 6.0])
    x.grad = None
    h = x * 1.0
    h.fill_(3.0)  # the old values no longer matter: zero gradient, still part of the graph
    assert h.requires_grad and h.tolist() == [3.0, 3.0]
    fnp.sum(h * x).backward()
    np.testing.assert_allclose(B.to_numpy(x.grad), [3.0, 3.0])
    x.grad = None
    s = fg.tensor(2.0, requires_grad=True)
    k = fg.zeros(3)
    k.fill_(s)  # fill with a traced one-element tensor: gradient flows to it
    fnp.sum(k * k).backward()
    assert s.grad.item() == pytest.approx(12.0)


def test_uniform_and_normal_are_seedable():
    g = fg.Generator(B.DEVICE).manual_seed(3)  # a generator draws on its own device, as torch.Generator(device)
    a = fg.zeros(1000).uniform_(-2.0, 5.0, generator=g)
    assert a.dtype == np.float32 and B.to_numpy(a).min() >= -2.0 and B.to_numpy(a).max() < 5.0
    b = fg.zeros(1000).uniform_(generator=fg.Generator(B.DEVICE).manual_seed(3), **{"from": -2.0, "to": 5.0})
    np.testing.assert_array_equal(B.to_numpy(a), B.to_numpy(b))
    fg.manual_seed(11)
    n1 = fg.empty(20000, dtype=np.float64).normal_(3.0, 2.0)
    fg.manual_seed(11)
    n2 = fg.empty(20000, dtype=np.float64).normal_(3.0, 2.0)
    np.testing.assert_array_equal(B.to_numpy(n1), B.to_numpy(n2))
    assert abs(B.to_numpy(n1).mean() - 3.0) < 0.05 and abs(B.to_numpy(n1).std() - 2.0) < 0.05
    with pytest.raises(RuntimeError, match="floating point"):
        fg.zeros(2, dtype=np.int64).uniform_()
    with pytest.raises(RuntimeError, match="std"):
        fg.zeros(2).normal_(0.0, -1.0)
    w = fg.empty(3, requires_grad=True)
    with fg.no_grad():  # parameter initialization, as nn.init does
        w.uniform_(-0.1, 0.1)
    assert w.is_leaf and w.requires_grad and np.all(np.abs(B.to_numpy(w)) <= 0.1)


def test_no_grad_update_of_a_non_leaf_is_invisible_to_backward():
    # PyTorch: an update made under no_grad is not recorded; backward flows through the tensor's own graph
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with fg.no_grad():
        y.mul_(10.0)
    assert y.requires_grad and y.tolist() == [20.0, 40.0]
    fnp.sum(y).backward()
    np.testing.assert_allclose(B.to_numpy(x.grad), [2.0, 2.0])


def test_no_grad_update_of_a_non_leaf_matches_torch():
    torch = pytest.importorskip("torch")
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = tx * 2.0
    with torch.no_grad():
        ty.add_(5.0)  # add saves nothing, so torch accepts this
    (ty * 3.0).sum().backward()
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with fg.no_grad():
        y.add_(5.0)
    fnp.sum(y * 3.0).backward()
    np.testing.assert_allclose(B.to_numpy(x.grad), tx.grad.numpy())
    np.testing.assert_allclose(B.to_numpy(y), ty.detach().numpy())


def test_inplace_values_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    xv = np.array([0.3, -1.2, 2.0], dtype=np.float32)

    def ours():
        x = fg.tensor(xv, requires_grad=True)
        h = x * 1.5
        h.add_(x * x, alpha=0.5).mul_(x).sub_(1.0).div_(fg.tensor([2.0, 3.0, 4.0])).clamp_(-1.0, 1.5)
        h.tanh_()
        fnp.sum(h).backward()
        return B.to_numpy(h), B.to_numpy(x.grad)

    def theirs():
        x = torch.tensor(xv, requires_grad=True)
        h = x * 1.5
        h.add_(x * x, alpha=0.5).mul_(x).sub_(1.0).div_(torch.tensor([2.0, 3.0, 4.0])).clamp_(-1.0, 1.5)
        h.tanh_()
        h.sum().backward()
        return h.detach().numpy(), x.grad.numpy()

    for a, b in zip(ours(), theirs()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for name, args, kw in [("add_", (2.0,), {"alpha": 3}), ("sub_", (1.0,), {}), ("mul_", (2.0,), {}),
                           ("div_", (2.0,), {"rounding_mode": "floor"}), ("div_", (-2.0,), {"rounding_mode": "trunc"}),
                           ("fill_", (4.0,), {}), ("zero_", (), {}), ("clamp_", (0.0,), {}), ("abs_", (), {}),
                           ("neg_", (), {}), ("sigmoid_", (), {}), ("relu_", (), {}), ("square_", (), {})]:
        a = getattr(fg.tensor(xv), name)(*args, **kw)
        b = getattr(torch.tensor(xv), name)(*args, **kw)
        np.testing.assert_allclose(B.to_numpy(a), b.numpy(), rtol=1e-6, err_msg=name)
        assert a.dtype == np.float32


def test_inplace_under_a_transform():
    def f(v):
        t = fg.Tensor._from_value(v).clone()
        t.mul_(t)
        t += 1.0
        return fnp.sum(t)._v

    np.testing.assert_allclose(B.to_numpy(fg.grad(f)(B.asarray([1.0, -3.0]))), [2.0, -6.0])
