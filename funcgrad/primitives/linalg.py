"""Linear algebra: ``matmul`` and its relatives, and the ``numpy.linalg`` decompositions, each beside its VJP.

The rules are written with funcgrad ops only (``matmul``, the private ``matrix_transpose``/``reshape``
helpers, triangular solves and elementwise ops), so they can be differentiated again. Every function works on
stacks of matrices (leading batch axes), as ``numpy.linalg`` does.

Where a derivative does not exist the rules say so in their docstrings: ``eigh`` and ``svd`` need distinct
eigen/singular values (pairs of equal values contribute nothing, which is only right for functions that do not
depend on the choice of basis inside a degenerate eigenspace); ``slogdet``/``inv``/``solve`` need an
invertible matrix (``det``'s first derivative does not: it is the cofactor matrix, from the SVD); ``pinv`` assumes the rank does not change under the perturbation; ``qr`` needs ``m >= n`` and
an invertible ``R``.
"""
from __future__ import annotations

import functools
from collections import namedtuple
from typing import Any

import numpy as _onp  # only for its LinAlgError class, which CuPy raises as well

from ..backend import namespace, namespace_of, shape_of
from ..core import Primitive, getval
from ..core.batching import loop_rule
from ..core.errors import PrimitiveError, user_location
from .einsum import einsum
from .shape import _reshape, _transpose
from .elementwise import multiply, negative, subtract

__all__ = ['matmul', 'dot', 'vdot', 'inner', 'outer', 'tensordot', 'matrix_transpose']
LINALG = ["inv", "solve", "det", "slogdet", "matrix_transpose"]  # and decompositions.py's LINALG

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
QRResult = namedtuple("QRResult", ["Q", "R"])
ArrayLike = Any  # arrays, traced values, nested lists and scalars


def _arr(x: Any) -> Any:
    """``x`` as something with a shape (rules may receive the untraced operand as a list or scalar)."""
    return x if hasattr(x, "shape") else namespace(x).asarray(x)


def _immutable(name: str):
    return TypeError(f"funcgrad.numpy.{name}: out= is not supported: funcgrad arrays are immutable; use the "
                     f"returned value instead")


# --- batching helpers -----------------------------------------------------------------------------------------------
def _per_example(x, b: bool) -> tuple:
    s = shape_of(x)
    return s[1:] if b else s


def _lift(x, per: tuple, rank: int):
    """Batched ``x`` with unit axes between the batch and its per-example axes, up to per-example rank ``rank``:
    otherwise the batch axis would line up with a batch axis of a higher-rank unbatched operand."""
    if len(per) >= rank:
        return x
    return _reshape(x, shape=shape_of(x)[:1] + (1,) * (rank - len(per)) + per)


def _batch_matrix_unary(prim) -> None:
    """numpy.linalg treats leading axes as a stack, so the batch passes straight through; per-example inputs
    that are not matrices go to the loop, which raises the per-example error."""
    def rule(args, batched, **kw):
        s = shape_of(args[0])
        if len(s) < 3:
            return loop_rule(prim, args, batched, s[0], kw)
        return prim(args[0], **kw)

    prim.def_batch(rule)


# --- private helpers: transpose of the last two axes and reshape --------------------------------------------------
def _mT_impl(x):
    if len(shape_of(x)) < 2:
        raise ValueError(f"matrix_transpose needs an array with at least 2 dimensions, got shape {shape_of(x)}")
    return namespace(x).swapaxes(x, -1, -2)


matrix_transpose = Primitive("matrix_transpose", _mT_impl, doc=(
    "Swap the last two axes (the transpose of each matrix in a stack), as ``numpy.matrix_transpose``.\n\n"
    ">>> import numpy as np, funcgrad.numpy as fnp\n>>> fnp.matrix_transpose(np.ones((5, 2, 3))).shape\n"
    "(5, 3, 2)\n"))
matrix_transpose.def_vjp(lambda g, ans, x: matrix_transpose(g))
matrix_transpose.def_jvp(lambda t, ans, x: matrix_transpose(t))
_batch_matrix_unary(matrix_transpose)
_mT = matrix_transpose


