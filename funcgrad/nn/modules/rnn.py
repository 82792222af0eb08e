"""``torch.nn``'s recurrent layers: ``RNN`` (tanh or ReLU), ``LSTM`` (with an optional projection) and ``GRU`` over
a whole sequence, stacked (``num_layers``) and ``bidirectional``, and the one-step cells ``RNNCell``,
``LSTMCell`` and ``GRUCell``.

The parameters carry PyTorch's names (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``,
``weight_hr_l0`` for LSTM projections, ``..._reverse`` for the backward direction) and shapes, with the gates
stacked in PyTorch's order (i, f, g, o for LSTM, r, z, n for GRU), so a torch state dict loads as it is. All start
from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``. An LSTM layer (no projection, unpacked input) is one fused
primitive per layer and direction (``lstm_recurrence``, funcgrad/primitives/recurrent.py). Elsewhere the time loop
is a Python loop on the Tensor face. What does not depend on the previous step is done once per layer and direction: the
whole input sequence is multiplied by ``weight_ih`` in one product, and the result is cut into its time steps (and
each step's gates into their blocks) by the ``pieces`` primitive, whose backward pass joins the pieces' cotangents in one copy
(slicing a step out instead would give each step a zero-padded cotangent of the full sequence: quadratic in the
length). LSTM gates take one ``tanh`` over all four blocks: ``sigmoid(x) = 0.5 * tanh(x / 2) + 0.5``, with the
halving folded into the weights (exact: a power of two) and the ``0.5 * t + 0.5`` a per-column scale and shift.
The steps themselves are in :mod:`._rnn_steps`. A ``PackedSequence`` input is padded (sorted by length), run with
each sequence's state held once it has ended (so ``h_n`` is its state at its last step, as PyTorch's), and the
output packed again.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
>>> out, (h, c) = lstm(fg.ones(7, 2, 3))
>>> out.shape, h.shape, c.shape
(torch.Size([7, 2, 10]), torch.Size([4, 2, 5]), torch.Size([4, 2, 5]))
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from ...backend import to_host
from ...primitives.recurrent import lstm_recurrence
from ...tensors.creation import empty, zeros
from ...tensors.indexing import index_select
from ...tensors.shape import cat, stack
from ...tensors.tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, _packed_gather, _padded_gather
from ._rnn_steps import (_layer_weights, _project, _step_gru, _step_lstm, _step_rnn, _steps, keep_finished,
                         step_masks)
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _check_int(name: str, value: Any, minimum: int = 1) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be greater than zero" if minimum == 1 else
                         f"{name} must be at least {minimum}, got {value}")


def _uniform_init(module: Module) -> None:
    """PyTorch's recurrent initialisation: every parameter from ``U(-1/sqrt(hidden), 1/sqrt(hidden))``."""
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0.0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share (``torch.nn.RNNBase``): the arguments and their checks, the
    parameters per layer and direction, the initialisation, the repr and the multi-layer, bidirectional time loop.
    ``mode`` is ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'`` or ``'GRU'``.

    >>> from funcgrad import nn
    >>> m = nn.RNNBase("GRU", 2, 3, bidirectional=True)
    >>> [name for name, _ in m.named_parameters()][:5]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse']
    """

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                     "bidirectional", "proj_size"]

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + str(mode))
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        for name, flag in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(flag).__name__}")
        _check_int("input_size", input_size)
        _check_int("hidden_size", hidden_size)
        _check_int("num_layers", num_layers)
        if not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list = []
        self._all_weights: list = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for base, shape in shapes:
                    setattr(self, base + suffix, Parameter(empty(shape, device=device, dtype=dtype)))
                    names.append(base + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter again from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.GRU(2, 4); m.reset_parameters()
        >>> all(bool(fg.numpy.all(fg.numpy.abs(p.detach()) <= 0.5)) for p in m.parameters())
        True
        """
        _uniform_init(self)

    def flatten_parameters(self) -> None:
        """Nothing to do: funcgrad keeps no fused weight buffer (PyTorch's cuDNN one); kept for compatibility.

        >>> from funcgrad import nn
        >>> nn.LSTM(2, 3).flatten_parameters()
        """

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters, one list per layer and direction (``[w_ih, w_hh, b_ih, b_hh, (w_hr)]``).

        >>> from funcgrad import nn
        >>> [[tuple(p.shape) for p in ws] for ws in nn.RNN(2, 3, bias=False).all_weights]
        [[(3, 2), (3, 3)]]
        """
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        """``input_size, hidden_size`` and the settings that differ from the defaults, as PyTorch prints them.

        >>> from funcgrad import nn
        >>> nn.LSTM(3, 4, num_layers=2, batch_first=True).extra_repr()
        '3, 4, num_layers=2, batch_first=True'
        """
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # --- the forward pass ---------------------------------------------------------------------------------------
    def _name(self) -> str:
        return type(self).__name__

    def _hidden_sizes(self, batch: int) -> tuple:
        layers = self.num_layers * (2 if self.bidirectional else 1)
        return (layers, batch, self.proj_size if self.proj_size > 0 else self.hidden_size), \
            (layers, batch, self.hidden_size)

    def _prepare(self, input: Any, hx: Any, time_major: bool = False) -> tuple:
        """The input as (T, N, input_size), whether it was batched, and the initial states as (L*D, N, H) (none
        where ``hx`` is None: zeros, which the time loop skips). ``time_major``: the input is (T, N, input_size)
        whatever ``batch_first`` says (a packed sequence's padded batch)."""
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._name()}: expected a Tensor or a PackedSequence input, got "
                            f"{type(input).__name__}")
        if input.dim() not in (2, 3):
            raise ValueError(f"{self._name()}: Expected input to be 2D or 3D, got {input.dim()}D tensor instead "
                             f"(shape {input.shape}; expected (L, N, H_in){' batch-first' * self.batch_first} or "
                             f"unbatched (L, H_in))")
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(f"{self._name()}: input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight.dtype}). Convert input: input.to({weight.dtype}), or convert model: "
                             f"model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{self._name()}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]} (input shape {input.shape})")
        batched = input.dim() == 3
        states = list(hx) if isinstance(hx, (tuple, list)) else ([] if hx is None else [hx])
        if self.mode == "LSTM" and hx is not None and len(states) != 2:
            raise RuntimeError(f"LSTM: hx must be a pair (h_0, c_0), got {type(hx).__name__} of {len(states)}")
        if self.mode != "LSTM" and len(states) > 1:
            raise RuntimeError(f"{self._name()}: hx must be one Tensor (h_0), got {type(hx).__name__}")
        want_dim = 3 if batched else 2
        for s in states:
            if not isinstance(s, Tensor) or s.dim() != want_dim:
                got = f"{s.dim()}-D tensor" if isinstance(s, Tensor) else type(s).__name__
                raise RuntimeError(f"{self._name()}: For {'batched 3-D' if batched else 'unbatched 2-D'} input, hx "
                                   f"should also be {want_dim}-D but got {got}")
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
            states = [s.unsqueeze(1) for s in states]
        if self.batch_first and not time_major:
            input = input.transpose(0, 1)
        if input.shape[0] == 0:
            raise ValueError(f"{self._name()}: expected a sequence of at least one step, got input shape "
                             f"{input.shape}")
        h_size, c_size = self._hidden_sizes(input.shape[1])
        for k, (s, want) in enumerate(zip(states, (h_size, c_size))):
            if tuple(s.shape) != want:
                what = f"hidden[{k}]" if self.mode == "LSTM" else "hidden"
                raise RuntimeError(f"{self._name()}: Expected {what} size {want}, got {list(s.shape)}")
        return input, batched, states

    def _weights(self, layer: int, direction: int) -> tuple:
        """``_layer_weights`` of one layer and direction."""
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        wi, wh = getattr(self, "weight_ih" + suffix).T, getattr(self, "weight_hh" + suffix).T
        b_ih = getattr(self, "bias_ih" + suffix) if self.bias else None
        b_hh = getattr(self, "bias_hh" + suffix) if self.bias else None
        wr = getattr(self, "weight_hr" + suffix).T if self.proj_size > 0 else None
        return _layer_weights(self.mode, self.hidden_size, wi, wh, b_ih, b_hh, wr)

    def _step(self, xp: Tensor, h: Any, c: Any, w: tuple) -> tuple:
        if self.mode == "LSTM":
            return _step_lstm(xp, h, c, w, self.hidden_size)
        if self.mode == "GRU":
            return _step_gru(xp, h, c, w, self.hidden_size)
        return _step_rnn(xp, h, c, w, self.mode == "RNN_RELU")

    def _fused_lstm(self, x: Tensor, h: Any, c: Any, layer: int, direction: int) -> tuple:
        """One LSTM layer and direction: the input projected in one product, then ``lstm_recurrence`` (one node)."""
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        b = getattr(self, "bias_ih" + suffix) + getattr(self, "bias_hh" + suffix) if self.bias else None
        p = _project(x, getattr(self, "weight_ih" + suffix).T, None)
        if h is None or c is None:
            zero = zeros((x.shape[1], self.hidden_size), dtype=x.dtype, device=x.device)
            h, c = zero if h is None else h, zero if c is None else c
        return lstm_recurrence(p, getattr(self, "weight_hh" + suffix), h, c, b, reverse=direction == 1)

    def _run(self, input: Tensor, states: list, lengths: Any = None) -> tuple:
        """The time loop: ``(output (T, N, D*H_out), [h_n] or [h_n, c_n])`` for time-major ``input``; ``states``
        empty: zero initial states. With ``lengths`` (a packed batch, padded) each sequence keeps its state once
        it has ended, so ``h_n`` is taken at its last step (the backward direction starts at its last step)."""
        directions = 2 if self.bidirectional else 1
        steps = input.shape[0]
        masks = [None] * steps if lengths is None else step_masks(lengths, steps, input.device)
        x = input
        h_last, c_last = [], []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = F.dropout(x, self.dropout, True)
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                h = states[0][k] if states else None
                c = states[1][k] if states and self.mode == "LSTM" else None
                if h is None and self.mode == "GRU":  # its step needs h itself: z * (h - n)
                    h = zeros(self._hidden_sizes(input.shape[1])[0][1:], dtype=input.dtype, device=input.device)
                if self.mode == "LSTM" and self.proj_size == 0 and lengths is None:
                    y, h, c = self._fused_lstm(x, h, c, layer, direction)
                    outs.append(y)
                    h_last.append(h)
                    c_last.append(c)
                    continue
                wi, b, w = self._weights(layer, direction)
                xs = _steps(_project(x, wi, b))
                seq = [None] * steps
                for t in (range(steps - 1, -1, -1) if direction else range(steps)):
                    h_new, c_new = self._step(xs[t], h, c, w)
                    h, c = keep_finished(masks[t], h_new, h), keep_finished(masks[t], c_new, c)
                    seq[t] = h
                outs.append(stack(seq, 0))
                h_last.append(h)
                c_last.append(c)
            x = outs[0] if directions == 1 else cat(outs, -1)
        finals = [stack(h_last, 0)]
        if self.mode == "LSTM":
            finals.append(stack(c_last, 0))
        return x, finals

    def forward(self, input: Tensor, hx: Any = None) -> tuple:
        """``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``) for an input ``(L, N, H_in)`` (``(N, L, H_in)`` with
        ``batch_first``) or unbatched ``(L, H_in)``; ``hx`` defaults to zeros of ``(num_layers * D, N, H_out)``. A
        ``PackedSequence`` input gives a ``PackedSequence`` output, and ``h_n`` each sequence's state at its last
        step.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> out, h = nn.GRU(2, 3, batch_first=True)(fg.ones(4, 5, 2))
        >>> out.shape, h.shape
        (torch.Size([4, 5, 3]), torch.Size([1, 4, 3]))
        >>> packed = nn.utils.rnn.pack_sequence([fg.ones(3, 2), fg.ones(1, 2)])
        >>> out, h = nn.GRU(2, 3)(packed)
        >>> out.data.shape, out.batch_sizes, h.shape
        (torch.Size([4, 3]), tensor([2, 1, 1]), torch.Size([1, 2, 3]))
        """
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        x, batched, states = self._prepare(input, hx)
        output, finals = self._run(x, states)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            finals = [s.squeeze(1) for s in finals]
        return (output, tuple(finals)) if self.mode == "LSTM" else (output, finals[0])

    def _forward_packed(self, input: PackedSequence, hx: Any) -> tuple:
        """``forward`` on a packed batch: padded (sorted by length), run with each sequence's state held after its
        end, packed again; ``hx`` and ``h_n`` are in the batch's original order, as PyTorch's."""
        data, batch_sizes, sorted_indices, unsorted_indices = input
        if not isinstance(data, Tensor) or data.dim() != 2:
            what = f"shape {data.shape}" if isinstance(data, Tensor) else type(data).__name__
            raise ValueError(f"{self._name()}: expected packed data of shape (sum of lengths, input_size), got {what}")
        sizes = np.asarray(to_host(batch_sizes.detach()._v)).astype(np.int64)
        lengths = (np.arange(int(sizes[0]))[None, :] < sizes[:, None]).sum(0)
        x, _, states = self._prepare(_padded_gather(data, sizes, sizes.shape[0]), hx, time_major=True)
        if sorted_indices is not None:
            states = [index_select(s, 1, sorted_indices) for s in states]
        output, finals = self._run(x, states, lengths)
        if unsorted_indices is not None:
            finals = [index_select(s, 1, unsorted_indices) for s in finals]
        packed = PackedSequence(_packed_gather(output, lengths), batch_sizes, sorted_indices, unsorted_indices)
        return (packed, tuple(finals)) if self.mode == "LSTM" else (packed, finals[0])


