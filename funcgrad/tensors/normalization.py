"""PyTorch's normalisation functions at top level: ``layer_norm``, ``group_norm``, ``rms_norm``, ``batch_norm``,
``instance_norm``.

Compositions of ``funcgrad.numpy`` operations on Tensors, without derivative code. Running statistics are
updated as PyTorch updates them (the biased batch variance normalises, the unbiased one enters ``running_var``),
unrecorded and functionally: the running-stat tensors are rebound to their new values, as the in-place methods of
``funcgrad/tensors/inplace.py`` rebind. ``torch.batch_norm`` and ``torch.instance_norm`` take ``weight, bias``
before the running statistics, ``torch.nn.functional``'s take them after: the functional order is registered in
``funcgrad.nn.functional``.

>>> import funcgrad as fg
>>> fg.layer_norm(fg.tensor([[1.0, 3.0]]), (2,))
tensor([[-1.0000,  1.0000]])
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import numpy as fnp
from .tensor import Tensor, no_grad
from .inplace import _rebind
from .activations import _float_input, _nnf
from .ops import _t

__all__ = ["layer_norm", "group_norm", "rms_norm", "batch_norm", "instance_norm"]


def _normalized_axes(op: str, x: Tensor, normalized_shape: Any) -> tuple:
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else \
        tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise RuntimeError(f"{op}: Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size {x.shape}")
    return shape, tuple(range(x.ndim - k, x.ndim))


def _affine(op: str, y: Tensor, weight: Any, bias: Any, shape: tuple) -> Tensor:
    for what, p in (("weight", weight), ("bias", bias)):
        if p is not None and _t(p).shape != shape:
            raise RuntimeError(f"{op}: expected {what} of shape {shape}, got {_t(p).shape}")
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def _standardize(x: Tensor, axes: tuple, eps: float) -> Tensor:
    mean = fnp.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    var = fnp.mean(centered * centered, axis=axes, keepdims=True)
    return centered / fnp.sqrt(var + eps)


@_nnf("layer_norm")
def layer_norm(input: Any, normalized_shape: Sequence[int], weight: Any = None, bias: Any = None,
               eps: float = 1e-5, cudnn_enable: bool = True) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions, then scale by ``weight`` and shift by
    ``bias`` (``torch.layer_norm``; ``cudnn_enable`` is accepted and ignored).

    >>> import funcgrad as fg
    >>> fg.layer_norm(fg.tensor([[0.0, 2.0]]), [2], weight=fg.tensor([2.0, 1.0]), bias=fg.tensor([0.0, 1.0]))
    tensor([[-2.0000,  2.0000]])
    """
    x = _float_input("layer_norm", input)
    shape, axes = _normalized_axes("layer_norm", x, normalized_shape)
    return _affine("layer_norm", _standardize(x, axes, eps), weight, bias, shape)


