"""``torch.utils.checkpoint``: run a piece of a model without keeping its intermediates, and run it again when
the gradient reaches it. Memory for time; the gradients are identical.

The piece is one node of the Tensor graph (an ``autograd.Function``): its forward runs ``function`` with recording
off, keeping only the inputs; its backward runs ``function`` again with recording on, from detached copies of the
Tensor arguments, and walks that short graph with the incoming gradient. The copies' gradients are the node's
gradients; tensors ``function`` reads from elsewhere (a module's parameters) receive theirs in the same walk, into
their ``.grad``, as PyTorch's reentrant checkpoint does. So ``loss.backward()`` fills every ``.grad``, while
``autograd.grad(loss, params)`` sees only the tensors passed as arguments. Both ``use_reentrant`` values take this
path. Random operations inside ``function`` draw again on the second run: with ``preserve_rng_state`` (the default)
the global generator's state is restored first, so dropout masks agree.

>>> import funcgrad as fg
>>> from funcgrad.utils.checkpoint import checkpoint
>>> x = fg.tensor([0.0, 1.0], requires_grad=True)
>>> checkpoint(lambda t: (t.tanh() * 2).sum(), x, use_reentrant=False).backward()
>>> x.grad
tensor([2.0000, 0.8399])
"""
from __future__ import annotations

from typing import Any, Callable

from ..autograd.function import Function
from ..tensors.backward import backward as _backward
from ..tensors.creation import default_generator, zeros
from ..tensors.tensor import Tensor, enable_grad

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Checkpoint(Function):
    """The checkpointed piece as one node: forward without a graph, backward by running it again."""

    @staticmethod
    def forward(ctx: Any, function: Callable, preserve: bool, kwargs: dict, anchor: Tensor, *args: Any) -> Any:
        ctx.function, ctx.kwargs, ctx.preserve = function, kwargs, preserve
        ctx.rng = default_generator.get_state() if preserve else None
        ctx.args = args  # the inputs only: what checkpointing keeps
        out = function(*args, **kwargs)
        ctx.multi = isinstance(out, tuple)
        return tuple(o.detach() if isinstance(o, Tensor) else o for o in out) if ctx.multi else out.detach()

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple:
        args = [a.detach().requires_grad_(a.requires_grad or a.dtype.kind in "fc") if isinstance(a, Tensor) else a
                for a in ctx.args]
        if ctx.preserve:
            now = default_generator.get_state()
            default_generator.set_state(ctx.rng)
        try:
            with enable_grad():
                out = ctx.function(*args, **ctx.kwargs)
        finally:
            if ctx.preserve:
                default_generator.set_state(now)
        outs = out if ctx.multi else (out,)
        pairs = [(o, g) for o, g in zip(outs, grads) if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:
            _backward([o for o, _ in pairs], [g for _, g in pairs])
        ins = tuple(a.grad if isinstance(a, Tensor) else None for a in args)
        return (None, None, None, None) + ins


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None, context_fn: Any = None,
               determinism_check: str = "default", debug: bool = False, preserve_rng_state: bool = True,
               **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, its intermediates recomputed in the backward pass instead of stored
    (``torch.utils.checkpoint.checkpoint``). ``use_reentrant``, ``determinism_check`` and ``debug`` are accepted;
    ``context_fn`` is not supported.

    >>> import funcgrad as fg
    >>> from funcgrad.utils.checkpoint import checkpoint
    >>> lin = fg.nn.Linear(2, 2)
    >>> y = checkpoint(lin, fg.ones(1, 2), use_reentrant=False)
    >>> y.sum().backward(); lin.weight.grad.shape
    torch.Size([2, 2])
    """
    if context_fn is not None:
        raise NotImplementedError("funcgrad's checkpoint does not support context_fn")
    # an anchor that requires grad makes the node record even when no argument does: a module's parameters,
    # read inside ``function``, still get their gradients
    anchor = _ANCHOR[0]
    if anchor is None:
        anchor = _ANCHOR[0] = zeros(()).requires_grad_(True)
    return _Checkpoint.apply(function, preserve_rng_state, kwargs, anchor, *args)


_ANCHOR: list = [None]


def checkpoint_sequential(functions: Any, segments: int, input: Any, use_reentrant: bool | None = None,  # noqa: A002
                          **kwargs: Any) -> Any:
    """Run ``functions`` (a Sequential or a list of modules / functions) in ``segments`` checkpointed pieces, the
    last one stored as usual (``torch.utils.checkpoint.checkpoint_sequential``).

    >>> import funcgrad as fg
    >>> from funcgrad.utils.checkpoint import checkpoint_sequential
    >>> net = fg.nn.Sequential(fg.nn.Linear(2, 3), fg.nn.Tanh(), fg.nn.Linear(3, 1))
    >>> checkpoint_sequential(net, 2, fg.ones(4, 2), use_reentrant=False).shape
    torch.Size([4, 1])
    """
    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if not fns:
        return input
    size = max(len(fns) // segments, 1)

    def run(start: int, end: int) -> Callable:
        def forward(x):
            for f in fns[start:end]:
                x = f(x)
            return x
        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size
        if end >= len(fns):
            break
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, **kwargs)
    return run(max(end, 0), len(fns))(input)
