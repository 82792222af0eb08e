"""Starting and ending the default process group (``init_process_group``, ``destroy_process_group``): MPI's
communicator for every process launched together, NCCL's beside it for ``backend="nccl"``.

>>> import funcgrad.distributed as dist
>>> dist.init_process_group("tcp")  # doctest: +ELLIPSIS
Traceback (most recent call last):
ValueError: init_process_group: unknown backend 'tcp'; funcgrad runs 'mpi' (CPU, through mpi4py) and 'nccl' ...
"""
from __future__ import annotations

import os
import select
import signal
import sys
from datetime import timedelta
from typing import Any

from . import collectives
from ._nccl import NcclComm
from ._state import (_STATE, DEFAULT_TIMEOUT, ProcessGroup, _abort_on_uncaught_exception, _local_rank_from_env,
                     _mpi, _seconds, _wait, is_nccl_available)

__all__ = ["init_process_group", "destroy_process_group"]


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: timedelta | None = None, world_size: int = -1, rank: int = -1, store: Any = None,
                       group_name: str = "", pg_options: Any = None, device_id: Any = None) -> None:
    """Start the default process group: every process launched together (``mpiexec -n N python script.py``, or
    ``python -m funcgrad.distributed.run --nproc N script.py``) joins it.

    ``backend`` is ``"mpi"`` (the default; ``"gloo"`` is taken as a name for it: CPU collectives run on MPI) or
    ``"nccl"`` (GPU collectives through CuPy's NCCL, set up over MPI). Rank and world size come from MPI; an
    explicit ``rank`` / ``world_size`` must agree with them. A script run without a launcher is a world of one.
    ``timeout`` (a ``datetime.timedelta`` or seconds; default 60 s) bounds every wait for the other processes, in
    ``init_process_group`` itself and in each collective: a rank that does not arrive in time (hung, stuck in a
    long computation, or calling a different collective) makes the waiting ones print an error naming the
    operation, the timeout and the ranks that did not arrive, and abort the job (``MPI_Abort``). A rank that raises
    aborts the job too (after printing its traceback), and a killed rank is noticed by ``mpiexec``, which ends
    the others.

    >>> import funcgrad.distributed as dist
    >>> dist.init_process_group("mpi")  # doctest: +SKIP
    >>> dist.get_world_size()  # doctest: +SKIP
    1
    """
    del init_method, store, group_name, pg_options  # MPI's launcher does the rendezvous
    limit = _seconds(DEFAULT_TIMEOUT if timeout is None else timeout, "init_process_group")
    if _STATE.world is not None:
        raise RuntimeError("trying to initialize the default process group twice! (call destroy_process_group() "
                           "first)")
    name = (backend or "mpi").lower()
    if name == "gloo":
        name = "mpi"
    if name not in ("mpi", "nccl"):
        raise ValueError(f"init_process_group: unknown backend {backend!r}; funcgrad runs 'mpi' (CPU, through "
                         f"mpi4py) and 'nccl' (GPUs, through CuPy)")
    if name == "nccl" and not is_nccl_available():
        raise RuntimeError("init_process_group(backend='nccl') needs CuPy built with NCCL (pip install "
                           "cupy-cuda12x, with NCCL available: cupy.cuda.nccl) and a GPU; use backend='mpi' on CPUs")
    MPI = _start_mpi(limit)
    comm, req = MPI.COMM_WORLD.Idup()  # the first collective: with a deadline, like every later one
    _wait([req], ProcessGroup(MPI.COMM_WORLD, range(MPI.COMM_WORLD.Get_size()), name, timeout=limit), None,
          "init_process_group (every process must call it: one that has not after the timeout is missing)")
    n, me = comm.Get_size(), comm.Get_rank()
    if world_size not in (-1, None) and world_size != n:
        raise ValueError(f"init_process_group: world_size={world_size} but MPI started {n} processes; launch "
                         f"with mpiexec -n {world_size}, or leave world_size out")
    if rank not in (-1, None) and rank != me:
        raise ValueError(f"init_process_group: rank={rank} but MPI gives this process rank {me}; leave rank out "
                         f"(MPI numbers the processes)")
    local = _local_rank_from_env()
    if local is None:
        shared = comm.Split_type(MPI.COMM_TYPE_SHARED, key=me)
        local = shared.Get_rank()
        shared.Free()
    nccl = None
    if name == "nccl":
        nccl = NcclComm(comm, device_id if device_id is not None else local)
    _STATE.world = ProcessGroup(comm, range(n), name, nccl, timeout=limit, watch=comm.Dup())
    _STATE.local_rank = local
    _STATE.groups = []
    collectives._install()
    _abort_on_uncaught_exception()


def _start_mpi(limit: float) -> Any:
    """mpi4py's MPI, started within ``limit`` seconds: MPI_Init waits for every process of the job, holding the
    interpreter (no Python thread runs meanwhile), so a forked watcher ends this process if it takes longer,
    after printing why; ``mpiexec`` then ends the others."""
    if "mpi4py.MPI" in sys.modules or not hasattr(os, "fork"):
        return _mpi()
    rank = next((os.environ[v] for v in ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK") if v in os.environ), None)
    where = f"rank {rank}" if rank is not None else f"process {os.getpid()}"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the watcher: system calls only
        os.close(write)
        if not select.select([read], [], [], limit)[0]:
            os.write(2, (f"funcgrad.distributed: init_process_group did not finish within the timeout of {limit:g} s "
                         f"on {where}: starting MPI waits for every process of the job, and some "
                         f"did not call init_process_group; ending the job (raise the timeout with "
                         f"init_process_group(timeout=...) if they are only slow)\n").encode())
            os.kill(os.getppid(), signal.SIGTERM)
        os._exit(0)
    os.close(read)
    try:
        return _mpi()
    finally:
        os.close(write)  # the watcher wakes up and leaves
        os.waitpid(pid, 0)


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """End a process group (all of them, and the default one, without an argument). MPI itself stays up (it ends
    with the process), so :func:`init_process_group` may be called again."""
    if group is not None and group is not _STATE.world:
        _free(group)
        return
    if _STATE.world is None:
        raise RuntimeError("destroy_process_group: no process group is initialized (call init_process_group "
                           "first)")
    for g in _STATE.groups:
        _free(g)
    _free(_STATE.world)
    _STATE.world = None
    _STATE.groups = []
    collectives._uninstall()


def _free(group: ProcessGroup) -> None:
    for c in (group.comm, group.watch):
        if c is not None:
            c.Free()
    group.comm = group.watch = None
