"""``torch.accelerator``: the one accelerator funcgrad drives (CUDA through CuPy), in torch's names, so a script's
opening ``device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"`` works.

>>> import funcgrad as fg
>>> dev = fg.accelerator.current_accelerator() if fg.accelerator.is_available() else "cpu"
>>> fg.tensor([1.0], device=dev).shape
torch.Size([1])
"""
from __future__ import annotations

from typing import Any

from . import cuda
from .tensor import device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "set_device_index",
           "synchronize"]


def is_available() -> bool:
    """Whether a GPU is usable (CuPy with a device), as ``torch.accelerator.is_available``.

    >>> import funcgrad as fg
    >>> fg.accelerator.is_available() == fg.cuda.is_available()
    True
    """
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """``device(type='cuda')`` where a GPU is usable, else None (``torch.accelerator.current_accelerator``).

    >>> import funcgrad as fg
    >>> fg.accelerator.current_accelerator() is None or fg.accelerator.current_accelerator().type == "cuda"
    True
    """
    return device("cuda") if is_available() else None


def device_count() -> int:
    """How many GPUs there are (0 without one).

    >>> import funcgrad as fg
    >>> fg.accelerator.device_count() >= 0
    True
    """
    return cuda.device_count() if is_available() else 0


def current_device_index() -> int:
    """The index of the current GPU; -1 without one, as torch returns.

    >>> import funcgrad as fg
    >>> isinstance(fg.accelerator.current_device_index(), int)
    True
    """
    return cuda.current_device() if is_available() else -1


def set_device_index(index: Any) -> None:
    """Make GPU ``index`` the current one."""
    cuda.set_device(index)


def synchronize(index: Any = None) -> None:
    """Wait for the GPU's queued work (nothing to wait for without one)."""
    if is_available():
        cuda.synchronize(index)
