"""Dynamic shapes for ``funcgrad.export``: sizes of some input axes left as named symbols.

A recorded graph holds concrete numbers wherever the function used a shape (reshape targets, broadcast shapes, the
shapes of every value, integers computed from ``x.shape``). Rather than tracing symbolic shapes through every
primitive, the graph is recorded several times, at the example sizes and at bumped sizes of each symbol, and the
recordings are compared: they must be the same program, each differing integer must be an affine function of the
symbols (checked at one more size than the fit used), and nothing else may change. Those integers are stored as
:class:`Dim` values (``2*batch+1``) and the graph is re-instantiated with concrete sizes per call. Anything the
comparison cannot explain (a constant array whose shape follows the batch, a float such as ``1 / batch``, a
program whose structure changes with the size) is refused with the primitive that holds it.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import tree
from ..backend import namespace
from .graph import Eqn, Graph, Lit

__all__ = ["Dim", "Fill", "ExportError", "parse_dynamic_shapes", "fit_graphs", "instantiate", "has_dims"]


class ExportError(ValueError):
    """An exported program could not be written or read back (the message names the problem)."""


class Dim:
    """An integer affine in named sizes: ``const + sum(coef * size)``; ``Dim.symbol("batch")`` is one size.

    >>> d = Dim(1, (("batch", 2),)); d, d.eval({"batch": 3})
    (2*batch+1, 7)
    """

    __slots__ = ("const", "terms")

    def __init__(self, const: int, terms: tuple):
        self.const = int(const)
        self.terms = tuple(sorted((str(n), int(c)) for n, c in terms if c))

    @classmethod
    def symbol(cls, name: str) -> "Dim":
        return cls(0, ((name, 1),))

    def eval(self, env: dict) -> int:
        return self.const + sum(c * env[n] for n, c in self.terms)

    def __eq__(self, other: Any) -> bool:
        return type(other) is Dim and other.const == self.const and other.terms == self.terms

    def __hash__(self) -> int:
        return hash((self.const, self.terms))

    def __repr__(self) -> str:
        parts = [n if c == 1 else f"{c}*{n}" for n, c in self.terms]
        if self.const or not parts:
            parts.append(str(self.const))
        return "+".join(parts).replace("+-", "-")


class Fill:
    """A constant array of one repeated value whose shape and value follow the dynamic sizes: ``shape`` holds
    :class:`Dim` values, and the value is ``value * prod(size ** power)`` (a mean's gradient seed ``1 / batch``
    broadcast to the batch: what the recording computes without tracing, outside the graph)."""

    __slots__ = ("shape", "dtype", "value", "powers")

    def __init__(self, shape: tuple, dtype: Any, value: float, powers: tuple):
        self.shape, self.dtype, self.value = tuple(shape), np.dtype(dtype), value
        self.powers = tuple(sorted((str(n), int(p)) for n, p in powers if p))

    def scalar(self, env: dict) -> Any:
        v = self.value
        for n, p in self.powers:  # a division where the recording divided, so that the value is the eager one
            v = v * env[n] ** p if p > 0 else v / env[n] ** -p
        return v

    def eval(self, env: dict) -> Any:
        return np.full(tuple(subst(self.shape, env)), self.scalar(env), dtype=self.dtype)

    def __repr__(self) -> str:
        return f"Fill({self.shape}, {self.dtype}, {self.value!r} * {self.powers})"


def has_dims(v: Any) -> bool:
    """Whether a (nested) parameter value holds a :class:`Dim`.

    >>> has_dims((2, Dim.symbol("n"))), has_dims((2, 3))
    (True, False)
    """
    if type(v) is Dim:
        return True
    if type(v) in (tuple, list):
        return any(has_dims(x) for x in v)
    if type(v) is slice:
        return has_dims((v.start, v.stop, v.step))
    return False


def subst(v: Any, env: dict) -> Any:
    """``v`` with each :class:`Dim` (and :class:`Fill`) replaced by its value for the sizes ``env``.

    >>> subst((Dim(1, (("n", 2),)), slice(None, Dim.symbol("n"))), {"n": 3})
    (7, slice(None, 3, None))
    """
    t = type(v)
    if t is Dim or t is Fill:
        return v.eval(env)
    if t is tuple or t is list:
        return t(subst(x, env) for x in v)
    if t is slice:
        return slice(subst(v.start, env), subst(v.stop, env), subst(v.step, env))
    if t is Lit:
        return Lit(subst(v.value, env))
    return v


# --- the specification ---------------------------------------------------------------------------------------
def _is_axis_map(spec: Any) -> bool:
    return type(spec) is dict and all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in spec)


def parse_dynamic_shapes(spec: Any, args: tuple, name: str) -> dict:
    """``{leaf index: {axis: symbol}}`` from a spec with one entry per positional argument (torch.export's form):
    None (all static), ``{axis: "name"}`` for an array, or a nested structure of those following the argument's
    own pytree. Checks the axes, the names, and that one name has one example size.

    >>> parse_dynamic_shapes(({0: "batch"}, None), (np.ones((4, 2)), np.ones(3)), "f")
    {0: {0: 'batch'}}
    """
    where = f"funcgrad.export({name})"
    if type(spec) not in (tuple, list) or len(spec) != len(args):
        raise ExportError(f"{where}: dynamic_shapes must be a tuple with one entry per positional argument "
                          f"({len(args)}), e.g. ({{0: 'batch'}},) + (None,) * {max(len(args) - 1, 0)}; got "
                          f"{spec!r:.80}")
    out: dict = {}
    sizes: dict = {}
    counter = [0]

    def walk(s: Any, a: Any, path: str) -> None:
        if s is None:
            counter[0] += len(tree.leaves(a))
            return
        if _is_axis_map(s) and hasattr(a, "shape"):
            k = counter[0]
            counter[0] += 1
            nd = len(a.shape)
            axes = {}
            for ax, sym in s.items():
                if not -nd <= ax < nd:
                    raise ExportError(f"{where}: dynamic_shapes{path} names axis {ax}, but the argument has shape "
                                      f"{tuple(a.shape)}")
                if not (isinstance(sym, str) and sym.isidentifier()):
                    raise ExportError(f"{where}: dynamic_shapes{path}[{ax}] must be a name (an identifier string "
                                      f"such as 'batch'), got {sym!r}")
                n = int(a.shape[ax])
                if n < 1:
                    raise ExportError(f"{where}: the example's size {n} on dynamic axis {ax} ({sym!r}) must be at "
                                      f"least 1")
                if sizes.setdefault(sym, n) != n:
                    raise ExportError(f"{where}: dynamic size {sym!r} is {sizes[sym]} on one axis and {n} on "
                                      f"another in the example; one name means one size")
                axes[ax % nd] = sym
            if axes:
                out[k] = axes
            return
        if type(s) in (tuple, list) and type(a) in (tuple, list) and len(s) == len(a):
            for j, (s2, a2) in enumerate(zip(s, a)):
                walk(s2, a2, f"{path}[{j}]")
            return
        if type(s) is dict and isinstance(a, dict) and set(s) == set(a):
            for key in a:
                walk(s[key], a[key], f"{path}[{key!r}]")
            return
        raise ExportError(f"{where}: dynamic_shapes{path} is {s!r:.60}, which does not fit the argument there "
                          f"({type(a).__name__}); give None, {{axis: 'name'}} for an array, or the same structure "
                          f"as the argument")

    for j, (s, a) in enumerate(zip(spec, args)):
        walk(s, a, f"[{j}]")
    return out


def resized_args(args: tuple, dims: dict, env: dict) -> tuple:
    """The example arguments with each dynamic axis given the size ``env`` names (values repeated to fill).

    >>> resized_args((np.arange(2.0),), {0: {0: "n"}}, {"n": 3})[0]
    array([0., 1., 0.])
    """
    leaves, td = tree.flatten(args)
    new = []
    for k, x in enumerate(leaves):
        if k in dims:
            shape = list(x.shape)
            for ax, sym in dims[k].items():
                shape[ax] = env[sym]
            x = namespace(x).resize(x, tuple(shape))
        new.append(x)
    return tree.unflatten(td, new)


# --- fitting the recordings ----------------------------------------------------------------------------------
class _NotAffine(Exception):
    pass


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _fit_leaf(vals: list, symbols: list, base: dict, lenient: bool = False) -> Any:
    """``vals``: the value at the example sizes, with each symbol doubled, and with all tripled (multiples keep
    whatever divisibility the example's sizes have). ``lenient``: an integer that is not affine becomes None
    (an unknown size in a value's shape) instead of an error."""
    v0 = vals[0]
    if all(_is_int(v) for v in vals):
        if all(v == v0 for v in vals):
            return v0
        steps = [int(vals[1 + j]) - int(v0) for j in range(len(symbols))]
        if any(d % base[s] for d, s in zip(steps, symbols)):
            if lenient:
                return None
            raise _NotAffine(f"{v0}, then {list(vals[1:])}")
        coefs = [(s, d // base[s]) for d, s in zip(steps, symbols)]
        d = Dim(int(v0) - sum(c * base[s] for s, c in coefs), tuple(coefs))
        if d.eval({s: 3 * base[s] for s in symbols}) != vals[-1]:
            if lenient:
                return None
            raise _NotAffine(f"{v0}, then {list(vals[1:])}")
        return d
    if any(type(v) is not type(v0) for v in vals):
        raise _NotAffine(f"{vals[0]!r} then {vals[1]!r}")
    t = type(v0)
    if t is tuple or t is list:
        if any(len(v) != len(v0) for v in vals):
            raise _NotAffine(f"{v0!r} then {vals[1]!r}")
        return t(_fit_leaf([v[j] for v in vals], symbols, base, lenient) for j in range(len(v0)))
    if t is slice:
        parts = [_fit_leaf([getattr(v, a) for v in vals], symbols, base) for a in ("start", "stop", "step")]
        return slice(*parts)
    if t is Lit:
        return Lit(_fit_leaf([v.value for v in vals], symbols, base))
    if hasattr(v0, "shape") and hasattr(v0, "dtype") and hasattr(v0, "size"):  # an array (a dtype has no size)
        if all(getattr(v, "shape", None) == v0.shape and np.array_equal(v, v0, equal_nan=v0.dtype.kind in "fc")
               for v in vals[1:]):
            return v0
        raise _NotAffine(f"an array of shape {tuple(v0.shape)}, then {tuple(getattr(vals[1], 'shape', ()))}")
    try:
        same = all(v == v0 or (v != v and v0 != v0) for v in vals)
    except (TypeError, ValueError):
        same = False
    if not same:
        raise _NotAffine(f"{v0!r:.40}, then {vals[1]!r:.40}")
    return v0


def _fit_fill(vals: list, symbols: list, base: dict) -> Fill:
    """A :class:`Fill` for constant arrays recorded at the sizes of :func:`bumped_envs`, or _NotAffine."""
    v0 = vals[0]
    if not hasattr(v0, "shape"):
        raise _NotAffine(f"{v0!r:.40}, then {vals[1]!r:.40}")
    if not all(hasattr(v, "shape") and getattr(v, "size", 0) and v.dtype == v0.dtype and v.dtype.kind in "fiu"
               and bool((v == v.flat[0]).all()) for v in vals):
        raise _NotAffine(f"an array of shape {tuple(getattr(v0, 'shape', ()))}, then "
                         f"{tuple(getattr(vals[1], 'shape', ()))}")
    shape = _fit_leaf([tuple(v.shape) for v in vals], symbols, base)
    x = [float(v.flat[0]) for v in vals]
    powers = []
    for j, sym in enumerate(symbols):
        if x[0] == x[1 + j]:
            continue
        ratio = x[1 + j] / x[0] if x[0] else 0.0
        p = int(round(np.log2(ratio))) if ratio > 0 else 0
        if p == 0 or abs(ratio - 2.0 ** p) > 1e-12 * abs(ratio):
            raise _NotAffine(f"a value {x[0]!r} at size {base[sym]} and {x[1 + j]!r} at {2 * base[sym]}")
        powers.append((sym, p))
    unit = x[0]
    for sym, p in powers:
        unit = unit / base[sym] ** p if p > 0 else unit * base[sym] ** -p
    fill = Fill(shape, v0.dtype, unit, tuple(powers))
    last = fill.scalar({s: 3 * base[s] for s in symbols})
    if abs(last - x[-1]) > 1e-12 * abs(x[-1]) or (v0.dtype.kind in "iu" and last != x[-1]):
        raise _NotAffine(f"a value {x[0]!r} at the example's sizes and {x[-1]!r} at three times them")
    return fill


def _first_user(g: Graph, i: int) -> str:
    for k, e in enumerate(g.eqns):
        if i in e.inputs:
            return f"primitive {e.prim.name!r} (equation {k})"
    return "an output"


def fit_graphs(graphs: list, symbols: list, base: dict, name: str) -> Graph:
    """One graph with :class:`Dim` values from recordings at the sizes of :func:`bumped_envs` (``graphs`` in that
    order); an ExportError names the primitive, parameter or constant that no formula explains.

    >>> import funcgrad as fg
    >>> gs = [fg.jit(lambda x: x.reshape(2, -1)).lower(np.ones(2 * n)).graph for n in (2, 4, 6)]
    >>> fit_graphs(gs, ["n"], {"n": 2}, "f").avals[1][0]
    (2, n)
    """
    g0 = graphs[0]
    where = f"funcgrad.export({name}, dynamic_shapes=...)"
    for g in graphs[1:]:
        if (len(g.eqns) != len(g0.eqns) or g.inputs != g0.inputs or set(g.consts) != set(g0.consts)
                or set(g.avals) != set(g0.avals) or len(g.outputs) != len(g0.outputs)):
            raise ExportError(f"{where}: the program recorded at other sizes of {symbols} has another structure "
                              f"({len(g0.eqns)} vs {len(g.eqns)} equations, or other values); the function's "
                              f"Python depends on those sizes, so they cannot be dynamic")
    out = Graph()
    out.inputs = list(g0.inputs)
    for k, e in enumerate(g0.eqns):
        others = [g.eqns[k] for g in graphs]
        if any(o.prim is not e.prim or o.inputs != e.inputs or o.outputs != e.outputs or set(o.params) != set(e.params)
               for o in others):
            raise ExportError(f"{where}: equation {k} ({e.prim.name}) differs between recordings at different "
                              f"sizes of {symbols}; the function's Python depends on those sizes")
        params = {}
        for p in e.params:
            try:
                params[p] = _fit_leaf([o.params[p] for o in others], symbols, base)
            except _NotAffine as why:
                raise ExportError(f"{where}: parameter {p!r} of primitive {e.prim.name!r} (equation {k}) is not an "
                                  f"affine function of the dynamic sizes {symbols} ({why}); make that axis static "
                                  f"or compute the parameter from values instead of shapes") from None
        out.eqns.append(Eqn(e.prim, params, list(e.inputs), list(e.outputs)))
    for i, c in g0.consts.items():
        try:
            try:
                out.consts[i] = _fit_leaf([g.consts[i] for g in graphs], symbols, base)
            except _NotAffine:
                out.consts[i] = _fit_fill([g.consts[i] for g in graphs], symbols, base)
        except _NotAffine as why:
            raise ExportError(f"{where}: constant v{i}, used by {_first_user(g0, i)}, changes with the dynamic "
                              f"sizes {symbols} ({why}): neither an integer affine in them nor a uniform array of "
                              f"such a shape with a value that scales as a power of them; build it from the "
                              f"inputs (fnp.ones_like(x), a sum over an axis) rather than from x.shape") from None
    for i, a in g0.avals.items():
        try:
            out.avals[i] = _fit_leaf([g.avals[i] for g in graphs], symbols, base, lenient=True)
        except _NotAffine as why:
            raise ExportError(f"{where}: the shape of value v{i} is not affine in the dynamic sizes {symbols} "
                              f"({why}); make that axis static") from None
    try:
        out.outputs = [_fit_leaf([g.outputs[j] for g in graphs], symbols, base) for j in range(len(g0.outputs))]
    except _NotAffine as why:
        raise ExportError(f"{where}: an output changes with the dynamic sizes in a way export cannot store "
                          f"({why})") from None
    out.copy_outputs = set(g0.copy_outputs)
    out.next_id = g0.next_id
    return out


def instantiate(g: Graph, env: dict) -> Graph:
    """A concrete graph for the sizes ``env``; raises when some value would get a negative size.

    >>> import funcgrad as fg
    >>> g = fg.export(lambda x: x * 2.0, np.ones(3), dynamic_shapes=({0: "n"},)).graph
    >>> instantiate(g, {"n": 5}).avals[g.inputs[0]][0]
    (5,)
    """
    out = Graph()
    out.inputs = list(g.inputs)
    out.eqns = [Eqn(e.prim, {k: subst(v, env) for k, v in e.params.items()}, list(e.inputs), list(e.outputs))
                for e in g.eqns]
    out.consts = {i: subst(c, env) for i, c in g.consts.items()}
    out.avals = {}
    for i, a in g.avals.items():
        if a is not None:
            a = (tuple(subst(tuple(a[0]), env)), a[1])
            if any(d is not None and d < 0 for d in a[0]):
                raise ExportError(f"the sizes {env} are too small for this program: value v{i} would have shape "
                                  f"{a[0]}")
        out.avals[i] = a
    out.outputs = [o if type(o) is int else subst(o, env) for o in g.outputs]
    out.copy_outputs = set(g.copy_outputs)
    out.next_id = g.next_id
    return out


def bumped_envs(base: dict, symbols: list) -> list:
    """The sizes to record at: the example's, each symbol doubled, then all tripled.

    >>> bumped_envs({"n": 2}, ["n"])
    [{'n': 2}, {'n': 4}, {'n': 6}]
    """
    envs = [dict(base)]
    for s in symbols:
        envs.append(dict(base, **{s: 2 * base[s]}))
    envs.append({s: 3 * base[s] for s in base})
    return envs
