"""PyTorch's ``torch.autograd`` over funcgrad's engine: ``grad``, ``backward``, custom ``Function`` s, grad modes,
``detect_anomaly`` and ``Variable`` (whose ``_execution_engine.queue_callback`` runs code when a backward pass ends).

Importing it also makes :class:`funcgrad.Tensor` a pytree node (its one child is its array), so that funcgrad's
transforms see through Tensors: ``funcgrad.grad(f)`` works for an ``f`` that takes Tensors, and a function
written with ``funcgrad.numpy`` takes Tensors inside a Tensor computation.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> x = fg.tensor([1.0, 2.0], requires_grad=True)
>>> fg.autograd.grad(fnp.sum(x * x), [x])
(tensor([2., 4.]),)
"""
from .. import tree
from ..tensors.tensor import Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .anomaly import (AnomalyError, detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled,
                      set_detect_anomaly)
from .function import Function, FunctionCtx, once_differentiable
from .graph import backward, grad
from .variable import Variable
from . import function  # noqa: F401  (torch.autograd.function.once_differentiable)
from . import variable  # noqa: F401  (torch.autograd.variable.Variable)
from . import functional  # noqa: F401  (torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp)

__all__ = ["grad", "backward", "Function", "FunctionCtx", "once_differentiable", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "AnomalyError", "Variable"]

tree.register_pytree_node(Tensor, lambda t: ((t._v,), None), lambda aux, children: Tensor._from_value(children[0]))
