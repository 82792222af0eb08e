"""Optimization passes over a recorded :class:`~funcgrad.jit.graph.Graph`, each a separate function.

Every pass takes a graph and returns ``(graph, note)``: a new graph (the input is left as it was) and one line
saying what it did, shown in ``jit(f).lower(...).as_text()``. They never change what the graph computes, only how
much work it takes; ``tests/test_jit_passes.py`` checks each against eager execution on random programs.

* ``simplify``: algebraic rewrites: a transpose of a transpose vanishes (or becomes one transpose); an elementwise
  operation reads a kept-dims reduction directly instead of its re-expanded copy (``expand_reduced``); multiplying
  or dividing by ones and adding or subtracting zeros vanish when they change neither shape nor dtype; a matmul
  with a constant operand whose entries are all equal (the cotangent of ones that ``sum`` sends back) becomes a
  sum and a broadcast: ``ones(m, k) @ B`` is ``B.sum(0)`` broadcast to ``(m, n)``; the sum of a matrix product
  (used by nothing else) needs no product: ``sum(X @ Y) == X.sum(0) @ Y.sum(1)``.
* ``fold``: equations whose inputs are all constants run once, now, and become constants. (Calls on constants
  alone never even reach the recorder: the core's fast path runs them at trace time.)
* ``cse``: equations applying the same primitive with the same parameters to the same inputs are computed once.
* ``dce``: equations whose outputs nothing needs are dropped.
* ``inplace``: not a rewrite but a plan for the plain replay: an elementwise ufunc whose input dies there, in a
  buffer the graph itself allocated (never an input, a constant, an output, nor a buffer another live value is a
  view of), writes its result into that buffer with ``out=``. Inputs in ``Graph.donated`` (``jit``'s
  ``donate_argnums``) count as such buffers: the caller gave them up.

* ``fuse``: elementwise fusion (one equation per chain of elementwise primitives), in :mod:`funcgrad.jit.fuse`.
"""
from __future__ import annotations

from typing import Any

import numpy as _np

from ..core import registry
from ..core.primitive import broadcast_to
from .graph import CustomCall, Eqn, Graph, liveness
from .fuse import fuse

__all__ = ["PASSES", "DEFAULT_PASSES", "UFUNCS", "optimize", "dce", "cse", "fold", "simplify", "plan_inplace"]


def _rename(g: Graph, sub: dict) -> None:
    """Replace uses of the ids in ``sub`` by their substitutes (in place on ``g``, which the pass owns)."""
    if not sub:
        return

    def r(i):
        while i in sub:
            i = sub[i]
        return i

    for e in g.eqns:
        e.inputs = [r(i) for i in e.inputs]
    g.outputs = [r(o) if type(o) is int else o for o in g.outputs]
    g.copy_outputs = {r(o) for o in g.copy_outputs}
    # the values that shared a replaced value's buffer while tracing (its views) now share its substitute's: the
    # in-place plan and fusion must see them, or a fused kernel could overwrite the buffer a view still reads
    roots = {i: g.alias.get(r(i), r(i)) for i in sub}
    g.alias = {i: roots.get(root, root) for i, root in g.alias.items() if i not in sub}


def dce(g: Graph) -> tuple[Graph, str]:
    """Drop equations none of whose outputs reach the graph's outputs.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> def f(x):
    ...     _ = fnp.exp(x)  # dead
    ...     return fnp.sin(x)
    >>> dce(fg.jit(f, passes=()).lower(np.ones(2)).graph)[1]
    'dce: removed 1 equation(s)'
    """
    g = g.copy()
    live = {o for o in g.outputs if type(o) is int}
    kept = []
    for e in reversed(g.eqns):
        if any(o in live for o in e.outputs):
            kept.append(e)
            live.update(e.inputs)
    removed = len(g.eqns) - len(kept)
    g.eqns = kept[::-1]
    used = live | set(g.inputs)
    g.consts = {i: c for i, c in g.consts.items() if i in used}
    return g, f"dce: removed {removed} equation(s)"


def _key(v: Any) -> Any:
    """A hashable stand-in for a static parameter; arrays and unhashable objects only match themselves."""
    t = type(v)
    if t is list or t is tuple:
        return (t, tuple(_key(x) for x in v))
    if t is dict:
        return (dict, tuple(sorted((k, _key(x)) for k, x in v.items())))
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        return ("id", id(v))
    try:
        hash(v)
    except TypeError:
        return ("id", id(v))
    return (t, v)


