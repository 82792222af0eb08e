"""In-place updates, swept over every in-place Tensor method (tests/inplace_table.py):

* memory stays flat over many steps of the update patterns of a training loop (a requires-grad leaf updated
  under ``no_grad``, a non-leaf updated while recording), with hooks, ``retain_grad`` and ``requires_grad_()``
  toggling: tracemalloc's traced memory after warm-up steps may not grow;
* a Python number written into a float64 or complex128 tensor keeps its full precision (it takes the tensor's
  dtype, never float32 on the way).
"""
import warnings

import numpy as np
import pytest

import funcgrad as fg
from memory import growth
import funcgrad.numpy as fnp

from inplace_table import INT_ONLY, N, NOT_UPDATES, REAL_ONLY, TABLE

WARMUP = 50


def _growth(step, steps: int) -> int:
    return growth(step, steps, WARMUP)


def _weight():
    return fg.tensor(np.linspace(0.5, 1.5, N * N).reshape(N, N), requires_grad=True)


def test_the_table_covers_every_method():
    methods = {n for n in dir(fg.Tensor) if n.endswith("_") and not n.startswith("__")}
    missing = sorted(methods - set(TABLE) - set(INT_ONLY) - NOT_UPDATES)
    assert not missing, f"in-place methods with no row in tests/inplace_table.py: {missing}"
    dunders = {n for n in dir(fg.Tensor) if n.startswith("__i") and n[3:-2] in
               ("add", "sub", "mul", "truediv", "pow", "floordiv", "and", "or", "xor", "lshift", "rshift", "matmul")}
    assert not sorted(dunders - set(TABLE) - set(INT_ONLY) - {"__ifloordiv__"}), dunders


# --- memory ---------------------------------------------------------------------------------------------------------
LIMIT_LONG = 1_000_000  # bytes over 10,000 steps (the bound): less than 100 bytes a step
LIMIT_SHORT = 25_000    # over 100 steps: 250 bytes a step; one leaked 8x8 float64 array a step would be 60 kB
# special functions built from long compositions (series, Newton steps): fewer steps, the same bound a step
HEAVY = {"erfinv_", "erf_", "erfc_", "i0_", "igamma_", "igammac_", "mvlgamma_", "lgamma_", "digamma_", "polygamma_"}


def _steps(name: str) -> tuple[int, int]:
    return (30, LIMIT_SHORT * 3 // 10) if name in HEAVY else (100, LIMIT_SHORT)


def _optimizer_steps():
    """The update forms optimizers and hand-written loops use, each as ``(name, update(w))``."""
    def isub(w):
        w -= 0.001 * w.grad  # rebinding the local is the point: the Tensor itself is updated

    def data(w):
        w.data = w.data - 0.001 * w.grad

    return [("sub_", lambda w: w.sub_(0.001 * w.grad)), ("-=", isub), ("copy_", lambda w: w.copy_(w - 0.001 * w.grad)),
            ("data=", data)]


@pytest.mark.parametrize("name,update", _optimizer_steps(), ids=[n for n, _ in _optimizer_steps()])
def test_parameter_updates_keep_memory_flat_over_10000_steps(name, update):
    w = _weight()

    def step():
        fnp.sum(w * w).backward()
        with fg.no_grad():
            update(w)
        w.grad = None

    assert _growth(step, 10_000) < LIMIT_LONG
    assert w.requires_grad and w.is_leaf


@pytest.mark.parametrize("name", sorted(TABLE), ids=str)
def test_every_inplace_method_on_a_leaf_under_no_grad_keeps_memory_flat(name):
    call = TABLE[name][0]
    w = _weight()

    def step():
        fnp.sum(w * w).backward()
        with fg.no_grad():
            call(w, 0.999)
        w.grad = None

    steps, limit = _steps(name)
    assert _growth(step, steps) < limit
    assert w.requires_grad and w.is_leaf, "the update must leave a requires-grad leaf"


@pytest.mark.parametrize("name", sorted(TABLE), ids=str)
def test_every_inplace_method_on_a_recorded_non_leaf_keeps_memory_flat(name):
    call = TABLE[name][0]
    w = _weight()

    def step():
        y = w * 1.0
        call(y, 0.999)
        fnp.sum(fnp.real(y * w)).backward()
        w.grad = None

    steps, limit = _steps(name)
    assert _growth(step, steps) < limit


@pytest.mark.parametrize("name", sorted(INT_ONLY), ids=str)
def test_integer_inplace_methods_keep_memory_flat(name):
    t = fg.tensor(np.arange(N * N).reshape(N, N) % 7)

    def step():
        INT_ONLY[name](t)
        INT_ONLY[name](t[1:] * 1)

    assert _growth(step, 100) < LIMIT_SHORT


@pytest.mark.parametrize("name", ["sub_", "mul_", "copy_", "__setitem__", "index_add_", "masked_fill_"], ids=str)
def test_updates_with_hooks_retain_grad_and_toggling_keep_memory_flat(name):
    call = TABLE[name][0]
    w = _weight()
    seen = []
    w.register_hook(lambda g: seen.append(1))  # kept over the updates, like a leaf's hook in PyTorch

    def step():
        y = w * 2.0
        y.retain_grad()
        y.register_hook(lambda g: g * 1.0)
        call(y, 0.999)
        fnp.sum(y * w).backward()
        with fg.no_grad():
            call(w, 0.999)
        w.grad = None
        w.requires_grad_(False)
        w.requires_grad_(True)

    assert _growth(step, 1_000) < 2 * LIMIT_SHORT
    assert seen, "the leaf's hook ran"


def test_detach_and_requires_grad_cycles_keep_memory_flat():
    w = _weight()

    def step():
        w.detach_()
        w.requires_grad_()
        fnp.sum(w * w).backward()
        w.grad = None

    assert _growth(step, 1_000) < 2 * LIMIT_SHORT


def test_a_leaf_keeps_its_hooks_and_gradient_over_updates():
    w = _weight()
    calls = []
    w.register_hook(lambda g: calls.append(g.shape))
    for _ in range(3):
        fnp.sum(w * w).backward()
        with fg.no_grad():
            w.sub_(0.1 * w.grad)
            w[0, 0] = 1.0
        w.data = w.data * 1.0
    assert len(calls) == 3 and w.requires_grad and w.is_leaf
    w.grad = None
    fnp.sum(w * w).backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * w.detach().numpy())


