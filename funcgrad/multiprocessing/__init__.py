"""``torch.multiprocessing``: Python's ``multiprocessing`` where shared arrays and Tensors pass by reference.

Every name of :mod:`multiprocessing` is here (``Process``, ``Queue``, ``Pool``, ``get_context``,
``set_start_method`` ...), plus :func:`spawn`, :func:`shared_array` and :func:`is_shared`; ``Tensor.share_memory_``,
``Tensor.is_shared`` and ``Module.share_memory`` mark Tensors shared. A shared array or Tensor sent to another
process (a ``Process`` argument, through a ``Queue``, ``Pipe`` or ``Pool``, with the ``fork``, ``spawn`` or
``forkserver`` start method) arrives as a view of the same memory: no copy of its data is pickled, and a write on
one side is seen on the other. Other arrays and Tensors are pickled by value, as without funcgrad (unlike PyTorch,
which moves every tensor it sends into shared memory).

The rules:

* **In-place updates write through.** funcgrad's Tensors are otherwise immutable (an in-place method rebinds the
  tensor to a new array); a shared Tensor's ``add_``, ``copy_``, ``zero_``, ``t[i] = v``, ``t.data = v`` and the
  optimizers' steps write into its shared memory instead, so the other processes see them. The shape and dtype of
  a shared tensor are fixed, and its memory holds plain values: an update recorded for backward (an operand that
  requires grad, with grad mode on) raises; a leaf that requires grad is updated under ``no_grad()``, as always.
* **The one exception to immutable tapes.** A graph that used a shared tensor saved its memory, not a copy; the
  other processes write into that memory at any time (the point of Hogwild), and so do its local in-place updates.
  Backward reads what is there when it runs, as in PyTorch's Hogwild training. Keep the usual order (forward,
  backward, then the optimizer's step) and a process's own updates never reach a graph it still needs. Values
  computed from a shared tensor that NumPy returns as views of its memory (``t[0]``, ``t.reshape(...)``) see
  later writes too, like PyTorch's views. Tensors that are not shared keep the rule: saved values never change.
* **Lifetime.** A segment is a nameless in-memory file that each holder maps and reaches through a file
  descriptor (see :mod:`funcgrad.multiprocessing.shared`), so the kernel frees it when the last process that
  holds it lets go: when its last array there is collected, or when the process exits, crashed or not. Nothing
  is ever left in ``/dev/shm``, and a receiver that outlives the creator keeps working. The one condition: a
  process that puts a shared array on a ``Queue`` or ``Pipe`` must still be running when the receiver takes it
  off (the receiver fetches the descriptor from it); arguments of ``Process`` and ``spawn`` travel at start.
  Each shared segment holds one descriptor per process, so a process can hold as many segments as its limit on
  open files allows (``ulimit -n``).

>>> import numpy as np, funcgrad as fg
>>> import funcgrad.multiprocessing as mp
>>> w = fg.zeros(3).share_memory_()
>>> w.add_(1.0).is_shared(), mp.is_shared(w)   # add_ wrote into the shared memory
(True, True)
>>> mp.get_start_method(allow_none=True) in (None, "fork", "spawn", "forkserver")
True
"""
from __future__ import annotations

import multiprocessing as _mp
from multiprocessing import *  # noqa: F401,F403  (the drop-in: Process, Queue, Pool, get_context ...)
from multiprocessing.reduction import ForkingPickler as _ForkingPickler

import numpy as _np

from ..nn.parameter import Parameter as _Parameter
from ..tensors.tensor import Tensor as _Tensor
from . import shared as _shared
from .shared import get_all_sharing_strategies, get_sharing_strategy, is_shared, set_sharing_strategy, shared_array
from .spawn import (ProcessContext, ProcessException, ProcessExitedException, ProcessRaisedException, spawn,
                    start_processes)

__all__ = ["shared_array", "is_shared", "spawn", "start_processes", "ProcessContext", "ProcessException",
           "ProcessRaisedException", "ProcessExitedException", "get_sharing_strategy", "set_sharing_strategy",
           "get_all_sharing_strategies"] + list(_mp.__all__)

_Tensor.share_memory_ = _shared._share_memory_
_Tensor.is_shared = _shared._is_shared

# multiprocessing pickles everything it sends with ForkingPickler: from now on shared arrays and Tensors go by
# reference there (the stdlib's own Queue and Process included, as PyTorch's reducers do)
_ForkingPickler.register(_np.ndarray, _shared._reduce_array)
for _cls in (_Tensor, _Parameter):
    _ForkingPickler.register(_cls, _shared._reduce_tensor)
