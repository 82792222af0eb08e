"""The parameter containers of ``torch.nn``: ``ParameterList`` and ``ParameterDict``, registered like a module's
parameters; plain tensors put in become :class:`~funcgrad.nn.Parameter` objects, other objects are kept as they
are. Their reprs are PyTorch's, with funcgrad's dtype names (``funcgrad.float32``, ``funcgrad.FloatTensor``).

>>> import funcgrad as fg
>>> from funcgrad import nn
>>> m = nn.Module()
>>> m.scales = nn.ParameterList([fg.ones(2), fg.ones(3)])
>>> [name for name, _ in m.named_parameters()]
['scales.0', 'scales.1']
"""
from __future__ import annotations

from collections import OrderedDict, abc
from typing import Any, Iterable, Iterator

from ...tensors.tensor import Tensor
from ..parameter import Parameter
from .container import _abs_index, _dir_without_indices, _update_pairs
from .module import Module, _typename

__all__ = ["ParameterList", "ParameterDict"]


def _describe(k: Any, p: Any, type_name: str) -> str:
    """A ParameterList / ParameterDict repr line."""
    if not isinstance(p, Tensor):
        return f"  ({k}): Object of type: {type(p).__name__}"
    size = "x".join(str(s) for s in p.shape)
    device = f" ({p.device})" if p.device.type == "cuda" else ""
    kind = "Parameter" if isinstance(p, Parameter) else "Tensor"
    return f"  ({k}): {kind} containing: [{type_name} of size {size}{device}]"


def _as_parameter(value: Any) -> Any:
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(value, Parameter) else value


