"""Elementwise fusion: chains (and trees) of elementwise primitives become one equation each.

A *group* is a tree of elementwise equations (the ufunc-like primitives of :data:`TABLE`, no static parameters,
one output) whose intermediate values each feed exactly one other equation of the group and are not graph
outputs; every intermediate has the group's output shape (external inputs may broadcast into it), and all run on
the same kind of device. Each group of two or more equations is replaced by one equation whose primitive is a
:class:`FusedOp`, listed as ``fused[tanh, multiply, add]`` with the group's output shape and dtype.

What a fused equation runs, by the arrays it meets:

* **NumPy** (chosen by ``benchmarks/bench_fuse.py``): fewer temporaries. The group's equations call their ufuncs
  with ``out=`` into one or two buffers allocated once per call (or into an input buffer that dies at the group,
  as the in-place plan would), so no intermediate allocates. Below :data:`FUSE_MIN_BYTES` per output a ufunc's
  ``out=`` costs more than the allocation it saves, so smaller groups are left as they are. numexpr was measured
  (one thread, the benchmarks' policy) and lost to NumPy on this machine, on the benchmark (a) chain, a long chain
  on 10^6 elements and the MLP step, so it is not used.
* **CuPy**: one ``cupy.ElementwiseKernel`` per group, generated from :data:`TABLE`'s CUDA C expressions (typed with
  the recorded dtypes, so promotion is the one NumPy gave), compiled on the first call and cached by CuPy. This
  path has not been run on a GPU yet: only its generated source is tested (see :func:`cuda_source`).
* Other device arrays (the CuPy stand-in of ``funcgrad.testing``, which cannot run kernels): device groups are only
  fused when CuPy itself is importable, and a fused equation that meets arrays other than CuPy's runs its member
  primitives one by one, as unfused.

Under outer transforms (``grad(jit(f))``, ``vmap(jit(f))``) a fused equation applies its member primitives through
their ``__call__``, so the transform sees ordinary primitive calls.
"""
from __future__ import annotations

import hashlib
import importlib.util
import sys
import warnings
from typing import Any, Callable

import numpy as _np

from ..core import Box
from .graph import Eqn, Graph, liveness

__all__ = ["fuse", "FusedOp", "TABLE", "FUSE_MIN_BYTES", "cuda_source"]

#: host groups whose output is smaller than this many bytes stay unfused (``out=`` costs more than it saves there;
#: the same threshold as the in-place plan's, measured on benchmarks/bench_jit.py)
FUSE_MIN_BYTES = 1 << 16

_CMP = "cmp"  # a comparison: bool out, computed in its operands' promoted type
# primitive name -> (arity, CUDA C expression over a and b in the compute type T, kind)
TABLE: dict = {
    "negative": (1, "-{a}", ""), "exp": (1, "exp({a})", ""), "expm1": (1, "expm1({a})", ""),
    "log": (1, "log({a})", ""), "log1p": (1, "log1p({a})", ""), "log2": (1, "log2({a})", ""),
    "log10": (1, "log10({a})", ""), "sqrt": (1, "sqrt({a})", ""), "cbrt": (1, "cbrt({a})", ""),
    "square": (1, "{a} * {a}", ""), "reciprocal": (1, "(T)1 / {a}", ""), "sin": (1, "sin({a})", ""),
    "cos": (1, "cos({a})", ""), "tan": (1, "tan({a})", ""), "arcsin": (1, "asin({a})", ""),
    "arccos": (1, "acos({a})", ""), "arctan": (1, "atan({a})", ""), "sinh": (1, "sinh({a})", ""),
    "cosh": (1, "cosh({a})", ""), "tanh": (1, "tanh({a})", ""), "arcsinh": (1, "asinh({a})", ""),
    "arccosh": (1, "acosh({a})", ""), "arctanh": (1, "atanh({a})", ""), "absolute": (1, "fabs({a})", ""),
    "floor": (1, "floor({a})", ""), "ceil": (1, "ceil({a})", ""), "trunc": (1, "trunc({a})", ""),
    "rint": (1, "rint({a})", ""),
    "sign": (1, "({a} != {a} ? {a} : (T)(({a} > (T)0) - ({a} < (T)0)))", ""),
    "add": (2, "{a} + {b}", ""), "add_any": (2, "{a} + {b}", ""), "subtract": (2, "{a} - {b}", ""),
    "multiply": (2, "{a} * {b}", ""), "divide": (2, "{a} / {b}", ""), "power": (2, "pow({a}, {b})", ""),
    "arctan2": (2, "atan2({a}, {b})", ""), "hypot": (2, "hypot({a}, {b})", ""),
    # NumPy's maximum and minimum propagate NaN (CUDA's fmax / fmin do not)
    "maximum": (2, "(({a} > {b} || {a} != {a}) ? {a} : {b})", ""),
    "minimum": (2, "(({a} < {b} || {a} != {a}) ? {a} : {b})", ""),
    "logaddexp": (2, "({a} == {b} ? {a} + (T)0.6931471805599453 : ({a} > {b} ? {a} + log1p(exp({b} - {a})) : "
                     "{b} + log1p(exp({a} - {b}))))", ""),
    "equal": (2, "{a} == {b}", _CMP), "not_equal": (2, "{a} != {b}", _CMP), "less": (2, "{a} < {b}", _CMP),
    "less_equal": (2, "{a} <= {b}", _CMP), "greater": (2, "{a} > {b}", _CMP),
    "greater_equal": (2, "{a} >= {b}", _CMP),
}
# the NumPy ufunc of each primitive (these primitives are exactly that ufunc on NumPy values)
_UFUNC = {name: getattr(_np, "add" if name == "add_any" else name) for name in TABLE}
# producers whose output is always a fresh buffer of its own (what a donated input must come from)
_FRESH = frozenset(TABLE) | {"matmul"}
_CTYPES = {"float64": "double", "float32": "float", "int64": "long long", "int32": "int", "int16": "short",
           "int8": "signed char", "uint8": "unsigned char", "uint16": "unsigned short", "uint32": "unsigned int",
           "uint64": "unsigned long long", "bool": "bool"}
