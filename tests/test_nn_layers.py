"""The layer classes of ``funcgrad.nn`` (conv, pooling, norms, dropout, embeddings, activations, losses, resampling,
padding, distances, fold) against ``torch.nn`` (skipped where torch is missing), in float64: the same constructor
arguments, torch's state dict loaded into funcgrad's module (the keys equal), then outputs, gradients with respect
to every input and parameter, and the buffers after a train and an eval pass, and the reprs. Then what needs no
torch: the default initialisation's distributions, dropout's statistics, train/eval behaviour, clear errors, and
that 2,000 training steps of a small CNN hold no growing memory.
"""
import gc
import math
import re
import tracemalloc
import warnings

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import nn

RTOL, ATOL = 1e-6, 1e-9


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _torch_text(s: str) -> str:
    """torch's repr in funcgrad's spelling (``torch.Size([2, 3])`` as ``(2, 3)``, ``torch.`` as ``funcgrad.``)."""
    s = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", lambda m: str(tuple(int(v) for v in m.group(1).split(",") if v)), s)
    return s.replace("torch.", "funcgrad.")


def _np(t):
    return np.asarray(t.detach().numpy()) if hasattr(t, "detach") else np.asarray(t)


class A:
    """An array argument of a constructor, made a tensor of each library."""

    def __init__(self, *values):
        self.a = np.asarray(values, dtype=np.float64)


def _lib(args, T):
    conv = lambda v: T.tensor(v.a) if isinstance(v, A) else v  # noqa: E731
    return [conv(v) for v in args] if isinstance(args, (list, tuple)) else {k: conv(v) for k, v in args.items()}


# input specs: X float (differentiated), C float constant, P positive (differentiated), Q positive constant,
# U in (0, 1) (differentiated), V in (0, 1) constant, S signs, B 0/1 constant, I ints below ``high``, K fixed ints
def X(*s): return ("x", s)
def C(*s): return ("c", s)
def P(*s): return ("p", s)
def Q(*s): return ("q", s)
def U(*s): return ("u", s)
def V(*s): return ("v", s)
def S(*s): return ("s", s)
def B(*s): return ("b", s)
def I(high, *s, ignore=None): return ("i", s, high, ignore)  # noqa: E302,E743
def K(*values): return ("k", values)


def _make(spec, rng):
    kind, shape = spec[0], spec[1]
    if kind in "xc":
        return rng.standard_normal(shape) * 1.5, kind == "x"
    if kind in "pq":
        return rng.uniform(0.5, 2.0, shape), kind == "p"
    if kind in "uv":
        return rng.uniform(0.05, 0.95, shape), kind == "u"
    if kind == "s":
        return rng.choice([-1.0, 1.0], shape), False
    if kind == "b":
        return rng.integers(0, 2, shape).astype(np.float64), False
    if kind == "i":
        a = rng.integers(0, spec[2], shape)
        if spec[3] is not None:
            a.ravel()[::3] = spec[3]
        return a, False
    return np.asarray(shape, dtype=np.int64), False


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def _assert_close(got, want, what):
    np.testing.assert_allclose(_np(got), _np(want), rtol=RTOL, atol=ATOL, err_msg=what)


