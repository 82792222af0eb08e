"""In-place tensor methods (``add_``, ``mul_``, ``copy_``, ``+=`` ...), functional underneath.

An in-place method computes the new value with ``funcgrad.numpy`` functions and rebinds the tensor to it; the
tape records the update like any other operation, and values saved earlier for backward are never touched. So
gradients stay correct where PyTorch would raise "one of the variables needed for gradient computation has been
modified by an inplace operation".

As in PyTorch:

* an in-place operation on a leaf that requires grad raises, unless grad mode is off (``no_grad()``);
* under ``no_grad()`` a leaf that requires grad stays a leaf that requires grad, with its ``.grad`` untouched: this
  is how optimizers update parameters (``with no_grad(): w -= lr * w.grad``);
* under ``no_grad()`` the update of a non-leaf is invisible to backward (its gradient flows as if the update had
  not happened);
* the result keeps the tensor's shape and dtype: a result that does not broadcast to the shape, or whose dtype
  cannot be cast to it within its kind (a float result into an integer tensor), raises.

``t.data``, ``t.detach()`` and a module's ``state_dict()`` values share values with ``t`` as PyTorch's share
storage: an in-place update of any of them is given to the others (:func:`_update_sharers`, groups kept in
``aliases.py``), unrecorded by autograd, so ``nn.init.normal_(w.data)``, ``w.grad.data.zero_()`` and
``model.state_dict()[k].copy_(v)`` work. The tape keeps the values it saved: a backward after ``w.data.mul_(2)``
uses the forward pass's values (PyTorch uses the overwritten storage through ``.data`` and raises "modified by an
inplace operation" through ``detach()``). Views (``a[0]``, ``a.t()``, ``a.view(-1)``, ``a.diagonal()`` ...; see
``views.py``) share values with their base both ways: an in-place update of a view is written into its root
through the root's own in-place path (:func:`_write_view`: recorded under grad mode, refused into a view of a leaf
that requires grad, as in PyTorch), and an in-place update of a root recomputes its live views
(:func:`_refresh_views`). A tensor made by ``from_numpy`` stops sharing memory with its array once updated in
place. A tensor shared between processes (``share_memory_()``, see ``funcgrad.multiprocessing``) has its updates
written into its shared memory, so that the other processes see them.

>>> import funcgrad as fg
>>> w = fg.tensor([1.0, 2.0], requires_grad=True)
>>> fg.numpy.sum(w * w).backward()
>>> with fg.no_grad():
...     w -= 0.5 * w.grad
>>> w, w.is_leaf
(tensor([0., 0.], requires_grad=True), True)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as fnp
from ..core import Box
from ..backend import device_of, shape_of, to_device
from ..core import getval
from .tensor import GRAPH, Tensor, _as_value, _mode, _set_leaf_value, _shared_buffer, _strip_graph, _write_shared
from .aliases import GROUPS, leave, others
from . import views as _views
from .views import LIVE, VIEWS
from .creation import _normal, _rng, _uniform
from .operators import _check_inplace, _index, _torch_set_value
from .promotion import can_cast, cast_error, promote, tensor_value

__all__: list = []


def _raw(x: Any) -> Any:
    """The value an operand contributes: a Tensor's (without the graph under no_grad), anything else as is."""
    if isinstance(x, Tensor):
        return x._v if _mode.enabled else _strip_graph(x._v)
    return x


def _promoted(what: str, t: Tensor, other: Any, alpha: Any = 1, int_to_float: bool = False) -> tuple:
    """The values of ``t`` and ``alpha * other`` in PyTorch's result type of the two (the result is then cast
    back to ``t``'s dtype by :func:`_rebind`, or refused there): a float32 tensor plus a float64 0-d tensor is
    computed in float32, as PyTorch does."""
    o = tensor_value(_raw(other)) if isinstance(other, Tensor) else other
    a, o = promote(what, tensor_value(_raw(t)), o, int_to_float)
    if alpha != 1:
        if isinstance(alpha, float) and a.dtype.kind in "biu":
            raise RuntimeError(f"{what}: For integral input tensors, argument alpha must not be a floating point "
                               f"number (got alpha={alpha} for {a.dtype} operands)")
        o = fnp.multiply(o, alpha)
    return a, o


