"""Every in-place Tensor method, as a call on a square float tensor and (where a Python number goes in) the same
update done on a NumPy array: shared by the memory and the precision tests. ``test_the_table_covers_every_method``
fails when a Tensor method ending in ``_`` has no row here."""
import numpy as np

import funcgrad as fg

N = 8  # the tensors are N x N
IDX = [0, 2, 5]
MASK = (np.arange(N * N).reshape(N, N) % 3) == 0


def _idx():
    return fg.tensor(IDX)


def _mask():
    return fg.tensor(MASK)


def _src(t):
    return fg.ones(t.shape, dtype=t.dtype) * 0.5


def _row_src(t):
    return fg.ones((len(IDX), N), dtype=t.dtype) * 0.5


def _scatter_index():
    return fg.tensor(np.tile(np.arange(N), (2, 1)) % N)


def _np_index_fill(a, s):
    a[IDX] = s
    return a


def _np_masked_fill(a, s):
    a[MASK] = s
    return a


def _np_setitem(a, s):
    a[1, 2:5] = s
    return a


def _np_put(a, s):
    a.flat[IDX] = s
    return a


def _np_scatter(a, s):
    a[np.tile(np.arange(N), (2, 1)) % N, np.arange(N)] = s
    return a


# name -> (call(t, s), numpy_reference(a, s) or None): s is a Python number where the method takes one
TABLE = {
    "abs_": (lambda t, s: t.abs_(), None),
    "absolute_": (lambda t, s: t.absolute_(), None),
    "add_": (lambda t, s: t.add_(s, alpha=3), lambda a, s: a + 3 * s),
    "ceil_": (lambda t, s: t.ceil_(), None),
    "clamp_": (lambda t, s: t.clamp_(s, 2 * s), lambda a, s: np.clip(a, s, 2 * s)),
    "clamp_max_": (lambda t, s: t.clamp_max_(s), lambda a, s: np.minimum(a, s)),
    "clamp_min_": (lambda t, s: t.clamp_min_(s), lambda a, s: np.maximum(a, s)),
    "clip_": (lambda t, s: t.clip_(s, 2 * s), lambda a, s: np.clip(a, s, 2 * s)),
    "copy_": (lambda t, s: t.copy_(_src(t) * 2.0), None),
    "cos_": (lambda t, s: t.cos_(), None),
    "div_": (lambda t, s: t.div_(s), lambda a, s: a / s),
    "divide_": (lambda t, s: t.divide_(s), lambda a, s: a / s),
    "exp_": (lambda t, s: t.mul_(0.0).exp_(), None),
    "fill_": (lambda t, s: t.fill_(s), lambda a, s: np.full_like(a, s)),
    "floor_": (lambda t, s: t.floor_(), None),
    "index_add_": (lambda t, s: t.index_add_(0, _idx(), _row_src(t), alpha=s),
                   lambda a, s: (a.__setitem__(IDX, a[IDX] + 0.5 * s), a)[1]),
    "index_copy_": (lambda t, s: t.index_copy_(0, _idx(), _row_src(t)), None),
    "index_fill_": (lambda t, s: t.index_fill_(0, _idx(), s), _np_index_fill),
    "index_put_": (lambda t, s: t.index_put_((_idx(),), fg.tensor(s, dtype=t.dtype)), _np_index_fill),
    "index_reduce_": (lambda t, s: t.index_reduce_(0, _idx(), _row_src(t), "amax"), None),
    "log_": (lambda t, s: t.abs_().add_(1.0).log_(), None),
    "masked_fill_": (lambda t, s: t.masked_fill_(_mask(), s), _np_masked_fill),
    "masked_scatter_": (lambda t, s: t.masked_scatter_(_mask(), _src(t)), None),
    "mul_": (lambda t, s: t.mul_(s), lambda a, s: a * s),
    "multiply_": (lambda t, s: t.multiply_(s), lambda a, s: a * s),
    "neg_": (lambda t, s: t.neg_(), None),
    "negative_": (lambda t, s: t.negative_(), None),
    "normal_": (lambda t, s: t.normal_(s, 0.0), lambda a, s: np.full_like(a, s)),
    "pow_": (lambda t, s: t.abs_().pow_(s), lambda a, s: np.abs(a).astype(a.dtype) ** s),
    "put_": (lambda t, s: t.put_(_idx(), fg.full((len(IDX),), s, dtype=t.dtype)), _np_put),
    "reciprocal_": (lambda t, s: t.abs_().add_(1.0).reciprocal_(), None),
    "relu_": (lambda t, s: t.relu_(), None),
    "round_": (lambda t, s: t.round_(), None),
    "scatter_": (lambda t, s: t.scatter_(0, _scatter_index(), s), _np_scatter),
    "scatter_add_": (lambda t, s: t.scatter_add_(0, _scatter_index(), _row_src(t)[:2]), None),
    "scatter_reduce_": (lambda t, s: t.scatter_reduce_(0, _scatter_index(), _row_src(t)[:2], "sum"), None),
    "sigmoid_": (lambda t, s: t.sigmoid_(), None),
    "sign_": (lambda t, s: t.sign_(), None),
    "sin_": (lambda t, s: t.sin_(), None),
    "sqrt_": (lambda t, s: t.abs_().sqrt_(), None),
    "square_": (lambda t, s: t.square_(), None),
    "sub_": (lambda t, s: t.sub_(s, alpha=3), lambda a, s: a - 3 * s),
    "subtract_": (lambda t, s: t.subtract_(s), lambda a, s: a - s),
    "t_": (lambda t, s: t.t_(), None),
    "tanh_": (lambda t, s: t.tanh_(), None),
    "true_divide_": (lambda t, s: t.true_divide_(s), lambda a, s: a / s),
    "trunc_": (lambda t, s: t.trunc_(), None),
    "uniform_": (lambda t, s: t.uniform_(s, s), lambda a, s: np.full_like(a, s)),
    "zero_": (lambda t, s: t.zero_(), None),
    "__setitem__": (lambda t, s: t.__setitem__((1, slice(2, 5)), s), _np_setitem),
    "__iadd__": (lambda t, s: t.__iadd__(s), lambda a, s: a + s),
    "__isub__": (lambda t, s: t.__isub__(s), lambda a, s: a - s),
    "__imul__": (lambda t, s: t.__imul__(s), lambda a, s: a * s),
    "__itruediv__": (lambda t, s: t.__itruediv__(s), lambda a, s: a / s),
    "__ipow__": (lambda t, s: t.abs_().__ipow__(s), lambda a, s: np.abs(a).astype(a.dtype) ** s),
}

