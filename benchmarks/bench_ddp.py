"""Data-parallel scaling: samples per second of the digits CNN (bench_train's (e): conv 1-32-64 3x3, max-pool,
linear, cross-entropy, Adam, float32) trained with DistributedDataParallel at 1, 2 and 4 ranks under ``mpiexec``,
and the bytes all-reduced per step.

The global batch stays 128 (each of N ranks computes 128/N samples a step: strong scaling, the same steps as one
process), drawn by a DistributedSampler over scikit-learn's digits. Each setting is launched ``--runs`` times, the
settings interleaved run by run so that a slow spell of the machine hits all of them; the table gives the median
and the spread (min-max) of samples per second. "1 rank, no DDP" is the plain model in one process, the baseline;
"1 rank" wraps it in DDP in a world of one. With more ranks than cores the ranks share the cores (oversubscribed):
their figures then measure the communication's overhead more than any speed-up.

Run: ``python benchmarks/bench_ddp.py [--runs 3] [--steps 30] [--ranks 1 2 4] [--bucket-cap-mb 25]``
(needs mpi4py and an mpiexec: ``pip install funcgrad[distributed]``). A worker is this file run under mpiexec
with ``--worker``; it prints one JSON line from rank 0.
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

GLOBAL_BATCH = 128


def worker(steps: int, warmup: int, bucket_cap_mb: float, plain: bool) -> None:
    import funcgrad as fg
    import funcgrad.distributed as dist
    from funcgrad import nn
    from funcgrad.utils.data import DistributedSampler

    from bench_train import cnn_layers

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    try:
        from sklearn.datasets import load_digits
        X, y = load_digits(return_X_y=True)
    except ImportError:  # the digits' shape, random values
        rng = np.random.default_rng(0)
        X, y = rng.random((1797, 64)) * 16, rng.integers(0, 10, 1797)
    X = (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
    y = y.astype(np.int64)
    fg.manual_seed(0)
    model = cnn_layers(nn)
    net = model if plain else nn.parallel.DistributedDataParallel(model, bucket_cap_mb=bucket_cap_mb)
    opt = fg.optim.Adam(net.parameters(), lr=1e-3)
    sampler = DistributedSampler(range(len(X)), num_replicas=world, rank=rank, seed=0)
    per_rank = GLOBAL_BATCH // world
    order: list = []
    epoch = 0

    def batch():
        nonlocal order, epoch
        if len(order) < per_rank:
            sampler.set_epoch(epoch)
            epoch += 1
            order = list(sampler)
        idx, order = order[:per_rank], order[per_rank:]
        return fg.tensor(X[idx]), fg.tensor(y[idx])

    def step():
        xb, yb = batch()
        opt.zero_grad()
        nn.functional.cross_entropy(net(xb), yb).backward()
        opt.step()

    for _ in range(warmup):
        step()
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    dist.barrier()
    seconds = time.perf_counter() - t0
    buckets = [] if plain else net._buckets
    if rank == 0:
        print(json.dumps({"world": world, "plain": plain, "seconds": seconds, "steps": steps,
                          "samples_per_s": steps * GLOBAL_BATCH / seconds, "buckets": len(buckets),
                          "bytes_per_step": int(sum(b.flat.nbytes for b in buckets)) if world > 1 else 0,
                          "grad_bytes": int(sum(p.numel() * 4 for p in model.parameters()))}), flush=True)
    dist.destroy_process_group()


SECTION = "## Data-parallel training (issue 17)"


def launch(n: int, args: argparse.Namespace, cap: float, plain: bool = False) -> dict:
    from funcgrad.distributed.run import find_mpiexec
    cmd = [find_mpiexec(), "-n", str(n), sys.executable, os.path.abspath(__file__), "--worker",
           "--steps", str(args.steps), "--warmup", str(args.warmup), "--bucket-cap-mb", str(cap)]
    if plain:
        cmd.append("--plain")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=common.ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])


def main(argv: list | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--runs", type=int, default=3, help="launches of each setting (default 3)")
    p.add_argument("--steps", type=int, default=30, help="timed steps a launch (default 30)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--bucket-cap-mb", type=float, nargs="+", default=[25.0, 0.01],
                   help="bucket sizes to try (default 25, torch's: one bucket for this model; and 0.01: three, "
                        "so that the first buckets' all-reduces overlap the first layers' backward)")
    p.add_argument("--write", action="store_true", help=f"write the table into benchmarks/RESULTS.md ({SECTION})")
    args = p.parse_args(argv)
    if args.worker:
        worker(args.steps, args.warmup, args.bucket_cap_mb[0], args.plain)
        return
    cores = os.cpu_count()
    settings = [("1 rank, no DDP", 1, 0.0, True)]
    for k, cap in enumerate(args.bucket_cap_mb):
        for n in args.ranks if k == 0 else [n for n in args.ranks if n > 1]:  # one bucket or three: alike at 1
            settings.append((f"{n} rank{'s' * (n > 1)}{' (oversubscribed)' if n > cores else ''}, "
                             f"bucket_cap_mb={cap:g}", n, cap, False))
    results: dict = {s[0]: [] for s in settings}
    info: dict = {}
    load = os.getloadavg()
    t0 = time.monotonic()
    for run in range(args.runs):  # every setting once a round: a slow spell of the machine hits them all
        for name, n, cap, plain in settings:
            r = launch(n, args, cap, plain)
            results[name].append(r["samples_per_s"])
            info[name] = r
            print(f"run {run + 1}/{args.runs}  {name:44s} {r['samples_per_s']:8.0f} samples/s", flush=True)
    base = statistics.median(results["1 rank, no DDP"])
    lines = [SECTION, "",
             f"`python benchmarks/bench_ddp.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
             f"{common.cpu_model()}, {cores} cores, load average (1, 5, 15 min) {load[0]:.2f} {load[1]:.2f} "
             f"{load[2]:.2f} at the start, {time.monotonic() - t0:.0f} s in all. The digits CNN of (e) (float32, "
             f"Adam), global batch {GLOBAL_BATCH} split over the ranks (strong scaling), {args.steps} timed steps "
             f"after {args.warmup} warm-up steps a launch, {args.runs} launches a setting interleaved round by "
             f"round: the median and the spread (min-max) of samples per second. More ranks than cores share the "
             f"cores (oversubscribed): they show the cost of the communication, not a speed-up. Gradients are "
             f"{info[settings[1][0]]['grad_bytes']:,} bytes; each rank all-reduces them once a step." +
             (" Other work shared the machine during this run (the load average above): the figures are rough, "
              "rerun on an idle machine." if load[0] > 0.5 * cores else ""), "",
             "| setting | samples/s (median) | spread (min-max) | vs 1 rank, no DDP | buckets | bytes all-reduced "
             "per step (each rank) |", "|---|---:|---:|---:|---:|---:|"]
    for name, n, cap, plain in settings:
        v = results[name]
        lines.append(f"| {name} | {statistics.median(v):,.0f} | {min(v):,.0f}-{max(v):,.0f} | "
                     f"{statistics.median(v) / base:.2f}x | {info[name]['buckets']} | "
                     f"{info[name]['bytes_per_step']:,} |")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if args.write:
        from run_all import write_results_section
        write_results_section(text, SECTION)


if __name__ == "__main__":
    main()
