"""JAX programs that failed on funcgrad: the standard library's dict kinds as pytree nodes (a module's state_dict is
an OrderedDict), the bitwise operators and ``sort`` of traced values. Results against NumPy, or JAX where
installed."""
import collections

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def test_ordered_dicts_keep_their_order_and_differentiate():
    od = collections.OrderedDict([("b", np.ones(2)), ("a", np.arange(2.0))])
    g = fg.grad(lambda p: fnp.sum(p["a"] * p["b"]))(od)
    assert type(g) is collections.OrderedDict and list(g) == ["b", "a"]
    np.testing.assert_array_equal(g["b"], od["a"])
    np.testing.assert_array_equal(g["a"], od["b"])
    leaves, td = fg.tree.flatten(od)
    assert [x.tolist() for x in leaves] == [[1.0, 1.0], [0.0, 1.0]]  # insertion order, as JAX
    assert list(fg.tree.unflatten(td, leaves)) == ["b", "a"]
    np.testing.assert_array_equal(fg.jit(lambda p: p["a"] * 2)(od), [0.0, 2.0])


def test_a_module_state_dict_is_a_pytree():
    from funcgrad import nn
    sd = nn.Linear(3, 2).state_dict()
    zeros = fg.tree.map(lambda v: v * 0, sd)
    assert type(zeros) is type(sd) and list(zeros) == ["weight", "bias"]
    assert tuple(zeros["weight"].shape) == (2, 3) and float(zeros["bias"].abs().sum()) == 0.0


def test_defaultdicts_keep_their_factory():
    dd = collections.defaultdict(list, {"y": np.ones(1), "x": 2 * np.ones(1)})
    out = fg.tree.map(lambda v: v + 1, dd)
    assert type(out) is collections.defaultdict and out.default_factory is list
    assert out["x"].tolist() == [3.0] and out["y"].tolist() == [2.0] and out["z"] == []


@pytest.mark.parametrize("f", [
    lambda x: fnp.where((x > 0) & (x < 1), x, 0.0),
    lambda x: fnp.where(~(x > 0) | (x > 1), x, 0.0),
    lambda x: fnp.where((x > 0) ^ (x < 1), x * x, -x),
], ids=["and", "invert_or", "xor"])
def test_bitwise_operators_of_traced_values(f):
    x = np.array([-0.5, 0.5, 2.0, 0.25])
    want = f(x)
    np.testing.assert_array_equal(fg.jit(f)(x), want)
    np.testing.assert_array_equal(fg.vmap(f)(x), want)
    h = 1e-6
    fd = (f(x + h) - f(x - h)) / (2 * h)  # away from the mask's edges the gradient is the branch's
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(x), fd, atol=1e-6)


def test_shifts_of_traced_integers():
    i = np.array([4, 5, 7])
    np.testing.assert_array_equal(fg.jit(lambda i: (i << 1) | (i >> 1) & 3)(i), (i << 1) | (i >> 1) & 3)


def test_sort_method_of_a_traced_value_returns_the_sorted_copy():
    g = fg.grad(lambda x: fnp.sum(x.sort()[:2] * np.array([1.0, 10.0])))(np.array([3.0, 1.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 10.0])
