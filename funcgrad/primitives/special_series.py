"""Built-in values of the special functions that ``funcgrad.special`` (``torch.special``) offered before SciPy
became a dependency: the forward implementations of :mod:`.special_functions` use them where no special-function
library serves the array's namespace (NumPy without SciPy; a device library that lacks the function).

Each function takes the array namespace and float64 arrays (the caller widens and narrows) and is written on plain
arrays: series, continued fractions, recurrences and asymptotic expansions, accurate to a few units in the last
place of float64 on the functions' usual ranges. Nothing here is differentiated: the derivative rules live with
the primitives and call primitives.

>>> import numpy as np
>>> round(float(erf(np, np.array(0.5))), 12)
0.520499877813
"""
from __future__ import annotations

import math

_SQPI = 1.0 / math.sqrt(math.pi)
_SQRT2 = math.sqrt(2.0)
_T_ERF = 2.0  # below: erf's power series; above: the continued fraction of erfcx
# Bernoulli numbers B_2, B_4, ..., B_16
_BERN = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510]
_SHIFT = 8  # gamma-family recurrences move the argument to >= 8.5, where the asymptotic series is accurate


def _horner(z, coeffs: list):
    s = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        s = c + z * s
    return s


# --- the error function family ----------------------------------------------------------------------------------
def _erf_series(xp, x):
    """erf(x) = 2/sqrt(pi) x exp(-x^2) sum_n (2x^2)^n / (2n+1)!!: positive terms, accurate for |x| <= 2."""
    z = 2.0 * x * x
    s = 1.0
    for n in range(40, 0, -1):
        s = 1.0 + z * s / (2 * n + 1)
    return (2.0 * _SQPI) * x * xp.exp(-x * x) * s


def _erfcx_cf(xp, x):
    """exp(x^2) erfc(x) by its continued fraction 1/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), x >= 2."""
    f = x
    for k in range(60, 0, -1):
        f = x + (0.5 * k) / f
    return _SQPI / f


def _split(xp, x):
    small = xp.abs(x) <= _T_ERF
    return small, xp.where(small, x, 0.0), xp.where(small, _T_ERF + 1.0, xp.abs(x))


def erf(xp, x):
    small, xs, xl = _split(xp, x)
    large = 1.0 - xp.exp(-xl * xl) * _erfcx_cf(xp, xl)
    return xp.where(small, _erf_series(xp, xs), xp.where(x < 0, -large, large))


def erfc(xp, x):
    small, xs, xl = _split(xp, x)
    tail = xp.exp(-xl * xl) * _erfcx_cf(xp, xl)
    return xp.where(small, 1.0 - _erf_series(xp, xs), xp.where(x < 0, 2.0 - tail, tail))


def erfcx(xp, x):
    small, xs, xl = _split(xp, x)
    neg = xp.where(x < -_T_ERF, xl, _T_ERF + 1.0)  # erfcx(-a) = 2 exp(a^2) - erfcx(a)
    neg_large = 2.0 * xp.exp(neg * neg) - _erfcx_cf(xp, neg)
    return xp.where(small, xp.exp(xs * xs) * (1.0 - _erf_series(xp, xs)),
                    xp.where(x < 0, neg_large, _erfcx_cf(xp, xl)))


def ndtr(xp, x):
    return 0.5 * erfc(xp, -x / _SQRT2)


def log_ndtr(xp, x):
    far = x < -_T_ERF * _SQRT2  # lower tail: log(erfcx(u) / 2) - u^2 with u = -x / sqrt(2) > 2
    u = xp.where(far, -x / _SQRT2, _T_ERF + 1.0)
    tail = xp.log(0.5 * _erfcx_cf(xp, u)) - u * u
    xm = xp.where(far, 0.0, x)
    upper = xp.log1p(-0.5 * erfc(xp, xm / _SQRT2))  # x > 0: 1 - ndtr(x) is small
    lower = xp.log(0.5 * erfc(xp, -xm / _SQRT2))
    return xp.where(far, tail, xp.where(x > 0, upper, lower))


def _erfc_inv_unit(xp, c):
    """x >= 0 with erfc(x) = c, for c in (0, 1]: Winitzki's first guess (relative error ~2e-3), then Newton."""
    ln = xp.log(c * (2.0 - c))
    a = 0.147
    t = 2.0 / (math.pi * a) + 0.5 * ln
    x = xp.sqrt(xp.maximum(xp.sqrt(t * t - ln / a) - t, 0.0))
    for _ in range(7):
        x = x + (erfc(xp, x) - c) / ((2.0 * _SQPI) * xp.exp(-x * x))
    return x


