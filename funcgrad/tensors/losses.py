"""PyTorch's distances and losses at top level: ``cosine_similarity``, ``pdist``, ``kl_div``, ``ctc_loss`` ...

Compositions of ``funcgrad.numpy`` operations on Tensors, without derivative code. PyTorch's top-level losses take
``reduction`` as an integer (0 ``'none'``, 1 ``'mean'``, 2 ``'sum'``) and, as PyTorch's bindings behave (their
schemas say ``Mean``), reduce nothing by default; the ``torch.nn.functional`` ones take the string, default
``'mean'``, and the legacy ``size_average``/``reduce`` flags. The functional-style functions are registered in
``funcgrad.nn.functional``; the top-level names translate the integer and call them.

>>> import funcgrad as fg
>>> fg.margin_ranking_loss(fg.tensor([1.0, 2.0]), fg.tensor([2.0, 0.0]), fg.tensor([1.0, 1.0]), 0.0, 1)
tensor(0.5000)
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..primitives.control import stop_gradient
from .special import xlogy
from .tensor import Tensor
from .activations import _host, _nnf, _on_device_of
from .ops import _t
from .math import clamp
from .reductions import norm

__all__ = ["cosine_similarity", "pairwise_distance", "pdist", "kl_div", "binary_cross_entropy_with_logits",
           "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "poisson_nll_loss", "ctc_loss"]

_INT_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(op: str, reduction: Any, size_average: Any = None, reduce: Any = None,
               allowed: tuple = ("none", "mean", "sum")) -> str:
    """The reduction as a string, from PyTorch's integer, string or legacy ``size_average``/``reduce`` flags."""
    if size_average is not None or reduce is not None:  # the legacy flags win over reduction, as in PyTorch
        if reduce is False:
            return "none"
        return "sum" if size_average is False else "mean"
    if isinstance(reduction, (int, np.integer)) and not isinstance(reduction, bool):
        if int(reduction) not in _INT_REDUCTIONS:
            raise ValueError(f"{op}: reduction {reduction} is not one of 0 (none), 1 (mean), 2 (sum)")
        return _INT_REDUCTIONS[int(reduction)]
    if reduction not in allowed:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction; use one of {allowed}")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return fnp.mean(loss)
    if reduction == "sum":
        return fnp.sum(loss)
    return loss


def _same_shape(op: str, what: str, a: Tensor, b: Tensor) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{op}: {what} size {b.shape} must be the same as input size {a.shape}")


def _broadcast(op: str, *xs: Tensor) -> tuple:
    try:
        return np.broadcast_shapes(*(x.shape for x in xs))
    except ValueError:
        raise RuntimeError(f"{op}: the shapes {', '.join(str(x.shape) for x in xs)} do not broadcast together") \
            from None


# --- distances ---------------------------------------------------------------------------------------------------
@_nnf("cosine_similarity")
def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``, each norm clamped below at ``eps``
    (``torch.cosine_similarity``).

    >>> import funcgrad as fg
    >>> fg.cosine_similarity(fg.tensor([[1.0, 0.0]]), fg.tensor([[1.0, 1.0]]))
    tensor([0.7071])
    """
    a, b = _t(x1), _t(x2)
    shape = _broadcast("cosine_similarity", a, b)
    if not -max(len(shape), 1) <= dim < max(len(shape), 1):
        raise IndexError(f"cosine_similarity: dim {dim} is out of range for the broadcast shape {shape}")
    a, b = fnp.broadcast_to(a, shape), fnp.broadcast_to(b, shape)

    def unit(x: Tensor) -> Tensor:
        n = norm(x, 2, dim, keepdim=True)
        # PyTorch clamps the norm without recording the clamp: its value is floored, its gradient is the norm's
        return x / (n + stop_gradient(fnp.maximum(n, eps) - n))
    return fnp.sum(unit(a) * unit(b), axis=dim)


@_nnf("pairwise_distance")
def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm of ``x1 - x2 + eps`` over the last dimension (``torch.pairwise_distance``).

    >>> import funcgrad as fg
    >>> fg.pairwise_distance(fg.tensor([[3.0, 0.0]]), fg.tensor([[0.0, 4.0]]), eps=0.0)
    tensor([5.])
    """
    a, b = _t(x1), _t(x2)
    _broadcast("pairwise_distance", a, b)
    return norm(a - b + eps, p, max(a.ndim, b.ndim) - 1 if max(a.ndim, b.ndim) else None, keepdim)


