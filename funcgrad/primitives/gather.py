"""Indexing by traced index arrays (``gather`` and its transpose ``gather_add``), and the index analysis that
``getitem``, its transpose and the functional updates of :mod:`funcgrad.primitives.indexing` share.

``getitem`` keeps its index as a static parameter. Under ``jit`` that cannot hold an index array that is a traced
value (an input of the jitted function, ``y`` in ``logp[np.arange(n), y]``, or an ``argsort`` computed inside):
baking the recorded value into the graph would give wrong results for the next call's labels. ``gather`` takes
such index arrays as operands instead, so the recorded equation reads them on every replay:

* ``gather(x, *arrays, idx, slots, unique)`` is ``x[idx]`` with ``idx[k]`` replaced by ``arrays[j]`` for each
  ``k = slots[j]`` (the template ``idx`` holds a placeholder 0 there). It is linear in ``x``; the index operands
  are integers and get no gradient.
* ``gather_add(g, *arrays, idx, slots, shape, unique)``, zeros of ``shape`` with ``g`` added at the positions
  read, is its transpose, and ``gather`` is the transpose of ``gather_add``: the pair differentiates to any order.
  ``unique`` (worked out once, while recording, from the static parts of the index: a non-negative static index
  array with distinct values that spans the whole broadcast selection, as ``np.arange(n)`` in ``logp[np.arange(n),
  y]``) says that no position is reached twice, so the scatter is a plain assignment instead of ``add.at``.
* under vmap an unbatched index (the same for every example) goes behind a full slice, as a static index does.
  A batched index operand (an integer or integer array that differs per example: ``x[i]`` with ``i`` batched, an
  ``argmax`` computed inside) gets the batch index ``arange(B)`` in front of the other advanced indices (none when
  ``x`` is shared by the examples), its batch axis in front of its own, and the result's axes are put back in the
  per-example order (NumPy moves advanced dimensions to the front when a slice, None or Ellipsis separates the
  advanced indices; see :class:`_Plan`). ``gather_add`` is batched the same way, its ``g`` laid out to match, so
  vmap of grad and grad of vmap both run as one gather or scatter over the batch.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as _onp

from ..backend import dtype_of, namespace, shape_of, to_host
from ..core import Primitive, getval
from ..core.batching import loop_rule
from .shape import _reshape, _transpose

__all__: list = []  # no NumPy-facing names: getitem, take and take_along_axis reach gather
LINALG: list = []

ArrayLike = Any


def batched_index_error(op: str, transform: str, value: Any = None) -> NotImplementedError:
    """The refusal of an index batched by vmap that cannot be gathered per example (a boolean mask, a slice bound,
    a list entry): integer scalars and arrays become ``gather`` operands instead."""
    what = ""
    if value is not None:
        kind = "boolean mask" if dtype_of(value).kind == "b" else f"{dtype_of(value)} value"
        what = f" (here a {kind} of shape {tuple(shape_of(value))})"
    return NotImplementedError(
        f"funcgrad.{op}: the index is computed from values batched by {transform}, so it differs from one example "
        f"to the next{what}. vmap indexes each example with its own integers or integer arrays, but a boolean mask "
        f"selects a number of elements that varies per example (the results would not stack), and slice bounds and "
        f"the entries of a list index must be the same for every example. Use fnp.where(mask, x, 0) instead of "
        f"x[mask], integer index arrays (fnp.take, fnp.take_along_axis, x[i]), or compute the index outside vmap and "
        f"pass it in unbatched (in_axes=None)")


# --- describing an index, its errors, accumulating scatters ----------------------------------------------------
def _has_int_array(idx: Any) -> bool:
    """True when the index holds an integer array (of at least one dimension): positions may then repeat."""
    for i in (idx if type(idx) is tuple else (idx,)):
        t = type(i)
        if t is int or t is slice or i is None or i is Ellipsis or t is bool:
            continue
        dt = getattr(i, "dtype", None)
        if dt is not None and dt.kind in "iu" and getattr(i, "ndim", 0) > 0:
            return True
    return False


def _describe_item(i: Any) -> str:
    if i is None:
        return "None"
    if i is Ellipsis:
        return "..."
    if type(i) is slice:
        return ":".join("" if p is None else str(p) for p in (i.start, i.stop, i.step)).rstrip(":") or ":"
    dt = getattr(i, "dtype", None)
    if dt is not None and getattr(i, "ndim", 0) > 0:
        kind = "boolean mask" if dt.kind == "b" else f"{dt} index array"
        return f"{kind} of shape {tuple(i.shape)}"
    return repr(i)


def _describe_index(idx: Any) -> str:
    items = idx if type(idx) is tuple else (idx,)
    return "[" + ", ".join(_describe_item(i) for i in items) + "]"


def _mask_mismatch(shape: tuple, idx: Any) -> str | None:
    """A message naming both shapes when a boolean mask does not fit the axes it selects, else None."""
    items = idx if type(idx) is tuple else (idx,)

    def width(i):
        if i is None or i is Ellipsis:
            return 0
        dt = getattr(i, "dtype", None)
        if dt is not None and dt.kind == "b":
            return getattr(i, "ndim", 0)
        return 0 if type(i) is bool else 1

    fill = len(shape) - sum(width(i) for i in items)
    axis = 0
    for i in items:
        if i is Ellipsis:
            axis += max(fill, 0)
            continue
        w = width(i)
        dt = getattr(i, "dtype", None)
        if dt is not None and dt.kind == "b" and w > 0:
            covered = tuple(shape[axis:axis + w])
            if covered != tuple(i.shape):
                return (f"boolean mask of shape {tuple(i.shape)} does not match the array's axes "
                        f"{axis}..{axis + w - 1} of shape {covered} (array shape {tuple(shape)}); a mask must have "
                        f"exactly the shape of the axes it selects")
        axis += w
    return None


def _index_error(e: IndexError, shape: tuple, idx: Any) -> IndexError:
    msg = _mask_mismatch(shape, idx)
    if msg is None:
        msg = f"{e}; the array has shape {tuple(shape)} and the index is {_describe_index(idx)}"
    return IndexError(msg)


def _ufunc_at(ufunc, out, idx, v) -> None:
    """``ufunc.at(out, idx, v)`` with ``v`` broadcast to the selection's shape first.

    NumPy 2.x's ``ufunc.at`` mishandles a value array with fewer dimensions than the selection (seen with a 1-D
    ``out``, a 2-D index array and a 1-D ``v``): instead of repeating ``v`` along the missing leading axes it walks
    past its end, so the result holds garbage. Broadcasting ``v`` ourselves (a view, no copy) avoids that path.
    """
    xp = namespace(out)
    if not hasattr(v, "ndim"):
        v = xp.asarray(v)
    if v.ndim > 0:
        # A zero-strided boolean stand-in for ``out`` gives the selection's shape without reading ``out``.
        sel = xp.broadcast_to(xp.zeros((), dtype=bool), out.shape)[idx].shape
        extra = v.ndim - len(sel)
        if extra > 0 and all(d == 1 for d in v.shape[:extra]):  # assignment accepts extra leading 1s: so do we
            v = xp.reshape(v, v.shape[extra:])
        if tuple(v.shape) != tuple(sel):
            v = xp.broadcast_to(v, sel)
    ufunc.at(out, idx, v)


# --- batching: the same index applied to every example --------------------------------------------------------
_INT, _BASIC, _ADV = 0, 1, 2


def _batched_layout(idx: Any, nd: int):
    """How ``idx`` (for examples of ``nd`` dimensions) applies to a batch with the batch as its leading axis.

    Returns ``(batched_idx, sel_nd, front)`` or None for an index this analysis does not cover. ``batched_idx`` is
    ``idx`` behind a full slice; ``sel_nd`` is the per-example selection's number of dimensions; ``front`` is the
    number of leading selection dimensions that NumPy puts before the batch axis (0 unless the advanced indices are
    separated by a slice, None or Ellipsis: NumPy then moves their dimensions to the front, so that the batched
    selection is laid out as (advanced..., B, rest...)).
    """
    items = idx if type(idx) is tuple else (idx,)
    kinds = []
    consumed = basic_dims = adv_nd = 0
    has_adv = False
    for i in items:
        t = type(i)
        if t is slice:
            kinds.append(_BASIC)
            consumed += 1
            basic_dims += 1
        elif i is None:
            kinds.append(_BASIC)
            basic_dims += 1
        elif i is Ellipsis:
            kinds.append(_BASIC)
        elif t is bool or t is _onp.bool_:  # a scalar mask: an advanced index of length 1 (or 0) on no axis
            kinds.append(_ADV)
            has_adv = True
            adv_nd = max(adv_nd, 1)
        elif t is int or isinstance(i, _onp.integer):
            kinds.append(_INT)
            consumed += 1
        else:
            dt = getattr(i, "dtype", None)
            if dt is None or dt.kind not in "biu":
                return None
            k = i.ndim
            if dt.kind == "b":  # a k-d mask: k axes, one selection dimension (its nonzero positions)
                consumed += k
                adv_nd = max(adv_nd, 1)
                kinds.append(_ADV)
                has_adv = True
            elif k == 0:  # NumPy treats a 0-d integer array as an integer
                kinds.append(_INT)
                consumed += 1
            else:
                consumed += 1
                adv_nd = max(adv_nd, k)
                kinds.append(_ADV)
                has_adv = True
    basic_dims += max(nd - consumed, 0)  # what Ellipsis (or the implicit trailing slices) keeps
    bidx = (slice(None),) + items
    if not has_adv:
        return bidx, basic_dims, 0
    # With an advanced index present, integers are advanced too; NumPy keeps the advanced dimensions in place
    # only when the advanced indices are next to each other in the index.
    pos = [k for k, c in enumerate(kinds) if c != _BASIC]
    front = adv_nd if pos[-1] - pos[0] + 1 != len(pos) else 0
    return bidx, basic_dims + adv_nd, front


@functools.lru_cache(maxsize=256)
def _move_perm(src: int, dst: int, n: int) -> tuple:
    order = [k for k in range(n) if k != src]
    order.insert(dst, src)
    return tuple(order)


def _batched_value(v, is_batched: bool, sel_nd: int, front: int):
    """A value to write through a batched index: it broadcasts against the batched selection, per example."""
    s = shape_of(v)
    vs = s[1:] if is_batched else s
    if not is_batched and not vs:
        return v  # a scalar broadcasts anywhere
    if len(vs) > sel_nd:  # NumPy also accepts extra leading size-1 axes: drop them
        vs = vs[len(vs) - sel_nd:]
    elif not is_batched and not front:
        return v  # right-aligned broadcasting already matches the examples' axes
    lead = s[:1] if is_batched else (1,)
    new = lead + (1,) * (sel_nd - len(vs)) + vs
    if new != s:
        v = _reshape(v, shape=new)
    if front:  # the batch axis sits after the advanced dimensions
        v = _transpose(v, axes=_move_perm(0, front, sel_nd + 1))
    return v


# --- gather and gather_add: index arrays as operands ---------------------------------------------------------------
def _full_index(idx: tuple, slots: tuple, arrays) -> tuple:
    """The template ``idx`` with the operand ``arrays`` in its ``slots``."""
    if len(slots) == 1:  # the common case (one traced label array): no loop
        k = slots[0]
        return idx[:k] + (arrays[0],) + idx[k + 1:]
    full = list(idx)
    for k, a in zip(slots, arrays):
        full[k] = a
    return tuple(full)


def _gather_impl(x, *arrays, idx: tuple, slots: tuple, unique: bool = False):
    full = _full_index(idx, slots, arrays)
    try:
        return x[full]
    except IndexError as e:
        raise _index_error(e, shape_of(x), full) from None


def _gather_add_impl(g, *arrays, idx: tuple, slots: tuple, shape: tuple, unique: bool = False):
    xp = namespace(g if hasattr(g, "shape") or not arrays else arrays[0])  # a Python scalar: the index's device
    out = xp.zeros(shape, dtype=dtype_of(g))
    full = _full_index(idx, slots, arrays)
    try:
        if unique:
            out[full] = g  # each position is reached once: the assignment is the sum, and 2x faster than add.at
        else:
            _ufunc_at(xp.add, out, full, g)  # repeated positions accumulate
    except IndexError as e:
        raise _index_error(e, tuple(shape), full) from None
    return out


gather = Primitive("gather", _gather_impl, doc=(
    "``x[idx]`` where the index arrays in ``slots`` are operands (``arrays``), not static parameters: what "
    "``x[i]`` records under jit when ``i`` is a traced integer array. Differentiable in ``x``.\n\n"
    ">>> import numpy as np\n>>> gather(np.arange(6.0).reshape(2, 3), np.array([2, 0]), idx=(np.arange(2), 0), "
    "slots=(1,))\narray([2., 3.])\n"))
gather_add = Primitive("gather_add", _gather_add_impl, doc=(
    "Zeros of ``shape`` with ``g`` added at the positions ``gather`` reads with the same index (repeated positions "
    "accumulate): its transpose.\n\n"
    ">>> import numpy as np\n>>> gather_add(np.ones(3), np.array([0, 0, 2]), idx=(0,), slots=(0,), shape=(3,))\n"
    "array([2., 0., 1.])\n"))

gather.def_vjp(lambda g, ans, x, *arrays, idx, slots, unique=False: gather_add(
    g, *arrays, idx=idx, slots=slots, shape=shape_of(x), unique=unique))
gather_add.def_vjp(lambda g, ans, v, *arrays, idx, slots, shape, unique=False: gather(
    g, *arrays, idx=idx, slots=slots, unique=unique))
gather.def_jvp(lambda t, ans, x, *arrays, **params: gather(t, *arrays, **params))
gather_add.def_jvp(lambda t, ans, v, *arrays, **params: gather_add(t, *arrays, **params))


def _shifted(slots: tuple) -> tuple:
    return tuple(k + 1 for k in slots)


# --- batching with index operands that differ per example ---------------------------------------------------------
class _Plan:
    """How a gather whose index operands are batched runs as one gather over the whole batch.

    Example ``k`` reads ``x_k[idx_k]``. The batched call indexes ``x`` with ``(arange(B), *idx)`` (no ``arange``
    when ``x`` is shared by the examples): every batched operand gets its batch axis in front of its
    per-example dimensions, broadcast against the others, so the advanced selection has shape ``(B, *adv)``.
    NumPy then puts those dimensions in place or in front (advanced indices separated by a slice, None or
    Ellipsis go first), and ``perm`` reorders the result to ``(B, *selection of one example)``.
    """

    __slots__ = ("items", "ops", "adv_nd", "perm")

    def __init__(self, items: list, ops: list, adv_nd: int, perm: tuple):
        self.items, self.ops, self.adv_nd, self.perm = items, ops, adv_nd, perm

    def index(self, arrays, batched, size: int, with_batch: bool, xp):
        """The batched call's template, slots and operands."""
        items, slots, operands = [], [], []
        if with_batch:  # example k reads its own row k of x
            items.append(xp.reshape(xp.arange(size, dtype=_onp.intp), (size,) + (1,) * self.adv_nd))
        for item, j in zip(self.items, self.ops):
            if j is None:
                items.append(item)
                continue
            a = arrays[j]
            if batched[j]:  # the batch axis first, then size-1 axes so that it broadcasts ahead of the others
                s = shape_of(a)
                want = s[:1] + (1,) * (self.adv_nd + 1 - len(s)) + s[1:]
                a = a if want == s else _reshape(a, shape=want)
            slots.append(len(items))
            items.append(0)
            operands.append(a)
        return tuple(items), tuple(slots), operands


