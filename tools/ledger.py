"""The coverage ledger: which names of NumPy, jax.numpy and PyTorch funcgrad mirrors, and why the rest are left out.

The reference name lists are frozen in plain-text tables under ``tests/ledger/`` (one name a line, easy to diff), so
CI checks them against the live funcgrad namespaces with neither torch nor jax installed::

    python tools/ledger.py --refresh-reference   # re-read the reference libraries (needs torch and jax)
    python tools/ledger.py --update --render     # take statuses from funcgrad, regenerate docs/COVERAGE.md
    python tools/ledger.py --check               # what tests/test_coverage_ledger.py runs

Table rows read ``name  status  # reason``; status is ``implemented``, ``omitted`` (a reason is required) or, in the
torch table only, ``internal`` (a backend-internal name, listed but not counted). Only the standard library is
imported at module level: funcgrad is imported when statuses are compared, torch and jax only when refreshing.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import math
import pathlib
import re
import sys
from typing import Iterable, Mapping, Sequence

ROOT = pathlib.Path(__file__).resolve().parents[1]
LEDGER_DIR = ROOT / "tests" / "ledger"
COVERAGE_MD = ROOT / "docs" / "COVERAGE.md"
REGENERATE = "python tools/ledger.py --update --render"

IMPLEMENTED, OMITTED, INTERNAL = "implemented", "omitted", "internal"
STATUSES = (IMPLEMENTED, OMITTED, INTERNAL)

# Coverage targets (implemented / counted), enforced by --check.
TARGETS: dict[str, float] = {"jax_numpy": 0.90, "torch": 0.85}

# torch's backend-internal families: kernels for one backend, quantization, sparse layouts, view-copy variants and
# autograd helpers. They are listed in the torch table as ``internal`` so the frozen reference stays complete.
INTERNAL_PREFIXES = ("cudnn_", "miopen_", "mkldnn_", "fbgemm_", "quantize", "quantized_", "q_", "sparse_", "native_",
                     "sym_", "batch_norm_", "fake_quantize")
INTERNAL_SUFFIXES = ("_backward", "_copy")
INTERNAL_NAMES = frozenset({"dequantize", "int_repr", "choose_qparams_optimized", "fused_moving_avg_obs_fake_quant"})
# ``_copy`` is meant for the view-copy variants (view_copy, permute_copy ...); index_copy is the out-of-place form of
# Tensor.index_copy_, ordinary user API, so it stays counted.
INTERNAL_EXCEPTIONS = frozenset({"index_copy"})
INTERNAL_RULE = ("names starting " + ", ".join(f"`{p}`" for p in INTERNAL_PREFIXES) + "; ending "
                 + ", ".join(f"`{s}`" for s in INTERNAL_SUFFIXES) + "; and " + ", ".join(f"`{n}`" for n in
                 sorted(INTERNAL_NAMES)) + " (except " + ", ".join(f"`{n}`" for n in sorted(INTERNAL_EXCEPTIONS))
                 + ", ordinary user API)")


@dataclasses.dataclass(frozen=True)
class Namespace:
    """One reference namespace and the funcgrad object that mirrors it."""

    key: str        # table file stem
    title: str      # the reference namespace, as users spell it
    mirror: str     # dotted path of the funcgrad object whose attributes are the mirror
    rule: str       # which reference names are listed, in words (written into the table header)
    part: str = ""  # which part of the namespace is listed, where not all of it

    @property
    def label(self) -> str:
        """The namespace for headings: ``torch`` (tensor functions)."""
        return f"`{self.title}`" + (f" ({self.part})" if self.part else "")


_INDEX_RULE = ("plus the index objects (instances of the library's index_tricks classes: `r_`, `c_`, `s_`, "
               "`index_exp`, `mgrid`, `ogrid`); constants, scalars, dtypes/classes and submodules are not listed")
NAMESPACES: tuple[Namespace, ...] = (
    Namespace("numpy", "numpy", "funcgrad.numpy",
              "public names of `numpy` that are callable and not classes (functions, ufuncs), minus `test` (the "
              "test-suite runner), " + _INDEX_RULE),
    Namespace("numpy_linalg", "numpy.linalg", "funcgrad.numpy.linalg",
              "public names of `numpy.linalg` that are callable and not classes, minus `test`"),
    Namespace("numpy_fft", "numpy.fft", "funcgrad.numpy.fft",
              "public names of `numpy.fft` that are callable and not classes, minus `test`"),
    Namespace("jax_numpy", "jax.numpy", "funcgrad.numpy",
              "public names of `jax.numpy` that are callable and not classes, " + _INDEX_RULE),
    Namespace("torch", "torch", "funcgrad",
              "public names of `torch` that are callable, not classes, and keys of "
              "`torch.overrides.get_testing_overrides()` (functions that take Tensors); backend-internal families "
              "are listed as `internal` and not counted: " + INTERNAL_RULE, "tensor functions"),
    Namespace("tensor_methods", "torch.Tensor", "funcgrad.Tensor",
              "public (no leading underscore) attributes of `torch.Tensor` that are callable (methods); properties "
              "and dunders are not listed", "methods"),
    Namespace("torch_fft", "torch.fft", "funcgrad.fft", "public names of `torch.fft` that are callable and not classes"),
)
BY_KEY = {ns.key: ns for ns in NAMESPACES}


@dataclasses.dataclass
class Row:
    """One reference name: its status and, for a left-out name, why."""

    name: str
    status: str
    reason: str = ""


@dataclasses.dataclass
class Table:
    """A parsed ledger table: the header comment lines (sources, rule) and the rows in file order."""

    header: list[str]
    rows: list[Row]

    def counted(self) -> list[Row]:
        """Rows that count towards coverage (``internal`` rows do not)."""
        return [r for r in self.rows if r.status != INTERNAL]

    def figure(self) -> tuple[int, int]:
        """(implemented, counted)."""
        counted = self.counted()
        return sum(r.status == IMPLEMENTED for r in counted), len(counted)


class LedgerError(ValueError):
    """A table line that cannot be read."""


_ROW = re.compile(r"^(?P<name>\S+)\s+(?P<status>\S+)\s*(?:#\s?(?P<reason>.*))?$")


def parse_table(text: str, source: str = "<table>") -> Table:
    """Read a table. Leading ``#`` lines are its header; later comment and blank lines are section dividers that
    :func:`format_table` regenerates, so they carry nothing."""
    header: list[str] = []
    rows: list[Row] = []
    seen: set[str] = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line or line.startswith("#"):
            if not rows and line:
                header.append(line)
            continue
        m = _ROW.match(line)
        if m is None:
            raise LedgerError(f"{source}:{lineno}: expected 'name  status  # reason', got {raw!r}")
        status = m["status"]
        if status not in STATUSES:
            raise LedgerError(f"{source}:{lineno}: status {status!r} is not one of {', '.join(STATUSES)}")
        if m["name"] in seen:
            raise LedgerError(f"{source}:{lineno}: {m['name']!r} is listed twice")
        seen.add(m["name"])
        rows.append(Row(m["name"], status, (m["reason"] or "").strip()))
    return Table(header, rows)


def format_table(table: Table) -> str:
    """Write a table: header, counted rows by name, then the not-counted section. Columns are padded to a fixed
    width so that adding a name changes one line of the diff."""
    width = max([32] + [len(r.name) + 2 for r in table.rows])

    def line(r: Row) -> str:
        text = f"{r.name:<{width}}{r.status}"
        return f"{text:<{width + 14}}# {r.reason}" if r.reason else text

    out = list(table.header)
    out += [line(r) for r in sorted(table.counted(), key=lambda r: r.name)]
    internal = sorted((r for r in table.rows if r.status == INTERNAL), key=lambda r: r.name)
    if internal:
        out += ["", "# ---- not counted: backend-internal (see the rule in the header) ----"]
        out += [line(r) for r in internal]
    return "\n".join(out) + "\n"


def table_path(key: str, ledger_dir: pathlib.Path = LEDGER_DIR) -> pathlib.Path:
    """Where a namespace's table lives."""
    return ledger_dir / f"{key}.txt"


