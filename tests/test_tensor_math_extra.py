"""torch math, reductions/scans and ``funcgrad.special`` (funcgrad/tensors/pointwise.py, funcgrad/tensors/statistics.py,
funcgrad/special.py).

Parity tests run the same code against ``torch`` and ``funcgrad`` and compare values, dtypes and gradients in
float64; they skip when torch is missing. Results PyTorch does not differentiate are checked to have no graph.
Finite-difference checks (``check_grads``), hand-computed values and error tests need no torch.
"""
import math

import numpy as np
import pytest

import funcgrad as fg
from parity import check_against_torch, torch_dtype
import funcgrad.numpy as fnp
import funcgrad.special  # noqa: F401
from funcgrad.tensors.tensor import Tensor
from funcgrad.testing import check_grads

rng = np.random.default_rng(5)


def _randn(*shape):
    return rng.standard_normal(shape)


def _unit(*shape):
    return rng.uniform(-0.95, 0.95, shape)


def _prob(*shape):
    return rng.uniform(0.02, 0.98, shape)


def _pos(*shape):
    return rng.uniform(0.3, 4.0, shape)


def _flat(m, outs):
    return m.cat([o.reshape(-1) * (i + 1) for i, o in enumerate(outs)])


def _sp(m):
    return m.special


def _d(m, a):
    return m.tensor(a, dtype=m.float64)


TIES = np.array([[1.0, 3.0, 3.0, 0.5], [2.0, 2.0, 1.0, 2.0], [0.0, -1.0, 4.0, 4.0]])
NANS = np.array([[1.0, np.nan, 3.0, 0.5], [2.0, 5.0, 1.0, -2.0], [np.nan, -1.0, 4.0, 7.0]])
WIDE = np.array([-30.0, -6.0, -2.5, -0.7, 0.0, 0.3, 1.9, 2.1, 5.5, 27.0])
NEG = np.array([-3.7, -2.2, -0.6, 0.2, 0.5, 1.0, 2.5, 9.3, 40.0, 170.0])

