"""Which Tensors share their values: ``t.data`` and ``t.detach()`` with ``t``, as PyTorch's share storage.

A Tensor holds an immutable value and an in-place method rebinds it (see ``inplace.py``), so sharing cannot come
from memory: it is kept here, as groups of tensors that take each other's in-place updates. ``t.detach()`` and
``t.data`` join ``t``'s group; every in-place update of a member (``add_``, ``copy_``, ``t[i] = v`` ...) is then
given to the others, without their graphs recording it. Assigning ``.data`` leaves the group, as in PyTorch,
where it gives the tensor new storage. The ``detach()`` of a view (``x[0].detach()``) is filed as a view of the
same root instead (``views.py``), so that its writes reach the root.

The groups hold their members weakly: a ``detach()`` result kept in a list keeps neither its base nor its base's
graph alive, and a group whose other members are gone is dropped. While no group exists, the in-place methods pay
one dict test.

>>> import funcgrad as fg
>>> w = fg.ones(2)
>>> w.detach().mul_(3)
tensor([3., 3.])
>>> w
tensor([3., 3.])
"""
from __future__ import annotations

import weakref
from typing import Any, Iterator

from .views import VIEWS, detached

__all__: list = []


class _Ref(weakref.ref):
    """A weak reference to a member, carrying the key (the member's id) its group is filed under."""

    __slots__ = ("key",)


#: id(tensor) -> its group: the list of weak references to the tensors that share its values (itself included).
GROUPS: dict = {}


def _gone(ref: _Ref) -> None:
    # A member died (or left): drop it, and drop the group once a single member is left (it shares with nobody).
    # References are compared by identity: ``==`` would compare live Tensors elementwise.
    group = GROUPS.get(ref.key)
    if group is None:
        return
    for i, r in enumerate(group):
        if r is ref:
            break
    else:
        return
    del GROUPS[ref.key]
    del group[i]
    if len(group) == 1:
        if GROUPS.get(group[0].key) is group:
            del GROUPS[group[0].key]
        group.clear()


def _group_of(t: Any) -> list | None:
    group = GROUPS.get(id(t))
    if group is None:
        return None
    for r in group:  # an id may be reused once its tensor is gone: the group must still hold t itself
        if r() is t:
            return group
    return None


def share(base: Any, alias: Any) -> None:
    """Make ``alias`` (a new Tensor over ``base``'s value) take ``base``'s in-place updates and give it its own.

    >>> import funcgrad as fg
    >>> a, b = fg.zeros(2), fg.zeros(2)
    >>> share(a, b); _ = b.fill_(1.0); a
    tensor([1., 1.])
    """
    if VIEWS and detached(base, alias):  # a view's detach(): a view of its root too (views.py), not grouped
        return
    group = _group_of(base)
    if group is None:
        ref = _Ref(base, _gone)
        ref.key = id(base)
        group = [ref]
        GROUPS[ref.key] = group
    ref = _Ref(alias, _gone)
    ref.key = id(alias)
    group.append(ref)
    GROUPS[ref.key] = group


def leave(t: Any) -> None:
    """Take ``t`` out of its group: later updates of ``t`` and of the others no longer reach each other.

    >>> import funcgrad as fg
    >>> a = fg.zeros(2); b = a.detach()
    >>> leave(b); _ = b.fill_(1.0); a
    tensor([0., 0.])
    """
    group = _group_of(t)
    if group is None:
        return
    for r in group:
        if r() is t:
            _gone(r)
            return


def others(t: Any) -> Iterator[Any]:
    """The live tensors that share ``t``'s values, ``t`` left out (none while nothing is shared).

    >>> import funcgrad as fg
    >>> a = fg.zeros(2); b = a.detach()
    >>> [x is b for x in others(a)]
    [True]
    """
    group = _group_of(t) if GROUPS else None
    if group is None:
        return
    for r in list(group):  # a copy: writing a member may run code that drops another one
        m = r()
        if m is not None and m is not t:
            yield m