def load_tables(ledger_dir: pathlib.Path = LEDGER_DIR) -> dict[str, Table]:
    """All tables, by namespace key."""
    return {ns.key: parse_table(table_path(ns.key, ledger_dir).read_text(), str(table_path(ns.key, ledger_dir)))
            for ns in NAMESPACES}


def save_tables(tables: Mapping[str, Table], ledger_dir: pathlib.Path = LEDGER_DIR) -> None:
    """Write the tables back (only those whose text changed, to leave file times alone)."""
    ledger_dir.mkdir(parents=True, exist_ok=True)
    for key, table in tables.items():
        path, text = table_path(key, ledger_dir), format_table(table)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


# --- the live funcgrad namespaces ------------------------------------------------------------------------------

def live_mirrors() -> dict[str, object]:
    """The funcgrad objects whose attributes are checked, by namespace key (imports funcgrad from this checkout)."""
    if str(ROOT) not in sys.path:  # run as a script, sys.path[0] is tools/
        sys.path.insert(0, str(ROOT))
    out: dict[str, object] = {}
    for ns in NAMESPACES:
        try:
            out[ns.key] = importlib.import_module(ns.mirror)
        except ModuleNotFoundError:  # funcgrad.Tensor: an attribute of a module, not a module
            module, _, attr = ns.mirror.rpartition(".")
            out[ns.key] = getattr(importlib.import_module(module), attr)
    return out


