"""Batching sequences of different lengths (``torch.nn.utils.rnn``): :func:`pad_sequence` and
:func:`unpad_sequence`; :class:`PackedSequence` with :func:`pack_padded_sequence`, :func:`pad_packed_sequence`,
:func:`pack_sequence` and :func:`unpack_sequence` (``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` take and return them).

Padding is made of Tensor operations (a join with a constant block, then a stack), so gradients flow back to each
sequence, and the padded positions get none. Packing and unpacking are one gather each (an index table built on the
host from the lengths, then ``index_select``), so their backward passes are one scatter-add: gradients flow from
the packed data back to the padded input, and the padding gets none.

>>> import funcgrad as fg
>>> from funcgrad.nn.utils.rnn import pad_sequence
>>> pad_sequence([fg.tensor([1.0, 2.0]), fg.tensor([3.0])], batch_first=True)
tensor([[1., 2.],
        [3., 0.]])
"""
from __future__ import annotations

from typing import Any, Iterable, NamedTuple

import numpy as np

from ...backend import to_host
from ...tensors.creation import full
from ...tensors.indexing import index_select
from ...tensors.shape import cat, stack
from ...tensors.tensor import Tensor, tensor

__all__ = ["pad_sequence", "unpad_sequence", "PackedSequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpack_sequence", "invert_permutation"]