def erfinv(xp, y):
    a = xp.abs(y)
    small = a <= 0.5
    inside = (a > 0.5) & (a < 1.0)
    ys = xp.where(small, y, 0.0)
    x = ys * (0.5 * math.sqrt(math.pi)) * (1.0 + (math.pi / 12.0) * ys * ys)  # Taylor guess, |error| < 2e-3
    for _ in range(6):
        x = x - (erf(xp, x) - ys) / ((2.0 * _SQPI) * xp.exp(-x * x))
    xb = _erfc_inv_unit(xp, xp.where(inside, 1.0 - a, 0.5))  # 1 - |y| is exact for |y| >= 1/2
    edge = xp.where(y == 1.0, xp.inf, xp.where(y == -1.0, -xp.inf, xp.nan))
    return xp.where(small, x, xp.where(inside, xp.where(y < 0, -xb, xb), edge))


def erfcinv(xp, c):
    lower = (c > 0.0) & (c <= 1.0)
    upper = (c > 1.0) & (c < 2.0)
    x = _erfc_inv_unit(xp, xp.where(lower, c, xp.where(upper, 2.0 - c, 0.5)))
    edge = xp.where(c == 0.0, xp.inf, xp.where(c == 2.0, -xp.inf, xp.nan))
    return xp.where(lower, x, xp.where(upper, -x, edge))


def ndtri(xp, p):
    inside = (p > 0.0) & (p < 1.0)
    lower = p < 0.5
    # p < 1/2: -sqrt(2) erfcinv(2p); p >= 1/2: sqrt(2) erfcinv(2(1 - p)), both with an argument in (0, 1]
    x = _SQRT2 * _erfc_inv_unit(xp, xp.where(inside, xp.where(lower, 2.0 * p, 2.0 * (1.0 - p)), 0.5))
    edge = xp.where(p == 0.0, -xp.inf, xp.where(p == 1.0, xp.inf, xp.nan))
    return xp.where(inside, xp.where(lower, -x, x), edge)


# --- the gamma function family ----------------------------------------------------------------------------------
def _lgamma_pos(xp, x):
    """log Gamma(x) for x >= 1/2: Stirling's series at x + 8, moved back by log Gamma(x) = log Gamma(x+8) - sum
    log(x+k)."""
    z = x + float(_SHIFT)
    s = xp.log(x)
    for k in range(1, _SHIFT):
        s = s + xp.log(x + float(k))
    zi = 1.0 / z
    series = zi * _horner(zi * zi, [b / ((2 * j + 2) * (2 * j + 1)) for j, b in enumerate(_BERN)])
    return (z - 0.5) * xp.log(z) - z + 0.5 * math.log(2 * math.pi) + series - s


def _reflect(xp, x):
    """(x < 1/2, x where x >= 1/2 else 1, 1 - x where x < 1/2 else 1, x less its nearest integer)."""
    low = x < 0.5
    return low, xp.where(low, 1.0, x), xp.where(low, 1.0 - x, 1.0), xp.where(low, x - xp.round(x), 0.5)


def gammaln(xp, x):
    low, hi, mirrored, frac = _reflect(xp, x)
    # reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x); sin(pi frac) stays accurate for large |x|
    refl = math.log(math.pi) - xp.log(xp.abs(xp.sin(math.pi * frac))) - _lgamma_pos(xp, mirrored)
    return xp.where(xp.isinf(x), xp.inf, xp.where(low, refl, _lgamma_pos(xp, hi)))


def _digamma_pos(xp, x):
    z = x + float(_SHIFT)
    s = 1.0 / x
    for k in range(1, _SHIFT):
        s = s + 1.0 / (x + float(k))
    zi2 = 1.0 / (z * z)
    return xp.log(z) - 0.5 / z - zi2 * _horner(zi2, [b / (2 * j + 2) for j, b in enumerate(_BERN)]) - s


def digamma(xp, x):
    low, hi, mirrored, frac = _reflect(xp, x)
    safe = xp.where(frac == 0.0, 0.5, frac)
    # reflection: psi(1 - x) - psi(x) = pi cot(pi x); at the poles -inf at +0, +inf at -0, NaN below
    refl = _digamma_pos(xp, mirrored) - math.pi * xp.cos(math.pi * safe) / xp.sin(math.pi * safe)
    pole = xp.where(x == 0.0, xp.where(xp.signbit(x), xp.inf, -xp.inf), xp.nan)
    return xp.where(low, xp.where(frac == 0.0, pole, refl), _digamma_pos(xp, hi))


