"""``torch.nn.parallel``: :class:`DataParallel` and :func:`data_parallel`, on one device (funcgrad runs a model on
one device; see :mod:`.data_parallel`) and :class:`DistributedDataParallel` (one process per device or CPU share,
over :mod:`funcgrad.distributed`).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> nn.parallel.data_parallel(nn.Identity(), fg.ones(2))
tensor([1., 1.])
"""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "data_parallel", "DistributedDataParallel"]
