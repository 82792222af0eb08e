"""Differentiable collectives for the functional face (``grad``, ``vjp``, ``jvp`` and ``vmap`` see through them),
and ``psum`` / ``pmean`` over pytrees.

Each is a primitive of :mod:`funcgrad.primitives.collectives`: the all-reduce's VJP is an all-reduce of the
cotangent, the all-gather's a reduce-scatter and the reduce-scatter's an all-gather, so every process must take
the same gradients in the same order, as every process must call each collective. Without a process group (or
with one process) each is the identity, so the same code runs in a single process.

>>> import numpy as np, funcgrad as fg
>>> from funcgrad.distributed import functional as F
>>> fg.grad(lambda w: (F.all_reduce(w * 3.0) ** 2).sum())(np.ones(2))  # one process: the identity
array([18., 18.])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import tree as _tree
from ..backend import namespace
from ..core import Box
from ..primitives import collectives as _prims
from ._state import ProcessGroup, ReduceOp, _op

__all__ = ["all_reduce", "all_gather", "reduce_scatter", "psum", "pmean"]


def _name(op: Any) -> str:
    return _op(op, "functional.all_reduce").value


def all_reduce(x: Any, op: Any = "sum", group: ProcessGroup | None = None) -> Any:
    """The reduction of ``x`` over the processes (``op``: ``"sum"``, ``"avg"``, ``"max"``, ``"min"``,
    ``"product"`` or a :class:`ReduceOp`), differentiable; ``x`` is left as it was.

    >>> import numpy as np
    >>> all_reduce(np.array([1.0, 2.0]), op="avg")  # one process
    array([1., 2.])
    """
    return _prims.all_reduce(x, op=_name(op), group=group)


def all_gather(x: Any, axis: int = 0, group: ProcessGroup | None = None) -> Any:
    """The processes' ``x`` concatenated along ``axis`` in rank order, differentiable (its VJP reduce-scatters).

    >>> import numpy as np
    >>> all_gather(np.ones((2, 3)), axis=1).shape  # one process
    (2, 3)
    """
    return _prims.all_gather(x, axis=axis, group=group)


def reduce_scatter(x: Any, axis: int = 0, group: ProcessGroup | None = None) -> Any:
    """The sum of the processes' ``x``, split evenly along ``axis``: rank ``r`` gets block ``r``
    (differentiable: its VJP all-gathers).

    >>> import numpy as np
    >>> reduce_scatter(np.ones(4)).shape  # one process
    (4,)
    """
    return _prims.reduce_scatter(x, axis=axis, group=group)


def _over_tree(tree: Any, op: str, group: ProcessGroup | None) -> Any:
    leaves, treedef = _tree.flatten(tree)
    if any(type(x) is Box for x in leaves) or _prims.COMMUNICATOR[0] is None:
        return _tree.unflatten(treedef, [_prims.all_reduce(x, op=op, group=group) for x in leaves])
    # plain arrays (gradients after grad returned): one all-reduce per dtype over a flat buffer, not one a leaf
    arrays = [x if hasattr(x, "dtype") and hasattr(x, "shape") else np.asarray(x) for x in leaves]
    out = list(arrays)
    by_dtype: dict = {}
    for i, a in enumerate(arrays):
        by_dtype.setdefault((a.dtype, type(a)), []).append(i)
    for idx in by_dtype.values():
        xp = namespace(arrays[idx[0]])
        flat = xp.concatenate([arrays[i].reshape(-1) for i in idx])
        flat = _prims.all_reduce(flat, op=op, group=group)
        start = 0
        for i in idx:
            n = arrays[i].size
            out[i] = flat[start:start + n].reshape(arrays[i].shape)
            start += n
    return _tree.unflatten(treedef, out)


def psum(tree: Any, group: ProcessGroup | None = None) -> Any:
    """Every array of ``tree`` summed over the processes (differentiable; plain arrays travel in one buffer per
    dtype).

    >>> import numpy as np
    >>> psum({"w": np.ones(2), "b": np.zeros(())})  # one process
    {'b': array(0.), 'w': array([1., 1.])}
    """
    return _over_tree(tree, "sum", group)


def pmean(tree: Any, group: ProcessGroup | None = None) -> Any:
    """Every array of ``tree`` averaged over the processes: the data-parallel gradient of the per-process
    gradients of mean losses over equal shards.

    >>> import numpy as np
    >>> pmean([np.ones(2)])  # one process
    [array([1., 1.])]
    """
    return _over_tree(tree, ReduceOp.AVG.value, group)
