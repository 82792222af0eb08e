"""``cross_entropy`` and ``nll_loss`` with class-index targets under the transforms: per-example gradients
``vmap(grad(loss))`` with the targets batched (so traced) equal a Python loop of gradients, on plain arrays and on
Tensors (``funcgrad.func``), and equal ``torch.func.vmap(torch.func.grad(...))`` (skipped without torch); ``jacfwd``
agrees with ``jacrev``, also under ``vmap``; out-of-range targets raise naming the bound, concrete or traced.
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.func as ffunc
import funcgrad.nn.functional as F
import funcgrad.numpy as fnp

B, D, FEAT, C = 4, 3, 5, 6  # examples, positions per example, features, classes
rng = np.random.default_rng(7)
W = rng.standard_normal((FEAT, C))
X = rng.standard_normal((B, D, FEAT))
Y = rng.integers(0, C, size=(B, D))
Y_IGN = Y.copy()
Y_IGN[0, 1] = Y_IGN[2, 0] = Y_IGN[3, 2] = -100  # each example keeps a counted position: no 0/0 mean
CW = rng.uniform(0.5, 2.0, size=C)

# (id, loss(lib_F, logits (D, C), targets (D,)), targets): logits per example, classes at dim 1 or a K-dim input
LOSSES = [
    ("ce_mean", lambda F, z, y: F.cross_entropy(z, y), Y),
    ("ce_weight_ignore", lambda F, z, y: F.cross_entropy(z, y, weight=CW, ignore_index=-100), Y_IGN),
    ("ce_smoothing_sum", lambda F, z, y: F.cross_entropy(z, y, label_smoothing=0.2, reduction="sum"), Y_IGN),
    ("ce_kdim_weight", lambda F, z, y: F.cross_entropy(z.T[None], y[None], weight=CW), Y),
    ("ce_one_position", lambda F, z, y: F.cross_entropy(z[0], y[0]), Y),
    ("nll_weight_ignore_mean", lambda F, z, y: F.nll_loss(F.log_softmax(z, 1), y, weight=CW, ignore_index=2),
     Y),
    ("nll_none", lambda F, z, y: F.nll_loss(F.log_softmax(z, 1), y, reduction="none").sum(), Y_IGN % C),
]
IDS = [c[0] for c in LOSSES]


@pytest.mark.parametrize("loss, targets", [c[1:] for c in LOSSES], ids=IDS)
def test_per_example_gradients_on_arrays_equal_a_loop(loss, targets):
    def f(w, x, y):
        return loss(F, fnp.matmul(x, w), y)
    per = fg.vmap(fg.grad(f), in_axes=(None, 0, 0))(W, X, targets)
    assert isinstance(per, np.ndarray) and per.shape == (B, FEAT, C)
    for i in range(B):
        np.testing.assert_allclose(per[i], fg.grad(f)(W, X[i], targets[i]), rtol=1e-12, atol=1e-14)
    values = fg.vmap(f, in_axes=(None, 0, 0))(W, X, targets)
    np.testing.assert_allclose(values, [f(W, X[i], targets[i]) for i in range(B)], rtol=1e-12)


@pytest.mark.parametrize("loss, targets", [c[1:] for c in LOSSES], ids=IDS)
def test_per_example_gradients_on_tensors_match_torch_func(loss, targets):
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional

    class TorchF:  # the class weights as a torch tensor, everything else torch's F
        def __getattr__(self, name):
            fn = getattr(tF, name)

            def call(*a, **k):
                if isinstance(k.get("weight"), np.ndarray):
                    k["weight"] = torch.tensor(k["weight"])
                return fn(*a, **k)
            return call

    def ours(w, x, y):
        return loss(F, x @ w, y)

    def theirs(w, x, y):
        return loss(TorchF(), x @ w, y)

    got = ffunc.vmap(ffunc.grad(ours), in_dims=(None, 0, 0))(fg.tensor(W), fg.tensor(X), fg.tensor(targets))
    want = torch.func.vmap(torch.func.grad(theirs), in_dims=(None, 0, 0))(torch.tensor(W), torch.tensor(X),
                                                                           torch.tensor(targets))
    assert isinstance(got, fg.Tensor)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("loss, targets", [LOSSES[1][1:], LOSSES[3][1:]], ids=[IDS[1], IDS[3]])
def test_jacfwd_agrees_with_jacrev_and_under_vmap_with_a_loop(loss, targets):
    def f(w, x, y):
        return loss(F, fnp.matmul(x, w), y)
    fwd, rev = fg.jacfwd(f)(W, X[0], targets[0]), fg.jacrev(f)(W, X[0], targets[0])
    np.testing.assert_allclose(fwd, rev, rtol=1e-12, atol=1e-14)
    per = fg.vmap(fg.jacfwd(f), in_axes=(None, 0, 0))(W, X, targets)
    for i in range(B):
        np.testing.assert_allclose(per[i], fg.jacrev(f)(W, X[i], targets[i]), rtol=1e-12, atol=1e-14)


def test_per_example_hessian_vector_products_through_cross_entropy():
    v = rng.standard_normal(W.shape)

    def hvp(w, x, y):
        return fg.jvp(fg.grad(lambda q: F.cross_entropy(fnp.matmul(x, q), y)), (w,), (v,))[1]
    per = fg.vmap(hvp, in_axes=(None, 0, 0))(W, X, Y)
    for i in range(B):
        np.testing.assert_allclose(per[i], hvp(W, X[i], Y[i]), rtol=1e-11, atol=1e-13)


def test_out_of_range_targets_raise_concrete_or_traced():
    bad = Y.copy()
    bad[2, 1] = C
    with pytest.raises(IndexError, match=f"Target {C} is out of bounds.*{C} classes"):
        F.cross_entropy(fnp.matmul(X[2], W), bad[2])
    with pytest.raises(IndexError, match=f"Target {C} is out of bounds.*under vmap, every example's"):
        fg.vmap(fg.grad(lambda w, x, y: F.cross_entropy(fnp.matmul(x, w), y)), in_axes=(None, 0, 0))(W, X, bad)
    with pytest.raises(IndexError, match="Target -3 is out of bounds"):
        fg.vmap(lambda z, y: F.nll_loss(z, y), in_axes=(0, 0))(X[:, :, :3], np.full((B, D), -3))
    with pytest.raises(RuntimeError, match="integer type"):
        fg.vmap(lambda z, y: F.nll_loss(z, y))(X[:, :, :3], np.zeros((B, D)) + 0.5)
    with pytest.raises(RuntimeError, match=r"expected target of shape \(\)"):
        fg.vmap(lambda z, y: F.nll_loss(z, y))(X[:, 0, :3], Y[:, :2])