# the in-place methods that change a tensor's shape (PyTorch's view updates of the tensor's own metadata)
_RESHAPING = frozenset({"t_", "transpose_", "swapaxes_", "swapdims_", "unsqueeze_", "squeeze_", "resize_"})


def _rebind(t: Tensor, new: Any, what: str) -> Tensor:
    """Make ``new`` (a value computed from ``t``'s) the value of ``t``, with PyTorch's shape, dtype and grad-mode
    rules."""
    old = t._v
    if isinstance(new, np.generic):  # NumPy's 0-d results are scalars; a tensor holds an array
        new = np.asarray(new)
    if tuple(new.shape if hasattr(new, "shape") else ()) != t.shape and what not in _RESHAPING:
        raise RuntimeError(f"{what}: the result has shape {tuple(new.shape)}, which does not match this tensor's "
                           f"shape {t.shape}; an in-place operation cannot change a tensor's shape (use the "
                           f"out-of-place operation)")
    dt = t.dtype
    if new.dtype != dt:
        if not can_cast(new.dtype, dt):  # PyTorch's rule: never down a category (float into int, int into bool)
            raise cast_error(what, new.dtype, dt)
        new = fnp.astype(new, dt)
    if VIEWS:
        view = _views.of(t)
        if view is not None:
            if what not in _RESHAPING:  # a view: the update goes into its root, which then refreshes the view
                _write_view(t, view, new, what)
                return t
            _views.forget(t)  # t_() of a view changes the view alone (PyTorch: its own shape and strides)
    if LIVE and what in _RESHAPING:  # t's views do not follow its new shape: they keep their values
        _views.orphan(t)
    buf = _shared_buffer(t)
    if buf is not None:  # shared between processes: write into the memory they map (funcgrad.multiprocessing)
        _write_shared(buf, new, what)
        if GROUPS:
            _update_sharers(t, buf, what)
        if LIVE:
            _refresh_views(t)
        return t
    if GROUPS:  # t.data / t.detach() and their base share values: they take the update too
        _update_sharers(t, new, what)
    if _mode.enabled:
        t._v = new
        if LIVE:
            _refresh_views(t)
        return t
    # grad mode off: the update is not recorded
    if type(old) is Box and old._trace is GRAPH:
        new = _strip_graph(new)
        if old.node.prim is None:  # a requires-grad leaf stays one (a parameter update), on its own node
            _set_leaf_value(t, new)
        else:
            if tuple(new.shape) != tuple(old.shape):
                raise RuntimeError(f"{what}: cannot change the shape of a tensor that is part of a graph under "
                                   f"no_grad(); detach it first")
            # the new value on the old node: backward flows through the update as through the identity
            t._v = Box(new, old.node, GRAPH)
    else:
        t._v = new
    if LIVE:
        _refresh_views(t)
    return t


def _write_view(t: Tensor, view: tuple, new: Any, what: str) -> None:
    """Write ``new``, the value the view ``t`` is being updated to, into its root, through the root's own in-place
    path (recorded on the root under grad mode, as PyTorch's CopySlices), which then refreshes ``t``."""
    root, steps, overlap, detached = view  # (an overlapping view, of expand, is refused by the scatter)
    if detached:  # ``x[0].detach()``, ``x[0].data``: written unrecorded, as through the root's own detach()
        _set_unrecorded(t, _strip_graph(new), what)
        return
    if _mode.enabled and root.requires_grad and root.is_leaf:
        raise RuntimeError(f"a view of a leaf Variable that requires grad is being used in an in-place operation "
                           f"({what}); wrap it in funcgrad.no_grad() or work on a clone")
    rv = _raw(root)
    check = overlap and what not in ("fill_", "zero_")  # filling overlapping elements is well defined (PyTorch)
    _rebind(root, _views.scatter(rv, tuple(shape_of(rv)), steps, check, new), what)


