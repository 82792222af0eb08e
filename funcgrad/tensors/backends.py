"""``torch.backends``: the switches training scripts set (``torch.backends.cudnn.benchmark = True``) are accepted
and recorded; funcgrad has no cuDNN or MPS kernels to tune, so they change nothing, and say so in their docs.

>>> import funcgrad as fg
>>> fg.backends.cudnn.benchmark = True
>>> fg.backends.mps.is_available()
False
"""
from __future__ import annotations

import types

from . import cuda

__all__ = ["cudnn", "mps", "cuda_backend", "mkldnn", "openmp"]


def _flags(name: str, doc: str, **flags) -> types.ModuleType:
    mod = types.ModuleType(f"funcgrad.backends.{name}", doc)
    mod.__dict__.update(flags)
    return mod


cudnn = _flags("cudnn", "cuDNN's switches (accepted; funcgrad's GPU path is CuPy's, without cuDNN tuning).",
               enabled=True, benchmark=False, deterministic=False, allow_tf32=True)
cudnn.is_available = lambda: False
cudnn.version = lambda: None
mps = _flags("mps", "Apple's Metal backend: not supported by funcgrad.")
mps.is_available = lambda: False
mps.is_built = lambda: False
cuda_backend = _flags("cuda", "CUDA matmul switches (accepted; CuPy decides).")
cuda_backend.matmul = types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)
cuda_backend.is_built = cuda.is_available
mkldnn = _flags("mkldnn", "oneDNN's switch (accepted).", enabled=True)
mkldnn.is_available = lambda: False
openmp = _flags("openmp", "OpenMP (NumPy's BLAS decides the threads).")
openmp.is_available = lambda: False
