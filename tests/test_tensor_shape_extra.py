"""Shape, indexing and scatter functions and Tensor methods (funcgrad/tensors/manipulation.py, funcgrad/tensors/scatter.py,
funcgrad/tensors/index_methods.py).

Parity tests run the same code against ``torch`` and ``funcgrad`` and compare values, dtypes and gradients in
float64; they skip when torch is missing. Finite-difference checks (``check_grads``), hand-computed values and
error tests need no torch.
"""
import numpy as np
import pytest

import funcgrad as fg
from parity import cases, check_against_torch
import funcgrad.numpy as fnp
from funcgrad.tensors.tensor import Tensor
from funcgrad.testing import check_grads

rng = np.random.default_rng(7)


def _randn(*shape):
    return rng.standard_normal(shape)


def _flat(m, outs):
    """Several results as one tensor (each flattened and scaled differently)."""
    return m.cat([o.reshape(-1) * (i + 1) for i, o in enumerate(outs)])


def _inplace(name, *args, **kw):
    """``y = x * 1.0; y.<name>(*args(m)); y`` for both modules (in place on a non-leaf, recorded)."""
    def fn(m, x, *rest):
        y = x * 1.0
        getattr(y, name)(*args[0](m, *rest), **kw)
        return y
    return fn


TIES = np.array([[1.0, 2.0, 2.0], [3.0, 3.0, 0.5], [2.0, 1.0, 3.0], [0.0, 2.0, 2.0]])
IDX4 = [0, 2, 0, 0]

