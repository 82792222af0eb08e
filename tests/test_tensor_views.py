"""Views (basic indexing, select, narrow, diagonal, view/reshape, t/transpose/permute/mT, squeeze/unsqueeze,
unbind, split/chunk, expand, iteration) share their values with their base both ways, as PyTorch's views share
storage: in-place writes through either reach the other, gradients flow as in PyTorch, memory stays flat."""
import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn
from funcgrad.tensors import views

from memory import growth


def _torch():
    return pytest.importorskip("torch")


def _same(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)


def _x(lib):
    return lib.arange(12.0).reshape(3, 4)


def _sq(lib):
    return lib.zeros(3, 3)


def _loop_rows(lib, x):
    for row in x:
        row.add_(1)


def _setitem_chain(lib, x):
    x[0][1] = 4.0


def _view_set(lib, x):
    x.view(-1)[0] = 5


def _unsq_set(lib, x):
    x.unsqueeze(0)[0, 0] = 1


def _unbind(lib, x):
    a, b, c = x.unbind(0)
    b.fill_(-1)
    c.mul_(2)


def _unbind_dim1(lib, x):
    cols = lib.unbind(x, 1)
    cols[2].zero_()


def _split(lib, x):
    for i, p in enumerate(x.split(2, dim=1)):
        p.add_(10 * i)


def _chunk(lib, x):
    x.chunk(3)[1].neg_()


def _ellipsis(lib, x):
    x[..., 1] = 0
    x[None, 1:, None][0, :, 0, 0] = 9


def _mT(lib, x):
    x.mT[1].zero_()
    x.T[0].fill_(3)


def _permute(lib, x):
    x.permute(1, 0)[2].copy_(lib.tensor([7.0, 8.0, 9.0]))
    x.transpose(0, 1)[0].clamp_(max=2)


def _squeeze(lib, x):
    y = x.unsqueeze(1)  # (3, 1, 4)
    y.squeeze(1)[0].sub_(1)
    y.squeeze()[2, 3] = 100


def _reshape(lib, x):
    x.reshape(2, 6)[1].zero_()
    x.flatten()[0] = -7


def _narrow_chain(lib, x):
    x.narrow(1, 1, 2)[1:].narrow(0, 1, 1).fill_(5)
    x.select(1, 3).mul_(2)
    lib.select(x, 0, 0).add_(1)


IDIOMS = {
    "diagonal_fill": (_sq, lambda lib, x: x.diagonal().fill_(1)),
    "setitem_chain": (_sq, _setitem_chain),
    "slice_fill": (_x, lambda lib, x: x[1:3].fill_(0)),
    "column_copy": (_x, lambda lib, x: x[:, 1].copy_(lib.tensor([1.0, 2.0, 3.0]))),
    "loop_rows": (_x, _loop_rows),
    "view_set": (_x, _view_set),
    "t_zero": (_x, lambda lib, x: x.t()[0].zero_()),
    "select_mul": (_x, lambda lib, x: x.select(0, 1).mul_(2)),
    "narrow_zero": (_x, lambda lib, x: x.narrow(0, 0, 2).zero_()),
    "unsqueeze_set": (_x, _unsq_set),
    "unbind": (_x, _unbind),
    "unbind_dim1": (_x, _unbind_dim1),
    "split": (_x, _split),
    "chunk": (_x, _chunk),
    "ellipsis_none": (_x, _ellipsis),
    "mT_T": (_x, _mT),
    "permute_transpose": (_x, _permute),
    "squeeze": (_x, _squeeze),
    "reshape_flatten": (_x, _reshape),
    "narrow_chain": (_x, _narrow_chain),
    "diagonal_offset": (_x, lambda lib, x: lib.diagonal(x, 1).mul_(-1)),
    "iadd_slice": (_x, lambda lib, x: x[1].__iadd__(5)),
}


@pytest.mark.parametrize("name", list(IDIOMS))
def test_writes_through_a_view_reach_the_base_as_in_pytorch(name):
    torch = _torch()
    make, write = IDIOMS[name]
    a, b = make(fg), make(torch)
    write(fg, a)
    write(torch, b)
    _same(a, b)


VIEW_FNS = {
    "int": lambda x: x[1],
    "slice": lambda x: x[:, 1:3],
    "none_ellipsis": lambda x: x[None, ..., 2],
    "select": lambda x: x.select(1, 0),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "diagonal": lambda x: x.diagonal(),
    "view": lambda x: x.view(2, 6),
    "reshape": lambda x: x.reshape(-1),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "mT": lambda x: x.mT,
    "transpose": lambda x: x.transpose(0, 1),
    "permute": lambda x: x.permute(1, 0),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(0),
    "unbind": lambda x: x.unbind(1)[2],
    "split": lambda x: x.split(2, 1)[1],
    "chunk": lambda x: x.chunk(2, 0)[0],
    "expand": lambda x: x[:, :1].expand(3, 5),
    "chain": lambda x: x[1:].t()[2],
}


