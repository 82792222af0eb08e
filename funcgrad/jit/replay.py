"""Replaying a graph: a generated straight-line Python function for plain inputs, an interpreter for traced ones.

Plain inputs: :func:`compile_plain` writes one Python function per graph whose body is one line per equation,
``v7 = f7(v3, c2, axis=p7_0)``, with each primitive's raw implementation, its constants and parameters bound as
names of the function's globals (identifiers the compiler makes up, never user text). Values die where the graph
says they do (``del v3`` after their last use), so memory follows the graph's lifetimes, and an elementwise
equation planned to run in place (see :mod:`funcgrad.jit.passes`) calls its ufunc with ``out=``; the function
returns the output pytree, its containers written into the code. Reductions whose shapes make NumPy's own
reduction slow run another way (column sums as a product with ones, a short last axis on a transposed copy), so
the result costs little more than, and sometimes less than, the implementation calls themselves.

Traced inputs (the jitted function called inside grad, jvp, vmap, or while another jit records): each equation
is applied through the primitive's ordinary ``__call__``, so the outer transform sees ordinary primitive calls;
a custom-rule call runs the decorated function itself, so its rule applies.
"""
from __future__ import annotations

import functools
import math
import operator
from typing import Any, Callable

import numpy as _np

from .. import tree
from .graph import CustomCall, Graph
from .passes import UFUNCS

__all__ = ["compile_plain", "run_traced"]


def _last_uses(g: Graph) -> dict:
    """eqn index -> ids whose last use it is (outputs and constants never die)."""
    last: dict = {}
    for k, e in enumerate(g.eqns):
        for i in e.inputs:
            last[i] = k
    keep = {o for o in g.outputs if type(o) is int} | set(g.consts) | set(g.inputs)
    dies: dict = {}
    for i, k in last.items():
        if i not in keep:
            dies.setdefault(k, []).append(i)
    # values no equation uses and that are not outputs die at once
    for k, e in enumerate(g.eqns):
        for o in e.outputs:
            if o not in last and o not in keep:
                dies.setdefault(k, []).append(o)
    return dies


def _materialize(x):
    return x.copy() if not getattr(getattr(x, "flags", None), "writeable", True) else x


