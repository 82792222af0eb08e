"""funcgrad.utils.data in the main process: datasets, samplers, collation and the DataLoader agree with
torch.utils.data (lengths, items, index multisets, split sizes, batches; exact random orders differ between the two
libraries' generators, but a seed fixes funcgrad's), collate as PyTorch does (NumPy samples give Tensor batches,
compared leaf by leaf with torch's: types, dtypes, containers, errors), give NumPy batches for the functional face
with ``collate_fn=numpy_collate``, refuse bad arguments as PyTorch does, and keep memory flat over many epochs.
Worker processes: test_data_workers.py."""
from __future__ import annotations

import collections
import copy
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


def _assert_like_torch(ours, theirs):
    """``ours`` (funcgrad's) has torch's structure leaf by leaf: a funcgrad Tensor where torch gives a tensor (same
    dtype, shape and values), the same container types, equal other leaves of the same type."""
    torch = _torch()
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, fg.Tensor), (type(ours), theirs)
        want = theirs.detach().numpy()
        got = ours.detach().numpy()
        assert got.dtype == want.dtype and got.shape == want.shape, (got, want)
        np.testing.assert_array_equal(got, want)
        return
    assert type(ours).__name__ == type(theirs).__name__, (ours, theirs)
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for k in theirs:
            _assert_like_torch(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), (ours, theirs)
        for x, y in zip(ours, theirs):
            _assert_like_torch(x, y)
    elif isinstance(theirs, np.ndarray):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)
    else:
        assert ours == theirs


def _assert_numpy_batch(batch):
    """Every array leaf of ``batch`` is a NumPy array (no Tensor anywhere)."""
    if isinstance(batch, dict):
        for v in batch.values():
            _assert_numpy_batch(v)
    elif isinstance(batch, (list, tuple)):
        for v in batch:
            _assert_numpy_batch(v)
    else:
        assert not isinstance(batch, fg.Tensor), batch


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
    _assert_like_torch(ours, theirs)
    assert ours["meta"][1].dtype == np.float64 and ours["meta"][0].dtype == np.int64  # PyTorch's number dtypes


class _Tagged(dict):
    """A dict subclass with an attribute of its own (torch collates a copy of the sample's mapping)."""


class _Items(list):
    pass


def _numpy_samples():
    """Batches of NumPy samples (and Python values) of every kind default_collate handles."""
    tagged = [_Tagged(a=np.full(2, i, np.float32), s=f"s{i}") for i in range(3)]
    for t in tagged:
        t.tag = "kept"
    return {
        "mixed tuples": [(np.full(3, i, dtype=np.float32), i, np.int32(i), {"w": float(i)}) for i in range(4)],
        "floats": [1.5, 2.5], "ints": [1, 2], "bools": [True, False], "int then float": [1, 2.5],
        "float then int": [1.5, 2], "bool then int": [True, 2],
        "numpy scalars": [np.float32(1), np.float32(2)], "int32 scalars": [np.int32(1), np.int32(2)],
        "float16 scalars": [np.float16(1), np.float16(2)], "numpy bools": [np.bool_(True), np.bool_(False)],
        "float32 and float64 scalars": [np.float32(1), np.float64(2)], "int64 scalar and float": [np.int64(1), 2.5],
        "uint8 scalars": [np.uint8(3), np.uint8(4)], "complex64 scalars": [np.complex64(1j), np.complex64(2)],
        "0-d arrays": [np.array(1.0), np.array(2.0)], "uint16 arrays": [np.zeros(2, np.uint16), np.ones(2, np.uint16)],
        "bool arrays": [np.zeros(3, bool), np.ones(3, bool)], "strided": [np.arange(6.0).reshape(2, 3).T] * 2,
        "strings": ["a", "b"], "bytes": [b"a", b"b"], "numpy strings": [np.str_("a"), np.str_("b")],
        "nested": [{"a": {"b": (np.ones(1) * i, f"s{i}", Point(np.int64(i), [i, 2.0]))}} for i in range(3)],
        "ordered dicts": [collections.OrderedDict(b=np.ones(2), a=1), collections.OrderedDict(b=np.zeros(2), a=2)],
        "dict subclass": tagged, "list subclass": [_Items([1, np.ones(1)]), _Items([3, np.zeros(1)])],
        "lists": [[1, 2.0], [3, 4.0]], "ranges": [range(2), range(2)],
    }


