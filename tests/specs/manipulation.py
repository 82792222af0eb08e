"""Specs for the manipulation family's primitives (funcgrad/primitives/manipulation.py): the non-differentiable
``argpartition`` and ``searchsorted``; the family's compositions are checked in tests/test_numpy_manipulation.py."""
from . import Spec, fnp, fst, np, st


def _argpartition():
    # kth=0 needs a non-empty last axis; ties are fine (NumPy's and funcgrad's calls see the same data)
    return fst.shapes(min_dims=1, min_side=1).flatmap(lambda s: st.tuples(fst.arrays(s)))


def _searchsorted():
    # the sorted array is drawn sorted: vmap's examples scale it by a positive factor, which keeps it sorted
    return st.tuples(st.integers(0, 5), fst.shapes()).flatmap(
        lambda ns: st.tuples(fst.arrays((ns[0],)).map(np.sort), fst.arrays(ns[1])))


SPECS = [
    Spec("argpartition", _argpartition().map(lambda xs: (lambda x: fnp.argpartition(x, 0), xs)),
         differentiable=False, reference=lambda x: np.argpartition(x, 0)),
    Spec("searchsorted", _searchsorted().map(lambda av: (lambda a, v: fnp.searchsorted(a, v, side="right"), av)),
         differentiable=False, reference=lambda a, v: np.searchsorted(a, v, side="right")),
]
