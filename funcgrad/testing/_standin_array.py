"""The stand-in's device array, for :mod:`funcgrad.testing.standin`: :class:`StandinArray` (NumPy data that refuses
what ``cupy.ndarray`` refuses), its :class:`Device` (the current device is per thread), the counter of reads back
on the host (:func:`host_syncs`), and the plumbing that runs NumPy on stand-in data and puts the results on the
right device. The namespace (``xp``), the random states and the backend are in standin.py, which re-exports the
names here.

>>> from funcgrad.testing.standin import xp
>>> x = xp.asarray([1.0, 2.0]); type(x).__name__, x.device.id
('StandinArray', 0)
"""
from __future__ import annotations

import operator
import threading
from typing import Any, Callable

import numpy as np

#: How many devices the stand-in pretends to have.
DEVICE_COUNT = 2

_syncs = [0]
_local = threading.local()  # the current device is per thread, as CUDA's is


def host_syncs() -> int:
    """How many times a stand-in array's values were read back on the host (``float(x)``, ``x.item()``,
    ``x.get()``, ``repr(x)`` ...) since the last :func:`reset_host_syncs`.

    >>> from funcgrad.testing.standin import xp
    >>> reset_host_syncs(); _ = float(xp.ones(())); host_syncs()
    1
    """
    return _syncs[0]


def reset_host_syncs() -> None:
    """Zero the :func:`host_syncs` counter.

    >>> reset_host_syncs(); host_syncs()
    0
    """
    _syncs[0] = 0


def _current() -> int:
    return getattr(_local, "device", 0)


class Device:
    """A device of the stand-in, as ``cupy.cuda.Device``: ``with Device(1):`` makes device 1 current, so that new
    arrays are made there.

    >>> from funcgrad.testing.standin import xp
    >>> with Device(1):
    ...     xp.zeros(2).device.id
    1
    """

    def __init__(self, device: int | None = None) -> None:
        self.id = _current() if device is None else operator.index(device)

    def _check(self) -> None:
        if not 0 <= self.id < DEVICE_COUNT:
            raise RuntimeError(f"cudaErrorInvalidDevice: invalid device ordinal (device {self.id}; the stand-in has "
                               f"{DEVICE_COUNT})")

    def use(self) -> None:
        """Make this device current (for good, not for a ``with`` block)."""
        self._check()
        _local.device = self.id

    def __enter__(self) -> "Device":
        self._check()
        _local.__dict__.setdefault("stack", []).append(_current())
        _local.device = self.id
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.device = _local.stack.pop()

    def synchronize(self) -> None:
        """Wait for the device's work (nothing is asynchronous here, so nothing to wait for)."""
        self._check()

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"<CUDA Device {self.id}>"


def _mismatch(first: int, other: int) -> ValueError:
    return ValueError(f"Array device must be same as the current device: array device = {other} while current = "
                      f"{first}")


_PRIORITY = 100  # cupy.ndarray's __array_priority__: objects ranked higher get the reflected operator
_PLAIN = frozenset({int, float, complex, bool, str, slice, type(None), type(Ellipsis)})


def _unwrap(x: Any, devs: list, host_ok: bool) -> Any:
    """``x`` with stand-in arrays replaced by their NumPy data (through lists and tuples), their devices appended
    to ``devs``. Host arrays are refused unless ``host_ok`` (explicit converters and index arrays)."""
    t = type(x)
    if t is StandinArray:
        devs.append(x._dev)
        return x._a
    if t is list or t is tuple:
        return t([_unwrap(e, devs, host_ok) for e in x])
    if t in _PLAIN:
        return x
    if not host_ok and (isinstance(x, np.ndarray) or
                        hasattr(t, "__array__") and not isinstance(x, np.generic)):
        raise TypeError(f"Unsupported type {t}")  # CuPy's words: it copies nothing from the host implicitly
    return x


def _device(devs: list) -> int:
    """The device of an operation's array arguments (all must agree); the current device where there are none."""
    if not devs:
        return _current()
    first = devs[0]
    for d in devs:
        if d != first:
            raise _mismatch(first, d)
    return first


def _wrap(r: Any, dev: int) -> Any:
    if isinstance(r, np.ndarray):
        return StandinArray._new(r, dev)
    if isinstance(r, np.generic):  # CuPy has no scalars: single elements stay on the device as 0-d arrays
        return StandinArray._new(np.asarray(r), dev)
    if isinstance(r, tuple):  # namedtuples (slogdet, eigh ...) become plain tuples, as CuPy returns them
        return tuple(_wrap(e, dev) for e in r)
    if type(r) is list:
        return [_wrap(e, dev) for e in r]
    return r


