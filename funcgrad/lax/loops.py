"""``scan``, ``fori_loop`` and ``while_loop``: loops as one node whose body is a traced graph.

Outside ``jit`` they loop in Python (``vmap`` and the differentiation transforms see the body's primitives, step
by step). Under ``jit`` the body is traced once (:mod:`funcgrad.lax._closed`) and one node runs the loop when the
graph runs, through the body's compiled replay: the recorded graph stays one node long whatever the trip count,
and a ``while_loop`` runs as many steps as its new inputs ask for.

* ``lax.scan`` (the primitive and its rules are in :mod:`funcgrad.lax._scan`): under reverse mode its forward
  scan also stacks the residuals the body's backward pass reads, and its VJP is a reverse scan of that backward
  half alone, accumulating the closed-over values' cotangents in its carry: no forward step is recomputed. Its JVP
  is one scan of the body's ``jvp``; its batching rule one scan of the vmapped body (the carry batched throughout).
* ``lax.while`` has a JVP (one loop over the primal and tangent carries) and a batching rule with JAX's semantics
  (run while any example's predicate holds, finished examples frozen with ``where``). Reverse mode needs the
  history of a loop whose length is only known when it runs: under ``jit(grad(f))`` it raises, as JAX does;
  when the backward pass meets it with concrete values (``grad(jit(f))``), it replays the loop in Python under
  ``vjp``, which is exact.
* ``fori_loop`` with concrete bounds is a ``scan`` over the indices (reverse-differentiable); with traced bounds
  a ``while_loop``.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as _np

from .. import numpy as fnp
from .. import tree
from ..core import Primitive, getval, zeros_for
from ..core.errors import PrimitiveError
from ..jit.record import example_value
from ..transforms import jvp, vjp, vmap
from ._closed import Closed, avals_text, fresh, leaf_arrays, recorded, structured, trace_flat
from ._scan import _rows, aval as _aval, check_carry as _check_carry, scan_flat
from .control_flow import _as_arrays, _is_float, _name, _put, batch_size

__all__ = ["scan", "fori_loop", "while_loop"]


def scan(f: Callable, init: Any, xs: Any = None, length: int | None = None, reverse: bool = False,
         unroll: int | bool = 1) -> tuple[Any, Any]:
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``: ``(final carry, stacked ys)`` (JAX's
    ``lax.scan``), differentiable in both modes and batchable.

    ``init`` and ``xs`` are pytrees (``xs=None`` with ``length``: ``f`` gets ``None``); the carry must keep its
    structure, shapes and dtypes; ``reverse`` runs from the last row to the first (ys stay aligned with xs).
    ``unroll=k`` (under ``jit``) replays ``k`` steps per call of one compiled function holding ``k`` copies of
    the body (``True``: all of them), which saves a little Python per step on small bodies; outside ``jit`` the
    loop is Python anyway.

    >>> import numpy as np
    >>> scan(lambda c, x: (c + x, c * x), 0.0, np.arange(1.0, 4.0))
    (np.float64(6.0), array([0., 2., 9.]))
    """
    fname = f"f ({_name(f)})"
    c_leaves, c_tree = tree.flatten(init)
    c_leaves = leaf_arrays(c_leaves)
    x_leaves, x_tree = tree.flatten(xs)
    x_leaves = leaf_arrays(x_leaves)
    shapes = [_aval(x)[0] for x in x_leaves]
    if any(not s for s in shapes):
        raise ValueError(f"funcgrad.lax.scan: every leaf of xs needs a leading axis to scan over, got shapes "
                         f"{shapes}")
    lengths = {s[0] for s in shapes} | ({int(length)} if length is not None else set())
    if len(lengths) > 1:
        given = f" and length={length}" if length is not None else ""
        raise ValueError(f"funcgrad.lax.scan: the leaves of xs must share their leading axis length{given}, got "
                         f"shapes {shapes}{given}")
    if not lengths:
        raise ValueError("funcgrad.lax.scan: with xs=None (or no arrays in xs), pass length=")
    n = lengths.pop()
    if unroll is True or unroll is False:
        k = max(n, 1) if unroll else 1
    elif isinstance(unroll, int) and unroll >= 1:
        k = unroll
    else:
        raise TypeError(f"funcgrad.lax.scan: unroll must be a positive int or a bool, got {unroll!r}")
    if n > 0 and not any(recorded(v) for v in c_leaves) and not any(recorded(v) for v in x_leaves):
        return _scan_python(f, c_leaves, c_tree, xs, x_leaves, x_tree, n, reverse, fname)
    nc = len(c_leaves)
    info: dict = {}

    def body(*leaves):
        out = f(tree.unflatten(c_tree, leaves[:nc]), tree.unflatten(x_tree, leaves[nc:]))
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"funcgrad.lax.scan: {fname} must return a pair (carry, y), got "
                            f"{type(out).__name__}")
        c_out, c_td = tree.flatten(_as_arrays(out[0]))
        if c_td != c_tree:
            raise TypeError(f"funcgrad.lax.scan: {fname} must return a carry of the structure it received, "
                            f"{c_tree!r}; it returned {c_td!r}")
        y_out, info["y"] = tree.flatten(_as_arrays(out[1]))
        return c_out + y_out

    res = scan_flat(body, nc, c_leaves, x_leaves, n, reverse, fname, k)
    return tree.unflatten(c_tree, res[:nc]), tree.unflatten(info["y"], res[nc:])


