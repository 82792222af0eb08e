"""``numpy.linalg`` names over funcgrad primitives (``inv``, ``solve``, ``det``, ``norm`` ...), and the rest of
``numpy.linalg`` but ``eig``/``eigvals`` composed from them (``cond``, ``lstsq``, ``multi_dot``, ``vector_norm``
...): no rules of their own, so they differentiate, to any order, wherever their parts do.
"""
from __future__ import annotations

import math
import operator
import sys as _sys
from typing import Any, Sequence

import numpy as _onp  # NumPy's own error types (LinAlgError, AxisError), inf and finfo, as numpy.linalg raises/uses

from ..core.primitive import accepts_wrappers as _accepts_wrappers
from ..primitives import FAMILIES as _FAMILIES

_PRIMITIVE_NAMES = [name for fam in _FAMILIES for name in getattr(fam, "LINALG", ())]
globals().update({name: getattr(fam, name) for fam in _FAMILIES for name in getattr(fam, "LINALG", ())})
_COMPOSED = ["cond", "cross", "diagonal", "lstsq", "matmul", "matrix_norm", "matrix_rank", "multi_dot", "outer",
             "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot", "vector_norm"]
__all__: list = _PRIMITIVE_NAMES + _COMPOSED

# funcgrad.numpy imports this module while it initializes: its functions are looked up at call time, when all of
# them exist (whichever primitives module defines them), and under their own names, several of which this module
# reuses for numpy.linalg's array-API forms (trace, diagonal, cross, outer ...).
_fnp = _sys.modules[__package__]
ArrayLike = Any  # arrays, traced values, nested lists and scalars
_LinAlgError = _onp.linalg.LinAlgError


def _shape(x: ArrayLike) -> tuple:
    return tuple(_fnp.shape(x))


def _at_least_2d(name: str, x: ArrayLike) -> tuple:
    s = _shape(x)
    if len(s) < 2:
        raise ValueError(f"funcgrad.numpy.linalg.{name}: needs an array with at least 2 dimensions (a stack of "
                         f"matrices in the last two axes), got shape {s}")
    return s


def _axis(name: str, axis: int, nd: int, what: str = "x") -> int:
    if not -nd <= axis < nd:
        raise _onp.exceptions.AxisError(f"funcgrad.numpy.linalg.{name}: axis {axis} is out of bounds for {what} "
                                        f"with {nd} dimension{'s' if nd != 1 else ''}")
    return axis % nd


# --- array-API forms of funcgrad.numpy functions --------------------------------------------------------------------
def matmul(x1: ArrayLike, x2: ArrayLike, /) -> Any:
    """Matrix product of stacks of matrices (1-d operands promoted and their axis dropped), as
    ``numpy.linalg.matmul``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.matmul(fnp.array([[1.0, 2.0], [3.0, 4.0]]), fnp.array([1.0, 1.0]))
    array([3., 7.])
    """
    return _fnp.matmul(x1, x2)


def outer(x1: ArrayLike, x2: ArrayLike, /) -> Any:
    """Outer product of two 1-d arrays, as ``numpy.linalg.outer`` (which, unlike ``numpy.outer``, flattens nothing).

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.outer(fnp.array([1.0, 2.0]), fnp.array([1.0, 0.0, -1.0]))
    array([[ 1.,  0., -1.],
           [ 2.,  0., -2.]])
    """
    s1, s2 = _shape(x1), _shape(x2)
    if len(s1) != 1 or len(s2) != 1:
        raise ValueError(f"funcgrad.numpy.linalg.outer: both inputs must be 1-D, got shapes {s1} and {s2}")
    return _fnp.outer(x1, x2)


