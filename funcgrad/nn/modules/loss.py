"""``torch.nn``'s loss layers, each over its ``funcgrad.nn.functional`` function, with PyTorch's constructor
arguments: ``reduction`` (``'mean'``, ``'sum'``, ``'none'``), the deprecated ``size_average`` / ``reduce``
(mapped to ``reduction`` with PyTorch's warning), and class weights kept as the buffer ``weight`` (and
``pos_weight`` for ``BCEWithLogitsLoss``), so they are in the state dict and follow ``.to()``.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> loss = nn.CrossEntropyLoss(label_smoothing=0.1)
>>> loss, float(loss(fg.zeros(2, 4), fg.tensor([1, 3]))) == float(fg.log(fg.tensor(4.0)))
(CrossEntropyLoss(), True)
"""
from __future__ import annotations

from typing import Any, Callable

from ...tensors.tensor import Tensor
from .. import functional as F
from .distance import PairwiseDistance
from .module import Module
from .utils import _legacy_reduction

__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss", "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss", "TripletMarginLoss",
           "TripletMarginWithDistanceLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
           "MultiLabelMarginLoss", "MultiMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss"]


class _Loss(Module):
    """The reduction every loss has (``size_average`` / ``reduce`` are the deprecated spelling of it)."""

    reduction: str

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with per-class weights, kept as the buffer ``weight`` (None: not in the state dict)."""

    def __init__(self, weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class _Simple(_Loss):
    """A loss ``_fn(input, target, reduction=...)`` with no other setting."""

    __constants__ = ["reduction"]
    _fn = None

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.L1Loss(reduction="none")(fg.tensor([1.0]), fg.tensor([3.0]))
        tensor([2.])
        """
        return type(self)._fn(input, target, reduction=self.reduction)


class L1Loss(_Simple):
    """Mean (or sum) absolute error ``|input - target|`` (``torch.nn.L1Loss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.L1Loss()(fg.tensor([1.0, 2.0]), fg.tensor([0.0, 4.0]))
    tensor(1.5000)
    """

    _fn = staticmethod(F.l1_loss)


class MSELoss(_Simple):
    """Mean (or sum) squared error ``(input - target) ** 2`` (``torch.nn.MSELoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.MSELoss(reduction="sum")(fg.tensor([1.0, 2.0]), fg.tensor([0.0, 4.0]))
    tensor(5.)
    """

    _fn = staticmethod(F.mse_loss)


class SoftMarginLoss(_Simple):
    """``log(1 + exp(-target * input))`` for targets in {-1, 1} (``torch.nn.SoftMarginLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.SoftMarginLoss()(fg.zeros(2), fg.tensor([1.0, -1.0]))
    tensor(0.6931)
    """

    _fn = staticmethod(F.soft_margin_loss)