_SCALARS = (bool, int, float)
# operators (not math functions) in CUDA: valid on integer and bool compute types as well
_ANY_TYPE = frozenset({"negative", "square", "add", "add_any", "subtract", "multiply", "maximum", "minimum", "sign",
                       "equal", "not_equal", "less", "less_equal", "greater", "greater_equal"})


def _is_scalar_const(g: Graph, i: int) -> bool:
    c = g.consts.get(i, g)
    return type(c) in _SCALARS or (isinstance(c, _np.generic) and c.dtype.kind in "biuf")


def _device_class(g: Graph, e: Eqn) -> str | None:
    """"host" when every array operand is a NumPy value, "device" when none is, None when they mix."""
    arrays = [i for i in e.inputs if not _is_scalar_const(g, i)]
    host = [i in g.host for i in arrays]
    if not arrays or all(host):
        return "host"
    return "device" if not any(host) else None


def _eligible(g: Graph, e: Eqn) -> str | None:
    spec = TABLE.get(e.prim.name)
    if spec is None or e.params or len(e.outputs) != 1 or len(e.inputs) != spec[0]:
        return None
    out = g.avals.get(e.outputs[0])
    if out is None or any(g.avals.get(i) is None for i in e.inputs):
        return None
    cls = _device_class(g, e)
    if cls == "device":
        if (_np.dtype(out[1]).name not in _CTYPES
                or any(_np.dtype(g.avals[i][1]).name not in _CTYPES for i in e.inputs)):
            return None  # complex and half precision: no kernel expression here
        if _np.dtype(out[1]).kind != "f" and e.prim.name not in _ANY_TYPE:
            return None  # CUDA's math functions take floating-point arguments only
    return cls


def _cupy_importable() -> bool:
    mod = sys.modules.get("cupy")
    if mod is not None:
        return hasattr(mod, "ElementwiseKernel")
    return importlib.util.find_spec("cupy") is not None


