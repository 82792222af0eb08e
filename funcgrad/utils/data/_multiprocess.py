"""The DataLoader iterator with worker processes.

The main process runs the sampler and hands each batch's indices to the workers in turn (task ``k`` to worker ``k
mod num_workers``, so a seed fixes which worker, and so which random augmentation, each batch gets), at most
``prefetch_factor`` tasks per worker ahead. Tasks go through one ``multiprocessing.Queue`` per worker (its feeder
thread never blocks the main process); answers come back through one pipe per worker, never shared, so a worker
killed mid-write corrupts nothing but its own pipe. The main process waits on those pipes and on the workers'
process sentinels together (``multiprocessing.connection.wait``): an answer, a worker's death (a segfault, the OOM
killer, SIGKILL) and ``timeout`` each wake it at once, with no polling.

Cleanup lives in a :class:`_Pool` object that a ``weakref.finalize`` of the iterator holds (and not the iterator
itself): the end of the epoch, ``break`` (the iterator is dropped), ``del``, an exception in the main process
(Ctrl-C included), a worker's error or death and interpreter exit all end in :meth:`_Pool.shutdown`. It stops the
workers (asks, then terminates, then kills), reads and frees what they sent meanwhile and, once none can create
another segment, unlinks the name of every task that was sent but whose answer was never read (or read and not yet
mapped: a task stays outstanding until its segment's name is gone, so a Ctrl-C between the two leaks nothing).
"""
from __future__ import annotations

import itertools
import os
import secrets
import signal
import time
import weakref
from multiprocessing.connection import wait
from typing import Any

from . import _shm
from ._worker import worker_loop

#: How long a shutdown waits for workers to finish the batch in hand before terminating them.
JOIN_S = 5.0

_signal_hints = {"SIGKILL": " (often the kernel's out-of-memory killer: try fewer workers or smaller batches)",
                 "SIGSEGV": " (a crash in native code: run with num_workers=0 to see it in the main process)",
                 "SIGBUS": " (often a full /dev/shm: enlarge it, e.g. docker run --shm-size, or use fewer workers)"}


