"""``funcgrad.numpy.fft`` and the Tensor face's ``funcgrad.fft``: values equal ``numpy.fft``'s (every name, cropping
and zero-padding, the three normalisations, axes) and ``torch.fft``'s, gradients against finite differences, an
explicit transpose and torch (float64), vmap against the loop, and the errors. The primitives' own rules are
property-tested by tests/test_primitive_grads.py (tests/specs/fft.py).

Complex convention: funcgrad's engine transposes under ``Re(sum(a * b))`` (JAX's convention), so the functional
face's gradient of a real loss of complex inputs is the conjugate of PyTorch's (the conjugate-Wirtinger one); the
Tensor face conjugates at its boundary, so ``.grad`` equals torch's (both are checked below).
"""
import warnings

import numpy as np
import pytest

import _backend as B
import funcgrad as fg
import funcgrad.fft  # noqa: F401  (the torch.fft path)
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads
from parity import cases, check_against_torch

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5))
Z = X + 1j * RNG.standard_normal((3, 4, 5))
NORMS = [None, "backward", "ortho", "forward"]
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"]
REAL_IN = {"rfft", "ihfft", "rfftn", "rfft2"}


def _numpy(name, *args, **kw):
    with warnings.catch_warnings():  # numpy.fft deprecates s without axes; funcgrad keeps that reading quietly
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(np.fft, name)(*args, **kw)


def _same(got, want, rtol=1e-10, atol=1e-12):
    got = B.to_numpy(got)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype, want.shape, want.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# --- values: numpy.fft ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [None, 1, 2, 3, 4, 7, 8])  # cropping (< 4 or 5) and zero-padding, odd and even
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("name", ONE_D)
def test_one_dimensional_transforms_equal_numpy(name, axis, n, norm):
    a = X if name in REAL_IN else Z
    _same(getattr(fnp.fft, name)(B.asarray(a), n=n, axis=axis, norm=norm), _numpy(name, a, n=n, axis=axis, norm=norm))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("s", [None, (2, 3), (5, 6), (3, -1), (4,), (1, 2, 7)])
@pytest.mark.parametrize("axes", [None, (0, 1), (1, 0), (2,), (-1, 0), (0, 2, 1), (1, 1)])  # (1, 1): twice
@pytest.mark.parametrize("name", N_D)
def test_n_dimensional_transforms_equal_numpy(name, axes, s, norm):
    a = X if name in REAL_IN else Z
    kw = {"s": s, "norm": norm}
    if axes is not None or not name.endswith("2"):
        kw["axes"] = axes
    try:
        want = _numpy(name, a, **kw)
    except (ValueError, IndexError, TypeError) as e:  # numpy refuses the combination: so must funcgrad
        with pytest.raises(type(e)):
            getattr(fnp.fft, name)(B.asarray(a), **kw)
        return
    _same(getattr(fnp.fft, name)(B.asarray(a), **kw), want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.int64])
@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "hfft", "ihfft", "fftn"])
def test_dtypes_follow_numpy(name, dtype):
    a = (Z if np.dtype(dtype).kind == "c" else X * 3).astype(dtype)
    if name in REAL_IN and a.dtype.kind == "c":
        return
    _same(getattr(fnp.fft, name)(B.asarray(a)), _numpy(name, a), rtol=1e-5, atol=1e-5)


