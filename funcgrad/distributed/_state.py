"""The process groups: starting and ending the default one on MPI (mpi4py, imported here on first use), groups of
a subset of the ranks, the reduction names and the work objects non-blocking operations return.

>>> import funcgrad.distributed as dist
>>> dist.is_initialized()
False
"""
from __future__ import annotations

import enum
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:
    from datetime import timedelta

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


class ProcessGroup:
    """A set of ranks with its own communicator: the default group (every process) or one from
    :func:`new_group`. ``comm`` is None on ranks outside the group."""

    def __init__(self, comm: Any, ranks: Sequence[int], backend: str, nccl: Any = None) -> None:
        self.comm = comm
        self.ranks = list(ranks)
        self.backend = backend
        self.nccl = nccl

    def rank(self) -> int:
        return -1 if self.comm is None else self.comm.Get_rank()

    def size(self) -> int:
        return len(self.ranks)

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self.backend!r}, ranks={self.ranks})"


class Work:
    """The handle of a non-blocking operation (``async_op=True``, ``isend``, ``irecv``): ``wait()`` blocks until
    it is done (and its results are in the buffers), ``is_completed()`` tests without blocking."""

    def __init__(self, requests: Sequence[Any], finish: Callable[[], None] | None = None) -> None:
        self._requests = list(requests)
        self._finish = finish
        self._done = False

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the operation has finished; True once it has."""
        if not self._done:
            if self._requests:
                _mpi().Request.Waitall(self._requests)
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
            sys.stderr.flush()
            _mpi().COMM_WORLD.Abort(1)

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
    sub = world.comm.Split(0 if me in members else MPI.UNDEFINED, key=members.index(me) if me in members else 0)
    if me not in members:
        return GroupMember.NON_GROUP_MEMBER
    g = ProcessGroup(sub, members, backend or world.backend)
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
    if async_op:
        return Work([pg.comm.Ibarrier()])
    pg.comm.Barrier()
    return None
