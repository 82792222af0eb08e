"""``torch.utils``: for now :mod:`funcgrad.utils.data` (datasets, samplers and the DataLoader).

>>> import funcgrad
>>> funcgrad.utils.data.DataLoader is funcgrad.utils.data.dataloader.DataLoader
True
"""
from . import data  # noqa: F401

__all__ = ["data"]
