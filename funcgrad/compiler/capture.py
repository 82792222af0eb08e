"""Recording a Tensor-face function once into a forward graph and a backward graph (what ``funcgrad.compile`` runs).

The function runs once on Tensors whose values are jit's recorder boxes (:mod:`funcgrad.jit.record`). A Tensor
that requires grad gets, on top of its recorder box, a leaf of the Tensor graph itself, so the Tensor face's own
rules decide what is differentiated (``no_grad`` blocks, ``detach()``, ``requires_grad`` tests behave as eagerly).
After the forward, the core's backward runs from the outputs with cotangents that are recorder inputs too, so the
recorder sees the whole joint program: inputs and cotangents in, outputs and input gradients out. That joint graph
is optimized by jit's passes and cut in two, as PyTorch's AOTAutograd does: the forward part (everything that does
not depend on a cotangent), which also returns the values the backward part needs (the residuals), and the
backward part. Each part is replayed by jit's generated straight-line code.

Side effects the replay must repeat are made explicit while recording:

* Tensors the function rebinds in place (``BatchNorm``'s running statistics, ``x.add_(1)`` on an argument) end
  up with a new value; that value becomes an extra output, and the replay writes it back.
* Draws from funcgrad's generators (dropout's masks, ``rand`` ...) become graph inputs: each generator is swapped,
  while recording, for a stand-in that logs each draw (method and arguments) and returns it as a recorder input;
  the replay draws the same way from the live generator, so a seed gives the eager draws. The generators' states
  are put back after recording, so recording consumes nothing.

What cannot be recorded raises :class:`GraphBreak` (a Python branch on a traced value, NumPy's global random
state, a captured tensor replaced rather than updated in place ...); ``funcgrad.compile`` then runs the function
eagerly, or raises with ``fullgraph=True``.
"""
from __future__ import annotations

import gc
from typing import Any, Callable, Sequence

import numpy as np

from .. import tree
from ..core import Box, Node, getval
from ..core.backward import backward as _core_backward
from ..core.errors import TracedConversionError
from ..jit.api import INPLACE_MIN_BYTES
from ..jit.graph import Graph, format_graph
from ..jit.passes import dce, optimize, plan_inplace
from ..jit.record import ClosureTraced, Recorder, is_array, record
from ..jit.replay import compile_plain
from ..tensors import creation as _creation
from ..tensors.tensor import GRAPH, Tensor, set_grad_enabled

__all__ = ["GraphBreak", "Capture", "capture", "replay_draws", "NO_GRAD"]

_PASSES = ("simplify", "fold", "cse", "dce")


class _NoGrad:
    """The backward graph's output for an input no gradient reaches (a symbolic zero)."""

    def __repr__(self) -> str:
        return "NO_GRAD"


NO_GRAD = _NoGrad()


class GraphBreak(Exception):
    """The function cannot be recorded as one graph (``reason`` says why); compile runs it eagerly instead."""


class Capture:
    """One signature's recorded program: the forward (with and without residuals) and the backward, replayable.

    ``fwd(*inputs, *draws)`` returns the outputs, the new values of the tensors updated in place, and the
    residuals; ``fwd_only`` the same without residuals (for calls that need no gradient); ``bwd(*residuals,
    *cotangents)`` the gradient of each differentiable input (``None`` where none flows).
    """

    __slots__ = ("joint", "fwd_graph", "bwd_graph", "fwd_only_graph", "fwd", "fwd_only", "bwd", "out_tree",
                 "kinds", "n_out", "aux", "diff", "diff_outs", "n_res", "draws", "notes")

    def listing(self) -> str:
        """The forward and backward graphs as jit lists them (shapes, dtypes, what each pass did)."""
        parts = [f"joint graph: {len(self.joint.eqns)} equation(s) after the passes; " + "; ".join(self.notes)]
        for title, g in (("forward", self.fwd_graph), ("backward", self.bwd_graph)):
            if g is not None:
                parts.append(f"--- {title}: {len(g.eqns)} equation(s)\n{format_graph(g)}")
        return "\n".join(parts)


