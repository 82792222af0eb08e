"""Specs for the primitives the engine itself defines (accumulation, unbroadcasting, casting, packing)."""
import sys

import funcgrad.core.primitive  # noqa: F401

cp = sys.modules['funcgrad.core.primitive']

from . import binary, custom, fst, np, st

SPECS = [
    binary("add_any", cp.add_any),
    custom("sum_to", fst.broadcastable_shapes(2).flatmap(
        lambda s: fst.arrays(np.broadcast_shapes(*s)).map(
            lambda x: (lambda a: cp.sum_to(a, shape=s[0]), (x,))))),
    custom("broadcast_to", fst.broadcastable_shapes(2).flatmap(
        lambda s: fst.arrays(s[0]).map(lambda x: (lambda a: cp.broadcast_to(a, shape=np.broadcast_shapes(*s)),
                                                   (x,))))),
    custom("cast", fst.arrays(fst.shapes()).map(
        lambda x: (lambda a: cp.cast(cp.cast(a, dtype=np.float32), dtype=np.float64), (x,))),
        eps=1e-2, rtol=1e-3, atol=1e-4),
    custom("pack", st.integers(1, 4).flatmap(lambda n: fst.shapes(max_dims=2).flatmap(
        lambda s: st.tuples(*[fst.arrays(s) for _ in range(n)]))).map(lambda xs: (lambda *a: cp.pack(*a), xs))),
    custom("index0", fst.shapes(min_dims=1, min_side=1).flatmap(lambda s: st.tuples(
        fst.arrays(s), st.integers(-s[0], s[0] - 1))).map(lambda xi: (lambda a: cp.index0(a, i=xi[1]), (xi[0],)))),
    custom("embed0", st.tuples(fst.shapes(max_dims=2), st.integers(1, 3)).flatmap(lambda sn: st.tuples(
        fst.arrays(sn[0]), st.integers(0, sn[1] - 1))).map(
        lambda xi: (lambda a: cp.embed0(a, i=xi[1], n=xi[1] + 1), (xi[0],)))),
]
