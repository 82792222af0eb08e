"""``torch.nn.modules``: :class:`Module`, the containers and the layers (one module per family, as PyTorch has
them: ``module.py`` (with its hooks in ``hooks.py`` and its conversions and state dict in ``_state.py``),
``container.py``, ``parameter_containers.py``, ``linear.py``, ``flatten.py``).

>>> from funcgrad.nn.modules import Linear, Sequential
>>> Sequential(Linear(2, 2))[0].in_features
2
"""
from .module import Module, RemovableHandle
from .container import ModuleDict, ModuleList, Sequential
from .parameter_containers import ParameterDict, ParameterList
from .linear import Identity, Linear
from .flatten import Flatten, Unflatten

__all__ = ["Module", "RemovableHandle", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
           "Identity", "Linear", "Flatten", "Unflatten"]

# recurrent, attention and transformer layers
from . import attention, rnn, transformer  # noqa: E402
from .rnn import *  # noqa: F401,F403,E402
from .attention import *  # noqa: F401,F403,E402
from .transformer import *  # noqa: F401,F403,E402

__all__ += rnn.__all__ + attention.__all__ + transformer.__all__

# layers (conv, pooling, norms, activations, losses ...)
from . import (activation, batchnorm, bilinear, channelshuffle, conv, distance, dropout, fold,  # noqa: E402
               instancenorm, loss, normalization, padding, pixelshuffle, pooling, sparse, upsampling)
from .activation import *  # noqa: F401,F403,E402
from .bilinear import *  # noqa: F401,F403,E402
from .batchnorm import *  # noqa: F401,F403,E402
from .channelshuffle import *  # noqa: F401,F403,E402
from .conv import *  # noqa: F401,F403,E402
from .distance import *  # noqa: F401,F403,E402
from .dropout import *  # noqa: F401,F403,E402
from .fold import *  # noqa: F401,F403,E402
from .instancenorm import *  # noqa: F401,F403,E402
from .loss import *  # noqa: F401,F403,E402
from .normalization import *  # noqa: F401,F403,E402
from .padding import *  # noqa: F401,F403,E402
from .pixelshuffle import *  # noqa: F401,F403,E402
from .pooling import *  # noqa: F401,F403,E402
from .sparse import *  # noqa: F401,F403,E402
from .upsampling import *  # noqa: F401,F403,E402

__all__ += [name for mod in (activation, batchnorm, bilinear, channelshuffle, conv, distance, dropout, fold,
                             instancenorm, loss, normalization, padding, pixelshuffle, pooling, sparse, upsampling)
            for name in mod.__all__]

# PyTorch's module paths for the classes funcgrad keeps in other files: torch.nn.modules.activation holds
# MultiheadAttention and torch.nn.modules.container the Parameter containers (funcgrad: attention.py,
# parameter_containers.py), torch.nn.modules.linear Bilinear (funcgrad: bilinear.py). The same classes, bound where
# torch's scripts import them from.
from . import container, linear  # noqa: E402
activation.MultiheadAttention = attention.MultiheadAttention
linear.Bilinear = bilinear.Bilinear
container.ParameterList, container.ParameterDict = ParameterList, ParameterDict
