"""torch.distributions: log_prob, entropy, mean, variance, probs / logits against torch.distributions; rsample is
reparameterized (gradients against finite differences); samples have the right shapes and statistics under
funcgrad's seeded generator; kl_divergence against torch's."""
import math

import numpy as np
import pytest

import funcgrad as torch  # the point of this module
from funcgrad import distributions as D

RNG = np.random.default_rng(0)
LOC, SCALE = RNG.standard_normal(4), RNG.uniform(0.5, 2.0, 4)
PROBS = RNG.dirichlet(np.ones(3), size=2)
A = RNG.standard_normal((3, 3))
COV = A @ A.T + 3 * np.eye(3)


def _make(lib, name):
    T = lib.tensor
    dist = lib.distributions
    return {
        "normal": lambda: dist.Normal(T(LOC), T(SCALE)),
        "uniform": lambda: dist.Uniform(T(LOC), T(LOC + SCALE)),
        "mvn_cov": lambda: dist.MultivariateNormal(T(LOC[:3]), covariance_matrix=T(COV)),
        "mvn_tril": lambda: dist.MultivariateNormal(T(LOC[:3]), scale_tril=T(np.linalg.cholesky(COV))),
        "mvn_prec": lambda: dist.MultivariateNormal(T(LOC[:3]), precision_matrix=T(np.linalg.inv(COV))),
        "categorical_probs": lambda: dist.Categorical(probs=T(PROBS)),
        "categorical_logits": lambda: dist.Categorical(logits=T(np.log(PROBS) + 1.0)),
        "bernoulli_probs": lambda: dist.Bernoulli(probs=T(PROBS[:, 0])),
        "bernoulli_logits": lambda: dist.Bernoulli(logits=T(LOC[:2])),
    }[name]()


VALUES = {"normal": RNG.standard_normal(4), "uniform": LOC + SCALE * RNG.uniform(0, 1, 4),
          "mvn_cov": RNG.standard_normal((5, 3)), "mvn_tril": RNG.standard_normal(3),
          "mvn_prec": RNG.standard_normal((2, 3)), "categorical_probs": np.array([0, 2]),
          "categorical_logits": np.array([[1, 0], [2, 2]]), "bernoulli_probs": np.array([1.0, 0.0]),
          "bernoulli_logits": np.array([0.0, 1.0])}
NAMES = list(VALUES)


def _close(a, b):
    assert a.shape == tuple(b.shape), (a.shape, b.shape)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_log_prob_entropy_and_moments_match_torch(name):
    t = pytest.importorskip("torch")
    ours, theirs = _make(torch, name), _make(t, name)
    assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == tuple(theirs.event_shape)
    v = VALUES[name]
    _close(ours.log_prob(torch.tensor(v)), theirs.log_prob(t.tensor(v)))
    _close(ours.entropy(), theirs.entropy())
    for attr in ("mean", "variance", "stddev"):
        a, b = getattr(ours, attr), getattr(theirs, attr)
        if np.isnan(b.numpy()).all():
            assert np.isnan(a.numpy()).all() and a.shape == tuple(b.shape)
        else:
            _close(a, b)
    for attr in ("probs", "logits"):
        if hasattr(theirs, attr):
            _close(getattr(ours, attr), getattr(theirs, attr))
    if name.startswith("mvn"):
        _close(ours.covariance_matrix, theirs.covariance_matrix)
        _close(ours.scale_tril, theirs.scale_tril)


def test_uniform_outside_its_support_has_log_prob_minus_inf():
    assert D.Uniform(0.0, 1.0).log_prob(torch.tensor(1.5)).item() == -math.inf


@pytest.mark.parametrize("name", NAMES)
def test_sample_shapes_and_seeding(name):
    d = _make(torch, name)
    torch.manual_seed(3)
    s = d.sample((7,))
    assert s.shape == (7,) + tuple(d.batch_shape) + tuple(d.event_shape) and not s.requires_grad
    torch.manual_seed(3)
    assert bool((d.sample((7,)) == s).all())
    assert d.sample().shape == tuple(d.batch_shape) + tuple(d.event_shape)


