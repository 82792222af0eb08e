"""HIPS autograd's and JAX's rule-writing API beyond grad: elementwise_grad, defvjp/defjvp with argnums,
defvjp_argnum/defjvp_argnum, custom_jvp.defjvps, and SciPy's args= for odeint. Values are checked against
closed-form derivatives and finite differences (an independent derivation), and against HIPS autograd where it is
installed."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.scipy.integrate import odeint

X = np.linspace(-2.0, 2.0, 7)


def test_elementwise_grad_is_each_outputs_derivative_by_its_input_to_any_order():
    t = np.tanh(X)
    np.testing.assert_allclose(fg.elementwise_grad(fnp.tanh)(X), 1 - t ** 2, rtol=1e-13)
    np.testing.assert_allclose(fg.elementwise_grad(fg.elementwise_grad(fnp.tanh))(X), -2 * t * (1 - t ** 2),
                               rtol=1e-12, atol=1e-15)
    gx, gy = fg.elementwise_grad(lambda x, y: x * fnp.sin(y), argnums=(0, 1))(X, X)
    np.testing.assert_allclose(gx, np.sin(X))
    np.testing.assert_allclose(gy, X * np.cos(X))
    np.testing.assert_allclose(fg.elementwise_grad(lambda x, *, k: x ** k)(X, k=3), 3 * X ** 2)


def test_elementwise_grad_matches_hips_autograd():
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    want = autograd.elementwise_grad(autograd.elementwise_grad(lambda x: anp.exp(-x ** 2) * anp.sin(x)))(X)
    got = fg.elementwise_grad(fg.elementwise_grad(lambda x: fnp.exp(-x ** 2) * fnp.sin(x)))(X)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_defvjp_and_defjvp_with_argnums_place_the_rules_and_refuse_the_rest():
    f = fg.primitive(lambda x, y: x * y ** 2)
    fg.defvjp(f, lambda ans, x, y: lambda g: g * 2 * x * y, argnums=[1])
    fg.defjvp(f, lambda g, ans, x, y: g * 2 * x * y, argnums=[1])
    assert float(fg.grad(f, argnums=1)(3.0, 2.0)) == 12.0
    assert float(fg.jvp(lambda y: f(3.0, y), (2.0,), (1.0,))[1]) == 12.0
    with pytest.raises(NotImplementedError, match=r"no VJP rule for argument 0 \(argnums left it out\)"):
        fg.grad(f, argnums=0)(3.0, 2.0)
    with pytest.raises(NotImplementedError, match=r"no JVP rule for argument 0"):
        fg.jvp(lambda x: f(x, 2.0), (3.0,), (1.0,))
    with pytest.raises(TypeError, match=r"argnums=\[0, 1\] must list one non-negative position per rule"):
        fg.defvjp(f, lambda ans, x, y: lambda g: g, argnums=[0, 1])


def test_defvjp_argnum_and_defjvp_argnum_serve_every_argument():
    prod3 = fg.primitive(lambda x, y, z: x * y * z)
    fg.defvjp_argnum(prod3, lambda i, ans, args, kw: lambda g: g * ans / args[i])
    fg.defjvp_argnum(prod3, lambda i, g, ans, args, kw: g * ans / args[i])
    a = (2.0, 3.0, 5.0)
    assert tuple(float(v) for v in fg.grad(prod3, argnums=(0, 1, 2))(*a)) == (15.0, 10.0, 6.0)
    assert float(fg.jvp(prod3, a, (1.0, 1.0, 1.0))[1]) == 31.0
    h = fg.hessian(lambda v: prod3(v[0], v[1], v[2]))(np.array(a))  # the rules are funcgrad ops: second order
    np.testing.assert_allclose(h, [[0, 5, 3], [5, 0, 2], [3, 2, 0]])


def test_custom_jvp_defjvps_sums_one_rule_per_argument():
    f = fg.custom_jvp(lambda x, y: x * fnp.sin(y))
    f.defjvps(lambda t, ans, x, y: t * fnp.sin(y), None)  # y's share left out on purpose: the rule is used
    gx, gy = fg.grad(f, argnums=(0, 1))(2.0, 0.5)
    assert float(gx) == pytest.approx(np.sin(0.5)) and float(gy) == 0.0
    g = fg.custom_jvp(lambda x, y: x * fnp.sin(y))
    g.defjvps(lambda t, ans, x, y: t * fnp.sin(y), lambda t, ans, x, y: t * x * fnp.cos(y))
    np.testing.assert_allclose(fg.vmap(fg.grad(g, argnums=1))(X, X), X * np.cos(X))
    with pytest.raises(TypeError, match=r"defjvps: 1 rule\(s\) for 2 differentiated argument\(s\)"):
        h = fg.custom_jvp(lambda x, y: x * y)
        h.defjvps(lambda t, ans, x, y: t * y)
        fg.jvp(h, (1.0, 2.0), (1.0, 1.0))


def test_odeint_takes_scipys_args_keyword_and_differentiates_through_it():
    t = np.linspace(0.0, 1.0, 4)
    f = lambda y, t, k, c: -k * y + c  # noqa: E731
    np.testing.assert_allclose(odeint(f, 1.0, t, args=(2.0, 0.0)), np.exp(-2 * t), rtol=1e-7)
    np.testing.assert_allclose(odeint(f, 1.0, t, args=(2.0, 0.0)), odeint(f, 1.0, t, 2.0, 0.0))
    dk = fg.grad(lambda k: odeint(f, 1.0, t, args=(k, 0.0))[-1])(2.0)
    np.testing.assert_allclose(dk, -np.exp(-2.0), rtol=1e-6)
    with pytest.raises(TypeError, match="both after t and as args="):
        odeint(f, 1.0, t, 2.0, args=(0.0,))
