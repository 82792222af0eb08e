"""``jit``: record a function once per input signature, optimize the graph, replay it.

The signature of a call is the pytree structure of its arguments, each array leaf's type, shape, dtype, device and
memory layout, and the values of the static arguments (``static_argnums`` / ``static_argnames``, Python numbers and
other non-array leaves). The first call with a new signature records the function (it runs once, on recorder
boxes), optimizes the graph and keeps it; later calls with that signature replay it without running the Python.
A call whose arguments are NumPy arrays in tuples, lists and dicts finds its graph by a flat key of the structure,
shapes, dtypes and layouts, built in one pass (no pytree structure object, no per-leaf signature tuples), and the
replay returns the output pytree itself: the wrapper costs about 2 us a call.

Calls with values traced by an outer transform (``grad(jit(f))``, ``vmap(jit(f))``, or a jitted function called
while another one records) replay the same graph through the primitives' ``__call__``, so the outer transform sees
ordinary primitive calls; a jitted function called by another jitted function is thus inlined into its graph.
"""
from __future__ import annotations

import collections
import functools
import inspect
import os
import threading
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from .. import tree
from ..backend import device_of
from ..core import Box
from ..core.errors import TracedConversionError
from .graph import format_graph, graph_cost
from .passes import DEFAULT_PASSES, optimize, plan_inplace
from .record import ClosureTraced, Recorder, example_value, is_array, record
from .replay import compile_plain, run_traced

__all__ = ["jit", "Jitted", "Lowered", "CacheInfo", "RETRACE_WARN_AFTER", "INPLACE_MIN_BYTES"]

#: jit warns (once per function) when it has retraced a function more than this many times
RETRACE_WARN_AFTER = 8
#: the in-place plan only reuses buffers at least this large: below it, a ufunc's ``out=`` saves less than the
#: keyword costs (measured on benchmarks/bench_jit.py)
INPLACE_MIN_BYTES = 1 << 16

#: array-wrapper type -> factory(fun) of the callable that runs calls passing such values (filled by
#: funcgrad.compiler for Tensors: recorded on the Tensors' values, the result joins their autograd graph)
WRAPPED_CALLS: dict = {}

CacheInfo = collections.namedtuple("CacheInfo", ["hits", "misses", "traces", "currsize"])
_SCALARS = (bool, int, float, complex)
# frames in these folders are not the user's: NumPy's own, and funcgrad's
_LIB_DIRS = (os.path.dirname(os.path.abspath(np.__file__)) + os.sep,
             os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep)


class _Entry:
    """One signature's compiled graph."""

    __slots__ = ("graph", "raw", "out_tree", "run", "plan", "notes")

    def __init__(self, graph, raw, out_tree, run, plan, notes):
        self.graph, self.raw, self.out_tree, self.run, self.plan, self.notes = graph, raw, out_tree, run, plan, notes


