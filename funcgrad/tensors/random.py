"""PyTorch's random sampling from tensors of parameters: ``funcgrad.bernoulli``, ``multinomial``, ``poisson``,
``binomial``, and ``Tensor.bernoulli_``.

Draws come from funcgrad's generators (:func:`funcgrad.manual_seed`, ``generator=`` a :class:`funcgrad.Generator`)
where the parameters live, so a seed repeats the draws (they are not PyTorch's draws). As in PyTorch, the samples
of ``bernoulli``, ``poisson`` and ``binomial`` are in the graph of their parameters with a zero gradient;
``multinomial`` returns indices (int64), outside any graph.

>>> import funcgrad as fg
>>> g = fg.Generator().manual_seed(0)
>>> fg.bernoulli(fg.tensor([0.0, 1.0]), generator=g)
tensor([0., 1.])
>>> fg.multinomial(fg.tensor([0.0, 0.0, 1.0]), 2, replacement=True, generator=g)
tensor([2, 2])
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace, to_host
from .special import _raw
from .tensor import Tensor, get_default_dtype
from .inplace import _rebind
from .operators import _check_inplace
from .creation import _rng as rng, _uniform as uniform
from .ops import _no_out, _t

__all__ = ["bernoulli", "multinomial", "poisson", "binomial"]


def _rng(generator: Any, x: Tensor) -> Any:

    return rng(generator, str(x.device))


def _uniform(generator: Any, x: Tensor, shape: tuple) -> Any:

    return uniform(_rng(generator, x), tuple(shape), np.dtype(np.float64))


def _draw(generator: Any, x: Tensor, kind: str, *params: Any) -> Any:
    """``rng.<kind>(*params)`` from the generator of ``x``'s device; a device generator without that sampler
    seeds a host one from its own stream (the draws stay reproducible) and the draws are moved back."""
    rng = _rng(generator, x)
    shape = tuple(np.broadcast_shapes(*[tuple(getattr(p, "shape", ())) for p in params]))
    if hasattr(rng, kind):
        return getattr(rng, kind)(*params, size=shape)
    seed = int(to_host(_uniform(generator, x, ())) * 2 ** 62)
    host = getattr(np.random.default_rng(seed), kind)(*[to_host(p) for p in params], size=shape)
    return namespace(_raw(x)).asarray(host)


def _floating(op: str, x: Tensor) -> Tensor:
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating-point tensor of parameters, got dtype {x.dtype}; convert "
                           f"with .float() or .double()")
    return x


def _zero_grad_sample(sample: Any, *params: Tensor) -> Tensor:
    """``sample`` (plain values) in the graph of ``params`` with a zero gradient, as PyTorch records its samplers."""
    out = Tensor._from_value(sample)
    for p in params:
        if p.requires_grad:
            out = fnp.where(True, out, p)
    return out


def bernoulli(input: Any, p: Any = None, *, generator: Any = None, out: Any = None) -> Tensor:
    """1 with probability ``input`` (or with the number ``p`` for every element when given), else 0, in
    ``input``'s floating dtype (``torch.bernoulli``).

    >>> import funcgrad as fg
    >>> fg.bernoulli(fg.tensor([1.0, 0.0, 1.0]))
    tensor([1., 0., 1.])
    """
    _no_out("bernoulli", out)
    x = _floating("bernoulli", _t(input))
    r = _raw(x)
    xp = namespace(r)
    prob = r if p is None else xp.full(r.shape, builtins.float(_raw(_t(p))) if isinstance(p, Tensor) else p)
    if prob.size and not bool(xp.all((prob >= 0) & (prob <= 1))):
        raise RuntimeError(f"bernoulli: probabilities must be in [0, 1], got values from "
                           f"{builtins.float(xp.min(prob))} to {builtins.float(xp.max(prob))}")
    u = xp.asarray(_uniform(generator, x, r.shape))
    return _zero_grad_sample((u < prob).astype(r.dtype), x)


def _bernoulli_method(self: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    """``t.bernoulli(p=None)``: :func:`bernoulli`."""
    return bernoulli(self, p, generator=generator)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill with 1 with probability ``p`` (a number or a tensor broadcasting to this one), else 0, in place
    (``torch.Tensor.bernoulli_``).

    >>> import funcgrad as fg
    >>> fg.zeros(3).bernoulli_(fg.tensor([1.0, 0.0, 1.0]))
    tensor([1., 0., 1.])
    """
    _check_inplace(self, "bernoulli_")
    pr = _raw(_t(p)) if isinstance(p, Tensor) else np.asarray(p, np.float64)
    xp = namespace(_raw(self))
    pr = xp.asarray(pr)
    if pr.size and not bool(xp.all((pr >= 0) & (pr <= 1))):
        raise RuntimeError(f"bernoulli_: probabilities must be in [0, 1], got values from {builtins.float(pr.min())} "
                           f"to {builtins.float(pr.max())}")
    try:
        pr = xp.broadcast_to(pr, self.shape)
    except ValueError:
        raise RuntimeError(f"bernoulli_: p of shape {tuple(pr.shape)} does not broadcast to the tensor's shape "
                           f"{self.shape}") from None
    u = xp.asarray(_uniform(generator, self, self.shape))
    return _rebind(self, fnp.where(True, (u < pr).astype(self.dtype), self)._v, "bernoulli_")


