"""The ``lax.scan`` primitive: its loop, its rules, and a reverse mode that saves the body's residuals.

The node's implementation runs the body's compiled replay once per step in a loop generated for the node's layout
(carries rebound, rows of ``xs`` indexed, each ``y`` written into a buffer allocated once); with ``unroll=k``,
one compiled function holding ``k`` copies of the body runs ``k`` steps per call.

Reverse mode works as JAX's partial evaluation of a scan does. When a reverse-mode trace (``grad``, ``vjp``) meets
the node, the body's VJP is traced once into a joint graph (the body's forward equations, then its backward
ones), and that graph is cut in two: what the body's outputs need forms a forward body that also returns the
values the rest reads (the residuals), and the rest (the rules' equations) forms a backward body that takes
them. The forward scan then stacks the residuals of every step beside the ys, and the reverse scan reads them:
the gradient recomputes no forward step. Both halves are ``lax.scan`` nodes again, so every order of derivative,
``jvp`` and ``vmap`` apply to them as to any scan.

The other rules: a JVP that is one scan of the body's ``jvp``, a batching rule that is one scan of the vmapped body
(the carry batched throughout), and the recomputing VJP (a forward scan for the carries, then a reverse scan of
``vjp`` of the body), which serves where saved residuals cannot: a double backward of the Tensor face
(``create_graph``) re-traces a node's saved arguments but not values computed from them.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as _np

from .. import numpy as fnp
from ..backend import namespace, namespace_of, shape_of
from ..core import Box, Primitive, zeros_for
from ..jit.passes import optimize
from ..jit.record import example_value
from ..jit.replay import run_traced
from ..transforms import jvp, vjp, vmap
from ._closed import Closed, avals_text, fresh, recorded, same_avals, trace_flat
from .control_flow import _is_float, _put, batch_size

__all__ = ["scan_p", "scan_flat", "check_carry", "aval"]


def aval(x: Any) -> tuple:
    """``(shape, dtype)`` of a value as a traced function sees it (per example under vmap).

    >>> aval(1.0)
    ((), dtype('float64'))
    """
    if type(x) is Box:
        return (tuple(x.shape), x.dtype)
    dt = getattr(x, "dtype", None)
    return (tuple(shape_of(x)), dt if dt is not None else _np.asarray(x).dtype)  # a number: as an array would be


def check_carry(op: str, fname: str, before: Sequence, after: Sequence) -> None:
    """Raise if a loop body changed its carry's shapes or dtypes (``before`` and ``after``: avals)."""
    if not same_avals(before, after):
        k = next((i for i, (a, b) in enumerate(zip(before, after)) if not same_avals([a], [b])), 0)
        raise TypeError(f"funcgrad.lax.{op}: {fname} must return a carry of the shapes and dtypes it received, but "
                        f"it takes {avals_text(before)} and returns {avals_text(after)} (carry leaf {k} differs); "
                        f"cast or reshape inside the body, or give init the final shape and dtype")


def _xp(args: Sequence):
    return namespace_of(*args) if args else _np


# --- the loop ---------------------------------------------------------------------------------------------------
def _loop_source(nc: int, nx: int, nk: int, ny: int, k: int, reverse: bool) -> str:
    """A loop over the steps for one layout, ``k`` steps per call of ``run``: no per-step slicing of lists, each y
    written into its buffer."""
    c = [f"c{i}" for i in range(nc)]
    x = [f"x{j}" for j in range(nx)]
    kk = [f"k{i}" for i in range(nk)]
    b = [f"b{j}" for j in range(ny)]
    at = [("t" if s == 0 else f"t {'-' if reverse else '+'} {s}") for s in range(k)]
    y = [f"y{j}_{s}" for s in range(k) for j in range(ny)]
    lhs = ", ".join(c + y) + ("," if nc + len(y) == 1 else "")
    call = f"run({', '.join(c + [f'{v}[{a}]' for a in at for v in x] + kk)})"
    lines = [f"def scan_loop(run, steps, {', '.join(c + x + kk + b + ['_'])}):",
             "    for t in steps:",
             f"        {lhs or '_'} = {call}"]
    lines += [f"        {b[j]}[{at[s]}] = y{j}_{s}" for s in range(k) for j in range(ny)]
    lines.append(f"    return ({', '.join(c)}{',' if nc else ''})")
    return "\n".join(lines)


