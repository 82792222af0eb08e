"""Array creation: ``array``/``asarray`` (which pack lists of traced values differentiably), constant arrays, ranges,
grids, and the dtype and constant names NumPy users expect from ``funcgrad.numpy``.

Creation functions take ``device=`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``) and ``like=`` (an array whose library and
device to use), as NumPy 2 and the array API do; without either, new arrays go to the default device (see
``funcgrad.set_default_device``; the CPU unless changed), and ``*_like`` functions follow their argument.

Constant arrays (``zeros``, ``ones_like``, ``eye`` ...) are plain: nothing flows back to the array a ``*_like``
function copies the shape of. Values that do carry gradients are the traced elements given to ``array``, a traced
``fill_value`` of ``full``/``full_like``, traced ``start``/``stop`` of ``linspace`` and traced inputs of
``meshgrid``.
"""
from __future__ import annotations

from typing import Any

import numpy as _onp

from ..backend import (device_of, get_default_device, gpu_backend, namespace, namespace_of, parse_device, shape_of,
                       to_device)
from ..core import Box, getval
from ..core.primitive import broadcast_to as _broadcast_to
from .devices import device_put
from .elementwise import add, astype, multiply, power, subtract
from .shape import _asarray, _contains_box, moveaxis, reshape

__all__ = [
    "array", "asarray", "asanyarray", "ascontiguousarray", "copy", "zeros", "ones", "full", "empty", "zeros_like",
    "ones_like", "full_like", "empty_like", "arange", "linspace", "logspace", "eye", "identity", "meshgrid",
    # dtypes, dtype helpers and constants
    "float16", "float32", "float64", "complex64", "complex128", "int8", "int16", "int32", "int64", "uint8",
    "uint16", "uint32", "uint64", "intp", "bool_", "number", "integer", "floating", "complexfloating", "inexact",
    "signedinteger", "unsignedinteger", "generic", "pi", "e", "inf", "nan", "euler_gamma", "newaxis", "ndarray",
    "dtype", "finfo", "iinfo", "result_type", "promote_types", "can_cast", "issubdtype", "isscalar",
]
LINALG: list = []

ArrayLike = Any

float16, float32, float64 = _onp.float16, _onp.float32, _onp.float64
complex64, complex128 = _onp.complex64, _onp.complex128
int8, int16, int32, int64 = _onp.int8, _onp.int16, _onp.int32, _onp.int64
uint8, uint16, uint32, uint64 = _onp.uint8, _onp.uint16, _onp.uint32, _onp.uint64
intp, bool_ = _onp.intp, _onp.bool_
number, integer, floating, complexfloating = _onp.number, _onp.integer, _onp.floating, _onp.complexfloating
inexact, signedinteger, unsignedinteger, generic = (_onp.inexact, _onp.signedinteger, _onp.unsignedinteger,
                                                    _onp.generic)
pi, e, inf, nan, euler_gamma = _onp.pi, _onp.e, _onp.inf, _onp.nan, _onp.euler_gamma
newaxis = None
ndarray = _onp.ndarray
dtype = _onp.dtype
promote_types, can_cast, issubdtype, isscalar = _onp.promote_types, _onp.can_cast, _onp.issubdtype, _onp.isscalar


def _dtype_arg(x):
    """A dtype-like argument, reading the dtype of arrays and traced values."""
    if type(x) is Box or (hasattr(x, "dtype") and not isinstance(x, (type, _onp.dtype))):
        return x.dtype
    return x


def finfo(dtype) -> _onp.finfo:
    """Machine limits of a floating dtype (or of an array's, traced or not), as ``numpy.finfo``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.finfo(fnp.float32).bits
    32
    """
    return _onp.finfo(_dtype_arg(dtype))


def iinfo(dtype) -> _onp.iinfo:
    """Machine limits of an integer dtype (or of an array's), as ``numpy.iinfo``.

    >>> import funcgrad.numpy as fnp
    >>> int(fnp.iinfo(fnp.int8).max)
    127
    """
    return _onp.iinfo(_dtype_arg(dtype))


