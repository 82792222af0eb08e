"""custom_jvp / custom_vjp / checkpoint under vmap: the call is batched as a whole, so each example gets its own
result (a reducing function reduces per example) and transforms outside the vmap still use the user's rule (a
clipped or stabilised gradient stays clipped or stabilised). Checked against a Python loop over the examples and
against what the rule says, in every order of vmap with grad, jvp, jacrev and jit."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

rng = np.random.default_rng(3)
X = rng.normal(size=(4, 3))
W = rng.normal(size=3)


@fg.custom_jvp
def norm(x):
    return fnp.sqrt(fnp.sum(x ** 2))


# the rule's tangent is deliberately twice the true one, so a result that used the rule is recognisable
norm.defjvp(lambda p, t: (norm(p[0]), 2.0 * fnp.sum(p[0] * t[0]) / norm(p[0])))


@fg.custom_vjp
def clip_gradient(x):
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -0.1, 0.1),))


@fg.custom_vjp
def weighted(w, x):  # a batched x with an unbatched w: w's cotangent sums over the examples
    return fnp.sum(w * fnp.sin(x))


weighted.defvjp(lambda w, x: (weighted(w, x), (w, x)),
                lambda r, g: (3.0 * g * fnp.sin(r[1]), g * r[0] * fnp.cos(r[1])))  # w's: 3x the true one


def rule_norm_grad(x):
    return 2.0 * x / np.linalg.norm(x)


def test_vmap_of_a_reducing_custom_jvp_reduces_per_example():
    np.testing.assert_allclose(fg.vmap(norm)(X), np.linalg.norm(X, axis=1), rtol=1e-13)
    np.testing.assert_allclose(fg.jit(fg.vmap(norm))(X), np.linalg.norm(X, axis=1), rtol=1e-13)
    np.testing.assert_allclose(fg.vmap(fg.jit(norm))(X), np.linalg.norm(X, axis=1), rtol=1e-13)
    np.testing.assert_allclose(fg.vmap(fg.vmap(norm))(X[None]), np.linalg.norm(X, axis=1)[None], rtol=1e-13)


@pytest.mark.parametrize("how", ["vmap(grad)", "grad(sum(vmap))", "jit(vmap(grad))", "vmap(jit(grad))",
                                 "jacrev(vmap)"])
def test_gradients_through_a_vmapped_custom_jvp_use_its_rule(how):
    want = np.stack([rule_norm_grad(x) for x in X])
    if how == "vmap(grad)":
        got = fg.vmap(fg.grad(norm))(X)
    elif how == "grad(sum(vmap))":
        got = fg.grad(lambda X: fnp.sum(fg.vmap(norm)(X)))(X)
    elif how == "jit(vmap(grad))":
        got = fg.jit(fg.vmap(fg.grad(norm)))(X)
    elif how == "vmap(jit(grad))":
        got = fg.vmap(fg.jit(fg.grad(norm)))(X)
    else:
        got = np.einsum("iij->ij", fg.jacrev(fg.vmap(norm))(X))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_forward_mode_through_a_vmapped_custom_jvp_uses_its_rule():
    T = rng.normal(size=X.shape)
    want = np.array([2.0 * x @ t / np.linalg.norm(x) for x, t in zip(X, T)])
    np.testing.assert_allclose(fg.jvp(fg.vmap(norm), (X,), (T,))[1], want, rtol=1e-12)
    np.testing.assert_allclose(fg.vmap(lambda x, t: fg.jvp(norm, (x,), (t,))[1])(X, T), want, rtol=1e-12)


def test_a_custom_jvp_with_an_unbatched_argument_under_vmap():
    @fg.custom_jvp
    def scaled(w, x):
        return fnp.sum(w * x ** 2)

    scaled.defjvp(lambda p, t: (scaled(*p), fnp.sum(t[0] * p[1] ** 2) + fnp.sum(4.0 * p[0] * p[1] * t[1])))
    got = fg.vmap(scaled, in_axes=(None, 0))(W, X)
    np.testing.assert_allclose(got, X ** 2 @ W, rtol=1e-13)
    gw, gx = fg.grad(lambda w, X: fnp.sum(fg.vmap(scaled, in_axes=(None, 0))(w, X)), argnums=(0, 1))(W, X)
    np.testing.assert_allclose(gw, np.sum(X ** 2, axis=0), rtol=1e-12)
    np.testing.assert_allclose(gx, 4.0 * W * X, rtol=1e-12)  # the rule's (twice the true) x-derivative


@pytest.mark.parametrize("how", ["grad(sum(vmap))", "vmap(grad)", "jit(grad(sum(vmap)))", "grad(sum(vmap(jit)))"])
def test_a_vmapped_custom_vjp_keeps_its_backward_rule(how):
    f = lambda x: fnp.sum(clip_gradient(x) * 3.0)  # noqa: E731
    if how == "grad(sum(vmap))":
        got = fg.grad(lambda X: fnp.sum(fg.vmap(f)(X)))(X)
    elif how == "vmap(grad)":
        got = fg.vmap(fg.grad(f))(X)
    elif how == "jit(grad(sum(vmap)))":
        got = fg.jit(fg.grad(lambda X: fnp.sum(fg.vmap(f)(X))))(X)
    else:
        got = fg.grad(lambda X: fnp.sum(fg.vmap(fg.jit(f))(X)))(X)
    np.testing.assert_allclose(got, np.full(X.shape, 0.1))  # clipped, not the undecorated 3.0


def test_an_unbatched_input_of_a_vmapped_custom_vjp_gets_the_summed_cotangent():
    got = fg.vmap(weighted, in_axes=(None, 0))(W, X)
    np.testing.assert_allclose(got, np.sin(X) @ W, rtol=1e-13)
    gw, gx = fg.grad(lambda w, X: fnp.sum(fg.vmap(weighted, in_axes=(None, 0))(w, X)), argnums=(0, 1))(W, X)
    np.testing.assert_allclose(gw, 3.0 * np.sum(np.sin(X), axis=0), rtol=1e-12)
    np.testing.assert_allclose(gx, W * np.cos(X), rtol=1e-12)


def test_checkpoint_under_vmap_equals_the_loop_and_differentiates():
    layer = fg.checkpoint(lambda x, w: fnp.tanh(fnp.sum(x * w)) * x)
    want = np.stack([np.tanh(x @ W) * x for x in X])
    np.testing.assert_allclose(fg.vmap(layer, in_axes=(0, None))(X, W), want, rtol=1e-13)
    loss = lambda w, X: fnp.sum(fg.vmap(layer, in_axes=(0, None))(X, w) ** 2)  # noqa: E731
    plain = lambda w, X: fnp.sum(fnp.stack([fnp.tanh(fnp.sum(x * w)) * x for x in X]) ** 2)  # noqa: E731
    np.testing.assert_allclose(fg.grad(loss)(W, X), fg.grad(plain)(W, X), rtol=1e-12)


def test_a_batched_nondiff_argument_is_refused_with_a_clear_error():
    @fg.custom_vjp
    def power(n, x):
        return x ** n

    power.defvjp(lambda n, x: (x ** n, x), lambda n, x, g: (g * n * x ** (n - 1),))
    power = fg.custom_vjp(power.fun, nondiff_argnums=(0,))
    power.defvjp(lambda n, x: (x ** n, x), lambda n, x, g: (g * n * x ** (n - 1),))
    np.testing.assert_allclose(fg.vmap(power, in_axes=(None, 0))(2.0, X), X ** 2)
    with pytest.raises(NotImplementedError, match=r"custom_vjp\(.*argument 0 is in nondiff_argnums.*in_axes=None"):
        fg.vmap(power)(np.full(4, 2.0), X)
