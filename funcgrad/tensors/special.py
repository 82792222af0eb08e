"""``torch.special``'s names over Tensors: ``funcgrad.special.erf(t)``, ``funcgrad.special.gammaln(t)`` ...

funcgrad has no primitives for the error, gamma and Bessel families, so each function here is a composite of
``funcgrad.numpy`` operations (series, continued fractions, recurrences and asymptotic expansions, each accurate
to a few units in the last place of float64) and is differentiated like any other composite: no derivative code
here. Inverses (``erfinv``, ``ndtri``) refine a constant first guess by Newton steps written with differentiable
operations, so their derivatives come out right to as many orders as there are steps (three).

Masks that choose a branch are computed on the untraced values; every branch is evaluated at a point inside its
domain (``where`` fills the others), so the unused branch never sends a NaN into the gradient.

>>> import funcgrad as fg
>>> import funcgrad.special
>>> fg.special.erf(fg.tensor([0.0, 1.0]))
tensor([0.0000, 0.8427])
>>> fg.special.gammaln(fg.tensor([4.0]))
tensor([1.7918])
"""
from __future__ import annotations

import builtins
import functools
import math
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace
from ..core import getval
from .tensor import Tensor, get_default_dtype
from .ops import _no_out, _t, _t_as
from .math import clamp, exp2, expm1, log1p, round, sigmoid
from .reductions import log_softmax, logsumexp, softmax

__all__ = ["erf", "erfc", "erfcx", "erfinv", "expit", "logit", "exp2", "expm1", "log1p", "gammaln", "digamma",
           "psi", "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "sinc", "entr",
           "xlogy", "xlog1py", "logsumexp", "softmax", "log_softmax", "round", "zeta", "gammainc", "gammaincc"]

_SQPI = 1.0 / math.sqrt(math.pi)  # 1/sqrt(pi)
_SQRT2 = math.sqrt(2.0)


# --- helpers -----------------------------------------------------------------------------------------------------
def _float(x: Any, op: str) -> Tensor:
    """``x`` as a floating Tensor: integers and booleans become the default dtype, as in PyTorch."""
    t = _t(x)
    kind = t.dtype.kind
    if kind in "biu":
        return fnp.astype(t, get_default_dtype())
    if kind == "c":
        raise TypeError(f"funcgrad.special.{op}: complex input (dtype {t.dtype}) is not supported; pass the real "
                        f"and imaginary parts separately")
    return t


def _wide(fn):
    """``fn`` computed in float64 for float16 and float32 inputs, the result cast back: the series and recurrences
    here are written for float64, and cancel too much in float32 (lgamma(2) = 1e-6 ...)."""
    @functools.wraps(fn)
    def wrapper(input: Any, *args: Any, **kwargs: Any) -> Tensor:
        x = _float(input, fn.__name__)
        if x.dtype in (np.float16, np.float32):
            return fnp.astype(fn(fnp.astype(x, np.float64), *args, **kwargs), x.dtype)
        return fn(x, *args, **kwargs)
    return wrapper


def _raw(x: Any) -> Any:
    """The plain array under a Tensor (no graph, no transform): for masks and first guesses only."""
    return getval(x._v) if isinstance(x, Tensor) else getval(x)


def _detached(x: Tensor) -> Tensor:
    return Tensor._from_value(_raw(x))


def _horner(z: Any, coeffs: list) -> Any:
    """``coeffs[0] + coeffs[1] z + coeffs[2] z**2 + ...``."""
    s = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        s = c + z * s
    return s


# --- the error function family ----------------------------------------------------------------------------------
_T_ERF = 2.0  # below: the power series; above: the continued fraction


def _erf_series(x: Any) -> Any:
    """erf(x) = 2/sqrt(pi) x exp(-x^2) sum_n (2x^2)^n / (2n+1)!!: positive terms, accurate for |x| <= 2."""
    z = 2.0 * x * x
    s = 1.0
    for n in range(40, 0, -1):
        s = 1.0 + z * s / (2 * n + 1)
    return (2.0 * _SQPI) * x * fnp.exp(-x * x) * s


