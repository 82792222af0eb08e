"""``funcgrad.nn.functional`` on the arrays face, and the array composites of convolution and pooling
(``funcgrad/primitives/convolution.py``) it runs on.

F on plain arrays gives plain arrays equal to the Tensor results; ``grad`` of a loss built from F on arrays matches
finite differences (to second order where the loss is smooth); ``vmap`` of ``F.conv2d`` over examples (inputs, and
weights) equals the loop, and so do per-example gradients; ``jacfwd`` and ``jacrev`` agree. The N-d composites
match PyTorch (values and gradients, asymmetric padding, groups, dilation, output padding), max pooling sends the
gradient to the first maximum (ties after a ReLU, NaNs); on a device backend everything stays on the device.
"""
import numpy as np
import pytest

import _backend as B
import funcgrad as fg
import funcgrad.nn.functional as F
import funcgrad.numpy as fnp
from funcgrad.primitives import convolution as C
from funcgrad.testing import check_grads

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def dev(*shape, seed=0):
    return B.asarray(randn(*shape, seed=seed))


# --- plain arrays in, plain arrays out, equal to the Tensor face --------------------------------------------------
CASES = [
    ("conv1d", lambda x, w: F.conv1d(x, w, stride=2, padding=1), ((2, 3, 9), (4, 3, 3))),
    ("conv2d", lambda x, w: F.conv2d(x, w, padding="same", dilation=2), ((2, 3, 6, 5), (4, 3, 3, 2))),
    ("conv2d_groups", lambda x, w: F.conv2d(x, w, groups=2, stride=(2, 1)), ((1, 4, 6, 5), (6, 2, 3, 3))),
    ("conv3d", lambda x, w: F.conv3d(x, w, padding=1), ((1, 2, 4, 3, 5), (3, 2, 2, 3, 2))),
    ("conv_transpose2d", lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
     ((2, 3, 4, 3), (3, 2, 3, 3))),
    ("max_pool2d", lambda x: F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True), ((2, 3, 7, 6),)),
    ("max_pool1d_ceil", lambda x: F.max_pool1d(x, 2, ceil_mode=True), ((2, 3, 7),)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False), ((2, 3, 7, 6),)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), ((2, 3, 7, 5),)),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (3, 2), return_indices=True), ((2, 3, 7, 5),)),
    ("unfold_fold", lambda x: F.fold(F.unfold(x, (2, 3), padding=1, stride=2), (5, 6), (2, 3), padding=1, stride=2),
     ((2, 3, 5, 6),)),
    ("sdpa", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), ((2, 4, 3), (2, 4, 3),
                                                                                        (2, 4, 2))),
    ("layer_norm", lambda x, w: F.layer_norm(x, (4,), w), ((3, 4), (4,))),
    ("relu_softmax", lambda x: F.softmax(F.relu(x), dim=-1), ((3, 4),)),
]


