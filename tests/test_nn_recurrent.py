"""``funcgrad.nn``'s recurrent layers (RNN, LSTM, GRU and their cells) against torch.nn (parity tests skipped where
torch is missing): the same arguments, torch's state dict loaded (the keys must match exactly), then outputs and the
gradients with respect to the input, the initial states and every parameter compared in float64; reprs equal;
PyTorch's errors for bad shapes and arguments; dropout between layers in training only (exact with p=1, the right
statistics with p=0.5, repeatable under ``manual_seed``); and a training loop whose memory stays flat.
"""
import gc
import math
import tracemalloc
import warnings

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn

RTOL, ATOL = 1e-6, 1e-10


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _weights(shape, seed):
    return np.cos(np.arange(int(np.prod(shape))) * 0.7 + seed).reshape(shape)


def _pair(torch, name, args, kwargs):
    """The torch module and the funcgrad one with the same arguments and torch's parameters, in float64."""
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    fm = getattr(nn, name)(*args, **kwargs).double()
    assert list(fm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    result = fm.load_state_dict(tm.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    assert repr(fm) == repr(tm)
    return tm, fm


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _compare(torch, tm, fm, x, states, as_tuple):
    """Run both modules on ``x`` and the initial ``states`` (a list of arrays), compare every output, then the
    gradients of a weighted sum of the outputs with respect to x, the states and the parameters."""
    tx, fx = torch.tensor(x, requires_grad=True), fg.tensor(x, requires_grad=True)
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    fs = [fg.tensor(s, requires_grad=True) for s in states]
    if not states:
        to, fo = tm(tx), fm(fx)
    elif as_tuple:
        to, fo = tm(tx, tuple(ts)), fm(fx, tuple(fs))
    else:
        to, fo = tm(tx, ts[0]), fm(fx, fs[0])
    assert type(fo) is type(to) or not isinstance(to, tuple)
    touts, fouts = _flat(to), _flat(fo)
    assert len(touts) == len(fouts)
    for t, f in zip(touts, fouts):
        assert f.shape == tuple(t.shape)
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=RTOL, atol=ATOL)
    sum((t * torch.tensor(_weights(tuple(t.shape), k))).sum() for k, t in enumerate(touts)).backward()
    sum((f * fg.tensor(_weights(f.shape, k))).sum() for k, f in enumerate(fouts)).backward()
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg="input")
    for k, (t, f) in enumerate(zip(ts, fs)):
        np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"state {k}")
    fparams = dict(fm.named_parameters())
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(fparams[name].grad.numpy(), p.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)


def _sequence_case(torch, name, args, kwargs, seq=5, batch=3, unbatched=False, with_hx=True, seed=0):
    tm, fm = _pair(torch, name, args, kwargs)
    input_size, hidden = args[0], args[1]
    layers = args[2] if len(args) > 2 else kwargs.get("num_layers", 1)
    d = 2 if kwargs.get("bidirectional") else 1
    proj = kwargs.get("proj_size", 0)
    rng = np.random.default_rng(seed)
    if unbatched:
        x = rng.standard_normal((seq, input_size))
    else:
        x = rng.standard_normal((batch, seq, input_size) if kwargs.get("batch_first") else (seq, batch, input_size))
    lead = (layers * d,) if unbatched else (layers * d, batch)
    states = []
    if with_hx:
        states.append(rng.standard_normal(lead + (proj or hidden,)))
        if name == "LSTM":
            states.append(rng.standard_normal(lead + (hidden,)))
    _compare(torch, tm, fm, x, states, as_tuple=name == "LSTM")


