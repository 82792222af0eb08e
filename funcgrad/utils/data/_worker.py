"""The code that runs inside a DataLoader worker process (and the fetching it shares with the main process):
seeding, :func:`get_worker_info`, turning indices into collated batches, and reporting errors with their context.

>>> from funcgrad.utils.data import get_worker_info
>>> get_worker_info() is None   # in the main process
True
"""
from __future__ import annotations

import collections
import multiprocessing
import os
import pickle
import queue
import random
import signal
import traceback
from typing import Any, Callable

import numpy as np

from ...tensors.creation import manual_seed
from . import _shm

__all__ = ["WorkerInfo", "get_worker_info"]

#: How often an idle worker checks that the main process is still there (it also notices at its next send).
WATCHDOG_S = 1.0


class WorkerInfo:
    """What a worker knows about itself (``torch.utils.data.get_worker_info()``'s object): ``id`` (0 ..
    ``num_workers`` - 1), ``num_workers``, ``seed`` (the base seed plus ``id``; funcgrad's, NumPy's and Python's
    generators were seeded from it) and ``dataset``, the worker's own copy. Read-only.

    >>> from funcgrad.utils.data import WorkerInfo
    >>> info = WorkerInfo(id=0, num_workers=2, seed=7, dataset=None)
    >>> info.id, info.num_workers
    (0, 2)
    """

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id: int, num_workers: int, seed: int, dataset: Any) -> None:  # noqa: A002 - torch's name
        for k, v in (("id", id), ("num_workers", num_workers), ("seed", seed), ("dataset", dataset)):
            object.__setattr__(self, k, v)

    def __setattr__(self, key: str, value: Any) -> None:
        raise RuntimeError(f"WorkerInfo is read-only: cannot set {key!r}")

    def __repr__(self) -> str:
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, dataset={self.dataset!r})"


_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The :class:`WorkerInfo` of this DataLoader worker, or None in the main process
    (``torch.utils.data.get_worker_info``). An :class:`~funcgrad.utils.data.IterableDataset` uses it to give each
    worker its own share of the stream, and ``worker_init_fn`` to configure the worker's copy of the dataset.

    >>> from funcgrad.utils.data import get_worker_info
    >>> print(get_worker_info())
    None
    """
    return _info


def seed_worker(seed: int, base_seed: int, worker_id: int) -> None:
    """Seed the worker's generators: Python's ``random`` and funcgrad's with ``seed`` (as PyTorch seeds its own),
    NumPy's global one from the base seed and the worker id through a SeedSequence (distinct streams)."""
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))


# --- fetching -----------------------------------------------------------------------------------------------------
class MapFetcher:
    """Samples at the sampler's indices, collated. ``at`` says what it was doing when something raised."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        self.batched = hasattr(dataset, "__getitems__")
        self.at: tuple = ()

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            self.at = ("index", index)
            data = self.dataset[index]
        elif self.batched:
            self.at = ("indices", index)
            data = self.dataset.__getitems__(index)
        else:
            data = []
            for i in index:
                self.at = ("index", i)
                data.append(self.dataset[i])
        self.at = ("collate", index)
        return self.collate_fn(data)


class IterFetcher:
    """The next ``batch_size`` samples of the dataset's stream (the indices are None: only their number counts);
    raises StopIteration at the end (or at a short last batch with ``drop_last``)."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.at: tuple = ("iter", None)
        self.it = iter(dataset)
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.ended:
            raise StopIteration
        self.at = ("iter", None)
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.it))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            try:
                data = next(self.it)
            except StopIteration:
                self.ended = True
                raise
        self.at = ("collate", None)
        return self.collate_fn(data)


def _where(at: tuple) -> str:
    what, index = at if at else ("", None)
    if what == "index":
        return f" while fetching index {index!r}"
    if what == "indices":
        return f" while fetching the batch of indices {index!r}"
    if what == "collate":
        return " while collating the batch" + (f" of indices {index!r}" if index is not None else "")
    if what == "iter":
        return " while iterating over the dataset"
    return ""


class _Text(str):
    """A KeyError's message shown as written (KeyError shows its argument's repr)."""

    def __repr__(self) -> str:
        return str(self)


