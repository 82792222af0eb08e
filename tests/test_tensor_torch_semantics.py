"""Python protocols and dtype rules of the Tensor face that real programs hit, against real torch (skipped where it
is missing): ``format()`` of tensors (``f"{loss:.4f}"``), tensors as Python indices (``__index__``), integer inputs
of float-valued functions (the default float dtype), ``cat``/``stack`` promotion, NumPy scalars as weak Python
numbers on either side of an operator, the bitwise operators (``& | ^ ~ << >>``, reflected and in place), the legacy
``torch.Tensor(...)`` constructor, and indexing where integers and array indices are separated by a slice (PyTorch
applies the integers first, NumPy counts them as advanced indices): values, shapes, gradients and assignment.
"""
import itertools

import numpy as np
import pytest

import _backend as B
import funcgrad as fg
from parity import torch_dtype


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _outcome(fn):
    """``fn()``'s result as ("tensor", dtype, shape, values) or ("value", result), or the exception's type."""
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - the kind of refusal is what is compared
        return type(e)
    if isinstance(r, fg.Tensor):
        return "tensor", np.dtype(r.dtype), tuple(r.shape), B.to_numpy(r.detach())
    if hasattr(r, "detach"):  # a torch tensor
        return "tensor", torch_dtype(r), tuple(r.shape), r.detach().numpy()
    return "value", r


def _same(fg_fn, torch_fn):
    """The same outcome: equal dtypes, shapes and values, equal Python values, or the same kind of error (torch's
    NotImplementedError is a RuntimeError, which funcgrad may raise)."""
    f, t = _outcome(fg_fn), _outcome(torch_fn)
    if isinstance(t, type):
        assert isinstance(f, type) and issubclass(f, t if t is not NotImplementedError else RuntimeError), (f, t)
        return
    assert not isinstance(f, type), f"funcgrad raised {f.__name__}, torch gave {t}"
    assert f[0] == t[0] and f[1:-1] == t[1:-1], (f, t)
    if f[0] == "tensor":
        np.testing.assert_allclose(f[-1], t[-1], rtol=1e-6, atol=1e-6)
    else:
        assert f[-1] == t[-1]


# --- format and __index__ ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, dtype", [(1.23456, "float32"), (2.5, "float64"), (3, "int64"), (True, "bool"),
                                          (-7, "int32")])
@pytest.mark.parametrize("spec", ["", ".3f", ">8", "^7", "e", ".2%"])
def test_format_of_0d_tensors(torch, value, dtype, spec):
    def fmt(lib):
        return lambda: format(lib.tensor(value, dtype=getattr(lib, dtype)), spec)
    _same(fmt(fg), fmt(torch))


def test_format_of_larger_tensors(torch):
    for lib in (fg, torch):
        with pytest.raises(TypeError):
            f"{lib.tensor([1.0, 2.0]):.3f}"
        with pytest.raises(TypeError):
            "{:.3f}".format(lib.tensor([2.5]))  # one element, but not 0-d: torch refuses too
    assert f"{fg.tensor([1.0, 2.0])}" == str(fg.tensor([1.0, 2.0]))
    loss = fg.tensor(0.123456, requires_grad=True) * 2
    assert f"{loss:.4f}" == "0.2469"


@pytest.mark.parametrize("value, dtype", [(1, "int64"), ([2], "int64"), ([[0]], "int32"), (True, "bool"),
                                          (2, "uint8"), (1.0, "float32"), ([1, 2], "int64"), ([], "int64")])
def test_index_protocol(torch, value, dtype):
    def use(lib):
        t = lib.tensor(value, dtype=getattr(lib, dtype))
        return lambda: ([10, 20, 30][t], list(range(t)), hex(t), "abc"[t:])
    _same(use(fg), use(torch))


def test_index_of_argmax():
    classes = ["cat", "dog", "bird"]
    logits = fg.tensor([0.1, 2.0, 0.3])
    assert classes[logits.argmax()] == "dog"
    assert np.arange(5)[fg.tensor(3)] == 3


