"""PyTorch's type promotion for the Tensor face: ``result_type``, ``promote_types``, ``can_cast``, and the casts the
operators, ``where`` and the in-place methods apply before calling the ``funcgrad.numpy`` function.

NumPy's rules differ from PyTorch's where users notice: an integer tensor times a float32 tensor is float64 in
NumPy, float32 in PyTorch; a float32 tensor times a float64 0-d tensor is float64 in NumPy, float32 in PyTorch. The
categories are bool < integer < floating < complex. Operands fall in three groups, in priority: tensors with
dimensions, 0-d tensors, Python numbers (bool, int64, the default float dtype, the default complex dtype). Within a
group the dtypes promote as ``promote_types``; a lower group only counts where its category is higher than every
higher group's, and then with just enough size (an int32 tensor times a float64 0-d tensor is float64, times a
Python float the default float32).

>>> import funcgrad as fg
>>> (fg.ones(2) * fg.tensor(2.0, dtype=fg.float64)).dtype
torch.float32
>>> fg.result_type(fg.tensor([1, 2], dtype=fg.int32), 2.5)
dtype('float32')
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import dtype_of
from .tensor import Tensor, get_default_dtype

__all__ = ["result_type", "promote_types", "can_cast"]

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_COMPLEX_OF = {np.dtype(np.float16): np.dtype(np.complex64), np.dtype(np.float32): np.dtype(np.complex64),
               np.dtype(np.float64): np.dtype(np.complex128)}
_PY_NUMBERS = (bool, int, float, complex)
# PyTorch's ScalarType names, for its error messages
_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                "float16": "Half", "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
                "complex128": "ComplexDouble"}


def torch_name(dtype: Any) -> str:
    """PyTorch's name of ``dtype`` (``Float`` for float32 ...), as its messages print it."""
    d = np.dtype(dtype)
    return _TORCH_NAMES.get(d.name, d.name)


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to without leaving their category, PyTorch's table
    (``torch.promote_types``): an integer and a float give the float (NumPy would widen int64 with float32 to
    float64).

    >>> import funcgrad as fg
    >>> fg.promote_types(fg.int64, fg.float32), fg.promote_types(fg.uint8, fg.int8)
    (dtype('float32'), dtype('int16'))
    """
    a, b = np.dtype(type1), np.dtype(type2)
    if a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca == cb or ca + cb == 5:  # same category, or float with complex: sizes matter (float64 + complex64)
        return np.promote_types(a, b)
    return a if ca > cb else b


def _combine(higher: Any, lower: Any) -> Any:
    """A higher-priority group's dtype with a lower one's: the lower group counts only with a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = _CATEGORY[higher.kind], _CATEGORY[lower.kind]
    if ch == 3:
        return higher
    if cl == 3:
        return _COMPLEX_OF.get(higher, lower) if ch == 2 else lower
    if ch == 2:
        return higher
    if ch == 0 or cl == 2:
        return promote_types(higher, lower)
    return higher


def _scalar_dtype(x: Any) -> np.dtype:
    """A Python number's dtype in PyTorch's eyes: bool, int64, the default float, the default complex."""
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(x, complex):
        return _COMPLEX_OF[get_default_dtype()]
    if isinstance(x, float):
        return get_default_dtype()
    return np.dtype(np.int64)


def _groups(operands: tuple) -> tuple:
    """The promoted dtype of each group: tensors with dimensions, 0-d tensors, Python numbers (None: empty)."""
    dims = zero = wrapped = None
    for x in operands:
        if isinstance(x, Tensor):
            d, nd = x.dtype, x.ndim
        elif isinstance(x, (_PY_NUMBERS, np.generic)):  # NumPy scalars count as Python numbers of their kind
            # (except np.bool_, which PyTorch reads as a float: np.bool_(True) * int64 tensor is float32)
            d = get_default_dtype() if isinstance(x, np.bool_) else _scalar_dtype(
                x if isinstance(x, _PY_NUMBERS) else x.item())
            wrapped = d if wrapped is None else promote_types(wrapped, d)
            continue
        elif x is None:
            continue
        else:  # arrays and traced values: tensors by their rank
            d, nd = dtype_of(x), len(getattr(x, "shape", ()))
        if nd:
            dims = d if dims is None else promote_types(dims, d)
        else:
            zero = d if zero is None else promote_types(zero, d)
    return dims, zero, wrapped


