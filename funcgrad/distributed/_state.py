"""The process groups: starting and ending the default one on MPI (mpi4py, imported here on first use), groups of
a subset of the ranks, the reduction names and the work objects non-blocking operations return.

>>> import funcgrad.distributed as dist
>>> dist.is_initialized()
False
"""
from __future__ import annotations

import enum
import os
import stat
import sys
import time
import traceback
from datetime import timedelta
from typing import Any, Callable, Sequence

__all__ = ["ReduceOp", "ProcessGroup", "Work", "GroupMember", "group", "is_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "new_group",
           "get_rank", "get_world_size", "get_local_rank", "get_backend", "get_process_group_ranks",
           "get_global_rank", "get_group_rank", "barrier"]


class ReduceOp(enum.Enum):
    """How a reduction combines the processes' values (``torch.distributed.ReduceOp``)."""
    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"


def _op(op: Any, where: str) -> ReduceOp:
    if isinstance(op, ReduceOp):
        return op
    if isinstance(op, str):
        key = {"mean": "avg", "prod": "product"}.get(op.lower(), op.lower())
        for o in ReduceOp:
            if o.value == key:
                return o
    raise ValueError(f"{where}: unknown reduction {op!r}; use one of ReduceOp.SUM, AVG, MAX, MIN, PRODUCT "
                     f"(or the strings 'sum', 'avg', 'max', 'min', 'product')")


def _mpi() -> Any:
    """mpi4py's MPI module (importing it starts MPI), or a clear error naming the install command."""
    try:
        from mpi4py import MPI
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("funcgrad.distributed needs mpi4py and an MPI runtime: pip install funcgrad[distributed] "
                           "(mpi4py and the mpich wheel), or mpi4py over a system MPI") from e
    return MPI


DEFAULT_TIMEOUT = timedelta(seconds=60)


def _seconds(timeout: Any, what: str) -> float:
    """A timeout (a ``datetime.timedelta``, as torch takes it, or a number of seconds) in seconds."""
    if isinstance(timeout, timedelta):
        sec = timeout.total_seconds()
    elif isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        sec = float(timeout)
    else:
        raise TypeError(f"{what}: timeout must be a datetime.timedelta (or a number of seconds), got "
                        f"{type(timeout).__name__}")
    if not sec > 0:
        raise ValueError(f"{what}: timeout must be positive, got {sec} s")
    return sec


class ProcessGroup:
    """A set of ranks with its own communicator: the default group (every process) or one from
    :func:`new_group`. ``comm`` is None on ranks outside the group. ``timeout`` (seconds) bounds every wait on
    it; ``watch``, a second communicator over the same ranks, carries the questions a rank that timed out asks
    the others (which collective they have reached)."""

    def __init__(self, comm: Any, ranks: Sequence[int], backend: str, nccl: Any = None,
                 timeout: float = 60.0, watch: Any = None) -> None:
        self.comm = comm
        self.ranks = list(ranks)
        self.backend = backend
        self.nccl = nccl
        self.timeout = timeout
        self.watch = watch
        self.issued = 0  # collectives started on this group, numbered alike on every rank
        self.waiting: tuple | None = None  # (number, name) of the collective this rank waits for
        self._replies: list = []

    def _issue(self) -> int:
        self.issued += 1
        return self.issued

    def rank(self) -> int:
        return -1 if self.comm is None else self.comm.Get_rank()

    def size(self) -> int:
        return len(self.ranks)

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self.backend!r}, ranks={self.ranks})"


_ASK, _TELL = 1, 2  # tags on a group's watch communicator


def _answer(pg: ProcessGroup) -> None:
    """Reply to every rank that timed out and asks where this one is: (collectives issued, the one waited for)."""
    w = pg.watch
    if w is None:
        return
    MPI = _mpi()
    status = MPI.Status()
    while w.iprobe(source=MPI.ANY_SOURCE, tag=_ASK, status=status):
        w.recv(source=status.Get_source(), tag=_ASK)
        pg._replies.append(w.isend((pg.issued, pg.waiting), dest=status.Get_source(), tag=_TELL))


