"""The rest of ``torch.nn.functional``'s activations: ``relu6``, ``leaky_relu``, ``elu``, ``gelu``, ``silu``,
``mish``, ``softplus``, the hard and soft shrinks, ``glu``, ``softmin``, ``gumbel_softmax``, ``normalize``,
``one_hot``, and F's own forms of ``relu`` (with ``inplace``), ``softmax`` and ``log_softmax`` (with the implicit
``dim`` and the ``_stacklevel`` slot).

Each is a composition of ``funcgrad.numpy`` operations on Tensors, registered in ``NN_FUNCTIONAL`` under its F name;
no derivative code here. Piecewise functions are written with ``where`` so that the gradient at a kink is
PyTorch's: ``hardtanh``, ``relu6`` and ``hardsigmoid`` pass no gradient at their corners, ``hardswish`` takes the
outer branches' slopes at -3 and 3, ``softshrink`` passes none at +-lambd. Nothing here is a top-level ``funcgrad``
name.

>>> import funcgrad as fg
>>> F = fg.nn.functional
>>> F.relu6(fg.tensor([-1.0, 3.0, 7.0]))
tensor([0., 3., 6.])
>>> F.one_hot(fg.tensor([0, 2]), 3)
tensor([[1, 0, 0],
        [0, 0, 1]])
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np

from .. import numpy as fnp
from ..primitives.control import stop_gradient
from .tensor import Tensor
from .activations import _float_input, _host, _maybe_inplace, _nnf, _on_device_of
from .creation import rand
from .inplace import _rebind
from .operators import _check_inplace
from .ops import _no_out, _norm_dim, _t
from .math import relu as _relu, sigmoid, tanh
from .reductions import log_softmax as _log_softmax, norm, softmax as _softmax
from .special import erf

__all__ = ["relu6", "leaky_relu", "elu", "gelu", "silu", "mish", "softplus", "softsign", "hardtanh", "hardsigmoid",
           "hardswish", "logsigmoid", "tanhshrink", "softshrink", "glu", "softmin", "gumbel_softmax", "normalize",
           "one_hot", "relu_", "elu_", "leaky_relu_", "hardtanh_"]


def _softplus_stable(z: Tensor) -> Tensor:
    """``log(1 + exp(z))`` without overflow (its gradient, ``sigmoid(z)``, stays finite everywhere)."""
    return fnp.logaddexp(0.0, z)


# --- piecewise-linear and ReLU family -----------------------------------------------------------------------------
@_nnf("relu")
def relu(input: Any, inplace: bool = False) -> Tensor:
    """``max(x, 0)``, gradient 0 at 0 (``torch.nn.functional.relu``); ``inplace=True`` rebinds the input.

    >>> import funcgrad as fg
    >>> fg.nn.functional.relu(fg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return _maybe_inplace("relu", input, _relu(_t(input)), inplace)


@_nnf("hardtanh")
def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``, no gradient at or beyond the ends
    (``torch.nn.functional.hardtanh``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.hardtanh(fg.tensor([-2.0, 0.5, 2.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    x = _t(input)
    out = fnp.where(x <= min_val, min_val, fnp.where(x >= max_val, max_val, x))
    return _maybe_inplace("hardtanh", input, fnp.astype(out, x.dtype), inplace)


@_nnf("relu6")
def relu6(input: Any, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)`` (``torch.nn.functional.relu6``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.relu6(fg.tensor([8.0]))
    tensor([6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


@_nnf("leaky_relu")
def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x`` (``torch.nn.functional.leaky_relu``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.leaky_relu(fg.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    x = _t(input)
    return _maybe_inplace("leaky_relu", input, fnp.where(x > 0, x, x * negative_slope), inplace)


@_nnf("elu")
def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)`` (``torch.nn.functional.elu``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.elu(fg.tensor([-1.0, 1.0]))
    tensor([-0.6321,  1.0000])
    """
    x = _float_input("elu", input)
    # the exponential only ever sees the non-positive part: no inf in the unused branch to poison the gradient
    out = fnp.where(x > 0, x, alpha * fnp.expm1(fnp.where(x > 0, 0.0, x)))
    return _maybe_inplace("elu", input, out, inplace)


@_nnf("hardsigmoid")
def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:
    """``0`` below -3, ``1`` above 3, ``x / 6 + 1 / 2`` between (``torch.nn.functional.hardsigmoid``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.hardsigmoid(fg.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    x = _float_input("hardsigmoid", input)
    out = fnp.where(x <= -3, 0.0, fnp.where(x >= 3, 1.0, x / 6 + 0.5))
    return _maybe_inplace("hardsigmoid", input, out, inplace)


@_nnf("hardswish")
def hardswish(input: Any, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6`` (``torch.nn.functional.hardswish``); at -3 and 3 the gradient is the outer
    branches' (0 and 1), as PyTorch's.

    >>> import funcgrad as fg
    >>> fg.nn.functional.hardswish(fg.tensor([-4.0, 1.0, 4.0]))
    tensor([-0.0000,  0.6667,  4.0000])
    """
    x = _float_input("hardswish", input)
    out = fnp.where(x <= -3, x * 0.0, fnp.where(x >= 3, x, x * (x + 3) / 6))
    return _maybe_inplace("hardswish", input, out, inplace)


@_nnf("softshrink")
def softshrink(input: Any, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0 (``torch.nn.functional.softshrink``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.softshrink(fg.tensor([-1.0, 0.2, 2.0]))
    tensor([-0.5000,  0.0000,  1.5000])
    """
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be {lambd}")
    x = _t(input)
    return fnp.where(x > lambd, x - lambd, fnp.where(x < -lambd, x + lambd, x * 0.0))


# --- smooth activations ------------------------------------------------------------------------------------------
@_nnf("gelu")
def gelu(input: Any, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` with ``Phi`` the standard normal CDF (``approximate='none'``), or its tanh approximation
    ``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`` (``'tanh'``) (``torch.nn.functional.gelu``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.gelu(fg.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    >>> fg.nn.functional.gelu(fg.tensor([1.0]), approximate="tanh")
    tensor([0.8412])
    """
    x = _float_input("gelu", input)
    if approximate == "none":
        return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + tanh(inner))
    raise RuntimeError(f"gelu: approximate argument must be either 'none' or 'tanh', got {approximate!r}")


@_nnf("silu")
def silu(input: Any, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (``torch.nn.functional.silu``, the swish).

    >>> import funcgrad as fg
    >>> fg.nn.functional.silu(fg.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7311])
    """
    x = _float_input("silu", input)
    return _maybe_inplace("silu", input, x * sigmoid(x), inplace)


@_nnf("mish")
def mish(input: Any, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))`` (``torch.nn.functional.mish``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.mish(fg.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8651])
    """
    x = _float_input("mish", input)
    return _maybe_inplace("mish", input, x * tanh(_softplus_stable(x)), inplace)


@_nnf("softplus")
def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``
    (``torch.nn.functional.softplus``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.softplus(fg.tensor([0.0, 30.0]))
    tensor([ 0.6931, 30.0000])
    """
    x = _float_input("softplus", input)
    xb = x * beta
    return fnp.where(xb > threshold, x, _softplus_stable(xb) / beta)


@_nnf("softsign")
def softsign(input: Any) -> Tensor:
    """``x / (1 + |x|)`` (``torch.nn.functional.softsign``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.softsign(fg.tensor([-1.0, 3.0]))
    tensor([-0.5000,  0.7500])
    """
    x = _t(input)
    return x / (1 + fnp.abs(x))


@_nnf("logsigmoid")
def logsigmoid(input: Any) -> Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``, stably (``torch.nn.functional.logsigmoid``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.logsigmoid(fg.tensor([0.0, -200.0]))
    tensor([  -0.6931, -200.0000])
    """
    return -_softplus_stable(-_float_input("logsigmoid", input))


@_nnf("tanhshrink")
def tanhshrink(input: Any) -> Tensor:
    """``x - tanh(x)`` (``torch.nn.functional.tanhshrink``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.tanhshrink(fg.tensor([0.0, 1.0]))
    tensor([0.0000, 0.2384])
    """
    x = _t(input)
    return x - tanh(x)


@_nnf("glu")
def glu(input: Any, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` with ``a``, ``b`` the two halves of ``input`` along ``dim``
    (``torch.nn.functional.glu``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.glu(fg.tensor([[1.0, 2.0, 0.0, 0.0]]))
    tensor([[0.5000, 1.0000]])
    """
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("glu: does not support scalars (0-D tensors), got shape ()")
    d = _norm_dim(dim, x.ndim, "glu")
    if x.shape[d] % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {d} is size {x.shape[d]} (input "
                           f"shape {x.shape})")
    a, b = fnp.split(x, 2, axis=d)
    return a * sigmoid(b)


# --- softmax family ----------------------------------------------------------------------------------------------
def _implicit_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  f"an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


@_nnf("softmax")
def softmax(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x), dim)`` (``torch.nn.functional.softmax``); ``dtype`` casts the input first, a
    missing ``dim`` is PyTorch's deprecated implicit choice (0 for 0-, 1- and 3-D inputs, else 1).

    >>> import funcgrad as fg
    >>> fg.nn.functional.softmax(fg.tensor([[0.0, 0.0]]), dim=1)
    tensor([[0.5000, 0.5000]])
    """
    x = _t(input)
    if dim is None:
        dim = _implicit_dim("softmax", x.ndim, _stacklevel)
    return _softmax(x, dim, dtype)


@_nnf("log_softmax")
def log_softmax(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``x - logsumexp(x, dim)`` (``torch.nn.functional.log_softmax``); ``dim`` and ``dtype`` as in
    :func:`softmax`.

    >>> import funcgrad as fg
    >>> fg.nn.functional.log_softmax(fg.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    x = _t(input)
    if dim is None:
        dim = _implicit_dim("log_softmax", x.ndim, _stacklevel)
    return _log_softmax(x, dim, dtype)


@_nnf("softmin")
def softmin(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``softmax(-x, dim)`` (``torch.nn.functional.softmin``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.softmin(fg.tensor([0.0, 1.0]), dim=0)
    tensor([0.7311, 0.2689])
    """
    x = _t(input)
    if dim is None:
        dim = _implicit_dim("softmin", x.ndim, _stacklevel)
    if dtype is not None:
        x = fnp.astype(x, dtype)
    return _softmax(-x, dim)


@_nnf("gumbel_softmax")
def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A sample from the Gumbel-softmax distribution: ``softmax((logits + g) / tau, dim)`` with ``g`` standard
    Gumbel noise drawn from funcgrad's generator (:func:`funcgrad.manual_seed` repeats it; the draws are not
    PyTorch's). ``hard=True`` returns the one-hot of the argmax with the soft sample's gradient (straight-through)
    (``torch.nn.functional.gumbel_softmax``; ``eps`` is unused, as in PyTorch).

    >>> import funcgrad as fg
    >>> _ = fg.manual_seed(0)
    >>> y = fg.nn.functional.gumbel_softmax(fg.zeros(2, 3), tau=0.5, hard=True)
    >>> y.sum(dim=1)
    tensor([1., 1.])
    """
    x = _float_input("gumbel_softmax", logits)
    if tau <= 0:
        raise ValueError(f"gumbel_softmax: tau must be positive, got {tau}")
    if eps != 1e-10:
        warnings.warn("gumbel_softmax: `eps` parameter is deprecated and has no effect.", UserWarning, stacklevel=2)
    u = rand(*x.shape, dtype=x.dtype, device=x.device)
    gumbels = -fnp.log(-fnp.log1p(-u))  # -log(Exponential(1)), the Exponential drawn by inversion
    y_soft = _softmax((x + gumbels) / tau, dim)
    if not hard:
        return y_soft
    d = _norm_dim(dim, x.ndim, "gumbel_softmax")
    idx = fnp.expand_dims(fnp.argmax(y_soft.detach(), axis=d), d)
    positions = _on_device_of(x, np.arange(x.shape[d]).reshape((-1,) + (1,) * (x.ndim - 1 - d)))
    y_hard = fnp.astype(positions == idx, x.dtype)
    return y_hard - stop_gradient(y_soft) + y_soft


# --- normalize, one_hot ------------------------------------------------------------------------------------------
def _pnorm(x: Tensor, p: float, axis: int | None) -> Tensor:
    """The p-norm along ``axis`` (kept), with gradient 0 (not NaN) at the zero vector for every ``p``."""
    if p in (1, 2) or math.isinf(p) or p == 0:
        return norm(x, p, axis, keepdim=True)
    s = fnp.sum(fnp.abs(x) ** p, axis=axis, keepdims=True)
    pos = s > 0
    return fnp.where(pos, fnp.where(pos, s, 1.0) ** (1.0 / p), 0.0)


@_nnf("normalize")
def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim`` (``torch.nn.functional.normalize``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.normalize(fg.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    _no_out("normalize", out)
    x = _float_input("normalize", input)
    n = _pnorm(x, p, _norm_dim(dim, x.ndim, "normalize") if x.ndim else None)
    return x / fnp.where(n >= eps, n, eps)  # clamp_min's gradient: through where the norm is at least eps


@_nnf("one_hot")
def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """The int64 one-hot encoding of an integer tensor, a new last dimension of ``num_classes`` (``-1``: one more
    than the largest value) (``torch.nn.functional.one_hot``).

    >>> import funcgrad as fg
    >>> fg.nn.functional.one_hot(fg.tensor([1, 0]))
    tensor([[0, 1],
            [1, 0]])
    """
    t = _t(tensor)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: is only applicable to index tensors of integer type (int64), got dtype "
                           f"{t.dtype} (shape {t.shape})")
    idx = _host(t).astype(np.int64)
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError(f"one_hot: Can not infer total number of classes from empty tensor (shape {t.shape}); "
                               f"give num_classes")
        num_classes = int(idx.max()) + 1
    if idx.size and idx.min() < 0:
        raise RuntimeError(f"one_hot: Class values must be non-negative, got {int(idx.min())}")
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes ({num_classes}), got "
                           f"{int(idx.max())}")
    host = (idx[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._from_value(_on_device_of(t, host))


# --- in-place forms ----------------------------------------------------------------------------------------------
def _inplace(name: str, fn: Callable, doc: str) -> Callable:
    def method(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor to update in place, got {type(input).__name__}")
        _check_inplace(input, name)
        return _rebind(input, fn(input, *args, **kwargs)._v, name)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"In-place ``{fn.__name__}``: the tensor is rebound to the result, which is returned "
                      f"(``torch.nn.functional.{name}``).\n\n>>> import funcgrad as fg\n>>> x = fg.tensor([-1.0, "
                      f"2.0])\n>>> fg.nn.functional.{name}(x{doc}) is x\nTrue\n")
    return _nnf(name)(method)


relu_ = _inplace("relu_", relu, "")
elu_ = _inplace("elu_", elu, ", 1.0")
leaky_relu_ = _inplace("leaky_relu_", leaky_relu, ", 0.1")
hardtanh_ = _inplace("hardtanh_", hardtanh, ", -1.0, 1.0")
