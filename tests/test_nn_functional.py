"""The rest of ``torch.nn.functional`` (``funcgrad/tensors/activations_more.py``, ``losses_more.py``, ``sampling.py``,
``attention.py``) against PyTorch in float64: values and input gradients (through a random cotangent) to rtol 1e-6,
over several configurations each; finite-difference checks that need no PyTorch; and error messages that name the
function and the shapes."""
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.nn.functional as FF
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

NNF = fg.tensors.activations.NN_FUNCTIONAL
RTOL, ATOL = 1e-6, 1e-10


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _rng(seed=0):
    return np.random.default_rng(seed)


def randn(*shape, seed=0):
    return _rng(seed).standard_normal(shape)


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


def parity(torch, f, *arrays, rtol=RTOL, atol=ATOL, grad=True):
    """``f(lib, *tensors)`` with lib = funcgrad and lib = torch on the same float64 data: outputs equal, and the
    gradients of every floating input through one random cotangent."""
    fi, ti = _inputs(fg, arrays), _inputs(torch, arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fo, to = _flat(f(fg, *fi)), _flat(f(torch, *ti))
    assert len(fo) == len(to)
    for a, b in zip(fo, to):
        assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], (a.dtype, b.dtype)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
    if not grad:
        return
    floats = [(a, b) for a, b in zip(fo, to) if b.dtype.is_floating_point and b.requires_grad]
    if not floats:
        return
    assert all(a.requires_grad for a, _ in floats), "a funcgrad output has no graph where PyTorch's has one"
    rng = _rng(1)
    cot = [rng.standard_normal(tuple(b.shape)) for _, b in floats]
    fnp.sum(fnp.stack([fnp.sum(a * c) for (a, _), c in zip(floats, cot)])).backward()
    sum((b * torch.tensor(c)).sum() for (_, b), c in zip(floats, cot)).backward()
    for x, y in zip(fi, ti):
        if isinstance(y, torch.Tensor) and y.requires_grad:
            gy = np.zeros(tuple(y.shape)) if y.grad is None else y.grad.numpy()
            gx = np.zeros(tuple(y.shape)) if x.grad is None else x.grad.numpy()
            np.testing.assert_allclose(gx, gy, rtol=rtol, atol=atol)


def F(lib, name):
    return getattr(FF, name) if lib is fg else getattr(lib.nn.functional, name)


def _raw(f):
    return f  # F on plain arrays gives plain arrays (the arrays face, see funcgrad/nn/functional.py)


# --- activations -------------------------------------------------------------------------------------------------
ACTIVATIONS = [
    ("relu6", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}), ("elu", {"alpha": 0.5}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}), ("softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 3.0}), ("softplus", {"beta": 0.5}), ("softsign", {}), ("hardtanh", {}),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}), ("hardsigmoid", {}), ("hardswish", {}), ("logsigmoid", {}),
    ("tanhshrink", {}), ("softshrink", {}), ("softshrink", {"lambd": 1.5}), ("relu", {}), ("sigmoid", {}),
    ("tanh", {}), ("glu", {}), ("glu", {"dim": 0}), ("softmin", {"dim": 1}), ("softmin", {"dim": 0}),
    ("softmax", {"dim": -1}), ("log_softmax", {"dim": 0}), ("softmax", {}), ("log_softmax", {}),
    ("softmax", {"dim": 1, "dtype": "float32"}), ("normalize", {}), ("normalize", {"p": 1.0, "dim": 0}),
    ("normalize", {"p": float("inf")}), ("normalize", {"p": 3.0, "dim": -1, "eps": 1e-3}),
]


@pytest.mark.parametrize("name,kw", ACTIVATIONS, ids=[f"{n}-{sorted(k.items())}" for n, k in ACTIVATIONS])
def test_activations(torch, name, kw):
    x = randn(4, 6) * 3
    if name.startswith("normalize"):
        x[1] = 0.0  # a zero row: the norm is clamped at eps
        x[2] *= 1e-4
    if "dtype" in kw:
        kw = dict(kw, dtype=getattr(torch, kw["dtype"]))
        fkw = dict(kw, dtype=np.float32)
        fi, ti = fg.tensor(x), torch.tensor(x)
        a, b = F(fg, name)(fi, **fkw), F(torch, name)(ti, **kw)
        assert str(a.dtype) == "torch.float32"
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
        return
    parity(torch, lambda L, t: F(L, name)(t, **kw), x)


