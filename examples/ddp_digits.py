"""Data-parallel training on handwritten digits: every process trains on its shard of each batch, and the
gradients are averaged over the processes, so N processes take the same steps as one process on whole batches.

Two faces of the same job:

* ``--face torch`` (default): PyTorch code. ``DistributedSampler`` gives each process its shard,
  ``DistributedDataParallel`` copies rank 0's initial parameters to every process and all-reduces the gradients
  in buckets while ``backward()`` runs (a bucket starts as soon as its layers' gradients are final).
* ``--face functional``: ``value_and_grad`` of the loss on the shard, then ``funcgrad.distributed.pmean`` of the
  gradient pytree, and an Adam step from ``funcgrad.optim.functional``.

Run it from the repository root (needs scikit-learn, and mpi4py with an MPI runtime for several processes:
``pip install funcgrad[distributed]``)::

    mpiexec -n 2 python examples/ddp_digits.py
    python -m funcgrad.distributed.run --nproc 2 examples/ddp_digits.py --face functional
    python examples/ddp_digits.py --short       # one process works too (a world of one)

Rank 0 prints the test accuracy (about 97%), the samples per second and the bytes all-reduced per step.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

import numpy as np

try:
    import funcgrad as torch
except ImportError:  # running from a checkout without installing it
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import funcgrad as torch

import funcgrad.distributed as dist  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402
from funcgrad import nn  # noqa: E402
from funcgrad.utils.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402

from _digits import load_data  # noqa: E402  (shared by the examples)


def train_torch_style(X_train, y_train, epochs, batch_size, seed, rank, world):
    torch.manual_seed(seed + rank)  # different on each rank: DDP's broadcast makes rank 0's the start
    model = nn.Sequential(nn.Linear(64, 128), nn.Tanh(), nn.Linear(128, 10))
    ddp = nn.parallel.DistributedDataParallel(model) if world > 1 or dist.is_initialized() else model
    opt = torch.optim.Adam(ddp.parameters(), lr=3e-3)
    data = TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train))
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, seed=seed)
    loader = DataLoader(data, batch_size=batch_size // world, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(ddp(xb), yb).backward()
            opt.step()
    return lambda X: model(torch.from_numpy(X)).argmax(dim=1).numpy(), sum(p.numel() for p in model.parameters())


def train_functional(X_train, y_train, epochs, batch_size, seed, rank, world):
    rng = np.random.RandomState(seed)  # the same on every rank: no broadcast needed
    params = {"w1": (rng.randn(64, 128) / 8).astype(np.float32), "b1": np.zeros(128, np.float32),
              "w2": (rng.randn(128, 10) / 128 ** 0.5).astype(np.float32), "b2": np.zeros(10, np.float32)}

    def logits(p, x):
        return fnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]

    def loss(p, x, y):
        logp = logits(p, x) - fnp.log(fnp.sum(fnp.exp(logits(p, x)), axis=1, keepdims=True))
        return -fnp.mean(logp[np.arange(len(y)), y])

    opt = torch.optim.functional.adam(lr=3e-3)
    state = opt.init(params)
    step = torch.value_and_grad(loss)
    sampler = DistributedSampler(range(len(X_train)), num_replicas=world, rank=rank, seed=seed)
    per_rank = batch_size // world
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        mine = np.array(list(sampler))
        for start in range(0, len(mine), per_rank):
            idx = mine[start:start + per_rank]
            _, g = step(params, X_train[idx], y_train[idx])
            g = dist.pmean(g) if dist.is_initialized() else g
            params, state = opt.update(g, state, params)
    return lambda X: np.asarray(logits(params, X)).argmax(axis=1), sum(a.size for a in params.values())


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description="Data-parallel training of a 64-128-10 MLP on scikit-learn's digits.")
    p.add_argument("--face", default="torch", choices=["torch", "functional"])
    p.add_argument("--epochs", type=int, default=20, help="passes over the training set (default 20)")
    p.add_argument("--batch-size", type=int, default=64, help="the global batch, split over the processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--short", action="store_true", help="5 epochs: a quick check")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds a process waits for the others in a collective before the job is aborted")
    args = p.parse_args(argv)
    if dist.is_mpi_available():
        dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=args.timeout))
        rank, world = dist.get_rank(), dist.get_world_size()
    else:  # no mpi4py: one process, the same code without communication
        rank, world = 0, 1
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must be divisible by the {world} processes")
    X_train, X_test, y_train, y_test = load_data(args.seed)
    epochs = 5 if args.short else args.epochs
    t0 = time.perf_counter()
    train = train_torch_style if args.face == "torch" else train_functional
    predict, n_params = train(X_train, y_train, epochs, args.batch_size, args.seed, rank, world)
    seconds = time.perf_counter() - t0
    acc = float((predict(X_test) == y_test).mean())
    if rank == 0:
        print(f"{args.face} face, {world} processes")
        print(f"test accuracy: {acc:.4f}")
        print(f"samples per second: {epochs * len(X_train) / seconds:.0f} (all processes together)")
        print(f"bytes all-reduced per step: {n_params * 4 if world > 1 else 0}")
    if dist.is_initialized():
        dist.destroy_process_group()
    return acc


if __name__ == "__main__":
    main()
