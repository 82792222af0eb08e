"""Hypothesis strategies for testing derivative rules: shapes (0-d, size-1, empty axes), mutually broadcastable
shape tuples, and arrays whose values lie inside a function's smooth domain.

>>> from hypothesis import given
>>> from funcgrad.testing import strategies as fst
>>> @given(fst.arrays(fst.shapes(), domain=(0.1, 2.0)))
... def test_log_defined(x):
...     assert (x > 0).all()
>>> test_log_defined()
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["shapes", "broadcastable_shapes", "arrays", "values", "axes", "array_pairs"]


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 4) -> st.SearchStrategy:
    """Array shapes, including 0-d, size-1 and (with ``min_side=0``) empty axes.

    >>> shapes(max_dims=2).example().__class__
    <class 'tuple'>
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
                         max_side: int = 4) -> st.SearchStrategy:
    """Tuples of ``num_shapes`` shapes that broadcast together (size-1 axes and missing leading axes included).

    >>> len(broadcastable_shapes(3).example())
    3
    """
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side).map(lambda r: r.input_shapes)


def values(domain: tuple[float, float] = (-2.0, 2.0), avoid: Sequence[float] = (), margin: float = 1e-2
           ) -> st.SearchStrategy:
    """Floats strictly inside ``domain``, at least ``margin`` away from its ends and from each point in ``avoid``
    (kinks, poles), so that central finite differences stay on one smooth piece.

    >>> 0.0 < values((0.0, 1.0)).example() < 1.0
    True
    """
    lo, hi = domain
    s = st.floats(lo + margin, hi - margin, allow_nan=False, allow_infinity=False)
    if avoid:
        s = s.filter(lambda v: all(abs(v - a) > margin for a in avoid))
    return s


def arrays(shape: tuple | st.SearchStrategy, domain: tuple[float, float] = (-2.0, 2.0), dtype=np.float64,
           avoid: Sequence[float] = (), margin: float = 1e-2, unique: bool = False) -> st.SearchStrategy:
    """Arrays of ``shape`` (a tuple or a strategy of shapes) with values from :func:`values`.

    >>> arrays((2, 3)).example().shape
    (2, 3)
    """
    return hnp.arrays(dtype, shape, elements=values(domain, avoid, margin), unique=unique)


def array_pairs(domains: Sequence[tuple[float, float]] = ((-2.0, 2.0), (-2.0, 2.0)),
                max_dims: int = 3) -> st.SearchStrategy:
    """Tuples of arrays with mutually broadcastable shapes, one per domain.

    >>> len(array_pairs().example())
    2
    """
    return broadcastable_shapes(len(domains), max_dims=max_dims).flatmap(
        lambda shps: st.tuples(*[arrays(s, d) for s, d in zip(shps, domains)]))


def axes(ndim: int, allow_none: bool = True, allow_tuple: bool = True) -> st.SearchStrategy:
    """An ``axis`` argument valid for an array of ``ndim`` dimensions: None, an int (maybe negative) or a tuple.

    >>> axes(0).example() in (None, ())
    True
    """
    options = []
    if allow_none:
        options.append(st.none())
    if ndim > 0:
        options.append(st.integers(-ndim, ndim - 1))
    if allow_tuple:
        options.append(st.lists(st.integers(0, max(ndim - 1, 0)), unique=True, max_size=ndim)
                       .map(lambda a: tuple(a) if ndim else ()))
    return st.one_of(*options)
