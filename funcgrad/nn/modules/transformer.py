"""``torch.nn``'s transformer layers: ``TransformerEncoderLayer``, ``TransformerEncoder``,
``TransformerDecoderLayer``, ``TransformerDecoder`` and ``Transformer``, with PyTorch's submodule names
(``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``, ``norm1`` ..., ``encoder.layers.0...``), so a torch
state dict loads as it is, and PyTorch's post-norm (default) and pre-norm (``norm_first``) blocks.

Masks are PyTorch's: a boolean True masks a position out, a float mask is added to the scores; ``*_is_causal``
are hints that the given mask is the causal one (``TransformerEncoder`` and ``TransformerDecoder`` detect it when
left None). funcgrad has no nested tensors: ``enable_nested_tensor`` is accepted and the encoder always computes on
the padded batch (PyTorch's inference fast path returns zeros at padded positions; here they hold the values the
padded computation gives, and the other positions agree).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
...                        batch_first=True)
>>> mask = nn.Transformer.generate_square_subsequent_mask(5)
>>> model(fg.ones(2, 7, 8), fg.ones(2, 5, 8), tgt_mask=mask).shape
torch.Size([2, 5, 8])
"""
from __future__ import annotations

import copy
import math
from typing import Any, Callable

from ...tensors.creation import full
from ...tensors.shape import triu
from ...tensors.tensor import Tensor
from .. import functional as F
from .. import init
from .activation import GELU, ReLU
from .attention import MultiheadAttention, _canonical_mask
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


def _generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
    return triu(full((sz, sz), -math.inf, dtype=dtype, device=device), diagonal=1)


def _get_seq_len(src: Tensor, batch_first: bool) -> int:
    return src.shape[0] if src.dim() == 2 else src.shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None = None, size: int | None = None) -> bool:
    """``is_causal`` if given; else whether ``mask`` is the causal float mask of ``size`` (PyTorch's rule)."""
    if is_causal is not None or mask is None:
        return is_causal is True
    sz = size if size is not None else mask.shape[-2]
    causal = _generate_square_subsequent_mask(sz, device=mask.device, dtype=mask.dtype)
    return tuple(mask.shape) == tuple(causal.shape) and bool((mask == causal).all())


def _get_activation_fn(activation: str) -> Callable:
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _get_clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _check_input(layer: str, x: Any, name: str, d_model: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: {name} must be a Tensor, got {type(x).__name__}")
    if x.dim() not in (2, 3) or x.shape[-1] != d_model:
        raise ValueError(f"{layer}: expected {name} of shape (S, N, {d_model}), (N, S, {d_model}) with batch_first, "
                         f"or unbatched (S, {d_model}); got {x.shape}")


class _Block(Module):
    """What the encoder and decoder layers share: the feed-forward block and the activation."""

    def _setup(self, d_model: int, nhead: int, dim_feedforward: int, dropout: float, activation: Any,
               layer_norm_eps: float, batch_first: bool, norm_first: bool, bias: bool, kw: dict,
               cross: bool) -> None:
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw)
        if cross:
            self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                     batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        for k in range(1, 4 if cross else 3):
            setattr(self, f"norm{k}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        for k in range(1, 4 if cross else 3):
            setattr(self, f"dropout{k}", Dropout(dropout))
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        if not cross:  # the encoder layer's flag for PyTorch's fused path (unused here, kept as PyTorch sets it)
            self.activation_relu_or_gelu = 1 if activation is F.relu or isinstance(activation, ReLU) else \
                2 if activation is F.gelu or isinstance(activation, GELU) else 0
        self.activation = activation

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool = False) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor, last_dropout: Module) -> Tensor:
        return last_dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_Block):
    """Self-attention and a feed-forward block, each with a residual connection and LayerNorm (after it, or before
    with ``norm_first``) (``torch.nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation=relu, layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, activation="gelu")
    >>> layer(fg.ones(5, 3, 8)).shape
    torch.Size([5, 3, 8])
    """

    __constants__ = ["norm_first"]

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = F.relu, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self._setup(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first,
                    bias, {"device": device, "dtype": dtype}, cross=False)

    def forward(self, src: Tensor, src_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool = False) -> Tensor:
        """The layer applied to ``src`` ``(S, N, E)`` (``(N, S, E)`` with ``batch_first``, or ``(S, E)``).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> layer = nn.TransformerEncoderLayer(4, 2, 8, batch_first=True, norm_first=True)
        >>> layer(fg.ones(2, 3, 4), src_key_padding_mask=fg.tensor([[False, False, True]] * 2)).shape
        torch.Size([2, 3, 4])
        """
        name = type(self).__name__
        _check_input(name, src, "src", self.self_attn.embed_dim)
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask", src.dtype, src_mask,
                                               "src_mask", layer=name)
        src_mask = _canonical_mask(src_mask, "src_mask", src.dtype, layer=name)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal=is_causal)
            x = x + self._ff_block(self.norm2(x), self.dropout2)
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal=is_causal))
            x = self.norm2(x + self._ff_block(x, self.dropout2))
        return x