@_nnf("pdist")
def pdist(input: Any, p: float = 2) -> Tensor:
    """The p-norm distances between the rows of an (N, M) input, for the N (N - 1) / 2 pairs i < j in row-major
    order (``torch.pdist``).

    >>> import funcgrad as fg
    >>> fg.pdist(fg.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    tensor([5.0000, 1.0000, 4.2426])
    """
    x = _t(input)
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors (N, M), got a {x.ndim}D tensor of shape {x.shape}")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got p={p}")
    i, j = np.triu_indices(x.shape[0], 1)
    return norm(fnp.take(x, i, axis=0) - fnp.take(x, j, axis=0), p, -1)


# --- losses ------------------------------------------------------------------------------------------------------
@_nnf("kl_div")
def _f_kl_div(input: Any, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
              log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence of ``target`` from the log-probabilities ``input``
    (``torch.nn.functional.kl_div``); ``reduction='batchmean'`` divides the sum by the batch size.

    >>> import funcgrad as fg
    >>> kl = fg.nn.functional.kl_div
    >>> kl(fg.log(fg.tensor([0.5, 0.5])), fg.tensor([0.5, 0.5]), reduction="sum")
    tensor(0.)
    """
    red = _reduction("kl_div", reduction, size_average, reduce, ("none", "mean", "sum", "batchmean"))
    x, t = _t(input), _t(target)
    _broadcast("kl_div", x, t)
    loss = fnp.exp(t) * (t - x) if log_target else xlogy(t, t) - t * x
    if red == "batchmean":
        return fnp.sum(loss) / (loss.shape[0] if loss.ndim else 1)
    return _reduce(loss, red)


def kl_div(input: Any, target: Any, reduction: int = 0, *, log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence (``torch.kl_div``; reduction 1 is the mean over all elements).

    >>> import funcgrad as fg
    >>> fg.kl_div(fg.tensor([0.0, 0.0]), fg.tensor([1.0, 0.0]))
    tensor([0., 0.])
    """
    return _f_kl_div(input, target, reduction=_reduction("kl_div", reduction), log_target=log_target)


@_nnf("binary_cross_entropy_with_logits")
def _f_binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None, size_average: Any = None,
                                        reduce: Any = None, reduction: str = "mean",
                                        pos_weight: Any = None) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)`` against ``target``, computed stably
    (``torch.nn.functional.binary_cross_entropy_with_logits``).

    >>> import funcgrad as fg
    >>> f = fg.nn.functional.binary_cross_entropy_with_logits
    >>> f(fg.tensor([0.0]), fg.tensor([1.0]))
    tensor(0.6931)
    """
    red = _reduction("binary_cross_entropy_with_logits", reduction, size_average, reduce)
    x, t = _t(input), _t(target)
    _same_shape("binary_cross_entropy_with_logits", "Target", x, t)
    softplus_neg = fnp.logaddexp(0.0, -x)  # -log(sigmoid(x)), smooth everywhere
    if pos_weight is not None:
        loss = (1 - t) * x + (1 + (_t(pos_weight) - 1) * t) * softplus_neg
    else:
        loss = (1 - t) * x + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, red)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None, pos_weight: Any = None,
                                     reduction: int = 0) -> Tensor:
    """Binary cross entropy with logits (``torch.binary_cross_entropy_with_logits``).

    >>> import funcgrad as fg
    >>> fg.binary_cross_entropy_with_logits(fg.tensor([0.0, 0.0]), fg.tensor([0.0, 1.0]), reduction=2)
    tensor(1.3863)
    """
    return _f_binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(
        "binary_cross_entropy_with_logits", reduction), pos_weight=pos_weight)


@_nnf("margin_ranking_loss")
def _f_margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, size_average: Any = None,
                           reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)`` (``torch.nn.functional.margin_ranking_loss``).

    >>> import funcgrad as fg
    >>> f = fg.nn.functional.margin_ranking_loss
    >>> f(fg.tensor([1.0]), fg.tensor([0.0]), fg.tensor([-1.0]), reduction="sum")
    tensor(1.)
    """
    red = _reduction("margin_ranking_loss", reduction, size_average, reduce)
    a, b, y = _t(input1), _t(input2), _t(target)
    if not (a.ndim == b.ndim == y.ndim):
        raise RuntimeError(f"margin_ranking_loss: all inputs should have the same number of dimensions, got "
                           f"input1 {a.shape}, input2 {b.shape} and target {y.shape}")
    _broadcast("margin_ranking_loss", a, b, y)
    return _reduce(clamp(-y * (a - b) + margin, min=0), red)


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: int = 0) -> Tensor:
    """Margin ranking loss (``torch.margin_ranking_loss``).

    >>> import funcgrad as fg
    >>> fg.margin_ranking_loss(fg.tensor([1.0]), fg.tensor([0.0]), fg.tensor([1.0]), 2.0)
    tensor([1.])
    """
    return _f_margin_ranking_loss(input1, input2, target, margin,
                                  reduction=_reduction("margin_ranking_loss", reduction))


