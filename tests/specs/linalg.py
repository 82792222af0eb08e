"""Specs for the linalg family.

Inputs are made well-posed inside each spec's function, so that finite differences see a smooth function:
matrices to invert are ``X + c I`` with ``|X_ij| < 1`` and ``c`` above the size (diagonally dominant); Cholesky
gets ``X X^T + n I``; ``eigh`` gets a symmetrized ``X`` plus a diagonal with well separated entries, and is
checked through the sign-invariant ``(w, v * v)``; the SVD-based specs add a well separated "diagonal" so that
singular values are distinct and nonzero, and look at ``u * u`` and ``vh * vh`` (invariant under the joint sign
flips of singular vectors). The decompositions (Cholesky, eigh, the SVD, pinv, QR) draw complex inputs too, made
Hermitian where they must be, and look at phase-invariant functions (``|v|^2``, ``u @ vh``). Batch axes include
size-1 and empty ones. All specs check second order.
"""
import sys

import funcgrad.primitives.linalg  # noqa: F401
from funcgrad import device_put

from . import custom, fnp, fst, np, st

L = sys.modules["funcgrad.primitives.linalg"]
import funcgrad.primitives.decompositions as _D  # noqa: E402

_small = (-1.0, 1.0)


def _batch(max_dims=2):
    return fst.shapes(max_dims=max_dims, min_side=0, max_side=3)


def _eye(n):
    return fnp.eye(n)  # on the default device: the backend under test


def _dominant(x):
    """``x + (n + 1) I``: diagonally dominant (well conditioned) when ``|x_ij| < 1``."""
    n = x.shape[-1]
    return x + (n + 1.0) * _eye(n)


def _spread_diag(m, n):
    """A constant m x n matrix with well separated diagonal entries 4k(i + 1) (k = max(m, n)), on the default
    device (the backend under test)."""
    d = np.zeros((m, n))
    k = max(m, n)
    for i in range(min(m, n)):
        d[i, i] = 4.0 * k * (i + 1)
    return device_put(d)


# --- matmul: every rank combination, broadcasting batch axes (size-1, empty), empty core axes --------------------
def _matmul_shapes(draw):
    case = draw(st.sampled_from(["1-1", "1-2", "2-1", "1-N", "N-1", "2-2", "N-N"]))
    m, k, n = draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(0, 3))
    ba, bb = draw(fst.broadcastable_shapes(2, max_dims=2, min_side=0, max_side=3)) if "N" in case else ((), ())
    if case == "N-N" and not (ba or bb):
        ba = (1,)
    sa = {"1": (k,), "2": (m, k), "N": tuple(ba) + (m, k)}[case[0]]
    sb = {"1": (k,), "2": (k, n), "N": tuple(bb) + (k, n)}[case[-1]]
    return sa, sb


@st.composite
def _matmul_case(draw):
    sa, sb = _matmul_shapes(draw)
    a, b = draw(fst.arrays(sa)), draw(fst.arrays(sb))
    use_op = draw(st.booleans())
    fun = (lambda x, y: x @ y) if use_op else L.matmul
    return fun, (a, b)


@st.composite
def _transpose_case(draw):
    x = draw(fst.arrays(fst.shapes(min_dims=2, max_dims=4, min_side=0, max_side=3)))
    return L.matrix_transpose, (x,)


def _maybe_complex(draw, x, complex_ok):
    """``x``, or (when ``complex_ok`` and drawn so) ``x + i y`` for another drawn ``y`` of the same shape."""
    if complex_ok and draw(st.booleans()):
        return x + 1j * draw(fst.arrays(x.shape, _small))
    return x


def _mH(a):
    return fnp.conj(L.matrix_transpose(a))


def _square(draw, max_n=3, min_n=0, complex_ok=False):
    n = draw(st.integers(min_n, max_n))
    return _maybe_complex(draw, draw(fst.arrays(draw(_batch()) + (n, n), _small)), complex_ok)


@st.composite
def _inv_case(draw):
    return (lambda x: fnp.linalg.inv(_dominant(x))), (_square(draw),)


@st.composite
def _solve_case(draw):
    n = draw(st.integers(1, 3))
    ba, bb = draw(fst.broadcastable_shapes(2, max_dims=2, min_side=0, max_side=3))
    a = draw(fst.arrays(tuple(ba) + (n, n), _small))
    if draw(st.booleans()):
        b = draw(fst.arrays((n,)))
    else:
        b = draw(fst.arrays(tuple(bb) + (n, draw(st.integers(0, 3)))))
    return (lambda x, y: fnp.linalg.solve(_dominant(x), y)), (a, b)


