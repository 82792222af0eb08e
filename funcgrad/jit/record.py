"""Recording a function into a :class:`~funcgrad.jit.graph.Graph`: a trace that sees every primitive call.

The recorder is a core trace whose boxes carry a concrete value (so every primitive runs as usual while
recording, and shapes are known) and, in their ``node`` slot, the id of that value in the graph. The core hands it
every primitive applied to its boxes (``Trace.recording``), the non-differentiable ones included, so comparisons and
``argmax`` are recorded too. Calls whose inputs are all constants never reach it: the core's fast path runs them at
once, which is constant folding at trace time. Python that needs a traced value concretely (``if x > 0``,
``float(x)``, a traced value as a shape) gets :meth:`Recorder.conversion_error`.
"""
from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

from .. import tree
from ..backend import NUMPY_TYPES, namespace, shape_of
from ..core import Box, Trace
from ..core.errors import TracedConversionError, user_location
from .graph import CustomCall, Eqn, Graph, Lit

__all__ = ["Recorder", "ClosureTraced", "record", "example_value", "is_array"]

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SCALARS = (bool, int, float, complex)


class ClosureTraced(Exception):
    """The recorded function closes over a value traced by a transform outside jit (internal: jit then runs the
    function without recording it, for that call)."""


def is_array(x: Any) -> bool:
    """True for array values (NumPy, CuPy, their scalars), which jit traces; other leaves are static.

    >>> is_array(1.0), is_array(np.float64(1.0))
    (False, True)
    """
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, type)


def example_value(x: Any) -> Any:
    """A plain value shaped like ``x`` as the function sees it: under vmap, the first example of the batch.

    >>> example_value(2.0)
    2.0
    """
    if type(x) is not Box:
        return x
    v = example_value(x.value)
    if x._trace.batching:
        s = shape_of(v)
        v = v[0] if s[0] else namespace(v).zeros(s[1:], dtype=v.dtype)
    return v


def _snapshot(value: Any) -> Any:
    """The value a graph keeps for an array the function closed over: a copy, unless nothing can write to it (a
    read-only NumPy array owning its memory). Like JAX, jit captures closed-over arrays by value when it records:
    passes read constants (a multiplication by ones vanishes, constants fold), so a constant changed in place
    after recording would otherwise give a mix of old and new values."""
    if type(value) is np.ndarray:
        if value.base is None and not value.flags.writeable:
            return value
        return value.copy()
    if getattr(value, "ndim", 0) and hasattr(value, "copy") and hasattr(value, "__array_namespace__"):
        return value.copy()  # a CuPy (or other registered) array
    return value


def _frozen_params(kw: dict) -> dict:
    """``kw`` with its NumPy arrays (index arrays of ``getitem`` and the like, also inside tuples) snapshotted."""
    def freeze(v):
        t = type(v)
        if t is np.ndarray:
            return _snapshot(v)
        if t is tuple and any(type(e) is np.ndarray or type(e) is tuple for e in v):
            return tuple(freeze(e) for e in v)
        return v

    if not any(type(v) is np.ndarray or type(v) is tuple for v in kw.values()):
        return kw
    return {k: freeze(v) for k, v in kw.items()}


