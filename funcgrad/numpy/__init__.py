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
from . import linalg  # noqa: F401

from . import _methods as _m

_m._install()
del _m
