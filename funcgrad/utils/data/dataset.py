"""Datasets as ``torch.utils.data`` has them: map-style (``dataset[i]`` and ``len``) and iterable-style
(``iter(dataset)``), and the ways of combining them (stacking, concatenating, chaining, subsets, random splits).

A dataset may return anything :func:`~funcgrad.utils.data.default_collate` can batch: NumPy arrays for the functional
face, Tensors for the PyTorch face, numbers, strings, and dicts / tuples / namedtuples of those.

>>> import numpy as np
>>> from funcgrad.utils.data import TensorDataset, random_split
>>> ds = TensorDataset(np.arange(10.0), np.arange(10) % 2)
>>> len(ds), ds[3]
(10, (np.float64(3.0), np.int64(1)))
>>> [len(s) for s in random_split(ds, [0.7, 0.3])]
[7, 3]
"""
from __future__ import annotations

import bisect
import itertools
import math
import operator
import warnings
from typing import Any, Generic, Iterable, Iterator, Sequence, TypeVar

from .sampler import _numpy_rng

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset",
           "Subset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map from keys (usually ``0 .. len-1``) to samples (``torch.utils.data.Dataset``): subclasses define
    ``__getitem__`` and usually ``__len__``; an optional ``__getitems__(indices)`` fetches a whole batch at once.
    ``a + b`` concatenates.

    >>> from funcgrad.utils.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self): return 4
    ...     def __getitem__(self, i): return i * i
    >>> ds = Squares() + Squares()
    >>> len(ds), ds[5]
    (8, 1)
    """

    def __getitem__(self, index: Any) -> T_co:
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Dataset must implement __getitem__")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A stream of samples (``torch.utils.data.IterableDataset``): subclasses define ``__iter__``. With
    ``num_workers > 0`` every worker iterates its own copy, so a dataset that should not repeat its samples splits
    the stream with :func:`~funcgrad.utils.data.get_worker_info` (its ``id`` and ``num_workers``). ``a + b``
    chains.

    >>> from funcgrad.utils.data import IterableDataset, get_worker_info
    >>> class Range(IterableDataset):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self):
    ...         info = get_worker_info()   # None in the main process
    ...         start, step = (0, 1) if info is None else (info.id, info.num_workers)
    ...         return iter(range(start, self.n, step))
    >>> list(Range(3) + Range(2))
    [0, 1, 2, 0, 1]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__}: subclasses of IterableDataset must implement __iter__")

    def __add__(self, other: Dataset) -> "ChainDataset":
        return ChainDataset([self, other])


def _length(x: Any, what: str) -> int:
    """The first-axis length of an array or Tensor (``len`` of anything else)."""
    shape = getattr(x, "shape", None)
    if shape is not None:
        if len(shape) == 0:
            raise ValueError(f"{what}: a 0-d array has no first axis to index samples along; give arrays of "
                             f"shape (N, ...)")
        return int(shape[0])
    return len(x)


class TensorDataset(Dataset):
    """Samples that are rows of arrays or Tensors of equal first axis (``torch.utils.data.TensorDataset``):
    ``ds[i]`` is ``tuple(t[i] for t in tensors)``.

    >>> import funcgrad as fg
    >>> from funcgrad.utils.data import TensorDataset
    >>> ds = TensorDataset(fg.arange(6).reshape(3, 2), fg.tensor([0, 1, 0]))
    >>> ds[1]
    (tensor([2, 3]), tensor(1))
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one array or Tensor")
        sizes = [_length(t, "TensorDataset") for t in tensors]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"TensorDataset: the arrays' first axes differ in size ({sizes}); every array needs one "
                             f"row per sample")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return _length(self.tensors[0], "TensorDataset")


