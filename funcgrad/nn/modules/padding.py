"""``torch.nn``'s padding layers, over ``funcgrad.nn.functional.pad``: ``ConstantPad1d``/``2d``/``3d`` and
``ZeroPad1d``/``2d``/``3d`` (a fill value), ``ReflectionPad*`` (mirrored, without the edge),
``ReplicationPad*`` (the edge repeated) and ``CircularPad*`` (wrapped around). ``padding`` is an int (every
side) or a tuple ``(left, right, top, bottom, front, back)``, the last dimension first, as ``F.pad`` reads it.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> nn.ReflectionPad1d(2), nn.ReflectionPad1d(2)(fg.tensor([[[1.0, 2.0, 3.0]]]))
(ReflectionPad1d((2, 2)), tensor([[[3., 2., 1., 2., 3., 2., 1.]]]))
"""
from __future__ import annotations

from typing import Any

from ...tensors.tensor import Tensor
from .. import functional as F
from .module import Module
from .utils import _check_rank, _ntuple

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]

_LAYOUT = {1: "(C, W) or (N, C, W)", 2: "(C, H, W) or (N, C, H, W)", 3: "(C, D, H, W) or (N, C, D, H, W)"}


class _PadNd(Module):
    __constants__ = ["padding"]
    _nd = 0
    _mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        padding = _ntuple(2 * self._nd)(padding)
        if len(padding) != 2 * self._nd:
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of {2 * self._nd} ints, got "
                             f"{padding}")
        self.padding = padding

    def forward(self, input: Tensor) -> Tensor:
        """The padded ``input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.ReplicationPad1d((0, 2))(fg.tensor([[1.0, 2.0]]))
        tensor([[1., 2., 2., 2.]])
        """
        nd = self._nd
        _check_rank(type(self).__name__, input, (nd + 1, nd + 2), _LAYOUT[nd])
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        """The padding tuple.

        >>> from funcgrad import nn
        >>> nn.CircularPad2d(1).extra_repr()
        '(1, 1, 1, 1)'
        """
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """``input`` padded with ``value`` (any rank with at least the padded dimensions).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.ConstantPad1d((1, 0), -1.0)(fg.ones(2))
        tensor([-1.,  1.,  1.])
        """
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        """``padding=..., value=...``.

        >>> from funcgrad import nn
        >>> nn.ConstantPad2d(1, 0.5).extra_repr()
        'padding=(1, 1, 1, 1), value=0.5'
        """
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value`` (``torch.nn.ConstantPad1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ConstantPad1d(2, 3.5)(fg.ones(1, 2, 3)).shape
    torch.Size([1, 2, 7])
    """

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value`` (``torch.nn.ConstantPad2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ConstantPad2d((1, 0, 2, 0), 1.0)(fg.zeros(1, 2, 2)).shape
    torch.Size([1, 4, 3])
    """

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value`` (``torch.nn.ConstantPad3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ConstantPad3d(1, 0.0)(fg.zeros(1, 1, 1, 1)).shape
    torch.Size([1, 3, 3, 3])
    """

    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """The padding tuple.

        >>> from funcgrad import nn
        >>> nn.ZeroPad2d((1, 2, 3, 4)).extra_repr()
        '(1, 2, 3, 4)'
        """
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dimension with zeros (``torch.nn.ZeroPad1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ZeroPad1d(1)(fg.ones(1, 2))
    tensor([[0., 1., 1., 0.]])
    """

    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dimensions with zeros (``torch.nn.ZeroPad2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ZeroPad2d((1, 1, 2, 0))(fg.ones(1, 1, 2, 2)).shape
    torch.Size([1, 1, 4, 4])
    """

    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dimensions with zeros (``torch.nn.ZeroPad3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ZeroPad3d(1)(fg.ones(1, 1, 1, 1, 1)).shape
    torch.Size([1, 1, 3, 3, 3])
    """

    _nd = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dimension with its reflection at the edges (``torch.nn.ReflectionPad1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ReflectionPad1d((1, 0))(fg.tensor([[1.0, 2.0]]))
    tensor([[2., 1., 2.]])
    """

    _nd, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two dimensions by reflection (``torch.nn.ReflectionPad2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ReflectionPad2d(1)(fg.ones(1, 3, 3)).shape
    torch.Size([1, 5, 5])
    """

    _nd, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last three dimensions by reflection (``torch.nn.ReflectionPad3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ReflectionPad3d(1)(fg.ones(1, 2, 2, 2)).shape
    torch.Size([1, 4, 4, 4])
    """

    _nd, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dimension by repeating its edge values (``torch.nn.ReplicationPad1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ReplicationPad1d(1)(fg.tensor([[1.0, 2.0]]))
    tensor([[1., 1., 2., 2.]])
    """

    _nd, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two dimensions by repeating the edges (``torch.nn.ReplicationPad2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ReplicationPad2d((1, 0, 0, 1))(fg.ones(1, 2, 2)).shape
    torch.Size([1, 3, 3])
    """

    _nd, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last three dimensions by repeating the edges (``torch.nn.ReplicationPad3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ReplicationPad3d(1)(fg.ones(1, 1, 1, 1)).shape
    torch.Size([1, 3, 3, 3])
    """

    _nd, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dimension by wrapping around (``torch.nn.CircularPad1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.CircularPad1d(1)(fg.tensor([[1.0, 2.0, 3.0]]))
    tensor([[3., 1., 2., 3., 1.]])
    """

    _nd, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pad the last two dimensions by wrapping around (``torch.nn.CircularPad2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.CircularPad2d(1)(fg.ones(1, 1, 2, 2)).shape
    torch.Size([1, 1, 4, 4])
    """

    _nd, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pad the last three dimensions by wrapping around (``torch.nn.CircularPad3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.CircularPad3d(1)(fg.ones(1, 1, 2, 2, 2)).shape
    torch.Size([1, 1, 4, 4, 4])
    """

    _nd, _mode = 3, "circular"