def _plan(idx: tuple, slots: tuple, arrays, batched, nd: int, with_batch: bool) -> _Plan | None:
    """The :class:`_Plan` for ``idx`` (operands ``arrays`` in ``slots``) on examples of ``nd`` dimensions, or None
    for an index this rule leaves to the loop over examples (a scalar boolean, more indices than axes)."""
    op_of = {k: j for j, k in enumerate(slots)}
    items, ops, kinds = [], [], []  # kinds: the number of advanced dimensions, or "s" (slice), "n" (None), "e"
    for k, i in enumerate(idx):
        if k in op_of:
            j = op_of[k]
            a = arrays[j]
            if dtype_of(a).kind not in "iu":
                return None
            items.append(0)
            ops.append(j)
            kinds.append(len(shape_of(a)) - (1 if batched[j] else 0))
            continue
        t = type(i)
        if t is slice or i is None or i is Ellipsis:
            kinds.append("s" if t is slice else "n" if i is None else "e")
        elif t is int or isinstance(i, _onp.integer):
            kinds.append(0)
        else:
            dt = getattr(i, "dtype", None)
            if dt is None or dt.kind not in "biu" or (dt.kind == "b" and getattr(i, "ndim", 0) == 0):
                return None
            if dt.kind == "b":  # a static mask is the integer arrays of its nonzero positions
                nz = namespace(i).nonzero(i)
                items.extend(nz)
                ops.extend([None] * len(nz))
                kinds.extend([1] * len(nz))
                continue
            kinds.append(i.ndim)
        items.append(i)
        ops.append(None)
    if kinds.count("e") > 1:
        return None
    fill = nd - sum(1 for c in kinds if c != "n" and c != "e")
    if fill < 0:
        return None  # too many indices: each example's call reports it
    adv = [p for p, c in enumerate(kinds) if type(c) is int]
    adv_nd = max(kinds[p] for p in adv)
    adjacent = adv[-1] - adv[0] + 1 == len(adv)
    before = sum(fill if c == "e" else 1 for c in kinds[:adv[0]])
    nb = sum(1 for c in kinds if c == "s" or c == "n") + fill  # the axes Ellipsis or the implied trailing ":" keep
    # Label the dimensions: "b" the batch, ("a", t) the advanced ones, ("s", t) the basic ones, in order.
    basic = [("s", t) for t in range(nb)]
    adv_labels = [("a", t) for t in range(adv_nd)]
    q = before if adjacent else 0  # where one example's selection puts its advanced dimensions
    want = ["b"] + basic[:q] + adv_labels + basic[q:]
    in_place = adjacent and (not with_batch or adv[0] == 0)  # the batch index sits at position 0
    q_b = (0 if with_batch else before) if in_place else 0
    got = basic[:q_b] + ["b"] + adv_labels + basic[q_b:]
    return _Plan(items, ops, adv_nd, tuple(got.index(lab) for lab in want))


