"""PyTorch's shape, joining/splitting and creation-helper functions over Tensors (``diff``, ``meshgrid``,
``block_diag``, ``atleast_2d``, ``hsplit`` ...), and their Tensor methods.

Like :mod:`funcgrad.tensors.ops`, each function is a thin translation of PyTorch's signature into
``funcgrad.numpy`` calls on Tensors: differentiable results are composites of primitives, so their gradients come
from the engine (there is no derivative code here). Results PyTorch gives no gradient (index tensors) are
computed on the values and come back as plain int64 tensors; ``unique``, ``unique_consecutive``, ``searchsorted``
and ``bucketize`` live in ``funcgrad/tensors/searching.py`` and are re-exported here.

>>> import funcgrad as fg
>>> fg.diff(fg.tensor([1.0, 4.0, 9.0]))
tensor([3., 5.])
>>> [g.shape for g in fg.meshgrid(fg.tensor([1, 2]), fg.tensor([3, 4, 5]), indexing="ij")]
[torch.Size([2, 3]), torch.Size([2, 3])]
"""
from __future__ import annotations

import builtins
import itertools
from typing import Any, Sequence

import numpy as np

from .. import numpy as fnp
from ..backend import namespace
from .tensor import Tensor, tensor as _tensor
from .ops import _attach_methods, _norm_dim, _t
from .searching import (_plain, _value, bucketize, searchsorted, unique,  # noqa: F401  (re-exported: their home
                        unique_consecutive)  # before the split)
from .shape import cat, diag, flip, split, stack, tensor_split, transpose, vstack

__all__ = ["diff", "cross", "tril_indices", "triu_indices", "meshgrid", "rot90", "unique", "unique_consecutive",
           "searchsorted", "bucketize", "block_diag", "cartesian_prod", "combinations", "broadcast_shapes",
           "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "row_stack", "dstack", "hsplit", "vsplit",
           "dsplit", "split_with_sizes", "select", "vander", "diagflat"]


def _index_along(x: Tensor, d: int, i: Any) -> tuple:
    return (slice(None),) * d + (i,)


