"""funcgrad.lax: structured control flow equals the Python program it stands for, eagerly, under jit (replayed
with new inputs that take another branch or another trip count), and under every transform composition; its
derivatives check against finite differences; bad input gets errors that name the problem."""
import functools

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import lax
from funcgrad.core.errors import TracedConversionError
from funcgrad.testing import check_grads

X = np.array([0.3, -1.2, 0.8])
rng = np.random.default_rng(0)


# --- cond / switch --------------------------------------------------------------------------------------------
def f_cond(x):
    return fnp.sum(lax.cond(fnp.sum(x) > 0, lambda v: fnp.sin(v) * v, lambda v: fnp.exp(v) - v ** 3, x))


def branch_for(x):  # the program f_cond stands for at x: the branch Python would take
    if float(np.sum(x)) > 0:
        return lambda v: fnp.sum(fnp.sin(v) * v)
    return lambda v: fnp.sum(fnp.exp(v) - v ** 3)


def f_cond_python(x):
    return branch_for(x)(x)


POS, NEG = X + 1.0, X - 1.0
T1 = (np.ones(3),)
NOJIT = lambda f: f  # noqa: E731


@pytest.mark.parametrize("x", [POS, NEG], ids=["true", "false"])
@pytest.mark.parametrize("wrap", [
    lambda f, jit: f, lambda f, jit: jit(f), lambda f, jit: fg.grad(f), lambda f, jit: jit(fg.grad(f)),
    lambda f, jit: fg.grad(jit(f)), lambda f, jit: jit(fg.grad(lambda x: fnp.sum(fg.grad(f)(x) ** 2))),
    lambda f, jit: (lambda x: fg.jvp(fg.grad(f), (x,), T1)[1]),
    lambda f, jit: jit(lambda x: fg.jvp(fg.grad(f), (x,), T1)[1]),
    lambda f, jit: (lambda x: fg.jvp(jit(f), (x,), T1)[1]),
    lambda f, jit: fg.hessian(jit(f)), lambda f, jit: jit(fg.hessian(f)),
], ids=["eager", "jit", "grad", "jit(grad)", "grad(jit)", "jit(grad(sq grad))", "jvp(grad)", "jit(jvp(grad))",
        "jvp(jit)", "hessian(jit)", "jit(hessian)"])
def test_cond_under_transforms_equals_the_python_program(wrap, x):
    np.testing.assert_allclose(wrap(f_cond, fg.jit)(x), wrap(branch_for(x), NOJIT)(x), rtol=1e-12, atol=1e-12)


def test_jitted_cond_replays_the_other_branch_without_running_python():
    calls = {"t": 0, "f": 0}

    def t(v):
        calls["t"] += 1
        return v * 2.0

    def f(v):
        calls["f"] += 1
        return v - 1.0

    h = fg.jit(lambda x: lax.cond(x[0] > 0, t, f, x))
    np.testing.assert_array_equal(h(np.array([1.0, 2.0])), [2.0, 4.0])
    traced = dict(calls)
    assert traced == {"t": 1, "f": 1}  # each branch traced once
    np.testing.assert_array_equal(h(np.array([-1.0, 2.0])), [-2.0, 1.0])  # new input: the other branch
    np.testing.assert_array_equal(h(np.array([3.0, 2.0])), [6.0, 4.0])
    hg = fg.jit(fg.grad(lambda x: fnp.sum(lax.cond(x[0] > 0, t, f, x) ** 2)))
    np.testing.assert_allclose(hg(np.array([1.0, 2.0])), [8.0, 16.0])
    np.testing.assert_allclose(hg(np.array([-1.0, 2.0])), [-4.0, 2.0])  # backward branches at replay too
    assert calls == {"t": 2, "f": 2} and h.cache_info().traces == 1
    # eagerly only the chosen branch runs
    lax.cond(True, t, f, np.ones(2))
    assert calls == {"t": 3, "f": 2}


