"""Shared memory for arrays and Tensors, and how they cross process boundaries by reference.

A segment is an anonymous in-memory file (``memfd_create`` on Linux; elsewhere a temporary file unlinked at once),
mapped into each process that holds it. It has no name anywhere: a process reaches it only through a file
descriptor, passed to a child at spawn or through a Unix socket when it is taken off a queue (the mechanism of
:func:`multiprocessing.reduction.DupFd`, PyTorch's ``file_descriptor`` strategy). So the kernel counts its
holders, and frees the memory when the last process that holds it lets go: when its last array is collected or the
process exits, however it exits. Nothing is left in ``/dev/shm`` even after a crash.

>>> import numpy as np
>>> from multiprocessing.reduction import ForkingPickler
>>> from funcgrad.multiprocessing import shared_array, is_shared
>>> a = shared_array((1000, 1000), np.float32)
>>> is_shared(a), len(ForkingPickler.dumps(a)) < 1000   # sent by reference: not 4 MB of data
(True, True)
"""
from __future__ import annotations

import math
import mmap
import os
import sys
import tempfile
import weakref
from multiprocessing import reduction
from typing import Any

import numpy as np

from ..backend import namespace
from ..core import Box
from ..tensors.tensor import GRAPH, SHARED_ARRAYS, Tensor, _set_leaf_value, _shared_buffer, _strip_graph

__all__ = ["shared_array", "is_shared", "get_sharing_strategy", "set_sharing_strategy",
           "get_all_sharing_strategies"]

_STRATEGY = "file_descriptor"


class _Mapping(mmap.mmap):
    """One segment as this process maps it, with the descriptor that sends it on (closed with the mapping); its
    arrays keep it alive through their buffers."""

    fd: int
    key: tuple


# (device, inode) -> this process's mapping of that segment: a segment received twice is mapped once
_MAPPINGS: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()
# before Python 3.13 a mapping keeps a duplicate of its descriptor, out of reach; from 3.13 it need not
_NO_DUP = {"trackfd": False} if sys.version_info >= (3, 13) else {}
# id(array) -> (mapping, byte offset) for the arrays of SHARED_ARRAYS; dropped with the array
_WHERE: dict = {}


def _new_fd(nbytes: int) -> int:
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("funcgrad-shared", os.MFD_CLOEXEC)
    elif os.name == "posix":
        where = "/dev/shm" if os.path.isdir("/dev/shm") else None
        fd, path = tempfile.mkstemp(prefix="funcgrad-shared-", dir=where)
        os.unlink(path)  # nameless from the start: only descriptors reach it
    else:
        raise RuntimeError("funcgrad.multiprocessing: shared memory passes file descriptors between processes, "
                           "which needs a POSIX system (Linux or macOS)")
    os.ftruncate(fd, nbytes)
    return fd


def _map(fd: int, nbytes: int) -> _Mapping:
    """Map segment ``fd`` (the new mapping owns the descriptor), or give the existing mapping of that segment."""
    st = os.fstat(fd)
    key = (st.st_dev, st.st_ino)
    m = _MAPPINGS.get(key)
    if m is not None:
        if m.fd != fd:  # a spawned child names the same inherited descriptor for each array of a segment
            os.close(fd)
        return m
    m = _Mapping(fd, nbytes, **_NO_DUP)
    m.fd, m.key = fd, key
    weakref.finalize(m, os.close, fd)
    _MAPPINGS[key] = m
    return m


