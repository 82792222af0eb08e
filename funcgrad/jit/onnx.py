"""``Exported.to_onnx``: an exported graph written as an ONNX model, one table entry per mapped primitive.

Each entry of :data:`MAPPING` (``onnx_table.py``; the window primitives in ``onnx_windows.py``; ``gather``, its
transpose, ``repeat`` and ``diagonal`` in ``onnx_indexing.py``) turns one equation into ONNX nodes, keeping NumPy's
semantics where ONNX differs (dtype promotion with weakly typed Python scalars, ``axis=None``, Python's slice
defaults); the graph's constants become initializers with their dtypes.
Inputs and outputs keep their dtypes (float32, float64, int64, bool ...). A dynamic size (see
:mod:`funcgrad.jit.dynamic`) becomes the input's ``dim_param`` and, where a parameter depends on it (a reshape or
broadcast target), a shape computed in the model from the input's ``Shape``. A primitive without an entry, or one
of its forms that ONNX cannot express, raises an :class:`ExportError` naming the equation; the JSON + safetensors
form of :meth:`Exported.save` stores every registered primitive.

The ``onnx`` package builds the model; it is imported on the first call (``pip install onnx``).
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import onnx_indexing, onnx_windows  # noqa: F401  (register the indexing and window primitives' entries)
from .dynamic import Dim, ExportError
from .graph import Graph, Lit
from .onnx_table import MAPPING, Builder, Unsupported

__all__ = ["to_onnx", "MAPPING", "DEFAULT_OPSET"]

#: the opset written when none is asked for (ReduceMax & co. take their axes as an input from 18 on)
DEFAULT_OPSET = 18


def _onnx():
    try:
        import onnx
    except ImportError:  # pragma: no cover
        raise ImportError("Exported.to_onnx needs the onnx package to build the model: pip install onnx") from None
    return onnx


# --- the model --------------------------------------------------------------------------------------------------
def _value_info(b: Builder, name: str, aval) -> Any:
    shape = [d if type(d) is int or d is None else str(d) for d in aval[0]]
    return b.helper.make_tensor_value_info(name, b.tensor_type(aval[1]), shape)


def to_onnx(g: Graph, dims: dict, where: str, path: Any = None, opset: int | None = None,
            input_names: list | None = None, output_names: list | None = None) -> Any:
    """Build the ONNX model of graph ``g`` (``dims``: input leaf -> {axis: size name}), write it to ``path``
    (a file name or a binary file object) when given, and return the ``onnx.ModelProto``. Called by
    :meth:`funcgrad.Exported.to_onnx`, which documents the arguments.

    >>> import numpy as np, funcgrad as fg
    >>> g = fg.jit(lambda x: x * 2.0).lower(np.ones(2)).graph
    >>> [n.op_type for n in to_onnx(g, {}, "f").graph.node]
    ['Mul', 'Identity']
    """
    onnx = _onnx()
    opset = DEFAULT_OPSET if opset is None else int(opset)
    if not DEFAULT_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ExportError(f"{where}: opset {opset} is not supported; funcgrad writes opsets {DEFAULT_OPSET} to "
                          f"{onnx.defs.onnx_opset_version()} (this onnx package's newest)")
    n_in, n_out = len(g.inputs), len(g.outputs)
    in_names = list(input_names) if input_names is not None else [f"input_{k}" for k in range(n_in)]
    out_names = list(output_names) if output_names is not None else [f"output_{k}" for k in range(n_out)]
    if len(in_names) != n_in or len(out_names) != n_out or len(set(in_names + out_names)) != n_in + n_out:
        raise ExportError(f"{where}: {len(in_names)} input and {len(out_names)} output names for a program with "
                          f"{n_in} inputs and {n_out} outputs; give distinct names, one each")
    sources = {}
    for k, axes in sorted(dims.items()):
        for ax, sym in sorted(axes.items()):
            sources.setdefault(sym, (in_names[k], ax))
    b = Builder(g, onnx, sources)
    for name, i in zip(in_names, g.inputs):
        b.names[i] = name
    for k, e in enumerate(g.eqns):
        fn = MAPPING.get(e.prim.name)
        if fn is None:
            raise ExportError(f"{where}: equation {k} calls {e.prim.name!r}, which has no ONNX mapping (funcgrad maps "
                              f"{len(MAPPING)} primitives: funcgrad.jit.onnx.MAPPING); keep the program in funcgrad's "
                              f"own format (Exported.save / funcgrad.load_exported), or write it without "
                              f"{e.prim.name}")
        try:
            outs = fn(e, b)
        except Unsupported as why:
            raise ExportError(f"{where}: equation {k} ({e.prim.name}) has no ONNX form: {why}; keep the program in "
                              f"funcgrad's own format (Exported.save / funcgrad.load_exported)") from None
        for o, name in zip(e.outputs, outs):
            b.names[o] = name
    outputs = []
    for name, o in zip(out_names, g.outputs):
        if type(o) is Lit:
            if o.value is None or type(o.value) is Dim:
                raise ExportError(f"{where}: output {name} is the Python value {o.value!r}, which ONNX cannot return")
            src, aval = b.init(o.value), (np.shape(o.value), np.asarray(o.value).dtype)
        else:
            src, aval = b.ref(o), g.avals[o]
        b.nodes.append(b.helper.make_node("Identity", [src], [name]))
        outputs.append(_value_info(b, name, aval))
    inputs = [_value_info(b, name, _dynamic_aval(g.avals[i], dims.get(k, {})))
              for k, (name, i) in enumerate(zip(in_names, g.inputs))]
    graph = b.helper.make_graph(b.nodes, where.split(".")[-1].split("(")[0] or "funcgrad", inputs, outputs,
                                initializer=b.inits)
    opsets = [b.helper.make_opsetid("", opset)]
    model = b.helper.make_model(graph, opset_imports=opsets, producer_name="funcgrad",
                                ir_version=b.helper.find_min_ir_version_for(opsets))
    onnx.checker.check_model(model)
    if path is not None:
        if hasattr(path, "write"):
            path.write(model.SerializeToString())
        else:
            onnx.save(model, os.fspath(path))
    return model


def _dynamic_aval(aval, axes: dict) -> tuple:
    shape = list(aval[0])
    for ax, sym in axes.items():
        shape[ax] = Dim.symbol(sym)
    return (tuple(shape), aval[1])
