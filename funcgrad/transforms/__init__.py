"""Function transforms: each takes a function over pytrees of arrays and returns another."""
from .batching import vmap
from .custom import checkpoint, custom_jvp, custom_vjp, defjvp, defjvp_argnum, defvjp, defvjp_argnum, primitive
from .forward import jvp, linearize
from .jacobians import elementwise_grad, hessian, hvp, jacfwd, jacobian, jacrev
from .reverse import grad, value_and_grad, vjp

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "jacobian", "hessian", "hvp",
           "elementwise_grad", "custom_vjp", "custom_jvp", "primitive", "defvjp", "defjvp", "defvjp_argnum",
           "defjvp_argnum", "checkpoint", "vmap"]
