"""``torch.nn.Module``: the base class of layers and models, with PyTorch's registration, traversal, state-dict,
hook and repr behaviour.

Assigning a :class:`~funcgrad.nn.Parameter`, a Module or an :class:`~funcgrad.nn.Buffer` as an attribute
registers it; ``parameters()``, ``state_dict()``, ``to()`` ... walk the registered tree. Conversions (``to``,
``double``, ``cuda`` ...) rebind each parameter's value in place, so the Parameter objects an optimizer holds stay
the ones the module uses, and each stays a leaf on its own graph node (nothing piles up across calls).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> class Net(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.fc = nn.Linear(2, 1)
...         self.register_buffer("steps", fg.zeros(()))
...     def forward(self, x):
...         return self.fc(x)
>>> net = Net()
>>> [name for name, _ in net.named_parameters()], list(net.state_dict())
(['fc.weight', 'fc.bias'], ['steps', 'fc.weight', 'fc.bias'])
>>> net(fg.ones(3, 2)).shape
torch.Size([3, 1])
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Iterator

from ...tensors.tensor import Tensor
from ..parameter import Parameter, _buffer_persistence
from ._state import _StateMixin
from .hooks import RemovableHandle, _HooksMixin

__all__ = ["Module", "RemovableHandle"]

_TENSOR_TYPES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                 "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
                 "uint8": "ByteTensor", "bool": "BoolTensor", "complex64": "ComplexFloatTensor",
                 "complex128": "ComplexDoubleTensor"}


def _typename(obj: Any) -> str:
    """``torch.typename``'s names, funcgrad's way: ``funcgrad.FloatTensor`` for tensors, the qualified class name
    for other objects."""
    if isinstance(obj, Tensor):
        return "funcgrad." + _TENSOR_TYPES.get(obj.dtype.name, "Tensor")
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ in ("builtins", None) else f"{cls.__module__}.{cls.__qualname__}"


def _addindent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first by ``spaces``."""
    first, *rest = text.split("\n")
    return first if not rest else first + "\n" + "\n".join(" " * spaces + line for line in rest)