def _ask_peers(pg: ProcessGroup, grace: float) -> dict:
    """The answers of the other ranks of ``pg`` (group rank -> (issued, waiting)) within ``grace`` seconds: a rank
    that waits in a funcgrad collective answers; one that is busy elsewhere, hung or dead does not."""
    MPI = _mpi()
    w, me = pg.watch, pg.rank()
    peers = [r for r in range(pg.size()) if r != me]
    asks = [w.isend(None, dest=r, tag=_ASK) for r in peers]
    replies: dict = {}
    end = time.monotonic() + grace
    status = MPI.Status()
    while len(replies) < len(peers) and time.monotonic() < end:
        _answer(pg)
        if w.iprobe(source=MPI.ANY_SOURCE, tag=_TELL, status=status):
            replies[status.Get_source()] = w.recv(source=status.Get_source(), tag=_TELL)
        else:
            time.sleep(0.001)
    del asks
    return replies


def _timed_out(pg: ProcessGroup, seq: int | None, what: str, limit: float) -> None:
    """Report a wait that outlived the timeout, naming the ranks that did not arrive where they can be found
    out, then end the job: a collective some rank never joins cannot be taken back, and waiting longer hangs."""
    me = pg.ranks[pg.rank()] if pg.comm is not None else "?"
    msg = f"funcgrad.distributed: {what} did not finish within the timeout of {limit:g} s on rank {me}"
    if seq is not None and pg.watch is not None and pg.size() > 1:
        replies = _ask_peers(pg, min(2.0, max(0.25, limit / 4)))
        late, notes = [], []
        for r in range(pg.size()):
            if r == pg.rank():
                continue
            g = pg.ranks[r]
            if r not in replies:
                late.append(g)
                notes.append(f"rank {g} did not answer (busy outside funcgrad.distributed, hung or dead)")
            elif replies[r][0] < seq:
                late.append(g)
                where = replies[r][1]
                notes.append(f"rank {g} has started {replies[r][0]} collectives on this group" +
                             (f" and waits in {where[1]} (#{where[0]})" if where else ""))
        msg += (f" (collective #{seq} on {pg}); ranks that did not arrive: {late}" +
                (f": {'; '.join(notes)}" if notes else " (every rank reached it: a mismatch of collectives?)"))
    msg += (". Aborting every rank (MPI_Abort). If the ranks are only slow, raise the timeout: "
            "init_process_group(timeout=datetime.timedelta(seconds=...)); the call that waited:\n")
    sys.stderr.write(msg + "".join(traceback.format_stack()[:-3]))
    _abort_job()


def _abort_job() -> None:
    """``MPI_Abort`` once what this rank printed has left it: the launcher reads a rank's output from a pipe and
    may act on the abort first (the job then ends with its last words lost), so wait, a few seconds at most, until
    the pipes behind stdout and stderr are read empty."""
    try:
        import fcntl
        import struct
        import termios
    except ImportError:  # (Windows: no pipes to query)
        fcntl = None
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    end = time.monotonic() + 3.0
    for fd in (1, 2) if fcntl is not None else ():
        try:
            if not stat.S_ISFIFO(os.fstat(fd).st_mode):  # a terminal or a file: nothing to wait for
                continue
        except OSError:
            continue
        while time.monotonic() < end:
            try:
                left = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
            except OSError:
                break
            if left <= 0:
                break
            time.sleep(0.005)
    time.sleep(0.05)  # from the launcher's reader to its own output
    _mpi().COMM_WORLD.Abort(1)


def _wait(requests: list, pg: ProcessGroup, seq: int | None, what: str, timeout: float | None = None,
          statuses: list | None = None) -> None:
    """Wait for MPI ``requests`` (of collective number ``seq`` on ``pg``, or a point-to-point operation when None),
    at most ``timeout`` seconds (the group's when None), then abort the job with an error naming ``what``.

    MPI's own waits have no deadline, so this polls: tight ``Testall`` calls first (each drives MPI's progress, so
    a small collective finishes as fast as a blocking one), a yield of the processor every few polls (ranks may
    outnumber the cores), and after a second of waiting a millisecond's sleep between tests."""
    MPI = _mpi()
    test = MPI.Request.Testall
    if test(requests, statuses):
        return
    limit = pg.timeout if timeout is None else timeout
    start = time.monotonic()
    before, pg.waiting = pg.waiting, (seq, what)
    yield_cpu = getattr(os, "sched_yield", None)
    polls = 0
    try:
        while not test(requests, statuses):
            polls += 1
            if polls & 63:
                if not polls & 15 and yield_cpu is not None:
                    yield_cpu()
                continue
            _answer(pg)
            waited = time.monotonic() - start
            if waited >= limit:
                _timed_out(pg, seq, what, limit)
            if waited > 1.0:
                time.sleep(0.001)
    finally:
        pg.waiting = before


