"""``torch.utils.data.DistributedSampler``: each process of a data-parallel job visits its own shard of the
dataset's keys, every shard of the same length.

The order (a permutation drawn from ``seed + epoch`` when shuffling, the same on every rank, so that the shards
are disjoint) is padded with its first keys to a multiple of the number of replicas, or, with ``drop_last``,
cut to one; rank ``r`` takes every ``num_replicas``-th key from position ``r``, as torch does. The permutation is
NumPy's (``default_rng(seed + epoch)``), not torch's: the shards follow torch's rules over funcgrad's order.

>>> from funcgrad.utils.data import DistributedSampler
>>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
[1, 3, 0]
"""
from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _permutation(n: int, seed: int) -> list:
    return np.random.default_rng(seed).permutation(n).tolist()


class DistributedSampler(Sampler[int]):
    """The keys of ``dataset`` for replica ``rank`` of ``num_replicas`` (both from the default process group
    when None). Call :meth:`set_epoch` at the start of every epoch so each one shuffles differently.

    >>> s = DistributedSampler(range(10), num_replicas=4, rank=0, seed=1)
    >>> len(s), len(DistributedSampler(range(10), num_replicas=4, rank=0, drop_last=True))
    (3, 2)
    """

    def __init__(self, dataset: Any, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            if not dist.is_initialized():
                raise RuntimeError("DistributedSampler: num_replicas and rank default to the process group's, but "
                                   "none is initialized; call funcgrad.distributed.init_process_group() first, or "
                                   "pass num_replicas= and rank=")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be at least 1, got {num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)  # drop the tail rather than pad
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        indices = _permutation(n, self.seed + self.epoch) if self.shuffle else list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            elif indices:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Shuffle the next pass with ``seed + epoch`` (the same on every rank)."""
        self.epoch = epoch