CASES = [
    # torch_math: elementwise
    ("logaddexp", lambda m, x, y: m.logaddexp(x, y) + x.logaddexp(y * 100), [_randn(5), _randn(5)]),
    ("logaddexp2", lambda m, x, y: m.logaddexp2(x, y) + x.logaddexp2(y - 50), [_randn(5), _randn(5)]),
    ("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=0.5) + a.addcmul(b, c), [_randn(3), _randn(2, 3),
                                                                                  _randn(3)]),
    ("addcdiv", lambda m, a, b, c: m.addcdiv(a, b, c, value=-2) + a.addcdiv(b, c), [_randn(3), _randn(3), _pos(3)]),
    ("baddbmm", lambda m, i, a, b: m.baddbmm(i, a, b, beta=0.5, alpha=2.0) + i.baddbmm(a, b),
     [_randn(2, 2, 3), _randn(2, 2, 4), _randn(2, 4, 3)]),
    ("baddbmm_beta0", lambda m, i, a, b: m.baddbmm(i, a, b, beta=0), [_randn(2, 2, 3), _randn(2, 2, 4),
                                                                      _randn(2, 4, 3)]),
    ("addbmm", lambda m, i, a, b: m.addbmm(i, a, b, alpha=0.5) + i.addbmm(a, b, beta=2), [_randn(2, 3),
                                                                                        _randn(3, 2, 4),
                                                                                        _randn(3, 4, 3)]),
    ("addmv", lambda m, i, a, v: m.addmv(i, a, v, beta=2, alpha=3) + i.addmv(a, v), [_randn(2), _randn(2, 3),
                                                                                   _randn(3)]),
    ("addr", lambda m, i, a, b: m.addr(i, a, b, beta=0.5) + i.addr(a, b, alpha=2), [_randn(2, 3), _randn(2),
                                                                                  _randn(3)]),
    ("nan_to_num", lambda m, x: m.nan_to_num(x * m.tensor([1.0, np.nan, np.inf, -np.inf, 1.0], dtype=m.float64),
                                             nan=0.5, posinf=2.0) +
     (x * m.tensor([np.nan, 1.0, 1.0, 1.0, -np.inf], dtype=m.float64)).nan_to_num(), [_pos(5)]),
    ("copysign", lambda m, x, y: m.copysign(x, y) + x.copysign(-1.0), [_randn(5), _randn(5)]),
    ("ldexp", lambda m, x, e: m.ldexp(x, e) + x.ldexp(e), [_randn(4), _randn(4)]),
    ("deg2rad_rad2deg", lambda m, x: _flat(m, [m.deg2rad(x), x.rad2deg()]), [_randn(4)]),
    ("positive", lambda m, x: m.positive(x) * x.positive(), [_randn(3)]),
    ("logdet", lambda m, x: m.logdet(x @ x.mT + m.eye(3, dtype=m.float64)) + x.logdet(),
     [_randn(3, 3) + 3 * np.eye(3)]),
    ("logdet_batch", lambda m, x: m.logdet(x @ x.mT + 0.5 * m.eye(2, dtype=m.float64)), [_randn(3, 2, 2)]),
    ("renorm", lambda m, x: m.renorm(x, 2, 0, 1.5) + x.renorm(1, 1, 2.0), [_randn(3, 3) * 2]),
    ("renorm_inf", lambda m, x: m.renorm(x, float("inf"), 1, 1.0), [_randn(3, 2, 2) * 2]),
    ("renorm_zero_slice", lambda m, x: m.renorm(x * m.tensor([[0.0], [1.0], [1.0]], dtype=m.float64), 2, 0, 1.0),
     [_randn(3, 2) * 2]),
    ("nextafter", lambda m, x, y: m.nextafter(x, y), [_randn(4), _randn(4)]),
    ("frexp_mantissa", lambda m, x: m.frexp(x).mantissa + x.frexp()[0], [_randn(5) * 10]),
    ("erf_erfc_method", lambda m, x: _flat(m, [x.erf(), x.erfc(), m.erf(x * 3), m.erfc(x * 3)]), [_randn(6)]),
    ("erfinv", lambda m, x: m.erfinv(x) + x.erfinv(), [_unit(6)]),
    ("lgamma_digamma", lambda m, x: _flat(m, [m.lgamma(x), x.lgamma(), m.digamma(x), x.digamma()]), [NEG]),
    ("polygamma", lambda m, x: _flat(m, [m.polygamma(2, x), x.polygamma(3), m.polygamma(4, x)]), [_pos(5)]),
    # (torch's trigamma is accurate to 5e-10 relative only; funcgrad's to a few ulps: a looser tolerance)
    ("polygamma1", lambda m, x: _flat(m, [m.polygamma(1, x), x.polygamma(1)]), [_pos(5)], 2e-9),
    ("polygamma1_negative", lambda m, x: m.polygamma(1, x), [np.array([-2.5, -0.3, 0.7])], 2e-9),
    ("mvlgamma", lambda m, x: m.mvlgamma(x, 3) + x.mvlgamma(1), [_pos(4) + 1.0]),
    ("xlogy", lambda m, x, y: m.xlogy(x, y) + x.xlogy(2.0), [_randn(4), _pos(4)]),
    ("i0_sinc", lambda m, x: _flat(m, [m.i0(x), x.i0(), m.sinc(x), x.sinc()]), [_randn(5) * 3]),
    ("logit", lambda m, p: _flat(m, [m.logit(p), p.logit(eps=0.1)]), [_prob(6)]),
    ("cdist_p2", lambda m, a, b: m.cdist(a, b), [_randn(3, 2), _randn(4, 2)]),
    ("cdist_p1_batch", lambda m, a, b: m.cdist(a, b, p=1), [_randn(2, 3, 4), _randn(2, 2, 4)]),
    ("cdist_pinf", lambda m, a, b: m.cdist(a, b, p=float("inf")), [_randn(3, 2), _randn(2, 2)]),
    ("cdist_p3", lambda m, a, b: m.cdist(a, b, p=3.0), [_randn(3, 2), _randn(2, 2)]),
    ("cdist_p0", lambda m, a, b: m.cdist(a, b, p=0), [_randn(3, 2), _randn(2, 2)]),
    ("chain_matmul", lambda m, a, b, c: m.chain_matmul(a, b, c), [_randn(2, 3), _randn(3, 4), _randn(4, 2)]),
    # torch_reduce
    ("logcumsumexp", lambda m, x: m.logcumsumexp(x, 1) + x.logcumsumexp(0), [_randn(3, 5)]),
    ("cummax", lambda m, x: m.cummax(x, 1).values + x.cummax(0)[0], [TIES]),
    ("cummin", lambda m, x: m.cummin(x, -1).values + x.cummin(dim=0).values, [TIES]),
    ("kthvalue", lambda m, x: m.kthvalue(x, 2).values + x.kthvalue(3, 1).values, [TIES + _randn(3, 4) * 1e-3]),
    ("kthvalue_keepdim", lambda m, x: m.kthvalue(x, 1, 0, keepdim=True).values, [_randn(3, 4)]),
    ("median_full_ties", lambda m, x: m.median(x) + x.median(), [TIES]),
    ("median_dim", lambda m, x: m.median(x, 1).values + x.median(dim=0, keepdim=True).values.sum(),
     [_randn(3, 4)]),
    ("nanmedian", lambda m, x: m.nanmedian(x) + x.nanmedian(1).values.sum(), [_randn(3, 4)]),
    ("quantile", lambda m, x: _flat(m, [m.quantile(x, 0.3), x.quantile(m.tensor([0.1, 0.5, 1.0], dtype=m.float64),
                                                                        dim=1, keepdim=True)]), [_randn(3, 5)]),
    ("quantile_interpolations", lambda m, x: _flat(m, [m.quantile(x, 0.4, 0, interpolation=i) for i in
                                                       ("lower", "higher", "midpoint", "nearest")]),
     [_randn(6, 2)]),
    ("nanquantile", lambda m, x: _flat(m, [m.nanquantile(x, 0.7), x.nanquantile(0.25, dim=0)]), [_randn(4, 3)]),
    ("nanmean_nansum", lambda m, x: _flat(m, [m.nanmean(x), x.nanmean(1), m.nansum(x, 0), x.nansum()]),
     [_randn(3, 4)]),
    ("trapezoid", lambda m, y, x: _flat(m, [m.trapezoid(y), m.trapz(y, dx=0.5), m.trapezoid(y, x, dim=1),
                                            m.trapezoid(y, dim=0)]), [_randn(3, 4), _randn(4)]),
    ("cumulative_trapezoid", lambda m, y, x: _flat(m, [m.cumulative_trapezoid(y), m.cumulative_trapezoid(y, x),
                                                       m.cumulative_trapezoid(y, dx=2.0, dim=0)]),
     [_randn(3, 4), _randn(3, 4)]),
    # funcgrad.special (torch.special)
    ("erf_family", lambda m, x: _flat(m, [_sp(m).erf(x), _sp(m).erfc(x), _sp(m).erfcx(x)]), [WIDE]),
    ("erfinv_ndtri", lambda m, p: _flat(m, [_sp(m).erfinv(2 * p - 1), _sp(m).ndtri(p)]),
     [np.array([1e-9, 0.01, 0.2, 0.5, 0.74, 0.76, 0.99, 1 - 1e-9])]),
    ("ndtr_log_ndtr", lambda m, x: _flat(m, [_sp(m).ndtr(x), _sp(m).log_ndtr(x)]), [WIDE]),
    ("expit_logit", lambda m, x: _flat(m, [_sp(m).expit(x), _sp(m).logit(_sp(m).expit(x), eps=0.2)]), [WIDE]),
    ("exp2_expm1_log1p", lambda m, x: _flat(m, [_sp(m).exp2(x), _sp(m).expm1(x), _sp(m).log1p(x.abs())]),
     [_randn(6)]),
    ("gammaln_psi", lambda m, x: _flat(m, [_sp(m).gammaln(x), _sp(m).digamma(x), _sp(m).psi(x)]), [NEG]),
    ("special_polygamma", lambda m, x: _flat(m, [_sp(m).polygamma(0, x), _sp(m).polygamma(4, x)]), [_pos(4)]),
    ("multigammaln", lambda m, x: _sp(m).multigammaln(x, 4), [_pos(4) + 2.0]),
    ("bessel", lambda m, x: _flat(m, [_sp(m).i0(x), _sp(m).i0e(x), _sp(m).i1(x), _sp(m).i1e(x)]),
     [np.array([-30.0, -8.0, -0.5, 0.0, 0.1, 3.0, 19.5, 20.5, 60.0])]),
    ("sinc_entr", lambda m, x: _flat(m, [_sp(m).sinc(x), _sp(m).entr(x.abs())]), [_randn(5)]),
    ("xlogy_xlog1py", lambda m, x, y: _flat(m, [_sp(m).xlogy(x, y), _sp(m).xlog1py(x, y), _sp(m).xlogy(3.0, y)]),
     [_randn(4), _pos(4)]),
    ("logsumexp_softmax", lambda m, x: _flat(m, [_sp(m).logsumexp(x, 1), _sp(m).softmax(x, 0),
                                                 _sp(m).log_softmax(x, -1)]), [_randn(3, 4)]),
    ("special_round", lambda m, x: _sp(m).round(x * 3) + x, [_randn(4)]),
    ("gammainc", lambda m, x: _flat(m, [_sp(m).gammainc(m.tensor([0.4, 2.0, 7.0], dtype=m.float64), x),
                                        _sp(m).gammaincc(m.tensor([0.4, 2.0, 7.0], dtype=m.float64), x)]),
     [np.array([0.1, 3.5, 6.0])]),
]


