"""SciPy-compatible names over funcgrad primitives (``funcgrad.scipy.special``)."""
from . import special  # noqa: F401
