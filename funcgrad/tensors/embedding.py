"""PyTorch's embedding, bilinear, padding and shuffle functions at top level: ``embedding``, ``embedding_bag``,
``bilinear``, ``constant_pad_nd``, ``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle``.

Compositions of ``funcgrad.numpy`` operations on Tensors, without derivative code; the functional-style
functions (``F.embedding(input, weight, ...)``, ``F.pad``) are registered in
``funcgrad.nn.functional``. Lookups index the weight with integer arrays, so the gradient of a row
looked up twice is the sum of both.

>>> import funcgrad as fg
>>> fg.embedding(fg.tensor([[0.0], [1.0]]), fg.tensor([1, 1]))
tensor([[1.],
        [1.]])
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import numpy as fnp
from ..backend import to_host
from ..core import getval
from ..primitives.control import stop_gradient
from .tensor import Tensor, no_grad
from .inplace import _rebind
from .activations import _host, _nnf, _on_device_of, _shape
from .ops import _t

__all__ = ["embedding", "embedding_bag", "bilinear", "constant_pad_nd", "pixel_shuffle", "pixel_unshuffle",
           "channel_shuffle", "native_channel_shuffle"]

# --- embeddings --------------------------------------------------------------------------------------------------
def _indices(op: str, indices: Any, rows: int, weight_shape: tuple) -> np.ndarray:
    idx = _host(indices)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected integer indices (int64 or int32), got dtype {idx.dtype} of shape "
                           f"{tuple(idx.shape)}; convert them with .long()")
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= rows):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise IndexError(f"{op}: index {bad} is out of range for a weight of {rows} rows (shape {weight_shape})")
    return idx


def _embedding_weight(op: str, weight: Any) -> Tensor:
    w = _t(weight)
    if w.ndim != 2:
        raise RuntimeError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape {w.shape}")
    return w


def _pad_index(padding_idx: Any, rows: int, op: str) -> int | None:
    # torch.embedding spells "no padding row" -1, F.embedding None (there -1 is the last row)
    if padding_idx is None or (padding_idx == -1 and op == "torch.embedding"):
        return None
    if not -rows <= padding_idx < rows:
        raise ValueError(f"{op}: padding_idx {padding_idx} must be within num_embeddings ({rows})")
    return padding_idx % rows


def _renorm_rows(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale the looked-up rows of ``weight`` to norm at most ``max_norm``, in place and unrecorded, as
    PyTorch's ``embedding_renorm_`` does."""
    with no_grad():
        rows = np.unique(idx.ravel())
        sel = fnp.take(weight, rows, axis=0)
        norms = fnp.sum(fnp.abs(sel) ** norm_type, axis=1) ** (1.0 / norm_type)
        scale = fnp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        _rebind(weight, fnp.at(weight._v)[_on_device_of(weight, rows)].set(sel._v * scale._v[:, None]),
                "embedding")


def _scale_grad(out: Tensor, scale: Any) -> Tensor:
    """``out`` unchanged in value, its gradient multiplied by ``scale`` (a constant)."""
    frozen = stop_gradient(out)
    return frozen + (out - frozen) * scale