def _const_key(c: Any) -> Any:
    t = type(c)
    if t in (bool, int, float, complex):
        return (t, c)
    if type(c) in (_np.float64, _np.float32, _np.int64, _np.int32, _np.bool_):
        return (t, c.item())
    return None


def cse(g: Graph) -> tuple[Graph, str]:
    """Compute each (primitive, parameters, inputs) once; equal scalar constants are merged first.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> g = fg.jit(lambda x: fnp.sin(x) + fnp.sin(x), passes=()).lower(np.ones(2)).graph
    >>> [e.prim.name for e in cse(g)[0].eqns]
    ['sin', 'add']
    """
    g = g.copy()
    sub: dict = {}
    seen_c: dict = {}
    for i, c in list(g.consts.items()):
        k = _const_key(c)
        if k is None:
            continue
        if k in seen_c:
            sub[i] = seen_c[k]
        else:
            seen_c[k] = i
    merged_c = len(sub)
    _rename(g, sub)
    seen: dict = {}
    kept, merged = [], 0
    for e in g.eqns:
        if isinstance(e.prim, CustomCall):
            kept.append(e)
            continue
        e.inputs = [sub.get(i, i) for i in e.inputs]
        key = (id(e.prim), tuple(e.inputs), _key(e.params))
        prev = seen.get(key)
        if prev is not None and len(prev.outputs) == len(e.outputs):
            for o, p in zip(e.outputs, prev.outputs):
                sub[o] = p
            merged += 1
            continue
        seen[key] = e
        kept.append(e)
    g.eqns = kept
    _rename(g, sub)
    g.consts = {i: c for i, c in g.consts.items() if i not in sub}
    return g, f"cse: merged {merged} equation(s) and {merged_c} equal scalar constant(s)"


def fold(g: Graph) -> tuple[Graph, str]:
    """Run the equations whose inputs are all constants once, now; their outputs become constants.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fold(fg.jit(lambda x: fnp.sin(x), passes=()).lower(np.ones(2)).graph)[1]  # nothing constant here
    'fold: 0 equation(s) computed at trace time'
    """
    g = g.copy()
    kept, folded = [], 0
    for e in g.eqns:
        if not isinstance(e.prim, CustomCall) and all(i in g.consts for i in e.inputs):
            out = e.prim(*[g.consts[i] for i in e.inputs], **e.params)
            outs = out if e.multiple else (out,)
            for o, v in zip(e.outputs, outs):
                g.consts[o] = v
            folded += 1
            continue
        kept.append(e)
    g.eqns = kept
    return g, f"fold: {folded} equation(s) computed at trace time"


# --- simplify -----------------------------------------------------------------------------------------------------
def _uniform(c: Any) -> Any:
    """The single value of a constant whose entries are all equal (a Python number counts), else None."""
    if isinstance(c, (bool, int, float, complex)):
        return c
    if type(c) is not _np.ndarray and not isinstance(c, _np.generic):
        return None
    a = _np.asarray(c)
    if a.size == 0:
        return None
    first = a.flat[0]
    if a.ndim and all(s == 0 for s in a.strides):  # a broadcast scalar (what a reduction's VJP sends back)
        return first.item()
    if a.size <= 1 << 22 and bool((a == first).all()):
        return first.item()
    return None


def _perm_of(g: Graph, e: Eqn) -> tuple | None:
    name = e.prim.name
    if name == "transpose":
        return tuple(e.params.get("axes"))
    if name == "matrix_transpose":
        aval = g.avals.get(e.inputs[0])
        if aval is None or len(aval[0]) < 2:
            return None
        n = len(aval[0])
        return tuple(range(n - 2)) + (n - 1, n - 2)
    return None


