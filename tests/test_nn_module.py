"""``funcgrad.nn.Module``, ``Parameter``, ``Buffer`` and the first layers (``Identity``, ``Linear``, ``Flatten``,
``Unflatten``), as PyTorch has them, with no torch needed:

* registration through attributes, traversal and deduplication of shared parameters, train/eval, ``zero_grad``,
  conversions (to a dtype, to the GPU stand-in and back) that keep the Parameter objects and their leaves,
  state-dict round trips and strict errors, hooks (forward, forward pre, full backward and backward pre);
* memory: a training loop of 10,000 steps holds no more memory than after its warm-up.

The containers and reprs are in test_nn_containers.py, the parity tests against torch in test_nn_module_torch.py.
"""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import funcgrad as fg
from memory import growth
from funcgrad import nn
from funcgrad.backend import get_default_device
from funcgrad.testing import standin


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.Identity()
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer("steps", fg.zeros(()))
        self.register_buffer("cache", fg.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def _np(t):
    return np.asarray(t.detach().numpy())


# --- Parameter ------------------------------------------------------------------------------------------------------
def test_parameter_is_a_leaf_tensor_and_operations_give_plain_tensors_whose_gradients_land_in_grad():
    p = nn.Parameter(fg.tensor([1.0, 2.0]))
    q = nn.Parameter(fg.tensor([3.0, 4.0]))
    x = fg.tensor([5.0, 6.0])
    assert isinstance(p, nn.Parameter) and isinstance(p, fg.Tensor) and p.is_leaf and p.requires_grad
    outs = [p * q, x * p, p * x, p + 1, 1 - p, p @ q, x @ p, p ** 2, 2 ** p, p / q, -p, p[0], abs(p), fg.exp(p),
            fg.numpy.sum(p), p.sum(), np.ones(2) * p, p.T, p.to(np.float64)]
    for y in outs:
        assert type(y) is fg.Tensor and y.requires_grad and not y.is_leaf
    assert type(p < q) is fg.Tensor and bool((x == p).any()) is False
    (p * q * x).sum().backward()
    np.testing.assert_allclose(_np(p.grad), [15.0, 24.0])
    np.testing.assert_allclose(_np(q.grad), [5.0, 12.0])
    assert type(p.grad) is fg.Tensor and type(p.detach()) is fg.Tensor and type(p.data) is fg.Tensor
    with fg.no_grad():
        p -= 0.5 * p.grad
    assert type(p) is nn.Parameter and p.is_leaf and p.requires_grad
    np.testing.assert_allclose(_np(p), [-6.5, -10.0])
    assert {p: 1}[p] == 1  # hashable by identity despite the elementwise ==


def test_parameter_forms_repr_copy_and_pickle():
    assert repr(nn.Parameter(fg.tensor([1.0, 2.0]))) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    frozen = nn.Parameter(fg.ones(2), requires_grad=False)
    assert not frozen.requires_grad and repr(frozen) == "Parameter containing:\ntensor([1., 1.])"
    empty = nn.Parameter()
    assert empty.shape == (0,) and empty.requires_grad
    src = fg.tensor([1.0], requires_grad=True)
    made = nn.Parameter(src * 2)  # the values of a computed tensor, as a new leaf
    assert made.is_leaf and made.grad_fn is None
    with pytest.raises(RuntimeError):
        nn.Parameter(fg.tensor([1, 2]))
    p = nn.Parameter(fg.tensor([1.0, 2.0]))
    p.grad = fg.tensor([0.5, 0.5])
    c = copy.deepcopy(p)
    assert type(c) is nn.Parameter and c is not p and c.requires_grad and _np(c.grad).tolist() == [0.5, 0.5]
    d = pickle.loads(pickle.dumps(p))
    assert type(d) is nn.Parameter and d.requires_grad and _np(d).tolist() == [1.0, 2.0]


def test_buffer_marks_a_tensor_to_register_as_a_buffer():
    m = nn.Module()
    m.a = nn.Buffer(fg.ones(2))
    m.b = nn.Buffer(fg.zeros(1), persistent=False)
    m.c = fg.ones(1)  # a plain tensor attribute is no buffer
    assert [n for n, _ in m.named_buffers()] == ["a", "b"] and list(m.state_dict()) == ["a"]
    assert isinstance(m.a, nn.Buffer) and not isinstance(m.c, nn.Buffer) and type(m.a) is fg.Tensor


# --- registration -------------------------------------------------------------------------------------------------
def test_attribute_assignment_registers_parameters_buffers_and_modules():
    net = Net()
    assert list(net._parameters) == [] and list(net._modules) == ["fc1", "act", "fc2"]
    assert list(net._buffers) == ["steps", "cache"]
    net.scale = nn.Parameter(fg.ones(1))
    assert "scale" in net._parameters and "scale" not in net.__dict__
    net.fc1.bias = None
    assert net.fc1.bias is None and "bias" in net.fc1._parameters
    with pytest.raises(TypeError, match="cannot assign 'funcgrad.FloatTensor' as parameter 'weight'"):
        net.fc1.weight = fg.ones(4, 3)
    with pytest.raises(TypeError, match="as child module 'act'"):
        net.act = 3
    with pytest.raises(TypeError, match="as buffer 'steps'"):
        net.steps = 3
    net.steps = fg.ones(())  # a tensor replaces a buffer
    assert float(net.steps) == 1.0 and "steps" in net._buffers
    net.act = None
    assert net.act is None and list(net.children())[-1] is net.fc2
    del net.scale, net.steps, net.fc2
    assert "scale" not in net._parameters and "steps" not in net._buffers and "fc2" not in net._modules
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'fc2'"):
        net.fc2
    net.fc2 = 5  # the name is free again
    assert net.fc2 == 5


def test_registration_errors_are_pytorchs():
    m = nn.Module()
    with pytest.raises(KeyError, match="t contain"):
        m.register_buffer("a.b", fg.ones(1))
    with pytest.raises(KeyError, match="empty string"):
        m.register_parameter("", None)
    with pytest.raises(TypeError, match="buffer name should be a string"):
        m.register_buffer(1, fg.ones(1))
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_buffer("x", fg.ones(1))
    with pytest.raises(TypeError, match="object to parameter 'w'"):
        m.register_parameter("w", fg.ones(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("k", 3)
    with pytest.raises(KeyError, match="t contain"):
        m.add_module("a.b", nn.Identity())
    w = fg.ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'w'"):
        m.register_parameter("w", _non_leaf_parameter(w))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(fg.ones(1))
    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__\\(\\) call"):
        Early()
    with pytest.raises(TypeError, match="unexpected keyword argument 'k'"):
        nn.Module(k=1)


def _non_leaf_parameter(w):
    """A Parameter object whose value is recorded (a non-leaf), which register_parameter must refuse."""
    p = nn.Parameter(fg.ones(1))
    p._v = (w * 2)._v
    return p


def test_get_submodule_parameter_buffer_add_module_and_dir():
    seq = nn.Sequential(Net())
    assert seq.get_submodule("") is seq and seq.get_submodule("0.fc1") is seq[0].fc1
    assert seq.get_parameter("0.fc2.bias") is seq[0].fc2.bias
    assert seq.get_buffer("0.steps") is seq[0].steps
    with pytest.raises(AttributeError, match="Net has no attribute `nope`"):
        seq.get_submodule("0.nope")
    with pytest.raises(AttributeError, match="`steps` is not an nn.Module"):
        seq.get_submodule("0.steps")
    with pytest.raises(AttributeError, match="`steps` is not an nn.Parameter"):
        seq.get_parameter("0.steps")
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        seq.get_buffer("0.fc1.weight")
    m = nn.Module()
    m.register_module("inner", nn.Identity())
    m.add_module("other", None)
    assert list(m._modules) == ["inner", "other"] and list(m.children()) == [m.inner]
    names = dir(Net())
    assert {"fc1", "steps", "forward", "training", "state_dict"} <= set(names) and names == sorted(names)
    assert "0" not in dir(seq) and "0" in seq._modules


# --- traversal ----------------------------------------------------------------------------------------------------
def test_named_members_with_prefixes_recursion_and_shared_parameters():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in net.named_parameters(prefix="net")][0] == "net.fc1.weight"
    assert list(net.named_parameters(recurse=False)) == []
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert len(list(net.modules())) == 4 and len(list(net.buffers())) == 2

    shared = nn.Linear(2, 2)
    tied = nn.Sequential(shared, nn.Identity(), shared)
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(tied.parameters())) == 2 and len(list(tied.children())) == 2
    assert [n for n, _ in tied.named_parameters(remove_duplicate=False)] == \
        ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in tied.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert list(tied.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight  # one Parameter in two modules
    both = nn.Sequential(a, b)
    assert [n for n, _ in both.named_parameters()] == ["0.weight", "0.bias", "1.bias"]


def test_train_eval_requires_grad_and_zero_grad():
    net = Net()
    assert net.training and net.fc1.training
    assert net.eval() is net and not net.training and not net.fc1.training
    net.train()
    assert net.fc2.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train(1)
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    net(fg.ones(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    g = net.fc1.weight.grad
    net.zero_grad(set_to_none=False)
    assert net.fc1.weight.grad is g and not np.any(_np(g))
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_forward_missing_and_apply():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
        nn.Module()(1)
    seen = []
    net = Net()
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Identity", "Linear", "Net"]


# --- conversions --------------------------------------------------------------------------------------------------
def test_conversions_keep_the_parameter_objects_and_their_leaves():
    net = Net()
    net.register_buffer("count", fg.tensor([3]))
    params = list(net.parameters())
    net(fg.ones(2, 3)).sum().backward()
    grad = net.fc1.weight.grad
    assert net.to(np.float64) is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == np.float64 and p.is_leaf and p.requires_grad and type(p) is nn.Parameter for p in params)
    assert net.fc1.weight.grad is grad and grad.dtype == np.float64
    assert net.steps.dtype == np.float64 and net.count.dtype == np.int64  # integer buffers are not cast
    assert net.float().fc2.bias.dtype == np.float32 and net.half().fc2.bias.dtype == np.float16
    assert net.double().fc1.weight.dtype == np.float64
    net.to(fg.zeros(1, dtype=np.float32))
    assert net.fc1.weight.dtype == np.float32
    net.to("cpu", np.float64)
    assert net.fc1.weight.dtype == np.float64 and str(net.cpu().fc1.weight.device) == "cpu"
    assert net.type(np.float32).count.dtype == np.float32  # type() casts everything, as PyTorch's does
    net.to(dtype=np.float64)
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        net.to(np.int32)
    y = net(fg.ones(2, 3, dtype=np.float64))
    assert y.dtype == np.float64
    y.sum().backward()
    assert net.fc1.weight.grad.dtype == np.float64


@pytest.fixture
def gpu():
    """The CuPy stand-in as the GPU for the test (installed for it and removed after)."""
    prev = get_default_device()
    standin.install()
    try:
        yield standin
    finally:
        standin.uninstall()
        fg.set_default_device(prev)


def test_moving_a_module_to_a_gpu_and_back_keeps_its_parameters(gpu):
    net = Net()
    params = list(net.parameters())
    host = {k: _np(v) for k, v in net.state_dict().items()}
    assert net.cuda() is net and [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(str(t.device) == "cuda:0" for t in list(net.parameters()) + list(net.buffers()))
    assert all(p.is_leaf and p.requires_grad for p in params)
    x = fg.ones(2, 3, device="cuda")
    net(x).sum().backward()
    assert str(net.fc1.weight.grad.device) == "cuda:0"
    net.load_state_dict(host)  # NumPy values go to the parameters' device
    assert str(net.fc2.bias.device) == "cuda:0"
    other = nn.Linear(3, 4, device="cuda")
    assert str(other.weight.device) == "cuda:0"
    net.to("cpu")
    assert all(str(p.device) == "cpu" for p in params) and str(net.fc1.weight.grad.device) == "cpu"
    np.testing.assert_array_equal(_np(net.fc1.weight), host["fc1.weight"])


# --- state dict ---------------------------------------------------------------------------------------------------
def test_state_dict_keys_values_and_round_trip():
    fg.manual_seed(1)
    src, dst = Net(), Net()
    sd = src.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(type(v) is fg.Tensor and not v.requires_grad for v in sd.values())
    assert sd._metadata[""] == {"version": 1} and "fc1" in sd._metadata
    kept = src.state_dict(keep_vars=True)
    assert kept["fc1.weight"] is src.fc1.weight
    assert list(src.state_dict(prefix="m.")) [0] == "m.steps"
    ids = [id(p) for p in dst.parameters()]
    assert repr(dst.load_state_dict(sd)) == "<All keys matched successfully>"
    assert [id(p) for p in dst.parameters()] == ids
    for (k, a), b in zip(src.state_dict().items(), dst.state_dict().values()):
        np.testing.assert_array_equal(_np(a), _np(b), err_msg=k)
    assert all(p.is_leaf and p.requires_grad for p in dst.parameters())


def test_state_dict_through_funcgrad_save_and_load(tmp_path):
    src, dst = Net(), Net()
    fg.save(src.state_dict(), tmp_path / "net.safetensors")
    assert repr(dst.load_state_dict(fg.load(tmp_path / "net.safetensors"))) == "<All keys matched successfully>"
    np.testing.assert_array_equal(_np(dst.fc2.weight), _np(src.fc2.weight))


def test_load_state_dict_copies_numpy_arrays_in_the_parameters_dtype():
    m = nn.Linear(2, 2)
    w = np.arange(4.0).reshape(2, 2)  # float64, into a float32 parameter
    m.load_state_dict({"weight": w, "bias": np.zeros(2, dtype=np.float32)})
    assert m.weight.dtype == np.float32 and _np(m.weight).tolist() == [[0.0, 1.0], [2.0, 3.0]]
    w[0, 0] = 99.0  # a copy: the checkpoint's array is not shared
    assert float(m.weight[0, 0]) == 0.0


def test_load_state_dict_strict_errors_and_incompatible_keys():
    m = nn.Linear(3, 4)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict({"weight": fg.ones(2, 2), "foo": fg.ones(1)})
    assert str(e.value) == (
        'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". \n\tUnexpected key(s) '
        'in state_dict: "foo". \n\tsize mismatch for weight: copying a param with shape (2, 2) from checkpoint, the '
        'shape in current model is (4, 3).')
    keys = m.load_state_dict({"weight": fg.ones(4, 3), "foo": fg.ones(1)}, strict=False)
    assert keys.missing_keys == ["bias"] and keys.unexpected_keys == ["foo"]
    assert keys == (["bias"], ["foo"])
    assert repr(keys) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['foo'])"
    with pytest.raises(RuntimeError, match="size mismatch for bias"):  # shapes are checked even when not strict
        m.load_state_dict({"bias": fg.ones(3)}, strict=False)
    with pytest.raises(RuntimeError, match='expected torch.Tensor or Tensor-like object from checkpoint but '
                                           'received <class \'list\'>'):
        m.load_state_dict({"weight": [1.0], "bias": fg.ones(4)})
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        m.load_state_dict([("weight", fg.ones(4, 3))])
    seq = nn.Sequential(nn.Linear(1, 1))
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "1.weight", "0.foo"'):
        seq.load_state_dict({**seq.state_dict(), "0.foo": fg.ones(1), "1.weight": fg.ones(1)})


def test_load_state_dict_assign_extra_state_and_non_persistent_buffers():
    m = nn.Linear(2, 1)
    old = m.weight
    new = fg.tensor([[1.0, 2.0]], dtype=np.float64)
    m.load_state_dict({"weight": new, "bias": fg.zeros(1)}, assign=True)
    assert m.weight is not old and isinstance(m.weight, nn.Parameter) and m.weight.dtype == np.float64
    assert m.weight.requires_grad

    class WithState(nn.Module):
        def __init__(self):
            super().__init__()
            self.count = 0

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"]

    a, b = WithState(), WithState()
    a.count = 7
    assert list(a.state_dict()) == ["_extra_state"]
    b.load_state_dict(a.state_dict())
    assert b.count == 7
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "_extra_state"'):
        b.load_state_dict({})
    net = Net()
    assert "cache" not in net.state_dict()
    net.load_state_dict(Net().state_dict())  # the non-persistent buffer is neither expected nor missing


# --- hooks --------------------------------------------------------------------------------------------------------
def test_forward_pre_hooks_and_forward_hooks():
    m = nn.Identity()
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] + 1,))
    h2 = m.register_forward_hook(lambda mod, args, out: out * 10)
    h3 = m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
    assert float(m(fg.tensor(1.0))) == 20.0 and calls == ["first"]
    h1.remove()
    h1.remove()  # twice is fine
    assert float(m(fg.tensor(1.0))) == 10.0
    h2.remove(), h3.remove()
    assert float(m(fg.tensor(1.0))) == 1.0

    class Scale(nn.Module):
        def forward(self, x, *, k=1.0):
            return x * k
    s = Scale()
    with s.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"k": 3.0}), with_kwargs=True):
        with s.register_forward_hook(lambda mod, args, kwargs, out: out + kwargs["k"], with_kwargs=True):
            assert float(s(fg.tensor(2.0), k=5.0)) == 9.0
    assert float(s(fg.tensor(2.0), k=5.0)) == 10.0
    bad = s.register_forward_pre_hook(lambda mod, args, kwargs: 1, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        s(fg.tensor(1.0))
    bad.remove()

    class Fails(nn.Module):
        def forward(self, x):
            raise ValueError("boom")
    f = Fails()
    seen = []
    f.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        f(1)
    assert seen == [None]


def test_full_backward_hooks_see_and_replace_the_gradients():
    fg.manual_seed(0)
    m = nn.Linear(3, 2)
    seen = []
    h = m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    x = fg.ones(4, 3, requires_grad=True)
    w = fg.tensor(np.arange(8.0).reshape(4, 2), dtype=np.float32)
    (m(x) * w).sum().backward()
    (gi,), (go,) = seen[0]
    np.testing.assert_allclose(_np(go), _np(w))
    np.testing.assert_allclose(_np(gi), _np(w) @ _np(m.weight), rtol=1e-6)
    np.testing.assert_allclose(_np(x.grad), _np(gi), rtol=1e-6)
    h.remove()

    seen.clear()
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    m(fg.ones(4, 3)).sum().backward()  # no input requires grad: the hook gets (None,) with the output gradients
    assert seen[0][0] == (None,) and seen[0][1][0].shape == (4, 2)

    m2 = nn.Linear(3, 2)
    m2.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0,))
    x = fg.ones(1, 3, requires_grad=True)
    m2(x).sum().backward()
    assert not np.any(_np(x.grad)) and m2.weight.grad is not None

    m3 = nn.Linear(3, 2)
    m3.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
    m3(fg.ones(1, 3)).sum().backward()
    np.testing.assert_allclose(_np(m3.bias.grad), [2.0, 2.0])
    m4 = nn.Linear(3, 2)
    m4.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but expected 1"):
        m4(fg.ones(1, 3, requires_grad=True)).sum().backward()


