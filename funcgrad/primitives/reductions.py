"""Reductions: sums, means, products, extrema (the moments: moments.py; cumulative sums and products: cumulative.py).

``sum``, ``mean``, ``prod`` and ``max``/``min`` are primitives; ``var``, ``std`` and ``average`` are compositions
of them, in moments.py (``linalg.norm``, also one, is in norms.py). NumPy's ``where=`` mask (and ``initial=``) are compositions
too: the entries outside the mask are replaced by the reduction's neutral element before reducing, so they get
no gradient. ``argmax``, ``argmin``, ``all`` and ``any`` are non-differentiable: they accept traced
values and return plain arrays, so the gradient stops there.

Conventions at kinks: a tie for the maximum (or minimum) of a slice splits the gradient evenly among the tied
entries (HIPS autograd's and PyTorch's convention). ``prod``'s gradient is exact with zeros in the reduced slice
(one zero: only that entry gets a gradient; two or more: none does). Forward mode follows the same conventions:
the JVP rules are the VJP rules' transposes (tied extrema average their tangents; ``prod`` uses the same products
of the others).

Every reduction's VJP re-expands the cotangent along the reduced axes with :func:`expand_reduced`, whose own VJP
is ``sum`` again: the pair are each other's transposes, so derivatives of any order stay inside this module.
"""
from __future__ import annotations

import functools
import math
import operator
from typing import Any

import numpy as _onp

from ..backend import dtype_of, namespace, shape_of
from ..core import Primitive, getval
from ..core.primitive import broadcast_to, nondifferentiable
from .shape import _asarray, _reshape
from .elementwise import add, divide, equal, maximum, minimum, multiply, where

_select = where  # for the functions whose NumPy parameter ``where`` (the mask) hides the elementwise function

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "all", "any"]

_AxisLike = Any  # None, an int, or a tuple/list of ints


# --- axis bookkeeping (static, cached) --------------------------------------------------------------------------
@functools.lru_cache(maxsize=2048)
def _reduced(shape: tuple, axis) -> tuple[tuple, tuple, int]:
    """``(axes, kept_shape, count)``: the reduced axes (sorted, non-negative), the shape with those axes set to 1
    (what ``keepdims=True`` gives), and how many elements each output element reduces."""
    nd = len(shape)
    if axis is None:
        axes = tuple(range(nd))
    else:
        axes = []
        for a in (axis if isinstance(axis, tuple) else (axis,)):
            a = operator.index(a)
            if not -nd <= a < nd:
                raise _onp.exceptions.AxisError(a, nd)
            axes.append(a % nd)
        if len(set(axes)) != len(axes):
            raise ValueError(f"repeated axis in {axis!r}")
        axes = tuple(sorted(axes))
    kept = tuple(1 if i in axes else s for i, s in enumerate(shape))
    return axes, kept, math.prod(shape[i] for i in axes)


def _checked(name: str, shape: tuple, axis) -> tuple[tuple, tuple, int]:
    """:func:`_reduced` for the compositions, whose errors would otherwise name no operation."""
    try:
        return _reduced(shape, axis)
    except (ValueError, TypeError) as e:
        raise type(e)(f"funcgrad.numpy.{name}(shape {shape}, axis={axis!r}): {e}") from None


def _axis(axis):
    # lists are unhashable (the rules cache on axis) and NumPy accepts them nowhere but here: normalize once.
    return tuple(axis) if type(axis) is list else axis


def _arr(x):
    # The array methods skip the Python-level dispatch of the module functions (2-3x faster on small arrays);
    # Python scalars and lists have none, so they become arrays of their namespace first.
    return x if hasattr(x, "ndim") else namespace(x).asarray(x)


def _seq(x):
    """A list or tuple argument of a composition as one array: packed (differentiably) when it holds traced values,
    converted otherwise. Primitives do this themselves on the way in; compositions must do it before they ask
    for a shape or dtype, which NumPy would answer by converting the traced elements (and dropping them)."""
    return _asarray(x) if type(x) is list or type(x) is tuple else x


def _no_out(name: str, out) -> None:
    if out is not None:
        raise TypeError(f"funcgrad.numpy.{name}: out= is not supported, funcgrad arrays are immutable; use the "
                        f"returned array instead (y = fnp.{name}(x, ...))")


