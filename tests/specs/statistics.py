"""Specs for the statistics family's primitives (funcgrad/primitives/statistics.py); its compositions (nan-reductions,
quantiles, cov ...) are checked in tests/test_numpy_pointwise_stats.py."""
from hypothesis.extra import numpy as _hnp

from funcgrad.primitives import statistics as S

from . import Spec, custom, fnp, fst, np, st


def _nondiff(name, strat, fn, ref):
    return Spec(name, strat.map(lambda xs: (fn, xs)), differentiable=False, reference=ref)


_vec = fst.shapes(min_dims=1, max_dims=1, max_side=6).flatmap(lambda s: st.tuples(fst.arrays(s)))
_pts = st.integers(0, 6).flatmap(lambda n: st.tuples(fst.arrays((n, 2))))
_xy = st.integers(0, 6).flatmap(lambda n: st.tuples(fst.arrays((n,)), fst.arrays((n,))))
_edges = np.array([-1.0, 0.0, 0.5, 1.5])


def _bincount():
    # differentiable in the weights; the bins are an integer constant of the drawn function, put on w's device
    def for_n(n):
        return st.tuples(_hnp.arrays(np.int64, (n,), elements=st.integers(0, 5)), fst.arrays((n,)),
                         st.integers(0, 7))
    return st.integers(0, 6).flatmap(for_n).map(
        lambda xwm: ((lambda w: fnp.bincount(fnp.asarray(xwm[0], like=w), w, minlength=xwm[2])), (xwm[1],)))


SPECS = [
    _nondiff("histogram", _vec, lambda x: S._histogram(x, 4)[0], lambda x: np.histogram(x, 4)[0]),
    _nondiff("histogram_bin_edges", _vec, lambda x: fnp.histogram_bin_edges(x, 3),
             lambda x: np.histogram_bin_edges(x, 3)),
    _nondiff("histogram2d", _xy, lambda x, y: S._histogram2d(x, y, 3)[0], lambda x, y: np.histogram2d(x, y, 3)[0]),
    _nondiff("histogramdd", _pts, lambda p: fnp.histogramdd(p, bins=2)[0], lambda p: np.histogramdd(p, bins=2)[0]),
    _nondiff("digitize", fst.shapes().flatmap(lambda s: st.tuples(fst.arrays(s))),
             lambda x: fnp.digitize(x, fnp.asarray(_edges, like=x)), lambda x: np.digitize(x, _edges)),
    custom("bincount", _bincount()),
]
