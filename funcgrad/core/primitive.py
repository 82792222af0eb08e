"""Primitives, the registry, and the handful of primitives the engine itself needs.

A primitive is a function on plain arrays plus derivative rules. Calling it on plain values costs one loop over the
positional arguments and the raw call; calling it on traced values records a node on the innermost trace.

Conventions every primitive follows:

* positional arguments are arrays (or array-likes, scalars); static parameters (axis, shape, dtype ...) are
  keyword arguments;
* ``vjps[i](g, ans, *args, **params)`` returns the cotangent of argument i, written with funcgrad primitives so it
  can be differentiated again. The engine sums it back to the argument's shape (undoing broadcasting) and casts it
  to the argument's dtype, so rules only write the math; ``None`` as a rule means "no gradient" (a constant input),
  a rule returning ``None`` means "zero";
* a primitive with no rules at all is non-differentiable: traced inputs are unwrapped, and the result is a plain
  value (comparisons, floor, argmax ...), i.e. the gradient stops there.
"""
from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import numpy as _np

from ..backend import device_mismatch, device_scope, namespace, namespace_of, shape_of
from . import debug as _debug
from .debug import FLAGS as _FLAGS  # the same object: its fields change, it is never rebound
from .debug import all_primitives
from .errors import FuncgradError, TracerLeakError, describe, user_location
from .trace import Box, Node, Trace, getval

__all__ = ["Primitive", "registry", "primitive", "select_output", "add_any", "sum_to", "broadcast_to", "cast",
           "pack", "index0", "embed0", "Variadic", "JointJVP", "JointVJP", "zeros_for",
           "register_array_wrapper", "accepts_wrappers"]

#: name -> Primitive, for every public primitive. The registry-driven property tests walk this.
registry: dict[str, "Primitive"] = {}


def zeros_for(x: Any) -> Any:
    """A plain zero array shaped and typed like ``x`` (which may be traced, a scalar or a nested list)."""
    v = getval(x)
    if not hasattr(v, "shape"):
        v = namespace_of(*_flat_items(v)).asarray(v) if isinstance(v, (list, tuple)) else namespace(v).asarray(v)
    # a traced x reports its own shape (per example under vmap): zeros do not depend on any trace
    with device_scope(v):  # on x's device, which need not be the current one
        return namespace(v).zeros(x.shape if type(x) is Box else v.shape, dtype=v.dtype)


def _flat_items(v) -> list:
    out = []
    for e in v:
        out.extend(_flat_items(e) if isinstance(e, (list, tuple)) else [e])
    return out or [0.0]


class Joint:
    """A rule that handles every argument at once (a joint VJP returns all cotangents, a joint JVP sees all
    tangents); indexing it says that every argument may take part."""

    __slots__ = ("rule",)

    def __init__(self, rule: Callable):
        self.rule = rule

    def __len__(self) -> int:
        return sys.maxsize

    def __getitem__(self, i: int) -> bool:
        return True


JointVJP = JointJVP = Joint  # the names the engine's two passes check for


class Variadic:
    """Rule table for a primitive that takes any number of arrays: ``rule(i, g, ans, *args, **params)``."""

    __slots__ = ("rule",)

    def __init__(self, rule: Callable):
        self.rule = rule

    def __len__(self) -> int:
        return sys.maxsize

    def __getitem__(self, i: int) -> Callable:
        return functools.partial(self.rule, i)


_ARG0 = (0,)  # the argnums of a one-argument node (shared: nodes never change their argnums)
_SLOW_TYPES = {Box, list, tuple}  # argument types that leave the fast path (wrapper types are added)
# type -> (unwrap(obj) -> value, wrap(value, like=obj) -> obj): array-like objects (the Tensor facade) whose
# values primitives compute with; results come back wrapped the same way.
_WRAPPERS: dict = {}


def accepts_wrappers(fn: Callable) -> Callable:
    """Make a function built from primitives (a composite) take wrapped arrays too: it computes on the unwrapped
    values (so its code never meets a wrapper type's own methods) and its array results come back wrapped."""
    @functools.wraps(fn)
    def call(*args, **kw):
        like = _find_wrapped(args, kw)
        if like is None:
            return fn(*args, **kw)
        out = fn(*[_unwrap_any(a) for a in args], **{k: _unwrap_any(v) for k, v in kw.items()})
        wrap = _WRAPPERS[type(like)][1]
        return _rewrap(out, wrap, like)

    return call


