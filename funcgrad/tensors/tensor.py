"""The Tensor façade: PyTorch's face on funcgrad's engine.

A :class:`Tensor` holds one immutable array value. A tensor that requires grad holds it as a traced value of
:data:`GRAPH`, a trace that is never closed, so every primitive applied to it records a node exactly as it would
under ``grad``; the graph hangs off the tensors and lives as long as they do. ``backward()`` is the core's
``backward`` over that graph, and the gradients land in the leaves' ``.grad``. There is no second engine: the
same primitives and rules serve both faces, and ``funcgrad.numpy`` functions accept Tensors (and return them).

>>> import funcgrad as fg
>>> x = fg.tensor([1.0, 2.0], requires_grad=True)
>>> fg.numpy.sum(x * x).backward()
>>> x.grad
tensor([2., 4.])
"""
from __future__ import annotations

import math
import warnings
import weakref
from typing import Any, Callable, Iterator

import numpy as np

from .. import tree
from ..backend import device_of, dtype_of, namespace, shape_of, to_host
from ..core import Box, Trace, getval
from ..core.primitive import register_array_wrapper
from .. import numpy as fnp
from ..numpy._dispatch import numpy_equivalent, ufunc_call
from .aliases import leave as _leave_group, share as _share
from .device import _to_device, device
from .dtypes import _WRAPPED, as_dtype, dtype as _TorchDtype
from .size import Size
from .settings import format_values
from .grad_mode import (_default_dtype, _mode, enable_grad, get_default_dtype, is_grad_enabled,  # noqa: F401
                        no_grad, set_default_dtype, set_grad_enabled)

__all__ = ["Tensor", "GRAPH", "tensor", "device", "is_grad_enabled", "set_grad_enabled", "no_grad", "enable_grad",
           "set_default_dtype", "get_default_dtype"]

#: The trace every requires-grad tensor is recorded on. It is never closed: its graphs live as long as their
#: tensors.
GRAPH = Trace("the Tensor graph")

_new = object.__new__
_LEAVES: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()  # leaf node -> its Tensor

#: Arrays in memory that other processes map too, by id (filled by ``funcgrad.multiprocessing``, the layer above).
#: A Tensor holding one of them is shared: its in-place updates write into that memory instead of rebinding.
SHARED_ARRAYS: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()


def _set_leaf_value(t: "Tensor", value: Any) -> None:
    """Make ``value`` (untraced by the Tensor graph) the value of leaf ``t``, which then requires grad.

    A leaf that already requires grad keeps its node: its hooks, its ``_LEAVES`` entry and graphs that still
    hold it stay valid, and an optimizer's update (``w.sub_(...)`` under ``no_grad``, ``w.data = ...``) creates
    nothing that outlives the step. (Backward never frees or reads a leaf node's saved value.)"""
    old = t._v
    if type(old) is Box and old._trace is GRAPH and old.node.prim is None:
        node = old.node
        node.ans = value
        t._v = Box(value, node, GRAPH)
    else:
        t._v = GRAPH.new_input(value)
        _LEAVES[t._v.node] = t


def _shared_buffer(t: "Tensor") -> Any:
    """The shared array ``t`` holds (see :data:`SHARED_ARRAYS`), or None; one dict test while nothing is shared."""
    if not SHARED_ARRAYS:
        return None
    v = _strip_graph(t._v)
    return v if SHARED_ARRAYS.get(id(v)) is v else None


def _write_shared(buf: np.ndarray, new: Any, what: str) -> None:
    """Write ``new`` into ``buf``, the shared array of a tensor being updated in place, so that the other processes
    see the update. Shared memory holds plain values only: a value recorded for backward cannot live there."""
    if not _mode.enabled:
        new = _strip_graph(new)
    if type(new) is Box:
        raise RuntimeError(f"{what}: this tensor is shared between processes (share_memory_()), and its memory can "
                           f"only hold plain values, not one recorded for backward or traced by a transform; run the "
                           f"update under funcgrad.no_grad(), or detach() the operands that require grad")
    if new is buf:
        return
    if tuple(shape_of(new)) != buf.shape:
        raise RuntimeError(f"{what}: this tensor is shared between processes and keeps its shape {buf.shape}; the "
                           f"new value has shape {tuple(shape_of(new))}. Write values of its shape, or share_memory_() "
                           f"a new tensor")
    if namespace(new) is not np:
        raise RuntimeError(f"{what}: this tensor is shared between processes in host memory; the new value is on "
                           f"{device_of(new)}: move it with .cpu() first")
    if not np.can_cast(dtype_of(new), buf.dtype, casting="same_kind"):
        raise RuntimeError(f"{what}: this tensor is shared between processes and keeps its dtype {buf.dtype}; a "
                           f"{dtype_of(new)} value cannot be cast to it. Convert the value first")
    np.copyto(buf, new, casting="same_kind")


def _concrete(v: Any, what: str) -> Any:
    """The plain value under ``v``'s traces; a value jit records has none to give (Python would freeze it into
    the graph), so ``what`` raises jit's conversion error there (``funcgrad.compile`` breaks the graph on it)."""
    while type(v) is Box:
        if v._trace.recording:
            raise v._trace.conversion_error(what, v)
        v = v.value
    return v


def _strip_graph(v: Any) -> Any:
    """``v`` without the Tensor graph's level (other transforms' levels stay)."""
    if type(v) is Box and v._trace is GRAPH:
        return v.value
    return v


def _unwrap(t: "Tensor") -> Any:
    return t._v if _mode.enabled else _strip_graph(t._v)


def _make(value: Any) -> "Tensor":
    """A Tensor over ``value``: ``Tensor._from_value`` without the class-method call, for the operators."""
    t = _new(Tensor)
    t._v = value
    return t


def _wrap(value: Any, like: Any = None) -> "Tensor":
    return Tensor._from_value(value)


class _GradFn:
    """What ``Tensor.grad_fn`` shows: the operation that made a tensor (``MulBackward``)."""

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = node

    def name(self) -> str:
        return "".join(p[:1].upper() + p[1:] for p in self.node.prim.name.split("_")) + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


class Tensor:
    """An immutable array with PyTorch's API. Create tensors with :func:`tensor` and the creation functions."""

    # Two fields only: every operation makes a Tensor, so its construction is on the hot path. Retained and
    # hooked tensors are looked up by node in _RETAINED and _HOOKS instead of flags here.
    __slots__ = ("_v", "grad", "__weakref__")
    __array_priority__ = 1000.0

    def __init__(self, *args: Any, device: Any = None, requires_grad: bool = False):
        # PyTorch's legacy constructor: sizes or a Size give a new tensor of that shape (zeros here, where PyTorch
        # leaves it uninitialized), a Tensor keeps its values and dtype, other data becomes the default float
        # dtype (``torch.Tensor([1, 2])`` is float32, unlike ``torch.tensor``); ``requires_grad`` is funcgrad's
        self._v = _to_device(_legacy_value(args), device)
        self.grad: Tensor | None = None
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _from_value(cls, value: Any) -> "Tensor":
        t = _new(cls)
        t._v = value
        return t

    # --- autograd state -----------------------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for ``backward``."""
        return type(self._v) is Box and self._v._trace is GRAPH

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Start (or stop) recording operations on this leaf tensor, in place.

        >>> import funcgrad as fg
        >>> fg.tensor([1.0]).requires_grad_().requires_grad
        True
        """
        if requires_grad == self.requires_grad:
            return self
        if not self.is_leaf:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        if requires_grad:
            kind = dtype_of(self._v).kind
            if kind not in "fc":
                raise RuntimeError(f"only Tensors of floating point and complex dtype can require gradients "
                                   f"(this one is {dtype_of(self._v)})")
            _set_leaf_value(self, self._v)
        else:
            _LEAVES.pop(self._v.node, None)  # a later requires_grad_() makes a fresh leaf; no entry piles up
            self._v = _strip_graph(self._v)
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors that do not require grad and for those created by the user (not by an operation)."""
        v = self._v
        return not (type(v) is Box and v._trace is GRAPH) or v.node.prim is None

    @property
    def grad_fn(self) -> _GradFn | None:
        """The operation that produced this tensor (None for leaves)."""
        return None if self.is_leaf else _GradFn(self._v.node)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after ``backward``."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if not self.is_leaf:
            _RETAINED[self._v.node] = self

    @property
    def retains_grad(self) -> bool:
        v = self._v
        return type(v) is Box and v._trace is GRAPH and _RETAINED.get(v.node) is self

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]) -> "_Handle":
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces the gradient.
        Hooks run before a retained ``.grad`` is stored (PyTorch 2's order)."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self._v.node
        _HOOKS.setdefault(node, []).append(hook)
        return _Handle(node, hook)

    def detach(self) -> "Tensor":
        """The same values, outside any graph, shared as PyTorch shares storage: in-place updates of either tensor
        (``add_``, ``zero_``, ``t[i] = v`` ...) reach the other, unrecorded by autograd (see ``aliases.py``).

        >>> import funcgrad as fg
        >>> x = fg.ones(2, requires_grad=True) * 2
        >>> _ = x.detach().zero_(); x.tolist(), x.requires_grad
        ([0.0, 0.0], True)
        """
        t = Tensor._from_value(_strip_graph(self._v))
        _share(self, t)
        return t

    def detach_(self) -> "Tensor":
        """Detach in place."""
        if self.requires_grad and self.is_leaf:
            _LEAVES.pop(self._v.node, None)
        self._v = _strip_graph(self._v)
        return self

    # --- conversion ---------------------------------------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array (sharing memory where possible). Raises for tensors that require grad,
        as PyTorch does: use ``t.detach().numpy()``."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        v = _concrete(self._v, "Tensor.numpy()")
        if namespace(v) is not np:
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                                f"copy the tensor to host memory first.")
            v = to_host(v)
        return np.asarray(v)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # Conversion to a plain array keeps no gradient: refused for a tensor that requires grad, as PyTorch does
        # (NumPy functions that funcgrad has dispatch before they get here). A GPU tensor is refused too: copying
        # it to the host is for .cpu() to say.
        if self.requires_grad:
            raise RuntimeError("Can't convert a Tensor that requires grad to a NumPy array: it would drop the "
                               "gradient. Use tensor.detach().numpy(), or funcgrad.numpy functions on the tensor")
        v = _concrete(self._v, "converting a Tensor to a NumPy array")
        if namespace(v) is not np:
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy "
                            f"the tensor to host memory first.")
        v = np.asarray(v)
        return v.astype(dtype) if dtype is not None else v

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        # NEP 18: numpy.sum(t), numpy.linalg.norm(t) ... run funcgrad.numpy's function (gradients flow, Tensors
        # come back); without one, a tensor that requires grad refuses and the others give NumPy their values
        fn = numpy_equivalent(func)
        if fn is not None:
            return fn(*args, **kwargs)
        return _numpy_fallback(f"numpy.{func.__name__}", func, args, kwargs)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # NEP 13: numpy.sin(t), ndarray <op> t, np.add.reduce(t)
        if len(inputs) == 2 and inputs[1] is self and isinstance(inputs[0], np.generic) and method == "__call__" \
                and not kwargs:
            # np.float64(2.0) * t comes here, not to t.__rmul__: PyTorch takes a NumPy scalar as a Python number
            # (np.float64(2.0) * float32 tensor is float32), so it goes to the reflected operator's promotion
            name = _REFLECTED.get(ufunc)
            if name is not None:
                return getattr(self, name)(inputs[0])
        out = ufunc_call(ufunc, method, inputs, kwargs, "a Tensor")
        if out is NotImplemented:
            name = f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method}"
            return _numpy_fallback(name, getattr(ufunc, method), inputs, kwargs)
        return out

    def item(self) -> Any:
        """The single value as a Python number."""
        v = _concrete(self._v, "Tensor.item() (or float(), int(), bool())")
        n = math.prod(shape_of(v))
        if n != 1:
            raise ValueError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return v.item() if hasattr(v, "item") else v

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        v = _concrete(self._v, "Tensor.tolist()")
        return v.tolist() if hasattr(v, "tolist") else v

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'} "
                               f"is ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        s = self.shape
        if not s:
            raise TypeError("len() of a 0-d tensor")
        return s[0]

    def __iter__(self) -> Iterator["Tensor"]:
        for i in range(len(self)):
            yield self[i]

    def __hash__(self) -> int:
        return id(self)

    # --- attributes ---------------------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(shape_of(self._v))

    def size(self, dim: int | None = None) -> Any:
        """The shape as a ``Size`` (or one of its sizes, an int), as ``torch.Tensor.size``."""
        return Size(shape_of(self._v)) if dim is None else tuple(shape_of(self._v))[dim]

    @property
    def dtype(self) -> _TorchDtype:
        """The dtype, PyTorch's object (``torch.float32``) over the value's NumPy dtype (and equal to it)."""
        d = dtype_of(self._v)
        w = _WRAPPED.get(d)
        return w if w is not None else as_dtype(d)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return math.prod(self.shape)  # Python ints: exact, and far cheaper than numpy.prod on a tuple

    @property
    def device(self) -> "device":
        """Where the values live: ``device(type='cpu')`` or ``device(type='cuda', index=N)``."""
        return device(device_of(getval(self._v)))

    @property
    def data(self) -> "Tensor":
        """The values outside any graph, shared with this tensor like :meth:`detach`'s, so that in-place updates
        of ``w.data`` change ``w`` (unrecorded). Assigning to it replaces the values without recording
        (``w.data = ...``), keeping ``requires_grad``, ``.grad`` and hooks, as PyTorch does (the shape and dtype may
        change); like PyTorch's new storage, the tensor then stops sharing with earlier ``.data``/``detach()``.

        >>> import funcgrad as fg
        >>> w = fg.zeros(2, requires_grad=True)
        >>> _ = w.data.fill_(0.5); w
        tensor([0.5000, 0.5000], requires_grad=True)
        """
        return self.detach()

    @data.setter
    def data(self, value: Any) -> None:
        new = _strip_graph(value._v) if isinstance(value, Tensor) else _as_value(value, self.dtype)
        if type(new) is Box:
            raise RuntimeError("Tensor.data: the new value is traced by a transform; assign a plain value")
        _leave_group(self)  # new values of its own, as PyTorch's new storage: earlier aliases keep the old ones
        buf = _shared_buffer(self)
        if buf is not None:  # shared between processes: write into the memory they map (funcgrad.multiprocessing)
            return _write_shared(buf, new, "Tensor.data")
        if self.requires_grad:
            if not self.is_leaf:
                raise RuntimeError("Tensor.data: assigning to the data of a non-leaf tensor is not supported; "
                                   "detach it first")
            _set_leaf_value(self, new)
        else:
            self._v = new

    def __repr__(self) -> str:
        v = getval(self._v)
        body = format_values(to_host(v), prefix="tensor(")
        empty = self.numel() == 0
        extras = [f"size={tuple(self.shape)}"] if empty and self.ndim != 1 else []
        # an empty tensor shows no values to tell its dtype by: PyTorch names every dtype but the default float
        if self.dtype != _default_dtype[0] and (empty or self.dtype not in (np.dtype(np.int64), np.dtype(bool))):
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"


