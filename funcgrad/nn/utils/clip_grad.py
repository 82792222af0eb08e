"""Gradient clipping (``torch.nn.utils.clip_grad``): the norm of all gradients taken together, and clipping by
that norm or by value.

The gradients are changed in place, as PyTorch's are: each ``p.grad`` Tensor keeps its identity (so references to
it see the clipped values) and its dtype, and nothing is recorded on the Tensor graph (the work runs under
``no_grad``), so any number of clipping steps leaves memory flat. ``foreach`` is accepted for PyTorch's signature;
funcgrad has one implementation, so it changes nothing.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> w = fg.tensor([3.0, 4.0], requires_grad=True)
>>> (w * w).sum().backward()                      # w.grad = [6, 8], norm 10
>>> nn.utils.clip_grad_norm_([w], max_norm=1.0)
tensor(10.)
>>> w.grad
tensor([0.6000, 0.8000])
"""
from __future__ import annotations

import math
import types
import warnings
from typing import Any, Iterable

from ...tensors.linalg import vector_norm
from ...tensors.math import clamp
from ...tensors.shape import stack
from ...tensors.tensor import Tensor, no_grad, tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _tensors(arg: Any, what: str) -> list:
    """``arg`` (one Tensor or an iterable of them) as a list."""
    if isinstance(arg, Tensor):
        return [arg]
    try:
        out = list(arg)
    except TypeError:
        raise TypeError(f"{what}: expected a Tensor or an iterable of Tensors (such as model.parameters()), got "
                        f"{type(arg).__name__}") from None
    bad = next((x for x in out if not isinstance(x, Tensor)), None)
    if bad is not None:
        raise TypeError(f"{what}: expected Tensors, got an element of type {type(bad).__name__}")
    return out


def _grads(parameters: list) -> list:
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of ``tensors`` taken together, as if they were joined into one vector
    (``torch.nn.utils.get_total_norm``): the norm of their norms. ``norm_type`` may be ``inf``. Pass the
    gradients, not the parameters. A non-finite norm raises RuntimeError when ``error_if_nonfinite``.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.utils.get_total_norm([fg.tensor([3.0]), fg.tensor([4.0])])
    tensor(5.)
    """
    ts = _tensors(tensors, "get_total_norm")
    p = float(norm_type)
    if not ts:
        return tensor(0.0)
    with no_grad():
        first = ts[0].device
        norms = [vector_norm(t.detach(), p) for t in ts]
        total = vector_norm(stack([n.to(first) for n in norms]), p)
        if error_if_nonfinite and not math.isfinite(float(total)):
            raise RuntimeError(f"The total norm of order {p} for gradients from `parameters` is non-finite "
                               f"({float(total)}), so it cannot be clipped. To disable this error and scale the "
                               f"gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale the gradients of ``parameters`` in place by ``min(max_norm / (total_norm + 1e-6), 1)``, a norm
    computed beforehand (``torch.nn.utils.clip_grads_with_norm_``; with :func:`get_total_norm`, the two halves of
    :func:`clip_grad_norm_`). Parameters without a gradient are skipped.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> w = fg.tensor([3.0, 4.0], requires_grad=True)
    >>> w.grad = fg.tensor([6.0, 8.0])
    >>> nn.utils.clip_grads_with_norm_([w], 5.0, nn.utils.get_total_norm([w.grad]))
    >>> w.grad
    tensor([3.0000, 4.0000])
    """
    grads = _grads(_tensors(parameters, "clip_grads_with_norm_"))
    if not grads:
        return
    if not isinstance(total_norm, Tensor):
        total_norm = tensor(float(total_norm))
    with no_grad():
        coef = clamp(float(max_norm) / (total_norm.detach() + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef.to(g.device))


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale the gradients of ``parameters`` in place so that their total ``norm_type``-norm (all gradients taken
    as one vector; ``inf`` for the largest magnitude) is at most ``max_norm``; return the total norm from before
    the scaling, a 0-d Tensor (``torch.nn.utils.clip_grad_norm_``). ``parameters`` is a Tensor or an iterable
    (``model.parameters()``); those whose ``.grad`` is None are skipped.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> w = fg.tensor([1.0, -2.0], requires_grad=True)
    >>> w.grad = fg.tensor([1.0, -2.0])
    >>> nn.utils.clip_grad_norm_(w, 1.0, norm_type=float("inf"))
    tensor(2.)
    >>> w.grad
    tensor([ 0.5000, -1.0000])
    """
    generator = isinstance(parameters, types.GeneratorType)
    params = _tensors(parameters, "clip_grad_norm_")
    if generator and not params:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    total = get_total_norm(_grads(params), norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The deprecated name of :func:`clip_grad_norm_` (``torch.nn.utils.clip_grad_norm``); warns FutureWarning.

    >>> import warnings, funcgrad as fg
    >>> from funcgrad import nn
    >>> w = fg.tensor([3.0, 4.0], requires_grad=True); w.grad = fg.tensor([3.0, 4.0])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     nn.utils.clip_grad_norm(w, 10.0)
    tensor(5.)
    """
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``
    (``torch.nn.utils.clip_grad_value_``); parameters without a gradient are skipped.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> w = fg.tensor([0.0, 0.0], requires_grad=True); w.grad = fg.tensor([0.5, -3.0])
    >>> nn.utils.clip_grad_value_(w, 1.0); w.grad
    tensor([ 0.5000, -1.0000])
    """
    c = float(clip_value)
    with no_grad():
        for g in _grads(_tensors(parameters, "clip_grad_value_")):
            g.clamp_(min=-c, max=c)
