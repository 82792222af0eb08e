"""Array namespaces, devices and dtype helpers: the only module that knows which array library a value belongs to.

Every primitive asks :func:`namespace` for the module to compute with, so that the same rule runs on NumPy arrays
and on CuPy arrays (or a registered stand-in) by the same code path.

Devices are named as PyTorch names them: ``"cpu"`` (NumPy) and ``"cuda"``/``"cuda:N"`` (the GPU backend: CuPy,
found lazily, or a stand-in installed with :func:`set_gpu_backend`). Nothing here copies between devices unless
asked to by :func:`to_device`; primitives that meet arrays of two devices raise :class:`DeviceMismatchError`.
"""
from __future__ import annotations

import contextlib
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["NUMPY_TYPES", "namespace", "register_namespace", "is_float", "is_inexact", "shape_of", "dtype_of",
           "device_of", "GPUBackend", "gpu_backend", "set_gpu_backend", "gpu_available", "parse_device",
           "to_device", "to_host", "set_default_device", "get_default_device", "DeviceMismatchError",
           "DeviceUnavailableError", "device_mismatch", "device_scope"]

# Types whose namespace is NumPy. Python scalars combine with any array library, so they count as NumPy here and
# lose to a device array when two operands disagree (see namespace_of_args).
NUMPY_TYPES = {np.ndarray, np.float64, np.float32, np.float16, np.complex128, np.complex64, np.int64, np.int32,
                np.int16, np.int8, np.uint8, np.uint16, np.uint32, np.uint64, np.bool_, float, int, bool, complex}

# Extra array types: type -> namespace module. Filled lazily for CuPy and explicitly for test stand-ins.
_EXTRA: dict[type, ModuleType] = {}


def register_namespace(array_type: type, module: ModuleType) -> None:
    """Declare that values of ``array_type`` compute with the array-API-like ``module``.

    >>> import numpy as np
    >>> register_namespace(np.ndarray, np)
    """
    if module is np:
        NUMPY_TYPES.add(array_type)
    else:
        _EXTRA[array_type] = module


def _lookup(x: Any) -> ModuleType:
    t = type(x)
    mod = _EXTRA.get(t)
    if mod is not None:
        return mod
    modname = t.__module__ or ""
    if modname.startswith("cupy"):
        import cupy  # only imported when a CuPy value is seen

        _EXTRA[t] = cupy
        return cupy
    if isinstance(x, np.generic):
        NUMPY_TYPES.add(t)
        return np
    return np


def namespace(x: Any) -> ModuleType:
    """The array module (``numpy``, ``cupy``, ...) that computes with ``x``.

    >>> import numpy as np
    >>> namespace(np.ones(3)) is np
    True
    """
    if type(x) in NUMPY_TYPES:
        return np
    return _lookup(x)


def namespace_of(*xs: Any) -> ModuleType:
    """The namespace shared by several operands; a device array wins over NumPy values and Python scalars.

    >>> import numpy as np
    >>> namespace_of(1.0, np.ones(2)) is np
    True
    """
    for x in xs:
        if type(x) not in NUMPY_TYPES:
            mod = _lookup(x)
            if mod is not np:
                return mod
    return np


def shape_of(x: Any) -> tuple:
    """Shape of an array, scalar or traced value (scalars are 0-d).

    >>> shape_of(2.0)
    ()
    """
    s = getattr(x, "shape", None)
    return () if s is None else tuple(s)


def dtype_of(x: Any) -> np.dtype:
    """Dtype of an array, traced value or Python scalar (Python floats are float64, as NumPy treats them).

    >>> dtype_of(1.0)
    dtype('float64')
    """
    d = getattr(x, "dtype", None)
    if d is None:
        return np.asarray(x).dtype
    return d


def is_float(x: Any) -> bool:
    """True for real floating values.

    >>> is_float(1.0), is_float(1)
    (True, False)
    """
    return dtype_of(x).kind == "f"


def is_inexact(x: Any) -> bool:
    """True for floating or complex values: the ones gradients are defined for.

    >>> is_inexact(1j)
    True
    """
    return dtype_of(x).kind in "fc"


class DeviceMismatchError(ValueError):
    """Arrays of two devices met in one operation (funcgrad never copies between devices behind your back)."""


class DeviceUnavailableError(RuntimeError):
    """A GPU was asked for where there is none (CuPy missing, or no CUDA device)."""


