"""``funcgrad.save`` and ``funcgrad.load`` (``torch.save`` / ``torch.load``) without pickle, in the safetensors format.

What can be saved: Tensors, NumPy arrays and scalars, Python ``None``, ``bool``, ``int``, ``float``, ``complex``,
``str``, ``bytes``, :class:`funcgrad.device`, and dicts (``dict``, ``OrderedDict``; keys of any of the scalar kinds,
``int`` keys included, or tuples of them), lists and tuples of those: state dicts, optimizer state dicts, pytrees.
Anything else (a Module, an optimizer, an arbitrary object) raises TypeError: save its ``state_dict()`` instead.

The file is a plain safetensors file. Every array is one of its tensors, named by its path in the tree
(``"state.0.exp_avg"``; a flat dict of tensors keeps its keys, so ``safetensors.numpy.load_file`` reads it back
under the same names). The tree itself (containers, key types, scalars, strings, which leaves are Tensors and which
NumPy arrays, ``requires_grad``, devices) is JSON in the file's ``__metadata__``. Complex arrays, which safetensors
has no portable type for, are stored as their float pairs (a last dimension of 2) and the tree notes it. A
safetensors file written by anything else (``safetensors.numpy.save_file``, ``safetensors.torch.save_file``) loads
as a dict of Tensors; its BF16 tensors become float32.

:func:`load` runs no code from the file: there is no pickle, no ``eval``, only JSON and raw little-endian numbers.
It checks everything (the header, every offset and size, every node of the tree, every dtype and shape) before it
builds anything, and a bad file raises ValueError naming the file and the fault; nothing is returned partially.
PyTorch's allow-list of classes for ``weights_only`` unpickling (:func:`add_safe_globals`, :class:`safe_globals`,
:func:`get_safe_globals`, :func:`clear_safe_globals`) is accepted so scripts run, but only records the list:
funcgrad never unpickles, so no class is ever rebuilt from a file.
The ``safetensors`` package writes and reads the files where it is installed (the ``test`` extra installs it);
without it, funcgrad's own writer and reader of the same format serve. This module holds the public functions and
the safetensors container (the header, the data, their checks); ``_tree.py`` holds the tree's writer, checker and
builder.

>>> import io, funcgrad as fg
>>> buf = io.BytesIO()
>>> fg.save({"w": fg.ones(2), "step": 3}, buf)
>>> _ = buf.seek(0)
>>> fg.load(buf)
{'w': tensor([1., 1.]), 'step': 3}
"""
from __future__ import annotations

import io
import json
import math
import os
import pathlib
from typing import Any

import numpy as np

from ._tree import _CODES, _SAVE_CODES, _Bad, _build, _Checker, _is_int, _placer, _Writer

try:  # optional: the format's reference implementation
    import safetensors.numpy as _stnp
except ImportError:  # pragma: no cover - exercised through monkeypatching in the tests
    _stnp = None

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]

_TREE, _VERSION, _NOTE = "funcgrad.tree", "funcgrad.format", "funcgrad.note"
_FORMAT = "1"
_MAX_HEADER = 100_000_000  # bytes of JSON header, as the safetensors library allows
_NO_NUMPY = ("F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C128", "F8_E4M3FNUZ", "F8_E5M2FNUZ")
_PACKAGE_CODES = {"BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F16", "F32", "F64"}