def _col(x):
    """``x[..., :, None]``."""
    return _reshape(x, shape=shape_of(x) + (1,))


def _row(x):
    """``x[..., None, :]``."""
    s = shape_of(x)
    return _reshape(x, shape=s[:-1] + (1,) + s[-1:])


def _scalar_to_matrix(x):
    """``x[..., None, None]``."""
    return _reshape(x, shape=shape_of(x) + (1, 1))


@functools.lru_cache(maxsize=256)
def _masks(xp, n: int, dtype) -> tuple:
    """Constant ``n x n`` masks: identity, lower triangle, strict lower triangle, lower with half diagonal."""
    eye = xp.eye(n, dtype=dtype)
    low = xp.tri(n, dtype=dtype)
    slow = low - eye
    half = low - 0.5 * eye
    if xp.__name__ == "numpy":  # shared between calls: make accidental writes fail loudly
        for m in (eye, low, slow, half):
            m.flags.writeable = False
    return eye, low, slow, half


def _masks_like(x):
    v = getval(x)
    return _masks(namespace(v), shape_of(v)[-1], v.dtype)


# --- matmul -------------------------------------------------------------------------------------------------------
def _matmul_error(a, b) -> PrimitiveError:
    sa, sb = shape_of(_arr(a)), shape_of(_arr(b))
    if len(sa) == 0 or len(sb) == 0:
        why = "matmul does not accept 0-d operands; use multiply (or *) for scaling"
    elif sa[-1] != sb[-2 if len(sb) > 1 else -1]:
        why = (f"the last axis of the first operand ({sa[-1]}) must equal the "
               f"{'second-to-last' if len(sb) > 1 else 'only'} axis of the second ({sb[-2 if len(sb) > 1 else -1]})")
    else:
        why = "the batch (leading) axes do not broadcast together"
    return PrimitiveError(f"funcgrad.matmul: shapes {sa} and {sb} are not aligned: {why} "
                          f"(called at {user_location()})")


def _matmul_impl(a, b):
    # The operator is the cheapest route to the array module's matmul (numpy.matmul costs a dispatch more).
    try:
        return a @ b
    except ValueError:
        raise _matmul_error(a, b) from None
    except TypeError:
        pass  # neither operand is an array (lists): let the array module convert them
    try:
        return namespace_of(a, b).matmul(a, b)
    except ValueError:
        raise _matmul_error(a, b) from None


matmul = Primitive("matmul", _matmul_impl, doc=(
    "Matrix product, as ``numpy.matmul`` (and the ``@`` operator): 1-D operands are promoted to a row or a "
    "column and the unit axis removed again, leading axes are batch axes that broadcast.\n\n"
    ">>> import numpy as np, funcgrad.numpy as fnp\n>>> fnp.matmul(np.ones((4, 2, 3)), np.ones(3)).shape\n"
    "(4, 2)\n"))


def _matmul_da(g, ans, a, b):
    a, b = _arr(a), _arr(b)
    na, nb = len(a.shape), len(b.shape)
    if nb == 1:
        if na == 1:
            return multiply(g, b)
        return multiply(_col(g), b)  # (..., m, 1) * (k,): an outer product per batch
    if na == 1:
        if nb == 2:
            return matmul(b, g)
        return matmul(_row(g), _mT(b))  # (..., 1, k): the engine sums it to (k,)
    return matmul(g, _mT(b))


def _matmul_db(g, ans, a, b):
    a, b = _arr(a), _arr(b)
    na, nb = len(a.shape), len(b.shape)
    if na == 1:
        if nb == 1:
            return multiply(g, a)
        return multiply(_col(a), _row(g))  # (k, 1) * (..., 1, n)
    if nb == 1:
        if na == 2:
            return matmul(g, a)
        return matmul(_row(g), a)  # (..., 1, k): the engine sums it to (k,)
    return matmul(_mT(a), g)


