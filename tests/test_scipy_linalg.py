"""funcgrad.scipy.linalg: values equal SciPy's (stacks too), the gradients of the compositions agree with finite
differences to second order in both modes, vmap equals the loop, and bad input raises naming the function and
the shapes. The primitives' own rules (expm, logm, sqrtm, solve_sylvester, lu) are also property-tested by the
registry-driven suite (tests/specs/scipy_linalg.py)."""
import types
import warnings

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import vmap
from funcgrad.primitives import scipy_linalg as P
from funcgrad.scipy import linalg as L
from funcgrad.testing import check_grads

sl = pytest.importorskip("scipy.linalg")

rng = np.random.default_rng(16)
A = rng.uniform(-1, 1, (4, 4))
WELL = A + 5.0 * np.eye(4)                    # eigenvalues with positive real parts, well conditioned
SPD = A @ A.T + 4.0 * np.eye(4)
SYM = (A + A.T) / 2 + np.diag([0.0, 3.0, 6.0, 9.0])   # well separated eigenvalues
B = rng.standard_normal((4, 3))
STACK = rng.uniform(-1, 1, (2, 3, 3)) + 4.0 * np.eye(3)


def _close(ours, theirs, rtol=1e-10, atol=1e-12):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _close(o, t, rtol, atol)
        return
    ours = np.asarray(ours)
    assert ours.shape == np.shape(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


# --- values -------------------------------------------------------------------------------------------------------
VALUES = [
    ("solve_triangular", (A + 3 * np.eye(4), B), {}),
    ("solve_triangular", (A + 3 * np.eye(4), B[:, 0]), {"lower": True, "trans": "T"}),
    ("solve_triangular", (A + 3 * np.eye(4), B), {"trans": 2, "unit_diagonal": True}),
    ("solve_triangular", (A + 3 * np.eye(4), B), {"lower": True, "trans": 1, "unit_diagonal": True}),
    ("cholesky", (SPD,), {}),
    ("cholesky", (SPD,), {"lower": True}),
    ("cholesky", (STACK @ np.swapaxes(STACK, -1, -2),), {}),
    ("expm", (A,), {}),
    ("expm", (STACK - 4 * np.eye(3),), {}),
    ("logm", (WELL,), {}),
    ("logm", (STACK,), {}),
    ("sqrtm", (WELL,), {}),
    ("sqrtm", (SPD,), {}),
    ("solve_sylvester", (WELL, WELL[:3, :3], B), {}),
    ("solve_continuous_lyapunov", (WELL, SPD), {}),
    ("det", (A,), {}),
    ("det", (STACK,), {}),
    ("inv", (WELL,), {}),
    ("inv", (STACK,), {}),
    ("inv", (SPD,), {"assume_a": "pos"}),
    ("inv", (SPD,), {"assume_a": "sym", "lower": True}),
    ("inv", (np.triu(WELL),), {"assume_a": "upper triangular"}),
    ("inv", (np.tril(WELL),), {"assume_a": "lower triangular"}),
    ("inv", (np.diag([2.0, 4.0, 5.0]),), {"assume_a": "diagonal"}),
    ("eigh", (SYM,), {"eigvals_only": True}),
    ("eigh", (SYM,), {"lower": False, "eigvals_only": True}),
    ("eigh", (SYM,), {"eigvals_only": True, "subset_by_index": (1, 2)}),
    ("eigh", (SYM,), {"eigvals_only": True, "subset_by_value": (2.0, 20.0)}),
    ("eigh", (SYM, SPD), {"eigvals_only": True}),
    ("block_diag", ([[1.0, 2.0]], 3.0, np.ones((2, 2)), []), {}),
    ("block_diag", (A, B), {}),
    ("block_diag", (), {}),
]


@pytest.mark.parametrize("name, args, kw", VALUES, ids=[f"{v[0]}-{i}" for i, v in enumerate(VALUES)])
def test_values_equal_scipys(name, args, kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        _close(getattr(L, name)(*args, **kw), getattr(sl, name)(*args, **kw), rtol=1e-9, atol=1e-11)


def test_every_name_is_compared_with_scipy():
    compared = {v[0] for v in VALUES} | {"cho_factor", "cho_solve", "lu", "lu_factor", "lu_solve", "eigh",
                                         "expm_frechet"}
    assert compared == set(L.__all__)
    for name in L.__all__:
        assert getattr(L, name).__doc__ and ">>>" in getattr(L, name).__doc__, name


@pytest.mark.parametrize("lower", [True, False])
def test_cho_factor_and_cho_solve_equal_scipys(lower):
    c, low = L.cho_factor(SPD, lower=lower)
    c_ref, _ = sl.cho_factor(SPD, lower=lower)
    assert low is lower
    tri = np.tril if lower else np.triu
    _close(c, tri(c_ref))  # SciPy leaves the other triangle unspecified; funcgrad's is zero
    np.testing.assert_array_equal(c, tri(c))
    for b in (B, B[:, 0]):
        _close(L.cho_solve((c, low), b), sl.cho_solve((c_ref, lower), b))


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 3), (2, 4, 2)])
def test_lu_and_lu_factor_equal_scipys(shape):
    a = rng.standard_normal(shape)
    for kw in ({}, {"permute_l": True}, {"p_indices": True}):
        _close(L.lu(a, **kw), sl.lu(a, **kw))
    lu, piv = L.lu_factor(a)
    lu_ref, piv_ref = sl.lu_factor(a)
    _close(lu, lu_ref)
    np.testing.assert_array_equal(piv, piv_ref)
    assert piv.dtype == piv_ref.dtype