# --- random draws --------------------------------------------------------------------------------------------------
class _DrawLog:
    """The draws made while recording: (generator, method, args, kwargs) and the recorder input each became."""

    def __init__(self, rec: Recorder):
        self.rec = rec
        self.draws: list = []
        self.ids: list = []
        self.unsupported: str | None = None

    def add(self, gen: Any, name: str, args: tuple, kwargs: dict, out: Any) -> Any:
        if out is None or not (is_array(out) or isinstance(out, (int, float, complex))):
            # an in-place draw (shuffle) or an odd result: the replay could not repeat it
            self.unsupported = self.unsupported or name
            return out
        box = self.rec.new_input(np.asarray(out) if not is_array(out) else out)
        self.draws.append((gen, name, args, kwargs))
        self.ids.append(box.node)
        return box


class _HostRNG(np.random.Generator):
    """Stands in for a NumPy Generator while recording: same bit generator (so the same stream), each draw logged
    and returned as a recorder input. A subclass, so that code testing ``isinstance(rng, np.random.Generator)``
    takes its host path."""

    def __init__(self, real: np.random.Generator, gen: Any, log: _DrawLog):
        super().__init__(real.bit_generator)
        self._fg = (gen, log)

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name.startswith("_") or name == "bit_generator" or not callable(attr):
            return attr
        gen, log = object.__getattribute__(self, "_fg")
        return lambda *a, **k: log.add(gen, name, a, k, attr(*a, **k))


class _DeviceRNG:
    """The same for a device generator (CuPy's RandomState): a proxy forwarding everything, logging draws."""

    def __init__(self, real: Any, gen: Any, log: _DrawLog):
        self._fg = (real, gen, log)

    def __getattr__(self, name: str) -> Any:
        real, gen, log = self._fg
        attr = getattr(real, name)
        if name.startswith("_") or not callable(attr):
            return attr
        return lambda *a, **k: log.add(gen, name, a, k, attr(*a, **k))


def _generators() -> list:
    # every live funcgrad Generator: the default ones and any a user made (nn.Dropout draws from the default one)
    gens = [_creation.default_generator] + list(_creation._device_generators.values())
    seen = {id(g) for g in gens}
    for o in gc.get_referrers(_creation.Generator):
        if type(o) is _creation.Generator and id(o) not in seen:
            seen.add(id(o))
            gens.append(o)
    return gens


def _rng_state(rng: Any) -> Any:
    if isinstance(rng, np.random.Generator):
        return rng.bit_generator.state
    get = getattr(rng, "get_state", None)  # CuPy's RandomState has none: such draws are re-seeded, see below
    return get() if get is not None else None


def replay_draws(draws: Sequence) -> list:
    """The draws of a recording made again, in order, from the generators' current streams."""
    return [getattr(gen._rng, name)(*a, **k) for gen, name, a, k in draws]


# --- recording -----------------------------------------------------------------------------------------------------
def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _diff_dtype(v: Any) -> bool:
    return getattr(getattr(v, "dtype", None), "kind", "") in "fc" and hasattr(v, "dtype")