def cross(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Any:
    """Cross product of (broadcast stacks of) 3-vectors along ``axis`` of each input, as ``numpy.linalg.cross``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.cross(fnp.array([1.0, 0.0, 0.0]), fnp.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    s1, s2 = _shape(x1), _shape(x2)
    n1 = s1[_axis("cross", axis, len(s1), f"x1 of shape {s1}")]
    n2 = s2[_axis("cross", axis, len(s2), f"x2 of shape {s2}")]
    if n1 != 3 or n2 != 3:
        raise ValueError(f"funcgrad.numpy.linalg.cross: both inputs must be (stacks of) 3-vectors along axis {axis}, "
                         f"got shapes {s1} and {s2} ({n1} and {n2} components)")
    return _fnp.cross(x1, x2, axis=axis)


def diagonal(x: ArrayLike, /, *, offset: int = 0) -> Any:
    """Diagonals of the matrices in the last two axes (``offset`` above the main one), as ``numpy.linalg.diagonal``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.diagonal(fnp.array([[1.0, 2.0], [3.0, 4.0]]), offset=1)
    array([2.])
    """
    _at_least_2d("diagonal", x)
    return _fnp.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x: ArrayLike, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """Sums of the diagonals of the matrices in the last two axes, as ``numpy.linalg.trace``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.trace(fnp.array([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 0.0], [0.0, 5.0]]]))
    array([ 5., 10.])
    """
    _at_least_2d("trace", x)
    return _fnp.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


def tensordot(x1: ArrayLike, x2: ArrayLike, /, *, axes: int | tuple = 2) -> Any:
    """Sum of products over the last ``axes`` axes of ``x1`` and the first of ``x2`` (or the listed pairs), as
    ``numpy.linalg.tensordot``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.tensordot(fnp.ones((2, 3)), fnp.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    return _fnp.tensordot(x1, x2, axes=axes)


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Any:
    """Dot products of the vectors along ``axis`` of each input (``x1`` conjugated), the other axes broadcast, as
    ``numpy.linalg.vecdot``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.vecdot(fnp.array([[1.0, 2.0], [3.0, 4.0]]), fnp.array([1.0, -1.0]))
    array([-1., -1.])
    """
    s1, s2 = _shape(x1), _shape(x2)
    a1 = _axis("vecdot", axis, len(s1), f"x1 of shape {s1}")
    a2 = _axis("vecdot", axis, len(s2), f"x2 of shape {s2}")
    if s1[a1] != s2[a2]:  # the vectors' own axis is matched, never broadcast (NumPy's gufunc core dimension)
        raise ValueError(f"funcgrad.numpy.linalg.vecdot: the vectors along axis {axis} differ in length: shapes {s1} "
                         f"and {s2} ({s1[a1]} and {s2[a2]} components)")
    # axis names an axis of each input (not of their broadcast): move both to the end first
    return _fnp.vecdot(_fnp.moveaxis(x1, a1, -1), _fnp.moveaxis(x2, a2, -1), axis=-1)


# --- norms ----------------------------------------------------------------------------------------------------------
def vector_norm(x: ArrayLike, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
                ord: float = 2) -> Any:
    """Vector norm over ``axis`` (None: all the entries; a tuple: the entries of those axes together), as
    ``numpy.linalg.vector_norm``: ``ord`` is any p (``inf``, ``-inf`` and 0 too). At the zero vector the gradient of
    a p-norm with p > 0 is 0 (PyTorch's choice; the norm has no derivative there).

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.linalg.vector_norm(fnp.array([[3.0, 0.0], [0.0, 4.0]])))
    5.0
    >>> fnp.linalg.vector_norm(fnp.array([[3.0, -4.0], [1.0, 1.0]]), axis=1, ord=1, keepdims=True)
    array([[7.],
           [2.]])
    """
    if isinstance(ord, str):
        raise ValueError(f"funcgrad.numpy.linalg.vector_norm: invalid norm order {ord!r} for vectors (a number, "
                         f"inf or -inf)")
    shape = _shape(x)
    nd = len(shape)
    if axis is None:
        axes = tuple(range(nd))
    elif isinstance(axis, tuple):
        axes = tuple(_axis("vector_norm", operator.index(a), nd, f"x of shape {shape}") for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"funcgrad.numpy.linalg.vector_norm: repeated axis in axis={axis!r}")
    else:
        axes = (_axis("vector_norm", operator.index(axis), nd, f"x of shape {shape}"),)
    size = math.prod(shape[i] for i in axes)
    if ord == _onp.inf and size == 0:  # the maximum of no entries is 0 in NumPy (initial=0)
        return _fnp.sum(_fnp.abs(x), axis=axes, keepdims=keepdims)
    if len(axes) == 1:  # one axis: norm's own vector norm
        return _fnp.linalg.norm(x, ord=ord, axis=axes[0], keepdims=keepdims)
    rest = tuple(i for i in range(nd) if i not in axes)
    # the named axes, moved to the front and merged into one, are the vector's entries
    flat = _fnp.reshape(_fnp.transpose(x, axes + rest), (size,) + tuple(shape[i] for i in rest))
    res = _fnp.linalg.norm(flat, ord=ord, axis=0)
    return _fnp.reshape(res, tuple(1 if i in axes else n for i, n in enumerate(shape))) if keepdims else res


def matrix_norm(x: ArrayLike, /, *, keepdims: bool = False, ord: float | str | None = "fro") -> Any:
    """Norm of each matrix in the last two axes, as ``numpy.linalg.matrix_norm``: ``ord`` is 'fro', 'nuc', 1, -1,
    2, -2, ``inf`` or ``-inf``. 2, -2 and 'nuc' come from the singular values (their gradient needs the extreme
    ones, or all of them for 'nuc', to be nonzero and distinct).

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.linalg.matrix_norm(fnp.array([[3.0, 0.0], [0.0, -4.0]]), ord=2))
    4.0
    >>> fnp.linalg.matrix_norm(fnp.ones((2, 2, 3)), ord=1)
    array([2., 2.])
    """
    shape = _at_least_2d("matrix_norm", x)
    if isinstance(ord, str) and ord not in ("fro", "f", "nuc"):
        raise ValueError(f"funcgrad.numpy.linalg.matrix_norm: invalid norm order {ord!r} for matrices ('fro', "
                         f"'nuc', 1, -1, 2, -2, inf or -inf)")
    m, n = shape[-2:]
    # an empty matrix: NumPy's maxima over no entries are 0 (initial=0); minima over them raise below
    empty_max = (ord == 2 and m * n == 0) or (ord == 1 and n == 0) or (ord == _onp.inf and m == 0)
    if empty_max:
        res = _fnp.sum(_fnp.abs(x), axis=(-2, -1))
    elif ord in (2, -2, "nuc"):
        s = _fnp.linalg.svdvals(x)
        res = _fnp.sum(s, axis=-1) if ord == "nuc" else (_fnp.max if ord == 2 else _fnp.min)(s, axis=-1)
    else:
        return _fnp.linalg.norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)
    return _fnp.reshape(res, shape[:-2] + (1, 1)) if keepdims else res


