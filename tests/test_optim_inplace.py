"""The optimizers' in-place fast path (``funcgrad/optim/_fused.py``): it gives bitwise the results of the general
path (the kernels of ``functional.py``, whose parity with PyTorch ``test_optim.py`` checks), it is taken where it
should be, and it never changes an array someone else holds (a NumPy view, a graph recorded before the step);
a detached alias takes the new value (PyTorch's shared storage), by rebinding, not by a write into the old array.
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.optim.adam as adam_module
import funcgrad.optim.functional as functional_module
from funcgrad import optim
from funcgrad.optim import functional as fopt
from funcgrad.optim._fused import BLOCK, exclusive

CASES = [
    ("plain", {}),
    ("l2", {"weight_decay": 0.1}),
    ("amsgrad_maximize", {"amsgrad": True, "maximize": True, "weight_decay": 0.05}),
    ("small_beta1", {"betas": (0.3, 0.9)}),  # _lerp's other branch (weight >= 0.5)
]


def _grads(shapes, step, dtype):
    """Gradients; the 2-D ones in Fortran order, as a weight's gradient often is (the transpose of a product)."""
    rng = np.random.default_rng(step)
    gs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    return [np.asfortranarray(g) if g.ndim == 2 else g for g in gs]


def _run(cls, kw, dtype, keep_alias, steps=4):
    # one array spans several blocks, with a partial last block; one is 0-d
    shapes = [(BLOCK * 2 + 37,), (3, 5), ()]
    rng = np.random.default_rng(0)
    params = [fg.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]
    opt = cls(params, lr=0.01, **kw)
    aliases = []
    for t in range(steps):
        for p, g in zip(params, _grads(shapes, t, dtype)):
            p.grad = fg.tensor(g)
        if keep_alias:  # someone holds every parameter's array: the general path must run
            aliases.append([p.detach().numpy() for p in params])
        opt.step()
    return [p.detach().numpy().copy() for p in params], opt, aliases


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case,kw", CASES, ids=[c[0] for c in CASES])
def test_in_place_path_is_bitwise_the_general_path(monkeypatch, cls, dtype, case, kw):
    calls = []
    real = adam_module.adam_update
    monkeypatch.setattr(adam_module, "adam_update", lambda *a, **k: calls.append(1) or real(*a, **k))
    fast, opt, _ = _run(cls, kw, dtype, keep_alias=False)
    assert len(calls) == 4 * 3  # every parameter, every step
    calls.clear()
    slow, slow_opt, aliases = _run(cls, kw, dtype, keep_alias=True)
    assert not calls
    for a, b in zip(fast, slow):
        assert a.dtype == dtype and np.array_equal(a, b)
    for sa, sb in zip(opt.state.values(), slow_opt.state.values()):
        for k in sa:
            assert np.array_equal(sa[k].numpy(), sb[k].numpy()), k
    # the held arrays kept the values of their time
    assert not np.array_equal(aliases[0][1], aliases[-1][1])


def test_values_held_elsewhere_are_never_written():
    w = fg.tensor([1.0, -2.0, 3.0], dtype=fg.float64, requires_grad=True)
    opt = optim.Adam([w], lr=0.5)
    (w * w).sum().backward()
    before = w.detach()                       # an alias: it follows the step, as torch's shared storage
    view = w.detach().numpy()[1:]             # a NumPy view of it
    x = fg.tensor([1.0, 1.0, 1.0], dtype=fg.float64, requires_grad=True)
    pending = (w * x).sum()                   # a graph that saved w's value
    opt.step()
    assert view.tolist() == [-2.0, 3.0]
    assert w.tolist() != [1.0, -2.0, 3.0] and before.tolist() == w.tolist()
    pending.backward()
    assert x.grad.tolist() == [1.0, -2.0, 3.0]  # the gradient of the recorded graph uses the old w
    del before, view, pending
    old = w.tolist()
    w.grad = fg.ones(3, dtype=fg.float64)
    assert exclusive(w) is not None           # nothing holds it now: the next step writes in place
    opt.step()
    assert w.tolist() != old and w.is_leaf and w.requires_grad


def test_exclusive_refuses_views_and_foreign_arrays():
    base = fg.zeros(6)
    assert exclusive(base) is not None
    assert exclusive(fg.tensor(np.zeros(6))[::2]) is None          # not contiguous
    assert exclusive(fg.tensor(np.zeros(4, dtype=np.int64))) is None  # not floating
    held = fg.zeros(3)
    alias = held._v
    assert exclusive(held) is None
    del alias
    assert exclusive(held) is not None


@pytest.mark.parametrize("case,kw", [("plain", {}), ("amsgrad_decay", {"amsgrad": True, "weight_decay": 0.1})])
def test_functional_adam_host_path_is_bitwise_the_kernel(monkeypatch, case, kw):
    shapes = [(BLOCK + 5,), (4, 3)]
    rng = np.random.default_rng(1)
    params = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    copies = [a.copy() for a in params]

    def run():
        opt = fopt.adamw(lr=0.01, **kw) if case != "plain" else fopt.adam(lr=0.01)
        p, s = params, opt.init(params)
        for t in range(3):
            p, s = opt.update(_grads(shapes, t, np.float32), s, p)
        return p, s

    fast, fs = run()
    monkeypatch.setattr(functional_module, "scalars", lambda *a: False)  # force the kernel
    slow, ss = run()
    for a, b in zip(fast, slow):
        assert np.array_equal(a, b)
    for a, b in zip(fs.exp_avg_sq + (fs.max_exp_avg_sq or []), ss.exp_avg_sq + (ss.max_exp_avg_sq or [])):
        assert np.array_equal(a, b)
    assert all(np.array_equal(a, b) for a, b in zip(params, copies))  # a pure update: the inputs are untouched