def test_activation_kinks_follow_pytorch(torch):
    x = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0])
    for name, kw in [("hardswish", {}), ("hardsigmoid", {}), ("hardtanh", {}), ("relu6", {}), ("softshrink", {}),
                     ("leaky_relu", {}), ("elu", {}), ("relu", {}), ("softsign", {}),
                     ("softplus", {"threshold": 6.0})]:
        parity(torch, lambda L, t: F(L, name)(t, **kw), x.copy())


def test_implicit_softmax_dim_warns_like_pytorch(torch):
    for shape in [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 2)]:
        x = randn(*shape)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            a = FF.softmax(fg.tensor(x))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b = torch.nn.functional.softmax(torch.tensor(x))
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_inplace_forms_rebind():
    x = fg.tensor([-1.0, 2.0, 7.0])
    assert FF.relu(x, inplace=True) is x and x.tolist() == [0.0, 2.0, 7.0]
    assert FF.relu6(x, inplace=True) is x and x.tolist() == [0.0, 2.0, 6.0]
    y = fg.tensor([-2.0, 1.0])
    assert FF.leaky_relu_(y, 0.5) is y and y.tolist() == [-1.0, 1.0]
    assert FF.hardtanh_(y, -0.5, 0.5) is y and y.tolist() == [-0.5, 0.5]
    z = fg.tensor([-1.0, 1.0])
    assert FF.elu_(z) is z
    np.testing.assert_allclose(z.numpy(), [np.expm1(-1.0), 1.0])
    w = fg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="relu_"):
        FF.relu_(w)


def test_one_hot(torch):
    t = np.array([[0, 3], [2, 1]])
    for k in (-1, 4, 6):
        a, b = FF.one_hot(fg.tensor(t), k), torch.nn.functional.one_hot(torch.tensor(t), k)
        assert a.dtype == np.int64 and a.shape == tuple(b.shape)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(RuntimeError, match=r"one_hot: Class values must be smaller than num_classes \(3\)"):
        FF.one_hot(fg.tensor([0, 3]), 3)
    with pytest.raises(RuntimeError, match="one_hot: Class values must be non-negative"):
        FF.one_hot(fg.tensor([-1, 0]))
    with pytest.raises(RuntimeError, match=r"one_hot: .*integer type.*float32 \(shape \(2,\)\)"):
        FF.one_hot(fg.tensor([0.0, 1.0]))


def test_gumbel_softmax_seeded_soft_and_hard():
    logits = fg.tensor(randn(5, 4), requires_grad=True)
    fg.manual_seed(3)
    a = FF.gumbel_softmax(logits, tau=0.7)
    fg.manual_seed(3)
    b = FF.gumbel_softmax(logits, tau=0.7)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    np.testing.assert_allclose(a.detach().numpy().sum(1), 1.0)
    fg.manual_seed(3)
    h = FF.gumbel_softmax(logits, tau=0.7, hard=True)
    hv = h.detach().numpy()
    assert set(np.unique(hv)) == {0.0, 1.0} and (hv.sum(1) == 1).all()
    np.testing.assert_array_equal(hv.argmax(1), a.detach().numpy().argmax(1))
    # straight-through: the hard sample's gradient is the soft one's
    cot = randn(5, 4, seed=2)
    (ga,) = fg.autograd.grad(fnp.sum(a * cot), [logits])
    (gh,) = fg.autograd.grad(fnp.sum(h * cot), [logits])
    np.testing.assert_allclose(gh.numpy(), ga.numpy(), rtol=1e-12)
    # the noise is standard Gumbel: mean of the argmax frequencies follows softmax(logits)
    fg.manual_seed(0)
    lg = fg.tensor(np.log([0.6, 0.3, 0.1]))
    freq = FF.gumbel_softmax(fnp.broadcast_to(lg, (20000, 3)), hard=True, dim=1).numpy().mean(0)
    np.testing.assert_allclose(freq, [0.6, 0.3, 0.1], atol=0.02)


# --- losses ------------------------------------------------------------------------------------------------------
REDS = ["none", "mean", "sum"]


@pytest.mark.parametrize("red", REDS)
def test_regression_losses(torch, red):
    x, y, w = randn(3, 4), randn(3, 4, seed=1), np.abs(randn(3, 4, seed=2))
    for name, kw in [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.3}),
                     ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}), ("huber_loss", {"delta": 0.4})]:
        parity(torch, lambda L, a, b: F(L, name)(a, b, reduction=red, **kw), x, y)
    for name in ("mse_loss", "l1_loss", "huber_loss"):
        parity(torch, lambda L, a, b, c: F(L, name)(a, b, reduction=red, weight=c), x, y, const(w))
    parity(torch, lambda L, a, b: F(L, "mse_loss")(a, b, reduction=red), x, randn(4, seed=3))  # broadcast target


