"""funcgrad.utils.data in the main process: datasets, samplers, collation and the DataLoader agree with
torch.utils.data (lengths, items, index multisets, split sizes, batches; exact random orders differ between the two
libraries' generators, but a seed fixes funcgrad's), serve both faces (NumPy batches and Tensor batches), refuse
bad arguments as PyTorch does, and keep memory flat over many epochs. Worker processes: test_data_workers.py."""
from __future__ import annotations

import collections
import warnings
from typing import NamedTuple

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.utils import data as D
from memory import growth


def _torch():
    torch = pytest.importorskip("torch")
    import torch.utils.data  # noqa: F401

    return torch


def _np(x):
    """A batch (Tensors, NumPy arrays, torch tensors, containers) as NumPy arrays in plain containers."""
    if isinstance(x, fg.Tensor):
        return x.numpy()
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        return x.detach().numpy()
    if isinstance(x, dict):
        return {k: _np(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_np(v) for v in x]
    return x


def _assert_same(a, b):
    a, b = _np(a), _np(b)
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b)
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, (a, b)
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


class Point(NamedTuple):
    x: object
    y: object


# --- datasets -----------------------------------------------------------------------------------------------------
def test_tensor_dataset_matches_torch_on_arrays_and_tensors():
    torch = _torch()
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6) % 3
    ours, theirs = D.TensorDataset(x, y), torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    assert len(ours) == len(theirs) == 6
    for i in range(-6, 6):
        _assert_same(list(ours[i]), [t.numpy() for t in theirs[i]])
    tensors = D.TensorDataset(fg.tensor(x), fg.tensor(y))
    assert isinstance(tensors[2][0], fg.Tensor) and tensors[2][0].tolist() == [4.0, 5.0]
    with pytest.raises(ValueError, match=r"first axes differ in size \(\[6, 5\]\)"):
        D.TensorDataset(x, y[:5])


def test_stack_dataset_matches_torch_and_uses_getitems():
    torch = _torch()
    a, b = list(range(5)), [f"s{i}" for i in range(5)]
    for args, kwargs in [((a, b), {}), ((), {"x": a, "y": b})]:
        ours, theirs = D.StackDataset(*args, **kwargs), torch.utils.data.StackDataset(*args, **kwargs)
        assert len(ours) == len(theirs)
        assert [ours[i] for i in range(5)] == [theirs[i] for i in range(5)]
        assert ours.__getitems__([4, 0]) == theirs.__getitems__([4, 0])
    calls = []

    class Batched(D.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            raise AssertionError("a dataset with __getitems__ is asked for the whole batch")

        def __getitems__(self, idx):
            calls.append(list(idx))
            return [i * 10 for i in idx]

    assert D.StackDataset(Batched(), a).__getitems__([1, 3]) == [(10, 1), (30, 3)] and calls == [[1, 3]]
    with pytest.raises(ValueError, match="lengths differ"):
        D.StackDataset(a, b[:3])
    with pytest.raises(ValueError, match="not both"):
        D.StackDataset(a, y=b)


def test_concat_chain_and_subset_match_torch():
    torch = _torch()
    parts = [list(range(3)), list(range(10, 12)), [], list(range(20, 24))]
    ours, theirs = D.ConcatDataset(parts), torch.utils.data.ConcatDataset(parts)
    assert len(ours) == len(theirs) and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-len(ours), len(ours))] == [theirs[i] for i in range(-len(theirs), len(theirs))]
    for bad in (len(ours), -len(ours) - 1):
        with pytest.raises(IndexError, match="out of range"):
            ours[bad]

    class Stream(D.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    with pytest.raises(TypeError, match="ChainDataset"):
        D.ConcatDataset([Stream(2)])
    theirs_chain = torch.utils.data.ChainDataset([_stream_like(torch.utils.data.IterableDataset)(k) for k in (2, 3)])
    assert list(D.ChainDataset([Stream(2), Stream(3)])) == list(theirs_chain) == [0, 1, 0, 1, 2]
    assert len(Stream(2) + Stream(3)) == 5 and isinstance(Stream(1) + Stream(1), D.ChainDataset)
    sub, tsub = D.Subset(parts[0] + parts[3], [5, 0, 2]), torch.utils.data.Subset(parts[0] + parts[3], [5, 0, 2])
    assert len(sub) == len(tsub) and list(sub) == list(tsub)
    arr = np.arange(10, 20)
    np.testing.assert_array_equal(D.Subset(arr, [5, 0, 2])[[0, 2]], torch.utils.data.Subset(arr, [5, 0, 2])[[0, 2]])
    assert sub.__getitems__([2, 1]) == tsub.__getitems__([2, 1])


@pytest.mark.parametrize("n, lengths", [(10, [3, 7]), (30, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (7, [0.1] * 10),
                                        (5, [5]), (1, [1]), (9, [0.25, 0.75]), (0, [0, 0])])
def test_random_split_sizes_match_torch_and_partition_the_dataset(n, lengths):
    torch = _torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty splits warn in both libraries
        ours = D.random_split(range(n), lengths, generator=fg.Generator().manual_seed(1))
        theirs = torch.utils.data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s) == list(range(n))


def test_random_split_is_fixed_by_its_generator_and_checks_lengths():
    split = lambda seed: [list(s) for s in D.random_split(range(20), [0.5, 0.5],  # noqa: E731
                                                          generator=fg.Generator().manual_seed(seed))]
    assert split(3) == split(3) and split(3) != split(4)
    np_split = [list(s) for s in D.random_split(range(20), [10, 10], generator=np.random.default_rng(0))]
    assert np_split == [list(s) for s in D.random_split(range(20), [10, 10], generator=np.random.default_rng(0))]
    fg.manual_seed(5)
    a = [list(s) for s in D.random_split(range(20), [0.5, 0.5])]
    fg.manual_seed(5)
    assert a == [list(s) for s in D.random_split(range(20), [0.5, 0.5])]
    with pytest.raises(ValueError, match="sum to 9, not to the dataset's length 10"):
        D.random_split(range(10), [4, 5])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        D.random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning) as record:
        D.random_split(range(2), [0.9, 0.05, 0.05])
    assert [str(w.message) for w in record] == [f"random_split: the split at index {i} is empty" for i in (1, 2)]
    assert record[0].filename == __file__  # the warning points at the caller
    with pytest.raises(TypeError, match="funcgrad.Generator or a numpy.random.Generator"):
        D.random_split(range(4), [2, 2], generator=object())


