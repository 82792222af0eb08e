"""The ONNX mapping table of :mod:`funcgrad.jit.onnx`: the builder of an ONNX graph, and one entry per primitive
(elementwise, reductions, shapes, products; ``onnx_windows`` adds the window primitives).

Each entry of :data:`MAPPING` turns one equation into ONNX nodes and returns the names of its outputs. NumPy's
semantics are kept where ONNX differs: operands are cast to the dtype NumPy computes in (Python scalars are weakly
typed, as NumPy 2 has them), an axis of ``None`` means every axis, slices take Python's defaults, and the graph's
constants become initializers with their dtypes. A form ONNX cannot express raises :class:`Unsupported`.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .dynamic import Dim, Fill, has_dims
from .graph import Graph

__all__ = ["MAPPING", "Builder", "Unsupported", "register"]

_I64_MAX, _I64_MIN = 2 ** 63 - 1, -(2 ** 63)


class Unsupported(Exception):
    """A mapped primitive in a form ONNX cannot express (the message says which)."""


class Builder:
    """The ONNX graph under construction: nodes, initializers, and the ONNX name of each funcgrad value."""

    def __init__(self, g: Graph, onnx, sources: dict):
        self.g, self.onnx, self.helper = g, onnx, onnx.helper
        self.nodes: list = []
        self.inits: list = []
        self.names: dict = {}
        self.sources = sources  # symbol -> (input name, axis)
        self._n = 0
        self._cache: dict = {}

    def fresh(self, hint: str = "t") -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def node(self, op: str, inputs: list, n_out: int = 1, **attrs) -> Any:
        outs = [self.fresh(op.lower()) for _ in range(n_out)]
        self.nodes.append(self.helper.make_node(op, inputs, outs, **attrs))
        return outs[0] if n_out == 1 else outs

    def init(self, value: Any, dtype: Any = None) -> str:
        a = np.asarray(value, dtype=dtype)
        if a.dtype.kind not in "biuf":
            raise Unsupported(f"a constant of dtype {a.dtype}")
        key = (a.dtype.str, a.shape, a.tobytes()) if a.size <= 16 else None
        if key is not None and key in self._cache:
            return self._cache[key]
        name = self.fresh("const")
        self.inits.append(self.onnx.numpy_helper.from_array(a, name))
        if key is not None:
            self._cache[key] = name
        return name

    def dtype(self, i: int) -> np.dtype:
        a = self.g.avals.get(i)
        if a is None:
            c = self.g.consts.get(i)
            return np.asarray(c).dtype
        return np.dtype(a[1])

    def shape(self, i: int) -> tuple:
        a = self.g.avals.get(i)
        return tuple(a[0]) if a is not None else ()

    def is_const(self, i: int) -> bool:
        return i in self.g.consts

    def const(self, i: int) -> Any:
        return self.g.consts[i]

    def ref(self, i: int, dtype: Any = None) -> str:
        """The ONNX name of value ``i``, cast to ``dtype`` when that is given and differs."""
        if i not in self.names:
            c = self.g.consts[i]
            if c is None:
                raise Unsupported("a None operand")
            if type(c) is Dim:  # an integer computed from a dynamic size
                self.names[i] = self.node("Squeeze", [self.dim(c), self.init([0], np.int64)])
                return self.ref_cast(self.names[i], np.int64, dtype)
            if type(c) is Fill:
                self.names[i] = self.fill(c)
                return self.ref_cast(self.names[i], c.dtype, dtype)
            if not hasattr(c, "dtype"):  # a Python scalar: weakly typed, made in the dtype it is used in
                return self.init(c, dtype if dtype is not None else np.asarray(c).dtype)
            self.names[i] = self.init(c)
        return self.ref_cast(self.names[i], self.dtype(i), dtype)

    def ref_cast(self, name: str, have: Any, want: Any) -> str:
        if want is None or np.dtype(have) == np.dtype(want):
            return name
        return self.node("Cast", [name], to=self.tensor_type(want))

    def tensor_type(self, dtype: Any) -> int:
        return self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def common(self, e, ids=None) -> np.dtype:
        """The dtype NumPy computes in for the operands ``ids`` of ``e`` (Python scalars weakly typed)."""
        parts = []
        for i in (e.inputs if ids is None else ids):
            c = self.g.consts.get(i)
            parts.append(c if type(c) in (bool, int, float) else self.dtype(i))
        return np.result_type(*parts)

    def fill(self, c: Fill) -> str:
        """A :class:`Fill` constant: its value scaled by powers of the sizes, expanded to its shape."""
        v = self.init(c.value, c.dtype)
        for sym, p in c.powers:
            size = self.node("Squeeze", [self.ref_cast(self.dim(Dim.symbol(sym)), np.int64, c.dtype),
                                         self.init([0], np.int64)])
            power = size if abs(p) == 1 else self.node("Pow", [size, self.init(abs(p), c.dtype)])
            v = self.node("Mul" if p > 0 else "Div", [v, power])
        return self.node("Expand", [v, self.ints(c.shape)])

    def dim(self, d: Any) -> str:
        """A 1-element int64 tensor holding the size ``d`` (an int or a :class:`Dim`)."""
        if type(d) is not Dim:
            return self.init([int(d)], np.int64)
        out = self.init([d.const], np.int64)
        for sym, coef in d.terms:
            src, axis = self.sources[sym]
            key = ("dim", sym)
            if key not in self._cache:
                self._cache[key] = self.node("Shape", [src], start=axis, end=axis + 1)
            term = self._cache[key] if coef == 1 else self.node("Mul", [self._cache[key],
                                                                          self.init([coef], np.int64)])
            out = self.node("Add", [out, term])
        return out

    def ints(self, values: Any) -> str:
        """A 1-D int64 tensor of ``values`` (ints and :class:`Dim` values)."""
        values = tuple(values)
        if not has_dims(values):
            return self.init(np.array(values, dtype=np.int64).reshape(len(values)))
        return self.node("Concat", [self.dim(v) for v in values], axis=0)


def static_params(e, *names: str) -> None:
    """Refuse (:class:`Unsupported`) an equation whose parameters ``names`` depend on a dynamic size.

    >>> from funcgrad.jit.graph import Eqn
    >>> static_params(Eqn(None, {"n": 3}, [], []), "n")  # a plain int passes
    """
    for n in names:
        if has_dims(e.params.get(n)):
            raise Unsupported(f"its parameter {n!r} ({e.params[n]!r}) depends on a dynamic size; make that axis "
                               f"static for ONNX")


def _axes(axis: Any, nd: int) -> tuple:
    if axis is None:
        return tuple(range(nd))
    return tuple(sorted(a % nd for a in (axis if isinstance(axis, tuple) else (axis,))))


# --- the table ------------------------------------------------------------------------------------------------
MAPPING: dict = {}


def register(*names: str) -> Callable:
    """A decorator entering ``fn(eqn, builder) -> output names`` in :data:`MAPPING` under each of ``names``.

    >>> @register("test_only_identity")
    ... def _identity(e, b):
    ...     return [b.node("Identity", [b.ref(e.inputs[0])])]
    >>> MAPPING.pop("test_only_identity") is _identity
    True
    """
    def deco(fn: Callable) -> Callable:
        for n in names:
            MAPPING[n] = fn
        return fn
    return deco


_UNARY = {"exp": "Exp", "log": "Log", "tanh": "Tanh", "sin": "Sin", "cos": "Cos", "sqrt": "Sqrt", "absolute": "Abs",
          "fabs": "Abs", "negative": "Neg", "reciprocal": "Reciprocal", "expit": "Sigmoid", "relu": "Relu",
          "floor": "Floor", "ceil": "Ceil", "rint": "Round", "erf": "Erf", "sign": "Sign", "positive": "Identity",
          "stop_gradient": "Identity", "sinh": "Sinh", "cosh": "Cosh", "tan": "Tan", "arcsin": "Asin",
          "arccos": "Acos", "arctan": "Atan", "arcsinh": "Asinh", "arccosh": "Acosh", "arctanh": "Atanh"}
_BINARY = {"add": "Add", "add_any": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "power": "Pow",
           "maximum": "Max", "minimum": "Min"}
_COMPARE = {"equal": "Equal", "less": "Less", "less_equal": "LessOrEqual", "greater": "Greater",
            "greater_equal": "GreaterOrEqual"}
_LOGICAL = {"logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}


def _unary(e, b):
    return [b.node(_UNARY[e.prim.name], [b.ref(e.inputs[0], b.dtype(e.outputs[0]))])]


def _unary_composite(e, b):
    t = b.dtype(e.outputs[0])
    x = b.ref(e.inputs[0], t)
    one = b.init(1, t)
    name = e.prim.name
    if name == "square":
        return [b.node("Mul", [x, x])]
    if name == "log1p":
        return [b.node("Log", [b.node("Add", [x, one])])]
    if name == "expm1":
        return [b.node("Sub", [b.node("Exp", [x]), one])]
    if name in ("log2", "log10"):
        return [b.node("Div", [b.node("Log", [x]), b.init(np.log(2.0 if name == "log2" else 10.0), t)])]
    if name == "exp2":
        return [b.node("Pow", [b.init(2, t), x])]
    raise AssertionError(name)


for _n in _UNARY:
    MAPPING[_n] = _unary
for _n in ("square", "log1p", "expm1", "log2", "log10", "exp2"):
    MAPPING[_n] = _unary_composite


@register(*_BINARY)
def _binary(e, b):
    t = b.dtype(e.outputs[0])
    return [b.node(_BINARY[e.prim.name], [b.ref(i, t) for i in e.inputs])]


@register(*_COMPARE, "not_equal")
def _compare(e, b):
    t = b.common(e)
    args = [b.ref(i, t) for i in e.inputs]
    if e.prim.name == "not_equal":
        return [b.node("Not", [b.node("Equal", args)])]
    return [b.node(_COMPARE[e.prim.name], args)]


@register(*_LOGICAL, "logical_not")
def _logical(e, b):
    args = [b.ref(i, np.bool_) for i in e.inputs]
    return [b.node("Not" if e.prim.name == "logical_not" else _LOGICAL[e.prim.name], args)]


@register("isnan", "isinf", "isfinite")
def _isnan(e, b):
    x = b.ref(e.inputs[0])
    if b.dtype(e.inputs[0]).kind != "f":  # integers and booleans are never NaN or infinite
        same = b.node("Equal", [x, x])
        return [same if e.prim.name == "isfinite" else b.node("Not", [same])]
    if e.prim.name == "isfinite":
        return [b.node("Not", [b.node("Or", [b.node("IsNaN", [x]), b.node("IsInf", [x])])])]
    return [b.node("IsNaN" if e.prim.name == "isnan" else "IsInf", [x])]


@register("where")
def _where(e, b):
    t = b.dtype(e.outputs[0])
    c, x, y = e.inputs
    return [b.node("Where", [b.ref(c, np.bool_), b.ref(x, t), b.ref(y, t)])]


@register("clip")
def _clip(e, b):
    t = b.dtype(e.outputs[0])
    out = b.ref(e.inputs[0], t)
    for i, op in zip(e.inputs[1:], ("Max", "Min")):
        if not (b.is_const(i) and b.const(i) is None):
            out = b.node(op, [out, b.ref(i, t)])
    return [out]


@register("relu_mask")
def _relu_mask(e, b):
    t = b.dtype(e.outputs[0])
    g, ans = e.inputs
    a = b.ref(ans)
    dead = b.node("LessOrEqual", [a, b.init(0, b.dtype(ans))])
    return [b.node("Where", [dead, b.init(0, t), b.ref(g, t)])]


@register("cast")
def _cast(e, b):
    return [b.node("Cast", [b.ref(e.inputs[0])], to=b.tensor_type(e.params["dtype"]))]


# --- reductions -------------------------------------------------------------------------------------------------
_REDUCE = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax", "min": "ReduceMin", "prod": "ReduceProd"}


@register(*_REDUCE)
def _reduce(e, b):
    x = e.inputs[0]
    axes = _axes(e.params.get("axis"), len(b.shape(x)))
    xin = b.ref(x, b.dtype(e.outputs[0]))
    if not axes:
        return [b.node("Identity", [xin])]
    keep = 1 if e.params.get("keepdims") else 0
    return [b.node(_REDUCE[e.prim.name], [xin, b.init(np.array(axes, np.int64))], keepdims=keep)]


@register("argmax", "argmin")
def _argmax(e, b):
    x = b.ref(e.inputs[0])
    axis, keep = e.params.get("axis"), bool(e.params.get("keepdims"))
    op = "ArgMax" if e.prim.name == "argmax" else "ArgMin"
    if axis is None:
        flat = b.node("Reshape", [x, b.init(np.array([-1], np.int64))])
        out = b.node(op, [flat], axis=0, keepdims=0)
        if keep:
            out = b.node("Reshape", [out, b.init(np.ones(len(b.shape(e.inputs[0])), np.int64))])
        return [out]
    return [b.node(op, [x], axis=int(axis), keepdims=int(keep))]


@register("logsumexp")
def _logsumexp(e, b):
    if e.params.get("return_sign"):
        raise Unsupported("return_sign=True")
    a_id, w_id = e.inputs[0], e.inputs[1] if len(e.inputs) > 1 else None
    t = b.dtype(e.outputs[0])
    nd = len(b.shape(a_id))
    weighted = w_id is not None and not (b.is_const(w_id) and b.const(w_id) is None)
    if weighted and len(b.shape(w_id)) > nd:
        raise Unsupported("weights b of higher rank than a")
    axes = b.init(np.array(_axes(e.params.get("axis"), nd), np.int64))
    a = b.ref(a_id, t)
    m = b.node("ReduceMax", [a, axes], keepdims=1)
    # an infinite maximum would give inf - inf: shift by 0 there, as scipy does
    m = b.node("Where", [b.node("IsInf", [m]), b.init(0, t), m])
    ex = b.node("Exp", [b.node("Sub", [a, m])])
    if weighted:
        ex = b.node("Mul", [ex, b.ref(w_id, t)])
    out = b.node("Add", [b.node("Log", [b.node("ReduceSum", [ex, axes], keepdims=1)]), m])
    if not e.params.get("keepdims"):
        out = b.node("Squeeze", [out, axes])
    return [out]


@register("cumsum")
def _cumsum(e, b):
    x = b.ref(e.inputs[0], b.dtype(e.outputs[0]))
    axis = e.params.get("axis")
    if axis is None:
        x, axis = b.node("Reshape", [x, b.init(np.array([-1], np.int64))]), 0
    return [b.node("CumSum", [x, b.init(np.array(axis, np.int64))], reverse=int(bool(e.params.get("reverse"))))]


@register("sum_to")
def _sum_to(e, b):
    src, dst = b.shape(e.inputs[0]), tuple(e.params["shape"])
    x = b.ref(e.inputs[0])
    lead = len(src) - len(dst)
    axes = list(range(lead)) + [lead + j for j, d in enumerate(dst) if type(d) is int and d == 1 and src[lead + j] != 1]
    if not axes:
        return [b.node("Identity", [x])]
    out = b.node("ReduceSum", [x, b.init(np.array(axes, np.int64))], keepdims=1)
    if lead:
        out = b.node("Squeeze", [out, b.init(np.arange(lead, dtype=np.int64))])
    return [out]


@register("expand_reduced")
def _expand_reduced(e, b):
    shape, axis, keep = e.params["shape"], e.params["axis"], e.params["keepdims"]
    g = b.ref(e.inputs[0])
    if not keep and axis is not None:
        g = b.node("Unsqueeze", [g, b.init(np.array(_axes(axis, len(shape)), np.int64))])
    return [b.node("Expand", [g, b.ints(shape)])]


# --- shapes -----------------------------------------------------------------------------------------------------
@register("broadcast_to")
def _broadcast_to(e, b):
    return [b.node("Expand", [b.ref(e.inputs[0]), b.ints(e.params["shape"])])]


@register("reshape")
def _reshape(e, b):
    shape = tuple(e.params["shape"])
    zero = any(type(d) is int and d == 0 for d in shape)
    return [b.node("Reshape", [b.ref(e.inputs[0]), b.ints(shape)], allowzero=int(zero))]


@register("transpose", "matrix_transpose")
def _transpose(e, b):
    nd = len(b.shape(e.inputs[0]))
    if e.prim.name == "matrix_transpose":
        perm = list(range(nd - 2)) + [nd - 1, nd - 2]
    else:
        axes = e.params.get("axes")
        perm = list(range(nd))[::-1] if axes is None else [a % nd for a in axes]
    return [b.node("Transpose", [b.ref(e.inputs[0])], perm=perm)]


@register("concatenate")
def _concatenate(e, b):
    t = b.dtype(e.outputs[0])
    return [b.node("Concat", [b.ref(i, t) for i in e.inputs], axis=int(e.params["axis"]))]


@register("pack")
def _pack(e, b):
    t = b.dtype(e.outputs[0])
    zero = b.init(np.array([0], np.int64))
    return [b.node("Concat", [b.node("Unsqueeze", [b.ref(i, t), zero]) for i in e.inputs], axis=0)]


@register("index0")
def _index0(e, b):
    static_params(e, "i")
    return [b.node("Gather", [b.ref(e.inputs[0]), b.init(np.array(e.params["i"], np.int64))], axis=0)]


@register("embed0")
def _embed0(e, b):
    static_params(e, "i", "n")
    i, n = e.params["i"], e.params["n"]
    i %= n
    nd = len(b.shape(e.inputs[0])) + 1
    g = b.node("Unsqueeze", [b.ref(e.inputs[0]), b.init(np.array([0], np.int64))])
    pads = [i] + [0] * (nd - 1) + [n - 1 - i] + [0] * (nd - 1)
    return [b.node("Pad", [g, b.init(np.array(pads, np.int64))])]


@register("crop")
def _crop(e, b):
    static_params(e, "starts", "stops")
    starts, stops = e.params["starts"], e.params["stops"]
    return [b.node("Slice", [b.ref(e.inputs[0]), b.init(np.array(starts, np.int64)), b.init(np.array(stops, np.int64)),
                             b.init(np.arange(len(starts), dtype=np.int64))])]


@register("pad")
def _pad(e, b):
    static_params(e, "pad_width")
    widths = e.params["pad_width"]
    x = b.ref(e.inputs[0])
    if not any(lo or hi for lo, hi in widths):
        return [b.node("Identity", [x])]
    pads = np.array([lo for lo, _ in widths] + [hi for _, hi in widths], np.int64)
    value = b.init(e.params["constant_values"], b.dtype(e.inputs[0]))
    return [b.node("Pad", [x, b.init(pads), value], mode="constant")]


@register("flip")
def _flip(e, b):
    axes = _axes(e.params.get("axis"), len(b.shape(e.inputs[0])))
    n = len(axes)
    ends = b.init(np.full(n, _I64_MIN, np.int64))
    return [b.node("Slice", [b.ref(e.inputs[0]), b.init(np.full(n, -1, np.int64)), ends,
                             b.init(np.array(axes, np.int64)), b.init(np.full(n, -1, np.int64))])]


@register("tile")
def _tile(e, b):
    reps = tuple(e.params["reps"])
    x = b.ref(e.inputs[0])
    nd = len(b.shape(e.inputs[0]))
    if len(reps) > nd:
        x = b.node("Unsqueeze", [x, b.init(np.arange(len(reps) - nd, dtype=np.int64))])
    reps = (1,) * (nd - len(reps)) + reps
    return [b.node("Tile", [x, b.init(np.array(reps, np.int64))])]


@register("getitem")
def _getitem(e, b):
    idx = e.params["idx"]
    idx = idx if type(idx) is tuple else (idx,)
    nd = len(b.shape(e.inputs[0]))
    for v in idx:
        if not (v is None or v is Ellipsis or type(v) is slice or (isinstance(v, (int, np.integer))
                                                                    and not isinstance(v, (bool, np.bool_)))):
            raise Unsupported(f"the index {v!r:.40} (only ints, slices, None and Ellipsis map to ONNX)")
    if any(has_dims(v) for v in idx):
        raise Unsupported("an index that depends on a dynamic size")
    n_used = sum(1 for v in idx if v is not None and v is not Ellipsis)
    if Ellipsis in idx:
        k = idx.index(Ellipsis)
        idx = idx[:k] + (slice(None),) * (nd - n_used) + idx[k + 1:]
    idx = idx + (slice(None),) * (nd - n_used)
    starts, ends, axes, steps, squeeze, new = [], [], [], [], [], []
    axis = out_pos = 0
    for v in idx:
        if v is None:
            new.append(out_pos)
            out_pos += 1
            continue
        if type(v) is slice:
            step = 1 if v.step is None else v.step
            start = v.start if v.start is not None else (0 if step > 0 else _I64_MAX)
            stop = v.stop if v.stop is not None else (_I64_MAX if step > 0 else _I64_MIN)
            if (start, stop, step) != (0, _I64_MAX, 1):
                starts.append(start), ends.append(stop), axes.append(axis), steps.append(step)
            out_pos += 1
        else:
            starts.append(int(v)), ends.append(int(v) + 1 if int(v) != -1 else _I64_MAX), axes.append(axis)
            steps.append(1)
            squeeze.append(axis)
        axis += 1
    x = b.ref(e.inputs[0])
    if axes:
        x = b.node("Slice", [x] + [b.init(np.array(v, np.int64)) for v in (starts, ends, axes, steps)])
    if squeeze:
        x = b.node("Squeeze", [x, b.init(np.array(squeeze, np.int64))])
    if new:
        x = b.node("Unsqueeze", [x, b.init(np.array(new, np.int64))])
    return [x if axes or squeeze or new else b.node("Identity", [x])]


@register("pieces")
def _pieces(e, b):
    static_params(e, "bounds")
    x = b.ref(e.inputs[0])
    axis, bounds, squeeze = e.params["axis"], e.params["bounds"], e.params["squeeze"]
    if squeeze:
        bounds = [(i, i + 1) for i in range(b.shape(e.inputs[0])[axis])]
    ax = b.init(np.array([axis], np.int64))
    outs = []
    for lo, hi in bounds:
        piece = b.node("Slice", [x, b.init(np.array([lo], np.int64)), b.init(np.array([hi], np.int64)), ax])
        outs.append(b.node("Squeeze", [piece, ax]) if squeeze else piece)
    return outs


# --- products ---------------------------------------------------------------------------------------------------
@register("matmul")
def _matmul(e, b):
    t = b.dtype(e.outputs[0])
    return [b.node("MatMul", [b.ref(i, t) for i in e.inputs])]


@register("einsum")
def _einsum(e, b):
    t = b.dtype(e.outputs[0])
    return [b.node("Einsum", [b.ref(i, t) for i in e.inputs], equation=e.params["subscripts"].replace(" ", ""))]


@register("tril", "triu")
def _trilu(e, b):
    static_params(e, "k")
    return [b.node("Trilu", [b.ref(e.inputs[0]), b.init(np.array(e.params["k"], np.int64))],
                   upper=int(e.prim.name == "triu"))]


# --- NumPy's floor-rounding arithmetic and logaddexp ---------------------------------------------------------------
def _mod_parts(b, a: str, d: str, t) -> tuple:
    """NumPy's remainder (sign of the divisor) of ``a`` by ``d`` and the mask of where it moved off ``fmod``."""
    r = b.node("Mod", [a, d], fmod=1)  # truncated: the sign of the dividend, exact
    zero = b.init(0, t)
    off = b.node("And", [b.node("Not", [b.node("Equal", [r, zero])]),
                         b.node("Xor", [b.node("Less", [r, zero]), b.node("Less", [d, zero])])])
    return b.node("Where", [off, b.node("Add", [r, d]), r]), r, off