def compile_plain(g: Graph, inplace: dict | None = None, name: str = "replay",
                  out_tree: tree.PyTreeDef | None = None) -> Callable:
    """A function ``run(*input_values) -> list of output values`` executing ``g`` on plain arrays; given
    ``out_tree``, it returns the output pytree instead (the containers are built by the generated code itself).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> compile_plain(fg.jit(fnp.negative).lower(np.ones(2)).graph)(np.arange(2.0))
    [array([-0., -1.])]
    >>> compile_plain(fg.jit(fnp.negative).lower(np.ones(2)).graph, out_tree=fg.tree.structure({"y": 0}))(np.ones(1))
    {'y': array([-1.])}
    """
    inplace = inplace or {}
    env: dict = {"_materialize": _materialize}
    ref: dict = {}
    for i, c in g.consts.items():
        ref[i] = f"c{i}"
        env[f"c{i}"] = c
    for i in g.inputs:
        ref[i] = f"a{i}"
    lines = [f"def {name}({', '.join(ref[i] for i in g.inputs)}):"]
    dies = _last_uses(g)
    for k, e in enumerate(g.eqns):
        for o in e.outputs:
            ref[o] = f"v{o}"
        args = [ref[i] for i in e.inputs]
        if isinstance(e.prim, CustomCall):
            fn = f"custom{k}"
            env[fn] = _custom_plain(e.prim)
        elif k in inplace:
            fn = f"u{k}"
            ufunc, target = inplace[k]
            env[fn] = ufunc
            args.append(f"out={ref[target]}")
        elif e.prim.name in UFUNCS and not e.params and all(i in g.host for i in e.inputs):
            # NumPy values in, NumPy values out: the ufunc itself, without the primitive's dispatch on types
            fn = f"u{k}"
            env[fn] = UFUNCS[e.prim.name]
            args = _typed_scalars(g, e, args, env, k)
        elif e.prim.name in _SPECIALIZE and all(i in g.host or _is_none(g, i) for i in e.inputs) and \
                _SPECIALIZE[e.prim.name](g, e) is not None:
            # shapes are static: the primitive's shape logic runs once, here, not on every replay
            fn = f"f{k}"
            env[fn] = _SPECIALIZE[e.prim.name](g, e)
            args = args[:1]
            for o in e.outputs:
                ref[o] = f"v{o}"
            lines.append(f"    {ref[e.outputs[0]]} = {fn}({args[0]})")
            if k in dies:
                lines.append(f"    del {', '.join(ref[i] for i in sorted(dies[k]))}")
            continue
        else:
            fn = f"f{k}"
            env[fn] = e.prim.impl
        for j, (key, v) in enumerate(e.params.items()):
            pname = f"p{k}_{j}"
            env[pname] = v
            args.append(f"{key}={pname}")
        call = f"{fn}({', '.join(args)})"
        if isinstance(e.prim, CustomCall) or e.multiple:
            lhs = ", ".join(ref[o] for o in e.outputs) + ("," if len(e.outputs) == 1 else "")
            lines.append(f"    {lhs or '_'} = {call}")
        else:
            lines.append(f"    {ref[e.outputs[0]]} = {call}")
        if k in dies:
            lines.append(f"    del {', '.join(ref[i] for i in sorted(dies[k]))}")
    outs = []
    returned: set = set()
    for j, o in enumerate(g.outputs):
        if type(o) is not int:
            env[f"lit{j}"] = o.value
            outs.append(f"lit{j}")
        elif o in g.consts or o in returned:  # a second output of one value (merged by cse): its own buffer
            outs.append(f"_copy({ref[o]})")
        elif o in g.copy_outputs:
            outs.append(f"_copy({ref[o]})")
        elif o in g.copy_outputs:
            outs.append(f"_materialize({ref[o]})")
        else:
            outs.append(ref[o])
        if type(o) is int:
            returned.add(o)
    env["_copy"] = _copy_const
    if out_tree is None:
        lines.append(f"    return [{', '.join(outs)}]")
    elif out_tree.num_leaves != len(outs):
        raise ValueError(f"compile_plain: the output structure {out_tree!r} has {out_tree.num_leaves} leaves, but "
                         f"the graph has {len(outs)} outputs; pass the structure the graph was recorded with")
    else:
        lines.append(f"    return {_tree_src(out_tree, iter(outs), env)}")
    src = "\n".join(lines)
    code = compile(src, f"<funcgrad.jit {name}>", "exec")
    exec(code, env)  # noqa: S102 - source generated above from graph ids; no user text in it
    fn = env[name]
    fn.source = src
    return fn


_LEAF_KIND = tree.structure(0).kind


def _tree_src(td: tree.PyTreeDef, outs, env: dict) -> str:
    """The expression building the pytree ``td`` from the output expressions ``outs`` (consumed in order):
    literals for tuples, lists, dicts and None, so a replay returns its result without an unflatten."""
    kind = td.kind
    if kind is _LEAF_KIND:
        return next(outs)
    if kind is type(None):
        return "None"
    if kind is tuple or kind is list:
        inner = [_tree_src(c, outs, env) for c in td.children]
        if kind is list:
            return f"[{', '.join(inner)}]"
        return f"({inner[0]},)" if len(inner) == 1 else f"({', '.join(inner)})"
    if kind is dict:
        items = []
        for k, c in zip(td.aux, td.children):
            kname = f"key{len(env)}"  # keys are bound as names: any hashable key, no user text in the source
            env[kname] = k
            items.append(f"{kname}: {_tree_src(c, outs, env)}")
        return "{" + ", ".join(items) + "}"
    # namedtuples and registered nodes: their own unflatten, given this subtree's leaves
    uname = f"build{len(env)}"
    env[uname] = functools.partial(tree.unflatten, td)
    return f"{uname}([{', '.join(next(outs) for _ in range(td.num_leaves))}])"