@pytest.mark.parametrize("name", list(_numpy_samples()))
def test_default_collate_of_numpy_samples_gives_tensors_as_torch_does(name):
    torch = _torch()
    samples = _numpy_samples()[name]
    ours, theirs = D.default_collate(samples), torch.utils.data.default_collate(samples)
    _assert_like_torch(ours, theirs)
    if name == "dict subclass":
        assert type(ours) is _Tagged and ours.tag == "kept"  # a copy of the first sample, as torch makes


def test_default_collate_batches_feed_a_torch_training_step():
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    for xb, yb in D.DataLoader(D.TensorDataset(x, np.arange(8) % 2), batch_size=4):
        xb, yb = xb.to("cpu"), yb.to("cpu")  # what broke on NumPy batches
        assert isinstance(xb, fg.Tensor) and xb.dtype == fg.float32 and yb.dtype == fg.int64
    stacked = D.default_collate([fg.tensor([1.0, 2.0], requires_grad=True)] * 2)
    stacked.sum().backward()  # collating records the graph, as torch.stack does
    a = np.ones(2)
    batch = D.default_collate([a, a])
    a[0] = 5.0
    assert batch.tolist() == [[1.0, 1.0]] * 2  # a batch is a new array, as torch.stack makes


@pytest.mark.parametrize("make, error, match", [
    (lambda lib: [np.zeros(2), np.zeros(3)], RuntimeError,
     r"stack expects each tensor to be equal size, but got \[2\] at entry 0 and \[3\] at entry 1"),
    (lambda lib: [lib.zeros(2), lib.zeros(1, 2)], RuntimeError, r"but got \[2\] at entry 0 and \[1, 2\] at entry 1"),
    (lambda lib: [[1, 2], [1]], RuntimeError, "each element in list of batch should be of equal size"),
    (lambda lib: [object(), object()], TypeError, "numbers, dicts or lists; found <class 'object'>"),
    (lambda lib: [None, None], TypeError, "found <class 'NoneType'>"),
    (lambda lib: [1j, 2j], TypeError, "found <class 'complex'>"),
    (lambda lib: [np.array(["a"]), np.array(["b"])], TypeError, "found <U1"),
    (lambda lib: [np.array([None]), np.array([None])], TypeError, "found object"),
    (lambda lib: [{"a": 1}, {"b": 2}], KeyError, "a"),
    (lambda lib: [], IndexError, "non-empty list"),
])
def test_default_collate_errors_are_torchs(make, error, match):
    torch = _torch()
    with pytest.raises(error):
        torch.utils.data.default_collate(make(torch))
    with pytest.raises(error, match=match):
        D.default_collate(make(fg))
    with pytest.raises(error, match=match):
        D.numpy_collate(make(fg))


def test_default_convert_matches_torch():
    torch = _torch()
    x = np.ones(2)
    cases = [0, 1.5, "s", None, x, np.float32(2), np.str_("a"), np.array(["a"]), np.array([None]), (x, 1),
             Point(x, "s"), [x, (1, 2)], {"x": x, "y": (1, 2)}, range(3), _Items([x]),
             {"a": (x, 1), "p": Point(x, "s"), "l": [np.int64(3)]}]
    for data in cases:
        _assert_like_torch(D.default_convert(data), torch.utils.data.default_convert(data))
    t = fg.tensor([1.0])
    assert D.default_convert(t) is t and D.default_convert([t])[0] is t
    converted = D.default_convert(x)
    x[0] = 7.0
    assert converted.tolist() == [7.0, 1.0]  # as torch.as_tensor: the Tensor shares the array's memory
    strings = np.array(["a"])
    assert D.default_convert({"s": strings})["s"] is strings  # arrays of strings and objects are left as they are


@pytest.mark.parametrize("name", list(_numpy_samples()))
def test_numpy_collate_gives_numpy_arrays_with_default_collates_dtypes(name):
    samples = _numpy_samples()[name]
    ours, tensors = D.numpy_collate(samples), D.default_collate(samples)
    _assert_numpy_batch(ours)

    def as_torch_would(t):  # default_collate's batch with each Tensor as NumPy: what numpy_collate should give
        if isinstance(t, fg.Tensor):
            return t.numpy()
        if isinstance(t, dict):
            out = copy.copy(t)
            out.update({k: as_torch_would(v) for k, v in t.items()})
            return out
        if isinstance(t, Point):
            return Point(*map(as_torch_would, t))
        if isinstance(t, (list, tuple)):
            return type(t)(map(as_torch_would, t))
        return t

    _assert_like_torch(ours, as_torch_would(tensors))


