"""Jacobians and Hessians: ``jacrev``, ``jacfwd`` (``jacobian`` is ``jacrev``), ``hessian``, ``hvp``.

Shapes follow JAX: the Jacobian of an output leaf of shape ``O`` with respect to an input leaf of shape ``I`` has
shape ``O + I``; pytrees nest output structure outside input structure. All rows (``jacrev``: the VJPs of every
output basis vector) or columns (``jacfwd``: the JVPs of every input basis vector) come from one vmapped pass;
``chunk_size`` splits it into passes of that many basis vectors to bound memory.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import tree
from ..backend import dtype_of, namespace, shape_of
from ..core import getval
from .forward import jvp
from .batching import vmap
from .reverse import _argnum_alias, _fname, _norm_argnums, grad, vjp
from .. import numpy as fnp

__all__ = ["jacrev", "jacfwd", "jacobian", "hessian", "hvp", "elementwise_grad"]


def _size(x: Any) -> int:
    return int(np.prod(shape_of(x), dtype=np.int64))


def _wrap_args(f: Callable, args: tuple, nums: tuple, kwargs: dict | None = None) -> tuple[Callable, tuple]:
    """``f`` as a function of the arguments in ``nums`` only; the others and ``kwargs`` (never differentiated,
    as in JAX) are held fixed."""
    kwargs = kwargs or {}

    def g(*diff):
        full = list(args)
        for i, d in zip(nums, diff):
            full[i] = d
        return f(*full, **kwargs)
    return g, tuple(args[i] for i in nums)


def _assemble(blocks: list, out_def, in_def, nargs: int, single: bool):
    """blocks[o][j]: the Jacobian block of output leaf o and input leaf j -> output structure outside, arguments
    (and their structure) inside, as JAX lays it out."""
    per_out = [tree.unflatten(in_def, row) for row in blocks]  # each: a tuple with one pytree per argument
    return tree.unflatten(out_def, [p[0] for p in per_out] if single else [tuple(p) for p in per_out])


def _check_holomorphic(name: str, leaves: list, what: str, holomorphic: bool) -> None:
    for x in leaves:
        kind = getval(x).dtype.kind if hasattr(getval(x), "dtype") else "f"
        if holomorphic and kind != "c":
            raise TypeError(f"{name} with holomorphic=True needs complex {what}, got {getval(x).dtype}")
        if not holomorphic and kind == "c" and what == "outputs":
            raise TypeError(f"{name}: complex outputs need holomorphic=True (a holomorphic function); for a "
                            f"non-holomorphic one, differentiate its real and imaginary parts separately")


def _basis_chunk(like: list, k0: int, c: int) -> list:
    """Rows k0 .. k0+c of the identity over the flattened leaves of ``like``, one (c,) + leaf.shape block each."""
    out, start = [], 0
    for x in like:
        v = getval(x)
        xp = namespace(v)
        n = _size(x)
        block = xp.zeros((c, n), dtype=dtype_of(v))
        for i in range(c):
            j = k0 + i - start
            if 0 <= j < n:
                block[i, j] = 1
        out.append(xp.reshape(block, (c,) + shape_of(x)))
        start += n
    return out


def _rows(fn: Callable, like: list, like_def, total: int, chunk_size: int | None) -> list:
    """``fn`` applied, batched with vmap, to every basis vector of the space of ``like``, ``chunk_size`` at a
    time; returns the leaves of the stacked results, each with the basis index as its leading axis."""
    step = total if not chunk_size else max(1, int(chunk_size))
    parts = []
    for k0 in range(0, total, step):
        c = min(step, total - k0)
        parts.append(tree.leaves(vmap(fn)(tree.unflatten(like_def, _basis_chunk(like, k0, c)))))
    if len(parts) == 1:
        return parts[0]
    return [fnp.concatenate([p[j] for p in parts], axis=0) for j in range(len(parts[0]))]


def jacrev(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False, holomorphic: bool = False,
           chunk_size: int | None = None, *, argnum: int | Sequence[int] | None = None) -> Callable:
    """Jacobian of ``f`` by reverse mode: one forward pass, then the VJPs of all output basis vectors in one
    batched (vmapped) backward pass, or ``chunk_size`` at a time to bound memory. Efficient for few outputs. The
    block for output leaf ``o`` and input leaf ``x`` has shape ``o.shape + x.shape``.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    argnums = _argnum_alias(argnums, argnum, "jacrev")

    def jac_f(*args, **kwargs):
        nums, single = _norm_argnums(argnums, len(args), "jacrev")
        g, diff = _wrap_args(f, args, nums, kwargs)
        res = vjp(g, *diff, has_aux=has_aux)
        out_leaves, out_def = tree.flatten(res[0])
        in_leaves, in_def = tree.flatten(diff)
        _check_holomorphic("jacrev", out_leaves, "outputs", holomorphic)
        if holomorphic:
            _check_holomorphic("jacrev", in_leaves, "inputs", holomorphic)
        total = sum(_size(o) for o in out_leaves)
        rows = _rows(res[1], out_leaves, out_def, total, chunk_size) if total else None
        blocks, start = [], 0
        for o in out_leaves:
            n = _size(o)
            row = []
            for j, x in enumerate(in_leaves):
                shape = shape_of(o) + shape_of(x)
                row.append(fnp.reshape(rows[j][start:start + n], shape) if n else _zeros(x, shape))
            blocks.append(row)
            start += n
        jac = _assemble(blocks, out_def, in_def, len(nums), single)
        return (jac, res[2]) if has_aux else jac

    jac_f.__name__ = f"jacrev_{_fname(f)}"
    return jac_f


