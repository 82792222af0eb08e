"""Forward mode: a trace whose boxes carry tangents, and the step that applies a primitive's JVP rules.

A box of a :class:`JVPTrace` keeps its tangent in the ``node`` slot (``None`` would mean zero, but inputs always
get one). Applying a primitive to such boxes sums the per-argument contributions of its JVP rules; the engine, not
the rules, broadcasts and casts the sum to the output's shape and dtype, as it undoes broadcasting in reverse
mode. Rules are written with funcgrad primitives, so tangents can themselves be traced by outer transforms.
"""
from __future__ import annotations

from typing import Any

from ..backend import dtype_of, shape_of
from .debug import FLAGS, check_output
from .primitive import JointJVP, add_any, broadcast_to, cast
from .trace import Box, Trace

__all__ = ["JVPTrace", "tangent_of", "fit_tangent"]


def fit_tangent(t: Any, ans: Any) -> Any:
    """Broadcast and cast a tangent to the output's shape and dtype: the forward pass's chore."""
    shape = shape_of(ans)
    if shape_of(t) != shape:
        t = broadcast_to(t, shape=shape)
    dt = dtype_of(ans)
    if dtype_of(t) != dt:
        t = cast(t, dtype=dt)
    return t


class JVPTrace(Trace):
    """A forward-mode trace: boxes carry (value, tangent)."""

    __slots__ = ()
    reverse = False

    def new_input(self, value: Any, tangent: Any = None) -> Box:  # type: ignore[override]
        """A box for a transform input with its tangent."""
        return Box(value, tangent, self)

    def process(self, prim, ans, argvals, kw, argnums, tangents):
        rules = prim.jvps
        if type(rules) is JointJVP:
            full: list = [None] * len(argvals)
            for i, t in zip(argnums, tangents):
                full[i] = t
            out_t = rules.rule(full, ans, *argvals, **kw)
        else:
            out_t = None
            for i, t in zip(argnums, tangents):
                if t is None:
                    continue
                c = rules[i](t, ans, *argvals, **kw)
                if c is None:
                    continue
                out_t = c if out_t is None else add_any(out_t, c)
        if FLAGS.nans and out_t is not None:
            check_output(prim.name, out_t, argvals, "forward-mode tangent")
        if prim.multiple_results:
            if out_t is None:
                return ans
            return tuple(a if t is None else Box(a, fit_tangent(t, a), self) for a, t in zip(ans, out_t))
        if out_t is None:  # the output does not depend on this trace's inputs
            return ans
        return Box(ans, fit_tangent(out_t, ans), self)


def tangent_of(x: Any, trace: Trace) -> Any:
    """The tangent of ``x`` under ``trace`` (None where ``x`` does not depend on the trace's inputs)."""
    return x.node if type(x) is Box and x._trace is trace else None
