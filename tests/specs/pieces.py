"""Specs for ``pieces`` (funcgrad/primitives/pieces.py): the slices or tiling blocks of an axis, each piece
weighted and squared so that second order sees every piece separately."""
from funcgrad.primitives.pieces import pieces

from . import custom, fnp, fst, st


def _join(ps):
    return fnp.concatenate([fnp.ravel(p * (k + 1.0)) ** 2 for k, p in enumerate(ps)] + [fnp.zeros(0)])


@st.composite
def _pieces(draw):
    s = draw(fst.shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    ax = draw(st.integers(-len(s), len(s) - 1))
    x = draw(fst.arrays(s))
    if draw(st.booleans()) and s[ax]:  # an empty axis has no slices: nothing to call
        return (lambda a: _join(pieces(a, axis=ax))), (x,)
    n = s[ax]
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    ends = [0] + cuts + [n]
    bounds = list(zip(ends[:-1], ends[1:]))
    return (lambda a: _join(pieces(a, axis=ax, bounds=bounds))), (x,)


SPECS = [custom("pieces", _pieces())]
