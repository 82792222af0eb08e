"""Array creation: ``array``/``asarray`` over lists that mix traced values and numbers, constant arrays, ranges and
grids (values against NumPy, gradients against finite differences or by hand), and the re-exported dtype names."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import Box
from funcgrad.testing import check_grads


def test_array_of_traced_values_and_numbers():
    x, y = 0.5, -1.5
    out, f_vjp = fg.vjp(lambda x, y: fnp.array([x, 2 * y]), x, y)
    np.testing.assert_array_equal(out, [0.5, -3.0])
    assert f_vjp(np.array([1.0, 10.0])) == (1.0, 20.0)
    check_grads(lambda x, y: fnp.array([x, 2 * y, 3.0]), (x, y), modes=("fwd", "rev"))


def test_array_of_traced_values_in_forward_mode():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    tx, ty = np.array([0.5, -1.0]), np.array([2.0, 0.25])
    out, t = fg.jvp(lambda x, y: fnp.array([x, 2 * y]), (x, y), (tx, ty))
    np.testing.assert_array_equal(out, [[1.0, 2.0], [6.0, 8.0]])
    np.testing.assert_array_equal(t, [[0.5, -1.0], [4.0, 0.5]])
    # plain sublists and numbers among traced values carry zero tangents of their own shapes
    out, t = fg.jvp(lambda x: fnp.array([[x, [5.0, 6.0]], [[7.0, 8.0], 3 * x]]), (x,), (tx,))
    np.testing.assert_array_equal(out, [[[1.0, 2.0], [5.0, 6.0]], [[7.0, 8.0], [3.0, 6.0]]])
    np.testing.assert_array_equal(t, [[[0.5, -1.0], [0.0, 0.0]], [[0.0, 0.0], [1.5, -3.0]]])
    out, t = fg.jvp(lambda a, b: fnp.array([a, 1.0, a * b]), (2.0, 3.0), (1.0, 10.0))
    np.testing.assert_array_equal(out, [2.0, 1.0, 6.0])
    np.testing.assert_array_equal(t, [1.0, 0.0, 23.0])


def test_nested_lists_pack_recursively():
    a, b, c = 1.0, 2.0, 3.0
    out, f_vjp = fg.vjp(lambda a, b, c: fnp.array([[a, 1.0], [b, c]]), a, b, c)
    np.testing.assert_array_equal(out, [[1.0, 1.0], [2.0, 3.0]])
    assert f_vjp(np.array([[1.0, 2.0], [3.0, 4.0]])) == (1.0, 3.0, 4.0)
    check_grads(lambda a, b, c: fnp.array([[a, 1.0], [b, c * b]]), (a, b, c), modes=("fwd", "rev"))
    check_grads(lambda a, b, c: fnp.asarray(((a, 1.0), [b, c])), (a, b, c), modes=("fwd", "rev"))


def test_array_of_traced_arrays_stacks_them():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    check_grads(lambda x, y: fnp.array([x, y * y, [5.0, 6.0]]), (x, y), modes=("fwd", "rev"))
    out = fg.vjp(lambda x, y: fnp.array([x, y, [5.0, 6.0]]), x, y)[0]
    np.testing.assert_array_equal(out, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


def test_array_dtype_and_ndmin_on_traced_values():
    x = np.array([1.0, 2.0])
    out, f_vjp = fg.vjp(lambda x: fnp.array([x, x], dtype=np.float32, ndmin=4), x)
    assert out.shape == (1, 1, 2, 2) and out.dtype == np.float32
    (g,) = f_vjp(np.ones((1, 1, 2, 2), np.float32))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [2.0, 2.0])

    def f(x):
        assert type(fnp.array(x)) is Box and fnp.asarray(x) is x
        ints = fnp.array([x, x], dtype=int)
        assert type(ints) is not Box and ints.dtype.kind == "i"  # an integer result carries no gradient
        return x * 1.0

    fg.vjp(f, x)


def test_plain_array_and_asarray_match_numpy():
    x = np.arange(3.0)
    assert fnp.asarray(x) is x
    y = fnp.array(x)
    assert y is not x and not np.shares_memory(x, y)
    np.testing.assert_array_equal(fnp.array([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]]))
    assert fnp.array([1, 2]).dtype == np.array([1, 2]).dtype
    assert fnp.array([1.0], dtype=np.float32, ndmin=3).shape == (1, 1, 1)
    assert fnp.asarray([1, 2], dtype=float).dtype == np.float64
    assert fnp.asanyarray([1.0]).shape == (1,)
    assert fnp.ascontiguousarray(np.ones((2, 3)).T).flags["C_CONTIGUOUS"]
    assert not np.shares_memory(fnp.copy(x), x)
    np.testing.assert_array_equal(fnp.copy(x), x)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_constant_arrays_default_to_float64(name):
    out = getattr(fnp, name)((2, 3))
    assert type(out) is np.ndarray and out.shape == (2, 3) and out.dtype == np.float64
    assert getattr(fnp, name)(4, dtype=np.int32).dtype == np.int32
    if name != "empty":
        np.testing.assert_array_equal(out, getattr(np, name)((2, 3)))


def test_full_eye_identity_match_numpy():
    np.testing.assert_array_equal(fnp.full((2, 2), 3.5), np.full((2, 2), 3.5))
    assert fnp.full(3, 1).dtype == np.full(3, 1).dtype
    assert fnp.full(3, 1, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(fnp.eye(3, 4, 1), np.eye(3, 4, 1))
    assert fnp.eye(2, dtype=int).dtype == np.eye(2, dtype=int).dtype
    np.testing.assert_array_equal(fnp.identity(3), np.identity(3))
    assert fnp.identity(2).dtype == np.float64


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like"])
def test_like_functions_return_plain_arrays_from_traced_values(name):
    x = np.ones((2, 3), np.float32)

    def f(x):
        out = getattr(fnp, name)(x)
        assert type(out) is np.ndarray and out.shape == (2, 3) and out.dtype == np.float32
        assert getattr(fnp, name)(x, dtype=np.float64).dtype == np.float64
        assert getattr(fnp, name)([x, x]).shape == (2, 2, 3)
        return x * 2.0

    fg.vjp(f, x)
    f(x)
    np.testing.assert_array_equal(fnp.zeros_like(2.0), np.zeros_like(2.0))


def test_full_and_full_like_with_a_traced_fill_value():
    out, f_vjp = fg.vjp(lambda c: fnp.full((2, 3), c), 1.5)
    np.testing.assert_array_equal(out, np.full((2, 3), 1.5))
    assert f_vjp(np.ones((2, 3))) == (6.0,)
    check_grads(lambda c: fnp.full((2, 2), c), (np.float64(0.3),), modes=("fwd", "rev"))
    check_grads(lambda c: fnp.full((2, 3), c), (np.array([1.0, 2.0, 3.0]),), modes=("fwd", "rev"))

    def f(x, c):
        out = fnp.full_like(x, c)
        assert out.shape == (2,) and out.dtype == np.float32
        return out

    out, f_vjp = fg.vjp(f, np.ones(2, np.float32), 0.25)
    gx, gc = f_vjp(np.ones(2, np.float32))
    np.testing.assert_array_equal(gx, [0.0, 0.0])  # nothing flows to the array whose shape was copied
    assert gc == 2.0
    np.testing.assert_array_equal(fnp.full_like(np.ones(2), 7.0), [7.0, 7.0])


def test_arange_matches_numpy_and_refuses_traced_arguments():
    np.testing.assert_array_equal(fnp.arange(5), np.arange(5))
    np.testing.assert_array_equal(fnp.arange(1.0, 2.0, 0.25), np.arange(1.0, 2.0, 0.25))
    assert fnp.arange(3, dtype=float).dtype == np.float64
    with pytest.raises(TypeError, match=r"arange.*traced.*start \+ step \* fnp.arange\(n\)"):
        fg.vjp(lambda s: fnp.arange(s, 3.0), 1.0)


@pytest.mark.parametrize("kw", [{}, {"endpoint": False}, {"num": 1}, {"num": 0}, {"num": 5, "dtype": np.float32}])
def test_linspace_matches_numpy_and_is_differentiable_in_start_and_stop(kw):
    kw = {"num": 7, **kw}
    np.testing.assert_array_equal(fnp.linspace(-1.0, 2.0, **kw), np.linspace(-1.0, 2.0, **kw))
    out = fg.vjp(lambda a, b: fnp.linspace(a, b, **kw), -1.0, 2.0)[0]
    np.testing.assert_allclose(out, np.linspace(-1.0, 2.0, **kw), rtol=1e-6 if kw.get("dtype") else 1e-15)
    if not kw.get("dtype"):
        check_grads(lambda a, b: fnp.linspace(a, b, **kw), (np.float64(-1.0), np.float64(2.0)), modes=("fwd", "rev"))


def test_linspace_with_array_endpoints_axis_and_retstep():
    a, b = np.array([0.0, 1.0]), np.array([[1.0, 3.0], [2.0, 5.0]])
    for axis in (0, 1, -1):
        want = np.linspace(a, b, 4, axis=axis)
        np.testing.assert_array_equal(fnp.linspace(a, b, 4, axis=axis), want)
        out = fg.vjp(lambda a, b: fnp.linspace(a, b, 4, axis=axis), a, b)[0]
        np.testing.assert_allclose(out, want, rtol=1e-15)
        check_grads(lambda a, b: fnp.linspace(a, b, 4, axis=axis), (a, b), modes=("fwd", "rev"))
    (samples, step), f_vjp = fg.vjp(lambda a, b: fnp.linspace(a, b, 5, retstep=True), 0.0, 2.0)
    assert step == 0.5 and samples[1] == 0.5
    check_grads(lambda a, b: fnp.linspace(a, b, 5, retstep=True)[1], (np.float64(0.0), np.float64(2.0)),
                modes=("fwd", "rev"))


def test_logspace():
    np.testing.assert_array_equal(fnp.logspace(0.0, 2.0, 5), np.logspace(0.0, 2.0, 5))
    out = fg.vjp(lambda a: fnp.logspace(a, 2.0, 5), 0.0)[0]
    np.testing.assert_allclose(out, np.logspace(0.0, 2.0, 5))
    check_grads(lambda a, b: fnp.logspace(a, b, 4, base=2.0), (np.float64(0.5), np.float64(1.5)), modes=("fwd", "rev"))


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid(indexing, sparse):
    x, y, z = np.arange(3.0), np.arange(2.0) + 5, np.arange(4.0) - 1
    for args in [(x,), (x, y), (x, y, z)]:
        want = np.meshgrid(*args, indexing=indexing, sparse=sparse)
        got = fnp.meshgrid(*args, indexing=indexing, sparse=sparse)
        traced = fg.vjp(lambda *a: fnp.meshgrid(*a, indexing=indexing, sparse=sparse), *args)[0]
        for g, t, w in zip(got, traced, want):
            assert g.shape == t.shape == w.shape
            np.testing.assert_array_equal(g, w)
            np.testing.assert_array_equal(t, w)
        check_grads(lambda *a: fnp.meshgrid(*a, indexing=indexing, sparse=sparse), args, modes=("fwd", "rev"))
    with pytest.raises(ValueError, match="meshgrid.*indexing"):
        fnp.meshgrid(x, indexing="xyz")


def test_diag_and_creation_compose_under_grad():
    v = np.array([1.0, 2.0])
    out, f_vjp = fg.vjp(lambda v: fnp.diag(v) + fnp.eye(2), v)
    np.testing.assert_array_equal(out, np.diag(v) + np.eye(2))
    (g,) = f_vjp(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(g, [1.0, 4.0])


def test_dtype_names_and_constants_are_numpys():
    for name in ["float16", "float32", "float64", "complex64", "complex128", "int8", "int16", "int32", "int64",
                 "uint8", "bool_", "pi", "e", "inf", "ndarray", "dtype"]:
        assert getattr(fnp, name) is getattr(np, name), name
    assert np.isnan(fnp.nan) and fnp.newaxis is None
    assert fnp.isscalar(1.0) and not fnp.isscalar(np.ones(2))


def test_dtype_helpers_accept_traced_values():
    def f(x):
        assert fnp.finfo(x).eps == np.finfo(np.float32).eps
        assert fnp.result_type(x, np.float64) == np.float64
        assert fnp.result_type(x, 1.0) == np.float32
        return x

    fg.vjp(f, np.ones(2, np.float32))
    assert fnp.iinfo(np.int16).max == 32767 and fnp.finfo(np.float64).bits == 64


def test_device_and_like_place_new_arrays():
    # on the CPU, like= a NumPy array and device="cpu" give NumPy arrays; the GPU cases live in test_devices.py
    assert type(fnp.zeros(2, like=np.ones(2))) is np.ndarray
    assert type(fnp.arange(3, device="cpu")) is np.ndarray
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        fnp.ones(2, device="tpu")
