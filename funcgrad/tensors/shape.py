"""PyTorch's shape functions over Tensors (``view``, ``permute``, ``unsqueeze``, ``cat``, ``split``, ``chunk`` ...).

The functions that give views in PyTorch (``view``/``reshape``, ``permute``, ``transpose``, ``t``, ``movedim``,
``squeeze``/``unsqueeze``, ``flatten``, ``expand``, ``narrow``, ``split``/``chunk``, ``unbind``, ``diagonal``)
file their results as views of their input (``views.py``): in-place updates of either reach the other."""
from __future__ import annotations

import builtins
import functools
from typing import Any, Sequence
import numpy as np
from .. import numpy as fnp
from ..backend import to_host
from ..core import getval
from .tensor import Tensor
from .ops import (_ix, _no_out, _norm_dim, _sizes, _t)
from .promotion import promote_types
from .views import record as _record, record_all as _record_all

__all__ = ['transpose', 'swapaxes', 'swapdims', 't', 'movedim', 'moveaxis', 'unsqueeze', 'squeeze', 'flatten', 'unflatten', 'ravel', 'fliplr', 'flipud', 'roll', 'repeat_interleave', 'narrow', 'split', 'tensor_split', 'chunk', 'unbind', 'tril', 'triu', 'diag', 'diag_embed', 'diagonal', 'trace', 'concat', 'concatenate', 'cat', 'stack', 'hstack', 'vstack', 'reshape', 'permute', 'broadcast_to', 'broadcast_tensors', 'flip', 'tile']


# --- shape ------------------------------------------------------------------------------------------------------
def reshape(input: Any, shape: Sequence[int]) -> Tensor:
    """The same elements in a new shape (one size may be -1) (``torch.reshape``).

    >>> import funcgrad as fg
    >>> fg.reshape(fg.tensor([0, 1, 2, 3, 4, 5]), (2, -1)).shape
    torch.Size([2, 3])
    """
    x = _t(input)
    shape = (shape,) if isinstance(shape, (builtins.int, np.integer)) else tuple(shape)
    if x.shape == shape:
        return x
    out = fnp.reshape(x, shape)
    return _record(x, out, (fnp.reshape, tuple(out.shape)))


def _view(self: Tensor, *shape: Any) -> Tensor:
    """``t.view(*shape)``: the same elements in a new shape (funcgrad tensors are immutable, so a view and a
    reshape are the same thing)."""
    if len(shape) == 1 and not isinstance(shape[0], (builtins.int, np.integer, list, tuple)):
        raise TypeError(f"view(dtype) (reinterpreting the bytes) is not supported: use .to({shape[0]}) to convert")
    return reshape(self, _sizes(shape))


def _reshape_method(self: Tensor, *shape: Any) -> Tensor:
    """``t.reshape(*shape)``."""
    return reshape(self, _sizes(shape))


def permute(input: Any, dims: Sequence[int]) -> Tensor:
    """The dimensions reordered as ``dims`` (``torch.permute``).

    >>> import funcgrad as fg
    >>> fg.permute(fg.tensor([[[1.0, 2.0]]]), (2, 0, 1)).shape
    torch.Size([2, 1, 1])
    """
    x = _t(input)
    dims = tuple(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal "
                           f"to len(dims) = {len(dims)}")
    return _record(x, fnp.transpose(x, dims), (fnp.transpose, dims))


def transpose(input: Any, dim0: int, dim1: int) -> Tensor:
    """``input`` with dimensions ``dim0`` and ``dim1`` swapped (``torch.transpose``).

    >>> import funcgrad as fg
    >>> fg.transpose(fg.tensor([[1, 2]]), 0, 1).shape
    torch.Size([2, 1])
    """
    x = _t(input)
    if x.ndim == 0:
        return x
    return _record(x, fnp.swapaxes(x, dim0, dim1), (fnp.swapaxes, dim0, dim1))


swapaxes = swapdims = transpose


def t(input: Any) -> Tensor:
    """Transpose of a tensor with at most 2 dimensions (``torch.t``)."""
    x = _t(input)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D; use "
                           f"transpose(dim0, dim1) or mT")
    return x if x.ndim < 2 else _record(x, fnp.swapaxes(x, 0, 1), (fnp.swapaxes, 0, 1))


def movedim(input: Any, source: Any, destination: Any) -> Tensor:
    """Move dimensions ``source`` to ``destination`` (``torch.movedim``)."""
    x = _t(input)
    return _record(x, fnp.moveaxis(x, source, destination), (fnp.moveaxis, source, destination))


moveaxis = movedim


