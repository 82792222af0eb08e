"""The rectifier as a primitive pair: ``relu`` (``max(x, 0)``, derivative 0 at 0 as PyTorch's) and its VJP
``relu_mask`` (the cotangent where the output is positive, else 0), which is linear in the cotangent and so its
own VJP and JVP.

Why not ``where(x > 0, x, 0)``: NumPy's ``where`` branches per element, and on the unpredictable masks of a
network's activations it costs about 3.5 ns an element (0.9 ms for a (128, 32, 8, 8) float32 activation), where
``maximum`` and a multiplication by the mask cost a tenth of that. Both keep their input's memory order (as
NumPy's ufuncs do), so a convolution's transposed output stays the layout the next convolution reads fastest.
A NaN input gives NaN (as PyTorch's ``relu``); the mask lets the cotangent through where the output is not
``<= 0``, so a NaN output passes its cotangent, as PyTorch's ``threshold_backward`` does.

>>> import numpy as np
>>> relu(np.array([-1.0, 0.0, 2.0]))
array([0., 0., 2.])
>>> relu_mask(np.array([-5.0, 3.0, 4.0]), np.array([0.0, 0.0, 2.0]))
array([0., 0., 4.])
"""
from __future__ import annotations

import numpy as _onp

from ..backend import NUMPY_TYPES, namespace, namespace_of
from ..core import Primitive
from .elementwise import _batch_nary, _batch_unary

__all__: list = []  # no NumPy name: funcgrad.relu and nn.functional.relu are the public forms
LINALG: list = []


def _relu_impl(x):
    # NumPy inputs skip the namespace lookup (the fast path of small arrays); a Python 0 keeps x's dtype
    return (_onp if type(x) in NUMPY_TYPES else namespace(x)).maximum(x, 0)


def _relu_mask_impl(g, ans):
    xp = namespace_of(g, ans)
    out = xp.multiply(g, xp.logical_not(ans <= 0))
    if out.dtype.kind in "fc":
        out += 0  # the masked places of a negative cotangent are -0.0: make them +0.0, as where() gives
    return out


relu = Primitive("relu", _relu_impl, doc=(
    "``max(x, 0)`` elementwise, its derivative 0 at 0 (as ``torch.relu``); NaN stays NaN.\n\n"
    ">>> import numpy as np\n>>> relu(np.array([-2.0, 3.0]))\narray([0., 3.])\n"))
relu_mask = Primitive("relu_mask", _relu_mask_impl, doc=(
    "``g`` where ``ans`` (a ReLU's output) is not ``<= 0``, else 0: the VJP of :data:`relu`, linear in ``g``.\n\n"
    ">>> import numpy as np\n>>> relu_mask(np.array([1.0, 2.0]), np.array([0.0, 5.0]))\narray([0., 2.])\n"))
relu.keeps_shape = True
relu.def_vjp(lambda g, ans, x: relu_mask(g, ans))
relu.def_jvp(lambda t, ans, x: relu_mask(t, ans))
relu_mask.def_vjp(lambda g, ans, c, out: relu_mask(g, out), None)
relu_mask.def_jvp(lambda t, ans, c, out: relu_mask(t, out), None)
relu.def_batch(_batch_unary(relu))
relu_mask.def_batch(_batch_nary(relu_mask))
