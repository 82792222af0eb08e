"""HIPS autograd's ``flatten``: any pytree of arrays and scalars as one 1-D array, and the function back.

Differentiable both ways (it is made of funcgrad.numpy operations); dict entries go in sorted key order, as in
autograd. funcgrad's pytrees also cover namedtuples, ``None`` and registered nodes.

>>> import numpy as np
>>> from funcgrad.misc import flatten
>>> flat, unflatten = flatten({"b": np.ones(2), "a": (1.0, np.zeros((1, 2)))})
>>> flat
array([1., 0., 0., 1., 1.])
>>> unflatten(flat)["a"][1]
array([[0., 0.]])
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ... import numpy as fnp
from ... import tree

__all__ = ["flatten", "flatten_func"]


def flatten(value: Any) -> tuple[Any, Callable]:
    """``(flat_vector, unflatten)``: the leaves of ``value`` raveled and concatenated, and the inverse map."""
    leaves, td = tree.flatten(value)
    shapes = [fnp.shape(x) for x in leaves]
    sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
    flat = fnp.concatenate([fnp.ravel(x) for x in leaves]) if leaves else np.array([])

    def unflatten(vector: Any) -> Any:
        if fnp.shape(vector) != (sum(sizes),):
            raise ValueError(f"unflatten: expected a vector of shape ({sum(sizes)},), got {fnp.shape(vector)}")
        parts, start = [], 0
        for shape, n in zip(shapes, sizes):
            parts.append(fnp.reshape(vector[start:start + n], shape))
            start += n
        return tree.unflatten(td, parts)

    return flat, unflatten


def flatten_func(func: Callable, example: Any) -> tuple[Callable, Callable, Any]:
    """autograd's ``flatten_func``: ``func`` over pytrees like ``example`` as a function of flat vectors;
    returns ``(flat_func, unflatten, flat_example)``."""
    flat_ex, unflatten = flatten(example)

    def flat_func(x, *args):
        return flatten(func(unflatten(x), *args))[0]

    return flat_func, unflatten, flat_ex
