"""Specs for the general eigendecomposition (funcgrad/primitives/eig.py).

Each drawn matrix is ``X + D`` with ``|X_ij| < 1`` and a constant ``D`` whose eigenvalues are far apart: a
separated diagonal, with (for n >= 2) a rotation-like 2 x 2 block on top so that one pair of eigenvalues is complex.
LAPACK's order of the eigenvalues is arbitrary and may jump under a small perturbation of a complex matrix, so the
specs look at functions that do not depend on it (power sums of the eigenvalues, and each eigenvector's ``|v|^2``
weighted by its own eigenvalue), nor on each eigenvector's arbitrary phase (``|v|^2 = real(v * conj(v))``). Real and complex inputs, batch axes with size-1 and empty ones, second order.
"""
from funcgrad import device_put

from . import custom, fnp, fst, np, st


def _separated(n):
    d = np.zeros((n, n))
    for i in range(n):
        d[i, i] = 4.0 * n * (i + 1)
    if n >= 2:
        d[0, 1], d[1, 0] = -3.0 * n, 3.0 * n  # eigenvalues 6n +- i sqrt(5) n
    return device_put(d)


def _power_sums(w):
    return fnp.stack([fnp.sum(w ** k, axis=-1) for k in (1, 2, 3)], axis=-1)


@st.composite
def _matrix(draw):
    n = draw(st.integers(0, 3))
    shape = draw(fst.shapes(max_dims=2, min_side=0, max_side=3)) + (n, n)
    x = draw(fst.arrays(shape, (-1.0, 1.0)))
    if draw(st.booleans()):
        x = x + 1j * draw(fst.arrays(shape, (-1.0, 1.0)))
    return x, _separated(n)


@st.composite
def _eig_case(draw):
    x, d = draw(_matrix())

    def fun(a):
        w, v = fnp.linalg.eig(a + d)
        return _power_sums(w), fnp.einsum("...i,...ji->...j", w, fnp.real(v * fnp.conj(v)))

    return fun, (x,)


@st.composite
def _eigvals_case(draw):
    x, d = draw(_matrix())
    return (lambda a: _power_sums(fnp.linalg.eigvals(a + d))), (x,)


SPECS = [custom("eig", st.one_of(_eig_case(), _eigvals_case()))]
