"""PyTorch's type promotion on the Tensor face (``funcgrad/tensors/promotion.py``), against real torch (skipped where
it is missing): for every pair of operands among bool, int32, int64, float32, float64 and complex64 tensors with
dimensions, 0-d tensors and Python numbers, the operators ``+ - * / // ** == <``, ``torch.add/mul/div/where/
maximum/atan2/eq/lt/clamp`` give torch's dtype and values (or raise where torch raises); ``result_type``,
``promote_types`` and ``can_cast`` agree with torch's over all dtype pairs; in-place operations compute in the result
type and refuse, with torch's message, a result they cannot write; gradients reach an operand that was cast back in
its own dtype; the default dtype governs Python floats.
"""
import itertools
import re

import numpy as np
import pytest

import funcgrad as fg
from parity import torch_dtype

DTYPES = ["bool", "int32", "int64", "float32", "float64", "complex64"]
PY_NUMBERS = {"py_bool": True, "py_int": 3, "py_float": 1.5, "py_complex": 1.5 - 0.5j}
OPERANDS = [(d, form) for d in DTYPES for form in ("dim", "0d")] + list(PY_NUMBERS)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _name(operand):
    return operand if isinstance(operand, str) else f"{operand[0]}_{operand[1]}"


def _make(lib, operand):
    """The operand in ``lib`` (torch or funcgrad): values with no zero, so that every division is defined."""
    if isinstance(operand, str):
        return PY_NUMBERS[operand]
    dtype, form = operand
    values = [True, True, False] if dtype == "bool" else [1, -2, 3]
    value = values[0] if form == "0d" else values
    return lib.tensor(value, dtype=getattr(lib, dtype))


def _outcome(fn, *args):
    try:
        return fn(*args), None
    except (RuntimeError, TypeError) as e:
        return None, e


def _same(got, want):
    assert got.dtype == torch_dtype(want), (got.dtype, want.dtype)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)