CASES = [
    ("diff", lambda m, x: m.diff(x), [_randn(3, 4)]),
    ("diff_n2_dim0_prepend_append", lambda m, x, p, a: m.diff(x, n=2, dim=0, prepend=p, append=a),
     [_randn(3, 4), _randn(1, 4), _randn(2, 4)]),
    ("diff_method", lambda m, x: x.diff(dim=-1, n=3), [_randn(2, 5)]),
    ("cross_dim", lambda m, a, b: m.cross(a, b, dim=1), [_randn(4, 3), _randn(4, 3)]),
    ("cross_broadcast_method", lambda m, a, b: a.cross(b, dim=-1), [_randn(2, 3), _randn(1, 3)]),
    # (torch 2.13's own vander backward fails, "modified by an inplace operation": vander's gradients are checked
    # by finite differences below, its values against torch in NONDIFF)
    ("meshgrid_ij", lambda m, x, y: _flat(m, m.meshgrid(x, y, indexing="ij")), [_randn(2), _randn(3)]),
    ("meshgrid_xy3", lambda m, x, y, z: _flat(m, m.meshgrid([x, y, z], indexing="xy")),
     [_randn(2), _randn(3), _randn(4)]),
    ("cartesian_prod", lambda m, x, y: m.cartesian_prod(x, y), [_randn(2), _randn(3)]),
    ("combinations", lambda m, x: m.combinations(x), [_randn(4)]),
    ("combinations_r3_repl", lambda m, x: m.combinations(x, 3, with_replacement=True), [_randn(3)]),
    ("rot90", lambda m, x: _flat(m, [m.rot90(x), x.rot90(2), m.rot90(x, 3), m.rot90(x, -1, (1, 2))]),
     [_randn(2, 3, 4)]),
    ("diagflat", lambda m, x: m.diagflat(x, 1) + x.diagflat(-1)[0:1, 0:1], [_randn(2, 2)]),
    ("select", lambda m, x: m.select(x, 1, -1) + x.select(0, 1)[1], [_randn(3, 4)]),
    ("block_diag", lambda m, a, b, c: m.block_diag(a, b, c), [_randn(2, 3), _randn(3), np.array(2.0)]),
    ("atleast", lambda m, a, b, c: _flat(m, list(m.atleast_3d(a, b, c)) + [m.atleast_2d(a), m.atleast_1d(c)]),
     [_randn(3), _randn(2, 2), np.array(1.5)]),
    ("column_stack", lambda m, a, b: m.column_stack([a, b, a]), [_randn(3), _randn(3, 2)]),
    ("row_stack", lambda m, a, b: m.row_stack((a, b)), [_randn(3), _randn(2, 3)]),
    ("dstack", lambda m, a, b: m.dstack([a, b]), [_randn(2, 3), _randn(2, 3, 2)]),
    ("hsplit", lambda m, x: _flat(m, m.hsplit(x, 2) + x.hsplit([1, 3])), [_randn(2, 4)]),
    ("vsplit_dsplit", lambda m, x: _flat(m, m.vsplit(x, [1]) + x.dsplit(2)), [_randn(2, 2, 4)]),
    ("split_with_sizes", lambda m, x: _flat(m, x.split_with_sizes([1, 3], dim=1)), [_randn(2, 4)]),
    ("index_copy", lambda m, x, s: m.index_copy(x, 1, m.tensor([3, 0]), s), [_randn(2, 4), _randn(2, 2)]),
    ("index_copy_method_dim0", lambda m, x, s: x.index_copy(0, m.tensor([1]), s), [_randn(3, 2), _randn(1, 2)]),
    # (torch's backward fails for a negative index with a tensor value; negative indices are tested with a number)
    ("index_fill_tensor_value", lambda m, x, v: m.index_fill(x, 1, m.tensor([0, 2]), v), [_randn(2, 3),
                                                                                           np.array(0.7)]),
    ("index_fill_method", lambda m, x: x.index_fill(0, m.tensor([-1, 0]), -2.0), [_randn(3, 2)]),
    ("masked_scatter", lambda m, x, s: m.masked_scatter(x, m.tensor([[True, False, True], [False, True, True]]),
                                                        s), [_randn(2, 3), _randn(5)]),
    ("masked_scatter_broadcast_mask", lambda m, x, s: x.masked_scatter(m.tensor([True, False, True]), s),
     [_randn(2, 3), _randn(2, 3)]),
    ("diagonal_scatter", lambda m, x, s: m.diagonal_scatter(x, s), [_randn(3, 3), _randn(3)]),
    ("diagonal_scatter_offset_dims", lambda m, x, s: x.diagonal_scatter(s, -1, 1, 2), [_randn(2, 3, 4),
                                                                                        _randn(2, 2)]),
    ("select_scatter", lambda m, x, s: m.select_scatter(x, s, 1, -1), [_randn(2, 3), _randn(2)]),
    ("slice_scatter", lambda m, x, s: m.slice_scatter(x, s, dim=1, start=1, end=None, step=2),
     [_randn(2, 5), _randn(2, 2)]),
    ("slice_scatter_method", lambda m, x, s: x.slice_scatter(s, 0, 0, 2), [_randn(3, 2), _randn(2, 2)]),
    ("unfold", lambda m, x: x.unfold(1, 2, 2), [_randn(2, 5, 3)]),
    ("unfold_overlap", lambda m, x: x.unfold(-1, 3, 1), [_randn(2, 5)]),
    ("as_strided_overlap", lambda m, x: x.as_strided((3, 2), (2, 1), 1), [_randn(8)]),
    ("put", lambda m, x, s: x.put(m.tensor([0, -1, 3]), s), [_randn(2, 3), _randn(3)]),
    ("put_accumulate", lambda m, x, s: x.put(m.tensor([[1, 1], [4, 1]]), s, accumulate=True),
     [_randn(2, 3), _randn(2, 2)]),
    ("index_put", lambda m, x, v: x.index_put((m.tensor([0, 1]), m.tensor([2, 0])), v), [_randn(2, 3),
                                                                                         _randn(2)]),
    ("index_put_accumulate", lambda m, x, v: x.index_put((m.tensor([1, 1, 0]),), v, accumulate=True),
     [_randn(2, 3), _randn(3, 3)]),
    # in place, on a non-leaf
    ("index_add_", _inplace("index_add_", lambda m, s: (1, m.tensor([2, 0, 2]), s), alpha=2.0),
     [_randn(2, 3), _randn(2, 3)]),
    ("index_copy_", _inplace("index_copy_", lambda m, s: (0, m.tensor([1]), s)), [_randn(2, 3), _randn(1, 3)]),
    ("index_fill_", _inplace("index_fill_", lambda m: (1, m.tensor([1]), 3.0)), [_randn(2, 3)]),
    ("masked_scatter_", _inplace("masked_scatter_", lambda m, s: (m.tensor([False, True, True]), s)),
     [_randn(2, 3), _randn(4)]),
    ("masked_fill_", _inplace("masked_fill_", lambda m: (m.tensor([False, True, True]), 0.5)), [_randn(2, 3)]),
    ("scatter_", _inplace("scatter_", lambda m, s: (1, m.tensor([[2], [0]]), s)), [_randn(2, 3), _randn(2, 1)]),
    ("scatter_value", _inplace("scatter_", lambda m: (0, m.tensor([[1, 0, 1]]), 2.0)), [_randn(2, 3)]),
    ("scatter_add_", _inplace("scatter_add_", lambda m, s: (0, m.tensor([[1, 0, 1], [1, 1, 0]]), s)),
     [_randn(2, 3), _randn(2, 3)]),
    ("put_", _inplace("put_", lambda m, s: (m.tensor([5, 0]), s)), [_randn(2, 3), _randn(2)]),
    ("index_put_mask", _inplace("index_put_", lambda m, v: ((m.tensor([[True, False, True], [False, False,
                                                                                              True]]),), v)),
     [_randn(2, 3), _randn(3)]),
]