def test_cond_gradients_check_against_finite_differences_to_order_2():
    for x in (POS, NEG):
        check_grads(fg.jit(f_cond), (x,), order=2)
        check_grads(fg.jit(fg.grad(f_cond)), (x,), order=1)


def test_switch_clamps_like_jax_and_differentiates():
    branches = [lambda v: v + 1.0, lambda v: fnp.sin(v) * 10.0, lambda v: -v ** 2]

    def ref(i, v):
        return branches[min(max(i, 0), 2)](v)

    f = fg.jit(lambda i, v: lax.switch(i, branches, v))
    g = fg.jit(fg.grad(lambda v, i: fnp.sum(lax.switch(i, branches, v))))
    for i in (-5, 0, 1, 2, 7):
        np.testing.assert_allclose(f(np.int64(i), X), ref(i, X))
        np.testing.assert_allclose(lax.switch(i, branches, X), ref(i, X))
        np.testing.assert_allclose(g(X, np.int64(i)), fg.grad(lambda v: fnp.sum(ref(i, v)))(X))
        check_grads(lambda v, i=i: f(np.int64(i), v), (X,), order=2)


def test_cond_with_pytree_operands_and_closures_over_traced_values():
    def f(w, x):
        return lax.cond(x["a"][0] > 0, lambda d: (d["a"] * w, d["b"] + w), lambda d: (d["a"] - w, d["b"] * w ** 2),
                        x)

    def ref(w, x):
        return (x["a"] * w, x["b"] + w) if x["a"][0] > 0 else (x["a"] - w, x["b"] * w ** 2)

    for a0 in (1.0, -1.0):
        x = {"a": np.array([a0, 2.0]), "b": np.array([0.5, 3.0])}
        loss = lambda w, x, f: fnp.sum(f(w, x)[0]) + fnp.sum(f(w, x)[1] ** 2)  # noqa: E731
        w = np.float64(1.7)
        np.testing.assert_allclose(fg.jit(fg.grad(functools.partial(loss, f=f)))(w, x),
                                   fg.grad(functools.partial(loss, f=ref))(w, x))
        check_grads(lambda w: fg.jit(functools.partial(loss, f=f))(w, x), (w,), order=2)


def test_vmap_of_cond_with_a_batched_predicate_selects_per_example():
    xs = rng.normal(size=(6, 3))
    want = np.stack([f_cond_python(x) for x in xs])
    np.testing.assert_allclose(fg.vmap(f_cond)(xs), want)
    np.testing.assert_allclose(fg.vmap(fg.jit(f_cond))(xs), want)
    np.testing.assert_allclose(fg.jit(fg.vmap(f_cond))(xs), want)
    np.testing.assert_allclose(fg.jit(fg.vmap(f_cond))(-xs), np.stack([f_cond_python(x) for x in -xs]))
    np.testing.assert_allclose(fg.vmap(fg.grad(f_cond))(xs), np.stack([fg.grad(branch_for(x))(x) for x in xs]))
    np.testing.assert_allclose(fg.vmap(fg.jit(fg.grad(f_cond)))(xs),
                               np.stack([fg.grad(branch_for(x))(x) for x in xs]))
    # unbatched predicate, batched operand: one node, branches vmapped inside it
    h = fg.jit(fg.vmap(lambda x, p: lax.cond(p > 0, fnp.sin, fnp.cos, x), in_axes=(0, None)))
    np.testing.assert_allclose(h(xs, np.float64(1.0)), np.sin(xs))
    np.testing.assert_allclose(h(xs, np.float64(-1.0)), np.cos(xs))
    idx = np.array([0, 1, 2, 5, -1, 1])
    sw = fg.vmap(lambda i, x: lax.switch(i, [fnp.sin, fnp.cos, fnp.tanh], x))
    np.testing.assert_allclose(sw(idx, xs), np.stack([[np.sin, np.cos, np.tanh][min(max(i, 0), 2)](x)
                                                      for i, x in zip(idx, xs)]))


# --- loops ----------------------------------------------------------------------------------------------------
def cumulative(c, x):
    c = c * fnp.cos(x) + x ** 2
    return c, fnp.sin(c) * x