# --- integers into float-valued functions -----------------------------------------------------------------------
FLOAT_FUNCS = ["exp", "exp2", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "asin",
               "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "reciprocal"]


@pytest.mark.parametrize("name", FLOAT_FUNCS)
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64"])
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_float_functions_of_integers(torch, name, dtype, default):
    values = [1, 0, 1] if dtype == "bool" else [1, 2, 3]
    previous = torch.get_default_dtype()
    try:
        torch.set_default_dtype(getattr(torch, default))
        fg.set_default_dtype(getattr(fg, default))
        for how in ("method", "function"):
            def call(lib):
                t = lib.tensor(values, dtype=getattr(lib, dtype))
                return lambda: getattr(t, name)() if how == "method" else getattr(lib, name)(t)
            with np.errstate(all="ignore"):
                _same(call(fg), call(torch))
    finally:
        torch.set_default_dtype(previous)
        fg.set_default_dtype(fg.float32)


def test_float_functions_keep_float_dtypes_and_gradients(torch):
    for name in ("sqrt", "exp", "sigmoid", "reciprocal"):
        x = fg.tensor([1.0, 2.0], dtype=fg.float64, requires_grad=True)
        tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        getattr(x, name)().sum().backward()
        getattr(tx, name)().sum().backward()
        assert getattr(x, name)().dtype == fg.float64
        np.testing.assert_allclose(B.to_numpy(x.grad), tx.grad.numpy())


@pytest.mark.parametrize("case", ["truediv", "true_divide", "div", "mean", "mean_fn", "inplace_sqrt"])
def test_integer_division_and_mean(torch, case):
    def run(lib):
        t = lib.arange(1, 4)
        return {"truediv": lambda: t / 2, "true_divide": lambda: lib.true_divide(t, t),
                "div": lambda: lib.div(t, 2), "mean": lambda: t.mean(), "mean_fn": lambda: lib.mean(t),
                "inplace_sqrt": lambda: t.sqrt_()}[case]
    _same(run(fg), run(torch))


# --- cat / stack --------------------------------------------------------------------------------------------------
JOIN_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("op", ["cat", "stack", "hstack", "vstack"])
@pytest.mark.parametrize("d1, d2", list(itertools.combinations(JOIN_DTYPES, 2)))
def test_join_promotion(torch, op, d1, d2):
    def run(lib):
        a = lib.tensor([1, 0], dtype=getattr(lib, d1))
        b = lib.tensor([1, 1], dtype=getattr(lib, d2))
        return lambda: getattr(lib, op)([a, b])
    _same(run(fg), run(torch))


def test_join_promotion_gradients(torch):
    for lib_x, lib in ((fg.tensor, fg), (torch.tensor, torch)):
        x = lib_x([1.0, 2.0], requires_grad=True)
        out = lib.cat([lib.arange(2), x * 3])
        assert str(out.dtype).replace("torch.", "") == "float32"
        out.sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]


# --- NumPy scalars ------------------------------------------------------------------------------------------------
NP_SCALARS = [np.bool_(True), np.int8(2), np.int64(2), np.uint8(2), np.float16(2), np.float32(2), np.float64(2)]
SCALAR_TENSOR_DTYPES = ["bool", "int8", "int32", "int64", "float16", "float32", "float64"]
SCALAR_OPS = {"mul_left": lambda s, t: s * t, "mul_right": lambda s, t: t * s, "add_left": lambda s, t: s + t,
              "sub_left": lambda s, t: s - t, "div_left": lambda s, t: s / t, "lt_left": lambda s, t: s < t,
              "pow_right": lambda s, t: t ** s}


