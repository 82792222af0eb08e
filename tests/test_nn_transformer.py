"""``funcgrad.nn``'s attention and transformer layers against torch.nn (parity tests skipped where torch is
missing): ``MultiheadAttention``, ``TransformerEncoderLayer``, ``TransformerEncoder``, ``TransformerDecoderLayer``,
``TransformerDecoder`` and ``Transformer`` built with the same arguments, torch's state dict loaded (keys must match
exactly), then outputs, attention weights and the gradients with respect to the inputs and every parameter compared
in float64 over layouts (batch_first, unbatched), projections (kdim/vdim, bias_k/bias_v, zero attention, no bias),
masks (bool and float attn_mask, key_padding_mask, is_causal), need_weights/average_attn_weights, norm_first,
gelu and callable activations and eval mode; reprs equal; dropout in training only, repeatable under
``manual_seed``; PyTorch's errors for bad shapes.
"""
import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn
import funcgrad.nn.functional as F

RTOL, ATOL = 1e-6, 1e-10
pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),  # torch's, about its fast path
              pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")]  # bool with a float mask


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _weights(shape, seed):
    return np.sin(np.arange(int(np.prod(shape))) * 0.9 + seed).reshape(shape)


def _pair(torch, name, *args, **kwargs):
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    fm = getattr(nn, name)(*args, **kwargs).double()
    return _load(tm, fm)


def _load(tm, fm):
    assert list(fm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in fm.named_modules()] == [n for n, _ in tm.named_modules()]
    result = fm.load_state_dict(tm.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    assert repr(fm) == repr(tm)
    return tm, fm


def _compare(torch, tm, fm, arrays, call, masks=None):
    """``call(module, tensors, masks)`` on both sides; every output and the gradients of a weighted sum of them
    with respect to the arrays and every parameter agree."""
    masks = masks or {}
    tx = [torch.tensor(a, requires_grad=True) for a in arrays]
    fx = [fg.tensor(a, requires_grad=True) for a in arrays]
    to = call(tm, tx, {k: torch.tensor(v) for k, v in masks.items()})
    fo = call(fm, fx, {k: fg.tensor(v) for k, v in masks.items()})
    to, fo = (to if isinstance(to, tuple) else (to,)), (fo if isinstance(fo, tuple) else (fo,))
    assert [o is None for o in fo] == [o is None for o in to]
    to, fo = [o for o in to if o is not None], [o for o in fo if o is not None]
    for t, f in zip(to, fo):
        assert f.shape == tuple(t.shape)
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=RTOL, atol=ATOL)
    sum((t * torch.tensor(_weights(tuple(t.shape), k))).sum() for k, t in enumerate(to)).backward()
    sum((f * fg.tensor(_weights(f.shape, k))).sum() for k, f in enumerate(fo)).backward()
    for k, (t, f) in enumerate(zip(tx, fx)):
        if t.grad is None:
            assert f.grad is None or not np.any(f.grad.numpy()), f"input {k}"
        else:
            np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"input {k}")
    fparams = dict(fm.named_parameters())
    for name, p in tm.named_parameters():
        if p.grad is None:
            assert fparams[name].grad is None or not np.any(fparams[name].grad.numpy()), name
        else:
            np.testing.assert_allclose(fparams[name].grad.numpy(), p.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=name)


