"""Derivative rules given by the user: JAX's ``custom_vjp``/``custom_jvp``, HIPS autograd's ``primitive``/
``defvjp``/``defjvp``, and ``checkpoint`` (a custom VJP that recomputes instead of storing).

Which orders work:

* ``custom_vjp``: reverse mode at every order, as long as ``bwd`` is written with funcgrad operations (outer
  transforms then differentiate ``fwd`` and ``bwd`` themselves). Forward mode (``jvp``, ``jacfwd``, ``hvp``)
  has no rule to use, so it differentiates the undecorated function instead.
* ``custom_jvp``: forward mode uses the rule; reverse mode transposes it (the tangent output is linear in the
  tangents, so pulling a cotangent back through the rule gives the VJP), so one JVP rule serves both.
* under ``vmap`` both are batched whole: the call becomes a custom function of the vmapped function with vmapped
  rules, one level down, so a transform outside the ``vmap`` still meets the user's rule (running the function
  itself on batched values would reduce across examples and drop the rule).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

from .. import tree
from ..core import Box, Primitive, getval, zeros_for
from ..core.forward import fit_tangent
from .batching import vmap
from .reverse import _fname, vjp

__all__ = ["custom_vjp", "custom_jvp", "primitive", "defvjp", "defjvp", "defvjp_argnum", "defjvp_argnum", "checkpoint"]


def _split(args: tuple, nondiff: tuple) -> tuple[list, list]:
    static = [tree.map(getval, args[i]) for i in nondiff]  # never traced: no leak through nondiff arguments
    diff = [a for i, a in enumerate(args) if i not in nondiff]
    return static, diff


def _merge(static: list, diff: list, nondiff: tuple, n: int) -> list:
    s, d = iter(static), iter(diff)
    return [next(s) if i in nondiff else next(d) for i in range(n)]


def _innermost(leaves: list):
    top = None
    for x in leaves:
        if type(x) is Box and (top is None or x._trace.level > top.level):
            top = x._trace
    return top


def _flat_cts(cts: Any, diff: list, who: str) -> list:
    if not isinstance(cts, (tuple, list)) or len(cts) != len(diff):
        raise TypeError(f"{who}: the backward rule must return a tuple with one cotangent per differentiated "
                        f"argument ({len(diff)}), got {type(cts).__name__}"
                        f"{' of length ' + str(len(cts)) if isinstance(cts, (tuple, list)) else ''}")
    flat = []
    for c, a in zip(cts, diff):
        n = len(tree.leaves(a))
        flat.extend([None] * n if c is None else tree.leaves(c))
    return flat


def _record(top, name: str, rule: Callable, leaves: list, out: Any):
    """Record one node on ``top`` whose joint VJP is ``rule(g_leaves) -> cotangent leaves``."""
    vals, argnums, parents = [], [], []
    for i, x in enumerate(leaves):
        if type(x) is Box and x._trace is top:
            vals.append(x.value)
            argnums.append(i)
            parents.append(x.node)
        else:
            vals.append(x)
    out_leaves, out_def = tree.flatten(out)
    prim = Primitive(name, None, multiple_results=True, register=False)
    prim.def_vjp_joint(lambda g, ans, *xs: rule(list(g)))
    boxes = top.process(prim, tuple(out_leaves), tuple(vals), {}, tuple(argnums), tuple(parents))
    return tree.unflatten(out_def, list(boxes))


# --- under vmap: the call is batched as a whole, so outer transforms still meet the user's rule ---------------
def _peel(top, leaves: list) -> tuple[list, list]:
    """The values one level below vmap's trace ``top`` and each leaf's batch axis (0, or None: not batched)."""
    vals = [x.value if type(x) is Box and x._trace is top else x for x in leaves]
    return vals, [0 if type(x) is Box and x._trace is top else None for x in leaves]


def _rebox(top, out: Any) -> Any:
    return tree.map(lambda o: Box(o, top.size, top), out)


def _check_static(args: tuple, nondiff: tuple, top, name: str) -> None:
    for i in nondiff:
        if any(type(x) is Box and x._trace is top for x in tree.leaves(args[i])):
            raise NotImplementedError(
                f"{name}: argument {i} is in nondiff_argnums but is batched by {top.transform}; a non-differentiated "
                f"argument must be the same for every example: pass it with in_axes=None, or make it a "
                f"differentiated argument")


def _per_example(fn: Callable, static: list, d_def: Any, nondiff: tuple, n: int) -> Callable:
    """``fn`` on one example's flat leaves (the nondiff arguments put back in their places)."""
    return lambda *ls: fn(*_merge(static, tree.unflatten(d_def, list(ls)), nondiff, n))


