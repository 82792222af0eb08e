"""``export``: save a jit graph to a directory (JSON program + safetensors constants) and load it back, no pickle.

The saved form is a directory rather than one file so that each part keeps its own standard format: ``graph.json``
(readable, diffable) and ``consts.safetensors`` (the arrays, read without executing anything). Loading validates
the whole program (format, version, primitive names, value ids, constants) before any equation runs.
"""
from __future__ import annotations

import json
import math
import os
from typing import Any, Callable

import numpy as np

from .. import tree
from ..core import registry
from . import onnx as _onnx_export
from .api import jit
from .passes import DEFAULT_PASSES
from .dynamic import Dim, ExportError, Fill, bumped_envs, fit_graphs, instantiate, parse_dynamic_shapes, resized_args
from .graph import CustomCall, Eqn, Graph, Lit
from .replay import compile_plain

try:  # optional (the test extra): only saving and loading need it
    import safetensors.numpy as _stnp
except ImportError:  # pragma: no cover
    _stnp = None

__all__ = ["export", "load_exported", "Exported", "ExportError"]

FORMAT = "funcgrad.exported"
VERSION = 1
VERSION_DYNAMIC = 2  # a program with dynamic sizes: Dim values among its parameters and shapes
_MAX_SIZES = 64  # replays kept per dynamic program, one per combination of sizes seen


_LEAF_KIND = tree.structure(0).kind


# --- the closed set of static values ---------------------------------------------------------------------------
def _enc(v: Any, where: str) -> Any:
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return v
    if t is float:
        if math.isnan(v) or math.isinf(v):
            return {"$float": repr(v)}
        return v
    if isinstance(v, np.generic) and not isinstance(v, np.void):
        return {"$np": str(v.dtype), "v": _enc(v.item(), where)}
    if t is list:
        return [_enc(x, where) for x in v]
    if t is tuple or (isinstance(v, tuple) and not hasattr(v, "_fields")):  # a Size (the Tensor face's shapes)
        return {"$tuple": [_enc(x, where) for x in v]}
    if not isinstance(v, np.dtype) and isinstance(getattr(v, "dtype", None), np.dtype) and not hasattr(t, "shape"):
        v = v.dtype  # the Tensor face's dtype objects (funcgrad.float32) hold a NumPy dtype
    if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return {"$dtype": np.dtype(v).str if np.dtype(v).kind != "b" else "bool"}
    if t is slice:
        return {"$slice": [_enc(v.start, where), _enc(v.stop, where), _enc(v.step, where)]}
    if v is Ellipsis:
        return {"$ellipsis": True}
    if t is Dim:
        return {"$dim": [v.const, [[n, c] for n, c in v.terms]]}
    if t is np.ndarray and v.dtype.kind in "biu":  # a static index array of gather (np.arange(n) in x[arange, y])
        return {"$array": v.dtype.str, "shape": list(v.shape), "v": v.reshape(-1).tolist()}
    raise ExportError(f"funcgrad.export: {where} is a {t.__name__} ({v!r:.60}), which the export format cannot "
                      f"store (it knows ints, floats, strings, bools, None, lists, tuples, dtypes, slices, "
                      f"Ellipsis and integer or boolean NumPy arrays); make it one of those or compute it inside "
                      f"the function")


def _dec(v: Any, where: str) -> Any:
    if v is None or type(v) in (bool, int, float, str):
        return v
    if type(v) is list:
        return [_dec(x, where) for x in v]
    if type(v) is dict and len(v) >= 1:
        if "$float" in v:
            return float(v["$float"])
        if "$np" in v:
            return np.dtype(v["$np"]).type(_dec(v["v"], where))
        if "$tuple" in v:
            return tuple(_dec(x, where) for x in v["$tuple"])
        if "$dtype" in v:
            return np.dtype(v["$dtype"])
        if "$slice" in v:
            return slice(*(_dec(x, where) for x in v["$slice"]))
        if "$ellipsis" in v:
            return Ellipsis
        if "$dim" in v:
            const, terms = v["$dim"]
            if type(const) is not int or not all(type(n) is str and n.isidentifier() and type(c) is int
                                                  for n, c in terms):
                raise ExportError(f"funcgrad.load_exported: {where}: malformed dynamic size {v!r:.80}")
            return Dim(const, tuple((n, c) for n, c in terms))
        if "$array" in v:
            try:
                dt = np.dtype(v["$array"])
                if dt.kind not in "biu":
                    raise TypeError(dt)
                return np.array(v["v"], dtype=dt).reshape([int(d) for d in v["shape"]])
            except (TypeError, ValueError, KeyError):
                raise ExportError(f"funcgrad.load_exported: {where}: malformed index array {v!r:.80}") from None
    raise ExportError(f"funcgrad.load_exported: {where}: unknown encoded value {v!r:.80}")


