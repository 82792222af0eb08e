"""PyTorch's pooling at top level: ``max_pool1d``/``2d``/``3d``, ``max_pool1d_with_indices``, ``avg_pool1d``,
``adaptive_avg_pool1d``, ``adaptive_max_pool1d``.

Max and average pooling check PyTorch's arguments (``ceil_mode`` becomes extra high-side padding, the bounds on
the padding, the error messages) and call the array composites of ``funcgrad/primitives/convolution.py``:
reductions over one strided window view (the ``sliding_windows`` primitive). Max pooling sends the gradient to the
first maximum of each window, as PyTorch does. Adaptive average pooling is one ``tensordot`` per dimension with
an averaging matrix. ``torch.nn.functional``'s names that PyTorch has no top-level function for
(``avg_pool2d``, ``adaptive_avg_pool2d`` ...) are registered in ``funcgrad.nn.functional``. No derivative code
here.

>>> import funcgrad as fg
>>> fg.max_pool1d(fg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
tensor([[[3., 2.]]])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from ..primitives.convolution import max_pool, window_sums
from ..primitives.windows import take_last
from .tensor import Tensor
from .conv import _ntuple
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


def _first_max(x: Tensor, cols: Tensor, table: Any) -> tuple:
    """The first maximum over the last axis of the windows ``cols`` (N, C, *out, K) of ``x`` (N, C, *spatial),
    and its flat index in the input plane, looked up in the integer ``table`` (*out, K). The values are read from
    ``x`` at those indices (``take_last``), so the gradient goes to the winners alone; ``argmax`` has no gradient.
    Only primitives: it batches under vmap."""
    best = fnp.argmax(cols, axis=-1)
    index = take_last(table, fnp.expand_dims(best, -1))[..., 0]
    lead = x.shape[:2]
    values = take_last(fnp.reshape(x, lead + (-1,)), fnp.reshape(index, lead + (-1,)))
    return fnp.reshape(values, index.shape), index


def _max_pool(op: str, input: Any, nd: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool = True) -> Any:
    x, unbatched = _pool_input(op, input, nd)
    kernel, stride, pad, dil, out, extra = _geometry(op, x.shape[2:], nd, kernel_size, stride, padding, dilation,
                                                     ceil_mode)
    pads = [(p, p + e) for p, e in zip(pad, extra)]
    if not return_indices:
        values = max_pool(x, kernel, stride, pads, dil)
        return values[0] if unbatched else values
    values, indices = max_pool(x, kernel, stride, pads, dil, return_indices=True)
    return (values[0], indices[0]) if unbatched else (values, indices)


def _max_pool_fn(nd: int):
    name = f"max_pool{nd}d"

    def fn(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
           ceil_mode: bool = False, return_indices: bool = False) -> Any:
        return _max_pool(name, input, nd, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    fn.__name__ = fn.__qualname__ = name
    shape = (1, 1) + (4,) * nd
    fn.__doc__ = (f"{nd}-D max pooling over windows of ``kernel_size`` (``torch.{name}``): ``stride`` (default "
                  f"the kernel size), ``padding`` (with -inf), ``dilation``, ``ceil_mode``; ``return_indices`` "
                  f"(``torch.nn.functional``'s) also returns the flat index of each maximum in its input plane.\n\n"
                  f">>> import funcgrad as fg\n>>> fg.{name}(fg.ones{shape}, 2, ceil_mode=True).shape\n"
                  f"torch.Size({[1, 1] + [2] * nd})\n")
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
    sums = window_sums(x, kernel, stride, [(p, p + e) for p, e in zip(pad, extra)], dil)
    if divisor_override is not None:
        if int(divisor_override) == 0:
            raise RuntimeError(f"{op}: divisor_override must not be zero")
        y = sums / divisor_override
    else:
        # the count of each window: padded positions count with count_include_pad, ceil_mode's overhang never
        ones = np.pad(np.ones((1, 1) + x.shape[2:]), [(0, 0), (0, 0)] + [(p, p) for p in pad],
                      constant_values=1.0 if count_include_pad else 0.0)
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
                  f"{(1, 1) + (2,) * nd}, 2, padding=1, count_include_pad=False).shape\ntorch.Size({[1, 1] + [2] * nd})\n")
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
                  f"as fg\n>>> fg.tensors.pooling.{name}(fg.ones{(1, 1) + (5,) * nd}, 2).shape\ntorch.Size({[1, 1] + [2] * nd})\n")
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
    cols = fnp.take(x, _on_device_of(x, pos), axis=2)  # (N, C, o, width)
    values, indices = _first_max(x, cols, _on_device_of(x, pos))
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