# --- saving: the safetensors container -------------------------------------------------------------------------
def _write(arrays: dict, meta: dict) -> bytes:
    """The safetensors bytes of ``arrays`` (little-endian, contiguous) with string metadata ``meta``."""
    if _stnp is not None:
        return _stnp.save(arrays, metadata=meta)
    header: dict = {"__metadata__": meta}
    offset, chunks = 0, []
    for name in sorted(arrays, key=lambda n: (-arrays[n].dtype.itemsize, n)):  # largest alignment first
        a = arrays[name]
        data = a.tobytes()
        header[name] = {"dtype": _SAVE_CODES[a.dtype.newbyteorder("=")], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + b"".join(chunks)


def save(obj: Any, f: Any, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Write ``obj`` (a Tensor, an array, a state dict, an optimizer state dict, a pytree of those and Python
    scalars) to ``f``, a path (``str`` or ``pathlib.Path``) or a binary file object, in the safetensors format
    (``torch.save``, without pickle). Values are stored detached; ``requires_grad`` and the device are recorded.
    Unsupported objects (a Module, an optimizer, an arbitrary class) raise TypeError before anything is written.
    PyTorch's pickle and zip-file arguments are accepted and change nothing.

    >>> import io, funcgrad as fg
    >>> from collections import OrderedDict
    >>> buf = io.BytesIO()
    >>> fg.save(OrderedDict(weight=fg.zeros(2, 2), bias=fg.ones(2)), buf)
    >>> sorted(fg.load(io.BytesIO(buf.getvalue())))
    ['bias', 'weight']
    """
    writer = _Writer()
    tree = writer.node(obj)
    meta = {_VERSION: _FORMAT, _TREE: json.dumps(tree, separators=(",", ":"))}
    if writer.complex:
        meta[_NOTE] = ("complex arrays are stored as their real and imaginary parts, a last dimension of size 2; "
                       "funcgrad.load restores them")
    data = _write(writer.arrays, meta)
    if isinstance(f, (str, os.PathLike)):
        pathlib.Path(f).write_bytes(data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"funcgrad.save: f must be a path (str or pathlib.Path) or a binary file object, got "
                        f"{type(f).__name__}")


# --- loading: reading and checking the container ---------------------------------------------------------------
def _read(f: Any) -> tuple:
    if isinstance(f, (str, os.PathLike)):
        return str(f), pathlib.Path(f).read_bytes()
    if hasattr(f, "read"):
        name = getattr(f, "name", None)
        name = name if isinstance(name, str) else f"<{type(f).__name__}>"
        data = "" if isinstance(f, io.TextIOBase) else f.read()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"funcgrad.load: {name} gave {type(data).__name__}, not bytes: open the file in binary "
                            f"mode ('rb')")
        return name, bytes(data)
    raise TypeError(f"funcgrad.load: f must be a path (str or pathlib.Path) or a binary file object, got "
                    f"{type(f).__name__}")


def _unique(pairs: list) -> dict:
    out = {}
    for k, v in pairs:
        if k in out:
            raise _Bad(f"the header JSON repeats the key {k!r}")
        out[k] = v
    return out


def _no_constant(word: str) -> Any:
    raise _Bad(f"the header JSON holds {word}, which is not JSON")


def _header(data: bytes) -> tuple:
    """``(entries, metadata, body)`` of a safetensors file, every entry checked against the body."""
    if len(data) < 8:
        raise _Bad(f"truncated or not a safetensors file: {len(data)} bytes, fewer than the 8 that give the "
                   f"header's length")
    n = int.from_bytes(data[:8], "little")
    hint = ""
    if data[:4] == b"PK\x03\x04" or data[:1] == b"\x80":
        hint = (" (it looks like a zip archive or a pickle, torch.save's format: funcgrad.load reads only "
                "safetensors files and never unpickles)")
    if n > _MAX_HEADER:
        raise _Bad(f"not a safetensors file: its first 8 bytes give a header of {n} bytes, beyond the "
                   f"{_MAX_HEADER} allowed{hint}")
    if n + 8 > len(data):
        raise _Bad(f"truncated: the header should be {n} bytes but only {len(data) - 8} follow the length{hint}")
    raw = data[8:8 + n]
    if not raw.startswith(b"{"):
        raise _Bad(f"not a safetensors file: the header is not a JSON object{hint}")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise _Bad(f"the header JSON does not parse ({type(e).__name__}: {e})") from None
    if type(header) is not dict:
        raise _Bad("the header is not a JSON object")
    meta = header.pop("__metadata__", None)
    if meta is None:
        meta = {}
    if type(meta) is not dict or not all(type(v) is str for v in meta.values()):
        raise _Bad("the header's __metadata__ is not a JSON object of strings")
    body = memoryview(data)[8 + n:]
    entries = {}
    for name, e in header.items():
        if type(e) is not dict or set(e) != {"dtype", "shape", "data_offsets"}:
            raise _Bad(f"tensor {name!r}: its header entry must have exactly dtype, shape and data_offsets")
        code, shape, offs = e["dtype"], e["shape"], e["data_offsets"]
        if type(code) is not str:
            raise _Bad(f"tensor {name!r}: its dtype {str(code)[:40]!r} is not a string")
        if code in _NO_NUMPY:
            raise _Bad(f"tensor {name!r} has dtype {code}, which NumPy (and so funcgrad) cannot hold")
        if code not in _CODES:
            raise _Bad(f"tensor {name!r} has an unknown dtype {code!r}")
        if type(shape) is not list or not all(_is_int(s) and s >= 0 for s in shape):
            raise _Bad(f"tensor {name!r}: its shape {shape!r} is not a list of non-negative integers")
        if type(offs) is not list or len(offs) != 2 or not all(_is_int(o) for o in offs) or not 0 <= offs[0] <= offs[1]:
            raise _Bad(f"tensor {name!r}: its data_offsets {offs!r} are not two ordered non-negative integers")
        size = math.prod(shape) * np.dtype(_CODES[code]).itemsize
        if offs[1] - offs[0] != size:
            raise _Bad(f"tensor {name!r}: {code} of shape {tuple(shape)} needs {size} bytes, its offsets span "
                       f"{offs[1] - offs[0]}")
        entries[name] = (code, tuple(shape), offs[0], offs[1])
    end = 0
    for name, (_, _, b, e) in sorted(entries.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if b != end:
            raise _Bad(f"tensor {name!r}: the data offsets overlap or leave a gap (it starts at {b}, the data "
                       f"before it ends at {end})")
        end = e
    if end > len(body):
        raise _Bad(f"truncated: the tensors need {end} bytes of data, only {len(body)} are there")
    if end < len(body):
        raise _Bad(f"{len(body) - end} bytes after the last tensor's data belong to no tensor")
    return entries, meta, body


def _arrays(entries: dict, data: bytes, body: memoryview) -> dict:
    """The arrays of the (checked) entries, as writable native-endian copies."""
    if _stnp is not None and all(code in _PACKAGE_CODES for code, *_ in entries.values()):
        try:
            got = _stnp.load(data)
        except Exception as e:  # the reference reader's own checks
            raise _Bad(f"the safetensors reader refused it: {e}") from None
        out = {}
        for name, (code, shape, *_) in entries.items():
            a = got.get(name)
            if a is None or tuple(a.shape) != shape or a.dtype != np.dtype(_CODES[code]).newbyteorder("="):
                raise _Bad(f"tensor {name!r}: the safetensors reader disagrees with the header")
            out[name] = a if a.flags.writeable else a.copy()
        return out
    out = {}
    for name, (code, shape, b, e) in entries.items():
        dt = np.dtype(_CODES[code])
        a = np.frombuffer(body[b:e], dtype=dt, count=math.prod(shape)).reshape(shape)
        if code == "BF16":  # the upper half of a float32
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[name] = a.astype(a.dtype.newbyteorder("="), copy=True)
    return out


# --- loading -------------------------------------------------------------------------------------------------------
def load(f: Any, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Read what :func:`save` wrote (or any safetensors file, as a dict of Tensors) from ``f``, a path or a binary
    file object (``torch.load``). Nothing in the file is executed: funcgrad never unpickles, whatever
    ``weights_only`` says (it, ``pickle_module``, ``mmap`` and pickle's own arguments such as ``encoding`` are
    accepted for PyTorch's signature and change nothing). A malformed, truncated or inconsistent file raises
    ValueError naming the file and the fault.

    ``map_location`` places the Tensors (NumPy arrays stay NumPy arrays): None puts each back on the device it
    was saved from, a device (``"cpu"``, ``"cuda:1"``, :class:`funcgrad.device`) puts them all there, a dict maps
    saved devices to new ones, and a callable ``fn(tensor, saved_location)`` gets each tensor in host memory and
    returns it placed (or None for the default).

    >>> import io, numpy as np, funcgrad as fg
    >>> buf = io.BytesIO()
    >>> fg.save({"state": {0: {"step": 1.0, "m": np.zeros(2)}}, "groups": [{"lr": 0.1, "params": [0]}]}, buf)
    >>> fg.load(io.BytesIO(buf.getvalue()), map_location="cpu")
    {'state': {0: {'step': 1.0, 'm': array([0., 0.])}}, 'groups': [{'lr': 0.1, 'params': [0]}]}
    """
    fname, data = _read(f)
    place = _placer(map_location, fname)
    try:
        entries, meta, body = _header(data)
        if _TREE not in meta:  # a safetensors file from elsewhere: its tensors by name, in host memory
            names = sorted(entries)
            tree = {"k": "dict", "keys": [{"k": "str", "v": n} for n in names],
                    "values": [{"k": "tensor", "e": n} for n in names]}
        else:
            if meta.get(_VERSION) != _FORMAT:
                raise _Bad(f"it was written in funcgrad format {meta.get(_VERSION)!r}; this funcgrad reads format "
                           f"{_FORMAT!r}")
            try:
                tree = json.loads(meta[_TREE], object_pairs_hook=_unique, parse_constant=_no_constant)
            except (ValueError, RecursionError) as e:
                raise _Bad(f"the tree in the metadata does not parse as JSON ({type(e).__name__}: {e})") from None
            checker = _Checker(entries)
            checker.check(tree)
            unused = sorted(set(entries) - checker.used)
            if unused:
                raise _Bad(f"the file holds tensors the tree does not refer to: {unused[:5]}")
        arrays = _arrays(entries, data, body)
    except _Bad as e:
        raise ValueError(f"funcgrad.load: {fname}: {e}") from None
    except RecursionError:
        raise ValueError(f"funcgrad.load: {fname}: the tree is nested too deeply") from None
    return _build(tree, arrays, place)



# --- PyTorch's allow-list for weights_only unpickling: recorded only (funcgrad never unpickles) ------------------
_SAFE_GLOBALS: list = []


def _checked_globals(entries: Any, what: str) -> list:
    if not isinstance(entries, (list, tuple)):
        raise TypeError(f"{what}: expected a list of classes or functions (or (class, 'module.name') pairs), got "
                        f"{type(entries).__name__}")
    for e in entries:
        pair = type(e) is tuple and len(e) == 2 and callable(e[0]) and type(e[1]) is str
        if not (callable(e) or pair):
            raise TypeError(f"{what}: {e!r} is neither a class or function nor a (class, 'module.name') pair")
    return list(entries)


def add_safe_globals(safe_globals: list) -> None:
    """Record classes or functions (or ``(class, "module.name")`` pairs) as allowed in ``weights_only`` loads
    (``torch.serialization.add_safe_globals``). funcgrad never unpickles, so the list is only kept, for
    :func:`get_safe_globals`: it lets PyTorch scripts run unchanged and allows nothing.

    >>> import collections
    >>> from funcgrad import serialization
    >>> serialization.add_safe_globals([collections.Counter]); serialization.get_safe_globals()
    [<class 'collections.Counter'>]
    >>> serialization.clear_safe_globals()
    """
    for e in _checked_globals(safe_globals, "add_safe_globals"):
        if e not in _SAFE_GLOBALS:
            _SAFE_GLOBALS.append(e)


def get_safe_globals() -> list:
    """The entries recorded by :func:`add_safe_globals` and open :class:`safe_globals` blocks, in order.

    >>> from funcgrad import serialization
    >>> serialization.get_safe_globals()
    []
    """
    return list(_SAFE_GLOBALS)


def clear_safe_globals() -> None:
    """Forget every recorded entry (``torch.serialization.clear_safe_globals``).

    >>> from funcgrad import serialization
    >>> serialization.add_safe_globals([dict]); serialization.clear_safe_globals(); serialization.get_safe_globals()
    []
    """
    _SAFE_GLOBALS.clear()


class safe_globals:  # noqa: N801 - PyTorch's name
    """A context manager that records ``safe_globals`` for the duration of a ``with`` block
    (``torch.serialization.safe_globals``); like :func:`add_safe_globals`, it only records them.

    >>> from funcgrad import serialization
    >>> with serialization.safe_globals([set]):
    ...     serialization.get_safe_globals()
    [<class 'set'>]
    >>> serialization.get_safe_globals()
    []
    """

    def __init__(self, safe_globals: list) -> None:
        self.safe_globals = _checked_globals(safe_globals, "safe_globals")

    def __enter__(self) -> None:
        self._added = [e for e in self.safe_globals if e not in _SAFE_GLOBALS]
        add_safe_globals(self._added)

    def __exit__(self, *exc: Any) -> None:  # entries recorded before the block stay
        _SAFE_GLOBALS[:] = [e for e in _SAFE_GLOBALS if e not in self._added]