class RNN(RNNBase):
    """A multi-layer Elman RNN, ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or ReLU)
    (``torch.nn.RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False)``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> rnn = nn.RNN(4, 8, 2, "relu")
    >>> out, h = rnn(fg.ones(5, 3, 4))
    >>> rnn, out.shape, h.shape
    (RNN(4, 8, num_layers=2), torch.Size([5, 3, 8]), torch.Size([2, 3, 8]))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity, args = args[3], args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """A multi-layer LSTM (``torch.nn.LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, proj_size=0)``); ``forward(input, (h_0, c_0))`` returns
    ``(output, (h_n, c_n))``. With ``proj_size > 0`` each hidden state is projected by ``weight_hr`` to
    ``proj_size`` features.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> lstm = nn.LSTM(3, 6, proj_size=2)
    >>> out, (h, c) = lstm(fg.ones(4, 3))
    >>> out.shape, h.shape, c.shape
    (torch.Size([4, 2]), torch.Size([1, 2]), torch.Size([1, 6]))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """A multi-layer GRU, gates r, z, n as PyTorch orders them (``torch.nn.GRU(input_size, hidden_size,
    num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False)``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> out, h = nn.GRU(2, 3, bidirectional=True)(fg.ones(5, 4, 2))
    >>> out.shape, h.shape
    (torch.Size([5, 4, 6]), torch.Size([2, 4, 3]))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# --- cells ---------------------------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """What the cells share (``torch.nn.RNNCellBase``): ``weight_ih (G * hidden, input)``, ``weight_hh
    (G * hidden, hidden)``, ``bias_ih`` and ``bias_hh`` (None with ``bias=False``), ``U(-1/sqrt(hidden),
    1/sqrt(hidden))`` initialisation and the repr.

    >>> from funcgrad import nn
    >>> [tuple(p.shape) for p in nn.RNNCellBase(2, 3, True, 4).parameters()]
    [(12, 2), (12, 3), (12,), (12,)]
    """

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        _check_int("input_size", input_size)
        _check_int("hidden_size", hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(empty((gates, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((gates, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(gates, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(gates, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter again from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> m = nn.GRUCell(2, 4); m.reset_parameters(); bool(fg.numpy.all(fg.numpy.abs(m.weight_hh.detach()) <= 0.5))
        True
        """
        _uniform_init(self)

    def extra_repr(self) -> str:
        """``input_size, hidden_size`` and ``bias`` / ``nonlinearity`` where not the defaults.

        >>> from funcgrad import nn
        >>> nn.RNNCell(2, 3, bias=False, nonlinearity="relu").extra_repr()
        '2, 3, bias=False, nonlinearity=relu'
        """
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input: Any, states: list) -> tuple:
        """``input`` as (N, input_size), whether it was batched, and the states as (N, hidden_size) (zeros when
        not given)."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead (shape "
                             f"{input.shape}; expected (N, {self.input_size}) or ({self.input_size},))")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size} (input shape {input.shape})")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        want = (x.shape[0], self.hidden_size)
        out = []
        for k, s in enumerate(states):
            if s is None:
                s = zeros(want, dtype=input.dtype, device=input.device)
            elif not isinstance(s, Tensor) or s.dim() != input.dim():
                got = f"{s.dim()}-D" if isinstance(s, Tensor) else type(s).__name__
                raise RuntimeError(f"{name}: Expected hidden state {k} to be {input.dim()}-D like the input (shape "
                                   f"{input.shape}), got {got}")
            elif not batched:
                s = s.unsqueeze(0)
            if tuple(s.shape) != want:
                raise RuntimeError(f"{name}: hidden state {k} has shape {tuple(s.shape)}, expected {want} for input "
                                   f"of shape {input.shape}")
            out.append(s)
        return x, batched, out

    def _cell(self, mode: str, x: Tensor, h: Tensor, c: Any, relu_: bool = False) -> tuple:
        """One step of ``mode`` on the cell's parameters (the same weights and step as the sequence layers)."""
        wi, b, w = _layer_weights(mode, self.hidden_size, self.weight_ih.T, self.weight_hh.T, self.bias_ih,
                                  self.bias_hh, None)
        xp = _project(x, wi, b)
        if mode == "LSTM":
            return _step_lstm(xp, h, c, w, self.hidden_size)
        if mode == "GRU":
            return _step_gru(xp, h, c, w, self.hidden_size)
        return _step_rnn(xp, h, c, w, relu_)