class _Wrapped:
    """The cache entry of a signature with wrapped values (Tensors): the call goes to ``WRAPPED_CALLS``' callable,
    whose recordings count as this function's."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, jitted: "Jitted", args: tuple, kwargs: dict) -> Any:
        n = self.fn.traces
        out = self.fn(*args, **kwargs)
        with jitted._lock:
            if self.fn.traces != n:
                jitted._traces += self.fn.traces - n
                jitted._misses += 1
            else:
                jitted._hits += 1
        return out


def _leaf_sig(x: Any) -> Any:
    t = type(x)
    if t is np.ndarray:  # the common leaf first: what the general branch below gives a NumPy array
        return (t, x.shape, x.dtype, "cpu", x.flags.c_contiguous)
    if t is Box:
        v = x
        while type(v) is Box:
            v = v.value
        return (type(v), tuple(x.shape), x.dtype, device_of(v), True)
    if t in _SCALARS:
        return ("static", t, x)
    if is_array(x):
        flags = getattr(x, "flags", None)
        layout = getattr(flags, "c_contiguous", True)
        return (t, x.shape, x.dtype, "cpu" if t.__module__ == "numpy" else device_of(x), layout)
    try:
        hash(x)
    except TypeError:
        raise TypeError(f"funcgrad.jit: an argument leaf of type {t.__name__} is neither an array nor hashable, "
                        f"so it can be neither traced nor used as a static value; pass arrays, or make it "
                        f"hashable and static") from None
    return ("static", t, x)


_NDARRAY = np.ndarray


def _fast_into(x: Any, leaves: list, parts: list) -> bool:
    """Append the leaves of ``x`` and the tokens of its key: False where ``x`` holds anything but NumPy arrays in
    tuples, lists and dicts (exact types), which the general path then handles. The tokens decode to one tree: a
    container's type then its length or sorted keys, then its children; an array leaf's shape, dtype and
    C-contiguity (what the general key holds of it)."""
    t = type(x)
    if t is _NDARRAY:
        leaves.append(x)
        parts.append(x.shape)
        parts.append(x.dtype)
        parts.append(x.flags.c_contiguous)
        return True
    if t is dict:
        try:
            keys = tuple(sorted(x))
        except TypeError:
            return False
        children = [x[k] for k in keys]
        parts.append(dict)
        parts.append(keys)
    elif t is tuple or t is list:
        children = x
        parts.append(t)
        parts.append(len(x))
    else:
        return False
    for c in children:
        if type(c) is _NDARRAY:  # inline: the common leaf without a call
            leaves.append(c)
            parts.append(c.shape)
            parts.append(c.dtype)
            parts.append(c.flags.c_contiguous)
        elif not _fast_into(c, leaves, parts):
            return False
    return True


def _describe_sig(s: Any) -> str:
    if s is None:
        return "absent"
    if s[0] == "static":
        return f"static value {s[2]!r}"
    return f"{s[2]}{list(s[1])}" + ("" if s[4] else " (not C-contiguous)")


def _is_static_leaf(x: Any) -> bool:
    return type(x) in _SCALARS or not (type(x) is Box or is_array(x))


class Lowered:
    """The optimized graph of one signature: ``as_text()`` lists it, ``cost()`` estimates its work."""

    def __init__(self, entry: _Entry, name: str):
        self._entry = entry
        self.name = name
        self.graph = entry.graph

    def as_text(self) -> str:
        """A readable listing: what each pass did, then one line per equation (outputs, primitive, inputs,
        static parameters, shapes and dtypes).

        >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
        >>> print(fg.jit(lambda x: fnp.sin(x) * 1.0).lower(np.ones(3)).as_text().splitlines()[-2])
        v1 = sin(v0)  : float64[3]
        """
        e = self._entry
        head = [f"jit({self.name}): {len(e.raw.eqns)} equation(s) recorded, {len(e.graph.eqns)} after the passes"]
        head += [f"  {n}" for n in e.notes]
        return "\n".join(head + [format_graph(e.graph, {k: t for k, (_, t) in e.plan.items()})])

    def cost(self) -> dict:
        """``{"flops", "flops_unknown_for", "bytes_allocated", "peak_bytes", "eqns"}`` for one plain replay.

        >>> import numpy as np, funcgrad as fg
        >>> fg.jit(lambda a, b: a @ b).lower(np.ones((2, 3)), np.ones((3, 4))).cost()["flops"]
        48
        """
        return graph_cost(self._entry.graph, self._entry.plan)

    def __repr__(self) -> str:
        return f"<Lowered jit({self.name}): {len(self._entry.graph.eqns)} equations>"


class Jitted:
    """A function recorded into a graph once per input signature and replayed (see :func:`jit`)."""

    def __init__(self, fun: Callable, static_argnums: Sequence[int] = (), static_argnames: Sequence[str] = (),
                 donate_argnums: Sequence[int] = (), passes: Sequence[str] | None = None):
        if not callable(fun):
            raise TypeError(f"funcgrad.jit: expected a function, got {type(fun).__name__}")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.static_argnums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
        self.static_argnames = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
        self.donate_argnums = (donate_argnums,) if isinstance(donate_argnums, int) else tuple(donate_argnums)
        # as jax.jit: a static parameter is static however it is passed; the signature maps positions to names
        self._named_pos = self._infer_static_names()
        both = set(self.donate_argnums) & set(self.static_argnums)
        if both:
            raise ValueError(f"funcgrad.jit: argument(s) {sorted(both)} are in both static_argnums and "
                             f"donate_argnums; a static argument is a setting, not a buffer to reuse: give it in "
                             f"one of them")
        self.passes = tuple(DEFAULT_PASSES if passes is None else passes)
        self._cache: dict = {}
        # calls whose arguments are NumPy arrays in tuples, lists and dicts: the fast key (_fast_into's tokens)
        # -> the entry, so a replay skips the pytree structure and the signature (issue 15)
        self._fast: dict = {}
        self._fast_ok = not self.static_argnums
        self._lock = threading.Lock()
        self._hits = self._misses = self._traces = 0
        self._last_sig: tuple | None = None
        self._warned = False
        self._name = getattr(fun, "__name__", type(fun).__name__)
        self._wrapped: Any = None  # the WRAPPED_CALLS callable, made on the first call with wrapped values

    def _infer_static_names(self) -> dict:
        """Complete ``static_argnums`` and ``static_argnames`` from each other through ``fun``'s signature (its
        positional-or-keyword parameters), as jax.jit does; return ``{position: name}`` of those parameters."""
        try:
            params = list(inspect.signature(self.fun).parameters.values())
        except (TypeError, ValueError):  # no signature (some builtins): the numbers and names stay as given
            return {}
        named = {i: p.name for i, p in enumerate(params)
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY)}
        by_name = {name: i for i, name in named.items() if params[i].kind == params[i].POSITIONAL_OR_KEYWORD}
        nums = list(self.static_argnums)
        names = list(self.static_argnames)
        for i in self.static_argnums:
            if i in by_name.values() and named[i] not in names:
                names.append(named[i])
        for k in self.static_argnames:
            if k in by_name and by_name[k] not in nums:
                nums.append(by_name[k])
        self.static_argnums, self.static_argnames = tuple(nums), tuple(names)
        return named

    # --- signature ------------------------------------------------------------------------------------------------
    def _split(self, args: tuple, kwargs: dict) -> tuple:
        """(key, dynamic leaves, rebuild) for a call."""
        if not kwargs and not self.static_argnums:  # the common call: the general path's key, without its sorting
            leaves, td = tree.flatten((list(args), {}))
            return (td, tuple([_leaf_sig(x) for x in leaves]), (), ()), leaves, td
        n = len(args)
        static_pos = []
        for i in self.static_argnums:
            if not -n <= i < n:
                if i >= 0 and i in self._named_pos:  # a named parameter: passed by keyword, or left at its default
                    continue
                raise ValueError(f"funcgrad.jit({self._name}): static_argnums={self.static_argnums} does not fit a "
                                 f"call with {n} positional argument(s)")
            static_pos.append(i % n)
        dyn_args = [a for i, a in enumerate(args) if i not in static_pos]
        static_vals = tuple((i, args[i]) for i in sorted(static_pos))
        dyn_kw = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        static_kw = tuple(sorted((k, v) for k, v in kwargs.items() if k in self.static_argnames))
        leaves, td = tree.flatten((dyn_args, dyn_kw))
        try:
            hash((static_vals, static_kw))
        except TypeError:
            raise TypeError(f"funcgrad.jit({self._name}): static arguments must be hashable (they key the cache); "
                            f"got {[type(v).__name__ for _, v in static_vals + static_kw]}") from None
        sig = tuple(_leaf_sig(x) for x in leaves)
        return (td, sig, static_vals, static_kw), leaves, td

    # --- calling --------------------------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fast = None
        if not kwargs and self._fast_ok:
            leaves: list = []
            parts: list = [len(args)]
            for a in args:
                if not _fast_into(a, leaves, parts):
                    break
            else:
                fast = tuple(parts)
                entry = self._fast.get(fast)
                if entry is not None:
                    self._hits += 1  # approximate under threads, as below
                    return entry.run(*leaves)
        key, leaves, td = self._split(args, kwargs)
        entry = self._cache.get(key)
        if entry is None and WRAPPED_CALLS and not (self.static_argnums or self.static_argnames):
            entry = self._wrap_entry(key, args, kwargs)
        if type(entry) is _Wrapped:
            return entry(self, args, kwargs)
        if entry is None:
            try:
                entry = self._trace(key, args, kwargs, leaves, td)
            except ClosureTraced:
                # f closes over a value traced by an outer transform: a graph of it could not be replayed
                return self.fun(*args, **kwargs)
        else:
            self._hits += 1  # approximate under threads (a lost increment only skews the statistics)
        dyn = [x for x, s in zip(leaves, key[1]) if s[0] != "static"]
        for x in dyn:
            if type(x) is Box:
                return tree.unflatten(entry.out_tree, run_traced(entry.graph, dyn))
        if fast is not None and type(entry) is _Entry:
            self._fast[fast] = entry
        return entry.run(*dyn)

    def _wrap_entry(self, key, args, kwargs) -> Any:
        found = [x for x in tree.leaves((args, kwargs), is_leaf=lambda x: type(x) in WRAPPED_CALLS)
                 if type(x) in WRAPPED_CALLS]
        if not found:
            return None
        if self._wrapped is None:
            self._wrapped = _Wrapped(WRAPPED_CALLS[type(found[0])](self.fun))
        self._cache[key] = self._wrapped
        return self._wrapped

    def _trace(self, key, args, kwargs, leaves, td) -> _Entry:
        rec = Recorder(self._name, _where(self.fun))
        static_args = dict(key[2])
        static_kw = dict(key[3])
        mask = [s[0] == "static" for s in key[1]]
        values = [example_value(x) for x, m in zip(leaves, mask) if not m]

        def flat_fun(*traced):
            it = iter(traced)
            full = [x if m else next(it) for x, m in zip(leaves, mask)]
            dyn_args, dyn_kw = tree.unflatten(td, full)
            it_dyn = iter(dyn_args)
            call_args = [static_args[i] if i in static_args else next(it_dyn) for i in range(len(args))]
            return self.fun(*call_args, **dyn_kw, **static_kw)

        try:
            _, raw, out_tree = record(rec, flat_fun, values)
        except (TypeError, ValueError, IndexError) as e:
            msg = str(e)
            if ("Traced<" not in msg and "Box" not in msg) or isinstance(e, TracedConversionError):
                raise
            # an array library refused a traced value where it needs a number (np.zeros(n), range(n) ...)
            raise rec.conversion_error(f"{type(e).__name__}: {e}; using it as a number, shape or length", None,
                                       _user_line(e.__traceback__)) from None
        graph = optimize(raw, self.passes)
        plan, note = plan_inplace(graph, INPLACE_MIN_BYTES) if "inplace" in self.passes else ({}, "inplace: off")
        run = compile_plain(graph, plan, name=_ident(self._name), out_tree=out_tree)  # returns the output tree
        notes = list(graph.notes) + [note]
        donated = self._donated_leaves(args, kwargs, leaves, mask)
        if donated:
            run, note = self._donating(raw, donated, out_tree, run)
            notes.append(note)
        entry = _Entry(graph, raw, out_tree, run, plan, notes)
        with self._lock:
            self._misses += 1
            self._traces += 1
            prev, self._last_sig = self._last_sig, key
            self._cache[key] = entry
            warn = self._traces - 1 > RETRACE_WARN_AFTER and not self._warned
            if warn:
                self._warned = True
        if warn:
            warnings.warn(f"funcgrad.jit({self._name}) has been retraced {self._traces - 1} times; the last change: "
                          f"{self._what_changed(prev, key, args, kwargs)}. Each new signature (shapes, dtypes, "
                          f"static values) records the function again: keep shapes fixed (pad batches), pass "
                          f"changing numbers as arrays, or make fewer arguments static.", RuntimeWarning,
                          stacklevel=3)
        return entry

    def _donated_leaves(self, args: tuple, kwargs: dict, leaves: list, mask: list) -> list:
        """Positions, among the call's dynamic leaves, of the leaves of the arguments in ``donate_argnums``."""
        if not self.donate_argnums:
            return []
        n = len(args)
        static_pos = {i % n for i in self.static_argnums if -n <= i < n}
        wanted = {i % n for i in self.donate_argnums if -n <= i < n}
        flags = []  # per leaf of (dynamic args, kwargs), in flatten's order: donated or not
        for i, a in enumerate(args):
            if i not in static_pos:
                flags += [i in wanted] * tree.structure(a).num_leaves
        flags += [False] * (len(leaves) - len(flags))
        out, j = [], 0
        for f, m in zip(flags, mask):
            if not m:
                if f:
                    out.append(j)
                j += 1
        return out

    def _donating(self, raw, donated: list, out_tree, plain: Callable) -> tuple:
        """The replay for calls that donate: a second graph, optimized and planned with the donated inputs' buffers
        free to hold results, run when every donated leaf can give its buffer up; the plain replay otherwise."""
        g = raw.copy()
        g.donated = frozenset(g.inputs[j] for j in donated)
        g = optimize(g, self.passes)
        plan = plan_inplace(g, INPLACE_MIN_BYTES)[0] if "inplace" in self.passes else {}
        written = {t for _, t in plan.values() if t in g.donated}
        for e in g.eqns:
            for pos in getattr(e.prim, "donate", ()):
                if e.inputs[pos] in g.donated:
                    written.add(e.inputs[pos])
        note = (f"donate_argnums: {len(written)} of {len(donated)} donated input buffer(s) hold results (when "
                f"each donated array is a writeable, C-contiguous NumPy array owning its memory and sharing none "
                f"with another argument; otherwise the replay leaves every argument as it was)")
        if not written:
            return plain, note
        donor = compile_plain(g, plan, name=_ident(self._name) + "_donating", out_tree=out_tree)
        return _donation_dispatch(plain, donor, tuple(donated)), note

    def _what_changed(self, prev, key, args, kwargs) -> str:
        if prev is None:
            return "unknown"
        if prev[0] != key[0]:
            return f"the arguments' pytree structure changed from {prev[0]!r} to {key[0]!r}"
        for (i, a), (_, b) in zip(prev[2], key[2]):
            if a != b:
                return f"static argument {self._argname(i)} changed from {a!r} to {b!r}"
        for (k, a), (_, b) in zip(prev[3], key[3]):
            if a != b:
                return f"static argument '{k}' changed from {a!r} to {b!r}"
        names = self._leaf_names(args, kwargs)
        for n, a, b in zip(names, prev[1], key[1]):
            if a != b:
                how = []
                if a[0] == "static" or b[0] == "static":
                    how.append(f"{_describe_sig(a)} -> {_describe_sig(b)}")
                else:
                    if a[1] != b[1]:
                        how.append(f"shape {a[1]} -> {b[1]}")
                    if a[2] != b[2]:
                        how.append(f"dtype {a[2]} -> {b[2]}")
                    if a[0] != b[0] or a[3] != b[3]:
                        how.append(f"type/device {a[0].__name__} on {a[3]} -> {b[0].__name__} on {b[3]}")
                    if a[4] != b[4]:
                        how.append("memory layout (C-contiguous or not)")
                return f"{n}: {', '.join(how)}"
        return "unknown"

    def _argname(self, i: int) -> str:
        code = getattr(self.fun, "__code__", None)
        if code is not None and i < code.co_argcount:
            return f"{i} ('{code.co_varnames[i]}')"
        return str(i)

    def _leaf_names(self, args, kwargs) -> list:
        """A name per dynamic leaf, as in the signature's order: 'x', 'params[1]'..."""
        n_args = len(args)
        static_pos = {i % n_args for i in self.static_argnums if -n_args <= i < n_args}
        names_args, names_kw = [], {}
        for i, a in enumerate(args):
            if i in static_pos:
                continue
            n = len(tree.leaves(a))
            base = f"argument {self._argname(i)}"
            names_args.extend([base] if n == 1 else [f"{base} leaf {j}" for j in range(n)])
        out = list(names_args)
        for k in sorted(k for k in kwargs if k not in self.static_argnames):
            n = len(tree.leaves(kwargs[k]))
            out.extend([f"argument '{k}'"] if n == 1 else [f"argument '{k}' leaf {j}" for j in range(n)])
        return out

    # --- introspection --------------------------------------------------------------------------------------------
    def lower(self, *args: Any, **kwargs: Any) -> Lowered:
        """The optimized graph for this call's signature (recorded now if it is not cached yet).

        >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
        >>> fg.jit(lambda x: fnp.tanh(x)).lower(np.ones(2)).cost()["eqns"]
        1
        """
        key, leaves, td = self._split(args, kwargs)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._trace(key, args, kwargs, leaves, td)
        return Lowered(entry, self._name)

    def cache_info(self) -> CacheInfo:
        """``CacheInfo(hits, misses, traces, currsize)``: replays, recordings, and graphs kept.

        >>> import numpy as np, funcgrad as fg
        >>> f = fg.jit(lambda x: x * 2.0)
        >>> _ = f(np.ones(2)), f(np.ones(2)), f(np.ones(3))
        >>> f.cache_info()
        CacheInfo(hits=1, misses=2, traces=2, currsize=2)
        """
        return CacheInfo(self._hits, self._misses, self._traces, len(self._cache))

    def clear_cache(self) -> None:
        """Forget every recorded graph (the next call records again); the statistics restart too.

        >>> import numpy as np, funcgrad as fg
        >>> f = fg.jit(lambda x: x + 1.0)
        >>> _ = f(np.ones(2)); f.clear_cache(); f.cache_info().currsize
        0
        """
        with self._lock:
            self._cache.clear()
            self._fast.clear()
            if self._wrapped is not None:
                self._wrapped.fn.clear_cache()
            self._hits = self._misses = self._traces = 0
            self._last_sig = None
            self._warned = False

    def __get__(self, obj, objtype=None):
        # a jitted method: bind like a function does
        return self if obj is None else functools.partial(self, obj)

    def __repr__(self) -> str:
        return f"<funcgrad.jit of {self._name}>"