def _erfcx_cf(x: Any) -> Any:
    """exp(x^2) erfc(x) by its continued fraction 1/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), x >= 2."""
    f = x
    for k in range(60, 0, -1):
        f = x + (0.5 * k) / f
    return _SQPI / f


def _branches(x: Tensor) -> tuple:
    """(small mask, x where small else 0, |x| where large else a safe large point, negative mask) on raw values."""
    r = _raw(x)
    xp = namespace(r)
    small = xp.abs(r) <= _T_ERF
    neg = r < 0
    xs = fnp.where(small, x, 0.0)
    xl = fnp.where(small, _T_ERF + 1.0, fnp.abs(x))
    return small, xs, xl, neg


@_wide
def erf(input: Any) -> Tensor:
    """The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt (``torch.special.erf``, ``torch.erf``).

    >>> import funcgrad as fg
    >>> fg.erf(fg.tensor([-0.5, 2.0]))
    tensor([-0.5205,  0.9953])
    """
    x = _float(input, "erf")
    small, xs, xl, neg = _branches(x)
    large = 1.0 - fnp.exp(-xl * xl) * _erfcx_cf(xl)
    return fnp.where(small, _erf_series(xs), fnp.where(neg, -large, large))


@_wide
def erfc(input: Any) -> Tensor:
    """The complementary error function 1 - erf(x), accurate where it is tiny (``torch.special.erfc``).

    >>> import funcgrad as fg
    >>> fg.erfc(fg.tensor([0.0, 5.0]))
    tensor([1.0000e+00, 1.5375e-12])
    """
    x = _float(input, "erfc")
    small, xs, xl, neg = _branches(x)
    tail = fnp.exp(-xl * xl) * _erfcx_cf(xl)
    return fnp.where(small, 1.0 - _erf_series(xs), fnp.where(neg, 2.0 - tail, tail))


@_wide
def erfcx(input: Any) -> Tensor:
    """The scaled complementary error function exp(x^2) erfc(x), without overflow for large x
    (``torch.special.erfcx``).

    >>> import funcgrad as fg
    >>> fg.special.erfcx(fg.tensor([0.0, 30.0]))
    tensor([1.0000, 0.0188])
    """
    x = _float(input, "erfcx")
    small, xs, xl, neg = _branches(x)
    cf = _erfcx_cf(xl)
    xn = fnp.where(neg, xl, _T_ERF + 1.0)  # exp(x^2) only where x < -2: elsewhere it overflows into the gradient
    neg_large = 2.0 * fnp.exp(xn * xn) - _erfcx_cf(xn)
    return fnp.where(small, fnp.exp(xs * xs) * (1.0 - _erf_series(xs)), fnp.where(neg, neg_large, cf))


@_wide
def ndtr(input: Any) -> Tensor:
    """The standard normal distribution function (``torch.special.ndtr``).

    >>> import funcgrad as fg
    >>> fg.special.ndtr(fg.tensor([0.0, 1.0]))
    tensor([0.5000, 0.8413])
    """
    return 0.5 * erfc(-_float(input, "ndtr") / _SQRT2)


@_wide
def log_ndtr(input: Any) -> Tensor:
    """log(ndtr(x)), accurate in both tails (``torch.special.log_ndtr``).

    >>> import funcgrad as fg
    >>> fg.special.log_ndtr(fg.tensor([-40.0]))
    tensor([-804.6085])
    """
    x = _float(input, "log_ndtr")
    r = _raw(x)
    far = r < -_T_ERF * _SQRT2  # lower tail: log(erfcx(u)/2) - u^2, u = -x/sqrt(2) > 2
    u = fnp.where(far, -x / _SQRT2, _T_ERF + 1.0)
    tail = fnp.log(0.5 * _erfcx_cf(u)) - u * u
    xm = fnp.where(far, 0.0, x)
    upper = fnp.log1p(-0.5 * erfc(xm / _SQRT2))  # x > 0: 1 - ndtr is small
    lower = fnp.log(0.5 * erfc(-xm / _SQRT2))
    return fnp.where(far, tail, fnp.where(r > 0, upper, lower))


