"""funcgrad.jit: caching, static arguments, pytrees, composition with every transform (both orders), custom rules
and checkpoint inside, the errors for Python control flow on traced values, the retrace warning, threads.

Every result is compared with eager execution of the same function, and gradients with central finite
differences, so a jit that replayed a wrong or stale graph fails here.
"""
import functools
import threading
import warnings
from collections import namedtuple

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.errors import TracedConversionError

RNG = np.random.default_rng(0)


def fd_grad(f, x, eps=1e-6):
    """Central finite differences of a scalar f at x (float64)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
    return g


def loss(w, x):
    return fnp.sum(fnp.tanh(x @ w) ** 2) / 3.0


# --- the cache ----------------------------------------------------------------------------------------------------
def test_python_runs_once_per_signature_and_replays_match_eager():
    calls = []

    def f(x, y):
        calls.append(1)
        return fnp.sin(x) * y + fnp.exp(-x)

    jf = fg.jit(f)
    for _ in range(3):
        x, y = RNG.standard_normal(4), RNG.standard_normal(4)
        np.testing.assert_allclose(jf(x, y), f(x, y), rtol=1e-14)
    assert len(calls) == 1 + 3  # one recording, three eager reference calls
    jf(np.ones(5), np.ones(5))  # a new shape records again
    assert jf.cache_info() == fg.jit.CacheInfo(hits=2, misses=2, traces=2, currsize=2)
    jf(np.ones(5, dtype=np.float32), np.ones(5, dtype=np.float32))
    assert jf.cache_info().misses == 3
    jf.clear_cache()
    assert jf.cache_info() == (0, 0, 0, 0)
    jf(np.ones(5), np.ones(5))
    assert jf.cache_info().traces == 1


def test_decorator_forms_and_static_arguments():
    seen = []

    @functools.partial(fg.jit, static_argnums=(1,), static_argnames=("mode",))
    def f(x, n, mode="sum"):
        seen.append((n, mode))
        y = x ** n
        return fnp.sum(y) if mode == "sum" else fnp.max(y)

    x = np.arange(1.0, 4.0)
    assert float(f(x, 2)) == 14.0 and float(f(x, 2)) == 14.0
    assert float(f(x, 3, mode="max")) == 27.0
    assert seen == [(2, "sum"), (3, "max")]

    @fg.jit
    def g(x):
        return x * 2.0

    np.testing.assert_array_equal(g(x), x * 2.0)
    assert fg.jit(lambda x: x + 1.0)(x)[0] == 2.0
    # Python numbers are static (one graph per value, NumPy's dtype promotion is kept)
    h = fg.jit(lambda x, s: x * s)
    out = h(np.ones(2, dtype=np.float32), 0.5)
    assert out.dtype == np.float32 and out[0] == 0.5
    assert h(np.ones(2, dtype=np.float32), 0.25)[0] == 0.25


def test_pytrees_in_and_out_and_outputs_that_are_inputs_constants_or_python_values():
    P = namedtuple("P", "w b")
    c = np.arange(3.0)

    def f(params, xs, scale=1.0):
        y = xs["a"] @ params.w + params.b
        return {"y": y * scale, "same": xs["b"], "const": c, "fresh": np.ones(2), "n": y.shape[0], "none": None,
                "tag": "ok", "pair": (params.b, 3)}

    p = P(RNG.standard_normal((3, 2)), RNG.standard_normal(2))
    xs = {"a": RNG.standard_normal((4, 3)), "b": RNG.standard_normal(5)}
    jf = fg.jit(f)
    for _ in range(2):
        out, ref = jf(p, xs, scale=2.0), f(p, xs, scale=2.0)
        np.testing.assert_allclose(out["y"], ref["y"], rtol=1e-14)
        assert out["same"] is xs["b"] and out["pair"][0] is p.b
        np.testing.assert_array_equal(out["const"], c)
        assert out["n"] == 4 and out["none"] is None and out["tag"] == "ok" and out["pair"][1] == 3
        out["fresh"][0] = 7.0  # a returned constant is the caller's: writing into it changes no later call
    assert jf(p, xs, scale=2.0)["fresh"][0] == 1.0


# --- composition ----------------------------------------------------------------------------------------------------
def _wx():
    return RNG.standard_normal((3, 2)), RNG.standard_normal((4, 3))


def test_closed_over_arrays_are_captured_by_value_when_recorded():
    # the passes read constants (a product with ones vanishes), so a live constant would mix old and new values
    v = np.array([0.5, 1.0, 2.0])
    scale, ones, idx = np.array([1.0, 2.0, 3.0]), np.ones(3), np.array([2, 0])
    f = fg.jit(lambda x: (x * scale + fnp.sum(scale), x * ones, x[idx]))
    want = [np.copy(r) for r in f(v)]
    scale[0], ones[1], idx[0] = 100.0, 7.0, 1
    for got, w in zip(f(v), want):
        np.testing.assert_array_equal(got, w)
    np.testing.assert_array_equal(fg.jit(lambda x: x * scale)(v), v * scale)  # a new jit records the new value
    frozen = np.arange(3.0)
    frozen.flags.writeable = False  # nothing can change it: kept without a copy
    g = fg.jit(lambda x: x + frozen)
    g(v)
    assert any(c is frozen for c in g.lower(v).graph.consts.values())


def test_jit_of_grad_and_grad_of_jit_match_eager_and_finite_differences():
    w, x = _wx()
    ref = fg.grad(loss)(w, x)
    np.testing.assert_allclose(ref, fd_grad(lambda v: loss(v, x), w), rtol=1e-6, atol=1e-8)
    jg = fg.jit(fg.grad(loss))
    gj = fg.grad(fg.jit(loss))
    for _ in range(2):
        np.testing.assert_allclose(jg(w, x), ref, rtol=1e-12)
        np.testing.assert_allclose(gj(w, x), ref, rtol=1e-12)
    vg = fg.jit(fg.value_and_grad(loss, argnums=(0, 1)))
    v, (gw, gx) = vg(w, x)
    np.testing.assert_allclose(v, loss(w, x), rtol=1e-14)
    np.testing.assert_allclose(gx, fd_grad(lambda u: loss(w, u), x), rtol=1e-6, atol=1e-8)


def test_vmap_both_orders_and_jit_of_vmap_of_grad():
    w, _ = _wx()
    xs = RNG.standard_normal((5, 4, 3))
    ref = np.stack([loss(w, xi) for xi in xs])
    per_ex = fg.vmap(loss, in_axes=(None, 0))
    np.testing.assert_allclose(fg.jit(per_ex)(w, xs), ref, rtol=1e-13)
    np.testing.assert_allclose(fg.vmap(fg.jit(loss), in_axes=(None, 0))(w, xs), ref, rtol=1e-13)
    grads = fg.jit(fg.vmap(fg.grad(loss), in_axes=(None, 0)))(w, xs)
    for g, xi in zip(grads, xs):
        np.testing.assert_allclose(g, fd_grad(lambda v: loss(v, xi), w), rtol=1e-6, atol=1e-8)
    grads2 = fg.vmap(fg.grad(fg.jit(loss)), in_axes=(None, 0))(w, xs)
    np.testing.assert_allclose(grads2, grads, rtol=1e-12)


def test_jvp_both_orders_and_hessian_of_jit():
    w, x = _wx()
    t = RNG.standard_normal(w.shape)
    out, tan = fg.jvp(lambda v: loss(v, x), (w,), (t,))
    np.testing.assert_allclose(tan, np.sum(fd_grad(lambda v: loss(v, x), w) * t), rtol=1e-6)
    jl = fg.jit(loss)
    o2, t2 = fg.jvp(lambda v: jl(v, x), (w,), (t,))
    np.testing.assert_allclose([o2, t2], [out, tan], rtol=1e-12)
    o3, t3 = fg.jit(lambda v, tv: fg.jvp(lambda u: loss(u, x), (v,), (tv,)))(w, t)
    np.testing.assert_allclose([o3, t3], [out, tan], rtol=1e-12)
    h = fg.hessian(jl)(w, x)
    h_ref = fg.hessian(loss)(w, x)
    np.testing.assert_allclose(h, h_ref, rtol=1e-11, atol=1e-13)
    col = fd_grad(lambda v: fg.grad(loss)(v, x)[0, 0], w)  # one row of the Hessian, by differences of grad
    np.testing.assert_allclose(h[0, 0], col, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fg.jit(fg.hessian(loss))(w, x), h_ref, rtol=1e-11, atol=1e-13)


def test_custom_vjp_custom_jvp_and_checkpoint_inside_keep_their_rules():
    @fg.custom_vjp
    def clipped(x):
        return fnp.sin(x)

    clipped.defvjp(lambda x: (fnp.sin(x), x), lambda x, g: (fnp.clip(g * fnp.cos(x), -0.1, 0.1),))

    @fg.custom_jvp
    def softplus(x):
        return fnp.logaddexp(x, 0.0)

    softplus.defjvp(lambda p, t: (softplus(p[0]), t[0] * 7.0))  # a deliberately "wrong" rule: it must be used

    layer = fg.checkpoint(lambda x: fnp.tanh(x) * 2.0)

    def f(x):
        return fnp.sum(clipped(x) + softplus(x) + layer(x))

    x = np.array([0.0, 0.3, -1.2])
    ref = fg.grad(f)(x)
    np.testing.assert_allclose(ref, np.clip(np.cos(x), -0.1, 0.1) + 7.0 + 2.0 * (1 - np.tanh(x) ** 2), rtol=1e-12)
    jf = fg.jit(f)
    np.testing.assert_allclose(jf(x), f(x), rtol=1e-14)
    for _ in range(2):
        np.testing.assert_allclose(fg.grad(jf)(x), ref, rtol=1e-12)
        np.testing.assert_allclose(fg.jit(fg.grad(f))(x), ref, rtol=1e-12)
    _, t = fg.jvp(jf, (x,), (np.ones(3),))
    _, t_ref = fg.jvp(f, (x,), (np.ones(3),))
    np.testing.assert_allclose(t, t_ref, rtol=1e-12)
    assert "custom_call" in jf.lower(x).as_text()


def test_nested_jit_is_inlined_and_closures_over_outer_traced_values_work():
    inner = fg.jit(lambda x: fnp.tanh(x) * 3.0)
    outer = fg.jit(lambda x: fnp.sum(inner(x) + inner(2.0 * x)))
    x = RNG.standard_normal(4)
    np.testing.assert_allclose(outer(x), np.sum(3 * np.tanh(x) + 3 * np.tanh(2 * x)), rtol=1e-14)
    text = outer.lower(x).as_text()
    assert text.count("tanh(") == 2  # inlined: the inner graph's equations appear in the outer graph

    def g(y):  # a jitted function closing over y, traced by grad outside it
        return fg.jit(lambda x: fnp.sum(x * y))(np.ones(3))

    np.testing.assert_allclose(fg.grad(g)(np.arange(3.0)), np.ones(3))


# --- errors ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    lambda x: x * 2.0 if x[0] > 0 else x,
    lambda x: x * float(x[0]),
    lambda x: x * int(x[0]),
    lambda x: x * x[0].item(),
    lambda x: np.asarray(x) * 2.0,
    lambda x: fnp.zeros(fnp.sum(x).astype(int)),
    lambda x: x[: fnp.sum(x).astype(int)],
    lambda x: fg.grad(lambda v: fnp.sum(v) if v[0] > 0 else v[1])(x),
], ids=["if", "float", "int", "item", "asarray", "shape", "slice", "inside-grad"])
def test_python_control_flow_on_traced_values_names_the_users_line(body):
    with pytest.raises(TracedConversionError) as info:
        fg.jit(body)(np.ones(3))
    msg = str(info.value)
    assert __file__ in msg and "jit(" in msg
    assert "funcgrad.numpy.where" in msg and "static_argnums" in msg and "lax.cond" in msg


def test_shapes_are_static_and_a_branch_on_a_static_argument_works():
    @functools.partial(fg.jit, static_argnums=1)
    def f(x, positive):
        assert isinstance(x.shape, tuple) and all(type(d) is int for d in x.shape)
        return fnp.where(x > 0, x, 0.0) if positive else -x

    np.testing.assert_array_equal(f(np.array([-1.0, 2.0]), True), [0.0, 2.0])
    np.testing.assert_array_equal(f(np.array([-1.0, 2.0]), False), [1.0, -2.0])


def test_retrace_warning_names_the_argument_and_the_change():
    f = fg.jit(lambda x, y: x + y)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        for n in range(1, 10):
            f(np.ones(n), 1.0)
        assert not got  # 8 retraces: no warning yet
        f(np.ones(10), 1.0)
        f(np.ones(11), 1.0)
    assert len(got) == 1
    msg = str(got[0].message)
    assert "retraced 9 times" in msg and "argument 0 ('x')" in msg and "shape (9,) -> (10,)" in msg
    g = fg.jit(lambda x, s: x * s)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        for k in range(10):
            g(np.ones(2), float(k))
    assert "argument 1 ('s')" in str(got[0].message) and "static value 8.0 -> static value 9.0" in str(got[0].message)
    h = fg.jit(lambda x: x * 2)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        for dt in ["f8", "f4", "f2", "i8", "i4", "i2", "i1", "u8", "u4", "u2"]:
            h(np.ones(2, dtype=dt))
    assert "dtype uint32 -> uint16" in str(got[0].message)


# --- threads --------------------------------------------------------------------------------------------------------
def test_four_threads_get_their_own_results_while_tracing_and_replaying():
    barrier = threading.Barrier(4)

    def f(x, k):
        barrier.wait(timeout=10)  # all four record at once: traces must not mix
        return fnp.sum(fnp.sin(x) * k) + fnp.zeros(x.shape[0]).sum()

    jf = fg.jit(f, static_argnums=1)
    results, errors = {}, []

    def work(i):
        try:
            x = np.full(3 + i, float(i))
            results[i] = (jf(x, i + 1), np.sum(np.sin(x) * (i + 1)))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, (got, want) in results.items():
        np.testing.assert_allclose(got, want, rtol=1e-14)
    # replays from four threads at once (the graph is shared, each call's values are its own)
    g = fg.jit(fg.grad(loss))
    w, x = _wx()
    g(w, x)
    xs = [RNG.standard_normal((4, 3)) for _ in range(4)]
    out = [None] * 4

    def rep(i):
        for _ in range(50):
            out[i] = g(w, xs[i])

    threads = [threading.Thread(target=rep, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        np.testing.assert_allclose(out[i], fg.grad(loss)(w, xs[i]), rtol=1e-12)


def test_callable_module_and_lowering():
    import funcgrad.jit as jit_module
    import types

    assert isinstance(fg.jit, types.ModuleType) and jit_module is fg.jit and callable(fg.jit)
    from funcgrad.jit import Lowered, jit

    low = jit(lambda a, b: fnp.tanh(a @ b)).lower(np.ones((2, 3)), np.ones((3, 4)))
    assert isinstance(low, Lowered)
    text = low.as_text()
    assert "matmul(v0, v1)" in text and "float64[2, 4]" in text and "dce:" in text
    cost = low.cost()
    assert cost["flops"] == 2 * 2 * 3 * 4 + 2 * 4 and cost["bytes_allocated"] == 2 * 2 * 4 * 8
    with pytest.raises(ValueError, match="unknown pass"):
        fg.jit(lambda x: x, passes=("fusion",))(np.ones(2))


def test_tensor_face_values_pass_through_and_backward_reaches_them():
    # Tensors are pytree nodes; a requires_grad Tensor's value is traced by the Tensor graph, so the replay records
    # onto that graph and loss.backward() differentiates through the jitted part
    t = fg.tensor([1.0, 2.0], requires_grad=True)
    jf = fg.jit(lambda t: (fg.tanh(t) * 2.0).sum())
    for _ in range(2):
        t.grad = None
        jf(t).backward()
        np.testing.assert_allclose(t.grad.numpy(), fd_grad(lambda v: np.sum(np.tanh(v) * 2.0),
                                                            np.array([1.0, 2.0])), rtol=1e-5)
    assert jf.cache_info().traces == 1


def test_float32_keeps_numpy_promotion_and_odd_outputs_come_back():
    # the replay converts Python-number constants once: float32 stays float32 and the values are NumPy's exactly
    def f(x):
        return fnp.tanh(x * 1.5 + 2) - 0.5 * x

    x = np.arange(4, dtype=np.float32)
    jf = fg.jit(f)
    for _ in range(2):
        out = jf(x)
        assert out.dtype == np.float32 and np.array_equal(out, f(x))
    assert fg.jit(lambda v: None)(x) is None
    assert fg.vmap(fg.jit(lambda v: fnp.sin(v) * 2.0))(np.zeros((0, 3))).shape == (0, 3)


# --- the fast path: calls with NumPy arrays in tuples, lists and dicts skip the pytree structure -------------------
def test_fast_path_keys_every_part_of_the_signature_and_builds_every_output_container():
    P = namedtuple("P", "a b")

    def f(d, xs, x):
        s = d["u"] * 2.0 + xs[0]
        return {"t": (s,), "l": [d["v"], xs[1] - x], "p": P(s, x), "none": None, "n": s.shape[0]}, s.sum()

    jf = fg.jit(f)
    x = RNG.standard_normal(3)
    calls = [({"u": x, "v": x + 1}, [x, x * 3], x), ({"v": x + 2, "u": x - 1}, [x, x], x + 1),  # other key order
             ({"u": x, "v": x}, (x, x), x), ({"u": x[:2], "v": x}, [x[:2], x[1:]], x[:2]),  # a tuple; other shapes
             ({"u": x.astype(np.float32), "v": x}, [x, x], x), ({"u": np.arange(6.0)[::2], "v": x}, [x, x], x),
             ({"u": x, "v": x, "w": x}, [x, x], x)]  # float32; not C-contiguous; another key
    for args in calls * 2:
        (out, total), (ref, ref_total) = jf(*args), f(*args)
        assert fg.tree.structure(out) == fg.tree.structure(ref) and type(out["p"]) is P
        for a, b in zip(fg.tree.leaves(out), fg.tree.leaves(ref)):
            assert np.asarray(a).dtype == np.asarray(b).dtype
            np.testing.assert_allclose(a, b, rtol=1e-6)
        np.testing.assert_allclose(total, ref_total, rtol=1e-6)
    # the key orders share one graph; the tuple, the shapes, the dtype, the layout and the key set each get their own
    assert jf.cache_info() == fg.jit.CacheInfo(hits=2 * len(calls) - 6, misses=6, traces=6, currsize=6)
    jf.clear_cache()
    assert jf(*calls[0])[1] == f(*calls[0])[1] and jf.cache_info().misses == 1


def test_fast_path_leaves_other_leaves_to_the_general_signature():
    # Python numbers are static, Tensors go to funcgrad.compile, traced values replay through the primitives
    jf = fg.jit(lambda x, n: x * n)
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(jf(x, 2.0), x * 2.0)
    np.testing.assert_allclose(jf(x, 3.0), x * 3.0)
    assert jf.cache_info().traces == 2
    g = fg.grad(lambda v: fnp.sum(jf(v, np.float64(2.0)) ** 2))(x)
    np.testing.assert_allclose(g, 8.0 * x)
    sub = np.ndarray  # an ndarray subclass is not the fast path's exact type: it still gets a correct replay

    class Sub(sub):
        pass

    jg = fg.jit(lambda v: fnp.sin(v))
    for _ in range(2):
        np.testing.assert_allclose(jg(x.view(Sub)), np.sin(x))


def test_tree_leaf_type_cache_forgets_a_type_when_it_is_registered():
    class Box2:
        def __init__(self, a, b):
            self.a, self.b = a, b

    node = Box2(1.0, 2.0)
    assert fg.tree.leaves(node) == [node]  # not registered yet: a leaf (and remembered as one)
    fg.tree.register_pytree_node(Box2, lambda p: ((p.a, p.b), None), lambda aux, ch: Box2(*ch))
    assert fg.tree.leaves(node) == [1.0, 2.0]
    td = fg.tree.structure([node, {"k": node}])
    assert hash(td) == hash(fg.tree.structure([node, {"k": node}])) and td.num_leaves == 4
    assert td != fg.tree.structure([node, {"j": node}])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reductions_over_a_short_last_axis_or_the_leading_axes_match_the_primitives(dtype):
    # 128 rows of 10 (and 2 x 64 of 8): the replay reduces a transposed copy (see replay.SHORT_AXIS)
    from funcgrad.scipy.special import logsumexp
    rng = np.random.default_rng(5)
    for shape in ((128, 10), (2, 64, 8)):
        x = rng.standard_normal(shape).astype(dtype)
        odd = x.copy()
        rows = odd.reshape(-1, shape[-1])  # a view: the writes below land in odd
        rows[1] = -np.inf  # an all -inf row, an inf and a nan: the replay falls back to the primitive
        rows[2, 0] = np.inf
        rows[3, 1] = np.nan
        tol = dict(rtol=2e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-13)
        with np.errstate(invalid="ignore"):
            for keepdims in (True, False):
                f = lambda a: logsumexp(a, axis=-1, keepdims=keepdims)  # noqa: E731
                j = fg.jit(f)
                for a in (x, odd, np.asfortranarray(x), x[::-1]):  # layouts: the input must stay unwritten
                    before = a.copy()
                    got, want = j(a), f(a)
                    assert got.dtype == want.dtype and got.shape == want.shape
                    np.testing.assert_allclose(got, want, **tol)
                    np.testing.assert_array_equal(a, before)
        # sum_to, the broadcast operand's cotangent: over the short last axis (transposed), over the leading axes
        # (a product with ones)
        g = fg.grad(lambda a, b: fnp.sum(fnp.sin(a + b) * a), argnums=1)
        for b in (rng.standard_normal(shape[:-1] + (1,)), rng.standard_normal(shape[-1:])):
            b = b.astype(dtype)
            axes = tuple(i for i in range(x.ndim) if i >= x.ndim - b.ndim and b.shape[i - x.ndim] == 1) \
                if b.ndim == x.ndim else tuple(range(x.ndim - b.ndim))
            for _ in range(2):
                got, want = fg.jit(g)(x, b), g(x, b)
                assert got.dtype == want.dtype and got.shape == want.shape
                np.testing.assert_allclose(got, want, **tol)
            ref = np.sum(np.cos(x + b).astype(np.float64) * x, axis=axes).reshape(b.shape)
            np.testing.assert_allclose(fg.jit(g)(x, b), ref, rtol=1e-4 if dtype == np.float32 else 1e-12,
                                       atol=1e-4 if dtype == np.float32 else 1e-12)
