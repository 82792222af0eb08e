"""Max pooling of windows that lie wholly in the padding (dilation, or a padding as wide as PyTorch allows, makes
them): their value is -inf and they route no gradient, as PyTorch's; their index is the one PyTorch reports.

PyTorch's own backward of such a window writes through an index past the input (a heap corruption in 2-D), so the
reference gradient is PyTorch's pooling of the input padded with -inf by ``F.pad`` (no padding in the pooling):
the same windows, each holding at least one (padding) element, whose gradient ``F.pad``'s backward drops. The
values and indices are PyTorch's forward pass itself. Also here: pooling and convolution of activations laid out
batch-innermost (the layout convolutions return), against PyTorch, and the rectifier's gradient at 0 and at NaN.
"""
import numpy as np
import pytest

import _backend as B
import funcgrad as fg
from parity import cases, check_against_torch

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# (id, input shape, kernel_size, stride, padding, dilation): each has at least one window wholly in the padding.
# PyTorch bounds the padding by half the kernel in 2-D and 3-D (by half the dilated kernel in 1-D), so only 1-D
# has windows of both kinds side by side; elsewhere one axis with no element in reach empties every window.
EMPTY = [
    ("1d_one_element", (1, 1, 1), 2, 1, 1, 2),
    ("1d_middle", (2, 3, 2), 2, 1, 2, 3),
    ("1d_middle_wide", (1, 2, 3), 2, 1, 2, 4),
    ("2d_corner", (1, 1, 2, 2), 2, 1, 1, 3),
    ("2d_one_axis", (2, 2, 2, 5), 2, 1, 1, (3, 1)),
    ("3d", (1, 2, 2, 3, 2), 2, 1, 1, (3, 1, 1)),
]