def simplify(g: Graph) -> tuple[Graph, str]:
    """Algebraic rewrites that save work (see the module docstring).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> g = fg.jit(lambda x: fnp.transpose(fnp.transpose(x)) * 1.0, passes=()).lower(np.ones((2, 3))).graph
    >>> simplify(g)[0].outputs == g.inputs
    True
    """
    g = g.copy()
    producer = {}
    for e in g.eqns:
        for o in e.outputs:
            producer[o] = e
    sub: dict = {}
    counts = {"transpose": 0, "identity": 0, "matmul": 0, "sum_matmul": 0, "expand": 0, "square": 0}
    uses = g.uses()
    new_eqns: list = []
    outputs = {o for o in g.outputs if type(o) is int}

    def r(i):
        while i in sub:
            i = sub[i]
        return i

    for e in g.eqns:
        e.inputs = [r(i) for i in e.inputs]
        name = e.prim.name
        out = e.outputs[0] if e.outputs else None
        aval_out = g.avals.get(out)
        # transpose of a transpose
        p2 = _perm_of(g, e)
        if p2 is not None:
            src = producer.get(e.inputs[0])
            p1 = _perm_of(g, src) if src is not None else None
            if p1 is not None and len(p1) == len(p2):
                q = tuple(p1[k] for k in p2)
                counts["transpose"] += 1
                x = src.inputs[0]
                if q == tuple(range(len(q))):
                    sub[out] = x
                    continue
                e = Eqn(registry["transpose"], {"axes": q}, [x], [out])
                producer[out] = e
        # an elementwise op broadcasts a kept-dims reduction itself: no expanded copy needed
        if name in _BROADCASTING and len(e.inputs) == 2:
            counts["expand"] += _skip_expansions(g, e, producer)
        # multiply/divide by ones, add/subtract zeros
        if name in ("multiply", "add", "subtract", "divide") and len(e.inputs) == 2:
            a, b = e.inputs
            for x, c, ok in ((a, b, True), (b, a, name in ("multiply", "add"))):
                if not ok or c not in g.consts or x in g.consts:
                    continue
                u = _uniform(g.consts[c])
                neutral = 1 if name in ("multiply", "divide") else 0
                if u is None or type(u) is bool or u != neutral:
                    continue
                if g.avals.get(x) is not None and g.avals.get(x) == aval_out:
                    sub[out] = x
                    counts["identity"] += 1
                    break
            if out in sub:
                continue
        # (a * h) * h, the product a single-use intermediate: a * square(h), whose square may overwrite a dying h
        if name == "multiply" and _times_square(g, e, producer, uses, outputs):
            counts["square"] += 1
            new_eqns.append(producer[e.inputs[1]])
        # the sum of a matrix product needs no product: sum(X @ Y) = sum(X.sum(0) * Y.sum(1))
        if name == "sum" and _sum_of_matmul(g, e, new_eqns, producer, uses, outputs):
            counts["sum_matmul"] += 1
            continue
        # matmul with a constant operand of equal entries
        if name == "matmul" and len(e.inputs) == 2:
            rewritten = _matmul_uniform(g, e, new_eqns, producer)
            if rewritten is not None:
                if out in outputs:
                    g.copy_outputs.add(out)
                counts["matmul"] += 1
                continue
        new_eqns.append(e)
        for o in e.outputs:
            producer[o] = e
    g.eqns = new_eqns
    _rename(g, sub)
    return g, (f"simplify: {counts['transpose']} transpose pair(s), {counts['identity']} multiplication(s) by "
               f"one / addition(s) of zero, {counts['matmul']} matmul(s) by a uniform constant made broadcasts, "
               f"{counts['sum_matmul']} sum(s) of a matmul made vector products, {counts['expand']} re-expansion(s) "
               f"of a reduction left to broadcasting, {counts['square']} product(s) (a * h) * h made a * square(h)")


def _times_square(g: Graph, e: Eqn, producer: dict, uses: dict, outputs: set) -> bool:
    """Rewrite ``e = (a * h) * h`` (tanh's VJP, ``g * h * h``) as ``a * square(h)`` in place on ``e``, appending
    nothing: the caller emits the new ``square`` equation (``producer`` of ``e``'s second input) before ``e``. Only
    when every value has the output's shape and dtype (no broadcasting) and ``a * h`` is used by ``e`` alone; the
    hand-written version squares ``h`` in its own buffer, which the in-place plan can then do too."""
    if len(e.inputs) != 2:
        return False
    out = g.avals.get(e.outputs[0])
    for k in (0, 1):
        t, h = e.inputs[k], e.inputs[1 - k]
        src = producer.get(t)
        if (src is None or src.prim.name != "multiply" or len(src.inputs) != 2 or h not in src.inputs
                or uses.get(t) != 1 or t in outputs or src.inputs[0] == src.inputs[1]):
            continue
        a = src.inputs[0] if src.inputs[1] == h else src.inputs[1]
        if out is None or out[0] == () or any(g.avals.get(i) != out for i in (a, h, t)) or h in g.consts:
            continue
        sq = g.new_id(aval=out)
        g.owned.add(sq)  # a ufunc's fresh buffer, as the in-place plan requires
        g.alias[sq] = sq
        if h in g.host:
            g.host.add(sq)
        new = Eqn(registry["square"], {}, [h], [sq])
        producer[sq] = new
        e.inputs = [a, sq]
        return True
    return False


