"""Turning a list of samples into a batch: :func:`default_collate` (what a DataLoader does with ``batch_size``) and
:func:`default_convert` (what it does with ``batch_size=None``), as in ``torch.utils.data``; and
:func:`numpy_collate`, the ``collate_fn`` that gives NumPy batches for the functional face.

:func:`default_collate` and :func:`default_convert` follow PyTorch's: NumPy arrays and NumPy scalars become Tensors
(with their dtype), Python numbers too (floats as float64, integers as int64, booleans as bool), so that
``for x, y in loader: x = x.to(device)`` runs as it does on PyTorch. Batches of host data are CPU Tensors; CuPy
arrays (any array of a device namespace funcgrad knows) become Tensors on their device. Strings stay strings.

For ``funcgrad.grad`` and the functional face, ``DataLoader(ds, batch_size=32, collate_fn=numpy_collate)`` batches
the same samples into NumPy arrays instead (the name JAX's documentation gives this ``collate_fn``).

>>> import numpy as np
>>> from funcgrad.utils.data import default_collate, numpy_collate
>>> b = default_collate([(np.zeros(2), 0), (np.ones(2), 1)])
>>> b[0].shape, b[1]
(torch.Size([2, 2]), tensor([0, 1]))
>>> numpy_collate([(np.zeros(2), 0), (np.ones(2), 1)])[1]
array([0, 1])
"""
from __future__ import annotations

import collections.abc
import copy
from typing import Any, Callable, Sequence

import numpy as np

from ...backend import device_scope, namespace
from ...tensors.creation import from_numpy
from ...tensors.shape import stack
from ...tensors.tensor import Tensor, _strip_graph, get_default_dtype

__all__ = ["default_collate", "default_convert", "numpy_collate"]

# PyTorch's words, kept so that code matching them on PyTorch matches them here
_FOUND = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
_HINT = " (pass a collate_fn that batches it)"


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _is_device_array(x: Any) -> bool:
    """An array that is not NumPy's nor a Tensor: one of a device namespace funcgrad knows (CuPy's), or another
    array-API array (``__array_namespace__``), which NumPy stacks on the host."""
    return (not isinstance(x, (np.ndarray, np.generic, Tensor)) and hasattr(x, "shape") and hasattr(x, "dtype")
            and (hasattr(x, "__array_namespace__") or namespace(x) is not np))


def _not_numeric(dtype: Any) -> bool:
    """Strings, bytes, objects and records: what PyTorch cannot make a tensor of."""
    return np.dtype(dtype).kind in "OSUV"


def _check_shapes(batch: Sequence[Any]) -> None:
    first = tuple(batch[0].shape)
    for i, x in enumerate(batch):
        if tuple(x.shape) != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 and "
                               f"{list(x.shape)} at entry {i} (default_collate: make the samples one shape, pad or "
                               f"crop them, or pass a collate_fn that batches them another way)")


def _number_dtype(batch: Sequence[Any]) -> np.dtype:
    """The dtype PyTorch gives a batch of numbers: ``torch.tensor(batch, dtype=torch.float64)`` when the first is a
    Python float, else what ``torch.tensor`` / ``torch.as_tensor`` infer (NumPy scalars keep their dtype, Python
    ints are int64, Python floats the default dtype; mixed kinds promote as PyTorch promotes: int with float gives
    the float, not NumPy's float64)."""
    elem = batch[0]
    if isinstance(elem, float) and not isinstance(elem, np.generic):
        return np.dtype(np.float64)
    dtypes = set()
    for x in batch:
        if isinstance(x, np.generic):
            dtypes.add(x.dtype)
        elif isinstance(x, bool):
            dtypes.add(np.dtype(bool))
        elif isinstance(x, int):
            dtypes.add(np.dtype(np.int64))
        elif isinstance(x, float):
            dtypes.add(np.dtype(get_default_dtype()))
        elif isinstance(x, complex):
            dtypes.add(np.result_type(get_default_dtype(), np.complex64))
        else:
            raise TypeError(f"default_collate: a batch of numbers holds {type(x).__name__} {x!r:.40}; batch one "
                            f"kind of value per field, or pass a collate_fn")
    if len(dtypes) == 1:
        return dtypes.pop()
    inexact = [d for d in dtypes if d.kind in "fc"]  # a float or complex dtype wins over integers, whatever their
    if inexact:                                       # width (NumPy would widen int64 with float32 to float64)
        return np.result_type(*inexact)
    return np.result_type(*(d for d in dtypes if d.kind in "iu"))  # bools alone are one dtype: returned above


