"""Hogwild: several processes train one shared model at once, without locks (PyTorch's ``mnist_hogwild``).

The model, a 64-128-10 tanh MLP on scikit-learn's 8x8 digits, is built once and moved into shared memory
(``model.share_memory()``); each process gets it by reference, runs its own SGD over the whole training set in its
own order, and its optimizer steps write straight into the shared parameters, where the other processes see them.
Nobody locks: the updates are sparse enough in time that the occasional collision does not hurt (Niu et al.,
"Hogwild!", 2011). The losses go into a shared tensor too, one row per process. It prints the test accuracy,
about the single-process one (``--processes 1``), and saves the loss curves.

As in ``digits_torch_style.py``, ``torch`` below is funcgrad (and ``torch.multiprocessing`` is
``funcgrad.multiprocessing``); ``--lib torch`` runs the same code on PyTorch, when installed.

Run it from the repository root (needs scikit-learn, matplotlib and tqdm)::

    python examples/hogwild.py                     # 2 processes, 20 epochs each, a few seconds
    python examples/hogwild.py --processes 1       # the single-process baseline
    python examples/hogwild.py --short             # 5 epochs, for tests
    python examples/hogwild.py --lib torch --start-method fork
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

try:
    import funcgrad as torch
except ImportError:  # running from a checkout without installing it
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import funcgrad as torch

from _digits import load_data  # shared by the examples


def use(lib: str) -> None:
    """Make ``torch`` the chosen library, here and in each spawned process (which imports this file afresh)."""
    global torch
    if lib == "torch":
        import torch
    else:
        import funcgrad as torch


# Everything below is plain PyTorch code.

def make_model(hidden: int = 128):
    return torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 10))


def train(rank, lib, model, losses, data, epochs, batch_size, lr, seed, lock, start, progress):
    """One Hogwild worker: SGD on the shared ``model``, its own shuffling, each step's loss in ``losses[rank]``."""
    use(lib)
    from tqdm import tqdm

    tqdm.set_lock(lock)  # one lock for all the processes' bars
    torch.manual_seed(seed + rank)
    X, y = (torch.from_numpy(a) for a in data)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    n, step = X.shape[0], 0
    start.wait()  # every process is up (a spawned one takes a moment to import): now they train at once
    bar = tqdm(range(epochs), desc=f"process {rank}", unit="epoch", position=rank, leave=True,
               disable=not progress)
    for _ in bar:
        order = torch.randperm(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()  # writes into the shared parameters: the other processes see it
            losses[rank, step] = loss.item()
            step += 1
        bar.set_postfix(loss=f"{losses[rank, step - (n + batch_size - 1) // batch_size:step].mean().item():.4f}")


def accuracy(model, X, y) -> float:
    with torch.no_grad():
        pred = model(torch.from_numpy(X)).argmax(dim=1)
        return (pred == torch.from_numpy(y)).sum().item() / len(y)


def plot_losses(losses: np.ndarray, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    window = 20
    for rank, row in enumerate(losses):
        smooth = np.convolve(row, np.ones(window) / window, mode="valid") if len(row) > window else row
        ax.plot(smooth, lw=1.5, label=f"process {rank}")
    ax.set(xlabel="step of each process", ylabel=f"cross-entropy (moving average, {window} steps)", yscale="log",
           title=f"Hogwild: {len(losses)} processes, one shared model")
    ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description="Hogwild training of one shared MLP on scikit-learn's digits.")
    p.add_argument("--processes", type=int, default=2, help="training processes (default 2)")
    p.add_argument("--epochs", type=int, default=20, help="passes over the training set per process (default 20)")
    p.add_argument("--short", action="store_true", help="5 epochs and no progress bar: a quick check")
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (momentum 0.9; default 0.01)")
    p.add_argument("--seed", type=int, default=0, help="seed for the split, the initialization and shuffling")
    p.add_argument("--start-method", default="spawn", choices=["spawn", "fork", "forkserver"])
    p.add_argument("--lib", default="funcgrad", choices=["funcgrad", "torch"],
                   help="the tensor library that runs the training code (default funcgrad)")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "hogwild_loss.png"),
                   help="where to save the loss curves (default examples/hogwild_loss.png)")
    args = p.parse_args(argv)
    epochs = 5 if args.short else args.epochs
    batch_size = 64

    use(args.lib)
    mp = torch.multiprocessing
    X_train, X_test, y_train, y_test = load_data(args.seed)
    torch.manual_seed(args.seed)
    model = make_model()
    model.share_memory()  # parameters into shared memory: the processes get them by reference
    steps = epochs * ((len(X_train) + batch_size - 1) // batch_size)
    losses = torch.zeros(args.processes, steps).share_memory_()

    ctx = mp.get_context(args.start_method)
    lock = ctx.RLock()  # for the progress bars only: training takes no lock
    start = ctx.Barrier(args.processes)
    t0 = time.perf_counter()
    workers = [ctx.Process(target=train, args=(rank, args.lib, model, losses, (X_train, y_train), epochs,
                                               batch_size, args.lr, args.seed, lock, start, not args.short))
               for rank in range(args.processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if any(w.exitcode != 0 for w in workers):
        raise SystemExit(f"a training process failed (exit codes {[w.exitcode for w in workers]})")
    acc = accuracy(model, X_test, y_test)
    print(f"trained with {args.lib}, {args.processes} processes ({args.start_method}), {epochs} epochs each, "
          f"in {time.perf_counter() - t0:.1f} s")
    print(f"test accuracy: {acc:.4f}")
    plot_losses(losses.numpy(), args.out)
    print(f"loss curves saved to {args.out}")
    return acc


if __name__ == "__main__":
    main()
