"""More torch top-level functions and Tensor methods (funcgrad/tensors/extras.py, funcgrad/tensors/linalg_ops.py,
funcgrad/tensors/random.py, and what they placed in torch_math/torch_reduce/special): linear algebra (``det``,
``lu``, ``matrix_exp`` ...), complex views, statistics, ``gradient``, the in-place variants, random sampling.

Parity tests run the same code against ``torch`` and ``funcgrad`` and compare values, dtypes and gradients in
float64; they skip when torch is missing. Finite-difference checks, hand-computed values, sampling statistics and
error tests need no torch.
"""
import numpy as np
import pytest

import funcgrad as fg
from parity import cases, check_against_torch, torch_dtype
import funcgrad.numpy as fnp
from funcgrad.tensors.tensor import Tensor
from funcgrad.testing import check_grads

rng = np.random.default_rng(11)


def _randn(*shape):
    return rng.standard_normal(shape)


def _unit(*shape):
    return rng.uniform(-0.9, 0.9, shape)


def _pos(*shape):
    return rng.uniform(0.5, 2.0, shape)


def _flat(m, outs):
    return m.cat([o.reshape(-1) * (i + 1) for i, o in enumerate(outs)])


def _spd(m, x):
    return x @ x.mT + 3.0 * m.eye(x.shape[-1], dtype=m.float64)


def _tri(n, upper=False):
    """A well-conditioned triangular factor with junk in the other triangle."""
    a = rng.standard_normal((n, n)) * 0.3 + np.diag(rng.uniform(1.5, 2.5, n))
    return a


def _d(m, a):
    return m.tensor(a, dtype=m.float64)


def _cplx(m, outs):
    """A complex result as a real one (for the parity of backward, which needs real losses)."""
    return m.view_as_real(outs)


def _inplace(name, *args, **kw):
    def fn(m, x, *rest):
        y = x * 1.0
        r = getattr(y, name)(*args[0](m, *rest), **kw) if args else getattr(y, name)(**kw)
        assert r is y
        return y
    return fn


def _top_inplace(name, *args):
    def fn(m, x):
        y = x * 1.0
        assert getattr(m, name)(y, *args) is y
        return y
    return fn


SQ = _randn(3, 3) + 2 * np.eye(3)
TALL, WIDE = _randn(4, 3), _randn(2, 4)
GAMMA_A = np.array([0.5, 1.5, 3.0, 8.0, 30.0])
ROW6 = np.arange(6.0) * 0.5 - 1.0
INF, NAN = float("inf"), float("nan")
EDGE_A = [0.0, 0.0, 1.0, 2.0, INF, INF, 1.0, NAN, -1.0, 2.0, 3.0, 1e-3]
EDGE_X = [0.0, 1.0, 0.0, INF, 1.0, INF, NAN, 1.0, 1.0, -1.0, 2.0, 1e-3]

