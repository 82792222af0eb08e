"""The harness of the Tensor-face parity tests: run the same code with ``torch`` and with ``funcgrad`` (float64),
and compare the values, dtypes and the gradients of every input (skipped where torch is missing)."""
import numpy as np
import pytest

import _backend as B
import funcgrad as fg


def torch_dtype(t) -> np.dtype:
    """A torch tensor's dtype as NumPy's."""
    return np.dtype(str(t.dtype).replace("torch.", ""))


def cases(table):
    """pytest params from rows ``(id, fn, arrays, ...)``, named by id."""
    return [pytest.param(*c[1:], id=c[0]) for c in table]


def check_against_torch(fn, arrays, rtol: float = 1e-10, atol: float = 1e-12, grad_rtol: float | None = None,
                        grad_atol: float | None = None, seed: int = 0) -> None:
    """``fn(torch, *tensors)`` and ``fn(funcgrad, *tensors)`` agree: shape, dtype and values, and the gradient of
    ``sum(out * w)`` (a random ``w``) with respect to every input; an input torch gives no (or a zero) gradient must
    get none or zeros."""
    torch = pytest.importorskip("torch")
    import torch.special  # noqa: F401  (torch.special.* in the tables)

    tx = [torch.tensor(a, requires_grad=True) for a in arrays]
    fx = [fg.tensor(a, requires_grad=True) for a in arrays]
    ty, fy = fn(torch, *tx), fn(fg, *fx)
    assert isinstance(fy, fg.Tensor)
    assert fy.shape == tuple(ty.shape)
    assert fy.dtype == torch_dtype(ty)
    np.testing.assert_allclose(B.to_numpy(fy), ty.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    (fy * fg.tensor(w)).sum().backward()
    for i, (t, f) in enumerate(zip(tx, fx)):
        if t.grad is None or not np.any(t.grad.numpy()):
            assert f.grad is None or np.all(B.to_numpy(f.grad) == 0), f"input {i}"
        else:
            assert f.grad is not None, f"input {i} got no gradient"
            np.testing.assert_allclose(B.to_numpy(f.grad), t.grad.numpy(), rtol=grad_rtol or rtol * 10,
                                       atol=grad_atol or atol * 10, err_msg=f"input {i}")