# --- samplers -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, num_samples", [(7, None), (7, 3), (7, 14), (7, 17), (1, 5)])
def test_random_sampler_without_replacement_matches_torch_multisets(n, num_samples):
    torch = _torch()
    ours = list(D.RandomSampler(range(n), num_samples=num_samples, generator=fg.Generator().manual_seed(0)))
    theirs = list(torch.utils.data.RandomSampler(range(n), num_samples=num_samples,
                                                 generator=torch.Generator().manual_seed(0)))
    assert len(ours) == len(theirs) == (num_samples or n)
    assert len(D.RandomSampler(range(n), num_samples=num_samples)) == len(theirs)
    full = len(ours) // n * n  # whole permutations: the same multiset; the tail: one partial permutation each
    assert collections.Counter(ours[:full]) == collections.Counter(theirs[:full])
    assert len(set(ours[full:])) == len(ours) - full and set(ours[full:]) <= set(range(n))


def test_random_sampler_with_replacement_and_its_generator():
    torch = _torch()
    ours = list(D.RandomSampler(range(5), replacement=True, num_samples=200, generator=fg.Generator().manual_seed(0)))
    theirs = list(torch.utils.data.RandomSampler(range(5), replacement=True, num_samples=200))
    assert len(ours) == len(theirs) and set(ours) == set(theirs) == set(range(5))
    order = lambda g: list(D.RandomSampler(range(30), generator=g))  # noqa: E731
    assert order(fg.Generator().manual_seed(1)) == order(fg.Generator().manual_seed(1))
    assert order(fg.Generator().manual_seed(1)) != order(fg.Generator().manual_seed(2))
    assert order(np.random.default_rng(4)) == order(np.random.default_rng(4))
    g = fg.Generator().manual_seed(1)
    assert order(g) != order(g)  # each pass advances the generator: epochs differ
    fg.manual_seed(3)
    first = order(None)
    fg.manual_seed(3)
    assert order(None) == first


@pytest.mark.parametrize("make, error", [
    (lambda m: m.RandomSampler(range(3), num_samples=0), ValueError),
    (lambda m: m.RandomSampler(range(3), replacement=1), TypeError),
    (lambda m: m.WeightedRandomSampler([1.0, 2.0], 0), ValueError),
    (lambda m: m.WeightedRandomSampler([1.0, 2.0], 2, replacement=1), ValueError),
    (lambda m: m.WeightedRandomSampler([[1.0, 2.0]], 2), ValueError),
    (lambda m: m.BatchSampler(range(3), 0, False), ValueError),
    (lambda m: m.BatchSampler(range(3), 2, drop_last=1), ValueError),
])
def test_sampler_argument_errors_match_torch(make, error):
    torch = _torch()
    with pytest.raises(error):
        make(torch.utils.data)
    with pytest.raises(error):
        make(D)


