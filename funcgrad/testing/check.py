"""``check_grads``: derivative rules against central finite differences, by random projection."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import tree
from ..backend import device_of, namespace, to_host
from ..core import Box, Trace, toposort
from ..transforms import jvp, vjp

__all__ = ["check_grads", "primitives_used"]


def _to_host(x: Any) -> np.ndarray:
    return to_host(x)  # device arrays are copied explicitly: the checker compares on the host


def _vdot(a: list, b: list) -> float:
    """The real bilinear pairing Re(sum(a * b)) under which VJPs are transposes of JVPs (no conjugation, the
    convention of JAX and HIPS autograd for complex values; for real values the ordinary dot product)."""
    return float(sum(np.sum(_to_host(x) * _to_host(y)).real for x, y in zip(a, b)))


def _randn_like(rng: np.random.Generator, leaves: list) -> list:
    out = []
    for x in leaves:
        shape = np.shape(_to_host(x))
        host = rng.standard_normal(shape)
        if np.iscomplexobj(_to_host(x)):
            host = host + 1j * rng.standard_normal(shape)
        xp = namespace(x)
        out.append(xp.asarray(host, dtype=getattr(x, "dtype", np.float64)) if xp is not np else
                   np.asarray(host, dtype=getattr(x, "dtype", np.float64)))
    return out


def _shift(leaves: list, direction: list, eps: float) -> list:
    return [x + eps * d for x, d in zip(leaves, direction)]


def _shares(a: Any, b: Any) -> bool:
    xp = namespace(a)
    return xp is namespace(b) and bool(xp.shares_memory(a, b))


def _check_no_aliasing(grads: list, inputs: list, where: str) -> None:
    arrays = [g for g in grads if hasattr(g, "shape") and g.size > 0 and not isinstance(g, np.generic)]
    for i, g in enumerate(arrays):
        for h in arrays[i + 1:]:
            if _shares(g, h):
                raise AssertionError(f"{where}: two returned gradients share memory")
        for x in inputs:
            if hasattr(x, "shape") and not isinstance(x, np.generic) and _shares(g, x):
                raise AssertionError(f"{where}: a returned gradient shares memory with an input")


def _check_devices(grads: list, inputs: list, where: str) -> None:
    """A gradient lives where its input does (a GPU input gets a GPU gradient, never a host copy)."""
    for g, x in zip(grads, inputs):
        if g is not None and hasattr(x, "shape") and hasattr(g, "shape") and device_of(g) != device_of(x):
            raise AssertionError(f"{where}: a gradient lives on {device_of(g)} but its input on {device_of(x)}")


def _mismatch(f, what: str, a: float, b: float, atol: float, rtol: float) -> None:
    if not abs(a - b) <= atol + rtol * max(abs(a), abs(b)):
        raise AssertionError(f"{getattr(f, '__name__', 'f')}: order-1 {what}: {a!r} vs {b!r} "
                             f"(difference {abs(a - b):.3g})")


def check_grads(f: Callable, args: Sequence[Any], order: int = 2, *, modes: Sequence[str] = ("fwd", "rev"),
                eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-6, seed: int = 0) -> None:
    """Check the derivatives of ``f`` at ``args`` against central finite differences, up to ``order``.

    For random directions ``v`` (like the inputs) and ``u`` (like the output): in ``"rev"`` mode ``<vjp(u), v>``
    and in ``"fwd"`` mode ``<u, jvp(v)>`` must match ``<u, J v>`` from finite differences, and with both modes
    they must match each other. For order 2 the same is checked for ``x -> vjp(f, x)(u)`` (and, in forward
    mode, ``x -> jvp(f, x, v)``), and so on. Inputs should be float64 (finite differences need it). Also checks
    that ``f`` leaves its inputs unmodified and that no two returned gradients share memory. Raises
    AssertionError on a mismatch.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> check_grads(lambda x: fnp.sin(x) * x, (np.linspace(-1.0, 1.0, 5),), order=2)
    """
    args = tuple(args)
    modes = tuple(modes)
    rng = np.random.default_rng(seed)
    leaves, treedef = tree.flatten(args)
    before = [np.array(_to_host(x), copy=True) for x in leaves]

    def flat_f(*xs):
        return f(*tree.unflatten(treedef, xs))

    flat_f.__name__ = getattr(f, "__name__", "f")
    out = flat_f(*leaves)  # untraced first: vjp works on copies, so this is where an in-place write would show
    for x, b in zip(leaves, before):
        if not np.array_equal(_to_host(x), b, equal_nan=True):
            raise AssertionError(f"{getattr(f, '__name__', f)}: an input was modified in place")
    out_leaves, out_def = tree.flatten(out)
    v = _randn_like(rng, leaves)
    u = _randn_like(rng, out_leaves)
    plus = tree.leaves(flat_f(*_shift(leaves, v, eps)))
    minus = tree.leaves(flat_f(*_shift(leaves, v, -eps)))
    numeric = _vdot(u, [(_to_host(p) - _to_host(m)) / (2 * eps) for p, m in zip(plus, minus)])
    u_tree = tree.unflatten(out_def, u)
    reverse = forward = None
    if "rev" in modes:
        _, f_vjp = vjp(flat_f, *leaves)
        grads = list(f_vjp(u_tree))
        _check_no_aliasing(grads, leaves + u, getattr(f, "__name__", "f"))
        _check_devices(grads, leaves, getattr(f, "__name__", "f"))
        reverse = _vdot(grads, v)
        _mismatch(f, "derivative mismatch: VJP vs finite differences", reverse, numeric, atol, rtol)
    if "fwd" in modes:
        _, t_out = jvp(flat_f, leaves, v)
        forward = _vdot(u, tree.leaves(t_out))
        _mismatch(f, "derivative mismatch: JVP vs finite differences", forward, numeric, atol, rtol)
    if reverse is not None and forward is not None:
        # both are exact up to rounding: a much tighter tolerance than finite differences allow
        _mismatch(f, "JVP and VJP disagree", forward, reverse, atol * 1e-3, rtol * 1e-3)
    if order > 1:
        name = getattr(f, "__name__", "f")
        if "rev" in modes:
            def vjp_of_f(*xs):
                return vjp(flat_f, *xs)[1](u_tree)

            vjp_of_f.__name__ = f"vjp({name})"
            check_grads(vjp_of_f, leaves, order - 1, modes=modes, eps=eps, rtol=rtol, atol=atol, seed=seed + 1)
        if "fwd" in modes:
            def jvp_of_f(*xs):
                return jvp(flat_f, xs, v)[1]

            jvp_of_f.__name__ = f"jvp({name})"
            check_grads(jvp_of_f, leaves, order - 1, modes=modes, eps=eps, rtol=rtol, atol=atol, seed=seed + 2)


def primitives_used(f: Callable, *args: Any) -> set[str]:
    """Names of the primitives recorded when differentiating ``f`` at ``args`` (a test and debugging aid).

    >>> import funcgrad.numpy as fnp
    >>> sorted(primitives_used(lambda x: fnp.sin(x) * 2.0, 1.0))
    ['multiply', 'sin']
    """
    trace = Trace("primitives_used")
    leaves, td = tree.flatten(args)
    boxes = [trace.new_input(np.float64(x) if type(x) is float else x) for x in leaves]
    out = f(*tree.unflatten(td, boxes))
    trace.close()
    roots = [o.node for o in tree.leaves(out) if type(o) is Box and o._trace is trace]
    return {n.prim.name for n in toposort(roots) if n.prim is not None}
