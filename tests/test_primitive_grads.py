"""Every registered primitive, checked by one table-driven property test (see tests/specs/).

For each spec hypothesis draws shapes (0-d, size-1, empty, broadcasting) and values; check_grads compares the
VJPs with finite differences to the spec's order, and also checks that no input was modified and that no two
returned gradients share memory. A primitive registered without a spec fails ``test_every_primitive_has_a_spec``.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import _backend as B
from funcgrad import tree
from funcgrad.core import Box, Trace, registry
from funcgrad.testing import check_grads, primitives_used

from specs import all_specs

RUNS_ON_DEVICES = True  # FUNCGRAD_TEST_BACKEND=standin|cupy runs this module on device arrays (see conftest)

SPECS = all_specs()
DIFF = [s for s in SPECS if s.differentiable]
NONDIFF = [s for s in SPECS if not s.differentiable]


def _on_backend(drawn):
    """The drawn arrays moved to the backend under test (FUNCGRAD_TEST_BACKEND): on the stand-in, any rule that
    calls NumPy on a device value or mixes devices fails here."""
    fun, args = drawn
    return fun, tree.map(lambda a: B.asarray(a) if isinstance(a, np.ndarray) else a, args)


def test_every_primitive_has_a_spec():
    names = [s.name for s in SPECS]
    missing = sorted(set(registry) - set(names))
    assert not missing, f"primitives without a test spec in tests/specs/: {missing}"
    unknown = sorted(set(names) - set(registry))
    assert not unknown, f"specs for primitives that are not registered: {unknown}"
    dup = sorted({n for n in names if names.count(n) > 1})
    assert not dup, f"primitives with more than one spec: {dup}"


def test_every_differentiable_primitive_has_a_jvp_rule():
    missing = sorted(s.name for s in DIFF if not registry[s.name].jvps)
    assert not missing, f"primitives with VJP rules but no JVP rule: {missing}"


@pytest.mark.parametrize("spec", DIFF, ids=repr)
@given(data=st.data())
def test_gradients_match_finite_differences(spec, data):
    """VJPs and JVPs against finite differences and against each other, to the spec's order."""
    fun, args = _on_backend(data.draw(spec.strategy, label="fun, args"))
    modes = ("fwd", "rev") if registry[spec.name].jvps else ("rev",)
    check_grads(fun, args, order=spec.order, modes=modes, rtol=spec.rtol, atol=spec.atol, eps=spec.eps)
    assert spec.name in primitives_used(fun, *args), f"the spec for {spec.name} never calls it"


@pytest.mark.parametrize("spec", NONDIFF, ids=repr)
@given(data=st.data())
def test_nondifferentiable_primitives_stop_gradients(spec, data):
    fun, host_args = data.draw(spec.strategy, label="fun, args")
    args = _on_backend((fun, host_args))[1]
    trace = Trace("test")
    out = fun(*[trace.new_input(a) for a in args])
    trace.close()
    assert type(out) is not Box, f"{spec.name} returned a traced value"
    assert B.is_backend_array(out) or not hasattr(out, "shape"), f"{spec.name} left the backend under test"
    np.testing.assert_array_equal(B.to_numpy(out), spec.reference(*host_args))


@pytest.mark.parametrize("spec", [s for s in DIFF if registry[s.name].keeps_shape], ids=repr)
@given(data=st.data())
def test_shape_keeping_primitives_return_cotangents_of_their_input_shape_and_dtype(spec, data):
    """The backward pass trusts ``keeps_shape`` and skips fitting these primitives' cotangents: check the promise
    on every drawn input, in float64 and float32, real and complex."""
    prim = registry[spec.name]
    _, args = _on_backend(data.draw(spec.strategy, label="fun, args"))
    x = args[0]
    for dt in (np.float64, np.float32, np.complex128):
        xv = x.astype(dt)
        try:
            ans = prim(xv)
        except TypeError:  # real-only maps (cbrt) refuse complex input, as NumPy does
            assert dt is np.complex128
            continue
        assert ans.shape == xv.shape and ans.dtype == xv.dtype
        g = prim.vjps[0](ans * 0 + 1, ans, xv)
        assert g.shape == xv.shape and g.dtype == xv.dtype, (spec.name, dt, g.shape, g.dtype)


def test_only_primitives_declared_non_differentiable_stop_gradients():
    """A primitive without rules must say it has no derivative (``differentiable=False``): the non-differentiable
    specs are exactly those, and every rule-less primitive is one of them (others raise, see test_errors)."""
    declared = {n for n, p in registry.items() if not p.differentiable}
    assert declared == {s.name for s in NONDIFF}
    undeclared = sorted(n for n, p in registry.items() if not p.vjps and not p.jvps and p.differentiable)
    assert not undeclared, f"primitives with no rules that are not declared non-differentiable: {undeclared}"