CASES = [
    # linear algebra
    ("det", lambda m, x: m.det(x), [SQ]),
    ("det_batch_method", lambda m, x: x.det(), [_randn(2, 3, 3)]),
    ("inverse", lambda m, x: m.inverse(x) + x.inverse(), [SQ]),
    ("slogdet", lambda m, x: _flat(m, m.slogdet(x)), [_randn(3, 3)]),
    ("slogdet_method", lambda m, x: x.slogdet().logabsdet, [_randn(2, 2, 2)]),
    ("matrix_power", lambda m, x: _flat(m, [m.matrix_power(x, 3), x.matrix_power(-2), m.matrix_power(x, 0)]), [SQ]),
    ("cholesky", lambda m, x: m.cholesky(_spd(m, x)), [_randn(3, 3)]),
    ("cholesky_upper_method", lambda m, x: _spd(m, x).cholesky(upper=True), [_randn(2, 3, 3)]),
    ("cholesky_inverse", lambda m, L: m.cholesky_inverse(L), [_tri(3)]),
    ("cholesky_inverse_upper", lambda m, U: U.cholesky_inverse(upper=True), [_tri(3)]),
    ("cholesky_solve", lambda m, b, L: m.cholesky_solve(b, L), [_randn(3, 2), _tri(3)]),
    ("cholesky_solve_upper_batch", lambda m, b, U: b.cholesky_solve(U, upper=True), [_randn(2, 3, 2), _tri(3)]),
    ("svd_invariants", lambda m, x: _flat(m, [m.svd(x).S, m.svd(x)[0] @ m.svd(x)[2].mT]), [SQ]),
    ("svd_tall", lambda m, x: _flat(m, [x.svd().S, (x.svd().U * x.svd().S) @ x.svd().V.mT]), [TALL]),
    ("svd_no_uv", lambda m, x: m.svd(x, compute_uv=False).S, [WIDE]),
    ("qr", lambda m, x: _flat(m, m.qr(x)), [TALL]),
    ("qr_complete_square", lambda m, x: _flat(m, m.qr(x, some=False)), [SQ]),
    ("lu", lambda m, x: m.lu(x)[0], [_randn(4, 4)]),
    ("lu_batch_method", lambda m, x: x.lu()[0], [_randn(2, 3, 3)]),
    ("lu_tall", lambda m, x: m.lu(x)[0], [TALL]),
    ("lu_wide", lambda m, x: m.lu(x)[0], [WIDE]),
    ("lu_unpack", lambda m, x: _flat(m, m.lu_unpack(*m.lu(x))), [_randn(3, 3)]),
    ("lu_unpack_tall", lambda m, x: _flat(m, m.lu_unpack(*m.lu(x))[1:]), [TALL]),
    ("lu_solve", lambda m, b, x: m.lu_solve(b, *m.lu(x)), [_randn(3, 2), _randn(3, 3)]),
    ("lu_solve_broadcast_method", lambda m, b, x: b.lu_solve(*m.lu(x)), [_randn(2, 3, 1), _randn(3, 3)]),
    ("matrix_exp", lambda m, x: m.matrix_exp(x * 0.3), [_randn(3, 3)]),
    ("matrix_exp_scaled_batch", lambda m, x: (x * 4.0).matrix_exp(), [_randn(2, 3, 3)]),
    ("pinverse", lambda m, x: m.pinverse(x) + 0 * x.pinverse().sum(), [TALL]),
    ("triangular_solve", lambda m, b, a: _flat(m, m.triangular_solve(b, a)), [_randn(3, 2), _tri(3)]),
    ("triangular_solve_lower_T", lambda m, b, a: m.triangular_solve(b, a, upper=False, transpose=True).solution,
     [_randn(3, 2), _tri(3)]),
    ("triangular_solve_unit_method", lambda m, b, a: b.triangular_solve(a, unitriangular=True)[0],
     [_randn(2, 3, 2), _tri(3)]),
    ("orgqr", lambda m, a, tau: m.orgqr(a, tau), [TALL, _unit(3)]),
    ("orgqr_method_k2", lambda m, a, tau: a.orgqr(tau), [TALL, _unit(2)]),
    ("ormqr_left", lambda m, a, tau, c: m.ormqr(a, tau, c), [TALL, _unit(3), _randn(4, 2)]),
    ("ormqr_left_T", lambda m, a, tau, c: m.ormqr(a, tau, c, transpose=True), [TALL, _unit(3), _randn(4, 2)]),
    ("ormqr_right", lambda m, a, tau, c: a.ormqr(tau, c, left=False), [TALL, _unit(3), _randn(2, 4)]),
    ("ormqr_right_T", lambda m, a, tau, c: m.ormqr(a, tau, c, False, True), [TALL, _unit(3), _randn(2, 4)]),
    ("nuclear_norm", lambda m, x: m.nuclear_norm(x) + m.nuclear_norm(x, True).sum(), [TALL]),
    ("nuclear_norm_dim", lambda m, x: m.nuclear_norm(x, (0, 2), keepdim=True), [_randn(3, 2, 4)]),
    ("frobenius_norm", lambda m, x: _flat(m, [m.frobenius_norm(x, (0, 1)), m.frobenius_norm(x, [1], True)]),
     [_randn(2, 3)]),
    ("norm_except_dim", lambda m, v: _flat(m, [m.norm_except_dim(v, 2, 1), m.norm_except_dim(v, 3, 0),
                                               m.norm_except_dim(v, 2, -1)]), [_randn(2, 3, 2)]),
    # complex views
    ("complex", lambda m, a, b: _cplx(m, m.complex(a, b)), [_randn(3), _randn(3)]),
    ("polar", lambda m, r, t: _cplx(m, m.polar(r, t)), [_pos(3), _randn(3)]),
    ("view_as_complex", lambda m, x: _cplx(m, m.view_as_complex(x) * (1 + 2j)), [_randn(3, 2)]),
    ("conj_physical_adjoint", lambda m, a, b: _cplx(m, m.conj_physical(m.adjoint(m.complex(a, b)))),
     [_randn(2, 3), _randn(2, 3)]),
    ("mH_H", lambda m, x: _flat(m, [x.mH, x.H, x.adjoint(), m.resolve_conj(x), m.resolve_neg(x)]), [_randn(2, 3)]),
    ("aliases", lambda m, x: _flat(m, [m.arcsinh(x), x.arctanh(), m.arccosh(x + 2.0)]), [_unit(3)]),
    # arithmetic, indexing, statistics
    ("rsub", lambda m, x, y: m.rsub(x, y, alpha=2) + m.rsub(x, 3.0), [_randn(3), _randn(3)]),
    ("clone_detach", lambda m, x: m.clone(x) * 2 + m.detach(x), [_randn(3)]),
    ("put", lambda m, x, s: m.put(x, m.tensor([0, -1]), s), [_randn(2, 3), _randn(2)]),
    ("index_put", lambda m, x, v: m.index_put(x, (m.tensor([1, 1]),), v, accumulate=True), [_randn(3), _randn(2)]),
    # (torch 2.13 sends the gradient of as_strided_scatter's input to the overwritten elements instead of the others:
    # the input is a constant here, its gradient is checked by finite differences below)
    ("as_strided_scatter", lambda m, s: m.as_strided_scatter(m.tensor(ROW6), s, (2, 2), (3, 1), 1), [_randn(2, 2)]),
    ("as_strided_scatter_2d_method", lambda m, s: m.tensor(ROW6).reshape(2, 3).as_strided_scatter(s, (3,), (2,)),
     [_randn(3)]),
    ("unsafe_split", lambda m, x: _flat(m, m.unsafe_chunk(x, 2, 1) + x.unsafe_split(1) +
                                        m.unsafe_split_with_sizes(x, [2, 1], 1)), [_randn(2, 3)]),
    ("msort", lambda m, x: m.msort(x) + x.msort(), [_randn(4, 3)]),
    ("mode", lambda m, x: m.mode(x).values + x.mode(0, keepdim=True).values.sum(),
     [np.array([[1.0, 2.0, 2.0, 1.0], [3.0, 0.5, 3.0, 0.5], [1.0, 1.0, 2.0, 2.0]])]),
    ("cov", lambda m, x: m.cov(x), [_randn(3, 5)]),
    ("cov_1d_correction0", lambda m, x: m.cov(x, correction=0), [_randn(5)]),
    ("cov_weights", lambda m, x: x.cov(fweights=m.tensor([1, 2, 1, 3]), aweights=m.tensor([0.5, 1.0, 2.0, 1.5],
                                                                                           dtype=m.float64)),
     [_randn(2, 4)]),
    ("cov_aweights_correction2", lambda m, x, w: m.cov(x, correction=2, aweights=w), [_randn(2, 5), _pos(5)]),
    ("corrcoef_off_diagonal", lambda m, x: m.corrcoef(x) * (1.0 - m.eye(3, dtype=m.float64)), [_randn(3, 6)]),
    ("igamma", lambda m, x: m.igamma(m.tensor(GAMMA_A), x), [np.array([0.2, 1.0, 4.5, 5.0, 40.0])]),
    ("igammac_method", lambda m, x: m.tensor(GAMMA_A).igammac(x) + m.special.gammaincc(m.tensor(GAMMA_A), x),
     [np.array([0.7, 3.0, 2.0, 12.0, 25.0])]),
    ("gradient", lambda m, x: _flat(m, m.gradient(x)), [_randn(4, 3)]),
    ("gradient_spacing_dim", lambda m, x: _flat(m, m.gradient(x, spacing=2.0, dim=1, edge_order=2)), [_randn(3, 4)]),
    ("gradient_coordinates", lambda m, x, c: _flat(m, m.gradient(x, spacing=(m.cumsum(c, 0),), dim=0)),
     [_randn(5), _pos(5)]),
    ("gradient_coordinates_order2", lambda m, x: _flat(m, m.gradient(x, spacing=[_d(m, [0.0, 0.5, 2.0, 2.5]),
                                                                                   _d(m, [1.0, 1.5, 1.75])],
                                                                          edge_order=2)), [_randn(4, 3)]),
    # in place (on a non-leaf), methods and torch's top-level in-place functions
    ("acos_", _inplace("acos_"), [_unit(3)]),
    ("tan_", _inplace("tan_"), [_unit(3)]),  # (torch has no derivative for atanh_ and asinh_)
    ("expm1_log1p_", lambda m, x: _flat(m, [(x * 1.0).expm1_(), (x * 1.0).log1p_()]), [_pos(3)]),
    ("lgamma_digamma_", lambda m, x: _flat(m, [(x * 1.0).lgamma_(), (x * 1.0).digamma_()]), [_pos(3)]),
    ("erfinv_", _inplace("erfinv_"), [_unit(3)]),
    ("atan2_", _inplace("atan2_", lambda m, y: (y,)), [_randn(3), _randn(3)]),
    ("hypot_", _inplace("hypot_", lambda m, y: (y,)), [_randn(3), _randn(3)]),
    ("copysign_xlogy_", lambda m, x, y: _flat(m, [(x * 1.0).copysign_(y), (x * 1.0).xlogy_(y.abs())]),
     [_randn(3), _randn(3)]),
    ("igamma_", lambda m, x: (m.tensor(GAMMA_A[:3]) * 1.0).igamma_(x), [_pos(3)]),
    ("addcmul_", _inplace("addcmul_", lambda m, a, b: (a, b), value=0.5), [_randn(3), _randn(3), _randn(3)]),
    ("addmm_", _inplace("addmm_", lambda m, a, b: (a, b), beta=0.5, alpha=2.0), [_randn(2, 2), _randn(2, 3),
                                                                               _randn(3, 2)]),
    ("cumsum_", _inplace("cumsum_", lambda m: (1,)), [_randn(2, 3)]),
    ("cumprod_", _inplace("cumprod_", lambda m: (0,)), [_randn(3, 2)]),
    ("lerp_", _inplace("lerp_", lambda m, e: (e, 0.3)), [_randn(3), _randn(3)]),
    ("logit_", _inplace("logit_", lambda m: (), eps=0.25), [rng.uniform(0.05, 0.95, 4)]),
    ("polygamma_", _inplace("polygamma_", lambda m: (1,)), [_pos(3)]),
    ("mvlgamma_", _inplace("mvlgamma_", lambda m: (2,)), [_pos(3) + 1.0]),
    ("renorm_", _inplace("renorm_", lambda m: (2, 0, 1.0)), [_randn(3, 2) * 2]),
    ("tril_triu_", lambda m, x: (x * 1.0).tril_(1).triu_(-1), [_randn(3, 4)]),
    ("float_power_", _inplace("float_power_", lambda m: (2.5,)), [_pos(3)]),
    ("nan_to_num_", _inplace("nan_to_num_", lambda m: (), posinf=1.0), [_randn(3)]),
    ("top_exp_", _top_inplace("exp_"), [_randn(3)]),
    ("top_clamp_", _top_inplace("clamp_", -0.5, 0.5), [_randn(4)]),
    ("top_sinc_", _top_inplace("sinc_"), [_randn(3)]),
    ("top_xlogy_", _top_inplace("xlogy_", 2.0), [_randn(3)]),
    ("top_addmv_", lambda m, x, a, v: m.addmv_(x * 1.0, a, v), [_randn(2), _randn(2, 3), _randn(3)]),
    ("top_index_put_", lambda m, x, v: m.index_put_(x * 1.0, (m.tensor([0]),), v), [_randn(2), _randn(1)]),
]


