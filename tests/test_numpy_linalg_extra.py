"""The numpy.linalg names composed in funcgrad.numpy.linalg (cond, cross, diagonal, lstsq, matmul, matrix_norm,
matrix_rank, multi_dot, outer, tensordot, tensorinv, tensorsolve, trace, vecdot, vector_norm): values against
numpy.linalg itself (batched where NumPy batches), gradients against finite differences to second order, and
errors that name the function and the shapes."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import Box
from funcgrad.testing import check_grads

L = fnp.linalg
RNG = np.random.default_rng(3)
INF = np.inf


def _randn(*shape):
    return RNG.standard_normal(shape)


def _well_conditioned(*batch, n=3):
    # a random matrix plus a diagonal with well separated entries: invertible, with distinct singular values
    return _randn(*batch, n, n) + 3.0 * np.diag(np.arange(1.0, n + 1))


def _same(got, want):
    """Values and shapes as NumPy's (tuples item by item)."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
        return
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-12)
    assert np.shape(got) == np.shape(want), (np.shape(got), np.shape(want))


# --- values against numpy.linalg ------------------------------------------------------------------------------------
SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])
VALUE_CASES = [
    # (name, args, kwargs)
    *[("cond", (_well_conditioned(2, 3, n=4), p), {}) for p in [None, 2, -2, "fro", "nuc", 1, -1, INF, -INF]],
    ("cond", (_randn(3, 5),), {}),                          # non-square: singular values only
    ("cond", (_randn(2, 5, 3), -2), {}),
    ("cond", (np.stack([SINGULAR, np.eye(2)]), "fro"), {}),  # a singular matrix in the stack: inf for it alone
    ("cond", (SINGULAR,), {}),
    ("cond", (np.zeros((2, 2)), -2), {}),
    ("cond", (np.zeros((2, 2)), 1), {}),
    *[("matrix_norm", (_randn(*s),), dict(ord=o, keepdims=k)) for o in ["fro", "nuc", 1, -1, 2, -2, INF, -INF]
      for s, k in [((3, 4), False), ((2, 4, 3), True), ((2, 1, 3, 3), False)]],
    *[("matrix_norm", (np.zeros(s),), dict(ord=o)) for o in ["fro", "nuc", 1, 2, INF] for s in [(2, 0, 3), (2, 3, 0)]],
    *[("vector_norm", (_randn(2, 3, 4),), dict(axis=a, ord=o, keepdims=k))
      for a in [None, 0, -1, (0, 2), (-1, 1, 0), ()] for o in [2, 1, 0, INF, -INF, 3, -1.5] for k in [False, True]],
    ("vector_norm", (3.0,), {}),
    ("vector_norm", (np.array(-3.0),), dict(keepdims=True)),
    ("vector_norm", (np.zeros((2, 0)),), dict(axis=-1, ord=INF)),
    ("vector_norm", (np.arange(6).reshape(2, 3),), dict(axis=1)),  # integers: a float result
    ("matrix_rank", (_randn(2, 3, 4, 4),), {}),
    ("matrix_rank", (np.stack([SINGULAR, np.eye(2)]),), {}),
    ("matrix_rank", (SINGULAR,), dict(tol=0.1)),
    ("matrix_rank", (np.stack([SINGULAR, np.diag([1.0, 0.5])]),), dict(rtol=[0.1, 0.9])),
    ("matrix_rank", (SINGULAR + np.eye(2),), dict(hermitian=True)),
    ("matrix_rank", (np.zeros(3),), {}),
    ("matrix_rank", (np.ones(3),), {}),
    ("matrix_rank", (_randn(5, 3) @ _randn(3, 6),), {}),
    ("lstsq", (_randn(5, 3), _randn(5, 2)), {}),               # overdetermined: residuals
    ("lstsq", (_randn(5, 3), _randn(5)), {}),                  # 1-d b: residuals of shape (1,)
    ("lstsq", (_randn(3, 5), _randn(3, 2)), {}),               # underdetermined: minimum norm, no residuals
    ("lstsq", (np.ones((4, 3)), _randn(4, 2)), {}),            # rank-deficient
    ("lstsq", (_randn(5, 3), _randn(5, 2)), dict(rcond=0.5)),
    ("lstsq", (_randn(5, 3), _randn(5, 2)), dict(rcond=-1)),
    ("lstsq", (np.arange(6).reshape(3, 2), np.arange(3)), {}),  # integers
    ("lstsq", (_randn(5, 3), np.zeros((5, 0))), {}),
    ("lstsq", (np.zeros((0, 3)), np.zeros((0, 2))), {}),
    ("multi_dot", ([_randn(3, 4), _randn(4, 2)],), {}),
    ("multi_dot", ([_randn(3), _randn(3, 4), _randn(4, 2)],), {}),
    ("multi_dot", ([_randn(3), _randn(3, 4), _randn(4, 2), _randn(2)],), {}),
    ("multi_dot", ([_randn(10, 30), _randn(30, 5), _randn(5, 60)],), {}),
    ("multi_dot", ([_randn(10, 30), _randn(30, 5), _randn(5, 60), _randn(60, 3), _randn(3, 7)],), {}),
    ("tensorinv", (_randn(4, 6, 8, 3),), dict(ind=2)),
    ("tensorinv", (_randn(6, 2, 3),), dict(ind=1)),
    ("tensorsolve", (_randn(6, 2, 3), _randn(6)), {}),
    ("tensorsolve", (_randn(2, 3, 6), _randn(2, 3)), {}),
    ("tensorsolve", (_randn(6, 2, 3), _randn(2, 3)), dict(axes=(0,))),
    ("tensorsolve", (_randn(2, 6, 3, 4, 4), _randn(6, 4)), dict(axes=(0, 2))),
    ("cross", (_randn(4, 3), _randn(3)), {}),
    ("cross", (_randn(3, 4), _randn(3, 1)), dict(axis=0)),
    ("cross", (_randn(2, 1, 3), _randn(5, 3)), {}),
    ("diagonal", (_randn(2, 3, 4),), {}),
    ("diagonal", (_randn(2, 3, 4),), dict(offset=1)),
    ("diagonal", (_randn(4, 3),), dict(offset=-2)),
    ("trace", (_randn(2, 3, 4),), {}),
    ("trace", (_randn(2, 3, 4),), dict(offset=-1)),
    ("trace", (np.arange(9).reshape(3, 3),), dict(dtype=np.float32)),
    ("vecdot", (_randn(2, 3, 4), _randn(3, 4)), {}),
    ("vecdot", (_randn(3, 4), _randn(3, 1)), dict(axis=0)),    # axis names an axis of each input
    ("vecdot", (_randn(3) + 1j * _randn(3), _randn(3) + 1j * _randn(3)), {}),  # x1 conjugated
    ("outer", (_randn(3), _randn(4)), {}),
    ("matmul", (_randn(2, 3, 4), _randn(4, 5)), {}),
    ("matmul", (_randn(4), _randn(2, 4, 5)), {}),
    ("tensordot", (_randn(2, 3, 4), _randn(3, 4, 5)), {}),
    ("tensordot", (_randn(2, 3, 4), _randn(4, 2)), dict(axes=([0, 2], [1, 0]))),
    ("tensordot", (_randn(2, 3), _randn(4)), dict(axes=0)),
]