def _scan_python(f, c_leaves, c_tree, xs, x_leaves, x_tree, n, reverse, fname) -> tuple[Any, Any]:
    """The eager scan: the user's ``f`` called on the pytrees themselves, one flatten per step only for the ys."""
    rows = [_rows(x, n) for x in x_leaves]
    bare = len(x_leaves) == 1 and x_leaves[0] is xs  # xs is one array: its rows are the x's
    none_x = tree.unflatten(x_tree, []) if not x_leaves else None
    carry = tree.unflatten(c_tree, c_leaves)
    ys: list = [None] * n
    for step, t in enumerate(range(n - 1, -1, -1) if reverse else range(n)):
        x_t = rows[0][t] if bare else none_x if not x_leaves else tree.unflatten(x_tree, [r[t] for r in rows])
        out = f(carry, x_t)
        if step == 0:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"funcgrad.lax.scan: {fname} must return a pair (carry, y), got "
                                f"{type(out).__name__}")
            c_out, c_td = tree.flatten(out[0])
            if c_td != c_tree:
                raise TypeError(f"funcgrad.lax.scan: {fname} must return a carry of the structure it received, "
                                f"{c_tree!r}; it returned {c_td!r}")
            _check_carry("scan", fname, [_aval(c) for c in c_leaves], [_aval(c) for c in c_out])
        carry, ys[t] = out
    y_leaves, y_tree = tree.flatten(ys[0])
    if len(y_leaves) == 1 and y_leaves[0] is ys[0]:
        stacked = fnp.stack(ys)
    else:
        cols = [tree.leaves(y) for y in ys]
        stacked = tree.unflatten(y_tree, [fnp.stack([c[j] for c in cols]) for j in range(len(y_leaves))])
    c_final, _ = tree.flatten(carry)
    return tree.unflatten(c_tree, leaf_arrays(c_final)), stacked


# --- while_loop -------------------------------------------------------------------------------------------------
def _while_impl(*args, cond, body, n_cc, n_bc):
    cc, bc = args[:n_cc], args[n_cc:n_cc + n_bc]
    carry = args[n_cc + n_bc:]
    test, step = cond.runner(), body.runner()  # their graphs' inputs are (carry, own consts): see while_flat
    while test(*carry, *cc)[0]:
        carry = step(*carry, *bc)
    return fresh(tuple(carry), args)


while_p = Primitive("lax.while", _while_impl, multiple_results=True, register=False,
                    doc="``carry = body(carry)`` while ``cond(carry)`` (funcgrad.lax.while_loop).")


def _check_pred(p_aval: tuple, fname: str) -> None:
    if p_aval is None or tuple(p_aval[0]) != () or getattr(p_aval[1], "kind", "") != "b":
        raise TypeError(f"funcgrad.lax.while_loop: {fname} must return a boolean scalar, got "
                        f"{avals_text([p_aval])}; reduce an array with .any() / .all(), compare a number with > or <")