# --- MultiheadAttention ----------------------------------------------------------------------------------------
L, S, N, E, H = 4, 5, 2, 6, 3
_causal = np.triu(np.full((L, L), -np.inf), 1)
_kpm = np.array([[False, True, False, False, False], [False, False, False, False, True]])
_bool_mask = np.triu(np.ones((L, S), bool), 2)
_MHA_CASES = [
    # (module kwargs, forward kwargs, masks, self-attention, batched)
    ({}, {}, {}, False, True),
    ({}, {"average_attn_weights": False}, {}, True, True),
    ({"batch_first": True, "kdim": 4, "vdim": 3}, {}, {}, False, True),
    ({"add_bias_kv": True, "add_zero_attn": True}, {}, {"key_padding_mask": _kpm}, False, True),
    ({"bias": False}, {"need_weights": False}, {}, False, True),
    ({}, {}, {"attn_mask": _bool_mask, "key_padding_mask": _kpm}, False, True),
    ({}, {"need_weights": False}, {"attn_mask": _bool_mask, "key_padding_mask": _kpm}, False, True),
    ({"add_bias_kv": True}, {}, {"attn_mask": np.cos(np.arange(N * H * L * S)).reshape(N * H, L, S)}, False, True),
    ({}, {"need_weights": False}, {"attn_mask": np.cos(np.arange(L * S)).reshape(L, S),
                                   "key_padding_mask": np.where(_kpm, -2.0, 0.5)}, False, True),
    ({"batch_first": True}, {"is_causal": True}, {"attn_mask": _causal}, True, True),
    ({"batch_first": True}, {"is_causal": True, "need_weights": False}, {"attn_mask": _causal}, True, True),
    ({"batch_first": True}, {"is_causal": True, "need_weights": False},
     {"attn_mask": _causal, "key_padding_mask": _kpm[:, :L]}, True, True),
    ({"kdim": 4, "vdim": 4}, {"average_attn_weights": False}, {"key_padding_mask": _kpm[0]}, False, False),
    ({"add_zero_attn": True}, {"need_weights": False}, {"attn_mask": np.stack([_bool_mask] * H)}, False, False),
    ({"dropout": 0.5, "eval": True}, {}, {}, True, False),
]


@pytest.mark.parametrize("kwargs,fkwargs,masks,self_attn,batched", _MHA_CASES,
                         ids=[f"mha-{i}" for i in range(len(_MHA_CASES))])
def test_parity_multihead_attention(torch, kwargs, fkwargs, masks, self_attn, batched):
    kwargs = dict(kwargs)
    evaluate = kwargs.pop("eval", False)
    tm, fm = _pair(torch, "MultiheadAttention", E, H, **kwargs)
    if evaluate:
        tm.eval(), fm.eval()
    bf = kwargs.get("batch_first", False)
    kd, vd = kwargs.get("kdim", E), kwargs.get("vdim", E)
    rng = np.random.default_rng(0)

    def shape(t, d):
        return ((N, t, d) if bf else (t, N, d)) if batched else (t, d)
    if self_attn:
        arrays = [rng.standard_normal(shape(L, E))]
        call = lambda m, x, mk: m(x[0], x[0], x[0], **mk, **fkwargs)  # noqa: E731 (the same tensor: packed path)
    else:
        arrays = [rng.standard_normal(shape(L, E)), rng.standard_normal(shape(S, kd)),
                  rng.standard_normal(shape(S, vd))]
        call = lambda m, x, mk: m(*x, **mk, **fkwargs)  # noqa: E731
    _compare(torch, tm, fm, arrays, call, masks)


def test_parity_multihead_attention_parameters_and_repr(torch):
    for kwargs in ({}, {"kdim": 2, "vdim": 3, "bias": False}, {"add_bias_kv": True}):
        t, f = torch.nn.MultiheadAttention(4, 2, **kwargs), nn.MultiheadAttention(4, 2, **kwargs)
        assert repr(f) == repr(t)
        assert [(n, tuple(p.shape)) for n, p in f.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in t.named_parameters()]
        for (n, p), (_, q) in zip(f.named_parameters(), t.named_parameters()):  # the initial distributions
            if n.endswith("bias") and "bias_" not in n:
                assert not np.any(p.detach().numpy()), n
            elif n != "out_proj.weight" and "bias_" not in n:
                bound = float(np.sqrt(6.0 / sum(q.shape[:2])))
                assert np.all(np.abs(p.detach().numpy()) <= bound + 1e-7), n