def scan_loss(c0, xs, reverse=False):
    c, ys = lax.scan(cumulative, c0, xs, reverse=reverse)
    return fnp.sum(c) + fnp.sum(ys ** 2)


def scan_python(c0, xs, reverse=False):
    c, ys = c0, [None] * len(xs)
    for t in (range(len(xs) - 1, -1, -1) if reverse else range(len(xs))):
        c, ys[t] = cumulative(c, xs[t])
    return fnp.sum(c) + fnp.sum(fnp.stack(ys) ** 2)


C0, XS = np.array([0.5, -0.2]), rng.normal(size=(5, 2))


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("wrap", [
    lambda f: f, fg.jit, lambda f: fg.grad(f, argnums=(0, 1)), lambda f: fg.jit(fg.grad(f, argnums=(0, 1))),
    lambda f: fg.grad(fg.jit(f), argnums=(0, 1)),
    lambda f: (lambda c, x: fg.jvp(f, (c, x), (np.ones(2), np.ones((5, 2))))[1]),
    lambda f: fg.jit(lambda c, x: fg.jvp(f, (c, x), (np.ones(2), np.ones((5, 2))))[1]),
    lambda f: (lambda c, x: fg.jvp(fg.grad(f), (c, x), (np.ones(2), np.ones((5, 2))))[1]),
    lambda f: fg.jit(lambda c, x: fg.jvp(fg.grad(f), (c, x), (np.ones(2), np.ones((5, 2))))[1]),
], ids=["eager", "jit", "grad", "jit(grad)", "grad(jit)", "jvp", "jit(jvp)", "jvp(grad)", "jit(jvp(grad))"])
def test_scan_under_transforms_equals_the_python_loop(wrap, reverse):
    got = wrap(functools.partial(scan_loss, reverse=reverse))(C0, XS)
    want = wrap(functools.partial(scan_python, reverse=reverse))(C0, XS)
    for g, w in zip(fg.tree.leaves(got), fg.tree.leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-11, atol=1e-12)


def test_scan_gradients_check_against_finite_differences_to_order_2():
    check_grads(fg.jit(scan_loss), (C0, XS), order=2)
    check_grads(fg.jit(functools.partial(scan_loss, reverse=True)), (C0, XS), order=2)
    check_grads(fg.jit(fg.grad(scan_loss)), (C0, XS), order=1)


def test_jitted_scan_is_one_node_and_runs_the_body_without_python():
    calls = []

    def body(c, x):
        calls.append(1)
        return cumulative(c, x)

    f = fg.jit(lambda c, xs: lax.scan(body, c, xs))
    c, ys = f(C0, XS)
    n = len(calls)
    c2, ys2 = f(C0 * 2, XS[::-1].copy())
    assert len(calls) == n
    assert [e.prim.name for e in f.lower(C0, XS).graph.eqns] == ["lax.scan"]
    want_c, want_ys = lax.scan(cumulative, C0 * 2, XS[::-1].copy())
    np.testing.assert_allclose(c2, want_c)
    np.testing.assert_allclose(ys2, want_ys)


def test_scan_pytrees_xs_none_and_closures_over_a_parameter():
    def f(w, xs):
        def body(c, x):
            return {"h": fnp.tanh(c["h"] * w + x), "n": c["n"] + 1}, (c["h"] * 2.0, None)
        c, (ys, none) = lax.scan(body, {"h": np.zeros(2), "n": 0}, xs)
        assert none is None
        return fnp.sum(c["h"]) + fnp.sum(ys), c["n"]

    def ref(w, xs):
        h = np.zeros(2)
        total = 0.0
        for x in xs:
            total = total + fnp.sum(h * 2.0)
            h = fnp.tanh(h * w + x)
        return fnp.sum(h) + total

    w = np.array([0.7, -0.4])
    v, n = fg.jit(f)(w, XS)
    assert int(n) == 5
    np.testing.assert_allclose(v, ref(w, XS))
    np.testing.assert_allclose(fg.jit(fg.grad(lambda w, xs: f(w, xs)[0]))(w, XS), fg.grad(ref)(w, XS))
    check_grads(lambda w: fg.jit(f)(w, XS)[0], (w,), order=2)
    c, ys = lax.scan(lambda c, _: (c * 2.0, c), 1.0, None, length=4)
    np.testing.assert_array_equal(ys, [1.0, 2.0, 4.0, 8.0])
    assert float(c) == 16.0
    c, ys = fg.jit(lambda a: lax.scan(lambda c, x: (c + x, x), a, np.zeros((0, 2))))(np.ones(2))
    assert ys.shape == (0, 2) and np.array_equal(c, np.ones(2))


