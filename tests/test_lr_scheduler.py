"""funcgrad.optim.lr_scheduler: every scheduler sets the learning rates PyTorch's sets, step for step over 40+
steps (two parameter groups, momentum / beta1 cycling, resumed and nested schedulers, the deprecated
``step(epoch)``), and ``state_dict()`` / ``load_state_dict()`` resume a schedule."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import optim
from funcgrad.optim import lr_scheduler as fls

try:
    import torch
    tls = torch.optim.lr_scheduler
except ImportError:  # the parity tests need PyTorch; the others run without it
    torch = tls = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
STEPS = 45


def _optimizers(kind="SGD", lrs=(0.1, 0.03), **kw):
    """The same two-group optimizer in both libraries."""
    mine = [fg.tensor([1.0, 2.0], requires_grad=True), fg.tensor([3.0], requires_grad=True)]
    theirs = [torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0], requires_grad=True)]
    groups = lambda ps: [{"params": [ps[0]], "lr": lrs[0]}, {"params": [ps[1]], "lr": lrs[1]}]  # noqa: E731
    return getattr(optim, kind)(groups(mine), **kw), getattr(torch.optim, kind)(groups(theirs), **kw)


def _run(make, kind="SGD", steps=STEPS, metrics=None, **kw):
    """Learning rates (and momenta) after each of ``steps`` steps, from both libraries."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for opt, lib in zip(_optimizers(kind, **kw), (fls, tls)):
            sched = make(lib, opt)
            trace = [list(sched.get_last_lr())]
            for k in range(steps):
                opt.step()
                sched.step() if metrics is None else sched.step(metrics[k])
                trace.append(list(sched.get_last_lr()) + [g["lr"] for g in opt.param_groups]
                             + [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups])
            out.append(trace)
    return out


SCHEDULERS = {
    "StepLR": lambda L, o: L.StepLR(o, step_size=4, gamma=0.7),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[3, 8, 8, 20], gamma=0.5),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "CosineAnnealingLR-past-T_max": lambda L, o: L.CosineAnnealingLR(o, T_max=7),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5),
    "CosineAnnealingWarmRestarts-T_mult": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2,
                                                                                      eta_min=0.002),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=12),
    "LinearLR-decay": lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=30),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.4, total_iters=6),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=20, power=2.0),
    "PolynomialLR-linear": lambda L, o: L.PolynomialLR(o, total_iters=40),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-per-group": lambda L, o: L.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: 0.9 ** (e // 3)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.97),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS),
    "OneCycleLR-linear-three-phase": lambda L, o: L.OneCycleLR(o, max_lr=0.8, epochs=5, steps_per_epoch=9,
                                                               anneal_strategy="linear", three_phase=True,
                                                               pct_start=0.25, div_factor=10.0),
    "SequentialLR": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, total_iters=5),
                                                   L.CosineAnnealingLR(o, T_max=15),
                                                   L.ExponentialLR(o, gamma=0.9)], milestones=[5, 20]),
    "SequentialLR-step-and-multiplicative": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.5, total_iters=3), L.MultiplicativeLR(o, lambda e: 0.9),
            L.StepLR(o, step_size=5, gamma=0.5)], milestones=[4, 15]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, factor=0.3, total_iters=4),
                                                         L.ExponentialLR(o, gamma=0.95),
                                                         L.MultiStepLR(o, milestones=[10, 30])]),
}


def _assert_same(mine, theirs):
    assert len(mine) == len(theirs)
    for k, (a, b) in enumerate(zip(mine, theirs)):
        np.testing.assert_allclose(np.array(a, float), np.array(b, float), rtol=1e-12, atol=1e-15,
                                   err_msg=f"step {k}")


@needs_torch
@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_learning_rates_match_torch(name):
    _assert_same(*_run(SCHEDULERS[name]))


@needs_torch
def test_one_cycle_cycles_adam_betas_and_sgd_momentum():
    make = lambda L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=40, base_momentum=0.8, max_momentum=0.9)  # noqa
    mine, theirs = _run(make, kind="Adam", steps=40)
    _assert_same(mine, theirs)
    assert mine[10][-1] != mine[0][-1]  # beta1 moved
    _assert_same(*_run(make, kind="SGD", steps=40, momentum=0.9))
    with pytest.raises(ValueError, match="momentum or beta1"):
        fls.OneCycleLR(optim.Adagrad([fg.tensor([1.0], requires_grad=True)]), max_lr=1.0, total_steps=5)
    opt = optim.SGD([fg.tensor([1.0], requires_grad=True)], momentum=0.9)
    sched = fls.OneCycleLR(opt, max_lr=1.0, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        sched.step()


PLATEAU = [dict(), dict(mode="max", factor=0.5, patience=2, threshold=0.01, threshold_mode="abs"),
           dict(patience=1, cooldown=3, min_lr=[0.01, 0.02], factor=0.3),
           dict(patience=0, threshold=0.1, eps=1e-3, min_lr=0.005, factor=0.5)]


@needs_torch
@pytest.mark.parametrize("kw", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau_matches_torch(kw):
    rng = np.random.default_rng(0)
    metrics = list(np.repeat(rng.uniform(0.5, 1.5, 12), 4)) + [1.0] * 10
    mine, theirs = _run(lambda L, o: L.ReduceLROnPlateau(o, **kw), metrics=metrics, steps=len(metrics))
    _assert_same(mine, theirs)
    assert mine[-1][0] < mine[0][0]  # it did reduce


@needs_torch
@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
                                  "ConstantLR", "PolynomialLR", "LambdaLR", "CosineAnnealingWarmRestarts"])
