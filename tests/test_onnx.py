"""Exported.to_onnx and funcgrad.onnx.export: every mapped primitive, an MLP, its value_and_grad and a CNN, each run
in onnxruntime and compared with funcgrad's own result; dynamic axes as dim_params; the unmapped-primitive error."""
import io

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.nn.functional as F
import funcgrad.numpy as fnp
from funcgrad.core import registry
from funcgrad.jit.onnx import MAPPING
from funcgrad.primitives import recurrent as R
from funcgrad.primitives import windows as W

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
RNG = np.random.default_rng(0)


def _run_onnx(model, leaves):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {i.name: np.asarray(v) for i, v in zip(sess.get_inputs(), leaves)})


def _check(f, args, rtol=None, want_prim=None, dynamic_shapes=None, call_args=None):
    """Export ``f`` at ``args``, run the ONNX model on ``call_args`` (default ``args``) and compare with eager ``f``."""
    exp = fg.export(f, *args, dynamic_shapes=dynamic_shapes)
    if want_prim is not None:
        assert want_prim in [e.prim.name for e in exp.graph.eqns], exp.graph.eqns
    model = exp.to_onnx()
    onnx.checker.check_model(model, full_check=True)
    call_args = args if call_args is None else call_args
    got = _run_onnx(model, fg.tree.leaves(call_args))
    want = fg.tree.leaves(f(*call_args))
    assert len(got) == len(want)
    for a, b in zip(got, want):
        b = np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
        tol = rtol if rtol is not None else (1e-5 if b.dtype == np.float32 else 1e-10)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    return exp, model


# --- one or more cases per mapped primitive: (function, arguments) ------------------------------------------------
def P(name):
    return registry[name]


def _x(*shape, low=-2.0, high=2.0, dtype=np.float64):
    return RNG.uniform(low, high, shape).astype(dtype)


_DOMAIN = {"log": (0.1, 3), "sqrt": (0.1, 3), "log1p": (-0.5, 3), "log2": (0.1, 3), "log10": (0.1, 3),
           "arcsin": (-0.9, 0.9), "arccos": (-0.9, 0.9), "arctanh": (-0.9, 0.9), "arccosh": (1.1, 3),
           "reciprocal": (0.5, 2)}
