"""User functions traced into graphs for the structured primitives, their closures made explicit.

A branch or loop body is run once on recorder boxes holding example values (the way ``jit`` records a function),
which gives a :class:`~funcgrad.jit.graph.Graph` of it. A value the function closes over that is traced by some
transform outside (a parameter under ``grad``, a batched value under ``vmap``, an input of an enclosing ``jit``)
becomes an extra input of that graph, and the primitive receives it as an ordinary operand: that is how the outer
transform sees it (JAX calls this closure conversion). The graph then runs without the user's Python: plainly
through jit's generated replay function, under transforms through jit's interpreter.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from .. import numpy as fnp
from .. import tree
from ..backend import namespace
from ..core import Box
from ..core.errors import TracedConversionError, user_location
from ..jit.graph import Graph
from ..jit.passes import optimize
from ..jit.record import Recorder, example_value, is_array
from ..jit.replay import compile_plain, run_traced

__all__ = ["Closed", "trace_flat", "structured", "recorded", "avals_text", "fresh", "leaf_arrays", "same_avals"]

# the passes a body's graph gets: all but the in-place plan (a body's outputs leave it, its inputs are the caller's)
_PASSES = ("simplify", "fold", "cse", "dce")


def structured(x: Any) -> bool:
    """True if ``x`` is traced by jit's recorder or batched by vmap at some level: Python cannot branch on it.

    >>> structured(1.0)
    False
    """
    while type(x) is Box:
        t = x._trace
        if t.recording or t.batching:
            return True
        x = x.value
    return False


def recorded(x: Any) -> bool:
    """True if ``x`` is traced by a recorder (jit's, or a lax body's) at some level."""
    while type(x) is Box:
        if x._trace.recording:
            return True
        x = x.value
    return False


class _Capture(Recorder):
    """A recorder for one lax body: values of other traces it meets become extra graph inputs (captured)."""

    __slots__ = ("captured", "_cap", "op")

    def __init__(self, op: str, fname: str):
        super().__init__(fname)
        self.transform = f"funcgrad.lax.{op}({fname})"
        self.op = op
        self.captured: list = []
        self._cap: dict = {}

    def capture(self, box: Box) -> int:
        i = self._cap.get(id(box))
        if i is None:
            v = example_value(box)
            i = self.graph.new_id(v)
            self.graph.inputs.append(i)
            self._note_buffer(i, v)
            self._cap[id(box)] = i
            self.captured.append(box)  # held: its id stays unique while the graph is built
        return i

    def _inputs(self, args) -> tuple[list, list]:
        ids, vals = [], []
        for a in args:
            if type(a) is Box:
                if a._trace is self:
                    ids.append(a.node)
                    vals.append(a.value)
                else:
                    ids.append(self.capture(a))
                    vals.append(example_value(a))
            else:
                ids.append(self.const(a))
                vals.append(a)
        return ids, vals

    def conversion_error(self, what: str, box: Box | None, where: str | None = None) -> TracedConversionError:
        aval = f" (shape {tuple(box.shape)}, dtype {box.dtype})" if box is not None else ""
        return TracedConversionError(
            f"{what}: a value traced by {self.transform}{aval} has no concrete value while funcgrad.lax.{self.op} "
            f"records its function once for every input of this shape and dtype (at {where or user_location()}). "
            f"Python cannot branch on, convert, or size an array by it there: select elementwise with "
            f"funcgrad.numpy.where(cond, a, b), or nest funcgrad.lax.cond / switch / while_loop / fori_loop / scan.")


class Closed:
    """A traced function of flat array leaves: ``closed(*operands)`` returns the list of its output leaves.

    ``sel`` picks, from the primitive's operands, the graph's inputs (its declared arguments, then the values it
    captured). Plain operands run the compiled graph (no user Python); traced ones run it through the primitives.
    """

    __slots__ = ("graph", "sel", "name", "_plain", "cache")

    def __init__(self, graph: Graph, sel: Sequence[int], name: str):
        self.graph = graph
        self.sel = tuple(sel)
        self.name = name
        self._plain: Callable | None = None
        self.cache: dict = {}  # what the rules derive from this graph once (a scan body's VJP halves)

    def out_avals(self) -> list:
        return [self.graph.avals.get(o) if type(o) is int else None for o in self.graph.outputs]

    def runner(self) -> Callable:
        """The compiled replay on plain values, taking the graph's inputs in their own order (not ``sel``'s)."""
        run = self._plain
        if run is None:  # compiled on first plain use (a benign race between threads: both compile the same)
            run = self._plain = compile_plain(self.graph, name="lax_body")
        return run

    def __call__(self, *operands: Any) -> list:
        vals = [operands[i] for i in self.sel]
        for v in vals:
            if type(v) is Box:
                return run_traced(self.graph, vals)
        return (self._plain or self.runner())(*vals)

    def __repr__(self) -> str:
        return f"<{self.name}: {len(self.graph.eqns)} equation(s)>"


def trace_flat(fun: Callable, values: Sequence[Any], op: str, fname: str) -> tuple[Graph, list, Any]:
    """Record ``fun(*leaves) -> pytree`` on boxes holding ``values``: (graph, captured boxes, output structure).

    Output leaves must be arrays (the callers convert numbers with ``funcgrad.numpy.asarray`` first).
    """
    rec = _Capture(op, fname)
    g = rec.graph
    boxes = [rec.new_input(v) for v in values]
    try:
        out = fun(*boxes)
    finally:
        rec.close()
    leaves, out_tree = tree.flatten(out)
    refs = []
    for o in leaves:
        if type(o) is Box:
            refs.append(o.node if o._trace is rec else rec.capture(o))
        elif is_array(o):
            refs.append(rec.const(o))
        else:
            raise TypeError(f"funcgrad.lax.{op}: {fname} returned a {type(o).__name__} ({o!r:.40}) among its "
                            f"outputs; every output leaf must be an array or a number")
    g.outputs = refs
    rec._memo.clear()
    rec._roots.clear()
    rec._hold.clear()
    captured = list(rec.captured)
    return optimize(g, _PASSES), captured, out_tree


def avals_text(avals: Sequence) -> str:
    return "(" + ", ".join("?" if a is None else f"{a[1]}{list(a[0])}" for a in avals) + ")"


def _root(x: Any) -> Any:
    while getattr(x, "base", None) is not None:
        x = x.base
    return x


def fresh(outs: Sequence[Any], ins: Sequence[Any]) -> tuple:
    """``outs`` with each output that shares a buffer with an input copied.

    A body may hand an input through on one branch and allocate on another; jit's in-place plan assumes that a
    replay aliases what the trace aliased, which holds only if a structured node's outputs never alias its inputs.
    """
    roots = {id(_root(a)) for a in ins if hasattr(a, "base")}
    if not roots:
        return tuple(outs)
    return tuple(namespace(o).array(o, copy=True) if hasattr(o, "base") and id(_root(o)) in roots else o
                 for o in outs)


def leaf_arrays(leaves: Sequence[Any]) -> list:
    """Number leaves as arrays (as JAX makes them), others unchanged: a loop's carry keeps one type throughout."""
    return [x if type(x) is Box or is_array(x) else fnp.asarray(x) for x in leaves]


def same_avals(a: Sequence, b: Sequence) -> bool:
    return len(a) == len(b) and all(x is not None and y is not None and tuple(x[0]) == tuple(y[0])
                                    and x[1] == y[1] for x, y in zip(a, b))


