"""Specs for the indexing family: drawn arrays (0-d, size-1, empty axes) with drawn indices of every kind NumPy
accepts: integers, slices with any step (negative too), None, Ellipsis, integer arrays with repeats, boolean masks,
and mixtures of them."""
from hypothesis import assume
from hypothesis.extra import numpy as hnp

from funcgrad.primitives import indexing as ix

from . import custom, fnp, fst, np, st

_steps = st.sampled_from([None, 1, 2, 3, -1, -2])


@st.composite
def indices(draw, shape: tuple):
    """A valid NumPy index for an array of ``shape``."""
    kind = draw(st.sampled_from(["basic", "arrays", "mask", "mixed"]))
    if kind == "basic":
        idx = draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    elif kind == "mask":
        k = draw(st.integers(0 if not shape else 1, len(shape)))
        mask = draw(hnp.arrays(bool, shape[:k]))
        items = [mask]
        if draw(st.booleans()):
            items.append(Ellipsis)
        if k < len(shape) and draw(st.booleans()):
            items.append(slice(None, None, -1))  # a mask mixed with a reversing slice on the last axis
        idx = tuple(items) if len(items) > 1 or draw(st.booleans()) else mask
    else:
        arr_shape = draw(fst.shapes(min_dims=0 if kind == "mixed" else 1, max_dims=2, min_side=0, max_side=4))
        items = []
        used_mask = False
        for n in shape:
            options = ["slice"] + (["int", "array"] if n > 0 else [])
            if kind == "arrays":
                options = ["array"] if n > 0 else ["slice"]
            elif not used_mask and draw(st.booleans()):
                options.append("mask")
            c = draw(st.sampled_from(options))
            if kind == "mixed" and draw(st.integers(0, 4)) == 0:
                items.append(None)
            if c == "int":
                items.append(draw(st.integers(-n, n - 1)))
            elif c == "slice":
                bound = st.none() | st.integers(-n - 1, n + 1)
                items.append(slice(draw(bound), draw(bound), draw(_steps)))
            elif c == "array":
                # repeats are likely: few distinct values, several draws
                items.append(draw(hnp.arrays(np.intp, arr_shape, elements=st.integers(-n, n - 1))))
            else:
                used_mask = True
                items.append(draw(hnp.arrays(bool, (n,))))
        if items and draw(st.booleans()):
            cut = draw(st.integers(0, len(items)))
            items = items[:cut] + ([Ellipsis] if draw(st.booleans()) else [])
        idx = tuple(items)
        if len(idx) == 1 and draw(st.booleans()):
            idx = idx[0]
    try:  # index arrays (and masks, which act as arrays) must broadcast together
        np.empty(shape)[idx]
    except IndexError:
        assume(False)
    return idx


def _selection_shape(shape, idx):
    return np.empty(shape)[idx].shape


def _shape_and_index(max_dims=3):
    return fst.shapes(max_dims=max_dims).flatmap(lambda s: st.tuples(st.just(s), indices(s)))


def _fits(shape):
    """Shapes that broadcast to ``shape``: a suffix of it, some sides turned to 1."""
    return st.integers(0, len(shape)).flatmap(lambda k: st.tuples(
        *[st.sampled_from([n, 1]) for n in shape[len(shape) - k:]]))


def _update_case(method):
    def build(si):
        shape, idx = si
        sel = _selection_shape(shape, idx)
        return _fits(sel).flatmap(lambda vs: st.tuples(fst.arrays(shape), fst.arrays(vs))).map(
            lambda xv: (lambda x, v: getattr(fnp.at(x)[idx], method)(v), xv))
    return _shape_and_index().flatmap(build)


SPECS = [
    custom("getitem", _shape_and_index().flatmap(lambda si: fst.arrays(si[0]).map(
        lambda x: (lambda a: fnp.getitem(a, si[1]), (x,))))),
    custom("scatter_add", _shape_and_index().flatmap(lambda si: fst.arrays(_selection_shape(*si)).map(
        lambda g: (lambda a: ix.scatter_add(a, idx=si[1], shape=si[0]), (g,))))),
    custom("index_set", _update_case("set")),
    custom("index_add", _update_case("add")),
    custom("index_mul", _update_case("multiply")),
    custom("argsort", fst.arrays(fst.shapes(), (-3.0, 3.0)).map(lambda x: (fnp.argsort, (x,))),
           differentiable=False, reference=np.argsort),
    custom("nonzero", hnp.arrays(np.float64, fst.shapes(min_dims=1), elements=st.sampled_from([0.0, 1.5, -2.0]))
           .map(lambda x: (fnp.nonzero, (x,))), differentiable=False, reference=np.nonzero),
    custom("argwhere", hnp.arrays(np.float64, fst.shapes(), elements=st.sampled_from([0.0, 1.5, -2.0]))
           .map(lambda x: (fnp.argwhere, (x,))), differentiable=False, reference=np.argwhere),
    custom("flatnonzero", hnp.arrays(np.float64, fst.shapes(), elements=st.sampled_from([0.0, 1.5, -2.0]))
           .map(lambda x: (fnp.flatnonzero, (x,))), differentiable=False, reference=np.flatnonzero),
]