@pytest.mark.parametrize("fn, shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_plain_arrays_give_plain_arrays_equal_to_the_tensor_results(fn, shapes):
    arrays = [dev(*s, seed=i) for i, s in enumerate(shapes)]
    out = fn(*arrays)
    ref = fn(*[fg.tensor(a) for a in arrays])
    outs, refs = (out, ref) if isinstance(out, tuple) else ((out,), (ref,))
    for o, r in zip(outs, refs):
        assert not isinstance(o, fg.Tensor) and B.is_backend_array(o), type(o)
        assert isinstance(r, fg.Tensor)
        np.testing.assert_array_equal(B.to_numpy(o), B.to_numpy(r))


def test_cross_entropy_on_arrays_and_python_data():
    x, t = dev(5, 4), B.asarray(np.array([0, 3, 1, 1, 2]))
    loss = F.cross_entropy(x, t, label_smoothing=0.1)
    assert not isinstance(loss, fg.Tensor)
    B.assert_allclose(loss, F.cross_entropy(fg.tensor(x), fg.tensor(t), label_smoothing=0.1), rtol=1e-15)
    assert isinstance(F.relu([1.0, -1.0]), fg.Tensor)  # no array given: the Tensor face's own conversion


# --- transforms over F on arrays ------------------------------------------------------------------------------------
def _cnn_loss(x, w1, b1, w2, wt):
    h = fnp.tanh(F.conv2d(x, w1, b1, padding=1))
    h = F.max_pool2d(h, 2, ceil_mode=True) + F.avg_pool2d(h, 2, ceil_mode=True)
    h = F.conv_transpose2d(h, wt, stride=2)
    h = F.conv2d(h, w2, stride=2, dilation=(1, 2), padding=(0, 1))
    return fnp.sum(h ** 2) + F.cross_entropy(fnp.reshape(h, (2, -1)), B.asarray(np.array([1, 0])))


CNN = ((2, 2, 5, 4), (3, 2, 3, 3), (3,), (2, 3, 3, 2), (3, 3, 2, 2))


def test_grad_of_a_loss_built_from_f_on_arrays_matches_finite_differences():
    args = [dev(*s, seed=i) for i, s in enumerate(CNN)]
    # first order through every layer (max pooling is piecewise linear: its second derivative is zero)
    check_grads(_cnn_loss, args, order=1, modes=("rev", "fwd"))
    smooth = lambda x, w, wt: fnp.sum(fnp.tanh(F.conv_transpose1d(F.conv1d(x, w, padding=2, stride=2), wt,  # noqa
                                                                    stride=3, output_padding=1)) ** 2)
    check_grads(smooth, [dev(2, 3, 7), dev(4, 3, 3, seed=1), dev(4, 2, 2, seed=2)], order=2)
    unf = lambda x: fnp.sum(fnp.sin(F.fold(F.unfold(x, 2, dilation=2, padding=1), (4, 5), 2, dilation=2,  # noqa
                                           padding=1)) * F.unfold(x, 3, stride=2).sum())
    check_grads(unf, [dev(1, 2, 4, 5)], order=2, modes=("rev",))


def test_grad_on_arrays_equals_the_tensor_backward():
    args = [dev(*s, seed=i) for i, s in enumerate(CNN)]
    grads = fg.grad(_cnn_loss, argnums=tuple(range(5)))(*args)
    ts = [fg.tensor(a, requires_grad=True) for a in args]
    _cnn_loss(*ts).backward()
    for g, t in zip(grads, ts):
        assert not isinstance(g, fg.Tensor)
        B.assert_allclose(g, t.grad, rtol=1e-12, atol=1e-12)


def test_vmap_of_conv2d_over_examples_and_over_per_example_weights_equals_the_loop():
    xs, w, b = dev(3, 2, 6, 5), dev(4, 2, 3, 3, seed=1), dev(4, seed=2)
    conv = lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1)  # noqa: E731  (x unbatched: (C, H, W))
    out = fg.vmap(conv, in_axes=(0, None, None))(xs, w, b)
    B.assert_allclose(out, np.stack([B.to_numpy(conv(x, w, b)) for x in xs]), rtol=1e-12)
    ws = dev(3, 4, 2, 3, 3, seed=3)
    out = fg.vmap(conv, in_axes=(0, 0, None))(xs, ws, b)
    B.assert_allclose(out, np.stack([B.to_numpy(conv(xs[i], ws[i], b)) for i in range(3)]), rtol=1e-12)
    # weights batched, inputs shared: a batch of models on one input
    out = fg.vmap(conv, in_axes=(None, 0, None))(xs[0], ws, b)
    B.assert_allclose(out, np.stack([B.to_numpy(conv(xs[0], ws[i], b)) for i in range(3)]), rtol=1e-12)


def test_per_example_gradients_through_pooling_and_transposed_convolution():
    args = [dev(*s, seed=i) for i, s in enumerate(CNN)]
    batch = B.asarray(np.stack([B.to_numpy(args[0]) * s for s in (1.0, 0.5, -0.7)]))
    per_example = fg.vmap(fg.grad(_cnn_loss, argnums=(1, 4)), in_axes=(0, None, None, None, None))(batch, *args[1:])
    for i in range(3):
        want = fg.grad(_cnn_loss, argnums=(1, 4))(batch[i], *args[1:])
        for got, w in zip(per_example, want):
            B.assert_allclose(got[i], w, rtol=1e-10, atol=1e-12)


