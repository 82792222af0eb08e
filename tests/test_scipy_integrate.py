"""funcgrad.scipy.integrate: odeint and solve_ivp.

Values against closed forms and against scipy.integrate.solve_ivp (step for step where no t_eval is given, since
the step control is SciPy's); derivatives (adjoint reverse mode, sensitivity forward mode) against closed-form
derivatives and central finite differences, to 1e-6 relative, with respect to the initial state, every time point
and pytree parameters; higher orders, vmap, and the errors a user meets (max_steps on a stiff problem).
"""
import numpy as np
import pytest

import _backend as B
import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.scipy.integrate import IntegrationError, OdeResult, odeint, solve_ivp

RUNS_ON_DEVICES = True  # the solver uses only its arrays' own namespace: the stand-in and CuPy runs include it

TIGHT = dict(rtol=1e-12, atol=1e-12)
P_LV = {"a": 1.5, "b": 1.0, "c": 3.0, "d": 1.0}


def lotka_volterra(y, t, p):
    x, z = y[0], y[1]
    return fnp.stack([p["a"] * x - p["b"] * x * z, -p["c"] * z + p["d"] * x * z])


def _lv_np(t, y, a=1.5, b=1.0, c=3.0, d=1.0):  # the same right-hand side for SciPy, on plain NumPy
    return np.array([a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]])


def scalar(v):
    """A 0-d array of the backend under test (a traced Python float would stay on the host)."""
    return B.asarray(np.array(v, dtype=np.float64))


def _params(p):
    return {k: scalar(v) for k, v in p.items()}


def fd_grad(f, x, eps=1e-4):
    """Central finite differences of the scalar ``f`` at the float array (or scalar) ``x``, on the host."""
    x = np.array(B.to_numpy(x), dtype=float)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        out[i] = (float(B.to_numpy(f(B.asarray(x + e)))) - float(B.to_numpy(f(B.asarray(x - e))))) / (2 * eps)
    return out


def assert_rel(got, want, rtol=1e-6):
    got, want = np.asarray(B.to_numpy(got), dtype=float), np.asarray(want, dtype=float)
    scale = np.max(np.abs(want))
    assert got.shape == want.shape
    assert np.max(np.abs(got - want)) <= rtol * scale, (got, want)


# --- values ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["RK45", "DOP853"])
def test_exponential_decay_and_oscillator_match_closed_forms(method):
    t = B.asarray(np.linspace(0.0, 3.0, 7))
    tt = B.to_numpy(t)
    ys = odeint(lambda y, t, k: -k * y, B.asarray(np.array([1.0, 2.0])), t, 0.4, method=method, **TIGHT)
    np.testing.assert_allclose(B.to_numpy(ys), np.exp(-0.4 * tt)[:, None] * [1.0, 2.0], rtol=1e-10)
    # a pytree state: position and velocity of x'' = -w^2 x, x(0) = 1, x'(0) = 0
    osc = odeint(lambda s, t, w: {"x": s["v"], "v": -w ** 2 * s["x"]}, {"x": 1.0, "v": 0.0}, t, 2.0,
                 method=method, **TIGHT)
    np.testing.assert_allclose(B.to_numpy(osc["x"]), np.cos(2.0 * tt), atol=1e-10)
    np.testing.assert_allclose(B.to_numpy(osc["v"]), -2.0 * np.sin(2.0 * tt), atol=1e-10)


def test_decreasing_and_repeated_times_and_a_single_time():
    t = B.asarray(np.array([2.0, 1.0, 1.0, 0.0]))
    ys = odeint(lambda y, t: -y, 1.0, t, **TIGHT)
    np.testing.assert_allclose(B.to_numpy(ys), np.exp(-(B.to_numpy(t) - 2.0)), rtol=1e-10)
    assert B.to_numpy(odeint(lambda y, t: -y, B.asarray(np.ones(3)), B.asarray(np.array([0.5])))).shape == (1, 3)


def test_float32_state_stays_float32():
    ys = odeint(lambda y, t: -y, B.asarray(np.ones(2, np.float32)), B.asarray(np.array([0.0, 1.0])))
    assert ys.dtype == np.float32
    np.testing.assert_allclose(B.to_numpy(ys)[1], np.exp(-1.0), rtol=1e-5)