# the operator a NumPy scalar on the left of a Tensor means (``np.float64(2) < t`` is ``t > np.float64(2)``)
_REFLECTED = {np.add: "__radd__", np.subtract: "__rsub__", np.multiply: "__rmul__", np.true_divide: "__rtruediv__",
              np.floor_divide: "__rfloordiv__", np.remainder: "__rmod__", np.power: "__rpow__",
              np.bitwise_and: "__rand__", np.bitwise_or: "__ror__", np.bitwise_xor: "__rxor__",
              np.left_shift: "__rlshift__", np.right_shift: "__rrshift__", np.less: "__gt__", np.less_equal: "__ge__",
              np.greater: "__lt__", np.greater_equal: "__le__", np.equal: "__eq__", np.not_equal: "__ne__"}


class _Handle:
    """What ``register_hook`` returns: ``remove()`` takes the hook away."""

    def __init__(self, node, hook):
        self.node, self.hook = node, hook

    def remove(self) -> None:
        hooks = _HOOKS.get(self.node)
        if hooks and self.hook in hooks:
            hooks.remove(self.hook)


# node -> Tensor whose .grad is kept. Weak values: a tensor holds its node, so a weak-key map with the tensor as
# value would keep both alive forever; this way the entry goes when the tensor does.
_RETAINED: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()
_HOOKS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # node -> hooks