# --- where= and initial= (compositions over the primitives) ----------------------------------------------------
def _shape(a) -> tuple:
    return shape_of(a) if hasattr(a, "shape") else _onp.shape(a)


def _mask(name: str, a, where_):
    """``where_`` checked against ``a``'s shape (NumPy broadcasts the mask to the array, never the other way)."""
    ashape, wshape = _shape(a), _shape(where_)
    try:
        ok = _onp.broadcast_shapes(wshape, ashape) == ashape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"funcgrad.numpy.{name}: the where= mask of shape {wshape} does not broadcast to the "
                         f"array's shape {ashape}")
    return where_


def _filled(name: str, a, where_, fill):
    """``a`` (an array) with the entries outside ``where_`` replaced by ``fill`` in ``a``'s dtype: the reduction's
    neutral element, so that they count for nothing and get no gradient."""
    if where_ is True:
        return a
    return where(_mask(name, a, where_), a, dtype_of(a).type(fill))


def _count(a, where_, axis, keepdims, dtype):
    """How many entries of each reduced slice ``where_`` selects, in ``dtype`` (a plain value for a plain mask)."""
    return _sum(broadcast_to(where_, shape=_shape(a)), axis=axis, keepdims=keepdims, dtype=dtype)


def _real_dtype(a, dtype):
    # the dtype a mean's divisor has: NumPy's (float64 for integers and booleans, the real part's for complex)
    dt = _onp.dtype(dtype) if dtype is not None else dtype_of(a)
    if dt.kind in "biu":
        return _onp.dtype(_onp.float64)
    return _onp.finfo(dt).dtype if dt.kind == "c" else dt


def _extremum_where(name: str, prim, combine, a, axis, keepdims, initial, where_):
    """``max``/``min`` with ``initial`` (and a ``where`` mask, which needs it, as in NumPy)."""
    if initial is None:
        raise ValueError(f"funcgrad.numpy.{name}: reduction operation '{combine.name}' does not have an identity, "
                         f"so to use a where mask one has to specify 'initial'")
    a = _arr(_seq(a))
    dt = dtype_of(a)
    init = dt.type(initial)
    axes, kept, n = _checked(name, _shape(a), axis)
    if n == 0:  # nothing to reduce: every result is the initial value (a constant)
        shape = kept if keepdims else tuple(s for i, s in enumerate(_shape(a)) if i not in axes)
        return namespace(getval(a)).full(shape, init, dtype=dt)
    return combine(prim(_filled(name, a, where_, initial), axis=axis, keepdims=keepdims), init)


# --- batching (vmap): the batch is axis 0, so per-example axes move one along ---------------------------------
def _shift1(a, nd: int) -> int:
    a = operator.index(a)
    if not -nd <= a < nd:
        raise _onp.exceptions.AxisError(a, nd)
    return a % nd + 1


@functools.lru_cache(maxsize=2048)
def _shifted(axis, nd: int):
    # Normalized against the per-example rank first: a negative axis must not count the batch axis.
    if axis is None:
        return tuple(range(1, nd + 1))
    if type(axis) is tuple:
        return tuple(_shift1(a, nd) for a in axis)
    return _shift1(axis, nd)


def _batch_axis(name: str, shape: tuple, axis):
    """``axis`` of an example of ``shape`` as an axis of the batch (None: all the example's axes)."""
    try:
        return _shifted(_axis(axis), len(shape))
    except (ValueError, TypeError, IndexError) as e:
        raise type(e)(f"funcgrad.{name} under vmap (per-example shape {shape}, axis={axis!r}): {e}") from None


def _reduce_batch(prim):
    def rule(args, batched, axis=None, keepdims=False, dtype=None):
        x = args[0]
        return prim(x, axis=_batch_axis(prim.name, shape_of(x)[1:], axis), keepdims=keepdims, dtype=dtype)
    return rule


def _reduce_batch_no_dtype(prim):
    def rule(args, batched, axis=None, keepdims=False):
        x = args[0]
        return prim(x, axis=_batch_axis(prim.name, shape_of(x)[1:], axis), keepdims=keepdims)
    return rule


def _flat_examples(x):
    # (B, n): each example flattened, for the axis=None forms that work on the flattened array
    s = shape_of(x)
    return _reshape(x, shape=(s[0], math.prod(s[1:])))


