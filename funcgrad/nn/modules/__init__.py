"""``torch.nn.modules``: :class:`Module`, the containers and the layers (one module per family, as PyTorch has
them: ``module.py`` (with its hooks in ``hooks.py`` and its conversions and state dict in ``_state.py``),
``container.py``, ``parameter_containers.py``, ``linear.py``, ``flatten.py``).

>>> from funcgrad.nn.modules import Linear, Sequential
>>> Sequential(Linear(2, 2))[0].in_features
2
"""
from .module import Module, RemovableHandle
from .container import ModuleDict, ModuleList, Sequential
from .parameter_containers import ParameterDict, ParameterList
from .linear import Identity, Linear
from .flatten import Flatten, Unflatten

__all__ = ["Module", "RemovableHandle", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
           "Identity", "Linear", "Flatten", "Unflatten"]