def _refresh_views(root: Tensor) -> None:
    """Recompute the live views of ``root`` from its new value (recorded under grad mode: backward through a view
    sees the update, as in PyTorch), and give their sharers (``view.detach()``) the new values."""
    if id(root) not in LIVE:
        return
    value = root._v
    for v, steps, detached in _views.views_of(root):
        new = _views.apply(steps, value)
        if detached:
            new = _strip_graph(new)
        old = v._v
        if type(old) is Box and old._trace is GRAPH:
            if old.node.prim is None:  # a requires-grad leaf stays one
                _set_leaf_value(v, _strip_graph(new))
                continue
            if not _mode.enabled:
                new = Box(_strip_graph(new), old.node, GRAPH)
        elif not _mode.enabled or detached:
            new = _strip_graph(new)
        v._v = new
        if GROUPS:
            plain = _strip_graph(new)
            for m in others(v):
                _set_unrecorded(m, plain, "view update")


def _update_sharers(t: Tensor, new: Any, what: str) -> None:
    """Give ``new``, the value ``t`` is being updated to in place, to the tensors that share ``t``'s values
    (``t.data``, ``t.detach()``, their base; see ``aliases.py``), unrecorded, as PyTorch's shared storage would:
    a requires-grad leaf stays a leaf on its node, a non-leaf keeps its node (backward flows through the update as
    through the identity) and values saved on the tape stay as they were."""
    if what == "t_" and tuple(shape_of(new)) != t.shape:  # a new shape is a new view (PyTorch): t goes alone
        leave(t)
        return
    v = _strip_graph(new)
    for m in others(t):
        _set_unrecorded(m, v, what)


def _set_unrecorded(m: Tensor, v: Any, what: str) -> None:
    """Give ``m`` the plain value ``v`` on its own graph node (a leaf stays a leaf; backward through a non-leaf
    flows as through the identity), or into its shared memory."""
    if VIEWS:
        view = _views.of(m)
        if view is not None:  # a view (``x[0]`` of ``x[0].detach()``): written into its root, which refreshes it
            root, steps, overlap, _ = view
            rv = _strip_graph(root._v)
            new_root = _views.scatter(rv, tuple(shape_of(rv)), steps, overlap and what not in ("fill_", "zero_"), v)
            if GROUPS:
                for r in others(root):
                    _set_unrecorded(r, new_root, what)
            _set_unrecorded(root, new_root, what)
            return
    buf = _shared_buffer(m)
    if buf is not None:  # shared between processes: write into the memory they map (funcgrad.multiprocessing)
        _write_shared(buf, v, what)
        if LIVE:
            _refresh_views(m)
        return
    old = m._v
    if type(old) is Box and old._trace is GRAPH:
        if old.node.prim is None:
            _set_leaf_value(m, v)
        else:
            m._v = Box(v, old.node, GRAPH)
    else:
        m._v = v
    if LIVE:
        _refresh_views(m)


def write_through(t: Tensor, new: Any, what: str = "in-place update") -> None:
    """Give ``t`` the values ``new`` (an array or a Tensor of ``t``'s shape) as an unrecorded in-place write does:
    ``t`` keeps its identity, its graph node (a requires-grad leaf stays one, ``.grad`` and hooks stay) and its
    sharers (``t.data``, ``t.detach()``, ``state_dict()`` values) take the values too, as PyTorch's shared storage
    would. The optimizers' steps, ``load_state_dict`` and the collectives write parameters this way; assigning
    ``t.data = new`` instead gives ``t`` values of its own (PyTorch's new storage).

    >>> import funcgrad as fg
    >>> w = fg.zeros(2, requires_grad=True); saved = w.detach()
    >>> write_through(w, fg.ones(2)); saved
    tensor([1., 1.])
    """
    v = _strip_graph(new._v) if isinstance(new, Tensor) else new
    if not GROUPS or next(others(t), None) is None:  # nobody shares t's values: a plain rebinding
        t.data = v
        if LIVE:  # its views (``w[0]``) see the update
            _refresh_views(t)
        return
    if tuple(shape_of(v)) != t.shape:
        raise RuntimeError(f"{what}: the new value has shape {tuple(shape_of(v))}, this tensor {t.shape}; an "
                           f"in-place write keeps the shape (assign .data for new values of another shape)")
    if v.dtype != t.dtype:
        v = fnp.astype(v, t.dtype)
    _update_sharers(t, v, what)
    _set_unrecorded(t, v, what)


