"""``torch.special``'s names over Tensors: ``funcgrad.special.erf(t)``, ``funcgrad.special.gammaln(t)`` ...

One implementation serves both faces: each function here calls the primitive of ``funcgrad.scipy.special`` (values
from SciPy where it is installed, else funcgrad's own series, so that these functions need no SciPy; see
:mod:`funcgrad.primitives.special_functions`), with PyTorch's dtype rules around it: integers and booleans compute
in the default float dtype, float16 and float32 results keep their input's dtype, complex input is refused.
Derivatives are the primitives' rules; as in PyTorch, ``zeta`` has none, and ``gammainc``/``gammaincc`` have one in
``other`` only (``input`` is taken as a constant, where PyTorch raises on backward).

>>> import funcgrad as fg
>>> import funcgrad.special
>>> fg.special.erf(fg.tensor([0.0, 1.0]))
tensor([0.0000, 0.8427])
>>> fg.special.gammaln(fg.tensor([4.0]))
tensor([1.7918])
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace
from ..core import getval
from ..primitives import bessel as _bessel, pointwise as _pointwise, special_functions as _sf
from ..scipy import special as _scipy_special
from .tensor import Tensor, get_default_dtype
from .ops import _no_out, _t, _t_as
from .promotion import _result
from .math import clamp, exp2, expm1, log1p, round, sigmoid  # noqa: F401  (sigmoid: a public name here)
from .reductions import log_softmax, logsumexp, softmax

__all__ = ["erf", "erfc", "erfcx", "erfinv", "expit", "logit", "exp2", "expm1", "log1p", "gammaln", "digamma",
           "psi", "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "sinc", "entr",
           "xlogy", "xlog1py", "logsumexp", "softmax", "log_softmax", "round", "zeta", "gammainc", "gammaincc"]

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


def _raw(x: Any) -> Any:
    """The plain array under a Tensor (no graph, no transform): for masks and first guesses only."""
    return getval(x._v) if isinstance(x, Tensor) else getval(x)


def _map(prim: Any, input: Any, op: str) -> Tensor:
    """``prim`` on ``input`` as a float Tensor, the result in the input's float dtype (SciPy gives float32 for
    float16, and computes polygamma in float64)."""
    x = _float(input, op)
    out = prim(x)
    return out if out.dtype == x.dtype else fnp.astype(out, x.dtype)


def erf(input: Any) -> Tensor:
    """The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt (``torch.special.erf``, ``torch.erf``).

    >>> import funcgrad as fg
    >>> fg.erf(fg.tensor([-0.5, 2.0]))
    tensor([-0.5205,  0.9953])
    """
    return _map(_sf.erf, input, "erf")


def erfc(input: Any) -> Tensor:
    """The complementary error function 1 - erf(x), accurate where it is tiny (``torch.special.erfc``).

    >>> import funcgrad as fg
    >>> fg.erfc(fg.tensor([0.0, 5.0]))
    tensor([1.0000e+00, 1.5375e-12])
    """
    return _map(_sf.erfc, input, "erfc")


def erfcx(input: Any) -> Tensor:
    """The scaled complementary error function exp(x^2) erfc(x), without overflow for large x
    (``torch.special.erfcx``).

    >>> import funcgrad as fg
    >>> fg.special.erfcx(fg.tensor([0.0, 30.0]))
    tensor([1.0000, 0.0188])
    """
    return _map(_sf.erfcx, input, "erfcx")


def ndtr(input: Any) -> Tensor:
    """The standard normal distribution function (``torch.special.ndtr``).

    >>> import funcgrad as fg
    >>> fg.special.ndtr(fg.tensor([0.0, 1.0]))
    tensor([0.5000, 0.8413])
    """
    return _map(_sf.ndtr, input, "ndtr")


def log_ndtr(input: Any) -> Tensor:
    """log(ndtr(x)), accurate in both tails (``torch.special.log_ndtr``).

    >>> import funcgrad as fg
    >>> fg.special.log_ndtr(fg.tensor([-40.0]))
    tensor([-804.6085])
    """
    return _map(_sf.log_ndtr, input, "log_ndtr")


def erfinv(input: Any) -> Tensor:
    """The inverse error function on [-1, 1] (±inf at ±1, NaN outside) (``torch.special.erfinv``).

    >>> import funcgrad as fg
    >>> fg.erfinv(fg.tensor([0.0, 0.5, 1.0]))
    tensor([0.0000, 0.4769,    inf])
    """
    return _map(_sf.erfinv, input, "erfinv")


def ndtri(input: Any) -> Tensor:
    """The inverse of :func:`ndtr` on [0, 1] (±inf at 1 and 0, NaN outside) (``torch.special.ndtri``).

    >>> import funcgrad as fg
    >>> fg.special.ndtri(fg.tensor([0.5, 0.975]))
    tensor([0.0000, 1.9600])
    """
    return _map(_sf.ndtri, input, "ndtri")


# --- the gamma function family ----------------------------------------------------------------------------------
def gammaln(input: Any) -> Tensor:
    """log |Gamma(x)| (``torch.special.gammaln``, ``torch.lgamma``); +inf at the poles 0, -1, -2, ...

    >>> import funcgrad as fg
    >>> fg.lgamma(fg.tensor([0.5, 3.0, -0.5]))
    tensor([0.5724, 0.6931, 1.2655])
    """
    x = _float(input, "gammaln")
    r = _raw(x)
    # SciPy gives log|Gamma(-inf)| = -inf, PyTorch +inf (a constant there: no gradient is lost)
    return fnp.where(namespace(r).isneginf(r), np.inf, _map(_sf.gammaln, x, "gammaln"))


def digamma(input: Any) -> Tensor:
    """The digamma function, d/dx log Gamma(x) (``torch.special.digamma``, ``torch.digamma``, ``psi``); at the
    poles -inf at +0, +inf at -0 and NaN at the negative integers.

    >>> import funcgrad as fg
    >>> fg.digamma(fg.tensor([1.0, 0.5]))
    tensor([-0.5772, -1.9635])
    """
    return _map(_sf.digamma, input, "digamma")


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
    if n == 0:
        return digamma(input)
    x = _float(input, "polygamma")
    out = _sf.polygamma(builtins.int(n), x)
    return out if out.dtype == x.dtype else fnp.astype(out, x.dtype)


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
    out = _scipy_special.multigammaln(x, builtins.int(p))  # its Tensor-accepting form
    return out if out.dtype == x.dtype else fnp.astype(out, x.dtype)


# --- modified Bessel functions ------------------------------------------------------------------------------------
def i0(input: Any) -> Tensor:
    """The modified Bessel function of the first kind, order 0 (``torch.special.i0``, ``torch.i0``).

    >>> import funcgrad as fg
    >>> fg.i0(fg.tensor([0.0, 1.0]))
    tensor([1.0000, 1.2661])
    """
    return _map(_pointwise.i0, input, "i0")


def i0e(input: Any) -> Tensor:
    """exp(-|x|) * i0(x) (``torch.special.i0e``).

    >>> import funcgrad as fg
    >>> fg.special.i0e(fg.tensor([0.0, 100.0]))
    tensor([1.0000, 0.0399])
    """
    return _map(_bessel.i0e, input, "i0e")


def i1(input: Any) -> Tensor:
    """The modified Bessel function of the first kind, order 1 (``torch.special.i1``).

    >>> import funcgrad as fg
    >>> fg.special.i1(fg.tensor([0.0, 1.0]))
    tensor([0.0000, 0.5652])
    """
    return _map(_bessel.i1, input, "i1")


def i1e(input: Any) -> Tensor:
    """exp(-|x|) * i1(x) (``torch.special.i1e``).

    >>> import funcgrad as fg
    >>> fg.special.i1e(fg.tensor([-1.0]))
    tensor([-0.2079])
    """
    return _map(_bessel.i1e, input, "i1e")


# --- elementary ones ----------------------------------------------------------------------------------------------
def expit(input: Any) -> Tensor:
    """The logistic function 1/(1 + exp(-x)) (``torch.special.expit``, ``torch.sigmoid``).

    >>> import funcgrad as fg
    >>> fg.special.expit(fg.tensor([0.0]))
    tensor([0.5000])
    """
    return _map(_sf.expit, input, "expit")


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
    return _map(_sf.logit, p, "logit")


def sinc(input: Any) -> Tensor:
    """The normalized sinc function sin(pi x)/(pi x), 1 at 0 (``torch.special.sinc``, ``torch.sinc``).

    >>> import funcgrad as fg
    >>> fg.sinc(fg.tensor([0.0, 0.5]))
    tensor([1.0000, 0.6366])
    """
    return _map(_pointwise.sinc, input, "sinc")


def entr(input: Any) -> Tensor:
    """Elementwise entropy -x log x: 0 at 0, -inf for x < 0 (``torch.special.entr``).

    >>> import funcgrad as fg
    >>> fg.special.entr(fg.tensor([0.0, 0.5]))
    tensor([0.0000, 0.3466])
    """
    return _map(_sf.entr, input, "entr")


def _float_dtype(*args: Any) -> np.dtype:
    """The floating dtype PyTorch gives a float op on ``args``: the floating (or complex) tensors' dtypes promote
    among themselves, integer tensors and numbers do not lift them; with none, the default float dtype."""
    try:  # PyTorch's promotion: a 0-d tensor does not widen a tensor of its category (float32 with a 0-d float64)
        dt = _result(*args)
        if dt.kind in "fc":
            return np.dtype(dt)
    except TypeError:
        pass
    dts = [np.dtype(a.dtype) for a in args if isinstance(a, Tensor) or hasattr(a, "dtype")]
    floats = [d for d in dts if d.kind in "fc"]
    return np.dtype(np.result_type(*floats)) if floats else np.dtype(get_default_dtype())


def _binary(prim: Any, input: Any, other: Any) -> Tensor:
    dtype = _float_dtype(input, other)
    out = prim(_t_as(input, dtype), _t_as(other, dtype))
    return out if out.dtype == dtype else fnp.astype(out, dtype)


def xlogy(input: Any, other: Any) -> Tensor:
    """x * log(y), 0 where x is 0 (unless y is NaN) (``torch.special.xlogy``, ``torch.xlogy``); either argument
    may be a number.

    >>> import funcgrad as fg
    >>> fg.xlogy(fg.tensor([0.0, 2.0]), fg.tensor([0.0, 3.0]))
    tensor([0.0000, 2.1972])
    """
    return _binary(_sf.xlogy, input, other)


def xlog1py(input: Any, other: Any) -> Tensor:
    """x * log1p(y), 0 where x is 0 (unless y is NaN) (``torch.special.xlog1py``).

    >>> import funcgrad as fg
    >>> fg.special.xlog1py(fg.tensor([0.0, 2.0]), fg.tensor([-1.0, 1.0]))
    tensor([0.0000, 1.3863])
    """
    return _binary(_sf.xlog1py, input, other)


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
    with np.errstate(all="ignore"):
        out = _sf.zeta(s, q)
    return Tensor._from_value(xp.asarray(out).astype(dtype))


# --- regularized incomplete gamma --------------------------------------------------------------------------------
def _constant(a: Any) -> Any:
    """``a`` without its graph: funcgrad.special has always sent no gradient to the shape parameter (the in-place
    ``igamma_`` on a recorded tensor relies on it), where PyTorch raises and funcgrad.scipy.special does too."""
    return a.detach() if isinstance(a, Tensor) else a


def gammainc(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """The regularized lower incomplete gamma function P(a, x) for a = ``input``, x = ``other``
    (``torch.special.gammainc``, ``torch.igamma``); differentiable in ``other`` only (no gradient reaches
    ``input``).

    >>> import funcgrad as fg
    >>> fg.special.gammainc(fg.tensor([1.0, 2.0]), fg.tensor([0.5, 3.0]))
    tensor([0.3935, 0.8009])
    """
    _no_out("gammainc", out)
    return _binary(_sf.gammainc, _constant(input), other)


def gammaincc(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x) (``torch.special.gammaincc``,
    ``torch.igammac``).

    >>> import funcgrad as fg
    >>> fg.special.gammaincc(fg.tensor([1.0, 3.0]), fg.tensor([0.5, 30.0]))
    tensor([6.0653e-01, 4.5010e-11])
    """
    _no_out("gammaincc", out)
    return _binary(_sf.gammaincc, _constant(input), other)


igamma, igammac = gammainc, gammaincc


# ``torch.special.gammaln`` is torch.lgamma; ``polygamma`` ... also serve the top-level names (funcgrad.tensors.pointwise)
lgamma = gammaln
mvlgamma = multigammaln
