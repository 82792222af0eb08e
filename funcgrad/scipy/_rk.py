"""Explicit Runge-Kutta pairs with adaptive steps, on plain arrays: the forward solver of ``funcgrad.scipy.integrate``.

The three pairs of ``scipy.integrate.solve_ivp`` (Bogacki-Shampine 3(2) ``RK23``, Dormand-Prince 5(4) ``RK45``,
Dormand-Prince 8(5,3) ``DOP853``, coefficients from Hairer, Norsett and Wanner, *Solving Ordinary Differential
Equations I*), with SciPy's step-size control: the RMS error norm scaled by ``atol + rtol * max(|y|, |y_new|)``,
safety factor 0.9, growth between 0.2 and 10 per step, no growth right after a rejection, and Hairer's initial
step. Only array arithmetic of the values' own namespace is used (``y + h * k``, ``abs``, ``maximum``), so NumPy and
CuPy arrays take the same path; step decisions need one host scalar per step.

Unlike SciPy, which steps freely and interpolates at ``t_eval``, :func:`solve` lands a step on every requested time:
the values there are the method's own, and their derivatives in the time points are those of a step length.
Nothing here is traced or differentiated; ``integrate.py`` wraps it in a primitive with adjoint rules.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from ..backend import namespace
from ..core.errors import FuncgradError

__all__ = ["IntegrationError", "Tableau", "METHODS", "solve"]

SAFETY, MIN_FACTOR, MAX_FACTOR = 0.9, 0.2, 10.0


class IntegrationError(FuncgradError, RuntimeError):
    """An ODE solve could not reach the end of its interval (too many steps, or a step too small to take)."""


class Tableau:
    """A Runge-Kutta pair: nodes ``c``, stage rows ``a`` and weights ``b`` as sparse ``(index, coefficient)``
    pairs, and its error estimate (``e`` for one embedded formula; ``e5`` and ``e3`` for DOP853's two)."""

    def __init__(self, name: str, order: int, c: Sequence[float], a: Sequence[dict], b: dict,
                 e: dict | None = None, e5: dict | None = None, e3: dict | None = None):
        self.name = name
        self.error_order = order  # order of the error estimator: the exponent of step-size control
        self.c = tuple(c)
        self.a = tuple(tuple(row.items()) for row in a)
        self.b = tuple(b.items())
        self.e = None if e is None else tuple(e.items())
        self.e5 = None if e5 is None else tuple(e5.items())
        self.e3 = None if e3 is None else tuple(e3.items())


RK23 = Tableau("RK23", 2, (0.0, 1 / 2, 3 / 4), ({}, {0: 1 / 2}, {1: 3 / 4}), {0: 2 / 9, 1: 1 / 3, 2: 4 / 9},
               e={0: 5 / 72, 1: -1 / 12, 2: -1 / 9, 3: 1 / 8})

RK45 = Tableau(
    "RK45", 4, (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0),
    ({}, {0: 1 / 5}, {0: 3 / 40, 1: 9 / 40}, {0: 44 / 45, 1: -56 / 15, 2: 32 / 9},
     {0: 19372 / 6561, 1: -25360 / 2187, 2: 64448 / 6561, 3: -212 / 729},
     {0: 9017 / 3168, 1: -355 / 33, 2: 46732 / 5247, 3: 49 / 176, 4: -5103 / 18656}),
    {0: 35 / 384, 2: 500 / 1113, 3: 125 / 192, 4: -2187 / 6784, 5: 11 / 84},
    e={0: -71 / 57600, 2: 71 / 16695, 3: -71 / 1920, 4: 17253 / 339200, 5: -22 / 525, 6: 1 / 40})

_D8_C = (0.0, 0.526001519587677318785587544488e-01, 0.789002279381515978178381316732e-01,
         0.118350341907227396726757197510, 0.281649658092772603273242802490, 1 / 3, 0.25, 4 / 13,
         0.651282051282051282051282051282, 0.6, 6 / 7, 1.0)
_D8_A = (
    {},
    {0: 5.26001519587677318785587544488e-2},
    {0: 1.97250569845378994544595329183e-2, 1: 5.91751709536136983633785987549e-2},
    {0: 2.95875854768068491816892993775e-2, 2: 8.87627564304205475450678981324e-2},
    {0: 2.41365134159266685502369798665e-1, 2: -8.84549479328286085344864962717e-1,
     3: 9.24834003261792003115737966543e-1},
    {0: 3.7037037037037037037037037037e-2, 3: 1.70828608729473871279604482173e-1,
     4: 1.25467687566822425016691814123e-1},
    {0: 3.7109375e-2, 3: 1.70252211019544039314978060272e-1, 4: 6.02165389804559606850219397283e-2,
     5: -1.7578125e-2},
    {0: 3.70920001185047927108779319836e-2, 3: 1.70383925712239993810214054705e-1,
     4: 1.07262030446373284651809199168e-1, 5: -1.53194377486244017527936158236e-2,
     6: 8.27378916381402288758473766002e-3},
    {0: 6.24110958716075717114429577812e-1, 3: -3.36089262944694129406857109825,
     4: -8.68219346841726006818189891453e-1, 5: 2.75920996994467083049415600797e1,
     6: 2.01540675504778934086186788979e1, 7: -4.34898841810699588477366255144e1},
    {0: 4.77662536438264365890433908527e-1, 3: -2.48811461997166764192642586468,
     4: -5.90290826836842996371446475743e-1, 5: 2.12300514481811942347288949897e1,
     6: 1.52792336328824235832596922938e1, 7: -3.32882109689848629194453265587e1,
     8: -2.03312017085086261358222928593e-2},
    {0: -9.3714243008598732571704021658e-1, 3: 5.18637242884406370830023853209,
     4: 1.09143734899672957818500254654, 5: -8.14978701074692612513997267357,
     6: -1.85200656599969598641566180701e1, 7: 2.27394870993505042818970056734e1,
     8: 2.49360555267965238987089396762, 9: -3.0467644718982195003823669022},
    {0: 2.27331014751653820792359768449, 3: -1.05344954667372501984066689879e1,
     4: -2.00087205822486249909675718444, 5: -1.79589318631187989172765950534e1,
     6: 2.79488845294199600508499808837e1, 7: -2.85899827713502369474065508674,
     8: -8.87285693353062954433549289258, 9: 1.23605671757943030647266201528e1,
     10: 6.43392746015763530355970484046e-1},
)
_D8_B = {0: 5.42937341165687622380535766363e-2, 5: 4.45031289275240888144113950566,
         6: 1.89151789931450038304281599044, 7: -5.8012039600105847814672114227,
         8: 3.1116436695781989440891606237e-1, 9: -1.52160949662516078556178806805e-1,
         10: 2.01365400804030348374776537501e-1, 11: 4.47106157277725905176885569043e-2}
# The 3rd-order estimate's weights differ from b in three places (bhh in Hairer's code); stage 12 (f_new) has none.
_D8_E3 = dict(_D8_B)
for _j, _w in ((0, 0.244094488188976377952755905512), (8, 0.733846688281611857341361741547),
               (11, 0.220588235294117647058823529412e-1)):
    _D8_E3[_j] = _D8_E3.get(_j, 0.0) - _w
_D8_E5 = {0: 0.1312004499419488073250102996e-1, 5: -0.1225156446376204440720569753e+1,
          6: -0.4957589496572501915214079952, 7: 0.1664377182454986536961530415e+1,
          8: -0.3503288487499736816886487290, 9: 0.3341791187130174790297318841,
          10: 0.8192320648511571246570742613e-1, 11: -0.2235530786388629525884427845e-1}
DOP853 = Tableau("DOP853", 7, _D8_C, _D8_A, _D8_B, e5=_D8_E5, e3=_D8_E3)

METHODS = {"RK23": RK23, "RK45": RK45, "DOP853": DOP853}


def _combo(k: list, coefs: tuple) -> Any:
    """``sum_j coef_j * k[j]`` over the stored nonzero coefficients (a fresh array, safe to update in place)."""
    (j0, w0), rest = coefs[0], coefs[1:]
    acc = k[j0] * w0
    for j, w in rest:
        acc += k[j] * w
    return acc


def _sumsq(x) -> float:
    return float((x * x).sum())


def _rms(x) -> float:
    n = x.size
    return math.sqrt(_sumsq(x) / n) if n else 0.0


def _error_norm(tab: Tableau, k: list, h: float, scale) -> float:
    if tab.e is not None:
        return _rms(_combo(k, tab.e) * abs(h) / scale)
    e5, e3 = _sumsq(_combo(k, tab.e5) / scale), _sumsq(_combo(k, tab.e3) / scale)
    if e5 == 0.0 and e3 == 0.0:
        return 0.0
    # DOP853's blend of its 5th- and 3rd-order estimates (Hairer's err * err5 / sqrt(err5^2 + 0.01 err3^2))
    return abs(h) * e5 / math.sqrt((e5 + 0.01 * e3) * scale.size)


def _step(fun: Callable, tab: Tableau, t: float, y, f, h: float) -> tuple:
    """One step of ``tab`` from ``(t, y)`` with ``f = fun(t, y)``: ``(y_new, f_new, stages)``."""
    k = [f]
    for c, row in zip(tab.c[1:], tab.a[1:]):
        k.append(fun(t + c * h, y + _combo(k, row) * h))
    y_new = y + _combo(k, tab.b) * h
    f_new = fun(t + h, y_new)
    k.append(f_new)
    return y_new, f_new, k


def initial_step(fun: Callable, t0: float, y0, f0, direction: float, order: int, rtol: float, atol: Any,
                 interval: float) -> float:
    """Hairer's first step size (SciPy's ``select_initial_step``): one trial Euler step measures how fast ``f``
    changes, and the step is sized so the local error of a method of ``order`` would be about the tolerance."""
    if interval == 0.0:
        return 0.0
    xp = namespace(y0)
    scale = atol + xp.abs(y0) * rtol
    d0, d1 = _rms(y0 / scale), _rms(f0 / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, interval)
    f1 = fun(t0 + direction * h0, y0 + f0 * (direction * h0))
    d2 = _rms((f1 - f0) / scale) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
    return min(100 * h0, h1, interval)


class Stats:
    """What a solve cost: right-hand side evaluations, accepted and rejected steps; with ``record_steps``, the
    time and state after every accepted step (the start included)."""

    __slots__ = ("nfev", "accepted", "rejected", "times", "states")

    def __init__(self):
        self.nfev = self.accepted = self.rejected = 0
        self.times: list = []
        self.states: list = []


def solve(fun: Callable, y0, times: Sequence[float], method: str = "RK45", rtol: float = 1e-3, atol: Any = 1e-6,
          max_steps: int = 10_000, first_step: float | None = None, max_step: float = math.inf,
          name: str = "odeint", record_steps: bool = False) -> tuple[list, Stats]:
    """Solve ``dy/dt = fun(t, y)`` from ``y0`` at ``times[0]`` and return ``([y(t) for t in times], stats)``.

    ``times`` are floats, monotone (increasing or decreasing; repeats allowed); a step ends on each of them.
    ``max_steps`` bounds the step attempts (accepted and rejected) of the whole solve; past it, or when the step
    falls below the spacing of floats at ``t``, :class:`IntegrationError` says where the solve stopped.

    >>> import numpy as np
    >>> ys, stats = solve(lambda t, y: -y, np.array([1.0]), [0.0, 1.0], rtol=1e-10, atol=1e-12)
    >>> bool(abs(ys[1][0] - np.exp(-1.0)) < 1e-9)
    True
    """
    tab = METHODS[method]
    xp = namespace(y0)
    stats = Stats()
    outs = [y0]
    if len(times) < 2 or y0.size == 0:
        return outs + [y0] * (len(times) - 1), stats
    t = times[0]
    direction = 1.0 if times[-1] >= t else -1.0
    if record_steps:
        stats.times.append(t)
        stats.states.append(y0)
    f = fun(t, y0)
    stats.nfev += 1
    if first_step is None:
        h_abs = initial_step(fun, t, y0, f, direction, tab.error_order, rtol, atol, abs(times[-1] - t))
        stats.nfev += 1
    else:
        h_abs = float(first_step)
    exponent = -1.0 / (tab.error_order + 1)
    attempts = 0
    y = y0
    for target in times[1:]:
        while direction * (target - t) > 0:
            min_step = 10 * abs(math.nextafter(t, direction * math.inf) - t)
            h_abs = max(min(h_abs, max_step), min_step)
            rejected = False
            while True:
                if attempts >= max_steps:
                    raise IntegrationError(
                        f"funcgrad.scipy.integrate.{name}: max_steps={max_steps} steps were not enough to reach "
                        f"t={target:.6g} (the solve got to t={t:.6g}, with step size {h_abs:.3g}); the problem may "
                        f"be stiff. Pass a larger max_steps=, loosen rtol/atol, or use an implicit solver "
                        f"(scipy.integrate.solve_ivp with method='Radau', 'BDF' or 'LSODA'; funcgrad has none)")
                attempts += 1
                wanted = h_abs
                t_new = t + direction * h_abs
                clipped = direction * (t_new - target) >= 0
                if clipped:
                    t_new = target
                h = t_new - t
                h_abs = abs(h)
                y_new, f_new, k = _step(fun, tab, t, y, f, h)
                stats.nfev += len(k) - 1
                scale = atol + xp.maximum(xp.abs(y), xp.abs(y_new)) * rtol
                err = _error_norm(tab, k, h, scale)
                if err < 1.0:
                    factor = MAX_FACTOR if err == 0.0 else min(MAX_FACTOR, SAFETY * err ** exponent)
                    if rejected:
                        factor = min(1.0, factor)
                    # a step cut short to land on a requested time says nothing against the longer one
                    h_abs = max(h_abs * factor, wanted) if clipped and not rejected else h_abs * factor
                    break
                h_abs *= max(MIN_FACTOR, SAFETY * err ** exponent) if math.isfinite(err) else MIN_FACTOR
                rejected = True
                stats.rejected += 1
                if h_abs < min_step:
                    why = ("the solution became non-finite (nan or inf)" if not math.isfinite(err) else
                           "the problem may be stiff or the solution may blow up")
                    raise IntegrationError(
                        f"funcgrad.scipy.integrate.{name}: the step size fell below the spacing of floats at "
                        f"t={t:.6g} before reaching t={target:.6g}; {why}. Check the right-hand side, loosen "
                        f"rtol/atol, or shorten the interval")
            t, y, f = t_new, y_new, f_new
            stats.accepted += 1
            if record_steps:
                stats.times.append(t)
                stats.states.append(y)
        outs.append(y)
    return outs, stats
