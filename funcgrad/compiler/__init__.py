"""``funcgrad.compile`` and ``funcgrad.compiler`` (``torch.compile``, ``torch.compiler``) for the Tensor face.

``compile(model_or_fn)`` records a Tensor-face function, or a module's call, once per input signature into a
forward graph and a backward graph of primitives (:mod:`funcgrad.compiler.capture`), and replays them with jit's
generated code: the Python of the forward runs once per signature, and ``loss.backward()`` through the compiled part
replays the recorded backward. There is no code generation beyond jit's straight-line replay: "compiling" is
instant, and the speed-up is the Python overhead of the Tensor face and of the eager backward walk.

Modules: ``capture`` (recording, the draws and in-place updates made explicit, the forward/backward split),
``compiled`` (the compiled callables, their cache and the autograd node), ``export`` (a module's forward and
training step as ``funcgrad.export`` graphs).
"""
from __future__ import annotations

from typing import Any, Callable

from ..jit import api as _jit_api
from ..nn.modules.module import Module
from ..tensors.tensor import Tensor
from .capture import GraphBreak
from .compiled import (CompiledFunction, GraphBreakWarning, OptimizedModule, compiled_function, is_compiling,
                       reset)
from .export import export_module

__all__ = ["compile", "reset", "is_compiling", "is_dynamo_compiling", "disable", "OptimizedModule",
           "CompiledFunction", "GraphBreakWarning", "GraphBreak", "export_module"]

# funcgrad.jit of a function called with Tensors runs through the same recording (see jit/api.py)
_jit_api.WRAPPED_CALLS[Tensor] = CompiledFunction

_BACKENDS = (None, "inductor", "eager", "aot_eager", "funcgrad")
_MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def is_dynamo_compiling() -> bool:
    """The same as :func:`is_compiling` (``torch.compiler.is_dynamo_compiling``).

    >>> import funcgrad as fg
    >>> fg.compiler.is_dynamo_compiling()
    False
    """
    return is_compiling()


def disable(fn: Callable | None = None, recursive: bool = True) -> Callable:
    """Mark ``fn`` as not to be compiled (``torch.compiler.disable``): returned as is, since funcgrad records a
    function only when it is passed to :func:`compile` itself; usable as a decorator.

    >>> import funcgrad as fg
    >>> fg.compiler.disable(len) is len
    True
    """
    if fn is None:
        return lambda f: f
    return fn


def compile(model: Any = None, *, fullgraph: bool = False, dynamic: bool | None = None,  # noqa: A001 - torch's name
            backend: Any = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False) -> Any:
    """Record ``model`` (a module or a Tensor-face function) once per input signature and replay it
    (``torch.compile``); also a decorator, with or without arguments.

    A module comes back as an :class:`OptimizedModule` (its attributes, parameters and state reach the original,
    ``_orig_mod``). Parameters and buffers are read at each call, so optimizer steps are seen; buffers the forward
    updates in place (BatchNorm's running statistics) are written back; dropout's draws are drawn again at each
    call from funcgrad's generators, as eagerly. A new signature (batch shape, dtype, ``train()``/``eval()``,
    ``requires_grad``) records again. Code that cannot be recorded (a Python branch on a tensor's value,
    ``.item()``, NumPy's global random state) is a graph break: that signature runs eagerly with a warning, or
    raises with ``fullgraph=True``. ``dynamic``, ``mode`` and ``options`` are accepted (every signature gets its own
    graph); ``backend`` may be any of torch's built-in names; ``disable=True`` returns ``model`` itself.

    >>> import funcgrad as fg
    >>> @fg.compile
    ... def f(x):
    ...     return (x.sin() * 2).sum()
    >>> x = fg.ones(3, requires_grad=True)
    >>> f(x).backward(); x.grad
    tensor([1.0806, 1.0806, 1.0806])
    """
    if mode is not None and options is not None:
        raise RuntimeError("funcgrad.compile: either mode or options can be specified, but both can't be specified "
                           "at the same time (as in torch.compile)")
    if mode not in _MODES:
        raise RuntimeError(f"funcgrad.compile: unknown mode {mode!r}; the modes are {list(_MODES[1:])}")
    if callable(backend) or backend not in _BACKENDS:
        raise NotImplementedError(f"funcgrad.compile: backend={backend!r}: funcgrad has one backend (its jit "
                                  f"replay); pass one of {[b for b in _BACKENDS if b]} or leave it out")
    if options is not None and not isinstance(options, dict):
        raise TypeError(f"funcgrad.compile: options must be a dict, got {type(options).__name__}")
    del dynamic  # shapes are always specialized: a new shape records again

    def wrap(m: Any) -> Any:
        if disable:
            return m
        if isinstance(m, Module):
            return OptimizedModule(m, fullgraph=fullgraph)
        if not callable(m):
            raise TypeError(f"funcgrad.compile: expected a module or a function, got {type(m).__name__}")
        return compiled_function(m, fullgraph)

    return wrap if model is None else wrap(model)