# --- the transpose of every reduction ---------------------------------------------------------------------------
_SMALL = 4096  # elements: below this a filled copy is cheaper than numpy.broadcast_to's Python-level setup


def _expand_reduced_impl(g, shape, axis, keepdims):
    xp = namespace(g)
    if not keepdims and axis is not None:
        g = xp.reshape(g, _reduced(tuple(shape), axis)[1])
    if xp is _onp and math.prod(shape) <= _SMALL:
        out = _onp.empty(shape, dtype=dtype_of(g))
        out[...] = g
        return out
    return xp.broadcast_to(g, shape)  # a read-only view: no memory for large expansions


expand_reduced = Primitive("expand_reduced", _expand_reduced_impl, doc=(
    "Re-expand a reduction's result ``g`` to ``shape``: put back the axes ``axis`` removed (unless ``keepdims``) "
    "and broadcast along them. The transpose of ``sum(x, axis, keepdims=keepdims)`` (internal).\n\n"
    ">>> import numpy as np\n>>> expand_reduced(np.array([1.0, 2.0]), shape=(2, 3), axis=1, keepdims=False)\n"
    "array([[1., 1., 1.],\n       [2., 2., 2.]])\n"))
expand_reduced.def_vjp(lambda g, ans, x, shape, axis, keepdims: _sum(g, axis=axis, keepdims=keepdims))
expand_reduced.def_jvp_linear()
expand_reduced.def_batch(lambda args, batched, shape, axis, keepdims: expand_reduced(
    args[0], shape=shape_of(args[0])[:1] + tuple(shape), axis=_batch_axis("expand_reduced", tuple(shape), axis),
    keepdims=keepdims))


def _expand(g, x, axis, keepdims):
    return expand_reduced(g, shape=shape_of(x), axis=axis, keepdims=keepdims)


# --- sum and mean -----------------------------------------------------------------------------------------------
def _sum_impl(x, axis=None, keepdims=False, dtype=None):
    return _arr(x).sum(axis=axis, dtype=dtype, keepdims=keepdims)


_sum = Primitive("sum", _sum_impl, doc="``numpy.sum`` (primitive form; see :func:`sum`).")
_sum.def_vjp(lambda g, ans, x, axis=None, keepdims=False, dtype=None: _expand(g, x, axis, keepdims))
_sum.def_jvp_linear()
_sum.def_batch(_reduce_batch(_sum))


def _mean_impl(x, axis=None, keepdims=False, dtype=None):
    x = _arr(x)
    dt = x.dtype
    if dtype is None and dt.kind in "fc" and dt.itemsize >= 4:
        # what numpy.mean does for these dtypes (sum, then one division), minus its Python-level bookkeeping
        n = _reduced(x.shape, axis)[2]
        if n:
            return x.sum(axis=axis, keepdims=keepdims) / n
    return x.mean(axis=axis, dtype=dtype, keepdims=keepdims)


def _mean_vjp(g, ans, x, axis=None, keepdims=False, dtype=None):
    n = _reduced(shape_of(x), axis)[2]
    if n == 0:  # x is empty: nothing to send the (nan) mean's cotangent to
        return None
    return _expand(divide(g, n), x, axis, keepdims)


def _mean_jvp(t, ans, x, axis=None, keepdims=False, dtype=None):
    # Linear, except that the mean of nothing depends on nothing: zero tangent rather than nan (as the VJP).
    if _reduced(shape_of(x), axis)[2] == 0:
        return None
    return _mean(t, axis=axis, keepdims=keepdims, dtype=dtype)


_mean = Primitive("mean", _mean_impl, doc="``numpy.mean`` (primitive form; see :func:`mean`).")
_mean.def_vjp(_mean_vjp)
_mean.def_jvp(_mean_jvp)
_mean.def_batch(_reduce_batch(_mean))


