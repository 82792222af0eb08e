"""GPU benchmarks: funcgrad on CuPy arrays against PyTorch CUDA, all in one process.

(g1) MLP step: 784-1024-1024-10 tanh MLP, softmax cross-entropy, batch 512, float32; the loss and the gradients of
     all six parameters. funcgrad's functional face (``fg.value_and_grad`` over a dict of CuPy arrays) against
     ``torch.autograd``. Target: funcgrad <= 1.2x PyTorch. Also the peak device memory of one gradient.
(g2) Large matmuls: ``sum(tanh(A @ B) @ C)`` with 4096x4096 float32 matrices, gradients w.r.t. A, B and C.
     Target: funcgrad <= 1.05x PyTorch.
(g3) Small-op overhead: the 126-op elementwise chain of ``bench_overhead.py`` on a 10-element float32 device vector,
     microseconds per op, with a hand-written CuPy row (the kernel launches alone) and a cProfile split of where
     funcgrad's time goes. No target.

GPU work is asynchronous: a timed loop starts and ends with a device synchronization (``funcgrad.cuda.synchronize``
or ``torch.cuda.synchronize``), so the figures are the time the work takes, not the time to queue it. Every
implementation is warmed up, then checked (gradients copied to the host and compared) before anything is timed.

Run: ``python benchmarks/bench_gpu.py [--quick] [--write]``; without CuPy, a GPU or PyTorch CUDA it prints why
and exits 0. ``--write`` replaces the ``## GPU`` section of ``benchmarks/RESULTS.md`` (the CPU sections are left
as they are). See ``benchmarks/GPU.md``.

The funcgrad halves take the array module ``xp`` and a ``sync`` function as parameters, so that the tests run them
on funcgrad's CuPy stand-in (``funcgrad.testing.standin``) and the torch halves on the CPU, at tiny sizes. The
harness they share (timing, peak memory, the profile split, the ``## GPU`` section, the machine) is in
``_gpu_measure.py``; its names are importable from here too.
"""
from __future__ import annotations

import common  # noqa: F401  (first: puts this checkout on sys.path and pins CPU threads, as every benchmark does)

import argparse
import sys
import time
import traceback
from typing import Any, Callable

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.scipy.special import log_softmax

import bench_mlp
import bench_overhead
# the harness (timing, memory, profile split, RESULTS.md, the machine); its names stay importable from here
from _gpu_measure import (GROUP_DOC, GROUPS, PROFILE_CALLS, RESULTS, RTOL, SECTION, WARMUP, Env, Impl,  # noqa: F401
                          PeakTracker, _float32_dtypes, _result, assert_agree, cuda_env, cupy_peak_bytes,
                          extract_gpu_section, gpu_info, gpu_markdown, memory_note, profile_split,
                          replace_gpu_section, split_note, time_impls, to_host_tree, torch_peak_bytes, torch_to_host,
                          write_results)

MLP_SIZES = (784, 1024, 1024, 10)
MLP_BATCH = 512
MATMUL_N = 4096
CHAIN_N = 10
MLP_TARGET = ("PyTorch", 1.2)
MATMUL_TARGET = ("PyTorch", 1.05)
NAMES = bench_mlp.NAMES  # W1, b1, W2, b2, W3, b3


# --- (g1) MLP step ------------------------------------------------------------------------------------------------
def mlp_problem(sizes: tuple = MLP_SIZES, batch: int = MLP_BATCH, seed: int = 0) -> dict:
    """Parameters (float32), a batch X (float32) and labels y (int64), on the host."""
    if len(sizes) != 4:
        raise ValueError("the MLP has three layers: sizes holds four widths")
    rng = np.random.default_rng(seed)
    params = {}
    for k, (m, n) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{k}"] = (rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32)
        params[f"b{k}"] = (0.1 * rng.standard_normal(n)).astype(np.float32)
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch).astype(np.int64)
    return {"params": params, "X": X, "y": y}


def mlp_reference(problem: dict) -> tuple[float, dict]:
    """Loss and gradients in float64 on the host (``bench_mlp``'s hand-written backward pass)."""
    p64 = {k: v.astype(np.float64) for k, v in problem["params"].items()}
    loss, grads = bench_mlp.value_and_grad_numpy(p64, problem["X"].astype(np.float64), problem["y"])
    return float(loss), grads


def mlp_loss_funcgrad(p: dict, X: Any, rows: Any, y: Any) -> Any:
    """Mean softmax cross-entropy of the MLP; ``rows`` is ``arange(batch)`` on the labels' device."""
    h = fnp.tanh(X @ p["W1"] + p["b1"])
    h = fnp.tanh(h @ p["W2"] + p["b2"])
    logp = log_softmax(h @ p["W3"] + p["b3"], axis=1)
    return -fnp.mean(logp[rows, y])