@pytest.mark.parametrize("fn,arrays", cases(CASES))
def test_values_and_gradients_match_pytorch(fn, arrays):
    check_against_torch(fn, arrays, rtol=1e-9, atol=1e-11)


NONDIFF = [
    ("lu_pivots", lambda m: m.lu(_d(m, [[1.0, 2.0, 0.0], [3.0, 4.0, 1.0], [0.5, 9.0, 2.0]]))[1]),
    ("lu_pivots_batch_tall", lambda m: m.lu(_d(m, np.arange(24.0).reshape(2, 4, 3) ** 1.5))[1]),
    ("lu_infos", lambda m: m.lu(_d(m, [[1.0, 2.0], [2.0, 4.0]]), get_infos=True)[2]),
    ("lu_unpack_P", lambda m: m.lu_unpack(*m.lu(_d(m, [[0.0, 1.0, 2.0], [1.0, 0.0, 0.0], [5.0, 1.0, 1.0]])))[0]),
    ("geqrf_a", lambda m: m.geqrf(_d(m, TALL))[0]),
    ("geqrf_tau_batch", lambda m: _d(m, np.stack([TALL, TALL[::-1]])).geqrf()[1]),
    ("svd_no_uv_U", lambda m: m.svd(_d(m, WIDE), compute_uv=False).U),
    ("histogram", lambda m: m.histogram(_d(m, [0.1, 0.5, 2.2, 1.7, 0.9]), bins=3)[0]),
    ("histogram_edges", lambda m: m.histogram(_d(m, [0.1, 0.5, 2.2, 1.7, 0.9]), bins=3).bin_edges),
    ("histogram_range_weight_density", lambda m: _d(m, [0.1, 0.5, 2.2, 1.7, 0.9]).histogram(
        4, range=(0.0, 2.0), weight=_d(m, [1.0, 2.0, 3.0, 4.0, 5.0]), density=True)[0]),
    ("histogram_bin_tensor", lambda m: m.histogram(_d(m, [0.1, 0.5, 2.2, 1.7]), _d(m, [0.0, 1.0, 1.8, 3.0]))[0]),
    ("histogramdd", lambda m: m.histogramdd(_d(m, [[0.1, 0.2], [0.9, 0.4], [0.5, 0.6]]), bins=[2, 3])[0]),
    ("histogramdd_range_edges", lambda m: m.histogramdd(_d(m, [[0.1, 0.2], [0.9, 0.4]]), bins=2,
                                                        range=[0.0, 1.0, 0.0, 2.0]).bin_edges[1]),
    ("isin", lambda m: m.isin(m.tensor([[1, 2], [3, 4]]), m.tensor([4, 1, 7]))),
    ("isin_invert_scalar", lambda m: m.isin(m.tensor([1, 2, 3]), 2, invert=True)),
    ("isin_scalar_elements", lambda m: m.isin(3, m.tensor([1, 3]))),
    ("unravel_index", lambda m: m.stack(m.unravel_index(m.tensor([0, 5, 7, -1]), (2, 4)))),
    ("unravel_index_3d", lambda m: m.stack(m.unravel_index(m.tensor([[3], [17]]), (2, 3, 4)))),
    ("nonzero_static_pad", lambda m: m.nonzero_static(m.tensor([[0, 1], [1, 0]]), size=4)),
    ("nonzero_static_truncate", lambda m: m.tensor([1, 0, 2, 3]).nonzero_static(size=2, fill_value=9)),
    ("bitwise_shifts", lambda m: m.cat([m.bitwise_left_shift(m.tensor([1, -3, 5]), m.tensor([1, 2, 0])),
                                        m.tensor([16, -16]).bitwise_right_shift(2),
                                        m.bitwise_left_shift(3, m.tensor([1, 2]))])),
    ("bitwise_shift_int32", lambda m: m.bitwise_left_shift(m.tensor([1, 2], dtype=m.int32), 3)),
    ("shift_inplace", lambda m: m.tensor([1, 2]).bitwise_left_shift_(2).bitwise_right_shift_(m.tensor([1, 0]))),
    ("cmp_inplace", lambda m: m.tensor([1.0, 2.0, 3.0]).lt_(2.5).add_(m.tensor([1.0, 2.0, 3.0]).ge_(2.0))),
    ("logical_inplace", lambda m: m.tensor([1.0, 0.0, 3.0]).logical_and_(m.tensor([1.0, 1.0, 0.0]))),
    ("gcd_lcm_inplace", lambda m: m.tensor([4, 6, 9]).gcd_(m.tensor([6, 4, 3])).lcm_(m.tensor([4, 4, 4]))),
    ("mode_indices", lambda m: m.mode(m.tensor([[1.0, 2.0, 2.0, 1.0], [3.0, 0.5, 3.0, 0.5]])).indices),
    ("mode_dim0", lambda m: m.tensor([[1, 2], [1, 3], [2, 3]]).mode(0).indices),
    ("rsub_int_float", lambda m: m.rsub(m.tensor([1, 2]), 2.5)),
    ("rsub_int", lambda m: m.rsub(m.tensor([1, 2]), m.tensor([5, 5]), alpha=3)),
    ("igamma_edges", lambda m: m.igamma(_d(m, EDGE_A), _d(m, EDGE_X))),
    ("igammac_edges", lambda m: m.igammac(_d(m, EDGE_A), _d(m, EDGE_X))),
    ("view_as_real_complex64", lambda m: m.view_as_real(m.tensor([1.0 + 2.0j, -1.0j]))),
    ("complex_float32", lambda m: m.view_as_real(m.complex(m.tensor([1.0]), m.tensor([2.0])))),
    ("cov_int", lambda m: m.cov(m.tensor([[1, 2, 4], [3, 1, 0]]))),
    ("corrcoef_1d", lambda m: m.corrcoef(_d(m, [1.0, 2.0, 4.0]))),
]


