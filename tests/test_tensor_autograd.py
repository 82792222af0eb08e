"""funcgrad.autograd: PyTorch's backward semantics, autograd.grad, custom Functions, detect_anomaly, and the two
faces (Tensors and funcgrad.numpy under funcgrad.grad) mixing. Expected values are derived by hand."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import autograd as ag

import _backend as B

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)

# funcgrad.grad of a function that *returns* a Tensor needs reverse.py to unwrap the Tensor (lead integrates)


def _np(t):
    return B.to_numpy(t)


# --- backward ---------------------------------------------------------------------------------------------------
def test_grad_accumulates_over_two_backward_calls():
    x = fg.tensor([1.0, -2.0], requires_grad=True)
    fnp.sum(x * x).backward()
    fnp.sum(3.0 * x).backward()
    np.testing.assert_allclose(_np(x.grad), [2.0 + 3.0, -4.0 + 3.0])


def test_second_backward_through_freed_graph_raises_and_retain_graph_allows_it():
    x = fg.tensor(2.0, requires_grad=True)
    y = fnp.exp(x) * x
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 2 * (np.exp(2.0) * 3.0), rtol=1e-6)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_grad_on_a_non_leaf_and_none_without_it():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    k = h + 1.0
    h.retain_grad()
    fnp.sum(h * k).backward()
    np.testing.assert_allclose(_np(h.grad), 2 * np.array([2.0, 4.0]) + 1.0)  # d/dh h(h+1)
    with pytest.warns(UserWarning, match="not a leaf Tensor"):  # PyTorch warns too
        assert k.grad is None


def test_hooks_run_in_order_before_the_retained_grad_is_stored_and_handles_remove_them():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    h.retain_grad()
    calls = []
    h.register_hook(lambda g: calls.append(("a", _np(g).copy())))
    h.register_hook(lambda g: g * 10.0)
    handle = h.register_hook(lambda g: calls.append(("c", _np(g).copy())))
    fnp.sum(h).backward(retain_graph=True)
    assert [c[0] for c in calls] == ["a", "c"]
    np.testing.assert_allclose(calls[1][1], [10.0, 10.0])  # the second hook's result reaches the third
    np.testing.assert_allclose(_np(h.grad), [10.0, 10.0])
    np.testing.assert_allclose(_np(x.grad), [10.0, 10.0])
    handle.remove()
    calls.clear()
    fnp.sum(h).backward()
    assert [c[0] for c in calls] == ["a"]


def test_backward_with_gradient_for_non_scalar_outputs_and_error_without():
    x = fg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward(retain_graph=True)
    y.backward(gradient=fg.tensor([1.0, 0.5, -1.0]))
    np.testing.assert_allclose(_np(x.grad), [2.0, 2.0, -6.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2.0).backward(gradient=fg.tensor([1.0]))


def test_backward_of_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        fg.tensor([1.0]).backward()
    x = fg.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="element 1 of tensors does not require grad"):
        ag.backward([x * 2.0, fg.tensor(1.0)])


def test_double_backward_with_create_graph():
    x = fg.tensor(1.5, requires_grad=True)
    y = x ** 4
    y.backward(create_graph=True)
    g = x.grad  # 4 x^3, itself recorded
    assert g.requires_grad
    x.grad = None
    g.backward()
    np.testing.assert_allclose(x.grad.item(), 12 * 1.5 ** 2, rtol=1e-6)


def test_backward_inputs_restricts_accumulation():
    a = fg.tensor(1.0, requires_grad=True)
    b = fg.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


# --- autograd.grad ----------------------------------------------------------------------------------------------
def test_autograd_grad_returns_without_accumulating():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    w = fg.tensor([3.0, -1.0], requires_grad=True)
    gx, gw = ag.grad(fnp.sum(x * w), [x, w])
    np.testing.assert_allclose(_np(gx), [3.0, -1.0])
    np.testing.assert_allclose(_np(gw), [1.0, 2.0])
    assert x.grad is None and w.grad is None and not gx.requires_grad


def test_autograd_grad_of_an_intermediate_and_grad_outputs():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    y = fnp.sin(h)
    (gh,) = ag.grad(y, h, grad_outputs=fg.tensor([1.0, 2.0]))
    np.testing.assert_allclose(_np(gh), np.cos([3.0, 6.0]) * [1.0, 2.0], rtol=1e-6)


def test_autograd_grad_unused_inputs():
    x = fg.tensor([1.0], requires_grad=True)
    u = fg.tensor([5.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph.*allow_unused=True"):
        ag.grad(fnp.sum(x * 2.0), [x, u])
    gx, gu = ag.grad(fnp.sum(x * 2.0), [x, u], allow_unused=True)
    assert gu is None
    gx, gu = ag.grad(fnp.sum(x * 2.0), [x, u], materialize_grads=True)
    np.testing.assert_allclose(_np(gu), [0.0])


def test_autograd_grad_errors():
    x = fg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.grad(fnp.sum(x * 2.0), [fg.tensor([1.0])])
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        ag.grad(fnp.concatenate([x, x]), x)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        ag.grad(fnp.sum(x * 2.0), [])
    with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
        ag.grad([fnp.sum(x), fnp.sum(x * 2.0)], x, grad_outputs=[None])


def test_autograd_grad_twice_gives_the_second_derivative():
    x = fg.tensor([0.5, 1.0], requires_grad=True)
    (g,) = ag.grad(fnp.sum(fnp.sin(x) * x), x, create_graph=True)
    np.testing.assert_allclose(_np(g), np.cos([0.5, 1.0]) * [0.5, 1.0] + np.sin([0.5, 1.0]), rtol=1e-6)
    (h,) = ag.grad(fnp.sum(g), x)
    np.testing.assert_allclose(_np(h), 2 * np.cos([0.5, 1.0]) - np.sin([0.5, 1.0]) * [0.5, 1.0], rtol=1e-5)


def test_grad_modes_are_reexported():
    assert ag.no_grad is fg.no_grad and ag.enable_grad is fg.enable_grad
    assert ag.set_grad_enabled is fg.set_grad_enabled
    x = fg.tensor(1.0, requires_grad=True)
    with ag.set_grad_enabled(False):
        assert not (x * 2.0).requires_grad


# --- complex: PyTorch's convention ------------------------------------------------------------------------------
Z = np.array([1 + 2j, 3 - 1j])


def test_complex_leaf_grad_follows_pytorch():
    z = fg.tensor(Z, requires_grad=True)
    fnp.sum(fnp.abs(z) ** 2).backward()
    np.testing.assert_allclose(_np(z.grad), 2 * Z)  # PyTorch's .grad; funcgrad.grad gives 2 conj(z)
    np.testing.assert_allclose(B.to_numpy(fg.grad(lambda v: fnp.sum(fnp.abs(v) ** 2))(B.asarray(Z))), 2 * np.conj(Z))
    (g,) = ag.grad(fnp.sum(fnp.real(z * z)), z)  # Re(z^2) = x^2 - y^2: PyTorch gives 2 conj(z)
    np.testing.assert_allclose(_np(g), 2 * np.conj(Z))
    (g,) = ag.grad(z * z, z, grad_outputs=fg.tensor(np.array([1.0, 1j])))  # conj(2z) * v
    np.testing.assert_allclose(_np(g), np.conj(2 * Z) * [1.0, 1j])


def test_complex_hooks_and_retained_grads_follow_pytorch():
    z = fg.tensor(Z, requires_grad=True)
    w = z * (1 + 1j)
    w.retain_grad()
    seen = []
    w.register_hook(lambda g: seen.append(_np(g).copy()))
    fnp.sum(fnp.abs(w) ** 2).backward()
    wv = Z * (1 + 1j)
    np.testing.assert_allclose(seen[0], 2 * wv)
    np.testing.assert_allclose(_np(w.grad), 2 * wv)
    np.testing.assert_allclose(_np(z.grad), 2 * wv * np.conj(1 + 1j))


def test_complex_matches_torch():
    torch = pytest.importorskip("torch")
    zt = torch.tensor(Z, requires_grad=True)
    (torch.sin(zt) * zt).abs().pow(2).sum().backward()
    z = fg.tensor(Z, requires_grad=True)
    fnp.sum(fnp.abs(fnp.sin(z) * z) ** 2).backward()
    np.testing.assert_allclose(_np(z.grad), zt.grad.numpy(), rtol=1e-10)


# --- custom Functions -------------------------------------------------------------------------------------------
class Cube(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3.0 * x ** 2


class ScaledExp(ag.Function):
    """exp(k x) with a non-tensor argument k; saves its output."""

    @staticmethod
    def forward(ctx, x, k):
        y = fnp.exp(x * k)
        ctx.k = k
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * ctx.k * y, None


def test_custom_function_under_tensor_backward():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    assert y.requires_grad and y.grad_fn is not None and "Backward" in y.grad_fn.name()
    fnp.sum(y).backward()
    np.testing.assert_allclose(_np(x.grad), [3.0, 12.0])
    x.grad = None
    fnp.sum(ScaledExp.apply(x, 0.5)).backward()
    np.testing.assert_allclose(_np(x.grad), 0.5 * np.exp(0.5 * np.array([1.0, 2.0])), rtol=1e-6)


def test_custom_function_forward_is_not_recorded_and_needs_input_grad():
    seen = {}

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["forward_requires_grad"] = (a * 2.0).requires_grad
            seen["needs"] = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g * 7.0, None  # deliberately not the true derivative: the user's rule is used

    a = fg.tensor([1.0], requires_grad=True)
    fnp.sum(Probe.apply(a, fg.tensor([2.0]))).backward()
    assert seen == {"forward_requires_grad": False, "needs": (True, False)}
    np.testing.assert_allclose(_np(a.grad), [7.0])


def test_custom_function_under_funcgrad_grad_on_plain_arrays():
    x0 = np.array([1.0, -2.0])
    x = B.asarray(x0)
    np.testing.assert_allclose(B.to_numpy(fg.grad(lambda v: fnp.sum(Cube.apply(v)))(x)), 3 * x0 ** 2)
    assert B.is_backend_array(Cube.apply(x))  # plain arrays in, plain arrays out
    np.testing.assert_allclose(fg.grad(fg.grad(lambda v: Cube.apply(v)))(2.0), 12.0)  # via the user's backward


def test_custom_function_under_funcgrad_grad_with_tensors():
    x0 = np.array([1.0, -2.0])
    g = fg.grad(lambda v: fnp.sum(Cube.apply(fg.tensor(v))))(B.asarray(x0))
    np.testing.assert_allclose(B.to_numpy(g), 3 * x0 ** 2)


def test_custom_function_second_order_with_create_graph():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.grad(fnp.sum(Cube.apply(x)), x, create_graph=True)
    np.testing.assert_allclose(_np(g), [3.0, 12.0])
    (h,) = ag.grad(fnp.sum(g), x)
    np.testing.assert_allclose(_np(h), [6.0, 12.0])
    # through a saved output: d2/dx2 exp(k x) = k^2 exp(k x)
    x = fg.tensor([0.3], requires_grad=True)
    (g,) = ag.grad(fnp.sum(ScaledExp.apply(x, 2.0)), x, create_graph=True)
    (h,) = ag.grad(fnp.sum(g), x)
    np.testing.assert_allclose(_np(h), 4.0 * np.exp([0.6]), rtol=1e-6)


def test_custom_function_multiple_outputs_and_non_differentiable():
    class SinCosArgmax(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return fnp.sin(x), fnp.cos(x), idx

        @staticmethod
        def backward(ctx, gs, gc, gi):
            (x,) = ctx.saved_tensors
            return gs * fnp.cos(x) - gc * fnp.sin(x)

    x = fg.tensor([0.1, 0.7], requires_grad=True)
    s, c, i = SinCosArgmax.apply(x)
    assert not i.requires_grad and i.item() == 1
    fnp.sum(s + 2.0 * c).backward()
    np.testing.assert_allclose(_np(x.grad), np.cos([0.1, 0.7]) - 2 * np.sin([0.1, 0.7]), rtol=1e-6)


def test_custom_function_setup_context_style():
    class Square(ag.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2.0 * x * g

    x = fg.tensor([3.0], requires_grad=True)
    Square.apply(x).backward(gradient=fg.tensor([1.0]))
    np.testing.assert_allclose(_np(x.grad), [6.0])


def test_custom_function_errors():
    class TooFew(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    class BadShape(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, g):
            return fg.tensor([1.0, 2.0, 3.0])

    a = fg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, got 1\)"):
        fnp.sum(TooFew.apply(a, a)).backward()
    with pytest.raises(RuntimeError, match="invalid gradient at index 0"):
        fnp.sum(BadShape.apply(a)).backward()


def test_custom_function_complex_follows_pytorch():
    class Conj(ag.Function):  # f(z) = z, backward written in PyTorch's convention (identity)
        @staticmethod
        def forward(ctx, z):
            return z * 1.0

        @staticmethod
        def backward(ctx, g):
            return g

    z = fg.tensor(Z, requires_grad=True)
    fnp.sum(fnp.abs(Conj.apply(z)) ** 2).backward()
    np.testing.assert_allclose(_np(z.grad), 2 * Z)


# --- detect_anomaly ---------------------------------------------------------------------------------------------
def test_detect_anomaly_names_the_op_and_the_users_line():
    x = fg.tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        with ag.detect_anomaly():
            y = fnp.sqrt(x)  # the culprit's line
            fnp.sum(y).backward()
    msg = str(info.value)
    assert isinstance(info.value, fg.NonFiniteError)
    assert "sqrt" in msg and "backward" in msg and "test_tensor_autograd.py" in msg
    assert not ag.is_anomaly_enabled()
    fnp.sum(fnp.sqrt(x)).backward()  # off again: no error


def test_detect_anomaly_in_a_custom_backward():
    class NanBack(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")  # the culprit's line

    a = fg.tensor([1.0], requires_grad=True)
    with pytest.raises(ag.AnomalyError, match=r"multiply produced nan.*test_tensor_autograd.py:\d+"):
        with ag.detect_anomaly():
            fnp.sum(NanBack.apply(a)).backward()


# --- the two faces mixed ----------------------------------------------------------------------------------------
def np_style(a):
    return fnp.tanh(a) * fnp.sum(a ** 2)


def test_tensor_computation_calls_a_funcgrad_numpy_function():
    x0 = np.array([0.2, -0.4, 1.1])
    x = fg.tensor(x0, requires_grad=True)
    fnp.sum(np_style(x * 2.0)).backward()
    expected = B.to_numpy(fg.grad(lambda v: fnp.sum(np_style(v * 2.0)))(B.asarray(x0)))
    np.testing.assert_allclose(_np(x.grad), expected, rtol=1e-12)
    # by hand: d/dv [sum(tanh v) * |v|^2] at v = 2x, times 2
    v = 2 * x0
    np.testing.assert_allclose(_np(x.grad), 2 * ((1 - np.tanh(v) ** 2) * (v ** 2).sum()
                                                 + np.tanh(v).sum() * 2 * v), rtol=1e-12)


def test_funcgrad_grad_sees_through_tensor_arguments():
    def f(params):  # a pytree of Tensors, the function returns a plain traced scalar
        return fnp.sum(params["w"] * params["w"]) + fnp.sum(fnp.sin(params["b"]))

    g = fg.grad(lambda p: f(p))({"w": fg.tensor(np.array([1.0, 2.0])), "b": fg.tensor(np.array([0.0]))})
    assert isinstance(g["w"], fg.Tensor)
    np.testing.assert_allclose(_np(g["w"]), [2.0, 4.0])
    np.testing.assert_allclose(_np(g["b"]), [1.0])


def test_funcgrad_grad_of_a_function_written_with_tensor_ops():
    def f(t):
        return fnp.sum(t * t * 3.0)  # Tensor in, Tensor out

    np.testing.assert_allclose(_np(fg.grad(f)(fg.tensor(np.array([1.0, 2.0])))), [6.0, 12.0])


def test_funcgrad_grad_inside_a_tensor_computation_is_recorded():
    x0 = np.array([0.3, 0.9])
    x = fg.tensor(x0, requires_grad=True)
    g = fg.grad(lambda v: fnp.sum(fnp.sin(v)))(x)  # cos(x), recorded on the Tensor graph
    assert isinstance(g, fg.Tensor) and g.requires_grad
    fnp.sum(g).backward()
    np.testing.assert_allclose(_np(x.grad), -np.sin(x0), rtol=1e-12)