def _is_none(g: Graph, i: int) -> bool:
    return i in g.consts and g.consts[i] is None  # an omitted optional argument (logsumexp's b)


def _sum_to(g: Graph, e) -> Callable | None:
    src, dst = g.avals.get(e.inputs[0]), tuple(e.params.get("shape", ()))
    if src is None or len(e.inputs) != 1 or set(e.params) != {"shape"}:
        return None
    src = src[0]
    if src == dst:
        return _identity
    lead = len(src) - len(dst)
    if lead < 0:
        return None
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(dst) if d == 1 and src[lead + i] != 1)
    kept = tuple(d for i, d in enumerate(src) if i not in axes)
    dtype = g.avals[e.inputs[0]][1]
    rows = math.prod(src[:lead])
    if axes == tuple(range(lead)) and lead and dtype in _BLAS_FLOATS and rows >= GEMV_ROWS and kept:
        # a sum over the leading axes is a vector-matrix product: BLAS sums a 128 x 256 float32 array's columns in
        # about half NumPy's reduction time
        ones, cols = _np.ones(rows, dtype), math.prod(kept)
        if len(src) == 2:
            return lambda x: ones @ x
        return lambda x: (ones @ x.reshape(rows, cols)).reshape(dst)
    perm = _short_last(src, axes)
    if perm is not None:
        contiguous = _np.ascontiguousarray
        return lambda x: contiguous(x.transpose(perm)).sum(axis=0).reshape(dst)
    if kept == dst:
        return lambda x: x.sum(axis=axes)
    return lambda x: x.sum(axis=axes).reshape(dst)


_BLAS_FLOATS = (_np.dtype(_np.float32), _np.dtype(_np.float64))
#: column sums over at least this many rows run as ``ones @ x`` (below it the product's call costs more than it saves)
GEMV_ROWS = 16
#: a reduction over the last axis alone, when that axis is at most this long and the other axes hold at least this
#: many rows, runs on a transposed copy: NumPy reduces a short contiguous axis one row at a time (a 128 x 10 float32
#: max: about 6 us), a leading axis with one ufunc loop over whole rows (the copy and the max: about 1.7 us)
SHORT_AXIS, MANY_ROWS = 32, 64


def _short_last(shape: tuple, axes: tuple) -> tuple | None:
    """The permutation bringing the last axis first, where a reduction over ``axes`` of ``shape`` gains by it."""
    nd = len(shape)
    if nd < 2 or axes != (nd - 1,) or shape[-1] > SHORT_AXIS or math.prod(shape[:-1]) < MANY_ROWS:
        return None
    return (nd - 1,) + tuple(range(nd - 1))


def _matrix_transpose(g: Graph, e) -> Callable | None:
    src = g.avals.get(e.inputs[0])
    if src is None or len(src[0]) < 2 or e.params:
        return None
    return _T if len(src[0]) == 2 else _swap_last


def _identity(x):
    return x


def _T(x):
    return x.T


def _swap_last(x):
    return x.swapaxes(-1, -2)


