"""Run every benchmark in one process, print a table and write benchmarks/RESULTS.md.

Run: ``python benchmarks/run_all.py`` (``--quick`` for fewer repeats, ``--no-write`` to leave RESULTS.md alone);
``--only train`` runs the training steps of ``bench_train.py`` alone (their ``## Training steps`` section is
written by ``python benchmarks/bench_train.py --write``), ``--only data`` the DataLoader throughput of
``bench_data.py`` (its ``## DataLoader throughput`` section: ``python benchmarks/bench_data.py --write``), ``--only
jit`` the jit benchmarks of ``bench_jit.py`` (its ``## jit`` section: ``python benchmarks/bench_jit.py --write``),
``--only lax`` the ``lax.scan`` cases of ``bench_lax.py`` (``python benchmarks/bench_lax.py --write``).
Each benchmark checks that funcgrad's gradients match the hand-written NumPy ones before timing anything.
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)

import argparse
import os
import sys
import time

from common import check_single_threaded, machine_info

HERE = os.path.dirname(os.path.abspath(__file__))


def _fmt(v: float) -> str:
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def targets(result: dict) -> list[tuple[str, float, str]]:
    """The benchmark's targets as (anchor name, limit, comparison): ``result["target"]`` is one
    ``(anchor, limit)`` pair (met when funcgrad / anchor <= limit) or a list of ``(anchor, limit[, "<"])``."""
    spec = result["target"]
    if isinstance(spec, tuple):
        spec = [spec]
    return [(t[0], t[1], t[2] if len(t) > 2 else "<=") for t in spec]


def _by_name(result: dict) -> dict:
    """Rows by name without the parenthesized detail; the first row of a name is the one targets compare with
    (later rows of that name, e.g. "funcgrad (reverse-over-reverse)", are for information)."""
    out: dict = {}
    for r in result["rows"]:
        out.setdefault(r["name"].split(" (")[0], r)
    return out


def target_statuses(result: dict) -> list[tuple[str, float, str, float | None, bool | None]]:
    """(anchor, limit, comparison, funcgrad/anchor ratio, met?) for each of the benchmark's targets."""
    by_name = _by_name(result)
    out = []
    for anchor, limit, op in targets(result):
        fgr, ar = by_name.get("funcgrad"), by_name.get(anchor)
        if fgr is None or ar is None:
            out.append((anchor, limit, op, None, None))
            continue
        ratio = fgr["seconds"] / ar["seconds"]
        out.append((anchor, limit, op, ratio, ratio < limit if op == "<" else ratio <= limit))
    return out


def _table(result: dict) -> list[list[str]]:
    fg_row = next(r for r in result["rows"] if r["name"] == "funcgrad")
    out = []
    for r in result["rows"]:
        ratio = "" if r is fg_row else f"{fg_row['seconds'] / r['seconds']:.2f}x"
        value = _fmt(r["value"]) + (f" ±{r['spread']:.0%}" if "spread" in r else "")  # a median and its IQR
        out.append([r["name"], value, ratio])
    return out


