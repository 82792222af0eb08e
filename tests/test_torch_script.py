"""A whole PyTorch-style training script (tests/data/torch_style_train.py) runs unchanged with ``import funcgrad as
torch``: once with PyTorch, once with funcgrad standing in for ``torch`` (every ``torch`` and ``torch.*`` import
served by the funcgrad module of the same path), from the same initial weights, in float64; the per-step losses,
gradient norms and learning rates and the evaluation results agree.

Each run is a subprocess, so the stand-in never meets the real torch in one interpreter."""
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = pathlib.Path(__file__).parent / "data" / "torch_style_train.py"

# Serves ``torch`` and ``torch.x.y`` as ``funcgrad`` and ``funcgrad.x.y``, then runs the script as __main__; at the
# end, checks that the real torch was never imported.
_AS_FUNCGRAD = r"""
import importlib, importlib.abc, importlib.util, runpy, sys

class TorchIsFuncgrad(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module("funcgrad" + spec.name[len("torch"):])
        self.own_spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self.own_spec  # the import system set it to the torch name's spec

sys.meta_path.insert(0, TorchIsFuncgrad())
script, sys.argv = sys.argv[1], sys.argv[1:]
runpy.run_path(script, run_name="__main__")
import funcgrad
assert sys.modules["torch"] is funcgrad and "torch._C" not in sys.modules, "the real torch was imported"
"""


def _run(tmp_path, name, args, as_funcgrad):
    out = tmp_path / f"{name}.json"
    runner = ["-c", _AS_FUNCGRAD] if as_funcgrad else []
    cmd = [sys.executable, *runner, str(SCRIPT), *args, "--out", str(out), "--checkpoint", str(tmp_path / f"{name}.pt")]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, f"{name} run failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(out.read_text()), done.stdout


@pytest.mark.parametrize("scheduler", ["onecycle", "step"])
def test_the_script_gives_torchs_losses_with_funcgrad_as_torch(tmp_path, scheduler):
    pytest.importorskip("torch")
    pytest.importorskip("safetensors")
    init = tmp_path / "init.safetensors"
    # dropout 0: a dropout mask comes from each library's own generator, which the two runs cannot share
    common = ["--double", "--dropout", "0", "--scheduler", scheduler, "--epochs", "2"]
    ref, ref_out = _run(tmp_path, "torch", common + ["--save-init", str(init)], as_funcgrad=False)
    got, got_out = _run(tmp_path, "funcgrad", common + ["--load-init", str(init)], as_funcgrad=True)
    assert len(got["loss"]) == len(ref["loss"]) == 8
    for key in ("loss", "grad_norm", "lr", "test_loss"):
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-6, atol=1e-12, err_msg=key)
    assert got["correct"] == ref["correct"]
    assert len(set(got["lr"])) > 1  # the scheduler moved the learning rate
    # the checkpoint written by torch.save and read back by torch.load evaluates as the trained model did
    np.testing.assert_allclose(got["restored"][0], got["test_loss"][-1], rtol=1e-12)
    assert got["restored"][1] == got["correct"][-1]
    assert got_out.count("epoch") == ref_out.count("epoch") == 2


def test_the_script_runs_with_its_defaults_on_funcgrad(tmp_path):
    """float32, dropout on, the default schedule, random initial weights: it trains and round-trips its checkpoint."""
    got, _ = _run(tmp_path, "funcgrad", ["--epochs", "3"], as_funcgrad=True)
    assert len(got["loss"]) == 12 and all(np.isfinite(got["loss"]))
    assert max(got["grad_norm"]) > 0
    np.testing.assert_allclose(got["restored"][0], got["test_loss"][-1], rtol=1e-6)
    assert got["restored"][1] == got["correct"][-1]