def test_sequential_subset_random_and_weighted_samplers():
    torch = _torch()
    assert list(D.SequentialSampler("abcd")) == list(torch.utils.data.SequentialSampler("abcd")) == [0, 1, 2, 3]
    idx = [9, 4, 4, 7]
    ours = list(D.SubsetRandomSampler(idx, generator=fg.Generator().manual_seed(0)))
    assert sorted(ours) == sorted(torch.utils.data.SubsetRandomSampler(idx)) and len(D.SubsetRandomSampler(idx)) == 4
    w = [0.0, 1.0, 3.0, 0.0, 6.0]
    draws = list(D.WeightedRandomSampler(w, 20_000, generator=fg.Generator().manual_seed(0)))
    theirs = list(torch.utils.data.WeightedRandomSampler(w, 20_000))
    assert len(draws) == len(theirs) and set(draws) == set(theirs) == {1, 2, 4}
    freq = np.bincount(draws, minlength=5) / len(draws)
    np.testing.assert_allclose(freq, np.array(w) / sum(w), atol=0.02)  # 20,000 draws: ~0.004 standard error
    once = list(D.WeightedRandomSampler(w, 3, replacement=False, generator=fg.Generator().manual_seed(0)))
    assert sorted(once) == [1, 2, 4]
    with pytest.raises(ValueError, match="cannot draw 4 samples without replacement from 3 non-zero weights"):
        D.WeightedRandomSampler(w, 4, replacement=False)
    with pytest.raises(ValueError, match="non-negative"):
        D.WeightedRandomSampler([1.0, -1.0], 2)


@pytest.mark.parametrize("n, size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False),
                                                (2, 5, True), (0, 2, False)])
def test_batch_sampler_matches_torch(n, size, drop_last):
    torch = _torch()
    ours = D.BatchSampler(D.SequentialSampler(range(n)), size, drop_last)
    theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


# --- collation ----------------------------------------------------------------------------------------------------
def _nested(lib, i):
    """A nested sample built with ``lib`` (torch or funcgrad) tensors."""
    return {"img": lib.tensor(np.full((2, 3), float(i))), "meta": (i, float(i) / 2, f"n{i}", True),
            "pt": Point(lib.tensor([i, -i]), [i, i + 1])}


def test_default_collate_of_nested_tensor_samples_matches_torch():
    torch = _torch()
    ours = D.default_collate([_nested(fg, i) for i in range(3)])
    theirs = torch.utils.data.default_collate([_nested(torch, i) for i in range(3)])
    assert isinstance(ours["pt"], Point) and isinstance(ours["img"], fg.Tensor)
    assert isinstance(ours["meta"], list) and isinstance(ours["meta"][0], fg.Tensor)  # torch: tuples give lists
    _assert_same(ours, theirs)
    assert ours["meta"][1].dtype == np.float64 and ours["meta"][0].dtype == np.int64  # PyTorch's number dtypes


def test_default_collate_keeps_numpy_for_the_functional_face():
    torch = _torch()
    samples = [(np.full(3, i, dtype=np.float32), i, np.int32(i), {"w": float(i)}) for i in range(4)]
    ours = D.default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)  # torch turns every array into a tensor
    assert all(isinstance(v, np.ndarray) for v in (ours[0], ours[1], ours[2], ours[3]["w"]))
    _assert_same(ours, theirs)
    only_numbers = D.default_collate([1.5, 2.5])
    assert isinstance(only_numbers, fg.Tensor) and only_numbers.dtype == np.float64  # as PyTorch
    assert D.default_collate(["a", "b"]) == ["a", "b"]
    assert isinstance(D.default_collate([(fg.tensor([1.0]), 3)] * 2)[1], fg.Tensor)  # numbers beside a Tensor
    assert D.default_collate([np.bool_(True), np.bool_(False)]).dtype == bool
    stacked = D.default_collate([fg.tensor([1.0, 2.0], requires_grad=True)] * 2)
    stacked.sum().backward()  # collating records the graph, as torch.stack does


