"""Stochastic gradient descent (``torch.optim.SGD``)."""
from __future__ import annotations

from typing import Any, Iterable

from .functional import sgd_kernel
from .optimizer import Optimizer, _apply, _check, _no_grad_step

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, L2 weight decay and
    ``maximize`` (``torch.optim.SGD``): with ``d = grad + weight_decay * p``, ``buf = momentum * buf +
    (1 - dampening) * d`` (``buf = d`` at the first step), ``d = d + momentum * buf`` (Nesterov) or ``buf``, and
    ``p -= lr * d``.

    >>> import funcgrad as fg
    >>> from funcgrad.optim import SGD
    >>> w = fg.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.4600, -0.4600], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        if differentiable or fused:
            raise NotImplementedError("SGD: differentiable=True and fused=True are not supported")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        _check(group["momentum"] >= 0.0, "momentum value", group["momentum"])
        _check(group["weight_decay"] >= 0.0, "weight_decay value", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    @_no_grad_step
    def step(self) -> None:
        """Perform one optimization step; ``step(closure)`` re-evaluates the loss first and returns it."""
        for group in self.param_groups:
            momentum = group["momentum"]
            kw = dict(lr=group["lr"], momentum=momentum, dampening=group["dampening"],
                      weight_decay=group["weight_decay"], nesterov=group["nesterov"], maximize=group["maximize"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                if momentum != 0:
                    state = self.state[p]
                    _apply(sgd_kernel, p, p.grad, state, ("momentum_buffer",), **kw)
                else:
                    _apply(sgd_kernel, p, p.grad, {}, ("momentum_buffer",), **kw)