@pytest.mark.parametrize("fn", [pytest.param(c[1], id=c[0]) for c in NONDIFF])
def test_nondifferentiable_results_match_pytorch(fn):
    torch = pytest.importorskip("torch")
    ours, theirs = fn(fg), fn(torch)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == torch_dtype(theirs)
    tol = 1e-6 if ours.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=tol, atol=tol * 1e-2)


def test_results_torch_does_not_differentiate_have_no_graph():
    x = fg.tensor(TALL, requires_grad=True)
    for out in [fg.geqrf(x)[0], fg.geqrf(x)[1], fg.lu(x)[1], fg.histogram(x, bins=3)[0], fg.isin(x, x),
                fg.nonzero_static(x, size=2), fg.histogramdd(x, bins=2)[0]]:
        assert out.grad_fn is None and not out.requires_grad


COMPLEX = [
    ("view_as_real", lambda m, z: m.view_as_real(z)),
    ("conj_physical_adjoint", lambda m, z: m.view_as_real(m.resolve_conj(m.adjoint(m.conj_physical(z) * (2 + 1j))))),
    ("lu", lambda m, z: m.view_as_real(m.lu(z)[0])),
    ("matrix_exp", lambda m, z: m.view_as_real(m.matrix_exp(z))),
    ("det_inverse", lambda m, z: m.view_as_real(m.inverse(z) * m.det(z))),
]