def test_legacy_reduction_flags(torch):
    x, y = randn(3, 4), randn(3, 4, seed=1)
    for sa, rd in [(None, False), (False, None), (True, None), (False, True)]:
        for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "soft_margin_loss"):
            parity(torch, lambda L, a, b: F(L, name)(a, b, size_average=sa, reduce=rd), x, const(y))
        parity(torch, lambda L, a: F(L, "nll_loss")(a, L.tensor([0, 3, 1]), size_average=sa, reduce=rd), x)
        parity(torch, lambda L, a: F(L, "cross_entropy")(a, L.tensor([0, 3, 1]), None, sa, -100, rd), x)


@pytest.mark.parametrize("red", REDS)
def test_gaussian_nll_loss(torch, red):
    x, y = randn(4, 3), randn(4, 3, seed=1)
    for var in [np.abs(randn(4, 3, seed=2)) + 0.1, np.abs(randn(4, seed=2)) + 0.1, np.abs(randn(4, 1, seed=2)),
                np.array([[0.0, 1e-8, 2.0]] * 4)]:
        for full in (False, True):
            parity(torch, lambda L, a, b, v: F(L, "gaussian_nll_loss")(a, b, v, full=full, reduction=red), x, y, var)
    parity(torch, lambda L, a, b: F(L, "gaussian_nll_loss")(a, b, 0.5, reduction=red), x, y)


CE_CASES = [
    dict(), dict(weight=True), dict(ignore=True), dict(weight=True, ignore=True), dict(ls=0.1),
    dict(ls=0.25, weight=True), dict(ls=0.2, ignore=True, weight=True),
]


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("shape", [(5, 4), (4,), (3, 4, 2, 3)], ids=["NC", "C", "NCd1d2"])
@pytest.mark.parametrize("case", CE_CASES, ids=lambda c: "-".join(sorted(c)) or "plain")
def test_cross_entropy_and_nll_class_indices(torch, red, shape, case):
    x = randn(*shape) * 2
    c = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else shape[:1] + shape[2:]
    t = _rng(5).integers(0, c, tshape)
    if case.get("ignore") and t.ndim:
        t.flat[::3] = 2  # the ignored class
    w = np.abs(randn(c, seed=4)) + 0.2
    kw = dict(reduction=red, ignore_index=2 if case.get("ignore") and t.ndim else -100)

    def ce(L, a, *rest):
        wt = rest[0] if rest else None
        return F(L, "cross_entropy")(a, L.tensor(t), weight=wt, label_smoothing=case.get("ls", 0.0), **kw)

    def nll(L, a, *rest):
        return F(L, "nll_loss")(F(L, "log_softmax")(a, 0 if len(shape) == 1 else 1), L.tensor(t),
                                weight=rest[0] if rest else None, **kw)
    extra = (const(w),) if case.get("weight") else ()
    parity(torch, ce, x, *extra)
    if "ls" not in case:
        parity(torch, nll, x, *extra)


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 4, 3)])
def test_cross_entropy_probability_targets(torch, red, shape):
    x = randn(*shape)
    cd = 0 if len(shape) == 1 else 1
    p = np.exp(randn(*shape, seed=1))
    p = p / p.sum(axis=cd, keepdims=True)
    w = np.abs(randn(shape[cd], seed=2)) + 0.1
    for ls in (0.0, 0.3):
        parity(torch, lambda L, a, b: F(L, "cross_entropy")(a, b, reduction=red, label_smoothing=ls), x, p)
        parity(torch, lambda L, a, b, c: F(L, "cross_entropy")(a, b, c, reduction=red, label_smoothing=ls),
               x, const(p), const(w))


@pytest.mark.parametrize("red", REDS)
def test_binary_cross_entropy(torch, red):
    x = _rng(0).uniform(0.05, 0.95, (3, 4))
    y = _rng(1).uniform(0, 1, (3, 4))
    parity(torch, lambda L, a, b: F(L, "binary_cross_entropy")(a, b, reduction=red), x, y)
    parity(torch, lambda L, a, b, c: F(L, "binary_cross_entropy")(a, b, c, reduction=red), x, const(y),
           const(np.abs(randn(4, seed=2))))
    edge = np.array([0.0, 1.0, 1e-50, 1 - 1e-12])  # the clamped logs (values only: PyTorch's backward differs there)
    parity(torch, lambda L, a, b: F(L, "binary_cross_entropy")(a, b, reduction="none"),
           const(edge), const(np.array([1.0, 0.0, 1.0, 0.5])), grad=False)


