"""Traced values (boxes), graph nodes and traces.

A transform call opens a :class:`Trace`; its inputs become :class:`Box` es that carry the value and a
:class:`Node`. Each primitive applied to boxes of the innermost trace records one node whose parents are the nodes
of its boxed arguments. The graph hangs off the values: a node lives as long as some box, node or caller holds it,
so the same machinery serves a transform's short-lived tape and the Tensor façade's long-lived graph.

Nested transforms open traces with increasing levels; a box's value may itself be a box of an outer trace, and a
primitive only unwraps the innermost level before calling itself again on the rest. That is what keeps an inner
derivative from confusing its perturbation with an outer one.
"""
from __future__ import annotations

import itertools
from typing import Any

from .debug import FLAGS
from .errors import TracedConversionError, user_location

__all__ = ["Box", "Node", "Trace", "getval", "is_traced"]

# next() on itertools.count is atomic under the GIL: threads get distinct levels and sequence numbers.
_levels = itertools.count(1)
_next_seq = itertools.count().__next__


class Node:
    """One recorded primitive application: what its VJP rules need and which nodes it came from.

    A leaf (an input of a transform) has ``prim`` None and no parents.
    """

    # ``where`` (the user's line) is only filled while debug_nans is on
    __slots__ = ("prim", "args", "kw", "ans", "argnums", "parents", "seq", "where", "__weakref__")

    def __init__(self, prim, args, kw, ans, argnums, parents):
        # Creation order: a node is always numbered after its parents, which gives backward its schedule.
        self.seq = _next_seq()
        self.prim = prim
        self.args = args
        self.kw = kw
        self.ans = ans
        self.argnums = argnums
        self.parents = parents

    def __repr__(self) -> str:
        return f"<Node {self.prim.name if self.prim is not None else 'input'}>"


class Trace:
    """One transform call's tape identity. ``level`` orders nested traces; ``active`` turns false on return.

    This base class records reverse-mode nodes; :class:`funcgrad.core.forward.JVPTrace` propagates tangents.
    """

    __slots__ = ("level", "active", "transform", "where")
    select_output: Any = None  # the primitive picking one result of several; set by core/primitive.py
    reverse = True  # which rules a primitive applies under this trace: VJPs (reverse) or JVPs (forward)
    batching = False  # vmap's trace: primitives are applied through their batching rules instead
    # jit's recorder: it sees every primitive call (the non-differentiable ones too) through ``apply``, and owns
    # the message for a traced value that Python needs concretely (``conversion_error``)
    recording = False

    def __init__(self, transform: str, where: str = ""):
        self.level = next(_levels)
        self.active = True
        self.transform = transform  # e.g. "grad(loss)": used to name the culprit when a value leaks
        self.where = where

    def new_input(self, value: Any) -> "Box":
        """A box for a transform input: a leaf node with no parents."""
        return Box(value, Node(None, (), None, value, (), ()), self)

    def process(self, prim, ans, argvals, kw, argnums, parents):
        """Record ``prim`` applied to ``argvals`` (unwrapped at this trace's level) and box its result."""
        node = Node(prim, argvals, kw, ans, argnums, parents)
        if FLAGS.nans:
            node.where = user_location()
        if prim.multiple_results:
            select_output = Trace.select_output
            return tuple(Box(a, Node(select_output, (ans,), {"index": i}, a, (0,), (node,)), self)
                         for i, a in enumerate(ans))
        return Box(ans, node, self)

    def close(self) -> None:
        self.active = False

    def __repr__(self) -> str:
        return f"<Trace {self.transform} level={self.level}{' closed' if not self.active else ''}>"


def getval(x: Any) -> Any:
    """The plain value under any number of trace levels.

    >>> getval(1.5)
    1.5
    """
    while type(x) is Box:
        x = x.value
    return x


def is_traced(x: Any) -> bool:
    """True for a value being traced by an active transform.

    >>> is_traced(1.0)
    False
    """
    return type(x) is Box