def cond(x: ArrayLike, p: float | str | None = None) -> Any:
    """Condition number of each matrix in the last two axes, as ``numpy.linalg.cond``: for ``p`` None, 2 or -2 the
    ratio of extreme singular values (any shape of matrix), otherwise ``norm(x, p) * norm(inv(x), p)`` (square
    matrices; ``inf`` for a singular one, with no gradient). Differentiable where the singular values used are
    distinct and nonzero.

    >>> import funcgrad.numpy as fnp
    >>> float(fnp.linalg.cond(fnp.array([[2.0, 0.0], [0.0, 0.5]])))
    4.0
    >>> float(fnp.linalg.cond(fnp.array([[1.0, 1.0], [1.0, 1.0]]), p=1))
    inf
    """
    shape = _shape(x)
    if len(shape) < 2:
        raise _LinAlgError(f"funcgrad.numpy.linalg.cond: needs an array with at least 2 dimensions (a stack of "
                           f"matrices in the last two axes), got shape {shape}")
    if math.prod(shape[-2:]) == 0:
        raise _LinAlgError(f"funcgrad.numpy.linalg.cond: not defined on empty matrices, got shape {shape}")
    if p is None or p == 2 or p == -2:
        s = _fnp.linalg.svdvals(x)
        big, small = s[..., 0], s[..., -1]
        num, den = (small, big) if p == -2 else (big, small)
        # NumPy's x / 0 is inf and its 0 / 0 nan, turned into inf: a zero denominator means inf, and dividing by
        # a safe one instead keeps the gradient finite (zero) there and NumPy's warnings quiet
        zero = _fnp.equal(den, 0.0)
        return _fnp.where(zero, _onp.inf, _fnp.divide(num, _fnp.where(zero, 1.0, den)))
    if shape[-1] != shape[-2]:
        raise _LinAlgError(f"funcgrad.numpy.linalg.cond: p={p!r} needs square matrices in the last two axes, got "
                           f"shape {shape}")
    # A singular matrix in the stack has no inverse: it gets inf (as NumPy's), and the identity in its place keeps
    # inv from raising for the others. Exactly singular is what inv would refuse: a zero determinant sign. (No
    # Python test of the mask, so that vmap can batch it.)
    singular = _fnp.equal(_fnp.linalg.slogdet(x)[0], 0.0)
    x = _fnp.where(_fnp.reshape(singular, shape[:-2] + (1, 1)), _fnp.eye(shape[-1]), x)
    r = _fnp.multiply(matrix_norm(x, ord=p), matrix_norm(_fnp.linalg.inv(x), ord=p))
    return _fnp.where(singular, _onp.inf, r)


