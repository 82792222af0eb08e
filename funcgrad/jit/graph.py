"""The graph jit records: primitive applications over numbered values, constants held aside.

A :class:`Graph` is a straight-line program. Each :class:`Eqn` names a registered primitive (or a custom-rule call,
see :class:`CustomCall`), its static keyword parameters, the ids of its input values and the ids of its outputs.
Values are small integers; ``consts`` maps the ids of constants (arrays and Python values the function closed over
or computed without traced inputs) to their values; ``avals`` maps every id to its ``(shape, dtype)`` as seen while
tracing. Outputs are value ids or :class:`Lit` (a Python value returned as is). This is the whole state a later
export needs: names, parameters, ids, shapes and dtypes, with the constants beside them.
"""
from __future__ import annotations

from typing import Any

import numpy as _np

__all__ = ["Graph", "Eqn", "Lit", "CustomCall", "format_graph", "graph_cost"]


class Lit:
    """A non-array Python value among a graph's outputs (``None``, a string, a number computed from shapes)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __repr__(self) -> str:
        return f"Lit({self.value!r})"


class CustomCall:
    """Stands in for a primitive in an :class:`Eqn` that calls a ``custom_vjp`` / ``custom_jvp`` function.

    ``body`` is the graph of the undecorated function (what a plain replay runs); ``fn`` is the decorated function
    itself, which a replay under an outer transform calls, so that its rule applies there.
    """

    __slots__ = ("fn", "body", "in_tree", "fixed", "slots", "out_tree", "out_lits", "name")
    multiple_results = True

    def __init__(self, fn, body: "Graph", in_tree, fixed: list, slots: list, out_tree, out_lits: dict):
        self.fn = fn
        self.body = body
        self.in_tree = in_tree  # the structure of the call's positional arguments
        self.fixed = fixed  # their leaves, with None where a traced value goes
        self.slots = slots  # the leaf positions of the traced inputs, in the order of the eqn's inputs
        self.out_tree = out_tree
        self.out_lits = out_lits  # output leaf position -> Python value (not an array)
        self.name = f"custom_call[{getattr(fn, '__name__', type(fn).__name__)}]"

    def __repr__(self) -> str:
        return f"<{self.name}>"


class Eqn:
    """One primitive application: ``outputs = prim(*inputs, **params)``."""

    __slots__ = ("prim", "params", "inputs", "outputs")

    def __init__(self, prim, params: dict, inputs: list, outputs: list):
        self.prim = prim
        self.params = params
        self.inputs = inputs
        self.outputs = outputs

    @property
    def multiple(self) -> bool:
        return bool(self.prim.multiple_results)

    def __repr__(self) -> str:
        return f"<Eqn {self.outputs} = {self.prim.name}{self.inputs}>"


class Graph:
    """A recorded function: inputs, equations in execution order, outputs, constants and avals."""

    __slots__ = ("inputs", "eqns", "outputs", "consts", "avals", "owned", "alias", "host", "next_id", "notes",
                 "copy_outputs", "donated")

    def __init__(self):
        self.inputs: list = []
        self.eqns: list = []
        self.outputs: list = []
        self.consts: dict = {}
        self.avals: dict = {}
        # ids whose trace-time value was a fresh buffer of its own (no view of another value): in-place candidates
        self.owned: set = set()
        self.alias: dict = {}  # id -> id of the first value seen in the same buffer (trace-time values)
        self.host: set = set()  # ids whose trace-time value was a NumPy array or scalar, or a Python number
        self.next_id = 0
        self.notes: list = []  # what each pass did, for the listing
        self.copy_outputs: set = set()  # outputs that may be read-only views after a rewrite: copied on return
        self.donated: frozenset = frozenset()  # inputs whose buffers the caller gives up (jit's donate_argnums)

    def new_id(self, value: Any = None, aval: tuple | None = None) -> int:
        i = self.next_id
        self.next_id += 1
        self.avals[i] = aval if aval is not None else aval_of(value)
        return i

    def add_const(self, value: Any) -> int:
        i = self.new_id(value)
        self.consts[i] = value
        return i

    def copy(self) -> "Graph":
        g = Graph()
        g.inputs = list(self.inputs)
        g.eqns = [Eqn(e.prim, e.params, list(e.inputs), list(e.outputs)) for e in self.eqns]
        g.outputs = list(self.outputs)
        g.consts = dict(self.consts)
        g.avals = dict(self.avals)
        g.owned = set(self.owned)
        g.alias = dict(self.alias)
        g.host = set(self.host)
        g.next_id = self.next_id
        g.notes = list(self.notes)
        g.copy_outputs = set(self.copy_outputs)
        g.donated = self.donated
        return g

    def uses(self) -> dict:
        """id -> number of uses by equations and outputs."""
        n: dict = {}
        for e in self.eqns:
            for i in e.inputs:
                n[i] = n.get(i, 0) + 1
        for o in self.outputs:
            if type(o) is int:
                n[o] = n.get(o, 0) + 1
        return n


def liveness(g: Graph) -> tuple[dict, dict, set, dict]:
    """What the in-place plan and fusion's buffer reuse ask of a graph: ``(last, producer, keep, group)``: the index
    of each value's last reading equation, each value's producing equation, the values whose buffers must survive
    the replay (outputs, constants, and the inputs the caller has not donated), and each buffer's values (the
    aliasing seen while tracing: a root id -> the ids sharing its memory).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> g = fg.jit(lambda x: fnp.exp(x) + 1.0, passes=()).lower(np.ones(3)).graph
    >>> last, producer, keep, group = liveness(g)
    >>> last[g.inputs[0]], g.inputs[0] in keep
    (0, True)
    """
    last: dict = {}
    producer: dict = {}
    for k, e in enumerate(g.eqns):
        for i in e.inputs:
            last[i] = k
        for o in e.outputs:
            producer[o] = e
    keep = {o for o in g.outputs if type(o) is int} | set(g.consts) | (set(g.inputs) - g.donated)
    group: dict = {}
    for i, r in g.alias.items():
        group.setdefault(r, []).append(i)
    return last, producer, keep, group


def aval_of(value: Any) -> tuple | None:
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is None or dtype is None:
        if isinstance(value, (bool, int, float, complex)):
            return ((), _np.asarray(value).dtype)
        return None
    return (tuple(shape), dtype)


def _fmt_aval(aval) -> str:
    if aval is None:
        return "py"
    shape, dtype = aval
    return f"{dtype}{list(shape)}"


def _fmt_param(v: Any) -> str:
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        return f"<array {v.dtype}{list(v.shape)}>"
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def _fmt_ref(g: Graph, i: int) -> str:
    if i in g.consts:
        c = g.consts[i]
        if hasattr(c, "shape") and getattr(c, "size", 2) > 1:
            return f"c{i}"
        return f"c{i}={_fmt_param(c)}"
    return f"v{i}"


def format_graph(g: Graph, inplace: dict | None = None, indent: str = "") -> str:
    """One line per equation: outputs, primitive, inputs, static parameters, shapes and dtypes.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> print(format_graph(fg.jit(fnp.tanh).lower(np.ones(2)).graph))
    inputs: v0: float64[2]
    v1 = tanh(v0)  : float64[2]
    outputs: v1
    """
    inplace = inplace or {}
    lines = [f"{indent}inputs: " + ", ".join(f"v{i}: {_fmt_aval(g.avals.get(i))}" for i in g.inputs)]
    big = [i for i, c in g.consts.items() if hasattr(c, "shape") and getattr(c, "size", 2) > 1]
    if big:
        lines.append(f"{indent}constants: " + ", ".join(f"c{i}: {_fmt_aval(g.avals.get(i))}" for i in big))
    for k, e in enumerate(g.eqns):
        outs = ", ".join(f"v{o}" for o in e.outputs)
        ins = ", ".join(_fmt_ref(g, i) for i in e.inputs)
        params = "".join(f", {k2}={_fmt_param(v)}" for k2, v in e.params.items())
        types = ", ".join(_fmt_aval(g.avals.get(o)) for o in e.outputs)
        mark = f"  [in place: writes into v{inplace[k]}]" if k in inplace else ""
        lines.append(f"{indent}{outs} = {e.prim.name}({ins}{params})  : {types}{mark}")
        if isinstance(e.prim, CustomCall):
            lines.append(format_graph(e.prim.body, indent=indent + "    | "))
    outs = ", ".join(_fmt_ref(g, o) if type(o) is int else repr(o.value) for o in g.outputs)
    lines.append(f"{indent}outputs: {outs}")
    return "\n".join(lines)


# Primitives whose output is (usually) a view of their first input: they allocate nothing
VIEWS = frozenset({"reshape", "transpose", "matrix_transpose", "broadcast_to", "getitem", "index0", "real",
                   "imag", "diagonal", "select_output", "stop_gradient", "crop"})
_ELEMENTWISE_FLOPS = 1
_MOVES = frozenset({"gather", "gather_add"})  # data movement (an indexed read, or writes into zeros): no flops


def _nbytes(aval) -> int:
    if aval is None:
        return 0
    shape, dtype = aval
    n = 1
    for d in shape:
        n *= d
    return n * _np.dtype(dtype).itemsize


def _size(aval) -> int:
    if aval is None:
        return 0
    n = 1
    for d in aval[0]:
        n *= d
    return n


def _eqn_flops(g: Graph, e: Eqn) -> int | None:
    name = e.prim.name
    if hasattr(e.prim, "flops"):  # a fused equation (funcgrad.jit.fuse) counts its members
        return e.prim.flops
    outs = [g.avals.get(o) for o in e.outputs]
    ins = [g.avals.get(i) for i in e.inputs]
    if name == "matmul" and ins[0] is not None and ins[1] is not None:
        a, b = ins[0][0], ins[1][0]
        k = a[-1] if a else 1
        return 2 * _size(outs[0]) * k
    if name in VIEWS or name in _MOVES:
        return 0
    if name in ("sum", "mean", "max", "min", "prod", "logsumexp", "sum_to"):
        return _size(ins[0])
    if name == "einsum":
        return None
    if len(outs) == 1 and outs[0] is not None and all(a is None or len(a[0]) <= len(outs[0][0]) for a in ins):
        return _size(outs[0]) * _ELEMENTWISE_FLOPS  # elementwise (broadcasting) maps: one flop per output
    return None


def graph_cost(g: Graph, inplace: dict | None = None) -> dict:
    """FLOPs (where known), bytes allocated, and peak bytes of live intermediates of one plain replay.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> graph_cost(fg.jit(fnp.tanh).lower(np.ones(4)).graph)["bytes_allocated"]
    32
    """
    inplace = inplace or {}
    flops, unknown, alloc = 0, [], 0
    last: dict = {}
    for k, e in enumerate(g.eqns):
        for i in e.inputs:
            last[i] = k
    for o in g.outputs:
        if type(o) is int:
            last[o] = len(g.eqns)
    live, peak, sizes = 0, 0, {}
    for k, e in enumerate(g.eqns):
        f = _eqn_flops(g, e)
        if f is None:
            unknown.append(e.prim.name)
        else:
            flops += f
        if e.prim.name not in VIEWS and k not in inplace:
            for o in e.outputs:
                b = _nbytes(g.avals.get(o))
                alloc += getattr(e.prim, "alloc_bytes", b)  # a fused equation's scratch, or 0 where it reuses
                sizes[o] = b
                live += b
        peak = max(peak, live)
        for i in set(e.inputs):
            if last.get(i) == k and i in sizes:
                live -= sizes.pop(i)
        for o in e.outputs:  # never used
            if o not in last and o in sizes:
                live -= sizes.pop(o)
    return {"flops": flops, "flops_unknown_for": sorted(set(unknown)), "bytes_allocated": alloc,
            "peak_bytes": peak, "eqns": len(g.eqns)}
