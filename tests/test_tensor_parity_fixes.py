"""Tensor-face behaviours checked against PyTorch (skipped where torch is missing) and, for gradients, against
finite differences: fmax/fmin and NaN, NaN order in sort/topk, promotion of max(a, b), integer fmod, small
dtypes, zero gradients of step functions and ``x ** 0``, 0-d nonzero/where, ``bool()``, ``.grad`` assignment
checks, and the legacy / in-place shape methods."""
import pickle

import numpy as np
import pytest

import funcgrad as fg

NAN = float("nan")


def _torch():
    return pytest.importorskip("torch")


def _same(ours, theirs):
    theirs = theirs.detach()
    if getattr(theirs, "_is_zerotensor", lambda: False)():  # torch's symbolic zero gradient (sgn's)
        theirs = theirs.new_zeros(theirs.shape)
    a, b = ours.detach().numpy(), theirs.numpy()
    assert a.shape == b.shape and str(ours.dtype) == str(theirs.dtype), (ours, theirs)
    np.testing.assert_allclose(a.astype(np.float64) if a.dtype != bool else a, b.astype(np.float64)
                               if b.dtype != bool else b, rtol=1e-6, equal_nan=True)


def _fd(f, x, eps=1e-6):
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d.flat[i] = eps
        g.flat[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_ignore_nan_with_torch_gradients(name):
    torch = _torch()
    a, b = [1.0, NAN, 2.0, 1.0, NAN], [NAN, 2.0, 1.0, 1.0, NAN]
    xa, xb = fg.tensor(a, requires_grad=True), fg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, ref = getattr(fg, name)(xa, xb), getattr(torch, name)(ta, tb)
    _same(out, ref)
    out.sum().backward()
    ref.sum().backward()
    _same(xa.grad, ta.grad)
    _same(xb.grad, tb.grad)
    # finite differences away from ties and NaN
    u, v = np.array([0.3, 2.0, -1.0]), np.array([1.0, 0.5, -2.0])
    x = fg.tensor(u, requires_grad=True)
    getattr(fg, name)(x, fg.tensor(v)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _fd(lambda w: getattr(np, name)(w, v).sum(), u), atol=1e-6)
    assert getattr(fg.tensor([1.0]), name)(fg.tensor([NAN])).item() == 1.0


def test_nan_is_largest_in_descending_orders_and_max_propagates():
    torch = _torch()
    vals = [1.0, NAN, 3.0, 3.0, NAN, -1.0]
    x, t = fg.tensor(vals), torch.tensor(vals)
    ours, ref = fg.sort(x, descending=True), torch.sort(t, descending=True, stable=True)
    _same(ours.values, ref.values)
    assert ours.indices.tolist() == ref.indices.tolist()
    assert fg.argsort(x, descending=True).tolist() == torch.argsort(t, descending=True, stable=True).tolist()
    v, i = fg.topk(fg.tensor([1.0, NAN, 3.0]), 1)
    assert np.isnan(v.item()) and i.tolist() == [1]
    _same(x.max(), t.max())
    assert x.argmax().item() == t.argmax().item() and x.argmin().item() == t.argmin().item()
    _same(x.max(0).values, t.max(0).values)
    assert x.max(0).indices.item() == t.max(0).indices.item()
    m = [[3, 1, 3, 2], [1, 1, 0, 5]]
    ours, ref = fg.sort(fg.tensor(m), dim=1, descending=True), torch.sort(torch.tensor(m), dim=1, descending=True,
                                                                           stable=True)
    assert ours.values.tolist() == ref.values.tolist() and ours.indices.tolist() == ref.indices.tolist()
    s = fg.sort(fg.tensor(2.0), descending=True)
    assert s.values.shape == () and s.indices.item() == 0


def test_sort_descending_gradient_follows_values():
    u = np.array([0.5, -1.0, 2.0])
    x = fg.tensor(u, requires_grad=True)
    w = np.array([1.0, 2.0, 3.0])
    (fg.sort(x, descending=True).values * fg.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _fd(lambda a: (np.sort(a)[::-1] * w).sum(), u), atol=1e-6)


def test_two_tensor_max_min_promote_as_maximum():
    torch = _torch()
    cases = [(lambda m: m.max(m.tensor([1, 5]), m.tensor([2.5, 1.0]))),
             (lambda m: m.min(m.ones(2), m.tensor(2.0, dtype=m.float64))),
             (lambda m: m.tensor([1, 2], dtype=m.int32).max(m.tensor(3))),
             (lambda m: m.tensor([1, 2], dtype=m.int32).min(m.tensor([3.5, 0.5], dtype=m.float64)))]
    for case in cases:
        _same(case(fg), case(torch))


def test_fmod_of_integers_stays_integer():
    torch = _torch()
    for other in (3, 2.5, -3):
        _same(fg.fmod(fg.tensor([7, -7]), other), torch.fmod(torch.tensor([7, -7]), other))
    _same(fg.tensor([7, -7]).fmod(fg.tensor([3, 2])), torch.tensor([7, -7]).fmod(torch.tensor([3, 2])))


def test_small_dtypes_and_zero_dim_promotion():
    torch = _torch()
    for m, r in ((fg, torch),):
        _same(m.tensor([True, False]).square(), r.tensor([True, False]).square())
        for dt in ("uint8", "int8", "int64", "float32"):
            a, b = m.ones(2, 2, dtype=getattr(m, dt)), r.ones(2, 2, dtype=getattr(r, dt))
            _same(a.trace(), b.trace())
            _same(a.any(), b.any())
            _same(a.all(1), b.all(1))
            _same(a.any(dim=0, keepdim=True), b.any(dim=0, keepdim=True))
    for name in ("copysign", "xlogy", "logaddexp", "ldexp", "logaddexp2"):
        ours = getattr(fg, name)(fg.ones(2), fg.tensor(2.0, dtype=fg.float64))
        ref = getattr(torch, name)(torch.ones(2), torch.tensor(2.0, dtype=torch.float64))
        _same(ours, ref)
        _same(getattr(fg, name)(fg.tensor([1.0, 2.0]), fg.tensor([1, 2])),
              getattr(torch, name)(torch.tensor([1.0, 2.0]), torch.tensor([1, 2])))
    vals = [NAN, 1.0, NAN]
    ours, ref = fg.unique(fg.tensor(vals), return_inverse=True, return_counts=True), torch.unique(
        torch.tensor(vals), return_inverse=True, return_counts=True)
    for o, r in zip(ours, ref):
        _same(o, r)


@pytest.mark.parametrize("name", ["round", "floor", "ceil", "trunc", "sign", "sgn", "fix"])
def test_step_functions_keep_the_graph_with_zero_gradient(name):
    torch = _torch()
    x, t = fg.tensor([1.5, -2.25, 0.0], requires_grad=True), torch.tensor([1.5, -2.25, 0.0], requires_grad=True)
    out, ref = getattr(x * 2, name)(), getattr(t * 2, name)()
    assert out.requires_grad and ref.requires_grad
    _same(out, ref)
    out.sum().backward()
    ref.sum().backward()
    _same(x.grad, t.grad)
    assert not getattr(fg, name)(fg.tensor([1.5])).requires_grad
    with fg.no_grad():
        assert not getattr(fg, name)(x).requires_grad
    assert fg.round(x, decimals=1).requires_grad
    inf = fg.tensor([float("inf"), 1.5], requires_grad=True)
    y = getattr(fg, name)(inf)  # the value is exact: no 0 * inf along the way
    assert np.isfinite(y.detach().numpy()[1:]).all() and not np.isnan(y.detach().numpy()).any()


@pytest.mark.parametrize("power", [lambda x: x ** 0, lambda x: x ** 0.0, lambda x: x.pow(0),
                                   lambda x: fg.pow(x, 0) if isinstance(x, fg.Tensor) else None])
def test_power_zero_has_zero_gradient(power):
    x = fg.tensor([1.5, 0.0, -2.0], requires_grad=True)
    y = power(x)
    assert y.requires_grad and y.tolist() == [1.0, 1.0, 1.0]
    y.sum().backward()
    assert x.grad is not None and x.grad.tolist() == [0.0, 0.0, 0.0]
    x.grad = None
    (x ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 0.0, -4.0])


