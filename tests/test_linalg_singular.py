"""Derivatives of ``det`` at singular matrices: the gradient is the cofactor matrix, which exists everywhere (det
is a polynomial), checked against central finite differences and, where installed, JAX."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

SINGULAR = {
    "rank 1": np.array([[1.0, 2.0], [2.0, 4.0]]),
    "zeros": np.zeros((3, 3)),
    "a zero row": np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [4.0, 5.0, 6.5]]),
    "rank 2 of 3": np.diag([1.0, 2.0, 0.0]) @ np.array([[1.0, 2.0, 0.5], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]]),
    "stack": np.stack([np.ones((2, 2)), np.eye(2)]),
}


def _fd_grad(f, a, eps=1e-6):
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        d = np.zeros_like(a)
        d[i] = eps
        g[i] = (f(a + d) - f(a - d)) / (2 * eps)
    return g


@pytest.mark.parametrize("name", list(SINGULAR))
def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix(name):
    a = SINGULAR[name]
    got = fg.grad(lambda x: fnp.sum(fnp.linalg.det(x)))(a)
    np.testing.assert_allclose(got, _fd_grad(lambda x: np.linalg.det(x).sum(), a), atol=1e-8)
    t = np.arange(a.size, dtype=float).reshape(a.shape) / a.size
    _, tangent = fg.jvp(lambda x: fnp.sum(fnp.linalg.det(x)), (a,), (t,))
    np.testing.assert_allclose(tangent, np.sum(got * t), atol=1e-12)


def test_det_gradient_of_a_complex_matrix_matches_the_holomorphic_formula():
    rng = np.random.default_rng(3)
    c = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    _, vjp = fg.vjp(fnp.linalg.det, c)
    np.testing.assert_allclose(vjp(np.array(1.0 + 0j))[0], np.linalg.det(c) * np.linalg.inv(c).T, atol=1e-12)


def test_det_gradient_matches_jax_at_singular_matrices():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    for a in SINGULAR.values():
        ref = np.asarray(jax.grad(lambda x: jnp.sum(jnp.linalg.det(x)))(jnp.asarray(a)))
        np.testing.assert_allclose(fg.grad(lambda x: fnp.sum(fnp.linalg.det(x)))(a), ref, atol=1e-12)


def test_second_derivatives_of_det_at_an_invertible_matrix():
    a = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 4.0]])
    h = fg.hessian(fnp.linalg.det)(a)
    fd = np.stack([_fd_grad(lambda x: fg.grad(fnp.linalg.det)(x)[i], a, 1e-5) for i in np.ndindex(a.shape)])
    np.testing.assert_allclose(h.reshape(9, 3, 3), fd, atol=1e-7)


def test_the_tensor_face_gives_the_cofactor_at_a_singular_matrix():
    a = fg.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=fg.float64, requires_grad=True)
    fg.linalg.det(a).backward()
    np.testing.assert_allclose(a.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]])  # [[d, -c], [-b, a]], by hand