def result_type(*arrays_and_dtypes) -> _onp.dtype:
    """The dtype NumPy's promotion gives its arguments (arrays, traced values, scalars, dtypes), as
    ``numpy.result_type``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.result_type(fnp.float32, 1.0)
    dtype('float32')
    """
    # arrays of any library (and traced values) are given by their dtype: NumPy must not convert device arrays
    return _onp.result_type(*[x.dtype if type(x) is Box or (hasattr(x, "shape") and not isinstance(x, type)) else x
                              for x in arrays_and_dtypes])


# --- devices ----------------------------------------------------------------------------------------------------
def _create(device: Any, like: Any, make):
    """``make(xp)`` run with the array namespace of the target device, that device being current: ``device``,
    else ``like``'s, else the default device."""
    if device is None:
        device = device_of(_plain(like)) if like is not None else get_default_device()
        if device == "cpu":  # the common case, kept cheap
            return make(_onp)
    kind, index = parse_device(device)
    if kind == "cpu":
        return make(_onp)
    b = gpu_backend()
    with b.use_device(b.current_device() if index is None else index):
        return make(b.xp)


def _placed(x, device: Any, like: Any):
    """An existing array moved where ``device`` (or ``like``) says; left where it is when neither is given."""
    if device is None and like is not None:
        device = device_of(_plain(like))
    return x if device is None else to_device(x, device)


def _put_traced(x, device: Any, like: Any):
    """A traced value moved differentiably (see :func:`funcgrad.device_put`)."""
    return device_put(x, device if device is not None else device_of(_plain(like)))


def _host_data(object) -> bool:
    """Python data (numbers and lists) rather than an array: it goes to the default device."""
    return not hasattr(object, "shape") or isinstance(object, _onp.generic)


# --- array and asarray ------------------------------------------------------------------------------------------
def _finish(x, dtype, ndmin: int):
    if dtype is not None and _onp.dtype(dtype) != x.dtype:
        x = astype(x, dtype)  # stops the gradient for integer and boolean dtypes, as astype does
    nd = len(shape_of(x))
    if ndmin > nd:
        x = reshape(x, (1,) * (ndmin - nd) + shape_of(x))
    return x


def array(object: ArrayLike, dtype=None, *, copy: bool = True, order: str = "K", ndmin: int = 0, device=None,
          like=None) -> ArrayLike:
    """An array from an array, scalar or nested list, as ``numpy.array``. Lists may mix traced values and numbers
    (``fnp.array([x, 2 * y])``): the result is then traced and gradients flow to each element.

    >>> import funcgrad.numpy as fnp
    >>> fnp.array([[1.0, 2.0], [3.0, 4.0]]).shape
    (2, 2)
    """
    t = type(object)
    if t is Box:
        return _finish(object if device is None and like is None else _put_traced(object, device, like), dtype,
                       ndmin)
    if (t is list or t is tuple) and _contains_box(object):
        return _finish(_asarray(object), dtype, ndmin)
    if _host_data(object):
        return _create(device, like, lambda xp: xp.array(object, dtype=dtype, copy=copy, order=order, ndmin=ndmin))
    out = namespace(object).array(object, dtype=dtype, copy=copy, order=order, ndmin=ndmin)
    return _placed(out, device, like)


def asarray(a: ArrayLike, dtype=None, order: str | None = None, *, copy: bool | None = None, device=None,
            like=None) -> ArrayLike:
    """``a`` as an array without copying when it already is one, as ``numpy.asarray``; lists may mix traced values
    and numbers (the result is then traced).

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> x = np.ones(3)
    >>> fnp.asarray(x) is x
    True
    """
    t = type(a)
    if t is Box:
        return _finish(a if device is None and like is None else _put_traced(a, device, like), dtype, 0)
    if (t is list or t is tuple) and _contains_box(a):
        return _finish(_asarray(a), dtype, 0)
    kw = {} if copy is None else {"copy": copy}  # not every array library's asarray takes copy=
    if _host_data(a):
        return _create(device, like, lambda xp: xp.asarray(a, dtype=dtype, order=order, **kw))
    return _placed(namespace(a).asarray(a, dtype=dtype, order=order, **kw), device, like)


