"""PyTorch's pooling at top level: ``max_pool1d``/``2d``/``3d``, ``max_pool1d_with_indices``, ``avg_pool1d``,
``adaptive_avg_pool1d``, ``adaptive_max_pool1d``.

Pooling gathers the strided windows as the convolutions of ``funcgrad/tensors/conv.py`` do (one slice per kernel
tap) and reduces over the taps. Max pooling sends the gradient to the first maximum of each window, as PyTorch
does: the winning tap is picked on the values, and the output is the sum over taps of ``where(tap is the
winner, value, 0)``, so the gradient flows to that element alone. ``torch.nn.functional``'s names that PyTorch
has no top-level function for (``avg_pool2d``, ``adaptive_avg_pool2d`` ...) are registered in
``funcgrad.nn.functional``.

>>> import funcgrad as fg
>>> fg.max_pool1d(fg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
tensor([[[3., 2.]]])
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace
from ..core import getval
from .tensor import Tensor
from .conv import _ntuple, _windows
from .activations import _nnf, _on_device_of
from .ops import _t

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "avg_pool1d",
           "adaptive_avg_pool1d", "adaptive_max_pool1d"]


def _pool_input(op: str, input: Any, nd: int) -> tuple:
    x = _t(input)
    if x.ndim not in (nd + 1, nd + 2) or 0 in x.shape[-nd:]:
        raise RuntimeError(f"{op}: expected a non-empty {nd + 1}-D (C, *spatial) or {nd + 2}-D (N, C, *spatial) "
                           f"input, got shape {x.shape}")
    return (x, False) if x.ndim == nd + 2 else (fnp.expand_dims(x, 0), True)


def _geometry(op: str, shape: tuple, nd: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool) -> tuple:
    """kernel, stride, padding, dilation, output size and the extra high-side padding ceil_mode needs."""
    kernel = _ntuple(op, kernel_size, nd, "kernel_size", 1)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not len(stride)) else \
        _ntuple(op, stride, nd, "stride", 1)
    pad, dil = _ntuple(op, padding, nd, "padding"), _ntuple(op, dilation, nd, "dilation", 1)
    # PyTorch bounds the padding by half the dilated kernel in 1-D max pooling, by half the kernel elsewhere
    half = [(d * (k - 1) + 1) // 2 if op == "max_pool1d" or op == "max_pool1d_with_indices" else k // 2
            for k, d in zip(kernel, dil)]
    if any(p > h for p, h in zip(pad, half)):
        raise RuntimeError(f"{op}: pad should be at most half of the kernel size, but got pad={pad}, "
                           f"kernel_size={kernel} and dilation={dil}")
    out, extra = [], []
    for n, k, s, p, d in zip(shape, kernel, stride, pad, dil):
        span = n + 2 * p - d * (k - 1) - 1
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= n + p:  # the last window must start inside the input or left padding
            o -= 1
        if o <= 0:
            raise RuntimeError(f"{op}: input of spatial size {shape} is too small for kernel_size={kernel}, "
                               f"dilation={dil}, padding={pad} (output size {o})")
        out.append(o)
        extra.append(max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p)))
    return kernel, stride, pad, dil, tuple(out), tuple(extra)


def _pad_spatial(x: Any, pad: tuple, extra: tuple, value: float) -> Any:
    widths = [(0, 0), (0, 0)] + [(p, p + e) for p, e in zip(pad, extra)]
    if not any(w != (0, 0) for w in widths):
        return x
    return fnp.pad(x, widths, constant_values=value) if isinstance(x, Tensor) else \
        np.pad(x, widths, constant_values=value)


def _max_pool(op: str, input: Any, nd: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool) -> tuple:
    x, unbatched = _pool_input(op, input, nd)
    kernel, stride, pad, dil, out, extra = _geometry(op, x.shape[2:], nd, kernel_size, stride, padding, dilation,
                                                     ceil_mode)
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    cols = _windows(_pad_spatial(x, pad, extra, low), kernel, stride, dil, out)  # (N, C, K, *out)
    raw = getval(cols._v)
    xp = namespace(raw)
    win = xp.argmax(raw, axis=2)  # on the values' device: no copy to the host
    k = math.prod(kernel)
    onehot = xp.arange(k).reshape((1, 1, k) + (1,) * nd) == win[:, :, None]
    values = fnp.sum(fnp.where(onehot, cols, 0), axis=2)
    # flat index, into the unpadded input plane, of each tap at each output position
    grids = np.meshgrid(*(np.arange(o) for o in out), indexing="ij")
    taps = np.stack(np.meshgrid(*(np.arange(kk) for kk in kernel), indexing="ij"), 0).reshape(nd, k)
    flat = np.zeros((k,) + out, dtype=np.int64)
    for i in range(nd):
        pos = grids[i][None] * stride[i] - pad[i] + taps[i].reshape((k,) + (1,) * nd) * dil[i]
        flat = flat * x.shape[2 + i] + pos
    flat = _on_device_of(x, flat)
    idx = xp.take_along_axis(xp.broadcast_to(flat, win.shape[:2] + flat.shape), win[:, :, None], axis=2)[:, :, 0]
    indices = Tensor._from_value(xp.ascontiguousarray(idx))
    return (values[0], indices[0]) if unbatched else (values, indices)


def _max_pool_fn(nd: int):
    name = f"max_pool{nd}d"

    def fn(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
           ceil_mode: bool = False, return_indices: bool = False) -> Any:
        values, indices = _max_pool(name, input, nd, kernel_size, stride, padding, dilation, ceil_mode)
        return (values, indices) if return_indices else values
    fn.__name__ = fn.__qualname__ = name
    shape = (1, 1) + (4,) * nd
    fn.__doc__ = (f"{nd}-D max pooling over windows of ``kernel_size`` (``torch.{name}``): ``stride`` (default "
                  f"the kernel size), ``padding`` (with -inf), ``dilation``, ``ceil_mode``; ``return_indices`` "
                  f"(``torch.nn.functional``'s) also returns the flat index of each maximum in its input plane.\n\n"
                  f">>> import funcgrad as fg\n>>> fg.{name}(fg.ones{shape}, 2, ceil_mode=True).shape\n"
                  f"{(1, 1) + (2,) * nd}\n")
    return _nnf(name)(fn)


max_pool1d, max_pool2d, max_pool3d = (_max_pool_fn(d) for d in (1, 2, 3))


def _with_indices(nd: int):
    name = f"max_pool{nd}d_with_indices"

    def fn(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
           ceil_mode: bool = False, return_indices: bool = True) -> tuple:
        return _max_pool(name, input, nd, kernel_size, stride, padding, dilation, ceil_mode)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"{nd}-D max pooling returning ``(values, indices)`` (``torch.{name}``).\n\n>>> import funcgrad "
                  f"as fg\n>>> fg.tensors.pooling.{name}(fg.arange({2.0 ** nd}).reshape{(1,) + (2,) * nd}, 2)[1]"
                  f".tolist()\n{'[' * (nd + 1)}{2 ** nd - 1}{']' * (nd + 1)}\n")
    return _nnf(name)(fn)


max_pool1d_with_indices, max_pool2d_with_indices, max_pool3d_with_indices = (_with_indices(d) for d in (1, 2, 3))


def _avg_pool(op: str, input: Any, nd: int, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: Any) -> Tensor:
    x, unbatched = _pool_input(op, input, nd)
    kernel, stride, pad, dil, out, extra = _geometry(op, x.shape[2:], nd, kernel_size, stride, padding, 1,
                                                     ceil_mode)
    sums = fnp.sum(_windows(_pad_spatial(x, pad, extra, 0.0), kernel, stride, dil, out), axis=2)
    if divisor_override is not None:
        if int(divisor_override) == 0:
            raise RuntimeError(f"{op}: divisor_override must not be zero")
        y = sums / divisor_override
    else:
        # the count of each window: padded positions count with count_include_pad, ceil_mode's overhang never
        ones = np.ones((1, 1) + x.shape[2:])
        ones = _pad_spatial(ones, pad, (0,) * nd, 1.0 if count_include_pad else 0.0)
        ones = np.pad(ones, [(0, 0), (0, 0)] + [(0, e) for e in extra])
        count = sum(ones[(slice(None), slice(None)) + tuple(
            slice(t, t + s * (o - 1) + 1, s) for t, s, o in zip(tap, stride, out))]
            for tap in np.ndindex(*kernel))
        y = sums / _on_device_of(x, count.astype(x.dtype))
    return y[0] if unbatched else y


def _avg_pool_fn(nd: int):
    name = f"avg_pool{nd}d"

    def fn(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
           count_include_pad: bool = True, divisor_override: Any = None) -> Tensor:
        return _avg_pool(name, input, nd, kernel_size, stride, padding, ceil_mode, count_include_pad,
                         divisor_override)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"{nd}-D average pooling (``torch.nn.functional.{name}``; ``divisor_override`` for 2-D and 3-D "
                  f"as PyTorch has it).\n\n>>> import funcgrad as fg\n>>> fg.tensors.pooling.{name}(fg.ones"
                  f"{(1, 1) + (2,) * nd}, 2, padding=1, count_include_pad=False).shape\n{(1, 1) + (2,) * nd}\n")
    return _nnf(name)(fn)


_avg_pool1d, avg_pool2d, avg_pool3d = (_avg_pool_fn(d) for d in (1, 2, 3))


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling (``torch.avg_pool1d``).

    >>> import funcgrad as fg
    >>> fg.avg_pool1d(fg.tensor([[[1.0, 3.0, 5.0]]]), 2, stride=1)
    tensor([[[2., 4.]]])
    """
    return _avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def _adaptive_bounds(n: int, o: int) -> tuple:
    """PyTorch's adaptive windows: output ``i`` covers ``[floor(i n / o), ceil((i + 1) n / o))``."""
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _adaptive_sizes(op: str, x: Tensor, output_size: Any, nd: int) -> tuple:
    sizes = output_size if isinstance(output_size, (list, tuple)) else (output_size,) * nd
    if len(sizes) != nd:
        raise RuntimeError(f"{op}: output_size must be an int or {nd} ints, got {output_size!r}")
    sizes = tuple(x.shape[2 + i] if s is None else int(s) for i, s in enumerate(sizes))
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"{op}: output_size must be positive, got {output_size!r}")
    return sizes


