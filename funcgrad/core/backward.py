"""The reverse pass: one iterative walk over the graph, in reverse topological order.

Cotangents are accumulated in a dict keyed by node and popped the moment their node is processed, so each
intermediate cotangent lives only until its parents have theirs; nodes are released as the walk passes them.
"""
from __future__ import annotations

from heapq import heappop, heappush
from typing import Any, Iterable, Sequence

from ..backend import dtype_of, namespace, shape_of
from .debug import FLAGS, check_output
from .primitive import JointVJP, add_any, cast, select_output, sum_to, zeros_for
from .trace import Box, Node, getval

__all__ = ["toposort", "backward", "zeros_for"]


def toposort(roots: Iterable[Node]):
    """Yield the nodes reachable from ``roots``, each after every node that consumes it (children first).

    Iterative (no recursion limit); each node is yielded once all its children in the reachable graph were.
    """
    counts: dict = {}
    roots = list(dict.fromkeys(roots))
    for r in roots:
        counts[r] = 0
    stack = list(roots)
    while stack:
        node = stack.pop()
        for p in node.parents:
            c = counts.get(p)
            if c is None:
                counts[p] = 1
                stack.append(p)
            else:
                counts[p] = c + 1
    ready = [r for r in roots if counts[r] == 0]
    del roots
    while ready:
        node = ready.pop()
        del counts[node]
        yield node
        for p in node.parents:
            c = counts[p] - 1
            if c == 0:
                ready.append(p)
            counts[p] = c


def _needed(order: list, targets: set) -> set:
    """Nodes from which some target is reachable (``order`` is children-first)."""
    need = set()
    for node in reversed(order):
        if node in targets or any(p in need for p in node.parents):
            need.add(node)
    return need


def _fit(g: Any, arg: Any) -> Any:
    """Sum a cotangent back to its argument's shape and cast it to the argument's dtype: the engine's chores."""
    ashape = shape_of(arg)
    if shape_of(g) != ashape:
        g = sum_to(g, shape=ashape)
    adtype = dtype_of(arg)
    if dtype_of(g) != adtype:
        g = cast(g, dtype=adtype)
    return g


def _fitted(pg: Any, arg: Any) -> Any:
    """``pg`` unless its shape or dtype differs from ``arg``'s, else fitted (a Python scalar from a rule first
    becomes an array of the argument's library)."""
    try:
        # dtypes of the builtin types are singletons: identity settles the common case cheaply
        if pg.shape != arg.shape or (pg.dtype is not arg.dtype and pg.dtype != arg.dtype):
            return _fit(pg, arg)
        return pg
    except AttributeError:  # a Python scalar from a rule, or an argument without shape
        return _fit(namespace(arg).asarray(pg), arg)


def _graph_freed() -> RuntimeError:
    return RuntimeError("Trying to backward through the graph a second time, but its saved values were already "
                        "freed. Pass retain_graph=True to the first backward call if you need to walk it again.")


def _materialize(g: tuple, ans: tuple) -> tuple:
    return tuple(zeros_for(a) if gi is None else gi for gi, a in zip(g, ans))


def _accumulate(prev: Any, new: Any) -> Any:
    if prev is None:
        return new
    if type(new) is tuple:  # cotangent of a multiple-result node
        return tuple(p if n is None else (n if p is None else add_any(p, n)) for p, n in zip(prev, new))
    if type(prev) is not Box and type(new) is not Box:
        return prev + new  # plain arrays: the array's own operator is the cheapest sum
    return add_any(prev, new)


