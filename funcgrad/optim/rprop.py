"""Sign-based and averaged stochastic optimizers: ``Rprop`` and ``ASGD`` (``torch.optim``'s, same defaults)."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .. import numpy as fnp
from ..tensors.creation import full_like, zeros_like
from ..tensors.tensor import get_default_dtype
from ._fused import exclusive
from .functional import _decay
from .optimizer import Optimizer, _apply, _bump, _check, _counter, _no_grad_step

__all__ = ["Rprop", "ASGD"]


def _no_differentiable(name: str, differentiable: bool) -> None:
    if differentiable:
        raise NotImplementedError(f"{name}: differentiable=True is not supported")


def _set_scalar(state: dict, key: str, value: float) -> float:
    """Write ``value`` into the 0-d state tensor ``state[key]`` (in its dtype); the value as stored. The value
    goes through the default dtype first, as PyTorch's ``copy_(torch.as_tensor(value))`` does."""
    value = float(np.asarray(value, dtype=get_default_dtype()))
    t = state[key]
    a = exclusive(t)
    if a is not None and a.ndim == 0:
        a[()] = value
        return float(a)
    t.data = np.array(value, dtype=t.dtype)
    return float(t)


def rprop_kernel(p: Any, g: Any, prev: Any, step_size: Any, *, etaminus: float, etaplus: float,
                 step_size_min: float, step_size_max: float, maximize: bool) -> tuple:
    """One Rprop update: ``(new_param, new_prev, new_step_size)``, PyTorch's single-tensor arithmetic."""
    if maximize:
        g = -g
    s = fnp.sign(g * prev)
    factor = fnp.astype(fnp.where(s > 0, etaplus, fnp.where(s < 0, etaminus, 1.0)), step_size.dtype)
    step_size = fnp.clip(step_size * factor, step_size_min, step_size_max)
    g = fnp.astype(fnp.where(factor == etaminus, 0, g), g.dtype)
    return p - fnp.sign(g) * step_size, g, step_size


class Rprop(Optimizer):
    """Resilient backpropagation (``torch.optim.Rprop``): each coordinate's step size grows by ``etas[1]`` while
    its gradient keeps its sign and shrinks by ``etas[0]`` when it flips (the step is then skipped), within
    ``step_sizes``; the parameter moves by ``-sign(g) * step_size``.

    >>> import funcgrad as fg
    >>> from funcgrad.optim import Rprop
    >>> w = fg.tensor([1.0], requires_grad=True)
    >>> opt = Rprop([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> round(w.item(), 4)
    0.78
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, etas: tuple = (0.5, 1.2),
                 step_sizes: tuple = (1e-6, 50), *, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _no_differentiable("Rprop", differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        etaminus, etaplus = group["etas"]
        _check(0.0 < etaminus < 1.0 < etaplus, "eta values", (etaminus, etaplus))

    @_no_grad_step
    def step(self) -> None:
        """Perform one optimization step; ``step(closure)`` re-evaluates the loss first and returns it."""
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            lo, hi = group["step_sizes"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    lr = float(group["lr"])
                    state["step"] = _counter(0.0)
                    state["prev"] = zeros_like(p.data)
                    state["step_size"] = full_like(p.data, complex(lr, lr) if p.is_complex() else lr)
                _bump(state)
                _apply(rprop_kernel, p, p.grad, state, ("prev", "step_size"), etaminus=etaminus,
                       etaplus=etaplus, step_size_min=lo, step_size_max=hi, maximize=group["maximize"])


def asgd_kernel(p: Any, g: Any, ax: Any, *, eta: float, mu: float, lambd: float, weight_decay: float,
                maximize: bool) -> tuple:
    """One ASGD update: ``(new_param, new_ax)``, PyTorch's single-tensor arithmetic."""
    g = _decay(p, g, weight_decay, maximize)
    p = p * (1 - lambd * eta) + (-eta) * g
    ax = ax + (p - ax) * mu if mu != 1 else fnp.copy(p)
    return p, ax


class ASGD(Optimizer):
    """Averaged stochastic gradient descent (``torch.optim.ASGD``): ``p = p (1 - lambd eta) - eta g`` with
    ``eta = lr / (1 + lambd lr t) ** alpha``, and the average ``ax`` of the iterates from step ``t0`` on (kept in
    ``state["ax"]``).

    >>> import funcgrad as fg
    >>> from funcgrad.optim import ASGD
    >>> w = fg.tensor([1.0], requires_grad=True)
    >>> opt = ASGD([w], lr=0.1, lambd=0.0)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.8
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _no_differentiable("ASGD", differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        _check(group["weight_decay"] >= 0.0, "weight_decay value", group["weight_decay"])

    @_no_grad_step
    def step(self) -> None:
        """Perform one optimization step; ``step(closure)`` re-evaluates the loss first and returns it."""
        for group in self.param_groups:
            lr, lambd = float(group["lr"]), group["lambd"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = _counter(0.0)
                    state["eta"] = _counter(lr)
                    state["mu"] = _counter(1.0)
                    state["ax"] = zeros_like(p.data)
                step = _bump(state)
                _apply(asgd_kernel, p, p.grad, state, ("ax",), eta=float(state["eta"]), mu=float(state["mu"]),
                       lambd=lambd, weight_decay=group["weight_decay"], maximize=group["maximize"])
                _set_scalar(state, "eta", lr / ((1 + lambd * lr * step) ** group["alpha"]))
                _set_scalar(state, "mu", 1 / max(1, step - group["t0"]))
