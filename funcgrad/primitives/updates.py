"""Functional updates: ``x.at[idx].set(v)``, ``.add``, ``.multiply`` (and ``divide``, ``min``, ``max``, ``get``), as
JAX's ``.at``; the primitives ``index_set``, ``index_add`` and ``index_mul`` beneath them.

They never write into their inputs: each copies ``x`` first. The index is a static parameter, as for ``getitem``
(see :mod:`funcgrad.primitives.indexing`, whose index helpers these share); an integer index array traced by jit or
batched by vmap is a ``gather`` operand instead, which ``get`` and ``add`` (a ``gather_add``) accept, ``set`` too
where the traced indices are scalars (one position each: a ``where`` over two ``gather_add``), and the others refuse
(their result with repeated positions depends on the index values). ``set`` with repeated positions follows
NumPy's assignment: the last write wins, and only the winning elements of ``v`` get gradient. ``add`` with repeated
positions accumulates, like ``numpy.add.at``; ``multiply`` (and ``divide``, ``min``, ``max``) with repeated
positions apply every occurrence, split into rounds that each touch a position once. In forward mode ``set`` and
``add`` are linear, so their JVP is the same update of the tangents (the same write wins for repeated ``set``
positions); ``multiply`` takes the product rule.

>>> import numpy as np, funcgrad.numpy as fnp
>>> fnp.at(np.zeros(3))[np.array([0, 0])].add(1.0)
array([2., 0., 0.])
"""
from __future__ import annotations

from typing import Any

import numpy as _onp

from ..backend import device_of, dtype_of, namespace, shape_of, to_device
from ..core import Box, Primitive, getval
from ..core.backward import zeros_for
from ..core.batching import loop_rule
from ..core.primitive import broadcast_to, cast
from .control import stop_gradient
from .elementwise import add, divide, equal, isfinite, maximum, minimum, multiply, subtract, where
from .gather import (Dynamic, _batched_layout, _batched_value, _describe_index, _has_int_array, _index_error,
                     _ufunc_at)
from .indexing import _getitem_p, _index_namespace, _last_write_mask, _repeats, _rounds, _static_index

__all__ = ["at"]
LINALG: list = []

ArrayLike = Any


def _copy(x):
    return namespace(x).array(x, copy=True)


def _index_set_impl(x, v, idx):
    out = _copy(x)
    try:
        out[idx] = v
    except IndexError as e:
        raise _index_error(e, shape_of(x), idx) from None
    return out


def _index_add_impl(x, v, idx):
    xp = namespace(x)
    out = _copy(x)
    try:
        if _has_int_array(idx):
            _ufunc_at(xp.add, out, idx, v)
        else:
            out[idx] += v
    except IndexError as e:
        raise _index_error(e, shape_of(x), idx) from None
    return out


def _index_mul_impl(x, v, idx):
    out = _copy(x)
    try:
        if _has_int_array(idx):
            if _repeats(_index_namespace(idx), shape_of(x), idx):
                raise ValueError(
                    f"index_mul needs an index that reaches each position at most once, got {_describe_index(idx)} "
                    f"with repeats; use x.at[idx].multiply(v) (or fnp.at(x)[idx].multiply(v)), which handles "
                    f"repeated positions")
        # no position repeats, so the plain in-place product is exact (and CuPy has no multiply.at)
        out[idx] *= v
    except IndexError as e:
        raise _index_error(e, shape_of(x), idx) from None
    return out


index_set = Primitive("index_set", _index_set_impl, doc=(
    "A copy of ``x`` with ``x[idx] = v`` (repeated positions: the last write wins, as in NumPy).\n\n"
    ">>> import numpy as np\n>>> index_set(np.zeros(3), 5.0, idx=1)\narray([0., 5., 0.])\n"))
index_add = Primitive("index_add", _index_add_impl, doc=(
    "A copy of ``x`` with ``v`` added at ``idx`` (repeated positions accumulate, as ``numpy.add.at``).\n\n"
    ">>> import numpy as np\n>>> index_add(np.zeros(3), 1.0, idx=np.array([1, 1]))\narray([0., 2., 0.])\n"))
index_mul = Primitive("index_mul", _index_mul_impl, doc=(
    "A copy of ``x`` with ``x[idx]`` multiplied by ``v``; ``idx`` must reach each position at most once "
    "(``x.at[idx].multiply`` splits repeats into rounds).\n\n"
    ">>> import numpy as np\n>>> index_mul(np.ones(3), 4.0, idx=slice(1, None))\narray([1., 4., 4.])\n"))


def _value_cotangent(g, v, idx):
    """The cotangent of an update's value: ``g[idx]``; the engine sums it down to ``v``'s shape."""
    gv = _getitem_p(g, idx=idx)
    extra = len(shape_of(v)) - len(shape_of(gv))
    if extra > 0:  # NumPy assignment also accepts values with extra leading size-1 axes
        gv = _getitem_p(gv, idx=(None,) * extra)
    return gv