def _mat(t):
    return fg.ones((N, N), dtype=t.dtype) * 0.125


def _pos(t):
    return t.abs_().add_(1.5)  # inside every domain below (log, rsqrt, acosh, mvlgamma ...)


def _unit(t):
    return t.tanh_().mul_(0.5)  # inside (-1, 1): asin, atanh, erfinv, logit's (0, 1) after add_


_UNARY = ["acos_", "arccos_", "asin_", "arcsin_", "atanh_", "arctanh_", "erfinv_"]
_UNARY_ANY = ["asinh_", "arcsinh_", "atan_", "arctan_", "conj_physical_", "cosh_", "sinh_", "tan_", "deg2rad_",
              "rad2deg_", "erf_", "erfc_", "exp2_", "expm1_", "fix_", "frac_", "i0_", "sgn_", "sinc_",
              "logical_not_"]
_UNARY_POS = ["acosh_", "arccosh_", "digamma_", "lgamma_", "log10_", "log1p_", "log2_", "rsqrt_"]
for _n in _UNARY:
    TABLE[_n] = ((lambda n: lambda t, s: getattr(_unit(t), n)())(_n), None)
for _n in _UNARY_ANY:
    TABLE[_n] = ((lambda n: lambda t, s: getattr(t, n)())(_n), None)
for _n in _UNARY_POS:
    TABLE[_n] = ((lambda n: lambda t, s: getattr(_pos(t), n)())(_n), None)
# with a Python number as the other operand: the result must be the NumPy result at the tensor's dtype
_BINARY = {"atan2_": np.arctan2, "arctan2_": np.arctan2, "copysign_": np.copysign, "fmod_": np.fmod,
           "remainder_": np.remainder, "hypot_": np.hypot, "floor_divide_": np.floor_divide,
           "eq_": np.equal, "ne_": np.not_equal, "not_equal_": np.not_equal, "ge_": np.greater_equal,
           "greater_equal_": np.greater_equal, "gt_": np.greater, "greater_": np.greater, "le_": np.less_equal,
           "less_equal_": np.less_equal, "lt_": np.less, "less_": np.less, "logical_and_": np.logical_and,
           "logical_or_": np.logical_or, "logical_xor_": np.logical_xor}
for _n, _f in _BINARY.items():
    TABLE[_n] = ((lambda n: lambda t, s: getattr(t, n)(s))(_n), (lambda f: lambda a, s: f(a, s).astype(a.dtype))(_f))