_LOOPS: dict = {}


def _loop(nc: int, nx: int, nk: int, ny: int, k: int = 1, reverse: bool = False) -> Callable:
    key = (nc, nx, nk, ny, k, reverse)
    fn = _LOOPS.get(key)
    if fn is None:
        env: dict = {}
        exec(compile(_loop_source(*key), "<funcgrad.lax scan loop>", "exec"), env)  # noqa: S102 - no user text
        fn = _LOOPS[key] = env["scan_loop"]
    return fn


def _unrolled(body: Closed, k: int, nc: int, nx: int, examples: list) -> Callable:
    """The compiled replay of ``k`` body steps in one function (``unroll=k``): inputs (carry, the rows of each
    step, consts), outputs (carry, each step's ys); one call per ``k`` steps, and equations on the consts alone
    computed once per call (cse)."""
    run = body.cache.get(("unroll", k))
    if run is None:
        g = body.graph

        def steps(*l):
            c, consts = list(l[:nc]), list(l[nc + k * nx:])
            ys: list = []
            for s in range(k):
                out = run_traced(g, c + list(l[nc + s * nx:nc + (s + 1) * nx]) + consts)
                c = out[:nc]
                ys += out[nc:]
            return tuple(c) + tuple(ys)

        graph, _, _ = trace_flat(steps, examples, "scan", f"{body.name} unrolled {k}x")
        run = body.cache[("unroll", k)] = Closed(graph, range(len(graph.inputs)), body.name).runner()
    return run


def _scan_impl(*args, body, n_consts, n_carry, length, reverse, unroll=1):
    consts = args[:n_consts]
    carry = args[n_consts:n_consts + n_carry]
    xs = args[n_consts + n_carry:]
    y_avals = body.out_avals()[n_carry:]
    xp = _xp(args)
    bufs = [xp.empty((length,) + tuple(a[0]), dtype=a[1]) for a in y_avals]
    nx, ny = len(xs), len(bufs)
    k = min(unroll, length)
    done = 0
    if k > 1:  # whole groups of k steps first, then the rest one by one
        done = length - length % k
        steps = range(length - 1, length - 1 - done, -k) if reverse else range(0, done, k)
        run = _unrolled(body, k, n_carry, nx, list(carry) + [x[0] for x in xs] * k + list(consts))
        carry = _loop(n_carry, nx, n_consts, ny, k, reverse)(run, steps, *carry, *xs, *consts, *bufs, None)
    if done < length:
        # the body graph's inputs are (carry, x_t, consts): see scan_flat
        steps = range(length - 1 - done, -1, -1) if reverse else range(done, length)
        carry = _loop(n_carry, nx, n_consts, ny)(body.runner(), steps, *carry, *xs, *consts, *bufs, None)
    return fresh(carry, args) + tuple(bufs)


class _ScanPrimitive(Primitive):
    """``lax.scan``; under a reverse-mode trace its forward pass saves the residuals of the body's backward pass."""

    def _bind(self, args, kw):
        top = None
        for a in args:
            if type(a) is Box and (top is None or a._trace.level > top.level):
                top = a._trace
        if top is not None and top.reverse and top.active and not top.recording and not top.batching:
            out = _saving_node(top, args, kw)
            if out is not None:
                return out
        return Primitive._bind(self, args, kw)


scan_p = _ScanPrimitive("lax.scan", _scan_impl, multiple_results=True, register=False,
                        doc="A loop of ``body`` over the leading axis of ``xs`` with a carry (funcgrad.lax.scan).")


