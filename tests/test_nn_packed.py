"""Packed sequences (``funcgrad.nn.utils.rnn``: ``PackedSequence``, ``pack_padded_sequence``,
``pad_packed_sequence``, ``pack_sequence``, ``unpack_sequence``) and the recurrent layers on them.

Against torch (skipped where it is missing): the packed fields, the padded round trip and the gradient flowing from
the packed data back to the padded input; RNN, LSTM and GRU on packed input (sorted or not, batch-first, stacked,
bidirectional, LSTM projections, given initial states) in float64, torch's state dict loaded: the packed output,
``h_n`` (and ``c_n``) and the gradients of the input, the initial states and every parameter. Without torch: each
sequence run alone through the layer gives the same output steps and final state as the packed batch (the final
state is taken at each sequence's last step), and PyTorch's errors for unsorted lengths, a length 0, lengths on a
device, a too-short ``total_length``.
"""
import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn
from funcgrad.nn.utils.rnn import (PackedSequence, invert_permutation, pack_padded_sequence, pack_sequence,
                                   pad_packed_sequence, pad_sequence, unpack_sequence)
from test_nn_recurrent import ATOL, RTOL, _flat, _pair, _weights


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _np(t):
    return t.detach().numpy()


def _same_packing(fp, tp):
    assert isinstance(fp, PackedSequence) and isinstance(fp, tuple) and len(fp) == 4
    np.testing.assert_array_equal(_np(fp.batch_sizes), tp.batch_sizes.numpy())
    assert fp.batch_sizes.dtype == np.int64
    for f, t in ((fp.sorted_indices, tp.sorted_indices), (fp.unsorted_indices, tp.unsorted_indices)):
        assert (f is None) == (t is None)
        if t is not None:
            np.testing.assert_array_equal(_np(f), t.numpy())


# --- packing against torch ----------------------------------------------------------------------------------------
PACKINGS = [("sorted", (5, 3, 2), [5, 3, 1], False, True), ("unsorted", (4, 4, 3), [2, 4, 1, 3], False, False),
            ("batch_first", (3, 4), [2, 4, 1], True, False), ("trailing_dims", (3, 2, 2, 3), [3, 2], False, True),
            ("one_sequence", (4, 1, 2), [3], False, True)]


@pytest.mark.parametrize("shape, lengths, batch_first, enforce_sorted", [p[1:] for p in PACKINGS],
                         ids=[p[0] for p in PACKINGS])
def test_packing_and_padding_match_torch_with_gradients(torch, shape, lengths, batch_first, enforce_sorted):
    x = randn(*shape)
    tx, fx = torch.tensor(x, requires_grad=True), fg.tensor(x, requires_grad=True)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first, enforce_sorted)
    fp = pack_padded_sequence(fx, lengths, batch_first, enforce_sorted)
    _same_packing(fp, tp)
    np.testing.assert_array_equal(_np(fp.data), _np(tp.data))
    total = max(lengths) + 2
    tpad, tlen = torch.nn.utils.rnn.pad_packed_sequence(tp, batch_first, -1.5, total)
    fpad, flen = pad_packed_sequence(fp, batch_first, -1.5, total)
    np.testing.assert_array_equal(_np(fpad), _np(tpad))
    np.testing.assert_array_equal(_np(flen), tlen.numpy())
    assert flen.dtype == np.int64 and fpad.dtype == np.float64
    w = randn(*tpad.shape, seed=1)
    (tpad * torch.tensor(w)).sum().backward()
    (fpad * fg.tensor(w)).sum().backward()
    np.testing.assert_array_equal(fx.grad.numpy(), tx.grad.numpy())  # the padding gets exactly zero


def test_pack_sequence_and_unpack_sequence_match_torch(torch):
    seqs = [randn(2, 3, seed=0), randn(4, 3, seed=1), randn(1, 3, seed=2)]
    tp = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    fs = [fg.tensor(s, requires_grad=True) for s in seqs]
    fp = pack_sequence(fs, enforce_sorted=False)
    _same_packing(fp, tp)
    np.testing.assert_array_equal(_np(fp.data), _np(tp.data))
    back = unpack_sequence(fp)
    assert [b.shape for b in back] == [s.shape for s in seqs]
    for b, s in zip(back, seqs):
        np.testing.assert_array_equal(_np(b), s)
    sum((b * (k + 1)).sum() for k, b in enumerate(back)).backward()
    for k, f in enumerate(fs):
        np.testing.assert_array_equal(f.grad.numpy(), np.full(seqs[k].shape, k + 1.0))


