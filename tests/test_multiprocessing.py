"""funcgrad.multiprocessing: shared arrays and Tensors pass between processes by reference (fork and spawn), their
in-place updates write into the shared memory, and the memory goes when its last holder lets go."""
from __future__ import annotations

import gc
import os
import signal
import sys
import time

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.multiprocessing as mp
from funcgrad import nn
from multiprocessing.reduction import ForkingPickler

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks Linux's /proc and /dev/shm")

METHODS = ["fork", "spawn"]
TIMEOUT = 60  # seconds for a child; a spawned child imports funcgrad first


def _memfds() -> int:
    """How many funcgrad segments this process holds a descriptor of."""
    held = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            if "funcgrad-shared" in os.readlink(f"/proc/self/fd/{fd}"):
                held.add(os.stat(f"/proc/self/fd/{fd}").st_ino)
        except OSError:
            pass  # the listing's own descriptor, closed by now
    return len(held)


def _mapped() -> int:
    """How many funcgrad segments this process maps."""
    with open("/proc/self/maps") as f:
        return len({line.split()[4] for line in f if "funcgrad-shared" in line})


def _shm() -> set:
    """/dev/shm's entries, less the semaphores another process's joblib (loky) names with its own pid: a second test
    run on the machine (scikit-learn's) makes and removes them while this one runs."""
    names = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    mine = f"sem.loky-{os.getpid()}-"
    return {n for n in names if not n.startswith("sem.loky-") or n.startswith(mine)}


@pytest.fixture
def no_leak():
    """The test leaves nothing in /dev/shm, and once its objects are gone this process holds no segment."""
    gc.collect()
    before, fds, maps = _shm(), _memfds(), _mapped()
    yield
    gc.collect()
    for _ in range(20):  # other programs' short-lived entries (a concurrent test run's) may come and go
        new = _shm() - before
        if not new:
            break
        time.sleep(0.05)
    assert not new, f"left in /dev/shm: {sorted(new)}"
    assert _memfds() <= fds and _mapped() <= maps


# --- in one process ------------------------------------------------------------------------------------------

def test_shared_array_is_zeroed_numpy_and_travels_by_reference():
    a = mp.shared_array((1000, 1000), np.float32)
    assert type(a) is np.ndarray and a.shape == (1000, 1000) and a.dtype == np.float32 and not a.any()
    assert mp.is_shared(a) and not mp.is_shared(np.zeros(3)) and not mp.is_shared(a[:10])
    plain = np.ones((1000, 1000), np.float32)
    assert len(ForkingPickler.dumps(plain)) > plain.nbytes  # ordinary arrays still go by value
    assert len(ForkingPickler.dumps(a)) < 1000  # 4 MB of data, a few hundred bytes sent
    for shape, dtype in [((), np.int64), ((0, 3), np.float64), (5, np.complex128), ((2, 2), bool)]:
        b = mp.shared_array(shape, dtype)
        assert b.shape == np.empty(shape).shape and b.dtype == dtype and mp.is_shared(b)


def test_the_bytes_sent_through_a_pipe_do_not_grow_with_the_data():
    w = fg.randn(1000, 1000, requires_grad=True).share_memory_()
    p = nn.Parameter(fg.randn(500, 500)).share_memory_()
    a, b = mp.Pipe()
    for x in (w, p, fg.tensor(np.ones(10 ** 6, np.float32)).share_memory_()):
        a.send(x)
        raw = b.recv_bytes()
        assert len(raw) < 1000, len(raw)
        y = ForkingPickler.loads(raw)
        assert type(y) is type(x) and y.requires_grad == x.requires_grad and y.is_shared()
        assert np.shares_memory(y.detach().numpy(), x.detach().numpy())
    # not shared: a copy, as without funcgrad (counted without the pipe, whose buffer would fill: one thread here)
    assert len(ForkingPickler.dumps(fg.tensor(np.ones(10 ** 6, np.float32)))) > 4 * 10 ** 6
    a.close()
    b.close()