def update(tables: Mapping[str, Table], mirrors: Mapping[str, object]) -> dict[str, Table]:
    """Statuses from the live namespaces: a present name is ``implemented`` (its old reason dropped); an absent name
    recorded ``implemented`` becomes ``omitted`` with no reason, which --check reports until someone writes one."""
    out: dict[str, Table] = {}
    for key, table in tables.items():
        rows = []
        for r in table.rows:
            if r.status == INTERNAL:
                rows.append(r)
            elif hasattr(mirrors[key], r.name):
                rows.append(Row(r.name, IMPLEMENTED))
            else:
                rows.append(Row(r.name, OMITTED, r.reason))
        out[key] = Table(list(table.header), rows)
    return out


# --- rendering docs/COVERAGE.md --------------------------------------------------------------------------------

def _percent(done: int, total: int) -> str:
    return f"{100 * done / total:.1f}%" if total else "n/a"


def _cell(reason: str) -> str:
    # A '|' in a reason would split the Markdown table cell.
    return reason.replace("|", "\\|") if reason else "**(no reason given)**"


def _header_field(table: Table, field: str) -> str:
    """The text of a ``# field: ...`` header line (continuation lines ``#   ...`` joined)."""
    text, on = [], False
    for h in table.header:
        body = h.lstrip("#").strip()
        if body.startswith(field + ":"):
            text, on = [body[len(field) + 1:].strip()], True
        elif on and h.startswith("#   "):
            text.append(body)
        else:
            on = False
    return " ".join(text)


README_MD = ROOT / "README.md"
README_BEGIN = "<!-- coverage summary: generated by tools/ledger.py --render -->"
README_END = "<!-- end of coverage summary -->"


def render_summary(tables: Mapping[str, Table]) -> str:
    """The README's block between the two markers: the figures per namespace, linking to docs/COVERAGE.md."""
    out = [README_BEGIN, "", "| reference | mirrored by | implemented | coverage | target |", "|---|---|---|---|---|"]
    for ns in NAMESPACES:
        done, total = tables[ns.key].figure()
        target = f">= {TARGETS[ns.key]:.0%}" if ns.key in TARGETS else ""
        out.append(f"| {ns.label} | `{ns.mirror}` | {done} / {total} | {_percent(done, total)} | {target} |")
    out += ["", "Every name, implemented or left out with its reason: [docs/COVERAGE.md](docs/COVERAGE.md).", "",
            README_END]
    return "\n".join(out)


