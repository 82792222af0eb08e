"""Convolution, transposed convolution, pooling and patch extraction on arrays: composites of the sliding-window
pair (``funcgrad/primitives/windows.py``), ``transpose``/``reshape`` and one batched ``matmul``, so their
derivatives of every order, their JVPs and their vmap rules are those primitives' rules. Both faces call them:
``funcgrad.nn.functional`` and the Tensor face (``funcgrad/tensors/conv.py``, ``pooling.py``, ``sampling.py``)
check PyTorch's arguments and come here; array code may call them directly (NCHW / OIHW layouts, N-d).

The layout is chosen for BLAS and for the window copies. The im2col operand is copied once, as
``(groups, C/groups * K, P * N)`` (K kernel taps, P output positions, the batch innermost): the batch goes into
the GEMM's long dimension, so the forward product and both gradient products (``dW = g cols^T`` and
``dcols = W^T g``) are each one large GEMM per group instead of N small ones (measured 1.2-2x faster; the
operand order and transposition flags change a GEMM of these shapes by under 6%). The result comes out as
``(C_out, *out, N)`` memory and is returned as its ``(N, C_out, *out)`` transposed view. Elementwise ops keep that
memory order, and so do the window primitives (windows.py: the padded copy, the fold and max pooling's gradient
follow their input's layout). The next convolution's im2col then copies runs of ``out[-1] * N`` contiguous
elements, and its gradient's fold adds such runs, where a batch-outermost layout gives runs of ``out[-1]``, which
is 4 for an 8x8 image after pooling (measured 10x slower for both copies on the digits CNN's second layer).
A transposed convolution is the exact transpose of a
convolution: one GEMM giving each input position's window of outputs, then ``fold_windows`` (overlap-add), with
no zero-dilated input. Max pooling finds the first maximum of each window (``window_argmax``, no gradient) and
reads the winners from the input (``take_last``), so the gradient goes to those elements alone (one scatter-add,
``scatter_add_last``), as PyTorch's does; no window-sized array is made in either pass.

>>> import numpy as np
>>> conv_general(np.ones((1, 1, 4)), np.ones((1, 1, 2)))
array([[[2., 2., 2.]]])
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from ..backend import device_of, dtype_of, shape_of, to_device
from ..core import getval
from ..core.primitive import accepts_wrappers
from .elementwise import add, where
from .linalg import matmul
from .reductions import sum as _sum
from .shape import ArrayLike, _asarray, _reshape, _transpose
from .windows import (_fold, _geometry, _lowest, _sliding, _static, _window_argmax, empty_windows, take_last,
                      window_counts)

__all__ = ["conv_general", "conv_transpose_general", "max_pool", "window_sums", "im2col", "col2im"]
LINALG: list = []


def _rank(op: str, x, nd: int, what: str) -> tuple:
    s = shape_of(x)
    if len(s) != nd + 2:
        raise ValueError(f"funcgrad.{op}: expected a {nd + 2}-D {what}, got shape {s}")
    return s


def _cols(x, window: tuple, strides: tuple, pads: tuple, dilation: tuple, groups: int) -> tuple:
    """The im2col operand of ``x`` (N, C, *spatial): ``(groups, C/groups * K, P * N)`` (the batch innermost) and
    the output size."""
    s = shape_of(x)
    n, c, nd = s[0], s[1], len(window)
    out = window_counts(s[2:], window, strides, pads, dilation)
    k = math.prod(window)
    if k == 1 and all(st == 1 for st in strides) and not any(lo or hi for lo, hi in pads):
        # a 1x1 convolution needs no windows: only the channels move to the front and the batch to the back
        cols = _transpose(x, axes=(1,) + tuple(range(2, nd + 2)) + (0,))
    else:
        win = _sliding(x, window=window, strides=strides, padding=pads, dilation=dilation, pad_value=0.0)
        # (N, C, *out, *k) -> (C, *k, *out, N): the copy the reshape below makes is the one im2col copy; from an
        # activation laid out batch-innermost (a convolution's output) it reads runs of out[-1] * N elements
        cols = _transpose(win, axes=(1,) + tuple(range(nd + 2, 2 * nd + 2)) + tuple(range(2, nd + 2)) + (0,))
    return _reshape(cols, shape=(groups, c // groups * k, math.prod(out) * n)), out


def _check_groups(op: str, c: int, o: int, groups: int, what: str) -> None:
    if groups < 1 or c % groups or o % groups:
        raise ValueError(f"funcgrad.{op}: groups={groups} must be positive and divide both the {c} input channels "
                         f"and the {o} {what}")


@accepts_wrappers
def conv_general(x: ArrayLike, w: ArrayLike, bias: ArrayLike | None = None, strides: int | Sequence[int] = 1,
                 padding: int | Sequence[Any] = 0, dilation: int | Sequence[int] = 1, groups: int = 1) -> ArrayLike:
    """N-d cross-correlation of ``x`` (N, C, *spatial) with ``w`` (C_out, C / groups, *kernel), plus ``bias``
    (C_out,): ``padding`` is an int or, per spatial axis, an int or a ``(low, high)`` pair (negative crops).
    Returns (N, C_out, *out); Tensors in give Tensors out.

    >>> import numpy as np
    >>> conv_general(np.arange(5.0)[None, None], np.ones((1, 1, 2)), strides=2, padding=[(0, 1)])
    array([[[1., 5., 4.]]])
    """
    x, w = _asarray(x), _asarray(w)
    nd = len(shape_of(w)) - 2
    if nd < 1:
        raise ValueError(f"funcgrad.conv_general: the weight needs at least 3 dimensions (C_out, C_in / groups, "
                         f"*kernel), got shape {shape_of(w)}")
    sx = _rank("conv_general", x, nd, "input (N, C, *spatial) for a weight of shape " + str(shape_of(w)))
    o, cg = shape_of(w)[:2]
    _check_groups("conv_general", sx[1], o, groups, "output channels")
    if cg * groups != sx[1]:
        raise ValueError(f"funcgrad.conv_general: the input {sx} has {sx[1]} channels, the weight {shape_of(w)} "
                         f"with groups={groups} expects {cg * groups}")
    window, strides, pads, dilation = _geometry("conv_general", tuple(shape_of(w)[2:]), _static(strides),
                                                _static(padding), _static(dilation))
    cols, out = _cols(x, window, strides, pads, dilation, groups)
    y = matmul(_reshape(w, shape=(groups, o // groups, cg * math.prod(window))), cols)  # (G, O/G, P * N)
    if bias is not None:
        y = add(y, _reshape(_asarray(bias), shape=(groups, o // groups, 1)))
    y = _reshape(y, shape=(o,) + out + (sx[0],))
    return _transpose(y, axes=(nd + 1, 0) + tuple(range(1, nd + 1)))


@accepts_wrappers
def conv_transpose_general(x: ArrayLike, w: ArrayLike, bias: ArrayLike | None = None,
                           strides: int | Sequence[int] = 1, padding: int | Sequence[Any] = 0,
                           output_padding: int | Sequence[int] = 0, dilation: int | Sequence[int] = 1,
                           groups: int = 1) -> ArrayLike:
    """The transpose of :func:`conv_general` with respect to its input (a "deconvolution") of ``x`` (N, C_in,
    *spatial) with ``w`` (C_in, C_out / groups, *kernel): each axis grows to ``(n - 1) * stride - low - high +
    dilation * (k - 1) + 1 + output_padding`` for ``padding`` (low, high) (an int p is (p, p)).

    >>> import numpy as np
    >>> conv_transpose_general(np.ones((1, 1, 2)), np.ones((1, 1, 2)), strides=2)
    array([[[1., 1., 1., 1.]]])
    """
    x, w = _asarray(x), _asarray(w)
    nd = len(shape_of(w)) - 2
    if nd < 1:
        raise ValueError(f"funcgrad.conv_transpose_general: the weight needs at least 3 dimensions (C_in, "
                         f"C_out / groups, *kernel), got shape {shape_of(w)}")
    sx = _rank("conv_transpose_general", x, nd, "input (N, C_in, *spatial) for a weight of shape "
               + str(shape_of(w)))
    cin, cout_g = shape_of(w)[:2]
    if cin != sx[1]:
        raise ValueError(f"funcgrad.conv_transpose_general: the input {sx} has {sx[1]} channels, the weight "
                         f"{shape_of(w)} expects {cin} (its first axis)")
    _check_groups("conv_transpose_general", cin, cout_g * groups, groups, "output channels")
    window, strides, pads, dilation = _geometry("conv_transpose_general", tuple(shape_of(w)[2:]), _static(strides),
                                                _static(padding), _static(dilation))
    extra = (output_padding,) * nd if isinstance(output_padding, int) else tuple(output_padding)
    sizes = tuple((n - 1) * s - lo - hi + d * (k - 1) + 1 + e
                  for n, s, (lo, hi), d, k, e in zip(sx[2:], strides, pads, dilation, window, extra))
    if any(n <= 0 for n in sizes):
        raise ValueError(f"funcgrad.conv_transpose_general: input {sx} with weight {shape_of(w)}, strides "
                         f"{strides}, padding {pads}, dilation {dilation} and output_padding {extra} gives the "
                         f"empty output size {sizes}")
    n, p, k = sx[0], math.prod(sx[2:]), math.prod(window)
    xg = _reshape(_transpose(x, axes=(1,) + tuple(range(2, nd + 2)) + (0,)), shape=(groups, cin // groups, p * n))
    wg = _transpose(_reshape(w, shape=(groups, cin // groups, cout_g * k)), axes=(0, 2, 1))
    cols = matmul(wg, xg)  # (G, C_out/G * K, P * N): each input position's window of outputs
    cout = cout_g * groups
    cols = _reshape(cols, shape=(cout,) + window + tuple(sx[2:]) + (n,))
    cols = _transpose(cols, axes=(2 * nd + 1, 0) + tuple(range(nd + 1, 2 * nd + 1)) + tuple(range(1, nd + 1)))
    # the output padding is a negative high padding: positions no window reaches, zeros
    y = _fold(cols, input_shape=sizes, window=window, strides=strides, dilation=dilation,
              padding=tuple((lo, hi - e) for (lo, hi), e in zip(pads, extra)))
    if bias is not None:
        y = add(y, _reshape(_asarray(bias), shape=(1, cout) + (1,) * nd))
    return y


def _normalized(op: str, x, window, strides, padding, dilation) -> tuple:
    window = _static(window)
    nd = len(window) if isinstance(window, tuple) else 1
    if len(shape_of(x)) < nd:
        raise ValueError(f"funcgrad.{op}: a window over {nd} axes needs an input of at least {nd} dimensions, got "
                         f"shape {shape_of(x)}")
    return _geometry(op, window, _static(window if strides is None else strides), _static(padding),
                     _static(dilation))


@accepts_wrappers
def max_pool(x: ArrayLike, window: int | Sequence[int], strides: int | Sequence[int] | None = None,
             padding: int | Sequence[Any] = 0, dilation: int | Sequence[int] = 1,
             return_indices: bool = False) -> Any:
    """Maximum over each window of the trailing ``len(window)`` axes of ``x`` (``strides`` default to the window;
    padding never wins); with ``return_indices`` also, for each, the flat index of the maximum in ``x``'s trailing
    plane. Where several tie, the first in window order wins, and the gradient goes to that element alone. A
    window wholly in the padding (dilation allows it) gives -inf and no gradient, as PyTorch's; its index is
    PyTorch's (past the plane).

    >>> import numpy as np
    >>> max_pool(np.array([1.0, 3.0, 3.0, 0.0]), 2, return_indices=True)
    (array([3., 3.]), array([1, 2]))
    """
    x = _asarray(x)
    window, strides, pads, dilation = _normalized("max_pool", x, window, strides, padding, dilation)
    nd = len(window)
    s = shape_of(x)
    lead, sizes = s[:len(s) - nd], s[len(s) - nd:]
    out = window_counts(sizes, window, strides, pads, dilation)
    index = _window_argmax(x, window=window, strides=strides, padding=pads, dilation=dilation)  # no gradient
    # the winners read from the plane: the gradient is one scatter-add into it, as PyTorch's max pooling backward
    plane = _reshape(x, shape=lead + (math.prod(sizes),))
    empty = empty_windows(sizes, window, strides, pads, dilation)
    if empty is None:
        values = take_last(plane, _reshape(index, shape=lead + (math.prod(out),)))
        return (_reshape(values, shape=lead + out), index) if return_indices else _reshape(values, shape=lead + out)
    # windows wholly in the padding (dilation or a wide padding allows them) hold no element: their maximum is the
    # padding's -inf and they send no gradient, as PyTorch's; their index is PyTorch's, past the plane
    empty = to_device(empty, device_of(getval(x)))
    safe = where(empty, 0, index)
    values = _reshape(take_last(plane, _reshape(safe, shape=lead + (math.prod(out),))), shape=lead + out)
    values = where(empty, _lowest(dtype_of(x)), values)
    return (values, index) if return_indices else values


@accepts_wrappers
def window_sums(x: ArrayLike, window: int | Sequence[int], strides: int | Sequence[int] | None = None,
                padding: int | Sequence[Any] = 0, dilation: int | Sequence[int] = 1) -> ArrayLike:
    """The sum over each window of the trailing ``len(window)`` axes of ``x`` (zero padding; ``strides`` default
    to the window): average pooling before its division.

    >>> import numpy as np
    >>> window_sums(np.arange(4.0), 2)
    array([1., 5.])
    """
    x = _asarray(x)
    window, strides, pads, dilation = _normalized("window_sums", x, window, strides, padding, dilation)
    nd = len(window)
    win = _sliding(x, window=window, strides=strides, padding=pads, dilation=dilation, pad_value=0.0)
    return _sum(win, axis=tuple(range(-nd, 0)))


@accepts_wrappers
def im2col(x: ArrayLike, window: int | Sequence[int], strides: int | Sequence[int] = 1,
           padding: int | Sequence[Any] = 0, dilation: int | Sequence[int] = 1) -> ArrayLike:
    """The sliding blocks of ``x`` (N, C, *spatial) as the columns of an (N, C * K, L) array, K the window's
    size and L the number of blocks (``torch.nn.functional.unfold``, N-d).

    >>> import numpy as np
    >>> im2col(np.arange(3.0)[None, None], 2)
    array([[[0., 1.],
            [1., 2.]]])
    """
    x = _asarray(x)
    window, strides, pads, dilation = _normalized("im2col", x, window, strides, padding, dilation)
    nd = len(window)
    s = _rank("im2col", x, nd, "input (N, C, *spatial)")
    out = window_counts(s[2:], window, strides, pads, dilation)
    win = _sliding(x, window=window, strides=strides, padding=pads, dilation=dilation, pad_value=0.0)
    win = _transpose(win, axes=(0, 1) + tuple(range(nd + 2, 2 * nd + 2)) + tuple(range(2, nd + 2)))
    return _reshape(win, shape=(s[0], s[1] * math.prod(window), math.prod(out)))


@accepts_wrappers
def col2im(cols: ArrayLike, output_size: Sequence[int], window: int | Sequence[int],
           strides: int | Sequence[int] = 1, padding: int | Sequence[Any] = 0,
           dilation: int | Sequence[int] = 1) -> ArrayLike:
    """The transpose of :func:`im2col`: the columns of ``cols`` (N, C * K, L) summed back into an (N, C,
    *output_size) array, overlaps added (``torch.nn.functional.fold``, N-d).

    >>> import numpy as np
    >>> col2im(np.ones((1, 2, 2)), (3,), 2)
    array([[[1., 2., 1.]]])
    """
    cols = _asarray(cols)
    window, strides, pads, dilation = _geometry("col2im", _static(window), _static(strides), _static(padding),
                                                _static(dilation))
    nd, k = len(window), math.prod(window)
    s = shape_of(cols)
    size = tuple(int(n) for n in output_size)
    out = window_counts(size, window, strides, pads, dilation)
    if len(s) != 3 or s[1] % k or s[2] != math.prod(out) or len(size) != nd:
        raise ValueError(f"funcgrad.col2im: columns of shape {s} do not fit (N, C * {k}, {math.prod(out)}) for an "
                         f"output of size {size} with window {window}, strides {strides}, padding {pads} and "
                         f"dilation {dilation}")
    c = s[1] // k
    win = _transpose(_reshape(cols, shape=(s[0], c) + window + out),
                     axes=(0, 1) + tuple(range(nd + 2, 2 * nd + 2)) + tuple(range(2, nd + 2)))
    return _fold(win, input_shape=size, window=window, strides=strides, padding=pads, dilation=dilation)