@st.composite
def _det_case(draw):
    return (lambda x: fnp.linalg.det(_dominant(x))), (_square(draw),)


@st.composite
def _cofactor_case(draw):
    # det's gradient; its own derivatives need an invertible matrix (tests/test_linalg_singular.py: det at
    # singular matrices)
    return (lambda x: L._cofactor(_dominant(x))), (_square(draw),)


@st.composite
def _slogdet_case(draw):
    x = _square(draw, min_n=1)
    n = x.shape[-1]
    flips = device_put(np.diag(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n))))  # det < 0 too

    def fun(a):
        sign, logdet = fnp.linalg.slogdet(_dominant(a) @ flips)
        return logdet

    return fun, (x,)


@st.composite
def _solve_triangular_case(draw):
    n = draw(st.integers(1, 3))
    ba, bb = draw(fst.broadcastable_shapes(2, max_dims=2, min_side=1, max_side=3))
    a = draw(fst.arrays(tuple(ba) + (n, n), _small))
    b = draw(fst.arrays(tuple(bb) + (n, draw(st.integers(1, 3)))))
    lower = draw(st.booleans())
    return (lambda x, y: _D.solve_triangular(_dominant(x), y, lower=lower)), (a, b)


@st.composite
def _cholesky_case(draw):
    x = _square(draw, complex_ok=True)
    upper = draw(st.booleans())
    n = x.shape[-1]
    return (lambda a: fnp.linalg.cholesky(a @ _mH(a) + n * _eye(n), upper=upper)), (x,)


@st.composite
def _eigh_case(draw):
    x = _square(draw, complex_ok=True)
    n = x.shape[-1]
    uplo = draw(st.sampled_from(["L", "U"]))
    spread = _spread_diag(n, n)

    def fun(a):
        w, v = fnp.linalg.eigh((a + _mH(a)) * 0.5 + spread, UPLO=uplo)
        return w, fnp.real(v * fnp.conj(v))  # eigenvectors are defined up to sign (a phase, for complex input)

    return fun, (x,)


def _rect(draw, tall_only=False, avoid=()):
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    if tall_only and m < n:
        m, n = n, m
    x = draw(fst.arrays(draw(_batch()) + (m, n), _small, avoid=avoid))
    if draw(st.booleans()):
        x = x + 1j * draw(fst.arrays(x.shape, _small, avoid=avoid))
    return x, _spread_diag(m, n)


@st.composite
def _svd_case(draw):
    x, spread = _rect(draw)
    m, n = x.shape[-2:]
    full = draw(st.booleans()) if m == n else False

    def fun(a):
        u, s, vh = fnp.linalg.svd(a + spread, full_matrices=full)
        # singular vector pairs are defined up to a joint sign (a joint phase, for complex input): look at |u|^2,
        # |vh|^2 and the products u_i vh_i
        return fnp.real(u * fnp.conj(u)), s, fnp.real(vh * fnp.conj(vh)), u @ vh

    return fun, (x,)


@st.composite
def _svdvals_case(draw):
    x, spread = _rect(draw)
    fun = draw(st.sampled_from([lambda a: fnp.linalg.svdvals(a + spread),
                                lambda a: fnp.linalg.svd(a + spread, compute_uv=False)]))
    return fun, (x,)


@st.composite
def _pinv_case(draw):
    x, spread = _rect(draw)
    return (lambda a: fnp.linalg.pinv(a + spread)), (x,)


@st.composite
def _qr_case(draw):
    # LAPACK's Householder QR skips a column whose entries below the diagonal are exactly zero, which flips
    # the signs of that column of Q and row of R compared with any perturbed matrix: keep entries off zero.
    x, spread = _rect(draw, tall_only=True, avoid=(0.0,))
    m, n = x.shape[-2:]
    mode = draw(st.sampled_from(["reduced", "complete"] if m == n else ["reduced"]))
    return (lambda a: tuple(fnp.linalg.qr(a + spread, mode=mode))), (x,)


SPECS = [
    custom("matmul", _matmul_case()),
    custom("matrix_transpose", _transpose_case()),
    custom("inv", _inv_case()),
    custom("solve", _solve_case()),
    custom("det", _det_case()),
    custom("cofactor", _cofactor_case()),
    custom("slogdet", _slogdet_case()),
    custom("solve_triangular", _solve_triangular_case()),
    custom("cholesky", _cholesky_case()),
    custom("eigh", _eigh_case()),
    custom("svd", _svd_case()),
    custom("svdvals", _svdvals_case()),
    custom("pinv", _pinv_case()),
    custom("qr", _qr_case()),
]