# binary ufuncs that broadcast their operands (add_any, the engine's cotangent sum, is left as recorded)
_BROADCASTING = frozenset({"add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "logaddexp",
                           "arctan2", "hypot"})


def _skip_expansions(g: Graph, e: Eqn, producer: dict) -> int:
    """Feed ``e`` (a broadcasting binary op) the reduced value instead of its ``expand_reduced(..., keepdims=True)``
    copy where the other operand already has the output's full shape: broadcasting then gives the same result,
    and the copy (now unused) is removed by dce. That also lets cse see ``a - expand(lse)`` as ``a - lse``."""
    out = g.avals.get(e.outputs[0])
    done = 0
    for k in (0, 1):
        src = producer.get(e.inputs[k])
        other = g.avals.get(e.inputs[1 - k])
        if (src is None or src.prim.name != "expand_reduced" or not src.params.get("keepdims") or out is None
                or other is None or other[0] != out[0] or g.avals.get(e.inputs[k]) != (out[0], other[1])
                or g.avals.get(src.inputs[0]) is None or g.avals[src.inputs[0]][1] != other[1]):
            continue
        e.inputs = list(e.inputs)
        e.inputs[k] = src.inputs[0]
        done += 1
    return done


def _sum_of_matmul(g: Graph, e: Eqn, new_eqns: list, producer: dict, uses: dict, outputs: set) -> bool:
    if e.params.get("axis") is not None or e.params.get("keepdims") or e.params.get("dtype") is not None:
        return False
    src = producer.get(e.inputs[0])
    if src is None or src.prim.name != "matmul" or uses.get(e.inputs[0]) != 1 or e.inputs[0] in outputs:
        return False
    x, y = src.inputs
    av_x, av_y, av_o = g.avals.get(x), g.avals.get(y), g.avals.get(e.outputs[0])
    if (av_x is None or av_y is None or av_o is None or len(av_x[0]) != 2 or len(av_y[0]) != 2
            or not av_x[1] == av_y[1] == av_o[1]):
        return False
    k, dt = av_x[0][1], av_o[1]
    sx, sy, m = (g.new_id(aval=((k,), dt)) for _ in range(3))
    add = new_eqns.append
    add(Eqn(registry["sum"], {"axis": 0, "keepdims": False, "dtype": None}, [x], [sx]))
    add(Eqn(registry["sum"], {"axis": 1, "keepdims": False, "dtype": None}, [y], [sy]))
    add(Eqn(registry["multiply"], {}, [sx, sy], [m]))
    new = Eqn(registry["sum"], {"axis": None, "keepdims": False, "dtype": None}, [m], list(e.outputs))
    add(new)
    producer[e.outputs[0]] = new
    return True


def _matmul_uniform(g: Graph, e: Eqn, new_eqns: list, producer: dict) -> Any:
    a, b = e.inputs
    out = e.outputs[0]
    av_a, av_b, av_o = g.avals.get(a), g.avals.get(b), g.avals.get(out)
    if av_a is None or av_b is None or av_o is None or len(av_a[0]) != 2 or len(av_b[0]) != 2:
        return None
    if av_a[1] != av_o[1] or av_b[1] != av_o[1]:
        return None
    for const, other, axis in ((a, b, 0), (b, a, 1)):
        if const not in g.consts or other in g.consts:
            continue
        u = _uniform(g.consts[const])
        if u is None or type(u) is bool:
            continue
        # ones(m, k) @ B: every row is B's column sums; A @ ones(k, n): every column is A's row sums
        s_id = g.new_id(aval=(((1,) + av_b[0][1:]) if axis == 0 else (av_a[0][:1] + (1,)), av_o[1]))
        new_eqns.append(Eqn(registry["sum"], {"axis": axis, "keepdims": True, "dtype": None}, [other], [s_id]))
        if u != 1:
            c_id = g.add_const(_np.asarray(u, dtype=av_o[1]))
            m_id = g.new_id(aval=g.avals[s_id])
            new_eqns.append(Eqn(registry["multiply"], {}, [s_id, c_id], [m_id]))
            s_id = m_id
            g.owned.add(m_id)
        new = Eqn(broadcast_to, {"shape": tuple(av_o[0])}, [s_id], [out])
        new_eqns.append(new)
        producer[out] = new
        g.owned.discard(out)
        return new
    return None


