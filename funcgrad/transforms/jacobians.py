"""Jacobians and Hessians: ``jacrev``, ``jacfwd`` (``jacobian`` is ``jacrev``), ``hessian``, ``hvp``.

Shapes follow JAX: the Jacobian of an output leaf of shape ``O`` with respect to an input leaf of shape ``I`` has
shape ``O + I``; pytrees nest output structure outside input structure. Rows (``jacrev``: one forward pass, then
one VJP per output element) or columns (``jacfwd``: one JVP per input element) are computed in a Python loop; a
single batched pass needs ``vmap``, which comes with the vmap issue.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import tree
from ..backend import namespace, shape_of
from ..core import getval
from .forward import jvp
from .reverse import _fname, _norm_argnums, grad, vjp

__all__ = ["jacrev", "jacfwd", "jacobian", "hessian", "hvp"]


def _size(x: Any) -> int:
    return int(np.prod(shape_of(x), dtype=np.int64))


def _basis(like: list, k: int) -> list:
    """The k-th standard basis vector of the flattened concatenation of ``like``, as plain arrays like it."""
    out = []
    for x in like:
        v = getval(x)
        xp = namespace(v)
        n = _size(v)
        e = xp.zeros(n, dtype=v.dtype)
        if 0 <= k < n:
            e[k] = 1
        k -= n
        out.append(xp.reshape(e, shape_of(v)))
    return out


def _block(parts: list, like: Any, shape: tuple, axis: int) -> Any:
    """Stack ``parts`` along ``axis`` and reshape to ``shape`` (zeros of ``shape`` when there are none)."""
    import funcgrad.numpy as fnp  # the numpy layer sits below transforms

    if not parts:
        v = getval(like)
        return namespace(v).zeros(shape, dtype=v.dtype)
    return fnp.reshape(fnp.stack(parts, axis=axis), shape)


def _wrap_args(f: Callable, args: tuple, nums: tuple) -> tuple[Callable, tuple]:
    def g(*diff):
        full = list(args)
        for i, d in zip(nums, diff):
            full[i] = d
        return f(*full)
    return g, tuple(args[i] for i in nums)


def _assemble(blocks: list, out_def, in_def, nargs: int, single: bool):
    """blocks[o][j]: the Jacobian block of output leaf o and input leaf j -> output structure outside, arguments
    (and their structure) inside, as JAX lays it out."""
    per_out = [tree.unflatten(in_def, row) for row in blocks]  # each: a tuple with one pytree per argument
    per_arg = [tree.unflatten(out_def, [p[a] for p in per_out]) for a in range(nargs)]
    return per_arg[0] if single else tuple(per_arg)


def _check_holomorphic(name: str, leaves: list, what: str, holomorphic: bool) -> None:
    for x in leaves:
        kind = getval(x).dtype.kind if hasattr(getval(x), "dtype") else "f"
        if holomorphic and kind != "c":
            raise TypeError(f"{name} with holomorphic=True needs complex {what}, got {getval(x).dtype}")
        if not holomorphic and kind == "c" and what == "outputs":
            raise TypeError(f"{name}: complex outputs need holomorphic=True (a holomorphic function); for a "
                            f"non-holomorphic one, differentiate its real and imaginary parts separately")


def jacrev(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
    """Jacobian of ``f`` by reverse mode: one forward pass, then one VJP per output element (efficient for
    few outputs). The block for output leaf ``o`` and input leaf ``x`` has shape ``o.shape + x.shape``.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    def jac_f(*args):
        nums, single = _norm_argnums(argnums, len(args), "jacrev")
        g, diff = _wrap_args(f, args, nums)
        res = vjp(g, *diff, has_aux=has_aux)
        out_leaves, out_def = tree.flatten(res[0])
        in_leaves, in_def = tree.flatten(diff)
        _check_holomorphic("jacrev", out_leaves, "outputs", holomorphic)
        if holomorphic:
            _check_holomorphic("jacrev", in_leaves, "inputs", holomorphic)
        total = sum(_size(o) for o in out_leaves)
        rows = [tree.leaves(res[1](tree.unflatten(out_def, _basis(out_leaves, k)))) for k in range(total)]
        blocks, start = [], 0
        for o in out_leaves:
            n = _size(o)
            blocks.append([_block([r[j] for r in rows[start:start + n]], x, shape_of(o) + shape_of(x), 0)
                           for j, x in enumerate(in_leaves)])
            start += n
        jac = _assemble(blocks, out_def, in_def, len(nums), single)
        return (jac, res[2]) if has_aux else jac

    jac_f.__name__ = f"jacrev_{_fname(f)}"
    return jac_f


def jacfwd(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
    """Jacobian of ``f`` by forward mode: one JVP per input element (efficient for few inputs, many outputs).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.jacfwd(lambda x: fnp.sin(x))(np.array([0.0]))
    array([[1.]])
    """
    def jac_f(*args):
        nums, single = _norm_argnums(argnums, len(args), "jacfwd")
        g, diff = _wrap_args(f, args, nums)
        in_leaves, in_def = tree.flatten(diff)
        if holomorphic:
            _check_holomorphic("jacfwd", in_leaves, "inputs", holomorphic)
        total = sum(_size(x) for x in in_leaves)
        cols, res = [], None
        for k in range(max(total, 1)):  # with no input elements, one pass still gives the output structure
            res = jvp(g, diff, tree.unflatten(in_def, _basis(in_leaves, k)), has_aux=has_aux)
            if k < total:
                cols.append(tree.leaves(res[1]))
        out_leaves, out_def = tree.flatten(res[0])
        _check_holomorphic("jacfwd", out_leaves, "outputs", holomorphic)
        blocks = []
        for oi, o in enumerate(out_leaves):
            row, start = [], 0
            for x in in_leaves:
                n = _size(x)
                row.append(_block([c[oi] for c in cols[start:start + n]], o, shape_of(o) + shape_of(x), -1))
                start += n
            blocks.append(row)
        jac = _assemble(blocks, out_def, in_def, len(nums), single)
        return (jac, res[2]) if has_aux else jac

    jac_f.__name__ = f"jacfwd_{_fname(f)}"
    return jac_f


jacobian = jacrev


def hessian(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Hessian of a scalar ``f``: forward-over-reverse, ``jacfwd(jacrev(f))``; shape ``x.shape + x.shape``.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.hessian(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    if has_aux:
        return jacfwd(jacrev(f, argnums, has_aux=True), argnums, has_aux=True)
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f: Callable, x: Any, v: Any) -> Any:
    """Hessian-vector product of a scalar ``f`` at ``x`` along ``v`` (shaped like ``x``), by forward-over-reverse;
    the Hessian itself is never built.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.hvp(lambda x: fnp.sum(x ** 3), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    array([6., 0.])
    """
    return jvp(grad(f), (x,), (v,))[1]