def _polygamma_n(xp, n: int, x):
    """psi^(n)(x) for one order n >= 1: the recurrence up to a shift where the asymptotic series holds."""
    finite = xp.isfinite(x)
    lo = float(xp.min(xp.where(finite, x, 1.0))) if x.size else 1.0  # a read on the host: this path only
    extra = 0 if lo > 0 else int(math.ceil(-lo)) + 1
    if extra > 10000:
        raise ValueError(f"polygamma: arguments below -10000 (got {lo}) need SciPy (pip install funcgrad[scipy])")
    shift = 2 * n + 10 + extra
    total = x ** -(n + 1.0)
    for k in range(1, shift):
        total = total + (x + float(k)) ** -(n + 1.0)
    zi = 1.0 / (x + float(shift))
    # (n-1)!/z^n + n!/(2 z^(n+1)) + sum_j B_2j (2j+n-1)! / ((2j)! z^(2j+n))
    coeffs = [b * math.factorial(2 * j + 1 + n) / math.factorial(2 * j + 2) for j, b in enumerate(_BERN)]
    asym = zi ** float(n) * (math.factorial(n - 1) + zi * (0.5 * math.factorial(n)) + zi * zi * _horner(zi * zi,
                                                                                                         coeffs))
    return (-1.0 if n % 2 == 0 else 1.0) * (asym + math.factorial(n) * total)


def polygamma(xp, n, x):
    n, x = xp.broadcast_arrays(n, x)
    orders = {int(v) for v in xp.unique(n).tolist()} if n.size else set()  # host read: this path only
    out = xp.full(x.shape, xp.nan)
    for k in orders:
        if k >= 0:
            out = xp.where(n == k, digamma(xp, x) if k == 0 else _polygamma_n(xp, k, x), out)
    return out


def zeta(xp, s, q):
    """Hurwitz zeta by Euler-Maclaurin: twelve terms, the integral of the tail and its Bernoulli corrections."""
    s, q = xp.broadcast_arrays(s, q)
    n = 12
    total = xp.zeros(s.shape)
    for k in range(n):
        total = total + (q + k) ** (-s)
    a = q + n
    total = total + a ** (1.0 - s) / (s - 1.0) + 0.5 * a ** (-s)
    fac = s / a  # s (s+1) ... (s+2j-2) / a^(2j-1), times a^(-s) below
    for j, b in enumerate(_BERN):
        total = total + b / math.factorial(2 * j + 2) * fac * a ** (-s)
        fac = fac * (s + 2 * j + 1) * (s + 2 * j + 2) / (a * a)
    total = xp.where(s == 1.0, xp.inf, xp.where(s < 1.0, xp.nan, total))
    total = xp.where((q <= 0) & (q == xp.floor(q)) & (s > 1.0), xp.inf, total)
    return xp.where((q <= 0) & (q != xp.floor(q)), xp.nan, total)


# --- modified Bessel functions ------------------------------------------------------------------------------------
_T_BESSEL = 20.0  # below: the power series (positive terms); above: the asymptotic expansion


def _bessel(xp, x, order: int, scaled: bool):
    small = xp.abs(x) <= _T_BESSEL
    xs = xp.where(small, x, 0.0)
    q = 0.25 * xs * xs
    s = 1.0
    for k in range(60, 0, -1):  # sum q^k / (k! (k + order)!)
        s = 1.0 + q * s / (k * (k + order))
    series = s if order == 0 else 0.5 * xs * s
    if scaled:
        series = xp.exp(-xp.abs(xs)) * series
    a = xp.where(small, _T_BESSEL + 1.0, xp.abs(x))
    mu = 4.0 * order * order
    s = 1.0
    for k in range(24, 0, -1):  # 1 - (mu-1)/(8a) + (mu-1)(mu-9)/(2!(8a)^2) - ...
        s = 1.0 - (mu - (2 * k - 1) ** 2) / (8.0 * k) / a * s
    asym = s / xp.sqrt((2.0 * math.pi) * a)
    if not scaled:
        asym = xp.exp(a) * asym
    if order == 1:
        asym = xp.where(x < 0, -asym, asym)
    return xp.where(small, series, asym)


def i0e(xp, x):
    return _bessel(xp, x, 0, True)


