"""``torch.nn``'s pooling layers: ``MaxPool1d``/``2d``/``3d``, ``AvgPool1d``/``2d``/``3d``, ``LPPool1d``/``2d``/
``3d``, ``MaxUnpool1d``/``2d``/``3d`` and the adaptive ones (``AdaptiveAvgPool1d``/``2d``/``3d``,
``AdaptiveMaxPool1d``/``2d``/``3d``), over ``funcgrad.nn.functional``'s pooling (adaptive max pooling past 1-D, LP pooling and max unpooling from
``funcgrad/tensors/pooling_more.py``). Arguments are stored as given, as PyTorch stores them (``AvgPool1d`` keeps
1-tuples), so the reprs read the same.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> pool = nn.MaxPool2d(2, return_indices=True)
>>> pool
MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
>>> [t.shape for t in pool(fg.ones(1, 1, 4, 4))]
[torch.Size([1, 1, 2, 2]), torch.Size([1, 1, 2, 2])]
"""
from __future__ import annotations

from typing import Any

from ...tensors import pooling_more
from ...tensors.tensor import Tensor
from .. import functional as F
from .module import Module
from .utils import _check_rank, _pair, _single, _triple

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "LPPool1d", "LPPool2d",
           "LPPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
           "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d"]

_LAYOUT = {1: "(C, L) or (N, C, L)", 2: "(C, H, W) or (N, C, H, W)", 3: "(C, D, H, W) or (N, C, D, H, W)"}


class _PoolNd(Module):
    _nd = 0

    def _check(self, input: Any) -> None:
        nd = self._nd
        _check_rank(type(self).__name__, input, (nd + 1, nd + 2), _LAYOUT[nd])