class Work:
    """The handle of a non-blocking operation (``async_op=True``, ``isend``, ``irecv``): ``wait()`` blocks until
    it is done (and its results are in the buffers), ``is_completed()`` tests without blocking."""

    def __init__(self, requests: Sequence[Any], finish: Callable[[], None] | None = None,
                 pg: ProcessGroup | None = None, seq: int | None = None, what: str = "operation") -> None:
        self._requests = list(requests)
        self._finish = finish
        self._done = False
        self._pg, self._seq, self._what = pg, seq, what

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def wait(self, timeout: timedelta | float | None = None) -> bool:
        """Block until the operation has finished; True once it has. A wait longer than ``timeout`` (the process
        group's, from ``init_process_group(timeout=)``, when None) ends the job with an error naming the
        operation and the ranks that did not arrive."""
        if not self._done:
            if self._requests:
                limit = None if timeout is None else _seconds(timeout, f"{self._what}: Work.wait")
                if self._pg is None:
                    _mpi().Request.Waitall(self._requests)
                else:
                    _wait(self._requests, self._pg, self._seq, self._what, limit)
            self._complete()
        return True

    def is_completed(self) -> bool:
        """Whether the operation has finished (its buffers hold the results), without blocking."""
        if not self._done and (not self._requests or _mpi().Request.Testall(self._requests)):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def result(self) -> list:
        self.wait()
        return []


class _State:
    world: ProcessGroup | None = None
    local_rank: int | None = None
    groups: list = []


_STATE = _State()


class GroupMember:
    """``GroupMember.WORLD`` is the default group once started; ``NON_GROUP_MEMBER`` what :func:`new_group`
    gives ranks it does not include."""
    NON_GROUP_MEMBER = None

    @property
    def WORLD(self) -> ProcessGroup | None:  # noqa: N802  (torch's name)
        return _STATE.world


class _GroupNamespace:
    """``dist.group.WORLD``: the default process group (None before :func:`init_process_group`)."""

    @property
    def WORLD(self) -> ProcessGroup | None:  # noqa: N802  (torch's name)
        return _STATE.world


group = _GroupNamespace()
GroupMember = GroupMember()  # type: ignore[misc]  (one instance: its WORLD follows the default group)


def is_available() -> bool:
    """True: the package is always importable (the MPI runtime is looked for by :func:`init_process_group`).

    >>> import funcgrad.distributed as dist
    >>> dist.is_available()
    True
    """
    return True


def is_mpi_available() -> bool:
    """Whether mpi4py can be imported (without starting MPI)."""
    import importlib.util
    return importlib.util.find_spec("mpi4py") is not None


def is_nccl_available() -> bool:
    """Whether CuPy with NCCL support is installed."""
    try:
        from cupy.cuda import nccl  # noqa: F401
    except Exception:
        return False
    return bool(getattr(nccl, "available", True))


def is_initialized() -> bool:
    """Whether the default process group has been started (and not destroyed).

    >>> import funcgrad.distributed as dist
    >>> dist.is_initialized()
    False
    """
    return _STATE.world is not None


def _default(what: str) -> ProcessGroup:
    if _STATE.world is None:
        raise RuntimeError(f"{what}: the default process group has not been initialized; call "
                           f"funcgrad.distributed.init_process_group(backend='mpi') first (and launch the script "
                           f"with mpiexec -n N python script.py)")
    return _STATE.world


