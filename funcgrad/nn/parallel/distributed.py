"""``torch.nn.parallel.DistributedDataParallel``: data-parallel training over the processes of a process group.

At construction the wrapper copies rank 0's parameters and buffers to every rank. During ``backward()`` each
parameter's gradient goes into a bucket (a flat buffer of about ``bucket_cap_mb``, parameters in reverse order, as
they tend to finish) the moment the engine has accumulated it into ``.grad``: a
``register_post_accumulate_grad_hook``, which the engine runs as soon as the parameter's last consumer in the
graph has been processed, while the walk goes on through the earlier layers. A full bucket starts a non-blocking
all-reduce (MPI's Iallreduce) at once, so the communication of the last layers' gradients overlaps the gradient
computation of the first layers (and the later buckets' all-reduces); each later gradient tests the buckets in
flight, which is what moves MPI's non-blocking collectives on without a progress thread. Buckets start in index order on every rank,
so every rank issues the same collectives in the same order. The first hook of a backward pass queues an
end-of-backward callback (``queue_callback``, torch's ``Variable._execution_engine.queue_callback``) that waits for
every bucket and writes the averages into ``.grad``, so, as in torch, every gradient is synchronized when
``backward()`` returns; it also reports parameters that got no gradient. ``no_sync()`` skips the communication for
gradient accumulation; the next synchronized backward averages the accumulated gradients.

>>> from funcgrad import nn
>>> nn.parallel.DistributedDataParallel(nn.Linear(2, 1))  # doctest: +ELLIPSIS
Traceback (most recent call last):
RuntimeError: DistributedDataParallel: the default process group has not been initialized; call ...init_process_group...
"""
from __future__ import annotations

import contextlib
import weakref
from typing import Any, Iterator

import numpy as np

from ... import distributed as dist
from ... import tree
from ...backend import namespace
from ...core import Box, toposort
from ...core.trace import getval
from ...distributed._state import _default
from ...tensors.backward import queue_callback
from ...tensors.inplace import write_through
from ...tensors.tensor import GRAPH, Tensor, is_grad_enabled
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]


class _Bucket:
    __slots__ = ("index", "members", "flat", "pending", "work")

    def __init__(self, index: int, members: list, dtype: Any, xp: Any) -> None:
        self.index = index
        self.members = members  # [(parameter number, offset, size)]
        self.flat = xp.zeros(sum(n for _, _, n in members), dtype=dtype)  # on the parameters' device
        self.pending = len(members)
        self.work = None


def _value(t: Tensor) -> Any:
    return getval(t._v)


