"""``torch.nn.utils``: gradient clipping (:mod:`.clip_grad`), parameters as a flat vector
(:mod:`.convert_parameters`), padding and packing of variable-length sequences (:mod:`.rnn`: ``pad_sequence``,
``PackedSequence``, ``pack_padded_sequence`` ...) and the legacy weight normalisation (``weight_norm``,
``remove_weight_norm``; ``weight_norm`` is the function here, as in PyTorch, its module ``weight_norm.py``).

Not provided: spectral normalization, ``parametrize``/``parametrizations``, pruning, ``stateless``, ``fusion`` and
``skip_init``.

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
from .weight_norm import remove_weight_norm, weight_norm  # the function shadows its module, as in PyTorch

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "parameters_to_vector", "vector_to_parameters", "rnn", "weight_norm", "remove_weight_norm"]