matmul.def_vjp(_matmul_da, _matmul_db)
# Bilinear: each tangent has its operand's shape, so the product with the other operand follows the same 1-D
# promotion and batch broadcasting as the forward product.
matmul.def_jvp(lambda t, ans, a, b: matmul(t, b), lambda t, ans, a, b: matmul(a, t))


def _matmul_batch(args, batched):
    ba, bb = batched
    a = args[0] if ba else _arr(args[0])
    b = args[1] if bb else _arr(args[1])
    pa, pb = _per_example(a, ba), _per_example(b, bb)
    size = shape_of(a if ba else b)[0]
    if not pa or not pb or pa[-1] != pb[-2 if len(pb) > 1 else -1]:
        return loop_rule(matmul, [a, b], batched, size, {})  # the per-example error message
    if not bb and len(pb) <= 2:
        # (B, ..., k) @ (k,), (B, k) @ (k, n) and (B, ..., m, k) @ (k, n) mean the same per example (numpy
        # broadcasts the one matrix along the stack without copying it)
        return matmul(a, b)
    if not ba and len(pb) == 1 and len(pa) <= 2:  # one vector or matrix times a batch of vectors: B rows
        return matmul(b, a if len(pa) == 1 else _mT(a))
    # General case: per-example vectors become explicit rows/columns (a batched vector must not pass for a
    # matrix), ranks are aligned behind the batch axis, and the unit axes are dropped again at the end.
    if len(pa) == 1:
        a, pa = _row(a), (1,) + pa
    if len(pb) == 1:
        b, pb = _col(b), pb + (1,)
    rank = max(len(pa), len(pb))
    out = matmul(_lift(a, pa, rank) if ba else a, _lift(b, pb, rank) if bb else b)
    drop_row, drop_col = len(_per_example(args[0], ba)) == 1, len(_per_example(args[1], bb)) == 1
    if drop_row or drop_col:
        so = shape_of(out)
        out = _reshape(out, shape=so[:-2] + so[-2:-1] * (not drop_row) + so[-1:] * (not drop_col))
    return out


matmul.def_batch(_matmul_batch)


# --- products built on matmul and einsum --------------------------------------------------------------------------
def _ndim(x) -> int:
    return len(shape_of(x)) if hasattr(x, "shape") else len(shape_of(_arr(x)))


def dot(a: ArrayLike, b: ArrayLike, out: None = None) -> Any:
    """Dot product as ``numpy.dot``: a product with a scalar, the inner product of vectors, the matrix product
    of 2-D arrays, and for N-D arrays the sum over the last axis of ``a`` and the second-to-last of ``b``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.dot(np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    """
    if out is not None:
        raise _immutable("dot")
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return multiply(a, b)
    if nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([na - 1], [nb - 2]))


def vdot(a: ArrayLike, b: ArrayLike) -> Any:
    """Dot product of two arrays flattened to vectors, as ``numpy.vdot`` (real arrays).

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> float(fnp.vdot(np.ones((2, 2)), np.full((2, 2), 2.0)))
    8.0
    """
    a, b = _arr(a), _arr(b)
    if getval(a).dtype.kind == "c":
        raise TypeError("funcgrad.numpy.vdot supports real arrays only (complex conjugation is not available)")
    if a.size != b.size:
        raise PrimitiveError(f"funcgrad.vdot: arrays of shapes {shape_of(a)} and {shape_of(b)} have different "
                             f"sizes ({a.size} and {b.size}); vdot needs the same number of elements")
    return matmul(_reshape(a, shape=(a.size,)), _reshape(b, shape=(b.size,)))


def inner(a: ArrayLike, b: ArrayLike) -> Any:
    """Inner product over the last axes, as ``numpy.inner``: shape ``a.shape[:-1] + b.shape[:-1]``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.inner(np.ones((2, 3)), np.ones((4, 3))).shape
    (2, 4)
    """
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return multiply(a, b)
    return tensordot(a, b, axes=([na - 1], [nb - 1]))


