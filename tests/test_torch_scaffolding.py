"""The lines around a PyTorch training script run after ``import funcgrad as torch``: device choice through
torch.accelerator, torch.backends switches, seeding."""
import importlib

import pytest

import funcgrad as torch  # the point of this module


def test_accelerator_device_choice_and_backend_switches():
    device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"
    assert (device == "cpu") == (not torch.cuda.is_available())
    assert torch.accelerator.device_count() == (torch.cuda.device_count() if torch.cuda.is_available() else 0)
    assert torch.accelerator.current_device_index() >= -1
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.deterministic = True
    torch.backends.cuda.matmul.allow_tf32 = True
    assert torch.backends.cudnn.benchmark and not torch.backends.mps.is_available()
    for path in ("funcgrad.backends.cudnn", "funcgrad.backends.mps", "funcgrad.backends.cuda", "funcgrad.accelerator"):
        assert importlib.import_module(path) is not None
    from funcgrad.backends import cudnn
    assert cudnn is torch.backends.cudnn


def test_seeding_makes_initialisation_repeatable():
    torch.manual_seed(1)
    a = torch.nn.Linear(3, 2).weight.detach().numpy()
    torch.manual_seed(1)
    b = torch.nn.Linear(3, 2).weight.detach().numpy()
    assert (a == b).all()


# --- torch.nn's module paths -----------------------------------------------------------------------------------
TORCH_FILES = ("activation", "adaptive", "batchnorm", "channelshuffle", "container", "conv", "distance", "dropout",
               "flatten", "fold", "instancenorm", "linear", "loss", "module", "normalization", "padding",
               "pixelshuffle", "pooling", "rnn", "sparse", "transformer", "upsampling", "utils")


def test_layers_import_from_torchs_module_paths():
    """Every public class of torch.nn that funcgrad.nn has is at funcgrad.nn.<path> where torch has it at
    torch.nn.<path> (torch.nn.modules.activation.MultiheadAttention, torch.nn.parameter.Parameter ...), and is the
    same class as funcgrad.nn.<Name>."""
    import inspect

    tnn = pytest.importorskip("torch.nn")
    checked, wrong = [], []
    for name in sorted(dir(tnn)):
        cls = getattr(tnn, name)
        if name.startswith("_") or not inspect.isclass(cls) or not hasattr(torch.nn, name):
            continue
        path = "funcgrad.nn." + cls.__module__.removeprefix("torch.nn.")
        try:
            found = getattr(importlib.import_module(path), name, None)
        except ImportError:
            found = None
        if found is not getattr(torch.nn, name):
            wrong.append(f"{path}.{name}")
        checked.append(name)
    assert not wrong, f"not at torch's module path: {wrong}"
    assert len(checked) > 100
    assert {"MultiheadAttention", "ParameterList", "Conv2d", "LSTM", "DataParallel"} <= set(checked)
    for file in TORCH_FILES:  # torch's files that hold a class funcgrad has exist under funcgrad.nn.modules
        mod = importlib.import_module(f"torch.nn.modules.{file}")
        mine = [n for n, c in vars(mod).items() if inspect.isclass(c) and c.__module__ == mod.__name__]
        if any(hasattr(torch.nn, n) for n in mine):
            importlib.import_module(f"funcgrad.nn.modules.{file}")


def test_nn_parameter_module_and_common_types():
    from funcgrad.nn.common_types import _size_2_t
    from funcgrad.nn.modules.module import Module
    from funcgrad.nn.parameter import Buffer, Parameter
    assert Module is torch.nn.Module and Parameter is torch.nn.Parameter and Buffer is torch.nn.Buffer
    assert _size_2_t is not None
    from funcgrad.nn.modules.activation import MultiheadAttention
    assert MultiheadAttention(4, 2).in_proj_weight.shape == (12, 4)


# --- serialization: PyTorch's keywords, the safe-globals list, objects refused ------------------------------------
def test_save_of_a_module_or_optimizer_says_to_save_the_state_dict(tmp_path):
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for obj, kind in ((model, "Linear"), (opt, "SGD"), ({"model": model}, "Linear")):
        with pytest.raises(TypeError, match=f"cannot store the {kind} object.*state_dict\\(\\)"):
            torch.save(obj, tmp_path / "x.pt")
        assert not (tmp_path / "x.pt").exists()


def test_load_takes_torchs_keywords(tmp_path):
    import pickle

    model = torch.nn.Linear(2, 1)
    torch.save(model.state_dict(), tmp_path / "m.pt", pickle_module=pickle, pickle_protocol=4,
               _use_new_zipfile_serialization=True)
    for kw in (dict(weights_only=True, map_location="cpu"), dict(weights_only=False, mmap=True, encoding="utf-8"),
               dict(map_location=torch.device("cpu"), pickle_module=pickle), dict(map_location=lambda t, loc: t)):
        state = torch.load(tmp_path / "m.pt", **kw)
        assert list(state) == ["weight", "bias"]
        assert (state["weight"].numpy() == model.weight.detach().numpy()).all()
    torch.nn.Linear(2, 1).load_state_dict(torch.load(tmp_path / "m.pt", weights_only=True))


def test_safe_globals_are_recorded_only():
    import collections

    from funcgrad import serialization
    serialization.clear_safe_globals()
    try:
        serialization.add_safe_globals([collections.OrderedDict, (dict, "builtins.dict")])
        assert serialization.get_safe_globals() == [collections.OrderedDict, (dict, "builtins.dict")]
        with serialization.safe_globals([set, collections.OrderedDict]):
            assert serialization.get_safe_globals() == [collections.OrderedDict, (dict, "builtins.dict"), set]
            serialization.add_safe_globals([frozenset])
        # the block takes away what it added, not what was there before it
        assert serialization.get_safe_globals() == [collections.OrderedDict, (dict, "builtins.dict"), frozenset]
        with pytest.raises(TypeError, match="add_safe_globals"):
            serialization.add_safe_globals("collections.OrderedDict")
        with pytest.raises(TypeError, match="neither a class or function"):
            serialization.safe_globals([3])
        serialization.clear_safe_globals()
        assert serialization.get_safe_globals() == []
    finally:
        serialization.clear_safe_globals()
    assert torch.serialization is serialization


# --- torch.onnx ---------------------------------------------------------------------------------------------------
def test_onnx_is_importable_and_export_says_what_to_do():
    import funcgrad.onnx
    assert funcgrad.onnx is torch.onnx and torch.onnx.is_in_onnx_export() is False
    assert callable(torch.onnx.export)  # tests/test_onnx.py runs it
    with pytest.raises(AttributeError, match=r"dynamo_export is not provided.*funcgrad\.onnx\.export"):
        torch.onnx.dynamo_export
    assert not hasattr(torch.onnx, "dynamo_export")
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        torch.onnx.nothing
