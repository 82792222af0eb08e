"""PyTorch's convolutions at top level: ``conv1d``/``2d``/``3d``, ``conv_transpose1d``/``2d``/``3d``,
``convolution`` and ``conv_tbc``.

These check PyTorch's arguments (unbatched inputs, ``'same'``/``'valid'`` padding, groups, the error messages) and
call the array composites of ``funcgrad/primitives/convolution.py``: one strided im2col view (the
``sliding_windows`` primitive) copied once into a GEMM operand and one batched ``matmul``; a transposed
convolution is one ``matmul`` and the ``fold_windows`` overlap-add, the exact transpose of the forward map. The
derivative rules are those primitives'; there is no derivative code here.

>>> import funcgrad as fg
>>> fg.conv1d(fg.tensor([[[1.0, 2.0, 3.0]]]), fg.tensor([[[1.0, 1.0]]]))
tensor([[[3., 5.]]])
"""
from __future__ import annotations

from typing import Any

from .. import numpy as fnp
from ..primitives.convolution import conv_general, conv_transpose_general
from .tensor import Tensor
from .activations import _nnf
from .ops import _t

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "convolution", "conv_tbc"]


def _ntuple(op: str, value: Any, n: int, what: str, minimum: int = 0) -> tuple:
    """An int or a sequence of ``n`` ints (PyTorch's ``stride=2`` or ``stride=(2, 1)``) as an ``n``-tuple."""
    if isinstance(value, (list, tuple)):
        vals = tuple(int(v) for v in value)
        if len(vals) == 1:
            vals = vals * n
    else:
        vals = (int(value),) * n
    if len(vals) != n:
        raise RuntimeError(f"{op}: expected {what} to be a single integer or a list of {n} integers, got {value!r}")
    if any(v < minimum for v in vals):
        raise RuntimeError(f"{op}: {what} must be at least {minimum}, got {value!r}")
    return vals


def _out_size(op: str, size: tuple, kernel: tuple, stride: tuple, dilation: tuple, shape_x: tuple,
              shape_w: tuple) -> tuple:
    out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(size, kernel, stride, dilation))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}: the (padded) input of spatial size {size} is smaller than the dilated kernel "
                           f"{tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))} (input {shape_x}, weight "
                           f"{shape_w}); pad the input or use a smaller kernel")
    return out


def _batched(op: str, x: Tensor, nd: int, layout: str) -> tuple:
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input {layout}, got "
                           f"shape {x.shape}")
    return (x, False) if x.ndim == nd + 2 else (fnp.expand_dims(x, 0), True)


