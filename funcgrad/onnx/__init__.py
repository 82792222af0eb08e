"""``torch.onnx``, as far as funcgrad has it: :func:`export` (``torch.onnx.export``'s core signature) and
:func:`is_in_onnx_export`, which training scripts consult to tell an export trace from a normal call.

``export`` runs the model functionally on arrays (:func:`funcgrad.func.functional_call`, with its parameters and
buffers as constants of the graph, so they become initializers), records it with :func:`funcgrad.export` and
writes the graph with :meth:`funcgrad.Exported.to_onnx`. A Module is exported in eval mode (as torch's default
``training=TrainingMode.EVAL``) and given its modes back afterwards.

>>> import funcgrad.onnx
>>> funcgrad.onnx.is_in_onnx_export()
False
"""
from __future__ import annotations

import os
from typing import Any, Callable

from .. import tree
from ..func import functional_call
from ..jit.export import ExportError, export as _export
from ..nn.modules.module import Module
from ..tensors.tensor import Tensor

__all__ = ["export", "is_in_onnx_export"]

_LATER = {"dynamo_export", "ONNXProgram", "export_to_pretty_string", "register_custom_op_symbolic",
          "unregister_custom_op_symbolic", "select_model_mode_for_export", "TrainingMode", "OperatorExportTypes"}
_exporting = [False]


def is_in_onnx_export() -> bool:
    """Whether :func:`export` is recording the current call (``torch.onnx.is_in_onnx_export``).

    >>> import funcgrad.onnx
    >>> funcgrad.onnx.is_in_onnx_export()
    False
    """
    return _exporting[0]


def _array(x: Any, where: str) -> Any:
    if isinstance(x, Tensor):
        return x.detach().numpy() if hasattr(x, "numpy") else x._v
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return x
    raise ExportError(f"{where}: an argument is a {type(x).__name__}; pass Tensors or arrays (close over other "
                      f"values in the model)")


def _function_of(model: Module | Callable) -> Callable:
    """A function over arrays running ``model`` (its state as constants)."""
    if isinstance(model, Module):
        state = {k: v.detach().numpy() for k, v in model.state_dict().items()}

        def run_module(*xs):
            return functional_call(model, state, xs)
        run_module.__name__ = type(model).__name__
        return run_module

    def run_function(*xs):
        out = model(*(Tensor._from_value(x) for x in xs))
        return tree.map(lambda t: t._v if isinstance(t, Tensor) else t, out, is_leaf=lambda t: isinstance(t, Tensor))
    run_function.__name__ = getattr(model, "__name__", type(model).__name__)
    return run_function


def _dynamic(dynamic_axes: dict | None, names: list, where: str) -> tuple | None:
    if not dynamic_axes:
        return None
    spec: list = [None] * len(names)
    for key, axes in dynamic_axes.items():
        if key not in names:
            continue  # an output's axes: the graph's own shapes decide those
        if isinstance(axes, (list, tuple)):
            axes = {int(a): f"{key}_dim{int(a)}" for a in axes}
        elif not isinstance(axes, dict):
            raise ExportError(f"{where}: dynamic_axes[{key!r}] must be a dict {{axis: name}} or a list of axes, got "
                              f"{axes!r:.60}")
        spec[names.index(key)] = {int(a): str(n) for a, n in axes.items()}
    return tuple(spec)


def export(model: Module | Callable, args: Any, f: str | os.PathLike | Any, input_names: list | None = None,
           output_names: list | None = None, dynamic_axes: dict | None = None,
           opset_version: int | None = None, **kwargs: Any) -> None:
    """Write ``model`` (an ``nn.Module`` or a function over Tensors) called on ``args`` (a Tensor or a tuple of
    them) as an ONNX model to ``f`` (a path or a binary file object), as ``torch.onnx.export``. ``dynamic_axes``
    maps an input name to ``{axis: "name"}`` or a list of axes, whose sizes may then change; ``opset_version``
    defaults to 18. Other torch keywords (``export_params``, ``do_constant_folding`` ...) are accepted when they
    ask for what funcgrad does anyway (parameters stored, eval mode). Needs ``pip install onnx``.

    >>> import io, funcgrad as fg
    >>> from funcgrad import nn
    >>> buf = io.BytesIO(); fg.onnx.export(nn.Linear(3, 2), (fg.ones(1, 3),), buf, dynamic_axes={"input_0": [0]})
    >>> len(buf.getvalue()) > 0
    True
    """
    where = f"funcgrad.onnx.export({getattr(model, '__name__', type(model).__name__)})"
    for key, value in kwargs.items():
        if (key, value) not in {("export_params", True), ("do_constant_folding", True), ("verbose", False),
                                ("training", None), ("keep_initializers_as_inputs", False)}:
            raise TypeError(f"{where}: {key}={value!r} is not supported; funcgrad exports the parameters as "
                            f"initializers, in eval mode")
    args = args if isinstance(args, tuple) else (args,)
    arrays = tuple(_array(a, where) for a in args)
    names = list(input_names) if input_names is not None else [f"input_{k}" for k in range(len(arrays))]
    if len(names) != len(arrays):
        raise ExportError(f"{where}: {len(names)} input names for {len(arrays)} arguments")
    modes = [(m, m.training) for m in model.modules()] if isinstance(model, Module) else []
    try:
        if isinstance(model, Module):
            model.eval()
        _exporting[0] = True
        exp = _export(_function_of(model), *arrays, dynamic_shapes=_dynamic(dynamic_axes, names, where))
    finally:
        _exporting[0] = False
        for m, mode in modes:
            m.training = mode
    exp.to_onnx(f, opset=opset_version, input_names=names, output_names=output_names)


def __getattr__(name: str) -> Any:
    if name in _LATER:
        raise AttributeError(f"funcgrad.onnx.{name} is not provided: funcgrad.onnx.export writes an ONNX file "
                             f"(torch.onnx.export's core arguments), and funcgrad.export(f, *args).to_onnx(path) "
                             f"does the same for a function over arrays")
    raise AttributeError(f"module 'funcgrad.onnx' has no attribute {name!r}")
