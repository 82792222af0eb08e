"""``torch.nn.Identity`` and ``torch.nn.Linear``.

``Linear`` starts from PyTorch's default initialisation (``kaiming_uniform_`` with ``a=sqrt(5)`` on the weight, which
is ``U(-1/sqrt(in_features), 1/sqrt(in_features))``, and the same range for the bias), drawn from funcgrad's
generators: :func:`funcgrad.manual_seed` repeats the draws (they are not PyTorch's draws).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> _ = fg.manual_seed(0); a = nn.Linear(3, 2)
>>> _ = fg.manual_seed(0); b = nn.Linear(3, 2)
>>> bool(fg.numpy.all(a.weight == b.weight)), a(fg.ones(5, 3)).shape
(True, torch.Size([5, 2]))
"""
from __future__ import annotations

import math
from typing import Any

from ...tensors.creation import empty
from ...tensors.products import matmul
from ...tensors.tensor import Tensor
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """A module that returns its input (``torch.nn.Identity``); its arguments are accepted and ignored.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Identity(54, unused="x")(fg.ones(2))
    tensor([1., 1.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """``input`` itself.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> x = fg.ones(1); nn.Identity().forward(x) is x
        True
        """
        return input


class Linear(Module):
    """``y = x @ weight.T + bias`` (``torch.nn.Linear``): ``weight`` of shape ``(out_features, in_features)``,
    ``bias`` of shape ``(out_features,)`` (None with ``bias=False``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> m = nn.Linear(4, 3, bias=False)
    >>> m, m.weight.shape, m.bias
    (Linear(in_features=4, out_features=3, bias=False), torch.Size([3, 4]), None)
    """

    __constants__ = ["in_features", "out_features"]
    in_features: int
    out_features: int
    weight: Parameter

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias again from ``U(-1/sqrt(in_features), 1/sqrt(in_features))``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Linear(4, 2); m.reset_parameters(); bool(fg.numpy.all(fg.numpy.abs(m.weight.detach()) <= 0.5))
        True
        """
        # kaiming_uniform_ with a=sqrt(5): gain sqrt(1/3), bound gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
        if self.weight.numel():
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None and self.bias.numel():
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """``input @ weight.T + bias`` over the last dimension of ``input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Linear(2, 1); _ = m.load_state_dict({"weight": fg.ones(1, 2), "bias": fg.zeros(1)})
        >>> m(fg.tensor([[1.0, 2.0]]))
        tensor([[3.]], grad_fn=<AddBackward>)
        """
        out = matmul(input, self.weight.T)
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        """``in_features=..., out_features=..., bias=...``.

        >>> from funcgrad import nn
        >>> nn.Linear(1, 2).extra_repr()
        'in_features=1, out_features=2, bias=True'
        """
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