# With include_self=False PyTorch still counts a self element that happens to equal the amax/amin result among
# the ties (halving the gradient of the src elements that make the result); funcgrad counts only what takes part.
# So self's values are shifted off the src values (SELF_OFF) where self is excluded.
SELF = np.array([[2.0, 1.0, 2.0], [0.5, 2.0, 3.0], [3.0, 3.0, 0.0]])
SELF_OFF = SELF + 0.125

for _red in ["sum", "prod", "mean", "amax", "amin"]:
    for _inc in [True, False]:
        CASES.append((f"scatter_reduce_{_red}_{'self' if _inc else 'noself'}",
                      _inplace("scatter_reduce_", lambda m, s, _r=_red: (0, m.tensor([[0, 2, 0], [0, 0, 2], [1, 2, 0],
                                                                                      [0, 2, 2]]), s, _r),
                               include_self=_inc),
                      [SELF if _inc else SELF_OFF, TIES]))
for _red in ["prod", "mean", "amax", "amin"]:
    for _inc in [True, False]:
        CASES.append((f"index_reduce_{_red}_{'self' if _inc else 'noself'}",
                      lambda m, x, s, _r=_red, _i=_inc: m.index_reduce(x, 0, m.tensor(IDX4), s, _r, include_self=_i),
                      [SELF if _inc else SELF_OFF, TIES]))
        CASES.append((f"index_reduce__{_red}_{'self' if _inc else 'noself'}",
                      _inplace("index_reduce_", lambda m, s, _r=_red: (1, m.tensor([1, 1, 0]), s, _r),
                               include_self=_inc),
                      [SELF[:2] if _inc else SELF_OFF[:2], np.array([[1.0, 1.0, 2.0], [2.0, 2.0, 3.0]])]))


@pytest.mark.parametrize("fn,arrays", cases(CASES))
def test_values_and_gradients_match_pytorch(fn, arrays):
    check_against_torch(fn, arrays)


NONDIFF = [
    ("tril_indices", lambda m: m.tril_indices(3, 4)),
    ("tril_indices_offset", lambda m: m.tril_indices(4, 3, -1)),
    ("triu_indices_offset", lambda m: m.triu_indices(3, 5, 2)),
    ("triu_indices_empty", lambda m: m.triu_indices(2, 2, 5)),
    ("unique", lambda m: m.unique(m.tensor([3, 1, 2, 3, 1, 1]))),
    ("unique_inverse_2d", lambda m: m.unique(m.tensor([[3, 1], [1, 2]]), return_inverse=True)[1]),
    ("unique_counts", lambda m: m.unique(m.tensor([3.0, 1.0, 3.0]), return_counts=True)[1]),
    ("unique_dim", lambda m: m.tensor([[1, 2], [0, 5], [1, 2]]).unique(dim=0, return_inverse=True)[0]),
    ("unique_dim_inverse", lambda m: m.unique(m.tensor([[1, 2, 1], [0, 5, 0]]), dim=1, return_inverse=True)[1]),
    ("unique_consecutive", lambda m: m.unique_consecutive(m.tensor([1, 1, 2, 2, 3, 1, 1]))),
    ("unique_consecutive_inv", lambda m: m.unique_consecutive(m.tensor([[1, 1], [2, 1]]), return_inverse=True)[1]),
    ("unique_consecutive_counts", lambda m: m.tensor([1, 1, 2, 1]).unique_consecutive(return_counts=True)[1]),
    ("unique_consecutive_dim", lambda m: m.unique_consecutive(m.tensor([[1, 1, 2], [3, 3, 4]]), dim=1)),
    ("searchsorted", lambda m: m.searchsorted(m.tensor([1.0, 2.0, 2.0, 5.0]), m.tensor([[2.0, 0.0], [6.0, 3.0]]))),
    ("searchsorted_right", lambda m: m.searchsorted(m.tensor([1.0, 2.0, 2.0, 5.0]), m.tensor([2.0]), right=True)),
    ("searchsorted_side", lambda m: m.searchsorted(m.tensor([1, 2, 2, 5]), m.tensor([2, 5]), side="right")),
    ("searchsorted_scalar", lambda m: m.searchsorted(m.tensor([1.0, 3.0]), 2.0)),
    ("searchsorted_nd", lambda m: m.searchsorted(m.tensor([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]),
                                                 m.tensor([[3.0, 6.0], [1.0, 5.0]]))),
    ("searchsorted_sorter", lambda m: m.searchsorted(m.tensor([5.0, 1.0, 3.0]), m.tensor([2.0, 4.0]),
                                                     sorter=m.tensor([1, 2, 0]))),
    ("searchsorted_int32", lambda m: m.searchsorted(m.tensor([1.0, 3.0]), m.tensor([2.0]), out_int32=True)),
    ("bucketize", lambda m: m.bucketize(m.tensor([[1.0, 2.5], [3.0, 9.0]]), m.tensor([1.0, 2.0, 3.0]))),
    ("bucketize_right", lambda m: m.bucketize(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, 2.0, 3.0]), right=True)),
    ("combinations_r0", lambda m: m.combinations(m.tensor([1.0, 2.0]), r=0)),
    ("combinations_too_long", lambda m: m.combinations(m.tensor([1.0, 2.0]), r=3)),
    ("diff_bool", lambda m: m.diff(m.tensor([True, False, False, True]))),
    ("diff_int", lambda m: m.diff(m.tensor([[1, 4], [9, 16]]), dim=0)),
    ("vander_int", lambda m: m.vander(m.tensor([1, 2, 3]))),
    ("vander_float", lambda m: m.vander(m.tensor([0.0, 1.5, -2.0], dtype=m.float64), N=4)),
    ("vander_increasing", lambda m: m.vander(m.tensor([0.5, -1.5], dtype=m.float64), increasing=True)),
    ("block_diag_promotes", lambda m: m.block_diag(m.tensor([1, 2]), m.tensor([[0.5]]))),
    ("index_fill_int", lambda m: m.tensor([1, 2, 3]).index_fill_(0, m.tensor([0]), 2.7)),
    ("scatter_reduce_int_mean", lambda m: m.tensor([1, 2]).scatter_reduce_(0, m.tensor([0, 0]), m.tensor([4, 5]),
                                                                           "mean")),
    ("scatter_reduce_int_amax", lambda m: m.tensor([1, 2]).scatter_reduce_(0, m.tensor([0, 1]), m.tensor([4, -5]),
                                                                           "amax", include_self=False)),
    ("unfold_0d", lambda m: m.tensor(5.0).unfold(0, 1, 1)),
]


@pytest.mark.parametrize("fn", [pytest.param(c[1], id=c[0]) for c in NONDIFF])
def test_nondifferentiable_results_match_pytorch(fn):
    torch = pytest.importorskip("torch")
    ours, theirs = fn(fg), fn(torch)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_layout_attributes_match_pytorch():
    torch = pytest.importorskip("torch")
    for shape, dtype in [((2, 3, 4), "float32"), ((5,), "float64"), ((), "int64"), ((3, 0, 2), "int16")]:
        a = fg.zeros(shape, dtype=getattr(fg, dtype))
        b = torch.zeros(shape, dtype=getattr(torch, dtype))
        assert a.stride() == b.stride()
        for d in range(len(shape)):
            assert a.stride(d) == b.stride(d) and a.stride(-d - 1) == b.stride(-d - 1)
        assert a.element_size() == b.element_size()
        assert a.itemsize == b.itemsize and a.nbytes == b.nbytes
        assert a.is_contiguous() and a.storage_offset() == 0
    assert fg.broadcast_shapes((2, 1), (3,), 1) == tuple(torch.broadcast_shapes((2, 1), (3,), 1))