def _setitem(self: Tensor, idx: Any, value: Any) -> None:
    # Functional underneath: the Tensor is rebound to an updated copy and the tape records the update, so the
    # values saved for earlier operations stay intact (no "modified by an inplace operation" errors).
    _check_inplace(self, "__setitem__")
    if isinstance(value, Tensor):
        v = _raw(value)
    else:  # numbers and lists take this tensor's dtype directly: through float32 first, 0.89 would not stay 0.89
        v = _as_value(value, self.dtype)
        where = device_of(getval(self._v))
        if device_of(v) != where:
            v = to_device(v, where)
    idx = _index(idx)
    if type(idx) is tuple:  # PyTorch's layout of the indexed dimensions, as the update's (NumPy's) rule wants it
        v = _torch_set_value(len(self.shape), idx, v)
    _rebind(self, fnp.at(_raw(self))[idx].set(v), "__setitem__")


Tensor.__setitem__ = _setitem


def _inplace_binary(name: str, fn):
    def method(self: Tensor, other: Any) -> Tensor:
        _check_inplace(self, name)
        return _rebind(self, fn(_raw(self), _raw(other)), name)

    method.__name__ = name
    method.__doc__ = f"In-place ``{fn.__name__}`` with ``other`` (``torch.Tensor.{name}``); returns this tensor."
    return method


def add_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``self += alpha * other`` in place (``torch.Tensor.add_``); returns this tensor.

    >>> import funcgrad as fg
    >>> fg.tensor([1.0, 2.0]).add_(fg.tensor([1.0, 1.0]), alpha=2)
    tensor([3., 4.])
    """
    _check_inplace(self, "add_")
    a, o = _promoted("add_", self, other, alpha)
    return _rebind(self, fnp.add(a, o), "add_")


def sub_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``self -= alpha * other`` in place (``torch.Tensor.sub_``); returns this tensor.

    >>> import funcgrad as fg
    >>> fg.tensor([1.0, 2.0]).sub_(1.0, alpha=0.5)
    tensor([0.5000, 1.5000])
    """
    _check_inplace(self, "sub_")
    a, o = _promoted("sub_", self, other, alpha)
    return _rebind(self, fnp.subtract(a, o), "sub_")


def mul_(self: Tensor, other: Any) -> Tensor:
    """``self *= other`` in place (``torch.Tensor.mul_``); returns this tensor.

    >>> import funcgrad as fg
    >>> fg.tensor([1.0, 2.0]).mul_(3)
    tensor([3., 6.])
    """
    _check_inplace(self, "mul_")
    return _rebind(self, fnp.multiply(*_promoted("mul_", self, other)), "mul_")