def result_type(tensor1: Any, tensor2: Any) -> np.dtype:
    """The dtype PyTorch's arithmetic gives ``tensor1`` and ``tensor2`` (Tensors or Python numbers)
    (``torch.result_type``).

    >>> import funcgrad as fg
    >>> fg.result_type(fg.ones(2), fg.tensor(1.0, dtype=fg.float64)), fg.result_type(fg.tensor([1]), 1.5)
    (torch.float32, dtype('float32'))
    """
    return _result(tensor1, tensor2)


def _result(*operands: Any) -> np.dtype:
    dims, zero, wrapped = _groups(operands)
    out = _combine(dims, _combine(zero, wrapped))
    if out is None:
        raise TypeError("result_type: expected at least one Tensor or number")
    return out


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's in-place operations may write a ``from_`` result into a ``to`` tensor
    (``torch.can_cast``): never complex into non-complex, floating into integer, or anything else into bool.

    >>> import funcgrad as fg
    >>> fg.can_cast(fg.float64, fg.float32), fg.can_cast(fg.float32, fg.int64)
    (True, False)
    """
    ca, cb = _CATEGORY[np.dtype(from_).kind], _CATEGORY[np.dtype(to).kind]
    if ca == 3 and cb != 3 or ca == 2 and cb < 2:
        return False
    return not (cb == 0 and ca != 0)


def cast_error(what: str, result: Any, target: Any) -> RuntimeError:
    """PyTorch's error for an in-place result that cannot be written into the tensor."""
    return RuntimeError(f"{what}: result type {torch_name(result)} can't be cast to the desired output type "
                        f"{torch_name(target)}; use the out-of-place operation or convert the tensor first (e.g. "
                        f".to({np.dtype(result).name}))")


def _cast(x: Any, dtype: np.dtype) -> Any:
    """``x`` as ``dtype``: numbers stay numbers (NumPy's weak scalars take the other operand's dtype), Tensors and
    values are cast where they differ."""
    if type(x) in _PY_NUMBERS or x is None:
        return x
    if isinstance(x, (_PY_NUMBERS, np.generic)):  # NumPy's scalars are not weak in NumPy: give them the dtype
        return np.dtype(dtype).type(x)  # (a scalar still, which goes with values on any device)
    return x if dtype_of(x) == dtype else fnp.astype(x, dtype)


def tensor_value(v: Any) -> Any:
    """A Tensor's value as promotion sees it: NumPy's reductions give scalars (``np.float64``), which would count as
    Python numbers; a Tensor's are 0-d arrays."""
    return np.asarray(v) if isinstance(v, np.generic) else v


def promote(op: str, a: Any, b: Any, int_to_float: bool = False, ordered: bool = False) -> tuple:
    """``a`` and ``b`` (Tensors, values or numbers) cast to their PyTorch result type (with ``int_to_float``, an
    integer or bool result type becomes the default float: true division, atan2 ...); ``ordered``: the operation
    orders its operands (``<``), which PyTorch does not define for complex numbers."""
    dt = _result(a, b)
    if int_to_float and dt.kind in "biu":
        dt = get_default_dtype()
    if ordered and dt.kind == "c":
        raise RuntimeError(f"{op}: \"{op}_cpu\" not implemented for '{torch_name(dt)}' (complex numbers are not "
                           f"ordered; compare their .real or .abs())")
    return _cast(a, dt), _cast(b, dt)
