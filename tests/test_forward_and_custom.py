"""Forward mode, Jacobians and Hessians, custom rules, stop_gradient and checkpoint: transform semantics and
composition. Derivatives are compared with hand derivations or finite differences (check_grads)."""
import gc
import tracemalloc

import numpy as np
import pytest

import _backend as B
import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)

X = np.array([0.3, -1.2, 2.0])  # host: the hand derivations below are written with NumPy
XB = B.asarray(X)  # the same point on the backend under test: what the transforms are given


def f_vec(x):  # R^3 -> R^2
    return fnp.stack([fnp.sin(x[0]) * x[1], x[2] ** 2 + x[0]])


def jac_vec(x):
    return np.array([[np.cos(x[0]) * x[1], np.sin(x[0]), 0.0], [1.0, 0.0, 2 * x[2]]])


def test_jvp_matches_the_hand_derivative_and_keeps_structure():
    t = np.array([1.0, 2.0, -1.0])
    out, t_out = fg.jvp(f_vec, (XB,), (B.asarray(t),))
    B.assert_allclose(out, [np.sin(X[0]) * X[1], X[2] ** 2 + X[0]])
    B.assert_allclose(t_out, jac_vec(X) @ t)
    out, t_out, aux = fg.jvp(lambda p: ({"y": p["a"] * p["b"]}, p["a"] + 1.0), ({"a": 2.0, "b": 3.0},),
                             ({"a": 1.0, "b": 0.5},), has_aux=True)
    assert np.isclose(t_out["y"], 3.0 + 2.0 * 0.5) and np.isclose(aux, 3.0)


def test_jvp_rejects_mismatched_tangents():
    with pytest.raises(ValueError, match="shape"):
        fg.jvp(fnp.sin, (B.asarray(np.ones(3)),), (B.asarray(np.ones(2)),))
    with pytest.raises(ValueError, match="structure"):
        fg.jvp(lambda a, b: a * b, (1.0, 2.0), (1.0,))


def test_linearize_evaluates_once_and_matches_jvp():
    out, f_jvp = fg.linearize(f_vec, XB)
    for t in (np.array([1.0, 0.0, 0.0]), np.array([0.5, -2.0, 3.0])):
        B.assert_allclose(f_jvp(B.asarray(t)), jac_vec(X) @ t)
    B.assert_allclose(out, f_vec(X))


@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd, fg.jacobian])
def test_jacobians_match_the_hand_derivation(jac):
    B.assert_allclose(jac(f_vec)(XB), jac_vec(X))


@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd])
def test_jacobian_shapes_follow_output_then_input_and_pytrees(jac):
    def f(a, b):
        return {"m": a[:, None] * b[None, :], "s": fnp.sum(a) * b[0]}

    a, b = B.asarray(np.ones(2)), B.asarray(np.arange(1.0, 4.0))
    j = jac(f, argnums=(0, 1))(a, b)  # as JAX: the output's structure outside, the tuple of arguments inside
    assert set(j) == {"m", "s"} and all(type(j[k]) is tuple and len(j[k]) == 2 for k in j)
    (ma, mb), (sa, sb) = j["m"], j["s"]
    assert ma.shape == (2, 3, 2) and mb.shape == (2, 3, 3)
    assert sa.shape == (2,) and sb.shape == (3,)
    B.assert_allclose(sa, [1.0, 1.0])
    B.assert_allclose(sb, [2.0, 0.0, 0.0])
    B.assert_allclose(mb[1], np.eye(3))