@pytest.mark.parametrize("name", list(VIEW_FNS))
def test_a_view_sees_its_base_updates_as_in_pytorch(name):
    torch = _torch()
    f = VIEW_FNS[name]
    a, b = _x(fg), _x(torch)
    va, vb = f(a), f(b)
    a.add_(1)
    b.add_(1)
    a[0] = -1.0
    b[0] = -1.0
    with fg.no_grad():
        a.mul_(3)
    with torch.no_grad():
        b.mul_(3)
    _same(va, vb)
    if name != "expand":  # writes into an expanded view are refused (below)
        va.sub_(0.5)
        vb.sub_(0.5)
        _same(a, b)
        _same(va, vb)


def test_detach_and_data_of_a_view_write_into_its_base_as_in_pytorch():
    torch = _torch()
    out = []
    for lib in (fg, torch):
        x = lib.zeros(2, 3)
        v = x[0]
        d = v.detach()
        d.fill_(2)
        x[1].data.add_(5)
        w = lib.nn.Parameter(lib.ones(2, 2))
        w[0].data.zero_()
        w.data[1][1] = 3
        w[1].detach()[0] = 7
        x.add_(1)
        assert w.is_leaf and w.requires_grad
        out.append((x.tolist(), v.tolist(), d.tolist(), w.tolist()))
    assert out[0] == out[1]


def test_the_view_of_a_view_and_its_siblings_see_each_others_writes():
    torch = _torch()
    for lib in (fg, torch):
        x = lib.zeros(3, 4)
        rows = list(x)
        col = x[:, 1]
        rows[1][1] = 2.0
        col[2] = 3.0
        assert rows[2][1].item() == 3.0 and col[1].item() == 2.0 and x[1, 1].item() == 2.0
    x = fg.zeros(2, 2)
    v = x[0]
    d = v.detach()
    x.fill_(4.0)
    assert d.tolist() == [4.0, 4.0]  # a view's sharers take its refreshes


def test_writes_into_an_expanded_view_are_refused_as_in_pytorch():
    torch = _torch()
    for lib in (fg, torch):
        x = lib.zeros(3, 1)
        e = x.expand(3, 4)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e.add_(1)
        for write in (lambda: e.mul_(2), lambda: e.copy_(lib.ones(3, 4)), lambda: e.__setitem__(0, 5.0),
                      lambda: e[1].clamp_(0, 1)):
            with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
                write()
        # a piece of it without overlap can be written: its elements are the base's
        e[:, 0].add_(2)
        assert x.flatten().tolist() == [2.0, 2.0, 2.0]
        assert e[1].tolist() == [2.0] * 4
        e.fill_(3)  # filling is well defined, and allowed
        assert x.flatten().tolist() == [3.0, 3.0, 3.0]
        e[0].zero_()
        assert x.flatten().tolist() == [0.0, 3.0, 3.0]


def test_unfold_is_a_view_as_in_pytorch():
    torch = _torch()
    out = []
    for lib in (fg, torch):
        x = lib.arange(6.0)
        u = x.unfold(0, 2, 2)
        u[1].fill_(-1)
        x.add_(1)
        w = x.unfold(0, 3, 1)
        w[0].mul_(10)
        out.append((x.tolist(), u.tolist(), w.tolist()))
    assert out[0] == out[1]
    with pytest.raises(RuntimeError, match="more than one element"):  # PyTorch writes its overlapping windows
        fg.arange(6.0).unfold(0, 3, 1).add_(1)  # one after the other (an order-dependent result)


def test_advanced_indexing_copies_as_in_pytorch():
    torch = _torch()
    for lib in (fg, torch):
        x = lib.zeros(3, 3)
        x[[0, 1]].fill_(1)
        x[x > 0].fill_(1)
        x[lib.tensor([True, False, True])].fill_(1)
        assert x.sum().item() == 0


# --- autograd ------------------------------------------------------------------------------------------------------
def _grad_case(lib, which):
    x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x * 1
    if which == "mul_row":
        y[0].mul_(2)
        out = y.sum()
    elif which == "view_then_base":
        v = y[1]
        y.add_(x * x)
        out = (v * lib.tensor([1.0, 2.0, 3.0])).sum()
    elif which == "setitem_chain":
        y[0][1] = x[1, 2] * 3
        out = (y * y).sum()
    elif which == "diag_copy":
        z = y.t()
        z.diagonal().copy_(x[1, :2].exp())
        out = (y ** 2).sum() + z.sum()
    elif which == "loop":  # (PyTorch's iteration gives unbind's views, which refuse in-place writes under grad)
        for i in range(len(y)):
            y[i].mul_(y[i] + i)
        out = y.sum()
    elif which == "view_sees_base":
        v = y.view(-1)
        y[1].add_(x[0])
        out = (v * v).sum()
    else:
        raise AssertionError(which)
    out.backward()
    return y, x.grad


@pytest.mark.parametrize("which", ["mul_row", "view_then_base", "setitem_chain", "diag_copy", "loop",
                                   "view_sees_base"])
