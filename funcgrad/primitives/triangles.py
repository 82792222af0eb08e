"""Triangles and diagonals: ``triu``/``tril`` (their rules mask the cotangent), ``diagonal`` and ``diag_embed`` (each undoes the other), ``trace`` and ``diag``."""
from __future__ import annotations

import operator
from ..backend import namespace, shape_of
from ..core import Box, Primitive
from ..core.primitive import broadcast_to as _broadcast_to
from ..core.batching import loop_rule
from ..core.primitive import cast, sum_to
from .shape import ArrayLike, _asarray, _axis, _no_out, _reshape, _shifted_axis

__all__ = ['triu', 'tril', 'diagonal', 'trace', 'diag']


# --- triangles and diagonals ------------------------------------------------------------------------------------
_triu = Primitive("triu", lambda x, k: namespace(x).triu(x, k), doc=(
    "``x`` with the elements below the ``k``-th diagonal zeroed (last two axes), as ``numpy.triu``."))
_tril = Primitive("tril", lambda x, k: namespace(x).tril(x, k), doc=(
    "``x`` with the elements above the ``k``-th diagonal zeroed (last two axes), as ``numpy.tril``."))
_triu.def_vjp(lambda g, ans, x, k: _triu(g, k=k))
_tril.def_vjp(lambda g, ans, x, k: _tril(g, k=k))
_triu.def_jvp(lambda t, ans, x, k: _triu(t, k=k))
_tril.def_jvp(lambda t, ans, x, k: _tril(t, k=k))


def _triangle_batch(prim):
    def rule(args, batched, k):
        x = args[0]
        s = shape_of(x)
        if len(s) == 2:  # numpy reads a vector as the rows of a square matrix; batched, it would read a matrix
            x = _broadcast_to(_reshape(x, shape=(s[0], 1, s[1])), shape=(s[0], s[1], s[1]))
        elif len(s) < 2:  # 0-d examples: the per-example call reports the error
            return loop_rule(prim, args, batched, s[0], {"k": k})
        return prim(x, k=k)  # the last two axes are the matrix's, whatever leads
    return rule


_triu.def_batch(_triangle_batch(_triu))
_tril.def_batch(_triangle_batch(_tril))


def _triangle(prim, m, k, op):
    m = _asarray(m)
    s = shape_of(m)
    if len(s) == 0:
        raise ValueError(f"funcgrad.{op}: needs at least 1 dimension, got a 0-d array")
    if len(s) == 1:  # NumPy reads a vector as the rows of a square matrix
        m = _broadcast_to(m, shape=(s[0], s[0]))
    return prim(m, k=operator.index(k))


def triu(m: ArrayLike, k: int = 0) -> ArrayLike:
    """Upper triangle of ``m`` (on its last two axes) from the ``k``-th diagonal up, as ``numpy.triu``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.triu(fnp.ones((2, 2)))
    array([[1., 1.],
           [0., 1.]])
    """
    return _triangle(_triu, m, k, "triu")