# --- without torch -----------------------------------------------------------------------------------------------
def on_tensors(f):
    """A function of arrays that runs ``f`` on Tensors wrapping them and returns the result's value."""
    def g(*arrays):
        return f(*[Tensor._from_value(a) for a in arrays])._v
    return g


FD = [
    ("diff", lambda x: fg.diff(x, n=2, dim=0), [_randn(4, 3)]),
    ("cross", lambda a, b: fg.cross(a, b, dim=0), [_randn(3, 2), _randn(3, 2)]),
    ("vander_at_zero", lambda x: fg.vander(x, 4), [np.array([0.0, 0.7, -1.2])]),
    ("vander_increasing", lambda x: fg.vander(x, increasing=True), [_randn(3)]),
    ("meshgrid_xy", lambda x, y: fg.meshgrid(x, y, indexing="xy")[0] * fg.meshgrid(x, y, indexing="xy")[1],
     [_randn(2), _randn(3)]),
    ("block_diag", lambda a, b: fg.block_diag(a, b) * 1.5, [_randn(2, 2), _randn(3)]),
    ("rot90", lambda x: fg.rot90(x, 1, (1, 0)), [_randn(2, 3)]),
    ("index_copy", lambda x, s: fg.index_copy(x, 0, fg.tensor([2, 0]), s), [_randn(3, 2), _randn(2, 2)]),
    ("index_reduce_amax_ties", lambda x, s: fg.index_reduce(x, 0, fg.tensor(IDX4), s, "amax"),
     [np.array([[2.0, 1.0, 2.0], [0.5, 2.0, 3.0], [3.0, 3.0, 0.0]]) + 10.0, TIES + 10.0]),
    ("index_reduce_mean", lambda x, s: fg.index_reduce(x, 1, fg.tensor([0, 0]), s, "mean", include_self=False),
     [_randn(2, 3), _randn(2, 2)]),
    ("masked_scatter", lambda x, s: fg.masked_scatter(x, fg.tensor([True, False, True]), s), [_randn(3), _randn(4)]),
    ("diagonal_scatter", lambda x, s: fg.diagonal_scatter(x, s, 1), [_randn(3, 3), _randn(2)]),
    ("unfold", lambda x: x.unfold(0, 3, 1), [_randn(5, 2)]),
    ("as_strided", lambda x: x.as_strided((2, 3), (1, 2)), [_randn(6)]),
    ("put_accumulate", lambda x, s: x.put(fg.tensor([1, 1]), s, accumulate=True), [_randn(4), _randn(2)]),
]


@pytest.mark.parametrize("f,arrays", [pytest.param(*c[1:], id=c[0]) for c in FD])
def test_gradients_by_finite_differences(f, arrays):
    check_grads(on_tensors(f), arrays, order=1, modes=("rev",))


def test_amax_ties_share_the_gradient_evenly():
    x = fg.tensor([1.0, 5.0], requires_grad=True)
    s = fg.tensor([5.0, 5.0, 2.0], requires_grad=True)
    out = fg.index_reduce(x, 0, fg.tensor([1, 1, 0]), s, "amax")
    assert out.tolist() == [2.0, 5.0]
    fnp.sum(out).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1 / 3])
    np.testing.assert_allclose(s.grad.numpy(), [1 / 3, 1 / 3, 1.0])


def test_amax_without_self_gives_the_whole_gradient_to_the_winner():
    # self's 5.0 is excluded, so the output follows s[0] one to one (PyTorch gives 0.5 here: it counts the
    # excluded self as a tie)
    x = fg.tensor([5.0, 0.0], requires_grad=True)
    s = fg.tensor([5.0, 3.0], requires_grad=True)
    out = fg.zeros(2).index_copy(0, fg.tensor([0, 1]), x).scatter_reduce_(0, fg.tensor([0, 0]), s, "amax",
                                                                          include_self=False)
    assert out.tolist() == [5.0, 0.0]
    fnp.sum(out).backward()
    np.testing.assert_allclose(s.grad.numpy(), [1.0, 0.0])
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0])


