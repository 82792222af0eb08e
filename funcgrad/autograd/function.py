"""``torch.autograd.Function``: a user-written forward and backward, as one node of funcgrad's graph.

``apply`` runs the user's ``forward`` once, on the inputs' plain values and with recording off (its internals are
not part of the graph), then records the result through a primitive made for this call, whose joint VJP calls the
user's ``backward``. Calling that primitive on the inputs records one node on each trace the inputs are traced by
(the Tensor graph, ``funcgrad.grad`` and nested transforms alike), so a Function works under ``Tensor.backward``
and under ``funcgrad.grad``. At each level the rule hands ``backward`` that level's values of the saved inputs and
output: when the outer pass records (``create_graph=True``, or ``grad`` of ``grad``), a ``backward`` written with
funcgrad or Tensor operations is recorded too, and second order works.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from ..backend import dtype_of, shape_of
from ..core import Box, Primitive, getval
from ..tensors.inplace import _rebind
from ..tensors.tensor import GRAPH, Tensor, _strip_graph, _unwrap, is_grad_enabled, no_grad, set_grad_enabled
from .graph import _conj

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """The ``ctx`` a Function's ``forward`` and ``backward`` share: saved tensors, ``needs_input_grad``, and any
    attribute the user sets on it."""

    def __init__(self) -> None:
        self.needs_input_grad: tuple = ()
        self.to_save: tuple = ()
        self.materialize_grads = True
        self._non_diff: set = set()
        self._dirty: set = set()
        self._spec: list | None = None  # where each saved tensor comes from: ("in", k), ("out", j) or ("const", t)
        self._level: tuple | None = None  # (args, ans) of the trace level whose backward is running

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (inputs, outputs, or others) for ``backward``; read them back from ``saved_tensors``."""
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``. In ``backward``, saved inputs and outputs are the values
        of the level being differentiated, so operations on them are recorded when a higher order needs them."""
        if self._spec is None or self._level is None:
            return tuple(self.to_save)
        args, ans = self._level
        out = []
        for kind, x in self._spec:
            if kind == "in":
                out.append(Tensor._from_value(args[x]))
            elif kind == "out":
                out.append(Tensor._from_value(ans[x] if type(ans) is tuple else ans))
            else:
                out.append(x)
        return tuple(out)

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Outputs that get no gradient (indices, masks): they come back not requiring grad, and ``backward``
        receives zeros for them."""
        self._non_diff.update(id(o) for o in outputs)

    def mark_dirty(self, *tensors: Any) -> None:
        """Inputs that ``forward`` modified in place and returns: the caller's tensors take the new values and
        become the outputs (``out is x``, as in PyTorch), recorded as made by this Function."""
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` receives None (not zeros) for the non-differentiable outputs, as in PyTorch;
        gradients of differentiable but unused outputs still arrive as zeros here."""
        self.materialize_grads = bool(value)


def _is_array(x: Any) -> bool:
    return isinstance(x, Tensor) or type(x) is Box or (hasattr(x, "shape") and hasattr(x, "dtype"))


def _graph_traced(x: Any) -> bool:
    while type(x) is Box:
        if x._trace is GRAPH:
            return True
        x = x.value
    return False


def _batched(x: Any) -> bool:
    while type(x) is Box:
        if x._trace.batching:
            return True
        x = x.value
    return False


def _compatible(gshape: tuple, ashape: tuple) -> bool:
    """Whether a gradient of ``gshape`` sums down to an input of ``ashape`` (the engine undoes broadcasting)."""
    try:
        return np.broadcast_shapes(gshape, ashape) == gshape
    except ValueError:
        return False


class Function:
    """Base class of operations with a hand-written backward (``torch.autograd.Function``).

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as static methods (or ``forward(*args)``
    with ``setup_context(ctx, inputs, output)``) and are called through :meth:`apply`. ``backward`` returns one
    gradient per argument of ``forward`` (None for arguments that are not tensors or need no gradient).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> class Cube(fg.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * 3 * x ** 2
    >>> x = fg.tensor([1.0, 2.0], requires_grad=True)
    >>> fnp.sum(Cube.apply(x)).backward()
    >>> x.grad
    tensor([ 3., 12.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        """The computation, on Tensors whose operations are not recorded."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> None:
        """Fill ``ctx`` from the inputs and output, for a ``forward`` that takes no ctx (PyTorch 2 style)."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """Gradients of the inputs from the gradients of the outputs."""
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and record one node whose derivative is ``backward``."""
        name = cls.__name__
        ctx = FunctionCtx()
        pos = [i for i, a in enumerate(args) if _is_array(a)]  # the arguments that can carry a gradient
        live = [_unwrap(args[i]) if isinstance(args[i], Tensor) else args[i] for i in pos]
        if any(_batched(v) for v in live):
            raise NotImplementedError(f"{name}.apply under vmap: a custom autograd.Function has no batching rule; "
                                      f"call it on each example, or write it as a funcgrad.custom_vjp")
        traced = {i for i, v in zip(pos, live) if type(v) is Box}
        ctx.needs_input_grad = tuple(i in traced for i in range(len(args)))

        fargs = list(args)
        for i, v in zip(pos, live):
            fargs[i] = Tensor._from_value(getval(v))
        new_style = cls.setup_context is not Function.setup_context
        with no_grad():
            if new_style:
                out = cls.forward(*fargs, **kwargs)
                cls.setup_context(ctx, tuple(fargs), out)
            else:
                out = cls.forward(ctx, *fargs, **kwargs)

        multi = type(out) is tuple
        outs = out if multi else (out,)
        opos = [j for j, o in enumerate(outs) if _is_array(o)]  # other outputs (ints, None) pass through
        if not opos:
            raise TypeError(f"{name}.forward must return a Tensor or a tuple containing Tensors, got "
                            f"{type(out).__name__}")
        vals = tuple(getval(_strip_graph(outs[j]._v) if isinstance(outs[j], Tensor) else outs[j]) for j in opos)
        in_index = {id(fargs[i]): k for k, i in enumerate(pos)}
        out_index = {id(outs[j]): k for k, j in enumerate(opos)}
        spec = []
        for t in ctx.to_save:
            if id(t) in out_index:  # an input returned as is is an output, like PyTorch's view of it
                spec.append(("out", out_index[id(t)]))
            elif id(t) in in_index:
                spec.append(("in", in_index[id(t)]))
            else:
                spec.append(("const", t))
        ctx._spec = spec
        # marked outputs, and integer and bool outputs (indices, masks), get no gradient, as in PyTorch
        non_diff = {k for k, j in enumerate(opos)
                    if id(outs[j]) in ctx._non_diff or dtype_of(vals[k]).kind not in "fc"}
        dirty = _dirty_inputs(name, ctx, args, fargs, pos, outs, opos)
        many = len(vals) > 1
        result = vals if many else vals[0]

        if not traced:  # nothing to record: plain values (Tensors if any argument was one)
            recorded = list(vals)
        else:
            prim = Primitive(name, lambda *_: result, multiple_results=many, register=False,
                             doc=cls.__doc__ or f"The custom autograd.Function {name}.")
            prim.def_vjp_joint(_rule(cls, ctx, pos, opos, len(args), len(outs), many, non_diff))
            rec = prim(*[args[i] for i in pos])
            recorded = list(rec) if many else [rec]
        # Tensors in, Tensors out; plain (or traced) arrays in, the same kind out, so that a function written with
        # it behaves alike under funcgrad.grad and on plain arrays
        as_tensors = not pos or any(isinstance(args[i], Tensor) for i in pos)
        final = list(outs)
        for k, j in enumerate(opos):
            v = vals[k] if k in non_diff else recorded[k]
            if k in dirty:  # the caller's own tensor takes the new value and is the output
                v = v._v if isinstance(v, Tensor) else v
                final[j] = _rebind(args[dirty[k]], v, f"{name}.apply (mark_dirty)")
                continue
            final[j] = Tensor._from_value(v) if as_tensors and not isinstance(v, Tensor) else v
        return tuple(final) if multi else final[0]


def _dirty_inputs(name: str, ctx: FunctionCtx, args: tuple, fargs: list, pos: list, outs: tuple,
                  opos: list) -> dict:
    """``{output index among the arrays: argument index}`` for the inputs ``ctx.mark_dirty`` named (Tensor
    arguments only), checked as PyTorch checks them."""
    if not ctx._dirty:
        return {}
    by_id = {id(fargs[i]): i for i in pos if isinstance(args[i], Tensor)}
    returned = {id(outs[j]): k for k, j in enumerate(opos)}
    dirty = {}
    for d in ctx._dirty:
        i = by_id.get(d)
        if i is None:
            continue
        if d not in returned:
            raise RuntimeError(f"{name}: some elements marked as dirty during the forward method were not "
                               f"returned as output. The inputs that are modified inplace must all be outputs of "
                               f"the Function.")
        a = args[i]
        if is_grad_enabled() and a.requires_grad and a.is_leaf:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        dirty[returned[d]] = i
    return dirty


def _rule(cls: type, ctx: FunctionCtx, pos: list, opos: list, nargs: int, nouts: int, many: bool,
          non_diff: set) -> Callable:
    """The joint VJP of one ``apply``: the user's ``backward`` on Tensors, in PyTorch's complex convention."""
    name = cls.__name__

    def rule(g, ans, *level_args):
        gs = g if many else (g,)
        grads: list = [None] * nouts
        for k, j in enumerate(opos):
            if k in non_diff and not ctx.materialize_grads:
                continue  # None, as PyTorch gives for an undefined gradient
            grads[j] = Tensor._from_value(_conj(gs[k]))
        record = any(_graph_traced(v) for v in gs) or any(_graph_traced(v) for v in level_args)
        ctx._level = (level_args, ans)
        try:
            with set_grad_enabled(record):  # as PyTorch: backward records only when a higher order needs it
                res = cls.backward(ctx, *grads)
        finally:
            ctx._level = None
        res = res if type(res) is tuple else (res,)
        if len(res) < nargs or any(r is not None for r in res[nargs:]):
            raise RuntimeError(f"function {name}Backward returned an incorrect number of gradients (expected "
                               f"{nargs}, got {len(res)})")
        cts = []
        for k, i in enumerate(pos):
            r = res[i]
            if r is None:
                cts.append(None)
                continue
            v = r._v if isinstance(r, Tensor) else r
            gshape, ashape = tuple(shape_of(v)), tuple(shape_of(level_args[k]))
            if gshape != ashape and not _compatible(gshape, ashape):
                raise RuntimeError(f"Function {name}Backward returned an invalid gradient at index {i} - got "
                                   f"{list(gshape)} but expected shape compatible with {list(ashape)}")
            cts.append(_conj(v) if dtype_of(v).kind == "c" else v)
        for i, r in enumerate(res[:nargs]):
            if r is not None and i not in pos:
                raise RuntimeError(f"function {name}Backward returned a gradient different than None at position "
                                   f"{i}, but the corresponding forward input was not a Tensor")
        return tuple(cts)

    return rule


def once_differentiable(fn: Callable) -> Callable:
    """Decorator for a ``backward`` that cannot itself be differentiated: it runs with recording off
    (``torch.autograd.function.once_differentiable``)."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    return wrapper