def with_summary(readme: str, tables: Mapping[str, Table]) -> str:
    """``readme`` with its generated block replaced (unchanged when it has no markers)."""
    start, end = readme.find(README_BEGIN), readme.find(README_END)
    if start < 0 or end < start:
        return readme
    return readme[:start] + render_summary(tables) + readme[end + len(README_END):]


def render(tables: Mapping[str, Table]) -> str:
    """docs/COVERAGE.md, from the tables alone (so CI can compare it without torch or jax)."""
    out = ["# Coverage ledger", "",
           "Which names of NumPy, jax.numpy and PyTorch funcgrad mirrors, and why the others are left out. Generated "
           "from the tables in `tests/ledger/` by `tools/ledger.py`; do not edit by hand. After adding or removing a "
           f"name in funcgrad, run `{REGENERATE}` (the test suite checks that tables, namespaces and this page "
           "agree).", "",
           "| reference | mirrored by | implemented | counted | coverage | target |", "|---|---|---|---|---|---|"]
    for ns in NAMESPACES:
        done, total = tables[ns.key].figure()
        target = f">= {TARGETS[ns.key]:.0%}" if ns.key in TARGETS else ""
        out.append(f"| {ns.label} | `{ns.mirror}` | {done} | {total} | {_percent(done, total)} | {target} |")
    for ns in NAMESPACES:
        table = tables[ns.key]
        done, total = table.figure()
        implemented = sorted(r.name for r in table.counted() if r.status == IMPLEMENTED)
        omitted = sorted((r for r in table.counted() if r.status == OMITTED), key=lambda r: r.name)
        internal = sorted(r.name for r in table.rows if r.status == INTERNAL)
        out += ["", f"## {ns.label} → `{ns.mirror}`", "",
                f"Coverage: **{done} / {total} ({_percent(done, total)})**"
                + (f", target {TARGETS[ns.key]:.0%}." if ns.key in TARGETS else "."), "",
                f"Reference: {_header_field(table, 'source')}. Listed: {_header_field(table, 'rule')}.", "",
                f"### Implemented ({len(implemented)})", "",
                ", ".join(f"`{n}`" for n in implemented) or "(none)", "",
                f"### Left out ({len(omitted)})", ""]
        if omitted:
            out += ["| name | reason |", "|---|---|"]
            out += [f"| `{r.name}` | {_cell(r.reason)} |" for r in omitted]
        else:
            out.append("(none)")
        if internal:
            out += ["", f"### Not counted: backend-internal ({len(internal)})", "", f"Rule: {INTERNAL_RULE}.", "",
                    ", ".join(f"`{n}`" for n in internal)]
    return "\n".join(out) + "\n"


# --- checking --------------------------------------------------------------------------------------------------

def _names(rows: Iterable[Row]) -> str:
    names = [r.name for r in rows]
    return ", ".join(names[:40]) + (f" ... ({len(names)} in all)" if len(names) > 40 else "")


