"""``torch.autograd.detect_anomaly`` on funcgrad's NaN provenance (:func:`funcgrad.debug_nans`)."""
from __future__ import annotations

import functools
from typing import Any, Callable

from ..core.debug import FLAGS, NonFiniteError, set_debug_nans

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "AnomalyError"]


class AnomalyError(NonFiniteError, RuntimeError):
    """A NaN or an Inf found by ``detect_anomaly``: a RuntimeError, as PyTorch raises, and a
    :class:`funcgrad.NonFiniteError`."""


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Within the block (or the decorated function), the first operation whose forward or backward pass produces
    a NaN or an Inf raises, naming the operation and the line of your code that called it.

    This is :func:`funcgrad.debug_nans` under PyTorch's name. It is stricter than PyTorch's, which checks the
    backward pass for NaNs only: here a NaN or Inf produced by the forward pass raises too. ``check_nan=False``
    turns the checks off inside the block. The error leaves the block as an :class:`AnomalyError`, both a
    ``RuntimeError`` (what PyTorch raises) and a :class:`funcgrad.NonFiniteError`; inside the block it is the
    core's ``NonFiniteError``.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> x = fg.tensor([0.0], requires_grad=True)
    >>> try:
    ...     with fg.autograd.detect_anomaly():
    ...         fnp.sum(fnp.sqrt(x)).backward()
    ... except RuntimeError as e:
    ...     print("sqrt" in str(e))
    True
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = bool(check_nan)
        self._prev: list = []

    def __enter__(self) -> None:
        self._prev.append(FLAGS.nans)
        set_debug_nans(self.check_nan)

    def __exit__(self, typ: Any, exc: Any, tb: Any) -> None:
        set_debug_nans(self._prev.pop())
        if isinstance(exc, NonFiniteError) and not isinstance(exc, AnomalyError):
            raise AnomalyError(str(exc)).with_traceback(tb) from None

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly(detect_anomaly):  # noqa: N801
    """Switch anomaly detection on or off: at once when called, for the block when used with ``with``
    (``torch.autograd.set_detect_anomaly``)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__(bool(mode) and check_nan)
        self._outer = FLAGS.nans
        set_debug_nans(self.check_nan)

    def __enter__(self) -> None:
        self._prev.append(self._outer)

    def __call__(self, fn: Callable) -> Callable:
        set_debug_nans(self._outer)  # used as a decorator: do not switch at definition time
        return super().__call__(fn)


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection (funcgrad's ``debug_nans``) is on."""
    return FLAGS.nans


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks for NaNs (the same switch here)."""
    return FLAGS.nans