@pytest.mark.parametrize("fn,arrays,rtol", [pytest.param(*c[1:3], c[3] if len(c) > 3 else 1e-10, id=c[0])
                                             for c in CASES])
def test_values_and_gradients_match_pytorch(fn, arrays, rtol):
    check_against_torch(fn, arrays, rtol=rtol, grad_rtol=max(rtol, 1e-8), grad_atol=1e-10)


# results PyTorch does not differentiate (or only through indices), and edge values: values and dtypes
NONDIFF = [
    ("heaviside", lambda m: m.heaviside(_d(m, [-1.0, 0.0, 2.0, np.nan]), _d(m, [0.5]))),
    ("heaviside_method", lambda m: m.tensor([0, 3, -2]).heaviside(m.tensor([7]))),
    ("gcd_lcm", lambda m: m.cat([m.gcd(m.tensor([12, -8, 0, 7]), m.tensor([18, 12, 5, 0])),
                                 m.tensor([4, -3, 0]).lcm(m.tensor([6, 4, 2]))])),
    ("signbit", lambda m: m.signbit(_d(m, [-0.0, 0.0, -2.0, np.inf]))),
    ("signbit_int", lambda m: m.tensor([-1, 2]).signbit()),
    ("nextafter_values", lambda m: m.nextafter(_d(m, [1.0, 0.0, -1.0]), _d(m, [2.0, -1.0, -1.0]))),
    ("bitwise", lambda m: m.cat([m.bitwise_and(m.tensor([12, -3]), m.tensor([10, 7])),
                                 m.tensor([12, -3]).bitwise_or(m.tensor([10, 7])),
                                 m.bitwise_xor(m.tensor([12, -3]), 5), m.bitwise_not(m.tensor([0, 5]))])),
    ("bitwise_bool", lambda m: m.bitwise_xor(m.tensor([True, False]), m.tensor([True, True])).bitwise_not()),
    ("isneginf_isposinf", lambda m: m.stack([m.isneginf(_d(m, [-np.inf, np.inf, np.nan, 1.0])),
                                             _d(m, [-np.inf, np.inf, np.nan, 1.0]).isposinf()])),
    ("isposinf_int", lambda m: m.isposinf(m.tensor([1, 2]))),
    ("isreal", lambda m: m.isreal(m.tensor([1.0 + 0.0j, 1.0j]))),
    ("isreal_float", lambda m: m.tensor([1.0]).isreal()),
    ("frexp_exponent", lambda m: m.frexp(_d(m, [8.0, 0.3, -5.0, 0.0])).exponent),
    ("frexp_float32", lambda m: m.frexp(m.tensor([8.0, 0.3])).mantissa),
    ("histc", lambda m: m.histc(_d(m, [0.1, 0.5, 2.2, 1.7, 3.0, 9.0]), bins=4, min=0, max=3)),
    ("histc_data_range", lambda m: _d(m, [0.1, 0.5, 2.2, 1.7]).histc(bins=3)),
    ("bincount", lambda m: m.bincount(m.tensor([0, 2, 2, 5]), minlength=7)),
    ("bincount_weights", lambda m: m.tensor([0, 1, 1]).bincount(_d(m, [0.5, 1.0, 2.0]))),
    ("bincount_weights_float32", lambda m: m.bincount(m.tensor([0, 1, 1]), m.tensor([0.5, 1.0, 2.0]))),
    ("zeta", lambda m: m.special.zeta(_d(m, [2.0, 3.5, 1.0, 0.5, 2.0]), _d(m, [1.0, 2.5, 1.0, 1.0, -2.0]))),
    ("zeta_scalar_q", lambda m: m.special.zeta(_d(m, [2.0, 4.0]), 3.0)),
    ("cummax_indices", lambda m: m.cummax(_d(m, TIES), 1).indices),
    ("cummin_indices_nan", lambda m: m.cummin(_d(m, NANS), 1).indices),
    ("cummax_values_nan", lambda m: m.cummax(_d(m, NANS), 1).values),
    ("kthvalue_indices", lambda m: m.kthvalue(_d(m, [[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]]), 2).indices),
    ("median_indices", lambda m: m.median(_d(m, [[3.0, 1.0, 2.0, 7.0], [0.0, 5.0, 4.0, 4.5]]), 1).indices),
    ("median_nan", lambda m: m.stack([m.median(_d(m, NANS)), m.nanmedian(_d(m, NANS))])),
    ("median_dim_nan", lambda m: m.median(_d(m, NANS), 1).values),
    ("median_dim_nan_indices", lambda m: m.median(_d(m, NANS), 1).indices),
    ("nanmedian_dim", lambda m: m.nanmedian(_d(m, NANS), 1).values),
    ("nanmedian_dim_indices", lambda m: m.nanmedian(_d(m, NANS), 1).indices),
    ("quantile_nan", lambda m: m.quantile(_d(m, NANS), 0.5, dim=1)),
    ("nanquantile_nan", lambda m: m.nanquantile(_d(m, NANS), _d(m, [0.2, 0.9]), dim=1)),
    ("nanquantile_all_nan", lambda m: m.nanquantile(_d(m, [[np.nan, np.nan], [1.0, 2.0]]), 0.5, dim=1)),
    ("nanmean_nan", lambda m: m.nanmean(_d(m, NANS), 0)),
    ("nansum_int", lambda m: m.nansum(m.tensor([1, 2, 3], dtype=m.int32))),
    ("nansum_nan", lambda m: _d(m, NANS).nansum(1, keepdim=True)),
    ("erf_int", lambda m: m.erf(m.tensor([0, 1]))),
    ("logaddexp_float32", lambda m: m.logaddexp(m.tensor([1.0, -3.0]), m.tensor([2.0, 5.0]))),
    ("digamma_poles", lambda m: m.digamma(_d(m, [0.0, -0.0, -1.0, -2.0]))),
    ("lgamma_poles", lambda m: m.lgamma(_d(m, [0.0, -1.0, -2.0, 1.0]))),
    ("lgamma_infinities", lambda m: m.lgamma(_d(m, [np.inf, -np.inf, np.nan]))),
    ("erfinv_edges", lambda m: m.erfinv(_d(m, [1.0, -1.0, 1.5]))),
    ("ndtri_edges", lambda m: m.special.ndtri(_d(m, [0.0, 1.0, -0.5]))),
    ("log_ndtr_tail", lambda m: m.special.log_ndtr(_d(m, [-200.0, -38.5, 10.0, 40.0]))),
    ("entr_edges", lambda m: m.special.entr(_d(m, [0.0, -1.0, np.inf]))),
    ("xlogy_zero", lambda m: m.xlogy(_d(m, [0.0, 0.0, 1.0]), _d(m, [0.0, np.nan, 0.0]))),
    ("i0_large", lambda m: m.special.i0e(_d(m, [500.0, -700.0]))),
    ("trapezoid_int", lambda m: m.trapezoid(m.tensor([1, 2, 4]))),
    ("copysign_int", lambda m: m.copysign(m.tensor([1, -2]), -1)),
    ("median_int", lambda m: m.stack([m.median(m.tensor([3, 1, 2, 7])), m.tensor([[4, 1]]).median()])),
    ("addcdiv_int_float32", lambda m: m.addcdiv(m.tensor([1.0, 2.0]), m.tensor([1, 2]), m.tensor([2.0, 4.0]))),
    ("addcmul_int_float32", lambda m: m.addcmul(m.tensor([1, 2]), m.tensor([1.5, 2.0]), m.tensor([2, 4]))),
    ("addcmul_int", lambda m: m.addcmul(m.tensor([1, 2]), m.tensor([1, 2]), m.tensor([2, 4]), value=3)),
    # float32 inputs are computed in float64 and rounded: as accurate as PyTorch's float32 kernels
    ("gammaln_float32", lambda m: m.special.gammaln(m.tensor([1.0, 2.0, 0.5, -0.5, -2.5, 10.0, 1e10]))),
    ("digamma_float32", lambda m: m.special.digamma(m.tensor([1.0, 2.0, 0.5, -1.5, 10.0]))),
    ("erf_family_float32", lambda m: m.cat([m.special.erf(m.tensor([0.1, 1.5, 3.0])),
                                            m.special.erfc(m.tensor([0.1, 1.5, 5.0])),
                                            m.special.erfinv(m.tensor([0.1, 0.6, 0.999]))])),
    ("bessel_float32", lambda m: m.cat([m.special.i0(m.tensor([0.1, 5.0, 30.0])),
                                        m.special.i1e(m.tensor([-0.1, 5.0, 30.0]))])),
]


