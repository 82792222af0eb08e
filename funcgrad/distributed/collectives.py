"""torch.distributed's collectives and point-to-point operations on NumPy arrays and Tensors, through MPI.

Every operation works in place on the buffers it is given, as torch's: the arrays' own memory goes to MPI by the
buffer protocol (nothing is pickled). A Tensor's array is written in place when it is writeable and contiguous
(so ``dist.all_reduce(p.grad)`` and ``dist.broadcast(p.data, 0)`` update ``p``, as in torch), else the Tensor is
rebound to the result. CuPy arrays travel through host memory on the MPI backend; the NCCL backend keeps them on
the GPU. ``async_op=True`` returns a :class:`Work` (MPI's non-blocking collectives), whose ``wait()`` leaves the
results in the buffers.

>>> import numpy as np, funcgrad.distributed as dist
>>> dist.all_reduce(np.ones(2))  # doctest: +ELLIPSIS
Traceback (most recent call last):
RuntimeError: all_reduce: the default process group has not been initialized; call ...init_process_group(...)...
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..backend import namespace
from ..core import Box
from ..primitives import collectives as _prims
from ..tensors.inplace import write_through
from ..tensors.tensor import GRAPH, Tensor
from ._state import ProcessGroup, ReduceOp, Work, _group, _mpi, _op, _wait

__all__ = ["all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
           "reduce_scatter_tensor", "gather", "scatter", "all_to_all_single", "send", "recv", "isend", "irecv"]


class _Buf:
    """A caller's array or Tensor as an MPI buffer: ``arr`` is contiguous host memory; ``done()`` puts what MPI
    wrote back where the caller will look (a no-op when ``arr`` is the caller's own memory)."""
    __slots__ = ("obj", "arr", "direct", "device")

    def __init__(self, obj: Any, what: str, name: str, writes: bool) -> None:
        self.obj = obj
        if isinstance(obj, Tensor):
            v = obj._v
            if type(v) is Box:
                if v._trace is not GRAPH or type(v.value) is Box:
                    raise TypeError(f"{what}: {name} is traced by a transform (grad, vmap ...); under a transform "
                                    f"use funcgrad.distributed.functional.{what}, which is differentiable")
                if writes and v.node.prim is not None:
                    raise RuntimeError(f"{what}: {name} is a non-leaf tensor recorded for backward, and a collective "
                                       f"would overwrite it in place without a gradient; pass {name}.detach(), or "
                                       f"use funcgrad.distributed.functional.{what} to differentiate through it")
                v = v.value
            raw = v
        else:
            raw = obj
        if isinstance(raw, (np.ndarray, np.generic)) or not hasattr(raw, "__cuda_array_interface__"):
            if not isinstance(raw, np.ndarray):
                if writes:
                    raise TypeError(f"{what}: {name} must be a NumPy array or a Tensor (written in place), got "
                                    f"{type(raw).__name__}")
                raw = np.asarray(raw)
            self.device = False
        else:  # a CuPy array: MPI sees a host copy
            self.device = True
        if self.device:
            self.arr = namespace(raw).asnumpy(raw)
            self.direct = False
        elif raw.flags.c_contiguous and (raw.flags.writeable or not writes):
            self.arr, self.direct = raw, True
        else:
            self.arr, self.direct = np.ascontiguousarray(raw).copy(), False
        if self.arr.dtype.kind not in "biufc":
            raise TypeError(f"{what}: {name} has dtype {self.arr.dtype}, which MPI cannot reduce or send; use a "
                            f"numeric or bool dtype")

    def done(self) -> None:
        if self.direct:
            return
        obj = self.obj
        if isinstance(obj, Tensor):
            new = self.arr
            if self.device:
                new = namespace(_raw(obj)).asarray(new)
            write_through(obj, new, "funcgrad.distributed")
        elif self.device:
            obj.set(self.arr)
        else:
            obj[...] = self.arr


def _raw(obj: Any) -> Any:
    v = obj._v if isinstance(obj, Tensor) else obj
    while type(v) is Box:
        v = v.value
    return v


_MPI_OPS = {ReduceOp.SUM: "SUM", ReduceOp.AVG: "SUM", ReduceOp.MAX: "MAX", ReduceOp.MIN: "MIN",
            ReduceOp.PRODUCT: "PROD"}


def _mpi_op(op: ReduceOp, arr: np.ndarray, what: str) -> Any:
    if op is ReduceOp.AVG and arr.dtype.kind not in "fc":
        raise TypeError(f"{what}: ReduceOp.AVG on a {arr.dtype} array would round; reduce with ReduceOp.SUM and "
                        f"divide by the world size, or use a floating dtype")
    return getattr(_mpi(), _MPI_OPS[op])


def _finish(bufs: Sequence[_Buf], scale: float | None = None, after: Any = None):
    def finish() -> None:
        if scale is not None:
            for b in bufs:
                b.arr /= scale
        if after is not None:
            after()
        for b in bufs:
            b.done()
    return finish


def _run(pg: ProcessGroup, async_op: bool, what: str, start: Any, finish: Any) -> Work | None:
    """Start a collective (MPI's non-blocking form, ``start()``); return its Work, or wait for it within the
    group's timeout (MPI's blocking calls could wait forever for a rank that never comes)."""
    seq = pg._issue()
    req = start()
    if async_op:
        return Work([req], finish, pg, seq, what)
    _wait([req], pg, seq, what)
    finish()
    return None


def _check_same(pg: ProcessGroup, what: str, arr: np.ndarray, extra: int = 0) -> None:
    """Raise the same clear error on every rank when the ranks' buffers differ in size or dtype (MPI itself would
    truncate, hang or read garbage). One small allgather; skipped for a single process."""
    if pg.size() == 1:
        return
    code = arr.dtype.num
    sig = np.array([arr.size, code, arr.dtype.itemsize, extra], dtype=np.int64)
    every = np.empty((pg.size(), 4), dtype=np.int64)
    _wait([pg.comm.Iallgather(sig, every)], pg, pg._issue(), what)
    if (every != every[0]).any():
        desc = ", ".join(f"rank {pg.ranks[r]}: {int(n)} elements of {np.dtype(_DTYPES.get(int(c), 'V'))}"
                         for r, (n, c, _, _) in enumerate(every))
        raise ValueError(f"{what}: the processes passed buffers of different sizes or dtypes ({desc}); every rank "
                         f"must pass the same shape and dtype")


_DTYPES = {np.dtype(t).num: np.dtype(t) for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                                   np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                                                   np.float64, np.complex64, np.complex128)}


