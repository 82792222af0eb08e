"""Tools to test derivative rules: :func:`check_grads`, :func:`primitives_used`, and hypothesis strategies in
:mod:`funcgrad.testing.strategies` (imported on demand, since hypothesis is a test-only dependency)."""
from .check import check_grads, primitives_used

__all__ = ["check_grads", "primitives_used"]
