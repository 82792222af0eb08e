"""Train a small convolutional network on handwritten digits, written as PyTorch code and run by funcgrad.

The network reads scikit-learn's 8x8 digits as one-channel images: two blocks of ``Conv2d`` + ``BatchNorm2d`` +
ReLU + ``MaxPool2d`` (8x8 -> 4x4 -> 2x2), then ``Dropout`` and a ``Linear`` classifier. It trains with
``torch.optim.Adam`` and a cosine learning-rate schedule (``lr_scheduler.CosineAnnealingLR``, stepped once per
batch), switches to ``model.eval()`` for testing (BatchNorm's running statistics, no dropout), prints the test
accuracy (about 98% after the default 20 epochs) and saves a figure of the training loss and the test accuracy.

The library is chosen at run time and bound to the name ``torch``; everything after that is PyTorch's own code,
with no branch on the library, so ``--lib torch`` runs the same lines on PyTorch for comparison.

Run it from the repository root (needs scikit-learn, matplotlib and tqdm: ``pip install -e .[examples]``)::

    python examples/cnn_digits.py                 # 20 epochs, about 10 s on 2 cores
    python examples/cnn_digits.py --short         # 3 epochs on a quarter of the data: a smoke test
    python examples/cnn_digits.py --lib torch     # the same code on PyTorch
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

import numpy as np

try:
    import funcgrad  # noqa: F401 - only to check that it can be imported
except ImportError:  # running from a checkout without installing it
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _digits import load_data  # shared by the examples

torch = None  # bound by main() to funcgrad or torch


def make_model(dropout: float = 0.25):
    """Two conv blocks and a linear classifier: (N, 1, 8, 8) images -> (N, 10) logits."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(dropout), nn.Linear(64 * 2 * 2, 10),
    )


def accuracy(model, X, y) -> float:
    model.eval()
    with torch.no_grad():
        pred = model(X).argmax(dim=1)
    model.train()
    return (pred == y).float().mean().item()


def train(X_train, X_test, y_train, y_test, epochs: int = 20, batch_size: int = 64, lr: float = 3e-3,
          seed: int = 0, progress: bool = True):
    """Returns the model, the loss of every step and the test accuracy after every epoch."""
    from tqdm import tqdm

    torch.manual_seed(seed)
    X_train = torch.from_numpy(X_train).reshape(-1, 1, 8, 8)
    X_test = torch.from_numpy(X_test).reshape(-1, 1, 8, 8)
    y_train, y_test = torch.from_numpy(y_train), torch.from_numpy(y_test)
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = X_train.shape[0]
    steps_per_epoch = (n + batch_size - 1) // batch_size
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)

    losses, accs = [], []
    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    for _ in bar:
        order = torch.randperm(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = torch.nn.functional.cross_entropy(model(X_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        accs.append(accuracy(model, X_test, y_test))
        bar.set_postfix(loss=f"{np.mean(losses[-steps_per_epoch:]):.4f}", test_acc=f"{accs[-1]:.4f}")
    return model, losses, accs


def plot(losses, accs, steps_per_epoch: int, lib: str, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(losses, lw=0.8)
    ax1.set(xlabel="step", ylabel="cross-entropy", yscale="log", title="training loss (minibatches)")
    ax2.plot(np.arange(1, len(accs) + 1) * steps_per_epoch, accs, marker="o")
    ax2.set(xlabel="step", ylabel="accuracy", title="test accuracy after each epoch")
    fig.suptitle(f"digits CNN trained with {lib}")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description="Train a small CNN on scikit-learn's 8x8 digits (PyTorch code).")
    p.add_argument("--epochs", type=int, default=None, help="passes over the training set (default 20; 3 in --short)")
    p.add_argument("--short", action="store_true",
                   help="a quick smoke run: 3 epochs on a quarter of the training set (what the tests run)")
    p.add_argument("--lib", default="funcgrad", choices=["funcgrad", "torch"],
                   help="the library bound to the name torch (default funcgrad)")
    p.add_argument("--seed", type=int, default=0, help="seed for the split, the initialization and shuffling")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "cnn_digits.png"),
                   help="where to save the figure (default examples/cnn_digits.png)")
    args = p.parse_args(argv)

    global torch
    torch = importlib.import_module(args.lib)
    X_train, X_test, y_train, y_test = load_data(args.seed)
    epochs = args.epochs or (3 if args.short else 20)
    if args.short:
        X_train, y_train = X_train[:len(X_train) // 4], y_train[:len(y_train) // 4]
    t0 = time.perf_counter()
    _, losses, accs = train(X_train, X_test, y_train, y_test, epochs=epochs, seed=args.seed)
    print(f"trained with {args.lib} for {epochs} epochs in {time.perf_counter() - t0:.1f} s")
    print(f"test accuracy: {accs[-1]:.4f}")
    plot(losses, accs, len(losses) // epochs, args.lib, args.out)
    print(f"figure saved to {args.out}")
    return accs[-1]


if __name__ == "__main__":
    main()