@pytest.mark.parametrize("trans", [0, 1, 2])
def test_lu_solve_equals_scipys(trans):
    a = rng.standard_normal((5, 5))  # pivoting happens
    factors, ref = L.lu_factor(a), sl.lu_factor(a)
    for b in (rng.standard_normal(5), rng.standard_normal((5, 2))):
        _close(L.lu_solve(factors, b, trans=trans), sl.lu_solve(ref, b, trans=trans))
    stack = rng.standard_normal((3, 4, 4))
    bs = rng.standard_normal((3, 4, 2))
    _close(L.lu_solve(L.lu_factor(stack), bs, trans=trans),
           np.stack([sl.lu_solve(sl.lu_factor(s), b, trans=trans) for s, b in zip(stack, bs)]))


def test_expm_frechet_equals_scipys():
    e = rng.standard_normal((4, 4))
    _close(L.expm_frechet(A, e), sl.expm_frechet(A, e), rtol=1e-9)
    _close(L.expm_frechet(A, e, compute_expm=False), sl.expm_frechet(A, e, compute_expm=False), rtol=1e-9)


@pytest.mark.parametrize("kind", [1, 2, 3])
@pytest.mark.parametrize("lower", [True, False])
def test_generalized_eigh_equals_scipys(kind, lower):
    w, v = L.eigh(SYM, SPD, lower=lower, type=kind)
    w_ref, v_ref = sl.eigh(SYM, SPD, lower=lower, type=kind)
    _close(w, w_ref, rtol=1e-9)
    _close(np.abs(v), np.abs(v_ref), rtol=1e-8, atol=1e-10)  # eigenvectors are defined up to sign


def test_disp_false_returns_scipys_error_estimates():
    for name in ("logm", "sqrtm"):
        x, err = getattr(L, name)(WELL, disp=False)
        _close(x, getattr(sl, name)(WELL))
        assert 0 <= float(err) < 1e-12


def test_tensors_in_give_tensors_out_with_gradients():
    torch = pytest.importorskip("torch")
    t = fg.tensor(WELL, requires_grad=True)
    y = L.expm(t * 0.1)
    assert isinstance(y, fg.Tensor)
    y.sum().backward()
    tt = torch.tensor(WELL, requires_grad=True)
    torch.linalg.matrix_exp(tt * 0.1).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-10)


# --- gradients of the compositions (and of the primitives through their public names) ---------------------------
def _tri(x):
    return x + 4.0 * np.eye(x.shape[-1])


def _spd(x):
    return x @ np.swapaxes(x, -1, -2) + 4.0 * np.eye(x.shape[-1])