class _Pool:
    """The workers of one iterator and the segment names that may still exist; owned by the process that made
    it (a forked child that inherits a copy never shuts it down)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.pid = os.getpid()
        self.workers: list = []
        self.queues: list = []
        self.conns: list = []
        self.readers: list = []  # the main side of each worker's shared-memory segments
        self.outstanding: set = set()  # serials of tasks sent whose segment name may still exist
        self.closed = False

    def shutdown(self, graceful: bool = True) -> None:
        if self.closed or os.getpid() != self.pid:
            return
        self.closed = True
        try:
            self._drain(JOIN_S if graceful else 0.0)
        finally:  # even if a second Ctrl-C cuts the wait short: no worker survives, no name stays
            self._stop()

    def _drain(self, within: float) -> None:
        """Ask the workers to stop and, for up to ``within`` seconds, free what they send meanwhile."""
        for w, q in zip(self.workers, self.queues):
            if w.is_alive():
                try:
                    q.put(None)
                except Exception:  # a queue already broken: the worker is terminated below
                    pass
        alive = {w.sentinel: w for w in self.workers if w.exitcode is None}
        listening = set(self.conns)
        deadline = time.monotonic() + within
        while alive and (left := deadline - time.monotonic()) > 0:
            for r in wait(list(listening) + list(alive), left):
                if r in alive:
                    del alive[r]
                    continue
                try:  # answers that nobody will use: free their segments now
                    msg = r.recv()
                except (EOFError, OSError):
                    listening.discard(r)
                    continue
                if msg[0] == "batch":
                    _shm.forget(msg[4])
                self.outstanding.discard(msg[3])  # after the unlink, as in MultiProcessIter._handle

    def _stop(self) -> None:
        for w in self.workers:
            if w.exitcode is None:
                w.terminate()
        for w in self.workers:
            w.join(JOIN_S)
            if w.is_alive():
                w.kill()
                w.join()
        for serial in self.outstanding:  # no worker is left to create one: every possible name can go
            _shm.unlink(_shm.segment_name(self.prefix, serial))
        self.outstanding.clear()
        for c in self.conns:
            c.close()
        for r in self.readers:
            r.close()
        for q in self.queues:
            q.cancel_join_thread()
            q.close()


def _death(worker: Any, wid: int) -> RuntimeError:
    worker.join(1.0)  # its pipe can report the end a moment before the process is reaped
    code = worker.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        how = f"was killed by {name}{_signal_hints.get(name, '')}"
    else:
        how = f"exited unexpectedly with exit code {code}"
    return RuntimeError(f"DataLoader worker {wid} (pid {worker.pid}) {how}; the batch it was loading is lost. Run "
                        f"with num_workers=0 to debug the dataset in the main process")


class MultiProcessIter:
    """Batches from ``loader.num_workers`` worker processes, in sampler order (or as they come, without
    ``in_order``); with persistent workers the DataLoader keeps it and calls :meth:`reset` each epoch."""

    def __init__(self, loader: Any, base_seed: int) -> None:
        ctx = loader.multiprocessing_context
        n = self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        self._pin = loader._pin
        self._length = loader._length_or_none
        self._serials = itertools.count()
        self._epoch = 0
        pool = self._pool = _Pool(f"/fgdl{os.getpid()}_{secrets.token_hex(3)}_")
        self._finalizer = weakref.finalize(self, pool.shutdown)
        iterable = loader._iterable
        try:
            for wid in range(n):
                q = ctx.Queue()
                reader, writer = ctx.Pipe(duplex=False)
                w = ctx.Process(target=worker_loop, daemon=True,
                                args=(iterable, loader.dataset, q, writer, loader._auto_collation,
                                      loader.collate_fn, loader.drop_last, base_seed, loader.worker_init_fn, wid, n,
                                      pool.prefix, _shm.INLINE_BYTES, self._prefetch * n))
                w.start()
                writer.close()  # the worker's end lives in the worker only: its death closes the pipe
                pool.workers.append(w)
                pool.queues.append(q)
                pool.conns.append(reader)
                pool.readers.append(_shm.Reader())
        except BaseException:
            pool.shutdown(graceful=False)
            raise
        self._wid_of = {c: i for i, c in enumerate(pool.conns)}
        self._wid_of.update({w.sentinel: i for i, w in enumerate(pool.workers)})
        self.reset(loader, first=True)

    @property
    def closed(self) -> bool:
        return self._pool.closed

    def reset(self, loader: Any, first: bool = False) -> None:
        """Start an epoch: answers still on their way from the last one are dropped (and freed) when they come."""
        self._epoch += 1
        self._sampler_iter = iter(loader._index_sampler)
        self._sent = 0  # positions handed out this epoch
        self._position = 0  # the next position to yield, in order
        self._tasks: dict = {}  # position -> worker id, until yielded
        self._ready: dict = {}  # position -> batch, received and not yet yielded
        self._active = [True] * self._num_workers  # False once its stream has ended (iterable datasets)
        self._cycle = itertools.cycle(range(self._num_workers))
        if not first:
            for q in self._pool.queues:
                q.put(("resume", self._epoch))
        for _ in range(self._prefetch * self._num_workers):
            self._put_task()

    def _put_task(self) -> None:
        for _ in range(self._num_workers):
            wid = next(self._cycle)
            if self._active[wid]:
                break
        else:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        serial = next(self._serials)
        self._pool.outstanding.add(serial)
        self._tasks[self._sent] = wid
        freed = self._pool.readers[wid].take_freed()
        self._pool.queues[wid].put((self._epoch, self._sent, serial, index, freed))
        self._sent += 1

    def __iter__(self) -> "MultiProcessIter":
        return self

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("this DataLoader's dataset has no len()")
        return self._length

    def __next__(self) -> Any:
        if self._pool.closed:
            raise StopIteration
        try:
            batch = self._next_batch()
        except StopIteration:
            if not self._persistent:
                self._pool.shutdown()
            raise
        except BaseException:  # a worker's error or death, a timeout, Ctrl-C: stop everything now
            self._pool.shutdown(graceful=False)
            raise
        return self._pin(batch)

    def _next_batch(self) -> Any:
        while True:
            while self._position < self._sent:  # skip positions yielded early or lost to an ended stream
                wid = self._tasks.get(self._position)
                if wid is not None and (self._position in self._ready or self._active[wid]):
                    break
                self._tasks.pop(self._position, None)
                self._position += 1
            else:
                raise StopIteration
            pos = self._position if self._in_order or not self._ready else next(iter(self._ready))
            if pos in self._ready:
                del self._tasks[pos]
                self._put_task()
                return self._ready.pop(pos)
            self._receive()

    def _receive(self) -> None:
        pool = self._pool
        ready = wait(pool.conns + [w.sentinel for w in pool.workers], self._timeout if self._timeout > 0 else None)
        if not ready:
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds waiting for the batch at "
                               f"position {self._position} (worker {self._tasks.get(self._position)}); raise timeout= "
                               f"or make the dataset faster")
        dead = []
        for r in ready:
            wid = self._wid_of[r]
            if r is pool.workers[wid].sentinel:
                dead.append(wid)
                continue
            try:
                msg = r.recv()
            except (EOFError, OSError):
                dead.append(wid)
                continue
            self._handle(msg, wid)
        for wid in dead:  # what it sent before dying still counts
            conn = pool.conns[wid]
            try:
                while conn.poll():
                    self._handle(conn.recv(), wid)
            except (EOFError, OSError):
                pass
            raise _death(pool.workers[wid], wid)

    def _handle(self, msg: tuple, wid: int) -> None:
        kind, epoch, pos, serial = msg[:4]
        reader = self._pool.readers[wid]
        if kind == "error":
            self._pool.outstanding.discard(serial)
            if epoch == self._epoch:
                msg[4].reraise()
            return
        if kind == "batch":
            if epoch != self._epoch:
                reader.discard(msg[4])
            else:
                self._ready[pos] = reader.unpack(msg[4])
        elif epoch == self._epoch:
            self._active[wid] = False
        # only once the segment is mapped (and its name unlinked): a Ctrl-C that lands in between leaves the name
        # among the outstanding ones, which shutdown unlinks
        self._pool.outstanding.discard(serial)
