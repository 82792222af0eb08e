"""vmap with integer indices that differ per example (``x[i]`` with ``i`` batched, ``take``, ``take_along_axis``,
``x[fnp.argmax(x)]``, ``sort``, ``.at[i].add``): they run as one ``gather`` over the batch. Every form is checked
against a Python loop over the examples, under grad (inside and outside vmap), jacrev, jit (inside and outside)
and finite differences; nested vmaps, and the refusals that remain (batched masks, ``.at[i].set``)."""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st
from hypothesis.extra import numpy as hnp

import _backend as B
import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

from specs.indexing import _shape_and_index

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)

RNG = np.random.default_rng(7)
N = 4  # examples per batch
MASK = B.asarray(RNG.random((5, 6)) < 0.4)
ROWS = B.asarray(np.array([0, 4, 4]))


def _ints(low, high, shape):
    return RNG.integers(low, high, size=(N,) + shape)


def _x(*shape):
    return RNG.standard_normal((N,) + shape)


# (name, f, args with the batch axis first, the in_axes variants to try: x shared by the examples too)
G = fnp.getitem  # on a shared x too, which inside vmap is a plain array that NumPy itself would index
CASES = [
    ("scalar", lambda x, i: G(x, i), (_x(7), _ints(-7, 7, ())), [(0, 0), (None, 0)]),
    ("array_with_repeats", lambda x, i: G(x, i),
     (_x(5, 6), np.array([[0, 4, 4], [1, 1, 1], [-1, 0, 2], [3, 2, 3]])), [(0, 0), (None, 0)]),
    ("array_2d", lambda x, i: G(x, i), (_x(5, 6, 4), _ints(0, 5, (2, 3))), [(0, 0), (None, 0)]),
    ("slice_then_array", lambda x, i: G(x, np.s_[:, i]), (_x(5, 6, 4), _ints(0, 6, (3,))), [(0, 0), (None, 0)]),
    ("array_then_slice", lambda x, i: G(x, np.s_[i, 1:]), (_x(5, 6), _ints(-5, 5, ())), [(0, 0), (None, 0)]),
    ("reversed_slice_then_scalar", lambda x, i: G(x, np.s_[::-2, i]), (_x(5, 6), _ints(0, 6, ())),
     [(0, 0), (None, 0)]),
    ("two_batched", lambda x, i, j: G(x, np.s_[i, j]), (_x(5, 6), _ints(0, 5, (3,)), _ints(0, 6, (3,))),
     [(0, 0, 0), (None, 0, 0), (0, 0, None), (None, None, 0)]),
    ("separated_by_a_slice", lambda x, i, j: G(x, np.s_[i, :, j]),
     (_x(5, 6, 4), _ints(0, 5, (3,)), _ints(0, 4, (3,))), [(0, 0, 0), (None, 0, 0), (0, None, 0)]),
    ("ellipsis", lambda x, i: G(x, np.s_[..., i]), (_x(5, 6, 4), _ints(0, 4, (2,))), [(0, 0), (None, 0)]),
    ("ellipsis_between", lambda x, i, j: G(x, np.s_[i, ..., j]), (_x(5, 6, 4), _ints(0, 5, ()), _ints(0, 4, (2,))),
     [(0, 0, 0), (None, 0, None), (0, None, 0)]),
    ("newaxis_first", lambda x, i: G(x, np.s_[None, i]), (_x(5, 6), _ints(0, 5, (3,))), [(0, 0), (None, 0)]),
    ("newaxis_between", lambda x, i, j: G(x, np.s_[i, None, j]), (_x(5, 6), _ints(0, 5, (2,)), _ints(0, 6, (2,))),
     [(0, 0, 0), (None, 0, 0)]),
    ("static_array_and_batched", lambda x, i: G(x, np.s_[ROWS, i]), (_x(5, 6), _ints(0, 6, (3,))),
     [(0, 0), (None, 0)]),
    ("static_int_first", lambda x, i: G(x, np.s_[2, i]), (_x(5, 6, 4), _ints(0, 6, (3,))), [(0, 0), (None, 0)]),
    ("static_int_after", lambda x, i: G(x, np.s_[i, 2]), (_x(5, 6, 4), _ints(0, 5, ())), [(0, 0), (None, 0)]),
    ("slice_int_batched", lambda x, i: G(x, np.s_[:, 2, i]), (_x(5, 6, 4), _ints(0, 4, (2,))), [(0, 0), (None, 0)]),
    ("static_mask_and_batched", lambda x, i: G(x, np.s_[MASK, i]), (_x(5, 6, 4), _ints(0, 4, ())),
     [(0, 0), (None, 0)]),
    ("scalar_and_array", lambda x, i, j: G(x, np.s_[i, j]), (_x(5, 6), _ints(0, 5, ()), _ints(0, 6, (4,))),
     [(0, 0, 0), (0, 0, None), (None, None, 0)]),
    ("broadcast_arrays", lambda x, i, j: G(x, np.s_[i[:, None], j[None, :]]),
     (_x(5, 6, 4), _ints(0, 5, (3,)), _ints(0, 6, (2,))), [(0, 0, 0), (None, 0, 0), (0, None, 0)]),
    ("take_flat", lambda x, i: fnp.take(x, i), (_x(5, 6), _ints(-30, 30, (4,))), [(0, 0), (None, 0)]),
    ("take_axis", lambda x, i: fnp.take(x, i, axis=1), (_x(5, 6, 4), _ints(0, 6, (2, 2))), [(0, 0), (None, 0)]),
    ("take_wrap", lambda x, i: fnp.take(x, i, axis=-1, mode="wrap"), (_x(5, 4), _ints(-9, 9, (3,))),
     [(0, 0), (None, 0)]),
    ("take_clip", lambda x, i: fnp.take(x, i, axis=0, mode="clip"), (_x(5, 4), _ints(-3, 8, (3,))),
     [(0, 0), (None, 0)]),
    ("take_along_axis", lambda x, i: fnp.take_along_axis(x, i, axis=1), (_x(5, 6), _ints(0, 6, (5, 3))),
     [(0, 0), (None, 0)]),
    ("at_get", lambda x, i: fnp.at(x)[:, i].get(), (_x(5, 6), _ints(0, 6, (3,))), [(0, 0), (None, 0)]),
    ("at_add", lambda x, i: fnp.at(x)[i].add(fnp.sin(G(x, 0)) * 2.0), (_x(5, 6), _ints(0, 5, (3,))),
     [(0, 0), (None, 0)]),
    ("at_add_separated", lambda x, i, j: fnp.at(x)[i, :, j].add(G(x, np.s_[0, :, 0]) ** 2),
     (_x(5, 6, 4), _ints(0, 5, (2,)), _ints(0, 4, (2,))), [(0, 0, 0), (None, 0, 0)]),
]
IDS = [f"{c[0]}-{'_'.join('N' if a is None else str(a) for a in axes)}" for c in CASES for axes in c[3]]
PARAMS = [(c[1], c[2], axes) for c in CASES for axes in c[3]]


