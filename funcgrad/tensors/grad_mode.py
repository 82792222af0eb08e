"""The Tensor face's thread-local grad mode (``no_grad``, ``enable_grad``, ``set_grad_enabled``) and the default
floating dtype of tensors made from Python numbers.

>>> import funcgrad as fg
>>> with fg.no_grad():
...     fg.is_grad_enabled()
False
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

import numpy as np

from .dtypes import DEFAULT_DTYPE, as_dtype

__all__ = ["is_grad_enabled", "set_grad_enabled", "no_grad", "enable_grad", "set_default_dtype", "get_default_dtype"]


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()
_default_dtype = DEFAULT_DTYPE  # one list, shared with dtypes.py (finfo's default)


def is_grad_enabled() -> bool:
    """Whether operations on tensors that require grad are recorded (``torch.is_grad_enabled``).

    >>> import funcgrad as fg
    >>> fg.is_grad_enabled()
    True
    """
    return _mode.enabled


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Context manager and decorator that switches recording on or off in this thread (``torch.set_grad_enabled``).

    >>> import funcgrad as fg
    >>> with fg.set_grad_enabled(False):
    ...     fg.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.prev = [_mode.enabled]  # as a call, set_grad_enabled(False) switches at once, like PyTorch
        _mode.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        _mode.enabled = self.prev[0]

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode
        _mode.enabled = self.prev[0]  # used as a decorator: do not switch at definition time

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _mode.enabled
            _mode.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _mode.enabled = prev
        return wrapper


class no_grad(set_grad_enabled):  # noqa: N801
    """Operations inside do not record (``torch.no_grad``); also a decorator.

    >>> import funcgrad as fg
    >>> x = fg.tensor(1.0, requires_grad=True)
    >>> with fg.no_grad():
    ...     (x * 2).requires_grad
    False
    """

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):  # noqa: N801
    """Operations inside record even within ``no_grad`` (``torch.enable_grad``); also a decorator."""

    def __init__(self):
        super().__init__(True)


def set_default_dtype(dtype: Any) -> None:
    """The dtype of tensors made from Python numbers (float32 by default, as in PyTorch).

    >>> import numpy as np, funcgrad as fg
    >>> fg.set_default_dtype(np.float64); fg.tensor(1.0).dtype
    torch.float64
    >>> fg.set_default_dtype(np.float32)
    """
    _default_dtype[0] = np.dtype(dtype)


def get_default_dtype() -> Any:
    """The current default floating dtype (a :class:`funcgrad.dtype`, equal to its NumPy dtype).

    >>> import funcgrad as fg
    >>> fg.get_default_dtype()
    torch.float32
    """
    return as_dtype(_default_dtype[0])