@pytest.mark.parametrize("fn", [pytest.param(c[1], id=c[0]) for c in NONDIFF])
def test_other_results_match_pytorch(fn):
    torch = pytest.importorskip("torch")
    import torch.special  # noqa: F401

    ours, theirs = fn(fg), fn(torch)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == torch_dtype(theirs)
    tol = 1e-6 if ours.dtype in (np.float32, np.complex64) else 1e-12
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=tol, atol=tol * 1e-2)


NO_GRAD = [
    ("heaviside", lambda x: fg.heaviside(x, fg.tensor(0.5, dtype=fg.float64))),
    ("gcd", lambda x: fg.gcd(fg.tensor([4]), fg.tensor([6]))),
    ("signbit", fg.signbit), ("isneginf", fg.isneginf), ("isposinf", fg.isposinf), ("isreal", fg.isreal),
    ("frexp_exponent", lambda x: fg.frexp(x).exponent), ("histc", lambda x: fg.histc(x, 4)),
    ("nextafter_other", lambda x: fg.nextafter(fg.tensor([1.0], dtype=fg.float64), x[:1])),
    ("bincount", lambda x: fg.bincount(fg.tensor([0, 1]), weights=x[:2])),
    ("zeta", lambda x: fg.special.zeta(x + 2.0, 1.0)),
    ("cummax_indices", lambda x: fg.cummax(x, 0).indices),
    ("kthvalue_indices", lambda x: fg.kthvalue(x, 1).indices),
    ("bitwise_not", lambda x: fg.bitwise_not(fg.tensor([1]))),
]