def _check(torch, name, args=(), kwargs=None, inputs=(), modes=(True, False), fwd=None, grad=True):
    kwargs, fwd = kwargs or {}, fwd or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = getattr(torch.nn, name)(*_lib(args, torch), **_lib(kwargs, torch)).double()
        fm = getattr(nn, name)(*_lib(args, fg), **_lib(kwargs, fg)).double()
    assert repr(fm) == _torch_text(repr(tm))
    with torch.no_grad():  # off the defaults, so that loading them is seen
        for p in tm.parameters():
            p.add_(0.1 * torch.randn(p.shape, dtype=p.dtype))
    sd = tm.state_dict()
    assert set(fm.state_dict()) == set(sd)
    fm.load_state_dict(sd)
    rng = np.random.default_rng(0)
    arrays = [_make(s, rng) for s in inputs]
    for mode in modes:
        tm.train(mode), fm.train(mode)
        tin = [torch.tensor(a, requires_grad=g and grad) for a, g in arrays]
        fin = [fg.tensor(a, requires_grad=g and grad) for a, g in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tout, fout = tm(*tin, **fwd), fm(*fin, **fwd)
        for t, f in zip(tout if isinstance(tout, tuple) else (tout,), fout if isinstance(fout, tuple) else (fout,)):
            assert tuple(f.shape) == tuple(t.shape), (name, f.shape, t.shape)
            _assert_close(f, t, f"{name} output (training={mode})")
        if not grad or not _first(tout).requires_grad:
            continue
        cot = rng.standard_normal(tuple(_first(tout).shape))
        (_first(tout) * torch.tensor(cot)).sum().backward()
        (_first(fout) * fg.tensor(cot)).sum().backward()
        for i, (t, f) in enumerate(zip(tin, fin)):
            if t.requires_grad:
                _assert_close(f.grad, t.grad, f"{name} gradient of input {i} (training={mode})")
        tp, fp = dict(tm.named_parameters()), dict(fm.named_parameters())
        assert set(tp) == set(fp)
        for k in tp:
            if tp[k].grad is not None:
                _assert_close(fp[k].grad, tp[k].grad, f"{name} gradient of {k} (training={mode})")
        tm.zero_grad(), fm.zero_grad()
    fsd = fm.state_dict()
    for k, v in tm.state_dict().items():
        _assert_close(fsd[k], v, f"{name} state {k} after the passes")
    return tm, fm


CONV = [
    ("Conv1d", (3, 4, 3), {}, [X(2, 3, 9)]),
    ("Conv1d", (4, 6, 3), dict(stride=2, padding=2, dilation=2, groups=2), [X(2, 4, 11)]),
    ("Conv1d", (3, 4, 4), dict(padding="same", padding_mode="reflect"), [X(2, 3, 9)]),
    ("Conv1d", (3, 2, 3), dict(padding="valid", bias=False), [X(3, 7)]),
    ("Conv1d", (2, 2, 3), dict(padding=1, padding_mode="circular"), [X(1, 2, 6)]),
    ("Conv1d", (2, 2, 3), dict(padding=1, padding_mode="reflect"), [X(2, 6)]),
    ("Conv2d", (3, 4, 3), {}, [X(2, 3, 7, 6)]),
    ("Conv2d", (4, 4, (3, 2)), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=4), [X(2, 4, 8, 8)]),
    ("Conv2d", (2, 3, 3), dict(padding=2, padding_mode="replicate"), [X(1, 2, 5, 5)]),
    ("Conv2d", (2, 3, 3), dict(padding=1, padding_mode="reflect", stride=2), [X(1, 2, 6, 6)]),
    ("Conv2d", (2, 4, 3), dict(padding="same", dilation=2, padding_mode="circular", groups=2), [X(1, 2, 7, 7)]),
    ("Conv2d", (2, 2, 1), dict(bias=False), [X(2, 5, 5)]),
    ("Conv3d", (2, 4, 2), {}, [X(1, 2, 4, 4, 4)]),
    ("Conv3d", (2, 2, 3), dict(padding="same", padding_mode="reflect"), [X(2, 4, 4, 4)]),
    ("Conv3d", (2, 2, (2, 3, 1)), dict(stride=(1, 2, 1), padding=(1, 0, 1), groups=2, padding_mode="replicate"),
     [X(1, 2, 4, 5, 3)]),
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2, padding=1, output_padding=1), [X(2, 3, 5)]),
    ("ConvTranspose1d", (4, 2, 2), dict(groups=2, dilation=2, bias=False), [X(4, 5)]),
    ("ConvTranspose2d", (2, 4, 3), dict(stride=2, padding=1), [X(1, 2, 4, 4)], dict(output_size=(8, 8))),
    ("ConvTranspose2d", (4, 4, (2, 3)), dict(stride=(2, 1), padding=(0, 1), output_padding=(1, 0), groups=2,
                                             dilation=(1, 2)), [X(2, 4, 3, 4)]),
    ("ConvTranspose3d", (2, 2, 2), dict(stride=2), [X(1, 2, 2, 3, 2)], dict(output_size=[1, 2, 5, 6, 4])),
]

POOL = [
    ("MaxPool1d", (3, 2, 1), {}, [X(2, 3, 9)]),
    ("MaxPool1d", (3,), dict(stride=2, padding=1, dilation=2, return_indices=True, ceil_mode=True), [X(2, 3, 10)]),
    ("MaxPool2d", (2,), {}, [X(2, 3, 6, 7)]),
    ("MaxPool2d", ((3, 2),), dict(stride=(2, 1), padding=1, return_indices=True), [X(1, 2, 7, 6)]),
    ("MaxPool2d", (3, 2), dict(ceil_mode=True, return_indices=True), [X(2, 8, 8)]),
    ("MaxPool3d", (2,), dict(return_indices=True), [X(1, 2, 4, 4, 5)]),
    ("MaxPool3d", (3, 2, 1), dict(ceil_mode=True), [X(1, 1, 5, 6, 5)]),
    ("AvgPool1d", (3, 2, 1), {}, [X(2, 3, 8)]),
    ("AvgPool1d", (2,), dict(ceil_mode=True, count_include_pad=False, padding=1), [X(2, 3, 7)]),
    ("AvgPool2d", (2,), {}, [X(2, 3, 6, 7)]),
    ("AvgPool2d", (3, 2, 1), dict(ceil_mode=True, count_include_pad=False), [X(1, 2, 7, 8)]),
    ("AvgPool2d", (2,), dict(divisor_override=3), [X(2, 6, 6)]),
    ("AvgPool3d", (2,), dict(stride=1, padding=1, count_include_pad=False), [X(1, 2, 3, 4, 3)]),
    ("AvgPool3d", ((2, 1, 2),), dict(divisor_override=2), [X(1, 1, 4, 3, 4)]),
    ("LPPool1d", (2, 3), dict(stride=2), [P(2, 3, 9)]),
    ("LPPool2d", (3, (2, 3)), {}, [P(1, 2, 6, 6)]),
    ("LPPool2d", (1.5, 2), dict(ceil_mode=True), [P(2, 5, 5)]),
    ("LPPool3d", (2, 2), {}, [P(1, 1, 4, 4, 4)]),
    ("AdaptiveAvgPool1d", (4,), {}, [X(2, 3, 10)]),
    ("AdaptiveAvgPool2d", ((3, None),), {}, [X(2, 3, 7, 5)]),
    ("AdaptiveAvgPool2d", (1,), {}, [X(3, 4, 4)]),
    ("AdaptiveAvgPool3d", ((2, 3, 1),), {}, [X(1, 2, 5, 7, 3)]),
    ("AdaptiveMaxPool1d", (3,), dict(return_indices=True), [X(2, 3, 8)]),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, [X(2, 3, 7, 5)]),
    ("AdaptiveMaxPool2d", (4, True), {}, [X(3, 9, 6)]),
    ("AdaptiveMaxPool3d", ((2, 3, 2), True), {}, [X(1, 2, 5, 7, 4)]),
]