class GPUBackend:
    """What funcgrad needs from a GPU array library. :class:`CupyBackend` is the real one; a test stand-in
    (:mod:`funcgrad.testing.standin`) implements the same methods so that CI proves the device code path.

    Devices are numbered from 0; ``xp`` is the array namespace (``cupy``), ``array_types`` its array classes.
    """

    name = "gpu"
    xp: ModuleType
    array_types: tuple = ()

    def device_count(self) -> int:
        raise NotImplementedError

    def current_device(self) -> int:
        raise NotImplementedError

    def use_device(self, index: int) -> Any:
        """A context manager making device ``index`` current (new arrays are made there)."""
        raise NotImplementedError

    def set_current(self, index: int) -> None:
        """Make device ``index`` current from now on (``torch.cuda.set_device``)."""
        self.use_device(index).__enter__()

    def device_index(self, x: Any) -> int:
        raise NotImplementedError

    def asarray(self, x: Any, index: int, dtype: Any = None) -> Any:
        """``x`` (host or device data) as an array on device ``index``: the explicit copy."""
        raise NotImplementedError

    def to_host(self, x: Any) -> np.ndarray:
        raise NotImplementedError

    def synchronize(self, index: int | None = None) -> None:
        raise NotImplementedError

    def random_state(self, seed: int, index: int) -> Any:
        """A seeded generator on device ``index`` with NumPy's ``RandomState`` methods (``random_sample``,
        ``standard_normal``, ``uniform``, ``normal``, ``randint``, ``permutation``), drawing on the device."""
        raise NotImplementedError


class CupyBackend(GPUBackend):
    """CuPy on NVIDIA GPUs (``pip install funcgrad[gpu]``)."""

    name = "cupy"

    def __init__(self) -> None:
        import cupy

        self.xp = cupy
        self.array_types = (cupy.ndarray,)
        cupy.cuda.runtime.getDeviceCount()  # raises where the driver or the device is missing

    def device_count(self) -> int:
        return self.xp.cuda.runtime.getDeviceCount()

    def current_device(self) -> int:
        return self.xp.cuda.Device().id

    def use_device(self, index: int) -> Any:
        return self.xp.cuda.Device(index)

    def set_current(self, index: int) -> None:
        self.xp.cuda.Device(index).use()

    def device_index(self, x: Any) -> int:
        return x.device.id

    def asarray(self, x: Any, index: int, dtype: Any = None) -> Any:
        with self.xp.cuda.Device(index):
            return self.xp.asarray(x, dtype=dtype)

    def to_host(self, x: Any) -> np.ndarray:
        return self.xp.asnumpy(x)

    def synchronize(self, index: int | None = None) -> None:
        if index is None:
            self.xp.cuda.Device().synchronize()
        else:
            self.xp.cuda.Device(index).synchronize()

    def random_state(self, seed: int, index: int) -> Any:
        with self.xp.cuda.Device(index):
            return self.xp.random.RandomState(seed)


_gpu: list = [None, False]  # [backend, probed]


def set_gpu_backend(backend: GPUBackend | None) -> None:
    """Make ``backend`` what ``"cuda"`` means (a test stand-in); ``None`` goes back to finding CuPy.

    >>> set_gpu_backend(None)
    """
    _gpu[0], _gpu[1] = backend, backend is not None
    if backend is not None:
        for t in backend.array_types:
            register_namespace(t, backend.xp)


def _probe() -> GPUBackend | str:
    try:
        import cupy  # noqa: F401
    except ImportError:
        return ("CuPy is not installed: install funcgrad's GPU extra, pip install 'funcgrad[gpu]' (CuPy for CUDA "
                "12), on a machine with an NVIDIA GPU")
    try:
        return CupyBackend()
    except Exception as e:  # CuPy without a driver or a device
        return f"CuPy is installed but finds no usable CUDA device ({type(e).__name__}: {e})"


def gpu_backend() -> GPUBackend:
    """The GPU backend; raises :class:`DeviceUnavailableError` saying what is missing where there is none.

    >>> gpu_available() in (True, False)
    True
    """
    if not _gpu[1]:
        _gpu[0], _gpu[1] = _probe(), True
    b = _gpu[0]
    if isinstance(b, str):
        raise DeviceUnavailableError(f"no GPU available: {b}")
    return b


def gpu_available() -> bool:
    """Whether ``"cuda"`` can be used here (CuPy and a CUDA device, or an installed stand-in).

    >>> isinstance(gpu_available(), bool)
    True
    """
    try:
        gpu_backend()
    except DeviceUnavailableError:
        return False
    return True


def parse_device(device: Any) -> tuple[str, int | None]:
    """``("cpu", None)`` or ``("cuda", index)`` from ``"cpu"``, ``"cuda"``, ``"cuda:1"``, an int (a GPU index) or an
    object whose ``str()`` is one of those (a ``torch.device``). ``"cuda"`` means the current GPU.

    >>> parse_device("cuda:1"), parse_device("cpu")
    (('cuda', 1), ('cpu', None))
    """
    if isinstance(device, int) and not isinstance(device, bool):
        return ("cuda", device)
    name = str(device)
    kind, _, idx = name.partition(":")
    if kind == "cpu" and not idx:
        return ("cpu", None)
    if kind in ("cuda", "gpu"):
        if not idx:
            return ("cuda", None)
        if idx.isdigit():
            return ("cuda", int(idx))
    raise ValueError(f"unknown device {device!r}: use 'cpu', 'cuda' or 'cuda:N'")


