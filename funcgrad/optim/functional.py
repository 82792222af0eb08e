"""Optimizers for pytrees of arrays, optax-style and pure (``funcgrad.optim.functional``).

Each constructor returns a :class:`PureOptimizer`, a pair of pure functions: ``state = opt.init(params)`` and
``params, state = opt.update(grads, state, params)``. Nothing is mutated; the arithmetic is ``funcgrad.numpy``'s,
so updates work on NumPy (and CuPy) arrays, inside ``funcgrad.grad`` (differentiating through an update) and
under ``funcgrad.vmap`` (a batch of models). ``lr`` may be a number or a schedule: a function of the step count
(0 at the first update). The update rules are the Tensor-face optimizers' (they share these kernels), so both
faces follow the same trajectory on the same gradients.

>>> import numpy as np
>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> from funcgrad.optim import functional as fopt
>>> loss = lambda p: fnp.sum((p["w"] - 3.0) ** 2)
>>> opt = fopt.adam(lr=0.1)
>>> params = {"w": np.zeros(2)}
>>> state = opt.init(params)
>>> for _ in range(300):
...     params, state = opt.update(fg.grad(loss)(params), state, params)
>>> np.round(params["w"], 3)
array([3., 3.])
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from .. import numpy as fnp
from .. import tree
from ._fused import adam_update, scalars

__all__ = ["PureOptimizer", "sgd", "adam", "adamw", "rmsprop", "adagrad", "SGDState", "AdamState", "RMSpropState",
           "AdagradState"]


# --- the update rules, shared with the Tensor face (operands: Tensors, arrays or traced values) --------------------
def _lerp(a: Any, b: Any, w: float) -> Any:
    """``a + w * (b - a)`` the way ``torch.lerp`` computes it for a scalar weight."""
    return a + w * (b - a) if w < 0.5 else b - (b - a) * (1 - w)


def _decay(p: Any, g: Any, weight_decay: float, maximize: bool) -> Any:
    """The gradient, negated for ``maximize``, plus L2 ``weight_decay * p``."""
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * p
    return g


def sgd_kernel(p: Any, g: Any, buf: Any, *, lr: Any, momentum: float, dampening: float, weight_decay: float,
               nesterov: bool, maximize: bool, first: Any = None) -> tuple:
    """One SGD update: ``(new_param, new_momentum_buffer)`` (the buffer is None without momentum). ``first``
    (None: ``buf is None``) marks the first step, where the buffer starts as the gradient.

    >>> import numpy as np
    >>> sgd_kernel(np.ones(2), np.ones(2), None, lr=0.5, momentum=0.9, dampening=0.0, weight_decay=0.0,
    ...            nesterov=False, maximize=False)
    (array([0.5, 0.5]), array([1., 1.]))
    """
    d = _decay(p, g, weight_decay, maximize)
    if momentum != 0:
        first = buf is None if first is None else first
        if first is True:
            buf = d
        elif first is False:
            buf = buf * momentum + (1 - dampening) * d
        else:
            buf = fnp.where(first, d, buf * momentum + (1 - dampening) * d)
        d = d + momentum * buf if nesterov else buf
    else:
        buf = None
    return p - lr * d, buf


def adam_kernel(p: Any, g: Any, m: Any, v: Any, vmax: Any, *, lr: Any, beta1: float, beta2: float, eps: float,
                weight_decay: float, decoupled: bool, maximize: bool, bc1: Any, bc2_sqrt: Any) -> tuple:
    """One Adam (``decoupled``: AdamW) update with bias corrections ``bc1 = 1 - beta1**t`` and ``bc2_sqrt =
    sqrt(1 - beta2**t)``: ``(new_param, m, v, vmax)`` (``vmax`` is None without AMSGrad).

    >>> import numpy as np
    >>> adam_kernel(np.ones(1), np.ones(1), np.zeros(1), np.zeros(1), None, lr=0.1, beta1=0.9, beta2=0.999,
    ...             eps=1e-8, weight_decay=0.0, decoupled=False, maximize=False, bc1=0.1, bc2_sqrt=0.001 ** 0.5)[0]
    array([0.9])
    """
    if maximize:
        g = -g
    if weight_decay != 0:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    m = _lerp(m, g, 1 - beta1)
    v = v * beta2 + (1 - beta2) * g * g
    if vmax is not None:
        vmax = fnp.maximum(vmax, v)
    denom = fnp.sqrt(v if vmax is None else vmax) / bc2_sqrt + eps
    return p - (lr / bc1) * (m / denom), m, v, vmax


def rmsprop_kernel(p: Any, g: Any, sq: Any, buf: Any, gavg: Any, *, lr: Any, alpha: float, eps: float,
                   weight_decay: float, momentum: float, centered: bool, maximize: bool) -> tuple:
    """One RMSprop update: ``(new_param, square_avg, momentum_buffer, grad_avg)`` (None where unused).

    >>> import numpy as np
    >>> rmsprop_kernel(np.ones(1), np.ones(1), np.zeros(1), None, None, lr=0.01, alpha=0.99, eps=0.0,
    ...                weight_decay=0.0, momentum=0.0, centered=False, maximize=False)[0]
    array([0.9])
    """
    g = _decay(p, g, weight_decay, maximize)
    sq = sq * alpha + (1 - alpha) * g * g
    if centered:
        gavg = _lerp(gavg, g, 1 - alpha)
        avg = fnp.sqrt(sq + (-1 * gavg) * gavg) + eps
    else:
        avg = fnp.sqrt(sq) + eps
    if momentum > 0:
        buf = buf * momentum + g / avg
        return p - lr * buf, sq, buf, gavg
    return p - lr * (g / avg), sq, buf, gavg


def adagrad_kernel(p: Any, g: Any, acc: Any, *, clr: Any, eps: float, weight_decay: float,
                   maximize: bool) -> tuple:
    """One Adagrad update with the decayed rate ``clr = lr / (1 + (t - 1) * lr_decay)``: ``(new_param, sum)``.

    >>> import numpy as np
    >>> adagrad_kernel(np.ones(1), 2 * np.ones(1), np.zeros(1), clr=0.5, eps=0.0, weight_decay=0.0,
    ...                maximize=False)
    (array([0.5]), array([4.]))
    """
    g = _decay(p, g, weight_decay, maximize)
    acc = acc + g * g
    return p - clr * (g / (fnp.sqrt(acc) + eps)), acc


# --- the pytree face ------------------------------------------------------------------------------------------------
class PureOptimizer(NamedTuple):
    """A pure optimizer: ``init(params) -> state`` and ``update(grads, state, params) -> (params, state)``.

    >>> import numpy as np
    >>> from funcgrad.optim import functional as fopt
    >>> opt = fopt.sgd(lr=0.5)
    >>> opt.update(np.ones(2), opt.init(np.ones(2)), np.ones(2))[0]
    array([0.5, 0.5])
    """

    init: Callable[[Any], Any]
    update: Callable[[Any, Any, Any], tuple]


class SGDState(NamedTuple):
    """The state of :func:`sgd`: the step count and the momentum buffers (None without momentum).

    >>> import numpy as np
    >>> from funcgrad.optim import functional as fopt
    >>> fopt.sgd(momentum=0.9).init([np.ones(2)]).momentum_buffer
    [array([0., 0.])]
    """

    count: Any
    momentum_buffer: Any


class AdamState(NamedTuple):
    """The state of :func:`adam` / :func:`adamw`: the step count and the moment estimates (``max_exp_avg_sq``
    None without AMSGrad).

    >>> import numpy as np
    >>> from funcgrad.optim import functional as fopt
    >>> s = fopt.adam().init(np.ones(2)); int(s.count), s.exp_avg, s.max_exp_avg_sq
    (0, array([0., 0.]), None)
    """

    count: Any
    exp_avg: Any
    exp_avg_sq: Any
    max_exp_avg_sq: Any


class RMSpropState(NamedTuple):
    """The state of :func:`rmsprop`: the step count, the squared-gradient average, momentum and gradient
    averages (None where unused).

    >>> import numpy as np
    >>> from funcgrad.optim import functional as fopt
    >>> s = fopt.rmsprop(centered=True).init(np.ones(1)); s.grad_avg, s.momentum_buffer
    (array([0.]), None)
    """

    count: Any
    square_avg: Any
    momentum_buffer: Any
    grad_avg: Any


class AdagradState(NamedTuple):
    """The state of :func:`adagrad`: the step count and the sums of squared gradients.

    >>> import numpy as np
    >>> from funcgrad.optim import functional as fopt
    >>> fopt.adagrad(initial_accumulator_value=0.1).init(np.ones(2)).sum
    array([0.1, 0.1])
    """

    count: Any
    sum: Any


def _count() -> Any:
    """The step count: a host integer (the step-dependent scalars are then Python numbers)."""
    return np.zeros((), dtype=np.int64)


def _full(p: Any, value: float) -> Any:
    """An array like ``p`` (shape, dtype, device) filled with ``value``. (Built from ``p``'s shape rather than with
    ``zeros_like``, whose batching rule under ``vmap`` adds the batch axis twice.)"""
    return fnp.full(fnp.shape(p), value, dtype=fnp.result_type(p), like=p)


def _zeros(params: Any) -> Any:
    return tree.map(lambda p: _full(p, 0.0), params)


def _rate(lr: Any, count: Any) -> Any:
    return lr(count) if callable(lr) else lr


def _map(fn: Callable, n_out: int, params: Any, *rest: Any) -> tuple:
    """``fn`` over the leaves of ``params`` and of the trees ``rest`` of the same structure (a None tree gives None
    leaves), returning ``n_out`` trees (None where ``fn`` gives None)."""
    leaves, treedef = tree.flatten(params)
    others = []
    for r in rest:
        if r is None:
            others.append([None] * len(leaves))
            continue
        rl, rdef = tree.flatten(r)
        if rdef != treedef:
            raise ValueError(f"the gradients or the state do not match the parameters' structure: {rdef!r} vs "
                             f"{treedef!r}")
        others.append(rl)
    outs = [fn(*args) for args in zip(leaves, *others)]
    return tuple(None if outs and outs[0][i] is None else tree.unflatten(treedef, [o[i] for o in outs])
                 for i in range(n_out))


def _like(s: Any, p: Any) -> Any:
    """A step-dependent scalar in ``p``'s dtype (a 0-d float64 array would promote float32 parameters)."""
    if isinstance(s, (np.ndarray, np.generic)) and s.ndim == 0:  # a host scalar: a Python number, which takes
        return float(s)                                             # p's dtype and works with device arrays
    if not hasattr(s, "dtype"):
        return s
    return fnp.astype(s, fnp.result_type(p))