def _erfc_inv_unit(c: Tensor) -> Tensor:
    """x >= 0 with erfc(x) = c, for c in (0, 1] (a safe value must fill other positions)."""
    cr = _raw(c)
    xp = namespace(cr)
    # first guess (Winitzki's approximation, relative error ~2e-3) and Newton steps, on plain values
    ln = xp.log(cr * (2.0 - cr))
    a = 0.147
    t = 2.0 / (math.pi * a) + 0.5 * ln
    x = xp.sqrt(xp.maximum(xp.sqrt(t * t - ln / a) - t, 0.0))
    for _ in range(4):
        x = x + (getval(erfc(x)._v) - cr) / ((2.0 * _SQPI) * xp.exp(-x * x))
    # differentiable Newton steps from the constant guess: each makes one more order of derivatives exact
    x = Tensor._from_value(x)
    for _ in range(3):
        x = x + (erfc(x) - c) / ((2.0 * _SQPI) * fnp.exp(-x * x))
    return x


def _erf_inv_small(y: Tensor) -> Tensor:
    """x with erf(x) = y, for |y| <= 1/2."""
    yr = _raw(y)
    xp = namespace(yr)
    x = yr * (0.5 * math.sqrt(math.pi)) * (1.0 + (math.pi / 12.0) * yr * yr)  # Taylor guess, |error| < 2e-3
    for _ in range(4):
        x = x - (getval(erf(x)._v) - yr) / ((2.0 * _SQPI) * xp.exp(-x * x))
    x = Tensor._from_value(x)
    for _ in range(3):
        x = x - (erf(x) - y) / ((2.0 * _SQPI) * fnp.exp(-x * x))
    return x


@_wide
def erfinv(input: Any) -> Tensor:
    """The inverse error function on [-1, 1] (±inf at ±1, NaN outside) (``torch.special.erfinv``).

    >>> import funcgrad as fg
    >>> fg.erfinv(fg.tensor([0.0, 0.5, 1.0]))
    tensor([0.0000, 0.4769,    inf])
    """
    y = _float(input, "erfinv")
    r = _raw(y)
    xp = namespace(r)
    a = xp.abs(r)
    small = a <= 0.5
    inside = (a > 0.5) & (a < 1.0)
    xs = _erf_inv_small(fnp.where(small, y, 0.0))
    c = fnp.where(inside, 1.0 - fnp.abs(y), 0.5)  # 1 - |y| is exact for |y| >= 1/2
    xb = _erfc_inv_unit(c)
    out = fnp.where(small, xs, fnp.where(r < 0, -xb, xb))
    edge = xp.where(r == 1.0, xp.inf, xp.where(r == -1.0, -xp.inf, xp.nan)).astype(r.dtype)
    return fnp.where(small | inside, out, edge)


@_wide
def ndtri(input: Any) -> Tensor:
    """The inverse of :func:`ndtr` on [0, 1] (±inf at 1 and 0, NaN outside) (``torch.special.ndtri``).

    >>> import funcgrad as fg
    >>> fg.special.ndtri(fg.tensor([0.5, 0.975]))
    tensor([0.0000, 1.9600])
    """
    p = _float(input, "ndtri")
    r = _raw(p)
    xp = namespace(r)
    inside = (r > 0.0) & (r < 1.0)
    lower = r < 0.5
    # p < 1/2: -sqrt(2) erfcinv(2p); p >= 1/2: sqrt(2) erfcinv(2(1 - p)), both with an argument in (0, 1]
    c = fnp.where(inside, fnp.where(lower, 2.0 * p, 2.0 * (1.0 - p)), 0.5)
    x = _SQRT2 * _erfc_inv_unit(c)
    out = fnp.where(lower, -x, x)
    edge = xp.where(r == 0.0, -xp.inf, xp.where(r == 1.0, xp.inf, xp.nan)).astype(r.dtype)
    return fnp.where(inside, out, edge)


