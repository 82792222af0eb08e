"""The rest of ``torch.nn.functional``'s losses: regression (``mse_loss``, ``l1_loss``, ``smooth_l1_loss``,
``huber_loss``, ``gaussian_nll_loss``), classification (``cross_entropy``, ``nll_loss``, ``binary_cross_entropy``)
and the margin losses (``soft_margin_loss``, ``multilabel_soft_margin_loss``, ``multi_margin_loss``,
``multilabel_margin_loss``).

Compositions of ``funcgrad.numpy`` operations on Tensors, no derivative code. Each takes F's ``reduction``
(``'none'``, ``'mean'``, ``'sum'``) and the legacy ``size_average``/``reduce`` flags where F does. Class indices
(targets, ``ignore_index``) are checked and turned into gather tables on the host, then moved to the input's
device (targets traced by a transform, as under ``vmap(grad(loss))`` for per-example gradients, stay traced and are
gathered per example); ``nll_loss``'s mean divides by the total weight of the targets that count, as PyTorch's does.

>>> import funcgrad as fg
>>> F = fg.nn.functional
>>> F.mse_loss(fg.tensor([1.0, 2.0]), fg.tensor([1.0, 4.0]))
tensor(2.)
>>> F.cross_entropy(fg.zeros(2, 4), fg.tensor([0, 3]))
tensor(1.3863)
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import to_host
from ..core import getval, is_traced
from ..primitives.control import stop_gradient
from .tensor import Tensor
from .activations import _host, _nnf, _on_device_of
from .ops import _ix, _t
from .reductions import log_softmax
from .losses import _broadcast, _reduce, _reduction

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "gaussian_nll_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
           "multilabel_margin_loss"]


def _pair(op: str, input: Any, target: Any) -> tuple:
    """``input`` and ``target`` broadcast together, warning as PyTorch does when their sizes differ."""
    x, t = _t(input), _t(target)
    if x.shape != t.shape:
        warnings.warn(f"{op}: Using a target size {t.shape} that is different to the input size {x.shape}. "
                      f"This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      f"same size.", UserWarning, stacklevel=3)
        shape = _broadcast(op, x, t)
        x, t = fnp.broadcast_to(x, shape), fnp.broadcast_to(t, shape)
    return x, t


def _weighted(op: str, loss: Tensor, weight: Any, input_shape: tuple, red: str, mean_by_weight: bool) -> Tensor:
    if weight is None:
        return _reduce(loss, red)
    w = _t(weight)
    if w.shape != input_shape:
        raise ValueError(f"{op}: Weights and input must have the same size, got weight {w.shape} and input "
                         f"{input_shape}")
    loss = loss * w
    if red == "mean" and mean_by_weight:
        return fnp.sum(loss) / fnp.sum(w)
    return _reduce(loss, red)


# --- regression --------------------------------------------------------------------------------------------------
@_nnf("mse_loss")
def mse_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
             weight: Any = None) -> Tensor:
    """``(input - target) ** 2``, weighted by ``weight`` (the weighted mean divides by ``sum(weight)``)
    (``torch.nn.functional.mse_loss``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.mse_loss(fg.tensor([0.0, 1.0]), fg.tensor([2.0, 1.0]), reduction="sum")
    tensor(4.)
    """
    red = _reduction("mse_loss", reduction, size_average, reduce)
    x, t = _pair("mse_loss", input, target)
    d = x - t
    return _weighted("mse_loss", d * d, weight, _t(input).shape, red, True)


@_nnf("l1_loss")
def l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
            weight: Any = None) -> Tensor:
    """``|input - target|``, weighted by ``weight`` (the weighted mean divides by ``sum(weight)``)
    (``torch.nn.functional.l1_loss``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.l1_loss(fg.tensor([0.0, 1.0]), fg.tensor([2.0, 1.0]))
    tensor(1.)
    """
    red = _reduction("l1_loss", reduction, size_average, reduce)
    x, t = _pair("l1_loss", input, target)
    return _weighted("l1_loss", fnp.abs(x - t), weight, _t(input).shape, red, True)


def _huber(d: Tensor, delta: float) -> Tensor:
    a = fnp.abs(d)
    return fnp.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


@_nnf("smooth_l1_loss")
def smooth_l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, for ``d = input - target``; ``beta=0`` is
    the L1 loss (``torch.nn.functional.smooth_l1_loss``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.smooth_l1_loss(fg.tensor([0.5, 3.0]), fg.zeros(2), reduction="none")
    tensor([0.1250, 2.5000])
    """
    red = _reduction("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: does not support negative values for beta, got {beta}")
    x, t = _pair("smooth_l1_loss", input, target)
    d = x - t
    if beta == 0:
        return _reduce(fnp.abs(d), red)
    return _reduce(_huber(d, beta) / beta, red)


@_nnf("huber_loss")
def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0, weight: Any = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``; a ``weight`` multiplies it, the
    weighted mean is the plain mean of the products, as PyTorch's (``torch.nn.functional.huber_loss``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.huber_loss(fg.tensor([0.5, 3.0]), fg.zeros(2), reduction="none", delta=2.0)
    tensor([0.1250, 4.0000])
    """
    red = _reduction("huber_loss", reduction)
    if delta <= 0:
        raise RuntimeError(f"huber_loss: does not support non-positive values for delta, got {delta}")
    x, t = _pair("huber_loss", input, target)
    return _weighted("huber_loss", _huber(x - t, delta), weight, _t(input).shape, red, False)


@_nnf("gaussian_nll_loss")
def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Gaussian negative log likelihood ``0.5 (log(var) + (input - target)^2 / var)`` (+ ``0.5 log(2 pi)`` with
    ``full``); ``var`` is clamped below at ``eps`` without that clamp entering the gradient, and may be one
    dimension short of ``input`` or differ from it in one broadcast dimension
    (``torch.nn.functional.gaussian_nll_loss``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.gaussian_nll_loss(fg.tensor([1.0]), fg.tensor([1.0]), fg.tensor([1.0]))
    tensor(0.)
    """
    op = "gaussian_nll_loss"
    x, t = _t(input), _t(target)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries ({var})")
        v = fnp.full_like(x, float(var))
    else:
        v = _t(var)
        if bool(_host(fnp.any(v < 0))):
            raise ValueError(f"{op}: var has negative entry/entries")
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:
            v = fnp.expand_dims(v, -1)
        elif not (x.ndim == v.ndim and sum(b for a, b in zip(x.shape, v.shape) if a != b) == 1):
            raise ValueError(f"{op}: var is of incorrect size {v.shape} for input of shape {x.shape} (expected the "
                             f"input's shape, that shape without its last dimension, or one dimension of size 1)")
    red = _reduction(op, reduction)
    v = v + stop_gradient(fnp.maximum(v, eps) - v)  # the clamp under no_grad, as PyTorch's
    d = x - t
    loss = 0.5 * (fnp.log(v) + d * d / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, red)


# --- classification ----------------------------------------------------------------------------------------------
def _class_targets(op: str, x: Tensor, target: Any, ignore_index: int) -> tuple:
    """The class indices of ``target`` for an input ``x`` with classes at dim 1 (dim 0 unbatched), their ignore
    mask and their indices made safe (ignored ones point at class 0); shape and bounds checked.

    Concrete targets give host arrays (the tables are built there). Targets traced by a transform (``vmap`` over
    examples: per-example gradients) stay traced, so that each example gathers its own classes; their bounds are
    still checked, over the values the trace carries (under ``vmap``, the whole batch's)."""
    cd = 0 if x.ndim == 1 else 1
    c = x.shape[cd]
    tv = _ix(target)
    traced = is_traced(tv)
    tg = tv if traced else _host(target)
    if tg.dtype.kind not in "iub":
        raise RuntimeError(f"{op}: expected class-index targets of an integer type (int64), got dtype {tg.dtype} "
                           f"(shape {tg.shape}) for input of shape {x.shape}")
    want = x.shape[:cd] + x.shape[cd + 1:]
    if tuple(tg.shape) != want:
        if x.ndim >= 2 and (tg.ndim == 0 or tg.shape[0] != x.shape[0]):
            raise ValueError(f"{op}: Expected input batch_size ({x.shape[0]}) to match target batch_size "
                             f"({tg.shape[0] if tg.ndim else 'a scalar'}); input shape {x.shape}, target shape "
                             f"{tuple(tg.shape)}")
        raise RuntimeError(f"{op}: expected target of shape {want} (the input's {x.shape} without its class dim "
                           f"{cd}), got {tuple(tg.shape)}")
    values = to_host(getval(tv)).astype(np.int64) if traced else tg.astype(np.int64)
    ignored = values == ignore_index
    bad = (~ignored) & ((values < 0) | (values >= c))
    if bad.any():
        where = " (checked over the values the transform carries: under vmap, every example's)" if traced else ""
        raise IndexError(f"{op}: Target {int(values[bad].flat[0])} is out of bounds (input of shape {x.shape} has "
                         f"{c} classes at dim {cd}){where}")
    if traced:
        ignored = fnp.equal(tv, ignore_index)
        return cd, c, ignored, fnp.where(ignored, 0, tv)
    return cd, c, ignored, np.where(ignored, 0, values)


def _table(like: Tensor, a: Any) -> Any:
    """A gather table or mask on ``like``'s device: host ones are moved there, traced ones already are."""
    return a if is_traced(a) else _on_device_of(like, a)


def _counted(like: Tensor, ignored: Any) -> Any:
    """1 where the target counts, 0 where it is ignored, in ``like``'s dtype and on its device."""
    return _table(like, fnp.astype(fnp.logical_not(ignored), like.dtype))


def _class_weight(op: str, weight: Any, c: int, x: Tensor) -> Tensor | None:
    if weight is None:
        return None
    w = _t(weight)
    if w.shape != (c,):
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {c} classes or no classes but got "
                           f"weight tensor of shape: {w.shape} (input shape {x.shape})")
    return w


def _nll(op: str, logp: Tensor, target: Any, weight: Any, ignore_index: int, red: str) -> tuple:
    """``-weight[t] * logp[t]`` per position, reduced; also the per-position weights (0 where ignored)."""
    cd, c, ignored, safe = _class_targets(op, logp, target, ignore_index)
    w = _class_weight(op, weight, c, logp)
    keep = _counted(logp, ignored)
    if is_traced(safe):
        # indices are static parameters of the gathers, which cannot vary across a vmap batch: a one-hot selects
        classes = _on_device_of(logp, np.arange(c).reshape((c,) + (1,) * (logp.ndim - cd - 1)))
        hot = fnp.equal(fnp.expand_dims(safe, cd), classes)
        picked = fnp.sum(fnp.where(hot, logp, 0.0), axis=cd)
        wt = keep if w is None else fnp.sum(fnp.where(hot, fnp.reshape(w, classes.shape), 0.0), axis=cd) * keep
    else:
        picked = fnp.squeeze(fnp.take_along_axis(logp, _on_device_of(logp, np.expand_dims(safe, cd)), axis=cd),
                             axis=cd)
        wt = keep if w is None else fnp.take(w, _on_device_of(logp, safe)) * keep
    loss = -picked * wt
    if red == "mean":
        return fnp.sum(loss) / fnp.sum(wt), wt, ignored, safe
    return _reduce(loss, red), wt, ignored, safe


@_nnf("nll_loss")
def nll_loss(input: Any, target: Any, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
             reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood ``-weight[t] * input[n, t]`` of log-probabilities ``input`` (N, C), (C,) or
    (N, C, d1, ...) against class indices ``target``; positions whose target is ``ignore_index`` count for
    nothing, and ``'mean'`` divides by the total weight of the others (``torch.nn.functional.nll_loss``).

    >>> import funcgrad as fg
    >>> lp = fg.log(fg.tensor([[0.5, 0.5], [0.25, 0.75]]))
    >>> fg.nn.functional.nll_loss(lp, fg.tensor([0, 1]), reduction="none")
    tensor([0.6931, 0.2877])
    """
    red = _reduction("nll_loss", reduction, size_average, reduce)
    x = _t(input)
    if x.ndim < 1:
        raise ValueError(f"nll_loss: input must have at least 1 dimension (C,), got shape {x.shape}")
    return _nll("nll_loss", x, target, weight, ignore_index, red)[0]


@_nnf("cross_entropy")
def cross_entropy(input: Any, target: Any, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                  reduce: Any = None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of the logits ``input`` (N, C), (C,) or (N, C, d1, ...) against class indices (an integer
    ``target`` without the class dim) or class probabilities (a floating ``target`` of the input's shape)
    (``torch.nn.functional.cross_entropy``). ``label_smoothing`` mixes the target with the uniform distribution;
    ``weight`` rescales each class; ``ignore_index`` applies to class indices only. With class indices the mean
    divides by the total weight of the counted targets, with probabilities by the number of positions.

    >>> import funcgrad as fg
    >>> ce = fg.nn.functional.cross_entropy
    >>> ce(fg.tensor([[0.0, 0.0]]), fg.tensor([1]))
    tensor(0.6931)
    >>> ce(fg.tensor([[0.0, 0.0]]), fg.tensor([[0.5, 0.5]]))
    tensor(0.6931)
    """
    op = "cross_entropy"
    red = _reduction(op, reduction, size_average, reduce)
    x = _t(input)
    if x.ndim < 1:
        raise ValueError(f"{op}: input must have at least 1 dimension (C,), got shape {x.shape}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"{op}: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    cd = 0 if x.ndim == 1 else 1
    c = x.shape[cd]
    logp = log_softmax(x, cd)
    t = _t(target)
    wshape = (c,) + (1,) * (x.ndim - cd - 1)
    if t.dtype.kind == "f":  # class probabilities
        if t.shape != x.shape:
            raise RuntimeError(f"{op}: expected probability targets of the input's shape {x.shape}, got {t.shape}")
        if label_smoothing > 0:
            t = t * (1 - label_smoothing) + label_smoothing / c
        w = _class_weight(op, weight, c, x)
        prod = logp * t if w is None else logp * t * fnp.reshape(w, wshape)
        loss = -fnp.sum(prod, axis=cd)
        if red == "mean":
            return fnp.sum(loss) / (x.numel() // c if c else 0)
        return _reduce(loss, red)
    nll, wt, ignored, safe = _nll(op, logp, t, weight, ignore_index, red)
    if label_smoothing == 0:
        return nll
    w = _class_weight(op, weight, c, x)
    smooth = -fnp.sum(logp if w is None else logp * fnp.reshape(w, wshape), axis=cd)
    smooth = smooth * _counted(x, ignored)
    if red == "mean":
        smooth = fnp.sum(smooth) / fnp.sum(wt)
    else:
        smooth = _reduce(smooth, red)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / c)


def _clamped_log(z: Tensor) -> Tensor:
    """``max(log(z), -100)``, as PyTorch's binary cross entropy clamps; 0 and tiny ``z`` give -100 and no
    gradient (never the NaN of ``0 * log'(0)``)."""
    small = z <= math.exp(-100)
    return fnp.where(small, -100.0, fnp.log(fnp.where(small, 1.0, z)))


def _clamped_log1m(z: Tensor) -> Tensor:
    """``max(log1p(-z), -100)``, PyTorch's clamped ``log(1 - z)`` (log1p: exact for tiny ``z``), as
    :func:`_clamped_log`."""
    small = 1 - z <= math.exp(-100)
    return fnp.where(small, -100.0, fnp.log1p(-fnp.where(small, 0.0, z)))


_BCE_EPS = float(np.float32(1e-12))  # PyTorch's floor on x (1 - x) in the gradient (a float 1e-12, all dtypes)


def _bce(x: Tensor, t: Tensor) -> Tensor:
    """The elementwise loss with PyTorch's values and gradients. The value is the clamped logs', but its input
    gradient is PyTorch's ``(x - t) / max(x (1 - x), 1e-12)``, not the clamp's 0: a confidently wrong prediction
    (x = 0 for t = 1) still pulls. That gradient is the one of ``s``, the unclamped loss where ``x (1 - x) >= 1e-12``
    and ``(x - t)^2 / 2e-12`` elsewhere, added as ``-(stop_gradient(s) - s)`` (exactly 0 in value) to the loss taken at
    ``stop_gradient(x)``; ``s`` is built from funcgrad ops, so higher orders follow (and stay finite). The target
    gradient is the clamped logs' (``-logit(x)`` but for the clamp)."""
    xc = stop_gradient(x)
    loss = (t - 1) * _clamped_log1m(xc) - t * _clamped_log(xc)  # PyTorch's form: its signed zeros too
    tc = stop_gradient(t)
    flat = x * (1 - x) < _BCE_EPS  # the floored region (no log is taken there: the double where)
    xs = fnp.where(flat, 0.5, x)
    s = fnp.where(flat, fnp.square(x - tc) * (0.5 / _BCE_EPS), -(tc * fnp.log(xs) + (1 - tc) * fnp.log1p(-xs)))
    return loss - (stop_gradient(s) - s)  # x - 0.0 keeps x's signed zeros, PyTorch's


@_nnf("binary_cross_entropy")
def binary_cross_entropy(input: Any, target: Any, weight: Any = None, size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """``-weight (t log(x) + (1 - t) log(1 - x))`` for probabilities ``x``, each log clamped below at -100
    (``torch.nn.functional.binary_cross_entropy``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.binary_cross_entropy(fg.tensor([0.5, 0.0]), fg.tensor([1.0, 0.0]), reduction="none")
    tensor([0.6931, 0.0000])
    """
    op = "binary_cross_entropy"
    red = _reduction(op, reduction, size_average, reduce)
    x, t = _t(input), _t(target)
    if x.shape != t.shape:
        raise ValueError(f"{op}: Using a target size {t.shape} that is different to the input size {x.shape} "
                         f"is deprecated. Please ensure they have the same size.")
    if x.numel() and bool(_host(fnp.any((x < 0) | (x > 1)))):
        raise RuntimeError(f"{op}: all elements of input should be between 0 and 1 (input shape {x.shape})")
    loss = _bce(x, t)
    if weight is not None:
        w = _t(weight)
        try:
            fits = np.broadcast_shapes(w.shape, x.shape) == x.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"{op}: weight of shape {w.shape} does not broadcast to the input's shape {x.shape}")
        loss = loss * w
    return _reduce(loss, red)


# --- margin losses -----------------------------------------------------------------------------------------------
@_nnf("soft_margin_loss")
def soft_margin_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))`` (``torch.nn.functional.soft_margin_loss``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.soft_margin_loss(fg.tensor([0.0]), fg.tensor([1.0]))
    tensor(0.6931)
    """
    red = _reduction("soft_margin_loss", reduction, size_average, reduce)
    x, y = _t(input), _t(target)
    _broadcast("soft_margin_loss", x, y)
    return _reduce(fnp.logaddexp(0.0, -y * x), red)


@_nnf("multilabel_soft_margin_loss")
def multilabel_soft_margin_loss(input: Any, target: Any, weight: Any = None, size_average: Any = None,
                                reduce: Any = None, reduction: str = "mean") -> Tensor:
    """The mean over classes (the last dim) of ``-(t log(sigmoid(x)) + (1 - t) log(sigmoid(-x)))``, times
    ``weight`` (``torch.nn.functional.multilabel_soft_margin_loss``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.multilabel_soft_margin_loss(fg.zeros(1, 2), fg.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """
    red = _reduction("multilabel_soft_margin_loss", reduction, size_average, reduce)
    x, t = _t(input), _t(target)
    _broadcast("multilabel_soft_margin_loss", x, t)
    if x.ndim == 0:
        raise RuntimeError("multilabel_soft_margin_loss: expected an input (N, C) or (C,), got shape ()")
    loss = t * fnp.logaddexp(0.0, -x) + (1 - t) * fnp.logaddexp(0.0, x)
    if weight is not None:
        loss = loss * weight
    return _reduce(fnp.sum(loss, axis=-1) / x.shape[-1], red)


def _margin_input(op: str, input: Any, target: Any) -> tuple:
    x = _t(input)
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise RuntimeError(f"{op}: expected a non-empty 1-D (C,) or 2-D (N, C) input, got shape {x.shape}")
    tg = _host(target)
    if tg.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected integer class targets (int64), got dtype {tg.dtype}")
    return x, tg.astype(np.int64)


@_nnf("multi_margin_loss")
def multi_margin_loss(input: Any, target: Any, p: int = 1, margin: float = 1.0, weight: Any = None,
                      size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: for each sample ``sum_{i != y} max(0, margin - x[y] + x[i])^p / C``, times
    ``weight[y]`` (``torch.nn.functional.multi_margin_loss``; ``p`` is 1 or 2).

    >>> import funcgrad as fg
    >>> fg.nn.functional.multi_margin_loss(fg.tensor([[0.1, 0.2, 0.4, 0.8]]), fg.tensor([3]))
    tensor(0.3250)
    """
    op = "multi_margin_loss"
    red = _reduction(op, reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    x, tg = _margin_input(op, input, target)
    unbatched = x.ndim == 1
    x2 = fnp.expand_dims(x, 0) if unbatched else x
    tg = tg.reshape(-1)
    n, c = x2.shape
    if tg.shape != (n,):
        raise RuntimeError(f"{op}: expected a target of shape ({n},) for input of shape {x.shape}, got "
                           f"{_host(target).shape}")
    if tg.size and (tg.min() < 0 or tg.max() >= c):
        raise RuntimeError(f"{op}: target values must lie in [0, {c}) for input of shape {x.shape}, got "
                           f"{tg.tolist()}")
    dev = lambda a: _on_device_of(x, a)  # noqa: E731
    xy = fnp.take_along_axis(x2, dev(tg[:, None]), axis=1)
    z = margin - xy + x2
    other = dev(np.arange(c)[None, :] != tg[:, None])
    h = fnp.where((z > 0) & other, z if p == 1 else z * z, 0.0)
    if weight is not None:
        w = _t(weight)
        if w.shape != (c,):
            raise RuntimeError(f"{op}: weight must be a 1-D tensor of {c} elements (one per class), got shape "
                               f"{w.shape}")
        h = h * fnp.expand_dims(fnp.take(w, dev(tg)), 1)
    loss = fnp.sum(h, axis=1) / c
    return _reduce(loss[0] if unbatched else loss, red)


@_nnf("multilabel_margin_loss")
def multilabel_margin_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: ``target`` holds each sample's class indices, ended by the first -1; the loss is
    ``sum_{j in targets, i not in targets} max(0, 1 - (x[j] - x[i])) / C``
    (``torch.nn.functional.multilabel_margin_loss``).

    >>> import funcgrad as fg
    >>> f = fg.nn.functional.multilabel_margin_loss
    >>> f(fg.tensor([[0.1, 0.2, 0.4, 0.8]]), fg.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    op = "multilabel_margin_loss"
    red = _reduction(op, reduction, size_average, reduce)
    x, tg = _margin_input(op, input, target)
    if tg.shape != x.shape:
        raise RuntimeError(f"{op}: expected a target of the input's shape {x.shape}, got {tg.shape}")
    unbatched = x.ndim == 1
    x2 = fnp.expand_dims(x, 0) if unbatched else x
    tg2 = tg.reshape(x2.shape)
    n, c = x2.shape
    count = np.zeros((n, c))
    for row in range(n):
        labels = tg2[row]
        stop = np.flatnonzero(labels < 0)
        labels = labels[:stop[0] if stop.size else c]
        if labels.size and labels.max() >= c:
            raise RuntimeError(f"{op}: target values must lie in [-1, {c}) for input of shape {x.shape}, got "
                               f"{tg2[row].tolist()}")
        np.add.at(count[row], labels, 1.0)
    is_target = count > 0
    pairs = (count[:, :, None] * ~is_target[:, None, :]).astype(x.dtype)  # (N, j, i)
    z = 1 - fnp.expand_dims(x2, 2) + fnp.expand_dims(x2, 1)
    loss = fnp.sum(fnp.where(z > 0, z, 0.0) * _on_device_of(x, pairs), axis=(1, 2)) / c
    return _reduce(loss[0] if unbatched else loss, red)
