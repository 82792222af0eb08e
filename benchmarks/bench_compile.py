"""funcgrad.compile on the digits MLP training step (issue 15 item 1): the Tensor face eager, the same module under
``funcgrad.compile``, PyTorch eager, and ``torch.compile`` (inductor, then aot_eager if inductor cannot build here).

The model is bench_mlp's: scikit-learn digits, Linear 64-256-256-10 with tanh, cross-entropy, batch 128, float32;
the step is the whole loop body: ``zero_grad``, forward, loss, ``backward``, ``SGD.step``. Every implementation
starts from the same weights, and after a few steps its weights must match funcgrad eager's before timing. Figures
are the best of interleaved samples (common.measure_all), single-threaded BLAS; the machine is shared, so read the
ratios, not the absolute times. ``torch.compile``'s first call (its compile time) is reported beside it.

Run: ``python benchmarks/bench_compile.py [--quick] [--no-torch-compile] [--batch N]``
"""
from __future__ import annotations

import common  # noqa: F401  (first: single-threaded BLAS before numpy loads)
from common import fmt_ratio, header, measure_all, missing_anchor_note, torch

import argparse
import time
import warnings

import numpy as np

import funcgrad as fg
from funcgrad import nn
from bench_mlp import SIZES, init_params, load_batch

LR = 0.05


def funcgrad_model(params: dict) -> nn.Module:
    layers = []
    for k, (m, n) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        lin = nn.Linear(m, n)
        with fg.no_grad():
            lin.weight.copy_(fg.tensor(params[f"W{k}"].T.copy()))
            lin.bias.copy_(fg.tensor(params[f"b{k}"]))
        layers += [lin, nn.Tanh()]
    return nn.Sequential(*layers[:-1])


def torch_model(params: dict):
    layers = []
    for k, (m, n) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        lin = torch.nn.Linear(m, n)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(params[f"W{k}"].T.copy()))
            lin.bias.copy_(torch.from_numpy(params[f"b{k}"]))
        layers += [lin, torch.nn.Tanh()]
    return torch.nn.Sequential(*layers[:-1])


def fg_step(model, opt, X, y):
    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        return loss
    return step


def torch_step(model, opt, X, y):
    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        return loss
    return step


def weights_fg(model) -> list:
    return [p.detach().numpy() for p in model.parameters()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer samples")
    ap.add_argument("--no-torch-compile", action="store_true", help="skip torch.compile (its build takes a while)")
    ap.add_argument("--batch", type=int, default=128, help="rows of the batch (at most 128; small batches show "
                                                            "the Python overhead that compile removes)")
    args = ap.parse_args()
    notes: list = []
    Xn, yn = load_batch(notes)
    Xn, yn = Xn[:args.batch], yn[:args.batch]
    params = init_params()
    X, y = fg.tensor(Xn), fg.tensor(yn)
    steps = {}
    check = {}

    eager = funcgrad_model(params)
    steps["funcgrad eager"] = fg_step(eager, fg.optim.SGD(eager.parameters(), lr=LR), X, y)
    inner = funcgrad_model(params)
    compiled = fg.compile(inner)
    steps["funcgrad.compile"] = fg_step(compiled, fg.optim.SGD(compiled.parameters(), lr=LR), X, y)
    for name in list(steps):
        for _ in range(3):
            steps[name]()
    check["funcgrad.compile"] = max(float(np.max(np.abs(a - b))) for a, b in zip(weights_fg(eager),
                                                                                  weights_fg(inner)))
    assert check["funcgrad.compile"] < 1e-5, check
    assert compiled._compiled.traces == 1, "the step retraced"

    if torch is None:
        notes.append(missing_anchor_note("torch"))
    else:
        tX, ty = torch.from_numpy(Xn), torch.from_numpy(yn)
        tm = torch_model(params)
        steps["PyTorch eager"] = torch_step(tm, torch.optim.SGD(tm.parameters(), lr=LR), tX, ty)
        for _ in range(3):
            steps["PyTorch eager"]()
        check["PyTorch eager"] = max(float(np.max(np.abs(a - b.detach().numpy())))
                                     for a, b in zip(weights_fg(eager), tm.parameters()))
        if not args.no_torch_compile:
            for backend in ("inductor", "aot_eager"):
                tcm = torch_model(params)
                topt = torch.optim.SGD(tcm.parameters(), lr=LR)
                step = torch_step(torch.compile(tcm, backend=backend), topt, tX, ty)
                t0 = time.perf_counter()
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        step()
                except Exception as e:  # noqa: BLE001 - a compiler toolchain missing on this machine
                    notes.append(f"torch.compile(backend={backend!r}) failed here: {type(e).__name__}: "
                                 f"{str(e).splitlines()[0][:120]}")
                    continue
                notes.append(f"torch.compile(backend={backend!r}): first call (compile) "
                             f"{time.perf_counter() - t0:.1f} s")
                step(), step()
                steps[f"torch.compile ({backend})"] = step
                break
    header(f"funcgrad.compile: digits MLP 64-256-256-10 training step (SGD), batch {len(yn)}, float32")
    times = measure_all(steps, repeat=3 if args.quick else 7)
    base = times["funcgrad eager"]
    for name, t in times.items():
        ref = f"   {fmt_ratio(t, times['PyTorch eager'])} of PyTorch eager" if "PyTorch eager" in times else ""
        print(f"  {name:28s} {t * 1e6:9.1f} us   {fmt_ratio(t, base)} of funcgrad eager{ref}")
    # the part compile replaces, alone: forward, loss and backward (the optimizer step is eager Python in all)
    fb = {"funcgrad eager": lambda: nn.functional.cross_entropy(eager(X), y).backward(),
          "funcgrad.compile": lambda: nn.functional.cross_entropy(compiled(X), y).backward()}
    if torch is not None:
        fb["PyTorch eager"] = lambda: torch.nn.functional.cross_entropy(tm(tX), ty).backward()
    print("  forward + loss + backward only:")
    fbt = measure_all(fb, repeat=3 if args.quick else 7)
    for name, t in fbt.items():
        ref = f"   {fmt_ratio(t, fbt['PyTorch eager'])} of PyTorch eager" if "PyTorch eager" in fbt else ""
        print(f"  {name:28s} {t * 1e6:9.1f} us   {fmt_ratio(t, fbt['funcgrad eager'])} of funcgrad eager{ref}")
    for name, d in check.items():
        print(f"  weights after 3 steps, {name} vs funcgrad eager: max |diff| {d:.2e}")
    t0 = time.perf_counter()
    fg.compile(funcgrad_model(params))(X)
    print(f"  funcgrad.compile record + split + replay-codegen (first call, forward only): "
          f"{(time.perf_counter() - t0) * 1e3:.1f} ms")
    for n in notes:
        print(f"  note: {n}")
    print("  (a shared 2-core machine: the absolute times drift, the ratios within one run are the result)")


if __name__ == "__main__":
    main()