def _on_gpu(x: Any) -> bool:
    t = type(x)
    return t not in NUMPY_TYPES and _lookup(x) is not np


def device_of(x: Any) -> str:
    """Device name of an array: ``"cpu"`` for NumPy values and Python scalars, ``"cuda:N"`` for GPU arrays.

    >>> import numpy as np
    >>> device_of(np.zeros(1))
    'cpu'
    """
    if not _on_gpu(x):
        return "cpu"
    b = _gpu[0]
    if isinstance(b, GPUBackend) and isinstance(x, b.array_types):
        return f"cuda:{b.device_index(x)}"
    dev = getattr(x, "device", None)
    ident = getattr(dev, "id", None)
    return f"cuda:{ident}" if ident is not None else str(dev)


def to_device(x: Any, device: Any, dtype: Any = None) -> Any:
    """``x`` (an array, scalar or nested list) on ``device``: a copy where it lives elsewhere, ``x`` itself where
    it is already there (with ``dtype`` applied).

    >>> import numpy as np
    >>> to_device([1.0, 2.0], "cpu")
    array([1., 2.])
    """
    kind, index = parse_device(device)
    if kind == "cpu":
        if _on_gpu(x):
            x = to_host(x)
        return np.asarray(x, dtype=dtype)
    b = gpu_backend()
    if index is None:
        index = b.current_device()
    if index >= b.device_count():
        raise DeviceUnavailableError(f"device 'cuda:{index}' does not exist: this machine has "
                                     f"{b.device_count()} GPU(s)")
    if isinstance(x, b.array_types) and b.device_index(x) == index and (dtype is None or x.dtype == dtype):
        return x
    return b.asarray(x, index, dtype)


_HOST_SCOPE = contextlib.nullcontext()


def device_scope(x: Any) -> Any:
    """A context manager making ``x``'s GPU current (nothing for host values): new arrays made inside it land
    where ``x`` lives, as CuPy allocates on the current device.

    >>> import numpy as np
    >>> with device_scope(np.ones(1)):
    ...     pass
    """
    if type(x) in NUMPY_TYPES or not _on_gpu(x):
        return _HOST_SCOPE
    b = _gpu[0]
    if isinstance(b, GPUBackend) and isinstance(x, b.array_types):
        return b.use_device(b.device_index(x))
    dev = getattr(x, "device", None)
    return dev if hasattr(dev, "__enter__") else _HOST_SCOPE


def to_host(x: Any) -> np.ndarray:
    """A NumPy copy of a GPU array (the explicit transfer; ``x`` itself for host values).

    >>> import numpy as np
    >>> to_host(np.ones(2))
    array([1., 1.])
    """
    if not _on_gpu(x):
        return np.asarray(x)
    b = _gpu[0]
    if isinstance(b, GPUBackend) and isinstance(x, b.array_types):
        return b.to_host(x)
    return x.get()


_default_device: list = ["cpu"]


def set_default_device(device: Any) -> None:
    """The device that creation functions use when given no ``device=`` (``torch.set_default_device``): both
    ``funcgrad.numpy``'s (``zeros``, ``arange``, ``array`` of lists ...) and the Tensor façade's.

    >>> set_default_device("cpu"); get_default_device()
    'cpu'
    """
    kind, index = parse_device(device)
    if kind == "cuda":
        gpu_backend()  # fail now, not at the first creation
    _default_device[0] = kind if index is None else f"{kind}:{index}"


def get_default_device() -> str:
    """The current default device name (``"cpu"`` unless :func:`set_default_device` changed it)."""
    return _default_device[0]


def device_mismatch(op: str, args: Any) -> DeviceMismatchError | None:
    """The error for an operation ``op`` whose plain array arguments (searched through lists and tuples) live on
    two devices, or ``None`` where they agree. Python and NumPy scalars go with any device.

    >>> import numpy as np
    >>> device_mismatch("add", (np.ones(2), 1.0)) is None
    True
    """
    seen: dict = {}
    stack = list(args)
    while stack:
        a = stack.pop()
        t = type(a)
        if t is list or t is tuple:
            stack.extend(a)
            continue
        if isinstance(a, np.ndarray) or _on_gpu(a) and hasattr(a, "shape"):
            seen.setdefault(device_of(a), shape_of(a))
    if len(seen) < 2:
        return None
    desc = " and ".join(f"{d} (shape {s})" for d, s in seen.items())
    return DeviceMismatchError(
        f"funcgrad.{op}: its arguments live on different devices, {desc}; funcgrad never copies between devices "
        f"implicitly. Move them to one device first (funcgrad.backend.to_device(x, 'cuda'), fnp.asarray(x, "
        f"device=...), or Tensor.to(...)).")
