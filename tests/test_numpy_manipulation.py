"""funcgrad.numpy's manipulation, numerical and remaining NumPy functions (funcgrad/primitives/manipulation.py,
numerical.py, npextra.py) against NumPy (values, shapes and dtypes), their gradients against finite differences
(order 2, forward and reverse), their functional (JAX-style) updates, vmap behaviour and error messages."""
import io
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

RNG = np.random.default_rng(0)


def same(got, want, dtype=True):
    """Equal values (NaN equal to NaN) and shapes (and dtypes), for arrays or (nested) tuples and lists of them."""
    if isinstance(got, (tuple, list)):
        assert isinstance(want, (tuple, list)) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            same(g, w, dtype)
        return
    if isinstance(want, str):
        assert got == want, (got, want)
        return
    g, w = np.asarray(got), np.asarray(want)
    assert g.shape == w.shape, (g.shape, w.shape)
    assert not dtype or g.dtype == w.dtype, (g.dtype, w.dtype)
    np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, equal_nan=True)


def grads(f, *args, **kw):
    check_grads(f, args, order=2, **kw)


def r(*shape):
    return RNG.standard_normal(shape)


def C(name, *args, **kw):
    return pytest.param(name, args, kw, id=name)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # NumPy's r_['r', ...] makes a matrix
        warnings.simplefilter("ignore", DeprecationWarning)  # NumPy 2 deprecates cross products of 2-vectors
        yield


X3, A23, A234 = np.array([1.0, 2.0, 3.0]), np.arange(6.0).reshape(2, 3), r(2, 3, 4)
P4, Q2 = np.array([1.0, -2.0, 0.5, 3.0]), np.array([2.0, 1.0])
XP, FP = np.array([0.0, 1.0, 1.0, 2.5, 4.0]), np.array([1.0, 3.0, 2.0, -1.0, 0.5])
SETA = np.array([3.0, 1.0, np.nan, 1.0, 2.0, np.nan, 3.0])
XI = np.linspace(-1.0, 5.0, 25)
FIT_X = np.linspace(0.0, 2.0, 7)
FIT_Y = 1.0 + 2.0 * FIT_X - 0.5 * FIT_X ** 2 + 0.01 * r(7)
FIT_Y2, FIT_W = np.stack([FIT_Y, 2 * FIT_Y + FIT_X], axis=1), np.linspace(0.5, 1.5, 7)
PHASE = np.cumsum(r(3, 20), axis=1) * 2
BITS = np.array([[1, 0, 1, 1, 0, 0, 0, 0, 1], [0, 1, 1, 0, 0, 0, 0, 1, 1]], dtype=np.uint8)

