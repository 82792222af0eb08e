"""The table of primitive test specs: one entry per registered primitive, gathered from one module per family.

Each spec draws, with hypothesis, a function of float64 arrays that applies the primitive and the arrays to call
it with; the property test checks its gradients against finite differences to ``order``. Non-differentiable
primitives get a spec that checks they return plain values (the gradient stops) equal to NumPy's.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from hypothesis import strategies as st

import funcgrad.numpy as fnp
from funcgrad.testing import strategies as fst


@dataclass
class Spec:
    name: str                       # the primitive's registry name
    strategy: st.SearchStrategy     # draws (fun, args): fun applies the primitive to the float64 arrays args
    order: int = 2                  # highest derivative order checked
    rtol: float = 1e-5
    atol: float = 1e-6
    eps: float = 1e-6                # finite-difference step
    differentiable: bool = True     # False: the output must come back as a plain value (gradient stops)
    reference: Callable | None = None  # non-differentiable specs: NumPy function the output must equal

    def __repr__(self) -> str:
        return self.name


def custom(name: str, strategy: st.SearchStrategy, **kw) -> Spec:
    """A spec whose strategy draws ``(fun, args)`` directly."""
    return Spec(name, strategy, **kw)


def unary(name: str, fn: Callable | None = None, domain=(-2.0, 2.0), avoid: Sequence[float] = (), **kw) -> Spec:
    fn = fn or getattr(fnp, name)
    return Spec(name, fst.arrays(fst.shapes(), domain, avoid=avoid).map(lambda x: (fn, (x,))), **kw)


def binary(name: str, fn: Callable | None = None, domains=((-2.0, 2.0), (-2.0, 2.0)), avoid=((), ()),
           **kw) -> Spec:
    fn = fn or getattr(fnp, name)
    strat = fst.broadcastable_shapes(2).flatmap(
        lambda s: st.tuples(fst.arrays(s[0], domains[0], avoid=avoid[0]),
                            fst.arrays(s[1], domains[1], avoid=avoid[1])))
    return Spec(name, strat.map(lambda xy: (fn, xy)), **kw)


def nondiff(name: str, fn: Callable, reference: Callable, nargs: int = 1, domain=(-3.0, 3.0)) -> Spec:
    """A non-differentiable primitive: ``fn`` on traced inputs must return a plain value equal to ``reference``."""
    strat = fst.broadcastable_shapes(nargs).flatmap(lambda s: st.tuples(*[fst.arrays(si, domain) for si in s]))
    return Spec(name, strat.map(lambda xs: (fn, xs)), differentiable=False, reference=reference)


def all_specs() -> list[Spec]:
    """Every spec of every family module in this package (each module defines ``SPECS``)."""
    specs = []
    for mod in pkgutil.iter_modules(__path__):
        specs.extend(importlib.import_module(f"{__name__}.{mod.name}").SPECS)
    return specs


__all__ = ["Spec", "custom", "unary", "binary", "nondiff", "all_specs", "np", "st", "fnp", "fst"]
