"""The README's Python examples run (in order, in one namespace, as a reader would paste them)."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own documentation


def test_readme_lists_every_scientific_function_with_its_module():
    """Issue 16: the README's list of supported functions names every function with its module."""
    import importlib

    text = README.read_text()
    section = text[text.index("### Scientific namespaces"):]
    section = section[:section.index("\n## ")]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(funcgrad[\w.]*)` \| (.*) \|$", section, flags=re.M)}
    modules = ["funcgrad.numpy.fft", "funcgrad.fft", "funcgrad.scipy.special", "funcgrad.scipy.linalg",
               "funcgrad.scipy.signal", "funcgrad.scipy.stats", "funcgrad.scipy.integrate"]
    for name in modules:
        mod = importlib.import_module(name)
        assert name in rows, f"README's scientific list has no row for {name}"
        listed = set(re.findall(r"`(\w+)`", rows[name]))
        missing = sorted(set(mod.__all__) - listed)
        assert not missing, f"README's row for {name} misses {missing}"
        if name == "funcgrad.scipy.stats":  # each distribution's functions, in parentheses after it
            for dist in mod.__all__:
                part = re.search(rf"`{dist}`[^(]*\(([^)]*)\)", rows[name]).group(1)
                assert set(getattr(mod, dist).__all__) <= set(part.replace(" ", "").split(",")), dist