def funcgrad_mlp(xp: Any, sync: Callable[[], None], problem: dict) -> Impl:
    """funcgrad's MLP step on ``xp`` arrays: ``fn()`` returns (loss, gradients), both on the device."""
    params = {k: xp.asarray(v) for k, v in problem["params"].items()}
    X, y = xp.asarray(problem["X"]), xp.asarray(problem["y"])
    rows = xp.arange(len(problem["y"]))  # on the device: CuPy indexes with device arrays without a transfer
    step = fg.value_and_grad(mlp_loss_funcgrad)
    return Impl("funcgrad", lambda: step(params, X, rows, y), sync,
                lambda out: (float(xp.asnumpy(out[0])), to_host_tree(xp, out[1])))


def torch_mlp(torch: Any, device: str, sync: Callable[[], None], problem: dict) -> Impl:
    """The same step in PyTorch (``F.cross_entropy``, ``loss.backward()``): ``fn()`` returns (loss, grads)."""
    F = torch.nn.functional
    tp = {k: torch.tensor(v, device=device, requires_grad=True) for k, v in problem["params"].items()}
    X, y = torch.tensor(problem["X"], device=device), torch.tensor(problem["y"], device=device)

    def clear() -> None:
        for v in tp.values():
            v.grad = None

    def step() -> tuple:
        clear()
        h = torch.tanh(X @ tp["W1"] + tp["b1"])
        h = torch.tanh(h @ tp["W2"] + tp["b2"])
        loss = F.cross_entropy(h @ tp["W3"] + tp["b3"], y)
        loss.backward()
        return loss, {k: v.grad for k, v in tp.items()}

    return Impl("PyTorch", step, sync, lambda out: (float(out[0].item()), torch_to_host(out[1])), clear)


def check_mlp(impls: list[Impl], reference: tuple[float, dict] | None) -> None:
    """Every implementation's loss and gradients agree with the first one's and with ``reference``."""
    outs = [im.host(im.fn()) for im in impls]
    for im, (loss, grads) in zip(impls, outs):
        _float32_dtypes(im.name, grads)
        if reference is not None:
            assert_agree(f"{im.name} loss vs float64 NumPy", loss, reference[0], 1e-4)
            assert_agree(f"{im.name} vs float64 NumPy", grads, reference[1])
    for im, out in zip(impls[1:], outs[1:]):
        assert_agree(f"{im.name} loss vs {impls[0].name}", out[0], outs[0][0], 1e-4)
        assert_agree(f"{im.name} vs {impls[0].name}", out[1], outs[0][1])


def bench_mlp_gpu(env: Env, quick: bool, sizes: tuple = MLP_SIZES, batch: int = MLP_BATCH,
                  number: int | None = None) -> dict:
    """(g1): check, measure memory, time; a result dict in ``run_all``'s format."""
    problem = mlp_problem(sizes, batch)
    fg_impl = funcgrad_mlp(env.xp, env.sync, problem)
    t_impl = torch_mlp(env.torch, env.torch_device, env.torch_sync, problem)
    check_mlp([fg_impl, t_impl], mlp_reference(problem))
    notes = [f"before timing, funcgrad's and PyTorch's loss and gradients were checked against each other and "
             f"against a float64 NumPy computation on the host (rtol {RTOL})",
             memory_note(env, fg_impl, t_impl)]
    secs = time_impls([fg_impl, t_impl], repeat=5 if quick else 20, min_time=0.05, number=number)
    return _result("mlp-gpu", f"(g1) MLP step on the GPU: {'-'.join(map(str, sizes))} tanh, softmax "
                   f"cross-entropy, batch {batch}, float32, forward+backward", "us/step", 1e6, secs,
                   notes + env.notes, MLP_TARGET)


