"""The memory check of the training-loop tests: tracemalloc's traced bytes gained over many steps, after warm-up."""
import gc
import tracemalloc
import warnings

import numpy as np


def growth(step, steps: int, warmup: int = 100) -> int:
    """Traced bytes gained over ``steps`` calls of ``step``, after ``warmup`` calls (caches filled); warnings and
    floating-point errors of the steps are silenced (values may run off over many steps, memory is the point)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for _ in range(warmup):
            step()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(steps):
                step()
            gc.collect()
            return tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