def _adaptive_avg(op: str, input: Any, output_size: Any, nd: int) -> Tensor:
    x, unbatched = _pool_input(op, input, nd)
    for i, o in enumerate(_adaptive_sizes(op, x, output_size, nd)):
        n = x.shape[2 + i]
        lo, hi = _adaptive_bounds(n, o)
        j = np.arange(n)
        avg = ((j >= lo[:, None]) & (j < hi[:, None])) / (hi - lo)[:, None]  # (o, n) averaging matrix
        x = fnp.moveaxis(fnp.tensordot(x, _on_device_of(x, avg.astype(x.dtype)), axes=([2 + i], [1])), -1, 2 + i)
    return x[0] if unbatched else x


def _adaptive_avg_fn(nd: int):
    name = f"adaptive_avg_pool{nd}d"

    def fn(input: Any, output_size: Any) -> Tensor:
        return _adaptive_avg(name, input, output_size, nd)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"{nd}-D adaptive average pooling to ``output_size`` (``torch.{name}``).\n\n>>> import funcgrad "
                  f"as fg\n>>> fg.tensors.pooling.{name}(fg.ones{(1, 1) + (5,) * nd}, 2).shape\n{(1, 1) + (2,) * nd}\n")
    return _nnf(name)(fn)


adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d = (_adaptive_avg_fn(d) for d in (1, 2, 3))


