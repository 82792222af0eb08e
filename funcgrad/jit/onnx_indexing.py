"""ONNX forms of the indexing primitives with index arrays: ``gather`` (``x[i]`` with traced integer arrays as
operands, see ``funcgrad/primitives/gather.py``) as one Gather or GatherND, its transpose ``gather_add`` as a
ScatterND (``reduction="add"`` where positions may repeat, a plain write where ``unique`` says none does);
``repeat`` and ``diagonal`` as Gathers of constant index tables, their transposes ``repeat_sum`` and ``diag_embed``
as ScatterElements; ``lstm_recurrence`` as ONNX's LSTM (gates permuted to its order i, o, f, c).

NumPy's advanced-indexing rules are kept exactly: integers count as (0-d) index arrays once an array is present,
a boolean mask is its ``nonzero`` arrays, negative indices count from the end, and the broadcast index dimensions
land where the first index array stood when the array indices are next to each other in the index (Ellipsis and
None separate them, as in NumPy), else in front. ``None`` becomes a size-1 axis of the operand first.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .dynamic import Dim, has_dims
from .onnx_table import _I64_MAX, _I64_MIN, Unsupported, register, static_params

__all__: list = []

_FULL = slice(None)


class _Layout:
    """How an index applies to an operand of ``shape``: the operand with its None axes added (``xshape``), a slice
    per non-advanced axis, the advanced axes with their index sources, and where the index dimensions go."""

    def __init__(self, idx: tuple, slots: tuple, operands: list, shape: tuple, b):
        source = {k: ("op", i) for k, i in zip(slots, operands)}
        items = list(idx)
        width = 0
        for k, v in enumerate(items):
            if k in source:
                width += 1
            elif v is None or v is Ellipsis:
                continue
            elif type(v) is bool or isinstance(v, np.bool_):
                raise Unsupported("a scalar boolean in the index")
            elif isinstance(v, np.ndarray) and v.dtype.kind == "b":
                width += v.ndim
            elif type(v) is slice or isinstance(v, (int, np.integer, np.ndarray)):
                width += 1
            else:
                raise Unsupported(f"the index item {v!r:.40}")
        ells = [k for k, v in enumerate(items) if v is Ellipsis]  # (not `in`: items hold arrays)
        if ells:
            k = ells[0]
        else:
            k, items = len(items), items + [Ellipsis]
        fill = len(shape) - width
        if fill < 0:
            raise Unsupported(f"an index of {width} axes for an operand of shape {tuple(shape)}")
        self.xshape: list = []      # the operand's shape with the None axes added
        self.new_axes: list = []    # positions of those axes
        self.slices: dict = {}      # axis -> slice, for the non-advanced axes
        self.adv: list = []         # (axis, source): ("op", value id) or ("const", int64 array)
        adv_items: list = []
        axis = 0                    # position in the original shape
        for pos, v in enumerate(items):
            if pos in source:
                adv_items.append(pos)
                self.adv.append((len(self.xshape), source[pos]))
                self.xshape.append(shape[axis])
                axis += 1
            elif v is None:
                self.new_axes.append(len(self.xshape))
                self.slices[len(self.xshape)] = _FULL
                self.xshape.append(1)
            elif v is Ellipsis:
                if pos != k:
                    raise Unsupported("two Ellipses in the index")
                for _ in range(fill):
                    self.slices[len(self.xshape)] = _FULL
                    self.xshape.append(shape[axis])
                    axis += 1
            elif type(v) is slice:
                if has_dims((v.start, v.stop, v.step)):
                    raise Unsupported("a slice that depends on a dynamic size")
                self.slices[len(self.xshape)] = v
                self.xshape.append(shape[axis])
                axis += 1
            elif isinstance(v, np.ndarray) and v.dtype.kind == "b":
                adv_items.append(pos)
                for part in np.nonzero(v):
                    self.adv.append((len(self.xshape), ("const", part.astype(np.int64))))
                    self.xshape.append(shape[axis])
                    axis += 1
            else:
                adv_items.append(pos)
                self.adv.append((len(self.xshape), ("const", np.asarray(v, dtype=np.int64))))
                self.xshape.append(shape[axis])
                axis += 1
        self.b = b
        self.bshape = _broadcast([self._source_shape(s) for _, s in self.adv])
        adjacent = adv_items[-1] - adv_items[0] + 1 == len(adv_items)
        # NumPy puts the index dimensions where the first index array stood when the array indices are adjacent
        self.front = self.adv[0][0] if adjacent else 0
        self.rest = [a for a in range(len(self.xshape)) if a in self.slices]

    def _source_shape(self, s) -> tuple:
        return tuple(s[1].shape) if s[0] == "const" else self.b.shape(s[1])

    def indices(self) -> list:
        """The index sources as int64 ONNX values with negative indices counted from the end."""
        b, out = self.b, []
        for axis, (kind, v) in self.adv:
            n = self.xshape[axis]
            if kind == "const":
                if (v < 0).any():
                    if type(n) is Dim:
                        raise Unsupported("a negative static index on an axis of dynamic size")
                    v = np.where(v < 0, v + n, v)
                out.append(b.init(v))
                continue
            i = b.ref(v, np.int64)
            if b.dtype(v).kind != "u":
                size = b.init(n, np.int64) if type(n) is int else b.node("Squeeze", [b.dim(n), b.init([0], np.int64)])
                i = b.node("Where", [b.node("Less", [i, b.init(0, np.int64)]), b.node("Add", [i, size]), i])
            out.append(i)
        return out

    def index_tuple(self) -> str:
        """The sources broadcast to the index shape and stacked on a last axis: GatherND's and ScatterND's index."""
        b = self.b
        parts = []
        for (_, s), i in zip(self.adv, self.indices()):
            if self._source_shape(s) != self.bshape:
                i = b.node("Expand", [i, b.ints(self.bshape)])
            parts.append(b.node("Unsqueeze", [i, b.init(np.array([-1], np.int64))]))
        return parts[0] if len(parts) == 1 else b.node("Concat", parts, axis=-1)

    def sliced_size(self, axis: int) -> Any:
        n, s = self.xshape[axis], self.slices[axis]
        if s == _FULL:
            return n
        if type(n) is Dim:
            raise Unsupported("a partial slice of an axis of dynamic size in the transpose of an indexing")
        return len(range(n)[s])

    def selection_shape(self) -> tuple:
        rest = [self.sliced_size(a) for a in self.rest]
        p = sum(1 for a in self.rest if a < self.front)
        return tuple(rest[:p]) + tuple(self.bshape) + tuple(rest[p:])

    def order(self) -> list:
        """The operand's axes with the advanced ones first: the layout GatherND and ScatterND work in."""
        return [a for a, _ in self.adv] + self.rest

    def moved(self) -> tuple:
        """The permutation from the (index dims, rest) layout to NumPy's, or None when they agree."""
        nb = len(self.bshape)
        p = sum(1 for a in self.rest if a < self.front)
        if p == 0 or nb == 0:
            return None
        return tuple(range(nb, nb + p)) + tuple(range(nb)) + tuple(range(nb + p, nb + len(self.rest)))