@pytest.mark.parametrize("red", REDS)
def test_margin_losses(torch, red):
    x, y = randn(4, 5), np.sign(randn(4, 5, seed=1))
    parity(torch, lambda L, a, b: F(L, "soft_margin_loss")(a, b, reduction=red), x, const(y))
    lab = (randn(4, 5, seed=2) > 0).astype(float)
    w = np.abs(randn(5, seed=3))
    parity(torch, lambda L, a, b: F(L, "multilabel_soft_margin_loss")(a, b, reduction=red), x, const(lab))
    parity(torch, lambda L, a, b, c: F(L, "multilabel_soft_margin_loss")(a, b, c, reduction=red), x, const(lab),
           const(w))
    t = np.array([0, 4, 2, 2])
    for p, margin, wt in [(1, 1.0, None), (2, 0.5, None), (1, 2.0, w), (2, 1.0, w)]:
        def mm(L, a, *rest):
            return F(L, "multi_margin_loss")(a, L.tensor(t), p=p, margin=margin, weight=rest[0] if rest else None,
                                             reduction=red)
        parity(torch, mm, x, *((const(wt),) if wt is not None else ()))
    parity(torch, lambda L, a: F(L, "multi_margin_loss")(a, L.tensor(3), reduction=red), randn(5))
    mt = np.array([[3, 0, -1, 1, 2], [1, 1, 4, -1, -1], [-1, 2, 3, 0, 0], [0, 1, 2, 3, 4]])
    parity(torch, lambda L, a: F(L, "multilabel_margin_loss")(a, L.tensor(mt), reduction=red), x)
    parity(torch, lambda L, a: F(L, "multilabel_margin_loss")(a, L.tensor(mt[0]), reduction=red), randn(5))


@pytest.mark.parametrize("red", REDS)
def test_existing_losses_defaults_and_pos_weight(torch, red):
    x, y = randn(3, 4), (randn(3, 4, seed=1) > 0).astype(float)
    pw, w = np.abs(randn(4, seed=2)) + 0.5, np.abs(randn(3, 4, seed=3))
    f = "binary_cross_entropy_with_logits"
    parity(torch, lambda L, a: F(L, f)(a, L.tensor(y), reduction=red), x)
    parity(torch, lambda L, a, b, c: F(L, f)(a, L.tensor(y), b, reduction=red, pos_weight=c), x, const(w), const(pw))
    lp = np.log(np.abs(randn(3, 4, seed=4)) + 0.1)
    for lt in (False, True):
        tg = lp.copy() if lt else np.exp(randn(3, 4, seed=5))
        parity(torch, lambda L, a, b: F(L, "kl_div")(a, b, reduction=red, log_target=lt), x, tg)
    parity(torch, lambda L, a, b: F(L, "kl_div")(a, b, reduction="batchmean"), x, np.abs(randn(3, 4, seed=6)))
    parity(torch, lambda L, a, b: F(L, "hinge_embedding_loss")(a, L.tensor(np.sign(y - 0.5)), reduction=red), x, y)
    parity(torch, lambda L, a, b: F(L, "poisson_nll_loss")(a, b, reduction=red), x, np.abs(y) * 3)


# --- interpolate -------------------------------------------------------------------------------------------------
INTERP = [
    ("nearest", (1, 2, 5), dict(size=9)), ("nearest", (1, 2, 6), dict(scale_factor=1.7)),
    ("nearest", (1, 2, 7), dict(size=3)), ("nearest", (2, 1, 3, 5), dict(scale_factor=(2, 0.6))),
    ("nearest", (1, 1, 3, 4, 2), dict(size=(5, 3, 4))), ("nearest-exact", (1, 2, 5), dict(size=8)),
    ("nearest-exact", (1, 1, 5, 7), dict(scale_factor=0.7)), ("nearest", (1, 2, 6), dict(scale_factor=1.7,
                                                                                          recompute_scale_factor=True)),
    ("linear", (2, 3, 5), dict(size=8)), ("linear", (2, 3, 5), dict(size=8, align_corners=True)),
    ("linear", (1, 2, 7), dict(size=3)), ("linear", (1, 2, 6), dict(scale_factor=1.7)),
    ("linear", (1, 2, 6), dict(scale_factor=1.7, recompute_scale_factor=True)),
    ("linear", (1, 1, 4), dict(size=1, align_corners=True)), ("linear", (1, 1, 4), dict(scale_factor=1.1)),
    ("bilinear", (2, 2, 4, 5), dict(size=(7, 3))), ("bilinear", (1, 2, 4, 5), dict(size=(7, 3), align_corners=True)),
    ("bilinear", (1, 1, 5, 5), dict(scale_factor=2.5)), ("bilinear", (1, 1, 6, 4), dict(scale_factor=(0.5, 1.5))),
    ("trilinear", (1, 2, 3, 4, 2), dict(size=(5, 3, 4))),
    ("trilinear", (1, 1, 3, 4, 2), dict(scale_factor=2, align_corners=True)),
    ("bicubic", (1, 2, 4, 5), dict(size=(7, 9))), ("bicubic", (1, 1, 4, 5), dict(size=(7, 3), align_corners=True)),
    ("bicubic", (2, 1, 6, 6), dict(scale_factor=0.6)), ("bicubic", (1, 1, 3, 3), dict(scale_factor=2.3)),
    ("area", (1, 2, 9), dict(size=4)), ("area", (1, 1, 6, 7), dict(scale_factor=0.5)),
    ("area", (1, 1, 4, 4, 6), dict(size=(2, 3, 4))),
]


