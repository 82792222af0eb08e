"""funcgrad: composable automatic differentiation over NumPy (and CuPy) arrays.

>>> import funcgrad as fg
>>> import funcgrad.numpy as fnp
>>> print(fg.grad(lambda x: fnp.sin(x) * x)(0.0))
0.0
"""
import sys as _sys

from . import backend, tree  # noqa: F401
from . import core  # noqa: F401
from . import primitives  # noqa: F401
from . import numpy  # noqa: F401
from . import scipy  # noqa: F401
from .backend import get_default_device, set_default_device
from .core import NonFiniteError, config, debug_nans
from .primitives.devices import device_put
from .primitives.control import stop_gradient
from .transforms import (checkpoint, custom_jvp, custom_vjp, defjvp, defjvp_argnum, defvjp, defvjp_argnum,
                         elementwise_grad, grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, linearize, primitive,
                         value_and_grad, vjp, vmap)
from .transforms import (grad_and_aux, hessian_tensor_product, hessian_vector_product, holomorphic_grad,  # noqa: F401
                         make_hvp, make_jvp, make_vjp, tensor_jacobian_product, vector_jacobian_product)  # (HIPS)
from .transforms import misc  # noqa: F401  (HIPS autograd's autograd.misc: flatten, optimizers)
from . import testing  # noqa: F401
# --- the Tensor face (funcgrad/tensors/): PyTorch's names, each family once ---------------------------------------
from .tensors import operators as _operators  # noqa: F401  (the Tensor's operators)
from .tensors import backward as _backward  # noqa: F401  (Tensor.backward, PyTorch's complex convention)
from .tensors.tensor import (GRAPH as _GRAPH, Tensor, device, enable_grad, get_default_dtype, is_grad_enabled,  # noqa: F401
                             no_grad, set_default_dtype, set_grad_enabled, tensor)
from .tensors.ops import *  # noqa: F401,F403  (dtype names)
from .tensors.math import *  # noqa: F401,F403
from .tensors.reductions import *  # noqa: F401,F403
from .tensors.shape import *  # noqa: F401,F403
from .tensors.indexing import *  # noqa: F401,F403
from .tensors.products import *  # noqa: F401,F403
from .tensors.conversion import *  # noqa: F401,F403
from .tensors import methods as _methods  # noqa: F401  (t.sum(dim), t.view(...) ...)
from .tensors.pointwise import *  # noqa: F401,F403  (more torch math: logaddexp, addcmul, erf ...)
from .tensors.statistics import *  # noqa: F401,F403  (scans, order statistics, NaN-aware, histograms, cov)
from .tensors.manipulation import *  # noqa: F401,F403  (shape, splitting and index-helper functions)
from .tensors.scatter import *  # noqa: F401,F403  (index_copy, index_reduce, *_scatter ...)
from .tensors.extras import *  # noqa: F401,F403  (aliases, complex views, top-level in-place variants ...)
from .tensors.linalg_ops import *  # noqa: F401,F403  (det, inverse, svd, qr, lu ... at top level)
from .tensors.random import *  # noqa: F401,F403  (bernoulli, multinomial, poisson, binomial)
from .tensors.activations import *  # noqa: F401,F403  (celu, dropout, rrelu, rnn cells ...)
from .tensors.embedding import *  # noqa: F401,F403  (embedding, embedding_bag, bilinear, pixel_shuffle ...)
from .tensors.losses import *  # noqa: F401,F403  (cosine_similarity, pdist, kl_div, ctc_loss ...)
from .tensors.normalization import *  # noqa: F401,F403  (layer_norm, group_norm, batch_norm ...)
from .tensors.conv import *  # noqa: F401,F403  (conv1d/2d/3d, conv_transpose*, convolution, conv_tbc)
from .tensors.pooling import *  # noqa: F401,F403  (max_pool*, avg_pool1d, adaptive pools)
from .tensors import index_methods as _index_methods  # noqa: F401  (index_add_, put_, stride ...)
from .tensors.creation import *  # noqa: F401,F403
from .tensors.inplace import *  # noqa: F401,F403
from .tensors import inplace_shape as _inplace_shape  # noqa: F401,E402  (transpose_, unsqueeze_ ...)
from .tensors import linalg, special, fft, cuda  # noqa: E402  (torch.linalg, torch.special, torch.fft, torch.cuda)
from .tensors import accelerator, backends  # noqa: E402  (torch.accelerator; torch.backends' switches)
from .tensors.dtypes import dtype, finfo, iinfo  # noqa: F401,E402  (torch.dtype objects and their limits)
from .tensors.size import Size  # noqa: F401,E402  (torch.Size, what .shape and .size() return)
from .tensors.settings import *  # noqa: F401,F403,E402  (inference_mode, threads, print options, determinism)
from .tensors.legacy import *  # noqa: F401,F403,E402  (FloatTensor ..., Tensor.type, is_cuda, logspace)
from .tensors import amp  # noqa: E402  (torch.amp: autocast, GradScaler)
from .tensors.amp import autocast, is_autocast_enabled  # noqa: F401,E402
from . import autograd  # noqa: F401
from . import distributions  # noqa: F401,E402  (torch.distributions: Normal, Categorical ..., kl_divergence)
from . import distributed  # noqa: F401  (torch.distributed over MPI; mpi4py is imported when a group starts)
from . import nn  # noqa: F401  (torch.nn: for now nn.functional)
from .serialization import load, save  # noqa: F401
from . import optim  # noqa: F401  (torch.optim, optim.lr_scheduler, optim.functional)
from . import func  # noqa: F401  (torch.func: functional_call, stack_module_state)
from . import onnx  # noqa: F401  (torch.onnx: is_in_onnx_export; export comes with jit)
from . import jit  # noqa: F401  (funcgrad.jit(f), a callable module: torch.jit's names will live there too)
from .jit.export import Exported, ExportError, export, load_exported  # noqa: F401  (issue 15 item 5)
from . import lax  # noqa: F401  (structured control flow: cond, switch, scan, fori_loop, while_loop)
from . import compiler  # noqa: F401  (torch.compiler: reset, is_compiling; funcgrad.compile below)
from .compiler import compile  # noqa: F401,A001  (torch.compile: modules and Tensor functions, issue 15 item 1)
from . import utils  # noqa: F401  (torch.utils.data: datasets, samplers, the DataLoader)
from . import multiprocessing  # noqa: F401  (torch.multiprocessing; gives Tensor.share_memory_, is_shared)