def _broadcast(shapes: list) -> tuple:
    nd = max(len(s) for s in shapes)
    out = []
    for k in range(nd):
        sizes = {s[len(s) - nd + k] for s in shapes if len(s) - nd + k >= 0} - {1}
        if len(sizes) > 1:
            raise Unsupported(f"index arrays of shapes {shapes} that do not broadcast to one shape here")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _layout(e, b, shape: tuple) -> _Layout:
    static_params(e, "idx")
    return _Layout(tuple(e.params["idx"]), tuple(e.params["slots"]), list(e.inputs[1:]), shape, b)


def _slice_nodes(b, x: str, lay: _Layout) -> str:
    starts, ends, axes, steps = [], [], [], []
    for a, v in sorted(lay.slices.items()):
        if v == _FULL:
            continue
        step = 1 if v.step is None else v.step
        starts.append(v.start if v.start is not None else (0 if step > 0 else _I64_MAX))
        ends.append(v.stop if v.stop is not None else (_I64_MAX if step > 0 else _I64_MIN))
        axes.append(a)
        steps.append(step)
    if not axes:
        return x
    return b.node("Slice", [x] + [b.init(np.array(v, np.int64)) for v in (starts, ends, axes, steps)])


@register("gather")
def _gather(e, b):
    lay = _layout(e, b, b.shape(e.inputs[0]))
    x = b.ref(e.inputs[0])
    if lay.new_axes:
        x = b.node("Unsqueeze", [x, b.init(np.array(lay.new_axes, np.int64))])
    x = _slice_nodes(b, x, lay)
    if len(lay.adv) == 1:  # one index array: Gather puts its dimensions where NumPy does
        return [b.node("Gather", [x, lay.indices()[0]], axis=lay.adv[0][0])]
    order = lay.order()
    if order != sorted(order):
        x = b.node("Transpose", [x], perm=order)
    out = b.node("GatherND", [x, lay.index_tuple()])
    perm = lay.moved()
    return [out if perm is None else b.node("Transpose", [out], perm=list(perm))]


