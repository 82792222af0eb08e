"""In-place writes through ``t.data``, ``t.detach()`` and ``state_dict()`` values reach the tensor they came from,
as PyTorch's shared storage does; unrecorded by autograd, with memory flat, and never into values on the tape."""
import copy

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn
from funcgrad.tensors import aliases

from inplace_table import INT_ONLY, N, TABLE
from memory import growth

W = np.array([[0.5, -0.25, 0.125], [1.0, 2.0, -3.0]], dtype=np.float32)


def _both():
    """The same Linear(3, 2) in funcgrad and in PyTorch (skipped without PyTorch)."""
    torch = pytest.importorskip("torch")
    m = nn.Linear(3, 2)
    t = torch.nn.Linear(3, 2)
    with torch.no_grad():
        t.weight.copy_(torch.from_numpy(W))
        t.bias.zero_()
    m.weight.data = fg.tensor(W)
    m.bias.data = fg.zeros(2)
    return torch, m, t


def _same(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("pattern", [
    lambda lib, p, src: lib.nn.init.constant_(p.data, 0.02),
    lambda lib, p, src: p.data.clamp_(-0.3, 0.3),
    lambda lib, p, src: p.data.copy_(src),
    lambda lib, p, src: p.data.add_(src, alpha=-0.1),
    lambda lib, p, src: p.data.fill_(1),
    lambda lib, p, src: p.data.mul_(0.5),
    lambda lib, p, src: p.data.zero_(),
    lambda lib, p, src: p.data.__setitem__((0, slice(1, 3)), 7.0),
    lambda lib, p, src: p.data.mul_(2).add_(1).clamp_(max=2.0),
    lambda lib, p, src: p.detach().sub_(src),
    lambda lib, p, src: p.detach().zero_(),
    lambda lib, p, src: p.data.data.fill_(3),
], ids=["init.constant_", "clamp_", "copy_", "add_alpha", "fill_", "mul_", "zero_", "setitem", "chain",
        "detach_sub_", "detach_zero_", "data_data"])
def test_inplace_through_data_and_detach_changes_the_parameter_as_in_pytorch(pattern):
    torch, m, t = _both()
    pattern(fg, m.weight, fg.tensor(W * 3))
    pattern(torch, t.weight, torch.from_numpy(W * 3))
    _same(m.weight, t.weight)
    assert m.weight.requires_grad and m.weight.is_leaf and type(m.weight) is nn.Parameter


def test_random_init_through_data_changes_the_parameter():
    m = nn.Linear(30, 20)
    before = m.weight.detach().numpy().copy()
    m.weight.data.normal_(0.0, 0.02)
    after = m.weight.detach().numpy()
    assert not np.array_equal(before, after)
    assert abs(after.std() - 0.02) < 0.005 and m.weight.requires_grad
    for init in (nn.init.xavier_uniform_, nn.init.kaiming_normal_, nn.init.orthogonal_, nn.init.zeros_):
        before = m.weight.detach().numpy().copy()
        init(m.weight.data)
        assert not np.array_equal(before, m.weight.detach().numpy()), init.__name__


def test_dcgan_weights_init():
    # the DCGAN tutorial's initialisation, applied with Module.apply
    def weights_init(mod):
        name = mod.__class__.__name__
        if name.find("Conv") != -1:
            nn.init.normal_(mod.weight.data, 0.0, 0.02)
        elif name.find("BatchNorm") != -1:
            nn.init.normal_(mod.weight.data, 1.0, 0.02)
            nn.init.constant_(mod.bias.data, 0)

    net = nn.Sequential(nn.Conv2d(3, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64))
    net.apply(weights_init)
    w = net[0].weight.detach().numpy()
    assert abs(w.std() - 0.02) < 0.003 and abs(w.mean()) < 0.003
    assert abs(net[1].weight.detach().numpy().mean() - 1.0) < 0.01
    assert not net[1].bias.detach().numpy().any()


def test_grad_data_zero_stops_accumulation_as_in_pytorch():
    torch, m, t = _both()
    x = np.ones((4, 3), dtype=np.float32)
    for _ in range(3):
        m(fg.tensor(x)).sum().backward()
        t(torch.from_numpy(x)).sum().backward()
        m.weight.grad.data.zero_()
        t.weight.grad.data.zero_()
    _same(m.weight.grad, t.weight.grad)
    assert not m.weight.grad.numpy().any()
    m(fg.tensor(x)).sum().backward()
    t(torch.from_numpy(x)).sum().backward()
    _same(m.weight.grad, t.weight.grad)  # one backward's worth, not four


def test_manual_sgd_through_data_matches_pytorch():
    torch, m, t = _both()
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    for _ in range(5):
        for mod, lib, xs in ((m, fg, fg.tensor(x)), (t, torch, torch.from_numpy(x))):
            (mod(xs) ** 2).sum().backward()
            for p in mod.parameters():
                p.data.add_(p.grad.data, alpha=-0.1)
                p.grad.data.zero_()
    _same(m.weight, t.weight)
    _same(m.bias, t.bias)


def test_detach_of_a_plain_tensor_and_of_a_non_leaf_shares_values_as_in_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (fg, torch):
        x = lib.ones(3)
        d = x.detach()
        d[1] = 5.0
        x.mul_(2)  # and the other way: the base's update reaches the detached tensor
        assert x.tolist() == [2.0, 10.0, 2.0] and d.tolist() == [2.0, 10.0, 2.0]
    a = fg.tensor([1.0, 2.0], requires_grad=True)
    y = a * 3
    z = y * a  # saved y's and a's values: the write below must not reach them
    y.detach().zero_()
    assert y.tolist() == [0.0, 0.0] and y.grad_fn is not None
    z.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [6.0, 12.0])  # d(3a * a)/da = 6a, from the forward's values


