"""``cumprod``'s derivatives with zeros in the input: exact to second order (and beyond) with 0, 1, 2 or 3 zeros
per slice, along every axis, in both modes and under vmap.

The references are central finite differences (``check_grads``) and, for the values of the second derivative, the
Hessian of ``<u, cumprod(x)>`` written out by hand: ``H_ab = sum_{k >= max(a, b)} u_k prod_{j <= k, j != a, b}
x_j`` (a != b; the diagonal is 0, cumprod being linear in each entry). Before the fix, the second derivative
dropped the terms through the first zero of a slice at the entries from its second zero on.
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

RNG = np.random.default_rng(1)
N = 7  # slice length: room for 3 zeros with nonzero entries between and around them

# zero positions within a slice: none, one, two (apart and adjacent), three (incl. at both ends)
ZEROS = {0: [()], 1: [(0,), (3,), (N - 1,)], 2: [(1, 4), (2, 3), (0, N - 1)], 3: [(0, 3, 5), (1, 2, 6)]}
CASES = [(k, pos) for k, ps in ZEROS.items() for pos in ps]


def _nonzero(shape):
    # entries away from 0, so only the placed zeros are zeros
    return RNG.uniform(0.5, 1.5, shape) * np.where(RNG.standard_normal(shape) < 0, -1.0, 1.0)


def _with_zeros(shape, axis, pos):
    """An array whose every slice along ``axis`` has zeros exactly at ``pos``."""
    x = _nonzero(shape)
    idx = [slice(None)] * len(shape)
    idx[axis] = list(pos)
    x[tuple(idx)] = 0.0
    return x


def _hessian_of_weighted_cumprod(x, u):
    # d^2 <u, cumprod(x)> / dx_a dx_b for a 1-d slice, written out (the reference for the second derivative)
    n = x.size
    h = np.zeros((n, n))
    for a in range(n):
        for b in range(n):
            if a != b:
                h[a, b] = sum(u[k] * np.prod([x[j] for j in range(k + 1) if j not in (a, b)])
                              for k in range(max(a, b), n))
    return h


@pytest.mark.parametrize("nzeros, pos", CASES, ids=[f"{k}zeros{p}" for k, p in CASES])
@pytest.mark.parametrize("modes", [("rev",), ("fwd",), ("fwd", "rev")], ids=lambda m: "+".join(m))
def test_second_order_along_the_last_axis(nzeros, pos, modes):
    x = _with_zeros((3, N), 1, pos)
    check_grads(lambda a: fnp.cumprod(a, axis=1), (x,), order=2, modes=modes)


@pytest.mark.parametrize("nzeros, pos", CASES, ids=[f"{k}zeros{p}" for k, p in CASES])
@pytest.mark.parametrize("axis", [0, 1, -1, -3])
def test_second_order_along_every_axis_of_a_3d_array(nzeros, pos, axis):
    shape = [2, 3, 4]
    shape[axis] = N
    x = _with_zeros(tuple(shape), axis, pos)
    check_grads(lambda a: fnp.cumprod(a, axis=axis), (x,), order=2)


@pytest.mark.parametrize("zeros", [(), (4,), (1, 9), (0, 5, 11)])
def test_second_order_over_the_flattened_array(zeros):
    x = _nonzero((3, 4))
    x.ravel()[list(zeros)] = 0.0
    check_grads(fnp.cumprod, (x,), order=2)


def test_slices_with_different_zero_counts_in_one_array():
    # each row its own case: the formula is chosen for the whole array, so every case must be right at once
    x = _nonzero((4, N))
    x[1, 2] = 0.0
    x[2, [1, 5]] = 0.0
    x[3, [0, 3, 4]] = 0.0
    check_grads(lambda a: fnp.cumprod(a, axis=-1), (x,), order=2)


@pytest.mark.parametrize("nzeros, pos", CASES, ids=[f"{k}zeros{p}" for k, p in CASES])
def test_hessian_values_match_the_written_out_formula(nzeros, pos):
    x = _with_zeros((N,), 0, pos)
    u = RNG.standard_normal(N)
    f = lambda a: fnp.sum(fnp.cumprod(a) * u)  # noqa: E731
    want = _hessian_of_weighted_cumprod(x, u)
    rows = np.stack([fg.grad(lambda a, e=e: fnp.sum(fg.grad(f)(a) * e))(x) for e in np.eye(N)])  # rev over rev
    np.testing.assert_allclose(rows, want, rtol=1e-12, atol=1e-14)
    cols = np.stack([fg.jvp(fg.grad(f), (x,), (e,))[1] for e in np.eye(N)], axis=1)  # fwd over rev
    np.testing.assert_allclose(cols, want, rtol=1e-12, atol=1e-14)
    fwd = np.stack([[fg.jvp(lambda a, ea=ea: fg.jvp(f, (a,), (ea,))[1], (x,), (eb,))[1] for eb in np.eye(N)]
                    for ea in np.eye(N)])  # fwd over fwd
    np.testing.assert_allclose(fwd, want, rtol=1e-12, atol=1e-14)


def test_first_derivative_values_with_zeros():
    # grad_i = sum_{k >= i} u_k prod_{j <= k, j != i} x_j, written out
    x = np.array([2.0, 0.0, -1.5, 0.0, 3.0, 0.5])
    u = RNG.standard_normal(x.size)
    want = [sum(u[k] * np.prod(np.delete(x[:k + 1], i)) for k in range(i, x.size)) for i in range(x.size)]
    np.testing.assert_allclose(fg.grad(lambda a: fnp.sum(fnp.cumprod(a) * u))(x), want, rtol=1e-13)


@pytest.mark.parametrize("zeros", [(0,), (2, 4), (1, 3, 6), (0, 1, 2)])
def test_third_order_with_zeros(zeros):
    # division-free rules: exact beyond the second order too (a larger step: the function is a polynomial, and
    # the finite differences of the step's own derivative then have less rounding error than with 1e-6)
    x = _with_zeros((2, N), 1, zeros)
    check_grads(lambda a: fnp.cumprod(a, axis=1), (x,), order=3, eps=1e-4)


@pytest.mark.parametrize("shape", [(0,), (1,), (2,), (3, 0), (0, 3)])
def test_tiny_and_empty_slices(shape):
    x = np.zeros(shape)  # all zeros: the zero-safe rules on length 0, 1, 2
    check_grads(lambda a: fnp.cumprod(a, axis=-1), (x,), order=2)


def test_vmap_second_order_with_zeros():
    xs = _nonzero((3, 2, N))
    xs[0, :, 3] = 0.0
    xs[1, 0, [1, 4]] = 0.0
    xs[2, 1, [0, 2, 5]] = 0.0
    check_grads(lambda m: fg.vmap(lambda x: fnp.cumprod(x, axis=-1))(m), (xs,), order=2)
    check_grads(lambda m: fg.vmap(lambda x: fnp.cumprod(x))(m), (xs,), order=2)  # axis=None per example
    u = RNG.standard_normal((2, N))
    f = lambda x: fnp.sum(fnp.cumprod(x, axis=1) * u)  # noqa: E731
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(xs), np.stack([fg.grad(f)(x) for x in xs]), rtol=1e-12)
    # the per-example gradient differentiated again, through the batched rules
    check_grads(lambda m: fg.vmap(fg.grad(f))(m), (xs,), order=1)