def _container(elem: Any, batch: Sequence[Any], leaf: Callable[[Sequence[Any]], Any]) -> Any:
    """Dicts, namedtuples and sequences collated field by field, rebuilt as PyTorch rebuilds them."""
    recurse = lambda b: _collate(b, leaf)  # noqa: E731
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):  # a copy keeps a subclass's extra attributes
                clone = copy.copy(elem)
                clone.update({key: recurse([d[key] for d in batch]) for key in elem})
                return clone
            return type(elem)({key: recurse([d[key] for d in batch]) for key in elem})
        except TypeError:  # a mapping type that cannot be copied, updated or built from a dict
            return {key: recurse([d[key] for d in batch]) for key in elem}
    if _is_namedtuple(elem):
        return type(elem)(*(recurse(field) for field in zip(*batch)))
    size = len(elem)
    if any(len(x) != size for x in batch):
        raise RuntimeError(f"each element in list of batch should be of equal size (default_collate: entry 0 has "
                           f"{size} items, but lengths {[len(x) for x in batch]} were given)")
    columns = [recurse(col) for col in zip(*batch)]
    if isinstance(elem, tuple):
        return columns  # a tuple sample gives a list of columns, as in PyTorch
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, col in enumerate(columns):
                clone[i] = col
            return clone
        return type(elem)(columns)
    except TypeError:  # a sequence type that cannot be copied or built from a list (range)
        return columns


def _collate(batch: Sequence[Any], leaf: Callable[[Sequence[Any]], Any]) -> Any:
    """``batch`` collated as PyTorch's ``default_collate`` walks it; ``leaf`` makes the batch of a field of
    Tensors, arrays or numbers."""
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray, np.bool_, np.number)) or _is_device_array(elem):
        return leaf(batch)
    if isinstance(elem, (str, bytes)):  # NumPy's string scalars too; the batch itself, as PyTorch gives it (a
        return batch                    # field of a tuple or list sample: a tuple)
    if isinstance(elem, (int, float)):  # bool is an int
        return leaf(batch)
    if isinstance(elem, (collections.abc.Mapping, collections.abc.Sequence)):
        return _container(elem, batch, leaf)
    raise TypeError(_FOUND.format(type(elem)) + _HINT)


def _arrays(batch: Sequence[Any]) -> Any:
    """A field of arrays stacked into one array of their namespace, on their device; a field of numbers as the
    NumPy array of the dtype PyTorch gives them."""
    elem = batch[0]
    if isinstance(elem, np.ndarray) or _is_device_array(elem):
        if _not_numeric(elem.dtype):
            raise TypeError(_FOUND.format(elem.dtype) + _HINT)
        _check_shapes(batch)
        with device_scope(elem):
            return namespace(elem).stack(list(batch))
    return np.asarray(batch, dtype=_number_dtype(batch))


