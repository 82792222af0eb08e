"""``torch.nn``'s convolution layers: ``Conv1d``/``2d``/``3d`` and ``ConvTranspose1d``/``2d``/``3d``, over
``funcgrad.nn.functional``'s ``conv*d`` and ``conv_transpose*d``.

The weight is ``(out_channels, in_channels / groups, *kernel_size)`` (transposed: ``(in_channels,
out_channels / groups, *kernel_size)``), drawn as PyTorch draws it: ``kaiming_uniform_(a=sqrt(5))``, i.e.
``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, and the bias from the same range. ``padding_mode`` other than
``'zeros'`` pads the input with ``F.pad`` (``'reflect'``, ``'replicate'``, ``'circular'``) before a convolution
without padding.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> conv = nn.Conv2d(3, 8, 3, padding=1, padding_mode="reflect")
>>> conv, conv(fg.ones(2, 3, 5, 5)).shape
(Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect), torch.Size([2, 8, 5, 5]))
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from ...tensors.creation import empty
from ...tensors.tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module
from .utils import _check_rank, _reverse_repeat_tuple, _single, _pair, _triple

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_LAYOUT = {1: "(C, L) or (N, C, L)", 2: "(C, H, W) or (N, C, H, W)", 3: "(C, D, H, W) or (N, C, D, H, W)"}


class _ConvNd(Module):
    """What the convolutions share: arguments, parameters, initialisation and repr."""

    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode", "output_padding", "in_channels",
                     "out_channels", "kernel_size"]
    _nd = 0
    _tuple = staticmethod(_single)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any, transposed: bool, output_padding: Any, groups: int, bias: bool, padding_mode: str,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        nd, tup = self._nd, self._tuple
        kernel_size, stride, dilation = tup(kernel_size), tup(stride), tup(dilation)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = tup(padding)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got padding_mode="
                             f"'{padding_mode}'")
        for what, v in (("kernel_size", kernel_size), ("stride", stride), ("dilation", dilation)):
            if len(v) != nd:
                raise ValueError(f"{type(self).__name__}: {what} must be an int or a tuple of {nd} ints, got {v}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.transposed, self.output_padding = transposed, tup(output_padding)
        self.groups, self.padding_mode = groups, padding_mode
        if isinstance(padding, str):  # 'same' / 'valid': the per-side amounts F.pad needs, odd extra on the high side
            pads = []
            for d, k in zip(reversed(dilation), reversed(kernel_size)):
                total = 0 if padding == "valid" else d * (k - 1)
                pads += [total // 2, total - total // 2]
            self._reversed_padding_repeated_twice = tuple(pads)
        else:
            self._reversed_padding_repeated_twice = _reverse_repeat_tuple(padding, 2)
        shape = (in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(empty(shape + kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight with ``kaiming_uniform_(a=sqrt(5))`` and the bias from ``U(-1/sqrt(fan_in),
        1/sqrt(fan_in))``, ``fan_in`` being the weight's (``size(1) * prod(kernel_size)``).

        >>> from funcgrad import nn
        >>> m = nn.Conv1d(2, 3, 4); m.reset_parameters(); float(m.weight.abs().max()) <= 1 / 8 ** 0.5
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        """PyTorch's text: channels, ``kernel_size``, ``stride``, then the settings that differ from the defaults.

        >>> from funcgrad import nn
        >>> nn.Conv1d(2, 4, 3, groups=2, bias=False).extra_repr()
        '2, 4, kernel_size=(3,), stride=(1,), groups=2, bias=False'
        """
        nd = len(self.kernel_size)
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str) or self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _check_input(self, input: Any) -> None:
        nd = self._nd
        _check_rank(type(self).__name__, input, (nd + 1, nd + 2), _LAYOUT[nd])


class _Conv(_ConvNd):
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         self._tuple(0), groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        fn = type(self)._fn
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(padded, weight, bias, self.stride, self._tuple(0), self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """The convolution of ``input`` (batched ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.Conv1d(1, 2, 3, padding="same")(fg.ones(1, 1, 5)).shape
        torch.Size([1, 2, 5])
        """
        self._check_input(input)
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over an ``(N, C_in, L)`` input (``torch.nn.Conv1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Conv1d(4, 2, 3, stride=2)(fg.ones(1, 4, 9)).shape
    torch.Size([1, 2, 4])
    """

    _nd, _tuple, _fn = 1, staticmethod(_single), staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D convolution over an ``(N, C_in, H, W)`` input (``torch.nn.Conv2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Conv2d(4, 2, (3, 1), dilation=2)(fg.ones(1, 4, 9, 9)).shape
    torch.Size([1, 2, 5, 9])
    """

    _nd, _tuple, _fn = 2, staticmethod(_pair), staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over an ``(N, C_in, D, H, W)`` input (``torch.nn.Conv3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Conv3d(2, 2, 2, groups=2)(fg.ones(2, 3, 3, 3)).shape
    torch.Size([2, 2, 2, 2])
    """

    _nd, _tuple, _fn = 3, staticmethod(_triple), staticmethod(F.conv3d)


class _ConvTransposeNd(_ConvNd):
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding={padding!r} is not supported; give numbers")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple:
        """The ``output_padding`` that gives ``output_size`` (which may include the batch and channel dims)."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        lead = 2 if input.ndim == nd + 2 else 1
        sizes = [int(s) for s in output_size]
        if len(sizes) == nd + lead:
            sizes = sizes[lead:]
        if len(sizes) != nd:
            raise ValueError(f"{type(self).__name__}: output_size must have {nd} or {nd + lead} elements (got "
                             f"{len(sizes)})")
        pads = []
        for d in range(nd):
            low = (input.shape[lead + d] - 1) * self.stride[d] - 2 * self.padding[d] + \
                self.dilation[d] * (self.kernel_size[d] - 1) + 1
            high = low + self.stride[d] - 1
            if not low <= sizes[d] <= high:
                raise ValueError(f"{type(self).__name__}: requested an output size of {sizes}, but valid sizes "
                                 f"range from {low} to {high} (for an input of {tuple(input.shape[lead:])}) in "
                                 f"dimension {d}")
            pads.append(sizes[d] - low)
        return tuple(pads)

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        """The transposed convolution of ``input``; ``output_size`` picks among the sizes a stride allows.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.ConvTranspose1d(1, 1, 3, stride=2)(fg.ones(1, 1, 4), output_size=[10]).shape
        torch.Size([1, 1, 10])
        """
        self._check_input(input)
        out_pad = self._output_padding(input, output_size)
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding, out_pad, self.groups,
                              self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution (``torch.nn.ConvTranspose1d``): the gradient of ``Conv1d`` with respect to its
    input.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ConvTranspose1d(2, 3, 3, stride=2, output_padding=1)(fg.ones(1, 2, 4)).shape
    torch.Size([1, 3, 10])
    """

    _nd, _tuple, _fn = 1, staticmethod(_single), staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (``torch.nn.ConvTranspose2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ConvTranspose2d(2, 4, 2, stride=2, groups=2)(fg.ones(1, 2, 3, 3)).shape
    torch.Size([1, 4, 6, 6])
    """

    _nd, _tuple, _fn = 2, staticmethod(_pair), staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution (``torch.nn.ConvTranspose3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.ConvTranspose3d(1, 1, 2, padding=1)(fg.ones(1, 1, 3, 3, 3)).shape
    torch.Size([1, 1, 2, 2, 2])
    """

    _nd, _tuple, _fn = 3, staticmethod(_triple), staticmethod(F.conv_transpose3d)
