"""``cond`` and ``switch``: a branch chosen by a traced value, as one node that picks it when it runs.

With a concrete predicate or index (no jit recording it, no vmap batching it) they are plain Python: the chosen
function is called, the other is not, and any transform around sees ordinary primitive calls. Otherwise every
branch is traced once into a graph (:mod:`funcgrad.lax._closed`) and one ``lax.cond`` primitive holds them:

* its implementation runs the branch the index picks, through that branch's compiled replay (no user Python), so
  a jitted function replayed with new inputs takes the other branch when they say so;
* its VJP and JVP rules are ``lax.cond`` nodes again, over the same index, whose branches are ``vjp`` / ``jvp`` of
  the original ones: the backward pass branches on the index at run time as well, to any order;
* its batching rule keeps one node when the index is not batched (the branches vmapped inside it) and otherwise
  runs every branch on the whole batch and selects per example with ``where``, as JAX does.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from .. import numpy as fnp
from .. import tree
from ..backend import dtype_of, shape_of
from ..core import Box, Primitive, getval
from ..jit.record import example_value, is_array
from ..transforms import jvp, vjp, vmap
from ._closed import Closed, avals_text, fresh, same_avals, structured, trace_flat

__all__ = ["cond", "switch"]


def _clamp(k: int, n: int) -> int:
    return 0 if k < 0 else (n - 1 if k >= n else k)


def _cond_impl(index, *operands, branches):
    return fresh(branches[_clamp(int(index), len(branches))](*operands), operands)


cond_p = Primitive("lax.cond", _cond_impl, multiple_results=True, register=False,
                   doc="The branch of ``branches`` that ``index`` picks (clamped), applied to the operands "
                       "(funcgrad.lax.cond / switch).")


def _name(f: Callable) -> str:
    return getattr(f, "__name__", type(f).__name__)


def _as_arrays(out: Any) -> Any:
    return tree.map(lambda o: o if type(o) is Box or is_array(o) else fnp.asarray(o), out)


def branch_node(index: Any, funs: Sequence[Callable], operands: tuple, op: str, names: Sequence[str]) -> Any:
    """``funs[index](*operands)`` as one ``lax.cond`` node (``index`` traced): the output pytree."""
    leaves, in_tree = tree.flatten(tuple(operands))
    slots = [k for k, x in enumerate(leaves) if type(x) is Box]
    fixed = list(leaves)
    traced = [leaves[k] for k in slots]
    vals = [example_value(x) for x in traced]
    union: list = []
    pos: dict = {}
    found = []
    for f, nm in zip(funs, names):
        def flat(*boxes, f=f):
            full = list(fixed)
            for k, b in zip(slots, boxes):
                full[k] = b
            return _as_arrays(f(*tree.unflatten(in_tree, full)))
        graph, captured, out_tree = trace_flat(flat, vals, op, nm)
        sel = list(range(len(traced)))
        for b in captured:
            j = pos.get(id(b))
            if j is None:
                j = pos[id(b)] = len(traced) + len(union)
                union.append(b)
            sel.append(j)
        found.append((Closed(graph, sel, f"{op} branch {nm}"), out_tree, nm))
    first, tree0, name0 = found[0]
    for closed, td, nm in found[1:]:
        if td != tree0:
            raise TypeError(f"funcgrad.lax.{op}: the branches must return the same structure, but {name0} returns "
                            f"{tree0!r} and {nm} returns {td!r}")
        a, b = first.out_avals(), closed.out_avals()
        if not same_avals(a, b):
            k = next(i for i, (x, y) in enumerate(zip(a, b)) if not same_avals([x], [y]))
            raise TypeError(f"funcgrad.lax.{op}: the branches must return the same shapes and dtypes, but {name0} "
                            f"returns {avals_text(a)} and {nm} returns {avals_text(b)} (output leaf {k} differs); "
                            f"make them agree (astype, broadcast_to, reshape) inside the branches")
    outs = cond_p(index, *traced, *union, branches=tuple(c for c, _, _ in found))
    return tree.unflatten(tree0, list(outs))


def select(index: Any, funs: Sequence[Callable], operands: tuple, op: str = "switch",
           names: Sequence[str] | None = None) -> Any:
    """``funs[index](*operands)``: called directly for a concrete index, else a ``lax.cond`` node."""
    n = len(funs)
    if not structured(index):
        return funs[_clamp(int(getval(index)), n)](*operands)
    return branch_node(index, funs, operands, op, names or [_name(f) for f in funs])


def _is_float(x: Any) -> bool:
    return getattr(x, "dtype", None) is not None and dtype_of(x).kind in "fc"


def _put(base: Sequence, idx: Sequence[int], vals: Sequence) -> list:
    full = list(base)
    for i, v in zip(idx, vals):
        full[i] = v
    return full


def _cond_vjp(g, ans, index, *operands, branches):
    n = len(operands)
    diff = [i for i, o in enumerate(operands) if _is_float(o)]
    outs = [j for j, a in enumerate(ans) if _is_float(a)]
    if not diff or not outs:
        return (None,) * (n + 1)

    def backward_of(br: Closed) -> Callable:
        def bwd(*args):
            ops, cts = args[:n], args[n:]

            def f(*d):
                res = br(*_put(ops, diff, d))
                return tuple(res[j] for j in outs)

            _, pull = vjp(f, *[ops[i] for i in diff])
            return tuple(pull(tuple(cts)))

        bwd.__name__ = f"vjp({br.name})"
        return bwd

    res = select(index, [backward_of(b) for b in branches], tuple(operands) + tuple(g[j] for j in outs), "cond",
                 [f"vjp of branch {k}" for k in range(len(branches))])
    full: list = [None] * (n + 1)
    for i, r in zip(diff, res):
        full[1 + i] = r
    return tuple(full)


def _cond_jvp(tangents, ans, index, *operands, branches):
    n = len(operands)
    active = [i for i in range(n) if tangents[1 + i] is not None and _is_float(operands[i])]
    if not active:
        return None

    def forward_of(br: Closed) -> Callable:
        def fwd(*args):
            ops, ts = args[:n], args[n:]
            _, t_out = jvp(lambda *d: tuple(br(*_put(ops, active, d))), tuple(ops[i] for i in active), tuple(ts))
            return tuple(t_out)

        fwd.__name__ = f"jvp({br.name})"
        return fwd

    return tuple(select(index, [forward_of(b) for b in branches],
                        tuple(operands) + tuple(tangents[1 + i] for i in active), "cond",
                        [f"jvp of branch {k}" for k in range(len(branches))]))


def batch_size(args: Sequence, batched: Sequence[bool]) -> int:
    """The batch size of a batching rule's call, from its first batched argument."""
    for a, b in zip(args, batched):
        if b:
            return shape_of(a)[0] if type(a) is not Box else a.shape[0]
    raise ValueError("funcgrad.lax: a batching rule called with no batched argument")


