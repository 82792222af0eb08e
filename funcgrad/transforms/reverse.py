"""Reverse mode: ``vjp``, ``grad`` and ``value_and_grad`` over pytrees of arrays."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import tree
from ..backend import device_scope, dtype_of, namespace, shape_of
from ..core import Box, Trace, backward, getval, zeros_for
from ..core.errors import user_location
from ..core.primitive import _WRAPPERS

__all__ = ["vjp", "grad", "value_and_grad"]


def _fname(f: Callable) -> str:
    name = getattr(f, "__name__", None)
    if name is None and isinstance(getattr(f, "name", None), str):  # a primitive
        name = f.name
    return name or type(f).__name__


def _where(f: Callable) -> str:
    code = getattr(f, "__code__", None)
    return f" (defined at {code.co_filename}:{code.co_firstlineno})" if code is not None else ""


def _arg_name(f: Callable, argnum: int) -> str:
    code = getattr(f, "__code__", None)
    if code is not None and argnum < code.co_argcount:
        return f"argument {argnum} ('{code.co_varnames[argnum]}')"
    return f"argument {argnum}"


def _as_input(x: Any, transform: str, f: Callable, argnum: int, leaf: int, nleaves: int, copy: bool) -> Any:
    """Check that ``x`` can be differentiated and give the value to trace (Python floats become float64)."""
    t = type(x)
    if t is float:
        return np.float64(x)
    if t is Box:
        dt = x.dtype
    else:
        dt = getattr(x, "dtype", None)
        if dt is None:
            if t is complex:
                return np.complex128(x)
            dt = np.asarray(x).dtype
    if dt.kind not in "fc":
        where = f" (leaf {leaf} of its pytree)" if nleaves > 1 else ""
        raise TypeError(
            f"{transform}: {_arg_name(f, argnum)}{where} has dtype {dt} (a {t.__name__}); gradients are only "
            f"defined for floating-point inputs. Pass a float array (e.g. x.astype(float) or 1.0 instead of 1), "
            f"or leave this argument out of argnums.")
    if copy and t is not Box:
        # vjp hands back a closure over the tape: keep it safe from later writes into the caller's array.
        return namespace(x).array(x, copy=True)
    return x


def _trace_inputs(trace: Trace, args: tuple, argnums: tuple, f: Callable, copy: bool):
    """Box the leaves of the chosen arguments; return new args, the leaf nodes and the structures."""
    args = list(args)
    nodes, defs = [], []
    for i in argnums:
        leaves, td = tree.flatten(args[i])
        boxes = [trace.new_input(_as_input(v, trace.transform, f, i, k, len(leaves), copy))
                 for k, v in enumerate(leaves)]
        nodes.append([b.node for b in boxes])
        defs.append(td)
        args[i] = tree.unflatten(td, boxes)
    return args, nodes, defs


def _unbox(x: Any, trace: Trace) -> Any:
    return x.value if type(x) is Box and x._trace is trace else x


def _split_aux(out: Any, trace: Trace) -> tuple:
    """``(output, aux)`` from a has_aux function's result; aux comes back untraced at this trace's level."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{trace.transform} with has_aux=True: the function must return a pair (output, aux), "
                        f"got {type(out).__name__}")
    return out[0], tree.map(lambda v: _unbox(v, trace), out[1])


def _owned(grads: list, seen: set) -> list:
    """Copy gradients that alias one another, a user's cotangent, or another array's memory."""
    out = []
    for g in grads:
        if type(g) is not Box and (id(g) in seen or getattr(g, "base", None) is not None):
            with device_scope(g):  # the copy stays on g's device (array() allocates on the current one)
                g = namespace(g).array(g, copy=True)
        seen.add(id(g))
        out.append(g)
    return out


def _collect(cts: list, leaf_nodes: list, defs: list, seen: set | None = None) -> list:
    """Per argument: its gradient pytree (zeros where nothing flowed), sharing memory with nothing else."""
    result, k = [], 0
    seen = set() if seen is None else seen
    for nodes, td in zip(leaf_nodes, defs):
        gs = []
        for n in nodes:
            g = cts[k]
            k += 1
            gs.append(zeros_for(n.ans) if g is None else g)
        result.append(tree.unflatten(td, _owned(gs, seen)))
    return result