NORM = [
    ("BatchNorm1d", (3,), {}, [X(4, 3)]),
    ("BatchNorm1d", (3,), dict(affine=False), [X(4, 3, 5)]),
    ("BatchNorm1d", (3,), dict(momentum=None, bias=False), [X(4, 3, 5)]),
    ("BatchNorm2d", (3,), {}, [X(4, 3, 5, 5)]),
    ("BatchNorm2d", (3,), dict(track_running_stats=False), [X(4, 3, 4, 4)]),
    ("BatchNorm2d", (3,), dict(eps=1e-3, momentum=0.3), [X(2, 3, 3, 4)]),
    ("BatchNorm3d", (2,), {}, [X(2, 2, 3, 3, 3)]),
    ("InstanceNorm1d", (3,), {}, [X(2, 3, 6)]),
    ("InstanceNorm1d", (3,), dict(affine=True, track_running_stats=True), [X(2, 3, 6)]),
    ("InstanceNorm1d", (3,), dict(affine=True, track_running_stats=True), [X(3, 7)]),
    ("InstanceNorm2d", (3,), dict(affine=True), [X(3, 5, 5)]),
    ("InstanceNorm2d", (2,), dict(track_running_stats=True, momentum=0.4), [X(3, 2, 4, 4)]),
    ("InstanceNorm3d", (2,), dict(affine=True), [X(2, 2, 3, 3, 3)]),
    ("LayerNorm", (5,), {}, [X(2, 3, 5)]),
    ("LayerNorm", ([3, 4],), dict(elementwise_affine=False), [X(2, 3, 4)]),
    ("LayerNorm", ((4,),), dict(bias=False, eps=1e-3), [X(3, 4)]),
    ("GroupNorm", (2, 4), {}, [X(2, 4, 5)]),
    ("GroupNorm", (3, 6), dict(affine=False), [X(2, 6, 3, 3)]),
    ("GroupNorm", (1, 4), dict(eps=1e-3, bias=False), [X(3, 4)]),
    ("RMSNorm", (4,), {}, [X(2, 3, 4)]),
    ("RMSNorm", ([3, 4],), dict(eps=1e-5), [X(2, 3, 4)]),
    ("RMSNorm", (4,), dict(elementwise_affine=False), [X(5, 4)]),
    ("LocalResponseNorm", (3,), {}, [X(2, 5, 4, 4)]),
    ("LocalResponseNorm", (2,), dict(alpha=1e-2, beta=0.5, k=2.0), [X(2, 4, 6)]),
]

SPARSE = [
    ("Embedding", (10, 4), {}, [I(10, 3, 5)]),
    ("Embedding", (10, 4), dict(padding_idx=2), [I(10, 4, 3, ignore=2)]),
    ("Embedding", (10, 4), dict(max_norm=1.0), [I(10, 6)]),
    ("Embedding", (10, 3), dict(padding_idx=-1, scale_grad_by_freq=True), [I(10, 12, ignore=9)]),
    ("EmbeddingBag", (10, 3), {}, [I(10, 4, 3)]),
    ("EmbeddingBag", (10, 3), dict(mode="sum"), [I(10, 7), K(0, 2, 5)]),
    ("EmbeddingBag", (10, 3), dict(mode="max", padding_idx=0), [I(10, 3, 4, ignore=0)]),
    ("EmbeddingBag", (10, 3), dict(mode="sum", include_last_offset=True), [I(10, 7), K(0, 3, 7), P(7)]),
    ("EmbeddingBag", (10, 3), dict(mode="mean", max_norm=0.5), [I(10, 6), K(0, 1, 4)]),
]