def _adaptive_max1d(input: Any, output_size: Any) -> tuple:
    op = "adaptive_max_pool1d"
    x, unbatched = _pool_input(op, input, 1)
    (o,) = _adaptive_sizes(op, x, output_size, 1)
    n = x.shape[2]
    lo, hi = _adaptive_bounds(n, o)
    width = int((hi - lo).max())
    # each window's positions, the short ones padded with their own last position (which cannot change the max)
    pos = np.minimum(lo[:, None] + np.arange(width), hi[:, None] - 1)  # (o, width)
    cols = fnp.take(x, pos, axis=2)  # (N, C, o, width)
    raw = getval(cols._v)
    xp = namespace(raw)
    win = xp.argmax(raw, axis=3)
    values = fnp.sum(fnp.where(xp.arange(width) == win[..., None], cols, 0), axis=3)
    indices = Tensor._from_value(_on_device_of(x, pos)[xp.arange(o), win])
    return (values[0], indices[0]) if unbatched else (values, indices)


def adaptive_max_pool1d(input: Any, output_size: Any) -> tuple:
    """1-D adaptive max pooling; returns ``(values, indices)`` as ``torch.adaptive_max_pool1d`` does.

    >>> import funcgrad as fg
    >>> fg.adaptive_max_pool1d(fg.tensor([[[1.0, 5.0, 2.0, 4.0]]]), 2)
    (tensor([[[5., 4.]]]), tensor([[[1, 3]]]))
    """
    return _adaptive_max1d(input, output_size)


@_nnf("adaptive_max_pool1d")
def _f_adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """1-D adaptive max pooling (``torch.nn.functional.adaptive_max_pool1d``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.adaptive_max_pool1d(fg.tensor([[1.0, 2.0, 3.0]]), 1)
    tensor([[3.]])
    """
    values, indices = _adaptive_max1d(input, output_size)
    return (values, indices) if return_indices else values