def test_state_dict_values_write_through_to_parameters_and_buffers():
    torch, m, t = _both()
    w = np.full((2, 3), 0.75, dtype=np.float32)
    for mod, lib in ((m, fg), (t, torch)):
        sd = mod.state_dict()
        sd["weight"].copy_(lib.from_numpy(w))
        sd["bias"].fill_(-1.0)
        assert not sd["weight"].requires_grad
    _same(m.weight, t.weight)
    _same(m.bias, t.bias)
    assert m.weight.requires_grad and m.weight.is_leaf

    bn = nn.BatchNorm1d(3)
    sd = bn.state_dict()
    sd["running_mean"].copy_(fg.tensor([1.0, 2.0, 3.0]))
    sd["num_batches_tracked"].add_(4)
    assert bn.running_mean.tolist() == [1.0, 2.0, 3.0] and int(bn.num_batches_tracked) == 4


def test_partial_load_snippet():
    src, dst = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)), nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 5))
    own = dst.state_dict()
    for name, value in src.state_dict().items():
        if name in own and own[name].shape == value.shape:
            own[name].copy_(value)
    _same(dst[0].weight, src[0].weight)
    _same(dst[0].bias, src[0].bias)


def test_copies_do_not_share():
    m = nn.Linear(3, 2)
    w0 = m.weight.detach().numpy().copy()
    best = copy.deepcopy(m.state_dict())
    cloned = m.weight.detach().clone()
    best["weight"].zero_()
    cloned.fill_(9.0)
    np.testing.assert_array_equal(m.weight.detach().numpy(), w0)


def test_assigning_data_gives_new_values_as_in_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (fg, torch):
        x = lib.ones(2)
        d = x.data
        x.data = lib.zeros(2)  # new storage: d keeps the old values and no longer shares
        d.fill_(5.0)
        assert x.tolist() == [0.0, 0.0] and d.tolist() == [5.0, 5.0]


def test_writes_are_not_recorded_by_autograd():
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    w.data.copy_(fg.tensor([3.0, 4.0], requires_grad=True) * 1.0)  # a recorded source: its values only
    assert w.is_leaf and w.grad_fn is None
    fnp.sum(w * w).backward()
    np.testing.assert_allclose(w.grad.numpy(), [6.0, 8.0])


def test_backward_after_a_data_write_uses_the_forward_values():
    # Saved values are immutable: the tape keeps the values the forward pass saw. PyTorch computes with the
    # overwritten values through .data (its version counter does not see the write) and raises through detach().
    torch = pytest.importorskip("torch")
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    loss, tloss = (w * w).sum(), (tw * tw).sum()
    w.data.mul_(2)
    tw.data.mul_(2)
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 4.0])  # 2 w from the forward pass
    np.testing.assert_allclose(tw.grad.numpy(), [4.0, 8.0])  # PyTorch: 2 w from the overwritten storage
    assert w.tolist() == [2.0, 4.0]

    w.grad = None
    loss = (w * w).sum()
    w.detach().mul_(2)
    tw = torch.tensor([2.0, 4.0], requires_grad=True)
    tloss = (tw * tw).sum()
    tw.detach().mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tloss.backward()
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 8.0])


@pytest.mark.parametrize("name", sorted(TABLE), ids=str)
def test_every_inplace_method_through_data_changes_the_leaf(name):
    call = TABLE[name][0]
    start = np.linspace(0.5, 1.5, N * N).reshape(N, N)
    w = fg.tensor(start, requires_grad=True)
    ref = fg.tensor(start)
    fg.manual_seed(0)
    call(w.data, 0.75)
    fg.manual_seed(0)
    call(ref, 0.75)
    np.testing.assert_array_equal(w.detach().numpy(), ref.numpy(), err_msg=name)
    assert w.requires_grad and w.is_leaf


