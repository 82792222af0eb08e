"""More of PyTorch's top-level functions over Tensors: complex views (``view_as_real``, ``polar``, ``complex``),
predicates (``is_nonzero``, ``is_signed`` ...), ``rsub``, ``put``/``index_put``, ``as_strided_scatter``,
``unravel_index``, ``nonzero_static``, ``isin``, ``msort``, and the in-place variants (``exp_``, ``acos_`` ...).

Like ``funcgrad/tensors/pointwise.py``, each function translates PyTorch's signature to ``funcgrad.numpy`` operations on
Tensors, with no derivative code; what PyTorch does not differentiate is computed on the plain values and returned
outside any graph. funcgrad has no lazy conjugate or negative bits and no views, so ``resolve_conj`` is the
identity and ``is_conj`` is always False. The linear algebra (``det``, ``lu`` ...) is in
``funcgrad/tensors/linalg_ops.py``, the sampling (``bernoulli`` ...) in ``funcgrad/tensors/random.py``; both are
re-exported here (so is ``igamma``, ``funcgrad.special.gammainc``). ``cov``, ``corrcoef``, ``histogram`` and ``mode``
are in ``funcgrad/tensors/statistics.py``, ``trapezoid`` and ``gradient`` in ``funcgrad/tensors/numerical.py``, the
matrix norms in ``funcgrad/tensors/products_more.py``. Importing this module attaches PyTorch's Tensor methods for
these names.

>>> import funcgrad as fg
>>> fg.view_as_real(fg.tensor([1.0 + 2.0j]))
tensor([[1., 2.]])
>>> fg.rsub(fg.tensor([1.0, 2.0]), 5.0)
tensor([4., 3.])
"""
from __future__ import annotations

import builtins
import math
from typing import Any, Sequence

import numpy as np

from .. import numpy as fnp
from ..backend import namespace, to_host
from .special import _raw, gammainc as _special_igamma, gammaincc as _special_igammac
from .tensor import Tensor, get_default_dtype
from .inplace import _inplace_binary, _inplace_unary, _rebind
from .operators import _check_inplace, bitwise
from .pointwise import _nograd, _rawarr
from .ops import _method, _no_out, _t
from .math import arccosh, arcsinh, arctanh
from .shape import chunk, split
from .reductions import sort
from .manipulation import split_with_sizes
from . import conversion, indexing, math as _tmath, pointwise, products, reductions, shape

_BASES = (pointwise, _tmath, reductions, shape, indexing, products, conversion)  # where torch's base names live

_FUNCS = ["arccosh", "arcsinh", "arctanh", "adjoint", "bitwise_left_shift", "bitwise_right_shift", "clone", "detach",
          "complex", "polar", "view_as_real", "view_as_complex", "conj_physical", "resolve_conj", "resolve_neg",
          "is_conj", "is_neg", "is_nonzero", "is_same_size", "is_signed", "is_inference", "get_device", "rsub", "put",
          "index_put", "index_put_", "as_strided_scatter", "unravel_index", "unsafe_chunk", "unsafe_split",
          "unsafe_split_with_sizes", "nonzero_static", "isin", "msort", "igamma", "igammac"]


def _complex_of(dt: np.dtype) -> np.dtype:
    return np.result_type(dt, np.complex64)


# --- views, copies and predicates ----------------------------------------------------------------------------------
def adjoint(input: Any) -> Tensor:
    """The conjugate transpose of the last two dimensions (``torch.adjoint``, ``t.mH``).

    >>> import funcgrad as fg
    >>> fg.adjoint(fg.tensor([[1.0 + 1.0j, 2.0]]))
    tensor([[1.-1.j],
            [2.-0.j]], dtype=torch.complex64)
    """
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError(f"adjoint() is only supported on matrices or batches of matrices, got a {x.ndim}-D tensor "
                           f"of shape {tuple(x.shape)}")
    t = fnp.swapaxes(x, -1, -2)
    return fnp.conj(t) if x.dtype.kind == "c" else t