def _updates():
    """In-place updates of every form, each as ``(name, fn(t))``; t is a float32 (3, 3) tensor."""
    def data_isub(t):
        t.data -= 0.5

    def data_set(t):
        t.data = t.detach() * 3

    def setitem(t):
        t[1] = fg.tensor([7.0, 8.0, 9.0])

    return [("add_", lambda t: t.add_(fg.ones(3), alpha=2)), ("mul_", lambda t: t.mul_(3)),
            ("iadd", lambda t: t.__iadd__(1.5)), ("copy_", lambda t: t.copy_(fg.tensor([1.0, 2.0, 3.0]))),
            ("zero_", lambda t: t.zero_()), ("fill_", lambda t: t.fill_(2.5)), ("clamp_", lambda t: t.clamp_(0, 1)),
            ("exp_", lambda t: t.exp_()), ("t_", lambda t: t.t_()), ("setitem", setitem),
            ("data_isub", data_isub), ("data_set", data_set), ("float64 in", lambda t: t.copy_(fg.ones(3).double()))]


@pytest.mark.parametrize("name, update", _updates(), ids=[u[0] for u in _updates()])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_in_place_updates_write_into_the_shared_memory(name, update, requires_grad):
    start = np.random.default_rng(0).standard_normal((3, 3)).astype(np.float32)
    plain = fg.tensor(start, requires_grad=requires_grad)
    shared = fg.tensor(start, requires_grad=requires_grad).share_memory_()
    buf = shared.detach().numpy()
    with fg.no_grad():
        update(plain)
        update(shared)
    assert shared.is_shared() and shared.detach().numpy() is buf  # the same memory, not a new array
    assert shared.requires_grad == requires_grad and shared.is_leaf and shared.dtype == np.float32
    np.testing.assert_array_equal(buf, plain.detach().numpy())  # the same values as the rebinding path


def test_a_received_view_sees_the_updates_and_a_tensor_over_a_shared_array_is_shared():
    a = mp.shared_array(4, np.float64)
    t = fg.from_numpy(a)
    assert t.is_shared() and mp.is_shared(t)
    t.add_(2.0)
    np.testing.assert_array_equal(a, [2.0] * 4)
    d = t.detach()
    d.mul_(3.0)  # detach() keeps the memory, so it is shared too (as in PyTorch)
    np.testing.assert_array_equal(a, [6.0] * 4)
    np.testing.assert_array_equal(t.numpy(), [6.0] * 4)


@pytest.mark.parametrize("opt", [lambda ps: fg.optim.SGD(ps, lr=0.1, momentum=0.9),
                                 lambda ps: fg.optim.Adam(ps, lr=0.01)], ids=["SGD", "Adam"])
def test_optimizer_steps_on_a_shared_module_match_the_unshared_ones(opt):
    fg.manual_seed(0)
    m1 = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    m2 = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    m2.load_state_dict(m1.state_dict())
    m2.share_memory()
    bufs = [p.detach().numpy() for p in m2.parameters()]
    assert all(p.is_shared() and p.is_leaf and p.requires_grad for p in m2.parameters())
    o1, o2 = opt(list(m1.parameters())), opt(list(m2.parameters()))
    x, y = fg.randn(16, 4), fg.randn(16, 2)
    for _ in range(3):
        for m, o in ((m1, o1), (m2, o2)):
            o.zero_grad()
            ((m(x) - y) ** 2).mean().backward()
            o.step()
        for p1, p2 in zip(m1.parameters(), m2.parameters()):
            np.testing.assert_allclose(p2.grad.numpy(), p1.grad.numpy(), rtol=1e-6, atol=1e-7)
    for p1, p2, b in zip(m1.parameters(), m2.parameters(), bufs):
        assert p2.detach().numpy() is b
        np.testing.assert_allclose(b, p1.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_gradient_through_a_shared_weight_is_the_analytic_one():
    w = fg.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True).share_memory_()
    x = fg.tensor([[2.0, 1.0]])
    (x @ w).pow(2).sum().backward()
    # d/dW sum((xW)^2) = 2 x^T (xW)
    xw = np.array([[2.0, 1.0]]) @ np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.array([[2.0], [1.0]]) @ xw, rtol=1e-6)


