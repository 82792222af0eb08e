"""funcgrad.scipy.signal: values equal SciPy's for every function, mode, method and boundary (N-d, complex, integer,
chosen axes), the gradients in both inputs agree with finite differences to second order in both modes, vmap
equals the loop, and bad input raises naming the function and the shapes. Runs on every backend (the functions
are compositions of funcgrad primitives; SciPy only gives the reference values, on the host)."""
import itertools

import numpy as np
import pytest

import _backend as B
from funcgrad import grad, vmap
from funcgrad.scipy import signal as S
from funcgrad.testing import check_grads, primitives_used

ss = pytest.importorskip("scipy.signal")

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)

rng = np.random.default_rng(16)
PAIRS = [((7,), (4,)), ((4,), (7,)), ((6,), (6,)), ((1,), (1,)), ((5, 6), (2, 3)), ((3, 3), (4, 5)),
         ((2, 5), (3, 2)), ((6, 6), (6, 6)), ((2, 2), (5, 5)), ((4, 3, 2), (2, 2, 3))]
MODES = ("full", "same", "valid")


def _pair(s1, s2, complex_=False):
    a, b = rng.standard_normal(s1), rng.standard_normal(s2)
    if complex_:
        a, b = a + 1j * rng.standard_normal(s1), b - 1j * rng.standard_normal(s2)
    return a, b


