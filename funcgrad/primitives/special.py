"""``scipy.special``'s log-sum-exp family: ``logsumexp``, ``softmax``, ``log_softmax``.

All three subtract the maximum before exponentiating, so large inputs (1000.0) give finite values. The shift is
not differentiated through: ``logsumexp`` is a primitive whose VJP is ``g * exp(a - ans)`` re-expanded along the
reduced axes, which does not depend on the shift (its JVP is the same weights summed against the tangents);
``softmax`` and ``log_softmax`` are built on it.
"""
from __future__ import annotations

import functools
import operator

import numpy as _onp

from ..backend import namespace, namespace_of, shape_of
from ..core import Primitive
from ..core.primitive import nondifferentiable
from ..core.batching import loop_rule
from .elementwise import _align, add, exp, multiply, sign, subtract
from .reductions import _reduced, _sum, expand_reduced

__all__ = ["logsumexp", "softmax", "log_softmax"]
LINALG: list = []


def _full_shape(a, b) -> tuple:
    return shape_of(a) if b is None else _onp.broadcast_shapes(shape_of(a), shape_of(b))


def _shifted_sum(a, b, axis):
    """``(s, m, n)``: ``sum(b * exp(a - m))`` over ``axis`` (kept dims), the finite shift ``m`` and the number of
    terms per sum ``n``."""
    xp = namespace(a) if b is None else namespace_of(a, b)
    if not hasattr(a, "ndim"):
        a = xp.asarray(a)
    shape = a.shape if b is None else _onp.broadcast_shapes(a.shape, shape_of(b))
    if shape != a.shape:
        a = xp.broadcast_to(a, shape)
    axes, kept, n = _reduced(shape, axis)
    if n == 0:  # an empty sum is 0, whose log is -inf, as scipy gives
        m = xp.zeros(kept, dtype=a.dtype if a.dtype.kind in "fc" else _onp.float64)
    else:
        m = a.max(axis=axes, keepdims=True)
        # all -inf (or an inf) in a slice: no shift. Always applied: testing first would read the device's
        # answer on the host (a synchronization) on every call
        m = xp.where(xp.isfinite(m), m, 0)
    e = xp.exp(a - m)
    if b is not None:
        e = e * b
    return e.sum(axis=axes, keepdims=True), m, n


@functools.lru_cache(maxsize=1024)
def _dropped(kept: tuple, axis) -> tuple:
    """The output shape without ``keepdims``: ``kept`` less the reduced axes."""
    axes = _reduced(kept, axis)[0]
    return tuple(d for i, d in enumerate(kept) if i not in axes)


def _lse_impl(a, b=None, axis=None, keepdims=False, return_sign=False):
    s, m, n = _shifted_sum(a, b, axis)
    xp = namespace(s)
    if n == 0:  # an empty sum is 0, whose log is -inf (as scipy gives), without log(0)'s warning
        out = xp.full(s.shape, -_onp.inf, dtype=s.dtype)
    else:
        out = xp.log(xp.abs(s) if return_sign else s) + m
    return out if keepdims else out.reshape(_dropped(out.shape, axis))


def _lse_weights(ans, a, b, axis, keepdims):
    """``exp(a - ans)`` on the full (broadcast) shape: the softmax weights before ``b``."""
    return exp(subtract(a, expand_reduced(ans, shape=_full_shape(a, b), axis=axis, keepdims=keepdims)))


def _lse_scaled_g(g, w, a, b, axis, keepdims, return_sign):
    # With return_sign the output is log|s|: its derivative carries the (constant) sign of s.
    if return_sign:
        g = multiply(g, sign(_sum(multiply(b, w), axis=axis, keepdims=keepdims)))
    return expand_reduced(g, shape=_full_shape(a, b), axis=axis, keepdims=keepdims)


def _lse_da(g, ans, a, b=None, axis=None, keepdims=False, return_sign=False):
    w = _lse_weights(ans, a, b, axis, keepdims)
    if b is None:
        return multiply(expand_reduced(g, shape=shape_of(a), axis=axis, keepdims=keepdims), w)
    return multiply(_lse_scaled_g(g, w, a, b, axis, keepdims, return_sign), multiply(b, w))


def _lse_db(g, ans, a, b=None, axis=None, keepdims=False, return_sign=False):
    w = _lse_weights(ans, a, b, axis, keepdims)
    return multiply(_lse_scaled_g(g, w, a, b, axis, keepdims, return_sign), w)


