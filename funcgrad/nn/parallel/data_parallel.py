"""``torch.nn.DataParallel`` and ``torch.nn.parallel.data_parallel`` on one device.

funcgrad runs a model on one device, so these keep PyTorch's interface without splitting the batch: the wrapped
module runs on the whole batch on the first of ``device_ids`` (the current GPU by default; on a machine without a
GPU, in host memory, as PyTorch does there). The results equal a multi-device run's, BatchNorm statistics aside
(PyTorch's replicas each see a slice of the batch). The wrapper is a Module holding the model as ``.module``, so its
state dict keys start with ``module.`` as PyTorch's do. Several GPUs will be served by ``DistributedDataParallel``,
a later piece.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> model = nn.DataParallel(nn.Linear(2, 1))
>>> list(model.state_dict()), model(fg.ones(4, 2)).shape
(['module.weight', 'module.bias'], torch.Size([4, 1]))
"""
from __future__ import annotations

import warnings
from itertools import chain
from typing import Any, Sequence

from ... import tree
from ...tensors import accelerator
from ...tensors.tensor import Tensor, device
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _index(d: Any, what: str) -> int:
    """The GPU index that ``d`` (an int, ``"cuda:1"``, a :class:`funcgrad.device`) names."""
    if isinstance(d, int) and not isinstance(d, bool):
        return d
    try:
        dev = device(d)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what}: {d!r} is not a device ({e}); pass GPU indices or devices such as 'cuda:0'") from None
    if dev.type != "cuda":
        raise ValueError(f"{what}: expected GPU devices, got {d!r}")
    return accelerator.current_device_index() if dev.index is None else dev.index


def _source(device_ids: Sequence[Any] | None, output_device: Any, what: str) -> tuple:
    """``(device_ids, output_device, source device)``; ``([], None, None)`` without a GPU."""
    if not accelerator.is_available():
        return [], None, None
    ids = [accelerator.current_device_index()] if device_ids is None else [_index(d, what) for d in device_ids]
    if not ids:
        raise ValueError(f"{what}: device_ids is empty; pass None (the current GPU) or a list of GPU indices")
    if len(ids) > 1:
        warnings.warn(f"{what}: funcgrad runs a model on one device; of device_ids {ids} only GPU {ids[0]} is used "
                      f"(the results are the same, the batch is not split)", stacklevel=3)
    out = ids[0] if output_device is None else _index(output_device, what)
    return ids, out, device("cuda", ids[0])


def _check_placement(module: Module, where: device, what: str) -> None:
    for t in chain(module.parameters(), module.buffers()):
        if t.device != where:
            raise RuntimeError(f"{what}: module must have its parameters and buffers on device {where} "
                               f"(device_ids[0]) but found one of them on device: {t.device}; call "
                               f"module.to({str(where)!r})")


def _move(x: Any, where: device) -> Any:
    """The Tensors of the pytree ``x`` on ``where`` (the rest as it is)."""
    return tree.map(lambda t: t.to(where) if isinstance(t, Tensor) else t, x,
                    is_leaf=lambda t: isinstance(t, Tensor))


def _finish(out: Any, output_device: int | None, source: device) -> Any:
    if output_device is None or output_device == source.index:
        return out
    return _move(out, device("cuda", output_device))


class DataParallel(Module):
    """Wrap ``module`` as ``torch.nn.DataParallel`` does, on one device (see the module's notes): calls run
    ``module`` with the inputs moved to ``device_ids[0]`` and the outputs moved to ``output_device``. With a GPU,
    ``module`` is moved to ``device_ids[0]``; ``dim`` (the batch dimension PyTorch would split) is recorded.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> net = nn.DataParallel(nn.Sequential(nn.Linear(3, 2), nn.ReLU()))
    >>> type(net.module).__name__, net(fg.ones(5, 3)).shape
    ('Sequential', torch.Size([5, 2]))
    """

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                 dim: int = 0) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: expected a Module to wrap, got {type(module).__name__}")
        self.module = module
        ids, out, src = _source(device_ids, output_device, "DataParallel")
        self.device_ids = ids
        if ids:
            self.dim, self.output_device, self.src_device_obj = dim, out, src
            module.to(src)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Run the wrapped module on the inputs (moved to ``device_ids[0]`` where there is a GPU)."""
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        _check_placement(self.module, self.src_device_obj, "DataParallel")
        out = self.module(*_move(inputs, self.src_device_obj), **_move(kwargs, self.src_device_obj))
        return _finish(out, self.output_device, self.src_device_obj)


def data_parallel(module: Module, inputs: Any, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                  dim: int = 0, module_kwargs: dict | None = None) -> Any:
    """``module(*inputs, **module_kwargs)`` as ``torch.nn.parallel.data_parallel`` computes it, on one device:
    ``inputs`` is a tuple of arguments or a single one. With a GPU, the module's parameters must already be on
    ``device_ids[0]`` and the inputs are moved there; without one, the module runs in host memory (where PyTorch
    raises "device type could not be determined").

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> from funcgrad.nn.parallel import data_parallel
    >>> data_parallel(nn.Linear(2, 3), fg.ones(4, 2)).shape
    torch.Size([4, 3])
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    kwargs = {} if module_kwargs is None else dict(module_kwargs)
    ids, out, src = _source(device_ids, output_device, "data_parallel")
    if not ids:
        return module(*inputs, **kwargs)
    _check_placement(module, src, "data_parallel")
    return _finish(module(*_move(inputs, src), **_move(kwargs, src)), out, src)