def _count_eqns(graph, name):
    """Equations applying primitive ``name`` in ``graph`` and, recursively, in the bodies of its lax nodes."""
    n = 0
    for e in graph.eqns:
        n += e.prim.name == name
        for v in e.params.values():
            for sub in (v if isinstance(v, tuple) else (v,)):
                if hasattr(sub, "graph") and hasattr(sub, "sel"):  # a lax body (Closed)
                    n += _count_eqns(sub.graph, name)
    return n


def expsin(c, x):  # exp's and sin's VJPs need no exp or sin: either in a backward body is a recomputed forward
    c = fnp.exp(c * x) * 0.5
    return c, fnp.sin(c)


def expsin_python(w, c, xs):
    ys = []
    for x in xs:
        c, y = expsin(c, x * w)
        ys.append(y)
    return fnp.sum(c) + fnp.sum(fnp.stack(ys) ** 2)


def test_jit_grad_of_scan_saves_residuals_and_recomputes_no_forward_step():
    def loss(w, c, xs):
        c, ys = lax.scan(lambda c, x: expsin(c, x * w), c, xs)
        return fnp.sum(c) + fnp.sum(ys ** 2)

    w, c0, xs = np.float64(0.7), np.array([0.2, -0.1]), rng.normal(size=(7, 2)) * 0.5
    for f in (fg.grad(loss, argnums=(0, 1, 2)), fg.value_and_grad(loss, argnums=(0, 1, 2))):
        graph = fg.jit(f).lower(w, c0, xs).graph
        assert [e.prim.name for e in graph.eqns].count("lax.scan") == 2  # one forward scan, one reverse scan
        assert _count_eqns(graph, "exp") == 1 and _count_eqns(graph, "sin") == 1  # each forward op once
    got = fg.jit(fg.grad(loss, argnums=(0, 1, 2)))(w, c0, xs)
    want = fg.grad(expsin_python, argnums=(0, 1, 2))(w, c0, xs)
    for g, v in zip(got, want):
        np.testing.assert_allclose(g, v, rtol=1e-12, atol=1e-14)
    # the second order still differentiates through the saved residuals
    got2 = fg.jit(fg.grad(lambda w: fg.grad(loss)(w, c0, xs)))(w)
    np.testing.assert_allclose(got2, fg.grad(lambda w: fg.grad(expsin_python)(w, c0, xs))(w), rtol=1e-11)


def test_checkpointed_scan_body_saves_only_its_inputs_under_jit_grad_and_eagerly():
    # each step's body makes a 200 x 100 intermediate: saved per step it is 50 x 160 kB; checkpointed, the
    # backward scan recomputes it from the saved carry and row, one step at a time
    import tracemalloc
    steps, n, m = 50, 200, 100
    w, xs = rng.normal(size=(n, m)) / 30, rng.normal(size=(steps, n))
    big = n * m * 8

    def cell(h, x):
        hn = fnp.sum(fnp.tanh(fnp.outer(h + x, fnp.ones(m)) * w), axis=1) / m
        return hn, fnp.sum(hn)

    def loss(h0, body):
        h, ys = lax.scan(body, h0, xs)
        return fnp.sum(h ** 2) + fnp.sum(ys)

    h0 = np.linspace(-1, 1, n)
    want = fg.grad(lambda h: loss(h, cell))(h0)
    peaks = {}
    for name, wrap in (("eager", lambda f: f), ("jit", fg.jit)):
        for body in (cell, fg.checkpoint(cell)):
            f = wrap(fg.grad(lambda h, body=body: loss(h, body)))
            np.testing.assert_allclose(f(h0), want, rtol=1e-12, atol=1e-15)
            tracemalloc.start()
            f(h0)
            peaks[name, body is cell] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peaks[name, True] > steps / 2 * big, peaks  # the plain body's residuals: many steps' intermediates
        assert peaks[name, False] < steps / 4 * big, peaks  # checkpointed: a few intermediates' worth, whatever the length