class FusedOp:
    """The primitive of a fused equation: ``impl`` on plain arrays, member primitives one by one when traced.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> f = fg.jit(lambda x: fnp.tanh(x * 2.0) + 1.0)
    >>> low = f.lower(np.ones(1 << 14))
    >>> [e.prim.name for e in low.graph.eqns]
    ['fused[multiply, tanh, add]']
    >>> bool(np.allclose(f(np.ones(1 << 14)), np.tanh(2.0) + 1.0))
    True
    """

    multiple_results = False
    __slots__ = ("name", "members", "n_in", "shape", "dtype", "device", "donate", "impl", "source", "_kernel",
                 "n_buffers", "alloc_bytes", "flops", "_new_registers")

    def __init__(self, members: list, n_in: int, shape: tuple, dtype: Any, device: str, donate: tuple = ()):
        # members: [(prim, [("in", k) | ("t", j)], out dtype)]: operand k of the call, or member j's result
        self.members = members
        self.n_in = n_in
        self.shape = tuple(shape)
        self.dtype = _np.dtype(dtype)
        self.device = device
        self.donate = tuple(donate)  # operands whose buffers die here: they may hold results
        self.name = f"fused[{', '.join(p.name for p, _, _ in members)}]"
        self._kernel = None
        self.source = ""
        size = 1
        for d in self.shape:
            size *= d
        self.flops = size * len(members)  # what graph_cost reports: one per member and element
        self.n_buffers = 1
        self.alloc_bytes = size * self.dtype.itemsize  # a kernel allocates its output only
        self.impl = self._host_impl() if device == "host" else self._device_impl
        if device == "host":
            self.alloc_bytes = size * sum(_np.dtype(d).itemsize for d in self._new_registers)

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def __call__(self, *args: Any) -> Any:
        for a in args:
            if type(a) is Box:
                return self._one_by_one(args, call=True)
        return self.impl(*args)

    def _one_by_one(self, args: tuple, call: bool = False) -> Any:
        vals: list = []
        for prim, refs, _ in self.members:
            ops = [args[k] if kind == "in" else vals[k] for kind, k in refs]
            vals.append(prim(*ops) if call else prim.impl(*ops))
        return vals[-1]

    # --- NumPy: ufuncs with out= into buffers allocated once per call ------------------------------------------
    def _host_impl(self) -> Callable:
        last: dict = {}  # ("in", k) / ("t", j) -> index of the member that reads it last
        for j, (_, refs, _) in enumerate(self.members):
            for r in refs:
                last[r] = j
        env: dict = {"empty": _np.empty, "shape": self.shape}
        regs: list = []  # register index -> dtype
        free: list = []  # registers whose value is dead
        where: dict = {}  # member j -> register
        lines = [f"def fused({', '.join(f'x{k}' for k in range(self.n_in))}):"]
        held: dict = {}  # register -> the value it holds
        for k in self.donate:  # input buffers that die here hold results once read for the last time
            held[len(regs)] = ("in", k)
            lines.append(f"    r{len(regs)} = x{k}")
            regs.append(self.dtype)
        for j, (prim, refs, dt) in enumerate(self.members):
            dt = _np.dtype(dt)
            ops = [f"x{k}" if kind == "in" else f"r{where[k]}" for kind, k in refs]
            # registers whose value dies at this member may take its result (a ufunc may write over its input)
            for reg, val in list(held.items()):
                if last.get(val) == j and val in refs:
                    free.append(reg)
                    del held[reg]
            reg = next((r for r in free if regs[r] == dt), None)
            if reg is None:
                reg = len(regs)
                regs.append(dt)
                env[f"d{reg}"] = dt
                lines.append(f"    r{reg} = empty(shape, d{reg})")
            else:
                free.remove(reg)
            env[f"u{j}"] = _UFUNC[prim.name]
            lines.append(f"    u{j}({', '.join(ops)}, out=r{reg})")
            where[j] = reg
            held[reg] = ("t", j)
        lines.append(f"    return r{where[len(self.members) - 1]}")
        self.source = "\n".join(lines)
        self._new_registers = regs[len(self.donate):]
        self.n_buffers = len(self._new_registers)
        exec(compile(self.source, f"<funcgrad.jit {self.name}>", "exec"), env)  # noqa: S102 - generated above
        return env["fused"]

    # --- CuPy: one ElementwiseKernel ----------------------------------------------------------------------------
    def _device_impl(self, *args: Any) -> Any:
        arrays = [a for a in args if _is_array(a)]
        if not arrays or not all(type(a).__module__.split(".")[0] == "cupy" for a in arrays):
            return self._one_by_one(args)  # not CuPy's arrays (the stand-in): the unfused work
        if self._kernel is False:
            return self._one_by_one(args)
        if self._kernel is not None:
            return self._kernel(*arrays)
        import cupy  # only reached with CuPy arrays in hand
        src = cuda_source(self, [_np.dtype(a.dtype) for a in arrays], [None if _is_array(a) else a for a in args])
        try:  # CuPy compiles on the first call: a kernel that fails to build must not break the program
            kernel = cupy.ElementwiseKernel(src["in_params"], src["out_params"], src["operation"], src["name"])
            out = kernel(*arrays)
        except Exception as err:  # noqa: BLE001 - any build failure: run the members unfused from now on
            self._kernel = False
            warnings.warn(f"funcgrad.jit: the CuPy kernel of {self.name} failed to build ({type(err).__name__}: "
                          f"{err}); running its primitives one by one instead. Please report this with the "
                          f"listing of jit(f).lower(...).as_text().", RuntimeWarning, stacklevel=2)
            return self._one_by_one(args)
        self._kernel = kernel
        return out


