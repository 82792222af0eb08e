"""``torch.nn.init``: filling parameters with their initial values, in place.

Every function here takes a :class:`funcgrad.Tensor`, fills it (keeping its shape and dtype), and returns that same
tensor. The update runs under :class:`funcgrad.no_grad`, so a leaf that requires grad (a parameter) stays the same
object, stays a leaf on its own graph node, keeps ``requires_grad`` and its hooks, and nothing is recorded: calling
an initializer again and again holds no more memory than the tensor itself. Random draws come from funcgrad's
generators on the tensor's device: ``generator=`` a :class:`funcgrad.Generator`, or the default one that
:func:`funcgrad.manual_seed` seeds (the draws repeat under a seed; they are not PyTorch's draws). The scaling rules
(gains, fans, bounds) are PyTorch's.

>>> import funcgrad as fg
>>> import funcgrad.nn.init as init
>>> w = fg.empty(3, 5, requires_grad=True)
>>> init.kaiming_uniform_(w, nonlinearity="relu") is w, w.is_leaf, w.requires_grad
(True, True, True)
>>> bool(fg.numpy.all(fg.numpy.abs(w.detach()) <= (6 / 5) ** 0.5))
True
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from ..tensors.creation import Generator, rand, randn
from ..tensors.linalg import qr
from ..tensors.math import clamp, where
from ..tensors.reductions import argsort
from ..tensors.special import ndtri
from ..tensors.tensor import Tensor, no_grad, tensor as _tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "sparse_"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "sigmoid")


# --- helpers --------------------------------------------------------------------------------------------------------
def _check(t: Any, op: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"funcgrad.nn.init.{op}: expected a funcgrad Tensor to fill in place, got "
                        f"{type(t).__name__}")
    return t


def _floating(t: Tensor, op: str) -> None:
    if t.dtype.kind not in "fc":
        raise RuntimeError(f"funcgrad.nn.init.{op}: draws floating point numbers; this tensor is {t.dtype}")


def _where(t: Tensor) -> str:
    return str(t.device)


def _fill_from(t: Tensor, values: Tensor) -> Tensor:
    """Copy ``values`` into ``t`` without recording: ``t`` keeps its identity, its node and ``requires_grad``."""
    with no_grad():
        t.copy_(values)
    return t


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple:
    """``(fan_in, fan_out)`` of a weight: ``size(1)`` and ``size(0)`` times the receptive field (the product of the
    sizes past the second), as PyTorch computes them; tensors of fewer than 2 dimensions raise ValueError.

    >>> import funcgrad as fg
    >>> _calculate_fan_in_and_fan_out(fg.empty(16, 3, 5, 5))
    (75, 400)
    """
    shape = _check(tensor, "_calculate_fan_in_and_fan_out").shape
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    """The fan ``mode`` names (``"fan_in"`` or ``"fan_out"``)."""
    mode = mode.lower() if isinstance(mode, str) else mode
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _no_op_if_empty(tensor: Tensor, op: str) -> bool:
    if tensor.numel() == 0:
        warnings.warn(f"funcgrad.nn.init.{op}: initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


# --- gains ----------------------------------------------------------------------------------------------------------
def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale for a nonlinearity (``torch.nn.init.calculate_gain``): 1 for linear layers,
    convolutions and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for leaky_relu (slope
    ``param``, default 0.01) and 3/4 for selu.

    >>> import funcgrad.nn.init as init
    >>> init.calculate_gain("tanh"), init.calculate_gain("relu"), round(init.calculate_gain("leaky_relu", 0.2), 6)
    (1.6666666666666667, 1.4142135623730951, 1.38675)
    """
    if nonlinearity in _LINEAR:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


# --- plain fills ----------------------------------------------------------------------------------------------------
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with draws from the uniform distribution on ``[a, b)``.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> x = init.uniform_(fg.empty(100), -2.0, 2.0, generator=fg.Generator().manual_seed(0))
    >>> bool(fg.numpy.all((x >= -2) & (x < 2)))
    True
    """
    _check(tensor, "uniform_")
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with draws from the normal distribution of ``mean`` and ``std``.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> init.normal_(fg.empty(2, 3), std=0.02).shape
    torch.Size([2, 3])
    """
    _check(tensor, "normal_")
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> Tensor:
    """Fill with draws from the normal distribution of ``mean`` and ``std`` truncated to ``[a, b]`` (the bounds
    are absolute values, not multiples of ``std``), by the inverse of the normal CDF applied to uniform draws
    between the bounds' CDF values.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> x = init.trunc_normal_(fg.empty(1000), std=1.0, a=-0.5, b=0.5)
    >>> bool(fg.numpy.all((x >= -0.5) & (x <= 0.5)))
    True
    """
    _check(tensor, "trunc_normal_")
    _floating(tensor, "trunc_normal_")
    if not std > 0:
        raise ValueError(f"funcgrad.nn.init.trunc_normal_: std must be positive, got {std}")
    if not a <= b:
        raise ValueError(f"funcgrad.nn.init.trunc_normal_: the lower bound a={a} is above the upper bound b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may "
                      "be incorrect.", stacklevel=2)
    if tensor.numel() == 0:
        return tensor

    def cdf(x: float) -> float:
        return 0.5 * math.erfc(-(x - mean) / (std * math.sqrt(2.0)))

    lo, hi = cdf(a), cdf(b)
    with no_grad():
        u = rand(tensor.shape, generator=generator, dtype=np.float64, device=_where(tensor))
        p = clamp(lo + (hi - lo) * u, min(max(lo, 1e-300), hi), hi)  # never exactly 0 (ndtri(0) is -inf)
        x = clamp(mean + std * ndtri(p), a, b)
    return _fill_from(tensor, x)


