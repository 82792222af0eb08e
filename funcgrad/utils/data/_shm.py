"""How a worker hands a batch to the main process: its arrays through POSIX shared memory, the rest (the batch's
structure, small values) pickled into a short message.

The worker pickles the batch with every NumPy array (and every CPU Tensor's array) replaced by a reference and
copies those arrays into a shared-memory segment of its :class:`Writer`: a free segment that is big enough, else a
new one. The message says which segment (and, for a new one, its name) and where each array lies. The main
process's :class:`Reader` for that worker maps a new segment once and unlinks its name at once: a name exists only
between its creation and the main process's first look at it, so ``/dev/shm`` is left empty, and the memory belongs
to the two mappings. Each batch's arrays are views of the segment through a :class:`_Lease`, their ``base``; when
the last array of the batch is garbage, the lease dies and tells the worker (with its next task) that it may write
into the segment again. No copy is made on the main side, and a steady stream of same-sized batches reuses a few
segments whose pages are already mapped on both sides: allocating and faulting fresh shared pages for every batch
costs more than the copy itself (about 10 ms for 16 MiB on a small VM, against 0.5 ms for the copy).

A new segment's name is fixed before the worker creates it: ``/fgdl<main pid>_<iterator token>_<task serial>``. So
the main process can unlink every name a task could have created, whatever happened to the worker (killed between
creating and sending, or never sending), once that worker is known to be gone. Batches whose arrays hold fewer than
``INLINE_BYTES`` bytes travel inside the message instead.
"""
from __future__ import annotations

import collections
import errno
import io
import itertools
import mmap
import os
import pickle
import weakref
from typing import Any

import numpy as np

from ...tensors.creation import from_numpy
from ...tensors.tensor import Tensor

try:  # the module multiprocessing.shared_memory is built on; absent where POSIX shared memory is (Windows)
    import _posixshmem
except ImportError:  # pragma: no cover - every POSIX CPython has it
    _posixshmem = None

INLINE_BYTES = 1 << 15
_ALIGN = 64


def segment_name(prefix: str, serial: int) -> str:
    """The name of the segment a task may create (macOS allows 31 characters: the prefix keeps it under that)."""
    return f"{prefix}{serial:x}"


def unlink(name: str) -> None:
    """Remove a segment's name if it exists (after a worker that may have created it is gone)."""
    if _posixshmem is not None:
        try:
            _posixshmem.shm_unlink(name)
        except FileNotFoundError:
            pass


