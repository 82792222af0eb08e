"""Module hooks: :class:`RemovableHandle` (what every ``register_*_hook`` returns) and the hook half of
:class:`funcgrad.nn.Module` (forward pre-hooks, forward hooks, full backward hooks and pre-hooks), mixed into it.

Full backward hooks put an identity node over the module's inputs and one over its outputs (each a
:class:`funcgrad.autograd.Function`, so each hands all its gradients over at once): the output node collects
``grad_output``, the input node then calls the hooks with ``grad_input`` and ``grad_output``, and what a hook
returns replaces the gradients that flow on.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> m = nn.Linear(3, 2); seen = []
>>> h = m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi[0].shape, go[0].shape)))
>>> m(fg.ones(4, 3, requires_grad=True)).sum().backward(); seen
[(torch.Size([4, 3]), torch.Size([4, 2]))]
"""
from __future__ import annotations

import weakref
from typing import Any, Callable

from ...autograd.function import Function
from ...tensors.tensor import Tensor, is_grad_enabled

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """What the ``register_*_hook`` methods return: ``remove()`` takes the hook away (also on leaving a ``with``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> m = nn.Identity()
    >>> h = m.register_forward_hook(lambda mod, args, out: out * 2)
    >>> m(fg.tensor(1.0))
    tensor(2.)
    >>> h.remove(); m(fg.tensor(1.0))
    tensor(1.)
    """

    _next_id = 0

    def __init__(self, hooks_dict: dict, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1
        extras = [] if extra_dict is None else extra_dict if isinstance(extra_dict, list) else [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing).

        >>> from funcgrad import nn
        >>> m = nn.Identity(); h = m.register_forward_hook(lambda *a: None)
        >>> h.remove(); h.remove(); len(m._forward_hooks)
        0
        """
        for ref in (self.hooks_dict_ref,) + self.extra_dict_ref:
            d = ref()
            if d is not None:
                d.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class _HookIdentity(Function):
    """An identity node over several tensors, whose backward hands all their gradients to a callback at once:
    how full backward hooks see a module's ``grad_output`` (on its outputs) and ``grad_input`` (on its inputs)."""

    @staticmethod
    def forward(ctx: Any, callback: Callable, *xs: Tensor) -> tuple:
        ctx.callback = callback
        return tuple(xs)

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> tuple:
        return (None,) + tuple(ctx.callback(grads))


class _BackwardHooks:
    """One forward call's full backward (pre-)hooks: the output node collects ``grad_output`` (running the pre
    hooks), the input node then calls the hooks with ``grad_input`` and ``grad_output``."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.hooks = list(module._backward_hooks.values())
        self.pre_hooks = list(module._backward_pre_hooks.values())
        self.n_inputs, self.input_index, self.n_outputs, self.output_index = 0, None, 0, []
        self.grad_outputs: tuple | None = None

    @staticmethod
    def _wrap(items: tuple, callback: Callable) -> tuple:
        index = [i for i, x in enumerate(items) if isinstance(x, Tensor) and x.requires_grad]
        if not index or not is_grad_enabled():  # nothing will flow back through these
            return items, None
        wrapped = _HookIdentity.apply(callback, *[items[i] for i in index])
        out = list(items)
        for i, w in zip(index, wrapped):
            out[i] = w
        return tuple(out), index

    @staticmethod
    def _pack(index: list, values: tuple, size: int) -> tuple:
        out = [None] * size
        for i, v in zip(index, values):
            out[i] = v
        return tuple(out)

    def setup_inputs(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        args, self.input_index = self._wrap(args, self._on_grad_inputs)
        return args

    def setup_outputs(self, result: Any) -> Any:
        single = not isinstance(result, tuple)
        items = (result,) if single else result
        self.n_outputs = len(items)
        items, index = self._wrap(items, self._on_grad_outputs)
        self.output_index = index or []
        return items[0] if single else items

    def _check(self, res: Any, expected: int, what: str) -> tuple:
        res = res if isinstance(res, tuple) else (res,)
        if len(res) != expected:
            raise RuntimeError(f"Backward hook returned an invalid number of {what}, got {len(res)}, but expected "
                               f"{expected}")
        return res

    def _on_grad_outputs(self, grads: tuple) -> list:
        grad_outputs = self._pack(self.output_index, grads, self.n_outputs)
        for hook in self.pre_hooks:
            res = hook(self.module, grad_outputs)
            if res is not None:
                grad_outputs = self._check(res, len(grad_outputs), "grad_output")
        self.grad_outputs = grad_outputs
        if self.input_index is None:  # no input requires grad: the hooks run now, with no grad_input
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                res = hook(self.module, grad_inputs, grad_outputs)
                if res is not None and not (isinstance(res, tuple) and all(r is None for r in res)):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should always "
                                       "return None or None for all gradients.")
            self.grad_outputs = None
        return [grad_outputs[i] for i in self.output_index]

    def _on_grad_inputs(self, grads: tuple) -> list:
        grad_inputs = self._pack(self.input_index, grads, self.n_inputs)
        for hook in self.hooks:
            res = hook(self.module, grad_inputs, self.grad_outputs)
            if res is not None:
                grad_inputs = self._check(res, len(grad_inputs), "grad_input")
        self.grad_outputs = None
        return [grad_inputs[i] for i in self.input_index]


class _HooksMixin:
    """The hook registration and the hooked call of :class:`funcgrad.nn.Module`."""

    def _add_hook(self, store: dict, hook: Callable, prepend: bool, flags: tuple = ()) -> RemovableHandle:
        handle = RemovableHandle(store, extra_dict=[f for f, on in flags] or None)
        store[handle.id] = hook
        for f, on in flags:
            if on:
                f[handle.id] = True
        if prepend:
            store.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args)`` (``with_kwargs``: ``hook(module, args, kwargs)``) runs before ``forward``; a
        returned value replaces the arguments (``with_kwargs``: an ``(args, kwargs)`` pair).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Identity(); _ = m.register_forward_pre_hook(lambda mod, args: args[0] + 1); m(fg.zeros(1))
        tensor([1.])
        """
        return self._add_hook(self._forward_pre_hooks, hook, prepend,
                              ((self._forward_pre_hooks_with_kwargs, with_kwargs),))

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` (``with_kwargs``: ``hook(module, args, kwargs, output)``) runs after
        ``forward``; a returned value replaces the output. ``always_call``: it runs even when ``forward`` raises.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Identity(); _ = m.register_forward_hook(lambda mod, args, out: out * 3); m(fg.ones(1))
        tensor([3.])
        """
        return self._add_hook(self._forward_hooks, hook, prepend,
                              ((self._forward_hooks_with_kwargs, with_kwargs),
                               (self._forward_hooks_always_called, always_call)))

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when the gradients of the module's inputs are computed
        (``grad_input`` holds None for inputs that need none; when no input requires grad, it runs with the output
        gradients); a returned tuple replaces ``grad_input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Identity(); x = fg.ones(2, requires_grad=True)
        >>> _ = m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10,))
        >>> m(x).sum().backward(); x.grad
        tensor([10., 10.])
        """
        return self._add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_output)`` runs when the gradients of the module's outputs are computed; a returned
        tuple replaces ``grad_output``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Identity(); x = fg.ones(1, requires_grad=True)
        >>> _ = m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        >>> m(x).sum().backward(); x.grad
        tensor([2.])
        """
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {res}.")
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        backward = None
        if self._backward_hooks or self._backward_pre_hooks:
            backward = _BackwardHooks(self)
            args = backward.setup_inputs(args)
        try:
            result = self.forward(*args, **kwargs)
        except Exception:
            for hid, hook in list(self._forward_hooks.items()):
                if hid in self._forward_hooks_always_called:
                    try:
                        if hid in self._forward_hooks_with_kwargs:
                            hook(self, args, kwargs, None)
                        else:
                            hook(self, args, None)
                    except Exception:  # noqa: BLE001 - the forward's error is the one to see
                        pass
            raise
        for hid, hook in list(self._forward_hooks.items()):
            if hid in self._forward_hooks_with_kwargs:
                res = hook(self, args, kwargs, result)
            else:
                res = hook(self, args, result)
            if res is not None:
                result = res
        if backward is not None:
            result = backward.setup_outputs(result)
        return result

