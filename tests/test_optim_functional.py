"""funcgrad.optim.functional: pure optax-style optimizers over pytrees follow the Tensor-face optimizers'
trajectories (and so PyTorch's) on the same gradients, never mutate their inputs, keep float32 float32, work on
device arrays, inside ``funcgrad.grad`` (differentiating through an update) and under ``funcgrad.vmap``, and train a
small model with ``value_and_grad``."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim
from funcgrad.backend import device_of, get_default_device
from funcgrad.optim import functional as fopt
from funcgrad.testing import standin

STEPS = 30
CONFIGS = [
    ("sgd", "SGD", dict(lr=0.1)), ("sgd", "SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("sgd", "SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1, maximize=True)),
    ("adam", "Adam", dict()), ("adam", "Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("adam", "Adam", dict(lr=0.05, betas=(0.3, 0.8), maximize=True)),
    ("adamw", "AdamW", dict()), ("adamw", "AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("rmsprop", "RMSprop", dict()), ("rmsprop", "RMSprop", dict(centered=True, momentum=0.5, weight_decay=0.1)),
    ("adagrad", "Adagrad", dict()), ("adagrad", "Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.3,
                                                                 weight_decay=0.1, maximize=True)),
]
IDS = [f"{f}-{kw}" for f, _, kw in CONFIGS]


def _data(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    params = {"w": rng.standard_normal((3, 4)).astype(dtype), "b": [rng.standard_normal(4).astype(dtype)]}
    grads = [{"w": rng.standard_normal((3, 4)).astype(dtype), "b": [rng.standard_normal(4).astype(dtype)]}
             for _ in range(STEPS)]
    return params, grads


def _functional(fname, kw, params, grads):
    opt = getattr(fopt, fname)(**kw)
    state = opt.init(params)
    for g in grads:
        params, state = opt.update(g, state, params)
    return params, state


def _tensor_face(cname, kw, params, grads):
    ps = [fg.tensor(params["w"], requires_grad=True), fg.tensor(params["b"][0], requires_grad=True)]
    opt = getattr(optim, cname)(ps, **kw)
    for g in grads:
        ps[0].grad, ps[1].grad = fg.tensor(g["w"]), fg.tensor(g["b"][0])
        opt.step()
    return {"w": ps[0].detach().numpy(), "b": [ps[1].detach().numpy()]}


@pytest.mark.parametrize("fname,cname,kw", CONFIGS, ids=IDS)
def test_same_trajectory_as_the_tensor_face_and_torch(fname, cname, kw):
    params, grads = _data()
    mine, _ = _functional(fname, kw, params, grads)
    face = _tensor_face(cname, kw, params, grads)
    np.testing.assert_allclose(mine["w"], face["w"], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(mine["b"][0], face["b"][0], rtol=1e-12, atol=1e-13)
    try:
        import torch
    except ImportError:  # the Tensor face's own parity with PyTorch is tests/test_optim.py's
        return
    ts = [torch.tensor(params["w"], requires_grad=True), torch.tensor(params["b"][0], requires_grad=True)]
    topt = getattr(torch.optim, cname)(ts, **kw)
    for g in grads:
        ts[0].grad, ts[1].grad = torch.tensor(g["w"]), torch.tensor(g["b"][0])
        topt.step()
    np.testing.assert_allclose(mine["w"], ts[0].detach().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("fname,cname,kw", CONFIGS[::2], ids=IDS[::2])
def test_updates_are_pure_and_keep_float32(fname, cname, kw):
    params, grads = _data(np.float32)
    copies = [np.copy(a) for a in fg.tree.leaves((params, grads[0]))]
    opt = getattr(fopt, fname)(**kw)
    state = opt.init(params)
    state_copies = [np.copy(a) for a in fg.tree.leaves(state)]
    new, new_state = opt.update(grads[0], state, params)
    for a, b in zip(fg.tree.leaves((params, grads[0])), copies):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(fg.tree.leaves(state), state_copies):
        np.testing.assert_array_equal(a, b)
    assert fg.tree.structure(new) == fg.tree.structure(params)
    assert all(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in fg.tree.leaves(new))
    assert all(a.dtype == np.float32 for a in fg.tree.leaves(new_state)[1:])
    assert int(new_state.count) == 1 and int(state.count) == 0
    face = _tensor_face(cname, kw, params, grads[:1])
    np.testing.assert_allclose(new["w"], face["w"], rtol=2e-6, atol=1e-7)


def test_a_training_loop_converges():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    true_w, true_b = np.array([1.5, -2.0, 0.5]), 0.7
    y = np.tanh(x @ true_w + true_b)
    params = {"w": np.zeros(3), "b": np.zeros(())}

    def loss(p):
        return fnp.mean((fnp.tanh(x @ p["w"] + p["b"]) - y) ** 2)

    opt = fopt.adam(lr=0.05)
    state = opt.init(params)
    value_and_grad = fg.value_and_grad(loss)
    first = None
    for _ in range(400):
        value, grads = value_and_grad(params)
        first = value if first is None else first
        params, state = opt.update(grads, state, params)
    assert loss(params) < 1e-4 < first
    np.testing.assert_allclose(params["w"], true_w, atol=0.05)


@pytest.mark.parametrize("fname,kw", [("sgd", dict(lr=0.1, momentum=0.9)), ("adam", dict(lr=0.1)),
                                      ("rmsprop", dict(lr=0.01)), ("adagrad", dict(lr=0.1))])
def test_differentiating_through_an_update(fname, kw):
    """``grad`` of the loss after one update, w.r.t. the starting point (a meta-gradient), against finite
    differences."""
    x = np.random.default_rng(1).standard_normal((5, 3))
    opt = getattr(fopt, fname)(**kw)

    def loss(w):
        return fnp.sum(fnp.sin(x @ w) ** 2) + fnp.sum(w ** 4)

    def after_step(w):
        new, _ = opt.update(fg.grad(loss)(w), opt.init(w), w)
        return loss(new)

    w0 = np.array([0.3, -0.2, 0.5])
    g = fg.grad(after_step)(w0)
    eps = 1e-6
    fd = [(after_step(w0 + eps * e) - after_step(w0 - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("fname", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_under_vmap_a_batch_of_models(fname):
    rng = np.random.default_rng(2)
    ps, gs = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    opt = getattr(fopt, fname)(lr=0.1, **({"momentum": 0.9} if fname in ("sgd", "rmsprop") else {}))

    def two_steps(p, g):
        state = opt.init(p)
        p, state = opt.update(g, state, p)
        return opt.update(g * 0.5, state, p)[0]

    batched = fg.vmap(two_steps)(ps, gs)
    np.testing.assert_allclose(batched, np.stack([two_steps(p, g) for p, g in zip(ps, gs)]), rtol=1e-12)


def test_a_learning_rate_schedule():
    opt = fopt.sgd(lr=lambda count: 0.1 * 0.5 ** count)
    p, g = np.ones(2), np.ones(2)
    state = opt.init(p)
    for _ in range(3):
        p, state = opt.update(g, state, p)
    np.testing.assert_allclose(p, 1 - 0.1 * (1 + 0.5 + 0.25))


def test_none_leaves_states_and_errors():
    opt = fopt.sgd(lr=0.1)
    state = opt.init({"a": np.ones(2)})
    assert state.momentum_buffer is None
    with pytest.raises(ValueError, match="structure"):
        opt.update({"b": np.ones(2)}, state, {"a": np.ones(2)})
    with pytest.raises(ValueError, match="learning rate"):
        fopt.adam(lr=-1.0)
    with pytest.raises(ValueError, match="Nesterov"):
        fopt.sgd(nesterov=True)
    with pytest.raises(ValueError, match="beta"):
        fopt.adamw(betas=(1.0, 0.9))


@pytest.fixture
def gpu():
    prev = get_default_device()
    standin.install()
    try:
        yield standin
    finally:
        standin.uninstall()
        fg.set_default_device(prev)


@pytest.mark.parametrize("fname", ["sgd", "adam", "rmsprop", "adagrad"])
def test_device_arrays_stay_on_the_device(gpu, fname):
    host = {"w": np.linspace(-1, 1, 6)}
    grads = {"w": np.linspace(0.5, -0.5, 6)}
    dev = {"w": standin.xp.asarray(host["w"])}
    dgrads = {"w": standin.xp.asarray(grads["w"])}
    opt = getattr(fopt, fname)(lr=0.1, **({"momentum": 0.9} if fname in ("sgd", "rmsprop") else {}))
    gpu.reset_host_syncs()
    new, state = opt.update(dgrads, opt.init(dev), dev)
    new, state = opt.update(dgrads, state, new)
    assert gpu.host_syncs() == 0
    assert device_of(new["w"]) == "cuda:0"
    ref, rstate = opt.update(grads, opt.init(host), host)
    ref, _ = opt.update(grads, rstate, ref)
    np.testing.assert_allclose(new["w"].get(), ref["w"], rtol=1e-12)