def capture(fn: Callable, args: tuple, kwargs: dict, tensors: list, arrays: list, name: str,
            where: str = "") -> Capture:
    """Record ``fn(*args, **kwargs)`` (see the module docstring). ``tensors``: every Tensor it reads that the
    replay takes as an input (its arguments' and the captured state's, each once); ``arrays``: the
    ``(leaf position, value)`` of plain array arguments, which are inputs too.

    >>> import funcgrad as fg
    >>> x = fg.ones(2, requires_grad=True)
    >>> c = capture(lambda t: (t * t).sum(), (x,), {}, [x], [], "f")
    >>> out, residual = c.fwd(np.array([1.0, 3.0], np.float32))  # the output, and what the backward needs
    >>> float(out), c.bwd(residual, np.float32(1.0))[0].tolist()
    (10.0, [2.0, 6.0])
    """
    rec = Recorder(name, where)
    rec.level = 0  # below the Tensor graph's level: a Tensor-graph box over a recorder box unwraps first
    saved = [t._v for t in tensors]
    plain = []
    diff = []
    for j, v in enumerate(saved):
        if type(v) is Box and v._trace is GRAPH:
            if _diff_dtype(v.value):
                diff.append(j)
            v = v.value
        if type(v) is Box:
            raise GraphBreak(f"input {j} is traced by {v._trace.transform}")
        plain.append(v)
    log = _DrawLog(rec)
    gens = _generators()
    states = [(g, g._rng, _rng_state(g._rng)) for g in gens]
    np_state = np.random.get_state()
    start = Node(None, (), None, None, (), ()).seq
    layout: dict = {}
    n_in = len(tensors) + len(arrays)

    def body(*boxes):
        tboxes = boxes[:len(tensors)]
        set_to = []
        for j, (t, b) in enumerate(zip(tensors, tboxes)):
            t._v = GRAPH.new_input(b) if j in diff_set else b
            set_to.append(t._v)
        if arrays:
            leaves, td = tree.flatten((args, kwargs), is_leaf=_is_tensor)
            for (pos, _), b in zip(arrays, boxes[len(tensors):]):
                leaves[pos] = b
            call_args, call_kw = tree.unflatten(td, leaves)
        else:
            call_args, call_kw = args, kwargs
        with set_grad_enabled(True):
            out = fn(*call_args, **call_kw)
        leaves, out_tree = tree.flatten(out, is_leaf=_is_tensor)
        kinds, vals = [], []
        for o in leaves:
            if isinstance(o, Tensor):
                kinds.append("tensor")
                vals.append(o._v)
            elif type(o) is Box or is_array(o):
                kinds.append("array")
                vals.append(o)
            else:
                kinds.append("lit")
                vals.append(o)
        aux = []
        for j, t in enumerate(tensors):
            if t._v is not set_to[j]:
                if j in diff_set and t._v.node.prim is None:  # pragma: no cover - PyTorch refuses it too
                    raise GraphBreak(f"an in-place update of input {j}, a leaf that requires grad")
                aux.append((j, _strip(t._v)))
        _check_captured([v for v in vals if type(v) is Box and v._trace is GRAPH], start)
        diff_outs = [k for k, v in enumerate(vals) if type(v) is Box and v._trace is GRAPH and _diff_dtype(v)]
        grads: list = []
        cts = []
        if diff and diff_outs:
            for k in diff_outs:
                val = getval(vals[k])
                cts.append(rec.new_input(np.zeros_like(val) if type(val) is np.ndarray else val * 0))
            roots = [vals[k].node for k in diff_outs]
            targets = [set_to[j].node for j in diff]
            grads = _core_backward(roots, list(cts), targets, prune=True, retain_graph=False)
        layout.update(out_tree=out_tree, kinds=kinds, aux=[j for j, _ in aux], diff_outs=diff_outs,
                      cts=[c.node for c in cts])
        outs = [_strip(v) for v in vals] + [v for _, v in aux]
        return outs + [NO_GRAD if g is None else _strip(g) for g in grads]

    diff_set = set(diff)
    try:
        for g, rng, _ in states:
            g._rng = _HostRNG(rng, g, log) if isinstance(rng, np.random.Generator) else _DeviceRNG(rng, g, log)
        try:
            _, raw, _ = record(rec, body, plain + [a for _, a in arrays])
        except (TypeError, ValueError, IndexError) as e:
            msg = str(e)
            if isinstance(e, TracedConversionError) or "Traced<" in msg or "Box" in msg:
                raise GraphBreak(f"{type(e).__name__}: {e}") from None
            raise
        except ClosureTraced as e:
            raise GraphBreak(f"the function uses a value traced by {e}, a transform outside compile") from None
    finally:
        for t, v in zip(tensors, saved):
            t._v = v
        for g, rng, st in states:
            g._rng = rng
            if st is not None and isinstance(rng, np.random.Generator):
                rng.bit_generator.state = st
            elif st is not None:
                rng.set_state(st)
    if log.unsupported:
        raise GraphBreak(f"a draw with {log.unsupported}() from a funcgrad generator, which the replay cannot "
                         f"repeat")
    if not _same_np_state(np_state, np.random.get_state()):
        np.random.set_state(np_state)
        raise GraphBreak("the function draws from NumPy's global random state (np.random.*), which a graph would "
                         "freeze into constants; draw with funcgrad.rand / randn / a funcgrad.Generator instead")
    return _split(raw, n_in, log, layout, diff)