def _inverse(perm: tuple) -> tuple:
    inv = [0] * len(perm)
    for k, p in enumerate(perm):
        inv[p] = k
    return tuple(inv)


def _is_identity(perm: tuple) -> bool:
    return all(k == p for k, p in enumerate(perm))


def _gather_batch(args, batched, idx, slots, unique=False):
    x, arrays = args[0], args[1:]
    params = {"idx": idx, "slots": slots, "unique": unique}
    if not any(batched[1:]):  # the same index for every example: behind a full slice
        lay = _batched_layout(_full_index(idx, slots, arrays), len(shape_of(x)) - 1)
        if lay is None:
            return loop_rule(gather, args, batched, shape_of(x)[0], params)
        _, sel_nd, front = lay
        out = gather(x, *arrays, idx=(slice(None),) + idx, slots=_shifted(slots), unique=unique)
        return _transpose(out, axes=_move_perm(front, 0, sel_nd + 1)) if front else out
    bx = batched[0]
    first = arrays[batched.index(True, 1) - 1]  # a batched operand: the batch size and the device
    size = shape_of(first)[0]
    plan = _plan(idx, slots, arrays, batched[1:], len(shape_of(x)) - (1 if bx else 0), bx)
    if plan is None:
        return loop_rule(gather, args, batched, size, params)
    new, new_slots, operands = plan.index(arrays, batched[1:], size, bx, namespace(getval(first)))
    # A shared x is read by every example: positions may then repeat across examples, so no plain assignment in
    # the transpose. With the batch index, each example has its own rows and stays as unique as it was.
    out = gather(x, *operands, idx=new, slots=new_slots, unique=unique and bx)
    return out if _is_identity(plan.perm) else _transpose(out, axes=plan.perm)


