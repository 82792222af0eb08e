"""funcgrad.export: round trips through save/load equal eager results; every corrupt file is refused before it runs."""
import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.nn.functional as F
from funcgrad.core import primitive, registry

pytest.importorskip("safetensors")  # the constants file (a test extra)
RNG = np.random.default_rng(0)


def _mlp_loss(params, x, y):
    (w1, b1), (w2, b2) = params
    h = F.relu(F.linear(x, w1, b1))
    return F.cross_entropy(F.linear(h, w2, b2), y)


def _mlp_args():
    params = [(RNG.standard_normal((8, 5)), RNG.standard_normal(8)), (RNG.standard_normal((3, 8)), np.zeros(3))]
    return params, RNG.standard_normal((4, 5)), np.array([0, 2, 1, 2])


def _sliced(x):
    # slices, Ellipsis, tuples, a closed-over array constant, dict output, an inf
    c = np.arange(3.0)
    return {"a": fnp.sum(x[1:, ..., ::2] * c[:2], axis=(0,)), "b": (fnp.maximum(x, -np.inf), None)}


PROGRAMS = {
    "tanh_chain": (lambda x: fnp.tanh(fnp.sin(x) * 2.0 + 1.0), lambda: (RNG.standard_normal((3, 4)),)),
    "grad": (fg.grad(lambda x: fnp.sum(fnp.tanh(x) ** 2)), lambda: (RNG.standard_normal(5),)),
    "sliced": (_sliced, lambda: (RNG.standard_normal((3, 2, 4)),)),
    "mlp_loss": (_mlp_loss, _mlp_args),
    "mlp_grad": (fg.grad(_mlp_loss), _mlp_args),
    "float32": (lambda x: fnp.exp(x).astype(np.float32) @ x.T.astype(np.float32),
                lambda: (RNG.standard_normal((2, 3)),)),
}


def _assert_tree_close(a, b):
    la, ta = fg.tree.flatten(a)
    lb, tb = fg.tree.flatten(b)
    assert ta == tb
    for x, y in zip(la, lb):
        if x is None:
            assert y is None
            continue
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_round_trip_equals_eager(name, tmp_path):
    f, make = PROGRAMS[name]
    args = make()
    exp = fg.export(f, *args)
    _assert_tree_close(exp.call(*args), f(*args))
    exp.save(tmp_path / name)
    loaded = fg.load_exported(tmp_path / name)
    fresh = make()  # new values, same shapes: the graph is not tied to the example's values
    _assert_tree_close(loaded.call(*fresh), f(*fresh))


