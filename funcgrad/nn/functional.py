"""``torch.nn.functional``: the neural-network functions over Tensors, with F's signatures (``reduction='mean'``,
``training=True`` ...). They live in the Tensor face (``funcgrad/tensors/activations.py``, ``losses.py``,
``normalization.py``, ``embedding.py``, ``conv.py``, ``pooling.py``), which registers each under its F name; torch's
top-level variants (``torch.dropout(input, p, train)``) are thin wrappers there. Nothing here owns a rule.

>>> import funcgrad as fg
>>> import funcgrad.nn.functional as F
>>> F.conv1d(fg.ones(1, 1, 4), fg.ones(1, 1, 2)).shape
(1, 1, 3)
"""
from __future__ import annotations

from ..tensors.activations import NN_FUNCTIONAL as _REGISTERED
from ..tensors.math import relu, sigmoid, tanh
from ..tensors.reductions import log_softmax, softmax

globals().update(_REGISTERED)
__all__ = sorted(set(_REGISTERED) | {"relu", "sigmoid", "tanh", "softmax", "log_softmax"})
