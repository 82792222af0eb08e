"""(h) DataLoader throughput: batches per second with 2 worker processes, and the bytes each batch moves between
processes.

The dataset returns NumPy arrays: ``__getitem__`` augments a 64x64 RGB image (one of a bank of 32) with real NumPy
work: a random crop of the image padded by 4 pixels (reflected), a horizontal flip, a rotation by up to 15 degrees
(bilinear), a per-channel brightness and contrast jitter and a normalization; about 0.4 ms a sample. Its random
draws come from a generator seeded by the index, so every loader yields the same batches, whoever computes them.
The one dataset object goes to funcgrad's ``DataLoader`` and to PyTorch's (each library's ``default_collate`` turns
the arrays into Tensors), both with ``batch_size=64``, ``num_workers=2`` and ``persistent_workers=True`` (worker
start-up is timed apart, as information); ``num_workers=0`` rows give the cost in the main process alone. Before
any timing, an epoch of each loader must equal the batches collated in the main process.

A figure is the median of several epochs in interleaved rounds (one epoch of each loader, then the next round),
the interquartile range as the spread. Target: funcgrad's time per batch at most PyTorch's.

Bytes per batch are counted two ways. Measured: the ``wchar`` of each worker in ``/proc/<pid>/io`` (bytes handed
to ``write``-family system calls: the pipes and queues; not stores into shared memory) over an epoch, divided by
the batches. Accounted: the pickled message as ``Connection.send`` writes it (funcgrad: its answer for a batch
whose segment is reused; PyTorch: ``(index, batch)`` pickled by ``ForkingPickler`` with torch's reductions, which
move the Tensors' storages into shared memory and send a handle) against ``pickle.dumps`` of the batch (what a
loader that pickles its arrays moves), and the bytes each copies into shared memory.

Run: ``python benchmarks/bench_data.py [--quick] [--write]``; ``--write`` replaces the ``## DataLoader
throughput`` section of RESULTS.md.
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)
from common import check_single_threaded, machine_info, missing_anchor_note, torch
from _measure import run_lines

import argparse
import gc
import importlib
import os
import pickle
import sys
import time
from typing import Any, Callable

import numpy as np

from funcgrad.utils import data as fdata
from funcgrad.utils.data import _shm

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "RESULTS.md")
SECTION = "## DataLoader throughput"
SIZES = dict(batches=48, batch=64, side=64, workers=2)
QUICK = dict(batches=16, batch=64, side=64, workers=2)
TINY = dict(batches=3, batch=4, side=48, workers=2)  # still past _shm.INLINE_BYTES: through shared memory
TARGET = ("PyTorch", 1.0)


class Augmented:
    """``n`` samples ``(image (3, side, side) float32, label int64)``: a bank image, randomly augmented."""

    def __init__(self, n: int, side: int = 64, bank: int = 32) -> None:
        rng = np.random.default_rng(0)
        self.n, self.side = n, side
        self.images = rng.uniform(0, 1, (bank, 3, side, side)).astype(np.float32)
        self.labels = rng.integers(0, 10, bank)
        centre = (side - 1) / 2
        self.grid = np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij")).reshape(2, -1) - centre

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple:
        rng = np.random.default_rng(i)  # seeded by the index: the same sample in any process
        k, side = i % len(self.images), self.side
        top, left = rng.integers(0, 9, size=2)
        image = np.pad(self.images[k], ((0, 0), (4, 4), (4, 4)), mode="reflect")[:, top:top + side,
                                                                                left:left + side]
        if rng.random() < 0.5:
            image = image[:, :, ::-1]
        angle = np.deg2rad(rng.uniform(-15, 15))
        cos, sin = np.cos(angle), np.sin(angle)
        centre = (side - 1) / 2
        sy = cos * self.grid[0] - sin * self.grid[1] + centre
        sx = sin * self.grid[0] + cos * self.grid[1] + centre
        y0, x0 = np.floor(sy).astype(np.intp), np.floor(sx).astype(np.intp)
        wy, wx = (sy - y0).astype(np.float32), (sx - x0).astype(np.float32)
        padded = np.pad(image, ((0, 0), (1, 1), (1, 1)))  # blank outside: clipped indices read zero
        out = np.zeros((3, side * side), np.float32)
        for oy, fy in ((0, 1 - wy), (1, wy)):
            for ox, fx in ((0, 1 - wx), (1, wx)):
                out += fy * fx * padded[:, np.clip(y0 + oy + 1, 0, side + 1), np.clip(x0 + ox + 1, 0, side + 1)]
        gain = rng.uniform(0.8, 1.2, (3, 1)).astype(np.float32)
        bias = rng.uniform(-0.1, 0.1, (3, 1)).astype(np.float32)
        out = out * gain + bias
        out = (out - out.mean(axis=1, keepdims=True)) / (out.std(axis=1, keepdims=True) + 1e-5)
        return out.reshape(3, side, side), self.labels[k]


# --- the loaders -----------------------------------------------------------------------------------------------
def loaders(ds: Augmented, batch: int, workers: int, notes: list) -> dict:
    """Name -> a DataLoader over ``ds`` (the persistent-worker ones first: the timed rows)."""
    out = {"funcgrad": fdata.DataLoader(ds, batch_size=batch, num_workers=workers, persistent_workers=True)}
    if torch is not None:
        import torch.utils.data as tud
        out["PyTorch"] = tud.DataLoader(ds, batch_size=batch, num_workers=workers, persistent_workers=True)
    else:
        notes.append(missing_anchor_note("torch"))
    out["funcgrad (num_workers=0)"] = fdata.DataLoader(ds, batch_size=batch)
    if torch is not None:
        out["PyTorch (num_workers=0)"] = tud.DataLoader(ds, batch_size=batch)
    return out


def _as_numpy(x: Any) -> np.ndarray:
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def check(ds: Augmented, named: dict, batch: int) -> None:
    """Every loader's epoch equals the batches stacked in the main process; else nothing is timed."""
    want = []
    for start in range(0, len(ds), batch):
        samples = [ds[i] for i in range(start, min(start + batch, len(ds)))]
        want.append((np.stack([s[0] for s in samples]), np.array([s[1] for s in samples])))
    for name, loader in named.items():
        got = [(_as_numpy(x), _as_numpy(y)) for x, y in loader]
        if len(got) != len(want) or not all(np.array_equal(a, c) and np.array_equal(b, d) and a.dtype == c.dtype
                                            for (a, b), (c, d) in zip(got, want)):
            raise AssertionError(f"{name}: its batches differ from the dataset's samples stacked: not timed")


