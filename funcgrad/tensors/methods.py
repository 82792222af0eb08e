"""The Tensor methods PyTorch has for the functions of the ops families (``t.sum(dim)``, ``t.view(...)`` ...):
importing this module attaches them. It sits above math, reductions, shape, indexing, products and conversion."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import conversion, indexing, math, products, reductions, shape
from .conversion import _conversion, _type, _type_as
from .math import where
from .ops import _method, _sizes
from .shape import _expand, _repeat, _reshape_method, _view, broadcast_to, flip, permute, reshape, tile
from .tensor import Tensor

__all__: list = []
_FAMILIES = (math, reductions, shape, indexing, products, conversion)


# --- methods -----------------------------------------------------------------------------------------------------
def _permute_method(self: Tensor, *dims: Any) -> Tensor:
    """``t.permute(*dims)``."""
    return permute(self, _sizes(dims))


def _flip_method(self: Tensor, *dims: Any) -> Tensor:
    """``t.flip(*dims)``."""
    return flip(self, _sizes(dims))


def _tile_method(self: Tensor, *dims: Any) -> Tensor:
    """``t.tile(*dims)``."""
    return tile(self, _sizes(dims))


def _view_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` with ``other``'s shape."""
    return reshape(self, other.shape)


def _expand_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` broadcast to ``other``'s shape."""
    return _expand(self, *other.shape)


_METHOD_FUNCTIONS = [
    "exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos",
    "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "relu",
    "abs", "absolute", "neg", "negative", "sign", "sgn", "square", "reciprocal", "floor", "ceil", "trunc", "frac",
    "round", "isnan", "isinf", "isfinite", "logical_not", "logical_and", "logical_or", "logical_xor",
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "pow", "float_power", "atan2",
    "arctan2", "hypot", "remainder", "fmod", "floor_divide", "maximum", "minimum", "fmax", "fmin", "eq", "ne", "lt",
    "le", "gt", "ge", "greater", "less", "greater_equal", "less_equal", "not_equal", "clamp", "clip", "clamp_min",
    "clamp_max", "lerp", "isclose", "allclose", "equal", "nonzero", "argwhere",
    "sum", "mean", "prod", "std", "var", "amax", "amin", "aminmax", "max", "min", "argmax", "argmin", "all", "any",
    "count_nonzero", "logsumexp", "softmax", "log_softmax", "cumsum", "cumprod", "norm", "dist", "sort", "argsort",
    "topk", "transpose", "swapaxes", "swapdims", "t", "movedim", "moveaxis", "unsqueeze", "squeeze", "flatten",
    "unflatten", "ravel", "fliplr", "flipud", "roll", "repeat_interleave", "narrow", "split", "tensor_split",
    "chunk", "unbind", "tril", "triu", "diag", "diag_embed", "diagonal", "trace", "gather", "take_along_dim", "take",
    "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add", "masked_fill", "masked_select",
    "matmul", "mm", "bmm", "mv", "dot", "inner", "vdot", "outer", "ger", "addmm", "kron", "where",
    "is_floating_point", "is_complex", "conj", "angle",
]


def _where_method(self: Tensor, condition: Any, y: Any) -> Tensor:
    """``t.where(condition, y)``: ``t`` where ``condition``, else ``y``."""
    return where(condition, self, y)


def _install() -> None:
    for name in _METHOD_FUNCTIONS:
        fn = next(getattr(m, name) for m in _FAMILIES if hasattr(m, name))
        setattr(Tensor, name, _method(fn))
    Tensor.where = _where_method
    Tensor.real = property(conversion.real)  # attributes in PyTorch (t.real, t.imag), not methods
    Tensor.imag = property(conversion.imag)
    Tensor.view = _view
    Tensor.reshape = _reshape_method
    Tensor.view_as = _view_as
    Tensor.reshape_as = _view_as
    Tensor.permute = _permute_method
    Tensor.expand = _expand
    Tensor.expand_as = _expand_as
    Tensor.broadcast_to = _method(broadcast_to)
    Tensor.flip = _flip_method
    Tensor.repeat = _repeat
    Tensor.tile = _tile_method
    Tensor.type = _type
    Tensor.type_as = _type_as
    for name, dtype in [("float", np.float32), ("double", np.float64), ("half", np.float16), ("long", np.int64),
                        ("int", np.int32), ("short", np.int16), ("bool", np.bool_), ("byte", np.uint8),
                        ("char", np.int8), ("cfloat", np.complex64), ("cdouble", np.complex128)]:
        setattr(Tensor, name, _conversion(dtype, name))


_install()
