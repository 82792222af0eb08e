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
import types
from typing import Any, Callable

import numpy as np

from .. import backend as _backend
# the array, its devices and the host-sync counter; this module adds the namespace, the random states, the backend
from ._standin_array import (DEVICE_COUNT, Device, StandinArray, _apply, _current, _device, _unwrap, _wrap,
                             host_syncs, reset_host_syncs)

__all__ = ["DEVICE_COUNT", "StandinArray", "Device", "RandomState", "StandinBackend", "xp", "host_syncs",
           "reset_host_syncs", "install", "uninstall"]


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