# --- layers -------------------------------------------------------------------------------------------------------
def test_linear_initialisation_is_pytorchs_range_and_seedable():
    fg.manual_seed(3)
    a = nn.Linear(16, 8)
    fg.manual_seed(3)
    b = nn.Linear(16, 8)
    np.testing.assert_array_equal(_np(a.weight), _np(b.weight))
    np.testing.assert_array_equal(_np(a.bias), _np(b.bias))
    for p in (a.weight, a.bias):
        v = _np(p)
        assert np.all(np.abs(v) <= 0.25) and v.std() > 0.1  # U(-1/sqrt(16), 1/sqrt(16)) has std 0.144
    assert nn.Linear(2, 2).weight.dtype == np.float32
    assert nn.Linear(2, 2, dtype=np.float64).bias.dtype == np.float64
    assert nn.Linear(0, 2).weight.shape == (2, 0)


def test_linear_forward_and_gradients_match_the_formula():
    m = nn.Linear(3, 2)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    W, bias = _np(m.weight), _np(m.bias)
    xt = fg.tensor(x, requires_grad=True)
    y = m(xt)
    np.testing.assert_allclose(_np(y), x @ W.T + bias, rtol=1e-5)
    (y * y).sum().backward()
    g = 2 * (x @ W.T + bias)
    np.testing.assert_allclose(_np(m.weight.grad), g.T @ x, rtol=1e-4)
    np.testing.assert_allclose(_np(m.bias.grad), g.sum(0), rtol=1e-4)
    np.testing.assert_allclose(_np(xt.grad), g @ W, rtol=1e-4)
    assert m(fg.ones(3)).shape == (2,) and m(fg.ones(2, 5, 3)).shape == (2, 5, 2)
    assert nn.Linear(3, 2, bias=False)(fg.ones(3)).shape == (2,)


def test_flatten_and_unflatten():
    x = fg.ones(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12) and nn.Flatten(0, -1)(x).shape == (24,)
    assert nn.Unflatten(2, (2, 2))(x).shape == (2, 3, 2, 2) and nn.Unflatten(-1, [2, -1])(x).shape == (2, 3, 2, 2)
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        nn.Unflatten(1, (2, 2.0))
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints"):
        nn.Unflatten(1, 4)


# --- memory -------------------------------------------------------------------------------------------------------
_growth = growth


def test_a_training_loop_keeps_memory_flat():
    fg.manual_seed(0)
    model = nn.Linear(4, 1)
    params = list(model.parameters())
    x, y = fg.randn(8, 4), fg.randn(8, 1)
    lr = 0.01

    def step():
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        with fg.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        model.zero_grad()

    first = float(((model(x) - y) ** 2).mean())
    assert _growth(step, 10_000) < 1_000_000
    assert float(((model(x) - y) ** 2).mean()) < first  # it trained
    assert list(model.parameters()) == params and all(p.is_leaf and p.requires_grad for p in params)