def test_multihead_attention_dropout_in_training_only():
    p = 0.5
    mha = nn.MultiheadAttention(8, 2, dropout=p).double()
    x = fg.randn(10, 4, 8, dtype=fg.float64)
    ref = mha.eval()(x, x, x, average_attn_weights=False)[1].detach().numpy()
    mha.train()
    fg.manual_seed(11)
    out_a, w_a = mha(x, x, x, average_attn_weights=False)
    fg.manual_seed(11)
    out_b, w_b = mha(x, x, x, average_attn_weights=False)
    assert np.array_equal(out_a.detach().numpy(), out_b.detach().numpy())
    ratio = w_a.detach().numpy() / ref
    dropped = np.isclose(ratio, 0.0)
    assert np.all(dropped | np.isclose(ratio, 1.0 / (1 - p)))
    assert abs(dropped.mean() - p) < 0.05
    fg.manual_seed(12)
    assert not np.array_equal(mha(x, x, x, need_weights=False)[0].detach().numpy(), out_a.detach().numpy())


def test_multihead_attention_errors():
    mha = nn.MultiheadAttention(4, 2)
    q = fg.ones(3, 2, 4)
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match=r"query should be unbatched 2D or batched 3D tensor but received 4-D"):
        mha(fg.ones(1, 3, 2, 4), q, q)
    with pytest.raises(ValueError, match=r"MultiheadAttention: was expecting embedding dimension of 4, but got 5"):
        mha(fg.ones(3, 2, 5), q, q)
    with pytest.raises(ValueError, match=r"expected `key` and `value` to be 3-D but found 2-D"):
        mha(q, fg.ones(3, 4), fg.ones(3, 4))
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \(3, 4\), but should be \(3, 3\)"):
        mha(q, q, q, attn_mask=fg.zeros(3, 4))
    with pytest.raises(RuntimeError, match=r"expected key_padding_mask of shape \(2, 3\)"):
        mha(q, q, q, key_padding_mask=fg.zeros(2, 4, dtype=fg.bool))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(q, q, q, is_causal=True)
    with pytest.raises(TypeError, match="only bool and floating types of attn_mask"):
        mha(q, q, q, attn_mask=fg.zeros(3, 3, dtype=fg.int64))


# --- transformer layers --------------------------------------------------------------------------------------------
D, FF = 4, 8
_LAYER_KW = [
    {},
    {"norm_first": True, "activation": "gelu"},
    {"batch_first": True, "bias": False},
    {"batch_first": True, "norm_first": True, "activation": "callable", "layer_norm_eps": 1e-3},
    {"dropout": 0.3, "eval": True},
]


def _layer_kwargs(torch, kw, side):
    kw = dict(kw)
    kw.pop("eval", None)
    if kw.get("activation") == "callable":
        kw["activation"] = torch.nn.functional.silu if side == "torch" else F.silu
    kw.setdefault("dropout", 0.0)
    return kw


def _build(torch, name, kw, *args):
    tm = getattr(torch.nn, name)(D, 2, FF, *args, **_layer_kwargs(torch, kw, "torch")).double()
    fm = getattr(nn, name)(D, 2, FF, *args, **_layer_kwargs(torch, kw, "funcgrad")).double()
    if kw.get("eval"):
        tm.eval(), fm.eval()
    return _load(tm, fm)


def _seq(rng, kw, t, unbatched=False):
    return rng.standard_normal((t, D) if unbatched else (N, t, D) if kw.get("batch_first") else (t, N, D))


@pytest.mark.parametrize("kw", _LAYER_KW, ids=[f"enc-{i}" for i in range(len(_LAYER_KW))])
def test_parity_encoder_layer(torch, kw):
    tm, fm = _build(torch, "TransformerEncoderLayer", kw)
    rng = np.random.default_rng(1)
    x = _seq(rng, kw, S)
    _compare(torch, tm, fm, [x], lambda m, a, mk: m(a[0], **mk))
    _compare(torch, tm, fm, [x], lambda m, a, mk: m(a[0], **mk), {"src_key_padding_mask": _kpm})
    causal = np.triu(np.full((S, S), -np.inf), 1)
    _compare(torch, tm, fm, [x], lambda m, a, mk: m(a[0], is_causal=True, **mk), {"src_mask": causal})
    _compare(torch, tm, fm, [x], lambda m, a, mk: m(a[0], **mk),
             {"src_mask": np.tril(np.ones((S, S), bool), -2), "src_key_padding_mask": _kpm})
    _compare(torch, tm, fm, [_seq(rng, kw, S, unbatched=True)], lambda m, a, mk: m(a[0], **mk),
             {"src_key_padding_mask": _kpm[0]})