def outer(a: ArrayLike, b: ArrayLike, out: None = None) -> Any:
    """Outer product of two arrays flattened to vectors, as ``numpy.outer``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.outer(np.ones(2), np.ones(3)).shape
    (2, 3)
    """
    if out is not None:
        raise _immutable("outer")
    a, b = _arr(a), _arr(b)
    return multiply(_reshape(a, shape=(a.size, 1)), _reshape(b, shape=(1, b.size)))


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@functools.lru_cache(maxsize=1024)
def _tensordot_subscripts(na: int, nb: int, axes) -> str:
    if isinstance(axes, int):
        if axes < 0 or axes > min(na, nb):
            raise ValueError(f"axes={axes} must be between 0 and the smaller number of dimensions "
                             f"({min(na, nb)})")
        ax_a, ax_b = tuple(range(na - axes, na)), tuple(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = (ax_a,) if isinstance(ax_a, int) else tuple(ax_a)
        ax_b = (ax_b,) if isinstance(ax_b, int) else tuple(ax_b)
        if len(ax_a) != len(ax_b):
            raise ValueError(f"axes {axes!r}: the two sequences of axes must have the same length")
        try:
            ax_a = tuple(range(na)[i] for i in ax_a)
            ax_b = tuple(range(nb)[i] for i in ax_b)
        except IndexError:
            raise ValueError(f"axes {axes!r} out of range for arrays with {na} and {nb} dimensions") from None
    if na + nb > len(_LETTERS):
        raise ValueError("tensordot supports at most 52 dimensions in total")
    sa = list(_LETTERS[:na])
    sb = list(_LETTERS[na:na + nb])
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in ax_a] + [c for k, c in enumerate(sb) if k not in ax_b]
    return f"{''.join(sa)},{''.join(sb)}->{''.join(out)}"


def tensordot(a: ArrayLike, b: ArrayLike, axes: int | tuple = 2) -> Any:
    """Sum of products over the given axes, as ``numpy.tensordot``: ``axes`` is an int N (the last N axes of
    ``a`` with the first N of ``b``) or a pair of axis sequences.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5))).shape
    (2, 5)
    """
    if not isinstance(axes, int):
        try:
            ax_a, ax_b = axes
        except (TypeError, ValueError):
            raise TypeError(f"funcgrad.numpy.tensordot: axes must be an int or a pair of axis sequences, "
                            f"got {axes!r}") from None
        axes = (ax_a if isinstance(ax_a, int) else tuple(ax_a), ax_b if isinstance(ax_b, int) else tuple(ax_b))
    try:
        subs = _tensordot_subscripts(_ndim(a), _ndim(b), axes)
    except ValueError as e:
        raise PrimitiveError(f"funcgrad.tensordot(shapes {shape_of(_arr(a))} and {shape_of(_arr(b))}): {e}") \
            from None
    return einsum(subs, a, b)


# --- inverse, solve, determinants ---------------------------------------------------------------------------------
def _square_check(name: str, a):
    """``a`` as an array, checked to be a (stack of) square matrices."""
    a = _arr(a)
    s = a.shape
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"{name} needs square matrices in the last two axes, got shape {tuple(s)}")
    return a


def _matrix_check(name: str, a):
    """``a`` as an array, checked to have at least two axes."""
    a = _arr(a)
    if len(a.shape) < 2:
        raise ValueError(f"{name} needs at least 2 dimensions, got shape {tuple(a.shape)}")
    return a


_LinAlgError = _onp.linalg.LinAlgError


def _linalg_error(name: str, a, what: str):
    return _LinAlgError(f"{name}: {what}")


def _inv_impl(a):
    a = _square_check("inv", a)
    xp = namespace(a)
    try:
        return xp.linalg.inv(a)
    except _LinAlgError:
        raise _linalg_error("inv", a, "the matrix is singular (not invertible); use funcgrad.numpy.linalg.pinv "
                                      "for a pseudo-inverse, or solve(a, b) instead of inv(a) @ b") from None


