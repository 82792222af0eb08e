"""funcgrad.optim: the optimizers are PyTorch's (float64 parity within 1e-10 over 30 steps on the same gradients,
complex parameters through their real view, float32 close), update in place without recording and keep memory
flat, resume exactly from ``state_dict()``, work on device parameters, and refuse bad input helpfully."""
from __future__ import annotations


import numpy as np
import pytest

import funcgrad as fg
from memory import growth
import funcgrad.numpy as fnp
from funcgrad import optim
from funcgrad.backend import get_default_device
from funcgrad.testing import standin

STEPS = 30
SHAPES = [(3, 4), (5,)]

# (name, kwargs) for each optimizer: the defaults and each option
CONFIGS = [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)), ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.1, maximize=True)), ("SGD", dict()),
    ("Adam", dict()), ("Adam", dict(lr=0.1, amsgrad=True)), ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.9), maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()), ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict()), ("RMSprop", dict(centered=True)), ("RMSprop", dict(momentum=0.9)),
    ("RMSprop", dict(lr=0.005, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()), ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.5)),
    ("Adagrad", dict(weight_decay=0.1, maximize=True)),
    ("Adadelta", dict()), ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1, maximize=True)),
    ("Adamax", dict()), ("Adamax", dict(lr=0.05, betas=(0.7, 0.9), weight_decay=0.1, maximize=True)),
    ("NAdam", dict()), ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()), ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]
RICH = {"SGD": dict(lr=0.1, momentum=0.5, weight_decay=0.1, nesterov=True), "Adam": dict(lr=0.1, amsgrad=True),
        "AdamW": dict(lr=0.05, weight_decay=0.3, amsgrad=True), "RMSprop": CONFIGS[16][1], "Adagrad": CONFIGS[18][1],
        "Adadelta": CONFIGS[21][1], "Adamax": CONFIGS[23][1], "NAdam": CONFIGS[26][1], "RAdam": CONFIGS[29][1]}
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for n, kw in CONFIGS]
NAMES = sorted({n for n, _ in CONFIGS})


