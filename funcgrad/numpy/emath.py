"""``numpy.emath``'s names over funcgrad (see :mod:`funcgrad.primitives.emath`): ``sqrt``, ``log``, ``log2``,
``log10``, ``logn``, ``power``, ``arccos``, ``arcsin`` and ``arctanh``, complex where NumPy's are, differentiable.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> float(fg.grad(lambda x: fnp.imag(fnp.emath.sqrt(x)))(-4.0))  # d sqrt(-x) / dx = -1 / (2 sqrt(-x))
-0.25
"""
from ..core.primitive import accepts_wrappers as _accepts_wrappers
from ..primitives import emath as _emath

__all__ = list(_emath.EMATH)
globals().update({_name: _accepts_wrappers(getattr(_emath, _name)) for _name in __all__})