def constant_(tensor: Tensor, val: Any) -> Tensor:
    """Fill with the value ``val``.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> init.constant_(fg.empty(3), 0.5)
    tensor([0.5000, 0.5000, 0.5000])
    """
    _check(tensor, "constant_")
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> init.ones_(fg.empty(2))
    tensor([1., 1.])
    """
    return constant_(_check(tensor, "ones_"), 1)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> init.zeros_(fg.empty(2))
    tensor([0., 0.])
    """
    return constant_(_check(tensor, "zeros_"), 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal, zeros elsewhere; it may be rectangular):
    linear layers that pass their inputs through.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> init.eye_(fg.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    _check(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill_from(tensor, _tensor(np.eye(*tensor.shape, dtype=tensor.dtype), device=_where(tensor)))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: each output channel (within each of
    ``groups`` groups) copies its input channel of the same index, at the kernel's center.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> w = init.dirac_(fg.empty(2, 2, 3))
    >>> w[0].tolist(), w[1].tolist()
    ([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    """
    _check(tensor, "dirac_")
    shape = tensor.shape
    if len(shape) not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if groups < 1 or shape[0] % groups:
        raise ValueError(f"dim 0 must be divisible by groups (size {shape[0]}, groups {groups})")
    per_group = shape[0] // groups
    values = np.zeros(shape, dtype=tensor.dtype)
    center = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(per_group, shape[1])):
            values[(g * per_group + d, d) + center] = 1
    return _fill_from(tensor, _tensor(values, device=_where(tensor)))


# --- scaled by fan --------------------------------------------------------------------------------------------------
def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot initialization: uniform on ``[-bound, bound]`` with ``bound = gain * sqrt(6 / (fan_in + fan_out))``.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> w = init.xavier_uniform_(fg.empty(4, 2))
    >>> bool(fg.numpy.all(fg.numpy.abs(w) <= 1.0))
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(_check(tensor, "xavier_uniform_"))
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot initialization: normal of mean 0 and ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> init.xavier_normal_(fg.empty(4, 2)).shape
    torch.Size([4, 2])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(_check(tensor, "xavier_normal_"))
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator=generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He initialization: uniform on ``[-bound, bound]`` with ``bound = gain * sqrt(3 / fan)``, the gain of
    ``nonlinearity`` (with negative slope ``a`` for leaky_relu) and the fan ``mode`` names.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> w = init.kaiming_uniform_(fg.empty(8, 6), mode="fan_out", nonlinearity="relu")
    >>> bool(fg.numpy.all(fg.numpy.abs(w) <= (6 / 8) ** 0.5))
    True
    """
    if _no_op_if_empty(_check(tensor, "kaiming_uniform_"), "kaiming_uniform_"):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He initialization: normal of mean 0 and ``std = gain / sqrt(fan)`` (see :func:`kaiming_uniform_`).

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> init.kaiming_normal_(fg.empty(3, 4, 2), mode="fan_out").shape
    torch.Size([3, 4, 2])
    """
    if _no_op_if_empty(_check(tensor, "kaiming_normal_"), "kaiming_normal_"):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator=generator)


# --- structured -----------------------------------------------------------------------------------------------------
def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times ``gain``: the tensor seen as ``size(0)`` rows of
    ``numel // size(0)`` values gets orthonormal rows (if there are fewer rows than columns) or columns, from the
    QR decomposition of a normal draw with the signs fixed so that the result is uniformly distributed.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> q = init.orthogonal_(fg.empty(3, 5, dtype=fg.float64))
    >>> bool(fg.numpy.allclose(q @ q.T, fg.eye(3, dtype=fg.float64)))
    True
    """
    _check(tensor, "orthogonal_")
    _floating(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        m = randn(rows, cols, generator=generator, dtype=np.float64, device=_where(tensor))
        if rows < cols:
            m = m.T
        q, r = qr(m)
        d = r.diagonal()
        q = where(d < 0, -q, q)  # column j flips with the sign of r[j, j]
        if rows < cols:
            q = q.T
        values = (q * gain).reshape(tensor.shape)
    return _fill_from(tensor, values)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Generator | None = None) -> Tensor:
    """Fill a 2-D tensor with normal draws of mean 0 and ``std``, then zero ``ceil(sparsity * rows)`` randomly
    chosen entries of each column.

    >>> import funcgrad as fg, funcgrad.nn.init as init
    >>> w = init.sparse_(fg.empty(10, 3), sparsity=0.3)
    >>> (w == 0).sum(0).tolist()
    [3, 3, 3]
    """
    _check(tensor, "sparse_")
    _floating(tensor, "sparse_")
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    if not 0 <= sparsity <= 1:
        raise ValueError(f"funcgrad.nn.init.sparse_: sparsity must be in [0, 1], got {sparsity}")
    rows, cols = tensor.shape
    zeros = int(math.ceil(sparsity * rows))
    with no_grad():
        tensor.normal_(0.0, std, generator=generator)
        if zeros and cols:
            u = rand(rows, cols, generator=generator, dtype=np.float64, device=_where(tensor))
            rank = argsort(argsort(u, dim=0), dim=0)  # each column's rows in a random order
            tensor.copy_(tensor * (rank >= zeros))
    return tensor
