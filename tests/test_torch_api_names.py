"""Names PyTorch programs use at torch's paths, with torch's semantics (checked against torch where installed):
inference_mode, Size, dtype objects and finfo/iinfo, legacy typed constructors and Tensor.type, thread and print
settings, determinism flags, logspace, testing.assert_close / make_tensor, autocast and GradScaler, and the rest of
torch.linalg (cross, lstsq, matrix_exp, cond, matrix_rank)."""
import pickle
import warnings

import numpy as np
import pytest

import funcgrad as torch  # the point of this module
import funcgrad.numpy as fnp


def _torch():
    return pytest.importorskip("torch")


# --- inference_mode -------------------------------------------------------------------------------------------
def test_inference_mode_as_context_and_decorators():
    x = torch.ones(2, requires_grad=True)
    assert not torch.is_inference_mode_enabled()
    with torch.inference_mode():
        assert torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
        assert not (x * 2).requires_grad
        with torch.inference_mode(False):  # clears the mark, leaves grad mode alone (as torch)
            assert not torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()

    @torch.inference_mode()
    def called(t):
        return (t * 2).requires_grad, torch.is_inference_mode_enabled()

    @torch.inference_mode
    def bare(t):
        return (t * 2).requires_grad

    assert called(x) == (False, True) and bare(x) is False and (x * 2).requires_grad


# --- Size -----------------------------------------------------------------------------------------------------
def test_size_is_a_tuple_with_numel_and_torchs_repr():
    x = torch.zeros(2, 3)
    s = x.shape
    assert isinstance(s, torch.Size) and isinstance(x.size(), torch.Size) and s == (2, 3) and s == x.size()
    assert repr(s) == "torch.Size([2, 3])" and repr(torch.Size([])) == "torch.Size([])"
    assert str(s) == f"{s}" == "(2, 3)"  # str stays the tuple's: funcgrad's messages format shapes with it
    assert s.numel() == 6 and torch.Size([]).numel() == 1
    assert type(s[1:]) is torch.Size and type(s + (4,)) is torch.Size and type((1,) + s) is torch.Size
    assert type(x.size(1)) is int and x.size(-1) == 3 and hash(s) == hash((2, 3))
    assert pickle.loads(pickle.dumps(s)) == s and np.zeros(s).shape == (2, 3)
    assert torch.zeros(s).shape == (2, 3) and x.view(s[0], -1).shape == (2, 3)


def test_size_reprs_match_torch():
    t = _torch()
    for shape in [(), (2,), (2, 3, 4)]:
        assert repr(torch.zeros(shape).shape) == repr(t.zeros(shape).shape)


# --- dtypes ---------------------------------------------------------------------------------------------------
NAMES = ["float16", "float32", "float64", "complex64", "complex128", "uint8", "int8", "int16", "int32", "int64",
         "bool"]