@pytest.mark.parametrize("scalar", NP_SCALARS, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("dtype", SCALAR_TENSOR_DTYPES)
@pytest.mark.parametrize("op", list(SCALAR_OPS))
def test_numpy_scalars_are_weak(torch, scalar, dtype, op):
    if op == "sub_left" and dtype == "bool":
        pytest.skip("subtraction from a bool tensor: torch refuses it for Python numbers too, funcgrad does not")
    def run(lib):
        t = lib.tensor([1, 0, 1], dtype=getattr(lib, dtype))
        return lambda: SCALAR_OPS[op](scalar, t)
    with np.errstate(all="ignore"):
        _same(run(fg), run(torch))


def test_numpy_scalar_keeps_gradient():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = np.float64(3.0) * x
    assert y.dtype == fg.float32 and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


# --- bitwise operators ----------------------------------------------------------------------------------------------
BIT_OPERANDS = {"i64": ("int64", [6, 5, -3]), "i32": ("int32", [6, 5, -3]), "u8": ("uint8", [6, 5, 250]),
                "b": ("bool", [True, False, True]), "f32": ("float32", [6.0, 5.0, 1.0]),
                "i64_0d": ("int64", 3), "b_0d": ("bool", True)}
BIT_OPS = {"and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
           "lshift": lambda a, b: a << b, "rshift": lambda a, b: a >> b}


def _bit_operand(lib, name):
    if name == "py_int":
        return 3
    if name == "py_bool":
        return True
    dtype, values = BIT_OPERANDS[name]
    return lib.tensor(values, dtype=getattr(lib, dtype))


@pytest.mark.parametrize("op", list(BIT_OPS))
@pytest.mark.parametrize("a, b", [(a, b) for a in BIT_OPERANDS for b in list(BIT_OPERANDS) + ["py_int", "py_bool"]]
                         + [("py_int", b) for b in ("i64", "i32", "u8", "b")] + [("py_bool", "b"), ("py_int", "f32")])
def test_bitwise_operators(torch, op, a, b):
    def run(lib):
        return lambda: BIT_OPS[op](_bit_operand(lib, a), _bit_operand(lib, b))
    _same(run(fg), run(torch))


@pytest.mark.parametrize("name", ["i64", "i32", "u8", "b", "f32", "i64_0d"])
def test_invert(torch, name):
    _same(lambda: ~_bit_operand(fg, name), lambda: ~_bit_operand(torch, name))


@pytest.mark.parametrize("fn", ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                                "bitwise_right_shift"])
@pytest.mark.parametrize("a, b", [("i32", "i64_0d"), ("i32", "i64"), ("u8", "py_int"), ("b", "b"), ("f32", "i64")])
def test_bitwise_functions(torch, fn, a, b):
    def run(lib):
        return lambda: getattr(lib, fn)(_bit_operand(lib, a), _bit_operand(lib, b))
    _same(run(fg), run(torch))


@pytest.mark.parametrize("op", ["&=", "|=", "^=", "<<=", ">>="])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_bitwise_in_place(torch, op, dtype):
    def run(lib):
        def go():
            t = lib.tensor([6, 5, 0] if dtype != "bool" else [True, False, True], dtype=getattr(lib, dtype))
            alias = t
            scope = {"t": t}
            exec(f"t {op} {'1' if dtype != 'bool' else 'True'}", {}, scope)
            assert scope["t"] is alias  # in place: every reference sees the update
            return alias
        return go
    _same(run(fg), run(torch))


# --- the legacy constructor -----------------------------------------------------------------------------------------
LEGACY = {"list_int": lambda lib: lib.Tensor([1, 2]), "nested": lambda lib: lib.Tensor([[1, 2], [3, 4]]),
          "bools": lambda lib: lib.Tensor([True, False]), "tuple_is_data": lambda lib: lib.Tensor((2, 3)),
          "empty": lambda lib: lib.Tensor(), "empty_list": lambda lib: lib.Tensor([]),
          "array_int": lambda lib: lib.Tensor(np.array([1, 2])),
          "array_f64": lambda lib: lib.Tensor(np.array([1.5, 2.0])),
          "tensor_kept": lambda lib: lib.Tensor(lib.tensor([1, 2])),
          "tensor_f64": lambda lib: lib.Tensor(lib.tensor([1.0], dtype=lib.float64)),
          "range": lambda lib: lib.Tensor(range(3)), "number": lambda lib: lib.Tensor(2.5),
          "negative": lambda lib: lib.Tensor(-1)}
LEGACY_SHAPES = {"sizes": lambda lib: lib.Tensor(2, 3), "one_size": lambda lib: lib.Tensor(4),
                 "zero": lambda lib: lib.Tensor(0), "size": lambda lib: lib.Tensor(lib.Size([2, 3])),
                 "np_int": lambda lib: lib.Tensor(np.int64(3)), "device": lambda lib: lib.Tensor(2, device="cpu")}


@pytest.mark.parametrize("case", list(LEGACY))
def test_legacy_constructor(torch, case):
    _same(lambda: LEGACY[case](fg), lambda: LEGACY[case](torch))


@pytest.mark.parametrize("case", list(LEGACY_SHAPES))
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_legacy_constructor_shapes(torch, case, default):
    # torch leaves the values uninitialized; only the shape and dtype are compared (funcgrad gives zeros)
    previous = torch.get_default_dtype()
    try:
        torch.set_default_dtype(getattr(torch, default))
        fg.set_default_dtype(getattr(fg, default))
        f, t = LEGACY_SHAPES[case](fg), LEGACY_SHAPES[case](torch)
        assert tuple(f.shape) == tuple(t.shape) and np.dtype(f.dtype) == torch_dtype(t)
        assert not np.any(B.to_numpy(f))
    finally:
        torch.set_default_dtype(previous)
        fg.set_default_dtype(fg.float32)


