"""HIPS autograd's ``autograd.misc.optimizers`` with its signatures: ``sgd``, ``rmsprop``, ``adam``.

``grad(x, i)`` gives the gradient at ``x`` on iteration ``i``, ``callback(x, i, g)`` is called before each step;
``x0`` may be any pytree (it is flattened, updated as one vector, and unflattened for each call). The updates are
funcgrad.numpy operations, so an optimizer run can itself be differentiated (meta-optimization).

>>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
>>> from funcgrad.misc.optimizers import adam
>>> x = adam(fg.grad(lambda p, i: fnp.sum((p["w"] - 3.0) ** 2)), {"w": np.zeros(2)}, step_size=0.1,
...          num_iters=500)
>>> np.round(x["w"], 3)
array([3., 3.])
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from ... import numpy as fnp
from .flatten import flatten

__all__ = ["unflatten_optimizer", "sgd", "rmsprop", "adam"]


def unflatten_optimizer(optimize: Callable) -> Callable:
    """An optimizer over flat 1-D arrays as one over pytrees (autograd's decorator of the same name)."""
    @functools.wraps(optimize)
    def _optimize(grad: Callable, x0: Any, callback: Callable | None = None, *args, **kwargs) -> Any:
        _x0, unflatten = flatten(x0)

        def _grad(x, i):
            return flatten(grad(unflatten(x), i))[0]

        _callback = None
        if callback:
            def _callback(x, i, g):
                return callback(unflatten(x), i, unflatten(g))
        return unflatten(optimize(_grad, _x0, _callback, *args, **kwargs))

    return _optimize


@unflatten_optimizer
def sgd(grad, x, callback=None, num_iters=200, step_size=0.1, mass=0.9):
    """Stochastic gradient descent with momentum."""
    velocity = fnp.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        velocity = mass * velocity - (1.0 - mass) * g
        x = x + step_size * velocity
    return x


@unflatten_optimizer
def rmsprop(grad, x, callback=None, num_iters=100, step_size=0.1, gamma=0.9, eps=10**-8):
    """Root mean squared propagation."""
    avg_sq_grad = fnp.ones(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        avg_sq_grad = avg_sq_grad * gamma + g ** 2 * (1 - gamma)
        x = x - step_size * g / (fnp.sqrt(avg_sq_grad) + eps)
    return x


@unflatten_optimizer
def adam(grad, x, callback=None, num_iters=100, step_size=0.001, b1=0.9, b2=0.999, eps=10**-8):
    """Adam (Kingma and Ba, 2015), with bias-corrected moment estimates."""
    m = fnp.zeros(len(x))
    v = fnp.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * (g ** 2) + b2 * v
        mhat = m / (1 - b1 ** (i + 1))
        vhat = v / (1 - b2 ** (i + 1))
        x = x - step_size * mhat / (fnp.sqrt(vhat) + eps)
    return x
