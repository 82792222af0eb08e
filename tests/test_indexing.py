"""The indexing family: values against NumPy, gradients (finite differences and independent derivations) of the
compositions (take, take_along_axis, sort, compress, extract, .at methods), the no-mutation property of functional
updates on plain arrays, and error messages."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import Box, Trace
from funcgrad.primitives import indexing as ix
from funcgrad.primitives import updates as up
from funcgrad.testing import check_grads
from funcgrad.testing import strategies as fst

from specs.indexing import indices

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4, 5))

MIXED = [
    (np.array([0, 0, 2]), slice(None, None, -2)),
    (Ellipsis, np.array([[4, 4], [0, -1]])),
    (slice(1, None), None, np.array([3, 3, 0]), 2),
    (np.array([True, False, True]), slice(None, None, -1), None, np.array([1, 1])),
    (np.array([[True, False, True, True]] * 3),),
    (1, Ellipsis, None, slice(3, 0, -1)),
    (np.array([2, 0]), np.array([[1], [1], [3]]), slice(None)),
    (slice(0, 0), 1),
    (-1, -2, -3),
    (),
]


# --- getitem ------------------------------------------------------------------------------------------------------
@given(fst.shapes().flatmap(lambda s: st.tuples(fst.arrays(s), indices(s))))
def test_getitem_values_match_numpy(x_idx):
    x, idx = x_idx
    np.testing.assert_array_equal(fnp.getitem(x, idx), x[idx])


@pytest.mark.parametrize("idx", MIXED, ids=repr)
def test_getitem_gradients_for_mixed_indices(idx):
    assert np.shape(fnp.getitem(X, idx)) == np.shape(X[idx])
    check_grads(lambda x: fnp.getitem(x, idx) ** 2, (X,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: x[idx] * x[idx], (X,), order=2, modes=("fwd", "rev"))  # Box.__getitem__


def test_repeated_indices_accumulate_gradient_by_count():
    x = rng.standard_normal(5)
    idx = np.array([1, 3, 1, 1, 0, 3])
    w = rng.standard_normal(idx.size)
    g = fg.grad(lambda x: fnp.sum(x[idx] * w))(x)
    expected = np.zeros(5)
    for k, i in enumerate(idx):  # each occurrence contributes its own weight
        expected[i] += w[k]
    np.testing.assert_allclose(g, expected)
    # with unit weights the gradient is the number of times each element was selected
    np.testing.assert_array_equal(fg.grad(lambda x: fnp.sum(x[idx]))(x), [1, 3, 0, 2, 0])


def test_repeated_indices_in_two_dimensions():
    x = rng.standard_normal((3, 4))
    rows, cols = np.array([0, 2, 0]), np.array([1, 3, 1])
    g = fg.grad(lambda x: fnp.sum(x[rows, cols] ** 2))(x)
    expected = np.zeros((3, 4))
    expected[0, 1] = 2 * 2 * x[0, 1]
    expected[2, 3] = 2 * x[2, 3]
    np.testing.assert_allclose(g, expected)


def test_scatter_add_repeats_and_second_order():
    g = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ix.scatter_add(g, idx=np.array([2, 0, 2]), shape=(4,)), [2.0, 0.0, 4.0, 0.0])
    check_grads(lambda x: fg.grad(lambda y: fnp.sum(y[np.array([0, 0, 1])] ** 3))(x), (X[0, 0],), order=2,
                modes=("fwd", "rev"))


def test_getitem_on_zero_d_and_empty_arrays():
    x0 = np.array(1.5)
    for idx in [(), Ellipsis, None, (None, Ellipsis), np.True_, np.False_]:
        np.testing.assert_array_equal(fnp.getitem(x0, idx), x0[idx])
        check_grads(lambda x: fnp.getitem(x, idx) * 3.0, (x0,), order=2, modes=("fwd", "rev"))
    empty = np.zeros((0, 3))
    check_grads(lambda x: fnp.getitem(x, (slice(None), np.array([2, 2]))), (empty,), modes=("fwd", "rev"))


def test_traced_index_arrays_are_unwrapped():
    x = rng.standard_normal(4)
    trace = Trace("test")
    boxed_idx = trace.new_input(np.array([3, 3, 0]))
    out = fnp.getitem(x, boxed_idx)
    trace.close()
    np.testing.assert_array_equal(out, x[[3, 3, 0]])
    # an index computed inside a differentiated function (argsort of the traced input) works as well
    g = fg.grad(lambda x: fnp.sum(x[fnp.argsort(x)[:2]] * np.array([1.0, 10.0])))(x)
    expected = np.zeros(4)
    expected[np.argsort(x)[:2]] = [1.0, 10.0]
    np.testing.assert_allclose(g, expected)


def test_lists_and_iteration():
    x = rng.standard_normal((3, 2))
    np.testing.assert_array_equal(fnp.getitem(x, [2, 0, 2]), x[[2, 0, 2]])
    np.testing.assert_array_equal(fnp.getitem(x, []), x[[]])
    np.testing.assert_array_equal(fnp.getitem(x, ([0, 1], [1, 1])), x[[0, 1], [1, 1]])
    check_grads(lambda x: sum(row * row for row in x), (x,), order=2, modes=("fwd", "rev"))  # Box.__iter__


# --- functional updates -------------------------------------------------------------------------------------------
UPDATE_INDICES = [1, (slice(None, None, -2), 0), np.array([2, 0]), np.array([True, False, True]),
                  (np.array([0, 2, 0, 0]), slice(1, 3))]


@pytest.mark.parametrize("method", ["set", "add", "multiply", "divide", "min", "max"])
@pytest.mark.parametrize("idx", UPDATE_INDICES, ids=repr)
def test_at_updates_match_numpy_and_leave_input_alone(method, idx):
    x = rng.standard_normal((3, 4))
    v = rng.uniform(0.5, 1.5, x[idx].shape[-1:] if np.ndim(x[idx]) else ())
    before = x.copy()
    out = getattr(fnp.at(x)[idx], method)(v)
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)
    expected = x.copy()
    if method == "set":
        expected[idx] = v
    else:
        ufunc = {"add": np.add, "multiply": np.multiply, "divide": np.divide, "min": np.minimum,
                 "max": np.maximum}[method]
        ufunc.at(expected, idx, np.broadcast_to(v, x[idx].shape))
    np.testing.assert_allclose(out, expected)
    np.testing.assert_array_equal(fnp.at(x)[idx].get(), x[idx])


@pytest.mark.parametrize("method", ["set", "add", "multiply", "divide", "min", "max"])
@pytest.mark.parametrize("idx", UPDATE_INDICES, ids=repr)
def test_at_update_gradients_both_sides(method, idx):
    x = rng.uniform(-1.0, 1.0, (3, 4))
    v = rng.uniform(1.5, 2.0, x[idx].shape[-1:] if np.ndim(x[idx]) else ())
    if method == "min":
        v = -v  # keep v strictly on one side of x: min/max have kinks at ties
    check_grads(lambda x, v: getattr(fnp.at(x)[idx], method)(v) ** 2, (x, v), order=2, modes=("fwd", "rev"))
    # the method form on traced values is the same function
    gx, gv = fg.grad(lambda x, v: fnp.sum(getattr(x.at[idx], method)(v) ** 2), argnums=(0, 1))(x, v)
    hx, hv = fg.grad(lambda x, v: fnp.sum(getattr(fnp.at(x)[idx], method)(v) ** 2), argnums=(0, 1))(x, v)
    np.testing.assert_array_equal(gx, hx)
    np.testing.assert_array_equal(gv, hv)


def test_at_works_on_plain_inputs_inside_traced_code():
    x = rng.standard_normal(4)
    v = 2.5
    g = fg.grad(lambda v: fnp.sum(fnp.at(x)[np.array([1, 1, 2])].add(v)))(v)
    assert g == 3.0
    g = fg.grad(lambda x: fnp.sum(fnp.at(x)[1].set(v) * 2.0))(x)
    np.testing.assert_array_equal(g, [2.0, 0.0, 2.0, 2.0])


def test_set_with_repeats_last_write_wins():
    x = np.zeros(4)
    idx = np.array([1, 3, 1, 1])
    v = np.array([10.0, 20.0, 30.0, 40.0])
    out = fnp.at(x)[idx].set(v)
    np.testing.assert_array_equal(out, [0.0, 40.0, 0.0, 20.0])
    gx, gv = fg.grad(lambda x, v: fnp.sum(fnp.at(x)[idx].set(v) * np.array([1.0, 2.0, 3.0, 4.0])),
                     argnums=(0, 1))(x, v)
    np.testing.assert_array_equal(gx, [1.0, 0.0, 3.0, 0.0])  # overwritten positions pass nothing back to x
    np.testing.assert_array_equal(gv, [0.0, 4.0, 0.0, 2.0])  # only the winning writes reach the output
    check_grads(lambda x, v: fnp.at(x)[idx].set(v) ** 2, (x + 0.5, v), order=2, modes=("fwd", "rev"))


def test_forward_mode_set_with_repeats_last_write_wins():
    x = np.zeros(4)
    idx = np.array([1, 3, 1, 1])
    v = np.array([10.0, 20.0, 30.0, 40.0])
    tx = np.array([1.0, 2.0, 3.0, 4.0])
    tv = np.array([100.0, 200.0, 300.0, 400.0])
    f = lambda x, v: fnp.at(x)[idx].set(v)  # noqa: E731
    _, t = fg.jvp(f, (x, v), (tx, tv))
    np.testing.assert_array_equal(t, [1.0, 400.0, 3.0, 200.0])  # the tangents of the winning writes
    _, t = fg.jvp(f, (x, v), (tx, np.zeros(4)))
    np.testing.assert_array_equal(t, [1.0, 0.0, 3.0, 0.0])
    _, t = fg.jvp(lambda v: fnp.at(x)[idx].set(v), (v,), (tv,))
    np.testing.assert_array_equal(t, [0.0, 400.0, 0.0, 200.0])
    _, t = fg.jvp(lambda x: fnp.at(x)[idx].set(2.5), (x,), (tx,))  # a constant value: no tangent flows from it
    np.testing.assert_array_equal(t, [1.0, 0.0, 3.0, 0.0])


def test_forward_mode_add_and_multiply_with_repeats_by_hand():
    x = rng.uniform(0.5, 1.5, 4)
    idx = np.array([2, 0, 2, 2])
    v = rng.uniform(0.5, 1.5, 4)
    tx, tv = rng.standard_normal(4), rng.standard_normal(4)
    _, t = fg.jvp(lambda x, v: fnp.at(x)[idx].add(v), (x, v), (tx, tv))
    expected = tx.copy()
    np.add.at(expected, idx, tv)
    np.testing.assert_allclose(t, expected)
    _, t = fg.jvp(lambda v: fnp.at(x)[idx].add(v), (v,), (tv,))
    np.testing.assert_allclose(t, expected - tx)
    # out[i] = x[i] * prod of the factors v_k with idx[k] == i: the product rule term by term
    _, t = fg.jvp(lambda x, v: fnp.at(x)[idx].multiply(v), (x, v), (tx, tv))
    expected = tx.copy()
    for i in range(4):
        ks = np.flatnonzero(idx == i)
        expected[i] = tx[i] * np.prod(v[ks]) + sum(x[i] * tv[k] * np.prod(v[np.setdiff1d(ks, [k])]) for k in ks)
    np.testing.assert_allclose(t, expected)
    _, t = fg.jvp(lambda x: up.index_mul(x, v[:2], idx=np.array([3, 1])), (x,), (tx,))
    np.testing.assert_allclose(t, tx * np.array([1.0, v[1], 1.0, v[0]]))
    _, t = fg.jvp(lambda v: up.index_mul(x, v, idx=np.array([3, 1])), (v[:2],), (tv[:2],))
    np.testing.assert_allclose(t, [0.0, x[1] * tv[1], 0.0, x[3] * tv[0]])


def test_forward_mode_getitem_and_scatter_add_with_repeats():
    x = rng.standard_normal(5)
    idx = np.array([1, 3, 1, 1, 0, 3])
    tx = rng.standard_normal(5)
    _, t = fg.jvp(lambda x: x[idx], (x,), (tx,))
    np.testing.assert_array_equal(t, tx[idx])
    g, tg = rng.standard_normal(6), rng.standard_normal(6)
    _, t = fg.jvp(lambda g: ix.scatter_add(g, idx=idx, shape=(5,)), (g,), (tg,))
    expected = np.zeros(5)
    for k, i in enumerate(idx):
        expected[i] += tg[k]
    np.testing.assert_allclose(t, expected)


def test_add_and_multiply_with_repeats_by_hand():
    x = rng.uniform(0.5, 1.5, 4)
    idx = np.array([2, 0, 2, 2])
    v = rng.uniform(0.5, 1.5, 4)
    w = rng.standard_normal(4)
    gx, gv = fg.grad(lambda x, v: fnp.sum(fnp.at(x)[idx].add(v) * w), argnums=(0, 1))(x, v)
    np.testing.assert_allclose(gx, w)
    np.testing.assert_allclose(gv, w[idx])
    out = fnp.at(x)[idx].multiply(v)
    expected = x.copy()
    for k, i in enumerate(idx):
        expected[i] *= v[k]
    np.testing.assert_allclose(out, expected)
    gx, gv = fg.grad(lambda x, v: fnp.sum(fnp.at(x)[idx].multiply(v) * w), argnums=(0, 1))(x, v)
    factor = np.ones(4)
    for k, i in enumerate(idx):
        factor[i] *= v[k]
    np.testing.assert_allclose(gx, w * factor)
    # d out[i] / d v_k = out[i] / v_k for the position i = idx[k]
    np.testing.assert_allclose(gv, w[idx] * expected[idx] / v)
    check_grads(lambda x, v: fnp.at(x)[idx].multiply(v), (x, v), order=2, modes=("fwd", "rev"))


def test_multiply_with_repeats_and_zero_factors():
    x = np.array([1.0, 2.0, 3.0])
    idx = np.array([1, 1])
    v = np.array([0.0, 5.0])
    _, gv = fg.grad(lambda x, v: fnp.sum(fnp.at(x)[idx].multiply(v)), argnums=(0, 1))(x, v)
    np.testing.assert_allclose(gv, [2.0 * 5.0, 0.0])  # no 0/0: the partner factor is used, not out / v


def test_values_with_extra_leading_axes_and_broadcasting():
    x = rng.standard_normal((3, 4))
    v = rng.standard_normal((1, 1, 4))
    np.testing.assert_array_equal(fnp.at(x)[0].set(v)[0], v.reshape(4))
    check_grads(lambda x, v: fnp.at(x)[0].set(v), (x, v), order=2, modes=("fwd", "rev"))
    check_grads(lambda x, v: fnp.at(x)[np.array([0, 0, 2])].add(v), (x, rng.standard_normal(4)), order=2,
                modes=("fwd", "rev"))


def test_add_multiply_scatter_with_2d_index_into_1d_and_1d_values():
    # Regression: NumPy 2.x's ufunc.at reads past the end of a 1-D value array broadcast against a 2-D index into a
    # 1-D array (garbage such as 1e236 came back); the values must be broadcast to the selection first.
    x = np.array([0.5, -1.0, 2.0])
    idx = np.array([[0, 1], [2, 0], [1, 1]])
    v = np.array([1.5, 10.0])
    added, multiplied = x.copy(), x.copy()
    for i in np.ndindex(idx.shape):  # the reference, one update at a time
        added[idx[i]] += v[i[-1]]
        multiplied[idx[i]] *= v[i[-1]]
    np.testing.assert_array_equal(fnp.at(x)[idx].add(v), added)
    np.testing.assert_array_equal(up.index_add(x, v, idx=idx), added)
    np.testing.assert_allclose(fnp.at(x)[idx].multiply(v), multiplied)
    np.testing.assert_array_equal(ix.scatter_add(v, idx=idx, shape=(3,)), added - x)
    one = np.array([[0, 0], [0, 0], [0, -1]])  # the failing draw: x of shape (1,), v of shape (2,)
    np.testing.assert_array_equal(fnp.at(np.zeros(1))[one].add(np.array([1.0, 10.0])), [33.0])
    check_grads(lambda x, v: fnp.at(x)[one].add(v), (np.zeros(1), np.zeros(2)), order=2, modes=("fwd", "rev"))
    check_grads(lambda x, v: fnp.at(x)[idx].add(v), (x, v), order=2, modes=("fwd", "rev"))
    check_grads(lambda x, v: fnp.at(x)[idx].multiply(v), (x, v), order=2, modes=("fwd", "rev"))
    check_grads(lambda g: ix.scatter_add(g, idx=idx, shape=(3,)), (v,), order=2, modes=("fwd", "rev"))


def test_at_accepts_lists_and_scalars():
    np.testing.assert_array_equal(fnp.at([1.0, 2.0, 3.0])[[0, 2]].set(0.0), [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(fnp.at(np.array(2.0))[()].add(1.0), 3.0)


def test_index_mul_primitive_rejects_repeats():
    with pytest.raises(ValueError, match=r"index_mul.*repeat.*at\[idx\]\.multiply"):
        up.index_mul(np.ones(3), 2.0, idx=np.array([0, 0]))


# --- take, take_along_axis, sort, compress, extract, nonzero -------------------------------------------------------
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
def test_take_values_and_gradients(axis, mode):
    x = rng.standard_normal((3, 4))
    ind = np.array([[0, -1], [2, 2]]) if mode == "raise" else np.array([[5, -7], [2, 2]])
    np.testing.assert_array_equal(fnp.take(x, ind, axis=axis, mode=mode), np.take(x, ind, axis=axis, mode=mode))
    np.testing.assert_array_equal(fnp.take(x, 1, axis=axis, mode=mode), np.take(x, 1, axis=axis, mode=mode))
    check_grads(lambda x: fnp.take(x, ind, axis=axis, mode=mode) ** 2, (x,), order=2, modes=("fwd", "rev"))


def test_take_zero_d_and_one_d():
    np.testing.assert_array_equal(fnp.take(np.array(2.0), [0, 0]), np.take(np.array(2.0), [0, 0]))
    check_grads(lambda x: fnp.take(x, [0, 0]), (np.array(2.0),), order=2, modes=("fwd", "rev"))
    x = rng.standard_normal(5)
    np.testing.assert_array_equal(fnp.take(x, [4, -5, 4]), np.take(x, [4, -5, 4]))
    np.testing.assert_array_equal(fnp.take(x, np.zeros(0, int)), np.take(x, np.zeros(0, int)))


@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_take_along_axis_values_and_gradients(axis):
    x = rng.standard_normal((3, 4, 2))
    n = x.shape[axis]
    ind_shape = list(x.shape)
    ind_shape[axis] = 5
    ind_shape[0 if axis != 0 else 1] = 1  # broadcast along another axis
    ind = rng.integers(-n, n, ind_shape)
    np.testing.assert_array_equal(fnp.take_along_axis(x, ind, axis), np.take_along_axis(x, ind, axis))
    check_grads(lambda x: fnp.take_along_axis(x, ind, axis) ** 2, (x,), order=2, modes=("fwd", "rev"))
    flat = rng.integers(0, x.size, 7)
    np.testing.assert_array_equal(fnp.take_along_axis(x, flat, None), np.take_along_axis(x, flat, None))


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_sort_and_argsort(axis):
    x = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(fnp.sort(x, axis=axis), np.sort(x, axis=axis))
    np.testing.assert_array_equal(fnp.argsort(x, axis=axis), np.argsort(x, axis=axis))
    np.testing.assert_array_equal(fnp.argsort(x, axis=axis, stable=True), np.argsort(x, axis=axis, stable=True))
    w = np.arange(12.0).reshape(np.sort(x, axis=axis).shape)
    check_grads(lambda x: fnp.sort(x, axis=axis) * w, (x,), order=2, modes=("fwd", "rev"))


def test_sort_gradient_is_the_inverse_permutation():
    x = np.array([0.3, -1.0, 2.0, 0.1])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    g = fg.grad(lambda x: fnp.sum(fnp.sort(x) * w))(x)
    np.testing.assert_array_equal(g, w[np.argsort(np.argsort(x))])


def test_argsort_and_nonzero_stop_gradients():
    trace = Trace("test")
    xb = trace.new_input(np.array([[0.0, 1.0], [2.0, 0.0]]))
    for out in [fnp.argsort(xb), fnp.argwhere(xb), fnp.flatnonzero(xb), *fnp.nonzero(xb)]:
        assert type(out) is not Box
    trace.close()


def test_compress_and_extract():
    x = rng.standard_normal((3, 4))
    for cond, axis in [([True, False, True], 0), ([False, True], 1), ([True, False, True, True, False], None)]:
        np.testing.assert_array_equal(fnp.compress(cond, x, axis=axis), np.compress(cond, x, axis=axis))
        check_grads(lambda x: fnp.compress(cond, x, axis=axis) ** 2, (x,), order=2, modes=("fwd", "rev"))
    cond = x > 0
    np.testing.assert_array_equal(fnp.extract(cond, x), np.extract(cond, x))
    check_grads(lambda x: fnp.extract(cond, x) ** 2, (x,), order=2, modes=("fwd", "rev"))


# --- errors -------------------------------------------------------------------------------------------------------
def test_out_of_bounds_messages_name_operation_index_and_shape():
    x = np.zeros((3, 4))
    with pytest.raises(IndexError, match=r"getitem.*index 5 is out of bounds for axis 0 with size 3.*\(3, 4\)"):
        fnp.getitem(x, 5)
    with pytest.raises(IndexError, match=r"getitem.*index 7 .*axis 1.*\(3, 4\)"):
        fg.grad(lambda x: fnp.sum(x[:, np.array([0, 7])]))(x)
    with pytest.raises(IndexError, match=r"index_set.*index 3 .*\(3, 4\)"):
        fnp.at(x)[3].set(1.0)
    with pytest.raises(IndexError, match=r"funcgrad\.take: index 12 is out of bounds .* size 12 .*\(3, 4\)"):
        fnp.take(x, [0, 12])
    with pytest.raises(IndexError, match=r"funcgrad\.take: index -5 .*axis 1 with size 4"):
        fnp.take(x, [-5], axis=1)
    with pytest.raises(IndexError, match=r"take_along_axis: index 4 .*axis 1 with size 4"):
        fnp.take_along_axis(x, np.array([[4]]), axis=1)


def test_wrong_mask_shape_names_both_shapes():
    x = np.zeros((3, 4))
    with pytest.raises(IndexError, match=r"mask of shape \(2,\).*shape \(3,\).*\(3, 4\)"):
        fnp.getitem(x, np.array([True, False]))
    with pytest.raises(IndexError, match=r"mask of shape \(2, 2\).*shape \(4,\).*\(3, 4\)"):
        fnp.getitem(x, (slice(None), np.ones((2, 2), bool)))
    with pytest.raises(IndexError, match=r"mask of shape \(3, 5\).*shape \(3, 4\)"):
        fnp.at(x)[np.ones((3, 5), bool)].add(1.0)


def test_other_errors():
    with pytest.raises(TypeError, match="immutable"):
        fnp.take(np.zeros(3), [0], out=np.zeros(1))
    with pytest.raises(ValueError, match="take: axis 2 is out of bounds"):
        fnp.take(np.zeros((2, 2)), [0], axis=2)
    with pytest.raises(ValueError, match="same number of dimensions"):
        fnp.take_along_axis(np.zeros((2, 2)), np.array([0]), axis=0)
    with pytest.raises(TypeError, match=r"\.at\["):
        fg.grad(lambda x: x.__setitem__(0, 1.0))(np.zeros(2))


def test_repr_of_at_helpers():
    assert "shape (3,)" in repr(fnp.at(np.zeros(3)))
    assert "index array" in repr(fnp.at(np.zeros(3))[np.array([0, 1])])


def test_mask_computed_from_the_traced_value():
    x = np.array([-1.0, 2.0, 3.0, -4.0])
    np.testing.assert_array_equal(fg.grad(lambda x: fnp.sum(x[x > 0] ** 2))(x), [0.0, 4.0, 6.0, 0.0])
    # x.at[mask].multiply(x[mask]) squares the positive entries: d/dx x**2 = 2x there, 1 elsewhere
    np.testing.assert_array_equal(fg.grad(lambda x: fnp.sum(x.at[x > 0].multiply(x[x > 0])))(x),
                                  [1.0, 4.0, 6.0, 1.0])


# --- vmap: batching rules ----------------------------------------------------------------------------------------
import contextlib  # noqa: E402
from unittest import mock  # noqa: E402

from funcgrad.core import registry  # noqa: E402

# every index whose advanced parts NumPy moves to the front (separated by a slice, None or Ellipsis), and some that
# it keeps in place; for arrays of shape (3, 4, 5)
MOVED_OR_NOT = [
    (0, slice(None), np.array([1, 2])),                      # an integer is advanced when an array is present
    (np.array([0, 2]), Ellipsis, np.array([1, 1])),
    (np.array([0, 2]), None, np.array([[1], [3]])),
    (slice(None), np.array([[0, 3]]), Ellipsis, np.array([4])),
    (np.array([True, False, True]), slice(1, None), np.array([0, 4])),
    (True, slice(None), np.array([1, 2, 2])),                 # a scalar mask is an advanced index too
    (np.array(1), slice(None), np.array([4, 0])),             # a 0-d integer array acts as an integer
    (slice(None), np.array([0, 3]), np.array([1, 1])),        # adjacent: kept in place
    (np.array([[True] * 4, [False] * 4, [True, False] * 2]), np.array([0])),
    (Ellipsis, np.array([4, 4]), None),
    (slice(None, None, -1), 1, None, slice(4, 0, -2)),        # basic only
]


@contextlib.contextmanager
def _no_fallback():
    """Fail if a rule of this family falls back to the loop over the batch."""
    def boom(prim, *a, **k):
        raise AssertionError(f"{prim.name} fell back to the loop")
    with mock.patch.object(ix, "loop_rule", boom):
        yield


def _loop(f, *xs, batched):
    n = next(len(x) for x, b in zip(xs, batched) if b)
    return np.stack([f(*[x[i] if b else x for x, b in zip(xs, batched)]) for i in range(n)])


def test_every_primitive_of_the_family_has_a_batching_rule():
    # nonzero, argwhere and flatnonzero have one too: it raises (their output shapes depend on the values)
    for name in ["getitem", "scatter_add", "index_set", "index_add", "index_mul", "argsort", "nonzero",
                 "argwhere", "flatnonzero"]:
        assert registry[name].batch is not None, name


@given(fst.shapes().flatmap(lambda s: st.tuples(st.just(s), indices(s))))
def test_batched_layout_matches_numpy(shape_idx):
    shape, idx = shape_idx
    bidx, sel_nd, front = ix._batched_layout(idx, len(shape))
    per = np.empty(shape)[idx]
    assert per.ndim == sel_nd
    whole = np.empty((2,) + shape)[bidx]
    expected = per.shape[:front] + (2,) + per.shape[front:]
    assert whole.shape == expected


@pytest.mark.parametrize("idx", MOVED_OR_NOT + MIXED, ids=repr)
def test_vmap_of_getitem_scatter_and_updates_matches_a_loop(idx):
    xb = rng.standard_normal((2, 3, 4, 5))
    sel = X[idx].shape
    with _no_fallback():
        np.testing.assert_array_equal(fg.vmap(lambda a: fnp.getitem(a, idx))(xb),
                                      _loop(lambda a: a[idx], xb, batched=[True]))
        gb = rng.standard_normal((2,) + sel)
        np.testing.assert_allclose(fg.vmap(lambda g: ix.scatter_add(g, idx=idx, shape=X.shape))(gb),
                                   _loop(lambda g: ix.scatter_add(g, idx=idx, shape=X.shape), gb, batched=[True]))
        for method in ["set", "add", "multiply"]:
            upd = lambda a, v: getattr(fnp.at(a)[idx], method)(v)  # noqa: E731
            for vshape in {sel, sel[1:], sel[-1:], ()}:
                v = rng.standard_normal(vshape)
                vb = rng.standard_normal((2,) + vshape)
                for xs, vs, batched in [(xb, vb, [True, True]), (xb, v, [True, False]), (X, vb, [False, True])]:
                    in_axes = tuple(0 if b else None for b in batched)
                    np.testing.assert_allclose(fg.vmap(upd, in_axes=in_axes)(xs, vs),
                                               _loop(upd, xs, vs, batched=batched), err_msg=f"{method} {vshape}")


def test_vmap_of_updates_with_repeats_and_extra_leading_value_axes():
    idx = (np.array([1, 1, 0]), slice(None), np.array([2, 2, 2]))  # repeated positions, moved to the front
    xb = rng.standard_normal((2, 3, 4, 5))
    vb = rng.standard_normal((2, 1, 1, 3, 4))  # extra leading size-1 axes per example
    with _no_fallback():
        for method in ["set", "add"]:
            upd = lambda a, v: getattr(fnp.at(a)[idx], method)(v)  # noqa: E731
            np.testing.assert_allclose(fg.vmap(upd)(xb, vb), _loop(upd, xb, vb, batched=[True, True]))


def test_vmap_composes_with_grad_for_indexing():
    idx = (0, slice(None), np.array([1, 1, 4]))
    def f(a):
        sel = fnp.getitem(a, idx)
        return fnp.sum(fnp.sin(sel) ** 2) + fnp.sum(fnp.at(a)[idx].add(sel * a[1, :, 1]) ** 2)
    xb = rng.standard_normal((2, 3, 4, 5))
    per_example = np.stack([fg.grad(f)(x) for x in xb])
    with _no_fallback():
        np.testing.assert_allclose(fg.vmap(fg.grad(f))(xb), per_example)
        np.testing.assert_allclose(fg.grad(lambda m: fnp.sum(fg.vmap(f)(m)))(xb), per_example)
        # second order through the batched rules: the Hessian-vector product of each example
        t = rng.standard_normal((3, 4, 5))
        hvp = lambda x: fg.grad(lambda y: fnp.sum(fg.grad(f)(y) * t))(x)  # noqa: E731
        np.testing.assert_allclose(fg.vmap(hvp)(xb), np.stack([hvp(x) for x in xb]))


@pytest.mark.parametrize("axis", [None, 0, -1, 1])
def test_vmap_of_argsort_and_sort(axis):
    xb = rng.standard_normal((3, 4, 5))
    with _no_fallback():
        np.testing.assert_array_equal(fg.vmap(lambda a: fnp.argsort(a, axis=axis))(xb),
                                      np.stack([np.argsort(x, axis=axis) for x in xb]))
        np.testing.assert_array_equal(fg.vmap(fnp.argsort)(np.arange(3.0)), np.zeros((3, 1), dtype=int))


def test_indices_computed_from_batched_values_are_gathered_per_example_or_refused():
    # An integer index computed from batched values differs per example: it reaches gather as an operand, which
    # indexes each example with its own index (see test_vmap_gather). Unwrapping it instead would index every
    # example with the whole batch's indices (a silently wrong result). What cannot be gathered per example (a
    # mask, whose selection's length varies; .at[i].multiply, whose rounds depend on the values) is refused.
    xb = rng.standard_normal((3, 4))
    table = rng.standard_normal((5, 2))
    ib = np.array([0, 4, 4])
    works = [(lambda x: x[fnp.argmax(x)], xb, lambda x: x[np.argmax(x)]), (lambda x: fnp.sort(x), xb, np.sort),
             (lambda i: fnp.take(table, i, axis=0), ib, lambda i: np.take(table, i, axis=0)),
             (lambda x: fnp.take_along_axis(x, fnp.argsort(x), -1), xb,
              lambda x: np.take_along_axis(x, np.argsort(x), -1)),
             (lambda x: fnp.at(x)[fnp.argmin(x)].set(0.0), xb, lambda x: np.where(np.arange(4) == np.argmin(x), 0, x))]
    for f, arg, ref in works:
        np.testing.assert_allclose(fg.vmap(f)(arg), np.stack([ref(a) for a in arg]))
    batched = "the index is computed from values batched by vmap"
    refused = [(lambda x: x[x > 0], rf"funcgrad\.getitem: {batched}"),
               (lambda x: fnp.compress(x > 0, x), rf"funcgrad\.compress: {batched}"),
               (lambda x: fnp.at(x)[fnp.argmin(x)].multiply(0.0), r"funcgrad \.at\[\.\.\.\]\.multiply: .*batched by vmap")]
    for f, msg in refused:
        with pytest.raises(NotImplementedError, match=msg + r".*fnp\.where"):
            fg.vmap(f)(xb)
    # the same index for every example (unbatched) is fine
    i = np.array([1, 1, 3])
    np.testing.assert_allclose(fg.vmap(lambda x, i: fnp.take(x, i), in_axes=(0, None))(xb, i), xb[:, i])


@pytest.mark.parametrize("name", ["nonzero", "argwhere", "flatnonzero"])
def test_vmap_of_value_dependent_shapes_says_why_and_what_to_do(name):
    with pytest.raises(NotImplementedError, match=rf"funcgrad\.{name} cannot be batched.*fnp\.where"):
        fg.vmap(getattr(fnp, name))(np.eye(3))
