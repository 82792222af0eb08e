"""``torch.func``'s module tools: run a Module on parameters you pass in, so the functional transforms (``grad``,
``vmap``, ``jacrev``, ``hessian`` ...) apply to models.

``functional_call`` swaps the named parameters and buffers for the given values for one call; the values may be
plain arrays, Tensors, or values traced by a transform, and so may the arguments. Inside the call they are
Tensors (the layers are Tensor code); what comes out is unwrapped again where the inputs were not Tensors, so a
transform sees its own traced values. The module itself is left as it was, whatever happens in the call.

>>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
>>> from funcgrad import nn
>>> from funcgrad.func import functional_call
>>> model = nn.Linear(2, 1)
>>> params = {k: v.detach().numpy() for k, v in model.named_parameters()}
>>> x = np.ones((3, 2), dtype=np.float32)
>>> g = fg.grad(lambda p: fnp.sum(functional_call(model, p, (x,))))(params)
>>> g["weight"].tolist(), g["bias"].tolist()
([[3.0, 3.0]], [3.0])
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator, Mapping, Sequence

from . import numpy as fnp
from . import tree
from .nn.modules.module import Module
from .tensors.tensor import Tensor

__all__ = ["functional_call", "stack_module_state"]


def _as_tensor(v: Any) -> Any:
    return v if isinstance(v, Tensor) else Tensor._from_value(v)


def _owner(module: Module, name: str) -> tuple[Module, str]:
    *path, leaf = name.split(".")
    owner = module
    for part in path:
        if part not in owner._modules:
            raise KeyError(f"functional_call: {type(module).__name__} has no submodule {part!r} (in {name!r})")
        owner = owner._modules[part]
    if leaf not in owner._parameters and leaf not in owner._buffers:
        raise KeyError(f"functional_call: {type(module).__name__} has no parameter or buffer named {name!r}; its "
                       f"names are those of named_parameters() and named_buffers()")
    return owner, leaf


@contextlib.contextmanager
def _swapped(module: Module, values: Mapping[str, Any]) -> Iterator[None]:
    saved = []
    try:
        for name, value in values.items():
            owner, leaf = _owner(module, name)
            store = owner._parameters if leaf in owner._parameters else owner._buffers
            saved.append((store, leaf, store[leaf]))
            store[leaf] = _as_tensor(value)
        yield
    finally:
        for store, leaf, original in reversed(saved):
            store[leaf] = original


def functional_call(module: Module, parameter_and_buffer_dicts: Mapping[str, Any] | Sequence[Mapping[str, Any]],
                    args: Any = (), kwargs: Mapping[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the named parameters and buffers replaced by the given values for this call
    (``torch.func.functional_call``). Names not given keep the module's own values; with ``strict`` every
    parameter and buffer must be given. Non-Tensor inputs give non-Tensor outputs (the transforms' own values).

    >>> import numpy as np, funcgrad as fg
    >>> from funcgrad import nn
    >>> m = nn.Linear(1, 1)
    >>> functional_call(m, {"weight": np.array([[2.0]]), "bias": np.array([1.0])}, (np.array([[3.0]]),)).tolist()
    [[7.0]]
    """
    if isinstance(parameter_and_buffer_dicts, Mapping):
        values = dict(parameter_and_buffer_dicts)
    else:
        values = {}
        for d in parameter_and_buffer_dicts:
            clash = set(values) & set(d)
            if clash:
                raise ValueError(f"functional_call: {sorted(clash)} appear in more than one of the dicts given")
            values.update(d)
    if strict:
        expected = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
        missing = sorted(expected - set(values))
        if missing:
            raise RuntimeError(f"functional_call(strict=True): missing {missing}")
    args = args if isinstance(args, tuple) else (args,)
    kwargs = dict(kwargs or {})
    is_tensor = lambda x: isinstance(x, Tensor)  # noqa: E731
    leaves = tree.leaves((args, kwargs, values), is_leaf=is_tensor)
    plain_io = not any(isinstance(x, Tensor) for x in leaves)

    def wrap(x: Any) -> Any:
        return _as_tensor(x) if hasattr(x, "shape") and not isinstance(x, Tensor) else x

    args, kwargs = tree.map(wrap, (args, kwargs), is_leaf=is_tensor)
    with _swapped(module, values):
        out = module(*args, **kwargs)
    if plain_io:  # give the transform back its own values
        out = tree.map(lambda x: x._v if isinstance(x, Tensor) else x, out, is_leaf=is_tensor)
    return out


def stack_module_state(models: Sequence[Module]) -> tuple[dict, dict]:
    """The parameters and buffers of ``models`` (same structure) stacked along a new leading axis, as two dicts
    (``torch.func.stack_module_state``): the state of an ensemble, to ``vmap`` over with :func:`functional_call`.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> params, buffers = stack_module_state([nn.Linear(2, 3) for _ in range(4)])
    >>> params["weight"].shape, buffers
    ((4, 3, 2), {})
    """
    models = list(models)
    if not models:
        raise ValueError("stack_module_state: expected at least one model")
    names = [n for n, _ in models[0].named_parameters()]
    bnames = [n for n, _ in models[0].named_buffers()]
    for m in models[1:]:
        if [n for n, _ in m.named_parameters()] != names or [n for n, _ in m.named_buffers()] != bnames:
            raise ValueError("stack_module_state: the models do not have the same parameters and buffers")

    def stack(getter, keys):
        return {k: fnp.stack([dict(getter(m))[k].detach() for m in models]) for k in keys}

    params = stack(lambda m: m.named_parameters(), names)
    for p in params.values():
        p.requires_grad_()
    return params, stack(lambda m: m.named_buffers(), bnames)
