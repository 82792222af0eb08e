"""Spec for einsum: subscript patterns drawn from a list covering matrix products, traces, diagonals, transposes,
outer products, sums, batched products, three-operand chains, scalars and '...' broadcasting (the ellipsis axes of
different operands are drawn mutually broadcastable, with size-1, missing and empty axes). Index sizes include 0.
"""
from . import custom, fnp, fst, st

_PATTERNS = [
    "ij,jk->ik", "ij,jk", "ii", "ii->i", "iij->j", "iji->ij", "ij->", "ij->ji", "ba", "i,j->ij", "i,i->",
    "i,i", "ijk,jk->i", "bij,bjk->bik", "ab,bc,cd->ad", "i,i,i->i", ",i->i", ",->", "...ij,...jk->...ik",
    "...i->...", "i...,i->...", "...,...->...", "...ii->...i", "i...,...j->ij...", "ii,ij->j",
]


@st.composite
def _einsum_case(draw):
    subs = draw(st.sampled_from(_PATTERNS))
    terms = subs.split("->")[0].split(",")
    letters = sorted({c for t in terms for c in t if c.isalpha()})
    sizes = {c: draw(st.integers(0, 3)) for c in letters}
    n_ell = sum("..." in t for t in terms)
    ell = list(draw(fst.broadcastable_shapes(n_ell, max_dims=2, min_side=0, max_side=3))) if n_ell else []
    shapes = []
    for t in terms:
        head, _, tail = t.partition("...")
        shape = tuple(sizes[c] for c in head)
        if "..." in t:
            shape += tuple(ell.pop(0)) + tuple(sizes[c] for c in tail)
        shapes.append(shape)
    ops = tuple(draw(fst.arrays(s)) for s in shapes)
    return (lambda *xs: fnp.einsum(subs, *xs)), ops


SPECS = [custom("einsum", _einsum_case())]
