"""``torch.func``: the function transforms under torch's names and signatures (``grad``, ``grad_and_value``,
``vjp``, ``jvp``, ``linearize``, ``jacrev``, ``jacfwd``, ``hessian``, ``vmap`` with ``in_dims``/``chunk_size``/
``randomness``, ``functionalize``), and the module tools that let them apply to models: run a Module on
parameters you pass in.

The transforms are funcgrad's own (``funcgrad.grad`` ...), which take Tensors, arrays and pytrees of them alike;
only the spellings differ where torch's do: ``grad_and_value`` returns ``(grad, value)`` where JAX's
``value_and_grad`` returns ``(value, grad)``, and ``vmap`` calls its axes ``in_dims``/``out_dims``.

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
from typing import Any, Callable, Iterator, Mapping, Sequence

from . import numpy as fnp
from . import tree
from . import transforms as _tf
from .nn.modules.module import Module
from .tensors.tensor import Tensor

__all__ = ["functional_call", "stack_module_state", "grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev",
           "jacfwd", "hessian", "vmap", "functionalize"]


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
    (torch.Size([4, 3, 2]), {})
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


# --- the transforms under torch.func's names -------------------------------------------------------------------
def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar ``func`` with respect to the arguments ``argnums`` (``torch.func.grad``); with
    ``has_aux``, ``func`` returns ``(output, aux)`` and the result is ``(grad, aux)``.

    >>> import funcgrad as fg
    >>> grad(lambda x: (x ** 2).sum())(fg.tensor([1.0, 2.0]))
    tensor([2., 4.])
    """
    return _tf.grad(func, argnums=argnums, has_aux=has_aux)


