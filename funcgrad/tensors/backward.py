"""``Tensor.backward``, ``torch.autograd.grad`` and ``torch.autograd.backward`` over the Tensor graph, in PyTorch's
conventions (served to users as ``funcgrad.autograd``).

All are thin layers over :func:`_run_backward` (itself the core's backward): they check the
arguments as PyTorch does, and they translate complex gradients. funcgrad's engine follows JAX's convention for a
real function of complex inputs (``grad(abs(z) ** 2) == 2 * conj(z)``); PyTorch's ``.grad`` is the conjugate of that
(``2 * z``), and every complex gradient a PyTorch user sees or supplies (``.grad``, hooks, ``gradient=``,
``grad_outputs``, results of ``autograd.grad``) follows PyTorch's. The two conventions differ by one conjugation
everywhere, so the translation is a conjugation at each place a gradient crosses between the user and the engine;
for real tensors it costs one dtype test.
"""
from __future__ import annotations

import functools
import weakref
from typing import Any, Callable, Sequence

from ..backend import dtype_of, namespace, shape_of
from ..core import Box, backward as _core_backward, getval, toposort
from .tensor import _HOOKS, _LEAVES, _RETAINED, GRAPH, Tensor, _as_value, _strip_graph
from .. import numpy as fnp

__all__ = ["grad", "backward", "queue_callback"]

# one list of end-of-backward callbacks per backward call in progress, innermost last (a hook may run a backward)
_QUEUES: list = []


def _tensor_hook(hook: Callable) -> Callable:
    """A user's hook sees and returns Tensors; the engine passes raw cotangents."""
    def run(g):
        out = hook(Tensor._from_value(g))
        return None if out is None else (out._v if isinstance(out, Tensor) else _as_value(out))
    return run


def _run_backward(outputs: list, grads: list, retain_graph: bool | None, create_graph: bool, inputs: Any,
                  collect: bool = False, ready: dict | None = None) -> Any:
    """The core's backward over the Tensor graph, for ``autograd.backward`` and ``autograd.grad``: the gradients
    of ``inputs`` (Tensors), or with ``inputs=None`` and ``collect``, ``(tensors, gradients)`` for every leaf
    tensor the walk reaches and every retained non-leaf. ``ready`` goes to the core's backward with ``collect``
    (leaves handed to a callback as soon as their gradient is final, and then left out of the result)."""
    if retain_graph is None:
        retain_graph = create_graph
    roots, cts = [], []
    for out, g in zip(outputs, grads):
        if not out.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs (this output has "
                                   f"shape {out.shape}); pass gradient= with the output's shape")
            raw = getval(out._v)
            g = namespace(raw).ones(shape_of(out._v), dtype=dtype_of(out._v))
        else:
            g = g._v if isinstance(g, Tensor) else _as_value(g, out.dtype)
            if shape_of(g) != out.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output has a shape of {shape_of(g)} and output "
                                   f"has a shape of {out.shape}")
            if not create_graph:
                g = _strip_graph(g)
        roots.append(out._v.node)
        cts.append(g)
    hooks = {n: [_tensor_hook(h) for h in hs] for n, hs in _HOOKS.items()} if _HOOKS else None
    if inputs is not None:
        wanted = [t for t in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
        res = _core_backward(roots, cts, [t._v.node for t in wanted], prune=True, retain_graph=retain_graph,
                             hooks=hooks, create_graph=GRAPH if create_graph else None)
    else:  # every leaf the walk reaches that belongs to a tensor, and the retained non-leaves
        reached: dict = {}
        retained = list(_RETAINED.keys()) if _RETAINED else []
        res = _core_backward(roots, cts, retained, retain_graph=retain_graph, hooks=hooks,
                             create_graph=GRAPH if create_graph else None, leaves=reached, ready=ready)
        wanted = [_RETAINED.get(n) for n in retained]
        for n, g in reached.items():
            t = _LEAVES.get(n)
            if t is not None:
                wanted.append(t)
                res.append(g)
    grads = [None if g is None else Tensor._from_value(g if create_graph else _strip_graph(g)) for g in res]
    return (wanted, grads) if collect else grads


def queue_callback(callback: Callable[[], None]) -> None:
    """Run ``callback()`` once the backward pass in progress has finished, before that ``backward()`` (or
    ``autograd.grad``) call returns: after every gradient was accumulated and every hook has run. Callbacks run in
    the order they were queued, and one may queue another (torch's ``Variable._execution_engine.queue_callback``;
    DistributedDataParallel waits for its all-reduces this way). Only valid while a backward pass runs, from a hook.

    >>> import funcgrad as fg
    >>> from funcgrad.tensors.backward import queue_callback
    >>> w = fg.ones(2, requires_grad=True)
    >>> _ = w.register_hook(lambda g: queue_callback(lambda: print("after:", w.grad)))
    >>> (w * 3).sum().backward()
    after: tensor([3., 3.])
    """
    if not _QUEUES:
        raise RuntimeError("queue_callback: no backward pass is running; call it from a hook (register_hook, "
                           "register_post_accumulate_grad_hook, a Function's backward) during backward()")
    _QUEUES[-1].append(callback)


def _with_callbacks(run: Callable, *args: Any) -> Any:
    """``run(*args)`` as one backward pass with its own callback queue, emptied (in order) once it is over."""
    queue: list = []
    _QUEUES.append(queue)
    try:
        out = run(*args)
        i = 0
        while i < len(queue):  # a callback may queue another
            queue[i]()
            i += 1
        return out
    finally:
        _QUEUES.pop()


def _conj(v: Any) -> Any:
    """``v`` in the other complex convention (real values are their own conjugate)."""
    return fnp.conj(v) if dtype_of(v).kind == "c" else v


def _as_tensors(x: Any, what: str) -> tuple:
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (list, tuple)):
        for i, t in enumerate(x):
            if not isinstance(t, Tensor):
                raise TypeError(f"{what}[{i}] must be a Tensor, got {type(t).__name__}")
        return tuple(x)
    raise TypeError(f"{what} must be a Tensor or a sequence of Tensors, got {type(x).__name__}")


