"""A character-level language model, written as PyTorch code and trained by funcgrad: a small causal Transformer
(or an LSTM, ``--model lstm``) learns to continue the verses of ``examples/data/verses.txt``.

The text is rhymed quatrains drawn from a small grammar (``examples/data/make_verses.py`` writes it). The
Transformer embeds each character and its position, runs a ``TransformerEncoder`` under the causal mask of
``nn.Transformer.generate_square_subsequent_mask`` (each position sees only the characters before it), and
predicts the next character with a ``Linear`` head; the LSTM variant replaces the encoder with ``nn.LSTM``. Both
train with AdamW on random windows of the text and a cosine learning-rate schedule. The
example prints the validation loss next to the unigram entropy of the text (what a model that ignores context
achieves; both in nats per character), prints a sample generated from the trained model, and saves a figure of
the loss curves.

The library is chosen at run time and bound to the name ``torch``; everything after that is PyTorch's own code,
with no branch on the library, so ``--lib torch`` runs the same lines on PyTorch for comparison.

Run it from the repository root (needs matplotlib and tqdm: ``pip install -e .[examples]``)::

    python examples/char_transformer.py               # 600 steps, about a minute on 2 cores
    python examples/char_transformer.py --model lstm  # the LSTM instead of the Transformer
    python examples/char_transformer.py --short       # 60 steps: a smoke test
    python examples/char_transformer.py --lib torch   # the same code on PyTorch
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections import Counter

import numpy as np

try:
    import funcgrad  # noqa: F401 - only to check that it can be imported
except ImportError:  # running from a checkout without installing it
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HERE = os.path.dirname(os.path.abspath(__file__))
torch = None  # bound by main() to funcgrad or torch


def load_text(path: str):
    """The text, its alphabet, and the text as int64 character codes."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    return text, chars, np.array([index[c] for c in text], dtype=np.int64)


def unigram_entropy(text: str) -> float:
    """Entropy of the character frequencies, in nats: the loss of the best model that ignores context."""
    counts = np.array(list(Counter(text).values()), dtype=np.float64)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def make_model(kind: str, vocab: int, context: int, d_model: int = 64):
    """A next-character model: (N, T) codes -> (N, T, vocab) logits, position t seeing only positions <= t."""
    nn = torch.nn

    class CharTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d_model)
            self.pos = nn.Embedding(context, d_model)
            layer = nn.TransformerEncoderLayer(d_model, nhead=4, dim_feedforward=4 * d_model, dropout=0.1,
                                               batch_first=True, norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=2)
            self.norm = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, vocab)

        def forward(self, x):
            t = x.shape[1]
            h = self.tok(x) + self.pos(torch.arange(t))
            mask = nn.Transformer.generate_square_subsequent_mask(t)
            h = self.encoder(h, mask=mask, is_causal=True)
            return self.head(self.norm(h))

    class CharLSTM(nn.Module):
        def __init__(self, hidden=2 * d_model):
            super().__init__()
            self.tok = nn.Embedding(vocab, d_model)
            self.lstm = nn.LSTM(d_model, hidden, batch_first=True)
            self.head = nn.Linear(hidden, vocab)

        def forward(self, x):
            h, _ = self.lstm(self.tok(x))
            return self.head(h)

    return CharTransformer() if kind == "transformer" else CharLSTM()


def batches(codes: np.ndarray, batch_size: int, context: int, rng: np.random.Generator):
    """Random windows of the text: inputs and the same windows shifted by one character (the targets)."""
    while True:
        starts = rng.integers(0, len(codes) - context - 1, size=batch_size)
        windows = np.stack([codes[s:s + context + 1] for s in starts])
        yield torch.from_numpy(windows[:, :-1].copy()), torch.from_numpy(windows[:, 1:].copy())


def mean_loss(model, codes: np.ndarray, context: int) -> float:
    """Cross-entropy on consecutive windows of ``codes``, with dropout off."""
    n = (len(codes) - 1) // context
    x = torch.from_numpy(codes[:n * context].reshape(n, context).copy())
    y = torch.from_numpy(codes[1:n * context + 1].reshape(n, context).copy())
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item()
    model.train()
    return loss


