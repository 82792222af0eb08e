"""The module containers of ``torch.nn``: ``Sequential``, ``ModuleList`` and ``ModuleDict``, with PyTorch's indexing,
mutation and repr semantics (deleting from a ``Sequential`` or a ``ModuleList`` renumbers what is left; a
``ModuleList`` repr folds runs of equal modules into ``(0-2): 3 x ...``). ``ParameterList`` and ``ParameterDict``
live in ``parameter_containers.py``.

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> net = nn.Sequential(nn.Linear(4, 3), nn.Identity(), nn.Linear(3, 1))
>>> net[1:]
Sequential(
  (1): Identity()
  (2): Linear(in_features=3, out_features=1, bias=True)
)
>>> net(fg.ones(2, 4)).shape
torch.Size([2, 1])
"""
from __future__ import annotations

import operator
from collections import OrderedDict, abc
from itertools import chain, islice
from typing import Any, Iterable, Iterator

from .module import Module, _addindent

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


def _abs_index(idx: Any, size: int) -> int:
    idx = operator.index(idx)
    if not -size <= idx < size:
        raise IndexError(f"index {idx} is out of range")
    return idx % size if size else idx


def _renumber(mod: Module) -> None:
    """Keys ``0 .. n-1`` for a container's modules, in order (after a deletion)."""
    object.__setattr__(mod, "_modules", OrderedDict((str(i), m) for i, m in enumerate(mod._modules.values())))


def _dir_without_indices(mod: Module) -> list:
    return [k for k in Module.__dir__(mod) if not k.isdigit()]


