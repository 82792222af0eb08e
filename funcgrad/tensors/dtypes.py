"""PyTorch's dtype objects (``torch.float32`` ...), ``torch.finfo`` and ``torch.iinfo``.

A NumPy dtype cannot be subclassed nor given attributes, so funcgrad's ``float32`` is a small :class:`dtype` object
over one: it prints as PyTorch's (``torch.float32``), answers PyTorch's questions (``is_floating_point``,
``is_complex``, ``is_signed``, ``itemsize``) and equals and hashes as its NumPy dtype, so comparisons with NumPy
dtypes, dict look-ups keyed by them and NumPy itself (which reads a ``.dtype`` attribute: ``np.zeros(2,
dtype=fg.float32)``) keep working. ``Tensor.dtype`` returns these objects; the arrays underneath keep NumPy's.

>>> import numpy as np, funcgrad as fg
>>> str(fg.float32), fg.float32.is_floating_point, fg.float32 == np.float32
('torch.float32', True, True)
>>> fg.finfo(fg.float16).eps
0.0009765625
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["dtype", "finfo", "iinfo"]

_TORCH_NAMES = {"float16": "float16", "float32": "float32", "float64": "float64", "complex64": "complex64",
                "complex128": "complex128", "uint8": "uint8", "int8": "int8", "int16": "int16", "int32": "int32",
                "int64": "int64", "bool": "bool", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64"}


class dtype:  # noqa: N801 - PyTorch's name
    """A PyTorch-style dtype over a NumPy dtype (``torch.dtype``).

    >>> import funcgrad as fg
    >>> fg.int64.is_signed, fg.uint8.is_signed, fg.complex64.is_complex, fg.float64.itemsize
    (True, False, True, 8)
    """

    # the NumPy attributes funcgrad's own code reads on dtypes are slots, not __getattr__ look-ups: they are cheap
    __slots__ = ("dtype", "kind", "char", "itemsize", "type", "name", "str", "is_floating_point", "is_complex",
                 "is_signed")

    def __init__(self, np_dtype: Any):
        d = np.dtype(np_dtype)
        self.dtype = d  # NumPy's dtype protocol: np.dtype(obj) reads obj.dtype
        self.kind, self.char, self.itemsize, self.type, self.name, self.str = (d.kind, d.char, d.itemsize, d.type,
                                                                                d.name, d.str)
        self.is_floating_point = d.kind == "f"
        self.is_complex = d.kind == "c"
        self.is_signed = d.kind in "fci"  # as PyTorch: bool and the unsigned integers are not

    def __getattr__(self, name: str) -> Any:  # the rest of NumPy's dtype API (alignment, byteorder ...)
        return getattr(object.__getattribute__(self, "dtype"), name)

    def __eq__(self, other: Any) -> bool:
        try:
            return self.dtype == (other.dtype if type(other) is dtype else other)
        except TypeError:
            return False

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.dtype)

    def __repr__(self) -> str:
        return "torch." + self.name

    __str__ = __repr__

    def __reduce__(self) -> tuple:
        return (as_dtype, (self.dtype.str if self.kind != "b" else "bool",))

    def to_real(self) -> "dtype":
        """The real dtype of a complex one (``complex64`` -> ``float32``); real dtypes return themselves."""
        return as_dtype(np.empty(0, self.dtype).real.dtype) if self.is_complex else self

    def to_complex(self) -> "dtype":
        """The complex dtype of a floating one (``float32`` -> ``complex64``)."""
        return as_dtype(np.result_type(self.dtype, np.complex64)) if not self.is_complex else self


_WRAPPED: dict = {}
#: The default floating dtype of tensors made from Python numbers, as a NumPy dtype (grad_mode's
#: ``set_default_dtype`` writes it; it lives here so that ``finfo()`` can read it without importing upward).
DEFAULT_DTYPE = [np.dtype(np.float32)]


def as_dtype(d: Any) -> dtype:
    """The :class:`dtype` object of ``d`` (a NumPy dtype, a type such as ``np.float32``, a name, or one already).

    >>> import numpy as np
    >>> as_dtype(np.float64)
    torch.float64
    """
    if type(d) is dtype:
        return d
    try:
        return _WRAPPED[d]
    except (KeyError, TypeError):
        nd = np.dtype(d)
        w = _WRAPPED.get(nd)
        if w is None:
            w = _WRAPPED[nd] = dtype(nd)
        return w


for _n in _TORCH_NAMES:
    as_dtype(_n)


class finfo:  # noqa: N801 - PyTorch's name
    """Machine limits of a floating dtype (``torch.finfo``): ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (also
    ``smallest_normal``), ``resolution``, ``dtype`` (its name, as PyTorch gives it). The default dtype when omitted.

    >>> import funcgrad as fg
    >>> fi = fg.finfo(fg.float32)
    >>> fi.bits, fi.eps == 2.0 ** -23, fi.dtype
    (32, True, 'float32')
    """

    def __init__(self, type: Any = None):  # noqa: A002 - PyTorch's argument name
        if type is None:
            type = DEFAULT_DTYPE[0]
        d = np.dtype(type)
        if d.kind == "c":  # PyTorch answers for the real part
            d = np.empty(0, d).real.dtype
        if d.kind != "f":
            raise TypeError(f"torch.finfo() requires a floating point input type, got {as_dtype(d)}; use "
                            f"torch.iinfo for integer types")
        f = np.finfo(d)
        self.bits, self.eps, self.max, self.min = f.bits, float(f.eps), float(f.max), float(f.min)
        self.tiny = self.smallest_normal = float(f.smallest_normal)
        self.resolution = 10.0 ** -f.precision  # exactly 10^-digits, as PyTorch (NumPy rounds it to the dtype)
        self.dtype = d.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801 - PyTorch's name
    """Limits of an integer dtype (``torch.iinfo``): ``bits``, ``max``, ``min``, ``dtype`` (its name).

    >>> import funcgrad as fg
    >>> fg.iinfo(fg.int8).min, fg.iinfo(fg.uint8).max
    (-128, 255)
    """

    def __init__(self, type: Any):  # noqa: A002 - PyTorch's argument name
        d = np.dtype(type)
        if d.kind not in "iu":
            raise TypeError(f"torch.iinfo() requires an integer input type, got {as_dtype(d)}; use torch.finfo for "
                            f"floating point types")
        i = np.iinfo(d)
        self.bits, self.max, self.min, self.dtype = i.bits, int(i.max), int(i.min), d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