def _find_wrapped(args, kw):
    for a in args:
        t = type(a)
        if t in _WRAPPERS:
            return a
        if t is list or t is tuple:
            for e in a:
                if type(e) in _WRAPPERS:
                    return e
    for a in kw.values():
        if type(a) in _WRAPPERS:
            return a
    return None


def _unwrap_any(a):
    t = type(a)
    if t in _WRAPPERS:
        return _WRAPPERS[t][0](a)
    if t is list or t is tuple:
        return t(_unwrap_any(e) for e in a)
    return a


def _rewrap(out, wrap, like):
    t = type(out)
    if t is Box or (hasattr(out, "shape") and hasattr(out, "dtype")):
        return wrap(out, like)
    if t is list or t is tuple:
        return t(_rewrap(o, wrap, like) for o in out)
    if isinstance(out, tuple) and hasattr(out, "_fields"):  # named tuples (eigh, slogdet, ...)
        return t(*[_rewrap(o, wrap, like) for o in out])
    return out


def register_array_wrapper(cls: type, unwrap: Callable, wrap: Callable) -> None:
    """Let primitives accept instances of ``cls``: they compute on ``unwrap(obj)`` and return ``wrap(out, obj)``.

    This is how the Tensor facade shares the engine: ``funcgrad.numpy`` functions take Tensors and give Tensors.
    """
    _WRAPPERS[cls] = (unwrap, wrap)
    _SLOW_TYPES.add(cls)


def _contains_box(seq) -> bool:
    if type(seq) is not list and type(seq) is not tuple:
        return False
    for e in seq:
        t = type(e)
        if t is Box or ((t is list or t is tuple) and _contains_box(e)):
            return True
    return False


