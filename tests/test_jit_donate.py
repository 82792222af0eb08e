"""jit's ``donate_argnums``: donated buffers hold results, the results stay those of the plain replay, and whatever
cannot be given up safely (a view, the same array twice, a read-only array, a closed-over constant, values traced by
an outer transform) is left as it was."""
import tracemalloc

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

from memory import growth
from threads import run_in_threads

N = 1 << 15  # 256 KiB of float64: above the in-place plan's and fusion's size thresholds


def _sgd(params, grads, lr):
    return [p - lr * g for p, g in zip(params, grads)]


def _step(w, b, x):
    """An update whose results come from chains of ufuncs reading ``w`` and ``b`` last."""
    h = fnp.tanh(x * w + b)
    return w - 0.01 * h, fnp.exp(b) * 0.5


def _arrays(seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal(N), r.standard_normal(N), r.standard_normal(N)


def test_donated_buffers_hold_the_results_and_the_results_match_the_plain_replay():
    f = fg.jit(_step, donate_argnums=(0, 1))
    plain = fg.jit(_step)
    for seed in range(3):  # the first call records; the later ones replay (through the fast call path too)
        w, b, x = _arrays(seed)
        want = plain(w, b, x)
        x0 = x.copy()
        got = f(w, b, x)
        for a, e in zip(got, want):
            np.testing.assert_array_equal(a, e)
        assert np.shares_memory(got[0], w) or np.shares_memory(got[0], b)
        np.testing.assert_array_equal(x, x0)  # the argument not donated is never written


def test_a_pytree_of_donated_parameters_updates_in_place_and_matches_eager():
    f = fg.jit(_sgd, donate_argnums=0)
    r = np.random.default_rng(1)
    params = [r.standard_normal(N), r.standard_normal((64, 512))]
    grads = [r.standard_normal(N), r.standard_normal((64, 512))]
    g0 = [g.copy() for g in grads]
    expect = [p - 0.1 * g for p, g in zip(params, grads)]
    ids = [p.ctypes.data for p in params]
    new = f(params, grads, 0.1)
    for a, e in zip(new, expect):
        np.testing.assert_array_equal(a, e)
    assert [p.ctypes.data for p in new] == ids  # each result lives where its donated parameter did
    for g, c in zip(grads, g0):
        np.testing.assert_array_equal(g, c)


def _call_and_check_untouched(f, *args):
    before = [a.copy() for a in args]
    out = f(*args)
    for a, c in zip(args, before):
        np.testing.assert_array_equal(a, c)
    return out


@pytest.mark.parametrize("case", ["same array twice", "view", "read-only", "not C-contiguous", "not owning"])
def test_buffers_that_cannot_be_given_up_are_left_as_they_were(case):
    w, b, x = _arrays()
    f = fg.jit(_step, donate_argnums=(0, 1))
    f(*_arrays(5))  # recorded with buffers it could donate
    want = fg.jit(_step)(w, b, x)
    if case == "same array twice":
        args = (w, w, x)
        want = fg.jit(_step)(w, w, x)
    elif case == "view":
        big = np.concatenate([w, b])
        args = (big[:N], big[N:], x)
    elif case == "read-only":
        w.flags.writeable = False
        args = (w, b, x)
    elif case == "not C-contiguous":
        args = (np.stack([w, b])[:, ::1].T.copy().T[0], b, x)  # a strided row of a Fortran-ordered array
        want = fg.jit(_step)(*args)
    else:
        args = (w.reshape(2, -1).reshape(-1), b, x)  # contiguous, writeable, but a view of w
    got = _call_and_check_untouched(f, *args)
    for a, e in zip(got, want):
        np.testing.assert_array_equal(a, e)


def test_a_closed_over_array_passed_as_the_donated_argument_leaves_the_graphs_constant_intact():
    const = np.random.default_rng(2).standard_normal(N)
    f = fg.jit(lambda w: fnp.exp(w) + const, donate_argnums=0)
    f(np.ones(N))  # recorded: a copy of const is a constant of the graph
    c0 = const.copy()
    out = f(const)  # the caller gave const up: it may now hold the result
    np.testing.assert_allclose(out, np.exp(c0) + c0)
    np.testing.assert_allclose(f(np.ones(N)), np.e + c0)  # later calls still read the constant as recorded


def test_donation_is_ignored_under_outer_transforms():
    f = fg.jit(lambda w: fnp.sum(fnp.exp(w * 2.0)), donate_argnums=0)
    w = np.linspace(-1, 1, N)
    w0 = w.copy()
    g = fg.grad(f)(w)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_allclose(g, 2 * np.exp(2 * w0))
    np.testing.assert_allclose(fg.vmap(lambda r: f(r))(w.reshape(8, -1)), np.exp(2 * w0).reshape(8, -1).sum(1))
    np.testing.assert_array_equal(w, w0)


def test_the_listing_says_how_many_donated_buffers_hold_results():
    f = fg.jit(_step, donate_argnums=(0, 1))
    text = f.lower(*_arrays()).as_text()
    assert "donate_argnums: 2 of 2 donated input buffer(s) hold results" in text
    small = fg.jit(_step, donate_argnums=0).lower(np.ones(4), np.ones(4), np.ones(4)).as_text()
    assert "donate_argnums: 0 of 1" in small  # below the size thresholds nothing is reused


def test_static_and_donated_at_once_is_an_error():
    with pytest.raises(ValueError, match=r"\[1\] are in both static_argnums and donate_argnums"):
        fg.jit(lambda x, n: x * n, static_argnums=1, donate_argnums=(0, 1))


def _peak_of(call) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        out = call()
        return tracemalloc.get_traced_memory()[1] - base, out
    finally:
        tracemalloc.stop()


def test_a_donating_update_allocates_less_than_the_plain_one():
    upd = lambda w, g: fnp.tanh(w) * 0.5 + g  # noqa: E731  (w is read first: its buffer can hold every step)
    plain, donating = fg.jit(upd), fg.jit(upd, donate_argnums=0)
    r = np.random.default_rng(3)
    g = r.standard_normal(1 << 18)  # 2 MiB
    plain(r.standard_normal(g.size), g), donating(r.standard_normal(g.size), g)  # recorded
    w = r.standard_normal(g.size)
    expect = np.tanh(w) * 0.5 + g
    p_plain, out = _peak_of(lambda: plain(w, g))
    np.testing.assert_allclose(out, expect)
    p_don, out = _peak_of(lambda: donating(w, g))
    np.testing.assert_allclose(out, expect)
    assert p_plain >= g.nbytes  # the plain replay allocates its result
    assert p_don < g.nbytes // 2, (p_don, p_plain)  # the donated buffer holds it


def test_a_thousand_donating_sgd_steps_keep_memory_flat():
    f = fg.jit(_sgd, donate_argnums=0)
    r = np.random.default_rng(4)
    state = {"p": [r.standard_normal(N), r.standard_normal((32, 256))]}
    grads = [r.standard_normal(N) * 1e-3, r.standard_normal((32, 256)) * 1e-3]

    def step():
        state["p"] = f(state["p"], grads, 0.01)

    assert growth(step, 1000) < 64 * 1024


def test_four_threads_donating_at_once_each_get_their_own_results():
    f = fg.jit(_step, donate_argnums=(0, 1))
    f(*_arrays(9))  # recorded once, replayed by every thread
    done = set()

    def work(k):
        for rep in range(20):
            w, b, x = _arrays(100 * k + rep)
            want = (w - 0.01 * np.tanh(x * w + b), np.exp(b) * 0.5)
            for a, e in zip(f(w, b, x), want):
                np.testing.assert_allclose(a, e, rtol=1e-12)
        done.add(k)

    errors = run_in_threads(work)
    assert not errors, errors[0]
    assert done == {0, 1, 2, 3}