@pytest.mark.parametrize("kw", _LAYER_KW, ids=[f"dec-{i}" for i in range(len(_LAYER_KW))])
def test_parity_decoder_layer(torch, kw):
    tm, fm = _build(torch, "TransformerDecoderLayer", kw)
    rng = np.random.default_rng(2)
    tgt, mem = _seq(rng, kw, L), _seq(rng, kw, S)
    causal = np.triu(np.full((L, L), -np.inf), 1)
    _compare(torch, tm, fm, [tgt, mem], lambda m, a, mk: m(*a, **mk))
    _compare(torch, tm, fm, [tgt, mem], lambda m, a, mk: m(*a, tgt_is_causal=True, **mk),
             {"tgt_mask": causal, "memory_key_padding_mask": _kpm})
    _compare(torch, tm, fm, [tgt, mem], lambda m, a, mk: m(*a, **mk),
             {"tgt_mask": np.triu(np.ones((L, L), bool), 1), "memory_mask": _bool_mask,
              "tgt_key_padding_mask": _kpm[:, :L]})
    _compare(torch, tm, fm, [_seq(rng, kw, L, True), _seq(rng, kw, S, True)], lambda m, a, mk: m(*a, **mk),
             {"tgt_mask": causal})


@pytest.mark.parametrize("kw", [_LAYER_KW[0], _LAYER_KW[1], _LAYER_KW[2]], ids=["post", "pre-gelu", "bf-nobias"])
def test_parity_encoder_and_decoder_stacks(torch, kw):
    rng = np.random.default_rng(3)
    tl, fl = (getattr(mod, "TransformerEncoderLayer")(D, 2, FF, **_layer_kwargs(torch, kw, side))
              for mod, side in ((torch.nn, "torch"), (nn, "funcgrad")))
    tn, fn = torch.nn.LayerNorm(D), nn.LayerNorm(D)
    tm, fm = _load(torch.nn.TransformerEncoder(tl, 3, norm=tn).double(), nn.TransformerEncoder(fl, 3, norm=fn).double())
    x = _seq(rng, kw, S)
    causal = np.triu(np.full((S, S), -np.inf), 1)
    _compare(torch, tm, fm, [x], lambda m, a, mk: m(a[0], **mk), {"mask": causal})  # detected causal
    _compare(torch, tm, fm, [x], lambda m, a, mk: m(a[0], **mk), {"src_key_padding_mask": _kpm})
    tl, fl = (getattr(mod, "TransformerDecoderLayer")(D, 2, FF, **_layer_kwargs(torch, kw, side))
              for mod, side in ((torch.nn, "torch"), (nn, "funcgrad")))
    tm, fm = _load(torch.nn.TransformerDecoder(tl, 2).double(), nn.TransformerDecoder(fl, 2).double())
    _compare(torch, tm, fm, [_seq(rng, kw, L), x], lambda m, a, mk: m(*a, **mk),
             {"tgt_mask": np.triu(np.full((L, L), -np.inf), 1), "memory_key_padding_mask": _kpm})
    assert fm.layers[0].linear1.weight is not fm.layers[1].linear1.weight  # deep copies


@pytest.mark.parametrize("kw", [{}, {"batch_first": True, "norm_first": True, "activation": "gelu"},
                                {"bias": False, "dropout": 0.2, "eval": True}], ids=["post", "pre", "eval"])