@pytest.mark.skipif(B.ON_DEVICE, reason="SciPy runs on the host")
@pytest.mark.parametrize("method", ["RK23", "RK45", "DOP853"])
def test_solve_ivp_takes_scipys_steps(method):
    si = pytest.importorskip("scipy.integrate")
    ref = si.solve_ivp(_lv_np, (0.0, 5.0), [1.0, 1.0], method=method, rtol=1e-6, atol=1e-8)
    sol = solve_ivp(lambda t, y: _lv_np(t, y), (0.0, 5.0), np.array([1.0, 1.0]), method=method, rtol=1e-6,
                    atol=1e-8)
    assert isinstance(sol, OdeResult) and sol.success and sol.status == 0 and "successfully" in sol.message
    assert sol.nfev == ref.nfev and sol.t.shape == ref.t.shape and sol.y.shape == ref.y.shape
    # the error estimate is a difference of nearly equal sums, so rounding (another summation order) moves each
    # step size by up to ~1e-8 relative: same steps, not the same bits
    np.testing.assert_allclose(sol.t, ref.t, rtol=1e-6)
    np.testing.assert_allclose(sol.y, ref.y, rtol=1e-6, atol=1e-9)


@pytest.mark.skipif(B.ON_DEVICE, reason="SciPy runs on the host")
@pytest.mark.parametrize("method", ["RK45", "DOP853"])
def test_solve_ivp_with_t_eval_and_args_agrees_with_scipy(method):
    si = pytest.importorskip("scipy.integrate")
    t_eval = np.linspace(0.0, 4.0, 9)
    args = (1.2, 0.8, 2.5, 0.9)
    ref = si.solve_ivp(_lv_np, (0.0, 4.0), [1.0, 0.5], method=method, t_eval=t_eval, args=args, rtol=1e-10,
                       atol=1e-10)
    sol = solve_ivp(_lv_np, (0.0, 4.0), [1.0, 0.5], method=method, t_eval=t_eval, args=args, rtol=1e-10,
                    atol=1e-10)
    np.testing.assert_array_equal(sol.t, t_eval)
    np.testing.assert_allclose(sol.y, ref.y, rtol=1e-7, atol=1e-9)
    # odeint's (y, t) convention on the same problem, with a per-component atol as SciPy allows
    ys = odeint(lambda y, t: _lv_np(t, y, *args), np.array([1.0, 0.5]), t_eval, method=method, rtol=1e-10,
                atol=1e-10)
    np.testing.assert_allclose(ys.T, ref.y, rtol=1e-7, atol=1e-9)
    vec = solve_ivp(_lv_np, (0.0, 4.0), [1.0, 0.5], method=method, t_eval=t_eval, args=args, rtol=1e-10,
                    atol=np.array([1e-10, 1e-11]))
    np.testing.assert_allclose(vec.y, ref.y, rtol=1e-7, atol=1e-9)


# --- reverse mode (the adjoint) ---------------------------------------------------------------------------------
def test_decay_gradients_match_the_closed_form():
    # y(t) = y0 exp(-k (t - t0)): every derivative is known
    t = B.asarray(np.array([0.2, 0.9, 1.7]))
    w = np.array([0.3, -1.1, 0.7])

    def loss(y0, t, k):
        return fnp.sum(odeint(lambda y, s, k: -k * y, y0, t, k, method="DOP853", **TIGHT) * B.asarray(w))

    y0, k = 1.3, 0.6
    gy0, gt, gk = fg.grad(loss, argnums=(0, 1, 2))(scalar(y0), t, scalar(k))
    tt = B.to_numpy(t)
    e = np.exp(-k * (tt - tt[0]))
    assert_rel(gy0, np.sum(w * e), 1e-9)
    assert_rel(gk, np.sum(w * y0 * e * -(tt - tt[0])), 1e-9)
    want_t = w * y0 * e * -k
    want_t[0] = np.sum(w[1:] * y0 * e[1:] * k)
    assert_rel(gt, want_t, 1e-9)


@pytest.mark.parametrize("method", ["DOP853", "RK45"])
def test_lotka_volterra_gradients_match_finite_differences(method):
    y0 = B.asarray(np.array([1.0, 0.7]))
    t = B.asarray(np.linspace(0.0, 2.0, 5))
    p = _params(P_LV)
    w = B.asarray(np.random.default_rng(0).standard_normal((5, 2)))

    def loss(y0, t, p):
        return fnp.sum(odeint(lotka_volterra, y0, t, p, method=method, **TIGHT) * w)

    gy0, gt, gp = fg.grad(loss, argnums=(0, 1, 2))(y0, t, p)
    assert_rel(gy0, fd_grad(lambda v: loss(v, t, p), y0))
    assert_rel(gt, fd_grad(lambda v: loss(y0, v, p), t))
    assert set(gp) == set(P_LV)
    for name in P_LV:
        assert_rel(gp[name], fd_grad(lambda v: loss(y0, t, {**p, name: v}), p[name]))