def _cond_batch(args, batched, branches):
    index, ops = args[0], list(args[1:])
    size = batch_size(args, batched)
    axes = tuple(0 if b else None for b in batched[1:])
    vfuns = [vmap(lambda *o, br=br: tuple(br(*o)), in_axes=axes, axis_size=size) for br in branches]
    if not batched[0]:
        return tuple(select(index, vfuns, tuple(ops), "cond", [f"vmap of branch {k}" for k in range(len(vfuns))]))
    results = [vf(*ops) for vf in vfuns]  # every branch on the whole batch, then one pick per example
    idx = index
    if dtype_of(idx).kind in "iu":
        idx = fnp.clip(idx, 0, len(branches) - 1)
    out = []
    for j in range(len(results[0])):
        acc = results[-1][j]
        for k in range(len(results) - 2, -1, -1):
            mask = fnp.reshape(idx == k, (size,) + (1,) * (len(shape_of(acc)) - 1))
            acc = fnp.where(mask, results[k][j], acc)
        out.append(acc)
    return tuple(out)


cond_p.def_vjp_joint(_cond_vjp)
cond_p.def_jvp_joint(_cond_jvp)
cond_p.def_batch(_cond_batch)


def _scalar_index(x: Any, op: str, what: str, kinds: str, hint: str) -> Any:
    s = tuple(x.shape) if type(x) is Box else shape_of(x)
    if s != ():
        raise TypeError(f"funcgrad.lax.{op}: {what} must be a scalar (shape ()), got shape {s}. {hint}")
    dt = getattr(x, "dtype", None)
    kind = dt.kind if dt is not None else ("b" if isinstance(x, bool) else "i" if isinstance(x, int) else "f")
    if kind not in kinds:
        raise TypeError(f"funcgrad.lax.{op}: {what} must have dtype {'bool or a number' if 'f' in kinds else 'int'}"
                        f", got {dt if dt is not None else type(x).__name__}")
    return kind