def _shift(op: str, np_name: str, input: Any, other: Any) -> Tensor:
    return bitwise(op, getattr(fnp, np_name), input, other)  # PyTorch's promotion; integers only


def bitwise_left_shift(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """Elementwise ``input << other`` of integer tensors (``torch.bitwise_left_shift``; no gradient).

    >>> import funcgrad as fg
    >>> fg.bitwise_left_shift(fg.tensor([8, -8]), 2)
    tensor([ 32, -32])
    """
    _no_out("bitwise_left_shift", out)
    return _shift("bitwise_left_shift", "left_shift", input, other)


def bitwise_right_shift(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """Elementwise ``input >> other`` (arithmetic: the sign is kept) of integer tensors
    (``torch.bitwise_right_shift``; no gradient).

    >>> import funcgrad as fg
    >>> fg.bitwise_right_shift(fg.tensor([8, -8]), 2)
    tensor([ 2, -2])
    """
    _no_out("bitwise_right_shift", out)
    return _shift("bitwise_right_shift", "right_shift", input, other)


def clone(input: Any, *, memory_format: Any = None) -> Tensor:
    """A copy that stays in the graph (``torch.clone``).

    >>> import funcgrad as fg
    >>> fg.clone(fg.tensor([1.0], requires_grad=True))
    tensor([1.], grad_fn=<CastBackward>)
    """
    x = _t(input)
    return fnp.astype(x, x.dtype)


def detach(input: Any) -> Tensor:
    """The same values outside any graph (``torch.detach``).

    >>> import funcgrad as fg
    >>> fg.detach(fg.tensor([1.0], requires_grad=True)).requires_grad
    False
    """
    return _t(input).detach()


def _same_float(op: str, a: Tensor, b: Tensor, names: tuple) -> np.dtype:
    if a.dtype.kind != "f" or b.dtype != a.dtype:
        raise RuntimeError(f"{op}: expected {names[0]} and {names[1]} to be floating tensors of the same dtype "
                           f"(float16, float32 or float64), got {a.dtype} and {b.dtype}")
    return _complex_of(a.dtype)


def complex(real: Any, imag: Any, *, out: Any = None) -> Tensor:  # noqa: A001 - PyTorch's name
    """The complex tensor ``real + i imag`` (``torch.complex``; both floating, of one dtype).

    >>> import funcgrad as fg
    >>> fg.complex(fg.tensor([1.0]), fg.tensor([2.0]))
    tensor([1.+2.j], dtype=torch.complex64)
    """
    _no_out("complex", out)
    re, im = _t(real), _t(imag)
    cdt = _same_float("complex", re, im, ("real", "imag"))
    return fnp.astype(re, cdt) + 1j * fnp.astype(im, cdt)


def polar(abs: Any, angle: Any, *, out: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
    """The complex tensor ``abs * (cos(angle) + i sin(angle))`` (``torch.polar``).

    >>> import funcgrad as fg
    >>> fg.polar(fg.tensor([2.0], dtype=fg.float64), fg.tensor([0.0], dtype=fg.float64))
    tensor([2.+0.j], dtype=torch.complex128)
    """
    _no_out("polar", out)
    r, th = _t(abs), _t(angle)
    cdt = _same_float("polar", r, th, ("abs", "angle"))
    return fnp.astype(r * fnp.cos(th), cdt) + 1j * fnp.astype(r * fnp.sin(th), cdt)


def view_as_real(input: Any) -> Tensor:
    """A complex tensor as a real one with a last dimension of 2 (real, imaginary) (``torch.view_as_real``; a
    copy).

    >>> import funcgrad as fg
    >>> fg.view_as_real(fg.tensor([1.0 - 1.0j, 2.0j])).shape
    torch.Size([2, 2])
    """
    x = _t(input)
    if x.dtype.kind != "c":
        raise RuntimeError(f"view_as_real is only supported for complex tensors, got dtype {x.dtype}")
    return fnp.stack([fnp.real(x), fnp.imag(x)], axis=-1)


def view_as_complex(input: Any) -> Tensor:
    """A real tensor with a last dimension of 2 as a complex one (``torch.view_as_complex``; a copy).

    >>> import funcgrad as fg
    >>> fg.view_as_complex(fg.tensor([[1.0, 2.0]], dtype=fg.float64))
    tensor([1.+2.j], dtype=torch.complex128)
    """
    x = _t(input)
    if x.dtype not in (np.float32, np.float64, np.float16):
        raise RuntimeError(f"view_as_complex is only supported for float, double and half tensors, got {x.dtype}")
    if x.ndim == 0 or x.shape[-1] != 2:
        raise RuntimeError(f"view_as_complex: Tensor must have a last dimension of size 2, got shape "
                           f"{tuple(x.shape)}")
    cdt = _complex_of(x.dtype)
    return fnp.astype(x[..., 0], cdt) + 1j * fnp.astype(x[..., 1], cdt)


def conj_physical(input: Any, *, out: Any = None) -> Tensor:
    """The elementwise complex conjugate, computed (``torch.conj_physical``; real tensors come back unchanged).

    >>> import funcgrad as fg
    >>> fg.conj_physical(fg.tensor([1.0 + 2.0j]))
    tensor([1.-2.j], dtype=torch.complex64)
    """
    _no_out("conj_physical", out)
    x = _t(input)
    return fnp.conj(x) if x.dtype.kind == "c" else x


def resolve_conj(input: Any) -> Tensor:
    """``input`` itself: funcgrad has no lazy conjugate bit to materialize (``torch.resolve_conj``).

    >>> import funcgrad as fg
    >>> fg.resolve_conj(fg.tensor([1.0]))
    tensor([1.])
    """
    return _t(input)


def resolve_neg(input: Any) -> Tensor:
    """``input`` itself: funcgrad has no lazy negative bit (``torch.resolve_neg``).

    >>> import funcgrad as fg
    >>> fg.resolve_neg(fg.tensor([1.0]))
    tensor([1.])
    """
    return _t(input)


def is_conj(input: Any) -> bool:
    """Always False: funcgrad's ``conj`` computes the conjugate, it sets no bit (``torch.is_conj``).

    >>> import funcgrad as fg
    >>> fg.is_conj(fg.tensor([1.0j]).conj())
    False
    """
    return False


def is_neg(input: Any) -> bool:
    """Always False: funcgrad has no lazy negative bit (``torch.is_neg``).

    >>> import funcgrad as fg
    >>> fg.is_neg(fg.tensor([1.0]))
    False
    """
    return False


def is_nonzero(input: Any) -> bool:
    """Whether a one-element tensor is not zero (``torch.is_nonzero``); other sizes raise, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.is_nonzero(fg.tensor([0.0])), fg.is_nonzero(fg.tensor(3))
    (False, True)
    """
    x = _t(input)
    n = x.numel()
    if n != 1:
        what = "no values" if n == 0 else "more than one value"
        raise RuntimeError(f"is_nonzero: Boolean value of Tensor with {what} is ambiguous (shape "
                           f"{tuple(x.shape)}); reduce it first, e.g. with .any() or .all()")
    return builtins.bool(x.item() != 0)


def is_same_size(input: Any, other: Any) -> bool:
    """Whether the two tensors have the same shape (``torch.is_same_size``).

    >>> import funcgrad as fg
    >>> fg.is_same_size(fg.zeros(2, 3), fg.ones(2, 3))
    True
    """
    return tuple(_t(input).shape) == tuple(_t(other).shape)


def is_signed(input: Any) -> bool:
    """Whether the dtype is signed: floating, complex and signed integers (``torch.is_signed``).

    >>> import funcgrad as fg
    >>> fg.is_signed(fg.tensor([1.0])), fg.is_signed(fg.tensor([1], dtype=fg.uint8))
    (True, False)
    """
    return _t(input).dtype.kind in "ifc"


def is_inference(input: Any) -> bool:
    """Always False: funcgrad has no inference mode (``torch.is_inference``).

    >>> import funcgrad as fg
    >>> fg.is_inference(fg.zeros(1))
    False
    """
    return False


def get_device(input: Any) -> int:
    """The GPU index of a CUDA tensor, -1 for a CPU tensor (``torch.get_device``).

    >>> import funcgrad as fg
    >>> fg.get_device(fg.zeros(1))
    -1
    """
    d = _t(input).device
    return -1 if d.type == "cpu" else (d.index or 0)


# --- arithmetic and indexing ---------------------------------------------------------------------------------------
def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input`` (``torch.rsub``); a Python float with an integer tensor gives the default float
    dtype, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.rsub(fg.tensor([1, 2]), 5), fg.rsub(fg.tensor([1.0]), fg.tensor([3.0]), alpha=2)
    (tensor([4, 3]), tensor([1.]))
    """
    x = _t(input)
    if x.dtype.kind in "biu" and isinstance(alpha, builtins.float):
        raise RuntimeError(f"rsub: for integral input tensors ({x.dtype}), argument alpha must not be a floating "
                           f"point number")
    if not isinstance(other, Tensor) and x.dtype.kind in "biu" and isinstance(other, (builtins.float,
                                                                                      builtins.complex)):
        x = fnp.astype(x, get_default_dtype() if isinstance(other, builtins.float) else
                       _complex_of(get_default_dtype()))
    return fnp.subtract(other, x if alpha == 1 else fnp.multiply(x, alpha))


def put(input: Any, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written at the flat positions ``index`` (added when ``accumulate``)
    (``torch.put``).

    >>> import funcgrad as fg
    >>> fg.put(fg.zeros(3), fg.tensor([2]), fg.tensor([5.0]))
    tensor([0., 0., 5.])
    """
    return _t(input).put(index, source, accumulate)


def index_put(input: Any, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """A copy with ``input[indices] = values`` (``+=`` when ``accumulate``) (``torch.index_put``).

    >>> import funcgrad as fg
    >>> fg.index_put(fg.zeros(3), (fg.tensor([1]),), fg.tensor(2.0))
    tensor([0., 2., 0.])
    """
    return _t(input).index_put(indices, values, accumulate)


def index_put_(input: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """``input[indices] = values`` in place (``torch.index_put_``); returns ``input``.

    >>> import funcgrad as fg
    >>> fg.index_put_(fg.zeros(2), (fg.tensor([0]),), fg.tensor(1.0))
    tensor([1., 0.])
    """
    return _inplace_target("index_put_", input).index_put_(indices, values, accumulate)


def as_strided_scatter(input: Any, src: Any, size: Sequence[int], stride: Sequence[int],
                       storage_offset: int | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` written where ``input.as_strided(size, stride, storage_offset)`` reads
    (flat row-major positions ``storage_offset + sum(i[k] * stride[k])``) (``torch.as_strided_scatter``).

    >>> import funcgrad as fg
    >>> fg.as_strided_scatter(fg.zeros(4), fg.ones(2), (2,), (2,), 1)
    tensor([0., 1., 0., 1.])
    """
    x, s = _t(input), _t(src)
    size, stride = tuple(builtins.int(v) for v in size), tuple(builtins.int(v) for v in stride)
    off = 0 if storage_offset is None else builtins.int(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError(f"as_strided_scatter: size {list(size)} and stride {list(stride)} must have the same "
                           f"length")
    if tuple(s.shape) != size:
        raise RuntimeError(f"as_strided_scatter: expected src to have a size equal to the slice of self. src size = "
                           f"{list(s.shape)}, slice size = {list(size)}")
    grid = np.zeros(size, np.int64) + off
    for k, (n, st) in enumerate(zip(size, stride)):
        grid = grid + (np.arange(n) * st).reshape((1,) * k + (n,) + (1,) * (len(size) - k - 1))
    if grid.size and (grid.min() < 0 or grid.max() >= x.numel()):
        raise RuntimeError(f"as_strided_scatter: size {list(size)}, stride {list(stride)} and offset {off} reach "
                           f"element {builtins.int(grid.max())}, outside this tensor of {x.numel()} elements")
    if s.dtype != x.dtype:
        s = fnp.astype(s, x.dtype)
    flat = fnp.at(fnp.reshape(x, (-1,)))[namespace(_raw(x)).asarray(grid.reshape(-1))].set(fnp.reshape(s, (-1,)))
    return fnp.reshape(_t(flat), x.shape)


def unravel_index(indices: Any, shape: Any) -> tuple:
    """The coordinates of flat (row-major) ``indices`` in a tensor of ``shape``, a tuple of int64 tensors
    (``torch.unravel_index``; negative indices count from the end).

    >>> import funcgrad as fg
    >>> fg.unravel_index(fg.tensor([4, 5]), (2, 3))
    (tensor([1, 1]), tensor([1, 2]))
    """
    r = _rawarr(indices)
    if r.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, got dtype {r.dtype}")
    shape = (builtins.int(shape),) if isinstance(shape, (builtins.int, np.integer)) else tuple(builtins.int(s)
                                                                                             for s in shape)
    if builtins.any(s < 0 for s in shape):
        raise RuntimeError(f"unravel_index: 'shape' cannot have negative values, got {shape}")
    n = math.prod(shape)
    xp = namespace(r)
    if r.size and (builtins.int(xp.max(r)) >= n or builtins.int(xp.min(r)) < -n):
        raise RuntimeError(f"unravel_index: indices must be in [-{n}, {n - 1}] for shape {shape}")
    r = xp.where(r < 0, r + n, r).astype(np.int64)
    return tuple(_nograd(c.astype(np.int64)) for c in xp.unravel_index(r, shape))


def unsafe_chunk(input: Any, chunks: int, dim: int = 0) -> tuple:
    """:func:`funcgrad.chunk` (``torch.unsafe_chunk``: funcgrad's pieces are never views, so nothing is unsafe).

    >>> import funcgrad as fg
    >>> len(fg.unsafe_chunk(fg.arange(4), 2))
    2
    """
    return chunk(input, chunks, dim)


def unsafe_split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """:func:`funcgrad.split` (``torch.unsafe_split``).

    >>> import funcgrad as fg
    >>> [p.tolist() for p in fg.unsafe_split(fg.arange(3), 2)]
    [[0, 1], [2]]
    """
    return split(tensor, split_size_or_sections, dim)


def unsafe_split_with_sizes(input: Any, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """:func:`funcgrad.split_with_sizes` (``torch.unsafe_split_with_sizes``).

    >>> import funcgrad as fg
    >>> [p.tolist() for p in fg.unsafe_split_with_sizes(fg.arange(3), [1, 2])]
    [[0], [1, 2]]
    """
    return split_with_sizes(input, split_sizes, dim)


def nonzero_static(input: Any, *, size: int, fill_value: int = -1) -> Tensor:
    """The indices of the non-zero elements as a ``(size, ndim)`` int64 tensor: truncated, or padded with
    ``fill_value`` (``torch.nonzero_static``).

    >>> import funcgrad as fg
    >>> fg.nonzero_static(fg.tensor([0, 3, 0]), size=2)
    tensor([[ 1],
            [-1]])
    """
    r = _rawarr(input)
    if builtins.int(size) < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be non-negative, got {size}")
    xp = namespace(r)
    idx = xp.stack(xp.nonzero(r), axis=1).astype(np.int64) if r.ndim else xp.zeros((builtins.int(r != 0), 0), np.int64)
    k = builtins.int(size)
    out = xp.full((k, r.ndim), fill_value, dtype=np.int64)
    m = builtins.min(k, idx.shape[0])
    out[:m] = idx[:m]
    return _nograd(out)


# --- statistics ---------------------------------------------------------------------------------------------
def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Elementwise: whether each of ``elements`` is in ``test_elements`` (either may be a number)
    (``torch.isin``).

    >>> import funcgrad as fg
    >>> fg.isin(fg.tensor([1, 2, 3]), fg.tensor([2, 5]))
    tensor([False,  True, False])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): expected at least one of elements and test_elements to be a Tensor")
    a, b = _rawarr(elements), _rawarr(test_elements)
    xp = namespace(a if isinstance(elements, Tensor) else b)
    return _nograd(xp.asarray(np.isin(to_host(a), to_host(b), assume_unique=assume_unique, invert=invert)))


def msort(input: Any, *, out: Any = None) -> Tensor:
    """``input`` sorted along its first dimension (``torch.msort``); the gradient follows the values.

    >>> import funcgrad as fg
    >>> fg.msort(fg.tensor([[2.0, 1.0], [1.0, 3.0]]))
    tensor([[1., 1.],
            [2., 3.]])
    """
    _no_out("msort", out)
    return sort(input, dim=0).values


# --- in-place variants and methods ------------------------------------------------------------------------------
def _inplace_target(op: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"funcgrad.{op}: expected a Tensor to update in place, got {type(input).__name__}")
    return input


def _inplace_of(name: str, fn):
    """The in-place method ``t.<name>(*args)`` of the out-of-place ``fn(t, *args)``: computed out of place and
    rebound with :mod:`funcgrad.tensors.inplace`'s rules (shape and dtype kept, leaves refused under grad mode)."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        _check_inplace(self, name)
        return _rebind(self, _t(fn(self, *args, **kwargs))._v, name)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{name[:-1]}`` (``torch.Tensor.{name}``); returns this tensor."
    return method


def _float_power_(self: Tensor, exponent: Any) -> Tensor:
    if self.dtype != np.float64 and self.dtype != np.complex128:
        raise RuntimeError(f"float_power_: the base given to float_power_ has dtype {self.dtype} but the "
                           f"operation's result requires dtype float64; convert it with .double() first")
    return fnp.power(self, exponent)


def _tensor_in(fn):
    """``fn`` for inplace's helpers, which pass plain values: called on a Tensor, returning a value."""
    def on_values(*vals: Any) -> Any:
        return _t(fn(Tensor._from_value(vals[0]), *vals[1:]))._v
    on_values.__name__ = fn.__name__
    return on_values


_UNARY_INPLACE = ["acos", "arccos", "acosh", "arccosh", "asin", "arcsin", "asinh", "arcsinh", "atan", "arctan",
                  "atanh", "arctanh", "cosh", "sinh", "tan", "deg2rad", "rad2deg", "erf", "erfc", "erfinv", "exp2",
                  "expm1", "fix", "frac", "i0", "lgamma", "digamma", "log10", "log1p", "log2", "rsqrt", "sgn", "sinc",
                  "bitwise_not", "logical_not", "conj_physical"]
_BINARY_INPLACE = ["atan2", "arctan2", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                   "bitwise_right_shift", "copysign", "eq", "ne", "not_equal", "ge", "greater_equal", "gt", "greater",
                   "le", "less_equal", "lt", "less", "floor_divide", "fmod", "remainder", "gcd", "lcm", "heaviside",
                   "hypot", "ldexp", "logical_and", "logical_or", "logical_xor", "nextafter", "xlogy", "igamma",
                   "igammac"]
_OTHER_INPLACE = ["addbmm", "addcdiv", "addcmul", "addmm", "addmv", "addr", "baddbmm", "cumprod", "cumsum", "lerp",
                  "logit", "mvlgamma", "nan_to_num", "renorm", "tril", "triu"]
# torch's top-level in-place functions: torch.exp_(t) is t.exp_()
_TOP_INPLACE = ["abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
                "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_",
                "clip_", "conj_physical_", "cos_", "cosh_", "deg2rad_", "detach_", "erf_", "erfc_", "exp2_", "exp_",
                "expm1_", "fill_", "fix_", "floor_", "frac_", "gcd_", "i0_", "lcm_", "ldexp_", "log10_", "log1p_",
                "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "relu_",
                "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_",
                "trunc_", "xlogy_", "zero_"]


_TOP_EXAMPLE_ARGS = {"addmv_": ("fg.zeros(1)", ", fg.ones(1, 2), fg.ones(2)"), "clamp_": ("fg.tensor([2.0])", ", 0, 1"),
                     "clamp_max_": ("fg.tensor([2.0])", ", 1"), "clamp_min_": ("fg.tensor([2.0])", ", 3"),
                     "clip_": ("fg.tensor([2.0])", ", 0, 1"), "fill_": ("fg.zeros(2)", ", 1.5"),
                     "gcd_": ("fg.tensor([4])", ", fg.tensor([6])"), "lcm_": ("fg.tensor([4])", ", fg.tensor([6])"),
                     "ldexp_": ("fg.tensor([0.5])", ", fg.tensor([2.0])"), "xlogy_": ("fg.tensor([0.5])", ", 2.0")}


def _top_inplace(name: str):
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return getattr(_inplace_target(name, input), name)(*args, **kwargs)
    t, args = _TOP_EXAMPLE_ARGS.get(name, ("fg.tensor([0.5])", ""))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``input.{name}(...)``: in place, returns ``input`` (``torch.{name}``).\n\n"
                  f">>> import funcgrad as fg\n>>> t = {t}\n>>> fg.{name}(t{args}) is t\nTrue")
    return fn


def _h(self: Tensor) -> Tensor:
    """The conjugate transpose of a matrix (``torch.Tensor.H``; 2-D only, ``mH`` for batches)."""
    if self.ndim not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors), got a {self.ndim}-D tensor"
                           f"{'; for batches of matrices use tensor.mH' if self.ndim > 2 else ''}")
    return adjoint(self) if self.ndim == 2 else conj_physical(self)


_METHODS = ["arccosh", "arcsinh", "arctanh", "adjoint", "bitwise_left_shift", "bitwise_right_shift", "conj_physical",
            "resolve_conj", "resolve_neg", "is_conj", "is_neg", "is_nonzero", "is_same_size", "is_signed",
            "is_inference", "get_device", "msort", "igamma", "igammac", "nonzero_static",
            "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes", "as_strided_scatter"]


def _install() -> None:
    g = globals()

    def base(name: str) -> Any:
        return g.get(name) or next(getattr(m, name) for m in _BASES if hasattr(m, name))

    def put_method(name: str, fn: Any) -> None:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)

    for name in _METHODS:
        put_method(name, _method(g[name]))
    for name in _UNARY_INPLACE:
        put_method(name + "_", _inplace_unary(name + "_", _tensor_in(base(name))))
    for name in _BINARY_INPLACE:
        put_method(name + "_", _inplace_binary(name + "_", _tensor_in(base(name))))
    for name in _OTHER_INPLACE:
        put_method(name + "_", _inplace_of(name + "_", base(name)))
    put_method("polygamma_", _inplace_of("polygamma_", lambda self, n: base("polygamma")(n, self)))
    put_method("float_power_", _inplace_of("float_power_", _float_power_))
    put_method("mH", property(adjoint, doc="The conjugate transpose of the last two dimensions (``adjoint``)."))
    put_method("H", property(_h, doc=_h.__doc__))
    for name in _TOP_INPLACE:
        g[name] = _top_inplace(name)


igamma, igammac = _special_igamma, _special_igammac
_install()
__all__ = _FUNCS + _TOP_INPLACE
