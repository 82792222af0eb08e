"""Array namespaces, devices and dtype helpers: the only module that knows which array library a value belongs to.

Every primitive asks :func:`namespace` for the module to compute with, so that the same rule runs on NumPy arrays
today and on CuPy arrays (or any registered stand-in) by the same code path.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["NUMPY_TYPES", "namespace", "register_namespace", "is_float", "is_inexact", "shape_of", "dtype_of", "device_of"]

# Types whose namespace is NumPy. Python scalars combine with any array library, so they count as NumPy here and
# lose to a device array when two operands disagree (see namespace_of_args).
NUMPY_TYPES = {np.ndarray, np.float64, np.float32, np.float16, np.complex128, np.complex64, np.int64, np.int32,
                np.int16, np.int8, np.uint8, np.uint16, np.uint32, np.uint64, np.bool_, float, int, bool, complex}

# Extra array types: type -> namespace module. Filled lazily for CuPy and explicitly for test stand-ins.
_EXTRA: dict[type, ModuleType] = {}


def register_namespace(array_type: type, module: ModuleType) -> None:
    """Declare that values of ``array_type`` compute with the array-API-like ``module``.

    >>> import numpy as np
    >>> register_namespace(np.ndarray, np)
    """
    if module is np:
        NUMPY_TYPES.add(array_type)
    else:
        _EXTRA[array_type] = module


def _lookup(x: Any) -> ModuleType:
    t = type(x)
    mod = _EXTRA.get(t)
    if mod is not None:
        return mod
    modname = t.__module__ or ""
    if modname.startswith("cupy"):
        import cupy  # only imported when a CuPy value is seen

        _EXTRA[t] = cupy
        return cupy
    if isinstance(x, np.generic):
        NUMPY_TYPES.add(t)
        return np
    return np


def namespace(x: Any) -> ModuleType:
    """The array module (``numpy``, ``cupy``, ...) that computes with ``x``.

    >>> import numpy as np
    >>> namespace(np.ones(3)) is np
    True
    """
    if type(x) in NUMPY_TYPES:
        return np
    return _lookup(x)


def namespace_of(*xs: Any) -> ModuleType:
    """The namespace shared by several operands; a device array wins over NumPy values and Python scalars.

    >>> import numpy as np
    >>> namespace_of(1.0, np.ones(2)) is np
    True
    """
    for x in xs:
        if type(x) not in NUMPY_TYPES:
            mod = _lookup(x)
            if mod is not np:
                return mod
    return np


def shape_of(x: Any) -> tuple:
    """Shape of an array, scalar or traced value (scalars are 0-d).

    >>> shape_of(2.0)
    ()
    """
    s = getattr(x, "shape", None)
    return () if s is None else tuple(s)


def dtype_of(x: Any) -> np.dtype:
    """Dtype of an array, traced value or Python scalar (Python floats are float64, as NumPy treats them).

    >>> dtype_of(1.0)
    dtype('float64')
    """
    d = getattr(x, "dtype", None)
    if d is None:
        return np.asarray(x).dtype
    return d


def is_float(x: Any) -> bool:
    """True for real floating values.

    >>> is_float(1.0), is_float(1)
    (True, False)
    """
    return dtype_of(x).kind == "f"


def is_inexact(x: Any) -> bool:
    """True for floating or complex values: the ones gradients are defined for.

    >>> is_inexact(1j)
    True
    """
    return dtype_of(x).kind in "fc"


def device_of(x: Any) -> str:
    """Device name of an array: ``"cpu"`` for NumPy, ``"cuda:N"`` for CuPy.

    >>> import numpy as np
    >>> device_of(np.zeros(1))
    'cpu'
    """
    mod = namespace(x)
    if mod is np:
        return "cpu"
    dev = getattr(x, "device", None)
    ident = getattr(dev, "id", None)
    return f"cuda:{ident}" if ident is not None else str(dev)
