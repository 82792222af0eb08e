"""Documented conventions at kinks and ties (HIPS autograd's and PyTorch's where they agree)."""
import numpy as np

import _backend as B
import funcgrad as fg
import funcgrad.numpy as fnp

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)


def test_abs_has_zero_derivative_at_zero():
    assert fg.grad(fnp.abs)(0.0) == 0.0
    g = fg.grad(lambda x: (fnp.abs(x) * 1.0)[0] + fnp.abs(x)[1])(B.asarray([0.0, -2.0]))
    np.testing.assert_array_equal(B.to_numpy(g), [0.0, -1.0])


def test_maximum_and_minimum_split_ties_evenly():
    gx, gy = fg.grad(lambda x, y: fnp.maximum(x, y), argnums=(0, 1))(1.0, 1.0)
    assert gx == 0.5 and gy == 0.5
    gx, gy = fg.grad(lambda x, y: fnp.minimum(x, y), argnums=(0, 1))(2.0, 2.0)
    assert gx == 0.5 and gy == 0.5
    gx, gy = fg.grad(lambda x, y: fnp.maximum(x, y), argnums=(0, 1))(3.0, 1.0)
    assert gx == 1.0 and gy == 0.0


def test_non_differentiable_ops_give_zero_gradient():
    f = lambda x: fnp.floor(x) * x + fnp.sign(x) + fnp.round(x)  # noqa: E731
    assert fg.grad(f)(2.5) == 2.0  # only the x factor of floor(x) * x


def test_clip_sends_the_gradient_to_x_at_the_boundary():
    assert fg.grad(lambda x: fnp.clip(x, 0.0, 1.0))(1.0) == 1.0
    assert fg.grad(lambda x: fnp.clip(x, 0.0, 1.0))(1.5) == 0.0


def test_max_and_min_reductions_split_ties_evenly():
    np.testing.assert_array_equal(B.to_numpy(fg.grad(fnp.max)(B.asarray([1.0, 3.0, 3.0]))), [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(B.to_numpy(fg.grad(fnp.min)(B.asarray([2.0, 2.0, 2.0, 5.0]))),
                                  [1 / 3, 1 / 3, 1 / 3, 0.0])
    g = fg.grad(lambda m: fnp.sum(fnp.amax(m, axis=1)))(B.asarray([[1.0, 1.0], [0.0, 2.0]]))
    np.testing.assert_array_equal(B.to_numpy(g), [[0.5, 0.5], [0.0, 1.0]])


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    np.testing.assert_array_equal(B.to_numpy(fg.grad(fnp.prod)(B.asarray([0.0, 2.0, 3.0]))), [6.0, 0.0, 0.0])
    np.testing.assert_array_equal(B.to_numpy(fg.grad(fnp.prod)(B.asarray([0.0, 0.0, 3.0]))), [0.0, 0.0, 0.0])


# --- forward mode follows the same conventions ------------------------------------------------------------------
def test_forward_mode_abs_has_zero_derivative_at_zero():
    _, t = fg.jvp(fnp.abs, (B.asarray([0.0, -2.0, 3.0]),), (B.asarray([5.0, 1.0, 1.0]),))
    np.testing.assert_array_equal(B.to_numpy(t), [0.0, -1.0, 1.0])


def test_forward_mode_maximum_and_minimum_average_the_tangents_at_ties():
    x, y = B.asarray([1.0, 3.0, 0.0]), B.asarray([1.0, 1.0, 2.0])
    tx, ty = B.asarray([2.0, 2.0, 2.0]), B.asarray([6.0, 6.0, 6.0])
    np.testing.assert_array_equal(B.to_numpy(fg.jvp(fnp.maximum, (x, y), (tx, ty))[1]), [4.0, 2.0, 6.0])
    np.testing.assert_array_equal(B.to_numpy(fg.jvp(fnp.minimum, (x, y), (tx, ty))[1]), [4.0, 6.0, 2.0])


def test_forward_mode_clip_passes_x_tangent_at_the_boundary_and_bound_tangents_where_clipped():
    x = B.asarray([-2.0, 0.0, 1.0, 3.0])
    _, t = fg.jvp(lambda a, lo, hi: fnp.clip(a, lo, hi), (x, 0.0, 1.0), (B.asarray(np.ones(4)), 10.0, 100.0))
    np.testing.assert_array_equal(B.to_numpy(t), [10.0, 1.0, 1.0, 100.0])  # x == lo and x == hi: x's tangent


def test_forward_mode_where_selects_tangents_like_values():
    c = fnp.array([True, False, True])  # fnp follows the default device, like the inputs
    _, t = fg.jvp(lambda a, b: fnp.where(c, a, b), (B.asarray(np.zeros(3)), B.asarray(np.ones(3))),
                  (B.asarray(np.full(3, 2.0)), B.asarray(np.full(3, 7.0))))
    np.testing.assert_array_equal(B.to_numpy(t), [2.0, 7.0, 2.0])


def test_forward_mode_power_at_zero_base():
    # d(x**y) = y x**(y-1) tx + x**y log(x) ty; at x == 0 (y > 0) the log term is taken as 0, as in reverse mode
    _, t = fg.jvp(fnp.power, (B.asarray([0.0, 2.0]), B.asarray([2.0, 3.0])),
                  (B.asarray(np.ones(2)), B.asarray(np.ones(2))))
    B.assert_allclose(t, [0.0, 3.0 * 4.0 + 8.0 * np.log(2.0)])
    assert fg.jvp(lambda a: a ** 2, (0.0,), (1.0,))[1] == 0.0
    assert fg.jvp(lambda a: a ** 0, (0.0,), (1.0,))[1] == 0.0


# --- vmap: the elementwise, special and control families batch in one call, never by the loop fallback ----------
def test_every_elementwise_special_and_control_primitive_has_a_batching_rule():
    from funcgrad.core import Primitive
    from funcgrad.primitives import control, elementwise, special

    mods = (elementwise, special, control)
    # primitives defined by these modules (not those they import, e.g. the core's cast or reductions' sum)
    prims = {v.name: v for m in mods for v in vars(m).values()
             if isinstance(v, Primitive) and v.impl.__module__ == m.__name__}
    left_to_the_loop: dict = {}  # name -> reason; none so far
    assert len(prims) > 60
    assert [n for n, p in sorted(prims.items()) if p.batch is None and n not in left_to_the_loop] == []


def test_elementwise_batching_aligns_ranks_and_skips_the_loop(monkeypatch):
    import funcgrad.core.batching as batching
    from funcgrad.scipy.special import logsumexp

    def no_loop(prim, *a, **k):
        raise AssertionError(f"{prim.name} fell back to the loop")

    monkeypatch.setattr(batching, "loop_rule", no_loop)
    x, y, s = np.arange(24.0).reshape(2, 3, 4), np.arange(8.0).reshape(2, 4), np.array([0.5, -1.0])
    xb, yb, sb = B.asarray(x), B.asarray(y), B.asarray(s)  # the inputs; x, y, s on the host say what to expect
    eq = lambda got, want: np.testing.assert_array_equal(B.to_numpy(got), want)  # noqa: E731
    eq(fg.vmap(fnp.add)(xb, yb), x + y[:, None, :])
    eq(fg.vmap(fnp.multiply)(sb, xb), s[:, None, None] * x)
    eq(fg.vmap(lambda a: fnp.add(a, [1.0, 2.0, 3.0]))(sb), s[:, None] + [1.0, 2.0, 3.0])
    eq(fg.vmap(lambda c, a: fnp.where(c, a, 0.0), in_axes=(0, None))(sb > 0, yb[0]), [y[0], np.zeros(4)])
    eq(fg.vmap(lambda a, hi: fnp.clip(a, None, hi))(yb, sb), np.minimum(y, s[:, None]))
    eq(fg.vmap(fnp.sign)(yb - 3.0), np.sign(y - 3.0))
    eq(fg.vmap(fnp.angle)(xb + 1j), np.angle(x + 1j))
    # per example: log(sum(exp(rows of x[i]))) over axis 0 of each (3, 4) example; weights broadcast per example
    b = np.array([1.0, 2.0, 3.0, 4.0])
    want = np.log(np.sum(b * np.exp(x - 20.0), axis=1)) + 20.0
    bb = B.asarray(b)
    B.assert_allclose(fg.vmap(lambda a: logsumexp(a, axis=0, b=bb))(xb), want)
    B.assert_allclose(fg.vmap(lambda a: logsumexp(a, axis=-2, b=bb, keepdims=True))(xb), want[:, None])
    B.assert_allclose(fg.vmap(logsumexp)(yb), np.log(np.exp(y).sum(1)))
    assert fg.vmap(fnp.add)(fnp.zeros((0, 3)), fnp.zeros((0, 2, 3))).shape == (0, 2, 3)  # the loop cannot do empty


def test_stop_gradient_under_vmap_still_stops_an_outer_grad():
    y = np.array([[1.0, -2.0], [3.0, 0.5]])
    g = fg.grad(lambda a: fnp.sum(fg.vmap(lambda v: fg.stop_gradient(v) * v)(a)))(B.asarray(y))
    np.testing.assert_array_equal(B.to_numpy(g), y)
    g = fg.vmap(fg.grad(lambda v: fnp.sum(fg.stop_gradient(v) * v)))(B.asarray(y))
    np.testing.assert_array_equal(B.to_numpy(g), y)