def cond(pred: Any, true_fun: Callable, false_fun: Callable, *operands: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)`` (JAX's ``lax.cond``), differentiable.

    ``pred`` is a scalar (bool, or a number compared with 0); ``operands`` are pytrees. With a concrete ``pred``
    (also under ``grad``, ``jvp``, ``vmap`` of other values) only the chosen function runs, as Python. Under
    ``jit``, or with a batched ``pred`` under ``vmap``, both functions are traced once and must return the same
    structure, shapes and dtypes; the recorded node picks the branch whenever it runs (a batched ``pred`` selects
    per example, running both). The functions may close over traced values.

    >>> import numpy as np, funcgrad as fg
    >>> f = fg.jit(lambda x: cond(x.sum() > 0, lambda v: v * 2.0, lambda v: -v, x))
    >>> f(np.array([1.0, 2.0])), f(np.array([-1.0, -2.0]))
    (array([2., 4.]), array([1., 2.]))
    """
    kind = _scalar_index(pred, "cond", "pred", "biuf",
                         "Select elementwise with funcgrad.numpy.where(pred, a, b), or reduce it with .any() / .all()")
    if not structured(pred):
        return true_fun(*operands) if bool(getval(pred)) else false_fun(*operands)
    if kind != "b":
        pred = fnp.not_equal(pred, 0)
    return branch_node(pred, [false_fun, true_fun], operands, "cond",
                       [f"false_fun ({_name(false_fun)})", f"true_fun ({_name(true_fun)})"])


def switch(index: Any, branches: Sequence[Callable], *operands: Any) -> Any:
    """``branches[index](*operands)`` with ``index`` clamped to ``[0, len(branches) - 1]`` (JAX's
    ``lax.switch``), differentiable; concrete and traced indices are handled as in :func:`cond`.

    >>> import numpy as np, funcgrad as fg
    >>> f = fg.jit(lambda i, x: switch(i, [lambda v: v + 1.0, lambda v: v * 10.0, lambda v: -v], x))
    >>> [float(f(np.int64(i), np.float64(2.0))) for i in (-3, 1, 2, 9)]
    [3.0, 20.0, -2.0, -2.0]
    """
    branches = list(branches)
    if not branches or not all(callable(b) for b in branches):
        raise TypeError(f"funcgrad.lax.switch: branches must be a non-empty sequence of functions, got {branches!r}")
    _scalar_index(index, "switch", "index", "biu",
                  "Pick per example under vmap by batching the index instead, or index a stacked result")
    if len(branches) == 1 or not structured(index):
        return branches[_clamp(int(getval(index)), len(branches)) if len(branches) > 1 else 0](*operands)
    return branch_node(index, branches, operands, "switch",
                       [f"branches[{k}] ({_name(b)})" for k, b in enumerate(branches)])