class WorkerError:
    """An exception raised in a worker, sent to the main process: its type (where it can be pickled), the worker
    id, what the worker was doing (the failing index) and the worker's traceback, to raise again there."""

    def __init__(self, exc: BaseException, worker_id: int, where: str) -> None:
        exc_type = type(exc)
        try:
            pickle.dumps(exc_type)
        except Exception:  # a class defined inside a function: its name still goes into the message
            exc_type = None
        self.exc_type = exc_type
        name = type(exc).__qualname__
        self.message = (f"Caught {name} in DataLoader worker process {worker_id}{where}: {exc}\nOriginal "
                        + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))

    def reraise(self) -> None:
        """Raise the worker's exception here: the same type where it takes a message, else RuntimeError."""
        exc = None
        if self.exc_type is not None:
            try:
                exc = self.exc_type(_Text(self.message) if issubclass(self.exc_type, KeyError) else self.message)
            except Exception:
                exc = None
        raise (exc if isinstance(exc, BaseException) else RuntimeError(self.message)) from None


# --- the worker process -----------------------------------------------------------------------------------------
def _parent_gone(ppid: int, parent: Any) -> bool:
    return os.getppid() != ppid or (parent is not None and not parent.is_alive())


def worker_loop(iterable: bool, dataset: Any, index_queue: Any, conn: Any, auto_collation: bool,
                collate_fn: Callable, drop_last: bool, base_seed: int, init_fn: Callable | None, worker_id: int,
                num_workers: int, prefix: str, inline_bytes: int, in_flight: int) -> None:
    """Serve tasks ``(epoch, position, serial, indices, freed segment ids)`` from ``index_queue`` until None
    arrives (or the main process is gone); ``("resume", epoch)`` restarts the dataset's stream. Each answer goes back through ``conn``:
    ``("batch", epoch, position, serial, message)``, ``("error", ..., WorkerError)`` or ``("end", ...)``.
    ``in_flight`` bounds how many sent answers the main process may not have read yet."""
    global _info
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle: it stops the workers
    ppid, parent = os.getppid(), multiprocessing.parent_process()
    seed = base_seed + worker_id
    seed_worker(seed, base_seed, worker_id)
    _info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    make = IterFetcher if iterable else MapFetcher
    # the last segments sent: if the main process dies (SIGKILL) before reading them, nobody else can unlink them
    sent: collections.deque = collections.deque(maxlen=2 * in_flight + 2)  # two epochs' worth
    writer = _shm.Writer(inline_bytes)
    fetcher, failure, stage = None, None, " while running worker_init_fn"
    try:
        if init_fn is not None:
            init_fn(worker_id)
        stage = " while starting to iterate over the dataset"
        fetcher = make(dataset, auto_collation, collate_fn, drop_last)
    except Exception as e:
        failure = WorkerError(e, worker_id, stage)
    while True:
        try:
            task = index_queue.get(timeout=WATCHDOG_S)
        except queue.Empty:
            if _parent_gone(ppid, parent):
                for name in sent:  # the ones the main process did read are gone already
                    _shm.unlink(name)
                break
            continue
        if task is None:
            break
        if len(task) == 2:  # a new epoch of persistent workers: the stream starts again
            if failure is None and iterable:
                try:
                    fetcher = make(dataset, auto_collation, collate_fn, drop_last)
                except Exception as e:
                    failure = WorkerError(e, worker_id, " while starting to iterate over the dataset")
            continue
        epoch, position, serial, index, freed = task
        writer.release(freed)
        head = (epoch, position, serial)
        if failure is not None:
            msg = ("error", *head, failure)
        else:
            try:
                msg = ("batch", *head, writer.pack(fetcher.fetch(index), _shm.segment_name(prefix, serial)))
            except StopIteration:
                msg = ("end", *head)
            except Exception as e:
                msg = ("error", *head, WorkerError(e, worker_id, _where(fetcher.at)))
        try:
            conn.send(msg)
        except (OSError, ValueError):  # the main process stopped listening: it unlinks what it does not read
            if msg[0] == "batch":
                _shm.forget(msg[4])
            break
        if msg[0] == "batch" and msg[4][0] == "shm" and msg[4][2] is not None:
            sent.append(msg[4][2])
        del msg
    index_queue.cancel_join_thread()
    conn.close()
