"""More Tensor methods: the in-place index/scatter updates (``index_add_``, ``scatter_reduce_``, ``put_``,
``index_put_`` ...), ``unfold``/``as_strided``, and PyTorch's memory-layout attributes (``stride``,
``is_contiguous``, ``nbytes`` ...).

In-place methods are functional underneath, like those of :mod:`funcgrad.tensors.inplace`: each computes the new
value out of place and rebinds the tensor through its ``_rebind`` (so the rules there apply: a leaf that requires
grad raises under grad mode, no_grad updates are not recorded, the tensor keeps its shape and dtype). Numbers take
the tensor's dtype.

funcgrad arrays are C-contiguous values with no shared storage, so ``is_contiguous()`` is always true,
``storage_offset()`` is 0 and ``stride()`` is the C-order stride in elements.

>>> import funcgrad as fg
>>> fg.zeros(3).index_add_(0, fg.tensor([0, 0, 2]), fg.tensor([1.0, 2.0, 3.0]))
tensor([3., 0., 3.])
>>> fg.zeros(2, 3).stride()
(3, 1)
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace
from ..core import getval
from .tensor import Tensor
from .inplace import _rebind
from .operators import _check_inplace, _index
from .ops import _norm_dim, _t
from .indexing import masked_fill
from .views import record as _record
from .scatter import (_add, _as_tensor, _cast_src, _check_range, _index_where, _scatter_where, _set,
                            index_copy, index_fill, index_reduce, masked_scatter, scatter_reduce_full)

__all__: list = []


def _inplace(self: Tensor, what: str, compute) -> Tensor:
    _check_inplace(self, what)
    return _rebind(self, _as_tensor(compute())._v, what)


# --- out-of-place helpers that PyTorch has as methods ---------------------------------------------------------
def _index_add_checked(x: Tensor, dim: int, index: Any, source: Any, alpha: Any) -> Tensor:
    src = _cast_src("index_add", x, _t(source))
    _, _, where = _index_where("index_add", x, dim, index, src)
    if alpha != 1:
        src = src * alpha
    return _add(x, where, src) if x.ndim else x + fnp.reshape(src, ())


def put(self: Tensor, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """A copy with ``source``'s elements written at the flat (row-major) positions ``index``, or added with
    ``accumulate=True`` (``torch.Tensor.put``; negative indices count from the end).

    >>> import funcgrad as fg
    >>> fg.zeros(2, 2).put(fg.tensor([0, -1]), fg.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    x = _t(self)
    idx = _index(index) if isinstance(index, Tensor) else np.asarray(index)
    if np.dtype(idx.dtype).kind not in "iu":
        raise IndexError(f"put(): index must be an integer tensor (int64), got dtype {idx.dtype}")
    src = _cast_src("put", x, _t(source))
    if src.numel() != getattr(idx, "size", 1):
        raise RuntimeError(f"put(): expected source and index to have the same number of elements, but got source "
                           f"of {src.numel()} and index of {getattr(idx, 'size', 1)}")
    _check_range("put", idx, x.numel(), 0, True)
    flat = fnp.reshape(x, (-1,))
    where = (idx.reshape(-1),)
    vals = fnp.reshape(src, (-1,))
    out = _add(flat, where, vals) if accumulate else _set(flat, where, vals)
    return fnp.reshape(out, x.shape)


def index_put(self: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """A copy with ``self[indices] = values`` (``indices`` a tuple of index tensors or masks), or
    ``self[indices] += values`` with repeats accumulating when ``accumulate=True`` (``torch.Tensor.index_put``).

    >>> import funcgrad as fg
    >>> fg.zeros(3).index_put((fg.tensor([0, 0]),), fg.tensor(1.0), accumulate=True)
    tensor([2., 0., 0.])
    """
    x = _t(self)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): indices must be a tuple of tensors, got {type(indices).__name__}")
    idx = tuple(_index(i) if isinstance(i, Tensor) else i for i in indices)
    v = _cast_src("index_put", x, values)
    try:
        return _add(x, idx, v) if accumulate else _set(x, idx, v)
    except IndexError as e:
        raise IndexError(f"index_put(): {e} (self has shape {x.shape})") from None


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """All windows of ``size`` elements, ``step`` apart, along ``dimension``: that dimension becomes the window
    count and a last dimension of ``size`` is added (``torch.Tensor.unfold``).

    >>> import funcgrad as fg
    >>> fg.arange(5).unfold(0, 2, 2)
    tensor([[0, 1],
            [2, 3]])
    """
    x = _t(self)
    if step <= 0:
        raise RuntimeError(f"unfold(): step is {step} but must be > 0")
    if x.ndim == 0:
        if size > 1:
            raise RuntimeError(f"unfold(): maximum size for a 0-d tensor is 1, but size is {size}")
        return fnp.reshape(x, (size,))
    d = _norm_dim(dimension, x.ndim, "unfold")
    n = x.shape[d]
    if size < 0 or size > n:
        raise RuntimeError(f"unfold(): maximum size for tensor at dimension {d} is {n} but size is {size}")
    count = (n - size) // step + 1
    idx = np.arange(count)[:, None] * step + np.arange(size)[None, :]
    # a view, as in PyTorch (views.py); its windows overlap where step < size, so it cannot be written then
    return _record(x, _windows(x, d, idx), (_windows, d, idx), overlap=step < size and count > 1)


def _windows(x: Any, d: int, idx: Any) -> Any:
    """The windows ``idx`` (count, size) of ``x`` along ``d``, the window count there and the size last."""
    return fnp.moveaxis(fnp.take(x, idx, axis=d), d + 1, -1)  # ... (count, size) ...


def as_strided(self: Tensor, size: Any, stride: Any, storage_offset: int = 0) -> Tensor:
    """A tensor of shape ``size`` whose element ``i`` is the flat (row-major) element
    ``storage_offset + sum(i[k] * stride[k])`` of this tensor (``torch.Tensor.as_strided`` over a contiguous
    tensor); a copy, not a view. Overlapping windows accumulate their gradients.

    >>> import funcgrad as fg
    >>> fg.arange(4).as_strided((3, 2), (1, 1))
    tensor([[0, 1],
            [1, 2],
            [2, 3]])
    """
    x = _t(self)
    size, stride = tuple(builtins.int(s) for s in size), tuple(builtins.int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"as_strided(): mismatch in length of strides and shape ({len(stride)} vs {len(size)})")
    if any(s < 0 for s in stride) or storage_offset < 0:
        raise RuntimeError(f"as_strided(): strides and storage_offset must be non-negative (got {stride}, "
                           f"{storage_offset})")
    flat_idx = np.full(size, storage_offset, dtype=np.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[k] = n
        flat_idx = flat_idx + np.arange(n, dtype=np.int64).reshape(shape) * s
    if flat_idx.size and builtins.int(flat_idx.max()) >= x.numel():
        raise RuntimeError(f"as_strided(): setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                           f"{storage_offset} require {builtins.int(flat_idx.max()) + 1} elements, but this tensor "
                           f"has {x.numel()}")
    return fnp.reshape(x, (-1,))[flat_idx]


# --- in-place methods ----------------------------------------------------------------------------------------------
def index_add_(self: Tensor, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """Add ``alpha * source``'s slices at ``index`` along ``dim``, in place; repeated indices accumulate
    (``torch.Tensor.index_add_``).

    >>> import funcgrad as fg
    >>> fg.zeros(2, 2).index_add_(1, fg.tensor([1]), fg.ones(2, 1), alpha=3)
    tensor([[0., 3.],
            [0., 3.]])
    """
    return _inplace(self, "index_add_", lambda: _index_add_checked(self, dim, index, source, alpha))


def index_copy_(self: Tensor, dim: int, index: Any, source: Any) -> Tensor:
    """:func:`funcgrad.index_copy` in place (``torch.Tensor.index_copy_``).

    >>> import funcgrad as fg
    >>> fg.zeros(3).index_copy_(0, fg.tensor([1]), fg.tensor([4.0]))
    tensor([0., 4., 0.])
    """
    return _inplace(self, "index_copy_", lambda: index_copy(self, dim, index, source))


def index_fill_(self: Tensor, dim: int, index: Any, value: Any) -> Tensor:
    """:func:`funcgrad.index_fill` in place (``torch.Tensor.index_fill_``); a number takes this tensor's dtype.

    >>> import funcgrad as fg
    >>> fg.tensor([1, 2, 3]).index_fill_(0, fg.tensor([0, 2]), 2.7)
    tensor([2, 2, 2])
    """
    return _inplace(self, "index_fill_", lambda: index_fill(self, dim, index, value))


def index_reduce_(self: Tensor, dim: int, index: Any, source: Any, reduce: str, *,
                  include_self: bool = True) -> Tensor:
    """:func:`funcgrad.index_reduce` in place (``torch.Tensor.index_reduce_``).

    >>> import funcgrad as fg
    >>> fg.zeros(2).index_reduce_(0, fg.tensor([1, 1]), fg.tensor([1.0, 5.0]), "amax", include_self=False)
    tensor([0., 5.])
    """
    return _inplace(self, "index_reduce_",
                    lambda: index_reduce(self, dim, index, source, reduce, include_self=include_self))


def masked_scatter_(self: Tensor, mask: Any, source: Any) -> Tensor:
    """:func:`funcgrad.masked_scatter` in place; the mask must broadcast to this tensor's shape
    (``torch.Tensor.masked_scatter_``).

    >>> import funcgrad as fg
    >>> fg.zeros(3).masked_scatter_(fg.tensor([False, True, True]), fg.tensor([7.0, 8.0]))
    tensor([0., 7., 8.])
    """
    return _inplace(self, "masked_scatter_", lambda: masked_scatter(self, mask, source))


def masked_fill_(self: Tensor, mask: Any, value: Any) -> Tensor:
    """:func:`funcgrad.masked_fill` in place (``torch.Tensor.masked_fill_``).

    >>> import funcgrad as fg
    >>> fg.tensor([1, 2]).masked_fill_(fg.tensor([True, False]), 0)
    tensor([0, 2])
    """
    return _inplace(self, "masked_fill_", lambda: masked_fill(self, mask, value))


def scatter_(self: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
             reduce: str | None = None) -> Tensor:
    """:func:`funcgrad.scatter` in place (``torch.Tensor.scatter_``).

    >>> import funcgrad as fg
    >>> fg.zeros(3).scatter_(0, fg.tensor([2]), 1.5)
    tensor([0.0000, 0.0000, 1.5000])
    """
    def compute() -> Tensor:
        s = value if src is None else src
        if s is None:
            raise TypeError("scatter_() needs src (a tensor) or value (a number)")
        where, v = _scatter_where("scatter_", self, dim, index, s)
        if reduce is None:
            return _set(self, where, v)
        if reduce == "add":
            return _add(self, where, v)
        if reduce == "multiply":
            return _as_tensor(fnp.at(self)[where].multiply(v))
        raise RuntimeError(f"scatter_(): reduce argument must be either 'add' or 'multiply', got {reduce!r}")
    return _inplace(self, "scatter_", compute)


def scatter_add_(self: Tensor, dim: int, index: Any, src: Any) -> Tensor:
    """Add ``src[i][j]`` at ``[index[i][j]][j]`` (for ``dim=0``) in place; repeats accumulate
    (``torch.Tensor.scatter_add_``).

    >>> import funcgrad as fg
    >>> fg.zeros(2).scatter_add_(0, fg.tensor([1, 1]), fg.tensor([1.0, 2.0]))
    tensor([0., 3.])
    """
    def compute() -> Tensor:
        where, s = _scatter_where("scatter_add", self, dim, index, src)
        return _add(self, where, s)
    return _inplace(self, "scatter_add_", compute)


def scatter_reduce_(self: Tensor, dim: int, index: Any, src: Any, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """Combine ``src`` into this tensor at ``index`` along ``dim`` by ``reduce`` (``"sum"``, ``"prod"``,
    ``"mean"``, ``"amax"``, ``"amin"``), in place (``torch.Tensor.scatter_reduce_``); ``amax``/``amin`` share the
    gradient evenly among ties.

    >>> import funcgrad as fg
    >>> fg.zeros(2).scatter_reduce_(0, fg.tensor([0, 0, 1]), fg.tensor([1.0, 3.0, 5.0]), "mean")
    tensor([1.3333, 2.5000])
    """
    return _inplace(self, "scatter_reduce_",
                    lambda: scatter_reduce_full(self, dim, index, src, reduce, include_self=include_self))


def put_(self: Tensor, index: Any, source: Any, accumulate: bool = False) -> Tensor:
    """:meth:`Tensor.put` in place (``torch.Tensor.put_``).

    >>> import funcgrad as fg
    >>> fg.zeros(3).put_(fg.tensor([1, 1]), fg.tensor([1.0, 2.0]), accumulate=True)
    tensor([0., 3., 0.])
    """
    return _inplace(self, "put_", lambda: put(self, index, source, accumulate))


def index_put_(self: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """:meth:`Tensor.index_put` in place (``torch.Tensor.index_put_``).

    >>> import funcgrad as fg
    >>> fg.zeros(2, 2).index_put_((fg.tensor([0, 1]), fg.tensor([1, 0])), fg.tensor([5.0, 6.0]))
    tensor([[0., 5.],
            [6., 0.]])
    """
    return _inplace(self, "index_put_", lambda: index_put(self, indices, values, accumulate))


# --- memory-layout attributes --------------------------------------------------------------------------------------
def stride(self: Tensor, dim: int | None = None) -> Any:
    """The C-order strides in elements (``torch.Tensor.stride``); ``stride(dim)`` for one dimension.

    >>> import funcgrad as fg
    >>> fg.zeros(2, 3, 4).stride(), fg.zeros(2, 3, 4).stride(-2)
    ((12, 4, 1), 4)
    """
    shape = self.shape
    out, acc = [], 1
    for n in reversed(shape):
        out.append(acc)
        acc *= builtins.max(n, 1)
    out = tuple(reversed(out))
    if dim is None:
        return out
    if not shape:
        raise IndexError("stride(): a 0-d tensor has no dimensions")
    return out[_norm_dim(dim, len(shape), "stride")]


def is_contiguous(self: Tensor, memory_format: Any = None) -> bool:
    """Always True: funcgrad tensors are C-contiguous values (``torch.Tensor.is_contiguous``).

    >>> import funcgrad as fg
    >>> fg.zeros(2, 3).t().is_contiguous()
    True
    """
    return True


def storage_offset(self: Tensor) -> int:
    """Always 0: a tensor never views into another's storage (``torch.Tensor.storage_offset``).

    >>> import funcgrad as fg
    >>> fg.zeros(4)[1:].storage_offset()
    0
    """
    return 0


def element_size(self: Tensor) -> int:
    """Bytes per element (``torch.Tensor.element_size``).

    >>> import funcgrad as fg
    >>> fg.zeros(2).element_size(), fg.zeros(2).double().element_size()
    (4, 8)
    """
    return builtins.int(self.dtype.itemsize)


def data_ptr(self: Tensor) -> int:
    """The address of the first element of the current value (``torch.Tensor.data_ptr``); in-place methods
    rebind the tensor to a new array, so the address changes after them, unlike PyTorch.

    >>> import funcgrad as fg
    >>> fg.zeros(2).data_ptr() > 0
    True
    """
    v = getval(self._v)
    if namespace(v) is np:
        return builtins.int(np.asarray(v).__array_interface__["data"][0])
    data = getattr(v, "data", None)
    return builtins.int(getattr(data, "ptr", 0))


def _nbytes(self: Tensor) -> int:
    """Bytes of the elements, ``numel() * element_size()`` (``torch.Tensor.nbytes``).

    >>> import funcgrad as fg
    >>> fg.zeros(2, 3).nbytes
    24
    """
    return self.numel() * builtins.int(self.dtype.itemsize)


def _itemsize(self: Tensor) -> int:
    """Bytes per element (``torch.Tensor.itemsize``).

    >>> import funcgrad as fg
    >>> fg.zeros(1, dtype=fg.float64).itemsize
    8
    """
    return builtins.int(self.dtype.itemsize)


_METHODS = [put, index_put, unfold, as_strided, index_add_, index_copy_, index_fill_, index_reduce_,
            masked_scatter_, masked_fill_, scatter_, scatter_add_, scatter_reduce_, put_, index_put_, stride,
            is_contiguous, storage_offset, element_size, data_ptr]


def _install() -> None:
    for fn in _METHODS:
        if not hasattr(Tensor, fn.__name__):
            setattr(Tensor, fn.__name__, fn)
    if not hasattr(Tensor, "nbytes"):
        Tensor.nbytes = property(_nbytes, doc=_nbytes.__doc__)
    if not hasattr(Tensor, "itemsize"):
        Tensor.itemsize = property(_itemsize, doc=_itemsize.__doc__)


_install()