def _as_value(data: Any, dtype: Any = None) -> Any:
    """The array a Tensor of ``data`` holds: NumPy/CuPy arrays keep their dtype, Python data gets the default
    float dtype (integers int64, booleans bool), as in PyTorch."""
    if isinstance(data, Tensor):
        v = data._v
        return v if dtype is None else _cast(v, dtype)
    if type(data) is Box:
        return data if dtype is None else _cast(data, dtype)
    if hasattr(data, "dtype") and hasattr(data, "shape"):
        xp = namespace(data)
        return xp.asarray(data, dtype=dtype)
    is_tensor = lambda x: isinstance(x, Tensor)  # noqa: E731 - Tensors are pytree nodes: keep them whole here
    leaves = tree.leaves(data, is_leaf=is_tensor)
    if any(isinstance(x, Tensor) or type(x) is Box for x in leaves):
        out = fnp.array(tree.map(lambda x: x._v if isinstance(x, Tensor) else x, data, is_leaf=is_tensor))
        return out if dtype is None else _cast(out, dtype)
    arr = np.asarray(data)
    if dtype is not None:
        return arr.astype(dtype)
    if arr.dtype.kind == "f":
        return arr.astype(_default_dtype[0])
    if arr.dtype.kind == "c":
        return arr.astype(np.complex64 if _default_dtype[0] == np.float32 else np.complex128)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    return arr