def check(tables: Mapping[str, Table] | None = None, mirrors: Mapping[str, object] | None = None,
          coverage_md: str | None = None, targets: Mapping[str, float] = TARGETS,
          readme: str | None = None) -> list[str]:
    """Every disagreement between tables, live namespaces, docs/COVERAGE.md and the targets, one message each; an
    empty list means all is well. Each message starts with its kind: ``status``, ``reason``, ``internal``,
    ``render`` or ``target``. Arguments default to the files on disk and the imported funcgrad."""
    tables = load_tables() if tables is None else tables
    mirrors = live_mirrors() if mirrors is None else mirrors
    problems: list[str] = []
    for ns in NAMESPACES:
        table, where = tables[ns.key], f"tests/ledger/{ns.key}.txt"
        counted = table.counted()
        gained = [r for r in counted if r.status == OMITTED and hasattr(mirrors[ns.key], r.name)]
        lost = [r for r in counted if r.status == IMPLEMENTED and not hasattr(mirrors[ns.key], r.name)]
        if gained:
            problems.append(f"status: {ns.mirror} now has {_names(gained)}, recorded as omitted in {where}; "
                            f"run `{REGENERATE}`")
        if lost:
            problems.append(f"status: {ns.mirror} no longer has {_names(lost)}, recorded as implemented in {where}; "
                            f"run `{REGENERATE}` and write a reason for each in {where}")
        unexplained = [r for r in counted if r.status == OMITTED and not r.reason]
        if unexplained:
            problems.append(f"reason: omitted without a reason in {where}: {_names(unexplained)}; add "
                            "'# why' after the status")
        is_internal = [r for r in table.rows if r.status == INTERNAL]
        if ns.key != "torch" and is_internal:
            problems.append(f"internal: only the torch table has internal rows; {where} marks {_names(is_internal)}")
        elif ns.key == "torch":
            wrong = [r for r in table.rows if (r.status == INTERNAL) != is_backend_internal(r.name)]
            if wrong:
                problems.append(f"internal: in {where}, {_names(wrong)} disagree with the backend-internal rule "
                                "(internal exactly when the rule matches)")
    rendered = render(tables)
    if coverage_md is None:
        coverage_md = COVERAGE_MD.read_text() if COVERAGE_MD.exists() else ""
    if coverage_md != rendered:
        problems.append(f"render: docs/COVERAGE.md is not what the tables render; run `{REGENERATE}`")
    if readme is None:
        readme = README_MD.read_text() if README_MD.exists() else ""
    if README_BEGIN not in readme or with_summary(readme, tables) != readme:
        problems.append(f"render: README.md's coverage summary (between its markers) is missing or stale; run "
                        f"`{REGENERATE}`")
    for key, target in targets.items():
        done, total = tables[key].figure()
        if total and done / total < target:
            problems.append(f"target: {BY_KEY[key].label} coverage is {done}/{total} ({_percent(done, total)}), "
                            f"below the target {target:.0%}; {math.ceil(target * total - 1e-9) - done} more needed")
    return problems


# --- refreshing the reference lists (needs the reference libraries) ---------------------------------------------

def internal_family(name: str) -> str:
    """The backend-internal family a torch name belongs to (see INTERNAL_RULE), or "" for user API."""
    if name in INTERNAL_EXCEPTIONS:
        return ""
    if name in INTERNAL_NAMES:
        return "backend-internal: quantization helper"
    prefix = next((p for p in INTERNAL_PREFIXES if name.startswith(p)), None)
    if prefix:
        return f"backend-internal: the {prefix}* family"
    suffix = next((s for s in INTERNAL_SUFFIXES if name.endswith(s)), None)
    return f"backend-internal: the *{suffix} family" if suffix else ""


def is_backend_internal(name: str) -> bool:
    """Whether a torch name belongs to a backend-internal family (see INTERNAL_RULE)."""
    return bool(internal_family(name))


def _is_index_object(obj: object) -> bool:
    # r_, mgrid ... are instances of the libraries' index_tricks classes; matching on __getitem__ alone would also
    # take in sctypeDict (a dict) and the True_/False_ scalars.
    return not callable(obj) and "index_tricks" in type(obj).__module__


def _public_functions(module: object, with_index_objects: bool) -> list[str]:
    names = []
    for name in dir(module):
        if name.startswith("_") or name == "test":
            continue
        obj = getattr(module, name)
        if inspect.ismodule(obj) or inspect.isclass(obj):
            continue
        if callable(obj) or (with_index_objects and _is_index_object(obj)):
            names.append(name)
    return names


def reference_names() -> tuple[dict[str, list[str]], dict[str, str]]:
    """The reference name lists, by namespace key, and the source line for each header."""
    import numpy as np
    import jax
    import jax.numpy as jnp
    import torch

    overrides = torch.overrides.get_testing_overrides()
    torch_names = [n for n in dir(torch) if not n.startswith("_") and callable(getattr(torch, n))
                   and not inspect.isclass(getattr(torch, n)) and getattr(torch, n) in overrides]
    methods = [n for n in dir(torch.Tensor) if not n.startswith("_") and callable(getattr(torch.Tensor, n))]
    names = {"numpy": _public_functions(np, True), "numpy_linalg": _public_functions(np.linalg, False),
             "numpy_fft": _public_functions(np.fft, False), "jax_numpy": _public_functions(jnp, True),
             "torch": torch_names, "tensor_methods": methods, "torch_fft": _public_functions(torch.fft, False)}
    sources = {"numpy": f"numpy {np.__version__}", "numpy_linalg": f"numpy {np.__version__}",
               "numpy_fft": f"numpy {np.__version__}", "jax_numpy": f"jax {jax.__version__}",
               "torch": f"torch {torch.__version__}", "tensor_methods": f"torch {torch.__version__}",
               "torch_fft": f"torch {torch.__version__}"}
    return names, sources