def _is_array(a: Any) -> bool:
    return hasattr(a, "shape") and not isinstance(a, _np.generic)


def _literal(v: Any, ctype: str) -> str:
    v = v.item() if isinstance(v, _np.generic) else v
    if type(v) is bool:
        return "true" if v else "false"
    if type(v) is float and not _np.isfinite(v):
        return f"(({ctype}){'(0.0 / 0.0)' if v != v else ('(1.0 / 0.0)' if v > 0 else '(-1.0 / 0.0)')})"
    return f"(({ctype}){v!r})"


def cuda_source(op: FusedOp, in_dtypes: list, scalars: list) -> dict:
    """The ``cupy.ElementwiseKernel`` arguments for a fused group: typed parameters and one C statement per member.

    ``in_dtypes``: the dtype of each array operand, in order; ``scalars``: per operand of the call, the Python
    number embedded as a literal, or None for an array operand. Each member computes in its result's C type (a
    comparison in its operands' promoted type), which keeps NumPy's promotion as recorded.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> from funcgrad.jit.fuse import FusedOp, cuda_source
    >>> tanh, mul = fg.core.registry["tanh"], fg.core.registry["multiply"]
    >>> op = FusedOp([(mul, [("in", 0), ("in", 1)], np.float32), (tanh, [("t", 0)], np.float32)], 2, (4,),
    ...              np.float32, "device")
    >>> src = cuda_source(op, [np.dtype(np.float32)], [None, 2.0])
    >>> src["in_params"], src["out_params"]
    ('float32 x0', 'float32 out0')
    >>> print(src["operation"])
    const float t0 = ((float)x0) * (((float)2.0));
    const float t1 = tanh(t0);
    out0 = t1;
    """
    params, names, it = [], {}, iter(in_dtypes)
    for k, s in enumerate(scalars):
        if s is None:
            dt = _np.dtype(next(it))
            params.append(f"{dt.name} x{k}")
            names[k] = (f"x{k}", dt)
    types: list = []
    body = []
    for j, (prim, refs, dt) in enumerate(op.members):
        _, expr, kind = TABLE[prim.name]
        dt = _np.dtype(dt)
        operand_dtypes = []
        for r_kind, k in refs:
            if r_kind == "t":
                operand_dtypes.append(types[k])
            elif k in names:
                operand_dtypes.append(names[k][1])
            else:
                operand_dtypes.append(scalars[k])
        comp = _np.result_type(*operand_dtypes) if kind == _CMP else dt
        ct = _CTYPES[_np.dtype(comp).name]
        ops = []
        for r_kind, k in refs:
            if r_kind == "t":
                ops.append(f"t{k}" if types[k] == comp else f"(({ct})t{k})")
            elif k in names:
                ops.append(f"(({ct}){names[k][0]})")
            else:
                ops.append(f"({_literal(scalars[k], ct)})")
        text = expr.format(a=ops[0], b=ops[1] if len(ops) > 1 else "").replace("(T)", f"({ct})")
        body.append(f"const {_CTYPES[dt.name]} t{j} = {text};")
        types.append(dt)
    body.append(f"out0 = t{len(op.members) - 1};")
    operation = "\n".join(body)
    in_params, out_params = ", ".join(params), f"{op.dtype.name} out0"
    # a name stable across processes, so that CuPy's on-disk cache of compiled kernels finds it again
    digest = hashlib.sha1(f"{in_params};{out_params};{operation}".encode()).hexdigest()[:12]
    return {"in_params": in_params, "out_params": out_params, "operation": operation,
            "name": f"funcgrad_fused_{digest}"}