@pytest.mark.parametrize("fn", [pytest.param(c[1], id=c[0]) for c in COMPLEX])
def test_complex_inputs_match_pytorch(fn):
    torch = pytest.importorskip("torch")
    z = _randn(3, 3) + 1j * _randn(3, 3)
    w = _randn(3, 3, 2)
    grads = []
    for m in (torch, fg):
        x = m.tensor(z, requires_grad=True)
        y = fn(m, x)
        grads.append((np.asarray(y.detach()), str(y.dtype).replace("torch.", "")))
        (y * m.tensor(w)).sum().backward()
        grads.append(np.asarray(x.grad))
    np.testing.assert_allclose(grads[2][0], grads[0][0], rtol=1e-10, atol=1e-12)
    assert grads[2][1] == grads[0][1]
    np.testing.assert_allclose(grads[3], grads[1], rtol=1e-8, atol=1e-10)


def test_predicates_and_attributes_match_pytorch():
    torch = pytest.importorskip("torch")
    for m in (fg, torch):
        x = m.tensor([[1.0, 2.0]])
        assert m.is_nonzero(m.tensor([2])) and not m.is_nonzero(m.tensor(0.0)) and x[0, :1].is_nonzero()
        assert m.is_same_size(x, m.zeros(1, 2)) and not x.is_same_size(m.zeros(2, 1))
        assert [m.is_signed(m.tensor([1], dtype=d)) for d in (m.uint8, m.int8, m.bool, m.float32)] == \
            [False, True, False, True] and x.is_signed()
        assert not m.is_conj(x) and not x.is_neg() and not m.is_inference(x) and not x.is_inference()
        assert m.get_device(x) == -1 and x.get_device() == -1
        for bad in (m.tensor([1, 2]), m.tensor([])):
            with pytest.raises(RuntimeError, match="ambiguous"):
                m.is_nonzero(bad)


