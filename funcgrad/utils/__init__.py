"""``torch.utils``: :mod:`funcgrad.utils.data` (datasets, samplers and the DataLoader) and
:mod:`funcgrad.utils.checkpoint` (activation checkpointing).

>>> import funcgrad
>>> funcgrad.utils.data.DataLoader is funcgrad.utils.data.dataloader.DataLoader
True
"""
from . import data  # noqa: F401
from . import checkpoint  # noqa: F401  (torch.utils.checkpoint: checkpoint, checkpoint_sequential)

__all__ = ["data", "checkpoint"]
