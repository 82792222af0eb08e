"""Batching rules for the engine's own primitives (accumulation, unbroadcasting, casting, packing), written with
the shape family's operations, which the core cannot import. They make backward passes under vmap (the Jacobians)
one batched pass."""
from __future__ import annotations

from ..backend import shape_of
from ..core.primitive import add_any, broadcast_to, cast, embed0, index0, pack, sum_to
from .shape import _reshape, _transpose

__all__: list = []
LINALG: list = []


def _per_example_ndim(x, is_batched: bool) -> int:
    return len(shape_of(x)) - (1 if is_batched else 0)


def _align(x, is_batched: bool, rank: int):
    """A batched x reshaped to (B,) + (1,) * k + its example shape, so that it broadcasts per example."""
    s = shape_of(x)
    if not is_batched or len(s) - 1 >= rank:
        return x
    return _reshape(x, shape=(s[0],) + (1,) * (rank - (len(s) - 1)) + s[1:])


def _size(args, batched) -> int:
    return next(shape_of(a)[0] for a, b in zip(args, batched) if b)


def _add_any_batch(args, batched):
    rank = max(_per_example_ndim(a, b) for a, b in zip(args, batched))
    return add_any(*[_align(a, b, rank) for a, b in zip(args, batched)])


def _sum_to_batch(args, batched, shape):
    (x,) = args
    s, shape = shape_of(x), tuple(shape)
    lead = len(s) - 1 - len(shape)  # per-example leading axes that are summed away (sum_to aligns on the right)
    out = sum_to(x, shape=(s[0],) + (1,) * lead + shape)
    return _reshape(out, shape=(s[0],) + shape) if lead else out


def _broadcast_to_batch(args, batched, shape):
    (x,) = args
    x = _align(x, True, len(shape))
    return broadcast_to(x, shape=(shape_of(x)[0],) + tuple(shape))


def _cast_batch(args, batched, dtype):
    return cast(args[0], dtype=dtype)


def _pack_batch(args, batched):
    size = _size(args, batched)
    full = [a if b else broadcast_to(a, shape=(size,) + shape_of(a)) for a, b in zip(args, batched)]
    out = pack(*full)  # (n, B, ...): the batch goes first
    perm = (1, 0) + tuple(range(2, len(shape_of(out))))
    return _transpose(out, axes=perm)


def _index0_batch(args, batched, i):
    x = args[0]
    perm = (1, 0) + tuple(range(2, len(shape_of(x))))
    return index0(_transpose(x, axes=perm), i=i)


def _embed0_batch(args, batched, i, n):
    out = embed0(args[0], i=i, n=n)  # (n, B, ...)
    perm = (1, 0) + tuple(range(2, len(shape_of(out))))
    return _transpose(out, axes=perm)


add_any.def_batch(_add_any_batch)
sum_to.def_batch(_sum_to_batch)
broadcast_to.def_batch(_broadcast_to_batch)
cast.def_batch(_cast_batch)
pack.def_batch(_pack_batch)
index0.def_batch(_index0_batch)
embed0.def_batch(_embed0_batch)
