"""Elementwise fusion (funcgrad.jit.fuse): random programs of elementwise primitives give, fused, what they give
eagerly and unfused, under grad and vmap too; the listing shows the groups; the pass switches off; fewer bytes
are allocated on a long chain; dtypes are NumPy's; the CuPy kernel source is well-formed C++ that computes what
NumPy computes (compiled and run on the host with g++, since no GPU is at hand); device arrays that cannot run
kernels (the stand-in) are left unfused or run unfused.
"""
import os
import shutil
import subprocess
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import _backend
import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.jit import fuse as F
from funcgrad.jit.passes import DEFAULT_PASSES

RUNS_ON_DEVICES = True  # the random-program test runs on the stand-in too (where nothing is fused)
NO_FUSE = tuple(p for p in DEFAULT_PASSES if p != "fuse")
host_only = pytest.mark.skipif(_backend.ON_DEVICE, reason="NumPy fusion specifics")


@pytest.fixture
def fuse_all(monkeypatch):
    """Fuse groups of any size (the default leaves groups under FUSE_MIN_BYTES alone: small test arrays)."""
    monkeypatch.setattr(F, "FUSE_MIN_BYTES", 0)


def _close(a, b, rtol=1e-12, atol=1e-12):
    la, lb = fg.tree.leaves(a), fg.tree.leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        x, y = _backend.to_numpy(x), _backend.to_numpy(y)
        assert np.shape(x) == np.shape(y) and np.asarray(x).dtype == np.asarray(y).dtype, (x, y)
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, equal_nan=True)


def _fused(lowered):
    return [e.prim for e in lowered.graph.eqns if isinstance(e.prim, F.FusedOp)]


# --- random programs ------------------------------------------------------------------------------------------------
UNARY = {"tanh": fnp.tanh, "sin": fnp.sin, "cos": fnp.cos, "exp_tanh": lambda a: fnp.exp(fnp.tanh(a)),
         "negative": lambda a: -a, "square": fnp.square, "smooth_abs": lambda a: fnp.sqrt(a * a + 1.0),
         "scale": lambda a: a * 1.5 - 0.25, "log1p_sq": lambda a: fnp.log1p(a * a), "arctan": fnp.arctan}
BINARY = {"add": lambda a, b: a + b, "subtract": lambda a, b: a - b, "multiply": lambda a, b: a * b,
          "maximum": lambda a, b: fnp.maximum(a, b + 0.5), "minimum": fnp.minimum,
          "divide": lambda a, b: a / (1.0 + b * b), "hypot": fnp.hypot, "logaddexp": fnp.logaddexp}
# operands that broadcast: (3, 4), (4,), (3, 1)
SHAPES = ((3, 4), (4,), (3, 1))


@st.composite
def programs(draw):
    steps = []
    for _ in range(draw(st.integers(2, 10))):
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, 40)), None))
        else:
            steps.append((draw(st.sampled_from(sorted(BINARY))), draw(st.integers(0, 40)), draw(st.integers(0, 40))))
    outs = draw(st.lists(st.integers(0, 40), min_size=1, max_size=2))
    return steps, outs


def make(program):
    steps, outs = program

    def f(x, y, z):
        vals = [x, y, z]
        for op, i, j in steps:
            a = vals[i % len(vals)]
            vals.append(UNARY[op](a) if j is None else BINARY[op](a, vals[j % len(vals)]))
        return [vals[k % len(vals)] for k in outs]

    return f


def _scalar(f):
    return lambda *a: sum(fnp.sum(fnp.sin(o)) for o in f(*a))


@settings(max_examples=30)
@given(program=programs(), seed=st.integers(0, 2 ** 16), f32=st.booleans())
def test_random_elementwise_programs_fused_match_eager_and_unfused(program, seed, f32):
    F.FUSE_MIN_BYTES, saved = 0, F.FUSE_MIN_BYTES  # (a fixture would not reset between hypothesis examples)
    try:
        _check_program(program, seed, np.float32 if f32 else np.float64)
    finally:
        F.FUSE_MIN_BYTES = saved


