"""``torch.onnx``, as far as funcgrad has it: :func:`is_in_onnx_export`, which training scripts consult to tell an
export trace from a normal call, and is always False here.

``export`` is not provided yet: it needs a recorded graph of the model, which arrives with the ``jit`` / export
piece. Until then, save the weights (``funcgrad.save(model.state_dict(), path)``, a safetensors file that other
tools read) and rebuild the model in code. Asking for ``funcgrad.onnx.export`` raises AttributeError saying so.

>>> import funcgrad.onnx
>>> funcgrad.onnx.is_in_onnx_export()
False
"""
from __future__ import annotations

from typing import Any

__all__ = ["is_in_onnx_export"]

_LATER = {"export", "dynamo_export", "ONNXProgram", "export_to_pretty_string", "register_custom_op_symbolic",
          "unregister_custom_op_symbolic", "select_model_mode_for_export", "TrainingMode", "OperatorExportTypes"}


def is_in_onnx_export() -> bool:
    """Whether an ONNX export is tracing the current call (``torch.onnx.is_in_onnx_export``): never, since funcgrad
    does not export to ONNX yet.

    >>> import funcgrad.onnx
    >>> funcgrad.onnx.is_in_onnx_export()
    False
    """
    return False


def __getattr__(name: str) -> Any:
    if name in _LATER:
        raise AttributeError(f"funcgrad.onnx.{name} is not provided yet: exporting to ONNX needs a recorded graph of "
                             f"the model, which comes with funcgrad's jit/export support. Meanwhile save the weights "
                             f"with funcgrad.save(model.state_dict(), 'model.safetensors') (a safetensors file) and "
                             f"rebuild the model in code to load them")
    raise AttributeError(f"module 'funcgrad.onnx' has no attribute {name!r}")