def test_vmap_of_max_pool_indices_and_adaptive_max_pool():
    xs = B.asarray(np.round(randn(4, 2, 5, 6), 0))  # ties
    for f in (lambda x: F.max_pool2d(x, (2, 3), stride=(1, 2), padding=1, return_indices=True),
              lambda x: F.adaptive_max_pool2d(x, (3, 4), return_indices=True),
              lambda x: F.max_pool1d(x[0], 3, stride=2, dilation=2, return_indices=True)):
        values, indices = fg.vmap(f)(xs)
        loop = [f(x) for x in xs]
        B.assert_allclose(values, np.stack([B.to_numpy(v) for v, _ in loop]))
        np.testing.assert_array_equal(B.to_numpy(indices), np.stack([B.to_numpy(i) for _, i in loop]))


def test_jacfwd_and_jacrev_of_conv_agree():
    x, w = dev(1, 2, 5), dev(3, 2, 2, seed=1)
    f = lambda w: F.conv1d(x, w, stride=2, padding=1)  # noqa: E731
    jf, jr = fg.jacfwd(f)(w), fg.jacrev(f)(w)
    assert jf.shape == (1, 3, 3) + w.shape
    B.assert_allclose(jf, jr, rtol=1e-12)
    # linear in w: the jacobian applied to w gives the output back
    B.assert_allclose(np.tensordot(B.to_numpy(jf), B.to_numpy(w), axes=3), f(w), rtol=1e-12)
    hx = fg.jacfwd(fg.grad(lambda x: fnp.sum(F.avg_pool1d(x, 2) ** 3)))(x)
    B.assert_allclose(hx, fg.jacrev(fg.grad(lambda x: fnp.sum(F.avg_pool1d(x, 2) ** 3)))(x), rtol=1e-12)


# --- the array composites against PyTorch ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _torch_grads(torch, fn, arrays, cot):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    (y * torch.tensor(cot)).sum().backward()
    return y.detach().numpy(), [t.grad.numpy() for t in ts]


def _fg_grads(fn, arrays, cot):
    y, pull = fg.vjp(fn, *[B.asarray(a) for a in arrays])
    return B.to_numpy(y), [B.to_numpy(g) for g in pull(B.asarray(cot))]


CONV_GRID = [(nd, s, p, d, g) for nd in (1, 2, 3) for s, p, d, g in
             [(1, 0, 1, 1), (2, 1, 1, 2), (1, 2, 2, 1), (3, 1, 2, 2), (2, 0, 1, 1)]]


@pytest.mark.parametrize("nd, stride, pad, dil, groups", CONV_GRID)
def test_conv_and_conv_transpose_composites_match_torch(torch, nd, stride, pad, dil, groups):
    x = randn(2, 4, *(7, 6, 5)[:nd])
    w, wt, b = randn(6, 4 // groups, *(3, 2, 1)[:nd], seed=1), randn(4, 6 // groups, *(3, 2, 2)[:nd], seed=2), \
        randn(6, seed=3)
    tf = getattr(torch.nn.functional, f"conv{nd}d")
    y, grads = _torch_grads(torch, lambda x, w, b: tf(x, w, b, stride=stride, padding=pad, dilation=dil,
                                                      groups=groups), (x, w, b), randn(2, 6, *(1,) * nd))
    cot = randn(*y.shape, seed=4)
    y, want = _torch_grads(torch, lambda x, w, b: tf(x, w, b, stride=stride, padding=pad, dilation=dil,
                                                     groups=groups), (x, w, b), cot)
    got_y, got = _fg_grads(lambda x, w, b: C.conv_general(x, w, b, stride, pad, dil, groups), (x, w, b), cot)
    np.testing.assert_allclose(got_y, y, rtol=1e-10, atol=1e-12)
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=1e-10, atol=1e-12)
    ttf = getattr(torch.nn.functional, f"conv_transpose{nd}d")
    for op in {0, min(stride, dil) - 1 if max(stride, dil) > 1 else 0}:
        f = lambda x, w, b: ttf(x, w, b, stride=stride, padding=pad, output_padding=op, groups=groups,  # noqa
                                dilation=dil)
        yt = f(*[torch.tensor(a) for a in (x, wt, randn(6, seed=5))]).detach().numpy()
        cot = randn(*yt.shape, seed=6)
        y, want = _torch_grads(torch, f, (x, wt, randn(6, seed=5)), cot)
        got_y, got = _fg_grads(lambda x, w, b: C.conv_transpose_general(x, w, b, stride, pad, op, dil, groups),
                               (x, wt, randn(6, seed=5)), cot)
        np.testing.assert_allclose(got_y, y, rtol=1e-10, atol=1e-12)
        for g, t in zip(got, want):
            np.testing.assert_allclose(g, t, rtol=1e-10, atol=1e-12)