ACT = [(n, a, {}, [X(2, 3, 4)]) for n, a in [
    ("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", (0.2,)), ("ELU", (0.7,)), ("SELU", ()), ("CELU", (1.3,)),
    ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()), ("Mish", ()), ("Sigmoid", ()), ("Tanh", ()),
    ("Softplus", (2.0, 1.0)), ("Softsign", ()), ("Softmax", (1,)), ("LogSoftmax", (-1,)), ("Softmin", (0,)),
    ("Hardtanh", (-0.5, 1.5)), ("Hardsigmoid", ()), ("Hardswish", ()), ("Hardshrink", (0.3,)),
    ("Softshrink", (0.7,)), ("Tanhshrink", ()), ("Threshold", (0.1, -2.0)), ("PReLU", ()), ("PReLU", (3, 0.1)),
    ("LogSigmoid", ()), ("GLU", (2,)), ("Softmax2d", ())]] + [
    ("RReLU", (0.1, 0.3), {}, [X(2, 3, 4)], None, (False,)),
    ("GLU", (), {}, [X(3, 4)]), ("Softmax2d", (), {}, [X(3, 4, 4)]), ("Softmax", (), {}, [X(2, 3, 4)]),
]

LOSS = [
    ("MSELoss", (), {}, [X(3, 4), C(3, 4)]),
    ("MSELoss", (), dict(reduction="sum"), [X(3, 4), X(3, 4)]),
    ("MSELoss", (), dict(size_average=False), [X(3, 4), C(3, 4)]),
    ("L1Loss", (), dict(reduction="none"), [X(3, 4), C(3, 4)]),
    ("L1Loss", (), dict(reduce=False), [X(3, 4), C(3, 4)]),
    ("SmoothL1Loss", (), dict(beta=0.5), [X(3, 4), C(3, 4)]),
    ("HuberLoss", (), dict(delta=0.7, reduction="sum"), [X(3, 4), C(3, 4)]),
    ("CrossEntropyLoss", (), {}, [X(5, 4), I(4, 5)]),
    ("CrossEntropyLoss", (), dict(weight=A(1.0, 2.0, 0.5, 1.5), ignore_index=1, label_smoothing=0.2),
     [X(6, 4), I(4, 6)]),
    ("CrossEntropyLoss", (), dict(reduction="sum", label_smoothing=0.1), [X(2, 4, 3), I(4, 2, 3)]),
    ("CrossEntropyLoss", (), dict(label_smoothing=0.1), [X(5, 4), V(5, 4)]),
    ("CrossEntropyLoss", (), dict(weight=A(1.0, 2.0, 0.5), reduction="none"), [X(6, 3), I(3, 6, ignore=-100)]),
    ("CrossEntropyLoss", (), dict(weight=A(1.0, 2.0, 0.5)), [X(6, 3), I(3, 6, ignore=-100)]),
    ("NLLLoss", (), {}, [X(5, 3), I(3, 5)]),
    ("NLLLoss", (), dict(weight=A(0.5, 1.0, 2.0), ignore_index=0), [X(6, 3, 2), I(3, 6, 2)]),
    ("BCELoss", (), {}, [U(4, 3), V(4, 3)]),
    ("BCELoss", (), dict(weight=A(1.0, 2.0, 0.5), reduction="sum"), [U(4, 3), B(4, 3)]),
    ("BCEWithLogitsLoss", (), dict(pos_weight=A(1.0, 3.0, 0.5)), [X(4, 3), V(4, 3)]),
    ("BCEWithLogitsLoss", (), dict(weight=A(1.0, 2.0, 0.5), reduction="none"), [X(4, 3), B(4, 3)]),
    ("KLDivLoss", (), dict(reduction="batchmean"), [X(4, 3), V(4, 3)]),
    ("KLDivLoss", (), dict(log_target=True, reduction="sum"), [X(4, 3), C(4, 3)]),
    ("CosineEmbeddingLoss", (), dict(margin=0.2), [X(4, 5), X(4, 5), S(4)]),
    ("MarginRankingLoss", (0.5,), {}, [X(5), X(5), S(5)]),
    ("TripletMarginLoss", (), {}, [X(4, 5), X(4, 5), X(4, 5)]),
    ("TripletMarginLoss", (), dict(margin=0.5, p=1.0, swap=True), [X(4, 5), X(4, 5), X(4, 5)]),
    ("TripletMarginWithDistanceLoss", (), {}, [X(4, 5), X(4, 5), X(4, 5)]),
    ("TripletMarginWithDistanceLoss", (), dict(swap=True, margin=2.0, reduction="sum"),
     [X(4, 5), X(4, 5), X(4, 5)]),
    ("HingeEmbeddingLoss", (), dict(margin=0.5), [X(4, 3), S(4, 3)]),
    ("SoftMarginLoss", (), {}, [X(4, 3), S(4, 3)]),
    ("MultiLabelSoftMarginLoss", (), dict(weight=A(1.0, 2.0, 0.5)), [X(4, 3), B(4, 3)]),
    ("MultiMarginLoss", (), {}, [X(4, 5), I(5, 4)]),
    ("MultiMarginLoss", (), dict(p=2, margin=0.5, weight=A(1.0, 2.0, 0.5, 1.0, 3.0)), [X(4, 5), I(5, 4)]),
    ("MultiLabelMarginLoss", (), {}, [X(2, 4), K([3, 0, -1, 1], [1, 2, 3, -1])]),
    ("PoissonNLLLoss", (), {}, [X(4, 3), Q(4, 3)]),
    ("PoissonNLLLoss", (), dict(log_input=False, full=True), [P(4, 3), Q(4, 3)]),
    ("GaussianNLLLoss", (), {}, [X(4, 3), C(4, 3), P(4, 3)]),
    ("GaussianNLLLoss", (), dict(full=True, reduction="sum"), [X(4, 3), C(4, 3), P(4, 1)]),
]