def _args(args, axes):
    """The arguments for ``in_axes``: an unbatched one is the first example's."""
    return tuple(B.asarray(a if ax == 0 else a[0]) for a, ax in zip(args, axes))


def _loop(f, args, axes):
    """What vmap must give: ``f`` called on each example in turn, the results stacked (on the host)."""
    return np.stack([B.to_numpy(f(*[a[k] if ax == 0 else a for a, ax in zip(args, axes)])) for k in range(N)])


def _scalar(f):
    """A scalar function of the selection, with a non-linear part so that second derivatives are not zero."""
    return lambda x, *idx: fnp.sum(fnp.sin(f(x, *idx)) * f(x, *idx))


@pytest.mark.parametrize("f, args, axes", PARAMS, ids=IDS)
def test_values_match_a_loop_also_under_jit(f, args, axes):
    a = _args(args, axes)
    want = _loop(f, a, axes)
    B.assert_allclose(fg.vmap(f, in_axes=axes)(*a), want, rtol=1e-14)
    B.assert_allclose(fg.jit(fg.vmap(f, in_axes=axes))(*a), want, rtol=1e-14)
    B.assert_allclose(fg.vmap(fg.jit(f), in_axes=axes)(*a), want, rtol=1e-14)


@pytest.mark.parametrize("f, args, axes", PARAMS, ids=IDS)
def test_gradients_match_a_loop_and_finite_differences(f, args, axes):
    a = _args(args, axes)
    h = _scalar(f)
    per = _loop(fg.grad(h), a, axes)  # one gradient per example (of x, shared or not)
    B.assert_allclose(fg.vmap(fg.grad(h), in_axes=axes)(*a), per, rtol=1e-12, atol=1e-14)
    B.assert_allclose(fg.jit(fg.vmap(fg.grad(h), in_axes=axes))(*a), per, rtol=1e-12, atol=1e-14)
    B.assert_allclose(fg.vmap(fg.jit(fg.grad(h)), in_axes=axes)(*a), per, rtol=1e-12, atol=1e-14)
    total = fg.grad(lambda x: fnp.sum(fg.vmap(h, in_axes=axes)(x, *a[1:])))(a[0])
    B.assert_allclose(total, per if axes[0] == 0 else per.sum(0), rtol=1e-12, atol=1e-14)
    jac = _loop(fg.jacrev(f), a, axes)
    B.assert_allclose(fg.vmap(fg.jacrev(f), in_axes=axes)(*a), jac, rtol=1e-14)
    check_grads(lambda x: fg.vmap(f, in_axes=axes)(x, *a[1:]), (a[0],), order=2)
    check_grads(lambda x: fg.vmap(fg.grad(h), in_axes=axes)(x, *a[1:]), (a[0],), order=1)


