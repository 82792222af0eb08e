"""``torch.nn.Flatten`` and ``torch.nn.Unflatten``: reshaping as layers.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> x = fg.ones(2, 3, 4)
>>> nn.Flatten()(x).shape, nn.Unflatten(1, (3, 1))(x).shape
(torch.Size([2, 12]), torch.Size([2, 3, 1, 4]))
"""
from __future__ import annotations

from typing import Any

from ...tensors.tensor import Tensor
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten the dimensions ``start_dim`` to ``end_dim`` into one (``torch.nn.Flatten``; by default all but the
    batch dimension).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Flatten(0, 1), nn.Flatten(0, 1)(fg.ones(2, 3, 4)).shape
    (Flatten(start_dim=0, end_dim=1), torch.Size([6, 4]))
    """

    __constants__ = ["start_dim", "end_dim"]
    start_dim: int
    end_dim: int

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """``input.flatten(start_dim, end_dim)``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.Flatten().forward(fg.ones(2, 2, 2)).shape
        torch.Size([2, 4])
        """
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """``start_dim=..., end_dim=...``.

        >>> from funcgrad import nn
        >>> nn.Flatten().extra_repr()
        'start_dim=1, end_dim=-1'
        """
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def _require_tuple_int(size: Any) -> None:
    if isinstance(size, (tuple, list)):
        for i, elem in enumerate(size):
            if not isinstance(elem, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of type "
                                f"{type(elem).__name__} at pos {i}")
        return
    raise TypeError(f"unflattened_size must be a tuple of ints, but found type {type(size).__name__}")


class Unflatten(Module):
    """Expand dimension ``dim`` into ``unflattened_size`` (``torch.nn.Unflatten``; one size may be -1). Named
    dimensions (a string ``dim``) are not supported: funcgrad has no named tensors.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Unflatten(1, (2, -1)), nn.Unflatten(1, (2, -1))(fg.ones(3, 8)).shape
    (Unflatten(dim=1, unflattened_size=(2, -1)), torch.Size([3, 2, 4]))
    """

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        if isinstance(dim, str):
            raise NotImplementedError("Unflatten with a named dimension: funcgrad has no named tensors; give the "
                                      "dimension's index")
        if not isinstance(dim, int):
            raise TypeError(f"invalid argument type for dim parameter: {type(dim).__name__}")
        _require_tuple_int(unflattened_size)
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        """``input.unflatten(dim, unflattened_size)``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.Unflatten(0, [2, 2]).forward(fg.ones(4)).shape
        torch.Size([2, 2])
        """
        return input.unflatten(self.dim, tuple(self.unflattened_size))

    def extra_repr(self) -> str:
        """``dim=..., unflattened_size=...``.

        >>> from funcgrad import nn
        >>> nn.Unflatten(0, [2, 2]).extra_repr()
        'dim=0, unflattened_size=[2, 2]'
        """
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