@pytest.mark.parametrize("name", NAMES)
def test_dtype_attributes_and_str_match_torch(name):
    t = _torch()
    ours, theirs = getattr(torch, name), getattr(t, name)
    assert str(ours) == str(theirs) == repr(ours)
    for attr in ("is_floating_point", "is_complex", "is_signed", "itemsize"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


def test_dtypes_still_behave_as_numpy_dtypes():
    f = torch.float32
    assert f == np.float32 and f == np.dtype("float32") and np.dtype("float32") == f and f != torch.float64
    assert {np.dtype("float32"): 1}[f] == 1 and hash(f) == hash(np.dtype("float32"))
    assert np.zeros(2, dtype=f).dtype == np.float32 and np.dtype(f) == np.float32 and f.kind == "f"
    assert torch.ones(2).dtype is torch.float32 and torch.tensor([1]).dtype is torch.int64
    assert torch.float is torch.float32 and torch.long is torch.int64 and torch.get_default_dtype() is torch.float32
    assert torch.ones(2).dtype.is_floating_point and not torch.tensor([1]).dtype.is_floating_point
    assert pickle.loads(pickle.dumps(f)) is f and str(torch.ones(2, dtype=torch.float64).dtype) == "torch.float64"
    assert "dtype=torch.float64" in repr(torch.ones(2, dtype=torch.float64))
    assert fnp.sum(torch.ones(2), dtype=torch.float64).dtype == np.float64


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_matches_torch(name):
    t = _torch()
    ours, theirs = torch.finfo(getattr(torch, name)), t.finfo(getattr(t, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert repr(ours) == repr(theirs)
    assert torch.finfo().dtype == "float32" and torch.finfo(torch.complex64).dtype == "float32"


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    t = _torch()
    ours, theirs = torch.iinfo(getattr(torch, name)), t.iinfo(getattr(t, name))
    assert (ours.bits, ours.max, ours.min, ours.dtype) == (theirs.bits, theirs.max, theirs.min, theirs.dtype)
    with pytest.raises(TypeError):
        torch.iinfo(torch.float32)
    with pytest.raises(TypeError):
        torch.finfo(torch.int32)


# --- legacy constructors, Tensor.type, is_cuda ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor"])
def test_legacy_constructors_match_torch(name):
    t = _torch()
    ours, theirs = getattr(torch, name), getattr(t, name)
    for args in [(2, 3), (torch.Size([4]),), ()]:
        targs = tuple(t.Size(a) if isinstance(a, torch.Size) else a for a in args)
        a, b = ours(*args), theirs(*targs)
        assert a.shape == tuple(b.shape) and str(a.dtype) == str(b.dtype)
    for data in ([1, 0, 2], [[1.5, 0.0]], (2, 3)):
        a, b = ours(data), theirs(data)
        assert str(a.dtype) == str(b.dtype)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert isinstance(ours([1]), ours) and ours([1]).type() == theirs([1]).type()


def test_type_and_is_cuda():
    x = torch.ones(2)
    assert x.type() == "torch.FloatTensor" and torch.tensor([1]).type() == "torch.LongTensor"
    assert x.type(torch.float32) is x and x.type(torch.float64).dtype == torch.float64
    assert x.type("torch.IntTensor").dtype == torch.int32 and x.type(torch.BoolTensor).dtype == torch.bool
    assert not x.is_cuda and x.is_cpu
    assert not isinstance(torch.ones(2, dtype=torch.float64), torch.FloatTensor)


# --- settings -------------------------------------------------------------------------------------------------
def test_num_threads_are_set_and_read_back():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert torch.get_num_threads() == 1
        tpc = pytest.importorskip("threadpoolctl")
        blas = [p["num_threads"] for p in tpc.threadpool_info() if p.get("user_api") == "blas"]
        assert all(n == 1 for n in blas)
        with pytest.raises(RuntimeError):
            torch.set_num_threads(0)
    finally:
        torch.set_num_threads(before)


def test_printoptions_match_torch():
    t = _torch()
    cases = [dict(precision=2), dict(sci_mode=True), dict(precision=6, sci_mode=False), dict(profile="short"),
             dict(threshold=5, edgeitems=2)]
    data = [[1.23456789, 100.5], [1.0, 2.0], [1e-6, 1.0], [i + 0.5 for i in range(10)]]
    try:
        for opts in cases:
            torch.set_printoptions(**opts)
            t.set_printoptions(**opts)
            for d in data:
                ours, theirs = repr(torch.tensor(d)), repr(t.tensor(d))
                # line breaks (NumPy's default width 75, torch's 80) and the summary's spacing are NumPy's; the
                # numbers shown, their format and precision, are torch's
                ours, theirs = "".join(ours.split()), "".join(theirs.split())
                assert ours == theirs, (opts, d)
    finally:
        torch.set_printoptions(profile="default")
        t.set_printoptions(profile="default")
    assert repr(torch.tensor([1.5, 2.25])) == "tensor([1.5000, 2.2500])"


def test_deterministic_flags_are_recorded():
    try:
        torch.use_deterministic_algorithms(True, warn_only=True)
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.use_deterministic_algorithms(False)
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("args,kw", [((0, 2, 5), {}), ((0, 3, 4), {"base": 2.0}), ((-1, 1, 3), {"dtype": "float64"}),
                                     ((0, 3, 4), {"dtype": "int64"}), ((1, 1, 1), {})])
def test_logspace_matches_torch(args, kw):
    t = _torch()
    tkw = dict(kw, dtype=getattr(t, kw["dtype"])) if "dtype" in kw else kw
    fkw = dict(kw, dtype=getattr(torch, kw["dtype"])) if "dtype" in kw else kw
    a, b = torch.logspace(*args, **fkw), t.logspace(*args, **tkw)
    assert str(a.dtype) == str(b.dtype)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


# --- torch.testing ----------------------------------------------------------------------------------------------
def test_assert_close_defaults_and_messages_match_torch():
    t = _torch()
    pairs = [([1.0, 2.0], [1.0, 2.0 + 1e-6], "float32"), ([1.0, 2.0], [1.0, 2.1], "float32"),
             ([1.0], [1.0 + 1e-8], "float64"), ([1.0], [1.0 + 1e-6], "float64"), ([1.0], [1.0005], "float16"),
             ([1, 2], [1, 3], "int64")]
    for a, b, name in pairs:
        outcomes = []
        for lib in (torch, t):
            dt = getattr(lib, name)
            try:
                lib.testing.assert_close(lib.tensor(a, dtype=dt), lib.tensor(b, dtype=dt))
                outcomes.append(None)
            except AssertionError as e:
                outcomes.append(str(e).split("\n")[0])
        assert outcomes[0] == outcomes[1], (a, b, name, outcomes)
    with pytest.raises(AssertionError) as ours:
        torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1]))
    with pytest.raises(AssertionError) as theirs:
        t.testing.assert_close(t.tensor([1.0, 2.0]), t.tensor([1.0, 2.1]))
    assert str(ours.value) == str(theirs.value)