def _is_mask(i):
    return getattr(i, "dtype", None) == bool


def _is_integer(i):
    return type(i) is int or getattr(getattr(i, "dtype", None), "kind", "b") in "iu"


@st.composite
def _batched_index(draw):
    """(x, index items, the positions varied per example, their per-example values, x shared): one of the
    indexing specs' drawn indices with some of its integers and integer arrays varied per example, each within
    the axis it indexes."""
    shape, idx = draw(_shape_and_index())
    items = list(idx) if type(idx) is tuple else [idx]
    width = [i.ndim if _is_mask(i) else 0 if i is None or i is Ellipsis else 1 for i in items]
    fill = len(shape) - sum(width)  # the axes Ellipsis stands for
    first_axis, axis = [], 0
    for i, w in zip(items, width):
        first_axis.append(axis)
        axis += fill if i is Ellipsis else w
    ints = [k for k, i in enumerate(items) if _is_integer(i)]
    assume(ints)
    chosen = sorted(draw(st.sets(st.sampled_from(ints), min_size=1)))
    values = [draw(hnp.arrays(np.intp, (N,) + np.shape(items[k]), elements=st.integers(
        -shape[first_axis[k]], shape[first_axis[k]] - 1))) for k in chosen]
    x = draw(hnp.arrays(np.float64, (N,) + shape, elements=st.floats(-2, 2)))
    return x, items, chosen, values, draw(st.booleans())


@given(case=_batched_index())
def test_drawn_indices_with_batched_parts_match_a_loop(case):
    x, items, chosen, values, shared = case

    def f(a, *vals):
        full = list(items)
        for k, v in zip(chosen, vals):
            full[k] = v
        return fnp.getitem(a, tuple(full))

    axes = (None if shared else 0,) + (0,) * len(values)
    a = _args((x,) + tuple(values), axes)
    B.assert_allclose(fg.vmap(f, in_axes=axes)(*a), _loop(f, a, axes), rtol=1e-14)
    h = _scalar(f)
    B.assert_allclose(fg.vmap(fg.grad(h), in_axes=axes)(*a), _loop(fg.grad(h), a, axes), rtol=1e-12, atol=1e-14)


