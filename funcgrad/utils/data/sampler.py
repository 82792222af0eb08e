"""Samplers as ``torch.utils.data`` has them: the order in which a DataLoader visits a map-style dataset's keys,
and :class:`BatchSampler`, which groups that order into batches.

Random samplers draw with a ``generator``: a ``funcgrad.Generator`` (``funcgrad.Generator().manual_seed(0)``), a
``numpy.random.Generator``, or None for funcgrad's default generator (``funcgrad.manual_seed`` fixes it). A seed
gives the same order on every machine and for any number of DataLoader workers, though not PyTorch's order.

>>> import funcgrad as fg
>>> from funcgrad.utils.data import BatchSampler, RandomSampler, SequentialSampler
>>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
[[0, 1], [2, 3], [4]]
>>> sorted(RandomSampler(range(5), generator=fg.Generator().manual_seed(0)))
[0, 1, 2, 3, 4]
"""
from __future__ import annotations

import itertools
from typing import Any, Generic, Iterable, Iterator, Sequence, TypeVar

import numpy as np

from ...tensors.creation import Generator, randint

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]

T_co = TypeVar("T_co", covariant=True)


def _draw_seed(generator: Any) -> int:
    """One draw from ``generator`` (funcgrad's default generator for None): a seed in ``[0, 2**63 - 1)``."""
    if isinstance(generator, np.random.Generator):
        return int(generator.integers(0, 2 ** 63 - 1))
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"expected generator to be a funcgrad.Generator or a numpy.random.Generator, got "
                        f"{type(generator).__name__}; make one with funcgrad.Generator().manual_seed(seed)")
    device = "cpu" if generator is None else generator.device
    return int(randint(0, 2 ** 63 - 1, (), generator=generator, device=device).item())


def _numpy_rng(generator: Any) -> np.random.Generator:
    """The NumPy generator to draw one pass with. A funcgrad Generator (or the default one, for None) gives one
    draw: the seed of a fresh NumPy generator, so the pass is fixed by the generator's state and advances it once."""
    if isinstance(generator, np.random.Generator):
        return generator
    return np.random.default_rng(_draw_seed(generator))


def _positive_int(value: Any, name: str, where: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{where}: {name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


def _bool(value: Any, name: str, where: str, error: type = ValueError) -> bool:
    if not isinstance(value, bool):
        raise error(f"{where}: {name} should be a boolean value, but got {name}={value!r}")
    return value


class Sampler(Generic[T_co]):
    """The base of samplers (``torch.utils.data.Sampler``): subclasses define ``__iter__`` over dataset keys and,
    where they can, ``__len__``.

    >>> from funcgrad.utils.data import Sampler
    >>> class Evens(Sampler[int]):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(0, self.n, 2))
    ...     def __len__(self): return (self.n + 1) // 2
    >>> list(Evens(5)), len(Evens(5))
    ([0, 2, 4], 3)
    """

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Sampler must implement __iter__")


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1`` (``torch.utils.data.SequentialSampler``).

    >>> from funcgrad.utils.data import SequentialSampler
    >>> list(SequentialSampler("abc"))
    [0, 1, 2]
    """

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Keys in random order (``torch.utils.data.RandomSampler``): a permutation of the dataset (repeated when
    ``num_samples`` exceeds its length), or ``num_samples`` keys drawn with ``replacement``.

    >>> import funcgrad as fg
    >>> from funcgrad.utils.data import RandomSampler
    >>> s = RandomSampler(range(3), replacement=True, num_samples=5, generator=fg.Generator().manual_seed(0))
    >>> len(s), all(0 <= i < 3 for i in s)
    (5, True)
    """

    def __init__(self, data_source: Any, replacement: bool = False, num_samples: int | None = None,
                 generator: Any = None) -> None:
        self.data_source = data_source
        self.replacement = _bool(replacement, "replacement", "RandomSampler", TypeError)
        self._num_samples = num_samples
        self.generator = generator
        _positive_int(self.num_samples, "num_samples", "RandomSampler")

    @property
    def num_samples(self) -> int:
        # read each time: a dataset may grow between epochs
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, count = len(self.data_source), self.num_samples
        rng = _numpy_rng(self.generator)
        if self.replacement:
            yield from rng.integers(0, n, size=count).tolist()
            return
        for _ in range(count // n):
            yield from rng.permutation(n).tolist()
        yield from rng.permutation(n)[: count % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given keys in random order, without replacement (``torch.utils.data.SubsetRandomSampler``).

    >>> import funcgrad as fg
    >>> from funcgrad.utils.data import SubsetRandomSampler
    >>> sorted(SubsetRandomSampler([7, 3, 9], generator=fg.Generator().manual_seed(0)))
    [3, 7, 9]
    """

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in _numpy_rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` keys from ``0 .. len(weights)-1`` drawn with probabilities proportional to ``weights``
    (``torch.utils.data.WeightedRandomSampler``), with replacement unless ``replacement=False``.

    >>> import funcgrad as fg
    >>> from funcgrad.utils.data import WeightedRandomSampler
    >>> set(WeightedRandomSampler([0.0, 1.0, 0.0], 4, generator=fg.Generator().manual_seed(0)))
    {1}
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        self.num_samples = _positive_int(num_samples, "num_samples", "WeightedRandomSampler")
        self.replacement = _bool(replacement, "replacement", "WeightedRandomSampler")
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1-d sequence, but given weights have shape "
                             f"{w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement from "
                             f"{np.count_nonzero(w)} non-zero weights; lower num_samples or pass replacement=True")
        self.weights = w
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        rng = _numpy_rng(self.generator)
        p = self.weights / self.weights.sum()
        yield from rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Groups another sampler's keys into lists of ``batch_size`` (``torch.utils.data.BatchSampler``); the short
    last batch is kept unless ``drop_last``.

    >>> from funcgrad.utils.data import BatchSampler
    >>> list(BatchSampler(range(7), 3, drop_last=True)), len(BatchSampler(range(7), 3, drop_last=False))
    ([[0, 1, 2], [3, 4, 5]], 3)
    """

    def __init__(self, sampler: Iterable[Any], batch_size: int, drop_last: bool) -> None:
        self.sampler = sampler
        self.batch_size = _positive_int(batch_size, "batch_size", "BatchSampler")
        self.drop_last = _bool(drop_last, "drop_last", "BatchSampler")

    def __iter__(self) -> Iterator[list]:
        it = iter(self.sampler)
        while True:
            batch = list(itertools.islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class _InfiniteConstantSampler(Sampler[None]):
    """What a DataLoader over an iterable dataset "samples": None, forever (the worker's stream decides the end)."""

    def __iter__(self) -> Iterator[None]:
        return itertools.repeat(None)