def test_assert_close_options():
    nan = float("nan")
    with pytest.raises(AssertionError, match="not close"):
        torch.testing.assert_close(torch.tensor([nan]), torch.tensor([nan]))
    torch.testing.assert_close(torch.tensor([nan]), torch.tensor([nan]), equal_nan=True)
    with pytest.raises(AssertionError, match="'dtype' do not match: torch.float32 != torch.float64"):
        torch.testing.assert_close(torch.ones(2), torch.ones(2, dtype=torch.float64))
    torch.testing.assert_close(torch.ones(2), torch.ones(2, dtype=torch.float64), check_dtype=False)
    with pytest.raises(AssertionError, match=r"'shape' do not match: torch.Size\(\[2\]\) != torch.Size\(\[3\]\)"):
        torch.testing.assert_close(torch.ones(2), torch.ones(3))
    torch.testing.assert_close(torch.ones(2), torch.ones(2) + 0.01, rtol=0.0, atol=0.02)
    with pytest.raises(ValueError):
        torch.testing.assert_close(torch.ones(2), torch.ones(2), rtol=0.1)
    torch.testing.assert_close({"a": [torch.ones(1), 2.0]}, {"a": [torch.ones(1), 2.0]})
    with pytest.raises(AssertionError, match="custom"):
        torch.testing.assert_close(torch.ones(1), torch.zeros(1), msg="custom")
    x = torch.ones(2, requires_grad=True)
    torch.testing.assert_close(x * 1, x)  # tensors that require grad are compared by value


def test_make_tensor_ranges_and_seeding():
    torch.manual_seed(0)
    a = torch.testing.make_tensor(3, 4, dtype=torch.float32, low=-1, high=1)
    torch.manual_seed(0)
    b = torch.testing.make_tensor((3, 4), dtype=torch.float32, low=-1, high=1)
    assert a.shape == (3, 4) and a.dtype == torch.float32 and bool((a == b).all())
    assert bool(((a >= -1) & (a < 1)).all())
    i = torch.testing.make_tensor(100, dtype=torch.int64, low=0, high=3, exclude_zero=True)
    assert set(i.tolist()) <= {1, 2} and i.dtype == torch.int64
    assert torch.testing.make_tensor(2, dtype=torch.bool).dtype == torch.bool
    assert torch.testing.make_tensor(2, dtype=torch.float64, requires_grad=True).requires_grad


# --- autocast and GradScaler ------------------------------------------------------------------------------------
def test_autocast_accepts_the_context_and_casts_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autocast("cpu"):
            assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.float32
        with torch.amp.autocast(device_type="cuda", dtype=torch.float16, enabled=False):
            pass

        @torch.autocast("cpu", dtype=torch.bfloat16 if hasattr(torch, "bfloat16") else None)
        def f(x):
            return x * 2
        assert f(torch.ones(1)).dtype == torch.float32
    with pytest.raises(RuntimeError):
        torch.autocast("tpu")


def test_grad_scaler_disabled_and_cuda_without_gpu():
    w = torch.tensor([1.0], requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.5)
    if not torch.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            s = torch.cuda.amp.GradScaler()
        assert not s.is_enabled() and s.state_dict() == {}
    s = torch.amp.GradScaler("cpu", enabled=False)
    loss = (w * 3).sum()
    assert s.scale(loss) is loss
    loss.backward()
    s.step(opt)
    s.update()
    assert w.item() == pytest.approx(-0.5) and s.get_scale() == 1.0


def test_grad_scaler_scales_skips_infinite_steps_and_adjusts_the_scale():
    w = torch.tensor([1.0], requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    s = torch.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)
    for _ in range(2):
        opt.zero_grad()
        s.scale((w * 2).sum()).backward()
        assert w.grad.item() == pytest.approx(2 * s.get_scale())
        s.step(opt)
        s.update()
    assert w.item() == pytest.approx(1.0 - 2 * 0.1 * 2) and s.get_scale() == 8.0
    opt.zero_grad()
    s.scale((w * float("inf")).sum()).backward()
    before = w.item()
    s.step(opt)
    s.update()
    assert w.item() == before and s.get_scale() == 4.0
    state = s.state_dict()
    s2 = torch.amp.GradScaler("cpu")
    s2.load_state_dict(state)
    assert s2.get_scale() == 4.0 and set(state) == {"scale", "growth_factor", "backoff_factor", "growth_interval",
                                                    "_growth_tracker"}


# --- torch.linalg -----------------------------------------------------------------------------------------------
def _parity(fn, *arrays, rtol=1e-9):
    t = _torch()
    tx = [t.tensor(a, requires_grad=True) for a in arrays]
    fx = [torch.tensor(a, requires_grad=True) for a in arrays]
    ty, fy = fn(t, *tx), fn(torch, *fx)
    np.testing.assert_allclose(fy.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=1e-10)
    w = np.random.default_rng(0).standard_normal(tuple(ty.shape))
    (ty * t.tensor(w)).sum().backward()
    (fy * torch.tensor(w)).sum().backward()
    for a, b in zip(fx, tx):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-9)


RNG = np.random.default_rng(3)
SQ = RNG.standard_normal((2, 3, 3))


@pytest.mark.parametrize("name,fn,arrays", [
    ("cross", lambda L, a, b: L.linalg.cross(a, b), [RNG.standard_normal((4, 3)), RNG.standard_normal((1, 3))]),
    ("cross_dim", lambda L, a, b: L.linalg.cross(a, b, dim=0), [RNG.standard_normal((3, 2)),
                                                                RNG.standard_normal((3, 2))]),
    ("matrix_exp", lambda L, a: L.linalg.matrix_exp(a), [SQ * 0.5]),
    ("matrix_exp_top", lambda L, a: L.matrix_exp(a), [SQ[0]]),
    ("cond", lambda L, a: L.linalg.cond(a), [SQ]),
    ("cond_m2", lambda L, a: L.linalg.cond(a, -2), [SQ]),
    ("lstsq", lambda L, a, b: L.linalg.lstsq(a, b).solution, [RNG.standard_normal((2, 5, 3)),
                                                              RNG.standard_normal((2, 5, 2))]),
    ("lstsq_vector", lambda L, a, b: L.linalg.lstsq(a, b).solution, [RNG.standard_normal((5, 3)),
                                                                     RNG.standard_normal(5)]),
], ids=lambda x: x if isinstance(x, str) else "")
def test_linalg_extras_match_torch(name, fn, arrays):
    _parity(fn, *arrays)


@pytest.mark.parametrize("p", ["fro", "nuc", 1, -1, float("inf")])
def test_cond_in_other_norms_matches_torch_and_finite_differences(p):
    """torch's own backward fails for these norms (an in-place write into inv's output), so the gradient is
    checked against finite differences."""
    t = _torch()
    np.testing.assert_allclose(torch.linalg.cond(torch.tensor(SQ), p).numpy(), t.linalg.cond(t.tensor(SQ), p).numpy(),
                               rtol=1e-9)
    x = torch.tensor(SQ, requires_grad=True)
    torch.linalg.cond(x, p).sum().backward()
    v = np.random.default_rng(1).standard_normal(SQ.shape)
    f = lambda a: torch.linalg.cond(torch.tensor(a), p).sum().item()  # noqa: E731
    fd = (f(SQ + 1e-6 * v) - f(SQ - 1e-6 * v)) / 2e-6
    assert np.sum(x.grad.numpy() * v) == pytest.approx(fd, rel=1e-5)


def test_lstsq_fields_and_matrix_rank_match_torch():
    t = _torch()
    A, B = RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 5, 2))
    for driver in (None, "gelsd"):
        ours = torch.linalg.lstsq(torch.tensor(A), torch.tensor(B), driver=driver)
        theirs = t.linalg.lstsq(t.tensor(A), t.tensor(B), driver=driver)
        assert type(ours).__name__ == "linalg_lstsq" and ours._fields == ("solution", "residuals", "rank",
                                                                        "singular_values")
        for a, b in zip(ours, theirs):
            assert a.shape == tuple(b.shape) and str(a.dtype) == str(b.dtype)
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-10)
    low = RNG.standard_normal((2, 4, 2)) @ RNG.standard_normal((2, 2, 5))
    for kw in ({}, {"atol": 1.0}, {"rtol": 0.5}, {"hermitian": False}):
        assert torch.linalg.matrix_rank(torch.tensor(low), **kw).tolist() == \
            t.linalg.matrix_rank(t.tensor(low), **kw).tolist()
    sym = low @ np.swapaxes(low, -1, -2)
    assert torch.linalg.matrix_rank(torch.tensor(sym), hermitian=True).tolist() == [2, 2]
