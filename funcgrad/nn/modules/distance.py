"""``torch.nn``'s distance layers: ``CosineSimilarity`` and ``PairwiseDistance``, over
``funcgrad.nn.functional``'s ``cosine_similarity`` and ``pairwise_distance``.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> nn.CosineSimilarity(dim=1)(fg.tensor([[1.0, 0.0]]), fg.tensor([[1.0, 1.0]]))
tensor([0.7071])
"""
from __future__ import annotations

from ...tensors.tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class PairwiseDistance(Module):
    """The ``p``-norm of ``x1 - x2 + eps`` over the last dimension (``torch.nn.PairwiseDistance``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.PairwiseDistance(eps=0.0)(fg.tensor([[0.0, 0.0]]), fg.tensor([[3.0, 4.0]]))
    tensor([5.])
    """

    __constants__ = ["norm", "eps", "keepdim"]

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The distances between the rows of ``x1`` and ``x2`` (broadcast).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.PairwiseDistance(p=1.0, eps=0.0, keepdim=True)(fg.ones(2, 3), fg.zeros(2, 3)).tolist()
        [[3.0], [3.0]]
        """
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """``x1 . x2 / max(|x1| |x2|, eps)`` along ``dim`` (``torch.nn.CosineSimilarity``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.CosineSimilarity(dim=0)(fg.tensor([1.0, 0.0]), fg.tensor([0.0, 2.0]))
    tensor(0.)
    """

    __constants__ = ["dim", "eps"]

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The cosine similarities of ``x1`` and ``x2`` along ``dim``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.CosineSimilarity()(fg.ones(2, 3), fg.ones(2, 3))
        tensor([1.0000, 1.0000])
        """
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