def test_inplace_methods_follow_the_inplace_rules():
    w = fg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for call in [lambda: w.index_add_(0, fg.tensor([0]), fg.tensor([1.0])),
                 lambda: w.scatter_reduce_(0, fg.tensor([0]), fg.tensor([1.0]), "amax"),
                 lambda: w.put_(fg.tensor([0]), fg.tensor([1.0])),
                 lambda: w.index_fill_(0, fg.tensor([0]), 0.0)]:
        with pytest.raises(RuntimeError, match="leaf Variable"):
            call()
    with fg.no_grad():  # a parameter update: stays a leaf that requires grad
        r = w.index_add_(0, fg.tensor([2, 2]), fg.tensor([1.0, 1.0]))
    assert r is w and w.is_leaf and w.requires_grad and w.tolist() == [1.0, 2.0, 5.0]
    # a number takes the tensor's dtype; a float tensor into an int tensor is refused
    i = fg.tensor([1, 2, 3])
    assert i.index_fill_(0, fg.tensor([1]), 7.9).tolist() == [1, 7, 3] and i.dtype == np.int64
    with pytest.raises(RuntimeError, match="dtype"):
        i.index_copy_(0, fg.tensor([0]), fg.tensor([1.5]))
    f32 = fg.zeros(2)
    f32.scatter_add_(0, fg.tensor([1]), fg.tensor([1.0], dtype=fg.float64))
    assert f32.dtype == np.float32 and f32.tolist() == [0.0, 1.0]


def test_inplace_update_of_a_non_leaf_is_recorded():
    x = fg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2.0
    y.index_copy_(0, fg.tensor([1]), x[:1] * 10.0)
    fnp.sum(y).backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 0.0, 2.0])


def test_hand_computed_values():
    assert fg.tril_indices(3, 2).tolist() == [[0, 1, 1, 2, 2], [0, 0, 1, 0, 1]]
    assert fg.unique(fg.tensor([2, 2, 1]), return_inverse=True, return_counts=True)[1].tolist() == [1, 1, 0]
    assert fg.searchsorted(fg.tensor([1, 3, 5]), fg.tensor([0, 3, 6])).tolist() == [0, 1, 3]
    assert fg.bucketize(fg.tensor([3]), fg.tensor([1, 3, 5]), right=True).tolist() == [2]
    assert fg.zeros(2, 3).unfold(1, 2, 1).shape == (2, 2, 2)
    assert fg.arange(6).as_strided((2, 2), (3, 1), 1).tolist() == [[1, 2], [4, 5]]
    assert fg.zeros(3, 4, 5).stride() == (20, 5, 1) and fg.zeros(3, 4, 5).stride(1) == 5
    assert fg.select_scatter(fg.zeros(2, 2), fg.tensor([1.0, 2.0]), 1, 0).tolist() == [[1.0, 0.0], [2.0, 0.0]]
    a, b = fg.atleast_2d(fg.tensor(1.0), fg.tensor([1.0, 2.0]))
    assert (a.shape, b.shape) == ((1, 1), (1, 2))
    assert fg.atleast_1d([fg.tensor(1.0)])[0].shape == (1,)
    assert [p.shape for p in fg.hsplit(fg.zeros(6), 3)] == [(2,), (2,), (2,)]
    assert fg.zeros(2).data_ptr() != 0
    assert fg.masked_scatter(fg.tensor(1.0), fg.tensor(True), fg.tensor([5.0, 6.0])).tolist() == 5.0
    assert fg.masked_scatter(fg.tensor(1.0), fg.tensor(False), fg.tensor([5.0])).tolist() == 1.0


