"""Fit a damped oscillator's frequency, damping and initial state to noisy observations, by gradient descent
through an ODE solve.

The model is ``x'' + 2 zeta omega x' + omega^2 x = 0``, written as a first-order system for ``(x, v)`` and solved
by ``funcgrad.scipy.integrate.odeint`` (Dormand-Prince 5(4), adaptive steps). The loss is the mean squared
distance between the solved positions and the observations; its gradient with respect to the parameters (a dict
passed through ``odeint``'s ``args``) and to the initial state comes from the adjoint method: one backward ODE
solve, whatever the number of steps. Adam (``funcgrad.optim.functional``) takes the steps, on the logarithms of
``omega`` and ``zeta`` so that both stay positive. The example prints the true, initial and fitted values and the
loss before and after.

Run it from the repository root::

    python examples/ode_fit.py            # 200 Adam steps, about 15 s on one core
    python examples/ode_fit.py --short    # 60 steps (about 5 s): a smoke test
"""
from __future__ import annotations

import argparse

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.optim import functional as fopt
from funcgrad.scipy.integrate import odeint

TRUE = {"omega": 2.0, "zeta": 0.15, "x0": 1.0, "v0": 0.0}


def oscillator(state, t, p):
    """d(x, v)/dt for the damped oscillator with ``p = {"log_omega", "log_zeta"}``."""
    omega, zeta = fnp.exp(p["log_omega"]), fnp.exp(p["log_zeta"])
    x, v = state[0], state[1]
    return fnp.stack([v, -2.0 * zeta * omega * v - omega ** 2 * x])


def positions(params: dict, t: np.ndarray):
    """x(t) for ``params`` (the log-rates and the initial state ``y0``)."""
    rates = {"log_omega": params["log_omega"], "log_zeta": params["log_zeta"]}
    return odeint(oscillator, params["y0"], t, rates, rtol=1e-7, atol=1e-9)[:, 0]


def loss(params: dict, t: np.ndarray, observed: np.ndarray):
    return fnp.mean((positions(params, t) - observed) ** 2)


def data(n: int = 40, noise: float = 0.02, seed: int = 0) -> tuple:
    """Noisy positions of the true oscillator at ``n`` times in [0, 6]."""
    t = np.linspace(0.0, 6.0, n)
    omega, zeta = TRUE["omega"], TRUE["zeta"]
    wd = omega * np.sqrt(1 - zeta ** 2)  # the closed form of the underdamped solution with v0 = 0
    x = TRUE["x0"] * np.exp(-zeta * omega * t) * (np.cos(wd * t) + zeta * omega / wd * np.sin(wd * t))
    return t, x + noise * np.random.default_rng(seed).standard_normal(n)


def fit(steps: int, lr: float = 0.05) -> tuple:
    t, observed = data()
    params = {"log_omega": np.log(1.6), "log_zeta": np.log(0.3), "y0": np.array([0.8, 0.3])}
    opt = fopt.adam(lr=lr)
    state = opt.init(params)
    value_and_grad = fg.value_and_grad(loss)
    first = float(loss(params, t, observed))
    for _ in range(steps):
        _, g = value_and_grad(params, t, observed)
        params, state = opt.update(g, state, params)
    return params, first, float(loss(params, t, observed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--short", action="store_true", help="60 steps: a smoke test")
    args = parser.parse_args()
    params, first, last = fit(60 if args.short else args.steps)
    omega, zeta = float(np.exp(params["log_omega"])), float(np.exp(params["log_zeta"]))
    print(f"true:    omega {TRUE['omega']:.4f}  zeta {TRUE['zeta']:.4f}  x0 {TRUE['x0']:.4f}  v0 {TRUE['v0']:.4f}")
    print(f"initial: omega {1.6:.4f}  zeta {0.3:.4f}  x0 {0.8:.4f}  v0 {0.3:.4f}")
    print(f"fitted:  omega {omega:.4f}  zeta {zeta:.4f}  x0 {params['y0'][0]:.4f}  v0 {params['y0'][1]:.4f}")
    print(f"omega: {omega:.6f}")
    print(f"zeta: {zeta:.6f}")
    print(f"initial loss: {first:.6g}")
    print(f"final loss: {last:.6g}")


if __name__ == "__main__":
    main()
