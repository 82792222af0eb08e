"""``torch.autograd.Variable``'s place: the old name of a Tensor that records its operations, kept for the code
that still calls it, and ``Variable._execution_engine.queue_callback``, the hook point through which code run
during a backward pass asks for a callback once that pass is over (DistributedDataParallel uses it)."""
from __future__ import annotations

from typing import Any, Callable

from ..tensors.backward import queue_callback
from ..tensors.tensor import Tensor, tensor

__all__ = ["Variable"]


class _ExecutionEngine:
    """The engine of the Tensor graph as torch names it: only its callback queue is offered."""

    @staticmethod
    def queue_callback(callback: Callable[[], None]) -> None:
        """Run ``callback()`` when the backward pass in progress ends (see
        :func:`funcgrad.tensors.backward.queue_callback`)."""
        queue_callback(callback)


class Variable:
    """``Variable(data, requires_grad=False)`` is a Tensor (PyTorch merged the two in 0.4; the name stays for old
    code): a Tensor given is returned itself, with ``requires_grad`` set when asked.

    >>> import funcgrad as fg
    >>> v = fg.autograd.Variable(fg.ones(2), requires_grad=True)
    >>> type(v).__name__, v.requires_grad
    ('Tensor', True)
    """

    _execution_engine = _ExecutionEngine()

    def __new__(cls, data: Any = None, requires_grad: bool = False, volatile: bool = False) -> Any:  # type: ignore
        del volatile  # without effect since PyTorch 0.4
        t = data if isinstance(data, Tensor) else tensor([] if data is None else data)
        if requires_grad:
            t.requires_grad_(True)
        return t
