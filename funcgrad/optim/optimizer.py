"""The optimizer base class (``torch.optim.Optimizer``): parameter groups, per-parameter state, ``zero_grad``,
``state_dict`` / ``load_state_dict``, and the update plumbing the optimizers share.

An optimizer updates its parameters in place under ``no_grad``: each new value is rebound on the parameter's own
graph node, so a parameter keeps its identity, stays a requires-grad leaf, and nothing outlives the step (memory
stays flat over any number of steps); its ``detach()``, ``.data`` and ``state_dict()`` values take the new value
too, as they share storage in PyTorch. State buffers are Tensors updated the same way. The maths
runs on the parameters' own arrays, with array operators and ``funcgrad.numpy`` functions, so parameters on a GPU
are updated there without a round trip to the host.

>>> import funcgrad as fg
>>> from funcgrad.optim import SGD
>>> w = fg.tensor([1.0, 2.0], requires_grad=True)
>>> opt = SGD([w], lr=0.5)
>>> (w * w).sum().backward(); opt.step(); w
tensor([0., 0.], requires_grad=True)
"""
from __future__ import annotations

import copy
import math
from collections import defaultdict
from itertools import chain
from typing import Any, Callable, Iterable

import numpy as np

from .. import numpy as fnp
from ._fused import exclusive
from ..tensors.extras import view_as_complex, view_as_real
from ..tensors.inplace import write_through
from ..tensors.tensor import Tensor, _strip_graph, enable_grad, get_default_dtype, no_grad

__all__ = ["Optimizer", "required"]


class _Required:
    """The default of a hyperparameter that every parameter group must give."""

    def __repr__(self) -> str:
        return "<required parameter>"


#: Marks a hyperparameter without a default (``torch.optim.optimizer.required``).
required = _Required()


def _scalar_dtype() -> np.dtype:
    """The dtype of a ``step`` counter: float32, or float64 when that is the default dtype (as in PyTorch)."""
    return np.dtype(np.float64) if get_default_dtype() == np.float64 else np.dtype(np.float32)


def _counter(value: float) -> Tensor:
    """A 0-d host tensor holding a step count (or another scalar of the state)."""
    return Tensor._from_value(np.array(value, dtype=_scalar_dtype()))  # Tensor(...) would cast to the default


def _bump(state: dict, key: str = "step") -> float:
    """Add one to the counter ``state[key]`` in place; the new count."""
    t = state[key]
    a = exclusive(t)
    if a is not None and a.ndim == 0:  # nobody else sees the counter: write it in place (no new array)
        n = float(a) + 1
        a[()] = n
        return n
    n = float(t) + 1
    t.data = np.array(n, dtype=t.dtype)
    return n


def _value(t: Tensor) -> Any:
    """The array a Tensor holds, outside the Tensor graph (a NumPy or device array: the kernels' operands)."""
    return _strip_graph(t._v)


def _assign(t: Tensor, new: Any) -> None:
    """Rebind ``t``'s value to ``new`` (an array or a Tensor) without recording, keeping ``t``'s identity, dtype
    and graph node; ``t.detach()``, ``t.data`` and ``state_dict()`` values taken earlier see the step, as they
    share storage in PyTorch."""
    if isinstance(new, Tensor) and new.dtype != t.dtype:
        new = new.to(t.dtype)
    write_through(t, new, "Optimizer.step")


def _real(x: Any) -> Any:
    return None if x is None else view_as_real(x)


def _cplx(x: Any) -> Any:
    return None if x is None else view_as_complex(x)