def test_zero_dim_nonzero_where_and_bool_sign():
    torch = _torch()
    for v in (5, 0, True, 0.0):
        _same(fg.tensor(v).nonzero(), torch.tensor(v).nonzero())
        ours, ref = fg.where(fg.tensor(v)), torch.where(torch.tensor(v))
        assert len(ours) == len(ref)
        for o, r in zip(ours, ref):
            _same(o, r)
        for o, r in zip(fg.tensor(v).nonzero(as_tuple=True), torch.tensor(v).nonzero(as_tuple=True)):
            _same(o, r)
    _same(fg.sign(fg.tensor([True, False])), torch.sign(torch.tensor([True, False])))


def test_bool_of_many_or_no_values_raises_runtime_error():
    for v in ([1, 2], []):
        with pytest.raises(RuntimeError, match="Boolean value of Tensor with .* is ambiguous"):
            bool(fg.tensor(v))
    assert bool(fg.tensor([3])) and not bool(fg.tensor(0.0))


def test_grad_assignment_checks_shape_and_dtype():
    p = fg.nn.Parameter(fg.zeros(2))
    with pytest.raises(RuntimeError, match="assign a gradient of size"):
        p.grad = fg.ones(3)
    with pytest.raises(RuntimeError, match="assign a gradient of size"):
        p.grad = fg.ones(1, 2)
    with pytest.raises(RuntimeError, match="assign a gradient with dtype"):
        p.grad = fg.ones(2, dtype=fg.float64)
    with pytest.raises(TypeError, match="Tensor or None"):
        p.grad = 5
    p.grad = fg.ones(2)
    assert p.grad.tolist() == [1.0, 1.0]
    p.grad = None
    assert p.grad is None
    x = fg.ones(2, requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0] and (x * 2).grad is None


