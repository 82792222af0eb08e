"""Specs for the reductions family: drawn shapes (0-d, size-1, empty), drawn axis (None, int, tuple) and keepdims.

Reductions NumPy refuses (max over an empty axis) or that give nan (the mean of nothing) draw only slices with
something to reduce; arrays with other empty axes are still drawn. Values of max/min are unique and spread apart so
finite differences never straddle a tie; prod/cumprod stay away from 0 (zeros get their own tests in test_reductions.py)
and use short axes so that the products stay well scaled.
"""
from funcgrad.primitives import cumulative as C, reductions as R

from . import Spec, custom, fnp, fst, np, st

_noz = dict(domain=(-1.8, 1.8), avoid=(0.0,), margin=0.3)


def _spread(x):
    """The drawn values' order, kept, on an evenly spaced grid: no two closer than finite differences' reach."""
    ranks = np.argsort(np.argsort(x.ravel()))
    return np.linspace(-2.0, 2.0, max(x.size, 2))[ranks].reshape(x.shape) if x.size > 1 else x


def _reduction(fn, *, nonempty=False, max_side=4, spread=False, **array_kw):
    """Draws ``(lambda x: fn(x, axis=axis, keepdims=keepdims), (x,))``."""
    def for_shape(shape):
        ak = st.tuples(fst.axes(len(shape)), st.booleans())
        if nonempty:
            ak = ak.filter(lambda a: R._reduced(shape, a[0])[2] > 0)
        xs = fst.arrays(shape, **array_kw)
        if spread:
            xs = xs.map(_spread)
        return ak.flatmap(lambda a: xs.map(lambda x: (lambda v: fn(v, axis=a[0], keepdims=a[1]), (x,))))
    return fst.shapes(max_side=max_side).flatmap(for_shape)


def _cumulative(prim, *, max_side=4, reverse=False, **array_kw):
    def for_shape(shape):
        axis = st.none() if not shape else st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1))
        rev = st.booleans() if reverse else st.just(False)
        return st.tuples(axis, rev).flatmap(lambda ar: fst.arrays(shape, **array_kw).map(
            lambda x: ((lambda v: prim(v, axis=ar[0], reverse=True)) if ar[1] else
                       (lambda v: prim(v, axis=ar[0])), (x,))))
    return fst.shapes(max_side=max_side).flatmap(for_shape)


def _expand_reduced():
    def for_shape(shape):
        return st.tuples(fst.axes(len(shape)), st.booleans()).flatmap(lambda a: fst.arrays(
            np.sum(np.zeros(shape), axis=a[0], keepdims=a[1]).shape).map(
            lambda g: (lambda v: R.expand_reduced(v, shape=shape, axis=a[0], keepdims=a[1]), (g,))))
    return fst.shapes().flatmap(for_shape)


# Non-differentiable reductions: the spec's reference is one fixed NumPy call, so axis and keepdims are chosen
# from the drawn shape (varied across draws, and the same choice for the call and its reference).
def _arg_axis(shape):
    usable = [i for i, s in enumerate(shape) if s > 0]
    if int(np.prod(shape)) > 0 and (not shape or sum(shape) % 2 == 0):
        return None
    return usable[-1] if sum(shape) % 3 else usable[0]


def _bool_axis(shape):
    nd = len(shape)
    return [None, tuple(range(0, nd, 2)), -1 if nd else None][sum(shape) % 3]


def _arg_spec(name, fn, ref):
    shapes = fst.shapes().filter(lambda s: int(np.prod(s)) > 0 or _has_nonzero_axis(s))
    strat = shapes.flatmap(lambda s: fst.arrays(s, domain=(-3.0, 3.0), unique=True)).map(
        lambda x: (lambda v: fn(v, axis=_arg_axis(v.shape), keepdims=len(v.shape) % 2 == 1), (x,)))
    return Spec(name, strat, differentiable=False,
                reference=lambda x: ref(x, axis=_arg_axis(x.shape), keepdims=x.ndim % 2 == 1))


def _has_nonzero_axis(shape):
    return bool(shape) and any(s > 0 for s in shape)


def _bool_spec(name, fn, ref):
    # half the entries exactly zero, so both answers occur
    strat = fst.shapes().flatmap(lambda s: fst.arrays(s, domain=(-3.0, 3.0))).map(
        lambda x: (lambda v: fn(v * (v > 0), axis=_bool_axis(v.shape), keepdims=len(v.shape) % 2 == 0), (x,)))
    return Spec(name, strat, differentiable=False,
                reference=lambda x: ref(x * (x > 0), axis=_bool_axis(x.shape), keepdims=x.ndim % 2 == 0))


SPECS = [
    custom("sum", _reduction(fnp.sum)),
    custom("mean", _reduction(fnp.mean, nonempty=True)),
    custom("prod", _reduction(fnp.prod, max_side=3, **_noz)),
    custom("max", _reduction(fnp.max, nonempty=True, unique=True, spread=True)),
    custom("min", _reduction(fnp.min, nonempty=True, unique=True, spread=True)),
    custom("cumsum", _cumulative(C._cumsum, reverse=True)),
    custom("cumprod", _cumulative(C._cumprod, max_side=3, **_noz)),
    custom("expand_reduced", _expand_reduced()),
    _arg_spec("argmax", fnp.argmax, np.argmax),
    _arg_spec("argmin", fnp.argmin, np.argmin),
    _bool_spec("all", fnp.all, np.all),
    _bool_spec("any", fnp.any, np.any),
]
