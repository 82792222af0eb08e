"""PyTorch's neural-network functions at top level: activations, dropout and RNN cells.

Each function is a composition of ``funcgrad.numpy`` operations on Tensors, so gradients (of any order) come from
those operations; there is no derivative code here. Where ``torch.nn.functional``'s signature differs from the
top-level one (``F.dropout(input, p, training, inplace)`` against ``torch.dropout(input, p, train)``), the math is
in the functional-style function and the top-level name is a thin wrapper. :data:`NN_FUNCTIONAL` maps
``torch.nn.functional`` names to the functional-style functions of this module (and of ``embedding``,
``losses``, ``normalization``, ``conv`` and ``pooling``, which add theirs), ready for a
``funcgrad.nn.functional`` to re-export. In-place variants (``celu_``, ``dropout_`` ...) rebind the tensor as
``funcgrad/tensors/inplace.py`` does.

>>> import funcgrad as fg
>>> fg.celu(fg.tensor([-1.0, 2.0]), 1.0)
tensor([-0.6321,  2.0000])
>>> fg.dropout(fg.ones(3), 0.5, False)
tensor([1., 1., 1.])
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from .. import numpy as fnp
from ..backend import device_of, to_device, to_host
from ..core import getval
from .tensor import Tensor
from .creation import rand
from .inplace import _rebind
from .operators import _check_inplace
from .ops import _ix, _t
from .math import relu as _relu, sigmoid, tanh

__all__ = ["celu", "celu_", "selu", "selu_", "hardshrink", "threshold", "threshold_", "prelu", "rrelu", "rrelu_",
           "dropout", "dropout_", "feature_dropout", "feature_dropout_", "alpha_dropout", "alpha_dropout_",
           "feature_alpha_dropout", "feature_alpha_dropout_", "rnn_tanh_cell", "rnn_relu_cell", "lstm_cell",
           "gru_cell"]

#: ``torch.nn.functional`` name -> the functional-style function (for a later ``funcgrad.nn.functional``).
NN_FUNCTIONAL: dict = {}


def _nnf(*names: str) -> Callable:
    """Register a function in :data:`NN_FUNCTIONAL` under ``names``."""
    def deco(fn: Callable) -> Callable:
        for n in names:
            NN_FUNCTIONAL[n] = fn
        return fn
    return deco


def _shape(x: Any) -> tuple:
    return tuple(x.shape) if hasattr(x, "shape") else ()


def _host(x: Any) -> np.ndarray:
    """An index-like argument (Tensor, array on any device, list) as a host array: shapes and bounds are
    checked, and index tables built, on the host."""
    v = getval(_ix(x))
    return to_host(v) if hasattr(v, "shape") else np.asarray(v)


def _on_device_of(like: Tensor, host: Any) -> Any:
    """A host constant (mask, index table, averaging matrix) on ``like``'s device: funcgrad never mixes devices."""
    where = device_of(getval(like._v))
    return host if where == "cpu" else to_device(np.asarray(host), where)


def _float_input(op: str, x: Any) -> Tensor:
    t = _t(x)
    if t.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: expected a floating point input, got dtype {t.dtype} (shape {t.shape}); convert "
                           f"it with .double() / .float() first")
    return t


def _maybe_inplace(op: str, input: Any, out: Tensor, inplace: bool) -> Tensor:
    """``out``, or with ``inplace`` the input rebound to ``out``'s value (PyTorch's ``inplace=True``)."""
    if not inplace:
        return out
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: inplace=True needs a Tensor input, got {type(input).__name__}")
    _check_inplace(input, op)
    return _rebind(input, out._v, op)


def _inplace_variant(name: str, fn: Callable, doc_call: str) -> Callable:
    def method(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor to update in place, got {type(input).__name__}")
        _check_inplace(input, name)
        return _rebind(input, fn(input, *args, **kwargs)._v, name)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"In-place ``{fn.__name__}``: the tensor is rebound to the result, which is returned "
                      f"(``torch.{name}``).\n\n>>> import funcgrad as fg\n>>> x = fg.tensor([-1.0, 1.0])\n"
                      f">>> fg.{doc_call} is x\nTrue\n")
    return method


def _negpart(x: Tensor) -> Tensor:
    # where, not minimum: the gradient at 0 is 1 (PyTorch's ELU family takes the negative branch there), and the
    # exp of the negative branch never sees large positive inputs, whose inf would poison the gradient via 0 * inf
    return fnp.where(x > 0, 0.0, x)


