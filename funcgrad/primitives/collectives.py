"""Collectives across processes as differentiable primitives: ``all_reduce`` (sum, avg, max, min, product),
``all_gather`` (concatenation along an axis) and ``reduce_scatter`` (the sum, each process keeping its block).

They are linear (sum and avg), so their JVP is the same collective on the tangent, and their VJPs are collectives
too: an all-reduce's cotangent is summed over the processes (``psum`` is its own transpose), an all-gather's is
reduce-scattered and a reduce-scatter's all-gathered. The communication itself belongs to
:mod:`funcgrad.distributed`, a higher layer: it fills :data:`COMMUNICATOR` when a process group starts, and the
impls look it up on every call, so this module never imports MPI. With no process group (or a group of one
process) each collective is a copy, which is what the registry's single-process specs check.

>>> import numpy as np
>>> all_reduce(np.array([1.0, 2.0]), op="sum")
array([1., 2.])
>>> all_gather(np.ones((1, 2)), axis=0).shape
(1, 2)
"""
from __future__ import annotations

from typing import Any

from ..backend import namespace
from ..core import Primitive, getval

__all__: list = []  # no NumPy name: funcgrad.distributed.functional holds the public forms
LINALG: list = []

# The communicator's operations, set by funcgrad.distributed: ``[impl]`` where ``impl`` has
# ``all_reduce(x, op, group)``, ``all_gather(x, axis, group)``, ``reduce_scatter(x, axis, group)`` and
# ``size(group)``, each on plain arrays, returning new arrays. ``None``: no process group, a world of one.
COMMUNICATOR: list = [None]
OPS = ("sum", "avg", "max", "min", "product")


def _comm(group: Any) -> Any:
    c = COMMUNICATOR[0]
    return None if c is None or c.size(group) == 1 else c


def _all_reduce_impl(x: Any, op: str = "sum", group: Any = None) -> Any:
    c = _comm(group)
    return namespace(x).array(x, copy=True) if c is None else c.all_reduce(x, op, group)


def _all_gather_impl(x: Any, axis: int = 0, group: Any = None) -> Any:
    c = _comm(group)
    return namespace(x).array(x, copy=True) if c is None else c.all_gather(x, axis, group)


def _reduce_scatter_impl(x: Any, axis: int = 0, group: Any = None) -> Any:
    c = _comm(group)
    if c is None:
        return namespace(x).array(x, copy=True)
    return c.reduce_scatter(x, axis, group)


all_reduce = Primitive("all_reduce", _all_reduce_impl, doc=(
    "The reduction of ``x`` over every process of ``group`` (``op``: sum, avg, max, min, product), the same "
    "result on each.\n\n>>> import numpy as np\n>>> all_reduce(np.ones(2))\narray([1., 1.])\n"))
all_gather = Primitive("all_gather", _all_gather_impl, doc=(
    "Every process's ``x`` concatenated along ``axis`` in rank order.\n\n"
    ">>> import numpy as np\n>>> all_gather(np.ones(3)).shape\n(3,)\n"))
reduce_scatter = Primitive("reduce_scatter", _reduce_scatter_impl, doc=(
    "The sum over processes of ``x``, split into equal blocks along ``axis``: process ``r`` keeps block ``r``.\n\n"
    ">>> import numpy as np\n>>> reduce_scatter(np.ones(4)).shape\n(4,)\n"))


def _share(x: Any, ans: Any, group: Any) -> Any:
    """Where each process holds the extreme, 1 over the number of processes that tie for it, else 0: a tie
    splits the cotangent evenly, as funcgrad's ``maximum`` and ``max`` do. A constant (no gradient flows through
    a comparison)."""
    xv, av = getval(x), getval(ans)
    mask = (xv == av).astype(xv.dtype)
    return mask / all_reduce(mask, op="sum", group=group)


def _all_reduce_vjp(g: Any, ans: Any, x: Any, op: str = "sum", group: Any = None) -> Any:
    if op in ("sum", "avg"):
        return all_reduce(g, op=op, group=group)
    total = all_reduce(g, op="sum", group=group)
    if op == "product":
        return total * ans / x
    return total * _share(x, ans, group)


def _all_reduce_jvp(t: Any, ans: Any, x: Any, op: str = "sum", group: Any = None) -> Any:
    if op in ("sum", "avg"):
        return all_reduce(t, op=op, group=group)
    if op == "product":
        return ans * all_reduce(t / x, op="sum", group=group)
    return all_reduce(t * _share(x, ans, group), op="sum", group=group)


all_reduce.def_vjp(_all_reduce_vjp)
all_reduce.def_jvp(_all_reduce_jvp)
all_gather.def_vjp(lambda g, ans, x, axis=0, group=None: reduce_scatter(g, axis=axis, group=group))
all_gather.def_jvp(lambda t, ans, x, axis=0, group=None: all_gather(t, axis=axis, group=group))
reduce_scatter.def_vjp(lambda g, ans, x, axis=0, group=None: all_gather(g, axis=axis, group=group))
reduce_scatter.def_jvp(lambda t, ans, x, axis=0, group=None: reduce_scatter(t, axis=axis, group=group))


def _batch_axis(prim: Primitive):
    """vmap rule for the axis-taking collectives: the batch is a leading axis, the collective's axis moves by one
    (each process must map over the same batch size, as every process must call each collective)."""
    def rule(args, batched, axis=0, group=None):
        (x,) = args
        return prim(x, axis=axis % max(x.ndim - 1, 1) + 1, group=group)
    return rule


all_reduce.def_batch(lambda args, batched, op="sum", group=None: all_reduce(args[0], op=op, group=group))
all_gather.def_batch(_batch_axis(all_gather))
reduce_scatter.def_batch(_batch_axis(reduce_scatter))
