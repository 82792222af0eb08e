"""Every public name funcgrad offered when the layout of the Tensor face changed (tests/data/public_names.txt) still
exists at the same path: reorganising modules must not break ``import funcgrad as torch`` code or NumPy-style code.
New names need no entry; a name deliberately dropped is removed from the file in the same commit, with a reason."""
import importlib
import pathlib

import funcgrad

LIST = pathlib.Path(__file__).parent / "data" / "public_names.txt"


def _resolve(path: str):
    try:
        return importlib.import_module(path)
    except ImportError:
        obj = funcgrad
        for part in path.split(".")[1:]:
            obj = getattr(obj, part)
        return obj


def test_every_public_name_still_exists():
    missing = []
    for line in LIST.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        where, name = line.split(":")
        if not hasattr(_resolve(where), name):
            missing.append(line)
    assert not missing, f"public names that disappeared: {missing}"
