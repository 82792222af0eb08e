"""``scipy.stats``'s distributions over funcgrad's primitives: one module per distribution, as
``jax.scipy.stats`` (``from funcgrad.scipy.stats import norm; norm.logpdf(x, loc, scale)``), each with SciPy's
function names and arguments.

Every function is a composite of ``funcgrad.scipy.special`` and ``funcgrad.numpy`` (plus the quantile primitives
of :mod:`funcgrad.primitives.special_inverse` for gamma, chi2, beta and t), so it is differentiable, to any order,
in every continuous argument, in both modes, and vmaps. Values follow SciPy: NaN for invalid parameters, ``-inf``
log-densities (0 densities) outside the support, its conventions at the edges (``binom.pmf(0, n, 0) == 1`` ...).
Arguments without a derivative (a discrete variable ``k``, a count ``n``, the shape parameters that enter an
incomplete gamma or beta function in a ``cdf``, ``sf`` or ``ppf``) raise when differentiated, naming the argument.
SciPy itself is needed only where a special function needs it (see ``funcgrad.scipy.special``).

Modules rather than objects, because that is jax's layout: ``import funcgrad.scipy.stats.norm`` works, each file is
small, and a distribution's functions are plain functions that ``grad`` and ``vmap`` take as they are.

>>> from funcgrad.scipy.stats import norm, poisson
>>> float(norm.cdf(0.0))
0.5
>>> round(float(poisson.pmf(0, 2.0)), 6)  # exp(-2)
0.135335
"""
from . import norm  # noqa: F401
from . import t  # noqa: F401
from . import cauchy  # noqa: F401
from . import laplace  # noqa: F401
from . import logistic  # noqa: F401
from . import expon  # noqa: F401
from . import gamma  # noqa: F401
from . import beta  # noqa: F401
from . import chi2  # noqa: F401
from . import lognorm  # noqa: F401
from . import uniform  # noqa: F401
from . import poisson  # noqa: F401
from . import binom  # noqa: F401
from . import nbinom  # noqa: F401
from . import geom  # noqa: F401
from . import bernoulli  # noqa: F401
from . import dirichlet  # noqa: F401
from . import multivariate_normal  # noqa: F401
from . import multinomial  # noqa: F401

__all__ = ["norm", "t", "cauchy", "laplace", "logistic", "expon", "gamma", "beta", "chi2", "lognorm", "uniform",
           "poisson", "binom", "nbinom", "geom", "bernoulli", "dirichlet", "multivariate_normal", "multinomial"]