def _cross_entropy(w, x, y):
    z = x @ w
    return -(z - fnp.log(fnp.sum(fnp.exp(z))))[y]


def test_per_example_cross_entropy_gradients():
    w, x, y = RNG.standard_normal((5, 3)), RNG.standard_normal((6, 5)), np.array([0, 2, 1, 0, 2, 2])
    w, x, y = B.asarray(w), B.asarray(x), B.asarray(y)
    per = fg.vmap(fg.grad(_cross_entropy), in_axes=(None, 0, 0))(w, x, y)
    want = np.stack([B.to_numpy(fg.grad(_cross_entropy)(w, x[k], y[k])) for k in range(6)])
    B.assert_allclose(per, want, rtol=1e-13, atol=1e-15)
    # the textbook form: the outer product of the input and softmax minus one-hot
    z = B.to_numpy(x) @ B.to_numpy(w)
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    p[np.arange(6), B.to_numpy(y)] -= 1.0
    B.assert_allclose(per, B.to_numpy(x)[:, :, None] * p[:, None, :], rtol=1e-12, atol=1e-15)
    B.assert_allclose(fg.jit(fg.vmap(fg.grad(_cross_entropy), in_axes=(None, 0, 0)))(w, x, y), want, rtol=1e-13,
                      atol=1e-15)
    mean = fg.grad(lambda v: fnp.mean(fg.vmap(_cross_entropy, in_axes=(None, 0, 0))(v, x, y)))(w)
    B.assert_allclose(mean, want.mean(0), rtol=1e-12, atol=1e-15)
    check_grads(lambda v: fg.vmap(fg.grad(_cross_entropy), in_axes=(None, 0, 0))(v, x, y), (w,), order=1)


def test_indices_computed_inside_vmap():
    x = B.asarray(RNG.standard_normal((N, 6)))
    B.assert_allclose(fg.vmap(lambda r: r[fnp.argmax(r)])(x), B.to_numpy(x).max(1))
    B.assert_allclose(fg.vmap(fnp.sort)(x), np.sort(B.to_numpy(x), axis=1))
    g = fg.vmap(fg.grad(lambda r: fnp.sum(fnp.sort(r)[:2] ** 2)))(x)
    want = np.stack([B.to_numpy(fg.grad(lambda r: fnp.sum(fnp.sort(r)[:2] ** 2))(r)) for r in x])
    B.assert_allclose(g, want)
    top = fg.vmap(lambda r: fnp.take_along_axis(r, fnp.argsort(-r)[:3], axis=0))(x)
    B.assert_allclose(top, -np.sort(-B.to_numpy(x), axis=1)[:, :3])


def test_nested_vmaps():
    x, i = RNG.standard_normal((2, 3, 5, 6)), RNG.integers(0, 6, size=(2, 3, 4))
    xb, ib = B.asarray(x), B.asarray(i)
    both = fg.vmap(fg.vmap(lambda r, j: r[:, j]))(xb, ib)
    B.assert_allclose(both, np.stack([np.stack([x[a, b][:, i[a, b]] for b in range(3)]) for a in range(2)]))
    # the index batched by the outer vmap only, the array by both
    outer = fg.vmap(lambda r, j: fg.vmap(lambda s: s[:, j])(r))(xb, ib[:, 0])
    B.assert_allclose(outer, np.stack([np.stack([x[a, b][:, i[a, 0]] for b in range(3)]) for a in range(2)]))
    # the array batched by the outer vmap only, the index by both (int and array apart: NumPy's (4, 5) order)
    inner = fg.vmap(lambda r, j: fg.vmap(lambda k: r[0, :, k])(j))(xb, ib)
    B.assert_allclose(inner, np.stack([np.stack([x[a][0, :, i[a, b]] for b in range(3)]) for a in range(2)]))
    h = lambda r, j: fnp.sum(fnp.sin(r[1:, j]))  # noqa: E731
    g = fg.vmap(fg.vmap(fg.grad(h)))(xb, ib[..., 0])
    want = np.stack([np.stack([B.to_numpy(fg.grad(h)(xb[a, b], ib[a, b, 0])) for b in range(3)])
                     for a in range(2)])
    B.assert_allclose(g, want, rtol=1e-13)


