"""``torch.nn.functional``: the neural-network functions with F's signatures (``reduction='mean'``,
``training=True`` ...), usable from both faces. They live in the Tensor face (``funcgrad/tensors/activations.py``,
``activations_more.py``, ``losses.py``, ``losses_more.py``, ``normalization.py``, ``embedding.py``, ``conv.py``,
``pooling.py``, ``sampling.py``, ``attention.py``), which registers each under its F name; torch's top-level
variants (``torch.dropout(input, p, train)``) are thin wrappers there. Nothing here owns a rule.

Each F name takes Tensors (and gives Tensors) or, when no argument is a Tensor, plain NumPy / CuPy arrays and the
values ``grad``, ``vmap``, ``jacfwd`` ... trace: those are wrapped as Tensors for the call and the results
unwrapped again, so arrays in give arrays out and a transform sees its own traced values (as
:func:`funcgrad.func.functional_call` does for modules). The registry (``NN_FUNCTIONAL``) holds these two-faced
forms; the Tensor-face function is each one's ``__wrapped__``.

``sigmoid`` and ``tanh`` are the top-level functions (F's signature is theirs); ``relu`` (with ``inplace``),
``softmax`` and ``log_softmax`` (with the implicit ``dim`` and ``_stacklevel``) are F's own forms, registered.

>>> import numpy as np
>>> import funcgrad as fg
>>> import funcgrad.nn.functional as F
>>> F.conv1d(fg.ones(1, 1, 4), fg.ones(1, 1, 2)).shape
torch.Size([1, 1, 3])
>>> F.relu(fg.tensor([-1.0, 2.0]), inplace=False)
tensor([0., 2.])
>>> F.relu(np.array([-1.0, 2.0]))
array([0., 2.])
>>> fg.grad(lambda x: F.max_pool1d(x, 2).sum())(np.array([[[1.0, 3.0, 2.0, 0.0]]]))
array([[[0., 1., 1., 0.]]])
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as _np

from .. import tree as _tree
from ..core import Box as _Box
from ..tensors import (activations_more, attention, losses_more, pooling_more,  # noqa: F401  (they register
                       sampling)  # their F names)
from ..tensors.activations import NN_FUNCTIONAL as _REGISTERED
from ..tensors.math import sigmoid as _sigmoid, tanh as _tanh
from ..tensors.tensor import Tensor as _Tensor


def _is_tensor(x: Any) -> bool:
    return isinstance(x, _Tensor)


def _unwrap(x: Any) -> Any:
    return x._v if isinstance(x, _Tensor) else x


def _both_faces(fn: Callable) -> Callable:
    """``fn`` (a Tensor-face function) taking plain and traced arrays too, see the module docstring."""
    if getattr(fn, "_both_faces", False):
        return fn

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], _Tensor):  # the Tensor face: one test, then the function itself
            return fn(*args, **kwargs)
        flat, treedef = _tree.flatten((args, kwargs), is_leaf=_is_tensor)
        arrays = []
        for v in flat:
            if isinstance(v, _Tensor):
                return fn(*args, **kwargs)
            arrays.append(type(v) is _Box or (hasattr(v, "shape") and hasattr(v, "dtype")
                                              and not isinstance(v, _np.generic)))
        if not any(arrays):  # Python numbers and lists only: the Tensor face's own conversion, Tensors out
            return fn(*args, **kwargs)
        args, kwargs = _tree.unflatten(treedef, [_Tensor._from_value(v) if a else v for v, a in zip(flat, arrays)])
        return _tree.map(_unwrap, fn(*args, **kwargs), is_leaf=_is_tensor)

    call._both_faces = True
    return call


# the registry itself holds the two-faced forms, so that code looking names up there (modules, the tests) and
# code reading them here gets the same objects
_REGISTERED.update({name: _both_faces(fn) for name, fn in _REGISTERED.items()})
sigmoid, tanh = _both_faces(_sigmoid), _both_faces(_tanh)
globals().update(_REGISTERED)
__all__ = sorted(set(_REGISTERED) | {"relu", "sigmoid", "tanh", "softmax", "log_softmax"})