def _apply(fn: Callable, args: tuple, kwargs: dict, host_ok: bool = False) -> Any:
    """``fn`` (a NumPy function) called on the data of stand-in arrays, its results put on their device."""
    devs: list = []
    a = [_unwrap(x, devs, host_ok) for x in args]
    kw = {k: _unwrap(v, devs, host_ok) for k, v in kwargs.items()} if kwargs else {}
    dev = _device(devs)
    r = fn(*a, **kw)
    out = kwargs.get("out") if kwargs else None
    if type(out) is StandinArray and r is out._a:
        return out
    return _wrap(r, dev)


def _sync() -> None:
    _syncs[0] += 1


def _is_scalar(x: Any) -> bool:
    return isinstance(x, (int, float, complex, np.generic))


def _operand(self: "StandinArray", other: Any) -> Any:
    """``other`` as an operator's NumPy-level operand, or NotImplemented for an object that outranks CuPy's
    ``__array_priority__`` (funcgrad's traced values and Tensors take over, as they do from ``cupy.ndarray``)."""
    if type(other) is StandinArray:
        if other._dev != self._dev:
            raise _mismatch(self._dev, other._dev)
        return other._a
    if _is_scalar(other):
        return other
    if not isinstance(other, np.ndarray) and getattr(other, "__array_priority__", 0) > _PRIORITY:
        return NotImplemented
    raise TypeError(f"Unsupported type {type(other)}")


def _binary(fn: Callable, reflected: bool = False) -> Callable:
    def op(self: "StandinArray", other: Any) -> Any:
        o = _operand(self, other)
        if o is NotImplemented:
            return o
        return _wrap(fn(o, self._a) if reflected else fn(self._a, o), self._dev)
    return op


def _unary(fn: Callable) -> Callable:
    return lambda self: _wrap(fn(self._a), self._dev)


def _inplace(fn: Callable) -> Callable:
    def op(self: "StandinArray", other: Any) -> Any:
        o = _operand(self, other)
        if o is NotImplemented:
            return o
        fn(self._a, o)
        return self
    return op


def _equality(fn: Callable, default: bool) -> Callable:
    compare = _binary(fn)

    def op(self: "StandinArray", other: Any) -> Any:
        if other is None or type(other).__eq__ is object.__eq__:
            # CuPy: == and != with an object that can equal no element (None ...) answer elementwise
            return StandinArray._new(np.full(self._a.shape, default), self._dev)
        return compare(self, other)
    return op


class _Flags:
    """CuPy's ``ndarray.flags``: contiguity and ownership, read-only."""

    def __init__(self, f: Any) -> None:
        self.c_contiguous, self.f_contiguous, self.owndata = f.c_contiguous, f.f_contiguous, f.owndata

    def __getitem__(self, name: str) -> bool:
        return getattr(self, name.lower())


