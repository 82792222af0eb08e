"""``torch.Size``: the shape a Tensor's ``.shape`` and ``.size()`` return, a tuple of ints with ``numel()``.

>>> import funcgrad as fg
>>> s = fg.zeros(2, 3).shape
>>> s, s.numel(), s == (2, 3), s[1:]
(torch.Size([2, 3]), 6, True, torch.Size([3]))
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["Size"]


class Size(tuple):
    """A shape (``torch.Size``): a tuple subclass, so it compares, hashes and unpacks as the tuple it holds;
    slicing and concatenation keep the type, as PyTorch's does. ``repr`` is PyTorch's (``torch.Size([2, 3])``),
    ``str`` the tuple's (``(2, 3)``).

    >>> Size([2, 3]).numel(), Size([])
    (6, torch.Size([]))
    """

    __slots__ = ()

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for ``Size([])``)."""
        return math.prod(self)

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(n) for n in self)}])"

    # str() (and so f-strings and print) stays the tuple's "(2, 3)": funcgrad's error messages put shapes in
    # f-strings and users' code matches them; repr() is PyTorch's
    __str__ = tuple.__repr__

    def __getitem__(self, i: Any) -> Any:
        r = tuple.__getitem__(self, i)
        return Size(r) if type(i) is slice else r

    def __add__(self, other: Any) -> "Size":
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other: Any) -> "Size":
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n: int) -> "Size":
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __reduce__(self) -> tuple:
        return (Size, (tuple(self),))
