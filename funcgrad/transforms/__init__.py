"""Function transforms: each takes a function over pytrees of arrays and returns another."""
from .reverse import grad, value_and_grad, vjp

__all__ = ["grad", "value_and_grad", "vjp"]
