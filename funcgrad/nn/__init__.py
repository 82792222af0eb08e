"""``torch.nn``'s place. For now its functional half: :mod:`funcgrad.nn.functional` (modules, ``init`` and the
layers arrive with the nn/optim issue, in ``nn/modules/`` and ``nn/init.py``, as ARCHITECTURE.md plans).

>>> import funcgrad as fg
>>> import funcgrad.nn.functional as F
>>> F.relu(fg.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""
from . import functional  # noqa: F401

__all__ = ["functional"]