def _enc_tree(td: tree.PyTreeDef, where: str) -> Any:
    k = td.kind
    if k is _LEAF_KIND:
        return "*"
    if k is type(None):
        return None
    if k is tuple or k is list:
        return {"$" + k.__name__: [_enc_tree(c, where) for c in td.children]}
    if k is dict:
        return {"$dict": [[str(a), _enc_tree(c, where)] for a, c in zip(td.aux, td.children)]}
    raise ExportError(f"funcgrad.export: the {where} contain a {getattr(k, '__name__', k)} node; exported "
                      f"programs take and return tuples, lists, dicts, None and arrays only")


def _dec_tree(v: Any) -> Any:
    """A skeleton of the tree with 0 at each leaf (rebuilt to a PyTreeDef with tree.structure)."""
    if v == "*":
        return 0
    if v is None:
        return None
    if type(v) is dict and "$tuple" in v:
        return tuple(_dec_tree(c) for c in v["$tuple"])
    if type(v) is dict and "$list" in v:
        return [_dec_tree(c) for c in v["$list"]]
    if type(v) is dict and "$dict" in v:
        return {a: _dec_tree(c) for a, c in v["$dict"]}
    raise ExportError(f"funcgrad.load_exported: unknown pytree node {v!r:.80}")


def _safetensors(op: str):
    if _stnp is None:
        raise ImportError(f"funcgrad.{op} needs the safetensors package for the constants file: pip install "
                          f"safetensors")
    return _stnp


def _aval_json(aval) -> Any:
    return None if aval is None else [[_enc(d, "a shape") for d in aval[0]], np.dtype(aval[1]).str]


def _sig(x: Any) -> tuple:
    dtype = getattr(x, "dtype", None)
    return (tuple(np.shape(x)), np.dtype(dtype) if dtype is not None else np.asarray(x).dtype)