def _check_lr(lr: Any) -> None:
    if not callable(lr) and lr < 0:
        raise ValueError(f"Invalid learning rate: {lr}")


def sgd(lr: Any = 1e-3, momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
        nesterov: bool = False, *, maximize: bool = False) -> PureOptimizer:
    """Stochastic gradient descent with momentum (``torch.optim.SGD``'s rule) for pytrees.

    >>> import numpy as np
    >>> from funcgrad.optim import functional as fopt
    >>> opt = fopt.sgd(lr=0.1, momentum=0.9)
    >>> p, s = opt.update([np.ones(1)], opt.init([np.zeros(1)]), [np.zeros(1)]); p
    [array([-0.1])]
    """
    _check_lr(lr)
    if momentum < 0 or weight_decay < 0:
        raise ValueError(f"Invalid momentum value: {momentum}" if momentum < 0 else
                         f"Invalid weight_decay value: {weight_decay}")
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def init(params: Any) -> SGDState:
        return SGDState(_count(), _zeros(params) if momentum != 0 else None)

    def update(grads: Any, state: SGDState, params: Any) -> tuple:
        rate, first = _rate(lr, state.count), state.count == 0
        if isinstance(first, (np.ndarray, np.generic)):  # a host count: decide in Python
            first = bool(first)
        new_p, bufs = _map(lambda p, g, b: sgd_kernel(p, g, b, lr=_like(rate, p), momentum=momentum,
                                                      dampening=dampening, weight_decay=weight_decay,
                                                      nesterov=nesterov, maximize=maximize, first=first),
                           2, params, grads, state.momentum_buffer)
        return new_p, SGDState(state.count + 1, bufs)

    return PureOptimizer(init, update)