def _donation_dispatch(plain: Callable, donor: Callable, donated: tuple) -> Callable:
    """``run(*leaves)``: the donating replay when each donated leaf's buffer can be given up, the plain one else.

    A buffer can be given up when it is a writeable, C-contiguous NumPy array that owns its memory (not a view,
    whose base the caller still holds) and shares none with another leaf of the call (the same array passed
    twice, or as a view, would be read after it was written). The graph's constants never share memory with it:
    recording keeps a copy of every writeable array the function closed over."""
    ndarray = np.ndarray
    may_share = np.may_share_memory

    def run(*leaves):
        for j in donated:
            x = leaves[j]
            if type(x) is not ndarray or x.base is not None or not x.flags.writeable or not x.flags.c_contiguous:
                return plain(*leaves)
            for m, y in enumerate(leaves):
                if m != j and isinstance(y, ndarray) and may_share(x, y):
                    return plain(*leaves)
        return donor(*leaves)

    run.plain, run.donor = plain, donor
    return run


def _user_line(tb) -> str:
    """``file:line`` of the innermost frame of a traceback in neither funcgrad nor an array library."""
    where = "<unknown>"
    while tb is not None:
        fname = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if not any(fname.startswith(d) for d in _LIB_DIRS):
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def _where(f: Callable) -> str:
    code = getattr(f, "__code__", None)
    return f" (defined at {code.co_filename}:{code.co_firstlineno})" if code is not None else ""