SHAPE = [
    ("Upsample", (), dict(scale_factor=2), [X(1, 2, 3, 4)]),
    ("Upsample", (), dict(size=(5, 7), mode="bilinear", align_corners=True), [X(1, 2, 3, 4)]),
    ("Upsample", (), dict(scale_factor=1.5, mode="bilinear"), [X(1, 1, 4, 4)]),
    ("Upsample", (), dict(scale_factor=2, mode="linear"), [X(1, 2, 5)]),
    ("Upsample", (), dict(size=(4, 5, 3), mode="trilinear"), [X(1, 1, 2, 3, 2)]),
    ("Upsample", (), dict(scale_factor=(2, 3)), [X(1, 2, 3, 3)]),
    ("Upsample", (), dict(scale_factor=2, mode="bicubic"), [X(1, 1, 3, 3)]),
    ("Upsample", (), dict(scale_factor=2, mode="nearest-exact"), [X(1, 2, 3, 3)]),
    ("Upsample", (), dict(size=3, mode="area"), [X(1, 2, 7)]),
    ("UpsamplingNearest2d", (), dict(scale_factor=2), [X(1, 2, 3, 3)]),
    ("UpsamplingBilinear2d", (), dict(size=(5, 4)), [X(1, 2, 3, 3)]),
    ("PixelShuffle", (2,), {}, [X(1, 8, 3, 3)]),
    ("PixelUnshuffle", (2,), {}, [X(1, 2, 4, 6)]),
    ("ChannelShuffle", (2,), {}, [X(1, 4, 3, 3)]),
    ("ZeroPad1d", (2,), {}, [X(2, 3, 4)]),
    ("ZeroPad2d", ((1, 2, 0, 3),), {}, [X(1, 2, 3, 3)]),
    ("ZeroPad3d", (1,), {}, [X(1, 1, 2, 2, 2)]),
    ("ConstantPad1d", ((1, 3), 2.5), {}, [X(2, 4)]),
    ("ConstantPad2d", (1, -1.0), {}, [X(1, 2, 3, 3)]),
    ("ConstantPad3d", ((1, 0, 0, 1, 1, 1), 0.5), {}, [X(1, 2, 2, 2, 2)]),
    ("ReflectionPad1d", ((2, 1),), {}, [X(1, 2, 5)]),
    ("ReflectionPad2d", ((1, 2, 2, 0),), {}, [X(1, 2, 4, 4)]),
    ("ReflectionPad3d", (1,), {}, [X(1, 1, 3, 3, 3)]),
    ("ReplicationPad1d", (3,), {}, [X(1, 2, 4)]),
    ("ReplicationPad2d", ((0, 1, 2, 3),), {}, [X(1, 2, 3, 3)]),
    ("ReplicationPad3d", ((1, 0, 1, 0, 0, 2),), {}, [X(1, 1, 2, 3, 2)]),
    ("CircularPad1d", (2,), {}, [X(1, 2, 4)]),
    ("CircularPad2d", ((1, 0, 2, 1),), {}, [X(1, 1, 3, 3)]),
    ("CircularPad3d", (1,), {}, [X(1, 1, 2, 3, 2)]),
    ("CosineSimilarity", (), {}, [X(4, 5), X(4, 5)]),
    ("CosineSimilarity", (), dict(dim=0, eps=1e-6), [X(5, 3), X(5, 3)]),
    ("PairwiseDistance", (), {}, [X(4, 5), X(4, 5)]),
    ("PairwiseDistance", (), dict(p=1.0, keepdim=True), [X(4, 5), X(4, 5)]),
    ("PairwiseDistance", (), dict(p=3.0, eps=0.0), [X(4, 5), X(4, 5)]),
    ("Fold", ((4, 5), (2, 2)), {}, [X(1, 12, 12)]),
    ("Fold", (5, 3), dict(padding=1, stride=2), [X(2, 18, 9)]),
    ("Unfold", (2,), {}, [X(1, 3, 4, 5)]),
    ("Unfold", ((2, 3),), dict(dilation=(1, 2), padding=1, stride=(2, 1)), [X(2, 2, 5, 6)]),
]