# --- activations -------------------------------------------------------------------------------------------------
@_nnf("celu")
def _f_celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`` (``torch.nn.functional.celu``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.celu(fg.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError: alpha must not be 0 (it divides the input)")
    x = _float_input("celu", input)
    out = fnp.where(x > 0, x, alpha * fnp.expm1(_negpart(x) / alpha))
    return _maybe_inplace("celu", input, out, inplace)


def celu(input: Any, alpha: float = 1.0) -> Tensor:
    """CELU activation (``torch.celu``).

    >>> import funcgrad as fg
    >>> fg.celu(fg.tensor([-2.0]), alpha=2.0)
    tensor([-1.2642])
    """
    return _f_celu(input, alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@_nnf("selu")
def _f_selu(input: Any, inplace: bool = False) -> Tensor:
    """``scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))`` (``torch.nn.functional.selu``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.selu(fg.tensor([1.0]))
    tensor([1.0507])
    """
    x = _float_input("selu", input)
    out = _SELU_SCALE * fnp.where(x > 0, x, _SELU_ALPHA * fnp.expm1(_negpart(x)))
    return _maybe_inplace("selu", input, out, inplace)


def selu(input: Any) -> Tensor:
    """SELU activation (``torch.selu``).

    >>> import funcgrad as fg
    >>> fg.selu(fg.tensor([-1.0]))
    tensor([-1.1113])
    """
    return _f_selu(input)


@_nnf("hardshrink")
def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0 (``torch.hardshrink``).

    >>> import funcgrad as fg
    >>> fg.hardshrink(fg.tensor([-1.0, 0.2, 0.7]))
    tensor([-1.0000,  0.0000,  0.7000])
    """
    x = _t(input)
    return fnp.where((x > lambd) | (x < -lambd), x, 0)


@_nnf("threshold")
def _f_threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value`` (``torch.nn.functional.threshold``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.threshold(fg.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    x = _t(input)
    return _maybe_inplace("threshold", input, fnp.where(x > threshold, x, value), inplace)


def threshold(input: Any, threshold: float, value: float) -> Tensor:
    """``x`` where ``x > threshold``, else ``value`` (``torch.threshold``).

    >>> import funcgrad as fg
    >>> fg.threshold(fg.tensor([0.0, 3.0]), 1.0, 5.0)
    tensor([5., 3.])
    """
    return _f_threshold(input, threshold, value)


@_nnf("prelu")
def prelu(input: Any, weight: Any) -> Tensor:
    """``x`` where ``x > 0``, else ``weight * x``, one slope per channel (dim 1) or one for all (``torch.prelu``).

    >>> import funcgrad as fg
    >>> fg.prelu(fg.tensor([[-1.0, -1.0], [2.0, -2.0]]), fg.tensor([0.1, 0.5]))
    tensor([[-0.1000, -0.5000],
            [ 2.0000, -1.0000]])
    """
    x, w = _float_input("prelu", input), _t(weight)
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.ndim > 1 or w.numel() not in (1, channels):
        raise RuntimeError(f"prelu: weight of shape {w.shape} must hold 1 slope or one per channel (input "
                           f"shape {x.shape} has {channels} channel(s) at dim 1)")
    if w.numel() > 1:
        w = fnp.reshape(w, (channels,) + (1,) * (x.ndim - 2))
    elif w.ndim:
        w = fnp.reshape(w, ())
    return fnp.where(x > 0, x, w * x)


@_nnf("rrelu")
def _f_rrelu(input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
             inplace: bool = False, generator: Any = None) -> Tensor:
    """Randomized leaky ReLU: negative inputs times a slope drawn from U(lower, upper) when ``training``, times
    ``(lower + upper) / 2`` otherwise (``torch.nn.functional.rrelu``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.rrelu(fg.tensor([-3.0, 1.0]), 0.5, 1.5)
    tensor([-3.,  1.])
    """
    x = _float_input("rrelu", input)
    if lower > upper:
        raise ValueError(f"rrelu: lower bound {lower} must be at most the upper bound {upper}")
    if training:
        slope = lower + (upper - lower) * rand(*x.shape, generator=generator, dtype=x.dtype, device=x.device)
    else:
        slope = (lower + upper) / 2
    return _maybe_inplace("rrelu", input, fnp.where(x >= 0, x, x * slope), inplace)


def rrelu(input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator: Any = None) -> Tensor:
    """Randomized leaky ReLU (``torch.rrelu``); in eval mode the slope is the mean ``(lower + upper) / 2``.

    >>> import funcgrad as fg
    >>> fg.rrelu(fg.tensor([-2.0, 2.0]), 0.25, 0.75)
    tensor([-1.,  2.])
    """
    return _f_rrelu(input, lower, upper, training, generator=generator)


# --- dropout -----------------------------------------------------------------------------------------------------
_ALPHA_SELU = 1.7580993408473766  # -scale * alpha of SELU: the value alpha-dropout drops to, before the affine fix


def _dropout(op: str, input: Any, p: float, train: bool, feature: bool, alpha: bool, generator: Any = None) -> Tensor:
    x = _t(input)
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got p={p}")
    if not train or p == 0 or x.numel() == 0:
        return x
    if feature and x.ndim < 2:
        raise RuntimeError(f"{op}: feature dropout drops whole channels and needs an input with at least 2 "
                           f"dimensions (N, C, *), got shape {x.shape}")
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    shape = (x.shape[:2] + (1,) * (x.ndim - 2)) if feature else x.shape
    if p == 1:
        keep = _on_device_of(x, np.zeros(shape, dtype=x.dtype))
    else:
        keep = fnp.astype(rand(*shape, generator=generator, dtype=x.dtype, device=x.device) < 1 - p, x.dtype)
    if alpha:
        a = 1.0 / math.sqrt((_ALPHA_SELU ** 2 * p + 1) * (1 - p))
        return x * (keep * a) + ((keep - 1) * (_ALPHA_SELU * a) + _ALPHA_SELU * a * p)
    return x * keep if p == 1 else x * (keep / (1 - p))


@_nnf("dropout")
def _f_dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` when ``training``
    (``torch.nn.functional.dropout``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.dropout(fg.ones(2), 0.3, training=False)
    tensor([1., 1.])
    """
    return _maybe_inplace("dropout", input, _dropout("dropout", input, p, training, False, False), inplace)


@_nnf("alpha_dropout")
def _f_alpha_dropout(input: Any, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's zero mean and unit variance (``torch.nn.functional.alpha_dropout``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.alpha_dropout(fg.ones(2), 0.3)
    tensor([1., 1.])
    """
    return _maybe_inplace("alpha_dropout", input, _dropout("alpha_dropout", input, p, training, False, True),
                          inplace)


@_nnf("feature_alpha_dropout")
def _f_feature_alpha_dropout(input: Any, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (``torch.nn.functional.feature_alpha_dropout``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.feature_alpha_dropout(fg.ones(1, 2), 0.3).shape
    torch.Size([1, 2])
    """
    return _maybe_inplace("feature_alpha_dropout", input,
                          _dropout("feature_alpha_dropout", input, p, training, True, True), inplace)


def _channel_dropout(name: str, dims: int) -> Callable:
    def fn(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
        x = _t(input)
        if x.ndim not in (dims + 1, dims + 2):
            raise RuntimeError(f"{name}: expected a {dims + 1}-D (unbatched) or {dims + 2}-D (batched) input, got "
                               f"shape {x.shape}")
        batched = x.ndim == dims + 2
        y = _dropout(name, x if batched else fnp.expand_dims(x, 0), p, training, True, False)
        return _maybe_inplace(name, input, y if batched else y[0], inplace)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Zero whole channels with probability ``p`` (``torch.nn.functional.{name}``).\n\n"
                  f">>> import funcgrad as fg\n>>> fg.nn.functional.{name}(fg.ones(*[1] * "
                  f"{dims + 2}), 0.5, False).shape\ntorch.Size({[1] * (dims + 2)})\n")
    return _nnf(name)(fn)


_dropout1d, _dropout2d, _dropout3d = (_channel_dropout(f"dropout{d}d", d) for d in (1, 2, 3))


def dropout(input: Any, p: float, train: bool) -> Tensor:
    """Dropout (``torch.dropout(input, p, train)``).

    >>> import funcgrad as fg
    >>> y = fg.dropout(fg.ones(1000), 0.5, True)
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    """
    return _dropout("dropout", input, p, train, False, False)


def feature_dropout(input: Any, p: float, train: bool) -> Tensor:
    """Dropout of whole channels (dim 1) of an (N, C, *) input (``torch.feature_dropout``).

    >>> import funcgrad as fg
    >>> y = fg.feature_dropout(fg.ones(4, 8, 5), 0.5, True)
    >>> bool(fg.numpy.all(fg.numpy.std(y, axis=2) == 0))
    True
    """
    return _dropout("feature_dropout", input, p, train, True, False)


def alpha_dropout(input: Any, p: float, train: bool) -> Tensor:
    """Alpha dropout (``torch.alpha_dropout(input, p, train)``).

    >>> import funcgrad as fg
    >>> fg.alpha_dropout(fg.ones(2), 0.5, False)
    tensor([1., 1.])
    """
    return _dropout("alpha_dropout", input, p, train, False, True)


def feature_alpha_dropout(input: Any, p: float, train: bool) -> Tensor:
    """Alpha dropout of whole channels (``torch.feature_alpha_dropout``).

    >>> import funcgrad as fg
    >>> fg.feature_alpha_dropout(fg.ones(1, 2), 0.5, False)
    tensor([[1., 1.]])
    """
    return _dropout("feature_alpha_dropout", input, p, train, True, True)


celu_ = _inplace_variant("celu_", celu, "celu_(x)")
selu_ = _inplace_variant("selu_", selu, "selu_(x)")
threshold_ = _inplace_variant("threshold_", threshold, "threshold_(x, 0.0, 0.0)")
rrelu_ = _inplace_variant("rrelu_", rrelu, "rrelu_(x)")
dropout_ = _inplace_variant("dropout_", dropout, "dropout_(x, 0.5, False)")
feature_dropout_ = _inplace_variant("feature_dropout_", feature_dropout, "feature_dropout_(x, 0.5, False)")
alpha_dropout_ = _inplace_variant("alpha_dropout_", alpha_dropout, "alpha_dropout_(x, 0.5, False)")
feature_alpha_dropout_ = _inplace_variant("feature_alpha_dropout_", feature_alpha_dropout,
                                          "feature_alpha_dropout_(x, 0.5, False)")


# --- RNN cells ---------------------------------------------------------------------------------------------------
def _linear(op: str, x: Tensor, w: Any, b: Any) -> Tensor:
    w = _t(w)
    if w.ndim != 2 or w.shape[1] != x.shape[-1]:
        raise RuntimeError(f"{op}: weight of shape {w.shape} does not fit an input of shape {x.shape} (expected "
                           f"(gates * hidden_size, {x.shape[-1] if x.ndim else '?'}))")
    y = fnp.matmul(x, fnp.swapaxes(w, 0, 1))
    return y if b is None else y + b


def _gates(op: str, input: Any, hx: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any, n: int) -> tuple:
    x, h = _t(input), _t(hx)
    gi, gh = _linear(op, x, w_ih, b_ih), _linear(op, h, w_hh, b_hh)
    if gi.shape[-1] != n * h.shape[-1] or gi.shape != gh.shape:
        raise RuntimeError(f"{op}: expected w_ih and w_hh with {n} * hidden_size = {n * h.shape[-1]} rows for "
                           f"hx of shape {h.shape}, got gate shapes {gi.shape} and {gh.shape}")
    return h, gi, gh


def rnn_tanh_cell(input: Any, hx: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Tensor:
    """One Elman RNN step, ``tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)`` (``torch.rnn_tanh_cell``).

    >>> import funcgrad as fg
    >>> fg.rnn_tanh_cell(fg.zeros(1, 3), fg.zeros(1, 2), fg.ones(2, 3), fg.ones(2, 2))
    tensor([[0., 0.]])
    """
    _, gi, gh = _gates("rnn_tanh_cell", input, hx, w_ih, w_hh, b_ih, b_hh, 1)
    return tanh(gi + gh)


def rnn_relu_cell(input: Any, hx: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Tensor:
    """One Elman RNN step with ReLU (``torch.rnn_relu_cell``).

    >>> import funcgrad as fg
    >>> fg.rnn_relu_cell(fg.ones(1, 3), fg.zeros(1, 2), fg.ones(2, 3), fg.ones(2, 2))
    tensor([[3., 3.]])
    """
    _, gi, gh = _gates("rnn_relu_cell", input, hx, w_ih, w_hh, b_ih, b_hh, 1)
    return _relu(gi + gh)


def lstm_cell(input: Any, hx: Sequence[Any], w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> tuple:
    """One LSTM step: ``hx = (h, c)`` -> ``(h', c')``, gates in PyTorch's order i, f, g, o (``torch.lstm_cell``).

    >>> import funcgrad as fg
    >>> h, c = fg.lstm_cell(fg.zeros(1, 3), (fg.zeros(1, 2), fg.ones(1, 2)), fg.zeros(8, 3), fg.zeros(8, 2))
    >>> c
    tensor([[0.5000, 0.5000]])
    """
    if not isinstance(hx, (list, tuple)) or len(hx) != 2:
        raise RuntimeError(f"lstm_cell: hx must be a pair (h, c), got {type(hx).__name__}")
    h, gi, gh = _gates("lstm_cell", input, hx[0], w_ih, w_hh, b_ih, b_hh, 4)
    i, f, g, o = fnp.split(gi + gh, 4, axis=-1)
    c = sigmoid(f) * hx[1] + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


def gru_cell(input: Any, hx: Any, w_ih: Any, w_hh: Any, b_ih: Any = None, b_hh: Any = None) -> Tensor:
    """One GRU step, gates in PyTorch's order r, z, n (``torch.gru_cell``).

    >>> import funcgrad as fg
    >>> fg.gru_cell(fg.zeros(1, 3), fg.ones(1, 2), fg.zeros(6, 3), fg.zeros(6, 2))
    tensor([[0.5000, 0.5000]])
    """
    h, gi, gh = _gates("gru_cell", input, hx, w_ih, w_hh, b_ih, b_hh, 3)
    i_r, i_z, i_n = fnp.split(gi, 3, axis=-1)
    h_r, h_z, h_n = fnp.split(gh, 3, axis=-1)
    r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
    n = tanh(i_n + r * h_n)
    return n + z * (h - n)