def test_parity_transformer(torch, kw):
    targs = dict(d_model=D, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=FF)
    tm = torch.nn.Transformer(**targs, **_layer_kwargs(torch, kw, "torch")).double()
    fm = nn.Transformer(**targs, **_layer_kwargs(torch, kw, "funcgrad")).double()
    if kw.get("eval"):
        tm.eval(), fm.eval()
    _load(tm, fm)
    rng = np.random.default_rng(4)
    src, tgt = _seq(rng, kw, S), _seq(rng, kw, L)
    tmask = {"tgt_mask": np.triu(np.full((L, L), -np.inf), 1)}
    _compare(torch, tm, fm, [src, tgt], lambda m, a, mk: m(*a, **mk), tmask)
    _compare(torch, tm, fm, [src, tgt], lambda m, a, mk: m(*a, **mk),
             dict(tmask, src_key_padding_mask=_kpm, memory_key_padding_mask=_kpm, tgt_key_padding_mask=_kpm[:, :L]))
    _compare(torch, tm, fm, [_seq(rng, kw, S, True), _seq(rng, kw, L, True)], lambda m, a, mk: m(*a, **mk), tmask)


def test_parity_reprs_and_masks(torch):
    t = torch.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16,
                             activation="gelu", bias=False)
    f = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16,
                       activation="gelu", bias=False)
    assert repr(f) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in f.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    tl = torch.nn.TransformerEncoderLayer(4, 2, 8, activation=torch.nn.GELU())
    fl = nn.TransformerEncoderLayer(4, 2, 8, activation=nn.GELU())
    assert repr(fl) == repr(tl) and fl.activation_relu_or_gelu == tl.activation_relu_or_gelu == 2
    for sz in (1, 4):
        np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(sz).numpy(),
                                      torch.nn.Transformer.generate_square_subsequent_mask(sz).numpy())
    m = nn.Transformer.generate_square_subsequent_mask(3, dtype=fg.float64)
    assert m.dtype == np.float64 and m.shape == (3, 3)


def test_transformer_initialisation_and_attributes():
    fg.manual_seed(0)
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
    assert (model.d_model, model.nhead, model.batch_first) == (8, 2, False)
    for name, p in model.named_parameters():
        v = p.detach().numpy()
        if v.ndim > 1:
            assert np.all(np.abs(v) <= np.sqrt(6.0 / sum(v.shape)) + 1e-7) and v.std() > 0, name
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, enable_nested_tensor=False)
    assert enc.enable_nested_tensor is False and enc.use_nested_tensor is False
    assert nn.TransformerEncoderLayer(8, 2, activation="gelu").activation is F.gelu


def test_transformer_dropout_in_training_only():
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
                           dropout=0.3, batch_first=True)
    src, tgt = fg.randn(2, 5, 8), fg.randn(2, 3, 8)
    fg.manual_seed(5)
    a = model(src, tgt).detach().numpy()
    fg.manual_seed(5)
    b = model(src, tgt).detach().numpy()
    assert np.array_equal(a, b)
    assert not np.array_equal(model(src, tgt).detach().numpy(), a)
    model.eval()
    np.testing.assert_array_equal(model(src, tgt).detach().numpy(), model(src, tgt).detach().numpy())
    model.train()
    loss = (model(src, tgt) ** 2).mean()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_transformer_errors():
    model = nn.Transformer(d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8)
    with pytest.raises(RuntimeError, match=r"the batch number of src and tgt must be equal"):
        model(fg.ones(5, 2, 4), fg.ones(3, 3, 4))
    with pytest.raises(RuntimeError, match=r"the feature number of src and tgt must be equal to d_model \(4\)"):
        model(fg.ones(5, 2, 4), fg.ones(3, 2, 6))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: expected src of shape .* got \(5, 2, 3\)"):
        nn.TransformerEncoderLayer(4, 2, 8)(fg.ones(5, 2, 3))
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer: expected memory of shape .* got \(2, 3, 4, 1\)"):
        nn.TransformerDecoderLayer(4, 2, 8)(fg.ones(5, 2, 4), fg.ones(2, 3, 4, 1))
