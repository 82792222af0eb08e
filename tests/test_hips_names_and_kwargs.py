"""HIPS autograd's names (make_vjp, grad_and_aux, hessian_vector_product, make_hvp, argnum=, misc.flatten,
misc.optimizers) against the real autograd; jit's keyword arguments, linearize over pytrees and .at[].min/max ties
against JAX. Each comparison skips when its library is missing."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def _f(x, y):
    return fnp.sum(fnp.sin(x) * x ** 2) * y


@pytest.fixture
def ag():
    return pytest.importorskip("autograd")


def test_argnum_keyword_matches_autograd(ag):
    anp = pytest.importorskip("autograd.numpy")
    af = lambda x, y: anp.sum(anp.sin(x) * x ** 2) * y  # noqa: E731
    x, y = np.array([0.3, -1.2]), 2.0
    np.testing.assert_allclose(fg.grad(_f, argnum=1)(x, y), ag.grad(af, argnum=1)(x, y))
    np.testing.assert_allclose(fg.hessian(_f, argnum=0)(x, y), ag.hessian(af, argnum=0)(x, y))
    np.testing.assert_allclose(fg.jacobian(lambda x, y: x * y, argnum=1)(x, y),
                               ag.jacobian(lambda x, y: x * y, argnum=1)(x, y))
    np.testing.assert_allclose(fg.elementwise_grad(lambda x, y: x * y, argnum=0)(x, x),
                               ag.elementwise_grad(lambda x, y: x * y, argnum=0)(x, x))
    with pytest.raises(TypeError, match="argnum"):
        fg.grad(_f, argnums=1, argnum=0)


def test_hvp_make_vjp_grad_and_aux_match_autograd(ag):
    anp = pytest.importorskip("autograd.numpy")
    af = lambda x: anp.sum(anp.tanh(x) ** 3 * x)  # noqa: E731
    ff = lambda x: fnp.sum(fnp.tanh(x) ** 3 * x)  # noqa: E731
    x, v = np.array([0.5, -0.7, 1.1]), np.array([1.0, 2.0, -1.0])
    np.testing.assert_allclose(fg.hessian_vector_product(ff)(x, v), ag.hessian_vector_product(af)(x, v))
    hv, g = fg.make_hvp(ff)(x)
    ahv, ag_ = ag.make_hvp(af)(x)
    np.testing.assert_allclose(hv(v), ahv(v))
    np.testing.assert_allclose(g, ag_)
    vjp_fn, val = fg.make_vjp(lambda x, s: fnp.sin(x) * s, argnum=0)(x, 3.0)
    avjp, aval = ag.make_vjp(lambda x, s: anp.sin(x) * s, argnum=0)(x, 3.0)
    np.testing.assert_allclose(val, aval)
    np.testing.assert_allclose(vjp_fn(v), avjp(v))
    g, aux = fg.grad_and_aux(lambda x: (fnp.sum(x ** 2), x * 2.0))(x)
    ga, auxa = ag.grad_and_aux(lambda x: (anp.sum(x ** 2), x * 2.0))(x)
    np.testing.assert_allclose(g, ga)
    np.testing.assert_allclose(aux, auxa)


def test_misc_paths_and_flatten_match_autograd(ag):
    from autograd.misc import flatten as aflatten

    from funcgrad.misc import flatten
    from funcgrad.misc.flatten import flatten as flatten2
    from funcgrad.misc.optimizers import adam  # noqa: F401

    assert flatten is flatten2 and fg.misc.flatten is flatten
    tree_ = {"b": np.ones((2, 2)), "a": [np.arange(3.0), (2.5, np.zeros(1))]}
    flat, unflatten = flatten(tree_)
    aflat, _ = aflatten(tree_)
    np.testing.assert_array_equal(flat, aflat)
    back = unflatten(flat * 2)
    np.testing.assert_array_equal(back["b"], 2 * np.ones((2, 2)))
    np.testing.assert_array_equal(back["a"][0], 2 * np.arange(3.0))
    # differentiable: the gradient through unflatten is a flat vector
    g = fg.grad(lambda v: fnp.sum(unflatten(v)["b"] ** 2))(flat)
    np.testing.assert_array_equal(g, [0, 0, 0, 0, 0, 2, 2, 2, 2])


@pytest.mark.parametrize("name,kw", [("sgd", dict(step_size=0.05, mass=0.8)),
                                     ("rmsprop", dict(step_size=0.05, gamma=0.8)),
                                     ("adam", dict(step_size=0.05))])
def test_optimizer_trajectories_match_autograd(ag, name, kw):
    import autograd.misc.optimizers as aopt
    import autograd.numpy as anp

    import funcgrad.misc.optimizers as fopt

    target = np.array([1.0, -2.0, 0.5])

    def floss(p, i):
        return fnp.sum((p["w"] - target) ** 2 * (1 + 0.1 * i)) + p["b"] ** 2

    def aloss(p, i):
        return anp.sum((p["w"] - target) ** 2 * (1 + 0.1 * i)) + p["b"] ** 2

    x0 = {"w": np.zeros(3), "b": 1.5}
    seen, aseen = [], []
    out = getattr(fopt, name)(fg.grad(floss), x0, callback=lambda x, i, g: seen.append((x["w"], g["b"])),
                              num_iters=25, **kw)
    aout = getattr(aopt, name)(ag.grad(aloss), x0, callback=lambda x, i, g: aseen.append((x["w"], g["b"])),
                               num_iters=25, **kw)
    np.testing.assert_allclose(out["w"], aout["w"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out["b"], aout["b"], rtol=1e-12, atol=1e-14)
    for (w, gb), (aw, agb) in zip(seen, aseen):
        np.testing.assert_allclose(w, aw, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(gb, agb, rtol=1e-12, atol=1e-14)


def test_adam_signature_is_hips():
    import inspect

    from funcgrad.misc.optimizers import adam
    sig = inspect.signature(adam)
    assert list(sig.parameters)[:3] == ["grad", "x", "callback"]  # autograd's: the flat optimizer's, wrapped
    assert {k: sig.parameters[k].default for k in ("num_iters", "step_size", "b1", "b2", "eps")} == \
        dict(num_iters=100, step_size=0.001, b1=0.9, b2=0.999, eps=10**-8)


# --- JAX behaviours ---------------------------------------------------------------------------------------------
@pytest.fixture
def jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def test_jit_static_argnums_by_keyword_and_static_argnames_by_position():
    def f(x, n, scale=1.0):
        for _ in range(n):  # n must be a Python int: static
            x = x * scale
        return x

    x = np.array([1.0, 2.0])
    g = fg.jit(f, static_argnums=1)
    np.testing.assert_array_equal(g(x, n=3, scale=np.float64(2.0)), x * 8)
    np.testing.assert_array_equal(g(x, 3, scale=np.array(2.0)), x * 8)  # scale a traced keyword
    h = fg.jit(f, static_argnames="n")
    np.testing.assert_array_equal(h(x, 2, 3.0), x * 9)
    np.testing.assert_array_equal(h(x, n=2, scale=3.0), x * 9)
    np.testing.assert_array_equal(fg.jit(lambda a, b: a + b)(x, b=x), 2 * x)


def test_jacobians_hessian_checkpoint_pass_kwargs(jax):
    jnp = jax.numpy
    x = np.array([0.5, 1.5])
    f = lambda x, p=2.0: fnp.sum(x ** p)  # noqa: E731
    jf = lambda x, p=2.0: jnp.sum(x ** p)  # noqa: E731
    np.testing.assert_allclose(fg.hessian(f)(x, p=3.0), jax.hessian(jf)(x, p=3.0))
    np.testing.assert_allclose(fg.jacfwd(lambda x, p: x ** p)(x, p=3.0), jax.jacfwd(lambda x, p: x ** p)(x, p=3.0))
    np.testing.assert_allclose(fg.jacrev(lambda x, p: x ** p)(x, p=3.0), jax.jacrev(lambda x, p: x ** p)(x, p=3.0))
    c = fg.checkpoint(lambda x, s=1.0: fnp.tanh(x) * s)
    assert fg.grad(lambda x: c(x, s=3.0))(0.0) == 3.0


def test_linearize_with_pytree_primals_matches_jax(jax):
    jnp = jax.numpy
    P = {"a": np.array([1.0, 2.0]), "b": np.array(3.0)}
    T = {"a": np.array([1.0, -1.0]), "b": np.array(0.5)}
    _, fj = fg.linearize(lambda p: fnp.sin(p["a"]) * p["b"], P)
    _, jj = jax.linearize(lambda p: jnp.sin(p["a"]) * p["b"], P)
    np.testing.assert_allclose(fj(T), jj(T))
    g = lambda a, bc: (a * bc[0], {"z": bc[1] ** 2})  # noqa: E731
    _, fj = fg.linearize(g, 2.0, (np.ones(2), 3.0))
    _, jj = jax.linearize(g, 2.0, (np.ones(2), 3.0))
    got, want = fj(1.0, (np.ones(2), 1.0)), jj(1.0, (np.ones(2), 1.0))
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1]["z"], want[1]["z"])


@pytest.mark.parametrize("method", ["min", "max"])
@pytest.mark.parametrize("x,i,u", [([1.0, 5.0], [0, 0], [1.0, 1.0]),
                                   ([3.0, 5.0, 2.0], [0, 0, 2, 2, 0], [1.0, 1.0, 2.0, 0.5, 4.0]),
                                   ([2.0, 2.0], [1, 1, 1, 0], [2.0, 2.0, 1.0, 2.0])])
def test_at_min_max_ties_split_evenly_as_jax(jax, method, x, i, u):
    jnp = jax.numpy
    x, i, u = np.array(x), np.array(i), np.array(u)
    w = np.arange(1.0, len(x) + 1)
    f = lambda x, u: fnp.sum(getattr(x.at[i], method)(u) * w)  # noqa: E731
    jf = lambda x, u: jnp.sum(getattr(x.at[i], method)(u) * w)  # noqa: E731
    for a, b in zip(fg.grad(f, argnums=(0, 1))(x, u), jax.grad(jf, argnums=(0, 1))(x, u)):
        np.testing.assert_allclose(a, b)
    np.testing.assert_array_equal(getattr(fnp.at(x)[i], method)(u), getattr(jnp.asarray(x).at[i], method)(u))
    _, t = fg.jvp(lambda x, u: getattr(x.at[i], method)(u), (x, u), (np.ones_like(x), np.arange(len(u)) + 1.0))
    _, jt = jax.jvp(lambda x, u: getattr(x.at[i], method)(u), (x, u), (np.ones_like(x), np.arange(len(u)) + 1.0))
    np.testing.assert_allclose(t, jt)