def i1(xp, x):
    return _bessel(xp, x, 1, False)


def i1e(xp, x):
    return _bessel(xp, x, 1, True)


# --- regularized incomplete gamma --------------------------------------------------------------------------------
def _igamma(xp, a, x, upper: bool):
    """P(a, x) (Q(a, x) when ``upper``): the series below x < a + 1, the continued fraction above (Numerical
    Recipes' split), with as many terms as the largest argument needs."""
    a, x = xp.broadcast_arrays(a, x)
    ok = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    use_series = x < a + 1
    big = float(xp.max(xp.where(ok, xp.maximum(a, x), 0))) if a.size else 0.0  # a read on the host
    terms = min(int(100 + 12 * math.sqrt(big)), 4000)
    s_m, c_m = ok & use_series, ok & ~use_series
    lg = gammaln(xp, xp.where(ok, a, 1.0))
    xs, a_s = xp.where(s_m, x, 0.5), xp.where(s_m, a, 1.0)
    xc, a_c = xp.where(c_m, x, 2.0), xp.where(c_m, a, 1.0)
    term = xp.ones_like(xs)  # series: x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n))
    total = term
    for k in range(1, terms):
        term = term * xs / (a_s + float(k))
        total = total + term
    p = xp.exp(a_s * xp.log(xs) - xs - xp.where(s_m, lg, 0.0) - xp.log(a_s)) * total
    tail = xc + float(2 * terms + 1) - a_c  # the continued fraction for Q, evaluated backwards at a fixed depth
    for k in range(terms, 0, -1):
        tail = (xc + float(2 * k - 1) - a_c) - float(k) * (float(k) - a_c) / tail
    q = xp.exp(a_c * xp.log(xc) - xc - xp.where(c_m, lg, 0.0)) / tail
    out = xp.where(s_m, (1.0 - p) if upper else p, q if upper else 1.0 - q)
    # edges: P(a, 0) = 0, P(a, inf) = 1, P(0, x > 0) = 1, P(inf, finite x) = 0; NaN for NaN or negative arguments
    # and for P(0, 0), P(inf, inf)
    bad = xp.isnan(a) | xp.isnan(x) | (a < 0) | (x < 0)
    inner = xp.where(x == 0, 0.0, xp.where(xp.isinf(a), xp.where(xp.isinf(x), xp.nan, 0.0), 1.0))
    edge = xp.where(bad, xp.nan, xp.where(a == 0, xp.where(x == 0, xp.nan, 1.0), inner))
    return xp.where(ok, out, (1.0 - edge) if upper else edge)


def gammainc(xp, a, x):
    return _igamma(xp, a, x, False)


def gammaincc(xp, a, x):
    return _igamma(xp, a, x, True)


# --- elementary ones ----------------------------------------------------------------------------------------------
def expit(xp, x):
    e = xp.exp(-xp.abs(x))  # never overflows
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def logit(xp, p):
    return xp.log(p) - xp.log1p(-p)


def log_expit(xp, x):
    return xp.minimum(x, 0.0) - xp.log1p(xp.exp(-xp.abs(x)))


def entr(xp, x):
    pos = x > 0
    xs = xp.where(pos, x, 1.0)
    return xp.where(pos, -xs * xp.log(xs), xp.where(x == 0, 0.0, xp.where(x < 0, -xp.inf, xp.nan)))


def _xlog(xp, x, y, log):
    zero = (x == 0) & ~xp.isnan(y)  # 0 * log(anything but NaN) is 0
    return xp.where(zero, 0.0, x * log(xp.where(zero, 1.0, y)))


def xlogy(xp, x, y):
    return _xlog(xp, x, y, xp.log)


def xlog1py(xp, x, y):
    return _xlog(xp, x, y, xp.log1p)


def rel_entr(xp, x, y):
    both = (x > 0) & (y > 0)
    val = x * xp.log(xp.where(both, x, 1.0) / xp.where(both, y, 1.0))
    other = xp.where((x == 0) & (y >= 0), 0.0, xp.where(xp.isnan(x) | xp.isnan(y), xp.nan, xp.inf))
    return xp.where(both, val, other)


def kl_div(xp, x, y):
    both = (x > 0) & (y > 0)
    other = xp.where((x == 0) & (y >= 0), y, xp.where(xp.isnan(x) | xp.isnan(y), xp.nan, xp.inf))
    return xp.where(both, rel_entr(xp, x, y) - x + y, other)