def backward(roots: Sequence[Node], root_cts: Sequence[Any], targets: Sequence[Node], *,
             prune: bool = False, retain_graph: bool = True, hooks: dict | None = None,
             create_graph: Any = None, leaves: dict | None = None, ready: dict | None = None) -> list:
    """Cotangents of ``targets`` given cotangents ``root_cts`` of the ``roots``.

    Nodes are numbered as they are created, and a node is always created after its parents, so processing the
    pending nodes from the highest number down is a reverse topological order: a heap of the nodes that hold a
    cotangent is the whole schedule, with no separate sorting pass, and nodes no cotangent reaches are never
    visited. A target nothing flows into gets ``None`` (a symbolic zero). With ``prune``, nodes that lead to no
    target are skipped too (transform traces need no pruning: every node there descends from a requested input).
    Without ``retain_graph``, each node's saved values are dropped once it has been processed. A ``roots`` list
    is emptied, so that the caller's last reference to the graph goes with it. ``hooks`` maps a node to functions
    applied, in order, to its cotangent once complete (before it is stored or passed on). With ``create_graph``
    set to the graph's trace, the rules see the saved values as traced values of that trace again, so that the
    cotangents they compute are recorded on it and can be differentiated (the Tensor facade's double backward).
    A ``leaves`` dict receives the cotangent of every leaf the walk reaches (``Tensor.backward`` with no
    ``inputs``: no target list and no pruning pass needed).

    ``ready`` maps leaf nodes to callbacks that want their cotangent early (``Tensor.backward``'s post-accumulate
    hooks, DistributedDataParallel): the heap order reaches leaves, the oldest nodes, only at the very end, so for
    these leaves the walk counts their consumers in the reachable graph and calls ``ready[leaf](g)`` (after the
    leaf's ``hooks``) as soon as the last one has been processed, while the rest of the graph is still being
    walked. A leaf some consumer of which never receives a cotangent is handed over when the walk ends. Such a
    leaf does not go into ``leaves``. Without ``ready`` none of this costs anything.
    """
    cts: dict = {}
    heap: list = []
    pairs = list(zip(roots, root_cts))
    if type(roots) is list:
        roots.clear()  # a caller that hands over its only reference lets the graph be freed as the walk goes
    # None too when no leaf of ``ready`` is reachable: the walk then takes its lean loop
    counts = (_consumers([n for n, g in pairs if g is not None], ready) or None) if ready else None
    for n, g in pairs:
        if g is not None:
            prev = cts.get(n)
            if prev is None and not (counts and n in counts):
                heappush(heap, (-n.seq, n))
            cts[n] = _accumulate(prev, g)
    del pairs
    want = {t: None for t in targets}
    need = _needed(list(toposort(list(cts))), set(want)) if prune else None
    if hooks is None and need is None and create_graph is None and not FLAGS.nans and counts is None:
        _walk(heap, cts, want, leaves, retain_graph)
        return [want[t] for t in targets]
    flags, pop, push = FLAGS, heappop, heappush
    while heap:
        node = pop(heap)[1]
        g = cts.pop(node)
        if hooks is not None and node in hooks:
            g = _run_hooks(hooks[node], g)
        if node in want:
            want[node] = g
        prim = node.prim
        if prim is None:
            if leaves is not None:
                leaves[node] = g
            continue
        if need is not None and node not in need:
            continue
        args = node.args
        if args is None:
            raise _graph_freed()
        ans, kw, rules = node.ans, node.kw, prim.vjps
        if create_graph is not None:  # the saved values as traced values again: the rules' work is recorded
            args, ans = _retrace(node, args, ans, create_graph)
        if prim.multiple_results:
            g = _materialize(g, ans)
        joint = rules.rule(g, ans, *args, **kw) if type(rules) is JointVJP else None
        for argnum, parent in zip(node.argnums, node.parents):
            if need is not None and parent not in need:
                continue
            if joint is not None:
                pg = joint[argnum]
            elif kw:
                pg = rules[argnum](g, ans, *args, **kw)
            else:
                pg = rules[argnum](g, ans, *args)
            if pg is None:
                continue
            if flags.nans:  # operators in rules bypass the primitives' own checks
                check_output(prim.name, getval(pg), args, f"backward pass (the VJP for argument {argnum})",
                             getattr(node, "where", None))
            if type(pg) is not tuple:
                pg = _fitted(pg, args[argnum])
            prev = cts.get(parent)
            if prev is None:
                cts[parent] = pg
                if counts is None or parent not in counts:  # a counted leaf waits for its count, not the heap
                    push(heap, (-parent.seq, parent))
            else:
                cts[parent] = _accumulate(prev, pg)
        if counts is not None:
            for parent in node.parents:
                c = counts.get(parent)
                if c is None:
                    continue
                if c > 1:
                    counts[parent] = c - 1
                    continue
                del counts[parent]  # its last consumer is done: the cotangent is final
                if parent in cts:
                    _deliver(parent, cts.pop(parent), hooks, want, ready)
        if not retain_graph:
            node.args = node.ans = node.kw = None
    if counts:  # leaves with a consumer no cotangent reached: final now, oldest last as the heap would have them
        for leaf in sorted((n for n in counts if n in cts), key=lambda n: -n.seq):
            _deliver(leaf, cts.pop(leaf), hooks, want, ready)
    return [want[t] for t in targets]