def unsqueeze(input: Any, dim: int) -> Tensor:
    """A size-1 dimension inserted at ``dim`` (``torch.unsqueeze``).

    >>> import funcgrad as fg
    >>> fg.unsqueeze(fg.tensor([1.0, 2.0]), -1).shape
    torch.Size([2, 1])
    """
    x = _t(input)
    d = _norm_dim(dim, x.ndim + 1, "unsqueeze")
    return _shaped(x, fnp.expand_dims(x, d))


def _shaped(x: Tensor, out: Tensor) -> Tensor:
    """``out``, the elements of ``x`` in another shape, filed as a view of ``x``."""
    return _record(x, out, (fnp.reshape, tuple(out.shape)))


def squeeze(input: Any, dim: Any = None) -> Tensor:
    """Size-1 dimensions removed (all, or those in ``dim``; a ``dim`` whose size is not 1 is left alone, as in
    PyTorch) (``torch.squeeze``).

    >>> import funcgrad as fg
    >>> x = fg.tensor([[[1.0], [2.0]]])
    >>> fg.squeeze(x).shape, fg.squeeze(x, 1).shape
    (torch.Size([2]), torch.Size([1, 2, 1]))
    """
    x = _t(input)
    if dim is None:
        return _shaped(x, fnp.squeeze(x)) if 1 in x.shape else x
    dims = (dim,) if isinstance(dim, (builtins.int, np.integer)) else tuple(dim)
    keep = tuple(sorted({_norm_dim(d, x.ndim, "squeeze") for d in dims if x.ndim}))
    keep = tuple(d for d in keep if x.shape[d] == 1)
    return _shaped(x, fnp.squeeze(x, axis=keep)) if keep else x


def _expand(self: Tensor, *sizes: Any) -> Tensor:
    """``t.expand(*sizes)``: broadcast to ``sizes``; -1 keeps a dimension's size, new dimensions go in front
    (``torch.Tensor.expand``)."""
    sizes = _sizes(sizes)
    x = _t(self)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({x.ndim})")
    shape = []
    for i, s in enumerate(sizes):
        if s == -1:
            if i < lead:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension ({i})")
            s = x.shape[i - lead]
        elif i >= lead and x.shape[i - lead] not in (1, s):
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                               f"({x.shape[i - lead]}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(x.shape)}")
        shape.append(s)
    shape = tuple(shape)
    if shape == x.shape:
        return x
    out = fnp.broadcast_to(x, shape)  # a view whose elements overlap where it grew: PyTorch refuses writes into it
    return _record(x, out, (fnp.broadcast_to, shape), overlap=out.numel() > x.numel())


def broadcast_to(input: Any, size: Sequence[int]) -> Tensor:
    """``input`` broadcast to ``size`` (``torch.broadcast_to``)."""
    return _expand(_t(input), *tuple(size))


def broadcast_tensors(*tensors: Any) -> list:
    """The tensors broadcast against each other (``torch.broadcast_tensors``)."""
    shape = np.broadcast_shapes(*[_t(x).shape for x in tensors])
    return [broadcast_to(x, shape) for x in tensors]


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dimensions ``start_dim`` to ``end_dim`` merged into one (``torch.flatten``); a 0-d tensor becomes 1-D.

    >>> import funcgrad as fg
    >>> fg.flatten(fg.tensor([[1, 2], [3, 4]])).shape
    torch.Size([4])
    """
    x = _t(input)
    if x.ndim == 0:
        return _shaped(x, fnp.reshape(x, (1,)))
    s = _norm_dim(start_dim, x.ndim, "flatten")
    e = _norm_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return x
    return _shaped(x, fnp.reshape(x, x.shape[:s] + (-1 if x.numel() else builtins.int(np.prod(x.shape[s:e + 1])),)
                                  + x.shape[e + 1:]))


def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dimension ``dim`` split into ``sizes`` (one may be -1) (``torch.unflatten``)."""
    x = _t(input)
    d = _norm_dim(dim, x.ndim, "unflatten")
    return _shaped(x, fnp.reshape(x, x.shape[:d] + tuple(sizes) + x.shape[d + 1:]))


def ravel(input: Any) -> Tensor:
    """The elements as a 1-D tensor (``torch.ravel``)."""
    return fnp.reshape(_t(input), (-1,))


def flip(input: Any, dims: Any) -> Tensor:
    """Reverse the order along ``dims`` (``torch.flip``)."""
    dims = (dims,) if isinstance(dims, (builtins.int, np.integer)) else tuple(dims)
    return fnp.flip(_t(input), axis=dims)


def fliplr(input: Any) -> Tensor:
    """Reverse the columns (``torch.fliplr``)."""
    return flip(input, 1)