def _check_program(program, seed, dtype):
    rng = np.random.default_rng(seed)
    args = [_backend.asarray(rng.uniform(-1, 1, s).astype(dtype)) for s in SHAPES]
    batched = [_backend.asarray(rng.uniform(-1, 1, (2,) + s).astype(dtype)) for s in SHAPES]
    f = make(program)
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else {}
    want, g_want, v_want = f(*args), fg.grad(_scalar(f), argnums=(0, 1, 2))(*args), fg.vmap(f)(*batched)
    for passes in (DEFAULT_PASSES, ("fuse",), NO_FUSE):
        jf = fg.jit(f, passes=passes)
        _close(jf(*args), want, **tol)
        _close(jf(*args), want, **tol)  # the replay, not only the recording
        _close(fg.jit(fg.grad(_scalar(f), argnums=(0, 1, 2)), passes=passes)(*args), g_want, **tol)
        _close(fg.grad(_scalar(jf), argnums=(0, 1, 2))(*args), g_want, **tol)
        _close(fg.jit(fg.vmap(f), passes=passes)(*batched), v_want, **tol)
        _close(fg.vmap(jf)(*batched), v_want, **tol)
    if not _backend.ON_DEVICE:
        # NumPy's path runs the very ufuncs the unfused replay runs: equal to the bit
        for got, ref in zip(fg.jit(f)(*args), fg.jit(f, passes=NO_FUSE)(*args)):
            np.testing.assert_array_equal(got, ref)
    elif not F._cupy_importable():
        assert not _fused(fg.jit(f).lower(*args))  # the stand-in cannot run kernels: nothing fused


# --- what the pass does, and its switch -----------------------------------------------------------------------------
@host_only
def test_listing_shows_fused_groups_with_shapes_and_dtypes(fuse_all):
    x = np.ones((2, 3), np.float32)
    low = fg.jit(lambda x: fnp.tanh(x * 2.0) + fnp.sin(x)).lower(x)
    text = low.as_text()
    assert "fused[multiply, tanh, sin, add](v0, c" in text and ": float32[2, 3]" in text
    assert "fuse: 1 group(s) of 4 elementwise equation(s) made 1 equation(s)" in text
    assert len(low.graph.eqns) == 1


@host_only
def test_fuse_switches_off_and_leaves_shared_values_and_outputs_alone(fuse_all):
    def f(x):
        t = fnp.tanh(x)  # used twice: the end of a group, not inside one
        return fnp.exp(t) * t, fnp.cos(x * 3.0)

    x = np.linspace(-1, 1, 8)
    names_off = [e.prim.name for e in fg.jit(f, passes=NO_FUSE).lower(x).graph.eqns]
    assert not any(n.startswith("fused") for n in names_off)
    assert "fuse:" not in fg.jit(f, passes=NO_FUSE).lower(x).as_text()
    names_on = [e.prim.name for e in fg.jit(f).lower(x).graph.eqns]
    assert names_on == ["tanh", "fused[exp, multiply]", "fused[multiply, cos]"]
    # an intermediate that is an output is not fused away
    g = fg.jit(lambda x: (fnp.sin(x), fnp.exp(fnp.sin(x)) * 2.0))
    assert [e.prim.name for e in g.lower(x).graph.eqns] == ["sin", "fused[exp, multiply]"]
    _close(g(x), (np.sin(x), np.exp(np.sin(x)) * 2.0))