def sum(a, axis: _AxisLike = None, dtype=None, out=None, keepdims: bool = False, initial=None,  # noqa: A001
        where=True):  # noqa: A002
    """Sum of the elements over ``axis`` (None: all; an int or a tuple of ints), as ``numpy.sum``; ``initial`` is
    added, and only the entries where the ``where`` mask is true count (the others get no gradient).

    >>> import funcgrad.numpy as fnp
    >>> fnp.sum(fnp.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    array([4., 6.])
    >>> float(fnp.sum(fnp.array([1.0, 2.0, 3.0]), where=fnp.array([True, False, True]), initial=10.0))
    14.0
    """
    if out is not None:
        _no_out("sum", out)
    if where is not True or initial is not None:
        a = _arr(_seq(a))
        res = _sum(_filled("sum", a, where, 0), axis=_axis(axis), keepdims=keepdims, dtype=dtype)
        return res if initial is None else add(res, dtype_of(res).type(initial))
    return _sum(a, axis=_axis(axis), keepdims=keepdims, dtype=dtype)


def mean(a, axis: _AxisLike = None, dtype=None, out=None, keepdims: bool = False, *, where=True):  # noqa: A002
    """Arithmetic mean over ``axis``, as ``numpy.mean`` (an empty reduction gives nan and no gradient); with a
    ``where`` mask, the mean of the selected entries (nan, with NumPy's warning, where a slice selects none).

    >>> import funcgrad.numpy as fnp
    >>> fnp.mean(fnp.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    array([1.5, 3.5])
    >>> float(fnp.mean(fnp.array([1.0, 2.0, 6.0]), where=fnp.array([True, False, True])))
    3.5
    """
    if out is not None:
        _no_out("mean", out)
    if where is not True:
        return _mean_where(a, _axis(axis), dtype, keepdims, where, "mean")
    return _mean(a, axis=_axis(axis), keepdims=keepdims, dtype=dtype)


def _mean_where(a, axis, dtype, keepdims, where_, name):
    a = _arr(_seq(a))
    rdt = _real_dtype(a, dtype)
    sdt = dtype if dtype is not None else (rdt if dtype_of(a).kind in "biu" else None)
    total = _sum(_filled(name, a, where_, 0), axis=axis, keepdims=keepdims, dtype=sdt)
    return divide(total, _count(a, where_, axis, keepdims, rdt))


# --- prod -------------------------------------------------------------------------------------------------------
def _prod_impl(x, axis=None, keepdims=False, dtype=None):
    return _arr(x).prod(axis=axis, dtype=dtype, keepdims=keepdims)


def _has_zero(x) -> bool:
    # Picks a formula, so it must be one Python bool: decided on the raw value under every trace level (the
    # whole batch under vmap, where a per-example answer would be an array). The zero-safe formulas are exact
    # for the examples without zeros too, so a batch with one zero somewhere only costs them speed (and on a
    # device, where the question would cost a host synchronization, they are always taken).
    v = getval(x)
    xp = namespace(v)
    if xp is not _onp:  # on a device, asking would read the answer back on the host: take the safe formulas
        return True
    return bool(xp.any(v == 0))


def _prod_of_others(z, x, axis, keepdims):
    # d prod / d x_i, the product of the other entries, for x with zeros (z marks them), shaped like x.
    # p = the product of the nonzero entries; one zero at m gives p to x_m and p / x_i * x_m (zero, but with the
    # right derivative in x_m) to the others; two or more zeros give nothing to anyone.
    nz = _expand(_sum(z, axis=axis, keepdims=keepdims), x, axis, keepdims)
    x_safe = where(z, 1.0, x)
    p = _expand(_prod(x_safe, axis=axis, keepdims=keepdims), x, axis, keepdims)
    zsum = _expand(_sum(where(z, x, 0.0), axis=axis, keepdims=keepdims), x, axis, keepdims)  # x_m, which is 0
    one_zero = where(z, p, multiply(divide(p, x_safe), zsum))
    no_zero = divide(p, x_safe)
    others = where(equal(nz, 1), one_zero, 0.0)
    return where(equal(nz, 0), no_zero, others)


def _prod_vjp(g, ans, x, axis=None, keepdims=False, dtype=None):
    # Without zeros the product of the others is ans / x_i (exact to any order).
    if not _has_zero(x):
        return divide(_expand(multiply(g, ans), x, axis, keepdims), x)
    z = equal(x, 0.0)
    return multiply(_expand(g, x, axis, keepdims), _prod_of_others(z, x, axis, keepdims))


