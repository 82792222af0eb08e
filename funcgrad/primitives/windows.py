"""Sliding windows: ``sliding_windows`` (im2col as one strided view) and ``fold_windows`` (its transpose, col2im),
the two linear primitives that convolution, pooling and ``unfold``/``fold`` are built from
(``funcgrad/primitives/convolution.py``); and, for max pooling, ``window_argmax`` (no gradient) with the
last-axis gather ``take_last`` and its transpose ``scatter_add_last``.

Both window primitives act on the trailing ``nd = len(window)`` axes of their argument; every leading axis is
batch-like, which makes their vmap rules one call. ``sliding_windows(x)`` pads (or, for a negative width, crops)
those axes and returns ``x.shape[:-nd] + out + window``: the element at ``(..., o, t)`` is
``padded[..., o * stride + t * dilation]``. It is one read-only strided view of the padded input (nothing is
copied unless padding is asked for), so the im2col copy happens once, where the caller reshapes the view into a
GEMM operand. ``fold_windows`` adds each window back where it came from (a loop over the kernel taps, each one
strided add of the positions that land inside the output; never a loop over positions). Each is the other's VJP, and each is its own
JVP, so derivatives of every order come from this pair.

Every array they make keeps the memory order of their input, as NumPy's ``order='K'`` does (the padded copy,
the fold's output, ``scatter_add_last``'s output, ``window_argmax``'s index), so that an activation laid out
batch-innermost, as convolutions return theirs (convolution.py), stays that way through a network's forward and
backward passes.

Max pooling does not reduce over window-sized copies: ``window_argmax`` finds, with a running maximum over the
taps, the flat index in the input plane of each window's first maximum (as PyTorch picks it), and ``take_last``
reads the winners from the input, so the gradient is one ``scatter_add_last`` into the plane (on NumPy, both one
flat take or add through the array's memory, not NumPy's per-axis broadcast index). A window wholly in the
padding holds no winner: :func:`empty_windows` names those, and max pooling gives them -inf and no gradient.
The gather pair
takes its index as an array argument (not a static one, as ``getitem`` does), so it batches under vmap when the
index does.

>>> import numpy as np
>>> w = sliding_windows(np.arange(5.0), (3,), strides=(2,))
>>> w
array([[0., 1., 2.],
       [2., 3., 4.]])
>>> fold_windows(w, (5,), (3,), strides=(2,))
array([0., 1., 4., 3., 4.])
"""
from __future__ import annotations

import functools
import itertools
import math
from typing import Any, Sequence

import numpy as _onp

from ..backend import device_scope, namespace, shape_of
from ..core import Primitive
from ..core.primitive import nondifferentiable
from .shape import ArrayLike, _asarray, _reshape

__all__ = ["sliding_windows", "fold_windows", "window_argmax", "take_last", "scatter_add_last", "window_counts",
           "empty_windows"]
LINALG: list = []

Pairs = tuple  # ((low, high), ...) per windowed axis


