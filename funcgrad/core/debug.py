"""NaN and Inf provenance: with ``debug_nans`` on, the first primitive (or derivative rule) that produces a NaN or
an Inf raises, naming the operation, the shapes, and the user's file and line.

Switching it on wraps every primitive's implementation with a check and switching it off restores them, so the
flag costs nothing while it is off. The switch is process-wide (all threads).
"""
from __future__ import annotations

import contextlib
import weakref
from typing import Any, Iterator

from ..backend import namespace
from .errors import FuncgradError, describe, user_location

__all__ = ["NonFiniteError", "debug_nans", "config", "FLAGS"]

_HINT = ("If it comes from a branch of fnp.where that is not taken (fnp.where(x > 0, fnp.log(x), 0.0)), both "
         "branches are still computed and differentiated: make the unsafe operation safe on the other branch's "
         "inputs, e.g. fnp.log(fnp.where(x > 0, x, 1.0)).")


class NonFiniteError(FuncgradError, FloatingPointError, RuntimeError):
    """A primitive or a derivative rule produced a NaN or an Inf while ``debug_nans`` was on."""


class FLAGS:
    """Process-wide switches read on the hot path (class attributes: one lookup)."""

    nans = False


def _bad(x: Any) -> str | None:
    """'nan', 'inf' or None for a floating value; other values are never flagged."""
    dt = getattr(x, "dtype", None)
    if dt is None or dt.kind not in "fc":
        return None
    xp = namespace(x)
    if bool(xp.all(xp.isfinite(x))):
        return None
    return "nan" if bool(xp.any(xp.isnan(x))) else "inf"


def check_output(name: str, out: Any, args: tuple, phase: str = "forward pass", where: str | None = None) -> None:
    """Raise NonFiniteError if ``out`` holds a NaN or an Inf; ``where`` is the user's line that called the
    operation (for derivative passes, recorded when the forward pass ran), else the current caller."""
    outs = out if isinstance(out, tuple) else (out,)
    for o in outs:
        kind = _bad(o)
        if kind is not None:
            at = f"called at {where}" if where else f"at {user_location()}"
            raise NonFiniteError(
                f"funcgrad.{name} produced {kind} in the {phase} from inputs "
                f"({', '.join(describe(a) for a in args)}) ({at}). {_HINT}")


def _wrap(prim) -> None:
    if getattr(prim, "_unchecked_impl", None) is not None or prim.impl is None:
        return
    impl = prim.impl
    name = prim.name

    def checked(*args, **kw):
        out = impl(*args, **kw)
        check_output(name, out, args)
        return out

    prim._unchecked_impl = impl
    prim.impl = checked


#: Every Primitive ever made (weakly): debug_nans wraps them all. Kept here, below core/primitive.py, which adds
#: each new primitive to it.
all_primitives: "weakref.WeakSet" = weakref.WeakSet()


def _unwrap(prim) -> None:
    impl = getattr(prim, "_unchecked_impl", None)
    if impl is not None:
        prim.impl = impl
        prim._unchecked_impl = None


def set_debug_nans(enabled: bool) -> None:
    """Switch NaN/Inf checking on or off for every primitive, existing and future."""
    FLAGS.nans = bool(enabled)
    for prim in list(all_primitives):
        (_wrap if enabled else _unwrap)(prim)


@contextlib.contextmanager
def debug_nans(enabled: bool = True) -> Iterator[None]:
    """Within the block, raise at the first operation that produces a NaN or an Inf, in the forward or the
    backward pass, with the operation, the shapes and your file and line in the message.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> with fg.debug_nans():
    ...     try:
    ...         fg.grad(lambda x: fnp.sqrt(x))(0.0)
    ...     except fg.NonFiniteError as e:
    ...         print("caught")
    caught
    """
    previous = FLAGS.nans
    set_debug_nans(enabled)
    try:
        yield
    finally:
        set_debug_nans(previous)


class _Config:
    """``funcgrad.config``: process-wide settings (``config.debug_nans = True``)."""

    @property
    def debug_nans(self) -> bool:
        return FLAGS.nans

    @debug_nans.setter
    def debug_nans(self, value: bool) -> None:
        set_debug_nans(value)


config = _Config()