def test_packed_sequence_is_a_named_tuple_that_converts():
    p = pack_sequence([fg.ones(3, 2), fg.ones(1, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert PackedSequence._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert data.shape == (4, 2) and sorted_indices is None and unsorted_indices is None
    assert p.double().data.dtype == np.float64 and p.double().batch_sizes is batch_sizes
    assert p.to(np.float32) is p and not p.is_cuda
    q = PackedSequence(data, batch_sizes, fg.tensor([1, 0]))  # unsorted_indices derived, as torch's
    np.testing.assert_array_equal(_np(q.unsorted_indices), [1, 0])
    perm = fg.tensor([3, 0, 2, 1])
    np.testing.assert_array_equal(_np(perm[invert_permutation(perm)]), np.arange(4))


# --- the recurrent layers on packed batches, against torch -----------------------------------------------------
LAYERS = [("LSTM", (3, 4), {}), ("GRU", (3, 4), {"num_layers": 2}), ("RNN", (3, 4), {"bidirectional": True}),
          ("RNN", (3, 4), {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}),
          ("LSTM", (3, 5), {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
          ("GRU", (3, 4), {"bidirectional": True, "batch_first": True}), ("LSTM", (3, 4), {"bias": False})]


def _packed_case(torch, name, args, kwargs, lengths, enforce_sorted, with_hx):
    tm, fm = _pair(torch, name, args, kwargs)
    batch_first = kwargs.get("batch_first", False)
    steps, batch = max(lengths), len(lengths)
    x = randn(*((batch, steps) if batch_first else (steps, batch)), args[0], seed=3)
    tx, fx = torch.tensor(x, requires_grad=True), fg.tensor(x, requires_grad=True)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first, enforce_sorted)
    fp = pack_padded_sequence(fx, lengths, batch_first, enforce_sorted)
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    out_h = kwargs.get("proj_size") or args[1]
    shapes = [(layers, batch, out_h)] + ([(layers, batch, args[1])] if name == "LSTM" else [])
    states = [randn(*s, seed=10 + k) for k, s in enumerate(shapes)] if with_hx else []
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    fs = [fg.tensor(s, requires_grad=True) for s in states]
    hx = lambda s: None if not s else (tuple(s) if name == "LSTM" else s[0])  # noqa: E731
    (to, th), (fo, fh) = tm(tp, hx(ts)), fm(fp, hx(fs))
    assert isinstance(fo, PackedSequence) and isinstance(fh, tuple) == (name == "LSTM")
    _same_packing(fo, to)
    touts, fouts = [to.data] + _flat(th), [fo.data] + _flat(fh)
    for t, f in zip(touts, fouts):
        assert f.shape == tuple(t.shape)
        np.testing.assert_allclose(_np(f), _np(t), rtol=RTOL, atol=ATOL)
    sum((t * torch.tensor(_weights(tuple(t.shape), k))).sum() for k, t in enumerate(touts)).backward()
    sum((f * fg.tensor(_weights(f.shape, k))).sum() for k, f in enumerate(fouts)).backward()
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg="input")
    for k, (t, f) in enumerate(zip(ts, fs)):
        np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"state {k}")
    fparams = dict(fm.named_parameters())
    for pname, p in tm.named_parameters():
        np.testing.assert_allclose(fparams[pname].grad.numpy(), p.grad.numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=pname)


@pytest.mark.parametrize("name, args, kwargs", LAYERS, ids=[f"{n}-{k}" for n, _, k in LAYERS])
@pytest.mark.parametrize("lengths, enforce_sorted, with_hx", [([5, 3, 3, 1], True, False),
                                                              ([2, 5, 1, 4], False, True)],
                         ids=["sorted-zero_state", "unsorted-hx"])
def test_parity_layers_on_packed_sequences(torch, name, args, kwargs, lengths, enforce_sorted, with_hx):
    _packed_case(torch, name, args, kwargs, lengths, enforce_sorted, with_hx)


# --- without torch: a packed batch is each sequence run on its own ------------------------------------------------
@pytest.mark.parametrize("name, kwargs", [("LSTM", {"bidirectional": True, "num_layers": 2}),
                                          ("GRU", {"bidirectional": True}), ("RNN", {"num_layers": 2})])
def test_packed_batch_equals_each_sequence_alone(name, kwargs):
    fg.manual_seed(0)
    m = getattr(nn, name)(2, 3, **kwargs).double()
    lengths = [3, 1, 4]
    seqs = [fg.tensor(randn(n, 2, seed=n)) for n in lengths]
    out, h = m(pack_sequence(seqs, enforce_sorted=False))
    h = h[0] if name == "LSTM" else h
    padded, got_lengths = pad_packed_sequence(out, batch_first=True)
    np.testing.assert_array_equal(_np(got_lengths), lengths)
    for b, s in enumerate(seqs):
        alone, h_alone = m(s.unsqueeze(1))  # (L, 1, H_in): this sequence, unpadded
        h_alone = h_alone[0] if name == "LSTM" else h_alone
        np.testing.assert_allclose(_np(padded[b, :lengths[b]]), _np(alone[:, 0]), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(_np(h[:, b]), _np(h_alone[:, 0]), rtol=1e-12, atol=1e-14)
        assert not np.any(_np(padded[b, lengths[b]:]))


# --- errors ---------------------------------------------------------------------------------------------------
def test_unsorted_lengths_say_to_pass_enforce_sorted_false():
    with pytest.raises(RuntimeError, match="enforce_sorted=False"):
        pack_padded_sequence(fg.zeros(4, 3, 2), [2, 4, 1])
    with pytest.raises(RuntimeError, match="enforce_sorted=False"):
        pack_sequence([fg.ones(1), fg.ones(2)])


def test_packing_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_padded_sequence(fg.zeros(4, 3, 2), [4, 0, 2], enforce_sorted=False)
    with pytest.raises(RuntimeError, match="equal to batch_size"):
        pack_padded_sequence(fg.zeros(4, 3, 2), [4, 2])
    with pytest.raises(RuntimeError, match="exceeds the padded length 4"):
        pack_padded_sequence(fg.zeros(4, 3, 2), [5, 2, 1])
    with pytest.raises(RuntimeError, match="Cannot pack empty tensors"):
        pack_padded_sequence(fg.zeros(0, 3, 2), [1, 1, 1])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 4"):
        pad_packed_sequence(pack_padded_sequence(fg.zeros(4, 1), [4]), total_length=2)
    with pytest.raises(TypeError, match="PackedSequence"):
        pad_packed_sequence(fg.zeros(4, 1))


def test_lengths_on_a_device_are_refused():
    from funcgrad.backend import get_default_device
    from funcgrad.testing import standin

    prev = get_default_device()
    standin.install()
    try:
        lengths = fg.tensor([3, 1], device="cuda")
        with pytest.raises(RuntimeError, match="1D CPU int64 tensor.*lengths.cpu()"):
            pack_padded_sequence(fg.zeros(3, 2, device="cuda"), lengths)
        p = pack_padded_sequence(fg.zeros(3, 2, 1, device="cuda"), lengths.cpu())
        assert p.data.device.type == "cuda" and p.batch_sizes.device.type == "cpu"
        np.testing.assert_array_equal(_np(pad_packed_sequence(p)[0].cpu()), np.zeros((3, 2, 1)))
        q = pack_sequence([fg.ones(3, 2), fg.ones(1, 2), fg.ones(2, 2)], enforce_sorted=False).cuda()
        assert q.is_cuda and q.sorted_indices.device.type == "cuda" and q.batch_sizes.device.type == "cpu"
        out, h = nn.GRU(2, 3).to("cuda")(q)
        assert out.data.device.type == "cuda" and h.device.type == "cuda" and h.shape == (1, 3, 3)
    finally:  # this module runs on the NumPy backend only (no RUNS_ON_DEVICES): the stand-in is ours to remove
        standin.uninstall()
        fg.set_default_device(prev)


def test_layers_refuse_a_bad_packed_input():
    lstm = nn.LSTM(2, 3)
    with pytest.raises(RuntimeError, match="input_size"):
        lstm(pack_sequence([fg.ones(2, 5)]))
    with pytest.raises(RuntimeError, match="Expected hidden"):
        lstm(pack_sequence([fg.ones(2, 2), fg.ones(1, 2)]), (fg.zeros(1, 3, 3), fg.zeros(1, 3, 3)))
    assert pad_sequence([fg.ones(2)]).shape == (2, 1)