def _array(m: _Mapping, offset: int, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """An array over ``m``'s memory, registered as shared."""
    a = np.frombuffer(m, dtype=dtype, count=math.prod(shape), offset=offset).reshape(shape)
    SHARED_ARRAYS[id(a)] = a
    _WHERE[id(a)] = (m, offset)
    weakref.finalize(a, _WHERE.pop, id(a), None)
    return a


def shared_array(shape: Any, dtype: Any = np.float64) -> np.ndarray:
    """A zero-filled NumPy array in memory shared between processes: sent to another process (as an argument of
    ``Process``, through a ``Queue``, a ``Pipe`` or a ``Pool``), it arrives by reference, and writes on either
    side are seen by the other. A Tensor over it (``funcgrad.from_numpy``) is shared too.

    >>> import numpy as np
    >>> from funcgrad.multiprocessing import shared_array
    >>> a = shared_array((2, 3), np.float32); a[0] = 1; a
    array([[1., 1., 1.],
           [0., 0., 0.]], dtype=float32)
    """
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    dtype = np.dtype(dtype)
    if dtype.hasobject:
        raise TypeError(f"shared_array: dtype {dtype} holds Python objects, which cannot live in shared memory; use "
                        f"a numeric dtype")
    if any(n < 0 for n in shape):
        raise ValueError(f"shared_array: negative dimension in shape {shape}")
    nbytes = math.prod(shape) * dtype.itemsize
    return _array(_map(_new_fd(max(nbytes, 1)), max(nbytes, 1)), 0, shape, dtype)  # mmap refuses 0 bytes


def is_shared(x: Any) -> bool:
    """Whether ``x`` (a NumPy array or a Tensor) is in memory shared between processes, made by
    :func:`shared_array` or ``Tensor.share_memory_()`` (or received from another process as such).

    >>> import numpy as np, funcgrad as fg
    >>> from funcgrad.multiprocessing import is_shared
    >>> t = fg.zeros(3)
    >>> is_shared(t), is_shared(t.share_memory_()), is_shared(np.zeros(3))
    (False, True, False)
    """
    if isinstance(x, Tensor):
        return _shared_buffer(x) is not None
    return SHARED_ARRAYS.get(id(x)) is x


def _share_memory_(self: Tensor) -> Tensor:
    """Move this tensor's values into memory shared between processes, in place (``torch.Tensor.share_memory_``);
    a no-op if they are there already. Sent to another process, the tensor then arrives by reference, and its
    in-place updates (``add_``, ``copy_``, an optimizer's step ...) write into the shared memory, seen by all.

    >>> import funcgrad as fg
    >>> w = fg.ones(2, requires_grad=True).share_memory_()
    >>> w.is_shared(), w.requires_grad, w.is_leaf
    (True, True, True)
    """
    if _shared_buffer(self) is not None:
        return self
    if not self.is_leaf:
        raise RuntimeError(f"share_memory_: only leaf tensors can be shared (this one is the result of "
                           f"{self.grad_fn.name()} and belongs to a graph); share t.detach() instead")
    v = _strip_graph(self._v)
    if type(v) is Box:
        raise RuntimeError("share_memory_: this tensor is traced by a transform (grad, vmap ...); share tensors "
                           "outside transforms")
    if namespace(v) is not np:
        raise RuntimeError(f"share_memory_: the tensor is on {self.device}; funcgrad shares host memory only: move "
                           f"it with .cpu() first")
    buf = shared_array(v.shape, v.dtype)
    np.copyto(buf, v)
    if type(self._v) is Box and self._v._trace is GRAPH:
        _set_leaf_value(self, buf)  # the same leaf node, now over the shared memory
    else:
        self._v = buf
    return self


def _is_shared(self: Tensor) -> bool:
    """Whether this tensor is in memory shared between processes (``torch.Tensor.is_shared``).

    >>> import funcgrad as fg
    >>> fg.zeros(2).is_shared()
    False
    """
    return _shared_buffer(self) is not None


# --- pickling by reference (registered with multiprocessing's ForkingPickler in __init__) -------------------------

def _reduce_array(a: np.ndarray) -> tuple:
    where = _WHERE.get(id(a)) if SHARED_ARRAYS.get(id(a)) is a else None
    if where is None:  # an ordinary array: pickled by value, as without funcgrad
        return a.__reduce_ex__(2)  # the form every pickle protocol multiprocessing uses can take
    m, offset = where
    return _rebuild_array, (reduction.DupFd(m.fd), len(m), offset, a.shape, a.dtype)


def _rebuild_array(df: Any, nbytes: int, offset: int, shape: tuple, dtype: np.dtype) -> np.ndarray:
    return _array(_map(df.detach(), nbytes), offset, shape, dtype)


def _reduce_tensor(t: Tensor) -> tuple:
    buf = _shared_buffer(t)
    if buf is None:  # an ordinary tensor: its own pickling (a copy)
        return t.__reduce_ex__(2)
    return _rebuild_tensor, (type(t), buf, t.requires_grad)


def _rebuild_tensor(cls: type, buf: np.ndarray, requires_grad: bool) -> Tensor:
    if cls is Tensor:
        t = Tensor._from_value(buf)
        return t.requires_grad_(True) if requires_grad else t
    return cls(Tensor._from_value(buf), requires_grad=requires_grad)  # Parameter: a leaf over the same array


def get_sharing_strategy() -> str:
    """How shared memory crosses processes (``torch.multiprocessing.get_sharing_strategy``): always
    ``"file_descriptor"`` in funcgrad.

    >>> import funcgrad.multiprocessing as mp
    >>> mp.get_sharing_strategy()
    'file_descriptor'
    """
    return _STRATEGY


def get_all_sharing_strategies() -> set:
    """The sharing strategies this system supports (``{"file_descriptor"}``)."""
    return {_STRATEGY}


def set_sharing_strategy(new_strategy: str) -> None:
    """Choose the sharing strategy (``torch.multiprocessing.set_sharing_strategy``). Only ``"file_descriptor"``
    exists: PyTorch's ``"file_system"`` leaves named files behind when a process dies, which funcgrad avoids."""
    if new_strategy != _STRATEGY:
        raise ValueError(f"set_sharing_strategy: funcgrad supports only 'file_descriptor' (got {new_strategy!r}); "
                         f"its segments have no names, so nothing can leak into /dev/shm")