def test_scan_gradient_when_the_loss_ignores_the_ys_or_the_carry():
    w, c0, xs = np.float64(-0.4), np.array([0.3, 0.6]), rng.normal(size=(5, 2)) * 0.5

    def last(w, c, xs):  # only the final carry: the ys' cotangents are the engine's zeros
        return fnp.sum(lax.scan(lambda c, x: expsin(c, x * w), c, xs)[0] ** 2)

    def last_python(w, c, xs):
        for x in xs:
            c, _ = expsin(c, x * w)
        return fnp.sum(c ** 2)

    def ys_only(w, c, xs):
        return fnp.sum(lax.scan(lambda c, x: expsin(c, x * w), c, xs)[1] * xs)

    def ys_only_python(w, c, xs):
        ys = []
        for x in xs:
            c, y = expsin(c, x * w)
            ys.append(y)
        return fnp.sum(fnp.stack(ys) * xs)

    for f, ref in ((last, last_python), (ys_only, ys_only_python)):
        for wrap in (fg.jit, lambda h: h):  # jit(grad) records the scans; grad(jit) runs them on plain values
            got = wrap(fg.grad(wrap(f), argnums=(0, 1, 2)))(w, c0, xs)
            for g, v in zip(got, fg.grad(ref, argnums=(0, 1, 2))(w, c0, xs)):
                np.testing.assert_allclose(g, v, rtol=1e-12, atol=1e-14)
        check_grads(fg.jit(f), (w, c0, xs), order=2)