def _logsumexp(g: Graph, e) -> Callable | None:
    """``logsumexp(a, axis=..., keepdims=...)`` without weights on a NumPy float array: four ufunc calls and two
    reductions, with the primitive's shape logic done once here. A slice whose maximum is not finite (all -inf,
    an inf, a nan) falls back to the primitive itself, which handles those; the test costs one small sum."""
    src = g.avals.get(e.inputs[0])
    if (src is None or len(e.inputs) != 2 or e.inputs[1] not in g.consts or g.consts[e.inputs[1]] is not None
            or e.params.get("return_sign") or src[1].kind != "f" or not src[0]):
        return None
    shape, axis, keepdims = src[0], e.params.get("axis"), bool(e.params.get("keepdims"))
    nd = len(shape)
    try:
        axes = tuple(range(nd)) if axis is None else tuple(sorted(
            operator.index(a) % nd for a in (axis if type(axis) is tuple else (axis,))))
    except TypeError:
        return None
    if len(set(axes)) != len(axes) or any(shape[a] == 0 for a in axes):
        return None
    dropped = tuple(d for i, d in enumerate(shape) if i not in axes)
    impl, params = e.prim.impl, dict(e.params)
    isfinite = math.isfinite
    log, exp, subtract = _np.log, _np.exp, _np.subtract

    perm = _short_last(shape, axes)
    if perm is not None:
        out_shape = shape[:-1] + (1,) if keepdims else dropped

        def lse_rows(a):
            t = a.transpose(perm).copy()  # our own buffer (a copy even of a view that is contiguous already)
            m = t.max(axis=0)
            if not isfinite(m.sum()):
                return impl(a, None, **params)
            subtract(t, m, out=t)
            exp(t, out=t)
            s = t.sum(axis=0)
            log(s, out=s)
            s += m
            return s.reshape(out_shape)

        return lse_rows

    def lse(a):
        m = a.max(axis=axes, keepdims=True)
        if not isfinite(m.sum()):
            return impl(a, None, **params)
        t = subtract(a, m)
        exp(t, out=t)
        s = t.sum(axis=axes, keepdims=True)
        log(s, out=s)
        s += m
        return s if keepdims else s.reshape(dropped)

    return lse


_SPECIALIZE = {"sum_to": _sum_to, "matrix_transpose": _matrix_transpose, "logsumexp": _logsumexp}


def _typed_scalars(g: Graph, e, args: list, env: dict, k: int) -> list:
    """Python-number constants of a ufunc converted once to the NumPy scalar type NumPy would convert them to on
    every call: the output's dtype, when every array operand has it (weak promotion then gives that dtype)."""
    out = g.avals.get(e.outputs[0])
    if out is None:
        return args
    dtype = out[1]
    arrays = [g.avals.get(i) for i in e.inputs if not isinstance(g.consts.get(i, e), (bool, int, float, complex))]
    if not arrays or any(a is None or a[1] != dtype for a in arrays):
        return args
    args = list(args)
    for j, i in enumerate(e.inputs):
        c = g.consts.get(i, e)
        if type(c) in (int, float, complex) and dtype.kind in "fc":
            name = f"s{k}_{j}"
            env[name] = dtype.type(c)
            args[j] = name
    return args


def _copy_const(c):
    # a constant returned as an output: a fresh copy per call, so a caller's write cannot change later calls
    return c.copy() if hasattr(c, "copy") and hasattr(c, "shape") else c


def _custom_plain(call: CustomCall) -> Callable:
    body = compile_plain(call.body, name="custom_body")
    lits = call.out_lits

    def run(*vals):
        outs = body(*vals)
        return tuple(o for k, o in enumerate(outs) if k not in lits)

    return run


def run_traced(g: Graph, values: list) -> list:
    """Apply ``g``'s equations to ``values`` (traced by outer transforms) through the primitives' ``__call__``.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> g = fg.jit(fnp.sin).lower(np.zeros(2)).graph
    >>> fg.grad(lambda x: fnp.sum(run_traced(g, [x])[0]))(np.zeros(2))
    array([1., 1.])
    """
    env = dict(g.consts)
    env.update(zip(g.inputs, values))
    for e in g.eqns:
        args = [env[i] for i in e.inputs]
        p = e.prim
        if isinstance(p, CustomCall):
            full = list(p.fixed)
            for k, v in zip(p.slots, args):
                full[k] = v
            out_leaves = tree.leaves(p.fn(*tree.unflatten(p.in_tree, full)))
            outs = [o for k, o in enumerate(out_leaves) if k not in p.out_lits]
        elif p.multiple_results:
            outs = p(*args, **e.params)
        else:
            outs = (p(*args, **e.params),)
        for o, v in zip(e.outputs, outs):
            env[o] = v
    return [env[o] if type(o) is int else o.value for o in g.outputs]


def describe_program(fn: Any) -> str:
    """The generated source of a compiled replay function (for debugging).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> print(describe_program(compile_plain(fg.jit(fnp.sin).lower(np.ones(2)).graph)))
    def replay(a0):
        v1 = u0(a0)
        return [v1]
    """
    return getattr(fn, "source", "")