def asanyarray(a: ArrayLike, dtype=None, order: str | None = None) -> ArrayLike:
    """Same as :func:`asarray` (funcgrad has no array subclasses).

    >>> import funcgrad.numpy as fnp
    >>> fnp.asanyarray([1.0]).shape
    (1,)
    """
    return asarray(a, dtype=dtype, order=order)


def ascontiguousarray(a: ArrayLike, dtype=None) -> ArrayLike:
    """``a`` as a C-contiguous array (traced values are returned as they are), as ``numpy.ascontiguousarray``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.ascontiguousarray(fnp.ones((2, 2)).T).flags["C_CONTIGUOUS"]
    True
    """
    if type(a) is Box or (type(a) in (list, tuple) and _contains_box(a)):
        return asarray(a, dtype=dtype)
    return namespace(a).ascontiguousarray(a, dtype=dtype)


def copy(a: ArrayLike, order: str = "K") -> ArrayLike:
    """A copy of ``a``, as ``numpy.copy``; a traced value is immutable, so it is its own copy.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> x = np.ones(2)
    >>> fnp.copy(x) is x
    False
    """
    if type(a) is Box or (type(a) in (list, tuple) and _contains_box(a)):
        return asarray(a)
    return namespace(a).array(a, copy=True, order=order)


# --- constant arrays --------------------------------------------------------------------------------------------
def zeros(shape, dtype=float, order: str = "C", *, device=None, like=None) -> ArrayLike:
    """A new array of zeros (float64 by default), as ``numpy.zeros``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.zeros((2,))
    array([0., 0.])
    """
    return _create(device, like, lambda xp: xp.zeros(shape, dtype=dtype, order=order))


def ones(shape, dtype=float, order: str = "C", *, device=None, like=None) -> ArrayLike:
    """A new array of ones (float64 by default), as ``numpy.ones``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.ones(2)
    array([1., 1.])
    """
    return _create(device, like, lambda xp: xp.ones(shape, dtype=dtype, order=order))


def empty(shape, dtype=float, order: str = "C", *, device=None, like=None) -> ArrayLike:
    """A new uninitialized array (float64 by default), as ``numpy.empty``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.empty((2, 3)).shape
    (2, 3)
    """
    return _create(device, like, lambda xp: xp.empty(shape, dtype=dtype, order=order))


def _traced_full(shape, fill_value, dtype):
    # A traced fill value: broadcasting it makes every element depend on it, so its gradient is the sum.
    v = fill_value if dtype is None else astype(fill_value, dtype)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _broadcast_to(v, shape=shape)


def full(shape, fill_value, dtype=None, order: str = "C", *, device=None, like=None) -> ArrayLike:
    """A new array filled with ``fill_value``, as ``numpy.full``. A traced ``fill_value`` gives a traced (read-only)
    result whose gradient flows back to it.

    >>> import funcgrad.numpy as fnp
    >>> fnp.full((2,), 3.0)
    array([3., 3.])
    """
    if type(fill_value) is Box or (type(fill_value) in (list, tuple) and _contains_box(fill_value)):
        return _traced_full(shape, _asarray(fill_value), dtype)
    if not _host_data(fill_value) and device is None and like is None:  # a device array fills on its device
        return namespace(fill_value).full(shape, fill_value, dtype=dtype, order=order)
    return _create(device, like, lambda xp: xp.full(shape, fill_value, dtype=dtype, order=order))


def _plain(a):
    """The plain value of ``a``; nested lists of traced values become a plain array (for shapes and dtypes)."""
    if type(a) in (list, tuple) and _contains_box(a):
        return getval(_asarray(a))
    return getval(a)


def _template(a, shape):
    """The plain value of the template ``a`` of a ``*_like`` function, and the shape to make: a traced ``a``'s own
    shape (per example under vmap, where its value carries the batch too), unless ``shape`` is given."""
    plain = _plain(a)
    if shape is None and type(a) is Box:
        shape = tuple(shape_of(a))
    return plain, shape


