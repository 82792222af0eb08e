"""Specs for the window primitives. The sliding-window pair: 1 to 3 windowed axes behind 0 to 2 batch-like ones
(empty included), windows of 1 to 3 taps, strides up to 3, dilations up to 2, padding from -1 (a crop) to 2 on
each side, windows that do not fit (no positions), and a nonzero ``pad_value`` (the map is then affine, not
linear). ``window_argmax`` (no gradient) against NumPy's argmax over the same windows, ties and NaNs included, and
windows wholly in the padding (PyTorch's index for them).
``take_last`` / ``scatter_add_last`` with broadcast leading axes and repeated indices (which accumulate)."""
import numpy as np

import funcgrad.primitives.windows as W
from funcgrad.backend import device_of, to_device
from funcgrad.core import getval

from . import Spec, custom, fst, st


@st.composite
def _geometry(draw):
    nd = draw(st.integers(1, 3))
    lead = draw(fst.shapes(min_dims=0, max_dims=2, min_side=0, max_side=2))
    sizes, window, strides, pads, dilation = [], [], [], [], []
    for _ in range(nd):
        n = draw(st.integers(0, 5 if nd < 3 else 3))
        lo = draw(st.integers(-min(n, 1), 2))
        hi = draw(st.integers(-min(n + lo, 1), 2))
        sizes.append(n)
        pads.append((lo, hi))
        window.append(draw(st.integers(1, 3)))
        strides.append(draw(st.integers(1, 3)))
        dilation.append(draw(st.integers(1, 2)))
    return tuple(lead), tuple(sizes), tuple(window), tuple(strides), tuple(pads), tuple(dilation)


@st.composite
def _sliding(draw):
    lead, sizes, window, strides, pads, dilation = draw(_geometry())
    pad_value = draw(st.sampled_from([0.0, 1.5]))
    x = draw(fst.arrays(lead + sizes))
    return (lambda a: W.sliding_windows(a, window, strides, pads, dilation, pad_value=pad_value)), (x,)


@st.composite
def _fold(draw):
    lead, sizes, window, strides, pads, dilation = draw(_geometry())
    out = W.window_counts(sizes, window, strides, pads, dilation)
    cols = draw(fst.arrays(lead + out + window))
    return (lambda c: W.fold_windows(c, sizes, window, strides, pads, dilation)), (cols,)


class _Windowed(np.ndarray):
    """A drawn input that carries its window geometry, so that the spec's reference (which sees only the arrays)
    can compute the expected answer."""
    geometry: tuple = ()


def _argmax_reference(x):
    window, strides, pads, dilation = x.geometry
    x = np.asarray(x)
    nd = len(window)
    lead, sizes = x.shape[:-nd], x.shape[-nd:]
    out = W.window_counts(sizes, window, strides, pads, dilation)
    expected = np.zeros(lead + out, dtype=np.int64)
    place = [int(np.prod(sizes[i + 1:])) for i in range(nd)]
    for o in np.ndindex(*out):
        # a window wholly in the padding gets PyTorch's index: its first tap at or past 0 on every axis
        low = [oi * s - lo for oi, s, (lo, _) in zip(o, strides, pads)]
        where = sum((lw + max(-lw + d - 1, 0) // d * d) * pl for lw, d, pl in zip(low, dilation, place))
        best = None
        for t in np.ndindex(*window):
            pos = [oi * s - lo + ti * d for oi, s, (lo, _), ti, d in zip(o, strides, pads, t, dilation)]
            if not all(0 <= p < n for p, n in zip(pos, sizes)):
                continue  # padding never wins
            v = x[(Ellipsis,) + tuple(pos)]
            flat = int(np.ravel_multi_index(pos, sizes))
            if best is None:
                best, where = v.copy(), np.full(lead, flat)
                continue
            wins = (v > best) | (np.isnan(v) & ~np.isnan(best))  # first maximum; the first NaN beats all
            where = np.where(wins, flat, where)
            best = np.where(wins, v, best)
        expected[(Ellipsis,) + o] = where
    return expected


@st.composite
def _window_argmax(draw):
    lead, sizes, window, strides, pads, dilation = draw(_geometry())
    # PyTorch's bound on the padding, half the window; with dilation some windows may hold no element of x
    sizes = tuple(max(n, 1) for n in sizes)
    pads = tuple((min(max(lo, 0), k // 2), min(max(hi, 0), k // 2)) for (lo, hi), k in zip(pads, window))
    x = draw(fst.arrays(lead + sizes, domain=(-2.0, 2.0)))
    x = np.round(x, 0)  # ties
    if x.size and draw(st.booleans()):
        x.reshape(-1)[draw(st.integers(0, x.size - 1))] = np.nan
    x = x.view(_Windowed)
    x.geometry = (window, strides, pads, dilation)
    return (lambda a: W.window_argmax(a, window, strides, pads, dilation)), (x,)


def _beside(index, like):
    """The host index array on the device of ``like`` (an array, traced value or Tensor under test)."""
    return to_device(index, device_of(getval(getattr(like, "_v", like))))


@st.composite
def _take_last(draw):
    lead_x, lead_i = draw(fst.broadcastable_shapes(2, max_dims=2, min_side=1, max_side=3))
    n, p = draw(st.integers(1, 4)), draw(st.integers(0, 4))
    index = draw(st.lists(st.integers(0, n - 1), min_size=int(np.prod(lead_i + (p,))),
                          max_size=int(np.prod(lead_i + (p,)))))
    index = np.array(index, dtype=np.int64).reshape(lead_i + (p,))
    x = draw(fst.arrays(lead_x + (n,)))
    return (lambda a: W.take_last(a, _beside(index, a))), (x,)


@st.composite
def _scatter_add_last(draw):
    lead_v, lead_i = draw(fst.broadcastable_shapes(2, max_dims=2, min_side=1, max_side=3))
    size, p = draw(st.integers(1, 4)), draw(st.integers(0, 5))
    index = np.array(draw(st.lists(st.integers(0, size - 1), min_size=int(np.prod(lead_i + (p,))),
                                   max_size=int(np.prod(lead_i + (p,))))), dtype=np.int64).reshape(lead_i + (p,))
    values = draw(fst.arrays(lead_v + (p,)))
    return (lambda v: W.scatter_add_last(v, _beside(index, v), size=size)), (values,)


SPECS = [
    custom("sliding_windows", _sliding()),
    custom("fold_windows", _fold()),
    Spec("window_argmax", _window_argmax(), differentiable=False, reference=_argmax_reference),
    custom("take_last", _take_last()),
    custom("scatter_add_last", _scatter_add_last()),
]