def _triple(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def _reference(x: np.ndarray, kernel, stride, padding, dilation, w: np.ndarray) -> tuple:
    """Values and the gradient of ``sum(pool(x) * w)`` with the padding made explicit (-inf, by F.pad)."""
    nd = x.ndim - 2
    pads = []
    for p in reversed(_triple(padding, nd)):
        pads += [p, p]
    tx = torch.tensor(x, requires_grad=True)
    padded = TF.pad(tx, pads, value=-np.inf)
    pool = getattr(TF, f"max_pool{nd}d")
    y = pool(padded, kernel, stride, 0, dilation)
    (y * torch.tensor(w)).sum().backward()
    return y.detach().numpy(), tx.grad.numpy()


@pytest.mark.parametrize("shape, kernel, stride, padding, dilation", cases(EMPTY))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_windows_wholly_in_the_padding(shape, kernel, stride, padding, dilation, dtype):
    nd = len(shape) - 2
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    try:
        want_y, want_i = getattr(TF, f"max_pool{nd}d")(torch.tensor(x), kernel, stride, padding, dilation,
                                                      return_indices=True)  # forward only: see the module's note
        want_y, want_i = want_y.numpy(), want_i.numpy()
    except RuntimeError:  # 1-D padding past half the kernel: funcgrad allows up to half the dilated kernel
        want_y = want_i = None
    ref_shape = want_y.shape if want_y is not None else getattr(TF, f"max_pool{nd}d")(
        TF.pad(torch.tensor(x), [padding, padding] * nd, value=-np.inf), kernel, stride, 0, dilation).shape
    w = np.random.default_rng(2).standard_normal(tuple(ref_shape))
    ref_y, ref_grad = _reference(x.astype(np.float64), kernel, stride, padding, dilation, w)
    if want_y is None:
        want_y = ref_y.astype(dtype)
    np.testing.assert_array_equal(ref_y.astype(dtype), want_y)
    assert np.isneginf(want_y).any()  # the case has an empty window

    fx = fg.tensor(x, requires_grad=True)
    fy, fi = getattr(fg.nn.functional, f"max_pool{nd}d")(fx, kernel, stride, padding, dilation,
                                                          return_indices=True)
    np.testing.assert_array_equal(B.to_numpy(fy), want_y)
    if want_i is not None:
        np.testing.assert_array_equal(B.to_numpy(fi), want_i)
    (fy * fg.tensor(w.astype(dtype))).sum().backward()
    np.testing.assert_allclose(B.to_numpy(fx.grad), ref_grad, rtol=1e-5, atol=1e-6)
    assert np.isfinite(B.to_numpy(fx.grad)).all()

    # the module form, without indices
    pool = getattr(fg.nn, f"MaxPool{nd}d")(kernel, stride, padding, dilation)
    np.testing.assert_array_equal(B.to_numpy(pool(fg.tensor(x))), want_y)


def test_empty_windows_on_arrays_and_under_grad():
    """The array-level composite (both faces call it) and the functional transforms see the same: -inf, no
    gradient to the empty window."""
    from funcgrad.primitives.convolution import max_pool
    x = np.array([[3.0]])
    np.testing.assert_array_equal(max_pool(x, 2, 1, padding=1, dilation=2), [[-np.inf]])
    x = np.array([[1.0, 2.0, 3.0]])
    g = fg.grad(lambda a: fg.numpy.sum(fg.numpy.where(fg.numpy.isinf(v := max_pool(a, 2, 1, 1, 3)), 0.0, v)))(x)
    np.testing.assert_array_equal(g, [[1.0, 0.0, 1.0]])  # windows: {pad, 3} -> 3 and {1, pad} -> 1
    batched = fg.vmap(lambda a: max_pool(a, 2, 1, 1, 2))(np.ones((3, 1, 1)))
    np.testing.assert_array_equal(batched, np.full((3, 1, 1), -np.inf))


def _batch_innermost(a: np.ndarray) -> np.ndarray:
    """``a`` (N, C, *spatial) with the same values, laid out (C, *spatial, N) in memory."""
    return np.ascontiguousarray(np.moveaxis(a, 0, -1)).transpose((a.ndim - 1,) + tuple(range(a.ndim - 1)))


LAYOUTS = [
    ("pool2d", lambda L, x: L.nn.functional.max_pool2d(x, 2), (4, 3, 6, 6)),
    ("pool2d_pad", lambda L, x: L.nn.functional.max_pool2d(x, 3, 2, 1), (3, 2, 7, 5)),
    ("pool1d", lambda L, x: L.nn.functional.max_pool1d(x, 3, 1), (5, 2, 7)),
    ("pool3d", lambda L, x: L.nn.functional.max_pool3d(x, 2), (3, 2, 4, 4, 2)),
    ("conv_relu_pool", lambda L, x: L.nn.functional.max_pool2d(L.relu(L.nn.functional.conv2d(
        x, L.ones(4, 3, 3, 3, dtype=x.dtype) * 0.1, padding=1)), 2), (5, 3, 6, 6)),
    ("conv_transpose", lambda L, x: L.nn.functional.conv_transpose2d(
        x, L.ones(3, 2, 3, 3, dtype=x.dtype) * 0.1, stride=2, padding=1), (2, 3, 4, 5)),
]


@pytest.mark.parametrize("fn, shape", cases(LAYOUTS))
@pytest.mark.parametrize("layout", ["contiguous", "batch_innermost"])
def test_layouts_against_torch(fn, shape, layout):
    x = np.random.default_rng(3).standard_normal(shape)
    if layout == "batch_innermost":
        x = _batch_innermost(x)
        assert x.strides[0] == x.itemsize
    check_against_torch(fn, [x])


def test_pooling_gradient_keeps_the_layout():
    """A convolution's output is laid out batch-innermost; max pooling's gradient comes back in that layout, so
    the next backward step reads it in long runs (and the values are right: checked above)."""
    x = fg.tensor(np.random.default_rng(4).standard_normal((8, 3, 6, 6)), requires_grad=True)
    y = fg.nn.functional.conv2d(x, fg.ones(4, 3, 3, 3), padding=1)
    a = y.detach().requires_grad_()
    fg.nn.functional.max_pool2d(a, 2).sum().backward()
    v, g = B.to_numpy(a), B.to_numpy(a.grad)
    if isinstance(v, np.ndarray) and v.strides[0] == v.itemsize:  # the NumPy path keeps it
        assert g.strides[0] == g.itemsize


def test_relu_at_zero_and_nan():
    """The rectifier's gradient is 0 at 0 and passes through NaN (PyTorch's threshold_backward), and +0.0 (not
    -0.0) where it is cut."""
    x = np.array([-1.0, 0.0, 2.0, np.nan, -0.0])
    g = np.array([-3.0, 5.0, 7.0, 11.0, -2.0])
    tx = torch.tensor(x, requires_grad=True)
    torch.relu(tx).backward(torch.tensor(g))
    fx = fg.tensor(x, requires_grad=True)
    y = fg.relu(fx)
    y.backward(fg.tensor(g))
    np.testing.assert_array_equal(B.to_numpy(y)[:4], torch.relu(tx).detach().numpy()[:4])
    np.testing.assert_array_equal(B.to_numpy(fx.grad), tx.grad.numpy())
    assert not np.signbit(B.to_numpy(fx.grad)[[0, 1, 4]]).any()
    # second order: the mask's own derivative in the cotangent
    h = fg.grad(lambda a: fg.numpy.sum(fg.grad(lambda b: fg.numpy.sum(fg.nn.functional.relu(b) ** 2))(a)))(np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(h, [0.0, 2.0])
