"""``torch.nn.MultiheadAttention``: multi-head scaled dot-product attention with PyTorch's parameters, masks and
layouts.

The parameters carry PyTorch's names: one packed ``in_proj_weight`` (3 * embed_dim, embed_dim) when query, key and
value share ``embed_dim``, else ``q_proj_weight``, ``k_proj_weight`` and ``v_proj_weight``; ``in_proj_bias``,
``out_proj.weight`` / ``out_proj.bias``, and ``bias_k`` / ``bias_v`` with ``add_bias_kv``. They start as PyTorch's
do (Xavier-uniform projections, zero biases, Xavier-normal ``bias_k`` / ``bias_v``). Masks follow PyTorch's
convention for this module: a boolean ``True`` marks a position that may NOT be attended (the opposite of
``scaled_dot_product_attention``'s), a float mask is added to the scores. With ``need_weights=True`` the scores are
computed here and the (head-averaged) weights returned; with ``need_weights=False`` the heads go through
``F.scaled_dot_product_attention``, as PyTorch's do. Compositions of Tensor operations: no derivative code here.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
>>> x = fg.ones(3, 5, 8)
>>> out, w = mha(x, x, x)
>>> out.shape, w.shape
(torch.Size([3, 5, 8]), torch.Size([3, 5, 5]))
"""
from __future__ import annotations

import math
import warnings
from typing import Any

from ...tensors.creation import empty, zeros
from ...tensors.math import where
from ...tensors.shape import cat
from ...tensors.tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention"]

_NAME = "MultiheadAttention"


class NonDynamicallyQuantizableLinear(Linear):
    """The ``Linear`` of ``MultiheadAttention.out_proj`` (``torch.nn.modules.linear.NonDynamicallyQuantizableLinear``):
    a plain ``Linear`` under its own name, so reprs read as PyTorch's.

    >>> from funcgrad.nn.modules.attention import NonDynamicallyQuantizableLinear
    >>> NonDynamicallyQuantizableLinear(2, 3)
    NonDynamicallyQuantizableLinear(in_features=2, out_features=3, bias=True)
    """


