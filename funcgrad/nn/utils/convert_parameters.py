"""Parameters as one flat vector and back (``torch.nn.utils.convert_parameters``).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> m = nn.Linear(2, 1)
>>> v = nn.utils.parameters_to_vector(m.parameters())
>>> v.shape
torch.Size([3])
>>> nn.utils.vector_to_parameters(fg.zeros(3), m.parameters()); m.bias
Parameter containing:
tensor([0.], requires_grad=True)
"""
from __future__ import annotations

from typing import Iterable

from ...tensors.shape import cat
from ...tensors.tensor import Tensor, no_grad

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_devices(params: list, what: str) -> None:
    devices = {str(p.device) for p in params}
    if len(devices) > 1:
        raise TypeError(f"{what}: the parameters are on different devices ({', '.join(sorted(devices))}); move them "
                        f"to one device first")


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and joined into one 1-d Tensor, in order (``torch.nn.utils.parameters_to_vector``).
    The result is recorded on the graph like any join, so gradients reach the parameters through it.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.utils.parameters_to_vector([fg.ones(2, 2), fg.zeros(1)])
    tensor([1., 1., 1., 1., 0.])
    """
    params = [parameters] if isinstance(parameters, Tensor) else _params(parameters, "parameters_to_vector")
    _check_devices(params, "parameters_to_vector")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give the parameters, in order, the values of consecutive slices of the 1-d Tensor ``vec``
    (``torch.nn.utils.vector_to_parameters``): each is rebound in place (``p.data = ...``, not recorded), keeping
    its identity and ``requires_grad``, and takes ``vec``'s dtype as in PyTorch. ``vec`` must hold exactly as
    many values as the parameters (PyTorch ignores extra values; funcgrad refuses them as a likely mistake).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> a, b = fg.zeros(2), fg.zeros(1)
    >>> nn.utils.vector_to_parameters(fg.tensor([1.0, 2.0, 3.0]), [a, b]); a, b
    (tensor([1., 2.]), tensor([3.]))
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got {type(vec).__name__}")
    params = _params(parameters, "vector_to_parameters")
    _check_devices(params, "vector_to_parameters")
    need = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != need:
        raise ValueError(f"vector_to_parameters: vec must be 1-d with one value per parameter entry ({need}), got "
                         f"shape {vec.shape}; build it with parameters_to_vector")
    with no_grad():
        flat = vec.detach()
        start = 0
        for p in params:
            n = p.numel()
            p.data = flat[start:start + n].reshape(p.shape).clone()
            start += n


def _params(parameters: Iterable[Tensor], what: str) -> list:
    if isinstance(parameters, Tensor):  # PyTorch would rebind slices of its rows, leaving it unchanged
        raise TypeError(f"{what}: expected an iterable of Tensors (such as model.parameters()), got one Tensor; "
                        f"wrap it in a list")
    params = list(parameters)
    bad = next((p for p in params if not isinstance(p, Tensor)), None)
    if bad is not None:
        raise TypeError(f"{what}: expected Tensors, got an element of type {type(bad).__name__}")
    return params