@pytest.mark.parametrize("mode,shape,kw", INTERP, ids=[f"{m}-{s}-{sorted(k)}" for m, s, k in INTERP])
def test_interpolate(torch, mode, shape, kw):
    parity(torch, lambda L, x: F(L, "interpolate")(x, mode=mode, **kw), randn(*shape))


def test_nearest_indices_over_many_sizes(torch):
    x = np.arange(13.0)[None, None]
    for n_out in range(1, 40):
        for mode in ("nearest", "nearest-exact"):
            parity(torch, lambda L, t: F(L, "interpolate")(t, size=n_out, mode=mode), const(x), grad=False)
    for s in (0.3, 0.77, 1.3, 1.9, 2.0, 2.7, 3.1):
        parity(torch, lambda L, t: F(L, "interpolate")(t, scale_factor=s), const(x), grad=False)


def test_upsample_aliases(torch):
    x = randn(1, 2, 3, 4)
    parity(torch, lambda L, t: F(L, "upsample")(t, scale_factor=2, mode="bilinear"), x)
    parity(torch, lambda L, t: F(L, "upsample_nearest")(t, size=(5, 7)), x)
    parity(torch, lambda L, t: F(L, "upsample_bilinear")(t, scale_factor=2), x)
    with pytest.warns(UserWarning, match="upsample is deprecated"):
        FF.upsample(fg.tensor(x), scale_factor=2)


# --- unfold / fold -----------------------------------------------------------------------------------------------
PATCHES = [
    dict(kernel_size=2), dict(kernel_size=(2, 3), stride=(1, 2)), dict(kernel_size=3, padding=1, dilation=2),
    dict(kernel_size=(3, 2), padding=(1, 0), stride=2, dilation=(1, 2)),
]


@pytest.mark.parametrize("kw", PATCHES, ids=lambda k: str(sorted(k.items())))
def test_unfold_fold(torch, kw):
    x = randn(2, 3, 7, 8)
    parity(torch, lambda L, t: F(L, "unfold")(t, **kw), x)
    parity(torch, lambda L, t: F(L, "unfold")(t, **kw), x[0])
    cols = torch.nn.functional.unfold(torch.tensor(x), **kw)
    parity(torch, lambda L, c: F(L, "fold")(c, (7, 8), **kw), cols.numpy())
    parity(torch, lambda L, c: F(L, "fold")(c, (7, 8), **kw), cols.numpy()[1])
    # fold . unfold multiplies each pixel by the number of blocks that cover it
    xf = fg.tensor(x)
    back = FF.fold(FF.unfold(xf, **kw), (7, 8), **kw)
    cover = FF.fold(FF.unfold(fg.ones(1, 1, 7, 8), **kw), (7, 8), **kw)
    np.testing.assert_allclose(back.numpy(), (xf * cover).numpy(), rtol=1e-12)