def _argnum_alias(argnums: Any, argnum: Any, transform: str) -> Any:
    """HIPS autograd spells ``argnums`` as ``argnum``: accept either (not two different values)."""
    if argnum is None:
        return argnums
    if argnums != 0 and argnums != argnum:
        raise TypeError(f"{transform}: got argnums={argnums!r} and argnum={argnum!r}; pass one of them "
                        f"(argnum is HIPS autograd's spelling of argnums)")
    return argnum


def _norm_argnums(argnums: int | Sequence[int], nargs: int, transform: str) -> tuple[tuple, bool]:
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for i in nums:
        if not isinstance(i, int) or not -nargs <= i < nargs:
            raise ValueError(f"{transform}: argnums={argnums!r} does not fit a call with {nargs} positional "
                             f"argument(s)")
    return tuple(i % nargs for i in nums), single


def vjp(f: Callable, *primals: Any, has_aux: bool = False):
    """Evaluate ``f(*primals)`` and return ``(out, vjp_fn)`` (plus ``aux`` with ``has_aux``).

    ``vjp_fn(cotangent)`` takes a pytree shaped like ``out`` and returns a tuple with one cotangent per primal,
    each shaped like that primal. It may be called any number of times.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> out, f_vjp = fg.vjp(lambda a, b: a * fnp.sin(b), np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    >>> f_vjp(np.ones(2))
    (array([0., 0.]), array([1., 2.]))
    """
    name = f"vjp({_fname(f)})"
    trace = Trace(name, _where(f))
    try:
        args, leaf_nodes, defs = _trace_inputs(trace, primals, tuple(range(len(primals))), f, copy=True)
        out = f(*args)
        if has_aux:
            out, aux = _split_aux(out, trace)
    finally:
        trace.close()
    out_leaves, out_def = tree.flatten(out)
    roots = [v.node if type(v) is Box and v._trace is trace else None for v in out_leaves]
    out_vals = [_unbox(v, trace) for v in out_leaves]
    targets = [n for nodes in leaf_nodes for n in nodes]
    del out, out_leaves, args

    def vjp_fn(cotangent: Any) -> tuple:
        ct_leaves, ct_def = tree.flatten(cotangent)
        if ct_def != out_def:
            raise ValueError(f"{name}: the cotangent's structure {ct_def!r} does not match the output's "
                             f"{out_def!r}")
        cts, live = [], []
        for c, o, r in zip(ct_leaves, out_vals, roots):
            if shape_of(c) != shape_of(o):
                raise ValueError(f"{name}: cotangent of shape {shape_of(c)} given for an output of shape "
                                 f"{shape_of(o)} (at {user_location()}); they must match")
            if r is not None:
                if getattr(c, "dtype", None) != dtype_of(o):
                    c = namespace(o if type(o) is not Box else c).asarray(c, dtype=dtype_of(o))
                cts.append(c)
                live.append(r)
        res = backward(live, cts, targets)  # live is a fresh list: the closure keeps roots
        return tuple(_collect(res, leaf_nodes, defs, {id(c) for c in ct_leaves}))

    vjp_fn.__doc__ = f"Cotangent map of {name}."
    out_tree = tree.unflatten(out_def, out_vals)
    return (out_tree, vjp_fn, aux) if has_aux else (out_tree, vjp_fn)


