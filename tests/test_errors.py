"""Bad input gets an error that names the operation, the shapes or dtypes, and what to do instead."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import TracedConversionError, TracerLeakError


def test_grad_of_non_scalar_output_names_the_shape_and_points_to_vjp():
    with pytest.raises(TypeError, match=r"scalar.*shape \(3,\).*vjp"):
        fg.grad(lambda x: x * 2.0)(np.ones(3))


def test_integer_input_is_a_type_error_naming_the_argument():
    def loss(weights, count):
        return weights * count

    with pytest.raises(TypeError, match=r"argument 0 \('weights'\).*int64"):
        fg.grad(loss)(np.arange(3), 2.0)
    with pytest.raises(TypeError, match=r"argument 1 \('count'\).*int"):
        fg.grad(loss, argnums=1)(1.0, 2)
    with pytest.raises(TypeError, match="bool"):
        fg.grad(lambda b: b * 1.0)(np.array([True]))


def test_integer_output_is_rejected():
    with pytest.raises(TypeError, match="int"):
        fg.grad(lambda x: np.int64(3))(1.0)


def test_shape_mismatch_names_the_primitive_and_the_shapes():
    with pytest.raises(ValueError) as info:
        fg.grad(lambda x: fnp.add(x, np.ones(4))[0])(np.ones(3))
    msg = str(info.value)
    assert "funcgrad.add" in msg and "[3]" in msg and "[4]" in msg
    assert __file__ in msg  # the user's line, not the tracer's


def test_shape_mismatch_untraced_also_names_the_primitive():
    with pytest.raises(ValueError, match=r"funcgrad\.multiply"):
        fnp.multiply(np.ones((2, 3)), np.ones((4,)))


@pytest.mark.parametrize("call", [
    lambda x: np.asarray(x),
    lambda x: np.lib.stride_tricks.sliding_window_view(x, 1),  # NumPy functions funcgrad.numpy does not have
    lambda x: np.sum([x, x]),  # NumPy converts the list before dispatching: fnp.sum([x, x]) is the way
])
def test_traced_value_passed_to_plain_numpy_points_to_funcgrad_numpy(call):
    with pytest.raises(TracedConversionError, match="funcgrad.numpy"):
        fg.grad(lambda x: fnp.sum(call(x)))(np.array([1.0, 2.0]))


def test_float_of_a_traced_value_would_drop_the_gradient():
    with pytest.raises(TypeError, match="drop its gradient"):
        fg.grad(lambda x: x * float(x))(1.0)


def test_assignment_into_a_traced_array_points_to_at():
    def f(x):
        x[0] = 1.0
        return x * 1.0

    with pytest.raises(TypeError, match=r"\.at\[idx\]\.set"):
        fg.grad(f)(np.ones(3))


def test_leaked_traced_value_names_the_transform():
    stash = []

    def leaky(x):
        stash.append(x * 2.0)
        return x * 1.0

    fg.grad(leaky)(1.0)
    with pytest.raises(TracerLeakError, match=r"grad\(leaky\).*already returned"):
        fnp.sin(stash[0])


def test_non_pair_with_has_aux():
    with pytest.raises(TypeError, match="pair"):
        fg.grad(lambda x: x * 1.0, has_aux=True)(1.0)


def test_errors_inside_user_code_propagate_unchanged():
    def f(x):
        raise KeyError("user bug")

    with pytest.raises(KeyError, match="user bug"):
        fg.grad(f)(1.0)


def test_debug_nans_names_the_primitive_and_the_user_line_in_the_forward_pass():
    with fg.debug_nans():
        with pytest.raises(fg.NonFiniteError) as info:
            fg.grad(lambda x: fnp.sum(fnp.where(x > 0, fnp.log(x), 0.0)))(np.array([0.0, 1.0]))
    msg = str(info.value)
    assert "funcgrad.log" in msg and "forward pass" in msg and "float64[2]" in msg and __file__ in msg
    assert "fnp.where(x > 0, x, 1.0)" in msg  # the where trick


def test_debug_nans_catches_the_backward_pass_and_switches_off_again():
    with fg.debug_nans():
        assert fg.config.debug_nans
        with pytest.raises(fg.NonFiniteError, match=r"sqrt.*backward pass"):
            fg.grad(fnp.sqrt)(0.0)
    assert not fg.config.debug_nans
    assert np.isinf(fg.grad(fnp.sqrt)(0.0))  # off: IEEE semantics, no error
    # the where trick keeps both passes finite
    with fg.debug_nans():
        g = fg.grad(lambda x: fnp.sum(fnp.where(x > 0, fnp.log(fnp.where(x > 0, x, 1.0)), 0.0)))(
            np.array([0.0, 2.0]))
    np.testing.assert_allclose(g, [0.0, 0.5])


def test_debug_nans_config_flag_and_forward_mode():
    fg.config.debug_nans = True
    try:
        with pytest.raises(fg.NonFiniteError, match="tangent|forward"):
            fg.jvp(fnp.sqrt, (0.0,), (1.0,))
    finally:
        fg.config.debug_nans = False


def test_debug_nans_in_the_backward_pass_names_the_forward_line():
    def model(x):
        y = x * 2.0
        return fnp.sqrt(y)  # the culprit: d sqrt at 0 is inf

    with fg.debug_nans():
        with pytest.raises(fg.NonFiniteError) as info:
            fg.grad(model)(0.0)
    line = model.__code__.co_firstlineno + 2
    assert f"{__file__}:{line}" in str(info.value)


def _double(x):
    """Twice x."""
    return 2.0 * x


@pytest.mark.parametrize("transform", ["grad", "jvp", "jacfwd", "vmap(grad)", "tensor.backward"])
def test_a_primitive_without_rules_raises_instead_of_a_zero_gradient(transform):
    prim = fg.primitive(_double)
    run = {
        "grad": lambda: fg.grad(prim)(1.0),
        "jvp": lambda: fg.jvp(prim, (1.0,), (1.0,)),
        "jacfwd": lambda: fg.jacfwd(prim)(np.ones(2)),
        "vmap(grad)": lambda: fg.vmap(fg.grad(prim))(np.ones(3)),
        "tensor.backward": lambda: fnp.sum(prim(fg.tensor([1.0], requires_grad=True))).backward(),
    }[transform]
    with pytest.raises(NotImplementedError, match=r"funcgrad\._double has no derivative rule.*defvjp.*"
                                                  r"differentiable=False"):
        run()


def test_primitives_declared_non_differentiable_stop_the_gradient_and_keep_their_names():
    prim = fg.primitive(_double)
    assert (prim.__name__, prim.__qualname__, prim.__doc__, prim.__module__) == (
        "_double", "_double", "Twice x.", __name__)
    const = fg.primitive(_double, differentiable=False)
    assert float(fg.grad(lambda x: const(x) + 3.0 * x)(1.0)) == 3.0
    assert np.allclose(fg.jvp(lambda x: const(x) * x, (2.0,), (1.0,))[1], 4.0)

    @fg.primitive(differentiable=False)
    def rounded(x):
        return np.round(x)

    assert rounded.__name__ == "rounded" and float(fg.grad(lambda x: rounded(x) * x)(1.2)) == 1.0
    fg.defvjp(prim, lambda ans, x: lambda g: 2.0 * g)  # once it has a rule, it differentiates
    assert float(fg.grad(prim)(1.0)) == 2.0