def _conversion_error(what: str, box: "Box") -> TracedConversionError:
    x = box
    while type(x) is Box:
        if x._trace.recording:
            return x._trace.conversion_error(what, x)
        x = x.value
    return TracedConversionError(
        f"{what} on a value traced by {box._trace.transform} (shape {tuple(box.shape)}, dtype {box.dtype}) would "
        f"silently drop its gradient (at {user_location()}). Use the functions of funcgrad.numpy "
        f"(`import funcgrad.numpy as fnp`) inside differentiated code; to get the plain value, return it from the "
        f"function (value_and_grad, or has_aux=True) instead of converting it here.")


class Box:
    """A value traced by a transform: the value, its node, and the trace that recorded it.

    Users meet boxes only inside a differentiated function; they behave like arrays (operators, methods and
    ``.at[...]`` updates are attached by :mod:`funcgrad.numpy`), and transforms never return them.
    """

    __slots__ = ("value", "node", "_trace")
    __array_priority__ = 1000.0
    # Filled by funcgrad.numpy: (resolve, call_ufunc) for NumPy's dispatch protocols (funcgrad/numpy/_dispatch.py);
    # empty while only the core is loaded, and NumPy functions on boxes then refuse.
    _numpy_dispatch: tuple = ()

    def __init__(self, value, node, trace):
        self.value = value
        self.node = node
        self._trace = trace

    # Under vmap the value carries the batch as its leading axis; a traced value shows the per-example shape.
    @property
    def shape(self) -> tuple:
        s = self.value.shape
        return s[1:] if self._trace.batching else s

    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: len(self.shape))

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __len__(self) -> int:
        s = self.shape
        if not s:
            raise TypeError("len() of a 0-d traced value")
        return s[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> bool:
        # Control flow on a traced value is fine: the branch taken is recorded, the test itself has no gradient.
        # Under vmap there is one branch per example, so a single Python branch cannot stand for them all.
        x = self
        while type(x) is Box:
            if x._trace.recording:
                raise x._trace.conversion_error("A Python branch (if/while/bool()) on it", x)
            if x._trace.batching:
                raise TracedConversionError(
                    f"A Python branch (if/while/bool()) on a value batched by {x._trace.transform} would have to "
                    f"take one branch for every example at once (at {user_location()}). Select per example with "
                    f"fnp.where(condition, a, b) instead, or move the branch outside the vmapped function.")
            x = x.value
        return bool(x)

    def __repr__(self) -> str:
        return f"Traced<{self._trace.transform}>({getval(self.value)!r})"

    def __float__(self):
        raise _conversion_error("float()", self)

    def __int__(self):
        raise _conversion_error("int()", self)

    def __complex__(self):
        raise _conversion_error("complex()", self)

    def __index__(self):
        raise _conversion_error("using it as an index", self)

    def item(self, *args):
        raise _conversion_error(".item()", self)

    def tolist(self):
        raise _conversion_error(".tolist()", self)

    def __array__(self, dtype=None, copy=None):
        raise _conversion_error("Converting it to a NumPy array (np.asarray or a NumPy function)", self)

    def __array_function__(self, func, types, args, kwargs):
        # NEP 18: numpy.sum(box) is funcgrad.numpy.sum(box) where funcgrad has the function
        fn = Box._numpy_dispatch[0](func, "__call__") if Box._numpy_dispatch else None
        if fn is None:
            raise _conversion_error(f"numpy.{func.__name__}() (funcgrad.numpy has no {func.__name__})", self)
        return fn(*args, **kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # NEP 13: numpy.sin(box), ndarray <op> box and np.add.reduce(box) land here
        out = Box._numpy_dispatch[1](ufunc, method, inputs, kwargs, "a traced value") if Box._numpy_dispatch \
            else NotImplemented
        if out is NotImplemented:
            raise _conversion_error(f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method}() "
                                    f"(funcgrad.numpy has no equivalent)", self)
        return out

    def __setitem__(self, idx, value):
        raise TracedConversionError(
            f"Traced values are immutable: `x[idx] = v` inside {self._trace.transform} is not allowed "
            f"(at {user_location()}). Write `x = x.at[idx].set(v)` (or `fnp.at(x)[idx].set(v)`, which also works "
            f"on plain arrays) to get an updated copy.")
