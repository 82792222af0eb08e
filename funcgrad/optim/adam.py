"""The Adam family: ``Adam``, ``AdamW``, ``Adamax``, ``NAdam``, ``RAdam`` (``torch.optim``'s, same defaults)."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from .. import numpy as fnp
from ..core import Box
from ..tensors.creation import zeros_like
from ._fused import adam_update, exclusive, scalars
from .functional import _decay, _lerp, adam_kernel
from .optimizer import Optimizer, _apply, _bias_sqrt, _bump, _check, _counter, _no_grad_step, _value

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


def _unsupported(name: str, **flags: Any) -> None:
    on = [k for k, v in flags.items() if v]
    if on:
        raise NotImplementedError(f"{name}: {', '.join(k + '=True' for k in on)} is not supported")


class _AdamBase(Optimizer):
    """Shared checks of the Adam family."""

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        _check(group["eps"] >= 0.0, "epsilon value", group["eps"])
        b1, b2 = group["betas"]
        _check(0.0 <= b1 < 1.0, "beta parameter at index 0", b1)
        _check(0.0 <= b2 < 1.0, "beta parameter at index 1", b2)
        _check(group["weight_decay"] >= 0.0, "weight_decay value", group["weight_decay"])

    def _next_step(self, p: Any, *buffers: str) -> tuple:
        """``p``'s state, lazily created with a step count and zero ``buffers``, and the new step number."""
        state = self.state[p]
        if not state:
            state["step"] = _counter(0.0)
            for name in buffers:
                state[name] = zeros_like(p.data)
        return state, _bump(state)


def _adam_in_place(p: Any, g: Any, state: dict, kw: dict, bc1: float, bc2_sqrt: float) -> bool:
    """Adam's update written into ``p`` and its moments (``_fused``), where nobody else holds them; False (nothing
    done) otherwise: the general path then runs."""
    pa = exclusive(p)
    if pa is None:
        return False
    gv = g._v
    ga = gv.value if type(gv) is Box else gv
    m, v = exclusive(state["exp_avg"]), exclusive(state["exp_avg_sq"])
    vmax = state.get("max_exp_avg_sq")
    if vmax is not None:
        vmax = exclusive(vmax)
        if vmax is None:
            return False
    arrays = (pa, m, v) if vmax is None else (pa, m, v, vmax)
    if type(ga) is np.ndarray and not ga.flags.c_contiguous:  # a weight's gradient is often a transpose
        ga = np.ascontiguousarray(ga)
    if (m is None or v is None or type(ga) is not np.ndarray
            or any(a.shape != pa.shape or a.dtype != pa.dtype for a in (ga, m, v))
            or (vmax is not None and (vmax.shape != pa.shape or vmax.dtype != pa.dtype))
            or any(np.may_share_memory(ga, a) for a in arrays)):
        return False
    adam_update(pa, ga, m, v, vmax, bc1=bc1, bc2_sqrt=bc2_sqrt, **kw)
    return True


