"""funcgrad.compile (torch.compile) and funcgrad.jit on the Tensor face: training equal to eager, one Python run per
signature, retracing, train/eval, BatchNorm's buffers, dropout's draws, graph breaks, memory, and the export of a
module's forward and backward."""
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import nn
from funcgrad.compiler import GraphBreakWarning, OptimizedModule, export_module
from funcgrad.compiler.export import module_state
from funcgrad.func import functional_call
from memory import growth

F = nn.functional


@pytest.fixture(autouse=True)
def float64():
    prev = fg.get_default_dtype()
    fg.set_default_dtype(np.float64)
    yield
    fg.set_default_dtype(prev)


class Counted(nn.Module):
    """Wraps a module and counts how often its Python forward runs."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.inner(x)


def mlp(seed=0, dropout=0.0, bn=False):
    fg.manual_seed(seed)
    layers = [nn.Linear(8, 16), nn.ReLU()]
    if bn:
        layers.append(nn.BatchNorm1d(16))
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(16, 3))
    return Counted(nn.Sequential(*layers))


def cnn(seed=0):
    fg.manual_seed(seed)
    return Counted(nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Linear(4 * 3 * 3, 5)))


def data(shape, classes, n=None, seed=1):
    rng = np.random.default_rng(seed)
    return fg.tensor(rng.standard_normal(shape)), fg.tensor(rng.integers(0, classes, shape[0]))


def train(model, x, y, opt_cls, steps=5, seed=7, **opt_kw):
    opt = opt_cls(model.parameters(), **opt_kw)
    fg.manual_seed(seed)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    return losses


def assert_same_state(a, b, rtol=1e-6):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        np.testing.assert_allclose(sa[k].numpy(), sb[k].numpy(), rtol=rtol, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("opt_cls,kw", [(fg.optim.SGD, {"lr": 0.1, "momentum": 0.9}), (fg.optim.Adam, {"lr": 0.01})])
@pytest.mark.parametrize("make,shape,classes", [(mlp, (10, 8), 3), (cnn, (6, 1, 8, 8), 5)], ids=["mlp", "cnn"])
def test_training_matches_eager_and_the_forward_python_runs_once(make, shape, classes, opt_cls, kw):
    x, y = data(shape, classes)
    eager, inner = make(), make()
    compiled = fg.compile(inner)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no graph break
        lc = train(compiled, x, y, opt_cls, **kw)
    le = train(eager, x, y, opt_cls, **kw)
    np.testing.assert_allclose(lc, le, rtol=1e-6)
    assert_same_state(eager, inner)
    assert inner.calls == 1 and eager.calls == 5  # recorded once, replayed four times
    assert compiled._compiled.traces == 1


def test_backward_is_the_recorded_graph_and_matches_finite_differences():
    w = fg.tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)

    @fg.compile
    def f(x):
        return (fg.tanh(x @ w) ** 2).sum() / 3.0

    x = np.random.default_rng(1).standard_normal((4, 3))
    out = f(fg.tensor(x))
    assert type(out.grad_fn).__name__ == "_GradFn" and out.grad_fn.name() == "CompiledFunctionBackward"
    out.backward()
    cap = f.graphs()[0]
    assert cap.bwd_graph is not None and len(cap.bwd_graph.eqns) > 0 and cap.n_res > 0
    w0 = w.detach().numpy()

    def loss(wv):
        return np.sum(np.tanh(x @ wv) ** 2) / 3.0

    eps, fd = 1e-6, np.zeros_like(w0)
    for i in np.ndindex(w0.shape):
        e = np.zeros_like(w0)
        e[i] = eps
        fd[i] = (loss(w0 + e) - loss(w0 - e)) / (2 * eps)
    np.testing.assert_allclose(w.grad.numpy(), fd, rtol=1e-6, atol=1e-9)
    assert "backward" in cap.listing() and "forward" in cap.listing()


def test_new_batch_shape_retraces_and_same_shape_does_not():
    inner = mlp()
    m = fg.compile(inner)
    for n in (4, 4, 6, 6, 4):
        x, _ = data((n, 8), 3)
        np.testing.assert_allclose(m(x).detach().numpy(), inner.inner(x).detach().numpy(), rtol=1e-12)
    assert inner.calls == 2


def test_eval_and_train_switch_and_no_grad_reuses_the_graph():
    inner = mlp(dropout=0.5)
    m = fg.compile(inner)
    x, _ = data((5, 8), 3)
    m.eval()
    assert not inner.training  # train()/eval() reach the original
    ref = inner.inner(x).detach().numpy()
    np.testing.assert_allclose(m(x).detach().numpy(), ref, rtol=1e-12)
    with fg.no_grad():
        out = m(x)
    assert not out.requires_grad  # the same graph, without its backward
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    assert inner.calls == 1
    m.train()
    m(x)
    assert inner.calls == 2  # a mode switch is a new signature


def test_batchnorm_running_statistics_train_and_eval_match_eager():
    x, y = data((10, 8), 3)
    eager, inner = mlp(bn=True), mlp(bn=True)
    compiled = fg.compile(inner)
    le = train(eager, x, y, fg.optim.SGD, steps=4, lr=0.1)
    lc = train(compiled, x, y, fg.optim.SGD, steps=4, lr=0.1)
    np.testing.assert_allclose(lc, le, rtol=1e-6)
    bn = inner.inner[2]
    assert int(bn.num_batches_tracked) == 4
    assert not np.allclose(bn.running_mean.numpy(), 0)  # updated at every replay, not only at the recording
    assert_same_state(eager, inner)
    eager.eval(), compiled.eval()
    np.testing.assert_allclose(compiled(x).detach().numpy(), eager(x).detach().numpy(), rtol=1e-10)
    assert int(bn.num_batches_tracked) == 4  # eval mode leaves the statistics alone


def test_dropout_draws_are_the_eager_draws_for_a_seed_and_fresh_at_each_call():
    inner = mlp(dropout=0.5)
    m = fg.compile(inner)
    x, _ = data((6, 8), 3)
    fg.manual_seed(3)
    a, b = m(x).detach().numpy(), m(x).detach().numpy()
    fg.manual_seed(3)
    ea, eb = inner.inner(x).detach().numpy(), inner.inner(x).detach().numpy()
    np.testing.assert_array_equal(a, ea)
    np.testing.assert_array_equal(b, eb)
    assert not np.allclose(a, b)  # not frozen into the graph
    assert inner.calls == 1


def test_decorator_on_tensor_functions_with_closed_over_parameters():
    w = fg.ones(3, requires_grad=True)
    scale = fg.tensor(2.0)
    calls = []

    @fg.compile()
    def f(x):
        calls.append(1)
        return (x * w * scale).sum()

    x = fg.tensor([1.0, 2.0, 3.0])
    f(x).backward()
    np.testing.assert_allclose(w.grad.numpy(), 2.0 * x.numpy())
    scale.mul_(5.0)  # a closed-over tensor is read at each call, not frozen
    w.grad = None
    f(x).backward()
    np.testing.assert_allclose(w.grad.numpy(), 10.0 * x.numpy())
    assert len(calls) == 1 and f.__name__ == "f"
    w = fg.full((3,), 2.0, requires_grad=True)  # the name rebound to another tensor: read at the call too
    f(x).backward()
    np.testing.assert_allclose(w.grad.numpy(), 10.0 * x.numpy())
    assert len(calls) == 1


def test_jit_of_tensor_functions_records_once_and_backward_flows_to_closures():
    w = fg.tensor([1.0, -2.0, 0.5], requires_grad=True)
    calls = []

    def f(x):
        calls.append(1)
        return (fg.sin(x) * w).sum()

    jf = fg.jit(f)
    x = fg.tensor([0.1, 0.2, 0.3], requires_grad=True)
    for _ in range(3):
        x.grad = w.grad = None
        jf(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos(x.detach().numpy()) * w.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), np.sin(x.detach().numpy()), rtol=1e-12)
    assert len(calls) == 1 and jf.cache_info().traces == 1
    b = fg.ones(3)
    jb = fg.jit(lambda t: (t * b).sum())
    assert float(jb(fg.ones(3))) == 3.0
    b.mul_(5.0)
    assert float(jb(fg.ones(3))) == 15.0  # closed-over tensors are inputs, not constants


def test_fullgraph_raises_on_data_dependent_python_and_otherwise_falls_back_with_one_warning():
    def f(x):
        if x.sum() > 0:
            return x * 2
        return x * 3

    with pytest.raises(RuntimeError, match=r"fullgraph=True.*bool\(\).*test_compile.py"):
        fg.compile(f, fullgraph=True)(fg.ones(2))
    g = fg.compile(f)
    with pytest.warns(GraphBreakWarning, match="graph break"):
        out = g(fg.ones(2))
    np.testing.assert_allclose(out.numpy(), [2.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        np.testing.assert_allclose(g(-fg.ones(2)).numpy(), [-3.0, -3.0])


def test_numpy_global_random_state_is_a_graph_break_and_consumes_nothing_twice():
    f = fg.compile(lambda x: x + fg.tensor(np.random.rand(2)))
    np.random.seed(0)
    with pytest.warns(GraphBreakWarning, match="NumPy's global random state"):
        out = f(fg.zeros(2))
    np.random.seed(0)
    np.testing.assert_array_equal(out.numpy(), np.random.rand(2))


def test_in_place_update_of_an_argument_is_written_back():
    @fg.compile
    def f(x):
        x.add_(1.0)
        return x * 2

    x = fg.zeros(3)
    for k in (1, 2):
        np.testing.assert_allclose(f(x).numpy(), 2.0 * k)
        np.testing.assert_allclose(x.numpy(), float(k))


def test_double_backward_through_compiled_part_raises_clearly_and_retain_graph_works():
    f = fg.compile(lambda x: (x ** 3).sum())
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = f(x)
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 3 * x.detach().numpy() ** 2)
    (g,) = fg.autograd.grad(f(x), x, create_graph=False)
    np.testing.assert_allclose(g.numpy(), 3 * x.detach().numpy() ** 2)
    with pytest.raises(RuntimeError, match="double backward"):
        fg.autograd.grad(f(x), x, create_graph=True)


def test_memory_stays_flat_over_many_compiled_steps():
    inner = mlp(dropout=0.2, bn=True)
    m = fg.compile(inner)
    x, y = data((16, 8), 3)
    opt = fg.optim.Adam(m.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        F.cross_entropy(m(x), y).backward()
        opt.step()

    assert growth(step, 300, warmup=20) < 100_000
    assert inner.calls == 1


def test_compiler_module_reset_and_is_compiling():
    seen = []

    def f(x):
        seen.append(fg.compiler.is_compiling())
        return x + 1

    c = fg.compile(f)
    c(fg.ones(1)), c(fg.ones(1))
    assert seen == [True] and not fg.compiler.is_compiling()
    fg.compiler.reset()
    c(fg.ones(1))
    assert seen == [True, True]


def test_optimized_module_reaches_the_original():
    lin = nn.Linear(2, 3)
    m = fg.compile(lin)
    assert isinstance(m, OptimizedModule) and isinstance(m, nn.Module) and m._orig_mod is lin
    assert m.in_features == 2 and m.weight is lin.weight
    assert [id(p) for p in m.parameters()] == [id(p) for p in lin.parameters()]
    assert list(m.state_dict()) == ["_orig_mod.weight", "_orig_mod.bias"]
    assert fg.compile(lin, disable=True) is lin
    with pytest.raises(RuntimeError, match="mode or options"):
        fg.compile(lin, mode="default", options={})
    with pytest.raises(NotImplementedError, match="backend"):
        fg.compile(lin, backend=lambda gm, ex: gm)


def test_parity_with_torch_compile_documented_behaviour():
    torch = pytest.importorskip("torch")
    tl = torch.nn.Linear(2, 3)
    tc = torch.compile(tl, backend="aot_eager")
    fl = nn.Linear(2, 3)
    fc = fg.compile(fl)
    assert list(fc.state_dict()) == list(tc.state_dict())  # the _orig_mod. prefix
    assert type(fc).__name__ == type(tc).__name__ and (tc._orig_mod is tl) == (fc._orig_mod is fl)
    t_out, f_out = tc(torch.ones(1, 2)).sum(), fc(fg.ones(1, 2)).sum()
    # the node of the compiled part carries torch's name (torch's sum runs inside the compiled graph here,
    # funcgrad's after it)
    t_name = type(t_out.grad_fn.next_functions[0][0]).__name__
    assert fc(fg.ones(1, 2)).grad_fn.name() == t_name
    assert f_out.grad_fn.name() == "SumBackward"
    assert (torch.compile(tl, disable=True) is tl) == (fg.compile(fl, disable=True) is fl)


def test_export_of_a_module_forward_and_backward_saved_and_loaded(tmp_path):
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).eval()
    x = np.random.default_rng(0).standard_normal((5, 4))
    y = np.random.default_rng(1).integers(0, 2, 5)
    params, buffers = module_state(model)
    fwd = export_module(model, x)
    fwd.save(tmp_path / "fwd")
    loaded = fg.load_exported(tmp_path / "fwd")
    eager = model(fg.tensor(x)).detach().numpy()
    np.testing.assert_allclose(loaded.call(params, buffers, x), eager, rtol=1e-12)
    step = export_module(model, x, F.cross_entropy, y)
    step.save(tmp_path / "step")
    loss, grads = fg.load_exported(tmp_path / "step").call(params, buffers, x, y)
    model.zero_grad()
    ref = F.cross_entropy(model(fg.tensor(x)), fg.tensor(y))
    ref.backward()
    np.testing.assert_allclose(loss, float(ref), rtol=1e-12)
    for n, p in model.named_parameters():
        np.testing.assert_allclose(grads[n], p.grad.numpy(), rtol=1e-10, err_msg=n)
    # and the same through funcgrad.export directly, without the helper
    direct = fg.export(fg.value_and_grad(lambda p, b, v: fnp.sum(functional_call(model, (p, b), (v,)) ** 2)),
                       params, buffers, x)
    val, g = direct.call(params, buffers, x)
    np.testing.assert_allclose(val, np.sum(eager ** 2), rtol=1e-12)
    assert sorted(g) == sorted(params)


def test_outer_transforms_see_every_operation_of_a_compiled_module():
    lin = nn.Linear(3, 2)
    m = fg.compile(lin)
    x = np.random.default_rng(0).standard_normal((4, 3))
    params = {k: v.detach().numpy() for k, v in m.named_parameters()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no graph break: such calls run eagerly, quietly
        g = fg.grad(lambda p: fnp.sum(functional_call(m, p, (x,)) ** 2))(params)
    w, b = params["_orig_mod.weight"], params["_orig_mod.bias"]
    out = x @ w.T + b
    np.testing.assert_allclose(g["_orig_mod.weight"], 2 * out.T @ x, rtol=1e-10)
    np.testing.assert_allclose(g["_orig_mod.bias"], 2 * out.sum(0), rtol=1e-10)


def test_pytree_arguments_static_values_arrays_and_several_outputs():
    calls = []

    @fg.compile
    def f(inputs, arr, scale=2.0, mode="sum"):
        calls.append(mode)
        a, b = inputs["a"], inputs["b"]
        y = (a * b * scale + fg.tensor(arr)).tanh()
        return {"total": y.sum() if mode == "sum" else y.mean(), "y": y, "argmax": y.argmax(), "tag": mode}

    rng = np.random.default_rng(0)
    av, bv, arr = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4)
    for mode, red in (("sum", np.sum), ("mean", np.mean), ("sum", np.sum)):
        a = fg.tensor(av, requires_grad=True)
        out = f({"a": a, "b": fg.tensor(bv)}, arr, scale=3.0, mode=mode)
        want = np.tanh(av * bv * 3.0 + arr)
        assert out["tag"] == mode and int(out["argmax"]) == int(np.argmax(want))
        assert not out["argmax"].requires_grad and out["y"].requires_grad
        np.testing.assert_allclose(out["total"].detach().numpy(), red(want), rtol=1e-12)
        out["total"].backward()
        scale = 1.0 if mode == "sum" else 1.0 / 4
        np.testing.assert_allclose(a.grad.numpy(), scale * (1 - want ** 2) * bv * 3.0, rtol=1e-10)
    assert calls == ["sum", "mean"]  # a static value is part of the signature


def test_threads_calling_one_compiled_module_each_get_their_result():
    import threading

    lin = nn.Linear(3, 2)
    m = fg.compile(lin)
    xs = [np.random.default_rng(k).standard_normal((4, 3)) for k in range(4)]
    want = [x @ lin.weight.detach().numpy().T + lin.bias.detach().numpy() for x in xs]
    got: dict = {}

    def run(k):
        for _ in range(20):
            got[k] = m(fg.tensor(xs[k])).detach().numpy()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12)
    assert m._compiled.traces == 1