class Exported:
    """A program that runs, saves and loads without its source: ``call(*args)``, ``save(path)``, ``to_onnx(path)``
    (see :func:`export`). ``dynamic`` maps an input leaf to ``{axis: size name}`` for its dynamic axes."""

    def __init__(self, graph: Graph, in_tree: tree.PyTreeDef, out_tree: tree.PyTreeDef, name: str,
                 dynamic: dict | None = None):
        self.graph, self.in_tree, self.out_tree, self.name = graph, in_tree, out_tree, name
        self.dynamic = dict(dynamic or {})
        self.in_avals = [graph.avals[i] for i in graph.inputs]
        self._run: Callable | None = None
        self._runs: dict = {}  # sizes of the dynamic axes -> the replay of the graph instantiated at them

    def _sizes(self, leaves: list) -> dict:
        """The dynamic sizes of a call's arguments, after checking every shape and dtype against the program's."""
        env: dict = {}
        for k, (x, (shape, dtype)) in enumerate(zip(leaves, self.in_avals)):
            s = _sig(x)
            axes = self.dynamic.get(k, {})
            ok = s[1] == np.dtype(dtype) and len(s[0]) == len(shape)
            for ax, (have, want) in enumerate(zip(s[0], shape)) if ok else ():
                if ax in axes:
                    if env.setdefault(axes[ax], have) != have:
                        raise ExportError(f"funcgrad.Exported({self.name}).call: dynamic size {axes[ax]!r} is "
                                          f"{env[axes[ax]]} on one argument and {have} on argument leaf {k} (axis "
                                          f"{ax}); one name means one size")
                elif have != want:
                    ok = False
            if not ok:
                want = f"{np.dtype(dtype)}[{', '.join(str(d) for d in shape)}]"
                raise ExportError(f"funcgrad.Exported({self.name}).call: argument leaf {k} is {s[1]}{list(s[0])}, "
                                  f"but the program was exported for {want}; pass that, or export again "
                                  f"(dynamic_shapes=... names the axes that may change)")
        for sym, n in env.items():
            if n < 1:
                raise ExportError(f"funcgrad.Exported({self.name}).call: dynamic size {sym!r} is {n}; dynamic sizes "
                                  f"must be at least 1")
        return env

    def call(self, *args: Any) -> Any:
        """Run the program on arguments of the exported structure, shapes (dynamic axes may differ) and dtypes.

        >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
        >>> fg.export(fnp.sin, np.zeros(2)).call(np.zeros(2))
        array([0., 0.])
        >>> float(fg.export(fnp.sum, np.zeros(2), dynamic_shapes=({0: "n"},)).call(np.ones(5)))
        5.0
        """
        leaves, td = tree.flatten(args)
        if td != self.in_tree:
            raise ExportError(f"funcgrad.Exported({self.name}).call: arguments of structure {td}, but the program "
                              f"was exported for {self.in_tree}")
        env = self._sizes(leaves)
        if not self.dynamic:
            if self._run is None:
                self._run = compile_plain(self.graph, name="exported")
            run = self._run
        else:
            key = tuple(sorted(env.items()))
            run = self._runs.get(key)
            if run is None:
                try:
                    g = instantiate(self.graph, env)
                except ExportError as e:
                    raise ExportError(f"funcgrad.Exported({self.name}).call: {e}") from None
                if len(self._runs) >= _MAX_SIZES:  # many distinct sizes: forget the oldest replay
                    self._runs.pop(next(iter(self._runs)), None)
                run = self._runs[key] = compile_plain(g, name="exported")
        return tree.unflatten(self.out_tree, run(*leaves))

    def to_onnx(self, path: str | os.PathLike | Any = None, opset: int | None = None,
                input_names: list | None = None, output_names: list | None = None) -> Any:
        """Write the program as an ONNX model (``path``: a file name or a binary file object; None writes nothing)
        and return its ``onnx.ModelProto``. Every primitive of the graph needs an entry in
        ``funcgrad.jit.onnx.MAPPING`` (an ExportError names the first that has none); dynamic axes become
        ``dim_param`` names. ``opset`` defaults to 18. Needs ``pip install onnx``.

        >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
        >>> m = fg.export(fnp.tanh, np.zeros((2, 3)), dynamic_shapes=({0: "batch"},)).to_onnx()
        >>> m.graph.input[0].type.tensor_type.shape.dim[0].dim_param
        'batch'
        """
        names = {"input_names": input_names, "output_names": output_names}
        return _onnx_export.to_onnx(self.graph, self.dynamic, f"funcgrad.Exported({self.name}).to_onnx", path,
                                    opset, **names)

    def save(self, path: str | os.PathLike) -> None:
        """Write the program to directory ``path``: ``graph.json`` and ``consts.safetensors``.

        >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp, tempfile, os
        >>> d = os.path.join(tempfile.mkdtemp(), "sin"); fg.export(fnp.sin, np.zeros(2)).save(d)
        >>> fg.load_exported(d).call(np.zeros(2))
        array([0., 0.])
        """
        save_file = _safetensors("Exported.save").save_file
        g = self.graph
        arrays, consts = {}, {}
        for i, c in g.consts.items():
            if isinstance(c, np.ndarray):
                # safetensors stores a 0-d array as shape [1]: saved so, marked, and given its shape back on load
                arrays[f"c{i}"] = np.ascontiguousarray(c.reshape(1) if c.ndim == 0 else c)
                consts[str(i)] = {"array": f"c{i}", "0d": c.ndim == 0}
            elif type(c) is Fill:
                consts[str(i)] = {"fill": {"shape": [_enc(d, "a shape") for d in c.shape], "dtype": c.dtype.str,
                                           "value": _enc(c.value, f"constant v{i}"),
                                           "powers": [list(p) for p in c.powers]}}
            elif type(c).__module__ == "numpy" or type(c) in (bool, int, float, str, Dim) or c is None:
                consts[str(i)] = {"value": _enc(c, f"constant v{i}")}
            else:
                raise ExportError(f"funcgrad.export({self.name}): constant v{i} is a {type(c).__name__}; only "
                                  f"NumPy arrays and Python scalars can be saved")
        eqns = []
        for e in g.eqns:
            params = {k: _enc(v, f"parameter {k!r} of primitive {e.prim.name!r}") for k, v in e.params.items()}
            eqns.append({"prim": e.prim.name, "params": params, "inputs": list(e.inputs), "outputs": list(e.outputs)})
        outs = [o if type(o) is int else {"lit": _enc(o.value, "a literal output")} for o in g.outputs]
        doc = {"format": FORMAT, "version": VERSION_DYNAMIC if self.dynamic else VERSION, "name": self.name,
               "in_tree": _enc_tree(self.in_tree, "arguments"), "out_tree": _enc_tree(self.out_tree, "results"),
               "inputs": list(g.inputs), "avals": {str(i): _aval_json(a) for i, a in g.avals.items()},
               "consts": consts, "eqns": eqns, "outputs": outs, "copy_outputs": sorted(g.copy_outputs)}
        if self.dynamic:
            doc["dynamic"] = [[k, ax, sym] for k, axes in sorted(self.dynamic.items())
                              for ax, sym in sorted(axes.items())]
        text = json.dumps(doc, allow_nan=False)
        os.makedirs(path, exist_ok=True)
        save_file(arrays, os.path.join(path, "consts.safetensors"))
        with open(os.path.join(path, "graph.json"), "w") as fh:
            fh.write(text)

    def __repr__(self) -> str:
        dyn = f", dynamic {sorted({s for a in self.dynamic.values() for s in a.values()})}" if self.dynamic else ""
        return f"<Exported {self.name}: {len(self.graph.eqns)} equations, inputs {self.in_tree}{dyn}>"


