"""When the backward pass hands leaves their gradients: a leaf with a post-accumulate hook is accumulated (and its
hooks run) as soon as its last consumer in the graph is done, during the walk, not when the walk ends; and the
end-of-backward callback queue (``Variable._execution_engine.queue_callback``). Each program runs twice, once with
``torch`` and once with ``funcgrad`` in its place, and the event logs and gradients must agree: PyTorch's engine
is the reference for the order (it runs a leaf's AccumulateGrad once its inputs are ready)."""
import gc
import importlib

import numpy as np
import pytest

import funcgrad as fg

core_backward = importlib.import_module("funcgrad.core.backward")  # the module: funcgrad.core.backward is the function

torch = pytest.importorskip("torch")


def _logging_linear(T, log, name):
    """``x @ w`` as a custom autograd.Function whose backward writes ``name`` into ``log``."""
    class Lin(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            return x @ w

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            log.append(name)
            return g @ w.T, x.T @ g
    return Lin.apply


def _two_layers(T, extra=None):
    """A 2-layer model whose first layer is a logging custom Function; post-accumulate hooks on both weights."""
    log = []
    rng = np.random.RandomState(0)
    w1 = T.tensor(rng.randn(3, 4), requires_grad=True)
    w2 = T.tensor(rng.randn(4, 2), requires_grad=True)
    w2.register_post_accumulate_grad_hook(lambda t: log.append(("w2 accumulated", float(t.grad.sum()))))
    w1.register_post_accumulate_grad_hook(lambda t: log.append(("w1 accumulated", float(t.grad.sum()))))
    if extra is not None:
        extra(T, log, w1, w2)
    x = T.tensor(rng.randn(5, 3))
    first = _logging_linear(T, log, "first layer backward")
    y = T.tanh(first(x, w1)) @ w2
    (y ** 2).sum().backward()
    return log, [w.grad.numpy().copy() for w in (w1, w2)]


def _same(run):
    """Run ``run(T)`` with funcgrad and with torch: the same events in the same order (numbers in them to rtol
    1e-10) and the same gradients; funcgrad's log."""
    got, want = run(fg), run(torch)
    assert len(got[0]) == len(want[0]), (got[0], want[0])
    for a, b in zip(got[0], want[0]):
        if isinstance(b, tuple):
            assert a[0] == b[0] and a[1:] == pytest.approx(b[1:], rel=1e-10), (got[0], want[0])
        else:
            assert a == pytest.approx(b, rel=1e-10) if isinstance(b, float) else a == b, (got[0], want[0])
    for g, w in zip(got[1], want[1]):
        np.testing.assert_allclose(g, w, rtol=1e-10)
    return got[0]


def test_the_last_layers_gradient_is_accumulated_before_the_first_layers_backward_runs():
    log = _same(_two_layers)
    names = [e if isinstance(e, str) else e[0] for e in log]
    assert names == ["w2 accumulated", "first layer backward", "w1 accumulated"]


def test_a_tensor_hook_on_a_leaf_runs_first_and_its_result_is_what_gets_accumulated():
    def extra(T, log, w1, w2):
        w2.register_hook(lambda g: (log.append("w2 hook"), g * 2)[1])
    log = _same(lambda T: _two_layers(T, extra))
    assert [e if isinstance(e, str) else e[0] for e in log][:2] == ["w2 hook", "w2 accumulated"]


def test_a_weight_shared_by_two_layers_is_handed_over_after_its_earliest_use():
    def run(T):
        log = []
        rng = np.random.RandomState(1)
        w = T.tensor(rng.randn(3, 3), requires_grad=True)
        w.register_post_accumulate_grad_hook(lambda t: log.append("w accumulated"))
        x = T.tensor(rng.randn(4, 3))
        first = _logging_linear(T, log, "first use backward")
        last = _logging_linear(T, log, "last use backward")
        h = T.tanh(first(x, w))
        y = last(T.sin(h), w) * w.sum()  # three uses: the first layer, the last layer and a sum
        y.sum().backward()
        return log, [w.grad.numpy().copy()]
    assert _same(run) == ["last use backward", "first use backward", "w accumulated"]


def test_a_leaf_whose_consumer_gets_no_gradient_is_still_accumulated_once():
    def run(T):
        log = []
        w = T.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
        w.register_post_accumulate_grad_hook(lambda t: log.append("w accumulated"))

        class DropsFirst(T.autograd.Function):  # no gradient for its first input
            @staticmethod
            def forward(ctx, a, b):
                return a * 0 + b * 2

            @staticmethod
            def backward(ctx, g):
                return None, g * 2
        unreached = T.exp(w)  # consumes w, but its cotangent is a symbolic zero: never processed
        y = DropsFirst.apply(unreached, w * 3)
        y.sum().backward()
        return log, [w.grad.numpy().copy()]
    assert _same(run) == ["w accumulated"]


def test_each_backward_through_a_retained_graph_accumulates_and_runs_the_hooks_again():
    def run(T):
        log = []
        w = T.tensor(np.array([0.5, -1.0]), requires_grad=True)
        w.register_post_accumulate_grad_hook(lambda t: log.append(float(t.grad.sum())))
        y = (T.sin(w) * w).sum()
        y.backward(retain_graph=True)
        y.backward()
        return log, [w.grad.numpy().copy()]
    assert len(_same(run)) == 2


def test_create_graph_gradients_handed_over_early_stay_differentiable():
    def run(T):
        log = []
        w = T.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
        w.register_post_accumulate_grad_hook(lambda t: log.append("w accumulated"))
        (T.sin(w) ** 2).sum().backward(create_graph=True)
        (g2,) = T.autograd.grad(w.grad.sum(), w)
        return log, [w.grad.detach().numpy().copy(), g2.detach().numpy().copy()]
    _same(run)


def test_queued_callbacks_run_in_order_after_every_gradient_and_may_queue_more():
    def run(T):
        log = []
        engine = T.autograd.Variable._execution_engine
        w = T.tensor(np.array([1.0, 2.0]), requires_grad=True)
        v = T.tensor(np.array([3.0]), requires_grad=True)

        def second():
            log.append(("second", float(w.grad.sum()), float(v.grad.sum())))

        def first():
            log.append(("first", float(w.grad.sum()), float(v.grad.sum())))
            engine.queue_callback(second)
        h = w.register_hook(lambda g: engine.queue_callback(first))
        (w * w * v).sum().backward()
        h.remove()  # the hook holds w: a weak-keyed hook table would keep it otherwise
        return log, [w.grad.numpy().copy(), v.grad.numpy().copy()]
    log = _same(run)
    assert [e[0] for e in log] == ["first", "second"]


def test_queue_callback_outside_a_backward_pass_says_where_to_call_it():
    with pytest.raises(RuntimeError, match="no backward pass is running.*from a hook"):
        fg.autograd.Variable._execution_engine.queue_callback(lambda: None)


def test_callbacks_also_end_autograd_grad_and_a_failing_backward_leaves_no_queue_behind():
    ran = []
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    h = w.register_hook(lambda g: fg.autograd.Variable._execution_engine.queue_callback(lambda: ran.append(1)))
    fg.autograd.grad((w * w).sum(), w)
    assert ran == [1]
    h.remove()

    def boom(g):
        raise ValueError("hook failed")
    h = w.register_hook(boom)
    with pytest.raises(ValueError, match="hook failed"):
        (w * w).sum().backward()
    h.remove()
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        fg.autograd.Variable._execution_engine.queue_callback(lambda: None)


def test_without_post_accumulate_hooks_the_walk_takes_its_lean_loop(monkeypatch):
    """The consumer counts cost nothing unless a leaf asks for early delivery: the hook-free loop runs."""
    gc.collect()  # tensors with hooks from the tests above, held by reference cycles, would select the hook path
    calls = []
    lean = core_backward._walk
    monkeypatch.setattr(core_backward, "_walk", lambda *a: (calls.append(1), lean(*a))[1])
    w = fg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (fg.sin(w) * w).sum().backward()
    assert calls == [1]
    h = w.register_post_accumulate_grad_hook(lambda t: None)
    (fg.sin(w) * w).sum().backward()
    assert calls == [1]
    h.remove()
    np.testing.assert_allclose(w.grad.numpy(), 2 * (np.sin([1.0, 2.0]) + np.array([1.0, 2.0]) * np.cos([1.0, 2.0])))