@host_only
def test_small_groups_stay_unfused_by_default():
    x = np.ones(10)
    low = fg.jit(lambda x: fnp.tanh(x * 2.0 + 1.0)).lower(x)
    assert not _fused(low) and "1 group(s) left unfused below 65536 bytes" in low.as_text()
    big = np.ones(F.FUSE_MIN_BYTES // 8)
    assert len(_fused(fg.jit(lambda x: fnp.tanh(x * 2.0 + 1.0)).lower(big))) == 1


@host_only
def test_long_chain_allocates_less_fused():
    def f(x):
        for _ in range(20):
            x = fnp.tanh(x * 1.01 + 0.1) * fnp.sin(x)
        return x

    x = np.linspace(-1, 1, 1 << 15)  # 256 KB
    fused, unfused = fg.jit(f, passes=("fuse",)), fg.jit(f, passes=())
    c_on, c_off = fused.lower(x).cost(), unfused.lower(x).cost()
    # one buffer per step instead of five (the step's input dies there and holds a result) ... and
    assert c_on["bytes_allocated"] * 4 < c_off["bytes_allocated"]
    assert c_on["flops"] == c_off["flops"]  # the same work
    peaks = {}
    for name, j in (("on", fused), ("off", unfused)):
        j(x)
        tracemalloc.start()
        j(x)
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks["on"] < peaks["off"]
    np.testing.assert_array_equal(fused(x), unfused(x))
    # with the in-place plan as well, fusion never allocates more than the plan alone
    assert fg.jit(f).lower(x).cost()["bytes_allocated"] <= fg.jit(f, passes=NO_FUSE).lower(x).cost()[
        "bytes_allocated"]


@host_only
def test_a_dying_input_buffer_holds_the_result_and_inputs_are_never_written(fuse_all):
    def f(a, b):
        h = a @ b  # a fresh buffer that dies in the group below
        return fnp.tanh(h * 2.0) + a[:, :1], fnp.exp(a * 0.5) - 1.0

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    a0, b0 = a.copy(), b.copy()
    low = fg.jit(f).lower(a, b)
    ops = _fused(low)
    assert [op.donate for op in ops] == [(0,), ()]  # a is the caller's: never reused
    for _ in range(2):
        _close(fg.jit(f)(a, b), f(a, b))
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


@host_only
@pytest.mark.parametrize("dtypes, want", [
    ((np.float32, np.float32), np.float32), ((np.int64, np.float64), np.float64),
    ((np.int32, np.float32), np.float64), ((np.float32, np.int8), np.float64)])  # int8 / 4.0 is float64
def test_dtype_promotion_is_numpys(fuse_all, dtypes, want):
    x = np.arange(1, 7).reshape(2, 3).astype(dtypes[0])
    y = np.arange(3).astype(dtypes[1])

    def f(x, y):
        return fnp.maximum(x * 1.5 + y, 2) - fnp.tanh(y / 4.0)

    got = fg.jit(f)(x, y)
    assert _fused(fg.jit(f).lower(x, y)) and got.dtype == want == f(x, y).dtype
    np.testing.assert_array_equal(got, f(x, y))


@host_only
def test_comparisons_and_bool_intermediates_inside_a_group(fuse_all):
    def f(x, y):
        return fnp.sum(fnp.maximum(x, y) * fnp.sin(x))

    x, y = np.array([0.0, 1.0, -2.0, np.nan]), np.array([0.5, 1.0, -3.0, 0.0])
    g = fg.jit(fg.grad(f, argnums=(0, 1)))
    assert any(any(p.name in ("greater", "equal", "less") for p, _, _ in op.members) for op in _fused(g.lower(x, y)))
    _close(g(x, y), fg.grad(f, argnums=(0, 1))(x, y))


# --- the CuPy path: kernel source, and device arrays that are not CuPy's --------------------------------------------
def _device_op(f, *args):
    """The FusedOp the pass builds for ``f``'s group, rebuilt for the device path, with the call's operands."""
    F.FUSE_MIN_BYTES, saved = 0, F.FUSE_MIN_BYTES
    try:
        low = fg.jit(f).lower(*args)
    finally:
        F.FUSE_MIN_BYTES = saved
    (eqn,) = [e for e in low.graph.eqns if isinstance(e.prim, F.FusedOp)]
    op = eqn.prim
    dev = F.FusedOp(op.members, op.n_in, op.shape, op.dtype, "device")
    operands = [low.graph.consts[i] if i in low.graph.consts else args[low.graph.inputs.index(i)]
                for i in eqn.inputs]
    arrays = [o for o in operands if F._is_array(o)]
    src = F.cuda_source(dev, [a.dtype for a in arrays], [None if F._is_array(o) else o for o in operands])
    return dev, src, operands, low


CHAINS = [
    ("tanh_chain_f32", lambda x: fnp.tanh(x * 1.01 + 0.1) * fnp.cos(x),
     (np.linspace(-2, 2, 7, dtype=np.float32),)),
    ("int_plus_float", lambda i, x: fnp.exp(i * 0.5 + x) - 1.0, (np.arange(7), np.linspace(-1, 1, 7))),
    ("nan_max_logaddexp", lambda x, y: fnp.logaddexp(fnp.maximum(x, y), fnp.minimum(x, y) * 2.0),
     (np.array([0.0, np.nan, 1.0, -np.inf, 3.0, 2.0, -1.0]), np.array([1.0, 0.0, np.nan, -np.inf, 3.0, 5.0, -4.0]))),
    ("sign_compare", lambda x: fnp.sign(x - 0.5) * (fnp.sqrt(x * x + 1.0) / 3.0),
     (np.array([0.5, 1.0, -2.0, np.nan, 0.0, 4.0, -0.5]),)),
]


@host_only
def test_kernel_source_names_typed_parameters_and_one_statement_per_member():
    dev, src, _, _ = _device_op(CHAINS[0][1], *CHAINS[0][2])
    assert src["in_params"] == "float32 x0" and src["out_params"] == "float32 out0"
    lines = src["operation"].splitlines()
    assert lines == ["const float t0 = ((float)x0) * (((float)1.01));", "const float t1 = t0 + (((float)0.1));",
                     "const float t2 = tanh(t1);", "const float t3 = cos(((float)x0));",
                     "const float t4 = t2 * t3;", "out0 = t4;"]
    assert src["name"].startswith("funcgrad_fused_") and dev.name == "fused[multiply, add, tanh, cos, multiply]"
    _, src2, _, _ = _device_op(CHAINS[1][1], *CHAINS[1][2])
    assert src2["in_params"] == "int64 x0, float64 x2" and "((double)x0) * (((double)0.5))" in src2["operation"]


_CXX = """#include <cmath>
#include <cstdio>
using namespace std;
{kernels}
int main() {{
{calls}
  return 0;
}}
"""


@host_only
@pytest.mark.skipif(shutil.which("g++") is None, reason="needs a C++ compiler to check the kernel source")
def test_kernel_source_compiles_and_computes_numpys_values(tmp_path):
    """Each kernel body, wrapped in a C++ function of its typed parameters, compiles with g++ and gives NumPy's
    values on every element (NaN, inf and ties included): the expressions and casts are right, whatever GPU."""
    kernels, calls, wants = [], [], []
    for name, f, args in CHAINS:
        dev, src, operands, _ = _device_op(f, *args)
        params = ", ".join(p.replace("float64 ", "double ").replace("float32 ", "float ").replace(
            "int64 ", "long long ") for p in src["in_params"].split(", "))
        out_t = {"float64": "double", "float32": "float"}[src["out_params"].split()[0]]
        kernels.append(f"{out_t} {name}({params}) {{\n  {out_t} out0;\n{src['operation']}\n  return out0;\n}}")
        arrays = [np.asarray(o) for o in operands if F._is_array(o)]
        n = len(arrays[0])
        for k in range(n):
            vals = ", ".join(_c_value(a[k]) for a in arrays)
            calls.append(f'  printf("%.17g\\n", (double){name}({vals}));')
        wants.append(np.asarray(f(*args), dtype=np.float64).reshape(-1))
    path = tmp_path / "kernels.cpp"
    path.write_text(_CXX.format(kernels="\n".join(kernels), calls="\n".join(calls)))
    exe = tmp_path / "kernels"
    subprocess.run(["g++", "-O0", "-std=c++17", "-Wall", "-Werror", "-Wno-unused-variable", str(path), "-o",
                    str(exe)], check=True, capture_output=True, timeout=120)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True, timeout=60).stdout.split()
    got = np.array([float(v) for v in out])
    want = np.concatenate(wants)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7, equal_nan=True)  # float32 chain included


