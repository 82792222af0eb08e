"""Batching (vmap): a trace whose boxes carry a whole batch, with the batch as their leading axis.

A primitive applied to such boxes runs its batching rule once on the batched values, instead of once per example.
A primitive without a rule falls back to a loop over the batch (index each batched argument, apply, stack), which
is always correct, only slower: so every primitive works under vmap from the start, and families add fast rules.
Rules are written with funcgrad primitives, so outer transforms (grad of vmap, vmap of grad) compose.
"""
from __future__ import annotations

from typing import Any

from .errors import user_location
from .primitive import index0, pack
from .trace import Box, Trace

__all__ = ["BatchTrace", "loop_rule"]


def loop_rule(prim, args: list, batched: list, size: int, kw: dict) -> Any:
    """The generic rule: the primitive applied to each example in turn, the results stacked."""
    if size == 0:
        raise NotImplementedError(
            f"vmap over an empty batch needs a batching rule for funcgrad.{prim.name}, which has none "
            f"(at {user_location()})")
    outs = [prim(*[index0(a, i=i) if b else a for a, b in zip(args, batched)], **kw) for i in range(size)]
    if prim.multiple_results:
        return tuple(pack(*[o[k] for o in outs]) for k in range(len(outs[0])))
    return pack(*outs)


class BatchTrace(Trace):
    """vmap's trace: a box's value is the batched array (batch axis first); its ``node`` slot holds the size."""

    __slots__ = ("size",)
    reverse = False
    batching = True

    def __init__(self, transform: str, size: int, where: str = ""):
        super().__init__(transform, where)
        self.size = size

    def new_input(self, value: Any) -> Box:  # type: ignore[override]
        return Box(value, self.size, self)

    def apply(self, prim, args: tuple, kw: dict) -> Any:
        vals, batched = [], []
        for a in args:
            if type(a) is Box and a._trace is self:
                vals.append(a.value)
                batched.append(True)
            else:
                vals.append(a)
                batched.append(False)
        rule = prim.batch
        out = loop_rule(prim, vals, batched, self.size, kw) if rule is None else rule(vals, batched, **kw)
        if prim.multiple_results:
            return tuple(Box(o, self.size, self) for o in out)
        return Box(out, self.size, self)