@pytest.mark.parametrize("batch, error, match", [
    ([np.zeros(2), np.zeros(3)], RuntimeError, r"\(2,\) at entry 0 and \(3,\) at entry 1"),
    ([fg.zeros(2), fg.zeros(1, 2)], RuntimeError, "different shapes"),
    ([[1, 2], [1]], RuntimeError, "equal size"),
    ([object(), object()], TypeError, "found object"),
    ([np.array(["a"]), np.array(["b"])], TypeError, "dtype <U1"),
    ([], TypeError, "non-empty list"),
])
def test_default_collate_errors_name_the_problem(batch, error, match):
    with pytest.raises(error, match=match):
        D.default_collate(batch)


def test_default_convert_rebuilds_containers_and_keeps_arrays():
    x = np.ones(2)
    out = D.default_convert({"a": (x, 1), "p": Point(x, "s"), "l": [fg.tensor(1.0)]})
    assert out["a"][0] is x and out["a"][1] == 1 and isinstance(out["a"], tuple)
    assert isinstance(out["p"], Point) and out["p"].x is x and isinstance(out["l"][0], fg.Tensor)


# --- the DataLoader in the main process ---------------------------------------------------------------------------
class Squares(D.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.array([i, i * i], dtype=np.int64), float(i)


def _stream_like(base):
    """An iterable dataset of ``n`` floats on ``base`` (funcgrad's or torch's IterableDataset)."""

    class Stream(base):
        def __init__(self, n, with_len=True):
            self.n, self.with_len = n, with_len

        def __iter__(self):
            return iter(np.arange(self.n, dtype=np.float64))

        def __len__(self):
            if not self.with_len:
                raise TypeError("no len")
            return self.n

    return Stream


Stream = _stream_like(D.IterableDataset)


@pytest.mark.parametrize("kw", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                                dict(batch_size=4, shuffle=True), dict(batch_size=20), dict(batch_size=1)])
def test_loader_lengths_and_sequential_batches_match_torch(kw):
    torch = _torch()
    ours, theirs = D.DataLoader(Squares(10), **kw), torch.utils.data.DataLoader(Squares(10), **kw)
    assert len(ours) == len(theirs)
    if not kw.get("shuffle"):
        _assert_same(list(ours), list(theirs))
    else:  # the same batch sizes, every index once
        got = [b[1] for b in ours]
        assert [len(b) for b in got] == [len(b[1]) for b in theirs]
        assert sorted(np.concatenate(got).tolist()) == [float(i) for i in range(10)]


@pytest.mark.parametrize("n, kw", [(10, dict(batch_size=3)), (10, dict(batch_size=3, drop_last=True)),
                                   (4, dict(batch_size=None))])
def test_loader_over_an_iterable_dataset_matches_torch(n, kw):
    torch = _torch()
    theirs_stream = _stream_like(torch.utils.data.IterableDataset)
    ours, theirs = D.DataLoader(Stream(n), **kw), torch.utils.data.DataLoader(theirs_stream(n), **kw)
    assert len(ours) == len(theirs)
    _assert_same(list(ours), list(theirs))
    with pytest.raises(TypeError):
        len(D.DataLoader(Stream(3, with_len=False)))


def test_loader_with_sampler_batch_sampler_and_collate_fn():
    torch = _torch()
    sampler = [3, 1, 2]
    _assert_same(list(D.DataLoader(Squares(5), sampler=sampler, batch_size=2)),
                 list(torch.utils.data.DataLoader(Squares(5), sampler=sampler, batch_size=2)))
    batches = [[4, 0], [2]]
    _assert_same(list(D.DataLoader(Squares(5), batch_sampler=batches)),
                 list(torch.utils.data.DataLoader(Squares(5), batch_sampler=batches)))
    assert list(D.DataLoader(Squares(3), batch_size=2, collate_fn=len)) == [2, 1]
    calls = []

    class Batched(Squares):
        def __getitems__(self, idx):
            calls.append(idx)
            return [self[i] for i in idx]

    assert len(list(D.DataLoader(Batched(5), batch_size=2))) == 3 and calls == [[0, 1], [2, 3], [4]]


def test_shuffle_order_is_fixed_by_the_generator_or_the_global_seed():
    def epoch(loader):
        return np.concatenate([b[1] for b in loader]).tolist()

    loader = D.DataLoader(Squares(12), batch_size=5, shuffle=True, generator=fg.Generator().manual_seed(7))
    e1, e2 = epoch(loader), epoch(loader)
    assert e1 != e2 and sorted(e1) == sorted(e2) == [float(i) for i in range(12)]  # a fresh order each epoch
    again = D.DataLoader(Squares(12), batch_size=5, shuffle=True, generator=fg.Generator().manual_seed(7))
    assert [epoch(again), epoch(again)] == [e1, e2]
    fg.manual_seed(11)
    g1 = epoch(D.DataLoader(Squares(12), batch_size=5, shuffle=True))
    fg.manual_seed(11)
    assert epoch(D.DataLoader(Squares(12), batch_size=5, shuffle=True)) == g1