def _gather_add_batch(args, batched, idx, slots, shape, unique=False):
    g, arrays = args[0], args[1:]
    params = {"idx": idx, "slots": slots, "shape": shape, "unique": unique}
    if not any(batched[1:]):
        lay = _batched_layout(_full_index(idx, slots, arrays), len(shape))
        if lay is None:
            return loop_rule(gather_add, args, batched, shape_of(g)[0], params)
        _, sel_nd, front = lay
        return gather_add(_batched_value(g, True, sel_nd, front), *arrays, idx=(slice(None),) + idx,
                          slots=_shifted(slots), shape=shape_of(g)[:1] + tuple(shape), unique=unique)
    first = arrays[batched.index(True, 1) - 1]
    size = shape_of(first)[0]
    plan = _plan(idx, slots, arrays, batched[1:], len(shape), True)
    if plan is None:
        return loop_rule(gather_add, args, batched, size, params)
    # g in the layout the batched selection has: the batch axis first (size 1 for a g shared by the examples),
    # right-aligned broadcasting made explicit, then NumPy's order of the dimensions.
    sel_nd = len(plan.perm) - 1
    s = shape_of(g)
    if batched[0] or s:  # (a shared scalar broadcasts anywhere as it is, on any device)
        gs = s[1:] if batched[0] else s
        gs = gs[len(gs) - sel_nd:] if len(gs) > sel_nd else gs  # NumPy accepts extra leading size-1 axes
        want = (s[0] if batched[0] else 1,) + (1,) * (sel_nd - len(gs)) + tuple(gs)
        if want != s:
            g = _reshape(g, shape=want)
        if not _is_identity(plan.perm):
            g = _transpose(g, axes=_inverse(plan.perm))
    new, new_slots, operands = plan.index(arrays, batched[1:], size, True, namespace(getval(first)))
    return gather_add(g, *operands, idx=new, slots=new_slots, shape=(size,) + tuple(shape), unique=unique)