@_nnf("embedding")
def _f_embedding(input: Any, weight: Any, padding_idx: int | None = None, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at the integer ``input`` (``torch.nn.functional.embedding``); the row ``padding_idx``
    gets no gradient, ``scale_grad_by_freq`` divides each row's gradient by its count in ``input``.

    >>> import funcgrad as fg
    >>> fg.nn.functional.embedding(fg.tensor([1]), fg.tensor([[0.0], [5.0]]))
    tensor([[5.]])
    """
    w = _embedding_weight("embedding", weight)
    idx = _indices("embedding", input, w.shape[0], w.shape)
    pad = _pad_index(padding_idx, w.shape[0], "embedding")
    if max_norm is not None:
        if not isinstance(weight, Tensor):
            raise TypeError("embedding: max_norm renormalizes weight in place and needs it to be a Tensor")
        _renorm_rows(weight, idx, max_norm, norm_type)
        w = weight
    out = fnp.take(w, idx, axis=0)
    if pad is not None:
        out = fnp.where(_on_device_of(w, np.expand_dims(idx == pad, -1)), stop_gradient(out), out)
    if scale_grad_by_freq:
        _, inverse, counts = np.unique(idx.ravel(), return_inverse=True, return_counts=True)
        out = _scale_grad(out, _on_device_of(w, (1.0 / counts[inverse]).reshape(idx.shape + (1,)).astype(w.dtype)))
    return out


def embedding(weight: Any, indices: Any, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at ``indices`` (``torch.embedding``: weight first; ``padding_idx=-1`` means none).

    >>> import funcgrad as fg
    >>> fg.embedding(fg.tensor([[1.0, 2.0], [3.0, 4.0]]), fg.tensor([1, 1, 0]))
    tensor([[3., 4.],
            [3., 4.],
            [1., 2.]])
    """
    w = _embedding_weight("embedding", weight)
    return _f_embedding(indices, w, _pad_index(padding_idx, w.shape[0], "torch.embedding"),
                        scale_grad_by_freq=scale_grad_by_freq)


_BAG_MODES = {"sum": 0, "mean": 1, "max": 2}


def _embedding_bag(weight: Any, input: Any, offsets: Any, scale_grad_by_freq: bool, mode: int,
                   per_sample_weights: Any, include_last_offset: bool, padding_idx: int | None) -> tuple:
    op = "embedding_bag"
    w = _embedding_weight(op, weight)
    idx = _indices(op, input, w.shape[0], w.shape)
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: offsets must be None for a 2-D input (each row is a bag), got input of shape "
                             f"{tuple(idx.shape)} and offsets")
        n_bags, length = idx.shape
        bag = np.repeat(np.arange(n_bags), length)
        idx = idx.ravel()
        offs = np.arange(n_bags) * length
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError(f"{op}: a 1-D input needs offsets (the start of each bag), got input of shape "
                             f"{tuple(idx.shape)} and no offsets")
        offs = _host(offsets).astype(np.int64).ravel()
        if offs.size == 0 or offs[0] != 0 or np.any(np.diff(offs) < 0) or offs[-1] > idx.size:
            raise ValueError(f"{op}: offsets must start at 0 and increase up to the input size {idx.size}, got "
                             f"{offs.tolist()}")
        if include_last_offset:
            offs = offs[:-1]
        n_bags = offs.size
        bag = np.searchsorted(offs, np.arange(idx.size), side="right") - 1
    else:
        raise ValueError(f"{op}: input must be 1-D (with offsets) or 2-D (bags as rows), got shape "
                         f"{tuple(idx.shape)}")
    if include_last_offset and idx.size:
        bag = np.minimum(bag, max(n_bags - 1, 0))
    pad = _pad_index(padding_idx, w.shape[0], op)
    keep = np.ones(idx.size, dtype=bool) if pad is None else idx != pad
    counts = np.bincount(bag[keep], minlength=n_bags)
    rows = _f_embedding(idx, w, scale_grad_by_freq=scale_grad_by_freq)
    if per_sample_weights is not None:
        psw = _t(per_sample_weights)
        if mode != 0 or psw.shape != idx.shape:
            raise ValueError(f"{op}: per_sample_weights (shape {psw.shape}) is only supported with mode='sum' and "
                             f"must have the input's flattened shape {idx.shape}")
        rows = rows * fnp.expand_dims(psw, -1)
    out_shape = (n_bags, w.shape[1])
    dev = lambda a: _on_device_of(w, a)  # noqa: E731 - host tables onto the weight's device
    if mode == 2 and idx.size == 0:
        out, max_idx = dev(np.zeros(out_shape, dtype=w.dtype)) + 0 * fnp.sum(w), np.zeros(out_shape, np.int64)
    elif mode == 2:
        vals = to_host(getval(rows._v))
        n, d = vals.shape
        top = np.full(out_shape, -np.inf, dtype=vals.dtype)
        np.maximum.at(top, bag[keep], vals[keep])
        # the first position of each bag's maximum, per column: the row PyTorch sends that column's gradient to
        pos = np.where(keep[:, None] & (vals == top[bag]), np.arange(n)[:, None], n)
        pick = np.full(out_shape, n, dtype=np.int64)
        np.minimum.at(pick, bag, pos)
        found = pick < n
        pick = np.where(found, pick, 0)
        out = fnp.where(dev(found), fnp.take_along_axis(rows, dev(pick), axis=0), 0.0)
        max_idx = np.where(found, idx[pick], 0)
    else:
        kept = fnp.where(dev(keep[:, None]), rows, 0.0)
        out = fnp.at(dev(np.zeros(out_shape, dtype=w.dtype)))[dev(bag)].add(kept)
        if mode == 1:
            out = out / dev(np.maximum(counts, 1)[:, None].astype(w.dtype))
        max_idx = counts if mode == 1 else np.zeros(n_bags, dtype=np.int64)
    sizes = counts if mode else np.zeros(n_bags, dtype=np.int64)
    return out, bag, sizes, max_idx


