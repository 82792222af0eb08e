"""A CuPy stand-in for machines without a GPU: device arrays that behave like ``cupy.ndarray`` where funcgrad could
get it wrong, so that CI proves the device code path.

A :class:`StandinArray` keeps its data in a private NumPy array, but refuses what CuPy refuses: implicit conversion
to NumPy (``np.asarray(x)``, ``np.tanh(x)``, ``ndarray + x``), NumPy array operands (``x + ndarray``), and
operands that live on another of its :data:`DEVICE_COUNT` devices. Reductions and single-element indexing give
0-d arrays, never NumPy scalars. Reading values back on the host (``float(x)``, ``x.item()``, ``x.get()`` ...)
works but is counted by :func:`host_syncs`, so a test can assert that a computation never waits for the device.
:data:`xp` is the namespace (``cupy``'s stand-in); :func:`install` makes ``"cuda"`` mean the stand-in.

>>> import funcgrad.numpy as fnp
>>> from funcgrad.testing import standin
>>> x = standin.xp.asarray([1.0, 2.0])
>>> standin.reset_host_syncs()
>>> y = fnp.sum(fnp.tanh(x) * 2.0)
>>> type(y).__name__, y.shape, standin.host_syncs()
('StandinArray', (), 0)
>>> np.asarray(x)  # doctest: +ELLIPSIS
Traceback (most recent call last):
TypeError: Implicit conversion to a NumPy array is not allowed. Please use `.get()` ...
>>> x + np.ones(2)
Traceback (most recent call last):
TypeError: Unsupported type <class 'numpy.ndarray'>
"""
from __future__ import annotations

import operator
import sys
import threading
import types
from typing import Any, Callable

import numpy as np

from .. import backend as _backend

__all__ = ["DEVICE_COUNT", "StandinArray", "Device", "RandomState", "StandinBackend", "xp", "host_syncs",
           "reset_host_syncs", "install", "uninstall"]

#: How many devices the stand-in pretends to have.
DEVICE_COUNT = 2

_syncs = [0]
_local = threading.local()  # the current device is per thread, as CUDA's is


def host_syncs() -> int:
    """How many times a stand-in array's values were read back on the host (``float(x)``, ``x.item()``,
    ``x.get()``, ``repr(x)`` ...) since the last :func:`reset_host_syncs`.

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
    with Device(dev):
        return xp.asarray(host)


# --- the namespace ---------------------------------------------------------------------------------------------
def _converter(obj: Any, dtype: Any, copy: Any, order: Any, ndmin: int = 0) -> StandinArray:
    """``cupy.asarray``/``cupy.array``: host data copied to the current device (the explicit transfer); a device
    array is returned as it is (or copied when asked), or copied to the current device when it lives on another."""
    dev = _current()
    if type(obj) is StandinArray:
        if obj._dev == dev:
            a = np.array(obj._a, dtype=dtype, copy=copy, order=order, ndmin=ndmin)
            return obj if a is obj._a else StandinArray._new(a, dev)
        return StandinArray._new(np.array(obj._a, dtype=dtype, copy=True, order=order, ndmin=ndmin), dev)
    devs: list = []
    data = _unwrap(obj, devs, True)
    _device(devs)
    return _wrap(np.array(data, dtype=dtype, copy=True, order=order, ndmin=ndmin), dev)


def _asarray(a: Any, dtype: Any = None, order: Any = None, *, copy: bool | None = None, blocking: bool = False
             ) -> StandinArray:
    """``cupy.asarray``: ``a`` (host data or a device array) as an array on the current device."""
    return _converter(a, dtype, copy, order or "K")


def _array(obj: Any, dtype: Any = None, copy: bool = True, order: str = "K", subok: bool = False, ndmin: int = 0,
           *, blocking: bool = False) -> StandinArray:
    """``cupy.array``: a copy of ``obj`` on the current device (``copy=False`` copies only where needed)."""
    return _converter(obj, dtype, True if copy else None, order, ndmin)


def _asnumpy(a: Any, stream: Any = None, order: str = "C", out: np.ndarray | None = None) -> np.ndarray:
    """``cupy.asnumpy``: a host copy of a device array (the explicit transfer); host data as it is."""
    if type(a) is StandinArray:
        return a.get(order=order, out=out)
    return np.asarray(a, order=order)


def _get_array_module(*args: Any) -> types.ModuleType:
    """``cupy.get_array_module``: :data:`xp` where an argument is a stand-in array, else NumPy."""
    return xp if any(type(a) is StandinArray for a in args) else np


# CuPy implements these ufunc methods for a few ufuncs only: funcgrad must not rely on more
_UFUNC_METHODS = {"at": {"add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"},
                  "reduce": {"add", "multiply"}, "accumulate": {"add", "multiply"}, "reduceat": {"add"}}


class _Ufunc:
    """A NumPy ufunc over stand-in arrays, with the methods (``at``, ``reduce`` ...) that CuPy's ufuncs offer."""

    def __init__(self, uf: np.ufunc) -> None:
        self._uf, self.__name__, self.nin, self.nout, self.nargs = uf, uf.__name__, uf.nin, uf.nout, uf.nargs
        self.__doc__ = uf.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _apply(self._uf, args, kwargs)

    def __repr__(self) -> str:
        return f"<ufunc 'cupy_{self.__name__}'>"

    def _supported(self, method: str) -> None:
        if self.__name__ not in _UFUNC_METHODS[method]:
            raise NotImplementedError(f"`cupy_{self.__name__}.{method}` is not supported yet")

    def outer(self, a: Any, b: Any, **kwargs: Any) -> Any:
        return _apply(self._uf.outer, (a, b), kwargs)

    def at(self, a: StandinArray, indices: Any, b: Any = None) -> None:
        self._supported("at")
        self._on_device(a)
        devs = [a._dev]
        idx = _unwrap(indices, devs, True)  # index arrays may come from the host, as in indexing
        v = _unwrap(b, devs, False)
        _device(devs)
        self._uf.at(a._a, idx, v)

    def reduce(self, array: Any, axis: Any = 0, dtype: Any = None, out: Any = None, keepdims: bool = False) -> Any:
        self._supported("reduce")
        return _apply(self._uf.reduce, (array,), dict(axis=axis, dtype=dtype, out=out, keepdims=keepdims))

    def accumulate(self, array: Any, axis: int = 0, dtype: Any = None, out: Any = None) -> Any:
        self._supported("accumulate")
        return _apply(self._uf.accumulate, (array,), dict(axis=axis, dtype=dtype, out=out))

    def reduceat(self, array: Any, indices: Any, axis: int = 0, dtype: Any = None, out: Any = None) -> Any:
        self._supported("reduceat")
        self._on_device(array)
        return _apply(self._uf.reduceat, (array, indices), dict(axis=axis, dtype=dtype, out=out), host_ok=True)

    @staticmethod
    def _on_device(a: Any) -> None:
        if type(a) is not StandinArray:
            raise TypeError(f"Unsupported type {type(a)}")