# --- (g2) large matmuls -------------------------------------------------------------------------------------------
def matmul_problem(n: int = MATMUL_N, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A, B, C: float32, scaled so that A @ B is O(1) and tanh does not saturate everywhere."""
    rng = np.random.default_rng(seed)
    scale = np.float32(1.0 / np.sqrt(n))
    return tuple(rng.standard_normal((n, n), dtype=np.float32) * scale for _ in range(3))


def matmul_reference(A: np.ndarray, B: np.ndarray, C: np.ndarray) -> tuple:
    """Gradients of sum(tanh(A @ B) @ C) w.r.t. A, B, C, in float64 on the host (upstream gradient all ones)."""
    A, B, C = (m.astype(np.float64) for m in (A, B, C))
    T = np.tanh(A @ B)
    G = np.ones((A.shape[0], C.shape[1]))
    dZ = (G @ C.T) * (1.0 - T * T)
    return dZ @ B.T, A.T @ dZ, T.T @ G


def matmul_loss_funcgrad(A: Any, B: Any, C: Any) -> Any:
    """sum(tanh(A @ B) @ C)."""
    return fnp.sum(fnp.tanh(A @ B) @ C)


def funcgrad_matmul(xp: Any, sync: Callable[[], None], problem: tuple) -> Impl:
    """funcgrad's gradients of the matmul chain on ``xp`` arrays: ``fn()`` returns (dA, dB, dC) on the device."""
    A, B, C = (xp.asarray(m) for m in problem)
    g = fg.grad(matmul_loss_funcgrad, argnums=(0, 1, 2))
    return Impl("funcgrad", lambda: g(A, B, C), sync, lambda out: to_host_tree(xp, out))


def torch_matmul(torch: Any, device: str, sync: Callable[[], None], problem: tuple) -> Impl:
    """The same gradients in PyTorch (``.sum().backward()``): ``fn()`` returns (dA, dB, dC)."""
    ts = [torch.tensor(m, device=device, requires_grad=True) for m in problem]

    def clear() -> None:
        for t in ts:
            t.grad = None

    def step() -> tuple:
        clear()
        A, B, C = ts
        (torch.tanh(A @ B) @ C).sum().backward()
        return tuple(t.grad for t in ts)

    return Impl("PyTorch", step, sync, torch_to_host, clear)


def check_grads(impls: list[Impl], reference: tuple | None) -> None:
    """Every implementation's gradients (a tuple) agree with the first one's and with ``reference``."""
    outs = [im.host(im.fn()) for im in impls]
    for im, grads in zip(impls, outs):
        _float32_dtypes(im.name, grads)
        if reference is not None:
            assert_agree(f"{im.name} vs float64 NumPy", grads, reference)
    for im, grads in zip(impls[1:], outs[1:]):
        assert_agree(f"{im.name} vs {impls[0].name}", grads, outs[0])


def bench_matmul_gpu(env: Env, quick: bool, n: int = MATMUL_N, number: int | None = None) -> dict:
    """(g2): check, measure memory, time; a result dict in ``run_all``'s format."""
    problem = matmul_problem(n)
    fg_impl = funcgrad_matmul(env.xp, env.sync, problem)
    t_impl = torch_matmul(env.torch, env.torch_device, env.torch_sync, problem)
    # a float64 host reference costs minutes at full size on one CPU thread: there the two libraries are checked
    # against each other only
    reference = matmul_reference(*problem) if n <= 1024 else None
    check_grads([fg_impl, t_impl], reference)
    against = "each other" + (" and a float64 NumPy computation on the host" if reference is not None else "")
    notes = [f"before timing, funcgrad's and PyTorch's gradients were checked against {against} (rtol {RTOL})",
             memory_note(env, fg_impl, t_impl)]
    secs = time_impls([fg_impl, t_impl], repeat=3 if quick else 9, min_time=0.2, number=number)
    return _result("matmul-gpu", f"(g2) Large matmuls on the GPU: sum(tanh(A @ B) @ C), {n}x{n} float32, grads "
                   f"w.r.t. A, B, C", "ms/step", 1e3, secs, notes + env.notes, MATMUL_TARGET)


# --- (g3) small-op overhead ---------------------------------------------------------------------------------------
def chain_input(n: int = CHAIN_N) -> np.ndarray:
    """The overhead chain's input: ``n`` float32 values in [-1, 1]."""
    return np.linspace(-1.0, 1.0, n).astype(np.float32)


def chain_grad_handwritten(xp: Any, x: Any) -> Any:
    """``bench_overhead.grad_numpy`` on ``xp`` arrays: the kernel launches a gradient of the chain needs, with no
    framework around them."""
    return bench_overhead.grad_numpy(x, xp=xp)


def funcgrad_chain(xp: Any, sync: Callable[[], None], x_host: np.ndarray) -> Impl:
    """funcgrad's gradient of the overhead chain on an ``xp`` vector."""
    x = xp.asarray(x_host)
    g = fg.grad(bench_overhead.chain_funcgrad)
    return Impl("funcgrad", lambda: g(x), sync, xp.asnumpy)


def handwritten_chain(xp: Any, sync: Callable[[], None], x_host: np.ndarray) -> Impl:
    """:func:`chain_grad_handwritten` on an ``xp`` vector: the floor row of (g3)."""
    x = xp.asarray(x_host)
    return Impl("CuPy (hand-written)", lambda: chain_grad_handwritten(xp, x), sync, xp.asnumpy)


def torch_chain(torch: Any, device: str, sync: Callable[[], None], x_host: np.ndarray) -> Impl:
    """``bench_overhead.chain_torch`` on a tensor of ``device``, then ``backward()``."""
    x = torch.tensor(x_host, device=device, requires_grad=True)

    def clear() -> None:
        x.grad = None

    def step() -> Any:
        clear()
        bench_overhead.chain_torch(x, torch).backward()
        return x.grad

    return Impl("PyTorch", step, sync, torch_to_host, clear)


def bench_chain_gpu(env: Env, quick: bool, n: int = CHAIN_N, number: int | None = None) -> dict:
    """(g3): check, time, profile; a result dict in ``run_all``'s format, plus the profile ``split``."""
    x = chain_input(n)
    fg_impl = funcgrad_chain(env.xp, env.sync, x)
    hw_impl = handwritten_chain(env.xp, env.sync, x)
    t_impl = torch_chain(env.torch, env.torch_device, env.torch_sync, x)
    want = bench_overhead.grad_numpy(x.astype(np.float64))
    outs = [im.host(im.fn()) for im in (hw_impl, fg_impl, t_impl)]
    for im, out in zip((hw_impl, fg_impl, t_impl), outs):
        _float32_dtypes(im.name, (out,))
        assert_agree(f"{im.name} vs float64 NumPy", out, want)
    secs = time_impls([hw_impl, fg_impl, t_impl], repeat=5 if quick else 20, min_time=0.05, number=number)
    split = profile_split(fg_impl.fn, env.sync, env.xp)
    n_ops = bench_overhead.N_OPS
    notes = [f"before timing, each row's gradient was checked against a float64 NumPy computation (rtol {RTOL})",
             split_note(split, secs["funcgrad"] / n_ops * 1e6, secs[hw_impl.name] / n_ops * 1e6, env.lib)]
    res = _result("overhead-gpu", f"(g3) Small-op overhead on the GPU: grad of {n_ops} elementwise ops on a "
                  f"{n}-element float32 vector", "us/op", 1e6 / n_ops, secs, notes, [])
    res["split"] = split
    return res


BENCHMARKS = (("mlp", bench_mlp_gpu), ("matmul", bench_matmul_gpu), ("overhead", bench_chain_gpu))


def run(env: Env, quick: bool = False, only: list | None = None, sizes: dict | None = None,
        number: int | None = None) -> tuple[list[dict], list[str]]:
    """Run the benchmarks (``only`` those named), printing each table; returns (results, failures).

    ``sizes`` overrides the problem sizes per benchmark (the tests run tiny ones); ``number`` fixes the loop
    length of a timing sample. A benchmark that raises is reported and skipped, so that one failure does not
    cost the others' figures."""
    from run_all import print_result

    results, failures = [], []
    for name, bench in BENCHMARKS:
        if only and name not in only:
            continue
        try:
            res = bench(env, quick, **(sizes or {}).get(name, {}), number=number)
        except Exception as e:
            traceback.print_exc()
            failures.append(f"{name}: {type(e).__name__}: {e}")
            print(f"bench_gpu: {name} failed: {type(e).__name__}: {e}")
            continue
        print_result(res)
        results.append(res)
    return results, failures


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats (rougher numbers)")
    p.add_argument("--write", action="store_true", help="replace the '## GPU' section of benchmarks/RESULTS.md")
    p.add_argument("--only", nargs="*", choices=[name for name, _ in BENCHMARKS], help="run only these")
    args = p.parse_args(argv)

    env, reason = cuda_env()
    if env is None:
        print(f"bench_gpu: skipped: {reason}")
        return 0
    info = gpu_info(env)
    print(f"{info['gpu']}; CUDA {info['cuda']}; CuPy {info['cupy']}, PyTorch {info['torch']} "
          f"(CUDA {info['torch_cuda']}), funcgrad {info['funcgrad']}")
    t0 = time.perf_counter()
    results, failures = run(env, quick=args.quick, only=args.only)
    elapsed = time.perf_counter() - t0
    print(f"\ntotal {elapsed:.0f} s")
    if args.write and results:
        write_results(gpu_markdown(results, failures, info, elapsed))
        print(f"wrote the '{SECTION}' section of {RESULTS}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
