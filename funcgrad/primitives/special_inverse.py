"""The inverses of the incomplete gamma and beta functions and of Student's t distribution function, as primitives:
``gammaincinv``, ``gammainccinv``, ``betaincinv`` and ``stdtrit``, named as in ``scipy.special``.

They are the quantile functions (``ppf``) of ``funcgrad.scipy.stats``'s gamma, chi2, beta and t distributions, which
have no closed form. Values come from ``scipy.special`` (``cupyx.scipy.special`` for CuPy arrays, where it has the
function), like :mod:`.special_functions`'. The derivative in the probability argument follows from the implicit
function theorem: if ``F(x) = q`` then ``dx/dq = 1 / F'(x)``, the reciprocal of the density at the answer, written
with funcgrad ops (of the answer, which is traced at higher orders), so second derivatives come for free. The shape
parameters have no closed-form derivative: differentiating in them raises, naming the argument.
"""
from __future__ import annotations

import math

from ..core import Primitive
from .elementwise import _batch_nary, _rules, exp, log, log1p, subtract
from .special_functions import _impl, betaln, gammaln, no_derivative, xlog1py, xlogy

__all__ = ["gammaincinv", "gammainccinv", "betaincinv", "stdtrit"]

_SHAPE = "a shape parameter: the derivative has no closed form"


def _inverse(name: str, what: str, example: str) -> Primitive:
    """An elementwise primitive computed by the special-function library's ``name`` (no built-in series)."""
    doc = (f"{what}, as ``scipy.special.{name}``.\n\n>>> from funcgrad.primitives.special_inverse import {name}\n"
           f">>> {example}\n")
    prim = Primitive(name, _impl(name, False, 0), doc=doc)
    prim.def_batch(_batch_nary(prim))
    return prim


gammaincinv = _inverse("gammaincinv", "The inverse of the regularized lower incomplete gamma function in its second "
                      "argument: P(a, gammaincinv(a, y)) = y (differentiable in y only)",
                      "round(float(gammaincinv(1.0, 0.5)), 6)  # log 2\n0.693147")
gammainccinv = _inverse("gammainccinv", "The inverse of the regularized upper incomplete gamma function in its "
                       "second argument: Q(a, gammainccinv(a, y)) = y (differentiable in y only)",
                       "round(float(gammainccinv(1.0, 0.5)), 6)  # log 2\n0.693147")
betaincinv = _inverse("betaincinv", "The inverse of the regularized incomplete beta function in its third argument: "
                     "I(a, b, betaincinv(a, b, y)) = y (differentiable in y only)",
                     "float(betaincinv(1.0, 1.0, 0.25))\n0.25")
stdtrit = _inverse("stdtrit", "The inverse of Student's t distribution function in its second argument: "
                  "stdtr(df, stdtrit(df, p)) = p (differentiable in p only)",
                  "float(stdtrit(3.0, 0.5))\n0.0")


def _inv_gamma_density(a, x):
    """1 / (dP/dx) at x: Gamma(a) x^(1-a) exp(x)."""
    return exp(subtract(x + gammaln(a), xlogy(subtract(a, 1.0), x)))


def _inv_beta_density(a, b, x):
    """1 / (dI/dx) at x: B(a, b) x^(1-a) (1-x)^(1-b)."""
    return exp(betaln(a, b) - xlogy(subtract(a, 1.0), x) - xlog1py(subtract(b, 1.0), -x))


def _inv_t_density(df, t):
    """1 / pdf(t) of Student's t with ``df`` degrees of freedom."""
    log_pdf = (gammaln((df + 1.0) * 0.5) - gammaln(df * 0.5) - 0.5 * (log(df) + math.log(math.pi))
               - (df + 1.0) * 0.5 * log1p(t * t / df))
    return exp(-log_pdf)


_rules(gammaincinv, no_derivative("gammaincinv", "a", _SHAPE),
       lambda g, ans, a, y: g * _inv_gamma_density(a, ans))
_rules(gammainccinv, no_derivative("gammainccinv", "a", _SHAPE),
       lambda g, ans, a, y: -(g * _inv_gamma_density(a, ans)))
_rules(betaincinv, no_derivative("betaincinv", "a", _SHAPE), no_derivative("betaincinv", "b", _SHAPE),
       lambda g, ans, a, b, y: g * _inv_beta_density(a, b, ans))
_rules(stdtrit, no_derivative("stdtrit", "df", "the degrees of freedom: the derivative has no closed form"),
       lambda g, ans, df, p: g * _inv_t_density(df, ans))