def _apply(kernel: Callable, p: Tensor, g: Tensor, state: dict, names: tuple, **kw: Any) -> None:
    """Run ``kernel(param, grad, *buffers, **kw) -> (new_param, *new_buffers)`` on the values of ``p``, its
    gradient and the state buffers ``names`` (None where absent), and store the results in place. The kernel
    sees arrays (array operators and ``funcgrad.numpy`` functions: the device's own arithmetic). A complex
    parameter is updated through its real view (real and imaginary parts as separate coordinates), as PyTorch
    does."""
    bufs = [state.get(n) for n in names]
    if p.is_complex():
        x, gv = view_as_real(p.data), view_as_real(g.detach())
        new_x, *new_bufs = kernel(x, gv, *[_real(b) for b in bufs], **kw)
        new_x, new_bufs = view_as_complex(new_x), [_cplx(b) for b in new_bufs]
    else:
        gv = _value(g)
        new_x, *new_bufs = kernel(_value(p), gv, *[None if b is None else _value(b) for b in bufs], **kw)
    _assign(p, new_x)
    for n, old, b in zip(names, bufs, new_bufs):
        if b is None:
            continue
        if old is None:  # a buffer created by the step (SGD's momentum): a copy, never the gradient itself
            state[n] = b.clone() if isinstance(b, Tensor) else Tensor._from_value(fnp.copy(b))
        else:
            _assign(old, b)


def _check(ok: bool, what: str, value: Any) -> None:
    if not ok:
        raise ValueError(f"Invalid {what}: {value}")


def _copy_value(v: Any) -> Any:
    """A copy of a state value: Tensors are cloned, lists (L-BFGS's history) copied element by element."""
    if isinstance(v, Tensor):
        return v.detach().clone()
    if isinstance(v, (list, tuple)):
        return type(v)(_copy_value(e) for e in v)
    return copy.deepcopy(v)


def _cast_like(param: Tensor, key: str, v: Any) -> Any:
    """A loaded state value on ``param``'s device, floating buffers in its dtype (``step`` stays as it is). Arrays
    (a NumPy array, a CPU ``torch.Tensor`` of a PyTorch optimizer's state) become Tensors."""
    if not isinstance(v, Tensor) and hasattr(v, "__array__") and hasattr(v, "shape"):
        v = Tensor._from_value(np.array(v))  # its dtype kept (Tensor(...), the legacy constructor, makes floats)
    if isinstance(v, Tensor):
        if key == "step" or key == "mu_product":
            return v.detach().clone()
        if param.is_floating_point() and v.is_floating_point():
            return v.detach().to(dtype=param.dtype, device=param.device).clone()
        return v.detach().to(device=param.device).clone()
    if isinstance(v, (list, tuple)):
        return type(v)(_cast_like(param, key, e) for e in v)
    return copy.deepcopy(v)


