"""PyTorch's random sampling from tensors of parameters: ``funcgrad.bernoulli``, ``multinomial``, ``poisson``,
``binomial``, ``normal``, and ``Tensor.bernoulli_``; the default generator's state as a uint8 tensor
(``get_rng_state``, ``set_rng_state``, ``Generator.get_state`` / ``set_state``), and the rest of ``torch.random``'s
names (``manual_seed``, ``seed``, ``initial_seed``, ``fork_rng``), so this module can serve ``torch.random``.

Draws come from funcgrad's generators (:func:`funcgrad.manual_seed`, ``generator=`` a :class:`funcgrad.Generator`)
where the parameters live, so a seed repeats the draws (they are not PyTorch's draws). As in PyTorch, the samples
of ``bernoulli``, ``poisson`` and ``binomial`` are in the graph of their parameters with a zero gradient;
``multinomial`` returns indices (int64), outside any graph.

>>> import funcgrad as fg
>>> g = fg.Generator().manual_seed(0)
>>> fg.bernoulli(fg.tensor([0.0, 1.0]), generator=g)
tensor([0., 1.])
>>> fg.multinomial(fg.tensor([0.0, 0.0, 1.0]), 2, replacement=True, generator=g)
tensor([2, 2])
"""
from __future__ import annotations

import builtins
import contextlib
import numbers
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace, to_host
from .special import _raw
from .tensor import Tensor, get_default_dtype
from .inplace import _rebind
from .operators import _check_inplace
from .creation import _rng as rng, _uniform as uniform, _normal, _float_dtype, _finish, _size, _target
from .creation import Generator, default_generator, initial_seed, manual_seed, seed  # noqa: F401 (torch.random's)
from .ops import _no_out, _t

__all__ = ["bernoulli", "multinomial", "poisson", "binomial", "normal", "get_rng_state", "set_rng_state"]


def _rng(generator: Any, x: Tensor) -> Any:

    return rng(generator, str(x.device))


def _uniform(generator: Any, x: Tensor, shape: tuple) -> Any:

    return uniform(_rng(generator, x), tuple(shape), np.dtype(np.float64))


def _draw(generator: Any, x: Tensor, kind: str, *params: Any) -> Any:
    """``rng.<kind>(*params)`` from the generator of ``x``'s device; a device generator without that sampler
    seeds a host one from its own stream (the draws stay reproducible) and the draws are moved back."""
    rng = _rng(generator, x)
    shape = tuple(np.broadcast_shapes(*[tuple(getattr(p, "shape", ())) for p in params]))
    if hasattr(rng, kind):
        return getattr(rng, kind)(*params, size=shape)
    start = int(to_host(_uniform(generator, x, ())) * 2 ** 62)
    host = getattr(np.random.default_rng(start), kind)(*[to_host(p) for p in params], size=shape)
    return namespace(_raw(x)).asarray(host)


def _floating(op: str, x: Tensor) -> Tensor:
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating-point tensor of parameters, got dtype {x.dtype}; convert "
                           f"with .float() or .double()")
    return x


def _zero_grad_sample(sample: Any, *params: Tensor) -> Tensor:
    """``sample`` (plain values) in the graph of ``params`` with a zero gradient, as PyTorch records its samplers."""
    out = Tensor._from_value(sample)
    for p in params:
        if p.requires_grad:
            out = fnp.where(True, out, p)
    return out