class _Packer(pickle.Pickler):
    """Pickles a batch, setting its arrays aside (each once, however often it appears)."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.arrays: list = []
        self._seen: dict = {}

    def _take(self, a: np.ndarray, kind: str, grad: bool = False) -> tuple:
        key = (id(a), kind, grad)
        if key not in self._seen:
            self._seen[key] = len(self.arrays)
            self.arrays.append(a)
        return (kind, self._seen[key], grad)

    def persistent_id(self, obj: Any) -> Any:
        t = type(obj)
        if t is np.ndarray:
            return self._take(obj, "a") if obj.nbytes and not obj.dtype.hasobject else None
        if t is Tensor and obj.device.type == "cpu":
            if obj.requires_grad and not obj.is_leaf:
                raise RuntimeError("DataLoader worker: a batch holds a Tensor that is part of a graph (not a leaf), "
                                   "and graphs cannot cross processes; detach() it in the dataset or collate_fn")
            a = obj.detach().numpy()
            if a.nbytes and not a.dtype.hasobject:
                return self._take(a, "t", obj.requires_grad)
        return None


def _layout(arrays: list) -> tuple[list, int]:
    metas, offset = [], 0
    for a in arrays:
        metas.append((offset, a.shape, a.dtype))
        offset += -(-a.nbytes // _ALIGN) * _ALIGN
    return metas, offset


def _create(name: str, size: int) -> mmap.mmap:
    """A new segment of ``size`` bytes, mapped. Its memory is claimed now where the OS can (a full ``/dev/shm``
    then fails here, as an OSError, rather than as SIGBUS on the first write)."""
    fd = _posixshmem.shm_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode=0o600)
    try:
        os.ftruncate(fd, size)
        if hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(fd, 0, size)
            except OSError as e:
                if e.errno not in (errno.EOPNOTSUPP, errno.EINVAL):  # unsupported here: ftruncate was enough
                    raise
        return mmap.mmap(fd, size)
    except BaseException:
        unlink(name)
        raise
    finally:
        os.close(fd)


class Writer:
    """A worker's segments, by id; ``free`` holds those the main process no longer reads from."""

    def __init__(self, inline_bytes: int = INLINE_BYTES) -> None:
        self.inline_bytes = inline_bytes
        self.segments: dict = {}
        self.free: set = set()
        self._ids = itertools.count()

    def release(self, ids: list) -> None:
        self.free.update(i for i in ids if i in self.segments)

    def _segment(self, size: int, name: str) -> tuple:
        """``(id, name or None, dropped ids)``: the smallest free segment that fits, else a new one (the free
        ones, too small for batches of this size, are closed and named for the main process to unmap too)."""
        fits = [i for i in self.free if len(self.segments[i]) >= size]
        if fits:
            sid = min(fits, key=lambda i: len(self.segments[i]))
            self.free.discard(sid)
            return sid, None, []
        capacity = -(-size // mmap.PAGESIZE) * mmap.PAGESIZE
        mm = _create(name, capacity)
        dropped = sorted(self.free)
        for i in dropped:
            self.segments.pop(i).close()
        self.free.clear()
        sid = next(self._ids)
        self.segments[sid] = mm
        return sid, name, dropped

    def pack(self, batch: Any, name: str) -> tuple:
        """The message for ``batch``: ``("shm", id, new name or None, capacity, structure, layout, dropped ids)``,
        or ``("inline", structure, arrays)``. ``name`` is used only if a new segment is needed."""
        buf = io.BytesIO()
        packer = _Packer(buf)
        packer.dump(batch)
        arrays = packer.arrays
        metas, size = _layout(arrays)
        if _posixshmem is None or size < max(self.inline_bytes, 1):
            return ("inline", buf.getvalue(), arrays)
        try:
            sid, new, dropped = self._segment(size, name)
        except OSError:  # no room in /dev/shm: the slower road still gets the batch there
            return ("inline", buf.getvalue(), [np.ascontiguousarray(a) for a in arrays])
        mm = self.segments[sid]
        for a, (offset, shape, dtype) in zip(arrays, metas):
            dst = np.ndarray(shape, dtype, buffer=mm, offset=offset)
            np.copyto(dst, a, casting="no")
            del dst  # a segment that is dropped later cannot close while a view of it is exported
        return ("shm", sid, new, len(mm), buf.getvalue(), metas, dropped)


class _Lease:
    """One batch's hold on a segment: the ``base`` of its arrays (through ``__array_interface__``). Its death, when
    the last of them is garbage, hands the segment back to the worker (see :meth:`Reader.unpack`)."""

    __slots__ = ("__array_interface__", "_mm", "__weakref__")

    def __init__(self, mm: mmap.mmap) -> None:
        probe = np.frombuffer(mm, np.uint8, count=1)
        self.__array_interface__ = {"data": (probe.ctypes.data, False), "shape": (len(mm),), "typestr": "|u1",
                                    "version": 3}
        del probe
        self._mm = mm


def _map(name: str, size: int) -> mmap.mmap:
    fd = _posixshmem.shm_open(name, os.O_RDWR, mode=0o600)
    try:
        return mmap.mmap(fd, size)
    finally:
        os.close(fd)
        _posixshmem.shm_unlink(name)  # both sides hold mappings now; the name is no longer needed


class _Unpacker(pickle.Unpickler):
    def __init__(self, data: bytes, arrays: list) -> None:
        super().__init__(io.BytesIO(data))
        self.arrays = arrays

    def persistent_load(self, pid: Any) -> Any:
        kind, i, grad = pid
        a = self.arrays[i]
        if kind == "a":
            return a
        t = from_numpy(a)
        return t.requires_grad_(True) if grad else t


class Reader:
    """The main process's side of one worker's segments: their mappings and the ids whose leases died.

    A lease's death is noticed by a weak reference whose callback is ``freed.append`` itself, C code that runs no
    Python bytecode: a ``__del__`` would, and a Ctrl-C that lands in a ``__del__`` is printed and swallowed
    (the user's KeyboardInterrupt lost) instead of raised in the loop that dropped the batch."""

    def __init__(self) -> None:
        self.maps: dict = {}
        self.freed: collections.deque = collections.deque()  # dead leases' weak references, or segment ids
        self._leases: dict = {}  # weak reference -> segment id, while the lease lives

    def take_freed(self) -> list:
        out = []
        while self.freed:
            item = self.freed.popleft()
            sid = item if type(item) is int else self._leases.pop(item, None)
            if sid is not None:
                out.append(sid)
        return out

    def _segment(self, message: tuple) -> mmap.mmap:
        _, sid, name, size, _, _, dropped = message
        for i in dropped:
            self.maps.pop(i, None)
        if name is not None:
            self.maps[sid] = _map(name, size)
        return self.maps[sid]

    def unpack(self, message: tuple) -> Any:
        """The batch of a :meth:`Writer.pack` message; a new segment's name is gone once this returns."""
        if message[0] == "inline":
            _, data, arrays = message
            return _Unpacker(data, arrays).load()
        mm = self._segment(message)
        lease = _Lease(mm)
        self._leases[weakref.ref(lease, self.freed.append)] = message[1]
        whole = np.asarray(lease)
        del lease
        arrays = [whole[offset:offset + dtype.itemsize * int(np.prod(shape))].view(dtype).reshape(shape)
                  for offset, shape, dtype in message[5]]
        del whole  # the arrays hold the lease now
        return _Unpacker(message[4], arrays).load()

    def discard(self, message: tuple) -> None:
        """Take in a message whose batch nobody will use: its segment goes back to the worker at once."""
        if message[0] == "shm":
            self._segment(message)
            self.freed.append(message[1])

    def close(self) -> None:
        self.maps.clear()  # mappings still leased to batches live on with them
        self._leases.clear()


def forget(message: tuple) -> None:
    """Free what a message holds when neither side will use the segment again (shutdown, a worker gone)."""
    if message and message[0] == "shm" and message[2] is not None:
        unlink(message[2])