class Primitive:
    """A differentiable array operation: ``impl`` on plain arrays plus per-argument rules.

    >>> import numpy as np
    >>> twice = Primitive("twice_doc_example", lambda x: 2 * x, register=False)
    >>> twice.def_vjp(lambda g, ans, x: twice(g))
    >>> twice(np.ones(2))
    array([2., 2.])
    """

    def __init__(self, name: str, impl: Callable, *, multiple_results: bool = False, register: bool = True,
                 doc: str | None = None, differentiable: bool = True):
        self.name = name
        # False: declared without derivative (comparisons, rounding, argmax ...): traced inputs pass through as
        # constants. True and no rules yet: differentiating it raises, it never gives a silent zero.
        self.differentiable = differentiable
        self.impl = impl
        self.vjps: Any = ()
        self.jvps: Any = ()  # forward-mode rules, filled by the forward-mode layer
        self.batch: Callable | None = None  # vmap rule; None: the generic loop over the batch (core/batching.py)
        self.multiple_results = multiple_results
        # True for elementwise maps whose output has their input's shape and dtype (tanh, exp ...): their VJPs
        # return cotangents of that shape and dtype already, so the backward pass skips fitting them
        self.keeps_shape = False
        self.__doc__ = doc or impl.__doc__
        self.__wrapped__ = impl
        all_primitives.add(self)
        if _debug.FLAGS.nans:
            _debug._wrap(self)
        if register:
            if name in registry:
                raise ValueError(f"a primitive named {name!r} is already registered")
            registry[name] = self

    def def_nondiff(self) -> "Primitive":
        """Declare this primitive non-differentiable: under a transform its output is a constant (the gradient
        stops), instead of the error a primitive without rules raises. Returns the primitive."""
        self.differentiable = False
        return self

    def def_vjp(self, *rules: Callable | None) -> None:
        """Set one VJP rule per positional argument (``None``: that argument gets no gradient).

        Arguments past the last rule get no gradient either (optional trailing array arguments).
        """
        self.vjps = tuple(rules)

    def def_vjp_variadic(self, rule: Callable) -> None:
        """Set one rule ``rule(i, g, ans, *args, **params)`` serving every positional argument."""
        self.vjps = Variadic(rule)

    def def_vjp_joint(self, rule: Callable) -> None:
        """Set one rule ``rule(g, ans, *args, **params)`` returning a tuple with every argument's cotangent
        (``None`` for zero), for rules that compute them together (custom VJPs)."""
        self.vjps = JointVJP(rule)

    def def_batch(self, rule: Callable) -> None:
        """Set the vmap rule ``rule(args, batched, **params) -> out``: ``args`` are this trace level's values,
        those with ``batched[i]`` true carry the batch as their leading axis; ``out`` (each output, for
        multiple results) must carry it as its leading axis too. Without a rule, vmap loops over the batch."""
        self.batch = rule

    def def_jvp(self, *rules: Callable | None) -> None:
        """Set one JVP rule per positional argument: ``rule(t, ans, *args, **params)`` is that argument's
        contribution to the output tangent (``None``: no tangent flows from it). The engine sums the
        contributions and broadcasts and casts the result to the output's shape and dtype."""
        self.jvps = tuple(rules)

    def def_jvp_joint(self, rule: Callable) -> None:
        """Set one rule ``rule(tangents, ans, *args, **params)`` taking every argument's tangent at once
        (``None`` for arguments that carry none); for variadic primitives and multiple results."""
        self.jvps = JointJVP(rule)

    def def_jvp_linear(self) -> None:
        """The primitive is linear in its array arguments: its JVP is the primitive applied to the tangents
        (zeros standing in for arguments without one)."""
        prim = self

        def linear(tangents, ans, *args, **kw):
            return prim(*[zeros_for(a) if t is None else t for t, a in zip(tangents, args)], **kw)

        self.jvps = JointJVP(linear)

    def __repr__(self) -> str:
        return f"<funcgrad primitive {self.name}>"

    def __call__(self, *args, **kw):
        # The fast path: one type test per positional argument, then the raw implementation.
        for a in args:
            if type(a) in _SLOW_TYPES:
                return self._bind(args, kw)
        try:
            return self.impl(*args, **kw)
        except FuncgradError:
            raise
        except (ValueError, TypeError, IndexError, ArithmeticError) as e:
            raise self._input_error(e, args, kw) from None

    def _call_wrapped(self, args, kw, like):
        unwrap, wrap = _WRAPPERS[type(like)]
        out = self(*[_WRAPPERS[type(a)][0](a) if type(a) in _WRAPPERS else a for a in args], **kw)
        if type(out) is tuple:
            return tuple(wrap(o, like) for o in out)
        return wrap(out, like)

    def _call_impl(self, args, kw):
        """The raw implementation, with input errors reworded to name this primitive and the shapes."""
        try:
            return self.impl(*args, **kw)
        except FuncgradError:
            raise
        except (ValueError, TypeError, IndexError, ArithmeticError) as e:
            raise self._input_error(e, args, kw) from None

    def _input_error(self, e: Exception, args, kw) -> Exception:
        # The array library's own complaint about arrays of two devices (CuPy's "Unsupported type ndarray", or
        # "Array device must be same as the current device") is reworded to name the devices: only paid on errors.
        mismatch = device_mismatch(self.name, [[getval(e) for e in a] if type(a) in (list, tuple) else getval(a)
                                               for a in args])
        if mismatch is not None:
            return mismatch
        params = "".join(f", {k}={v!r}" for k, v in kw.items())
        msg = (f"funcgrad.{self.name}({', '.join(describe(a) for a in args)}{params}): {e} "
               f"(called at {user_location()})")
        try:
            return type(e)(msg)
        except Exception:  # exception types with unusual constructors
            return ValueError(msg)

    def _bind(self, args, kw):
        # The common case in one pass: every traced argument belongs to one active reverse-mode trace and holds a
        # plain value, and the rules are a per-argument table; one node, one box. Anything else (nested traces,
        # lists holding traced values, array wrappers, forward mode, vmap) takes _bind_general.
        rules = self.vjps
        if type(rules) is not tuple or not rules:
            return self._bind_general(args, kw)
        if len(args) == 1:
            # One argument (tanh, exp, sum ...), the most common call: the loop below, unrolled. It saves about a
            # tenth of a traced op's Python time, measured on benchmarks/bench_overhead.py.
            a = args[0]
            if type(a) is Box:
                top = a._trace
                v = a.value
                if (type(v) is not Box and top.reverse and top.active and rules[0] is not None
                        and not self.multiple_results and not _FLAGS.nans):
                    try:
                        ans = self.impl(v, **kw)
                    except FuncgradError:
                        raise
                    except (ValueError, TypeError, IndexError, ArithmeticError) as e:
                        raise self._input_error(e, [v], kw) from None
                    return Box(ans, Node(self, [v], kw, ans, _ARG0, [a.node]), top)
        nrules = len(rules)
        top = None
        argvals = list(args)
        argnums = []
        parents = []
        i = 0
        for a in args:
            t = type(a)
            if t is Box:
                if a._trace is not top:
                    if top is not None:
                        return self._bind_general(args, kw)
                    top = a._trace
                v = argvals[i] = a.value
                if type(v) is Box:
                    return self._bind_general(args, kw)
                if i < nrules and rules[i] is not None:
                    argnums.append(i)
                    parents.append(a.node)
            elif t in _SLOW_TYPES:
                return self._bind_general(args, kw)
            i += 1
        if top is None or not top.reverse or not top.active:
            return self._bind_general(args, kw)
        try:  # _call_impl, inlined: this is the traced hot path
            ans = self.impl(*argvals, **kw)
        except FuncgradError:
            raise
        except (ValueError, TypeError, IndexError, ArithmeticError) as e:
            raise self._input_error(e, argvals, kw) from None
        if not argnums:
            return ans
        if self.multiple_results or _FLAGS.nans:
            return top.process(self, ans, argvals, kw, argnums, parents)
        return Box(ans, Node(self, argvals, kw, ans, argnums, parents), top)

    def _bind_general(self, args, kw):
        top = None
        for a in args:
            t = type(a)
            if t is Box:
                tr = a._trace
                if top is None or tr.level > top.level:
                    top = tr
            elif (t is list or t is tuple) and _contains_box(a):
                # Sequences that mix traced values and numbers become one traced array, as NumPy would make
                # them one array.
                return self(*[pack(*e) if (type(e) is list or type(e) is tuple) and _contains_box(e) else e
                              for e in args], **kw)
            elif t in _WRAPPERS:
                return self._call_wrapped(args, kw, a)
        if top is None:  # plain lists only
            return self._call_impl(args, kw)
        if not top.active:
            raise TracerLeakError(
                f"funcgrad.{self.name} received a value traced by {top.transform}{top.where}, which has already "
                f"returned (at {user_location()}). A traced value must not escape the function being "
                f"transformed: return it (or pass it through has_aux=True) instead of storing it.")
        if top.batching or top.recording:  # vmap's trace and jit's recorder apply every primitive themselves
            return top.apply(self, args, kw)
        rules = self.vjps if top.reverse else self.jvps
        if not rules:
            if self.vjps or self.jvps:
                raise NotImplementedError(
                    f"funcgrad.{self.name} has no {'VJP' if top.reverse else 'JVP'} rule, so "
                    f"{top.transform} cannot differentiate it (at {user_location()}); define it with "
                    f"{'defvjp' if top.reverse else 'defjvp'}")
            if self.differentiable:
                raise NotImplementedError(
                    f"funcgrad.{self.name} has no derivative rule (no VJP, no JVP), so {top.transform} cannot "
                    f"differentiate it (at {user_location()}). Give it one with funcgrad.defvjp / defjvp (or "
                    f"Primitive.def_vjp / def_jvp), or, if it has no derivative, declare it so: "
                    f"funcgrad.primitive(fun, differentiable=False) or Primitive.def_nondiff()")
            # declared without derivative: drop this trace's level only (outer traces, vmap's batching, see it)
            return self(*[a.value if type(a) is Box and a._trace is top else a for a in args], **kw)
        nrules = len(rules)
        argvals = list(args)
        argnums = []
        parents = []
        nested = False  # does any argument stay traced by an outer transform?
        for i, a in enumerate(args):
            if type(a) is Box:
                if a._trace is top:
                    v = argvals[i] = a.value
                    if type(v) is Box:
                        nested = True
                    if i < nrules and rules[i] is not None:
                        argnums.append(i)
                        parents.append(a.node)
                else:
                    nested = True
        if nested:
            # The same call again, one trace level down: outer traces record it in turn.
            ans = self(*argvals, **kw)
        else:
            ans = self._call_impl(argvals, kw)
        if not argnums:
            return ans
        return top.process(self, ans, argvals, kw, argnums, parents)


