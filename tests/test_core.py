"""The core's two graph lifetimes: a long-lived trace whose graph outlives any call (what the Tensor façade builds
on), pruning to the requested inputs, and freeing a graph after one backward pass."""
import gc
import weakref

import numpy as np
import pytest

import funcgrad.numpy as fnp
from funcgrad.core import Primitive, Trace, backward

calls = []
spy = Primitive("spy_core_test", lambda x: x * 1.0, register=False)
spy.def_vjp(lambda g, ans, x: (calls.append("spy"), g)[1])


def test_a_graph_outlives_the_call_that_built_it():
    trace = Trace("long-lived")  # never closed, as a façade's trace would be

    def build():
        a = trace.new_input(np.array([1.0, 2.0]))
        return a, fnp.sin(a) * 3.0

    a, out = build()  # the graph hangs off `out`, not off any call frame
    (ga,) = backward([out.node], [np.ones(2)], [a.node])
    np.testing.assert_allclose(ga, 3.0 * np.cos([1.0, 2.0]))


def test_pruning_skips_nodes_that_lead_to_no_requested_input():
    trace = Trace("long-lived")
    a = trace.new_input(np.array(1.5))
    b = trace.new_input(np.array(2.0))
    out = a * 2.0 + spy(b)
    calls.clear()
    (ga,) = backward([out.node], [np.array(1.0)], [a.node], prune=True)
    assert ga == 2.0 and calls == []
    (ga, gb) = backward([out.node], [np.array(1.0)], [a.node, b.node])
    assert (ga, gb) == (2.0, 1.0) and calls == ["spy"]


def test_without_retain_graph_a_second_walk_raises():
    trace = Trace("long-lived")
    a = trace.new_input(np.array(0.5))
    out = fnp.exp(a) * 2.0
    backward([out.node], [np.array(1.0)], [a.node], retain_graph=False)
    with pytest.raises(RuntimeError, match="second time"):
        backward([out.node], [np.array(1.0)], [a.node])


def test_a_graph_is_freed_when_its_output_is_dropped():
    trace = Trace("long-lived")
    a = trace.new_input(np.ones(3))
    big = fnp.tanh(a * 2.0)
    probe = weakref.ref(big.node)
    del big
    gc.collect()
    assert probe() is None