def test_solve_ivp_gradients_wrt_args_t_span_and_t_eval():
    y0 = B.asarray(np.array([1.0, 0.7]))
    p = _params(P_LV)

    def fun(t, y, p, scale):
        return lotka_volterra(y, t, p) * scale["s"]

    def loss(y0, span, t_eval, p, s):
        sol = solve_ivp(fun, (span[0], span[1]), y0, method="DOP853", t_eval=t_eval, args=(p, {"s": s}), **TIGHT)
        return fnp.sum(sol.y ** 2)

    span, t_eval, s = B.asarray(np.array([0.1, 1.7])), B.asarray(np.array([0.5, 1.0, 1.6])), scalar(1.1)
    g = fg.grad(loss, argnums=(0, 1, 2, 3, 4))(y0, span, t_eval, p, s)
    assert_rel(g[0], fd_grad(lambda v: loss(v, span, t_eval, p, s), y0))
    # t_span[1] only bounds the interval: the values at t_eval do not depend on it
    assert_rel(g[1], np.array([fd_grad(lambda v: loss(y0, fnp.stack([v, span[1]]), t_eval, p, s), span[0]), 0.0]))
    assert_rel(g[2], fd_grad(lambda v: loss(y0, span, v, p, s), t_eval))
    assert_rel(g[3]["b"], fd_grad(lambda v: loss(y0, span, t_eval, {**p, "b": v}, s), p["b"]))
    assert_rel(g[4], fd_grad(lambda v: loss(y0, span, t_eval, p, v), s))


def test_solve_ivp_without_t_eval_differentiates_through_its_own_steps():
    def end(k, t1):
        sol = solve_ivp(lambda t, y, k: -k * y, fnp.stack([0.0, t1]), B.asarray(np.array([2.0])), args=(k,),
                        **TIGHT)
        return sol.y[0, -1]

    k, t1 = scalar(0.7), scalar(1.5)
    gk, gt1 = fg.grad(end, argnums=(0, 1))(k, t1)
    assert_rel(gk, -2.0 * 1.5 * np.exp(-0.7 * 1.5), 1e-9)
    assert_rel(gt1, -0.7 * 2.0 * np.exp(-0.7 * 1.5), 1e-9)


# --- forward mode, higher orders, vmap --------------------------------------------------------------------------
def test_jvp_is_the_forward_sensitivity_and_agrees_with_the_adjoint():
    y0, t, p = B.asarray(np.array([1.0, 0.7])), B.asarray(np.linspace(0.0, 1.5, 4)), _params(P_LV)
    w = B.asarray(np.random.default_rng(1).standard_normal((4, 2)))

    def loss(y0, t, p):
        return fnp.sum(odeint(lotka_volterra, y0, t, p, method="DOP853", **TIGHT) * w)

    rng = np.random.default_rng(2)
    dy0, dt = B.asarray(rng.standard_normal(2)), B.asarray(rng.standard_normal(4))
    dp = {k: scalar(rng.standard_normal()) for k in P_LV}
    _, tangent = fg.jvp(loss, (y0, t, p), (dy0, dt, dp))
    g = fg.grad(loss, argnums=(0, 1, 2))(y0, t, p)
    pairing = (np.dot(B.to_numpy(g[0]), B.to_numpy(dy0)) + np.dot(B.to_numpy(g[1]), B.to_numpy(dt))
               + sum(float(B.to_numpy(g[2][k])) * float(B.to_numpy(dp[k])) for k in P_LV))
    assert_rel(tangent, pairing, 1e-8)
    eps = 1e-4
    shifted = [loss(y0 + s * eps * dy0, t + s * eps * dt, {k: p[k] + s * eps * dp[k] for k in p}) for s in (1, -1)]
    assert_rel(tangent, (float(B.to_numpy(shifted[0])) - float(B.to_numpy(shifted[1]))) / (2 * eps))


def test_second_derivatives_in_parameters_and_time():
    # y(t) = 2 exp(-k t): d2y/dk2 = 2 t^2 exp(-k t), d2y/dt2 = 2 k^2 exp(-k t)
    def y_end(k, t1):
        return odeint(lambda y, t, k: -k * y, 2.0, fnp.stack([0.0, t1]), k, method="DOP853", **TIGHT)[1]

    k, t1 = scalar(0.7), scalar(1.5)  # 0-d arrays: jacfwd wants arrays
    e = np.exp(-0.7 * 1.5)
    assert_rel(fg.grad(fg.grad(y_end))(k, t1), 2 * 1.5 ** 2 * e, 1e-8)
    assert_rel(fg.grad(fg.grad(y_end, 1), 1)(k, t1), 2 * 0.7 ** 2 * e, 1e-8)
    assert_rel(fg.grad(fg.grad(y_end, 1), 0)(k, t1), 2 * (0.7 * 1.5 - 1) * e, 1e-8)  # mixed
    assert_rel(fg.jacfwd(fg.jacrev(y_end))(k, t1), 2 * 1.5 ** 2 * e, 1e-8)  # forward over reverse