def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """``(grad, value)`` of a scalar ``func`` (``torch.func.grad_and_value``: the gradient first); with
    ``has_aux``, ``(grad, (value, aux))``.

    >>> import funcgrad as fg
    >>> g, v = grad_and_value(lambda x: (x ** 2).sum())(fg.tensor([1.0, 2.0]))
    >>> g, v.item()
    (tensor([2., 4.]), 5.0)
    """
    vg = _tf.value_and_grad(func, argnums=argnums, has_aux=has_aux)

    def grad_and_value_fn(*args: Any, **kwargs: Any) -> tuple:
        value, g = vg(*args, **kwargs)
        return g, value
    grad_and_value_fn.__name__ = f"grad_and_value_{getattr(func, '__name__', 'f')}"
    return grad_and_value_fn


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(output, vjp_fn)`` (``(output, vjp_fn, aux)`` with ``has_aux``): ``vjp_fn(cotangent)`` returns the tuple of
    cotangents of ``primals`` (``torch.func.vjp``).

    >>> import funcgrad as fg
    >>> out, vjp_fn = vjp(lambda x: x * 3, fg.tensor([1.0, 2.0]))
    >>> vjp_fn(fg.ones(2))
    (tensor([3., 3.]),)
    """
    return _tf.vjp(func, *primals, has_aux=has_aux)


def jvp(func: Callable, primals: tuple, tangents: tuple, *, strict: bool = False, has_aux: bool = False) -> tuple:
    """``(output, jvp_out)``, the forward-mode derivative of ``func`` at ``primals`` along ``tangents``
    (``torch.func.jvp``; ``strict`` is accepted for its signature: funcgrad never returns a tangent that is not
    the derivative).

    >>> import funcgrad as fg
    >>> jvp(lambda x: x ** 2, (fg.tensor([3.0]),), (fg.tensor([1.0]),))
    (tensor([9.]), tensor([6.]))
    """
    return _tf.jvp(func, tuple(primals), tuple(tangents), has_aux=has_aux)


def linearize(func: Callable, *primals: Any) -> tuple:
    """``(output, jvp_fn)``: ``jvp_fn(*tangents)`` evaluates the derivative at ``primals`` along the tangents
    without running ``func`` again (``torch.func.linearize``).

    >>> import funcgrad as fg
    >>> out, jvp_fn = linearize(lambda x: x ** 2, fg.tensor([3.0]))
    >>> jvp_fn(fg.tensor([1.0]))
    tensor([6.])
    """
    return _tf.linearize(func, *primals)


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None, _preallocate_and_copy: bool = False) -> Callable:
    """The Jacobian of ``func`` by reverse mode, one row per output element (``torch.func.jacrev``).

    >>> import funcgrad as fg
    >>> jacrev(lambda x: x ** 2)(fg.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    return _tf.jacrev(func, argnums=argnums, has_aux=has_aux, chunk_size=chunk_size)


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """The Jacobian of ``func`` by forward mode, one column per input element (``torch.func.jacfwd``;
    ``randomness`` as :func:`vmap`'s).

    >>> import funcgrad as fg
    >>> jacfwd(lambda x: x.sin())(fg.tensor([0.0])).item()
    1.0
    """
    _randomness("jacfwd", randomness)
    return _tf.jacfwd(func, argnums=argnums, has_aux=has_aux)


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """The Hessian of a scalar ``func`` (``torch.func.hessian``: forward over reverse).

    >>> import funcgrad as fg
    >>> hessian(lambda x: (x ** 3).sum())(fg.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return _tf.hessian(func, argnums=argnums)


def _randomness(op: str, randomness: str) -> str:
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"{op}: randomness must be 'error', 'different' or 'same', got {randomness!r}")
    return randomness


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """Vectorize ``func`` over the ``in_dims`` axes of its arguments (``torch.func.vmap``).

    ``chunk_size`` runs the batch in chunks of that many examples (bounding the memory of the vectorized call);
    ``chunk_size=1`` is a loop. ``randomness``: with ``'same'`` (and ``'error'``, whose random draws torch refuses
    and funcgrad cannot see) a random draw inside ``func`` is made once and shared by the whole batch, as
    funcgrad's ``vmap`` does; ``'different'`` gives every example its own draws by running one example at a time
    (slower: a loop of single-example calls).

    >>> import funcgrad as fg
    >>> vmap(lambda x, w: (x * w).sum(), in_dims=(0, None))(fg.ones(4, 3), fg.tensor([1.0, 2.0, 3.0]))
    tensor([6., 6., 6., 6.])
    """
    randomness = _randomness("vmap", randomness)
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"vmap: chunk_size must be a positive int or None, got {chunk_size!r}")
    if randomness == "different":
        chunk_size = 1
    if chunk_size is not None and out_dims is not None and not isinstance(out_dims, int):
        raise ValueError(f"vmap: with chunk_size, out_dims must be an int or None (one for all outputs), got "
                         f"{out_dims!r}")
    plain = _tf.vmap(func, in_axes=in_dims, out_axes=out_dims)

    def mapped(*args: Any, **kwargs: Any) -> Any:  # torch.func passes keyword arguments through, unbatched
        if not kwargs:
            return plain(*args)
        return _tf.vmap(lambda *a: func(*a, **kwargs), in_axes=in_dims, out_axes=out_dims)(*args)
    if chunk_size is None:
        return mapped

    def chunked(*args: Any) -> Any:
        is_tensor = lambda x: isinstance(x, Tensor)  # noqa: E731
        leaves, treedef = tree.flatten(args, is_leaf=is_tensor)
        axes = _tf.batching._axes_for(in_dims, args, "vmap")
        sizes = {tuple(x.shape)[ax] for x, ax in zip(leaves, axes) if ax is not None}
        if len(sizes) != 1:  # let vmap say what is wrong
            return mapped(*args)
        size = sizes.pop()
        pieces = []
        for start in range(0, size, chunk_size):
            part = [x if ax is None else x[(slice(None),) * (ax % len(x.shape)) + (slice(start, start + chunk_size),)]
                    for x, ax in zip(leaves, axes)]
            pieces.append(mapped(*tree.unflatten(treedef, part)))
        if out_dims is None:
            return pieces[0]
        first, out_def = tree.flatten(pieces[0], is_leaf=is_tensor)
        columns = zip(*(tree.flatten(p, is_leaf=is_tensor)[0] for p in pieces))
        return tree.unflatten(out_def, [fnp.concatenate(list(c), axis=out_dims) for c in columns])
    chunked.__name__ = mapped.__name__
    return chunked


def functionalize(func: Callable, *, remove: str = "mutations") -> Callable:
    """``func`` itself (``torch.func.functionalize``): funcgrad's in-place Tensor methods already rebind the
    Tensor to a new array and never write into a recorded value, so there are no mutations to remove.

    >>> functionalize(abs)(-2)
    2
    """
    if remove not in ("mutations", "mutations_and_views"):
        raise ValueError(f"functionalize: remove must be 'mutations' or 'mutations_and_views', got {remove!r}")
    return func