def _row0(v: Any) -> Any:
    s = shape_of(v)
    return v[0] if s[0] else _xp([v]).zeros(s[1:], dtype=v.dtype)


def _rows(x: Any, n: int) -> list:
    return list(fnp.unstack(x)) if type(x) is Box else [x[t] for t in range(n)]


def scan_flat(body: Callable, n_carry: int, init: list, xs: list, length: int, reverse: bool = False,
              fname: str = "f", unroll: int = 1) -> list:
    """``body(*carry, *x_t) -> [*carry, *y_t]`` scanned: ``[*final carry, *stacked ys]`` (flat leaves).

    A Python loop unless a recorder traces some input (or the length is 0: the ys' shapes need a trace); else one
    ``lax.scan`` node.

    >>> import numpy as np
    >>> scan_flat(lambda c, x: [c + x, c * x], 1, [np.float64(0.0)], [np.arange(1.0, 4.0)], 3)
    [np.float64(6.0), array([0., 2., 9.])]
    """
    if length > 0 and not any(recorded(v) for v in init) and not any(recorded(v) for v in xs):
        rows = [_rows(x, length) for x in xs]
        carry, ys = list(init), [None] * length
        for step, t in enumerate(range(length - 1, -1, -1) if reverse else range(length)):
            out = body(*carry, *[r[t] for r in rows])
            if step == 0:
                check_carry("scan", fname, [aval(c) for c in carry], [aval(c) for c in out[:n_carry]])
            carry, ys[t] = list(out[:n_carry]), out[n_carry:]
        return carry + [fnp.stack([ys[t][j] for t in range(length)]) for j in range(len(ys[0]))]
    vals = [example_value(c) for c in init] + [_row0(example_value(x)) for x in xs]
    graph, captured, _ = trace_flat(lambda *l: tuple(body(*l)), vals, "scan", fname)
    k = len(captured)
    closed = Closed(graph, [k + i for i in range(len(vals))] + list(range(k)), f"scan body {fname}")
    check_carry("scan", fname, [aval(v) for v in vals[:n_carry]], closed.out_avals()[:n_carry])
    return list(scan_p(*captured, *init, *xs, body=closed, n_consts=k, n_carry=n_carry, length=length,
                       reverse=reverse, **_unroll_kw(unroll)))


def _unroll_kw(unroll: int) -> dict:
    return {"unroll": unroll} if unroll > 1 else {}  # left out at 1: the listing shows what was asked for


def _split(args, n_consts, n_carry):
    return list(args[:n_consts]), list(args[n_consts:n_consts + n_carry]), list(args[n_consts + n_carry:])


# --- reverse mode with saved residuals ---------------------------------------------------------------------------
class _Halves:
    """A body's VJP cut in two: ``fwd`` (body outputs, then the residuals to stack) and ``bwd``.

    ``bwd`` takes (stacked residuals' rows, the rows of ``xs`` it reads, the consts it reads, carry cotangents,
    y cotangents) and returns the cotangents of the differentiated consts, carries and xs, in that order.
    ``stacked`` says where each stacked residual comes from: ``("res", k)`` the forward scan's k-th extra output,
    ``("y", j)`` its j-th ys (already stacked).
    """

    __slots__ = ("fwd", "bwd", "stacked", "x_read", "k_read", "dk", "dc", "dx", "dy")

    def __init__(self, fwd, bwd, stacked, x_read, k_read, dk, dc, dx, dy):
        self.fwd, self.bwd, self.stacked, self.x_read, self.k_read = fwd, bwd, stacked, x_read, k_read
        self.dk, self.dc, self.dx, self.dy = dk, dc, dx, dy