def _record(f: Callable, args: tuple, name: str, passes: tuple | None = None) -> tuple:
    lowered = jit(f, passes=passes).lower(*args)
    g = lowered.graph
    for e in g.eqns:
        if isinstance(e.prim, CustomCall) or registry.get(e.prim.name) is not e.prim:
            raise ExportError(f"funcgrad.export({name}): the graph calls {e.prim.name}, which is not a registered "
                              f"primitive (custom_vjp/custom_jvp functions hold Python callables); export cannot "
                              f"store it")
        for k, v in e.params.items():
            _enc(v, f"parameter {k!r} of primitive {e.prim.name!r}")
    return g, lowered._entry.out_tree


def export(f: Callable, *example_args: Any, dynamic_shapes: Any = None) -> Exported:
    """Record ``f`` on arrays shaped like ``example_args`` into a program that runs, saves and loads without ``f``.

    ``dynamic_shapes`` (as ``torch.export``'s): one entry per positional argument, None or ``{axis: "name"}``
    (or a nested structure of those following a pytree argument); the named axes may take other sizes in
    :meth:`Exported.call`, after saving and loading, and in ONNX. One name is one size everywhere it appears.
    The function is recorded at the example sizes and at others, and every integer of the graph that changes
    (reshape targets, shapes) must be affine in the sizes; an ExportError names the primitive where one is not,
    or where a constant built from a shape changes. A dynamic size of 1 in the example is recorded at 2.
    Custom-rule calls and other non-primitive nodes cannot be exported (they hold Python functions).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.export(fg.grad(lambda x: fnp.sum(x * x)), np.ones(2)).call(np.arange(2.0))
    array([0., 2.])
    >>> fg.export(lambda x: x.reshape(-1, 2) * 2.0, np.ones(4), dynamic_shapes=({0: "n"},)).call(np.ones(6)).shape
    (3, 2)
    """
    name = getattr(f, "__name__", type(f).__name__)
    leaves, in_tree = tree.flatten(example_args)
    for k, x in enumerate(leaves):
        if not (hasattr(x, "shape") and hasattr(x, "dtype")):
            raise ExportError(f"funcgrad.export({name}): argument leaf {k} is a {type(x).__name__}; exported "
                              f"programs take arrays only (close over Python values instead)")
    _enc_tree(in_tree, "arguments")
    dims = {} if dynamic_shapes is None else parse_dynamic_shapes(dynamic_shapes, example_args, name)
    # constant folding would turn values of the sizes' shapes (a mean's gradient seed broadcast to the batch)
    # into constant arrays, which no size formula describes: a dynamic program keeps those equations
    # fused equations hold generated Python (funcgrad.jit.fuse), which the format cannot store
    passes = tuple(p for p in DEFAULT_PASSES if p not in (("fold", "fuse") if dims else ("fuse",)))
    # a dynamic size of 1 in the example (a batch of one) is recorded at 2: sizes 0 and 1 are special to
    # broadcasting, so a recording at 1 could not tell the size from a constant
    base = {sym: max(int(leaves[k].shape[ax]), 2) for k, axes in dims.items() for ax, sym in axes.items()}
    record_args = resized_args(example_args, dims, base) if dims else example_args
    g, out_tree = _record(f, record_args, name, passes)
    _enc_tree(out_tree, "results")
    if dims:
        symbols = sorted(base)
        graphs = [g]
        for env in bumped_envs(base, symbols)[1:]:
            g2, out2 = _record(f, resized_args(example_args, dims, env), name, passes)
            if out2 != out_tree:
                raise ExportError(f"funcgrad.export({name}, dynamic_shapes=...): the results' structure changes "
                                  f"with the sizes of {symbols}; those sizes cannot be dynamic")
            graphs.append(g2)
        g = fit_graphs(graphs, symbols, base, name)
    return Exported(g, in_tree, out_tree, name, dims)


