"""Adaptive-rate optimizers: ``RMSprop``, ``Adagrad``, ``Adadelta`` (``torch.optim``'s, same defaults)."""
from __future__ import annotations

from typing import Any, Iterable

from .. import numpy as fnp
from ..tensors.creation import full_like, zeros_like
from .functional import _decay, adagrad_kernel, rmsprop_kernel
from .optimizer import Optimizer, _apply, _bump, _check, _counter, _no_grad_step

__all__ = ["RMSprop", "Adagrad", "Adadelta"]


def _no_differentiable(name: str, differentiable: bool, fused: Any = None) -> None:
    if differentiable or fused:
        raise NotImplementedError(f"{name}: differentiable=True and fused=True are not supported")


class RMSprop(Optimizer):
    """RMSprop (``torch.optim.RMSprop``): ``v = alpha v + (1 - alpha) g**2`` and ``p -= lr g / (sqrt(v) +
    eps)``; ``centered`` subtracts the squared mean gradient from ``v``, ``momentum`` accumulates the steps.

    >>> import funcgrad as fg
    >>> from funcgrad.optim import RMSprop
    >>> w = fg.tensor([1.0], requires_grad=True)
    >>> opt = RMSprop([w], lr=0.01, eps=0.0)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _no_differentiable("RMSprop", differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        _check(group["eps"] >= 0.0, "epsilon value", group["eps"])
        _check(group["momentum"] >= 0.0, "momentum value", group["momentum"])
        _check(group["weight_decay"] >= 0.0, "weight_decay value", group["weight_decay"])
        _check(group["alpha"] >= 0.0, "alpha value", group["alpha"])

    @_no_grad_step
    def step(self) -> None:
        """Perform one optimization step; ``step(closure)`` re-evaluates the loss first and returns it."""
        for group in self.param_groups:
            kw = dict(lr=group["lr"], alpha=group["alpha"], eps=group["eps"], weight_decay=group["weight_decay"],
                      momentum=group["momentum"], centered=group["centered"], maximize=group["maximize"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = _counter(0.0)
                    state["square_avg"] = zeros_like(p.data)
                    if group["momentum"] > 0:
                        state["momentum_buffer"] = zeros_like(p.data)
                    if group["centered"]:
                        state["grad_avg"] = zeros_like(p.data)
                _bump(state)
                _apply(rmsprop_kernel, p, p.grad, state, ("square_avg", "momentum_buffer", "grad_avg"), **kw)


class Adagrad(Optimizer):
    """Adagrad (``torch.optim.Adagrad``): ``s += g**2`` and ``p -= lr / (1 + (t - 1) lr_decay) g / (sqrt(s) +
    eps)``. The state (``step``, ``sum`` from ``initial_accumulator_value``) is created at construction, as in
    PyTorch.

    >>> import funcgrad as fg
    >>> from funcgrad.optim import Adagrad
    >>> w = fg.tensor([1.0], requires_grad=True)
    >>> opt = Adagrad([w], lr=0.5, eps=0.0)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.5000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        _no_differentiable("Adagrad", differentiable, fused)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _init_state(self, p: Any, group: dict) -> None:
        state = self.state[p]
        state["step"] = _counter(0.0)
        init = group["initial_accumulator_value"]
        state["sum"] = full_like(p.data, complex(init, init) if p.is_complex() else init)

    def add_param_group(self, param_group: dict) -> None:
        """Add a parameter group (its state is created at once, as in PyTorch).

        >>> import funcgrad as fg
        >>> from funcgrad.optim import Adagrad
        >>> opt = Adagrad([fg.tensor([1.0], requires_grad=True)])
        >>> opt.add_param_group({"params": [fg.tensor([2.0], requires_grad=True)]}); len(opt.state)
        2
        """
        super().add_param_group(param_group)
        for p in self.param_groups[-1]["params"]:
            self._init_state(p, self.param_groups[-1])

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        _check(group["lr_decay"] >= 0.0, "lr_decay value", group["lr_decay"])
        _check(group["weight_decay"] >= 0.0, "weight_decay value", group["weight_decay"])
        _check(group["initial_accumulator_value"] >= 0.0, "initial_accumulator_value value",
               group["initial_accumulator_value"])
        _check(group["eps"] >= 0.0, "epsilon value", group["eps"])

    @_no_grad_step
    def step(self) -> None:
        """Perform one optimization step; ``step(closure)`` re-evaluates the loss first and returns it."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    self._init_state(p, group)
                step = _bump(state)
                clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
                _apply(adagrad_kernel, p, p.grad, state, ("sum",), clr=clr, eps=group["eps"],
                       weight_decay=group["weight_decay"], maximize=group["maximize"])


def _adadelta_kernel(p: Any, g: Any, sq: Any, acc: Any, *, lr: float, rho: float, eps: float,
                     weight_decay: float, maximize: bool) -> tuple:
    g = _decay(p, g, weight_decay, maximize)
    sq = sq * rho + (1 - rho) * g * g
    delta = fnp.sqrt(acc + eps) / fnp.sqrt(sq + eps) * g
    acc = acc * rho + (1 - rho) * delta * delta
    return p - lr * delta, sq, acc


class Adadelta(Optimizer):
    """Adadelta (``torch.optim.Adadelta``): ``v = rho v + (1 - rho) g**2``, ``delta = sqrt(u + eps) / sqrt(v +
    eps) g``, ``u = rho u + (1 - rho) delta**2``, ``p -= lr delta``.

    >>> import funcgrad as fg
    >>> from funcgrad.optim import Adadelta
    >>> w = fg.tensor([1.0], requires_grad=True)
    >>> opt = Adadelta([w], lr=1.0, eps=0.01)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.6877
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _no_differentiable("Adadelta", differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        _check(0.0 <= group["rho"] <= 1.0, "rho value", group["rho"])
        _check(group["eps"] >= 0.0, "epsilon value", group["eps"])
        _check(group["weight_decay"] >= 0.0, "weight_decay value", group["weight_decay"])

    @_no_grad_step
    def step(self) -> None:
        """Perform one optimization step; ``step(closure)`` re-evaluates the loss first and returns it."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = _counter(0.0)
                    state["square_avg"] = zeros_like(p.data)
                    state["acc_delta"] = zeros_like(p.data)
                _bump(state)
                _apply(_adadelta_kernel, p, p.grad, state, ("square_avg", "acc_delta"), lr=group["lr"],
                       rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"],
                       maximize=group["maximize"])