def _halves(body: Closed, examples: tuple, nk: int, nc: int, nx: int, dk: list, dc: list, dx: list,
            dy: list) -> _Halves | None:
    """The body's VJP traced into one graph and cut into a forward half and a backward half (cached per body and
    set of differentiated operands); None where the cut does not apply (the recomputing rule serves)."""
    key = (nk, nc, tuple(dk), tuple(dc), tuple(dx), tuple(dy))
    cache = body.cache
    if key in cache:
        return cache[key]
    consts, init, rows = examples
    y_avals = body.out_avals()[nc:]
    xp = _xp(list(init) + list(rows) + list(consts))
    gvals = [zeros_for(init[i]) for i in dc] + [xp.zeros(tuple(y_avals[j][0]), dtype=y_avals[j][1]) for j in dy]
    nd = len(dk) + len(dc)

    def joint(*l):  # (carry, x_t, consts, carry cotangents, y cotangents) -> (body outputs, cotangents)
        c, x, k = l[:nc], l[nc:nc + nx], l[nc + nx:nc + nx + nk]
        g = l[nc + nx + nk:]

        def f(*d):
            out = body(*_put(k, dk, d[:len(dk)]), *_put(c, dc, d[len(dk):nd]), *_put(x, dx, d[nd:]))
            return tuple(out[i] for i in dc) + tuple(out[nc + j] for j in dy), tuple(out)

        _, pull, outs = vjp(f, *[k[i] for i in dk], *[c[i] for i in dc], *[x[j] for j in dx], has_aux=True)
        boundary.append(l[0]._trace.graph.next_id)  # the ids the rules' calls (the backward pass) record come after
        return outs + tuple(pull(tuple(g)))

    boundary: list = []
    joint_graph, captured, _ = trace_flat(joint, list(init) + list(rows) + list(consts) + gvals, "scan",
                                          f"vjp of {body.name}")
    cache[key] = out = None if captured else _cut(joint_graph, boundary[0], body, nk, nc, nx, dk, dc, dx, dy)
    return out


def _cut(g, boundary: int, body: Closed, nk: int, nc: int, nx: int, dk, dc, dx, dy) -> _Halves | None:
    ins = g.inputs
    c_ids, x_ids, k_ids, g_ids = ins[:nc], ins[nc:nc + nx], ins[nc + nx:nc + nx + nk], ins[nc + nx + nk:]
    n_out = len(g.outputs) - (len(dk) + len(dc) + len(dx))
    primal, cts = list(g.outputs[:n_out]), list(g.outputs[n_out:])
    # The forward half: what the body's outputs need, and other equations recorded before the backward pass that
    # read no cotangent. The rules' own work on primal values (cos(x) for sin's VJP, a checkpointed body's
    # recomputation) stays in the backward half: it costs the same there, and its inputs, often rows of xs or
    # values stacked anyway, are fewer to save than its results.
    producer = {o: e for e in g.eqns for o in e.outputs}
    wanted, todo = set(), [o for o in primal if type(o) is int]
    while todo:
        e = producer.get(todo.pop())
        if e is not None and id(e) not in wanted:
            wanted.add(id(e))
            todo.extend(e.inputs)
    known = set(c_ids) | set(x_ids) | set(k_ids) | set(g.consts)
    fwd_eqns, bwd_eqns = [], []
    for e in g.eqns:
        reads_known = all(i in known for i in e.inputs)
        if id(e) in wanted and not reads_known:
            return None  # an output depends on a cotangent: not a body's VJP as expected
        if id(e) in wanted or (reads_known and all(o < boundary for o in e.outputs)):
            fwd_eqns.append(e)
            known.update(e.outputs)
        else:
            bwd_eqns.append(e)
    needed: dict = {}  # the forward values the backward half reads, in the order it first reads them
    for i in [i for e in bwd_eqns for i in e.inputs] + cts:
        if type(i) is int and i in known and i not in g.consts:
            needed.setdefault(i, None)
    x_pos, k_pos = {i: j for j, i in enumerate(x_ids)}, {i: j for j, i in enumerate(k_ids)}
    x_read = [i for i in needed if i in x_pos]
    k_read = [i for i in needed if i in k_pos]
    saved = [i for i in needed if i not in x_pos and i not in k_pos]
    as_y = {o: j for j, o in enumerate(primal[nc:]) if type(o) is int and o not in x_pos and o not in k_pos}
    extra = [i for i in saved if i not in as_y]
    stacked = [("y", as_y[i]) if i in as_y else ("res", extra.index(i)) for i in saved]

    fwd = g.copy()
    fwd.eqns, fwd.inputs, fwd.outputs = fwd_eqns, c_ids + x_ids + k_ids, primal + extra
    bwd = g.copy()
    bwd.eqns, bwd.inputs, bwd.outputs = bwd_eqns, saved + x_read + k_read + g_ids, cts
    fwd, bwd = optimize(fwd, ("dce",)), optimize(bwd, ("dce",))
    return _Halves(Closed(fwd, [nk + i for i in range(nc + nx)] + list(range(nk)), f"{body.name} saving residuals"),
                   Closed(bwd, range(len(bwd.inputs)), f"backward of {body.name}"), stacked,
                   [x_pos[i] for i in x_read], [k_pos[i] for i in k_read], dk, dc, dx, dy)


