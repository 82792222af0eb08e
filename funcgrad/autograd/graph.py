"""``torch.autograd.graph``'s place: the Tensor graph's ``grad`` and ``backward`` live with the Tensor face
(funcgrad/tensors/backward.py, which also gives ``Tensor.backward``); this module names them at PyTorch's path."""
from ..tensors.backward import _conj, backward, grad  # noqa: F401

__all__ = ["grad", "backward"]