def bernoulli(input: Any, p: Any = None, *, generator: Any = None, out: Any = None) -> Tensor:
    """1 with probability ``input`` (or with the number ``p`` for every element when given), else 0, in
    ``input``'s floating dtype (``torch.bernoulli``).

    >>> import funcgrad as fg
    >>> fg.bernoulli(fg.tensor([1.0, 0.0, 1.0]))
    tensor([1., 0., 1.])
    """
    _no_out("bernoulli", out)
    x = _floating("bernoulli", _t(input))
    r = _raw(x)
    xp = namespace(r)
    prob = r if p is None else xp.full(r.shape, builtins.float(_raw(_t(p))) if isinstance(p, Tensor) else p)
    if prob.size and not bool(xp.all((prob >= 0) & (prob <= 1))):
        raise RuntimeError(f"bernoulli: probabilities must be in [0, 1], got values from "
                           f"{builtins.float(xp.min(prob))} to {builtins.float(xp.max(prob))}")
    u = xp.asarray(_uniform(generator, x, r.shape))
    return _zero_grad_sample((u < prob).astype(r.dtype), x)


def _bernoulli_method(self: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    """``t.bernoulli(p=None)``: :func:`bernoulli`."""
    return bernoulli(self, p, generator=generator)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill with 1 with probability ``p`` (a number or a tensor broadcasting to this one), else 0, in place
    (``torch.Tensor.bernoulli_``).

    >>> import funcgrad as fg
    >>> fg.zeros(3).bernoulli_(fg.tensor([1.0, 0.0, 1.0]))
    tensor([1., 0., 1.])
    """
    _check_inplace(self, "bernoulli_")
    pr = _raw(_t(p)) if isinstance(p, Tensor) else np.asarray(p, np.float64)
    xp = namespace(_raw(self))
    pr = xp.asarray(pr)
    if pr.size and not bool(xp.all((pr >= 0) & (pr <= 1))):
        raise RuntimeError(f"bernoulli_: probabilities must be in [0, 1], got values from {builtins.float(pr.min())} "
                           f"to {builtins.float(pr.max())}")
    try:
        pr = xp.broadcast_to(pr, self.shape)
    except ValueError:
        raise RuntimeError(f"bernoulli_: p of shape {tuple(pr.shape)} does not broadcast to the tensor's shape "
                           f"{self.shape}") from None
    u = xp.asarray(_uniform(generator, self, self.shape))
    return _rebind(self, fnp.where(True, (u < pr).astype(self.dtype), self)._v, "bernoulli_")


def multinomial(input: Any, num_samples: int, replacement: bool = False, *, generator: Any = None,
                out: Any = None) -> Tensor:
    """Indices drawn from the categories weighted by the rows of ``input`` (1-D or 2-D, non-negative, not
    necessarily normalized), ``num_samples`` per row, with or without replacement (``torch.multinomial``).

    >>> import funcgrad as fg
    >>> fg.multinomial(fg.tensor([0.0, 5.0, 0.0]), 1)
    tensor([1])
    """
    _no_out("multinomial", out)
    x = _floating("multinomial", _t(input))
    if x.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {tuple(x.shape)}")
    r = _raw(x)
    xp = namespace(r)
    w = r.reshape(1, -1) if r.ndim == 1 else r
    n = w.shape[-1]
    if n == 0:
        raise RuntimeError("multinomial: the number of categories cannot be 0")
    if not 0 < num_samples:
        raise RuntimeError(f"multinomial: cannot sample {num_samples} samples (num_samples must be positive)")
    if not replacement and num_samples > n:
        raise RuntimeError(f"multinomial: cannot sample n_sample={num_samples} > prob_dist.size(-1)={n} samples "
                           f"without replacement")
    if not bool(xp.all(xp.isfinite(w) & (w >= 0))):
        raise RuntimeError("multinomial: probability tensor contains either inf, nan or element < 0")
    total = w.sum(axis=-1, keepdims=True)
    if not bool(xp.all(total > 0)):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    w = w.astype(np.float64)
    if replacement:  # inverse distribution function on uniform draws
        cdf = xp.cumsum(w, axis=-1) / total
        u = xp.asarray(_uniform(generator, x, (w.shape[0], num_samples)))
        idx = xp.stack([xp.searchsorted(cdf[i], u[i], side="right") for i in range(w.shape[0])])
        idx = xp.minimum(idx, n - 1)
    else:  # exponential races: the num_samples smallest E_i / w_i, E_i ~ Exp(1)
        u = xp.asarray(_uniform(generator, x, w.shape))
        with np.errstate(divide="ignore"):
            keys = -xp.log1p(-u) / w
        idx = xp.argsort(keys, axis=-1)[:, :num_samples]
    idx = idx.astype(np.int64)
    return Tensor._from_value(idx.reshape(-1) if r.ndim == 1 else idx)


def poisson(input: Any, generator: Any = None) -> Tensor:
    """Poisson draws with rates ``input``, in its floating dtype (``torch.poisson``).

    >>> import funcgrad as fg
    >>> fg.poisson(fg.tensor([0.0, 0.0]))
    tensor([0., 0.])
    """
    x = _floating("poisson", _t(input))
    r = _raw(x)
    if r.size and not bool(namespace(r).all(r >= 0)):
        raise RuntimeError("poisson: the rates in input must be non-negative")
    draws = _draw(generator, x, "poisson", r.astype(np.float64))
    return _zero_grad_sample(draws.astype(r.dtype), x)


def binomial(count: Any, prob: Any, generator: Any = None) -> Tensor:
    """Binomial draws: successes in ``count`` trials of probability ``prob`` (broadcast together), in the
    floating dtype of the parameters (``torch.binomial``).

    >>> import funcgrad as fg
    >>> fg.binomial(fg.tensor([5.0, 3.0]), fg.tensor([1.0, 0.0]))
    tensor([5., 0.])
    """
    n, p = _t(count), _t(prob)
    for name, v in (("count", n), ("prob", p)):
        _floating(f"binomial ({name})", v)
    nr, pr = _raw(n), _raw(p)
    xp = namespace(nr)
    if pr.size and not bool(xp.all((pr >= 0) & (pr <= 1))):
        raise RuntimeError("binomial: prob must be in [0, 1]")
    if nr.size and not bool(xp.all(nr >= 0)):
        raise RuntimeError("binomial: count must be non-negative")
    shape = np.broadcast_shapes(tuple(nr.shape), tuple(pr.shape))
    dtype = np.result_type(nr.dtype, pr.dtype) if nr.dtype.kind == "f" else get_default_dtype()
    draws = _draw(generator, n, "binomial", xp.broadcast_to(nr, shape).astype(np.int64),
                  xp.broadcast_to(pr, shape).astype(np.float64))
    return _zero_grad_sample(draws.astype(dtype), n, p)


def _multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *,
                        generator: Any = None) -> Tensor:
    """``t.multinomial(num_samples, replacement=False)``: :func:`multinomial`."""
    return multinomial(self, num_samples, replacement, generator=generator)

# --- normal ---------------------------------------------------------------------------------------------------
_NORMAL_SIGNATURES = ("normal(Tensor mean, Tensor std, *, generator=None), normal(Tensor mean, float std=1, *, "
                      "generator=None), normal(float mean, Tensor std, *, generator=None) or normal(float mean, "
                      "float std, size, *, generator=None, dtype=None, device=None, requires_grad=False)")


def _normal_params(x: Tensor) -> Any:
    r = _raw(x)
    if r.dtype.kind != "f":
        raise NotImplementedError(f"normal: not implemented for dtype {x.dtype}; mean and std must be floating "
                                  f"point tensors (convert with .float() or .double())")
    return r


def _check_std(std: Any) -> None:
    if isinstance(std, Tensor):
        r = _raw(std)
        if r.size and not bool(namespace(r).all(r >= 0)):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None, out: Any = None,
           dtype: Any = None, layout: Any = None, device: Any = None, pin_memory: bool = False,
           requires_grad: bool = False) -> Tensor:
    """Normal draws of ``mean`` and ``std`` (``torch.normal``), in its four forms: tensors ``mean`` and ``std``
    broadcast together (the result in ``mean``'s dtype); a tensor and a number (the tensor's shape and dtype);
    two numbers and a ``size`` (``dtype`` and ``device`` as for ``randn``). As in PyTorch, the samples are in the
    graph of the parameter tensors with a zero gradient (this is not ``rsample``).

    >>> import funcgrad as fg
    >>> g = fg.Generator().manual_seed(0)
    >>> fg.normal(fg.zeros(2, 1), fg.ones(3), generator=g).shape
    torch.Size([2, 3])
    >>> fg.normal(2.0, 0.0, (2,))
    tensor([2., 2.])
    >>> fg.normal(fg.tensor([1.0, -1.0]), 0.0)
    tensor([ 1., -1.])
    """
    _no_out("normal", out)
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    for name, v, is_t in (("mean", mean, tm), ("std", std, ts)):
        if not is_t and (isinstance(v, (bool, complex)) or not isinstance(v, numbers.Real)):
            raise TypeError(f"normal: {name} must be a Tensor or a float, got {type(v).__name__}; the forms are "
                            f"{_NORMAL_SIGNATURES}")
    if not (tm or ts):
        if size is None:
            raise TypeError(f"normal: two numbers need a size; the forms are {_NORMAL_SIGNATURES}")
        _check_std(std)
        dt = _float_dtype(dtype, "normal")
        where = _target(device)
        shape = _size((size,), "normal")
        z = _normal(rng(generator, where), shape, dt)
        return _finish((builtins.float(mean) + builtins.float(std) * z).astype(dt, copy=False), where, requires_grad)
    if size is not None or dtype is not None or device is not None or requires_grad:
        raise TypeError(f"normal: size, dtype, device and requires_grad are for two number parameters only; the "
                        f"forms are {_NORMAL_SIGNATURES}")
    _check_std(std)
    x = mean if tm else std
    m = _normal_params(mean) if tm else builtins.float(mean)
    s = _normal_params(std) if ts else builtins.float(std)
    dt = (m if tm else s).dtype
    if tm and ts:
        try:
            shape = tuple(np.broadcast_shapes(tuple(m.shape), tuple(s.shape)))
        except ValueError:
            raise RuntimeError(f"normal: the shapes of mean {tuple(m.shape)} and std {tuple(s.shape)} do not "
                               f"broadcast together") from None
    else:
        shape = tuple(x.shape)
    z = _normal(_rng(generator, x), shape, dt)
    if ts:
        s = s.astype(dt, copy=False)
    sample = (m + s * z).astype(dt, copy=False)
    return _zero_grad_sample(sample, *[p for p in (mean, std) if isinstance(p, Tensor)])


# --- the generator's state as a uint8 tensor --------------------------------------------------------------------
# the layout: a tag, PCG64's 128-bit state and increment, its buffered 32-bit half (flag, value), and the seed the
# stream started from (so initial_seed() comes back too), little-endian; 61 bytes.
_TAG = b"fgPCG64\x01"
_STATE_BYTES = len(_TAG) + 16 + 16 + 1 + 4 + 16


def _state_tensor(g: Generator) -> Tensor:
    if g.device != "cpu":
        raise NotImplementedError(f"get_state: only CPU generators can save their state (this one is on "
                                  f"{g.device}); reseed a GPU generator with manual_seed instead")
    st = g._rng.bit_generator.state
    if st.get("bit_generator") != "PCG64":
        raise RuntimeError(f"get_state: cannot save a {st.get('bit_generator')} state, only PCG64's")
    s = st["state"]
    seed_ = g.initial_seed()
    if not -2 ** 127 <= seed_ < 2 ** 127:
        seed_ %= 2 ** 127
    data = (_TAG + int(s["state"]).to_bytes(16, "little") + int(s["inc"]).to_bytes(16, "little")
            + bytes([int(st["has_uint32"])]) + int(st["uinteger"]).to_bytes(4, "little")
            + seed_.to_bytes(16, "little", signed=True))
    return Tensor._from_value(np.frombuffer(data, dtype=np.uint8).copy())


def _restore(g: Generator, new_state: Any, op: str) -> Generator:
    if g.device != "cpu":
        raise NotImplementedError(f"{op}: only CPU generators can restore a state (this one is on {g.device})")
    if isinstance(new_state, dict):  # NumPy's bit-generator dict, which Generator.get_state returned before
        g._rng.bit_generator.state = new_state
        return g
    if not isinstance(new_state, Tensor):
        raise TypeError(f"{op}: expected a torch.ByteTensor (a uint8 Tensor from get_rng_state / "
                        f"Generator.get_state), got {type(new_state).__name__}")
    if new_state.dtype != np.uint8:
        raise RuntimeError(f"{op}: expected a torch.ByteTensor (dtype uint8), got dtype {new_state.dtype}")
    data = to_host(_raw(new_state)).reshape(-1).tobytes()
    if len(data) != _STATE_BYTES or not data.startswith(_TAG):
        raise RuntimeError(f"{op}: Invalid RNG state: expected the {_STATE_BYTES} bytes funcgrad's get_rng_state "
                           f"returns, got {len(data)} bytes" + ("" if len(data) != _STATE_BYTES else
                                                                " with another layout"))
    b = data[len(_TAG):]
    state = {"bit_generator": "PCG64", "state": {"state": int.from_bytes(b[:16], "little"),
                                                  "inc": int.from_bytes(b[16:32], "little")},
             "has_uint32": b[32], "uinteger": int.from_bytes(b[33:37], "little")}
    g._rng.bit_generator.state = state  # the same NumPy Generator object, so whoever holds it follows
    g._seed = int.from_bytes(b[37:53], "little", signed=True)
    return g


def _generator_get_state(self: Generator) -> Tensor:
    """The generator's state as a uint8 tensor (``torch.Generator.get_state``); :meth:`set_state` with it
    repeats the draws that followed (CPU generators only)."""
    return _state_tensor(self)


def _generator_set_state(self: Generator, new_state: Any) -> Generator:
    """Restore a state from :meth:`get_state` (``torch.Generator.set_state``); returns the generator."""
    return _restore(self, new_state, "Generator.set_state")


def get_rng_state() -> Tensor:
    """The default (CPU) generator's state as a uint8 tensor (``torch.get_rng_state``). Its bytes are funcgrad's
    own (PCG64's state, not PyTorch's Mersenne Twister), so only funcgrad's ``set_rng_state`` reads them.

    >>> import funcgrad as fg
    >>> state = fg.get_rng_state(); a = fg.rand(3)
    >>> fg.set_rng_state(state); bool(fg.numpy.all(a == fg.rand(3)))
    True
    >>> state.dtype
    torch.uint8
    """
    return _state_tensor(default_generator)


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default (CPU) generator to a state from :func:`get_rng_state` (``torch.set_rng_state``): the
    draws that followed it come again."""
    _restore(default_generator, new_state, "set_rng_state")


@contextlib.contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda") -> Iterator[None]:
    """Restore the default CPU generator's state on leaving the block (``torch.random.fork_rng``). GPU generators
    cannot save their state in funcgrad; with ``devices`` named, a warning says they are left as they are.

    >>> import funcgrad as fg
    >>> from funcgrad.tensors import random
    >>> with random.fork_rng():
    ...     a = fg.rand(2)
    >>> bool(fg.numpy.all(a == fg.rand(2)))
    True
    """
    if not enabled:
        yield
        return
    if devices:
        warnings.warn(f"{_caller}: funcgrad cannot save GPU generators' states; only the CPU generator is "
                      f"restored", stacklevel=3)
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def _install() -> None:
    for name, fn in [("bernoulli", _bernoulli_method), ("bernoulli_", bernoulli_),
                     ("multinomial", _multinomial_method)]:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)
    Generator.get_state, Generator.set_state = _generator_get_state, _generator_set_state


_install()
