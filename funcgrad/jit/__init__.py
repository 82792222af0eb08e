"""``funcgrad.jit``: record a function into a graph once, optimize it, replay it at NumPy speed.

This name is both JAX's ``jit`` (``funcgrad.jit(f)``, ``@funcgrad.jit``) and a module path, where PyTorch's
``torch.jit`` names will live (``import funcgrad as torch; torch.jit...``): the package's module object is given a
class whose ``__call__`` is :func:`jit`. A module (rather than a callable object posing as one) keeps ``import
funcgrad.jit``, ``from funcgrad.jit import Lowered`` and submodules working as for any package, so later names are
plain module attributes.

Modules: ``graph`` (the graph and its listing), ``record`` (the recording trace), ``passes`` (the optimizations),
``replay`` (the generated replay function and the traced interpreter), ``api`` (``jit``, the cache, ``lower``),
``export`` (saving and loading graphs).
"""
import sys as _sys
import types as _types

from .api import INPLACE_MIN_BYTES, RETRACE_WARN_AFTER, CacheInfo, Jitted, Lowered, jit
from .export import Exported, ExportError, export, load_exported
from .fuse import FUSE_MIN_BYTES
from .passes import DEFAULT_PASSES

__all__ = ["jit", "Jitted", "Lowered", "CacheInfo", "DEFAULT_PASSES", "RETRACE_WARN_AFTER", "INPLACE_MIN_BYTES",
           "FUSE_MIN_BYTES", "export", "load_exported", "Exported", "ExportError"]


class _JitModule(_types.ModuleType):
    """The module ``funcgrad.jit``, callable as :func:`funcgrad.jit.jit`."""

    def __call__(self, fun=None, **kwargs):
        """``funcgrad.jit(f, ...)`` is :func:`funcgrad.jit.jit` (its docstring has the arguments and an example;
        not copied here, so that the doctest runs once)."""
        return jit(fun, **kwargs)

_sys.modules[__name__].__class__ = _JitModule
