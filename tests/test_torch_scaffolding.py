"""The lines around a PyTorch training script run after ``import funcgrad as torch``: device choice through
torch.accelerator, torch.backends switches, seeding."""
import importlib

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
