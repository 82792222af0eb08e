"""``torch.nn``'s dropout layers: ``Dropout``, ``Dropout1d``/``2d``/``3d`` (whole channels), ``AlphaDropout`` and
``FeatureAlphaDropout`` (for SELU networks), over ``funcgrad.nn.functional``'s. In training mode they zero
elements (or channels) with probability ``p`` and scale the rest by ``1 / (1 - p)``; in eval mode they return the
input. The draws come from funcgrad's generators (:func:`funcgrad.manual_seed` repeats them).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> drop = nn.Dropout(0.5)
>>> drop, bool((drop.eval()(fg.ones(3)) == 1).all())
(Dropout(p=0.5, inplace=False), True)
"""
from __future__ import annotations

from ...tensors.tensor import Tensor
from .. import functional as F
from .module import Module
from .utils import _check_rank

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    __constants__ = ["p", "inplace"]
    _fn = None
    _ranks: tuple = ()
    _layout = ""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        """``input`` with dropout applied in training mode; ``input`` itself in eval mode.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.Dropout(1.0)(fg.ones(2))
        tensor([0., 0.])
        """
        if self._ranks:
            _check_rank(type(self).__name__, input, self._ranks, self._layout)
        return type(self)._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """``p=..., inplace=...``.

        >>> from funcgrad import nn
        >>> nn.Dropout2d(0.2).extra_repr()
        'p=0.2, inplace=False'
        """
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training, scaling the others by ``1 / (1 - p)``
    (``torch.nn.Dropout``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> y = nn.Dropout(0.5)(fg.ones(1000)); bool(((y == 0) | (y == 2)).all())
    True
    """

    _fn = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Zero whole channels of an ``(N, C, L)`` or ``(C, L)`` input (``torch.nn.Dropout1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Dropout1d(0.5).eval()(fg.ones(2, 3, 4)).shape
    torch.Size([2, 3, 4])
    """

    _fn, _ranks, _layout = staticmethod(F.dropout1d), (2, 3), "(C, L) or (N, C, L)"


class Dropout2d(_DropoutNd):
    """Zero whole channels of an ``(N, C, H, W)`` or ``(C, H, W)`` input (``torch.nn.Dropout2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> y = nn.Dropout2d(0.5)(fg.ones(1, 8, 2, 2)); bool((y.amax((2, 3)) == y.amin((2, 3))).all())
    True
    """

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input (``torch.nn.Dropout3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Dropout3d()(fg.ones(1, 2, 2, 2, 2)).shape
    torch.Size([1, 2, 2, 2, 2])
    """

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps the mean and variance of a SELU network's activations (``torch.nn.AlphaDropout``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.AlphaDropout(0.2).eval()(fg.ones(2))
    tensor([1., 1.])
    """

    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (``torch.nn.FeatureAlphaDropout``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.FeatureAlphaDropout(0.2)(fg.ones(1, 3, 4)).shape
    torch.Size([1, 3, 4])
    """

    _fn = staticmethod(F.feature_alpha_dropout)