class Recorder(Trace):
    """jit's trace: boxes hold (concrete value, value id); each primitive call appends one equation."""

    __slots__ = ("graph", "_memo", "fname", "_roots", "_hold")
    reverse = False
    recording = True

    def __init__(self, fname: str, where: str = ""):
        super().__init__(f"jit({fname})", where)
        self.fname = fname
        self.graph = Graph()
        self._memo: dict = {}  # constants seen before: the same object (or Python number) gets one id
        # id(buffer) -> the first value id living in it: which values may alias which (for the in-place plan);
        # _hold keeps every trace-time value alive while recording, so that no id(buffer) is reused
        self._roots: dict = {}
        self._hold: list = []

    def _note_buffer(self, i: int, value: Any) -> None:
        b = value
        while getattr(b, "base", None) is not None and b.base is not b:  # a NumPy dtype is its own base
            b = b.base
        self._hold.append(value)
        self.graph.alias[i] = self._roots.setdefault(id(b), i)
        if type(value) in NUMPY_TYPES or type(value) in _SCALARS:
            self.graph.host.add(i)

    def new_input(self, value: Any) -> Box:  # type: ignore[override]
        i = self.graph.new_id(value)
        self.graph.inputs.append(i)
        self._note_buffer(i, value)
        return Box(value, i, self)

    def const(self, value: Any) -> int:
        t = type(value)
        key = (t, value) if t in _SCALARS else ("id", id(value))
        i = self._memo.get(key)
        if i is None:
            stored = _snapshot(value)
            i = self._memo[key] = self.graph.add_const(stored)
            self._hold.append(value)  # its id stays unique while recording (the graph may hold a copy)
            self._note_buffer(i, stored)
        return i

    def _inputs(self, args) -> tuple[list, list]:
        ids, vals = [], []
        for a in args:
            if type(a) is Box:
                if a._trace is not self:
                    raise ClosureTraced(a._trace.transform)
                ids.append(a.node)
                vals.append(a.value)
            else:
                ids.append(self.const(a))
                vals.append(a)
        return ids, vals

    def _outputs(self, value: Any) -> Box:
        g = self.graph
        i = g.new_id(value)
        if type(value) is np.ndarray and value.base is None and value.flags.writeable:
            g.owned.add(i)  # a fresh buffer of its own (NumPy and CuPy both say so with base None)
        self._note_buffer(i, value)
        return Box(value, i, self)

    def apply(self, prim, args: tuple, kw: dict) -> Any:
        ids, vals = self._inputs(args)
        out = prim(*vals, **kw)
        params = _frozen_params(kw)
        if prim.multiple_results:
            boxes = [self._outputs(o) for o in out]
            self.graph.eqns.append(Eqn(prim, params, ids, [b.node for b in boxes]))
            return type(out)(*boxes) if hasattr(out, "_fields") else tuple(boxes)
        box = self._outputs(out)
        self.graph.eqns.append(Eqn(prim, params, ids, [box.node]))
        return box

    def record_custom(self, fn, args: tuple) -> Any:
        """A ``custom_vjp`` / ``custom_jvp`` call: one equation holding the undecorated function's graph."""
        leaves, in_tree = tree.flatten(list(args))
        slots = [k for k, x in enumerate(leaves) if type(x) is Box]
        ids, vals = self._inputs([leaves[k] for k in slots])
        fixed = [None if type(x) is Box else x for x in leaves]
        for x in fixed:
            if type(x) is Box:  # pragma: no cover - slots took them all
                raise ClosureTraced(x._trace.transform)
        body_fn = getattr(fn, "fun", fn)
        sub = Recorder(getattr(body_fn, "__name__", "custom"), self.where)

        def body(*traced):
            full = list(fixed)
            for k, v in zip(slots, traced):
                full[k] = v
            return body_fn(*tree.unflatten(in_tree, full))

        out, body_graph, out_tree = record(sub, body, vals)
        o_leaves = tree.leaves(out)
        lits = {k: o for k, o in enumerate(o_leaves) if not is_array(o)}
        call = CustomCall(fn, body_graph, in_tree, fixed, slots, out_tree, lits)
        boxes = [None if k in lits else self._outputs(o) for k, o in enumerate(o_leaves)]
        self.graph.eqns.append(Eqn(call, {}, ids, [b.node for b in boxes if b is not None]))
        return tree.unflatten(out_tree, [lits[k] if b is None else b for k, b in enumerate(boxes)])

    def conversion_error(self, what: str, box: Box | None, where: str | None = None) -> TracedConversionError:
        """The error for Python that needs a traced value concretely, pointing at the user's line."""
        aval = f" (shape {tuple(box.shape)}, dtype {box.dtype})" if box is not None else ""
        return TracedConversionError(
            f"{what}: a value traced by {self.transform}{aval} has no concrete value while jit records the "
            f"function (at {where or user_location()}). jit records one program for every input of this shape and dtype, so Python cannot branch on, convert, or size an array by a "
            f"traced value. Select elementwise with funcgrad.numpy.where(cond, a, b); make the argument static "
            f"with jit(f, static_argnums=...) / static_argnames=... if it is a setting, not data (one program per "
            f"value); or use structured control flow, traced once and run by the graph: funcgrad.lax.cond / switch "
            f"for a branch, funcgrad.lax.while_loop / fori_loop / scan for a loop. Shapes are static: x.shape is a "
            f"tuple of ints under jit.")


def record(recorder: Recorder, f: Callable, values: list) -> tuple[Any, Graph, Any]:
    """Run ``f`` on recorder boxes holding ``values``: its output (boxes unwrapped), the graph, the output's
    structure.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> out, graph, _ = record(Recorder("f"), lambda x: fnp.sin(x), [np.zeros(2)])
    >>> [e.prim.name for e in graph.eqns], out
    (['sin'], array([0., 0.]))
    """
    g = recorder.graph
    boxes = [recorder.new_input(v) for v in values]
    try:
        out = f(*boxes)
    finally:
        recorder.close()
    leaves, out_tree = tree.flatten(out)
    refs, plain = [], []
    for o in leaves:
        if type(o) is Box:
            if o._trace is not recorder:
                raise ClosureTraced(o._trace.transform)
            refs.append(o.node)
            plain.append(o.value)
        elif is_array(o):
            refs.append(recorder.const(o))
            plain.append(o)
        else:
            refs.append(Lit(o))
            plain.append(o)
    g.outputs = refs
    recorder._memo.clear()
    recorder._roots.clear()
    recorder._hold.clear()
    return tree.unflatten(out_tree, plain), g, out_tree
