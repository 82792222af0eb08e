"""``torch.amp``: ``autocast`` and ``GradScaler`` (also ``torch.autocast`` and ``torch.cuda.amp.GradScaler``).

``autocast`` is accepted as a context manager and decorator but casts nothing: funcgrad has no bfloat16 (CPU
autocast's dtype) and no per-operation cast lists, so every region runs as with ``enabled=False`` (asking for a
dtype other than float16 or bfloat16, or for a device other than cpu and cuda, raises as PyTorch does; a request
that would cast warns once that it runs uncast). ``GradScaler`` is PyTorch's loss scaling, working on any dtype:
``scale`` multiplies the loss, ``unscale_`` divides the gradients and notes infinities, ``step`` skips the update
when one was found, ``update`` backs off or grows the scale. A CUDA scaler made without a GPU warns and disables
itself, as PyTorch's does; disabled, ``scale`` returns the loss, ``step`` calls ``optimizer.step()`` and
``update`` does nothing.

>>> import funcgrad as fg
>>> scaler = fg.amp.GradScaler("cpu", init_scale=8.0)
>>> w = fg.tensor([1.0], requires_grad=True); opt = fg.optim.SGD([w], lr=0.1)
>>> scaler.scale((w * 2).sum()).backward(); w.grad
tensor([16.])
>>> scaler.step(opt); scaler.update(); w
tensor([0.8000], requires_grad=True)
"""
from __future__ import annotations

import functools
import threading
import warnings
from typing import Any, Callable

from ..backend import gpu_available
from .tensor import Tensor, no_grad

__all__ = ["autocast", "is_autocast_enabled", "GradScaler"]


class _AutocastState(threading.local):
    depth = 0


_state = _AutocastState()


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether casting is in force: always False, funcgrad's autocast casts nothing (see the module).

    >>> import funcgrad as fg
    >>> with fg.autocast("cpu"):
    ...     fg.is_autocast_enabled()
    False
    """
    return False


class autocast:  # noqa: N801 - PyTorch's name
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: accepted, and the region runs
    in the tensors' own dtypes (funcgrad has no bfloat16 nor autocast's cast lists); a context manager and a
    decorator.

    >>> import funcgrad as fg
    >>> with fg.autocast(device_type="cpu", dtype=fg.float16, enabled=False):
    ...     (fg.ones(2) @ fg.ones(2)).dtype
    torch.float32
    """

    _warned = False

    def __init__(self, device_type: str = "cuda", dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        device_type = str(device_type).split(":")[0]
        if device_type not in ("cpu", "cuda"):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        name = None if dtype is None else str(dtype).replace("torch.", "")
        if name is not None and name not in ("float16", "bfloat16"):
            raise RuntimeError(f"In autocast, the target dtype {dtype} is not supported; use float16 or bfloat16")
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, bool(enabled)
        if self.enabled and not autocast._warned:
            autocast._warned = True
            warnings.warn("funcgrad.autocast casts nothing: the region runs in the tensors' own dtypes (no bfloat16, "
                          "no per-operation cast lists); cast the model and inputs with .half() for float16",
                          UserWarning, stacklevel=2)

    def __enter__(self) -> "autocast":
        _state.depth += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        _state.depth -= 1

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


def _params(optimizer: Any) -> list:
    return [p for g in optimizer.param_groups for p in g["params"] if isinstance(p, Tensor) and p.grad is not None]


class GradScaler:
    """Loss scaling (``torch.amp.GradScaler``): ``scaler.scale(loss).backward(); scaler.step(opt);
    scaler.update()``. See the module for what it does; its state dict holds ``scale``, ``growth_factor``,
    ``backoff_factor``, ``growth_interval`` and ``_growth_tracker`` (empty while disabled, as PyTorch's).

    >>> import funcgrad as fg
    >>> fg.amp.GradScaler("cpu", enabled=False).scale(fg.tensor(2.0))
    tensor(2.)
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
        self._device = str(device).split(":")[0]
        self._enabled = bool(enabled)
        if self._enabled and self._device == "cuda" and not gpu_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            self._enabled = False
        if growth_factor <= 1.0 or not 0.0 < backoff_factor < 1.0:
            raise ValueError("GradScaler: growth_factor must be > 1 and backoff_factor in (0, 1)")
        self._scale, self._growth_factor, self._backoff_factor = float(init_scale), growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = int(growth_interval), 0
        self._per_optimizer: dict = {}  # id(optimizer) -> {"unscaled": bool, "found_inf": bool, "stepped": bool}

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        """The current scale (1.0 while disabled)."""
        return self._scale if self._enabled else 1.0

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a Tensor or nested lists / tuples of them) multiplied by the scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _record(self, optimizer: Any) -> dict:
        return self._per_optimizer.setdefault(id(optimizer), {"unscaled": False, "found_inf": False,
                                                              "stepped": False})

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale (once per step), noting whether any is inf or NaN."""
        if not self._enabled:
            return
        rec = self._record(optimizer)
        if rec["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        inv = 1.0 / self._scale
        found = False
        with no_grad():
            for p in _params(optimizer):
                p.grad = p.grad * inv
                found = found or not bool(p.grad.isfinite().all())
        rec["unscaled"], rec["found_inf"] = True, found

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step()``, after unscaling, unless a gradient was inf or NaN (the step is skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        rec = self._record(optimizer)
        if rec["stepped"]:
            raise RuntimeError("step() has already been called since the last update().")
        if not rec["unscaled"]:
            self.unscale_(optimizer)
        rec["stepped"] = True
        return None if rec["found_inf"] else optimizer.step(*args, **kwargs)

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Back the scale off after a step with infinities, grow it after ``growth_interval`` clean ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if isinstance(new_scale, Tensor) else new_scale)
        elif self._per_optimizer:
            if any(r["found_inf"] for r in self._per_optimizer.values()):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale *= self._growth_factor
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def state_dict(self) -> dict:
        """The scaler's state, empty while disabled (``GradScaler.state_dict``)."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if not state_dict:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor, self._backoff_factor = state_dict["growth_factor"], state_dict["backoff_factor"]
        self._growth_interval, self._growth_tracker = state_dict["growth_interval"], state_dict["_growth_tracker"]