def _check_outputs(outputs: tuple) -> None:
    for i, o in enumerate(outputs):
        if not o.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def _check_inputs(inputs: tuple, fn: str) -> None:
    if not inputs:
        raise RuntimeError(f"`inputs` argument to `{fn}()` cannot be empty.")
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")


def _seeds(outputs: tuple, grads: Sequence) -> list:
    """The engine's cotangents for ``outputs`` from the user's gradients (None: ones, for scalars only)."""
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    seeds = []
    for i, (o, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if o.numel() != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs (output {i} has shape "
                                   f"{o.shape}); pass the gradient of the output (gradient= / grad_outputs=) "
                                   f"with that shape")
            if o.dtype.kind == "c":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs (output {i} is "
                                   f"{o.dtype}); pass its gradient explicitly")
            seeds.append(None)
            continue
        v = g._v if isinstance(g, Tensor) else _as_value(g, o.dtype)
        if tuple(shape_of(v)) != o.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(shape_of(v))} and "
                               f"output[{i}] has a shape of {o.shape}.")
        seeds.append(Tensor._from_value(_conj(v)))
    return seeds


def _reached(inputs: Sequence[Tensor], outputs: Sequence[Tensor]) -> set:
    """The graph nodes of ``inputs`` that some output depends on."""
    wanted = {t._v.node for t in inputs}
    return {n for n in toposort([o._v.node for o in outputs]) if n in wanted}


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated into ``.grad``
    (``torch.autograd.grad``).

    ``grad_outputs`` holds the vector of the vector-Jacobian product for each output (None: ones, for scalar
    outputs). The graph is freed unless ``retain_graph`` (default: ``create_graph``); with ``create_graph`` the
    gradients are themselves recorded, so they can be differentiated again. An input that no output depends on
    raises unless ``allow_unused`` (it then gets None, or zeros with ``materialize_grads``).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> x = fg.tensor([1.0, 2.0], requires_grad=True)
    >>> fg.autograd.grad(fnp.sum(x ** 3), x)
    (tensor([ 3., 12.]),)
    """
    del only_inputs  # deprecated in PyTorch and without effect there too
    if is_grads_batched:
        raise NotImplementedError("autograd.grad(is_grads_batched=True) is not supported: call autograd.grad once "
                                  "per cotangent, or use funcgrad.vmap over funcgrad.vjp on the functional side")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    outputs = _as_tensors(outputs, "outputs")
    inputs = _as_tensors(inputs, "inputs")
    _check_outputs(outputs)
    _check_inputs(inputs, "grad")
    if grad_outputs is None:
        gouts: Sequence = [None] * len(outputs)
    elif isinstance(grad_outputs, (list, tuple)):
        gouts = grad_outputs
    else:  # one Tensor (or array) for a single output
        gouts = [grad_outputs]
    seeds = _seeds(outputs, gouts)
    res = _with_callbacks(_run_backward, list(outputs), seeds, retain_graph, create_graph, list(inputs))
    reached = None
    out = []
    for i, (t, g) in enumerate(zip(inputs, res)):
        if g is not None:
            out.append(Tensor._from_value(_conj(g._v)))
            continue
        if reached is None:
            reached = _reached(inputs, outputs)
        used = t._v.node in reached
        if not used and not allow_unused:
            raise RuntimeError(f"One of the differentiated Tensors appears to not have been used in the graph "
                               f"(the input at index {i}). Set allow_unused=True if this is the desired behavior.")
        # an input the graph reaches whose cotangent is a symbolic zero gets zeros, as in PyTorch
        if used or materialize_grads:
            v = t._v.value
            out.append(Tensor._from_value(namespace(v).zeros(shape_of(v), dtype=dtype_of(v))))
        else:
            out.append(None)
    return tuple(out)


def _accumulate_grad(t: Tensor, v: Any, create_graph: bool) -> None:
    """Add the engine's cotangent ``v`` into ``t.grad``, in PyTorch's complex convention."""
    if dtype_of(v).kind == "c":
        v = fnp.conj(v)
    elif not create_graph:
        v = namespace(v).array(v, copy=True)  # .grad must not alias a seed or another tensor's memory
    t.grad = Tensor._from_value(v) if t.grad is None else Tensor._from_value(t.grad._v + v)
    if _POST_ACCUMULATE:
        for hook in _POST_ACCUMULATE.get(getattr(t._v, "node", None), ()):
            hook(t)


def _early_leaves(create_graph: bool) -> dict | None:
    """The core's ``ready`` callbacks for the leaves with post-accumulate hooks: each accumulates its leaf's
    ``.grad`` and runs the hooks as soon as the walk has the leaf's final gradient, while the rest of the graph is
    still being walked (as PyTorch's engine runs a leaf's AccumulateGrad once its inputs are ready), so that
    DistributedDataParallel's all-reduces start during the backward pass. None when no leaf has such a hook."""
    if not _POST_ACCUMULATE:
        return None
    ready = {}
    for node in list(_POST_ACCUMULATE.keys()):
        t = _LEAVES.get(node)
        if t is not None:
            ready[node] = functools.partial(_accumulate_early, t, create_graph)
    return ready or None