@pytest.mark.parametrize("fn", [pytest.param(c[1], id=c[0]) for c in NO_GRAD])
def test_what_pytorch_does_not_differentiate_has_no_graph(fn):
    x = fg.tensor([0.5, -1.0, 2.0], dtype=fg.float64, requires_grad=True)
    out = fn(x)
    assert out.grad_fn is None and not out.requires_grad


def test_pytorch_does_not_differentiate_those_either():
    torch = pytest.importorskip("torch")
    x = torch.tensor([2.0, 3.0], dtype=torch.float64, requires_grad=True)
    for out in [torch.special.zeta(x, 1.0), torch.heaviside(x, torch.tensor(0.5, dtype=torch.float64))]:
        with pytest.raises(RuntimeError, match="not implemented"):
            out.sum().backward()
    assert torch.histc(x).grad_fn is None and torch.signbit(x).grad_fn is None


# --- without torch -----------------------------------------------------------------------------------------------
def on_tensors(f):
    def g(*arrays):
        return f(*[Tensor._from_value(a) for a in arrays])._v
    return g


FD = [
    ("logaddexp", lambda x, y: fg.logaddexp(x, y), [_randn(3), _randn(3)]),
    ("cdist_p1_5", lambda a, b: fg.cdist(a, b, p=1.5), [_randn(3, 2), _randn(2, 2)]),
    ("renorm", lambda x: fg.renorm(x, 2, 1, 1.0), [_randn(3, 2) * 3]),
    ("erf_both_branches", lambda x: fg.special.erf(x) + fg.special.erfc(x), [np.array([-2.5, -0.3, 1.0, 3.0])]),
    ("erfcx", lambda x: fg.special.erfcx(x), [np.array([-2.5, -0.3, 1.0, 27.0])]),
    ("erfinv", lambda x: fg.special.erfinv(x), [np.array([-0.9, -0.2, 0.3, 0.7])]),
    ("ndtri", lambda p: fg.special.ndtri(p), [np.array([0.01, 0.3, 0.6, 0.97])]),
    ("log_ndtr", lambda x: fg.special.log_ndtr(x), [np.array([-10.0, -1.0, 0.5, 4.0])]),
    ("gammaln_reflection", lambda x: fg.special.gammaln(x), [np.array([-2.4, -0.7, 0.3, 6.0])]),
    ("digamma", lambda x: fg.special.digamma(x), [np.array([-1.5, 0.4, 3.0, 12.0])]),
    ("polygamma2", lambda x: fg.special.polygamma(2, x), [np.array([0.6, 2.0, 9.0])]),
    ("bessel", lambda x: fg.special.i1(x) + fg.special.i0e(x), [np.array([-25.0, -2.0, 0.5, 22.0])]),
    ("entr_xlog1py", lambda x: fg.special.entr(x) + fg.special.xlog1py(x, x), [np.array([0.2, 1.0, 3.0])]),
    ("gammainc_x", lambda x: fg.special.gammainc(fg.tensor([1.5, 4.0], dtype=fg.float64), x), [np.array([0.8, 6.0])]),
    ("logcumsumexp", lambda x: fg.logcumsumexp(x, 0), [_randn(5)]),
    ("quantile", lambda x: fg.quantile(x, fg.tensor([0.35, 0.8], dtype=fg.float64), dim=0), [_randn(5, 2)]),
    ("median_full", lambda x: fg.median(x), [_randn(7)]),
    ("nanmean", lambda x: fg.nanmean(x, 1), [_randn(2, 3)]),
    ("cumulative_trapezoid", lambda y, x: fg.cumulative_trapezoid(y, x), [_randn(4), np.array([0.0, 0.5, 1.7, 2.0])]),
    ("logdet", lambda x: fg.logdet(x), [np.eye(3) * 2 + _randn(3, 3) * 0.2]),
    ("copysign", lambda x: fg.copysign(x, -1.0), [_randn(3)]),
]