def _prod_jvp(t, ans, x, axis=None, keepdims=False, dtype=None):
    # sum_i t_i * (product of the others); without zeros that is ans * sum_i t_i / x_i.
    if not _has_zero(x):
        return multiply(ans, _sum(divide(t, x), axis=axis, keepdims=keepdims))
    z = equal(x, 0.0)
    return _sum(multiply(t, _prod_of_others(z, x, axis, keepdims)), axis=axis, keepdims=keepdims)


_prod = Primitive("prod", _prod_impl, doc="``numpy.prod`` (primitive form; see :func:`prod`).")
_prod.def_vjp(_prod_vjp)
_prod.def_jvp(_prod_jvp)
_prod.def_batch(_reduce_batch(_prod))


def prod(a, axis: _AxisLike = None, dtype=None, out=None, keepdims: bool = False, initial=None,
         where=True):  # noqa: A002
    """Product of the elements over ``axis``, as ``numpy.prod``, times ``initial``, of the entries the ``where``
    mask selects. The gradient is exact when the reduced slice holds zeros (the first derivative always; higher
    ones with at most one zero per slice).

    >>> import funcgrad.numpy as fnp
    >>> fnp.prod(fnp.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    array([ 2., 12.])
    >>> float(fnp.prod(fnp.array([2.0, 5.0, 3.0]), where=fnp.array([True, False, True])))
    6.0
    """
    if out is not None:
        _no_out("prod", out)
    if where is not True or initial is not None:
        a = _arr(_seq(a))
        res = _prod(_filled("prod", a, where, 1), axis=_axis(axis), keepdims=keepdims, dtype=dtype)
        return res if initial is None else multiply(res, dtype_of(res).type(initial))
    return _prod(a, axis=_axis(axis), keepdims=keepdims, dtype=dtype)


# --- max and min ------------------------------------------------------------------------------------------------
def _extremum_vjp(g, ans, x, axis=None, keepdims=False):
    # The winners share the gradient evenly; the mask and the tie count are constants (no second derivative).
    winners = equal(x, _expand(ans, x, axis, keepdims))
    count = _sum(winners, axis=axis, keepdims=keepdims)
    return multiply(_expand(divide(g, count), x, axis, keepdims), winners)


def _extremum_jvp(t, ans, x, axis=None, keepdims=False):
    # The transpose of the VJP: the tied winners' tangents, averaged.
    winners = equal(x, _expand(ans, x, axis, keepdims))
    count = _sum(winners, axis=axis, keepdims=keepdims)
    return divide(_sum(multiply(t, winners), axis=axis, keepdims=keepdims), count)


_max = Primitive("max", lambda x, axis=None, keepdims=False: _arr(x).max(axis=axis, keepdims=keepdims),
                 doc="``numpy.max`` (primitive form; see :func:`max`).")
_min = Primitive("min", lambda x, axis=None, keepdims=False: _arr(x).min(axis=axis, keepdims=keepdims),
                 doc="``numpy.min`` (primitive form; see :func:`min`).")
_max.def_vjp(_extremum_vjp)
_min.def_vjp(_extremum_vjp)
_max.def_jvp(_extremum_jvp)
_min.def_jvp(_extremum_jvp)
_max.def_batch(_reduce_batch_no_dtype(_max))
_min.def_batch(_reduce_batch_no_dtype(_min))


def max(a, axis: _AxisLike = None, out=None, keepdims: bool = False, initial=None, where=True):  # noqa: A001,A002
    """Maximum over ``axis``, as ``numpy.max``; tied maxima share the gradient evenly. Reducing an empty axis
    is an error, as in NumPy, unless ``initial`` is given (the result is at least ``initial``); a ``where`` mask
    needs ``initial`` too.

    >>> import funcgrad.numpy as fnp
    >>> fnp.max(fnp.array([[1.0, 5.0], [3.0, 4.0]]), axis=0)
    array([3., 5.])
    >>> float(fnp.max(fnp.array([1.0, 5.0, 3.0]), where=fnp.array([True, False, True]), initial=0.0))
    3.0
    """
    if out is not None:
        _no_out("max", out)
    if where is not True or initial is not None:
        return _extremum_where("max", _max, maximum, a, _axis(axis), keepdims, initial, where)
    return _max(a, axis=_axis(axis), keepdims=keepdims)


