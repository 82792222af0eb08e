"""The general (non-symmetric) eigendecomposition: ``eig`` and ``eigvals``, beside their rules.

Eigenvalues and eigenvectors of a general matrix are complex, so both come back complex whatever the input: the
dtype never depends on the values (NumPy returns real arrays when every eigenvalue happens to be real), which keeps
gradients, ``vmap`` and ``jit`` signatures fixed. The rules are written with funcgrad's ops, so they differentiate
again. Derivatives follow the JAX convention of the README ("Complex numbers").
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

from ..backend import namespace
from ..core import Primitive
from .einsum import einsum
from .elementwise import add, conj, equal, multiply, real, reciprocal, subtract, where
from .linalg import _batch_matrix_unary, _col, _masks_like, _mT, _row, _square_check, inv, matmul

__all__: list = []
LINALG = ["eig", "eigvals"]

EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])


def _complex_dtype(xp, dtype):
    return xp.result_type(dtype, xp.complex64)


def _eig_impl(a):
    a = _square_check("eig", a)
    xp = namespace(a)
    if not hasattr(xp.linalg, "eig"):
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.eig: {xp.__name__}.linalg has no general eigendecomposition (CuPy has only "
            f"eigh, for symmetric/Hermitian matrices); use eigh if the matrix is symmetric, or move the matrix to "
            f"the CPU with funcgrad.device_put(a, 'cpu')")
    if a.dtype.kind not in "fc":
        a = a.astype(xp.float64)
    w, v = xp.linalg.eig(a)
    ct = _complex_dtype(xp, a.dtype)
    return w.astype(ct, copy=False), v.astype(ct, copy=False)


_eig = Primitive("eig", _eig_impl, multiple_results=True,
                 doc="Eigenvalues and unit-norm eigenvectors of general matrices (see :func:`eig`).")


def _pair_inverse(w):
    """``F[..., i, j] = 1 / (w_j - w_i)`` off the diagonal and off degenerate pairs, 0 on them."""
    d = subtract(_row(w), _col(w))
    zero = equal(d, 0.0)
    return where(zero, 0.0, reciprocal(where(zero, 1.0, d)))


def _diag_embed(d, like):
    return multiply(_col(d), _masks_like(like)[0])


def _eig_jvp(t, ans, a):
    # A V = V diag(w). With P = V^-1 dA V: dw = diag(P), and dV = V (F o P) leaves each eigenvector's own
    # coordinate unchanged; NumPy normalizes eigenvectors to unit length, so the part of dv_i along v_i that would
    # change |v_i| (its real projection) is taken out. The phase of each eigenvector is arbitrary (as in LAPACK):
    # only functions that do not depend on it have a defined derivative.
    w, v = ans
    p = matmul(inv(v), matmul(t, v))
    dw = einsum("...ii->...i", p)
    dv = matmul(v, multiply(_pair_inverse(w), p))
    norm_part = real(einsum("...ji,...ji->...i", conj(v), dv))
    return dw, subtract(dv, multiply(v, _row(norm_part)))


def _eig_vjp(g, ans, a):
    # The transpose of the JVP above under Re(sum(a * b)), step by step in reverse.
    gw, gv = g
    w, v = ans
    vt = _mT(v)
    gv = subtract(gv, multiply(conj(v), _row(real(einsum("...ji,...ji->...i", v, gv)))))
    gp = add(_diag_embed(gw, v), multiply(_pair_inverse(w), matmul(vt, gv)))
    return matmul(_mT(inv(v)), matmul(gp, vt))


_eig.def_vjp(_eig_vjp)
_eig.def_jvp(_eig_jvp)
_batch_matrix_unary(_eig)


def eig(a: Any) -> EigResult:
    """Eigenvalues and right eigenvectors of (stacks of) square matrices, as ``numpy.linalg.eig``: ``a @ v[:, i]
    = w[i] * v[:, i]``, each eigenvector of unit length.

    Unlike NumPy, both results are always complex (NumPy returns real arrays when every eigenvalue is real), so the
    dtype does not depend on the values. Derivatives are defined for distinct eigenvalues, and for eigenvectors
    only through functions that do not depend on each eigenvector's arbitrary phase (``abs(v)``, ``v v^-1``...);
    pairs of equal eigenvalues contribute nothing. CuPy has no general eigensolver: on a GPU use ``eigh`` for
    symmetric matrices.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> from funcgrad import grad
    >>> fnp.linalg.eig(np.array([[2.0, 1.0], [0.0, 3.0]])).eigenvalues
    array([2.+0.j, 3.+0.j])
    >>> grad(lambda a: fnp.real(fnp.linalg.eigvals(a)[1]))(np.array([[2.0, 1.0], [0.0, 3.0]]))
    array([[0., 0.],
           [1., 1.]])
    """
    return EigResult(*_eig(a))


def eigvals(a: Any) -> Any:
    """Eigenvalues of (stacks of) general square matrices, as ``numpy.linalg.eigvals`` (always complex, see
    :func:`eig`).

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.eigvals(np.array([[0.0, -1.0], [1.0, 0.0]]))
    array([0.+1.j, 0.-1.j])
    """
    return eig(a)[0]
