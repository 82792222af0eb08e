"""Where the primitives that SciPy computes get their forward values: ``scipy.<submodule>`` for NumPy arrays,
``cupyx.scipy.<submodule>`` for CuPy arrays, imported on the first call, so that importing funcgrad needs no SciPy."""
from __future__ import annotations

import importlib
from typing import Any

import numpy as _onp


def scipy_submodule(xp: Any, submodule: str) -> Any:
    """SciPy's ``submodule`` for the array namespace ``xp`` (NumPy: scipy's, CuPy: cupyx's), or None where it is not
    installed or ``xp`` is another library (which brings its own through the family's ``register_library``).

    >>> import numpy as np
    >>> scipy_submodule(np, "special").__name__
    'scipy.special'
    """
    if xp is _onp:
        name = f"scipy.{submodule}"
    elif getattr(xp, "__name__", "") == "cupy":
        name = f"cupyx.scipy.{submodule}"
    else:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
