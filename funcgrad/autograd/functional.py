"""``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp`` and ``hvp`` of a function of
Tensors, with PyTorch's signatures and result layouts.

``inputs`` is a Tensor or a tuple of Tensors, and each result has the structure PyTorch documents: a Tensor for a
Tensor input, a tuple for a tuple; ``jacobian(f, (x, y))`` of an ``f`` with a tuple of outputs gives ``jac[i][j]``,
output ``i`` with respect to input ``j``, of shape ``out_i.shape + in_j.shape``. Everything runs on the Tensor
face's reverse pass (``autograd.grad``): jvp is the double-vjp trick, and a Jacobian takes one backward pass per
output element (``vectorize=True`` is accepted and gives the same values). ``create_graph=True`` records the results
so that they can be differentiated again, back to the caller's tensors; otherwise they are detached.

>>> import funcgrad as fg
>>> from funcgrad.autograd.functional import jacobian
>>> jacobian(lambda x: x ** 2, fg.tensor([1.0, 2.0]))
tensor([[2., 0.],
        [0., 4.]])
"""
from __future__ import annotations

from typing import Any, Callable

from ..tensors.backward import grad as _grad
from ..tensors.creation import zeros_like
from ..tensors.shape import stack
from ..tensors.tensor import Tensor, enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(x: Any, what: str, fn: str) -> tuple:
    """``(tuple of Tensors, was it a tuple)``, PyTorch's argument check."""
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the value at "
                            f"index {i} has type {type(t).__name__}.")
    return xs, is_tuple


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Inputs that require grad, leaves of a fresh graph; with ``create_graph`` an input that requires grad is used
    through an alias so that the results stay connected to the caller's graph."""
    with enable_grad():
        return tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(True)
                     for t in inputs)


def _finish(xs: tuple, create_graph: bool) -> tuple:
    return tuple(x if create_graph or x is None else x.detach() for x in xs)


def _unpack(xs: tuple, is_tuple: bool) -> Any:
    return xs if is_tuple else xs[0]


def _grads(outputs: tuple, inputs: tuple, grad_outputs: tuple | None, create_graph: bool, strict: bool,
           fn: str, what: str = "output") -> tuple:
    """``autograd.grad`` of ``sum(outputs * grad_outputs)``; inputs no output reaches get zeros (None raises under
    ``strict``)."""
    used = [(o, g) for o, g in zip(outputs, grad_outputs or [None] * len(outputs)) if o.requires_grad]
    if used:
        res = _grad([o for o, _ in used], list(inputs), grad_outputs=[g for _, g in used], retain_graph=True,
                    create_graph=create_graph, allow_unused=True)
    else:
        res = (None,) * len(inputs)
    out = []
    for i, (r, x) in enumerate(zip(res, inputs)):
        if r is None:
            if strict:
                raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is "
                                   f"not allowed in strict mode ({fn}).")
            r = zeros_like(x)
        out.append(r)
    return tuple(out)


def _call(func: Callable, inputs: tuple, fn: str) -> tuple:
    with enable_grad():
        outputs = func(*inputs)
    return _as_tuple(outputs, "outputs of the user-provided function", fn)


def _check_v(v: Any, like: tuple, fn: str, what: str) -> tuple:
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the {what} is a single Tensor with a single "
                               f"element ({fn}).")
        return (None,)
    vs, _ = _as_tuple(v, "v", fn)
    if len(vs) != len(like) or any(tuple(a.shape) != tuple(b.shape) for a, b in zip(vs, like)):
        raise RuntimeError(f"{fn}: v has shapes {[tuple(a.shape) for a in vs]}, expected "
                           f"{[tuple(b.shape) for b in like]}")
    return vs


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(*inputs), v^T J)``: the vector-Jacobian product (``torch.autograd.functional.vjp``); ``v`` may be
    None for a function with one one-element output.

    >>> import funcgrad as fg
    >>> from funcgrad.autograd.functional import vjp
    >>> vjp(lambda x: (x ** 2).sum(), fg.tensor([1.0, 2.0]))[1]
    tensor([2., 4.])
    """
    xs, is_tuple = _as_tuple(inputs, "inputs", "vjp")
    xs = _prepare(xs, create_graph)
    outs, out_tuple = _call(func, xs, "vjp")
    vs = _check_v(v, outs, "vjp", "outputs of the user-provided function")
    res = _grads(outs, xs, vs, create_graph, strict, "vjp")
    return _unpack(_finish(outs, create_graph), out_tuple), _unpack(_finish(res, create_graph), is_tuple)


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(*inputs), J v)``: the Jacobian-vector product (``torch.autograd.functional.jvp``), by the double-vjp
    trick as PyTorch computes it; ``v`` may be None for one one-element input.

    >>> import funcgrad as fg
    >>> from funcgrad.autograd.functional import jvp
    >>> jvp(lambda x: x ** 2, fg.tensor([1.0, 2.0]), fg.tensor([1.0, 0.0]))[1]
    tensor([2., 0.])
    """
    xs, is_tuple = _as_tuple(inputs, "inputs", "jvp")
    vs = _check_v(v, xs, "jvp", "input")
    if vs[0] is None:
        vs = (xs[0].new_ones(tuple(xs[0].shape)),)
    xs = _prepare(xs, create_graph)
    outs, out_tuple = _call(func, xs, "jvp")
    with enable_grad():
        # u -> J^T u is linear in u; its vjp with v is J v
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        g = _grads(outs, xs, us, True, strict, "jvp")
        res = _grads(tuple(gi for gi in g if gi.requires_grad), us, tuple(vi for gi, vi in zip(g, vs)
                                                                          if gi.requires_grad),
                     create_graph, False, "jvp") if any(gi.requires_grad for gi in g) else tuple(
                         zeros_like(o) for o in outs)
    return _unpack(_finish(outs, create_graph), out_tuple), _unpack(_finish(res, create_graph), out_tuple)


