"""Every differentiable primitive, to second order through the Tensor face (registry-driven, like
test_primitive_grads): ``autograd.grad(..., create_graph=True)`` and a second ``autograd.grad`` of the result must
match central finite differences of the first-order Tensor-face gradient. This is the double backward of a
PyTorch program (``loss.backward(create_graph=True)``), which walks the same tape as ``grad(grad(f))`` but
re-enters it through the Tensor graph: multiple-result primitives (eigh, svd, qr, slogdet ...) broke there once.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp

from specs import all_specs

DIFF2 = [s for s in all_specs() if s.differentiable and s.order >= 2]


def _float_outputs(out):
    """The output leaves a gradient can flow from: Tensors of an inexact dtype (``tree.leaves`` would open the
    Tensors themselves)."""
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in _float_outputs(item)]
    if isinstance(out, dict):
        return [o for item in out.values() for o in _float_outputs(item)]
    return [out] if isinstance(out, fg.Tensor) and out.dtype.kind in "fc" else []


def _first_order(fun, xs, us, create_graph):
    """``d <fun(xs), us> / d xs`` through the Tensor face, and the input Tensors."""
    leaves = [fg.tensor(x, requires_grad=True) for x in xs]
    outs = _float_outputs(fun(*leaves))
    if not outs:
        return leaves, None
    if us is None:
        return leaves, outs
    s = sum(fnp.sum(fnp.real(o * u)) for o, u in zip(outs, us))
    grads = fg.autograd.grad(s, leaves, create_graph=create_graph, allow_unused=True)
    return leaves, [fnp.zeros_like(t) if g is None else g for g, t in zip(grads, leaves)]


def _dot(a, b):
    return sum(np.real(np.vdot(np.asarray(x), np.asarray(y))) for x, y in zip(a, b))


@pytest.mark.parametrize("spec", DIFF2, ids=repr)
@given(data=st.data())
def test_second_order_through_the_tensor_face_matches_finite_differences(spec, data):
    fun, args = data.draw(spec.strategy, label="fun, args")
    xs = [np.asarray(a, dtype=np.float64) for a in args]
    rng = np.random.default_rng(0)
    _, outs = _first_order(fun, xs, None, False)
    if outs is None:
        return
    us = [rng.standard_normal(o.shape) for o in outs]
    w = [rng.standard_normal(x.shape) for x in xs]
    v = [rng.standard_normal(x.shape) for x in xs]

    leaves, g = _first_order(fun, xs, us, True)
    r = sum(fnp.sum(gi * wi) for gi, wi in zip(g, w))
    if not isinstance(r, fg.Tensor) or not r.requires_grad:  # the gradient is constant in x: no second order
        hv = 0.0
    else:
        h = fg.autograd.grad(r, leaves, allow_unused=True)
        hv = _dot([np.zeros(x.shape) if hi is None else hi.detach().numpy() for hi, x in zip(h, xs)], v)

    eps = spec.eps
    plus = _first_order(fun, [x + eps * vi for x, vi in zip(xs, v)], us, False)[1]
    minus = _first_order(fun, [x - eps * vi for x, vi in zip(xs, v)], us, False)[1]
    numeric = (_dot([p.detach().numpy() for p in plus], w) - _dot([m.detach().numpy() for m in minus], w)) / (2 * eps)
    scale = max(1.0, abs(numeric))
    assert abs(hv - numeric) <= 10 * (spec.atol + spec.rtol * scale), (spec.name, hv, numeric)