CASES = CONV + POOL + NORM + SPARSE + ACT + LOSS + SHAPE


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_parity_with_torch(torch, case):
    name, args, kwargs, inputs, *rest = case
    fwd = rest[0] if rest else None
    modes = rest[1] if len(rest) > 1 else (True, False)
    _check(torch, name, args, kwargs, inputs, modes=modes, fwd=fwd)


@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
def test_batchnorm_running_stats_follow_torch_step_by_step(torch, momentum):
    tm, fm = torch.nn.BatchNorm2d(3, momentum=momentum).double(), nn.BatchNorm2d(3, momentum=momentum).double()
    mean, var = fm.running_mean, fm.running_var
    rng = np.random.default_rng(1)
    for step in range(4):
        x = rng.standard_normal((4, 3, 3, 3)) * (step + 1) + step
        _assert_close(fm(fg.tensor(x)), tm(torch.tensor(x)), f"step {step}")
        for k in ("running_mean", "running_var", "num_batches_tracked"):
            _assert_close(getattr(fm, k), getattr(tm, k), f"{k} after step {step}")
    assert fm.running_mean is mean and fm.running_var is var  # updated in place, never replaced
    assert not fm.running_mean.requires_grad and fm.running_mean.grad_fn is None
    assert fm.num_batches_tracked.dtype == np.int64 and int(fm.num_batches_tracked) == 4
    x = rng.standard_normal((2, 3, 3, 3))
    _assert_close(fm.eval()(fg.tensor(x)), tm.eval()(torch.tensor(x)), "eval after training")


def test_inplace_activations_and_dropout_reprs_match_torch(torch):
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    for name, args in [("ReLU", (True,)), ("ReLU6", (True,)), ("LeakyReLU", (0.1, True)), ("ELU", (1.0, True)),
                       ("SELU", (True,)), ("CELU", (1.0, True)), ("SiLU", (True,)), ("Mish", (True,)),
                       ("Hardtanh", (-1.0, 1.0, True)), ("Hardsigmoid", (True,)), ("Hardswish", (True,)),
                       ("Threshold", (0.1, 2.0, True)), ("RReLU", (0.1, 0.3, True))]:
        tm, fm = getattr(torch.nn, name)(*args).eval(), getattr(nn, name)(*args).eval()
        assert repr(fm) == repr(tm)
        tx, fx = torch.tensor(x), fg.tensor(x)
        ty, fy = tm(tx), fm(fx)
        _assert_close(fy, ty, name)
        _assert_close(fx, tx, name + " (its input, updated in place)")
    for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
        assert repr(getattr(nn, name)(0.3, inplace=True)) == repr(getattr(torch.nn, name)(0.3, inplace=True))


@pytest.mark.parametrize("nd, shape, args, output_size", [
    (1, (2, 3, 9), (3, 2, 1), None), (2, (2, 3, 6, 7), (2,), [2, 3, 6, 7]), (2, (3, 7, 7), (3, 2, 1), (7, 7)),
    (3, (1, 2, 4, 4, 5), (2,), [1, 2, 4, 4, 5])])
def test_max_unpool_matches_torch(torch, nd, shape, args, output_size):
    x = np.random.default_rng(4).standard_normal(shape)
    pool = getattr(torch.nn, f"MaxPool{nd}d")(*args, return_indices=True)
    values, indices = pool(torch.tensor(x))
    tm, fm = getattr(torch.nn, f"MaxUnpool{nd}d")(*args), getattr(nn, f"MaxUnpool{nd}d")(*args)
    assert repr(fm) == repr(tm)
    tv, fv = values.clone().requires_grad_(), fg.tensor(values.numpy(), requires_grad=True)
    ty, fy = tm(tv, indices, output_size=output_size), fm(fv, fg.tensor(indices.numpy()), output_size=output_size)
    _assert_close(fy, ty, "max unpool")
    cot = np.random.default_rng(5).standard_normal(tuple(ty.shape))
    (ty * torch.tensor(cot)).sum().backward(), (fy * fg.tensor(cot)).sum().backward()
    _assert_close(fv.grad, tv.grad, "max unpool gradient")  # overlapping windows repeat indices: each gets its own


def test_ctc_loss_matches_torch(torch):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 2, 4))
    targets, in_len, tgt_len = np.array([[1, 2, 2], [3, 1, 0]]), np.array([6, 5]), np.array([3, 2])
    for kw in (dict(), dict(reduction="sum", blank=0, zero_infinity=True)):
        tx, fx = torch.tensor(x, requires_grad=True), fg.tensor(x, requires_grad=True)
        tl = torch.nn.CTCLoss(**kw)(tx.log_softmax(2), torch.tensor(targets), torch.tensor(in_len),
                                    torch.tensor(tgt_len))
        fl = nn.CTCLoss(**kw)(fx.log_softmax(2), fg.tensor(targets), fg.tensor(in_len), fg.tensor(tgt_len))
        _assert_close(fl, tl, "CTC loss")
        tl.backward(), fl.backward()
        _assert_close(fx.grad, tx.grad, "CTC gradient")