def _tensor_leaf(batch: Sequence[Any]) -> Tensor:
    """A field as one Tensor (Tensors stacked with their graph, as ``torch.stack`` records it)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        _check_shapes(batch)
        with device_scope(_strip_graph(elem._v)):
            return stack(list(batch), 0)
    return Tensor._from_value(_arrays(batch))


def _numpy_leaf(batch: Sequence[Any]) -> Any:
    """A field as one array (Tensors by their values, off any graph)."""
    if isinstance(batch[0], Tensor):
        values = [_strip_graph(t._v) for t in batch]
        _check_shapes(values)
        with device_scope(values[0]):
            return namespace(values[0]).stack(values)
    return _arrays(batch)


def _check_batch(batch: Any, who: str) -> None:
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)):
        raise TypeError(f"{who}: expected a list of samples, got {type(batch).__name__} {batch!r:.60}")
    if not batch:
        raise IndexError(f"{who}: expected a non-empty list of samples, got an empty {type(batch).__name__}")


def default_collate(batch: Sequence[Any]) -> Any:
    """A list of samples as one batch (``torch.utils.data.default_collate``): Tensors, NumPy arrays and CuPy
    arrays are stacked along a new first axis into a Tensor; numbers become a 1-d Tensor (Python floats float64,
    ints int64, bools bool, NumPy scalars their dtype); strings are left as the batch of them (a list; a tuple for
    a field of a tuple sample, as in PyTorch); dicts, namedtuples, tuples and lists are collated field by field
    (a tuple sample gives a list of fields, as in PyTorch). Raises PyTorch's errors:
    RuntimeError for samples of different shapes or lengths, TypeError for anything else (None, objects, arrays
    of strings).

    >>> import funcgrad as fg, numpy as np
    >>> from funcgrad.utils.data import default_collate
    >>> default_collate([{"x": fg.tensor([1.0]), "y": 2}, {"x": fg.tensor([3.0]), "y": 4}])
    {'x': tensor([[1.],
            [3.]]), 'y': tensor([2, 4])}
    >>> default_collate([np.float32(0.5), np.float32(1.5)]).dtype, default_collate([0.5, 1.5]).dtype
    (torch.float32, torch.float64)
    """
    _check_batch(batch, "default_collate")
    return _collate(batch, _tensor_leaf)


def numpy_collate(batch: Sequence[Any]) -> Any:
    """A list of samples as one batch of NumPy arrays: :func:`default_collate`'s walk and dtypes, with every
    Tensor, array or number field stacked into a NumPy array (a Tensor's values, detached from its graph), and
    CuPy arrays (or GPU Tensors) into an array on their device. It is the ``collate_fn`` for the functional face:
    ``DataLoader(ds, batch_size=32, collate_fn=numpy_collate)`` gives batches for ``funcgrad.grad``, with or
    without worker processes.

    >>> import numpy as np
    >>> from funcgrad.utils.data import DataLoader, TensorDataset, numpy_collate
    >>> loader = DataLoader(TensorDataset(np.ones((5, 2)), np.arange(5)), batch_size=2, collate_fn=numpy_collate)
    >>> [(type(x).__name__, y) for x, y in loader]
    [('ndarray', array([0, 1])), ('ndarray', array([2, 3])), ('ndarray', array([4]))]
    """
    _check_batch(batch, "numpy_collate")
    return _collate(batch, _numpy_leaf)


def default_convert(data: Any) -> Any:
    """One sample as a DataLoader gives it with ``batch_size=None`` (``torch.utils.data.default_convert``): NumPy
    arrays and NumPy scalars become Tensors sharing their memory (CuPy arrays: Tensors on their device), except
    arrays of strings or objects, which are left as they are; dicts, namedtuples and lists are rebuilt around their
    converted items, and tuples become lists, as in PyTorch; Tensors, Python numbers and strings are left as they
    are.

    >>> import numpy as np
    >>> from funcgrad.utils.data import default_convert
    >>> default_convert({"x": np.ones(2), "y": (1, 2), "s": np.array(["a"])})
    {'x': tensor([1., 1.], dtype=torch.float64), 'y': [1, 2], 's': array(['a'], dtype='<U1')}
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        if _not_numeric(data.dtype):
            return data
        return from_numpy(np.asarray(data))
    if _is_device_array(data):
        if _not_numeric(data.dtype):
            return data
        return Tensor._from_value(data) if namespace(data) is not np else from_numpy(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return type(data)({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if _is_namedtuple(data):
        return type(data)(*(default_convert(x) for x in data))
    if isinstance(data, tuple):
        return [default_convert(x) for x in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, x in enumerate(data):
                    clone[i] = default_convert(x)
                return clone
            return type(data)([default_convert(x) for x in data])
        except TypeError:
            return [default_convert(x) for x in data]
    return data