def nondifferentiable(*prims: Primitive) -> None:
    """Declare ``prims`` non-differentiable (see :meth:`Primitive.def_nondiff`), one line per family module."""
    for p in prims:
        p.def_nondiff()


def primitive(name: str, *, multiple_results: bool = False) -> Callable[[Callable], Primitive]:
    """Decorator form: ``@primitive("sin")`` over the raw implementation.

    >>> @primitive("cube_doc_example")
    ... def cube(x):
    ...     return x ** 3
    >>> cube(2.0)
    8.0
    >>> del registry["cube_doc_example"]
    """
    def wrap(impl: Callable) -> Primitive:
        return Primitive(name, impl, multiple_results=multiple_results)
    return wrap


# --- primitives the engine itself relies on -------------------------------------------------------------------

select_output = Primitive("select_output", lambda t, index: t[index], register=False,
                          doc="Output ``index`` of a multiple-result primitive (internal).")
select_output.def_vjp(lambda g, ans, t, index: tuple(g if i == index else None for i in range(len(t))))
Trace.select_output = select_output  # the trace boxes each result through it (trace.py is below this module)


@primitive("add_any")
def add_any(x, y):
    """Sum of two cotangents (the engine's accumulator)."""
    return x + y


add_any.def_vjp(lambda g, ans, x, y: g, lambda g, ans, x, y: g)