def _cast(v: Any, dtype: Any) -> Any:
    return fnp.astype(v, dtype)


def _legacy_value(args: tuple) -> Any:
    """The value ``Tensor(*args)`` holds (PyTorch's legacy constructor): ``()`` an empty default-float tensor;
    ints or a ``Size`` a zero tensor of that shape; a Tensor its values (outside any graph), dtype kept; other data
    (lists, tuples, arrays) in the default float dtype. A lone number is refused, as PyTorch refuses it."""
    default = _default_dtype[0]
    if not args:
        return np.zeros(0, dtype=default)
    first = args[0]
    if len(args) == 1 and isinstance(first, Tensor):
        return _strip_graph(first._v)
    if len(args) == 1 and not isinstance(first, (Size, int, np.integer)):
        if isinstance(first, (float, complex, bool, np.generic, str)) or first is None:
            raise TypeError(f"new(): data must be a sequence (got {type(first).__name__})")
        return _as_value(first, default)
    shape = tuple(first) if len(args) == 1 and isinstance(first, Size) else args
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"new(): sizes must be ints, got {tuple(type(n).__name__ for n in shape)}")
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    return np.zeros(tuple(int(n) for n in shape), dtype=default)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (``torch.tensor``).

    >>> import funcgrad as fg
    >>> fg.tensor([1, 2]).dtype, fg.tensor([1.0]).dtype
    (torch.int64, torch.float32)
    """
    v = _as_value(data, dtype)
    if type(v) is not Box:
        v = namespace(v).array(v, copy=True)
    t = Tensor._from_value(_to_device(v, device))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _numpy_fallback(name: str, func: Callable, args: tuple, kwargs: dict) -> Any:
    """A NumPy function funcgrad has no equivalent for, on Tensors: their values, unless one requires grad."""
    is_tensor = lambda x: isinstance(x, Tensor)  # noqa: E731
    leaves = tree.leaves((args, kwargs), is_leaf=is_tensor)
    if any(isinstance(x, Tensor) and x.requires_grad for x in leaves):
        raise RuntimeError(f"{name}() on a Tensor that requires grad would drop its gradient, and funcgrad.numpy "
                           f"has no such function to differentiate; compose it from funcgrad operations, or call "
                           f"it on t.detach() if no gradient is wanted")
    args, kwargs = tree.map(lambda x: x.__array__() if isinstance(x, Tensor) else x, (args, kwargs),
                            is_leaf=is_tensor)
    return func(*args, **kwargs)


register_array_wrapper(Tensor, _unwrap, _wrap)

# ``grad`` is a slot read and written through a property that checks assignments as PyTorch does. Construction
# leaves the slot unset (one store less per operation) and reading an unset slot gives None.
_GRAD_SLOT = Tensor.__dict__["grad"]
_get_grad_slot = _GRAD_SLOT.__get__
_set_grad_slot = _GRAD_SLOT.__set__


def _get_grad(t: Tensor) -> Any:
    try:
        g = _get_grad_slot(t)
    except AttributeError:
        g = None
    if g is None:
        v = t._v
        if type(v) is Box and v._trace is GRAPH and v.node.prim is not None and _RETAINED.get(v.node) is not t:
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed: backward "
                          "does not fill it. Use .retain_grad() on the non-leaf Tensor if you want its gradient, "
                          "or access the leaf Tensor instead.", UserWarning, stacklevel=2)
    return g


def _set_grad(t: Tensor, value: Any) -> None:
    if value is not None:
        if not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                            f"{type(value).__name__}")
        if value.shape != t.shape:
            raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                               f"'{list(t.shape)}'. Please ensure that the gradient and the tensor are the same size")
        if value.dtype != t.dtype:
            raise RuntimeError(f"attempting to assign a gradient with dtype '{value.dtype}' to a tensor with dtype "
                               f"'{t.dtype}'. The gradient must match the tensor's dtype; convert it with "
                               f".to({t.dtype}) first")
    _set_grad_slot(t, value)


Tensor.grad = property(_get_grad, _set_grad, None, "The gradient ``backward`` accumulated into this tensor (None "
                       "until then); an assigned gradient must have the tensor's shape and dtype, as in PyTorch.")
