"""The ``Distribution`` base class of ``torch.distributions``: shapes, ``sample`` over ``rsample``, and the helpers
the distributions share (their parameters as Tensors, broadcast together).

>>> import funcgrad as fg
>>> from funcgrad.distributions import Normal
>>> d = Normal(fg.zeros(3), 1.0)
>>> d.batch_shape, d.event_shape, d.sample((2,)).shape
(torch.Size([3]), torch.Size([]), torch.Size([2, 3]))
"""
from __future__ import annotations

from typing import Any

from ..tensors.dtypes import as_dtype
from ..tensors.ops import _t
from ..tensors.shape import broadcast_tensors
from ..tensors.size import Size
from ..tensors.tensor import Tensor, get_default_dtype, no_grad

__all__ = ["Distribution"]


def params(*xs: Any) -> list:
    """The parameters as Tensors of one floating dtype (Python numbers take the others' or the default's),
    broadcast to one shape, as PyTorch's ``broadcast_all``."""
    dts = [x.dtype for x in xs if isinstance(x, Tensor) and x.dtype.kind in "fc"]
    dt = dts[0] if dts else as_dtype(get_default_dtype())
    ts = [x if isinstance(x, Tensor) and x.dtype.kind in "fc" else _t(x).to(dt) for x in xs]
    return list(broadcast_tensors(*ts)) if len(ts) > 1 else ts


class Distribution:
    """A distribution with PyTorch's interface: ``batch_shape``, ``event_shape``, ``sample``, ``rsample`` (where
    ``has_rsample``), ``log_prob``, ``entropy``, ``mean``, ``variance``, ``stddev``. ``sample`` draws without a
    graph; ``rsample`` is reparameterized, so gradients flow to the parameters. Draws come from funcgrad's default
    generator (``funcgrad.manual_seed``), not PyTorch's streams.

    >>> import funcgrad as fg
    >>> from funcgrad.distributions import Bernoulli
    >>> Bernoulli(probs=fg.tensor([0.25])).variance
    tensor([0.1875])
    """

    has_rsample = False
    arg_constraints: dict = {}

    def __init__(self, batch_shape: Any = (), event_shape: Any = (), validate_args: bool | None = None):
        self._batch_shape, self._event_shape = Size(batch_shape), Size(event_shape)

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> Size:
        return Size(tuple(sample_shape)) + self._batch_shape + self._event_shape

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A draw of shape ``sample_shape + batch_shape + event_shape``, outside any graph."""
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no reparameterized sampler (has_rsample is False)")

    def sample_n(self, n: int) -> Tensor:
        return self.sample((n,))

    def log_prob(self, value: Any) -> Tensor:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        raise NotImplementedError

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError

    def cdf(self, value: Any) -> Tensor:
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{k}: {self.__dict__[k] if self.__dict__[k].numel() == 1 else self.__dict__[k].size()}"
                         for k in names)
        return f"{type(self).__name__}({args})"