def _zeros(like: Any, shape: tuple) -> Any:
    v = getval(like)
    return namespace(v).zeros(shape, dtype=dtype_of(v))  # Python scalars too: float64, as NumPy treats them


def jacfwd(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False, holomorphic: bool = False,
           chunk_size: int | None = None, *, argnum: int | Sequence[int] | None = None) -> Callable:
    """Jacobian of ``f`` by forward mode: the JVPs of all input basis vectors in one batched (vmapped) pass, or
    ``chunk_size`` at a time. Efficient for few inputs and many outputs.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.jacfwd(lambda x: fnp.sin(x))(np.array([0.0]))
    array([[1.]])
    """
    argnums = _argnum_alias(argnums, argnum, "jacfwd")

    def jac_f(*args, **kwargs):
        nums, single = _norm_argnums(argnums, len(args), "jacfwd")
        g, diff = _wrap_args(f, args, nums, kwargs)
        in_leaves, in_def = tree.flatten(diff)
        if holomorphic:
            _check_holomorphic("jacfwd", in_leaves, "inputs", holomorphic)
        # The outputs' structure from a traced call (zero tangents), not a plain one: code inside ``f`` sees
        # traced values, with their methods (``x.at[...]``), under every transform.
        res = jvp(g, diff, tree.map(lambda x: _zeros(x, shape_of(x)), diff), has_aux=has_aux)
        out, aux = res[0], (res[2] if has_aux else None)
        out_leaves, out_def = tree.flatten(out)
        _check_holomorphic("jacfwd", out_leaves, "outputs", holomorphic)
        total = sum(_size(x) for x in in_leaves)

        def column(t):
            res = jvp(g, diff, t, has_aux=has_aux)
            return res[1]

        cols = _rows(column, in_leaves, in_def, total, chunk_size) if total else None
        blocks = []
        for oi, o in enumerate(out_leaves):
            row, start = [], 0
            stacked = fnp.moveaxis(cols[oi], 0, -1) if total else None  # o.shape + (total,)
            for x in in_leaves:
                n = _size(x)
                shape = shape_of(o) + shape_of(x)
                row.append(fnp.reshape(stacked[..., start:start + n], shape) if n else _zeros(o, shape))
                start += n
            blocks.append(row)
        jac = _assemble(blocks, out_def, in_def, len(nums), single)
        return (jac, aux) if has_aux else jac

    jac_f.__name__ = f"jacfwd_{_fname(f)}"
    return jac_f


jacobian = jacrev


def hessian(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False, *,
            argnum: int | Sequence[int] | None = None) -> Callable:
    """Hessian of a scalar ``f``: forward-over-reverse, ``jacfwd(jacrev(f))``; shape ``x.shape + x.shape``.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.hessian(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    argnums = _argnum_alias(argnums, argnum, "hessian")
    if has_aux:
        return jacfwd(jacrev(f, argnums, has_aux=True), argnums, has_aux=True)
    return jacfwd(jacrev(f, argnums), argnums)


def elementwise_grad(f: Callable, argnums: int | Sequence[int] = 0, *,
                     argnum: int | Sequence[int] | None = None) -> Callable:
    """HIPS autograd's ``elementwise_grad``: the VJP of ``f`` with a cotangent of ones, i.e. the sums of the
    Jacobian's rows. For a function acting elementwise that is each output's derivative by its own input, in the
    input's shape, from one backward pass. Use it only for such functions (elsewhere it sums over outputs).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.elementwise_grad(fnp.tanh)(np.array([0.0, 1.0])).round(6)
    array([1.      , 0.419974])
    """
    argnums = _argnum_alias(argnums, argnum, "elementwise_grad")

    def eg_f(*args, **kwargs):
        call = (lambda *a: f(*a, **kwargs)) if kwargs else f
        nums, single = _norm_argnums(argnums, len(args), "elementwise_grad")
        g, diff = _wrap_args(call, args, nums)
        out, pull = vjp(g, *diff)
        cts = pull(tree.map(fnp.ones_like, out))
        return cts[0] if single else tuple(cts)

    eg_f.__name__ = f"elementwise_grad_{_fname(f)}"
    return eg_f


def hvp(f: Callable, x: Any, v: Any) -> Any:
    """Hessian-vector product of a scalar ``f`` at ``x`` along ``v`` (shaped like ``x``), by forward-over-reverse;
    the Hessian itself is never built.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.hvp(lambda x: fnp.sum(x ** 3), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    array([6., 0.])
    """
    return jvp(grad(f), (x,), (v,))[1]
