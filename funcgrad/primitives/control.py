"""Control of differentiation itself: ``stop_gradient``."""
from __future__ import annotations

from typing import Any

from .. import tree
from ..core import Primitive
from ..core.primitive import nondifferentiable

__all__: list = []  # not NumPy names: exported at the top level as funcgrad.stop_gradient
LINALG: list = []

_stop = Primitive("stop_gradient", lambda x: x, doc=(
    "The value of ``x`` with no derivative under any transform (a primitive without rules)."))
# vmap: the identity on the batch; still a stop, so that a grad around the vmap sees no derivative either
_stop.def_batch(lambda args, batched: _stop(args[0]))


def stop_gradient(x: Any) -> Any:
    """``x`` (a pytree) treated as a constant by every transform: its derivative is zero, at every order.

    >>> import funcgrad as fg
    >>> float(fg.grad(lambda x: x * fg.stop_gradient(x))(3.0))
    3.0
    """
    return tree.map(_stop, x)


# Declared without derivative: under a transform their outputs are constants (see Primitive.def_nondiff).
nondifferentiable(_stop)
