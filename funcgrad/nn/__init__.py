"""``torch.nn``: :class:`Module` and its containers, :class:`Parameter` and :class:`Buffer`, the layers
(``nn/modules/``), the functional half, :mod:`funcgrad.nn.functional`, the initialisers, :mod:`funcgrad.nn.init`,
gradient clipping and the other helpers of :mod:`funcgrad.nn.utils`, and :class:`DataParallel` (one device).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> import funcgrad.nn.functional as F
>>> F.relu(fg.tensor([-1.0, 2.0]))
tensor([0., 2.])
>>> nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
Sequential(
  (0): Flatten(start_dim=1, end_dim=-1)
  (1): Linear(in_features=4, out_features=2, bias=True)
)
"""
from . import functional  # noqa: F401
from . import init  # noqa: F401
from . import parameter  # noqa: F401
from . import modules  # noqa: F401
from . import common_types, parallel, utils  # noqa: F401
from .parameter import Buffer, Parameter
from .modules import (Flatten, Identity, Linear, Module, ModuleDict, ModuleList, ParameterDict, ParameterList,
                      Sequential, Unflatten)

__all__ = ["functional", "init", "parameter", "modules", "Parameter", "Buffer", "Module", "Sequential", "ModuleList",
           "ModuleDict", "ParameterList", "ParameterDict", "Identity", "Linear", "Flatten", "Unflatten"]
from .modules import *  # noqa: F401,F403
from .parallel import DataParallel  # noqa: E402

__all__ += ["utils", "parallel", "common_types", "DataParallel"]