@pytest.mark.parametrize("unroll", [2, 3, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_unrolled_scan_equals_the_python_loop_under_transforms(unroll, reverse):
    xs = rng.normal(size=(7, 2))  # 7 steps: groups of 2 or 3 and a remainder
    loss = functools.partial(scan_loss, reverse=reverse)

    def unrolled(c0, xs):
        c, ys = lax.scan(cumulative, c0, xs, reverse=reverse, unroll=unroll)
        return fnp.sum(c) + fnp.sum(ys ** 2)

    tangents = (np.ones(2), np.ones((7, 2)))
    for wrap, c0 in ((fg.jit, C0), (lambda f: fg.jit(fg.grad(f, argnums=(0, 1))), C0),
                     (lambda f: fg.grad(fg.jit(f)), C0),
                     (lambda f: fg.jit(lambda c, x: fg.jvp(f, (c, x), tangents)[1]), C0),
                     (lambda f: fg.jit(fg.vmap(f, in_axes=(0, None))), np.stack([C0, -C0, 2 * C0]))):
        for got, want in zip(fg.tree.leaves(wrap(unrolled)(c0, xs)), fg.tree.leaves(wrap(loss)(c0, xs))):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
    k = 7 if unroll is True else unroll
    assert fg.jit(unrolled).lower(C0, xs).graph.eqns[0].params["unroll"] == k
    check_grads(fg.jit(unrolled), (C0, xs), order=2)
    with pytest.raises(TypeError, match="unroll must be a positive int"):
        lax.scan(cumulative, C0, xs, unroll=0)


def test_double_backward_of_the_tensor_face_through_a_scan_node():
    # create_graph re-traces a node's saved arguments, not the residuals computed from them: the recomputing rule
    # takes over there. A zero-length scan is a lax.scan node even outside jit.
    torch = fg
    c = torch.tensor([0.3, -0.4], dtype=torch.float64, requires_grad=True)
    y = (lax.scan(lambda c, x: (c * x, c), c, torch.zeros((0, 2), dtype=torch.float64))[0] ** 3).sum()
    g, = torch.autograd.grad(y, c, create_graph=True)
    gg, = torch.autograd.grad(g.sum(), c)
    np.testing.assert_allclose(g.detach().numpy(), 3 * np.array([0.3, -0.4]) ** 2)
    np.testing.assert_allclose(gg.numpy(), 6 * np.array([0.3, -0.4]))


def test_vmap_of_scan_equals_a_loop_over_examples():
    c0s, xss = rng.normal(size=(4, 2)), rng.normal(size=(4, 5, 2))
    want = np.stack([scan_python(c, x) for c, x in zip(c0s, xss)])
    np.testing.assert_allclose(fg.vmap(scan_loss)(c0s, xss), want)
    np.testing.assert_allclose(fg.vmap(fg.jit(scan_loss))(c0s, xss), want)
    np.testing.assert_allclose(fg.jit(fg.vmap(scan_loss))(c0s, xss), want)
    np.testing.assert_allclose(fg.jit(fg.vmap(scan_loss, in_axes=(None, 0)))(C0, xss),
                               np.stack([scan_python(C0, x) for x in xss]))
    np.testing.assert_allclose(fg.vmap(fg.jit(fg.grad(scan_loss)))(c0s, xss),
                               np.stack([fg.grad(scan_python)(c, x) for c, x in zip(c0s, xss)]))


def power(x, n):
    return lax.fori_loop(0, n, lambda i, c: c * x + fnp.sin(c) * i, x)


def power_python(x, n):
    c = x
    for i in range(n):
        c = c * x + fnp.sin(c) * i
    return c


def test_fori_loop_with_static_bounds_is_reverse_differentiable():
    x = np.array([0.4, 0.9])
    f = fg.jit(lambda x: fnp.sum(power(x, 4)))
    np.testing.assert_allclose(f(x), fnp.sum(power_python(x, 4)))
    np.testing.assert_allclose(fg.jit(fg.grad(lambda x: fnp.sum(power(x, 4))))(x),
                               fg.grad(lambda x: fnp.sum(power_python(x, 4)))(x))
    check_grads(f, (x,), order=2)
    assert float(lax.fori_loop(0, 4, lambda i, c: c + i, 0)) == 6.0
    assert float(lax.fori_loop(3, 1, lambda i, c: c + i, 0.5)) == 0.5


def test_while_loop_under_jit_runs_the_new_inputs_trip_count():
    calls = []

    def body(c):
        calls.append(1)
        return c * 2.0

    f = fg.jit(lambda x, limit: lax.while_loop(lambda c: fnp.sum(c) < limit, body, x))
    np.testing.assert_array_equal(f(np.ones(2), np.float64(10.0)), [8.0, 8.0])
    n = len(calls)
    np.testing.assert_array_equal(f(np.ones(2), np.float64(100.0)), [64.0, 64.0])
    np.testing.assert_array_equal(f(np.ones(2), np.float64(1.0)), [1.0, 1.0])  # zero trips
    assert len(calls) == n
    # traced bounds: a while loop
    g = fg.jit(lambda x, n: power(x, n))
    for n in (0, 1, 3, 5):
        np.testing.assert_allclose(g(np.array([0.4, 0.9]), np.int64(n)), power_python(np.array([0.4, 0.9]), n))


def test_while_loop_is_forward_differentiable_and_batches_with_jax_semantics():
    def newton(a):  # sqrt(a) by Newton's method: a data-dependent trip count
        return lax.while_loop(lambda s: fnp.abs(s[0] * s[0] - a) > 1e-12, lambda s: ((s[0] + a / s[0]) / 2,), (a,))[0]

    a = np.float64(3.0)
    np.testing.assert_allclose(fg.jit(newton)(a), np.sqrt(3.0))
    np.testing.assert_allclose(fg.jvp(fg.jit(newton), (a,), (np.float64(1.0),))[1], 0.5 / np.sqrt(3.0))
    np.testing.assert_allclose(fg.jit(lambda a: fg.jvp(newton, (a,), (np.float64(1.0),))[1])(a), 0.5 / np.sqrt(3))
    np.testing.assert_allclose(fg.jacfwd(fg.jit(newton))(a), 0.5 / np.sqrt(3.0))
    np.testing.assert_allclose(fg.grad(fg.jit(newton))(a), 0.5 / np.sqrt(3.0))  # concrete at backward time
    np.testing.assert_allclose(fg.grad(newton)(a), 0.5 / np.sqrt(3.0))  # eager: a Python loop
    check_grads(fg.jit(lambda x: power(x, np.int64(3))), (np.array([0.4, 0.9]),), order=2, modes=("fwd",))
    a_s = np.array([2.0, 9.0, 0.25, 100.0])  # different trip counts per example
    np.testing.assert_allclose(fg.vmap(fg.jit(newton))(a_s), np.sqrt(a_s))
    np.testing.assert_allclose(fg.jit(fg.vmap(newton))(a_s), np.sqrt(a_s))
    np.testing.assert_allclose(fg.vmap(newton)(a_s), np.sqrt(a_s))
    counts = fg.vmap(lambda n: lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 2.0),
                                              (np.int64(0), np.float64(1.0)))[1])(np.array([0, 3, 1]))
    np.testing.assert_array_equal(counts, [1.0, 8.0, 2.0])


