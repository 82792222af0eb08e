"""The containers of ``funcgrad.nn`` (``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``,
``ParameterDict``) and the reprs of module trees, as PyTorch has them (no torch needed: the parity tests against torch
are in test_nn_module_torch.py).
"""
from collections import OrderedDict

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.Identity()
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer("steps", fg.zeros(()))  # buffers are not in the repr


# --- containers ---------------------------------------------------------------------------------------------------
def test_sequential():
    a, b, c = nn.Linear(2, 3), nn.Identity(), nn.Linear(3, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and list(s) == [a, b, c] and s[0] is a and s[-1] is c
    assert s(fg.ones(5, 2)).shape == (5, 1)
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    part = s[1:]
    assert type(part) is nn.Sequential and list(part._modules) == ["1", "2"] and part[0] is b
    named = nn.Sequential(OrderedDict([("fc", a), ("id", b)]))
    assert named.fc is a and list(named._modules) == ["fc", "id"]
    assert list((s + named)._modules) == ["0", "1", "2", "3", "4"]
    assert len(s * 2) == 6 and len(2 * s) == 6
    s.append(nn.Flatten())
    s.insert(1, nn.Identity())
    assert [type(m).__name__ for m in s] == ["Linear", "Identity", "Identity", "Linear", "Flatten"]
    assert s.pop(1).__class__ is nn.Identity and list(s._modules) == ["0", "1", "2", "3"]
    del s[0]
    assert list(s._modules) == ["0", "1", "2"] and s[0] is b
    s[0] = nn.Flatten()
    assert isinstance(s[0], nn.Flatten)
    s.extend([nn.Identity()])
    s += nn.Sequential(nn.Identity())
    assert len(s) == 5
    del s[1:3]
    assert len(s) == 3 and list(s._modules) == ["0", "1", "2"]
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        s + [nn.Identity()]
    with pytest.raises(IndexError, match="Index out of range"):
        s.insert(10, nn.Identity())


def test_module_list_and_module_dict():
    layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    assert type(layers[1:]) is nn.ModuleList and list(layers[1:]._modules) == ["0", "1"]
    layers.append(nn.Identity()).extend([nn.Identity()])
    layers.insert(0, nn.Flatten())
    assert isinstance(layers[0], nn.Flatten) and len(layers) == 6
    first = layers.pop(0)
    assert isinstance(first, nn.Flatten) and list(layers._modules) == [str(i) for i in range(5)]
    layers[-1] = nn.Linear(2, 2)
    assert layers[4].in_features == 2
    layers += [nn.Identity()]
    assert len(layers + [nn.Identity()]) == 7
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        layers.extend(nn.Linear(1, 1).weight.shape[0])
    with pytest.raises(NotImplementedError):
        layers(1)

    d = nn.ModuleDict({"b": nn.Identity(), "a": nn.Linear(1, 1)})
    assert list(d) == ["b", "a"] and list(d.keys()) == ["b", "a"] and "a" in d and len(d) == 2
    d["c"] = nn.Flatten()
    d.update([("e", nn.Identity())])
    assert [k for k, _ in d.items()] == ["b", "a", "c", "e"] and len(list(d.values())) == 4
    assert isinstance(d.pop("c"), nn.Flatten) and "c" not in d
    del d["e"]
    assert [n for n, _ in d.named_parameters()] == ["a.weight", "a.bias"]
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        d.update([("x",)])
    d.clear()
    assert len(d) == 0


def test_parameter_list_and_parameter_dict():
    pl = nn.ParameterList([fg.ones(2), nn.Parameter(fg.zeros(3)), "note"])
    assert len(pl) == 3 and type(pl[0]) is nn.Parameter and pl[2] == "note"
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
    assert type(pl[0:2]) is nn.ParameterList and pl[0:2][1] is pl[1]
    pl.append(fg.ones(1))
    pl[0] = fg.full((2,), 5.0)
    assert float(pl[0][0]) == 5.0 and isinstance(pl[0], nn.Parameter) and len(list(pl)) == 4
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an iterable"):
        pl.extend(fg.ones(2))
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        pl()

    pd = nn.ParameterDict({"b": fg.ones(1), "a": fg.ones(2)})
    assert list(pd) == ["a", "b"] and type(pd["a"]) is nn.Parameter  # a plain dict's keys come sorted
    pd["c"] = fg.zeros(1)
    assert list(pd.keys()) == ["a", "b", "c"] and "c" in pd and len(pd) == 3
    assert pd.get("z") is None and pd.setdefault("z", fg.ones(1)).shape == (1,)
    assert pd.pop("z").shape == (1,) and pd.popitem()[0] == "c"
    assert list(reversed(pd)) == ["b", "a"] and list(pd.copy()) == ["a", "b"]
    merged = pd | nn.ParameterDict({"d": fg.ones(1)})
    assert list(merged) == ["a", "b", "d"] and merged["a"] is pd["a"]
    assert [n for n, _ in pd.named_parameters()] == ["a", "b"]
    with pytest.raises(TypeError, match="not a string"):
        pd[1] = fg.ones(1)
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        pd()
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []


# --- reprs --------------------------------------------------------------------------------------------------------
def test_reprs():
    assert repr(nn.Linear(3, 4, bias=False)) == "Linear(in_features=3, out_features=4, bias=False)"
    assert repr(nn.Identity()) == "Identity()" and repr(nn.Sequential()) == "Sequential()"
    assert repr(nn.Flatten(0, 2)) == "Flatten(start_dim=0, end_dim=2)"
    assert repr(nn.Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"
    assert repr(Net()) == ("Net(\n  (fc1): Linear(in_features=3, out_features=4, bias=True)\n  (act): Identity()\n"
                           "  (fc2): Linear(in_features=4, out_features=2, bias=True)\n)")
    nested = nn.Sequential(nn.Sequential(nn.Identity()), nn.ModuleList([nn.Identity(), nn.Identity()]))
    assert repr(nested) == ("Sequential(\n  (0): Sequential(\n    (0): Identity()\n  )\n  (1): ModuleList(\n"
                            "    (0-1): 2 x Identity()\n  )\n)")
    assert repr(nn.ParameterDict({"w": fg.ones(2, 3, dtype=np.float64)})) == \
        "ParameterDict(  (w): Parameter containing: [funcgrad.DoubleTensor of size 2x3])"

    class Two(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"
    assert repr(Two()) == "Two(\n  a=1\n  b=2\n)"
