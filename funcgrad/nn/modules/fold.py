"""``torch.nn.Fold`` and ``torch.nn.Unfold``: sliding local blocks to columns and back (col2im / im2col), over
``funcgrad.nn.functional``'s ``fold`` and ``unfold``.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> cols = nn.Unfold(2)(fg.ones(1, 3, 4, 4))
>>> cols.shape, nn.Fold(4, 2)(cols).shape
(torch.Size([1, 12, 9]), torch.Size([1, 3, 4, 4]))
"""
from __future__ import annotations

from typing import Any

from ...tensors.tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Sum the ``(N, C * prod(kernel_size), L)`` columns of sliding blocks into an ``(N, C, *output_size)``
    tensor (``torch.nn.Fold``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Fold((3, 3), 2)(fg.ones(1, 4, 4))[0, 0]
    tensor([[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]])
    """

    __constants__ = ["output_size", "kernel_size", "dilation", "padding", "stride"]

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        """The folded ``input``."""
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """``output_size=..., kernel_size=..., dilation=..., padding=..., stride=...``.

        >>> from funcgrad import nn
        >>> nn.Fold(4, 2).extra_repr()
        'output_size=4, kernel_size=2, dilation=1, padding=0, stride=1'
        """
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """The sliding ``kernel_size`` blocks of an ``(N, C, H, W)`` input as ``(N, C * prod(kernel_size), L)``
    columns (``torch.nn.Unfold``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Unfold(2, stride=2)(fg.ones(1, 1, 4, 4)).shape
    torch.Size([1, 4, 4])
    """

    __constants__ = ["kernel_size", "dilation", "padding", "stride"]

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        """The columns of ``input``."""
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """``kernel_size=..., dilation=..., padding=..., stride=...``.

        >>> from funcgrad import nn
        >>> nn.Unfold(3).extra_repr()
        'kernel_size=3, dilation=1, padding=0, stride=1'
        """
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")
