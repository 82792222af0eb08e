"""The DataLoader (``torch.utils.data.DataLoader``): batches from a dataset, in the main process or from worker
processes that hand their batches over through shared memory (see ``_shm.py`` and ``_multiprocess.py``).

>>> import numpy as np
>>> from funcgrad.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> [(x.shape, y.tolist()) for x, y in DataLoader(ds, batch_size=2)]
[(torch.Size([2, 2]), [0, 1]), (torch.Size([2, 2]), [2, 3]), (torch.Size([1, 2]), [4])]
"""
from __future__ import annotations

import collections.abc
import multiprocessing
from typing import Any, Callable, Generic, Iterable, Iterator, TypeVar

import numpy as np

from ...backend import gpu_available, gpu_backend
from ...tensors.creation import from_numpy
from ...tensors.tensor import Tensor
from . import _worker
from ._multiprocess import MultiProcessIter
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _draw_seed, _InfiniteConstantSampler

__all__ = ["DataLoader"]

T_co = TypeVar("T_co", covariant=True)


def _pin_array(a: np.ndarray, alloc: Callable) -> np.ndarray:
    if a.nbytes == 0 or a.dtype.hasobject:
        return a
    out = np.frombuffer(alloc(a.nbytes), dtype=a.dtype, count=a.size).reshape(a.shape)
    np.copyto(out, a)
    return out


def _pin_tree(x: Any, alloc: Callable) -> Any:
    if type(x) is np.ndarray:
        return _pin_array(x, alloc)
    if type(x) is Tensor and x.device.type == "cpu" and not x.requires_grad:
        return from_numpy(_pin_array(x.numpy(), alloc))
    if isinstance(x, collections.abc.Mapping):
        out = {k: _pin_tree(v, alloc) for k, v in x.items()}
        try:
            return out if type(x) is dict else type(x)(out)
        except TypeError:
            return out
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return type(x)(*(_pin_tree(v, alloc) for v in x))
    if isinstance(x, (tuple, list)):
        return type(x)(_pin_tree(v, alloc) for v in x)
    return x


def _pinner(pin_memory: bool) -> Callable[[Any], Any]:
    """What ``pin_memory=True`` does to a batch: copies its host arrays into page-locked memory where a CUDA GPU
    and CuPy are present (faster, asynchronous copies to the GPU), nothing elsewhere."""
    if pin_memory and gpu_available():
        alloc = getattr(getattr(gpu_backend().xp, "cuda", None), "alloc_pinned_memory", None)
        if alloc is not None:
            return lambda batch: _pin_tree(batch, alloc)
    return lambda batch: batch


def _context(ctx: Any) -> Any:
    if ctx is None:
        return multiprocessing.get_context()
    if isinstance(ctx, str):
        methods = multiprocessing.get_all_start_methods()
        if ctx not in methods:
            raise ValueError(f"DataLoader: multiprocessing_context={ctx!r} is not a start method here; use one of "
                             f"{methods}")
        return multiprocessing.get_context(ctx)
    if not hasattr(ctx, "Process") or not hasattr(ctx, "Queue"):
        raise TypeError(f"DataLoader: multiprocessing_context should be a start method name or a multiprocessing "
                        f"context, got {type(ctx).__name__}")
    return ctx


class DataLoader(Generic[T_co]):
    """Batches of a dataset (``torch.utils.data.DataLoader``, with its arguments and their meanings).

    ``batch_size`` samples are collated per batch (``batch_size=None``: single samples, through
    :func:`default_convert`); ``shuffle`` draws the order with ``generator`` (a ``funcgrad.Generator`` or
    ``numpy.random.Generator``; None: funcgrad's default generator), the same order for a seed whatever
    ``num_workers`` is; ``sampler`` / ``batch_sampler`` choose keys instead; ``drop_last`` drops a short last batch.

    With ``num_workers > 0`` worker processes (``multiprocessing_context``: ``"fork"``, ``"spawn"``,
    ``"forkserver"`` or a context) load ``prefetch_factor`` batches each ahead and hand them over through shared
    memory; batches come back in sampler order (``in_order=False``: as they are ready). Each worker seeds
    funcgrad's, NumPy's and Python's generators from a base seed (one draw from ``generator``) plus its id, so
    random augmentation differs between workers and repeats between runs; then it calls ``worker_init_fn(id)``.
    ``persistent_workers`` keeps the workers from one epoch to the next. ``timeout`` (seconds) bounds the wait for
    a batch. A worker's exception is raised again in the main process with the worker's traceback, id and failing
    index; a worker that dies raises at once. ``pin_memory`` copies batches into page-locked memory where a GPU is
    present (a no-op on the CPU).

    >>> import funcgrad as fg
    >>> from funcgrad.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(fg.arange(8.0).reshape(4, 2), fg.tensor([0, 1, 0, 1]))
    >>> loader = DataLoader(ds, batch_size=3, shuffle=True, generator=fg.Generator().manual_seed(0))
    >>> len(loader), [y.shape for x, y in loader]
    (2, [torch.Size([3]), torch.Size([1])])
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None, sampler: Any = None,
                 batch_sampler: Any = None, num_workers: int = 0, collate_fn: Callable | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None, multiprocessing_context: Any = None,
                 generator: Any = None, *, prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative; use num_workers=0 to disable "
                             f"multiprocessing (got {num_workers!r})")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in multiprocessing; let "
                             "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None")
        if prefetch_factor is not None and (not isinstance(prefetch_factor, int) or prefetch_factor < 1):
            raise ValueError(f"DataLoader: prefetch_factor should be a positive integer, got {prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}; shuffle inside the dataset's __iter__ instead")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler and batch_sampler "
                                 "options; the dataset's __iter__ decides the order")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = (2 if prefetch_factor is None else prefetch_factor) if num_workers else None
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else default_convert)
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = _context(multiprocessing_context) if num_workers else multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._pin = _pinner(pin_memory)
        self._iterator: MultiProcessIter | None = None

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Iterable[Any]:
        return self.batch_sampler if self._auto_collation else self.sampler

    @property
    def _length_or_none(self) -> int | None:
        try:
            return len(self)
        except TypeError:
            return None

    def __iter__(self) -> Iterator[Any]:
        base_seed = _draw_seed(self.generator)  # drawn with or without workers: a seed gives one order either way
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return MultiProcessIter(self, base_seed)
        if self._iterator is None or self._iterator.closed:
            self._iterator = MultiProcessIter(self, base_seed)
        else:
            self._iterator.reset(self)
        return self._iterator

    def __len__(self) -> int:
        """The number of batches, as PyTorch counts them (for an iterable dataset: from ``len(dataset)``, which
        a dataset split across workers may not match)."""
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)


class _SingleProcessIter:
    """Batches loaded in the main process (``num_workers=0``)."""

    def __init__(self, loader: DataLoader) -> None:
        make = _worker.IterFetcher if loader._iterable else _worker.MapFetcher
        self._sampler_iter = iter(loader._index_sampler)
        self._fetcher = make(loader.dataset, loader._auto_collation, loader.collate_fn, loader.drop_last)
        self._pin = loader._pin
        self._length = loader._length_or_none

    def __iter__(self) -> "_SingleProcessIter":
        return self

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("this DataLoader's dataset has no len()")
        return self._length

    def __next__(self) -> Any:
        return self._pin(self._fetcher.fetch(next(self._sampler_iter)))