class MultiLabelMarginLoss(_Simple):
    """Multi-class multi-label hinge loss; ``target`` holds class indices, ended by -1
    (``torch.nn.MultiLabelMarginLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.MultiLabelMarginLoss()(fg.tensor([[0.1, 0.2, 0.4, 0.8]]), fg.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """

    _fn = staticmethod(F.multilabel_margin_loss)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above it (``torch.nn.SmoothL1Loss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.SmoothL1Loss(beta=2.0)(fg.tensor([1.0, 4.0]), fg.zeros(2))
    tensor(1.6250)
    """

    __constants__ = ["reduction"]

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The smooth L1 loss of ``input`` against ``target``."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta``, ``delta``-scaled absolute error above it (``torch.nn.HuberLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.HuberLoss(delta=2.0)(fg.tensor([1.0, 4.0]), fg.zeros(2))
    tensor(3.2500)
    """

    __constants__ = ["reduction", "delta"]

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The Huber loss of ``input`` against ``target``."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits ``(N, C, *)`` against class indices ``(N, *)`` or class probabilities
    (``torch.nn.CrossEntropyLoss``): per-class ``weight``, ``ignore_index``, ``label_smoothing``.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.CrossEntropyLoss(ignore_index=0)(fg.zeros(2, 3), fg.tensor([0, 2]))
    tensor(1.0986)
    """

    __constants__ = ["ignore_index", "reduction", "label_smoothing"]

    def __init__(self, weight: Tensor | None = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The cross entropy of ``input`` against ``target``."""
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities ``(N, C, *)`` at class indices (``torch.nn.NLLLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.NLLLoss()(fg.tensor([[-1.0, -2.0]]), fg.tensor([1]))
    tensor(2.)
    """

    __constants__ = ["ignore_index", "reduction"]

    def __init__(self, weight: Tensor | None = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The NLL loss of ``input`` against ``target``."""
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities against targets in [0, 1] (``torch.nn.BCELoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.BCELoss()(fg.tensor([0.5, 0.5]), fg.tensor([1.0, 0.0]))
    tensor(0.6931)
    """

    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The binary cross entropy of ``input`` against ``target``."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of logits, computed stably (``torch.nn.BCEWithLogitsLoss``); ``pos_weight`` weighs
    the positive term per class. ``weight`` and ``pos_weight`` are buffers.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.BCEWithLogitsLoss(pos_weight=fg.tensor([2.0]))(fg.zeros(2, 1), fg.ones(2, 1))
    tensor(1.3863)
    """

    def __init__(self, weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The binary cross entropy of ``sigmoid(input)`` against ``target``."""
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of log-probabilities ``input`` from ``target`` (probabilities, or
    log-probabilities with ``log_target``) (``torch.nn.KLDivLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> p = fg.tensor([[0.5, 0.5]]); nn.KLDivLoss(reduction="batchmean")(p.log(), p)
    tensor(0.)
    """

    __constants__ = ["reduction"]

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The KL divergence."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class _MarginLoss(_Loss):
    __constants__ = ["margin", "reduction"]
    _margin = 0.0

    def __init__(self, margin: float | None = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = type(self)._margin if margin is None else margin


class CosineEmbeddingLoss(_MarginLoss):
    """``1 - cos(x1, x2)`` for target 1, ``max(0, cos(x1, x2) - margin)`` for -1
    (``torch.nn.CosineEmbeddingLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.CosineEmbeddingLoss()(fg.tensor([[1.0, 0.0]]), fg.tensor([[0.0, 1.0]]), fg.tensor([1]))
    tensor(1.)
    """

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """The cosine embedding loss."""
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MarginRankingLoss(_MarginLoss):
    """``max(0, -target * (x1 - x2) + margin)`` (``torch.nn.MarginRankingLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.MarginRankingLoss(margin=1.0)(fg.tensor([1.0]), fg.tensor([1.0]), fg.tensor([1.0]))
    tensor(1.)
    """

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """The margin ranking loss."""
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """``x`` for target 1, ``max(0, margin - x)`` for -1 (``torch.nn.HingeEmbeddingLoss``; ``margin`` 1).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.HingeEmbeddingLoss()(fg.tensor([0.3, 0.3]), fg.tensor([1.0, -1.0]))
    tensor(0.5000)
    """

    _margin = 1.0

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The hinge embedding loss."""
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-versus-all logistic loss, averaged over the classes (``torch.nn.MultiLabelSoftMarginLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.MultiLabelSoftMarginLoss()(fg.zeros(1, 3), fg.tensor([[1.0, 0.0, 1.0]]))
    tensor(0.6931)
    """

    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The multi-label soft margin loss."""
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss ``sum_i max(0, margin - x[y] + x[i]) ** p / C`` (``torch.nn.MultiMarginLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.MultiMarginLoss()(fg.tensor([[0.1, 0.2, 0.4, 0.8]]), fg.tensor([3]))
    tensor(0.3250)
    """

    __constants__ = ["p", "margin", "reduction"]

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None, size_average: Any = None,
                 reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.ndim}D instead")
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The multi-class margin loss."""
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the ``p``-norm distance (``torch.nn.TripletMarginLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.TripletMarginLoss(eps=0.0)(fg.zeros(1, 2), fg.zeros(1, 2), fg.tensor([[3.0, 4.0]]))
    tensor(0.)
    """

    __constants__ = ["margin", "p", "eps", "swap", "reduction"]

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """The triplet margin loss."""
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """The triplet margin loss with any ``distance_function`` (default :class:`PairwiseDistance`)
    (``torch.nn.TripletMarginWithDistanceLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.TripletMarginWithDistanceLoss()(fg.zeros(1, 2), fg.ones(1, 2), fg.zeros(1, 2))
    tensor(2.4142)
    """

    __constants__ = ["margin", "swap", "reduction"]

    def __init__(self, *, distance_function: Callable | None = None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                             f"instead")
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """The triplet margin loss with the distance function."""
        if not (anchor.ndim == positive.ndim == negative.ndim):
            raise RuntimeError(f"TripletMarginWithDistanceLoss: expected anchor, positive and negative to have the "
                               f"same number of dimensions, got shapes {tuple(anchor.shape)}, "
                               f"{tuple(positive.shape)} and {tuple(negative.shape)}")
        d_pos = self.distance_function(anchor, positive)
        d_neg = self.distance_function(anchor, negative)
        if self.swap:
            d_neg = d_neg.minimum(self.distance_function(positive, negative))
        loss = (self.margin + d_pos - d_neg).clamp_min(0)
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.mean()


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of a Poisson target (``torch.nn.PoissonNLLLoss``): ``exp(input) - target *
    input`` with ``log_input``, ``input - target * log(input + eps)`` without; ``full`` adds Stirling's term.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.PoissonNLLLoss()(fg.zeros(2), fg.ones(2))
    tensor(1.)
    """

    __constants__ = ["log_input", "full", "eps", "reduction"]

    def __init__(self, log_input: bool = True, full: bool = False, size_average: Any = None, eps: float = 1e-8,
                 reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """The Poisson NLL loss."""
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood of a Gaussian with predicted mean ``input`` and variance ``var``
    (``torch.nn.GaussianNLLLoss``; variances clamped at ``eps``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.GaussianNLLLoss()(fg.zeros(2), fg.zeros(2), fg.ones(2))
    tensor(0.)
    """

    __constants__ = ["full", "eps", "reduction"]

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        """The Gaussian NLL loss."""
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss of ``(T, N, C)`` log-probabilities (``torch.nn.CTCLoss``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> lp = fg.full((2, 1, 2), 0.5).log()
    >>> nn.CTCLoss(reduction="sum")(lp, fg.tensor([[1]]), fg.tensor([2]), fg.tensor([1]))
    tensor(0.2877)
    """

    __constants__ = ["blank", "reduction"]

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Tensor, target_lengths: Tensor) -> Tensor:
        """The CTC loss."""
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)