@_nnf("rms_norm")
def rms_norm(input: Any, normalized_shape: Sequence[int], weight: Any = None, eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last dimensions; ``eps`` defaults to the dtype's machine
    epsilon (``torch.rms_norm``).

    >>> import funcgrad as fg
    >>> fg.rms_norm(fg.tensor([[3.0, 4.0]]), (2,), eps=0.0)
    tensor([[0.8485, 1.1314]])
    """
    x = _float_input("rms_norm", input)
    shape, axes = _normalized_axes("rms_norm", x, normalized_shape)
    e = float(np.finfo(x.dtype).eps) if eps is None else eps
    y = x / fnp.sqrt(fnp.mean(x * x, axis=axes, keepdims=True) + e)
    return _affine("rms_norm", y, weight, None, shape)


def _channel_shape(x: Tensor) -> tuple:
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


@_nnf("group_norm")
def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """Normalise each of ``num_groups`` channel groups of an (N, C, *) input, then apply the per-channel
    ``weight`` and ``bias`` (``torch.group_norm``).

    >>> import funcgrad as fg
    >>> fg.group_norm(fg.tensor([[[1.0], [3.0], [5.0], [7.0]]]), 2, eps=0.0).ravel()
    tensor([-1.,  1., -1.,  1.])
    """
    x = _float_input("group_norm", input)
    g = int(num_groups)
    if x.ndim < 2 or g <= 0 or x.shape[1] % g:
        raise RuntimeError(f"group_norm: Expected number of channels in input to be divisible by num_groups, but "
                           f"got input of shape {x.shape} and num_groups={num_groups}")
    n, c = x.shape[:2]
    y = _standardize(fnp.reshape(x, (n, g, -1)), (2,), eps)
    y = fnp.reshape(y, x.shape)
    for what, p in (("weight", weight), ("bias", bias)):
        if p is not None and _t(p).shape != (c,):
            raise RuntimeError(f"group_norm: expected {what} of shape ({c},) for input of shape {x.shape}, got "
                               f"{_t(p).shape}")
    if weight is not None:
        y = y * fnp.reshape(weight, _channel_shape(x))
    return y if bias is None else y + fnp.reshape(bias, _channel_shape(x))


def _update_running(op: str, running: Any, batch_stat: Tensor, momentum: float) -> None:
    """``running = (1 - momentum) * running + momentum * batch_stat``, unrecorded, by rebinding ``running``."""
    if not isinstance(running, Tensor):
        raise TypeError(f"{op}: running statistics must be Tensors to be updated, got {type(running).__name__}")
    if running.shape != batch_stat.shape:
        raise RuntimeError(f"{op}: running statistic of shape {running.shape} does not match the {batch_stat.shape}"
                           f" channels of the input")
    with no_grad():
        new = (1 - momentum) * running + momentum * fnp.astype(batch_stat.detach(), running.dtype)
        _rebind(running, new._v, op)


def _batch_stats_norm(op: str, x: Tensor, axes: tuple, running_mean: Any, running_var: Any, momentum: float,
                      eps: float, fold: int) -> Tensor:
    """Normalise ``x`` by its statistics over ``axes``; ``fold`` > 1 averages the per-(batch, channel) statistics
    over the batch before they enter the running ones (instance norm)."""
    count = int(np.prod([x.shape[a] for a in axes]))
    mean = fnp.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    var = fnp.mean(centered * centered, axis=axes, keepdims=True)
    y = centered / fnp.sqrt(var + eps)
    if running_mean is not None or running_var is not None:
        c = x.shape[1]
        m = fnp.mean(fnp.reshape(mean, (-1, c)), axis=0) if fold else fnp.reshape(mean, (c,))
        unbiased = var * (count / max(count - 1, 1))
        v = fnp.mean(fnp.reshape(unbiased, (-1, c)), axis=0) if fold else fnp.reshape(unbiased, (c,))
        if running_mean is not None:
            _update_running(op, running_mean, m, momentum)
        if running_var is not None:
            _update_running(op, running_var, v, momentum)
    return y


def _running_norm(op: str, x: Tensor, running_mean: Any, running_var: Any, eps: float) -> Tensor:
    shape = _channel_shape(x)
    for what, r in (("running_mean", running_mean), ("running_var", running_var)):
        if _t(r).shape != (x.shape[1],):
            raise RuntimeError(f"{op}: expected {what} of shape ({x.shape[1]},) for input of shape {x.shape}, got "
                               f"{_t(r).shape}")
    return (x - fnp.reshape(running_mean, shape)) / fnp.sqrt(fnp.reshape(running_var, shape) + eps)


def _channel_affine(op: str, y: Tensor, weight: Any, bias: Any) -> Tensor:
    c = y.shape[1]
    for what, p in (("weight", weight), ("bias", bias)):
        if p is not None and _t(p).shape != (c,):
            raise RuntimeError(f"{op}: expected {what} of shape ({c},) for input of shape {y.shape}, got "
                               f"{_t(p).shape}")
    shape = _channel_shape(y)
    if weight is not None:
        y = y * fnp.reshape(weight, shape)
    return y if bias is None else y + fnp.reshape(bias, shape)


@_nnf("batch_norm")
def _f_batch_norm(input: Any, running_mean: Any, running_var: Any, weight: Any = None, bias: Any = None,
                  training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over all dimensions but the channels (dim 1) (``torch.nn.functional.batch_norm``):
    batch statistics when ``training`` (updating the running ones), the running ones otherwise.

    >>> import funcgrad as fg
    >>> rm, rv = fg.zeros(1), fg.ones(1)
    >>> fg.nn.functional.batch_norm(fg.tensor([[1.0], [3.0]]), rm, rv, training=True).ravel()
    tensor([-1.0000,  1.0000])
    >>> rm, rv
    (tensor([0.2000]), tensor([1.1000]))
    """
    op = "batch_norm"
    x = _float_input(op, input)
    if x.ndim < 2:
        raise RuntimeError(f"{op}: expected an input of at least 2 dimensions (N, C, *), got shape {x.shape}")
    if training:
        if x.numel() // x.shape[1] <= 1:
            raise ValueError(f"{op}: Expected more than 1 value per channel when training, got input size "
                             f"{x.shape}")
        axes = (0,) + tuple(range(2, x.ndim))
        y = _batch_stats_norm(op, x, axes, running_mean, running_var, momentum, eps, 0)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(f"{op}: running_mean and running_var must be defined in evaluation mode "
                               f"(training=False); pass them, or training=True to use the batch statistics")
        y = _running_norm(op, x, running_mean, running_var, eps)
    return _channel_affine(op, y, weight, bias)


def batch_norm(input: Any, weight: Any, bias: Any, running_mean: Any, running_var: Any, training: bool,
               momentum: float, eps: float, cudnn_enabled: bool = True) -> Tensor:
    """Batch normalisation in ``torch.batch_norm``'s argument order (weight and bias first); in training mode a
    missing running statistic is simply not tracked.

    >>> import funcgrad as fg
    >>> fg.batch_norm(fg.tensor([[1.0], [3.0]]), None, None, None, None, True, 0.1, 0.0, False).ravel()
    tensor([-1.,  1.])
    """
    return _f_batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


@_nnf("instance_norm")
def _f_instance_norm(input: Any, running_mean: Any = None, running_var: Any = None, weight: Any = None,
                     bias: Any = None, use_input_stats: bool = True, momentum: float = 0.1,
                     eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dimensions (``torch.nn.functional.instance_norm``);
    the running statistics get the batch means of the per-instance ones.

    >>> import funcgrad as fg
    >>> fg.nn.functional.instance_norm(fg.tensor([[[1.0, 3.0]]]), eps=0.0)
    tensor([[[-1.,  1.]]])
    """
    op = "instance_norm"
    x = _float_input(op, input)
    if x.ndim < 3:
        raise RuntimeError(f"{op}: expected an input of at least 3 dimensions (N, C, *spatial), got shape "
                           f"{x.shape}")
    if use_input_stats:
        if x.numel() // (x.shape[0] * x.shape[1]) <= 1 and x.numel():
            raise ValueError(f"{op}: Expected more than 1 spatial element when training, got input size {x.shape}")
        y = _batch_stats_norm(op, x, tuple(range(2, x.ndim)), running_mean, running_var, momentum, eps, 1)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(f"{op}: Expected running_mean and running_var to be defined when use_input_stats is "
                               f"false")
        y = _running_norm(op, x, running_mean, running_var, eps)
    return _channel_affine(op, y, weight, bias)


def instance_norm(input: Any, weight: Any, bias: Any, running_mean: Any, running_var: Any, use_input_stats: bool,
                  momentum: float, eps: float, cudnn_enabled: bool = True) -> Tensor:
    """Instance normalisation in ``torch.instance_norm``'s argument order (weight and bias first).

    >>> import funcgrad as fg
    >>> fg.instance_norm(fg.tensor([[[0.0, 2.0]]]), None, None, None, None, True, 0.1, 0.0, False)
    tensor([[[-1.,  1.]]])
    """
    return _f_instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