def _saving_node(top, args: tuple, kw: dict) -> Any:
    """``scan_p(*args, **kw)`` recorded on the reverse-mode trace ``top`` with a rule that reads stacked residuals;
    None to leave the call to the primitive's ordinary binding."""
    body, nk, nc = kw["body"], kw["n_consts"], kw["n_carry"]
    vals = [a.value if type(a) is Box and a._trace is top else a for a in args]
    argnums = tuple(i for i, a in enumerate(args) if type(a) is Box and a._trace is top and _is_float(a))
    if not argnums:
        return None
    consts, init, xs = _split(vals, nk, nc)
    nx = len(xs)
    dk = [i for i in argnums if i < nk]
    dx = [i - nk - nc for i in argnums if i >= nk + nc]
    dc = [i for i, v in enumerate(init) if _is_float(v)]
    dy = [j for j, a in enumerate(body.out_avals()[nc:]) if a is not None and a[1].kind in "fc"]
    if not (dc or dy):
        return None
    examples = ([example_value(v) for v in consts], [example_value(v) for v in init],
                [_row0(example_value(v)) for v in xs])
    halves = _halves(body, examples, nk, nc, nx, dk, dc, dx, dy)
    if halves is None:
        return None
    outs = scan_p(*vals, body=halves.fwd, n_consts=nk, n_carry=nc, length=kw["length"], reverse=kw["reverse"],
                  **_unroll_kw(kw.get("unroll", 1)))
    n_out = len(body.out_avals())
    node_kw = dict(kw, halves=halves, n_vals=len(vals), ids=tuple(id(v) for v in vals))
    return top.process(_saved_p, tuple(outs[:n_out]), tuple(vals) + tuple(outs[n_out:]), node_kw, argnums,
                       tuple(args[i].node for i in argnums))


def _symbolic_zero(v: Any) -> bool:
    # the engine's zeros for an output no path reached: plain, where the real cotangents under jit are traced
    return type(v) is not Box and not bool(namespace(v).any(v))


