"""HIPS autograd's ``autograd.misc`` (served as ``funcgrad.misc``): ``flatten`` and the ``optimizers`` module.

As in autograd, ``funcgrad.misc.flatten`` is the function; ``from funcgrad.misc.flatten import flatten`` and
``from funcgrad.misc.optimizers import adam`` work too (``funcgrad/__init__.py`` registers the module paths).
"""
from . import optimizers  # noqa: F401
from .flatten import flatten, flatten_func  # noqa: F401  (the function shadows the module, as in autograd)

__all__ = ["flatten", "flatten_func", "optimizers"]