def _lse_jvp(tangents, ans, a, b=None, axis=None, keepdims=False, return_sign=False):
    # d log|s| = sign(s) * sum((b * ta + tb) * exp(a)) / |s|, and exp(a) / |s| is the weight w: one joint rule
    # computes w and the sum once, however many of a and b carry tangents.
    ta = tangents[0]
    tb = tangents[1] if len(tangents) > 1 else None
    w = _lse_weights(ans, a, b, axis, keepdims)
    if b is not None and ta is not None:
        ta = multiply(b, ta)
    dt = ta if tb is None else tb if ta is None else add(ta, tb)
    out = _sum(multiply(dt, w), axis=axis, keepdims=keepdims)
    if return_sign and b is not None:
        out = multiply(out, sign(_sum(multiply(b, w), axis=axis, keepdims=keepdims)))
    return out


@functools.lru_cache(maxsize=1024)
def _batched_axis(axis, nd: int):
    """Per-example ``axis`` (of a rank-``nd`` example) as an axis of the batch; ``False`` when it is not a valid
    axis (the loop then raises the error a single example would)."""
    if axis is None:
        return tuple(range(1, nd + 1))
    out = []
    for a in (axis if type(axis) is tuple else (axis,)):
        try:
            a = operator.index(a)
        except TypeError:
            return False
        if not -nd <= a < nd:
            return False
        out.append(a % nd + 1)
    return tuple(out) if type(axis) is tuple else out[0]


def _lse_batch(prim: Primitive):
    """vmap rule of both logsumexp primitives: ``a`` and ``b`` broadcast like an elementwise op's arguments, and
    the reduced axes move one place right, past the batch."""
    def rule(args, batched, axis=None, **kw):
        aligned, nd = _align(args, batched)
        ax = _batched_axis(axis, nd)
        if ax is False:
            size = shape_of(args[batched.index(True)])[0]
            return loop_rule(prim, args, batched, size, dict(kw, axis=axis))
        return prim(*aligned, axis=ax, **kw)
    return rule


_logsumexp = Primitive("logsumexp", _lse_impl, doc="``scipy.special.logsumexp`` (primitive form).")
_logsumexp.def_vjp(_lse_da, _lse_db)
_logsumexp.def_jvp_joint(_lse_jvp)
_logsumexp.def_batch(_lse_batch(_logsumexp))


def _lse_sign_impl(a, b=None, axis=None, keepdims=False):
    s = _shifted_sum(a, b, axis)[0]
    out = namespace(s).sign(s)
    return out if keepdims else out.reshape(_dropped(out.shape, axis))


_logsumexp_sign = Primitive("logsumexp_sign", _lse_sign_impl, doc=(
    "Sign of ``sum(b * exp(a))`` over ``axis``: the second output of ``logsumexp(..., return_sign=True)`` "
    "(non-differentiable)."))
_logsumexp_sign.def_batch(_lse_batch(_logsumexp_sign))


def _axis(axis):
    return tuple(axis) if type(axis) is list else axis


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False):
    """``log(sum(b * exp(a)))`` over ``axis`` (None: all elements), computed stably, as
    ``scipy.special.logsumexp``. ``b`` (weights, broadcast against ``a``) is differentiable too. With
    ``return_sign``, returns ``(log|s|, sign(s))`` so that negative weights are allowed; otherwise a negative sum
    gives nan.

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.special import logsumexp
    >>> round(float(logsumexp(fnp.array([1000.0, 1000.0]))) - 1000.0, 6)
    0.693147
    """
    axis = _axis(axis)
    out = _logsumexp(a, b, axis=axis, keepdims=keepdims, return_sign=return_sign)
    if return_sign:
        return out, _logsumexp_sign(a, b, axis=axis, keepdims=keepdims)
    return out


def log_softmax(x, axis=None):
    """``x - logsumexp(x, axis, keepdims=True)``, as ``scipy.special.log_softmax`` (None: over all elements).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.special import log_softmax
    >>> log_softmax(fnp.array([0.0, 0.0]))
    array([-0.69314718, -0.69314718])
    """
    return subtract(x, _logsumexp(x, None, axis=_axis(axis), keepdims=True, return_sign=False))


def softmax(x, axis=None):
    """``exp(x) / sum(exp(x), axis)``, computed stably, as ``scipy.special.softmax`` (None: over all elements).

    >>> import funcgrad.numpy as fnp
    >>> from funcgrad.scipy.special import softmax
    >>> softmax(fnp.array([1000.0, 1000.0]))
    array([0.5, 0.5])
    """
    return exp(log_softmax(x, axis=axis))


# Declared without derivative: under a transform their outputs are constants (see Primitive.def_nondiff).
nondifferentiable(_logsumexp_sign)
