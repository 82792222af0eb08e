"""``scipy.special``'s Bessel functions as primitives: ``j0``, ``j1``, ``jv``, ``y0``, ``y1``, ``yn``, ``i0e``,
``i1``, ``i1e``, ``iv``, ``ive``, ``kv``, ``kve`` and ``spherical_jn`` (``i0`` is ``numpy.i0``'s primitive, in
:mod:`.pointwise`).

Values come from the array library's special-function module, as in :mod:`.special_functions`; ``i0e``, ``i1`` and
``i1e`` (which ``torch.special`` has) fall back on funcgrad's own series without one. Derivatives in the argument
come from the recurrences (``J_v' = (J_{v-1} - J_{v+1}) / 2``, ``I_v' = (I_{v-1} + I_{v+1}) / 2``,
``K_v' = -(K_{v-1} + K_{v+1}) / 2``, the scaled forms adding the derivative of their scale, and
``j_n' = (n j_{n-1} - (n+1) j_{n+1}) / (2n + 1)`` for the spherical one), written with these primitives, so they
differentiate again. The order has no closed-form derivative: differentiating in it raises, naming ``v`` (or
``n``).
"""
from __future__ import annotations

from typing import Any

from .elementwise import _rules, absolute, exp, maximum, sign, where
from .pointwise import i0
from .special_functions import no_derivative, special

__all__ = ["j0", "j1", "jv", "jn", "y0", "y1", "yn", "i0", "i0e", "i1", "i1e", "iv", "ive", "kv", "kve", "spherical_jn"]
ArrayLike = Any

_ORDER = "the order: the derivative has no closed form"


def _over_x(f, x, sign: float, scaled: bool = False):
    """``f / x`` for ``f`` = J1 (``sign`` -1), I1 (``sign`` +1) or ``exp(-|x|) I1`` (``scaled``), which vanish at 0:
    near 0 (|x| < 1e-3) their series ``1/2 +- x^2/16 + x^4/384`` (times ``exp(-|x|)``), where the quotient's
    derivatives would cancel catastrophically."""
    near = absolute(x) < 1e-3
    x2 = x * x
    series = 0.5 + x2 * (sign / 16.0) + x2 * x2 / 384.0
    if scaled:
        series = series * exp(-absolute(x))
    return where(near, series, f / where(near, 1.0, x))


j0 = special("j0", "The Bessel function of the first kind of order 0", "round(float(j0(1.0)), 6)\n0.765198")
j1 = special("j1", "The Bessel function of the first kind of order 1", "round(float(j1(1.0)), 6)\n0.440051")
y0 = special("y0", "The Bessel function of the second kind of order 0", "round(float(y0(1.0)), 6)\n0.088257")
y1 = special("y1", "The Bessel function of the second kind of order 1", "round(float(y1(1.0)), 6)\n-0.781213")
jv = special("jv", "The Bessel function of the first kind of real order v (differentiable in x only)",
             "round(float(jv(2.5, 1.0)), 6)\n0.049497", orders=1)
jn = jv  # scipy.special.jn: the same function (an alias of jv there too), kept for code written with it
yn = special("yn", "The Bessel function of the second kind of integer order n (differentiable in x only)",
             "round(float(yn(2, 1.0)), 6)\n-1.650683", orders=1)
i0e = special("i0e", "The exponentially scaled modified Bessel function of order 0, exp(-|x|) I0(x)",
              "round(float(i0e(1.0)), 6)\n0.46576", builtin=True)
i1 = special("i1", "The modified Bessel function of the first kind of order 1",
             "round(float(i1(1.0)), 6)\n0.565159", builtin=True)
i1e = special("i1e", "The exponentially scaled modified Bessel function of order 1, exp(-|x|) I1(x)",
              "round(float(i1e(1.0)), 6)\n0.20791", builtin=True)
iv = special("iv", "The modified Bessel function of the first kind of real order v (differentiable in x only)",
             "round(float(iv(0.5, 1.0)), 6)\n0.937675", orders=1)
