"""Rprop and ASGD against torch.optim's (trajectories of a small MLP in float64), state dicts, flat memory."""
import numpy as np
import pytest

import funcgrad as fg
from funcgrad import optim
from memory import growth

torch = pytest.importorskip("torch")

CONFIGS = [
    ("Rprop", dict()), ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.02, maximize=True)),
    ("ASGD", dict()), ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=5)),
    ("ASGD", dict(lr=0.05, weight_decay=0.1, t0=0, maximize=True)), ("ASGD", dict(lr=0.1, t0=10, lambd=0.0)),
]


def _data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal((8, 3)),
            rng.standard_normal((8, 1)), rng.standard_normal((1, 4)))


def _trajectory(lib, name, kw, steps=20):
    w1, b1, x, y, w2 = _data()
    ps = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in (w1, b1, w2)]
    xs, ys = lib.tensor(x, dtype=lib.float64), lib.tensor(y, dtype=lib.float64)
    opt = getattr(lib.optim, name)(ps, **kw)
    sign = -1.0 if kw.get("maximize") else 1.0
    out = []
    for _ in range(steps):
        opt.zero_grad()
        h = lib.tanh(xs @ ps[0].T + ps[1])
        loss = sign * ((h @ ps[2].T - ys) ** 2).mean()
        loss.backward()
        opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    state = {k: np.asarray(v.detach().numpy() if hasattr(v, "detach") else v)
             for k, v in opt.state_dict()["state"][0].items()}
    return out, state, opt


@pytest.mark.parametrize("name,kw", CONFIGS)
def test_trajectory_matches_torch(name, kw):
    mine, s1, _ = _trajectory(fg, name, kw)
    ref, s2, _ = _trajectory(torch, name, kw)
    for a, b in zip(mine, ref):
        for u, v in zip(a, b):
            np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-14)
    assert sorted(s1) == sorted(s2)
    for k in s1:
        np.testing.assert_allclose(s1[k], s2[k], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_defaults_match_torch(name):
    mine = getattr(optim, name)([fg.zeros(2, requires_grad=True)]).defaults
    ref = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).defaults
    assert set(mine) == set(ref)
    for k in ref:
        assert mine[k] == ref[k], k


@pytest.mark.parametrize("name,kw", [("Rprop", dict(lr=0.05)), ("ASGD", dict(lr=0.05, t0=3))])
def test_resume_from_torch_state_dict(name, kw):
    """A torch optimizer's state dict loads, and training resumes exactly."""
    _, _, topt = _trajectory(torch, name, kw, steps=5)
    w1, b1, x, y, w2 = _data()
    tparams = topt.param_groups[0]["params"]
    ps = [fg.tensor(p.detach().numpy(), requires_grad=True) for p in tparams]
    opt = getattr(optim, name)(ps, **kw)
    opt.load_state_dict(topt.state_dict())
    tparams = [p.detach().clone().requires_grad_() for p in tparams]
    topt2 = getattr(torch.optim, name)(tparams, **kw)  # torch casts loaded buffers as funcgrad does
    topt2.load_state_dict(topt.state_dict())
    for lib, params, o in ((fg, ps, opt), (torch, tparams, topt2)):
        xs, ys = lib.tensor(x), lib.tensor(y)
        for _ in range(3):
            o.zero_grad()
            ((lib.tanh(xs @ params[0].T + params[1]) @ params[2].T - ys) ** 2).mean().backward()
            o.step()
    for a, b in zip(ps, tparams):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)


def test_complex_parameter_matches_torch():
    z0 = np.array([1.0 + 2.0j, -0.5 + 0.25j])
    out = []
    for lib in (fg, torch):
        z = lib.tensor(z0, requires_grad=True)
        opt = lib.optim.Rprop([z], lr=0.1)
        for _ in range(5):
            opt.zero_grad()
            (z * z.conj()).real.sum().backward()
            opt.step()
        out.append(z.detach().numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-12)


def _model_step(factory, n=20):
    w = fg.tensor(np.linspace(-0.5, 0.5, n * n).reshape(n, n), requires_grad=True)
    x = fg.tensor(np.random.default_rng(0).standard_normal((8, n)) * 0.1)
    opt = factory([w])

    def step():
        opt.zero_grad()
        ((x @ w) ** 2).sum().backward()
        opt.step()

    return step


@pytest.mark.parametrize("factory", [lambda ps: optim.Rprop(ps), lambda ps: optim.ASGD(ps, t0=50),
                                     lambda ps: optim.ASGD(ps, weight_decay=1e-3)])
def test_memory_stays_flat(factory):
    assert growth(_model_step(factory), 1000, 100) < 100_000
