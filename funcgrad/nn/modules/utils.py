"""Helpers the layers share (``torch.nn.modules.utils``): ``_single``, ``_pair``, ``_triple``, ``_quadruple``
turn an int (or a sequence) into a tuple of that length, ``_reverse_repeat_tuple`` builds ``F.pad``'s argument
from per-dimension paddings, ``_legacy_reduction`` maps the old ``size_average``/``reduce`` flags to
``reduction``, and ``_check_rank`` raises the layers' clear error for an input of the wrong rank.

>>> _pair(3), _triple((1, 2, 3)), _reverse_repeat_tuple((1, 2), 2)
((3, 3), (1, 2, 3), (2, 2, 1, 1))
>>> _legacy_reduction(None, False, emit_warning=False)
'none'
"""
from __future__ import annotations

import warnings
from itertools import repeat
from typing import Any, Callable, Iterable

from ...tensors.tensor import Tensor

__all__: list = []


def _ntuple(n: int, name: str = "parse") -> Callable[[Any], tuple]:
    """A function turning an int into an ``n``-tuple of it, and a sequence into a tuple (its length kept)."""
    def parse(x: Any) -> tuple:
        if isinstance(x, Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(repeat(x, n))
    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t: Iterable, n: int) -> tuple:
    """``(a, b)`` with ``n = 2`` -> ``(b, b, a, a)``: per-dimension amounts in ``F.pad``'s last-dimension-first
    order, each repeated ``n`` times."""
    return tuple(x for x in reversed(tuple(t)) for _ in range(n))


def _legacy_reduction(size_average: Any, reduce: Any, emit_warning: bool = True) -> str:
    """PyTorch's mapping of the deprecated ``size_average`` / ``reduce`` flags to a ``reduction`` string."""
    average = True if size_average is None else bool(size_average)
    red = True if reduce is None else bool(reduce)
    result = "mean" if (average and red) else ("sum" if red else "none")
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.",
                      UserWarning, stacklevel=3)
    return result


def _check_rank(layer: str, input: Any, ranks: tuple, layout: str) -> None:
    """Raise ``RuntimeError`` naming ``layer``, the expected ranks/layout and the given shape when ``input`` has a
    rank not in ``ranks``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{layer}: expected a funcgrad Tensor as input, got {type(input).__name__}")
    if input.ndim not in ranks:
        want = " or ".join(f"{r}D" for r in ranks)
        raise RuntimeError(f"{layer}: expected {want} input {layout}, but got {input.ndim}D input of shape "
                           f"{tuple(input.shape)}")


def _check_min_rank(layer: str, input: Any, least: int, layout: str) -> None:
    """Raise ``RuntimeError`` naming ``layer``, the least rank/layout and the given shape when ``input`` has fewer
    than ``least`` dimensions."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{layer}: expected a funcgrad Tensor as input, got {type(input).__name__}")
    if input.ndim < least:
        raise RuntimeError(f"{layer}: expected an input of at least {least} dimensions {layout}, but got "
                           f"{input.ndim}D input of shape {tuple(input.shape)}")
