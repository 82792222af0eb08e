"""``torch.nn.ChannelShuffle``: interleave ``groups`` groups of channels, over
``funcgrad.nn.functional.channel_shuffle``.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> nn.ChannelShuffle(2)(fg.arange(4.0).reshape(1, 4, 1)).ravel()
tensor([0., 2., 1., 3.])
"""
from __future__ import annotations

from ...tensors.tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Split the channels (dim 1) of ``(N, C, *)`` into ``groups`` groups and interleave them
    (``torch.nn.ChannelShuffle``).

    >>> from funcgrad import nn
    >>> nn.ChannelShuffle(3)
    ChannelShuffle(groups=3)
    """

    __constants__ = ["groups"]

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        """The shuffled ``input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.ChannelShuffle(1)(fg.ones(1, 2, 2)).shape
        torch.Size([1, 2, 2])
        """
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        """``groups=...``."""
        return f"groups={self.groups}"
