"""``torch.nn``'s resampling layers: ``Upsample``, ``UpsamplingNearest2d`` and ``UpsamplingBilinear2d``, over
``funcgrad.nn.functional.interpolate`` (``'nearest'``, ``'nearest-exact'``, ``'linear'``, ``'bilinear'``,
``'bicubic'``, ``'trilinear'``, ``'area'``; ``align_corners`` for the interpolating modes).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
>>> up, up(fg.ones(1, 1, 2, 2)).shape
(Upsample(scale_factor=2.0, mode='bilinear'), torch.Size([1, 1, 4, 4]))
"""
from __future__ import annotations

from typing import Any

from ...tensors.tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resize the spatial dims of an ``(N, C, *spatial)`` input to ``size`` or by ``scale_factor``
    (``torch.nn.Upsample``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Upsample(size=5)(fg.ones(1, 2, 3)).shape
    torch.Size([1, 2, 5])
    """

    __constants__ = ["size", "scale_factor", "mode", "align_corners", "name", "recompute_scale_factor"]

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        """The resized ``input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.Upsample(scale_factor=2)(fg.tensor([[[1.0, 2.0]]]))
        tensor([[[1., 1., 2., 2.]]])
        """
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        """``scale_factor=...`` (or ``size=...``) and ``mode=...``.

        >>> from funcgrad import nn
        >>> nn.Upsample(size=(2, 3)).extra_repr()
        "size=(2, 3), mode='nearest'"
        """
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of an ``(N, C, H, W)`` input (``torch.nn.UpsamplingNearest2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.UpsamplingNearest2d(scale_factor=2)(fg.ones(1, 1, 2, 3)).shape
    torch.Size([1, 1, 4, 6])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling with ``align_corners=True`` of an ``(N, C, H, W)`` input
    (``torch.nn.UpsamplingBilinear2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.UpsamplingBilinear2d(size=3)(fg.tensor([[[[0.0, 2.0]]]]))[0, 0, 0]
    tensor([0., 1., 2.])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
