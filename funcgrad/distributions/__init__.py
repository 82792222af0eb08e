"""``torch.distributions``: ``Normal``, ``Uniform``, ``MultivariateNormal``, ``Categorical``, ``Bernoulli`` and
``kl_divergence``, over Tensors (so ``log_prob`` and ``rsample`` differentiate with the Tensor graph, and under
``funcgrad.grad``).

>>> import funcgrad as fg
>>> from funcgrad.distributions import Normal
>>> mu = fg.tensor(0.5, requires_grad=True)
>>> Normal(mu, 1.0).log_prob(fg.tensor(1.0)).backward(); mu.grad
tensor(0.5000)
"""
from .continuous import MultivariateNormal, Normal, Uniform
from .discrete import Bernoulli, Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from . import kl  # noqa: F401  (torch.distributions.kl.kl_divergence)

__all__ = ["Distribution", "Normal", "Uniform", "MultivariateNormal", "Categorical", "Bernoulli", "kl_divergence",
           "register_kl"]