class _MaxPoolNd(_PoolNd):
    __constants__ = ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"]
    _fn = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Any:
        """The pooled ``input`` (and, with ``return_indices``, the flat index of each maximum in its plane).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.MaxPool1d(2)(fg.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
        tensor([[[3., 2.]]])
        """
        self._check(input)
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                              ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        """``kernel_size=..., stride=..., padding=..., dilation=..., ceil_mode=...``.

        >>> from funcgrad import nn
        >>> nn.MaxPool1d(3, 1).extra_repr()
        'kernel_size=3, stride=1, padding=0, dilation=1, ceil_mode=False'
        """
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling (``torch.nn.MaxPool1d``): ``stride`` defaults to ``kernel_size``; ``padding`` pads with
    -inf; ``return_indices`` for ``MaxUnpool``-style uses.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True)(fg.ones(2, 7)).shape
    torch.Size([2, 4])
    """

    _nd, _fn = 1, staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling (``torch.nn.MaxPool2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.MaxPool2d((2, 3), dilation=(1, 2))(fg.ones(1, 2, 6, 9)).shape
    torch.Size([1, 2, 3, 2])
    """

    _nd, _fn = 2, staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling (``torch.nn.MaxPool3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.MaxPool3d(2)(fg.ones(1, 1, 4, 4, 4)).shape
    torch.Size([1, 1, 2, 2, 2])
    """

    _nd, _fn = 3, staticmethod(F.max_pool3d)


class _MaxUnpoolNd(_PoolNd):
    __constants__ = ["kernel_size", "stride", "padding"]
    _fn = None
    _tuple = staticmethod(_single)

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        tup = self._tuple
        self.kernel_size = tup(kernel_size)
        self.stride = tup(stride if stride is not None else kernel_size)
        self.padding = tup(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        """Scatter ``input`` to the positions ``indices`` (from max pooling) of a zero output of the default
        size or ``output_size``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> v, i = nn.MaxPool1d(2, return_indices=True)(fg.tensor([[[1.0, 3.0, 4.0, 2.0]]]))
        >>> nn.MaxUnpool1d(2)(v, i)
        tensor([[[0., 3., 4., 0.]]])
        """
        self._check(input)
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        """``kernel_size=..., stride=..., padding=...``.

        >>> from funcgrad import nn
        >>> nn.MaxUnpool2d(2).extra_repr()
        'kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)'
        """
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of ``MaxPool1d`` (``torch.nn.MaxUnpool1d``): the maxima back in place, zeros elsewhere.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.MaxUnpool1d(2)(fg.ones(1, 1, 3), fg.tensor([[[0, 3, 5]]]), output_size=[7]).shape
    torch.Size([1, 1, 7])
    """

    _nd, _fn, _tuple = 1, staticmethod(pooling_more.max_unpool1d), staticmethod(_single)


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of ``MaxPool2d`` (``torch.nn.MaxUnpool2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> v, i = nn.MaxPool2d(2, return_indices=True)(fg.randn(1, 2, 4, 4))
    >>> nn.MaxUnpool2d(2)(v, i).shape
    torch.Size([1, 2, 4, 4])
    """

    _nd, _fn, _tuple = 2, staticmethod(pooling_more.max_unpool2d), staticmethod(_pair)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of ``MaxPool3d`` (``torch.nn.MaxUnpool3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> v, i = nn.MaxPool3d(2, return_indices=True)(fg.randn(2, 4, 4, 4))
    >>> nn.MaxUnpool3d(2)(v, i).shape
    torch.Size([2, 4, 4, 4])
    """

    _nd, _fn, _tuple = 3, staticmethod(pooling_more.max_unpool3d), staticmethod(_triple)


class _AvgPoolNd(_PoolNd):
    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]
    _fn = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        """The window averages of ``input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.AvgPool2d(2)(fg.arange(4.0).reshape(1, 2, 2))
        tensor([[[1.5000]]])
        """
        self._check(input)
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        """``kernel_size=..., stride=..., padding=...``.

        >>> from funcgrad import nn
        >>> nn.AvgPool2d(2).extra_repr()
        'kernel_size=2, stride=2, padding=0'
        """
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """1-D average pooling (``torch.nn.AvgPool1d``); its settings are kept as 1-tuples, as PyTorch keeps them.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.AvgPool1d(2), nn.AvgPool1d(2)(fg.tensor([[[1.0, 3.0, 5.0, 7.0]]]))
    (AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,)), tensor([[[2., 6.]]]))
    """

    _nd = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__(_single(kernel_size), _single(stride if stride is not None else kernel_size),
                         _single(padding), ceil_mode, count_include_pad)

    def forward(self, input: Tensor) -> Tensor:
        """The window averages of ``input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.AvgPool1d(3, 1, 1, count_include_pad=False)(fg.ones(1, 3)).tolist()
        [[1.0, 1.0, 1.0]]
        """
        self._check(input)
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling (``torch.nn.AvgPool2d``): ``count_include_pad``, ``ceil_mode``, ``divisor_override``.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.AvgPool2d(2, divisor_override=1)(fg.ones(1, 1, 2, 2))
    tensor([[[[4.]]]])
    """

    _nd, _fn = 2, staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling (``torch.nn.AvgPool3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.AvgPool3d(2, stride=1)(fg.ones(1, 1, 3, 3, 3)).shape
    torch.Size([1, 1, 2, 2, 2])
    """

    _nd, _fn = 3, staticmethod(F.avg_pool3d)


class _LPPoolNd(_PoolNd):
    __constants__ = ["norm_type", "kernel_size", "stride", "ceil_mode"]
    _fn = None

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        """``(sum over each window of input ** norm_type) ** (1 / norm_type)``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.LPPool1d(1, 2)(fg.ones(1, 1, 4))
        tensor([[[2., 2.]]])
        """
        self._check(input)
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        """``norm_type=..., kernel_size=..., stride=..., ceil_mode=...``.

        >>> from funcgrad import nn
        >>> nn.LPPool2d(2, 3).extra_repr()
        'norm_type=2, kernel_size=3, stride=None, ceil_mode=False'
        """
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """1-D power-average pooling (``torch.nn.LPPool1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.LPPool1d(2, 3, stride=1)(fg.ones(2, 5)).shape
    torch.Size([2, 3])
    """

    _nd, _fn = 1, staticmethod(pooling_more.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """2-D power-average pooling (``torch.nn.LPPool2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.LPPool2d(2, (2, 1))(fg.ones(1, 4, 3)).shape
    torch.Size([1, 2, 3])
    """

    _nd, _fn = 2, staticmethod(pooling_more.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """3-D power-average pooling (``torch.nn.LPPool3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.LPPool3d(2, 2)(fg.ones(1, 2, 2, 2)).shape
    torch.Size([1, 1, 1, 1])
    """

    _nd, _fn = 3, staticmethod(pooling_more.lp_pool3d)


class _AdaptivePoolNd(_PoolNd):
    __constants__ = ["output_size"]
    _fn = None

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        """``input`` pooled to ``output_size`` (``None`` keeps a dimension's size).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.AdaptiveAvgPool2d((None, 1))(fg.ones(1, 1, 3, 4)).shape
        torch.Size([1, 1, 3, 1])
        """
        self._check(input)
        return type(self)._fn(input, self.output_size)

    def extra_repr(self) -> str:
        """``output_size=...``.

        >>> from funcgrad import nn
        >>> nn.AdaptiveAvgPool1d(3).extra_repr()
        'output_size=3'
        """
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """1-D adaptive average pooling to ``output_size`` (``torch.nn.AdaptiveAvgPool1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.AdaptiveAvgPool1d(2)(fg.tensor([[[1.0, 2.0, 3.0, 4.0]]]))
    tensor([[[1.5000, 3.5000]]])
    """

    _nd, _fn = 1, staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """2-D adaptive average pooling (``torch.nn.AdaptiveAvgPool2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.AdaptiveAvgPool2d(1)(fg.ones(2, 3, 5, 7)).shape
    torch.Size([2, 3, 1, 1])
    """

    _nd, _fn = 2, staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """3-D adaptive average pooling (``torch.nn.AdaptiveAvgPool3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.AdaptiveAvgPool3d((1, 2, 3))(fg.ones(1, 1, 3, 4, 5)).shape
    torch.Size([1, 1, 1, 2, 3])
    """

    _nd, _fn = 3, staticmethod(F.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    __constants__ = ["output_size", "return_indices"]

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        """``input`` max-pooled to ``output_size`` (with the indices of the maxima if ``return_indices``).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.AdaptiveMaxPool1d(1, return_indices=True)(fg.tensor([[1.0, 4.0, 2.0]]))
        (tensor([[4.]]), tensor([[1]]))
        """
        self._check(input)
        return type(self)._fn(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """1-D adaptive max pooling (``torch.nn.AdaptiveMaxPool1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.AdaptiveMaxPool1d(2)(fg.tensor([[[1.0, 5.0, 2.0, 4.0]]]))
    tensor([[[5., 4.]]])
    """

    _nd, _fn = 1, staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """2-D adaptive max pooling (``torch.nn.AdaptiveMaxPool2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.AdaptiveMaxPool2d((2, None))(fg.ones(1, 5, 3)).shape
    torch.Size([1, 2, 3])
    """

    _nd, _fn = 2, staticmethod(pooling_more.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """3-D adaptive max pooling (``torch.nn.AdaptiveMaxPool3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.AdaptiveMaxPool3d(1)(fg.ones(2, 1, 2, 3, 4)).shape
    torch.Size([2, 1, 1, 1, 1])
    """

    _nd, _fn = 3, staticmethod(pooling_more.adaptive_max_pool3d)
