"""The multinomial distribution, as ``scipy.stats.multinomial``: ``logpmf`` and ``pmf`` of counts ``x`` (the
categories along the last axis) in ``n`` trials with probabilities ``p`` (last axis too; broadcasting as SciPy),
differentiable in ``p``; ``x`` and ``n`` are counts, and differentiating in them raises. Counts that are negative,
not whole or do not sum to ``n`` give ``-inf``; a negative or non-whole ``n`` or a ``p`` outside [0, 1] gives NaN.
``p`` is used as given (SciPy 1.17 replaces its last entry by ``1 - sum`` of the others, with a warning that SciPy
1.18 gives NaN instead): pass probabilities that sum to 1.

>>> import numpy as np
>>> from funcgrad.scipy.stats import multinomial
>>> float(multinomial.pmf(np.array([1, 1]), 2, np.array([0.5, 0.5])))
0.5
"""
from __future__ import annotations

from typing import Any

from ... import numpy as fnp
from ...primitives.special_functions import gammaln, xlogy
from ._common import COUNT, INF, export, hold, nan_where, not_integer, safe

__all__ = ["logpmf", "pmf"]


def logpmf(x: Any, n: Any, p: Any) -> Any:
    """``gammaln(n + 1) + sum_i (x_i log p_i - gammaln(x_i + 1))``.

    >>> import numpy as np
    >>> round(float(logpmf(np.array([1, 2]), 3, np.array([0.3, 0.7]))), 6)
    -0.81871
    """
    hold("multinomial.logpmf", "x", x, COUNT)
    hold("multinomial.logpmf", "n", n, COUNT)
    x = fnp.asarray(x)  # n stays as given: a 0-d host array would not mix with device counts
    bad_x = fnp.logical_or(fnp.less(x, 0), not_integer(x))
    off = fnp.logical_or(fnp.any(bad_x, axis=-1), fnp.not_equal(fnp.sum(x, axis=-1), n))
    bad = fnp.logical_or(fnp.logical_or(fnp.less(n, 0), not_integer(n)),
                         fnp.any(fnp.logical_or(fnp.less(p, 0), fnp.greater(p, 1)), axis=-1))
    x = safe(bad_x, x, 0.0)
    out = gammaln(fnp.where(bad, 0.0, n) + 1.0) + fnp.sum(xlogy(x, p) - gammaln(x + 1.0), axis=-1)
    return nan_where(bad, fnp.where(off, -INF, out))


def pmf(x: Any, n: Any, p: Any) -> Any:
    """The probability mass, ``exp(logpmf)``.

    >>> import numpy as np
    >>> round(float(pmf(np.array([2, 0]), 2, np.array([0.5, 0.5]))), 6)
    0.25
    """
    return fnp.exp(logpmf(x, n, p))


export(globals(), __all__)
