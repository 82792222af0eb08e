"""Semantics of grad / value_and_grad / vjp: argnums, has_aux, pytrees, nesting, dtypes, aliasing."""
from collections import namedtuple

import numpy as np
import pytest

import _backend as B
import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import tree

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)


def test_grad_of_scalar_function_matches_derivative():
    x = np.linspace(-2, 2, 7)
    for xi, xb in zip(x, B.asarray(x)):  # xb: a NumPy scalar, or a 0-d device array on a device backend
        assert np.isclose(B.to_numpy(fg.grad(lambda t: fnp.sin(t) * t)(xb)), np.cos(xi) * xi + np.sin(xi))


def test_argnums_int_tuple_and_negative():
    f = lambda a, b, c: a * b * b + c  # noqa: E731
    a, b, c = 2.0, 3.0, 5.0
    assert np.isclose(fg.grad(f)(a, b, c), b * b)
    assert np.isclose(fg.grad(f, argnums=1)(a, b, c), 2 * a * b)
    ga, gc = fg.grad(f, argnums=(0, 2))(a, b, c)
    assert np.isclose(ga, b * b) and np.isclose(gc, 1.0)
    assert np.isclose(fg.grad(f, argnums=-1)(a, b, c), 1.0)
    with pytest.raises(ValueError, match="argnums"):
        fg.grad(f, argnums=3)(a, b, c)


def test_non_differentiated_arguments_may_be_integers():
    f = lambda x, n: x ** n  # noqa: E731
    assert np.isclose(fg.grad(f)(2.0, 3), 12.0)


def test_value_and_grad_and_has_aux():
    f = lambda x: (fnp.exp(x), {"twice": 2 * x})  # noqa: E731
    (v, aux), g = fg.value_and_grad(f, has_aux=True)(1.0)
    assert np.isclose(v, np.e) and np.isclose(g, np.e)
    assert np.isclose(aux["twice"], 2.0) and type(aux["twice"]) is not fg.core.Box
    g2, aux2 = fg.grad(f, has_aux=True)(1.0)
    assert np.isclose(g2, np.e) and np.isclose(aux2["twice"], 2.0)
    v3, g3 = fg.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    assert np.isclose(v3, 12.0) and np.allclose(g3, (4.0, 3.0))


def test_keyword_arguments_are_passed_through_and_not_differentiated():
    f = lambda x, scale=1.0: x * x * scale  # noqa: E731
    assert np.isclose(fg.grad(f)(3.0, scale=2.0), 12.0)


Params = namedtuple("Params", ["w", "b"])


class Pair:
    def __init__(self, first, second):
        self.first, self.second = first, second


tree.register_pytree_node(Pair, lambda p: ((p.first, p.second), None), lambda aux, ch: Pair(*ch))


