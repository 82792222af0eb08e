"""``torch.nn``'s lookup tables: ``Embedding`` and ``EmbeddingBag``, over ``funcgrad.nn.functional``'s
``embedding`` and ``embedding_bag``.

The weight ``(num_embeddings, embedding_dim)`` starts from ``N(0, 1)``, as PyTorch's does; the row at
``padding_idx`` starts at zero and never receives a gradient. ``max_norm`` renormalises the looked-up rows in
place (unrecorded). ``from_pretrained`` wraps an existing table (frozen by default).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> emb = nn.Embedding(10, 3, padding_idx=0)
>>> emb, emb.weight[0].tolist(), emb(fg.tensor([[1, 2], [0, 4]])).shape
(Embedding(10, 3, padding_idx=0), [0.0, 0.0, 0.0], torch.Size([2, 2, 3]))
"""
from __future__ import annotations

from typing import Any

from ...tensors.creation import empty
from ...tensors.tensor import Tensor, no_grad
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Embedding", "EmbeddingBag"]


def _padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"Padding_idx must be within num_embeddings (got padding_idx={padding_idx} for "
                         f"num_embeddings={num_embeddings})")
    return padding_idx + num_embeddings if padding_idx < 0 else padding_idx


def _table(layer: str, num_embeddings: int, embedding_dim: int, _weight: Any, _freeze: bool) -> Parameter | None:
    """The weight Parameter over ``_weight`` (None: the caller draws a fresh one)."""
    if _weight is None:
        return None
    if not isinstance(_weight, Tensor):
        raise TypeError(f"{layer}: _weight must be a funcgrad Tensor, got {type(_weight).__name__}")
    if tuple(_weight.shape) != (num_embeddings, embedding_dim):
        raise ValueError(f"{layer}: Shape of weight {tuple(_weight.shape)} does not match num_embeddings and "
                         f"embedding_dim ({num_embeddings}, {embedding_dim})")
    return Parameter(_weight, requires_grad=not _freeze)


def _check_pretrained(layer: str, embeddings: Any) -> None:
    if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
        shape = tuple(embeddings.shape) if hasattr(embeddings, "shape") else type(embeddings).__name__
        raise ValueError(f"{layer}.from_pretrained: Embeddings parameter is expected to be 2-dimensional, got "
                         f"{shape}")


class _EmbeddingBase(Module):
    def _init_table(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None, _weight: Any,
                    _freeze: bool, device: Any, dtype: Any) -> None:
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        weight = _table(type(self).__name__, num_embeddings, embedding_dim, _weight, _freeze)
        if weight is None:
            self.weight = Parameter(empty((num_embeddings, embedding_dim), device=device, dtype=dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            self.weight = weight

    def reset_parameters(self) -> None:
        """Draw the weight from ``N(0, 1)`` and zero the ``padding_idx`` row.

        >>> from funcgrad import nn
        >>> m = nn.Embedding(4, 2, padding_idx=-1); m.reset_parameters(); m.weight[3].tolist()
        [0.0, 0.0]
        """
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0


class Embedding(_EmbeddingBase):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim`` (``torch.nn.Embedding``): integer
    indices of any shape ``(*)`` give ``(*, embedding_dim)``.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.Embedding(5, 2, max_norm=1.0)(fg.tensor([0, 3])).shape
    torch.Size([2, 2])
    """

    __constants__ = ["num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
                     "scale_grad_by_freq", "sparse"]

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self._init_table(num_embeddings, embedding_dim, padding_idx, _weight, _freeze, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        """The rows of ``weight`` at the indices ``input``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.Embedding.from_pretrained(fg.tensor([[1.0, 2.0], [3.0, 4.0]])); m(fg.tensor([1, 0]))
        tensor([[3., 4.],
                [1., 2.]])
        """
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        """``num_embeddings, embedding_dim`` and the settings that differ from the defaults.

        >>> from funcgrad import nn
        >>> nn.Embedding(3, 2, padding_idx=1, norm_type=1.0).extra_repr()
        '3, 2, padding_idx=1, norm_type=1.0'
        """
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> "Embedding":
        """An Embedding over the 2-D table ``embeddings`` (sharing its values; frozen unless ``freeze=False``;
        its ``padding_idx`` row kept as it is).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.Embedding.from_pretrained(fg.ones(4, 2), freeze=False).weight.requires_grad
        True
        """
        _check_pretrained("Embedding", embeddings)
        rows, cols = embeddings.shape
        return cls(rows, cols, _weight=embeddings, _freeze=freeze, padding_idx=padding_idx, max_norm=max_norm,
                   norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


class EmbeddingBag(_EmbeddingBase):
    """Sums, means or maxima of bags of embeddings (``torch.nn.EmbeddingBag``), without materialising the
    looked-up rows one by one: a 2-D ``input`` is one bag per row, a 1-D one is split at ``offsets``.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> bag = nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(fg.tensor([1, 2, 4, 5, 4]), fg.tensor([0, 2])).shape
    torch.Size([2, 3])
    """

    __constants__ = ["num_embeddings", "embedding_dim", "max_norm", "norm_type", "scale_grad_by_freq", "mode",
                     "sparse", "include_last_offset", "padding_idx"]

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                 _weight: Tensor | None = None, include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got {mode!r}")
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset
        self._init_table(num_embeddings, embedding_dim, padding_idx, _weight, False, device, dtype)

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        """One reduced embedding per bag; ``per_sample_weights`` scale the rows (``mode='sum'``).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> bag = nn.EmbeddingBag.from_pretrained(fg.tensor([[1.0], [3.0]]), mode="max")
        >>> bag(fg.tensor([[0, 1], [0, 0]]))
        tensor([[3.],
                [1.]])
        """
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
                               self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        """``num_embeddings, embedding_dim``, the settings that differ from the defaults, and ``mode``.

        >>> from funcgrad import nn
        >>> nn.EmbeddingBag(3, 2, mode="sum").extra_repr()
        "3, 2, mode='sum'"
        """
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> "EmbeddingBag":
        """An EmbeddingBag over the 2-D table ``embeddings`` (frozen unless ``freeze=False``).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.EmbeddingBag.from_pretrained(fg.ones(4, 2)).weight.requires_grad
        False
        """
        _check_pretrained("EmbeddingBag", embeddings)
        rows, cols = embeddings.shape
        bag = cls(rows, cols, _weight=embeddings, max_norm=max_norm, norm_type=norm_type,
                  scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag
