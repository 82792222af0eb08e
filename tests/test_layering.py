"""The layers import only downward, and no funcgrad module imports itself through others (no cycles).

The order is ARCHITECTURE.md's: backend -> tree -> core -> primitives -> numpy -> transforms -> scipy, testing ->
tensors (the Tensor face) -> autograd, distributed -> nn, optim, utils, multiprocessing, jit; funcgrad/__init__.py
assembles them all. Checked statically on every import statement (module level and inside functions, relative and
absolute), and dynamically: importing the core pulls in no higher layer and no array library beyond the backend's.
"""
import ast
import pathlib
import subprocess
import sys

import funcgrad

ROOT = pathlib.Path(funcgrad.__file__).parent
# scipy sits over the transforms (as jax.scipy over jax): integrate's adjoint rules call vjp and jvp of the user's
# right-hand side; lax beside it, since its rules call vjp, jvp and vmap and it traces bodies with jit's recorder.
# distributed sits beside autograd, under nn and utils: DistributedDataParallel and the
# DistributedSampler use its process groups. compiler (funcgrad.compile) sits beside nn and func: it records
# Modules and Tensor functions.
RANK = {"backend": 0, "tree": 1, "core": 2, "primitives": 3, "numpy": 4, "scipy": 6, "transforms": 5,
        "testing": 6, "tensors": 7, "autograd": 8, "nn": 9, "serialization": 9, "func": 9, "optim": 9, "utils": 9,
        "multiprocessing": 9, "distributed": 8, "distributions": 8, "jit": 5, "onnx": 10, "lax": 6,
        "compiler": 9}


def _module_name(path: pathlib.Path, root: pathlib.Path) -> str:
    rel = path.relative_to(root).with_suffix("").parts
    if rel[-1] == "__init__":
        rel = rel[:-1]
    return ".".join((root.name,) + rel)


def module_graph(root: pathlib.Path) -> dict:
    """``{module: {modules it imports}}`` for the package at ``root``, from every import statement in its files
    (function-level ones too). Importing ``a.b.c`` also runs ``a.b``'s ``__init__``, so that counts as an import of
    ``a.b`` (the root package's own ``__init__`` excepted: it is the assembler on top of everything)."""
    pkg = root.name
    mods = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph = {m: set() for m in mods}
    for m, path in mods.items():
        base = m.split(".") if path.name == "__init__.py" else m.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    start = base[: len(base) - (node.level - 1)]
                elif node.module and node.module.split(".")[0] == pkg:
                    start = []
                else:
                    continue
                full = start + (node.module.split(".") if node.module else [])
                for alias in node.names:
                    sub = ".".join(full + [alias.name])
                    targets.append(sub if sub in mods else ".".join(full))
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.split(".")[0] == pkg]
            for t in targets:
                parts = t.split(".")
                for i in range(2, len(parts) + 1):  # the packages on the way are imported too
                    name = ".".join(parts[:i])
                    if name in mods and name != m and not m.startswith(name + "."):
                        graph[m].add(name)
    return graph


def find_cycles(graph: dict) -> list:
    """The strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def _layer(module: str):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def test_no_import_cycles():
    cycles = find_cycles(module_graph(ROOT))
    assert not cycles, f"import cycles between funcgrad modules: {cycles}"


def test_each_layer_imports_only_from_layers_below():
    bad = []
    for m, targets in module_graph(ROOT).items():
        mine = _layer(m)
        for t in targets:
            other = _layer(t)
            if mine is not None and other is not None and RANK[other] > RANK[mine]:
                bad.append(f"{m} imports {t}")
    assert not bad, bad


def test_every_folder_and_top_level_module_has_a_layer():
    """A new folder must be placed in the order (here and in ARCHITECTURE.md) before it can hold code."""
    names = {p.stem if p.is_file() else p.name for p in ROOT.iterdir()
             if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.stem != "__init__")}
    assert names <= set(RANK), sorted(names - set(RANK))
    assert len([p for p in ROOT.glob("*.py")]) <= 6, "at most six modules directly under funcgrad/"
    arch = (ROOT.parent / "ARCHITECTURE.md").read_text()
    missing = sorted(n for n in names if f"{n}" not in arch)
    assert not missing, f"not described in ARCHITECTURE.md: {missing}"


def test_no_file_over_900_lines():
    long = {str(p.relative_to(ROOT)): n for p in ROOT.rglob("*.py") if (n := len(p.read_text().splitlines())) > 900}
    assert not long, long


def test_the_checks_catch_a_planted_cycle_and_an_upward_import(tmp_path):
    pkg = tmp_path / "funcgrad"
    (pkg / "tensors").mkdir(parents=True)
    (pkg / "core").mkdir()
    for d in (pkg, pkg / "tensors", pkg / "core"):
        (d / "__init__.py").write_text("")
    (pkg / "tensors" / "a.py").write_text("from . import b\n")
    (pkg / "tensors" / "b.py").write_text("def f():\n    from .a import g  # inside a function: still a cycle\n")
    (pkg / "core" / "low.py").write_text("from ..tensors import a\n")
    graph = module_graph(pkg)
    assert find_cycles(graph) == [["funcgrad.tensors.a", "funcgrad.tensors.b"]]
    assert "funcgrad.tensors.a" in graph["funcgrad.core.low"] and RANK["tensors"] > RANK["core"]


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
