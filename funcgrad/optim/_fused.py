"""In-place, blocked updates on NumPy arrays: the optimizers' fast path.

The kernels of ``functional.py`` compute a new array per operation (about a dozen full-size temporaries for an
Adam step) so that they also run on traced values and device arrays. For plain host arrays the same arithmetic,
operation for operation (so the results are bitwise the same), is done here with ``out=`` into the state buffers
and a small scratch, one block of elements at a time: a block's operands stay in the CPU cache, so each step reads
the parameter, gradient and moments once and writes them once, where the temporaries would stream every
intermediate through memory.

Writing in place must not change a value someone else holds (funcgrad's values are immutable: a graph recorded
before the step, or ``w.detach()``, keeps the old value). :func:`exclusive` allows it only for an array whose
reference count shows that nothing but its Tensor holds it (no view of it exists either: a view keeps a reference
to its base), the test NumPy itself uses to reuse temporaries. Everything else takes the general path.
"""
from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

from ..core import Box

__all__ = ["exclusive", "scalars", "adam_update"]

# Elements per block: the block of each operand (parameter, gradient, two moments, two scratch rows) fits in a
# core's L2 cache, and a 10M-element update still makes only ~150 passes through the Python loop.
BLOCK = 1 << 16

# Reference counting is CPython's; elsewhere (PyPy, GraalPy) nothing is written in place.
_COUNTED = sys.implementation.name == "cpython"
_scratch = threading.local()


def exclusive(t: Any) -> Any:
    """The NumPy array Tensor ``t`` holds, when writing into it is invisible to everyone else; else None.

    >>> import funcgrad as fg
    >>> w = fg.zeros(3)
    >>> exclusive(w) is not None, exclusive(fg.zeros(3)[:2])
    (True, None)
    """
    v = t._v
    a = v.value if type(v) is Box else v
    if not _COUNTED or type(a) is not np.ndarray:
        return None
    flags = a.flags
    ok = flags.c_contiguous and flags.writeable and flags.owndata and a.dtype.kind == "f"
    del flags  # it holds a reference to the array
    if not ok:
        return None
    # the holders that are t's own: its value slot (the array itself, or the Box of a requires-grad leaf) and a
    # leaf node's saved value; the rest are this frame's ``a`` (and ``v``, for a plain array) and getrefcount's
    # argument
    owners = 1 + (v.node.ans is a) if type(v) is Box else 2
    return a if sys.getrefcount(a) == owners + 2 else None


def scalars(*values: Any) -> bool:
    """Whether every hyperparameter is a Python number: NumPy scalars promote differently (NEP 50), Tensors are
    the general path's.

    >>> import numpy as np
    >>> scalars(0.1, 2), scalars(np.float64(0.1))
    (True, False)
    """
    return all(type(v) is float or type(v) is int for v in values)


def _buffers(dtype: np.dtype) -> tuple:
    """Two scratch rows of ``BLOCK`` elements of ``dtype``, per thread (two optimizers may step at once)."""
    cache = getattr(_scratch, "rows", None)
    if cache is None:
        cache = _scratch.rows = {}
    rows = cache.get(dtype)
    if rows is None:
        rows = cache[dtype] = (np.empty(BLOCK, dtype), np.empty(BLOCK, dtype))
    return rows


def adam_update(p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, vmax: np.ndarray | None, *,
                lr: float, beta1: float, beta2: float, eps: float, weight_decay: float, decoupled: bool,
                maximize: bool, bc1: float, bc2_sqrt: float, out: tuple | None = None) -> None:
    """``functional.adam_kernel`` with the same operations in the same order, written into ``out = (p, m, v,
    vmax)`` (default: the inputs themselves, in place). All arrays C-contiguous of one shape and dtype, ``out``'s
    arrays sharing no memory with ``g``.

    >>> import numpy as np
    >>> p, m, v = np.ones(2), np.zeros(2), np.zeros(2)
    >>> adam_update(p, np.ones(2), m, v, None, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
    ...             decoupled=False, maximize=False, bc1=0.1, bc2_sqrt=0.001 ** 0.5)
    >>> p
    array([0.9, 0.9])
    """
    po, mo, vo, xo = (p, m, v, vmax) if out is None else out
    flat = [a.reshape(-1) if a is not None else None for a in (p, g, m, v, vmax, po, mo, vo, xo)]
    p, g, m, v, vmax, po, mo, vo, xo = flat
    ra, rb = _buffers(p.dtype)
    sub, mul, add, div, sqrt = np.subtract, np.multiply, np.add, np.divide, np.sqrt
    w = 1 - beta1
    w2, decay, step = 1 - beta2, 1 - lr * weight_decay, lr / bc1
    n = p.shape[0]
    for s in range(0, n, BLOCK):
        e = s + BLOCK if s + BLOCK < n else n
        k = e - s
        a, b = ra[:k], rb[:k]
        pp, gg, mm, vv, ppo, mmo, vvo = p[s:e], g[s:e], m[s:e], v[s:e], po[s:e], mo[s:e], vo[s:e]
        if maximize:
            np.negative(gg, out=b)
            gg = b
        if weight_decay != 0:
            if decoupled:
                mul(pp, decay, out=ppo)
                pp = ppo
            else:
                mul(pp, weight_decay, out=a)
                add(gg, a, out=b)
                gg = b
        sub(gg, mm, out=a)  # _lerp(m, g, w)
        if w < 0.5:
            mul(a, w, out=a)
            add(mm, a, out=mmo)
        else:
            mul(a, 1 - w, out=a)
            sub(gg, a, out=mmo)
        mul(gg, w2, out=a)  # v * beta2 + (1 - beta2) * g * g
        mul(a, gg, out=a)
        mul(vv, beta2, out=vvo)
        add(vvo, a, out=vvo)
        if vmax is not None:
            top = xo[s:e]
            np.maximum(vmax[s:e], vvo, out=top)
        else:
            top = vvo
        sqrt(top, out=a)  # denom = sqrt(v) / bc2_sqrt + eps
        div(a, bc2_sqrt, out=a)
        add(a, eps, out=a)
        div(mmo, a, out=a)  # p - (lr / bc1) * (m / denom)
        mul(a, step, out=a)
        sub(pp, a, out=ppo)