@_nnf("hinge_embedding_loss")
def _f_hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0, size_average: Any = None,
                            reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``x`` where ``target == 1``, ``max(0, margin - x)`` where ``target == -1``
    (``torch.nn.functional.hinge_embedding_loss``).

    >>> import funcgrad as fg
    >>> f = fg.nn.functional.hinge_embedding_loss
    >>> f(fg.tensor([0.3, 0.3]), fg.tensor([1.0, -1.0]), reduction="none")
    tensor([0.3000, 0.7000])
    """
    red = _reduction("hinge_embedding_loss", reduction, size_average, reduce)
    x, y = _t(input), _t(target)
    _broadcast("hinge_embedding_loss", x, y)
    loss = fnp.where(y != 1, clamp(margin - x, min=0), 0.0) + fnp.where(y != -1, x, 0.0)
    return _reduce(loss, red)


def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0, reduction: int = 0) -> Tensor:
    """Hinge embedding loss (``torch.hinge_embedding_loss``).

    >>> import funcgrad as fg
    >>> fg.hinge_embedding_loss(fg.tensor([0.5]), fg.tensor([-1.0]))
    tensor([0.5000])
    """
    return _f_hinge_embedding_loss(input, target, margin, reduction=_reduction("hinge_embedding_loss", reduction))


@_nnf("cosine_embedding_loss")
def _f_cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, size_average: Any = None,
                             reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where ``target == -1``
    (``torch.nn.functional.cosine_embedding_loss``).

    >>> import funcgrad as fg
    >>> f = fg.nn.functional.cosine_embedding_loss
    >>> f(fg.tensor([[1.0, 0.0]]), fg.tensor([[0.0, 1.0]]), fg.tensor([1.0]))
    tensor(1.)
    """
    red = _reduction("cosine_embedding_loss", reduction, size_average, reduce)
    a, b, y = _t(input1), _t(input2), _t(target)
    if a.shape != b.shape or a.ndim not in (1, 2) or y.ndim != a.ndim - 1 or (a.ndim == 2 and
                                                                              y.shape[0] != a.shape[0]):
        raise RuntimeError(f"cosine_embedding_loss: expected input1 and input2 of the same shape (N, D) or (D,) "
                           f"and target (N,) or (), got {a.shape}, {b.shape} and {y.shape}")
    d = a.ndim - 1
    denom = fnp.sqrt((fnp.sum(a * a, axis=d) + 1e-12) * (fnp.sum(b * b, axis=d) + 1e-12))
    cos = fnp.sum(a * b, axis=d) / denom
    loss = fnp.where(y == 1, 1 - cos, 0.0) + fnp.where(y == -1, clamp(cos - margin, min=0), 0.0)
    return _reduce(loss, red)


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: int = 0) -> Tensor:
    """Cosine embedding loss (``torch.cosine_embedding_loss``).

    >>> import funcgrad as fg
    >>> fg.cosine_embedding_loss(fg.tensor([[1.0, 0.0]]), fg.tensor([[1.0, 0.0]]), fg.tensor([-1.0]))
    tensor([1.])
    """
    return _f_cosine_embedding_loss(input1, input2, target, margin,
                                    reduction=_reduction("cosine_embedding_loss", reduction))