def test_pca_and_svd_lowrank_match_pytorch_on_low_rank_matrices():
    torch = pytest.importorskip("torch")
    u = _randn(6, 2)
    a = (u - u.mean(0)) @ _randn(2, 5)  # rank 2, centred columns: PyTorch's randomized answer is exact
    for f in (lambda m, x: m.pca_lowrank(x, q=2), lambda m, x: m.svd_lowrank(x, q=2),
              lambda m, x: m.svd_lowrank(x + 1.0, q=2, M=m.ones(6, 5, dtype=m.float64)),
              lambda m, x: m.pca_lowrank(x, q=2, center=False)):
        torch.manual_seed(0)
        tU, tS, tV = f(torch, torch.tensor(a))
        U, S, V = f(fg, fg.tensor(a))
        assert U.shape == tuple(tU.shape) and V.shape == tuple(tV.shape)
        np.testing.assert_allclose(S.numpy(), tS.numpy(), rtol=1e-8)
        np.testing.assert_allclose((U * S @ V.mT).numpy(), (tU * tS @ tV.mT).numpy(), atol=1e-8)
    assert [t.shape for t in fg.pca_lowrank(fg.tensor(a))] == [(6, 5), (5,), (5, 5)]


def test_sampling_zero_gradient_like_pytorch():
    torch = pytest.importorskip("torch")
    for m in (fg, torch):
        p = m.tensor([0.2, 0.7], dtype=m.float64, requires_grad=True)
        n = m.tensor([5.0, 3.0], dtype=m.float64, requires_grad=True)
        outs = [m.bernoulli(p), m.poisson(n)] + ([m.binomial(n, p)] if m is fg else [])  # torch: no binomial grad
        assert all(o.requires_grad and o.dtype == p.dtype for o in outs)
        sum(o.sum() for o in outs).backward()
        assert np.all(np.asarray(p.grad) == 0) and np.all(np.asarray(n.grad) == 0)
        assert m.multinomial(p, 2).dtype == m.int64 and not m.multinomial(p, 2).requires_grad


# --- without torch -----------------------------------------------------------------------------------------------
def on_tensors(f):
    def g(*arrays):
        return f(*[Tensor._from_value(a) for a in arrays])._v
    return g


FD = [
    ("lu", lambda x: fg.lu(x)[0], [_randn(3, 3)]),
    ("lu_solve", lambda b, x: fg.lu_solve(b, *fg.lu(x)), [_randn(3, 1), _randn(3, 3)]),
    ("matrix_exp", lambda x: fg.matrix_exp(x * 3.0), [_randn(3, 3)]),
    ("orgqr", lambda a, t: fg.orgqr(a, t), [_randn(3, 2), _unit(2)]),
    # (on a factor with junk in its other triangle PyTorch's gradient is not the derivative: a true factor here)
    ("cholesky_solve", lambda b, L: fg.cholesky_solve(b, fg.tril(L)), [_randn(2, 1), _tri(2)]),
    ("cholesky_inverse_upper", lambda U: fg.cholesky_inverse(fg.triu(U), upper=True), [_tri(3)]),
    ("as_strided_scatter", lambda x, s: fg.as_strided_scatter(x, s, (2, 2), (3, 1), 1), [_randn(6), _randn(2, 2)]),
    ("triangular_solve", lambda b, a: fg.triangular_solve(b, a, upper=False).solution, [_randn(2, 2), _tri(2)]),
    ("igamma_x", lambda x: fg.igamma(fg.tensor([0.5, 2.0, 9.0], dtype=fg.float64), x),
     [np.array([0.3, 4.0, 7.0])]),
    ("gradient_coords", lambda x, c: fg.gradient(x, spacing=(c,), edge_order=2)[0],
     [_randn(4), np.array([0.0, 0.4, 1.5, 2.0])]),
    ("polar", lambda r, t: fg.view_as_real(fg.polar(r, t)), [_pos(2), _randn(2)]),
    ("cov", lambda x, w: fg.cov(x, aweights=w), [_randn(2, 4), _pos(4)]),
]


@pytest.mark.parametrize("f,arrays", [pytest.param(*c[1:], id=c[0]) for c in FD])
def test_gradients_by_finite_differences(f, arrays):
    check_grads(on_tensors(f), arrays, order=1, modes=("rev",))