def div_(self: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """``self /= other`` in place (``torch.Tensor.div_``), with PyTorch's ``rounding_mode`` (None, ``"trunc"``,
    ``"floor"``); returns this tensor. True division of an integer tensor raises, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.tensor([3.0, -3.0]).div_(2, rounding_mode="trunc")
    tensor([ 1., -1.])
    """
    _check_inplace(self, "div_")
    a, b = _promoted("div_", self, other, int_to_float=rounding_mode is None)
    if rounding_mode is None:
        new = fnp.divide(a, b)
    elif rounding_mode == "floor":
        new = fnp.floor_divide(a, b)
    elif rounding_mode == "trunc":
        q = fnp.divide(a, b)
        new = fnp.trunc(q)
        if fnp.result_type(a, b).kind in "iu":
            new = fnp.astype(new, fnp.result_type(a, b))
    else:
        raise ValueError(f"div_: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    return _rebind(self, new, "div_")


def pow_(self: Tensor, exponent: Any) -> Tensor:
    """``self **= exponent`` in place (``torch.Tensor.pow_``)."""
    _check_inplace(self, "pow_")
    return _rebind(self, fnp.power(*_promoted("pow_", self, exponent)), "pow_")


def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast to this tensor's shape, cast to its dtype) into this tensor (``torch.Tensor.copy_``);
    gradients flow back to ``src``.

    >>> import funcgrad as fg
    >>> fg.zeros(2, 2).copy_(fg.tensor([1, 2]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    _check_inplace(self, "copy_")
    s = _raw(src) if isinstance(src, Tensor) else fnp.asarray(src)
    s = fnp.astype(s, self.dtype) if fnp.result_type(s) != self.dtype else s
    try:
        s = fnp.broadcast_to(s, self.shape)
    except ValueError as e:
        raise RuntimeError(f"copy_: the source of shape {tuple(s.shape)} does not broadcast to this tensor's shape "
                           f"{self.shape}") from e
    # through `where`, the old value stays a (zero-gradient) parent: the update keeps its place on the tape
    return _rebind(self, fnp.where(True, s, _raw(self)), "copy_")


def _replace(self: Tensor, value: Any, what: str) -> Tensor:
    """Rebind to constant ``value`` (array or number), like ``fill_``."""
    _check_inplace(self, what)
    v = fnp.asarray(value, dtype=self.dtype) if not hasattr(value, "dtype") else value
    return _rebind(self, fnp.where(True, fnp.broadcast_to(v, self.shape), _raw(self)), what)


def zero_(self: Tensor) -> Tensor:
    """Fill with zeros (``torch.Tensor.zero_``).

    >>> import funcgrad as fg
    >>> fg.ones(2).zero_()
    tensor([0., 0.])
    """
    return _replace(self, 0, "zero_")


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` (a number or a one-element tensor, through which gradients flow)
    (``torch.Tensor.fill_``).

    >>> import funcgrad as fg
    >>> fg.zeros(2).fill_(2.5)
    tensor([2.5000, 2.5000])
    """
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions")
        _check_inplace(self, "fill_")
        v = fnp.reshape(_raw(value), ())
        v = fnp.astype(v, self.dtype) if v.dtype != self.dtype else v
        return _rebind(self, fnp.where(True, fnp.broadcast_to(v, self.shape), _raw(self)), "fill_")
    return _replace(self, value, "fill_")


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Clamp into ``[min, max]`` in place (``torch.Tensor.clamp_``); either bound may be None.

    >>> import funcgrad as fg
    >>> fg.tensor([-1.0, 0.5, 2.0]).clamp_(0, 1)
    tensor([0.0000, 0.5000, 1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
    _check_inplace(self, "clamp_")
    new = _raw(self)
    if min is not None:
        new = fnp.maximum(new, _raw(min))
    if max is not None:
        new = fnp.minimum(new, _raw(max))
    return _rebind(self, new, "clamp_")


def clamp_min_(self: Tensor, min: Any) -> Tensor:
    """``clamp_(min=min)``."""
    return clamp_(self, min=min)


def clamp_max_(self: Tensor, max: Any) -> Tensor:
    """``clamp_(max=max)``."""
    return clamp_(self, max=max)


def t_(self: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dimensions in place (``torch.Tensor.t_``).

    >>> import funcgrad as fg
    >>> fg.zeros(2, 3).t_().shape
    torch.Size([3, 2])
    """
    if self.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    _check_inplace(self, "t_")
    return _rebind(self, fnp.transpose(_raw(self)), "t_")


def _random_(self: Tensor, draw, what: str) -> Tensor:
    if self.dtype.kind not in "fc":
        raise RuntimeError(f"{what}: draws floating point numbers; this tensor is {self.dtype}")
    return _replace(self, draw, what)


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None, **kw: Any) -> Tensor:
    """Fill with uniform random numbers on ``[from, to)`` (``torch.Tensor.uniform_``; ``from``/``to`` as
    keywords work too); seedable with ``generator=`` or :func:`funcgrad.manual_seed`.

    >>> import funcgrad as fg
    >>> x = fg.zeros(3).uniform_(2, 3, generator=fg.Generator().manual_seed(0))
    >>> bool(fg.numpy.all((2 <= x) & (x < 3)))
    True
    """

    a, b = kw.pop("from", a), kw.pop("to", b)
    if kw:
        raise TypeError(f"uniform_: unexpected keyword arguments {sorted(kw)}")
    if not a <= b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    u = _uniform(_rng(generator, str(self.device)), self.shape, self.dtype) if self.dtype.kind in "fc" else None
    return _random_(self, None if u is None else (a + (b - a) * u).astype(self.dtype, copy=False), "uniform_")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with normal random numbers of ``mean`` and ``std`` (``torch.Tensor.normal_``); seedable.

    >>> import funcgrad as fg
    >>> fg.zeros(2, 2).normal_(generator=fg.Generator().manual_seed(0)).shape
    torch.Size([2, 2])
    """

    if std < 0:
        raise RuntimeError(f"normal_ expects std >= 0.0, but found std {std}")
    z = _normal(_rng(generator, str(self.device)), self.shape, self.dtype) if self.dtype.kind in "fc" else None
    return _random_(self, None if z is None else (mean + std * z).astype(self.dtype, copy=False), "normal_")


def _inplace_unary(name: str, fn):
    def method(self: Tensor) -> Tensor:
        _check_inplace(self, name)
        return _rebind(self, fn(_raw(self)), name)

    method.__name__ = name
    method.__doc__ = f"In-place ``{name[:-1]}`` (``torch.Tensor.{name}``); returns this tensor."
    return method


for _f in (add_, sub_, mul_, div_, pow_, copy_, zero_, fill_, clamp_, clamp_min_, clamp_max_, t_, uniform_,
           normal_):
    setattr(Tensor, _f.__name__, _f)
Tensor.clip_ = clamp_
Tensor.multiply_ = mul_
Tensor.subtract_ = sub_
Tensor.divide_ = div_
Tensor.true_divide_ = div_

for _name, _fn in [("exp_", fnp.exp), ("log_", fnp.log), ("neg_", fnp.negative), ("abs_", fnp.absolute),
                   ("sqrt_", fnp.sqrt), ("sin_", fnp.sin), ("cos_", fnp.cos), ("tanh_", fnp.tanh),
                   ("reciprocal_", fnp.reciprocal), ("square_", fnp.square), ("floor_", fnp.floor),
                   ("ceil_", fnp.ceil), ("trunc_", fnp.trunc), ("sign_", fnp.sign), ("round_", fnp.round),
                   ("relu_", lambda a: fnp.maximum(a, 0)),
                   ("sigmoid_", lambda a: fnp.reciprocal(fnp.add(fnp.exp(fnp.negative(a)), 1)))]:
    setattr(Tensor, _name, _inplace_unary(_name, _fn))
Tensor.negative_ = Tensor.neg_
Tensor.absolute_ = Tensor.abs_


def _iop(method):
    def iop(self: Tensor, other: Any) -> Tensor:
        return method(self, other)
    return iop


Tensor.__iadd__ = _iop(add_)
Tensor.__isub__ = _iop(sub_)
Tensor.__imul__ = _iop(mul_)
Tensor.__itruediv__ = _iop(div_)
Tensor.__ipow__ = _iop(pow_)
Tensor.__ifloordiv__ = lambda self, other: div_(self, other, rounding_mode="floor")
# without these, ``t &= m`` would rebind the name to a new tensor and leave other references to ``t`` unchanged;
# the methods are attached by extras.py, above this module, so they are looked up at the call
Tensor.__iand__ = lambda self, other: self.bitwise_and_(other)
Tensor.__ior__ = lambda self, other: self.bitwise_or_(other)
Tensor.__ixor__ = lambda self, other: self.bitwise_xor_(other)
Tensor.__ilshift__ = lambda self, other: self.bitwise_left_shift_(other)
Tensor.__irshift__ = lambda self, other: self.bitwise_right_shift_(other)