@pytest.mark.parametrize("name", sorted(INT_ONLY), ids=str)
def test_integer_inplace_methods_through_detach(name):
    x, ref = fg.tensor(np.arange(N) % 7), fg.tensor(np.arange(N) % 7)
    INT_ONLY[name](x.detach())
    INT_ONLY[name](ref)
    assert x.tolist() == ref.tolist()


def test_manual_sgd_through_data_keeps_memory_flat():
    m = nn.Linear(8, 4)
    x = fg.tensor(np.linspace(-1, 1, 32, dtype=np.float32).reshape(4, 8))
    params = list(m.parameters())
    groups = len(aliases.GROUPS)

    def step():
        (m(x) ** 2).sum().backward()
        for p in params:
            p.data.add_(p.grad.data, alpha=-1e-3)
            p.grad.data.zero_()

    assert growth(step, 2000) < 100_000  # under 50 bytes a step; one leaked 4x8 float32 array a step: 256 kB
    assert len(aliases.GROUPS) == groups, "the groups of the temporary .data tensors are gone"
    assert all(p.is_leaf and p.requires_grad for p in params)


def test_kept_detached_tensors_do_not_keep_their_graph():
    import gc
    import weakref
    groups = len(aliases.GROUPS)
    a = fg.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    ref = weakref.ref(y)
    kept = [y.detach()]
    del y
    gc.collect()
    assert ref() is None and kept[0].tolist() == [2.0, 4.0]
    kept.clear()
    gc.collect()
    assert len(aliases.GROUPS) == groups


@pytest.mark.parametrize("make", [
    lambda ps: fg.optim.SGD(ps, lr=0.1),
    lambda ps: fg.optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: fg.optim.Adam(ps, lr=0.1),
    lambda ps: fg.optim.AdamW(ps, lr=0.1, foreach=False),
    lambda ps: fg.optim.RMSprop(ps, lr=0.1),
], ids=["sgd", "momentum", "adam", "adamw", "rmsprop"])
def test_values_taken_before_a_step_see_the_step_as_in_pytorch(make):
    # torch's state_dict() values, .data and detach() share the parameters' storage, and the optimizers write into
    # it: `best = model.state_dict()` without a deepcopy follows training there, and so it does here
    m = nn.Linear(3, 2)
    m.weight.data = fg.tensor(W)
    sd, d, before = m.state_dict(), m.weight.detach(), m.weight.detach().clone()
    opt = make(m.parameters())
    for _ in range(3):
        opt.zero_grad()
        (m(fg.ones(4, 3)) ** 2).sum().backward()
        opt.step()
    assert not np.allclose(m.weight.detach().numpy(), before.numpy())
    _same(sd["weight"], m.weight)
    _same(d, m.weight)
    _same(sd["bias"], m.bias)
    assert m.weight.is_leaf and m.weight.requires_grad and before.tolist() == W.tolist()


def test_a_step_after_an_alias_matches_pytorch():
    torch, m, t = _both()
    sd_f, sd_t = m.state_dict(), t.state_dict()
    of, ot = fg.optim.Adam(m.parameters(), lr=0.05), torch.optim.Adam(t.parameters(), lr=0.05)
    x = np.linspace(0.1, 1, 12, dtype=np.float32).reshape(4, 3)  # no gradient near 0: Adam would amplify rounding
    for _ in range(4):
        for lib, mod, opt in ((fg, m, of), (torch, t, ot)):
            opt.zero_grad()
            (mod(lib.tensor(x)) ** 2).sum().backward()
            opt.step()
    _same(sd_f["weight"], sd_t["weight"])
    _same(sd_f["bias"], sd_t["bias"])


def test_load_state_dict_writes_into_earlier_state_dict_values_as_in_pytorch():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    m.load_state_dict({"weight": fg.tensor(W), "bias": fg.tensor([1.0, 2.0])})
    np.testing.assert_array_equal(sd["weight"].numpy(), W)
    assert sd["bias"].tolist() == [1.0, 2.0]
    new = {"weight": fg.zeros(2, 3), "bias": fg.zeros(2)}
    m.load_state_dict(new, assign=True)  # assign: the module takes the given tensors, earlier values stay
    np.testing.assert_array_equal(sd["weight"].numpy(), W)


def test_an_alias_kept_through_training_keeps_memory_flat():
    m = nn.Linear(8, 4)
    x = fg.tensor(np.linspace(-1, 1, 32, dtype=np.float32).reshape(4, 8))
    sd = m.state_dict()
    opt = fg.optim.SGD(m.parameters(), lr=1e-3, momentum=0.9)

    def step():
        opt.zero_grad()
        (m(x) ** 2).sum().backward()
        opt.step()

    assert growth(step, 2000) < 100_000
    _same(sd["weight"], m.weight)
