"""NaN-ignoring reductions: ``nansum``, ``nanprod``, ``nanmean``, ``nanvar``, ``nanstd``, ``nanmax``, ``nanmin``,
``nanargmax``, ``nanargmin``, ``nancumsum``, ``nancumprod``, as NumPy's.

Compositions of primitives, so they differentiate to any order and work under vmap: the NaNs are replaced by the
operation's neutral element with ``where`` before reducing, so no gradient reaches a NaN. The argument helpers
here serve statistics.py too.
"""
from __future__ import annotations

from typing import Any

import numpy as _onp

from ..backend import dtype_of, namespace
from ..core import getval
from ..core.primitive import cast
from .cumulative import cumprod, cumsum
from .elementwise import (absolute, add, divide, greater, isnan, logical_and, logical_not, multiply, sqrt, square,
                          subtract)
from .elementwise import where as _where
from .reductions import _seq, all as _all, any as _any, argmax, argmin, max as _max, min as _min, prod
from .reductions import sum as _sum

__all__ = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanargmax", "nanargmin",
           "nancumsum", "nancumprod"]
LINALG: list = []
ArrayLike = Any


def _array(a):
    """``a`` with a shape: lists packed or converted (see ``reductions._seq``), scalars made 0-d arrays."""
    a = _seq(a)
    return a if hasattr(a, "shape") else namespace(a).asarray(a)


def _no_out(name: str, out) -> None:
    if out is not None:
        raise TypeError(f"funcgrad.numpy.{name}: out= is not supported, funcgrad arrays are immutable; use the "
                        f"returned array instead")


def _axis(axis):
    return tuple(axis) if type(axis) is list else axis


def _masked(a, fill, where_):
    """``a`` with NaNs (and entries outside ``where_``) replaced by ``fill``."""
    keep = logical_not(isnan(a))
    if where_ is not True:
        keep = logical_and(keep, where_)
    return _where(keep, a, fill), keep


def _inexact(a) -> bool:
    return dtype_of(a).kind in "fc"


# --- NaN-ignoring reductions --------------------------------------------------------------------------------------
def nansum(a: ArrayLike, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
           where=True) -> Any:  # noqa: A002
    """Sum over ``axis`` treating NaNs as zero, as ``numpy.nansum``; NaNs get no gradient.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.nansum(fnp.array([1.0, float("nan"), 2.0])))
    3.0
    """
    _no_out("nansum", out)
    a = _array(a)
    if _inexact(a) or where is not True:
        a = _masked(a, 0, where)[0]
    s = _sum(a, axis=_axis(axis), dtype=dtype, keepdims=keepdims)
    return s if initial is None else add(s, initial)


def nanprod(a: ArrayLike, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
            where=True) -> Any:  # noqa: A002
    """Product over ``axis`` treating NaNs as one, as ``numpy.nanprod``; NaNs get no gradient.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.nanprod(fnp.array([3.0, float("nan"), 2.0])))
    6.0
    """
    _no_out("nanprod", out)
    a = _array(a)
    if _inexact(a) or where is not True:
        a = _masked(a, 1, where)[0]
    p = prod(a, axis=_axis(axis), dtype=dtype, keepdims=keepdims)
    return p if initial is None else multiply(p, initial)


def _count(keep, axis, keepdims, dt):
    return cast(_sum(keep, axis=axis, keepdims=keepdims), dtype=dt)


def _float_dtype(a, dtype=None):
    if dtype is not None:
        return _onp.dtype(dtype)
    dt = dtype_of(a)
    return dt if dt.kind in "fc" else _onp.dtype(_onp.float64)


def nanmean(a: ArrayLike, axis=None, dtype=None, out=None, keepdims: bool = False, *, where=True) -> Any:
    """Mean over ``axis`` of the non-NaN entries, as ``numpy.nanmean`` (NaN for an all-NaN slice).

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.nanmean(fnp.array([1.0, float("nan"), 2.0])))
    1.5
    """
    _no_out("nanmean", out)
    a = _array(a)
    axis = _axis(axis)
    dt = _float_dtype(a, dtype)
    a = cast(a, dtype=dt) if dtype_of(a) != dt else a
    vals, keep = _masked(a, 0, where)
    return divide(_sum(vals, axis=axis, keepdims=keepdims), _count(keep, axis, keepdims, dt))


