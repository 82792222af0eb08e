"""The layers import only downward: backend -> tree -> core -> primitives -> numpy/scipy -> transforms -> testing
-> the Tensor facade.

Checked statically on every module's imports, and dynamically: importing the core pulls in no higher layer and
no array library beyond what the backend uses.
"""
import ast
import pathlib
import subprocess
import sys

import funcgrad

ROOT = pathlib.Path(funcgrad.__file__).parent
ORDER = ["backend", "tree", "core", "primitives", "numpy", "scipy", "transforms", "testing"]
RANK = {"backend": 0, "tree": 1, "core": 2, "primitives": 3, "numpy": 4, "scipy": 4, "transforms": 5,
        "testing": 6,
        # the Tensor facade sits on top of everything above
        "tensor": 7, "tensor_ops": 7, "torch_ops": 7, "tensor_creation": 7, "tensor_inplace": 7, "linalg": 7,
        "autograd": 7, "cuda": 7}


def _layer(parts):
    return parts[0] if parts and parts[0] in RANK else None


def _imports(path: pathlib.Path):
    rel = path.relative_to(ROOT).with_suffix("").parts
    pkg = list(rel[:-1]) if rel[-1] != "__init__" else list(rel[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                mod = base + (node.module.split(".") if node.module else [])
                if not node.module:
                    for alias in node.names:
                        yield mod + [alias.name]
                else:
                    yield mod
            elif node.module and node.module.startswith("funcgrad"):
                yield node.module.split(".")[1:]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("funcgrad."):
                    yield alias.name.split(".")[1:]


def test_each_layer_imports_only_from_layers_below():
    bad = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("").parts
        mine = _layer(list(rel) if rel[0] != "__init__" else [])
        if mine is None:
            continue
        for target in _imports(path):
            other = _layer(target)
            if other is not None and RANK[other] > RANK[mine]:
                bad.append(f"{path.relative_to(ROOT)} imports funcgrad.{'.'.join(target)}")
    assert not bad, bad


_CORE_ALONE = """
import sys, types, pathlib
root = pathlib.Path(sys.argv[1])
pkg = types.ModuleType("funcgrad"); pkg.__path__ = [str(root)]
sys.modules["funcgrad"] = pkg  # skip funcgrad/__init__, which imports every layer
from funcgrad.core import Primitive, Trace, backward
from funcgrad.core.primitive import add_any

# a primitive defined with the core alone, differentiated with the core's own backward
double = Primitive("double_layering_test", lambda x: x + x, register=False)
double.def_vjp(lambda g, ans, x: add_any(g, g))
trace = Trace("test")
x = trace.new_input(3.0)
y = double(double(x))
(gx,) = backward([y.node], [1.0], [x.node])
assert gx == 4.0, gx
loaded = sorted(m for m in sys.modules if m.startswith(("funcgrad.numpy", "funcgrad.primitives",
                "funcgrad.transforms", "funcgrad.testing", "funcgrad.scipy", "torch", "cupy", "jax", "autograd")))
print(loaded)
"""


def test_core_imports_and_runs_alone():
    out = subprocess.run([sys.executable, "-c", _CORE_ALONE, str(ROOT)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout
