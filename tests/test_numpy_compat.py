"""The NumPy names ported code needs beyond the array families: NumPy's own objects passed through (scalar types,
error settings, index helpers, numpy.random, formatting and text I/O), one-argument ``where``, ``fix``,
``row_stack``, ``real_if_close``, ``asarray_chkfinite``, ``asfortranarray``, ``require`` and ``numpy.emath``: values
against NumPy, gradients against finite differences (of NumPy itself where the function is NumPy's), the transforms,
and the decisions taken from values (concrete values decide, jit refuses)."""
import io

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import TracedConversionError
from funcgrad.testing import check_grads

RNG = np.random.default_rng(5)

PASSED_THROUGH = ["double", "single", "half", "int_", "intc", "long", "longlong", "uint", "uintc", "ulong",
                  "ulonglong", "bool", "object_", "str_", "bytes_", "cdouble", "csingle", "longdouble", "True_",
                  "False_", "typecodes", "sctypeDict", "ScalarType", "errstate", "seterr", "geterr", "seterrcall",
                  "geterrcall", "getbufsize", "setbufsize", "mgrid", "ogrid", "s_", "index_exp", "ndindex",
                  "ndenumerate", "random", "may_share_memory", "shares_memory", "min_scalar_type", "mintypecode",
                  "common_type", "typename", "base_repr", "binary_repr", "format_float_positional",
                  "format_float_scientific", "loadtxt", "genfromtxt", "fromregex"]
# left out on purpose: in-place writes (funcgrad arrays are immutable), classes and objects funcgrad does not mirror,
# datetimes, NumPy's build information and its testing machinery
LEFT_OUT = {"copyto", "putmask", "matrix", "asmatrix", "bmat", "memmap", "ma", "rec", "recarray", "record",
            "poly1d", "polynomial", "nditer", "nested_iters", "flatiter", "broadcast", "busdaycalendar",
            "busday_count", "busday_offset", "is_busday", "datetime64", "timedelta64", "datetime_as_string",
            "datetime_data", "isnat", "char", "strings", "core", "lib", "ctypeslib", "f2py", "typing", "testing",
            "test", "get_include", "info", "show_config", "show_runtime", "isfortran", "ufunc", "float128",
            "complex256"}


def test_numpy_names_are_there_and_the_rest_is_left_out_on_purpose():
    missing = {n for n in dir(np) if not n.startswith("_") and not hasattr(fnp, n)}
    assert missing <= LEFT_OUT, f"NumPy names neither mirrored nor left out on purpose: {sorted(missing - LEFT_OUT)}"
    for name in PASSED_THROUGH:
        assert getattr(fnp, name) is getattr(np, name), name
    for name in ["fix", "row_stack", "real_if_close", "asarray_chkfinite", "asfortranarray", "require", "emath",
                 "array2string", "savetxt", "savez_compressed"]:
        assert hasattr(fnp, name), name


def test_passed_through_helpers_work_with_funcgrad_values():
    import funcgrad.numpy.random as npr  # HIPS autograd code's import

    assert npr is np.random
    x = RNG.standard_normal((3, 4))
    g = fg.grad(lambda a: fnp.sum(a[fnp.s_[1:, ::2]] ** 2))(x)
    want = np.zeros_like(x)
    want[np.s_[1:, ::2]] = 2 * x[1:, ::2]
    np.testing.assert_array_equal(g, want)
    np.testing.assert_array_equal(fnp.mgrid[0:2, 0:3], np.mgrid[0:2, 0:3])
    with fnp.errstate(divide="raise"), pytest.raises(FloatingPointError):
        fnp.log(np.zeros(1))
    assert fnp.array2string(fnp.ones(2)) == "[1. 1.]"
    buf = io.StringIO()
    fnp.savetxt(buf, fnp.arange(3.0))
    np.testing.assert_array_equal(fnp.loadtxt(io.StringIO(buf.getvalue())), [0.0, 1.0, 2.0])
    assert fnp.binary_repr(5) == "101" and fnp.dtype(fnp.double) == np.float64


# --- one-argument where ------------------------------------------------------------------------------------------
def test_where_with_the_condition_alone_is_nonzero():
    c = np.array([[0.0, 2.0], [3.0, 0.0]])
    for got, want in zip(fnp.where(c), np.where(c)):
        np.testing.assert_array_equal(got, want)
    x = np.array([0.2, -0.7, 0.9])
    np.testing.assert_array_equal(fg.grad(lambda a: fnp.sum(a[fnp.where(a > 0)] ** 2))(x), [0.4, 0.0, 1.8])
    np.testing.assert_array_equal(fg.grad(lambda a: fnp.sum(a[np.where(a > 0)]))(x), [1.0, 0.0, 1.0])  # NEP 18
    t = fg.tensor(x, requires_grad=True)
    np.testing.assert_array_equal(fnp.where(t > 0)[0].numpy(), [0, 2])
    with pytest.raises(ValueError, match="either both or neither of x and y"):
        fnp.where(x > 0, x)


# --- fix, row_stack ----------------------------------------------------------------------------------------------
def test_fix_rounds_toward_zero_without_gradient():
    x = np.array([-2.5, -1.0, -0.3, 0.0, 0.7, 3.9])
    for a in [x, np.arange(-3, 3), -2.5, np.float32(1.5)]:
        got, want = fnp.fix(a), np.fix(a)
        np.testing.assert_array_equal(got, want)
        assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(fg.grad(lambda a: fnp.sum(fnp.fix(a) * a))(x), np.fix(x))
    np.testing.assert_array_equal(fg.grad(lambda a: fnp.sum(np.fix(a) * a))(x), np.fix(x))  # NumPy's own (NEP 18)
    np.testing.assert_array_equal(fg.vmap(fnp.fix)(x[:, None]), np.fix(x)[:, None])
    np.testing.assert_array_equal(fg.jit(fnp.fix)(x), np.fix(x))


def test_row_stack_is_vstack():
    a, b = RNG.standard_normal(3), RNG.standard_normal((2, 3))
    np.testing.assert_array_equal(fnp.row_stack([a, b]), np.vstack([a, b]))
    check_grads(lambda u, v: fnp.row_stack([u, v]) ** 2, (a, b), order=2, modes=("fwd", "rev"))


# --- real_if_close, asarray_chkfinite, asfortranarray, require --------------------------------------------------
@pytest.mark.parametrize("a", [np.array([1 + 1e-15j, 2.0]), np.array([1 + 1e-9j, 2.0]), np.array([1.0, 2.0]),
                               np.array([1 + 1e-6j], dtype=np.complex64), [1 + 0j, 3 + 0j]])
def test_real_if_close_matches_numpy(a):
    got, want = fnp.real_if_close(a), np.real_if_close(a)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert fnp.real_if_close(np.array([1 + 1e-9j]), tol=1e-8).dtype == np.float64  # an absolute tolerance


def test_real_if_close_differentiates_and_decides_on_concrete_values():
    x = np.array([0.5, -1.5])
    f = lambda a: fnp.sum(fnp.real_if_close(a * (1 + 0j)) ** 2)  # noqa: E731  real in the end: a real loss
    np.testing.assert_allclose(fg.grad(f)(x), 2 * x)
    check_grads(lambda a: fnp.real_if_close(fnp.exp(1j * a) * fnp.exp(-1j * a) * a), (x,), order=2)
    z = np.array([[1 + 0j, 2], [1 + 1j, 2]])
    assert fg.vmap(fnp.real_if_close)(z).dtype == np.complex128  # the whole batch decides
    assert fg.vmap(fnp.real_if_close)(z[:1]).dtype == np.float64
    with pytest.raises(TracedConversionError, match="real_if_close: whether the result is real or complex"):
        fg.jit(fnp.real_if_close)(z)


def test_asarray_chkfinite_checks_concrete_values():
    np.testing.assert_array_equal(fnp.asarray_chkfinite([1, 2], dtype=float), np.asarray_chkfinite([1, 2], float))
    for bad in [[1.0, np.nan], np.array([np.inf])]:
        with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
            fnp.asarray_chkfinite(bad)
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(fg.grad(lambda a: fnp.sum(fnp.asarray_chkfinite(a) ** 2))(x), 2 * x)
    with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
        fg.grad(lambda a: fnp.sum(fnp.asarray_chkfinite(fnp.log(a - 1.0))))(x)
    np.testing.assert_array_equal(fg.vmap(fnp.asarray_chkfinite)(x), x)
    with pytest.raises(TracedConversionError, match="asarray_chkfinite: checking for infs and NaNs"):
        fg.jit(fnp.asarray_chkfinite)(x)


def test_asfortranarray_and_require():
    m = RNG.standard_normal((3, 4))
    assert fnp.asfortranarray(m).flags.f_contiguous and np.array_equal(fnp.asfortranarray(m), m)
    assert fnp.asfortranarray(2.0).shape == np.asfortranarray(2.0).shape == (1,)
    check_grads(lambda a: fnp.asfortranarray(a, dtype=np.float64) * a, (m,), order=2)
    assert fg.grad(lambda a: fnp.sum(fnp.asfortranarray(a)))(2.0) == 1.0
    for req in [None, "F", ["C", "W"], ("A", "O", "E"), ["FORTRAN"], "FW"]:
        got, want = fnp.require(m.T, dtype=np.float32, requirements=req), np.require(m.T, np.float32, req)
        assert got.dtype == want.dtype and got.flags.f_contiguous == want.flags.f_contiguous
        np.testing.assert_array_equal(got, want)
    g = fg.grad(lambda a: fnp.sum(fnp.require(a, dtype=np.float64, requirements="C") * 3.0))(m)
    np.testing.assert_array_equal(g, np.full_like(m, 3.0))
    with pytest.raises(ValueError, match="Cannot specify both C and Fortran"):
        fnp.require(m, requirements="CF")
    with pytest.raises(KeyError, match="unknown requirement"):
        fnp.require(m, requirements="Z")


# --- numpy.emath -------------------------------------------------------------------------------------------------
UNARY = ["sqrt", "log", "log2", "log10", "arccos", "arcsin", "arctanh"]
POINTS = {"sqrt": [np.array([0.5, 2.0]), np.array([-1.5, 2.0])], "log": [np.array([0.5, 2.0]), np.array([-1.5, 2.0])],
          "arccos": [np.array([0.3, -0.6]), np.array([1.7, -0.6])], "arctanh": [np.array([0.3]), np.array([-2.5, 0.4])]}
POINTS["log2"] = POINTS["log10"] = POINTS["log"]
POINTS["arcsin"] = POINTS["arccos"]


def _fd_real_imag(f, x, eps=1e-6):
    """d sum(re f + 2 im f) / dx by central differences of NumPy's own function: an independent reference."""
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        d = (f(x + e) - f(x - e)) / (2 * eps)
        out.flat[i] = np.sum(np.real(d) + 2 * np.imag(d))
    return out


@pytest.mark.parametrize("name", UNARY)
def test_emath_unary_matches_numpy_and_differentiates(name):
    f, ref = getattr(fnp.emath, name), getattr(np.emath, name)
    for x in POINTS[name] + [POINTS[name][1].astype(np.float32)]:
        got, want = f(x), ref(x)
        assert got.dtype == want.dtype, (x.dtype, got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=1e-6 if x.dtype == np.float32 else 1e-13)
    assert complex(f(-3.0 if name not in ("arccos", "arcsin", "arctanh") else 3.0)) == pytest.approx(
        complex(ref(-3.0 if name not in ("arccos", "arcsin", "arctanh") else 3.0)))
    for x in POINTS[name]:
        loss = lambda a: fnp.sum(fnp.real(f(a)) + 2 * fnp.imag(f(a)))  # noqa: E731
        np.testing.assert_allclose(fg.grad(loss)(x), _fd_real_imag(ref, x), rtol=1e-6, atol=1e-8)
        check_grads(lambda a: fnp.real(f(a)) + 2 * fnp.imag(f(a)), (x,), order=2, modes=("fwd", "rev"))


def test_emath_power_and_logn():
    x, p = np.array([-2.0, 3.0]), np.array([0.5, 2.0])
    np.testing.assert_allclose(fnp.emath.power(x, p), np.emath.power(x, p))
    np.testing.assert_allclose(fnp.emath.power(np.array([2, 3]), np.array([-1, 2])),
                               np.emath.power(np.array([2, 3]), np.array([-1, 2])))
    np.testing.assert_allclose(fnp.emath.logn(2.0, np.array([-8.0, 8.0])), np.emath.logn(2.0, np.array([-8.0, 8.0])))
    np.testing.assert_allclose(fnp.emath.logn(-2.0, 8.0), np.emath.logn(-2.0, 8.0))
    assert fnp.emath.power(np.array([4.0]), 0.5).dtype == np.float64
    check_grads(lambda a, b: fnp.imag(fnp.emath.power(a, b)) + fnp.real(fnp.emath.power(a, b)), (x, p), order=2)
    check_grads(lambda n, a: fnp.real(fnp.emath.logn(n, a)) - fnp.imag(fnp.emath.logn(n, a)),
                (np.array([2.0, 3.0]), np.array([-8.0, 5.0])), order=2, modes=("fwd", "rev"))


def test_emath_decides_complexity_on_concrete_values():
    xs = np.array([[4.0, 9.0], [-4.0, 9.0]])
    out = fg.vmap(fnp.emath.sqrt)(xs)  # one example negative: the whole batch is complex, values as NumPy's
    assert out.dtype == np.complex128
    np.testing.assert_allclose(out, np.emath.sqrt(xs.astype(complex)))
    assert fg.vmap(fnp.emath.sqrt)(xs[:1]).dtype == np.float64
    np.testing.assert_allclose(fg.jit(fnp.emath.sqrt)(xs[0] + 0j), np.sqrt(xs[0] + 0j))  # complex input: no decision
    with pytest.raises(TracedConversionError, match="emath.sqrt: whether the result is complex depends on the signs"):
        fg.jit(fnp.emath.sqrt)(xs)
    np.testing.assert_allclose(fnp.emath.sqrt(fg.tensor(np.array([-4.0]))).numpy(), [2j])
