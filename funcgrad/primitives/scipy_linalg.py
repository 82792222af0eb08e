"""The ``scipy.linalg`` operations ``numpy.linalg`` lacks, as primitives: ``expm``, ``logm``, ``sqrtm``,
``solve_sylvester`` and ``lu`` (``funcgrad.scipy.linalg`` names them, and composes the rest from these and the
``numpy.linalg`` primitives).

Values come from ``scipy.linalg`` for NumPy arrays and ``cupyx.scipy.linalg`` for CuPy arrays, imported on the
first call, so importing funcgrad needs no SciPy; a function the array's library lacks (cupyx has no ``logm``,
``sqrtm`` or ``solve_sylvester``) raises an error that names it. Stacks of matrices (leading axes) work
everywhere: one library call per matrix.

The rules, each written with funcgrad ops so that it differentiates again:

* ``expm`` and ``logm``: the Frechet derivative of a primary matrix function ``f`` at ``A`` in the direction ``E``
  is the upper right block of ``f([[A, E], [0, A]])`` (Higham, *Functions of Matrices*, Thm. 3.6), and its adjoint
  is the Frechet derivative at ``A.T`` (``f`` has a real power series). The JVP is ``L_f(A, T)``, the VJP
  ``L_f(A.T, G)``, both computed by ``f`` itself on the 2n x 2n block matrix.
* ``sqrtm``: ``S = sqrtm(A)`` gives ``S dS + dS S = dA``, a Sylvester equation; the VJP solves the adjoint one,
  ``S.T X + X S.T = G``.
* ``solve_sylvester``: ``A X + X B = Q`` differentiates to ``A dX + dX B = dQ - dA X - X dB``; the VJP solves
  ``A.T Y + Y B.T = G`` once and gives ``(-Y X.T, -X.T Y, Y)``.
* ``lu``: ``A = P L U`` (``L`` unit lower trapezoidal, ``U`` upper trapezoidal, any ``m x n``). With ``L~`` and
  ``U~`` the square completions of ``L`` and ``U`` by identity blocks, ``X = L~^-1 P.T dA U~^-1`` gives
  ``dL = L~ tril(X, -1)`` and ``dU = triu(X) U~`` (their first ``min(m, n)`` columns and rows); the VJP is the
  transpose of that map. The permutation is piecewise constant: it gets no gradient.

Domains. ``logm`` and ``sqrtm`` take real matrices whose principal logarithm or square root is real: no eigenvalue
on the closed negative real axis (``(-inf, 0]``; ``sqrtm`` allows singular matrices for its value, not for its
derivative); outside it they raise instead of returning SciPy's complex result. ``solve_sylvester`` needs ``A`` and
``-B`` to share no eigenvalue (a unique solution). The derivatives of ``lu`` need the leading ``min(m, n)``
principal minors of ``P.T A`` to be nonsingular (``U`` invertible there), and the pivot order not to change.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as _onp

from ..backend import device_scope, namespace, shape_of
from ..core import Primitive, getval
from ._scipy import scipy_submodule
from .decompositions import solve_triangular
from .elementwise import add, negative, subtract
from .indexing import getitem
from .linalg import _batch_matrix_unary, _mT, matmul
from .padding import pad
from .shape import _reshape, concatenate
from .triangles import tril, triu

__all__: list = []
LINALG: list = []

# --- the linear-algebra library of each array namespace ---------------------------------------------------------
_LIBRARIES: dict = {}  # array namespace -> its scipy.linalg-like module (None: it has none)
_UNSET = object()


def register_library(xp: Any, library: Any) -> None:
    """Make ``library`` (a module with ``scipy.linalg``'s names, or None) the one that computes ``expm``, ``logm``,
    ``sqrtm``, ``solve_sylvester`` and ``lu`` for ``xp``'s arrays: for array libraries other than NumPy and CuPy.

    >>> import numpy as np, scipy.linalg
    >>> register_library(np, scipy.linalg)
    """
    _LIBRARIES[xp] = library


def _library(xp: Any) -> Any:
    lib = _LIBRARIES.get(xp, _UNSET)
    if lib is _UNSET:
        lib = _LIBRARIES[xp] = scipy_submodule(xp, "linalg")
    return lib


def _function(xp: Any, name: str) -> Callable:
    """The library's ``name`` for ``xp``'s arrays, or an error saying why there is none."""
    lib = _library(xp)
    fn = getattr(lib, name, None) if lib is not None else None
    if fn is not None:
        return fn
    if xp is _onp:
        raise ImportError(f"funcgrad.scipy.linalg.{name} needs SciPy for NumPy arrays: pip install funcgrad[scipy] "
                          f"(or pip install scipy)")
    if getattr(xp, "__name__", "") == "cupy":
        raise NotImplementedError(
            f"funcgrad.scipy.linalg.{name}: cupyx.scipy.linalg has no {name} (or is not installed), so it cannot "
            f"run on CuPy arrays; compute it on the host: funcgrad.device_put(a, 'cpu')")
    raise NotImplementedError(f"funcgrad.scipy.linalg.{name}: no linear-algebra library is known for "
                              f"{getattr(xp, '__name__', xp)} arrays; register one with "
                              f"funcgrad.primitives.scipy_linalg.register_library")


def _per_matrix(fn: Callable, mats: list, multiple: bool = False) -> Any:
    """``fn`` on each matrix of the stacks ``mats`` (their leading axes broadcast together), the results stacked.

    An empty stack calls ``fn`` once on identity matrices, only to learn the shapes and dtypes of its results."""
    xp = namespace(mats[0])
    batch = _onp.broadcast_shapes(*[shape_of(m)[:-2] for m in mats])
    if not batch:
        return fn(*mats)
    mats = [xp.broadcast_to(m, batch + shape_of(m)[-2:]).reshape((-1,) + shape_of(m)[-2:]) for m in mats]
    count = shape_of(mats[0])[0]
    if count == 0:
        probe = fn(*[xp.eye(*shape_of(m)[1:], dtype=m.dtype) for m in mats])
        probe = probe if multiple else (probe,)
        outs = tuple(xp.zeros(batch + shape_of(p), dtype=p.dtype) for p in probe)
        return outs if multiple else outs[0]
    results = [fn(*[m[i] for m in mats]) for i in range(count)]
    if not multiple:
        return xp.stack(results).reshape(batch + shape_of(results[0]))
    return tuple(xp.stack([r[j] for r in results]).reshape(batch + shape_of(results[0][j]))
                 for j in range(len(results[0])))


def _square_float(name: str, a) -> Any:
    s = shape_of(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"funcgrad.scipy.linalg.{name} needs square matrices in the last two axes, got shape {s}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"funcgrad.scipy.linalg.{name} supports real matrices, got dtype {a.dtype}")
    return a


def _frechet(prim: Primitive, a, e):
    """The Frechet derivative of the matrix function ``prim`` at ``a`` in the direction ``e`` (same shapes): the
    upper right block of ``prim([[a, e], [0, a]])``."""
    s = shape_of(a)
    n, lead = s[-1], ((0, 0),) * (len(s) - 2)
    top = concatenate([a, e], axis=-1)
    bottom = pad(a, lead + ((0, 0), (n, 0)))  # [0, a]
    big = prim(concatenate([top, bottom], axis=-2))
    return getitem(big, (Ellipsis, slice(0, n), slice(n, 2 * n)))


# --- expm and logm ----------------------------------------------------------------------------------------------
def _expm_impl(a):
    a = _square_float("expm", a)
    if a.size == 0:
        return namespace(a).zeros(shape_of(a), dtype=_onp.result_type(a.dtype, _onp.float32))
    return _per_matrix(_function(namespace(a), "expm"), [a])


expm = Primitive("expm", _expm_impl, doc=(
    "The matrix exponential of each square matrix in a stack (see ``funcgrad.scipy.linalg.expm``)."))
expm.def_vjp(lambda g, ans, a: _frechet(expm, _mT(a), g))
expm.def_jvp(lambda t, ans, a: _frechet(expm, a, t))
_batch_matrix_unary(expm)


def _real_or_raise(name: str, out, a, why: str):
    """SciPy answers outside the real domain with a complex matrix: funcgrad refuses it, saying why."""
    if out.dtype.kind != "c":
        return out
    xp = namespace(out)
    imag = float(xp.max(xp.abs(out.imag))) if out.size else 0.0
    scale = float(xp.max(xp.abs(out.real))) if out.size else 0.0
    if imag <= 1e3 * _onp.finfo(out.real.dtype).eps * max(scale, 1.0):
        return xp.ascontiguousarray(out.real)
    raise ValueError(f"funcgrad.scipy.linalg.{name}: the matrix of shape {shape_of(a)} has {why}, so its principal "
                     f"{'logarithm' if name == 'logm' else 'square root'} is not real; funcgrad supports real "
                     f"matrices with no eigenvalue on the closed negative real axis (-inf, 0]")


def _logm_impl(a):
    a = _square_float("logm", a)
    xp = namespace(a)
    if a.size == 0:
        return xp.zeros(shape_of(a), dtype=_onp.result_type(a.dtype, _onp.float32))
    fn = _function(xp, "logm")
    return _real_or_raise("logm", _per_matrix(fn, [a]), a, "an eigenvalue on (-inf, 0]")


logm = Primitive("logm", _logm_impl, doc=(
    "The principal matrix logarithm of each real square matrix in a stack (see ``funcgrad.scipy.linalg.logm``)."))
logm.def_vjp(lambda g, ans, a: _frechet(logm, _mT(a), g))
logm.def_jvp(lambda t, ans, a: _frechet(logm, a, t))
_batch_matrix_unary(logm)


# --- solve_sylvester and sqrtm ----------------------------------------------------------------------------------
def _sylvester_check(a, b, q) -> None:
    sa, sb, sq = shape_of(a), shape_of(b), shape_of(q)
    if (len(sa) < 2 or sa[-1] != sa[-2] or len(sb) < 2 or sb[-1] != sb[-2] or len(sq) < 2
            or sq[-2:] != (sa[-1], sb[-1])):
        raise ValueError(f"funcgrad.scipy.linalg.solve_sylvester solves a @ x + x @ b = q for square a (m, m), "
                         f"square b (n, n) and q (m, n), got shapes {sa}, {sb} and {sq}")
    for name, x in (("a", a), ("b", b), ("q", q)):
        if x.dtype.kind not in "biuf":
            raise TypeError(f"funcgrad.scipy.linalg.solve_sylvester supports real matrices, got {name} of dtype "
                            f"{x.dtype}")


def _solve_sylvester_impl(a, b, q):
    xp = namespace(q)
    a, b, q = xp.asarray(a), xp.asarray(b), xp.asarray(q)
    _sylvester_check(a, b, q)
    if q.size == 0:
        shape = _onp.broadcast_shapes(shape_of(a)[:-2], shape_of(b)[:-2], shape_of(q)[:-2]) + shape_of(q)[-2:]
        return xp.zeros(shape, dtype=_onp.result_type(a.dtype, b.dtype, q.dtype, _onp.float32))
    return _per_matrix(_function(xp, "solve_sylvester"), [a, b, q])


solve_sylvester = Primitive("solve_sylvester", _solve_sylvester_impl, doc=(
    "``x`` with ``a @ x + x @ b == q`` for each matrix triple of the stacks (see "
    "``funcgrad.scipy.linalg.solve_sylvester``)."))


def _solve_sylvester_vjp(g, ans, a, b, q):
    y = solve_sylvester(_mT(a), _mT(b), g)
    return negative(matmul(y, _mT(ans))), negative(matmul(_mT(ans), y)), y


def _solve_sylvester_jvp(tangents, ans, a, b, q):
    ta, tb, tq = tangents
    rhs = tq
    for term in (None if ta is None else matmul(ta, ans), None if tb is None else matmul(ans, tb)):
        if term is not None:
            rhs = negative(term) if rhs is None else subtract(rhs, term)
    return solve_sylvester(a, b, rhs)


solve_sylvester.def_vjp_joint(_solve_sylvester_vjp)
solve_sylvester.def_jvp_joint(_solve_sylvester_jvp)


def _solve_sylvester_batch(args, batched):
    # The implementation broadcasts leading axes like a stack: unbatched operands gain a unit axis in front of
    # their own leading axes, so that the batch axis never lines up with one of theirs.
    rank = max(len(shape_of(x)) - (1 if bx else 0) for x, bx in zip(args, batched))
    lifted = []
    for x, bx in zip(args, batched):
        s = shape_of(x)
        per = s[1:] if bx else s
        if bx and len(per) < rank:
            x = _reshape(x, shape=s[:1] + (1,) * (rank - len(per)) + per)
        lifted.append(x)
    return solve_sylvester(*lifted)


solve_sylvester.def_batch(_solve_sylvester_batch)


def _sqrtm_impl(a):
    a = _square_float("sqrtm", a)
    xp = namespace(a)
    if a.size == 0:
        return xp.zeros(shape_of(a), dtype=_onp.result_type(a.dtype, _onp.float32))
    fn = _function(xp, "sqrtm")
    return _real_or_raise("sqrtm", _per_matrix(fn, [a]), a, "a negative real eigenvalue")


sqrtm = Primitive("sqrtm", _sqrtm_impl, doc=(
    "The principal square root of each real square matrix in a stack (see ``funcgrad.scipy.linalg.sqrtm``)."))
sqrtm.def_vjp(lambda g, ans, a: solve_sylvester(_mT(ans), _mT(ans), g))
sqrtm.def_jvp(lambda t, ans, a: solve_sylvester(ans, ans, t))
_batch_matrix_unary(sqrtm)


# --- LU -----------------------------------------------------------------------------------------------------------
def _lu_impl(a):
    s = shape_of(a)
    if len(s) < 2:
        raise ValueError(f"funcgrad.scipy.linalg.lu needs a matrix (or a stack of them), got shape {s}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"funcgrad.scipy.linalg.lu supports real matrices, got dtype {a.dtype}")
    xp = namespace(a)
    m, n = s[-2:]
    if a.size == 0:
        k = min(m, n)
        dt = _onp.result_type(a.dtype, _onp.float32)
        eye = xp.broadcast_to(xp.eye(m, dtype=dt), s[:-2] + (m, m)).copy()
        return eye, eye[..., :, :k].copy(), xp.zeros(s[:-2] + (k, n), dtype=dt)
    fn = _function(xp, "lu")
    p, l, u = _per_matrix(lambda x: tuple(fn(x)), [a], multiple=True)
    return p.astype(l.dtype, copy=False), l, u


lu = Primitive("lu", _lu_impl, multiple_results=True, doc=(
    "``(P, L, U)`` with ``a = P @ L @ U`` for each matrix of a stack (see ``funcgrad.scipy.linalg.lu``)."))


def _completions(l, u):
    """``L~`` (m, m) and ``U~`` (n, n): ``L`` and ``U`` completed to square matrices by identity blocks."""
    sl, su = shape_of(l), shape_of(u)
    m, k, n = sl[-2], sl[-1], su[-1]
    lead = ((0, 0),) * (len(sl) - 2)
    v = getval(l)
    xp = namespace(v)
    if m > k:
        with device_scope(v):
            corner = xp.diag((xp.arange(m) >= k).astype(v.dtype))
        l = add(pad(l, lead + ((0, 0), (0, m - k))), corner)
    if n > k:
        with device_scope(v):
            corner = xp.diag((xp.arange(n) >= k).astype(v.dtype))
        u = add(pad(u, lead + ((0, n - k), (0, 0))), corner)
    return l, u


def _lu_jvp(t, ans, a):
    p, l, u = ans
    k = shape_of(l)[-1]
    lt, ut = _completions(l, u)
    y = solve_triangular(lt, matmul(_mT(p), t), lower=True)
    x = _mT(solve_triangular(_mT(ut), _mT(y), lower=True))  # L~^-1 P^T dA U~^-1
    dl = matmul(lt, getitem(tril(x, -1), (Ellipsis, slice(0, k))))
    du = matmul(getitem(triu(x), (Ellipsis, slice(0, k), slice(None))), ut)
    return None, dl, du


def _lu_vjp(g, ans, a):
    _, gl, gu = g
    p, l, u = ans
    sl, su = shape_of(l), shape_of(u)
    m, k, n = sl[-2], sl[-1], su[-1]
    lead = ((0, 0),) * (len(sl) - 2)
    lt, ut = _completions(l, u)
    low = matmul(_mT(lt), gl)   # (m, k)
    up = matmul(gu, _mT(ut))    # (k, n)
    if n > k:
        low = pad(low, lead + ((0, 0), (0, n - k)))
    if m > k:
        up = pad(up, lead + ((0, m - k), (0, 0)))
    mid = add(tril(low, -1), triu(up))
    z = solve_triangular(_mT(lt), mid, lower=False)
    w = _mT(solve_triangular(ut, _mT(z), lower=False))  # L~^-T M U~^-T
    return matmul(p, w)


lu.def_vjp(_lu_vjp)
lu.def_jvp(_lu_jvp)
_batch_matrix_unary(lu)

