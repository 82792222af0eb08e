"""Resampling and patch extraction of ``torch.nn.functional``: ``interpolate`` (``nearest``, ``nearest-exact``,
``linear``, ``bilinear``, ``trilinear``, ``bicubic``, ``area``), its ``upsample`` aliases, and ``unfold``/``fold``
(im2col and col2im).

Interpolation is separable: one spatial dimension at a time, each output position gathers its source positions
(host-computed index tables, PyTorch's coordinate rules, the nearest modes in float32 arithmetic as PyTorch's
kernels) and mixes them with host-computed weights. The tables never decrease, so each gather is a ``repeat``
of the source positions, whose gradient is a segment sum (not an accumulating scatter).
``area`` is the adaptive average pool. ``unfold`` and ``fold`` check PyTorch's arguments and call the array
composites ``im2col`` and ``col2im`` of ``funcgrad/primitives/convolution.py``: one strided window view (the
``sliding_windows`` primitive) and its transpose, the ``fold_windows`` overlap-add. No derivative code here.

>>> import funcgrad as fg
>>> F = fg.nn.functional
>>> F.interpolate(fg.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear", align_corners=True)
tensor([[[1.0000, 1.3333, 1.6667, 2.0000]]])
>>> F.fold(F.unfold(fg.ones(1, 1, 3, 3), 2), (3, 3), 2)
tensor([[[[1., 2., 1.],
          [2., 4., 2.],
          [1., 2., 1.]]]])
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any, Sequence

import numpy as np

from .. import numpy as fnp
from ..primitives.convolution import col2im, im2col
from .tensor import Tensor
from .activations import _nnf, _on_device_of
from .conv import _ntuple
from .ops import _t
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "unfold", "fold"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area")
_LINEAR_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
_CUBIC_A = -0.75  # the Keys cubic convolution's parameter PyTorch uses


# --- coordinates -------------------------------------------------------------------------------------------------
def _nearest_index(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    """Source index of each output position, in float32 as PyTorch's kernels compute it."""
    dst = np.arange(n_out)
    if not exact and n_out == n_in:
        return dst
    if not exact and n_out == 2 * n_in:
        return dst >> 1
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n_in) / np.float32(n_out)
    if exact:
        src = np.floor(((dst + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(dst.astype(np.float32) * s)
    return np.minimum(src.astype(np.int64), n_in - 1)


def _source_coords(n_in: int, n_out: int, scale: float | None, align_corners: bool, cubic: bool) -> np.ndarray:
    """The real-valued source coordinate of each output position (PyTorch's ``area_pixel`` rules)."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        ratio = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        return ratio * dst
    ratio = 1.0 / scale if scale is not None and scale > 0 else n_in / n_out
    src = ratio * (dst + 0.5) - 0.5
    return src if cubic else np.maximum(src, 0.0)


def _floor_and_frac(src: np.ndarray, n_in: int) -> tuple:
    i0 = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), n_in - 1)
    return i0, np.clip(src - i0, 0.0, 1.0)


def _linear_taps(n_in: int, n_out: int, scale: float | None, align_corners: bool) -> tuple:
    if n_out == n_in:
        idx = np.arange(n_in)
        return [idx, idx], [np.ones(n_in), np.zeros(n_in)]
    i0, lam = _floor_and_frac(_source_coords(n_in, n_out, scale, align_corners, False), n_in)
    return [i0, np.minimum(i0 + 1, n_in - 1)], [1.0 - lam, lam]


def _cubic_taps(n_in: int, n_out: int, scale: float | None, align_corners: bool) -> tuple:
    i0, t = _floor_and_frac(_source_coords(n_in, n_out, scale, align_corners, True), n_in)
    a = _CUBIC_A

    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    return [np.clip(i0 - 1 + j, 0, n_in - 1) for j in range(4)], weights


def _gather(x: Tensor, idx: np.ndarray, axis: int) -> Tensor:
    """``take(x, idx, axis)``. The index tables here never decrease, so the gather is a ``repeat`` of each source
    position as often as it is used (0 times: skipped): the same values, and a gradient summed by segments instead
    of an accumulating scatter (many times faster)."""
    n = x.shape[axis]
    if idx.size and np.all(idx[1:] >= idx[:-1]):
        counts = np.bincount(idx, minlength=n)
        if np.all(counts == 1):
            return x
        return fnp.repeat(x, tuple(int(c) for c in counts), axis=axis)
    return fnp.take(x, _on_device_of(x, idx), axis=axis)


def _resample(x: Tensor, axis: int, taps: list, weights: list | None) -> Tensor:
    """Along ``axis``: ``sum_j weights[j] * x[taps[j]]`` (or the single gather ``x[taps[0]]``)."""
    if weights is None:
        return _gather(x, taps[0], axis)
    shape = (-1,) + (1,) * (x.ndim - axis - 1)
    out = None
    for idx, w in zip(taps, weights):
        term = _gather(x, idx, axis) * _on_device_of(x, w.astype(x.dtype).reshape(shape))
        out = term if out is None else out + term
    return out


# --- interpolate -------------------------------------------------------------------------------------------------
def _is_int(v: Any) -> bool:
    return isinstance(v, numbers.Integral) or (isinstance(v, Tensor) and v.ndim == 0 and v.dtype.kind in "iu")


def _sizes_and_scales(op: str, x: Tensor, nd: int, size: Any, scale_factor: Any, recompute: Any,
                      mode: str) -> tuple:
    spatial = list(x.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError(f"{op}: only one of size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError(f"{op}: recompute_scale_factor is not meaningful with an explicit size.")
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * nd
        if len(sizes) != nd:
            raise ValueError(f"{op}: Input and output must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {spatial} and output size of {size}. Please provide input "
                             f"tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
        if not all(_is_int(s) for s in sizes):
            raise TypeError(f"{op}: expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, "
                            f"int], but got size with types {[type(s) for s in sizes]}")
        return [int(s) for s in sizes], [None] * nd
    if scale_factor is None:
        raise ValueError(f"{op}: either size or scale_factor should be defined")
    scales = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * nd
    if len(scales) != nd:
        raise ValueError(f"{op}: Input and scale_factor must have the same number of spatial dimensions, but got input "
                         f"with spatial dimensions of {spatial} and scale_factor of shape {scale_factor}. Please "
                         f"provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                         f"format.")
    scales = [float(s) for s in scales]
    sizes = [int(n * s) for n, s in zip(spatial, scales)]
    if recompute or mode == "area":
        scales = [None] * nd
    return sizes, scales


@_nnf("interpolate")
def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of an (N, C, d1, ...) input to ``size`` or by ``scale_factor``
    (``torch.nn.functional.interpolate``): ``'nearest'`` / ``'nearest-exact'`` / ``'area'`` (1 to 3 spatial
    dims), ``'linear'`` (3-D input), ``'bilinear'`` and ``'bicubic'`` (4-D), ``'trilinear'`` (5-D).
    ``align_corners`` maps the corner pixels' centres onto each other; a given ``scale_factor`` is used for the
    coordinates unless ``recompute_scale_factor``. ``antialias=True`` is not supported.

    >>> import funcgrad as fg
    >>> x = fg.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> fg.nn.functional.interpolate(x, scale_factor=2)[0, 0, 0]
    tensor([1., 1., 2., 2.])
    >>> fg.nn.functional.interpolate(x, size=(1, 1), mode="bilinear")
    tensor([[[[2.5000]]]])
    """
    op = "interpolate"
    x = _t(input)
    if mode not in _MODES:
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported; use one of {', '.join(_MODES)}")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError(f"{op}: align_corners option can only be set with the interpolating modes: linear | "
                             f"bilinear | bicubic | trilinear (got mode={mode!r})")
    elif align_corners is None:
        align_corners = False
    nd = x.ndim - 2
    if nd not in (1, 2, 3):
        raise NotImplementedError(f"{op}: Input Error: Only 3D, 4D and 5D input Tensors supported (got {x.ndim}D, "
                                  f"shape {x.shape}) for the modes: {' | '.join(_MODES)} (got {mode})")
    if mode in _LINEAR_DIMS and _LINEAR_DIMS[mode] != nd:
        raise NotImplementedError(f"{op}: Got {x.ndim}D input (shape {x.shape}), but {mode} mode needs "
                                  f"{_LINEAR_DIMS[mode] + 2}D input")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported by funcgrad")
    sizes, scales = _sizes_and_scales(op, x, nd, size, scale_factor, recompute_scale_factor, mode)
    if any(o <= 0 for o in sizes) or any(n <= 0 for n in x.shape[2:]):
        raise RuntimeError(f"{op}: Input and output sizes should be greater than 0, but got input {x.shape[2:]} and "
                           f"output {tuple(sizes)}")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nd - 1](x, tuple(sizes))
    out = x
    for i, (n_in, n_out, s) in enumerate(zip(x.shape[2:], sizes, scales)):
        if mode in ("nearest", "nearest-exact"):
            taps, weights = [_nearest_index(n_in, n_out, s, mode == "nearest-exact")], None
        elif mode == "bicubic":
            taps, weights = _cubic_taps(n_in, n_out, s, align_corners)
        else:
            taps, weights = _linear_taps(n_in, n_out, s, align_corners)
        out = _resample(out, 2 + i, taps, weights)
    return out


@_nnf("upsample")
def upsample(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (``torch.nn.functional.upsample``; it warns, as PyTorch's).

    >>> import funcgrad as fg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fg.nn.functional.upsample(fg.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", UserWarning,
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


@_nnf("upsample_nearest")
def upsample_nearest(input: Any, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``
    (``torch.nn.functional.upsample_nearest``).

    >>> import funcgrad as fg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fg.nn.functional.upsample_nearest(fg.tensor([[[1.0, 2.0]]]), 3)
    tensor([[[1., 1., 2.]]])
    """
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, "nearest")


@_nnf("upsample_bilinear")
def upsample_bilinear(input: Any, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)``
    (``torch.nn.functional.upsample_bilinear``).

    >>> import funcgrad as fg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fg.nn.functional.upsample_bilinear(fg.tensor([[[[0.0, 3.0]]]]), (1, 4))
    tensor([[[[0., 1., 2., 3.]]]])
    """
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.",
                  UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, "bilinear", True)


# --- unfold / fold -----------------------------------------------------------------------------------------------
def _patch_args(op: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple:
    return (_ntuple(op, kernel_size, 2, "kernel_size", 1), _ntuple(op, dilation, 2, "dilation", 1),
            _ntuple(op, padding, 2, "padding", 0), _ntuple(op, stride, 2, "stride", 1))


def _blocks(op: str, spatial: Sequence[int], k: tuple, d: tuple, p: tuple, s: tuple, what: str) -> tuple:
    out = tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, dd, pp, ss in zip(spatial, k, d, p, s))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}: the padded {what} {tuple(n + 2 * pp for n, pp in zip(spatial, p))} is smaller "
                           f"than the dilated kernel {tuple(dd * (kk - 1) + 1 for kk, dd in zip(k, d))} (kernel_size="
                           f"{k}, dilation={d}, padding={p}, stride={s}): no sliding block fits")
    return out


@_nnf("unfold")
def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """im2col: the sliding ``kernel_size`` blocks of an (N, C, H, W) input as the columns of an
    (N, C * kh * kw, L) tensor, L the number of blocks (``torch.nn.functional.unfold``; (C, H, W) inputs too).

    >>> import funcgrad as fg
    >>> fg.nn.functional.unfold(fg.arange(4.0).reshape(1, 1, 2, 2), 1)
    tensor([[[0., 1., 2., 3.]]])
    """
    op = "unfold"
    x = _t(input)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{op}: Input Error: Only 3D (C, H, W) or 4D (N, C, H, W) input Tensors are supported "
                           f"(got {x.ndim}D, shape {x.shape})")
    k, d, p, s = _patch_args(op, kernel_size, dilation, padding, stride)
    batched = x if x.ndim == 4 else fnp.expand_dims(x, 0)
    _blocks(op, batched.shape[2:], k, d, p, s, "input")
    cols = im2col(batched, k, s, p, d)
    return cols if x.ndim == 4 else cols[0]


@_nnf("fold")
def fold(input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """col2im: the columns of an (N, C * kh * kw, L) input summed back into an (N, C, *output_size) tensor at the
    blocks ``unfold`` takes them from, overlapping entries added (``torch.nn.functional.fold``; (C * kh * kw, L)
    inputs too).

    >>> import funcgrad as fg
    >>> fg.nn.functional.fold(fg.ones(1, 4, 1), (2, 2), 2)
    tensor([[[[1., 1.],
              [1., 1.]]]])
    """
    op = "fold"
    x = _t(input)
    if x.ndim not in (2, 3):
        raise RuntimeError(f"{op}: Input Error: Only unbatched (2D) or batched (3D) input Tensors (C * kh * kw, L) / "
                           f"(N, C * kh * kw, L) are supported (got {x.ndim}D, shape {x.shape})")
    size = _ntuple(op, output_size, 2, "output_size", 1)
    k, d, p, s = _patch_args(op, kernel_size, dilation, padding, stride)
    batched = x if x.ndim == 3 else fnp.expand_dims(x, 0)
    ck, length = batched.shape[1:]
    kk = k[0] * k[1]
    if ck % kk:
        raise RuntimeError(f"{op}: Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={ck} and kernel_size={k} (input shape {x.shape})")
    out = _blocks(op, size, k, d, p, s, "output_size")
    if out[0] * out[1] != length:
        raise RuntimeError(f"{op}: Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
                           f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{out[0]} * {out[1]} = {out[0] * out[1]}, but got input.size(2)={length} (input shape "
                           f"{x.shape})")
    y = col2im(batched, size, k, s, p, d)
    return y if x.ndim == 3 else y[0]