def _saved_vjp(g, ans, *args, body, n_consts, n_carry, length, reverse, halves, n_vals, ids, unroll=1):
    vals, res = args[:n_vals], args[n_vals:]
    if any(id(v) != i for v, i in zip(vals, ids)):  # re-traced arguments (create_graph): the residuals are stale
        return _scan_vjp(g, ans, *vals, body=body, n_consts=n_consts, n_carry=n_carry, length=length,
                         reverse=reverse, unroll=unroll)
    h, nc = halves, n_carry
    consts, _, xs = _split(vals, n_consts, nc)
    stacked = [ans[nc + k] if kind == "y" else res[k] for kind, k in h.stacked]
    gy = [g[nc + j] for j in h.dy]
    # while recording, a ys' cotangent that is all zeros (a loss that ignores them) feeds one zero row to every step
    # instead of a stacked array; on plain values the test would cost a device sync per call, and saves no trace
    tracing = any(recorded(v) for v in vals) or any(recorded(v) for v in g)
    live = [k for k, v in enumerate(gy) if not (tracing and _symbolic_zero(v))]
    rows0 = {k: namespace(gy[k]).zeros(shape_of(gy[k])[1:], dtype=gy[k].dtype) for k in range(len(gy))
             if k not in live}
    k_read = [consts[i] for i in h.k_read]
    nkd, ncd, ns, nxr = len(h.dk), len(h.dc), len(stacked), len(h.x_read)

    def back(*l):
        acc, gc, rows = l[:nkd], l[nkd:nkd + ncd], l[nkd + ncd:]
        gy_t = iter(rows[ns + nxr:])
        gys = [next(gy_t) if k not in rows0 else rows0[k] for k in range(len(gy))]
        cts = h.bwd(*rows[:ns + nxr], *k_read, *gc, *gys)
        return [a + b for a, b in zip(acc, cts[:nkd])] + list(cts[nkd:])

    out = scan_flat(back, nkd + ncd, [zeros_for(consts[i]) for i in h.dk] + [g[i] for i in h.dc],
                    stacked + [xs[j] for j in h.x_read] + [gy[k] for k in live], length, not reverse,
                    f"vjp of {body.name}", unroll)
    full: list = [None] * len(args)
    for i, c in zip(h.dk, out[:nkd]):
        full[i] = c
    for i, c in zip(h.dc, out[nkd:nkd + ncd]):
        full[n_consts + i] = c
    for j, c in zip(h.dx, out[nkd + ncd:]):
        full[n_consts + nc + j] = c
    return tuple(full)


_saved_p = Primitive("lax.scan", None, multiple_results=True, register=False,
                     doc="A lax.scan node whose forward pass saved its residuals (internal: reverse mode only).")
_saved_p.def_vjp_joint(_saved_vjp)


# --- the other rules ----------------------------------------------------------------------------------------------
def _scan_vjp(g, ans, *args, body, n_consts, n_carry, length, reverse, unroll=1):
    """The recomputing VJP: a forward scan for the carry entering each step, then a reverse scan of ``vjp`` of
    the body."""
    consts, init, xs = _split(args, n_consts, n_carry)
    nc, nx = n_carry, len(xs)
    dk = [i for i, v in enumerate(consts) if _is_float(v)]
    dc = [i for i, v in enumerate(init) if _is_float(v)]
    dx = [j for j, v in enumerate(xs) if _is_float(v)]
    dy = [j for j in range(len(ans) - nc) if _is_float(ans[nc + j])]
    if not (dk or dc or dx) or not (dc or dy):
        return (None,) * len(args)

    def carries_of(*l):
        return list(body(*consts, *l)[:nc]) + list(l[:nc])

    carries = scan_flat(carries_of, nc, init, xs, length, reverse, f"carries of {body.name}", unroll)[nc:]
    nk, ncd = len(dk), len(dc)

    def back(*l):
        acc, gc = l[:nk], l[nk:nk + ncd]
        c_t, x_t, gy_t = l[nk + ncd:nk + ncd + nc], l[nk + ncd + nc:nk + ncd + nc + nx], l[nk + ncd + nc + nx:]

        def f(*d):
            out = body(*_put(consts, dk, d[:nk]), *_put(c_t, dc, d[nk:nk + ncd]), *_put(x_t, dx, d[nk + ncd:]))
            return tuple(out[i] for i in dc) + tuple(out[nc + j] for j in dy)

        _, pull = vjp(f, *[consts[i] for i in dk], *[c_t[i] for i in dc], *[x_t[j] for j in dx])
        cts = pull(tuple(gc) + tuple(gy_t))
        return [a + b for a, b in zip(acc, cts[:nk])] + list(cts[nk:nk + ncd]) + list(cts[nk + ncd:])

    out = scan_flat(back, nk + ncd, [zeros_for(consts[i]) for i in dk] + [g[i] for i in dc],
                    carries + xs + [g[nc + j] for j in dy], length, not reverse, f"vjp of {body.name}", unroll)
    full: list = [None] * len(args)
    for i, c in zip(dk, out[:nk]):
        full[i] = c
    for i, c in zip(dc, out[nk:nk + ncd]):
        full[n_consts + i] = c
    for j, c in zip(dx, out[nk + ncd:]):
        full[n_consts + nc + j] = c
    return tuple(full)