# fnp.name(*args, **kw) must equal np.name(*args, **kw): values, shape and dtype
VALUES = [
    C("append", X3, 4.0), C("append", A23, [[7.0, 8.0, 9.0]], axis=0), C("append", A23, np.ones((2, 1)), axis=1),
    C("append", np.float64(2.0), [1, 2]), C("append", np.zeros(0), X3),
    *[C("insert", *a) for a in [(X3, 1, 9.0), (X3, [0, 2], [9.0, 8.0]), (X3, -1, [5.0, 6.0]), (A23, 1, [7.0, 8.0], 1),
                                (A23, [1], [[7.0], [8.0]], 1), (A23, 0, 5.0, 0), (A23, slice(0, 2), [4.0, 5.0], 1),
                                (A23, [2, 0, 2], 1.0, 1), (A23, 3, 1.0), (X3, [], []), (X3.astype(int), 1, 2.7),
                                (X3, np.array([True, False, True]), 0.0), (np.zeros(0), 0, 1.0)]],
    *[C("delete", *a) for a in [(X3, 1), (A23, [0, 2], 1), (A23, -1, 0), (A23, slice(None, None, 2)),
                                (A23, np.array([True, False, True]), 1), (X3, []), (A23, [0, 0], 1)]],
    C("block", [[np.eye(2), np.zeros((2, 1))], [np.ones((1, 2)), np.full((1, 1), 5.0)]]), C("block", [X3, 4.0]),
    C("block", [[X3], [X3]]), C("block", 2.0), C("concat", [A23, A23], axis=None), C("dsplit", A234, 2),
    C("dsplit", A234, [1, 3]), C("unstack", A234, axis=1), C("unstack", np.zeros((0, 2))),
    *[C("rot90", A234, k, axes) for k in (-1, 0, 1, 2, 3, 5) for axes in [(0, 1), (1, 0), (-1, 0), (2, 1)]],
    *[C("rollaxis", A234, a, s) for a, s in [(2, 0), (0, 3), (1, -1), (-1, 1), (0, 0), (1, 2)]],
    C("permute_dims", A234, (2, 0, 1)), C("permute_dims", A234),
    *[C("resize", X3, s) for s in [(2, 2), 7, (0,), (3, 0), ()]], C("resize", np.zeros(0), (2,)),
    *[C("diagflat", v, k) for v, k in [(np.array([[1.0, 2.0]]), 0), (X3, 1), (X3, -2), (2.0, 0)]],
    *[C("searchsorted", np.array([1.0, 2.0, 2.0, 3.0]), v, side=s) for s in ("left", "right")
      for v in [2.0, np.array([0.0, 2.0, 2.5, 9.0]), np.zeros((2, 0)), r(2, 3)]],
    C("searchsorted", np.array([3.0, 1.0, 2.0]), [2.0, 2.5], sorter=np.array([1, 2, 0])),
    C("searchsorted", np.zeros(0), [1.0]),
    *[C("choose", a, [np.arange(3.0), np.arange(3.0) * 10, 5.0], mode=m) for a, m in [
        ([0, 1, 2], "raise"), ([[1], [2]], "raise"), ([3, -1, 4], "wrap"), ([3, -1, 4], "clip"),
        (np.zeros((0, 1), int), "raise")]], C("choose", [0, 1], np.array([[1.0, 2.0], [3.0, 4.0]])),
    *[C("kron", r(*sa), r(*sb)) for sa, sb in [((2,), (3,)), ((2, 2), (3, 1)), ((2,), (2, 3)), ((2, 1, 2), (3,)),
                                               ((), (2,)), ((2,), ()), ((0, 2), (2, 2))]],
    *[C("cross", r(*sa), r(*sb), **kw) for sa, sb, kw in [
        ((3,), (3,), {}), ((4, 3), (3,), {}), ((2,), (2,), {}), ((2,), (3,), {}), ((3,), (2,), {}), ((5, 2), (2,), {}),
        ((3, 4), (4, 3), {"axisa": 0}), ((2, 3, 4), (1, 3, 4), {"axis": 1}),
        ((3, 5), (5, 3), {"axisa": 0, "axisb": 1, "axisc": 0})]], C("cross", [1, 0, 0], [0, 1, 0]),
    # numerical
    *[C("diff", A234, **kw) for kw in [{}, {"n": 2}, {"n": 0}, {"axis": 0}, {"n": 3, "axis": 1}, {"prepend": 0.0},
                                       {"append": r(2, 3, 2)}, {"prepend": 1.0, "append": 2.0, "axis": 0}, {"n": 7}]],
    C("diff", np.array([True, False, False, True])), C("diff", np.arange(5)), C("diff", np.zeros((2, 0))),
    *[C("ediff1d", A23, **kw) for kw in [{}, {"to_begin": -1.0}, {"to_end": [1.0, 2.0], "to_begin": 0.0}]],
    C("ediff1d", np.arange(4), to_end=[9]), C("ediff1d", np.zeros(0)),
    *[C("gradient", A234[0] ** 2, *a, **kw) for a, kw in [
        ((), {}), ((2.0,), {}), ((0.5, 2.0), {}), ((np.array([0.0, 1.0, 3.0]), 1.0), {}), ((), {"edge_order": 2}),
        ((np.array([0.0, 1.0, 3.0]), np.cumsum(np.arange(1, 5.0))), {"edge_order": 2}), ((2.0,), {"axis": 1}),
        ((), {"axis": (1, 0)}), ((np.arange(4),), {"axis": -1}),
        ((np.arange(0.0, 8.0, 2.0),), {"axis": 1, "edge_order": 2})]],
    C("gradient", np.arange(4)), C("gradient", A23.astype(np.float32), 2.0, axis=0),
    *[C("trapezoid", A234, **kw) for kw in [{}, {"dx": 0.5}, {"x": np.array([0.0, 1.0, 3.0, 4.0])}, {"axis": 0},
                                            {"x": r(2, 3, 4), "axis": 1}, {"x": np.array([0.0, 2.0]), "axis": 0}]],
    C("trapezoid", np.zeros(0)), C("trapezoid", np.arange(4)),
    *[C("interp", x, XP, FP, **kw) for x in [XI, 1.0, 4.0, np.array([[0.0, 2.5], [np.nan, 3.9]]), np.zeros(0)]
      for kw in [{}, {"left": -5.0}, {"right": 7.0, "left": 0.0}]],
    C("interp", XI, XP, FP + 1j * FP[::-1]), C("interp", XI, [2.0], [3.0]),
    C("interp", np.arange(3), np.arange(3), np.arange(3)),
    C("interp", np.linspace(-400, 400, 17), np.array([350.0, 10.0, 100.0, 190.0]), np.arange(4.0), period=360),
    *[C(name, r(n), r(m), mode) for name in ("convolve", "correlate") for mode in ("full", "same", "valid")
      for n, m in [(5, 3), (5, 4), (3, 5), (4, 5), (1, 4), (6, 2), (1, 1), (4, 4)]],
    *[C("correlate", r(n) + 1j * r(n), r(m) - 2j, mode) for n, m in [(5, 3), (3, 5), (4, 5)]
      for mode in ("same", "full")],
    C("convolve", np.arange(4), np.arange(3)), C("convolve", 2.0, X3),
    *[C("polyval", P4, x) for x in [1.5, np.linspace(-1, 1, 4), np.zeros((0,)), np.arange(3)]], C("polyval", [1, 2], 3),
    *[C(name, a, b) for name in ("polyadd", "polysub", "polymul") for a, b in [
        (P4, Q2), (Q2, P4), (P4, P4), (2.0, Q2), (np.arange(3), Q2), ([0, 0, 1], [0.0, 2.0]), ([0.0], [0.0, 0.0])]],
    *[C("polyder", P4, m) for m in (0, 1, 2, 5)],
    *[C("polyint", P4, m, k) for m, k in [(1, None), (2, None), (1, 3.0), (2, [1.0, 2.0]), (3, 4.0), (0, None)]],
    C("polyint", np.arange(3)),
    *[C("polydiv", u, v) for u, v in [(P4, Q2), (Q2, P4), (P4, np.array([2.0])), ([1.0, 0.0, -1.0], [1.0, 1.0]),
                                      (np.arange(1, 5), [1, 2])]],
    *[C("polyfit", *a, **kw) for a, kw in [
        ((FIT_X, FIT_Y, 2), {}), ((FIT_X, FIT_Y2, 1), {}), ((FIT_X, FIT_Y, 2), {"w": FIT_W}), ((FIT_X, FIT_Y, 0), {}),
        ((FIT_X, FIT_Y2, 2), {"w": FIT_W}), ((FIT_X, FIT_Y, 2), {"cov": True}), ((FIT_X, FIT_Y2, 2), {"cov": True}),
        ((FIT_X, FIT_Y, 1), {"cov": "unscaled"})]],
    *[C("poly", z) for z in [np.array([1.0, -2.0, 0.5]), [1 + 1j, 1 - 1j], [1j, 2.0], np.arange(3), [], A23[:, :2],
                             np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])]],
    *[C("roots", p) for p in [[1.0, -3.0, 2.0], [1.0, 0.0, 1.0], [2.0, 0.0, 0.0, -1.0, 0.0], [0.0, 1.0, 2.0], [3.0]]],
    *[C("vander", np.array([2.0, 0.0, -1.5]), N, inc) for N, inc in [(None, False), (4, True), (0, False), (1, False)]],
    C("vander", np.arange(3)), C("vander", np.zeros(0)),
    C("matvec", A234, r(4)), C("vecmat", r(2, 3), A234), C("vecdot", A234, r(4)), C("vecdot", A234, A234, axis=0),
    C("vecdot", r(3) + 1j * r(3), r(3) - 1j * r(3)), C("vecmat", r(3) + 1j, (r(3) + 1j)[:, None] * np.ones(2)),
    *[C(name, x, **kw) for name in ("cumulative_sum", "cumulative_prod") for x, kw in [
        (X3, {}), (X3, {"include_initial": True}), (A23, {"axis": 1}), (A23, {"axis": 0, "include_initial": True}),
        (A23, {"axis": -1, "dtype": np.float32}), (np.arange(4), {}), (np.float64(2.0), {}),
        (np.zeros((2, 0)), {"axis": 1, "include_initial": True})]],
    *[C("unwrap", PHASE, **kw) for kw in [{}, {"discont": 4.0}, {"axis": 0}, {"period": 4.0},
                                           {"period": 3.0, "discont": 1.0}]],
    C("unwrap", np.array([0, 5, 10, 3]), period=6), C("unwrap", np.array([0.0, np.pi, 2 * np.pi, -np.pi])),
    C("unwrap", np.zeros(0)),
    *[C("sort_complex", a) for a in [np.array([1 + 2j, 1 - 1j, 0 + 5j, 1 - 1j]), X3[::-1], np.arange(3, dtype=np.int16),
                                     r(2, 3) + 1j * np.round(r(2, 3)), np.zeros(0, np.float32)]],
    *[C("geomspace", *a, **kw) for a, kw in [
        ((1.0, 1000.0, 4), {}), ((-1.0, -1000.0, 4), {}), ((1j, 1000j, 4), {}), ((2, 32, 5), {"endpoint": False}),
        ((1.0, 8.0, 4), {"dtype": np.float32}), ((np.array([1.0, 2.0]), 16.0, 3), {"axis": 1}), ((1.0, 10.0, 0), {}),
        ((1.0, 10.0, 1), {}), ((1, 1000, 4), {"dtype": int})]],
    # sets and index helpers
    *[C("unique", a, **kw) for a in [SETA, np.array([[1, 0], [1, 0], [2, 3]]), np.zeros(0), np.float64(2.0)]
      for kw in [{}, {"return_index": True, "return_inverse": True, "return_counts": True}, {"equal_nan": False}]],
    C("unique", np.array([[1.0, 0.0], [1.0, 0.0], [2.0, 3.0]]), return_inverse=True, axis=0),
    *[C(name, a, b) for name in ("union1d", "setxor1d", "setdiff1d", "intersect1d") for a, b in [
        (np.array([5.0, 1.0, 3.0, 1.0]), np.array([[3.0, 9.0], [1.0, 3.0]])), (np.array([[3.0, 9.0]]), X3),
        (X3, np.zeros(0)), (np.arange(4), [2, 7])]],
    *[C(name, np.array([4.0, 1.0, 3.0]), [3.0, 8.0], assume_unique=True) for name in ("setxor1d", "setdiff1d",
                                                                                       "intersect1d")],
    C("intersect1d", np.array([5.0, 1.0, 3.0, 1.0]), [1.0, 3.0, 3.0], return_indices=True),
    *[C("isin", np.arange(6).reshape(2, 3), [1, 4, 9], **kw) for kw in [{}, {"invert": True}, {"kind": "table"}]],
    *[C("trim_zeros", np.array([0.0, 0.0, 1.0, 0.0, 2.0, 0.0]), t) for t in ("fb", "f", "b", "BF")],
    C("trim_zeros", np.zeros(3)), *[C("trim_zeros", np.eye(4, 5, 1)[:3], axis=a) for a in (None, 0, 1, (0, 1))],
    C("lexsort", (np.array([1.0, 0.0, 2.0, 0.0]), np.array([1.0, 1.0, 0.0, 1.0]))),
    C("lexsort", np.round(r(2, 3, 4)), axis=1), C("lexsort", [np.zeros(0)]),
    C("ix_", [0, 1], [2, 0, 1]), C("ix_", [True, False, True], np.array([], dtype=int)), C("ix_"),
    C("ravel_multi_index", ([0, 1], [2, 0]), (2, 3)),
    C("ravel_multi_index", ([3], [4]), (2, 3), mode="wrap", order="F"),
    C("unravel_index", [1, 5], (2, 3)), C("unravel_index", 4, (2, 3), order="F"),
    C("broadcast_shapes", (2, 1), (3,), ()), C("broadcast_shapes"),
    *[C("diag_indices", n, nd) for n, nd in [(3, 2), (2, 3), (0, 2)]], C("diag_indices_from", np.zeros((3, 3, 3))),
    *[C(name, *a) for name in ("tril_indices", "triu_indices") for a in [(3,), (3, 1), (3, -1, 4), (0,)]],
    *[C(name, arr, k) for name in ("tril_indices_from", "triu_indices_from")
      for arr, k in [(A23, 0), (A23.T, 1), (np.zeros((0, 0)), 0)]],
    C("mask_indices", 3, np.triu, 1), C("mask_indices", 3, np.tril),
    *[C("tri", *a) for a in [(3,), (2, 4, 1), (3, 2, -1), (0,)]], C("tri", 2, dtype=int),
    *[C("indices", d, **kw) for d, kw in [((2, 3), {}), ((2, 3), {"sparse": True}), ((), {}),
                                          ((0, 2), {"dtype": np.float32})]],
    C("fromfunction", lambda i, j: i + 10 * j, (2, 3)), C("fromfunction", lambda i: i * 2, (3,), dtype=int),
    *[C("apply_along_axis", f, ax, A234) for f, ax in [(np.sum, 0), (lambda v: v[::-1], 1),
                                                       (lambda v: np.outer(v, v), 2), (lambda v: v[:2], -1)]],
    C("apply_along_axis", lambda v, k: v * k, 1, A23, 2.0),
    *[C("apply_over_axes", np.sum, A234, axes) for axes in [0, [0, 2], (1, -1), []]],
    # plain values
    *[C(name, m) for name in ("bartlett", "blackman", "hamming", "hanning") for m in (0, 1, 5, 8)],
    *[C("kaiser", m, b) for m, b in [(0, 1.0), (1, 2.0), (6, 5.0)]],
    *[C("packbits", BITS, **kw) for kw in [{}, {"axis": 1}, {"axis": 0, "bitorder": "little"}]],
    *[C("unpackbits", np.packbits(BITS, axis=1), **kw) for kw in [{}, {"axis": 1}, {"axis": 0, "bitorder": "little"}]],
    C("unpackbits", np.array([255], np.uint8), count=-3), C("fromstring", "1, 2, 3", sep=","),
    C("fromstring", "1 2 3", dtype=int, sep=" ", count=2), C("frombuffer", X3.tobytes(), count=2),
    C("frombuffer", b"\x01\x02\x03", dtype=np.uint8, offset=1), C("from_dlpack", X3), C("fromiter", range(5), float),
    C("fromiter", [], float), C("array_repr", X3 / 3, precision=3), C("array_str", X3 * 1e-9, suppress_small=True),
]