@_nnf("triplet_margin_loss")
def _f_triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0, p: float = 2,
                           eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
                           reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the pairwise distance; ``swap`` uses
    ``min(d(a, n), d(p, n))`` (``torch.nn.functional.triplet_margin_loss``).

    >>> import funcgrad as fg
    >>> f = fg.nn.functional.triplet_margin_loss
    >>> f(fg.tensor([[0.0]]), fg.tensor([[1.0]]), fg.tensor([[3.0]]), eps=0.0)
    tensor(0.)
    """
    red = _reduction("triplet_margin_loss", reduction, size_average, reduce)
    a, pos, neg = _t(anchor), _t(positive), _t(negative)
    if not (a.ndim == pos.ndim == neg.ndim) or a.ndim not in (1, 2):
        raise RuntimeError(f"triplet_margin_loss: expected anchor, positive and negative all 1-D or all 2-D, got "
                           f"shapes {a.shape}, {pos.shape} and {neg.shape}")
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = fnp.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce(clamp(margin + d_pos - d_neg, min=0), red)


def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, reduction: int = 0) -> Tensor:
    """Triplet margin loss (``torch.triplet_margin_loss``).

    >>> import funcgrad as fg
    >>> fg.triplet_margin_loss(fg.tensor([[0.0]]), fg.tensor([[1.0]]), fg.tensor([[1.0]]), eps=0.0)
    tensor([1.])
    """
    return _f_triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                  reduction=_reduction("triplet_margin_loss", reduction))


@_nnf("poisson_nll_loss")
def _f_poisson_nll_loss(input: Any, target: Any, log_input: bool = True, full: bool = False,
                        size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """Poisson negative log likelihood: ``exp(input) - target * input`` (``log_input``) or
    ``input - target * log(input + eps)``; ``full`` adds Stirling's term where ``target > 1``
    (``torch.nn.functional.poisson_nll_loss``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.poisson_nll_loss(fg.tensor([0.0]), fg.tensor([1.0]))
    tensor(1.)
    """
    red = _reduction("poisson_nll_loss", reduction, size_average, reduce)
    x, t = _t(input), _t(target)
    _broadcast("poisson_nll_loss", x, t)
    loss = fnp.exp(x) - t * x if log_input else x - t * fnp.log(x + eps)
    if full:
        big = t > 1
        ts = fnp.where(big, t, 2.0)  # keeps log finite where the term is masked out, and so its gradient
        loss = loss + fnp.where(big, ts * fnp.log(ts) - ts + 0.5 * fnp.log(2 * math.pi * ts), 0.0)
    return _reduce(loss, red)


def poisson_nll_loss(input: Any, target: Any, log_input: bool, full: bool, eps: float, reduction: int) -> Tensor:
    """Poisson negative log likelihood (``torch.poisson_nll_loss``: every argument required).

    >>> import funcgrad as fg
    >>> fg.poisson_nll_loss(fg.tensor([1.0]), fg.tensor([1.0]), False, False, 0.0, 2)
    tensor(1.)
    """
    return _f_poisson_nll_loss(input, target, log_input, full, eps=eps,
                               reduction=_reduction("poisson_nll_loss", reduction))


_NEG = -1e30  # "log 0" for CTC: finite, so that logaddexp of two impossible paths keeps a finite gradient


def _lengths(op: str, what: str, x: Any, n: int) -> np.ndarray:
    v = _host(x).astype(np.int64).reshape(-1)
    if v.size == 1 and n != 1:
        v = np.repeat(v, n)
    if v.size != n:
        raise RuntimeError(f"{op}: {what} must have one entry per batch element ({n}), got {v.size}")
    return v


@_nnf("ctc_loss")
def _f_ctc_loss(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, blank: int = 0,
                reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss over ``log_probs`` (T, N, C) (``torch.nn.functional.ctc_loss``):
    the forward recursion in log space, a loop over time only. ``'mean'`` divides each loss by its target length.

    >>> import funcgrad as fg
    >>> lp = fg.log(fg.full((1, 1, 2), 0.5))
    >>> fg.nn.functional.ctc_loss(lp, fg.tensor([[1]]), [1], [1], reduction="sum")
    tensor(0.6931)
    """
    op = "ctc_loss"
    red = _reduction(op, reduction)
    lp = _t(log_probs)
    unbatched = lp.ndim == 2
    if unbatched:
        lp = fnp.expand_dims(lp, 1)
    if lp.ndim != 3:
        raise RuntimeError(f"{op}: log_probs must be (T, N, C) or (T, C), got shape {lp.shape}")
    T, N, C = lp.shape
    tg = _host(targets).astype(np.int64)
    in_len, tg_len = _lengths(op, "input_lengths", input_lengths, N), _lengths(op, "target_lengths", target_lengths, N)
    if unbatched and tg.ndim == 1:
        tg = tg[None]
    if tg.ndim == 2 and tg.shape[0] == N:
        labels = [tg[b, :tg_len[b]] for b in range(N)]
    elif tg.ndim == 1 and tg.size >= tg_len.sum():
        labels = np.split(tg[:tg_len.sum()], np.cumsum(tg_len)[:-1])
    else:
        raise RuntimeError(f"{op}: targets must be (N, S) padded or 1-D concatenated, got shape {tg.shape} for "
                           f"target_lengths {tg_len.tolist()}")
    if np.any(in_len > T) or np.any(in_len < 0):
        raise RuntimeError(f"{op}: input_lengths {in_len.tolist()} must lie in [0, T={T}]")
    L = 2 * int(max(tg_len.max(initial=0), 0)) + 1
    ext = np.full((N, L), blank, dtype=np.int64)
    for b, lab in enumerate(labels):
        if lab.size and (lab.min() < 0 or lab.max() >= C or np.any(lab == blank)):
            raise RuntimeError(f"{op}: target labels must lie in [0, {C}) and differ from blank={blank}, got "
                               f"{lab.tolist()}")
        ext[b, 1:2 * lab.size:2] = lab
    s = np.arange(L)
    # a label may be reached from two positions back when it is no blank and differs from the label there
    skip = np.zeros((N, L), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    valid = s[None, :] < (2 * tg_len[:, None] + 1)
    dev = lambda a: _on_device_of(lp, a)  # noqa: E731 - host tables onto the device of log_probs
    emit = fnp.take_along_axis(lp, dev(np.broadcast_to(ext[None], (T, N, L))), axis=2)  # (T, N, L)
    alpha = fnp.where(dev((s[None, :] < 2) & valid), emit[0], _NEG)
    neg = dev(np.full((N, 1), _NEG, dtype=lp.dtype))
    skip, valid = dev(skip), dev(valid)
    for t in range(1, T):
        a1 = fnp.concatenate([neg, alpha[:, :-1]], axis=1)
        a2 = fnp.where(skip, fnp.concatenate([neg, neg, alpha[:, :-2]], axis=1), _NEG)
        new = fnp.where(valid, fnp.logaddexp(fnp.logaddexp(alpha, a1), a2) + emit[t], _NEG)
        alpha = fnp.where(dev((t < in_len)[:, None]), new, alpha)
    last = fnp.take_along_axis(alpha, dev((2 * tg_len)[:, None]), axis=1)[:, 0]
    prev = fnp.take_along_axis(alpha, dev(np.maximum(2 * tg_len - 1, 0)[:, None]), axis=1)[:, 0]
    loss = -fnp.where(dev(tg_len > 0), fnp.logaddexp(last, prev), last)
    # no frames: the empty target has probability 1, any other 0
    loss = fnp.where(dev(in_len == 0), dev(np.where(tg_len > 0, math.inf, 0.0).astype(lp.dtype)), loss)
    loss = fnp.where(loss > -_NEG / 2, 0.0 if zero_infinity else math.inf, loss)
    if unbatched:
        loss = loss[0]
    if red == "mean":
        return fnp.mean(loss / dev(np.maximum(tg_len, 1).astype(lp.dtype).reshape(loss.shape)))
    return _reduce(loss, red)


def ctc_loss(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: int = 0, zero_infinity: bool = False) -> Tensor:
    """CTC loss (``torch.ctc_loss``; reduction 1 is the mean of the losses divided by their target lengths).

    >>> import funcgrad as fg
    >>> lp = fg.log(fg.full((2, 1, 2), 0.5))
    >>> fg.ctc_loss(lp, fg.tensor([[1]]), [2], [1], reduction=2)
    tensor(0.2877)
    """
    return _f_ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction("ctc_loss", reduction),
                       zero_infinity)
