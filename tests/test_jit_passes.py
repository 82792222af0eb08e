"""The jit passes change no result: every registered primitive (through its registry spec) and many random
compositions give, under jit, what they give eagerly, with each pass alone, all passes, and none, under grad and
vmap too; and each pass does the work it claims (read from the listing and the graph).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.jit import api as japi
from funcgrad.jit import fuse as jfuse
from funcgrad.jit import passes as P
from specs import all_specs

CONFIGS = {"none": (), "all": P.DEFAULT_PASSES, "simplify": ("simplify",), "fold": ("fold",), "cse": ("cse",),
           "dce": ("dce",), "inplace": ("inplace",), "cse+fuse": ("cse", "fuse"), "fuse": ("fuse",)}


def _close(a, b, rtol=1e-10, atol=1e-12):
    la, lb = fg.tree.leaves(a), fg.tree.leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape and x.dtype == y.dtype, (x.shape, y.shape, x.dtype, y.dtype)
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, equal_nan=True)


def _reordered(a):
    if hasattr(a, "shape") and getattr(a, "size", 0) > 1:
        return np.ascontiguousarray(np.flip(np.asarray(a).reshape(-1)).reshape(a.shape))
    return a


# --- every registered primitive, through its spec --------------------------------------------------------------------
SPECS = all_specs()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@settings(max_examples=2)
@given(data=st.data())
def test_every_primitive_under_jit_matches_eager(spec, data):
    fun, args = data.draw(spec.strategy)
    # a second call of the same signature with other values (the same values reordered: still in the domain)
    # replays the graph: a value baked in while recording would show here
    args2 = tuple(_reordered(a) for a in args)
    try:
        want, want2 = fun(*args), fun(*args2)
    except Exception:  # noqa: BLE001 - a draw the primitive rejects eagerly says nothing about jit
        return
    jf = fg.jit(fun)
    try:
        got = jf(*args)
    except fg.core.TracedConversionError:
        return  # the op needs a concrete value (a data-dependent shape or a traced index): jit refuses, clearly
    _close(got, want)
    _close(jf(*args2), want2)
    if spec.differentiable and spec.order >= 1:
        def scalar(*a):
            return fnp.sum(fnp.real(fun(*a)) if not isinstance(fun(*a), tuple) else fnp.real(fun(*a)[0]))

        try:
            g_want = fg.grad(scalar, argnums=tuple(range(len(args))))(*args)
        except Exception:  # noqa: BLE001 - not differentiable at this draw (integer args ...)
            return
        _close(fg.jit(fg.grad(scalar, argnums=tuple(range(len(args)))))(*args), g_want, rtol=1e-9, atol=1e-11)
        _close(fg.grad(fg.jit(scalar), argnums=tuple(range(len(args))))(*args), g_want, rtol=1e-9, atol=1e-11)


# --- random compositions ------------------------------------------------------------------------------------------
UNARY = ["tanh", "sin", "cos", "exp_small", "negative", "square", "transpose2", "mT2", "times_one", "plus_zero",
         "sum_keep", "mean_keep", "abs_smooth", "view_T", "view_flip", "view_reversed"]
BINARY = ["add", "subtract", "multiply", "maximum", "where", "matmul_sq", "sum_of_matmul"]
SHAPE = (3, 3)


def _apply(op, a, b, consts):
    if op == "tanh":
        return fnp.tanh(a)
    if op == "sin":
        return fnp.sin(a)
    if op == "cos":
        return fnp.cos(a)
    if op == "exp_small":
        return fnp.exp(fnp.tanh(a))
    if op == "negative":
        return -a
    if op == "square":
        return fnp.tanh(a) * fnp.tanh(a)
    if op == "transpose2":
        return fnp.transpose(fnp.transpose(a))
    if op == "mT2":
        return fnp.matrix_transpose(fnp.matrix_transpose(a))
    if op == "view_T":  # views: a fused or in-place kernel must not overwrite a buffer a view still reads
        return a.T + fnp.tanh(a)
    if op == "view_flip":
        return fnp.flip(a, 0) - a
    if op == "view_reversed":
        return a[:, ::-1] * 0.5 + a
    if op == "times_one":
        return a * consts["ones"]
    if op == "plus_zero":
        return consts["zeros"] + a - 0.0
    if op == "sum_keep":
        return fnp.broadcast_to(fnp.sum(a, axis=0, keepdims=True), SHAPE)
    if op == "mean_keep":
        return a - fnp.mean(a, axis=1, keepdims=True)
    if op == "abs_smooth":
        return fnp.sqrt(a * a + 1.0)
    if op == "add":
        return a + b
    if op == "subtract":
        return a - b
    if op == "multiply":
        return a * b
    if op == "maximum":
        return fnp.maximum(a, b + 0.5)
    if op == "where":
        return fnp.where(a > b, a, b * 0.5)
    if op == "sum_of_matmul":
        return fnp.sum(a @ b) * a
    if op == "matmul_sq":
        return fnp.tanh(a @ b) if consts["flag"] else consts["ones"] @ b + a @ consts["ones"]
    raise AssertionError(op)


@st.composite
def programs(draw):
    n = draw(st.integers(2, 9))
    steps = []
    for _ in range(n):
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(UNARY)), draw(st.integers(0, 50)), None))
        else:
            steps.append((draw(st.sampled_from(BINARY)), draw(st.integers(0, 50)), draw(st.integers(0, 50))))
    outs = draw(st.lists(st.integers(0, 50), min_size=1, max_size=3))
    flag = draw(st.booleans())
    return steps, outs, flag


def make(program):
    steps, outs, flag = program
    consts = {"ones": np.ones(SHAPE), "zeros": np.zeros(SHAPE), "flag": flag}

    def f(x, y):
        vals = [x, y]
        for op, i, j in steps:
            a = vals[i % len(vals)]
            b = vals[j % len(vals)] if j is not None else None
            vals.append(_apply(op, a, b, consts))
            if op in ("tanh", "sin", "view_T"):  # a repeated subexpression for CSE, and a dead one for DCE
                vals.append(_apply(op, a, b, consts))
                _ = fnp.exp(a)
        return [vals[k % len(vals)] for k in outs]

    return f


def _scalar(f):
    return lambda x, y: sum(fnp.sum(fnp.sin(o)) for o in f(x, y))


@settings(max_examples=40)
@given(program=programs(), seed=st.integers(0, 2 ** 16))
def test_random_programs_give_eager_results_with_any_passes(program, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-1, 1, SHAPE), rng.uniform(-1, 1, SHAPE)
    f = make(program)
    want = f(x, y)
    g_want = fg.grad(_scalar(f), argnums=(0, 1))(x, y)
    xs, ys = rng.uniform(-1, 1, (4,) + SHAPE), rng.uniform(-1, 1, (4,) + SHAPE)
    v_want = fg.vmap(f)(xs, ys)
    # small arrays run in place and fuse too, here
    min_bytes, japi.INPLACE_MIN_BYTES = japi.INPLACE_MIN_BYTES, 0
    fuse_bytes, jfuse.FUSE_MIN_BYTES = jfuse.FUSE_MIN_BYTES, 0
    try:
        _check_configs(f, x, y, xs, ys, want, g_want, v_want)
    finally:
        japi.INPLACE_MIN_BYTES, jfuse.FUSE_MIN_BYTES = min_bytes, fuse_bytes
    # the inputs were never written into, whatever ran in place
    assert np.array_equal(x, np.random.default_rng(seed).uniform(-1, 1, SHAPE))


def _check_configs(f, x, y, xs, ys, want, g_want, v_want):
    for name, passes in CONFIGS.items():
        jf = fg.jit(f, passes=passes)
        _close(jf(x, y), want)
        _close(jf(x, y), want)  # the replay, not just the recording
        _close(fg.jit(fg.grad(_scalar(f), argnums=(0, 1)), passes=passes)(x, y), g_want)
        _close(fg.grad(_scalar(jf), argnums=(0, 1))(x, y), g_want)
        _close(fg.jit(fg.vmap(f), passes=passes)(xs, ys), v_want)
        _close(fg.vmap(jf)(xs, ys), v_want)
        jd = fg.jit(f, passes=passes, donate_argnums=(0, 1))  # the donated copies may hold any value afterwards
        _close(jd(x.copy(), y.copy()), want)
        _close(jd(x.copy(), y.copy()), want)
        _close(fg.jit(fg.grad(_scalar(f), argnums=(0, 1)), passes=passes, donate_argnums=(0, 1))(x.copy(), y.copy()),
               g_want)


def test_a_merged_value_read_through_a_view_is_not_overwritten_by_a_fused_kernel():
    # cse merges exp(x) and the exp(x) under .T; fusion must then see that the transpose reads the merged buffer
    x = np.random.default_rng(0).normal(size=(128, 128))  # above the fusion threshold
    for f in (lambda x: fnp.exp(x) * 2 + fnp.exp(x).T,
              lambda x: (fnp.tanh(x) + 1) * 2 + (fnp.tanh(x) + 1).T,
              lambda x: (x[:, ::-1] - (x + x)) - fnp.flip(x + x, 0)):
        _close(fg.jit(f)(x), f(x))
        s = lambda x: fnp.sum(f(x) ** 2)  # noqa: E731
        _close(fg.jit(fg.grad(s))(x), fg.grad(s)(x))


def test_outputs_merged_by_cse_are_separate_arrays():
    p, q = fg.jit(lambda x: (x * 2, x * 2))(np.ones(3))
    p[0] = -5.0
    assert q.tolist() == [2.0, 2.0, 2.0]


# --- each pass does what it says --------------------------------------------------------------------------------------
def _eqn_names(lowered):
    return [e.prim.name for e in lowered.graph.eqns]


def test_dce_and_cse():
    def f(x):
        a = fnp.sin(x)
        b = fnp.sin(x)
        _ = fnp.exp(x) * 3.0  # dead
        return a + b

    x = np.arange(3.0)
    assert _eqn_names(fg.jit(f, passes=()).lower(x)) == ["sin", "sin", "exp", "multiply", "add"]
    assert _eqn_names(fg.jit(f, passes=("dce",)).lower(x)) == ["sin", "sin", "add"]
    assert _eqn_names(fg.jit(f, passes=("cse", "dce")).lower(x)) == ["sin", "add"]
    text = fg.jit(f).lower(x).as_text()
    assert "dce: removed 2 equation(s)" in text and "cse: merged 1 equation(s)" in text


def test_simplify_transposes_ones_and_zeros():
    def f(x):
        return fnp.transpose(fnp.transpose(x, (1, 2, 0)), (2, 0, 1)) * 1.0 + 0.0 - np.zeros(4)

    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    low = fg.jit(f).lower(x)
    assert _eqn_names(low) == []  # nothing left to compute: the output is the input
    assert fg.jit(f)(x) is x
    # a product with ones that broadcasts (changes the shape) must stay
    assert _eqn_names(fg.jit(lambda v: v * np.ones((2, 1, 1, 1))).lower(x)) == ["multiply"]
    # a transpose pair that is not the identity becomes one transpose
    g = fg.jit(lambda v: fnp.transpose(fnp.transpose(v, (1, 0, 2)), (0, 2, 1)))
    assert _eqn_names(g.lower(x)) == ["transpose"]
    np.testing.assert_array_equal(g(x), np.transpose(np.transpose(x, (1, 0, 2)), (0, 2, 1)))


def test_a_reductions_reexpansion_is_left_to_broadcasting_and_its_duplicate_merged():
    from funcgrad.scipy.special import log_softmax
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((6, 5)), rng.integers(0, 5, 6)

    def loss(z, labels):
        return -fnp.mean(log_softmax(z, axis=1)[np.arange(6), labels])

    vg = fg.value_and_grad(loss)
    raw = _eqn_names(fg.jit(vg, passes=()).lower(x, y))
    opt = _eqn_names(fg.jit(vg).lower(x, y))
    # the backward pass re-expands logsumexp's result and the cotangent's row sums (expand_reduced) and
    # recomputes x - lse; after simplify + cse + dce neither copy is made and x - lse is computed once
    assert raw.count("expand_reduced") == 2 and raw.count("subtract") == 2
    assert opt.count("expand_reduced") == 0 and opt.count("subtract") == 1
    for labels in (y, np.roll(y, 1)):
        _close(fg.jit(vg)(x, labels), vg(x, labels))
    # a re-expansion whose partner operand does not have the full shape stays (broadcasting would change it)
    f = fg.jit(lambda a: fg.grad(lambda b: fnp.sum(fnp.sum(b, axis=1, keepdims=True) * np.ones((1, 5))))(a))
    _close(f(x), np.full_like(x, 5.0))


def test_tanh_cotangent_squares_h_in_its_own_dying_buffer():
    rng = np.random.default_rng(4)
    W, x = rng.standard_normal((16, 16)), rng.standard_normal((1200, 16))  # 150 KB: above the in-place size

    def loss(W, x):
        return fnp.sum(fnp.tanh(x @ W) @ W)

    g = fg.jit(fg.grad(loss), passes=tuple(p for p in P.DEFAULT_PASSES if p != "fuse"))  # the plan, unfused
    names = _eqn_names(g.lower(W, x))
    assert "square" in names  # g * h * h is g * square(h)
    plan = g.lower(W, x)._entry.plan
    graph = g.lower(W, x).graph
    assert any(graph.eqns[k].prim.name == "square" for k in plan)  # written into h's buffer, h dying there
    _close(g(W, x), fg.grad(loss)(W, x), rtol=1e-12, atol=1e-12)
    # an intermediate a * h used elsewhere too stays as it is
    def f(a, h):
        t = a * h
        return t * h + t

    assert "square" not in _eqn_names(fg.jit(f).lower(x, 2 * x))
    _close(fg.jit(f)(x, 2 * x), f(x, 2 * x))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_replays_logsumexp_matches_the_primitive_on_infinities_and_nans(dtype):
    from funcgrad.scipy.special import logsumexp
    x = np.random.default_rng(3).standard_normal((5, 4)).astype(dtype)
    x[1] = -np.inf  # an all -inf row: -inf, without nans
    x[2, 0] = np.inf
    x[3, 1] = np.nan
    with np.errstate(invalid="ignore"):
        for axis, keepdims in ((1, True), (1, False), (0, False), ((0, 1), True), (None, False)):
            f = lambda a: logsumexp(a, axis=axis, keepdims=keepdims)  # noqa: E731
            j = fg.jit(f)
            for a in (x, np.abs(x[::-1].copy())):
                want = f(a)
                got = j(a)
                assert got.dtype == want.dtype and got.shape == want.shape
                np.testing.assert_array_equal(got, want)  # the same operations, so the same bits
    from funcgrad.jit.replay import describe_program
    j = fg.jit(lambda a: logsumexp(a, axis=1))
    j(x)
    assert "= f0(a0)\n" in describe_program(j.lower(x)._entry.run)  # the replay's own version, not the primitive


def test_sum_matmul_cotangent_becomes_a_broadcast_three_matmuls_not_five():
    rng = np.random.default_rng(1)
    A, B, C = rng.standard_normal((5, 4)), rng.standard_normal((4, 6)), rng.standard_normal((6, 3))

    def f(A, B, C):
        return fnp.sum(fnp.tanh(A @ B) @ C)

    g = fg.grad(f, argnums=(0, 1, 2))
    raw = _eqn_names(fg.jit(g, passes=()).lower(A, B, C))
    live = _eqn_names(fg.jit(g, passes=("dce",)).lower(A, B, C))
    opt = _eqn_names(fg.jit(g).lower(A, B, C))
    # recorded: the forward product with C too, whose value grad drops
    assert raw.count("matmul") == 6 and live.count("matmul") == 5 and opt.count("matmul") == 3
    _close(fg.jit(g)(A, B, C), g(A, B, C))
    # with the loss too: its sum(T @ C) is a vector product, so still 3 matrix products
    vg = fg.value_and_grad(f, argnums=(0, 1, 2))
    assert _eqn_names(fg.jit(vg).lower(A, B, C)).count("matmul") == 3
    _close(fg.jit(vg)(A, B, C), vg(A, B, C))
    # the mean's cotangent (all entries 1/n) is uniform too; a gradient output built by broadcasting is writable
    h = fg.jit(fg.grad(lambda A, B: fnp.mean(A @ B), argnums=(0, 1)))
    out = h(A, B)
    _close(out, fg.grad(lambda A, B: fnp.mean(A @ B), argnums=(0, 1))(A, B))
    assert all(o.flags.writeable for o in out)
    assert _eqn_names(h.lower(A, B)).count("matmul") == 0


def test_fold_runs_constant_equations_once():
    # The recorder never sees calls on constants alone (the core's fast path runs them at once); equations left
    # with constant inputs by another rewrite are what the pass folds. A graph built by hand has one.
    from funcgrad.core import registry
    from funcgrad.jit.graph import Eqn, Graph
    from funcgrad.jit.replay import compile_plain

    sin = registry["sin"]
    g = Graph()
    x = g.new_id(np.ones(3))
    g.inputs = [x]
    c = g.add_const(np.arange(3.0))
    s, o = g.new_id(np.ones(3)), g.new_id(np.ones(3))
    g.eqns = [Eqn(sin, {}, [c], [s]), Eqn(registry["add"], {}, [s, x], [o])]
    g.outputs = [o]
    folded, note = P.fold(g)
    assert [e.prim.name for e in folded.eqns] == ["add"] and note.startswith("fold: 1 ")
    assert len(g.eqns) == 2  # the pass made a new graph
    run = compile_plain(folded)
    xv = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(run(xv)[0], np.sin(np.arange(3.0)) + xv)
    np.testing.assert_array_equal(run(xv)[0], compile_plain(g)(xv)[0])


def test_inplace_reuses_only_dying_buffers_the_graph_allocated():
    big = (300, 300)  # above INPLACE_MIN_BYTES

    def f(x):
        a = x @ x  # a fresh buffer
        b = fnp.tanh(a)  # a dies here: tanh can write into it
        view = fnp.reshape(b, (-1,))  # b lives on through the view ...
        c = fnp.exp(b)  # ... so exp must not write into b
        return c, view, fnp.sin(x)  # x is the caller's: never written

    rng = np.random.default_rng(2)
    x = rng.standard_normal(big) / 30
    x0 = x.copy()
    jf = fg.jit(f)
    low = jf.lower(x)
    plan = low._entry.plan
    names = _eqn_names(low)
    assert [names[k] for k in plan] == ["tanh"]
    for _ in range(2):
        _close(jf(x), f(x))
    np.testing.assert_array_equal(x, x0)
    assert "in place: writes into" in low.as_text()
    cost_on, cost_off = low.cost(), fg.jit(f, passes=("simplify", "fold", "cse", "dce")).lower(x).cost()
    assert cost_on["bytes_allocated"] == cost_off["bytes_allocated"] - x.nbytes


def test_cost_counts_matmul_flops_and_peak_bytes():
    a, b = np.ones((8, 4)), np.ones((4, 2))
    c = fg.jit(lambda a, b: fnp.sum(fnp.tanh(a @ b))).lower(a, b).cost()
    assert c["flops"] == 2 * 8 * 4 * 2 + 8 * 2 + 8 * 2
    assert c["peak_bytes"] == 2 * 8 * 2 * 8  # a @ b and its tanh are both alive at the tanh
    assert c["bytes_allocated"] == 2 * 8 * 2 * 8 + 8