# --- rank and least squares -----------------------------------------------------------------------------------------
def matrix_rank(A: ArrayLike, tol: ArrayLike | None = None, hermitian: bool = False, *,
                rtol: ArrayLike | None = None) -> Any:
    """Rank of each matrix in the last two axes: the number of singular values above ``tol`` (default: ``rtol``
    times the largest, ``rtol`` defaulting to ``max(M, N)`` times the machine epsilon), as
    ``numpy.linalg.matrix_rank``. An integer, with no gradient.

    >>> import funcgrad.numpy as fnp
    >>> int(fnp.linalg.matrix_rank(fnp.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    if tol is not None and rtol is not None:
        raise ValueError("funcgrad.numpy.linalg.matrix_rank: give tol or rtol, not both")
    shape = _shape(A)
    if len(shape) < 2:  # a vector (or scalar) has rank 1 unless all zero, as in NumPy
        return int(bool(_fnp.any(_fnp.not_equal(A, 0))))
    S = _fnp.abs(_fnp.linalg.eigvalsh(A)) if hermitian else _fnp.linalg.svdvals(A)
    if tol is None:
        if rtol is None:
            rtol = max(shape[-2:]) * _onp.finfo(_fnp.result_type(S)).eps
        else:
            rtol = _fnp.expand_dims(_fnp.asarray(rtol), -1)
        tol = _fnp.multiply(_fnp.max(S, axis=-1, keepdims=True), rtol)
    else:
        tol = _fnp.expand_dims(_fnp.asarray(tol), -1)
    return _fnp.count_nonzero(_fnp.greater(S, tol), axis=-1)


def lstsq(a: ArrayLike, b: ArrayLike, rcond: float | None = None) -> tuple:
    """Least-squares solution of ``a @ x = b`` for a matrix ``a`` (M, N) and ``b`` (M,) or (M, K), as
    ``numpy.linalg.lstsq``: returns ``(x, residuals, rank, s)``: the minimum-norm ``x``, the squared residual norms
    of the columns (empty unless ``rank == N < M``), the rank and the singular values of ``a``. Singular values up
    to ``rcond`` times the largest count as zero (default: machine epsilon times ``max(M, N)``). ``x``, the
    residuals and ``s`` are differentiable (``x`` through the pseudo-inverse, where the rank is constant).

    >>> import funcgrad.numpy as fnp
    >>> x, res, rank, s = fnp.linalg.lstsq(fnp.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), fnp.array([1.0, 2.0, 3.0]))
    >>> x.round(12), res.round(12), rank
    (array([1., 1.]), array([0.]), 2)
    """
    sa, sb = _shape(a), _shape(b)
    if len(sa) != 2 or len(sb) not in (1, 2):
        raise _LinAlgError(f"funcgrad.numpy.linalg.lstsq: needs a 2-D a and a 1-D or 2-D b, got shapes {sa} and {sb}")
    m, n = sa
    if sb[0] != m:
        raise _LinAlgError(f"funcgrad.numpy.linalg.lstsq: a of shape {sa} and b of shape {sb} differ in their "
                           f"number of rows ({m} and {sb[0]})")
    a, b = _fnp.asarray(a), _fnp.asarray(b)
    dt = _fnp.result_type(a, b, 1.0)  # integer inputs solve in float64, as NumPy's
    a, b = _fnp.asarray(a, dtype=dt), _fnp.asarray(b, dtype=dt)
    eps = _onp.finfo(dt).eps
    rcond = eps * max(m, n) if rcond is None else (eps if rcond < 0 else rcond)  # LAPACK: negative means eps
    s = _fnp.linalg.svdvals(a)
    rank = int(_fnp.count_nonzero(_fnp.greater(s, _fnp.max(s) * rcond))) if min(m, n) else 0
    x = _fnp.matmul(_fnp.linalg.pinv(a, rtol=rcond), b)
    if rank == n and m > n:
        r = _fnp.subtract(b, _fnp.matmul(a, x))
        residuals = _fnp.sum(_fnp.real(_fnp.multiply(_fnp.conj(r), r)), axis=0)
        residuals = _fnp.reshape(residuals, (-1,))  # 1-d b: shape (1,), as NumPy's
    else:
        residuals = _fnp.zeros((0,), dtype=_fnp.result_type(_fnp.real(s)))
    return x, residuals, rank, s


# --- chained and tensor products ------------------------------------------------------------------------------------
def _chain_order(dims: list) -> dict:
    """The split points of the cheapest parenthesization of a chain of matrices with ``dims[i] x dims[i + 1]``
    shapes (the textbook dynamic program, first cheapest split on ties, as NumPy's)."""
    n = len(dims) - 1
    cost = {(i, i): 0 for i in range(n)}
    split: dict = {}
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i, j] = math.inf
            for k in range(i, j):
                c = cost[i, k] + cost[k + 1, j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i, j]:
                    cost[i, j], split[i, j] = c, k
    return split


