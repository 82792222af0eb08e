"""vmap: every registered primitive, batched, agrees with a loop over the examples (registry-driven, like the
gradient test), with all arguments batched and with only the first one; plus vmap's own semantics."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import _backend as B
import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import tree

from specs import all_specs

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)

SPECS = all_specs()
SCALES = (1.0, 0.97, 0.94)  # the examples of a batch: the drawn values, shrunk a little (stays in each domain)
# Primitives whose output shape depends on the values: they cannot be batched (nor can they in JAX), and say so.
VALUE_DEPENDENT_SHAPES = {"nonzero", "argwhere", "flatnonzero"}


def _on_backend(args):
    """Host arrays as arrays of the backend under test: the batched call and the loop both run there. NumPy scalars
    count as 0-d arrays (``a * s`` turns a drawn 0-d array into one)."""
    return tuple(B.asarray(np.asarray(a)) if isinstance(a, (np.ndarray, np.generic)) else a for a in args)


def _vary(a, k):
    """The k-th example of a batch made from drawn ``a``: floats shrunk, integers shifted (they keep their dtype,
    which integer and bit operations need)."""
    if np.asarray(a).dtype.kind in "iu":
        return a + k
    return a * SCALES[k]


def _compare(out, expected_per_example):
    leaves = tree.leaves(out)
    per = [tree.leaves(e) for e in expected_per_example]
    assert len(leaves) == len(per[0])
    for k, leaf in enumerate(leaves):
        want = np.stack([B.to_numpy(p[k]) for p in per])
        got = np.asarray(B.to_numpy(leaf))
        assert got.shape == want.shape, (got.shape, want.shape)
        if want.dtype == bool:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("spec", SPECS, ids=repr)
@given(data=st.data())
def test_vmap_of_each_primitive_matches_a_loop(spec, data):
    fun, args = data.draw(spec.strategy, label="fun, args")
    examples = [tuple(_vary(a, k) for a in args) for k in range(len(SCALES))]
    stacked = _on_backend([np.stack([ex[k] for ex in examples]) for k in range(len(args))])
    if spec.name in VALUE_DEPENDENT_SHAPES:
        with pytest.raises(NotImplementedError, match=rf"{spec.name} cannot be batched.*depends on the values"):
            fg.vmap(fun)(*stacked)
        return
    _compare(fg.vmap(fun)(*stacked), [fun(*_on_backend(ex)) for ex in examples])
    if len(args) > 1:  # only the first argument batched: rules must align batched and unbatched operands
        first = [(_vary(args[0], k),) + tuple(args[1:]) for k in range(len(SCALES))]
        in_axes = (0,) + (None,) * (len(args) - 1)
        batched = _on_backend((np.stack([ex[0] for ex in first]),) + tuple(args[1:]))
        _compare(fg.vmap(fun, in_axes=in_axes)(*batched), [fun(*_on_backend(ex)) for ex in first])


def test_in_axes_out_axes_and_pytrees():
    x = np.arange(12.0).reshape(3, 4)
    xb = B.asarray(x)
    out = fg.vmap(lambda p: {"s": fnp.sum(p["a"]) * p["b"]}, in_axes=({"a": 1, "b": None},))(
        {"a": xb, "b": 2.0})
    B.assert_allclose(out["s"], 2.0 * x.sum(0))
    B.assert_allclose(fg.vmap(lambda r: r * 2.0, out_axes=1)(xb), (x * 2.0).T)
    const = fg.vmap(lambda r: 5.0)(xb)
    B.assert_allclose(const, [5.0, 5.0, 5.0])


def test_vmap_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"batch size.*\(3,\).*\(4,\)"):
        fg.vmap(lambda a, b: a + b)(B.asarray(np.ones(3)), B.asarray(np.ones(4)))
    with pytest.raises(ValueError, match="no such axis"):
        fg.vmap(lambda a: a, in_axes=2)(B.asarray(np.ones((2, 2))))


def test_vmap_composes_with_grad_and_jvp():
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    f = lambda r: fnp.sum(fnp.tanh(r) * r)  # noqa: E731
    per_example = np.stack([fg.grad(f)(r) for r in x])  # on the host: what to expect
    xb = B.asarray(x)
    B.assert_allclose(fg.vmap(fg.grad(f))(xb), per_example)
    B.assert_allclose(fg.grad(lambda m: fnp.sum(fg.vmap(f)(m)))(xb), per_example)
    t = np.ones(3)
    B.assert_allclose(fg.vmap(lambda r: fg.jvp(f, (r,), (B.asarray(t),))[1])(xb), per_example @ t)
    # per-example gradients of a shared parameter, the classic use
    w = np.array([0.5, -1.0, 2.0])
    per_ex = fg.vmap(fg.grad(lambda w, r: fnp.sum(fnp.sin(w * r))), in_axes=(None, 0))(B.asarray(w), xb)
    B.assert_allclose(per_ex, np.cos(w * x) * x)


def test_python_branch_on_a_batched_value_is_a_clear_error():
    def f(x):
        return x * 2.0 if x > 0 else -x

    with pytest.raises(TypeError, match=r"fnp\.where"):
        fg.vmap(f)(B.asarray([1.0, -1.0]))
    B.assert_allclose(fg.vmap(lambda x: fnp.where(x > 0, x * 2.0, -x))(B.asarray([1.0, -1.0])), [2.0, 1.0])


@pytest.mark.parametrize("make", [fnp.zeros_like, fnp.ones_like, fnp.empty_like, lambda p: fnp.full_like(p, 2.0)],
                         ids=["zeros_like", "ones_like", "empty_like", "full_like"])
def test_like_functions_take_the_per_example_shape_under_vmap(make):
    """A template traced by vmap has its per-example shape: the batch axis must be added once, by vmap."""
    xb = B.asarray(np.ones((4, 3)))
    assert fg.vmap(make)(xb).shape == (4, 3)
    assert fg.vmap(fg.vmap(make))(B.asarray(np.ones((2, 4, 3)))).shape == (2, 4, 3)
    assert fg.vmap(lambda p: make(p) * p)(xb).shape == (4, 3)


def test_keyword_arguments_are_batched_along_axis_0_as_in_jax():
    X, B = np.arange(6.0).reshape(3, 2), np.arange(3.0)
    got = fg.vmap(lambda x, b=0.0, *, w: x * w + b)(X, b=B, w=X)
    np.testing.assert_allclose(got, X * X + B[:, None])
    np.testing.assert_allclose(fg.vmap(fg.grad(lambda x, *, w: fnp.sum(x * w)))(X, w=2 * X), 2 * X)


def test_torch_func_vmap_passes_keyword_arguments_through_unbatched():
    from funcgrad import func
    X = fg.tensor(np.arange(6.0).reshape(3, 2))
    got = func.vmap(lambda x, *, scale: x.sum() * scale)(X, scale=fg.tensor([1.0, 10.0]))
    np.testing.assert_allclose(B.to_numpy(got), np.arange(6.0).reshape(3, 2).sum(1)[:, None] * [1.0, 10.0])


def test_out_axes_as_a_pytree_prefix_of_the_output():
    X = np.arange(6.0).reshape(3, 2)

    def f(x):
        return {"outer": fnp.outer(x, x), "pair": (x, fnp.ones(2))}  # the ones do not depend on the batch

    r = fg.vmap(f, out_axes={"outer": 2, "pair": (-1, None)})(X)
    np.testing.assert_allclose(r["outer"], np.moveaxis(np.stack([np.outer(x, x) for x in X]), 0, 2))
    np.testing.assert_allclose(r["pair"][0], X.T)
    np.testing.assert_allclose(B.to_numpy(r["pair"][1]), np.ones(2))
    outer, x = fg.vmap(lambda x: (fnp.outer(x, x), x), out_axes=(1, 0))(X)
    np.testing.assert_allclose(outer, np.stack([np.outer(x, x) for x in X], axis=1))
    np.testing.assert_allclose(x, X)
    with pytest.raises(ValueError, match=r"out_axes=None for an output that depends on the batched inputs"):
        fg.vmap(lambda x: (x, x), out_axes=(0, None))(X)
    with pytest.raises(ValueError, match=r"out_axes \(0, 1, 2\) does not match the structure of the output"):
        fg.vmap(lambda x: (x, x), out_axes=(0, 1, 2))(X)
