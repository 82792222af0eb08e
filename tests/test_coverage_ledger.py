"""The coverage ledger (tools/ledger.py, tests/ledger/*.txt, docs/COVERAGE.md) agrees with the live namespaces.

The reference name lists are frozen in the tables, so this needs neither torch nor jax. When it fails after adding
or removing a funcgrad name, run ``python tools/ledger.py --update --render`` (and write a reason for a dropped one).
"""
from __future__ import annotations

import importlib.util
import pathlib
import sys
import types

import pytest

_PATH = pathlib.Path(__file__).resolve().parents[1] / "tools" / "ledger.py"


def _load_tool() -> types.ModuleType:
    # tools/ is not a package; register the module first, as dataclasses look their module up in sys.modules.
    spec = importlib.util.spec_from_file_location("funcgrad_ledger_tool", _PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


ledger = _load_tool()


@pytest.fixture(scope="module")
def problems() -> list[str]:
    """The real check, run once for the two tests that read it."""
    return ledger.check()


def test_ledger_agrees_with_namespaces_and_docs(problems):
    wrong = [p for p in problems if not p.startswith("target:")]
    assert not wrong, "coverage ledger out of date:\n" + "\n".join(wrong)


def test_coverage_targets(problems):
    missed = [p for p in problems if p.startswith("target:")]
    assert not missed, "coverage targets missed:\n" + "\n".join(missed)


# --- the tool's parsing, updating, rendering and checking, on small made-up tables ---------------------------

def _tiny(rows: str, key: str = "numpy") -> dict:
    """A full set of tables, all empty but ``key``'s."""
    tables = {ns.key: ledger.Table(["# source: test 1.0", "# rule: made up"], []) for ns in ledger.NAMESPACES}
    tables[key] = ledger.parse_table("# source: test 1.0\n# rule: made up\n" + rows)
    return tables


def _mirrors(**present) -> dict:
    """Fake namespaces: ``numpy=["sin"]`` makes an object with a ``sin`` attribute."""
    return {ns.key: types.SimpleNamespace(**{n: None for n in present.get(ns.key, [])}) for ns in ledger.NAMESPACES}


def _check(tables: dict, mirrors: dict, **kw) -> list[str]:
    kw.setdefault("coverage_md", ledger.render(tables))
    kw.setdefault("readme", ledger.with_summary(f"{ledger.README_BEGIN}{ledger.README_END}", tables))
    kw.setdefault("targets", {})
    return ledger.check(tables, mirrors, **kw)


def test_parse_and_format_round_trip():
    text = "# source: test 1.0\n# rule: made up\nsin  implemented\ncos   omitted   # later: with # inside\n"
    table = ledger.parse_table(text)
    assert [(r.name, r.status, r.reason) for r in table.rows] == [
        ("sin", "implemented", ""), ("cos", "omitted", "later: with # inside")]
    assert table.figure() == (1, 2)
    again = ledger.parse_table(ledger.format_table(table))
    assert again.rows == sorted(table.rows, key=lambda r: r.name) and again.header == table.header


@pytest.mark.parametrize("line, message", [("sin  done", "status 'done'"), ("sin", "expected"),
                                           ("sin  implemented\nsin  omitted  # x", "listed twice")])
def test_parse_rejects_bad_lines(line, message):
    with pytest.raises(ledger.LedgerError, match=message):
        ledger.parse_table(line + "\n")


def test_consistent_tables_pass():
    tables = _tiny("sin  implemented\ncos  omitted  # not yet\n")
    assert _check(tables, _mirrors(numpy=["sin"])) == []


def test_missing_reason_fails():
    problems = _check(_tiny("sin  implemented\ncos  omitted\n"), _mirrors(numpy=["sin"]))
    assert len(problems) == 1 and problems[0].startswith("reason:") and "cos" in problems[0]


def test_name_gained_by_the_namespace_fails():
    problems = _check(_tiny("sin  implemented\ncos  omitted  # not yet\n"), _mirrors(numpy=["sin", "cos"]))
    assert len(problems) == 1 and problems[0].startswith("status:") and "now has cos" in problems[0]
    assert "python tools/ledger.py --update --render" in problems[0]


def test_name_dropped_by_the_namespace_fails():
    problems = _check(_tiny("sin  implemented\n"), _mirrors())
    assert len(problems) == 1 and "no longer has sin" in problems[0] and "write a reason" in problems[0]


def test_stale_coverage_page_fails():
    problems = _check(_tiny("sin  implemented\n"), _mirrors(numpy=["sin"]), coverage_md="# old\n")
    assert [p.split(":")[0] for p in problems] == ["render"]


def test_target_missed_fails():
    tables = _tiny("sin  implemented\ncos  omitted  # later\n", key="torch")
    problems = _check(tables, _mirrors(torch=["sin"]), targets={"torch": 0.85})
    assert len(problems) == 1 and problems[0].startswith("target:") and "1/2 (50.0%)" in problems[0]
    assert _check(tables, _mirrors(torch=["sin"]), targets={"torch": 0.5}) == []


def test_internal_rows_follow_the_rule():
    good = _tiny("sin  implemented\ncudnn_conv  internal  # backend-internal\n", key="torch")
    assert _check(good, _mirrors(torch=["sin"])) == []
    assert good["torch"].figure() == (1, 1)  # internal rows are not counted
    bad = _tiny("sin  internal  # hidden to lift coverage\n", key="torch")
    assert [p.split(":")[0] for p in _check(bad, _mirrors(torch=["sin"]))] == ["internal"]
    assert ledger.is_backend_internal("view_copy") and not ledger.is_backend_internal("index_copy")


def test_update_takes_statuses_from_the_namespace():
    tables = _tiny("sin  implemented\ncos  omitted  # not yet\ntan  omitted  # never\n")
    rows = {r.name: r for r in ledger.update(tables, _mirrors(numpy=["cos"]))["numpy"].rows}
    assert (rows["cos"].status, rows["cos"].reason) == ("implemented", "")   # gained: reason dropped
    assert (rows["sin"].status, rows["sin"].reason) == ("omitted", "")       # lost: needs a reason now
    assert (rows["tan"].status, rows["tan"].reason) == ("omitted", "never")  # kept


def test_render_lists_names_figures_and_reasons():
    page = ledger.render(_tiny("sin  implemented\ncos  omitted  # later | maybe\n"))
    assert "**1 / 2 (50.0%)**" in page and "`sin`" in page
    assert "| `cos` | later \\| maybe |" in page


def test_a_stale_or_missing_readme_summary_fails():
    tables = _tiny("sin    implemented\ncos    omitted    # not yet\n")
    mirrors = _mirrors(numpy=["sin"])
    fresh = ledger.with_summary(f"intro\n{ledger.README_BEGIN}\nold\n{ledger.README_END}\nrest\n", tables)
    assert "| 1 / 2 | 50.0% |" in fresh and fresh.startswith("intro\n") and fresh.endswith("rest\n")
    ok = _check(tables, mirrors, readme=fresh)
    assert not [p for p in ok if "README" in p]
    for readme in (fresh.replace("| 1 / 2 |", "| 2 / 2 |"), "no markers at all\n"):
        assert [p for p in _check(tables, mirrors, readme=readme) if "README" in p]