def _wrap(field: str, text: str, width: int = 116) -> list[str]:
    """A header field as ``# field: ...`` plus ``#   ...`` continuation lines."""
    words, lines, cur = text.split(), [], f"# {field}:"
    for w in words:
        if len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = "#  "
        cur += " " + w
    return lines + [cur]


def refresh(tables: Mapping[str, Table], names: Mapping[str, Sequence[str]], sources: Mapping[str, str],
            mirrors: Mapping[str, object]) -> dict[str, Table]:
    """New reference lists: existing rows keep status and reason; new names take their live status (an absent one
    is omitted without a reason, for someone to write); names the reference dropped go."""
    out: dict[str, Table] = {}
    for ns in NAMESPACES:
        old = {r.name: r for r in tables[ns.key].rows} if ns.key in tables else {}
        rows = []
        for name in sorted(set(names[ns.key])):
            if ns.key == "torch" and is_backend_internal(name):
                rows.append(Row(name, INTERNAL, internal_family(name)))
            elif name in old and old[name].status != INTERNAL:
                rows.append(old[name])
            else:
                present = hasattr(mirrors[ns.key], name)
                rows.append(Row(name, IMPLEMENTED if present else OMITTED))
        header = [f"# funcgrad coverage ledger: {ns.label.replace('`', '')}, mirrored by {ns.mirror}",
                  *_wrap("source", f"{sources[ns.key]} (frozen by `python tools/ledger.py --refresh-reference`)"),
                  *_wrap("rule", ns.rule),
                  "# format: name  status  # reason   (status: implemented | omitted, reason required"
                  + (" | internal, not counted)" if ns.key == "torch" else ")")]
        out[ns.key] = Table(header, rows)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: the steps run in the order refresh, update, render, check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh-reference", action="store_true", help="re-read numpy, jax.numpy and torch")
    parser.add_argument("--update", action="store_true", help="take statuses from the live funcgrad namespaces")
    parser.add_argument("--render", action="store_true",
                        help="write docs/COVERAGE.md and README.md's summary from the tables")
    parser.add_argument("--check", action="store_true", help="exit 1 when tables, funcgrad, docs or targets disagree")
    args = parser.parse_args(argv)
    if not (args.refresh_reference or args.update or args.render or args.check):
        parser.error("give at least one of --refresh-reference, --update, --render, --check")
    tables: dict[str, Table] = {}
    if args.refresh_reference or args.update or args.render:
        present = [ns.key for ns in NAMESPACES if table_path(ns.key).exists()]
        tables = {k: parse_table(table_path(k).read_text(), str(table_path(k))) for k in present}
    if args.refresh_reference:
        names, sources = reference_names()
        tables = refresh(tables, names, sources, live_mirrors())
        save_tables(tables)
    if args.update:
        tables = update(tables, live_mirrors())
        save_tables(tables)
    if args.render:
        COVERAGE_MD.parent.mkdir(parents=True, exist_ok=True)
        COVERAGE_MD.write_text(render(tables))
        README_MD.write_text(with_summary(README_MD.read_text(), tables))
    for ns in NAMESPACES:
        if ns.key in tables and (args.update or args.render):
            done, total = tables[ns.key].figure()
            print(f"{ns.label.replace('`', ''):<28} {done:>4} / {total:<4} {_percent(done, total):>6}")
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print(f"ledger check failed ({len(problems)} problem(s))", file=sys.stderr)
            return 1
        print("ledger check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