X3 = rng.uniform(-1, 1, (3, 3))
GRADS = [
    ("solve_triangular", lambda a, b: L.solve_triangular(_tri(a), b), (X3, B[:3])),
    ("solve_triangular lower T", lambda a, b: L.solve_triangular(_tri(a), b, lower=True, trans="T"),
     (X3, B[:3, 0])),
    ("solve_triangular unit", lambda a, b: L.solve_triangular(a, b, trans=1, unit_diagonal=True), (X3, B[:3])),
    ("cholesky", lambda a: L.cholesky(_spd(a)), (X3,)),
    ("cholesky lower", lambda a: L.cholesky(_spd(a), lower=True), (X3,)),
    ("cho_solve", lambda a, b: L.cho_solve(L.cho_factor(_spd(a)), b), (X3, B[:3])),
    ("cho_solve lower", lambda a, b: L.cho_solve(L.cho_factor(_spd(a), lower=True), b), (X3, B[:3, 0])),
    ("lu", lambda a: L.lu(_tri(a))[1:], (X3,)),
    ("lu permute_l", lambda a: L.lu(_tri(a)[::-1], permute_l=True), (X3,)),
    ("lu_factor", lambda a: L.lu_factor(_tri(a)[[2, 0, 1]])[0], (X3,)),
    ("lu_solve", lambda a, b: L.lu_solve(L.lu_factor(_tri(a)[[1, 2, 0]]), b), (X3, B[:3])),
    ("lu_solve T", lambda a, b: L.lu_solve(L.lu_factor(_tri(a)[[1, 2, 0]]), b, trans=1), (X3, B[:3, 0])),
    ("lu_solve packed", lambda lu, b: L.lu_solve((_tri(lu), np.array([0, 2, 2], np.int32)), b), (X3, B[:3])),
    ("expm", L.expm, (X3,)),
    ("expm_frechet", lambda a, e: L.expm_frechet(a, e), (X3, X3.T.copy())),
    ("logm", lambda a: L.logm(_tri(a)), (X3,)),
    ("sqrtm", lambda a: L.sqrtm(_tri(a)), (X3,)),
    ("solve_sylvester", lambda a, b, q: L.solve_sylvester(_tri(a), _tri(b), q), (X3, X3[:2, :2], B[:3, :2])),
    ("solve_continuous_lyapunov", lambda a, q: L.solve_continuous_lyapunov(_tri(a), q), (X3, X3.T.copy())),
    ("eigh", lambda a: (lambda w, v: (w, v * v))(*L.eigh(a + a.T + np.diag([0.0, 4.0, 8.0]))), (X3,)),
    ("eigh upper values", lambda a: L.eigh(a + a.T + np.diag([0.0, 4.0, 8.0]), lower=False,
                                           eigvals_only=True), (X3,)),
    ("eigh generalized", lambda a, b: (lambda w, v: (w, v * v))(
        *L.eigh(a + a.T + np.diag([0.0, 4.0, 8.0]), _spd(b))), (X3, X3.T.copy())),
    ("eigh generalized type 3", lambda a, b: L.eigh(a + a.T + np.diag([0.0, 4.0, 8.0]), _spd(b), type=3,
                                                     eigvals_only=True), (X3, X3.T.copy())),
    ("eigh subset", lambda a: L.eigh(a + a.T + np.diag([0.0, 4.0, 8.0]), subset_by_index=(1, 2))[0], (X3,)),
    ("block_diag", lambda a, b, c: L.block_diag(a, b, c), (X3, B[:2], np.float64(2.0))),
    ("det", lambda a: L.det(_tri(a)), (X3,)),
    ("inv", lambda a: L.inv(_tri(a)), (X3,)),
    ("inv pos", lambda a: L.inv(_tri(a), assume_a="pos"), (X3,)),
    ("inv lower triangular", lambda a: L.inv(_tri(a), assume_a="lower triangular"), (X3,)),
    ("inv diagonal", lambda a: L.inv(_tri(a), assume_a="diagonal"), (X3,)),
]


@pytest.mark.parametrize("fun, args", [g[1:] for g in GRADS], ids=[g[0] for g in GRADS])
def test_gradients_match_finite_differences_to_second_order(fun, args):
    check_grads(fun, args, order=2, modes=("fwd", "rev"), rtol=1e-5, atol=1e-6)


def test_only_the_read_triangle_gets_a_gradient():
    g = fg.grad(lambda a: L.solve_triangular(_tri(a), B[:3], lower=True).sum())(X3)
    assert np.all(np.triu(g, 1) == 0) and np.any(np.tril(g) != 0)
    g = fg.grad(lambda a: L.solve_triangular(_tri(a), B[:3], unit_diagonal=True).sum())(X3)
    assert np.all(np.tril(g) == 0) and np.any(g != 0)


# --- vmap equals the loop -------------------------------------------------------------------------------------------
BATCH = rng.uniform(-1, 1, (3, 3, 3))
VMAPS = [
    ("expm", L.expm, (BATCH,)),
    ("sqrtm", lambda a: L.sqrtm(_tri(a)), (BATCH,)),
    ("lu", lambda a: L.lu(_tri(a)[[2, 1, 0]]), (BATCH,)),
    ("solve_sylvester", lambda a, q: L.solve_sylvester(_tri(a), _tri(X3), q), (BATCH, BATCH[::-1].copy())),
    ("solve_triangular", lambda b: L.solve_triangular(_tri(X3), b, trans=1), (BATCH[:, 0],)),
    ("eigh generalized", lambda a: L.eigh(a + a.T + np.diag([0.0, 4.0, 8.0]), SPD[:3, :3], eigvals_only=True),
     (BATCH,)),
    ("block_diag", lambda a: L.block_diag(a, X3[:1]), (BATCH,)),
]


