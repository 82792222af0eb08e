"""torch.autograd.functional's jacobian, hessian, vjp, jvp, hvp and vhp: values and result layouts as torch's
(tuples of outputs and inputs, jac[i][j] output i w.r.t. input j), strict mode, create_graph."""
import numpy as np
import pytest

import funcgrad as torch  # the point of this module
from funcgrad.autograd import functional as AF

RNG = np.random.default_rng(0)
X, Y = RNG.standard_normal(3), RNG.standard_normal((2, 3))


def f_single(x):
    return (x ** 2).sin() * 3


def f_two_in(x, y):
    return (y * x).sum(0).exp()


def f_two_out(x, y):
    return (x * y).sum(), y.tanh() * x


def scalar(x, y):
    return ((x ** 3).sum() * y.cos().sum())


def _same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
        return
    assert isinstance(ours, torch.Tensor) and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def _both(fn_name, f, inputs, *extra, **kw):
    t = pytest.importorskip("torch")
    import torch.autograd.functional as TF

    def conv(lib, v):
        if isinstance(v, tuple):
            return tuple(conv(lib, e) for e in v)
        return lib.tensor(v)
    ours = getattr(AF, fn_name)(f, conv(torch, inputs), *[conv(torch, e) for e in extra], **kw)
    theirs = getattr(TF, fn_name)(f, conv(t, inputs), *[conv(t, e) for e in extra], **kw)
    _same(ours, theirs)


@pytest.mark.parametrize("f,inputs", [(f_single, X), (f_two_in, (X, Y)), (f_two_out, (X, Y)), (f_single, (X,))],
                         ids=["tensor_in_out", "tuple_in", "tuple_in_out", "one_tuple_in"])
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_layouts_match_torch(f, inputs, vectorize):
    _both("jacobian", f, inputs, vectorize=vectorize)


@pytest.mark.parametrize("inputs", [X, (X, Y)], ids=["tensor", "tuple"])
def test_hessian_matches_torch(inputs):
    f = (lambda x: (x ** 3).sum() * x.sin().sum()) if not isinstance(inputs, tuple) else scalar
    _both("hessian", f, inputs)


def test_vjp_jvp_match_torch():
    _both("vjp", f_single, X, RNG.standard_normal(3))
    _both("vjp", f_two_out, (X, Y), (np.array(1.5), RNG.standard_normal((2, 3))))
    _both("vjp", lambda x: (x ** 2).sum(), X)
    _both("jvp", f_single, X, RNG.standard_normal(3))
    _both("jvp", f_two_out, (X, Y), (RNG.standard_normal(3), RNG.standard_normal((2, 3))))


def test_hvp_vhp_match_torch():
    v = (RNG.standard_normal(3), RNG.standard_normal((2, 3)))
    _both("hvp", scalar, (X, Y), v)
    _both("vhp", scalar, (X, Y), v)
    _both("hvp", lambda x: (x ** 4).sum(), X, RNG.standard_normal(3))


def test_strict_mode_and_independent_inputs():
    x, y = torch.tensor(X), torch.tensor(Y)
    jx, jy = AF.jacobian(lambda a, b: a * 2, (x, y))
    assert jy.shape == (3, 2, 3) and not jy.numpy().any()
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda a, b: a * 2, (x, y), strict=True)
    with pytest.raises(RuntimeError, match="independent"):
        AF.vjp(lambda a, b: (a * 2).sum(), (x, y), strict=True)
    with pytest.raises(TypeError):
        AF.jacobian(f_single, [1.0, 2.0])


def test_create_graph_differentiates_again_to_the_callers_tensors():
    x = torch.tensor(X, requires_grad=True)
    j = AF.jacobian(lambda a: (a ** 3), x, create_graph=True)
    assert j.requires_grad
    j.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * X, rtol=1e-12)
    h = AF.hessian(lambda a: (a ** 3).sum(), torch.tensor(X, requires_grad=True))
    assert not h.requires_grad
    np.testing.assert_allclose(h.numpy(), np.diag(6 * X), rtol=1e-12)
    _, g = AF.vjp(lambda a: (a ** 2).sum(), x, create_graph=True)
    assert g.requires_grad