_UNARY = ["exp", "log", "tanh", "sin", "cos", "sqrt", "absolute", "fabs", "negative", "reciprocal", "expit", "relu",
          "floor", "ceil", "rint", "erf", "sign", "positive", "stop_gradient", "sinh", "cosh", "tan", "arcsin",
          "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "square", "log1p", "expm1", "log2", "log10", "exp2"]


# onnxruntime's CPU kernels of these are float32 only: their float64 models pass the checker but cannot run there
_ORT_FLOAT32_ONLY = {"arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cosh", "sinh", "tan", "erf"}


def _unary_cases(name):
    lo, hi = _DOMAIN.get(name, (-2, 2))
    x = _x(3, 4, low=lo, high=hi)
    if name in ("floor", "ceil", "rint", "sign"):
        x = np.array([[-2.5, -0.5, 0.0, 0.5], [1.5, 2.5, 3.2, -3.7]])
    f32 = [(lambda a, p=P(name): p(a), (x.astype(np.float32),))]
    return f32 if name in _ORT_FLOAT32_ONLY else [(lambda a, p=P(name): p(a), (x,))] + f32


def _binary_cases(name):
    a, b = _x(3, 4), _x(4)
    if name == "power":
        a = _x(3, 4, low=0.5, high=2)
    if name == "divide":
        b = _x(4, low=0.5, high=2)
    p = P(name)
    return [(lambda u, v: p(u, v), (a, b)),
            (lambda u: p(u, 2.5), (a.astype(np.float32),)),  # a Python scalar stays weak: float32 out
            (lambda u, v: p(u, v), (a, RNG.integers(1, 3, 4)))]  # int64 promoted to float64


def _compare_cases(name):
    a, b = RNG.integers(0, 3, (3, 4)), RNG.integers(0, 3, 4)
    p = P(name)
    return [(lambda u, v: p(u, v), (a, b)), (lambda u: p(u, 1.5), (a,)),
            (lambda u, v: p(u, v), (a.astype(np.float32), b.astype(np.float64)))]


def _bools(*shape):
    return RNG.random(shape) < 0.5


CASES: dict = {}
for _n in _UNARY:
    CASES[_n] = _unary_cases(_n)
for _n in ("add", "add_any", "subtract", "multiply", "divide", "power", "maximum", "minimum"):
    CASES[_n] = _binary_cases(_n)
for _n in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"):
    CASES[_n] = _compare_cases(_n)
for _n in ("logical_and", "logical_or", "logical_xor"):
    CASES[_n] = [(lambda u, v, p=P(_n): p(u, v), (_bools(3, 4), _bools(4))),
                 (lambda u, v, p=P(_n): p(u, v), (_x(3, 4).round(), _bools(4)))]
CASES["logical_not"] = [(lambda u: P("logical_not")(u), (_bools(3),)), (lambda u: P("logical_not")(u),
                                                                         (np.array([0.0, 2.0]),))]
_SPECIAL = np.array([0.0, np.nan, np.inf, -np.inf, 1.5])
for _n in ("isnan", "isinf", "isfinite"):
    CASES[_n] = [(lambda u, p=P(_n): p(u), (_SPECIAL,)), (lambda u, p=P(_n): p(u), (np.arange(3),))]
CASES["where"] = [(lambda c, u: P("where")(c, u, 0.0), (_bools(3, 4), _x(4, dtype=np.float32))),
                  (lambda c, u, v: P("where")(c, u, v), (_bools(4), _x(3, 4), RNG.integers(0, 3, (3, 1))))]
CASES["clip"] = [(lambda u: P("clip")(u, -0.5, None), (_x(3, 4),)),
                 (lambda u, lo: P("clip")(u, lo, 1.0), (_x(3, 4), _x(4)))]
CASES["relu_mask"] = [(lambda g, x: P("relu_mask")(g, P("relu")(x)), (_x(3, 4), _x(3, 4)))]
CASES["cast"] = [(lambda u: P("cast")(u, dtype=np.dtype(np.int64)), (_x(5) * 3,)),
                 (lambda u: P("cast")(u, dtype=np.dtype(np.float32)), (_x(5),)),
                 (lambda u: P("cast")(u, dtype=np.dtype(bool)), (np.array([0.0, -1.0, 2.0]),))]
for _n in ("sum", "mean", "max", "min", "prod"):
    CASES[_n] = [(lambda u, p=P(_n): p(u, axis=None, keepdims=False), (_x(2, 3, 4),)),
                 (lambda u, p=P(_n): p(u, axis=1, keepdims=True), (_x(2, 3, 4, dtype=np.float32),)),
                 (lambda u, p=P(_n): p(u, axis=(0, -1), keepdims=False), (_x(2, 3, 4),))]
CASES["sum"].append((lambda u: P("sum")(u, axis=0, keepdims=False, dtype=None), (RNG.integers(0, 5, (3, 2)),)))
for _n in ("argmax", "argmin"):
    CASES[_n] = [(lambda u, p=P(_n): p(u, axis=None, keepdims=False), (_x(3, 4),)),
                 (lambda u, p=P(_n): p(u, axis=1, keepdims=True), (_x(3, 4),)),
                 (lambda u, p=P(_n): p(u, axis=None, keepdims=True), (_x(3, 4),))]
CASES["logsumexp"] = [
    (lambda u: P("logsumexp")(u, None, axis=1, keepdims=False, return_sign=False), (_x(3, 4) * 30,)),
    (lambda u, w: P("logsumexp")(u, w, axis=(0, 1), keepdims=True, return_sign=False), (_x(3, 4), _x(4, low=0.1))),
    (lambda u: P("logsumexp")(u, None, axis=1, keepdims=True, return_sign=False),
     (np.array([[-np.inf, -np.inf], [1.0, -np.inf]]),))]
CASES["cumsum"] = [(lambda u: P("cumsum")(u, axis=1, dtype=None, reverse=True), (_x(3, 4),)),
                   (lambda u: P("cumsum")(u, axis=None, dtype=None, reverse=False), (_x(3, 4),))]
CASES["sum_to"] = [(lambda u: P("sum_to")(u, shape=(1, 4)), (_x(3, 4),)),
                   (lambda u: P("sum_to")(u, shape=(3, 1)), (_x(2, 3, 4),))]
CASES["expand_reduced"] = [(lambda g: P("expand_reduced")(g, shape=(3, 4), axis=1, keepdims=False), (_x(3),)),
                           (lambda g: P("expand_reduced")(g, shape=(3, 4), axis=None, keepdims=False), (_x(),))]
CASES["broadcast_to"] = [(lambda u: P("broadcast_to")(u, shape=(2, 3, 4)), (_x(3, 1),))]
CASES["reshape"] = [(lambda u: P("reshape")(u, shape=(4, -1)), (_x(2, 3, 4),)),
                    (lambda u: P("reshape")(u, shape=(0, 3)), (_x(0, 3),))]
CASES["transpose"] = [(lambda u: P("transpose")(u, axes=(2, 0, 1)), (_x(2, 3, 4),))]
CASES["matrix_transpose"] = [(lambda u: P("matrix_transpose")(u), (_x(2, 3, 4),))]
CASES["concatenate"] = [(lambda u, v: P("concatenate")(u, v, axis=1), (_x(2, 3), RNG.integers(0, 3, (2, 2))))]
CASES["pack"] = [(lambda u, v: P("pack")(u, v), (_x(2, 3), _x(2, 3)))]
CASES["index0"] = [(lambda u: P("index0")(u, i=-1), (_x(3, 2),)), (lambda u: P("index0")(u, i=1), (_x(3),))]
CASES["embed0"] = [(lambda g: P("embed0")(g, i=1, n=3), (_x(2),))]
CASES["crop"] = [(lambda u: P("crop")(u, starts=(1, 0), stops=(3, 2)), (_x(4, 3),))]
CASES["pad"] = [(lambda u: P("pad")(u, pad_width=((1, 0), (2, 1)), constant_values=0.5), (_x(2, 3),))]
CASES["flip"] = [(lambda u: P("flip")(u, axis=(0,)), (_x(3, 2),)), (lambda u: P("flip")(u, axis=None), (_x(3, 2),))]
CASES["tile"] = [(lambda u: P("tile")(u, reps=(2, 1, 2)), (_x(3, 2),)), (lambda u: P("tile")(u, reps=(3,)),
                                                                       (_x(3, 2),))]
CASES["getitem"] = [(lambda u: u[1:, ..., None, ::-2], (_x(3, 2, 5),)), (lambda u: u[-1, :1], (_x(3, 4),)),
                    (lambda u: u[::-1, 2:-1], (_x(3, 6),)), (lambda u: u[1, 2], (_x(3, 4),))]
CASES["pieces"] = [(lambda u: P("pieces")(u, axis=1, bounds=((0, 1), (1, 3)), squeeze=False), (_x(2, 3),)),
                   (lambda u: P("pieces")(u, axis=0, bounds=(), squeeze=True), (_x(2, 3),))]
CASES["matmul"] = [(lambda u, v: u @ v, (_x(2, 3, 4), _x(4, 5))), (lambda u, v: u @ v, (_x(4), _x(4, 2))),
                   (lambda u, v: u @ v, (_x(3, 4, dtype=np.float32), _x(4, dtype=np.float32)))]
CASES["einsum"] = [(lambda u, v: fnp.einsum("ij,jk->ik", u, v), (_x(2, 3), _x(3, 4))),
                   (lambda u: fnp.einsum("bii->b", u), (_x(2, 3, 3),))]
CASES["sliding_windows"] = [
    (lambda u: W.sliding_windows(u, (2, 3), strides=(1, 2), padding=((1, 0), (0, 2)), dilation=(2, 1)),
     (_x(2, 3, 5, 6),)),
    (lambda u: W.sliding_windows(u, (2,), padding=((-1, 1),), pad_value=-1.0), (_x(4, 5),))]
CASES["fold_windows"] = [
    (lambda c: W.fold_windows(c, (5, 6), (2, 3), strides=(1, 2), padding=((1, 0), (0, 2)), dilation=(2, 1)),
     (_x(2, 3, 4, 3, 2, 3),)),
    (lambda c: W.fold_windows(c, (5,), (2,), padding=((-1, 1),)), (_x(4, 4, 2),))]
CASES["window_argmax"] = [
    (lambda u: W.window_argmax(u, (2, 2), strides=(2, 2)), (_x(2, 3, 4, 6),)),
    (lambda u: W.window_argmax(u, (3, 2), strides=(1, 2), padding=((1, 1), (0, 1)), dilation=(1, 2)),
     (_x(2, 5, 6),)),
    (lambda u: W.window_argmax(u, (2,), padding=((1, 1),)), (np.array([[-np.inf, -np.inf, 1.0]]),))]
CASES["take_last"] = [(lambda u, i: W.take_last(u, i), (_x(2, 5), RNG.integers(-5, 5, (2, 3)))),
                      (lambda u, i: W.take_last(u, i), (_x(1, 5), RNG.integers(0, 5, (3, 4))))]
CASES["scatter_add_last"] = [(lambda v, i: W.scatter_add_last(v, i, size=5), (_x(2, 6), RNG.integers(0, 5, (2, 6)))),
                             (lambda v, i: W.scatter_add_last(v, i, size=4), (_x(3, 2), RNG.integers(0, 4, (1, 2))))]
CASES["tril"] = [(lambda u: fnp.tril(u, 1), (_x(2, 3, 4),))]
CASES["triu"] = [(lambda u: fnp.triu(u, -1), (_x(3, 4),))]


def _ints(low, high, *shape, dtype=np.int64):
    return RNG.integers(low, high, shape).astype(dtype)


# x[i] with traced index arrays i: NumPy's placements (adjacent arrays in place, separated ones in front), None,
# Ellipsis, strided slices, masks, ints, negative and repeated indices, unsigned and 0-d index arrays
_MASK = np.array([True, False, True])
_GATHERS = [
    (lambda u, i: u[np.arange(3), i], (_x(3, 4), _ints(-4, 4, 3))),
    (lambda u, i: u[i], (_x(5, 2), _ints(-5, 5, 2, 3))),
    (lambda u, i: u[:, i], (_x(2, 4, 3, dtype=np.float32), _ints(0, 4, 5, dtype=np.int32))),
    (lambda u, i, j: u[i, :, j], (_x(3, 4, 5), _ints(0, 3, 2, 1), _ints(-5, 5, 3))),
    (lambda u, i: u[None, 1:, i, ::-2], (_x(3, 4, 5), _ints(0, 4, 2, dtype=np.uint8))),
    (lambda u, i: u[..., i, _MASK], (_x(2, 4, 3), _ints(0, 4, 2))),
    (lambda u, i: u[0, :, i], (_x(3, 4, 5), _ints(0, 5, 2, 2))),
    (lambda u, i: u[i, 1], (_x(4, 3), np.array(-2))),
    (lambda u, i: u[:, i, :, np.array([-1, 0, -3])], (_x(2, 3, 4, 5), _ints(-3, 3, 6, 1))),  # separated: in front
    (lambda u, i: u[:, i, ..., 1], (_x(2, 3, 4), _ints(0, 3, 5))),  # an empty Ellipsis separates too
]
CASES["gather"] = _GATHERS
CASES["gather_add"] = [(lambda u, *ix, f=f: fg.grad(lambda v: fnp.sum(fnp.sin(f(v, *ix))))(u), args)
                       for f, args in _GATHERS]
CASES["gather_add"] += [
    (lambda u, i: fg.grad(lambda v: fnp.sum(v[::2, i] ** 2))(u), (_x(5, 4), _ints(0, 4, 6))),
    (lambda u, i: fg.grad(lambda v: fnp.sum(v[::-1, i] * 3.0))(u), (_x(3, 4), _ints(0, 4, 2))),
    (lambda g, i: P("gather_add")(g, i, idx=(0, slice(None)), slots=(0,), shape=(4, 3), unique=False),
     (_x(3), _ints(0, 4, 2, 2))),  # a value broadcast over the selection, repeated positions summed
    (lambda g, i: P("gather_add")(g, i, idx=(np.arange(3), 0), slots=(1,), shape=(3, 2), unique=True),
     (_x(3, dtype=np.float32), _ints(0, 2, 3)))]
CASES["repeat"] = [(lambda u: fnp.repeat(u, 2, axis=1), (_x(2, 3),)),
                   (lambda u: fnp.repeat(u, (1, 0, 2), axis=0), (_x(3, 2),)),
                   (lambda u: fnp.repeat(u, 3), (_ints(0, 5, 2, 2),))]
CASES["diagonal"] = [(lambda u: fnp.diagonal(u, 1, 0, 2), (_x(3, 2, 4),)),
                     (lambda u: fnp.diagonal(u, -1, 2, 0), (_x(3, 2, 4),)),
                     (lambda u: fnp.diagonal(u, -1), (_x(3, 4),)), (lambda u: fnp.diagonal(u, 5), (_x(3, 4),))]
# the transposes, through the gradients (a sum of sines: a cotangent that differs per element)
CASES["repeat_sum"] = [(lambda u, f=f: fg.grad(lambda v: fnp.sum(fnp.sin(f(v))))(u), args)
                       for f, args in CASES["repeat"][:2]]
CASES["repeat_sum"].append((lambda u: fg.grad(lambda v: fnp.sum(fnp.sin(fnp.repeat(v, 3, axis=-1))))(u), (_x(2, 2),)))
CASES["diag_embed"] = [(lambda u, f=f: fg.grad(lambda v: fnp.sum(fnp.sin(f(v))))(u), args) for f, args in
                       CASES["diagonal"]]
# onnxruntime's LSTM kernel is float32 only (its float64 model is valid ONNX, and the float32 one checks the math)
_LSTM = [_x(*s, dtype=np.float32) for s in ((5, 2, 12), (12, 3), (2, 3), (2, 3), (12,))]
CASES["lstm_recurrence"] = [
    (lambda p, w, h, c, bias: R.lstm_recurrence(p, w, h, c, bias), tuple(_LSTM)),
    (lambda p, w, h, c: R.lstm_recurrence(p, w, h, c, None, reverse=True), tuple(_LSTM[:4]))]
_SIGNED = np.array([-7.5, -7.0, -0.3, 0.0, 2.5, 7.0, 1.0, 1.0])
_DIVISORS = np.array([2.0, -2.0, 0.7, -3.0, -1.5, 3.5, 0.1, -0.1])
for _n in ("mod", "floor_divide"):
    CASES[_n] = [(lambda u, v, p=P(_n): p(u, v), (_SIGNED, _DIVISORS)),
                 (lambda u, v, p=P(_n): p(u, v), (_ints(-9, 9, 3, 4), np.array([3, -2, 5, -7]))),
                 (lambda u, p=P(_n): p(u, 1.5), (_SIGNED.astype(np.float32),))]
CASES["logaddexp"] = [(lambda u, v: P("logaddexp")(u, v), (_x(3, 4) * 20, _x(4) * 20)),
                      (lambda u, v: P("logaddexp")(u, v), (np.array([np.inf, -np.inf, -np.inf, 0.0, 1.0]),
                                                           np.array([np.inf, -np.inf, 2.0, np.inf, 1.0]))),
                      (lambda u: P("logaddexp")(u, 0.5), (_x(3, dtype=np.float32),))]


def test_every_mapping_has_a_case():
    assert set(CASES) == set(MAPPING), (sorted(set(MAPPING) - set(CASES)), sorted(set(CASES) - set(MAPPING)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_mapped_primitive_matches_funcgrad(name):
    for f, args in CASES[name]:
        _check(f, args, want_prim=name)


@pytest.mark.parametrize("name", sorted(_ORT_FLOAT32_ONLY))
def test_float64_forms_onnxruntime_lacks_are_valid_onnx(name):
    model = fg.export(P(name), _x(3, low=0.2, high=0.8)).to_onnx()
    onnx.checker.check_model(model, full_check=True)
    assert model.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE


# --- whole programs -------------------------------------------------------------------------------------------
def _mlp(params, x, y):
    (w1, b1), (w2, b2), (w3, b3) = params
    h = fnp.tanh(F.linear(x, w1, b1))
    h = F.relu(F.linear(h, w2, b2))
    return F.cross_entropy(F.linear(h, w3, b3), y)


def _mlp_args(batch=4, dtype=np.float64):
    params = [(_x(8, 5, dtype=dtype), _x(8, dtype=dtype)), (_x(6, 8, dtype=dtype), _x(6, dtype=dtype)),
              (_x(3, 6, dtype=dtype), _x(3, dtype=dtype))]
    return params, _x(batch, 5, dtype=dtype), RNG.integers(0, 3, batch)


def _cnn(w, b, w2, x):
    h = F.relu(F.conv2d(x, w, b, padding=1))
    h = F.avg_pool2d(F.max_pool2d(h, 2), 2)
    return F.log_softmax(F.linear(h.reshape((h.shape[0], -1)), w2), dim=-1)


def _cnn_args(batch=2):
    return _x(4, 3, 3, 3), _x(4), _x(5, 16), _x(batch, 3, 8, 8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mlp_forward_and_value_and_grad(dtype):
    args = _mlp_args(dtype=dtype)
    _check(_mlp, args)
    _check(fg.value_and_grad(_mlp), args)


def _labels_loss(w, x, y):
    z = x @ w
    logp = z - fnp.log(fnp.sum(fnp.exp(z), axis=-1, keepdims=True))
    return -fnp.mean(logp[np.arange(x.shape[0]), y])


@pytest.mark.parametrize("program", [fg.jit(_labels_loss), fg.jit(fg.value_and_grad(_labels_loss, argnums=(0, 1)))])
def test_labels_are_an_input_not_a_constant(program, tmp_path):
    w, x = _x(3, 5), _x(6, 3)
    exp, model = _check(program, (w, x, _ints(0, 5, 6)), want_prim="gather")
    path = str(tmp_path / "labels")
    exp.save(path)  # the static index array np.arange(n) is a parameter of the saved program
    loaded = fg.load_exported(path)
    for y in (_ints(0, 5, 6), np.array([4, 4, 0, 1, 3, 2]), np.array([-1, 0, 0, 0, 0, -5])):  # other labels
        got = _run_onnx(model, [w, x, y])
        want = fg.tree.leaves(program(w, x, y))
        for a, b in zip(got + fg.tree.leaves(loaded.call(w, x, y)), want + want):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_cnn_forward_and_grad():
    _check(_cnn, _cnn_args())
    _check(fg.grad(lambda *a: fnp.sum(_cnn(*a) ** 2), argnums=(0, 3)), _cnn_args())


def test_dynamic_batch_becomes_a_dim_param():
    exp, model = _check(fg.value_and_grad(_mlp), _mlp_args(4), dynamic_shapes=(None, {0: "batch"}, {0: "batch"}),
                        call_args=_mlp_args(7))
    dims = [d.dim_param for d in model.graph.input[6].type.tensor_type.shape.dim]
    assert dims == ["batch", ""]
    for batch in (1, 9):  # other sizes through the same file
        args = _mlp_args(batch)
        got = _run_onnx(model, fg.tree.leaves(args))
        np.testing.assert_allclose(got[0], fg.value_and_grad(_mlp)(*args)[0], rtol=1e-10)
    _check(_cnn, _cnn_args(3), dynamic_shapes=(None, None, None, {0: "n"}), call_args=_cnn_args(5))
    # a mean's gradient seed (1/batch broadcast to the batch) is computed in the model from the size
    loss = fg.value_and_grad(lambda w, x: fnp.mean((x @ w) ** 2))
    _check(loss, (_x(3, 2), _x(4, 3)), dynamic_shapes=(None, {0: "b"}), call_args=(_x(3, 2), _x(6, 3)))


def test_unmapped_primitive_is_named():
    exp = fg.export(lambda x: fnp.tanh(fg.scipy.special.gammaln(x)), _x(3, low=1))
    assert "gammaln" not in MAPPING
    with pytest.raises(fg.ExportError, match=r"equation 0 calls 'gammaln', which has no ONNX mapping.*Exported\.save"):
        exp.to_onnx()


def test_lstm_saved_results_are_refused_and_the_module_exports():
    p, w, h, c, bias = _LSTM
    exp = fg.export(lambda p: P("lstm_recurrence")(p, w, bias, h, c, reverse=False)[3], p)
    with pytest.raises(fg.ExportError, match="lstm_recurrence.*saved gates"):
        exp.to_onnx()
    from funcgrad import nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)

        def forward(self, x):
            return self.lstm(x)[0]

    proto = _torchlike_check(Model(), (fg.randn(6, 2, 3),))
    assert "LSTM" in [n.op_type for n in proto.graph.node]
    model = fg.export(lambda *a: R.lstm_recurrence(*a), *(a.astype(np.float64) for a in _LSTM)).to_onnx()
    onnx.checker.check_model(model, full_check=True)  # valid, though onnxruntime's CPU LSTM is float32 only


def test_unsupported_form_is_named():
    exp = fg.export(lambda x: P("logsumexp")(x, None, axis=0, keepdims=False, return_sign=True), _x(3))
    with pytest.raises(fg.ExportError, match=r"equation 0 \(logsumexp\) has no ONNX form: return_sign=True"):
        exp.to_onnx()


def test_writes_file_and_names(tmp_path):
    exp = fg.export(lambda a, b: (a * b, a - b), _x(2), _x(2))
    path = tmp_path / "m.onnx"
    exp.to_onnx(path, input_names=["a", "b"], output_names=["prod", "diff"])
    model = onnx.load(str(path))
    assert [i.name for i in model.graph.input] == ["a", "b"]
    assert [o.name for o in model.graph.output] == ["prod", "diff"]
    buf = io.BytesIO()
    exp.to_onnx(buf, opset=19)
    assert onnx.load_from_string(buf.getvalue()).opset_import[0].version == 19
    with pytest.raises(fg.ExportError, match="opset 11"):
        exp.to_onnx(opset=11)
    with pytest.raises(fg.ExportError, match="names"):
        exp.to_onnx(input_names=["a"])


def test_constants_are_initializers_with_their_dtypes():
    w = _x(3, 2, dtype=np.float32)
    idx = np.array([2, 0])
    exp = fg.export(lambda x: (x @ w)[..., None] * idx.astype(np.float32), _x(4, 3, dtype=np.float32))
    model = exp.to_onnx()
    inits = {tuple(i.dims): onnx.helper.tensor_dtype_to_np_dtype(i.data_type) for i in model.graph.initializer}
    assert inits.get((3, 2)) == np.float32
    _check(lambda x: (x @ w)[..., None] * idx.astype(np.float32), (_x(4, 3, dtype=np.float32),))


# --- funcgrad.onnx.export (torch.onnx.export's form) ---------------------------------------------------------------
def _torchlike_check(model, args, **kw):
    buf = io.BytesIO()
    fg.onnx.export(model, args, buf, **kw)
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto)
    with fg.no_grad():
        want = model(*args) if isinstance(args, tuple) else model(args)
    leaves = [a.detach().numpy() for a in (args if isinstance(args, tuple) else (args,))]
    got = _run_onnx(proto, leaves)
    np.testing.assert_allclose(got[0], want.detach().numpy(), rtol=1e-5, atol=1e-6)
    return proto


def test_onnx_export_of_modules():
    from funcgrad import nn
    mlp = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3), nn.ReLU())
    x = fg.randn(4, 5)
    proto = _torchlike_check(mlp, (x,), input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}})
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert [i.name for i in proto.graph.input] == ["x"]  # the weights are initializers, not inputs
    got = _run_onnx(proto, [np.ones((6, 5), np.float32)])
    with fg.no_grad():
        np.testing.assert_allclose(got[0], mlp(fg.ones(6, 5)).numpy(), rtol=1e-5, atol=1e-6)
    cnn = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Dropout(0.5), nn.Flatten(), nn.Linear(4 * 4 * 4, 5))
    cnn.train()
    _ = cnn(fg.randn(2, 3, 8, 8))  # moves the running statistics, so that eval mode has its own numbers
    cnn.eval()
    _torchlike_check(cnn, fg.randn(2, 3, 8, 8))
    assert not cnn.training


def test_onnx_export_of_a_function_and_the_export_flag():
    seen = []

    def fn(a, b):
        seen.append(fg.onnx.is_in_onnx_export())
        return fg.tanh(a) @ b

    a, b = fg.randn(2, 3), fg.randn(3, 4)
    buf = io.BytesIO()
    fg.onnx.export(fn, (a, b), buf, dynamic_axes={"input_0": [0]})
    assert seen and all(seen) and not fg.onnx.is_in_onnx_export()
    proto = onnx.load_from_string(buf.getvalue())
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "input_0_dim0"
    a = fg.randn(5, 3)
    got = _run_onnx(proto, [a.numpy(), b.numpy()])
    np.testing.assert_allclose(got[0], fn(a, b).numpy(), rtol=1e-5, atol=1e-6)