# --- without torch: initialisation ------------------------------------------------------------------------------
@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Conv2d(16, 32, 3), 16 * 9), (lambda: nn.Conv1d(6, 9, 5, groups=3), 2 * 5),
    (lambda: nn.Conv3d(4, 8, 3), 4 * 27), (lambda: nn.ConvTranspose2d(16, 8, 3), 8 * 9),
    (lambda: nn.ConvTranspose1d(6, 4, 5, groups=2), 2 * 5)])
def test_conv_default_init_is_kaiming_uniform_with_bias_from_fan_in(make, fan_in):
    fg.manual_seed(0)
    m = make()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)): gain sqrt(1/3) * sqrt(3 / fan_in)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() / (bound / math.sqrt(3)) - 1) < 0.15 and abs(w.mean()) < bound / 5
    assert m.weight.is_leaf and m.weight.requires_grad and isinstance(m.weight, nn.Parameter)


def test_other_default_inits_and_factory_kwargs():
    fg.manual_seed(0)
    emb = nn.Embedding(2000, 16, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert abs(w.mean()) < 0.03 and abs(w.std() - 1) < 0.03 and not w[3].any()
    bag = nn.EmbeddingBag(50, 4, padding_idx=-2)
    assert bag.padding_idx == 48 and not bag.weight.detach().numpy()[48].any()
    bn = nn.BatchNorm2d(5, dtype=fg.float64, device="cpu")
    for t, v in ((bn.weight, 1), (bn.bias, 0), (bn.running_mean, 0), (bn.running_var, 1)):
        assert t.dtype == np.float64 and (t.detach().numpy() == v).all()
    assert bn.num_batches_tracked.dtype == np.int64 and int(bn.num_batches_tracked) == 0
    assert nn.BatchNorm1d(3, affine=False, track_running_stats=False).state_dict() == {}
    for m, n in ((nn.LayerNorm((2, 3)), 2), (nn.GroupNorm(2, 4), 2), (nn.RMSNorm(3), 1)):
        ps = list(m.parameters())
        assert len(ps) == n and (ps[0].detach().numpy() == 1).all() and all((p.detach().numpy() == 0).all()
                                                                             for p in ps[1:])
    assert nn.PReLU(4, init=0.3).weight.tolist() == pytest.approx([0.3] * 4)
    assert nn.Conv2d(2, 3, 3, dtype=fg.float64).weight.dtype == np.float64
    assert nn.ConvTranspose1d(2, 3, 3, bias=False).weight.shape == (2, 3, 3)
    fg.manual_seed(7)
    a = nn.Conv1d(2, 2, 3).weight.detach().numpy()
    fg.manual_seed(7)
    assert (nn.Conv1d(2, 2, 3).weight.detach().numpy() == a).all()


# --- without torch: behaviour -----------------------------------------------------------------------------------
def test_dropout_statistics_and_eval_identity():
    fg.manual_seed(0)
    x = fg.ones(20000, requires_grad=True)
    y = nn.Dropout(0.3)(x)
    v = y.detach().numpy()
    assert np.isclose(v, 0).sum() + np.isclose(v, 1 / 0.7).sum() == v.size and abs((v == 0).mean() - 0.3) < 0.02
    y.sum().backward()
    assert np.allclose(x.grad.numpy(), v)  # the gradient is the mask, scaled
    for cls, shape in ((nn.Dropout1d, (8, 64, 5)), (nn.Dropout2d, (4, 64, 3, 3)), (nn.Dropout3d, (2, 64, 2, 2, 2))):
        z = cls(0.5)(fg.ones(*shape)).numpy().reshape(shape[0], shape[1], -1)
        assert (z.min(-1) == z.max(-1)).all() and 0.3 < (z[..., 0] == 0).mean() < 0.7
    xs = fg.randn(40000)
    a = nn.AlphaDropout(0.2)(xs).numpy()
    assert abs(a.mean()) < 0.05 and abs(a.std() - 1) < 0.05 and (a != xs.numpy()).mean() > 0.15
    for m in (nn.Dropout(0.5), nn.Dropout2d(), nn.AlphaDropout(0.3), nn.FeatureAlphaDropout(0.3)):
        m.eval()
        inp = fg.randn(2, 3, 4, 4)
        assert (m(inp).numpy() == inp.numpy()).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_embedding_padding_idx_gradient_max_norm_and_from_pretrained():
    emb = nn.Embedding(6, 3, padding_idx=1)
    emb(fg.tensor([[1, 2], [1, 5]])).sum().backward()
    g = emb.weight.grad.numpy()
    assert not g[1].any() and (g[2] == 1).all() and (g[5] == 1).all()
    table = fg.tensor(np.arange(12.0).reshape(4, 3))
    pre = nn.Embedding.from_pretrained(table, padding_idx=0)
    assert not pre.weight.requires_grad and pre.weight.numpy()[0].tolist() == [0.0, 1.0, 2.0]
    assert pre(fg.tensor([3])).tolist() == [[9.0, 10.0, 11.0]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="2-dimensional"):
        nn.Embedding.from_pretrained(fg.ones(3))
    capped = nn.Embedding(5, 4, max_norm=1.0)
    capped(fg.tensor([0, 2]))
    norms = np.linalg.norm(capped.weight.detach().numpy(), axis=1)
    assert norms[[0, 2]].max() <= 1.0 + 1e-5
    bag = nn.EmbeddingBag.from_pretrained(table, mode="sum", freeze=False)
    assert bag(fg.tensor([0, 1, 3]), fg.tensor([0, 2])).tolist() == [[3.0, 5.0, 7.0], [9.0, 10.0, 11.0]]


def test_norm_layers_train_and_eval():
    bn = nn.BatchNorm1d(2, track_running_stats=False)
    x = fg.tensor([[1.0, 2.0], [3.0, 6.0]])
    assert np.allclose(bn.eval()(x).detach().numpy(), [[-1, -1], [1, 1]], atol=1e-4)  # batch stats in eval too
    bn = nn.BatchNorm1d(2)
    bn.eval()(x)
    assert int(bn.num_batches_tracked) == 0 and bn.running_mean.tolist() == [0.0, 0.0]
    inorm = nn.InstanceNorm1d(2, track_running_stats=True)
    inorm(fg.randn(3, 2, 5))
    assert int(inorm.num_batches_tracked) == 0 and inorm.running_mean.numpy().any()
    bn.reset_running_stats()
    assert bn.running_var.tolist() == [1.0, 1.0]
    old = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}  # a checkpoint from before it
    assert repr(nn.BatchNorm1d(2).load_state_dict(old)) == "<All keys matched successfully>"
    d = nn.BatchNorm2d(3).double()
    assert d.running_mean.dtype == np.float64 and d.num_batches_tracked.dtype == np.int64


