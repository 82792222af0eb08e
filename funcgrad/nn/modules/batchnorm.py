"""``torch.nn``'s batch normalisation: ``BatchNorm1d``/``2d``/``3d`` over ``funcgrad.nn.functional.batch_norm``,
and ``_NormBase``, which the instance norms (``instancenorm.py``) share.

The parameters and buffers are PyTorch's: ``weight`` (ones) and ``bias`` (zeros) with ``affine``;
``running_mean`` (zeros), ``running_var`` (ones) and the int64 ``num_batches_tracked`` with
``track_running_stats``. In training mode the batch statistics normalise and update the running ones (an
exponential average with ``momentum``, a cumulative average with ``momentum=None``), unrecorded: the buffers are
rebound to their new values, so nothing accumulates from step to step. In eval mode the running statistics
normalise (the batch ones if they are not tracked).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> bn = nn.BatchNorm1d(2, momentum=None)
>>> _ = bn(fg.tensor([[0.0, 1.0], [2.0, 5.0]]))
>>> bn.running_mean, bn.running_var, bn.num_batches_tracked
(tensor([1., 3.]), tensor([2., 8.]), tensor(1))
"""
from __future__ import annotations

from typing import Any

from ...tensors.creation import empty, ones, zeros
from ...tensors.ops import int64
from ...tensors.tensor import Tensor, no_grad, tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module
from .utils import _check_rank

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _NormBase(Module):
    """Parameters, buffers, initialisation and repr of the batch and instance norms."""

    _version = 2
    __constants__ = ["track_running_stats", "momentum", "eps", "num_features", "affine"]

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean back to zeros, running variance to ones, ``num_batches_tracked`` to 0 (in place).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> bn = nn.BatchNorm1d(1); _ = bn(fg.tensor([[1.0], [3.0]])); bn.reset_running_stats(); bn.running_mean
        tensor([0.])
        """
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, the weight to ones and the bias to zeros.

        >>> from funcgrad import nn
        >>> bn = nn.BatchNorm1d(2); bn.reset_parameters(); bn.weight.tolist(), bn.bias.tolist()
        ([1.0, 1.0], [0.0, 0.0])
        """
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input: Any) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        """PyTorch's text: ``num_features, eps=..., momentum=..., affine=..., bias=..., track_running_stats=...``.

        >>> from funcgrad import nn
        >>> nn.BatchNorm2d(4, momentum=None).extra_repr()
        '4, eps=1e-05, momentum=None, affine=True, bias=True, track_running_stats=True'
        """
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict, strict: bool,
                              missing_keys: list, unexpected_keys: list, error_msgs: list,
                              assign: bool = False) -> None:
        # checkpoints from before num_batches_tracked existed (version < 2) load with it at 0
        version = local_metadata.get("version", None)
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            state_dict[key] = tensor(0, dtype=int64)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs, assign)


class _BatchNorm(_NormBase):
    _ranks: tuple = ()
    _layout = ""

    def _check_input_dim(self, input: Any) -> None:
        _check_rank(type(self).__name__, input, self._ranks, self._layout)

    def forward(self, input: Tensor) -> Tensor:
        """Normalise ``input`` per channel (dim 1): by the batch statistics in training mode (updating the running
        ones), by the running statistics in eval mode.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.BatchNorm1d(1, affine=False)(fg.tensor([[1.0], [3.0]])).ravel()
        tensor([-1.0000,  1.0000])
        """
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over a 2-D ``(N, C)`` or 3-D ``(N, C, L)`` input (``torch.nn.BatchNorm1d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.BatchNorm1d(3)(fg.randn(4, 3, 5)).shape
    torch.Size([4, 3, 5])
    """

    _ranks, _layout = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over a 4-D ``(N, C, H, W)`` input (``torch.nn.BatchNorm2d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> bn = nn.BatchNorm2d(2).eval(); bn(fg.ones(1, 2, 2, 2)).shape
    torch.Size([1, 2, 2, 2])
    """

    _ranks, _layout = (4,), "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over a 5-D ``(N, C, D, H, W)`` input (``torch.nn.BatchNorm3d``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.BatchNorm3d(1)(fg.randn(2, 1, 2, 2, 2)).shape
    torch.Size([2, 1, 2, 2, 2])
    """

    _ranks, _layout = (5,), "(N, C, D, H, W)"