ive = special("ive", "The exponentially scaled modified Bessel function exp(-|x|) I_v(x) (differentiable in x "
              "only)", "round(float(ive(0.5, 1.0)), 6)\n0.344951", orders=1)
kv = special("kv", "The modified Bessel function of the second kind of real order v (differentiable in x only)",
             "round(float(kv(0.5, 1.0)), 6)\n0.461069", orders=1)
kve = special("kve", "The exponentially scaled modified Bessel function of the second kind exp(x) K_v(x) "
              "(differentiable in x only)", "round(float(kve(0.5, 1.0)), 6)\n1.253314", orders=1)
_spherical_jn = special("spherical_jn", "The spherical Bessel function of the first kind j_n(z) (primitive form "
                        "of :func:`spherical_jn`)", "round(float(spherical_jn(0, 1.0)), 6)\n0.841471", orders=1)

_rules(j0, lambda g, ans, x: -(g * j1(x)))
_rules(j1, lambda g, ans, x: g * (j0(x) - _over_x(ans, x, -1.0)))  # J1' = J0 - J1 / x
_rules(y0, lambda g, ans, x: -(g * y1(x)))
_rules(y1, lambda g, ans, x: g * (y0(x) - ans / x))
_rules(jv, no_derivative("jv", "v", _ORDER), lambda g, ans, v, x: g * ((jv(v - 1.0, x) - jv(v + 1.0, x)) * 0.5))
_rules(yn, no_derivative("yn", "n", _ORDER), lambda g, ans, n, x: g * ((yn(n - 1, x) - yn(n + 1, x)) * 0.5))
_rules(iv, no_derivative("iv", "v", _ORDER), lambda g, ans, v, x: g * ((iv(v - 1.0, x) + iv(v + 1.0, x)) * 0.5))
_rules(ive, no_derivative("ive", "v", _ORDER),
       lambda g, ans, v, x: g * ((ive(v - 1.0, x) + ive(v + 1.0, x)) * 0.5 - sign(x) * ans))
_rules(kv, no_derivative("kv", "v", _ORDER), lambda g, ans, v, x: -(g * ((kv(v - 1.0, x) + kv(v + 1.0, x)) * 0.5)))
_rules(kve, no_derivative("kve", "v", _ORDER),
       lambda g, ans, v, x: g * (ans - (kve(v - 1.0, x) + kve(v + 1.0, x)) * 0.5))
_rules(i0e, lambda g, ans, x: g * (i1e(x) - sign(x) * ans))
_rules(i1, lambda g, ans, x: g * (i0(x) - _over_x(ans, x, 1.0)))  # I1' = I0 - I1 / x
_rules(i1e, lambda g, ans, x: g * (i0e(x) - sign(x) * ans - _over_x(ans, x, 1.0, scaled=True)))


def _spherical_jn_dz(n, z):
    """j_n'(z) = (n j_{n-1}(z) - (n+1) j_{n+1}(z)) / (2n + 1): no 1/z, and j_0' = -j_1 (the n j_{n-1} term drops
    out; its order is kept at 0, where j_{-1} is undefined)."""
    return (n * _spherical_jn(maximum(n - 1, 0), z) - (n + 1) * _spherical_jn(n + 1, z)) / (2 * n + 1)


_rules(_spherical_jn, no_derivative("spherical_jn", "n", _ORDER), lambda g, ans, n, z: g * _spherical_jn_dz(n, z))


def spherical_jn(n: ArrayLike, z: ArrayLike, derivative: bool = False) -> Any:
    """The spherical Bessel function of the first kind ``j_n(z)`` for integer ``n >= 0``, or its derivative in
    ``z`` when ``derivative`` is true, as ``scipy.special.spherical_jn``. Differentiable in ``z`` (to any order).

    >>> from funcgrad.scipy.special import spherical_jn
    >>> round(float(spherical_jn(0, 1.0)), 6)  # sin(1) / 1
    0.841471
    >>> round(float(spherical_jn(0, 1.0, derivative=True)), 6)  # -j_1(1)
    -0.301169
    """
    return _spherical_jn_dz(n, z) if derivative else _spherical_jn(n, z)
