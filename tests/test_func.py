"""funcgrad.func: Modules under the functional transforms (functional_call, stack_module_state), as torch.func."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn
from funcgrad.func import functional_call, stack_module_state
from funcgrad.testing import check_grads

rng = np.random.default_rng(3)


def _model():
    fg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh() if hasattr(nn, "Tanh") else nn.Identity(), nn.Linear(4, 2)).double()


def _params(model):
    return {k: v.detach().numpy() for k, v in model.named_parameters()}


X = rng.standard_normal((5, 3))
Y = rng.standard_normal((5, 2))


def _loss(model, p, x, y):
    return fnp.mean((functional_call(model, p, (x,)) - y) ** 2)


def test_gradients_of_a_module_through_functional_call_match_finite_differences():
    model = _model()
    p = _params(model)
    names = sorted(p)
    check_grads(lambda *vals: _loss(model, dict(zip(names, vals)), X, Y), [p[n] for n in names], order=2)


def test_functional_call_agrees_with_the_tensor_face_and_leaves_the_module_alone():
    model = _model()
    before = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    p = {k: v + 0.1 for k, v in _params(model).items()}
    g = fg.grad(lambda q: _loss(model, q, X, Y))(p)
    twin = _model()
    twin.load_state_dict({k: fg.tensor(v) for k, v in p.items()})
    fnp.mean((twin(fg.tensor(X)) - fg.tensor(Y)) ** 2).backward()
    for name, prm in twin.named_parameters():
        np.testing.assert_allclose(g[name], prm.grad.numpy(), rtol=1e-12)
    after = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert all(isinstance(v, nn.Parameter) for v in model.parameters())


def test_per_example_gradients_by_vmap_match_one_gradient_per_example():
    model = _model()
    p = _params(model)
    per = fg.vmap(fg.grad(lambda q, x, y: _loss(model, q, x[None], y[None])), in_axes=(None, 0, 0))(p, X, Y)
    for i in range(len(X)):
        one = fg.grad(lambda q: _loss(model, q, X[i:i + 1], Y[i:i + 1]))(p)
        for k in p:
            np.testing.assert_allclose(per[k][i], one[k], rtol=1e-12, atol=1e-14)


def test_an_ensemble_by_vmap_over_stacked_state():
    models = [_model() for _ in range(3)]
    for i, m in enumerate(models):
        with fg.no_grad():
            for prm in m.parameters():
                prm.mul_(1.0 + i)
    params, buffers = stack_module_state(models)
    assert params["0.weight"].shape == (3, 4, 3) and buffers == {}
    raw = {k: v.detach().numpy() for k, v in params.items()}
    out = fg.vmap(lambda q: functional_call(models[0], q, (X,)))(raw)
    for i, m in enumerate(models):
        np.testing.assert_allclose(out[i], m(fg.tensor(X)).detach().numpy(), rtol=1e-12)


def test_hessian_of_a_module_loss_is_symmetric_and_matches_the_gradient_jacobian():
    model = nn.Linear(2, 1).double()
    p = _params(model)
    h = fg.hessian(lambda w: _loss(model, {"weight": w, "bias": p["bias"]}, X[:, :2], Y[:, :1]))(p["weight"])
    assert h.shape == (1, 2, 1, 2)
    flat = h.reshape(2, 2)
    np.testing.assert_allclose(flat, flat.T, rtol=1e-12)
    np.testing.assert_allclose(flat, 2 * X[:, :2].T @ X[:, :2] / len(X), rtol=1e-12)  # the least-squares Hessian


def test_names_are_checked_and_the_module_is_restored_after_an_error():
    model = _model()
    with pytest.raises(KeyError, match="no parameter or buffer named 'nope'"):
        functional_call(model, {"nope": np.ones(1)}, (X,))
    with pytest.raises(RuntimeError, match="missing"):
        functional_call(model, {"0.weight": _params(model)["0.weight"]}, (X,), strict=True)
    bad = {"0.weight": np.ones((7, 7))}
    with pytest.raises(Exception):
        functional_call(model, bad, (X,))
    assert all(isinstance(v, nn.Parameter) for v in model.parameters())
    assert model[0].weight.shape == (4, 3)


def test_torch_func_parity():
    torch = pytest.importorskip("torch")
    from torch.func import functional_call as t_call, grad as t_grad

    tm = torch.nn.Linear(3, 2).double()
    fm = nn.Linear(3, 2).double()
    fm.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    tp = {k: v.detach() for k, v in tm.named_parameters()}
    x = torch.tensor(X)
    tg = t_grad(lambda q: (t_call(tm, q, (x,)) ** 2).sum())(tp)
    fgr = fg.grad(lambda q: fnp.sum(functional_call(fm, q, (X,)) ** 2))({k: v.numpy() for k, v in tp.items()})
    for k in tp:
        np.testing.assert_allclose(fgr[k], tg[k].numpy(), rtol=1e-12)


# --- torch.func's transform names ---------------------------------------------------------------------------------
from funcgrad import func as ffunc  # noqa: E402


def test_grad_and_value_returns_the_gradient_first_and_nests_aux_as_torch():
    x = rng.standard_normal(4)
    g, v = ffunc.grad_and_value(lambda x: fnp.sum(x ** 3))(x)
    assert np.allclose(g, 3 * x ** 2) and np.isclose(v, np.sum(x ** 3))
    g, (v, aux) = ffunc.grad_and_value(lambda x: (fnp.sum(x ** 2), x * 2), has_aux=True)(x)
    assert np.allclose(g, 2 * x) and np.allclose(aux, 2 * x)
    g0, g1 = ffunc.grad(lambda a, b: fnp.sum(a * b), argnums=(0, 1))(x, x + 1)
    assert np.allclose(g0, x + 1) and np.allclose(g1, x)


def test_vjp_jvp_linearize_jacobians_and_hessian_match_the_derivation():
    x = rng.standard_normal(3)
    out, vjp_fn = ffunc.vjp(fnp.sin, x)
    (ct,) = vjp_fn(np.ones(3))
    assert np.allclose(ct, np.cos(x))
    y, t = ffunc.jvp(fnp.sin, (x,), (np.ones(3),))
    assert np.allclose(y, np.sin(x)) and np.allclose(t, np.cos(x))
    y, lin = ffunc.linearize(fnp.sin, x)
    assert np.allclose(lin(np.full(3, 2.0)), 2 * np.cos(x))
    assert np.allclose(ffunc.jacrev(fnp.sin)(x), np.diag(np.cos(x)))
    assert np.allclose(ffunc.jacfwd(fnp.sin)(x), np.diag(np.cos(x)))
    assert np.allclose(ffunc.hessian(lambda x: fnp.sum(x ** 3))(x), np.diag(6 * x))


def test_vmap_in_dims_out_dims_and_chunk_size_agree_with_a_loop():
    a, w = rng.standard_normal((7, 3)), rng.standard_normal((3, 7))
    f = lambda a, w: fnp.tanh(a * w)  # noqa: E731
    loop = np.stack([np.tanh(a[i] * w[:, i]) for i in range(7)], axis=1)
    for chunk in (None, 1, 3, 7, 10):
        got = ffunc.vmap(f, in_dims=(0, 1), out_dims=1, chunk_size=chunk)(a, w)
        assert np.allclose(got, loop), chunk
    with pytest.raises(ValueError, match="chunk_size"):
        ffunc.vmap(f, chunk_size=0)
    with pytest.raises(ValueError, match="randomness"):
        ffunc.vmap(f, randomness="sometimes")


def test_vmap_randomness_same_shares_draws_and_different_draws_per_example():
    fg.manual_seed(0)
    same = ffunc.vmap(lambda x: x + fg.randn(4), randomness="same")(fg.zeros(5, 4))
    assert np.allclose(same.numpy(), same.numpy()[:1])
    diff = ffunc.vmap(lambda x: x + fg.randn(4), randomness="different")(fg.zeros(5, 4))
    rows = diff.numpy()
    assert len({tuple(r) for r in rows.round(12)}) == 5


def test_per_example_gradients_with_torch_func_names_match_torch():
    torch = pytest.importorskip("torch")
    model = _model()
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    tmodel.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in model.state_dict().items()})

    def loss(lib, m):
        def f(p, x, y):
            return ((lib.func.functional_call(m, p, (x[None],)) - y[None]) ** 2).mean()
        return f
    p = {k: v.detach() for k, v in model.named_parameters()}
    tp = {k: v.detach() for k, v in tmodel.named_parameters()}
    ours = ffunc.vmap(ffunc.grad(loss(fg, model)), in_dims=(None, 0, 0))(p, fg.tensor(X), fg.tensor(Y))
    theirs = torch.func.vmap(torch.func.grad(loss(torch, tmodel)), in_dims=(None, 0, 0))(
        tp, torch.tensor(X), torch.tensor(Y))
    for k in theirs:
        np.testing.assert_allclose(ours[k].numpy(), theirs[k].numpy(), rtol=1e-10, atol=1e-12)
