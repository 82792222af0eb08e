"""Gradients at the kinks where a formula meets 0 * inf: std of a constant slice, p-norms of the zero vector,
arctan2 at the origin, binary cross entropy at probabilities 0 and 1. Away from the kink: finite differences
(to second order); at the kink: PyTorch's values (skipped without torch), and finite higher orders."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _both_grad(torch, f, *arrays):
    """``f(lib, *tensors).sum()``'s gradients with lib = funcgrad and lib = torch, on the same float64 data."""
    out = []
    for lib in (fg, torch):
        ts = [lib.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
        f(lib, *ts).sum().backward()
        out.append([np.asarray(t.grad.detach().numpy() if lib is torch else t.grad.numpy()) for t in ts])
    return out


def _finite_hessian(f, x):
    h = fg.hessian(f)(x)
    assert np.all(np.isfinite(h)), h
    return h


# --- std ----------------------------------------------------------------------------------------------------------
def test_std_finite_differences_away_from_zero():
    x = np.random.default_rng(0).normal(size=(3, 4))
    check_grads(lambda a: fnp.std(a, axis=1), (x,), order=2)
    check_grads(lambda a: fnp.std(a, axis=0, ddof=1, keepdims=True), (x,), order=2)
    check_grads(lambda a: fnp.std(a, where=np.array([True, False, True, True])), (x,), order=2)


def test_std_zero_deviation_gradient_is_zero():
    for x in (np.zeros(3), np.full((2, 4), 3.0)):
        g = fg.grad(lambda a: fnp.sum(fnp.std(a, axis=-1)))(x)
        np.testing.assert_array_equal(g, np.zeros_like(x))
        np.testing.assert_array_equal(_finite_hessian(lambda a: fnp.std(a), x.ravel()), np.zeros((x.size,) * 2))
    # a constant row beside a varying one: only the constant one is masked
    x = np.array([[3.0, 3.0, 3.0], [1.0, 2.0, 4.0]])
    g = fg.grad(lambda a: fnp.sum(fnp.std(a, axis=1)))(x)
    np.testing.assert_array_equal(g[0], 0.0)
    np.testing.assert_allclose(g[1], fg.grad(lambda r: fnp.std(r))(x[1]))


def test_std_nan_stays_nan():
    assert np.isnan(float(fnp.std(np.array([1.0, np.nan]))))
    assert np.all(np.isnan(fg.grad(lambda a: fnp.std(a))(np.array([1.0, np.nan]))))


def test_std_matches_torch_at_zero_deviation(torch):
    ours, theirs = _both_grad(torch, lambda lib, x: x.std(), np.zeros(3))
    np.testing.assert_array_equal(ours[0], theirs[0])
    w = np.array([1.0, 2.0, 3.0, 4.0])

    def layer_norm_like(lib, x):
        y = (x - x.mean(1, keepdim=True)) / (x.std(1, keepdim=True) + 1e-5)
        return y * lib.tensor(w)

    ours, theirs = _both_grad(torch, layer_norm_like, np.full((2, 4), 3.0))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-9)
    np.testing.assert_allclose(ours[0][0], [-150000.0, -50000.0, 50000.0, 150000.0], rtol=1e-9)


# --- norms --------------------------------------------------------------------------------------------------------
ORDS = [0.5, 1.5, 2, 3, 4, None]


@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm_finite_differences_away_from_zero(ord):
    x = np.random.default_rng(1).normal(size=(2, 5))
    check_grads(lambda a: fnp.linalg.norm(a, ord=ord, axis=1), (x,), order=2)
    check_grads(lambda a: fnp.linalg.vector_norm(a, ord=2 if ord is None else ord, axis=(0, 1)), (x,), order=2)


def test_frobenius_finite_differences():
    x = np.random.default_rng(2).normal(size=(3, 3))
    check_grads(lambda a: fnp.linalg.norm(a), (x,), order=2)
    check_grads(lambda a: fnp.linalg.norm(a, "fro"), (x,), order=2)


@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm_zero_vector_gradient_is_zero(ord):
    z = np.zeros((2, 3))
    g = fg.grad(lambda a: fnp.sum(fnp.linalg.norm(a, ord=ord, axis=1)))(z)
    np.testing.assert_array_equal(g, 0.0)
    np.testing.assert_array_equal(_finite_hessian(lambda a: fnp.linalg.norm(a, ord=ord), np.zeros(3)), 0.0)
    assert float(fnp.linalg.norm(np.zeros(3), ord=ord)) == 0.0


def test_matrix_and_full_norms_zero_gradient():
    for f in (lambda a: fnp.linalg.norm(a), lambda a: fnp.linalg.norm(a, "fro")):
        np.testing.assert_array_equal(fg.grad(f)(np.zeros((2, 2))), 0.0)


def test_negative_ord_keeps_its_values():
    x = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(float(fnp.linalg.norm(x, ord=-1)), np.linalg.norm(x, ord=-1))
    assert float(fnp.linalg.norm(np.array([0.0, 2.0]), ord=-1)) == 0.0
    check_grads(lambda a: fnp.linalg.norm(a, ord=-1.5), (x,), order=2)


