"""``Categorical`` and ``Bernoulli``, parameterized by ``probs`` or ``logits`` (either gives the other), with
PyTorch's ``log_prob``, ``entropy``, ``mean`` and ``variance``. Their samples are integers (Categorical) or 0/1
floats (Bernoulli), with no reparameterized gradient.

>>> import funcgrad as fg
>>> from funcgrad.distributions import Categorical
>>> Categorical(probs=fg.tensor([0.25, 0.75])).log_prob(fg.tensor(1))
tensor(-0.2877)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensors.activations_more import softplus
from ..tensors.creation import arange, rand
from ..tensors.ops import _t
from ..tensors.manipulation import broadcast_shapes
from ..tensors.tensor import Tensor, no_grad
from .distribution import Distribution, params

__all__ = ["Categorical", "Bernoulli"]


def _clamped_log(p: Tensor) -> Tensor:
    eps = float(np.finfo(p.dtype.dtype).eps)
    return p.clamp(eps, 1 - eps).log()


class Categorical(Distribution):
    """A distribution over ``0 .. K-1`` along the last dimension of ``probs`` (normalized to sum 1) or ``logits``
    (normalized by logsumexp) (``torch.distributions.Categorical``).

    >>> import funcgrad as fg
    >>> from funcgrad.distributions import Categorical
    >>> d = Categorical(logits=fg.tensor([0.0, 0.0]))
    >>> d.probs, d.entropy()
    (tensor([0.5000, 0.5000]), tensor(0.6931))
    """

    arg_constraints = {"probs": "simplex", "logits": "real_vector"}

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (p,) = params(probs)
            if p.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = p / p.sum(-1, keepdim=True)
            self.logits = _clamped_log(self.probs)
        else:
            (lg,) = params(logits)
            if lg.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = lg - lg.logsumexp(-1, keepdim=True)
            self.probs = self.logits.softmax(-1)
        self._num_events = self.probs.shape[-1]
        super().__init__(self.probs.shape[:-1])

    @property
    def param_shape(self) -> Any:
        return self.probs.shape

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Indices drawn by inverting the cumulative probabilities with uniform draws (int64)."""
        with no_grad():
            shape = tuple(self._extended_shape(sample_shape))
            cdf = self.probs.detach().cumsum(-1)
            u = rand(shape + (1,), dtype=self.probs.dtype, device=self.probs.device)
            idx = (cdf.expand(shape + (self._num_events,)) <= u).sum(-1)
            return idx.clamp(max=self._num_events - 1).long()

    def log_prob(self, value: Any) -> Tensor:
        value = _t(value).long()
        shape = broadcast_shapes(tuple(value.shape), tuple(self._batch_shape))
        logits = self.logits.expand(shape + (self._num_events,))
        return logits.gather(-1, value.expand(shape)[..., None])[..., 0]

    def entropy(self) -> Tensor:
        # p log p with log clamped at the dtype's lowest: 0 log 0 counts as 0, as PyTorch's
        lo = float(np.finfo(self.logits.dtype.dtype).min)
        return -(self.probs * self.logits.clamp(min=lo)).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values

    @property
    def mean(self) -> Tensor:
        return self.probs.new_full(tuple(self._batch_shape), float("nan"))

    @property
    def variance(self) -> Tensor:
        return self.probs.new_full(tuple(self._batch_shape), float("nan"))

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)


class Bernoulli(Distribution):
    """1 with probability ``probs`` (or ``sigmoid(logits)``), else 0 (``torch.distributions.Bernoulli``).

    >>> import funcgrad as fg
    >>> from funcgrad.distributions import Bernoulli
    >>> Bernoulli(logits=fg.tensor(0.0)).log_prob(fg.tensor(1.0))
    tensor(-0.6931)
    """

    arg_constraints = {"probs": "unit_interval", "logits": "real"}

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = params(probs)
            self.logits = _clamped_log(self.probs) - _clamped_log(1 - self.probs)
        else:
            (self.logits,) = params(logits)
            self.probs = self.logits.sigmoid()
        super().__init__(self.probs.shape)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            shape = tuple(self._extended_shape(sample_shape))
            u = rand(shape, dtype=self.probs.dtype, device=self.probs.device)
            return (u < self.probs.detach().expand(shape)).to(self.probs.dtype)

    def log_prob(self, value: Any) -> Tensor:
        # value * logits - softplus(logits): -BCE-with-logits, stable for large |logits|
        return _t(value) * self.logits - softplus(self.logits)

    def entropy(self) -> Tensor:
        return softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(2).to(self.probs.dtype).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        return (self.probs >= 0.5).to(self.probs.dtype)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)