def _c_value(v) -> str:
    v = v.item()
    if isinstance(v, float):
        if v != v:
            return "NAN"
        if v in (float("inf"), float("-inf")):
            return "INFINITY" if v > 0 else "-INFINITY"
        return repr(v)
    return f"{v}LL" if isinstance(v, int) else repr(v)


@host_only
def test_device_groups_fuse_only_where_cupy_can_run_and_run_unfused_on_other_arrays(monkeypatch):
    from funcgrad.testing import standin

    x = standin.xp.asarray(np.linspace(-1, 1, 6))
    f = lambda x: fnp.tanh(x * 2.0) + 1.0  # noqa: E731
    monkeypatch.setattr(F, "FUSE_MIN_BYTES", 0)
    monkeypatch.setattr(F, "_cupy_importable", lambda: False)
    assert not _fused(fg.jit(f).lower(x))  # no CuPy: device graphs stay as recorded
    monkeypatch.setattr(F, "_cupy_importable", lambda: True)
    jf = fg.jit(f)
    (op,) = _fused(jf.lower(x))
    assert op.device == "device"
    got = jf(x)  # stand-in arrays are not CuPy's: the members run one by one, on the stand-in
    assert type(got) is type(x)
    np.testing.assert_allclose(_backend.to_numpy(got), np.tanh(np.linspace(-1, 1, 6) * 2.0) + 1.0, rtol=1e-15)
    assert op._kernel is None  # no kernel was ever built
    g = fg.jit(fg.grad(lambda x: fnp.sum(f(x))))
    np.testing.assert_allclose(_backend.to_numpy(g(x)), 2 / np.cosh(np.linspace(-1, 1, 6) * 2.0) ** 2, rtol=1e-12)
    # CUDA's math functions take floating-point arguments: an integer absolute value is no kernel member
    i = standin.xp.asarray(np.arange(-3, 3))
    h = fg.jit(lambda i: fnp.absolute(i * 2) - 1)
    assert not _fused(h.lower(i))
    np.testing.assert_array_equal(_backend.to_numpy(h(i)), np.abs(np.arange(-3, 3) * 2) - 1)


@host_only
def test_export_stores_the_unfused_program(tmp_path, fuse_all):
    pytest.importorskip("safetensors")
    x = np.linspace(-1, 1, 8)
    ex = fg.export(lambda x: fnp.tanh(x * 2.0) + 1.0, x)
    ex.save(os.fspath(tmp_path / "p"))
    _close(fg.load_exported(os.fspath(tmp_path / "p")).call(x), np.tanh(x * 2.0) + 1.0)
