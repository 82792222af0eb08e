"""The recurrent layers' sequence plumbing (``_pieces`` in ``funcgrad/nn/modules/rnn.py``): the backward pass of a
sequence does work linear in its length (cutting the input into time steps used to give every step a cotangent the
size of the whole sequence), and the layers still differentiate in every mode: forward mode (``jvp``) and a second
order (``create_graph``) against central differences, ``vmap`` against a loop. Parity with PyTorch is
``test_nn_recurrent.py``'s.
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn
from funcgrad.core.debug import all_primitives
from funcgrad.func import functional_call

LAYERS = [("LSTM", {}), ("GRU", {"num_layers": 2}), ("RNN", {"bidirectional": True}),
          ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2})]


def _backward_elements(steps: int) -> int:
    """Elements of every array the primitives make during one backward pass of an LSTM whose input requires grad."""
    fg.manual_seed(0)
    lstm = nn.LSTM(4, 8).double()
    x = fg.randn(steps, 3, 4, dtype=fg.float64, requires_grad=True)
    loss = lstm(x)[0].sum()
    total = [0]
    saved = {}

    def counting(impl):
        def run(*args, **kw):
            out = impl(*args, **kw)
            total[0] += sum(getattr(o, "size", 0) for o in (out if isinstance(out, tuple) else (out,)))
            return out
        return run

    for prim in list(all_primitives):
        if prim.impl is not None:
            saved[prim] = prim.impl
            prim.impl = counting(prim.impl)
    try:
        loss.backward()
    finally:
        for prim, impl in saved.items():
            prim.impl = impl
    assert x.grad is not None and x.grad.shape == (steps, 3, 4)
    return total[0]


def test_backward_work_is_linear_in_the_sequence_length():
    short, long = _backward_elements(16), _backward_elements(128)
    assert long / short < 8 * 1.15, f"{short} elements for 16 steps, {long} for 128: more than linear"


def _model(name, kw):
    fg.manual_seed(1)
    return getattr(nn, name)(3, 4, **kw).double()


@pytest.mark.parametrize("name,kw", LAYERS)
def test_forward_mode_matches_central_differences(name, kw):
    m = _model(name, kw)
    params = {k: v.detach().numpy() for k, v in m.named_parameters()}
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 2, 3))

    def f(x):
        out, _ = functional_call(m, params, (x,))
        return fnp.sum(out * out)

    _, tangent = fg.jvp(f, (x,), (v,))
    eps = 1e-6
    np.testing.assert_allclose(float(tangent), (f(x + eps * v) - f(x - eps * v)) / (2 * eps), rtol=1e-6)
    np.testing.assert_allclose(float(tangent), float(np.sum(fg.grad(f)(x) * v)), rtol=1e-10)


@pytest.mark.parametrize("name,kw", LAYERS)
def test_second_order_matches_central_differences_of_the_gradient(name, kw):
    m = _model(name, kw)
    rng = np.random.default_rng(2)
    x0, v = rng.standard_normal((4, 2, 3)), rng.standard_normal((4, 2, 3))

    def grad_at(x):
        xt = fg.tensor(x, requires_grad=True)
        (g,) = fg.autograd.grad((m(xt)[0] ** 2).sum(), [xt], create_graph=True)
        return xt, g

    xt, g = grad_at(x0)
    (g * fg.tensor(v)).sum().backward()
    eps = 1e-6
    fd = (grad_at(x0 + eps * v)[1].detach().numpy() - grad_at(x0 - eps * v)[1].detach().numpy()) / (2 * eps)
    np.testing.assert_allclose(xt.grad.numpy(), fd, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name,kw", LAYERS)
def test_vmap_matches_a_loop(name, kw):
    m = _model(name, kw)
    params = {k: v.detach().numpy() for k, v in m.named_parameters()}
    xs = np.random.default_rng(3).standard_normal((3, 5, 2, 3))
    run = lambda x: functional_call(m, params, (x,))[0]  # noqa: E731
    batched = np.asarray(fg.vmap(run)(xs))
    looped = np.stack([np.asarray(run(x)) for x in xs])
    np.testing.assert_allclose(batched, looped, rtol=1e-12, atol=1e-14)
