"""Batching sequences of different lengths (``torch.nn.utils.rnn``): :func:`pad_sequence` and
:func:`unpad_sequence`.

Padding is made of Tensor operations (a join with a constant block, then a stack), so gradients flow back to each
sequence, and the padded positions get none. ``PackedSequence`` and ``pack_padded_sequence`` /
``pad_packed_sequence`` / ``pack_sequence`` are not provided: funcgrad's recurrent layers take padded batches only.

>>> import funcgrad as fg
>>> from funcgrad.nn.utils.rnn import pad_sequence
>>> pad_sequence([fg.tensor([1.0, 2.0]), fg.tensor([3.0])], batch_first=True)
tensor([[1., 2.],
        [3., 0.]])
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ...tensors.creation import full
from ...tensors.shape import cat, stack
from ...tensors.tensor import Tensor

__all__ = ["pad_sequence", "unpad_sequence"]


def pad_sequence(sequences: Tensor | Iterable[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """The sequences (Tensors of shapes ``(L_i, *)`` with the same trailing shape ``*``) padded with
    ``padding_value`` to the longest length ``L`` and stacked: ``(L, B, *)``, or ``(B, L, *)`` when
    ``batch_first`` (``torch.nn.utils.rnn.pad_sequence``). ``padding_side`` is ``"right"`` (padding after each
    sequence) or ``"left"``. A Tensor of shape ``(B, L, *)`` counts as ``B`` sequences. Mixed dtypes promote.

    >>> import funcgrad as fg
    >>> from funcgrad.nn.utils.rnn import pad_sequence
    >>> pad_sequence([fg.ones(1, 2), fg.ones(3, 2)], padding_side="left").shape
    (3, 2, 2)
    """
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("pad_sequence: received an empty list of sequences; pass at least one Tensor")
    bad = next((s for s in seqs if not isinstance(s, Tensor) or s.ndim == 0), None)
    if bad is not None:
        what = "a 0-d Tensor" if isinstance(bad, Tensor) else f"a {type(bad).__name__}"
        raise TypeError(f"pad_sequence: every sequence must be a Tensor of shape (length, *), got {what}")
    rest = seqs[0].shape[1:]
    for i, s in enumerate(seqs):
        if s.shape[1:] != rest:
            raise RuntimeError(f"pad_sequence: the sequences must agree in every dimension after the first; "
                               f"sequence 0 has shape {seqs[0].shape} and sequence {i} has {s.shape}")
    dtype = np.result_type(*[s.dtype for s in seqs])
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        s = s if s.dtype == dtype else s.to(dtype)
        short = longest - s.shape[0]
        if short:
            block = full((short,) + rest, padding_value, dtype=dtype, device=s.device)
            s = cat([s, block] if padding_side == "right" else [block, s])
        padded.append(s)
    return stack(padded, dim=0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False) -> list:
    """The list of sequences that :func:`pad_sequence` (right-padded) joined: sequence ``i`` is the first
    ``lengths[i]`` steps of batch entry ``i`` (``torch.nn.utils.rnn.unpad_sequence``).

    >>> import funcgrad as fg
    >>> from funcgrad.nn.utils.rnn import pad_sequence, unpad_sequence
    >>> seqs = [fg.tensor([1.0, 2.0]), fg.tensor([3.0])]
    >>> unpad_sequence(pad_sequence(seqs), [2, 1])
    [tensor([1., 2.]), tensor([3.])]
    """
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    lengths = [int(n) for n in (lengths.tolist() if isinstance(lengths, Tensor) else lengths)]
    if len(lengths) != x.shape[0]:
        raise ValueError(f"unpad_sequence: {len(lengths)} lengths for a batch of {x.shape[0]} sequences (padded "
                         f"shape {padded_sequences.shape}, batch_first={batch_first})")
    if any(n < 0 or n > x.shape[1] for n in lengths):
        raise ValueError(f"unpad_sequence: the lengths {lengths} must lie between 0 and the padded length "
                         f"{x.shape[1]}")
    return [x[i, :n] for i, n in enumerate(lengths)]
