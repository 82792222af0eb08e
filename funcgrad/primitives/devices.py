"""Moving values between devices: ``device_put``, the one primitive that copies across devices (funcgrad never does
so implicitly). Its derivative moves the cotangent back to where the value came from.

>>> import numpy as np, funcgrad as fg
>>> fg.grad(lambda x: fg.numpy.sum(fg.device_put(x, "cpu") ** 2))(np.ones(2))
array([2., 2.])
"""
from __future__ import annotations

from typing import Any

from .. import tree
from ..backend import device_of, get_default_device, gpu_backend, parse_device, to_device
from ..core import Primitive, getval

__all__: list = []  # exported at the top level as funcgrad.device_put (JAX's name)
LINALG: list = []


def _put_impl(x: Any, device: str) -> Any:
    return to_device(x, device)


_put = Primitive("device_put", _put_impl, doc="``x`` copied to ``device`` (a copy only where it lives elsewhere).")
# the cotangent goes back to the device the argument lives on; a tangent follows the value
_put.def_vjp(lambda g, ans, x, device: _put(g, device=device_of(getval(x))))
_put.def_jvp_linear()
_put.def_batch(lambda args, batched, device: _put(args[0], device=device))


def device_put(x: Any, device: Any = None) -> Any:
    """``x`` (an array, traced value or pytree of them) on ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``; the
    default device when None), as ``jax.device_put``. Differentiable: gradients flow back to ``x``'s device.

    >>> import numpy as np, funcgrad as fg
    >>> fg.device_put(np.ones(2), "cpu")
    array([1., 1.])
    """
    kind, index = parse_device(get_default_device() if device is None else device)
    if kind == "cuda" and index is None:  # name the device in the node, so that the graph says where it went
        index = gpu_backend().current_device()
    name = kind if index is None else f"{kind}:{index}"
    return tree.map(lambda v: _put(v, device=name), x)
