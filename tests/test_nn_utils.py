"""``funcgrad.nn.utils`` and ``funcgrad.nn.parallel`` as PyTorch's: gradient clipping (same gradients in, same
clipped gradients and returned norm out, float64), parameters as a vector, pad_sequence, DataParallel on one
device. Clipping changes gradients in place without recording and without growing memory."""
import math

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn
from memory import growth
from parity import check_against_torch

SHAPES = [(3, 4), (4,), (), (2, 1, 3)]


def _grads(seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) * scale for s in SHAPES]


def _params(lib, grads, missing=()):
    """Leaf tensors of ``lib`` (torch or funcgrad) whose ``.grad`` are ``grads`` (None at the indices ``missing``)."""
    out = []
    for i, g in enumerate(grads):
        p = lib.zeros(g.shape, dtype=lib.float64, requires_grad=True)
        p.grad = None if i in missing else lib.tensor(g)
        out.append(p)
    return out


def _same_grads(tp, fp):
    for i, (t, f) in enumerate(zip(tp, fp)):
        if t.grad is None:
            assert f.grad is None, i
        else:
            np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-15, err_msg=str(i))


NORMS = [2.0, 1.0, 3.0, 0.5, float("inf"), "inf"]


@pytest.mark.parametrize("norm_type", NORMS, ids=str)
@pytest.mark.parametrize("max_norm", [0.3, 1e3], ids=["clips", "leaves"])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    grads = _grads()
    tp, fp = _params(torch, grads, missing={2}), _params(fg, grads, missing={2})
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    fn = nn.utils.clip_grad_norm_(fp, max_norm, norm_type=norm_type)
    assert isinstance(fn, fg.Tensor) and fn.shape == () and fn.dtype == np.float64
    np.testing.assert_allclose(fn.item(), tn.item(), rtol=1e-12)
    _same_grads(tp, fp)
    if max_norm < 1:  # the clipped gradients have the requested norm (up to the 1e-6 guard)
        after = nn.utils.get_total_norm([p.grad for p in fp if p.grad is not None], norm_type)
        assert abs(after.item() - max_norm) < 1e-5


def test_clip_grad_norm_of_one_tensor_and_of_a_generator():
    torch = pytest.importorskip("torch")
    g = _grads()[0]
    (tp,), (fp,) = _params(torch, [g]), _params(fg, [g])
    np.testing.assert_allclose(nn.utils.clip_grad_norm_(fp, 1.0).item(), torch.nn.utils.clip_grad_norm_(tp, 1.0).item(),
                               rtol=1e-12)
    _same_grads([tp], [fp])
    model = nn.Linear(3, 2)
    model(fg.ones(4, 3)).sum().backward()
    expected = math.sqrt(sum(float((p.grad ** 2).sum()) for p in model.parameters()))
    norm = nn.utils.clip_grad_norm_((p for p in model.parameters()), max_norm=0.1)
    assert norm.item() == pytest.approx(expected, rel=1e-6)


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    torch = pytest.importorskip("torch")
    grads = _grads(1, scale=3.0)
    tp, fp = _params(torch, grads), _params(fg, grads)
    tn = torch.nn.utils.get_total_norm([p.grad for p in tp], 3.0)
    fn = nn.utils.get_total_norm([p.grad for p in fp], 3.0)
    np.testing.assert_allclose(fn.item(), tn.item(), rtol=1e-12)
    torch.nn.utils.clip_grads_with_norm_(tp, 2.0, tn)
    nn.utils.clip_grads_with_norm_(fp, 2.0, fn)
    _same_grads(tp, fp)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    grads = _grads(2)
    tp, fp = _params(torch, grads, missing={1}), _params(fg, grads, missing={1})
    assert torch.nn.utils.clip_grad_value_(tp, 0.5) is None and nn.utils.clip_grad_value_(fp, 0.5) is None
    _same_grads(tp, fp)
    assert max(float(p.grad.abs().max()) for p in fp if p.grad is not None) == 0.5


def test_non_finite_norms():
    torch = pytest.importorskip("torch")
    grads = _grads(3)
    grads[0][0, 0] = np.nan
    tp, fp = _params(torch, grads), _params(fg, grads)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(fp, 1.0, error_if_nonfinite=True)
    _same_grads(_params(torch, grads), fp)  # nothing was scaled before the error
    tn = torch.nn.utils.clip_grad_norm_(tp, 1.0)
    fn = nn.utils.clip_grad_norm_(fp, 1.0)
    assert math.isnan(fn.item()) and math.isnan(tn.item())
    for t, f in zip(tp, fp):
        np.testing.assert_array_equal(np.isnan(f.grad.numpy()), np.isnan(t.grad.numpy()))