@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd])
def test_jacobian_of_a_tuple_output_by_a_tuple_of_argnums_nests_output_first(jac):
    a, b = np.array([0.3, 0.5, 0.7]), np.array([1.1, -0.4])
    (j00, j01), (j10, j11) = jac(lambda a, b: (a * fnp.sum(b), fnp.sum(a) * b ** 2), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(j00, np.eye(3) * b.sum())
    np.testing.assert_allclose(j01, np.outer(a, np.ones(2)))  # d(a sum b)/db: 3 x 2
    np.testing.assert_allclose(j10, np.outer(b ** 2, np.ones(3)))  # d(sum(a) b^2)/da: 2 x 3
    np.testing.assert_allclose(j11, np.diag(2 * a.sum() * b))


def test_hessian_by_a_tuple_of_argnums_has_block_ij_d2f_dxi_dxj():
    a, b = np.array([0.3, 0.5, 0.7]), np.array([1.1, -0.4])
    (haa, hab), (hba, hbb) = fg.hessian(lambda a, b: fnp.sum(fnp.sin(a)) * fnp.sum(b ** 3), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(haa, np.diag(-np.sin(a)) * np.sum(b ** 3))
    np.testing.assert_allclose(hab, np.outer(np.cos(a), 3 * b ** 2))  # 3 x 2: rows a, columns b
    np.testing.assert_allclose(hba, hab.T)
    np.testing.assert_allclose(hbb, np.diag(6 * b) * np.sum(np.sin(a)))


def test_hessian_and_hvp():
    def f(x):
        return fnp.sum(fnp.sin(x) * x[::-1]) + x[0] ** 3

    def hess(x):  # f = sin(x0) x2 + sin(x1) x1 + sin(x2) x0 + x0^3
        h = np.zeros((3, 3))
        h[0, 0] = -np.sin(x[0]) * x[2] + 6 * x[0]
        h[0, 2] = h[2, 0] = np.cos(x[0]) + np.cos(x[2])
        h[1, 1] = -np.sin(x[1]) * x[1] + 2 * np.cos(x[1])
        h[2, 2] = -np.sin(x[2]) * x[0]
        return h

    B.assert_allclose(fg.hessian(f)(XB), hess(X), atol=1e-12)
    v = np.array([1.0, -1.0, 0.5])
    hv = fg.hvp(f, XB, B.asarray(v))
    assert hv.shape == X.shape
    B.assert_allclose(hv, hess(X) @ v, atol=1e-12)


def test_grad_of_jvp_and_jvp_of_grad():
    # d/dx [d/dt (x t)^3 at t=1 along 1] = d/dx 3x^3 = 9x^2
    assert np.isclose(fg.grad(lambda x: fg.jvp(lambda t: (x * t) ** 3, (1.0,), (1.0,))[1])(2.0), 36.0)
    # jvp of grad of x^4 along 1 = 12x^2
    assert np.isclose(fg.jvp(fg.grad(lambda x: x ** 4), (2.0,), (1.0,))[1], 48.0)
    check_grads(lambda x: fg.grad(lambda y: fnp.sum(fnp.tanh(y) ** 2))(x), (XB,), order=2, modes=("fwd", "rev"))


def test_custom_vjp_uses_the_rule_and_nests():
    @fg.custom_vjp
    def f(x):
        return fnp.sin(x)

    f.defvjp(lambda x: (fnp.sin(x), x), lambda x, g: (g * 10.0 * fnp.cos(x),))  # deliberately 10x
    assert np.isclose(fg.grad(f)(0.5), 10.0 * np.cos(0.5))
    B.assert_allclose(f(XB), np.sin(X))  # plain call
    # second order: grad of the rule's output -> d/dx 10 cos(x) = -10 sin(x)
    assert np.isclose(fg.grad(fg.grad(f))(0.5), -10.0 * np.sin(0.5))
    # forward mode has no rule: it differentiates the function itself
    assert np.isclose(fg.jvp(f, (0.5,), (1.0,))[1], np.cos(0.5))


def test_custom_vjp_with_nondiff_argnums_and_pytrees():
    @fg.custom_vjp
    def scaled(p, k):
        return p["a"] * k + p["b"]

    scaled.nondiff_argnums = ()
    scaled.defvjp(lambda p, k: (scaled.fun(p, k), k), lambda k, g: ({"a": g * k, "b": g}, None))
    g = fg.grad(lambda p: fnp.sum(scaled(p, 3.0)))({"a": B.asarray(np.ones(2)), "b": B.asarray(np.zeros(2))})
    B.assert_allclose(g["a"], [3.0, 3.0])
    B.assert_allclose(g["b"], [1.0, 1.0])

    def power_rule(n, res, g):
        return (g * n * res ** (n - 1),)

    pw = fg.custom_vjp(lambda n, x: x ** n, nondiff_argnums=(0,))
    pw.defvjp(lambda n, x: (x ** n, x), power_rule)
    assert np.isclose(fg.grad(lambda x: pw(3, x))(2.0), 12.0)
    # a traced value passed as a non-differentiated argument is unwrapped, never leaked
    assert np.isclose(fg.grad(lambda x: pw(x * 0.0 + 2.0, 3.0) * x)(1.0), 9.0)


def test_hessian_of_a_function_with_a_custom_vjp_inside():
    @fg.custom_vjp
    def softplus(x):
        return fnp.logaddexp(x, 0.0)

    softplus.defvjp(lambda x: (softplus.fun(x), x), lambda x, g: (g / (1.0 + fnp.exp(-x)),))
    h = fg.hessian(lambda x: fnp.sum(softplus(x) * x))(XB)
    s = 1 / (1 + np.exp(-X))
    B.assert_allclose(h, np.diag(2 * s + X * s * (1 - s)), atol=1e-12)


def test_custom_jvp_serves_forward_and_reverse():
    @fg.custom_jvp
    def f(x):
        return fnp.exp(x)

    f.defjvp(lambda p, t: (fnp.exp(p[0]), 2.0 * fnp.exp(p[0]) * t[0]))  # deliberately 2x
    assert np.isclose(fg.jvp(f, (1.0,), (1.0,))[1], 2 * np.e)
    assert np.isclose(fg.grad(f)(1.0), 2 * np.e)
    B.assert_allclose(fg.jacrev(f)(B.asarray([0.0, 1.0])), np.diag(2 * np.exp([0.0, 1.0])))


def test_hips_style_primitive_with_staged_rules():
    @fg.primitive
    def logsumexp(x):  # fnp on the raw arrays a primitive receives: the same code runs on every backend
        m = fnp.max(x)
        return m + fnp.log(fnp.sum(fnp.exp(x - m)))

    fg.defvjp(logsumexp, lambda ans, x: lambda g: g * fnp.exp(x - ans))
    fg.defjvp(logsumexp, lambda g, ans, x: fnp.sum(g * fnp.exp(x - ans)))
    p = np.exp(X) / np.exp(X).sum()
    B.assert_allclose(fg.grad(logsumexp)(XB), p)
    B.assert_allclose(fg.jvp(logsumexp, (XB,), (B.asarray(np.ones(3)),))[1], 1.0)
    check_grads(logsumexp, (XB,), order=2, modes=("fwd", "rev"))


def test_stop_gradient_at_every_order():
    f = lambda x: x ** 2 * fg.stop_gradient(x)  # noqa: E731
    assert fg.grad(f)(3.0) == 2 * 3.0 * 3.0
    assert fg.grad(fg.grad(f))(3.0) == 2 * 3.0
    assert fg.jvp(f, (3.0,), (1.0,))[1] == 18.0
    tree_in = {"a": 1.0, "b": (2.0,)}
    assert fg.stop_gradient(tree_in) == tree_in


def _residual_mlp(params, x, layer):
    for w in params:
        x = layer(w, x)
    return fnp.sum(x ** 2)


def _layer(w, x):  # a residual block: x + tanh(x W1) W2 / 10
    return x + (fnp.tanh(x @ w[0]) @ w[1]) * 0.1


def _peak(fn):
    gc.collect()
    tracemalloc.start()
    out = fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, peak


def test_checkpoint_gives_identical_gradients_and_cuts_peak_memory_3x():
    rng = np.random.default_rng(0)
    params = [(B.asarray(rng.standard_normal((64, 64)) / 8), B.asarray(rng.standard_normal((64, 64)) / 8))
              for _ in range(50)]
    # activations, not parameters, dominate memory: what checkpointing saves
    x = B.asarray(rng.standard_normal((640, 64)))
    plain, peak_plain = _peak(lambda: fg.grad(_residual_mlp)(params, x, _layer))
    ckpt, peak_ckpt = _peak(lambda: fg.grad(_residual_mlp)(params, x, fg.checkpoint(_layer)))
    for a, b in zip(fg.tree.leaves(plain), fg.tree.leaves(ckpt)):
        B.assert_allclose(a, b, rtol=1e-12)
    if B.NAME == "cupy":  # the stand-in keeps its data in NumPy arrays, which tracemalloc sees; CuPy's it cannot
        pytest.skip("tracemalloc measures host memory only: the GPU allocations of CuPy are not traced")
    assert peak_plain >= 3 * peak_ckpt, (peak_plain, peak_ckpt)


@pytest.mark.parametrize("chunk_size, passes", [(None, 1), (2, 1), (1, 2)])  # 2 outputs
def test_jacrev_is_one_batched_backward_pass_or_chunked(monkeypatch, chunk_size, passes):
    import funcgrad.transforms.reverse as rev

    calls = []
    real_backward = rev.backward
    monkeypatch.setattr(rev, "backward", lambda *a, **k: (calls.append(1), real_backward(*a, **k))[1])
    jac = fg.jacrev(f_vec, chunk_size=chunk_size)(XB)  # 2 outputs
    B.assert_allclose(jac, jac_vec(X))
    assert len(calls) == passes


@pytest.mark.parametrize("chunk_size", [None, 1, 2])
def test_jacfwd_chunks_agree(chunk_size):
    B.assert_allclose(fg.jacfwd(f_vec, chunk_size=chunk_size)(XB), jac_vec(X))
