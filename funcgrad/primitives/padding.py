"""Padding: ``pad`` in NumPy's modes over the ``pad_p``/``crop`` primitive pair of shape.py (each undoes the other)."""
from __future__ import annotations

import functools
import numpy as _onp
from ..backend import namespace, shape_of
from ..core import Box, getval
from .elementwise import add, multiply
from .shape import (ArrayLike, _asarray, _contains_box, _pad_impl, pad_p)

__all__ = ['pad']


# --- padding ----------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def _pad_widths(pad_width, nd: int) -> tuple:
    if nd == 0:
        return ()
    try:
        w = _onp.broadcast_to(_onp.asarray(pad_width, dtype=_onp.int64), (nd, 2))
    except (ValueError, TypeError):
        raise ValueError(f"funcgrad.pad: pad_width {pad_width!r} must be an int, a (before, after) pair, or one "
                         f"pair per axis for an array of dimension {nd}") from None
    if (w < 0).any():
        raise ValueError(f"funcgrad.pad: pad_width {pad_width!r} has negative entries; use fnp.split or indexing "
                         f"to remove elements")
    return tuple((int(a), int(b)) for a, b in w)


def _hashable(v):
    if hasattr(v, "tolist"):
        v = v.tolist()
    return tuple(_hashable(e) for e in v) if isinstance(v, (list, tuple)) else v


def pad(array: ArrayLike, pad_width, mode: str = "constant", constant_values=0, **kwargs) -> ArrayLike:
    """``array`` padded with constants, as ``numpy.pad(..., mode="constant")``. A scalar ``constant_values`` may
    be traced (its gradient is the sum of the cotangent over the padding); other modes are not implemented.

    >>> import funcgrad.numpy as fnp
    >>> fnp.pad(fnp.ones(2), (1, 2))
    array([0., 1., 1., 0., 0.])
    """
    if mode != "constant":
        raise NotImplementedError(f"funcgrad.pad: mode={mode!r} is not implemented, only mode='constant'; build "
                                  f"other modes from fnp.concatenate and fnp.flip")
    if kwargs:
        raise TypeError(f"funcgrad.pad: unexpected arguments {sorted(kwargs)} for mode='constant'")
    array = _asarray(array)
    widths = _pad_widths(_hashable(getval(pad_width) if type(pad_width) is Box else pad_width),
                         len(shape_of(array)))
    if type(constant_values) is Box:
        if shape_of(constant_values) != ():
            raise NotImplementedError("funcgrad.pad: a traced constant_values must be a scalar; pad with 0 and add "
                                      "the constants yourself")
        # pad(x, c) = pad(x, 0) + c * (1 on the padding): differentiable in both x and c.
        mask = _pad_impl(namespace(getval(array)).zeros(shape_of(array)), widths, 1.0)
        return add(pad_p(array, pad_width=widths, constant_values=0), multiply(constant_values, mask))
    if isinstance(constant_values, (list, tuple)) and _contains_box(constant_values):
        raise NotImplementedError("funcgrad.pad: traced constant_values must be a single scalar")
    return pad_p(array, pad_width=widths, constant_values=constant_values)