def _inits(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    out = [rng.standard_normal(s) for s in SHAPES]
    if np.dtype(dtype).kind == "c":
        out = [a + 1j * rng.standard_normal(a.shape) for a in out]
    return [a.astype(dtype) for a in out]


def _grads(dtype=np.float64, seed=1, steps=STEPS):
    return [_inits(dtype, seed + k) for k in range(steps)]


def _fg_run(name, kw, inits, grads, groups=False):
    ps = [fg.tensor(a, requires_grad=True) for a in inits]
    params = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": kw.get("lr", 1e-3) / 2}] if groups else ps
    opt = getattr(optim, name)(params, **kw)
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = fg.tensor(g)
        opt.step()
    return ps, opt


def _torch_run(name, kw, inits, grads, groups=False):
    torch = pytest.importorskip("torch")
    ps = [torch.tensor(a, requires_grad=True) for a in inits]
    params = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": kw.get("lr", 1e-3) / 2}] if groups else ps
    opt = getattr(torch.optim, name)(params, **kw)
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = torch.tensor(g)
        opt.step()
    return ps, opt


def _close(fg_params, torch_params, tol):
    for a, b in zip(fg_params, torch_params):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


# --- parity with PyTorch ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,kw", CONFIGS, ids=IDS)
def test_float64_parity_with_torch_over_30_steps(name, kw):
    inits, grads = _inits(), _grads()
    mine, opt = _fg_run(name, kw, inits, grads)
    theirs, topt = _torch_run(name, kw, inits, grads)
    _close(mine, theirs, 1e-10)
    # the same state, in PyTorch's format
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert set(sd["param_groups"][0]) == set(tsd["param_groups"][0])
    assert sd["param_groups"][0]["params"] == tsd["param_groups"][0]["params"] == [0, 1]
    assert sorted(sd["state"]) == sorted(tsd["state"])
    for i in tsd["state"]:
        assert list(sd["state"][i]) == list(tsd["state"][i])
        for k, v in tsd["state"][i].items():
            np.testing.assert_allclose(np.asarray(sd["state"][i][k].numpy()), v.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name,kw", CONFIGS[1::3], ids=IDS[1::3])
def test_parity_with_parameter_groups_and_a_loss(name, kw):
    """Per-group options, gradients from a loss of the parameters (so differences would compound)."""
    torch = pytest.importorskip("torch")
    inits = _inits(seed=5)
    x = np.random.default_rng(9).standard_normal((6, 3))
    mine = [fg.tensor(a, requires_grad=True) for a in inits]
    theirs = [torch.tensor(a, requires_grad=True) for a in inits]
    lr = kw.get("lr", 1e-3)
    opt = getattr(optim, name)([{"params": [mine[0]]}, {"params": [mine[1]], "lr": lr / 2}], **kw)
    topt = getattr(torch.optim, name)([{"params": [theirs[0]]}, {"params": [theirs[1]], "lr": lr / 2}], **kw)
    xm, xt = fg.tensor(x), torch.tensor(x)
    for _ in range(STEPS):
        for o, ps, xx, lib in ((opt, mine, xm, fg), (topt, theirs, xt, torch)):
            o.zero_grad()
            loss = (lib.tanh(xx @ ps[0]) ** 2).sum() + (ps[1] ** 4).sum() / 4 + ps[0].sum() * ps[1].sum()
            loss.backward()
            o.step()
    _close(mine, theirs, 1e-10)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]


@pytest.mark.parametrize("name", NAMES)
def test_complex_parameters_follow_torch(name):
    """A complex parameter is optimized through its real view (real and imaginary parts as coordinates)."""
    kw = RICH[name]
    inits, grads = _inits(np.complex128, 3), _grads(np.complex128, 4, 10)
    mine, _ = _fg_run(name, kw, inits, grads)
    theirs, _ = _torch_run(name, kw, inits, grads)
    _close(mine, theirs, 1e-10)
    assert mine[0].dtype == np.complex128


@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_stay_float32_and_follow_torch(name):
    kw = RICH[name]
    inits, grads = _inits(np.float32, 6), _grads(np.float32, 7, 10)
    mine, opt = _fg_run(name, kw, inits, grads)
    theirs, _ = _torch_run(name, kw, inits, grads)
    _close(mine, theirs, 2e-5)
    assert all(p.dtype == np.float32 for p in mine)
    bufs = [v for s in opt.state.values() for k, v in s.items() if isinstance(v, fg.Tensor) and k != "step"
            and k != "mu_product"]
    assert bufs and all(b.dtype == np.float32 for b in bufs)


def _rosenbrock(p, lib):
    x = p[0]
    return ((1 - x[:-1]) ** 2).sum() + 10 * ((x[1:] - x[:-1] ** 2) ** 2).sum() + (p[1] ** 2).sum()


LBFGS_CONFIGS = [dict(), dict(line_search_fn="strong_wolfe"), dict(lr=0.5, history_size=3, max_iter=7),
                 dict(history_size=4, max_iter=6, line_search_fn="strong_wolfe", tolerance_change=1e-12)]


@pytest.mark.parametrize("kw", LBFGS_CONFIGS, ids=[str(k) for k in LBFGS_CONFIGS])
def test_lbfgs_parity_with_torch(kw):
    torch = pytest.importorskip("torch")
    inits = [np.array([-1.2, 1.0, -0.5, 0.8]), np.array([0.5, -0.3])]
    results = []
    for lib, mod in ((fg, optim), (torch, torch.optim)):
        ps = [lib.tensor(a, requires_grad=True) for a in inits]
        opt = mod.LBFGS(ps, **kw)
        losses = []

        def closure():
            opt.zero_grad()
            loss = _rosenbrock(ps, lib)
            loss.backward()
            return loss

        for _ in range(3):
            losses.append(float(opt.step(closure).detach()))
        state = opt.state[ps[0]]
        results.append((ps, losses, state["func_evals"], state["n_iter"]))
    (mine, l1, fe1, it1), (theirs, l2, fe2, it2) = results
    _close(mine, theirs, 1e-10)
    np.testing.assert_allclose(l1, l2, rtol=1e-10, atol=1e-15)
    assert (fe1, it1) == (fe2, it2)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_complex_parameters_follow_torch(line_search_fn):
    torch = pytest.importorskip("torch")
    init = np.array([1 + 2j, -0.5 + 0.3j, 0.2 - 1j])
    out = []
    for lib, mod in ((fg, optim), (torch, torch.optim)):
        w = lib.tensor(init, requires_grad=True)
        opt = mod.LBFGS([w], line_search_fn=line_search_fn, max_iter=4)

        def closure():
            opt.zero_grad()
            loss = ((w - (0.5 - 1j)).abs() ** 2).sum() + (lib.real(w) ** 4).sum() + (lib.imag(w) ** 2
                                                                                       * lib.real(w) ** 2).sum()
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        out.append((w.detach().numpy(), opt.state[w]["func_evals"]))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-10, atol=1e-10)
    assert out[0][1] == out[1][1]