def test_runs_without_the_source_function(tmp_path):
    def private_fn(x):
        return fnp.sum(fnp.cos(x) * x)
    x = RNG.standard_normal(4)
    want = fg.grad(private_fn)(x)
    fg.export(fg.grad(private_fn), x).save(tmp_path / "p")
    del private_fn
    np.save(tmp_path / "x.npy", x)
    code = ("import numpy as np, funcgrad, sys; d = sys.argv[1]; "
            "print(repr(funcgrad.load_exported(d + '/p').call(np.load(d + '/x.npy')).tolist()))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(fg.__file__))))
    assert out.returncode == 0, out.stderr
    np.testing.assert_allclose(np.array(eval(out.stdout)), want, rtol=1e-13)


def test_load_uses_no_pickle(tmp_path, monkeypatch):
    f, make = PROGRAMS["mlp_grad"]
    args = make()
    fg.export(f, *args).save(tmp_path / "m")

    def refuse(*a, **k):
        raise AssertionError("pickle used")
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(np, "load", refuse)  # allow_pickle paths of NumPy's own format are not used either
    _assert_tree_close(fg.load_exported(tmp_path / "m").call(*args), f(*args))


def test_call_checks_structure_shape_and_dtype():
    exp = fg.export(lambda a, b: a * b, np.ones(3), np.ones(3))
    with pytest.raises(fg.ExportError, match="structure"):
        exp.call(np.ones(3))
    with pytest.raises(fg.ExportError, match=r"float64\[4\].*exported for float64\[3\]"):
        exp.call(np.ones(3), np.ones(4))
    with pytest.raises(fg.ExportError, match=r"float32\[3\]"):
        exp.call(np.ones(3), np.ones(3, np.float32))


# --- dynamic shapes ---------------------------------------------------------------------------------------------
def _mean_loss(w, x):
    return fnp.mean(fnp.tanh(x @ w) ** 2)


DYNAMIC = {
    # name: (function, example args, dynamic_shapes, args at other sizes)
    "mlp_grad": (fg.value_and_grad(_mlp_loss), _mlp_args(), (None, {0: "batch"}, {0: "batch"}),
                 lambda n: (_mlp_args()[0], RNG.standard_normal((n, 5)), RNG.integers(0, 3, n))),
    "mean_grad": (fg.grad(_mean_loss), (RNG.standard_normal((3, 2)), RNG.standard_normal((4, 3))),
                  (None, {0: "b"}), lambda n: (RNG.standard_normal((3, 2)), RNG.standard_normal((n, 3)))),
    "two_sizes": (lambda x, y: (x[:, None, :] * y[None, :, :1]).reshape(-1, 2), (np.ones((2, 2)), np.ones((3, 4))),
                  ({0: "n"}, {0: "m"}), lambda n: (RNG.standard_normal((n, 2)), RNG.standard_normal((n + 2, 4)))),
    "shape_literal": (lambda x: (fnp.sum(x, axis=0), x.shape[0] * 2 + 1), (np.ones((3, 2)),), ({0: "n"},),
                      lambda n: (RNG.standard_normal((n, 2)),)),
}


@pytest.mark.parametrize("name", sorted(DYNAMIC))
def test_dynamic_shapes_call_and_round_trip(name, tmp_path):
    f, args, spec, other = DYNAMIC[name]
    exp = fg.export(f, *args, dynamic_shapes=spec)
    _assert_tree_close(exp.call(*args), f(*args))
    exp.save(tmp_path / name)
    loaded = fg.load_exported(tmp_path / name)
    for n in (1, 5, 12):
        fresh = other(n)
        want = f(*fresh)
        _assert_tree_close(exp.call(*fresh), want)
        _assert_tree_close(loaded.call(*fresh), want)
    assert loaded.dynamic == exp.dynamic


def test_dynamic_size_one_in_the_example():
    # recorded at 2 (a recording at 1 could not tell the size from a constant), callable at 1 and beyond
    f = fg.value_and_grad(_mlp_loss)
    params, x, y = _mlp_args()
    exp = fg.export(f, params, x[:1], y[:1], dynamic_shapes=(None, {0: "batch"}, {0: "batch"}))
    for n in (1, 3):
        _assert_tree_close(exp.call(params, x[:n], y[:n]), f(params, x[:n], y[:n]))


def test_dynamic_shapes_still_check_static_axes_and_equal_names():
    exp = fg.export(lambda a, b: a + b, np.ones((3, 2)), np.ones((3, 2)), dynamic_shapes=({0: "n"}, {0: "n"}))
    assert exp.call(np.ones((5, 2)), np.ones((5, 2))).shape == (5, 2)
    with pytest.raises(fg.ExportError, match=r"float64\[5, 3\].*exported for float64\[n, 2\]"):
        exp.call(np.ones((5, 3)), np.ones((5, 3)))
    with pytest.raises(fg.ExportError, match="'n' is 5 on one argument and 4"):
        exp.call(np.ones((5, 2)), np.ones((4, 2)))


def test_dynamic_shapes_refuse_what_is_not_affine():
    with pytest.raises(fg.ExportError, match=r"parameter 'idx' of primitive 'getitem' \(equation 0\) is not an "
                                             r"affine function of the dynamic sizes \['n'\]"):
        fg.export(lambda x: x[: x.shape[0] // 2] * 2.0, np.ones(4), dynamic_shapes=({0: "n"},))
    with pytest.raises(fg.ExportError, match=r"constant v\d+, used by primitive 'add'.*changes with the dynamic"):
        fg.export(lambda x: x + np.arange(x.shape[0]), np.ones(3), dynamic_shapes=({0: "n"},))


def test_dynamic_shapes_spec_errors():
    x = np.ones((3, 2))
    for spec, pattern in [({0: "n"}, "one entry per positional argument"), (({2: "n"},), "axis 2"),
                          (({0: "not a name"},), "identifier"), (([{0: "n"}],), "does not fit"),
                          (({1: "n"},), "at least 1")]:
        with pytest.raises(fg.ExportError, match=pattern):
            fg.export(lambda a: a * 2.0, x if pattern != "at least 1" else np.ones((3, 0)), dynamic_shapes=spec)
    with pytest.raises(fg.ExportError, match="'n' is 3 on one axis and 2"):
        fg.export(lambda a: a * 2.0, x, dynamic_shapes=({0: "n", 1: "n"},))


def test_dynamic_file_is_validated(tmp_path):
    d = tmp_path / "dyn"
    fg.export(lambda a: a * 2.0, np.ones((3, 2)), dynamic_shapes=({0: "n"},)).save(d)
    doc = json.loads((d / "graph.json").read_text())
    assert doc["version"] == 2 and doc["dynamic"] == [[0, 0, "n"]]
    _edit_json(d, lambda doc: doc.update(dynamic=[[0, 1, "n"]]))
    _load_fails(d, "dynamic axis")
    _edit_json(d, lambda doc: doc.update(dynamic=[]))
    _load_fails(d, "names a size that no input has")


def test_custom_vjp_is_refused_at_export():
    @fg.custom_vjp
    def clip_gradient(x):
        return x * 1.0
    clip_gradient.defvjp(lambda x: (x * 1.0, None), lambda res, g: (fnp.clip(g, -1.0, 1.0),))
    with pytest.raises(fg.ExportError, match="clip_gradient.*not a registered primitive"):
        fg.export(lambda x: fnp.sin(clip_gradient(x)), np.ones(2))


def test_unknown_static_param_kind_is_refused_at_export():
    @primitive("export_test_apply")
    def apply(x, fn=None):
        return fn(x)
    try:
        with pytest.raises(fg.ExportError, match="'fn' of primitive 'export_test_apply'.*function"):
            fg.export(lambda x: apply(x, fn=np.sin), np.ones(2))
    finally:
        del registry["export_test_apply"]


# --- validation on load ---------------------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    # a closed-over array constant, so that the safetensors file has a payload to corrupt
    w = RNG.standard_normal((3, 3))
    d = tmp_path / "s"
    fg.export(fg.grad(lambda x: fnp.sum(fnp.tanh(x @ w))), np.ones((2, 3))).save(d)
    return d


def _edit_json(d, change):
    p = d / "graph.json"
    doc = json.loads(p.read_text())
    change(doc)
    p.write_text(json.dumps(doc))


def _load_fails(d, pattern):
    with pytest.raises(fg.ExportError, match=pattern) as info:
        fg.load_exported(d)
    assert isinstance(info.value, ValueError)


def test_saved_fixture_loads(saved):
    assert fg.load_exported(saved).call(np.ones((2, 3))).shape == (2, 3)


def test_unknown_format_and_version(saved):
    _edit_json(saved, lambda d: d.update(version=99))
    _load_fails(saved, "version 99")
    _edit_json(saved, lambda d: d.update(version=1, format="onnx"))
    _load_fails(saved, "unknown format 'onnx'")


def test_unknown_primitive(saved):
    _edit_json(saved, lambda d: d["eqns"][0].update(prim="not_a_primitive"))
    _load_fails(saved, "'not_a_primitive'.*not a registered primitive")


def test_truncated_and_corrupt_json(saved):
    p = saved / "graph.json"
    text = p.read_bytes()
    p.write_bytes(text[: len(text) // 2])
    _load_fails(saved, "graph.json is truncated or corrupt")
    flipped = bytearray(text)
    flipped[0] ^= 0xFF
    p.write_bytes(bytes(flipped))
    _load_fails(saved, "graph.json is truncated or corrupt")


def test_truncated_and_corrupt_safetensors(saved):
    p = saved / "consts.safetensors"
    data = p.read_bytes()
    p.write_bytes(data[:-5])
    _load_fails(saved, "consts.safetensors is truncated or corrupt")
    flipped = bytearray(data)
    flipped[3] ^= 0x7F  # the header length
    p.write_bytes(bytes(flipped))
    _load_fails(saved, "consts.safetensors is truncated or corrupt")


def test_value_used_before_defined(saved):
    def swap(doc):
        doc["eqns"][0], doc["eqns"][-1] = doc["eqns"][-1], doc["eqns"][0]
    _edit_json(saved, swap)
    _load_fails(saved, "uses value v\\d+ before it is defined")


def test_constant_shape_or_dtype_disagrees(saved):
    def change(doc):
        k = next(k for k, c in doc["consts"].items() if "array" in c)
        doc["avals"][k] = [[4, 4], "<f8"]
    _edit_json(saved, change)
    _load_fails(saved, r"constant v\d+ is float64\[3, 3\].*graph says float64\[4, 4\]")


def test_missing_constant(saved):
    def change(doc):
        k = next(k for k, c in doc["consts"].items() if "array" in c)
        doc["consts"][k]["array"] = "c_missing"
    _edit_json(saved, change)
    _load_fails(saved, "c_missing.*missing from consts.safetensors")
    os.remove(saved / "consts.safetensors")
    _load_fails(saved, "consts.safetensors is missing")


def test_static_value_encoding_round_trips():
    from funcgrad.jit.export import _dec, _enc
    values = [None, True, 3, -2.5, float("inf"), "same", [1, (2, 3)], (), np.dtype(np.float32), np.int64,
              slice(None, 5, -1), Ellipsis, np.float32(1.5), (slice(1, None), Ellipsis, None)]
    for v in values:
        back = _dec(json.loads(json.dumps(_enc(v, "v"), allow_nan=False)), "v")
        want = np.dtype(v) if v is np.int64 else v
        assert back == want and type(back) is type(want), (v, back)
    nan = _dec(json.loads(json.dumps(_enc(float("nan"), "v"), allow_nan=False)), "v")
    assert type(nan) is float and nan != nan
    with pytest.raises(fg.ExportError, match="'p' of primitive 'q'.*dict"):
        _enc({"a": 1}, "parameter 'p' of primitive 'q'")