@pytest.mark.parametrize("f,arrays", [pytest.param(*c[1:], id=c[0]) for c in FD])
def test_gradients_by_finite_differences(f, arrays):
    check_grads(on_tensors(f), arrays, order=1, modes=("rev",))


def test_hand_computed_values():
    d = fg.float64
    np.testing.assert_allclose(fg.special.erf(fg.tensor([0.5, 3.0], dtype=d)).numpy(),
                               [math.erf(0.5), math.erf(3.0)], rtol=1e-14)
    np.testing.assert_allclose(fg.special.erfc(fg.tensor([6.0], dtype=d)).numpy(), [math.erfc(6.0)], rtol=1e-12)
    np.testing.assert_allclose(fg.special.gammaln(fg.tensor([0.5, 10.0, -1.5], dtype=d)).numpy(),
                               [math.lgamma(0.5), math.lgamma(10.0), math.lgamma(-1.5)], rtol=1e-13)
    np.testing.assert_allclose(fg.special.zeta(fg.tensor([2.0, 4.0], dtype=d), 1.0).numpy(),
                               [math.pi ** 2 / 6, math.pi ** 4 / 90], rtol=1e-12)
    np.testing.assert_allclose(fg.special.i0(fg.tensor([1.0], dtype=d)).numpy(), [1.2660658777520082], rtol=1e-13)
    np.testing.assert_allclose(fg.special.ndtri(fg.tensor([0.975], dtype=d)).numpy(), [1.959963984540054],
                               rtol=1e-12)
    np.testing.assert_allclose(fg.special.gammainc(fg.tensor([1.0], dtype=d), fg.tensor([2.0], dtype=d)).numpy(),
                               [1 - math.exp(-2.0)], rtol=1e-13)
    assert fg.median(fg.tensor([1.0, 4.0, 2.0, 3.0])).item() == 2.0
    assert fg.kthvalue(fg.tensor([5.0, 1.0, 3.0]), 3).values.item() == 5.0
    assert fg.quantile(fg.tensor([0.0, 1.0, 2.0, 3.0]), 0.5, interpolation="nearest").item() == 2.0
    assert fg.bincount(fg.tensor([], dtype=fg.int64), minlength=2).tolist() == [0, 0]
    assert fg.histc(fg.tensor([2.0, 2.0]), bins=2).tolist() == [0.0, 2.0]
    assert fg.frexp(fg.tensor([0.0])).exponent.tolist() == [0]
    assert fg.gcd(fg.tensor([0]), fg.tensor([0])).tolist() == [0]
    assert fg.nextafter(fg.tensor([0.0], dtype=d), fg.tensor([1.0], dtype=d)).item() == 5e-324
    assert np.abs(fg.lgamma(fg.tensor([1.0, 2.0])).numpy()).max() < 1e-14  # float32, computed in float64
    assert fg.heaviside(fg.tensor([float("nan")]), fg.tensor([0.5])).tolist() == [0.0]  # PyTorch: NaN is not > 0
    assert fg.median(fg.tensor([3, 1, 2])).dtype == np.int64
    z = fg.tensor([1.0, 3.0], requires_grad=True)
    fnp.sum(fg.frexp(z).mantissa + fg.nextafter(z, fg.tensor([0.0, 5.0]))).backward()
    assert z.grad.tolist() == [1.5, 1.25]  # 1/2**exponent + 1
    x = fg.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    fg.median(x).backward()  # the lower median 2.0: all of the gradient to the one element holding it
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]
    y = fg.tensor([3.0, 1.0, 3.0], requires_grad=True)
    fg.median(y).backward()  # a tie at the median: the gradient split between the two
    assert y.grad.tolist() == [0.5, 0.0, 0.5]
    r = fg.tensor([[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
    fnp.sum(fg.renorm(r, 2, 0, 1.0)).backward()  # a zero slice is left alone, with gradient 1 and no NaN
    assert r.grad[0].tolist() == [1.0, 1.0]


def test_methods_are_attached():
    t = fg.tensor([[1.0, 2.0], [3.0, 0.5]])
    for name in ["logaddexp", "addcmul", "nan_to_num", "copysign", "erf", "erfinv", "lgamma", "digamma", "xlogy",
                 "i0", "sinc", "logit", "polygamma", "logdet", "renorm", "cummax", "kthvalue", "median", "nanmedian",
                 "quantile", "nanquantile", "nanmean", "nansum", "histc", "bincount", "logcumsumexp", "frexp",
                 "histogram", "mode"]:
        assert callable(getattr(t, name)), name
    assert t.polygamma(1).shape == (2, 2) and t.erf().shape == (2, 2)


@pytest.mark.parametrize("call,match", [
    (lambda: fg.addcdiv(fg.zeros(1), fg.tensor([1]), fg.tensor([2])), "integer division"),
    (lambda: fg.baddbmm(fg.zeros(1), fg.zeros(2, 2, 3), fg.zeros(2, 4, 3)), "baddbmm"),
    (lambda: fg.addbmm(fg.zeros(1), fg.zeros(2, 2), fg.zeros(2, 2)), "addbmm"),
    (lambda: fg.addmv(fg.zeros(1), fg.zeros(2, 3), fg.zeros(2)), "addmv"),
    (lambda: fg.addr(fg.zeros(1), fg.zeros(2, 2), fg.zeros(2)), "1-D"),
    (lambda: fg.baddbmm(fg.zeros(3, 3, 3), fg.zeros(1, 2, 2), fg.zeros(1, 2, 2)), "does not broadcast"),
    (lambda: fg.cdist(fg.zeros(2, 3), fg.zeros(2, 2)), "same M"),
    (lambda: fg.cdist(fg.zeros(2, 2), fg.zeros(2, 2), p=-1), "non-negative"),
    (lambda: fg.cdist(fg.tensor([[1]]), fg.tensor([[1]])), "floating-point"),
    (lambda: fg.heaviside(fg.zeros(1), fg.zeros(1, dtype=fg.float64)), "different dtypes"),
    (lambda: fg.gcd(fg.zeros(1), fg.zeros(1)), "integer"),
    (lambda: fg.nextafter(fg.tensor([1]), fg.tensor([2])), "floating"),
    (lambda: fg.bitwise_and(fg.zeros(1), fg.zeros(1)), "integer and boolean"),
    (lambda: fg.bitwise_not(fg.zeros(1)), "integer and boolean"),
    (lambda: fg.frexp(fg.tensor([1])), "floating-point"),
    (lambda: fg.positive(fg.tensor([True])), "bool"),
    (lambda: fg.logdet(fg.zeros(2, 3)), "square"),
    (lambda: fg.renorm(fg.zeros(3), 2, 0, 1.0), "at least 2"),
    (lambda: fg.renorm(fg.zeros(2, 2), 0, 0, 1.0), "non-positive"),
    (lambda: fg.renorm(fg.zeros(2, 2), 2, 0, -1.0), "maxnorm"),
    (lambda: fg.chain_matmul(), "one or more"),
    (lambda: fg.chain_matmul(fg.zeros(2, 2), fg.zeros(2)), "2-D"),
    (lambda: fg.polygamma(-1, fg.zeros(1)), "negative or non-integer"),
    (lambda: fg.polygamma(1.5, fg.zeros(1)), "negative or non-integer"),
    (lambda: fg.mvlgamma(fg.tensor([0.2]), 2), "greater than"),
    (lambda: fg.mvlgamma(fg.tensor([3.0]), 0), "p has to be"),
    (lambda: fg.special.erf(fg.tensor([1j])), "complex"),
    (lambda: fg.kthvalue(fg.zeros(3), 4), "out of range"),
    (lambda: fg.kthvalue(fg.zeros(3), 1, dim=1), "Dimension out of range"),
    (lambda: fg.median(fg.zeros(2, 0), 1), "non-zero size"),
    (lambda: fg.quantile(fg.tensor([1, 2]), 0.5), "float or double"),
    (lambda: fg.quantile(fg.zeros(2), 1.5), "range"),
    (lambda: fg.quantile(fg.zeros(2), fg.zeros(2, 2)), "scalar or 1D"),
    (lambda: fg.quantile(fg.zeros(2), 0.5, interpolation="cubic"), "interpolation"),
    (lambda: fg.quantile(fg.zeros(0), 0.5), "non-empty"),
    (lambda: fg.nanmean(fg.tensor([1, 2])), "floating point"),
    (lambda: fg.histc(fg.tensor([1, 2])), "floating-point"),
    (lambda: fg.histc(fg.zeros(2), bins=0), "bins"),
    (lambda: fg.histc(fg.zeros(2), min=2, max=1), "max must be larger"),
    (lambda: fg.bincount(fg.tensor([-1, 2])), "negative"),
    (lambda: fg.bincount(fg.tensor([[1]])), "1-d"),
    (lambda: fg.bincount(fg.tensor([1, 2]), weights=fg.tensor([1.0])), "same length"),
    (lambda: fg.trapezoid(fg.tensor(1.0)), "at least one dimension"),
    (lambda: fg.trapezoid(fg.zeros(3), fg.zeros(2)), "does not match"),
    (lambda: fg.trapezoid(fg.zeros(3), fg.zeros(3), dx=1.0), "either x or dx"),
    (lambda: fg.tensor([1, 2]).frac(), "frac: not defined for int64"),
])
def test_bad_input_raises_a_clear_error(call, match):
    with pytest.raises((RuntimeError, IndexError, TypeError, ValueError), match=match):
        call()


def test_under_a_transform():
    def f(v):
        t = Tensor._from_value(v)
        out = fg.special.erf(t) * fg.logcumsumexp(t, 0) + fg.quantile(t, 0.5) + fg.special.gammaln(t + 3.0)
        return fnp.sum(out)._v

    x = np.array([0.3, -1.2, 2.0])
    check_grads(f, [x], order=1, modes=("rev", "fwd"))