def _adam_leaf(p: Any, g: Any, m: Any, v: Any, vm: Any, **kw: Any) -> tuple:
    """:func:`adam_kernel` on one leaf; for host arrays (nothing traced) the same operations write into fresh
    outputs block by block (``_fused``) instead of making a temporary per operation."""
    if type(g) is np.ndarray and not g.flags.c_contiguous:  # a weight's gradient is often a transpose
        g = np.ascontiguousarray(g)
    arrays = (p, g, m, v) if vm is None else (p, g, m, v, vm)
    if (all(type(a) is np.ndarray and a.flags.c_contiguous and a.shape == p.shape and a.dtype == p.dtype
            for a in arrays) and p.dtype.kind == "f"
            and scalars(kw["lr"], kw["beta1"], kw["beta2"], kw["eps"], kw["weight_decay"], kw["bc1"],
                        kw["bc2_sqrt"])):
        out = (np.empty_like(p), np.empty_like(m), np.empty_like(v), None if vm is None else np.empty_like(vm))
        adam_update(p, g, m, v, vm, out=out, **kw)
        return out
    return adam_kernel(p, g, m, v, vm, **kw)


def _adam(lr: Any, betas: tuple, eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
          decoupled: bool) -> PureOptimizer:
    _check_lr(lr)
    beta1, beta2 = betas
    if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
        raise ValueError(f"Invalid beta parameters: {betas}")
    if eps < 0 or weight_decay < 0:
        raise ValueError(f"Invalid epsilon value: {eps}" if eps < 0 else f"Invalid weight_decay value: "
                         f"{weight_decay}")

    def init(params: Any) -> AdamState:
        return AdamState(_count(), _zeros(params), _zeros(params), _zeros(params) if amsgrad else None)

    def update(grads: Any, state: AdamState, params: Any) -> tuple:
        rate = _rate(lr, state.count)
        t = fnp.astype(state.count + 1, "float64")
        bc1, bc2_sqrt = 1 - fnp.power(beta1, t), fnp.sqrt(1 - fnp.power(beta2, t))
        new_p, m, v, vmax = _map(lambda p, g, m, v, vm: _adam_leaf(
            p, g, m, v, vm, lr=_like(rate, p), beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
            decoupled=decoupled, maximize=maximize, bc1=_like(bc1, p), bc2_sqrt=_like(bc2_sqrt, p)),
            4, params, grads, state.exp_avg, state.exp_avg_sq, state.max_exp_avg_sq)
        return new_p, AdamState(state.count + 1, m, v, vmax)

    return PureOptimizer(init, update)