TABLE.update({
    "heaviside_": (lambda t, s: t.heaviside_(_src(t)), None),
    "nextafter_": (lambda t, s: t.nextafter_(_src(t)), None),
    "xlogy_": (lambda t, s: t.xlogy_(s), lambda a, s: a * np.log(s)),
    "igamma_": (lambda t, s: _pos(t).igamma_(_src(t)), None),
    "igammac_": (lambda t, s: _pos(t).igammac_(_src(t)), None),
    "ldexp_": (lambda t, s: t.ldexp_(fg.tensor(2)), None),
    "float_power_": (lambda t, s: t.abs_().float_power_(s), lambda a, s: np.abs(a).astype(a.dtype) ** s),
    "lerp_": (lambda t, s: t.lerp_(_src(t), s), lambda a, s: a + s * (0.5 - a)),
    "addcmul_": (lambda t, s: t.addcmul_(_src(t), _src(t), value=s), lambda a, s: a + s * 0.25),
    "addcdiv_": (lambda t, s: t.addcdiv_(_src(t), _src(t) * 4.0, value=s), lambda a, s: a + s * 0.25),
    "addmm_": (lambda t, s: t.addmm_(_mat(t), _mat(t), beta=1.0, alpha=s), lambda a, s: a + s * N / 64),
    "addr_": (lambda t, s: t.addr_(_mat(t)[0], _mat(t)[0], alpha=s), lambda a, s: a + s / 64),
    "addbmm_": (lambda t, s: t.addbmm_(_mat(t)[None], _mat(t)[None], alpha=s), lambda a, s: a + s * N / 64),
    "addmv_": (lambda t, s: t[0].clone().addmv_(_mat(t), _mat(t)[0], alpha=s), None),
    "baddbmm_": (lambda t, s: t[None].clone().baddbmm_(_mat(t)[None], _mat(t)[None], alpha=s), None),
    "cumsum_": (lambda t, s: t.cumsum_(0), None),
    "cumprod_": (lambda t, s: t.cumprod_(1), None),
    "tril_": (lambda t, s: t.tril_(), None),
    "triu_": (lambda t, s: t.triu_(1), None),
    "logit_": (lambda t, s: _unit(t).add_(0.5).logit_(), None),
    "nan_to_num_": (lambda t, s: t.nan_to_num_(nan=s), None),
    "polygamma_": (lambda t, s: _pos(t).polygamma_(1), None),
    "mvlgamma_": (lambda t, s: _pos(t).add_(1.0).mvlgamma_(2), None),
    "renorm_": (lambda t, s: t.renorm_(2, 0, s), None),
    "bernoulli_": (lambda t, s: t.bernoulli_(s), None),
    "transpose_": (lambda t, s: t.transpose_(0, 1), None),
    "swapaxes_": (lambda t, s: t.swapaxes_(0, 1), None),
    "swapdims_": (lambda t, s: t.swapdims_(1, 0), None),
    "unsqueeze_": (lambda t, s: t.unsqueeze_(0).squeeze_(0), None),  # back to N x N: every step the same shape
    "squeeze_": (lambda t, s: t.unsqueeze_(-1).squeeze_(), None),
    "fill_diagonal_": (lambda t, s: t.fill_diagonal_(s), lambda a, s: (np.fill_diagonal(a, s), a)[1]),
})
# integer-only operations: memory checked on integer tensors (nothing to record), not on float weights
INT_ONLY = {"bitwise_and_": lambda t: t.bitwise_and_(6), "bitwise_or_": lambda t: t.bitwise_or_(6),
            "bitwise_xor_": lambda t: t.bitwise_xor_(6), "bitwise_not_": lambda t: t.bitwise_not_(),
            "bitwise_left_shift_": lambda t: t.bitwise_left_shift_(1).bitwise_right_shift_(1),
            "bitwise_right_shift_": lambda t: t.bitwise_right_shift_(1), "gcd_": lambda t: t.gcd_(6),
            "lcm_": lambda t: t.lcm_(1), "__iand__": lambda t: t.__iand__(6), "__ior__": lambda t: t.__ior__(6),
            "__ixor__": lambda t: t.__ixor__(6), "__ilshift__": lambda t: t.__ilshift__(1).__irshift__(1),
            "__irshift__": lambda t: t.__irshift__(1)}
# Methods ending in "_" that change the autograd state, not the values: tested on their own.
NOT_UPDATES = {"requires_grad_", "detach_", "share_memory_",  # share_memory_ moves the values, changes none
               "resize_"}  # refused on a tensor that requires grad, as in PyTorch (test_tensor_parity_fixes.py)
# Methods complex tensors do not have (ordering, rounding, real-only maps), as in PyTorch.
REAL_ONLY = {"ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "floor_", "index_reduce_", "relu_", "round_",
             "sign_", "trunc_", "sigmoid_", "normal_", "uniform_", "scatter_reduce_", "atan2_", "arctan2_",
             "copysign_", "fmod_", "remainder_", "hypot_", "floor_divide_", "ge_", "greater_equal_", "gt_",
             "greater_", "le_", "less_equal_", "lt_", "less_", "float_power_", "xlogy_"}
