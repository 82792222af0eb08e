"""Deep graphs, repeated calls and threads: no recursion limit, no growing memory, no cross-talk."""
import gc
import threading
import tracemalloc

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp


def _chain(x, n):
    for _ in range(n):
        x = x * 1.00001
    return x


def test_hundred_thousand_op_chain_has_no_recursion_limit():
    g = fg.grad(lambda x: _chain(x, 100_000))(1.0)
    assert np.isclose(g, 1.00001 ** 100_000)


def _peak_bytes(n):
    gc.collect()
    tracemalloc.start()
    fg.grad(lambda x: _chain(x, n)[0])(np.ones(4))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_of_a_chain_grows_linearly():
    small, large = _peak_bytes(5_000), _peak_bytes(20_000)
    assert large < 5.0 * small, (small, large)  # 4x the ops: about 4x the memory, never quadratic


def test_repeated_grad_calls_do_not_leak():
    f = fg.grad(lambda x: fnp.tanh(x * 2.0)[0] + fnp.sin(x)[1])
    x = np.linspace(0.1, 1.0, 8)
    for _ in range(200):
        f(x)
    gc.collect()
    tracemalloc.start()
    for _ in range(1000):
        f(x)
    gc.collect()
    first = tracemalloc.get_traced_memory()[0]
    for _ in range(9000):
        f(x)
    gc.collect()
    second = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert second - first < 64 * 1024, (first, second)


def test_grad_from_four_threads_gives_each_its_own_result():
    errors = []

    def worker(k):
        try:
            scale = float(k + 1)
            f = fg.grad(lambda x: fnp.sin(x * scale)[0] * scale)
            for i in range(300):
                x = np.array([0.1 * i, 1.0])
                expected = np.array([np.cos(x[0] * scale) * scale * scale, 0.0])
                np.testing.assert_allclose(f(x), expected)
        except Exception as e:  # reported in the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
