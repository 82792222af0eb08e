"""``numpy.emath`` (``numpy.lib.scimath``): square roots, logarithms, powers and inverse trigonometric functions
that give complex results where the real ones are undefined, differentiable (the complex functions' derivatives,
which funcgrad's elementwise rules already have).

As in NumPy, whether a real input becomes complex is decided from its values: any negative entry (``sqrt``, the
logarithms, ``power``'s base) or any entry of magnitude above 1 (``arccos``, ``arcsin``, ``arctanh``) turns the
whole array complex. The decision reads the concrete value (:func:`.compat.concrete`): under vmap, the whole batch's;
under jit, which records one program for every value, it raises, since the result's dtype would depend on data.
"""
from __future__ import annotations

from typing import Any

import numpy as _onp

from ..backend import dtype_of, namespace
from . import elementwise as _ew
from .compat import concrete
from .creation import asarray

__all__ = ["sqrt", "log", "log2", "log10", "logn", "power", "arccos", "arcsin", "arctanh"]
EMATH = __all__
ArrayLike = Any

# NumPy's _tocomplex: the small types become csingle, long double clongdouble, everything else cdouble
_SINGLE = {_onp.dtype(t) for t in (_onp.single, _onp.byte, _onp.short, _onp.ubyte, _onp.ushort)}


def _complex_dtype(dt) -> Any:
    if dt in _SINGLE:
        return _onp.complex64
    return _onp.clongdouble if dt == _onp.longdouble else _onp.complex128


def _when(name: str, x, test, why: str):
    """``x`` as an array, cast to complex when it is real and ``test`` holds for some entry of its value."""
    x = asarray(x)
    dt = dtype_of(x)
    if dt.kind == "c":
        return x
    v = concrete(x, f"funcgrad.numpy.emath.{name}: whether the result is complex depends on {why}")
    if bool(namespace(v).any(test(v))):
        return _ew.astype(x, _complex_dtype(dt))
    return x


def _negative(name: str, x):
    return _when(name, x, lambda v: v < 0, "the signs of the values")


def _beyond_one(name: str, x):
    return _when(name, x, lambda v: abs(v) > 1, "whether some |x| exceeds 1")


def sqrt(x: ArrayLike) -> Any:
    """Square root, complex for negative inputs, as ``numpy.emath.sqrt``.

    >>> import funcgrad.numpy as fnp
    >>> complex(fnp.emath.sqrt(-4.0))
    2j
    """
    return _ew.sqrt(_negative("sqrt", x))


def log(x: ArrayLike) -> Any:
    """Natural logarithm, complex for negative inputs, as ``numpy.emath.log``.

    >>> import funcgrad.numpy as fnp
    >>> complex(fnp.emath.log(-1.0)).imag  # pi
    3.141592653589793
    """
    return _ew.log(_negative("log", x))


def log2(x: ArrayLike) -> Any:
    """Base-2 logarithm, complex for negative inputs, as ``numpy.emath.log2``.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.emath.log2(8.0))
    3.0
    """
    return _ew.log2(_negative("log2", x))


def log10(x: ArrayLike) -> Any:
    """Base-10 logarithm, complex for negative inputs, as ``numpy.emath.log10``.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.emath.log10(100.0))
    2.0
    """
    return _ew.log10(_negative("log10", x))


def logn(n: ArrayLike, x: ArrayLike) -> Any:
    """Logarithm of ``x`` to base ``n`` (``log(x) / log(n)``, complex for negative ``x`` or ``n``), as
    ``numpy.emath.logn``; differentiable in both.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.emath.logn(2.0, 8.0))
    3.0
    """
    return _ew.divide(_ew.log(_negative("logn", x)), _ew.log(_negative("logn", n)))


def power(x: ArrayLike, p: ArrayLike) -> Any:
    """``x ** p``, complex for negative ``x``, as ``numpy.emath.power`` (negative integer powers are taken as
    floats); differentiable in both.

    >>> import funcgrad.numpy as fnp
    >>> complex(fnp.emath.power(-4.0, 0.5))
    (1.2246467991473532e-16+2j)
    """
    x = _negative("power", x)
    p = asarray(p)
    if dtype_of(p).kind in "iu":  # NumPy's _fix_int_lt_zero: an integer array with negatives is made float
        v = concrete(p, "funcgrad.numpy.emath.power: whether the exponent is an integer depends on its signs")
        if bool(namespace(v).any(v < 0)):
            p = _ew.astype(p, _onp.float64)
    return _ew.power(x, p)


def arccos(x: ArrayLike) -> Any:
    """Inverse cosine, complex where ``|x| > 1``, as ``numpy.emath.arccos``.

    >>> import funcgrad.numpy as fnp
    >>> round(complex(fnp.emath.arccos(2.0)).imag, 6)
    -1.316958
    """
    return _ew.arccos(_beyond_one("arccos", x))


def arcsin(x: ArrayLike) -> Any:
    """Inverse sine, complex where ``|x| > 1``, as ``numpy.emath.arcsin``.

    >>> import funcgrad.numpy as fnp
    >>> round(complex(fnp.emath.arcsin(2.0)).imag, 6)
    1.316958
    """
    return _ew.arcsin(_beyond_one("arcsin", x))


def arctanh(x: ArrayLike) -> Any:
    """Inverse hyperbolic tangent, complex where ``|x| > 1``, as ``numpy.emath.arctanh``.

    >>> import funcgrad.numpy as fnp
    >>> round(complex(fnp.emath.arctanh(2.0)).real, 6)
    0.549306
    """
    return _ew.arctanh(_beyond_one("arctanh", x))
