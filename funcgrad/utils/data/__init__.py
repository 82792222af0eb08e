"""``torch.utils.data`` for both faces: datasets, samplers, collation and the DataLoader, whose worker processes
hand their batches to the main process through shared memory.

Datasets may return NumPy arrays or Tensors, with numbers, strings and dicts / tuples / namedtuples around them. The
DataLoader batches them as PyTorch's does, into Tensors (the PyTorch face); ``collate_fn=numpy_collate`` batches
them into NumPy arrays instead, for ``grad`` and the functional face.

>>> import numpy as np
>>> from funcgrad.utils.data import DataLoader, TensorDataset, numpy_collate
>>> ds = TensorDataset(np.ones((6, 3)), np.arange(6))
>>> [x.shape for x, _ in DataLoader(ds, batch_size=4)]
[torch.Size([4, 3]), torch.Size([2, 3])]
>>> [type(x).__name__ for x, _ in DataLoader(ds, batch_size=4, collate_fn=numpy_collate)]
['ndarray', 'ndarray']
"""
from ._worker import WorkerInfo, get_worker_info
from .collate import default_collate, default_convert, numpy_collate
from .dataloader import DataLoader
from .distributed import DistributedSampler  # noqa: F401  (one shard per process of a data-parallel job)
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset,
                      random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset", "Subset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "default_collate", "default_convert", "numpy_collate",
           "DataLoader", "get_worker_info", "WorkerInfo", "DistributedSampler"]