class Module(_StateMixin, _HooksMixin):
    """Base class of all neural-network modules (``torch.nn.Module``): subclass it, assign parameters and
    submodules in ``__init__`` (after ``super().__init__()``), and define ``forward``. The conversions and the
    state dict come from ``_state.py``, the hooks from ``hooks.py``.

    >>> from funcgrad import nn
    >>> seq = nn.Module()
    >>> seq.layer = nn.Linear(3, 2)
    >>> seq
    Module(
      (layer): Linear(in_features=3, out_features=2, bias=True)
    )
    """

    dump_patches: bool = False
    _version: int = 1
    call_super_init: bool = False
    training: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not self.call_super_init and kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        if not self.call_super_init and args:
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but {len(args) + 1} "
                            f"were given")
        set_ = object.__setattr__
        set_(self, "training", True)
        for name in ("_parameters", "_buffers", "_modules", "_forward_hooks", "_forward_pre_hooks",
                     "_backward_hooks", "_backward_pre_hooks", "_forward_hooks_with_kwargs",
                     "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):
            set_(self, name, OrderedDict())
        set_(self, "_non_persistent_buffers_set", set())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it (call the module, not ``forward``, so hooks run).

        >>> from funcgrad import nn
        >>> nn.Module().forward()
        Traceback (most recent call last):
        NotImplementedError: Module [Module] is missing the required "forward" function
        """
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # --- registration -------------------------------------------------------------------------------------------
    def _check_name(self, name: Any, kind: str, store: str) -> None:
        if store not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError(f"{kind} name can't contain \".\"")
        if name == "":
            raise KeyError(f"{kind} name can't be empty string \"\"")
        if hasattr(self, name) and name not in self.__dict__[store]:
            raise KeyError(f"attribute '{name}' already exists")

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: state that is no parameter (running statistics); in ``state_dict`` unless
        ``persistent=False``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Module(); m.register_buffer("mean", fg.zeros(2)); m.mean
        tensor([0., 0.])
        """
        self._check_name(name, "buffer", "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' (funcgrad Tensor or "
                            f"None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (None reserves the name, as ``Linear(bias=False)`` does with ``bias``).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Module(); m.register_parameter("w", nn.Parameter(fg.ones(1))); [n for n, _ in m.named_parameters()]
        ['w']
        """
        self._check_name(name, "parameter", "_parameters")
        if param is not None:
            if not isinstance(param, Parameter):
                raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                                f"(funcgrad.nn.Parameter or None required)")
            if param.grad_fn is not None:
                raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                                 f"created explicitly. To express '{name}' as a function of another Tensor, compute "
                                 f"the value in the forward() method.")
        self._parameters[name] = param

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a child module (``module`` may be None).

        >>> from funcgrad import nn
        >>> m = nn.Module(); m.add_module("id", nn.Identity()); list(dict(m.named_children()))
        ['id']
        """
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f"module name can't contain \".\", got: {name}")
        if name == "":
            raise KeyError("module name can't be empty string \"\"")
        self._modules[name] = module

    def register_module(self, name: str, module: "Module | None") -> None:
        """Alias of :meth:`add_module`.

        >>> from funcgrad import nn
        >>> m = nn.Module(); m.register_module("id", nn.Identity()); m.id
        Identity()
        """
        self.add_module(name, module)

    def get_submodule(self, target: str) -> "Module":
        """The submodule at the dotted path ``target`` (``""``: this module).

        >>> from funcgrad import nn
        >>> nn.Sequential(nn.Sequential(nn.Identity())).get_submodule("0.0")
        Identity()
        """
        mod = self
        for item in target.split(".") if target else []:
            if not hasattr(mod, item):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def _get_member(self, target: str, kind: str, check: Callable) -> Any:
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        member = getattr(mod, name)
        if not check(mod, name, member):
            raise AttributeError(f"`{name}` is not {kind}")
        return member

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target``.

        >>> from funcgrad import nn
        >>> nn.Sequential(nn.Linear(2, 3)).get_parameter("0.bias").shape
        torch.Size([3])
        """
        return self._get_member(target, "an nn.Parameter", lambda m, n, v: isinstance(v, Parameter))

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Module(); m.register_buffer("b", fg.ones(1)); m.get_buffer("b")
        tensor([1.])
        """
        return self._get_member(target, "a buffer", lambda m, n, v: n in m._buffers)

    def get_extra_state(self) -> Any:
        """State beyond parameters and buffers for ``state_dict`` (``_extra_state``); override it together with
        :meth:`set_extra_state`.

        >>> from funcgrad import nn
        >>> "_extra_state" in nn.Identity().state_dict()
        False
        """
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called.")

    def set_extra_state(self, state: Any) -> None:
        """Restore what :meth:`get_extra_state` returned (from ``load_state_dict``).

        >>> from funcgrad import nn
        >>> nn.Identity().load_state_dict({})
        <All keys matched successfully>
        """
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called.")

    def _has_extra_state(self) -> bool:
        return type(self).get_extra_state is not Module.get_extra_state

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            members = d.get(store)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params, buffers, modules = d.get("_parameters"), d.get("_buffers"), d.get("_modules")

        def drop(*stores: Any) -> None:
            for s in stores:
                if name in s:
                    s.discard(name) if isinstance(s, set) else s.pop(name)

        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            drop(d, buffers, modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' (funcgrad.nn.Parameter "
                                f"or None expected)")
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            drop(d, params, buffers, self._non_persistent_buffers_set)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' (funcgrad.nn.Module "
                                f"or None expected)")
            modules[name] = value
        else:
            persistent = _buffer_persistence(value) if isinstance(value, Tensor) else None
            if persistent is not None:  # an nn.Buffer
                if buffers is None:
                    raise AttributeError("cannot assign buffer before Module.__init__() call")
                self.register_buffer(name, value, persistent)
            elif buffers is not None and name in buffers:
                if value is not None and not isinstance(value, Tensor):
                    raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' (funcgrad.Tensor or "
                                    f"None expected)")
                buffers[name] = value
            else:
                object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list:
        keys = list(dir(type(self))) + list(self.__dict__) + list(self._parameters) + list(self._modules) + \
            list(self._buffers)
        return sorted(k for k in set(keys) if not k[:1].isdigit())

    # --- traversal ----------------------------------------------------------------------------------------------
    def _named_members(self, get: Callable, prefix: str, recurse: bool, remove_duplicate: bool) -> Iterator:
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        seen: set = set()
        for mod_prefix, mod in modules:
            for name, v in get(mod):
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield (mod_prefix + ("." if mod_prefix else "") + name, v)

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs; a parameter shared by several modules comes once.

        >>> from funcgrad import nn
        >>> [n for n, _ in nn.Sequential(nn.Linear(1, 1)).named_parameters()]
        ['0.weight', '0.bias']
        """
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters (each once), this module's first, then its children's.

        >>> from funcgrad import nn
        >>> [p.shape for p in nn.Linear(2, 3).parameters()]
        [torch.Size([3, 2]), torch.Size([3])]
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)`` pairs, non-persistent buffers included.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Module(); m.register_buffer("b", fg.ones(1), persistent=False); [n for n, _ in m.named_buffers()]
        ['b']
        """
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers.

        >>> from funcgrad import nn
        >>> list(nn.Linear(1, 1).buffers())
        []
        """
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """``(name, module)`` for the direct children (each once).

        >>> from funcgrad import nn
        >>> [n for n, _ in nn.Sequential(nn.Identity(), nn.Identity()).named_children()]
        ['0', '1']
        """
        seen: set = set()
        for name, mod in self._modules.items():
            if mod is not None and id(mod) not in seen:
                seen.add(id(mod))
                yield name, mod

    def children(self) -> Iterator["Module"]:
        """The direct children.

        >>> from funcgrad import nn
        >>> list(nn.Sequential(nn.Identity()).children())
        [Identity()]
        """
        for _, mod in self.named_children():
            yield mod

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """``(dotted name, module)`` for this module (name ``""``) and every module below it, depth first.

        >>> from funcgrad import nn
        >>> [n for n, _ in nn.Sequential(nn.Sequential(nn.Identity())).named_modules()]
        ['', '0', '0.0']
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, mod in self._modules.items():
            if mod is not None:
                yield from mod.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        """This module and every module below it (each once).

        >>> from funcgrad import nn
        >>> len(list(nn.Sequential(nn.Identity(), nn.Identity()).modules()))
        3
        """
        for _, mod in self.named_modules():
            yield mod

    # --- modes and gradients ------------------------------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Set training mode (``training``) here and below; returns this module.

        >>> from funcgrad import nn
        >>> nn.Sequential(nn.Identity()).train(False)[0].training
        False
        """
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for mod in self.children():
            mod.train(mode)
        return self

    def eval(self) -> "Module":
        """``train(False)``.

        >>> from funcgrad import nn
        >>> nn.Identity().eval().training
        False
        """
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Switch recording on or off for every parameter; returns this module.

        >>> from funcgrad import nn
        >>> nn.Linear(1, 1).requires_grad_(False).weight.requires_grad
        False
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def share_memory(self) -> "Module":
        """Move every parameter and buffer into memory shared between processes (``Tensor.share_memory_``), so
        that the module passes to other processes by reference and their optimizer steps update it for all (the
        Hogwild recipe, see ``funcgrad.multiprocessing``); returns this module.

        >>> from funcgrad import nn
        >>> nn.Linear(2, 1).share_memory().weight.is_shared()
        True
        """
        for t in (*self.parameters(), *self.buffers()):
            t.share_memory_()
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the parameters' gradients: set them to None, or with ``set_to_none=False`` to zeros.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Linear(1, 1); m(fg.ones(1)).sum().backward(); m.zero_grad(); m.weight.grad is None
        True
        """
        for p in self.parameters():
            g = p.grad
            if g is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    # --- repr ---------------------------------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The module's own settings for its repr (``in_features=2, ...``); subclasses override it.

        >>> from funcgrad import nn
        >>> nn.Linear(2, 1).extra_repr()
        'in_features=2, out_features=1, bias=True'
        """
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(mod), 2) for name, mod in self._modules.items()]
        lines = extra_lines + child_lines
        if not lines:
            return self._get_name() + "()"
        if len(extra_lines) == 1 and not child_lines:
            return f"{self._get_name()}({extra_lines[0]})"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"