@pytest.mark.parametrize("p", [0.5, 1.5, 2, 3, 4])
def test_tensor_norms_match_torch_at_and_near_zero(torch, p):
    for x in (np.zeros((2, 3)), np.array([[0.0, 1.0, -2.0], [0.5, 0.0, 0.0]])):
        for f in (lambda lib, t: t.norm(p=p, dim=1), lambda lib, t: lib.linalg.vector_norm(t, ord=p, dim=1),
                  lambda lib, t: lib.linalg.vector_norm(t, ord=p), lambda lib, t: lib.linalg.norm(t, ord=p, dim=1)):
            ours, theirs = _both_grad(torch, f, x)
            np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=0)


# --- arctan2 ------------------------------------------------------------------------------------------------------
def test_arctan2_finite_differences_away_from_origin():
    rng = np.random.default_rng(3)
    y, x = rng.normal(size=4), rng.normal(size=4)
    check_grads(lambda a, b: fnp.arctan2(a, b), (y, x), order=3)
    check_grads(lambda a: fnp.arctan2(a, 2.0), (y,), order=2)


def test_arctan2_origin_gradient_is_zero():
    z = np.zeros(2)
    gy, gx = fg.grad(lambda a, b: fnp.sum(fnp.arctan2(a, b)), argnums=(0, 1))(z, z)
    np.testing.assert_array_equal(gy, 0.0)
    np.testing.assert_array_equal(gx, 0.0)
    np.testing.assert_array_equal(fg.jvp(lambda a: fnp.arctan2(a, 0.0), (z,), (np.ones(2),))[1], 0.0)
    _finite_hessian(lambda v: fnp.sum(fnp.arctan2(v[:2], v[2:])), np.zeros(4))
    # only the origin is masked
    gy, gx = fg.grad(lambda a, b: fnp.sum(fnp.arctan2(a, b)), argnums=(0, 1))(np.array([0.0, 1.0]),
                                                                                np.array([0.0, 1.0]))
    np.testing.assert_allclose(gy, [0.0, 0.5])
    np.testing.assert_allclose(gx, [0.0, -0.5])


def test_arctan2_matches_torch(torch):
    y = np.array([0.0, 0.0, 1.0, -2.0, 0.0])
    x = np.array([0.0, 1.0, 0.0, 3.0, -1.0])
    ours, theirs = _both_grad(torch, lambda lib, a, b: lib.atan2(a, b), y, x)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=0)


# --- binary cross entropy -----------------------------------------------------------------------------------------
P = np.array([0.0, 1.0, 1e-30, 0.5, 1e-13, 1.0 - 1e-7, 0.3, 0.0, 1.0])
T = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0])


def test_bce_finite_differences_away_from_the_floor():
    p = np.array([0.1, 0.4, 0.75, 0.9])
    t = np.array([1.0, 0.0, 0.3, 1.0])
    bce = fg.nn.functional.binary_cross_entropy
    check_grads(lambda a: bce(a, t, reduction="sum"), (p,), order=2)
    check_grads(lambda b: bce(p, b, reduction="sum"), (t,), order=2)


def test_bce_floor_gradient_and_finite_second_order():
    bce = fg.nn.functional.binary_cross_entropy
    g = fg.grad(lambda a: bce(a, np.array([1.0, 0.0])))(np.array([0.0, 1.0]))
    np.testing.assert_allclose(g, [-5e11, 5e11])
    h = _finite_hessian(lambda a: bce(a, np.array([1.0, 0.0]), reduction="sum"), np.array([0.0, 1.0]))
    np.testing.assert_allclose(np.diag(h), [1e12, 1e12])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_bce_matches_torch(torch, dtype, reduction):
    w = np.linspace(0.5, 2.0, P.size)
    for weight in (None, w):
        res = []
        for lib in (fg, torch):
            dt = getattr(lib, dtype)
            p = lib.tensor(P, dtype=dt, requires_grad=True)
            t = lib.tensor(T, dtype=dt)
            kw = {} if weight is None else {"weight": lib.tensor(weight, dtype=dt)}
            loss = lib.nn.functional.binary_cross_entropy(p, t, reduction=reduction, **kw)
            loss.sum().backward()
            res.append((loss.detach().numpy(), p.grad.detach().numpy()))
        (lo, go), (lt, gt) = res
        rtol = 1e-12 if dtype == "float64" else 1e-6
        np.testing.assert_allclose(lo, lt, rtol=rtol, atol=0)
        np.testing.assert_array_equal(np.signbit(lo), np.signbit(lt))
        np.testing.assert_allclose(go, gt, rtol=rtol, atol=0)


def test_bce_target_gradient_matches_torch_inside_the_clamp(torch):
    # PyTorch's target gradient is -logit(p), infinite at p in {0, 1}; funcgrad's is the clamped logs' (+-100
    # there), equal elsewhere
    inside = (P > 0) & (P < 1)
    res = []
    for lib in (fg, torch):
        p = lib.tensor(P[inside])
        t = lib.tensor(T[inside], requires_grad=True)
        lib.nn.functional.binary_cross_entropy(p, t, reduction="sum").backward()
        res.append(t.grad.detach().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-12)
