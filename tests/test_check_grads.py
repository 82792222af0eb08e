"""check_grads must be able to fail: it rejects deliberately wrong first- and second-order rules."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import Primitive
from funcgrad.testing import check_grads

X = (np.linspace(-1.0, 1.0, 5),)


def _prim(name, impl):
    return Primitive(name, impl, register=False)


def test_wrong_first_order_rule_is_rejected():
    bad_sin = _prim("bad_sin", np.sin)
    bad_sin.def_vjp(lambda g, ans, x: g * fnp.sin(x))  # should be cos
    with pytest.raises(AssertionError, match="order-1"):
        check_grads(bad_sin, X, order=1, modes=("rev",))


def test_wrong_second_order_rule_is_rejected_only_at_order_two():
    my_cos = _prim("my_cos", np.cos)
    my_cos.def_vjp(lambda g, ans, x: g * fnp.sin(x))  # sign error: d cos = -sin
    my_sin = _prim("my_sin", np.sin)
    my_sin.def_vjp(lambda g, ans, x: g * my_cos(x))
    check_grads(my_sin, X, order=1, modes=("rev",))  # first derivatives are right
    with pytest.raises(AssertionError, match="order-1 derivative mismatch"):
        check_grads(my_sin, X, order=2, modes=("rev",))  # the VJP's own VJP is wrong


def test_a_correct_rule_passes_to_third_order():
    good = _prim("good_sin", np.sin)
    cos = _prim("good_cos", np.cos)
    good.def_vjp(lambda g, ans, x: g * cos(x))
    cos.def_vjp(lambda g, ans, x: -(g * good(x)))
    check_grads(good, X, order=3, modes=("rev",))


def test_mutating_an_input_is_caught():
    def mutating(x):
        x[...] = 0.0  # a plain array: f was handed the caller's buffer by the finite-difference probe
        return x

    mut = _prim("mutating", mutating)
    mut.def_vjp(lambda g, ans, x: g)
    with pytest.raises(AssertionError, match="modified"):
        check_grads(mut, (np.ones(3),), order=1, modes=("rev",))


def test_gradients_never_alias_even_when_a_rule_returns_one_buffer_twice():
    shared = {}

    def rule(g, ans, x, y):
        return shared.setdefault("g", g * 1.0)

    alias_add = _prim("alias_add", np.add)
    alias_add.def_vjp(rule, rule)
    check_grads(alias_add, (np.ones(3), np.ones(3)), order=1, modes=("rev",))  # includes the no-shared-memory check
    out, f_vjp = fg.vjp(alias_add, np.ones(3), np.ones(3))
    gx, gy = f_vjp(np.ones(3))
    assert not np.shares_memory(gx, gy)


def test_wrong_jvp_rule_is_rejected_against_finite_differences_and_the_vjp():
    sin_p = _prim("jvp_sin", np.sin)
    cos_p = _prim("jvp_cos", np.cos)
    sin_p.def_vjp(lambda g, ans, x: g * cos_p(x))
    cos_p.def_vjp(lambda g, ans, x: -(g * sin_p(x)))
    sin_p.def_jvp(lambda t, ans, x: t * cos_p(x))
    cos_p.def_jvp(lambda t, ans, x: -(t * sin_p(x)))
    check_grads(sin_p, X, order=2)  # both modes right
    bad = _prim("bad_jvp_sin", np.sin)
    bad.def_vjp(lambda g, ans, x: g * cos_p(x))
    bad.def_jvp(lambda t, ans, x: t * sin_p(x))  # wrong
    with pytest.raises(AssertionError, match="JVP vs finite differences"):
        check_grads(bad, X, order=1)
