"""The tree of a saved object as JSON nodes, for :mod:`funcgrad.serialization`: the writer that turns an object
into nodes and named little-endian arrays, the checker that validates a file's tree against its tensors before
anything is built, and the builder that makes the object back (placing Tensors by ``map_location``); with the dtype
codes and the fault type that the safetensors reading and writing in ``__init__`` share.

>>> import numpy as np
>>> w = _Writer(); node = w.node({"step": 3, "m": np.zeros(2)})
>>> node["k"], sorted(w.arrays), _build(node, w.arrays, lambda t, saved, where: t)
('dict', ['m'], {'step': 3, 'm': array([0., 0.])})
"""
from __future__ import annotations

import base64
import re
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from ..backend import parse_device, to_host
from ..core import getval
from ..tensors.dtypes import as_dtype, dtype as _TorchDtype
from ..tensors.size import Size
from ..tensors.tensor import Tensor, device as _device

_MAX_DEPTH = 200  # nesting of containers in a tree
# safetensors dtype -> NumPy dtype (little-endian); BF16 is read as float32, C64 (newer writers) as complex64
_CODES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "U16": "<u2", "I16": "<i2", "U32": "<u4", "I32": "<i4",
          "U64": "<u8", "I64": "<i8", "F16": "<f2", "F32": "<f4", "F64": "<f8", "BF16": "<u2", "C64": "<c8"}
_SAVE_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _CODES.items() if k not in ("BF16", "C64")}
_ARRAY_DTYPES = {str(d) for d in _SAVE_CODES} | {"complex64", "complex128"}
_INT = re.compile(r"-?[0-9]{1,4300}")
_SCALARS = ("none", "bool", "int", "float", "complex", "str", "bytes")
_KEYS = {"tensor": {"e", "dtype", "shape", "complex", "rg", "dev"}, "ndarray": {"e", "dtype", "shape", "complex",
         "scalar"}, "none": set(), "bool": {"v"}, "int": {"v"}, "float": {"v"}, "complex": {"v"}, "str": {"v"},
         "bytes": {"v"}, "device": {"v"}, "size": {"v"}, "dtype": {"v"}, "list": {"items"}, "tuple": {"items"}, "dict": {"keys", "values"},
         "odict": {"keys", "values"}}



class _Bad(Exception):
    """A fault in the file (turned into ValueError with the file's name)."""


def _is_int(x: Any) -> bool:
    return type(x) is int



# --- saving: the tree's nodes -----------------------------------------------------------------------------------
def _show(path: tuple) -> str:
    return "obj" + "".join(f"[{p!r}]" for p in path)


def _unsupported(obj: Any, path: tuple) -> TypeError:
    kind = type(obj).__name__
    at = f" (at {_show(path)})" if path else ""
    if hasattr(obj, "state_dict"):
        return TypeError(f"funcgrad.save cannot store the {kind} object{at}: funcgrad never pickles objects. Save its "
                         f"state_dict() instead (funcgrad.save(obj.state_dict(), f)); to restore, build the object "
                         f"in code and call load_state_dict(funcgrad.load(f))")
    return TypeError(f"funcgrad.save cannot store the {kind} object{at}: it stores Tensors, NumPy arrays, None, bool, "
                     f"int, float, complex, str, bytes, devices, sizes (x.shape), dtypes, and dicts, lists and tuples of them (no pickling). "
                     f"For a model or an optimizer, save its state_dict() instead")


