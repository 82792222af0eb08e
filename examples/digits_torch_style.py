"""Train a small neural network on handwritten digits with funcgrad's Tensors, in PyTorch style.

The same task as ``digits_mlp.py`` (a 64-128-10 tanh MLP, softmax cross-entropy, Adam, scikit-learn's 8x8
digits), written the way a PyTorch user writes it: parameters are leaf tensors with ``requires_grad=True``, the
forward pass is Tensor operations, ``loss.backward()`` fills each parameter's ``.grad``, and the optimizer updates
the parameters with in-place ``_`` methods under ``no_grad()``, then clears the gradients. The module is imported
as ``torch``: the training code below is PyTorch code, and ``--lib torch`` runs it unchanged on PyTorch itself
(when installed), for comparison. It prints the test accuracy (about 98%).

Underneath it is the same engine as ``digits_mlp.py``: each Tensor holds an immutable array, the operations
record on the Tensor graph with the same primitives, and ``backward()`` is the core's backward pass.

Run it from the repository root (needs scikit-learn)::

    python examples/digits_torch_style.py               # 30 epochs, a few seconds
    python examples/digits_torch_style.py --epochs 10 --seed 1
    python examples/digits_torch_style.py --lib torch   # the same code on PyTorch
    python examples/digits_torch_style.py --device cuda # on the GPU (needs CuPy and an NVIDIA GPU)
"""
from __future__ import annotations

import argparse
import os
import sys
import time


try:
    import funcgrad as torch
except ImportError:  # running from a checkout without installing it
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import funcgrad as torch

from _digits import load_data  # shared by the examples


# Everything below is plain PyTorch code; ``torch`` is funcgrad unless ``--lib torch`` rebinds it.

def init_params(sizes, device="cpu"):
    """Weights scaled by 1/sqrt(fan_in) so tanh starts in its linear range; leaves that require grad."""
    params = []
    for m, n in zip(sizes[:-1], sizes[1:]):
        W = (torch.randn(m, n, device=device) / m ** 0.5).requires_grad_()
        b = torch.zeros(n, device=device, requires_grad=True)
        params += [W, b]
    return params


def forward(params, X):
    """Logits of the MLP."""
    W1, b1, W2, b2 = params
    h = torch.tanh(X @ W1 + b1)
    return h @ W2 + b2


def cross_entropy(logits, y):
    """Mean softmax cross-entropy: minus the log-probability of each example's true class."""
    logp = logits.log_softmax(dim=1)
    return -logp.gather(1, y.unsqueeze(1)).mean()


class Adam:
    """Adam written out with in-place updates, as ``torch.optim.Adam`` does it (no weight decay, no amsgrad)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = 0

    def step(self):
        b1, b2 = self.betas
        self.t += 1
        step_size = self.lr * (1 - b2 ** self.t) ** 0.5 / (1 - b1 ** self.t)  # bias corrections folded in
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                g = p.grad
                m.mul_(b1).add_(g * (1 - b1))
                v.mul_(b2).add_(g * g * (1 - b2))
                p.sub_(step_size * m / (v.sqrt() + self.eps))

    def zero_grad(self):
        for p in self.params:
            p.grad = None


def train(X_train, X_test, y_train, y_test, epochs=30, batch_size=64, lr=3e-3, hidden=128, seed=0, device="cpu"):
    torch.manual_seed(seed)
    device = torch.device(device)
    X_train, X_test = torch.from_numpy(X_train).to(device), torch.from_numpy(X_test).to(device)
    y_train, y_test = torch.from_numpy(y_train).to(device), torch.from_numpy(y_test).to(device)
    params = init_params((X_train.shape[1], hidden, 10), device)
    opt = Adam(params, lr=lr)
    n = X_train.shape[0]
    for epoch in range(epochs):
        order = torch.randperm(n, device=device)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = cross_entropy(forward(params, X_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * idx.shape[0]
        if epoch == 0 or (epoch + 1) % 10 == 0 or epoch + 1 == epochs:
            print(f"epoch {epoch + 1:3d}  training loss {total / n:.4f}")
    with torch.no_grad():
        pred = forward(params, X_test).argmax(dim=1)
        return (pred == y_test).sum().item() / y_test.shape[0]


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description="Train a 64-128-10 MLP on scikit-learn's digits, PyTorch style.")
    p.add_argument("--epochs", type=int, default=30, help="passes over the training set (default 30)")
    p.add_argument("--seed", type=int, default=0, help="seed for the split, the initialization and shuffling")
    p.add_argument("--lib", default="funcgrad", choices=["funcgrad", "torch"],
                   help="the tensor library that runs the training code (default funcgrad)")
    p.add_argument("--device", default="cpu", help="where to train: cpu (default), cuda or cuda:N")
    args = p.parse_args(argv)

    global torch
    if args.lib == "torch":
        import torch
    data = load_data(args.seed)
    t0 = time.perf_counter()
    acc = train(*data, epochs=args.epochs, seed=args.seed, device=args.device)
    print(f"trained with {args.lib} on {args.device} in {time.perf_counter() - t0:.1f} s")
    print(f"test accuracy: {acc:.4f}")
    return acc


if __name__ == "__main__":
    main()
