"""``Normal``, ``Uniform`` and ``MultivariateNormal``: reparameterized (``rsample`` differentiates with respect to
the parameters), with PyTorch's ``log_prob``, ``entropy``, ``mean`` and ``variance``.

>>> import funcgrad as fg
>>> from funcgrad.distributions import Normal
>>> Normal(0.0, 1.0).log_prob(fg.tensor(0.0))
tensor(-0.9189)
"""
from __future__ import annotations

import math
from typing import Any

from ..tensors.creation import rand, randn
from ..tensors.linalg import cholesky, inv, solve
from ..tensors.ops import _t
from ..tensors.manipulation import broadcast_shapes
from ..tensors.tensor import Tensor
from .distribution import Distribution, params

__all__ = ["Normal", "Uniform", "MultivariateNormal"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class _Located(Distribution):
    """A distribution symmetric and unimodal about ``loc``: its mean and its mode are ``loc``."""

    loc: Tensor

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc


class Normal(_Located):
    """The normal distribution with mean ``loc`` and standard deviation ``scale`` (``torch.distributions.Normal``).

    >>> import funcgrad as fg
    >>> from funcgrad.distributions import Normal
    >>> loc = fg.tensor(0.0, requires_grad=True)
    >>> Normal(loc, 2.0).rsample((3,)).shape, Normal(loc, 2.0).entropy()
    (torch.Size([3]), tensor(2.1121))
    """

    has_rsample = True
    arg_constraints = {"loc": "real", "scale": "positive"}

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None):
        self.loc, self.scale = params(loc, scale)
        super().__init__(self.loc.shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = randn(tuple(self._extended_shape(sample_shape)), dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        value = _t(value)
        return -((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log() - _LOG_SQRT_2PI

    def cdf(self, value: Any) -> Tensor:
        return 0.5 * (1 + ((_t(value) - self.loc) / (self.scale * math.sqrt(2))).erf())

    def entropy(self) -> Tensor:
        return 0.5 + _LOG_SQRT_2PI + self.scale.log()

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale ** 2


class Uniform(Distribution):
    """The uniform distribution on ``[low, high)`` (``torch.distributions.Uniform``); ``log_prob`` is ``-inf``
    outside.

    >>> import funcgrad as fg
    >>> from funcgrad.distributions import Uniform
    >>> Uniform(0.0, 4.0).log_prob(fg.tensor([1.0, 5.0]))
    tensor([-1.3863,    -inf])
    """

    has_rsample = True
    arg_constraints = {"low": "real", "high": "real"}

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None):
        self.low, self.high = params(low, high)
        super().__init__(self.low.shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = rand(tuple(self._extended_shape(sample_shape)), dtype=self.low.dtype, device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Any) -> Tensor:
        value = _t(value)
        inside = ((self.low <= value) & (self.high > value)).to(self.low.dtype)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value: Any) -> Tensor:
        return ((_t(value) - self.low) / (self.high - self.low)).clamp(0, 1)

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low) ** 2 / 12

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / math.sqrt(12)


class MultivariateNormal(_Located):
    """The multivariate normal with mean ``loc`` and one of ``covariance_matrix``, ``precision_matrix`` or
    ``scale_tril`` (``torch.distributions.MultivariateNormal``), batched over leading dimensions.

    >>> import funcgrad as fg
    >>> from funcgrad.distributions import MultivariateNormal
    >>> MultivariateNormal(fg.zeros(2), fg.eye(2)).log_prob(fg.zeros(2))
    tensor(-1.8379)
    """

    has_rsample = True
    arg_constraints = {"loc": "real_vector", "covariance_matrix": "positive_definite",
                       "precision_matrix": "positive_definite", "scale_tril": "lower_cholesky"}

    def __init__(self, loc: Any, covariance_matrix: Any = None, precision_matrix: Any = None,
                 scale_tril: Any = None, validate_args: bool | None = None):
        if sum(m is not None for m in (covariance_matrix, precision_matrix, scale_tril)) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        (loc,) = params(loc)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = covariance_matrix if covariance_matrix is not None else (
            precision_matrix if precision_matrix is not None else scale_tril)
        given = _t(given).to(loc.dtype)
        if given.ndim < 2:
            raise ValueError("the matrix argument must be at least two-dimensional, with optional leading batch "
                             "dimensions")
        batch = broadcast_shapes(tuple(given.shape[:-2]), tuple(loc.shape[:-1]))
        k = loc.shape[-1]
        given = given.expand(batch + (k, k))
        self.loc = loc.expand(batch + (k,))
        if scale_tril is not None:
            self.scale_tril = given
        elif covariance_matrix is not None:
            self.covariance_matrix = given
            self.scale_tril = cholesky(given)
        else:
            self.precision_matrix = given
            self.scale_tril = cholesky(inv(given))
        super().__init__(batch, (k,))

    @property
    def _cov(self) -> Tensor:
        return self.scale_tril @ self.scale_tril.transpose(-1, -2)

    def __getattr__(self, name: str) -> Any:  # the matrices not given are derived on first use
        if name == "covariance_matrix":
            return self._cov
        if name == "precision_matrix":
            return inv(self._cov)
        raise AttributeError(f"'MultivariateNormal' object has no attribute {name!r}")

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = randn(tuple(self._extended_shape(sample_shape)), dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + (self.scale_tril @ eps[..., None])[..., 0]

    def _half_log_det(self) -> Tensor:
        return self.scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value: Any) -> Tensor:
        diff = _t(value) - self.loc
        shape = broadcast_shapes(tuple(diff.shape), tuple(self.loc.shape))
        L = self.scale_tril.expand(shape + (shape[-1],))
        z = solve(L, diff.expand(shape)[..., None])[..., 0]  # L^-1 (x - loc): the Mahalanobis term is |z|^2
        k = self._event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + (z ** 2).sum(-1)) - self._half_log_det()

    def entropy(self) -> Tensor:
        k = self._event_shape[0]
        return 0.5 * k * (1.0 + math.log(2 * math.pi)) + self._half_log_det()

    @property
    def variance(self) -> Tensor:
        return (self.scale_tril ** 2).sum(-1)