def test_empty_batch_axes_and_lists():
    _same(fnp.fft.rfft(B.asarray(np.zeros((0, 4)))), np.fft.rfft(np.zeros((0, 4))))
    _same(fnp.fft.fftn(B.asarray(np.zeros((2, 0, 3))), axes=(0, 2)), np.fft.fftn(np.zeros((2, 0, 3)), axes=(0, 2)))
    _same(fnp.fft.fft([1.0, 2.0, 3.0]), np.fft.fft([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("axes", [None, 0, 1, -1, (0, 2), (2, 0)])
def test_shifts_and_frequencies_equal_numpy(axes):
    for name in ("fftshift", "ifftshift"):
        _same(getattr(fnp.fft, name)(B.asarray(X), axes=axes), getattr(np.fft, name)(X, axes=axes))
    for n in (1, 2, 5, 8):
        for d in (1.0, 0.25):
            _same(fnp.fft.fftfreq(n, d), np.fft.fftfreq(n, d))
            _same(fnp.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d))


def test_frequencies_are_created_where_asked_and_are_constants():
    assert fg.backend.device_of(fnp.fft.fftfreq(4, device="cpu")) == "cpu"
    assert fg.backend.device_of(fnp.fft.rfftfreq(4)).split(":")[0] == B.DEVICE  # the default device
    if B.ON_DEVICE:
        assert fg.backend.device_of(fnp.fft.fftfreq(4, device="cuda:1")) == "cuda:1"
        assert fg.fft.fftfreq(3, device="cpu").device.type == "cpu"
    # a frequency grid scales traced values but carries no gradient of its own
    g = fg.grad(lambda x: fnp.sum(x * fnp.fft.fftfreq(4)))(B.asarray(np.ones(4)))
    _same(g, np.fft.fftfreq(4))


# --- gradients ------------------------------------------------------------------------------------------------------
GRAD_CASES = [
    ("fft-crop", lambda a: fnp.fft.fft(a, n=3, axis=1, norm="ortho"), Z),
    ("fft-pad-real", lambda a: fnp.fft.fft(a, n=7, axis=0), X),
    ("ifft2-pad-crop", lambda a: fnp.fft.ifft2(a, s=(6, 2), norm="forward"), Z),
    ("fftn-repeated-axes", lambda a: fnp.fft.fftn(a, s=(2, 6), axes=(1, 1)), Z),
    ("rfft-odd", lambda a: fnp.fft.rfft(a, n=5), X),
    ("rfftn-even-pad", lambda a: fnp.fft.rfftn(a, s=(2, 8), axes=(0, 2), norm="ortho"), X),
    ("rfft2-unordered", lambda a: fnp.fft.rfft2(a, s=(5, 3), axes=(2, 1), norm="forward"), X),
    ("irfft-odd-complex", lambda a: fnp.fft.irfft(a, n=7, axis=1), Z),
    ("irfftn-even-crop", lambda a: fnp.fft.irfftn(a, s=(3, 4), norm="ortho"), Z),
    ("irfft2-real-input", lambda a: fnp.fft.irfft2(a, norm="forward"), X),
    ("hfft", lambda a: fnp.fft.hfft(a, n=5, axis=0, norm="ortho"), Z),
    ("ihfft", lambda a: fnp.fft.ihfft(a, n=6, axis=2), X),
    ("fftshift", lambda a: fnp.fft.fftshift(a, axes=(0, 2)), Z),
    ("ifftshift-all", lambda a: fnp.fft.ifftshift(a), X),
    ("abs-of-fft", lambda a: fnp.abs(fnp.fft.fft2(a)) ** 2, X),
]


@pytest.mark.parametrize("fn, a", cases(GRAD_CASES))
def test_gradients_match_finite_differences(fn, a):
    check_grads(fn, (B.asarray(a),), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("n", range(1, 8))
def test_rfft_and_irfft_vjps_are_the_explicit_transposes(n):
    """An independent derivation of the Hermitian weighting, odd and even lengths: the real-linear maps as matrices
    built from numpy.fft on basis vectors, transposed under the pairing Re(sum(a * b))."""
    m = n // 2 + 1
    g = RNG.standard_normal(m) + 1j * RNG.standard_normal(m)
    _, vjp = fg.vjp(lambda x: fnp.fft.rfft(x), B.asarray(RNG.standard_normal(n)))
    jac = np.fft.rfft(np.eye(n), axis=0)  # (m, n): rfft(x) = jac @ x
    _same(vjp(B.asarray(g))[0], (jac.T @ g).real)
    # irfft(t) = A Re(t) + B Im(t): its transpose sends g to A^T g - i B^T g
    A, Bm = np.fft.irfft(np.eye(m), n=n, axis=0), np.fft.irfft(1j * np.eye(m), n=n, axis=0)
    h = RNG.standard_normal(n)
    _, vjp = fg.vjp(lambda t: fnp.fft.irfft(t, n=n), B.asarray(g))
    _same(vjp(B.asarray(h))[0], A.T @ h - 1j * (Bm.T @ h))


def test_functional_gradient_is_the_conjugate_of_torchs():
    torch = pytest.importorskip("torch")
    loss = lambda lib, z: (lib.abs(lib.fft.fft(z, n=6)) ** 3).sum()  # noqa: E731
    tz = torch.tensor(Z[0], requires_grad=True)
    loss(torch, tz).backward()
    g = fg.grad(lambda z: loss(fnp, z))(B.asarray(Z[0]))
    _same(g, np.conj(tz.grad.numpy()), rtol=1e-9)


def test_vmap_of_transforms_equals_the_loop():
    for f in (lambda a: fnp.fft.rfftn(a, s=(3, 6), norm="ortho"), lambda a: fnp.fft.irfft(fnp.fft.fft(a, n=6)[:4], n=5),
              lambda a: fnp.fft.fftshift(fnp.fft.ifft2(a, s=(2, 3)), axes=0)):
        _same(fg.vmap(f)(B.asarray(X)), np.stack([B.to_numpy(f(B.asarray(x))) for x in X]))
    per_example = fg.vmap(fg.grad(lambda a: fnp.sum(fnp.abs(fnp.fft.rfft(a, axis=0)) ** 2)))(B.asarray(X))
    _same(per_example, np.stack([B.to_numpy(fg.grad(lambda a: fnp.sum(fnp.abs(fnp.fft.rfft(a, axis=0)) ** 2))(
        B.asarray(x))) for x in X]))


# --- errors ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, match", [
    (lambda: fnp.fft.fft(X, norm="bad"), ValueError, r"funcgrad\.numpy\.fft\.fft: norm='bad'.*\"ortho\""),
    (lambda: fnp.fft.rfftn(X, norm="unitary"), ValueError, r"rfftn: norm='unitary'"),
    (lambda: fnp.fft.fft(X, n=0), ValueError, r"fft\.fft: the number of points along axis 2 must be at least 1"),
    (lambda: fnp.fft.fftn(X, s=(2, -3)), ValueError, r"fftn: .* at least 1, got -3"),
    (lambda: fnp.fft.irfft(np.ones(1)), ValueError, r"irfft: .*default n = 2 \* \(m - 1\)"),
    (lambda: fnp.fft.fft(np.zeros((2, 0))), ValueError, r"fft: .*empty along that axis"),
    (lambda: fnp.fft.fft(X, axis=3), np.exceptions.AxisError, r"fft\.fft: axis 3 is out of bounds .* dimension 3"),
    (lambda: fnp.fft.fft2(X, axes=(0, -4)), IndexError, r"fft2: axis -4 is out of bounds"),
    (lambda: fnp.fft.fftshift(X, axes=5), IndexError, r"fftshift: axis 5"),
    (lambda: fnp.fft.fftn(X, s=(2, 3), axes=(0,)), ValueError, r"fftn: s=\(2, 3\) and axes=\(0,\)"),
    (lambda: fnp.fft.rfft(Z), TypeError, r"rfft: the input must be real, got dtype complex128"),
    (lambda: fnp.fft.rfftn(X, axes=()), ValueError, r"rfftn: needs at least one axis"),
    (lambda: fnp.fft.fft(X, out=np.empty(5)), TypeError, r"fft\.fft: out= is not supported"),
    (lambda: fnp.fft.fftfreq(0), ValueError, r"fftfreq: n .* at least 1"),
    (lambda: fg.fft.fft(fg.tensor(X), norm="bad"), RuntimeError, r"funcgrad\.fft\.fft: Invalid normalization mode"),
    (lambda: fg.fft.rfft(fg.tensor(X), n=0), RuntimeError, r"fft\.rfft: Invalid number of data points \(0\)"),
    (lambda: fg.fft.fftn(fg.tensor(X), dim=(0, 3)), IndexError, r"fft\.fftn: Dimension out of range"),
    (lambda: fg.fft.fftn(fg.tensor(X), dim=(1, -2)), RuntimeError, r"fft\.fftn: FFT dims must be unique"),
    (lambda: fg.fft.ihfft(fg.tensor(Z)), RuntimeError, r"fft\.ihfft expects a real input tensor.*use funcgrad\.fft\.fft"),
])
def test_bad_arguments_name_the_function(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- the Tensor face: torch.fft -------------------------------------------------------------------------------------
def _realview(lib, y):
    return lib.stack([y.real, y.imag], -1) if y.is_complex() else y  # (torch's view_as_real refuses conj views)


TORCH_CASES = [
    ("fft", lambda m, x: m.fft.fft(x, n=7, dim=1, norm="ortho"), [Z]),
    ("fft-real-crop", lambda m, x: m.fft.fft(x, n=2), [X]),
    ("ifft", lambda m, x: m.fft.ifft(x, dim=0, norm="forward"), [Z]),
    ("fft2", lambda m, x: m.fft.fft2(x, s=(3, 6)), [Z]),
    ("ifft2", lambda m, x: m.fft.ifft2(x, dim=(0, 2), norm="ortho"), [X]),
    ("fftn", lambda m, x: m.fft.fftn(x, s=(2, -1)), [Z]),
    ("fftn-all", lambda m, x: m.fft.fftn(x, norm="forward"), [X]),
    ("ifftn", lambda m, x: m.fft.ifftn(x, s=(5, 2, 4), dim=(2, 0, 1)), [Z]),
    ("rfft", lambda m, x: m.fft.rfft(x, n=7, norm="forward"), [X]),
    ("irfft", lambda m, x: m.fft.irfft(x, dim=1), [Z]),
    ("irfft-odd", lambda m, x: m.fft.irfft(x, n=5, norm="ortho"), [Z]),
    ("rfft2", lambda m, x: m.fft.rfft2(x, s=(3, 8)), [X]),
    ("irfft2", lambda m, x: m.fft.irfft2(x, s=(4, 7), norm="forward"), [Z]),
    ("rfftn", lambda m, x: m.fft.rfftn(x, dim=(0, 2), norm="ortho"), [X]),
    ("irfftn", lambda m, x: m.fft.irfftn(x, s=(2, -1)), [Z]),
    ("hfft", lambda m, x: m.fft.hfft(x, n=6, dim=0), [Z]),
    ("ihfft", lambda m, x: m.fft.ihfft(x, norm="ortho"), [X]),
    ("hfft2", lambda m, x: m.fft.hfft2(x, s=(3, 5), norm="forward"), [Z]),
    ("ihfft2", lambda m, x: m.fft.ihfft2(x, dim=(0, 1)), [X]),
    ("hfftn", lambda m, x: m.fft.hfftn(x, norm="ortho"), [Z]),
    ("ihfftn", lambda m, x: m.fft.ihfftn(x, s=(2, 4)), [X]),
    ("fftshift", lambda m, x: m.fft.fftshift(m.fft.fft(x), dim=(0, -1)), [Z]),
    ("ifftshift", lambda m, x: m.fft.ifftshift(x, dim=1), [X]),
    ("abs-angle", lambda m, x: m.fft.rfft(x).abs() + m.fft.rfft(x + 1.0).angle(), [X]),
    ("real-imag", lambda m, x: m.fft.fft(x).real * m.fft.fft(x).imag, [Z]),
]


@pytest.mark.parametrize("fn, arrays", cases(TORCH_CASES))
def test_tensor_face_matches_torch_fft(fn, arrays):
    check_against_torch(lambda m, *xs: _realview(m, fn(m, *xs)), arrays, rtol=1e-9, atol=1e-10)


def test_backward_through_abs_of_fft_matches_torch():
    check_against_torch(lambda m, x: m.fft.fft(x).abs().sum(), [X], rtol=1e-9, atol=1e-10)


def test_tensor_face_dtypes_and_frequencies_match_torch():
    torch = pytest.importorskip("torch")
    for f in ("fft", "rfft", "ihfft", "fftn"):  # integers: promoted to the default float dtype, as in torch
        got = getattr(fg.fft, f)(fg.tensor([1, 2, 3]))
        want = getattr(torch.fft, f)(torch.tensor([1, 2, 3]))
        assert got.dtype == np.dtype(str(want.dtype).replace("torch.", ""))
        np.testing.assert_allclose(B.to_numpy(got), want.resolve_conj().numpy(), rtol=1e-6)
    assert fg.fft.fftn(fg.tensor(X), dim=()).dtype == np.complex128  # no axes: still complex, as torch
    for name in ("fftfreq", "rfftfreq"):
        for n, d in ((1, 1.0), (4, 0.5), (7, 2.0)):
            got, want = getattr(fg.fft, name)(n, d), getattr(torch.fft, name)(n, d)
            assert got.dtype == np.float32 and got.shape == tuple(want.shape)
            np.testing.assert_allclose(B.to_numpy(got), want.numpy(), rtol=1e-6)
        t = getattr(fg.fft, name)(5, dtype=fg.float64, requires_grad=True)
        assert t.dtype == np.float64 and t.requires_grad


def test_funcgrad_fft_is_the_torch_fft_module_path():
    from funcgrad.fft import rfft

    assert fg.fft.rfft is rfft and fg.fft.__name__ == "funcgrad.tensors.fft"