def multinomial(input: Any, num_samples: int, replacement: bool = False, *, generator: Any = None,
                out: Any = None) -> Tensor:
    """Indices drawn from the categories weighted by the rows of ``input`` (1-D or 2-D, non-negative, not
    necessarily normalized), ``num_samples`` per row, with or without replacement (``torch.multinomial``).

    >>> import funcgrad as fg
    >>> fg.multinomial(fg.tensor([0.0, 5.0, 0.0]), 1)
    tensor([1])
    """
    _no_out("multinomial", out)
    x = _floating("multinomial", _t(input))
    if x.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {tuple(x.shape)}")
    r = _raw(x)
    xp = namespace(r)
    w = r.reshape(1, -1) if r.ndim == 1 else r
    n = w.shape[-1]
    if n == 0:
        raise RuntimeError("multinomial: the number of categories cannot be 0")
    if not 0 < num_samples:
        raise RuntimeError(f"multinomial: cannot sample {num_samples} samples (num_samples must be positive)")
    if not replacement and num_samples > n:
        raise RuntimeError(f"multinomial: cannot sample n_sample={num_samples} > prob_dist.size(-1)={n} samples "
                           f"without replacement")
    if not bool(xp.all(xp.isfinite(w) & (w >= 0))):
        raise RuntimeError("multinomial: probability tensor contains either inf, nan or element < 0")
    total = w.sum(axis=-1, keepdims=True)
    if not bool(xp.all(total > 0)):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    w = w.astype(np.float64)
    if replacement:  # inverse distribution function on uniform draws
        cdf = xp.cumsum(w, axis=-1) / total
        u = xp.asarray(_uniform(generator, x, (w.shape[0], num_samples)))
        idx = xp.stack([xp.searchsorted(cdf[i], u[i], side="right") for i in range(w.shape[0])])
        idx = xp.minimum(idx, n - 1)
    else:  # exponential races: the num_samples smallest E_i / w_i, E_i ~ Exp(1)
        u = xp.asarray(_uniform(generator, x, w.shape))
        with np.errstate(divide="ignore"):
            keys = -xp.log1p(-u) / w
        idx = xp.argsort(keys, axis=-1)[:, :num_samples]
    idx = idx.astype(np.int64)
    return Tensor._from_value(idx.reshape(-1) if r.ndim == 1 else idx)


def poisson(input: Any, generator: Any = None) -> Tensor:
    """Poisson draws with rates ``input``, in its floating dtype (``torch.poisson``).

    >>> import funcgrad as fg
    >>> fg.poisson(fg.tensor([0.0, 0.0]))
    tensor([0., 0.])
    """
    x = _floating("poisson", _t(input))
    r = _raw(x)
    if r.size and not bool(namespace(r).all(r >= 0)):
        raise RuntimeError("poisson: the rates in input must be non-negative")
    draws = _draw(generator, x, "poisson", r.astype(np.float64))
    return _zero_grad_sample(draws.astype(r.dtype), x)


def binomial(count: Any, prob: Any, generator: Any = None) -> Tensor:
    """Binomial draws: successes in ``count`` trials of probability ``prob`` (broadcast together), in the
    floating dtype of the parameters (``torch.binomial``).

    >>> import funcgrad as fg
    >>> fg.binomial(fg.tensor([5.0, 3.0]), fg.tensor([1.0, 0.0]))
    tensor([5., 0.])
    """
    n, p = _t(count), _t(prob)
    for name, v in (("count", n), ("prob", p)):
        _floating(f"binomial ({name})", v)
    nr, pr = _raw(n), _raw(p)
    xp = namespace(nr)
    if pr.size and not bool(xp.all((pr >= 0) & (pr <= 1))):
        raise RuntimeError("binomial: prob must be in [0, 1]")
    if nr.size and not bool(xp.all(nr >= 0)):
        raise RuntimeError("binomial: count must be non-negative")
    shape = np.broadcast_shapes(tuple(nr.shape), tuple(pr.shape))
    dtype = np.result_type(nr.dtype, pr.dtype) if nr.dtype.kind == "f" else get_default_dtype()
    draws = _draw(generator, n, "binomial", xp.broadcast_to(nr, shape).astype(np.int64),
                  xp.broadcast_to(pr, shape).astype(np.float64))
    return _zero_grad_sample(draws.astype(dtype), n, p)


def _multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *,
                        generator: Any = None) -> Tensor:
    """``t.multinomial(num_samples, replacement=False)``: :func:`multinomial`."""
    return multinomial(self, num_samples, replacement, generator=generator)


def _install() -> None:
    for name, fn in [("bernoulli", _bernoulli_method), ("bernoulli_", bernoulli_),
                     ("multinomial", _multinomial_method)]:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)


_install()
