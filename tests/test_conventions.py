"""Documented conventions at kinks and ties (HIPS autograd's and PyTorch's where they agree)."""
import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp


def test_abs_has_zero_derivative_at_zero():
    assert fg.grad(fnp.abs)(0.0) == 0.0
    np.testing.assert_array_equal(fg.grad(lambda x: (fnp.abs(x) * 1.0)[0] + fnp.abs(x)[1])(np.array([0.0, -2.0])),
                                  [0.0, -1.0])


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
    np.testing.assert_array_equal(fg.grad(fnp.max)(np.array([1.0, 3.0, 3.0])), [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(fg.grad(fnp.min)(np.array([2.0, 2.0, 2.0, 5.0])), [1 / 3, 1 / 3, 1 / 3, 0.0])
    g = fg.grad(lambda m: fnp.sum(fnp.amax(m, axis=1)))(np.array([[1.0, 1.0], [0.0, 2.0]]))
    np.testing.assert_array_equal(g, [[0.5, 0.5], [0.0, 1.0]])


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    np.testing.assert_array_equal(fg.grad(fnp.prod)(np.array([0.0, 2.0, 3.0])), [6.0, 0.0, 0.0])
    np.testing.assert_array_equal(fg.grad(fnp.prod)(np.array([0.0, 0.0, 3.0])), [0.0, 0.0, 0.0])
