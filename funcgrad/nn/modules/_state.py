"""The state half of :class:`funcgrad.nn.Module`, mixed into it: conversions (``to``, ``cuda``, ``double`` ...),
which rebind each parameter's value in place (the same Parameter objects, each on its own leaf node), and the state
dict (``state_dict``, ``load_state_dict`` with PyTorch's keys, checks and error messages; shapes print as
funcgrad's tuples, where PyTorch prints ``torch.Size([...])``).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> a, b = nn.Linear(2, 2), nn.Linear(2, 2)
>>> b.load_state_dict(a.state_dict())
<All keys matched successfully>
>>> bool(fg.numpy.all(a.weight == b.weight))
True
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Any, Callable, Mapping, NamedTuple, TypeVar

import numpy as np

from ...core import getval
from ...tensors.inplace import write_through
from ...tensors.tensor import Tensor, no_grad, tensor as _tensor
from ..parameter import Parameter

__all__: list = []

_M = TypeVar("_M", bound="_StateMixin")  # the module a conversion returns: itself


class _IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"

    __str__ = __repr__


def _to_value(value: Any) -> Any:
    """The array of a checkpoint entry: a funcgrad Tensor's values, a torch tensor's (``.detach().cpu().numpy()``),
    or a NumPy/CuPy array; None for anything else."""
    if isinstance(value, Tensor):
        return getval(value._v)
    if all(hasattr(value, a) for a in ("detach", "cpu", "numpy")):
        host = value.detach().cpu()
        try:
            return host.numpy()
        except TypeError:  # a dtype NumPy lacks (torch's bfloat16): through float32
            return host.float().numpy()
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value
    return None


def _parse_to(args: tuple, kwargs: dict) -> tuple:
    """``(device, dtype)`` from ``Module.to``'s arguments: a device, a dtype, both, or a tensor (its device and
    dtype); ``non_blocking`` and ``memory_format`` are accepted and ignored."""
    kwargs = dict(kwargs)
    device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, bool) or a is None:
            continue
        elif isinstance(a, int):
            device = f"cuda:{a}"
        elif isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "mps", "meta", "xpu"):
            device = a
        else:
            try:
                dtype = np.dtype(a)
            except TypeError:
                device = a
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind not in "fc":
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired "
                            f"dtype={dtype}")
    return device, dtype


class _StateMixin:
    """The conversions and the state dict of :class:`funcgrad.nn.Module`."""

    def _apply(self: _M, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> _M:
        """Apply ``fn`` to every parameter (rebinding its value in place: the same object stays registered), its
        gradient and every buffer, here and (with ``recurse``) below."""
        if recurse:
            for mod in self.children():
                mod._apply(fn)
        with no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                new = fn(p)
                if new is not p:
                    p.data = new
                if p.grad is not None:
                    g = fn(p.grad)
                    if g is not p.grad:
                        p.grad.data = g
            for name, b in self._buffers.items():
                if b is not None:
                    self._buffers[name] = fn(b)
        return self

    def apply(self: _M, fn: Callable[[Any], Any]) -> _M:
        """Call ``fn`` on every submodule, then on this module (initialisation); returns this module.

        >>> from funcgrad import nn
        >>> names = []; _ = nn.Sequential(nn.Identity()).apply(lambda m: names.append(m._get_name())); names
        ['Identity', 'Sequential']
        """
        for mod in self.children():
            mod.apply(fn)
        fn(self)
        return self

    def to(self: _M, *args: Any, **kwargs: Any) -> _M:
        """Move and/or cast the parameters and buffers in place: ``to(device)``, ``to(dtype)`` (floating and
        complex ones are cast), ``to(device, dtype)``, ``to(tensor)``; returns this module.

        >>> import numpy as np
        >>> from funcgrad import nn
        >>> m = nn.Linear(1, 1); w = m.weight
        >>> m.to(np.float64).weight is w, w.dtype
        (True, torch.float64)
        """
        device, dtype = _parse_to(args, kwargs)

        def convert(t: Tensor) -> Tensor:
            floating = t.dtype.kind in "fc"
            return t.to(device=device, dtype=dtype if floating else None)
        return self._apply(convert)

    def cuda(self: _M, device: Any = None) -> _M:
        """Move parameters and buffers to a CUDA GPU (the current one, or ``device``).

        >>> from funcgrad import nn
        >>> callable(nn.Identity().cuda)
        True
        """
        return self._apply(lambda t: t.cuda(device))

    def cpu(self: _M) -> _M:
        """Move parameters and buffers to host memory.

        >>> from funcgrad import nn
        >>> str(nn.Linear(1, 1).cpu().weight.device)
        'cpu'
        """
        return self._apply(lambda t: t.cpu())

    def type(self: _M, dst_type: Any) -> _M:
        """Cast every parameter and buffer to ``dst_type``.

        >>> import numpy as np
        >>> from funcgrad import nn
        >>> nn.Linear(1, 1).type(np.float64).bias.dtype
        torch.float64
        """
        return self._apply(lambda t: t.type(dst_type))

    def _cast_floating(self: _M, dtype: Any) -> _M:
        return self._apply(lambda t: t.to(dtype=dtype) if t.dtype.kind == "f" else t)

    def float(self: _M) -> _M:
        """Cast floating parameters and buffers to float32.

        >>> from funcgrad import nn
        >>> nn.Linear(1, 1).double().float().weight.dtype
        torch.float32
        """
        return self._cast_floating(np.float32)

    def double(self: _M) -> _M:
        """Cast floating parameters and buffers to float64.

        >>> from funcgrad import nn
        >>> nn.Linear(1, 1).double().weight.dtype
        torch.float64
        """
        return self._cast_floating(np.float64)

    def half(self: _M) -> _M:
        """Cast floating parameters and buffers to float16.

        >>> from funcgrad import nn
        >>> nn.Linear(1, 1).half().weight.dtype
        torch.float16
        """
        return self._cast_floating(np.float16)

    # --- state dict ---------------------------------------------------------------------------------------------
    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        if self._has_extra_state():
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> "OrderedDict[str, Any]":
        """The parameters and persistent buffers by dotted name, detached (``keep_vars=True``: as they are).

        >>> from funcgrad import nn
        >>> list(nn.Sequential(nn.Linear(1, 1, bias=False)).state_dict())
        ['0.weight']
        """
        if args:  # PyTorch's old positional form: (destination, prefix, keep_vars)
            destination, prefix, keep_vars = (list(args) + [destination, prefix, keep_vars][len(args):])[:3]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # type: ignore[attr-defined]
        meta = getattr(destination, "_metadata", None)
        if meta is not None:
            meta[prefix[:-1]] = {"version": self._version}
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, mod in self._modules.items():
            if mod is not None:
                mod.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict, strict: bool,
                              missing_keys: list, unexpected_keys: list, error_msgs: list,
                              assign: bool = False) -> None:
        local = {k: v for k, v in itertools.chain(
            self._parameters.items(),
            ((k, b) for k, b in self._buffers.items() if k not in self._non_persistent_buffers_set)) if v is not None}
        for name, param in local.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            given = state_dict[key]
            value = _to_value(given)
            if value is None:
                error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor or '
                                  f'Tensor-like object from checkpoint but received {type(given)}')
                continue
            if param.ndim == 0 and len(value.shape) == 1:  # PyTorch's allowance for old 0-d checkpoints
                value = value[0]
            if tuple(value.shape) != param.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {tuple(value.shape)} from "
                                  f"checkpoint, the shape in current model is {param.shape}.")
                continue
            try:
                where = str(param.device)
                if assign:
                    new = _tensor(value, device=where)
                    if isinstance(param, Parameter):
                        new = given if isinstance(given, Parameter) else Parameter(new, param.requires_grad)
                    setattr(self, name, new)
                else:  # a copy, cast to the parameter's dtype, into the same object
                    write_through(param, _tensor(value, dtype=param.dtype, device=where), "load_state_dict")
            except Exception as ex:  # noqa: BLE001 - reported the way PyTorch reports it
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in the model are '
                                  f'{param.shape} and whose dimensions in the checkpoint are '
                                  f'{tuple(value.shape)}, an exception occurred : {ex.args}.')
        extra = prefix + "_extra_state"
        if self._has_extra_state():
            if extra in state_dict:
                self.set_extra_state(state_dict[extra])
            elif strict:
                missing_keys.append(extra)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != extra:
                    head, *rest = key[len(prefix):].split(".", 1)
                    if (rest and head not in self._modules) or (not rest and head not in local):
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy ``state_dict``'s values (funcgrad or torch tensors, NumPy arrays) into the parameters and buffers,
        in place (``assign=True``: make them the new parameters). With ``strict``, missing or unexpected keys
        raise; shape mismatches always do. Returns the missing and unexpected keys.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.Linear(2, 1).load_state_dict({"weight": fg.ones(1, 2)}, strict=False)
        _IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        metadata = getattr(state_dict, "_metadata", None)
        state = OrderedDict(state_dict)

        def load(mod: Any, local_state: dict, prefix: str) -> None:
            meta = {} if metadata is None else metadata.get(prefix[:-1], {})
            mod._load_from_state_dict(local_state, prefix, meta, True, missing, unexpected, errors, assign)
            for name, child in mod._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(child, {k: v for k, v in local_state.items() if k.startswith(child_prefix)}, child_prefix)

        load(self, state, "")
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__,
                                                                                       "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

