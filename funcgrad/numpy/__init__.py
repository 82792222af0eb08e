"""NumPy's names and signatures over funcgrad primitives: change one import to differentiate NumPy code.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> float(fg.grad(lambda x: fnp.tanh(x) ** 2)(0.5)) > 0
True
"""
from ..primitives.elementwise import *  # noqa: F401,F403
from ..primitives.reductions import *  # noqa: F401,F403
from ..primitives.moments import *  # noqa: F401,F403
from ..primitives.cumulative import *  # noqa: F401,F403
from ..primitives.shape import *  # noqa: F401,F403
from ..primitives.joining import *  # noqa: F401,F403
from ..primitives.padding import *  # noqa: F401,F403
from ..primitives.tiling import *  # noqa: F401,F403
from ..primitives.triangles import *  # noqa: F401,F403
from ..primitives.creation import *  # noqa: F401,F403
from ..primitives.indexing import *  # noqa: F401,F403
from ..primitives.updates import *  # noqa: F401,F403
from ..primitives.linalg import *  # noqa: F401,F403
from ..primitives.decompositions import *  # noqa: F401,F403
from ..primitives.einsum import *  # noqa: F401,F403
from ..primitives.pointwise import *  # noqa: F401,F403
from ..primitives.statistics import *  # noqa: F401,F403
from ..primitives.nanreductions import *  # noqa: F401,F403
from ..primitives.manipulation import *  # noqa: F401,F403
from ..primitives.numerical import *  # noqa: F401,F403
from ..primitives.npextra import *  # noqa: F401,F403
from ..primitives.compat import *  # noqa: F401,F403  (after elementwise: its where takes one argument too)
from ._passthrough import *  # noqa: F401,F403  (NumPy's own scalar types, settings, index helpers, numpy.random)
from . import linalg  # noqa: F401
from . import fft  # noqa: F401  (numpy.fft's names)
from . import emath  # noqa: F401  (numpy.emath's names: complex results where the real ones are undefined)

import sys as _sys

from . import _methods as _m

_m._install()
del _m


# Functions returning a helper whose methods call the primitives (``at(t)[i].set(v)``): the Tensor must reach
# those calls, to come back as a Tensor, so it is not unwrapped on the way into the helper.
_HELPER_MAKERS = {"at"}
# Functions that only hand their arguments on to a primitive, which takes wrappers itself: wrapping them would cost
# every call a scan of its arguments for nothing.
_FORWARDERS = {"where"}


def _accept_wrappers_everywhere() -> None:
    """Composite functions (not primitives) compute on unwrapped values: Tensors passed to them are unwrapped on
    the way in and their results wrapped on the way out, so their NumPy-style code never meets Tensor methods."""
    import types

    from ..core.primitive import accepts_wrappers
    from . import linalg as _linalg

    for ns in (globals(), vars(_linalg)):
        for name, obj in list(ns.items()):
            if isinstance(obj, types.FunctionType) and not name.startswith("_") and name not in _HELPER_MAKERS \
                    and name not in _FORWARDERS \
                    and obj.__module__.startswith("funcgrad.primitives"):
                ns[name] = accepts_wrappers(obj)


_accept_wrappers_everywhere()

# ``import funcgrad.numpy.random as npr`` (HIPS autograd code's idiom) finds numpy.random, passed through above
_sys.modules.setdefault(__name__ + ".random", random)  # noqa: F405