class Optimizer:
    """Base class of the optimizers (``torch.optim.Optimizer``).

    ``params`` is an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (parameter groups, each with
    ``"params"`` and its own options); ``defaults`` fills the options a group leaves out. A subclass implements
    ``step``; the base keeps ``param_groups``, ``state`` (a dict keyed by parameter) and ``defaults``.

    >>> import funcgrad as fg
    >>> from funcgrad.optim import Optimizer
    >>> w = fg.tensor([1.0], requires_grad=True)
    >>> opt = Optimizer([w], {"lr": 0.1})
    >>> opt.param_groups[0]["lr"], len(opt.param_groups[0]["params"])
    (0.1, 1)
    """

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got a Tensor (wrap it in a list: [w])")
        if isinstance(params, dict):
            params = [params]
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # --- parameter groups -------------------------------------------------------------------------------------
    def _validate(self, group: dict) -> None:
        """Raise ``ValueError`` for an invalid hyperparameter of ``group`` (subclasses check theirs)."""
        lr = group.get("lr")
        if isinstance(lr, (int, float)):
            _check(lr >= 0.0, "learning rate", lr)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (the optimizer's defaults fill the others), e.g. for
        layers that are unfrozen during training.

        >>> import funcgrad as fg
        >>> from funcgrad.optim import SGD
        >>> opt = SGD([fg.tensor([1.0], requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": [fg.tensor([2.0], requires_grad=True)], "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("a parameter group needs a 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):  # named parameters
            group["param_names"] = [n for n, _ in params]
            params = [p for _, p in params]
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but parameter {i} of a group is a "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (parameter {i} of a group was computed by an "
                                 f"operation); optimize the leaf it was computed from, or w.detach()"
                                 f".requires_grad_()")
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            i = next(k for k, x in enumerate(ids) if x in ids[:k])
            raise ValueError(f"optimizer contains a parameter group with duplicate parameters: parameter {i} is "
                             f"given twice")
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter "
                                 f"{name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if seen & set(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self._validate(group)
        self.param_groups.append(group)

    # --- gradients ----------------------------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (the default), or to zeros with ``set_to_none=False``.

        >>> import funcgrad as fg
        >>> from funcgrad.optim import SGD
        >>> w = fg.tensor([1.0], requires_grad=True); (2 * w).sum().backward()
        >>> opt = SGD([w]); opt.zero_grad(); w.grad is None
        True
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = p.grad.detach()
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step and return ``closure()``'s loss (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _loss(self, closure: Callable[[], Any] | None) -> Any:
        """``closure()`` evaluated with grad mode on (None without a closure)."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # --- saving and loading -------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The optimizer's state in PyTorch's format: ``{"state": {index: {...}}, "param_groups": [{..., "params":
        [indices]}]}``, parameters numbered across groups in order. The tensors are copies.

        >>> import funcgrad as fg
        >>> from funcgrad.optim import SGD
        >>> w = fg.tensor([1.0], requires_grad=True); (2 * w).sum().backward()
        >>> opt = SGD([w], lr=0.1, momentum=0.9); opt.step()
        >>> sd = opt.state_dict(); sd["state"], sd["param_groups"][0]["params"]
        ({0: {'momentum_buffer': tensor([2.])}}, [0])
        """
        index: dict = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: {k: _copy_value(v) for k, v in s.items()}
                 for p, s in self.state.items() if isinstance(p, Tensor) and id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a ``state_dict()``: this optimizer's groups must have the same sizes; its parameters take the
        saved state in order, and the groups take the saved options. Training then resumes exactly.

        >>> import funcgrad as fg
        >>> from funcgrad.optim import SGD
        >>> w = fg.tensor([1.0], requires_grad=True)
        >>> opt = SGD([w], lr=0.1); opt.load_state_dict(SGD([w], lr=0.5).state_dict())
        >>> opt.param_groups[0]["lr"]
        0.5
        """
        saved = state_dict["param_groups"]
        groups = self.param_groups
        if len(groups) != len(saved):
            raise ValueError(f"loaded state dict has a different number of parameter groups ({len(saved)}) than "
                             f"this optimizer ({len(groups)})")
        for i, (g, s) in enumerate(zip(groups, saved)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group: group {i} has {len(s['params'])} parameters saved and "
                                 f"{len(g['params'])} here")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {key: _cast_like(p, key, val) for key, val in v.items()}
            else:
                state[k] = copy.deepcopy(v)
        new_groups = []
        for g, s in zip(groups, saved):
            new = {k: copy.deepcopy(v) for k, v in s.items() if k != "params"}
            if "param_names" in g and "param_names" not in s:
                new["param_names"] = g["param_names"]
            new["params"] = g["params"]
            new_groups.append(new)
        self.state = state
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k not in ("params", "param_names")]
        return "\n".join(lines) + "\n)"


def _bias_sqrt(beta2: float, step: float) -> float:
    """``sqrt(1 - beta2 ** step)``."""
    return math.sqrt(1 - beta2 ** step)


def _no_grad_step(fn: Callable) -> Callable:
    """Run an optimizer's ``step`` body without recording (the closure still records)."""
    def step(self: Optimizer, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._loss(closure)
        with no_grad():
            fn(self)
        return loss
    step.__name__, step.__doc__ = "step", fn.__doc__
    return step