def _accumulate_early(t: Tensor, create_graph: bool, g: Any) -> None:
    _accumulate_grad(t, g if create_graph else _strip_graph(g), create_graph)


def _backward_scalar(out: Tensor) -> bool:
    """``out.backward()`` in its most common form (a real scalar on the Tensor graph, no hooks or retained
    gradients, nothing asked of the graph afterwards): the walk and the accumulation without the general path's
    bookkeeping. False where that form does not apply."""
    v = out._v
    if type(v) is not Box or v._trace is not GRAPH or _HOOKS or _RETAINED:
        return False
    raw = v.value
    if type(raw) is Box or shape_of(raw) != () or dtype_of(raw).kind != "f":
        return False
    _with_callbacks(_scalar_walk, v, raw)
    return True


def _scalar_walk(v: Box, raw: Any) -> None:
    reached: dict = {}
    _core_backward([v.node], [namespace(raw).ones((), dtype=raw.dtype)], [], retain_graph=False, leaves=reached,
                   ready=_early_leaves(False))
    for n, g in reached.items():
        t = _LEAVES.get(n)
        if t is not None:
            _accumulate_grad(t, g, False)


def _backward(outputs: tuple, grads: Sequence, retain_graph: bool | None, create_graph: bool,
              inputs: Any) -> None:
    _check_outputs(outputs)
    seeds = _seeds(outputs, grads)
    _with_callbacks(_backward_walk, outputs, seeds, retain_graph, create_graph, inputs)


