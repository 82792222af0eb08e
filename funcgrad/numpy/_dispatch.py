"""NumPy's dispatch protocols (NEP 13 ``__array_ufunc__``, NEP 18 ``__array_function__``) for traced values and
Tensors: ``numpy.sin(x)``, ``numpy.sum(x, axis=0)``, ``numpy.linalg.norm(x)`` on them call the ``funcgrad.numpy``
function of the same name, so gradients flow through code written against NumPy itself.

NumPy dispatches on the arguments its function declares (the array, not the items of a list): ``np.mean([a, b])``
converts the list before funcgrad is asked, and raises the usual error; ``fnp.mean([a, b])`` works.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as _onp

# ufunc methods with a funcgrad.numpy equivalent: np.add.reduce(x, axis) is fnp.sum(x, axis) ...
_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min", "logical_and": "all",
           "logical_or": "any"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}
_cache: dict = {}


def numpy_equivalent(func: Any, method: str = "__call__") -> Callable | None:
    """The ``funcgrad.numpy`` (or ``funcgrad.numpy.linalg``, ``.fft``) function standing for NumPy's ``func`` (a function
    or ufunc, called as ``method``), or None where funcgrad has none.

    >>> import numpy as np
    >>> numpy_equivalent(np.sin).__module__.startswith("funcgrad")
    True
    >>> numpy_equivalent(np.fft.rfft).__module__
    'funcgrad.numpy.fft'
    >>> numpy_equivalent(np.lib.stride_tricks.sliding_window_view) is None
    True
    """
    key = (func, method)
    try:
        return _cache[key]
    except (KeyError, TypeError):
        pass
    fnp = sys.modules["funcgrad.numpy"]
    name = getattr(func, "__name__", None)
    ns: Any = None
    if isinstance(func, _onp.ufunc):
        name = {"__call__": name, "reduce": _REDUCE.get(name), "accumulate": _ACCUMULATE.get(name)}.get(method)
        ns = fnp
    else:
        module = getattr(func, "__module__", None) or ""
        if module.startswith("numpy.linalg"):
            ns = fnp.linalg
        elif module.startswith("numpy.fft"):
            ns = fnp.fft
        elif module == "numpy" or module.startswith("numpy._core") or module.startswith("numpy.lib"):
            ns = fnp
    fn = getattr(ns, name, None) if (ns is not None and name) else None
    if fn is func or not callable(fn):  # a NumPy function re-exported as is would dispatch back here
        fn = None
    try:
        _cache[key] = fn
    except TypeError:
        pass
    return fn


def ufunc_call(ufunc: Any, method: str, inputs: tuple, kwargs: dict, what: str) -> Any:
    """``ufunc`` (as ``method``) through funcgrad.numpy, or NotImplemented where funcgrad has no equivalent."""
    fn = numpy_equivalent(ufunc, method)
    if fn is None:
        return NotImplemented
    if kwargs.get("out") is not None:
        raise TypeError(f"numpy.{ufunc.__name__}(..., out=...) on {what}: funcgrad arrays are immutable, so there "
                        f"is no output to write into; use the returned value")
    kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    return fn(*inputs, **kwargs)
