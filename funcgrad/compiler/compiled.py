"""The compiled callables: :class:`CompiledFunction` (a Tensor-face function) and :class:`OptimizedModule`.

A call's signature is the structure of its arguments, each Tensor's shape, dtype, device and whether it requires
grad, the static (non-array) arguments, the same for every captured tensor (a module's parameters and buffers, the
function's closed-over tensors), and the modules' training flags. The first call with a signature records the
function (:mod:`funcgrad.compiler.capture`); later calls replay its forward graph. Captured tensors are read at
every call, so an optimizer's updates are seen. When an input requires grad (and grad mode is on), the replay
records one node on the Tensor graph for the whole compiled part, whose backward is the recorded backward graph:
``loss.backward()`` runs it, and the gradients land in the leaves' ``.grad`` as eagerly.
"""
from __future__ import annotations

import functools
import threading
import types
import warnings
import weakref
from typing import Any, Callable

from .. import tree
from ..core import Box, Primitive
from ..core.errors import TracedConversionError
from ..nn.modules.module import Module
from ..tensors.inplace import _rebind
from ..tensors.tensor import GRAPH, Tensor, is_grad_enabled, no_grad
from .capture import NO_GRAD, Capture, GraphBreak, capture, replay_draws

__all__ = ["CompiledFunction", "OptimizedModule", "is_compiling", "reset", "GraphBreakWarning"]

_EAGER = object()  # the cache entry of a signature that broke the graph: it runs eagerly
_LOCK = threading.RLock()  # recording swaps captured tensors' values for a moment: one recording at a time
_LIVE: "weakref.WeakSet" = weakref.WeakSet()  # every compiled callable, for reset()
_SCALARS = (bool, int, float, complex, str, type(None))
_LEAF = tree.structure(0)


class _State(threading.local):
    compiling = 0


_state = _State()


class GraphBreakWarning(UserWarning):
    """A compiled function (or module) could not be recorded as one graph and runs eagerly."""


def is_compiling() -> bool:
    """True while ``funcgrad.compile`` records a function (``torch.compiler.is_compiling``).

    >>> import funcgrad as fg
    >>> fg.compiler.is_compiling()
    False
    """
    return _state.compiling > 0


def reset() -> None:
    """Forget every compiled graph (``torch.compiler.reset``): the next calls record again.

    >>> import funcgrad as fg
    >>> fg.compiler.reset()
    """
    for c in list(_LIVE):
        c.clear_cache()


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _tensor_sig(t: Tensor) -> tuple | None:
    """(shape, dtype, array type, requires grad), or None for a value traced by a transform outside compile."""
    v = t._v
    grad = False
    if type(v) is Box and v._trace is GRAPH:
        v = v.value
        grad = v.dtype.kind in "fc"
    if type(v) is Box:
        return None
    return (v.shape, v.dtype, type(v), grad)


def _closure_state(fn: Callable) -> list:
    """Where ``fn`` finds tensors and modules outside its arguments: its closure cells and the globals it names
    (and a bound method's module), as getters read at every call, so a rebound name is seen too."""
    found: list = []
    if isinstance(getattr(fn, "__self__", None), Module):
        owner = fn.__self__
        found.append(lambda: owner)
    for cell in getattr(fn, "__closure__", None) or ():
        found.append(functools.partial(_cell_value, cell))
    code = getattr(fn, "__code__", None)
    if code is not None:
        g = getattr(fn, "__globals__", {})
        found.extend(functools.partial(g.get, n) for n in code.co_names
                     if isinstance(g.get(n), (Tensor, Module)))
    return found


