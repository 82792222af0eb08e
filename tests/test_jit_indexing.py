"""Integer index arrays that are traced values under jit (``logp[np.arange(n), y]`` with ``y`` an argument, an
``argsort`` computed inside): they are operands of the recorded ``gather`` equation, so a replay with new labels
reads the new labels. Each result is checked against NumPy's own indexing on the same arrays (an independent
reference), gradients against ``numpy.add.at`` or finite differences, and eager, grad, vmap and jit must agree.
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.errors import TracedConversionError
from funcgrad.testing import check_grads

RNG = np.random.default_rng(3)


def _nll(logits, y):
    return -fnp.mean(fnp.log(fnp.exp(logits) / fnp.sum(fnp.exp(logits), axis=1, keepdims=True))[
        np.arange(len(y)), y])


def _nll_numpy(logits, y):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(len(y)), y]).mean()
    d = p.copy()
    d[np.arange(len(y)), y] -= 1.0  # softmax minus one-hot: the textbook gradient of the mean cross-entropy
    return loss, d / len(y)


def test_replays_read_the_new_labels_not_the_recorded_ones():
    logits = RNG.standard_normal((6, 4))
    f = fg.jit(fg.value_and_grad(_nll))
    for _ in range(3):  # the first call records; the others replay with other labels
        y = RNG.integers(0, 4, size=6)
        loss, g = f(logits, y)
        want_loss, want_g = _nll_numpy(logits, y)
        np.testing.assert_allclose(loss, want_loss, rtol=1e-13)
        np.testing.assert_allclose(g, want_g, rtol=1e-12, atol=1e-15)
    assert f.cache_info().traces == 1
    text = f.lower(logits, y).as_text()
    assert "gather(" in text and "gather_add(" in text
    g = f.lower(logits, y).graph
    eqn = next(e for e in g.eqns if e.prim.name == "gather")
    assert g.inputs[1] in eqn.inputs  # the labels are an operand of the equation, not a parameter baked into it
    assert eqn.params["unique"]  # np.arange(n) spans the rows: one position per label, a plain assignment


@pytest.mark.parametrize("case", ["1d", "repeats", "2d", "negative", "mixed", "scalar"])
def test_traced_index_arrays_agree_with_numpy_eagerly_under_grad_and_under_jit(case):
    x = RNG.standard_normal((5, 4, 3))
    make = {
        "1d": lambda: (lambda a, i: a[i], RNG.integers(0, 5, size=4)),
        "repeats": lambda: (lambda a, i: a[i], np.array([1, 1, 4, 1])),
        "2d": lambda: (lambda a, i: a[:, i], RNG.integers(0, 4, size=(2, 3))),
        "negative": lambda: (lambda a, i: a[..., i], np.array([-1, 0, -3])),
        "mixed": lambda: (lambda a, i: a[np.array([0, 2]), :, i], np.array([2, 1])),
        "scalar": lambda: (lambda a, i: a[1, i], np.array(2)),
    }
    f, i = make[case]()
    want = f(x, i)  # plain NumPy indexing of a plain array
    np.testing.assert_array_equal(fg.jit(f)(x, i), want)
    i2 = np.flip(i) if np.ndim(i) else (i + 1) % 3  # another index of the same signature: replayed, not recorded
    np.testing.assert_array_equal(fg.jit(f)(x, i2), f(x, i2))

    def s(a, idx):
        return fnp.sum(f(a, idx) * f(a, idx))

    ones = np.zeros_like(x)
    if case == "1d" or case == "repeats":
        np.add.at(ones, i, 2 * x[i])  # d/dx sum(x[i]^2) accumulates over repeated positions
        np.testing.assert_allclose(fg.jit(fg.grad(s))(x, i), ones, rtol=1e-13)
    eager = fg.grad(s)(x, i)  # eager grad indexes with a static index: getitem's rule, a separate code path
    for jf in (fg.jit(fg.grad(s)), fg.grad(fg.jit(s))):
        np.testing.assert_allclose(jf(x, i), eager, rtol=1e-13)
        np.testing.assert_allclose(jf(x, i2), fg.grad(s)(x, i2), rtol=1e-13)


def test_second_order_and_forward_mode_through_the_gather():
    x = RNG.standard_normal(6)
    i = np.array([0, 3, 3, 5])

    def f(a, idx):
        return fnp.sum(fnp.sin(a[idx]) * a[idx])

    check_grads(lambda a: fg.jit(f)(a, i), (x,), order=2)
    hess = fg.jit(fg.hessian(f))(x, i)
    np.testing.assert_allclose(hess, fg.hessian(f)(x, i), rtol=1e-12, atol=1e-14)
    v = RNG.standard_normal(6)
    _, t = fg.jvp(lambda a: fg.jit(f)(a, i), (x,), (v,))
    np.testing.assert_allclose(t, fg.jvp(lambda a: f(a, i), (x,), (v,))[1], rtol=1e-12)


def test_vmap_with_unbatched_and_batched_traced_indices_and_the_refusal_of_a_batched_mask():
    xb = RNG.standard_normal((3, 5, 2))
    i = np.array([4, 0, 0])
    f = fg.jit(lambda a, idx: a[idx] * 2.0)
    np.testing.assert_allclose(fg.vmap(f, in_axes=(0, None))(xb, i), xb[:, i] * 2.0)
    np.testing.assert_allclose(fg.jit(fg.vmap(lambda a, idx: a[idx] * 2.0, in_axes=(0, None)))(xb, i),
                               xb[:, i] * 2.0)
    g = fg.vmap(fg.grad(lambda a, idx: fnp.sum(fg.jit(lambda u, j: u[j] ** 2)(a, idx))), in_axes=(0, None))(xb, i)
    want = np.zeros_like(xb)
    for k in range(3):
        np.add.at(want[k], i, 2 * xb[k][i])
    np.testing.assert_allclose(g, want, rtol=1e-13)
    ib = np.array([[0, 1], [2, 2], [4, 3]])  # one index array per example: a gather per example
    per_example = np.stack([xb[k][ib[k]] for k in range(3)])
    np.testing.assert_allclose(fg.vmap(lambda a, idx: a[idx])(xb, ib), per_example)
    np.testing.assert_allclose(fg.vmap(f)(xb, ib), per_example * 2.0)  # through a jitted function
    np.testing.assert_allclose(fg.jit(fg.vmap(lambda a, idx: a[idx]))(xb, ib), per_example)
    mb = xb[..., 0] > 0  # a mask per example selects a varying number of elements: refused, as before
    msg = r"funcgrad\.getitem: the index is computed from values batched by vmap.*\(here a boolean mask"
    with pytest.raises(NotImplementedError, match=msg):
        fg.vmap(lambda a, m: a[m])(xb, mb)


def test_take_take_along_axis_sort_and_at_add_record_a_gather():
    x = RNG.standard_normal((4, 5))
    i = np.array([[1, 0, 4], [2, 2, 0], [3, 1, 1], [0, 4, 4]])
    cases = [
        (lambda a, idx: fnp.take(a, idx, axis=1), lambda a, idx: np.take(a, idx, axis=1)),
        (lambda a, idx: fnp.take(a, idx), lambda a, idx: np.take(a, idx)),
        (lambda a, idx: fnp.take(a, idx + 9, axis=1, mode="wrap"), lambda a, idx: np.take(a, idx + 9, 1, mode="wrap")),
        (lambda a, idx: fnp.take(a, idx - 2, axis=0, mode="clip"), lambda a, idx: np.take(a, idx - 2, 0, mode="clip")),
        (lambda a, idx: fnp.take_along_axis(a, idx, axis=1), lambda a, idx: np.take_along_axis(a, idx, axis=1)),
        (lambda a, idx: fnp.at(a)[idx[:, 0] % 4].add(1.5), lambda a, idx: _add_at(a, idx[:, 0] % 4, 1.5)),
        (lambda a, idx: fnp.at(a)[:, idx[0]].get(), lambda a, idx: a[:, idx[0]]),
    ]
    for f, ref in cases:
        jf = fg.jit(f)
        for idx in (i, np.flip(i)):
            np.testing.assert_allclose(jf(x, idx), ref(x, idx), rtol=1e-14)
    js = fg.jit(lambda a: fnp.sort(a, axis=1))  # the argsort is recorded, and gathered by
    for a in (x, -x):
        np.testing.assert_array_equal(js(a), np.sort(a, axis=1))
    gs = fg.jit(fg.grad(lambda a: fnp.sum(fnp.sort(a, axis=None)[:3])))(x)  # the three smallest get gradient 1
    np.testing.assert_array_equal(gs, (x <= np.sort(x, axis=None)[2]).astype(float))


def _add_at(a, idx, v):
    out = a.copy()
    np.add.at(out, idx, v)
    return out


def test_what_still_needs_a_concrete_index_is_refused_clearly():
    x = RNG.standard_normal(5)
    with pytest.raises(TracedConversionError, match=r"funcgrad\.getitem: using it as an index"):
        fg.jit(lambda a, m: a[m])(x, x > 0)  # a traced mask: the output's length depends on its values
    with pytest.raises(NotImplementedError, match=r"\.at\[\.\.\.\]\.set: .*traced .*get\(\) and \.add\(v\)"):
        fg.jit(lambda a, idx: fnp.at(a)[idx].set(0.0))(x, np.array([1, 1]))


def test_tensor_face_cross_entropy_reads_each_calls_labels_and_backward_reaches_the_logits():
    torch = fg
    import funcgrad.nn.functional as F
    logits = RNG.standard_normal((5, 3))
    jf = fg.jit(lambda z, labels: F.cross_entropy(z, labels))
    for y in (np.array([0, 2, 1, 1, 0]), np.array([2, 2, 0, 1, 1])):
        z = torch.tensor(logits, requires_grad=True)
        loss = jf(z, torch.tensor(y))
        loss.backward()
        want_loss, want_g = _nll_numpy(logits, y)
        np.testing.assert_allclose(loss.item(), want_loss, rtol=1e-13)
        np.testing.assert_allclose(z.grad.numpy(), want_g, rtol=1e-12, atol=1e-15)
