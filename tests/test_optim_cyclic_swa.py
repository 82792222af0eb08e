"""CyclicLR and swa_utils against torch's (learning rates, momenta, averaged weights)."""
import numpy as np
import pytest

import funcgrad as fg

torch = pytest.importorskip("torch")

CYCLIC = [
    dict(base_lr=0.01, max_lr=0.1, step_size_up=4), dict(base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5,
                                                         mode="triangular2"),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9),
    dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=2, base_momentum=0.7, max_momentum=0.95),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=2, scale_fn=lambda x: 0.5 ** x, scale_mode="iterations"),
    dict(base_lr=0.01, max_lr=0.1, step_size_up=2, cycle_momentum=False),
]


def _cyclic(lib, opt_name, kw, steps=25):
    a = lib.tensor([1.0, -2.0], requires_grad=True)
    b = lib.tensor([0.5], requires_grad=True)
    groups = [{"params": [a]}, {"params": [b]}]
    opt = lib.optim.SGD(groups, lr=0.1, momentum=0.9) if opt_name == "SGD" else lib.optim.Adam(groups, lr=0.1)
    s = lib.optim.lr_scheduler.CyclicLR(opt, **kw)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        ((a * a).sum() + (b * b).sum()).backward()
        opt.step()
        s.step()
        g = opt.param_groups
        out.append((s.get_last_lr(), [x.get("momentum", x.get("betas")) for x in g]))
    return out, a.detach().numpy(), [(x.get("max_momentum"), x.get("base_momentum")) for x in opt.param_groups]


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("kw", CYCLIC)
def test_cyclic_lr_matches_torch(kw, opt_name):
    mine = _cyclic(fg, opt_name, kw)
    ref = _cyclic(torch, opt_name, kw)
    for (l1, m1), (l2, m2) in zip(mine[0], ref[0]):
        np.testing.assert_allclose(l1, l2, rtol=1e-12)
        np.testing.assert_allclose(np.array(m1, dtype=float), np.array(m2, dtype=float), rtol=1e-12)
    np.testing.assert_allclose(mine[1], ref[1], rtol=1e-5)
    assert mine[2] == ref[2]


def test_cyclic_lr_needs_momentum():
    opt = fg.optim.Adagrad([fg.tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="momentum"):
        fg.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)
    fg.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, cycle_momentum=False)


def test_cyclic_lr_state_dict_round_trip():
    def make():
        opt = fg.optim.SGD([fg.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
        return opt, fg.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=3, mode="triangular2")
    o1, s1 = make()
    for _ in range(5):
        o1.step()
        s1.step()
    o2, s2 = make()
    s2.load_state_dict(s1.state_dict())
    for _ in range(4):
        s1.step()
        s2.step()
    assert s1.get_last_lr() == s2.get_last_lr()


def _net(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.ReLU(), lib.nn.Linear(4, 1))


def _set_from(net, arrays, lib):
    with lib.no_grad():
        for p, a in zip(list(net.parameters()) + list(net.buffers()), arrays):
            p.copy_(lib.tensor(a, dtype=p.dtype))


def _snapshots(steps=5):
    rng = np.random.default_rng(1)
    shapes = [(4, 3), (4,), (4,), (4,), (1, 4), (1,), (4,), (4,)]
    snaps = []
    for k in range(steps):
        snap = [rng.standard_normal(s) for s in shapes]
        snap[7] = np.abs(snap[7]) + 0.5  # running_var
        snaps.append(snap + [np.array(k + 1)])  # num_batches_tracked
    return snaps


def _average(lib, make_kw):
    net = _net(lib)
    swa = lib.optim.swa_utils.AveragedModel(net, **make_kw(lib))
    for snap in _snapshots():
        _set_from(net, snap, lib)
        swa.update_parameters(net)
    x = lib.tensor(np.random.default_rng(2).standard_normal((6, 3)), dtype=lib.float32)
    swa.eval()
    return ([t.detach().numpy().copy() for t in list(swa.module.parameters()) + list(swa.module.buffers())],
            int(swa.n_averaged), swa(x).detach().numpy())


@pytest.mark.parametrize("make_kw", [
    lambda lib: {}, lambda lib: dict(use_buffers=True),
    lambda lib: dict(avg_fn=lib.optim.swa_utils.get_ema_avg_fn(0.9)),
    lambda lib: dict(multi_avg_fn=lib.optim.swa_utils.get_ema_multi_avg_fn(0.8), use_buffers=True),
    lambda lib: dict(avg_fn=lib.optim.swa_utils.get_swa_avg_fn()),
    lambda lib: dict(multi_avg_fn=lib.optim.swa_utils.get_swa_multi_avg_fn()),
], ids=["swa", "swa-buffers", "ema-avg-fn", "ema-multi-buffers", "swa-avg-fn", "swa-multi"])
def test_averaged_model_matches_torch(make_kw):
    mine, n1, y1 = _average(fg, make_kw)
    ref, n2, y2 = _average(torch, make_kw)
    assert n1 == n2 == 5
    assert len(mine) == len(ref)
    for a, b in zip(mine, ref):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y1, y2, rtol=1e-5, atol=1e-6)


def test_averaged_model_rejects_both_fns():
    f = fg.optim.swa_utils
    with pytest.raises(AssertionError):
        f.AveragedModel(fg.nn.Linear(1, 1), avg_fn=f.get_swa_avg_fn(), multi_avg_fn=f.get_swa_multi_avg_fn())


def test_update_bn_matches_torch():
    rng = np.random.default_rng(3)
    snap = _snapshots(1)[0]
    batches = [rng.standard_normal((5, 3)) * 2 + 1 for _ in range(4)]
    out = []
    for lib in (fg, torch):
        net = _net(lib)
        _set_from(net, snap, lib)
        net.eval()
        loader = [(lib.tensor(b, dtype=lib.float32), 0) for b in batches]
        lib.optim.swa_utils.update_bn(loader, net)
        bn = net[1]
        out.append((bn.running_mean.numpy().copy(), bn.running_var.numpy().copy(), int(bn.num_batches_tracked),
                    bn.momentum, net.training))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-5, atol=1e-6)
    assert out[0][2:] == out[1][2:]


@pytest.mark.parametrize("kw", [dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.2], anneal_epochs=3, anneal_strategy="linear"),
                                dict(swa_lr=0.01, anneal_epochs=0)])
def test_swalr_matches_torch(kw):
    out = []
    for lib in (fg, torch):
        groups = [{"params": [lib.tensor([1.0], requires_grad=True)]},
                  {"params": [lib.tensor([2.0], requires_grad=True)], "lr": 0.3}]
        opt = lib.optim.SGD(groups, lr=0.5)
        s = lib.optim.swa_utils.SWALR(opt, **kw)
        lrs = []
        for _ in range(15):
            opt.step()
            s.step()
            lrs.append(s.get_last_lr())
        s2 = lib.optim.swa_utils.SWALR(opt, **kw)
        s2.load_state_dict(s.state_dict())
        out.append(lrs)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-12)