def _backward_walk(outputs: tuple, seeds: list, retain_graph: bool | None, create_graph: bool, inputs: Any) -> None:
    if inputs is not None:
        wanted = list(_as_tensors(inputs, "inputs"))
        _check_inputs(tuple(wanted), "backward")
        res = _run_backward(list(outputs), seeds, retain_graph, create_graph, wanted)
    else:  # every leaf that requires grad, and the non-leaves that retain their grad, found by the walk itself
        wanted, res = _run_backward(list(outputs), seeds, retain_graph, create_graph, None, collect=True,
                                    ready=_early_leaves(create_graph))
    for t, g in zip(wanted, res):
        if g is not None and t is not None:
            _accumulate_grad(t, g._v, create_graph)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Any = None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (``torch.autograd.backward``).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> x = fg.tensor([1.0, 2.0], requires_grad=True)
    >>> fg.autograd.backward([fnp.sum(x * x)])
    >>> x.grad
    tensor([2., 4.])
    """
    outputs = _as_tensors(tensors, "tensors")
    if grad_tensors is None:
        grads: Sequence = [None] * len(outputs)
    elif isinstance(grad_tensors, Tensor):
        grads = [grad_tensors]
    else:
        grads = list(grad_tensors)
    _backward(outputs, grads, retain_graph, create_graph, inputs)


def _tensor_backward(self: Tensor, gradient: Any = None, retain_graph: bool | None = None,
                     create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on.

    ``gradient`` is required for non-scalar tensors (the vector of the vector-Jacobian product). The graph is
    freed afterwards unless ``retain_graph`` (or ``create_graph``) is set, as in PyTorch.

    >>> import funcgrad as fg
    >>> x = fg.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """
    if gradient is None and inputs is None and not retain_graph and not create_graph and _backward_scalar(self):
        return
    backward([self], None if gradient is None else [gradient], retain_graph, create_graph, inputs)


_tensor_backward.__name__ = "backward"
_tensor_backward.__qualname__ = "Tensor.backward"
Tensor.backward = _tensor_backward

# leaf node -> hooks called with the tensor once its .grad has been accumulated (DistributedDataParallel's hook
# point): during the walk, as soon as the leaf's gradient is final (_early_leaves)
_POST_ACCUMULATE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class _PostAccumulateHandle:
    def __init__(self, node: Any, hook: Callable) -> None:
        self.node, self.hook = node, hook

    def remove(self) -> None:
        hooks = _POST_ACCUMULATE.get(self.node)
        if hooks and self.hook in hooks:
            hooks.remove(self.hook)
            if not hooks:
                del _POST_ACCUMULATE[self.node]


def _register_post_accumulate_grad_hook(self: Tensor, hook: Callable[[Tensor], None]) -> _PostAccumulateHandle:
    """Call ``hook(tensor)`` each time ``backward`` has accumulated this leaf's ``.grad`` (torch's
    ``register_post_accumulate_grad_hook``); ``remove()`` on the returned handle takes it away.

    >>> import funcgrad as fg
    >>> w = fg.ones(2, requires_grad=True)
    >>> h = w.register_post_accumulate_grad_hook(lambda t: print(t.grad))
    >>> (w * 3).sum().backward()
    tensor([3., 3.])
    >>> h.remove()
    """
    if not self.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if not self.is_leaf:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors (they have no "
                           ".grad to accumulate into); use register_hook")
    node = self._v.node
    _POST_ACCUMULATE.setdefault(node, []).append(hook)
    return _PostAccumulateHandle(node, hook)


Tensor.register_post_accumulate_grad_hook = _register_post_accumulate_grad_hook

_plain_register_hook = Tensor.register_hook


def _register_hook(self: Tensor, hook: Callable[[Tensor], Any]) -> Any:
    if self.requires_grad and self.dtype.kind == "c":
        user_hook = hook

        @functools.wraps(user_hook)
        def hook(g: Tensor) -> Any:  # the user sees and returns PyTorch's convention
            out = user_hook(fnp.conj(g))
            return None if out is None else fnp.conj(out)
    return _plain_register_hook(self, hook)


_register_hook.__doc__ = _plain_register_hook.__doc__
_register_hook.__name__ = "register_hook"
_register_hook.__qualname__ = "Tensor.register_hook"

# PyTorch's complex convention for the Tensor face (see the module docstring).
Tensor.register_hook = _register_hook
