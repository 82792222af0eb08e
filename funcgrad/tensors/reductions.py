"""PyTorch's reductions over Tensors (``dim``/``keepdim``, ``correction``; ``max(dim)`` returns values and indices)."""
from __future__ import annotations

import builtins
import collections
import math
from typing import Any
import numpy as np
from .. import numpy as fnp
from ..scipy import special as _special
from .tensor import Tensor, _make, _mode, _strip_graph, _unwrap
from .ops import (_dims, _norm_dim, _t)
from .shape import (narrow)
from . import math as _math  # maximum/minimum with PyTorch's promotion, for max(a, b) and min(a, b)

__all__ = ['sum', 'mean', 'prod', 'std', 'var', 'amax', 'amin', 'aminmax', 'max', 'min', 'argmax', 'argmin', 'all', 'any', 'count_nonzero', 'logsumexp', 'softmax', 'log_softmax', 'cumsum', 'cumprod', 'norm', 'dist', 'sort', 'argsort', 'topk', 'var_mean', 'std_mean', 'return_types']


# --- reductions ------------------------------------------------------------------------------------------------
def sum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (an int, a tuple, or None for all) (``torch.sum``).

    >>> import funcgrad as fg
    >>> fg.sum(fg.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=0)
    tensor([4., 6.])
    """
    x = _t(input)
    if dtype is None and x.dtype.kind in "biu":  # PyTorch sums bool and integers in int64
        dtype = np.int64
    # on the value, wrapped once: the loss of most training steps ends here
    return _make(fnp.sum(_unwrap(x), axis=_dims(dim), keepdims=keepdim, dtype=dtype))


def mean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean over ``dim`` (``torch.mean``); floating tensors only, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.mean(fg.tensor([1.0, 2.0, 6.0]))
    tensor(3.)
    """
    x = _t(input)
    if dtype is None and x.dtype.kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {x.dtype}; convert with .float() first")
    return _make(fnp.mean(_unwrap(x), axis=_dims(dim), keepdims=keepdim, dtype=dtype))