class StackDataset(Dataset):
    """Datasets of equal length side by side (``torch.utils.data.StackDataset``): positional datasets give tuple
    samples, keyword datasets dict samples.

    >>> from funcgrad.utils.data import StackDataset
    >>> StackDataset(x=[1, 2], y=["a", "b"])[1]
    {'x': 2, 'y': 'b'}
    >>> StackDataset([1, 2], [3, 4])[0]
    (1, 3)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: give datasets either positionally (tuple samples) or as keywords (dict "
                             "samples), not both")
        if not args and not kwargs:
            raise ValueError("StackDataset: give at least one dataset")
        self.datasets: Any = args if args else kwargs
        lengths = [len(d) for d in (args or kwargs.values())]
        if any(n != lengths[0] for n in lengths):
            raise ValueError(f"StackDataset: the datasets' lengths differ ({lengths}); they must be equal")
        self._length = lengths[0]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list) -> list:
        parts = self.datasets.values() if isinstance(self.datasets, dict) else self.datasets
        columns = []
        for d in parts:  # a dataset that fetches whole batches at once is asked once
            col = d.__getitems__(indices) if hasattr(d, "__getitems__") else [d[i] for i in indices]
            if len(col) != len(indices):
                raise ValueError(f"StackDataset: a dataset's __getitems__ returned {len(col)} samples for "
                                 f"{len(indices)} indices")
            columns.append(col)
        if isinstance(self.datasets, dict):
            keys = list(self.datasets)
            return [dict(zip(keys, row)) for row in zip(*columns)]
        return [tuple(row) for row in zip(*columns)]

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """Map-style datasets one after another (``torch.utils.data.ConcatDataset``); negative indices count from the
    end. ``cumulative_sizes`` holds the running lengths.

    >>> from funcgrad.utils.data import ConcatDataset
    >>> ds = ConcatDataset([[1, 2], [3, 4, 5]])
    >>> len(ds), ds[2], ds[-1], ds.cumulative_sizes
    (5, 3, 5, [2, 5])
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; chain streams with ChainDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        i = operator.index(index)
        if i < 0:
            if -i > n:
                raise IndexError(f"ConcatDataset: index {index} is out of range for length {n}")
            i += n
        if i >= n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, i)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][i - start]


class ChainDataset(IterableDataset):
    """Iterable datasets one after another (``torch.utils.data.ChainDataset``), chained lazily.

    >>> from funcgrad.utils.data import ChainDataset
    >>> list(ChainDataset([range(2), range(3)]))
    [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (``torch.utils.data.Subset``); a list of keys
    is passed on to the dataset as one list, as PyTorch does.

    >>> import numpy as np
    >>> from funcgrad.utils.data import Subset
    >>> s = Subset(np.arange(10, 16), [4, 0, 2])
    >>> len(s), int(s[0]), s[[1, 2]]
    (3, 14, array([10, 12]))
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list) -> list:
        inner = [self.indices[i] for i in indices]
        if hasattr(self.dataset, "__getitems__"):
            return self.dataset.__getitems__(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(lengths: Sequence[float], n: int) -> list[int]:
    """Fractions summing to 1 become sizes (floor each, the remainder handed out one by one from the first)."""
    total = sum(lengths)
    if not (math.isclose(total, 1) and total <= 1):
        return [operator.index(x) for x in lengths]
    sizes = []
    for i, frac in enumerate(lengths):
        if not 0 <= frac <= 1:
            raise ValueError(f"random_split: fraction at index {i} is {frac}, not between 0 and 1")
        sizes.append(math.floor(n * frac))
    for i in range(n - sum(sizes)):
        sizes[i % len(sizes)] += 1
    for i, size in enumerate(sizes):
        if size == 0:
            warnings.warn(f"random_split: the split at index {i} is empty", stacklevel=3)
    return sizes


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None) -> list[Subset]:
    """Non-overlapping random :class:`Subset` s of the given sizes, or of the given fractions of ``len(dataset)``
    (``torch.utils.data.random_split``). ``generator`` (a ``funcgrad.Generator`` or a ``numpy.random.Generator``)
    fixes the split; without one, funcgrad's default generator draws it (``funcgrad.manual_seed`` fixes that).

    >>> import funcgrad as fg
    >>> from funcgrad.utils.data import random_split
    >>> a, b = random_split(range(10), [3, 7], generator=fg.Generator().manual_seed(0))
    >>> len(a), len(b), sorted(list(a) + list(b)) == list(range(10))
    (3, 7, True)
    """
    n = len(dataset)
    sizes = _split_lengths(lengths, n)
    if any(s < 0 for s in sizes):
        raise ValueError(f"random_split: lengths must be non-negative, got {list(lengths)}")
    if sum(sizes) != n:
        raise ValueError(f"random_split: the lengths {sizes} sum to {sum(sizes)}, not to the dataset's length {n}; "
                         f"give sizes that add up to {n} or fractions that add up to 1")
    order = _numpy_rng(generator).permutation(n).tolist()
    return [Subset(dataset, order[end - size:end]) for end, size in zip(itertools.accumulate(sizes), sizes)]
