"""``scipy.special``'s gamma, error, logistic, entropy, incomplete and zeta functions as primitives.

Values come from the array library's own special-function module: ``scipy.special`` for NumPy arrays,
``cupyx.scipy.special`` for CuPy arrays (another namespace can bring one with :func:`register_library`), imported
on the first call, so that importing funcgrad needs no SciPy. Where none serves a function (NumPy without SciPy, a
device library that lacks it), the functions ``funcgrad.special`` (``torch.special``) had before SciPy was a
dependency use funcgrad's own series (:mod:`.special_series`); the others raise an error that names the function and
says what to install or where to compute it.

Every derivative with a closed form is a rule written with funcgrad ops (most call these primitives again:
``gammaln' = digamma``, ``digamma' = polygamma(1, .)``, ``polygamma(n, .)' = polygamma(n + 1, .)`` ...), so higher
orders come for free and serve both modes. Arguments without a closed-form derivative (an order ``n``, the shape
parameters of the incomplete gamma and beta functions, zeta's exponent ``x``) raise when differentiated, naming
the argument. ``xlogy`` and ``xlog1py`` follow SciPy at ``x == 0`` (the value is 0, unless ``y`` is NaN); their
derivatives are the true ones there (``d/dx xlogy(0, y) = log y``, ``d/dy = 0``), taken as 0 where ``log y`` is
infinite (``y == 0`` for ``xlogy``, ``y == -1`` for ``xlog1py``).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as _onp

from ..backend import namespace, namespace_of
from ..core import Primitive, getval
from ..core.primitive import nondifferentiable
from . import special_series as _series
from ._scipy import scipy_submodule
from .elementwise import (_batch_nary, _rules, add, cos, equal, exp, less, log, log1p, logical_and, multiply,
                          negative, sin, subtract, where)

__all__ = ["gamma", "rgamma", "gammaln", "digamma", "psi", "polygamma", "multigammaln", "gammasgn", "beta",
           "betaln", "betainc", "gammainc", "gammaincc", "erf", "erfc", "erfcx", "erfinv", "erfcinv", "ndtr",
           "ndtri", "log_ndtr", "expit", "logit", "log_expit", "xlogy", "xlog1py", "entr", "rel_entr", "kl_div",
           "zeta", "register_library"]
ArrayLike = Any

_SQPI = math.sqrt(math.pi)
_SQ2PI = math.sqrt(2.0 * math.pi)

# --- the special-function library of each array namespace --------------------------------------------------------
_LIBRARIES: dict = {}  # array namespace -> its special-function module (None: it has none)
_FUNCS: dict = {}  # (namespace, name) -> the library's function (None: it has none)
_UNSET = object()


def register_library(xp: Any, library: Any) -> None:
    """Make ``library`` (a module with ``scipy.special``'s names, or None for none) the one that computes the
    special functions of ``xp``'s arrays: for array libraries other than NumPy and CuPy, or to test the built-in
    series (``register_library(numpy, None)``; ``register_library(numpy, scipy.special)`` restores).

    >>> import numpy as np, scipy.special
    >>> register_library(np, scipy.special)
    """
    _LIBRARIES[xp] = library
    _FUNCS.clear()


def _library(xp: Any) -> Any:
    lib = _LIBRARIES.get(xp, _UNSET)
    if lib is _UNSET:
        lib = _LIBRARIES[xp] = scipy_submodule(xp, "special")
    return lib


def _library_function(xp: Any, name: str) -> Any:
    key = (xp, name)
    fn = _FUNCS.get(key, _UNSET)
    if fn is _UNSET:
        lib = _library(xp)
        fn = _FUNCS[key] = getattr(lib, name, None) if lib is not None else None
    return fn


def _missing(name: str, xp: Any) -> Exception:
    if xp is _onp:
        return ImportError(f"funcgrad.scipy.special.{name} needs SciPy, which is not installed: "
                           f"pip install funcgrad[scipy] (or pip install scipy)")
    lib = _library(xp)
    where_ = f"{lib.__name__} has no {name}" if lib is not None else f"no special-function library serves {xp.__name__}"
    return NotImplementedError(
        f"funcgrad.scipy.special.{name}: {where_}, so it cannot run on {xp.__name__} arrays; compute it on the "
        f"host (funcgrad.device_put(x, 'cpu'), with SciPy installed) or register a library with "
        f"funcgrad.primitives.special_functions.register_library")


def _builtin(name: str, fallback, xp: Any, args: tuple, orders: int):
    """The built-in series on float64 copies of ``args``, cast back to the dtype SciPy would give (float32 stays
    float32; integers give float64). The first ``orders`` arguments are orders: they do not decide the dtype."""
    arrs = [xp.asarray(a) for a in args]
    if any(a.dtype.kind == "c" for a in arrs):
        raise TypeError(f"funcgrad.scipy.special.{name}: complex input needs SciPy's implementation (pip install "
                        f"funcgrad[scipy]); funcgrad's own series are real only")
    dtype = _onp.result_type(*[a.dtype for a in arrs[orders:]], _onp.float32)
    with _onp.errstate(all="ignore"):
        out = fallback(xp, *[a.astype(_onp.float64) for a in arrs])
    return out.astype(dtype, copy=False)


def _impl(name: str, builtin: bool, orders: int):
    fallback = getattr(_series, name) if builtin else None

    def impl(*args):
        xp = namespace_of(*args)
        fn = _library_function(xp, name)
        if fn is not None:
            return fn(*args)
        if fallback is None:
            raise _missing(name, xp)
        return _builtin(name, fallback, xp, args, orders)

    impl.__name__ = name
    return impl


def special(name: str, what: str, example: str, *, builtin: bool = False, orders: int = 0,
            register: bool = True) -> Primitive:
    """An elementwise (broadcasting) primitive computed by the special-function library's ``name``; ``builtin``:
    funcgrad's own series serve where no library does. Its vmap rule is the elementwise one."""
    doc = (f"{what}, as ``scipy.special.{name}``.\n\n>>> from funcgrad.scipy.special import {name}\n"
           f">>> {example}\n")
    prim = Primitive(name, _impl(name, builtin, orders), doc=doc, register=register)
    prim.def_batch(_batch_nary(prim))
    return prim


def no_derivative(fname: str, arg: str, why: str):
    """A rule for an argument without a closed-form derivative: differentiating with respect to it raises."""
    def rule(g, ans, *args, **kw):
        raise NotImplementedError(
            f"funcgrad.scipy.special.{fname}: no derivative with respect to `{arg}` ({why}); hold `{arg}` constant "
            f"(pass a plain number or array, funcgrad.stop_gradient({arg}), or {arg}.detach() for a Tensor)")
    return rule


# --- the gamma function family ------------------------------------------------------------------------------------
gamma = special("gamma", "The gamma function (poles at 0, -1, -2, ...)", "float(gamma(5.0))\n24.0")
gammaln = special("gammaln", "log |Gamma(x)|, the logarithm of the gamma function's absolute value",
                  "round(float(gammaln(0.5)), 6)\n0.572365", builtin=True)
digamma = special("digamma", "The digamma function psi(x) = d/dx log Gamma(x)",
                  "round(float(digamma(1.0)), 6)\n-0.577216", builtin=True)
polygamma = special("polygamma", "The n-th derivative of the digamma function, psi^(n)(x), for integer n >= 0 "
                    "(differentiable in x only)", "round(float(polygamma(1, 1.0)), 6)  # pi^2 / 6\n1.644934",
                    builtin=True)  # the order decides the dtype too: SciPy computes in float64
gammasgn = special("gammasgn", "The sign of the gamma function (non-differentiable)",
                   "float(gammasgn(-0.5))\n-1.0")
rgamma = special("rgamma", "The reciprocal gamma function 1 / Gamma(x), entire (zeros at 0, -1, -2, ...)",
                 "float(rgamma(4.0))  # 1 / 3!\n0.16666666666666666")
psi = digamma


def _drgamma(x, ans):
    """d/dx 1/Gamma(x) = -psi(x) / Gamma(x). Below 1/2 from the reflection 1/Gamma(x) = sin(pi x) Gamma(1 - x) / pi,
    whose derivative Gamma(1 - x) (cos(pi x) - sin(pi x) psi(1 - x) / pi) is finite at the poles of psi and Gamma
    ((-1)^n n! at x = -n). Each branch sees only its own side, so the other's poles send no nan through where."""
    left = less(x, 0.5)
    xl = where(left, x, 0.0)
    xr = where(left, 1.0, x)
    reflected = multiply(gamma(subtract(1.0, xl)),
                         subtract(cos(multiply(xl, math.pi)),
                                  multiply(sin(multiply(xl, math.pi)), digamma(subtract(1.0, xl)) / math.pi)))
    return where(left, reflected, negative(multiply(rgamma(xr), digamma(xr))))


_rules(gamma, lambda g, ans, x: g * (ans * digamma(x)))
_rules(rgamma, lambda g, ans, x: g * _drgamma(x, ans))
_rules(gammaln, lambda g, ans, x: g * digamma(x))
_rules(digamma, lambda g, ans, x: g * polygamma(1, x))
_rules(polygamma, no_derivative("polygamma", "n", "an integer order"), lambda g, ans, n, x: g * polygamma(n + 1, x))


def multigammaln(a: ArrayLike, d: int) -> Any:
    """The log of the multivariate gamma function of dimension ``d``, ``d (d-1)/4 log(pi) + sum_j gammaln(a - j/2)``,
    as ``scipy.special.multigammaln``; every element of ``a`` must exceed ``(d - 1) / 2``. Differentiable in ``a``.

    >>> from funcgrad.scipy.special import multigammaln
    >>> round(float(multigammaln(2.5, 2)), 6)
    0.857048
    """
    if isinstance(d, bool) or not isinstance(d, (int, _onp.integer)) or d < 1:
        raise ValueError(f"funcgrad.scipy.special.multigammaln: d must be an integer >= 1 (got d={d!r})")
    raw = getval(a)
    xp = namespace(raw)
    raw = xp.asarray(raw)
    if raw.size and not bool(xp.all(raw > (d - 1) / 2)):  # SciPy's condition (a read on the host, as SciPy's)
        raise ValueError(f"funcgrad.scipy.special.multigammaln: every element of a must exceed (d - 1) / 2 = "
                         f"{(d - 1) / 2} for d={d}; got a minimum of {float(xp.min(raw))}")
    out = gammaln(a)
    for j in range(1, int(d)):
        out = add(out, gammaln(subtract(a, 0.5 * j)))
    return add(out, d * (d - 1) / 4 * math.log(math.pi))


beta = special("beta", "The beta function Gamma(a) Gamma(b) / Gamma(a + b)", "float(beta(2.0, 3.0))\n"
               "0.08333333333333333")
betaln = special("betaln", "log |B(a, b)|, the logarithm of the beta function's absolute value",
                 "round(float(betaln(2.0, 3.0)), 6)\n-2.484907")


def _dbeta(first, second):
    """d log B(a, b) / d first = psi(first) - psi(first + second)."""
    return subtract(digamma(first), digamma(add(first, second)))


_rules(beta, lambda g, ans, a, b: g * (ans * _dbeta(a, b)), lambda g, ans, a, b: g * (ans * _dbeta(b, a)))
_rules(betaln, lambda g, ans, a, b: g * _dbeta(a, b), lambda g, ans, a, b: g * _dbeta(b, a))

# --- incomplete gamma and beta -------------------------------------------------------------------------------------
betainc = special("betainc", "The regularized incomplete beta function I_x(a, b) (differentiable in x only)",
                  "float(betainc(1.0, 1.0, 0.25))\n0.25")
gammainc = special("gammainc", "The regularized lower incomplete gamma function P(a, x) (differentiable in x only)",
                   "round(float(gammainc(1.0, 2.0)), 6)  # 1 - exp(-2)\n0.864665", builtin=True)
gammaincc = special("gammaincc", "The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x) "
                    "(differentiable in x only)", "round(float(gammaincc(1.0, 2.0)), 6)  # exp(-2)\n0.135335",
                    builtin=True)
_SHAPE = "a shape parameter: the derivative has no closed form"


def _dgammainc(a, x):
    """dP/dx = x^(a-1) exp(-x) / Gamma(a)."""
    return exp(subtract(subtract(xlogy(subtract(a, 1.0), x), x), gammaln(a)))


def _dbetainc(a, b, x):
    """dI/dx = x^(a-1) (1-x)^(b-1) / B(a, b)."""
    return exp(subtract(add(xlogy(subtract(a, 1.0), x), xlog1py(subtract(b, 1.0), negative(x))), betaln(a, b)))


_rules(betainc, no_derivative("betainc", "a", _SHAPE), no_derivative("betainc", "b", _SHAPE),
       lambda g, ans, a, b, x: g * _dbetainc(a, b, x))
_rules(gammainc, no_derivative("gammainc", "a", _SHAPE), lambda g, ans, a, x: g * _dgammainc(a, x))
_rules(gammaincc, no_derivative("gammaincc", "a", _SHAPE), lambda g, ans, a, x: -(g * _dgammainc(a, x)))

# --- the error function family ------------------------------------------------------------------------------------
erf = special("erf", "The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt",
              "round(float(erf(0.5)), 6)\n0.5205", builtin=True)
erfc = special("erfc", "The complementary error function 1 - erf(x), accurate where it is tiny",
               "float(erfc(0.0))\n1.0", builtin=True)
erfcx = special("erfcx", "The scaled complementary error function exp(x^2) erfc(x), without overflow",
                "float(erfcx(0.0))\n1.0", builtin=True)
erfinv = special("erfinv", "The inverse error function on [-1, 1] (+-inf at +-1)",
                 "round(float(erfinv(0.5)), 6)\n0.476936", builtin=True)
erfcinv = special("erfcinv", "The inverse complementary error function on [0, 2] (+inf at 0, -inf at 2)",
                  "round(float(erfcinv(0.5)), 6)\n0.476936", builtin=True)
ndtr = special("ndtr", "The standard normal distribution function", "float(ndtr(0.0))\n0.5", builtin=True)
ndtri = special("ndtri", "The inverse of ndtr on [0, 1] (-inf at 0, +inf at 1)",
                "round(float(ndtri(0.975)), 6)\n1.959964", builtin=True)
log_ndtr = special("log_ndtr", "log(ndtr(x)), accurate in both tails", "round(float(log_ndtr(-40.0)), 4)\n"
                   "-804.6084", builtin=True)


def _gauss(x):
    return exp(multiply(multiply(x, x), -1.0))


_rules(erf, lambda g, ans, x: g * (_gauss(x) * (2.0 / _SQPI)))
_rules(erfc, lambda g, ans, x: g * (_gauss(x) * (-2.0 / _SQPI)))
_rules(erfcx, lambda g, ans, x: g * (2.0 * x * ans - 2.0 / _SQPI))
_rules(erfinv, lambda g, ans, x: g * (exp(ans * ans) * (_SQPI / 2.0)))
_rules(erfcinv, lambda g, ans, x: g * (exp(ans * ans) * (-_SQPI / 2.0)))
_rules(ndtr, lambda g, ans, x: g * (exp(x * x * -0.5) / _SQ2PI))
_rules(ndtri, lambda g, ans, x: g * (exp(ans * ans * 0.5) * _SQ2PI))
# ndtr' / ndtr = exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi): finite in the far lower tail, where ndtr underflows
_rules(log_ndtr, lambda g, ans, x: g * (exp(x * x * -0.5 - ans) / _SQ2PI))

# --- logistic, entropies and x log y ----------------------------------------------------------------------------------
expit = special("expit", "The logistic function 1 / (1 + exp(-x))", "float(expit(0.0))\n0.5", builtin=True)
logit = special("logit", "log(p / (1 - p)), the inverse of expit", "float(logit(0.5))\n0.0", builtin=True)
log_expit = special("log_expit", "log(expit(x)), accurate for large |x|",
                    "round(float(log_expit(-50.0)), 6)\n-50.0", builtin=True)
xlogy = special("xlogy", "x * log(y), 0 where x == 0 (unless y is NaN)", "float(xlogy(0.0, 0.0))\n0.0",
                builtin=True)
xlog1py = special("xlog1py", "x * log1p(y), 0 where x == 0 (unless y is NaN)", "float(xlog1py(0.0, -1.0))\n0.0",
                  builtin=True)
entr = special("entr", "Elementwise entropy -x log x (0 at 0, -inf below)", "round(float(entr(0.5)), 6)\n0.346574",
               builtin=True)
rel_entr = special("rel_entr", "Relative entropy x log(x / y) (0 at x == 0 <= y, inf where undefined)",
                   "float(rel_entr(1.0, 1.0))\n0.0", builtin=True)
kl_div = special("kl_div", "x log(x / y) - x + y (y at x == 0 <= y, inf where undefined)",
                 "round(float(kl_div(1.0, 2.0)), 6)\n0.306853", builtin=True)

_rules(expit, lambda g, ans, x: g * (ans - ans * ans))
_rules(logit, lambda g, ans, x: g / (x - x * x))
_rules(log_expit, lambda g, ans, x: g * expit(negative(x)))


def _xlog_rules(prim: Primitive, logfn, pole: float, den):
    """d/dx = log(y), d/dy = x / den(y): the true derivatives, also at x == 0 (so that second derivatives hold
    there), except at x == 0 with y at the log's pole, where the value is 0 by convention and so are both."""
    def dx(g, ans, x, y):
        at_pole = logical_and(equal(x, 0.0), equal(y, pole))
        return g * where(at_pole, 0.0, logfn(where(at_pole, pole + 1.0, y)))

    def dy(g, ans, x, y):
        at_pole = logical_and(equal(x, 0.0), equal(y, pole))
        return g * where(at_pole, 0.0, x / den(where(at_pole, pole + 1.0, y)))

    _rules(prim, dx, dy)


_xlog_rules(xlogy, log, 0.0, lambda y: y)
_xlog_rules(xlog1py, log1p, -1.0, lambda y: y + 1.0)
_rules(entr, lambda g, ans, x: -(g * (log(x) + 1.0)))
_rules(rel_entr, lambda g, ans, x, y: g * (log(x) - log(y) + 1.0), lambda g, ans, x, y: -(g * (x / y)))
_rules(kl_div, lambda g, ans, x, y: g * (log(x) - log(y)), lambda g, ans, x, y: g * (1.0 - x / y))

# --- Hurwitz zeta ---------------------------------------------------------------------------------------------------
_hurwitz = _impl("zeta", True, 0)


def _zeta_impl(x, q=None):
    if q is not None:
        return _hurwitz(x, q)
    # the Riemann zeta function (continued below x = 1, unlike the Hurwitz series): the library's only
    xp = namespace(x)
    fn = _library_function(xp, "zeta")
    if fn is None:
        raise _missing("zeta", xp)
    return fn(x)


_zeta = Primitive("zeta", _zeta_impl, doc="The Hurwitz zeta function (primitive form of :func:`zeta`).")
_zeta.def_batch(_batch_nary(_zeta))
_rules(_zeta, no_derivative("zeta", "x", "the exponent: the derivative has no closed form"),
       lambda g, ans, x, q: -(g * (x * _zeta(x + 1.0, q))))


def zeta(x: ArrayLike, q: ArrayLike = None) -> Any:
    """The Hurwitz zeta function ``sum_k (q + k)^(-x)`` for ``x > 1``, or, when ``q`` is None, the Riemann zeta
    function (continued to ``x < 1``), as ``scipy.special.zeta``; differentiable in ``q`` (``-x zeta(x + 1, q)``),
    not in ``x``. The Riemann form needs SciPy; the Hurwitz form has funcgrad's own series without it.

    >>> from funcgrad.scipy.special import zeta
    >>> round(float(zeta(2.0, 1.0)), 6)  # pi^2 / 6
    1.644934
    """
    return _zeta(x, q)


nondifferentiable(gammasgn)
