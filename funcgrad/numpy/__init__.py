"""NumPy's names and signatures over funcgrad primitives: change one import to differentiate NumPy code.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> float(fg.grad(lambda x: fnp.tanh(x) ** 2)(0.5)) > 0
True
"""
from ..primitives.elementwise import *  # noqa: F401,F403
from ..primitives.reductions import *  # noqa: F401,F403
from ..primitives.shape import *  # noqa: F401,F403
from ..primitives.creation import *  # noqa: F401,F403
from ..primitives.indexing import *  # noqa: F401,F403
from ..primitives.linalg import *  # noqa: F401,F403
from ..primitives.einsum import *  # noqa: F401,F403
from ..primitives.pointwise import *  # noqa: F401,F403
from ..primitives.statistics import *  # noqa: F401,F403
from . import linalg  # noqa: F401

from . import _methods as _m

_m._install()
del _m


def _accept_wrappers_everywhere() -> None:
    """Composite functions (not primitives) compute on unwrapped values: Tensors passed to them are unwrapped on
    the way in and their results wrapped on the way out, so their NumPy-style code never meets Tensor methods."""
    import types

    from ..core.primitive import accepts_wrappers
    from . import linalg as _linalg

    for ns in (globals(), vars(_linalg)):
        for name, obj in list(ns.items()):
            if isinstance(obj, types.FunctionType) and not name.startswith("_") and \
                    obj.__module__.startswith("funcgrad.primitives"):
                ns[name] = accepts_wrappers(obj)


_accept_wrappers_everywhere()