@pytest.mark.parametrize("kw", [dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], shuffle=True),
                                dict(batch_sampler=[[0]], drop_last=True), dict(sampler=[0], shuffle=True),
                                dict(batch_size=None, drop_last=True), dict(num_workers=-1),
                                dict(prefetch_factor=2), dict(persistent_workers=True), dict(timeout=-1)])
def test_loader_argument_errors_match_torch(kw):
    torch = _torch()
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(Squares(3), **kw)
    with pytest.raises(ValueError):
        D.DataLoader(Squares(3), **kw)


@pytest.mark.parametrize("kw", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_refuses_orderings_as_torch(kw):
    torch = _torch()
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(_stream_like(torch.utils.data.IterableDataset)(3), **kw)
    with pytest.raises(ValueError, match="IterableDataset"):
        D.DataLoader(Stream(3), **kw)


def test_loader_feeds_both_faces_of_a_training_step():
    x = np.random.default_rng(0).standard_normal((32, 3))
    y = x @ np.array([1.0, -2.0, 0.5])
    # the PyTorch face: Tensor batches into a Module
    fg.manual_seed(0)
    model = fg.nn.Linear(3, 1, dtype=fg.float64)
    opt = fg.optim.SGD(model.parameters(), lr=0.1)
    loader = D.DataLoader(D.TensorDataset(fg.tensor(x), fg.tensor(y)), batch_size=8, shuffle=True)
    for _ in range(30):
        for xb, yb in loader:
            assert isinstance(xb, fg.Tensor) and xb.shape == (8, 3)
            opt.zero_grad()
            loss = ((model(xb).squeeze(-1) - yb) ** 2).mean()
            loss.backward()
            opt.step()
    assert loss.item() < 1e-3
    # the functional face: NumPy batches into grad
    w = np.zeros(3)
    for _ in range(30):
        for xb, yb in D.DataLoader(D.TensorDataset(x, y), batch_size=8):
            assert type(xb) is np.ndarray
            w = w - 0.1 * fg.grad(lambda w: fg.numpy.mean((xb @ w - yb) ** 2))(w)
    np.testing.assert_allclose(w, [1.0, -2.0, 0.5], atol=1e-3)


def test_pin_memory_is_a_no_op_on_the_cpu_and_copies_to_page_locked_memory_with_a_gpu(monkeypatch):
    from funcgrad.utils.data import dataloader as dl

    ds = D.TensorDataset(np.arange(6.0).reshape(3, 2), fg.arange(3))
    plain = list(D.DataLoader(ds, batch_size=2))
    _assert_same(list(D.DataLoader(ds, batch_size=2, pin_memory=True)), plain)
    allocated = []

    class FakeCuda:  # stands for cupy.cuda: its pinned allocator hands out host buffers
        @staticmethod
        def alloc_pinned_memory(nbytes):
            allocated.append(bytearray(nbytes))
            return allocated[-1]

    class FakeBackend:
        xp = type("xp", (), {"cuda": FakeCuda})

    monkeypatch.setattr(dl, "gpu_available", lambda: True)
    monkeypatch.setattr(dl, "gpu_backend", lambda: FakeBackend())
    pinned = list(D.DataLoader(ds, batch_size=2, pin_memory=True))
    _assert_same(pinned, plain)
    assert len(allocated) == 4  # two batches of (array, Tensor)
    x, t = pinned[0]
    assert np.shares_memory(x, np.frombuffer(allocated[0], x.dtype))
    assert np.shares_memory(t.numpy(), np.frombuffer(allocated[1], t.dtype))


def test_get_worker_info_is_none_in_the_main_process_and_worker_info_is_read_only():
    assert D.get_worker_info() is None
    info = D.WorkerInfo(id=1, num_workers=2, seed=5, dataset="d")
    with pytest.raises(RuntimeError, match="read-only"):
        info.id = 0
    assert "id=1" in repr(info)


def test_memory_stays_flat_over_many_epochs_in_the_main_process():
    loader = D.DataLoader(D.TensorDataset(np.ones((64, 8)), fg.arange(64)), batch_size=16, shuffle=True,
                          generator=fg.Generator().manual_seed(0))

    def epoch():
        for _ in loader:
            pass

    assert growth(epoch, 300, warmup=50) < 100_000