def test_hand_computed_values():
    a = fg.tensor([[4.0, 3.0], [6.0, 3.0]], dtype=fg.float64)
    P, L, U = fg.lu_unpack(*fg.lu(a))
    np.testing.assert_allclose((P @ L @ U).numpy(), a.numpy())
    assert L.tolist() == [[1.0, 0.0], [4 / 6, 1.0]] and U.tolist() == [[6.0, 3.0], [0.0, 1.0]]
    np.testing.assert_allclose(fg.matrix_exp(fg.tensor([[0.0, -np.pi], [np.pi, 0.0]], dtype=fg.float64)).numpy(),
                               -np.eye(2), atol=1e-12)
    np.testing.assert_allclose(fg.matrix_exp(fg.tensor([[30.0]], dtype=fg.float64)).numpy(), [[np.exp(30.0)]],
                               rtol=1e-12)
    assert fg.gradient(fg.tensor([1.0, 4.0, 9.0, 16.0]), edge_order=2)[0].tolist() == [2.0, 4.0, 6.0, 8.0]
    assert fg.unravel_index(fg.tensor(5), 6)[0].tolist() == 5
    assert fg.nonzero_static(fg.tensor(3), size=2).shape == (2, 0)
    assert fg.as_strided_scatter(fg.zeros(2, 2), fg.ones(1), (1,), (1,), 3).tolist() == [[0.0, 0.0], [0.0, 1.0]]
    assert fg.mode(fg.tensor(3.0)).values.tolist() == 3.0
    z = fg.tensor([1.0, 2.0])
    z.exp_().log_()
    np.testing.assert_allclose(z.numpy(), [1.0, 2.0], rtol=1e-6)
    np.testing.assert_allclose(fg.igamma(fg.tensor([2.0, 50.0], dtype=fg.float64),
                                         fg.tensor([1.0, 45.0], dtype=fg.float64)).numpy(),
                               [1 - 2 / np.e, 0.24680203440017026], rtol=1e-12)


def test_sampling_is_seeded_and_has_the_right_distribution():
    g = fg.Generator().manual_seed(3)
    a = fg.bernoulli(fg.full((4000,), 0.3), generator=g)
    g.manual_seed(3)
    assert bool(fg.numpy.all(a == fg.bernoulli(fg.full((4000,), 0.3), generator=g)))
    assert abs(a.mean().item() - 0.3) < 0.03
    assert abs(fg.poisson(fg.full((4000,), 2.5), generator=g).mean().item() - 2.5) < 0.1
    b = fg.binomial(fg.full((4000,), 10.0), fg.full((4000,), 0.2), generator=g)
    assert abs(b.mean().item() - 2.0) < 0.1 and b.min().item() >= 0 and b.max().item() <= 10
    w = fg.tensor([[1.0, 0.0, 3.0, 4.0], [0.0, 1.0, 0.0, 0.0]])
    s = fg.multinomial(w, 3, generator=g)
    assert s.shape == (2, 3) and sorted(s[0].tolist()) == [0, 2, 3] and s[1, 0].item() == 1
    r = fg.multinomial(fg.tensor([1.0, 0.0, 3.0]), 4000, replacement=True, generator=g)
    assert 1 not in r.tolist() and abs(fg.numpy.mean(r == 2).item() - 0.75) < 0.03
    _ = fg.manual_seed(5)
    x = fg.zeros(3).bernoulli_(fg.tensor([1.0, 0.0, 1.0]))
    assert x.tolist() == [1.0, 0.0, 1.0] and fg.zeros(2).bernoulli_().dtype == np.float32


def test_inplace_variants_follow_the_inplace_rules():
    w = fg.tensor([0.5, 0.2], requires_grad=True)
    for call in [lambda: w.acos_(), lambda: w.atan2_(w), lambda: w.cumsum_(0), lambda: fg.exp_(w)]:
        with pytest.raises(RuntimeError, match="leaf Variable"):
            call()
    with fg.no_grad():
        r = w.cumsum_(0)
    assert r is w and w.is_leaf and w.requires_grad and np.allclose(w.detach().numpy(), [0.5, 0.7])
    with pytest.raises(RuntimeError, match="can't be cast"):
        fg.tensor([1, 2]).sqrt_()
    with pytest.raises(RuntimeError, match="float64"):
        fg.tensor([1.0]).float_power_(2)
    with pytest.raises(TypeError, match="expected a Tensor"):
        fg.exp_(1.0)


def _sq(n):
    return fg.tensor(np.eye(n) + 0.1, dtype=fg.float64)