def flipud(input: Any) -> Tensor:
    """Reverse the rows (``torch.flipud``)."""
    return flip(input, 0)


def roll(input: Any, shifts: Any, dims: Any = None) -> Tensor:
    """Elements shifted cyclically by ``shifts`` along ``dims`` (flattened when None) (``torch.roll``)."""
    return fnp.roll(_t(input), shifts, axis=dims if dims is None or isinstance(dims, builtins.int) else tuple(dims))


def tile(input: Any, dims: Sequence[int]) -> Tensor:
    """``input`` repeated ``dims`` times along each dimension (``torch.tile``, NumPy's tile)."""
    dims = (dims,) if isinstance(dims, (builtins.int, np.integer)) else tuple(dims)
    return fnp.tile(_t(input), dims)


def _repeat(self: Tensor, *sizes: Any) -> Tensor:
    """``t.repeat(*sizes)``: the tensor tiled ``sizes`` times along each dimension (NumPy's ``tile``, not
    NumPy's ``repeat``); ``sizes`` may have more entries than the tensor has dimensions.

    >>> import funcgrad as fg
    >>> fg.tensor([1, 2]).repeat(2)
    tensor([1, 2, 1, 2])
    """
    sizes = _sizes(sizes)
    if len(sizes) < self.ndim:
        raise RuntimeError(f"Number of dimensions of repeat dims ({len(sizes)}) can not be smaller than number of "
                           f"dimensions of tensor ({self.ndim})")
    return fnp.tile(self, sizes)


def repeat_interleave(input: Any, repeats: Any, dim: int | None = None, *, output_size: Any = None) -> Tensor:
    """Each element repeated ``repeats`` times (over the flattened tensor when ``dim`` is None)
    (``torch.repeat_interleave``, NumPy's repeat).

    >>> import funcgrad as fg
    >>> fg.repeat_interleave(fg.tensor([1, 2]), 2)
    tensor([1, 1, 2, 2])
    """
    reps = _ix(repeats)
    # the counts are read on the host (they decide the output's length), as CuPy's repeat wants them
    return fnp.repeat(_t(input), reps if isinstance(reps, builtins.int) else to_host(getval(reps)), axis=dim)


def narrow(input: Any, dim: int, start: int, length: int) -> Tensor:
    """Elements ``start`` to ``start + length`` along ``dim`` (``torch.narrow``)."""
    x = _t(input)
    d = _norm_dim(dim, x.ndim, "narrow")
    start = builtins.int(start) % x.shape[d] if start < 0 else builtins.int(start)
    if start + length > x.shape[d]:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({x.shape[d]}).")
    return x[(slice(None),) * d + (slice(start, start + length),)]


