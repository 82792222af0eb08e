"""The NCCL backend: collectives between GPUs through CuPy's NCCL bindings (``cupy.cuda.nccl``), the unique id of
the communicator handed from rank 0 to the others over MPI (which also launched the processes).

Buffers stay on the GPU: ``all_reduce`` and ``broadcast`` run in place on the current CuPy stream; the other
collectives go through MPI (host copies). Untested without a GPU in CI: the argument checks are tested.

>>> from funcgrad.distributed import _nccl
>>> sorted(_nccl.OPS)
['avg', 'max', 'min', 'product', 'sum']
"""
from __future__ import annotations

from typing import Any

from ._state import ReduceOp, Work

OPS = {"sum": "NCCL_SUM", "product": "NCCL_PROD", "max": "NCCL_MAX", "min": "NCCL_MIN", "avg": "NCCL_AVG"}
_DTYPES = {"int8": "NCCL_INT8", "uint8": "NCCL_UINT8", "int32": "NCCL_INT32", "uint32": "NCCL_UINT32",
           "int64": "NCCL_INT64", "uint64": "NCCL_UINT64", "float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32",
           "float64": "NCCL_FLOAT64"}


def _nccl_module() -> Any:
    try:
        from cupy.cuda import nccl
    except Exception as e:
        raise RuntimeError("backend='nccl' needs CuPy with NCCL (pip install cupy-cuda12x on a machine with NVIDIA "
                           "GPUs); use backend='mpi' on CPUs") from e
    if not getattr(nccl, "available", True):
        raise RuntimeError("backend='nccl': this CuPy was built without NCCL (cupy.cuda.nccl.available is False); "
                           "install a CuPy wheel with NCCL, or use backend='mpi'")
    return nccl


class NcclComm:
    """One NCCL communicator over the processes of an MPI communicator, one GPU each (``device``: this process's
    GPU index, by default its local rank)."""

    def __init__(self, mpi_comm: Any, device: Any) -> None:
        import cupy
        self.nccl = _nccl_module()
        index = device if isinstance(device, int) else int(str(device).rsplit(":", 1)[-1])
        cupy.cuda.Device(index).use()
        uid = self.nccl.get_unique_id() if mpi_comm.Get_rank() == 0 else None
        uid = mpi_comm.bcast(uid, root=0)  # a small tuple of ints, once at start-up
        self.size = mpi_comm.Get_size()
        self.comm = self.nccl.NcclCommunicator(self.size, uid, mpi_comm.Get_rank())

    def _array(self, tensor: Any, what: str) -> Any:
        from ..tensors.tensor import Tensor
        raw = tensor._v if isinstance(tensor, Tensor) else tensor
        while hasattr(raw, "_trace"):
            raw = raw.value
        if not hasattr(raw, "__cuda_array_interface__") or not raw.flags.c_contiguous:
            raise TypeError(f"{what} with backend='nccl' works on contiguous GPU (CuPy) arrays or Tensors; got "
                            f"{type(raw).__name__}: move it to the GPU (.cuda()), or use backend='mpi'")
        key = str(raw.dtype)
        if key not in _DTYPES:
            raise TypeError(f"{what}: NCCL has no {key} type; use one of {sorted(_DTYPES)}")
        return raw, getattr(self.nccl, _DTYPES[key])

    def _work(self, async_op: bool, after: Any = None) -> Work | None:
        import cupy
        stream = cupy.cuda.get_current_stream()
        if not async_op:
            stream.synchronize()
            if after is not None:
                after()
            return None
        event = stream.record()

        def finish() -> None:
            event.synchronize()
            if after is not None:
                after()
        return Work([], finish)

    def all_reduce(self, tensor: Any, op: ReduceOp, async_op: bool) -> Work | None:
        import cupy
        raw, dtype = self._array(tensor, "all_reduce")
        name = OPS[op.value]
        after = None
        if not hasattr(self.nccl, name):  # NCCL before 2.10 has no average: a sum, then a division
            name = "NCCL_SUM"
            after = lambda: raw.__itruediv__(self.size)  # noqa: E731
        self.comm.allReduce(raw.data.ptr, raw.data.ptr, raw.size, dtype, getattr(self.nccl, name),
                            cupy.cuda.get_current_stream().ptr)
        return self._work(async_op, after)

    def broadcast(self, tensor: Any, root: int, async_op: bool) -> Work | None:
        import cupy
        raw, dtype = self._array(tensor, "broadcast")
        self.comm.bcast(raw.data.ptr, raw.size, dtype, root, cupy.cuda.get_current_stream().ptr)
        return self._work(async_op)
