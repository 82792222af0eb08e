"""``torch.nn.Bilinear``: ``y = x1 @ weight[o] @ x2 + bias[o]`` for each output feature ``o``, over
``funcgrad.nn.functional.bilinear``. PyTorch keeps it in ``torch.nn.modules.linear``; ``nn/modules/__init__.py``
binds it there too.

Its initialisation is PyTorch's, ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))`` for the weight and the bias,
drawn from funcgrad's generators (:func:`funcgrad.manual_seed` repeats the draws; they are not PyTorch's draws).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> m = nn.Bilinear(2, 3, 4)
>>> m, m(fg.ones(5, 2), fg.ones(5, 3)).shape
(Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True), torch.Size([5, 4]))
"""
from __future__ import annotations

import math
from typing import Any

from ...tensors.creation import empty
from ...tensors.tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Bilinear"]


class Bilinear(Module):
    """``y[..., o] = x1 @ weight[o] @ x2 + bias[o]`` (``torch.nn.Bilinear``): ``weight`` of shape
    ``(out_features, in1_features, in2_features)``, ``bias`` of shape ``(out_features,)`` (None with
    ``bias=False``); the inputs ``(*, in1_features)`` and ``(*, in2_features)`` share their leading shape.

    >>> from funcgrad import nn
    >>> m = nn.Bilinear(2, 3, 4, bias=False)
    >>> m.weight.shape, m.bias
    (torch.Size([4, 2, 3]), None)
    """

    __constants__ = ["in1_features", "in2_features", "out_features"]
    in1_features: int
    in2_features: int
    out_features: int
    weight: Parameter

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        self.weight = Parameter(empty((out_features, in1_features, in2_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias again from ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Bilinear(4, 9, 2); m.reset_parameters()
        >>> bool(fg.numpy.all(fg.numpy.abs(m.weight.detach()) <= 0.5))
        True
        """
        bound = 1.0 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] > 0 else 0.0
        if self.weight.numel():
            init.uniform_(self.weight, -bound, bound)
        if self.bias is not None and self.bias.numel():
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """``F.bilinear(input1, input2, weight, bias)``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Bilinear(1, 1, 1)
        >>> _ = m.load_state_dict({"weight": fg.full((1, 1, 1), 2.0), "bias": fg.ones(1)})
        >>> m(fg.tensor([[3.0]]), fg.tensor([[4.0]])).tolist()
        [[25.0]]
        """
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        """``in1_features=..., in2_features=..., out_features=..., bias=...``.

        >>> from funcgrad import nn
        >>> nn.Bilinear(1, 2, 3, bias=False).extra_repr()
        'in1_features=1, in2_features=2, out_features=3, bias=False'
        """
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
