"""NumPy names that are small compositions of other families' functions: one-argument ``where``, ``fix``,
``row_stack``, ``real_if_close``, ``asarray_chkfinite``, ``asfortranarray`` and ``require``.

Some of them decide something from the values (``real_if_close``: whether the result is real; ``asarray_chkfinite``:
whether to raise). They decide it on the concrete value, under ``grad`` as on plain arrays; under ``vmap`` on the
whole batch (one result dtype for all the examples); under ``jit``, which records one program for every value, they
raise the recorder's error, which says what to do instead (:func:`concrete`).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as _onp

from ..backend import dtype_of, namespace, shape_of
from ..core import Box
from .creation import asarray
from .elementwise import astype, real, trunc
from .elementwise import where as _where
from .indexing import nonzero
from .joining import vstack
from .shape import _asarray, _reshape

__all__ = ["where", "fix", "row_stack", "real_if_close", "asarray_chkfinite", "asfortranarray", "require"]
ArrayLike = Any
_NOVALUE = object()  # where's missing x and y (None is a valid operand: an object array's element)


def concrete(x: Any, what: str) -> Any:
    """The concrete value of ``x`` (under any number of grad or vmap levels: vmap's is the whole batch), for a
    decision NumPy takes from the values; under jit, the recorder's error naming ``what`` needs them.

    >>> concrete(2.0, "a test")
    2.0
    """
    v = x
    while type(v) is Box:
        if v._trace.recording:
            raise v._trace.conversion_error(what, v)
        v = v.value
    return v


def where(condition: ArrayLike, x: ArrayLike = _NOVALUE, y: ArrayLike = _NOVALUE) -> Any:
    """Elements of ``x`` where ``condition`` holds, of ``y`` elsewhere (differentiable in both), as
    ``numpy.where``; with ``condition`` alone, its nonzero indices (``nonzero(condition)``, no gradient).

    >>> import funcgrad.numpy as fnp
    >>> fnp.where(fnp.array([True, False]), fnp.array([1.0, 2.0]), 0.0)
    array([1., 0.])
    >>> fnp.where(fnp.array([0.0, 3.0, 4.0]))
    (array([1, 2]),)
    """
    if y is not _NOVALUE and x is not _NOVALUE:
        return _where(condition, x, y)
    if x is _NOVALUE and y is _NOVALUE:
        return nonzero(condition)
    raise ValueError("funcgrad.numpy.where: either both or neither of x and y should be given")


def fix(x: ArrayLike, out: Any = None) -> Any:
    """Round toward zero, as ``numpy.fix`` (the same as ``trunc``; no gradient: the function is piecewise
    constant).

    >>> import funcgrad.numpy as fnp
    >>> fnp.fix(fnp.array([-1.5, 2.5]))
    array([-1.,  2.])
    """
    if out is not None:
        raise TypeError("funcgrad.numpy.fix: out= is not supported, funcgrad arrays are immutable; use the returned "
                        "array instead (y = fnp.fix(x))")
    return trunc(x)


def row_stack(tup: Sequence[ArrayLike], *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """NumPy's old name of :func:`vstack` (deprecated there since 2.0, kept for code that still calls it).

    >>> import funcgrad.numpy as fnp
    >>> fnp.row_stack([fnp.ones(2), fnp.zeros(2)]).shape
    (2, 2)
    """
    return vstack(tup, dtype=dtype)


def real_if_close(a: ArrayLike, tol: float = 100) -> Any:
    """``a``'s real part if every imaginary part is below ``tol`` (in machine epsilons when ``tol > 1``), else ``a``,
    as ``numpy.real_if_close``; differentiable. The result's dtype depends on the values: decided on the concrete
    value (under vmap, for the whole batch); under jit it raises.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.real_if_close(np.array([2.0 + 1e-15j, 1.0]))
    array([2., 1.])
    """
    a = asarray(a)
    dt = dtype_of(a)
    if dt.kind != "c":
        return a
    if tol > 1:
        tol = _onp.finfo(dt).eps * tol
    v = concrete(a, "funcgrad.numpy.real_if_close: whether the result is real or complex depends on the values")
    xp = namespace(v)
    return real(a) if bool(xp.all(xp.abs(v.imag) < tol)) else a


def asarray_chkfinite(a: ArrayLike, dtype: Any = None, order: str | None = None) -> Any:
    """``a`` as an array (differentiable), raising ValueError if it holds infs or NaNs, as
    ``numpy.asarray_chkfinite``; the check reads the concrete value (under jit, which has none, it raises).

    >>> import funcgrad.numpy as fnp
    >>> fnp.asarray_chkfinite([1.0, 2.0])
    array([1., 2.])
    """
    a = asarray(a, dtype=dtype, order=order)
    if dtype_of(a).kind in "fc":
        v = concrete(a, "funcgrad.numpy.asarray_chkfinite: checking for infs and NaNs")
        if not bool(namespace(v).isfinite(v).all()):
            raise ValueError("array must not contain infs or NaNs")
    return a


def asfortranarray(a: ArrayLike, dtype: Any = None, *, like: Any = None) -> Any:
    """``a`` as an array of at least one dimension laid out in Fortran order, as ``numpy.asfortranarray``; a traced
    value is returned as it is (cast to ``dtype``, 0-d made 1-d): its layout is funcgrad's business.

    >>> import funcgrad.numpy as fnp
    >>> fnp.asfortranarray(fnp.ones((2, 3))).flags["F_CONTIGUOUS"]
    True
    """
    a = _asarray(a)
    if type(a) is not Box:
        return namespace(a).asfortranarray(a, dtype=dtype)
    a = a if dtype is None else astype(a, dtype)
    return _reshape(a, shape=(1,)) if shape_of(a) == () else a


_REQUIREMENTS = {"C": "C", "C_CONTIGUOUS": "C", "CONTIGUOUS": "C", "F": "F", "F_CONTIGUOUS": "F", "FORTRAN": "F",
                 "A": "A", "ALIGNED": "A", "W": "W", "WRITEABLE": "W", "O": "O", "OWNDATA": "O", "E": "E",
                 "ENSUREARRAY": "E"}


def require(a: ArrayLike, dtype: Any = None, requirements: Any = None, *, like: Any = None) -> Any:
    """``a`` as an array of ``dtype`` meeting the flags in ``requirements`` ('C', 'F', 'A', 'W', 'O', 'E', a string
    of them, or a list of them or their long names), as ``numpy.require``; a traced value only gets the dtype (differentiably): it is immutable, and
    its layout and ownership are funcgrad's business.

    >>> import funcgrad.numpy as fnp
    >>> fnp.require([1, 2], dtype=float, requirements="F")
    array([1., 2.])
    """
    try:  # (a string is a sequence of one-letter flags, as NumPy reads it)
        flags = {_REQUIREMENTS[r.upper()] for r in (requirements or ())}
    except (KeyError, AttributeError):
        raise KeyError(f"funcgrad.numpy.require: unknown requirement in {requirements!r} (one of "
                       f"{sorted(set(_REQUIREMENTS))})") from None
    if {"C", "F"} <= flags:
        raise ValueError("Cannot specify both C and Fortran contiguous.")
    a = _asarray(a)
    if type(a) is not Box:
        xp = namespace(a)
        if xp is _onp:
            return _onp.require(a, dtype=dtype, requirements=requirements)
        a = xp.asarray(a, dtype=dtype)  # device arrays: the layouts they have (CuPy has no require)
        return xp.asfortranarray(a) if "F" in flags else xp.ascontiguousarray(a) if "C" in flags else a
    return a if dtype is None else astype(a, dtype)