class TransformerDecoderLayer(_Block):
    """Self-attention, attention over the encoder's memory and a feed-forward block, each with a residual
    connection and LayerNorm (``torch.nn.TransformerDecoderLayer``, same arguments as the encoder layer).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    >>> layer(fg.ones(5, 3, 8), fg.ones(7, 3, 8)).shape
    torch.Size([5, 3, 8])
    """

    __constants__ = ["norm_first"]

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = F.relu, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self._setup(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first,
                    bias, {"device": device, "dtype": dtype}, cross=True)

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                   is_causal: bool = False) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None, memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        """The layer applied to ``tgt`` ``(T, N, E)`` attending to ``memory`` ``(S, N, E)`` (batch first with
        ``batch_first``; unbatched ``(T, E)`` and ``(S, E)``).

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> layer = nn.TransformerDecoderLayer(4, 2, 8)
        >>> mask = nn.Transformer.generate_square_subsequent_mask(3)
        >>> layer(fg.ones(3, 4), fg.ones(5, 4), tgt_mask=mask, tgt_is_causal=True).shape
        torch.Size([3, 4])
        """
        name = type(self).__name__
        _check_input(name, tgt, "tgt", self.self_attn.embed_dim)
        _check_input(name, memory, "memory", self.self_attn.embed_dim)
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x), self.dropout3)
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x, self.dropout3))
        return x


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (deep copies: independent parameters), then ``norm`` if given
    (``torch.nn.TransformerEncoder(encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
    mask_check=True)``; funcgrad never builds nested tensors).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), num_layers=3)
    >>> len(enc.layers), enc(fg.ones(5, 2, 4)).shape
    (3, torch.Size([5, 2, 4]))
    """

    __constants__ = ["norm"]

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a Module, got {type(encoder_layer).__name__}")
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check
        self.use_nested_tensor = False  # no nested tensors in funcgrad: always the padded computation

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        """Each layer in turn on ``src``, then the final ``norm``; ``is_causal=None`` detects a causal ``mask``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 2, norm=nn.LayerNorm(4))
        >>> enc(fg.ones(3, 4), mask=nn.Transformer.generate_square_subsequent_mask(3)).shape
        torch.Size([3, 4])
        """
        if not isinstance(src, Tensor):
            raise TypeError(f"TransformerEncoder: src must be a Tensor, got {type(src).__name__}")
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask", src.dtype, mask, "mask",
                                               layer="TransformerEncoder")
        mask = _canonical_mask(mask, "mask", src.dtype, layer="TransformerEncoder")
        first = self.layers[0]
        batch_first = first.self_attn.batch_first if hasattr(first, "self_attn") else False
        is_causal = _detect_is_causal_mask(mask, is_causal, _get_seq_len(src, batch_first))
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer``, then ``norm`` if given (``torch.nn.TransformerDecoder(
    decoder_layer, num_layers, norm=None)``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8, batch_first=True), num_layers=2)
    >>> dec(fg.ones(2, 3, 4), fg.ones(2, 6, 4)).shape
    torch.Size([2, 3, 4])
    """

    __constants__ = ["norm"]

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        if not isinstance(decoder_layer, Module):
            raise TypeError(f"TransformerDecoder: decoder_layer must be a Module, got {type(decoder_layer).__name__}")
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None, memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        """Each layer in turn on ``tgt`` with ``memory``, then the final ``norm``; ``tgt_is_causal=None`` detects a
        causal ``tgt_mask``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8), 1)
        >>> dec(fg.ones(3, 1, 4), fg.ones(2, 1, 4), tgt_mask=nn.Transformer.generate_square_subsequent_mask(3)).shape
        torch.Size([3, 1, 4])
        """
        if not isinstance(tgt, Tensor):
            raise TypeError(f"TransformerDecoder: tgt must be a Tensor, got {type(tgt).__name__}")
        first = self.layers[0]
        batch_first = first.self_attn.batch_first if hasattr(first, "self_attn") else False
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, _get_seq_len(tgt, batch_first))
        output = tgt
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder transformer of "Attention Is All You Need" (``torch.nn.Transformer(d_model=512, nhead=8,
    num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048, dropout=0.1, activation=relu,
    custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
    bias=True)``): every parameter with more than one dimension starts Xavier-uniform.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> model = nn.Transformer(d_model=4, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=8)
    >>> sorted({k.split(".")[0] for k in model.state_dict()}), model(fg.ones(6, 2, 4), fg.ones(3, 2, 4)).shape
    (['decoder', 'encoder'], torch.Size([3, 2, 4]))
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1, activation: str | Callable = F.relu,
                 custom_encoder: Any = None, custom_decoder: Any = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*args, **kw), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*args, **kw), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None, memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """The decoder's output ``(T, N, E)`` (``(N, T, E)`` with ``batch_first``) for ``src`` ``(S, N, E)`` and
        ``tgt`` ``(T, N, E)``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.Transformer(4, 2, 1, 1, 8)(fg.ones(5, 4), fg.ones(2, 4)).shape
        torch.Size([2, 4])
        """
        for name, x in (("src", src), ("tgt", tgt)):
            if not isinstance(x, Tensor):
                raise TypeError(f"Transformer: {name} must be a Tensor, got {type(x).__name__}")
        batched = src.dim() == 3
        b = 0 if self.batch_first else 1
        if batched and (tgt.dim() != 3 or src.shape[b] != tgt.shape[b]):
            raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal (dim {b}), got src "
                               f"{src.shape} and tgt {tgt.shape}")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}), got src {src.shape} and tgt {tgt.shape}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The causal float mask of size ``(sz, sz)``: ``-inf`` above the diagonal, 0 elsewhere.

        >>> from funcgrad import nn
        >>> nn.Transformer.generate_square_subsequent_mask(3)
        tensor([[  0., -inf, -inf],
                [  0.,   0., -inf],
                [  0.,   0.,   0.]])
        """
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        """Xavier-uniform for every parameter with more than one dimension (PyTorch's initialisation).

        >>> from funcgrad import nn
        >>> nn.Transformer(4, 2, 1, 1, 8)._reset_parameters()
        """
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
