"""``device`` (``torch.device``) and where a new tensor's value goes.

>>> import funcgrad as fg
>>> fg.device("cpu") == "cpu"
True
"""
from __future__ import annotations

from typing import Any

from ..backend import device_of, get_default_device, gpu_backend, parse_device, to_device
from ..core import Box, getval
from ..primitives.devices import device_put

__all__ = ["device"]


class device:  # noqa: N801 - PyTorch's name
    """A device: ``device("cpu")``, ``device("cuda")``, ``device("cuda", 1)``, ``device("cuda:1")``
    (``torch.device``). ``type`` and ``index`` as PyTorch has them; compares equal to its string too.

    >>> import funcgrad as fg
    >>> d = fg.device("cuda:1"); d.type, d.index, str(d)
    ('cuda', 1, 'cuda:1')
    """

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        kind, idx = parse_device(type)
        self.type = kind
        self.index = idx if index is None else int(index)

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except ValueError:
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash(str(self))


def _target(where: Any) -> str:
    """``"cpu"`` or ``"cuda:N"`` for a device spec; ``"cuda"`` means the current GPU, None the default device."""
    kind, index = parse_device(get_default_device() if where is None else where)
    if kind == "cpu":
        return "cpu"
    return f"cuda:{gpu_backend().current_device() if index is None else index}"


def _to_device(v: Any, where: Any) -> Any:
    """``v`` (a new tensor's value) on ``where``; with ``where`` None, host data goes to the default device and a
    device array stays where it is. A traced value moves differentiably."""
    if where is None:
        if get_default_device() == "cpu" or device_of(getval(v)) != "cpu":
            return v
    target = _target(where)
    if type(v) is Box:
        return device_put(v, target)
    return to_device(v, target)