# --- integers and array indices separated by a slice ---------------------------------------------------------------
INDEX_ITEMS = [0, -1, slice(None), slice(1, 3), [1, 0], [[0], [1]], None, Ellipsis, "t0", "tlist", "mask"]


def _item(lib, it):
    return {"t0": lambda: lib.tensor(1), "tlist": lambda: lib.tensor([0, 1]),
            "mask": lambda: lib.tensor([True, False])}.get(it, lambda: it)() if isinstance(it, str) else it


def _index_cases():
    for k in (2, 3):
        for combo in itertools.product(INDEX_ITEMS, repeat=k):
            if combo.count(Ellipsis) <= 1 and any(isinstance(c, (list, str)) and c != "t0" for c in combo):
                yield combo


@pytest.mark.parametrize("combo", list(_index_cases()), ids=str)
def test_mixed_indexing_matches_torch(torch, combo):
    shape = (2, 3, 4, 5)
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(shape)
    tx = torch.tensor(x0, requires_grad=True)
    try:
        ty = tx[tuple(_item(torch, c) for c in combo)]
    except (IndexError, RuntimeError, TypeError, ValueError):
        return  # not an index of this shape for torch either
    fx = fg.tensor(x0, requires_grad=True)
    fy = fx[tuple(_item(fg, c) for c in combo)]
    assert fy.shape == tuple(ty.shape)
    np.testing.assert_allclose(B.to_numpy(fy.detach()), ty.detach().numpy())
    w = rng.standard_normal(tuple(ty.shape))
    (ty * torch.tensor(w)).sum().backward()
    (fy * fg.tensor(w)).sum().backward()
    np.testing.assert_allclose(B.to_numpy(fx.grad), tx.grad.numpy())
    # assignment of a value laid out as the indexed result, and its gradient
    v0 = rng.standard_normal(tuple(ty.shape))
    tv, fv = torch.tensor(v0, requires_grad=True), fg.tensor(v0, requires_grad=True)
    tz, fz = torch.tensor(x0) * 1, fg.tensor(x0) * 1
    tz[tuple(_item(torch, c) for c in combo)] = tv * 2
    fz[tuple(_item(fg, c) for c in combo)] = fv * 2
    np.testing.assert_allclose(B.to_numpy(fz.detach()), tz.detach().numpy())
    u = rng.standard_normal(shape)
    (tz * torch.tensor(u)).sum().backward()
    (fz * fg.tensor(u)).sum().backward()
    np.testing.assert_allclose(B.to_numpy(fv.grad), tv.grad.numpy())


def test_mixed_index_examples():
    x = fg.arange(24).reshape(2, 3, 4)
    assert x[0, :, [1, 2]].tolist() == [[1, 2], [5, 6], [9, 10]]
    assert x[fg.tensor(0), :, [1, 2]].shape == (3, 2)
    assert x[0, None, :, [1, 2]].shape == (1, 3, 2)
    y = fg.zeros(2, 3, 4, dtype=fg.int64)
    y[0, :, [1, 2]] = fg.tensor([7, 8])  # broadcast along the slice, as torch
    assert y[0].tolist() == [[0, 7, 8, 0]] * 3
    y[0, :, [1, 2]] = fg.arange(6).reshape(3, 2)
    assert y[0, :, 1:3].tolist() == [[0, 1], [2, 3], [4, 5]]


def test_numpy_face_keeps_numpy_rule():
    a = np.arange(24).reshape(2, 3, 4)
    assert fg.numpy.asarray(a)[0, :, [1, 2]].shape == (2, 3)
    assert fg.numpy.getitem(fg.numpy.asarray(a), (0, slice(None), [1, 2])).shape == (2, 3)


@pytest.mark.parametrize("make", [
    lambda lib: lib.zeros(2, 0), lambda lib: lib.zeros(0), lambda lib: lib.zeros(0, dtype=lib.int64),
    lambda lib: lib.zeros(2, 0, dtype=lib.int64), lambda lib: lib.zeros(0, 3, requires_grad=True),
    lambda lib: lib.zeros(0, dtype=lib.bool), lambda lib: lib.tensor([1, 2]), lambda lib: lib.zeros(()),
], ids=["2x0", "0", "0_int", "2x0_int", "0x3_grad", "0_bool", "ints", "scalar"])
def test_empty_tensors_print_their_size_and_dtype_as_in_pytorch(make):
    torch = pytest.importorskip("torch")
    assert repr(make(fg)) == repr(make(torch))