# dtype queries take arrays or dtypes and return no array: NumPy's, given the stand-in arrays' data
_DTYPE_FUNCS = {"result_type", "can_cast", "min_scalar_type", "promote_types", "issubdtype", "common_type",
                "isdtype"}
# array comparisons that NumPy answers with a Python bool; CuPy with a 0-d array (reading it is a sync)
_TO_ARRAY = {"allclose", "array_equal", "array_equiv"}


def _function(fn: Callable, name: str) -> Callable:
    host_ok = name in _DTYPE_FUNCS
    call = (lambda *a, **kw: np.asarray(fn(*a, **kw))) if name in _TO_ARRAY else fn

    def function(*args: Any, **kwargs: Any) -> Any:
        return _apply(call, args, kwargs, host_ok)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = fn.__doc__
    return function


class _Namespace(types.ModuleType):
    """A module whose functions are NumPy's (from ``source``) over stand-in arrays; looked up once, then cached."""

    def __init__(self, name: str, source: types.ModuleType, doc: str) -> None:
        super().__init__(name, doc)
        self._source = source
        sys.modules[name] = self  # importable by name (opt_einsum imports its backends)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            obj = getattr(self._source, name)
        except AttributeError:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}") from None
        if isinstance(obj, np.ufunc):
            obj = _Ufunc(obj)
        elif isinstance(obj, types.ModuleType):
            obj = _Namespace(f"{self.__name__}.{name}", obj, obj.__doc__ or "")
        elif callable(obj) and not isinstance(obj, type):  # functions; classes (dtypes, finfo ...) pass through
            obj = _function(obj, name)
        setattr(self, name, obj)
        return obj


#: The stand-in's array namespace: NumPy's names, computing on stand-in arrays (what ``cupy`` is to CuPy arrays).
xp = _Namespace(f"{__name__}.xp", np, "The stand-in's array namespace (funcgrad.testing.standin).")
sys.modules[StandinArray.__module__] = xp
xp.ndarray = StandinArray
xp.asarray, xp.array, xp.asanyarray, xp.asnumpy = _asarray, _array, _asarray, _asnumpy
xp.get_array_module = _get_array_module
xp.copy = lambda a, order="K": _converter(a, None, True, order)  # as cupy.copy: onto the current device
xp.cuda = types.SimpleNamespace(Device=Device, runtime=types.SimpleNamespace(getDeviceCount=lambda: DEVICE_COUNT))