def zeros_like(a: ArrayLike, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
               device=None) -> ArrayLike:
    """A plain array of zeros with the shape and dtype of ``a`` (which may be traced; no gradient flows to it),
    as ``numpy.zeros_like``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.zeros_like(fnp.ones(2))
    array([0., 0.])
    """
    a, shape = _template(a, shape)
    if device is not None:
        return _create(device, None, lambda xp: xp.zeros(shape_of(a) if shape is None else shape,
                                                            dtype=a.dtype if dtype is None else dtype))
    return namespace(a).zeros_like(a, dtype=dtype, order=order, shape=shape)


def ones_like(a: ArrayLike, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
              device=None) -> ArrayLike:
    """A plain array of ones with the shape and dtype of ``a`` (which may be traced; no gradient flows to it),
    as ``numpy.ones_like``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.ones_like(fnp.zeros(2))
    array([1., 1.])
    """
    a, shape = _template(a, shape)
    if device is not None:
        return _create(device, None, lambda xp: xp.ones(shape_of(a) if shape is None else shape,
                                                            dtype=a.dtype if dtype is None else dtype))
    return namespace(a).ones_like(a, dtype=dtype, order=order, shape=shape)


def empty_like(a: ArrayLike, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
               device=None) -> ArrayLike:
    """A plain uninitialized array with the shape and dtype of ``a`` (which may be traced), as
    ``numpy.empty_like``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.empty_like(fnp.zeros((2, 3))).shape
    (2, 3)
    """
    a, shape = _template(a, shape)
    if device is not None:
        return _create(device, None, lambda xp: xp.empty(shape_of(a) if shape is None else shape,
                                                            dtype=a.dtype if dtype is None else dtype))
    return namespace(a).empty_like(a, dtype=dtype, order=order, shape=shape)


def full_like(a: ArrayLike, fill_value, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
              device=None) -> ArrayLike:
    """An array like ``a`` (shape and dtype; no gradient flows to ``a``) filled with ``fill_value``, as
    ``numpy.full_like``. A traced ``fill_value`` gives a traced result whose gradient flows back to it.

    >>> import funcgrad.numpy as fnp
    >>> fnp.full_like(fnp.zeros(2), 7.0)
    array([7., 7.])
    """
    a, shape = _template(a, shape)
    if type(fill_value) is Box or (type(fill_value) in (list, tuple) and _contains_box(fill_value)):
        return _traced_full(shape_of(a) if shape is None else shape, _asarray(fill_value),
                            dtype if dtype is not None else a.dtype)
    if device is not None:
        return _create(device, None, lambda xp: xp.full(shape_of(a) if shape is None else shape, fill_value,
                                                        dtype=a.dtype if dtype is None else dtype))
    return namespace(a).full_like(a, fill_value, dtype=dtype, order=order, shape=shape)


def eye(N: int, M: int | None = None, k: int = 0, dtype=float, order: str = "C", *, device=None,
        like=None) -> ArrayLike:
    """A 2-D array with ones on the ``k``-th diagonal, as ``numpy.eye``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.eye(2)
    array([[1., 0.],
           [0., 1.]])
    """
    return _create(device, like, lambda xp: xp.eye(N, M, k, dtype=dtype, order=order))


def identity(n: int, dtype=None, *, device=None, like=None) -> ArrayLike:
    """The ``n`` by ``n`` identity matrix (float64 by default), as ``numpy.identity``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.identity(2).dtype
    dtype('float64')
    """
    return _create(device, like, lambda xp: xp.identity(n, dtype=dtype))


