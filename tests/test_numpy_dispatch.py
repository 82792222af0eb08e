"""NumPy's own functions on traced values and on Tensors dispatch to funcgrad.numpy (NEP 13 and NEP 18): swept
over every NumPy ufunc funcgrad.numpy has, and a table of NumPy functions, with gradients checked against finite
differences of NumPy on plain arrays (an independent derivation)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import TracedConversionError

X = np.array([0.31, 0.52, 0.77])
Y = np.array([0.43, 0.28, 0.65])


def _ufuncs(nin):
    out = []
    for name in sorted(dir(np)):
        u = getattr(np, name)
        if (isinstance(u, np.ufunc) and u.nin == nin and u.nout == 1 and u.signature is None and hasattr(fnp, name)
                and name == u.__name__):
            try:
                kind = np.result_type(u(*([X] * nin))).kind
            except (TypeError, ValueError):  # integer-only ufuncs (bit operations, gcd ...), gufuncs
                continue
            if kind == "f":
                out.append(u)
    return out


UNARY, BINARY = _ufuncs(1), _ufuncs(2)
# declared non-differentiable in funcgrad (rounding, float spacing): the gradient stops, as in PyTorch and JAX
NONDIFF = {"ceil", "floor", "rint", "sign", "spacing", "trunc", "nextafter", "fix"}


def _fd(f, args, k, eps=1e-6):
    """d sum(f(*args)) / d args[k] by central differences, on plain arrays."""
    g = np.zeros_like(args[k])
    for i in np.ndindex(args[k].shape):
        e = np.zeros_like(args[k])
        e[i] = eps
        plus = list(args)
        minus = list(args)
        plus[k], minus[k] = args[k] + e, args[k] - e
        g[i] = (np.sum(f(*plus)) - np.sum(f(*minus))) / (2 * eps)
    return g


def test_the_sweep_is_not_empty():
    assert len(UNARY) > 25 and len(BINARY) > 10


@pytest.mark.parametrize("u", UNARY + BINARY, ids=lambda u: u.__name__)
def test_numpy_ufuncs_on_traced_values_differentiate(u):
    args = (X, Y)[:u.nin]
    if u.__name__ in NONDIFF:
        assert np.all(fg.grad(lambda x: fnp.sum(u(x, *args[1:]) + x))(X) == 1.0)
        return
    for k in range(u.nin):
        g = fg.grad(lambda *a: fnp.sum(u(*a)), argnums=k)(*args)
        np.testing.assert_allclose(g, _fd(u, args, k), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("u", UNARY, ids=lambda u: u.__name__)
def test_numpy_ufuncs_on_tensors_return_tensors_and_backpropagate(u):
    t = fg.tensor(X, requires_grad=True)
    y = u(t)
    assert isinstance(y, fg.Tensor)
    if u.__name__ in NONDIFF:
        assert not y.requires_grad
        return
    fnp.sum(y).backward()
    np.testing.assert_allclose(t.grad.numpy(), _fd(u, (X,), 0), rtol=1e-5, atol=1e-7)


M = np.array([[0.3, 0.8, 0.1], [0.5, 0.2, 0.9]])
FUNCTIONS = {  # name -> NumPy code, run on a plain array (finite differences) and under grad / on a Tensor
    "sum": lambda x: np.sum(x, axis=0),
    "mean": lambda x: np.mean(x, axis=1, keepdims=True),
    "prod": lambda x: np.prod(x),
    "std": lambda x: np.std(x),
    "var": lambda x: np.var(x, ddof=1),
    "max": lambda x: np.max(x, axis=0),
    "cumsum": lambda x: np.cumsum(x, axis=1),
    "norm": lambda x: np.linalg.norm(x),
    "det": lambda x: np.linalg.det(x[:, :2]),
    "dot": lambda x: np.dot(x, x.T),
    "outer": lambda x: np.outer(x[0], x[1]),
    "trace": lambda x: np.trace(x @ x.T),
    "transpose": lambda x: np.transpose(x) * np.arange(2.0),
    "reshape": lambda x: np.reshape(x, (-1,)) * np.arange(6.0),
    "concatenate": lambda x: np.concatenate([x, 2 * x], axis=0),
    "stack": lambda x: np.stack([x, x * x]),
    "where": lambda x: np.where(x > 0.4, x, x ** 2),
    "clip": lambda x: np.clip(x, 0.25, 0.85),
    "add.reduce": lambda x: np.add.reduce(x * x, axis=1),
    "multiply.accumulate": lambda x: np.multiply.accumulate(x, axis=0),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS), ids=str)
def test_numpy_functions_on_traced_values_and_tensors_differentiate(name):
    f = FUNCTIONS[name]
    want = _fd(f, (M,), 0)
    np.testing.assert_allclose(fg.grad(lambda x: fnp.sum(f(x)))(M), want, rtol=1e-5, atol=1e-7)
    t = fg.tensor(M, requires_grad=True)
    fnp.sum(f(t)).backward()
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-5, atol=1e-7)


def test_numpy_functions_funcgrad_lacks_refuse_traced_values_and_grad_tensors_clearly():
    swv = np.lib.stride_tricks.sliding_window_view
    with pytest.raises(TracedConversionError, match=r"numpy\.sliding_window_view\(\).*funcgrad\.numpy has no "
                                                     r"sliding_window_view"):
        fg.grad(lambda x: fnp.sum(swv(x, 2)))(X)
    with pytest.raises(RuntimeError, match=r"numpy\.sliding_window_view\(\) on a Tensor that requires grad.*detach"):
        swv(fg.tensor(X, requires_grad=True), 2)
    plain = swv(fg.tensor(X), 2)  # no gradient wanted: NumPy gets the values, as with PyTorch
    np.testing.assert_allclose(plain, swv(X.astype(np.float32), 2), rtol=1e-6)


def test_numpy_fft_functions_dispatch_to_funcgrad_numpy_fft():
    # Parseval: sum |fft(x)|^2 = n sum x^2, so the gradient is 2 n x
    g = fg.grad(lambda x: fnp.sum(np.abs(np.fft.fft(x)) ** 2))(X)
    np.testing.assert_allclose(g, 2 * X.size * X, rtol=1e-12)
    t = fg.tensor(X, requires_grad=True)
    np.fft.fft(t).abs().pow(2).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), 2 * X.size * X, rtol=1e-5)
    with pytest.raises(TypeError, match=r"out=.*immutable"):
        fg.grad(lambda x: fnp.sum(np.sin(x, out=np.empty(3))))(X)


def _list_sweep():
    """Every funcgrad.numpy function that takes a 1-d array as its only argument (probed on a plain one)."""
    import inspect
    import warnings

    names = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in sorted(dir(fnp)):
            f = getattr(fnp, n)
            if n.startswith("_") or n.startswith("from") or not callable(f) or inspect.isclass(f) \
                    or inspect.ismodule(f):
                continue
            try:
                np.asarray(f(np.array([1.3, 2.6, 1.0])), dtype=float)
            except Exception:  # noqa: BLE001 - needs other arguments, or not array-valued: not part of the sweep
                continue
            names.append(n)
    return names


@pytest.mark.parametrize("name", _list_sweep(), ids=str)
def test_every_function_accepts_a_list_mixing_traced_values_and_numbers(name):
    """``fnp.f([x, 2 * x, 1.0])`` under grad: the list is packed differentiably, never converted (which would drop
    the traced values); the value agrees with the call on a plain array."""
    def f(a):
        out = getattr(fnp, name)(a)
        return out[0] if isinstance(out, tuple) else out  # several results (unique_all ...): the first

    with np.errstate(all="ignore"):
        want = np.asarray(f(np.array([1.3, 2.6, 1.0])), dtype=float)
        out, _ = fg.vjp(lambda x: fnp.asarray(f([x, 2 * x, 1.0]), dtype=float), 1.3)
    np.testing.assert_allclose(out, want, rtol=1e-12, equal_nan=True)