@pytest.mark.parametrize("name,args,kw", VALUES)
def test_values_match_numpy(name, args, kw):
    same(getattr(fnp, name)(*args, **kw), getattr(np, name)(*args, **kw))


@pytest.mark.parametrize("key", [
    (X3, 0, X3), (slice(0, 5), X3), (slice(0, 1, 5j),), (1, 2.5, X3.astype(np.int32)), (np.arange(3, dtype=np.int8), 2),
    ("0,2", X3, X3), ("1,2", X3, X3), ("0,2,0", X3, X3), ("1,2,0", X3, X3), ("-1", np.ones((2, 2)), np.zeros((2, 1))),
    ("r", X3, 4.0), ("c", X3, 4.0), (np.float32(1.0), np.ones(2, np.float32)), (np.ones((0,)), X3)])
def test_r_matches_numpy(key):
    same(fnp.r_[key], np.asarray(np.r_[key]))


@pytest.mark.parametrize("key", [(X3, X3), (X3, np.ones((3, 2))), (np.ones((2, 2)), np.zeros((2, 1))), (1.0, 2.0),
                                 ("0", X3, X3), (slice(0, 3), X3)])
def test_c_matches_numpy(key):
    same(fnp.c_[key], np.c_[key])


# functions checked against finite differences, to order 2, forward and reverse
GRADS = [
    (lambda x: fnp.r_[x, 2 * x, 1.0], (X3,)), (lambda x: fnp.c_[x, x ** 2], (X3,)),
    (lambda x: fnp.r_["0,2", x, 3 * x], (X3,)), (lambda a, v: fnp.insert(a, [2, 0, 2], v, axis=1), (A23, X3)),
    (lambda a, v: fnp.insert(a, 1, v, axis=0), (A23, X3)), (fnp.append, (A23, X3)),
    (lambda a: fnp.delete(a, [0, 2], axis=1), (A23,)), (lambda a, b: fnp.block([[a, b], [b, a]]), (np.eye(2), r(2, 2))),
    (lambda x: fnp.unstack(x, axis=-1)[1], (A234,)), (lambda x: fnp.rot90(x, 1, (0, 2)), (A234,)),
    (lambda x: fnp.resize(x, (2, 4)), (X3,)), (lambda x: fnp.diagflat(x, 1), (X3,)),
    (lambda x: fnp.dsplit(x, 2)[1], (A234,)), (lambda x: fnp.rollaxis(x, 2), (A234,)),
    (lambda a, b: fnp.select([XI[:6] < 0, XI[:6] > 2], [a, b], default=a * b), (r(6), r(6))),
    (lambda v: fnp.piecewise(v, [v > 0], [fnp.log, lambda u: u ** 3]), (np.linspace(-2.0, 3.0, 7) + 0.05,)),
    (lambda u, v: fnp.choose([[0, 1, 1], [1, 0, 0]], [u, v]), (r(3), r(2, 3))),
    (fnp.kron, (r(2, 1, 2), r(3))), (fnp.kron, (r(2, 2), r(3, 1))),
    *[(lambda u, v, kw=kw: fnp.cross(u, v, **kw), (r(*sa), r(*sb))) for sa, sb, kw in [
        ((3,), (3,), {}), ((4, 3), (3,), {}), ((2,), (2,), {}), ((2,), (3,), {}), ((3, 4), (4, 3), {"axisa": 0})]],
    (lambda x, p: fnp.diff(x, n=2, axis=0, prepend=p), (A23, r(1, 3))),
    (lambda x, e: fnp.ediff1d(x, to_end=e), (X3, X3[:1])),
    *[(lambda a, c, eo=eo: fnp.gradient(a, c, axis=1, edge_order=eo), (r(3, 5), np.array([0.0, 0.3, 1.0, 1.1, 2.0])))
      for eo in (1, 2)],  # traced coordinates keep every step
    *[(lambda a, h, eo=eo: fnp.gradient(a, h, edge_order=eo), (r(3, 5), np.array(0.7))) for eo in (1, 2)],
    (lambda a, b: fnp.trapezoid(a, x=b, axis=0), (A23 ** 2, np.array([0.0, 1.5]))),
    (fnp.interp, (np.array([-0.5, 0.3, 1.7, 2.2, 3.5]), np.arange(4.0), np.array([1.0, -2.0, 0.5, 4.0]))),
    (lambda a, lo, hi: fnp.interp(a, np.arange(4.0), np.arange(4.0) ** 2, left=lo, right=hi),
     (np.array([-0.5, 0.3, 3.5]), np.array(-3.0), np.array(9.0))),
    *[(lambda a, v, m=m: fnp.convolve(a, v, m), (r(5), r(3))) for m in ("full", "same", "valid")],
    *[(lambda a, v, m=m: fnp.correlate(a, v, m), (r(3), r(4))) for m in ("full", "same", "valid")],
    (fnp.polyval, (P4, np.linspace(-1, 1, 4))),
    (lambda a, b: fnp.polymul(a, b) + fnp.polyadd(a, b)[:1].sum() - fnp.polysub(b, a)[-1], (P4, Q2)),
    (lambda a: fnp.polyint(fnp.polyder(a, 1), 2, k=[a[0], 1.0]), (P4,)), (fnp.polydiv, (P4, Q2)),
    (lambda a, b: fnp.polyfit(a, b, 2), (FIT_X, FIT_Y)),
    (lambda b, w: fnp.polyfit(FIT_X, b, 1, w=w, cov=True), (FIT_Y2, FIT_W)),
    (fnp.poly, (np.array([1.0, -2.0, 0.5]),)), (fnp.poly, (r(3, 3),)),
    (lambda q: fnp.sort(fnp.roots(q)), (np.array([1.0, -6.0, 11.0, -6.0]),)),  # two Newton steps: exact derivatives
    (lambda v: fnp.vander(v, 4), (np.array([2.0, 0.0, -1.5]),)),  # also at x == 0
    (fnp.matvec, (A234, r(4))), (fnp.vecmat, (r(3), A234)), (lambda a, b: fnp.vecdot(a, b, axis=1), (A234, r(2, 3, 1))),
    (lambda x: fnp.cumulative_sum(x, axis=1, include_initial=True), (A23,)),
    (lambda x: fnp.cumulative_prod(x, axis=1, include_initial=True), (r(2, 3),)),
    (lambda q: fnp.unwrap(q, axis=1), (PHASE,)), (lambda a, b: fnp.geomspace(a, b, 5), (np.array(0.5), np.array(8.0))),
    (lambda x, y: fnp.union1d(x, y) + fnp.setxor1d(x, y)[:1].sum(), (np.array([5.0, 1.0, 3.0]), r(2, 2) + 9)),
    (lambda x: fnp.setdiff1d(x, X3) * fnp.unique_values(x).sum(), (np.array([5.0, 1.5, 4.0, 7.0]),)),  # no ties
    (lambda a, b: fnp.ix_(a, b)[0] * fnp.ix_(a, b)[1], (X3, Q2)),
    (lambda x, v: fnp.put(x, [0, 5, 5], v, inplace=False), (A23, X3)),
    (lambda x, v: fnp.place(x, A23 > 2, v, inplace=False), (A23, Q2)),
    (lambda x, v: fnp.put_along_axis(x, np.array([[1], [0]]), v, 1, inplace=False), (A23, r(2, 1))),
    (lambda x, v: fnp.fill_diagonal(x, v, True, inplace=False), (r(5, 3), Q2)),
    (lambda x: fnp.apply_along_axis(lambda v: fnp.sum(v ** 2) * v, 1, x), (A234,)),
    (lambda x: fnp.apply_over_axes(fnp.mean, x, [0, 2]), (A234,)),
    (lambda v: fnp.fromiter((v * k for k in range(3)), float), (np.array(1.5),)),
]


