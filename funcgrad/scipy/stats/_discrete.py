"""The discrete distributions' shared pieces: the held integer variable, and its floor for the distribution
functions."""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ._common import COUNT, hold, not_integer


def variable(where: str, k: Any, loc: Any) -> tuple:
    """``(k - loc, not a whole number)``; ``k`` and ``loc`` are held (a discrete variable has no derivative)."""
    hold(where, "k", k, COUNT)
    hold(where, "loc", loc, COUNT)
    k = fnp.subtract(k, loc)
    return k, not_integer(k)


def floor_of(where: str, k: Any, loc: Any) -> Any:
    """``floor(k - loc)``: the distribution function of an integer variable is a step function."""
    hold(where, "k", k, COUNT)
    hold(where, "loc", loc, COUNT)
    return fnp.floor(fnp.subtract(k, loc))