@pytest.mark.parametrize("name", ["normal", "uniform", "mvn_cov", "categorical_probs", "bernoulli_probs"])
def test_sample_statistics(name):
    d = _make(torch, name)
    torch.manual_seed(0)
    s = d.sample((20000,)).double().numpy()
    if name.startswith("categorical"):
        freq = np.stack([(s == k).mean(0) for k in range(3)], -1)
        np.testing.assert_allclose(freq, PROBS, atol=0.02)
        return
    np.testing.assert_allclose(s.mean(0), d.mean.numpy(), atol=0.05)
    np.testing.assert_allclose(s.var(0), d.variance.numpy(), rtol=0.06, atol=0.01)


def _fd(f, x, eps=1e-6):
    v = np.random.default_rng(5).standard_normal(x.shape)
    return v, (f(x + eps * v) - f(x - eps * v)) / (2 * eps)


@pytest.mark.parametrize("name", ["normal", "uniform", "mvn"])
def test_rsample_is_reparameterized_and_differentiable(name):
    def run(loc_values):
        loc = torch.tensor(loc_values, requires_grad=True)
        torch.manual_seed(11)
        if name == "normal":
            d = D.Normal(loc, torch.tensor(SCALE))
        elif name == "uniform":
            d = D.Uniform(loc, loc * 0 + 5.0 + loc ** 2)
        else:
            d = D.MultivariateNormal(loc[:3], scale_tril=torch.tensor(np.linalg.cholesky(COV)) * loc[3].exp())
        out = (d.rsample((4,)) ** 2).sum()
        return loc, out

    loc, out = run(LOC)
    out.backward()
    v, fd = _fd(lambda x: run(x)[1].item(), LOC)
    assert np.sum(loc.grad.numpy() * v) == pytest.approx(fd, rel=1e-5)


@pytest.mark.parametrize("name", ["normal", "mvn_cov", "categorical_logits", "bernoulli_logits"])
def test_log_prob_gradients_match_finite_differences(name):
    def lp(params):
        p = torch.tensor(params, requires_grad=True)
        if name == "normal":
            d = D.Normal(p, p.exp())
            v = VALUES["normal"]
        elif name == "mvn_cov":
            L = torch.tensor(np.linalg.cholesky(COV))
            d = D.MultivariateNormal(p[:3], covariance_matrix=L @ L.T * p[3].exp())
            v = VALUES["mvn_cov"]
        elif name == "categorical_logits":
            d = D.Categorical(logits=p[:3])
            v = np.array([0, 2, 1])
        else:
            d = D.Bernoulli(logits=p)
            v = np.array([1.0, 0.0, 1.0, 1.0])
        return p, (d.log_prob(torch.tensor(v)).sum() + d.entropy().sum())

    p, out = lp(LOC)
    out.backward()
    v, fd = _fd(lambda x: lp(x)[1].item(), LOC)
    assert np.sum(p.grad.numpy() * v) == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_kl_divergence_matches_torch():
    t = pytest.importorskip("torch")
    pairs = [(lambda L: L.distributions.Normal(L.tensor(LOC), L.tensor(SCALE)),
              lambda L: L.distributions.Normal(L.tensor(LOC[::-1].copy()), L.tensor(SCALE ** 2))),
             (lambda L: L.distributions.Categorical(probs=L.tensor(PROBS)),
              lambda L: L.distributions.Categorical(logits=L.tensor(PROBS[::-1].copy()))),
             (lambda L: L.distributions.Categorical(probs=L.tensor([0.5, 0.5, 0.0])),
              lambda L: L.distributions.Categorical(probs=L.tensor([0.2, 0.0, 0.8]))),
             (lambda L: L.distributions.Bernoulli(probs=L.tensor([0.3, 0.9])),
              lambda L: L.distributions.Bernoulli(logits=L.tensor([0.1, -2.0])))]
    for p, q in pairs:
        ours = D.kl_divergence(p(torch), q(torch))
        theirs = t.distributions.kl_divergence(p(t), q(t))
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0))


def test_kl_normal_gradients_and_registration():
    mu = torch.tensor(0.3, requires_grad=True)
    D.kl_divergence(D.Normal(mu, 1.0), D.Normal(0.0, 1.0)).backward()
    assert mu.grad.item() == pytest.approx(0.3)
    assert D.kl.kl_divergence is D.kl_divergence and callable(D.register_kl(D.Normal, D.Uniform))
    with pytest.raises(ValueError):
        D.Categorical()