@pytest.mark.parametrize("fun, args", [v[1:] for v in VMAPS], ids=[v[0] for v in VMAPS])
def test_vmap_equals_the_loop(fun, args):
    ours = vmap(fun)(*args)
    loop = [fun(*[a[i] for a in args]) for i in range(args[0].shape[0])]
    if isinstance(ours, tuple):
        for k, o in enumerate(ours):
            _close(o, np.stack([np.asarray(r[k]) for r in loop]))
    else:
        _close(ours, np.stack(loop))


def test_vmap_of_grad_equals_the_loop():
    f = fg.grad(lambda a: L.logm(_tri(a)).sum())
    _close(vmap(f)(BATCH), np.stack([f(b) for b in BATCH]))


# --- errors ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, words", [
    (lambda: L.expm(np.ones((2, 3))), ["expm", "(2, 3)", "square"]),
    (lambda: L.logm(np.ones(3)), ["logm", "(3,)"]),
    (lambda: L.det(np.ones((3, 2))), ["det", "(3, 2)"]),
    (lambda: L.inv(np.ones((1, 2))), ["inv", "(1, 2)"]),
    (lambda: L.cholesky(np.ones((2, 3))), ["cholesky", "(2, 3)"]),
    (lambda: L.solve_triangular(np.eye(3), np.ones(2)), ["solve_triangular", "(3, 3)", "(2,)"]),
    (lambda: L.solve_triangular(np.eye(3), np.ones(3), trans=3), ["solve_triangular", "trans"]),
    (lambda: L.solve_sylvester(np.eye(2), np.eye(3), np.ones((3, 2))), ["solve_sylvester", "(2, 2)", "(3, 3)",
                                                                         "(3, 2)"]),
    (lambda: L.expm_frechet(np.eye(2), np.eye(3)), ["expm_frechet", "(2, 2)", "(3, 3)"]),
    (lambda: L.lu_solve((np.eye(3), np.zeros(2, np.int32)), np.ones(3)), ["lu_solve", "piv", "(2,)", "(3, 3)"]),
    (lambda: L.lu_solve(np.eye(3), np.ones(3)), ["lu_solve", "(lu, piv)"]),
    (lambda: L.eigh(np.eye(2), np.eye(3)), ["eigh", "(2, 2)", "(3, 3)"]),
    (lambda: L.eigh(np.eye(2), type=4), ["eigh", "type"]),
    (lambda: L.eigh(np.eye(3), subset_by_index=(2, 5)), ["eigh", "subset_by_index", "3"]),
    (lambda: L.inv(np.eye(2), assume_a="banded"), ["inv", "assume_a", "banded"]),
    (lambda: L.block_diag(np.ones((1, 2, 3))), ["block_diag", "(1, 2, 3)", "argument 0"]),
    (lambda: L.det(np.array([[1.0, np.nan], [0.0, 1.0]])), ["det", "infs or NaNs", "check_finite=False"]),
    (lambda: L.logm(np.diag([-1.0, 2.0])), ["logm", "negative real axis", "(2, 2)"]),
    (lambda: L.sqrtm(np.diag([-1.0, 2.0])), ["sqrtm", "negative real axis", "(2, 2)"]),
    (lambda: L.expm(np.eye(2) * 1j), ["expm", "real", "complex128"]),
])
def test_bad_input_raises_naming_the_function_and_shapes(call, words):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_singular_matrix_raises_linalg_error():
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        L.inv(np.ones((2, 2)))
    with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
        L.cholesky(-np.eye(2))


def test_missing_library_errors_name_the_function_and_the_fix():
    try:
        P.register_library(np, None)  # as if SciPy were not installed
        with pytest.raises(ImportError, match=r"funcgrad\.scipy\.linalg\.expm needs SciPy.*pip install"):
            L.expm(np.eye(2))
    finally:
        P.register_library(np, sl)
    fake_cupy = types.ModuleType("cupy")
    try:
        P.register_library(fake_cupy, types.ModuleType("cupyx.scipy.linalg"))  # cupyx lacks sqrtm
        with pytest.raises(NotImplementedError, match=r"sqrtm: cupyx\.scipy\.linalg has no sqrtm.*device_put"):
            P._function(fake_cupy, "sqrtm")
    finally:
        P._LIBRARIES.pop(fake_cupy, None)
    other = types.ModuleType("jaxlike")
    with pytest.raises(NotImplementedError, match="register_library"):
        P._function(other, "lu")
    P._LIBRARIES.pop(other, None)