def _strip(v: Any) -> Any:
    return v.value if type(v) is Box and v._trace is GRAPH else v


def _same_np_state(a: tuple, b: tuple) -> bool:
    return a[0] == b[0] and a[2:] == b[2:] and np.array_equal(a[1], b[1])


def _check_captured(outs: list, start: int) -> None:
    """Refuse a graph whose outputs depend on a Tensor-graph node made before recording: a tensor requiring grad
    that the function reached without compile seeing it as an input, whose gradient a replay would lose."""
    seen: set = set()
    stack = [v.node for v in outs]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.seq < start:
            raise GraphBreak("the function reads a tensor that requires grad which compile did not find among its "
                             "arguments, the module's parameters or the function's closure and globals; pass it "
                             "as an argument")
        stack.extend(n.parents)


def _sub(g: Graph, inputs: list, eqns: list, outputs: list) -> tuple[Graph, Callable]:
    s = g.copy()
    s.inputs, s.eqns, s.outputs = list(inputs), list(eqns), list(outputs)
    s, _ = dce(s)
    plan, _ = plan_inplace(s, INPLACE_MIN_BYTES)
    return s, compile_plain(s, plan, name="compiled")


def _split(raw: Graph, n_in: int, log: _DrawLog, layout: dict, diff: list) -> Capture:
    """Optimize the joint graph and cut it into forward and backward parts (see the module docstring)."""
    g = optimize(raw, _PASSES)
    c = Capture()
    c.joint, c.notes = g, list(g.notes)
    c.out_tree, c.kinds, c.aux, c.diff_outs = layout["out_tree"], layout["kinds"], layout["aux"], layout["diff_outs"]
    c.diff, c.draws = diff, log.draws
    c.n_out = len(c.kinds)
    ins = raw.inputs[:n_in] + list(log.ids)
    n_fwd_out = c.n_out + len(c.aux)
    fwd_outs, grad_outs = g.outputs[:n_fwd_out], g.outputs[n_fwd_out:]
    c.fwd_only_graph, c.fwd_only = _sub(g, ins, g.eqns, fwd_outs)
    cts = layout["cts"]
    if not cts:
        c.fwd_graph, c.fwd, c.bwd_graph, c.bwd, c.n_res = c.fwd_only_graph, c.fwd_only, None, None, 0
        return c
    dep = set(cts)
    fwd_eqns, bwd_eqns = [], []
    for e in g.eqns:
        if any(i in dep for i in e.inputs):
            bwd_eqns.append(e)
            dep.update(e.outputs)
        else:
            fwd_eqns.append(e)
    needed = {i for e in bwd_eqns for i in e.inputs} | {o for o in grad_outs if type(o) is int}
    residuals = sorted(i for i in needed if i not in dep and i not in g.consts)
    c.n_res = len(residuals)
    c.fwd_graph, c.fwd = _sub(g, ins, fwd_eqns, fwd_outs + residuals)
    c.bwd_graph, c.bwd = _sub(g, residuals + cts, bwd_eqns, grad_outs)
    return c