def test_numpy_collate_takes_tensors_off_their_graph_and_loads_for_grad():
    leaf = fg.tensor([1.0, 2.0], requires_grad=True)
    batch = D.numpy_collate([(leaf, 1), (leaf * 2, 2)])
    assert type(batch[0]) is np.ndarray and batch[0].tolist() == [[1.0, 2.0], [2.0, 4.0]]
    assert type(batch[1]) is np.ndarray and batch[1].dtype == np.int64
    x = np.random.default_rng(0).standard_normal((12, 3))
    loader = D.DataLoader(D.TensorDataset(x, x @ np.array([1.0, -2.0, 0.5])), batch_size=4, collate_fn=D.numpy_collate)
    for xb, yb in loader:
        assert type(xb) is np.ndarray and type(yb) is np.ndarray and xb.shape == (4, 3)
        g = fg.grad(lambda w: fg.numpy.mean((xb @ w - yb) ** 2))(np.zeros(3))
        assert type(g) is np.ndarray


def test_device_arrays_are_collated_on_their_device():
    from funcgrad.backend import device_of
    from funcgrad.testing import standin

    backend = standin.install()
    try:
        with backend.use_device(1):
            rows = [standin.xp.asarray(np.full(3, float(i))) for i in range(2)]
        on_device = D.default_collate([(r, i) for i, r in enumerate(rows)])
        assert isinstance(on_device[0], fg.Tensor) and on_device[0].device == "cuda:1"
        assert on_device[0].shape == (2, 3) and on_device[1].device == "cpu"  # numbers are host data
        tensors = D.default_collate([fg.Tensor._from_value(r) for r in rows])
        assert tensors.device == "cuda:1"
        arrays = D.numpy_collate([(r, i) for i, r in enumerate(rows)])
        assert type(arrays[0]) is standin.StandinArray and device_of(arrays[0]) == "cuda:1"
        assert device_of(D.numpy_collate([fg.Tensor._from_value(r) for r in rows])) == "cuda:1"
        converted = D.default_convert({"x": rows[0]})["x"]
        assert isinstance(converted, fg.Tensor) and converted.device == "cuda:1"
        assert standin.xp.asnumpy(arrays[0]).tolist() == [[0.0] * 3, [1.0] * 3]
    finally:
        standin.uninstall()


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
        _assert_like_torch(list(ours), list(theirs))
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
    _assert_like_torch(list(ours), list(theirs))
    with pytest.raises(TypeError):
        len(D.DataLoader(Stream(3, with_len=False)))


def test_loader_with_sampler_batch_sampler_and_collate_fn():
    torch = _torch()
    sampler = [3, 1, 2]
    _assert_like_torch(list(D.DataLoader(Squares(5), sampler=sampler, batch_size=2)),
                       list(torch.utils.data.DataLoader(Squares(5), sampler=sampler, batch_size=2)))
    batches = [[4, 0], [2]]
    _assert_like_torch(list(D.DataLoader(Squares(5), batch_sampler=batches)),
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
    # the functional face: NumPy batches (collate_fn=numpy_collate) into grad
    w = np.zeros(3)
    for _ in range(30):
        for xb, yb in D.DataLoader(D.TensorDataset(x, y), batch_size=8, collate_fn=D.numpy_collate):
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
    assert len(allocated) == 4  # two batches of (Tensor, Tensor)
    x, t = pinned[0]
    assert isinstance(x, fg.Tensor) and np.shares_memory(x.numpy(), np.frombuffer(allocated[0], x.dtype))
    assert np.shares_memory(t.numpy(), np.frombuffer(allocated[1], t.dtype))
    arrays = list(D.DataLoader(ds, batch_size=2, pin_memory=True, collate_fn=D.numpy_collate))
    _assert_same(arrays, plain)
    assert len(allocated) == 8 and type(arrays[0][0]) is np.ndarray  # NumPy batches are pinned too
    assert np.shares_memory(arrays[0][0], np.frombuffer(allocated[4], arrays[0][0].dtype))


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
