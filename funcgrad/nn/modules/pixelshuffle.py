"""``torch.nn.PixelShuffle`` and ``torch.nn.PixelUnshuffle``: moving channels into space and back, over
``funcgrad.nn.functional``'s ``pixel_shuffle`` and ``pixel_unshuffle``.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> x = fg.arange(8.0).reshape(1, 8, 1, 1)
>>> bool((nn.PixelUnshuffle(2)(nn.PixelShuffle(2)(x)) == x).all())
True
"""
from __future__ import annotations

from ...tensors.tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """``(*, C * r**2, H, W)`` -> ``(*, C, H * r, W * r)`` (``torch.nn.PixelShuffle``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.PixelShuffle(3)(fg.ones(1, 9, 4, 4)).shape
    torch.Size([1, 1, 12, 12])
    """

    __constants__ = ["upscale_factor"]

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """The shuffled ``input``."""
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        """``upscale_factor=...``.

        >>> from funcgrad import nn
        >>> nn.PixelShuffle(2).extra_repr()
        'upscale_factor=2'
        """
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H * r, W * r)`` -> ``(*, C * r**2, H, W)`` (``torch.nn.PixelUnshuffle``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.PixelUnshuffle(2)(fg.ones(1, 1, 4, 4)).shape
    torch.Size([1, 4, 2, 2])
    """

    __constants__ = ["downscale_factor"]

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """The unshuffled ``input``."""
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        """``downscale_factor=...``.

        >>> from funcgrad import nn
        >>> nn.PixelUnshuffle(2).extra_repr()
        'downscale_factor=2'
        """
        return f"downscale_factor={self.downscale_factor}"