def nanvar(a: ArrayLike, axis=None, dtype=None, out=None, ddof: float = 0, keepdims: bool = False, *,
           where=True) -> Any:
    """Variance over ``axis`` of the non-NaN entries (divisor ``count - ddof``; NaN where that is not positive),
    as ``numpy.nanvar``.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.nanvar(fnp.array([1.0, float("nan"), 3.0])))
    1.0
    """
    _no_out("nanvar", out)
    a = _array(a)
    axis = _axis(axis)
    dt = _float_dtype(a, dtype)
    a = cast(a, dtype=dt) if dtype_of(a) != dt else a
    vals, keep = _masked(a, 0, where)
    n = _count(keep, axis, True, dt)
    mu = divide(_sum(vals, axis=axis, keepdims=True), n)
    d = _where(keep, subtract(vals, mu), 0)
    sq = square(absolute(d)) if dt.kind == "c" else square(d)
    dof = subtract(_count(keep, axis, keepdims, dt), ddof)
    ok = greater(dof, 0)
    return _where(ok, divide(_sum(sq, axis=axis, keepdims=keepdims), _where(ok, dof, 1)), _onp.nan)


def nanstd(a: ArrayLike, axis=None, dtype=None, out=None, ddof: float = 0, keepdims: bool = False, *,
           where=True) -> Any:
    """Standard deviation over ``axis`` of the non-NaN entries (square root of :func:`nanvar`), as
    ``numpy.nanstd``.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.nanstd(fnp.array([1.0, float("nan"), 3.0])))
    1.0
    """
    return sqrt(nanvar(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, where=where))


def _nan_extremum(name, pick, fill, a, axis, out, keepdims):
    _no_out(name, out)
    a = _array(a)
    axis = _axis(axis)
    if not _inexact(a):
        return pick(a, axis=axis, keepdims=keepdims)
    vals, keep = _masked(a, fill, True)
    none = logical_not(_any(keep, axis=axis, keepdims=keepdims))
    return _where(none, _onp.nan, pick(vals, axis=axis, keepdims=keepdims))


def nanmax(a: ArrayLike, axis=None, out=None, keepdims: bool = False) -> Any:
    """Maximum over ``axis`` ignoring NaNs, as ``numpy.nanmax`` (NaN for an all-NaN slice); tied maxima share
    the gradient.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.nanmax(fnp.array([1.0, float("nan"), 2.0])))
    2.0
    """
    return _nan_extremum("nanmax", _max, -_onp.inf, a, axis, out, keepdims)


def nanmin(a: ArrayLike, axis=None, out=None, keepdims: bool = False) -> Any:
    """Minimum over ``axis`` ignoring NaNs, as ``numpy.nanmin`` (NaN for an all-NaN slice).

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.nanmin(fnp.array([1.0, float("nan"), 2.0])))
    1.0
    """
    return _nan_extremum("nanmin", _min, _onp.inf, a, axis, out, keepdims)


def _nan_arg(name, pick, fill, a, axis, out, keepdims):
    _no_out(name, out)
    a = _array(a)
    if not _inexact(a):
        return pick(a, axis=axis, keepdims=keepdims)
    nan = isnan(a)
    every = getval(_all(nan, axis=axis))
    if bool(namespace(every).any(every)):
        raise ValueError(f"funcgrad.numpy.{name}: All-NaN slice encountered")
    return pick(_where(nan, fill, a), axis=axis, keepdims=keepdims)


def nanargmax(a: ArrayLike, axis: int | None = None, out=None, *, keepdims: bool = False) -> Any:
    """Index of the maximum along ``axis`` ignoring NaNs, as ``numpy.nanargmax``; an all-NaN slice raises
    ValueError. Non-differentiable.

    >>> import funcgrad.numpy as fnp
    >>> int(fnp.nanargmax(fnp.array([1.0, float("nan"), 2.0])))
    2
    """
    return _nan_arg("nanargmax", argmax, -_onp.inf, a, axis, out, keepdims)


def nanargmin(a: ArrayLike, axis: int | None = None, out=None, *, keepdims: bool = False) -> Any:
    """Index of the minimum along ``axis`` ignoring NaNs, as ``numpy.nanargmin`` (non-differentiable).

    >>> import funcgrad.numpy as fnp
    >>> int(fnp.nanargmin(fnp.array([1.0, float("nan"), 0.5])))
    2
    """
    return _nan_arg("nanargmin", argmin, _onp.inf, a, axis, out, keepdims)


def nancumsum(a: ArrayLike, axis: int | None = None, dtype=None, out=None) -> Any:
    """Cumulative sum along ``axis`` treating NaNs as zero, as ``numpy.nancumsum``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.nancumsum(fnp.array([1.0, float("nan"), 2.0]))
    array([1., 1., 3.])
    """
    a = _array(a)
    return cumsum(_masked(a, 0, True)[0] if _inexact(a) else a, axis=axis, dtype=dtype, out=out)


def nancumprod(a: ArrayLike, axis: int | None = None, dtype=None, out=None) -> Any:
    """Cumulative product along ``axis`` treating NaNs as one, as ``numpy.nancumprod``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.nancumprod(fnp.array([2.0, float("nan"), 3.0]))
    array([2., 2., 6.])
    """
    a = _array(a)
    return cumprod(_masked(a, 1, True)[0] if _inexact(a) else a, axis=axis, dtype=dtype, out=out)