def sample(model, chars, prompt: str, length: int, context: int, temperature: float = 0.7) -> str:
    """Continue ``prompt`` one character at a time, each drawn from the model's softmax at ``temperature``."""
    index = {c: i for i, c in enumerate(chars)}
    codes = [index[c] for c in prompt]
    model.eval()
    with torch.no_grad():
        for _ in range(length):
            x = torch.tensor([codes[-context:]])
            probs = torch.softmax(model(x)[0, -1] / temperature, dim=-1)
            codes.append(torch.multinomial(probs, 1).item())
    model.train()
    return "".join(chars[c] for c in codes)


def train(kind: str, codes: np.ndarray, vocab: int, steps: int, batch_size: int = 32, context: int = 64,
          lr: float = 3e-3, eval_every: int = 50, seed: int = 0, progress: bool = True):
    """Returns the model, the training loss of every step and (step, validation loss) pairs."""
    from tqdm import tqdm

    torch.manual_seed(seed)
    split = int(0.9 * len(codes))
    train_codes, val_codes = codes[:split], codes[split:]
    model = make_model(kind, vocab, context)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr / 10)
    data = batches(train_codes, batch_size, context, np.random.default_rng(seed))

    losses, val = [], []
    bar = tqdm(range(1, steps + 1), desc=f"training the {kind}", unit="step", disable=not progress)
    for step in bar:
        x, y = next(data)
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % eval_every == 0 or step == steps:
            val.append((step, mean_loss(model, val_codes, context)))
            bar.set_postfix(loss=f"{np.mean(losses[-eval_every:]):.3f}", val=f"{val[-1][1]:.3f}")
    return model, losses, val


def plot(losses, val, entropy: float, title: str, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(np.arange(1, len(losses) + 1), losses, lw=0.8, label="training loss (minibatches)")
    ax.plot(*zip(*val), marker="o", label="validation loss")
    ax.axhline(entropy, color="k", ls="--", lw=1, label=f"unigram entropy ({entropy:.2f})")
    ax.set(xlabel="step", ylabel="cross-entropy (nats per character)", title=title)
    ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> float:
    p = argparse.ArgumentParser(description="Train a character-level language model on verses (PyTorch code).")
    p.add_argument("--model", default="transformer", choices=["transformer", "lstm"],
                   help="a causal TransformerEncoder (default) or an LSTM")
    p.add_argument("--steps", type=int, default=None, help="training steps (default 600; 60 in --short)")
    p.add_argument("--short", action="store_true", help="a quick smoke run of 60 steps (what the tests run)")
    p.add_argument("--lib", default="funcgrad", choices=["funcgrad", "torch"],
                   help="the library bound to the name torch (default funcgrad)")
    p.add_argument("--seed", type=int, default=0, help="seed for the initialization, the batches and sampling")
    p.add_argument("--text", default=os.path.join(HERE, "data", "verses.txt"), help="the training text")
    p.add_argument("--out", default=os.path.join(HERE, "char_transformer.png"),
                   help="where to save the loss curves (default examples/char_transformer.png)")
    args = p.parse_args(argv)

    global torch
    torch = importlib.import_module(args.lib)
    text, chars, codes = load_text(args.text)
    steps = args.steps or (60 if args.short else 600)
    t0 = time.perf_counter()
    model, losses, val = train(args.model, codes, len(chars), steps, eval_every=20 if args.short else 50,
                               seed=args.seed)
    print(f"trained the {args.model} with {args.lib} for {steps} steps in {time.perf_counter() - t0:.1f} s")
    entropy = unigram_entropy(text)
    print(f"unigram entropy: {entropy:.4f} nats/char")
    print(f"first training loss: {losses[0]:.4f}")
    print(f"final validation loss: {val[-1][1]:.4f}")
    print("sample:")
    print(sample(model, chars, "1. of the", 240, context=64))
    print("end of sample")
    plot(losses, val, entropy, f"character-level {args.model} trained with {args.lib}", args.out)
    print(f"figure saved to {args.out}")
    return val[-1][1]


if __name__ == "__main__":
    main()