@functools.lru_cache(maxsize=1024)
def _sum_axes(src: tuple, dst: tuple) -> tuple[tuple, bool]:
    lead = len(src) - len(dst)
    if lead < 0:
        raise ValueError(f"cannot sum shape {src} down to the larger shape {dst}")
    axes = list(range(lead))
    for i, d in enumerate(dst):
        s = src[lead + i]
        if d == 1 and s != 1:
            axes.append(lead + i)
        elif d != s:
            raise ValueError(f"cannot sum shape {src} down to shape {dst}")
    return tuple(axes), lead > 0


@primitive("sum_to")
def sum_to(x, shape):
    """Sum ``x`` over the axes that broadcasting to its shape added or stretched, giving ``shape``."""
    xs = shape_of(x)
    if xs == tuple(shape):
        return x
    axes, _ = _sum_axes(xs, tuple(shape))
    # the array's own method skips numpy.sum's dispatch layer; leading axes summed away need no reshape
    out = x.sum(axis=axes) if hasattr(x, "sum") else namespace(x).sum(x, axis=axes)
    return out if shape_of(out) == tuple(shape) else namespace(out).reshape(out, shape)


sum_to.def_vjp(lambda g, ans, x, shape: broadcast_to(g, shape=shape_of(x)))


@primitive("broadcast_to")
def broadcast_to(x, shape):
    """``numpy.broadcast_to`` (a read-only view)."""
    return namespace(x).broadcast_to(x, shape)


broadcast_to.def_vjp(lambda g, ans, x, shape: g)  # the engine sums g back to x's shape


@primitive("cast")
def cast(x, dtype):
    """``x.astype(dtype)``; the engine casts cotangents back to each input's dtype with it. A complex value cast
    to a real dtype keeps its real part (the transpose of embedding the reals in the complex plane)."""
    xp = namespace(x)
    x = xp.asarray(x)
    if x.dtype.kind == "c" and xp.dtype(dtype).kind != "c":
        x = x.real
    return x.astype(dtype)


cast.def_vjp(lambda g, ans, x, dtype: g)  # the engine casts g back to x's dtype


@primitive("pack")
def pack(*xs):
    """Stack same-shaped values along a new leading axis; how ``[x, 2 * y]`` becomes one traced array."""
    xp = namespace_of(*xs)
    if xp is not _np:  # asarray would copy host values to the device silently
        mismatch = device_mismatch("pack", xs)
        if mismatch is not None:
            raise mismatch
    return xp.stack([xp.asarray(x) for x in xs])


@primitive("index0")
def index0(x, i):
    """``x[i]`` for an integer ``i`` on the leading axis."""
    return x[i]


@primitive("embed0")
def embed0(g, i, n):
    """A zero array with ``n`` rows whose row ``i`` is ``g`` (the transpose of :func:`index0`)."""
    xp = namespace(g)
    out = xp.zeros((n,) + shape_of(g), dtype=g.dtype)
    out[i] = g
    return out


pack.def_vjp_variadic(lambda i, g, ans, *xs: index0(g, i=i))
index0.def_vjp(lambda g, ans, x, i: embed0(g, i=i, n=shape_of(x)[0]))
embed0.def_vjp(lambda g, ans, x, i, n: index0(g, i=i))


# forward-mode rules of the engine's primitives
add_any.def_jvp_linear()
sum_to.def_jvp_linear()
broadcast_to.def_jvp_linear()
cast.def_jvp_linear()
pack.def_jvp_linear()
index0.def_jvp_linear()
embed0.def_jvp_linear()
