"""The examples run end to end and do what their docstrings promise."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")


def _env() -> dict:
    """The examples import funcgrad from the checkout and use one BLAS thread, as on the 2-core CI machines."""
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def _run(script: str, *args: str, timeout: int = 120) -> str:
    """Run ``examples/<script>`` with ``args``; assert it succeeded and return what it printed."""
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args], capture_output=True, text=True,
                          timeout=timeout, env=_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _printed(stdout: str, label: str) -> float:
    """The number on the line ``label: <number> ...``."""
    line = next(ln for ln in stdout.splitlines() if ln.startswith(label + ":"))
    return float(line.split(":")[1].split()[0])


def _assert_figure(stdout: str, out) -> None:
    """The example printed where it saved its figure, and a PNG is there."""
    assert f"figure saved to {out}" in stdout, stdout
    assert out.exists() and out.stat().st_size > 1000
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def _load_example(name: str, alias: str):
    """A fresh module object for ``examples/<name>.py`` (two aliases can be bound to two libraries at once)."""
    import importlib.util

    sys.path.insert(0, EXAMPLES)  # for their shared ``_digits``
    try:
        spec = importlib.util.spec_from_file_location(alias, os.path.join(EXAMPLES, name + ".py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.pop(0)
    return mod


def _needs(*mods: str) -> None:
    for mod in mods:
        pytest.importorskip(mod)


def test_digits_mlp_trains_to_95_percent(tmp_path):
    _needs("sklearn", "matplotlib", "tqdm")
    out = tmp_path / "loss.png"
    # fewer epochs than the default keep the test quick; 10 epochs already reach about 98% test accuracy
    stdout = _run("digits_mlp.py", "--epochs", "10", "--out", str(out))
    assert _printed(stdout, "test accuracy") >= 0.95, stdout
    assert str(out) in stdout
    assert out.exists() and out.stat().st_size > 1000
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_digits_torch_style_trains_to_95_percent():
    _needs("sklearn")
    # 10 epochs instead of the default 30 keep the test quick and already reach about 97% test accuracy
    stdout = _run("digits_torch_style.py", "--epochs", "10", "--seed", "0")
    assert "trained with funcgrad" in stdout, stdout
    assert _printed(stdout, "test accuracy") >= 0.95, stdout


def test_digits_torch_style_trains_on_a_gpu_device():
    """The example's GPU path (``--device cuda``), on the CuPy stand-in where there is no GPU: the same training
    code moves its data with ``.to(device)``, creates parameters and draws permutations there, and learns."""
    pytest.importorskip("sklearn")
    import funcgrad as fg
    from funcgrad.testing import standin

    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import _digits
        import digits_torch_style as ex
    finally:
        sys.path.pop(0)
    installed = not fg.cuda.is_available()
    if installed:
        standin.install()
    standin.reset_host_syncs()
    try:
        acc = ex.train(*_digits.load_data(0), epochs=5, seed=0, device="cuda")
    finally:
        if installed:
            standin.uninstall()
    assert acc >= 0.9
    if installed:  # the per-batch loss.item() read a device value: the training really ran on the device
        assert standin.host_syncs() >= 5


# --- the training examples of issue 13: each in its short mode (a few seconds), cnn_digits also in full -----------

def test_cnn_digits_short_mode_learns(tmp_path):
    _needs("sklearn", "matplotlib", "tqdm")
    out = tmp_path / "cnn.png"
    stdout = _run("cnn_digits.py", "--short", "--out", str(out))
    assert "trained with funcgrad for 3 epochs" in stdout, stdout
    assert _printed(stdout, "test accuracy") >= 0.6, stdout  # chance is 0.1; 3 short augmented epochs give ~0.7
    _assert_figure(stdout, out)


def test_cnn_digits_short_mode_learns_with_augmenting_workers(tmp_path):
    _needs("sklearn", "matplotlib", "tqdm")
    out = tmp_path / "cnn.png"
    stdout = _run("cnn_digits.py", "--short", "--workers", "2", "--out", str(out))
    assert "trained with funcgrad and 2 workers for 3 epochs" in stdout, stdout
    assert _printed(stdout, "test accuracy") >= 0.6, stdout
    _assert_figure(stdout, out)


def test_cnn_digits_augmentation_is_a_small_shift_and_rotation_drawn_in_each_worker():
    """``augment`` against SciPy's bilinear affine warp with the same draws; in DataLoader workers its draws differ
    between the workers and repeat with the loader's seed."""
    ndimage = pytest.importorskip("scipy.ndimage")
    import funcgrad as fg
    from funcgrad.utils.data import DataLoader

    ex = _load_example("cnn_digits", "cnn_digits_augment")
    image = np.random.default_rng(0).uniform(0, 16, (8, 8))
    for seed in range(5):
        np.random.seed(seed)
        got = ex.augment(image)
        np.random.seed(seed)  # the same draws, in the same order
        angle, shift = np.deg2rad(np.random.uniform(-10, 10)), np.random.randint(-1, 2, size=2)
        assert abs(angle) <= np.deg2rad(10) and np.abs(shift).max() <= 1
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        centre = np.full(2, 3.5)  # output pixel o reads the input at rot @ (o - centre - shift) + centre
        want = ndimage.affine_transform(image, rot, offset=centre - rot @ (centre + shift), order=1,
                                        mode="grid-constant", cval=0.0)
        np.testing.assert_allclose(got, want, atol=1e-9)

    same = ex.AugmentedDigits(np.tile(image.reshape(1, 64), (8, 1)), np.arange(8), 0.0, 1.0)  # one image, 8 times

    def run(seed):
        loader = DataLoader(same, batch_size=4, num_workers=2, generator=fg.Generator().manual_seed(seed))
        return [np.asarray(x) for x, _ in loader]  # batch 0 from worker 0, batch 1 from worker 1

    a, b, c = run(0), run(0), run(1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.allclose(a[0], a[1]) and not np.allclose(a[0], c[0])


def test_cnn_digits_full_mode_reaches_97_percent(tmp_path):
    """The full run (20 epochs, about 10 s on 2 cores) reaches the accuracy its docstring promises."""
    _needs("sklearn", "matplotlib", "tqdm")
    out = tmp_path / "cnn.png"
    stdout = _run("cnn_digits.py", "--out", str(out))
    assert "for 20 epochs" in stdout, stdout
    assert _printed(stdout, "test accuracy") >= 0.97, stdout
    _assert_figure(stdout, out)


@pytest.mark.parametrize("model", ["transformer", "lstm"])
def test_char_model_short_mode_beats_the_unigram_entropy(tmp_path, model):
    _needs("matplotlib", "tqdm")
    out = tmp_path / "char.png"
    stdout = _run("char_transformer.py", "--short", "--model", model, "--out", str(out))
    entropy, first, final = (_printed(stdout, k) for k in
                             ("unigram entropy", "first training loss", "final validation loss"))
    with open(os.path.join(EXAMPLES, "data", "verses.txt")) as f:
        text = f.read()
    assert 2.5 < entropy < 3.5  # printed by the example; about 3.0 nats for English-like text
    # 60 steps already use context: clearly below what character frequencies alone give, and below the start
    assert final < entropy - 0.5 and final < first - 1.0, stdout
    lines = stdout.splitlines()
    sample = "\n".join(lines[lines.index("sample:") + 1:lines.index("end of sample")])
    assert sample.startswith("1. of the") and len(sample) == len("1. of the") + 240, sample
    assert set(sample) <= set(text)
    _assert_figure(stdout, out)


def test_per_example_clipping_short_mode_learns(tmp_path):
    _needs("sklearn", "matplotlib", "tqdm")
    out = tmp_path / "dp.png"
    stdout = _run("per_example_clipping.py", "--short", "--out", str(out))
    assert "(C = 1, sigma = 1)" in stdout, stdout
    assert _printed(stdout, "test accuracy") >= 0.6, stdout  # chance is 0.1; 2 noisy epochs give about 0.88
    _assert_figure(stdout, out)


def test_per_example_clipping_runs_on_torch(tmp_path):
    """``--lib torch`` runs the same lines on torch.func: the example has no branch on the library."""
    _needs("torch", "sklearn", "matplotlib", "tqdm")
    out = tmp_path / "dp.png"
    stdout = _run("per_example_clipping.py", "--short", "--lib", "torch", "--out", str(out))
    assert "trained with torch" in stdout and _printed(stdout, "test accuracy") >= 0.6, stdout
    _assert_figure(stdout, out)


def _digit_batch(n: int):
    """The first ``n`` training digits as float64 images and their labels."""
    sys.path.insert(0, EXAMPLES)
    try:
        import _digits
    finally:
        sys.path.pop(0)
    X, _, y, _ = _digits.load_data(0)
    return X[:n].reshape(n, 1, 8, 8).astype("float64"), y[:n]


def test_per_example_gradients_equal_a_loop_over_examples():
    """``vmap(grad(loss))`` over ``functional_call`` gives, for each example, the gradient that ``backward()`` of
    that example's loss alone gives; clipping bounds each example's total norm by C and leaves smaller ones be."""
    _needs("sklearn")
    import numpy as np

    ex = _load_example("per_example_clipping", "per_example_clipping_fg")
    ex.use("funcgrad")
    fg = ex.torch
    fg.manual_seed(0)
    model = ex.make_model().double()
    X, y = _digit_batch(5)
    x, t = fg.from_numpy(X), fg.from_numpy(y)
    params = {k: v.detach() for k, v in model.named_parameters()}
    per_ex = ex.per_example_grads(model, params, x, t)
    assert set(per_ex) == set(params)
    for i in range(len(X)):
        model.zero_grad()
        fg.nn.functional.cross_entropy(model(x[i:i + 1]), t[i:i + 1]).backward()
        for name, p in model.named_parameters():
            assert per_ex[name].shape == (len(X),) + p.shape
            np.testing.assert_allclose(per_ex[name][i].numpy(), p.grad.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"example {i}, {name}")

    norms = np.sqrt(sum((g.numpy().reshape(len(X), -1) ** 2).sum(axis=1) for g in per_ex.values()))
    bound = float(np.median(norms))  # some examples above it, some below
    clipped, got_norms = ex.clip(per_ex, bound)
    np.testing.assert_allclose(got_norms.numpy(), norms, rtol=1e-10)
    after = np.sqrt(sum((g.numpy().reshape(len(X), -1) ** 2).sum(axis=1) for g in clipped.values()))
    np.testing.assert_allclose(after, np.minimum(norms, bound), rtol=1e-5)
    for name, g in clipped.items():  # scaled, not turned
        scale = np.minimum(1.0, bound / norms).reshape((-1,) + (1,) * (g.dim() - 1))
        np.testing.assert_allclose(g.numpy(), per_ex[name].numpy() * scale, rtol=1e-5, atol=1e-12)


def test_per_example_gradients_match_torch_func():
    """The same weights and examples give funcgrad.func and torch.func the same per-example gradients."""
    _needs("torch", "sklearn")
    import numpy as np

    ours = _load_example("per_example_clipping", "per_example_clipping_fg")
    theirs = _load_example("per_example_clipping", "per_example_clipping_torch")
    ours.use("funcgrad")
    theirs.use("torch")
    theirs.torch.manual_seed(0)
    tm = theirs.make_model().double()
    fm = ours.make_model().double()
    fm.load_state_dict(tm.state_dict())
    X, y = _digit_batch(6)
    got = ours.per_example_grads(fm, {k: v.detach() for k, v in fm.named_parameters()},
                                 ours.torch.from_numpy(X), ours.torch.from_numpy(y))
    want = theirs.per_example_grads(tm, {k: v.detach() for k, v in tm.named_parameters()},
                                    theirs.torch.from_numpy(X), theirs.torch.from_numpy(y))
    assert set(got) == set(want)
    for name in want:
        np.testing.assert_allclose(got[name].numpy(), want[name].numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_hogwild_two_processes_reach_the_single_process_accuracy(tmp_path):
    """Two processes train one shared model at once (short mode); the shared parameters they update end as
    accurate as one process's training: the updates of both land in the same memory."""
    for mod in ("sklearn", "matplotlib", "tqdm"):
        pytest.importorskip(mod)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    acc = {}
    for n in (1, 2):
        out = tmp_path / f"hogwild{n}.png"
        proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "hogwild.py"), "--short",
                               "--processes", str(n), "--out", str(out)], capture_output=True, text=True,
                              timeout=120, env=env, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        assert f"{n} processes" in proc.stdout and str(out) in proc.stdout, proc.stdout
        line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("test accuracy:"))
        acc[n] = float(line.split(":")[1])
        with open(out, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert acc[2] >= 0.9 and acc[2] >= acc[1] - 0.03, acc


def test_ode_fit_recovers_the_oscillator_parameters():
    """Gradient descent through odeint (adjoint gradients) finds the damped oscillator's frequency and damping
    from noisy positions (short mode), and the loss falls to about the noise level."""
    out = _run("ode_fit.py", "--short")
    assert abs(_printed(out, "omega") - 2.0) < 0.05 and abs(_printed(out, "zeta") - 0.15) < 0.02, out
    assert _printed(out, "final loss") < 0.01 * _printed(out, "initial loss"), out


@pytest.mark.parametrize("face", ["torch", "functional"])
def test_ddp_digits_short_mode_learns_on_one_and_two_processes(face):
    """The data-parallel example in short mode: as a single process, and under mpiexec -n 2 (when mpi4py and an
    mpiexec are installed), where both ranks' shards together give the same accuracy."""
    _needs("sklearn")
    one = _run("ddp_digits.py", "--short", "--face", face)
    assert f"{face} face" in one and _printed(one, "test accuracy") >= 0.9, one
    pytest.importorskip("mpi4py")
    from funcgrad.distributed.run import find_mpiexec
    try:
        mpiexec = find_mpiexec()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    proc = subprocess.run([mpiexec, "-n", "2", sys.executable, os.path.join(EXAMPLES, "ddp_digits.py"), "--short",
                           "--face", face], capture_output=True, text=True, timeout=120, env=_env(), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 processes" in proc.stdout and _printed(proc.stdout, "bytes all-reduced per step") > 0, proc.stdout
    assert abs(_printed(proc.stdout, "test accuracy") - _printed(one, "test accuracy")) <= 0.02, (one, proc.stdout)