class _Writer:
    """Turns a tree into (JSON-ready nodes, named little-endian arrays)."""

    def __init__(self) -> None:
        self.arrays: dict = {}
        self.complex = False
        self._open: set = set()

    def _name(self, path: tuple) -> str:
        base = ".".join(str(p) for p in path) or "tensor"
        name, i = base, 0
        while name in self.arrays or name == "__metadata__":
            i += 1
            name = f"{base}#{i}"
        return name

    def _array(self, arr: np.ndarray, path: tuple) -> dict:
        dt = arr.dtype
        if dt.kind == "c" and dt.itemsize in (8, 16):
            real = np.dtype(np.float32 if dt.itemsize == 8 else np.float64)
            stored = np.asarray(arr, order="C").astype(dt.newbyteorder("="), copy=False)
            stored = stored.reshape(-1).view(real).reshape(arr.shape + (2,))
            self.complex = True
        elif dt.newbyteorder("=") in _SAVE_CODES:
            stored = arr
        else:
            raise TypeError(f"funcgrad.save cannot store an array of dtype {dt} (at {_show(path)}): safetensors "
                            f"holds booleans, integers, float16/32/64 and (as float pairs) complex64/128")
        stored = np.asarray(stored, order="C").astype(stored.dtype.newbyteorder("<"), copy=False)
        name = self._name(path)
        self.arrays[name] = stored
        node = {"e": name, "dtype": str(dt.newbyteorder("=")), "shape": list(arr.shape)}
        if dt.kind == "c":
            node["complex"] = True
        return node

    def node(self, obj: Any, path: tuple = (), key: bool = False) -> dict:
        if len(path) > _MAX_DEPTH:
            raise ValueError(f"funcgrad.save: the object is nested deeper than {_MAX_DEPTH} levels")
        t = type(obj)
        if obj is None:
            return {"k": "none"}
        if t is bool:
            return {"k": "bool", "v": obj}
        if t is int:
            return {"k": "int", "v": str(obj)}
        if t is float:
            return {"k": "float", "v": repr(obj)}
        if t is complex:
            return {"k": "complex", "v": [repr(obj.real), repr(obj.imag)]}
        if t is str:
            return {"k": "str", "v": obj}
        if t is bytes:
            return {"k": "bytes", "v": base64.b64encode(obj).decode("ascii")}
        if t is tuple:
            return {"k": "tuple", "items": [self.node(x, path + (i,), key) for i, x in enumerate(obj)]}
        if key:
            raise TypeError(f"funcgrad.save cannot store a dict key of type {t.__name__} (at {_show(path)}): keys "
                            f"may be None, bool, int, float, complex, str, bytes or tuples of them")
        if isinstance(obj, Tensor):
            value = np.asarray(to_host(getval(obj._v)))
            node = {"k": "tensor", **self._array(value, path), "rg": obj.requires_grad, "dev": str(obj.device)}
            return node
        if t is np.ndarray or isinstance(obj, np.generic):
            node = {"k": "ndarray", **self._array(np.asarray(obj), path)}
            if isinstance(obj, np.generic):
                node["scalar"] = True
            return node
        if t is _device:
            return {"k": "device", "v": str(obj)}
        if t is Size:  # x.shape, as torch.save stores it
            return {"k": "size", "v": [int(n) for n in obj]}
        if t is _TorchDtype:  # funcgrad.float32 ...: by its NumPy name
            return {"k": "dtype", "v": np.dtype(obj).name}
        if t in (list, dict, OrderedDict):
            if id(obj) in self._open:
                raise ValueError(f"funcgrad.save: the object contains itself (a reference cycle at {_show(path)})")
            self._open.add(id(obj))
            try:
                if t is list:
                    return {"k": "list", "items": [self.node(x, path + (i,)) for i, x in enumerate(obj)]}
                keys = [self.node(k, path + (k,), key=True) for k in obj]
                values = [self.node(v, path + (k,)) for k, v in obj.items()]
                return {"k": "dict" if t is dict else "odict", "keys": keys, "values": values}
            finally:
                self._open.discard(id(obj))
        raise _unsupported(obj, path)


# --- loading: checking ------------------------------------------------------------------------------------------
def _stored(dtype: str, shape: list, cplx: bool) -> tuple:
    """The (safetensors dtype, shape) that an array of ``dtype`` and ``shape`` is stored as."""
    dt = np.dtype(dtype)
    if cplx:
        return _SAVE_CODES[np.dtype(np.float32 if dt.itemsize == 8 else np.float64)], tuple(shape) + (2,)
    return _SAVE_CODES[dt], tuple(shape)