def adam(lr: Any = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
         amsgrad: bool = False, *, maximize: bool = False) -> PureOptimizer:
    """Adam (``torch.optim.Adam``'s rule, L2 ``weight_decay``) for pytrees.

    >>> import numpy as np
    >>> from funcgrad.optim import functional as fopt
    >>> opt = fopt.adam(lr=0.1)
    >>> opt.update(np.ones(1), opt.init(np.zeros(1)), np.zeros(1))[0]
    array([-0.1])
    """
    return _adam(lr, betas, eps, weight_decay, amsgrad, maximize, False)


def adamw(lr: Any = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
          amsgrad: bool = False, *, maximize: bool = False) -> PureOptimizer:
    """AdamW (``torch.optim.AdamW``'s rule: decoupled weight decay) for pytrees.

    >>> import numpy as np
    >>> from funcgrad.optim import functional as fopt
    >>> opt = fopt.adamw(lr=0.1, weight_decay=0.5)
    >>> opt.update(np.zeros(1), opt.init(np.ones(1)), np.ones(1))[0]
    array([0.95])
    """
    return _adam(lr, betas, eps, weight_decay, amsgrad, maximize, True)


def rmsprop(lr: Any = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
            momentum: float = 0.0, centered: bool = False, *, maximize: bool = False) -> PureOptimizer:
    """RMSprop (``torch.optim.RMSprop``'s rule) for pytrees.

    >>> import numpy as np
    >>> from funcgrad.optim import functional as fopt
    >>> opt = fopt.rmsprop(lr=0.01, eps=0.0)
    >>> opt.update(np.ones(1), opt.init(np.ones(1)), np.ones(1))[0]
    array([0.9])
    """
    _check_lr(lr)
    if alpha < 0 or eps < 0 or momentum < 0 or weight_decay < 0:
        raise ValueError(f"Invalid RMSprop hyperparameters: alpha={alpha}, eps={eps}, momentum={momentum}, "
                         f"weight_decay={weight_decay}")

    def init(params: Any) -> RMSpropState:
        return RMSpropState(_count(), _zeros(params), _zeros(params) if momentum > 0 else None,
                            _zeros(params) if centered else None)

    def update(grads: Any, state: RMSpropState, params: Any) -> tuple:
        rate = _rate(lr, state.count)
        new_p, sq, buf, gavg = _map(lambda p, g, s, b, a: rmsprop_kernel(
            p, g, s, b, a, lr=_like(rate, p), alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered, maximize=maximize), 4, params, grads, state.square_avg, state.momentum_buffer,
            state.grad_avg)
        return new_p, RMSpropState(state.count + 1, sq, buf, gavg)

    return PureOptimizer(init, update)


def adagrad(lr: Any = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
            eps: float = 1e-10, *, maximize: bool = False) -> PureOptimizer:
    """Adagrad (``torch.optim.Adagrad``'s rule) for pytrees.

    >>> import numpy as np
    >>> from funcgrad.optim import functional as fopt
    >>> opt = fopt.adagrad(lr=0.5, eps=0.0)
    >>> opt.update(2 * np.ones(1), opt.init(np.ones(1)), np.ones(1))[0]
    array([0.5])
    """
    _check_lr(lr)
    if lr_decay < 0 or weight_decay < 0 or initial_accumulator_value < 0 or eps < 0:
        raise ValueError(f"Invalid Adagrad hyperparameters: lr_decay={lr_decay}, weight_decay={weight_decay}, "
                         f"initial_accumulator_value={initial_accumulator_value}, eps={eps}")

    def init(params: Any) -> AdagradState:
        return AdagradState(_count(), tree.map(lambda p: _full(p, initial_accumulator_value), params))

    def update(grads: Any, state: AdagradState, params: Any) -> tuple:
        clr = _rate(lr, state.count) / (1 + fnp.astype(state.count, "float64") * lr_decay)
        new_p, acc = _map(lambda p, g, a: adagrad_kernel(p, g, a, clr=_like(clr, p), eps=eps, weight_decay=weight_decay,
                                                         maximize=maximize), 2, params, grads, state.sum)
        return new_p, AdagradState(state.count + 1, acc)

    return PureOptimizer(init, update)