def test_gradients_through_writes_into_views_are_pytorch_s(which):
    torch = _torch()
    ya, ga = _grad_case(fg, which)
    yb, gb = _grad_case(torch, which)
    _same(ya, yb)
    _same(ga, gb)


def test_the_base_of_a_written_view_becomes_a_non_leaf_that_requires_grad():
    torch = _torch()
    for lib in (fg, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        x = lib.zeros(2, 2)
        x[0].copy_(w)
        assert x.requires_grad and not x.is_leaf
        (x * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        assert w.grad.tolist() == [1.0, 2.0]


def test_an_inplace_write_into_a_view_of_a_requires_grad_leaf_raises():
    torch = _torch()
    for lib in (fg, torch):
        w = lib.ones(2, 3, requires_grad=True)
        for write in (lambda: w[0].zero_(), lambda: w.t()[0].mul_(2), lambda: w.view(-1).__setitem__(0, 1.0),
                      lambda: w[0][1:].fill_(1)):
            with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used "
                                                   "in an in-place operation"):
                write()
        assert w.is_leaf and w.tolist() == [[1.0] * 3] * 2


def test_no_grad_init_through_views_keeps_the_leaf():
    torch = _torch()
    for lib in (fg, torch):
        emb = lib.nn.Embedding(4, 3, padding_idx=None)
        lin = lib.nn.Linear(3, 3)
        emb.weight.data[0].zero_()
        with lib.no_grad():
            lin.weight[0].fill_(0.5)
            lin.weight.diagonal().fill_(2.0)
            lin.bias[1:] = 0.25
            for row in lin.weight[1:]:
                row.mul_(1.0)
        for p in (emb.weight, lin.weight, lin.bias):
            assert p.is_leaf and p.requires_grad and p.grad is None
        assert emb.weight[0].tolist() == [0.0, 0.0, 0.0]
        assert lin.weight[0].tolist() == [2.0, 0.5, 0.5]
        assert lin.weight.diagonal().tolist() == [2.0, 2.0, 2.0]
        assert lin.bias[1:].tolist() == [0.25, 0.25]
        emb(lib.tensor([0, 1])).sum().backward()
        assert emb.weight.grad[0].tolist() == [1.0, 1.0, 1.0]


def test_a_view_of_a_parameter_follows_optimizer_steps():
    torch = _torch()
    out = []
    for lib in (fg, torch):
        lib.manual_seed(0)
        w = lib.nn.Parameter(lib.ones(2, 3))
        row = w[1]  # created under grad mode: on w's graph
        opt = lib.optim.SGD([w], lr=0.1)
        (w * lib.arange(6.0).reshape(2, 3)).sum().backward()
        opt.step()
        out.append((row.detach().numpy().copy(), w.detach().numpy().copy()))
        assert w.is_leaf
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-6)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-6)


def test_values_saved_on_the_tape_are_not_changed_by_writes_through_views():
    x = fg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = (y * y).sum()  # saves y
    y[0].fill_(10.0)
    z.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]  # PyTorch raises "modified by an inplace operation" here


def test_functional_numpy_face_stays_immutable():
    import funcgrad.numpy as fnp
    a = np.zeros((2, 2))
    v = fnp.getitem(a, 0)
    assert not views.VIEWS.get(id(v))
    b = fnp.at(a)[0].set(1.0)
    assert a.sum() == 0 and b.sum() == 2


# --- memory --------------------------------------------------------------------------------------------------------
def test_views_of_temporaries_keep_memory_flat():
    base = fg.zeros(8, 8)
    w = nn.Parameter(fg.zeros(4, 4))
    n_views, n_live = len(views.VIEWS), len(views.LIVE)

    def step():
        x = fg.ones(8, 8) * 2
        x[0][1] = 3.0
        for row in x[:3]:
            row.add_(1)
        x.t().diagonal().mul_(2)
        v = base[1:3].view(-1)
        base.add_(1e-3)
        v.zero_()
        with fg.no_grad():
            w[0].add_(1e-3)
        w.data[1].sub_(1e-3)
        w[2].data.mul_(1.0)
        x[3].detach().add_(1)
        y = fg.ones(3, requires_grad=True) * 1
        y[0].mul_(2)
        y.sum().backward()
        _ = [r.sum() for r in x.unbind(1)]

    assert growth(step, 2000) < 100_000
    assert len(views.VIEWS) == n_views and len(views.LIVE) == n_live, "the records of dropped views are gone"


def test_a_view_keeps_its_base_alive_and_the_base_holds_views_weakly():
    import gc
    import weakref
    x = fg.zeros(3)
    v = x[1:]
    r = weakref.ref(x)
    del x
    gc.collect()
    assert r() is not None  # v's base: kept, as PyTorch's v._base
    v.fill_(1.0)
    assert r().tolist() == [0.0, 1.0, 1.0]
    del v
    gc.collect()
    assert r() is None
