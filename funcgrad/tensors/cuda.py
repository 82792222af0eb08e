"""``funcgrad.cuda``: what PyTorch users reach for in ``torch.cuda``, over funcgrad's GPU backend (CuPy).

Without CuPy or without a GPU, ``is_available()`` is False and ``device_count()`` is 0; the functions that need a
device raise :class:`funcgrad.backend.DeviceUnavailableError` saying what is missing.

>>> import funcgrad as fg
>>> fg.cuda.is_available() in (True, False)
True
"""
from __future__ import annotations

from typing import Any

from ..backend import gpu_available, gpu_backend, parse_device

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize", "device"]


def is_available() -> bool:
    """Whether a GPU can be used (CuPy with a CUDA device), as ``torch.cuda.is_available``.

    >>> import funcgrad as fg
    >>> isinstance(fg.cuda.is_available(), bool)
    True
    """
    return gpu_available()


def device_count() -> int:
    """The number of GPUs (0 where there is no GPU backend), as ``torch.cuda.device_count``.

    >>> import funcgrad as fg
    >>> fg.cuda.device_count() >= 0
    True
    """
    return gpu_backend().device_count() if gpu_available() else 0


def current_device() -> int:
    """The index of the current GPU, where new ``"cuda"`` arrays go (``torch.cuda.current_device``).

    >>> import funcgrad as fg
    >>> fg.cuda.current_device() if fg.cuda.is_available() else 0
    0
    """
    return gpu_backend().current_device()


def _index(dev: Any) -> int:
    if dev is None:
        return current_device()
    kind, index = parse_device(dev)
    if kind != "cuda":
        raise ValueError(f"expected a CUDA device, got {dev!r}")
    return current_device() if index is None else index


def set_device(dev: Any) -> None:
    """Make ``dev`` (an index or ``"cuda:N"``) the current GPU (``torch.cuda.set_device``).

    >>> import funcgrad as fg
    >>> if fg.cuda.is_available():
    ...     fg.cuda.set_device(0)
    """
    gpu_backend().set_current(_index(dev))


def synchronize(dev: Any = None) -> None:
    """Wait for every kernel queued on ``dev`` (the current GPU by default) to finish, as
    ``torch.cuda.synchronize``: what a timing measurement needs before reading the clock.

    >>> import funcgrad as fg
    >>> if fg.cuda.is_available():
    ...     fg.cuda.synchronize()
    """
    gpu_backend().synchronize(_index(dev))


class device:  # noqa: N801 - PyTorch's name
    """Context manager making a GPU current for the block (``torch.cuda.device``).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> if fg.cuda.is_available():
    ...     with fg.cuda.device(0):
    ...         x = fnp.zeros(3, device="cuda")
    """

    def __init__(self, dev: Any):
        self._ctx = gpu_backend().use_device(_index(dev))

    def __enter__(self) -> None:
        self._ctx.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._ctx.__exit__(*exc)
