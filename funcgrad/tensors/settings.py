"""Process-wide switches PyTorch scripts set: ``inference_mode``, the BLAS thread count, print options, the
determinism flag.

``inference_mode`` is ``no_grad`` with its own flag (funcgrad has no version counters for it to skip, so it costs
nothing more); ``set_num_threads`` limits the BLAS pool through ``threadpoolctl`` when it is installed (otherwise it
records the number); ``set_printoptions`` sets how Tensors print; ``use_deterministic_algorithms`` is accepted and
recorded: funcgrad's CPU operations are deterministic already.

>>> import funcgrad as fg
>>> with fg.inference_mode():
...     fg.is_inference_mode_enabled(), fg.is_grad_enabled()
(True, False)
"""
from __future__ import annotations

import functools
import os
import threading
from typing import Any, Callable

import numpy as np

from .grad_mode import _mode

__all__ = ["inference_mode", "is_inference_mode_enabled", "set_num_threads", "get_num_threads",
           "set_num_interop_threads", "get_num_interop_threads", "set_printoptions", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled"]


class _InferenceFlag(threading.local):
    enabled = False


_inference = _InferenceFlag()


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside ``inference_mode()`` (``torch.is_inference_mode_enabled``).

    >>> import funcgrad as fg
    >>> fg.is_inference_mode_enabled()
    False
    """
    return _inference.enabled


class inference_mode:  # noqa: N801 - PyTorch's name
    """Context manager and decorator (with or without parentheses) that turns recording off, as ``no_grad``, and
    marks the thread as in inference mode (``torch.inference_mode``); ``inference_mode(False)`` leaves the grad mode
    alone and only clears the mark, as PyTorch's does.

    >>> import funcgrad as fg
    >>> @fg.inference_mode()
    ... def f(x):
    ...     return (x * 2).requires_grad
    >>> f(fg.ones(2, requires_grad=True))
    False
    """

    def __new__(cls, mode: Any = True):
        if callable(mode):  # used bare: @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)
        self._saved: list = []

    def __enter__(self) -> None:
        self._saved.append((_mode.enabled, _inference.enabled))
        _inference.enabled = self.mode
        if self.mode:
            _mode.enabled = False

    def __exit__(self, *exc: Any) -> None:
        _mode.enabled, _inference.enabled = self._saved.pop()

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self) -> "inference_mode":
        return inference_mode(self.mode)


# --- threads ------------------------------------------------------------------------------------------------------
_threads: dict = {"n": None, "limiter": None, "interop": None}


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for BLAS (``torch.set_num_threads``): through ``threadpoolctl`` when it is installed,
    which limits OpenBLAS / MKL / BLIS in this process; without it the number is only recorded.

    >>> import funcgrad as fg
    >>> fg.set_num_threads(1); fg.get_num_threads()
    1
    """
    n = int(n)
    if n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # nothing to control the pool with: remember the request
        threadpool_limits = None
    if threadpool_limits is not None:
        old = _threads["limiter"]
        if old is not None:
            old.restore_original_limits()
        # kept alive and never exited: the limit stays in force until the next call
        _threads["limiter"] = threadpool_limits(limits=n, user_api="blas")
    _threads["n"] = n


def get_num_threads() -> int:
    """The BLAS thread count (``torch.get_num_threads``): what ``set_num_threads`` set, else the pool's own
    (``threadpoolctl``), else the number of CPUs.

    >>> import funcgrad as fg
    >>> fg.get_num_threads() >= 1
    True
    """
    if _threads["n"] is not None:
        return _threads["n"]
    try:
        from threadpoolctl import threadpool_info
        counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    except ImportError:
        counts = []
    return max(counts) if counts else (os.cpu_count() or 1)


def set_num_interop_threads(n: int) -> None:
    """Recorded only (``torch.set_num_interop_threads``): funcgrad runs no inter-op thread pool."""
    _threads["interop"] = int(n)


def get_num_interop_threads() -> int:
    """What ``set_num_interop_threads`` recorded, else 1 (``torch.get_num_interop_threads``).

    >>> import funcgrad as fg
    >>> fg.get_num_interop_threads() >= 1
    True
    """
    return _threads["interop"] or 1


# --- printing -----------------------------------------------------------------------------------------------------
#: How Tensors print (read by ``Tensor.__repr__``). ``linewidth`` None keeps NumPy's line width (75), which
#: funcgrad's reprs have always used; PyTorch's is 80.
PRINT_OPTIONS: dict = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": None, "sci_mode": None}
_PROFILES = {"default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": None},
             "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": None},
             "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": None}}