def _ident(name: str) -> str:
    s = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return s if s and not s[0].isdigit() else f"f_{s}"


def jit(fun: Callable | None = None, *, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), donate_argnums: int | Sequence[int] = (),
        passes: Sequence[str] | None = None) -> Any:
    """Record ``fun`` into a graph of primitives once per input signature, optimize it, replay it (JAX's ``jit``).

    ``static_argnums`` / ``static_argnames``: arguments that are settings, not data (hashable; one graph per
    value). Python numbers and other non-array leaves are static too (NumPy treats Python numbers as weakly typed,
    so tracing them as float64 arrays would change dtypes); pass an array to trace a number. ``donate_argnums``:
    arguments whose arrays the caller gives up: their buffers may hold intermediate values and results (read them
    no more after the call; ``x = f(x)`` is the pattern), which saves allocations in update steps. A donated array
    is reused only when it is a writeable, C-contiguous NumPy array owning its memory and sharing none with the
    other arguments; otherwise, and under outer transforms, the call leaves it as it was. ``passes``: the optimization passes to run, a subset of ``("simplify", "fold", "cse",
    "dce", "fuse", "inplace")`` (all by default; ``()`` for none, to debug). Usable as ``@jit`` and
    ``@functools.partial(jit, static_argnums=...)``; composes with grad, jvp, vmap and hessian in either order.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> f = fg.jit(lambda x, n: fnp.sum(x ** n), static_argnums=1)
    >>> float(f(np.arange(3.0), 2)), float(fg.grad(f)(np.arange(3.0), 2)[2])
    (5.0, 4.0)
    """
    if fun is None:
        return lambda f: Jitted(f, static_argnums, static_argnames, donate_argnums, passes)
    return Jitted(fun, static_argnums, static_argnames, donate_argnums, passes)
