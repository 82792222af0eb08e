"""``torch.nn``'s activation layers, each over its ``funcgrad.nn.functional`` function: the rectifiers (``ReLU``,
``ReLU6``, ``LeakyReLU``, ``PReLU``, ``RReLU``, ``ELU``, ``SELU``, ``CELU``), the smooth ones (``GELU``,
``SiLU``, ``Mish``, ``Sigmoid``, ``Tanh``, ``Softplus``, ``Softsign``, ``LogSigmoid``), the piecewise ones
(``Hardtanh``, ``Hardsigmoid``, ``Hardswish``, ``Hardshrink``, ``Softshrink``, ``Tanhshrink``, ``Threshold``),
``GLU`` and the normalising ones (``Softmax``, ``LogSoftmax``, ``Softmin``, ``Softmax2d``). ``inplace=True``
is accepted where PyTorch accepts it (the input tensor is rebound to the result, as funcgrad's in-place
operations do). ``PReLU`` is the only one with a parameter (``weight``, filled with ``init``).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> nn.Sequential(nn.LeakyReLU(0.2), nn.GELU(approximate="tanh"))
Sequential(
  (0): LeakyReLU(negative_slope=0.2)
  (1): GELU(approximate='tanh')
)
>>> nn.ReLU()(fg.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""
from __future__ import annotations

import warnings
from typing import Any

from ...tensors.creation import empty
from ...tensors.tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
           "Sigmoid", "Tanh", "Softplus", "Softsign", "LogSigmoid", "Hardtanh", "Hardsigmoid", "Hardswish",
           "Hardshrink", "Softshrink", "Tanhshrink", "Threshold", "GLU", "Softmax", "LogSoftmax", "Softmin",
           "Softmax2d"]


def _inplace(flag: bool, lead: str = "") -> str:
    """PyTorch's ``inplace=True`` suffix of a repr (nothing when False)."""
    return (lead + "inplace=True") if flag else ""


class _Stateless(Module):
    """An activation without settings: ``forward`` is ``_fn(input)``."""

    _fn = None

    def forward(self, input: Tensor) -> Tensor:
        """The activation of ``input``, elementwise."""
        return type(self)._fn(input)


class _Inplace(Module):
    """An activation whose only setting is ``inplace``."""

    __constants__ = ["inplace"]
    _fn = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """The activation of ``input``, elementwise (rebinding ``input`` with ``inplace=True``)."""
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        """``inplace=True``, or nothing."""
        return _inplace(self.inplace)


class ReLU(_Inplace):
    """``max(0, x)`` (``torch.nn.ReLU``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ReLU(inplace=True)
    ReLU(inplace=True)
    """

    _fn = staticmethod(F.relu)


class ReLU6(_Inplace):
    """``min(max(0, x), 6)`` (``torch.nn.ReLU6``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ReLU6()(fg.tensor([8.0]))
    tensor([6.])
    """

    _fn = staticmethod(F.relu6)


class SELU(_Inplace):
    """The self-normalising ``scale * elu(x, alpha)`` with PyTorch's constants (``torch.nn.SELU``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.SELU()(fg.tensor([0.0]))
    tensor([0.])
    """

    _fn = staticmethod(F.selu)


class SiLU(_Inplace):
    """``x * sigmoid(x)`` (``torch.nn.SiLU``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.SiLU()(fg.tensor([0.0]))
    tensor([0.])
    """

    _fn = staticmethod(F.silu)