# --- the gamma function family ----------------------------------------------------------------------------------
# Bernoulli numbers B_2, B_4, ..., B_16
_BERN = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510]
_SHIFT = 8  # recurrences move the argument to >= 8.5, where the asymptotic series is accurate


def _lgamma_pos(x: Any) -> Any:
    """log Gamma(x) for x >= 1/2: Stirling's series at x + 8, moved back by
    log Gamma(x) = log Gamma(x+8) - sum log(x+k)."""
    z = x + float(_SHIFT)
    s = fnp.log(x)
    for k in range(1, _SHIFT):
        s = s + fnp.log(x + float(k))
    zi = 1.0 / z
    series = zi * _horner(zi * zi, [b / ((2 * j + 2) * (2 * j + 1)) for j, b in enumerate(_BERN)])
    return (z - 0.5) * fnp.log(z) - z + 0.5 * math.log(2 * math.pi) + series - s


def _reflect(x: Tensor) -> tuple:
    """(mask x < 1/2, x where x >= 1/2 else 1, 1 - x where x < 1/2 else 1, x - nearest integer (for sin(pi x)))."""
    r = _raw(x)
    xp = namespace(r)
    low = r < 0.5
    hi = fnp.where(low, 1.0, x)
    mirrored = fnp.where(low, 1.0 - x, 1.0)
    frac = fnp.where(low, x - xp.round(r), 0.5)  # sin(pi x) = ±sin(pi frac), accurate for large |x| too
    return low, hi, mirrored, frac


@_wide
def gammaln(input: Any) -> Tensor:
    """log |Gamma(x)| (``torch.special.gammaln``, ``torch.lgamma``); +inf at the poles 0, -1, -2, ...

    >>> import funcgrad as fg
    >>> fg.lgamma(fg.tensor([0.5, 3.0, -0.5]))
    tensor([0.5724, 0.6931, 1.2655])
    """
    x = _float(input, "gammaln")
    low, hi, mirrored, frac = _reflect(x)
    # reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x)
    refl = math.log(math.pi) - fnp.log(fnp.abs(fnp.sin(math.pi * frac))) - _lgamma_pos(mirrored)
    r = _raw(x)
    return fnp.where(namespace(r).isinf(r), np.inf, fnp.where(low, refl, _lgamma_pos(hi)))  # +inf at +-inf


def _digamma_pos(x: Any) -> Any:
    z = x + float(_SHIFT)
    s = 1.0 / x
    for k in range(1, _SHIFT):
        s = s + 1.0 / (x + float(k))
    zi2 = 1.0 / (z * z)
    series = zi2 * _horner(zi2, [b / (2 * j + 2) for j, b in enumerate(_BERN)])
    return fnp.log(z) - 0.5 / z - series - s


@_wide
def digamma(input: Any) -> Tensor:
    """The digamma function, d/dx log Gamma(x) (``torch.special.digamma``, ``torch.digamma``, ``psi``).

    >>> import funcgrad as fg
    >>> fg.digamma(fg.tensor([1.0, 0.5]))
    tensor([-0.5772, -1.9635])
    """
    x = _float(input, "digamma")
    low, hi, mirrored, frac = _reflect(x)
    # reflection: psi(1 - x) - psi(x) = pi cot(pi x)
    safe = fnp.where(frac == 0.0, 0.5, frac)
    refl = _digamma_pos(mirrored) - math.pi * fnp.cos(math.pi * safe) / fnp.sin(math.pi * safe)
    r = _raw(x)
    xp = namespace(r)
    # at the poles: -inf at +0 (PyTorch's answer), +inf at -0, NaN at the negative integers
    pole = xp.where(r == 0.0, xp.where(xp.signbit(r), xp.inf, -xp.inf), xp.nan).astype(r.dtype)
    return fnp.where(low, fnp.where(_raw(frac) == 0.0, pole, refl), _digamma_pos(hi))


psi = digamma