class RandomState:
    """``cupy.random.RandomState``: seeded draws, made on the current device; floating draws take ``dtype=``
    (float32 or float64, as CuPy's).

    >>> a = RandomState(0).standard_normal((2,), dtype=np.float32)
    >>> b = RandomState(0).standard_normal((2,), dtype=np.float32)
    >>> a.dtype, bool(xp.all(a == b))
    (dtype('float32'), True)
    """

    def __init__(self, seed: int | None = None) -> None:
        self._rs = np.random.RandomState()
        self.seed(seed)

    def seed(self, seed: int | None = None) -> None:
        """Restart from ``seed`` (any integer in [0, 2**64), as CuPy's 64-bit seeds; None: fresh entropy)."""
        if seed is None:
            self._rs.seed()
            return
        seed = operator.index(seed)
        if not 0 <= seed < 2 ** 64:
            raise ValueError(f"seed must be between 0 and 2**64 - 1, got {seed}")
        self._rs.seed([seed & 0xFFFFFFFF, seed >> 32])

    def _draw(self, method: str, dtype: Any, *args: Any) -> StandinArray:
        dt = np.dtype(dtype)
        if dt.type not in (np.float32, np.float64):
            raise TypeError(f"cupy.random only supports float32 and float64, not {dt}")
        draw = getattr(self._rs, method)
        return _apply(lambda *a: np.asarray(draw(*a), dtype=dt), args, {})

    def random_sample(self, size: Any = None, dtype: Any = float) -> StandinArray:
        return self._draw("random_sample", dtype, size)

    def standard_normal(self, size: Any = None, dtype: Any = float) -> StandinArray:
        return self._draw("standard_normal", dtype, size)

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None, dtype: Any = float) -> StandinArray:
        return self._draw("uniform", dtype, low, high, size)

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, dtype: Any = float) -> StandinArray:
        return self._draw("normal", dtype, loc, scale, size)

    def randint(self, low: int, high: int | None = None, size: Any = None, dtype: Any = int) -> StandinArray:
        return _apply(lambda: np.asarray(self._rs.randint(low, high, size, dtype=dtype)), (), {})

    def permutation(self, num: Any) -> StandinArray:
        return _apply(lambda n: np.asarray(self._rs.permutation(n)), (num,), {})


_random = types.ModuleType(f"{xp.__name__}.random", "``cupy.random``, as far as funcgrad uses it: RandomState.")
_random.RandomState = RandomState
xp.random = sys.modules[_random.__name__] = _random


class StandinBackend(_backend.GPUBackend):
    """The stand-in as funcgrad's GPU backend (see :func:`install`)."""

    name = "standin"
    xp = xp
    array_types = (StandinArray,)

    def device_count(self) -> int:
        return DEVICE_COUNT

    def current_device(self) -> int:
        return _current()

    def use_device(self, index: int) -> Device:
        return Device(index)

    def device_index(self, x: Any) -> int:
        return x.device.id

    def asarray(self, x: Any, index: int, dtype: Any = None) -> StandinArray:
        with Device(index):
            return xp.asarray(x, dtype=dtype)

    def to_host(self, x: Any) -> np.ndarray:
        return xp.asnumpy(x)

    def synchronize(self, index: int | None = None) -> None:
        Device(index).synchronize()

    def random_state(self, seed: int, index: int) -> RandomState:
        with Device(index):
            return RandomState(seed)


_replaced: list = []  # for each install(), the stand-in it replaced (None: none), which uninstall() puts back


def _active() -> StandinBackend | None:
    b = _backend.gpu_backend() if _backend.gpu_available() else None
    return b if isinstance(b, StandinBackend) else None


def install() -> StandinBackend:
    """Make ``"cuda"`` mean the stand-in (``funcgrad.backend.set_gpu_backend``) until :func:`uninstall`; returns
    the backend.

    >>> import funcgrad.backend as B
    >>> _ = install(); B.device_of(B.to_device([1.0], "cuda:1"))
    'cuda:1'
    >>> uninstall()
    """
    _replaced.append(_active())
    b = StandinBackend()
    _backend.set_gpu_backend(b)
    return b


def uninstall() -> None:
    """Undo the last :func:`install`: ``"cuda"`` goes back to meaning CuPy, where there is one (or to the stand-in
    that was installed before, so that installs nest).

    >>> _ = install(); uninstall()
    """
    _backend.set_gpu_backend(_replaced.pop() if _replaced else None)


# stand-in arrays compute with xp whether or not the backend is installed
_backend.register_namespace(StandinArray, xp)