def test_legacy_methods_and_layout():
    torch = _torch()
    for m in (fg, torch):
        t = m.zeros(3, 4)
        assert t.nelement() == 12 and t.ndimension() == 2 and t.is_sparse is False
        assert t.layout == m.strided and repr(m.strided) == "torch.strided"
        assert tuple(t.new(2, 3).shape) == (2, 3) and tuple(t.new().shape) == (0,)
        assert tuple(t.new(m.Size([5])).shape) == (5,)
    assert pickle.loads(pickle.dumps(fg.strided)) is fg.strided
    _same(fg.zeros(2, dtype=fg.float64).new([1, 2]), torch.zeros(2, dtype=torch.float64).new([1, 2]))
    for size in [(1, 3), (3,), (2, 1), (2, 3), (1, 1)]:
        _same(fg.arange(6.0).reshape(2, 3).sum_to_size(*size), torch.arange(6.0).reshape(2, 3).sum_to_size(*size))
    _same(fg.ones(4, 2, 3).sum_to_size((2, 1)), torch.ones(4, 2, 3).sum_to_size((2, 1)))
    with pytest.raises(RuntimeError):
        fg.ones(2, 3).sum_to_size(4)
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    c = x.pin_memory()
    assert c.tolist() == [1.0, 2.0] and c.requires_grad
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    w = fg.ones(2, 3, requires_grad=True)
    w.sum_to_size(1, 3).sum().backward()
    assert w.grad.tolist() == [[1.0] * 3] * 2


def test_inplace_shape_methods():
    torch = _torch()
    for m in (fg, torch):
        a = m.zeros(2, 3)
        assert a.unsqueeze_(0) is a and tuple(a.shape) == (1, 2, 3)
        assert tuple(a.squeeze_().shape) == (2, 3) and tuple(a.transpose_(0, 1).shape) == (3, 2)
        assert tuple(a.t_().shape) == (2, 3) and tuple(a.squeeze_(0).shape) == (2, 3)
        assert tuple(a.unsqueeze_(-1).squeeze_(2).shape) == (2, 3)
        assert tuple(a.swapaxes_(0, 1).swapdims_(0, 1).shape) == (2, 3)
    for shape in [(2, 3), (2, 2), (6,)]:
        ours = fg.arange(6.0).resize_(*shape)
        assert ours.tolist() == torch.arange(6.0).resize_(*shape).tolist()
    assert fg.arange(4.0).resize_(2, 3).tolist() == [[0.0, 1.0, 2.0], [3.0, 0.0, 0.0]]
    with pytest.raises(RuntimeError, match="require grad"):
        fg.ones(2, requires_grad=True).resize_(3)
    # a non-leaf transposed in place keeps its gradient path
    x = fg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    y = x * 1.0
    y.transpose_(0, 1)
    (y * fg.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    assert x.grad.tolist() == [[1.0, 2.0, 3.0]]


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((7, 3), True), ((7, 3), False), ((3, 5), False),
                                        ((2, 2, 2), False), ((5, 2), True)])
def test_fill_diagonal(shape, wrap):
    torch = _torch()
    _same(fg.zeros(*shape).fill_diagonal_(5.0, wrap=wrap), torch.zeros(*shape).fill_diagonal_(5.0, wrap=wrap))


def test_fill_diagonal_gradient_and_errors():
    x = fg.tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    y = x * 2.0
    y.fill_diagonal_(0.0)
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0], [2.0, 0.0]]
    with pytest.raises(RuntimeError):
        fg.zeros(3).fill_diagonal_(1.0)
    with pytest.raises(RuntimeError):
        fg.zeros(2, 2, 3).fill_diagonal_(1.0)
