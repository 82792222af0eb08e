"""``export_module``: a module's forward, or its loss and gradients, as one ``funcgrad.export`` program.

The program takes the parameters and buffers as inputs (dicts of arrays, by ``named_parameters()`` names), so the
saved file holds no weights of its own and a loaded program runs with any state of the same shapes: the forward
``(params, buffers, x) -> output``, or with a loss the training step's core ``(params, buffers, x, target) ->
(loss, gradients of the parameters)``. The module runs functionally (``funcgrad.func.functional_call``) while it is
recorded, in its current mode: call ``eval()`` first for inference (dropout off, BatchNorm on its running
statistics; in training mode a draw would be frozen into the program, and the running statistics' update is not
part of it).
"""
from __future__ import annotations

from typing import Any, Callable

from ..func import functional_call
from ..jit.export import Exported, export
from ..nn.modules.module import Module
from ..tensors.tensor import Tensor
from ..transforms import value_and_grad

__all__ = ["export_module", "module_state"]


def _plain(t: Any) -> Any:
    return t.detach().numpy() if isinstance(t, Tensor) else t


def module_state(module: Module) -> tuple[dict, dict]:
    """``(params, buffers)``: the module's parameters and buffers as dicts of plain arrays, the first arguments
    of an exported module's program.

    >>> import funcgrad as fg
    >>> p, b = module_state(fg.nn.Linear(2, 1)); sorted(p), b
    (['bias', 'weight'], {})
    """
    params = {n: _plain(p) for n, p in module.named_parameters()}
    buffers = {n: _plain(b) for n, b in module.named_buffers()}
    return params, buffers


def export_module(module: Module, example_input: Any, loss_fn: Callable | None = None,
                  example_target: Any = None) -> Exported:
    """Export ``module``'s forward, ``(params, buffers, x) -> module(x)``, or with ``loss_fn`` its loss and
    parameter gradients, ``(params, buffers, x, target) -> (loss_fn(module(x), target), grads)`` (see the module
    docstring); :func:`module_state` gives ``params`` and ``buffers``.

    >>> import numpy as np, funcgrad as fg
    >>> m = fg.nn.Linear(2, 1); p, b = module_state(m); x = np.ones((3, 2), np.float32)
    >>> ex = export_module(m, x)
    >>> np.allclose(ex.call(p, b, x), m(fg.tensor(x)).detach().numpy())
    True
    """
    if not isinstance(module, Module):
        raise TypeError(f"funcgrad.compiler.export_module: expected an nn.Module, got {type(module).__name__}")
    params, buffers = module_state(module)
    x = _plain(example_input)
    name = type(module).__name__

    def forward(p, b, inp):
        return functional_call(module, (p, b), (inp,))

    if loss_fn is None:
        forward.__name__ = f"{name}_forward"
        return export(forward, params, buffers, x)
    if example_target is None:
        raise ValueError("funcgrad.compiler.export_module: a loss_fn needs example_target, the target of one batch "
                         "(the exported step takes it as its fourth argument)")
    y = _plain(example_target)

    def loss(p, b, inp, target):
        out = forward(p, b, inp)
        val = loss_fn(Tensor._from_value(out), Tensor._from_value(target))
        return val._v if isinstance(val, Tensor) else val

    def step(p, b, inp, target):
        return value_and_grad(loss)(p, b, inp, target)

    step.__name__ = f"{name}_loss_and_grad"
    return export(step, params, buffers, x, y)