def test_errors_name_the_operation_and_the_way_out():
    s = fg.zeros(2, 3).share_memory_()
    with pytest.raises(RuntimeError, match=r"t_.*keeps its shape \(2, 3\).*\(3, 2\)"):
        s.t_()
    with pytest.raises(RuntimeError, match=r"Tensor.data.*keeps its shape"):
        s.data = fg.zeros(4)
    with pytest.raises(RuntimeError, match=r"Tensor.data.*keeps its dtype float32.*complex128"):
        s.data = fg.tensor(np.ones((2, 3), np.complex128))
    src = fg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"copy_: .*shared.*recorded for backward.*no_grad"):
        s.copy_(src)
    with pytest.raises(RuntimeError, match=r"share_memory_: only leaf tensors.*detach"):
        (src * 2).share_memory_()
    with pytest.raises(TypeError, match=r"shared_array: dtype object"):
        mp.shared_array(3, object)
    with pytest.raises(ValueError, match=r"file_descriptor"):
        mp.set_sharing_strategy("file_system")
    assert mp.get_sharing_strategy() in mp.get_all_sharing_strategies()


def test_unshared_tensors_keep_immutable_tapes():
    a = np.ones(3, np.float32)
    t = fg.from_numpy(a)
    assert not t.is_shared()
    t.add_(1.0)
    np.testing.assert_array_equal(a, [1.0, 1.0, 1.0])  # rebinding, as before: the array is untouched


def test_segments_are_released_when_the_last_holder_lets_go(no_leak):
    fds, maps = _memfds(), _mapped()
    a = mp.shared_array((256, 1024), np.float64)
    t = fg.from_numpy(mp.shared_array(10))
    again = ForkingPickler.loads(ForkingPickler.dumps(a))  # received twice: one mapping
    assert _memfds() == fds + 2 and _mapped() == maps + 2 and np.shares_memory(a, again)
    del a, again, t
    gc.collect()
    assert _memfds() == fds and _mapped() == maps


# --- across processes ----------------------------------------------------------------------------------------

def _child_add(t, a, q, back):
    t.add_(1.0)  # a Tensor's in-place update
    a[0] = 42.0  # a NumPy write
    got = q.get(timeout=TIMEOUT)  # a shared tensor sent through a queue after the start
    with fg.no_grad():
        got.mul_(2.0)
    back.put(("done", t.is_shared(), mp.is_shared(a), got.is_shared()))


@pytest.mark.parametrize("method", METHODS)
def test_writes_in_a_child_are_seen_by_the_parent(method, no_leak):
    ctx = mp.get_context(method)
    t = fg.zeros(1000, 1000).share_memory_()
    a = mp.shared_array(3)
    w = fg.ones(5, requires_grad=True).share_memory_()
    q, back = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=_child_add, args=(t, a, q, back))
    p.start()
    q.put(w)
    msg = back.get(timeout=TIMEOUT)
    p.join(TIMEOUT)
    assert p.exitcode == 0 and msg == ("done", True, True, True)
    np.testing.assert_array_equal(t.numpy(), np.ones((1000, 1000), np.float32))
    assert a[0] == 42.0
    np.testing.assert_array_equal(w.detach().numpy(), [2.0] * 5)


def _pool_write(args):
    a, i = args
    a[i] = i * i
    return os.getpid()


@pytest.mark.parametrize("method", METHODS)
def test_pool_workers_write_into_one_array(method, no_leak):
    a = mp.shared_array(8, np.int64)
    with mp.get_context(method).Pool(2) as pool:
        pool.map(_pool_write, [(a, i) for i in range(8)])
    np.testing.assert_array_equal(a, np.arange(8) ** 2)