def _group(g: ProcessGroup | None, what: str) -> ProcessGroup:
    pg = _default(what) if g is None else g
    if not isinstance(pg, ProcessGroup):
        raise TypeError(f"{what}: group must be a ProcessGroup from new_group (or None for the default group), "
                        f"got {type(g).__name__}")
    if pg.comm is None:
        raise RuntimeError(f"{what}: this process (rank {get_rank()}) is not a member of {pg}; only its members "
                           f"may call collectives on it")
    return pg


def _local_rank_from_env() -> int | None:
    for var in ("LOCAL_RANK", "MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "MV2_COMM_WORLD_LOCAL_RANK",
                "PMI_LOCAL_RANK", "SLURM_LOCALID"):
        v = os.environ.get(var)
        if v is not None and v.strip().isdigit():
            return int(v)
    return None


def _abort_on_uncaught_exception() -> None:
    """An exception that ends one rank aborts the job (so the other ranks fail too rather than wait forever in
    a collective), after the traceback is printed: what ``python -m mpi4py`` does."""
    if getattr(sys.excepthook, "_funcgrad_abort", False):
        return
    previous = sys.excepthook

    def hook(kind, value, tb):
        previous(kind, value, tb)
        if _STATE.world is not None and _STATE.world.size() > 1:
            sys.stderr.write(f"funcgrad.distributed: rank {_STATE.world.rank()} raised {kind.__name__}; "
                             f"aborting every rank\n")
            _abort_job()

    hook._funcgrad_abort = True
    sys.excepthook = hook


def new_group(ranks: Sequence[int] | None = None, timeout: timedelta | None = None, backend: str | None = None,
              pg_options: Any = None, use_local_synchronization: bool = False) -> ProcessGroup | None:
    """A process group of ``ranks`` (global ranks; every rank when None), with a communicator of its own.

    Every process of the default group must call it, with the same ranks (as in torch); ranks outside get
    ``GroupMember.NON_GROUP_MEMBER`` (None). Collectives take it as ``group=``.
    """
    world = _default("new_group")
    members = list(range(world.size())) if ranks is None else sorted(int(r) for r in ranks)
    if len(set(members)) != len(members) or any(not 0 <= r < world.size() for r in members):
        raise ValueError(f"new_group: ranks must be distinct global ranks in [0, {world.size()}), got {ranks}")
    me = world.rank()
    MPI = _mpi()
    limit = world.timeout if timeout is None else _seconds(timeout, "new_group")
    # MPI's Split has no deadline: a barrier with one first, so that a rank that never comes is reported
    _wait([world.comm.Ibarrier()], world, world._issue(), "new_group", limit)
    sub = world.comm.Split(0 if me in members else MPI.UNDEFINED, key=members.index(me) if me in members else 0)
    if me not in members:
        return GroupMember.NON_GROUP_MEMBER
    g = ProcessGroup(sub, members, backend or world.backend, timeout=limit, watch=sub.Dup())
    _STATE.groups.append(g)
    return g


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (the default group when None; -1 outside ``group``)."""
    if group is None:
        return _default("get_rank").rank()
    return group.rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of processes in ``group`` (the default group when None)."""
    return (_default("get_world_size") if group is None else group).size()


def get_local_rank() -> int:
    """This process's rank among the processes on its machine (from the launcher's environment, or a
    shared-memory communicator): the GPU index to use."""
    _default("get_local_rank")
    return _STATE.local_rank


def get_backend(group: ProcessGroup | None = None) -> str:
    return (_default("get_backend") if group is None else group).backend


def get_process_group_ranks(group: ProcessGroup) -> list:
    """The global ranks of ``group``, in its rank order."""
    return list((_default("get_process_group_ranks") if group is None else group).ranks)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    return get_process_group_ranks(group)[group_rank]


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    ranks = get_process_group_ranks(group)
    if global_rank not in ranks:
        raise ValueError(f"get_group_rank: global rank {global_rank} is not in {group}")
    return ranks.index(global_rank)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Wait until every process of ``group`` has reached this call."""
    pg = _group(group, "barrier")
    seq = pg._issue()
    if async_op:
        return Work([pg.comm.Ibarrier()], None, pg, seq, "barrier")
    _wait([pg.comm.Ibarrier()], pg, seq, "barrier")
    return None