# --- ranges -----------------------------------------------------------------------------------------------------
def arange(start, stop=None, step=None, dtype=None, *, device=None, like=None) -> ArrayLike:
    """Evenly spaced values in ``[start, stop)``, as ``numpy.arange``. Not differentiable: for a traced start or
    step write ``start + step * fnp.arange(n)``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.arange(3.0)
    array([0., 1., 2.])
    """
    if any(type(v) is Box for v in (start, stop, step)):
        raise TypeError("funcgrad.arange: got a traced start, stop or step; arange is not differentiable and its "
                        "length must be known. Write `start + step * fnp.arange(n)` with a plain n to "
                        "differentiate with respect to start and step.")
    args = (start,) if stop is None and step is None else (start, stop) if step is None else (start, stop, step)
    return _create(device, like, lambda xp: xp.arange(*args, dtype=dtype))


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype=None,
             axis: int = 0, *, device=None):
    """``num`` evenly spaced samples from ``start`` to ``stop``, as ``numpy.linspace``. ``start`` and ``stop`` may
    be traced (the result is then differentiable in them).

    >>> import funcgrad.numpy as fnp
    >>> fnp.linspace(0.0, 1.0, 3)
    array([0. , 0.5, 1. ])
    """
    if type(start) is not Box and type(stop) is not Box:
        def make(xp):
            return xp.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=dtype, axis=axis)
        if device is None and not (_host_data(start) and _host_data(stop)):
            return make(namespace_of(start, stop))  # array end points: their device
        return _create(device, None, make)
    if num < 0:
        raise ValueError(f"funcgrad.linspace: num must be non-negative, got {num}")
    div = (num - 1) if endpoint else num
    delta = subtract(stop, start)
    nd = len(_onp.broadcast_shapes(shape_of(start), shape_of(stop)))
    # t in [0, 1] as NumPy computes it; the last sample is exactly stop when endpoint is set.
    xp = namespace_of(getval(start), getval(stop))  # t lives where the end points do
    t = xp.arange(num, dtype=float) / div if div > 0 else xp.zeros(num)
    if endpoint and num > 1:
        t[-1] = 1.0
    t = t.reshape((num,) + (1,) * nd)
    out = add(start, multiply(delta, t))
    if nd and axis != 0:
        out = moveaxis(out, 0, axis)
    if dtype is not None:
        out = astype(out, dtype)
    if retstep:
        return out, (multiply(delta, 1.0 / div) if div > 0 else _onp.nan)
    return out


def logspace(start, stop, num: int = 50, endpoint: bool = True, base: float = 10.0, dtype=None, axis: int = 0, *,
             device=None):
    """``num`` samples spaced evenly on a log scale from ``base**start`` to ``base**stop``, as ``numpy.logspace``
    (differentiable in traced ``start`` and ``stop``).

    >>> import funcgrad.numpy as fnp
    >>> fnp.logspace(0.0, 2.0, 3)
    array([  1.,  10., 100.])
    """
    if type(start) is not Box and type(stop) is not Box and type(base) is not Box:
        def make(xp):
            return xp.logspace(start, stop, num, endpoint=endpoint, base=base, dtype=dtype, axis=axis)
        if device is None and not (_host_data(start) and _host_data(stop)):
            return make(namespace_of(start, stop))  # array end points: their device
        return _create(device, None, make)
    out = power(base, linspace(start, stop, num, endpoint=endpoint, axis=axis))
    return out if dtype is None else astype(out, dtype)


def meshgrid(*xi: ArrayLike, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> list:
    """Coordinate arrays from coordinate vectors, as ``numpy.meshgrid`` (differentiable in traced inputs; traced
    results are read-only broadcasts).

    >>> import funcgrad.numpy as fnp
    >>> [g.shape for g in fnp.meshgrid(fnp.arange(3.0), fnp.arange(2.0))]
    [(2, 3), (2, 3)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"funcgrad.meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    if not any(type(x) is Box or (type(x) in (list, tuple) and _contains_box(x)) for x in xi):
        return list(namespace(xi[0] if xi else 0.0).meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing))
    xs = [reshape(_asarray(x), (-1,)) for x in xi]
    nd = len(xs)
    lens = [shape_of(x)[0] for x in xs]
    if indexing == "xy" and nd > 1:
        lens[0], lens[1] = lens[1], lens[0]
    out = []
    for i, x in enumerate(xs):
        pos = (1 - i if i < 2 else i) if indexing == "xy" and nd > 1 else i
        s = [1] * nd
        s[pos] = shape_of(x)[0]
        x = reshape(x, tuple(s))
        out.append(x if sparse else _broadcast_to(x, shape=tuple(lens)))
    return out
