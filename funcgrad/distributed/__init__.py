"""``torch.distributed`` for funcgrad: process groups and collectives on MPI (mpi4py, imported when a group
starts, never by ``import funcgrad``) for CPUs, NCCL through CuPy for GPUs; differentiable collectives and
``psum`` / ``pmean`` for the functional face in :mod:`.functional`.

Launch a script on N processes with ``mpiexec -n N python train.py`` (or ``python -m funcgrad.distributed.run
--nproc N train.py``); each process calls :func:`init_process_group` first.

>>> import funcgrad.distributed as dist
>>> dist.is_available(), dist.is_initialized()
(True, False)
"""
from ._state import (GroupMember, ProcessGroup, ReduceOp, Work, barrier, get_backend, get_global_rank,
                     get_group_rank, get_local_rank, get_process_group_ranks, get_rank, get_world_size, group,
                     is_available, is_initialized, is_mpi_available, is_nccl_available, new_group)
from ._init import destroy_process_group, init_process_group
from .collectives import (all_gather, all_gather_into_tensor, all_reduce, all_to_all_single, broadcast, gather,
                          irecv, isend, recv, reduce, reduce_scatter, reduce_scatter_tensor, scatter, send)
from . import functional  # noqa: F401
from .functional import pmean, psum

__all__ = ["ReduceOp", "ProcessGroup", "Work", "GroupMember", "group", "is_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "init_process_group", "destroy_process_group", "new_group",
           "get_rank", "get_world_size", "get_local_rank", "get_backend", "get_process_group_ranks",
           "get_global_rank", "get_group_rank", "barrier", "all_reduce", "reduce", "broadcast", "all_gather",
           "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter",
           "all_to_all_single", "send", "recv", "isend", "irecv", "functional", "psum", "pmean"]
