"""Function transforms: each takes a function over pytrees of arrays and returns another."""
from .batching import vmap
from .custom import checkpoint, custom_jvp, custom_vjp, defjvp, defvjp, primitive
from .forward import jvp, linearize
from .jacobians import hessian, hvp, jacfwd, jacobian, jacrev
from .reverse import grad, value_and_grad, vjp

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "jacobian", "hessian", "hvp",
           "custom_vjp", "custom_jvp", "primitive", "defvjp", "defjvp", "checkpoint", "vmap"]