def polygamma(n: int, input: Any) -> Tensor:
    """The n-th derivative of the digamma function (``torch.special.polygamma``, ``torch.polygamma``).

    >>> import funcgrad as fg
    >>> fg.polygamma(1, fg.tensor([1.0]))  # pi^2 / 6
    tensor([1.6449])
    """
    if isinstance(n, Tensor):
        n = n.item()
    if not isinstance(n, (builtins.int, np.integer)) or isinstance(n, builtins.bool) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative or non-integer n (got n={n!r}); n is the "
                           f"order of the derivative: 0 for digamma, 1 for trigamma ...")
    n = builtins.int(n)
    x = _float(input, "polygamma")
    if x.dtype in (np.float16, np.float32):  # computed in float64, as the functions under _wide
        return fnp.astype(polygamma(n, fnp.astype(x, np.float64)), x.dtype)
    if n == 0:
        return digamma(x)
    r = _raw(x)
    xp = namespace(r)
    lo = builtins.float(xp.min(r)) if r.size else 1.0
    extra = 0 if not math.isfinite(lo) or lo > 0 else builtins.int(math.ceil(-lo)) + 1
    if extra > 10000:
        raise ValueError(f"polygamma: arguments below -10000 (got {lo}) are not supported")
    shift = 2 * n + 10 + extra  # far enough for the asymptotic series at this order
    sign = -1.0 if n % 2 == 0 else 1.0  # (-1)^(n+1)
    z = x + float(shift)
    total = fnp.power(x, -(n + 1.0))
    for k in range(1, shift):
        total = total + fnp.power(x + float(k), -(n + 1.0))
    zi = 1.0 / z
    # (n-1)!/z^n + n!/(2 z^(n+1)) + sum_j B_2j (2j+n-1)! / ((2j)! z^(2j+n))
    terms = [math.factorial(n - 1), 0.5 * math.factorial(n)]
    coeffs = [b * math.factorial(2 * j + 2 + n - 1) / math.factorial(2 * j + 2) for j, b in enumerate(_BERN)]
    asym = fnp.power(zi, float(n)) * (terms[0] + zi * terms[1] + zi * zi * _horner(zi * zi, coeffs))
    return sign * (asym + math.factorial(n) * total)


@_wide
def multigammaln(input: Any, p: int) -> Tensor:
    """The log of the multivariate gamma function of dimension ``p`` (``torch.special.multigammaln``,
    ``torch.mvlgamma``); every element must exceed (p - 1)/2.

    >>> import funcgrad as fg
    >>> fg.mvlgamma(fg.tensor([2.5]), 2)
    tensor([0.8570])
    """
    if not isinstance(p, (builtins.int, np.integer)) or p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1 (got p={p!r})")
    x = _float(input, "multigammaln")
    r = _raw(x)
    if r.size and not bool(namespace(r).all(r > (p - 1) / 2)):
        raise RuntimeError(f"mvlgamma: All elements must be greater than (p-1)/2 = {(p - 1) / 2} for p={p}; got a "
                           f"minimum of {builtins.float(namespace(r).min(r))}")
    out = gammaln(x)
    for j in range(1, p):
        out = out + gammaln(x - 0.5 * j)
    return out + p * (p - 1) / 4 * math.log(math.pi)


# --- modified Bessel functions ------------------------------------------------------------------------------------
_T_BESSEL = 20.0  # below: the power series (positive terms); above: the asymptotic expansion