def _padding(op: str, padding: Any, nd: int, kernel: tuple, stride: tuple, dilation: tuple) -> list:
    """Per-dimension (low, high) padding: ``'valid'`` is none, ``'same'`` keeps the size (the odd extra on the
    high side, as PyTorch pads)."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding != "same":
            raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of 'valid', 'same' or a "
                             f"number/tuple")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride={stride})")
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(t // 2, t - t // 2) for t in total]
    return [(p, p) for p in _ntuple(op, padding, nd, "padding")]


def _conv(op: str, input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any, groups: int,
          nd: int) -> Tensor:
    x, w = _t(input), _t(weight)
    layout = f"(N, C_in, {', '.join('DHW'[3 - nd:])})"
    if w.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight (C_out, C_in / groups, *kernel), got weight of shape "
                           f"{w.shape} for input of shape {x.shape}")
    x, unbatched = _batched(op, x, nd, layout)
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    g = int(groups)
    if g <= 0 or o % g or c != cg * g:
        raise RuntimeError(f"{op}: Given groups={groups}, weight of size {w.shape}, expected input {x.shape} to have "
                           f"{cg * g} channels (weight.shape[1] * groups), with C_out = {o} divisible by groups, "
                           f"but got {c} channels instead")
    kernel = w.shape[2:]
    stride, dilation = _ntuple(op, stride, nd, "stride", 1), _ntuple(op, dilation, nd, "dilation", 1)
    pads = _padding(op, padding, nd, kernel, stride, dilation)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    _out_size(op, padded, kernel, stride, dilation, _t(input).shape, w.shape)
    if bias is not None:
        bias = _t(bias)
        if bias.shape != (o,):
            raise RuntimeError(f"{op}: expected bias of shape ({o},) for weight of shape {w.shape}, got "
                               f"{bias.shape}")
    y = conv_general(x, w, bias, stride, pads, dilation, g)
    return y[0] if unbatched else y


def _conv_transpose(op: str, input: Any, weight: Any, bias: Any, stride: Any, padding: Any, output_padding: Any,
                    groups: int, dilation: Any, nd: int) -> Tensor:
    x, w = _t(input), _t(weight)
    if w.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight (C_in, C_out / groups, *kernel), got weight of shape "
                           f"{w.shape} for input of shape {x.shape}")
    x, unbatched = _batched(op, x, nd, f"(N, C_in, {', '.join('DHW'[3 - nd:])})")
    c, g = x.shape[1], int(groups)
    if g <= 0 or c != w.shape[0] or c % g:
        raise RuntimeError(f"{op}: Given transposed=1, weight of size {w.shape}, expected input {x.shape} to have "
                           f"{w.shape[0]} channels (weight.shape[0], divisible by groups={groups}), but got {c} "
                           f"channels instead")
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding={padding!r} is not supported for transposed convolutions; give numbers")
    stride, dilation = _ntuple(op, stride, nd, "stride", 1), _ntuple(op, dilation, nd, "dilation", 1)
    pad, out_pad = _ntuple(op, padding, nd, "padding"), _ntuple(op, output_padding, nd, "output_padding")
    if any(q >= max(s, d) for q, s, d in zip(out_pad, stride, dilation)):
        raise RuntimeError(f"{op}: output padding must be smaller than either stride or dilation, got "
                           f"output_padding={out_pad}, stride={stride}, dilation={dilation}")
    kernel = w.shape[2:]
    sizes = tuple((n - 1) * s - 2 * p + d * (k - 1) + q + 1
                  for n, s, p, d, k, q in zip(x.shape[2:], stride, pad, dilation, kernel, out_pad))
    if any(n <= 0 for n in sizes):
        raise RuntimeError(f"{op}: input {_t(input).shape} with weight {w.shape}, stride {stride}, padding {pad} "
                           f"gives no output: the output size would be {sizes}; use less padding or a larger "
                           f"input")
    if bias is not None:
        bias = _t(bias)
        cout = w.shape[1] * g
        if bias.shape != (cout,):
            raise RuntimeError(f"{op}: expected bias of shape ({cout},) for weight of shape {w.shape}, got "
                               f"{bias.shape}")
    y = conv_transpose_general(x, w, bias, stride, pad, out_pad, dilation, g)
    return y[0] if unbatched else y


def _conv_fn(nd: int):
    name = f"conv{nd}d"

    def fn(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           groups: int = 1) -> Tensor:
        return _conv(name, input, weight, bias, stride, padding, dilation, groups, nd)
    fn.__name__ = fn.__qualname__ = name
    spatial = ("L", "H, W", "D, H, W")[nd - 1]
    shape_in, shape_w = (1, 1) + (3,) * nd, (2, 1) + (2,) * nd
    fn.__doc__ = (f"{nd}-D cross-correlation of an (N, C_in, {spatial}) input with a (C_out, C_in / groups, "
                  f"*kernel) weight (``torch.{name}``): ``stride``, ``padding`` (numbers, ``'valid'`` or "
                  f"``'same'``), ``dilation`` and ``groups``; an unbatched input (C_in, {spatial}) is accepted.\n\n"
                  f">>> import funcgrad as fg\n>>> fg.{name}(fg.ones{shape_in}, fg.ones{shape_w}, padding='same')"
                  f".shape\ntorch.Size({list(shape_in[:1] + (2,) + shape_in[2:])})\n")
    return _nnf(name)(fn)


def _conv_transpose_fn(nd: int):
    name = f"conv_transpose{nd}d"

    def fn(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
           groups: int = 1, dilation: Any = 1) -> Tensor:
        return _conv_transpose(name, input, weight, bias, stride, padding, output_padding, groups, dilation, nd)
    fn.__name__ = fn.__qualname__ = name
    shape_in, shape_w = (1, 1) + (2,) * nd, (1, 3) + (2,) * nd
    fn.__doc__ = (f"{nd}-D transposed convolution (the gradient of ``conv{nd}d`` with respect to its input) of an "
                  f"(N, C_in, *spatial) input with a (C_in, C_out / groups, *kernel) weight (``torch.{name}``); "
                  f"the output size is ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + "
                  f"1``.\n\n>>> import funcgrad as fg\n>>> fg.{name}(fg.ones{shape_in}, fg.ones{shape_w}, "
                  f"stride=2).shape\ntorch.Size({[1, 3] + [4] * nd})\n")
    return _nnf(name)(fn)


conv1d, conv2d, conv3d = (_conv_fn(d) for d in (1, 2, 3))
conv_transpose1d, conv_transpose2d, conv_transpose3d = (_conv_transpose_fn(d) for d in (1, 2, 3))


def convolution(input: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any, transposed: bool,
                output_padding: Any, groups: int) -> Tensor:
    """The general convolution behind the others, its dimension taken from the weight (``torch.convolution``).

    >>> import funcgrad as fg
    >>> fg.convolution(fg.ones(1, 1, 4), fg.ones(1, 1, 2), None, [2], [0], [1], False, [0], 1)
    tensor([[[2., 2.]]])
    """
    w = _t(weight)
    nd = w.ndim - 2
    if nd not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a 3-D, 4-D or 5-D weight (1 to 3 spatial dims), got shape "
                           f"{w.shape}")
    if transposed:
        return _conv_transpose(f"conv_transpose{nd}d", input, w, bias, stride, padding, output_padding, groups,
                               dilation, nd)
    return _conv(f"conv{nd}d", input, w, bias, stride, padding, dilation, groups, nd)


@_nnf("conv_tbc")
def conv_tbc(input: Any, weight: Any, bias: Any, pad: int = 0) -> Tensor:
    """1-D convolution of a (time, batch, C_in) input with a (kernel, C_in, C_out) weight and (C_out,) bias,
    padding ``pad`` steps at both ends (``torch.conv_tbc``).

    >>> import funcgrad as fg
    >>> fg.conv_tbc(fg.ones(3, 1, 2), fg.ones(2, 2, 1), fg.zeros(1)).ravel()
    tensor([4., 4.])
    """
    x, w = _t(input), _t(weight)
    if x.ndim != 3 or w.ndim != 3 or x.shape[2] != w.shape[1]:
        raise RuntimeError(f"conv_tbc: expected input (time, batch, C_in) and weight (kernel, C_in, C_out) with the "
                           f"same C_in, got shapes {x.shape} and {w.shape}")
    y = _conv("conv_tbc", fnp.transpose(x, (1, 2, 0)), fnp.transpose(w, (2, 1, 0)), bias, 1, pad, 1, 1, 1)
    return fnp.transpose(y, (2, 0, 1))