def test_gradients_keep_the_pytree_structure():
    params = {"layers": [Params(w=B.asarray(np.ones((2, 2))), b=B.asarray(np.zeros(2))), None],
              "scale": (np.float64(2.0),), "pair": Pair(B.asarray([1.0, 2.0]), 3.0)}

    def g_of(p):
        layer = p["layers"][0]
        s = p["scale"][0]
        total = (layer.w[0, 0] * s) ** 2 + layer.b[1] * 3.0 + p["pair"].first[1] * p["pair"].second
        return total

    g = fg.grad(g_of)(params)
    assert isinstance(g["layers"][0], Params) and g["layers"][1] is None
    assert isinstance(g["pair"], Pair)
    B.assert_allclose(g["layers"][0].w, [[2 * 2.0 ** 2, 0], [0, 0]])
    B.assert_allclose(g["layers"][0].b, [0, 3.0])
    B.assert_allclose(g["scale"][0], 2 * 2.0 * 1.0)
    B.assert_allclose(g["pair"].first, [0, 3.0])
    B.assert_allclose(g["pair"].second, 2.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_dtype_and_shape_follow_the_input(dtype):
    x = B.asarray(np.linspace(0.1, 1.0, 6, dtype=dtype).reshape(2, 3))
    g = fg.grad(lambda x: (fnp.tanh(x) * 2.0)[0, 0] + (x * np.float64(1.5))[1, 2])(x)
    assert g.dtype == dtype and g.shape == x.shape and B.is_backend_array(g)


def test_python_and_numpy_scalars_give_float64_back():
    for x in (1.0, np.float64(1.0), B.asarray(np.array(1.0))):
        g = fg.grad(lambda t: t * t)(x)
        assert B.to_numpy(g).dtype == np.float64 and np.shape(B.to_numpy(g)) == ()
        assert type(g) is not fg.core.Box


def test_jacobians_and_hessian_of_python_scalars():
    # derivatives of x sin(x): sin + x cos, then 2 cos - x sin; the Jacobians of a scalar function are 0-d
    x = 1.0
    for jac in (fg.jacfwd, fg.jacrev):
        j = jac(lambda t: t * fnp.sin(t))(x)
        assert np.shape(B.to_numpy(j)) == () and np.isclose(B.to_numpy(j), np.sin(x) + x * np.cos(x))
    h = fg.hessian(lambda t: t * fnp.sin(t))(x)
    assert np.isclose(B.to_numpy(h), 2 * np.cos(x) - x * np.sin(x))
    jx, jy = fg.jacfwd(lambda a, b: a * b, argnums=(0, 1))(2.0, 3.0)
    assert (float(B.to_numpy(jx)), float(B.to_numpy(jy))) == (3.0, 2.0)


def test_output_that_does_not_depend_on_the_input_gives_zeros():
    x = B.asarray(np.ones(3, dtype=np.float32))
    g = fg.grad(lambda x: np.float32(2.0))(x)
    assert g.dtype == np.float32 and np.all(B.to_numpy(g) == 0) and B.is_backend_array(g)


def test_returned_gradients_never_share_memory():
    x, y = B.asarray(np.ones(3)), B.asarray(np.ones(3))
    gx, gy = fg.grad(lambda x, y: (x + y)[0] + (x + y)[1], argnums=(0, 1))(x, y)
    xp = fg.backend.namespace(gx)  # numpy.shares_memory cannot look at device arrays; their namespace can
    assert not xp.shares_memory(gx, gy)
    out, f_vjp = fg.vjp(lambda x: x, x)
    ct = B.asarray(np.arange(3.0))
    (gx,) = f_vjp(ct)
    assert not xp.shares_memory(gx, ct)
    gx[0] = 100.0  # gradients are the caller's to modify
    assert B.to_numpy(ct)[0] == 0.0


def test_vjp_with_pytree_outputs_and_repeated_calls():
    def f(a, b):
        return {"s": a * b, "t": (fnp.sin(a), None)}

    a, b = np.array([0.5, 1.0]), np.array([2.0, 3.0])
    out, f_vjp = fg.vjp(f, B.asarray(a), B.asarray(b))
    B.assert_allclose(out["s"], a * b)
    ct = {"s": B.asarray(np.ones(2)), "t": (B.asarray([1.0, 2.0]), None)}
    for _ in range(2):  # the tape is reusable
        da, db = f_vjp(ct)
        B.assert_allclose(da, b + np.cos(a) * [1.0, 2.0])
        B.assert_allclose(db, a)
    with pytest.raises(ValueError, match="shape"):
        f_vjp({"s": B.asarray(np.ones(3)), "t": (B.asarray(np.ones(2)), None)})
    with pytest.raises(ValueError, match="structure"):
        f_vjp(B.asarray(np.ones(2)))


def test_vjp_has_aux_and_protects_the_tape_from_later_writes():
    x = B.asarray([1.0, 2.0])
    out, f_vjp, aux = fg.vjp(lambda x: (x * x, x + 1.0), x, has_aux=True)
    B.assert_allclose(aux, [2.0, 3.0])
    x[:] = 100.0  # the caller reuses its buffer: the saved values must not change
    (g,) = f_vjp(B.asarray(np.ones(2)))
    B.assert_allclose(g, [2.0, 4.0])


def test_higher_order_derivatives():
    d2 = fg.grad(fg.grad(fnp.sin))(1.0)
    assert np.isclose(d2, -np.sin(1.0))
    d4 = fg.grad(fg.grad(fg.grad(fg.grad(fnp.sin))))(0.3)
    assert np.isclose(d4, np.sin(0.3))
    d3 = fg.grad(fg.grad(fg.grad(lambda x: x ** 4)))(2.0)
    assert np.isclose(d3, 24 * 2.0)


@pytest.mark.parametrize("x", [-1.5, 0.0, 2.0, 7.0])
def test_perturbation_confusion_is_avoided(x):
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 at any x
    def f(x):
        return x * fg.grad(lambda y: x + y)(1.0)

    assert np.isclose(fg.grad(f)(x), 1.0)


def test_nested_transforms_with_closures_mix_levels_correctly():
    # d/dx d/dy (x*y)^2 = d/dx 2*x^2*y = 4xy
    f = lambda x, y: fg.grad(lambda y: (x * y) ** 2)(y)  # noqa: E731
    assert np.isclose(fg.grad(f)(3.0, 5.0), 4 * 3.0 * 5.0)
    # grad of value_and_grad's value and of vjp inside grad
    h = lambda x: fg.vjp(lambda t: fnp.sin(t) * x, x)[1](1.0)[0]  # noqa: E731
    # h(x) = d/dt[sin(t) * x] at t=x = cos(x) * x  ->  h'(x) = -sin(x) x + cos(x)
    assert np.isclose(fg.grad(h)(0.7), -np.sin(0.7) * 0.7 + np.cos(0.7))


def test_control_flow_is_traced_dynamically():
    def f(x):
        total = 0.0
        while x < 10.0:
            x = x * 2.0
            total = total + x
        return total if x > 15.0 else total * 3.0

    # from x = 3 the loop runs twice (6, 12): total = 2x + 4x, and 12 <= 15, so f = 3 * 6x = 18x
    assert np.isclose(f(3.0), 54.0)
    assert np.isclose(fg.grad(f)(3.0), 18.0)
    # from x = 9 it runs once (18 > 15): f = 2x
    assert np.isclose(fg.grad(f)(9.0), 2.0)


def test_same_function_runs_untraced_on_plain_arrays():
    def f(x):
        return fnp.tanh(x) * 2.0 + fnp.where(x > 0, x, 0.0)

    x = np.array([-1.0, 0.5])
    B.assert_allclose(f(B.asarray(x)), np.tanh(x) * 2.0 + np.where(x > 0, x, 0.0))
    assert B.is_backend_array(f(B.asarray(x)))


def test_ndarray_operators_with_traced_values_on_either_side():
    c_host = np.array([1.0, 2.0, 3.0])
    c = B.asarray(c_host)  # an array of the backend (an ndarray on NumPy) on the left of the operators

    def f(x):
        y = c * x + c / x - c ** x + x - c
        return y[0] + y[1] + y[2]

    x = np.array([0.5, 1.0, 1.5])
    expected = c_host - c_host / x ** 2 - c_host ** x * np.log(c_host) + 1.0
    B.assert_allclose(fg.grad(f)(B.asarray(x)), expected)


def test_the_issue_example_end_to_end():
    def loss(params, x, y):
        w, b = params["w"], params["b"]
        pred = fnp.tanh(x @ w + b)
        return fnp.mean((pred - y) ** 2)

    rng = np.random.default_rng(0)
    params = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    params_b, x_b, y_b = {k: B.asarray(v) for k, v in params.items()}, B.asarray(x), B.asarray(y)
    g = fg.grad(loss)(params_b, x_b, y_b)
    # independent derivation: hand-written backprop
    z = x @ params["w"] + params["b"]
    pred = np.tanh(z)
    dz = 2 * (pred - y) / pred.size * (1 - pred ** 2)
    B.assert_allclose(g["w"], x.T @ dz)
    B.assert_allclose(g["b"], dz.sum(0))
    v, (gp, gx) = fg.value_and_grad(loss, argnums=(0, 1))(params_b, x_b, y_b)
    assert np.isclose(B.to_numpy(v), np.mean((pred - y) ** 2))
    B.assert_allclose(gx, dz @ params["w"].T)


def test_lists_mixing_traced_values_and_numbers():
    def f(x, y):
        a = fnp.array([x, 2.0 * y, 1.0])
        m = fnp.mean([x, y])
        s = fnp.stack([x * 1.0, y * y])
        return fnp.sum(a * a) + m + fnp.sum(s)

    gx, gy = fg.grad(f, argnums=(0, 1))(1.5, -0.5)
    # d/dx: 2x + 1/2 + 1 ; d/dy: 8y + 1/2 + 2y
    assert np.isclose(B.to_numpy(gx), 2 * 1.5 + 0.5 + 1.0)
    assert np.isclose(B.to_numpy(gy), 8 * -0.5 + 0.5 + 2 * -0.5)


def test_traced_arrays_support_the_array_protocol_users_expect():
    def f(x):
        assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.dtype == np.float64 and len(x) == 2
        rows = [r for r in x]
        t = x.T.reshape(-1).reshape(3, 2).transpose()
        return x.sum() + rows[1].max() + t.mean(axis=0).sum() + x.astype(np.float32).sum()

    x = B.asarray(np.arange(6.0).reshape(2, 3))
    g = fg.grad(f)(x)
    expected = np.ones((2, 3)) + np.array([[0, 0, 0], [0, 0, 1.0]]) + 0.5 + 1.0
    B.assert_allclose(g, expected)