def test_asymmetric_and_negative_padding_is_a_padded_or_cropped_input():
    x, w = dev(2, 3, 7, 6), dev(4, 3, 3, 2, seed=1)
    pads = [(2, 0), (-1, 1)]
    host = np.pad(B.to_numpy(x), [(0, 0), (0, 0), (2, 0), (0, 1)])[:, :, :, 1:]
    B.assert_allclose(C.conv_general(x, w, padding=pads), C.conv_general(B.asarray(host), w), rtol=1e-13)


def test_max_pool_sends_the_gradient_to_the_first_maximum_as_torch(torch):
    x = np.maximum(np.round(randn(2, 3, 6, 7), 0), 0)  # ReLU'd and rounded: many tied windows of zeros
    x[0, 1, 2, 3] = np.nan
    x[1, 0, :2, :2] = -np.inf
    for kw in ({"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1}, {"kernel_size": (2, 3),
                                                                                   "stride": 1, "dilation": 2}):
        tx = torch.tensor(x, requires_grad=True)
        ty, ti = torch.nn.functional.max_pool2d(tx, return_indices=True, **kw)
        cot = randn(*ty.shape, seed=1)
        (ty * torch.tensor(cot)).sum().backward()
        fx = fg.tensor(B.asarray(x), requires_grad=True)
        fy, fi = F.max_pool2d(fx, return_indices=True, **kw)
        (fy * fg.tensor(B.asarray(cot))).sum().backward()
        np.testing.assert_array_equal(B.to_numpy(fy), ty.detach().numpy())
        np.testing.assert_array_equal(B.to_numpy(fi), ti.numpy())
        np.testing.assert_array_equal(B.to_numpy(fx.grad), tx.grad.numpy())


def test_composites_reject_mismatched_shapes_with_the_shapes_in_the_message():
    with pytest.raises(ValueError, match=r"conv_general: the input \(2, 3, 5\) has 3 channels.*expects 4"):
        C.conv_general(np.ones((2, 3, 5)), np.ones((2, 4, 2)))
    with pytest.raises(ValueError, match=r"conv_general: expected a 4-D input"):
        C.conv_general(np.ones((3, 5)), np.ones((2, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"col2im: columns of shape \(1, 5, 4\) do not fit"):
        C.col2im(np.ones((1, 5, 4)), (3, 3), 2)
    with pytest.raises(ValueError, match=r"fold_windows.*hold \(3,\) positions.*has \(2,\)"):
        fg.primitives.windows.fold_windows(np.ones((3, 2)), (3,), 2)


def test_empty_batches_and_1x1_convolutions():
    y = F.conv2d(B.asarray(np.zeros((0, 3, 4, 4))), dev(2, 3, 3, 3), padding=1)
    assert y.shape == (0, 2, 4, 4)
    x, w = dev(2, 3, 4, 5), dev(6, 3, 1, 1, seed=1)
    B.assert_allclose(F.conv2d(x, w), np.einsum("oc,nchw->nohw", B.to_numpy(w)[:, :, 0, 0], B.to_numpy(x)),
                      rtol=1e-12)


# --- devices ----------------------------------------------------------------------------------------------------
@pytest.mark.skipif(not B.ON_DEVICE, reason="a device backend run (FUNCGRAD_TEST_BACKEND=standin|cupy)")
def test_convolution_and_pooling_stay_on_the_device_without_host_syncs():
    from funcgrad.testing import standin

    def loss(x, w1, b1, w2, wt):  # _cnn_loss without cross_entropy (whose target checks read the device)
        h = F.max_pool2d(fnp.tanh(F.conv2d(x, w1, b1, padding=1)), 2, ceil_mode=True)
        h = F.conv_transpose2d(h + F.adaptive_avg_pool2d(h, (3, 2)), wt, stride=2)
        return fnp.sum(F.conv2d(h, w2, stride=2, dilation=(1, 2), padding=(0, 1)) ** 2)

    args = [dev(*s, seed=i) for i, s in enumerate(CNN)]
    standin.reset_host_syncs()
    grads = fg.grad(loss, argnums=(0, 1, 4))(*args)
    assert all(B.is_backend_array(g) for g in grads)
    if B.NAME == "standin":
        assert standin.host_syncs() == 0