# --- the pass -----------------------------------------------------------------------------------------------------
def fuse(g: Graph, min_bytes: int | None = None) -> tuple[Graph, str]:
    """Replace each group of two or more elementwise equations by one fused equation (see the module docstring).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> g = fg.jit(lambda x: fnp.exp(fnp.sin(x)) * x, passes=()).lower(np.ones(1 << 14)).graph
    >>> fuse(g)[1].split(' (')[0]
    'fuse: 1 group(s) of 3 elementwise equation(s) made 1 equation(s)'
    """
    min_bytes = FUSE_MIN_BYTES if min_bytes is None else min_bytes
    g = g.copy()
    outputs = {o for o in g.outputs if type(o) is int}
    consumers: dict = {}
    for k, e in enumerate(g.eqns):
        for i in set(e.inputs):
            consumers.setdefault(i, []).append(k)
    cls = [_eligible(g, e) for e in g.eqns]
    device_ok = None
    parent: dict = {}  # member eqn index -> the eqn index that consumes its result within the group
    for k, e in enumerate(g.eqns):
        if cls[k] is None:
            continue
        o = e.outputs[0]
        users = consumers.get(o, [])
        if o in outputs or len(users) != 1:
            continue
        d = users[0]
        if cls[d] != cls[k] or g.avals[o][0] != g.avals[g.eqns[d].outputs[0]][0]:
            continue
        parent[k] = d
    groups: dict = {}  # root index -> member indices in execution order
    for k in range(len(g.eqns)):
        if cls[k] is None:
            continue
        r = k
        while r in parent:
            r = parent[r]
        groups.setdefault(r, []).append(k)
    fused_at: dict = {}
    skip: set = set()
    small = 0
    for root, members in groups.items():
        if len(members) < 2:
            continue
        out_aval = g.avals[g.eqns[root].outputs[0]]
        # (a 0-d NumPy result stays a NumPy scalar, as eagerly: out= would make it a 0-d array)
        if cls[root] == "host" and (_nbytes(out_aval) < min_bytes or not out_aval[0]):
            small += 1
            continue
        if cls[root] == "device":
            if device_ok is None:
                device_ok = _cupy_importable()
            if not device_ok:
                continue
        fused_at[root] = members
        skip.update(members)
    new_eqns, made = [], []
    for k, e in enumerate(g.eqns):
        if k in fused_at:
            eqn = _fused_eqn(g, [g.eqns[m] for m in fused_at[k]], cls[k])
            new_eqns.append(eqn)
            made.append(eqn)
        elif k not in skip:
            new_eqns.append(e)
    g.eqns = new_eqns
    _donate(g, made)
    host = [e.prim for e in made if e.prim.device == "host"]
    n_members = sum(len(e.prim.members) for e in made)
    return g, (f"fuse: {len(made)} group(s) of {n_members} elementwise equation(s) made {len(made)} equation(s) "
               f"(NumPy: {sum(p.n_buffers for p in host)} buffer(s) for {sum(len(p.members) for p in host)} "
               f"results, {sum(len(p.donate) for p in host)} dying input(s) reused; CuPy kernels: "
               f"{len(made) - len(host)}); {small} group(s) left unfused below {min_bytes} bytes")


def _nbytes(aval) -> int:
    n = 1
    for d in aval[0]:
        n *= d
    return n * _np.dtype(aval[1]).itemsize


def _fused_eqn(g: Graph, members: list, device: str) -> Eqn:
    inside = {e.outputs[0]: j for j, e in enumerate(members)}
    ext: list = []
    spec = []
    for e in members:
        refs = []
        for i in e.inputs:
            if i in inside:
                refs.append(("t", inside[i]))
            else:
                if i not in ext:
                    ext.append(i)
                refs.append(("in", ext.index(i)))
        spec.append((e.prim, refs, g.avals[e.outputs[0]][1]))
    out = members[-1].outputs[0]
    shape, dtype = g.avals[out]
    return Eqn(FusedOp(spec, len(ext), shape, dtype, device), {}, ext, [out])


def _donate(g: Graph, made: list) -> None:
    """Let a NumPy fused equation write into the input buffers that die there, with the in-place plan's rules: a
    fresh buffer a ufunc, matmul or fused equation made (or an input the caller donated), of the output's shape and
    dtype, no other input, constant or output of the graph, and no other live value sharing its memory (the
    aliasing seen while tracing)."""
    if not made:
        return
    last, producer, keep, group = liveness(g)
    index = {id(e): k for k, e in enumerate(g.eqns)}
    for e in made:
        op = e.prim
        if op.device != "host":
            continue
        k = index[id(e)]
        out_aval = g.avals[e.outputs[0]]
        donate = []
        for pos, i in enumerate(e.inputs):
            p = producer.get(i)
            if i in keep or g.avals.get(i) != out_aval or last.get(i) != k:
                continue
            if i in g.donated:  # a buffer the caller gave up (jit's donate_argnums)
                if g.alias.get(i, i) != i:
                    continue
            elif p is None:
                continue
            elif isinstance(p.prim, FusedOp):
                if p.prim.device != "host":
                    continue
            elif p.prim.name not in _FRESH or i not in g.owned or g.alias.get(i) != i:
                continue
            if any(v != i and (last.get(v, -1) >= k or v in keep) for v in group.get(g.alias.get(i, i), ())):
                continue
            donate.append(pos)
        if donate:
            e.prim = FusedOp(op.members, op.n_in, op.shape, op.dtype, "host", donate=tuple(donate))
