"""``torch.optim`` for funcgrad: optimizers over Tensors, ``lr_scheduler``, and pure pytree optimizers in
``functional``.

The optimizers update their parameters in place under ``no_grad`` (each parameter keeps its identity and stays a
requires-grad leaf) and are numerically PyTorch's: the same defaults, the same update order, the same
``state_dict`` format (a PyTorch optimizer's CPU state dict loads too). Complex parameters are optimized through
their real view, as PyTorch does. Not provided: step and state-dict hooks, ``differentiable=True`` and
``fused=True`` (``foreach`` and ``capturable`` are accepted and change nothing), sparse gradients.

>>> import funcgrad as fg
>>> from funcgrad import optim
>>> w = fg.tensor([2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.25)
>>> for _ in range(2):
...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
>>> w
tensor([0.5000], requires_grad=True)
"""
from . import functional, lr_scheduler, swa_utils  # noqa: F401
from .adam import Adam, AdamW, Adamax, NAdam, RAdam
from .lbfgs import LBFGS
from .optimizer import Optimizer, required
from .rmsprop import Adadelta, Adagrad, RMSprop
from .rprop import ASGD, Rprop
from .sgd import SGD

__all__ = ["Optimizer", "required", "SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad",
           "Adadelta", "Rprop", "ASGD", "LBFGS", "lr_scheduler", "functional",
           "swa_utils"]
