"""Creating tensors the way PyTorch does: constants, ranges, random draws (seedable) and ``*_like``. ``Tensor.new_*``,
DLPack exchange (``from_dlpack``, re-exported here) and the conversion methods ``clone``, ``contiguous``, ``to``,
``cpu`` and ``cuda`` are in copies.py.

New tensors are plain data (no graph) unless ``requires_grad=True`` makes them leaves. Python numbers give the
default float dtype (:func:`funcgrad.set_default_dtype`), integers int64 and booleans bool, as in PyTorch; NumPy
arrays keep their dtype. New tensors go to ``device=``, else to the default device (``funcgrad.set_default_device``).
Random numbers are drawn where the tensor lives: on the CPU by NumPy's ``numpy.random.Generator`` (PCG64), so a seed
gives the same draws on every machine (but not PyTorch's draws); on a GPU by CuPy's generator for that device, seeded
by the same :func:`manual_seed`.

>>> import funcgrad as fg
>>> fg.zeros(2, 3).shape, fg.arange(3).dtype, fg.arange(3.0).dtype
(torch.Size([2, 3]), torch.int64, torch.float32)
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import numpy as fnp
from ..backend import namespace
from ..backend import gpu_available, gpu_backend
from .device import _target
from .tensor import Tensor, _as_value, get_default_dtype
# the helpers that make a value a Tensor on a device; importing copies also gives Tensor its copy and move methods
from .copies import _finish, _number, _size, from_dlpack

__all__ = ["from_numpy", "as_tensor", "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "rand", "randn",
           "randperm",
           "randint", "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
           "randint_like", "manual_seed", "seed", "initial_seed", "Generator", "default_generator", "from_dlpack"]


# --- arguments ------------------------------------------------------------------------------------------------
def _no_out(out: Any, op: str) -> None:
    if out is not None:
        raise TypeError(f"funcgrad.{op}: out= is not supported, funcgrad tensors hold immutable arrays; use the "
                        f"returned tensor instead")


def _dtype(dtype: Any, default: Any = None) -> np.dtype:
    if dtype is None:
        return np.dtype(get_default_dtype() if default is None else default)
    return np.dtype(dtype)


def _number_dtype(x: Any) -> np.dtype:
    """The dtype PyTorch infers from a Python number (``full``'s fill value)."""
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(x, (int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(x, (complex, np.complexfloating)):
        return np.dtype(np.complex64 if get_default_dtype() == np.float32 else np.complex128)
    return get_default_dtype()


# --- from data ----------------------------------------------------------------------------------------------------
def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array and keeping its dtype (``torch.from_numpy``).

    Writes into the NumPy array show in the tensor. funcgrad tensors are immutable, though: an in-place method
    on the tensor rebinds it to a new array and leaves the NumPy array as it was (PyTorch would write into it).

    >>> import numpy as np, funcgrad as fg
    >>> a = np.array([1, 2])
    >>> t = fg.from_numpy(a); a[0] = 5; t
    tensor([5, 2])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"funcgrad.from_numpy: expected np.ndarray (got {type(ndarray).__name__}); use "
                        f"funcgrad.tensor or funcgrad.as_tensor for other data")
    return Tensor._from_value(ndarray)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory (and, for a tensor, its graph) when no conversion is needed
    (``torch.as_tensor``).

    >>> import numpy as np, funcgrad as fg
    >>> a = np.ones(2)
    >>> np.shares_memory(fg.as_tensor(a).numpy(), a), fg.as_tensor([1.0]).dtype
    (True, torch.float32)
    """
    if isinstance(data, Tensor):
        out = data if dtype is None or np.dtype(dtype) == data.dtype else fnp.astype(data, dtype)
        return out if device is None else out.to(device)
    if isinstance(data, np.ndarray) or (hasattr(data, "__array_namespace__") and hasattr(data, "dtype")):
        xp = namespace(data)
        return _finish(xp.asarray(data, dtype=dtype), device, False)
    return _finish(_as_value(data, dtype), device, False)


# --- constants ----------------------------------------------------------------------------------------------------
def zeros(*size: Any, out: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros, of the default float dtype unless ``dtype`` says otherwise (``torch.zeros``).

    >>> import funcgrad as fg
    >>> fg.zeros(2)
    tensor([0., 0.])
    """
    _no_out(out, "zeros")
    return _finish(np.zeros(_size(size, "zeros"), dtype=_dtype(dtype)), device, requires_grad)


def ones(*size: Any, out: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (``torch.ones``).

    >>> import funcgrad as fg
    >>> fg.ones((2,), dtype=fg.numpy.int64)
    tensor([1, 1])
    """
    _no_out(out, "ones")
    return _finish(np.ones(_size(size, "ones"), dtype=_dtype(dtype)), device, requires_grad)


def empty(*size: Any, out: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not initialized (``torch.empty``).

    >>> import funcgrad as fg
    >>> fg.empty(2, 3).shape
    torch.Size([2, 3])
    """
    _no_out(out, "empty")
    return _finish(np.empty(_size(size, "empty"), dtype=_dtype(dtype)), device, requires_grad)


def full(size: Any, fill_value: Any, *, out: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows the fill value (bool, int64, default float or
    complex) unless ``dtype`` is given (``torch.full``).

    >>> import funcgrad as fg
    >>> fg.full((2,), 7), fg.full((1,), 0.5)
    (tensor([7, 7]), tensor([0.5000]))
    """
    _no_out(out, "full")
    fill_value = _number(fill_value, "full", "fill_value")
    size = _size((size,) if isinstance(size, (tuple, list)) else (size,), "full")
    dt = _number_dtype(fill_value) if dtype is None else np.dtype(dtype)
    return _finish(np.full(size, fill_value, dtype=dt), device, requires_grad)


def eye(n: int, m: int | None = None, *, out: Any = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """A 2-D tensor with ones on the diagonal (``torch.eye``).

    >>> import funcgrad as fg
    >>> fg.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    _no_out(out, "eye")
    n, m = _size((n, n if m is None else m), "eye")
    return _finish(np.eye(n, m, dtype=_dtype(dtype)), device, requires_grad)


# --- ranges -------------------------------------------------------------------------------------------------------
def arange(start: Any = 0, end: Any = None, step: Any = 1, *, out: Any = None, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (excluded) by ``step`` (``torch.arange``). The dtype is int64 when all
    arguments are integers and the default float dtype when any is a float.

    >>> import funcgrad as fg
    >>> fg.arange(3), fg.arange(1, 2.5, 0.5)
    (tensor([0, 1, 2]), tensor([1.0000, 1.5000, 2.0000]))
    """
    _no_out(out, "arange")
    start, end, step = (_number(v, "arange", "start, end and step") for v in (start, end, step))
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("funcgrad.arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"funcgrad.arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    is_float = any(isinstance(v, (float, np.floating)) for v in (start, end, step))
    dt = np.dtype(dtype) if dtype is not None else (get_default_dtype() if is_float else np.dtype(np.int64))
    if is_float:
        n = int(np.ceil((end - start) / step))
    else:  # exact for integers beyond 2**53
        n = -((start - end) // step)
    # the values in double precision, then cast: what PyTorch computes for float32 outputs too
    vals = start + np.arange(n, dtype=np.float64 if is_float or dt.kind in "fc" else np.int64) * step
    return _finish(vals.astype(dt), device, requires_grad)


def linspace(start: Any, end: Any, steps: int, *, out: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive, of the default float dtype
    (``torch.linspace``).

    >>> import funcgrad as fg
    >>> fg.linspace(0, 1, 3)
    tensor([0.0000, 0.5000, 1.0000])
    """
    _no_out(out, "linspace")
    start, end = _number(start, "linspace", "start"), _number(end, "linspace", "end")
    (steps,) = _size((steps,), "linspace")
    dt = _dtype(dtype)
    vals = np.linspace(start, end, steps, dtype=np.complex128 if dt.kind == "c" else np.float64)
    return _finish(vals.astype(dt), device, requires_grad)


# --- random numbers -----------------------------------------------------------------------------------------------
class Generator:
    """A seedable source of random numbers (``torch.Generator``): NumPy's PCG64 for ``device="cpu"``, the GPU
    backend's generator (CuPy's) for a CUDA device, drawing there.

    >>> import funcgrad as fg
    >>> g = fg.Generator().manual_seed(0)
    >>> a = fg.rand(2, generator=g); _ = g.manual_seed(0)
    >>> bool(fg.numpy.all(a == fg.rand(2, generator=g)))
    True
    """

    def __init__(self, device: Any = "cpu"):
        self.device = _target(device)
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self._rng = self._new(self._seed)

    def _new(self, seed: int) -> Any:
        if self.device == "cpu":
            return np.random.default_rng(seed % (2 ** 64))
        self._backend = gpu_backend()
        return self._backend.random_state(seed % (2 ** 63), int(self.device.partition(":")[2]))

    def manual_seed(self, seed: int) -> "Generator":
        """Reset the generator to the stream of ``seed``; returns the generator."""
        self._seed = operator.index(seed)
        self._rng = self._new(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))
        return self._seed

    def initial_seed(self) -> int:
        """The seed the current stream started from."""
        return self._seed

    def get_state(self) -> dict:
        """The generator's state (a dict from NumPy's bit generator; CPU generators only)."""
        if self.device != "cpu":
            raise NotImplementedError("Generator.get_state: only CPU generators can save their state; reseed a "
                                      "GPU generator with manual_seed instead")
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> "Generator":
        if self.device != "cpu":
            raise NotImplementedError("Generator.set_state: only CPU generators can restore a state")
        self._rng.bit_generator.state = state
        return self


#: The generator used when no ``generator=`` is given; :func:`manual_seed` seeds it.
default_generator = Generator()
_device_generators: dict = {}  # "cuda:N" -> that GPU's default generator, made when first drawn from


def manual_seed(seed: int) -> Generator:
    """Seed the default generators of every device (``torch.manual_seed``); returns the CPU one.

    >>> import funcgrad as fg
    >>> _ = fg.manual_seed(1); a = fg.randn(3); _ = fg.manual_seed(1)
    >>> bool(fg.numpy.all(a == fg.randn(3)))
    True
    """
    _drop_stale_generators()
    for g in _device_generators.values():
        g.manual_seed(seed)
    return default_generator.manual_seed(seed)


def _drop_stale_generators() -> None:
    """Forget device generators of a GPU backend that is no longer the one in use (a test stand-in removed)."""
    current = gpu_backend() if gpu_available() else None
    for where in [w for w, g in _device_generators.items() if g._backend is not current]:
        del _device_generators[where]


def seed() -> int:
    """Seed the default generator from the operating system's entropy; returns the seed (``torch.seed``)."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default generator (``torch.initial_seed``)."""
    return default_generator.initial_seed()


def _generator(generator: Generator | None, where: str) -> Generator:
    """The generator to draw with on device ``where`` (``"cpu"`` or ``"cuda:N"``)."""
    if generator is not None:
        if generator.device != where:
            raise RuntimeError(f"Expected a '{where}' generator for a tensor on {where}, got a generator on "
                               f"{generator.device}")
        return generator
    if where == "cpu":
        return default_generator
    _drop_stale_generators()
    g = _device_generators.get(where)
    if g is None:  # seeded from the CPU generator's seed, so that manual_seed fixes GPU draws too
        g = _device_generators[where] = Generator(where).manual_seed(default_generator.initial_seed())
    return g


def _rng(generator: Generator | None, where: str = "cpu") -> Any:
    return _generator(generator, where)._rng


def _float_dtype(dtype: Any, op: str) -> np.dtype:
    dt = _dtype(dtype)
    if dt.kind not in "fc":
        raise RuntimeError(f"funcgrad.{op}: draws floating point numbers, not {dt}; use funcgrad.randint for "
                           f"integers")
    return dt


def _uniform(rng: Any, size: tuple, dt: np.dtype) -> Any:
    """Uniform draws on [0, 1) from a NumPy Generator (host) or a device RandomState (CuPy's)."""
    if dt.kind == "c":  # PyTorch: real and imaginary parts each uniform on [0, 1)
        real = np.finfo(dt).dtype
        return (_uniform(rng, size, real) + 1j * _uniform(rng, size, real)).astype(dt)
    draw = rng.random if isinstance(rng, np.random.Generator) else rng.random_sample
    if dt in (np.float32, np.float64):
        return draw(size, dtype=dt)
    return draw(size, dtype=np.float32).astype(dt)


def _normal(rng: Any, size: tuple, dt: np.dtype) -> Any:
    if dt.kind == "c":  # PyTorch: real and imaginary parts each of variance 1/2
        real = np.finfo(dt).dtype
        return ((_normal(rng, size, real) + 1j * _normal(rng, size, real)) * np.sqrt(0.5)).astype(dt)
    if dt in (np.float32, np.float64):
        return rng.standard_normal(size, dtype=dt)
    return rng.standard_normal(size, dtype=np.float32).astype(dt)


def _integers(rng: Any, low: int, high: int, size: tuple) -> Any:
    if isinstance(rng, np.random.Generator):
        return rng.integers(low, high, size=size, dtype=np.int64)
    return rng.randint(low, high, size=size, dtype=np.int64)


def rand(*size: Any, generator: Generator | None = None, out: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform random numbers on ``[0, 1)`` (``torch.rand``).

    >>> import funcgrad as fg
    >>> x = fg.rand(2, 3, generator=fg.Generator().manual_seed(0))
    >>> x.shape, bool(fg.numpy.all((0 <= x) & (x < 1)))
    (torch.Size([2, 3]), True)
    """
    _no_out(out, "rand")
    dt = _float_dtype(dtype, "rand")
    where = _target(device)
    return _finish(_uniform(_rng(generator, where), _size(size, "rand"), dt), where, requires_grad)


def randn(*size: Any, generator: Generator | None = None, out: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal random numbers (``torch.randn``).

    >>> import funcgrad as fg
    >>> fg.randn(4, generator=fg.Generator().manual_seed(0)).shape
    torch.Size([4])
    """
    _no_out(out, "randn")
    dt = _float_dtype(dtype, "randn")
    where = _target(device)
    return _finish(_normal(_rng(generator, where), _size(size, "randn"), dt), where, requires_grad)


def randint(*args: Any, size: Any = None, generator: Generator | None = None, out: Any = None, dtype: Any = None,
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """Random integers in ``[low, high)``, int64 by default: ``randint(high, size)`` or
    ``randint(low, high, size)`` (``torch.randint``).

    >>> import funcgrad as fg
    >>> x = fg.randint(3, 6, (10,), generator=fg.Generator().manual_seed(0))
    >>> x.dtype, bool(fg.numpy.all((3 <= x) & (x < 6)))
    (torch.int64, True)
    """
    _no_out(out, "randint")
    if size is None and args and isinstance(args[-1], (tuple, list)):
        args, size = args[:-1], args[-1]
    if size is None or len(args) not in (1, 2):
        raise TypeError("funcgrad.randint: call it as randint(high, size) or randint(low, high, size), with size "
                        "a tuple such as (2, 3)")
    low, high = (0, args[0]) if len(args) == 1 else args
    low, high = _number(low, "randint", "low"), _number(high, "randint", "high")
    if not high > low:
        raise RuntimeError(f"funcgrad.randint: expects 'from' < 'to', got from={low} to={high}")
    dt = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
    where = _target(device)
    vals = _integers(_rng(generator, where), low, high, _size((size,), "randint"))
    return _finish(vals.astype(dt), where, requires_grad)


def randperm(n: int, *, generator: Generator | None = None, out: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1``, int64 by default (``torch.randperm``).

    >>> import funcgrad as fg
    >>> sorted(fg.randperm(4, generator=fg.Generator().manual_seed(0)).tolist())
    [0, 1, 2, 3]
    """
    _no_out(out, "randperm")
    n = int(_number(n, "randperm", "n"))
    if n < 0:
        raise RuntimeError(f"funcgrad.randperm: n must be non-negative, got {n}")
    dt = np.dtype(np.int64) if dtype is None else np.dtype(dtype)
    where = _target(device)
    return _finish(_rng(generator, where).permutation(n).astype(dt), where, requires_grad)


# --- *_like -------------------------------------------------------------------------------------------------------
def _like(input: Any, dtype: Any) -> tuple:
    if not isinstance(input, Tensor):
        raise TypeError(f"expected a Tensor as input, got {type(input).__name__}")
    return input.shape, (input.dtype if dtype is None else np.dtype(dtype)), str(input.device)


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape, dtype and device of ``input`` (``torch.zeros_like``); no graph.

    >>> import funcgrad as fg
    >>> fg.zeros_like(fg.ones(2, dtype=fg.numpy.int64))
    tensor([0, 0])
    """
    shape, dt, dev = _like(input, dtype)
    return _finish(np.zeros(shape, dtype=dt), device or dev, requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones like ``input`` (``torch.ones_like``).

    >>> import funcgrad as fg
    >>> fg.ones_like(fg.zeros(2))
    tensor([1., 1.])
    """
    shape, dt, dev = _like(input, dtype)
    return _finish(np.ones(shape, dtype=dt), device or dev, requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uninitialized values like ``input`` (``torch.empty_like``).

    >>> import funcgrad as fg
    >>> fg.empty_like(fg.zeros(2, 3)).shape
    torch.Size([2, 3])
    """
    shape, dt, dev = _like(input, dtype)
    return _finish(np.empty(shape, dtype=dt), device or dev, requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` in the shape and dtype of ``input`` (``torch.full_like``).

    >>> import funcgrad as fg
    >>> fg.full_like(fg.zeros(2), 3)
    tensor([3., 3.])
    """
    shape, dt, dev = _like(input, dtype)
    fill_value = _number(fill_value, "full_like", "fill_value")
    return _finish(np.full(shape, fill_value, dtype=dt), device or dev, requires_grad)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Uniform random numbers on ``[0, 1)`` like ``input`` (``torch.rand_like``).

    >>> import funcgrad as fg
    >>> fg.rand_like(fg.zeros(2, 2)).shape
    torch.Size([2, 2])
    """
    shape, dt, dev = _like(input, dtype)
    return rand(shape, generator=generator, dtype=dt, device=device or dev, requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Standard normal random numbers like ``input`` (``torch.randn_like``).

    >>> import funcgrad as fg
    >>> fg.randn_like(fg.zeros(3)).dtype
    torch.float32
    """
    shape, dt, dev = _like(input, dtype)
    return randn(shape, generator=generator, dtype=dt, device=device or dev, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator: Generator | None = None,
                 dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Random integers in ``[low, high)`` like ``input`` (``torch.randint_like``; ``randint_like(x, high)``).

    >>> import funcgrad as fg
    >>> fg.randint_like(fg.zeros(3), 5).dtype
    torch.float32
    """
    shape, dt, dev = _like(input, dtype)
    if high is None:
        low, high = 0, low
    return randint(low, high, shape, generator=generator, dtype=dt, device=device or dev,
                   requires_grad=requires_grad)