def test_no_gradients_and_empty_inputs():
    torch = pytest.importorskip("torch")
    w = fg.zeros(3, requires_grad=True)
    assert nn.utils.clip_grad_norm_([w], 1.0).item() == torch.nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    assert w.grad is None
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((p for p in []), 1.0)
    with pytest.raises(TypeError, match="clip_grad_norm_.*iterable of Tensors"):
        nn.utils.clip_grad_norm_(3.0, 1.0)


def test_clipping_is_in_place_unrecorded_and_keeps_dtypes():
    w = fg.ones(4, requires_grad=True)
    (w * fg.tensor([10.0, 0.0, 0.0, 0.0])).sum().backward()
    g = w.grad
    nn.utils.clip_grad_norm_([w], 1.0)
    assert w.grad is g and g.dtype == np.float32 and not g.requires_grad and g.grad_fn is None
    np.testing.assert_allclose(g.numpy(), [1.0, 0, 0, 0], rtol=1e-5)
    with fg.enable_grad():
        nn.utils.clip_grad_value_([w], 0.5)
    assert w.grad is g and not g.requires_grad and g.grad_fn is None and g.numpy()[0] == 0.5


def test_deprecated_clip_grad_norm_warns():
    w = fg.zeros(2, requires_grad=True)
    w.grad = fg.tensor([3.0, 4.0])
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        assert nn.utils.clip_grad_norm(w, 1.0).item() == pytest.approx(5.0)


def test_clipping_many_steps_keeps_memory_flat():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    x = fg.tensor(np.random.default_rng(0).standard_normal((4, 8)))

    def step():
        model.zero_grad()
        model(x).sum().backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        nn.utils.clip_grad_value_(model.parameters(), 0.01)

    assert growth(step, 1000, warmup=50) < 100_000


# --- parameters as a vector ---------------------------------------------------------------------------------------
def test_parameters_to_vector_and_back_match_torch():
    torch = pytest.importorskip("torch")
    values = _grads(4)
    tp = [torch.tensor(v, requires_grad=True) for v in values]
    fp = [fg.tensor(v, requires_grad=True) for v in values]
    tv, fv = torch.nn.utils.parameters_to_vector(tp), nn.utils.parameters_to_vector(fp)
    np.testing.assert_array_equal(fv.detach().numpy(), tv.detach().numpy())
    w = np.random.default_rng(5).standard_normal(fv.shape)
    (tv * torch.tensor(w)).sum().backward()
    (fv * fg.tensor(w)).sum().backward()
    _same_grads(tp, fp)

    new = np.arange(fv.shape[0], dtype=np.float64)
    ids = [id(p) for p in fp]
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(torch.tensor(new), tp)
    nn.utils.vector_to_parameters(fg.tensor(new), fp)
    assert [id(p) for p in fp] == ids and all(p.requires_grad and p.is_leaf for p in fp)
    for t, f in zip(tp, fp):
        assert f.shape == tuple(t.shape)
        np.testing.assert_array_equal(f.detach().numpy(), t.detach().numpy())


def test_vector_to_parameters_refuses_a_wrong_vector():
    ps = [fg.zeros(2, 2), fg.zeros(3)]
    with pytest.raises(ValueError, match="one value per parameter entry \\(7\\)"):
        nn.utils.vector_to_parameters(fg.zeros(6), ps)
    with pytest.raises(ValueError, match="7"):
        nn.utils.vector_to_parameters(fg.zeros(8), ps)
    with pytest.raises(TypeError, match="vec to be a Tensor"):
        nn.utils.vector_to_parameters([0.0] * 7, ps)
    with pytest.raises(TypeError, match="wrap it in a list"):
        nn.utils.vector_to_parameters(fg.zeros(3), fg.zeros(3))


# --- pad_sequence -------------------------------------------------------------------------------------------------
LENGTHS = [(3, 2), (1, 2), (4, 2)]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, side):
    arrays = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate(LENGTHS)]
    check_against_torch(lambda lib, *xs: _rnn(lib).pad_sequence(list(xs), batch_first=batch_first,
                                                                 padding_value=-1.5, padding_side=side), arrays)


def _rnn(lib):
    return lib.nn.utils.rnn


