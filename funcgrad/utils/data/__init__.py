"""``torch.utils.data`` for both faces: datasets, samplers, collation and the DataLoader, whose worker processes
hand their batches to the main process through shared memory.

Datasets may return NumPy arrays (batches of NumPy arrays, for ``grad`` and the functional face) or Tensors
(batches of Tensors, for the PyTorch face), with numbers, strings and dicts / tuples / namedtuples around them.

>>> import numpy as np
>>> from funcgrad.utils.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(np.ones((6, 3)), np.arange(6)), batch_size=4)
>>> [x.shape for x, _ in loader]
[(4, 3), (2, 3)]
"""
from ._worker import WorkerInfo, get_worker_info
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .distributed import DistributedSampler  # noqa: F401  (one shard per process of a data-parallel job)
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset,
                      random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset", "Subset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "default_collate", "default_convert", "DataLoader",
           "get_worker_info", "WorkerInfo", "DistributedSampler"]
