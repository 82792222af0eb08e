"""Tools to test derivative rules: :func:`check_grads`, :func:`primitives_used`, and hypothesis strategies in
:mod:`funcgrad.testing.strategies` (imported on demand, since hypothesis is a test-only dependency); and
``torch.testing``'s ``assert_close`` and ``make_tensor`` (compare.py)."""
from .check import check_grads, primitives_used
from .compare import assert_close, make_tensor  # torch.testing's names

__all__ = ["check_grads", "primitives_used", "assert_close", "make_tensor"]
