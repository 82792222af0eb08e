"""Tensor operations with PyTorch's names and signatures (funcgrad/tensors/ops.py, funcgrad/linalg.py).

Parity tests run the same code against ``torch`` and ``funcgrad`` (``import funcgrad as torch`` is the point) and
compare values and gradients; they skip when torch is missing. The other tests need no torch: finite-difference
checks with ``check_grads`` and hand-derived values.
"""
import math

import numpy as np
import pytest

import funcgrad as fg
from parity import cases, check_against_torch
import funcgrad.numpy as fnp
from funcgrad.tensors.tensor import Tensor
from funcgrad.testing import check_grads

import _backend as B

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)

rng = np.random.default_rng(0)


def on_tensors(f):
    """A function of arrays that runs ``f`` on Tensors wrapping them and returns the result's value."""
    def g(*arrays):
        out = f(*[Tensor._from_value(a) for a in arrays])
        return out._v
    return g


# --- parity with PyTorch --------------------------------------------------------------------------------------
def _randn(*shape):
    return rng.standard_normal(shape)


def _pos(*shape):
    return rng.uniform(0.5, 2.0, shape)


def _distinct(*shape):
    n = int(np.prod(shape))
    return rng.permutation(n).reshape(shape).astype(np.float64) / n + 0.1


def _spd(n):
    a = rng.standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


IDX = np.array([[0, 2, 1, 0], [1, 1, 0, 2]])