def _index_set_dv(g, ans, x, v, idx):
    gv = _value_cotangent(g, v, idx)
    if _has_int_array(idx):
        keep = _last_write_mask(_index_namespace(idx), shape_of(x), idx)
        if keep is not None:  # overwritten elements of v do not reach the output
            gv = multiply(gv, to_device(keep, device_of(getval(gv))))
    return gv


def _index_set_jvp(tangents, ans, x, v, idx):
    # The same assignment applied to the tangents: with repeated positions the same write wins as in the forward
    # pass. A scalar zero stands in for a missing value tangent (it broadcasts like v, without an allocation).
    tx, tv = tangents
    return index_set(zeros_for(x) if tx is None else tx, 0.0 if tv is None else tv, idx=idx)


def _index_add_jvp(tangents, ans, x, v, idx):
    tx, tv = tangents
    if tv is None:
        return tx
    return index_add(zeros_for(x) if tx is None else tx, tv, idx=idx)


def _index_mul_jvp(tangents, ans, x, v, idx):
    # Positions are distinct, so out[idx] = x[idx] * v elementwise and every other element is x's: the product
    # rule, written back with one assignment (which also broadcasts v as the forward pass does).
    tx, tv = tangents
    if tv is None:
        return index_mul(tx, v, idx=idx)
    sel = _getitem_p(x, idx=idx) * tv
    if tx is None:
        return index_set(zeros_for(x), sel, idx=idx)
    return index_set(tx, _getitem_p(tx, idx=idx) * v + sel, idx=idx)


index_set.def_vjp(lambda g, ans, x, v, idx: index_set(g, 0.0, idx=idx), _index_set_dv)
index_set.def_jvp_joint(_index_set_jvp)
index_add.def_vjp(lambda g, ans, x, v, idx: g, lambda g, ans, x, v, idx: _value_cotangent(g, v, idx))
index_add.def_jvp_joint(_index_add_jvp)
# index_mul is linear in x (positions are distinct), and each v element scales exactly one x element.
index_mul.def_vjp(lambda g, ans, x, v, idx: index_mul(g, v, idx=idx),
                  lambda g, ans, x, v, idx: _value_cotangent(multiply(g, x), v, idx))
index_mul.def_jvp_joint(_index_mul_jvp)


def _update_batch(prim):
    def rule(args, batched, idx):
        x, v = args
        bx, bv = batched
        if type(v) is list or type(v) is tuple:  # a plain nested list of values
            v = namespace(getval(x)).asarray(v)
        size = shape_of(x if bx else v)[0]
        xs = shape_of(x)[1:] if bx else shape_of(x)
        lay = _batched_layout(idx, len(xs))
        if lay is None:
            return loop_rule(prim, args, batched, size, {"idx": idx})
        bidx, sel_nd, front = lay
        if not bx:  # every example updates its own copy of the shared x
            x = broadcast_to(x, shape=(size,) + xs)
        return prim(x, _batched_value(v, bv, sel_nd, front), idx=bidx)
    return rule


index_set.def_batch(_update_batch(index_set))
index_add.def_batch(_update_batch(index_add))
index_mul.def_batch(_update_batch(index_mul))