def _bessel(x: Tensor, order: int, scaled: bool) -> Tensor:
    r = _raw(x)
    xp = namespace(r)
    small = xp.abs(r) <= _T_BESSEL
    xs = fnp.where(small, x, 0.0)
    q = 0.25 * xs * xs
    s = 1.0
    for k in range(60, 0, -1):  # sum q^k / (k! (k + order)!)
        s = 1.0 + q * s / (k * (k + order))
    series = s if order == 0 else 0.5 * xs * s
    if scaled:
        series = fnp.exp(-fnp.abs(xs)) * series
    a = fnp.where(small, _T_BESSEL + 1.0, fnp.abs(x))
    mu = 4.0 * order * order
    s = 1.0
    for k in range(24, 0, -1):  # 1 - (mu-1)/(8a) + (mu-1)(mu-9)/(2!(8a)^2) - ...
        s = 1.0 - (mu - (2 * k - 1) ** 2) / (8.0 * k) / a * s
    asym = s / fnp.sqrt((2.0 * math.pi) * a)
    if not scaled:
        asym = fnp.exp(a) * asym
    if order == 1:
        asym = fnp.where(r < 0, -asym, asym)
    return fnp.where(small, series, asym)


@_wide
def i0(input: Any) -> Tensor:
    """The modified Bessel function of the first kind, order 0 (``torch.special.i0``, ``torch.i0``).

    >>> import funcgrad as fg
    >>> fg.i0(fg.tensor([0.0, 1.0]))
    tensor([1.0000, 1.2661])
    """
    return _bessel(_float(input, "i0"), 0, False)


@_wide
def i0e(input: Any) -> Tensor:
    """exp(-|x|) * i0(x) (``torch.special.i0e``).

    >>> import funcgrad as fg
    >>> fg.special.i0e(fg.tensor([0.0, 100.0]))
    tensor([1.0000, 0.0399])
    """
    return _bessel(_float(input, "i0e"), 0, True)


@_wide
def i1(input: Any) -> Tensor:
    """The modified Bessel function of the first kind, order 1 (``torch.special.i1``).

    >>> import funcgrad as fg
    >>> fg.special.i1(fg.tensor([0.0, 1.0]))
    tensor([0.0000, 0.5652])
    """
    return _bessel(_float(input, "i1"), 1, False)


@_wide
def i1e(input: Any) -> Tensor:
    """exp(-|x|) * i1(x) (``torch.special.i1e``).

    >>> import funcgrad as fg
    >>> fg.special.i1e(fg.tensor([-1.0]))
    tensor([-0.2079])
    """
    return _bessel(_float(input, "i1e"), 1, True)


# --- elementary ones ----------------------------------------------------------------------------------------------
def expit(input: Any) -> Tensor:
    """The logistic function 1/(1 + exp(-x)) (``torch.special.expit``, ``torch.sigmoid``).

    >>> import funcgrad as fg
    >>> fg.special.expit(fg.tensor([0.0]))
    tensor([0.5000])
    """
    return sigmoid(_float(input, "expit"))