def test_lbfgs_minimizes_and_refuses_what_torch_refuses():
    w = fg.tensor([-1.2, 1.0, 0.3], dtype=fg.float64, requires_grad=True)
    b = fg.tensor([0.5], dtype=fg.float64, requires_grad=True)
    opt = optim.LBFGS([w, b], line_search_fn="strong_wolfe", max_iter=100)

    def closure():
        opt.zero_grad()
        loss = _rosenbrock([w, b], fg)
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(w.detach().numpy(), 1.0, atol=1e-5)
    assert w.is_leaf and w.requires_grad
    with pytest.raises(RuntimeError, match="closure"):
        opt.step()
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [w]}, {"params": [b]}])
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([w], line_search_fn="armijo")


# --- in place, without recording ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_steps_update_in_place_and_record_nothing(name):
    w = fg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    unused = fg.tensor([1.0], requires_grad=True)
    opt = getattr(optim, name)([w, unused], lr=0.01)
    before = w.detach().numpy().copy()
    ident = id(w)
    loss = opt.step(lambda: _loss_and_backward(opt, w))  # the closure records; the step does not
    assert float(loss) == pytest.approx(float(fnp.sum(fg.tensor(before) ** 2)))
    assert id(w) == ident and w.is_leaf and w.requires_grad and w.grad_fn is None
    assert not np.array_equal(w.detach().numpy(), before)
    assert unused.grad is None and unused.tolist() == [1.0]  # no gradient: untouched, no state
    assert fg.is_grad_enabled()
    for v in opt.state[w].values():
        assert not (isinstance(v, fg.Tensor) and v.requires_grad)
    # the updated leaf is differentiated as a fresh leaf next time
    w.grad = None
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((2, 3), 3.0))


def _loss_and_backward(opt, w):
    opt.zero_grad()
    loss = (w ** 2).sum()
    assert loss.requires_grad  # grad mode is on inside the closure
    loss.backward()
    return loss


def test_a_gradient_that_requires_grad_is_not_recorded_into():
    w = fg.tensor([1.0, 2.0], dtype=fg.float64, requires_grad=True)
    (g,) = fg.autograd.grad((w ** 3).sum(), [w], create_graph=True)
    w.grad = g
    opt = optim.Adam([w], lr=0.1)
    opt.step()
    assert w.is_leaf and w.grad_fn is None
    assert not any(isinstance(v, fg.Tensor) and v.requires_grad for v in opt.state[w].values())


def test_zero_grad_and_step_return_values():
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None
    assert opt.step() is None
    assert opt.step(lambda: 7.0) == 7.0