class DistributedDataParallel(Module):
    """Wrap ``module`` so that ``backward()`` averages its gradients over the processes of ``process_group``
    (the default group when None). Each rank feeds its own shard of the data (a ``DistributedSampler``).

    ``find_unused_parameters=True`` looks, after each forward, for parameters the output does not depend on
    and counts them as ready (their buckets would otherwise never fill); without it such a parameter raises a
    clear error in ``backward()``. ``broadcast_buffers`` copies rank 0's buffers (BatchNorm statistics) to every
    rank before each forward. The model is ``.module``; state dict keys start with ``module.`` as torch's.
    ``device_ids`` and the other torch arguments are accepted (one device per process: the process's own).

    >>> import funcgrad.distributed as dist  # doctest: +SKIP
    >>> dist.init_process_group("mpi")  # doctest: +SKIP
    >>> model = nn.parallel.DistributedDataParallel(nn.Linear(3, 1))  # doctest: +SKIP
    >>> model(fg.ones(4, 3)).sum().backward()  # .grad averaged over the ranks  # doctest: +SKIP
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group: Any = None, bucket_cap_mb: float | None = 25,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False, **unused: Any) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got {type(module).__name__}")
        pg = process_group if process_group is not None else _default("DistributedDataParallel")
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.process_group = pg
        self.bucket_cap_mb = 25 if bucket_cap_mb is None else bucket_cap_mb
        seen: set = set()
        named = []
        for name, p in module.named_parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                named.append((name, p))
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        self._names = [n for n, _ in named]
        self._params = [p for _, p in named]
        self._sync_from_rank0([p for p in module.parameters()] + [b for b in module.buffers()])
        self._buckets, self._where = self._make_buckets()
        self._require_sync = True
        self._round: dict | None = None
        me = weakref.ref(self)
        self._handles = []
        for i, p in enumerate(self._params):
            self._handles.append(p.register_post_accumulate_grad_hook(_accumulated_hook(me, i)))

    # --- construction ------------------------------------------------------------------------------------------

    def _sync_from_rank0(self, tensors: list) -> None:
        """Rank 0's values into every rank's tensors: one broadcast per dtype over a flat buffer (a rank whose
        tensors differ in number or size gets the broadcast's size error, naming the ranks)."""
        by_dtype: dict = {}
        for t in tensors:
            if t is not None:
                v = _value(t)
                by_dtype.setdefault((np.dtype(v.dtype).str, type(v).__module__), []).append(t)
        root = self.process_group.ranks[0]
        for key in sorted(by_dtype):
            ts = by_dtype[key]
            flat = namespace(_value(ts[0])).concatenate([_value(t).reshape(-1) for t in ts])
            dist.broadcast(flat, root, group=self.process_group)
            start = 0
            for t in ts:
                v = _value(t)
                n = int(np.prod(v.shape, dtype=np.int64))
                write_through(t, flat[start:start + n].reshape(v.shape).copy(), "DistributedDataParallel")
                start += n

    def _make_buckets(self) -> tuple:
        cap = max(int(self.bucket_cap_mb * 2 ** 20), 1)
        buckets: list = []
        where: dict = {}
        open_by_dtype: dict = {}  # dtype -> (members, bytes)
        for i in reversed(range(len(self._params))):
            v = _value(self._params[i])
            dt = (np.dtype(v.dtype), type(v).__module__)  # one bucket never mixes dtypes or devices
            members, size = open_by_dtype.get(dt, ([], 0))
            n = int(np.prod(v.shape, dtype=np.int64))
            members.append((i, sum(m[2] for m in members), n))
            size += n * dt[0].itemsize
            if size >= cap:
                buckets.append(_Bucket(len(buckets), members, dt[0], namespace(v)))
                open_by_dtype.pop(dt, None)
            else:
                open_by_dtype[dt] = (members, size)
        for dt, (members, _) in open_by_dtype.items():
            xp = namespace(_value(self._params[members[0][0]]))
            buckets.append(_Bucket(len(buckets), members, dt[0], xp))
        for b in buckets:
            for i, off, n in b.members:
                where[i] = (b, off, n)
        return buckets, where

    # --- the forward pass --------------------------------------------------------------------------------------

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        self._end_round()
        if self.broadcast_buffers and is_grad_enabled():
            buffers = [b for b in self.module.buffers() if b is not None]
            if buffers:
                self._sync_from_rank0(buffers)
        out = self.module(*inputs, **kwargs)
        if self._require_sync and is_grad_enabled():
            self._start_round(out)
        return out

    def _start_round(self, out: Any) -> None:
        for b in self._buckets:
            b.pending, b.work = len(b.members), None
        self._round = {"ready": set(), "queued": False, "next": 0, "unused": set()}
        if not self.find_unused_parameters:
            return
        roots = [t._v.node for t in tree.leaves(out, is_leaf=lambda x: isinstance(x, Tensor))
                 if isinstance(t, Tensor) and type(t._v) is Box and t._v._trace is GRAPH]
        reached = set(toposort(roots)) if roots else set()
        for i, p in enumerate(self._params):
            if p._v.node not in reached:
                self._round["unused"].add(i)
                self._mark_ready(i, p.grad)  # what no_sync accumulated still counts; else zeros

    def _end_round(self) -> None:
        """Close a round that never finished (a backward through autograd.grad, or none at all): wait for the
        buckets it started, whose results nobody will read."""
        if self._round is not None:
            for b in self._buckets:
                if b.work is not None:
                    b.work.wait()
                    b.work = None
            self._round = None

    # --- the backward pass -------------------------------------------------------------------------------------

    def _mark_ready(self, i: int, g: Any) -> None:
        """Parameter ``i``'s gradient ``g`` (its local ``.grad``, None for an unused one) into its bucket; start
        every bucket, in index order, that is now complete."""
        b, off, n = self._where[i]
        slot = b.flat[off:off + n]
        if g is None:
            slot[...] = 0
        else:
            slot[...] = _value(g).reshape(-1)
        b.pending -= 1
        r = self._round
        # MPI moves a non-blocking collective on only inside MPI calls (without an asynchronous progress thread):
        # testing the buckets in flight at each gradient keeps them going while the backward pass computes
        for fb in self._buckets[:r["next"]]:
            if fb.work is not None:
                fb.work.is_completed()
        while r["next"] < len(self._buckets) and self._buckets[r["next"]].pending == 0:
            nb = self._buckets[r["next"]]
            nb.work = dist.all_reduce(nb.flat, dist.ReduceOp.AVG, group=self.process_group, async_op=True)
            r["next"] += 1

    def _on_accumulated(self, i: int, p: Tensor) -> None:
        r = self._round
        if not self._require_sync or r is None:
            return
        if i in r["ready"] or i in r["unused"]:
            raise RuntimeError(f"DistributedDataParallel: parameter {self._names[i]!r} got a gradient twice in one "
                               f"iteration (a second backward through the same forward, or a parameter counted "
                               f"unused by find_unused_parameters); run forward again before each backward")
        if not r["queued"]:
            queue_callback(self._finish_round)
            r["queued"] = True
        r["ready"].add(i)
        self._mark_ready(i, p.grad)

    def _finish_round(self) -> None:
        """The end of a synchronized backward pass: wait for every bucket, then each parameter's ``.grad`` is the
        average over the ranks."""
        r = self._round
        if r is None:
            return
        self._round = None
        if r["next"] < len(self._buckets):
            for b in self._buckets[:r["next"]]:  # what did start, every rank started: let it finish
                b.work.wait()
                b.work = None
            missing = [self._names[j] for b in self._buckets[r["next"]:] for j, _, _ in b.members
                       if j not in r["ready"] and j not in r["unused"]]
            raise RuntimeError(f"DistributedDataParallel: parameters {missing} received no gradient in this backward "
                               f"pass, so their buckets were never all-reduced; pass find_unused_parameters=True "
                               f"to DistributedDataParallel if the model does not use every parameter each step")
        for b in self._buckets:
            b.work.wait()
            b.work = None
        for j in sorted(r["ready"] | r["unused"]):
            b, off, n = self._where[j]
            q = self._params[j]
            vals = b.flat[off:off + n]
            if j in r["unused"] and q.grad is None and not vals.any():
                continue  # a parameter no rank used keeps grad None, as in torch
            q.grad = Tensor._from_value(vals.reshape(q.shape).copy())

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Within this context backward() accumulates gradients locally, without communication; the first
        backward after it averages the accumulated sums."""
        old = self._require_sync
        self._require_sync = False
        try:
            yield
        finally:
            self._require_sync = old

    def extra_repr(self) -> str:
        return f"world_size={self.process_group.size()}, buckets={len(self._buckets)}"


def _accumulated_hook(ref: Any, i: int):
    def hook(p: Tensor) -> None:
        ddp = ref()
        if ddp is not None:
            ddp._on_accumulated(i, p)
    return hook
