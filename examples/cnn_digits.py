"""Train a small convolutional network on handwritten digits, written as PyTorch code and run by funcgrad.

The network reads scikit-learn's 8x8 digits as one-channel images: two blocks of ``Conv2d`` + ``BatchNorm2d`` +
ReLU + ``MaxPool2d`` (8x8 -> 4x4 -> 2x2), then ``Dropout`` and a ``Linear`` classifier. It trains with
``torch.optim.Adam`` and a cosine learning-rate schedule (``lr_scheduler.CosineAnnealingLR``, stepped once per
batch), switches to ``model.eval()`` for testing (BatchNorm's running statistics, no dropout), prints the test
accuracy (about 98% after the default 20 epochs) and saves a figure of the training loss and the test accuracy.

Training batches come from ``torch.utils.data.DataLoader`` over :class:`AugmentedDigits`, whose ``__getitem__``
shifts each image by up to one pixel and rotates it by up to 10 degrees (bilinear, in NumPy), a fresh draw every
time. ``--workers N`` computes that augmentation in N worker processes; each library seeds NumPy's generator in
each worker from one base seed plus the worker's id, so the workers draw different augmentations and a run
repeats with the same ``--seed``.

The library is chosen at run time and bound to the name ``torch``; everything after that is PyTorch's own code,
with no branch on the library, so ``--lib torch`` runs the same lines on PyTorch for comparison.

Run it from the repository root (needs scikit-learn, matplotlib and tqdm: ``pip install -e .[examples]``)::

    python examples/cnn_digits.py                 # 20 epochs, about 10 s on 2 cores
    python examples/cnn_digits.py --short         # 3 epochs on a quarter of the data: a smoke test
    python examples/cnn_digits.py --lib torch     # the same code on PyTorch
    python examples/cnn_digits.py --workers 2     # augmentation computed in 2 worker processes
"""
from __future__ import annotations

import argparse
import contextlib
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

# pixel centres relative to the image centre: rows, then columns, of the 64 pixels
_GRID = np.stack(np.meshgrid(np.arange(8.0), np.arange(8.0), indexing="ij")).reshape(2, 64) - 3.5


def augment(image: np.ndarray, max_shift: int = 1, max_degrees: float = 10.0) -> np.ndarray:
    """An 8x8 image shifted by up to ``max_shift`` pixels along each axis and rotated by up to ``max_degrees``
    about its centre, drawn from NumPy's global generator (which DataLoader workers seed); bilinear, with blank
    (zero) pixels coming in from outside."""
    angle = np.deg2rad(np.random.uniform(-max_degrees, max_degrees))
    dy, dx = np.random.randint(-max_shift, max_shift + 1, size=2)
    cos, sin = np.cos(angle), np.sin(angle)
    y, x = _GRID[0] - dy, _GRID[1] - dx  # each output pixel samples the source at the inverse transform
    sy, sx = cos * y - sin * x + 3.5, sin * y + cos * x + 3.5
    y0, x0 = np.floor(sy).astype(np.intp), np.floor(sx).astype(np.intp)
    wy, wx = sy - y0, sx - x0
    padded = np.pad(image, 2)  # a border of blank pixels: indices clipped into it read zero
    out = np.zeros(64)
    for oy, fy in ((0, 1 - wy), (1, wy)):
        for ox, fx in ((0, 1 - wx), (1, wx)):
            out += fy * fx * padded[np.clip(y0 + oy + 2, 0, 11), np.clip(x0 + ox + 2, 0, 11)]
    return out.reshape(8, 8)


class AugmentedDigits:
    """A map-style dataset of raw-pixel digits (``(N, 64)``, values 0..16) whose every read is a new random
    augmentation, then standardized by one mean and std for all pixels (per-pixel statistics would blow up the ink
    a shift moves into a border pixel that is nearly always blank): ``(image (1, 8, 8) float32, label int64)``."""

    def __init__(self, X_raw: np.ndarray, y: np.ndarray, mean: float, std: float) -> None:
        self.X, self.y, self.mean, self.std = X_raw, y, mean, std

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i: int):
        image = augment(self.X[i].reshape(8, 8))
        return ((image - self.mean) / self.std).astype(np.float32).reshape(1, 8, 8), self.y[i]


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


def train(train_set, X_test, y_test, epochs: int = 20, batch_size: int = 64, lr: float = 3e-3, seed: int = 0,
          workers: int = 0, progress: bool = True):
    """Returns the model, the loss of every step and the test accuracy after every epoch."""
    from tqdm import tqdm

    torch.manual_seed(seed)
    np.random.seed(seed)  # the augmentation's generator when it runs in this process (workers seed their own)
    X_test = torch.from_numpy(X_test).reshape(-1, 1, 8, 8)
    y_test = torch.from_numpy(y_test)
    loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=workers)
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = len(loader)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)

    losses, accs = [], []
    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    for _ in bar:
        for xb, yb in loader:
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
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
    p.add_argument("--seed", type=int, default=0,
                   help="seed for the split, the initialization, shuffling and the augmentation")
    p.add_argument("--workers", type=int, default=0,
                   help="DataLoader worker processes computing the augmentation (default 0: in this process)")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "cnn_digits.png"),
                   help="where to save the figure (default examples/cnn_digits.png)")
    args = p.parse_args(argv)

    global torch
    torch = importlib.import_module(args.lib)
    X_train, X_test, y_train, y_test, mean, std = load_data(args.seed, with_stats=True)
    epochs = args.epochs or (3 if args.short else 20)
    if args.short:
        X_train, y_train = X_train[:len(X_train) // 4], y_train[:len(y_train) // 4]
    raw_train, raw_test = (a.astype(np.float64) * std + mean for a in (X_train, X_test))  # back to pixels 0..16
    m, s = raw_train.mean(), raw_train.std()
    train_set = AugmentedDigits(raw_train, y_train, m, s)
    X_test = ((raw_test - m) / s).astype(np.float32)
    limits = contextlib.nullcontext()
    if args.workers:  # BLAS threads spin while they wait for each other: on cores the workers take, a matmul stalls
        from threadpoolctl import threadpool_limits  # scikit-learn's dependency
        limits = threadpool_limits(max(1, (os.cpu_count() or 1) - args.workers))
    t0 = time.perf_counter()
    with limits:
        _, losses, accs = train(train_set, X_test, y_test, epochs=epochs, seed=args.seed, workers=args.workers)
    workers = f" and {args.workers} workers" if args.workers else ""
    print(f"trained with {args.lib}{workers} for {epochs} epochs in {time.perf_counter() - t0:.1f} s")
    print(f"test accuracy: {accs[-1]:.4f}")
    plot(losses, accs, len(losses) // epochs, args.lib, args.out)
    print(f"figure saved to {args.out}")
    return accs[-1]


if __name__ == "__main__":
    main()