gather.def_batch(_gather_batch)
gather_add.def_batch(_gather_add_batch)


def _is_int_array(i: Any) -> bool:
    dt = getattr(i, "dtype", None)
    return dt is not None and dt.kind in "iu" and getattr(i, "ndim", 0) > 0


def unique_positions(idx: tuple, slots: tuple, arrays) -> bool:
    """True when the index reaches every position at most once, judged from its static parts alone: some static
    index array, non-negative with distinct values, has the full broadcast shape of the index arrays (each element
    of the selection then lies on its own position along that axis).

    >>> import numpy as np
    >>> unique_positions((np.arange(3), 0), (1,), [np.array([1, 1, 0])])
    True
    >>> unique_positions((0,), (0,), [np.array([1, 1, 0])])
    False
    >>> unique_positions((0, slice(None)), (0,), [np.array(2)])
    True
    """
    static = [i for k, i in enumerate(idx) if k not in slots]
    if any(getattr(getattr(i, "dtype", None), "kind", "") == "b" or type(i) is bool for i in static):
        return False  # a mask's positions are worked out at run time; not worth the analysis
    advanced = [shape_of(a) for a in arrays] + [tuple(i.shape) for i in static if _is_int_array(i)]
    try:
        full = _onp.broadcast_shapes(*advanced)
    except ValueError:
        return False  # the gather itself reports it
    if full == () and arrays:  # scalar indices: one position along their axes, slices elsewhere reach each once
        return True
    for i in static:
        if not _is_int_array(i) or (1,) * (len(full) - i.ndim) + tuple(i.shape) != full or i.size == 0:
            continue
        flat = to_host(i).reshape(-1)
        if int(flat.min()) >= 0 and _onp.unique(flat).size == flat.size:
            return True
    return False