class _AtIndex:
    """``x.at[idx]``: the update methods for one index. Each returns a new array; ``x`` is never modified."""

    __slots__ = ("_x", "_idx")

    def __init__(self, x, idx):
        self._x = x
        self._idx = idx

    def __repr__(self) -> str:
        idx = self._idx
        text = idx.describe() if type(idx) is Dynamic else _describe_index(idx)
        return f"<funcgrad .at[{text}] of an array of shape {shape_of(self._x)}>"

    def _static(self, method: str) -> Any:
        """The index, refused when it holds traced arrays (under jit) for an update that needs their values."""
        if type(self._idx) is Dynamic:
            raise NotImplementedError(
                f"funcgrad .at[...].{method}: the index {self._idx.describe()} holds arrays traced by jit or "
                f"batched by vmap, and {method} with repeated positions depends on their values, which are unknown "
                f"while recording and differ per example under vmap; .at[...].get() and .add(v) accept such index "
                f"arrays, or select with fnp.where(mask, v, x) (e.g. fnp.where(fnp.arange(n) == i, v, x) for "
                f".at[i].set(v)), or make the index static (jit(f, static_argnums=...), vmap(f, in_axes=None))")
        return self._idx

    def get(self) -> Any:
        """``x[idx]``."""
        if type(self._idx) is Dynamic:
            return self._idx.get(self._x)
        return _getitem_p(self._x, idx=self._idx)

    def set(self, v: ArrayLike) -> Any:
        """A copy of ``x`` with ``x[idx] = v``; with repeated positions the last write wins (NumPy's rule)."""
        if type(self._idx) is Dynamic:  # traced scalar indices (x.at[i].set(v) under jit or vmap) reach one position
            out = self._idx.set_into(self._x, v, where, broadcast_to, cast)
            if out is not None:
                return out
        return index_set(self._x, v, idx=self._static("set"))

    def add(self, v: ArrayLike) -> Any:
        """A copy of ``x`` with ``v`` added at ``idx``; repeated positions accumulate (like ``numpy.add.at``)."""
        if type(self._idx) is Dynamic:
            return self._idx.add_into(self._x, v, add, broadcast_to)
        return index_add(self._x, v, idx=self._idx)

    def _by_rounds(self, v, step):
        """Apply ``step(x, v_part, idx_part)`` so that no call reaches a position twice."""
        x, idx = self._x, self._static("multiply")
        xp = _index_namespace(idx)
        if not (_has_int_array(idx) and _repeats(xp, shape_of(x), idx)):
            return step(x, v, idx)
        sel_shape, rounds = _rounds(xp, shape_of(x), idx)
        vb = broadcast_to(v, shape=sel_shape)
        for x_idx, v_idx in rounds:
            x = step(x, _getitem_p(vb, idx=v_idx), x_idx)
        return x

    def multiply(self, v: ArrayLike) -> Any:
        """A copy of ``x`` with ``x[idx]`` multiplied by ``v``; repeated positions multiply by every factor."""
        return self._by_rounds(v, lambda x, w, i: index_mul(x, w, idx=i))

    mul = multiply

    def divide(self, v: ArrayLike) -> Any:
        """A copy of ``x`` with ``x[idx]`` divided by ``v``."""
        return self.multiply(divide(1.0, v))

    def _extremum(self, v, pick, method: str):
        """``x[idx] = pick(x[idx], v)`` applying every occurrence; the gradient of each position goes in equal
        shares to all its tied candidates (``x``'s entry and each element of ``v`` equal to the result), as JAX."""
        x, idx = self._x, self._static(method)
        out = self._by_rounds(v, lambda x, w, i: index_set(x, pick(_getitem_p(x, idx=i), w), idx=i))
        xp = _index_namespace(idx)
        if (type(x) is not Box and type(v) is not Box or dtype_of(x).kind != "f"
                or not (_has_int_array(idx) and _repeats(xp, shape_of(x), idx))):
            return out  # one candidate of v per position: pick's own rule splits a tie with x evenly
        m = stop_gradient(out)  # the result's value: which candidates tie is piecewise constant
        sel_shape, _ = _rounds(xp, shape_of(x), idx)
        vb = broadcast_to(v, shape=sel_shape)
        dt = dtype_of(x)
        tie_x, tie_v = equal(x, m), equal(vb, _getitem_p(m, idx=idx))
        in_x, in_v = cast(tie_x, dtype=dt), cast(tie_v, dtype=dt)
        zeros = subtract(in_x, in_x)  # exact zeros, batched like x under vmap
        count = stop_gradient(add(in_x, index_add(zeros, in_v, idx=idx)))
        # each tied candidate's share (all equal m); where, not a product, keeps untied infinities out
        shares = add(where(tie_x, divide(x, count), 0.0),
                     index_add(zeros, where(tie_v, divide(vb, _getitem_p(count, idx=idx)), 0.0), idx=idx))
        # the value stays exactly ``out`` (shares of equal values need not sum back to it in floating point);
        # the derivative is that of the shares (zero where the result is not finite)
        shares = where(isfinite(m), shares, 0.0)
        return add(m, subtract(shares, stop_gradient(shares)))

    def min(self, v: ArrayLike) -> Any:
        """A copy of ``x`` with ``x[idx] = minimum(x[idx], v)``; repeated positions apply every element of ``v``,
        and ties split the gradient evenly among all tied candidates."""
        return self._extremum(v, minimum, "min")

    def max(self, v: ArrayLike) -> Any:
        """A copy of ``x`` with ``x[idx] = maximum(x[idx], v)``; repeated positions apply every element of ``v``,
        and ties split the gradient evenly among all tied candidates."""
        return self._extremum(v, maximum, "max")


class _At:
    """The helper behind ``x.at``: index it to choose positions, then call ``set``, ``add``, ``multiply`` ..."""

    __slots__ = ("_x",)

    def __init__(self, x):
        self._x = x

    def __getitem__(self, idx) -> _AtIndex:
        return _AtIndex(self._x, _static_index(idx, self._x))

    def __repr__(self) -> str:
        return f"<funcgrad .at helper for an array of shape {shape_of(self._x)}>"


def at(x: ArrayLike) -> _At:
    """Functional updates, JAX style: ``at(x)[idx].set(v)`` returns a new array (``x`` is never modified).

    Works on plain arrays and traced values alike (traced values also have ``x.at[idx]``). Methods: ``get()``,
    ``set(v)`` (repeats: the last write wins, as NumPy's assignment), ``add(v)`` (repeats accumulate, as
    ``numpy.add.at``), ``multiply(v)``, ``divide(v)``, ``min(v)``, ``max(v)``. Gradients flow to both ``x`` and
    ``v``; ``v`` broadcasts to the shape of ``x[idx]``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> x = np.zeros(4)
    >>> fnp.at(x)[np.array([1, 1, 3])].add(1.0)
    array([0., 2., 0., 1.])
    >>> x
    array([0., 0., 0., 0.])
    """
    if type(x) is not Box and not hasattr(x, "shape"):
        x = _onp.asarray(x)
    return _At(x)