def test_assigning_data_changes_values_without_recording():
    w = _weight()
    w.data = fg.zeros(3, dtype=np.float64)  # PyTorch lets .data change the shape
    assert w.shape == (3,) and w.requires_grad and w.is_leaf
    fnp.sum(w * 3.0).backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0, 3.0])
    plain = fg.ones(2)
    plain.data = [1.0, 2.0]
    assert not plain.requires_grad and plain.tolist() == [1.0, 2.0]


# --- precision ------------------------------------------------------------------------------------------------------
SCALAR = 0.89  # float32 stores 0.8899999856948853
assert float(np.float32(SCALAR)) != SCALAR


@pytest.mark.parametrize("dtype", [np.float64, np.complex128], ids=["float64", "complex128"])
@pytest.mark.parametrize("name", sorted(n for n, (_, ref) in TABLE.items() if ref is not None), ids=str)
def test_python_numbers_written_in_place_take_the_tensors_dtype(name, dtype):
    if dtype is np.complex128 and name in REAL_ONLY:
        pytest.skip(f"{name} is not defined for complex tensors")
    call, ref = TABLE[name]
    base = np.linspace(-1.3, 1.7, N * N).reshape(N, N).astype(dtype)
    s = SCALAR if dtype is np.float64 else complex(SCALAR, -SCALAR / 3)
    if name in ("clamp_", "clamp_max_", "clamp_min_", "clip_", "normal_", "uniform_", "pow_", "__ipow__"):
        s = SCALAR  # real bounds, parameters and exponents
    t = fg.tensor(base.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = call(t, s)
    assert (out is t or name == "__setitem__") and t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), ref(base.copy(), s))


A = np.linspace(0.2, 1.4, 5)
# torch functions with a Python number among their operands: (call(t, s), NumPy on float64)
NUMBER_OPERANDS = {
    "add": (lambda t, s: fg.add(t, s), lambda a, s: a + s),
    "sub": (lambda t, s: fg.sub(t, s, alpha=2), lambda a, s: a - 2 * s),
    "rsub": (lambda t, s: fg.rsub(t, s), lambda a, s: s - a),
    "mul": (lambda t, s: fg.mul(t, s), lambda a, s: a * s),
    "div": (lambda t, s: fg.div(t, s), lambda a, s: a / s),
    "pow": (lambda t, s: fg.pow(t, s), lambda a, s: a ** s),
    "pow_number_base": (lambda t, s: fg.pow(s, t), lambda a, s: s ** a),
    "float_power": (lambda t, s: fg.float_power(t, s), lambda a, s: a ** s),
    "xlogy": (lambda t, s: fg.xlogy(t, s), lambda a, s: a * np.log(s)),
    "xlog1py": (lambda t, s: fg.special.xlog1py(t, s), lambda a, s: a * np.log1p(s)),
    "fmod": (lambda t, s: fg.fmod(t, s), np.fmod),
    "remainder": (lambda t, s: fg.remainder(t, s), np.remainder),
    "copysign": (lambda t, s: fg.copysign(t, -s), lambda a, s: np.copysign(a, -s)),
    "clamp": (lambda t, s: fg.clamp(t, s), np.maximum),
    "lerp": (lambda t, s: fg.lerp(t, fg.ones(5, dtype=np.float64), s), lambda a, s: a + s * (1 - a)),
    "where": (lambda t, s: fg.where(t > 0.5, t, s), lambda a, s: np.where(a > 0.5, a, s)),
    "full_like": (lambda t, s: fg.full_like(t, s), np.full_like),
    "masked_fill": (lambda t, s: t.masked_fill(t > 0.5, s), lambda a, s: np.where(a > 0.5, s, a)),
    "threshold": (lambda t, s: fg.threshold(t, 0.5, s), lambda a, s: np.where(a > 0.5, a, s)),
    "index_fill": (lambda t, s: t.index_fill(0, fg.tensor([0]), s), lambda a, s: np.r_[s, a[1:]]),
    "operator -": (lambda t, s: t - s, lambda a, s: a - s),
    "operator / (reflected)": (lambda t, s: s / t, lambda a, s: s / a),
    "operator ** (reflected)": (lambda t, s: s ** t, lambda a, s: s ** a),
}


@pytest.mark.parametrize("name", sorted(NUMBER_OPERANDS), ids=str)
def test_python_numbers_in_torch_functions_take_the_tensors_dtype(name):
    call, ref = NUMBER_OPERANDS[name]
    out = call(fg.tensor(A), SCALAR)
    assert out.dtype == np.float64
    # float32 on the way would be off by about 1e-8
    np.testing.assert_allclose(out.numpy(), ref(A, SCALAR), rtol=1e-14, atol=0)
