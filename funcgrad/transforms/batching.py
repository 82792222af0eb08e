"""``vmap``: a function of one example turned into a function of a batch, by batching rules, not a Python loop.

Primitives with a batching rule run once on the whole batch; the rest loop over it inside the core (correct,
slower), so any function works. Batched axes are moved to the front on the way in and to ``out_axes`` on the way
out; outputs that do not depend on a batched input are broadcast along the batch.
"""
from __future__ import annotations

from typing import Any, Callable

from .. import tree
from ..backend import shape_of
from ..core import Box
from ..core.batching import BatchTrace
from ..core.errors import user_location
from .reverse import _fname, _where
from .. import numpy as fnp

__all__ = ["vmap"]


def _axes_for(in_axes: Any, args: tuple, name: str) -> list:
    """One axis (int or None) per leaf of ``args``, from an int/None or a per-argument tuple of (pytrees of) them."""
    if in_axes is None or isinstance(in_axes, int):
        return [in_axes] * len(tree.leaves(args))
    if not isinstance(in_axes, (tuple, list)) or len(in_axes) != len(args):
        raise ValueError(f"{name}: in_axes must be an int, None, or a tuple with one entry per positional "
                         f"argument ({len(args)}), got {in_axes!r}")
    axes = []
    for ax, a in zip(in_axes, args):
        n = len(tree.leaves(a))
        if ax is None or isinstance(ax, int):
            axes.extend([ax] * n)
        else:  # a pytree of axes matching the argument
            leaves_ax = tree.leaves(ax, is_leaf=lambda v: v is None)
            if len(leaves_ax) != n:
                raise ValueError(f"{name}: in_axes entry {ax!r} does not match the structure of its argument")
            axes.extend(leaves_ax)
    return axes


def _out_axes_for(out_axes: Any, out: Any, name: str) -> list:
    """One axis (int or None) per leaf of ``out``, from ``out_axes``: an int/None, or a pytree prefix of the output
    (a tuple, list or dict whose entries are ints, None or further prefixes), as JAX accepts."""
    if out_axes is None or isinstance(out_axes, int):
        return [out_axes] * len(tree.leaves(out))
    if isinstance(out_axes, dict) and isinstance(out, dict) and set(out_axes) == set(out):
        return [a for k in sorted(out) for a in _out_axes_for(out_axes[k], out[k], name)]
    if isinstance(out_axes, (tuple, list)) and isinstance(out, (tuple, list)) and len(out_axes) == len(out):
        return [a for ax, o in zip(out_axes, out) for a in _out_axes_for(ax, o, name)]
    raise ValueError(f"{name}: out_axes {out_axes!r} does not match the structure of the output "
                     f"{tree.structure(out)!r}; give an int, None, or a tuple/list/dict shaped like the output "
                     f"(a prefix of it)")


def vmap(f: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_size: int | None = None) -> Callable:
    """Vectorize ``f`` over a batch axis of its arguments (JAX's ``vmap``).

    ``in_axes``: an int, ``None`` (not batched), or one entry per positional argument (an int, None, or a pytree
    of them); keyword arguments are batched along axis 0, as in JAX. ``out_axes``: an int or None for all
    outputs, or a pytree prefix of the output with one per part. Batch sizes must agree.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x, w: fnp.dot(w, x), in_axes=(0, None))(np.ones((4, 3)), np.arange(3.0))
    array([3., 3., 3., 3.])
    """
    name = f"vmap({_fname(f)})"

    def vmapped(*args, **kwargs):
        leaves, treedef = tree.flatten((args, kwargs))
        axes = _axes_for(in_axes, args, name) + [0] * len(tree.leaves(kwargs))
        sizes = {}
        for k, (x, ax) in enumerate(zip(leaves, axes)):
            if ax is None:
                continue
            s = shape_of(x)
            if not -len(s) <= ax < max(len(s), 1) or not s:
                raise ValueError(f"{name}: in_axes={ax} for an argument of shape {s}, which has no such axis "
                                 f"(at {user_location()})")
            sizes[k] = s[ax]
        if not sizes and axis_size is None:
            raise ValueError(f"{name}: no argument is batched (all in_axes are None); pass axis_size")
        size = axis_size if axis_size is not None else next(iter(sizes.values()))
        if any(n != size for n in sizes.values()):
            shown = ", ".join(f"{shape_of(leaves[k])} (axis {axes[k]})" for k in sizes)
            raise ValueError(f"{name}: the batched arguments disagree on the batch size: {shown} "
                             f"(at {user_location()})")
        trace = BatchTrace(name, size, _where(f))
        try:
            boxed = [x if ax is None else trace.new_input(fnp.moveaxis(x, ax, 0))
                     for x, ax in zip(leaves, axes)]
            a, kw = tree.unflatten(treedef, boxed)
            out = f(*a, **kw)
        finally:
            trace.close()
        o_leaves, o_def = tree.flatten(out)
        results = []
        for o, ax in zip(o_leaves, _out_axes_for(out_axes, out, name)):
            if type(o) is Box and o._trace is trace:
                v = o.value
            else:  # does not depend on the batch: every example gets the same value
                if ax is None:
                    results.append(o)
                    continue
                v = fnp.broadcast_to(fnp.asarray(o), (size,) + shape_of(o))
            if ax is None:
                raise ValueError(f"{name}: out_axes=None for an output that depends on the batched inputs")
            results.append(fnp.moveaxis(v, 0, ax) if ax != 0 else v)
        return tree.unflatten(o_def, results)

    vmapped.__name__ = f"vmap_{_fname(f)}"
    vmapped.__doc__ = f"{name}." + (f"\n\n{f.__doc__}" if getattr(f, "__doc__", None) else "")
    return vmapped