def _epoch(loader: Any) -> Callable[[], None]:
    def run() -> None:
        for x, _ in loader:
            x[0, 0, 0, 0]  # touch the batch, as a training step would
    return run


def measure(named: dict, batches: int, repeat: int) -> list[dict]:
    """Rows ``{"name", "seconds" (median per batch), "spread" (IQR / median), "value" (ms per batch)}``: one epoch
    of each loader per round, rounds interleaved; the garbage collector collects between epochs."""
    runs = {name: _epoch(loader) for name, loader in named.items()}
    for run in runs.values():
        run()  # warm-up (the persistent workers are up already: check() ran an epoch)
    samples: dict = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            gc.collect()
            t0 = time.perf_counter()
            run()
            samples[name].append((time.perf_counter() - t0) / batches)
    rows = []
    for name, s in samples.items():
        q1, med, q3 = np.percentile(s, [25, 50, 75])
        rows.append({"name": name, "seconds": float(med), "spread": float((q3 - q1) / med), "value": med * 1e3})
    return rows


def startup(ds: Augmented, batch: int, workers: int) -> dict:
    """Seconds from ``iter()`` to the first batch with fresh workers (median of 3), for information."""
    makers = {"funcgrad": lambda: fdata.DataLoader(ds, batch_size=batch, num_workers=workers)}
    if torch is not None:
        import torch.utils.data as tud
        makers["PyTorch"] = lambda: tud.DataLoader(ds, batch_size=batch, num_workers=workers)
    out: dict = {name: [] for name in makers}
    for _ in range(3):
        for name, make in makers.items():
            loader = make()
            t0 = time.perf_counter()
            it = iter(loader)
            next(it)
            out[name].append(time.perf_counter() - t0)
            del it
    return {name: float(np.median(s)) for name, s in out.items()}


# --- bytes between processes -------------------------------------------------------------------------------------
def _wchar(pid: int) -> int:
    with open(f"/proc/{pid}/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("wchar:"))


def _worker_pids(it: Any) -> list:
    pool = getattr(it, "_pool", None)  # funcgrad's iterator
    return [w.pid for w in (pool.workers if pool is not None else it._workers)]


def measured_bytes(loader: Any, batches: int) -> float | None:
    """Bytes the workers wrote to pipes and queues per batch over one epoch (``/proc/<pid>/io`` ``wchar``)."""
    try:  # persistent workers, up since an earlier epoch: counted before iter() sends the first tasks
        pids = _worker_pids(loader._iterator)
        before = sum(_wchar(p) for p in pids)
        for _ in loader:
            pass
        return (sum(_wchar(p) for p in pids) - before) / batches
    except (OSError, AttributeError, StopIteration):  # no /proc (not Linux), or another loader's internals
        return None


def accounted_bytes(ds: Augmented, batch: int) -> dict:
    """Per batch: what goes through the pipe and what is copied into shared memory, for each way of moving it."""
    from multiprocessing.reduction import ForkingPickler

    from funcgrad.utils.data import default_collate
    samples = [ds[i] for i in range(batch)]
    b = default_collate(samples)
    nbytes = int(sum(a.nbytes for a in b))
    out = {"pickling": {"pipe": len(pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL)), "shm": 0}}
    writer, reader = _shm.Writer(), _shm.Reader()
    prefix = f"/fgdl{os.getpid()}_bench_"
    first = reader.unpack(writer.pack(b, _shm.segment_name(prefix, 0)))
    del first  # its lease dies: the segment is free again, as in a steady stream
    writer.release(reader.take_freed())
    message = writer.pack(b, _shm.segment_name(prefix, 1))
    assert message[2] is None, "the segment should have been reused"
    out["funcgrad"] = {"pipe": len(ForkingPickler.dumps(("batch", 1, 0, 0, message))), "shm": nbytes}
    if torch is not None:
        importlib.import_module("torch.multiprocessing")  # registers the reductions its workers pickle with
        from torch.utils.data import default_collate as torch_collate
        out["PyTorch"] = {"pipe": len(ForkingPickler.dumps((0, torch_collate(samples)))), "shm": nbytes}
    return out


