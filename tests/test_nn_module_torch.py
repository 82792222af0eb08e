"""``funcgrad.nn`` against torch.nn (skipped where torch is missing): ``Linear`` outputs and gradients with torch's
weights, state-dict keys both ways, the reprs of the same module trees, ``load_state_dict``'s messages, container
operations, and the gradients full backward hooks see. funcgrad spells shapes as tuples where torch prints
``torch.Size([...])``, and its type names with ``funcgrad.`` where torch's say ``torch.``; the comparisons translate.
"""
import re
from collections import OrderedDict

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn


def _np(t):
    return np.asarray(t.detach().numpy())


def _tree(mod, T):
    """The same module tree built from ``mod`` (torch.nn or funcgrad.nn) and tensors from ``T``."""
    class Block(mod.Module):
        def __init__(self):
            super().__init__()
            self.proj = mod.Linear(4, 4)
            self.register_buffer("scale", T.ones(4))
            self.register_buffer("tmp", T.ones(1), persistent=False)
            self.gain = mod.Parameter(T.ones(1))

        def forward(self, x):
            return self.proj(x) * self.scale * self.gain

    shared = mod.Linear(4, 4)
    return mod.Sequential(OrderedDict([
        ("inp", mod.Linear(3, 4)),
        ("blocks", mod.ModuleList([Block(), Block(), mod.Identity(), shared, shared])),
        ("heads", mod.ModuleDict({"a": mod.Linear(4, 2), "b": mod.Linear(4, 2, bias=False)})),
        ("flat", mod.Flatten(0, -1)),
        ("unflat", mod.Unflatten(0, (2, -1))),
        ("plist", mod.ParameterList([T.ones(2, 3), T.zeros(1)])),
        ("pdict", mod.ParameterDict({"w": T.ones(3), "v": T.ones(2, 2)})),
    ]))


def _torch_text(s: str) -> str:
    """torch's text in funcgrad's spelling: ``torch.Size([2, 3])`` as ``(2, 3)``, ``torch.`` as ``funcgrad.``."""
    s = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", lambda m: str(tuple(int(v) for v in m.group(1).split(",") if v)), s)
    return s.replace("torch.", "funcgrad.")


def test_parity_reprs_names_and_state_dict_keys():
    torch = pytest.importorskip("torch")
    t, f = _tree(torch.nn, torch), _tree(nn, fg)
    assert repr(f) == _torch_text(repr(t))
    assert [n for n, _ in f.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in f.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in t.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in f.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in f.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert list(f.state_dict()) == list(t.state_dict())
    assert dict(f.state_dict()._metadata) == dict(t.state_dict()._metadata)
    assert f.load_state_dict(t.state_dict()) == t.load_state_dict(t.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(_np(f.state_dict()[k]), v.numpy(), err_msg=k)
    # and back: funcgrad's state dict loads into torch
    t.load_state_dict({k: torch.tensor(_np(v)) for k, v in f.state_dict().items()})
    for build in (  # containers' reprs in their edge cases
            lambda m, T: m.ModuleList(), lambda m, T: m.ModuleDict(), lambda m, T: m.ParameterList(),
            lambda m, T: m.ParameterDict(), lambda m, T: m.ParameterList([T.ones(1)]),
            lambda m, T: m.Sequential(m.Linear(1, 1))[0:0], lambda m, T: m.Unflatten(1, [2, 2]),
            lambda m, T: m.ModuleList([m.Identity(), m.Linear(1, 1), m.Linear(1, 1), m.Identity()])):
        assert repr(build(nn, fg)) == _torch_text(repr(build(torch.nn, torch)))


def test_parity_linear_outputs_and_gradients_with_torchs_weights():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Flatten(0), torch.nn.Unflatten(0, (3, 7)),
                             torch.nn.Linear(7, 2)).double()
    fm = nn.Sequential(nn.Linear(5, 7), nn.Flatten(0), nn.Unflatten(0, (3, 7)), nn.Linear(7, 2)).double()
    assert list(fm.state_dict()) == list(tm.state_dict())
    fm.load_state_dict(tm.state_dict())
    x = np.random.default_rng(1).standard_normal((3, 5))
    tx, fx = torch.tensor(x, requires_grad=True), fg.tensor(x, requires_grad=True)
    ty, fy = tm(tx), fm(fx)
    np.testing.assert_allclose(_np(fy), ty.detach().numpy(), rtol=1e-12)
    ty.tanh().sum().backward()
    fg.tanh(fy).sum().backward()
    np.testing.assert_allclose(_np(fx.grad), tx.grad.numpy(), rtol=1e-10)
    for (name, tp), fp in zip(tm.named_parameters(), fm.parameters()):
        np.testing.assert_allclose(_np(fp.grad), tp.grad.numpy(), rtol=1e-10, err_msg=name)


def test_parity_load_state_dict_messages():
    torch = pytest.importorskip("torch")
    cases = [
        {"weight": np.ones((2, 2)), "foo": np.ones(1)},
        {"weight": np.ones((4, 3)), "bias": np.ones(4), "x.y": np.ones(1)},
        {"bias": np.ones(5)},
        {"weight": np.ones(3), "bias": np.ones(4)},
    ]
    for sd in cases:
        for strict in (True, False):
            msgs = []
            for module, T in ((torch.nn, torch), (nn, fg)):
                try:
                    keys = module.Linear(3, 4).load_state_dict({k: T.tensor(v) for k, v in sd.items()}, strict)
                    msgs.append(repr(keys))
                except RuntimeError as e:
                    msgs.append(str(e))
            assert msgs[1] == _torch_text(msgs[0]), (sd, strict)


def test_parity_container_operations():
    torch = pytest.importorskip("torch")

    def ops(m):
        s = m.Sequential(m.Linear(1, 2), m.Identity(), m.Linear(2, 3), m.Flatten())
        out = [repr(s[1:3]), repr(s[::2]), repr(s[-1])]
        del s[1]
        out.append(repr(s))
        s.insert(-1, m.Identity())
        s.append(m.Linear(3, 3))
        out += [repr(s), repr(s.pop(0)), repr(s + s[0:1]), repr(s * 2)]
        named = m.Sequential(OrderedDict([("a", m.Identity()), ("b", m.Linear(1, 1))]))
        out.append(repr(named[1:]))
        del named[0]
        out.append(repr(named))
        ml = m.ModuleList([m.Identity()] * 3)
        del ml[0]
        ml.insert(1, m.Linear(2, 2))
        out += [repr(ml), repr(ml[1:]), repr(m.ModuleDict({"z": m.Identity(), "a": m.Identity()}))]
        return out

    assert ops(nn) == ops(torch.nn)


def test_parity_full_backward_hook_gradients():
    torch = pytest.importorskip("torch")
    results = []
    for module, T in ((torch.nn, torch), (nn, fg)):
        m = module.Linear(3, 2).double()
        m.load_state_dict({"weight": T.tensor(np.arange(6.0).reshape(2, 3)), "bias": T.tensor([1.0, -1.0])})
        got = []
        m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
        m.register_full_backward_hook(lambda mod, gi, go: got.append([np.array(g.detach().numpy()) for g in
                                                                       gi + go]))
        x = T.tensor(np.linspace(0, 1, 12).reshape(4, 3), requires_grad=True)
        (m(x) ** 2).sum().backward()
        results.append(got[0] + [np.array(x.grad.numpy()), np.array(m.weight.grad.numpy())])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-12)