def test_shared_plain_array():
    """An array shared by the examples (in_axes=None) stays a plain NumPy array inside vmap, and ``W[i]`` is then
    NumPy's own indexing, which cannot read a batched index (nor can JAX's NumPy arrays): the error points to
    funcgrad.numpy, whose getitem and take do it. Traced by grad or jit, ``W[i]`` works."""
    w, i = B.asarray(RNG.standard_normal((6, 3))), B.asarray(np.array([5, 0, 0, 2]))
    want = B.to_numpy(w)[B.to_numpy(i)]
    B.assert_allclose(fg.vmap(lambda k: fnp.getitem(w, k))(i), want)
    B.assert_allclose(fg.vmap(lambda k: fnp.take(w, k, axis=0))(i), want)
    B.assert_allclose(fg.vmap(lambda k: fnp.getitem(w, (k, 1)))(i), want[:, 1])
    with pytest.raises(TypeError, match="funcgrad.numpy"):
        fg.vmap(lambda k: w[k])(i)


def test_what_still_refuses_says_why():
    x = B.asarray(RNG.standard_normal((N, 5)))
    masks = B.asarray(RNG.random((N, 5)) < 0.5)
    msg = r"funcgrad\.getitem: the index is computed from values batched by vmap.*boolean mask"
    with pytest.raises(NotImplementedError, match=msg):  # its selection's length varies per example
        fg.vmap(lambda r, m: r[m])(x, masks)
    i = B.asarray(np.array([0, 1, 1, 4]))
    with pytest.raises(NotImplementedError, match=r"\.at\[\.\.\.\]\.multiply: .*batched by vmap.*fnp\.where"):
        fg.vmap(lambda r, k: fnp.at(r)[k].multiply(0.0))(x, i)
    B.assert_allclose(fg.vmap(lambda r, k: fnp.at(r)[k].add(1.0))(x, i), B.to_numpy(x) + np.eye(5)[B.to_numpy(i)])


def test_set_at_a_traced_scalar_index_under_jit_and_vmap():
    # JAX's x.at[i].set(v) with a traced i: one position per scalar index, so the write is well defined
    x = np.arange(12.0).reshape(3, 4)

    def f(x, i, v):
        return x.at[i, :].set(v)

    for i in (0, 2, -1):
        want = x.copy()
        want[i, :] = [1.0, 2.0, 3.0, 4.0]
        np.testing.assert_array_equal(fg.jit(f)(x, np.array(i), np.arange(1.0, 5.0)), want)
    y = fg.jit(lambda x: x.at[fnp.argmax(x)].set(0.0))(np.array([1.0, 5.0, 2.0], dtype=np.float32))
    assert y.dtype == np.float32 and y.tolist() == [1.0, 0.0, 2.0]
    # gradients: none to the overwritten entries of x, the cotangent there to v (checked by finite differences)
    check_grads(lambda x, v: fg.jit(f)(x, np.array(1), v) ** 2, (x, np.ones(4)), order=2, modes=("rev", "fwd"))
    # per-example indices under vmap, and under jit of vmap
    idx = np.array([0, 3, 1])
    want = np.zeros((3, 4))
    want[np.arange(3), idx] = -1.0
    g = fg.vmap(lambda r, i: r.at[i].set(-1.0))
    np.testing.assert_array_equal(g(np.zeros((3, 4)), idx), want)
    np.testing.assert_array_equal(fg.jit(g)(np.zeros((3, 4)), idx), want)


def test_set_with_a_traced_index_array_is_still_refused():
    with pytest.raises(NotImplementedError, match="repeated positions"):
        fg.jit(lambda x, i: x.at[i].set(0.0))(np.zeros(4), np.array([1, 1]))
