"""``scipy.special`` names over funcgrad primitives: the gamma, beta, error, logistic and entropy functions, the
incomplete gamma and beta functions, ``zeta``, the Bessel functions and the log-sum-exp family.

Values come from ``scipy.special`` (``cupyx.scipy.special`` for CuPy arrays), imported on the first call: SciPy is
an optional dependency (``pip install funcgrad[scipy]``). Without it, the functions ``funcgrad.special``
(``torch.special``) has use funcgrad's own series, the log-sum-exp family and ``sinc`` and ``i0`` (NumPy's) need
nothing, and the rest raise an ImportError that says so. Derivatives are exact in every argument that has a
closed-form one; differentiating in an order or a shape parameter raises, naming the argument.

>>> from funcgrad import grad
>>> from funcgrad.scipy.special import gammaln
>>> round(float(grad(gammaln)(1.0)), 6)  # digamma(1) = -Euler's constant
-0.577216
"""
from ..primitives.special import *  # noqa: F401,F403
from ..primitives.special_functions import *  # noqa: F401,F403
from ..primitives.special_functions import __all__ as _functions
from ..primitives.bessel import *  # noqa: F401,F403
from ..primitives.bessel import __all__ as _bessel
from ..primitives.pointwise import sinc  # noqa: F401  (numpy.sinc: SciPy has none, jax.scipy.special neither)
from ..primitives.special import __all__ as _lse

__all__ = sorted(set(_lse) | set(_functions) - {"register_library"} | set(_bessel) | {"sinc"})


def _accept_wrappers() -> None:
    import types

    from ..core.primitive import accepts_wrappers

    for name, obj in list(globals().items()):
        if isinstance(obj, types.FunctionType) and not name.startswith("_"):
            globals()[name] = accepts_wrappers(obj)


_accept_wrappers()
