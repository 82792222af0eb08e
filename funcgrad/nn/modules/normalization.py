"""``torch.nn``'s normalisation layers that keep no running statistics: ``LayerNorm``, ``GroupNorm``,
``RMSNorm`` and ``LocalResponseNorm``, over ``funcgrad.nn.functional``'s ``layer_norm``, ``group_norm``,
``rms_norm`` and ``local_response_norm``. Affine parameters start as PyTorch's: weight ones, bias zeros.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> ln = nn.LayerNorm(2)
>>> ln, ln(fg.tensor([[1.0, 3.0]]))
(LayerNorm((2,), eps=1e-05, elementwise_affine=True, bias=True), tensor([[-1.0000,  1.0000]], grad_fn=<AddBackward>))
"""
from __future__ import annotations

from typing import Any

from ...tensors import pooling_more
from ...tensors.creation import empty
from ...tensors.tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module
from .utils import _check_min_rank

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"]


def _shape_of(normalized_shape: Any) -> tuple:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def _check_trailing(layer: str, input: Any, shape: tuple) -> None:
    _check_min_rank(layer, input, len(shape), f"[*, {', '.join(map(str, shape))}]")
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(f"{layer}: Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of shape {tuple(input.shape)}")


class LayerNorm(Module):
    """Normalise over the last ``len(normalized_shape)`` dimensions (``torch.nn.LayerNorm``), then scale by
    ``weight`` and shift by ``bias`` (both of ``normalized_shape``, with ``elementwise_affine``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.LayerNorm([2, 3], bias=False)(fg.randn(4, 2, 3)).shape
    torch.Size([4, 2, 3])
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _shape_of(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to ones, bias to zeros.

        >>> from funcgrad import nn
        >>> m = nn.LayerNorm(2); m.reset_parameters(); m.weight.tolist()
        [1.0, 1.0]
        """
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        """The normalised ``input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.LayerNorm(2, elementwise_affine=False)(fg.tensor([0.0, 2.0]))
        tensor([-1.0000,  1.0000])
        """
        _check_trailing(type(self).__name__, input, self.normalized_shape)
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """``normalized_shape, eps=..., elementwise_affine=..., bias=...``.

        >>> from funcgrad import nn
        >>> nn.LayerNorm((2, 3)).extra_repr()
        '(2, 3), eps=1e-05, elementwise_affine=True, bias=True'
        """
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalise each of ``num_groups`` groups of channels of an ``(N, C, *)`` input (``torch.nn.GroupNorm``),
    then apply the per-channel ``weight`` and ``bias`` (with ``affine``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.GroupNorm(2, 4)(fg.randn(3, 4, 5)).shape
    torch.Size([3, 4, 5])
    """

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        if affine:
            self.weight = Parameter(empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to ones, bias to zeros.

        >>> from funcgrad import nn
        >>> m = nn.GroupNorm(1, 2); m.reset_parameters(); m.bias.tolist()
        [0.0, 0.0]
        """
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        """The group-normalised ``input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.GroupNorm(1, 2, affine=False)(fg.tensor([[1.0, 3.0]]))
        tensor([[-1.0000,  1.0000]])
        """
        _check_min_rank(type(self).__name__, input, 2, f"(N, C={self.num_channels}, *)")
        if input.shape[1] != self.num_channels:
            raise RuntimeError(f"{type(self).__name__}: expected input of shape (N, C={self.num_channels}, *), but "
                               f"got input of shape {tuple(input.shape)}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """``num_groups, num_channels, eps=..., affine=..., bias=...``.

        >>> from funcgrad import nn
        >>> nn.GroupNorm(2, 4).extra_repr()
        '2, 4, eps=1e-05, affine=True, bias=True'
        """
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """``x / sqrt(mean(x ** 2) + eps) * weight`` over the last ``len(normalized_shape)`` dimensions
    (``torch.nn.RMSNorm``); ``eps=None`` is the input dtype's machine epsilon.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.RMSNorm(2, eps=0.0)(fg.tensor([[3.0, 4.0]])).detach()
    tensor([[0.8485, 1.1314]])
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape: Any, eps: float | None = None, elementwise_affine: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _shape_of(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to ones.

        >>> from funcgrad import nn
        >>> m = nn.RMSNorm(2); m.reset_parameters(); m.weight.tolist()
        [1.0, 1.0]
        """
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        """The RMS-normalised ``input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.RMSNorm([2], elementwise_affine=False)(fg.ones(3, 2)).shape
        torch.Size([3, 2])
        """
        _check_trailing(type(self).__name__, input, self.normalized_shape)
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        """``normalized_shape, eps=..., elementwise_affine=...``.

        >>> from funcgrad import nn
        >>> nn.RMSNorm(3).extra_repr()
        '(3,), eps=None, elementwise_affine=True'
        """
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Local response normalisation across channels (``torch.nn.LocalResponseNorm``): ``x / (k + alpha / size *
    sum of x**2 over the size neighbouring channels) ** beta``.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.LocalResponseNorm(2)(fg.ones(1, 4, 3, 3)).shape
    torch.Size([1, 4, 3, 3])
    """

    __constants__ = ["size", "alpha", "beta", "k"]

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        """The normalised ``input`` (``(N, C, *)``, at least 3-D).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.LocalResponseNorm(1, alpha=1.0, beta=1.0, k=0.0)(fg.full((1, 1, 2), 2.0))
        tensor([[[0.5000, 0.5000]]])
        """
        _check_min_rank(type(self).__name__, input, 3, "(N, C, *spatial)")
        return pooling_more.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """``size, alpha=..., beta=..., k=...``.

        >>> from funcgrad import nn
        >>> nn.LocalResponseNorm(2).extra_repr()
        '2, alpha=0.0001, beta=0.75, k=1.0'
        """
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