inv = Primitive("inv", _inv_impl, doc=(
    "Inverse of each matrix in a stack, as ``numpy.linalg.inv``.\n\n"
    ">>> import numpy as np, funcgrad.numpy as fnp\n>>> fnp.linalg.inv(2.0 * np.eye(2))\n"
    "array([[0.5, 0. ],\n       [0. , 0.5]])\n"))
inv.def_vjp(lambda g, ans, a: negative(matmul(_mT(ans), matmul(g, _mT(ans)))))
inv.def_jvp(lambda t, ans, a: negative(matmul(ans, matmul(t, ans))))
_batch_matrix_unary(inv)


def _solve_impl(a, b):
    a = _square_check("solve", a)
    xp = namespace_of(a, b)
    try:
        return xp.linalg.solve(a, b)
    except _LinAlgError:
        raise _linalg_error("solve", a, "the matrix a is singular, so a @ x = b has no unique solution; use "
                                        "funcgrad.numpy.linalg.pinv(a) @ b for a least-squares solution") from None


_solve = Primitive("solve", _solve_impl, doc=(
    "``x`` with ``a @ x == b`` for stacks of square ``a`` and matrix right-hand sides ``b`` (..., M, K) "
    "(:func:`solve` also takes vector ``b``)."))


def _solve_db(g, ans, a, b):
    return _solve(_mT(_arr(a)), g)


def _solve_da(g, ans, a, b):
    return negative(matmul(_solve(_mT(a), g), _mT(ans)))


_solve.def_vjp(_solve_da, _solve_db)


def _solve_jvp(tangents, ans, a, b):
    # d(A^-1 B) = A^-1 (dB - dA X): one solve for both tangents.
    ta, tb = tangents
    if ta is None:
        return _solve(a, tb)
    rhs = negative(matmul(ta, ans)) if tb is None else subtract(tb, matmul(ta, ans))
    return _solve(a, rhs)


_solve.def_jvp_joint(_solve_jvp)


def _batch_matrix_solve(prim) -> None:
    """Batching for ``prim(a, b, **kw)`` solving ``a @ x = b`` with matrix ``b``: batch axes broadcast as in
    matmul; one unbatched matrix with a batch of right-hand sides is a single solve with the batch laid out as
    extra columns (one factorization instead of one per example)."""
    def rule(args, batched, **kw):
        ba, bb = batched
        a = args[0] if ba else _arr(args[0])
        b = args[1] if bb else _arr(args[1])
        pa, pb = _per_example(a, ba), _per_example(b, bb)
        if len(pa) < 2 or len(pb) < 2 or pa[-1] != pb[-2]:
            return loop_rule(prim, [a, b], batched, shape_of(a if ba else b)[0], kw)
        if not ba and len(pa) == 2 and len(pb) == 2:
            size, m, k = shape_of(b)
            cols = _reshape(_transpose(b, axes=(1, 0, 2)), shape=(m, size * k))
            x = prim(a, cols, **kw)
            return _transpose(_reshape(x, shape=(m, size, k)), axes=(1, 0, 2))
        rank = max(len(pa), len(pb))
        return prim(_lift(a, pa, rank) if ba else a, _lift(b, pb, rank) if bb else b, **kw)

    prim.def_batch(rule)


_batch_matrix_solve(_solve)


def solve(a: ArrayLike, b: ArrayLike) -> Any:
    """Solution ``x`` of ``a @ x = b``, as ``numpy.linalg.solve``: ``b`` is a vector (1-D) or a stack of matrices
    ``(..., M, K)``; batch axes broadcast. A singular ``a`` raises ``LinAlgError``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.solve(2.0 * np.eye(2), np.array([1.0, 2.0]))
    array([0.5, 1. ])
    """
    b = _arr(b)
    if len(shape_of(b)) == 1:
        x = _solve(a, _col(b))
        return _reshape(x, shape=shape_of(x)[:-1])
    return _solve(a, b)


def _det_impl(a):
    a = _square_check("det", a)
    return namespace(a).linalg.det(a)