def _jacobian_rows(out: Tensor, xs: tuple, create_graph: bool, strict: bool, i: int) -> tuple:
    """``d out / d x_j`` for each input, of shape ``out.shape + x_j.shape``: one backward pass per element."""
    flat = out.reshape(-1)
    rows: list = [[] for _ in xs]
    for k in range(flat.numel()):
        if flat.requires_grad:
            gs = _grad([flat[k]], list(xs), retain_graph=True, create_graph=create_graph, allow_unused=True)
        else:
            gs = (None,) * len(xs)
        for j, (g, x) in enumerate(zip(gs, xs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is independent of input {j}. This "
                                       f"is not allowed in strict mode.")
                g = zeros_like(x)
            rows[j].append(g)
    res = []
    for j, x in enumerate(xs):
        shape = tuple(out.shape) + tuple(x.shape)
        res.append(stack(rows[j]).reshape(shape) if rows[j] else zeros_like(x).new_zeros(shape))
    return tuple(res)


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs`` (``torch.autograd.functional.jacobian``): for tuples of outputs and
    inputs, ``jac[i][j]`` is output ``i`` with respect to input ``j`` (shape ``out_i.shape + in_j.shape``); a
    Tensor in place of either tuple drops that level. ``vectorize`` and ``strategy`` are accepted (the values are
    the same; both strategies run in reverse mode here).

    >>> import funcgrad as fg
    >>> from funcgrad.autograd.functional import jacobian
    >>> jx, jy = jacobian(lambda x, y: x * y, (fg.tensor([1.0, 2.0]), fg.tensor([3.0, 4.0])))
    >>> jx
    tensor([[3., 0.],
            [0., 4.]])
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    xs, is_tuple = _as_tuple(inputs, "inputs", "jacobian")
    xs = _prepare(xs, create_graph)
    outs, out_tuple = _call(func, xs, "jacobian")
    jac = tuple(_unpack(_finish(_jacobian_rows(o, xs, create_graph, strict, i), create_graph), is_tuple)
                for i, o in enumerate(outs))
    return _unpack(jac, out_tuple)


def _scalar_output(func: Callable, fn: str) -> Callable:
    def f(*xs):
        out = func(*xs)
        outs, _ = _as_tuple(out, "outputs of the user-provided function", fn)
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError(f"The function given to {fn} should return a single Tensor with a single element")
        return outs[0]
    return f


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar ``func`` (``torch.autograd.functional.hessian``): a Tensor of shape
    ``x.shape + x.shape`` for one input, ``H[i][j]`` (shape ``in_i.shape + in_j.shape``) for a tuple.

    >>> import funcgrad as fg
    >>> from funcgrad.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), fg.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    xs, is_tuple = _as_tuple(inputs, "inputs", "hessian")
    f = _scalar_output(func, "hessian")

    def gradient(*ys):
        return _grads((f(*ys),), ys, None, True, strict, "hessian")

    res = jacobian(gradient, xs, create_graph=create_graph, strict=strict, strategy=outer_jacobian_strategy)
    return res if is_tuple else res[0][0]


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(*inputs), v^T H)`` for a scalar ``func`` (``torch.autograd.functional.vhp``).

    >>> import funcgrad as fg
    >>> from funcgrad.autograd.functional import vhp
    >>> vhp(lambda x: (x ** 3).sum(), fg.tensor([1.0, 2.0]), fg.tensor([1.0, 1.0]))[1]
    tensor([ 6., 12.])
    """
    xs, is_tuple = _as_tuple(inputs, "inputs", "vhp")
    vs = _check_v(v, xs, "vhp", "input")
    if vs[0] is None:
        vs = (xs[0].new_ones(tuple(xs[0].shape)),)
    xs = _prepare(xs, create_graph)
    with enable_grad():
        out = _scalar_output(func, "vhp")(*xs)
        g = _grads((out,), xs, None, True, strict, "vhp")
        used = [(gi, vi) for gi, vi in zip(g, vs) if gi.requires_grad]
        res = _grads(tuple(gi for gi, _ in used), xs, tuple(vi for _, vi in used), create_graph, strict, "vhp",
                     "jacobian") if used else tuple(zeros_like(x) for x in xs)
    return _finish((out,), create_graph)[0], _unpack(_finish(res, create_graph), is_tuple)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """``(func(*inputs), H v)`` for a scalar ``func`` (``torch.autograd.functional.hvp``). The Hessian of a twice
    continuously differentiable function is symmetric, so this is ``vhp``'s product, as PyTorch's docs note.

    >>> import funcgrad as fg
    >>> from funcgrad.autograd.functional import hvp
    >>> hvp(lambda x: (x ** 3).sum(), fg.tensor([1.0, 2.0]), fg.tensor([1.0, 0.0]))[1]
    tensor([6., 0.])
    """
    return vhp(func, inputs, v, create_graph=create_graph, strict=strict)
