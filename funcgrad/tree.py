"""Pytrees: nested tuples, lists, dicts (OrderedDict and defaultdict too), namedtuples, None and registered node
types, with arrays at the leaves.

Transforms accept and return pytrees; this module flattens them to a list of leaves and rebuilds them.

>>> import funcgrad as fg
>>> leaves, treedef = fg.tree.flatten({"w": 1.0, "b": (2.0, None)})
>>> leaves
[2.0, 1.0]
>>> fg.tree.unflatten(treedef, [x * 10 for x in leaves])
{'b': (20.0, None), 'w': 10.0}
"""
from __future__ import annotations

import collections
from typing import Any, Callable, Iterable

__all__ = ["flatten", "unflatten", "map", "leaves", "structure", "register_pytree_node", "PyTreeDef"]

# type -> (flatten(node) -> (children, aux), unflatten(aux, children) -> node)
_REGISTRY: dict[type, tuple[Callable, Callable]] = {}


def register_pytree_node(node_type: type, flatten_fn: Callable[[Any], tuple[Iterable, Any]],
                         unflatten_fn: Callable[[Any, list], Any]) -> None:
    """Teach funcgrad to see inside ``node_type``.

    ``flatten_fn(node) -> (children, aux)`` where aux is hashable static data; ``unflatten_fn(aux, children)``
    rebuilds the node.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda aux, ch: Pair(*ch))
    >>> leaves(Pair(1.0, 2.0))
    [1.0, 2.0]
    """
    _REGISTRY[node_type] = (flatten_fn, unflatten_fn)
    _LEAF_TYPES.discard(node_type)


def _is_namedtuple(t: type) -> bool:
    return issubclass(t, tuple) and hasattr(t, "_fields")


class PyTreeDef:
    """The structure of a pytree without its leaves. Compare with ``==``; rebuild with :func:`unflatten`.

    Immutable once built: its hash is computed on first use and kept (jit's cache hashes the same ones often)."""

    __slots__ = ("kind", "aux", "children", "num_leaves", "_hash")

    def __init__(self, kind: Any, aux: Any, children: tuple, num_leaves: int | None = None):
        self.kind = kind  # None for a leaf, else the node type
        self.aux = aux
        self.children = children
        if num_leaves is None:
            num_leaves = 1 if kind is _LEAF else sum(c.num_leaves for c in children)
        self.num_leaves = num_leaves
        self._hash = None

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return (isinstance(other, PyTreeDef) and self.kind is other.kind and self.num_leaves == other.num_leaves
                and self.aux == other.aux and self.children == other.children)

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash((self.kind, self.aux, self.children))
        return h

    def __repr__(self) -> str:
        if self.kind is _LEAF:
            return "*"
        if self.kind is type(None):
            return "None"
        inner = ", ".join(map(repr, self.children))
        if self.kind is dict:
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.aux, self.children))
            return "{" + inner + "}"
        return f"{getattr(self.kind, '__name__', self.kind)}({inner})"


class _Leaf:
    pass


_LEAF = _Leaf
_LEAF_DEF = PyTreeDef(_LEAF, None, ())
_NONE_DEF = PyTreeDef(type(None), None, ())


# types met as leaves (neither a container, None, a namedtuple nor registered): the next one skips those checks;
# registering a type removes it
_LEAF_TYPES: set = set()


def _flatten_into(x: Any, out: list, is_leaf: Callable | None) -> PyTreeDef:
    if is_leaf is not None and is_leaf(x):
        out.append(x)
        return _LEAF_DEF
    t = type(x)
    if t in _LEAF_TYPES:
        out.append(x)
        return _LEAF_DEF
    n0 = len(out)
    # the arguments are evaluated in order: the children are flattened before len(out) counts their leaves
    if t is tuple or t is list:
        return PyTreeDef(t, len(x), tuple([_flatten_into(c, out, is_leaf) for c in x]), len(out) - n0)
    if t is dict:
        keys = tuple(sorted(x))
        return PyTreeDef(dict, keys, tuple([_flatten_into(x[k], out, is_leaf) for k in keys]), len(out) - n0)
    if x is None:
        return _NONE_DEF
    reg = _REGISTRY.get(t)
    if reg is not None:
        children, aux = reg[0](x)
        return PyTreeDef(t, aux, tuple([_flatten_into(c, out, is_leaf) for c in children]), len(out) - n0)
    if _is_namedtuple(t):
        return PyTreeDef(t, None, tuple([_flatten_into(c, out, is_leaf) for c in x]), len(out) - n0)
    if len(_LEAF_TYPES) < 4096:  # bounded: classes made at run time must not grow it without end
        _LEAF_TYPES.add(t)
    out.append(x)
    return _LEAF_DEF


def flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list, PyTreeDef]:
    """Leaves of ``tree`` in a fixed order (dict keys sorted) and its structure.

    >>> flatten([1, (2, 3)])[0]
    [1, 2, 3]
    """
    out: list = []
    return out, _flatten_into(tree, out, is_leaf)


def _build(td: PyTreeDef, it) -> Any:
    kind = td.kind
    if kind is _LEAF:
        return next(it)
    if kind is type(None):
        return None
    children = [_build(c, it) for c in td.children]
    if kind is tuple:
        return tuple(children)
    if kind is list:
        return children
    if kind is dict:
        return dict(zip(td.aux, children))
    reg = _REGISTRY.get(kind)
    if reg is not None:
        return reg[1](td.aux, children)
    return kind(*children)  # namedtuple


def unflatten(treedef: PyTreeDef, leaves: Iterable) -> Any:
    """Rebuild a pytree of structure ``treedef`` from ``leaves``.

    >>> leaves_, td = flatten((1, {"a": 2}))
    >>> unflatten(td, [10, 20])
    (10, {'a': 20})
    """
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"unflatten: the structure {treedef!r} has {treedef.num_leaves} leaves, "
                         f"but {len(leaves)} were given")
    return _build(treedef, iter(leaves))


def leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """The leaves of ``tree``.

    >>> leaves({"a": 1, "b": [2, None]})
    [1, 2]
    """
    return flatten(tree, is_leaf)[0]


def structure(tree: Any) -> PyTreeDef:
    """The structure of ``tree``.

    >>> structure((1, 2)) == structure((3, 4))
    True
    """
    return flatten(tree)[1]


def map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable[[Any], bool] | None = None) -> Any:  # noqa: A001
    """Apply ``f`` leafwise over one or more pytrees of the same structure.

    >>> map(lambda a, b: a + b, {"x": 1, "y": 2}, {"x": 10, "y": 20})
    {'x': 11, 'y': 22}
    """
    leaves_, td = flatten(tree, is_leaf)
    others = []
    for r in rest:
        rl, rtd = flatten(r, is_leaf)
        if rtd != td:
            raise ValueError(f"tree.map: structures differ: {td!r} and {rtd!r}")
        others.append(rl)
    return _build(td, iter([f(*xs) for xs in zip(leaves_, *others)]))


# The standard library's dict kinds, as JAX has them: an OrderedDict keeps its insertion order (a module's
# state_dict() is one), a defaultdict sorts its keys like a dict and keeps its default factory.
register_pytree_node(collections.OrderedDict, lambda d: (tuple(d.values()), tuple(d)),
                     lambda keys, ch: collections.OrderedDict(zip(keys, ch)))
register_pytree_node(collections.defaultdict,
                     lambda d: (tuple(d[k] for k in sorted(d)), (d.default_factory, tuple(sorted(d)))),
                     lambda aux, ch: collections.defaultdict(aux[0], zip(aux[1], ch)))
