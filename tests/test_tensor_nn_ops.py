"""The torch-named neural-network functions (activations, dropout, losses, normalisation, embeddings, convolution,
pooling, RNN cells) against PyTorch in float64, values and gradients, plus finite-difference checks (second order
for convolutions) and error messages that need no PyTorch."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

NNF = fg.tensors.activations.NN_FUNCTIONAL


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _rng(seed=0):
    return np.random.default_rng(seed)


class const:  # noqa: N801 - an input passed as a tensor that does not require grad
    def __init__(self, value):
        self.value = np.asarray(value)


def _inputs(lib, arrays):
    out = []
    for a in arrays:
        if isinstance(a, const):
            out.append(lib.tensor(a.value))
        elif isinstance(a, np.ndarray):
            t = lib.tensor(a)
            if a.dtype.kind == "f":
                t.requires_grad_(True)
            out.append(t)
        else:
            out.append(a)
    return out


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def parity(torch, f, *arrays, rtol=1e-7, atol=1e-9, grad=True):
    """Run ``f(lib, *tensors)`` with lib = funcgrad and lib = torch on the same float64 data; compare the outputs
    and, through a random cotangent, the gradients of every floating input."""
    fi, ti = _inputs(fg, arrays), _inputs(torch, arrays)
    fo, to = _flat(f(fg, *fi)), _flat(f(torch, *ti))
    assert len(fo) == len(to)
    for a, b in zip(fo, to):
        assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
    if not grad:
        return
    rng = _rng(1)
    floats = [(a, b) for a, b in zip(fo, to) if b.dtype.is_floating_point and b.requires_grad]
    if not floats:
        return
    assert all(a.requires_grad for a, _ in floats), "a funcgrad output has no graph where PyTorch's has one"
    cot = [rng.standard_normal(tuple(b.shape)) for _, b in floats]
    fnp.sum(fnp.stack([fnp.sum(a * c) for (a, _), c in zip(floats, cot)])).backward()
    sum((b * torch.tensor(c)).sum() for (_, b), c in zip(floats, cot)).backward()
    for x, y in zip(fi, ti):
        if isinstance(y, torch.Tensor) and y.requires_grad:
            gy = np.zeros(tuple(y.shape)) if y.grad is None else y.grad.numpy()
            gx = np.zeros(tuple(y.shape)) if x.grad is None else x.grad.numpy()
            np.testing.assert_allclose(gx, gy, rtol=rtol, atol=atol)


def F(lib, name):
    return NNF[name] if lib is fg else getattr(lib.nn.functional, name)


def randn(*shape, seed=0):
    return _rng(seed).standard_normal(shape)


def test_new_names_do_not_shadow_other_funcgrad_names():
    T = fg.tensors
    mods = [T.activations, T.embedding, T.losses, T.normalization, T.conv, T.pooling]
    names = [n for m in mods for n in m.__all__]
    assert len(names) == len(set(names))
    for m in mods:
        for n in m.__all__:
            assert getattr(fg, n) is getattr(m, n), n
    import sys
    # nn.functional re-exports them by design; funcgrad.scipy mirrors SciPy's names (scipy.special.kl_div is not the
    # loss), and the primitive families' names reach funcgrad.numpy, which is checked
    others = [m for name, m in list(sys.modules.items()) if name.startswith("funcgrad.") and m not in mods
              and not name.startswith(("funcgrad.nn", "funcgrad.scipy", "funcgrad.primitives"))]
    clashes = {m.__name__: sorted(set(names) & set(getattr(m, "__all__", ()))) for m in others}
    assert not {k: v for k, v in clashes.items() if v}


# --- activations -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    lambda L, x: L.celu(x), lambda L, x: L.celu(x, 0.5), lambda L, x: L.selu(x),
    lambda L, x: L.hardshrink(x), lambda L, x: L.hardshrink(x, 1.2), lambda L, x: L.threshold(x, 0.3, -2.0),
    lambda L, x: L.rrelu(x, 0.1, 0.3), lambda L, x: F(L, "celu")(x, alpha=2.0),
    lambda L, x: F(L, "threshold")(x, 0.1, 5.0), lambda L, x: F(L, "rrelu")(x, 0.2, 0.4, training=False),
])
def test_activations(torch, expr):
    parity(torch, expr, randn(4, 5) * 2)


def test_prelu_per_channel_and_shared(torch):
    parity(torch, lambda L, x, w: L.prelu(x, w), randn(3, 4, 5), randn(4, seed=1))
    parity(torch, lambda L, x, w: L.prelu(x, w), randn(3, 4), randn(1, seed=1))


def test_inplace_activations_rebind(torch):
    x = fg.tensor(randn(6))
    y = fg.celu_(x)
    assert y is x
    np.testing.assert_allclose(x.numpy(), torch.celu(torch.tensor(randn(6))).numpy())
    w = fg.tensor(randn(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="selu_"):
        fg.selu_(w)
    v = fg.tensor(randn(5))
    assert NNF["dropout"](v, 0.5, True, inplace=True) is v and NNF["celu"](v, inplace=True) is v
    z = w * 1.0
    fg.threshold_(z, 0.0, 0.0)
    fnp.sum(z).backward()
    np.testing.assert_array_equal(w.grad.numpy(), (randn(3) > 0).astype(float))


# --- dropout -----------------------------------------------------------------------------------------------------
def test_dropout_masks_and_scales():
    fg.manual_seed(0)
    x = fg.tensor(np.ones(4000) * 3.0, requires_grad=True)
    y = fg.dropout(x, 0.25, True)
    vals = y.detach().numpy()
    assert set(np.unique(vals)) <= {0.0, 4.0}
    assert abs((vals == 0).mean() - 0.25) < 0.03
    fnp.sum(y).backward()
    np.testing.assert_array_equal(x.grad.numpy(), (vals != 0) / 0.75)
    assert fg.dropout(x, 0.5, False) is not None and np.all(fg.dropout(x, 0.5, False).detach().numpy() == 3.0)
    assert np.all(fg.dropout(x, 1.0, True).detach().numpy() == 0)
    assert np.all(NNF["dropout"](x, 0.0).detach().numpy() == 3.0)


def test_feature_dropout_drops_whole_channels():
    fg.manual_seed(1)
    y = fg.feature_dropout(fg.ones(8, 16, 3, 3), 0.5, True).numpy()
    per_channel = y.reshape(8, 16, -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))
    assert set(np.unique(y)) == {0.0, 2.0}
    y2 = NNF["dropout2d"](fg.ones(16, 3, 3), 0.5).numpy()  # unbatched (C, H, W)
    assert np.all(y2.reshape(16, -1).min(-1) == y2.reshape(16, -1).max(-1))


def test_alpha_dropout_keeps_selu_statistics():
    fg.manual_seed(2)
    x = fg.selu(fg.tensor(randn(200000)))
    for f in (lambda t: fg.alpha_dropout(t, 0.2, True), lambda t: NNF["alpha_dropout"](t, 0.2, True)):
        y = f(x).numpy()
        assert abs(y.mean() - x.numpy().mean()) < 0.02 and abs(y.std() - x.numpy().std()) < 0.02
    y = fg.feature_alpha_dropout(fg.ones(50, 40, 6), 0.5, True).numpy()
    assert np.all(y.min(-1) == y.max(-1)) and len(np.unique(y)) == 2


def test_rrelu_training_draws_slopes_in_range():
    fg.manual_seed(3)
    x = fg.tensor(-np.ones(1000), requires_grad=True)
    y = fg.rrelu(x, 0.1, 0.3, training=True)
    fnp.sum(y).backward()
    s = x.grad.numpy()
    assert s.min() >= 0.1 and s.max() <= 0.3 and s.std() > 0.03
    np.testing.assert_allclose(y.detach().numpy(), -s)


# --- distances and losses ----------------------------------------------------------------------------------------
def test_distances(torch):
    a, b = randn(5, 4), randn(5, 4, seed=1)
    parity(torch, lambda L, x, y: L.cosine_similarity(x, y), a, b)
    parity(torch, lambda L, x, y: L.cosine_similarity(x, y, dim=0, eps=1e-3), a, randn(1, 4, seed=2))
    parity(torch, lambda L, x, y: L.cosine_similarity(x, y), np.zeros((2, 3)), randn(2, 3))
    for p in (1.0, 2.0, 3.0):
        parity(torch, lambda L, x, y: L.pairwise_distance(x, y, p), a, b)
        parity(torch, lambda L, x: L.pdist(x, p), a)
    parity(torch, lambda L, x, y: L.pairwise_distance(x, y, keepdim=True, eps=0.1), a, b)
    parity(torch, lambda L, x, y: L.cdist(x, y), a, b)
    parity(torch, lambda L, x: L.pdist(x), np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]]))  # a zero distance


@pytest.mark.parametrize("red", [0, 1, 2])
def test_losses_top_level(torch, red):
    x, y = randn(4, 3), randn(4, 3, seed=1)
    p = np.abs(randn(4, 3, seed=2)) + 0.1
    sign = np.where(randn(4, seed=3) > 0, 1.0, -1.0)
    parity(torch, lambda L, i, t: L.kl_div(i, t, red), np.log(p), p[::-1].copy())
    parity(torch, lambda L, i, t: L.kl_div(i, t, red, log_target=True), x, y)
    parity(torch, lambda L, i, t, w, pw: L.binary_cross_entropy_with_logits(i, t, w, pw, red), x * 3,
           np.abs(np.tanh(y)), const(np.abs(randn(4, 3, seed=4))), const(np.abs(randn(3, seed=5))))
    parity(torch, lambda L, i, t: L.binary_cross_entropy_with_logits(i, t, reduction=red), x * 3, np.abs(np.tanh(y)))
    parity(torch, lambda L, a, b, t: L.margin_ranking_loss(a, b, t, 0.3, red), x[:, 0].copy(), y[:, 0].copy(), sign)
    parity(torch, lambda L, a, t: L.hinge_embedding_loss(a, t, 0.8, red), x, np.sign(y))
    parity(torch, lambda L, a, b, t: L.cosine_embedding_loss(a, b, t, 0.1, red), x, y, sign)
    parity(torch, lambda L, a, b, t: L.cosine_embedding_loss(a, b, t, -0.5, red), x[0].copy(), y[0].copy(),
           np.array(-1.0))
    parity(torch, lambda L, a, b, c: L.triplet_margin_loss(a, b, c, 1.0, 2, 1e-6, False, red), x, y, p)
    parity(torch, lambda L, a, b, c: L.triplet_margin_loss(a, b, c, 0.5, 1, 1e-6, True, red), x, y, p)
    parity(torch, lambda L, i, t: L.poisson_nll_loss(i, t, True, False, 1e-8, red), x, p * 3)
    parity(torch, lambda L, i, t: L.poisson_nll_loss(i, t, False, True, 1e-8, red), p, p[::-1] * 3)


def test_top_level_losses_reduce_nothing_by_default_as_pytorch_does(torch):
    x, y = randn(4, 3), randn(4, 3, seed=1)
    sign = np.sign(randn(4, seed=3))
    parity(torch, lambda L, i, t: L.kl_div(i, t), x, np.abs(y))
    parity(torch, lambda L, i, t: L.binary_cross_entropy_with_logits(i, t), x, np.abs(np.tanh(y)))
    parity(torch, lambda L, a, b, t: L.cosine_embedding_loss(a, b, t), x, y, sign)
    parity(torch, lambda L, a, b, c: L.triplet_margin_loss(a, b, c), x, y, x * 2)
    parity(torch, lambda L, z: L.ctc_loss(L.log_softmax(z, 2), L.tensor([[1, 2], [3, 0]]), [5, 5], [2, 1]),
           randn(5, 2, 4), rtol=1e-6)


def test_losses_functional_reductions(torch):
    x, y = randn(4, 3), randn(4, 3, seed=1)
    p = np.abs(randn(4, 3, seed=2)) + 0.1
    parity(torch, lambda L, i, t: F(L, "kl_div")(i, t, reduction="batchmean"), np.log(p), p[::-1].copy())
    parity(torch, lambda L, i, t: F(L, "kl_div")(i, t, reduce=False), np.log(p), p[::-1].copy())
    parity(torch, lambda L, i, t: F(L, "binary_cross_entropy_with_logits")(i, t, size_average=False), x,
           np.abs(np.tanh(y)))
    parity(torch, lambda L, a, b, c: F(L, "triplet_margin_loss")(a, b, c, swap=True, reduction="none"), x, y, p)
    parity(torch, lambda L, i, t: F(L, "poisson_nll_loss")(i, t, log_input=False, full=True, reduction="sum"),
           p, p * 5)
    parity(torch, lambda L, a, b, t: F(L, "margin_ranking_loss")(a, b, t, margin=0.2), x[:, 0].copy(),
           y[:, 0].copy(), np.sign(x[:, 1]))


@pytest.mark.parametrize("red", ["none", "mean", "sum"])
def test_ctc_loss(torch, red):
    T, N, C = 7, 3, 5
    logits = randn(T, N, C)
    targets = np.array([[1, 2, 2], [3, 1, 0], [4, 0, 0]])
    in_len, tg_len = np.array([7, 6, 4]), np.array([3, 2, 1])

    def f(L, z, tg):
        lp = L.log_softmax(z, 2)
        return F(L, "ctc_loss")(lp, tg, L.tensor(in_len), L.tensor(tg_len), reduction=red)
    parity(torch, f, logits, targets, rtol=1e-6)
    flat = np.array([1, 2, 2, 3, 1, 4])  # concatenated targets, top-level signature, reduction as an int
    parity(torch, lambda L, z, tg: L.ctc_loss(L.log_softmax(z, 2), tg, in_len.tolist(), tg_len.tolist(), 0,
                                              {"none": 0, "mean": 1, "sum": 2}[red]), logits, flat, rtol=1e-6)


def test_ctc_loss_impossible_alignment(torch):
    lp = np.log(np.full((2, 1, 3), 1 / 3))
    tg = np.array([[1, 1]])  # a repeat needs a blank between: 3 frames at least
    for zero in (False, True):
        parity(torch, lambda L, z, t: F(L, "ctc_loss")(z, t, [2], [2], reduction="sum", zero_infinity=zero), lp, tg,
               grad=zero)


# --- normalisation -----------------------------------------------------------------------------------------------
def test_layer_group_rms_norm(torch):
    x = randn(3, 4, 5)
    parity(torch, lambda L, a: L.layer_norm(a, (5,)), x)
    parity(torch, lambda L, a, w, b: L.layer_norm(a, [4, 5], w, b, 1e-3), x, randn(4, 5, seed=1),
           randn(4, 5, seed=2))
    parity(torch, lambda L, a, w, b: L.group_norm(a, 2, w, b), x, randn(4, seed=1), randn(4, seed=2))
    parity(torch, lambda L, a: L.group_norm(a, 4, eps=0.1), randn(2, 4, 3, 3))
    parity(torch, lambda L, a, w: L.rms_norm(a, (5,), w), x, randn(5, seed=1))
    parity(torch, lambda L, a: L.rms_norm(a, [4, 5], eps=1e-2), x)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 2, 2)])
def test_batch_norm_training_updates_running_stats(torch, shape):
    x, w, b = randn(*shape), randn(3, seed=1), randn(3, seed=2)
    rm, rv = randn(3, seed=3), np.abs(randn(3, seed=4)) + 0.5
    frm, frv, trm, trv = fg.tensor(rm), fg.tensor(rv), torch.tensor(rm), torch.tensor(rv)

    def f(L, a, w_, b_):
        m, v = (frm, frv) if L is fg else (trm, trv)
        return L.batch_norm(a, w_, b_, m, v, True, 0.3, 1e-5, False)
    parity(torch, f, x, w, b)
    np.testing.assert_allclose(frm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(frv.numpy(), trv.numpy(), rtol=1e-12)
    parity(torch, lambda L, a: L.batch_norm(a, None, None, L.tensor(rm), L.tensor(rv), False, 0.1, 1e-5, False), x)
    parity(torch, lambda L, a, w_: F(L, "batch_norm")(a, L.tensor(rm), L.tensor(rv), w_, training=False), x, w)
    parity(torch, lambda L, a: F(L, "batch_norm")(a, None, None, training=True), x)


def test_instance_norm(torch):
    x, w, b = randn(2, 3, 5), randn(3, seed=1), randn(3, seed=2)
    rm, rv = randn(3, seed=3), np.abs(randn(3, seed=4)) + 0.5
    frm, frv, trm, trv = fg.tensor(rm), fg.tensor(rv), torch.tensor(rm), torch.tensor(rv)

    def f(L, a, w_, b_):
        m, v = (frm, frv) if L is fg else (trm, trv)
        return L.instance_norm(a, w_, b_, m, v, True, 0.2, 1e-5, False)
    parity(torch, f, x, w, b)
    np.testing.assert_allclose(frm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(frv.numpy(), trv.numpy(), rtol=1e-12)
    parity(torch, lambda L, a: L.instance_norm(a, None, None, L.tensor(rm), L.tensor(rv), False, 0.1, 1e-5, False),
           x)
    parity(torch, lambda L, a: F(L, "instance_norm")(a), randn(2, 3, 4, 4))


# --- embeddings, bilinear, padding, shuffles ---------------------------------------------------------------------
def test_embedding(torch):
    w, idx = randn(6, 3), np.array([[1, 2, 1], [5, 0, 1]])
    parity(torch, lambda L, w_, i: L.embedding(w_, i), w, idx)
    parity(torch, lambda L, w_, i: L.embedding(w_, i, 1, True), w, idx)
    parity(torch, lambda L, i, w_: F(L, "embedding")(i, w_, padding_idx=-1, scale_grad_by_freq=True), idx, w)
    # max_norm renormalises the looked-up rows of the weight in place
    fw, tw = fg.tensor(w * 3), torch.tensor(w * 3)
    a, b = NNF["embedding"](fg.tensor(idx), fw, max_norm=1.5), torch.nn.functional.embedding(
        torch.tensor(idx), tw, max_norm=1.5)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7)
    np.testing.assert_allclose(fw.numpy(), tw.numpy(), rtol=1e-7)


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_embedding_bag_top_level(torch, mode):
    w, idx, off = randn(6, 3), np.array([1, 2, 4, 5, 4, 3, 2, 0]), np.array([0, 2, 2, 5])
    parity(torch, lambda L, w_, i, o: L.embedding_bag(w_, i, o, False, mode), w, idx, off)
    parity(torch, lambda L, w_, i, o: L.embedding_bag(w_, i, o, False, mode, False, None, True)[0], w, idx, off)
    parity(torch, lambda L, w_, i, o: L.embedding_bag(w_, i, o, False, mode, False, None, False, 2)[0], w, idx, off)
    if mode == 0:
        parity(torch, lambda L, w_, i, o, s: L.embedding_bag(w_, i, o, False, 0, False, s)[0], w, idx, off,
               randn(8, seed=5))


def test_embedding_bag_functional(torch):
    w = randn(7, 4)
    for mode in ("sum", "mean", "max"):
        parity(torch, lambda L, i, w_: F(L, "embedding_bag")(i, w_, mode=mode), np.array([[0, 3, 3], [6, 1, 2]]), w)
    parity(torch, lambda L, i, w_, o: F(L, "embedding_bag")(i, w_, o, mode="mean", padding_idx=3,
                                                           scale_grad_by_freq=True),
           np.array([3, 3, 1, 3, 2]), w, np.array([0, 2, 4]))


def test_bilinear_pad_shuffles(torch):
    parity(torch, lambda L, a, b, w, c: L.bilinear(a, b, w, c), randn(2, 3, 4), randn(2, 3, 5, seed=1),
           randn(6, 4, 5, seed=2), randn(6, seed=3))
    x = randn(2, 3, 4, 5)
    for pad, v in [((1, 2), 0.0), ((1, -2, 0, 3), 1.5), ((-1, -1, 2, 0, 1, 1), -2.0)]:
        parity(torch, lambda L, a: L.constant_pad_nd(a, pad, v), x)
        parity(torch, lambda L, a: F(L, "pad")(a, pad, value=v), x)
    for mode in ("reflect", "replicate", "circular"):
        parity(torch, lambda L, a: F(L, "pad")(a, (2, 1, 0, 3), mode=mode), x)
        parity(torch, lambda L, a: F(L, "pad")(a, (3, 2), mode=mode), x[0])
    y = randn(2, 8, 3, 2)
    parity(torch, lambda L, a: L.pixel_shuffle(a, 2), y)
    parity(torch, lambda L, a: L.pixel_unshuffle(a, 2), randn(2, 3, 4, 6))
    parity(torch, lambda L, a: L.pixel_unshuffle(L.pixel_shuffle(a, 2), 2), randn(4, 3, 2))
    parity(torch, lambda L, a: L.channel_shuffle(a, 4), y)
    parity(torch, lambda L, a: L.native_channel_shuffle(a, 2), y, grad=False)  # torch has no derivative for it


def test_rnn_cells(torch):
    x, h, c = randn(3, 4), randn(3, 5, seed=1), randn(3, 5, seed=2)
    for name, g in [("rnn_tanh_cell", 1), ("rnn_relu_cell", 1), ("gru_cell", 3)]:
        parity(torch, lambda L, *a: getattr(L, name)(*a), x, h, randn(g * 5, 4, seed=3), randn(g * 5, 5, seed=4),
               randn(g * 5, seed=5), randn(g * 5, seed=6))
        parity(torch, lambda L, *a: getattr(L, name)(*a), x, h, randn(g * 5, 4, seed=3), randn(g * 5, 5, seed=4))
    parity(torch, lambda L, a, h_, c_, wi, wh, bi, bh: L.lstm_cell(a, (h_, c_), wi, wh, bi, bh), x, h, c,
           randn(20, 4, seed=3), randn(20, 5, seed=4), randn(20, seed=5), randn(20, seed=6))


# --- convolution -------------------------------------------------------------------------------------------------
CONV2D = [dict(), dict(stride=2), dict(padding=1), dict(padding=(2, 0), stride=(1, 2)), dict(dilation=2, padding=2),
          dict(groups=2), dict(groups=4, padding="same"), dict(padding="same", dilation=(1, 2)), dict(padding="valid"),
          dict(stride=3, dilation=2, groups=2, padding=1)]


@pytest.mark.parametrize("kw", CONV2D)
def test_conv2d(torch, kw):
    g = kw.get("groups", 1)
    o = 8 if g == 4 else 6
    parity(torch, lambda L, x, w, b: L.conv2d(x, w, b, **kw), randn(2, 4, 7, 8), randn(o, 4 // g, 3, 2, seed=1),
           randn(o, seed=2))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=3, groups=3), dict(padding="same"),
                                dict(padding="same", dilation=2)])
def test_conv1d_conv3d(torch, kw):
    parity(torch, lambda L, x, w: L.conv1d(x, w, **kw), randn(2, 3, 11), randn(6, 3 // kw.get("groups", 1), 4, seed=1))
    parity(torch, lambda L, x, w: L.conv1d(x, w, **kw), randn(3, 11), randn(3, 3 // kw.get("groups", 1), 3, seed=1))
    parity(torch, lambda L, x, w, b: L.conv3d(x, w, b, **kw), randn(1, 3, 7, 8, 7),
           randn(3, 3 // kw.get("groups", 1), 2, 3, 2, seed=1), randn(3, seed=2))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2), dict(stride=2, padding=1, output_padding=1),
                                dict(stride=(3, 2), padding=(0, 1), dilation=2, output_padding=(2, 1)),
                                dict(groups=2, stride=2), dict(padding=2)])
def test_conv_transpose2d(torch, kw):
    g = kw.get("groups", 1)
    parity(torch, lambda L, x, w, b: L.conv_transpose2d(x, w, b, **kw), randn(2, 4, 5, 4),
           randn(4, 6 // g, 3, 3, seed=1), randn(6, seed=2))


def test_conv_transpose1d_3d_convolution_and_tbc(torch):
    parity(torch, lambda L, x, w: L.conv_transpose1d(x, w, None, 3, 1, 2, 1, 2), randn(2, 3, 6), randn(3, 2, 4, seed=1))
    parity(torch, lambda L, x, w: L.conv_transpose1d(x, w, stride=2), randn(3, 6), randn(3, 2, 3, seed=1))
    parity(torch, lambda L, x, w, b: L.conv_transpose3d(x, w, b, stride=2, padding=(1, 0, 0)), randn(1, 2, 3, 2, 3),
           randn(2, 3, 2, 2, 3, seed=1), randn(3, seed=2))
    parity(torch, lambda L, x, w, b: L.convolution(x, w, b, [2, 1], [1, 0], [1, 2], False, [0, 0], 1),
           randn(2, 3, 6, 7), randn(4, 3, 3, 2, seed=1), randn(4, seed=2))
    parity(torch, lambda L, x, w, b: L.convolution(x, w, b, [2], [1], [1], True, [1], 1), randn(2, 3, 6),
           randn(3, 4, 3, seed=1), randn(4, seed=2))
    parity(torch, lambda L, x, w, b: L.conv_tbc(x, w, b, 1), randn(7, 2, 3), randn(3, 3, 4, seed=1), randn(4, seed=2))


# --- pooling -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(), dict(stride=1), dict(padding=1), dict(dilation=2, stride=1),
                                dict(ceil_mode=True), dict(ceil_mode=True, padding=1, stride=2)])
def test_max_pools(torch, kw):
    parity(torch, lambda L, x: L.max_pool1d(x, 3, **kw), randn(2, 3, 10))
    parity(torch, lambda L, x: L.max_pool1d_with_indices(x, 3, **kw), randn(2, 3, 10))
    parity(torch, lambda L, x: L.max_pool2d(x, (3, 2), **kw), randn(2, 3, 8, 7))
    parity(torch, lambda L, x: F(L, "max_pool2d")(x, 3, return_indices=True, **kw), randn(3, 7, 9))
    parity(torch, lambda L, x: L.max_pool3d(x, 2, **kw), randn(1, 2, 5, 4, 5))


def test_max_pool_ties_send_the_gradient_to_the_first_maximum(torch):
    x = np.array([[[1.0, 1.0, 0.0, 2.0, 2.0, 2.0]]])
    parity(torch, lambda L, a: L.max_pool1d(a, 2, 1), x)
    parity(torch, lambda L, a: L.max_pool2d(a, 2, 1, 1), np.ones((1, 3, 3)))


@pytest.mark.parametrize("kw", [dict(), dict(stride=1), dict(padding=1), dict(padding=1, count_include_pad=False),
                                dict(ceil_mode=True, stride=2),
                                dict(ceil_mode=True, padding=1, count_include_pad=False)])
def test_avg_pools(torch, kw):
    parity(torch, lambda L, x: L.avg_pool1d(x, 3, **kw), randn(2, 3, 10))
    parity(torch, lambda L, x: F(L, "avg_pool2d")(x, (3, 2), **kw), randn(2, 3, 8, 7))
    parity(torch, lambda L, x: F(L, "avg_pool3d")(x, 2, **kw), randn(1, 2, 5, 4, 5))
    parity(torch, lambda L, x: F(L, "avg_pool2d")(x, 3, divisor_override=2, **kw), randn(2, 3, 8, 7))


@pytest.mark.parametrize("out", [1, 3, 4, 7])
def test_adaptive_pools(torch, out):
    parity(torch, lambda L, x: L.adaptive_avg_pool1d(x, out), randn(2, 3, 10))
    parity(torch, lambda L, x: L.adaptive_max_pool1d(x, out), randn(2, 3, 10))
    parity(torch, lambda L, x: F(L, "adaptive_max_pool1d")(x, out, return_indices=True), randn(3, 7))
    parity(torch, lambda L, x: F(L, "adaptive_avg_pool2d")(x, (out, 2)), randn(2, 3, 7, 5))
    parity(torch, lambda L, x: F(L, "adaptive_avg_pool3d")(x, out), randn(1, 2, 7, 5, 4))


# --- finite differences (no PyTorch) -----------------------------------------------------------------------------
def _raw(f):
    return lambda *a: f(*a)._v


def test_conv_second_order_by_finite_differences():
    x, w, b = randn(1, 4, 5, 5), randn(4, 2, 3, 2, seed=1), randn(4, seed=2)
    check_grads(_raw(lambda x_, w_, b_: fg.conv2d(x_, w_, b_, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)),
                (x, w, b), order=2, modes=("rev",))
    check_grads(_raw(lambda x_, w_: fg.conv_transpose1d(x_, w_, stride=2, padding=1, output_padding=1)),
                (randn(1, 2, 4), randn(2, 3, 3, seed=1)), order=2, modes=("rev",))


def test_other_ops_by_finite_differences():
    check_grads(_raw(lambda x: fg.max_pool2d(x, 2, 1, ceil_mode=True)), (randn(1, 1, 4, 4),), order=1)
    check_grads(_raw(lambda x: fg.avg_pool1d(x, 3, 2, 1, True, False)), (randn(1, 2, 6),), order=1)
    check_grads(_raw(lambda x, w, b: fg.layer_norm(x, (3,), w, b)), (randn(2, 3), randn(3, seed=1), randn(3, seed=2)),
                order=2, modes=("rev",))
    check_grads(_raw(lambda a, b: fg.cosine_similarity(a, b)), (randn(3, 4), randn(3, 4, seed=1)), order=1)
    lp = randn(5, 2, 4)
    check_grads(_raw(lambda z: NNF["ctc_loss"](fg.log_softmax(z, 2), np.array([[1, 2], [3, 3]]), [5, 5], [2, 2])),
                (lp,), order=1, modes=("rev",))


# --- devices (the CuPy stand-in, no PyTorch) ---------------------------------------------------------------------
@pytest.fixture
def on_standin():
    from funcgrad.backend import get_default_device
    from funcgrad.testing import standin

    prev = get_default_device()
    standin.install()
    try:
        yield
    finally:
        standin.uninstall()
        fg.set_default_device(prev)


DEVICE_CASES = [
    lambda x, w, i: fg.conv2d(x, w, padding=1, groups=2) * 1.0,
    lambda x, w, i: fg.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
    lambda x, w, i: fg.tensors.pooling.max_pool2d_with_indices(x, 3, 2, 1, ceil_mode=True)[0],
    lambda x, w, i: NNF["avg_pool2d"](x, 3, 2, 1, True, False),
    lambda x, w, i: NNF["adaptive_avg_pool2d"](x, 3) + fg.adaptive_max_pool1d(x[0], 2)[0].sum(),
    lambda x, w, i: fg.embedding_bag(x[0, 0], i, fg.tensor([0, 2]), False, 2)[0],
    lambda x, w, i: fg.embedding_bag(x[0, 0], i, fg.tensor([0, 2]), True, 1, False, None, False, 1)[0],
    lambda x, w, i: NNF["ctc_loss"](fg.log_softmax(x[0], 2), fg.tensor([[1, 2], [3, 0], [2, 2], [1, 0]]), [4] * 4,
                                    [2, 1, 2, 1], reduction="sum"),
    lambda x, w, i: fg.batch_norm(x, None, None, fg.zeros(4, device=x.device), fg.ones(4, device=x.device), True,
                                  0.1, 1e-5, False),
    lambda x, w, i: fg.dropout(x, 1.0, True) + fg.embedding(x[0, 0], i, 2, True).sum(),
]


@pytest.mark.parametrize("case", range(len(DEVICE_CASES)))
def test_device_inputs_stay_on_their_device(on_standin, case):
    f = DEVICE_CASES[case]
    x, w, idx = randn(2, 4, 4, 4), randn(4, 2, 3, 3, seed=1), np.array([1, 2, 2, 0])
    cpu = [fg.tensor(x, requires_grad=True), fg.tensor(w, requires_grad=True), fg.tensor(idx)]
    dev = [fg.tensor(x, device="cuda", requires_grad=True), fg.tensor(w, device="cuda", requires_grad=True),
           fg.tensor(idx, device="cuda")]
    ycpu, ydev = f(*cpu), f(*dev)
    assert str(ydev.device).startswith("cuda")
    np.testing.assert_allclose(ydev.detach().cpu().numpy(), ycpu.detach().numpy(), rtol=1e-12)
    fnp.sum(ycpu * ycpu).backward()
    fnp.sum(ydev * ydev).backward()
    for a, b in zip(dev[:2], cpu[:2]):
        ga = np.zeros(a.shape) if a.grad is None else a.grad.cpu().numpy()
        gb = np.zeros(b.shape) if b.grad is None else b.grad.numpy()
        assert a.grad is None or str(a.grad.device).startswith("cuda")
        np.testing.assert_allclose(ga, gb, rtol=1e-12, atol=1e-14)


# --- errors ------------------------------------------------------------------------------------------------------
def test_error_messages_name_the_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"conv2d: .*weight of size \(6, 3, 3, 3\).*\(2, 4, 8, 8\).*4 channels"):
        fg.conv2d(fg.ones(2, 4, 8, 8), fg.ones(6, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"conv2d: expected a 4-D weight"):
        fg.conv2d(fg.ones(2, 4, 8, 8), fg.ones(6, 4, 3))
    with pytest.raises(RuntimeError, match=r"conv1d: expected a 2-D \(unbatched\) or 3-D"):
        fg.conv1d(fg.ones(4), fg.ones(1, 1, 1))
    with pytest.raises(RuntimeError, match=r"conv2d: the \(padded\) input .* smaller than the dilated kernel"):
        fg.conv2d(fg.ones(1, 1, 2, 2), fg.ones(1, 1, 3, 3))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        fg.conv2d(fg.ones(1, 1, 4, 4), fg.ones(1, 1, 3, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="conv_transpose2d: output padding must be smaller"):
        fg.conv_transpose2d(fg.ones(1, 1, 4, 4), fg.ones(1, 1, 3, 3), output_padding=1)
    with pytest.raises(RuntimeError, match="max_pool2d: pad should be at most half"):
        fg.max_pool2d(fg.ones(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="layer_norm: Given normalized_shape=\\[4\\]"):
        fg.layer_norm(fg.ones(2, 3), (4,))
    with pytest.raises(RuntimeError, match=r"group_norm: .*\(2, 3\) and num_groups=2"):
        fg.group_norm(fg.ones(2, 3), 2)
    with pytest.raises(ValueError, match="batch_norm: Expected more than 1 value per channel"):
        fg.batch_norm(fg.ones(1, 3), None, None, None, None, True, 0.1, 1e-5, False)
    with pytest.raises(RuntimeError, match="batch_norm: running_mean and running_var must be defined"):
        fg.batch_norm(fg.ones(2, 3), None, None, None, None, False, 0.1, 1e-5, False)
    with pytest.raises(IndexError, match=r"embedding: index 6 is out of range .* \(shape \(6, 3\)\)"):
        fg.embedding(fg.ones(6, 3), fg.tensor([1, 6]))
    with pytest.raises(RuntimeError, match="embedding: expected integer indices"):
        fg.embedding(fg.ones(6, 3), fg.tensor([1.0]))
    with pytest.raises(RuntimeError, match=r"pixel_shuffle: the channel count 3 .* divisible by upscale_factor"):
        fg.pixel_shuffle(fg.ones(1, 3, 2, 2), 2)
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: Target size \(3,\)"):
        fg.binary_cross_entropy_with_logits(fg.ones(2), fg.ones(3))
    with pytest.raises(ValueError, match="kl_div: 'avg' is not a valid value for reduction"):
        NNF["kl_div"](fg.ones(2), fg.ones(2), reduction="avg")
    with pytest.raises(ValueError, match="dropout: dropout probability has to be between 0 and 1, but got p=1.5"):
        fg.dropout(fg.ones(2), 1.5, True)
    with pytest.raises(RuntimeError, match=r"prelu: weight of shape \(3,\)"):
        fg.prelu(fg.ones(2, 4), fg.ones(3))
    with pytest.raises(RuntimeError, match=r"bilinear: .* got shapes \(2, 3\), \(2, 4\) and \(5, 3, 3\)"):
        fg.bilinear(fg.ones(2, 3), fg.ones(2, 4), fg.ones(5, 3, 3))
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors"):
        fg.pdist(fg.ones(3))
    with pytest.raises(RuntimeError, match="lstm_cell: expected w_ih and w_hh with 4 \\* hidden_size = 8 rows"):
        fg.lstm_cell(fg.ones(1, 3), (fg.ones(1, 2), fg.ones(1, 2)), fg.ones(6, 3), fg.ones(6, 2))


def test_nn_functional_serves_the_registered_functions_under_their_f_names():
    import funcgrad.nn.functional as F

    for name, fn in fg.tensors.activations.NN_FUNCTIONAL.items():
        assert getattr(F, name) is fn, name
    assert F.relu is fg.tensors.activations.NN_FUNCTIONAL["relu"] and "conv2d" in F.__all__
