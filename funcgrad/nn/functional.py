"""``torch.nn.functional``: the neural-network functions over Tensors, with F's signatures (``reduction='mean'``,
``training=True`` ...). They live in the Tensor face (``funcgrad/tensors/activations.py``, ``activations_more.py``,
``losses.py``, ``losses_more.py``, ``normalization.py``, ``embedding.py``, ``conv.py``, ``pooling.py``,
``sampling.py``, ``attention.py``), which registers each under its F name; torch's top-level variants
(``torch.dropout(input, p, train)``) are thin wrappers there. Nothing here owns a rule.

``sigmoid`` and ``tanh`` are the top-level functions (F's signature is theirs); ``relu`` (with ``inplace``),
``softmax`` and ``log_softmax`` (with the implicit ``dim`` and ``_stacklevel``) are F's own forms, registered.

>>> import funcgrad as fg
>>> import funcgrad.nn.functional as F
>>> F.conv1d(fg.ones(1, 1, 4), fg.ones(1, 1, 2)).shape
(1, 1, 3)
>>> F.relu(fg.tensor([-1.0, 2.0]), inplace=False)
tensor([0., 2.])
"""
from __future__ import annotations

from ..tensors import (activations_more, attention, losses_more, pooling_more,  # noqa: F401  (they register
                       sampling)  # their F names)
from ..tensors.activations import NN_FUNCTIONAL as _REGISTERED
from ..tensors.math import sigmoid, tanh  # noqa: F401  (F's signature is the top-level one)

globals().update(_REGISTERED)
__all__ = sorted(set(_REGISTERED) | {"relu", "sigmoid", "tanh", "softmax", "log_softmax"})
