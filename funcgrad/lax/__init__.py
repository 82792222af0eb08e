"""``funcgrad.lax``: structured control flow with JAX's names and signatures, differentiable and batchable.

``cond``, ``switch`` (:mod:`.control_flow`), ``scan``, ``fori_loop`` and ``while_loop`` (:mod:`.loops`). Outside
``jit`` and with concrete predicates they are plain Python (one branch called, loops looped), so they cost what
the Python would. Where Python cannot decide (``jit`` records the predicate, index or trip condition, or ``vmap``
batches it), the functions are traced once into graphs held by one node that branches or loops when it runs, with
VJP, JVP and batching rules; ``while_loop`` (and ``fori_loop`` with traced bounds) is forward-mode only under jit,
as in JAX. This package sits over the transforms and jit (its rules call ``vjp``, ``jvp``, ``vmap``, and it traces
with jit's recorder), beside ``funcgrad.scipy``.

>>> import numpy as np, funcgrad as fg
>>> from funcgrad import lax
>>> f = fg.jit(lambda x: lax.fori_loop(0, 3, lambda i, c: c * x, 1.0))
>>> float(f(np.float64(2.0))), float(fg.grad(f)(np.float64(2.0)))
(8.0, 12.0)
"""
from .control_flow import cond, switch
from .loops import fori_loop, scan, while_loop

__all__ = ["cond", "switch", "fori_loop", "while_loop", "scan"]