class Dynamic:
    """An index with traced integer arrays in it (under jit): the template, the operand slots, the operands."""

    __slots__ = ("idx", "slots", "arrays")

    def __init__(self, idx: tuple, slots: tuple, arrays: list):
        self.idx, self.slots, self.arrays = idx, slots, arrays

    def get(self, x: Any) -> Any:
        """``x[index]`` as a ``gather``."""
        return gather(x, *self.arrays, idx=self.idx, slots=self.slots,
                      unique=unique_positions(self.idx, self.slots, self.arrays))

    def add_into(self, x: Any, v: Any, add, broadcast_to) -> Any:
        """``x`` with ``v`` added at the index (repeats accumulate): ``x + gather_add(v)``."""
        sel = self.selection_shape(shape_of(x))
        if shape_of(v) != sel:
            v = broadcast_to(v, shape=sel)
        return add(x, gather_add(v, *self.arrays, idx=self.idx, slots=self.slots, shape=shape_of(x),
                                 unique=unique_positions(self.idx, self.slots, self.arrays)))

    def set_into(self, x: Any, v: Any, where, broadcast_to, cast) -> Any:
        """``x`` with ``v`` written at the index, or None where the index may reach a position twice (the last
        write would then depend on the traced values): ``where(reached, gather_add(v), x)``."""
        if not unique_positions(self.idx, self.slots, self.arrays):
            return None
        shape = shape_of(x)
        sel = self.selection_shape(shape)
        if shape_of(v) != sel:
            v = broadcast_to(v, shape=sel)
        if dtype_of(v) != dtype_of(x):
            v = cast(v, dtype=dtype_of(x))
        kw = {"idx": self.idx, "slots": self.slots, "shape": shape, "unique": True}
        reached = gather_add(namespace(getval(x)).ones(sel, dtype=bool), *self.arrays, **kw)  # on x's device
        return where(reached, gather_add(v, *self.arrays, **kw), x)

    def selection_shape(self, shape: tuple) -> tuple:
        stand_in = [_onp.zeros(shape_of(a), dtype=_onp.intp) for a in self.arrays]
        return _onp.broadcast_to(_onp.zeros((), dtype=bool), shape)[_full_index(self.idx, self.slots,
                                                                                 stand_in)].shape

    def describe(self) -> str:
        items = list(self.idx)
        for k, a in zip(self.slots, self.arrays):
            items[k] = f"traced {a.dtype} index array of shape {tuple(shape_of(a))}"
        return "[" + ", ".join(i if type(i) is str else _describe_item(i) for i in items) + "]"


def dynamic_index(s: Any, operand_type: type) -> Any:
    """``s`` (a normalized index) as a :class:`Dynamic` when it holds ``operand_type`` wrappers, else ``s``."""
    items = s if type(s) is tuple else (s,)
    slots = tuple(k for k, i in enumerate(items) if type(i) is operand_type)
    if not slots:
        return s
    return Dynamic(tuple(0 if k in slots else i for k, i in enumerate(items)), slots,
                   [items[k].box for k in slots])
