"""Forward mode: ``jvp`` and ``linearize`` over pytrees of arrays."""
from __future__ import annotations

from typing import Any, Callable

from .. import tree
from ..backend import dtype_of, namespace, shape_of
from ..core import Box, zeros_for
from ..core.errors import user_location
from ..core.forward import JVPTrace
from .reverse import _as_input, _fname, _split_aux, _unbox, _where, vjp

__all__ = ["jvp", "linearize"]


def _check_tangent(name: str, p: Any, t: Any, k: int) -> Any:
    if shape_of(t) != shape_of(p):
        raise ValueError(f"{name}: tangent {k} has shape {shape_of(t)} but its primal has shape {shape_of(p)} "
                         f"(at {user_location()}); each tangent must be shaped like its primal")
    if type(t) is not Box and getattr(t, "dtype", None) != dtype_of(p):
        t = namespace(p if type(p) is not Box else t).asarray(t, dtype=dtype_of(p))
    return t


def jvp(f: Callable, primals: tuple | list, tangents: tuple | list, has_aux: bool = False):
    """Evaluate ``f(*primals)`` and its directional derivative along ``tangents``: ``(out, tangent_out)``.

    ``primals`` and ``tangents`` are tuples (or lists) with one pytree per argument, tangents shaped like
    primals; with ``has_aux``, ``f`` returns ``(out, aux)`` and the result is ``(out, tangent_out, aux)``.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> out, t = fg.jvp(fnp.sin, (np.array([0.0, 1.0]),), (np.array([1.0, 2.0]),))
    >>> np.allclose(t, np.cos([0.0, 1.0]) * [1.0, 2.0])
    True
    """
    name = f"jvp({_fname(f)})"
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"{name}: primals and tangents must be tuples (one entry per argument of f), got "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    p_leaves, p_def = tree.flatten(tuple(primals))
    t_leaves, t_def = tree.flatten(tuple(tangents))
    if p_def != t_def:
        raise ValueError(f"{name}: the tangents' structure {t_def!r} does not match the primals' {p_def!r}")
    trace = JVPTrace(name, _where(f))
    try:
        boxes = []
        for k, (p, t) in enumerate(zip(p_leaves, t_leaves)):
            p = _as_input(p, name, f, 0, k, len(p_leaves), copy=False)
            boxes.append(trace.new_input(p, _check_tangent(name, p, t, k)))
        out = f(*tree.unflatten(p_def, boxes))
        if has_aux:
            out, aux = _split_aux(out, trace)
    finally:
        trace.close()
    o_leaves, o_def = tree.flatten(out)
    values = [_unbox(v, trace) for v in o_leaves]
    tans = [v.node if type(v) is Box and v._trace is trace else zeros_for(v) for v in o_leaves]
    res = (tree.unflatten(o_def, values), tree.unflatten(o_def, tans))
    return res + (aux,) if has_aux else res


def linearize(f: Callable, *primals: Any, has_aux: bool = False):
    """Evaluate ``f`` once and return ``(out, f_jvp)``, where ``f_jvp(*tangents)`` is the Jacobian-vector product
    at ``primals`` (with ``has_aux``: ``(out, f_jvp, aux)``).

    ``f`` runs once; each ``f_jvp`` call transposes the stored reverse pass (the VJP is linear in its cotangent,
    and the VJP of that map is the JVP), so no primal value is recomputed.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> out, f_jvp = fg.linearize(lambda x: x ** 3, np.array([1.0, 2.0]))
    >>> f_jvp(np.array([1.0, 1.0]))
    array([ 3., 12.])
    """
    res = vjp(f, *primals, has_aux=has_aux)
    out, f_vjp = res[0], res[1]
    zero_ct = tree.map(zeros_for, out)

    def f_jvp(*tangents: Any) -> Any:
        if len(tangents) != len(primals):
            raise TypeError(f"linearize({_fname(f)}): f_jvp takes {len(primals)} tangent(s), one per primal, "
                            f"got {len(tangents)}")
        name = f"linearize({_fname(f)})"
        p_leaves, p_def = tree.flatten(tuple(primals))
        t_leaves, t_def = tree.flatten(tuple(tangents))
        if p_def != t_def:  # each tangent a pytree shaped like its primal (dicts, tuples ... as jax.linearize)
            raise ValueError(f"{name}: the tangents' structure {t_def!r} does not match the primals' {p_def!r}")
        checked = [_check_tangent(name, p, t, k) for k, (p, t) in enumerate(zip(p_leaves, t_leaves))]
        _, transpose = vjp(f_vjp, zero_ct)
        (t_out,) = transpose(tree.unflatten(t_def, checked))
        return t_out

    f_jvp.__doc__ = f"Jacobian-vector product of {_fname(f)} at the linearization point."
    return (out, f_jvp, res[2]) if has_aux else (out, f_jvp)