class RNNCell(RNNCellBase):
    """One Elman RNN step, ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` or ReLU (``torch.nn.RNNCell(input_size,
    hidden_size, bias=True, nonlinearity='tanh')``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> cell = nn.RNNCell(3, 2)
    >>> cell(fg.ones(4, 3)).shape, cell(fg.ones(3)).shape
    (torch.Size([4, 2]), torch.Size([2]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """``h'`` of shape ``(N, hidden_size)`` (unbatched: ``(hidden_size,)``); ``hx`` defaults to zeros.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.RNNCell(2, 3)(fg.zeros(1, 2), fg.zeros(1, 3)).shape
        torch.Size([1, 3])
        """
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        x, batched, (h,) = self._prepare(input, [hx])
        h, _ = self._cell("RNN", x, h, None, self.nonlinearity == "relu")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, ``(h', c')`` from ``(h, c)``, gates i, f, g, o (``torch.nn.LSTMCell(input_size, hidden_size,
    bias=True)``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> h, c = nn.LSTMCell(3, 2)(fg.ones(4, 3))
    >>> h.shape, c.shape
    (torch.Size([4, 2]), torch.Size([4, 2]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        """``(h', c')``, each ``(N, hidden_size)`` (unbatched: ``(hidden_size,)``); ``hx = (h, c)`` defaults to
        zeros.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> [t.shape for t in nn.LSTMCell(2, 3)(fg.zeros(2), (fg.zeros(3), fg.zeros(3)))]
        [torch.Size([3]), torch.Size([3])]
        """
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError(f"LSTMCell: hx must be a pair (h, c), got {type(hx).__name__}")
        x, batched, (h, c) = self._prepare(input, [None, None] if hx is None else list(hx))
        h, c = self._cell("LSTM", x, h, c)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step, gates r, z, n (``torch.nn.GRUCell(input_size, hidden_size, bias=True)``).

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> nn.GRUCell(3, 2)(fg.ones(4, 3), fg.zeros(4, 2)).shape
    torch.Size([4, 2])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """``h'`` of shape ``(N, hidden_size)`` (unbatched: ``(hidden_size,)``); ``hx`` defaults to zeros.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.GRUCell(2, 3)(fg.zeros(2)).shape
        torch.Size([3])
        """
        x, batched, (h,) = self._prepare(input, [hx])
        h, _ = self._cell("GRU", x, h, None)
        return h if batched else h.squeeze(0)