# --- differences and products ---------------------------------------------------------------------------------
def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``, with ``prepend``/``append`` joined first
    (``torch.diff``); for bool tensors the difference is ``!=``, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.diff(fg.tensor([[1, 3, 6], [0, 0, 2]]), dim=1)
    tensor([[2, 3],
            [0, 2]])
    >>> fg.diff(fg.tensor([1.0, 2.0]), prepend=fg.tensor([0.0]), n=2)
    tensor([0.])
    """
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional (got a 0-d tensor); use "
                           "x.reshape(1) first")
    if n < 0:
        raise RuntimeError(f"diff expects n to be non-negative, got n={n}")
    d = _norm_dim(dim, x.ndim, "diff")
    parts = []
    for name, extra in (("prepend", prepend), (None, x), ("append", append)):
        if extra is None:
            continue
        e = _t(extra)
        if name is not None:
            if e.ndim == 0:  # a number: one slice of it
                e = fnp.broadcast_to(e, x.shape[:d] + (1,) + x.shape[d + 1:])
            if e.ndim != x.ndim or e.shape[:d] + e.shape[d + 1:] != x.shape[:d] + x.shape[d + 1:]:
                raise RuntimeError(f"diff: {name} of shape {e.shape} must match input shape {x.shape} in every "
                                   f"dimension but dim={d}")
        parts.append(e)
    x = cat(parts, dim=d) if len(parts) > 1 else x
    for _ in range(n):
        hi, lo = x[_index_along(x, d, slice(1, None))], x[_index_along(x, d, slice(None, -1))]
        x = fnp.not_equal(hi, lo) if x.dtype == np.bool_ else hi - lo
    return x


def cross(input: Any, other: Any, dim: int | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (``torch.cross``); with ``dim=None`` the first dimension of
    size 3, as PyTorch's (deprecated) default. The inputs broadcast against each other.

    >>> import funcgrad as fg
    >>> fg.cross(fg.tensor([1.0, 0.0, 0.0]), fg.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    a, b = _t(input), _t(other)
    if a.ndim != b.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions (got shapes {a.shape} "
                           f"and {b.shape}); unsqueeze one of them first")
    shape = np.broadcast_shapes(a.shape, b.shape)
    if dim is None:
        dims = [i for i, s in enumerate(shape) if s == 3]
        if not dims:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {shape}; pass dim=")
        d = dims[0]
    else:
        d = _norm_dim(dim, len(shape), "cross")
    if shape[d] != 3 or a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got {a.shape[d]} and "
                           f"{b.shape[d]} (shapes {a.shape} and {b.shape})")
    a0, a1, a2 = (a[_index_along(a, d, i)] for i in range(3))
    b0, b1, b2 = (b[_index_along(b, d, i)] for i in range(3))
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim=d)


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803 - PyTorch's name
    """The Vandermonde matrix of a 1-D tensor: columns ``x**(N-1), ..., x, 1`` (reversed with
    ``increasing=True``) (``torch.vander``). Built by repeated products, so the gradient is finite at 0.

    >>> import funcgrad as fg
    >>> fg.vander(fg.tensor([1, 2, 3]), N=3)
    tensor([[1, 1, 1],
            [4, 2, 1],
            [9, 3, 1]])
    """
    v = _t(x)
    if v.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor (got shape {v.shape})")
    n = v.shape[0] if N is None else builtins.int(N)
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {n}")
    if v.dtype == np.bool_ or v.dtype.kind in "iu":
        v = fnp.astype(v, np.int64)
    cols = []
    for i in range(n):
        cols.append(fnp.ones_like(v) if i == 0 else cols[-1] * v)
    if not cols:
        return _plain(namespace(_value(v)).zeros((v.shape[0], 0), dtype=v.dtype))
    out = stack(cols, dim=1)
    return out if increasing else flip(out, 1)


# --- index helpers --------------------------------------------------------------------------------------------
def _tri_indices(name: str, np_fn, row: int, col: int, offset: int, dtype: Any, device: Any) -> Tensor:
    if row < 0 or col < 0:
        raise RuntimeError(f"{name}: row and col must be non-negative, got row={row}, col={col}")
    r, c = np_fn(row, offset, col)
    return _tensor(np.stack([r, c]).astype(np.dtype(dtype)).reshape(2, -1), device=device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = np.int64, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The ``(2, N)`` coordinates of the lower triangle of a ``row x col`` matrix, row by row
    (``torch.tril_indices``).

    >>> import funcgrad as fg
    >>> fg.tril_indices(3, 3)
    tensor([[0, 1, 1, 2, 2, 2],
            [0, 0, 1, 0, 1, 2]])
    """
    return _tri_indices("tril_indices", np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = np.int64, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The ``(2, N)`` coordinates of the upper triangle of a ``row x col`` matrix (``torch.triu_indices``).

    >>> import funcgrad as fg
    >>> fg.triu_indices(2, 3, 1)
    tensor([[0, 0, 1],
            [1, 2, 2]])
    """
    return _tri_indices("triu_indices", np.triu_indices, row, col, offset, dtype, device)


def _tensors(tensors: tuple, op: str) -> list:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return [_t(x) for x in tensors]


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    """Coordinate grids of 1-D tensors (``torch.meshgrid``): ``indexing="ij"`` (the default, without PyTorch's
    warning) gives shape ``(len(t0), len(t1), ...)``; ``"xy"`` swaps the first two dimensions.
    Gradients flow back to the inputs (summed over the grid).

    >>> import funcgrad as fg
    >>> x, y = fg.meshgrid(fg.tensor([1, 2]), fg.tensor([3, 4, 5]), indexing="xy")
    >>> x
    tensor([[1, 2],
            [1, 2],
            [1, 2]])
    """
    xs = _tensors(tensors, "meshgrid")
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of 'xy' or 'ij', but received: {indexing!r}")
    for i, x in enumerate(xs):
        if x.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got tensor {i} "
                               f"of shape {x.shape}")
    xs = [fnp.reshape(x, (-1,)) for x in xs]
    order = list(range(len(xs)))
    if indexing == "xy" and len(xs) >= 2:
        order[0], order[1] = 1, 0  # position in the grid of each input
    shape = [0] * len(xs)
    for i, x in enumerate(xs):
        shape[order[i]] = x.shape[0]
    out = []
    for i, x in enumerate(xs):
        s = [1] * len(xs)
        s[order[i]] = x.shape[0]
        out.append(fnp.broadcast_to(fnp.reshape(x, tuple(s)), tuple(shape)))
    return tuple(out)


def cartesian_prod(*tensors: Any) -> Tensor:
    """All combinations of one element from each 1-D tensor, as the rows of a matrix (``torch.cartesian_prod``;
    one tensor is returned as is).

    >>> import funcgrad as fg
    >>> fg.cartesian_prod(fg.tensor([1, 2]), fg.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    xs = _tensors(tensors, "cartesian_prod")
    for x in xs:
        if x.ndim != 1:
            raise RuntimeError(f"cartesian_prod: expect a 1D vector, but got shape {x.shape}")
    if len(xs) == 1:
        return xs[0]
    return stack([fnp.reshape(g, (-1,)) for g in meshgrid(*xs, indexing="ij")], dim=1)


def combinations(input: Any, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-D tensor's elements, as rows (``torch.combinations``, itertools'
    order).

    >>> import funcgrad as fg
    >>> fg.combinations(fg.tensor([1, 2, 3]))
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    x = _t(input)
    if x.ndim != 1:
        raise RuntimeError(f"combinations: Expect a 1D vector, but got shape {x.shape}")
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return x[np.zeros(0, np.int64)]
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return x[idx]


# --- rotation, triangles, diagonals -----------------------------------------------------------------------------
def rot90(input: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane ``dims``, from the first towards the second
    (``torch.rot90``).

    >>> import funcgrad as fg
    >>> fg.rot90(fg.tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    x = _t(input)
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = _norm_dim(dims[0], x.ndim, "rot90"), _norm_dim(dims[1], x.ndim, "rot90")
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = builtins.int(k) % 4
    if k == 1:
        return transpose(flip(x, d1), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return transpose(flip(x, d0), d0, d1)
    return x


def diagflat(input: Any, offset: int = 0) -> Tensor:
    """The flattened input as the ``offset`` diagonal of a square matrix (``torch.diagflat``).

    >>> import funcgrad as fg
    >>> fg.diagflat(fg.tensor([[1, 2]]))
    tensor([[1, 0],
            [0, 2]])
    """
    return diag(fnp.reshape(_t(input), (-1,)), offset)


def select(input: Any, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, that dimension removed (``torch.select``).

    >>> import funcgrad as fg
    >>> fg.select(fg.tensor([[1, 2], [3, 4]]), 1, -1)
    tensor([2, 4])
    """
    x = _t(input)
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _norm_dim(dim, x.ndim, "select")
    n = x.shape[d]
    i = builtins.int(index)
    if not -n <= i < n:
        raise IndexError(f"select(): index {i} out of range for tensor of size {x.shape} at dimension {d}")
    return x[_index_along(x, d, i % n)]


# --- broadcasting, stacking, splitting -----------------------------------------------------------------------------
def broadcast_shapes(*shapes: Any) -> tuple:
    """The shape that tensors of ``shapes`` broadcast to (``torch.broadcast_shapes``; an int is a 1-D shape).

    >>> import funcgrad as fg
    >>> fg.broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    norm = [(builtins.int(s),) if isinstance(s, (builtins.int, np.integer)) else tuple(s) for s in shapes]
    try:
        return tuple(builtins.int(s) for s in np.broadcast_shapes(*norm))
    except ValueError:
        raise RuntimeError(f"broadcast_shapes: shapes {norm} cannot be broadcast together (sizes must be equal or "
                           f"1 in each dimension, aligned from the right)") from None


def _atleast(tensors: tuple, nd: int, op: str) -> Any:
    def one(x: Tensor) -> Tensor:
        if x.ndim >= nd:
            return x
        if nd == 3 and x.ndim == 2:
            return fnp.reshape(x, x.shape + (1,))
        if nd == 3 and x.ndim == 1:
            return fnp.reshape(x, (1,) + x.shape + (1,))
        return fnp.reshape(x, (1,) * (nd - x.ndim) + x.shape)

    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(one(x) for x in _tensors(tensors, op))
    out = tuple(one(x) for x in _tensors(tensors, op))
    return out[0] if len(out) == 1 else out


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least one dimension (``torch.atleast_1d``); one tensor in, one out.

    >>> import funcgrad as fg
    >>> fg.atleast_1d(fg.tensor(1.0)).shape
    torch.Size([1])
    """
    return _atleast(tensors, 1, "atleast_1d")


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least two dimensions, new ones in front (``torch.atleast_2d``).

    >>> import funcgrad as fg
    >>> fg.atleast_2d(fg.tensor([1.0, 2.0])).shape
    torch.Size([1, 2])
    """
    return _atleast(tensors, 2, "atleast_2d")


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least three dimensions: ``(N,)`` becomes ``(1, N, 1)`` and ``(M, N)`` becomes
    ``(M, N, 1)`` (``torch.atleast_3d``).

    >>> import funcgrad as fg
    >>> fg.atleast_3d(fg.tensor([1.0, 2.0])).shape
    torch.Size([1, 2, 1])
    """
    return _atleast(tensors, 3, "atleast_3d")


def column_stack(tensors: Sequence[Any]) -> Tensor:
    """Tensors joined as columns: 0-d and 1-D ones become columns first (``torch.column_stack``).

    >>> import funcgrad as fg
    >>> fg.column_stack([fg.tensor([1, 2]), fg.tensor([[3], [4]])])
    tensor([[1, 3],
            [2, 4]])
    """
    xs = [_t(x) for x in tensors]
    if not xs:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    xs = [fnp.reshape(x, (-1, 1)) if x.ndim <= 1 else x for x in xs]
    return cat(xs, dim=1)


def row_stack(tensors: Sequence[Any]) -> Tensor:
    """``vstack``: tensors joined as rows, 0-d and 1-D ones made rows first (``torch.row_stack``).

    >>> import funcgrad as fg
    >>> fg.row_stack([fg.tensor([1, 2]), fg.tensor([3, 4])]).shape
    torch.Size([2, 2])
    """
    return vstack(tensors)


def dstack(tensors: Sequence[Any]) -> Tensor:
    """Tensors made at least 3-D and joined along the third dimension (``torch.dstack``).

    >>> import funcgrad as fg
    >>> fg.dstack([fg.tensor([1, 2]), fg.tensor([3, 4])])
    tensor([[[1, 3],
             [2, 4]]])
    """
    xs = [_t(x) for x in tensors]
    if not xs:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(list(atleast_3d(xs)), dim=2)


def _split_dim(op: str, input: Any, sections: Any, dim: int, min_dim: int) -> tuple:
    x = _t(input)
    if x.ndim < min_dim:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_dim} dimension(s), but got a tensor "
                           f"with {x.ndim} dimensions")
    if isinstance(sections, (builtins.int, np.integer)):
        n = x.shape[dim]
        if sections <= 0 or n % sections:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {n} is not divisible by the split_size {sections}; pass split indices "
                               f"or use tensor_split for uneven pieces")
        return tensor_split(x, builtins.int(sections), dim)
    return tensor_split(x, [builtins.int(i) for i in sections], dim)


def hsplit(input: Any, indices_or_sections: Any) -> tuple:
    """Split along the columns (dimension 1, or 0 for a 1-D tensor) into equal pieces or at indices
    (``torch.hsplit``).

    >>> import funcgrad as fg
    >>> [p.shape for p in fg.hsplit(fg.zeros(2, 4), 2)]
    [torch.Size([2, 2]), torch.Size([2, 2])]
    """
    x = _t(input)
    return _split_dim("hsplit", x, indices_or_sections, 0 if x.ndim == 1 else 1, 1)


def vsplit(input: Any, indices_or_sections: Any) -> tuple:
    """Split along the rows (dimension 0) of a tensor of at least 2 dimensions (``torch.vsplit``).

    >>> import funcgrad as fg
    >>> [p.shape for p in fg.vsplit(fg.zeros(4, 2), [1])]
    [torch.Size([1, 2]), torch.Size([3, 2])]
    """
    return _split_dim("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Any, indices_or_sections: Any) -> tuple:
    """Split along the depth (dimension 2) of a tensor of at least 3 dimensions (``torch.dsplit``).

    >>> import funcgrad as fg
    >>> [p.shape for p in fg.dsplit(fg.zeros(1, 2, 4), 2)]
    [torch.Size([1, 2, 2]), torch.Size([1, 2, 2])]
    """
    return _split_dim("dsplit", input, indices_or_sections, 2, 3)


def split_with_sizes(input: Any, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """Pieces of the given sizes along ``dim`` (they must add up to its size) (``torch.split_with_sizes``).

    >>> import funcgrad as fg
    >>> [p.tolist() for p in fg.split_with_sizes(fg.tensor([1, 2, 3]), [2, 1])]
    [[1, 2], [3]]
    """
    if isinstance(split_sizes, (builtins.int, np.integer)):
        raise TypeError("split_with_sizes(): split_sizes must be a list of ints; use split() for one size")
    return split(input, list(split_sizes), dim)


# --- block_diag ------------------------------------------------------------------------------------------------------
def block_diag(*tensors: Any) -> Tensor:
    """The tensors (0-d, 1-D as one row, or 2-D) as the diagonal blocks of a matrix, zeros elsewhere, in their
    promoted dtype (``torch.block_diag``).

    >>> import funcgrad as fg
    >>> fg.block_diag(fg.tensor([[1, 2]]), fg.tensor(3))
    tensor([[1, 2, 0],
            [0, 0, 3]])
    """
    xs = []
    for i, x in enumerate(_t(x) for x in tensors):
        if x.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{x.ndim} dimensions (shape {x.shape})")
        xs.append(fnp.reshape(x, (1, -1) if x.ndim == 1 else (1, 1)) if x.ndim < 2 else x)
    if not xs:
        return _plain(np.zeros((1, 0), np.float32))
    dtypes = [x.dtype for x in xs]
    floats = [d for d in dtypes if d.kind in "fc"]  # PyTorch's promotion: integers join the floating dtype
    dtype = np.result_type(*(floats or dtypes))
    rows, cols = builtins.sum(x.shape[0] for x in xs), builtins.sum(x.shape[1] for x in xs)
    out = _plain(namespace(_value(xs[0])).zeros((rows, cols), dtype=dtype))
    r = c = 0
    for x in xs:
        h, w = x.shape
        if h and w:
            out = fnp.at(out)[r:r + h, c:c + w].set(fnp.astype(x, dtype) if x.dtype != dtype else x)
        r, c = r + h, c + w
    return out


_METHODS = ["diff", "cross", "rot90", "hsplit", "vsplit", "dsplit", "split_with_sizes", "select", "diagflat"]


_attach_methods(_METHODS, globals())