def prod(input: Any, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product over ``dim`` (``torch.prod``).

    >>> import funcgrad as fg
    >>> fg.prod(fg.tensor([2.0, 3.0]))
    tensor(6.)
    """
    x = _t(input)
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return fnp.prod(x, axis=_dims(dim), keepdims=keepdim, dtype=dtype)


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None and unbiased is not None:
        raise RuntimeError("std/var: pass either unbiased= or correction=, not both")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance over ``dim`` with Bessel's correction by default (``unbiased=True`` or ``correction=1``), as
    ``torch.var``; ``correction=0`` (or ``unbiased=False``) is the population variance.

    >>> import funcgrad as fg
    >>> fg.var(fg.tensor([1.0, 2.0, 3.0])), fg.var(fg.tensor([1.0, 2.0, 3.0]), correction=0)
    (tensor(1.), tensor(0.6667))
    """
    if isinstance(dim, builtins.bool):  # torch.var(input, unbiased)
        dim, unbiased = None, dim
    return fnp.var(_t(input), axis=_dims(dim), ddof=_correction(unbiased, correction), keepdims=keepdim)


def std(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation over ``dim``, Bessel-corrected by default like ``torch.std`` (see :func:`var`).

    >>> import funcgrad as fg
    >>> fg.std(fg.tensor([1.0, 3.0]))
    tensor(1.4142)
    """
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    return fnp.std(_t(input), axis=_dims(dim), ddof=_correction(unbiased, correction), keepdims=keepdim)


def var_mean(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    """``(var, mean)`` over ``dim`` (``torch.var_mean``)."""
    return (var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def std_mean(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple:
    """``(std, mean)`` over ``dim`` (``torch.std_mean``)."""
    return (std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def amax(input: Any, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (all dims by default); ties split the gradient evenly (``torch.amax``).

    >>> import funcgrad as fg
    >>> fg.amax(fg.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=0)
    tensor([3., 5.])
    """
    return fnp.max(_t(input), axis=_dims(dim), keepdims=keepdim)


def amin(input: Any, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Minimum over ``dim`` (all dims by default); ties split the gradient evenly (``torch.amin``)."""
    return fnp.min(_t(input), axis=_dims(dim), keepdims=keepdim)


def aminmax(input: Any, *, dim: int | None = None, keepdim: bool = False) -> tuple:
    """``(min, max)`` over ``dim`` (``torch.aminmax``)."""
    return return_types.aminmax(amin(input, dim if dim is not None else (), keepdim),
                                amax(input, dim if dim is not None else (), keepdim))


class return_types:  # noqa: N801 - mirrors torch.return_types
    """The named tuples PyTorch returns from ``max(dim)``, ``min(dim)``, ``sort``, ``topk`` ..."""

    max = collections.namedtuple("max", ["values", "indices"])
    min = collections.namedtuple("min", ["values", "indices"])
    sort = collections.namedtuple("sort", ["values", "indices"])
    topk = collections.namedtuple("topk", ["values", "indices"])
    median = collections.namedtuple("median", ["values", "indices"])
    aminmax = collections.namedtuple("aminmax", ["min", "max"])
    slogdet = collections.namedtuple("slogdet", ["sign", "logabsdet"])
    linalg_slogdet = collections.namedtuple("linalg_slogdet", ["sign", "logabsdet"])
    linalg_eigh = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
    linalg_svd = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
    linalg_qr = collections.namedtuple("linalg_qr", ["Q", "R"])


def _take_index(x: Tensor, idx: Any, dim: int, keepdim: bool) -> Tensor:
    """The elements of ``x`` at ``idx`` (an index reduced over ``dim`` with keepdims) along ``dim``."""
    out = fnp.take_along_axis(x, idx, axis=dim)
    return out if keepdim else fnp.squeeze(out, axis=dim)


def _extremum(name: str, full, arg, combine, input: Any, dim: Any, keepdim: bool, other: Any) -> Any:
    x = _t(input)
    if isinstance(dim, Tensor):  # torch.max(a, b): elementwise
        if other is not None:
            raise TypeError(f"{name}(input, other) takes no further arguments")
        return combine(x, dim)
    if other is not None:
        return combine(x, other)
    if dim is None:
        if x.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               f"Specify the reduction dim with the 'dim' argument.")
        return full(x)
    if not isinstance(dim, (builtins.int, np.integer)):
        raise TypeError(f"{name}(): dim must be an int (got {dim!r}); use amax/amin to reduce over several dims")
    d = _norm_dim(builtins.int(dim), x.ndim, name)
    if x.ndim == 0:
        return getattr(return_types, name)(x, _t(np.zeros((), np.int64)))
    # The gradient goes to the one element whose index is returned, as PyTorch's max(dim) does.
    idx = arg(_strip_graph(x._v) if _mode.enabled else x._v, axis=d, keepdims=True)
    idx = fnp.astype(idx, np.int64)
    values = _take_index(x, idx, d, keepdim)
    return getattr(return_types, name)(values, _t(idx if keepdim else fnp.squeeze(idx, axis=d)))


def max(input: Any, dim: Any = None, keepdim: bool = False, *, other: Any = None) -> Any:  # noqa: A001
    """``max(input)``: the largest element (ties split the gradient); ``max(input, dim, keepdim=False)``: the
    named tuple ``(values, indices)`` over ``dim`` (the gradient goes to the returned index);
    ``max(input, other)``: the elementwise maximum. As ``torch.max``.

    >>> import funcgrad as fg
    >>> t = fg.tensor([[1.0, 5.0], [3.0, 2.0]])
    >>> t.max()
    tensor(5.)
    >>> values, indices = fg.max(t, 0)
    >>> indices
    tensor([1, 0])
    """
    return _extremum("max", fnp.max, fnp.argmax, _math.maximum, input, dim, keepdim, other)


def min(input: Any, dim: Any = None, keepdim: bool = False, *, other: Any = None) -> Any:  # noqa: A001
    """``torch.min``: the smallest element, ``(values, indices)`` over ``dim``, or the elementwise minimum
    (see :func:`max`).

    >>> import funcgrad as fg
    >>> fg.min(fg.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=1).values
    tensor([1., 2.])
    """
    return _extremum("min", fnp.min, fnp.argmin, _math.minimum, input, dim, keepdim, other)


def argmax(input: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (over the flattened tensor when ``dim`` is None) (``torch.argmax``).

    >>> import funcgrad as fg
    >>> fg.argmax(fg.tensor([1.0, 5.0, 3.0]))
    tensor(1)
    """
    x = _t(input)
    if dim is None:
        return fnp.astype(fnp.argmax(x), np.int64)
    return fnp.astype(fnp.argmax(x, axis=dim, keepdims=keepdim), np.int64)


def argmin(input: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (``torch.argmin``)."""
    x = _t(input)
    if dim is None:
        return fnp.astype(fnp.argmin(x), np.int64)
    return fnp.astype(fnp.argmin(x, axis=dim, keepdims=keepdim), np.int64)


def _truth(fn, input: Any, dim: Any, keepdim: bool) -> Tensor:
    x = _t(input)
    out = fn(x, axis=_dims(dim), keepdims=keepdim)
    # PyTorch keeps uint8 for uint8 input (its legacy bool type); every other dtype gives bool
    return fnp.astype(out, np.uint8) if x.dtype == np.uint8 else out


def all(input: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether all elements (over ``dim``) are true (``torch.all``); uint8 for uint8 input, as in PyTorch."""
    return _truth(fnp.all, input, dim, keepdim)


def any(input: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether any element (over ``dim``) is true (``torch.any``); uint8 for uint8 input, as in PyTorch."""
    return _truth(fnp.any, input, dim, keepdim)


def count_nonzero(input: Any, dim: Any = None) -> Tensor:
    """Number of non-zero elements over ``dim`` (``torch.count_nonzero``)."""
    return fnp.sum(fnp.not_equal(_t(input), 0), axis=_dims(dim), dtype=np.int64)


def logsumexp(input: Any, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input), dim))`` computed stably (``torch.logsumexp``).

    >>> import funcgrad as fg
    >>> fg.logsumexp(fg.tensor([0.0, 0.0]), dim=0)
    tensor(0.6931)
    """
    return _special.logsumexp(_t(input), axis=_dims(dim), keepdims=keepdim)


def _cast_for(x: Tensor, dtype: Any) -> Tensor:
    return x if dtype is None else fnp.astype(x, dtype)


def softmax(input: Any, dim: int, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x), dim)``, stably (``torch.softmax``).

    >>> import funcgrad as fg
    >>> fg.softmax(fg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    if dim is None:
        raise TypeError("softmax(): dim must be given (implicit dims are deprecated in PyTorch)")
    return _special.softmax(_cast_for(_t(input), dtype), axis=dim)


def log_softmax(input: Any, dim: int, dtype: Any = None) -> Tensor:
    """``x - logsumexp(x, dim)`` (``torch.log_softmax``)."""
    if dim is None:
        raise TypeError("log_softmax(): dim must be given (implicit dims are deprecated in PyTorch)")
    return _special.log_softmax(_cast_for(_t(input), dtype), axis=dim)


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative sum along ``dim`` (``torch.cumsum``).

    >>> import funcgrad as fg
    >>> fg.cumsum(fg.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([1., 3., 6.])
    """
    x = _t(input)
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return fnp.cumsum(x, axis=dim, dtype=dtype)


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative product along ``dim`` (``torch.cumprod``)."""
    x = _t(input)
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.int64
    return fnp.cumprod(x, axis=dim, dtype=dtype)


def _safe_sqrt(s: Tensor) -> Tensor:
    # gradient 0 (not NaN) at 0, PyTorch's subgradient for the norm of the zero vector; a NaN stays NaN
    zero = s == 0
    return fnp.where(zero, 0.0, fnp.sqrt(fnp.where(zero, 1.0, s)))


def _vector_norm(x: Tensor, ord: Any, dim: Any, keepdim: bool) -> Tensor:
    axis = _dims(dim)
    a = fnp.abs(x)
    if ord == 2:
        return _safe_sqrt(fnp.sum(fnp.real(x * fnp.conj(x)) if x.dtype.kind == "c" else x * x, axis=axis,
                                  keepdims=keepdim))
    if ord == math.inf:
        return fnp.max(a, axis=axis, keepdims=keepdim)
    if ord == -math.inf:
        return fnp.min(a, axis=axis, keepdims=keepdim)
    if ord == 0:
        return fnp.sum(fnp.astype(fnp.not_equal(x, 0), a.dtype), axis=axis, keepdims=keepdim)
    if ord == 1:
        return fnp.sum(a, axis=axis, keepdims=keepdim)
    return fnp.linalg.vector_norm(x, axis=axis, keepdims=keepdim, ord=ord)  # gradient 0 at 0 for ord > 0


def norm(input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """``torch.norm``: the vector p-norm over ``dim`` (all elements by default; ``"fro"`` is the 2-norm), or the
    nuclear norm with ``p="nuc"``. The gradient at the zero vector is 0, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.norm(fg.tensor([3.0, 4.0]))
    tensor(5.)
    """
    x = _cast_for(_t(input), dtype)
    if p == "nuc":  # the sum of the singular values over the two dims
        d0, d1 = dim if dim is not None else (-2, -1)
        nd = x.ndim
        out = fnp.sum(fnp.linalg.svdvals(fnp.moveaxis(x, (d0 % nd, d1 % nd), (-2, -1))), axis=-1)
        return fnp.expand_dims(out, tuple(sorted((d0 % nd, d1 % nd)))) if keepdim else out
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported p={p!r}; use a number, 'fro' or 'nuc'")
    return _vector_norm(x, p, dim, keepdim)


def dist(input: Any, other: Any, p: float = 2) -> Tensor:
    """The p-norm of ``input - other`` (``torch.dist``)."""
    return norm(_t(input) - other, p)


def sort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """``(values, indices)`` sorted along ``dim`` (``torch.sort``); the gradient follows the values.

    >>> import funcgrad as fg
    >>> fg.sort(fg.tensor([3.0, 1.0, 2.0])).indices
    tensor([1, 2, 0])
    """
    x = _t(input)
    if x.ndim == 0:  # one element: itself, at index 0
        _norm_dim(dim, 1, "sort")
        return return_types.sort(x, _t(np.zeros((), np.int64)))
    raw = _strip_graph(x._v)
    if descending:
        # the stable ascending order of the reversed values, reversed: equal values keep their order and NaN,
        # last in the ascending order, comes first (PyTorch's NaN is the largest value)
        d = _norm_dim(dim, x.ndim, "sort")
        n = x.shape[d]
        idx = fnp.flip((n - 1) - fnp.argsort(fnp.flip(raw, axis=d), axis=d, stable=True), axis=d)
    else:
        idx = fnp.argsort(raw, axis=dim, stable=True)
    idx = fnp.astype(idx, np.int64)
    return return_types.sort(fnp.take_along_axis(x, idx, axis=dim), _t(idx))


def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort ``input`` along ``dim`` (``torch.argsort``)."""
    return sort(input, dim, descending, stable).indices


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices (``torch.topk``)."""
    values, indices = sort(input, dim, descending=largest)
    return return_types.topk(narrow(values, dim, 0, k), narrow(indices, dim, 0, k))
