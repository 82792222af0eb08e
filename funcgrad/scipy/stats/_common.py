"""What the distribution modules share: held (non-differentiable) parameters, the standardised variable of a
location-scale family, SciPy's conventions for invalid parameters (NaN) and points outside the support, and the
``where`` with a safe stand-in that keeps the branch not taken from poisoning the gradient."""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as _onp

from ... import numpy as fnp
from ...core import Box, getval
from ...core.primitive import accepts_wrappers

LOG_2PI = math.log(2.0 * math.pi)
NAN = float("nan")
INF = float("inf")


def hold(where: str, arg: str, value: Any, why: str) -> Any:
    """``value`` itself, after checking that no transform differentiates it: ``arg`` of ``where`` has no
    derivative (a count, or a shape parameter of an incomplete gamma or beta function). vmap's batching passes.

    The check is made when the function is called, so the error names the distribution's own parameter rather than
    the special function's argument that would otherwise raise later, in the backward pass.
    """
    x = value
    while type(x) is Box:
        if not x._trace.batching:
            raise NotImplementedError(
                f"funcgrad.scipy.stats.{where}: no derivative with respect to `{arg}` ({why}); hold `{arg}` "
                f"constant (pass a plain number or array, or funcgrad.stop_gradient({arg}))")
        x = x.value
    return value


SHAPE = "it enters through an incomplete gamma or beta function, whose derivative in that argument has no closed form"
COUNT = "a count: the function is defined at integers only"


def _host_scalar(v: Any) -> bool:
    """A Python number or a 0-d NumPy value: what a parameter given as a plain number, and a test of it, are."""
    return isinstance(v, (int, float, _onp.generic)) or (type(v) is _onp.ndarray and v.ndim == 0)


def safe(off: Any, x: Any, fill: float) -> Any:
    """``x``, with ``fill`` where ``off`` holds: a harmless stand-in for the values a later ``where`` discards, so
    that their (masked) derivatives stay finite instead of turning into 0 * inf = NaN."""
    if _host_scalar(x) and _host_scalar(off):
        # a plain number stays one: a 0-d float64 array would promote float32 data and sit on the host
        return fill if bool(off) else x
    return fnp.where(off, fill, x)


def nan_where(bad: Any, out: Any) -> Any:
    """NaN where the parameters are invalid (SciPy's convention), ``out`` elsewhere."""
    if _host_scalar(bad):
        return out * NAN if bool(bad) else out  # keeps out's device and dtype
    return fnp.where(bad, NAN, out)


def standardize(x: Any, loc: Any, scale: Any) -> tuple:
    """``(z, scale, bad)``: ``z = (x - loc) / scale`` with a stand-in scale of 1 where ``scale <= 0`` (``bad``)."""
    bad = fnp.less_equal(scale, 0)
    s = safe(bad, scale, 1.0)
    return fnp.true_divide(fnp.subtract(x, loc), s), s, bad


def check_q(q: Any, out: Any) -> Any:
    """NaN where a probability ``q`` lies outside [0, 1] (``ppf``'s convention)."""
    return nan_where(fnp.logical_or(fnp.less(q, 0), fnp.greater(q, 1)), out)


def not_integer(k: Any) -> Any:
    """True where ``k`` is not a whole number (a discrete distribution's ``pmf`` is 0 there)."""
    return fnp.not_equal(k, fnp.floor(k))


def _float32_only(args: tuple, kw: dict) -> bool:
    """True when the floating arrays among the arguments are all float32 (and there is at least one)."""
    seen = False
    for a in list(args) + list(kw.values()):
        dtype = getattr(getval(a), "dtype", None)
        if dtype is None or dtype.kind != "f":
            continue
        if dtype != _onp.float32:
            return False
        seen = True
    return seen


def _keeping_float32(fn: Callable) -> Callable:
    """``fn`` whose result is float32 when its floating array arguments are: the constants and special functions
    inside (float64 scalars from ``gammaln(2.5)`` or ``log(scale)``) must not promote float32 data, as in jax."""
    @functools.wraps(fn)
    def call(*args: Any, **kw: Any) -> Any:
        out = fn(*args, **kw)
        if _float32_only(args, kw) and getattr(getval(out), "dtype", None) == _onp.float64:
            return fnp.astype(out, _onp.float32)
        return out
    return call


def export(namespace: dict, names: list) -> None:
    """Let the public functions of a module take array wrappers (Tensors) as the special functions do, and keep
    float32 data float32."""
    for name in names:
        fn: Callable = namespace[name]
        namespace[name] = accepts_wrappers(_keeping_float32(fn))


def log_cdf(cdf: Any, sf: Any) -> Any:
    """``log(cdf)``, taken as ``log1p(-sf)`` where ``cdf > 1/2``: there ``cdf`` has rounded to (nearly) 1 and
    ``log`` of it loses the tiny ``-sf`` that SciPy keeps. Call it with ``(sf, cdf)`` for ``log(sf)``."""
    high = fnp.greater(cdf, 0.5)
    return fnp.where(high, fnp.log1p(-safe(fnp.logical_not(high), sf, 0.0)), fnp.log(safe(high, cdf, 1.0)))


def log1mexp(x: Any) -> Any:
    """``log(1 - exp(x))`` for ``x <= 0``, accurate at both ends (``log(-expm1(x))`` near 0, ``log1p(-exp(x))``
    below ``-log 2``)."""
    near = fnp.greater(x, -0.6931471805599453)
    return fnp.where(near, fnp.log(-fnp.expm1(safe(fnp.logical_not(near), x, -1.0))),
                     fnp.log1p(-fnp.exp(safe(near, x, -1.0))))