@pytest.mark.parametrize("call,match", [
    (lambda: fg.det(fg.zeros(2, 3)), "square"),
    (lambda: fg.inverse(fg.zeros(3)), "at least 2 dimensions"),
    (lambda: fg.det(fg.tensor([[1, 2], [3, 4]])), "floating-point"),
    (lambda: fg.matrix_power(_sq(2), 1.5), "integer"),
    (lambda: fg.cholesky_solve(fg.zeros(3, 1), _sq(2)), "3 rows|2 rows"),
    (lambda: fg.lu(_sq(2), pivot=False), "pivot=True"),
    (lambda: fg.lu_unpack(_sq(2), fg.tensor([1.5, 2.0])), "integer"),
    (lambda: fg.lu_solve(fg.zeros(2, 1), _sq(2), fg.tensor([3, 2], dtype=fg.int32)), "1..2"),
    (lambda: fg.triangular_solve(fg.zeros(3, 1), _sq(2)), "rows"),
    (lambda: fg.orgqr(fg.zeros(2, 3, dtype=fg.float64), fg.zeros(2, dtype=fg.float64)), "at least as many rows"),
    (lambda: fg.orgqr(_sq(3), fg.zeros(4, dtype=fg.float64)), "tau must have shape"),
    (lambda: fg.ormqr(_sq(3), fg.zeros(2, dtype=fg.float64), fg.zeros(2, 2)), "3 rows"),
    (lambda: fg.nuclear_norm(fg.zeros(2, 2, 2)), "2-D"),
    (lambda: fg.frobenius_norm(fg.zeros(2, 2, 2), (0, 1, 2)), "one or two"),
    (lambda: fg.svd_lowrank(_sq(2), q=3), "q=3"),
    (lambda: fg.adjoint(fg.zeros(3)), "matrices"),
    (lambda: fg.zeros(2, 2, 2).H, "mH"),
    (lambda: fg.complex(fg.zeros(1), fg.zeros(1, dtype=fg.float64)), "same dtype"),
    (lambda: fg.view_as_real(fg.zeros(2)), "complex"),
    (lambda: fg.view_as_complex(fg.zeros(2, 3)), "last dimension of size 2"),
    (lambda: fg.bitwise_left_shift(fg.zeros(2), 1), "integer"),
    (lambda: fg.rsub(fg.tensor([1]), 2, alpha=0.5), "alpha"),
    (lambda: fg.as_strided_scatter(fg.zeros(4), fg.ones(3), (2,), (1,)), "src size"),
    (lambda: fg.as_strided_scatter(fg.zeros(4), fg.ones(2), (2,), (3,), 1), "outside"),
    (lambda: fg.unravel_index(fg.tensor([6]), (2, 3)), r"\[-6, 5\]"),
    (lambda: fg.unravel_index(fg.tensor([1.0]), (2, 3)), "integer"),
    (lambda: fg.cov(fg.zeros(2, 2, 2)), "two or fewer"),
    (lambda: fg.cov(fg.zeros(2, 3), fweights=fg.tensor([1.0, 1.0, 1.0])), "integral"),
    (lambda: fg.cov(fg.zeros(2, 3), aweights=fg.tensor([1.0, 1.0])), "3 observations"),
    (lambda: fg.histogram(fg.tensor([1, 2]), 2), "floating-point"),
    (lambda: fg.histogram(fg.zeros(2), 2, range=(1.0, 0.0)), "max"),
    (lambda: fg.histogramdd(fg.zeros(3, 2), 2, range=[0.0, 1.0]), "4 elements"),
    (lambda: fg.isin(1, 2), "Tensor"),
    (lambda: fg.mode(fg.zeros(2, 0), 1), "non-zero size"),
    (lambda: fg.gradient(fg.zeros(1)), "at least edge_order"),
    (lambda: fg.gradient(fg.zeros(3), edge_order=3), "edge_order"),
    (lambda: fg.gradient(fg.zeros(3, 3), spacing=[1.0]), "length 2"),
    (lambda: fg.gradient(fg.zeros(3), spacing=(fg.zeros(2),)), "3 values"),
    (lambda: fg.bernoulli(fg.tensor([1.5])), r"\[0, 1\]"),
    (lambda: fg.bernoulli(fg.tensor([1])), "floating-point"),
    (lambda: fg.multinomial(fg.tensor([1.0, 1.0]), 3), "without replacement"),
    (lambda: fg.multinomial(fg.tensor([1.0, -1.0]), 1), "< 0"),
    (lambda: fg.multinomial(fg.zeros(2), 1), "sum of probabilities"),
    (lambda: fg.poisson(fg.tensor([-1.0])), "non-negative"),
    (lambda: fg.binomial(fg.tensor([2.0]), fg.tensor([2.0])), r"\[0, 1\]"),
])
def test_bad_input_raises_a_clear_error(call, match):
    with pytest.raises((RuntimeError, IndexError, TypeError, ValueError), match=match):
        call()


def test_under_a_transform():
    def f(v):
        t = Tensor._from_value(v)
        A = fnp.reshape(t, (2, 2))
        return fnp.sum(fg.matrix_exp(A) + fg.lu(A)[0] + fg.det(A))._v

    x = np.array([1.0, 0.3, -0.2, 2.0])
    check_grads(f, [x], order=1, modes=("rev",))
    assert np.isfinite(fg.grad(f)(x)).all()