def _tensor_list(tensors: Any, op: str) -> list:
    """``tensors`` as Tensors of one dtype, PyTorch's ``promote_types`` over all of them (an int64 tensor joined
    with a float32 one gives float32, where NumPy would widen to float64)."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): expected a sequence of tensors, got a single Tensor")
    xs = [_t(x) for x in tensors]
    dtypes = {x.dtype for x in xs}
    if len(dtypes) > 1:
        dt = functools.reduce(promote_types, dtypes)
        xs = [x if x.dtype == dt else fnp.astype(x, dt) for x in xs]
    return xs


def cat(tensors: Sequence[Any], dim: int = 0, *, out: Any = None) -> Tensor:
    """Tensors joined along an existing dimension (``torch.cat``).

    >>> import funcgrad as fg
    >>> fg.cat([fg.tensor([1.0]), fg.tensor([2.0, 3.0])])
    tensor([1., 2., 3.])
    """
    _no_out("cat", out)
    xs = _tensor_list(tensors, "cat")
    if not xs:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    # PyTorch skips 1-D empty tensors (a legacy rule kept for concatenating onto torch.tensor([]))
    kept = [x for x in xs if not (x.ndim == 1 and x.shape[0] == 0)] or xs[:1]
    return kept[0] if len(kept) == 1 else fnp.concatenate(kept, axis=dim)


concat = concatenate = cat


def stack(tensors: Sequence[Any], dim: int = 0, *, out: Any = None) -> Tensor:
    """Tensors of the same shape joined along a new dimension (``torch.stack``).

    >>> import funcgrad as fg
    >>> fg.stack([fg.tensor([1.0, 2.0]), fg.tensor([3.0, 4.0])], dim=1).shape
    torch.Size([2, 2])
    """
    _no_out("stack", out)
    xs = _tensor_list(tensors, "stack")
    if not xs:
        raise RuntimeError("stack expects a non-empty TensorList")
    return fnp.stack(xs, axis=dim)


def hstack(tensors: Sequence[Any]) -> Tensor:
    """``torch.hstack``."""
    return fnp.hstack(_tensor_list(tensors, "hstack"))


def vstack(tensors: Sequence[Any]) -> Tensor:
    """``torch.vstack``."""
    return fnp.vstack(_tensor_list(tensors, "vstack"))


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of ``tensor`` along ``dim`` (``torch.split``): an int is the size of each piece (the last may be
    smaller), a list gives the sizes of the pieces (they must add up to the dimension's size). Note: PyTorch's
    meaning, not NumPy's (``numpy.split`` takes a number of pieces or split indices).

    >>> import funcgrad as fg
    >>> [p.shape for p in fg.split(fg.tensor([1, 2, 3, 4, 5]), 2)]
    [torch.Size([2]), torch.Size([2]), torch.Size([1])]
    >>> [p.shape for p in fg.split(fg.tensor([1, 2, 3, 4, 5]), [1, 4])]
    [torch.Size([1]), torch.Size([4])]
    """
    x = _t(tensor)
    d = _norm_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, (builtins.int, np.integer)):
        size = builtins.int(split_size_or_sections)
        if size <= 0 and not (size == 0 and n == 0):
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        sizes = [builtins.min(size, n - s) for s in range(0, n, size)] if n else [0]
    else:
        sizes = [builtins.int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(x[(slice(None),) * d + (slice(start, start + s),)])
        start += s
    return tuple(out)


def tensor_split(input: Any, indices_or_sections: Any, dim: int = 0) -> tuple:
    """NumPy-style split (``torch.tensor_split``): a number of near-equal pieces, or split indices."""
    return tuple(fnp.array_split(_t(input), indices_or_sections if isinstance(indices_or_sections, builtins.int)
                                 else list(indices_or_sections), axis=dim))


def chunk(input: Any, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of size ``ceil(n / chunks)`` along ``dim`` (``torch.chunk``; may return fewer).

    >>> import funcgrad as fg
    >>> len(fg.chunk(fg.tensor([1, 2, 3, 4, 5, 6]), 4))
    3
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    x = _t(input)
    n = x.shape[_norm_dim(dim, x.ndim, "chunk")]
    return split(x, builtins.max(-(-n // chunks), 1), dim)


def unbind(input: Any, dim: int = 0) -> tuple:
    """The slices along ``dim``, that dimension removed (``torch.unbind``): one node for all of them, so backward
    joins their gradients in one copy."""
    x = _t(input)
    d = _norm_dim(dim, x.ndim, "unbind")
    return _record_all(x, fnp.unstack(x, axis=d),
                       [(fnp.getitem, (slice(None),) * d + (k,)) for k in range(x.shape[d])])


def tril(input: Any, diagonal: int = 0) -> Tensor:
    """Lower triangle (of the last two dimensions) (``torch.tril``)."""
    return fnp.tril(_t(input), k=diagonal)


def triu(input: Any, diagonal: int = 0) -> Tensor:
    """Upper triangle (of the last two dimensions) (``torch.triu``)."""
    return fnp.triu(_t(input), k=diagonal)


def diag(input: Any, diagonal: int = 0) -> Tensor:
    """A 1-D tensor's diagonal matrix, or a 2-D tensor's diagonal (``torch.diag``)."""
    x = _t(input)
    if x.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    return fnp.diag(x, k=diagonal)


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose diagonals are the last dimension of ``input`` (``torch.diag_embed``, default dims)."""
    x = _t(input)
    if (dim1, dim2) != (-2, -1):
        raise NotImplementedError("diag_embed: only dim1=-2, dim2=-1 are supported")
    n = x.shape[-1] + builtins.abs(offset)
    eye = np.eye(n, k=offset, dtype=bool)
    rows, cols = np.nonzero(eye)
    out = fnp.zeros(x.shape[:-1] + (n, n), dtype=x.dtype)
    return fnp.at(out)[..., rows, cols].set(x)


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) planes, as a last dimension (``torch.diagonal``)."""
    x = _t(input)
    return _record(x, fnp.diagonal(x, offset=offset, axis1=dim1, axis2=dim2), (fnp.diagonal, offset, dim1, dim2))


def trace(input: Any) -> Tensor:
    """Sum of a 2-D tensor's diagonal (``torch.trace``)."""
    x = _t(input)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    if x.dtype.kind in "iu":  # PyTorch sums integers in int64 (NumPy keeps unsigned ones unsigned)
        return fnp.trace(x, dtype=np.int64)
    if x.dtype.kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'; convert with .long() first")
    return fnp.trace(x)