class custom_vjp:  # noqa: N801 - JAX's name
    """A function whose reverse-mode derivative is given by ``defvjp(fwd, bwd)`` (JAX's API).

    ``fwd(*args) -> (out, residuals)``; ``bwd(*nondiff_args, residuals, g) -> tuple`` with one cotangent per
    differentiated argument (``None`` for zero). Arguments in ``nondiff_argnums`` are passed to ``bwd`` first and
    are never differentiated (their traced values are unwrapped, so nothing leaks).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> @fg.custom_vjp
    ... def clip_grad_sin(x):
    ...     return fnp.sin(x)
    >>> clip_grad_sin.defvjp(lambda x: (fnp.sin(x), x), lambda x, g: (fnp.clip(g * fnp.cos(x), -0.1, 0.1),))
    >>> float(fg.grad(clip_grad_sin)(0.0))
    0.1
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set the forward function (returning output and residuals) and the backward rule."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        name = f"custom_vjp({_fname(self.fun)})"
        if self.fwd is None:
            raise TypeError(f"{name}: call .defvjp(fwd, bwd) before using the function")
        static, diff = _split(args, self.nondiff_argnums)
        leaves, d_def = tree.flatten(diff)
        top = _innermost(leaves)
        if top is not None and top.recording:  # jit keeps the call as one node, so the rule outlives the trace
            return top.record_custom(self, args)
        if top is not None and top.batching:
            return self._batched(top, args, static, diff, leaves, d_def, name)
        if top is None or not top.reverse:
            # plain values, or forward mode (no JVP rule was given): the function itself
            return self.fun(*_merge(static, diff, self.nondiff_argnums, len(args)))
        vals = [x.value if type(x) is Box and x._trace is top else x for x in leaves]
        out, res = self.fwd(*_merge(static, tree.unflatten(d_def, vals), self.nondiff_argnums, len(args)))
        out_def = tree.structure(out)
        bwd = self.bwd

        def rule(g_leaves: list) -> list:
            return _flat_cts(bwd(*static, res, tree.unflatten(out_def, g_leaves)), diff, name)

        return _record(top, name, rule, leaves, out)

    def _batched(self, top, args, static, diff, leaves, d_def, name):
        """vmap of the call: a custom_vjp of the vmapped function, forward and backward on the flat leaves (a
        cotangent of an input that is the same for every example is summed over the batch)."""
        _check_static(args, self.nondiff_argnums, top, name)
        vals, axes = _peel(top, leaves)
        nd, n, size = self.nondiff_argnums, len(args), top.size
        in_axes = tuple(axes)
        bwd = self.bwd

        def example_bwd(res, g):
            return tuple(_flat_cts(bwd(*static, res, g), diff, name))

        def fwd(*ls):
            return vmap(_per_example(self.fwd, static, d_def, nd, n), in_axes=in_axes, axis_size=size)(*ls)

        def bwd_batched(res, g):
            cts = vmap(example_bwd, in_axes=(0, 0), axis_size=size)(res, g)
            return tuple(c if c is None or ax is not None else c.sum(axis=0) for c, ax in zip(cts, axes))

        batched = custom_vjp(vmap(_per_example(self.fun, static, d_def, nd, n), in_axes=in_axes, axis_size=size))
        batched.defvjp(fwd, bwd_batched)
        return _rebox(top, batched(*vals))


class custom_jvp:  # noqa: N801 - JAX's name
    """A function whose forward-mode derivative is given by ``defjvp(rule)`` (JAX's API); reverse mode
    transposes the same rule.

    ``rule(primals, tangents) -> (primal_out, tangent_out)``, both arguments tuples over the differentiated
    arguments (``nondiff_argnums`` come first, as plain values: ``rule(*nondiff, primals, tangents)``).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> @fg.custom_jvp
    ... def softplus(x):
    ...     return fnp.logaddexp(x, 0.0)
    >>> _ = softplus.defjvp(lambda p, t: (softplus(p[0]), t[0] / (1.0 + fnp.exp(-p[0]))))
    >>> float(fg.grad(softplus)(0.0)), float(fg.jvp(softplus, (0.0,), (2.0,))[1])
    (0.5, 1.0)
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.rule: Callable | None = None

    def defjvp(self, rule: Callable) -> Callable:
        """Set the rule ``rule(primals, tangents) -> (primal_out, tangent_out)``."""
        self.rule = rule
        return rule

    def defjvps(self, *jvps: Callable | None) -> None:
        """Set the rule from one function per differentiated argument (JAX's ``defjvps``):
        ``jvp_i(tangent_i, primal_out, *primals)`` gives that argument's share of the output tangent (``None``:
        the output does not depend on it); the shares are summed.

        >>> import funcgrad as fg, funcgrad.numpy as fnp
        >>> f = fg.custom_jvp(lambda x, y: x * fnp.sin(y))
        >>> f.defjvps(lambda t, ans, x, y: t * fnp.sin(y), lambda t, ans, x, y: t * x * fnp.cos(y))
        >>> float(fg.grad(f, argnums=1)(2.0, 0.0))
        2.0
        """
        fun, nd = self.fun, self.nondiff_argnums

        def rule(*args):
            static, primals, tangents = args[:-2], args[-2], args[-1]
            if len(jvps) != len(primals):
                raise TypeError(f"custom_jvp({_fname(fun)}).defjvps: {len(jvps)} rule(s) for {len(primals)} "
                                f"differentiated argument(s); give one per argument (None for none)")
            out = fun(*_merge(list(static), list(primals), nd, len(static) + len(primals)))
            t_out = None
            for jvp_i, t in zip(jvps, tangents):
                if jvp_i is not None:
                    share = jvp_i(t, out, *primals)
                    t_out = share if t_out is None else tree.map(lambda a, b: a + b, t_out, share)
            return out, (tree.map(lambda o: o * 0, out) if t_out is None else t_out)

        self.rule = rule

    def __call__(self, *args: Any) -> Any:
        name = f"custom_jvp({_fname(self.fun)})"
        if self.rule is None:
            raise TypeError(f"{name}: call .defjvp(rule) before using the function")
        static, diff = _split(args, self.nondiff_argnums)
        leaves, d_def = tree.flatten(diff)
        top = _innermost(leaves)
        if top is not None and top.recording:  # jit keeps the call as one node, so the rule outlives the trace
            return top.record_custom(self, args)
        if top is None:
            return self.fun(*_merge(static, diff, self.nondiff_argnums, len(args)))
        if top.batching:
            return self._batched(top, args, static, leaves, d_def, name)
        vals = [x.value if type(x) is Box and x._trace is top else x for x in leaves]
        primals = tuple(tree.unflatten(d_def, vals))
        rule = self.rule
        if not top.reverse:
            tans = [x.node if type(x) is Box and x._trace is top else zeros_for(x) for x in leaves]
            out, t_out = rule(*static, primals, tuple(tree.unflatten(d_def, tans)))
            o_leaves, o_def = tree.flatten(out)
            boxed = [Box(o, fit_tangent(t, o), top) for o, t in zip(o_leaves, tree.leaves(t_out))]
            return tree.unflatten(o_def, boxed)
        zero_tans = tuple(tree.unflatten(d_def, [zeros_for(v) for v in vals]))
        out, _ = rule(*static, primals, zero_tans)
        out_def = tree.structure(out)

        def transpose(g_leaves: list) -> list:
            def tangent_map(*ts):
                return rule(*static, primals, ts)[1]

            cts = vjp(tangent_map, *zero_tans)[1](tree.unflatten(out_def, g_leaves))
            return _flat_cts(cts, diff, name)

        return _record(top, name, transpose, leaves, out)

    def _batched(self, top, args, static, leaves, d_def, name):
        """vmap of the call: a custom_jvp of the vmapped function whose rule is the vmapped rule (a tangent is
        batched where its primal is), on the flat leaves."""
        _check_static(args, self.nondiff_argnums, top, name)
        vals, axes = _peel(top, leaves)
        size, rule = top.size, self.rule

        def example_rule(ps, ts):
            return rule(*static, tuple(tree.unflatten(d_def, list(ps))), tuple(tree.unflatten(d_def, list(ts))))

        batched = custom_jvp(vmap(_per_example(self.fun, static, d_def, self.nondiff_argnums, len(args)),
                                  in_axes=tuple(axes), axis_size=size))
        batched.defjvp(lambda ps, ts: vmap(example_rule, in_axes=(list(axes), list(axes)),
                                           axis_size=size)(list(ps), list(ts)))
        return _rebox(top, batched(*vals))


def primitive(fun: Callable | None = None, *, differentiable: bool = True) -> Any:
    """Wrap a function on plain arrays as a new primitive, HIPS autograd style; give it rules with
    :func:`defvjp` / :func:`defjvp`. Until it has them, differentiating it raises ``NotImplementedError``
    (never a silent zero gradient); a function without a derivative is declared with ``differentiable=False``,
    and its output is then a constant under transforms. The primitive keeps ``fun``'s name, qualified name,
    docstring and module.

    >>> import numpy as np, funcgrad as fg
    >>> @fg.primitive
    ... def cube(x):
    ...     return x ** 3
    >>> fg.defvjp(cube, lambda ans, x: lambda g: g * 3 * x ** 2)
    >>> float(fg.grad(cube)(2.0)), cube.__name__
    (12.0, 'cube')
    >>> count = fg.primitive(lambda x: np.floor(x), differentiable=False)
    >>> float(fg.grad(lambda x: count(x) + x)(2.5))
    1.0
    """
    if fun is None:  # @primitive(differentiable=False)
        return lambda f: primitive(f, differentiable=differentiable)
    prim = Primitive(getattr(fun, "__name__", "primitive"), fun, register=False, doc=fun.__doc__,
                     differentiable=differentiable)
    functools.update_wrapper(prim, fun)
    return prim


def _placed(items: tuple, argnums: Sequence[int] | None, what: str, undefined: Callable) -> list:
    """``items`` at the positions ``argnums`` (autograd's keyword); ``undefined(i)`` (a rule that raises, as
    autograd does for an argument without a rule) at the positions before the last that it does not list."""
    if argnums is None:
        return list(items)
    argnums = list(argnums)
    if len(argnums) != len(items) or any(not isinstance(i, int) or i < 0 for i in argnums):
        raise TypeError(f"{what}: argnums={argnums!r} must list one non-negative position per rule "
                        f"({len(items)} given)")
    out: list = [undefined(i) for i in range(max(argnums) + 1 if argnums else 0)]
    for i, item in zip(argnums, items):
        out[i] = item
    return out


def _no_rule(what: str, kind: str) -> Callable:
    def undefined(i: int) -> Callable:
        def rule(*_: Any, **__: Any) -> Any:
            raise NotImplementedError(f"{what}: no {kind} rule for argument {i} (argnums left it out); give one, "
                                      f"or differentiate with respect to the arguments that have one")
        return rule
    return undefined


def defvjp(prim: Primitive, *makers: Callable | None, argnums: Sequence[int] | None = None) -> None:
    """HIPS autograd's ``defvjp``: one maker per argument, ``maker(ans, *args, **kwargs) -> (g -> cotangent)``
    (``None``: no gradient for that argument); ``argnums`` names the arguments the makers are for, as autograd's
    keyword (an argument it leaves out raises when differentiated). Rules written for autograd port by changing
    the import."""
    def rule(maker):
        if maker is None:
            return None
        return lambda g, ans, *args, **kw: maker(ans, *args, **kw)(g)

    rules = [rule(m) for m in makers]
    prim.def_vjp(*_placed(tuple(rules), argnums, f"defvjp({prim.name})", _no_rule(f"funcgrad.{prim.name}", "VJP")))


def defjvp(prim: Primitive, *rules: Callable | None, argnums: Sequence[int] | None = None) -> None:
    """HIPS autograd's ``defjvp``: one rule per argument, ``rule(g, ans, *args, **kwargs)`` with ``g`` that
    argument's tangent, returning its contribution to the output tangent (``argnums`` as for :func:`defvjp`)."""
    prim.def_jvp(*_placed(rules, argnums, f"defjvp({prim.name})", _no_rule(f"funcgrad.{prim.name}", "JVP")))


def defvjp_argnum(prim: Primitive, maker: Callable) -> None:
    """HIPS autograd's ``defvjp_argnum``: one maker for every argument,
    ``maker(argnum, ans, args, kwargs) -> (g -> cotangent)``.

    >>> import funcgrad as fg
    >>> mul = fg.primitive(lambda x, y: x * y)
    >>> fg.defvjp_argnum(mul, lambda i, ans, args, kw: lambda g: g * args[1 - i])
    >>> float(fg.grad(mul, argnums=1)(3.0, 2.0))
    3.0
    """
    prim.def_vjp_variadic(lambda i, g, ans, *args, **kw: maker(i, ans, args, kw)(g))


def defjvp_argnum(prim: Primitive, rule: Callable) -> None:
    """HIPS autograd's ``defjvp_argnum``: ``rule(argnum, g, ans, args, kwargs)`` gives argument ``argnum``'s
    contribution to the output tangent, for every argument."""
    def joint(tangents, ans, *args, **kw):
        shares = [rule(i, t, ans, args, kw) for i, t in enumerate(tangents) if t is not None]
        total = shares[0] if shares else None
        for s in shares[1:]:
            total = total + s
        return total

    prim.def_jvp_joint(joint)


def checkpoint(f: Callable, static_argnums: Sequence[int] = ()) -> Callable:
    """``f`` whose intermediates are not stored for the reverse pass: its inputs are kept and ``f`` is run again,
    under a fresh ``vjp``, when the gradient reaches it. Memory for time; gradients are identical. Keyword
    arguments are passed through to ``f`` and not differentiated.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> layer = fg.checkpoint(lambda x: fnp.tanh(x) * 2.0)
    >>> float(fg.grad(lambda x: layer(x))(0.0))
    2.0
    """
    static_argnums = tuple(static_argnums)

    def rematerialize(*args):
        return f(*args)

    cf = custom_vjp(rematerialize, nondiff_argnums=static_argnums)

    def fwd(*args):
        static = [a for i, a in enumerate(args) if i in static_argnums]
        diff = [a for i, a in enumerate(args) if i not in static_argnums]

        def g_of_diff(*d):
            return f(*_merge(static, list(d), static_argnums, len(args)))

        # Traced, as under any transform (so ``x.at[...]`` and the other traced methods work inside ``f``); the
        # tape is dropped as soon as the block returns, which is what checkpointing is for.
        return vjp(g_of_diff, *diff)[0], diff

    def bwd(*rest):
        static, (diff, g) = rest[:len(static_argnums)], rest[len(static_argnums):]

        def g_of_diff(*d):
            return f(*_merge(list(static), list(d), static_argnums, len(static) + len(d)))

        return vjp(g_of_diff, *diff)[1](g)

    cf.defvjp(fwd, bwd)
    functools.update_wrapper(cf, f)
    cf.__name__ = f"checkpoint({_fname(f)})"

    def checkpointed(*args, **kwargs):
        if not kwargs:
            return cf(*args)
        # keyword arguments reach f unchanged and are not differentiated (held fixed, as jacfwd's and jacrev's)
        return checkpoint(functools.partial(f, **kwargs), static_argnums)(*args)

    functools.update_wrapper(checkpointed, f)
    checkpointed.__name__ = cf.__name__
    return checkpointed
