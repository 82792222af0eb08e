"""Error types and the helper that points an error at the user's own line."""
from __future__ import annotations

import os
import sys

from ..backend import shape_of

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class FuncgradError(Exception):
    """Base of funcgrad's own errors; their messages are already written for users and pass through unchanged."""


class TracerLeakError(FuncgradError, RuntimeError):
    """A traced value was used after the transform that created it had returned."""


class TracedConversionError(FuncgradError, TypeError):
    """A traced value was handed to plain NumPy, converted to a Python number, or written into."""


class PrimitiveError(FuncgradError, ValueError):
    """A primitive rejected its inputs (shapes, dtypes or parameters); the message names the operation."""


def user_location() -> str:
    """``file:line`` of the innermost caller outside the funcgrad package (cheap enough for error paths only)."""
    frame = sys._getframe(1)
    while frame is not None:
        fname = frame.f_code.co_filename
        if not os.path.abspath(fname).startswith(_PKG_DIR + os.sep):
            return f"{fname}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


def describe(x) -> str:
    """Short description of an argument for error messages: shape and dtype of arrays, type of the rest."""

    dt = getattr(x, "dtype", None)
    if dt is not None:
        return f"{dt}{list(shape_of(x))}"
    if isinstance(x, (list, tuple)):
        return f"{type(x).__name__} of {len(x)}"
    return type(x).__name__
