"""Function transforms: each takes a function over pytrees of arrays and returns another."""
from .batching import vmap
from .custom import checkpoint, custom_jvp, custom_vjp, defjvp, defjvp_argnum, defvjp, defvjp_argnum, primitive
from .forward import jvp, linearize
from .hips import (deriv, grad_and_aux, hessian_tensor_product, hessian_vector_product, holomorphic_grad, make_hvp,
                   make_jvp, make_vjp, tensor_jacobian_product, vector_jacobian_product)
from .jacobians import elementwise_grad, hessian, hvp, jacfwd, jacobian, jacrev
from .reverse import grad, value_and_grad, vjp

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "jacobian", "hessian", "hvp",
           "elementwise_grad", "custom_vjp", "custom_jvp", "primitive", "defvjp", "defjvp", "defvjp_argnum",
           "defjvp_argnum", "checkpoint", "vmap", "make_vjp", "make_jvp", "grad_and_aux", "make_hvp",
           "hessian_tensor_product", "hessian_vector_product", "tensor_jacobian_product", "vector_jacobian_product",
           "holomorphic_grad", "deriv"]