_RNN_CASES = [
    ("RNN", (3, 4), {}, {}),
    ("RNN", (3, 4, 2, "relu"), {}, {}),
    ("RNN", (3, 4), {"nonlinearity": "relu", "bidirectional": True, "batch_first": True}, {}),
    ("RNN", (3, 4), {"num_layers": 2, "bias": False}, {"with_hx": False}),
    ("RNN", (3, 4), {"num_layers": 2, "bidirectional": True}, {"unbatched": True}),
    ("LSTM", (3, 5), {}, {}),
    ("LSTM", (3, 5), {"num_layers": 2}, {"with_hx": False}),
    ("LSTM", (3, 5), {"bidirectional": True, "batch_first": True}, {}),
    ("LSTM", (3, 5), {"num_layers": 2, "bidirectional": True, "bias": False}, {}),
    ("LSTM", (3, 5), {"proj_size": 2}, {}),
    ("LSTM", (3, 5), {"proj_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True}, {}),
    ("LSTM", (3, 5), {"proj_size": 2, "num_layers": 2}, {"unbatched": True}),
    ("LSTM", (3, 5), {}, {"unbatched": True, "with_hx": False}),
    ("GRU", (3, 4), {}, {}),
    ("GRU", (3, 4), {"num_layers": 2, "batch_first": True}, {}),
    ("GRU", (3, 4), {"bidirectional": True, "bias": False}, {"with_hx": False}),
    ("GRU", (3, 4), {"num_layers": 2, "bidirectional": True}, {"unbatched": True}),
    ("GRU", (3, 4), {"batch_first": True}, {"unbatched": True}),
    ("LSTM", (3, 5), {"batch_first": True, "bidirectional": True}, {"unbatched": True}),
]


@pytest.mark.parametrize("name,args,kwargs,case", _RNN_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(_RNN_CASES)])
def test_parity_sequence_layers(torch, name, args, kwargs, case):
    _sequence_case(torch, name, args, kwargs, **case)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_parity_backward_through_long_sequences(torch, name):
    _sequence_case(torch, name, (2, 3), {"num_layers": 2}, seq=40, batch=2)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_parity_eval_mode_skips_dropout(torch, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, fm = _pair(torch, name, (3, 4), {"num_layers": 3, "dropout": 0.5})
    tm.eval(), fm.eval()
    x = np.random.default_rng(1).standard_normal((6, 2, 3))
    _compare(torch, tm, fm, x, [], as_tuple=False)


_CELL_CASES = [
    ("RNNCell", (3, 4), {}, True, True),
    ("RNNCell", (3, 4), {"nonlinearity": "relu", "bias": False}, True, False),
    ("RNNCell", (3, 4), {}, False, True),
    ("LSTMCell", (3, 4), {}, True, True),
    ("LSTMCell", (3, 4), {"bias": False}, True, False),
    ("LSTMCell", (3, 4), {}, False, True),
    ("GRUCell", (3, 4), {}, True, True),
    ("GRUCell", (3, 4), {"bias": False}, False, False),
]


@pytest.mark.parametrize("name,args,kwargs,batched,with_hx", _CELL_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(_CELL_CASES)])
def test_parity_cells(torch, name, args, kwargs, batched, with_hx):
    tm, fm = _pair(torch, name, args, kwargs)
    rng = np.random.default_rng(2)
    lead = (5,) if batched else ()
    x = rng.standard_normal(lead + (args[0],))
    states = [rng.standard_normal(lead + (args[1],)) for _ in range(2 if name == "LSTMCell" else 1)] if with_hx else []
    _compare(torch, tm, fm, x, states, as_tuple=name == "LSTMCell")


def test_parity_reprs(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, args, kwargs in [("RNN", (3, 4, 2, "relu"), {}), ("GRU", (3, 4), {"dropout": 0.25}),
                                   ("LSTM", (3, 4), {"proj_size": 2, "num_layers": 2, "bias": False,
                                                     "batch_first": True, "dropout": 0.5, "bidirectional": True}),
                                   ("RNNCell", (3, 4), {"nonlinearity": "relu", "bias": False}),
                                   ("LSTMCell", (2, 3), {}), ("GRUCell", (2, 3), {"bias": False})]:
            assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


def test_initialisation_range_and_seed():
    for cls in (nn.RNN, nn.LSTM, nn.GRU, nn.RNNCell, nn.LSTMCell, nn.GRUCell):
        fg.manual_seed(3)
        a = cls(5, 16)
        fg.manual_seed(3)
        b = cls(5, 16)
        for (name, p), q in zip(a.named_parameters(), b.parameters()):
            v = p.detach().numpy()
            assert np.all(np.abs(v) <= 0.25) and v.std() > 0.05, name
            assert np.array_equal(v, q.detach().numpy()), name


def test_layer_attributes():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    assert [[tuple(p.shape) for p in ws] for ws in lstm.all_weights][2] == [(20, 4), (20, 2), (20,), (20,), (2, 5)]
    assert lstm._flat_weights_names[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    lstm.flatten_parameters()
    assert nn.RNN(2, 3, 1, "relu").nonlinearity == "relu"
    assert isinstance(nn.GRU(2, 3), nn.RNNBase) and isinstance(nn.GRUCell(2, 3), nn.RNNCellBase)


def test_dropout_between_layers_is_exact_with_p_one():
    fg.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        two = nn.LSTM(3, 4, num_layers=2, dropout=1.0)
    one = nn.LSTM(4, 4)
    one.load_state_dict({k.replace("_l1", "_l0"): v for k, v in two.state_dict().items() if "_l1" in k})
    x = fg.randn(5, 2, 3)
    out, (h, c) = two(x)
    ref, (h1, c1) = one(fg.zeros(5, 2, 4))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(h[1].detach().numpy(), h1[0].detach().numpy(), rtol=1e-6)
    two.eval()
    assert not np.allclose(two(x)[0].detach().numpy(), ref.detach().numpy())


def test_dropout_statistics_and_determinism():
    # layer 2 is the identity on relu(layer 1) (nonnegative), so in training it shows the dropout mask itself
    p, hidden = 0.5, 64
    rnn = nn.RNN(3, hidden, 2, "relu", dropout=p).double()
    with fg.no_grad():
        rnn.weight_ih_l1.copy_(fg.eye(hidden, dtype=fg.float64))
        rnn.weight_hh_l1.zero_(), rnn.bias_ih_l1.zero_(), rnn.bias_hh_l1.zero_()
    x = fg.randn(20, 8, 3, dtype=fg.float64)
    ref = rnn.eval()(x)[0].detach().numpy()
    rnn.train()
    fg.manual_seed(7)
    a = rnn(x)[0].detach().numpy()
    fg.manual_seed(7)
    b = rnn(x)[0].detach().numpy()
    assert np.array_equal(a, b)
    live = ref > 1e-3
    ratio = a[live] / ref[live]
    assert np.all(np.isclose(ratio, 0.0) | np.isclose(ratio, 1.0 / (1 - p)))
    assert abs(np.isclose(ratio, 0.0).mean() - p) < 0.05
    assert not np.array_equal(rnn(x)[0].detach().numpy(), a)  # a fresh draw


def test_constructor_errors():
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="only supported for LSTM"):
        nn.GRU(2, 3, proj_size=1)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(2, 3, proj_size=3)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(2, 3, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.GRU(2, 0)
    with pytest.raises(TypeError, match="input_size should be of type int"):
        nn.RNN(2.0, 3)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(2, 3, dropout=0.2)


def test_forward_errors_name_the_layer_and_shapes():
    lstm, gru = nn.LSTM(3, 4, num_layers=2), nn.GRU(3, 4)
    with pytest.raises(ValueError, match=r"LSTM: Expected input to be 2D or 3D, got 4D .*\(1, 2, 3, 3\)"):
        lstm(fg.ones(1, 2, 3, 3))
    with pytest.raises(RuntimeError, match=r"GRU: input.size\(-1\) must be equal to input_size. Expected 3, got 5"):
        gru(fg.ones(2, 2, 5))
    with pytest.raises(RuntimeError, match=r"GRU: Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]"):
        gru(fg.ones(5, 2, 3), fg.zeros(1, 3, 4))
    with pytest.raises(RuntimeError, match=r"LSTM: Expected hidden\[1\] size \(2, 2, 4\), got \[2, 2, 3\]"):
        lstm(fg.ones(5, 2, 3), (fg.zeros(2, 2, 4), fg.zeros(2, 2, 3)))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D"):
        gru(fg.ones(5, 3), fg.zeros(1, 1, 4))
    with pytest.raises(RuntimeError, match=r"LSTM: hx must be a pair"):
        lstm(fg.ones(5, 2, 3), fg.zeros(2, 2, 4))
    with pytest.raises(ValueError, match=r"input dtype \((torch\.)?float64\) does not match weight dtype \((torch\.)?float32\)"):
        gru(fg.ones(5, 2, 3, dtype=fg.float64))
    with pytest.raises(RuntimeError, match=r"LSTMCell: input has inconsistent input_size: got 2 expected 3"):
        nn.LSTMCell(3, 4)(fg.ones(5, 2))
    with pytest.raises(ValueError, match=r"GRUCell: Expected input to be 1D or 2D, got 3D"):
        nn.GRUCell(3, 4)(fg.ones(1, 5, 3))
    with pytest.raises(RuntimeError, match=r"RNNCell: hidden state 0 has shape \(5, 3\), expected \(5, 4\)"):
        nn.RNNCell(3, 4)(fg.ones(5, 3), fg.zeros(5, 3))


def test_training_memory_stays_flat():
    """500 training steps of a small LSTM (seq 16, batch 4, hidden 16) with SGD under no_grad: after warm-up the
    traced memory grows by less than 1 MB, so every step's graph is freed by its backward pass."""
    fg.manual_seed(0)
    model = nn.LSTM(8, 16)
    x, y = fg.randn(16, 4, 8), fg.randn(16, 4, 16)

    def step():
        out, _ = model(x)
        loss = ((out - y) ** 2).mean()
        loss.backward()
        with fg.no_grad():
            for p in model.parameters():
                p -= 0.05 * p.grad
                p.grad = None
        return float(loss)

    first = [step() for _ in range(100)][0]
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(400):
            last = step()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert grown < 1_000_000, f"memory grew by {grown} bytes over 400 steps"
    assert last < first and math.isfinite(last)
