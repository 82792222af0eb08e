"""Which array backend the suite runs on: ``FUNCGRAD_TEST_BACKEND=numpy`` (default), ``standin`` (the CuPy stand-in
of :mod:`funcgrad.testing.standin`, run by CI) or ``cupy`` (a real GPU).

Tests build their inputs with :func:`asarray` and read results back with :func:`to_numpy`, so that one test body
proves the CPU path and the device path. On a device backend the default device is ``"cuda"``, so arrays and
tensors that tests create with funcgrad's own creation functions land there too.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

import funcgrad as fg
from funcgrad.backend import set_default_device, to_device, to_host

NAME = os.environ.get("FUNCGRAD_TEST_BACKEND", "numpy")
if NAME not in ("numpy", "standin", "cupy"):
    raise RuntimeError(f"FUNCGRAD_TEST_BACKEND={NAME!r}: use numpy, standin or cupy")
ON_DEVICE = NAME != "numpy"
DEVICE = "cuda" if ON_DEVICE else "cpu"


def install() -> None:
    """Make the chosen backend the default device (called once by conftest)."""
    if NAME == "standin":
        from funcgrad.testing import standin

        standin.install()
    if ON_DEVICE:
        set_default_device("cuda")


def asarray(x: Any, dtype: Any = None) -> Any:
    """``x`` (host data) as an array of the backend under test; Python scalars stay scalars."""
    if isinstance(x, (int, float, complex, bool)) and dtype is None:
        return x
    a = np.asarray(x, dtype=dtype)
    return to_device(a, DEVICE) if ON_DEVICE else a


def to_numpy(x: Any) -> Any:
    """A host NumPy copy of an array, scalar, Tensor or a (nested) tuple/list/dict of them."""
    if isinstance(x, fg.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, (tuple, list)):
        return type(x)(to_numpy(e) for e in x)
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    return to_host(x) if hasattr(x, "shape") else x


def assert_allclose(actual: Any, desired: Any, rtol: float = 1e-7, atol: float = 0.0, **kw: Any) -> None:
    """``numpy.testing.assert_allclose`` after bringing both sides to the host."""
    np.testing.assert_allclose(to_numpy(actual), to_numpy(desired), rtol=rtol, atol=atol, **kw)


def is_backend_array(x: Any) -> bool:
    """True when ``x`` is an array of the backend under test (a device array on a device backend)."""
    if isinstance(x, fg.Tensor):
        return str(x.device).startswith("cuda") == ON_DEVICE
    return (fg.backend.device_of(x) != "cpu") == ON_DEVICE and hasattr(x, "shape")