class ParameterList(Module):
    """A list of parameters, registered (``torch.nn.ParameterList``); plain tensors put in become Parameters,
    other objects are kept as they are.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> pl = nn.ParameterList([fg.ones(2, 3), nn.Parameter(fg.zeros(1))])
    >>> pl
    ParameterList(
        (0): Parameter containing: [funcgrad.float32 of size 2x3]
        (1): Parameter containing: [funcgrad.float32 of size 1]
    )
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            out = type(self)()
            for i in range(*idx.indices(len(self))):
                out.append(self[i])
            return out
        return getattr(self, str(_abs_index(idx, len(self))))

    def __setitem__(self, idx: int, param: Any) -> None:
        setattr(self, str(_abs_index(idx, len(self))), _as_parameter(param))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return iter([self[i] for i in range(len(self))])

    def __iadd__(self, parameters: Iterable[Any]) -> "ParameterList":
        return self.extend(parameters)

    def __dir__(self) -> list:
        return _dir_without_indices(self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList should not be called.")

    def append(self, value: Any) -> "ParameterList":
        """Add ``value`` at the end; returns this list.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> type(nn.ParameterList().append(fg.ones(1))[0]).__name__
        'Parameter'
        """
        i = len(self)
        self._size += 1
        self[i] = value
        return self

    def extend(self, values: Iterable[Any]) -> "ParameterList":
        """Append every value of the iterable ``values``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> len(nn.ParameterList().extend([fg.ones(1), fg.ones(2)]))
        2
        """
        if not isinstance(values, abc.Iterable) or isinstance(values, Tensor):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        """One line per entry: its kind, dtype and size.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.ParameterList([fg.ones(2)]).extra_repr()
        '  (0): Parameter containing: [funcgrad.float32 of size 2]'
        """
        return "\n".join(_describe(k, p, f"funcgrad.{p.dtype.name}" if isinstance(p, Tensor) else "")
                         for k, p in enumerate(self))


class ParameterDict(Module):
    """A dict of parameters, registered, with string keys (``torch.nn.ParameterDict``); plain tensors put in
    become Parameters. ``update`` from a plain mapping takes its keys sorted, as PyTorch does.

    >>> import funcgrad as fg
    >>> from funcgrad import nn
    >>> pd = nn.ParameterDict({"w": fg.ones(2, 3)})
    >>> pd
    ParameterDict(  (w): Parameter containing: [funcgrad.FloatTensor of size 2x3])
    >>> [n for n, _ in pd.named_parameters()]
    ['w']
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        self._keys: dict = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _key_to_attr(key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError(f"Index given to ParameterDict cannot be used as a key as it is not a string (type is "
                            f"'{type(key).__name__}'). Open an issue on github if you need non-string keys.")
        return key

    def __getitem__(self, key: str) -> Any:
        return getattr(self, self._key_to_attr(key))

    def __setitem__(self, key: str, value: Any) -> None:
        attr = self._key_to_attr(key)
        self._keys[key] = None
        setattr(self, attr, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, self._key_to_attr(key))

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __or__(self, other: "ParameterDict") -> "ParameterDict":
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other: "ParameterDict") -> "ParameterDict":
        out = other.copy()
        out.update(self)
        return out

    def __ior__(self, other: "ParameterDict") -> "ParameterDict":
        self.update(other)
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterDict should not be called.")

    def copy(self) -> "ParameterDict":
        """A new ParameterDict holding the same parameters.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> d = nn.ParameterDict({"a": fg.ones(1)}); d.copy()["a"] is d["a"]
        True
        """
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def setdefault(self, key: str, default: Any = None) -> Any:
        """``self[key]``, set to ``default`` first if missing.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.ParameterDict().setdefault("a", fg.ones(1)).shape
        torch.Size([1])
        """
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        """Remove every entry.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> d = nn.ParameterDict({"a": fg.ones(1)}); d.clear(); len(d)
        0
        """
        for k in list(self._keys):
            del self[k]

    def pop(self, key: str) -> Any:
        """Remove and return the entry at ``key``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.ParameterDict({"a": fg.ones(1)}).pop("a").shape
        torch.Size([1])
        """
        v = self[key]
        del self[key]
        return v

    def popitem(self) -> tuple:
        """Remove and return the last ``(key, value)`` pair.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.ParameterDict({"a": fg.ones(1)}).popitem()[0]
        'a'
        """
        key = next(reversed(self))
        return key, self.pop(key)

    def get(self, key: str, default: Any = None) -> Any:
        """``self[key]``, or ``default`` when missing.

        >>> from funcgrad import nn
        >>> nn.ParameterDict().get("a", 0)
        0
        """
        return self[key] if key in self else default

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> "ParameterDict":
        """A new ParameterDict with ``keys``, each holding ``default``.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> list(nn.ParameterDict().fromkeys(["a", "b"], fg.ones(1)))
        ['a', 'b']
        """
        return ParameterDict((k, default) for k in keys)

    def keys(self) -> Any:
        """The keys.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> list(nn.ParameterDict({"a": fg.ones(1)}).keys())
        ['a']
        """
        return self._keys.keys()

    def items(self) -> Iterator[tuple]:
        """``(key, value)`` pairs.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> [k for k, _ in nn.ParameterDict({"a": fg.ones(1)}).items()]
        ['a']
        """
        return ((k, self[k]) for k in self._keys)

    def values(self) -> Iterator[Any]:
        """The values.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> [v.shape for v in nn.ParameterDict({"a": fg.ones(1)}).values()]
        [torch.Size([1])]
        """
        return (self[k] for k in self._keys)

    def update(self, parameters: Any) -> None:
        """Add the entries of a ParameterDict or OrderedDict (in order), another mapping (keys sorted), or an
        iterable of ``(key, value)`` pairs.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> d = nn.ParameterDict(); d.update({"b": fg.ones(1), "a": fg.ones(1)}); list(d)
        ['a', 'b']
        """
        if not isinstance(parameters, abc.Iterable):
            raise TypeError("ParametersDict.update should be called with an iterable of key/value pairs, but got "
                            + type(parameters).__name__)
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            for key, value in parameters.items():
                self[key] = value
        elif isinstance(parameters, abc.Mapping):
            for key, value in sorted(parameters.items()):
                self[key] = value
        else:
            _update_pairs("ParameterDict", parameters, self.__setitem__)

    def extra_repr(self) -> str:
        """One line per entry: its kind, type and size.

        >>> import funcgrad as fg
        >>> from funcgrad import nn
        >>> nn.ParameterDict({"a": fg.ones(2)}).extra_repr()
        '  (a): Parameter containing: [funcgrad.FloatTensor of size 2]'
        """
        return "\n".join(_describe(k, p, _typename(p)) for k, p in self.items())
