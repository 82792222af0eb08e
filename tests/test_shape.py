"""The shape family's composite functions (values against NumPy, gradients against finite differences) and its
error messages. The primitives themselves are covered by the registry-driven test (tests/specs/shape.py)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import Box
from funcgrad.testing import check_grads

rng = np.random.default_rng(0)


def r(*shape):
    return rng.standard_normal(shape)


A = r(2, 3, 4)
M = r(3, 4)
V = r(5)

# (funcgrad function, numpy function, args): values must match NumPy and gradients finite differences.
CASES = [
    (lambda a: fnp.reshape(a, (4, -1)), lambda a: np.reshape(a, (4, -1)), (A,)),
    (lambda a: fnp.reshape(a, 24), lambda a: np.reshape(a, 24), (A,)),
    (lambda a: fnp.reshape(a, shape=(6, 4)), lambda a: np.reshape(a, shape=(6, 4)), (A,)),
    (fnp.ravel, np.ravel, (A,)),
    (fnp.ravel, np.ravel, (np.array(2.0),)),
    (fnp.transpose, np.transpose, (A,)),
    (lambda a: fnp.transpose(a, (-1, 0, 1)), lambda a: np.transpose(a, (-1, 0, 1)), (A,)),
    (lambda a: fnp.moveaxis(a, 0, -1), lambda a: np.moveaxis(a, 0, -1), (A,)),
    (lambda a: fnp.moveaxis(a, (0, 2), (2, 0)), lambda a: np.moveaxis(a, (0, 2), (2, 0)), (A,)),
    (lambda a: fnp.moveaxis(a, [0, 1], [-1, -2]), lambda a: np.moveaxis(a, [0, 1], [-1, -2]), (A,)),
    (lambda a: fnp.swapaxes(a, 0, -1), lambda a: np.swapaxes(a, 0, -1), (A,)),
    (fnp.squeeze, np.squeeze, (r(1, 3, 1),)),
    (lambda a: fnp.squeeze(a, axis=-1), lambda a: np.squeeze(a, axis=-1), (r(1, 3, 1),)),
    (lambda a: fnp.squeeze(a, axis=(0, 2)), lambda a: np.squeeze(a, axis=(0, 2)), (r(1, 3, 1),)),
    (lambda a: fnp.expand_dims(a, 1), lambda a: np.expand_dims(a, 1), (M,)),
    (lambda a: fnp.expand_dims(a, (0, -1)), lambda a: np.expand_dims(a, (0, -1)), (M,)),
    (lambda a: fnp.expand_dims(a, 0), lambda a: np.expand_dims(a, 0), (np.array(1.5),)),
    (lambda a: fnp.broadcast_to(a, (2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4)), (r(3, 1),)),
    (lambda a: fnp.broadcast_to(a, 3), lambda a: np.broadcast_to(a, 3), (np.array(1.5),)),
    (lambda a, b: fnp.broadcast_arrays(a, b), lambda a, b: list(np.broadcast_arrays(a, b)), (r(3, 1), r(4))),
    (lambda a, b: fnp.concatenate([a, b], axis=1), lambda a, b: np.concatenate([a, b], axis=1), (M, r(3, 2))),
    (lambda a, b: fnp.concatenate((a, b), axis=None), lambda a, b: np.concatenate((a, b), axis=None), (M, V)),
    (lambda a, b: fnp.stack([a, b]), lambda a, b: np.stack([a, b]), (M, r(3, 4))),
    (lambda a, b: fnp.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], axis=-1), (M, r(3, 4))),
    (lambda a, b: fnp.stack((a, b), axis=1), lambda a, b: np.stack((a, b), axis=1), (V, r(5))),
    (lambda a, b: fnp.stack([a, b]), lambda a, b: np.stack([a, b]), (np.array(1.0), np.array(2.0))),
    (lambda a, b: fnp.hstack([a, b]), lambda a, b: np.hstack([a, b]), (V, r(2))),
    (lambda a, b: fnp.hstack([a, b]), lambda a, b: np.hstack([a, b]), (M, r(3, 1))),
    (lambda a, b: fnp.vstack([a, b]), lambda a, b: np.vstack([a, b]), (r(4), M)),
    (lambda a, b: fnp.dstack([a, b]), lambda a, b: np.dstack([a, b]), (M, r(3, 4))),
    (lambda a, b: fnp.column_stack([a, b]), lambda a, b: np.column_stack([a, b]), (r(3), r(3, 2))),
    (fnp.atleast_1d, np.atleast_1d, (np.array(1.0),)),
    (fnp.atleast_2d, np.atleast_2d, (V,)),
    (fnp.atleast_2d, np.atleast_2d, (np.array(1.0),)),
    (fnp.atleast_3d, np.atleast_3d, (V,)),
    (fnp.atleast_3d, np.atleast_3d, (M,)),
    (lambda a, b: fnp.atleast_1d(a, b), lambda a, b: list(np.atleast_1d(a, b)), (np.array(1.0), V)),
    (lambda a: fnp.split(a, 2, axis=1), lambda a: np.split(a, 2, axis=1), (M,)),
    (lambda a: fnp.split(a, [1, 4, 2]), lambda a: np.split(a, [1, 4, 2]), (V,)),
    (lambda a: fnp.split(a, [-2]), lambda a: np.split(a, [-2]), (V,)),
    (lambda a: fnp.array_split(a, 3), lambda a: np.array_split(a, 3), (V,)),
    (lambda a: fnp.array_split(a, 7), lambda a: np.array_split(a, 7), (V,)),
    (lambda a: fnp.array_split(a, 2, axis=-1), lambda a: np.array_split(a, 2, axis=-1), (A,)),
    (lambda a: fnp.hsplit(a, 2), lambda a: np.hsplit(a, 2), (M,)),
    (lambda a: fnp.vsplit(a, [1]), lambda a: np.vsplit(a, [1]), (M,)),
    (lambda a: fnp.tile(a, (2, 1, 1, 2)), lambda a: np.tile(a, (2, 1, 1, 2)), (A,)),
    (lambda a: fnp.tile(a, 2), lambda a: np.tile(a, 2), (np.array(1.5),)),
    (lambda a: fnp.repeat(a, 2), lambda a: np.repeat(a, 2), (M,)),
    (lambda a: fnp.repeat(a, [0, 2, 1], axis=0), lambda a: np.repeat(a, [0, 2, 1], axis=0), (M,)),
    (lambda a: fnp.repeat(a, np.array([1, 0, 3, 1]), axis=-1), lambda a: np.repeat(a, [1, 0, 3, 1], axis=-1), (M,)),
    (lambda a: fnp.repeat(a, 0, axis=1), lambda a: np.repeat(a, 0, axis=1), (M,)),
    (fnp.flip, np.flip, (A,)),
    (lambda a: fnp.flip(a, (0, -1)), lambda a: np.flip(a, (0, -1)), (A,)),
    (fnp.fliplr, np.fliplr, (M,)),
    (fnp.flipud, np.flipud, (V,)),
    (lambda a: fnp.roll(a, 3), lambda a: np.roll(a, 3), (M,)),
    (lambda a: fnp.roll(a, -1, axis=1), lambda a: np.roll(a, -1, axis=1), (M,)),
    (lambda a: fnp.roll(a, (1, 2), axis=(0, 1)), lambda a: np.roll(a, (1, 2), axis=(0, 1)), (M,)),
    (lambda a: fnp.roll(a, 2, axis=(0, 1)), lambda a: np.roll(a, 2, axis=(0, 1)), (M,)),
    (lambda a: fnp.pad(a, 1), lambda a: np.pad(a, 1), (M,)),
    (lambda a: fnp.pad(a, ((0, 1), (2, 0)), constant_values=3.0),
     lambda a: np.pad(a, ((0, 1), (2, 0)), constant_values=3.0), (M,)),
    (lambda a: fnp.pad(a, (1, 2), "constant"), lambda a: np.pad(a, (1, 2), "constant"), (V,)),
    (lambda a: fnp.pad(a, [(1, 2)]), lambda a: np.pad(a, [(1, 2)]), (M,)),
    (fnp.triu, np.triu, (M,)),
    (lambda a: fnp.tril(a, -1), lambda a: np.tril(a, -1), (A,)),
    (lambda a: fnp.triu(a, 1), lambda a: np.triu(a, 1), (V,)),
    (fnp.tril, np.tril, (V,)),
    (fnp.diagonal, np.diagonal, (M,)),
    (lambda a: fnp.diagonal(a, 1, -1, 0), lambda a: np.diagonal(a, 1, -1, 0), (A,)),
    (fnp.trace, np.trace, (M,)),
    (lambda a: fnp.trace(a, -1, 1, 2), lambda a: np.trace(a, -1, 1, 2), (A,)),
    (lambda a: fnp.trace(a, 5), lambda a: np.trace(a, 5), (M,)),
    (fnp.diag, np.diag, (V,)),
    (lambda a: fnp.diag(a, -2), lambda a: np.diag(a, -2), (V,)),
    (lambda a: fnp.diag(a, 1), lambda a: np.diag(a, 1), (M,)),
]


@pytest.mark.parametrize("k", range(len(CASES)))
def test_values_match_numpy(k):
    f, ref, args = CASES[k]
    out, want = f(*args), ref(*args)
    if isinstance(want, list):
        assert isinstance(out, list) and len(out) == len(want)
    else:
        out, want = [out], [want]
    for o, w in zip(out, want):
        assert type(o) is not Box
        assert np.shape(o) == np.shape(w)
        np.testing.assert_array_equal(o, w)


@pytest.mark.parametrize("k", range(len(CASES)))
def test_gradients_match_finite_differences(k):
    f, _, args = CASES[k]
    check_grads(f, args, order=2, modes=("fwd", "rev"))


def test_sequences_of_traced_values_are_joined_not_packed():
    x, y = r(3), r(2)
    out, f_vjp = fg.vjp(lambda x, y: fnp.concatenate([x, 2 * y]), x, y)
    np.testing.assert_array_equal(out, np.concatenate([x, 2 * y]))
    gx, gy = f_vjp(np.arange(5.0))
    np.testing.assert_array_equal(gx, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(gy, [6.0, 8.0])

    def rows(x):
        return fnp.stack([x * 1.0, x * 2.0, x * 3.0], axis=1)

    out, f_vjp = fg.vjp(rows, x)
    np.testing.assert_array_equal(out, np.stack([x, 2 * x, 3 * x], axis=1))
    (g,) = f_vjp(np.ones((3, 3)))
    np.testing.assert_array_equal(g, [6.0, 6.0, 6.0])


def test_joining_mixes_traced_and_plain_arrays_and_nested_lists():
    x = r(2)
    check_grads(lambda x: fnp.concatenate([x, np.ones(3), [1.0, 2.0]]), (x,), modes=("fwd", "rev"))
    check_grads(lambda x: fnp.stack([x, np.ones(2), [1.0, 3.0]]), (x,), modes=("fwd", "rev"))
    check_grads(lambda x: fnp.stack([[x, 2.0 * x], [x, np.ones(2)]]), (x,), modes=("fwd", "rev"))
    check_grads(lambda x: fnp.vstack([x, [1.0, 2.0]]), (x,), modes=("fwd", "rev"))
    out = fg.vjp(lambda x: fnp.concatenate([x, [1.0, 2.0]]), x)[0]
    np.testing.assert_array_equal(out, np.concatenate([x, [1.0, 2.0]]))


def test_forward_mode_padding_and_plain_pieces_carry_zero_tangents():
    x, tx = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    out, t = fg.jvp(lambda x: fnp.pad(x, (1, 2), constant_values=5.0), (x,), (tx,))
    np.testing.assert_array_equal(out, [5.0, 1.0, 2.0, 5.0, 5.0])
    np.testing.assert_array_equal(t, [0.0, 3.0, -1.0, 0.0, 0.0])
    out, t = fg.jvp(lambda x: fnp.concatenate([[7.0], x, np.ones(2)]), (x,), (tx,))
    np.testing.assert_array_equal(t, [0.0, 3.0, -1.0, 0.0, 0.0])
    out, t = fg.jvp(lambda x: fnp.stack([[7.0, 8.0], x], axis=1), (x,), (tx,))
    np.testing.assert_array_equal(out, [[7.0, 1.0], [8.0, 2.0]])
    np.testing.assert_array_equal(t, [[0.0, 3.0], [0.0, -1.0]])


def test_stack_of_a_traced_array_iterates_its_rows():
    m = r(3, 2)
    check_grads(lambda m: fnp.stack(m, axis=1), (m,), modes=("fwd", "rev"))
    np.testing.assert_array_equal(fg.vjp(lambda m: fnp.stack(m, axis=1), m)[0], np.stack(m, axis=1))


def test_pad_with_traced_constant_values():
    x, c = r(2, 2), np.float64(0.7)
    out, f_vjp = fg.vjp(lambda x, c: fnp.pad(x, 1, constant_values=c), x, c)
    np.testing.assert_array_equal(out, np.pad(x, 1, constant_values=c))
    g = r(4, 4)
    gx, gc = f_vjp(g)
    np.testing.assert_array_equal(gx, g[1:3, 1:3])
    np.testing.assert_allclose(gc, g.sum() - g[1:3, 1:3].sum())
    check_grads(lambda x, c: fnp.pad(x, ((1, 0), (0, 2)), constant_values=c), (x, c), modes=("fwd", "rev"))


def test_diag_gradients_are_independent_derivations():
    v = r(3)
    (g,) = fg.vjp(lambda v: fnp.diag(v, 1), v)[1](np.arange(16.0).reshape(4, 4))
    np.testing.assert_array_equal(g, [1.0, 6.0, 11.0])
    m = r(3, 3)
    (g,) = fg.vjp(fnp.trace, m)[1](np.float64(2.0))
    np.testing.assert_array_equal(g, 2.0 * np.eye(3))


def test_split_gradient_reassembles_the_pieces():
    x = r(7)
    pieces, f_vjp = fg.vjp(lambda x: fnp.array_split(x, 3), x)
    cts = [np.full(p.shape, i + 1.0) for i, p in enumerate(pieces)]
    (g,) = f_vjp(cts)
    np.testing.assert_array_equal(g, [1, 1, 1, 2, 2, 3, 3])


def test_repeat_and_tile_sum_the_copies():
    x = np.array([1.0, 2.0])
    (g,) = fg.vjp(lambda x: fnp.repeat(x, [2, 3]), x)[1](np.arange(5.0))
    np.testing.assert_array_equal(g, [1.0, 9.0])
    (g,) = fg.vjp(lambda x: fnp.tile(x, (2, 2)), x)[1](np.arange(8.0).reshape(2, 4))
    np.testing.assert_array_equal(g, [0 + 2 + 4 + 6, 1 + 3 + 5 + 7])


def test_methods_of_traced_values():
    a = r(2, 3)
    check_grads(lambda a: a.reshape(3, 2), (a,), modes=("fwd", "rev"))
    check_grads(lambda a: a.reshape((6,)), (a,), modes=("fwd", "rev"))
    check_grads(lambda a: a.T, (a,), modes=("fwd", "rev"))
    check_grads(lambda a: a.transpose(1, 0), (a,), modes=("fwd", "rev"))
    check_grads(lambda a: a.ravel(), (a,), modes=("fwd", "rev"))
    check_grads(lambda a: a.flatten(), (a,), modes=("fwd", "rev"))
    check_grads(lambda a: a.swapaxes(0, 1), (a,), modes=("fwd", "rev"))
    check_grads(lambda a: a.diagonal(), (a,), modes=("fwd", "rev"))
    check_grads(lambda a: a.trace(), (a,), modes=("fwd", "rev"))
    check_grads(lambda a: a.repeat(2, axis=1), (a,), modes=("fwd", "rev"))
    check_grads(lambda a: a.reshape(1, 2, 3).squeeze(0), (a,), modes=("fwd", "rev"))


def test_shape_helpers_work_on_traced_plain_and_nested_values():
    a = r(2, 3)

    def f(x):
        assert fnp.shape(x) == (2, 3) and fnp.ndim(x) == 2 and fnp.size(x) == 6 and fnp.size(x, -1) == 3
        assert fnp.shape([x, x]) == (2, 2, 3) and fnp.ndim([[x]]) == 4
        return x

    fg.vjp(f, a)
    f(a)
    assert fnp.shape(2.0) == () and fnp.ndim([[1.0, 2.0]]) == 2 and fnp.size([1, 2, 3]) == 3


def test_plain_inputs_give_plain_outputs():
    assert type(fnp.reshape(M, (4, 3))) is np.ndarray
    assert type(fnp.concatenate([M, M])) is np.ndarray
    assert all(type(p) is np.ndarray for p in fnp.split(V, [2]))
    assert np.isscalar(fnp.trace(M))


# Layouts NumPy's 'A' and 'K' orders follow: C, Fortran, permuted axes, a strided view
LAYOUTS = [A, np.asfortranarray(A), A.transpose(2, 0, 1), A[:, ::2], A.transpose(1, 0, 2)[:, :, ::-1]]


@pytest.mark.parametrize("order", ["C", "F", "A"])
@pytest.mark.parametrize("shape", [(4, 6), (-1, 2), (24,), (2, 2, 6), (3, 1, 8)])
def test_reshape_orders_match_numpy_and_differentiate(order, shape):
    for a in LAYOUTS[:3]:
        want = np.reshape(a, shape, order=order)
        np.testing.assert_array_equal(fnp.reshape(a, shape, order=order), want)
        # traced: the same elements (read off the value's layout for 'A'), and the transpose as gradient
        w = rng.standard_normal(want.shape)
        np.testing.assert_array_equal(fg.vjp(lambda x: fnp.reshape(x, shape, order=order), a)[0], want)
        g = fg.grad(lambda x: fnp.sum(fnp.reshape(x, shape, order=order) * w))(a)
        np.testing.assert_array_equal(np.reshape(g, shape, order=order), w)
    check_grads(lambda x: fnp.reshape(x, shape, order="F") ** 2, (A,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: x.reshape(shape, order="F") * x.reshape(-1, order="F")[0], (A,), order=2)
    if order == "F":
        np.testing.assert_array_equal(fg.vmap(lambda x: fnp.reshape(x, shape, order="F"))(np.stack([A, -A])),
                                      np.stack([np.reshape(A, shape, order="F"), np.reshape(-A, shape, order="F")]))
        np.testing.assert_array_equal(fg.jit(lambda x: x.reshape(*shape, order="F"))(A), np.reshape(A, shape, order="F"))


@pytest.mark.parametrize("order", ["C", "F", "A", "K"])
def test_ravel_orders_match_numpy_and_differentiate(order):
    for a in LAYOUTS:
        want = np.ravel(a, order=order)
        np.testing.assert_array_equal(fnp.ravel(a, order=order), want)
        w = rng.standard_normal(a.size)
        g = fg.grad(lambda x: fnp.sum(fnp.ravel(x, order=order) * w))(a)
        np.testing.assert_array_equal(np.ravel(g, order=order), w)
        np.testing.assert_array_equal(fg.grad(lambda x: fnp.sum(x.flatten(order) * w))(a), g)
    check_grads(lambda x: fnp.ravel(x, order="F") ** 3, (M,), order=2, modes=("fwd", "rev"))
    np.testing.assert_array_equal(fg.vmap(lambda x: fnp.ravel(x, order="F"))(A),
                                  np.stack([np.ravel(m, order="F") for m in A]))
    np.testing.assert_array_equal(fg.jit(lambda x: fnp.ravel(x, order="F"))(A), np.ravel(A, order="F"))


def test_reshape_to_an_incompatible_size_names_the_shapes():
    with pytest.raises(ValueError) as e:
        fnp.reshape(np.ones((2, 3)), (4, 2))
    msg = str(e.value)
    assert "reshape" in msg and "[2, 3]" in msg and "(4, 2)" in msg


def test_reshape_of_traced_value_to_an_incompatible_size_names_the_shapes():
    with pytest.raises(ValueError, match=r"reshape.*\[2, 3\].*\(5,\)"):
        fg.vjp(lambda x: fnp.reshape(x, 5), np.ones((2, 3)))


def test_concatenate_with_mismatched_shapes_names_them():
    with pytest.raises(ValueError, match=r"concatenate.*\[2, 3\].*\[2, 4\]"):
        fnp.concatenate([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"concatenate.*\[2, 3\].*\[3\]"):
        fg.vjp(lambda x: fnp.concatenate([x, np.ones(3)]), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"concatenate.*\[\].*zero-dimensional"):
        fnp.concatenate([np.float64(1.0), np.float64(2.0)])
    with pytest.raises(ValueError, match="concatenate.*at least one array"):
        fnp.concatenate([])
    with pytest.raises(ValueError, match=r"concatenate.*axis 2.*dimension 2"):
        fnp.concatenate([np.ones((2, 2)), np.ones((2, 2))], axis=2)


@pytest.mark.parametrize("call, err, pattern", [
    (lambda: fnp.stack([np.ones(2), np.ones(3)]), ValueError, r"stack.*same shape.*\(2,\).*\(3,\)"),
    (lambda: fnp.squeeze(np.ones((1, 3)), axis=1), ValueError, r"squeeze.*axis 1.*\(1, 3\)"),
    (lambda: fnp.transpose(np.ones((2, 3)), (0, 0)), ValueError, "transpose.*not a permutation"),
    (lambda: fnp.transpose(np.ones((2, 3)), (0, 2)), ValueError, "transpose.*out of bounds"),
    (lambda: fnp.swapaxes(np.ones((2, 3)), 0, 5), ValueError, "swapaxes.*axis 5.*dimension 2"),
    (lambda: fnp.split(np.ones(5), 2), ValueError, "split.*length 5.*2 equal.*array_split"),
    (lambda: fnp.array_split(np.ones(5), 0), ValueError, "array_split.*larger than 0"),
    (lambda: fnp.pad(np.ones(3), 1, mode="reflect"), NotImplementedError, "pad.*'reflect'"),
    (lambda: fnp.pad(np.ones(3), -1), ValueError, "pad.*negative"),
    (lambda: fnp.pad(np.ones((2, 2)), ((1, 2, 3),)), ValueError, "pad.*pad_width"),
    (lambda: fnp.reshape(np.ones(4), (2, 2), order="K"), ValueError, "reshape: order must be one of 'C', 'F' or 'A'"),
    (lambda: fnp.ravel(np.ones(4), order="X"), ValueError, "ravel: order must be one of 'C', 'F', 'A' or 'K'"),
    (lambda: fg.jit(lambda x: fnp.ravel(x, order="K"))(np.ones((2, 2))), NotImplementedError,
     r"ravel: order='K' follows the memory layout.*jit.*order='C' or order='F'"),
    (lambda: fg.vmap(lambda x: fnp.reshape(x, (2, 2), order="A"))(np.ones((3, 4))), NotImplementedError,
     r"reshape: order='A' follows the memory layout.*vmap"),
    (lambda: fnp.concatenate([np.ones(2)], out=np.ones(2)), TypeError, "out=.*immutable"),
    (lambda: fnp.trace(np.ones((2, 2)), out=np.ones(())), TypeError, "out=.*immutable"),
    (lambda: fnp.repeat(np.ones(3), [1, 2]), ValueError, r"repeat.*2 repeats.*length 3"),
    (lambda: fnp.repeat(np.ones(3), -1), ValueError, "repeat.*non-negative"),
    (lambda: fnp.repeat(np.ones(3), 1.5), TypeError, "repeat.*integer"),
    (lambda: fnp.tile(np.ones(3), -1), ValueError, "tile.*non-negative"),
    (lambda: fnp.diagonal(np.ones(3)), ValueError, r"diagonal.*at least 2 dimensions.*\(3,\)"),
    (lambda: fnp.diagonal(np.ones((2, 2)), 0, 1, -1), ValueError, "diagonal.*must differ"),
    (lambda: fnp.diag(np.ones((2, 2, 2))), ValueError, r"diag.*vector or a matrix.*\(2, 2, 2\)"),
    (lambda: fnp.roll(np.ones((2, 2)), (1, 2, 3), axis=(0, 1)), ValueError, "roll.*same length"),
    (lambda: fnp.moveaxis(np.ones((2, 2)), (0, 1), 0), ValueError, "moveaxis.*same number"),
    (lambda: fnp.broadcast_arrays(np.ones(2), np.ones(3)), ValueError, r"broadcast_arrays.*\(2,\).*\(3,\)"),
    (lambda: fnp.broadcast_to(np.ones(2), (3,)), ValueError, r"broadcast_to.*\[2\]"),
    (lambda: fnp.fliplr(np.ones(3)), ValueError, r"fliplr.*2 dimensions"),
    (lambda: fnp.triu(np.float64(1.0)), ValueError, "triu.*0-d"),
])
def test_bad_input_gets_a_clear_error(call, err, pattern):
    with pytest.raises(err, match=pattern):
        call()


# --- vmap: batching rules ----------------------------------------------------------------------------------------
from unittest import mock  # noqa: E402

import contextlib  # noqa: E402

import funcgrad.primitives.shape as S  # noqa: E402
import funcgrad.primitives.tiling as T  # noqa: E402
import funcgrad.primitives.triangles as D  # noqa: E402
from funcgrad.core import registry  # noqa: E402

FAMILY = ["reshape", "transpose", "concatenate", "crop", "pad", "tile", "repeat", "repeat_sum", "flip", "roll",
          "triu", "tril", "diagonal", "diag_embed"]

# (function of one example, batch of examples): cases the registry-driven vmap test may draw rarely
BATCHED_CASES = [
    (lambda a: fnp.reshape(a, (-1, 2)), r(3, 2, 2)),
    (lambda a: fnp.tile(a, (2, 1, 3)), r(3, 4)),             # more reps than axes: the example gains axes
    (lambda a: fnp.tile(a, 2), r(3, 2, 2)),                  # fewer reps than axes
    (lambda a: fnp.tile(a, (2, 2)), r(3)),                   # 0-d examples
    (lambda a: fnp.repeat(a, [1, 0, 2, 1]), r(3, 2, 2)),     # axis None: over each flattened example
    (lambda a: fnp.repeat(a, 2, axis=-1), r(3, 2, 3)),
    (lambda a: T.repeat_sum(a, repeats=(2, 0, 1), axis=1), r(3, 2, 3)),
    (lambda a: fnp.roll(a, 2), r(3, 2, 3)),                  # axis None: each example rolled as a flat array
    (lambda a: fnp.roll(a, (1, -1), axis=(-1, 0)), r(3, 2, 3)),
    (lambda a: fnp.flip(a), r(3, 2, 3)),
    (lambda a: fnp.triu(a, 1), r(3, 4)),                     # a vector example is read as the rows of a matrix
    (lambda a: fnp.tril(a, -1), r(3, 2, 4, 4)),
    (lambda a: fnp.diagonal(a, 1, -1, 0), r(3, 3, 4, 2)),
    (lambda a: fnp.diag(a, -1), r(3, 4)),
    (lambda a: fnp.trace(a, axis1=1, axis2=2), r(3, 2, 3, 3)),
    (lambda a: fnp.pad(a, ((1, 0), (0, 2))), r(3, 2, 2)),
    (lambda a: fnp.concatenate([a, np.ones((2, 2)), [[5.0, 6.0]]], axis=-2), r(3, 1, 2)),  # shared pieces
    (lambda a: fnp.stack([a, a * 2], axis=-1), r(3, 2)),
    (lambda a: fnp.split(a, [1, 3], axis=1)[1], r(3, 2, 4)),
    (lambda a: fnp.moveaxis(a, 0, -1), r(3, 2, 3, 4)),
]


def _no_fallback():
    def boom(prim, *a, **k):
        raise AssertionError(f"{prim.name} fell back to the loop")
    stack = contextlib.ExitStack()
    for module in (S, D):  # the family's modules that could fall back
        stack.enter_context(mock.patch.object(module, "loop_rule", boom))
    return stack


def test_every_primitive_of_the_family_has_a_batching_rule():
    for name in FAMILY:
        assert registry[name].batch is not None, name


@pytest.mark.parametrize("k", range(len(BATCHED_CASES)))
def test_vmap_matches_a_loop(k):
    f, xb = BATCHED_CASES[k]
    with _no_fallback():
        np.testing.assert_allclose(fg.vmap(f)(xb), np.stack([f(x) for x in xb]))
        # an empty batch: the rules run once, where a loop would have nothing to stack
        out = fg.vmap(f)(xb[:0])
    assert out.shape == (0,) + np.shape(f(xb[0]))


def test_vmap_of_concatenate_with_only_the_shared_piece_batched():
    xb, y = r(3, 2), r(4)
    with _no_fallback():
        got = fg.vmap(lambda y, x: fnp.concatenate([y, x]), in_axes=(None, 0))(y, xb)
    np.testing.assert_allclose(got, np.concatenate([np.broadcast_to(y, (3, 4)), xb], axis=1))


def test_vmap_composes_with_grad_for_shape_ops():
    def f(a):
        t = fnp.tile(fnp.triu(fnp.roll(a, 1, axis=0)), (1, 2))
        d = fnp.tile(fnp.diagonal(a), 2)[None, :]
        return fnp.sum(fnp.sin(fnp.concatenate([t, d], axis=0) ** 2)) * fnp.trace(a)

    xb = r(2, 3, 3)
    per_example = np.stack([fg.grad(f)(x) for x in xb])
    with _no_fallback():
        np.testing.assert_allclose(fg.vmap(fg.grad(f))(xb), per_example)
        np.testing.assert_allclose(fg.grad(lambda m: fnp.sum(fg.vmap(f)(m)))(xb), per_example)
        t = r(3, 3)
        hvp = lambda x: fg.grad(lambda y: fnp.sum(fg.grad(f)(y) * t))(x)  # noqa: E731
        np.testing.assert_allclose(fg.vmap(hvp)(xb), np.stack([hvp(x) for x in xb]))
        # Jacobians are built with vmap: one batched pass in each mode
        flat_flip = lambda a: fnp.reshape(fnp.flip(a, 0), (-1,))  # noqa: E731
        perm = np.arange(9).reshape(3, 3)[::-1].ravel()
        for jac in (fg.jacrev, fg.jacfwd):
            np.testing.assert_allclose(jac(flat_flip)(xb[0]), np.eye(9)[perm].reshape(9, 3, 3))