class Mish(_Inplace):
    """``x * tanh(softplus(x))`` (``torch.nn.Mish``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Mish()(fg.tensor([0.0]))
    tensor([0.])
    """

    _fn = staticmethod(F.mish)


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6`` (``torch.nn.Hardsigmoid``; its repr shows no ``inplace``, as PyTorch's).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Hardsigmoid(inplace=True), nn.Hardsigmoid()(fg.tensor([0.0]))
    (Hardsigmoid(), tensor([0.5000]))
    """

    _fn = staticmethod(F.hardsigmoid)

    def extra_repr(self) -> str:
        """Nothing (PyTorch prints no settings)."""
        return ""


class Hardswish(Hardsigmoid):
    """``x * relu6(x + 3) / 6`` (``torch.nn.Hardswish``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Hardswish()(fg.tensor([3.0]))
    tensor([3.])
    """

    _fn = staticmethod(F.hardswish)


class LeakyReLU(Module):
    """``max(0, x) + negative_slope * min(0, x)`` (``torch.nn.LeakyReLU``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.LeakyReLU(0.5)(fg.tensor([-2.0, 2.0]))
    tensor([-1.,  2.])
    """

    __constants__ = ["inplace", "negative_slope"]

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        """The leaky rectification of ``input``."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        """``negative_slope=...`` (and ``inplace=True``)."""
        return f"negative_slope={self.negative_slope}" + _inplace(self.inplace, ", ")


class _Alpha(Module):
    __constants__ = ["alpha", "inplace"]
    _fn = None

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        """The activation of ``input`` with ``alpha``."""
        return type(self)._fn(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        """``alpha=...`` (and ``inplace=True``)."""
        return f"alpha={self.alpha}" + _inplace(self.inplace, ", ")


class ELU(_Alpha):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise (``torch.nn.ELU``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ELU(2.0)(fg.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """

    _fn = staticmethod(F.elu)


class CELU(_Alpha):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`` (``torch.nn.CELU``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.CELU()(fg.tensor([2.0]))
    tensor([2.])
    """

    _fn = staticmethod(F.celu)


class GELU(Module):
    """``x * Phi(x)``, or its tanh approximation with ``approximate='tanh'`` (``torch.nn.GELU``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.GELU()(fg.tensor([0.0]))
    tensor([0.])
    """

    __constants__ = ["approximate"]

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """The GELU of ``input``."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        """``approximate='...'``."""
        return f"approximate={self.approximate!r}"


class Sigmoid(_Stateless):
    """``1 / (1 + exp(-x))`` (``torch.nn.Sigmoid``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Sigmoid()(fg.tensor([0.0]))
    tensor([0.5000])
    """

    _fn = staticmethod(F.sigmoid)


class Tanh(_Stateless):
    """The hyperbolic tangent (``torch.nn.Tanh``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Tanh()
    Tanh()
    """

    _fn = staticmethod(F.tanh)


class Softsign(_Stateless):
    """``x / (1 + |x|)`` (``torch.nn.Softsign``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Softsign()(fg.tensor([1.0]))
    tensor([0.5000])
    """

    _fn = staticmethod(F.softsign)


class Tanhshrink(_Stateless):
    """``x - tanh(x)`` (``torch.nn.Tanhshrink``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Tanhshrink()(fg.tensor([0.0]))
    tensor([0.])
    """

    _fn = staticmethod(F.tanhshrink)


class LogSigmoid(_Stateless):
    """``log(sigmoid(x))``, computed stably (``torch.nn.LogSigmoid``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.LogSigmoid()(fg.tensor([0.0]))
    tensor([-0.6931])
    """

    _fn = staticmethod(F.logsigmoid)


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear past ``threshold`` (``torch.nn.Softplus``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Softplus()(fg.tensor([30.0]))
    tensor([30.])
    """

    __constants__ = ["beta", "threshold"]

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        """The softplus of ``input``."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """``beta=..., threshold=...``."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """``x`` clamped to ``[min_val, max_val]`` (``torch.nn.Hardtanh``; the old ``min_value``/``max_value``
    spellings are accepted with a warning).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Hardtanh(-2.0, 2.0)(fg.tensor([-3.0, 0.5, 3.0]))
    tensor([-2.0000,  0.5000,  2.0000])
    """

    __constants__ = ["min_val", "max_val", "inplace"]

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and rename to `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and rename to `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        if not max_val > min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:
        """``input`` clamped."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        """``min_val=..., max_val=...`` (and ``inplace=True``)."""
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace(self.inplace, ", ")


class _Shrink(Module):
    __constants__ = ["lambd"]
    _fn = None

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """The shrinkage of ``input`` by ``lambd``."""
        return type(self)._fn(input, self.lambd)

    def extra_repr(self) -> str:
        """``lambd`` itself."""
        return f"{self.lambd}"


class Hardshrink(_Shrink):
    """``x`` where ``|x| > lambd``, else 0 (``torch.nn.Hardshrink``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Hardshrink()(fg.tensor([0.2, -1.0]))
    tensor([ 0., -1.])
    """

    _fn = staticmethod(F.hardshrink)


class Softshrink(_Shrink):
    """``x - lambd * sign(x)`` where ``|x| > lambd``, else 0 (``torch.nn.Softshrink``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Softshrink()
    Softshrink(0.5)
    """

    _fn = staticmethod(F.softshrink)


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value`` (``torch.nn.Threshold``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Threshold(0.5, -1.0)(fg.tensor([0.2, 2.0]))
    tensor([-1.,  2.])
    """

    __constants__ = ["threshold", "value", "inplace"]

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        """The thresholded ``input``."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        """``threshold=..., value=...`` (and ``inplace=True``)."""
        return f"threshold={self.threshold}, value={self.value}" + _inplace(self.inplace, ", ")


class PReLU(Module):
    """``max(0, x) + weight * min(0, x)`` with a learnt ``weight`` of ``num_parameters`` slopes (1, or one per
    channel of dim 1), initialised to ``init`` (``torch.nn.PReLU``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> m = nn.PReLU(2, init=0.5); m, m(fg.tensor([[-2.0, -4.0]]))
    (PReLU(num_parameters=2), tensor([[-1., -2.]], grad_fn=<WhereBackward>))
    """

    __constants__ = ["num_parameters"]

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Fill the weight with ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """The parametric rectification of ``input``."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        """``num_parameters=...``."""
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Leaky ReLU with a slope drawn from ``U(lower, upper)`` per element in training, ``(lower + upper) / 2``
    in eval (``torch.nn.RReLU``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.RReLU(0.1, 0.3).eval()(fg.tensor([-10.0]))
    tensor([-2.])
    """

    __constants__ = ["lower", "upper", "inplace"]

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        """The randomised rectification of ``input``."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        """``lower=..., upper=...`` (and ``inplace=True``)."""
        return f"lower={self.lower}, upper={self.upper}" + _inplace(self.inplace, ", ")


class GLU(Module):
    """``a * sigmoid(b)`` for the two halves ``a, b`` of ``input`` along ``dim`` (``torch.nn.GLU``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.GLU()(fg.ones(2, 4)).shape
    torch.Size([2, 2])
    """

    __constants__ = ["dim"]

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """The gated half of ``input``."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        """``dim=...``."""
        return f"dim={self.dim}"


class _SoftmaxBase(Module):
    __constants__ = ["dim"]
    _fn = None

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """The normalised exponentials of ``input`` along ``dim`` (``None``: PyTorch's legacy choice, warned)."""
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        """``dim=...``."""
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """``exp(x) / sum(exp(x))`` along ``dim`` (``torch.nn.Softmax``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Softmax(dim=-1)(fg.zeros(1, 4)).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """

    _fn = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxBase):
    """``log(softmax(x))`` along ``dim``, computed stably (``torch.nn.LogSoftmax``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.LogSoftmax(dim=0)(fg.zeros(2))
    tensor([-0.6931, -0.6931])
    """

    _fn = staticmethod(F.log_softmax)


class Softmin(_SoftmaxBase):
    """``softmax(-x)`` along ``dim`` (``torch.nn.Softmin``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Softmin(dim=0)(fg.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """

    _fn = staticmethod(F.softmin)


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of a ``(N, C, H, W)`` or ``(C, H, W)`` input (``torch.nn.Softmax2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Softmax2d()(fg.zeros(1, 2, 1, 1)).ravel()
    tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """The channel softmax of ``input``."""
        if not isinstance(input, Tensor) or input.ndim not in (3, 4):
            shape = tuple(input.shape) if hasattr(input, "shape") else type(input).__name__
            raise ValueError(f"Softmax2d: expected input to be 3D (C, H, W) or 4D (N, C, H, W), got input of shape "
                             f"{shape} instead")
        return F.softmax(input, -3)