class Adam(_AdamBase):
    """Adam (``torch.optim.Adam``): moment estimates ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 v + (1 - beta2)
    g**2`` (AMSGrad: the running maximum of ``v``), and ``p -= lr / (1 - beta1**t) * m / (sqrt(v / (1 -
    beta2**t)) + eps)``; ``weight_decay`` adds ``weight_decay * p`` to the gradient (or, with
    ``decoupled_weight_decay``, scales ``p`` by ``1 - lr * weight_decay`` as AdamW does).

    >>> import funcgrad as fg
    >>> from funcgrad.optim import Adam
    >>> w = fg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        _unsupported(type(self).__name__, differentiable=differentiable, fused=fused)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    @_no_grad_step
    def step(self) -> None:
        """Perform one optimization step; ``step(closure)`` re-evaluates the loss first and returns it."""
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())
            kw = dict(lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
                      weight_decay=group["weight_decay"], decoupled=group["decoupled_weight_decay"],
                      maximize=group["maximize"])
            fast = scalars(kw["lr"], beta1, beta2, kw["eps"], kw["weight_decay"])
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                state, step = self._next_step(p, *names)
                bc1, bc2_sqrt = 1 - beta1 ** step, _bias_sqrt(beta2, step)
                if not (fast and _adam_in_place(p, g, state, kw, bc1, bc2_sqrt)):
                    _apply(adam_kernel, p, g, state, ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), bc1=bc1,
                           bc2_sqrt=bc2_sqrt, **kw)


class AdamW(Adam):
    """AdamW (``torch.optim.AdamW``): Adam with decoupled weight decay, ``p *= 1 - lr * weight_decay`` before
    the Adam step (``weight_decay=1e-2`` by default).

    >>> import funcgrad as fg
    >>> from funcgrad.optim import AdamW
    >>> w = fg.tensor([1.0], requires_grad=True)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (0 * w).sum().backward(); opt.step(); w
    tensor([0.9500], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


def _adamax_kernel(p: Any, g: Any, m: Any, u: Any, *, lr: float, beta1: float, beta2: float, eps: float,
                   weight_decay: float, maximize: bool, bc1: float) -> tuple:
    g = _decay(p, g, weight_decay, maximize)
    m = _lerp(m, g, 1 - beta1)
    u = fnp.maximum(u * beta2, fnp.abs(g) + eps)
    return p - (lr / bc1) * (m / u), m, u


class Adamax(_AdamBase):
    """Adamax (``torch.optim.Adamax``), Adam with the infinity norm: ``u = max(beta2 u, |g| + eps)`` and
    ``p -= lr / (1 - beta1**t) * m / u``.

    >>> import funcgrad as fg
    >>> from funcgrad.optim import Adamax
    >>> w = fg.tensor([1.0], requires_grad=True)
    >>> opt = Adamax([w], lr=0.1, eps=0.0)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _unsupported("Adamax", differentiable=differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    @_no_grad_step
    def step(self) -> None:
        """Perform one optimization step; ``step(closure)`` re-evaluates the loss first and returns it."""
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state, step = self._next_step(p, "exp_avg", "exp_inf")
                _apply(_adamax_kernel, p, p.grad, state, ("exp_avg", "exp_inf"), lr=group["lr"], beta1=beta1,
                       beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                       maximize=group["maximize"], bc1=1 - beta1 ** step)


def _nadam_kernel(p: Any, g: Any, m: Any, v: Any, *, lr: float, beta1: float, beta2: float, eps: float,
                  weight_decay: float, decoupled: bool, maximize: bool, bc2: float, mu: float, mu_next: float,
                  mu_prod: float, mu_prod_next: float) -> tuple:
    if maximize:
        g = -g
    if weight_decay != 0:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    m = _lerp(m, g, 1 - beta1)
    v = v * beta2 + (1 - beta2) * g * g
    denom = fnp.sqrt(v / bc2) + eps
    p = p + (-lr * (1.0 - mu) / (1.0 - mu_prod)) * (g / denom)
    return p + ((-lr * mu_next) / (1.0 - mu_prod_next)) * (m / denom), m, v


class NAdam(_AdamBase):
    """NAdam (``torch.optim.NAdam``): Adam with Nesterov momentum, the momentum schedule ``mu_t = beta1 (1 -
    0.5 * 0.96 ** (t * momentum_decay))``; ``decoupled_weight_decay`` gives NAdamW.

    >>> import funcgrad as fg
    >>> from funcgrad.optim import NAdam
    >>> w = fg.tensor([1.0], requires_grad=True)
    >>> opt = NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
    0.8944
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _unsupported("NAdam", differentiable=differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        _check(group["momentum_decay"] >= 0.0, "momentum_decay value", group["momentum_decay"])

    @_no_grad_step
    def step(self) -> None:
        """Perform one optimization step; ``step(closure)`` re-evaluates the loss first and returns it."""
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            decay = group["momentum_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                fresh = not self.state[p]
                state, step = self._next_step(p, "exp_avg", "exp_avg_sq")
                if fresh:  # the product of the momentum schedule, in the scalar dtype as PyTorch keeps it
                    state = {"step": state.pop("step"), "mu_product": _counter(1.0), **state}
                    self.state[p] = state
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
                prod = state["mu_product"]
                prod.data = _value(prod) * mu  # in the counter's dtype, as PyTorch's in-place product
                mu_prod = float(prod)
                _apply(_nadam_kernel, p, p.grad, state, ("exp_avg", "exp_avg_sq"), lr=group["lr"], beta1=beta1,
                       beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                       decoupled=group["decoupled_weight_decay"], maximize=group["maximize"],
                       bc2=1 - beta2 ** step, mu=mu, mu_next=mu_next, mu_prod=mu_prod, mu_prod_next=mu_prod * mu_next)


def _radam_kernel(p: Any, g: Any, m: Any, v: Any, *, lr: float, beta1: float, beta2: float, eps: float,
                  weight_decay: float, decoupled: bool, maximize: bool, bc1: float, bc2: float,
                  rect: float | None) -> tuple:
    if maximize:
        g = -g
    if weight_decay != 0:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    m = _lerp(m, g, 1 - beta1)
    v = v * beta2 + (1 - beta2) * g * g
    corrected = m / bc1
    if rect is None:  # the variance is not yet tractable: an SGD-with-momentum step
        return p - corrected * lr, m, v
    adaptive = math.sqrt(bc2) / (fnp.sqrt(v) + eps)
    return p - corrected * lr * adaptive * rect, m, v


class RAdam(_AdamBase):
    """RAdam (``torch.optim.RAdam``): Adam with the variance rectification term, taking momentum-only steps while
    the approximated SMA length ``rho_t`` is at most 5; ``decoupled_weight_decay`` decays as AdamW does.

    >>> import funcgrad as fg
    >>> from funcgrad.optim import RAdam
    >>> w = fg.tensor([1.0], requires_grad=True)
    >>> opt = RAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([0.8000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        _unsupported("RAdam", differentiable=differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @_no_grad_step
    def step(self) -> None:
        """Perform one optimization step; ``step(closure)`` re-evaluates the loss first and returns it."""
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            rho_inf = 2 / (1 - beta2) - 1
            for p in group["params"]:
                if p.grad is None:
                    continue
                state, step = self._next_step(p, "exp_avg", "exp_avg_sq")
                bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
                rect = None
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                _apply(_radam_kernel, p, p.grad, state, ("exp_avg", "exp_avg_sq"), lr=group["lr"], beta1=beta1,
                       beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                       decoupled=group["decoupled_weight_decay"], maximize=group["maximize"], bc1=bc1, bc2=bc2,
                       rect=rect)
