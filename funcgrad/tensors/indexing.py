"""PyTorch's indexing functions over Tensors: ``gather``, ``scatter``, ``index_select``, ``masked_fill``, ``where`` ..."""
from __future__ import annotations

from typing import Any
import numpy as np
from .. import numpy as fnp
from ..core import getval
from .tensor import Tensor
from .ops import (_ix, _norm_dim, _t)
from .shape import (_expand)

__all__ = ['gather', 'take_along_dim', 'take', 'scatter', 'scatter_add', 'scatter_reduce', 'index_select', 'index_add', 'masked_fill', 'masked_select']


# --- indexing --------------------------------------------------------------------------------------------------
def _along(index_shape: tuple, dim: int, index: Any) -> tuple:
    """The advanced index that picks ``index[i...]`` along ``dim`` and ``i`` along every other dimension."""
    nd = len(index_shape)
    out = []
    for d in range(nd):
        if d == dim:
            out.append(index)
        else:
            shape = [1] * nd
            shape[d] = index_shape[d]
            out.append(np.arange(index_shape[d]).reshape(shape))
    return tuple(out)


def _check_index(op: str, x: Tensor, dim: int, index: Any) -> tuple:
    idx = _ix(index)
    ishape = tuple(getattr(idx, "shape", ()))
    if np.dtype(getattr(idx, "dtype", np.int64)).kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index (got {idx.dtype})")
    if len(ishape) != x.ndim:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as input tensor "
                           f"(index {ishape}, input {x.shape})")
    d = _norm_dim(dim, x.ndim, op)
    for i, (a, b) in enumerate(zip(ishape, x.shape)):
        if i != d and a > b:
            raise RuntimeError(f"{op}(): Size does not match at dimension {i} expected index {ishape} to be "
                               f"smaller than self {x.shape} apart from dimension {d}")
    return d, idx, ishape


def gather(input: Any, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and likewise for other dims) (``torch.gather``).

    >>> import funcgrad as fg
    >>> fg.gather(fg.tensor([[1, 2], [3, 4]]), 1, fg.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """
    x = _t(input)
    d, idx, ishape = _check_index("gather", x, dim, index)
    return fnp.getitem(x, _along(ishape, d, idx))


def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Tensor:
    """``numpy.take_along_axis`` (over the flattened tensor when ``dim`` is None) (``torch.take_along_dim``)."""
    x = _t(input)
    idx = _ix(indices)
    if dim is None:
        return fnp.take_along_axis(fnp.reshape(x, (-1,)), fnp.reshape(idx, (-1,)), axis=0)
    return fnp.take_along_axis(x, idx, axis=dim)


def take(input: Any, index: Any) -> Tensor:
    """Elements of the flattened ``input`` at ``index`` (``torch.take``)."""
    return fnp.take(_t(input), _ix(index))


def _scatter(op: str, input: Any, dim: int, index: Any, src: Any, reduce: str | None) -> Tensor:
    x = _t(input)
    d, idx, ishape = _check_index(op, x, dim, index)
    where = _along(ishape, d, idx)
    if isinstance(src, Tensor):
        if src.ndim != x.ndim:
            raise RuntimeError(f"{op}(): src must have the same number of dimensions as input ({src.shape} vs "
                               f"{x.shape})")
        # PyTorch reads src at the index's positions: src may be larger than index
        src = src[tuple(slice(0, s) for s in ishape)] if src.shape != ishape else src
    upd = fnp.at(x)[where]
    if reduce is None:
        return upd.set(src)
    if reduce in ("add", "sum"):
        return upd.add(src)
    if reduce in ("multiply", "prod"):
        return upd.multiply(src)
    raise RuntimeError(f"{op}(): reduce argument must be either add or multiply (got {reduce!r})")


def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``out[index[i][j]][j] = src[i][j]`` for ``dim=0`` (``torch.scatter``, out of
    place; ``src`` may be a tensor or a number, given as ``src`` or ``value``). Where an index repeats, which
    value lands is unspecified, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.scatter(fg.tensor([0.0, 0.0, 0.0]), 0, fg.tensor([2, 0]), fg.tensor([5.0, 7.0]))
    tensor([7., 0., 5.])
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() needs src (a tensor) or value (a number)")
    return _scatter("scatter", input, dim, index, src, reduce)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of ``input`` with ``src[i][j]`` added at ``[index[i][j]][j]`` (for ``dim=0``); repeated indices
    accumulate (``torch.scatter_add``).

    >>> import funcgrad as fg
    >>> fg.scatter_add(fg.tensor([0.0, 0.0]), 0, fg.tensor([1, 1, 0]), fg.tensor([1.0, 2.0, 3.0]))
    tensor([3., 3.])
    """
    return _scatter("scatter_add", input, dim, index, src, "add")


def scatter_reduce(input: Any, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True) -> Tensor:
    """``scatter`` combining with ``reduce`` ``"sum"`` or ``"prod"`` (``torch.scatter_reduce``; include_self only)."""
    if not include_self:
        raise NotImplementedError("scatter_reduce: include_self=False is not supported")
    if reduce not in ("sum", "prod"):
        raise NotImplementedError(f"scatter_reduce: reduce={reduce!r} is not supported (use 'sum' or 'prod')")
    return _scatter("scatter_reduce", input, dim, index, src, reduce)


def index_select(input: Any, dim: int, index: Any) -> Tensor:
    """The slices at ``index`` (1-D) along ``dim`` (``torch.index_select``).

    >>> import funcgrad as fg
    >>> fg.index_select(fg.tensor([[1, 2], [3, 4]]), 0, fg.tensor([1, 1]))
    tensor([[3, 4],
            [3, 4]])
    """
    x = _t(input)
    idx = _ix(index)
    if len(getattr(idx, "shape", ())) > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    return fnp.take(x, fnp.reshape(idx, (-1,)) if getattr(idx, "ndim", 0) == 0 else idx, axis=dim)


def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim`` (``torch.index_add``)."""
    x = _t(input)
    d = _norm_dim(dim, x.ndim, "index_add")
    src = source if alpha == 1 else source * alpha
    return fnp.at(x)[(slice(None),) * d + (_ix(index),)].add(src)


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` (broadcast to input) is true (``torch.masked_fill``).

    >>> import funcgrad as fg
    >>> fg.masked_fill(fg.tensor([1.0, 2.0]), fg.tensor([True, False]), -1.0)
    tensor([-1.,  2.])
    """
    x = _t(input)
    m = _ix(mask)
    if np.dtype(getattr(m, "dtype", bool)) != np.dtype(bool):
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype {m.dtype}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    if not isinstance(value, Tensor):  # a number: made where x lives, in its dtype
        value = fnp.asarray(value, dtype=x.dtype, device=str(x.device))
    out = fnp.where(m, value, x)
    return out if out.shape == x.shape else out  # mask may broadcast input up, as in PyTorch's out-of-place form


def masked_select(input: Any, mask: Any) -> Tensor:
    """The elements where ``mask`` is true, as a 1-D tensor (``torch.masked_select``)."""
    x = _t(input)
    m = _ix(mask)
    shape = np.broadcast_shapes(x.shape, tuple(m.shape))
    x = _expand(x, *shape)
    mv = getval(m)
    return x[fnp.broadcast_to(mv, shape) if hasattr(mv, "shape") else np.broadcast_to(mv, shape)]
