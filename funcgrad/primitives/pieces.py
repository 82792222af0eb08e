"""Cutting an array into pieces with one node: ``pieces`` gives the slices along an axis (``unstack``) or the
blocks between given bounds, all as the results of one primitive.

Slicing the pieces out one by one records one node per piece, and each piece's cotangent is padded with zeros to
the whole array before they are summed: for the T time steps of a sequence that is T full-size cotangents,
quadratic in T. Here backward joins the pieces' cotangents with one ``stack`` or ``concatenate`` (the engine gives
a piece that received nothing a zero cotangent), linear in the size. The primitive is linear, so its JVP is itself.

>>> import funcgrad.numpy as fnp
>>> from funcgrad.primitives.pieces import pieces
>>> [p.tolist() for p in pieces(fnp.arange(5.0), axis=0, bounds=((0, 2), (2, 5)))]
[[0.0, 1.0], [2.0, 3.0, 4.0]]
"""
from __future__ import annotations

from typing import Any, Sequence

from ..backend import shape_of
from ..core import Primitive
from .shape import _asarray, _axis, concatenate, stack

__all__ = ["pieces"]


def _impl(x: Any, axis: int, bounds: tuple, squeeze: bool) -> tuple:
    lead = (slice(None),) * axis
    if squeeze:
        return tuple(x[lead + (i,)] for i in range(x.shape[axis]))
    return tuple(x[lead + (slice(a, b),)] for a, b in bounds)


def _vjp(g: tuple, ans: tuple, x: Any, axis: int, bounds: tuple, squeeze: bool) -> Any:
    return stack(g, axis=axis) if squeeze else concatenate(g, axis=axis)


def _batch(args: tuple, batched: Any, axis: int, bounds: tuple, squeeze: bool) -> tuple:
    return _pieces(args[0], axis=axis + 1, bounds=bounds, squeeze=squeeze)  # the batch axis is in front


_pieces = Primitive("pieces", _impl, multiple_results=True, doc=(
    "The slices of ``x`` along ``axis`` (``squeeze``) or its blocks ``bounds`` along it, as a tuple (see "
    ":func:`pieces`)."))
_pieces.def_vjp(_vjp)
_pieces.def_jvp_linear()
_pieces.def_batch(_batch)


def pieces(x: Any, axis: int = 0, bounds: Sequence[tuple[int, int]] | None = None) -> tuple:
    """``x`` cut along ``axis``: with ``bounds=None`` its slices, that axis removed (``numpy.unstack``); else the
    blocks ``x[..., a:b, ...]`` for the ``(a, b)`` in ``bounds``, which must tile the axis from 0 to its end.

    >>> import funcgrad.numpy as fnp
    >>> [p.shape for p in pieces(fnp.zeros((2, 3)), axis=1)]
    [(2,), (2,), (2,)]
    """
    x = _asarray(x)
    s = shape_of(x)
    ax = _axis(axis, len(s), "pieces")
    if bounds is None:
        return tuple(_pieces(x, axis=ax, bounds=(), squeeze=True))
    bounds = tuple((int(a), int(b)) for a, b in bounds)
    ends = [0] + [b for _, b in bounds]
    if any(a != e or b < a for (a, b), e in zip(bounds, ends)) or ends[-1] != s[ax]:
        raise ValueError(f"pieces: bounds {list(bounds)} must tile axis {ax} of shape {s} from 0 to {s[ax]} "
                         f"without gaps or overlaps; slice the array for pieces that do not")
    return tuple(_pieces(x, axis=ax, bounds=bounds, squeeze=False))
