"""More of ``torch.nn.functional``'s pooling: ``adaptive_max_pool2d`` / ``3d`` (and their ``_with_indices``
forms), ``lp_pool1d`` / ``2d`` / ``3d``, ``max_unpool1d`` / ``2d`` / ``3d`` and ``local_response_norm``,
registered under their F names.

Adaptive max pooling gathers, for each output position, the window PyTorch assigns it (``[floor(i n / o),
ceil((i + 1) n / o))`` per dimension; short windows are padded with their own last position, which cannot change
the maximum) and sends the gradient to the first maximum in row-major order, as PyTorch does (``argmax``, which
has no gradient, picks it, and the value is read from the input at its index, so only that element gets
gradient, under vmap too). Max unpooling
scatters each value to the flat index max pooling returned. The others are compositions of average pooling and
elementwise operations; there is no derivative code here.

>>> import funcgrad as fg
>>> v, i = adaptive_max_pool2d(fg.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
>>> v.tolist(), i.tolist()
([[[[5.0, 7.0], [13.0, 15.0]]]], [[[[5, 7], [13, 15]]]])
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..core import getval
from .tensor import Tensor
from .activations import _nnf, _on_device_of
from .ops import _t
from .indexing import scatter, scatter_add
from .pooling import (_adaptive_bounds, _adaptive_sizes, _first_max, _pool_input, avg_pool2d, avg_pool3d,
                      _avg_pool1d)

__all__ = ["adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d",
           "max_unpool2d", "max_unpool3d", "local_response_norm"]


def _adaptive_max(op: str, input: Any, output_size: Any, nd: int) -> tuple:
    x, unbatched = _pool_input(op, input, nd)
    sizes = _adaptive_sizes(op, x, output_size, nd)
    spatial = x.shape[2:]
    positions = []
    cols = x
    for i, (n, o) in enumerate(zip(spatial, sizes)):
        lo, hi = _adaptive_bounds(n, o)
        width = int((hi - lo).max())
        pos = np.minimum(lo[:, None] + np.arange(width), hi[:, None] - 1)  # (o, width)
        positions.append(pos)
        # axis 2 + 2 i holds dimension i until it is replaced by its (o, width) pair
        cols = fnp.take(cols, _on_device_of(x, pos), axis=2 + 2 * i)
    # (N, C, o1, w1, o2, w2, ...) -> (N, C, o1, o2, ..., w1 * w2 * ...)
    perm = (0, 1) + tuple(2 + 2 * i for i in range(nd)) + tuple(3 + 2 * i for i in range(nd))
    widths = tuple(p.shape[1] for p in positions)
    k = math.prod(widths)
    cols = fnp.reshape(fnp.transpose(cols, perm), x.shape[:2] + sizes + (k,))
    # flat index, in the input plane, of window entry j at output position (o1, o2, ...)
    flat = np.zeros(sizes + widths, dtype=np.int64)
    for i, pos in enumerate(positions):
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = pos.shape
        flat = flat * spatial[i] + pos.reshape(shape)
    values, indices = _first_max(x, cols, _on_device_of(x, flat.reshape(sizes + (k,))))
    return (values[0], indices[0]) if unbatched else (values, indices)


def _adaptive_max_fns(nd: int) -> tuple:
    name = f"adaptive_max_pool{nd}d"

    def fn(input: Any, output_size: Any, return_indices: bool = False) -> Any:
        values, indices = _adaptive_max(name, input, output_size, nd)
        return (values, indices) if return_indices else values

    def with_indices(input: Any, output_size: Any, return_indices: bool = True) -> tuple:
        return _adaptive_max(name, input, output_size, nd)
    shape = (1, 1) + (5,) * nd
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"{nd}-D adaptive max pooling to ``output_size`` (``torch.nn.functional.{name}``); "
                  f"``return_indices`` also returns the flat index of each maximum in its input plane.\n\n"
                  f">>> import funcgrad as fg\n>>> from funcgrad.tensors.pooling_more import {name}\n"
                  f">>> {name}(fg.ones{shape}, 2).shape\ntorch.Size({[1, 1] + [2] * nd})\n")
    with_indices.__name__ = with_indices.__qualname__ = name + "_with_indices"
    with_indices.__doc__ = (f"``{name}`` returning ``(values, indices)``.\n\n>>> import funcgrad as fg\n"
                            f">>> from funcgrad.tensors.pooling_more import {name}_with_indices\n>>> "
                            f"{name}_with_indices(fg.ones{shape}, 1)[1].shape\ntorch.Size({[1, 1] + [1] * nd})\n")
    return _nnf(name)(fn), _nnf(name + "_with_indices")(with_indices)


adaptive_max_pool2d, adaptive_max_pool2d_with_indices = _adaptive_max_fns(2)
adaptive_max_pool3d, adaptive_max_pool3d_with_indices = _adaptive_max_fns(3)


def _lp_pool(op: str, input: Any, nd: int, norm_type: float, kernel_size: Any, stride: Any,
             ceil_mode: bool) -> Tensor:
    x = _t(input)
    kernel = tuple(kernel_size) if isinstance(kernel_size, (list, tuple)) else (int(kernel_size),) * nd
    pool = (_avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    p = float(norm_type)
    out = pool(x ** p, kernel, stride, 0, ceil_mode)
    return (out * math.prod(kernel)) ** (1.0 / p)


def _lp_pool_fn(nd: int):
    name = f"lp_pool{nd}d"

    def fn(input: Any, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
        return _lp_pool(name, input, nd, norm_type, kernel_size, stride, ceil_mode)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"{nd}-D power-average pooling: ``(sum over the window of x**p) ** (1/p)`` "
                  f"(``torch.nn.functional.{name}``).\n\n>>> import funcgrad as fg\n>>> from "
                  f"funcgrad.tensors.pooling_more import {name}\n>>> round(float({name}(fg.ones"
                  f"{(1, 1) + (2,) * nd}, 2, 2).ravel()[0]) ** 2, 4)\n{float(2 ** nd)}\n")
    return _nnf(name)(fn)


lp_pool1d, lp_pool2d, lp_pool3d = (_lp_pool_fn(d) for d in (1, 2, 3))


def _tuple(v: Any, nd: int) -> tuple:
    return tuple(int(a) for a in v) if isinstance(v, (list, tuple)) else (int(v),) * nd


def _max_unpool(op: str, input: Any, indices: Any, nd: int, kernel_size: Any, stride: Any, padding: Any,
                output_size: Any) -> Tensor:
    x, idx = _t(input), _t(indices)
    if x.ndim not in (nd + 1, nd + 2) or idx.shape != x.shape:
        raise RuntimeError(f"{op}: expected a {nd + 1}-D or {nd + 2}-D input and indices of its shape, got input "
                           f"{x.shape} and indices {idx.shape}")
    kernel = _tuple(kernel_size, nd)
    stride = kernel if stride is None else _tuple(stride, nd)
    pad = _tuple(padding, nd)
    default = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(x.shape[-nd:], stride, pad, kernel))
    if output_size is None:
        out = default
    else:
        out = tuple(int(o) for o in output_size)[-nd:] if len(output_size) in (nd, x.ndim) else None
        if out is None:
            raise ValueError(f"{op}: output_size should be a sequence of {nd} or {x.ndim} elements, got "
                             f"{list(output_size)}")
        for o, d, s in zip(out, default, stride):
            if not d - s < o < d + s:
                raise ValueError(f"{op}: invalid output_size {list(out)} (dim sizes must be between "
                                 f"{[d - s + 1 for d, s in zip(default, stride)]} and "
                                 f"{[d + s - 1 for d, s in zip(default, stride)]})")
    lead, size = x.shape[:-nd], math.prod(out)
    flat_in = fnp.reshape(x, lead + (-1,))
    flat_idx = fnp.reshape(idx, lead + (-1,))
    raw = getval(flat_idx._v)
    low, high = (int(raw.min()), int(raw.max())) if raw.size else (0, 0)
    if low < 0 or high >= size:
        raise RuntimeError(f"{op}: Found an invalid max index: {high if high >= size else low} (output volumes are "
                           f"of size {'x'.join(map(str, out))})")
    zeros = Tensor._from_value(_on_device_of(x, np.zeros(lead + (size,), dtype=x.dtype)))
    # the values written (the last one where indices repeat, which overlapping windows cause), with PyTorch's
    # gradient: each input gets the output gradient at its index (the adjoint of the summing scatter)
    summed = scatter_add(zeros, -1, flat_idx, flat_in)
    y = scatter(zeros, -1, flat_idx, flat_in.detach()) + (summed - summed.detach())
    return fnp.reshape(y, lead + out)


def _max_unpool_fn(nd: int):
    name = f"max_unpool{nd}d"

    def fn(input: Any, indices: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
           output_size: Any = None) -> Tensor:
        return _max_unpool(name, input, indices, nd, kernel_size, stride, padding, output_size)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The partial inverse of ``max_pool{nd}d``: each value goes to the flat index ``indices`` gives "
                  f"it in its output plane, the rest is zero (``torch.nn.functional.{name}``).\n\n>>> import "
                  f"funcgrad as fg\n>>> from funcgrad.tensors.pooling_more import {name}\n>>> {name}(fg.ones"
                  f"{(1, 1) + (1,) * nd}, fg.zeros({(1, 1) + (1,) * nd}, dtype=fg.long), 2).shape\n"
                  f"torch.Size({[1, 1] + [2] * nd})\n")
    return _nnf(name)(fn)


max_unpool1d, max_unpool2d, max_unpool3d = (_max_unpool_fn(d) for d in (1, 2, 3))


@_nnf("local_response_norm")
def local_response_norm(input: Any, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Local response normalisation across channels (``torch.nn.functional.local_response_norm``): ``x / (k +
    alpha * mean of x**2 over the ``size`` neighbouring channels) ** beta``, the window zero-padded ``size // 2``
    channels before and ``(size - 1) // 2`` after.

    >>> import funcgrad as fg
    >>> local_response_norm(fg.ones(1, 3, 2), 2, alpha=1.0, beta=1.0, k=0.0)[0, :, 0]
    tensor([2., 1., 1.])
    """
    x = _t(input)
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input (got {x.ndim} "
                         f"dimensions, shape {x.shape})")
    if x.numel() == 0:
        return x
    c = x.shape[1]
    sq = fnp.pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    window = sq[:, 0:c]
    for i in range(1, size):
        window = window + sq[:, i:i + c]
    div = (window * (alpha / size) + k) ** beta
    return x / div