def print_result(result: dict) -> None:
    print(f"\n{result['title']}")
    rows = _table(result)
    head = ["implementation", result["unit"], "funcgrad / this"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    for anchor, limit, op, ratio, met in target_statuses(result):
        if ratio is None:
            print(f"target: funcgrad {op} {limit}x {anchor}: not measured ({anchor} missing)")
        else:
            print(f"target: funcgrad {op} {limit}x {anchor}: {ratio:.2f}x -> {'MET' if met else 'NOT MET'}")
    for n in result.get("notes", []):
        print(f"note: {n}")


def markdown_tables(results: list, level: str, targets_title: str) -> list[str]:
    """The Markdown lines of a targets table (headed ``targets_title``) and one table per result, with headings
    at ``level`` (``"##"``); shared by this CPU report and ``bench_gpu.py``'s GPU section."""
    lines = [f"{level} {targets_title}", "", "| benchmark | target | measured | met |", "|---|---|---|---|"]
    for res in results:
        for anchor, limit, op, ratio, met in target_statuses(res):
            measured = "n/a" if ratio is None else f"{ratio:.2f}x"
            verdict = "n/a" if met is None else ("yes" if met else "**no**")
            lines.append(f"| {res['title'].split(':')[0]} | funcgrad {op} {limit}x {anchor} | {measured} "
                         f"| {verdict} |")
    for res in results:
        lines += ["", f"{level} {res['title']}", "", f"| implementation | {res['unit']} | funcgrad / this |",
                  "|---|---:|---:|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in _table(res)]
        for n in res.get("notes", []):
            lines += ["", f"Note: {n}"]
    return lines


def replace_section(text: str, heading: str, section: str) -> str:
    """``text`` with its level-2 section ``heading`` (up to the next level-2 heading) replaced by ``section``, or
    ``section`` appended where there is none; everything else is kept as it is.

    >>> replace_section("# R\\n\\n## A\\nx\\n\\n## B\\ny\\n", "## A", "## A\\nz\\n")
    '# R\\n\\n## A\\nz\\n\\n## B\\ny\\n'
    """
    if not section.endswith("\n"):
        section += "\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        head = text if not text or text.endswith("\n") else text + "\n"
        return head + ("\n" if head.strip() else "") + section
    end = next((j for j in range(start + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
    tail = "".join(lines[end:])
    return "".join(lines[:start]) + section + ("\n" + tail if tail else "")


def write_results_section(section: str, heading: str, path: str = os.path.join(HERE, "RESULTS.md")) -> None:
    """Replace (or append) the level-2 section ``heading`` of ``path`` with ``section``; the other sections stay
    as they are (each benchmark that writes its own section calls this)."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = "# Benchmark results\n"
    with open(path, "w") as f:
        f.write(replace_section(text, heading, section))


def level2_sections(text: str) -> list[str]:
    """The level-2 sections of ``text`` (each from its ``## `` heading to the next), in order.

    >>> level2_sections("# R\\n\\n## A\\nx\\n## B\\ny\\n")
    ['## A\\nx\\n', '## B\\ny\\n']
    """
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    return ["".join(lines[a:b]) for a, b in zip(starts, starts[1:] + [len(lines)])]


def write_markdown(results: list[dict], info: dict, path: str, elapsed: float) -> None:
    lines = ["# Benchmark results", "",
             "Generated by `python benchmarks/run_all.py`; see `benchmarks/README.md` for what each benchmark "
             "measures. Single-threaded BLAS for every implementation, all in one process; each figure is the "
             "best of several timeit-style samples, interleaved across implementations. Ratios are funcgrad's "
             "time divided by the other implementation's (below 1 means funcgrad is faster).", "",
             "## Machine", "",
             f"- date: {info['date']}",
             f"- CPU: {info['cpu']} ({info['cores']} cores)",
             f"- Python {info['python']}, NumPy {info['numpy']}, funcgrad {info['funcgrad']}, "
             f"PyTorch {info['torch']}, autograd {info['autograd']}",
             f"- BLAS: {info['blas']}",
             f"- load average (1, 5, 15 min) when the run started: {info['load']} (other work on the "
             f"machine makes every figure noisier; the ratios, taken in interleaved rounds, suffer least)",
             f"- total run time: {elapsed:.0f} s", ""]
    lines += markdown_tables(results, "##", "Targets")
    # keep every section this function does not write, in its order: the ones other scripts maintain (jit,
    # training steps, DataLoader, GPU, funcgrad.compile, fusion, lax, data-parallel training: each `--write`s its
    # own), which main() then replaces with this run's where it ran them
    ours = {line.rstrip() for line in lines if line.startswith("## ")}
    try:
        with open(path) as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    for kept in level2_sections(old):
        if kept.splitlines()[0].rstrip() not in ours:
            lines += ["", kept.rstrip("\n")]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats (rougher numbers)")
    p.add_argument("--no-write", action="store_true", help="do not write benchmarks/RESULTS.md")
    p.add_argument("--only", nargs="*", choices=["overhead", "mlp", "matmul", "hvp", "jit", "lax", "data", "train"],
                   help="run only these (train: bench_train.py's three training steps; data: bench_data.py; jit: "
                        "bench_jit.py)")
    args = p.parse_args(argv)

    import bench_data
    import bench_hvp
    import bench_jit
    import bench_lax
    import bench_matmul
    import bench_mlp
    import bench_overhead
    import bench_train

    check_single_threaded()
    info = machine_info()
    print(f"{info['cpu']} ({info['cores']} cores); numpy {info['numpy']}, torch {info['torch']}, "
          f"autograd {info['autograd']}; BLAS {info['blas']}")
    t0 = time.perf_counter()
    results = []
    for mod in (bench_overhead, bench_mlp, bench_matmul, bench_hvp):
        key = mod.__name__.split("_", 1)[1]
        if args.only and key not in args.only:
            continue
        res = mod.run(quick=args.quick)
        print_result(res)
        results.append(res)
    jit: list = []
    if not args.only or "jit" in args.only:
        t1 = time.perf_counter()
        jit = bench_jit.run(quick=args.quick)
        for res in jit:
            print_result(res)
        jit_elapsed = time.perf_counter() - t1
    lax: list = []
    if not args.only or "lax" in args.only:
        t1 = time.perf_counter()
        lax = bench_lax.run(quick=args.quick)
        print("\n".join(lax))
        lax_elapsed = time.perf_counter() - t1
    data: list = []
    if not args.only or "data" in args.only:
        t1 = time.perf_counter()
        data = bench_data.run(quick=args.quick)  # before train, which pins the allocator for the process
        for res in data:
            print_result(res)
            print("\n".join(bench_data.bytes_table(res["bytes"])))
        data_elapsed = time.perf_counter() - t1
    train: list = []
    if not args.only or "train" in args.only:
        t1 = time.perf_counter()
        train = bench_train.run(quick=args.quick)  # last: it pins the allocator (and one core, while it runs)
        for res in train:
            print_result(res)
        train_elapsed = time.perf_counter() - t1
    elapsed = time.perf_counter() - t0
    print(f"\ntotal {elapsed:.0f} s")
    if not args.no_write and not args.only:
        path = os.path.join(HERE, "RESULTS.md")
        write_markdown(results, info, path, elapsed)
        bench_jit.write_section(bench_jit.section_markdown(jit, info, jit_elapsed), path)
        bench_lax.write_section(bench_lax.section_markdown(lax, info, lax_elapsed), path)
        bench_train.write_section(bench_train.section_markdown(train, info, train_elapsed), path)
        bench_data.write_section(bench_data.section_markdown(data, info, data_elapsed), path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
