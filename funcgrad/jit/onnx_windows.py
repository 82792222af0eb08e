"""ONNX forms of the window primitives (``funcgrad/primitives/windows.py``): ``sliding_windows`` as one Gather of
a constant index table from the padded, flattened plane, ``fold_windows`` as its ScatterElements-add, and the
max-pooling trio ``window_argmax`` (an ArgMax over the taps, mapped back to plane indices), ``take_last``
(GatherElements) and ``scatter_add_last`` (ScatterElements-add). The index tables are computed here with NumPy
from the static geometry; leading (batch) axes may be dynamic.
"""
from __future__ import annotations

import numpy as np

from .dynamic import has_dims
from .onnx_table import Unsupported, register, static_params as _static

__all__: list = []


# --- windows and the max-pooling gathers (see funcgrad/primitives/windows.py) ----------------------------------
def _geometry(e, sizes: tuple) -> tuple:
    _static(e, "window", "strides", "padding", "dilation")
    window, strides, padding, dilation = (tuple(e.params[k]) for k in ("window", "strides", "padding", "dilation"))
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(sizes, padding))
    out = tuple(max((p - d * (k - 1) - 1) // s + 1, 0) for p, k, s, d in zip(padded, window, strides, dilation))
    return window, strides, padding, dilation, padded, out


def _plane_index(sizes: tuple, out: tuple, window: tuple, strides: tuple, low: tuple, dilation: tuple) -> tuple:
    """Flat plane indices (of a plane of ``sizes``): each window's start and each tap's offset from it."""
    nd = len(window)
    place = [int(np.prod(sizes[i + 1:], dtype=np.int64)) for i in range(nd)]
    start = np.zeros(out, np.int64)
    for i in range(nd):
        grid = np.arange(out[i], dtype=np.int64).reshape([-1 if j == i else 1 for j in range(nd)])
        start = start + (grid * strides[i] - low[i]) * place[i]
    taps = np.indices(window).reshape(nd, -1)
    offset = sum(taps[i] * dilation[i] * place[i] for i in range(nd)).astype(np.int64).reshape(window)
    return start, offset


def _windows_of(b, x: str, xshape: tuple, dtype, window, strides, padding, dilation, padded, out, pad_value) -> str:
    """``sliding_windows`` of ONNX value ``x``: pad, flatten the plane, one Gather of a constant index table."""
    nd = len(window)
    lead = len(xshape) - nd
    if any(lo or hi for lo, hi in padding):
        pads = np.array([0] * lead + [lo for lo, _ in padding] + [0] * lead + [hi for _, hi in padding], np.int64)
        x = b.node("Pad", [x, b.init(pads), b.init(pad_value, dtype)], mode="constant")
    flat = b.node("Reshape", [x, b.init(np.array([0] * lead + [-1], np.int64))])
    start, offset = _plane_index(padded, out, window, strides, (0,) * nd, dilation)
    table = start.reshape(out + (1,) * nd) + offset.reshape((1,) * nd + window)
    return b.node("Gather", [flat, b.init(table)], axis=lead)


@register("sliding_windows")
def _sliding_windows(e, b):
    xshape = b.shape(e.inputs[0])
    nd = len(e.params["window"])
    geo = _geometry(e, xshape[len(xshape) - nd:])
    return [_windows_of(b, b.ref(e.inputs[0]), xshape, b.dtype(e.inputs[0]), *geo, e.params.get("pad_value", 0.0))]


@register("fold_windows")
def _fold_windows(e, b):
    _static(e, "input_shape")
    sizes = tuple(e.params["input_shape"])
    window, strides, padding, dilation, padded, out = _geometry(e, sizes)
    nd = len(window)
    lead = len(b.shape(e.inputs[0])) - 2 * nd
    cols = b.node("Reshape", [b.ref(e.inputs[0]), b.init(np.array([0] * lead + [-1], np.int64))])
    start, offset = _plane_index(padded, out, window, strides, (0,) * nd, dilation)
    table = (start.reshape(out + (1,) * nd) + offset.reshape((1,) * nd + window)).reshape((1,) * lead + (-1,))
    shape = b.node("Shape", [cols])
    index = b.node("Expand", [b.init(table), shape])
    zshape = b.node("Concat", [b.node("Shape", [cols], start=0, end=lead),
                               b.init(np.array([int(np.prod(padded, dtype=np.int64))], np.int64))], axis=0)
    zeros = b.node("ConstantOfShape", [zshape], value=b.onnx.numpy_helper.from_array(
        np.zeros(1, b.dtype(e.outputs[0]))))
    acc = b.node("ScatterElements", [zeros, index, cols], axis=lead, reduction="add")
    plane = b.node("Reshape", [acc, b.init(np.array([0] * lead + list(padded), np.int64))])
    if not any(lo or hi for lo, hi in padding):
        return [plane]
    pads = np.array([0] * lead + [-lo for lo, _ in padding] + [0] * lead + [-hi for _, hi in padding], np.int64)
    return [b.node("Pad", [plane, b.init(pads)], mode="constant")]


@register("window_argmax")
def _window_argmax(e, b):
    xshape = b.shape(e.inputs[0])
    dt = b.dtype(e.inputs[0])
    nd = len(e.params["window"])
    sizes = xshape[len(xshape) - nd:]
    window, strides, padding, dilation, padded, out = _geometry(e, sizes)
    lowest = -np.inf if dt.kind == "f" else (np.iinfo(dt).min if dt.kind in "iu" else None)
    if lowest is None:
        raise Unsupported(f"dtype {dt}")
    win = _windows_of(b, b.ref(e.inputs[0]), xshape, dt, window, strides, padding, dilation, padded, out, lowest)
    lead = len(xshape) - nd
    taps = b.node("Reshape", [win, b.init(np.array([0] * (lead + nd) + [-1], np.int64))])
    best = b.node("ArgMax", [taps], axis=-1, keepdims=0, select_last_index=0)
    low = tuple(lo for lo, _ in padding)
    start, offset = _plane_index(sizes, out, window, strides, low, dilation)
    index = b.node("Add", [b.init(start), b.node("Gather", [b.init(offset.reshape(-1)), best], axis=0)])
    if any(lo > 0 or hi > 0 for lo, hi in padding):
        # a window whose maximum is the padding value reports its first tap inside the input (as PyTorch does)
        first = np.zeros(out, np.int64)
        place = [int(np.prod(sizes[i + 1:], dtype=np.int64)) for i in range(nd)]
        for i in range(nd):
            grid = np.arange(out[i], dtype=np.int64).reshape([-1 if j == i else 1 for j in range(nd)])
            lo_i = grid * strides[i] - low[i]
            first = first + (lo_i + np.maximum(-lo_i + dilation[i] - 1, 0) // dilation[i] * dilation[i]) * place[i]
        top = b.node("ReduceMax", [taps, b.init(np.array([-1], np.int64))], keepdims=0)
        stuck = b.node("Equal", [top, b.init(lowest, dt)])
        index = b.node("Where", [stuck, b.init(first), index])
    return [index]


def _expand_pair(b, e, a_id: int, i_id: int) -> tuple:
    sa, si = b.shape(a_id), b.shape(i_id)
    a, i = b.ref(a_id), b.ref(i_id, np.int64)
    if sa[:-1] == si[:-1]:
        return a, i
    if has_dims(sa) or has_dims(si):
        raise Unsupported("broadcast leading axes with a dynamic size")
    lead = tuple(np.broadcast_shapes(tuple(sa[:-1]), tuple(si[:-1])))
    return (b.node("Expand", [a, b.init(np.array(lead + tuple(sa[-1:]), np.int64))]),
            b.node("Expand", [i, b.init(np.array(lead + tuple(si[-1:]), np.int64))]))


@register("take_last")
def _take_last(e, b):
    x, i = _expand_pair(b, e, e.inputs[0], e.inputs[1])
    return [b.node("GatherElements", [x, i], axis=-1)]


@register("scatter_add_last")
def _scatter_add_last(e, b):
    _static(e, "size")
    if b.shape(e.inputs[0]) != b.shape(e.inputs[1]):
        v, i = _expand_pair(b, e, e.inputs[0], e.inputs[1])
        if b.shape(e.inputs[0])[-1:] != b.shape(e.inputs[1])[-1:]:
            raise Unsupported("values and index of different lengths")
    else:
        v, i = b.ref(e.inputs[0]), b.ref(e.inputs[1], np.int64)
    zshape = b.node("Concat", [b.node("Shape", [v], start=0, end=-1), b.init(np.array([e.params["size"]], np.int64))],
                    axis=0)
    zeros = b.node("ConstantOfShape", [zshape], value=b.onnx.numpy_helper.from_array(
        np.zeros(1, b.dtype(e.outputs[0]))))
    return [b.node("ScatterElements", [zeros, i, v], axis=-1, reduction="add")]