# (id, fn(module, *tensors), input arrays). The same fn runs with module = torch and module = funcgrad.
CASES = [
    ("exp", lambda m, x: m.exp(x), [_randn(3, 4)]),
    ("log", lambda m, x: x.log(), [_pos(3, 4)]),
    ("log1p", lambda m, x: m.log1p(x), [_pos(5)]),
    ("expm1", lambda m, x: x.expm1(), [_randn(5)]),
    ("sqrt", lambda m, x: m.sqrt(x), [_pos(4)]),
    ("rsqrt", lambda m, x: x.rsqrt(), [_pos(4)]),
    ("sin_cos_tan", lambda m, x: m.sin(x) + x.cos() * m.tan(x * 0.3), [_randn(6)]),
    ("tanh", lambda m, x: m.tanh(x), [_randn(2, 3)]),
    ("sigmoid", lambda m, x: x.sigmoid(), [_randn(2, 3) * 5]),
    ("relu", lambda m, x: m.relu(x), [np.array([-1.0, 0.0, 2.0, -0.5, 3.0])]),
    ("abs", lambda m, x: x.abs(), [np.array([-1.0, 0.0, 2.0])]),
    ("neg_square_recip", lambda m, x: m.neg(x) + x.square() + m.reciprocal(x), [_pos(4)]),
    ("pow", lambda m, x, y: m.pow(x, y), [_pos(3), _randn(3)]),
    ("pow_scalar", lambda m, x: x.pow(3), [_randn(3)]),
    ("sign_floor_round", lambda m, x: x * (m.sign(x) + m.floor(x) + m.ceil(x) + m.round(x)), [_randn(5) * 3]),
    ("clamp", lambda m, x: m.clamp(x, min=-0.5, max=0.5), [np.array([-1.0, -0.5, 0.0, 0.5, 1.0])]),
    ("clamp_tensor_bounds", lambda m, x, lo: x.clamp(min=lo), [_randn(5), _randn(5)]),
    ("clip_max", lambda m, x: m.clip(x, max=0.2), [_randn(5)]),
    ("maximum", lambda m, x, y: m.maximum(x, y), [np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])]),
    ("minimum", lambda m, x, y: m.minimum(x, y), [np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])]),
    ("max_binary", lambda m, x, y: m.max(x, y), [_randn(4), _randn(4)]),
    ("where", lambda m, x, y: m.where(x > 0, x, y), [_randn(2, 3), _randn(2, 3)]),
    ("lerp", lambda m, x, y: m.lerp(x, y, 0.3), [_randn(3), _randn(3)]),
    ("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.0) - x.sub(y, alpha=0.5), [_randn(3), _randn(3)]),
    ("div", lambda m, x, y: x.div(y) * m.mul(x, y), [_randn(3), _pos(3)]),
    ("atan2", lambda m, x, y: m.atan2(x, y), [_randn(4), _randn(4)]),
    ("sum_dim", lambda m, x: x.sum(dim=1, keepdim=True), [_randn(3, 4)]),
    ("sum_dims", lambda m, x: m.sum(x, (0, 2)), [_randn(2, 3, 4)]),
    ("mean", lambda m, x: x.mean(-1), [_randn(3, 4)]),
    ("prod", lambda m, x: m.prod(x, 1), [_randn(3, 4)]),
    ("std", lambda m, x: x.std(dim=0), [_randn(5, 3)]),
    ("std_all", lambda m, x: m.std(x), [_randn(5, 3)]),
    ("var_unbiased_false", lambda m, x: x.var(1, unbiased=False, keepdim=True), [_randn(3, 4)]),
    ("var_correction", lambda m, x: m.var(x, dim=0, correction=0), [_randn(3, 4)]),
    ("amax", lambda m, x: m.amax(x, dim=1), [_distinct(3, 4)]),
    ("amax_ties", lambda m, x: x.amax(), [np.array([1.0, 3.0, 3.0, 2.0])]),
    ("amin", lambda m, x: x.amin(dim=(0, 1)), [_distinct(2, 3, 2)]),
    ("max_full", lambda m, x: x.max(), [_distinct(3, 4)]),
    ("max_full_ties", lambda m, x: m.max(x), [np.array([3.0, 1.0, 3.0])]),
    ("min_full", lambda m, x: x.min(), [_distinct(3, 4)]),
    ("max_dim_values", lambda m, x: x.max(dim=1).values, [_distinct(3, 4)]),
    ("max_dim_keepdim", lambda m, x: m.max(x, 0, keepdim=True)[0], [_distinct(3, 4)]),
    ("min_dim_values", lambda m, x: x.min(-1).values, [_distinct(3, 4)]),
    ("logsumexp", lambda m, x: m.logsumexp(x, dim=1), [_randn(3, 4)]),
    ("softmax", lambda m, x: m.softmax(x, dim=-1), [_randn(3, 4)]),
    ("log_softmax", lambda m, x: x.log_softmax(0), [_randn(3, 4)]),
    ("norm", lambda m, x: x.norm(), [_randn(3, 4)]),
    ("norm_p1_dim", lambda m, x: m.norm(x, p=1, dim=1), [_randn(3, 4)]),
    ("norm_p3", lambda m, x: m.norm(x, p=3, dim=0, keepdim=True), [_randn(3, 4)]),
    ("norm_at_zero", lambda m, x: m.norm(x * 0.0), [_randn(3)]),
    ("cumsum", lambda m, x: x.cumsum(1), [_randn(3, 4)]),
    ("cumprod", lambda m, x: m.cumprod(x, dim=0), [_randn(3, 4)]),
    ("view_reshape", lambda m, x: x.view(4, 3).reshape(-1, 6) * x.reshape(2, 6), [_randn(3, 4)]),
    ("view_as", lambda m, x, y: x.view_as(y) * y + x.reshape_as(y), [_randn(3, 4), _randn(12)]),
    ("permute", lambda m, x: x.permute(2, 0, 1) * m.permute(x, (2, 0, 1)), [_randn(2, 3, 4)]),
    ("transpose", lambda m, x: m.transpose(x, 0, 2) + x.transpose(-1, 0), [_randn(2, 3, 2)]),
    ("t", lambda m, x: x.t() @ x, [_randn(3, 2)]),
    ("unsqueeze_squeeze", lambda m, x: x.unsqueeze(1).unsqueeze(-1).squeeze(1) + m.squeeze(x, 0).unsqueeze(-1),
     [_randn(1, 3)]),
    ("squeeze_nonunit_noop", lambda m, x: x.squeeze(1), [_randn(2, 3)]),
    ("expand", lambda m, x: x.expand(2, -1, 4) * 1.5, [_randn(3, 1)]),
    ("expand_as", lambda m, x, y: x.expand_as(y) * y, [_randn(1, 4), _randn(3, 4)]),
    ("flatten", lambda m, x: x.flatten(1) .sum(1) + m.flatten(x)[:2], [_randn(2, 3, 2)]),
    ("unflatten", lambda m, x: x.unflatten(1, (2, 3)), [_randn(2, 6)]),
    ("flip_roll", lambda m, x: x.flip(0) * m.roll(x, 1, 1) + x.roll(-2), [_randn(3, 4)]),
    ("repeat", lambda m, x: x.repeat(2, 1, 3), [_randn(3, 2)]),
    ("repeat_interleave", lambda m, x: x.repeat_interleave(2, dim=1), [_randn(3, 2)]),
    ("narrow", lambda m, x: x.narrow(1, 1, 2), [_randn(3, 4)]),
    ("cat", lambda m, x, y: m.cat([x, y, x], dim=1), [_randn(2, 3), _randn(2, 1)]),
    ("concat", lambda m, x, y: m.concat((x, y)), [_randn(2, 3), _randn(1, 3)]),
    ("stack", lambda m, x, y: m.stack([x, y], dim=-1), [_randn(2, 3), _randn(2, 3)]),
    ("split_size", lambda m, x: m.cat([p * (i + 1) for i, p in enumerate(x.split(2, dim=1))], 1), [_randn(2, 5)]),
    ("split_sections", lambda m, x: m.cat([p * (i + 1) for i, p in enumerate(m.split(x, [1, 3, 1]))]),
     [_randn(5, 2)]),
    ("chunk", lambda m, x: m.cat([p * (i + 1) for i, p in enumerate(x.chunk(3))]), [_randn(5, 2)]),
    ("unbind", lambda m, x: m.stack([p * (i + 1) for i, p in enumerate(x.unbind(1))]), [_randn(2, 3)]),
    ("tril_triu", lambda m, x: m.tril(x) + x.triu(1) * 2 + x.tril(-1) * 3, [_randn(4, 4)]),
    ("diag", lambda m, x: m.diag(x).sum() + m.diag(m.diag(x), 1), [_randn(3, 3)]),
    ("diagonal", lambda m, x: x.diagonal(0, 1, 2), [_randn(2, 3, 3)]),
    ("trace", lambda m, x: m.trace(x), [_randn(3, 3)]),
    ("gather", lambda m, x: m.gather(x, 1, m.tensor(IDX)), [_randn(2, 5)]),
    ("gather_dim0_smaller_index", lambda m, x: x.gather(0, m.tensor([[2, 0], [1, 1]])), [_randn(3, 3)]),
    ("scatter", lambda m, x, s: x.scatter(1, m.tensor([[0, 2], [3, 1]]), s), [_randn(2, 5), _randn(2, 2)]),
    # (PyTorch's own backward fails for a src larger than the index, so src is detached here)
    ("scatter_larger_src", lambda m, x, s: m.scatter(x, 0, m.tensor([[1, 0]]), s.detach()), [_randn(2, 2), _randn(3, 3)]),
    ("scatter_add", lambda m, x, s: m.scatter_add(x, 1, m.tensor(IDX), s), [_randn(2, 4), _randn(2, 4)]),
    ("index_select", lambda m, x: m.index_select(x, 1, m.tensor([2, 0, 2])), [_randn(2, 3)]),
    ("masked_fill", lambda m, x: x.masked_fill(x > 0, -1.0), [_randn(3, 4)]),
    ("masked_select", lambda m, x: m.masked_select(x, x > 0), [_randn(3, 4)]),
    ("take_along_dim", lambda m, x: m.take_along_dim(x, m.tensor([[0], [2]]), dim=1), [_randn(2, 3)]),
    ("matmul", lambda m, x, y: m.matmul(x, y), [_randn(2, 3, 4), _randn(4, 2)]),
    ("mm_bmm", lambda m, x, y: m.mm(x[0], y[0]) + m.bmm(x, y).sum(0), [_randn(2, 3, 4), _randn(2, 4, 3)]),
    ("dot_outer", lambda m, x, y: m.outer(x, y) * m.dot(x, y), [_randn(3), _randn(3)]),
    ("einsum", lambda m, x, y: m.einsum("bij,jk->bik", x, y), [_randn(2, 3, 4), _randn(4, 2)]),
    ("type_as_double", lambda m, x, y: x.float().double().type_as(y) * y.to(m.float64), [_randn(3), _randn(3)]),
    ("sort", lambda m, x: m.sort(x, dim=1, descending=True).values, [_distinct(3, 4)]),
    ("topk", lambda m, x: x.topk(2).values, [_distinct(3, 4)]),
    ("linalg_inv", lambda m, x: m.linalg.inv(x), [_spd(3)]),
    ("linalg_solve_vec", lambda m, a, b: m.linalg.solve(a, b), [_spd(3), _randn(3)]),
    ("linalg_solve_batch_vec", lambda m, a, b: m.linalg.solve(a, b), [np.stack([_spd(3)] * 2), _randn(2, 3)]),
    ("linalg_solve_mat", lambda m, a, b: m.linalg.solve(a, b), [_spd(3), _randn(3, 2)]),
    ("linalg_det", lambda m, x: m.linalg.det(x), [_spd(3)]),
    ("linalg_slogdet", lambda m, x: m.linalg.slogdet(x).logabsdet, [_randn(3, 3)]),
    ("linalg_cholesky", lambda m, x: m.linalg.cholesky(x), [_spd(3)]),
    ("linalg_eigh_values", lambda m, x: m.linalg.eigh(x).eigenvalues, [_spd(3)]),
    ("linalg_svd_S", lambda m, x: m.linalg.svd(x).S, [_randn(4, 3)]),
    ("linalg_svd_reduced_usv", lambda m, x: (lambda r: r.U @ m.diag(r.S) @ r.Vh)(m.linalg.svd(x, False)),
     [_randn(4, 3)]),
    ("linalg_qr_R_abs", lambda m, x: m.linalg.qr(x).R.abs(), [_randn(4, 3)]),
    ("linalg_pinv", lambda m, x: m.linalg.pinv(x), [_randn(4, 3)]),
    ("linalg_norm", lambda m, x: m.linalg.norm(x) + m.linalg.norm(x, dim=0).sum(), [_randn(3, 4)]),
    ("linalg_matrix_norm_nuc", lambda m, x: m.linalg.matrix_norm(x, "nuc"), [_randn(3, 4)]),
    ("linalg_vector_norm_inf", lambda m, x: m.linalg.vector_norm(x, float("inf"), dim=1), [_distinct(3, 4)]),
]


