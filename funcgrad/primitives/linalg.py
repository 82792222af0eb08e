"""Linear algebra: ``matmul`` and its relatives, and the ``numpy.linalg`` decompositions, each beside its VJP.

The rules are written with funcgrad ops only (``matmul``, the private ``matrix_transpose``/``reshape``
helpers, triangular solves and elementwise ops), so they can be differentiated again. Every function works on
stacks of matrices (leading batch axes), as ``numpy.linalg`` does.

Where a derivative does not exist the rules say so in their docstrings: ``eigh`` and ``svd`` need distinct
eigen/singular values (pairs of equal values contribute nothing, which is only right for functions that do not
depend on the choice of basis inside a degenerate eigenspace); ``det``/``slogdet``/``inv``/``solve`` need an
invertible matrix; ``pinv`` assumes the rank does not change under the perturbation; ``qr`` needs ``m >= n`` and
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
from .elementwise import add, divide, equal, multiply, negative, reciprocal, square, subtract, where

__all__ = ["matmul", "dot", "vdot", "inner", "outer", "tensordot", "matrix_transpose"]
LINALG = ["inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "qr",
          "matrix_power", "matrix_transpose"]

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
    "Determinant of each matrix in a stack, as ``numpy.linalg.det``. Its gradient needs an invertible matrix.\n\n"
    ">>> import numpy as np, funcgrad.numpy as fnp\n>>> float(fnp.linalg.det(2.0 * np.eye(2)))\n4.0\n"))
det.def_vjp(lambda g, ans, a: multiply(_scalar_to_matrix(multiply(g, ans)), _mT(inv(a))))


def _trace_inv_times(a, t):
    """``trace(a^-1 @ t)`` per matrix, the derivative of ``log det`` along ``t``."""
    return einsum("...ij,...ji->...", inv(a), t)


det.def_jvp(lambda t, ans, a: multiply(ans, _trace_inv_times(a, t)))
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


# --- triangular solve and Cholesky --------------------------------------------------------------------------------
def _tri_mask(x, lower: bool):
    eye, low, _, _ = _masks_like(x)
    return low if lower else _mT_impl(low)


@functools.lru_cache(maxsize=None)
def _scipy_solve_triangular():
    try:
        from scipy.linalg import solve_triangular as st
    except ImportError:  # pragma: no cover - scipy is optional
        return None
    return st


def _solve_triangular_impl(a, b, lower):
    a = _square_check("solve_triangular", a)
    xp = namespace_of(a, b)
    if xp.__name__ == "numpy" and len(shape_of(a)) == 2 and len(shape_of(b)) == 2:
        st = _scipy_solve_triangular()
        if st is not None:
            return st(a, b, lower=lower, check_finite=False)
    # Generic path (stacks, other array modules, no scipy): a full solve with the other triangle masked out.
    return xp.linalg.solve(a * _tri_mask(a, lower), b)


solve_triangular = Primitive("solve_triangular", _solve_triangular_impl, doc=(
    "``x`` with ``t @ x == b`` where ``t`` is the lower (``lower=True``) or upper triangle of ``a`` (the other "
    "triangle is never read); ``b`` is a stack of matrices. Used by the Cholesky and QR rules."))


def _solve_triangular_db(g, ans, a, b, lower):
    return solve_triangular(_mT(a), g, lower=not lower)


def _solve_triangular_da(g, ans, a, b, lower):
    gb = solve_triangular(_mT(a), g, lower=not lower)
    return negative(multiply(matmul(gb, _mT(ans)), _tri_mask(a, lower)))


solve_triangular.def_vjp(_solve_triangular_da, _solve_triangular_db)


def _solve_triangular_jvp(tangents, ans, a, b, lower):
    # Only the used triangle of a is read, so only that triangle of its tangent counts.
    ta, tb = tangents
    if ta is None:
        return solve_triangular(a, tb, lower=lower)
    dta = matmul(multiply(ta, _tri_mask(a, lower)), ans)
    rhs = negative(dta) if tb is None else subtract(tb, dta)
    return solve_triangular(a, rhs, lower=lower)


solve_triangular.def_jvp_joint(_solve_triangular_jvp)
_batch_matrix_solve(solve_triangular)


def _cholesky_impl(a):
    a = _square_check("cholesky", a)
    xp = namespace(a)
    try:
        return xp.linalg.cholesky(a)
    except _LinAlgError:
        raise _linalg_error("cholesky", a, "the matrix is not positive definite") from None


_cholesky = Primitive("cholesky", _cholesky_impl, doc="Lower Cholesky factor (see :func:`cholesky`).")


def _cholesky_vjp(g, ans, a):
    # Murray (2016), "Differentiation of the Cholesky decomposition": with Phi taking the lower triangle and
    # halving the diagonal, the cotangent is L^-T Phi(L^T G) L^-1, symmetrized since only symmetric
    # perturbations of a keep it a valid input.
    half = _masks_like(ans)[3]
    p = multiply(matmul(_mT(ans), g), half)
    lt = _mT(ans)
    y = solve_triangular(lt, p, lower=False)
    s = _mT(solve_triangular(lt, _mT(y), lower=False))
    return multiply(add(s, _mT(s)), 0.5)


_cholesky.def_vjp(_cholesky_vjp)


def _sym(t):
    return multiply(add(t, _mT(t)), 0.5)


def _cholesky_jvp(t, ans, a):
    # dL = L Phi(L^-1 S L^-T), S the symmetric part of the tangent (the VJP's convention: its cotangent is the
    # symmetrized one, so both see the input as sym(a)).
    s = _sym(t)
    w = solve_triangular(ans, s, lower=True)               # L^-1 S
    z = _mT(solve_triangular(ans, _mT(w), lower=True))     # L^-1 S L^-T (S symmetric)
    return matmul(ans, multiply(z, _masks_like(ans)[3]))


_cholesky.def_jvp(_cholesky_jvp)
_batch_matrix_unary(_cholesky)


def cholesky(a: ArrayLike, /, *, upper: bool = False) -> Any:
    """Cholesky factor of each symmetric positive-definite matrix in a stack, as ``numpy.linalg.cholesky``:
    lower triangular ``L`` with ``a = L @ L.T`` (``upper=True``: ``L.T``). Only the lower triangle of ``a`` is
    read; its gradient is returned symmetrized.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.cholesky(4.0 * np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    low = _cholesky(a)
    return _mT(low) if upper else low


# --- symmetric eigendecomposition ---------------------------------------------------------------------------------
def _eigh_impl(a, UPLO):
    a = _square_check("eigh", a)
    w, v = namespace(a).linalg.eigh(a, UPLO=UPLO)
    return w, v


_eigh = Primitive("eigh", _eigh_impl, multiple_results=True, doc="Eigenvalues and eigenvectors (see :func:`eigh`).")


def _pair_inverse(d):
    """``1 / d`` off the zeros of ``d`` and 0 on them (the diagonal, and degenerate pairs)."""
    zero = equal(d, 0.0)
    return where(zero, 0.0, reciprocal(where(zero, 1.0, d)))


def _eigh_vjp(g, ans, a, UPLO):
    gw, gv = g
    w, v = ans
    eye = _masks_like(v)[0]
    f = _pair_inverse(subtract(_row(w), _col(w)))  # F[i, j] = 1 / (w_j - w_i)
    inner_ = add(multiply(_col(gw), eye), multiply(f, matmul(_mT(v), gv)))
    ga = matmul(v, matmul(inner_, _mT(v)))
    return multiply(add(ga, _mT(ga)), 0.5)


_eigh.def_vjp(_eigh_vjp)


def _eigh_jvp(t, ans, a, UPLO):
    # With P = V^T S V (S the symmetric part of the tangent, as the VJP symmetrizes its cotangent):
    # dw = diag(P), dV = V (F o P), F[i, j] = 1 / (w_j - w_i) off the diagonal and off degenerate pairs.
    w, v = ans
    p = matmul(_mT(v), matmul(_sym(t), v))
    f = _pair_inverse(subtract(_row(w), _col(w)))
    return einsum("...ii->...i", p), matmul(v, multiply(f, p))


_eigh.def_jvp(_eigh_jvp)
_batch_matrix_unary(_eigh)


def eigh(a: ArrayLike, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices, as ``numpy.linalg.eigh``.
    Only the ``UPLO`` triangle is read; the gradient is returned symmetrized. Eigenvectors are defined up to sign
    (and, for repeated eigenvalues, up to a rotation): the gradient is defined only for distinct eigenvalues, and
    for functions that do not depend on the choice of sign. Pairs of equal eigenvalues contribute nothing.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.eigh(np.diag([2.0, 1.0])).eigenvalues
    array([1., 2.])
    """
    if UPLO not in ("L", "U"):
        raise ValueError(f"funcgrad.numpy.linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    return EighResult(*_eigh(a, UPLO=UPLO))


def eigvalsh(a: ArrayLike, UPLO: str = "L") -> Any:
    """Eigenvalues (ascending) of symmetric matrices, as ``numpy.linalg.eigvalsh``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.eigvalsh(np.diag([2.0, 1.0]))
    array([1., 2.])
    """
    return eigh(a, UPLO=UPLO)[0]


# --- singular value decomposition ---------------------------------------------------------------------------------
def _svd_impl(a, full_matrices):
    a = _matrix_check("svd", a)
    u, s, vh = namespace(a).linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


_svd = Primitive("svd", _svd_impl, multiple_results=True, doc="Singular value decomposition (see :func:`svd`).")


def _svd_vjp(g, ans, a, full_matrices):
    gu, gs, gvh = g
    u, s, vh = ans
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    if full_matrices and m != n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.svd: gradients with full_matrices=True are not defined for a non-square "
            f"matrix (shape {shape_of(a)}): the extra columns of U or rows of Vh are arbitrary. Call "
            f"svd(a, full_matrices=False) (or svdvals(a) for the singular values only).")
    # Townsend (2016), "Differentiating the singular value decomposition", with F[i, j] = 1 / (s_j^2 - s_i^2).
    s2 = square(s)
    f = _pair_inverse(subtract(_row(s2), _col(s2)))
    utgu = matmul(_mT(u), gu)
    vtgv = matmul(vh, _mT(gvh))
    j = multiply(f, subtract(utgu, _mT(utgu)))
    kk = multiply(f, subtract(vtgv, _mT(vtgv)))
    eye = _masks(namespace(getval(s)), k, getval(s).dtype)[0]
    inner_ = add(add(multiply(j, _row(s)), multiply(_col(gs), eye)), multiply(_col(s), kk))
    ga = matmul(u, matmul(inner_, vh))
    if m > k:  # (I - U U^T) gU S^-1 Vh
        proj = subtract(gu, matmul(u, utgu))
        ga = add(ga, matmul(divide(proj, _row(s)), vh))
    if n > k:  # U S^-1 gVh (I - Vh^T Vh)
        proj = subtract(gvh, matmul(matmul(gvh, _mT(vh)), vh))
        ga = add(ga, matmul(u, divide(proj, _col(s))))
    return ga


_svd.def_vjp(_svd_vjp)


def _svd_jvp(t, ans, a, full_matrices):
    u, s, vh = ans
    m, n = shape_of(a)[-2:]
    k = min(m, n)
    if full_matrices and m != n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.svd: derivatives with full_matrices=True are not defined for a non-square "
            f"matrix (shape {shape_of(a)}): the extra columns of U or rows of Vh are arbitrary. Call "
            f"svd(a, full_matrices=False) (or svdvals(a) for the singular values only).")
    # With P = U^T dA V and F[i, j] = 1 / (s_j^2 - s_i^2): dS = diag(P),
    # dU = U (F o (P S + S P^T)) + (I - U U^T) dA V S^-1, dV = V (F o (S P + P^T S)) + (I - V V^T) dA^T U S^-1.
    v = _mT(vh)
    tv = matmul(t, v)
    p = matmul(_mT(u), tv)
    s2 = square(s)
    f = _pair_inverse(subtract(_row(s2), _col(s2)))
    ps = multiply(p, _row(s))       # P S
    sp = multiply(_col(s), p)       # S P
    du = matmul(u, multiply(f, add(ps, _mT(ps))))
    dv = matmul(v, multiply(f, add(sp, _mT(sp))))
    if m > k:
        du = add(du, divide(subtract(tv, matmul(u, p)), _row(s)))
    if n > k:
        ttu = matmul(_mT(t), u)
        dv = add(dv, divide(subtract(ttu, matmul(v, _mT(p))), _row(s)))
    return du, einsum("...ii->...i", p), _mT(dv)


_svd.def_jvp(_svd_jvp)
_batch_matrix_unary(_svd)


def _svdvals_impl(a):
    a = _matrix_check("svdvals", a)
    return namespace(a).linalg.svd(a, compute_uv=False)


_svdvals = Primitive("svdvals", _svdvals_impl, doc="Singular values (see :func:`svdvals`).")


def _svdvals_vjp(g, ans, a):
    u, _, vh = _svd(a, full_matrices=False)
    return matmul(multiply(u, _row(g)), vh)


_svdvals.def_vjp(_svdvals_vjp)


def _svdvals_jvp(t, ans, a):
    u, _, vh = _svd(a, full_matrices=False)
    return einsum("...ik,...ij,...kj->...k", u, t, vh)  # diag(U^T dA V)


_svdvals.def_jvp(_svdvals_jvp)
_batch_matrix_unary(_svdvals)


def svdvals(x: ArrayLike, /) -> Any:
    """Singular values (descending) of each matrix in a stack, as ``numpy.linalg.svdvals``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.svdvals(np.diag([1.0, 3.0]))
    array([3., 1.])
    """
    return _svdvals(x)


def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """Singular value decomposition ``a = U @ diag(S) @ Vh``, as ``numpy.linalg.svd``; with ``compute_uv=False``
    only ``S``. Gradients need distinct, nonzero singular values (pairs of equal values contribute nothing), and
    for a non-square ``a`` they need ``full_matrices=False`` (the extra columns of a full ``U`` are arbitrary).
    ``hermitian`` is accepted for compatibility and ignored (the general algorithm is used).

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> u, s, vh = fnp.linalg.svd(np.ones((3, 2)), full_matrices=False)
    >>> u.shape, s.shape, vh.shape
    ((3, 2), (2,), (2, 2))
    """
    if not compute_uv:
        return _svdvals(a)
    return SVDResult(*_svd(a, full_matrices=bool(full_matrices)))


# --- pseudo-inverse -----------------------------------------------------------------------------------------------
def _pinv_impl(a, rcond, hermitian):
    a = _matrix_check("pinv", a)
    xp = namespace(a)
    if hermitian:
        return xp.linalg.pinv(a, rcond=rcond, hermitian=True)
    return xp.linalg.pinv(a, rcond=rcond)


_pinv = Primitive("pinv", _pinv_impl, doc="Moore-Penrose pseudo-inverse (see :func:`pinv`).")


def _pinv_vjp(g, ans, a, rcond, hermitian):
    # Golub & Pereyra (1973): for a perturbation that keeps the rank,
    # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P; transposed term by term.
    p, gt = ans, _mT(g)
    t1 = negative(matmul(_mT(p), matmul(g, _mT(p))))
    t = matmul(gt, matmul(p, _mT(p)))
    t2 = subtract(t, matmul(a, matmul(p, t)))
    u = matmul(matmul(_mT(p), p), gt)
    t3 = subtract(u, matmul(matmul(u, p), a))
    return add(t1, add(t2, t3))


_pinv.def_vjp(_pinv_vjp)


def _pinv_jvp(t, ans, a, rcond, hermitian):
    # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (Golub & Pereyra, constant rank).
    p, tt = ans, _mT(t)
    t1 = negative(matmul(p, matmul(t, p)))
    x = matmul(matmul(p, _mT(p)), tt)
    t2 = subtract(x, matmul(matmul(x, a), p))
    y = matmul(tt, matmul(_mT(p), p))
    t3 = subtract(y, matmul(p, matmul(a, y)))
    return add(t1, add(t2, t3))


_pinv.def_jvp(_pinv_jvp)
_batch_matrix_unary(_pinv)


def pinv(a: ArrayLike, rcond: float | None = None, hermitian: bool = False, *, rtol: float | None = None) -> Any:
    """Moore-Penrose pseudo-inverse of each matrix in a stack, as ``numpy.linalg.pinv``: singular values below
    ``rcond`` (or ``rtol``) times the largest are treated as zero. The gradient assumes the rank does not change
    under small perturbations (true away from singular values near the cutoff).

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.pinv(np.array([[2.0, 0.0]]))
    array([[0.5],
           [0. ]])
    """
    if rcond is not None and rtol is not None:
        raise TypeError("funcgrad.numpy.linalg.pinv: give rcond or rtol, not both")
    cutoff = rcond if rcond is not None else (rtol if rtol is not None else 1e-15)
    return _pinv(a, rcond=cutoff, hermitian=bool(hermitian))


# --- QR -------------------------------------------------------------------------------------------------------------
def _qr_impl(a, mode):
    a = _matrix_check("qr", a)
    q, r = namespace(a).linalg.qr(a, mode=mode)
    return q, r


_qr = Primitive("qr", _qr_impl, multiple_results=True, doc="QR decomposition (see :func:`qr`).")


def _qr_vjp(g, ans, a, mode):
    gq, gr = g
    q, r = ans
    m, n = shape_of(a)[-2:]
    if m < n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.qr: gradients are implemented for square and tall matrices (m >= n), got "
            f"shape {shape_of(a)}; differentiate the QR of the transpose or of a leading square block instead")
    if mode == "complete" and m != n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.qr: gradients with mode='complete' are not defined for a tall matrix (shape "
            f"{shape_of(a)}): the extra columns of Q are arbitrary; use mode='reduced'")
    # With M = R gR^T - gQ^T Q and copyltu(M) the symmetric matrix built from M's lower triangle:
    # gA = (gQ + Q copyltu(M)) R^-T (the usual reduced-QR rule for m >= n).
    _, low, slow, _ = _masks_like(r)
    mm = subtract(matmul(r, _mT(gr)), matmul(_mT(gq), q))
    sym = add(multiply(mm, low), _mT(multiply(mm, slow)))
    b = add(gq, matmul(q, sym))
    return _mT(solve_triangular(r, _mT(b), lower=False))


_qr.def_vjp(_qr_vjp)


def _qr_jvp(t, ans, a, mode):
    q, r = ans
    m, n = shape_of(a)[-2:]
    if m < n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.qr: derivatives are implemented for square and tall matrices (m >= n), got "
            f"shape {shape_of(a)}; differentiate the QR of the transpose or of a leading square block instead")
    if mode == "complete" and m != n:
        raise NotImplementedError(
            f"funcgrad.numpy.linalg.qr: derivatives with mode='complete' are not defined for a tall matrix "
            f"(shape {shape_of(a)}): the extra columns of Q are arbitrary; use mode='reduced'")
    # B = dA R^-1 and X = Q^T B = Q^T dQ + dR R^-1, a skew plus an upper triangular part: the skew part
    # Omega comes from X's strict lower triangle, then dR = (X - Omega) R and dQ = B - Q (X - Omega).
    b = _mT(solve_triangular(_mT(r), _mT(t), lower=True))
    x = matmul(_mT(q), b)
    low = multiply(x, _masks_like(r)[2])
    upper = add(subtract(x, low), _mT(low))  # X - Omega
    return subtract(b, matmul(q, upper)), matmul(upper, r)


_qr.def_jvp(_qr_jvp)
_batch_matrix_unary(_qr)


def qr(a: ArrayLike, mode: str = "reduced") -> Any:
    """QR decomposition of each matrix in a stack, as ``numpy.linalg.qr``: ``mode`` 'reduced' (default),
    'complete' or 'r' (only R). Gradients are implemented for square and tall matrices with invertible R.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> q, r = fnp.linalg.qr(np.ones((3, 2)))
    >>> q.shape, r.shape
    ((3, 2), (2, 2))
    """
    if mode == "r":
        return _qr(a, mode="reduced")[1]
    if mode not in ("reduced", "complete"):
        raise ValueError(f"funcgrad.numpy.linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    return QRResult(*_qr(a, mode=mode))


# --- matrix power ---------------------------------------------------------------------------------------------------
def matrix_power(a: ArrayLike, n: int) -> Any:
    """``a`` raised to the integer power ``n`` (negative: of its inverse), as ``numpy.linalg.matrix_power``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.linalg.matrix_power(2.0 * np.eye(2), 3)
    array([[8., 0.],
           [0., 8.]])
    """
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"funcgrad.numpy.linalg.matrix_power: the exponent must be an int, got {n!r}")
    a = _arr(a)
    s = shape_of(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise PrimitiveError(f"funcgrad.matrix_power: needs square matrices in the last two axes, got shape {s}")
    if n == 0:
        v = getval(a)
        xp = namespace(v)
        return xp.broadcast_to(xp.eye(s[-1], dtype=v.dtype), s).copy()
    if n < 0:
        a, n = inv(a), -n
    result = None
    base = a
    while n:  # binary exponentiation: O(log n) products
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result