def test_check_grads_both_modes_to_second_order():
    # funcgrad.testing's random-projection check: VJP and JVP against finite differences and each other, then the
    # same for the maps x -> vjp(u) and x -> jvp(v) (the adjoint of the adjoint system, and so on)
    from funcgrad.testing import check_grads

    def f(y0, t, p):
        return odeint(lotka_volterra, y0, t, p, method="DOP853", **TIGHT)

    check_grads(f, (B.asarray(np.array([1.0, 0.7])), B.asarray(np.array([0.0, 0.5, 1.0])), _params(P_LV)),
                order=2, eps=1e-4, rtol=1e-6, atol=1e-8)


def test_vmap_matches_a_loop_and_per_example_gradients():
    ks = B.asarray(np.array([0.2, 0.5, 1.3]))
    y0s = B.asarray(np.array([[1.0, 2.0], [0.5, 0.1], [3.0, -1.0]]))
    t = B.asarray(np.array([0.0, 0.8, 1.6]))

    def sol(y0, k):
        return odeint(lambda y, t, k: -k * y + fnp.sin(t), y0, t, k, **TIGHT)

    batched = fg.vmap(sol)(y0s, ks)
    loop = np.stack([B.to_numpy(sol(y0s[i], ks[i])) for i in range(3)])
    np.testing.assert_allclose(B.to_numpy(batched), loop, rtol=1e-12)
    per_example = fg.vmap(fg.grad(lambda y0, k: fnp.sum(sol(y0, k)[-1]), argnums=1))(y0s, ks)
    whole = fg.grad(lambda k: fnp.sum(fg.vmap(sol)(y0s, k)[:, -1]))(ks)
    assert_rel(per_example, B.to_numpy(whole), 1e-10)
    assert_rel(per_example[1], fd_grad(lambda k: fnp.sum(sol(y0s[1], k)[-1]), ks[1]))
    with pytest.raises(ValueError, match="t_eval"):
        fg.vmap(lambda k: solve_ivp(lambda t, y, k: -k * y, (0.0, 1.0), B.asarray(np.ones(1)), args=(k,)).y)(ks)


# --- errors -----------------------------------------------------------------------------------------------------
def test_a_stiff_problem_names_max_steps():
    # y' = -1e6 (y - cos t): explicit methods need steps of about 3e-6 to stay stable
    def stiff(y, t):
        return -1e6 * (y - fnp.cos(t))

    with pytest.raises(IntegrationError, match=r"max_steps=200 .*reach t=1 .*got to t=.*stiff"):
        odeint(stiff, 0.0, B.asarray(np.array([0.0, 1.0])), max_steps=200)
    with pytest.raises(RuntimeError, match="max_steps"):
        solve_ivp(lambda t, y: stiff(y, t), (0.0, 1.0), B.asarray(np.zeros(1)), max_steps=300)


def test_clear_errors_for_bad_input():
    t = B.asarray(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="method='BDF'.*RK45"):
        odeint(lambda y, t: -y, 1.0, t, method="BDF")
    with pytest.raises(ValueError, match="sorted"):
        odeint(lambda y, t: -y, 1.0, B.asarray(np.array([0.0, 2.0, 1.0])))
    with pytest.raises(ValueError, match="func returned shape"):
        odeint(lambda y, t: fnp.concatenate([y, y]), B.asarray(np.ones(2)), t)
    with pytest.raises(ValueError, match="structure"):
        odeint(lambda s, t: {"x": s["x"]}, {"x": 1.0, "v": 0.0}, t)
    with pytest.raises(TypeError, match="complex"):
        odeint(lambda y, t: -y, B.asarray(np.ones(2, complex)), t)
    with pytest.raises(ValueError, match="not within t_span"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), B.asarray(np.ones(1)), t_eval=[0.5, 2.0])
    with pytest.raises(ValueError, match="1-dimensional"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), B.asarray(np.ones((2, 2))))
    with pytest.raises(NotImplementedError, match="t_eval"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), B.asarray(np.ones(1)), dense_output=True)
    with pytest.raises(TypeError, match="unknown options"):
        solve_ivp(lambda t, y: -y, (0.0, 1.0), B.asarray(np.ones(1)), jac=None)


def test_a_parameter_closed_over_instead_of_passed_is_an_error():
    def loss(k):
        return odeint(lambda y, t: -k * y, 1.0, B.asarray(np.array([0.0, 1.0])))[1]

    with pytest.raises(ValueError, match="closes over a traced value.*args"):
        fg.grad(loss)(0.5)
    with pytest.raises(ValueError, match="closes over a traced value"):
        fg.grad(lambda k: solve_ivp(lambda t, y: -k * y, (0.0, 1.0), B.asarray(np.ones(1))).y[0, -1])(0.5)