@_nnf("embedding_bag")
def _f_embedding_bag(input: Any, weight: Any, offsets: Any = None, max_norm: float | None = None,
                     norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                     sparse: bool = False, per_sample_weights: Any = None, include_last_offset: bool = False,
                     padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embedding rows (``torch.nn.functional.embedding_bag``).

    >>> import funcgrad as fg
    >>> w = fg.tensor([[1.0], [2.0], [4.0]])
    >>> fg.nn.functional.embedding_bag(fg.tensor([[0, 1], [2, 2]]), w, mode="sum")
    tensor([[3.],
            [8.]])
    """
    if mode not in _BAG_MODES:
        raise ValueError(f"embedding_bag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if max_norm is not None:
        _renorm_rows(weight, _indices("embedding_bag", input, _shape(weight)[0], _shape(weight)), max_norm,
                     norm_type)
    return _embedding_bag(weight, input, offsets, scale_grad_by_freq, _BAG_MODES[mode], per_sample_weights,
                          include_last_offset, padding_idx)[0]


def embedding_bag(weight: Any, indices: Any, offsets: Any, scale_grad_by_freq: bool = False, mode: int = 0,
                  sparse: bool = False, per_sample_weights: Any = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> tuple:
    """``torch.embedding_bag``: mode 0 (sum), 1 (mean) or 2 (max); returns ``(output, offset2bag, bag_size,
    max_indices)`` like PyTorch (the last three carry no gradient).

    >>> import funcgrad as fg
    >>> out, *_ = fg.embedding_bag(fg.tensor([[1.0], [2.0]]), fg.tensor([0, 1, 1]), fg.tensor([0, 1]), mode=2)
    >>> out
    tensor([[1.],
            [2.]])
    """
    if mode not in (0, 1, 2):
        raise ValueError(f"embedding_bag: mode must be 0 (sum), 1 (mean) or 2 (max), got {mode!r}")
    out, bag, sizes, max_idx = _embedding_bag(weight, indices, offsets, scale_grad_by_freq, mode,
                                              per_sample_weights, include_last_offset, padding_idx)
    w = _t(weight)
    return (out,) + tuple(Tensor._from_value(_on_device_of(w, np.asarray(a, dtype=np.int64)))
                          for a in (bag, sizes, max_idx))


# --- bilinear, padding, shuffles ---------------------------------------------------------------------------------
@_nnf("bilinear")
def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Tensor:
    """``y[..., o] = x1 @ weight[o] @ x2 + bias[o]`` (``torch.bilinear``).

    >>> import funcgrad as fg
    >>> fg.bilinear(fg.ones(1, 2), fg.ones(1, 3), fg.ones(4, 2, 3)).shape
    torch.Size([1, 4])
    """
    a, b, w = _t(input1), _t(input2), _t(weight)
    if w.ndim != 3 or a.shape[-1:] != w.shape[1:2] or b.shape[-1:] != w.shape[2:3] or a.shape[:-1] != b.shape[:-1]:
        raise RuntimeError(f"bilinear: expected input1 (*, in1), input2 (*, in2) with the same leading shape and "
                           f"weight (out, in1, in2), got shapes {a.shape}, {b.shape} and {w.shape}")
    out = fnp.einsum("...i,oij,...j->...o", a, w, b)
    return out if bias is None else out + bias


def _check_pad(op: str, pad: Sequence[int], ndim: int) -> list:
    pad = [int(p) for p in pad]
    if len(pad) % 2 or len(pad) > 2 * ndim:
        raise RuntimeError(f"{op}: padding length must be even and at most twice the number of dimensions "
                           f"({ndim}), got pad={pad}")
    return pad


def constant_pad_nd(input: Any, pad: Sequence[int], value: float = 0) -> Tensor:
    """Pad with ``value``: ``pad = (left_last, right_last, left_2nd_last, ...)``; negative pads crop
    (``torch.constant_pad_nd``).

    >>> import funcgrad as fg
    >>> fg.constant_pad_nd(fg.tensor([[1.0, 2.0]]), (1, -1), 9.0)
    tensor([[9., 1.]])
    """
    x = _t(input)
    pad = _check_pad("constant_pad_nd", pad, x.ndim)
    widths = [(0, 0)] * x.ndim
    crop = [slice(None)] * x.ndim
    for i in range(len(pad) // 2):
        d = x.ndim - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        if x.shape[d] + lo + hi < 0:
            raise RuntimeError(f"constant_pad_nd: padding ({lo}, {hi}) leaves a negative size of dim {d} of the "
                               f"input of shape {x.shape}")
        widths[d] = (max(lo, 0), max(hi, 0))
        if lo < 0 or hi < 0:  # negative pads crop what the positive ones leave
            crop[d] = slice(-min(lo, 0), x.shape[d] + max(lo, 0) + max(hi, 0) + min(hi, 0))
    if any(w != (0, 0) for w in widths):
        x = fnp.pad(x, widths, constant_values=value)
    if any(c != slice(None) for c in crop):
        x = x[tuple(crop)]
    return x


@_nnf("pad")
def _f_pad(input: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dimensions (``torch.nn.functional.pad``): mode ``'constant'``,
    ``'reflect'``, ``'replicate'`` or ``'circular'``.

    >>> import funcgrad as fg
    >>> fg.nn.functional.pad(fg.tensor([1.0, 2.0, 3.0]), (2, 1), mode="reflect")
    tensor([3., 2., 1., 2., 3., 2.])
    """
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; use 'constant', 'reflect', 'replicate' "
                                  f"or 'circular'")
    x = _t(input)
    pad = _check_pad("pad", pad, x.ndim)
    for i in range(len(pad) // 2):
        d, (lo, hi), n = x.ndim - 1 - i, pad[2 * i: 2 * i + 2], x.shape[x.ndim - 1 - i]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the size {n} of dim {d} "
                               f"(input shape {x.shape})")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError(f"pad: circular padding ({lo}, {hi}) must be at most the size {n} of dim {d}")
        j = np.arange(-lo, n + hi)
        if mode == "reflect":
            period = 2 * (n - 1) if n > 1 else 1
            j = np.abs(j) % period
            j = np.where(j >= n, period - j, j)
        elif mode == "replicate":
            j = np.clip(j, 0, n - 1)
        else:
            j = j % n
        x = fnp.take(x, j, axis=d)
    return x