def test_unpad_sequence_inverts_pad_sequence_as_torch():
    torch = pytest.importorskip("torch")
    arrays = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate(LENGTHS)]
    for batch_first in (False, True):
        padded = nn.utils.rnn.pad_sequence([fg.tensor(a) for a in arrays], batch_first=batch_first)
        back = nn.utils.rnn.unpad_sequence(padded, fg.tensor([3, 1, 4]), batch_first=batch_first)
        tback = torch.nn.utils.rnn.unpad_sequence(torch.tensor(padded.numpy()), torch.tensor([3, 1, 4]),
                                                  batch_first=batch_first)
        for b, t, a in zip(back, tback, arrays):
            np.testing.assert_array_equal(b.numpy(), t.numpy())
            np.testing.assert_array_equal(b.numpy(), a)


def test_pad_sequence_errors():
    with pytest.raises(RuntimeError, match="empty list"):
        nn.utils.rnn.pad_sequence([])
    with pytest.raises(RuntimeError, match=r"sequence 1 has \(2, 4\)"):
        nn.utils.rnn.pad_sequence([fg.zeros(2, 3), fg.zeros(2, 4)])
    with pytest.raises(ValueError, match="padding_side"):
        nn.utils.rnn.pad_sequence([fg.zeros(2)], padding_side="middle")
    with pytest.raises(TypeError, match="0-d Tensor"):
        nn.utils.rnn.pad_sequence([fg.zeros(2), fg.tensor(1.0)])


# --- DataParallel -------------------------------------------------------------------------------------------------
def test_data_parallel_wraps_the_module_as_torch_does():
    torch = pytest.importorskip("torch")
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).double()
    fm = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
    tdp, fdp = torch.nn.DataParallel(tm), nn.DataParallel(fm)
    assert list(fdp.state_dict()) == list(tdp.state_dict())
    assert all(k.startswith("module.") for k in fdp.state_dict())
    fdp.load_state_dict({k: fg.tensor(v.numpy()) for k, v in tdp.state_dict().items()})
    assert fdp.module is fm and isinstance(fdp, nn.Module)
    x = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_allclose(fdp(fg.tensor(x)).detach().numpy(), tdp(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    fdp.eval()
    assert not fm.training
    out = nn.parallel.data_parallel(fm, (fg.tensor(x),))
    np.testing.assert_allclose(out.detach().numpy(), fm(fg.tensor(x)).detach().numpy())
    assert "DistributedDataParallel" not in dir(nn) and "DistributedDataParallel" in dir(nn.parallel)  # as torch


def test_data_parallel_passes_keyword_arguments_and_gradients():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(fg.tensor(2.0))

        def forward(self, x, *, shift=0.0):
            return self.w * x + shift

    m = Scale()
    dp = nn.DataParallel(m)
    dp(fg.tensor([1.0, 2.0]), shift=1.0).sum().backward()
    assert m.w.grad.item() == 3.0
    out = nn.parallel.data_parallel(m, fg.tensor([1.0]), module_kwargs={"shift": 5.0})
    assert out.item() == 7.0
    with pytest.raises(TypeError, match="expected a Module"):
        nn.DataParallel(lambda x: x)


@pytest.fixture
def gpu():
    """The CuPy stand-in as funcgrad's GPU (two devices) for one test: the device paths run without a GPU."""
    from funcgrad.testing import standin
    standin.install()
    yield
    standin.uninstall()


def test_data_parallel_and_clipping_on_a_gpu(gpu):
    m = nn.Linear(2, 2)
    x = np.random.default_rng(0).standard_normal((3, 2))
    on_host = m(fg.tensor(x)).detach().numpy()
    with pytest.warns(UserWarning, match="only GPU 0 is used"):
        dp = nn.DataParallel(m, device_ids=[0, 1])
    assert dp.device_ids == [0, 1] and str(m.weight.device) == "cuda:0"  # moved to device_ids[0], as PyTorch does
    y = dp(fg.tensor(x))  # a host input goes to the module's device
    assert str(y.device) == "cuda:0"
    np.testing.assert_allclose(y.detach().cpu().numpy(), on_host, rtol=1e-6)
    y.sum().backward()
    norm = nn.utils.clip_grad_norm_(m.parameters(), 0.1)
    assert str(norm.device) == "cuda:0" and str(m.weight.grad.device) == "cuda:0"
    assert nn.utils.get_total_norm([p.grad for p in m.parameters()]).item() == pytest.approx(0.1, rel=1e-4)
    with pytest.raises(RuntimeError, match=r"on device cuda:0 \(device_ids\[0\]\).*found one of them on .*cpu"):
        nn.parallel.data_parallel(nn.Linear(2, 2), fg.ones(3, 2))
    assert str(nn.parallel.data_parallel(m, fg.ones(3, 2), output_device=1).device) == "cuda:1"