@pytest.mark.parametrize("f,args", GRADS)
def test_gradients_match_finite_differences(f, args):
    grads(f, *args)


ERRORS = [
    (lambda: fnp.r_["1 2"], TypeError, r"r_\['1 2'\].*matrix-building string"),
    (lambda: fnp.r_["x,y", X3], ValueError, r"r_: unknown directive 'x,y'"),
    (lambda: fnp.r_[X3, "0"], ValueError, "must be the first entry"),
    (lambda: fnp.insert(X3, 5, 1.0), IndexError, "insert: index 5 is out of bounds for axis 0 with size 3"),
    (lambda: fnp.delete(X3, [3]), IndexError, r"delete: index \[3\] is out of bounds"),
    (lambda: fnp.delete(X3, [True, False]), ValueError, "boolean obj must be 1-D of the axis length 3"),
    (lambda: fnp.block([[X3], X3]), ValueError, "nested to different depths"),
    (lambda: fnp.dsplit(A23, 2), ValueError, "dsplit: needs an array of at least 3 dimensions"),
    (lambda: fnp.rot90(A234, 1, (0, -3)), ValueError, r"rot90: axes must be two different axes .*got \(0, -3\)"),
    (lambda: fnp.searchsorted(A23, 1.0), ValueError, r"searchsorted: needs a 1-D a .*got shape \(2, 3\)"),
    (lambda: fnp.searchsorted(X3, 1.0, side="middle"), ValueError, "side='middle'"),
    (lambda: fnp.select([X3 < 0, X3 > 0], [X3]), ValueError, "2 conditions and 1 choices; give one choice per"),
    (lambda: fnp.select([X3], [X3]), TypeError, r"select: condlist\[0\] must be boolean"),
    (lambda: fnp.piecewise(X3, [X3 > 0], [1, 2, 3]), ValueError, "3 functions for 1 conditions"),
    (lambda: fnp.choose([3], [X3, X3, X3]), ValueError, r"choose: a holds indices outside \[0, 3\)"),
    (lambda: fnp.cross(np.ones(4), np.ones(3)), ValueError, "vectors must have 2 or 3 components, got 4 and 3"),
    (lambda: fnp.diff(np.float64(1.0)), ValueError, r"diff: needs n >= 0 and an array of at least one dimension"),
    (lambda: fnp.ediff1d(np.arange(3), to_begin=1.5), TypeError, "to_begin of dtype float64 cannot be cast"),
    (lambda: fnp.gradient(np.ones((3, 2)), edge_order=2), ValueError, "axis 1 of shape .* is too short"),
    (lambda: fnp.gradient(A23, 1.0, 2.0, 3.0), TypeError, "give no spacing, one scalar, or one per axis"),
    (lambda: fnp.interp(1.0, [0.0, 1.0], [1.0]), ValueError, "interp: xp and fp must be 1-D, non-empty and of one"),
    (lambda: fnp.convolve(np.zeros(0), X3), ValueError, "convolve: needs two non-empty 1-D arrays"),
    (lambda: fnp.correlate(X3, X3, "circular"), ValueError, "mode must be 'full', 'same' or 'valid'"),
    (lambda: fnp.polyfit(FIT_X, FIT_Y[:3], 1), TypeError, r"polyfit: needs deg >= 0, .*shapes \(7,\), \(3,\)"),
    (lambda: fnp.matvec(X3, X3), ValueError, r"matvec: needs stacks of matrices and of vectors, got shapes \(3,\)"),
    (lambda: fnp.cumulative_sum(A23), ValueError, "cumulative_sum: give axis= for an array of more than one"),
    (lambda: fnp.geomspace(0.0, 1.0), ValueError, "geomspace: a geometric sequence cannot include zero"),
    (lambda: fnp.trim_zeros(X3, "x"), ValueError, "trim_zeros: trim must be 'f', 'b' or 'fb'"),
    (lambda: fnp.ix_(A23), ValueError, "ix_: every argument must be 1-D, argument 0 has shape"),
    (lambda: fnp.broadcast_shapes((2,), (3,)), ValueError, "shape mismatch"),
    (lambda: fnp.diag_indices_from(A23), ValueError, "diag_indices_from: needs an array of at least 2 dimensions"),
    (lambda: fnp.put(A23, [6], 1.0, inplace=False), IndexError, "put: an index is out of bounds for size 6"),
    (lambda: fnp.place(A23, A23 > 2, [], inplace=False), ValueError, "place: no values to write at 3 positions"),
    (lambda: fnp.fill_diagonal(X3, 1.0, inplace=False), ValueError, "fill_diagonal: needs an array of at least 2"),
    (lambda: fnp.apply_along_axis(np.sum, 0, np.zeros((3, 0))), ValueError, "apply_along_axis: no slices"),
    (lambda: fnp.vectorize(max)(np.zeros(0), 1.0), ValueError, "cannot call a vectorized function on inputs of size 0"),
    (lambda: fnp.vectorize(max, signature="n->m"), ValueError, "not a gufunc signature"),
    (lambda: fnp.frompyfunc(max, 2, 1)(X3), TypeError, "frompyfunc: the function takes 2 arguments, got 1"),
    (lambda: fnp.fromiter(range(2), float, 3), ValueError, "the iterable has 2 items, fewer than count=3"),
    *[(call, ValueError, r"funcgrad arrays are immutable.*pass inplace=False") for call in (
        lambda: fnp.put(A23, [0], 1.0), lambda: fnp.place(A23, A23 > 1, [1.0]), lambda: fnp.fill_diagonal(A23, 1.0),
        lambda: fnp.put_along_axis(A23, np.zeros((2, 1), int), 1.0, 1))],
    *[(lambda f=f: fg.vmap(f)(r(2, 4)), NotImplementedError, rf"funcgrad.numpy.{n}: .*batched by vmap") for n, f in [
        ("partition", lambda x: fnp.partition(x, 1)), ("unique", fnp.unique),
        ("interp", lambda x: fnp.interp(x, X3, X3))]],
]


