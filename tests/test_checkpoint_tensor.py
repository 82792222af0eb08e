"""torch.utils.checkpoint on the Tensor face: the gradients of inputs and of a module's parameters are identical to
the plain run's, the forward pass keeps less memory (tracemalloc), random draws agree, checkpoint_sequential."""
import tracemalloc

import numpy as np
import pytest

import funcgrad as torch  # the point of this module
from funcgrad.utils.checkpoint import checkpoint, checkpoint_sequential


def _grads(model, x, run):
    model.zero_grad()
    x = x.detach().requires_grad_(True)
    run(x).sum().backward()
    return [x.grad.numpy()] + [p.grad.numpy() for p in model.parameters()]


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_gradients_are_identical(use_reentrant):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    x = torch.randn(5, 4)
    plain = _grads(net, x, net)
    ck = _grads(net, x, lambda t: checkpoint(net, t, use_reentrant=use_reentrant))
    for a, b in zip(plain, ck):
        np.testing.assert_array_equal(a, b)
    seq = _grads(net, x, lambda t: checkpoint_sequential(net, 2, t, use_reentrant=use_reentrant))
    for a, b in zip(plain, seq):
        np.testing.assert_array_equal(a, b)


def test_parameters_get_gradients_when_the_input_needs_none():
    lin = torch.nn.Linear(3, 2)
    checkpoint(lin, torch.ones(1, 3), use_reentrant=False).sum().backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), np.ones((2, 3)))


def test_several_outputs_kwargs_and_autograd_grad_of_inputs():
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    a, b = checkpoint(lambda t, scale=1.0: (t.sin() * scale, t.exp()), x, scale=2.0, use_reentrant=False)
    (g,) = torch.autograd.grad((a.sum() + b.sum()), [x])
    np.testing.assert_allclose(g.numpy(), 2 * np.cos([0.5, -1.0]) + np.exp([0.5, -1.0]), rtol=1e-6)


def test_dropout_masks_agree_between_the_two_runs():
    torch.manual_seed(0)
    drop = torch.nn.Dropout(0.5)
    x = torch.ones(1000, requires_grad=True)
    y = checkpoint(drop, x, use_reentrant=False)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())  # the gradient's mask is the forward's


def _peak(run):
    x = torch.randn(256, 256, requires_grad=True)
    tracemalloc.start()
    out = run(x)
    kept = tracemalloc.get_traced_memory()[0]
    out.sum().backward()
    tracemalloc.stop()
    return kept


def test_forward_keeps_less_memory():
    def block(t):
        for _ in range(8):
            t = (t * 1.01).tanh()
        return t

    plain = _peak(block)
    ck = _peak(lambda x: checkpoint(block, x, use_reentrant=False))
    # the plain run keeps every intermediate (8 x 2 arrays of 256 KiB) for backward; the checkpointed one its input
    assert ck < plain / 4, (ck, plain)
