"""Specs for scipy.special's logsumexp: drawn shapes, axis and keepdims, with and without weights ``b``.

With weights, ``b`` is drawn broadcastable against ``a`` and of one sign: positive for the plain form, negative
with ``return_sign`` (the output is then log|sum|), so the sum never nears 0 where log|.| has its pole.
"""

from funcgrad.primitives import reductions as R
from funcgrad.scipy.special import logsumexp

from . import Spec, custom, fst, np, st


def _lse():
    def with_b(shapes):
        full = np.broadcast_shapes(*shapes)
        axis = fst.axes(len(full)).filter(lambda a: R._reduced(full, a)[2] > 0)
        return st.tuples(axis, st.booleans(), st.booleans(), fst.arrays(shapes[0], (-3.0, 3.0))).flatmap(
            lambda t: fst.arrays(shapes[1], (-2.0, -0.1) if t[2] else (0.1, 2.0)).map(
                lambda b: (lambda a, w: logsumexp(a, axis=t[0], b=w, keepdims=t[1], return_sign=t[2])[0]
                           if t[2] else logsumexp(a, axis=t[0], b=w, keepdims=t[1]), (t[3], b))))

    def without_b(shape):
        axis = fst.axes(len(shape)).filter(lambda a: R._reduced(shape, a)[2] > 0)
        return st.tuples(axis, st.booleans(), fst.arrays(shape, (-3.0, 3.0))).map(
            lambda t: (lambda a: logsumexp(a, axis=t[0], keepdims=t[1]), (t[2],)))

    return st.one_of(fst.shapes().flatmap(without_b), fst.broadcastable_shapes(2).flatmap(with_b))


def _sign_axis(shape):
    return None if not shape or sum(shape) % 2 else -1


def _lse_sign():
    strat = fst.broadcastable_shapes(2).flatmap(
        lambda s: st.tuples(fst.arrays(s[0], (-3.0, 3.0)), fst.arrays(s[1], (-2.0, 2.0)))).map(
        lambda ab: (lambda a, b: logsumexp(a, axis=_sign_axis(np.broadcast_shapes(a.shape, b.shape)), b=b,
                                           return_sign=True)[1], ab))
    return Spec("logsumexp_sign", strat, differentiable=False, reference=_sign_reference)


def _sign_reference(a, b):
    """Sign of sum(b * exp(a)), computed directly (the drawn values are small enough not to overflow)."""
    shape = np.broadcast_shapes(a.shape, b.shape)
    total = np.sum(np.broadcast_to(b, shape) * np.exp(np.broadcast_to(a, shape)), axis=_sign_axis(shape))
    return np.sign(total)


SPECS = [
    custom("logsumexp", _lse()),
    _lse_sign(),
]
