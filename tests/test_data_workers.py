"""The DataLoader with worker processes: the same batches as in the main process, in sampler order, for 1 and 2
workers and for the fork and spawn contexts; batches handed over through shared memory without a copy and nothing
left in /dev/shm after the end, ``break``, ``del``, a worker's exception, a killed worker, a timeout or Ctrl-C;
worker errors raised at once with their context; per-worker seeding; IterableDataset sharding; flat memory.

The datasets are tiny and live at module level (spawn pickles them by reference). Their rows are 32 KiB, so that a
batch of two is past ``_shm.INLINE_BYTES`` and really travels through shared memory."""
from __future__ import annotations

import gc
import glob
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.utils import data as D
from funcgrad.utils.data import _shm, _worker
from memory import growth

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks /dev/shm and /proc (Linux)")

ROW = 4096  # float64: 32 KiB a row


def _leftovers(pid: int | None = None) -> list:
    """Segment names of ``pid``'s DataLoaders (this process's by default) still in /dev/shm."""
    return sorted(glob.glob(f"/dev/shm/fgdl{pid or os.getpid()}_*"))


def _mapped() -> list:
    """This process's mappings of DataLoader segments (unlinked ones show as '(deleted)')."""
    with open("/proc/self/maps") as f:
        return [line for line in f if f"fgdl{os.getpid()}_" in line]


def _owner(a):
    """The object at the end of an array's ``base`` chain."""
    while isinstance(a, np.ndarray) and a.base is not None:
        a = a.base
    return a


def _wait_gone(pids, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        for pid in list(alive):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                alive.discard(pid)
        if alive:
            time.sleep(0.05)
    return not alive


class Rows(D.Dataset):
    """Sample i: a 32 KiB row of i's, the label i and the pid of the process that loaded it."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(ROW, float(i)), i, os.getpid()


class Failing(Rows):
    def __init__(self, n, bad, error=ValueError):
        super().__init__(n)
        self.bad, self.error = bad, error

    def __getitem__(self, i):
        if i == self.bad:
            raise self.error(f"bad sample {i}")
        return super().__getitem__(i)


class NeedsTwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


def _needs_two(msg):
    return NeedsTwoArgs(msg, 7)


class Suicidal(Rows):
    def __init__(self, n, bad):
        super().__init__(n)
        self.bad = bad

    def __getitem__(self, i):
        if i == self.bad:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__getitem__(i)


class Stuck(Rows):
    def __getitem__(self, i):
        if i == 2:
            threading.Event().wait(60)  # a batch that never comes in time
        return super().__getitem__(i)


class Augment(D.Dataset):
    """Random augmentation from all three generators a worker seeds, with the worker's identity."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = D.get_worker_info()
        draws = np.array([np.random.rand(), fg.rand(1, dtype=fg.float64).item(), random.random()])
        return draws, info.id, info.seed, fg.initial_seed()


class Shards(D.IterableDataset):
    """0 .. n-1 (plus an offset set by worker_init_fn), split between the workers by get_worker_info()."""

    def __init__(self, n):
        self.n, self.offset = n, 0

    def __iter__(self):
        info = D.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start + self.offset, self.n + self.offset, step))

    def __len__(self):
        return self.n


def _offset_init(worker_id):
    D.get_worker_info().dataset.offset = 1000


def _raising_init(worker_id):
    raise RuntimeError(f"no GPU for worker {worker_id}")


def _values(batches):
    """Rows and labels of each batch (not the pids), as NumPy."""
    return [(np.asarray(x), np.asarray(y)) for x, y, *_ in batches]


def _assert_batches_equal(a, b):
    assert len(a) == len(b)
    for (xa, ya), (xb, yb) in zip(_values(a), _values(b)):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


# --- the same batches ----------------------------------------------------------------------------------------------
def test_a_seed_gives_the_same_batches_for_0_1_and_2_workers_and_for_persistent_workers():
    def epochs(n_epochs=2, **kw):
        loader = D.DataLoader(Rows(11), batch_size=2, shuffle=True, generator=fg.Generator().manual_seed(3), **kw)
        return [list(loader) for _ in range(n_epochs)]

    base = epochs(num_workers=0)
    assert not np.array_equal(_values(base[0])[0][1], _values(base[1])[0][1])  # epochs differ
    for kw in (dict(num_workers=1), dict(num_workers=2), dict(num_workers=2, persistent_workers=True),
               dict(num_workers=2, prefetch_factor=1)):
        for ours, ref in zip(epochs(**kw), base):
            _assert_batches_equal(ours, ref)
    assert _leftovers() == []


