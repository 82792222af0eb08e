"""Specs for gather and gather_add (``x[idx]`` with index arrays as operands, and its transpose): the drawn indices
of the indexing specs, with some of their integer arrays made operands, and the one-label-per-row case
``x[np.arange(n), y]`` whose positions are distinct (its scatter is an assignment)."""
from hypothesis import assume

from funcgrad.backend import device_of, to_device
from funcgrad.core import getval
from funcgrad.primitives import gather as G

from . import custom, fst, np, st
from .indexing import _selection_shape, _shape_and_index


def _beside(index, like):
    """The host index array on the device of ``like`` (an array, traced value or Tensor under test)."""
    return to_device(index, device_of(getval(getattr(like, "_v", like))))


@st.composite
def _case(draw):
    """(shape, template, slots, operand arrays): an index with at least one integer array as an operand."""
    if draw(st.booleans()):  # one label per row: distinct positions
        n, m = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        rows = np.array(draw(st.permutations(range(n))), dtype=np.intp)
        labels = np.array(draw(st.lists(st.integers(-m, m - 1), min_size=n, max_size=n)), dtype=np.intp)
        return (n, m), (rows, 0), (1,), [labels]
    shape, idx = draw(_shape_and_index())
    items = idx if type(idx) is tuple else (idx,)
    arrays = [k for k, i in enumerate(items) if getattr(i, "ndim", 0) > 0 and i.dtype.kind in "iu"]
    assume(arrays)
    slots = tuple(sorted(draw(st.sets(st.sampled_from(arrays), min_size=1))))
    return shape, tuple(0 if k in slots else i for k, i in enumerate(items)), slots, [items[k] for k in slots]


def _full(template, slots, arrays):
    items = list(template)
    for k, a in zip(slots, arrays):
        items[k] = a
    return tuple(items)


@st.composite
def _gather(draw):
    shape, template, slots, arrays = draw(_case())
    unique = G.unique_positions(template, slots, arrays)
    x = draw(fst.arrays(shape))
    return (lambda a: G.gather(a, *[_beside(i, a) for i in arrays], idx=template, slots=slots, unique=unique)), (x,)


@st.composite
def _gather_add(draw):
    shape, template, slots, arrays = draw(_case())
    unique = G.unique_positions(template, slots, arrays)
    g = draw(fst.arrays(_selection_shape(shape, _full(template, slots, arrays))))
    return (lambda v: G.gather_add(v, *[_beside(i, v) for i in arrays], idx=template, slots=slots, shape=shape,
                                   unique=unique)), (g,)


SPECS = [
    custom("gather", _gather()),
    custom("gather_add", _gather_add()),
]