# --- geometry ------------------------------------------------------------------------------------------------------
def window_counts(sizes: Sequence[int], window: Sequence[int], strides: Sequence[int], padding: Sequence[tuple],
                  dilation: Sequence[int]) -> tuple:
    """How many windows fit along each axis: ``(n + low + high - dilation * (k - 1) - 1) // stride + 1`` (0 when
    the dilated window is wider than the padded axis).

    >>> window_counts((5,), (3,), (2,), ((0, 0),), (1,))
    (2,)
    """
    out = []
    for n, k, s, (lo, hi), d in zip(sizes, window, strides, padding, dilation):
        span = n + lo + hi - d * (k - 1) - 1
        out.append(span // s + 1 if span >= 0 else 0)
    return tuple(out)


def _memory_order(strides: Sequence[int]) -> list:
    """The axes from the largest stride to the smallest (ties keep their order): the order they lie in memory."""
    return sorted(range(len(strides)), key=lambda i: -abs(strides[i]))


def _inverse(perm: Sequence[int]) -> tuple:
    inverse = [0] * len(perm)
    for i, a in enumerate(perm):
        inverse[a] = i
    return tuple(inverse)


def _full_like_layout(xp, shape: tuple, like_strides: tuple, value, dtype) -> Any:
    """``full(shape, value)`` with its axes laid out in memory in the order of ``like_strides`` (one per axis), as
    NumPy's ``order='K'`` does for an array of another shape: adding or copying a strided operand into it then
    walks both in the same order. A convolution's output has its batch axis innermost (see convolution.py); the
    padding, the fold and the pooling gradient keep that layout, so the next GEMM operand is read in long runs."""
    perm = _memory_order(like_strides)
    if perm == list(range(len(shape))):
        return xp.full(shape, value, dtype=dtype)
    return xp.full(tuple(shape[i] for i in perm), value, dtype=dtype).transpose(_inverse(perm))


def _pad_or_crop(x, padding: Pairs, value) -> Any:
    """``x`` with its trailing axes widened by ``value`` (positive widths) or cut (negative widths): element ``j``
    of a new axis is ``x[j - low]`` where that exists, else ``value``; the new length is ``n + low + high``."""
    nd = len(padding)
    sizes = x.shape[len(x.shape) - nd:]
    # the part of x that survives, and where it lands
    src = tuple(slice(max(-lo, 0), max(min(n, n + hi), max(-lo, 0))) for n, (lo, hi) in zip(sizes, padding))
    if all(lo <= 0 and hi <= 0 for lo, hi in padding):
        return x[(Ellipsis,) + src] if any(padding_ for pair in padding for padding_ in pair) else x
    lead = x.shape[:len(x.shape) - nd]
    # full + one slice assignment: numpy.pad costs tens of microseconds of Python per call
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(sizes, padding))
    out = _full_like_layout(namespace(x), lead + padded, x.strides, value, x.dtype)
    dst = tuple(slice(s.start + lo, s.stop + lo) for s, (lo, _) in zip(src, padding))
    out[(Ellipsis,) + dst] = x[(Ellipsis,) + src]
    return out


def _check(x, window, strides, padding, dilation) -> None:
    nd = len(window)
    if not (len(strides) == len(padding) == len(dilation) == nd):
        raise ValueError(f"window {window}, strides {strides}, padding {padding} and dilation {dilation} must "
                         f"give one entry per windowed axis")
    if len(x.shape) < nd:
        raise ValueError(f"windows over {nd} axes need an array of at least {nd} dimensions, got shape {x.shape}")
    if any(k < 1 for k in window) or any(s < 1 for s in strides) or any(d < 1 for d in dilation):
        raise ValueError(f"window {window}, strides {strides} and dilation {dilation} must be positive")
    if any(n + lo + hi < 0 for n, (lo, hi) in zip(x.shape[len(x.shape) - nd:], padding)):
        raise ValueError(f"padding {padding} crops more than the axes {x.shape[len(x.shape) - nd:]} hold")


# --- the primitives ----------------------------------------------------------------------------------------------
def _windows_impl(x, window: tuple, strides: tuple, padding: Pairs, dilation: tuple, pad_value=0.0):
    x = x if hasattr(x, "strides") else namespace(x).asarray(x)
    _check(x, window, strides, padding, dilation)
    nd = len(window)
    xp = namespace(x)
    padded = _pad_or_crop(x, padding, pad_value)
    lead, sizes = padded.shape[:-nd], padded.shape[-nd:]
    out = window_counts(sizes, window, strides, ((0, 0),) * nd, dilation)
    st = padded.strides
    shape = lead + out + tuple(window)
    steps = st[:-nd] + tuple(a * s for a, s in zip(st[-nd:], strides)) + tuple(a * d for a, d in
                                                                               zip(st[-nd:], dilation))
    if xp is _onp:  # read-only: a write through the view would change the input (or its neighbours)
        return _onp.lib.stride_tricks.as_strided(padded, shape, steps, writeable=False)
    # CuPy's as_strided has no writeable flag, and its result reports no ``base``: the view of it that ``[...]``
    # makes does, so that the engine knows this output shares memory (and copies it before handing it out)
    return xp.lib.stride_tricks.as_strided(padded, shape=shape, strides=steps)[...]