def test_named_parameters_and_add_param_group():
    a, b = fg.tensor([1.0], requires_grad=True), fg.tensor([2.0], requires_grad=True)
    opt = optim.Adam([("a", a)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["a"] and opt.param_groups[0]["params"][0] is a
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["betas"] == (0.9, 0.999)
    assert "Adam (" in repr(opt) and "Parameter Group 1" in repr(opt)
    opt2 = optim.SGD({"params": [a]}, lr=0.1)
    assert opt2.param_groups[0]["params"][0] is a


# --- errors -------------------------------------------------------------------------------------------------------
def test_helpful_errors():
    w = fg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(w)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(ValueError, match="duplicate parameters"):
        optim.SGD([w, w])
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2])
    with pytest.raises(TypeError, match="only optimize Tensors"):
        optim.SGD([np.ones(2)])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({w})
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.Adam([w], lr=-1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.SGD([{"params": [w], "lr": -0.1}], lr=0.1)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([w], nesterov=True)
    with pytest.raises(ValueError, match="epsilon"):
        optim.RMSprop([w], eps=-1.0)
    with pytest.raises(ValueError, match="rho"):
        optim.Adadelta([w], rho=1.5)
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        optim.Optimizer([w], {"lr": optim.required})
    with pytest.raises(NotImplementedError):
        optim.Adam([w], fused=True)
    opt = optim.SGD([w], lr=0.1)
    other = optim.SGD([w, fg.tensor([2.0], requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())
    with pytest.raises(ValueError, match="number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})


# --- saving and resuming ----------------------------------------------------------------------------------------
def _resume_configs():
    return list(RICH.items()) + [("LBFGS", dict(history_size=5, max_iter=4)),
                                 ("LBFGS", dict(line_search_fn="strong_wolfe"))]


def _train(opt, ps, x, steps):
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = ((x @ ps[0]) ** 2).sum() + fnp.sum(fnp.sin(ps[1])) + (ps[1] ** 2).sum()
            loss.backward()
            return loss
        opt.step(closure)


@pytest.mark.parametrize("name,kw", _resume_configs(), ids=[f"{n}-{k}" for n, k in _resume_configs()])
def test_state_dict_resumes_exactly(name, kw):
    x = fg.tensor(np.random.default_rng(2).standard_normal((4, 3)))
    inits = _inits(seed=8)
    straight = [fg.tensor(a, requires_grad=True) for a in inits]
    _train(getattr(optim, name)(straight, **kw), straight, x, 30)

    first = [fg.tensor(a, requires_grad=True) for a in inits]
    opt = getattr(optim, name)(first, **kw)
    _train(opt, first, x, 15)
    saved, at_save = opt.state_dict(), [p.detach().numpy().copy() for p in first]
    _train(opt, first, x, 3)  # the saved state is a snapshot: later steps do not change it
    resumed = [fg.tensor(a, requires_grad=True) for a in at_save]
    fresh = getattr(optim, name)(resumed, **kw)
    fresh.load_state_dict(saved)
    _train(fresh, resumed, x, 15)
    for a, b in zip(resumed, straight):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("name", ["Adam", "SGD", "RMSprop", "NAdam"])
def test_a_torch_state_dict_loads_and_training_continues_the_same(name):
    torch = pytest.importorskip("torch")
    kw = RICH[name]
    inits, grads = _inits(seed=12), _grads(seed=13)
    theirs, topt = _torch_run(name, kw, inits, grads[:15])
    mine = [fg.tensor(p.detach().numpy(), requires_grad=True) for p in theirs]
    opt = getattr(optim, name)(mine, **kw)
    opt.load_state_dict(topt.state_dict())
    for gs in grads[15:]:
        for p, q, g in zip(mine, theirs, gs):
            p.grad, q.grad = fg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    _close(mine, theirs, 1e-10)


def test_load_state_dict_casts_buffers_to_the_parameters():
    w64 = fg.tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([w64], lr=0.1)
    w64.grad = fg.tensor(np.ones(3))
    opt.step()
    w32 = fg.tensor(np.ones(3, np.float32), requires_grad=True)
    opt32 = optim.Adam([w32], lr=0.1)
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[w32]["exp_avg"].dtype == np.float32
    assert float(opt32.state[w32]["step"]) == 1.0


# --- memory -----------------------------------------------------------------------------------------------------
WARMUP = 100


def _growth(step, steps: int) -> int:
    return growth(step, steps, WARMUP)


def _model_step(opt_factory, n=50):
    w = fg.tensor(np.linspace(-0.5, 0.5, n * n).reshape(n, n), requires_grad=True)
    x = fg.tensor(np.random.default_rng(0).standard_normal((8, n)) * 0.1)
    opt = opt_factory([w])

    def step():
        opt.zero_grad()
        ((x @ w) ** 2).sum().backward()
        opt.step()

    return w, opt, step


@pytest.mark.parametrize("name,factory", [("Adam", lambda ps: optim.Adam(ps, lr=1e-3)),
                                          ("SGD-momentum", lambda ps: optim.SGD(ps, lr=1e-3, momentum=0.9))])
def test_memory_stays_flat_over_10000_steps(name, factory):
    w, opt, step = _model_step(factory)
    ident = id(w)
    assert _growth(step, 10_000) < 1_000_000
    assert id(w) == ident and w.is_leaf and w.requires_grad


FLAT = {"SGD": dict(lr=1e-3, momentum=0.9, nesterov=True, weight_decay=1e-4), "AdamW": dict(amsgrad=True),
        "RMSprop": dict(centered=True, momentum=0.5), "Adagrad": dict(lr_decay=1e-3), "Adadelta": dict(),
        "Adamax": dict(), "NAdam": dict(), "RAdam": dict(), "Adam": dict(amsgrad=True, weight_decay=1e-3)}


@pytest.mark.parametrize("name", sorted(FLAT))
def test_each_optimizer_keeps_memory_flat(name):
    _, _, step = _model_step(lambda ps: getattr(optim, name)(ps, **FLAT[name]), n=20)
    assert _growth(step, 1000) < 100_000  # 100 bytes a step, as over the 10,000-step runs


def test_lbfgs_keeps_memory_flat():
    w = fg.tensor(np.linspace(-0.5, 0.5, 16).reshape(4, 4), requires_grad=True)
    rng = np.random.default_rng(0)
    data = [fg.tensor(rng.standard_normal((3, 4))) for _ in range(5)]
    opt = optim.LBFGS([w], history_size=3, max_iter=2)
    k = [0]

    def step():
        x = data[k[0] % 5]
        k[0] += 1

        def closure():
            opt.zero_grad()
            loss = ((x @ w - 1.0) ** 2).sum()
            loss.backward()
            return loss
        opt.step(closure)

    assert _growth(step, 1000) < 100_000  # the history is bounded: a full one is replaced pair by pair


# --- parameters on a device ---------------------------------------------------------------------------------------
@pytest.fixture
def gpu():
    """The CuPy stand-in as the "cuda" device for the test."""
    prev = get_default_device()
    standin.install()
    try:
        yield standin
    finally:
        standin.uninstall()
        fg.set_default_device(prev)


@pytest.mark.parametrize("name", NAMES + ["LBFGS"])
def test_parameters_on_a_device_are_updated_there(gpu, name):
    kw = RICH.get(name, {})
    inits = _inits(seed=11)
    results = []
    for where in ("cpu", "cuda"):
        ps = [fg.tensor(a, requires_grad=True, device=where) for a in inits]
        opt = getattr(optim, name)(ps, **kw)
        gpu.reset_host_syncs()
        for _ in range(5):
            def closure():
                opt.zero_grad()
                loss = (ps[0] ** 2).sum() + fnp.sum(fnp.cos(ps[1]))
                loss.backward()
                return loss
            opt.step(closure)
        if name != "LBFGS":  # (L-BFGS reads its step sizes and curvatures back, as PyTorch's does)
            assert gpu.host_syncs() == 0, "an optimizer step waited for the device"
        assert all(str(p.device) == ("cpu" if where == "cpu" else "cuda:0") for p in ps)
        for s in opt.state.values():
            for k, v in s.items():
                if isinstance(v, fg.Tensor) and k not in ("step", "mu_product"):
                    assert str(v.device) == str(ps[0].device), (k, v.device)
        results.append([p.detach().cpu().numpy() for p in ps])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