def _compare(ours, theirs, rtol=1e-10, atol=1e-11):
    ours = B.to_numpy(ours)
    assert np.shape(ours) == np.shape(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def _raises_like_scipy(fn, ref, args, **kw):
    """Both raise ValueError, or both return the same values."""
    try:
        want = ref(*args, **kw)
    except ValueError:
        with pytest.raises(ValueError):
            fn(*[B.asarray(a) for a in args], **kw)
        return
    _compare(fn(*[B.asarray(a) for a in args], **kw), want)


# --- values -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("method", ["direct", "fft", "auto"])
@pytest.mark.parametrize("shapes", PAIRS, ids=str)
def test_convolve_and_correlate_equal_scipys(name, method, shapes):
    a, b = _pair(*shapes)
    for mode in MODES:
        _raises_like_scipy(getattr(S, name), getattr(ss, name), (a, b), mode=mode, method=method)


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
def test_fftconvolve_equals_scipys(shapes):
    a, b = _pair(*shapes)
    for mode in MODES:
        _raises_like_scipy(S.fftconvolve, ss.fftconvolve, (a, b), mode=mode)


@pytest.mark.parametrize("name", ["convolve", "correlate"])
@pytest.mark.parametrize("method", ["direct", "fft"])
def test_complex_inputs_equal_scipys(name, method):
    a, b = _pair((5, 4), (2, 3), complex_=True)
    for mode in MODES:
        _compare(getattr(S, name)(B.asarray(a), B.asarray(b), mode, method), getattr(ss, name)(a, b, mode, method))


@pytest.mark.parametrize("axes", [1, [0, 1], (-1,), None])
def test_fftconvolve_over_axes_broadcasts_the_others(axes):
    a, b = rng.standard_normal((3, 5, 4)), rng.standard_normal((1, 3, 4))
    if axes is None:
        b = rng.standard_normal((2, 3, 4))
    for mode in MODES:
        _raises_like_scipy(S.fftconvolve, ss.fftconvolve, (a, b), mode=mode, axes=axes)


@pytest.mark.parametrize("method", ["direct", "fft", "auto"])
def test_integers_stay_integers_and_exact(method):
    a, b = np.arange(6), np.array([1, -2, 3])
    ours = S.convolve(B.asarray(a), B.asarray(b), method=method)
    want = ss.convolve(a, b, method=method)
    assert ours.dtype == want.dtype
    np.testing.assert_array_equal(B.to_numpy(ours), want)


@pytest.mark.parametrize("name", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("boundary, fillvalue", [("fill", 0), ("fill", 1.5), ("wrap", 0), ("symm", 0),
                                                  ("circular", 0), ("symmetric", 0)])
@pytest.mark.parametrize("shapes", [p for p in PAIRS if len(p[0]) == 2], ids=str)
def test_two_d_functions_equal_scipys(name, boundary, fillvalue, shapes):
    a, b = _pair(*shapes)
    for mode in MODES:
        _raises_like_scipy(getattr(S, name), getattr(ss, name), (a, b), mode=mode, boundary=boundary,
                           fillvalue=fillvalue)


def test_empty_and_0d_inputs_follow_scipy():
    _compare(S.fftconvolve(B.asarray(np.ones(0)), B.asarray(np.ones(3))), ss.fftconvolve(np.ones(0), np.ones(3)))
    _compare(S.convolve(B.asarray(np.ones((0, 2))), B.asarray(np.ones((3, 2)))), np.zeros(0))
    assert float(S.convolve(2.0, 3.0)) == ss.convolve(2.0, 3.0) == 6.0


def test_auto_picks_direct_for_small_kernels_and_fft_for_large_ones():
    small = primitives_used(lambda a, b: S.convolve(a, b), np.ones(50), np.ones(4))
    large = primitives_used(lambda a, b: S.convolve(a, b), np.ones(600), np.ones(500))
    assert "sliding_windows" in small and not any(p.startswith("fft") for p in small)
    assert "fft_r2c" in large and "sliding_windows" not in large


# --- gradients ------------------------------------------------------------------------------------------------------
def _h(*shape):
    return B.asarray(rng.standard_normal(shape))


GRADS = [
    ("convolve direct full", lambda a, b: S.convolve(a, b, method="direct"), (_h(5), _h(3))),
    ("convolve direct same, larger kernel", lambda a, b: S.convolve(a, b, "same", "direct"), (_h(3), _h(5))),
    ("convolve fft valid", lambda a, b: S.convolve(a, b, "valid", "fft"), (_h(4, 5), _h(2, 3))),
    ("correlate direct same", lambda a, b: S.correlate(a, b, "same", "direct"), (_h(4, 3), _h(2, 2))),
    ("correlate fft full", lambda a, b: S.correlate(a, b, "full", "fft"), (_h(4), _h(3))),
    ("correlate 3-d valid", lambda a, b: S.correlate(a, b, "valid"), (_h(3, 3, 2), _h(2, 1, 2))),
    ("fftconvolve axes", lambda a, b: S.fftconvolve(a, b, "same", axes=1), (_h(2, 5), _h(1, 3))),
    ("convolve2d fill", lambda a, b: S.convolve2d(a, b, "same"), (_h(4, 3), _h(2, 2))),
    ("convolve2d fillvalue", lambda a, b: S.convolve2d(a, b, "full", fillvalue=2.0), (_h(3, 3), _h(2, 3))),
    ("convolve2d wrap", lambda a, b: S.convolve2d(a, b, "same", "wrap"), (_h(3, 4), _h(3, 2))),
    ("convolve2d symm", lambda a, b: S.convolve2d(a, b, "full", "symm"), (_h(3, 3), _h(2, 4))),
    ("correlate2d symm same", lambda a, b: S.correlate2d(a, b, "same", "symm"), (_h(4, 3), _h(2, 2))),
    ("correlate2d valid swapped", lambda a, b: S.correlate2d(a, b, "valid"), (_h(2, 2), _h(3, 4))),
]


@pytest.mark.parametrize("fun, args", [g[1:] for g in GRADS], ids=[g[0] for g in GRADS])
def test_gradients_in_both_inputs_match_finite_differences(fun, args):
    check_grads(fun, args, order=2, modes=("fwd", "rev"), rtol=1e-5, atol=1e-6)


def test_gradient_of_the_direct_and_fft_methods_agree():
    a, b = _h(6), _h(4)
    for argnum in (0, 1):
        g = [grad(lambda x, y: (S.convolve(x, y, "same", m) ** 2).sum(), argnum)(a, b) for m in ("direct", "fft")]
        _compare(g[0], B.to_numpy(g[1]))


def test_wrap_gradient_adds_the_wrapped_contributions_back():
    # with a 1 x 2 kernel of ones in 'wrap' mode every element of in1 enters exactly two outputs
    g = grad(lambda x: S.convolve2d(x, B.asarray(np.ones((1, 2))), "same", "wrap").sum())(_h(2, 3))
    _compare(g, np.full((2, 3), 2.0))


# --- vmap -----------------------------------------------------------------------------------------------------------
VMAPS = [
    ("convolve direct", lambda a: S.convolve(a, B.asarray(np.array([1.0, -2.0, 0.5])), "same", "direct")),
    ("correlate fft", lambda a: S.correlate(a, B.asarray(np.array([1.0, -2.0, 0.5])), "valid", "fft")),
    ("convolve2d symm", lambda a: S.convolve2d(B.asarray(np.eye(3)), a.reshape(2, 3), "full", "symm")),
]


@pytest.mark.parametrize("fun", [v[1] for v in VMAPS], ids=[v[0] for v in VMAPS])
def test_vmap_equals_the_loop(fun):
    batch = _h(4, 6)
    ours = vmap(fun)(batch)
    _compare(ours, np.stack([B.to_numpy(fun(batch[i])) for i in range(4)]))


def test_vmap_over_both_inputs_of_fftconvolve():
    a, b = _h(3, 5), _h(3, 2)
    ours = vmap(lambda x, y: S.fftconvolve(x, y))(a, b)
    _compare(ours, ss.fftconvolve(B.to_numpy(a), B.to_numpy(b), axes=1))


# --- errors ---------------------------------------------------------------------------------------------------------
ERRORS = [
    (lambda: S.convolve(np.ones(3), np.ones((2, 2))), ["convolve", "dimensionality", "(3,)", "(2, 2)"]),
    (lambda: S.correlate(np.ones(3), np.ones(2), mode="middle"), ["correlate", "mode", "'middle'"]),
    (lambda: S.convolve(np.ones(3), np.ones(2), method="winograd"), ["convolve", "method", "'winograd'"]),
    (lambda: S.convolve(np.ones((2, 5)), np.ones((3, 2)), "valid"), ["convolve", "valid", "(2, 5)", "(3, 2)"]),
    (lambda: S.fftconvolve(np.ones((2, 5)), np.ones((3, 2)), axes=1), ["fftconvolve", "(2, 5)", "(3, 2)", "[0]"]),
    (lambda: S.fftconvolve(np.ones(3), np.ones(2), axes=2), ["fftconvolve", "axes", "1 dimensions"]),
    (lambda: S.convolve2d(np.ones(3), np.ones(2)), ["convolve2d", "2-D", "(3,)"]),
    (lambda: S.correlate2d(np.ones((2, 2)), np.ones((2, 2)), boundary="reflect"), ["correlate2d", "boundary",
                                                                                    "'reflect'"]),
    (lambda: S.convolve2d(np.ones((2, 2)), np.ones((2, 2)), fillvalue=[1.0, 2.0]), ["convolve2d", "fillvalue",
                                                                                    "scalar"]),
]


@pytest.mark.parametrize("call, words", ERRORS, ids=[w[1][0] + "-" + str(i) for i, w in enumerate(ERRORS)])
def test_bad_input_raises_naming_the_function_and_shapes(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_every_function_is_covered():
    tested = {"convolve", "correlate", "fftconvolve", "convolve2d", "correlate2d"}
    assert tested == set(S.__all__)
    for name, mode in itertools.product(S.__all__, MODES):  # every mode of every function runs
        fn = getattr(S, name)
        assert fn(np.ones((3, 3)), np.ones((2, 2)), mode).ndim == 2