# --- in-place plan ------------------------------------------------------------------------------------------------
# primitives that are exactly a NumPy ufunc on NumPy values (the replay calls the ufunc itself; bool outputs of
# float inputs never qualify for in-place, as the dtypes differ)
UFUNCS = {name: getattr(_np, name) for name in (
    "negative", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "cbrt", "square", "reciprocal", "sin",
    "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "add",
    "subtract", "multiply", "divide", "maximum", "minimum", "add_any", "absolute", "power", "logaddexp", "arctan2",
    "hypot", "mod", "floor_divide", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "sign", "floor", "ceil", "rint", "trunc", "isfinite",
    "isnan", "isinf") if hasattr(_np, name)}
UFUNCS["add_any"] = _np.add
_FRESH = frozenset(UFUNCS) | {"matmul"}  # primitives whose output is always a new buffer


def plan_inplace(g: Graph, min_bytes: int = 0) -> tuple[dict, str]:
    """``{eqn index: (ufunc, id of the buffer to write into)}`` for the plain replay (see the module docstring).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> g = fg.jit(lambda x: fnp.tanh(fnp.exp(x)), passes=()).lower(np.ones(3)).graph
    >>> plan_inplace(g)[1]  # tanh writes into exp's dying result
    'inplace: 1 elementwise equation(s) write into a dying buffer'

    A buffer is reused only if a ufunc or matmul made it (they always allocate), it was a fresh writeable buffer
    while tracing, and every value that shared its memory while tracing (views of it, or the value itself handed
    through) is dead by then. The signature fixes the inputs' layout, so the replay's aliasing is the trace's.
    """
    last, producer, keep, group = liveness(g)
    plan: dict = {}
    fresh: set = set()  # values written in place: their buffer was a fresh one, so they count as fresh too
    for k, e in enumerate(g.eqns):
        uf = UFUNCS.get(e.prim.name)
        if uf is None or len(e.outputs) != 1 or e.params or not all(i in g.host for i in e.inputs):
            continue  # NumPy's ufuncs on NumPy values only (CuPy arrays keep their primitive's own call)
        out_aval = g.avals.get(e.outputs[0])
        if out_aval is None or not out_aval[0]:
            continue
        shape, dtype = out_aval
        if int(_np.prod(shape)) * _np.dtype(dtype).itemsize < min_bytes:
            continue
        for i in e.inputs:
            p = producer.get(i)
            if i in keep or g.avals.get(i) != out_aval or last.get(i) != k:
                continue
            if i in g.donated:  # the caller's buffer, given up: fresh as far as this replay goes
                if g.alias.get(i, i) != i:
                    continue
            elif p is None or (i not in fresh and (i not in g.owned or p.prim.name not in _FRESH or
                                                   g.alias.get(i) != i)):
                continue
            if e.inputs.count(i) > 1:
                continue
            if any(v != i and (last.get(v, -1) >= k or v in keep) for v in group.get(i, ())):
                continue
            plan[k] = (uf, i)
            fresh.add(e.outputs[0])
            break
    return plan, f"inplace: {len(plan)} elementwise equation(s) write into a dying buffer"


PASSES = {"simplify": simplify, "fold": fold, "cse": cse, "dce": dce, "fuse": fuse}
DEFAULT_PASSES = ("simplify", "fold", "cse", "dce", "fuse", "inplace")


def optimize(g: Graph, passes: tuple = DEFAULT_PASSES) -> Graph:
    """Run the named passes in their fixed order (``inplace`` is planned by the caller).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> g = fg.jit(lambda x: fnp.sin(x) * 1.0, passes=()).lower(np.ones(2)).graph
    >>> [e.prim.name for e in optimize(g).eqns]
    ['sin']
    """
    unknown = [p for p in passes if p not in PASSES and p != "inplace"]
    if unknown:
        raise ValueError(f"funcgrad.jit: unknown pass(es) {unknown}; the passes are {sorted(PASSES) + ['inplace']}"
                         f" (give a subset, e.g. passes=('dce',), or passes=() for none)")
    notes = []
    for name in ("simplify", "fold", "cse", "dce", "fuse"):
        if name in passes:
            g, note = PASSES[name](g)
            notes.append(note)
    g.notes = notes
    return g
