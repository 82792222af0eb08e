"""The math of ``torch.nn``'s recurrent layers, shared by the sequence layers and the cells of
:mod:`funcgrad.nn.modules.rnn`: cutting a sequence into its time steps and gates with one node for all (the
``pieces`` primitive), the per-layer weights (LSTM's sigmoid-as-tanh columns), one step of each kind, and the
masks that let a time loop over a padded batch run packed sequences (a sequence that has ended keeps its state).

>>> import funcgrad as fg
>>> from funcgrad.nn.modules._rnn_steps import step_masks
>>> [m is None for m in step_masks([3, 1], 3, fg.ones(1).device)]
[True, False, False]
"""
from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np

from ...primitives.pieces import pieces
from ...tensors.math import relu, sigmoid, tanh, where
from ...tensors.tensor import Tensor, _unwrap, tensor

__all__: list = []

# --- cutting a value into pieces (one node for all: see funcgrad/primitives/pieces.py), and one step of each kind
def _steps(x: Tensor) -> list:
    """``[x[0], x[1], ...]`` with one node for all (see ``pieces``)."""
    return [Tensor._from_value(v) for v in pieces(_unwrap(x), axis=0)]


def _blocks(x: Tensor, *sizes: int) -> list:
    """The last axis of ``x`` cut into blocks of ``sizes`` (the gates), with one node for all."""
    ends = [sum(sizes[:k + 1]) for k in range(len(sizes))]
    bounds = tuple(zip([0] + ends[:-1], ends))
    return [Tensor._from_value(p) for p in pieces(_unwrap(x), axis=x.ndim - 1, bounds=bounds)]


@functools.lru_cache(maxsize=64)
def _gate_affine(hidden: int, dtype: Any, device: str) -> tuple:
    """LSTM's per-column scale (the halving inside each sigmoid, and the 0.5 of ``0.5 * t + 0.5``; 1 for the
    cell gate g, a plain tanh) and shift, gates in the order i, f, g, o (Tensors never change: cached)."""
    half = [0.5] * (2 * hidden) + [1.0] * hidden + [0.5] * hidden
    shift = [0.5] * (2 * hidden) + [0.0] * hidden + [0.5] * hidden
    return tensor(half, dtype=dtype, device=device), tensor(shift, dtype=dtype, device=device)


def _layer_weights(mode: str, hidden: int, wi: Tensor, wh: Tensor, b_ih: Any, b_hh: Any, wr: Any) -> tuple:
    """``(input weights, input bias, the step's recurrent weights)`` from the transposed parameters: RNN and LSTM
    add their two biases once (LSTM scales its columns, see ``_gate_affine``); GRU keeps ``b_hh`` for the step
    (its n block sits inside the reset gate)."""
    if mode == "GRU":
        return wi, b_ih, (wh, b_hh)
    b = None if b_ih is None else b_ih + b_hh
    if mode == "LSTM":
        scale, shift = _gate_affine(hidden, wi.dtype, str(wi.device))
        return wi * scale, (None if b is None else b * scale), (wh * scale, scale, shift, wr)
    return wi, b, (wh,)


def _project(x: Tensor, wi: Tensor, b: Any) -> Tensor:
    """``x @ wi + b`` for an input of any rank, as one matrix product over all leading axes."""
    lead = x.shape[:-1]
    p = x.reshape(-1, x.shape[-1]) @ wi
    if b is not None:
        p = p + b
    return p.reshape(*lead, wi.shape[-1])


# Each step takes ``xp``, its input's share (``x @ w_ih^T`` plus the biases that sit outside the nonlinearity), the
# state (``h`` None: the zero initial state, whose products are skipped: exact) and the recurrent weights ``w``.
def _step_rnn(xp: Tensor, h: Any, c: Any, w: tuple, relu_: bool) -> tuple:
    wh = w[0]
    s = xp if h is None else xp + h @ wh
    return (relu(s) if relu_ else tanh(s)), None


def _step_lstm(xp: Tensor, h: Any, c: Any, w: tuple, hidden: int) -> tuple:
    wh, scale, shift, wr = w  # wh (and xp) already carry ``scale``: tanh(z) is tanh(x / 2) on the sigmoid gates
    z = xp if h is None else xp + h @ wh
    i, f, g, o = _blocks(tanh(z) * scale + shift, hidden, hidden, hidden, hidden)
    c = i * g if c is None else f * c + i * g
    h = o * tanh(c)
    return (h if wr is None else h @ wr), c


def _step_gru(xp: Tensor, h: Tensor, c: Any, w: tuple, hidden: int) -> tuple:
    wh, b_hh = w
    gh = h @ wh
    if b_hh is not None:
        gh = gh + b_hh
    (gi_rz, gi_n), (gh_rz, gh_n) = _blocks(xp, 2 * hidden, hidden), _blocks(gh, 2 * hidden, hidden)
    r, z = _blocks(sigmoid(gi_rz + gh_rz), hidden, hidden)
    n = tanh(gi_n + r * gh_n)
    return n + z * (h - n), None


# --- packed sequences: the padded batch's time loop, with each finished sequence keeping its state
def step_masks(lengths: Sequence[int], steps: int, device: Any) -> list:
    """For each time step ``t``, a ``(batch, 1)`` boolean Tensor of the sequences still running at ``t`` (their
    ``lengths`` exceed ``t``), or None where all of them are (no masking needed)."""
    lens = np.asarray(lengths)
    out = []
    for t in range(steps):
        live = lens > t
        out.append(None if live.all() else tensor(live[:, None], device=device))
    return out


def keep_finished(mask: Any, new: Any, old: Any) -> Any:
    """``new`` for the running sequences, ``old`` (None: the zero initial state) for the others; no gradient
    reaches the discarded ``new`` of a finished sequence."""
    if mask is None or new is None:
        return new
    return where(mask, new, 0.0 if old is None else old)