@_wide
def logit(input: Any, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), with ``p`` clamped to [eps, 1 - eps] when ``eps`` is given (the gradient is 0 where the
    clamp acts, as in PyTorch) (``torch.special.logit``, ``torch.logit``).

    >>> import funcgrad as fg
    >>> fg.logit(fg.tensor([0.5, 0.0]), eps=1e-6)
    tensor([  0.0000, -13.8155])
    """
    p = _float(input, "logit")
    if eps is not None:

        p = clamp(p, eps, 1.0 - eps)
    return fnp.log(p) - fnp.log1p(-p)


@_wide
def sinc(input: Any) -> Tensor:
    """The normalized sinc function sin(pi x)/(pi x), 1 at 0 (``torch.special.sinc``, ``torch.sinc``).

    >>> import funcgrad as fg
    >>> fg.sinc(fg.tensor([0.0, 0.5]))
    tensor([1.0000, 0.6366])
    """
    x = _float(input, "sinc")
    zero = _raw(x) == 0
    xs = math.pi * fnp.where(zero, 1.0, x)
    return fnp.where(zero, 1.0, fnp.sin(xs) / xs)


@_wide
def entr(input: Any) -> Tensor:
    """Elementwise entropy -x log x: 0 at 0, -inf for x < 0 (``torch.special.entr``).

    >>> import funcgrad as fg
    >>> fg.special.entr(fg.tensor([0.0, 0.5]))
    tensor([0.0000, 0.3466])
    """
    x = _float(input, "entr")
    r = _raw(x)
    xp = namespace(r)
    pos = r > 0
    xs = fnp.where(pos, x, 1.0)
    other = xp.where(r == 0, 0.0, xp.where(r < 0, -xp.inf, xp.nan)).astype(r.dtype)
    return fnp.where(pos, -xs * fnp.log(xs), other)


def _float_dtype(*args: Any) -> np.dtype:
    """The floating dtype PyTorch gives a float op on ``args``: the floating (or complex) tensors' dtypes promote
    among themselves, integer tensors and numbers do not lift them; with none, the default float dtype."""
    dts = [np.dtype(a.dtype) for a in args if isinstance(a, Tensor) or hasattr(a, "dtype")]
    floats = [d for d in dts if d.kind in "fc"]
    return np.dtype(np.result_type(*floats)) if floats else np.dtype(get_default_dtype())


def _xlog(op: str, input: Any, other: Any, log) -> Tensor:
    dtype = _float_dtype(input, other)
    x = _t_as(input, dtype)
    y = _t_as(other, dtype)
    xr, yr = _raw(x), _raw(y)
    xp = namespace(xr)
    zero = (xr == 0) & ~xp.isnan(yr)  # 0 * log(anything but NaN) is 0
    ys = fnp.where(zero, 1.0, y)
    return fnp.where(zero, 0.0, x * log(ys))


def xlogy(input: Any, other: Any) -> Tensor:
    """x * log(y), 0 where x is 0 (unless y is NaN) (``torch.special.xlogy``, ``torch.xlogy``); either argument
    may be a number.

    >>> import funcgrad as fg
    >>> fg.xlogy(fg.tensor([0.0, 2.0]), fg.tensor([0.0, 3.0]))
    tensor([0.0000, 2.1972])
    """
    return _xlog("xlogy", input, other, fnp.log)


def xlog1py(input: Any, other: Any) -> Tensor:
    """x * log1p(y), 0 where x is 0 (unless y is NaN) (``torch.special.xlog1py``).

    >>> import funcgrad as fg
    >>> fg.special.xlog1py(fg.tensor([0.0, 2.0]), fg.tensor([-1.0, 1.0]))
    tensor([0.0000, 1.3863])
    """
    return _xlog("xlog1py", input, other, fnp.log1p)


def zeta(input: Any, other: Any) -> Tensor:
    """The Hurwitz zeta function sum_k (q + k)^(-x) for x > 1 and q > 0 (``torch.special.zeta``; inf at x = 1,
    NaN for x < 1). No gradient flows through it, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.special.zeta(fg.tensor([2.0]), 1.0)  # pi^2 / 6
    tensor([1.6449])
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = _t(input)
    dtype = _float_dtype(input, other)
    xp = namespace(_raw(input if isinstance(input, Tensor) else other))
    s = xp.asarray(_raw(input), dtype=dtype)
    q = xp.asarray(_raw(other), dtype=dtype)
    s, q = xp.broadcast_arrays(s, q)
    with np.errstate(all="ignore"):
        n = 12
        total = xp.zeros(s.shape, dtype)
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
        total = xp.where((q <= 0) & (q != xp.floor(q)), xp.nan, total)
    return Tensor._from_value(total.astype(dtype))


# --- regularized incomplete gamma --------------------------------------------------------------------------------
def _igamma_parts(op: str, input: Any, other: Any) -> tuple:
    dtype = _float_dtype(input, other)
    a = _t_as(input, dtype)
    x = _t_as(other, dtype)
    a = Tensor._from_value(_raw(a))  # PyTorch has no derivative in the shape parameter: none flows to it
    a, x = fnp.broadcast_arrays(a, x)
    return _t(a), _t(x)