# --- attention ---------------------------------------------------------------------------------------------------
def test_scaled_dot_product_attention(torch):
    q, k, v = randn(2, 3, 4, 5), randn(2, 3, 6, 5, seed=1), randn(2, 3, 6, 2, seed=2)
    sdpa = "scaled_dot_product_attention"
    parity(torch, lambda L, a, b, c: F(L, sdpa)(a, b, c), q, k, v)
    parity(torch, lambda L, a, b, c: F(L, sdpa)(a, b, c, scale=0.3), q, k, v)
    parity(torch, lambda L, a, b, c: F(L, sdpa)(a, b, c, is_causal=True), q, k, v)
    parity(torch, lambda L, a, b, c: F(L, sdpa)(a, b, c, is_causal=True), q, k[:, :, :4], v[:, :, :4])
    mask = randn(4, 6, seed=3) > -0.3
    mask[2] = False  # a query that sees no key: zero output and gradient, as PyTorch's
    parity(torch, lambda L, a, b, c: F(L, sdpa)(a, b, c, attn_mask=L.tensor(mask)), q, k, v)
    parity(torch, lambda L, a, b, c: F(L, sdpa)(a, b, c, attn_mask=L.tensor(mask[None, None, :1])), q, k, v)
    bias = randn(3, 1, 6, seed=4)
    parity(torch, lambda L, a, b, c, m: F(L, sdpa)(a, b, c, attn_mask=m), q, k, v, bias)
    parity(torch, lambda L, a, b, c: F(L, sdpa)(a, b, c), q[0, 0], k[0, 0], v[0, 0])  # no batch dims
    kg, vg = randn(2, 1, 6, 5, seed=5), randn(2, 1, 6, 2, seed=6)
    parity(torch, lambda L, a, b, c: F(L, sdpa)(a, b, c, enable_gqa=True), q, kg, vg)
    q6 = randn(1, 6, 4, 5)
    parity(torch, lambda L, a, b, c: F(L, sdpa)(a, b, c, is_causal=True, enable_gqa=True), q6, randn(1, 3, 4, 5),
           randn(1, 3, 4, 3))


def test_attention_dropout_is_seeded_and_scaled():
    q, k, v = (fg.tensor(randn(1, 2, 8, 4, seed=s)) for s in range(3))
    fg.manual_seed(1)
    a = FF.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    fg.manual_seed(1)
    b = FF.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), FF.scaled_dot_product_attention(q, k, v).numpy())
    np.testing.assert_array_equal(FF.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy(), 0.0)


def test_linear(torch):
    x, w, b = randn(2, 3, 4), randn(5, 4, seed=1), randn(5, seed=2)
    parity(torch, lambda L, a, c, d: F(L, "linear")(a, c, d), x, w, b)
    parity(torch, lambda L, a, c: F(L, "linear")(a, c), x, w)
    parity(torch, lambda L, a, c: F(L, "linear")(a, c), x, w[0])


# --- finite differences (no PyTorch) -----------------------------------------------------------------------------
def test_by_finite_differences():
    x = randn(3, 4)
    for name, kw in [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("mish", {}), ("softplus", {"beta": 2.0}),
                     ("logsigmoid", {}), ("silu", {}), ("normalize", {"dim": 1})]:
        check_grads(_raw(lambda t: NNF[name](t, **kw)), (x,), order=2, modes=("rev",))
    t = np.array([0, 3, 1])
    w = np.abs(randn(4, seed=1)) + 0.1
    check_grads(_raw(lambda a: FF.cross_entropy(a, t, weight=w, label_smoothing=0.2)), (x,), order=2, modes=("rev",))
    check_grads(_raw(lambda a, v: FF.gaussian_nll_loss(a, x * 0.5, v)), (x, np.abs(x) + 0.5), order=1)
    check_grads(_raw(lambda a: FF.interpolate(a, size=(5, 3), mode="bicubic")), (randn(1, 1, 3, 4),), order=1)
    check_grads(_raw(lambda a: FF.interpolate(a, scale_factor=1.5, mode="linear", align_corners=True)),
                (randn(1, 2, 4),), order=1)
    check_grads(_raw(lambda c: FF.fold(c, (4, 5), 2, padding=1, stride=2)), (randn(1, 8, 9),), order=1)
    check_grads(_raw(lambda a, b, c: FF.scaled_dot_product_attention(a, b, c, is_causal=True)),
                (randn(2, 3, 4), randn(2, 3, 4, seed=1), randn(2, 3, 2, seed=2)), order=2, modes=("rev",))


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
    lambda x, i: FF.cross_entropy(x, i, weight=x[0, :, 0, 0] ** 2, ignore_index=1, label_smoothing=0.1),
    lambda x, i: FF.cross_entropy(x, FF.softmax(x * 2, 1)) + FF.nll_loss(FF.log_softmax(x[:, :, 0, 0], 1), i[:, 0, 0]),
    lambda x, i: FF.interpolate(x, size=(5, 7), mode="bilinear") .sum() + FF.interpolate(x, scale_factor=1.5).sum()
    + FF.interpolate(x, size=(3, 6), mode="bicubic", align_corners=True).sum(),
    lambda x, i: FF.fold(FF.unfold(x, 2, padding=1), (4, 4), 2, padding=1),
    lambda x, i: FF.scaled_dot_product_attention(x, x, x, attn_mask=FF.one_hot(i[0], 4) > 0)
    + FF.scaled_dot_product_attention(x, x, x, is_causal=True),
    lambda x, i: FF.multi_margin_loss(x[:, :, 0, 0], i[:, 0, 0]) + FF.multilabel_margin_loss(x[0, 0], i[0] - 1)
    + FF.binary_cross_entropy(FF.sigmoid(x), FF.sigmoid(x * 0.5).detach(), x[0, 0] ** 2),
    lambda x, i: FF.normalize(x, 3.0) + FF.gelu(x) + FF.hardswish(x) + FF.glu(x, 1).sum() + FF.softplus(x, 2.0),
]