det = Primitive("det", _det_impl, doc=(
    "Determinant of each matrix in a stack, as ``numpy.linalg.det``. Its gradient is the cofactor matrix, also at "
    "singular matrices; second and higher derivatives need an invertible matrix.\n\n"
    ">>> import numpy as np, funcgrad.numpy as fnp\n>>> float(fnp.linalg.det(2.0 * np.eye(2)))\n4.0\n"))


def _trace_inv_times(a, t):
    """``trace(a^-1 @ t)`` per matrix, the derivative of ``log det`` along ``t``."""
    return einsum("...ij,...ji->...", inv(a), t)


def _cofactor_impl(a):
    # From the SVD a = U S Vh: C = det(U) det(Vh) conj(U diag(c) Vh), c_i the product of the singular values but
    # the i-th (left and right running products: no division). Continuous through singular matrices, where
    # det(a) inv(a)^T is undefined.
    a = _square_check("det", a)
    xp = namespace(a)
    u, s, vh = xp.linalg.svd(a)
    ones = xp.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    left = xp.cumprod(xp.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(s[..., 1:], axis=-1)], axis=-1), axis=-1), axis=-1)
    m = xp.matmul(u * (left * right)[..., None, :], vh)
    if m.dtype.kind == "c":
        m = xp.conj(m)
    return (xp.linalg.det(u) * xp.linalg.det(vh))[..., None, None] * m


_cofactor = Primitive("cofactor", _cofactor_impl, doc=(
    "The matrix of cofactors of each square matrix in a stack, ``det(a) * inv(a).T`` where ``a`` is invertible: "
    "the gradient of :func:`det`, defined at singular matrices too. Its own derivative needs an invertible "
    "matrix."))


def _cofactor_vjp(g, ans, a):
    # C = det(A) A^-T: dC = det(A) (tr(A^-1 dA) A^-T - A^-T dA^T A^-T), transposed against g
    it = _mT(inv(a))
    inner = einsum("...ij,...ij->...", g, it)
    return multiply(_scalar_to_matrix(det(a)), subtract(multiply(_scalar_to_matrix(inner), it),
                                                        matmul(it, matmul(_mT(g), it))))


def _cofactor_jvp(t, ans, a):
    it = _mT(inv(a))
    return subtract(multiply(_scalar_to_matrix(_trace_inv_times(a, t)), ans), matmul(ans, matmul(_mT(t), it)))


_cofactor.def_vjp(_cofactor_vjp)
_cofactor.def_jvp(_cofactor_jvp)
_batch_matrix_unary(_cofactor)
# the cofactors, not det(a) inv(a)^T: the gradient exists at singular matrices too (JAX gives it there as well)
det.def_vjp(lambda g, ans, a: multiply(_scalar_to_matrix(g), _cofactor(a)))
det.def_jvp(lambda t, ans, a: einsum("...ij,...ij->...", _cofactor(a), t))
_batch_matrix_unary(det)


def _slogdet_impl(a):
    a = _square_check("slogdet", a)
    sign, logabsdet = namespace(a).linalg.slogdet(a)
    return sign, logabsdet


_slogdet = Primitive("slogdet", _slogdet_impl, multiple_results=True, doc=(
    "Sign and log of the absolute value of the determinant (see :func:`slogdet`)."))
# d log|det A| = tr(A^-1 dA); the sign is piecewise constant, so its cotangent is dropped.
_slogdet.def_vjp(lambda g, ans, a: multiply(_scalar_to_matrix(g[1]), _mT(inv(a))))
_slogdet.def_jvp(lambda t, ans, a: (None, _trace_inv_times(a, t)))
_batch_matrix_unary(_slogdet)


def slogdet(a: ArrayLike) -> SlogdetResult:
    """``(sign, logabsdet)`` of the determinant of each matrix in a stack, as ``numpy.linalg.slogdet``.
    Gradients flow through ``logabsdet`` (the sign is piecewise constant); they need an invertible matrix.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> sign, logdet = fnp.linalg.slogdet(np.diag([-1.0, 2.0]))
    >>> float(sign), round(float(logdet), 4)
    (-1.0, 0.6931)
    """
    return SlogdetResult(*_slogdet(a))