def pad_sequence(sequences: Tensor | Iterable[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """The sequences (Tensors of shapes ``(L_i, *)`` with the same trailing shape ``*``) padded with
    ``padding_value`` to the longest length ``L`` and stacked: ``(L, B, *)``, or ``(B, L, *)`` when
    ``batch_first`` (``torch.nn.utils.rnn.pad_sequence``). ``padding_side`` is ``"right"`` (padding after each
    sequence) or ``"left"``. A Tensor of shape ``(B, L, *)`` counts as ``B`` sequences. Mixed dtypes promote.

    >>> import funcgrad as fg
    >>> from funcgrad.nn.utils.rnn import pad_sequence
    >>> pad_sequence([fg.ones(1, 2), fg.ones(3, 2)], padding_side="left").shape
    torch.Size([3, 2, 2])
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


# --- packed sequences ------------------------------------------------------------------------------------------
class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Any
    unsorted_indices: Any


def _on_cpu(t: Tensor) -> bool:
    return t.device.type == "cpu"


def _host_ints(x: Any) -> np.ndarray:
    return np.asarray(to_host(x.detach()._v) if isinstance(x, Tensor) else x).astype(np.int64)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse permutation (``out[permutation[i]] = i``), on ``permutation``'s device; None stays None
    (``torch.nn.utils.rnn.invert_permutation``).

    >>> import funcgrad as fg
    >>> from funcgrad.nn.utils.rnn import invert_permutation
    >>> invert_permutation(fg.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    p = _host_ints(permutation)
    out = np.empty_like(p)
    out[p] = np.arange(p.size)
    return tensor(out, device=permutation.device)


class PackedSequence(_PackedFields):
    """A batch of sequences of different lengths, packed time step by time step (``torch.nn.utils.rnn
    .PackedSequence``, a named tuple): ``data`` holds step 0 of every sequence, then step 1 of those that have one,
    and so on, the sequences sorted by decreasing length; ``batch_sizes`` (int64, on the CPU) how many sequences
    run at each step; ``sorted_indices`` the batch order that sorting took (None: already sorted) and
    ``unsorted_indices`` its inverse. Make one with :func:`pack_padded_sequence` or :func:`pack_sequence`.

    >>> import funcgrad as fg
    >>> from funcgrad.nn.utils.rnn import pack_sequence
    >>> p = pack_sequence([fg.tensor([1.0, 2.0, 3.0]), fg.tensor([4.0])])
    >>> p.data, p.batch_sizes
    (tensor([1., 4., 2., 3.]), tensor([2, 1, 1]))
    """

    def __new__(cls, data: Any, batch_sizes: Any = None, sorted_indices: Any = None,
                unsorted_indices: Any = None) -> "PackedSequence":
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), the legacy form
            data, batch_sizes = data
        if not isinstance(batch_sizes, Tensor) or not _on_cpu(batch_sizes) or batch_sizes.ndim != 1:
            raise ValueError("PackedSequence: batch_sizes should always be a 1-D int64 Tensor on the CPU; "
                             "please use pack_padded_sequence or pack_sequence to make a PackedSequence")
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        """The same packing with ``data.to(*args, **kwargs)``; the indices follow the data's device, and
        ``batch_sizes`` stays on the CPU.

        >>> import numpy as np, funcgrad as fg
        >>> from funcgrad.nn.utils.rnn import pack_sequence
        >>> pack_sequence([fg.ones(2), fg.ones(1)]).to(np.float64).data.dtype
        torch.float64
        """
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = lambda t: None if t is None else t.to(data.device)  # noqa: E731
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cpu(self) -> "PackedSequence":
        """``to("cpu")``."""
        return self.to("cpu")

    def cuda(self, device: Any = None) -> "PackedSequence":
        """``to("cuda")`` (or the given CUDA device)."""
        return self.to("cuda" if device is None else device)

    def double(self) -> "PackedSequence":
        """The data as float64."""
        return self.to(np.float64)

    def float(self) -> "PackedSequence":
        """The data as float32."""
        return self.to(np.float32)

    def half(self) -> "PackedSequence":
        """The data as float16."""
        return self.to(np.float16)

    def long(self) -> "PackedSequence":
        """The data as int64."""
        return self.to(np.int64)

    def int(self) -> "PackedSequence":
        """The data as int32."""
        return self.to(np.int32)

    @property
    def is_cuda(self) -> bool:
        """Whether the data is on a CUDA device."""
        return self.data.device.type == "cuda"


def _packed_table(lengths: np.ndarray, batch: int, steps: int, order: np.ndarray, batch_first: bool) -> np.ndarray:
    """The flat positions, in a ``(steps, batch)`` (or batch-first) padded input, of the packed data's elements:
    step by step, the sorted sequences (``order[j]`` is the batch entry of sorted sequence ``j``) that run then."""
    t, j = np.nonzero(np.arange(steps)[:, None] < lengths[None, :])  # row-major: step by step, j in order
    b = order[j]
    return b * steps + t if batch_first else t * batch + b


def _packed_gather(padded: Tensor, lengths: Any, order: Any = None, batch_first: bool = False) -> Tensor:
    """The packed data of ``padded`` for the sorted ``lengths`` (``order``: the batch entry of each sorted
    sequence, None: the identity), in one gather."""
    lengths = np.asarray(lengths)
    steps, batch = (padded.shape[1], padded.shape[0]) if batch_first else padded.shape[:2]
    order = np.arange(batch) if order is None else np.asarray(order)
    flat = padded.reshape((steps * batch,) + tuple(padded.shape[2:]))
    idx = _packed_table(lengths, batch, steps, order, batch_first)
    return index_select(flat, 0, tensor(idx, device=padded.device))


def _padded_gather(data: Tensor, batch_sizes: np.ndarray, steps: int, padding_value: float = 0.0,
                   unsorted: Any = None, batch_first: bool = False) -> Tensor:
    """The padded ``(steps, batch, *)`` (or batch-first) batch of the packed ``data``, in the original batch order
    (``unsorted``: the sorted position of each batch entry, None: the identity), in one gather from the data and a
    row of ``padding_value``."""
    batch = int(batch_sizes[0])
    lengths = (np.arange(batch)[None, :] < batch_sizes[:, None]).sum(0)
    pos = np.full((steps, batch), data.shape[0], dtype=np.int64)  # the padding row, after the data
    live = np.arange(steps)[:, None] < lengths[None, :]
    pos[live] = np.arange(data.shape[0])
    if unsorted is not None:
        pos = pos[:, np.asarray(unsorted)]
    if batch_first:
        pos = pos.T
    rest = tuple(data.shape[1:])
    pad = full((1,) + rest, padding_value, dtype=data.dtype, device=data.device)
    out = index_select(cat([data, pad]), 0, tensor(pos.reshape(-1), device=data.device))
    return out.reshape(pos.shape + rest)


def _lengths(op: str, lengths: Any) -> np.ndarray:
    if isinstance(lengths, Tensor):
        if not _on_cpu(lengths) or lengths.ndim != 1:
            raise RuntimeError(f"{op}: 'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.ndim}D "
                               f"{lengths.device} {lengths.dtype} tensor; pass lengths.cpu() or a list of ints")
        return _host_ints(lengths)
    out = np.asarray(lengths)
    if out.ndim != 1:
        raise RuntimeError(f"{op}: 'lengths' should be a 1-D list of ints, got shape {out.shape}")
    return out.astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of sequences of ``lengths`` (a list
    or a CPU int64 Tensor) (``torch.nn.utils.rnn.pack_padded_sequence``). With ``enforce_sorted`` the lengths must
    decrease; ``enforce_sorted=False`` sorts them (``sorted_indices`` records the order). Gradients flow from the
    packed data to ``input``; its padding gets none.

    >>> import funcgrad as fg
    >>> from funcgrad.nn.utils.rnn import pack_padded_sequence
    >>> x = fg.tensor([[1.0, 2.0], [3.0, 0.0]])  # (B, T): lengths 2 and 1
    >>> p = pack_padded_sequence(x, [1, 2], batch_first=True, enforce_sorted=False)
    >>> p.data, p.batch_sizes, p.sorted_indices
    (tensor([3., 1., 0.]), tensor([2, 1]), tensor([1, 0]))
    """
    op = "pack_padded_sequence"
    if not isinstance(input, Tensor) or input.ndim < 2:
        what = f"shape {input.shape}" if isinstance(input, Tensor) else type(input).__name__
        raise ValueError(f"{op}: expected a padded Tensor (T, B, *) or batch-first (B, T, *), got {what}")
    if input.numel() == 0:
        raise RuntimeError(f"{op}: Cannot pack empty tensors (input shape {input.shape}).")
    lens = _lengths(op, lengths)
    batch, steps = (input.shape[0], input.shape[1]) if batch_first else (input.shape[1], input.shape[0])
    if lens.shape[0] != batch:
        raise RuntimeError(f"{op}: Expected `len(lengths)` to be equal to batch_size, but got {lens.shape[0]} "
                           f"(batch_size={batch}; input shape {input.shape}, batch_first={batch_first})")
    if enforce_sorted:
        order = None
        if np.any(lens[1:] > lens[:-1]):
            raise RuntimeError(f"{op}: `lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                               f"True (got {lens.tolist()}). You can pass `enforce_sorted=False` to "
                               f"pack_padded_sequence and/or pack_sequence to sidestep this requirement.")
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
    if lens.min() <= 0:
        raise RuntimeError(f"{op}: Length of all samples has to be greater than 0, but found an element in "
                           f"'lengths' that is <= 0 (lengths {lens.tolist()})")
    if lens.max() > steps:
        raise RuntimeError(f"{op}: a length {int(lens.max())} exceeds the padded length {steps} (input shape "
                           f"{input.shape}, batch_first={batch_first})")
    data = _packed_gather(input, lens, order, batch_first)
    batch_sizes = tensor((np.arange(int(lens[0]))[:, None] < lens[None, :]).sum(1).astype(np.int64))
    sorted_indices = None if order is None else tensor(order.astype(np.int64), device=input.device)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple:
    """``(padded, lengths)``: the packed ``sequence`` as a padded batch ``(T, B, *)`` (``(B, T, *)`` with
    ``batch_first``) in its original batch order, ``T`` the longest length or ``total_length``, and the lengths
    (int64, on the CPU) (``torch.nn.utils.rnn.pad_packed_sequence``).

    >>> import funcgrad as fg
    >>> from funcgrad.nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> pad_packed_sequence(pack_sequence([fg.tensor([1.0]), fg.tensor([2.0, 3.0])], enforce_sorted=False))
    (tensor([[1., 2.],
            [0., 3.]]), tensor([1, 2]))
    """
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    sizes = _host_ints(sequence.batch_sizes)
    steps = sizes.shape[0]
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    unsorted = None if sequence.unsorted_indices is None else _host_ints(sequence.unsorted_indices)
    padded = _padded_gather(sequence.data, sizes, steps, padding_value, unsorted, batch_first)
    lengths = (np.arange(int(sizes[0]))[None, :] < sizes[:, None]).sum(0).astype(np.int64)
    return padded, tensor(lengths if unsorted is None else lengths[unsorted])


def pack_sequence(sequences: Iterable[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (``torch.nn.utils.rnn.pack_sequence``): ``pad_sequence`` then
    :func:`pack_padded_sequence`; with ``enforce_sorted`` they must come longest first.

    >>> import funcgrad as fg
    >>> from funcgrad.nn.utils.rnn import pack_sequence
    >>> pack_sequence([fg.ones(3, 2), fg.ones(1, 2)]).batch_sizes
    tensor([2, 1, 1])
    """
    seqs = list(sequences)
    lengths = [s.shape[0] if isinstance(s, Tensor) and s.ndim else 0 for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences that ``packed_sequences`` holds, in their original order
    (``torch.nn.utils.rnn.unpack_sequence``).

    >>> import funcgrad as fg
    >>> from funcgrad.nn.utils.rnn import pack_sequence, unpack_sequence
    >>> unpack_sequence(pack_sequence([fg.tensor([1.0]), fg.tensor([2.0, 3.0])], enforce_sorted=False))
    [tensor([1.]), tensor([2., 3.])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