def _consumers(seeds: list, ready: dict) -> dict:
    """For each leaf of ``ready`` reachable from ``seeds``, the number of edges into it from reachable nodes (a
    node using it twice counts twice, as it visits that parent twice); iterative, each node visited once."""
    counts: dict = {}
    seen = set(seeds)
    stack = list(seen)
    while stack:
        for p in stack.pop().parents:
            if p in ready:
                counts[p] = counts.get(p, 0) + 1
            elif p not in seen:
                seen.add(p)
                stack.append(p)
    for s in seeds:  # a seeded leaf nothing inside the graph consumes is final from the start
        if s in ready and s not in counts:
            counts[s] = 0
    return counts


def _run_hooks(fns: list, g: Any) -> Any:
    for hook in fns:
        out = hook(g)
        g = g if out is None else out
    return g


def _deliver(leaf: Node, g: Any, hooks: dict | None, want: dict, ready: dict) -> None:
    """Hand a counted leaf its final cotangent: its hooks, its place among the targets, then its callback."""
    if hooks is not None and leaf in hooks:
        g = _run_hooks(hooks[leaf], g)
    if leaf in want:
        want[leaf] = g
    ready[leaf](g)


def _retrace(node: Node, args: Any, ans: Any, trace: Any) -> tuple[list, Any]:
    """``node``'s saved arguments and result as values of ``trace`` again, for a double backward.

    A multiple-result node's outputs each get a fresh ``select_output`` node on it (equivalent to the ones the
    forward pass made, which the walk cannot reach from here); the tuple a ``select_output`` node saved stays
    plain, since its rule only routes the cotangent."""
    args = list(args)
    for argnum, parent in zip(node.argnums, node.parents):
        a = args[argnum]
        if type(a) is not tuple:
            args[argnum] = Box(a, parent, trace)
    if node.prim.multiple_results:
        ans = tuple(Box(a, Node(select_output, (ans,), {"index": i}, a, (0,), (node,)), trace)
                    for i, a in enumerate(ans))
    else:
        ans = Box(ans, node, trace)
    return args, ans


def _walk(heap: list, cts: dict, want: dict, leaves: dict | None, retain_graph: bool) -> None:
    """The loop of :func:`backward` for its common case (no hooks, pruning, double backward or NaN checks), with
    those branches left out: this is where the per-node time of every gradient goes."""
    pop, push, fit, joint_type, box_type = heappop, heappush, _fit, JointVJP, Box
    while heap:
        node = pop(heap)[1]
        g = cts.pop(node)
        if node in want:
            want[node] = g
        prim = node.prim
        if prim is None:
            if leaves is not None:
                leaves[node] = g
            continue
        args = node.args
        if args is None:
            raise _graph_freed()
        ans, kw, rules = node.ans, node.kw, prim.vjps
        if prim.multiple_results:
            g = _materialize(g, ans)
        joint = rules.rule(g, ans, *args, **kw) if type(rules) is joint_type else None
        keeps = prim.keeps_shape
        for argnum, parent in zip(node.argnums, node.parents):
            if joint is not None:
                pg = joint[argnum]
                if pg is None:
                    continue
            else:
                pg = rules[argnum](g, ans, *args, **kw) if kw else rules[argnum](g, ans, *args)
                if pg is None:
                    continue
            if not keeps and type(pg) is not tuple:  # _fitted, inlined
                arg = args[argnum]
                try:
                    if pg.shape != arg.shape or (pg.dtype is not arg.dtype and pg.dtype != arg.dtype):
                        pg = fit(pg, arg)
                except AttributeError:
                    pg = fit(namespace(arg).asarray(pg), arg)
            prev = cts.get(parent)
            if prev is None:
                cts[parent] = pg
                push(heap, (-parent.seq, parent))
            elif type(prev) is box_type or type(pg) is box_type or type(pg) is tuple:
                cts[parent] = _accumulate(prev, pg)
            else:
                cts[parent] = prev + pg  # plain arrays: the array's own operator is the cheapest sum
        if not retain_graph:
            node.args = node.ans = None  # what holds memory; the "second backward" check looks at args