@pytest.mark.parametrize("collate_fn, kind", [(None, fg.Tensor), (D.numpy_collate, np.ndarray)])
def test_tensor_batches_and_numpy_batches_come_back_as_they_went(collate_fn, kind):
    x = np.random.default_rng(0).standard_normal((9, ROW // 2))
    for ds in (D.TensorDataset(fg.tensor(x), fg.arange(9)), D.TensorDataset(x, np.arange(9))):
        ref = list(D.DataLoader(ds, batch_size=4, collate_fn=collate_fn))
        got = list(D.DataLoader(ds, batch_size=4, num_workers=2, collate_fn=collate_fn))
        assert [type(a) for b in got for a in b] == [type(a) for b in ref for a in b] == [kind] * 6
        for (a, la), (b, lb) in zip(got, ref):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
            assert np.asarray(a).dtype == np.asarray(b).dtype and np.asarray(la).dtype == np.asarray(lb).dtype
    assert _leftovers() == []


@pytest.mark.parametrize("collate_fn", [None, D.numpy_collate])
@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_fork_and_spawn_contexts_give_the_main_process_batches(context, collate_fn):
    ref = list(D.DataLoader(Rows(6), batch_size=2, collate_fn=collate_fn))
    got = list(D.DataLoader(Rows(6), batch_size=2, num_workers=2, multiprocessing_context=context,
                            collate_fn=collate_fn))
    _assert_batches_equal(got, ref)
    assert [type(a) for b in got for a in b] == [type(a) for b in ref for a in b]
    pids = [int(p) for _, _, pid in got for p in np.asarray(pid)]
    assert os.getpid() not in pids and len(set(pids)) == 2
    assert _wait_gone(pids) and _leftovers() == []


@pytest.mark.parametrize("collate_fn, kind", [(None, fg.Tensor), (D.numpy_collate, np.ndarray)])
def test_batches_go_round_robin_and_are_views_of_shared_memory_until_dropped(collate_fn, kind):
    loader = D.DataLoader(Rows(8), batch_size=2, num_workers=2, collate_fn=collate_fn)
    batches = list(loader)
    pids = [int(np.asarray(pid)[0]) for _, _, pid in batches]
    assert pids[0] != pids[1] and pids[::2] == [pids[0]] * 2 and pids[1::2] == [pids[1]] * 2
    x = batches[0][0]
    assert type(x) is kind
    a = x.numpy() if kind is fg.Tensor else x  # a Tensor batch holds a view of the segment too
    assert type(_owner(a)).__name__ == "_Lease" and a.flags.writeable  # no copy on the main side
    a[0, 0] = -1.0  # a private mapping: writable, and nobody else sees it
    assert _leftovers() == []  # the names went as soon as the batches arrived
    assert len(_mapped()) == 4  # the memory lives as long as the arrays
    del x, a, batches
    gc.collect()
    assert _mapped() == []


def test_single_samples_without_batch_size_come_from_workers_as_in_the_main_process():
    for ds in (Rows(5), Shards(5)):
        ref = list(D.DataLoader(ds, batch_size=None))
        got = list(D.DataLoader(ds, batch_size=None, num_workers=2))
        key = (lambda s: s[1]) if isinstance(ds, Rows) else int
        assert sorted(map(key, got)) == sorted(map(key, ref)) == list(range(5))
        if isinstance(ds, Rows):
            assert all(np.array_equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(got, ref))  # in order
    assert _leftovers() == []


def test_in_order_false_yields_every_batch_once():
    got = list(D.DataLoader(Rows(10), batch_size=2, num_workers=2, in_order=False))
    assert sorted(int(y[0]) for _, y, _ in got) == [0, 2, 4, 6, 8]
    assert len(D.DataLoader(Rows(10), batch_size=3, num_workers=2)) == 4


# --- nothing left behind -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["end", "break", "del"])
def test_no_segment_or_worker_is_left_after_the_end_a_break_or_del(how):
    loader = D.DataLoader(Rows(20), batch_size=2, num_workers=2, prefetch_factor=3)
    if how == "end":
        pids = {int(np.asarray(p)[0]) for _, _, p in loader}
    elif how == "break":
        pids = set()
        for _, _, p in loader:
            pids.add(int(np.asarray(p)[0]))
            if len(pids) == 2:
                break
    else:
        it = iter(loader)
        pids = {int(np.asarray(next(it)[2])[0]), int(np.asarray(next(it)[2])[0])}
        del it
    # no gc.collect(): dropping the iterator is enough
    assert len(pids) == 2 and _wait_gone(pids, within=1.0)
    assert _leftovers() == []


def test_persistent_workers_survive_a_break_and_are_stopped_with_the_loader():
    loader = D.DataLoader(Rows(10), batch_size=2, num_workers=2, persistent_workers=True)
    for first in loader:
        break
    pids = {int(np.asarray(first[2])[0])}
    full = list(loader)  # a fresh epoch: the stale answers of the broken one are dropped
    _assert_batches_equal(full, list(D.DataLoader(Rows(10), batch_size=2)))
    pids |= {int(np.asarray(p)[0]) for _, _, p in full}
    assert len(pids) == 2  # the same two workers served both epochs
    stream = D.DataLoader(Shards(5), batch_size=2, num_workers=2, persistent_workers=True)
    assert [list(map(int, b)) for b in stream] == [list(map(int, b)) for b in stream]  # streams restart
    del loader, stream, first, full
    assert _wait_gone(pids) and _leftovers() == []


# --- errors ---------------------------------------------------------------------------------------------------------
def test_a_worker_exception_is_raised_at_once_with_the_worker_id_index_and_traceback():
    loader = D.DataLoader(Failing(12, bad=5), batch_size=1, num_workers=2)
    start = time.monotonic()
    with pytest.raises(ValueError) as info:
        for _ in loader:
            pass
    assert time.monotonic() - start < 5
    msg = str(info.value)
    assert "Caught ValueError in DataLoader worker process 1 while fetching index 5" in msg  # task 5 -> worker 1
    assert "bad sample 5" in msg and "Original Traceback" in msg and "in __getitem__" in msg
    assert _leftovers() == []


@pytest.mark.parametrize("make, error, match", [
    (lambda: D.DataLoader(Failing(6, bad=2, error=_needs_two), batch_size=2, num_workers=2), RuntimeError,
     r"Caught NeedsTwoArgs in DataLoader worker process 1 while fetching index 2"),
    (lambda: D.DataLoader(Failing(6, bad=3, error=KeyError), batch_size=3, num_workers=2), KeyError,
     r"worker process 1 while fetching index 3"),
    (lambda: D.DataLoader(Rows(4), num_workers=2, worker_init_fn=_raising_init), RuntimeError,
     r"worker process (\d) while running worker_init_fn: no GPU for worker \1"),  # either worker may fail first
    (lambda: D.DataLoader(Rows(4), batch_size=2, num_workers=1, collate_fn=lambda b: 1 / 0), ZeroDivisionError,
     r"worker process 0 while collating the batch of indices \[0, 1\]"),
])
def test_worker_errors_keep_their_type_where_they_can_and_say_where(make, error, match):
    with pytest.raises(error, match=match):
        list(make())
    assert _leftovers() == []


def test_a_worker_killed_by_a_signal_raises_within_seconds():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker 0 \(pid \d+\) was killed by SIGKILL"):
        list(D.DataLoader(Suicidal(12, bad=4), batch_size=2, num_workers=2))  # batch 2 -> worker 0
    assert time.monotonic() - start < 5
    it = iter(D.DataLoader(Rows(40), batch_size=2, num_workers=2))
    victim = int(np.asarray(next(it)[2])[0])
    os.kill(victim, signal.SIGKILL)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=rf"\(pid {victim}\) was killed by SIGKILL"):
        for _ in it:
            pass
    assert time.monotonic() - start < 5
    assert _leftovers() == []


def test_timeout_raises_and_stops_a_stuck_worker():
    loader = D.DataLoader(Stuck(6), batch_size=1, num_workers=1, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(loader)
    assert time.monotonic() - start < 4  # the stuck worker is terminated, not waited for
    assert _leftovers() == []


_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    from funcgrad.utils import data as D

    # a shell's background job (CI runners start tests so) inherits SIGINT ignored: restore what a terminal has
    signal.signal(signal.SIGINT, signal.default_int_handler)

    class Slow(D.Dataset):
        def __len__(self): return 10_000
        def __getitem__(self, i):
            os.sched_yield()
            return np.full(4096, float(i)), os.getpid()

    pids = set()
    loader = D.DataLoader(Slow(), batch_size=4, num_workers=2, persistent_workers=sys.argv[1] == "exit")
    for x, p in loader:
        pids.add(int(p[0]))
        if len(pids) == 2 and not getattr(sys, "told", False):
            sys.told = True
            print(*pids, flush=True)
            if sys.argv[1] == "exit":
                it = iter(D.DataLoader(Slow(), batch_size=4, num_workers=2))
                next(it)
                sys.exit(0)  # at exit: a persistent loader and an iterator mid-epoch
""")


@pytest.mark.parametrize("how", ["ctrl-c main", "ctrl-c group", "sigkill main", "exit"])
def test_ctrl_c_a_killed_main_process_or_exit_stop_the_workers_and_leave_no_segment(how):
    proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, how.split()[0]], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 2, proc.stderr.read()
        if how == "ctrl-c group":  # what a terminal sends: every process of the group gets SIGINT
            os.killpg(proc.pid, signal.SIGINT)
        elif how != "exit":
            os.kill(proc.pid, signal.SIGINT if how == "ctrl-c main" else signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    if how == "exit":
        assert proc.returncode == 0 and err == ""
    elif how.startswith("ctrl-c"):
        assert proc.returncode != 0 and "KeyboardInterrupt" in err
    # orphaned workers notice within their watchdog interval and unlink what they sent
    assert _wait_gone(pids, within=_worker.WATCHDOG_S + 4)
    assert _leftovers(proc.pid) == []


@pytest.mark.parametrize("where", ["opening", "mapping"])
def test_ctrl_c_while_a_new_segment_is_being_mapped_leaves_no_segment(monkeypatch, where):
    """The race behind the Ctrl-C test's rare leftover: the interrupt lands after the answer was read but before
    its segment's name was unlinked; the name must stay among those shutdown unlinks."""
    calls, main = [], os.getpid()
    module, name = (_shm._posixshmem, "shm_open") if where == "opening" else (_shm.mmap, "mmap")
    real = getattr(module, name)

    def interrupted(*args, **kwargs):  # in the main process only: the forked workers create segments with it
        if os.getpid() != main:
            return real(*args, **kwargs)
        calls.append(args[0])
        raise KeyboardInterrupt

    # opening: before the segment is open, so _map itself never unlinks it; mapping: _map's own cleanup does
    monkeypatch.setattr(module, name, interrupted)
    with pytest.raises(KeyboardInterrupt):
        for _ in D.DataLoader(Rows(8), batch_size=2, num_workers=2):
            pass
    monkeypatch.undo()
    assert calls and _leftovers() == []


# --- seeding and sharding -----------------------------------------------------------------------------------------
def test_each_worker_seeds_its_generators_from_the_base_seed_and_its_id():
    def run(seed):
        loader = D.DataLoader(Augment(), batch_size=1, num_workers=2, generator=fg.Generator().manual_seed(seed))
        return [(d[0], int(w[0]), int(s[0]), int(i[0])) for d, w, s, i in loader]

    a, b, c = run(0), run(0), run(1)
    assert all(np.array_equal(x[0], y[0]) for x, y in zip(a, b))  # repeats across runs
    assert not any(np.array_equal(x[0], y[0]) for x, y in zip(a, c))  # another seed, other draws
    assert [w for _, w, _, _ in a] == [0, 1] * 4
    seeds = {w: s for _, w, s, _ in a}
    assert seeds[1] == seeds[0] + 1 and all(s == i for _, _, s, i in a)  # funcgrad's generator has that seed
    base = seeds[0]
    for w in (0, 1):  # the first draw of each generator, derived independently
        first = a[w][0]
        legacy = np.random.RandomState(np.random.SeedSequence([w, base]).generate_state(4))
        assert first[0] == legacy.random_sample()
        assert first[1] == fg.rand(1, dtype=fg.float64, generator=fg.Generator().manual_seed(base + w)).item()
        assert first[2] == random.Random(base + w).random()
    w0 = np.stack([np.asarray(d) for d, w, _, _ in a if w == 0])
    w1 = np.stack([np.asarray(d) for d, w, _, _ in a if w == 1])
    assert not np.intersect1d(w0, w1).size  # the workers' augmentations differ


@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset_shards_by_worker_info_as_torch_does(drop_last):
    torch = pytest.importorskip("torch")
    import torch.utils.data as tud

    class TorchShards(tud.IterableDataset):  # the same stream, told its worker by torch
        def __init__(self, n):
            self.n, self.offset = n, 0

        def __iter__(self):
            info = tud.get_worker_info()
            return iter(range(info.id + self.offset, self.n + self.offset, info.num_workers))

        def __len__(self):
            return self.n

    def torch_init(worker_id):
        tud.get_worker_info().dataset.offset = 1000

    ours = D.DataLoader(Shards(7), batch_size=2, num_workers=2, worker_init_fn=_offset_init, drop_last=drop_last)
    theirs = tud.DataLoader(TorchShards(7), batch_size=2, num_workers=2, worker_init_fn=torch_init,
                            drop_last=drop_last, multiprocessing_context="fork")
    got = [np.asarray(b).tolist() for b in ours]
    assert got == [b.tolist() for b in theirs]
    assert sorted(sum(got, [])) == (list(range(1000, 1007)) if not drop_last else [1000, 1001, 1002, 1003, 1004,
                                                                                    1006])
    assert len(ours) == len(theirs) == (3 if drop_last else 4)
    assert _leftovers() == []


# --- the transport itself -------------------------------------------------------------------------------------------
def test_the_shared_memory_transport_keeps_structure_dtypes_and_tensors():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 70))
    rec = np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8", (2,))])
    leaf = fg.tensor(rng.standard_normal(4), requires_grad=True)
    batch = {"x": x, "again": x, "view": x[::2, 1:], "fortran": np.asfortranarray(x[:5]), "rec": rec,
             "c": (1 + 2j) * np.ones(3, np.complex64), "flags": x[0] > 0, "empty": np.zeros((0, 3)),
             "scalar": np.array(2.5), "objects": np.array([None, "s"], dtype=object), "t": fg.tensor(x[:3]),
             "leaf": leaf, "n": 3, "s": "str"}
    writer, reader = _shm.Writer(inline_bytes=0), _shm.Reader()
    name = _shm.segment_name(f"/fgdl{os.getpid()}_test_", 1)
    message = writer.pack(batch, name)
    assert message[0] == "shm" and message[2] == name and _leftovers() == [f"/dev/shm{name}"]
    out = reader.unpack(message)
    assert _leftovers() == []
    assert out["x"] is out["again"]  # an array that appears twice travels once
    for k in ("x", "view", "fortran", "rec", "c", "flags", "empty", "scalar", "objects"):
        assert out[k].dtype == batch[k].dtype and out[k].shape == batch[k].shape
        assert (out[k] == batch[k]).all()
    assert isinstance(out["t"], fg.Tensor) and not out["t"].requires_grad and (out["t"].numpy() == x[:3]).all()
    assert out["leaf"].requires_grad and out["leaf"].is_leaf and out["n"] == 3 and out["s"] == "str"
    with pytest.raises(RuntimeError, match="part of a graph"):
        writer.pack({"y": leaf * 2}, name)
    small = _shm.Writer().pack({"x": np.ones(3)}, name)  # tiny batches travel inline, no segment
    assert small[0] == "inline" and _leftovers() == [] and (reader.unpack(small)["x"] == 1).all()


