"""``torch.nn``'s instance normalisation: ``InstanceNorm1d``/``2d``/``3d`` over
``funcgrad.nn.functional.instance_norm``.

Each channel of each sample is normalised over its spatial dimensions. PyTorch's defaults: no affine parameters
and no running statistics; with ``track_running_stats=True`` the running ones (the batch means of the
per-instance statistics) are updated in training mode and used in eval mode. Unbatched inputs are accepted.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> nn.InstanceNorm1d(1)(fg.tensor([[[1.0, 3.0]]]))
tensor([[[-1.0000,  1.0000]]])
"""
from __future__ import annotations

import warnings
from typing import Any

from ...tensors.tensor import Tensor
from .. import functional as F
from .batchnorm import _NormBase
from .utils import _check_rank

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _nd = 0
    _layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input_dim(self, input: Any) -> None:
        _check_rank(type(self).__name__, input, (self._nd + 1, self._nd + 2), self._layout)

    def forward(self, input: Tensor) -> Tensor:
        """Normalise each channel of each sample of ``input`` (``(N, C, *spatial)`` or ``(C, *spatial)``).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.InstanceNorm2d(2, affine=True)(fg.randn(2, 4, 4)).shape
        torch.Size([2, 4, 4])
        """
        self._check_input_dim(input)
        feature_dim = input.ndim - self._nd - 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"{type(self).__name__}: expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: {input.shape[feature_dim]} (input "
                                 f"of shape {tuple(input.shape)}).")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          f"warning by not passing in num_features, which is not used because affine=False",
                          stacklevel=2)
        unbatched = feature_dim == 0
        x = input.unsqueeze(0) if unbatched else input
        use_input_stats = self.training or not self.track_running_stats
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_input_stats,
                            self.momentum if self.momentum is not None else 0.0, self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation over an ``(N, C, L)`` or ``(C, L)`` input (``torch.nn.InstanceNorm1d``).

    >>> from funcgrad import nn
    >>> nn.InstanceNorm1d(3)
    InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    """

    _nd, _layout = 1, "(C, L) or (N, C, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation over an ``(N, C, H, W)`` or ``(C, H, W)`` input (``torch.nn.InstanceNorm2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> m = nn.InstanceNorm2d(2, track_running_stats=True); _ = m(fg.randn(3, 2, 4, 4)); int(m.num_batches_tracked)
    0
    """

    _nd, _layout = 2, "(C, H, W) or (N, C, H, W)"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation over an ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input (``torch.nn.InstanceNorm3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.InstanceNorm3d(1)(fg.randn(1, 1, 2, 2, 2)).shape
    torch.Size([1, 1, 2, 2, 2])
    """

    _nd, _layout = 3, "(C, D, H, W) or (N, C, D, H, W)"
