"""Reductions and scipy.special beyond the registry-driven property test: values against NumPy/SciPy, the cases
worth naming (ties, zeros in products, empty reductions, huge inputs), the compositions (var, std, average, norm,
softmax, log_softmax), array methods of traced values, and error messages."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import Box
from funcgrad.scipy.special import log_softmax, logsumexp, softmax

try:  # independent references; the suite never requires them
    import torch
except ImportError:
    torch = None
try:
    import scipy.special as ss
except ImportError:
    ss = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
needs_scipy = pytest.mark.skipif(ss is None, reason="scipy is not installed")
from funcgrad.testing import check_grads
from funcgrad.testing import strategies as fst

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5))


def torch_grad(f, x):
    t = torch.tensor(x, requires_grad=True)
    f(t).backward()
    return t.grad.numpy()


# --- values against NumPy ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min", "amax", "amin", "all", "any"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), [1], ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_values_match_numpy(name, axis, keepdims):
    got = getattr(fnp, name)(X, axis=axis, keepdims=keepdims)
    want = getattr(np, name)(X, axis=tuple(axis) if isinstance(axis, list) else axis, keepdims=keepdims)
    np.testing.assert_allclose(got, want)
    assert np.shape(got) == np.shape(want)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumulative_values_match_numpy(name, axis):
    np.testing.assert_allclose(getattr(fnp, name)(X, axis=axis), getattr(np, name)(X, axis=axis))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (-1, True), (1, True)])
def test_arg_values_match_numpy(name, axis, keepdims):
    np.testing.assert_array_equal(getattr(fnp, name)(X, axis=axis, keepdims=keepdims),
                                  getattr(np, name)(X, axis=axis, keepdims=keepdims))


def test_dtype_argument_and_integer_inputs():
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    for name in ["sum", "mean", "prod", "cumsum", "cumprod"]:
        got, want = getattr(fnp, name)(x, axis=1, dtype=np.float32), getattr(np, name)(x, axis=1, dtype=np.float32)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want)
    assert fnp.mean(x).dtype == np.float64


def test_float32_gradients_keep_dtype():
    x = X.astype(np.float32)
    for name in ["sum", "mean", "prod", "max", "var", "std"]:
        g = fg.grad(lambda a: getattr(fnp, name)(a))(x)
        assert g.dtype == np.float32, name
    g = fg.grad(lambda a: fnp.sum(a, dtype=np.float64))(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.ones_like(x))


# --- gradients of the primitives, independently derived ---------------------------------------------------------
def test_sum_and_mean_gradients_are_broadcast_cotangents():
    g = fg.grad(lambda a: fnp.sum(fnp.sum(a, axis=(0, 2)) * np.arange(4.0)))(X)
    np.testing.assert_array_equal(g, np.broadcast_to(np.arange(4.0)[None, :, None], X.shape))
    g = fg.grad(lambda a: fnp.sum(fnp.mean(a, axis=1, keepdims=True) * 2.0))(X)
    np.testing.assert_allclose(g, np.full(X.shape, 2.0 / 4))


@needs_torch
def test_max_ties_split_the_gradient_evenly():
    x = np.array([1.0, 3.0, 3.0, 2.0])
    np.testing.assert_allclose(fg.grad(fnp.max)(x), [0.0, 0.5, 0.5, 0.0])
    np.testing.assert_allclose(fg.grad(fnp.min)(np.array([1.0, 1.0, 1.0])), [1 / 3] * 3)
    m = np.array([[2.0, 2.0, 0.0], [5.0, 1.0, 5.0], [0.0, 0.0, 7.0]])
    w = np.array([1.0, 2.0, 3.0])
    g = fg.grad(lambda a: fnp.sum(fnp.max(a, axis=1) * w))(m)
    np.testing.assert_allclose(g, [[0.5, 0.5, 0.0], [1.0, 0.0, 1.0], [0.0, 0.0, 3.0]])
    np.testing.assert_allclose(g, torch_grad(lambda t: (torch.amax(t, dim=1) * torch.tensor(w)).sum(), m))
    g = fg.grad(lambda a: fnp.sum(fnp.min(a, axis=0, keepdims=True)))(m)
    np.testing.assert_allclose(g, torch_grad(lambda t: torch.amin(t, dim=0, keepdim=True).sum(), m))


def test_forward_mode_max_ties_average_the_tangents():
    x = np.array([1.0, 3.0, 3.0, 2.0])
    assert fg.jvp(fnp.max, (x,), (np.array([10.0, 1.0, 2.0, 20.0]),))[1] == 1.5
    assert fg.jvp(fnp.min, (np.ones(3),), (np.array([3.0, 6.0, 9.0]),))[1] == 6.0
    m = np.array([[2.0, 2.0, 0.0], [5.0, 1.0, 5.0], [0.0, 0.0, 7.0]])
    t = np.arange(9.0).reshape(3, 3)
    np.testing.assert_allclose(fg.jvp(lambda a: fnp.max(a, axis=1), (m,), (t,))[1], [0.5, 4.0, 8.0])
    np.testing.assert_allclose(fg.jvp(lambda a: fnp.min(a, axis=1, keepdims=True), (m,), (t,))[1],
                               [[2.0], [4.0], [6.5]])
    # at ties finite differences cannot referee, but JVP and VJP must still be each other's transposes
    u = np.array([1.0, -2.0, 0.5])
    for f in [lambda a: fnp.max(a, axis=1), lambda a: fnp.min(a, axis=0)]:
        np.testing.assert_allclose(u @ fg.jvp(f, (m,), (t,))[1], np.sum(fg.vjp(f, m)[1](u)[0] * t))


def test_max_gradient_is_locally_constant():
    x = RNG.permutation(np.arange(12.0)).reshape(3, 4)
    check_grads(lambda a: fnp.max(a, axis=0) * fnp.min(a, axis=1, keepdims=True), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda a: a.max() ** 2, (x,), order=2, modes=("fwd", "rev"))


@needs_torch
@pytest.mark.parametrize("zeros", [[2], [1, 3], [0, 2, 4]])
def test_prod_with_zeros(zeros):
    x = np.array([1.5, -2.0, 0.7, 1.2, -0.9])
    x[zeros] = 0.0
    check_grads(fnp.prod, (x,), order=2 if len(zeros) == 1 else 1, modes=("fwd", "rev"))
    want = np.array([np.prod(np.delete(x, i)) for i in range(x.size)])  # product of the others
    np.testing.assert_allclose(fg.grad(fnp.prod)(x), want)
    np.testing.assert_allclose(fg.grad(fnp.prod)(x), torch_grad(torch.prod, x))
    t = RNG.standard_normal(x.size)
    np.testing.assert_allclose(fg.jvp(fnp.prod, (x,), (t,))[1], want @ t, atol=1e-15)


@needs_torch
def test_prod_with_zeros_along_an_axis():
    x = RNG.uniform(0.5, 1.5, (3, 4))
    x[0, 1] = 0.0               # one zero in row 0
    x[1, [0, 2]] = 0.0          # two zeros in row 1
    for axis, keepdims in [(1, False), (0, True), (None, False), ((0, 1), True)]:
        check_grads(lambda a: fnp.prod(a, axis=axis, keepdims=keepdims), (x,), order=1, modes=("fwd", "rev"))
    g = fg.grad(lambda a: fnp.sum(fnp.prod(a, axis=1)))(x)
    np.testing.assert_allclose(g, torch_grad(lambda t: torch.prod(t, dim=1).sum(), x))
    t = RNG.standard_normal(x.shape)
    want = [sum(t[r, i] * np.prod(np.delete(x[r], i)) for i in range(4)) for r in range(3)]
    np.testing.assert_allclose(fg.jvp(lambda a: fnp.prod(a, axis=1), (x,), (t,))[1], want, atol=1e-15)
    # second order is exact for slices with at most one zero
    check_grads(lambda a: fnp.prod(a, axis=1), (x[[0, 2]],), order=2, modes=("fwd", "rev"))


@needs_torch
def test_cumprod_gradients():
    x = RNG.uniform(0.5, 1.5, (3, 4)) * np.sign(RNG.standard_normal((3, 4)))
    for axis in [None, 0, 1, -1]:
        check_grads(lambda a: fnp.cumprod(a, axis=axis), (x,), order=2, modes=("fwd", "rev"))
    # with zeros, the first derivative is exact (the first zero of a slice gets the products around it)
    z = x.copy()
    z[0, 1] = 0.0
    z[1, [0, 2]] = 0.0
    z[2, 3] = 0.0
    for axis in [None, 0, 1]:
        check_grads(lambda a: fnp.cumprod(a, axis=axis), (z,), order=1, modes=("fwd", "rev"))
    u = RNG.standard_normal(z.shape)
    g = fg.grad(lambda a: fnp.sum(fnp.cumprod(a, axis=1) * u))(z)
    np.testing.assert_allclose(g, torch_grad(lambda t: (torch.cumprod(t, dim=1) * torch.tensor(u)).sum(), z))
    # forward mode: tangent_k = sum_{i <= k} t_i prod_{j <= k, j != i} x_j, written out
    want = [[sum(u[r, i] * np.prod(np.delete(z[r, :k + 1], i)) for i in range(k + 1)) for k in range(4)]
            for r in range(3)]
    np.testing.assert_allclose(fg.jvp(lambda a: fnp.cumprod(a, axis=1), (z,), (u,))[1], want, atol=1e-15)
    flat = fg.jvp(lambda a: fnp.cumprod(a), (z,), (u,))[1]
    zf, uf = z.ravel(), u.ravel()
    np.testing.assert_allclose(flat, [sum(uf[i] * np.prod(np.delete(zf[:k + 1], i)) for i in range(k + 1))
                                      for k in range(zf.size)], atol=1e-15)
    # forward mode's second derivative is exact with one zero per slice as well
    check_grads(lambda a: fnp.cumprod(a, axis=1), (z[[0, 2]],), order=2, modes=("fwd",))


def test_cumsum_gradient_is_a_reverse_cumsum():
    w = np.arange(1.0, 6.0)
    g = fg.grad(lambda a: fnp.sum(fnp.cumsum(a) * w))(np.zeros(5))
    np.testing.assert_allclose(g, np.cumsum(w[::-1])[::-1])
    check_grads(lambda a: fnp.cumsum(a, axis=None), (X,), order=2, modes=("fwd", "rev"))


def test_nondifferentiable_reductions_stop_the_gradient():
    def f(a):
        i = fnp.argmax(a)
        assert type(i) is not Box and type(fnp.all(a > 0)) is not Box and type(fnp.any(a)) is not Box
        return fnp.sum(a) * float(i)
    x = np.array([0.1, 0.9, 0.3])
    np.testing.assert_allclose(fg.grad(f)(x), [1.0, 1.0, 1.0])


# --- empty and 0-d ----------------------------------------------------------------------------------------------
def test_empty_reductions():
    e = np.zeros((3, 0))
    np.testing.assert_array_equal(fnp.sum(e, axis=1), np.zeros(3))
    assert fg.grad(lambda a: fnp.sum(fnp.sum(a, axis=1)))(e).shape == (3, 0)
    assert fg.grad(lambda a: fnp.sum(fnp.max(a, axis=0)))(e).shape == (3, 0)  # max over the length-3 axis
    np.testing.assert_array_equal(fnp.prod(e, axis=1), np.ones(3))
    with np.errstate(invalid="ignore"):
        assert np.isnan(fnp.mean(e))
        assert fg.grad(lambda a: fnp.mean(a))(e).shape == (3, 0)
        assert fg.jvp(fnp.mean, (e,), (e,))[1] == 0.0  # nothing to depend on: a zero tangent, not nan
    for f in [lambda a: fnp.sum(a, axis=1), lambda a: fnp.prod(a, axis=1), lambda a: fnp.max(a, axis=0),
              lambda a: fnp.cumsum(a), lambda a: fnp.cumprod(a, axis=1)]:
        out, t = fg.jvp(f, (e,), (e,))
        assert t.shape == out.shape and not np.any(t)
    assert float(logsumexp(e)) == -np.inf
    with pytest.raises(ValueError, match="funcgrad.max.*float64\\[3, 0\\]"):
        fnp.max(e, axis=1)


def test_zero_d_inputs():
    assert fg.grad(fnp.sum)(2.0) == 1.0
    assert fg.grad(fnp.prod)(2.0) == 1.0
    assert fg.grad(fnp.max)(2.0) == 1.0
    np.testing.assert_array_equal(fg.grad(lambda a: fnp.sum(fnp.cumsum(a)))(2.0), 1.0)
    assert fg.grad(lambda a: logsumexp(a))(2.0) == 1.0
    x, t = np.float64(2.0), np.float64(3.0)
    for f, want in [(fnp.sum, 3.0), (fnp.mean, 3.0), (fnp.prod, 3.0), (fnp.max, 3.0), (fnp.cumprod, [3.0])]:
        np.testing.assert_array_equal(fg.jvp(f, (x,), (t,))[1], want)


# --- methods of traced values ----------------------------------------------------------------------------------
def test_box_methods():
    def f(a):
        return (a.sum(axis=0).mean() + a.max(1).sum() + a.min() + a.prod(axis=(0, 1)).sum() + a.var(ddof=1)
                + a.std(axis=-1).sum() + a.cumsum(axis=1).sum() + a.cumprod(0).sum())
    x = RNG.uniform(0.5, 1.5, (3, 4))
    check_grads(f, (x,), order=1, modes=("fwd", "rev"))
    assert np.isclose(fg.value_and_grad(f)(x)[0], f(x))


# --- compositions: var, std, average, norm ---------------------------------------------------------------------
@pytest.mark.parametrize("axis", [None, 0, (1, 2), -1])
@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_var_std(axis, ddof, keepdims):
    for name in ["var", "std"]:
        f = getattr(fnp, name)
        np.testing.assert_allclose(f(X, axis=axis, ddof=ddof, keepdims=keepdims),
                                   getattr(np, name)(X, axis=axis, ddof=ddof, keepdims=keepdims))
        check_grads(lambda a: f(a, axis=axis, ddof=ddof, keepdims=keepdims), (X,), order=2, modes=("fwd", "rev"))


def test_var_gradient_derivation():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    np.testing.assert_allclose(fg.grad(lambda a: fnp.var(a, ddof=1))(x), 2 * (x - x.mean()) / 3)
    np.testing.assert_allclose(fg.grad(fnp.std)(x), (x - x.mean()) / (x.size * x.std()))


def test_average():
    w = RNG.uniform(0.5, 2.0, X.shape)
    w1 = RNG.uniform(0.5, 2.0, 4)
    np.testing.assert_allclose(fnp.average(X), np.average(X))
    np.testing.assert_allclose(fnp.average(X, axis=(0, 2), weights=w), np.average(X, axis=(0, 2), weights=w))
    np.testing.assert_allclose(fnp.average(X, axis=1, weights=w1), np.average(X, axis=1, weights=w1))
    for got, want in zip(fnp.average(X, axis=1, weights=w1, returned=True),
                         np.average(X, axis=1, weights=w1, returned=True)):
        np.testing.assert_allclose(got, want)
    for got, want in zip(fnp.average(X, axis=0, returned=True), np.average(X, axis=0, returned=True)):
        np.testing.assert_allclose(got, want)
    check_grads(lambda a, b: fnp.average(a, axis=1, weights=b, keepdims=True), (X, w1), order=2, modes=("fwd", "rev"))
    check_grads(lambda a, b: fnp.average(a, weights=b), (X, w), order=2, modes=("fwd", "rev"))
    with pytest.raises(ValueError, match="length 3 do not match axis 1 of length 4"):
        fnp.average(X, axis=1, weights=np.ones(3))


VECTOR_ORDS = [None, 2, 1, np.inf, -np.inf, 3, 0.5, -1.5]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (-1, True)])
def test_vector_norms(ord, axis, keepdims):
    x = RNG.standard_normal(6) if axis is None else X
    got = fnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(got, np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims))
    check_grads(lambda a: fnp.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims), (x,), order=2,
                modes=("fwd", "rev"))


@pytest.mark.parametrize("ord", [None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"])
@pytest.mark.parametrize("axis,keepdims", [(None, False), ((0, 2), False), ((2, 0), True), ((-1, 1), False)])
def test_matrix_norms(ord, axis, keepdims):
    x = RNG.standard_normal((4, 3)) if axis is None else X
    got = fnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(got, np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims))
    check_grads(lambda a: fnp.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims), (x,), order=2,
                modes=("fwd", "rev"))


def test_norm_special_cases():
    assert float(fnp.linalg.norm(X)) == pytest.approx(np.linalg.norm(X))  # axis None: flattened 2-norm, any ndim
    assert fnp.linalg.norm(X, keepdims=True).shape == (1, 1, 1)
    x = np.array([0.0, 2.0, -1.0, 0.0])
    assert fnp.linalg.norm(x, ord=0) == 2.0
    np.testing.assert_array_equal(fg.grad(lambda a: fnp.linalg.norm(a, ord=0))(x), np.zeros(4))
    np.testing.assert_allclose(fg.grad(fnp.linalg.norm)(np.array([3.0, 4.0])), [0.6, 0.8])
    assert fnp.linalg.norm(np.array([3, 4])) == 5.0
    assert fnp.linalg.norm(np.zeros((0, 3)), ord=2) == 0.0 and fnp.linalg.norm(np.zeros((3, 0)), ord="nuc") == 0.0
    with pytest.raises(ValueError, match="ord=-2 of empty matrices"):
        fnp.linalg.norm(np.zeros((0, 3)), ord=-2)
    with pytest.raises(ValueError, match="improper number of dimensions"):
        fnp.linalg.norm(X, ord=1)
    with pytest.raises(ValueError, match="invalid norm order 'fro' for vectors"):
        fnp.linalg.norm(np.ones(3), ord="fro")
    with pytest.raises(ValueError, match="out of bounds.*\\(3, 4, 5\\)"):
        fnp.linalg.norm(X, axis=3)


@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_spectral_matrix_norms_of_stacks_complex_values_under_vmap_and_jit(ord):
    """The singular-value norms: stacked matrices in any two axes, complex entries, and the transforms."""
    z = X + 1j * RNG.standard_normal(X.shape)
    np.testing.assert_allclose(fnp.linalg.norm(z, ord=ord, axis=(2, 1)), np.linalg.norm(z, ord=ord, axis=(2, 1)))
    check_grads(lambda a: fnp.real(fnp.linalg.norm(a * (1 + 0.5j), ord=ord, axis=(0, 1))), (X,), order=2,
                modes=("fwd", "rev"))
    want = np.linalg.norm(X, ord=ord, axis=(1, 2))
    np.testing.assert_allclose(fg.vmap(lambda m: fnp.linalg.norm(m, ord=ord))(X), want)
    np.testing.assert_allclose(fg.jit(lambda a: fnp.linalg.norm(a, ord=ord, axis=(-2, -1)))(X), want)
    np.testing.assert_allclose(fg.jit(fg.grad(lambda m: fnp.linalg.norm(m, ord=ord)))(X[0]),
                               fg.grad(lambda m: fnp.linalg.norm(m, ord=ord))(X[0]))
    # the 2-norm's gradient is u1 v1^T, the nuclear norm's U V^T (an independent derivation, from the SVD)
    u, _, vh = np.linalg.svd(X[0], full_matrices=False)
    want_grad = {2: np.outer(u[:, 0], vh[0]), -2: np.outer(u[:, -1], vh[-1]), "nuc": u @ vh}[ord]
    np.testing.assert_allclose(fg.grad(lambda m: fnp.linalg.norm(m, ord=ord))(X[0]), want_grad, atol=1e-12)


# --- where= and initial= -----------------------------------------------------------------------------------------
MASK = RNG.uniform(size=(4, 5)) > 0.4  # broadcast against X's (3, 4, 5)


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "var", "std", "max", "min", "nansum", "nanmean"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_where_masks_match_numpy_and_differentiate(name, axis, keepdims):
    kw = dict(axis=axis, keepdims=keepdims, where=MASK)
    if name in ("max", "min"):
        kw["initial"] = {"max": -0.5, "min": 0.5}[name]  # NumPy needs it with a mask
    if name in ("var", "std"):
        kw["ddof"] = 1
    with np.errstate(invalid="ignore", divide="ignore"):
        want = getattr(np, name)(X, **kw)
        got = getattr(fnp, name)(X, **kw)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-12)
    if np.all(np.isfinite(want)):  # (a slice the mask empties has a nan mean: nothing to differentiate)
        check_grads(lambda a: getattr(fnp, name)(a, **kw), (X,), order=2, modes=("fwd", "rev"))
        g = fg.grad(lambda a: fnp.sum(getattr(fnp, name)(a, **kw)))(X)
        assert np.all(g[:, ~MASK] == 0), "entries outside the mask get no gradient"


def test_where_and_initial_edges_dtypes_and_transforms():
    m = np.array([True, False, True])
    x = np.array([[1.0, 5.0, 3.0], [2.0, -1.0, 4.0]])
    np.testing.assert_array_equal(fnp.sum(x, initial=10.0), np.sum(x, initial=10.0))
    np.testing.assert_array_equal(fnp.prod(x, axis=1, initial=2.0), np.prod(x, axis=1, initial=2.0))
    np.testing.assert_array_equal(fnp.max(x, axis=0, initial=2.5), np.max(x, axis=0, initial=2.5))
    np.testing.assert_array_equal(fnp.max(np.zeros((0, 3)), axis=0, initial=5.0), [5.0, 5.0, 5.0])
    for a in [np.arange(6).reshape(2, 3), x.astype(np.float32), x + 1j]:
        for name in ["sum", "mean", "var", "prod"]:
            assert getattr(fnp, name)(a, where=m).dtype == getattr(np, name)(a, where=m).dtype, (name, a.dtype)
    # ties with initial split the gradient (maximum's convention): the 2.5 and nothing of column 0's 1 and 2
    np.testing.assert_array_equal(fg.grad(lambda a: fnp.sum(fnp.max(a, axis=0, initial=2.0)))(x),
                                  [[0, 1, 0], [0.5, 0, 1]])
    with pytest.raises(ValueError, match="to use a where mask one has to specify 'initial'"):
        fnp.max(x, where=m)
    with pytest.raises(ValueError, match=r"where= mask of shape \(2, 2\) does not broadcast"):
        fnp.sum(x, where=np.ones((2, 2), bool))
    np.testing.assert_allclose(fg.vmap(lambda r: fnp.mean(r, where=m))(x), np.mean(x, axis=1, where=m))
    np.testing.assert_allclose(fg.vmap(lambda r, k: fnp.std(r, where=k))(x, x > 1.5), [1.0, 1.0])
    np.testing.assert_allclose(fg.jit(lambda a, k: fnp.var(a, axis=1, where=k))(x, x > 0),
                               np.var(x, axis=1, where=x > 0))
    np.testing.assert_allclose(fg.jit(fg.grad(lambda a: fnp.sum(a, where=m)))(x), np.broadcast_to(m, x.shape))
    # NumPy's own functions and the methods of traced values take the mask too
    np.testing.assert_allclose(fg.grad(lambda a: np.mean(a, where=m))(x), np.broadcast_to(m, x.shape) / 4)
    np.testing.assert_allclose(fg.grad(lambda a: a.sum(where=m) + a.max(initial=0.0, where=m))(x),
                               np.broadcast_to(m, x.shape) + [[0, 0, 0], [0, 0, 1]])


# --- scipy.special ----------------------------------------------------------------------------------------------
@needs_scipy
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_matches_scipy(axis, keepdims):
    np.testing.assert_allclose(logsumexp(X, axis=axis, keepdims=keepdims),
                               ss.logsumexp(X, axis=axis, keepdims=keepdims))
    b = RNG.uniform(-1.0, 2.0, (4, 1))
    for got, want in zip(logsumexp(X, axis=axis, b=b, keepdims=keepdims, return_sign=True),
                         ss.logsumexp(X, axis=axis, b=b, keepdims=keepdims, return_sign=True)):
        np.testing.assert_allclose(got, want)


def test_logsumexp_gradient_is_softmax():
    x = RNG.standard_normal(5)
    p = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(fg.grad(logsumexp)(x), p)
    # Hessian diag(p) - p p^T, derived by hand, row by row
    for i in range(5):
        np.testing.assert_allclose(fg.grad(lambda a: fg.grad(logsumexp)(a)[i])(x), p[i] * (np.eye(5)[i] - p))
    check_grads(lambda a, w: logsumexp(a, axis=0, b=w), (X, RNG.uniform(0.5, 2.0, (4, 5))), order=2,
                modes=("fwd", "rev"))


@needs_scipy
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_softmax_and_log_softmax(axis):
    np.testing.assert_allclose(softmax(X, axis=axis), ss.softmax(X, axis=axis))
    np.testing.assert_allclose(log_softmax(X, axis=axis), ss.log_softmax(X, axis=axis))
    check_grads(lambda a: softmax(a, axis=axis), (X,), order=2, modes=("fwd", "rev"))
    check_grads(lambda a: log_softmax(a, axis=axis), (X,), order=2, modes=("fwd", "rev"))


@needs_scipy
def test_softmax_jacobian_derivation():
    x = RNG.standard_normal(4)
    s = ss.softmax(x)
    u = RNG.standard_normal(4)
    # d(u . softmax)/dx = s * (u - u . s)
    np.testing.assert_allclose(fg.grad(lambda a: fnp.sum(softmax(a) * u))(x), s * (u - u @ s))
    # d(u . log_softmax)/dx = u - s * sum(u)
    np.testing.assert_allclose(fg.grad(lambda a: fnp.sum(log_softmax(a) * u))(x), u - s * u.sum())


def test_huge_inputs_stay_finite():
    x = np.array([[1000.0, 1000.0, -1000.0], [1000.0, 999.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow or nan, either pass
        v = logsumexp(x, axis=1)
        np.testing.assert_allclose(v, [1000.0 + np.log(2.0), 1000.0 + np.log1p(np.exp(-1.0))])
        for f in [lambda a: fnp.sum(logsumexp(a, axis=1)), lambda a: fnp.sum(softmax(a, axis=1) ** 2),
                  lambda a: fnp.sum(log_softmax(a, axis=1) * np.arange(3.0)), lambda a: logsumexp(a)]:
            g = fg.grad(f)(x)
            assert np.all(np.isfinite(g))
            assert np.all(np.isfinite(fg.jvp(f, (x,), (np.ones_like(x),))[1]))
    np.testing.assert_allclose(fg.grad(lambda a: logsumexp(a, axis=1)[0])(x)[0], [0.5, 0.5, 0.0])


def test_logsumexp_negative_weights_need_return_sign():
    x = np.array([0.0, 0.0])
    with np.errstate(invalid="ignore"):
        assert np.isnan(logsumexp(x, b=np.array([1.0, -2.0])))
    v, s = logsumexp(x, b=np.array([1.0, -2.0]), return_sign=True)
    assert v == pytest.approx(0.0) and s == -1.0
    # d log|b0 e^x0 + b1 e^x1| / dx = b e^x / s
    np.testing.assert_allclose(fg.grad(lambda a: logsumexp(a, b=np.array([1.0, -2.0]), return_sign=True)[0])(x),
                               [-1.0, 2.0])
    # forward mode, along a's and b's tangents together: (b . ta + tb . 1) * e^x / s with e^x = 1, s = -1
    _, t = fg.jvp(lambda a, w: logsumexp(a, b=w, return_sign=True)[0], (x, np.array([1.0, -2.0])),
                  (np.array([1.0, 0.5]), np.array([0.25, 0.5])))
    assert t == pytest.approx(-((1.0 * 1.0 - 2.0 * 0.5) + (0.25 + 0.5)))


# --- errors -----------------------------------------------------------------------------------------------------
def test_axis_out_of_range_names_the_operation_and_shape():
    for name in ["sum", "mean", "prod", "max", "cumsum", "argmax"]:
        with pytest.raises(ValueError, match=f"funcgrad.{name}\\(float64\\[3, 4, 5\\].*axis 3 is out of bounds"):
            getattr(fnp, name)(X, axis=3)
    with pytest.raises(ValueError, match="funcgrad.logsumexp\\(float64\\[3, 4, 5\\]"):
        logsumexp(X, axis=5)
    with pytest.raises(ValueError, match="funcgrad.logsumexp.*repeated axis"):
        logsumexp(X, axis=(0, -3))
    with pytest.raises(ValueError, match="funcgrad.numpy.var\\(shape \\(3, 4, 5\\), axis=7\\).*out of bounds"):
        fnp.var(X, axis=7)
    with pytest.raises(ValueError, match="funcgrad.max\\(float64\\[0\\].*zero-size"):
        fnp.max(np.zeros(0))


def test_out_is_refused():
    for name in ["sum", "mean", "prod", "max", "min", "cumsum", "cumprod", "argmax", "argmin", "all", "any", "var",
                 "std"]:
        with pytest.raises(TypeError, match="immutable"):
            getattr(fnp, name)(X, out=np.empty(()))


# --- a broad property check of the compositions ----------------------------------------------------------------
@needs_scipy
@given(data=st.data())
def test_compositions_property(data):
    shape = data.draw(fst.shapes(min_side=2, max_side=4, min_dims=1))
    x = data.draw(fst.arrays(shape))
    axis = data.draw(fst.axes(len(shape)).filter(lambda a: a != ()))
    keepdims = data.draw(st.booleans())
    check_grads(lambda a: fnp.var(a, axis=axis, ddof=1, keepdims=keepdims), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda a: softmax(a, axis=axis), (x,), order=2)
    check_grads(lambda a: log_softmax(a, axis=axis), (x,), order=1)
    np.testing.assert_allclose(fnp.var(x, axis=axis, ddof=1, keepdims=keepdims),
                               np.var(x, axis=axis, ddof=1, keepdims=keepdims), atol=1e-12)
    np.testing.assert_allclose(softmax(x, axis=axis), ss.softmax(x, axis=axis))



# --- batching (vmap) --------------------------------------------------------------------------------------------
def _family_primitives():
    from funcgrad.core import Primitive, registry
    from funcgrad.primitives import cumulative, reductions
    return {p.name: p for m in (reductions, cumulative) for p in vars(m).values()
            if isinstance(p, Primitive) and registry.get(p.name) is p and p.impl.__module__ == m.__name__}


# Primitives deliberately left to vmap's generic loop, each with its reason. None so far.
LEFT_TO_THE_LOOP: dict = {}


def test_every_reduction_primitive_has_a_batching_rule():
    prims = _family_primitives()
    assert {"sum", "mean", "prod", "max", "min", "cumsum", "cumprod", "expand_reduced", "argmax", "argmin", "all",
            "any"} <= set(prims)
    missing = sorted(n for n, p in prims.items() if p.batch is None and n not in LEFT_TO_THE_LOOP)
    assert not missing, f"reductions primitives without a batching rule: {missing}"


@pytest.fixture
def no_loop(monkeypatch):
    """Fails any vmap that falls back to the per-example loop: proves the fast rules run."""
    import funcgrad.core.batching as B

    def refuse(prim, *a, **k):
        raise AssertionError(f"{prim.name} fell back to the loop")
    monkeypatch.setattr(B, "loop_rule", refuse)


def _loop(f, xs):
    return np.stack([np.asarray(f(x)) for x in xs])


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min", "all", "any"])
@pytest.mark.parametrize("axis", [None, 0, -1, -3, (0, -1), (-2,), ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_vmap_reductions_match_a_loop(no_loop, name, axis, keepdims):
    xs = RNG.standard_normal((2, 3, 4, 5)) * (RNG.random((2, 3, 4, 5)) > 0.3)
    f = lambda x: getattr(fnp, name)(x, axis=axis, keepdims=keepdims)  # noqa: E731
    np.testing.assert_allclose(fg.vmap(f)(xs), _loop(lambda x: getattr(np, name)(x, axis=axis, keepdims=keepdims),
                                                         xs), rtol=1e-12)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, -1, 1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_vmap_arg_reductions_flatten_each_example(no_loop, name, axis, keepdims):
    xs = RNG.standard_normal((4, 3, 2, 5))
    f = lambda x: getattr(fnp, name)(x, axis=axis, keepdims=keepdims)  # noqa: E731
    out = fg.vmap(f)(xs)
    np.testing.assert_array_equal(out, _loop(lambda x: getattr(np, name)(x, axis=axis, keepdims=keepdims), xs))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("axis", [None, 0, -1, -2])
def test_vmap_cumulative_match_a_loop(no_loop, name, axis):
    xs = RNG.standard_normal((3, 2, 4))
    out = fg.vmap(lambda x: getattr(fnp, name)(x, axis=axis))(xs)
    np.testing.assert_allclose(out, _loop(lambda x: getattr(np, name)(x, axis=axis), xs), rtol=1e-12)
    from funcgrad.primitives.cumulative import _cumsum
    rev = fg.vmap(lambda x: _cumsum(x, axis=axis, reverse=True))(xs)
    np.testing.assert_allclose(rev, _loop(lambda x: np.flip(np.cumsum(np.flip(x.ravel() if axis is None else x,
                                                                                  axis=axis or 0), axis=axis or 0),
                                                                      axis=axis or 0), xs), rtol=1e-12)


@pytest.mark.parametrize("axis", [None, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_vmap_expand_reduced_prepends_the_batch(no_loop, axis, keepdims):
    from funcgrad.primitives.reductions import expand_reduced
    shape = (2, 3, 4)
    gs = RNG.standard_normal((5,) + np.sum(np.zeros(shape), axis=axis, keepdims=keepdims).shape)
    out = fg.vmap(lambda g: expand_reduced(g, shape=shape, axis=axis, keepdims=keepdims))(gs)
    ax = tuple(range(3)) if axis is None else axis
    want = np.stack([np.broadcast_to(g if keepdims else np.expand_dims(g, ax), shape) for g in gs])
    np.testing.assert_array_equal(out, want)


def test_vmap_reductions_of_scalar_and_empty_examples(no_loop):
    s = np.array([1.0, -2.0, 3.0])  # three 0-d examples
    np.testing.assert_array_equal(fg.vmap(fnp.sum)(s), s)
    np.testing.assert_array_equal(fg.vmap(lambda x: fnp.max(x, keepdims=True))(s), s)
    np.testing.assert_array_equal(fg.vmap(fnp.cumsum)(s), s[:, None])
    np.testing.assert_array_equal(fg.vmap(fnp.argmax)(s), [0, 0, 0])
    empty_batch = np.zeros((0, 3, 2))  # the loop cannot batch zero examples: only the rules can
    assert fg.vmap(lambda x: fnp.sum(x, axis=-1))(empty_batch).shape == (0, 3)
    assert fg.vmap(fnp.cumprod)(empty_batch).shape == (0, 6)
    assert fg.vmap(lambda x: fnp.argmin(x, keepdims=True))(empty_batch).shape == (0, 1, 1)
    assert fg.vmap(lambda x: fnp.mean(x, axis=0))(np.zeros((2, 0, 3))).shape == (2, 3)


def test_vmap_reduction_axis_errors_count_per_example_axes():
    xs = np.ones((4, 2, 3))
    for name in ["sum", "max", "cumsum", "argmax"]:
        with pytest.raises(ValueError, match=f"funcgrad.{name} under vmap.*\\(2, 3\\).*axis -3 is out of bounds"):
            fg.vmap(lambda x: getattr(fnp, name)(x, axis=-3))(xs)
        with pytest.raises(ValueError, match=f"funcgrad.{name} under vmap.*axis 2 is out of bounds"):
            fg.vmap(lambda x: getattr(fnp, name)(x, axis=2))(xs)


def test_vmap_reductions_compose_with_grad():
    xs = RNG.standard_normal((3, 4, 2)) + 0.1
    f = lambda x: fnp.sum(fnp.prod(x, axis=-1) * fnp.max(x, axis=-1)) + fnp.mean(fnp.cumsum(x) ** 2)  # noqa: E731
    per_example = np.stack([fg.grad(f)(x) for x in xs])
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(xs), per_example, rtol=1e-10)
    np.testing.assert_allclose(fg.grad(lambda m: fnp.sum(fg.vmap(f)(m)))(xs), per_example, rtol=1e-10)
    # second order through the batched rules, checked against finite differences
    check_grads(lambda m: fg.vmap(lambda x: fnp.cumprod(x, axis=0) * fnp.min(x, axis=None, keepdims=True))(m),
                (xs,), order=2)
    check_grads(lambda m: fg.vmap(fg.grad(lambda x: fnp.sum(fnp.prod(x, axis=0) ** 2)))(m), (xs,), order=1)


def test_vmap_of_product_derivatives_with_zeros_in_some_examples():
    # The zero-safe formulas are chosen for the whole batch; examples without zeros must still get theirs right.
    xs = np.array([[2.0, 0.0, 3.0], [1.5, -2.0, 0.5], [0.0, 0.0, 4.0]])
    t = np.array([1.0, -0.5, 2.0])
    for f in [lambda x: fnp.prod(x), lambda x: fnp.sum(fnp.cumprod(x) ** 2)]:
        np.testing.assert_allclose(fg.vmap(fg.grad(f))(xs), np.stack([fg.grad(f)(x) for x in xs]), rtol=1e-12)
        np.testing.assert_allclose(fg.vmap(lambda x: fg.jvp(f, (x,), (t,))[1])(xs),
                                   [fg.jvp(f, (x,), (t,))[1] for x in xs], rtol=1e-12)
    np.testing.assert_allclose(fg.vmap(fg.grad(fnp.prod))(xs), [[0.0, 6.0, 0.0], [-1.0, 0.75, -3.0], [0.0, 0.0, 0.0]])
