"""The core: primitives and their registry, traces and boxes, and the reverse pass.

It imports nothing above :mod:`funcgrad.backend` and :mod:`funcgrad.tree`.
"""
from .backward import backward, toposort, zeros_for
from .debug import NonFiniteError, config, debug_nans
from .errors import FuncgradError, PrimitiveError, TracedConversionError, TracerLeakError, user_location
from .primitive import Primitive, Variadic, add_any, primitive, registry
from .trace import Box, Node, Trace, getval, is_traced

__all__ = ["NonFiniteError", "config", "debug_nans", "backward", "toposort", "zeros_for", "FuncgradError", "PrimitiveError", "TracedConversionError",
           "TracerLeakError", "user_location", "Primitive", "Variadic", "add_any", "primitive", "registry", "Box", "Node",
           "Trace", "getval", "is_traced"]