def _igamma(a: Tensor, x: Tensor, upper: bool) -> Tensor:
    """P(a, x) (Q(a, x) when ``upper``): the series below x < a + 1, the continued fraction above (Numerical
    Recipes' split), with as many terms as the largest argument needs; a constant (no gradient to it)."""
    ar, xr = _raw(a), _raw(x)
    xp = namespace(ar)
    with np.errstate(all="ignore"):
        ok = (ar > 0) & (xr > 0) & xp.isfinite(ar) & xp.isfinite(xr)
        use_series = xr < ar + 1
        big = builtins.float(xp.max(xp.where(ok, xp.maximum(ar, xr), 0))) if ar.size else 0.0
    terms = builtins.min(builtins.int(100 + 12 * math.sqrt(big)), 4000)
    lg = Tensor._from_value(_raw(gammaln(Tensor._from_value(xp.where(ok, ar, 1.0)))))
    s_m = ok & use_series
    c_m = ok & ~use_series
    xs = fnp.where(s_m, x, 0.5)
    xc = fnp.where(c_m, x, 2.0)
    a_s = Tensor._from_value(xp.where(s_m, ar, 1.0))
    a_c = Tensor._from_value(xp.where(c_m, ar, 1.0))
    lg_s = fnp.where(s_m, lg, 0.0)
    lg_c = fnp.where(c_m, lg, 0.0)
    # series: x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n))
    term = fnp.ones_like(xs)
    total = term
    for k in range(1, terms):
        term = term * xs / (a_s + float(k))
        total = total + term
    p = fnp.exp(a_s * fnp.log(xs) - xs - lg_s - fnp.log(a_s)) * total
    # continued fraction for Q (modified Lentz, evaluated backwards with a fixed depth)
    f = xc + 1.0 - a_c + 0.0 * xc
    depth = terms
    tail = xc + float(2 * depth + 1) - a_c
    for k in range(depth, 0, -1):
        tail = (xc + float(2 * k - 1) - a_c) - float(k) * (float(k) - a_c) / tail
    f = tail
    q = fnp.exp(a_c * fnp.log(xc) - xc - lg_c) / f
    series_val = (1.0 - p) if upper else p
    cf_val = q if upper else 1.0 - q
    out = fnp.where(s_m, series_val, cf_val)
    # edges (PyTorch's values): P(a, 0) = 0, P(a, inf) = 1, P(0, x > 0) = 1, P(inf, finite x) = 0; NaN for NaN or
    # negative arguments and for P(0, 0), P(inf, inf)
    bad = xp.isnan(ar) | xp.isnan(xr) | (ar < 0) | (xr < 0)
    inner = xp.where(xr == 0, 0.0, xp.where(xp.isinf(ar), xp.where(xp.isinf(xr), xp.nan, 0.0), 1.0))
    edge = xp.where(bad, xp.nan, xp.where(ar == 0, xp.where(xr == 0, xp.nan, 1.0), inner))
    edge = (1.0 - edge) if upper else edge
    return fnp.where(ok, out, edge.astype(out.dtype))


def gammainc(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """The regularized lower incomplete gamma function P(a, x) for a = ``input``, x = ``other``
    (``torch.special.gammainc``, ``torch.igamma``); differentiable in ``other`` only, as in PyTorch.

    >>> import funcgrad as fg
    >>> fg.special.gammainc(fg.tensor([1.0, 2.0]), fg.tensor([0.5, 3.0]))
    tensor([0.3935, 0.8009])
    """
    _no_out("gammainc", out)
    a, x = _igamma_parts("gammainc", input, other)
    return _igamma(a, x, False)


def gammaincc(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x) (``torch.special.gammaincc``,
    ``torch.igammac``).

    >>> import funcgrad as fg
    >>> fg.special.gammaincc(fg.tensor([1.0, 3.0]), fg.tensor([0.5, 30.0]))
    tensor([6.0653e-01, 4.5010e-11])
    """
    _no_out("gammaincc", out)
    a, x = _igamma_parts("gammaincc", input, other)
    return _igamma(a, x, True)


igamma, igammac = gammainc, gammaincc


# ``torch.special.gammaln`` is torch.lgamma; ``polygamma`` ... also serve the top-level names (funcgrad.tensors.pointwise)
lgamma = gammaln
mvlgamma = multigammaln
