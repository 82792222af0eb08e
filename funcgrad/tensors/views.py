"""Views: tensors made by basic indexing and the view functions (``x[0]``, ``select``, ``narrow``, ``diagonal``,
``view``/``reshape``, ``t``/``transpose``/``permute``, ``squeeze``/``unsqueeze``, ``unbind``, ``split``/``chunk``,
``expand``, iteration) take their base's in-place updates and give it theirs, as PyTorch's shared storage does.

A Tensor holds an immutable value, so a view cannot share memory with its base: it is recorded here instead, as its
root (the tensor that is no view, which the view keeps alive, as PyTorch's ``_base``) and the steps that compute
the view's value from the root's (``fnp.getitem``, ``fnp.reshape`` ...). An in-place update of a view (any method
that goes through ``inplace._rebind``) is scattered into the root, through the root's own in-place path (so its
sharers and grad-mode rules apply, and the update is recorded on the root as in PyTorch); an in-place update of a
root recomputes its live views from the new value. The root holds its views weakly: a view that is dropped leaves
nothing behind, and while no view is alive the in-place methods pay one dict test.

>>> import funcgrad as fg
>>> grid = fg.zeros(2, 3)
>>> grid[0][1] = 4.0
>>> grid
tensor([[0., 4., 0.],
        [0., 0., 0.]])
>>> d = fg.zeros(2, 2); _ = d.diagonal().fill_(1); d
tensor([[1., 0.],
        [0., 1.]])
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import device_of, to_device
from ..core import getval

__all__: list = []


class _Ref(weakref.ref):
    """A weak reference to a view, carrying the key (the view's id) its record is filed under."""

    __slots__ = ("key",)


#: id(view) -> (weak reference to the view, its root (held), the steps from the root's value, overlapping,
#: detached: a ``detach()`` or ``.data`` of a view, whose writes and refreshes autograd does not record)
VIEWS: dict = {}
#: id(root) -> its live views: {id(view): weak reference to the view}
LIVE: dict = {}


def _gone(ref: _Ref) -> None:
    rec = VIEWS.get(ref.key)
    if rec is None or rec[0] is not ref:
        return
    del VIEWS[ref.key]
    key = id(rec[1])
    refs = LIVE.get(key)
    if refs is not None:
        if refs.get(ref.key) is ref:
            del refs[ref.key]
        if not refs:
            del LIVE[key]


def record(base: Any, view: Any, step: tuple, overlap: bool = False, detached: bool = False) -> Any:
    """File ``view`` (a Tensor computed from ``base`` by ``step[0](base_value, *step[1:])``) as a view of
    ``base``'s root; returns ``view``. ``overlap``: several elements of the view are one element of the base
    (``expand``), so the view cannot be written, as in PyTorch.

    >>> import funcgrad as fg
    >>> x = fg.zeros(3); v = record(x, fg.zeros(1), (fnp.getitem, slice(0, 1)))
    >>> _ = v.fill_(2.0); x
    tensor([2., 0., 0.])
    """
    if view is base:
        return view
    rec = VIEWS.get(id(base))
    if rec is not None and rec[0]() is base:  # a view of a view: filed under the root, the steps joined
        root, steps, overlap = rec[1], rec[2] + (step,), overlap or rec[3]
    else:
        root, steps = base, (step,)
    ref = _Ref(view, _gone)  # (the view is a new tensor: nothing is filed under its id)
    ref.key = key = id(view)
    VIEWS[key] = (ref, root, steps, overlap, detached)
    refs = LIVE.get(id(root))
    if refs is None:
        LIVE[id(root)] = {key: ref}
    else:
        refs[key] = ref
    return view


def record_all(base: Any, views: Any, steps: list) -> Any:
    """:func:`record` for each of ``views`` (``unbind``, ``split``), with its step; returns ``views``."""
    for v, s in zip(views, steps):
        record(base, v, s)
    return views


def of(t: Any) -> tuple | None:
    """``(root, steps, overlap, detached)`` of the view ``t``, or None where ``t`` is no view."""
    rec = VIEWS.get(id(t))
    if rec is None or rec[0]() is not t:
        return None
    return rec[1:]


def forget(t: Any) -> None:
    """Make ``t`` a tensor of its own (no longer a view): PyTorch's ``t_()`` on a view changes only the view."""
    rec = VIEWS.get(id(t))
    if rec is not None and rec[0]() is t:
        _gone(rec[0])


def orphan(root: Any) -> None:
    """Make the views of ``root`` tensors of their own: ``root`` is taking another shape in place
    (``t_()``, ``unsqueeze_()``), which its views' steps no longer fit."""
    refs = LIVE.get(id(root))
    if refs:
        for r in list(refs.values()):
            _gone(r)


def _same(value: Any) -> Any:
    """The step of a view's ``detach()``: the same elements."""
    return value


def detached(view: Any, alias: Any) -> bool:
    """File ``alias`` (``view.detach()``, ``view.data``) as a detached view of ``view``'s root, if ``view`` is a
    view; returns whether it was one."""
    rec = VIEWS.get(id(view))
    if rec is None or rec[0]() is not view:
        return False
    record(view, alias, (_same,), detached=True)
    return True


def apply(steps: tuple, value: Any) -> Any:
    """The value of a view: its steps applied to its root's ``value``."""
    for s in steps:
        value = s[0](value, *s[1:])
    return value


def views_of(root: Any) -> list:
    """The live views of ``root``, with their steps and whether they are detached: ``[(view, steps, detached)]``."""
    refs = LIVE.get(id(root))
    if not refs:
        return []
    out = []
    for r in list(refs.values()):
        v = r()
        if v is not None:
            rec = VIEWS.get(r.key)
            if rec is not None and rec[0] is r:
                out.append((v, rec[2], rec[4]))
    return out


_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation.")


def scatter(root_value: Any, shape: tuple, steps: tuple, overlap: bool, new: Any) -> Any:
    """The root's new value once the view at ``steps`` holds ``new``: the view's elements' places in the root
    (the steps applied to the root's flat positions) set to ``new``, differentiably."""
    if len(steps) == 1 and steps[0][0] is fnp.getitem and not overlap:  # the common case: x[i] = ...
        return fnp.at(root_value)[steps[0][1]].set(new)
    n = int(np.prod(shape, dtype=np.int64))
    pos = np.asarray(apply(steps, np.arange(n, dtype=np.int64).reshape(shape))).reshape(-1)
    if overlap and np.unique(pos).size != pos.size:
        raise RuntimeError(_OVERLAP)
    where = device_of(getval(root_value))
    if where != "cpu":
        pos = to_device(pos, where)
    flat = fnp.reshape(root_value, (-1,))
    return fnp.reshape(fnp.at(flat)[pos].set(fnp.reshape(new, (-1,))), shape)