OPS = [("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
       ("truediv", lambda a, b: a / b), ("floordiv", lambda a, b: a // b), ("pow", lambda a, b: a ** b),
       ("eq", lambda a, b: a == b), ("lt", lambda a, b: a < b)]
FUNCTIONS = [("torch.add", lambda L, a, b: L.add(a, b)), ("torch.mul", lambda L, a, b: L.mul(a, b)),
             ("torch.div", lambda L, a, b: L.div(a, b)), ("torch.maximum", lambda L, a, b: L.maximum(a, b)),
             ("torch.atan2", lambda L, a, b: L.atan2(a, b)), ("torch.eq", lambda L, a, b: L.eq(a, b)),
             ("torch.lt", lambda L, a, b: L.lt(a, b)), ("torch.clamp", lambda L, a, b: L.clamp(a, min=b)),
             ("torch.where", lambda L, a, b: L.where(L.tensor([True, False, True]), a, b))]
PAIRS = [p for p in itertools.product(OPERANDS, repeat=2) if not (isinstance(p[0], str) and isinstance(p[1], str))]
PAIR_IDS = [f"{_name(a)}-{_name(b)}" for a, b in PAIRS]


def _skip_where_funcgrad_differs_on_purpose(op, a, b):
    # torch refuses subtraction with a bool operand, and floor division or powers of complex numbers; funcgrad
    # follows NumPy there (a difference of operation support, not of promotion)
    kinds = {x[0] if not isinstance(x, str) else x for x in (a, b)}
    if op == "sub" and kinds & {"bool", "py_bool"}:
        pytest.skip("torch refuses bool subtraction; funcgrad follows NumPy")
    if op in ("floordiv", "pow") and kinds & {"complex64", "py_complex"}:
        pytest.skip("floor division and powers of complex numbers: operation support, not promotion")
    if op in ("floordiv", "pow") and kinds <= {"bool", "py_bool", "int32", "int64", "py_int"}:
        pytest.skip("integer floor division by negatives and integer powers: operation support, not promotion")


@pytest.mark.parametrize("a, b", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("op, fn", OPS, ids=[o[0] for o in OPS])
def test_operators_promote_as_torch(torch, op, fn, a, b):
    _skip_where_funcgrad_differs_on_purpose(op, a, b)
    want, terr = _outcome(fn, _make(torch, a), _make(torch, b))
    got, ferr = _outcome(fn, _make(fg, a), _make(fg, b))
    if terr is not None:
        assert ferr is not None, f"torch raised {terr!r}, funcgrad gave {got.dtype}"
        return
    assert ferr is None, ferr
    _same(got, want)


@pytest.mark.parametrize("a, b", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("name, fn", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_functions_promote_as_torch(torch, name, fn, a, b):
    if name in ("torch.maximum", "torch.atan2") and (isinstance(a, str) or isinstance(b, str)):
        pytest.skip("torch takes Tensors only there; funcgrad takes numbers too")
    if name == "torch.atan2" and "complex64" in (a[0], b[0]):
        pytest.skip("atan2 of complex numbers: not defined")
    if name == "torch.clamp" and a[0] == "bool" and b == "py_bool":
        pytest.skip("torch has no bool kernel for a scalar clamp; funcgrad clamps bools")
    want, terr = _outcome(lambda x, y: fn(torch, x, y), _make(torch, a), _make(torch, b))
    if isinstance(terr, TypeError):
        pytest.skip(f"torch's signature refuses these arguments ({terr}); funcgrad's takes them")
    got, ferr = _outcome(lambda x, y: fn(fg, x, y), _make(fg, a), _make(fg, b))
    if terr is not None:
        assert ferr is not None, f"torch raised {terr!r}, funcgrad gave {got.dtype}"
        return
    assert ferr is None, ferr
    _same(got, want)


@pytest.mark.parametrize("a, b", PAIRS, ids=PAIR_IDS)
def test_result_type_matches_torch(torch, a, b):
    want = torch.result_type(_make(torch, a), _make(torch, b))
    assert fg.result_type(_make(fg, a), _make(fg, b)) == torch_dtype(torch.empty(0, dtype=want))


ALL_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64",
              "complex128"]


def test_promote_types_and_can_cast_match_torch_for_every_pair(torch):
    for x, y in itertools.product(ALL_DTYPES, repeat=2):
        want = torch.promote_types(getattr(torch, x), getattr(torch, y))
        assert fg.promote_types(getattr(fg, x), getattr(fg, y)) == torch_dtype(torch.empty(0, dtype=want)), (x, y)
        assert fg.can_cast(getattr(fg, x), getattr(fg, y)) == torch.can_cast(getattr(torch, x), getattr(torch, y))


INPLACE = [("add_", lambda a, b: a.add_(b)), ("mul_", lambda a, b: a.mul_(b)), ("div_", lambda a, b: a.div_(b)),
           ("iadd", lambda a, b: a.__iadd__(b)), ("imul", lambda a, b: a.__imul__(b))]
SELVES = [(d, form) for d in DTYPES for form in ("dim", "0d")]


@pytest.mark.parametrize("other", OPERANDS, ids=[_name(o) for o in OPERANDS])
@pytest.mark.parametrize("self_", SELVES, ids=[_name(s) for s in SELVES])
@pytest.mark.parametrize("op, fn", INPLACE, ids=[i[0] for i in INPLACE])
def test_inplace_operations_compute_in_the_result_type_or_refuse_as_torch(torch, op, fn, self_, other):
    if self_[1] == "0d" and not isinstance(other, str) and other[1] == "dim":
        pytest.skip("an in-place result cannot broadcast to a larger shape")
    want, terr = _outcome(fn, _make(torch, self_), _make(torch, other))
    got, ferr = _outcome(fn, _make(fg, self_), _make(fg, other))
    if terr is not None:
        assert ferr is not None, f"torch raised {terr!r}, funcgrad gave {got.dtype}"
        core = re.search(r"result type \w+ can't be cast to the desired output type \w+", str(terr))
        if core:
            assert core.group(0) in str(ferr)
        return
    assert ferr is None, ferr
    _same(got, want)


def test_float32_with_a_float64_zero_dim_tensor_stays_float32_with_float64_gradients(torch):
    x = np.array([0.1, 0.7, -1.3], dtype=np.float32)
    fx, fw = fg.tensor(x, requires_grad=True), fg.tensor(1.0 / 3.0, dtype=fg.float64, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(1.0 / 3.0, dtype=torch.float64, requires_grad=True)
    fy, ty = fx * fw + fw, tx * tw + tw
    assert fy.dtype == np.float32 == torch_dtype(ty)
    np.testing.assert_array_equal(fy.detach().numpy(), ty.detach().numpy())  # both computed in float32
    fy.sum().backward()
    ty.sum().backward()
    assert fw.grad.dtype == np.float64 and fx.grad.dtype == np.float32
    np.testing.assert_allclose(fw.grad.numpy(), tw.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=1e-7)
    # the comparison happens in float32 too: 0.1 as float32 equals float64 0.1 cast to float32
    assert bool(fg.tensor([0.1]) == fg.tensor(0.1, dtype=fg.float64)) == bool(
        torch.tensor([0.1]) == torch.tensor(0.1, dtype=torch.float64)) is True


def test_the_default_dtype_governs_python_floats(torch):
    ints = [1, 2]
    try:
        for default in ("float32", "float64"):
            fg.set_default_dtype(getattr(fg, default))
            torch.set_default_dtype(getattr(torch, default))
            for fn in (lambda L: L.tensor(ints) * 1.5, lambda L: L.tensor(ints) / 2, lambda L: L.tensor(ints) + 1j,
                       lambda L: L.where(L.tensor([True, False]), 1.0, 0.0)):
                _same(fn(fg), fn(torch))
    finally:
        fg.set_default_dtype(fg.float32)
        torch.set_default_dtype(torch.float32)


def test_errors_name_the_operation_and_the_types():
    with pytest.raises(RuntimeError, match="add_: result type Float can't be cast to the desired output type Long"):
        fg.tensor([1, 2]).add_(1.5)
    with pytest.raises(RuntimeError, match="lt.*'ComplexFloat'.*not ordered"):
        fg.tensor([1j]) < 1
    with pytest.raises(RuntimeError, match="For integral input tensors, argument alpha must not be a floating"):
        fg.add(fg.tensor([1]), fg.tensor([2]), alpha=0.5)
    assert fg.can_cast(fg.float64, fg.float32) and not fg.can_cast(fg.int64, fg.bool)


def test_numpy_scalars_count_as_python_numbers_and_a_reductions_result_as_a_0d_tensor(torch):
    for lib in (fg, torch):
        s = lib.tensor([1.0, 2.0], dtype=lib.float64).sum()  # funcgrad's value here is a NumPy scalar
        assert str((s / np.float64(2.0)).dtype).endswith("float64")
        assert str((lib.ones(2) * np.float64(2.0)).dtype).endswith("float32")
        assert str((s * lib.ones(2, dtype=lib.int32)).dtype).endswith("float64")
        assert str((s.to(lib.float32) + s).dtype).endswith("float64")