def _fold_impl(cols, input_shape: tuple, window: tuple, strides: tuple, padding: Pairs, dilation: tuple):
    nd = len(window)
    if len(cols.shape) < 2 * nd:
        raise ValueError(f"folding windows over {nd} axes needs an array of at least {2 * nd} dimensions "
                         f"(..., *out, *window), got shape {cols.shape}")
    lead, out, win = cols.shape[:-2 * nd], cols.shape[-2 * nd:-nd], cols.shape[-nd:]
    if win != tuple(window):
        raise ValueError(f"the trailing axes {win} of the windows (shape {cols.shape}) are not the window {window}")
    sizes = tuple(n + lo + hi for n, (lo, hi) in zip(input_shape, padding))
    if any(n < 0 for n in sizes):
        raise ValueError(f"padding {padding} crops more than the output size {input_shape} holds")
    expected = window_counts(sizes, window, strides, ((0, 0),) * nd, dilation)
    if out != expected:
        raise ValueError(f"windows of shape {cols.shape} hold {out} positions, but an output of size {input_shape} "
                         f"with window {window}, strides {strides}, padding {padding} and dilation {dilation} "
                         f"has {expected}")
    xp = namespace(cols)
    # straight into the unpadded output, each tap over the positions that land inside it: no padded buffer, no
    # crop (a cropped view would cost a copy in the reshape that follows, as max pooling's gradient makes)
    buf = _full_like_layout(xp, lead + tuple(input_shape), cols.strides[:len(lead) + nd], 0, cols.dtype)
    for tap in () if 0 in out else itertools.product(*(range(k) for k in window)):
        src, dst = [], []
        for t, d, s, o, (lo, _), n in zip(tap, dilation, strides, out, padding, input_shape):
            at = t * d - lo  # where window 0's tap lands
            first, stop = max(0, -(at // s)), min(o, (n - 1 - at) // s + 1)
            if stop <= first:
                break
            src.append(slice(first, stop))
            dst.append(slice(at + first * s, at + (stop - 1) * s + 1, s))
        else:
            buf[(Ellipsis,) + tuple(dst)] += cols[(Ellipsis,) + tuple(src) + tap]
    return buf


_sliding = Primitive("sliding_windows", _windows_impl, doc=(
    "The windows of the trailing ``len(window)`` axes of ``x`` (static ``window``, ``strides``, ``padding`` as "
    "(low, high) pairs, negative to crop, ``dilation``, ``pad_value``), shape ``x.shape[:-nd] + out + window``: "
    "one read-only strided view of the padded input."))
_fold = Primitive("fold_windows", _fold_impl, doc=(
    "The transpose of ``sliding_windows``: windows ``(..., *out, *window)`` added back into an array of trailing "
    "shape ``input_shape`` (static, like the geometry), overlaps summed, the padding removed."))

_sliding.def_vjp(lambda g, ans, x, window, strides, padding, dilation, pad_value=0.0: _fold(
    g, input_shape=shape_of(x)[len(shape_of(x)) - len(window):], window=window, strides=strides, padding=padding,
    dilation=dilation))
_fold.def_vjp(lambda g, ans, cols, input_shape, window, strides, padding, dilation: _sliding(
    g, window=window, strides=strides, padding=padding, dilation=dilation, pad_value=0.0))
# affine in x (the padding constant is no tangent): the JVP is the windows of the tangent, padded with zeros
_sliding.def_jvp(lambda t, ans, x, window, strides, padding, dilation, pad_value=0.0: _sliding(
    t, window=window, strides=strides, padding=padding, dilation=dilation, pad_value=0.0))
_fold.def_jvp(lambda t, ans, cols, input_shape, window, strides, padding, dilation: _fold(
    t, input_shape=input_shape, window=window, strides=strides, padding=padding, dilation=dilation))
# every leading axis is batch-like: the batch axis in front changes nothing
_sliding.def_batch(lambda args, batched, **params: _sliding(args[0], **params))
_fold.def_batch(lambda args, batched, **params: _fold(args[0], **params))


# --- picking one element per window: max pooling ------------------------------------------------------------------
def _lowest(dtype) -> Any:
    """The value that never wins a maximum of ``dtype`` (what max pooling pads with)."""
    if dtype.kind in "fc":
        return -_onp.inf
    return False if dtype.kind == "b" else _onp.iinfo(dtype).min


@functools.lru_cache(maxsize=256)
def _plane_tables(sizes: tuple, window: tuple, strides: tuple, padding: Pairs, dilation: tuple, out: tuple):
    """The flat plane index of window ``o``'s tap ``t`` is ``start[o] + offset[t]``. ``first[o]`` is the flat
    index of the window's first tap at or past the low edge on every axis: its first element inside the input,
    or, for a window wholly in the padding, the index PyTorch reports for it (past the plane's end on some axis).
    ``empty`` marks the windows wholly in the padding (None when there are none). All on the host."""
    nd = len(window)
    place = [math.prod(sizes[i + 1:]) for i in range(nd)]
    start = _onp.zeros(out, dtype=_onp.int64)
    first = _onp.zeros(out, dtype=_onp.int64)
    empty = _onp.zeros(out, dtype=bool)
    for i in range(nd):
        grid = _onp.arange(out[i], dtype=_onp.int64).reshape(tuple(-1 if j == i else 1 for j in range(nd)))
        low = grid * strides[i] - padding[i][0]
        start = start + low * place[i]
        # the first tap at or past 0 along this axis (PyTorch steps a negative start up by the dilation)
        lead_in = low + _onp.maximum(-low + dilation[i] - 1, 0) // dilation[i] * dilation[i]
        first = first + lead_in * place[i]
        empty = empty | (lead_in >= sizes[i]) | (lead_in > low + (window[i] - 1) * dilation[i])
    taps = _onp.indices(window).reshape(nd, -1)
    offset = sum(taps[i] * dilation[i] * place[i] for i in range(nd)).astype(_onp.int64)
    return start, offset, first, (empty if empty.any() else None)


def empty_windows(sizes: Sequence[int], window: Sequence[int], strides: Sequence[int], padding: Pairs,
                  dilation: Sequence[int]) -> Any:
    """A host boolean array of the window positions that hold no element of the input (they lie wholly in the
    padding, as dilation or a wide padding allows), or None when every window holds one.

    >>> empty_windows((1,), (2,), (1,), ((1, 1),), (2,))
    array([ True])
    """
    out = window_counts(sizes, window, strides, padding, dilation)
    return _plane_tables(tuple(sizes), tuple(window), tuple(strides), tuple(padding), tuple(dilation), out)[3]


def _window_argmax_impl(x, window: tuple, strides: tuple, padding: Pairs, dilation: tuple):
    win = _windows_impl(x, window, strides, padding, dilation, _lowest(x.dtype))
    nd, k = len(window), math.prod(window)
    xp = namespace(win)
    lead_out = win.shape[:len(win.shape) - nd]
    out, sizes = lead_out[len(lead_out) - nd:], x.shape[len(x.shape) - nd:]
    if min((abs(st) for st, n in zip(win.strides[:len(lead_out)], lead_out) if n > 1), default=0) <= win.itemsize:
        # a window position axis is contiguous (the batch axis of a convolution's output): each tap is a strided
        # view read in long runs, and the results keep x's memory order
        taps = [win[(Ellipsis,) + t] for t in itertools.product(*(range(n) for n in window))]
    else:
        # the windows interleave in memory (a C-ordered plane): the taps copied once to the front, each then
        # contiguous (a running maximum over strided views, or numpy.argmax over a short trailing axis, is 2-5x
        # slower)
        taps = xp.ascontiguousarray(xp.transpose(win, tuple(range(len(lead_out), len(win.shape)))
                                                 + tuple(range(len(lead_out))))).reshape((k,) + lead_out)
    start, offset, first, _ = _plane_tables(tuple(sizes), window, strides, padding, dilation, tuple(out))
    # each window's running winner is tracked as its tap's plane offset where those grow with the tap (most
    # geometries: then no gather from the offset table at the end), else as the tap's number
    ordered = bool((offset[1:] > offset[:-1]).all()) and int(offset[-1]) < 2 ** 31
    code = [int(o) for o in offset] if ordered else list(range(k))
    best = xp.zeros_like(taps[0], dtype=_onp.int32 if ordered or k >= 256 else _onp.uint8)
    m = taps[0]
    if k > 1 and 0 not in lead_out:
        for t in range(1, k):
            v = taps[t]
            upd = v > m  # strictly: the first maximum stays
            m = xp.maximum(m, v)
            # the last strict improvement is the first maximum, and the code grows with t: a maximum, no where()
            # (numpy's is 8x slower on unpredictable masks)
            xp.maximum(best, xp.multiply(upd, code[t], dtype=best.dtype), out=best)
        if x.dtype.kind in "fc":
            nan = xp.isnan(m)  # a NaN is the maximum, the first one wins (as numpy.argmax and PyTorch)
            if xp is not _onp or bool(nan.any()):
                first_nan = xp.full(lead_out, code[k - 1], dtype=best.dtype)
                for t in range(k - 2, -1, -1):
                    first_nan = xp.where(xp.isnan(taps[t]), code[t], first_nan)
                best = xp.where(nan, first_nan, best)
    if xp is not _onp:
        with device_scope(x):
            start, offset, first = xp.asarray(start), xp.asarray(offset), xp.asarray(first)
    index = xp.add(best, start, dtype=_onp.int64) if ordered else offset[best] + start
    if any(lo > 0 or hi > 0 for lo, hi in padding):
        # a window whose elements all equal the padding value (-inf), or that holds none, may have kept a padding
        # tap: its first element inside the input wins instead (PyTorch's index, past the plane for an empty one)
        stuck = m == _lowest(x.dtype)
        if xp is not _onp or bool(stuck.any()):
            index = xp.where(stuck, first, index)
    return index


def _batch_lifted(args, batched) -> list:
    """Batched and unbatched operands of the last-axis gathers, ranks aligned behind the batch axis (unbatched
    ones get a unit batch axis), so that NumPy's broadcasting of the leading axes means the same per example."""
    ranks = [len(shape_of(a)) - b for a, b in zip(args, batched)]
    top = max(ranks)
    out = []
    for a, b, r in zip(args, batched, ranks):
        s = shape_of(a)
        out.append(_reshape(a, shape=s[:1] + (1,) * (top - r) + s[1:]) if b else
                   _reshape(a, shape=(1,) * (top - r + 1) + s))
    return out


def _rows_in_memory(a, index) -> Any:
    """For a NumPy ``a`` (..., n) whose axes are a permutation of one contiguous block, and an ``index`` of the
    same leading shape: ``(flat, where)``, ``a``'s memory as one flat view and the position in it of each
    ``a[..., index[..., j]]``; else None. Gathers and scatters through it keep the memory order of both."""
    if a.shape[:-1] != index.shape[:-1] or not a.size or index.dtype.kind not in "iu":
        return None
    flat = a.transpose(_memory_order(a.strides))
    if not flat.flags.c_contiguous:
        return None
    if index.size and (int(index.min()) < 0 or int(index.max()) >= a.shape[-1]):
        return None  # negative (wrapping) or out-of-range indices: numpy.take_along_axis's meaning and errors
    steps = tuple(st // a.itemsize for st in a.strides)
    where = index * steps[-1] if steps[-1] != 1 else index.astype(_onp.int64)
    if where.dtype != _onp.int64:
        where = where.astype(_onp.int64)
    # in place, with the row starts laid out as ``where`` is: NumPy then walks both in one order (10x faster than
    # a broadcast add whose operands' layouts disagree)
    where += _row_starts(a.shape[:-1], steps[:-1], tuple(where.strides))
    return flat.reshape(-1), where


@functools.lru_cache(maxsize=32)
def _row_starts(lead: tuple, steps: tuple, like_strides: tuple) -> Any:
    """The memory offset (in elements) of each row ``a[i, j, ..., :]`` of an array of these leading sizes and
    element strides, shaped ``lead + (1,)`` and laid out in the axis order of ``like_strides``."""
    starts = _full_like_layout(_onp, lead + (1,), like_strides, 0, _onp.int64)
    for axis, (n, step) in enumerate(zip(lead, steps)):
        starts += (_onp.arange(n, dtype=_onp.int64) * step).reshape((n,) + (1,) * (len(lead) - axis))
    starts.flags.writeable = False
    return starts


def _flat_in_memory_order(a) -> tuple:
    """``a`` transposed into its memory order and its inverse permutation (a view when ``a`` is dense)."""
    perm = _memory_order(a.strides)
    return a.transpose(perm), _inverse(perm)


def _take_last_impl(x, index):
    xp = namespace(x)
    if xp is _onp and x.ndim == index.ndim:
        found = _rows_in_memory(x, index)
        if found is not None:
            flat, where = found
            # one flat take (numpy.take_along_axis builds a broadcast index per axis, 3x slower), in the index's
            # memory order
            where, back = _flat_in_memory_order(where)
            return flat.take(where).transpose(back)
    lead = _onp.broadcast_shapes(x.shape[:-1], index.shape[:-1])
    return xp.take_along_axis(xp.broadcast_to(x, lead + x.shape[-1:]),
                              xp.broadcast_to(index, lead + index.shape[-1:]), axis=-1)


def _scatter_add_last_impl(values, index, size: int):
    xp = namespace(values)
    shape = _onp.broadcast_shapes(values.shape, index.shape)
    lead, p = shape[:-1], shape[-1]
    if xp is _onp and values.shape == index.shape == shape and values.size:
        # the output in the index's memory order (that of the array take_last read): a max-pooling gradient keeps
        # the layout of the pooled activation
        out = _full_like_layout(xp, lead + (size,), index.strides, 0, values.dtype)
        found = _rows_in_memory(out, index)
        if found is not None:
            flat, where = found
            perm = _memory_order(index.strides)
            xp.add.at(flat, where.transpose(perm).reshape(-1), values.transpose(perm).reshape(-1))
            return out
    rows = math.prod(lead)
    out = xp.zeros(rows * size, dtype=values.dtype)
    if rows * p:
        flat = xp.broadcast_to(index, shape).reshape(rows, p) + (xp.arange(rows, dtype=_onp.int64) * size)[:, None]
        xp.add.at(out, flat.reshape(-1), xp.broadcast_to(values, shape).reshape(-1))
    return out.reshape(lead + (size,))


_window_argmax = Primitive("window_argmax", _window_argmax_impl, doc=(
    "For each window of ``sliding_windows(x, ...)`` (static geometry; padding never wins), the flat index in "
    "``x``'s unpadded trailing plane of its first maximum (a NaN counts as the maximum). No gradient."))
nondifferentiable(_window_argmax)
_window_argmax.def_batch(lambda args, batched, **params: _window_argmax(args[0], **params))

take_last = Primitive("take_last", _take_last_impl, doc=(
    "``numpy.take_along_axis(x, index, axis=-1)`` with the leading axes of ``x`` and ``index`` broadcast: "
    "``out[..., j] = x[..., index[..., j]]``. Differentiable in ``x``; its transpose is ``scatter_add_last``.\n\n"
    ">>> import numpy as np\n>>> take_last(np.array([[1.0, 2.0, 3.0]]), np.array([[2, 0, 2]]))\n"
    "array([[3., 1., 3.]])\n"))
scatter_add_last = Primitive("scatter_add_last", _scatter_add_last_impl, doc=(
    "The transpose of ``take_last``: zeros of trailing length ``size`` (static) with each of ``values`` added at "
    "its ``index`` along the last axis (repeated indices accumulate).\n\n>>> import numpy as np\n"
    ">>> scatter_add_last(np.array([1.0, 2.0, 4.0]), np.array([0, 2, 0]), size=3)\narray([5., 0., 2.])\n"))
take_last.def_vjp(lambda g, ans, x, index: scatter_add_last(g, index, size=shape_of(x)[-1]), None)
scatter_add_last.def_vjp(lambda g, ans, values, index, size: take_last(g, index), None)
take_last.def_jvp(lambda t, ans, x, index: take_last(t, index), None)
scatter_add_last.def_jvp(lambda t, ans, values, index, size: scatter_add_last(t, index, size=size), None)
take_last.def_batch(lambda args, batched: take_last(*_batch_lifted(args, batched)))
scatter_add_last.def_batch(lambda args, batched, size: scatter_add_last(*_batch_lifted(args, batched), size=size))


# --- the public forms: argument checking and normalisation ----------------------------------------------------
@functools.lru_cache(maxsize=1024)
def _geometry(op: str, window, strides, padding, dilation) -> tuple:
    def ints(v, what: str, default: int) -> tuple:
        if v is None:
            return (default,) * nd
        vals = (v,) * nd if isinstance(v, (int, _onp.integer)) else tuple(v)
        if len(vals) != nd or not all(isinstance(e, (int, _onp.integer)) for e in vals):
            raise ValueError(f"funcgrad.{op}: {what} {v!r} must be an int or {nd} ints (one per windowed axis of "
                             f"window {window})")
        return tuple(int(e) for e in vals)

    window = tuple(window) if isinstance(window, tuple) else (window,)
    nd = len(window)
    if nd == 0 or not all(isinstance(k, (int, _onp.integer)) and k >= 1 for k in window):
        raise ValueError(f"funcgrad.{op}: window {window!r} must be one or more positive ints")
    window = tuple(int(k) for k in window)
    strides, dilation = ints(strides, "strides", 1), ints(dilation, "dilation", 1)
    if any(s < 1 for s in strides) or any(d < 1 for d in dilation):
        raise ValueError(f"funcgrad.{op}: strides {strides} and dilation {dilation} must be positive")
    if padding is None:
        pads = ((0, 0),) * nd
    elif isinstance(padding, (int, _onp.integer)):
        pads = ((padding, padding),) * nd
    else:
        if nd == 1 and len(padding) == 2 and all(isinstance(p, (int, _onp.integer)) for p in padding):
            padding = (padding,)  # one axis: a flat pair is its (low, high)
        pads = tuple((p, p) if isinstance(p, (int, _onp.integer)) else tuple(p) for p in padding)
        if len(pads) != nd or not all(len(p) == 2 for p in pads):
            raise ValueError(f"funcgrad.{op}: padding {padding!r} must be an int, or one int or (low, high) pair "
                             f"per windowed axis of window {window}")
        pads = tuple((int(lo), int(hi)) for lo, hi in pads)
    return window, strides, pads, dilation


def _static(v) -> Any:
    """Lists (of lists) as tuples, so that the geometry is hashable."""
    return tuple(_static(e) for e in v) if isinstance(v, (list, tuple)) else v


def sliding_windows(x: ArrayLike, window: int | Sequence[int], strides: int | Sequence[int] | None = None,
                    padding: int | Sequence[int | tuple[int, int]] | None = None,
                    dilation: int | Sequence[int] | None = None, pad_value: float = 0.0) -> ArrayLike:
    """The sliding windows over the trailing ``len(window)`` axes of ``x``, shape ``x.shape[:-nd] + out + window``
    (a read-only view when there is no padding). ``padding`` is an int or, per axis, an int or a ``(low, high)``
    pair; a negative width crops. ``pad_value`` fills the padding (``-inf`` for max pooling).

    >>> import numpy as np
    >>> sliding_windows(np.arange(4.0), 2, padding=(1, 0), pad_value=-1.0)
    array([[-1.,  0.],
           [ 0.,  1.],
           [ 1.,  2.],
           [ 2.,  3.]])
    """
    window, strides, pads, dilation = _geometry("sliding_windows", _static(window), _static(strides),
                                                _static(padding), _static(dilation))
    return _sliding(_asarray(x), window=window, strides=strides, padding=pads, dilation=dilation,
                    pad_value=pad_value)


def fold_windows(cols: ArrayLike, input_shape: Sequence[int], window: int | Sequence[int],
                 strides: int | Sequence[int] | None = None,
                 padding: int | Sequence[int | tuple[int, int]] | None = None,
                 dilation: int | Sequence[int] | None = None) -> ArrayLike:
    """The transpose of :func:`sliding_windows` (col2im): ``cols`` of shape ``(..., *out, *window)`` added back
    into an array of shape ``(..., *input_shape)``, overlapping entries summed and the padding cut away.

    >>> import numpy as np
    >>> fold_windows(np.ones((3, 2)), (4,), 2)
    array([1., 2., 2., 1.])
    """
    window, strides, pads, dilation = _geometry("fold_windows", _static(window), _static(strides),
                                                _static(padding), _static(dilation))
    input_shape = tuple(int(n) for n in input_shape)
    if len(input_shape) != len(window):
        raise ValueError(f"funcgrad.fold_windows: input_shape {input_shape} must give one size per axis of window "
                         f"{window}")
    return _fold(_asarray(cols), input_shape=input_shape, window=window, strides=strides, padding=pads,
                 dilation=dilation)


def window_argmax(x: ArrayLike, window: int | Sequence[int], strides: int | Sequence[int] | None = None,
                  padding: int | Sequence[int | tuple[int, int]] | None = None,
                  dilation: int | Sequence[int] | None = None) -> ArrayLike:
    """For each window of :func:`sliding_windows` (same arguments; padding never wins), the flat index, in the
    unpadded trailing plane of ``x``, of its maximum: the first in window order where several tie, as PyTorch's
    max pooling picks it (a NaN is the maximum). Integer output; no gradient. A window wholly in the padding
    (see :func:`empty_windows`) gets PyTorch's index for it: that of its first tap at or past the low edge on
    every axis, which lies past the plane on some axis.

    >>> import numpy as np
    >>> window_argmax(np.array([[1.0, 5.0], [5.0, 0.0]]), (2, 2), padding=[(0, 0), (0, 1)], strides=1)
    array([[1, 1]])
    """
    window, strides, pads, dilation = _geometry("window_argmax", _static(window), _static(strides),
                                                _static(padding), _static(dilation))
    return _window_argmax(_asarray(x), window=window, strides=strides, padding=pads, dilation=dilation)
