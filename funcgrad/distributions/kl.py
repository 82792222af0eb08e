"""``kl_divergence(p, q)`` and ``register_kl``: closed forms looked up by the pair of distribution types, as in
``torch.distributions.kl``.

>>> import funcgrad as fg
>>> from funcgrad.distributions import Normal, kl_divergence
>>> kl_divergence(Normal(0.0, 1.0), Normal(1.0, 1.0))
tensor(0.5000)
"""
from __future__ import annotations

from typing import Callable

from ..tensors.activations_more import softplus
from ..tensors.tensor import Tensor
from .continuous import Normal
from .discrete import Bernoulli, Categorical
from .distribution import Distribution

__all__ = ["kl_divergence", "register_kl"]

_KL: dict = {}


def register_kl(type_p: type, type_q: type) -> Callable:
    """Decorator registering the KL divergence of a pair of distribution types.

    >>> from funcgrad.distributions import Normal, register_kl
    >>> callable(register_kl(Normal, Normal))
    True
    """
    def deco(fn: Callable) -> Callable:
        _KL[type_p, type_q] = fn
        return fn
    return deco


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """``KL(p || q)``, batched over the distributions' batch shape; the most specific registered pair is used.
    Raises ``NotImplementedError`` for a pair with no closed form registered."""
    for tp in type(p).__mro__:
        for tq in type(q).__mro__:
            fn = _KL.get((tp, tq))
            if fn is not None:
                return fn(p, q)
    raise NotImplementedError(f"No KL(p || q) is implemented for p={type(p).__name__}, q={type(q).__name__}")


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    t = t.masked_fill(q.probs == 0, float("inf"))  # q rules out an outcome p allows: infinite divergence
    t = t.masked_fill(p.probs == 0, 0.0)  # 0 log 0 is 0
    return t.sum(-1)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    # in logits: p * (lp - lq) + softplus(lq) - softplus(lp), stable at saturated probabilities
    return p.probs * (p.logits - q.logits) + softplus(q.logits) - softplus(p.logits)