def multi_dot(arrays: Sequence[ArrayLike], *, out: None = None) -> Any:
    """The product of two or more arrays, multiplied in the cheapest order, as ``numpy.linalg.multi_dot``: the
    first may be 1-d (a row vector) and the last 1-d (a column vector); the others must be 2-d.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.multi_dot([fnp.ones(3), fnp.ones((3, 2)), fnp.array([[1.0, 0.0], [0.0, 2.0]])])
    array([3., 6.])
    """
    if out is not None:
        raise TypeError("funcgrad.numpy.linalg.multi_dot: out= is not supported: funcgrad arrays are immutable; use "
                        "the returned value instead")
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError(f"funcgrad.numpy.linalg.multi_dot: needs at least two arrays, got {len(arrays)}")
    if len(arrays) == 2:
        return _fnp.dot(arrays[0], arrays[1])
    shapes = [_shape(t) for t in arrays]
    first_1d, last_1d = len(shapes[0]) == 1, len(shapes[-1]) == 1
    if first_1d:
        arrays[0], shapes[0] = _fnp.reshape(arrays[0], (1, -1)), (1,) + shapes[0]
    if last_1d:
        arrays[-1], shapes[-1] = _fnp.reshape(arrays[-1], (-1, 1)), shapes[-1] + (1,)
    for i, s in enumerate(shapes):
        if len(s) != 2:
            raise _LinAlgError(f"funcgrad.numpy.linalg.multi_dot: array {i} has shape {_shape(arrays[i])}; all "
                               f"must be 2-D but the first and last, which may be 1-D")
    for i in range(len(shapes) - 1):
        if shapes[i][1] != shapes[i + 1][0]:
            raise ValueError(f"funcgrad.numpy.linalg.multi_dot: arrays {i} and {i + 1} do not chain: shapes "
                             f"{shapes[i]} and {shapes[i + 1]} ({shapes[i][1]} != {shapes[i + 1][0]})")
    if len(arrays) == 3:  # NumPy's direct comparison of the two orders
        (a0, a1), (_, c0), (_, c1) = shapes
        cost_left, cost_right = a0 * c0 * (a1 + c1), a1 * c1 * (a0 + c0)
        A, B, C = arrays
        result = _fnp.dot(_fnp.dot(A, B), C) if cost_left < cost_right else _fnp.dot(A, _fnp.dot(B, C))
    else:
        split = _chain_order([s[0] for s in shapes] + [shapes[-1][1]])

        def product(i: int, j: int) -> Any:
            if i == j:
                return arrays[i]
            k = split[i, j]
            return _fnp.dot(product(i, k), product(k + 1, j))

        result = product(0, len(arrays) - 1)
    if first_1d and last_1d:
        return result[0, 0]
    return _fnp.reshape(result, (-1,)) if first_1d or last_1d else result