@pytest.mark.parametrize("fn,arrays", cases(CASES))
def test_values_and_gradients_match_pytorch(fn, arrays):
    check_against_torch(fn, arrays)


NONDIFF = [
    ("argmax", lambda m, x: m.argmax(x, dim=1)),
    ("argmax_all", lambda m, x: x.argmax()),
    ("argmin_keepdim", lambda m, x: x.argmin(0, keepdim=True)),
    ("max_indices", lambda m, x: x.max(1).indices),
    ("min_indices", lambda m, x: m.min(x, 0).indices),
    ("all_any", lambda m, x: m.stack([(x > 0).all(1), m.any(x > 1, dim=1)])),
    ("sort_indices", lambda m, x: x.sort(0).indices),
    ("long", lambda m, x: (x * 10).long()),
    ("int_bool", lambda m, x: m.stack([(x * 10).int().long(), (x > 0).long()])),
    ("sum_int", lambda m, x: (x * 10).long().sum(1)),
    ("nonzero", lambda m, x: m.nonzero(x > 0.5)),
]


@pytest.mark.parametrize("fn", [c[1] for c in NONDIFF], ids=[c[0] for c in NONDIFF])
def test_nondifferentiable_ops_match_pytorch(fn):
    torch = pytest.importorskip("torch")
    a = _distinct(3, 4) * 2 - 0.5
    ty, fy = fn(torch, torch.tensor(a)), fn(fg, fg.tensor(a))
    assert fy.dtype == np.dtype(str(ty.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(B.to_numpy(fy), ty.numpy())


def test_float32_is_kept_like_pytorch():
    torch = pytest.importorskip("torch")
    a = _randn(3, 4).astype(np.float32)
    for fn in [lambda m, x: (x * 2.0).sigmoid().sum(1), lambda m, x: m.clamp(x, 0.0, 1.0),
               lambda m, x: x.masked_fill(x > 0, 1.0), lambda m, x: m.where(x > 0, x, 0.0)]:
        ty, fy = fn(torch, torch.tensor(a)), fn(fg, fg.tensor(a))
        assert fy.dtype == np.float32 and ty.dtype == torch.float32


# --- torch-free checks: finite differences and hand-derived values -------------------------------------------------
@pytest.mark.parametrize("f,arrays", [
    (lambda x: fg.sigmoid(x) * fg.relu(x) + fg.rsqrt(x * x + 1.0), [_randn(4)]),
    (lambda x: x.std(dim=1) + x.var(0, unbiased=False).sum(), [_randn(3, 4)]),
    (lambda x: x.max(dim=1).values + x.logsumexp(1), [_distinct(3, 4)]),
    (lambda x: fg.softmax(x, 0) * fg.log_softmax(x, 1), [_randn(3, 4)]),
    (lambda x: fg.norm(x, dim=1) + fg.linalg.vector_norm(x, 3, dim=1), [_randn(3, 4)]),
    (lambda x: fg.clamp(x, -0.3, 0.4) * x, [_randn(6)]),
    (lambda x, s: x.scatter_add(0, fg.tensor([[1, 0], [1, 1]]), s) * 2, [_randn(2, 2), _randn(2, 2)]),
    (lambda x: x.gather(1, fg.tensor([[0, 0], [2, 1]])).repeat(2, 2), [_randn(2, 3)]),
    (lambda x: fg.cat(x.split([1, 2], dim=1)[::-1], dim=1).expand(3, 2, 3).flatten(), [_randn(2, 3)]),
    (lambda x: fg.einsum("ij,kj->ik", x, x).triu().cumsum(0), [_randn(3, 2)]),
    (lambda a, b: fg.linalg.solve(a, b) + fg.linalg.inv(a).sum(1), [_spd(3), _randn(3)]),
    (lambda a: fg.linalg.det(a) * fg.linalg.slogdet(a).logabsdet, [_spd(3)]),
    # finite differences perturb A off the symmetric matrices: symmetrize first
    (lambda a: fg.linalg.cholesky((a + a.mT) * 0.5).sum(0), [_spd(3)]),
])
def test_gradients_by_finite_differences(f, arrays):
    check_grads(on_tensors(f), [B.asarray(a) for a in arrays], order=2, modes=("rev",))


def test_hand_derived_gradients():
    # relu'(0) = 0; clamp passes the gradient at its bounds; max(dim) sends it to the returned index only
    x = fg.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    fg.relu(x).sum().backward()
    np.testing.assert_array_equal(B.to_numpy(x.grad), [0.0, 0.0, 1.0])
    x = fg.tensor([-1.0, 0.0, 1.0, 2.0], requires_grad=True)
    x.clamp(0.0, 1.0).sum().backward()
    np.testing.assert_array_equal(B.to_numpy(x.grad), [0.0, 1.0, 1.0, 0.0])
    x = fg.tensor([[2.0, 2.0, 1.0]], requires_grad=True)
    r = x.max(dim=1)
    r.values.sum().backward()
    g = B.to_numpy(x.grad)[0]
    assert g.sum() == 1.0 and g[r.indices.item()] == 1.0
    x = fg.tensor([2.0, 2.0, 1.0], requires_grad=True)
    x.max().backward()  # the full reduction splits ties, as PyTorch's does
    np.testing.assert_array_equal(B.to_numpy(x.grad), [0.5, 0.5, 0.0])
    x = fg.tensor([0.0, 0.0], requires_grad=True)
    x.norm().backward()
    np.testing.assert_array_equal(B.to_numpy(x.grad), [0.0, 0.0])
    # var with Bessel's correction: d/dx_i sum_j (x_j - m)^2 / (n - 1) = 2 (x_i - m) / (n - 1)
    a = np.array([1.0, 2.0, 6.0])
    x = fg.tensor(a, requires_grad=True)
    v = x.var()
    assert np.isclose(v.item(), np.var(a, ddof=1))
    v.backward()
    np.testing.assert_allclose(B.to_numpy(x.grad), 2 * (a - a.mean()) / 2)


def test_max_dim_returns_a_named_tuple():
    t = fg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    r = t.max(dim=1)
    assert type(r).__name__ == "max" and r._fields == ("values", "indices")
    values, indices = r
    np.testing.assert_array_equal(B.to_numpy(values), [5.0, 7.0])
    np.testing.assert_array_equal(B.to_numpy(indices), [1, 0])
    assert indices.dtype == np.int64
    r = fg.min(t, 0, keepdim=True)
    assert type(r).__name__ == "min" and r.values.shape == (1, 3)
    np.testing.assert_array_equal(B.to_numpy(r.indices), [[0, 1, 0]])
    assert t.max().item() == 7.0 and fg.max(t).shape == ()
    np.testing.assert_array_equal(B.to_numpy(fg.max(t, fg.tensor(4.0))), [[4.0, 5.0, 4.0], [7.0, 4.0, 4.0]])
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.max(dim=2)


def test_split_uses_sizes_not_indices():
    t = fg.tensor(np.arange(7.0))
    assert [p.tolist() for p in t.split(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [p.tolist() for p in fg.split(t, [2, 5])] == [[0, 1], [2, 3, 4, 5, 6]]
    with pytest.raises(RuntimeError, match="sum exactly to 7"):
        fg.split(t, [2, 3])
    assert [p.shape for p in t.chunk(3)] == [(3,), (3,), (1,)]
    assert len(fg.tensor(np.arange(6.0)).chunk(4)) == 3  # ceil(6/4) = 2 per chunk, like PyTorch


def test_repeat_is_tile_and_repeat_interleave_is_numpy_repeat():
    t = fg.tensor([[1, 2]])
    assert t.repeat(2, 2).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    assert fg.tensor([1, 2]).repeat(2, 1, 2).shape == (2, 1, 4)
    assert fg.tensor([1, 2]).repeat_interleave(2).tolist() == [1, 1, 2, 2]
    assert fg.repeat_interleave(fg.tensor([1, 2]), fg.tensor([1, 3])).tolist() == [1, 2, 2, 2]
    with pytest.raises(RuntimeError, match="can not be smaller"):
        t.repeat(2)


def test_dtype_names_and_conversions():
    import builtins

    assert fg.float32 == np.float32 and fg.float64 == np.float64 and fg.float16 == np.float16
    assert fg.int64 == np.int64 and fg.int32 == np.int32 and fg.bool == np.bool_
    assert fg.complex64 == np.complex64 and fg.complex128 == np.complex128
    assert fg.float == np.float32 and fg.double == np.float64 and fg.long == np.int64 and fg.int == np.int32
    import funcgrad.tensors.ops as ops

    assert "bool" not in vars(ops) and "int" not in vars(ops)  # the module's own code still sees the builtins
    assert builtins.bool is bool
    t = fg.tensor([1.7, -2.2])
    assert t.double().dtype == np.float64 and t.long().dtype == np.int64 and t.int().dtype == np.int32
    assert t.bool().dtype == np.bool_ and t.half().dtype == np.float16 and t.long().tolist() == [1, -2]
    assert t.to(fg.float64).dtype == np.float64 and t.to(B.DEVICE) is t and t.to(t) is t
    assert t.type_as(fg.tensor([1])).dtype == np.int64
    x = fg.tensor([1.5], requires_grad=True)
    y = x.double()
    assert y.requires_grad and y.dtype == np.float64
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.item() == 2.0
    if not fg.backend.gpu_available():
        with pytest.raises(RuntimeError, match="CuPy|GPU"):
            t.to("cuda")


def test_shape_op_errors_are_clear():
    t = fg.tensor(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="expanded size"):
        t.expand(4, 3)
    with pytest.raises(RuntimeError, match="<= 2 dimensions"):
        fg.tensor(np.zeros((2, 2, 2))).t()
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        t.gather(1, fg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="boolean masks"):
        t.masked_fill(fg.tensor([1, 0, 1]), 0.0)
    with pytest.raises(TypeError, match="immutable"):
        fg.exp(t, out=t)
    with pytest.raises(RuntimeError, match="floating point"):
        fg.tensor([1, 2]).mean()
    assert t.expand(5, -1, -1).shape == (5, 2, 3)
    assert t.squeeze(0).shape == (2, 3) and t.unsqueeze(-1).shape == (2, 3, 1)


def test_ops_on_plain_tensors_and_under_transforms():
    t = fg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert not t.sum(0).requires_grad and t.sum(0).tolist() == [4.0, 6.0]

    def f(a):
        x = Tensor._from_value(a)
        return fg.softmax(x, 1).max(dim=1).values.sum()._v

    a = _randn(3, 4)
    g = B.to_numpy(fg.grad(f)(B.asarray(a)))
    eps = 1e-6
    e = np.zeros_like(a)
    e[1, 2] = eps
    fd = (B.to_numpy(f(B.asarray(a + e))) - B.to_numpy(f(B.asarray(a - e)))) / (2 * eps)
    assert np.isclose(g[1, 2], fd, rtol=1e-5)


def test_svd_full_matrices_default_like_pytorch():
    a = _randn(4, 2)
    x = fg.tensor(a, requires_grad=True)
    U, S, Vh = fg.linalg.svd(x)
    assert U.shape == (4, 4) and S.shape == (2,) and Vh.shape == (2, 2)
    np.testing.assert_allclose(B.to_numpy((U[:, :2] * S) @ Vh.detach()), a, atol=1e-12)
    np.testing.assert_allclose(B.to_numpy(U).T @ B.to_numpy(U), np.eye(4), atol=1e-12)
    S.sum().backward()  # d(nuclear norm)/dA = U_r Vh
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(B.to_numpy(x.grad), u @ vh, atol=1e-12)


def test_sum_of_bools_and_ints_is_int64():
    t = fg.tensor([True, False, True])
    assert t.sum().dtype == np.int64 and t.sum().item() == 2
    assert fg.tensor(np.array([1, 2], np.int32)).sum().dtype == np.int64
    assert math.isclose(fg.tensor([1.0, 2.0]).sum().item(), 3.0)


def test_functional_updates_of_a_tensor_return_tensors():
    """``fnp.at(t)[idx].<update>(number)`` returns a Tensor (the update is recorded), whatever the value's type."""
    t = fg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for out, want in [(fnp.at(t)[0].set(5.0), [5.0, 2.0, 3.0]), (fnp.at(t)[fg.tensor([0, 0])].add(1.0), [3.0, 2.0, 3.0]),
                      (fnp.at(t)[1:].multiply(2.0), [1.0, 4.0, 6.0]), (fnp.at(t)[0].set(fg.tensor(5.0)), [5.0, 2.0, 3.0])]:
        assert isinstance(out, fg.Tensor) and out.requires_grad
        assert out.tolist() == want
    y = fnp.at(t)[0].set(5.0)
    fnp.sum(y * y).backward()
    assert t.grad.tolist() == [0.0, 4.0, 6.0]  # d/dt of 25 + t1^2 + t2^2
    assert isinstance(fg.scatter(fg.zeros(3), 0, fg.tensor([1]), value=2.0), fg.Tensor)