def set_printoptions(precision: int | None = None, threshold: float | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None, sci_mode: bool | None = None) -> None:
    """How Tensors print (``torch.set_printoptions``): ``precision`` digits, summarise past ``threshold``
    elements showing ``edgeitems`` at each end, wrap at ``linewidth``; ``sci_mode`` True / False forces or forbids
    scientific notation (None: automatic); ``profile`` is ``"default"``, ``"short"`` or ``"full"``.

    >>> import funcgrad as fg
    >>> fg.set_printoptions(precision=2); fg.tensor([1.2345])
    tensor([1.23])
    >>> fg.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        PRINT_OPTIONS.update(_PROFILES[profile], sci_mode=None)
    for key, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                       ("linewidth", linewidth)):
        if value is not None:
            PRINT_OPTIONS[key] = value
    # PyTorch: an explicit sci_mode sets it; otherwise it returns to automatic
    PRINT_OPTIONS["sci_mode"] = sci_mode


# --- determinism --------------------------------------------------------------------------------------------------
_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Accepted and recorded (``torch.use_deterministic_algorithms``): funcgrad's CPU operations give the same
    result on every run already (its GPU scatter-adds may not).

    >>> import funcgrad as fg
    >>> fg.use_deterministic_algorithms(True); fg.are_deterministic_algorithms_enabled()
    True
    >>> fg.use_deterministic_algorithms(False)
    """
    _deterministic["mode"], _deterministic["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """What ``use_deterministic_algorithms`` last set (``torch.are_deterministic_algorithms_enabled``)."""
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` flag ``use_deterministic_algorithms`` last set."""
    return _deterministic["warn_only"]


def _torch_formatter(a: np.ndarray) -> dict | None:
    """PyTorch's number format: ``1.`` for whole floats, four decimals otherwise, scientific for wide ranges;
    booleans padded only as wide as the widest one present (``[True, True]``, ``[ True, False]``)."""
    if a.dtype.kind == "b" and a.size:
        width = 5 if not a.all() else 4
        return {"bool": lambda x: str(bool(x)).rjust(width)}
    if a.dtype.kind != "f" or a.size == 0:
        return None
    finite = np.abs(a[np.isfinite(a)])
    if finite.size == 0:
        return None
    prec, sci = PRINT_OPTIONS["precision"], PRINT_OPTIONS["sci_mode"]  # torch.set_printoptions (settings.py)
    whole = sci is not True and bool(np.all(finite == np.round(finite)) and finite.max() < 1e8)
    if sci is None:
        sci = bool(finite.max() >= 1e8 or (finite[finite > 0].size and finite[finite > 0].min() < 1e-4))
    if whole:
        def fmt(x):
            return f"{x:.0f}." if np.isfinite(x) else str(x)
    elif sci:
        def fmt(x):
            return f"{x:.{prec}e}"
    else:
        def fmt(x):
            return f"{x:.{prec}f}" if np.isfinite(x) else str(x)
    width = max(len(fmt(x)) for x in a.ravel())
    return {"float_kind": lambda x: fmt(x).rjust(width)}


def format_values(host: np.ndarray, prefix: str = "") -> str:
    """A host array's values as PyTorch prints them, under the current print options (the body of a Tensor's
    repr; ``prefix`` is the text before it on the first line, for the indentation of the following ones).

    >>> import numpy as np
    >>> format_values(np.array([1.0, 2.5]))
    '[1.0000, 2.5000]'
    """
    opts = PRINT_OPTIONS
    return np.array2string(host, separator=", ", prefix=prefix, formatter=_torch_formatter(host),
                           threshold=opts["threshold"], edgeitems=opts["edgeitems"], max_line_width=opts["linewidth"])