def tensorinv(a: ArrayLike, ind: int = 2) -> Any:
    """The inverse of ``a`` under ``tensordot(..., ind)``: ``a`` read as a square matrix with ``prod(a.shape[ind:])``
    rows, inverted, and given the shape ``a.shape[ind:] + a.shape[:ind]``, as ``numpy.linalg.tensorinv``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.linalg.tensorinv(2.0 * fnp.reshape(fnp.eye(6), (6, 2, 3)), ind=1).shape
    (2, 3, 6)
    """
    shape = _shape(a)
    if ind <= 0:
        raise ValueError(f"funcgrad.numpy.linalg.tensorinv: ind must be a positive integer, got {ind!r}")
    rows, cols = math.prod(shape[ind:]), math.prod(shape[:ind])
    if rows != cols:
        raise _LinAlgError(f"funcgrad.numpy.linalg.tensorinv: a of shape {shape} with ind={ind} is not square as a "
                           f"matrix: prod(a.shape[ind:]) = {rows} but prod(a.shape[:ind]) = {cols}")
    return _fnp.reshape(_fnp.linalg.inv(_fnp.reshape(a, (rows, cols))), shape[ind:] + shape[:ind])


def tensorsolve(a: ArrayLike, b: ArrayLike, axes: Sequence[int] | None = None) -> Any:
    """The ``x`` with ``tensordot(a, x, axes=x.ndim) == b``, where ``x`` takes the shape of the trailing axes of
    ``a`` after the listed ``axes`` are moved to the end, as ``numpy.linalg.tensorsolve``.

    >>> import funcgrad.numpy as fnp
    >>> a = 2.0 * fnp.reshape(fnp.eye(6), (2, 3, 6))
    >>> fnp.linalg.tensorsolve(a, fnp.ones((2, 3))).shape
    (6,)
    """
    shape, bshape = _shape(a), _shape(b)
    an = len(shape)
    if axes is not None:
        order = list(range(an))
        for k in axes:  # each listed axis moves to the end, in turn (NumPy's order)
            if k not in order:
                raise ValueError(f"funcgrad.numpy.linalg.tensorsolve: axes={tuple(axes)!r} is not a list of distinct "
                                 f"axes of a, which has shape {shape}")
            order.remove(k)
            order.append(k)
        a = _fnp.transpose(a, tuple(order))
        shape = tuple(shape[i] for i in order)
    xshape = shape[-(an - len(bshape)):]
    n = math.prod(xshape)
    if math.prod(shape) != n * n or math.prod(bshape) != n:
        raise _LinAlgError(f"funcgrad.numpy.linalg.tensorsolve: a of shape {shape} and b of shape {bshape} do not "
                           f"make a square system: prod(a.shape[b.ndim:]) = {n} must equal prod(a.shape[:b.ndim]) "
                           f"= {math.prod(shape) // max(n, 1)} and b.size = {math.prod(bshape)}")
    return _fnp.reshape(_fnp.linalg.solve(_fnp.reshape(a, (n, n)), _fnp.reshape(b, (n,))), xshape)


# Composites take wrapped arrays (Tensors) too, computing on the unwrapped values, like the primitives' composites
# (funcgrad.numpy wraps those, by module, after importing this one).
globals().update({_name: _accepts_wrappers(globals()[_name]) for _name in _COMPOSED})
