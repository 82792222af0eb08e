"""Specs for the shape family: every primitive is linear, so the draws go after shapes and static parameters
(0-d, size-1 and empty axes, negative axes, -1 in reshape, zero repeats and empty slices)."""
import math

import funcgrad.primitives.shape as S
import funcgrad.primitives.tiling as T
import funcgrad.primitives.triangles as D

from . import custom, fnp, fst, np, st


def _shape_then(draw_params, min_dims=0, max_dims=3, min_side=0, max_side=4):
    """Draw a shape, then ``draw_params(shape)`` -> strategy of (fun, extra); returns (fun, (array,))."""
    return fst.shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side).flatmap(
        lambda s: st.tuples(fst.arrays(s), draw_params(s))).map(lambda xp: (xp[1], (xp[0],)))


@st.composite
def _reshape_target(draw, s):
    dims = draw(st.permutations(list(s)))
    for _ in range(draw(st.integers(0, 2))):
        dims.insert(draw(st.integers(0, len(dims))), 1)
    if dims and math.prod(s) > 0 and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


def _reshape(s):
    return _reshape_target(s).map(lambda t: lambda a: fnp.reshape(a, t))


def _transpose(s):
    return st.one_of(st.none(), st.permutations(range(len(s))).map(tuple)).map(
        lambda p: lambda a: fnp.transpose(a, p))


@st.composite
def _concatenate(draw):
    nd = draw(st.integers(1, 3))
    base = list(draw(fst.shapes(min_dims=nd, max_dims=nd)))
    axis = draw(st.integers(-nd, nd - 1))
    n = draw(st.integers(1, 3))
    arrays = []
    for _ in range(n):
        s = list(base)
        s[axis] = draw(st.integers(0, 3))
        arrays.append(draw(fst.arrays(tuple(s))))
    return (lambda *xs: fnp.concatenate(list(xs), axis=axis)), tuple(arrays)


@st.composite
def _bounds(draw, s):
    starts, stops = [], []
    for d in s:
        a = draw(st.integers(0, d))
        starts.append(a)
        stops.append(draw(st.integers(a, d)))
    return tuple(starts), tuple(stops)


def _crop(s):
    return _bounds(s).map(lambda b: lambda a: S.crop(a, starts=b[0], stops=b[1]))


def _pad(s):
    widths = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=len(s), max_size=len(s))
    return st.tuples(widths, st.floats(-2, 2)).map(
        lambda wc: lambda a: fnp.pad(a, tuple(wc[0]), constant_values=wc[1]))


def _flip(s):
    return fst.axes(len(s)).map(lambda ax: lambda a: fnp.flip(a, ax))


def _roll(s):
    nd = len(s)
    flat = st.integers(-5, 5).map(lambda k: lambda a: fnp.roll(a, k))
    if not nd:
        return flat
    per_axis = st.lists(st.tuples(st.integers(-5, 5), st.integers(-nd, nd - 1)), min_size=1, max_size=3).map(
        lambda sa: lambda a: fnp.roll(a, tuple(k for k, _ in sa), axis=tuple(ax for _, ax in sa)))
    return st.one_of(flat, per_axis)


def _tile(s):
    reps = st.one_of(st.integers(0, 3), st.lists(st.integers(0, 2), max_size=4).map(tuple))
    return reps.map(lambda r: lambda a: fnp.tile(a, r))


def _repeats(n):
    return st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=n, max_size=n))


def _repeat(s):
    axis = st.none() if not s else st.one_of(st.none(), st.integers(-len(s), len(s) - 1))
    return axis.flatmap(lambda ax: _repeats(math.prod(s) if ax is None else s[ax]).map(
        lambda r: lambda a: fnp.repeat(a, r, axis=ax)))


@st.composite
def _repeat_sum(draw):
    s = list(draw(fst.shapes(min_dims=1)))
    axis = draw(st.integers(0, len(s) - 1))
    reps = draw(st.one_of(st.integers(1, 3), st.lists(st.integers(0, 3), min_size=s[axis], max_size=s[axis])
                          .map(tuple)))
    if isinstance(reps, tuple) and len(reps) == 1:
        reps = reps[0] or 1
    s[axis] = s[axis] * reps if isinstance(reps, int) else sum(reps)
    g = draw(fst.arrays(tuple(s)))
    return (lambda a: T.repeat_sum(a, repeats=reps, axis=axis)), (g,)


def _triangle(name):
    fn = getattr(fnp, name)
    return lambda s: st.integers(-3, 3).map(lambda k: lambda a: fn(a, k))


@st.composite
def _diag_params(draw, s):
    nd = len(s)
    a1, a2 = draw(st.permutations(range(nd)))[:2]
    if draw(st.booleans()):
        a1 -= nd
    return draw(st.integers(-3, 3)), a1, a2


def _diagonal(s):
    return _diag_params(s).map(lambda p: lambda a: fnp.diagonal(a, *p))


@st.composite
def _diag_embed(draw):
    s = draw(fst.shapes(min_dims=2))
    off, a1, a2 = draw(_diag_params(s))
    a1 %= len(s)
    g = draw(fst.arrays(np.diagonal(np.zeros(s), off, a1, a2).shape))
    return (lambda x: D.diag_embed(x, offset=off, axis1=a1, axis2=a2, shape=s)), (g,)


SPECS = [
    custom("reshape", _shape_then(_reshape)),
    custom("transpose", _shape_then(_transpose)),
    custom("concatenate", _concatenate()),
    custom("crop", _shape_then(_crop)),
    custom("pad", _shape_then(_pad)),
    custom("flip", _shape_then(_flip)),
    custom("roll", _shape_then(_roll)),
    custom("tile", _shape_then(_tile)),
    custom("repeat", _shape_then(_repeat)),
    custom("repeat_sum", _repeat_sum()),
    custom("triu", _shape_then(_triangle("triu"), min_dims=1)),
    custom("tril", _shape_then(_triangle("tril"), min_dims=1)),
    custom("diagonal", _shape_then(_diagonal, min_dims=2)),
    custom("diag_embed", _diag_embed()),
]