@pytest.mark.parametrize("call,exc,match", ERRORS)
def test_errors_name_the_function_and_the_problem(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- behaviour beyond values ------------------------------------------------------------------------------------
def test_r_on_traced_values_and_repr():
    same(fg.grad(lambda x: fnp.sum(fnp.r_[x, 2 * x, 1.0, 0:2]))(X3), np.full(3, 3.0))
    assert repr(fnp.r_) == "funcgrad.numpy.r_"


@pytest.mark.parametrize("shape,kth,axis", [((7,), 3, -1), ((7,), (1, 5), -1), ((3, 5), 0, 0), ((3, 5), -1, 1),
                                            ((2, 3, 4), 2, None), ((1,), 0, -1)])
def test_partition_matches_numpy(shape, kth, axis):
    a = r(*shape)
    got, idx, want = fnp.partition(a, kth, axis=axis), fnp.argpartition(a, kth, axis=axis), np.partition(a, kth, axis)
    ax = -1 if axis is None else axis
    same(np.sort(got, axis=ax), np.sort(want, axis=ax))
    for k in np.atleast_1d(kth) % got.shape[ax]:  # the kth elements land where NumPy puts them
        same(np.take(got, k, axis=ax), np.take(want, k, axis=ax))
        lo, hi = np.take(got, range(k), axis=ax), np.take(got, range(k + 1, got.shape[ax]), axis=ax)
        assert (lo <= np.take(got, [k], axis=ax)).all() and (hi >= np.take(got, [k], axis=ax)).all()
    same(np.take_along_axis(a.ravel() if axis is None else a, idx, axis=ax), got)
    grads(lambda x: fnp.partition(x, kth, axis=axis), a)


def test_non_differentiable_searches_batch_under_vmap():
    a = np.array([1.0, 2.0, 2.0, 3.0])
    same(fg.grad(lambda v: fnp.sum(v * fnp.searchsorted(a, v)))(np.array([1.5, 2.5])), np.array([1.0, 3.0]))
    same(fg.vmap(lambda v: fnp.searchsorted(a, v))(np.array([[0.5], [2.5]])), np.array([[0], [3]]))
    same(fg.vmap(fnp.searchsorted)(np.array([[0.0, 1.0], [5.0, 6.0]]), np.array([0.5, 5.5])), np.array([1, 1]))
    assert fg.vmap(lambda x: fnp.argpartition(x, 1))(r(3, 4)).shape == (3, 4)


@pytest.mark.parametrize("f", [
    fnp.diff, fnp.gradient, fnp.trapezoid, fnp.unwrap, fnp.cumulative_sum, fnp.poly, lambda a: fnp.convolve(a, X3),
    lambda a: fnp.correlate(a, X3, "same"), lambda a: fnp.polyval(a, 0.3), lambda a: fnp.kron(a, X3),
    lambda a: fnp.cross(a[:3], X3), lambda a: fnp.vander(a, 3), lambda a: fnp.insert(a, [1, 2], 9.0),
    lambda a: fnp.delete(a, 1), lambda a: fnp.r_[a, 1.0], lambda a: fnp.select([a > 0], [a]),
    lambda a: fnp.rot90(fnp.reshape(a[:4], (2, 2))), lambda a: fnp.polyfit(np.arange(5.0), a, 1),
    lambda a: fnp.geomspace(a[0] + 3.0, 10.0, 3), lambda a: fnp.matvec(np.ones((2, 5)), a), fnp.vectorize(abs),
    lambda a: fnp.fill_diagonal(fnp.reshape(a[:4], (2, 2)), 0.0, inplace=False),
    lambda a: fnp.choose([0, 1], [a[:2], a[2:4]])])
def test_compositions_batch_under_vmap(f):
    x = r(3, 5)
    same(fg.vmap(f)(x), np.stack([np.asarray(f(row)) for row in x]))


def test_selections_and_their_vmap_forms():
    x = np.arange(6.0) - 2.0
    for conds, choices, default in [([x < 0, x > 2], [x, x ** 2], -1.0), ([x < 0], [1], 0), ([np.array(True)], [x], 1),
                                    ([x > 0, x > 1], [x, 3.0], np.zeros(6)), ([x < 0], [x.astype(np.float32)],
                                                                              np.float32(2.0))]:
        same(fnp.select(conds, choices, default), np.select(conds, choices, default))
    for cond, funcs in [([x < 0, x > 1], [lambda v: -v, lambda v: v ** 2, 7.0]), ([x < 0, x > 1], [np.negative, 2.0]),
                        (x < 0, [lambda v: v * 2, lambda v: v + 1])]:
        same(fnp.piecewise(x, cond, funcs), np.piecewise(x, cond, funcs))
    same(fnp.piecewise(np.float64(0.5), [True], [lambda v: v * 3]), np.piecewise(np.float64(0.5), [True],
                                                                                  [lambda v: v * 3]))
    same(fnp.piecewise(np.arange(5), [np.arange(5) > 2], [lambda v: v * 1.5]),
         np.piecewise(np.arange(5), [np.arange(5) > 2], [lambda v: v * 1.5]))
    # under vmap the conditions differ per example, so every function sees all of x
    out = fg.vmap(lambda v: fnp.piecewise(v, [v > 0], [lambda u: u * 2, lambda u: -u]))(np.array([[1.0, -1.0]]))
    same(out, np.array([[2.0, 1.0]]))


def test_interp_at_knots_and_the_briefs_example():
    xp = np.arange(4.0)
    same(fg.grad(lambda f: fnp.sum(fnp.interp(0.3, xp, f)))(xp + 1.0), np.array([0.7, 0.3, 0.0, 0.0]))
    # at a knot: the slope on the right (on the left at the last knot), the value exactly fp
    assert float(fg.grad(lambda a: fnp.interp(a, xp, xp ** 2))(1.0)) == 3.0
    assert float(fg.grad(lambda a: fnp.interp(a, xp, xp ** 2))(3.0)) == 5.0
    assert float(fnp.interp(3.0, xp, xp * 0.1)) == 0.30000000000000004 == (xp * 0.1)[-1]


def test_polyfit_full_rank_warning_and_traced_roots():
    got, want = fnp.polyfit(FIT_X, FIT_Y, 2, full=True), np.polyfit(FIT_X, FIT_Y, 2, full=True)
    same(got[:2] + got[3:], want[:2] + want[3:])
    assert got[2] == want[2]
    same(fnp.polyfit(FIT_X, FIT_Y, 6, full=True)[1], np.polyfit(FIT_X, FIT_Y, 6, full=True)[1])
    with pytest.warns(np.exceptions.RankWarning):
        fnp.polyfit(np.ones(4), np.arange(4.0), 2)
    p = np.array([1.0, -6.0, 11.0, -6.0])
    same(fg.jvp(fnp.roots, (p,), (np.zeros(4),))[0], np.roots(p))  # the Newton steps keep NumPy's values
    value, g = fg.value_and_grad(lambda q: fnp.sum(fnp.roots(q)))(p)
    same(value, np.float64(6.0))
    np.testing.assert_allclose(g, [-6.0, -1.0, 0.0, 0.0], atol=1e-12)  # the sum of the roots is -p[1] / p[0]
    check_grads(lambda q: fnp.real(fnp.roots(q)) + fnp.imag(fnp.roots(q)), (np.array([1.0, 0.5, 2.0]),), order=2,
                modes=("rev",))  # complex roots
    same(fnp.roots([1.0, 2.0, 1.0]), np.roots([1.0, 2.0, 1.0]))  # a repeated root keeps NumPy's value


def test_unique_family_sets_and_trimming_gradients():
    for name in ("unique_all", "unique_counts", "unique_inverse"):
        got, want = getattr(fnp, name)(SETA), getattr(np, name)(SETA)
        assert got._fields == want._fields
        same(tuple(got), tuple(want))
    same(fnp.unique_values(SETA), np.sort(np.unique_values(SETA)))
    same(fnp.unique_inverse(A23 % 2).inverse_indices, np.unique_inverse(A23 % 2).inverse_indices)
    a, b = np.array([5.0, 1.0, 3.0, 1.0, 7.0]), np.array([[3.0, 9.0], [1.0, 3.0]])
    # the values are differentiable: each output element's gradient goes to the first occurrence it was read from
    same(fg.grad(lambda x: fnp.sum(fnp.unique(x) * fnp.arange(1.0, 5.0)))(a), np.array([3.0, 1.0, 2.0, 0.0, 4.0]))
    same(fg.grad(lambda x: fnp.sum(fnp.intersect1d(x, b) * fnp.array([1.0, 10.0])))(a), np.array([0, 1, 10, 0, 0.0]))
    f = np.array([0.0, 0.0, 1.0, 0.0, 2.0, 0.0])
    same(fg.grad(lambda x: fnp.sum(fnp.trim_zeros(x) * fnp.arange(1.0, 4.0)))(f), np.array([0, 0, 1, 2, 3, 0.0]))


def _numpy_inplace(fn, a, *args, **kw):
    out = np.array(a, copy=True)
    fn(out, *args, **kw)
    return out


def test_functional_updates_match_numpys_in_place_ones_and_leave_the_input():
    a = np.arange(12.0).reshape(3, 4)
    before = a.copy()
    for ind, v, mode in [([0, 5], [9.0, 8.0], None), ([1, 1], [7.0, 6.0], "raise"), ([13, -20], [1.0], "wrap"),
                         ([13, -20], [1.0, 2.0], "clip"), ([0, 1, 2], 5.0, None), ([], [], None),
                         (2, [4.0, 5.0], None)]:
        same(fnp.put(a, ind, v, mode=mode, inplace=False), _numpy_inplace(np.put, a, ind, v, mode=mode or "raise"))
    for mask, vals in [(a > 5, [1.0, 2.0]), (a > 5, 0.0), (a > 100, []), (a > 0, np.arange(20.0))]:
        same(fnp.place(a, mask, vals, inplace=False), _numpy_inplace(np.place, a, mask, vals))
    ind = np.array([[1], [0], [3]])
    for i, v, axis in [(ind, 5.0, 1), (ind, np.array([[1.0], [2.0], [3.0]]), 1), (np.array([[2, 0, 1, 1]]), -1.0, 0),
                       (np.array([0, 11]), np.array([3.0, 4.0]), None), (np.array([[-1], [0], [1]]), 9.0, -1)]:
        same(fnp.put_along_axis(a, i, v, axis, inplace=False), _numpy_inplace(np.put_along_axis, a, i, v, axis))
    for shape, val, wrap in [((3, 3), 5.0, False), ((5, 3), [1.0, 2.0], True), ((5, 3), 1.0, False),
                             ((2, 4), 1.0, False), ((3, 3, 3), [1.0, 2.0, 3.0], False), ((0, 0), 1.0, False)]:
        z = np.zeros(shape)
        same(fnp.fill_diagonal(z, val, wrap, inplace=False), _numpy_inplace(np.fill_diagonal, z, val, wrap))
    np.testing.assert_array_equal(a, before)


def test_vectorize_and_frompyfunc():
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    for f, args, kw in [(max, (x, 2.5), {}), (max, (1.0, 2.0), {}), (lambda a: (a, a * 2), (X3,), {}),
                        (lambda a: a > 1, (X3,), {}), (lambda a, b: a * b, (X3, 2), {"otypes": [np.float32]}),
                        (lambda u, v: np.sum(u * v), (np.ones((2, 3, 4)), np.arange(4.0)),
                         {"signature": "(n),(n)->()"}),
                        (np.outer, (np.ones((2, 3)), X3), {"signature": "(m),(n)->(m,n)"}),
                        (np.polyval, ([1.0, 2.0, 3.0], X3), {"excluded": {0}})]:
        same(fnp.vectorize(f, **kw)(*args), np.vectorize(f, **kw)(*args))
    same(fnp.vectorize(lambda v, scale=1.0: v * scale, excluded={"scale"})(X3, scale=2.0), X3 * 2.0)

    @fnp.vectorize
    def clipped(v):
        return v if v < 2.0 else 2.0 * fnp.sqrt(v / 2.0)

    same(clipped(np.array([1.0, 8.0])), np.array([1.0, 4.0]))
    grads(clipped, np.array([1.0, 8.0, 0.5]))
    grads(fnp.vectorize(lambda u, v: fnp.sum(u * v), signature="(n),(n)->()"), r(2, 4), r(4))
    mul = fnp.frompyfunc(lambda a, b: a * b, 2, 1)
    same(mul(X3, 2.0), np.frompyfunc(lambda a, b: a * b, 2, 1)(X3, 2.0).astype(float))
    assert (mul.nin, mul.nout, mul.identity) == (2, 1, None)
    want = np.frompyfunc(divmod, 2, 2)(np.array([7, 8]), 3)
    same(fnp.frompyfunc(divmod, 2, 2)(np.array([7, 8]), 3), tuple(o.astype(int) for o in want))


def test_plain_helpers_on_traced_values():
    ops = (r(2, 3), r(3, 4), r(4, 5))
    assert fnp.einsum_path("ij,jk,kl->il", *ops) == np.einsum_path("ij,jk,kl->il", *ops)
    assert fnp.einsum_path("ij,jk->ik", *ops[:2], optimize="optimal")[0] == \
        np.einsum_path("ij,jk->ik", *ops[:2], optimize="optimal")[0]
    assert fnp.einsum_path(ops[0], [0, 1], ops[1], [1, 2])[0] == np.einsum_path(ops[0], [0, 1], ops[1], [1, 2])[0]
    fg.grad(lambda x: fnp.sum(x) * len(fnp.einsum_path("ij,jk", x, ops[1])[0]))(ops[0])  # traced: shapes only
    for dt, kind in [(np.float32, "real floating"), (np.int8, "integral"), (np.complex64, ("bool", "complex floating")),
                     (np.bool_, "numeric")]:
        assert fnp.isdtype(dt, kind) == np.isdtype(dt, kind)
    assert fnp.iterable(X3) and not fnp.iterable(2.0) and fnp.iterable([1]) and not fnp.iterable(np.float64(1.0))
    assert fg.grad(lambda x: x * fnp.iterable(x))(2.0) == 0.0 and fg.grad(lambda x: fnp.sum(x) * fnp.iterable(x))(X3)[0]
    fg.grad(lambda v: fnp.sum(v) + len(fnp.array_str(v)))(X3)  # printing a traced value reads its value


def test_print_options_and_files(tmp_path):
    old = fnp.get_printoptions()
    assert old == np.get_printoptions()
    try:
        fnp.set_printoptions(precision=3)
        assert np.get_printoptions()["precision"] == 3
    finally:
        np.set_printoptions(**old)
    with fnp.printoptions(precision=2):
        assert str(fnp.array([1 / 3])) == "[0.33]"
    assert np.get_printoptions() == old
    fnp.save(tmp_path / "a.npy", X3)
    same(fnp.load(tmp_path / "a.npy"), X3)
    fg.grad(lambda v: fnp.sum(v) + (fnp.save(tmp_path / "t.npy", v) or 0.0))(X3)  # saves the traced value's value
    same(fnp.load(tmp_path / "t.npy"), X3)
    buf = io.BytesIO()
    fnp.savez(buf, X3, b=A23)
    buf.seek(0)
    with fnp.load(buf) as z:
        same((z["arr_0"], z["b"]), (X3, A23))
    X3.tofile(tmp_path / "raw.bin")
    same(fnp.fromfile(tmp_path / "raw.bin"), np.fromfile(tmp_path / "raw.bin"))
    same(fnp.fromfile(tmp_path / "raw.bin", count=2, offset=8), np.fromfile(tmp_path / "raw.bin", count=2, offset=8))
    same(fnp.fromiter((i * i for i in range(9)), int, 4), np.fromiter((i * i for i in range(9)), int, 4))