def min(a, axis: _AxisLike = None, out=None, keepdims: bool = False, initial=None, where=True):  # noqa: A001,A002
    """Minimum over ``axis``, as ``numpy.min``; tied minima share the gradient evenly; ``initial`` and ``where``
    as in :func:`max`.

    >>> import funcgrad.numpy as fnp
    >>> fnp.min(fnp.array([[1.0, 5.0], [3.0, 4.0]]), axis=0)
    array([1., 4.])
    """
    if out is not None:
        _no_out("min", out)
    if where is not True or initial is not None:
        return _extremum_where("min", _min, minimum, a, _axis(axis), keepdims, initial, where)
    return _min(a, axis=_axis(axis), keepdims=keepdims)


amax = max
amin = min


# --- non-differentiable reductions ------------------------------------------------------------------------------
_argmax = Primitive("argmax", lambda x, axis=None, keepdims=False:
                    _arr(x).argmax(axis=axis, keepdims=keepdims),
                    doc="``numpy.argmax`` (non-differentiable; see :func:`argmax`).")
_argmin = Primitive("argmin", lambda x, axis=None, keepdims=False:
                    _arr(x).argmin(axis=axis, keepdims=keepdims),
                    doc="``numpy.argmin`` (non-differentiable; see :func:`argmin`).")
_all = Primitive("all", lambda x, axis=None, keepdims=False: _arr(x).all(axis=axis, keepdims=keepdims),
                 doc="``numpy.all`` (non-differentiable; see :func:`all`).")
_any = Primitive("any", lambda x, axis=None, keepdims=False: _arr(x).any(axis=axis, keepdims=keepdims),
                 doc="``numpy.any`` (non-differentiable; see :func:`any`).")
_all.def_batch(_reduce_batch_no_dtype(_all))
_any.def_batch(_reduce_batch_no_dtype(_any))


def _arg_batch(prim):
    def rule(args, batched, axis=None, keepdims=False):
        x = args[0]
        s = shape_of(x)
        if axis is None:  # an index into each flattened example; keepdims gives it the example's rank in 1s
            out = prim(_flat_examples(x), axis=1)
            return _reshape(out, shape=s[:1] + (1,) * (len(s) - 1)) if keepdims else out
        return prim(x, axis=_batch_axis(prim.name, s[1:], axis), keepdims=keepdims)
    return rule


_argmax.def_batch(_arg_batch(_argmax))
_argmin.def_batch(_arg_batch(_argmin))


def argmax(a, axis: int | None = None, out=None, *, keepdims: bool = False):
    """Index of the maximum along ``axis`` (None: into the flattened array), as ``numpy.argmax``. Returns a
    plain integer array: the gradient stops here.

    >>> import funcgrad.numpy as fnp
    >>> int(fnp.argmax(fnp.array([1.0, 5.0, 3.0])))
    1
    """
    if out is not None:
        _no_out("argmax", out)
    return _argmax(a, axis=axis, keepdims=keepdims)


def argmin(a, axis: int | None = None, out=None, *, keepdims: bool = False):
    """Index of the minimum along ``axis``, as ``numpy.argmin`` (non-differentiable).

    >>> import funcgrad.numpy as fnp
    >>> int(fnp.argmin(fnp.array([1.0, 5.0, 3.0])))
    0
    """
    if out is not None:
        _no_out("argmin", out)
    return _argmin(a, axis=axis, keepdims=keepdims)


def all(a, axis: _AxisLike = None, out=None, keepdims: bool = False):  # noqa: A001
    """Whether every element along ``axis`` is true, as ``numpy.all`` (non-differentiable).

    >>> import funcgrad.numpy as fnp
    >>> bool(fnp.all(fnp.array([1.0, 0.0])))
    False
    """
    if out is not None:
        _no_out("all", out)
    return _all(a, axis=_axis(axis), keepdims=keepdims)


def any(a, axis: _AxisLike = None, out=None, keepdims: bool = False):  # noqa: A001
    """Whether some element along ``axis`` is true, as ``numpy.any`` (non-differentiable).

    >>> import funcgrad.numpy as fnp
    >>> bool(fnp.any(fnp.array([1.0, 0.0])))
    True
    """
    if out is not None:
        _no_out("any", out)
    return _any(a, axis=_axis(axis), keepdims=keepdims)


# Declared without derivative: under a transform their outputs are constants (see Primitive.def_nondiff).
nondifferentiable(_all, _any, _argmax, _argmin)