class _Checker:
    """Checks a decoded tree against the file's entries, before anything is built."""

    def __init__(self, entries: dict):
        self.entries, self.used = entries, set()

    def fail(self, where: str, what: str) -> None:
        raise _Bad(f"the tree {('at ' + where) if where else 'root'}: {what}")

    def key_value(self, node: Any, where: str) -> Any:
        """A dict key's Python value (keys are scalars or tuples of them: no arrays)."""
        kind = node["k"]
        if kind == "tuple":
            return tuple(self.key_value(x, where) for x in node["items"])
        if kind not in _SCALARS:
            self.fail(where, f"a dict key of kind {kind!r} (keys are scalars or tuples of them)")
        return _scalar(node)

    def check(self, node: Any, where: str = "", depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            self.fail(where, f"nested deeper than {_MAX_DEPTH} levels")
        if type(node) is not dict or type(node.get("k")) is not str:
            self.fail(where, f"a node must be a JSON object with a string 'k', got {str(node)[:60]!r}")
        kind = node["k"]
        if kind not in _KEYS:
            self.fail(where, f"unknown node type {kind[:60]!r}")
        required = _KEYS[kind] - {"complex", "scalar", "rg", "dev"}
        if not required <= set(node) - {"k"} <= _KEYS[kind]:
            self.fail(where, f"a {kind!r} node must have the fields {sorted(required)} (optional: "
                      f"{sorted(_KEYS[kind] - required)}), got {sorted(set(node) - {'k'})}")
        if kind in ("tensor", "ndarray"):
            self.array(node, where)
        elif kind in _SCALARS:
            try:
                _scalar(node)
            except (TypeError, ValueError) as e:
                self.fail(where, f"a bad {kind!r} value ({e})")
        elif kind == "device":
            try:
                parse_device(_text(node["v"]))
            except (TypeError, ValueError) as e:
                self.fail(where, f"a bad device ({e})")
        elif kind == "size":
            v = node["v"]
            if type(v) is not list or not all(type(n) is int and 0 <= n < 2 ** 63 for n in v) or len(v) > 64:
                self.fail(where, "a size must be a list of at most 64 non-negative integers")
        elif kind == "dtype":
            if node["v"] not in _ARRAY_DTYPES:
                self.fail(where, f"an unknown dtype {str(node['v'])[:40]!r}")
        elif kind in ("list", "tuple"):
            if type(node["items"]) is not list:
                self.fail(where, "items must be a list")
            for i, x in enumerate(node["items"]):
                self.check(x, f"{where}[{i}]", depth + 1)
        else:
            keys, values = node["keys"], node["values"]
            if type(keys) is not list or type(values) is not list or len(keys) != len(values):
                self.fail(where, "a dict needs lists of keys and values of the same length")
            seen = set()
            for k in keys:
                self.check(k, f"{where}[key]", depth + 1)
                value = self.key_value(k, where)
                if value in seen:
                    self.fail(where, f"the dict key {value!r} is repeated")
                seen.add(value)
            for k, v in zip(keys, values):
                self.check(v, f"{where}[{_scalar_or_tuple(k)!r}]", depth + 1)

    def array(self, node: dict, where: str) -> None:
        name, dtype, shape = node["e"], node["dtype"], node["shape"]
        cplx, flags = node.get("complex", False), [node.get(f, False) for f in ("complex", "scalar", "rg")]
        if not all(type(x) is bool for x in flags):
            self.fail(where, "the flags complex, scalar and rg must be booleans")
        if type(name) is not str or name not in self.entries:
            self.fail(where, f"it refers to a tensor {str(name)[:60]!r} that the file does not hold")
        if name in self.used:
            self.fail(where, f"the tensor {name!r} is referred to twice")
        self.used.add(name)
        if type(dtype) is not str or dtype not in _ARRAY_DTYPES or (np.dtype(dtype).kind == "c") != cplx:
            self.fail(where, f"a bad dtype {str(dtype)[:40]!r}")
        if type(shape) is not list or not all(_is_int(s) and s >= 0 for s in shape):
            self.fail(where, f"a bad shape {str(shape)[:60]!r}")
        if node.get("scalar") and shape:
            self.fail(where, "a NumPy scalar must have shape []")
        code, stored_shape = self.entries[name][:2]
        if (code, stored_shape) != _stored(dtype, shape, cplx):
            self.fail(where, f"the tensor {name!r} is {code} of shape {stored_shape}, not the {dtype} of shape "
                      f"{tuple(shape)} the tree says")
        if node["k"] == "tensor":
            if node.get("rg") and np.dtype(dtype).kind not in "fc":
                self.fail(where, f"only floating point tensors can require grad, not {dtype}")
            try:
                parse_device(_text(node.get("dev", "cpu")))
            except (TypeError, ValueError) as e:
                self.fail(where, f"a bad device ({e})")


def _text(v: Any) -> str:
    if type(v) is not str:
        raise TypeError(f"expected a string, got {type(v).__name__}")
    return v


def _scalar(node: dict) -> Any:
    """The Python value of a scalar node (a checked one, or raises TypeError/ValueError)."""
    kind = node["k"]
    if kind == "none":
        return None
    v = node["v"]
    if kind == "bool":
        if type(v) is not bool:
            raise TypeError("expected true or false")
        return v
    if kind == "int":
        if not _INT.fullmatch(_text(v)):
            raise ValueError(f"{v[:40]!r} is not an integer")
        return int(v)
    if kind == "float":
        return float(_text(v))
    if kind == "complex":
        if type(v) is not list or len(v) != 2:
            raise TypeError("expected [real, imag]")
        return complex(float(_text(v[0])), float(_text(v[1])))
    if kind == "str":
        return _text(v)
    return base64.b64decode(_text(v), validate=True)


def _scalar_or_tuple(node: dict) -> Any:
    return tuple(_scalar_or_tuple(x) for x in node["items"]) if node["k"] == "tuple" else _scalar(node)


# --- loading: building ----------------------------------------------------------------------------------------------
def _placer(map_location: Any, fname: str) -> Callable:
    """``place(tensor, saved_device, where) -> tensor`` following ``map_location``."""
    def move(t: Tensor, target: Any, where: str) -> Tensor:
        if str(target) == "cpu":
            return t
        try:
            return t.to(str(target))
        except Exception as e:
            raise RuntimeError(f"funcgrad.load: {fname}: cannot put the tensor at {where or 'the root'} on "
                               f"{target} ({e}); pass map_location='cpu' to load it into host memory") from None

    if map_location is None:
        return lambda t, saved, where: move(t, saved, where)
    if isinstance(map_location, (str, _device)):
        target = str(_device(map_location))
        return lambda t, saved, where: move(t, target, where)
    if isinstance(map_location, dict):
        table = {str(k): str(v) for k, v in map_location.items()}
        return lambda t, saved, where: move(t, table.get(saved, saved), where)
    if callable(map_location):
        def place(t: Tensor, saved: str, where: str) -> Tensor:
            out = map_location(t, saved)
            if out is None:
                return move(t, saved, where)
            if not isinstance(out, Tensor):
                raise TypeError(f"funcgrad.load: map_location returned {type(out).__name__}, not a Tensor")
            return out
        return place
    raise TypeError(f"funcgrad.load: map_location must be None, a device ('cpu', 'cuda:0', funcgrad.device), a dict "
                    f"from saved to new devices, or a callable (tensor, saved_location) -> tensor; got "
                    f"{type(map_location).__name__}")


def _build(node: dict, arrays: dict, place: Callable, where: str = "") -> Any:
    kind = node["k"]
    if kind in ("tensor", "ndarray"):
        a = arrays[node["e"]]
        if node.get("complex"):
            a = np.asarray(a, order="C").view(np.dtype(node["dtype"])).reshape(tuple(node["shape"]))
        if kind == "ndarray":
            return a[()] if node.get("scalar") else a
        t = place(Tensor._from_value(a), node.get("dev", "cpu"), where)
        if node.get("rg") and not t.requires_grad:
            t.requires_grad_(True)
        return t
    if kind in _SCALARS:
        return _scalar(node)
    if kind == "device":
        return _device(node["v"])
    if kind == "size":
        return Size(node["v"])
    if kind == "dtype":
        return as_dtype(node["v"])
    if kind in ("list", "tuple"):
        items = [_build(x, arrays, place, f"{where}[{i}]") for i, x in enumerate(node["items"])]
        return items if kind == "list" else tuple(items)
    out = {} if kind == "dict" else OrderedDict()
    for k, v in zip(node["keys"], node["values"]):
        key = _scalar_or_tuple(k)
        out[key] = _build(v, arrays, place, f"{where}[{key!r}]")
    return out
