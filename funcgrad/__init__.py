"""funcgrad: composable automatic differentiation over NumPy (and CuPy) arrays.

>>> import funcgrad as fg
>>> import funcgrad.numpy as fnp
>>> print(fg.grad(lambda x: fnp.sin(x) * x)(0.0))
0.0
"""
from . import backend, tree  # noqa: F401
from . import core  # noqa: F401
from . import primitives  # noqa: F401
from . import numpy  # noqa: F401
from . import scipy  # noqa: F401
from .backend import get_default_device, set_default_device
from .core import NonFiniteError, config, debug_nans
from .primitives.devices import device_put
from .primitives.control import stop_gradient
from .transforms import (checkpoint, custom_jvp, custom_vjp, defjvp, defvjp, grad, hessian, hvp, jacfwd, jacobian,
                         jacrev, jvp, linearize, primitive, value_and_grad, vjp, vmap)
from . import testing  # noqa: F401
from . import tensor_ops as _tensor_ops  # noqa: F401  (operators of the Tensor facade)
from .tensor import (GRAPH as _GRAPH, Tensor, device, enable_grad, get_default_dtype, is_grad_enabled, no_grad,  # noqa: F401
                     set_default_dtype, set_grad_enabled, tensor)
from .torch_ops import *  # noqa: F401,F403  (torch-named functions over Tensors)
from .torch_math import *  # noqa: F401,F403  (more torch math: reductions, special functions)
from . import special  # noqa: F401  (torch.special's names)
from .torch_shape import *  # noqa: F401,F403  (shape, splitting and index-helper functions)
from .torch_scatter import *  # noqa: F401,F403  (index_copy, index_reduce, *_scatter ...)
from .torch_more import *  # noqa: F401,F403  (more torch functions: linalg, sampling, in-place variants ...)
from .torch_nn_ops import *  # noqa: F401,F403  (celu, dropout, rrelu, rnn cells ...)
from .torch_embedding import *  # noqa: F401,F403  (embedding, embedding_bag, bilinear, pixel_shuffle ...)
from .torch_losses import *  # noqa: F401,F403  (cosine_similarity, pdist, kl_div, ctc_loss ...)
from .torch_norm_ops import *  # noqa: F401,F403  (layer_norm, group_norm, batch_norm ...)
from .torch_conv import *  # noqa: F401,F403  (conv1d/2d/3d, conv_transpose*, convolution, conv_tbc)
from .torch_pool import *  # noqa: F401,F403  (max_pool*, avg_pool1d, adaptive pools)
from . import tensor_methods_extra as _tensor_methods_extra  # noqa: F401,E402  (index_add_, put_, stride ...)
from .tensor_creation import *  # noqa: F401,F403
from .tensor_inplace import *  # noqa: F401,F403
from . import autograd  # noqa: F401
from . import cuda  # noqa: F401

__version__ = "0.1.0"
__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "jacobian", "hessian", "hvp",
           "custom_vjp", "custom_jvp", "primitive", "defvjp", "defjvp", "checkpoint", "stop_gradient", "vmap", "debug_nans",
           "config", "NonFiniteError", "numpy", "scipy", "tree", "testing", "device_put", "set_default_device",
           "get_default_device", "cuda"]