def _nccl(pg: ProcessGroup) -> Any:
    return pg.nccl if pg.backend == "nccl" and pg.nccl is not None else None


def all_reduce(tensor: Any, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` over the processes of ``group``, leaving the result in ``tensor`` on every one.

    >>> import numpy as np, funcgrad.distributed as dist
    >>> x = np.ones(3)
    >>> dist.all_reduce(x, op=dist.ReduceOp.SUM)  # doctest: +SKIP
    >>> x  # with 2 processes  # doctest: +SKIP
    array([2., 2., 2.])
    """
    pg = _group(group, "all_reduce")
    op = _op(op, "all_reduce")
    if _nccl(pg) is not None:
        return _nccl(pg).all_reduce(tensor, op, async_op)
    b = _Buf(tensor, "all_reduce", "tensor", True)
    mop = _mpi_op(op, b.arr, "all_reduce")
    if not async_op:
        _check_same(pg, "all_reduce", b.arr)
    MPI = _mpi()
    scale = pg.size() if op is ReduceOp.AVG else None
    return _run(pg, async_op, "all_reduce", lambda: pg.comm.Iallreduce(MPI.IN_PLACE, b.arr, mop),
                _finish([b], scale))


def _root(pg: ProcessGroup, rank: int | None, group_rank: int | None, what: str, name: str) -> int:
    """The group rank of a root given as a global rank (torch's ``src=``/``dst=``) or a group rank."""
    if group_rank is not None:
        r = int(group_rank)
        if not 0 <= r < pg.size():
            raise ValueError(f"{what}: group_{name}={group_rank} is outside the group's {pg.size()} ranks")
        return r
    if rank not in pg.ranks:
        raise ValueError(f"{what}: {name}={rank} is not a rank of {pg} (give global ranks, or group_{name}=)")
    return pg.ranks.index(rank)


def reduce(tensor: Any, dst: int | None = None, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Reduce ``tensor`` over the processes into ``tensor`` on rank ``dst`` only."""
    pg = _group(group, "reduce")
    root = _root(pg, dst, group_dst, "reduce", "dst")
    op = _op(op, "reduce")
    b = _Buf(tensor, "reduce", "tensor", True)
    mop = _mpi_op(op, b.arr, "reduce")
    MPI = _mpi()
    me = pg.rank() == root
    send = MPI.IN_PLACE if me else b.arr
    scale = pg.size() if op is ReduceOp.AVG and me else None
    return _run(pg, async_op, "reduce", lambda: pg.comm.Ireduce(send, b.arr if me else None, mop, root),
                _finish([b] if me else [], scale))


def broadcast(tensor: Any, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every process of ``group``."""
    pg = _group(group, "broadcast")
    root = _root(pg, src, group_src, "broadcast", "src")
    if _nccl(pg) is not None:
        return _nccl(pg).broadcast(tensor, root, async_op)
    b = _Buf(tensor, "broadcast", "tensor", True)
    if not async_op:
        _check_same(pg, "broadcast", b.arr)
    return _run(pg, async_op, "broadcast", lambda: pg.comm.Ibcast(b.arr, root), _finish([b]))


def _shape(x: Any) -> tuple:
    return tuple(np.shape(_raw(x)))


def all_gather(tensor_list: list, tensor: Any, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Every process's ``tensor``, in rank order, into ``tensor_list`` (one buffer per process, each of
    ``tensor``'s shape and dtype)."""
    pg = _group(group, "all_gather")
    n = pg.size()
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != n:
        raise ValueError(f"all_gather: tensor_list must be a list of {n} buffers (one per process of the group), "
                         f"got {type(tensor_list).__name__} of length {len(tensor_list)}")
    src = _Buf(tensor, "all_gather", "tensor", False)
    outs = [_Buf(t, "all_gather", f"tensor_list[{i}]", True) for i, t in enumerate(tensor_list)]
    for i, o in enumerate(outs):
        if o.arr.shape != src.arr.shape or o.arr.dtype != src.arr.dtype:
            raise ValueError(f"all_gather: tensor_list[{i}] is {o.arr.dtype}{list(o.arr.shape)} but tensor is "
                             f"{src.arr.dtype}{list(src.arr.shape)}; each output must match the input")
    flat = np.empty((n,) + src.arr.shape, dtype=src.arr.dtype)
    if not async_op:
        _check_same(pg, "all_gather", src.arr)

    def scatter_back() -> None:
        for i, o in enumerate(outs):
            o.arr[...] = flat[i]
    return _run(pg, async_op, "all_gather", lambda: pg.comm.Iallgather(src.arr, flat),
                _finish(outs, after=scatter_back))


def all_gather_into_tensor(output_tensor: Any, input_tensor: Any, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Every process's ``input_tensor`` into ``output_tensor``, concatenated along the first axis (shape
    ``(world * d0, ...)``) or stacked (shape ``(world, ...)``)."""
    pg = _group(group, "all_gather_into_tensor")
    n = pg.size()
    src = _Buf(input_tensor, "all_gather_into_tensor", "input_tensor", False)
    out = _Buf(output_tensor, "all_gather_into_tensor", "output_tensor", True)
    s = src.arr.shape
    ok = [(n,) + s] + ([(n * s[0],) + s[1:]] if s else [])
    if out.arr.shape not in ok or out.arr.dtype != src.arr.dtype:
        raise ValueError(f"all_gather_into_tensor: output_tensor is {out.arr.dtype}{list(out.arr.shape)}, but for "
                         f"{n} processes with input {src.arr.dtype}{list(s)} it must be "
                         f"{' or '.join(str(list(k)) for k in ok)} of dtype {src.arr.dtype}")
    if not async_op:
        _check_same(pg, "all_gather_into_tensor", src.arr)
    return _run(pg, async_op, "all_gather_into_tensor", lambda: pg.comm.Iallgather(src.arr, out.arr),
                _finish([out]))


def reduce_scatter(output: Any, input_list: list, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
                   async_op: bool = False) -> Work | None:
    """Reduce ``input_list[r]`` over the processes into ``output`` on rank ``r`` (one input per process, each of
    ``output``'s shape)."""
    pg = _group(group, "reduce_scatter")
    n = pg.size()
    if not isinstance(input_list, (list, tuple)) or len(input_list) != n:
        raise ValueError(f"reduce_scatter: input_list must be a list of {n} buffers (one per process), got "
                         f"{type(input_list).__name__} of length {len(input_list)}")
    out = _Buf(output, "reduce_scatter", "output", True)
    ins = [_Buf(t, "reduce_scatter", f"input_list[{i}]", False).arr for i, t in enumerate(input_list)]
    for i, a in enumerate(ins):
        if a.shape != out.arr.shape or a.dtype != out.arr.dtype:
            raise ValueError(f"reduce_scatter: input_list[{i}] is {a.dtype}{list(a.shape)} but output is "
                             f"{out.arr.dtype}{list(out.arr.shape)}; each input must match the output")
    return _reduce_scatter_flat(pg, out, np.stack(ins), op, async_op, "reduce_scatter")


def reduce_scatter_tensor(output: Any, input: Any, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
                          async_op: bool = False) -> Work | None:
    """Reduce ``input`` (shape ``(world * d0, ...)`` or ``(world, ...)``) over the processes; rank ``r`` keeps block
    ``r`` in ``output``."""
    pg = _group(group, "reduce_scatter_tensor")
    n = pg.size()
    out = _Buf(output, "reduce_scatter_tensor", "output", True)
    src = _Buf(input, "reduce_scatter_tensor", "input", False).arr
    s = out.arr.shape
    ok = [(n,) + s] + ([(n * s[0],) + s[1:]] if s else [])
    if src.shape not in ok or src.dtype != out.arr.dtype:
        raise ValueError(f"reduce_scatter_tensor: input is {src.dtype}{list(src.shape)}, but for {n} processes and "
                         f"output {out.arr.dtype}{list(s)} it must be {' or '.join(str(list(k)) for k in ok)}")
    return _reduce_scatter_flat(pg, out, src, op, async_op, "reduce_scatter_tensor")


def _reduce_scatter_flat(pg: ProcessGroup, out: _Buf, src: np.ndarray, op: Any, async_op: bool,
                         what: str) -> Work | None:
    op = _op(op, what)
    mop = _mpi_op(op, out.arr, what)
    if not async_op:
        _check_same(pg, what, src)
    src = np.ascontiguousarray(src)
    scale = pg.size() if op is ReduceOp.AVG else None
    return _run(pg, async_op, what, lambda: pg.comm.Ireduce_scatter_block(src, out.arr, mop),
                _finish([out], scale))


def gather(tensor: Any, gather_list: list | None = None, dst: int | None = None, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Every process's ``tensor`` into ``gather_list`` on rank ``dst`` (None elsewhere)."""
    pg = _group(group, "gather")
    root = _root(pg, 0 if dst is None and group_dst is None else dst, group_dst, "gather", "dst")
    src = _Buf(tensor, "gather", "tensor", False)
    me = pg.rank() == root
    outs: list = []
    flat = None
    if me:
        if gather_list is None or len(gather_list) != pg.size():
            raise ValueError(f"gather: on the destination rank gather_list must be a list of {pg.size()} buffers")
        outs = [_Buf(t, "gather", f"gather_list[{i}]", True) for i, t in enumerate(gather_list)]
        flat = np.empty((pg.size(),) + src.arr.shape, dtype=src.arr.dtype)
    elif gather_list is not None:
        raise ValueError(f"gather: gather_list must be None on rank {pg.ranks[pg.rank()]}, which is not the "
                         f"destination")

    def back() -> None:
        for i, o in enumerate(outs):
            o.arr[...] = flat[i]
    return _run(pg, async_op, "gather", lambda: pg.comm.Igather(src.arr, flat, root), _finish(outs, after=back))


def scatter(tensor: Any, scatter_list: list | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False, group_src: int | None = None) -> Work | None:
    """``scatter_list[r]`` from rank ``src`` into ``tensor`` on rank ``r``."""
    pg = _group(group, "scatter")
    root = _root(pg, 0 if src is None and group_src is None else src, group_src, "scatter", "src")
    out = _Buf(tensor, "scatter", "tensor", True)
    flat = None
    if pg.rank() == root:
        if scatter_list is None or len(scatter_list) != pg.size():
            raise ValueError(f"scatter: on the source rank scatter_list must be a list of {pg.size()} buffers")
        flat = np.ascontiguousarray(np.stack([_Buf(t, "scatter", "scatter_list", False).arr
                                              for t in scatter_list]))
        if flat.shape[1:] != out.arr.shape or flat.dtype != out.arr.dtype:
            raise ValueError(f"scatter: scatter_list holds {flat.dtype}{list(flat.shape[1:])} but tensor is "
                             f"{out.arr.dtype}{list(out.arr.shape)}")
    return _run(pg, async_op, "scatter", lambda: pg.comm.Iscatter(flat, out.arr, root), _finish([out]))


def all_to_all_single(output: Any, input: Any, output_split_sizes: Any = None, input_split_sizes: Any = None,
                      group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Block ``r`` of ``input`` (split evenly along the first axis) to rank ``r``; ``output`` gets the blocks
    from every rank in rank order."""
    if output_split_sizes is not None or input_split_sizes is not None:
        raise NotImplementedError("all_to_all_single: uneven splits are not supported; split the first axis "
                                  "evenly")
    pg = _group(group, "all_to_all_single")
    out = _Buf(output, "all_to_all_single", "output", True)
    src = _Buf(input, "all_to_all_single", "input", False).arr
    if src.shape != out.arr.shape or (src.shape and src.shape[0] % pg.size()):
        raise ValueError(f"all_to_all_single: input {list(src.shape)} and output {list(out.arr.shape)} must have "
                         f"the same shape, with a first axis divisible by {pg.size()}")
    return _run(pg, async_op, "all_to_all_single", lambda: pg.comm.Ialltoall(src, out.arr), _finish([out]))


def _peer(pg: ProcessGroup, rank: int | None, what: str, name: str) -> int:
    if rank not in pg.ranks:
        raise ValueError(f"{what}: {name}={rank} is not a rank of {pg}")
    return pg.ranks.index(rank)


def send(tensor: Any, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> None:
    """Send ``tensor`` to rank ``dst`` (blocking until it may be reused)."""
    pg = _group(group, "send")
    peer = _peer(pg, dst, "send", "dst")
    _wait([pg.comm.Isend(_Buf(tensor, "send", "tensor", False).arr, peer, tag)], pg, None, f"send to rank {dst}")


def recv(tensor: Any, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0) -> int:
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender's rank."""
    pg = _group(group, "recv")
    MPI = _mpi()
    b = _Buf(tensor, "recv", "tensor", True)
    status = MPI.Status()
    source = MPI.ANY_SOURCE if src is None else _peer(pg, src, "recv", "src")
    _wait([pg.comm.Irecv(b.arr, source, tag)], pg, None, f"recv from {'any rank' if src is None else f'rank {src}'}",
          statuses=[status])
    b.done()
    return pg.ranks[status.Get_source()]


def isend(tensor: Any, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> Work:
    """Start sending ``tensor`` to rank ``dst``; do not change it before the returned work's ``wait()``."""
    pg = _group(group, "isend")
    b = _Buf(tensor, "isend", "tensor", False)
    return Work([pg.comm.Isend(b.arr, _peer(pg, dst, "isend", "dst"), tag)], None, pg, None, f"isend to rank {dst}")


def irecv(tensor: Any, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0) -> Work:
    """Start receiving into ``tensor`` from rank ``src`` (any rank when None); it holds the data after
    ``wait()``."""
    pg = _group(group, "irecv")
    MPI = _mpi()
    b = _Buf(tensor, "irecv", "tensor", True)
    source = MPI.ANY_SOURCE if src is None else _peer(pg, src, "irecv", "src")
    return Work([pg.comm.Irecv(b.arr, source, tag)], _finish([b]), pg, None,
                f"irecv from {'any rank' if src is None else f'rank {src}'}")


# --- the communicator of the differentiable primitives (funcgrad.primitives.collectives) -------------------------

class _PrimitiveComm:
    """What the functional collectives' impls call: new arrays out, the inputs untouched."""

    @staticmethod
    def _pg(group: Any) -> ProcessGroup:
        return _group(group, "funcgrad.distributed.functional")

    def size(self, group: Any) -> int:
        pg = group if group is not None else self._pg(None)
        return pg.size() if pg.comm is not None else 1

    def all_reduce(self, x: Any, op: str, group: Any) -> Any:
        out = namespace(x).array(x, copy=True)
        all_reduce(out, _op(op, "functional.all_reduce"), group)
        return out

    def all_gather(self, x: Any, axis: int, group: Any) -> Any:
        pg = self._pg(group)
        xp = namespace(x)
        parts = xp.empty((pg.size(),) + tuple(x.shape), dtype=x.dtype)
        all_gather_into_tensor(parts, xp.ascontiguousarray(x), group)
        return xp.concatenate(list(parts), axis=axis)

    def reduce_scatter(self, x: Any, axis: int, group: Any) -> Any:
        pg = self._pg(group)
        n = pg.size()
        xp = namespace(x)
        if x.ndim == 0 or x.shape[axis] % n:
            raise ValueError(f"functional.reduce_scatter: axis {axis} of the input (shape {list(x.shape)}) must "
                             f"split evenly over the {n} processes")
        blocks = xp.stack(xp.split(x, n, axis=axis))
        out = xp.empty(blocks.shape[1:], dtype=x.dtype)
        reduce_scatter_tensor(out, xp.ascontiguousarray(blocks), ReduceOp.SUM, group)
        return out


def _install() -> None:
    _prims.COMMUNICATOR[0] = _PrimitiveComm()


def _uninstall() -> None:
    _prims.COMMUNICATOR[0] = None
