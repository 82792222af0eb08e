"""One set of functions under every transform and compositions of them: inside the function, every value that
depends on a transformed input is traced (never a plain array that lost the transform) and offers the same
methods (``.at[...]``, ``.sum()``, ``.reshape`` ...), and all the transforms agree with each other and with
finite differences.

jacfwd once evaluated the function on plain arrays to learn its output structure, so ``v.at[...]`` failed there
alone: this test would have caught it, and catches the same mistake in any other transform.
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import Box

SEEN: list = []  # types of the intermediate values, recorded inside each function


def _note(*values):
    SEEN.extend(type(v) for v in values)


def f_at_updates(x):
    v1 = fnp.square(fnp.square(x))
    v2 = v1.at[..., 1].set(-0.9)
    v3 = v2.at[0].add(v1[0] * 2.0).at[..., 0].multiply(1.5)
    _note(v1, v2, v3)
    return fnp.sin(v3)


def f_methods(x):
    v = fnp.tanh(x) * 1.5
    w = v.reshape(-1)
    s = v.sum(axis=-1, keepdims=True) + v.mean() + w.max() - v.min(axis=0)
    t = (v.T.T * s).astype(np.float64).clip(-2.0, 2.0)
    u = t.flatten().cumsum().reshape(t.shape) + t.swapaxes(0, -1).swapaxes(0, -1) ** 2
    _note(v, w, s, t, u)
    return u.squeeze() * x


def f_indexing_and_control(x):
    v = fnp.exp(x * 0.3)
    parts = [v[0], v[-1] * 2.0, v[0] * v[-1]]
    out = fnp.stack(parts) if v.ndim > 1 else -fnp.stack(parts)  # Python control flow
    for _ in range(v.shape[0]):
        out = out * 0.9 + v[0] * 0.1
    w = fnp.where(out > 1.0, out, out ** 2).dot(fnp.ones(out.shape[-1]))
    _note(v, out, w)
    return fnp.concatenate([w, fnp.ravel(out)])


FUNCTIONS = [f_at_updates, f_methods, f_indexing_and_control]
X = np.linspace(-0.8, 0.9, 6).reshape(2, 3)
XB = np.stack([X, X * 0.9, X * 1.1])  # a batch for vmap


def _value(f, x):
    """``f(x)`` as a plain array, evaluated traced (``f`` may use ``.at``, which plain arrays lack)."""
    return fg.jvp(f, (x,), (np.zeros_like(x),))[0]


def _scalar(f):
    def s(x):
        y = f(x)
        return fnp.sum(y * fnp.linspace(0.5, 1.5, y.size).reshape(y.shape))
    return s


def _fd_grad(f, x, eps=1e-6):
    """Central finite differences of a scalar function."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (_value(f, x + e) - _value(f, x - e)) / (2 * eps)
    return g


# name -> (transformed(f) called on X (or XB), expected(f) computed another way)
TRANSFORMS = {
    "grad": (lambda f: fg.grad(_scalar(f))(X), lambda f: _fd_grad(_scalar(f), X)),
    "vjp": (lambda f: (lambda out, pull: pull(np.ones_like(out))[0])(*fg.vjp(f, X)),
            lambda f: _fd_grad(lambda x: fnp.sum(f(x)), X)),
    "jvp": (lambda f: fg.jvp(f, (X,), (np.ones_like(X),))[1],
            lambda f: (_value(f, X + 1e-6) - _value(f, X - 1e-6)) / 2e-6),
    "jacfwd": (lambda f: fg.jacfwd(f)(X), lambda f: fg.jacrev(f)(X)),
    "jacrev": (lambda f: fg.jacrev(f)(X),
               lambda f: np.moveaxis(np.stack([(_value(f, X + e) - _value(f, X - e)) / 2e-6 for e in 1e-6 * np.eye(
                   X.size).reshape((-1,) + X.shape)]), 0, -1).reshape(_value(f, X).shape + X.shape)),
    "hessian": (lambda f: fg.hessian(_scalar(f))(X), lambda f: fg.jacrev(fg.grad(_scalar(f)))(X)),
    "vmap": (lambda f: fg.vmap(f)(XB), lambda f: np.stack([_value(f, x) for x in XB])),
    "vmap(grad)": (lambda f: fg.vmap(fg.grad(_scalar(f)))(XB), lambda f: np.stack([fg.grad(_scalar(f))(x) for x in XB])),
    "grad(vmap)": (lambda f: fg.grad(lambda xb: fnp.sum(fg.vmap(_scalar(f))(xb)))(XB),
                   lambda f: np.stack([_fd_grad(_scalar(f), x) for x in XB])),
    "jvp(grad)": (lambda f: fg.jvp(fg.grad(_scalar(f)), (X,), (np.ones_like(X),))[1],
                  lambda f: (fg.hessian(_scalar(f))(X).reshape(X.size, X.size) @ np.ones(X.size)).reshape(X.shape)),
    "grad(grad)": (lambda f: fg.grad(lambda x: fnp.sum(fg.grad(_scalar(f))(x) ** 2))(X),
                   lambda f: _fd_grad(lambda x: fnp.sum(fg.grad(_scalar(f))(x) ** 2), X)),
    "jacfwd(jacrev)": (lambda f: fg.jacfwd(fg.jacrev(_scalar(f)))(X), lambda f: fg.hessian(_scalar(f))(X)),
    "vmap(jacfwd)": (lambda f: fg.vmap(fg.jacfwd(f))(XB), lambda f: np.stack([fg.jacrev(f)(x) for x in XB])),
    "checkpoint": (lambda f: fg.grad(_scalar(fg.checkpoint(f)))(X), lambda f: fg.grad(_scalar(f))(X)),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS), ids=str)
@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_values_inside_every_transform_are_traced_and_agree(f, name):
    run, expected = TRANSFORMS[name]
    want = np.asarray(expected(f))  # evaluated first: it may call f on plain arrays
    SEEN.clear()
    got = run(f)
    untraced = [t.__name__ for t in SEEN if t is not Box]
    assert SEEN and not untraced, f"{name}: values computed from the input came back plain: {untraced}"
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)