# --- the benchmark -----------------------------------------------------------------------------------------------
def run(quick: bool = False, tiny: bool = False) -> list[dict]:
    """One result: the throughput rows and, in ``"bytes"``, the bytes per batch of each way of moving it."""
    sizes = TINY if tiny else QUICK if quick else SIZES
    repeat = 2 if tiny else 3 if quick else 7
    batches, batch, workers = sizes["batches"], sizes["batch"], sizes["workers"]
    ds = Augmented(batches * batch, sizes["side"])
    notes: list = []
    named = loaders(ds, batch, workers, notes)
    try:
        check(ds, named, batch)
        rows = measure(named, batches, repeat)
        moved = accounted_bytes(ds, batch)
        for name in ("funcgrad", "PyTorch"):
            if name in moved:
                moved[name]["measured"] = measured_bytes(named[name], batches)
        starts = startup(ds, batch, workers)
    finally:
        for loader in named.values():  # stop the persistent workers now
            it = getattr(loader, "_iterator", None)
            if it is not None and hasattr(it, "_pool"):
                it._pool.shutdown()
            elif it is not None and hasattr(it, "_shutdown_workers"):
                it._shutdown_workers()
    per_s = {r["name"]: 1.0 / r["seconds"] for r in rows}
    notes.append("batches per second: " + ", ".join(f"{n} {v:.1f}" for n, v in per_s.items()))
    notes.append("time from iter() to the first batch with fresh workers (not in the rows): "
                 + ", ".join(f"{n} {s * 1e3:.0f} ms" for n, s in starts.items()))
    title = (f"(h) DataLoader throughput: {workers} workers, batch {batch} of {sizes['side']}x{sizes['side']} "
             f"RGB float32 images augmented in NumPy, {batches} batches an epoch")
    return [{"key": "data", "title": title, "unit": "ms/batch", "rows": rows, "notes": notes, "target": TARGET,
             "bytes": moved}]


def bytes_table(moved: dict) -> list[str]:
    """Markdown lines: bytes per batch through pipes and into shared memory."""
    def fmt(v: Any) -> str:
        return "n/a" if v is None else f"{v:,.0f}"

    lines = ["| how | pipe bytes per batch (accounted) | pipe bytes per batch (measured, wchar) "
             "| bytes copied into shared memory |", "|---|---:|---:|---:|"]
    labels = {"funcgrad": "funcgrad (reused shared-memory segments)",
              "PyTorch": "PyTorch (storages moved into new shared memory, handles pickled)",
              "pickling": "pickling the arrays (`pickle.dumps` of the batch)"}
    for name, m in moved.items():
        lines.append(f"| {labels[name]} | {fmt(m['pipe'])} | {fmt(m.get('measured'))} | {fmt(m['shm'])} |")
    return lines


def section_markdown(results: list, info: dict, elapsed: float, provisional: str = "") -> str:
    """The ``## DataLoader throughput`` section: how it was run, the target, the table and the bytes."""
    from run_all import markdown_tables
    lines = [SECTION, ""]
    if provisional:
        lines += [provisional, ""]
    lines += ["Generated by `python benchmarks/bench_data.py --write` (or `python benchmarks/run_all.py`); see the "
              "docstring of `benchmarks/bench_data.py` for the dataset and how bytes are counted. Each figure is "
              "the median of interleaved epochs, its interquartile range after the ±; ratios are funcgrad's "
              "median over the other's.", "",
              *run_lines(info, elapsed, f"Python {info['python']}, NumPy {info['numpy']}, PyTorch {info['torch']}")]
    lines += markdown_tables(results, "###", "DataLoader target")
    for res in results:
        lines += ["", "Bytes per batch between processes:", ""] + bytes_table(res["bytes"])
    return "\n".join(lines) + "\n"


def write_section(section: str, path: str = RESULTS) -> None:
    """Replace (or append) this benchmark's section of ``path``; the other sections stay as they are."""
    from run_all import write_results_section
    write_results_section(section, SECTION, path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer, shorter epochs (rougher numbers)")
    p.add_argument("--write", action="store_true", help=f"replace the '{SECTION}' section of RESULTS.md")
    args = p.parse_args(argv)
    from run_all import print_result

    check_single_threaded()
    info = machine_info()
    t0 = time.perf_counter()
    results = run(quick=args.quick)
    for res in results:
        print_result(res)
        print("\n".join(bytes_table(res["bytes"])))
    elapsed = time.perf_counter() - t0
    if args.write:
        write_section(section_markdown(results, info, elapsed))
        print(f"wrote the '{SECTION}' section of {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