def _shuffle_check(op: str, x: Tensor, factor: int, what: str) -> None:
    if x.ndim < 3:
        raise RuntimeError(f"{op}: expected an input with at least 3 dimensions (*, C, H, W), got shape {x.shape}")
    if factor <= 0:
        raise RuntimeError(f"{op}: {what} must be positive, got {factor}")


@_nnf("pixel_shuffle")
def pixel_shuffle(input: Any, upscale_factor: int) -> Tensor:
    """(*, C * r**2, H, W) -> (*, C, H * r, W * r) (``torch.pixel_shuffle``).

    >>> import funcgrad as fg
    >>> fg.pixel_shuffle(fg.arange(4.0).reshape(1, 4, 1, 1), 2)
    tensor([[[[0., 1.],
              [2., 3.]]]])
    """
    x, r = _t(input), int(upscale_factor)
    _shuffle_check("pixel_shuffle", x, r, "upscale_factor")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle: the channel count {c} (input shape {x.shape}) must be divisible by "
                           f"upscale_factor**2 = {r * r}")
    k = len(lead)
    y = fnp.reshape(x, (*lead, c // (r * r), r, r, h, w))
    y = fnp.transpose(y, (*range(k), k, k + 3, k + 1, k + 4, k + 2))
    return fnp.reshape(y, (*lead, c // (r * r), h * r, w * r))


@_nnf("pixel_unshuffle")
def pixel_unshuffle(input: Any, downscale_factor: int) -> Tensor:
    """(*, C, H * r, W * r) -> (*, C * r**2, H, W), the inverse of pixel_shuffle (``torch.pixel_unshuffle``).

    >>> import funcgrad as fg
    >>> fg.pixel_unshuffle(fg.arange(4.0).reshape(1, 1, 2, 2), 2).shape
    torch.Size([1, 4, 1, 1])
    """
    x, r = _t(input), int(downscale_factor)
    _shuffle_check("pixel_unshuffle", x, r, "downscale_factor")
    *lead, c, h, w = x.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle: height {h} and width {w} (input shape {x.shape}) must be divisible "
                           f"by downscale_factor {r}")
    k = len(lead)
    y = fnp.reshape(x, (*lead, c, h // r, r, w // r, r))
    y = fnp.transpose(y, (*range(k), k, k + 2, k + 4, k + 1, k + 3))
    return fnp.reshape(y, (*lead, c * r * r, h // r, w // r))


@_nnf("channel_shuffle", "native_channel_shuffle")
def channel_shuffle(input: Any, groups: int) -> Tensor:
    """Interleave the ``groups`` channel groups of an (N, C, *) input (``torch.channel_shuffle``).

    >>> import funcgrad as fg
    >>> fg.channel_shuffle(fg.arange(4.0).reshape(1, 4, 1), 2).ravel()
    tensor([0., 2., 1., 3.])
    """
    x, g = _t(input), int(groups)
    if x.ndim < 3:
        raise RuntimeError(f"channel_shuffle: expected an input with more than 2 dimensions (N, C, *), got shape "
                           f"{x.shape}")
    if g <= 0 or x.shape[1] % g:
        raise RuntimeError(f"channel_shuffle: groups {g} must be positive and divide the channel count "
                           f"{x.shape[1]} (input shape {x.shape})")
    n, c, *rest = x.shape
    y = fnp.swapaxes(fnp.reshape(x, (n, g, c // g, *rest)), 1, 2)
    return fnp.reshape(y, x.shape)


native_channel_shuffle = channel_shuffle