def test_reverse_mode_through_while_loop_inside_jit_raises_and_says_what_to_do():
    f = fg.jit(fg.grad(lambda x, n: fnp.sum(power(x, n))))
    with pytest.raises(ValueError, match="reverse-differentiated.*fori_loop with Python int bounds or scan"):
        f(np.array([0.4, 0.9]), np.int64(3))


# --- errors ---------------------------------------------------------------------------------------------------
def test_branches_that_disagree_name_both():
    with pytest.raises(TypeError, match=r"same structure.*false_fun.*true_fun"):
        fg.jit(lambda x: lax.cond(x[0] > 0, lambda v: (v, v), lambda v: v, x))(np.ones(2))
    with pytest.raises(TypeError, match=r"shapes and dtypes.*false_fun \(<lambda>\) returns \(float64\[2\]\).*"
                                        r"true_fun \(<lambda>\) returns \(float32\[2\]\)"):
        fg.jit(lambda x: lax.cond(x[0] > 0, lambda v: v.astype(np.float32), lambda v: v, x))(np.ones(2))
    with pytest.raises(TypeError, match=r"branches\[0\].*float64\[2\].*branches\[1\].*float64\[\]"):
        fg.jit(lambda i, x: lax.switch(i, [lambda v: v, lambda v: v[0]], x))(np.int64(0), np.ones(2))