class Sequential(Module):
    """Modules applied one after the other (``torch.nn.Sequential``): ``Sequential(m0, m1, ...)`` names them
    ``0, 1 ...``; ``Sequential(OrderedDict(name=m, ...))`` keeps the names. Indexing by position, slicing (a new
    Sequential of the same modules), ``len``, iteration, ``append``, ``insert``, ``extend``, ``pop``, ``+``, ``*``.

    >>> from collections import OrderedDict
    >>> from funcgrad import nn
    >>> s = nn.Sequential(OrderedDict(a=nn.Identity(), b=nn.Flatten()))
    >>> s.b, len(s + s), s[-1]
    (Flatten(start_dim=1, end_dim=-1), 4, Flatten(start_dim=1, end_dim=-1))
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, mod in args[0].items():
                self.add_module(key, mod)
        else:
            for i, mod in enumerate(args):
                self.add_module(str(i), mod)

    def _key(self, idx: int) -> str:
        return next(islice(iter(self._modules), _abs_index(idx, len(self)), None))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[self._key(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, self._key(idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)[idx] if isinstance(idx, slice) else [self._key(idx)]
        for key in keys:
            delattr(self, key)
        _renumber(self)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __add__(self, other: "Sequential") -> "Sequential":
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        out = Sequential()
        for layer in chain(self, other):
            out.append(layer)
        return out

    def __iadd__(self, other: "Sequential") -> "Sequential":
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return self.extend(list(other))

    def _repeat(self, times: Any, into: "Sequential") -> "Sequential":
        if not isinstance(times, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(times)}")
        if times <= 0:
            raise ValueError(f"Non-positive multiplication factor {times} for {type(self)}")
        layers = list(self)
        for _ in range(times - (into is self)):
            for layer in layers:
                into.append(layer)
        return into

    def __mul__(self, other: int) -> "Sequential":
        return self._repeat(other, Sequential())

    __rmul__ = __mul__

    def __imul__(self, other: int) -> "Sequential":
        return self._repeat(other, self)

    def __dir__(self) -> list:
        return _dir_without_indices(self)

    def append(self, module: Module) -> "Sequential":
        """Add ``module`` at the end; returns this Sequential.

        >>> from funcgrad import nn
        >>> len(nn.Sequential().append(nn.Identity()))
        1
        """
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> "Sequential":
        """Insert ``module`` before position ``index`` (the later ones move up by one).

        >>> from funcgrad import nn
        >>> nn.Sequential(nn.Identity()).insert(0, nn.Flatten())[0]
        Flatten(start_dim=1, end_dim=-1)
        """
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self._modules)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        if index < 0:
            index += n
        for i in range(n, index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module
        return self

    def extend(self, sequential: Iterable[Module]) -> "Sequential":
        """Append every module of ``sequential``.

        >>> from funcgrad import nn
        >>> len(nn.Sequential().extend([nn.Identity(), nn.Identity()]))
        2
        """
        for layer in sequential:
            self.append(layer)
        return self

    def pop(self, key: int | slice) -> Any:
        """Remove and return the module (or Sequential, for a slice) at ``key``.

        >>> from funcgrad import nn
        >>> s = nn.Sequential(nn.Identity(), nn.Flatten()); s.pop(0), len(s)
        (Identity(), 1)
        """
        v = self[key]
        del self[key]
        return v

    def forward(self, input: Any) -> Any:
        """Each module on the previous one's output.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.Sequential(nn.Flatten(0), nn.Identity())(fg.ones(2, 2)).shape
        torch.Size([4])
        """
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules, registered (``torch.nn.ModuleList``): indexing, slicing (a new ModuleList), ``len``,
    iteration, ``append``, ``extend``, ``insert``, ``pop``, ``+``, ``+=``. It has no ``forward``.

    >>> from funcgrad import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(list(layers.parameters())), layers
    (6, ModuleList(
      (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)
    ))
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self += modules

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_abs_index(idx, len(self)))]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_abs_index(idx, len(self))), module)

    def __delitem__(self, idx: int | slice) -> None:
        if isinstance(idx, slice):
            for k in range(len(self._modules))[idx]:
                delattr(self, str(k))
        else:
            delattr(self, str(_abs_index(idx, len(self))))
        _renumber(self)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> "ModuleList":
        out = ModuleList()
        for i, mod in enumerate(chain(self, other)):
            out.add_module(str(i), mod)
        return out

    def __repr__(self) -> str:
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        runs: list = []  # [first index, last index, repr] of each run of equal reprs
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = [_addindent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}", 2) for a, b, r in runs]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self) -> list:
        return _dir_without_indices(self)

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``.

        >>> from funcgrad import nn
        >>> ml = nn.ModuleList([nn.Identity()]); ml.insert(0, nn.Flatten()); ml[0]
        Flatten(start_dim=1, end_dim=-1)
        """
        for i in range(len(self._modules), index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module

    def append(self, module: Module) -> "ModuleList":
        """Add ``module`` at the end; returns this list.

        >>> from funcgrad import nn
        >>> len(nn.ModuleList().append(nn.Identity()))
        1
        """
        self.add_module(str(len(self)), module)
        return self

    def pop(self, key: int | slice) -> Any:
        """Remove and return the module at ``key``.

        >>> from funcgrad import nn
        >>> nn.ModuleList([nn.Identity()]).pop(0)
        Identity()
        """
        v = self[key]
        del self[key]
        return v

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        """Append every module of the iterable ``modules``.

        >>> from funcgrad import nn
        >>> len(nn.ModuleList().extend([nn.Identity(), nn.Identity()]))
        2
        """
        if not isinstance(modules, abc.Iterable):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        offset = len(self)
        for i, mod in enumerate(modules):
            self.add_module(str(offset + i), mod)
        return self


def _update_pairs(name: str, items: Any, setitem: Any) -> None:
    """``update`` from an iterable of key/value pairs, with PyTorch's checks."""
    for j, m in enumerate(items):
        if not isinstance(m, abc.Iterable):
            raise TypeError(f"{name} update sequence element #{j} should be Iterable; is" + type(m).__name__)
        if not len(m) == 2:
            raise ValueError(f"{name} update sequence element #{j} has length {len(m)}; 2 is required")
        setitem(m[0], m[1])


class ModuleDict(Module):
    """A dict of modules, registered, in insertion order (``torch.nn.ModuleDict``).

    >>> from funcgrad import nn
    >>> d = nn.ModuleDict({"fc": nn.Linear(1, 1), "id": nn.Identity()})
    >>> list(d), "fc" in d, d["id"]
    (['fc', 'id'], True, Identity())
    """

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every module.

        >>> from funcgrad import nn
        >>> d = nn.ModuleDict({"a": nn.Identity()}); d.clear(); len(d)
        0
        """
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove and return the module at ``key``.

        >>> from funcgrad import nn
        >>> nn.ModuleDict({"a": nn.Identity()}).pop("a")
        Identity()
        """
        v = self[key]
        del self[key]
        return v

    def keys(self) -> Any:
        """The names.

        >>> from funcgrad import nn
        >>> list(nn.ModuleDict({"a": nn.Identity()}).keys())
        ['a']
        """
        return self._modules.keys()

    def items(self) -> Any:
        """``(name, module)`` pairs.

        >>> from funcgrad import nn
        >>> list(nn.ModuleDict({"a": nn.Identity()}).items())
        [('a', Identity())]
        """
        return self._modules.items()

    def values(self) -> Any:
        """The modules.

        >>> from funcgrad import nn
        >>> list(nn.ModuleDict({"a": nn.Identity()}).values())
        [Identity()]
        """
        return self._modules.values()

    def update(self, modules: Any) -> None:
        """Add the modules of a mapping (in its order) or of an iterable of ``(name, module)`` pairs.

        >>> from funcgrad import nn
        >>> d = nn.ModuleDict(); d.update([("b", nn.Identity()), ("a", nn.Identity())]); list(d)
        ['b', 'a']
        """
        if not isinstance(modules, abc.Iterable):
            raise TypeError("ModuleDict.update should be called with an iterable of key/value pairs, but got "
                            + type(modules).__name__)
        if isinstance(modules, (OrderedDict, ModuleDict, abc.Mapping)):
            for key, mod in modules.items():
                self[key] = mod
        else:
            _update_pairs("ModuleDict", modules, self.__setitem__)
