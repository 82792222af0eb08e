"""Turning a list of samples into a batch: :func:`default_collate` (what a DataLoader does with ``batch_size``) and
:func:`default_convert` (what it does with ``batch_size=None``), as in ``torch.utils.data``.

Both faces are served: arrays keep their kind, so NumPy samples give NumPy batches (the functional face) and Tensor
samples give Tensor batches (the PyTorch face); CuPy arrays are stacked on their device. Python and NumPy numbers
follow the sample they sit in: beside a Tensor they become a Tensor, beside NumPy values a NumPy array, and on
their own a Tensor, as PyTorch does (floats as float64, integers as int64). The one deliberate difference from
PyTorch: NumPy arrays are not turned into Tensors.

>>> import numpy as np
>>> from funcgrad.utils.data import default_collate
>>> b = default_collate([(np.zeros(2), 0), (np.ones(2), 1)])
>>> b[0].shape, b[1]
((2, 2), array([0, 1]))
"""
from __future__ import annotations

import collections.abc
from typing import Any, Sequence

import numpy as np

from ...backend import namespace
from ...tensors.shape import stack
from ...tensors.creation import from_numpy
from ...tensors.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _is_array(x: Any) -> bool:
    """A NumPy or other array-API array (CuPy's), not a Tensor."""
    return isinstance(x, np.ndarray) or (hasattr(x, "__array_namespace__") and hasattr(x, "shape")
                                         and not isinstance(x, Tensor))


def _face(sample: Any) -> str:
    """``"tensor"`` where the sample holds a Tensor, else ``"numpy"`` where it holds NumPy values, else (numbers
    only) ``"tensor"``, PyTorch's choice."""
    seen_numpy = False
    stack_ = [sample]
    while stack_:
        x = stack_.pop()
        if isinstance(x, Tensor):
            return "tensor"
        if isinstance(x, (np.ndarray, np.generic)) or _is_array(x):
            seen_numpy = seen_numpy or not isinstance(x, (np.str_, np.bytes_))
        elif isinstance(x, collections.abc.Mapping):
            stack_.extend(x.values())
        elif isinstance(x, (list, tuple)):
            stack_.extend(x)
    return "numpy" if seen_numpy else "tensor"


def _check_shapes(batch: Sequence[Any]) -> None:
    first = tuple(batch[0].shape)
    for i, x in enumerate(batch):
        if tuple(x.shape) != first:
            raise RuntimeError(f"default_collate: cannot stack samples of different shapes: {first} at entry 0 and "
                               f"{tuple(x.shape)} at entry {i}; make the samples one shape (pad or crop them) or "
                               f"pass a collate_fn that batches them another way")


def _numbers(batch: Sequence[Any], face: str) -> Any:
    elem = batch[0]
    if isinstance(elem, float):
        arr = np.asarray(batch, dtype=np.float64)
    elif isinstance(elem, complex):
        arr = np.asarray(batch, dtype=np.complex128)
    else:  # NumPy scalars keep their dtype; Python ints are int64 whatever the platform's default int
        arr = np.asarray(batch)
        if isinstance(elem, int) and arr.dtype.kind in "iu":
            arr = arr.astype(np.int64, copy=False)
    return from_numpy(arr) if face == "tensor" else arr


def _collate(batch: Sequence[Any], face: str) -> Any:
    elem = batch[0]
    if isinstance(elem, Tensor):
        _check_shapes(batch)
        return stack(list(batch), 0)
    if _is_array(elem):
        if getattr(elem, "dtype", None) is not None and np.dtype(elem.dtype).kind in "OSUV":
            raise TypeError(f"default_collate: cannot batch NumPy arrays of dtype {elem.dtype}; batch only numeric "
                            f"arrays, or pass a collate_fn for other data")
        _check_shapes(batch)
        return namespace(elem).stack(list(batch))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, (bool, int, float, complex, np.number, np.bool_)):
        return _numbers(batch, face)
    if isinstance(elem, collections.abc.Mapping):
        out = {key: _collate([d[key] for d in batch], face) for key in elem}
        if type(elem) is dict:
            return out
        try:
            return type(elem)(out)
        except TypeError:  # a mapping type that cannot be built from a dict
            return out
    if _is_namedtuple(elem):
        return type(elem)(*(_collate(list(field), face) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(x) != size for x in batch):
            raise RuntimeError(f"default_collate: each element in list of batch should be of equal size; entry 0 has "
                               f"{size} items, but lengths {[len(x) for x in batch]} were given")
        columns = [_collate(list(col), face) for col in zip(*batch)]
        if isinstance(elem, tuple) or type(elem) is list:
            return columns  # a tuple sample gives a list of columns, as in PyTorch
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(f"default_collate: batch must contain Tensors, NumPy arrays, numbers, strings, dicts or lists; "
                    f"found {type(elem).__name__}; pass a collate_fn that batches it")


def default_collate(batch: Sequence[Any]) -> Any:
    """A list of samples as one batch (``torch.utils.data.default_collate``): arrays and Tensors are stacked along a
    new first axis, numbers become a 1-d array or Tensor, strings a list; dicts, namedtuples, tuples and lists are
    collated field by field (a tuple or list sample gives a list of fields). See the module notes for which numbers
    become Tensors and which NumPy arrays.

    >>> import funcgrad as fg
    >>> from funcgrad.utils.data import default_collate
    >>> default_collate([{"x": fg.tensor([1.0]), "y": 2}, {"x": fg.tensor([3.0]), "y": 4}])
    {'x': tensor([[1.],
            [3.]]), 'y': tensor([2, 4])}
    """
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)) or not batch:
        raise TypeError(f"default_collate: expected a non-empty list of samples, got {type(batch).__name__} "
                        f"{batch!r:.60}")
    return _collate(batch, _face(batch[0]))


def default_convert(data: Any) -> Any:
    """One sample as a DataLoader gives it with ``batch_size=None`` (``torch.utils.data.default_convert``): dicts,
    namedtuples, tuples and lists are rebuilt around their items, and arrays, Tensors and numbers are left as they
    are (PyTorch turns NumPy arrays into Tensors; funcgrad keeps them, for the functional face).

    >>> import numpy as np
    >>> from funcgrad.utils.data import default_convert
    >>> default_convert({"x": np.ones(2), "y": (1, 2)})
    {'x': array([1., 1.]), 'y': (1, 2)}
    """
    if isinstance(data, (str, bytes, Tensor)) or _is_array(data):
        return data
    if isinstance(data, collections.abc.Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        if type(data) is dict:
            return out
        try:
            return type(data)(out)
        except TypeError:
            return out
    if _is_namedtuple(data):
        return type(data)(*(default_convert(x) for x in data))
    if isinstance(data, tuple):
        return tuple(default_convert(x) for x in data)
    if isinstance(data, list):
        return [default_convert(x) for x in data]
    return data