@register("mod")
def _mod(e, b):
    t = b.dtype(e.outputs[0])
    a, d = (b.ref(i, t) for i in e.inputs)
    return [_mod_parts(b, a, d, t)[0]]


@register("floor_divide")
def _floor_divide(e, b):
    t = b.dtype(e.outputs[0])
    a, d = (b.ref(i, t) for i in e.inputs)
    _, r, off = _mod_parts(b, a, d, t)
    if t.kind in "iu":  # ONNX's integer Div truncates toward zero: one less where the remainder moved
        q = b.node("Div", [a, d])
        return [b.node("Where", [off, b.node("Sub", [q, b.init(1, t)]), q])]
    # NumPy's float floor division, step by step (floor(a / d) differs: floor(1 / 0.1) is 10, NumPy's 9)
    div = b.node("Div", [b.node("Sub", [a, r]), d])
    div = b.node("Where", [off, b.node("Sub", [div, b.init(1, t)]), div])
    fl = b.node("Floor", [div])
    fl = b.node("Where", [b.node("Greater", [b.node("Sub", [div, fl]), b.init(0.5, t)]),
                          b.node("Add", [fl, b.init(1, t)]), fl])
    zero = b.init(0, t)
    # a zero quotient takes the sign of a / d, and a zero divisor gives a / d (inf or nan), as NumPy's
    q = b.node("Where", [b.node("Equal", [div, zero]), b.node("Mul", [zero, b.node("Div", [a, d])]), fl])
    return [b.node("Where", [b.node("Equal", [d, zero]), b.node("Div", [a, d]), q])]


@register("logaddexp")
def _logaddexp(e, b):
    t = b.dtype(e.outputs[0])
    x, y = (b.ref(i, t) for i in e.inputs)
    m = b.node("Max", [x, y])
    tail = b.node("Log", [b.node("Add", [b.init(1, t), b.node("Exp", [b.node("Neg", [
        b.node("Abs", [b.node("Sub", [x, y])])])])])])
    # equal arguments (infinities among them, where x - y is nan) give x + log 2
    return [b.node("Where", [b.node("Equal", [x, y]), b.node("Add", [x, b.init(np.log(2.0), t)]),
                             b.node("Add", [m, tail])])]