@pytest.mark.parametrize("call,match", [
    (lambda: fg.index_add(fg.zeros(3), 0, fg.tensor([3]), fg.ones(1)), None),
    (lambda: fg.zeros(3).index_add_(0, fg.tensor([3]), fg.ones(1)), "out of bounds for dimension 0 with size 3"),
    (lambda: fg.zeros(3).index_add_(0, fg.tensor([0, 1]), fg.ones(3)), r"index_add\(\): source of shape \(3,\)"),
    (lambda: fg.zeros(2, 3).index_copy_(1, fg.tensor([0]), fg.ones(2, 2)), r"expected \(2, 1\)"),
    (lambda: fg.index_copy(fg.zeros(3), 0, fg.tensor([-1]), fg.ones(1)), "out of bounds"),
    (lambda: fg.index_copy(fg.zeros(3), 0, fg.tensor([0.5]), fg.ones(1)), "integer"),
    (lambda: fg.index_fill(fg.zeros(3), 0, fg.tensor([0]), fg.ones(2)), "0-dimensional value"),
    (lambda: fg.index_reduce(fg.zeros(3), 0, fg.tensor([0]), fg.ones(1), "sum"), "prod, mean, amax or amin"),
    (lambda: fg.zeros(3).scatter_reduce_(0, fg.tensor([0]), fg.ones(1), "max"), "reduce argument"),
    (lambda: fg.zeros(3).scatter_add_(0, fg.tensor([5]), fg.ones(1)), "out of bounds"),
    (lambda: fg.masked_scatter(fg.zeros(3), fg.tensor([True, True, False]), fg.ones(1)), "at least as many"),
    (lambda: fg.masked_scatter(fg.zeros(3), fg.tensor([1, 0, 1]), fg.ones(3)), "boolean"),
    (lambda: fg.zeros(3).put_(fg.tensor([3]), fg.ones(1)), "out of bounds"),
    (lambda: fg.zeros(3).put(fg.tensor([0, 1]), fg.ones(1)), "same number of elements"),
    (lambda: fg.select_scatter(fg.zeros(2, 2), fg.ones(3), 0, 0), "slice of self"),
    (lambda: fg.slice_scatter(fg.zeros(4), fg.ones(3), 0, 0, 4, 2), r"slice size \(2,\)"),
    (lambda: fg.diagonal_scatter(fg.zeros(2, 3), fg.ones(3)), r"slice size \(2,\)"),
    (lambda: fg.select(fg.zeros(2, 3), 1, 3), "out of range"),
    (lambda: fg.cross(fg.zeros(2, 4), fg.zeros(2, 4), dim=1), "must have length 3"),
    (lambda: fg.rot90(fg.zeros(2, 2), 1, (0, 0)), "different"),
    (lambda: fg.meshgrid(fg.zeros(2, 2)), "0D or 1D"),
    (lambda: fg.meshgrid(fg.zeros(2), indexing="ji"), "indexing"),
    (lambda: fg.diff(fg.zeros(2, 3), prepend=fg.zeros(2, 2), dim=0), "must match input shape"),
    (lambda: fg.hsplit(fg.zeros(2, 3), 2), "not divisible"),
    (lambda: fg.vsplit(fg.zeros(3), 3), "at least 2 dimension"),
    (lambda: fg.searchsorted(fg.zeros(2, 3), fg.zeros(3, 1)), "first N-1"),
    (lambda: fg.searchsorted(fg.zeros(3), fg.zeros(1), right=True, side="left"), "opposites"),
    (lambda: fg.bucketize(fg.zeros(2), fg.zeros(2, 2)), "1 dimension"),
    (lambda: fg.block_diag(fg.zeros(1, 1, 1)), "2 or fewer"),
    (lambda: fg.broadcast_shapes((2,), (3,)), "cannot be broadcast"),
    (lambda: fg.zeros(4).unfold(0, 5, 1), "maximum size"),
    (lambda: fg.zeros(4).as_strided((3,), (2,)), "require 5 elements"),
    (lambda: fg.zeros(2, 2).stride(2), "Dimension out of range"),
])
def test_bad_input_raises_a_clear_error(call, match):
    with pytest.raises((RuntimeError, IndexError, TypeError, ValueError), match=match):
        call()


def test_under_a_transform():
    def f(v):
        t = Tensor._from_value(v)
        out = fg.index_reduce(t, 0, fg.tensor([0, 0, 1]), t * t, "mean") + fg.diff(t, prepend=t[:1])
        return fnp.sum(out)._v

    x = np.array([1.0, -2.0, 3.0])
    # mean at 0: (x0 + x0^2 + x1^2) / 3; at 1: (x1 + x2^2) / 2; x2 stays; diff sums to x2 - x0
    expected = np.array([(1 + 2 * x[0]) / 3 - 1, 2 * x[1] / 3 + 0.5, 2 * x[2] / 2 + 1 + 1])
    np.testing.assert_allclose(fg.grad(f)(x), expected, atol=1e-12)