class StandinArray:
    """An array on a stand-in device, as ``cupy.ndarray``; ``StandinArray(shape, dtype)`` allocates one on the
    current device. Make them with :data:`xp` (``xp.asarray(host_data)``) and read them back with :meth:`get`."""

    __slots__ = ("_a", "_dev")
    __array_priority__ = _PRIORITY
    __array_ufunc__ = None  # NumPy ufuncs refuse stand-in operands; ndarray <op> x defers to x's reflected operator

    def __init__(self, shape: Any, dtype: Any = float, order: str = "C") -> None:
        self._a, self._dev = np.empty(shape, dtype=dtype, order=order), _current()

    @classmethod
    def _new(cls, a: np.ndarray, dev: int) -> "StandinArray":
        if a.dtype.kind in "OSUVMm":
            raise ValueError(f"Unsupported dtype {a.dtype}")
        self = object.__new__(cls)
        self._a, self._dev = a, dev
        return self

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a "
                        "NumPy array explicitly.")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise TypeError(f"numpy.{func.__name__} was called on a stand-in device array: NumPy cannot compute on "
                        f"device values; call the array's namespace (funcgrad.backend.namespace(x)) instead")

    # --- attributes --------------------------------------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: _Flags(self._a.flags))
    device = property(lambda self: Device(self._dev))
    # the array whose memory a view shares (None for an array that owns its memory), as CuPy's ``base``
    base = property(lambda self: StandinArray._new(self._a.base, self._dev) if isinstance(self._a.base, np.ndarray)
                    else None)
    T = property(lambda self: StandinArray._new(self._a.T, self._dev))
    real = property(lambda self: _wrap(self._a.real, self._dev))
    imag = property(lambda self: _wrap(self._a.imag, self._dev))
    if hasattr(np.ndarray, "mT"):
        mT = property(lambda self: StandinArray._new(self._a.mT, self._dev))

    # --- the explicit ways back to the host: each is a synchronization, counted (more below) --------------------
    def get(self, stream: Any = None, order: str = "C", out: np.ndarray | None = None) -> np.ndarray:
        """A NumPy copy of the array: the explicit device-to-host transfer."""
        _sync()
        if out is not None:
            out[...] = self._a
            return out
        return np.array(self._a, order=order, copy=True)

    def __repr__(self) -> str:
        _sync()
        return f"standin_{np.array_repr(self._a)[:-1]}, device={self._dev})"

    def __reduce__(self) -> tuple:
        return _rebuild, (self.get(), self._dev)

    # --- containers and indexing -------------------------------------------------------------------------------
    def __len__(self) -> int:
        if self._a.ndim == 0:
            raise TypeError("len() of unsized object")
        return len(self._a)

    def __iter__(self) -> Any:
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    def __getitem__(self, key: Any) -> "StandinArray":
        devs = [self._dev]
        k = _unwrap(key, devs, True)  # index arrays may come from the host, as CuPy allows
        _device(devs)
        r = self._a[k]
        if isinstance(r, np.generic):  # a single element: a 0-d view, as CuPy gives, not a NumPy scalar
            r = self._a[(k if type(k) is tuple else (k,)) + (Ellipsis,)]
        return StandinArray._new(r, self._dev)

    def __setitem__(self, key: Any, value: Any) -> None:
        devs = [self._dev]
        k = _unwrap(key, devs, True)
        if type(value) is StandinArray:
            devs.append(value._dev)
            value = value._a
        elif not _is_scalar(value):
            raise TypeError(f"Unsupported type {type(value)}")
        _device(devs)
        self._a[k] = value

    def copy(self, order: str = "C") -> "StandinArray":
        """A copy on the current device (CuPy's: the way to copy an array from another device)."""
        return StandinArray._new(self._a.copy(order), _current())

    def __copy__(self) -> "StandinArray":
        return self.copy()

    def __deepcopy__(self, memo: dict) -> "StandinArray":
        with Device(self._dev):  # CuPy's deepcopy stays on the array's device
            return self.copy()

    # --- operators (the binary ones are added below) ------------------------------------------------------------
    def __pow__(self, other: Any, mod: Any = None) -> Any:
        return _pow(self, other)

    __eq__ = _equality(operator.eq, False)
    __ne__ = _equality(operator.ne, True)
    __lt__, __le__, __gt__, __ge__ = (_binary(getattr(operator, n)) for n in ("lt", "le", "gt", "ge"))
    __hash__ = None  # type: ignore[assignment]


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "matmul", "and", "or", "xor", "lshift", "rshift"):
    _fn = getattr(operator, _name if _name not in ("and", "or") else _name + "_")
    setattr(StandinArray, f"__{_name}__", _binary(_fn))
    setattr(StandinArray, f"__r{_name}__", _binary(_fn, reflected=True))
    setattr(StandinArray, f"__i{_name}__", _inplace(getattr(operator, f"i{_name}")))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(StandinArray, f"__{_name}__", _unary(getattr(operator, _name)))
_pow = _binary(operator.pow)
StandinArray.__rpow__ = _binary(operator.pow, reflected=True)
StandinArray.__ipow__ = _inplace(operator.ipow)
StandinArray.__divmod__ = _binary(divmod)
StandinArray.__rdivmod__ = _binary(divmod, reflected=True)


def _host_read(fn: Callable) -> Callable:
    def read(self: StandinArray, *args: Any) -> Any:
        _sync()
        return fn(self._a, *args)
    return read


# CuPy copies to the host (and waits for the device) to answer these
for _name, _fn in (("item", np.ndarray.item), ("tolist", np.ndarray.tolist), ("__float__", float), ("__int__", int),
                   ("__complex__", complex), ("__bool__", bool), ("__str__", str), ("__format__", format)):
    setattr(StandinArray, _name, _host_read(_fn))


def _method(name: str) -> Callable:
    fn = getattr(np.ndarray, name)

    def method(self: StandinArray, *args: Any, **kwargs: Any) -> Any:
        return _apply(fn, (self,) + args, kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``cupy.ndarray.{name}``: NumPy's, computed on the device."
    return method


# the methods of cupy.ndarray that NumPy arrays share
for _name in ("all", "any", "argmax", "argmin", "argpartition", "argsort", "astype", "choose", "clip", "compress",
              "conj", "conjugate", "cumprod", "cumsum", "diagonal", "dot", "fill", "flatten", "max", "mean",
              "min", "nonzero", "partition", "prod", "put", "ravel", "repeat", "reshape", "round", "searchsorted",
              "sort", "squeeze", "std", "sum", "swapaxes", "take", "trace", "transpose", "var", "view"):
    setattr(StandinArray, _name, _method(_name))
# opt_einsum picks its backend from the top-level name of an array's class module (``cupy`` for CuPy arrays), then
# imports it and calls its tensordot/transpose/einsum: the stand-in's class names a module that resolves to ``xp``.
StandinArray.__module__ = "funcgrad_standin"


def _rebuild(host: np.ndarray, dev: int) -> StandinArray:
    # unpickling: the host copy back on the device it was saved from (as xp.asarray(host) under Device(dev))
    with Device(dev):
        return StandinArray._new(np.array(host, copy=True), dev)