def _cell_value(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def _module_state(mods: list) -> list:
    out, seen = [], set()
    for m in mods:
        for store in (m._parameters, m._buffers):
            for t in store.values():
                if t is not None and id(t) not in seen:
                    seen.add(id(t))
                    out.append(t)
    return out


class _Entry:
    """One signature: the capture, the input layout, the node primitive whose rule is the backward graph."""

    __slots__ = ("cap", "prim", "n_diff", "single")

    def __init__(self, cap: Capture, name: str):
        self.cap = cap
        self.single = cap.out_tree == _LEAF and cap.kinds == ["tensor"]  # one Tensor out: no pytree to rebuild
        self.n_diff = len(cap.diff)
        n_d = len(cap.diff_outs)
        self.prim = None
        if cap.bwd is not None and n_d:
            many = n_d > 1
            # torch's name for this node: grad_fn shows CompiledFunctionBackward
            self.prim = Primitive("compiled_function", (lambda *a: a[-n_d:]) if many else (lambda *a: a[-1]),
                                  multiple_results=many, register=False,
                                  doc=f"The forward of the compiled {name}: one node, its backward the recorded "
                                      f"backward graph.")
            self.prim.def_vjp_joint(_backward_rule(cap, name, many, self.n_diff))


def _backward_rule(cap: Capture, name: str, many: bool, n_diff: int) -> Callable:
    bwd, n_res = cap.bwd, cap.n_res

    def rule(g, ans, *args):
        gs = g if many else (g,)
        if any(type(x) is Box for x in gs) or any(type(x) is Box for x in args[:n_diff]):
            raise RuntimeError(f"funcgrad.compile({name}): double backward (create_graph=True, or a gradient of a "
                               f"gradient) through a compiled function is not supported, as in torch.compile; "
                               f"call the original function or module (compile(..., disable=True)) for it")
        grads = bwd(*args[n_diff:n_diff + n_res], *gs)
        return tuple(None if r is NO_GRAD else r for r in grads)

    return rule


class CompiledFunction:
    """A Tensor-face function recorded once per signature and replayed (see :func:`funcgrad.compile`)."""

    def __init__(self, fn: Callable, *, fullgraph: bool = False, module: Module | None = None,
                 name: str | None = None):
        self.fn = fn
        self.fullgraph = fullgraph
        self.module = module
        self._name = name or getattr(fn, "__name__", type(fn).__name__)
        self._cache: dict = {}
        self._warned = False
        self._closure = None if module is not None else _closure_state(fn)
        self.traces = 0  # recordings made (the Python ran once for each)
        self.breaks: list = []  # the reasons of graph breaks, newest last
        _LIVE.add(self)

    # --- the captured state ---------------------------------------------------------------------------------------
    def _state(self) -> tuple[list, tuple]:
        if self.module is not None:
            mods = list(self.module.modules())
            return _module_state(mods), tuple(m.training for m in mods)
        tensors, flags = [], []
        for get in self._closure:
            c = get()
            if isinstance(c, Tensor):
                tensors.append(c)
            elif isinstance(c, Module):
                mods = list(c.modules())
                tensors.extend(_module_state(mods))
                flags.extend(m.training for m in mods)
        return tensors, tuple(flags)

    # --- calling --------------------------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state, flags = self._state()
        if not kwargs and all(type(a) is Tensor for a in args):
            leaves, td = args, len(args)  # the common call, Tensors only: no pytree to flatten and hash
        else:
            leaves, td = tree.flatten((args, kwargs), is_leaf=_is_tensor)
        tensors: list = []
        index: dict = {}
        arrays: list = []
        sig = []
        for pos, x in enumerate(leaves):
            if isinstance(x, Tensor):
                k = index.get(id(x))
                if k is None:
                    k = index[id(x)] = len(tensors)
                    tensors.append(x)
                sig.append(("t", k, _tensor_sig(x)))
            elif type(x) in _SCALARS:
                sig.append(("s", type(x), x))
            elif hasattr(x, "shape") and hasattr(x, "dtype"):
                if type(x) is Box:
                    return self.fn(*args, **kwargs)  # a transform's traced value: run eagerly (inlined there)
                arrays.append((pos, x))
                sig.append(("a", type(x), x.shape, x.dtype))
            else:
                try:
                    hash(x)
                except TypeError:
                    raise TypeError(f"funcgrad.compile({self._name}): an argument of type {type(x).__name__} is "
                                    f"neither a Tensor, an array nor hashable, so it can be neither traced nor "
                                    f"used as a static value; pass Tensors, or make it hashable") from None
                sig.append(("s", type(x), x))
        n_args = len(tensors)
        for t in state:
            if id(t) not in index:
                index[id(t)] = len(tensors)
                tensors.append(t)
        key = (td, tuple(sig), tuple(_tensor_sig(t) for t in tensors[n_args:]), flags)
        if None in key[2] or any(s[0] == "t" and s[2] is None for s in key[1]):
            # a transform outside compile traces an input (grad of functional_call, vmap): eagerly, so that it
            # sees every operation, as a jitted function is inlined into an outer transform
            return self.fn(*args, **kwargs)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._record(key, args, kwargs, tensors, arrays)
        if entry is _EAGER:
            return self.fn(*args, **kwargs)
        return self._replay(entry, tensors, arrays, args, kwargs)

    def _record(self, key, args, kwargs, tensors, arrays):
        with _LOCK:
            entry = self._cache.get(key)
            if entry is not None:  # another thread recorded this signature while this one waited
                return entry
            _state.compiling += 1
            try:
                cap = capture(self.fn, args, kwargs, tensors, arrays, self._name)
                entry = _Entry(cap, self._name)
            except GraphBreak as e:
                entry = self._graph_break(str(e), e)
            except TracedConversionError as e:  # pragma: no cover - capture turns these into GraphBreak
                entry = self._graph_break(str(e), e)
            finally:
                _state.compiling -= 1
            self.traces += 1
            self._cache[key] = entry
        return entry

    def _graph_break(self, reason: str, err: Exception) -> Any:
        self.breaks.append(reason)
        if self.fullgraph:
            raise RuntimeError(f"funcgrad.compile({self._name}, fullgraph=True): the function cannot be recorded as "
                               f"one graph: {reason}") from err
        if not self._warned:
            self._warned = True
            warnings.warn(f"funcgrad.compile({self._name}): a graph break, so this signature runs eagerly (as "
                          f"torch.compile falls back to Python): {reason}. compile(..., fullgraph=True) makes this "
                          f"an error.", GraphBreakWarning, stacklevel=4 if self.module is None else 5)
        return _EAGER

    def _replay(self, entry: _Entry, tensors: list, arrays: list, args, kwargs) -> Any:
        cap = entry.cap
        vals = []
        for t in tensors:
            v = t._v
            if type(v) is Box and v._trace is GRAPH:
                v = v.value
            if type(v) is Box:  # traced by a transform outside compile: eagerly, so that it sees every op
                return self.fn(*args, **kwargs)
            vals.append(v)
        vals.extend(a for _, a in arrays)
        if cap.draws:
            vals.extend(replay_draws(cap.draws))
        n_out, n_aux = cap.n_out, len(cap.aux)
        need = entry.prim is not None and is_grad_enabled()
        res = cap.fwd(*vals) if need else cap.fwd_only(*vals)
        outs = res[:n_out]
        if need:
            diff_vals = [tensors[j]._v for j in cap.diff]
            node = entry.prim(*diff_vals, *res[n_out + n_aux:], *[outs[k] for k in cap.diff_outs])
            for k, o in zip(cap.diff_outs, node if len(cap.diff_outs) > 1 else (node,)):
                outs[k] = o
        if n_aux:
            with no_grad():
                for j, v in zip(cap.aux, res[n_out:n_out + n_aux]):
                    _rebind(tensors[j], v, f"compile({self._name})")
        if entry.single:
            return Tensor._from_value(outs[0])
        leaves = [Tensor._from_value(o) if kind == "tensor" else o for o, kind in zip(outs, cap.kinds)]
        return tree.unflatten(cap.out_tree, leaves)

    # --- introspection --------------------------------------------------------------------------------------------
    def clear_cache(self) -> None:
        """Forget the recorded graphs (the next call records again)."""
        with _LOCK:
            self._cache.clear()
            self._warned = False

    def graphs(self) -> list:
        """The recorded :class:`~funcgrad.compiler.capture.Capture` of each signature (graph breaks left out):
        ``.listing()`` shows the forward and backward graphs."""
        return [e.cap for e in self._cache.values() if e is not _EAGER]

    def __get__(self, obj, objtype=None):
        return self if obj is None else types.MethodType(self, obj)

    def __repr__(self) -> str:
        return f"<funcgrad.compile of {self._name}>"


class OptimizedModule(Module):
    """A module whose calls run the compiled forward (``torch.compile(module)`` returns one): attributes,
    ``parameters()``, ``train()``/``eval()`` reach the original, kept as ``_orig_mod`` (a submodule, so that as in
    PyTorch the state dict's keys start with ``_orig_mod.``).

    >>> import funcgrad as fg
    >>> m = fg.compile(fg.nn.Linear(2, 1))
    >>> m(fg.ones(3, 2)).shape, m.in_features, type(m._orig_mod).__name__
    (torch.Size([3, 1]), 2, 'Linear')
    """

    def __init__(self, mod: Module, fullgraph: bool = False):
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, "_compiled", CompiledFunction(mod.__call__, fullgraph=fullgraph, module=mod,
                                                               name=type(mod).__name__))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self._compiled(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._compiled(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            mods = self.__dict__.get("_modules")
            if mods is None or "_orig_mod" not in mods:
                raise
            return getattr(mods["_orig_mod"], name)

    def __repr__(self) -> str:
        return f"OptimizedModule({self._orig_mod!r})"


def compiled_function(fn: Callable, fullgraph: bool) -> Callable:
    """``fn`` compiled, keeping its name and docstring."""
    c = CompiledFunction(fn, fullgraph=fullgraph)
    functools.update_wrapper(c, fn)
    return c