def while_flat(cond_fun: Callable, body_fun: Callable, init: list, names: tuple = ("cond_fun", "body_fun")) -> list:
    """``while cond_fun(*carry): carry = body_fun(*carry)`` on flat leaves: Python while the predicate is
    concrete, one ``lax.while`` node from the carry at hand once it is not."""
    carry, first = list(init), True
    while True:
        p = cond_fun(*carry)
        _check_pred(_aval(p), names[0])
        if structured(p):
            break
        if not bool(getval(p)):
            return carry
        new = list(body_fun(*carry))
        if first:
            _check_carry("while_loop", names[1], [_aval(c) for c in carry], [_aval(c) for c in new])
            first = False
        carry = new
    vals = [example_value(c) for c in carry]
    g_c, cap_c, _ = trace_flat(lambda *l: cond_fun(*l), vals, "while_loop", names[0])
    g_b, cap_b, _ = trace_flat(lambda *l: tuple(body_fun(*l)), vals, "while_loop", names[1])
    kc, kb, n = len(cap_c), len(cap_b), len(carry)
    c_closed = Closed(g_c, [kc + kb + i for i in range(n)] + list(range(kc)), f"while cond {names[0]}")
    b_closed = Closed(g_b, [kc + kb + i for i in range(n)] + [kc + k for k in range(kb)], f"while body {names[1]}")
    _check_pred(c_closed.out_avals()[0], names[0])
    _check_carry("while_loop", names[1], [_aval(v) for v in vals], b_closed.out_avals())
    return list(while_p(*cap_c, *cap_b, *carry, cond=c_closed, body=b_closed, n_cc=kc, n_bc=kb))


def _while_vjp(g, ans, *args, cond, body, n_cc, n_bc):
    if any(structured(a) for a in args) or any(structured(x) for x in g):
        raise PrimitiveError(
            "funcgrad.lax.while_loop (or fori_loop with traced bounds) cannot be reverse-differentiated here: its "
            "trip count is only known when it runs, so its history cannot be saved inside jit or vmap. Use "
            "fori_loop with Python int bounds or scan (reverse-differentiable), forward mode (jvp, jacfwd), or "
            "take grad outside jit (grad(jit(f))), where the loop's values are concrete")
    head, carry = list(args[:n_cc + n_bc]), list(args[n_cc + n_bc:])
    db = [n_cc + k for k in range(n_bc) if _is_float(head[n_cc + k])]
    dc = [i for i, v in enumerate(carry) if _is_float(v)]
    if not (db or dc):
        return (None,) * len(args)

    def f(*d):  # the loop again, in Python under vjp: its values are concrete now
        h, c = _put(head, db, d[:len(db)]), _put(carry, dc, d[len(db):])
        while bool(getval(cond(*h, *c)[0])):
            c = body(*h, *c)
        return tuple(c[i] for i in dc)

    _, pull = vjp(f, *[head[k] for k in db], *[carry[i] for i in dc])
    cts = pull(tuple(g[i] for i in dc))
    full: list = [None] * len(args)
    for k, c in zip(db + [n_cc + n_bc + i for i in dc], cts):
        full[k] = c
    return tuple(full)


def _while_jvp(tangents, ans, *args, cond, body, n_cc, n_bc):
    head, carry = list(args[:n_cc + n_bc]), list(args[n_cc + n_bc:])
    th, tc = tangents[:n_cc + n_bc], tangents[n_cc + n_bc:]
    ab = [n_cc + k for k in range(n_bc) if th[n_cc + k] is not None and _is_float(head[n_cc + k])]
    ac = [i for i, v in enumerate(carry) if _is_float(v)]
    if not ab and all(tc[i] is None for i in ac):
        return None
    n = len(carry)

    def step(*l):
        c, t_c = l[:n], l[n:]
        out, t_out = jvp(lambda *d: tuple(body(*_put(head, ab, d[:len(ab)]), *_put(c, ac, d[len(ab):]))),
                         tuple([head[k] for k in ab] + [c[i] for i in ac]), tuple([th[k] for k in ab] + list(t_c)))
        return list(out) + [t_out[i] for i in ac]

    res = while_flat(lambda *l: cond(*head, *l[:n])[0], step,
                     carry + [zeros_for(carry[i]) if tc[i] is None else tc[i] for i in ac],
                     ("cond_fun", f"jvp of {body.name}"))
    out_t: list = [None] * n
    for k, i in enumerate(ac):
        out_t[i] = res[n + k]
    return tuple(out_t)