@pytest.mark.parametrize("case", VALUE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(VALUE_CASES)])
def test_values_match_numpy_linalg(case):
    name, args, kw = case
    _same(getattr(L, name)(*args, **kw), getattr(np.linalg, name)(*args, **kw))


def test_result_types_match_numpy():
    x, res, rank, s = L.lstsq(_randn(5, 3), _randn(5))
    assert type(rank) is int and rank == 3
    assert isinstance(L.matrix_rank(np.ones(3)), int)
    assert np.asarray(L.matrix_rank(_randn(2, 3, 3))).dtype.kind == "i"
    assert L.trace(np.arange(9).reshape(3, 3), dtype=np.float32).dtype == np.float32
    assert L.vector_norm(np.arange(4)).dtype == np.float64


def test_every_composed_name_is_listed_and_has_numpys_signature():
    import inspect

    for name in ["cond", "cross", "diagonal", "lstsq", "matmul", "matrix_norm", "matrix_rank", "multi_dot", "outer",
                 "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot", "vector_norm"]:
        assert name in L.__all__
        ours = inspect.signature(getattr(L, name))
        theirs = inspect.signature(getattr(np.linalg, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
               [(p.name, p.kind, p.default) for p in theirs.parameters.values()], name


def test_multi_dot_multiplies_in_the_cheapest_order(monkeypatch):
    # (10x30)(30x5)(5x60): (AB)C costs 4500 multiplications, A(BC) 27000. For the chain of four below the
    # cheapest order is (A(BC))D: B times the column C first, then A, then the row D (as NumPy chooses).
    calls = []
    real_dot = fnp.dot
    monkeypatch.setattr(fnp, "dot", lambda a, b: calls.append((np.shape(a), np.shape(b))) or real_dot(a, b))
    L.multi_dot([_randn(10, 30), _randn(30, 5), _randn(5, 60)])
    assert calls == [((10, 30), (30, 5)), ((10, 5), (5, 60))]
    calls.clear()
    L.multi_dot([_randn(2, 50), _randn(50, 40), _randn(40, 1), _randn(1, 30)])
    assert calls == [((50, 40), (40, 1)), ((2, 50), (50, 1)), ((2, 1), (1, 30))]


# --- gradients against finite differences ---------------------------------------------------------------------------
GRAD_CASES = [
    # (label, function, args): every function smooth at its args, checked to second order in both modes
    *[(f"cond-{p}", (lambda p: lambda x: L.cond(x, p))(p), (_well_conditioned(2, n=3),))
      for p in [None, 2, -2, "fro", "nuc", 1, -1, INF, -INF]],
    ("cond-nonsquare", lambda x: L.cond(x), (_randn(2, 3, 5) + np.eye(3, 5) * [[4.0], [8.0], [12.0]],)),
    *[(f"matrix_norm-{o}", (lambda o: lambda x: L.matrix_norm(x, ord=o))(o), (_randn(2, 3, 4),))
      for o in ["fro", "nuc", 1, -1, 2, -2, INF, -INF]],
    ("matrix_norm-keepdims", lambda x: L.matrix_norm(x, ord=2, keepdims=True), (_randn(3, 4),)),
    *[(f"vector_norm-{a}-{o}", (lambda a, o: lambda x: L.vector_norm(x, axis=a, ord=o, keepdims=True))(a, o),
       (_randn(2, 3, 4),)) for a in [None, -1, (0, 2)] for o in [2, 1, INF, -INF, 3, -1.5]],
    ("lstsq-x", lambda a, b: L.lstsq(a, b)[0], (_randn(5, 3), _randn(5, 2))),
    ("lstsq-x-1d", lambda a, b: L.lstsq(a, b)[0], (_randn(5, 3), _randn(5))),
    ("lstsq-x-underdetermined", lambda a, b: L.lstsq(a, b)[0], (_randn(3, 5), _randn(3, 2))),
    ("lstsq-residuals", lambda a, b: L.lstsq(a, b)[1], (_randn(5, 3), _randn(5, 2))),
    ("lstsq-s", lambda a, b: L.lstsq(a, b)[3], (_randn(5, 3) + 3.0 * np.eye(5, 3) * [1.0, 2.0, 3.0], _randn(5))),
    ("multi_dot-vectors", lambda *xs: L.multi_dot(xs), (_randn(3), _randn(3, 4), _randn(4, 2), _randn(2))),
    ("multi_dot-chain", lambda *xs: L.multi_dot(list(xs)), (_randn(5, 3), _randn(3, 4), _randn(4, 2), _randn(2, 6))),
    ("multi_dot-two", lambda a, b: L.multi_dot([a, b]), (_randn(3, 4), _randn(4))),
    ("tensorinv", lambda a: L.tensorinv(a, ind=1), (np.reshape(_well_conditioned(n=6), (6, 2, 3)),)),
    ("tensorsolve", lambda a, b: L.tensorsolve(a, b), (np.reshape(_well_conditioned(n=6), (2, 3, 6)), _randn(2, 3))),
    ("tensorsolve-axes", lambda a, b: L.tensorsolve(a, b, axes=(0,)),
     (np.moveaxis(np.reshape(_well_conditioned(n=6), (2, 3, 6)), -1, 0), _randn(2, 3))),
    ("cross", lambda a, b: L.cross(a, b), (_randn(4, 3), _randn(3))),
    ("cross-axis0", lambda a, b: L.cross(a, b, axis=0), (_randn(3, 2), _randn(3, 2))),
    ("diagonal", lambda x: L.diagonal(x, offset=1), (_randn(2, 3, 4),)),
    ("trace", lambda x: L.trace(x, offset=-1), (_randn(2, 3, 4),)),
    ("vecdot", lambda a, b: L.vecdot(a, b, axis=0), (_randn(3, 4), _randn(3, 1))),
    ("outer", lambda a, b: L.outer(a, b), (_randn(3), _randn(4))),
    ("matmul", lambda a, b: L.matmul(a, b), (_randn(2, 3, 4), _randn(4))),
    ("tensordot", lambda a, b: L.tensordot(a, b, axes=1), (_randn(2, 3, 4), _randn(4, 2))),
]


@pytest.mark.parametrize("label, fun, args", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_match_finite_differences(label, fun, args):
    check_grads(fun, args, order=2, modes=("fwd", "rev"))


def test_gradients_through_numpy_functions_on_traced_values():
    # NumPy's own names dispatch here (NEP 18), so gradients flow through code written against numpy.linalg
    x = _well_conditioned(n=3)
    check_grads(lambda a: np.linalg.cond(a) + np.linalg.matrix_norm(a, ord="nuc") + np.linalg.vector_norm(a),
                (x,), order=2)
    check_grads(lambda a: np.linalg.multi_dot([a, a.T, a]) + np.linalg.lstsq(a, a[:, 0])[0], (x,), order=1)


def test_matrix_rank_and_lstsq_rank_carry_no_gradient():
    seen = []

    def f(x):
        rank = L.matrix_rank(x)
        x_ls, _, ls_rank, _ = L.lstsq(x, x[:, 0])
        seen.extend([rank, ls_rank])
        return fnp.sum(x_ls * rank)

    g = fg.grad(f)(_well_conditioned(n=3))
    assert not any(isinstance(r, Box) for r in seen) and [int(r) for r in seen] == [3, 3]
    # x^-1 @ x[:, 0] is the first unit vector whatever (invertible) x is: the ranks are constants, so no gradient
    np.testing.assert_allclose(g, np.zeros((3, 3)), atol=1e-10)


def test_cond_of_a_singular_matrix_is_inf_with_zero_gradient():
    x = np.stack([SINGULAR, _well_conditioned(n=2)])
    g = fg.grad(lambda a: fnp.sum(fnp.where(fnp.isinf(L.cond(a, "fro")), 0.0, L.cond(a, "fro"))))(x)
    np.testing.assert_array_equal(g[0], 0.0)
    want = fg.grad(lambda a: L.cond(a, "fro"))(x[1])
    np.testing.assert_allclose(g[1], want)
    check_grads(lambda a: L.cond(a, "fro"), (x[1],), order=2)


def test_composed_functions_under_vmap():
    xs = _well_conditioned(4, n=3)
    np.testing.assert_allclose(fg.vmap(lambda x: L.cond(x, "fro"))(xs), np.linalg.cond(xs, "fro"))
    np.testing.assert_allclose(fg.vmap(L.cond)(xs), np.linalg.cond(xs))
    np.testing.assert_array_equal(fg.vmap(L.matrix_rank)(xs), np.linalg.matrix_rank(xs))
    np.testing.assert_allclose(fg.vmap(lambda x: L.vector_norm(x, axis=(0, 1), ord=3))(xs),
                               np.linalg.vector_norm(xs, axis=(1, 2), ord=3))
    np.testing.assert_allclose(fg.vmap(lambda x: L.multi_dot([x, x.T, x, x]))(xs),
                               [np.linalg.multi_dot([x, x.T, x, x]) for x in xs])
    np.testing.assert_allclose(fg.vmap(lambda x: L.matrix_norm(x, ord=-2))(xs), np.linalg.matrix_norm(xs, ord=-2))
    check_grads(lambda m: fg.vmap(lambda x: L.cond(x, 1) * L.matrix_norm(x, ord="nuc"))(m), (xs,), order=2)


def test_tensors_go_in_and_come_out():
    x = _well_conditioned(n=3)
    t = fg.tensor(x, requires_grad=True)
    y = L.cond(t) + L.matrix_norm(t, ord=2) + L.vector_norm(t, ord=3)
    assert isinstance(y, fg.Tensor)
    y.backward()
    want = fg.grad(lambda a: L.cond(a) + L.matrix_norm(a, ord=2) + L.vector_norm(a, ord=3))(x)
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-10)
    assert isinstance(np.linalg.multi_dot([t, t, t]), fg.Tensor)  # NumPy's name, dispatched


# --- errors name the function and the shapes --------------------------------------------------------------------------
ERROR_CASES = [
    # (name, args, kwargs, exception, message pattern)
    ("cond", (np.ones(3),), {}, np.linalg.LinAlgError, r"linalg\.cond: .*at least 2 dimensions.*\(3,\)"),
    ("cond", (np.ones((2, 0, 3)),), {}, np.linalg.LinAlgError, r"linalg\.cond: .*empty.*\(2, 0, 3\)"),
    ("cond", (np.ones((2, 3)), "fro"), {}, np.linalg.LinAlgError, r"linalg\.cond: p='fro' needs square.*\(2, 3\)"),
    ("matrix_norm", (np.ones(3),), {}, ValueError, r"linalg\.matrix_norm: .*at least 2 dimensions.*\(3,\)"),
    ("matrix_norm", (np.ones((2, 2)),), dict(ord="max"), ValueError, r"linalg\.matrix_norm: invalid norm order 'max'"),
    ("vector_norm", (np.ones((2, 3)),), dict(axis=2), np.exceptions.AxisError,
     r"linalg\.vector_norm: axis 2 is out of bounds for x of shape \(2, 3\)"),
    ("vector_norm", (np.ones((2, 3)),), dict(axis=(0, -2)), ValueError, r"linalg\.vector_norm: repeated axis"),
    ("vector_norm", (np.ones(3),), dict(ord="fro"), ValueError, r"linalg\.vector_norm: invalid norm order 'fro'"),
    ("matrix_rank", (np.ones((2, 2)),), dict(tol=0.1, rtol=0.1), ValueError, r"linalg\.matrix_rank: give tol or rtol"),
    ("lstsq", (np.ones((2, 3, 3)), np.ones(3)), {}, np.linalg.LinAlgError,
     r"linalg\.lstsq: needs a 2-D a .*\(2, 3, 3\) and \(3,\)"),
    ("lstsq", (np.ones((4, 3)), np.ones(3)), {}, np.linalg.LinAlgError,
     r"linalg\.lstsq: a of shape \(4, 3\) and b of shape \(3,\) differ in their number of rows"),
    ("multi_dot", ([np.ones((2, 2))],), {}, ValueError, r"linalg\.multi_dot: needs at least two arrays, got 1"),
    ("multi_dot", ([np.ones((2, 2)), np.ones((2, 2, 2)), np.ones(2)],), {}, np.linalg.LinAlgError,
     r"linalg\.multi_dot: array 1 has shape \(2, 2, 2\)"),
    ("multi_dot", ([np.ones((2, 3)), np.ones((2, 2)), np.ones(2)],), {}, ValueError,
     r"linalg\.multi_dot: arrays 0 and 1 do not chain: shapes \(2, 3\) and \(2, 2\)"),
    ("multi_dot", ([np.ones(2), np.ones((2, 2))],), dict(out=np.empty(2)), TypeError, r"multi_dot: out= .*immutable"),
    ("tensorinv", (np.ones((2, 3, 4)),), dict(ind=1), np.linalg.LinAlgError,
     r"linalg\.tensorinv: a of shape \(2, 3, 4\) with ind=1 is not square.*12.*2"),
    ("tensorinv", (np.ones((2, 2)),), dict(ind=0), ValueError, r"linalg\.tensorinv: ind must be a positive integer"),
    ("tensorsolve", (np.ones((2, 3, 4)), np.ones(2)), {}, np.linalg.LinAlgError,
     r"linalg\.tensorsolve: a of shape \(2, 3, 4\) and b of shape \(2,\)"),
    ("tensorsolve", (np.ones((2, 2, 4)), np.ones((2, 2))), dict(axes=(3,)), ValueError,
     r"linalg\.tensorsolve: axes=\(3,\) .*shape \(2, 2, 4\)"),
    ("cross", (np.ones((4, 2)), np.ones(3)), {}, ValueError,
     r"linalg\.cross: both inputs must be .*3-vectors along axis -1, got shapes \(4, 2\) and \(3,\)"),
    ("cross", (np.ones(3), np.ones(3)), dict(axis=1), np.exceptions.AxisError,
     r"linalg\.cross: axis 1 is out of bounds for x1 of shape \(3,\)"),
    ("diagonal", (np.ones(3),), {}, ValueError, r"linalg\.diagonal: .*at least 2 dimensions.*\(3,\)"),
    ("trace", (np.ones(3),), {}, ValueError, r"linalg\.trace: .*at least 2 dimensions.*\(3,\)"),
    ("vecdot", (np.ones((2, 3)), np.ones((2, 1))), {}, ValueError,
     r"linalg\.vecdot: the vectors along axis -1 differ in length: shapes \(2, 3\) and \(2, 1\)"),
    ("outer", (np.ones((2, 2)), np.ones(3)), {}, ValueError, r"linalg\.outer: both inputs must be 1-D, got shapes "
                                                             r"\(2, 2\) and \(3,\)"),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(ERROR_CASES)])
def test_errors_name_the_function_and_shapes(case):
    name, args, kw, exc, pattern = case
    with pytest.raises(exc, match=pattern):
        getattr(L, name)(*args, **kw)
