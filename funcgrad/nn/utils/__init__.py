"""``torch.nn.utils``: gradient clipping (:mod:`.clip_grad`), parameters as a flat vector
(:mod:`.convert_parameters`) and padding and packing of variable-length sequences (:mod:`.rnn`: ``pad_sequence``,
``PackedSequence``, ``pack_padded_sequence`` ...).

Not provided: weight and spectral normalization, ``parametrize``/``parametrizations``, pruning, ``stateless``,
``fusion`` and ``skip_init``.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> m = nn.Linear(3, 1)
>>> m(fg.ones(1, 3)).sum().backward()
>>> norm = nn.utils.clip_grad_norm_(m.parameters(), max_norm=0.5)
>>> bool(nn.utils.get_total_norm([p.grad for p in m.parameters()]) <= 0.5)
True
"""
from . import clip_grad, convert_parameters, rnn  # noqa: F401
from .clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "parameters_to_vector", "vector_to_parameters", "rnn"]