@register("gather_add")
def _gather_add(e, b):
    static_params(e, "shape")
    shape = tuple(e.params["shape"])
    lay = _layout(e, b, shape)
    t = b.dtype(e.outputs[0])
    g = b.ref(e.inputs[0], t)
    sel = lay.selection_shape()
    if b.shape(e.inputs[0]) != sel:  # a value broadcast over the selection, as NumPy's assignment allows
        g = b.node("Expand", [g, b.ints(sel)])
    perm = lay.moved()
    if perm is not None:  # to the (index dims, rest) layout: the inverse of the gather's move
        g = b.node("Transpose", [g], perm=[int(k) for k in np.argsort(perm)])
    order = lay.order()
    zshape = [lay.xshape[a] for a, _ in lay.adv] + [lay.sliced_size(a) for a in lay.rest]
    zeros = b.node("ConstantOfShape", [b.ints(zshape)], value=b.onnx.numpy_helper.from_array(np.zeros(1, t)))
    # unique: no position is reached twice, so a write is the sum (and needs no accumulation)
    reduction = "none" if e.params.get("unique") else "add"
    out = b.node("ScatterND", [zeros, lay.index_tuple(), g], reduction=reduction)
    if order != sorted(order):
        out = b.node("Transpose", [out], perm=[int(k) for k in np.argsort(order)])
    for a, v in sorted(lay.slices.items()):
        if v != _FULL:
            out = _unslice(b, out, a, lay.xshape[a], v, t, len(lay.xshape))
    if lay.new_axes:
        out = b.node("Squeeze", [out, b.init(np.array(lay.new_axes, np.int64))])
    return [out]


def _unslice(b, val: str, axis: int, n: int, s: slice, dtype, nd: int) -> str:
    """``val`` (the slice ``s`` of an axis of size ``n``) placed back in zeros of size ``n`` on that axis."""
    r = np.arange(n, dtype=np.int64)[s]
    if r.size and (r.size == 1 or (np.diff(r) == 1).all()):
        pads = np.zeros(2 * nd, np.int64)
        pads[axis], pads[nd + axis] = r[0], n - 1 - r[-1]
        return b.node("Pad", [val, b.init(pads)], mode="constant")
    return _scatter_axis(b, val, axis, r, n, dtype, nd, False)


# --- repeat and diagonal: Gathers of constant index tables -------------------------------------------------------
@register("repeat")
def _repeat(e, b):
    static_params(e, "repeats")
    x = b.ref(e.inputs[0])
    shape, axis, repeats = b.shape(e.inputs[0]), e.params["axis"], e.params["repeats"]
    if axis is None:  # NumPy repeats the flattened array
        if has_dims(shape):
            raise Unsupported("axis=None on an operand of dynamic shape")
        x, shape, axis = b.node("Reshape", [x, b.init(np.array([-1], np.int64))]), (int(np.prod(shape)),), 0
    axis %= len(shape)
    if type(shape[axis]) is Dim:
        raise Unsupported("repeats along an axis of dynamic size")
    table = np.repeat(np.arange(shape[axis], dtype=np.int64), repeats)
    return [b.node("Gather", [x, b.init(table)], axis=axis)]


@register("diagonal")
def _diagonal(e, b):
    shape = b.shape(e.inputs[0])
    lead, a1, a2, n1, n2, table = _diagonal_geometry(shape, e.params["offset"], e.params["axis1"], e.params["axis2"])
    x = b.node("Transpose", [b.ref(e.inputs[0])], perm=lead + [a1, a2])
    x = b.node("Reshape", [x, b.ints([shape[k] for k in lead] + [n1 * n2])], allowzero=1)
    return [b.node("Gather", [x, b.init(table)], axis=len(lead))]


def _scatter_axis(b, val: str, axis: int, table: np.ndarray, n: int, dtype, nd: int, add: bool) -> str:
    """Zeros of ``val``'s shape with ``n`` on ``axis``, and ``val`` written (or added) at ``table`` along it."""
    shape = b.node("Shape", [val])
    index = b.node("Expand", [b.init(table.reshape([-1 if k == axis else 1 for k in range(nd)])), shape])
    zshape = b.node("ScatterElements", [shape, b.init(np.array([axis], np.int64)), b.init(np.array([n], np.int64))],
                    axis=0)
    zeros = b.node("ConstantOfShape", [zshape], value=b.onnx.numpy_helper.from_array(np.zeros(1, dtype)))
    return b.node("ScatterElements", [zeros, index, val], axis=axis, **({"reduction": "add"} if add else {}))