@pytest.mark.parametrize("case", range(len(DEVICE_CASES)))
def test_device_inputs_stay_on_their_device(on_standin, case):
    f = DEVICE_CASES[case]
    x, idx = randn(2, 4, 4, 4), _rng(3).integers(0, 4, (2, 4, 4))
    cpu = [fg.tensor(x, requires_grad=True), fg.tensor(idx)]
    dev = [fg.tensor(x, device="cuda", requires_grad=True), fg.tensor(idx, device="cuda")]
    ycpu, ydev = f(*cpu), f(*dev)
    assert str(ydev.device).startswith("cuda")
    np.testing.assert_allclose(ydev.detach().cpu().numpy(), ycpu.detach().numpy(), rtol=1e-12)
    fnp.sum(ycpu * ycpu).backward()
    fnp.sum(ydev * ydev).backward()
    assert str(dev[0].grad.device).startswith("cuda")
    np.testing.assert_allclose(dev[0].grad.cpu().numpy(), cpu[0].grad.numpy(), rtol=1e-12, atol=1e-14)


# --- errors ------------------------------------------------------------------------------------------------------
def test_error_messages_name_the_function_and_shapes():
    with pytest.raises(RuntimeError, match=r"glu: Halving dimension must be even, but dimension 1 is size 3"):
        FF.glu(fg.ones(2, 3))
    with pytest.raises(RuntimeError, match="gelu: approximate argument must be either 'none' or 'tanh'"):
        FF.gelu(fg.ones(2), approximate="erf")
    with pytest.raises(ValueError, match=r"cross_entropy: Expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\)"):
        FF.cross_entropy(fg.ones(3, 4), fg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"cross_entropy: expected target of shape \(2, 5\).*\(2, 4, 5\).*\(2, 3\)"):
        FF.cross_entropy(fg.ones(2, 4, 5), fg.zeros(2, 3, dtype=fg.int64))
    with pytest.raises(IndexError, match=r"nll_loss: Target 7 is out of bounds \(input of shape \(3, 4\)"):
        FF.nll_loss(fg.ones(3, 4), fg.tensor([0, 7, 1]))
    with pytest.raises(RuntimeError, match=r"nll_loss: weight tensor should be defined either for all 4 classes"):
        FF.nll_loss(fg.ones(3, 4), fg.tensor([0, 1, 1]), weight=fg.ones(3))
    with pytest.raises(RuntimeError, match=r"cross_entropy: expected probability targets of the input's shape"):
        FF.cross_entropy(fg.ones(3, 4), fg.ones(3, 5))
    with pytest.raises(RuntimeError, match="cross_entropy: label_smoothing must be between 0.0 and 1.0"):
        FF.cross_entropy(fg.ones(3, 4), fg.tensor([0, 1, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"binary_cross_entropy: Using a target size \(3,\) .* input size \(2,\)"):
        FF.binary_cross_entropy(fg.ones(2) * 0.5, fg.ones(3))
    with pytest.raises(RuntimeError, match=r"binary_cross_entropy: weight of shape \(2, 1\) does not broadcast to "
                                           r"the input's shape \(1,\)"):
        FF.binary_cross_entropy(fg.tensor([0.3]), fg.ones(1), weight=fg.ones(2, 1))
    with pytest.raises(RuntimeError, match="binary_cross_entropy: all elements of input should be between 0 and 1"):
        FF.binary_cross_entropy(fg.tensor([1.5]), fg.ones(1))
    with pytest.raises(ValueError, match=r"mse_loss: Weights and input must have the same size"):
        FF.mse_loss(fg.ones(2, 3), fg.ones(2, 3), weight=fg.ones(3))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var is of incorrect size \(3, 2\)"):
        FF.gaussian_nll_loss(fg.ones(4, 3), fg.ones(4, 3), fg.ones(3, 2))
    with pytest.raises(ValueError, match="gaussian_nll_loss: var has negative"):
        FF.gaussian_nll_loss(fg.ones(2), fg.ones(2), fg.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="multi_margin_loss: only p == 1 and p == 2 supported"):
        FF.multi_margin_loss(fg.ones(2, 3), fg.tensor([0, 1]), p=3)
    with pytest.raises(RuntimeError, match=r"multi_margin_loss: expected a target of shape \(2,\)"):
        FF.multi_margin_loss(fg.ones(2, 3), fg.tensor([0, 1, 2]))
    with pytest.raises(NotImplementedError, match=r"interpolate: Got 4D input \(shape \(1, 1, 2, 2\)\), but linear "
                                                  r"mode needs 3D input"):
        FF.interpolate(fg.ones(1, 1, 2, 2), size=3, mode="linear")
    with pytest.raises(ValueError, match="interpolate: align_corners option can only be set"):
        FF.interpolate(fg.ones(1, 1, 2), size=3, align_corners=True)
    with pytest.raises(ValueError, match=r"interpolate: Input and output must have the same number of spatial "
                                         r"dimensions, but got input with spatial dimensions of \[2, 2\]"):
        FF.interpolate(fg.ones(1, 1, 2, 2), size=(3, 3, 3))
    with pytest.raises(ValueError, match="interpolate: only one of size or scale_factor"):
        FF.interpolate(fg.ones(1, 1, 2), size=3, scale_factor=2)
    with pytest.raises(RuntimeError, match=r"unfold: Input Error: Only 3D .* \(got 2D, shape \(3, 4\)\)"):
        FF.unfold(fg.ones(3, 4), 2)
    with pytest.raises(RuntimeError, match=r"unfold: the padded input \(2, 2\) is smaller than the dilated kernel"):
        FF.unfold(fg.ones(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError, match=r"fold: Expected size of input's dimension 1 to be divisible .* "
                                           r"input.size\(1\)=5 and kernel_size=\(2, 2\)"):
        FF.fold(fg.ones(1, 5, 4), (3, 3), 2)
    with pytest.raises(RuntimeError, match=r"fold: .*number of sliding blocks 2 \* 2 = 4, but got input.size\(2\)=5"):
        FF.fold(fg.ones(1, 4, 5), (3, 3), 2)
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: expected query \(\.\.\., L, E\).*"
                                           r"\(2, 3, 4\), \(2, 5, 3\)"):
        FF.scaled_dot_product_attention(fg.ones(2, 3, 4), fg.ones(2, 5, 3), fg.ones(2, 5, 4))
    with pytest.raises(RuntimeError, match="scaled_dot_product_attention: Explicit attn_mask should not be set"):
        FF.scaled_dot_product_attention(fg.ones(1, 2, 4), fg.ones(1, 2, 4), fg.ones(1, 2, 4),
                                        attn_mask=fg.ones(2, 2), is_causal=True)
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: attn_mask of shape \(3, 3\) does not "
                                           r"broadcast .* \(1, 2, 2\)"):
        FF.scaled_dot_product_attention(fg.ones(1, 2, 4), fg.ones(1, 2, 4), fg.ones(1, 2, 4), attn_mask=fg.ones(3, 3))
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: enable_gqa needs the query heads \(3\)"):
        FF.scaled_dot_product_attention(fg.ones(1, 3, 2, 4), fg.ones(1, 2, 2, 4), fg.ones(1, 2, 2, 4),
                                        enable_gqa=True)
    with pytest.raises(RuntimeError, match=r"linear: input of shape \(2, 3\) and weight of shape \(4, 5\)"):
        FF.linear(fg.ones(2, 3), fg.ones(4, 5))


# --- registry ----------------------------------------------------------------------------------------------------
NEW = ["relu6", "leaky_relu", "elu", "gelu", "silu", "mish", "softplus", "softsign", "hardtanh", "hardsigmoid",
       "hardswish", "logsigmoid", "tanhshrink", "softshrink", "glu", "softmin", "gumbel_softmax", "normalize",
       "one_hot", "relu", "softmax", "log_softmax", "relu_", "elu_", "leaky_relu_", "hardtanh_", "mse_loss",
       "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
       "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
       "gaussian_nll_loss", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
       "scaled_dot_product_attention", "unfold", "fold", "linear"]


def test_registered_under_their_f_names():
    for name in NEW:
        assert name in NNF and getattr(FF, name) is NNF[name] and name in FF.__all__, name
    assert FF.sigmoid.__wrapped__ is fg.sigmoid and FF.tanh.__wrapped__ is fg.tanh  # F's forms take arrays too
    assert FF.relu.__wrapped__ is fg.tensors.activations_more.relu


def test_signatures_match_pytorch(torch):
    import inspect

    for name in NEW:
        tf = getattr(torch.nn.functional, name)
        try:
            want = list(inspect.signature(tf).parameters)
        except (ValueError, TypeError):
            continue  # a builtin without a Python signature
        got = list(inspect.signature(NNF[name]).parameters)
        assert got == want, (name, got, want)