def _canonical_mask(mask: Any, name: str, dtype: Any, other: Any = None, other_name: str = "",
                    layer: str = _NAME) -> Tensor | None:
    """A mask as an additive float mask of ``dtype``: boolean True -> ``-inf``, False -> 0; a float mask as it is."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{layer}: {name} must be a Tensor or None, got {type(mask).__name__}")
    is_bool = mask.dtype.kind == "b"
    if not is_bool and mask.dtype.kind != "f":
        raise TypeError(f"{layer}: only bool and floating types of {name} are supported, got dtype {mask.dtype} "
                        f"(shape {mask.shape})")
    if other is not None and isinstance(other, Tensor) and other.dtype != mask.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use same type for both "
                      f"instead.", stacklevel=3)
    if is_bool:
        return where(mask, -math.inf, zeros(mask.shape, dtype=dtype, device=mask.device))
    return mask


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """``mask`` with one more key column (0: attended), for ``bias_k`` and ``add_zero_attn``."""
    return None if mask is None else F.pad(mask, (0, 1))


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of ``embed_dim // num_heads`` features each, ``torch.nn.MultiheadAttention(
    embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None,
    batch_first=False)``; ``forward`` returns ``(attn_output, attn_weights or None)``.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=5)
    >>> [name for name, _ in mha.named_parameters()]
    ['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']
    >>> out, w = mha(fg.ones(6, 2, 4), fg.ones(7, 2, 3), fg.ones(7, 2, 5), need_weights=False)
    >>> out.shape, w
    (torch.Size([6, 2, 4]), None)
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None, dtype: Any = None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise ValueError(f"{_NAME}: embed_dim must be divisible by num_heads, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads}")
        kw = {"device": device, "dtype": dtype}
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), **kw))
            self.bias_v = Parameter(empty((1, 1, embed_dim), **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's initialisation: Xavier-uniform projections, zero biases, Xavier-normal ``bias_k``/``bias_v``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.MultiheadAttention(4, 1); m._reset_parameters(); float(m.in_proj_bias.abs().sum())
        0.0
        """
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                init.xavier_normal_(b)

    # --- checks -------------------------------------------------------------------------------------------------
    def _check(self, query: Any, key: Any, value: Any, key_padding_mask: Any, attn_mask: Any) -> bool:
        """PyTorch's shape rules for the inputs and masks; returns whether the input is batched."""
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"{_NAME}: {name} must be a Tensor, got {type(t).__name__}")
        shapes = f"query {query.shape}, key {key.shape}, value {value.shape}"
        if query.dim() not in (2, 3):
            raise ValueError(f"{_NAME}: query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.dim()}-D query tensor ({shapes})")
        batched = query.dim() == 3
        kind = "batched (3-D)" if batched else "unbatched (2-D)"
        if key.dim() != query.dim() or value.dim() != query.dim():
            raise ValueError(f"{_NAME}: For {kind} `query`, expected `key` and `value` to be {query.dim()}-D but "
                             f"found {key.dim()}-D and {value.dim()}-D tensors respectively ({shapes})")
        if key_padding_mask is not None and key_padding_mask.dim() != query.dim() - 1:
            raise ValueError(f"{_NAME}: For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{query.dim() - 1}-D but found {key_padding_mask.dim()}-D tensor instead (shape "
                             f"{key_padding_mask.shape}; {shapes})")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise ValueError(f"{_NAME}: For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                             f"found {attn_mask.dim()}-D tensor instead (shape {attn_mask.shape})")
        e, s = query.shape[-1], key.shape[0 if not (batched and self.batch_first) else 1]
        if e != self.embed_dim:
            raise ValueError(f"{_NAME}: was expecting embedding dimension of {self.embed_dim}, but got {e} ({shapes})")
        if key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise ValueError(f"{_NAME}: expected key features {self.kdim} and value features {self.vdim}, got "
                             f"{shapes}")
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(f"{_NAME}: key's sequence and batch dims {key.shape[:-1]} do not match value's "
                             f"{value.shape[:-1]}")
        if batched:
            b = 0 if self.batch_first else 1
            if key.shape[b] != query.shape[b]:
                raise ValueError(f"{_NAME}: query, key and value must have the same batch size (dim {b}), got "
                                 f"{shapes}")
        if not batched and attn_mask is not None and attn_mask.dim() == 3:
            want = (self.num_heads, query.shape[0], s)
            if tuple(attn_mask.shape) != want:
                raise ValueError(f"{_NAME}: Expected `attn_mask` shape to be {want} but got {attn_mask.shape}")
        return batched

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple:
        """The input projections q, k, v (one product for self-attention with the packed weight)."""
        e, w, b = self.embed_dim, self.in_proj_weight, self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if w is None:
            return (F.linear(query, self.q_proj_weight, bq), F.linear(key, self.k_proj_weight, bk),
                    F.linear(value, self.v_proj_weight, bv))
        if query is key and key is value:
            qkv = F.linear(query, w, b)
            return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
        return F.linear(query, w[:e], bq), F.linear(key, w[e:2 * e], bk), F.linear(value, w[2 * e:], bv)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple:
        """``(attn_output, attn_weights)``: the output ``(L, N, E)`` (``(N, L, E)`` with ``batch_first``, ``(L, E)``
        unbatched); the weights ``(N, L, S)`` averaged over heads (``(N, num_heads, L, S)`` with
        ``average_attn_weights=False``), or None with ``need_weights=False``. ``key_padding_mask`` is ``(N, S)``
        (``(S,)`` unbatched), ``attn_mask`` ``(L, S)`` or ``(N * num_heads, L, S)``; boolean True masks a position
        out, floats are added. ``is_causal`` is PyTorch's hint that ``attn_mask`` (required) is the causal mask.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> mha = nn.MultiheadAttention(4, 2)
        >>> pad = fg.tensor([[False, False, True]])
        >>> out, w = mha(fg.ones(2, 1, 4), fg.ones(3, 1, 4), fg.ones(3, 1, 4), key_padding_mask=pad)
        >>> w
        tensor([[[0.5000, 0.5000, 0.0000],
                 [0.5000, 0.5000, 0.0000]]], grad_fn=<MeanBackward>)
        """
        batched = self._check(query, key, value, key_padding_mask, attn_mask)
        kpm = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype, attn_mask, "attn_mask")
        mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                               "method `generate_square_subsequent_mask` to create this mask.")
        causal = bool(is_causal) and kpm is None and not need_weights
        if causal:
            mask = None  # the hint stands for the mask: scaled_dot_product_attention applies it
        q, k, v = self._project(query, key, value)
        if batched and self.batch_first:
            q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        if not batched:
            q, k, v = q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)
            kpm = None if kpm is None else kpm.unsqueeze(0)
        length, n, e = q.shape
        heads, hd, source = self.num_heads, self.head_dim, k.shape[0]
        if kpm is not None and tuple(kpm.shape) != (n, source):
            raise RuntimeError(f"{_NAME}: expected key_padding_mask of shape {(n, source) if batched else (source,)} "
                               f"(batch, source length), got {tuple(key_padding_mask.shape)} (key {key.shape})")
        if mask is not None:
            want = (length, source) if mask.dim() == 2 else (n * heads, length, source)
            if tuple(mask.shape) != want:
                raise RuntimeError(f"{_NAME}: The shape of the {mask.dim()}D attn_mask is {mask.shape}, but should "
                                   f"be {want} (query {query.shape}, key {key.shape})")
            if mask.dim() == 2:
                mask = mask.unsqueeze(0)
        if self.bias_k is not None and self.bias_v is not None:
            k = cat([k, self.bias_k.repeat(1, n, 1)])
            v = cat([v, self.bias_v.repeat(1, n, 1)])
            mask, kpm = _pad_last(mask), _pad_last(kpm)
        q = q.reshape(length, n * heads, hd).transpose(0, 1)
        k = k.reshape(k.shape[0], n * heads, hd).transpose(0, 1)
        v = v.reshape(v.shape[0], n * heads, hd).transpose(0, 1)
        if self.add_zero_attn:
            k = cat([k, zeros((n * heads, 1, hd), dtype=k.dtype, device=k.device)], 1)
            v = cat([v, zeros((n * heads, 1, hd), dtype=v.dtype, device=v.device)], 1)
            mask, kpm = _pad_last(mask), _pad_last(kpm)
        source = k.shape[1]
        if kpm is not None:
            kpm = kpm.reshape(n, 1, 1, source).expand(n, heads, 1, source).reshape(n * heads, 1, source)
            mask = kpm if mask is None else mask + kpm
        p = self.dropout if self.training else 0.0
        if need_weights:
            scores = (q * math.sqrt(1.0 / hd)) @ k.transpose(-2, -1)
            if mask is not None:
                scores = scores + mask
            weights = F.softmax(scores, dim=-1)
            if p > 0.0:
                weights = F.dropout(weights, p=p)
            out = (weights @ v).transpose(0, 1).reshape(length * n, e)
            weights = weights.reshape(n, heads, length, source)
            if average_attn_weights:
                weights = weights.mean(dim=1)
        else:
            if mask is not None:
                mask = mask.unsqueeze(0) if mask.shape[0] == 1 else mask.reshape(n, heads, -1, source)
            out = F.scaled_dot_product_attention(q.reshape(n, heads, length, hd), k.reshape(n, heads, source, hd),
                                                 v.reshape(n, heads, source, hd), mask, p, is_causal=causal)
            out = out.permute(2, 0, 1, 3).reshape(length * n, e)
            weights = None
        out = self.out_proj(out).reshape(length, n, e)
        if not batched:
            out = out.squeeze(1)
            weights = None if weights is None else weights.squeeze(0)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, weights
