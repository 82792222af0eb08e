"""Specs for the collectives across processes, in the single process the registry suite runs in: a world of one,
where each collective is a copy, so these check the rules' plumbing (every op's VJP and JVP, the axis keyword);
tests/test_distributed.py checks the gradients across 2 and 4 processes under mpiexec."""
import funcgrad.primitives.collectives as C

from . import custom, fst, st


@st.composite
def _all_reduce(draw):
    op = draw(st.sampled_from(C.OPS))
    x = draw(fst.arrays(fst.shapes(), domain=(0.5, 2.0) if op == "product" else (-2.0, 2.0)))
    return (lambda v: C.all_reduce(v, op=op)), (x,)


@st.composite
def _along_axis(draw, prim):
    shape = draw(fst.shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return (lambda v: prim(v, axis=axis)), (draw(fst.arrays(shape)),)


SPECS = [
    custom("all_reduce", _all_reduce()),
    custom("all_gather", _along_axis(C.all_gather)),
    custom("reduce_scatter", _along_axis(C.reduce_scatter)),
]