@register("repeat_sum")
def _repeat_sum(e, b):
    static_params(e, "repeats")
    shape, axis, repeats = b.shape(e.inputs[0]), e.params["axis"], e.params["repeats"]
    if axis is None or type(shape[axis % len(shape)]) is Dim:
        raise Unsupported("axis=None or an axis of dynamic size")
    axis %= len(shape)
    n = shape[axis] // repeats if type(repeats) is int else len(repeats)
    table = np.repeat(np.arange(n, dtype=np.int64), repeats)
    return [_scatter_axis(b, b.ref(e.inputs[0]), axis, table, n, b.dtype(e.outputs[0]), len(shape), True)]


def _diagonal_geometry(shape: tuple, offset: int, axis1: int, axis2: int) -> tuple:
    nd = len(shape)
    a1, a2 = axis1 % nd, axis2 % nd
    n1, n2 = shape[a1], shape[a2]
    if has_dims((n1, n2)):
        raise Unsupported("a diagonal of axes of dynamic size")
    lead = [k for k in range(nd) if k not in (a1, a2)]
    length = max(0, min(n1 - max(-offset, 0), n2 - max(offset, 0)))
    i = np.arange(length, dtype=np.int64)
    return lead, a1, a2, n1, n2, (i + max(-offset, 0)) * n2 + i + max(offset, 0)


@register("diag_embed")
def _diag_embed(e, b):
    static_params(e, "shape")
    shape = tuple(e.params["shape"])
    lead, a1, a2, n1, n2, table = _diagonal_geometry(shape, e.params["offset"], e.params["axis1"], e.params["axis2"])
    plane = _scatter_axis(b, b.ref(e.inputs[0]), len(lead), table, n1 * n2, b.dtype(e.outputs[0]), len(lead) + 1,
                          False)  # the diagonal's positions are distinct
    plane = b.node("Reshape", [plane, b.ints([shape[k] for k in lead] + [n1, n2])], allowzero=1)
    return [b.node("Transpose", [plane], perm=[int(k) for k in np.argsort(lead + [a1, a2])])]


# --- lstm_recurrence: ONNX's LSTM over the projected input ---------------------------------------------------------
_ONNX_GATES = (0, 3, 1, 2)  # ONNX's gate blocks i, o, f, c taken from funcgrad's (PyTorch's) i, f, g, o


@register("lstm_recurrence")
def _lstm_recurrence(e, b):
    used = {i for q in b.g.eqns for i in q.inputs} | set(b.g.outputs)
    if any(o in used for o in e.outputs[3:]):
        raise Unsupported("its saved gates and cell states are used (a gradient through the LSTM); export the "
                          "forward pass only")
    p_id, w_id, b_id, h_id, c_id = e.inputs
    t = b.dtype(e.outputs[0])
    steps, batch, g4 = b.shape(p_id)
    if type(g4) is not int:
        raise Unsupported("a hidden size that depends on a dynamic size")
    hidden = g4 // 4
    rows = np.concatenate([np.arange(k * hidden, (k + 1) * hidden) for k in _ONNX_GATES]).astype(np.int64)
    # the input is already projected: ONNX's input weights are the permutation to its gate order (exact products)
    eye = np.zeros((1, g4, g4), t)
    eye[0, np.arange(g4), rows] = 1
    zero = b.init(np.array([0], np.int64))
    r = b.node("Unsqueeze", [b.node("Gather", [b.ref(w_id, t), b.init(rows)], axis=0), zero])
    if b.is_const(b_id) and b.const(b_id) is None:
        bias = b.init(np.zeros((1, 2 * g4), t))
    else:
        bias = b.node("Concat", [b.node("Gather", [b.ref(b_id, t), b.init(rows)], axis=0),
                                 b.init(np.zeros(g4, t))], axis=0)
        bias = b.node("Unsqueeze", [bias, zero])
    h0, c0 = (b.node("Unsqueeze", [b.ref(i, t), zero]) for i in (h_id, c_id))
    y, yh, yc = b.node("LSTM", [b.ref(p_id, t), b.init(eye), r, bias, "", h0, c0], n_out=3, hidden_size=hidden,
                       direction="reverse" if e.params.get("reverse") else "forward")
    one = b.init(np.array([1], np.int64))
    return [b.node("Squeeze", [y, one]), b.node("Squeeze", [yh, zero]), b.node("Squeeze", [yc, zero])]