def _value_and_grad_call(f: Callable, call: Callable, args: tuple, argnums, has_aux: bool, transform: str,
                         holomorphic: bool = False):
    nums, single = _norm_argnums(argnums, len(args), transform)
    trace = Trace(f"{transform}({_fname(f)})", _where(f))
    try:
        targs, leaf_nodes, defs = _trace_inputs(trace, args, nums, f, copy=False)
        out = call(*targs)
        aux = None
        if has_aux:
            out, aux = _split_aux(out, trace)
    finally:
        trace.close()
    del targs
    wrapper = _WRAPPERS.get(type(out))
    if wrapper is not None:  # a Tensor returned by f: differentiate its value (the two faces mix)
        out = wrapper[0](out)
    shape = shape_of(out)
    if shape != () or not hasattr(out, "dtype") and not isinstance(out, (float, complex)):
        what = f"shape {shape}" if hasattr(out, "shape") else f"a {type(out).__name__}"
        raise TypeError(f"{trace.transform}: the function must return a scalar (an array of shape ()), got "
                        f"{what}. For a vector output use vjp(f, x) and pull back a cotangent, or compute a "
                        f"Jacobian; to differentiate a sum, return fnp.sum(...).")
    kind = dtype_of(out).kind
    if kind not in "fc":
        raise TypeError(f"{trace.transform}: the function returned dtype {dtype_of(out)}; only floating-point "
                        f"outputs can be differentiated")
    if kind == "c" and not holomorphic:
        raise TypeError(f"{trace.transform}: the function returned a complex value ({dtype_of(out)}); grad needs a "
                        f"real output (e.g. fnp.abs(z) ** 2 or fnp.real(...)), or holomorphic=True for a "
                        f"holomorphic function of complex inputs")
    if holomorphic:
        for i in nums:
            for leaf in tree.leaves(args[i]):
                if dtype_of(leaf).kind != "c":
                    raise TypeError(f"{trace.transform} with holomorphic=True: argument {i} has dtype "
                                    f"{dtype_of(leaf)}; holomorphic differentiation needs complex inputs")
    if type(out) is Box and out._trace is trace:
        value = out.value
        roots = [out.node]
        del out  # backward empties roots: intermediate values are freed as the walk passes them
        raw = getval(value)  # the seed is a constant: shaped like one example's output, even under vmap
        with device_scope(raw):  # the seed lives where the output does, whichever device is current
            ones = namespace(raw).ones(shape_of(value), dtype=dtype_of(value))
        res = backward(roots, [ones], [n for nodes in leaf_nodes for n in nodes])
    else:
        value = out
        res = [None] * sum(len(n) for n in leaf_nodes)
    grads = _collect(res, leaf_nodes, defs)
    g = grads[0] if single else tuple(grads)
    if wrapper is not None:
        value = wrapper[1](value, None)
    return value, g, aux


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False, *, argnum: int | Sequence[int] | None = None) -> Callable:
    """A function returning ``(f(*args), grad(f)(*args))``; with ``has_aux``, ``((value, aux), grad)``.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> v, g = fg.value_and_grad(lambda x: x ** 3)(2.0)
    >>> float(v), float(g)
    (8.0, 12.0)
    """
    argnums = _argnum_alias(argnums, argnum, "value_and_grad")

    def value_and_grad_f(*args, **kwargs):
        call = (lambda *a: f(*a, **kwargs)) if kwargs else f
        value, g, aux = _value_and_grad_call(f, call, args, argnums, has_aux, "value_and_grad", holomorphic)
        return ((value, aux), g) if has_aux else (value, g)

    _wraps(value_and_grad_f, f, "value_and_grad")
    return value_and_grad_f


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False, *, argnum: int | Sequence[int] | None = None) -> Callable:
    """The gradient of a scalar function, in the structure and dtype of the arguments in ``argnums``.

    ``grad(f, argnums=(0, 1))`` returns a tuple; with ``has_aux`` the result is ``(grad, aux)``. Transforms nest:
    ``grad(grad(f))`` is the second derivative. For a real-valued function of complex inputs the gradient follows
    JAX's and HIPS autograd's convention, ``df/dx - i df/dy`` (``grad(abs(z) ** 2) == 2 * conj(z)``); with
    ``holomorphic=True`` a complex-valued holomorphic ``f`` gets its complex derivative ``f'(z)``.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> float(fg.grad(fg.grad(fnp.sin))(1.0)) == float(-fnp.sin(1.0))
    True
    """
    argnums = _argnum_alias(argnums, argnum, "grad")

    def grad_f(*args, **kwargs):
        call = (lambda *a: f(*a, **kwargs)) if kwargs else f
        _, g, aux = _value_and_grad_call(f, call, args, argnums, has_aux, "grad", holomorphic)
        return (g, aux) if has_aux else g

    _wraps(grad_f, f, "grad")
    return grad_f


def _wraps(wrapper: Callable, f: Callable, transform: str) -> None:
    wrapper.__name__ = f"{transform}_{_fname(f)}"
    wrapper.__qualname__ = wrapper.__name__
    wrapper.__doc__ = f"{transform} of {_fname(f)}." + (f"\n\n{f.__doc__}" if getattr(f, "__doc__", None) else "")
    wrapper.__wrapped__ = f
