"""The linalg and einsum families: values against NumPy, gradients of the composite functions (finite differences
and closed forms derived by hand), and error messages. Per-primitive gradient checks live in tests/specs/."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

LA = fnp.linalg
rng = np.random.default_rng(1234)


def randn(*shape):
    return rng.standard_normal(shape)


def well_conditioned(*shape):
    n = shape[-1]
    return rng.uniform(-1.0, 1.0, shape) + (n + 1.0) * np.eye(n)


def spd(*shape):
    x = randn(*shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


# --- values against NumPy -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sa, sb", [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                                    ((5, 2, 3), (3, 4)), ((5, 1, 2, 3), (4, 3, 2)), ((3,), (5, 3, 4)),
                                    ((0, 2, 3), (3, 1)), ((2, 0), (0, 3))])
def test_matmul_matches_numpy(sa, sb):
    a, b = randn(*sa), randn(*sb)
    np.testing.assert_allclose(fnp.matmul(a, b), np.matmul(a, b))
    np.testing.assert_allclose(fnp.dot(a, b), np.dot(a, b))


@pytest.mark.parametrize("sa, sb", [((), (3,)), ((2,), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 3, 4), (5, 4, 2)),
                                    ((4,), (2, 4, 3))])
def test_dot_inner_outer_match_numpy(sa, sb):
    a, b = randn(*sa), randn(*sb)
    if np.ndim(a) == 0 or np.ndim(b) == 0 or a.shape[-1] == b.shape[max(-2, -b.ndim)]:
        np.testing.assert_allclose(fnp.dot(a, b), np.dot(a, b))
    if np.ndim(a) == 0 or np.ndim(b) == 0 or a.shape[-1] == b.shape[-1]:
        np.testing.assert_allclose(fnp.inner(a, b), np.inner(a, b))
    np.testing.assert_allclose(fnp.outer(a, b), np.outer(a, b))


@pytest.mark.parametrize("axes, sa, sb", [(0, (2, 3), (4,)), (1, (2, 3), (3, 4)), (2, (2, 3, 4), (3, 4, 2)),
                                          (([1], [0]), (2, 3, 4), (3, 2)), (([0, 2], [2, 0]), (2, 3, 4), (4, 3, 2)),
                                          ((2, 0), (2, 3, 4), (4, 1)), (([-1], [-3]), (2, 3, 4), (4, 3, 2))])
def test_tensordot_matches_numpy(axes, sa, sb):
    a, b = randn(*sa), randn(*sb)
    np.testing.assert_allclose(fnp.tensordot(a, b, axes=axes), np.tensordot(a, b, axes=axes))


def test_vdot_matches_numpy():
    a, b = randn(2, 3), randn(3, 2)
    np.testing.assert_allclose(fnp.vdot(a, b), np.vdot(a, b))


@pytest.mark.parametrize("subs, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii", [(3, 3)]), ("ii->i", [(3, 3)]),
    ("ba", [(2, 3)]), ("Ba", [(2, 3)]), ("bA", [(2, 3)]), ("i,j", [(2,), (3,)]), (",i->i", [(), (3,)]),
    ("...ij,...jk->...ik", [(5, 1, 2, 3), (4, 3, 2)]), ("...i,...i", [(3, 1, 4), (5, 4)]),
    ("ab,bc,cd->ad", [(2, 3), (3, 4), (4, 5)]), ("iij->j", [(2, 2, 3)]), ("ij,ij->", [(0, 3), (0, 3)]),
    ("ij,jk", [(2, 1), (3, 4)]), ("i...,i->...", [(3, 2, 2), (3,)]),
])
def test_einsum_matches_numpy(subs, shapes):
    ops = [randn(*s) for s in shapes]
    np.testing.assert_allclose(fnp.einsum(subs, *ops), np.einsum(subs, *ops), atol=1e-12)
    for optimize in (False, True, "greedy", "optimal"):
        np.testing.assert_allclose(fnp.einsum(subs, *ops, optimize=optimize), np.einsum(subs, *ops), atol=1e-12)


def test_einsum_sublist_form_and_scalars():
    a, b = randn(2, 3), randn(3, 4)
    np.testing.assert_allclose(fnp.einsum(a, [0, 1], b, [1, 2], [0, 2]), a @ b)
    np.testing.assert_allclose(fnp.einsum(a, [Ellipsis, 1], [Ellipsis]), a.sum(-1))
    np.testing.assert_allclose(fnp.einsum(",i->i", 2.0, [1.0, 2.0]), [2.0, 4.0])


def test_decompositions_match_numpy():
    a = well_conditioned(2, 3, 3)
    np.testing.assert_allclose(LA.inv(a), np.linalg.inv(a))
    np.testing.assert_allclose(LA.det(a), np.linalg.det(a))
    b = randn(3)
    np.testing.assert_allclose(LA.solve(a, b), np.linalg.solve(a, b))
    bm = randn(4, 1, 3, 2)
    np.testing.assert_allclose(LA.solve(a, bm), np.linalg.solve(a, bm))
    flipped = a * np.array([-1.0, 1.0, 1.0])
    sign, logdet = LA.slogdet(flipped)
    ref = np.linalg.slogdet(flipped)
    np.testing.assert_allclose(sign, ref.sign)
    np.testing.assert_allclose(logdet, ref.logabsdet)
    assert LA.slogdet(flipped).logabsdet is not None
    s = spd(2, 3, 3)
    np.testing.assert_allclose(LA.cholesky(s), np.linalg.cholesky(s))
    np.testing.assert_allclose(LA.cholesky(s, upper=True), np.linalg.cholesky(s, upper=True))
    w, v = LA.eigh(s)
    rw, rv = np.linalg.eigh(s)
    np.testing.assert_allclose(w, rw)
    np.testing.assert_allclose(np.abs(v), np.abs(rv), atol=1e-12)
    np.testing.assert_allclose(LA.eigh(s, UPLO="U").eigenvalues, np.linalg.eigh(s, UPLO="U").eigenvalues)
    np.testing.assert_allclose(LA.eigvalsh(s), np.linalg.eigvalsh(s))
    r = randn(2, 4, 3)
    for full in (True, False):
        u, sv, vh = LA.svd(r, full_matrices=full)
        ru, rs, rvh = np.linalg.svd(r, full_matrices=full)
        assert u.shape == ru.shape and vh.shape == rvh.shape
        np.testing.assert_allclose(sv, rs)
    np.testing.assert_allclose(LA.svd(r, compute_uv=False), np.linalg.svd(r, compute_uv=False))
    np.testing.assert_allclose(LA.svdvals(r), np.linalg.svd(r, compute_uv=False))
    np.testing.assert_allclose(LA.pinv(r), np.linalg.pinv(r), atol=1e-12)
    np.testing.assert_allclose(LA.pinv(r, rcond=0.5), np.linalg.pinv(r, rcond=0.5), atol=1e-12)
    for mode in ("reduced", "complete"):
        q, rr = LA.qr(r, mode=mode)
        rq, rrr = np.linalg.qr(r, mode=mode)
        np.testing.assert_allclose(q, rq, atol=1e-12)
        np.testing.assert_allclose(rr, rrr, atol=1e-12)
    np.testing.assert_allclose(LA.qr(r, mode="r"), np.linalg.qr(r, mode="r"), atol=1e-12)
    for n in (-2, -1, 0, 1, 2, 5):
        np.testing.assert_allclose(LA.matrix_power(a, n), np.linalg.matrix_power(a, n), rtol=1e-10)
    np.testing.assert_allclose(LA.matrix_transpose(r), np.swapaxes(r, -1, -2))


def test_results_are_named_like_numpy():
    s = spd(3, 3)
    assert LA.eigh(s).eigenvectors.shape == (3, 3)
    assert LA.svd(s).Vh.shape == (3, 3)
    assert LA.qr(s).R.shape == (3, 3)
    assert np.ndim(LA.slogdet(s).sign) == 0


# --- operators -------------------------------------------------------------------------------------------------------
def test_matmul_operator_on_traced_values():
    a, b = randn(2, 3), randn(3, 4)
    ga = fg.grad(lambda x: fnp.einsum("ij->", x @ b))(a)
    np.testing.assert_allclose(ga, np.ones((2, 4)) @ b.T)
    gb = fg.grad(lambda y: fnp.einsum("ij->", a @ y))(b)  # ndarray @ traced value
    np.testing.assert_allclose(gb, a.T @ np.ones((2, 4)))


# --- gradients of the composites (finite differences) ----------------------------------------------------------------
@pytest.mark.parametrize("fun, shapes", [
    (fnp.dot, [(2, 3, 4), (5, 4, 2)]), (fnp.dot, [(), (3,)]), (fnp.dot, [(3,), (3,)]), (fnp.dot, [(2, 3), (3,)]),
    (fnp.inner, [(2, 3, 4), (5, 4)]), (fnp.inner, [(4,), ()]), (fnp.outer, [(2, 3), (5,)]),
    (fnp.vdot, [(2, 3), (6,)]),
    (lambda a, b: fnp.tensordot(a, b, axes=([0, 2], [2, 0])), [(2, 3, 4), (4, 5, 2)]),
    (lambda a, b: fnp.tensordot(a, b, axes=0), [(2,), (3, 1)]),
    (lambda a, b: fnp.einsum(a, [0, 1], b, [1, 2], [0, 2]), [(2, 3), (3, 4)]),
])
def test_product_composites_gradients(fun, shapes):
    check_grads(fun, [randn(*s) for s in shapes], order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 3, 4])
def test_matrix_power_gradients(n):
    check_grads(lambda a: LA.matrix_power(a, n), [well_conditioned(2, 3, 3)], order=2, modes=("fwd", "rev"))


def test_decomposition_composites_gradients():
    def sym(x):
        return (x + LA.matrix_transpose(x)) * 0.5 + np.diag([0.0, 10.0, 20.0])

    check_grads(lambda x: LA.eigvalsh(sym(x)), [randn(2, 3, 3) * 0.5], order=2, modes=("fwd", "rev"))
    check_grads(lambda x: LA.svd(x + np.diag([10.0, 20.0]), compute_uv=False), [randn(2, 2) * 0.5], order=2, modes=("fwd", "rev"))
    check_grads(lambda x: LA.qr(x + np.eye(4, 3), mode="r"), [rng.uniform(0.1, 0.5, (4, 3))], order=2, modes=("fwd", "rev"))
    check_grads(lambda x: LA.slogdet(x + 4.0 * np.eye(3)).logabsdet, [randn(3, 3) * 0.3], order=2, modes=("fwd", "rev"))
    check_grads(lambda x: LA.solve(x + 4.0 * np.eye(3), np.ones(3)), [randn(2, 3, 3) * 0.3], order=2, modes=("fwd", "rev"))


# --- independent closed forms (no finite differences, no other library) --------------------------------------------
def test_matmul_gradient_is_the_textbook_formula():
    a, b, g = randn(2, 3), randn(3, 4), randn(2, 4)
    _, f_vjp = fg.vjp(fnp.matmul, a, b)
    ga, gb = f_vjp(g)
    np.testing.assert_allclose(ga, g @ b.T)
    np.testing.assert_allclose(gb, a.T @ g)
    # batch broadcasting: the cotangent of the broadcast operand is summed over the batch
    a3 = randn(5, 2, 3)
    _, f_vjp = fg.vjp(fnp.matmul, a3, b)
    g3 = randn(5, 2, 4)
    np.testing.assert_allclose(f_vjp(g3)[1], sum(a3[i].T @ g3[i] for i in range(5)))


def test_logdet_det_and_inverse_gradients_closed_form():
    a = well_conditioned(3, 3)
    inv_t = np.linalg.inv(a).T
    np.testing.assert_allclose(fg.grad(lambda x: LA.slogdet(x)[1])(a), inv_t)
    np.testing.assert_allclose(fg.grad(LA.det)(a), np.linalg.det(a) * inv_t)
    # d tr(A^-1) = -tr(A^-1 dA A^-1)  =>  gradient -(A^-2)^T
    np.testing.assert_allclose(fg.grad(lambda x: fnp.einsum("ii", LA.inv(x)))(a),
                               -(np.linalg.inv(a) @ np.linalg.inv(a)).T)


def test_eigh_and_svd_gradients_closed_form():
    s = spd(4, 4)
    # sum of eigenvalues is the trace; the largest eigenvalue's gradient is v v^T
    np.testing.assert_allclose(fg.grad(lambda x: fnp.einsum("i->", LA.eigh(x)[0]))(s), np.eye(4), atol=1e-12)
    w, v = np.linalg.eigh(s)
    np.testing.assert_allclose(fg.grad(lambda x: LA.eigh(x)[0][-1])(s), np.outer(v[:, -1], v[:, -1]),
                               atol=1e-12)
    # nuclear norm: gradient U V^T
    r = randn(4, 3)
    u, _, vh = np.linalg.svd(r, full_matrices=False)
    np.testing.assert_allclose(fg.grad(lambda x: fnp.einsum("i->", LA.svd(x, compute_uv=False)))(r), u @ vh,
                               atol=1e-12)
    np.testing.assert_allclose(fg.grad(lambda x: fnp.einsum("i->", LA.svd(x, full_matrices=False)[1]))(r),
                               u @ vh, atol=1e-12)


def test_eigh_degenerate_eigenvalues_give_finite_gradient():
    # pairs of equal eigenvalues contribute nothing: for the trace (basis-independent) that is the exact answer
    g = fg.grad(lambda x: fnp.einsum("i->", LA.eigh(x)[0]))(np.eye(3))
    np.testing.assert_allclose(g, np.eye(3))


def test_cholesky_gradient_closed_form():
    # log det A = 2 sum log diag(L): its gradient is A^-1 (symmetric)
    a = spd(3, 3)
    glog = fg.grad(lambda x: 2.0 * fnp.einsum("i->", fnp.log(fnp.einsum("ii->i", LA.cholesky(x)))))(a)
    np.testing.assert_allclose(glog, np.linalg.inv(a), rtol=1e-10)


def test_einsum_trace_and_diagonal_gradients_closed_form():
    a = randn(3, 3)
    np.testing.assert_allclose(fg.grad(lambda x: fnp.einsum("ii", x))(a), np.eye(3))
    _, f_vjp = fg.vjp(lambda x: fnp.einsum("ii->i", x), a)
    np.testing.assert_allclose(f_vjp(np.array([1.0, 2.0, 3.0]))[0], np.diag([1.0, 2.0, 3.0]))


def test_pinv_gradient_for_rank_deficient_matrix():
    # constant rank 1 along the perturbation x -> x * c: pinv(c x) = pinv(x) / c
    x = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    w = randn(2, 3)
    g = fg.grad(lambda c: fnp.einsum("ij,ij->", w, LA.pinv(c * x)))(1.0)
    np.testing.assert_allclose(g, -(w * np.linalg.pinv(x)).sum(), rtol=1e-8)


def test_forward_mode_closed_forms():
    a, b, ta, tb = randn(2, 3), randn(3, 4), randn(2, 3), randn(3, 4)
    np.testing.assert_allclose(fg.jvp(fnp.matmul, (a, b), (ta, tb))[1], ta @ b + a @ tb)
    x, tx = randn(3), randn(3)  # 1-D promotion on either side
    np.testing.assert_allclose(fg.jvp(fnp.matmul, (x, b), (tx, tb))[1], tx @ b + x @ tb)
    np.testing.assert_allclose(fg.jvp(fnp.matmul, (a, x), (ta, tx))[1], ta @ x + a @ tx)
    m, tm = well_conditioned(3, 3), randn(3, 3)
    mi = np.linalg.inv(m)
    np.testing.assert_allclose(fg.jvp(LA.inv, (m,), (tm,))[1], -mi @ tm @ mi)
    np.testing.assert_allclose(fg.jvp(LA.det, (m,), (tm,))[1], np.linalg.det(m) * np.trace(mi @ tm))
    sign_t, logdet_t = fg.jvp(lambda y: tuple(LA.slogdet(y)), (m,), (tm,))[1]
    assert sign_t == 0.0
    np.testing.assert_allclose(logdet_t, np.trace(mi @ tm))
    v, tv = randn(3), randn(3)  # vector right-hand side
    np.testing.assert_allclose(fg.jvp(LA.solve, (m, v), (tm, tv))[1], mi @ (tv - tm @ (mi @ v)))
    np.testing.assert_allclose(fg.jvp(lambda y: fnp.einsum("ij,jk,kl->il", y, b, b.T), (a,), (ta,))[1],
                               ta @ b @ b.T)
    # the eigenvalue tangent is diag(V^T dA V)
    s, ts = spd(4, 4), randn(4, 4)
    ts = ts + ts.T
    _, vs = np.linalg.eigh(s)
    np.testing.assert_allclose(fg.jvp(LA.eigvalsh, (s,), (ts,))[1], np.diag(vs.T @ ts @ vs), atol=1e-12)


@pytest.mark.parametrize("name", ["cholesky", "eigh"])
def test_forward_mode_of_symmetric_inputs_matches_reverse_for_any_tangent(name):
    # Only one triangle is read; both modes treat the input as its symmetric part, so <u, J v> = <J^T u, v>
    # holds also for tangents that are not symmetric.
    fun = (lambda x: LA.cholesky(x)) if name == "cholesky" else (lambda x: tuple(LA.eigh(x)))
    a = spd(2, 3, 3) + np.diag([0.0, 5.0, 10.0])
    t = randn(2, 3, 3)
    out, t_out = fg.jvp(fun, (a,), (t,))
    u = fg.tree.map(lambda o: randn(*np.shape(o)), out)
    (ga,) = fg.vjp(fun, a)[1](u)
    lhs = sum(np.vdot(x, y) for x, y in zip(fg.tree.leaves(u), fg.tree.leaves(t_out)))
    np.testing.assert_allclose(lhs, np.vdot(ga, t), rtol=1e-10)


# --- errors ---------------------------------------------------------------------------------------------------------
def test_matmul_shape_mismatch_names_the_operation_and_shapes():
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        fnp.matmul(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul.*0-d"):
        fnp.matmul(np.ones(3), np.float64(2.0))
    with pytest.raises(ValueError, match=r"matmul"):
        fg.grad(lambda x: fnp.einsum("ij->", x @ np.ones((4, 5))))(np.ones((2, 3)))


def test_singular_matrices_give_clear_errors():
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(np.linalg.LinAlgError, match=r"solve.*singular.*pinv"):
        LA.solve(sing, np.ones(2))
    with pytest.raises(np.linalg.LinAlgError, match=r"inv.*singular"):
        LA.inv(sing)
    with pytest.raises(np.linalg.LinAlgError, match=r"cholesky.*positive definite"):
        LA.cholesky(-np.eye(2))
    with pytest.raises(ValueError, match=r"square"):
        LA.inv(np.ones((2, 3)))


@pytest.mark.parametrize("subs, ops, pattern", [
    ("ij,jk->iz", [(2, 3), (3, 4)], r"'ij,jk->iz'.*'z'"),
    ("ij,jk", [(2, 3), (2, 3)], r"'ij,jk'.*'j' has sizes 3 and 2"),
    ("ij", [(2, 3), (3, 4)], r"'ij'.*1 operand term"),
    ("i1", [(2, 3)], r"'i1'.*'1' is not a valid index"),
    ("ijk", [(2, 3)], r"'ijk'.*names 3 axes"),
    ("...i->i", [(2, 3)], r"needs '...'"),
    ("ij->ii", [(2, 2)], r"twice in the output"),
])
def test_einsum_bad_subscripts_are_named(subs, ops, pattern):
    with pytest.raises(ValueError, match=pattern):
        fnp.einsum(subs, *[np.ones(s) for s in ops])


def test_unsupported_gradients_say_what_to_do():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        fg.grad(lambda x: fnp.einsum("ij->", LA.svd(x)[0]))(randn(3, 2))
    with pytest.raises(NotImplementedError, match="m >= n"):
        fg.grad(lambda x: fnp.einsum("ij->", LA.qr(x)[1]))(randn(2, 3))
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        fg.jvp(lambda x: LA.svd(x)[0], (randn(3, 2),), (randn(3, 2),))
    with pytest.raises(NotImplementedError, match="m >= n"):
        fg.jvp(lambda x: LA.qr(x)[1], (randn(2, 3),), (randn(2, 3),))
    with pytest.raises(NotImplementedError, match="mode='reduced'"):
        fg.jvp(lambda x: LA.qr(x, mode="complete")[0], (randn(3, 2),), (randn(3, 2),))
    with pytest.raises(TypeError, match="immutable"):
        fnp.einsum("ii", np.eye(2), out=np.zeros(()))
    with pytest.raises(TypeError, match="immutable"):
        fnp.dot(np.eye(2), np.eye(2), out=np.zeros((2, 2)))
    with pytest.raises(TypeError, match="int"):
        LA.matrix_power(np.eye(2), 1.5)


# --- vmap: batching rules ---------------------------------------------------------------------------------------------
LINALG_PRIMITIVES = ["matmul", "matrix_transpose", "inv", "solve", "det", "slogdet", "solve_triangular", "cholesky",
                     "eigh", "svd", "svdvals", "pinv", "qr", "einsum"]
LEFT_TO_THE_LOOP: dict = {}  # name -> why its batching is left to the generic loop (none so far)


def test_every_linalg_primitive_has_a_batching_rule():
    from funcgrad.core.primitive import registry

    missing = [n for n in LINALG_PRIMITIVES if registry[n].batch is None and n not in LEFT_TO_THE_LOOP]
    assert not missing, f"no batching rule for {missing}"


def _loop(f, *args, in_axes):
    n = next(np.shape(a)[0] for a, ax in zip(args, in_axes) if ax == 0)
    return np.stack([np.asarray(f(*[a[i] if ax == 0 else a for a, ax in zip(args, in_axes)])) for i in range(n)])


@pytest.fixture
def no_loop(monkeypatch):
    """Fails if a linalg/einsum batching rule falls back to the per-example loop."""
    import funcgrad.primitives.decompositions as D
    import funcgrad.primitives.linalg as L

    def refuse(prim, *a, **k):
        raise AssertionError(f"{prim.name} fell back to the loop")

    for module in (L, D):
        if hasattr(module, "loop_rule"):
            monkeypatch.setattr(module, "loop_rule", refuse)


# Per-example shapes, covering every 1-D/2-D/N-D combination and batch axes of different ranks.
MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((2, 3), (5, 3, 4)), ((3,), (5, 3, 4)), ((5, 2, 3), (3,)), ((5, 1, 2, 3), (4, 3, 2)),
                 ((2, 0), (0, 3)), ((1, 2, 3), (5, 3, 4))]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES)
@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0)])
def test_vmap_matmul_every_rank_combination(sa, sb, in_axes, no_loop):
    a = randn(*((4,) + sa if in_axes[0] == 0 else sa))
    b = randn(*((4,) + sb if in_axes[1] == 0 else sb))
    got = fg.vmap(fnp.matmul, in_axes=in_axes)(a, b)
    np.testing.assert_allclose(got, _loop(np.matmul, a, b, in_axes=in_axes), atol=1e-12)


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0)])
@pytest.mark.parametrize("sa, sb", [((3, 3), (3, 2)), ((2, 3, 3), (3, 2)), ((3, 3), (2, 3, 1)), ((3, 3), (3,))])
def test_vmap_solves(sa, sb, in_axes, no_loop):
    a = well_conditioned(*((4,) + sa if in_axes[0] == 0 else sa))
    b = randn(*((4,) + sb if in_axes[1] == 0 else sb))
    np.testing.assert_allclose(fg.vmap(LA.solve, in_axes=in_axes)(a, b),
                               _loop(np.linalg.solve, a, b, in_axes=in_axes), atol=1e-12)
    if len(sb) >= 2:
        from funcgrad.primitives.decompositions import solve_triangular

        for lower, tri in ((True, np.tril), (False, np.triu)):
            got = fg.vmap(lambda x, y: solve_triangular(x, y, lower=lower), in_axes=in_axes)(a, b)
            want = _loop(lambda x, y: np.linalg.solve(tri(x), y), a, b, in_axes=in_axes)
            np.testing.assert_allclose(got, want, atol=1e-12)


def _decompositions():
    sym = lambda x: x + np.swapaxes(x, -1, -2) + np.diag([0.0, 10.0, 20.0])  # noqa: E731
    return [
        (LA.inv, np.linalg.inv, well_conditioned), (LA.det, np.linalg.det, well_conditioned),
        (lambda x: tuple(LA.slogdet(x)), lambda x: tuple(np.linalg.slogdet(x)), well_conditioned),
        (LA.cholesky, np.linalg.cholesky, spd), (LA.matrix_transpose, np.matrix_transpose, randn),
        (lambda x: LA.eigh(x)[0], lambda x: np.linalg.eigh(x)[0], lambda *s: sym(randn(*s))),
        (lambda x: LA.eigh(x)[1] ** 2, lambda x: np.linalg.eigh(x)[1] ** 2, lambda *s: sym(randn(*s))),
        (lambda x: tuple(v ** 2 for v in LA.svd(x, full_matrices=False)),
         lambda x: tuple(v ** 2 for v in np.linalg.svd(x, full_matrices=False)), randn),
        (LA.svdvals, lambda x: np.linalg.svd(x, compute_uv=False), randn),
        (LA.pinv, np.linalg.pinv, randn),
        (lambda x: tuple(v ** 2 for v in LA.qr(x)), lambda x: tuple(v ** 2 for v in np.linalg.qr(x)), randn),
    ]


@pytest.mark.parametrize("k", range(11))
@pytest.mark.parametrize("per", [(3, 3), (2, 3, 3)])
def test_vmap_decompositions_match_numpy(k, per, no_loop):
    ours, theirs, make = _decompositions()[k]
    x = make(4, *per)
    got = fg.vmap(ours)(x)
    want = [theirs(xi) for xi in x]
    if isinstance(got, tuple):
        for j, g in enumerate(got):
            np.testing.assert_allclose(g, np.stack([w[j] for w in want]), atol=1e-10)
    else:
        np.testing.assert_allclose(got, np.stack(want), atol=1e-10)
    empty = fg.vmap(ours)(x[:0])  # an empty batch: only a batching rule can do it (the loop refuses)
    assert all(np.shape(e)[0] == 0 for e in (empty if isinstance(empty, tuple) else (empty,)))


@pytest.mark.parametrize("subs, shapes, in_axes", [
    ("ij,jk->ik", [(2, 3), (3, 4)], (0, 0)), ("ij,jk->ik", [(2, 3), (3, 4)], (None, 0)),
    ("ii", [(3, 3)], (0,)), ("ii->i", [(3, 3)], (0,)), ("i,j", [(2,), (3,)], (0, None)),
    ("...ij,...jk->...ik", [(5, 1, 2, 3), (4, 3, 2)], (0, None)), ("...ij,...jk->...ik", [(2, 3), (4, 3, 2)], (0, 0)),
    ("...i,...i", [(3, 1, 4), (5, 4)], (None, 0)), ("ab,bc,cd->ad", [(2, 3), (3, 4), (4, 5)], (None, 0, None)),
    ("i...,i->...", [(3, 2, 2), (3,)], (0, 0)), (",i->i", [(), (3,)], (0, None)), ("ij,ij->", [(0, 3), (0, 3)], (0, 0)),
    ("ij,jk", [(2, 1), (3, 4)], (0, None)),
])
def test_vmap_einsum_matches_numpy(subs, shapes, in_axes, no_loop):
    ops = [randn(*((4,) + s if ax == 0 else s)) for s, ax in zip(shapes, in_axes)]
    got = fg.vmap(lambda *xs: fnp.einsum(subs, *xs), in_axes=in_axes)(*ops)
    np.testing.assert_allclose(got, _loop(lambda *xs: np.einsum(subs, *xs), *ops, in_axes=in_axes), atol=1e-12)


def test_vmap_bad_per_example_shapes_give_per_example_errors():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)|\(4, 5\).*\(2, 3\)"):
        fg.vmap(fnp.matmul)(np.ones((3, 2, 3)), np.ones((3, 4, 5)))
    with pytest.raises(ValueError, match="inv.*square"):
        fg.vmap(LA.inv)(np.ones((3, 2, 3)))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        fg.vmap(LA.matrix_transpose)(np.ones((3, 3)))


def test_vmap_composes_with_derivatives(no_loop):
    a = well_conditioned(3, 3, 3)
    w = randn(3, 2)

    def f(x):  # one example: a scalar from a chain of linalg primitives
        y = LA.solve(x, w) + fnp.einsum("ij,jk->ik", LA.inv(x), w)
        return fnp.einsum("ij,ij->", y, y) + LA.slogdet(x)[1] + fnp.sum(x @ w[:, 0])

    per_example = np.stack([fg.grad(f)(x) for x in a])
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(a), per_example, rtol=1e-10)
    np.testing.assert_allclose(fg.grad(lambda m: fnp.sum(fg.vmap(f)(m)))(a), per_example, rtol=1e-10)
    # second order through vmap: the per-example Hessian-vector product
    t = randn(3, 3)
    hvp = [fg.jvp(fg.grad(f), (x,), (t,))[1] for x in a]
    np.testing.assert_allclose(fg.vmap(lambda x: fg.jvp(fg.grad(f), (x,), (t,))[1])(a), np.stack(hvp), rtol=1e-9)
    # Jacobians are built with vmap
    jac = fg.jacobian(lambda x: LA.solve(x, w))(a[0])
    check = np.stack([fg.grad(lambda x: LA.solve(x, w)[i, j])(a[0]) for i in range(3) for j in range(2)])
    np.testing.assert_allclose(np.reshape(jac, (6, 3, 3)), check, rtol=1e-10)
    # vmap of vmap: the inner batch axis goes behind the outer one
    b = well_conditioned(2, 3, 3, 3)
    np.testing.assert_allclose(fg.vmap(fg.vmap(LA.inv))(b), np.linalg.inv(b), rtol=1e-10)
    np.testing.assert_allclose(fg.vmap(fg.vmap(fnp.matmul, in_axes=(0, None)), in_axes=(None, 0))(b[0], b[1]),
                               [[b[0][i] @ b[1][j] for i in range(3)] for j in range(3)], rtol=1e-10)
