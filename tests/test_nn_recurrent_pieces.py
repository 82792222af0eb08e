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
from funcgrad.core import registry
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


# --- the fused LSTM layer (funcgrad/primitives/recurrent.py) ---------------------------------------------------------
def _fused_calls(run):
    """How many times ``run()`` calls the fused LSTM primitive's implementation."""
    prim = registry["lstm_recurrence"]
    impl, calls = prim.impl, [0]

    def counting(*args, **kw):
        calls[0] += 1
        return impl(*args, **kw)

    prim.impl = counting
    try:
        run()
    finally:
        prim.impl = impl
    return calls[0]


def test_lstm_runs_one_fused_primitive_per_layer_and_direction():
    x = fg.randn(6, 2, 3, dtype=fg.float64)
    assert _fused_calls(lambda: _model("LSTM", {"num_layers": 2, "bidirectional": True})(x)) == 4
    # projections and packed sequences take the per-step path
    assert _fused_calls(lambda: _model("LSTM", {"proj_size": 2})(x)) == 0
    packed = nn.utils.rnn.pack_sequence([fg.randn(4, 3, dtype=fg.float64), fg.randn(2, 3, dtype=fg.float64)])
    assert _fused_calls(lambda: _model("LSTM", {})(packed)) == 0


@pytest.mark.parametrize("dtype,rtol", [(fg.float64, 1e-10), (fg.float32, 2e-5)])
@pytest.mark.parametrize("kw", [{}, {"num_layers": 2, "bidirectional": True}, {"bias": False}])
def test_fused_lstm_matches_the_per_step_path(dtype, rtol, kw):
    """The fused layer against the per-step composition of primitives (the path packed sequences take, here with
    every sequence full length): outputs, final states and the gradients of every input and parameter agree, and
    float32 stays float32."""
    m = _model("LSTM", kw).to(dtype)
    rng = np.random.default_rng(4)
    layers = m.num_layers * (2 if m.bidirectional else 1)
    raw = [rng.standard_normal(s) for s in ((5, 3, 3), (layers, 3, 4), (layers, 3, 4))]
    results = []
    for lengths in (None, [5, 5, 5]):
        x, h0, c0 = [fg.tensor(a, dtype=dtype, requires_grad=True) for a in raw]
        out, (h, c) = m._run(x, [h0, c0], lengths)
        weight = fg.tensor(rng.standard_normal(tuple(out.shape)) if not results else results[0][-1], dtype=dtype)
        ((out * weight).sum() + (h * h).sum() + c.sum()).backward()
        grads = [x.grad, h0.grad, c0.grad] + [p.grad for p in m.parameters()]
        results.append([out, h, c] + grads + [weight.numpy()])
        m.zero_grad()
    for fused, stepped in zip(results[0][:-1], results[1][:-1]):
        assert fused.dtype == dtype
        np.testing.assert_allclose(fused.detach().numpy(), stepped.detach().numpy(), rtol=rtol, atol=rtol * 1e-2)


def test_per_example_gradients_and_ensembles_of_the_fused_lstm():
    """vmap of grad (the reverse rule on batched values: the composed path) and vmap over stacked parameters (the
    batching rule's loop) against loops over the examples and the models."""
    m = _model("LSTM", {"bidirectional": True})
    params = {k: v.detach().numpy() for k, v in m.named_parameters()}
    xs = np.random.default_rng(5).standard_normal((3, 4, 2, 3))

    def loss(p, x):
        return fnp.sum(functional_call(m, p, (x,))[0] ** 2)

    per = fg.vmap(fg.grad(loss), in_axes=(None, 0))(params, xs)
    for k, x in enumerate(xs):
        one = fg.grad(loss)(params, x)
        for name in params:
            np.testing.assert_allclose(per[name][k], one[name], rtol=1e-10, atol=1e-12)
    stacked = {k: np.stack([v, v * 0.5]) for k, v in params.items()}
    ens = fg.vmap(lambda p: functional_call(m, p, (xs[0],))[0])(stacked)
    for k in range(2):
        want = functional_call(m, {n: v[k] for n, v in stacked.items()}, (xs[0],))[0]
        np.testing.assert_allclose(np.asarray(ens[k]), np.asarray(want), rtol=1e-12, atol=1e-14)


def test_fused_lstm_errors_name_the_shapes_and_dtypes():
    from funcgrad.primitives.recurrent import lstm_recurrence
    s = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"lstm_recurrence: expected p \(T, N, 4H\).*w_hh \(8, 3\)"):
        lstm_recurrence(np.zeros((3, 2, 8)), np.zeros((8, 3)), s, s)
    with pytest.raises(ValueError, match=r"b \(4H,\) or None.*b \(5,\)"):
        lstm_recurrence(np.zeros((3, 2, 8)), np.zeros((8, 2)), s, s, np.zeros(5))
    with pytest.raises(TypeError, match=r"lstm_recurrence: p has dtype int64.*floating-point"):
        lstm_recurrence(np.zeros((3, 2, 8), dtype=np.int64), np.zeros((8, 2)), s, s)
