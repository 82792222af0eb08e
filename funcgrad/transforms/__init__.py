"""Function transforms: each takes a function over pytrees of arrays and returns another."""
from .forward import jvp, linearize
from .reverse import grad, value_and_grad, vjp

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize"]