def test_deprecated_step_with_epoch_matches_torch(name):
    epochs = [0, 3, 4, 9, 2, 15, 7, 30, 31, 12] if name != "CosineAnnealingWarmRestarts" else \
        [0, 2.5, 4, 9.25, 3, 17, 6.5, 31]
    out = []
    for opt, lib in zip(_optimizers(), (fls, tls)):
        sched = SCHEDULERS[name](lib, opt)
        trace = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for e in epochs:
                sched.step(e)
                trace.append(list(sched.get_last_lr()))
                sched.step()
                trace.append(list(sched.get_last_lr()))
        out.append(trace)
    _assert_same(*out)


@needs_torch
@pytest.mark.parametrize("name", ["StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "PolynomialLR",
                                  "MultiplicativeLR", "CosineAnnealingWarmRestarts-T_mult"])
def test_resuming_with_last_epoch_matches_torch(name):
    out = []
    for opt, lib in zip(_optimizers(), (fls, tls)):
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
        sched = _with_last_epoch(SCHEDULERS[name], lib, opt, 7)
        trace = [list(sched.get_last_lr())]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(20):
                opt.step()
                sched.step()
                trace.append(list(sched.get_last_lr()))
        out.append(trace)
    _assert_same(*out)


def _with_last_epoch(make, lib, opt, last_epoch):
    """The scheduler ``make`` builds, resumed at ``last_epoch``."""
    class Shim:
        def __getattr__(self, name):
            cls = getattr(lib, name)
            return lambda *a, **k: cls(*a, last_epoch=last_epoch, **k)
    return make(Shim(), opt)


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "SequentialLR", "ChainedScheduler",
                                  "LambdaLR", "CosineAnnealingWarmRestarts-T_mult",
                                  "SequentialLR-step-and-multiplicative"])
def test_state_dict_resumes_a_schedule(name):
    make = SCHEDULERS[name]

    def fresh():
        return optim.SGD([{"params": [fg.tensor([1.0], requires_grad=True)], "lr": 0.1},
                          {"params": [fg.tensor([2.0], requires_grad=True)], "lr": 0.05}], momentum=0.9)

    opt = fresh()
    sched = make(fls, opt)
    straight = []
    for k in range(30):
        opt.step()
        sched.step()
        straight.append(sched.get_last_lr())
        if k == 11:
            saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    opt2 = fresh()
    sched2 = make(fls, opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    resumed = []
    for _ in range(18):
        opt2.step()
        sched2.step()
        resumed.append(sched2.get_last_lr())
    assert resumed == straight[12:]


def test_reduce_lr_on_plateau_state_dict_and_errors():
    opt = optim.SGD([fg.tensor([1.0], requires_grad=True)], lr=1.0)
    s = fls.ReduceLROnPlateau(opt, patience=1)
    for m in [1.0, 1.0]:
        s.step(m)
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["num_bad_epochs"] == 1
    s2 = fls.ReduceLROnPlateau(optim.SGD([fg.tensor([1.0], requires_grad=True)], lr=1.0), patience=1)
    s2.load_state_dict(sd)
    s2.step(fg.tensor(1.0))  # a one-element tensor works as the metric
    assert s2.get_last_lr() == [0.1]
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        fls.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="unknown"):
        fls.ReduceLROnPlateau(opt, mode="best")
    with pytest.raises(ValueError, match="min_lrs"):
        fls.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])


def test_scheduler_errors_and_base_behaviour():
    opt = optim.SGD([fg.tensor([1.0], requires_grad=True)], lr=0.5)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        fls.StepLR(object(), step_size=1)
    with pytest.raises(KeyError, match="initial_lr"):
        fls.StepLR(opt, step_size=1, last_epoch=3)
    with pytest.raises(ValueError, match="between 0 and 1"):
        fls.ConstantLR(opt, factor=2.0)
    with pytest.raises(ValueError, match="T_0"):
        fls.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="total_steps OR"):
        fls.OneCycleLR(opt, max_lr=1.0)
    a = fls.StepLR(opt, step_size=1)
    other = optim.SGD([fg.tensor([1.0], requires_grad=True)], lr=0.5)
    with pytest.raises(ValueError, match="same optimizer"):
        fls.SequentialLR(opt, [a, fls.StepLR(other, step_size=1)], milestones=[2])
    with pytest.raises(ValueError, match="one more"):
        fls.SequentialLR(opt, [a], milestones=[2])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        fls.ChainedScheduler([a, fls.ReduceLROnPlateau(opt)])
    assert a.base_lrs == [0.5] and a.last_epoch == 0 and opt.param_groups[0]["initial_lr"] == 0.5
    sd = a.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 0
    with pytest.warns(UserWarning, match="epoch parameter"):
        a.step(3)
    assert math.isclose(a.get_last_lr()[0], 0.5 * 0.1 ** 3)
    assert isinstance(a, fls.LRScheduler)


def test_lambda_state_dict_keeps_callable_objects_state():
    class Warmup:
        def __init__(self):
            self.scale = 0.5

        def __call__(self, epoch):
            return self.scale * (epoch + 1)

    opt = optim.SGD([fg.tensor([1.0], requires_grad=True)], lr=1.0)
    fn = Warmup()
    s = fls.LambdaLR(opt, fn)
    fn.scale = 0.25
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [{"scale": 0.25}]
    other = Warmup()
    s2 = fls.LambdaLR(optim.SGD([fg.tensor([1.0], requires_grad=True)], lr=1.0), other)
    s2.load_state_dict(sd)
    assert other.scale == 0.25 and s2.last_epoch == 0
    plain = fls.LambdaLR(opt, lambda e: 1.0)
    assert plain.state_dict()["lr_lambdas"] == [None]