# torch's module paths: ``import funcgrad.linalg`` and ``from funcgrad.special import erf`` find the modules of the
# Tensor face, as ``torch.linalg`` and ``torch.special`` do
_sys.modules[__name__ + ".linalg"] = linalg
_sys.modules[__name__ + ".special"] = special
_sys.modules[__name__ + ".fft"] = fft
_sys.modules[__name__ + ".cuda"] = cuda
_sys.modules[__name__ + ".accelerator"] = accelerator
_sys.modules[__name__ + ".backends"] = backends
_sys.modules[__name__ + ".amp"] = amp
from .tensors import random  # noqa: E402  (torch.random: manual_seed, get_rng_state, fork_rng ...)
_sys.modules[__name__ + ".random"] = random
linalg.matrix_exp = matrix_exp  # noqa: F405  (torch.linalg.matrix_exp is torch.matrix_exp: linalg_ops.py's)
cuda.amp = amp  # torch.cuda.amp.GradScaler / autocast: the same classes
_sys.modules[__name__ + ".cuda.amp"] = amp
_sys.modules[__name__ + ".autograd.functional"] = autograd.functional
for _name in ("cudnn", "mps", "mkldnn", "openmp"):
    _sys.modules[f"{__name__}.backends.{_name}"] = getattr(backends, _name)
backends.cuda = backends.cuda_backend
_sys.modules[__name__ + ".backends.cuda"] = backends.cuda_backend
# HIPS autograd's module paths: ``from funcgrad.misc import flatten``, ``from funcgrad.misc.optimizers import adam``
_sys.modules[__name__ + ".misc"] = misc
_sys.modules[__name__ + ".misc.flatten"] = _sys.modules[misc.__name__ + ".flatten"]
_sys.modules[__name__ + ".misc.optimizers"] = misc.optimizers

__version__ = "0.1.0"
__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "jacobian", "hessian", "hvp",
           "elementwise_grad", "custom_vjp", "custom_jvp", "primitive", "defvjp", "defjvp", "defvjp_argnum",
           "defjvp_argnum", "checkpoint", "stop_gradient", "vmap", "debug_nans",
           "config", "NonFiniteError", "numpy", "scipy", "tree", "testing", "device_put", "set_default_device",
           "get_default_device", "cuda"]