def test_bad_predicates_and_indices():
    with pytest.raises(TypeError, match=r"pred must be a scalar.*shape \(2,\).*where"):
        lax.cond(np.array([True, False]), lambda: 1.0, lambda: 0.0)
    with pytest.raises(TypeError, match=r"index must have dtype int"):
        lax.switch(1.5, [lambda: 1.0, lambda: 0.0])
    with pytest.raises(TypeError, match="boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c - 1.0, np.ones(2))


def test_loop_carry_changes_and_mismatched_xs():
    with pytest.raises(TypeError, match=r"carry of the shapes and dtypes.*float64\[\].*float64\[2\]"):
        lax.scan(lambda c, x: (c + x, x), 0.0, np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"carry of the shapes and dtypes.*float64\[\].*float64\[2\]"):
        fg.jit(lambda a: lax.scan(lambda c, x: (c + x, x), a, np.ones((3, 2))))(np.float64(0.0))
    with pytest.raises(TypeError, match=r"carry of the shapes and dtypes.*int64\[\].*float64\[\]"):
        fg.jit(lambda x: lax.fori_loop(0, 3, lambda i, c: c * x, 1))(np.float64(2.0))
    with pytest.raises(ValueError, match=r"share their leading axis length.*\(3, 2\), \(4,\)"):
        lax.scan(lambda c, x: (c, x), 0.0, (np.ones((3, 2)), np.ones(4)))
    with pytest.raises(ValueError, match=r"length=5"):
        lax.scan(lambda c, x: (c, x), 0.0, np.ones(4), length=5)
    with pytest.raises(TypeError, match="must return a pair"):
        lax.scan(lambda c, x: c, 0.0, np.ones(4))
    with pytest.raises(TypeError, match="structure"):
        fg.jit(lambda x: lax.while_loop(lambda c: c[0] < 3.0, lambda c: c[0] + 1.0, (x,)))(np.float64(0.0))


def test_python_control_flow_under_jit_points_to_lax_and_the_users_line():
    with pytest.raises(TracedConversionError) as info:
        fg.jit(lambda x: x if x[0] > 0 else -x)(np.ones(2))
    msg = str(info.value)
    assert f"{__file__}:" in msg
    for name in ("funcgrad.lax.cond", "funcgrad.lax.while_loop", "fori_loop", "scan", "funcgrad.numpy.where"):
        assert name in msg
    assert "planned" not in msg
    with pytest.raises(TracedConversionError) as info:  # inside a traced branch, the same
        fg.jit(lambda x: lax.cond(x[0] > 0, lambda v: v if v[1] > 0 else -v, lambda v: v, x))(np.ones(2))
    assert f"{__file__}:" in str(info.value) and "funcgrad.lax" in str(info.value)


def test_export_names_a_lax_node():
    with pytest.raises(fg.ExportError, match="lax.cond"):
        fg.export(lambda x: lax.cond(x[0] > 0, fnp.sin, fnp.cos, x), np.ones(2))


def test_in_place_plan_never_writes_into_a_value_a_branch_handed_through():
    big = np.linspace(-1.0, 1.0, 1 << 14)  # large enough for the in-place plan

    def f(x):
        y = fnp.exp(x)
        z = lax.cond(x[0] > 0, lambda v: v * 2.0, lambda v: v, y)  # the false branch hands y through
        return fnp.tanh(y) + z

    h = fg.jit(f)
    np.testing.assert_allclose(h(big + 2.0), np.tanh(np.exp(big + 2)) + 2 * np.exp(big + 2))
    np.testing.assert_allclose(h(big - 2.0), np.tanh(np.exp(big - 2)) + np.exp(big - 2))


def test_nested_cond_inside_scan_under_jit_grad_and_vmap():
    def body(c, x):
        c = lax.cond(x > 0, lambda v: fnp.sin(v) + x, lambda v: v * x, c)
        return c, c ** 2

    def f(c, xs):
        c, ys = lax.scan(body, c, xs)
        return fnp.sum(ys) + c

    def f_python(c, xs):
        ys = []
        for x in xs:
            c = fnp.sin(c) + x if x > 0 else c * x
            ys.append(c ** 2)
        return fnp.sum(fnp.stack(ys)) + c

    xs, c, cs = np.array([0.5, -0.3, 1.2, -0.7]), np.float64(0.4), np.array([0.1, 0.4, -0.2])
    np.testing.assert_allclose(fg.jit(f)(c, xs), f_python(c, xs))
    np.testing.assert_allclose(fg.jit(f)(c, -xs), f_python(c, -xs))  # every step takes the other branch
    for got, want in zip(fg.jit(fg.grad(f, argnums=(0, 1)))(c, xs), fg.grad(f_python, argnums=(0, 1))(c, xs)):
        np.testing.assert_allclose(got, want)
    check_grads(fg.jit(f), (c, xs), order=2)
    np.testing.assert_allclose(fg.jit(fg.vmap(fg.grad(f), in_axes=(0, None)))(cs, xs),
                               [fg.grad(f_python)(ci, xs) for ci in cs])
