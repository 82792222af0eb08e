"""Complex numbers: JAX's and HIPS autograd's convention (VJPs transpose JVPs under Re(sum(a * b))), checked
against finite differences in every real direction, plus the documented examples."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import _backend as B
import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.testing import check_grads

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)

Z = np.array([1.0 + 2.0j, -0.5 + 0.3j, 0.7 - 1.1j])  # host: expected values are computed with NumPy
ZB = B.asarray(Z)  # the same point on the backend under test


def complex_arrays(shape):
    part = st.floats(-1.5, 1.5, allow_nan=False)
    # away from 0 and from the branch cut of log, sqrt and angle on the negative real axis
    ok = lambda z: abs(z) > 0.1 and not (z.real < 0 and abs(z.imag) < 0.1)  # noqa: E731
    return hnp.arrays(np.complex128, shape, elements=st.builds(complex, part, part).filter(ok))


def test_gradient_of_abs_squared_is_twice_the_conjugate():
    B.assert_allclose(fg.grad(lambda z: fnp.sum(fnp.abs(z) ** 2))(ZB), 2 * np.conj(Z))


def test_holomorphic_grad_is_the_complex_derivative():
    B.assert_allclose(fg.grad(lambda z: fnp.sum(fnp.exp(z) * z), holomorphic=True)(ZB),
                      np.exp(Z) * Z + np.exp(Z))
    with pytest.raises(TypeError, match="holomorphic=True"):
        fg.grad(lambda z: fnp.sum(fnp.exp(z)))(ZB)
    with pytest.raises(TypeError, match="complex inputs"):
        fg.grad(lambda x: fnp.sum(x * 1j), holomorphic=True)(B.asarray(np.ones(2)))


def test_holomorphic_jacobians():
    f = lambda z: fnp.sin(z) * z[::-1]  # noqa: E731
    jr = fg.jacrev(f, holomorphic=True)(ZB)
    jf = fg.jacfwd(f, holomorphic=True)(ZB)
    expected = np.zeros((3, 3), complex)
    for i in range(3):
        expected[i, i] += np.cos(Z[i]) * Z[2 - i]
        expected[i, 2 - i] += np.sin(Z[i])
    B.assert_allclose(jr, expected)
    B.assert_allclose(jf, expected)


def test_real_input_through_complex_intermediates_gets_a_real_gradient():
    g = fg.grad(lambda x: fnp.sum(fnp.abs(fnp.exp(1j * x) * (1.0 + x)) ** 2))(B.asarray([0.3, -2.0]))
    assert g.dtype == np.float64
    B.assert_allclose(g, 2 * (1.0 + np.array([0.3, -2.0])))  # |e^{ix}|^2 (1+x)^2


HOLOMORPHIC = {
    "exp": fnp.exp, "log": fnp.log, "sin": fnp.sin, "cos": fnp.cos, "tanh": fnp.tanh, "sqrt": fnp.sqrt,
    "square": fnp.square, "reciprocal": fnp.reciprocal, "sinh": fnp.sinh, "cosh": fnp.cosh,
    "multiply": lambda z: z * z[::-1], "divide": lambda z: z / (z[::-1] + 3.0), "power": lambda z: z ** 3,
    "sum": lambda z: fnp.sum(z * 2.0), "mean": lambda z: fnp.mean(z, keepdims=True), "prod": fnp.prod,
    "cumsum": fnp.cumsum, "matmul": lambda z: fnp.outer(z, z) @ z, "einsum": lambda z: fnp.einsum("i,i->", z, z),
    "getitem": lambda z: z[[0, 0, 2]], "concatenate": lambda z: fnp.concatenate([z, z * 1j]),
    "reshape": lambda z: fnp.reshape(z, (3, 1)).T, "inv": lambda z: fnp.linalg.inv(fnp.outer(z, z) + 3 * fnp.eye(3)),
    "det": lambda z: fnp.linalg.det(fnp.outer(z, z) + 3 * fnp.eye(3)),
}
NONHOLOMORPHIC = {
    "abs": fnp.abs, "real": fnp.real, "imag": fnp.imag, "conj": fnp.conj, "angle": fnp.angle,
    "abs2": lambda z: fnp.abs(z) ** 2, "mixed": lambda z: fnp.conj(z) * fnp.sin(z) + fnp.real(z) * 1j,
}


@pytest.mark.parametrize("name", sorted(HOLOMORPHIC) + sorted(NONHOLOMORPHIC))
@settings(max_examples=8)  # 31 ops x second order in both modes: a few draws each keep the suite quick
@given(z=complex_arrays(3))
def test_complex_inputs_against_finite_differences(name, z):
    f = {**HOLOMORPHIC, **NONHOLOMORPHIC}[name]
    check_grads(f, (B.asarray(z),), order=2, modes=("fwd", "rev"), rtol=1e-4, atol=1e-6)


def test_traced_values_have_real_imag_and_conj_like_arrays():
    g = fg.grad(lambda z: fnp.sum((z * z.conj()).real + z.imag))(ZB)
    B.assert_allclose(g, 2 * np.conj(Z) - 1j)  # d/dy of y is 1 -> -i in the df/dx - i df/dy convention
