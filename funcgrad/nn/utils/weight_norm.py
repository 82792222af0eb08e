"""``torch.nn.utils.weight_norm`` and ``remove_weight_norm``, PyTorch's legacy weight normalisation: the parameter
``weight`` is replaced by ``weight_g`` (its norms) and ``weight_v`` (its direction), and a forward pre-hook recomputes
``weight = weight_g * weight_v / ||weight_v||`` before each call. The norms are taken over every dimension but
``dim``; ``dim=None`` (or ``-1``, as in PyTorch) takes the norm of the whole tensor.

As in PyTorch 2, ``weight_norm`` warns (``FutureWarning``) that ``parametrizations.weight_norm`` supersedes it.

>>> import warnings
>>> import funcgrad as fg
>>> from funcgrad import nn
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", FutureWarning)
...     m = nn.utils.weight_norm(nn.Linear(3, 2))
>>> m.weight_g.shape, m.weight_v.shape, sorted(m.state_dict())
(torch.Size([2, 1]), torch.Size([2, 3]), ['bias', 'weight_g', 'weight_v'])
>>> _ = nn.utils.remove_weight_norm(m); sorted(m.state_dict())
['bias', 'weight']
"""
from __future__ import annotations

import warnings
from typing import Any, TypeVar

from ...tensors.tensor import Tensor
from ..parameter import Parameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]

T_module = TypeVar("T_module")


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norms of ``v`` over every dimension but ``dim``, kept as size-1 dimensions (``-1``: the whole
    tensor's norm, 0-d), as ``torch.norm_except_dim``."""
    if dim == -1:
        return v.norm(2)
    keep = dim % v.ndim
    axes = tuple(i for i in range(v.ndim) if i != keep)
    return v.norm(2, dim=axes, keepdim=True) if axes else v.abs()


class WeightNorm:
    """The forward pre-hook of :func:`weight_norm`: it sets ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    name: str
    dim: int

    def __init__(self, name: str, dim: int | None) -> None:
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module: Any) -> Tensor:
        """``g * v / ||v||`` from the module's ``<name>_g`` and ``<name>_v``."""
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @staticmethod
    def apply(module: Any, name: str, dim: int | None) -> WeightNorm:
        """Split ``module.<name>`` into ``<name>_g`` and ``<name>_v`` and register the hook; returns it."""
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if not isinstance(weight, Tensor):
            raise TypeError(f"weight_norm: module.{name} must be a Parameter, got {type(weight).__name__}")
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, fn.dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Any) -> None:
        """Put ``module.<name>`` back as a Parameter (its current value) and drop ``<name>_g`` / ``<name>_v``."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Any, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Reparameterize ``module.<name>`` as ``<name>_g * <name>_v / ||<name>_v||``, the norms over every
    dimension but ``dim`` (None: the whole tensor) (``torch.nn.utils.weight_norm``); returns the module.

    >>> import warnings
    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     m = nn.utils.weight_norm(nn.Conv1d(2, 4, 3), dim=None)
    >>> m.weight_g.shape, m(fg.ones(1, 2, 5)).shape
    (torch.Size([]), torch.Size([1, 4, 3]))
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo :func:`weight_norm`: ``module.<name>`` becomes a Parameter again, holding the current normalised
    value (``torch.nn.utils.remove_weight_norm``); returns the module. A ValueError when there is none."""
    hooks = module._forward_pre_hooks
    for key, hook in list(hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