def _creator(q, ack):
    t = fg.arange(6.0).share_memory_()
    q.put(t)
    ack.wait(TIMEOUT)  # the parent has it; this process may now end (and drop its hold)


@pytest.mark.parametrize("method", METHODS)
def test_a_receiver_outlives_the_creator(method, no_leak):
    ctx = mp.get_context(method)
    q, ack = ctx.Queue(), ctx.Event()
    p = ctx.Process(target=_creator, args=(q, ack))
    p.start()
    t = q.get(timeout=TIMEOUT)
    ack.set()
    p.join(TIMEOUT)
    assert p.exitcode == 0 and not p.is_alive()
    assert t.is_shared()
    t.add_(1.0)  # the memory is still there, though its creator is gone
    np.testing.assert_array_equal(t.numpy(), np.arange(6.0) + 1)


def _holder(q, back):
    t = q.get(timeout=TIMEOUT)
    back.put("got it")
    assert q.get(timeout=TIMEOUT) == "creator let go"
    t.mul_(10.0)
    back.put(t.numpy().tolist())


@pytest.mark.parametrize("method", METHODS)
def test_the_creator_lets_go_first(method, no_leak):
    ctx = mp.get_context(method)
    q, back = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=_holder, args=(q, back))
    p.start()
    fds = _memfds()
    t = fg.full((4,), 3.0).share_memory_()
    q.put(t)
    assert back.get(timeout=TIMEOUT) == "got it"
    del t
    gc.collect()
    assert _memfds() == fds  # this process holds it no more
    q.put("creator let go")
    assert back.get(timeout=TIMEOUT) == [30.0] * 4
    p.join(TIMEOUT)
    assert p.exitcode == 0


def _crash():
    a = mp.shared_array((512, 512))
    a[:] = 1.0
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("method", METHODS)
def test_a_crashed_creator_leaves_nothing_behind(method, no_leak):
    ctx = mp.get_context(method)
    p = ctx.Process(target=_crash)
    p.start()
    p.join(TIMEOUT)
    assert p.exitcode == -9  # killed: no finalizer, no atexit ran in it


def _sgd_steps(model, steps):
    opt = fg.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        model(fg.ones(1, 3)).sum().backward()  # d/dw = 1 for every weight and the bias: each step takes 0.1 off
        opt.step()


@pytest.mark.parametrize("method", METHODS)
def test_optimizer_steps_in_children_update_the_shared_module(method, no_leak):
    model = nn.Linear(3, 1).share_memory()
    w0, b0 = model.weight.detach().numpy().copy(), model.bias.detach().numpy().copy()
    ctx = mp.get_context(method)
    for steps in (2, 3):  # one after the other: the updates add up exactly
        p = ctx.Process(target=_sgd_steps, args=(model, steps))
        p.start()
        p.join(TIMEOUT)
        assert p.exitcode == 0
    np.testing.assert_allclose(model.weight.detach().numpy(), w0 - 0.5, atol=1e-6)
    np.testing.assert_allclose(model.bias.detach().numpy(), b0 - 0.5, atol=1e-6)


def _spawned(i, a):
    a[i] = i + 1


def _spawned_fails(i):
    if i == 1:
        raise ValueError("child 1 fails on purpose")


def test_spawn_runs_fn_with_its_index_and_reports_a_failure(no_leak):
    a = mp.shared_array(2)
    assert mp.spawn(_spawned, args=(a,), nprocs=2) is None
    np.testing.assert_array_equal(a, [1.0, 2.0])
    with pytest.raises(mp.ProcessRaisedException, match="child 1 fails on purpose") as info:
        mp.spawn(_spawned_fails, nprocs=2, start_method="fork")
    assert info.value.error_index == 1
    ctx = mp.start_processes(os._exit, args=(), nprocs=1, join=False, start_method="fork")  # os._exit(0)
    while not ctx.join(TIMEOUT):
        pass