def test_clear_errors_name_the_layer_and_the_shapes():
    for layer, x, words in [
            (nn.Conv2d(3, 4, 3), fg.ones(3, 5), ["Conv2d", "3D", "4D", "(3, 5)"]),
            (nn.ConvTranspose1d(3, 4, 3), fg.ones(1, 1, 3, 5), ["ConvTranspose1d", "(1, 1, 3, 5)"]),
            (nn.MaxPool2d(2), fg.ones(4), ["MaxPool2d", "(4,)"]),
            (nn.AdaptiveAvgPool3d(2), fg.ones(2, 2), ["AdaptiveAvgPool3d", "(2, 2)"]),
            (nn.BatchNorm2d(3), fg.ones(2, 3, 4), ["BatchNorm2d", "4D", "(2, 3, 4)"]),
            (nn.BatchNorm1d(3), fg.ones(2, 3, 4, 5), ["BatchNorm1d", "2D or 3D", "(2, 3, 4, 5)"]),
            (nn.InstanceNorm2d(3), fg.ones(3, 4), ["InstanceNorm2d", "(3, 4)"]),
            (nn.LayerNorm(4), fg.ones(2, 3), ["LayerNorm", "[*, 4]", "(2, 3)"]),
            (nn.GroupNorm(2, 4), fg.ones(2, 6, 3), ["GroupNorm", "C=4", "(2, 6, 3)"]),
            (nn.ReflectionPad2d(1), fg.ones(4), ["ReflectionPad2d", "(4,)"])]:
        with pytest.raises(RuntimeError) as info:
            layer(x)
        assert all(w in str(info.value) for w in words), (str(info.value), words)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv1d(2, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv1d(2, 2, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="zeros"):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="valid sizes"):
        nn.ConvTranspose1d(1, 1, 3, stride=2)(fg.ones(1, 1, 4), output_size=[12])
    with pytest.raises(ValueError, match="num_features"):
        nn.InstanceNorm1d(3, affine=True)(fg.ones(2, 4, 5))
    with pytest.raises(ValueError, match="num_channels must be divisible"):
        nn.GroupNorm(3, 4)


def test_new_functional_pieces_are_registered():
    from funcgrad.tensors.activations import NN_FUNCTIONAL
    for name in ("adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool2d_with_indices", "lp_pool1d",
                 "lp_pool2d", "lp_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d", "local_response_norm"):
        assert name in NN_FUNCTIONAL


def test_training_a_small_cnn_holds_no_growing_memory():
    fg.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(64, 3))
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = fg.tensor(rng.standard_normal((8, 1, 8, 8)).astype(np.float32))
    y = fg.tensor(rng.integers(0, 3, 8))
    params = list(net.parameters())

    def step():
        loss = loss_fn(net(x), y)
        loss.backward()
        with fg.no_grad():
            for p in params:
                p.sub_(0.05 * p.grad)
                p.grad = None
        return float(loss)

    first = [step() for _ in range(50)][0]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            last = step()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1_000_000, f"{grown} bytes more after 2000 steps"
    assert last < first and int(net[1].num_batches_tracked) == 2050
    assert all(p.is_leaf and isinstance(p, nn.Parameter) for p in net.parameters())
