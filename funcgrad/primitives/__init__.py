"""The primitive families: each module declares its primitives beside their derivative rules.

Each family lists its NumPy-facing names in ``__all__`` (re-exported by :mod:`funcgrad.numpy`) and the names that
belong under ``funcgrad.numpy.linalg`` in ``LINALG``.
"""
from . import (control, creation, decompositions, devices, einsum, elementwise, indexing, linalg, padding,  # noqa: F401
               reductions, shape, special, tiling, triangles, updates)
from . import engine_batching  # noqa: F401  (vmap rules of the core's primitives)
from . import eig  # noqa: F401  (the general eigendecomposition: numpy.linalg.eig and eigvals)
from . import fft  # noqa: F401  (the DFT primitives, named by funcgrad.numpy.fft)
from . import scipy_linalg  # noqa: F401  (expm, logm, sqrtm, solve_sylvester, lu: funcgrad.scipy.linalg)
from . import bessel, special_functions  # noqa: F401  (scipy.special's functions, named by funcgrad.scipy.special)
from . import gather  # noqa: F401  (getitem with traced index arrays as operands: what jit records)
from . import windows  # noqa: F401  (sliding windows and their fold: convolution and pooling are built on them)
from . import convolution  # noqa: F401  (convolution, pooling, im2col on arrays: composites of windows and matmul)
from . import activations  # noqa: F401  (relu and its mask: maximum and a multiply, not a branching where)
from . import collectives  # noqa: F401  (all_reduce, all_gather, reduce_scatter across processes)
from . import recurrent  # noqa: F401  (one LSTM layer's time loop as one primitive: nn.LSTM's fused path)
from . import norms  # noqa: F401  (numpy.linalg.norm: reductions, and singular values for the spectral orders)

FAMILIES = (elementwise, reductions, shape, padding, tiling, triangles, creation, indexing, updates, linalg,
            decompositions, einsum, special, control, devices, eig, norms)