def tril(m: ArrayLike, k: int = 0) -> ArrayLike:
    """Lower triangle of ``m`` (on its last two axes) from the ``k``-th diagonal down, as ``numpy.tril``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.tril(fnp.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    return _triangle(_tril, m, k, "tril")


_diagonal = Primitive("diagonal", lambda x, offset, axis1, axis2: namespace(x).diagonal(x, offset, axis1, axis2),
                      doc=("The ``offset`` diagonal of the ``axis1``/``axis2`` planes, as a new last axis, as "
                           "``numpy.diagonal`` (read-only for plain arrays)."))


def _diag_embed_impl(g, offset, axis1, axis2, shape):
    xp = namespace(g)
    out = xp.zeros(shape, dtype=g.dtype)
    plane = xp.moveaxis(out, (axis1, axis2), (-2, -1))  # a writable view of out
    i = xp.arange(g.shape[-1])
    plane[..., i + max(-offset, 0), i + max(offset, 0)] = g
    return out


diag_embed = Primitive("diag_embed", _diag_embed_impl, doc=(
    "A zero array of ``shape`` whose ``offset`` diagonal over ``axis1``/``axis2`` holds the last axis of ``g``: the "
    "transpose of ``diagonal``."))
_diagonal.def_vjp(lambda g, ans, x, offset, axis1, axis2: diag_embed(g, offset=offset, axis1=axis1, axis2=axis2,
                                                                      shape=shape_of(x)))
diag_embed.def_vjp(lambda g, ans, x, offset, axis1, axis2, shape: _diagonal(g, offset=offset, axis1=axis1,
                                                                             axis2=axis2))
_diagonal.def_jvp(lambda t, ans, x, offset, axis1, axis2: _diagonal(t, offset=offset, axis1=axis1, axis2=axis2))
diag_embed.def_jvp(lambda t, ans, x, offset, axis1, axis2, shape: diag_embed(t, offset=offset, axis1=axis1,
                                                                              axis2=axis2, shape=shape))


def _diagonal_batch(args, batched, offset, axis1, axis2):
    # The diagonal goes last and the two planes' axes go away: a leading batch axis stays first.
    nd = len(shape_of(args[0])) - 1
    return _diagonal(args[0], offset=offset, axis1=_shifted_axis(axis1, nd), axis2=_shifted_axis(axis2, nd))


def _diag_embed_batch(args, batched, offset, axis1, axis2, shape):
    nd = len(shape)
    return diag_embed(args[0], offset=offset, axis1=_shifted_axis(axis1, nd), axis2=_shifted_axis(axis2, nd),
                      shape=shape_of(args[0])[:1] + tuple(shape))


_diagonal.def_batch(_diagonal_batch)
diag_embed.def_batch(_diag_embed_batch)


def _diag_axes(a, axis1, axis2, op):
    nd = len(shape_of(a))
    if nd < 2:
        raise ValueError(f"funcgrad.{op}: needs an array of at least 2 dimensions, got shape {shape_of(a)}")
    i, j = _axis(axis1, nd, op), _axis(axis2, nd, op)
    if i == j:
        raise ValueError(f"funcgrad.{op}: axis1 and axis2 must differ, got {axis1} and {axis2}")
    return i, j


def diagonal(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> ArrayLike:
    """The ``offset`` diagonal of the (``axis1``, ``axis2``) planes, appended as the last axis, as
    ``numpy.diagonal``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.diagonal(fnp.array([[1.0, 2.0], [3.0, 4.0]]))
    array([1., 4.])
    """
    a = _asarray(a)
    i, j = _diag_axes(a, axis1, axis2, "diagonal")
    return _diagonal(a, offset=operator.index(offset), axis1=i, axis2=j)


def trace(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype=None, out=None) -> ArrayLike:
    """Sum along the ``offset`` diagonal of the (``axis1``, ``axis2``) planes, as ``numpy.trace``.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.trace(fnp.array([[1.0, 2.0], [3.0, 4.0]])))
    5.0
    """
    _no_out(out, "trace")
    d = diagonal(a, offset, axis1, axis2)
    s = shape_of(d)
    res = _reshape(sum_to(d, shape=s[:-1] + (1,)), shape=s[:-1])
    if dtype is not None:
        res = cast(res, dtype=dtype)
    if type(res) is not Box and shape_of(res) == ():
        return res[()]  # NumPy returns a scalar for a matrix
    return res


def diag(v: ArrayLike, k: int = 0) -> ArrayLike:
    """A square matrix with the vector ``v`` on its ``k``-th diagonal, or the ``k``-th diagonal of the matrix
    ``v``, as ``numpy.diag``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.diag(fnp.array([1.0, 2.0]))
    array([[1., 0.],
           [0., 2.]])
    """
    v = _asarray(v)
    s = shape_of(v)
    k = operator.index(k)
    if len(s) == 1:
        n = s[0] + abs(k)
        return diag_embed(v, offset=k, axis1=0, axis2=1, shape=(n, n))
    if len(s) == 2:
        return _diagonal(v, offset=k, axis1=0, axis2=1)
    raise ValueError(f"funcgrad.diag: expects a vector or a matrix, got shape {s}")