def _scan_jvp(tangents, ans, *args, body, n_consts, n_carry, length, reverse, unroll=1):
    consts, init, xs = _split(args, n_consts, n_carry)
    tk, tc, tx = _split(tangents, n_consts, n_carry)
    nc, nx = n_carry, len(xs)
    ak = [i for i, v in enumerate(consts) if tk[i] is not None and _is_float(v)]
    ax = [j for j, v in enumerate(xs) if tx[j] is not None and _is_float(v)]
    ac = [i for i, v in enumerate(init) if _is_float(v)]  # a float carry gets a tangent once anything feeds it
    if not ak and not ax and all(tc[i] is None for i in ac):
        return None
    na = len(ac)

    def step(*l):
        c, t_c, x, t_x = l[:nc], l[nc:nc + na], l[nc + na:nc + na + nx], l[nc + na + nx:]

        def f(*d):
            return tuple(body(*_put(consts, ak, d[:len(ak)]), *_put(c, ac, d[len(ak):len(ak) + na]),
                              *_put(x, ax, d[len(ak) + na:])))

        out, t_out = jvp(f, tuple([consts[i] for i in ak] + [c[i] for i in ac] + [x[j] for j in ax]),
                         tuple([tk[i] for i in ak] + list(t_c) + list(t_x)))
        return list(out[:nc]) + [t_out[i] for i in ac] + list(t_out[nc:])

    res = scan_flat(step, nc + na, init + [zeros_for(init[i]) if tc[i] is None else tc[i] for i in ac],
                    xs + [tx[j] for j in ax], length, reverse, f"jvp of {body.name}", unroll)
    out_t: list = [None] * nc
    for k, i in enumerate(ac):
        out_t[i] = res[nc + k]
    return tuple(out_t) + tuple(res[nc + na:])


def _scan_batch(args, batched, body, n_consts, n_carry, length, reverse, unroll=1):
    size = batch_size(args, batched)
    consts, init, xs = _split(args, n_consts, n_carry)
    bk, bc, bx = _split(batched, n_consts, n_carry)
    nc = n_carry
    # the carry is batched throughout (a body may make an unbatched carry batched); xs' batch axis goes second
    init = [v if b else fnp.broadcast_to(v, (size,) + aval(v)[0]) for v, b in zip(init, bc)]
    xs = [fnp.moveaxis(v, 0, 1) if b else v for v, b in zip(xs, bx)]
    axes = tuple([0 if b else None for b in bk] + [0] * nc + [0 if b else None for b in bx])
    vbody = vmap(lambda *l: tuple(body(*l)), in_axes=axes, axis_size=size)
    res = scan_flat(lambda *l: list(vbody(*consts, *l)), nc, init, xs, length, reverse, f"vmap of {body.name}",
                    unroll)
    return tuple(res[:nc]) + tuple(fnp.moveaxis(y, 1, 0) for y in res[nc:])


scan_p.def_vjp_joint(_scan_vjp)
scan_p.def_jvp_joint(_scan_jvp)
scan_p.def_batch(_scan_batch)