def _bad(path: Any, what: str) -> ExportError:
    return ExportError(f"funcgrad.load_exported({os.fspath(path)!r}): {what}")


def _parse_aval(path, v, where) -> tuple:
    try:
        shape, dt = v
        shape = tuple(d if type(d) is int or d is None else _dec(d, where) for d in shape)
        if not all(d is None or type(d) in (int, Dim) for d in shape):
            raise TypeError
        return (shape, np.dtype(dt))
    except (TypeError, ValueError, ExportError):
        raise _bad(path, f"{where} has a malformed shape/dtype {v!r:.60}") from None


def load_exported(path: str | os.PathLike) -> Exported:
    """Read a program written by :meth:`Exported.save`, validating all of it before anything runs.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp, tempfile, os
    >>> d = os.path.join(tempfile.mkdtemp(), "neg"); fg.export(fnp.negative, np.ones(2)).save(d)
    >>> fg.load_exported(d).call(np.ones(2))
    array([-1., -1.])
    """
    load_file = _safetensors("load_exported").load_file
    gpath, cpath = os.path.join(path, "graph.json"), os.path.join(path, "consts.safetensors")
    for p in (gpath, cpath):
        if not os.path.isfile(p):
            raise _bad(path, f"{os.path.basename(p)} is missing; is this a directory written by Exported.save?")
    try:
        with open(gpath, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (ValueError, UnicodeDecodeError) as e:
        raise _bad(path, f"graph.json is truncated or corrupt ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _bad(path, f"unknown format {doc.get('format') if isinstance(doc, dict) else None!r}; "
                         f"expected {FORMAT!r}")
    if doc.get("version") not in (VERSION, VERSION_DYNAMIC):
        raise _bad(path, f"format version {doc.get('version')!r} is not supported (this funcgrad reads versions "
                         f"{VERSION} and {VERSION_DYNAMIC})")
    try:
        arrays = load_file(cpath)
    except Exception as e:  # safetensors raises its own error types for a bad header or length
        raise _bad(path, f"consts.safetensors is truncated or corrupt ({type(e).__name__}: {e})") from None
    try:
        return _build(path, doc, arrays)
    except (KeyError, TypeError, AttributeError) as e:
        raise _bad(path, f"graph.json is malformed ({type(e).__name__}: {e})") from None


def _build(path, doc: dict, arrays: dict) -> Exported:
    g = Graph()
    g.avals = {int(i): (None if a is None else _parse_aval(path, a, f"value v{i}")) for i, a in doc["avals"].items()}
    defined: set = set()
    for i in doc["inputs"]:
        if type(i) is not int or i not in g.avals:
            raise _bad(path, f"input id {i!r} has no shape/dtype")
        g.inputs.append(i)
        defined.add(i)
    for key, c in doc["consts"].items():
        i = int(key)
        if "array" in c:
            if c["array"] not in arrays:
                raise _bad(path, f"constant v{i} ({c['array']}) is missing from consts.safetensors")
            a = arrays[c["array"]]
            if c.get("0d") is True and a.shape == (1,):
                a = a.reshape(())
            want = g.avals.get(i)
            if want is None or tuple(a.shape) != want[0] or a.dtype != want[1]:
                raise _bad(path, f"constant v{i} is {a.dtype}{list(a.shape)} in consts.safetensors, but the graph "
                                 f"says {want[1] if want else None}{list(want[0]) if want else ''}")
            g.consts[i] = a
        elif "fill" in c:
            f = c["fill"]
            shape = _parse_aval(path, [f["shape"], f["dtype"]], f"constant v{i}")
            if type(f["value"]) not in (int, float) or not all(type(n) is str and type(p) is int
                                                             for n, p in f["powers"]):
                raise _bad(path, f"constant v{i} has a malformed fill {f!r:.80}")
            g.consts[i] = Fill(shape[0], shape[1], f["value"], tuple((n, p) for n, p in f["powers"]))
        else:
            g.consts[i] = _dec(c["value"], f"constant v{i}")
        defined.add(i)
    for k, e in enumerate(doc["eqns"]):
        name = e["prim"]
        prim = registry.get(name) if type(name) is str else None
        if prim is None:
            raise _bad(path, f"equation {k} calls {name!r}, which is not a registered primitive of this funcgrad")
        for i in e["inputs"]:
            if i not in defined:
                raise _bad(path, f"equation {k} ({name}) uses value v{i} before it is defined")
        params = {p: _dec(v, f"parameter {p!r} of equation {k} ({name})") for p, v in e["params"].items()}
        outs = list(e["outputs"])
        for o in outs:
            if type(o) is not int or o in defined:
                raise _bad(path, f"equation {k} ({name}) defines value {o!r} a second time or with a bad id")
            defined.add(o)
        if not prim.multiple_results and len(outs) != 1:
            raise _bad(path, f"equation {k} ({name}) has {len(outs)} outputs; the primitive returns one")
        g.eqns.append(Eqn(prim, params, list(e["inputs"]), outs))
    for o in doc["outputs"]:
        if type(o) is int:
            if o not in defined:
                raise _bad(path, f"output v{o} is never defined")
            g.outputs.append(o)
        else:
            g.outputs.append(Lit(_dec(o["lit"], "a literal output")))
    g.copy_outputs = set(doc.get("copy_outputs", []))
    g.next_id = max(g.avals, default=-1) + 1
    in_tree = tree.structure(_dec_tree(doc["in_tree"]))
    out_tree = tree.structure(_dec_tree(doc["out_tree"]))
    if in_tree.num_leaves != len(g.inputs) or out_tree.num_leaves != len(g.outputs):
        raise _bad(path, "the input/output structures do not match the graph's inputs/outputs")
    if any(a is None for a in (g.avals[i] for i in g.inputs)):
        raise _bad(path, "an input has no shape/dtype")
    dynamic: dict = {}
    for k, ax, sym in doc.get("dynamic", []) if doc["version"] == VERSION_DYNAMIC else ():
        if not (type(k) is int and 0 <= k < len(g.inputs) and type(ax) is int and type(sym) is str
                and 0 <= ax < len(g.avals[g.inputs[k]][0]) and g.avals[g.inputs[k]][0][ax] == Dim.symbol(sym)):
            raise _bad(path, f"dynamic axis {[k, ax, sym]!r:.60} does not fit the inputs")
        dynamic.setdefault(k, {})[ax] = sym
    syms = {s for axes in dynamic.values() for s in axes.values()}
    for i, a in g.avals.items():
        for d in a[0] if a is not None else ():
            if type(d) is Dim and not {n for n, _ in d.terms} <= syms:
                raise _bad(path, f"value v{i}'s shape {a[0]} names a size that no input has")
    return Exported(g, in_tree, out_tree, str(doc.get("name", "exported")), dynamic)
