"""Starting and ending the default process group (``init_process_group``, ``destroy_process_group``): MPI's
communicator for every process launched together, NCCL's beside it for ``backend="nccl"``.

>>> import funcgrad.distributed as dist
>>> dist.init_process_group("tcp")  # doctest: +ELLIPSIS
Traceback (most recent call last):
ValueError: init_process_group: unknown backend 'tcp'; funcgrad runs 'mpi' (CPU, through mpi4py) and 'nccl' ...
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import collectives
from ._nccl import NcclComm
from ._state import (_STATE, ProcessGroup, _abort_on_uncaught_exception, _local_rank_from_env, _mpi,
                     is_nccl_available)

if TYPE_CHECKING:
    from datetime import timedelta

__all__ = ["init_process_group", "destroy_process_group"]


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: timedelta | None = None, world_size: int = -1, rank: int = -1, store: Any = None,
                       group_name: str = "", pg_options: Any = None, device_id: Any = None) -> None:
    """Start the default process group: every process launched together (``mpiexec -n N python script.py``, or
    ``python -m funcgrad.distributed.run --nproc N script.py``) joins it.

    ``backend`` is ``"mpi"`` (the default; ``"gloo"`` is taken as a name for it: CPU collectives run on MPI) or
    ``"nccl"`` (GPU collectives through CuPy's NCCL, set up over MPI). Rank and world size come from MPI; an
    explicit ``rank`` / ``world_size`` must agree with them. A script run without a launcher is a world of one.
    ``timeout`` is accepted for torch's signature; MPI's collectives have none, but a rank that raises aborts the
    job (after printing its traceback) and a killed rank is noticed by ``mpiexec``, which ends the others.

    >>> import funcgrad.distributed as dist
    >>> dist.init_process_group("mpi")  # doctest: +SKIP
    >>> dist.get_world_size()  # doctest: +SKIP
    1
    """
    del init_method, store, group_name, pg_options, timeout  # MPI's launcher does the rendezvous
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
    MPI = _mpi()
    comm = MPI.COMM_WORLD.Dup()
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
    _STATE.world = ProcessGroup(comm, range(n), name, nccl)
    _STATE.local_rank = local
    _STATE.groups = []
    collectives._install()
    _abort_on_uncaught_exception()


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """End a process group (all of them, and the default one, without an argument). MPI itself stays up (it ends
    with the process), so :func:`init_process_group` may be called again."""
    if group is not None and group is not _STATE.world:
        if group.comm is not None:
            group.comm.Free()
            group.comm = None
        return
    if _STATE.world is None:
        raise RuntimeError("destroy_process_group: no process group is initialized (call init_process_group "
                           "first)")
    for g in _STATE.groups:
        if g.comm is not None:
            g.comm.Free()
            g.comm = None
    _STATE.world.comm.Free()
    _STATE.world = None
    _STATE.groups = []
    collectives._uninstall()
