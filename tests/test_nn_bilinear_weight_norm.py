"""``nn.Bilinear`` and ``nn.utils.weight_norm`` / ``remove_weight_norm`` against torch (where installed): the same
weights copied in give the same outputs and gradients (float64); init bounds, reprs, state-dict keys and errors."""
import math
import warnings

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn


def _torch():
    return pytest.importorskip("torch")


def _copy(src, dst, t):
    """Every parameter of the torch module ``src`` into the funcgrad module ``dst`` (by name, float64)."""
    state = {k: fg.tensor(v.detach().numpy().copy()) for k, v in src.state_dict().items()}
    dst.load_state_dict(state)


def _close(a, b, **kw):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12, **kw)


# --- Bilinear ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("lead", [(5,), (2, 3), ()])
def test_bilinear_forward_and_gradients_match_torch(bias, lead):
    t = _torch()
    tm = t.nn.Bilinear(3, 4, 2, bias=bias).double()
    m = nn.Bilinear(3, 4, 2, bias=bias, dtype=fg.float64)
    _copy(tm, m, t)
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal(lead + (3,)), rng.standard_normal(lead + (4,))
    a, b = fg.tensor(x1, requires_grad=True), fg.tensor(x2, requires_grad=True)
    ta, tb = t.tensor(x1, requires_grad=True), t.tensor(x2, requires_grad=True)
    out, tout = m(a, b), tm(ta, tb)
    assert tuple(out.shape) == tuple(tout.shape)
    _close(out, tout)
    w = rng.standard_normal(tuple(tout.shape))
    (out * fg.tensor(w)).sum().backward()
    (tout * t.tensor(w)).sum().backward()
    _close(a.grad, ta.grad)
    _close(b.grad, tb.grad)
    _close(m.weight.grad, tm.weight.grad)
    if bias:
        _close(m.bias.grad, tm.bias.grad)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]


def test_bilinear_init_repr_and_paths():
    t = _torch()
    fg.manual_seed(0)
    m = nn.Bilinear(16, 3, 200)
    tm = t.nn.Bilinear(16, 3, 200)
    assert repr(m) == repr(tm) and repr(nn.Bilinear(2, 3, 4, bias=False)) == repr(t.nn.Bilinear(2, 3, 4, bias=False))
    bound = 1 / math.sqrt(16)
    for p, tp in [(m.weight, tm.weight), (m.bias, tm.bias)]:
        v, tv = p.detach().numpy(), tp.detach().numpy()
        assert p.shape == tp.shape and p.dtype == fg.float32
        assert np.abs(v).max() <= bound and np.abs(v).max() > 0.9 * bound  # U(-bound, bound), as torch's
        assert abs(v.std() - tv.std()) < 0.02
    fg.manual_seed(0)
    again = nn.Bilinear(16, 3, 200)
    np.testing.assert_array_equal(again.weight.detach().numpy(), m.weight.detach().numpy())
    from funcgrad.nn.modules.linear import Bilinear
    assert Bilinear is nn.Bilinear and nn.modules.Bilinear is nn.Bilinear
    with pytest.raises(RuntimeError, match="bilinear"):
        m(fg.ones(2, 15), fg.ones(2, 3))


# --- weight_norm -------------------------------------------------------------------------------------------------
def _weight_norm(lib, module, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return lib.nn.utils.weight_norm(module, **kw)


MODULES = [
    ("linear", lambda L: L.nn.Linear(4, 3), (5, 4)),
    ("conv1d", lambda L: L.nn.Conv1d(2, 3, 3), (2, 2, 7)),
    ("conv2d", lambda L: L.nn.Conv2d(2, 4, (2, 3)), (1, 2, 5, 6)),
]


@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
@pytest.mark.parametrize("name, make, shape", MODULES)
def test_weight_norm_matches_torch(name, make, shape, dim):
    t = _torch()
    tm = _weight_norm(t, make(t).double(), dim=dim)
    m = _weight_norm(fg, make(fg).double(), dim=dim)
    assert list(m.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert m.weight_g.shape == tm.weight_g.shape and m.weight_v.shape == tm.weight_v.shape
    _copy(tm, m, t)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    out, tout = m(fg.tensor(x)), tm(t.tensor(x))
    _close(out, tout)
    _close(m.weight, tm.weight)
    w = rng.standard_normal(tuple(tout.shape))
    (out * fg.tensor(w)).sum().backward()
    (tout * t.tensor(w)).sum().backward()
    _close(m.weight_g.grad, tm.weight_g.grad)
    _close(m.weight_v.grad, tm.weight_v.grad)
    _close(m.bias.grad, tm.bias.grad)
    # a step on g and v changes the weight the next forward uses
    with fg.no_grad():
        m.weight_g.mul_(2.0)
    with t.no_grad():
        tm.weight_g.mul_(2.0)
    _close(m(fg.tensor(x)), tm(t.tensor(x)))


def test_weight_norm_of_a_fresh_module_keeps_its_weight_and_remove_restores_it():
    t = _torch()
    m = nn.Conv2d(3, 2, 3)
    before = m.weight.detach().numpy().copy()
    _weight_norm(fg, m)
    np.testing.assert_allclose(m.weight.detach().numpy(), before, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.weight_g.detach().numpy().reshape(-1),
                               np.sqrt((before ** 2).sum(axis=(1, 2, 3))), rtol=1e-6)
    assert m.weight.grad_fn is not None and "weight" not in dict(m.named_parameters())
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        _weight_norm(fg, m)
    assert nn.utils.remove_weight_norm(m) is m
    tm = t.nn.utils.remove_weight_norm(_weight_norm(t, t.nn.Conv2d(3, 2, 3)))
    assert list(m.state_dict()) == list(tm.state_dict()) == ["bias", "weight"]
    assert isinstance(m.weight, nn.Parameter) and not m._forward_pre_hooks
    np.testing.assert_allclose(m.weight.detach().numpy(), before, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(m)
    with pytest.raises(AttributeError):
        _weight_norm(fg, m, name="nope")
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(nn.Linear(2, 2))


def test_weight_norm_load_state_dict_and_training():
    t = _torch()
    tm = _weight_norm(t, t.nn.Linear(3, 2).double())
    m = _weight_norm(fg, nn.Linear(3, 2).double())
    _copy(tm, m, t)
    opt, topt = fg.optim.SGD(m.parameters(), lr=0.1), t.optim.SGD(tm.parameters(), lr=0.1)
    x = np.random.default_rng(2).standard_normal((4, 3))
    for _ in range(3):
        for mod, o, lib in [(m, opt, fg), (tm, topt, t)]:
            o.zero_grad()
            (mod(lib.tensor(x)) ** 2).sum().backward()
            o.step()
    _close(m.weight_g, tm.weight_g)
    _close(m.weight_v, tm.weight_v)
    _close(m(fg.tensor(x)), tm(t.tensor(x)))