def _while_batch(args, batched, cond, body, n_cc, n_bc):
    size = batch_size(args, batched)
    head, carry = list(args[:n_cc + n_bc]), list(args[n_cc + n_bc:])
    bh = list(batched[:n_cc + n_bc])
    carry = [v if b else fnp.broadcast_to(v, (size,) + _aval(v)[0])
             for v, b in zip(carry, batched[n_cc + n_bc:])]
    axes = tuple([0 if b else None for b in bh] + [0] * len(carry))
    vcond = vmap(lambda *l: cond(*l)[0], in_axes=axes, axis_size=size)
    vbody = vmap(lambda *l: tuple(body(*l)), in_axes=axes, axis_size=size)

    def step(*c):  # examples whose predicate is false keep their carry
        live = vcond(*head, *c)
        new = vbody(*head, *c)
        return [fnp.where(fnp.reshape(live, (size,) + (1,) * (len(_aval(o)[0]) - 1)), o, old)
                for o, old in zip(new, c)]

    return tuple(while_flat(lambda *c: fnp.any(vcond(*head, *c)), step, carry,
                            (f"vmap of {cond.name}", f"vmap of {body.name}")))


while_p.def_vjp_joint(_while_vjp)
while_p.def_jvp_joint(_while_jvp)
while_p.def_batch(_while_batch)


def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any) -> Any:
    """``val = body_fun(val)`` while ``cond_fun(val)`` (JAX's ``lax.while_loop``), from ``init_val`` (a pytree).

    Outside ``jit`` it loops in Python and every transform applies. Under ``jit`` (a traced predicate) it is one
    node that loops when it runs, with a JVP and a batching rule (a batched predicate runs until every example is
    done, finished examples frozen); reverse mode through it raises inside ``jit`` (as in JAX: use ``scan`` or
    ``fori_loop`` with static bounds), and works from outside (``grad(jit(f))``).

    >>> import numpy as np
    >>> while_loop(lambda c: c < 100, lambda c: c * 3, np.int64(1))
    np.int64(243)
    """
    names = (f"cond_fun ({_name(cond_fun)})", f"body_fun ({_name(body_fun)})")
    c_leaves, c_tree = tree.flatten(init_val)
    c_leaves = leaf_arrays(c_leaves)

    def body(*leaves):
        out, td = tree.flatten(_as_arrays(body_fun(tree.unflatten(c_tree, leaves))))
        if td != c_tree:
            raise TypeError(f"funcgrad.lax.while_loop: {names[1]} must return a value of init_val's structure, "
                            f"{c_tree!r}; it returned {td!r}")
        return out

    res = while_flat(lambda *leaves: cond_fun(tree.unflatten(c_tree, leaves)), body, c_leaves, names)
    return tree.unflatten(c_tree, res)


def _concrete_int(x: Any, what: str) -> int | None:
    if structured(x):
        return None
    v = getval(x)
    if getattr(v, "dtype", None) is not None and v.dtype.kind not in "iu" or isinstance(v, float):
        raise TypeError(f"funcgrad.lax.fori_loop: {what} must be an integer, got {v!r}")
    return int(v)


def fori_loop(lower: Any, upper: Any, body_fun: Callable, init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)`` (JAX's ``lax.fori_loop``).

    With concrete bounds (Python ints, or arrays jit does not trace) it is a :func:`scan` over the indices, and
    differentiable in both modes; with traced bounds a :func:`while_loop` (forward mode only inside ``jit``).
    ``i`` is an integer array of the bounds' dtype (int64 for Python ints), in every mode.

    >>> fori_loop(0, 4, lambda i, c: c + i, 0)
    np.int64(6)
    """
    lo, hi = _concrete_int(lower, "lower"), _concrete_int(upper, "upper")
    dts = [x.dtype for x in (lower, upper) if getattr(x, "dtype", None) is not None]
    dt = _np.result_type(*dts) if dts else _np.dtype(_np.int64)
    if lo is not None and hi is not None:
        if hi <= lo:
            return tree.unflatten(tree.structure(init_val), leaf_arrays(tree.leaves(init_val)))
        carry, _ = scan(lambda c, i: (body_fun(i, c), None), init_val, _np.arange(lo, hi, dtype=dt))
        return carry
    start = fnp.astype(fnp.asarray(lower), dt)
    stop = fnp.astype(fnp.asarray(upper), dt)

    def loop_body(state):
        i, val = state
        return i + _np.ones((), dt), body_fun(i, val)

    return while_loop(lambda state: state[0] < stop, loop_body, (start, init_val))[1]