def test_a_segment_is_written_again_only_after_every_array_of_its_batch_is_gone():
    writer, reader = _shm.Writer(inline_bytes=0), _shm.Reader()
    names = iter(_shm.segment_name(f"/fgdl{os.getpid()}_reuse_", i) for i in range(10))
    first = reader.unpack(writer.pack(np.full(1000, 1.0), next(names)))
    held = first[::2]  # a view keeps the lease as well as the array
    del first
    second = reader.unpack(writer.pack(np.full(1000, 2.0), next(names)))
    writer.release(reader.take_freed())
    assert len(writer.segments) == 2 and not writer.free  # both still leased
    del held
    writer.release(reader.take_freed())
    third = writer.pack(np.full(900, 3.0), next(names))
    assert third[2] is None and third[1] == 0  # the first segment again, no new name
    assert (reader.unpack(third) == 3.0).all() and (second == 2.0).all()
    del second
    writer.release(reader.take_freed())
    bigger = writer.pack(np.full(5000, 4.0), next(names))  # too big for the free one: a new one, the old dropped
    assert bigger[2] is not None and bigger[6] == [0, 1]
    assert (reader.unpack(bigger) == 4.0).all() and sorted(reader.maps) == [2]
    assert _leftovers() == []


# --- memory -----------------------------------------------------------------------------------------------------------
def _settled(within: float = 5.0) -> tuple:
    """Open descriptors and threads, once the task queues' feeder threads of stopped loaders have ended: each
    closes its pipe's end on its own a moment after shutdown, so counting earlier sees a varying number."""
    deadline = time.monotonic() + within
    while any(t.name == "QueueFeederThread" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    gc.collect()
    return len(os.listdir("/proc/self/fd")), threading.active_count()


def test_memory_threads_and_descriptors_stay_flat_over_many_epochs():
    loader = D.DataLoader(Rows(8), batch_size=2, num_workers=2, persistent_workers=True)

    def epoch():
        for _ in loader:
            pass

    assert growth(epoch, 200, warmup=20) < 200_000
    del loader, epoch
    fresh = D.DataLoader(Rows(4), batch_size=2, num_workers=2)  # new workers every epoch
    for _ in range(2):
        list(fresh)
    fds, threads = _settled()
    for _ in range(8):
        list(fresh)
    assert _settled() == (fds, threads)
    assert _leftovers() == []
