"""``torch.fft``'s names and signatures over Tensors: ``funcgrad.fft.fft(t, n, dim, norm)``, ``rfftn``, ``hfft2``,
``fftshift``, ``fftfreq`` ...

Thin translations to :mod:`funcgrad.numpy.fft` (no derivative code here). PyTorch's readings of the arguments are
kept where they differ from NumPy's: ``dim`` names the axes and must not repeat, ``-1`` in ``s`` keeps the input's
length (for the last axis of ``irfftn``/``hfftn``: the default ``2 * (m - 1)``), integer inputs are promoted to
the default float dtype, ``fftn`` over no axes still returns a complex tensor, and bad arguments raise PyTorch's
exception types. Gradients reach ``.grad`` in PyTorch's complex convention (see :mod:`funcgrad.tensors.backward`).

>>> import funcgrad as fg
>>> import funcgrad.fft
>>> fg.fft.rfft(fg.tensor([1.0, 0.0, 0.0, 0.0]))
tensor([1.+0.j, 1.+0.j, 1.+0.j], dtype=torch.complex64)
>>> fg.fft.fftfreq(4)
tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
"""
from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from .. import numpy as fnp
from ..primitives.fft import NORMS, dual_norm
from .creation import _finish
from .ops import _no_out, _t
from .tensor import Tensor, get_default_dtype

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
           "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftshift", "ifftshift", "fftfreq", "rfftfreq"]

_Dims = "int | Sequence[int] | None"
_TO_COMPLEX = {np.dtype(np.float16): np.complex64, np.dtype(np.float32): np.complex64,
               np.dtype(np.float64): np.complex128}


# --- arguments ------------------------------------------------------------------------------------------------------
def _input(input: Any, name: str, real: bool = False) -> Tensor:
    """``input`` as a floating or complex Tensor (integers and booleans: the default dtype, as PyTorch)."""
    t = _t(input)
    kind = t.dtype.kind
    if kind in "biu":
        return fnp.astype(t, get_default_dtype())
    if real and kind == "c":
        raise RuntimeError(f"funcgrad.fft.{name} expects a real input tensor, but got {t.dtype}; use "
                           f"funcgrad.fft.{name.replace('ihfft', 'fft').replace('rfft', 'fft')} for complex input")
    return t


def _norm(norm: str | None, name: str) -> str:
    if norm is None:
        return "backward"
    if norm not in NORMS:
        raise RuntimeError(f"funcgrad.fft.{name}: Invalid normalization mode: {norm!r}; use \"backward\" (the "
                           f"default, None), \"ortho\" or \"forward\"")
    return norm


def _dim(d: Any, nd: int, name: str) -> int:
    d = operator.index(d)
    if nd == 0:
        raise IndexError(f"funcgrad.fft.{name}: Dimension specified as {d} but tensor has no dimensions")
    if not -nd <= d < nd:
        raise IndexError(f"funcgrad.fft.{name}: Dimension out of range (expected to be in range of [{-nd}, "
                         f"{nd - 1}], but got {d})")
    return d % nd


def _points(n: int, name: str) -> int:
    n = operator.index(n)
    if n < 1:
        raise RuntimeError(f"funcgrad.fft.{name}: Invalid number of data points ({n}) specified; n and the entries "
                           f"of s must be at least 1 (or -1: the input's length)")
    return n


def _dims_and_sizes(t: Tensor, s: Any, dim: Any, name: str, c2r: bool) -> tuple[list, list]:
    """PyTorch's ``s``/``dim``: dim None means all dims, or the last ``len(s)``; -1 in ``s`` keeps the input's
    length, except the last entry of a complex-to-real transform, whose default is ``2 * (m - 1)``."""
    shape, nd = t.shape, t.ndim
    if isinstance(s, int):
        s = (s,)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None:
        dims = list(range(nd)) if s is None else list(range(nd - len(s), nd))
        if s is not None and len(s) > nd:
            raise RuntimeError(f"funcgrad.fft.{name}: Got shape with {len(s)} values but input tensor only has "
                               f"{nd} dimensions")
    else:
        dims = [_dim(d, nd, name) for d in dim]
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"funcgrad.fft.{name}: FFT dims must be unique, got dim={tuple(dim)}")
    if s is not None and len(s) != len(dims):
        raise RuntimeError(f"funcgrad.fft.{name}: When given, dim and shape arguments must have the same length "
                           f"(s={tuple(s)}, dim={tuple(dim)})")
    sizes = [shape[d] for d in dims] if s is None else [shape[d] if v == -1 else v for v, d in zip(s, dims)]
    if c2r and dims and (s is None or s[-1] == -1):
        sizes[-1] = 2 * (shape[dims[-1]] - 1)
    return dims, [_points(v, name) for v in sizes]


def _one(t: Tensor, n: Any, dim: Any, name: str) -> tuple[int | None, int]:
    d = _dim(dim, t.ndim, name)
    return (None if n is None or n == -1 else _points(n, name)), d


def _complex(t: Tensor) -> Tensor:
    return t if t.dtype.kind == "c" else fnp.astype(t, _TO_COMPLEX.get(t.dtype, np.complex128))


# --- complex transforms ---------------------------------------------------------------------------------------------
def _c2c_1d(input: Any, n: Any, dim: Any, norm: Any, out: Any, name: str, fn) -> Tensor:
    _no_out(f"fft.{name}", out)
    t = _input(input, name)
    n, d = _one(t, n, dim, name)
    if n is None and t.shape[d] == 0:
        _points(0, name)
    return fn(t, n=n, axis=d, norm=_norm(norm, name))


def _c2c_nd(input: Any, s: Any, dim: Any, norm: Any, out: Any, name: str, fn) -> Tensor:
    _no_out(f"fft.{name}", out)
    t = _input(input, name)
    dims, sizes = _dims_and_sizes(t, s, dim, name, False)
    norm = _norm(norm, name)
    if not dims:
        return _complex(t)
    return fn(t, s=sizes, axes=dims, norm=norm)


def fft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:
    """The one-dimensional discrete Fourier transform along ``dim``, of ``input`` cropped or zero-padded to ``n``
    points (``torch.fft.fft``); ``norm``: "backward" (None, no scaling), "ortho" or "forward" (``1/n``).

    >>> import funcgrad as fg
    >>> fg.fft.fft(fg.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j], dtype=torch.complex64)
    """
    return _c2c_1d(input, n, dim, norm, out, "fft", fnp.fft.fft)


def ifft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:
    """The one-dimensional inverse discrete Fourier transform (``torch.fft.ifft``).

    >>> import funcgrad as fg
    >>> fg.fft.ifft(fg.tensor([4.0, 0.0, 0.0, 0.0]))
    tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j], dtype=torch.complex64)
    """
    return _c2c_1d(input, n, dim, norm, out, "ifft", fnp.fft.ifft)


def fft2(input: Any, s: Sequence[int] | None = None, dim: _Dims = (-2, -1), norm: str | None = None, *,
         out: Any = None) -> Tensor:
    """The two-dimensional discrete Fourier transform over ``dim`` (``torch.fft.fft2``).

    >>> import funcgrad as fg
    >>> fg.fft.fft2(fg.ones(2, 2)).real
    tensor([[4., 0.],
            [0., 0.]])
    """
    return _c2c_nd(input, s, dim, norm, out, "fft2", fnp.fft.fftn)


def ifft2(input: Any, s: Sequence[int] | None = None, dim: _Dims = (-2, -1), norm: str | None = None, *,
          out: Any = None) -> Tensor:
    """The two-dimensional inverse discrete Fourier transform (``torch.fft.ifft2``).

    >>> import funcgrad as fg
    >>> fg.fft.ifft2(fg.tensor([[4.0, 0.0], [0.0, 0.0]])).real
    tensor([[1., 1.],
            [1., 1.]])
    """
    return _c2c_nd(input, s, dim, norm, out, "ifft2", fnp.fft.ifftn)


def fftn(input: Any, s: Sequence[int] | None = None, dim: _Dims = None, norm: str | None = None, *,
         out: Any = None) -> Tensor:
    """The n-dimensional discrete Fourier transform over ``dim`` (all by default, or the last ``len(s)``)
    (``torch.fft.fftn``).

    >>> import funcgrad as fg
    >>> fg.fft.fftn(fg.ones(2, 2), s=(2, 3)).shape
    torch.Size([2, 3])
    """
    return _c2c_nd(input, s, dim, norm, out, "fftn", fnp.fft.fftn)


def ifftn(input: Any, s: Sequence[int] | None = None, dim: _Dims = None, norm: str | None = None, *,
          out: Any = None) -> Tensor:
    """The n-dimensional inverse discrete Fourier transform (``torch.fft.ifftn``).

    >>> import funcgrad as fg
    >>> fg.fft.ifftn(fg.tensor([[4.0, 0.0], [0.0, 0.0]])).real
    tensor([[1., 1.],
            [1., 1.]])
    """
    return _c2c_nd(input, s, dim, norm, out, "ifftn", fnp.fft.ifftn)


# --- real and Hermitian transforms ----------------------------------------------------------------------------------
def _real_1d(input: Any, n: Any, dim: Any, norm: Any, out: Any, name: str) -> Tensor:
    _no_out(f"fft.{name}", out)
    inverse = name in ("irfft", "hfft")
    t = _input(input, name, real=not inverse)
    n, d = _one(t, n, dim, name)
    if n is None:
        _points(2 * (t.shape[d] - 1) if inverse else t.shape[d], name)
    norm = _norm(norm, name)
    if name == "rfft":
        return fnp.fft.rfft(t, n=n, axis=d, norm=norm)
    if name == "irfft":
        return fnp.fft.irfft(t, n=n, axis=d, norm=norm)
    if name == "hfft":
        return fnp.fft.hfft(t, n=n, axis=d, norm=norm)
    return fnp.fft.ihfft(t, n=n, axis=d, norm=norm)


def _real_nd(input: Any, s: Any, dim: Any, norm: Any, out: Any, name: str) -> Tensor:
    _no_out(f"fft.{name}", out)
    inverse = name.startswith(("irfft", "hfft"))
    t = _input(input, name, real=not inverse)
    dims, sizes = _dims_and_sizes(t, s, dim, name, inverse)
    if not dims:
        raise RuntimeError(f"funcgrad.fft.{name} must transform at least one axis (got dim=())")
    norm = _norm(norm, name)
    if name.startswith("rfft"):
        return fnp.fft.rfftn(t, s=sizes, axes=dims, norm=norm)
    if name.startswith("irfft"):
        return fnp.fft.irfftn(t, s=sizes, axes=dims, norm=norm)
    # Hermitian transforms, as numpy.fft's hfft/ihfft over several axes: the real ones of the conjugate with the
    # adjoint normalisation
    if name.startswith("hfft"):
        return fnp.fft.irfftn(fnp.conj(t), s=sizes, axes=dims, norm=dual_norm(norm))
    return fnp.conj(fnp.fft.rfftn(t, s=sizes, axes=dims, norm=dual_norm(norm)))


def rfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:
    """The transform of a real signal: its ``n // 2 + 1`` non-negative frequencies (``torch.fft.rfft``).

    >>> import funcgrad as fg
    >>> fg.fft.rfft(fg.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor([10.+0.j, -2.+2.j, -2.+0.j], dtype=torch.complex64)
    """
    return _real_1d(input, n, dim, norm, out, "rfft")


def irfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:
    """The real signal of length ``n`` (default ``2 * (m - 1)``) with non-negative frequencies ``input``
    (``torch.fft.irfft``).

    >>> import funcgrad as fg
    >>> fg.fft.irfft(fg.tensor([10.0, -2.0 + 2.0j, -2.0]))
    tensor([1., 2., 3., 4.])
    """
    return _real_1d(input, n, dim, norm, out, "irfft")


def rfft2(input: Any, s: Sequence[int] | None = None, dim: _Dims = (-2, -1), norm: str | None = None, *,
          out: Any = None) -> Tensor:
    """:func:`rfftn` over two dims (``torch.fft.rfft2``).

    >>> import funcgrad as fg
    >>> fg.fft.rfft2(fg.ones(2, 4)).shape
    torch.Size([2, 3])
    """
    return _real_nd(input, s, dim, norm, out, "rfft2")


def irfft2(input: Any, s: Sequence[int] | None = None, dim: _Dims = (-2, -1), norm: str | None = None, *,
           out: Any = None) -> Tensor:
    """:func:`irfftn` over two dims (``torch.fft.irfft2``).

    >>> import funcgrad as fg
    >>> fg.fft.irfft2(fg.ones(2, 3)).shape
    torch.Size([2, 4])
    """
    return _real_nd(input, s, dim, norm, out, "irfft2")


def rfftn(input: Any, s: Sequence[int] | None = None, dim: _Dims = None, norm: str | None = None, *,
          out: Any = None) -> Tensor:
    """The n-dimensional transform of a real tensor, halved along the last of ``dim`` (``torch.fft.rfftn``).

    >>> import funcgrad as fg
    >>> fg.fft.rfftn(fg.ones(2, 4)).shape
    torch.Size([2, 3])
    """
    return _real_nd(input, s, dim, norm, out, "rfftn")


def irfftn(input: Any, s: Sequence[int] | None = None, dim: _Dims = None, norm: str | None = None, *,
           out: Any = None) -> Tensor:
    """The inverse of :func:`rfftn`: a real tensor of lengths ``s`` (``torch.fft.irfftn``).

    >>> import funcgrad as fg
    >>> fg.fft.irfftn(fg.ones(2, 3)).shape
    torch.Size([2, 4])
    """
    return _real_nd(input, s, dim, norm, out, "irfftn")


def hfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:
    """The transform of a Hermitian-symmetric signal given by its first half: a real tensor of length ``n``
    (default ``2 * (m - 1)``) (``torch.fft.hfft``).

    >>> import funcgrad as fg
    >>> fg.fft.hfft(fg.tensor([1.0, 2.0, 1.0]))
    tensor([ 6.,  0., -2.,  0.])
    """
    return _real_1d(input, n, dim, norm, out, "hfft")


def ihfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:
    """The inverse of :func:`hfft` for a real signal: the first half of its Hermitian spectrum
    (``torch.fft.ihfft``).

    >>> import funcgrad as fg
    >>> fg.fft.ihfft(fg.tensor([4.0, 0.0, 0.0, 0.0]))
    tensor([1.-0.j, 1.-0.j, 1.-0.j], dtype=torch.complex64)
    """
    return _real_1d(input, n, dim, norm, out, "ihfft")


def hfft2(input: Any, s: Sequence[int] | None = None, dim: _Dims = (-2, -1), norm: str | None = None, *,
          out: Any = None) -> Tensor:
    """:func:`hfftn` over two dims (``torch.fft.hfft2``).

    >>> import funcgrad as fg
    >>> fg.fft.hfft2(fg.ones(2, 3)).shape
    torch.Size([2, 4])
    """
    return _real_nd(input, s, dim, norm, out, "hfft2")


def ihfft2(input: Any, s: Sequence[int] | None = None, dim: _Dims = (-2, -1), norm: str | None = None, *,
           out: Any = None) -> Tensor:
    """:func:`ihfftn` over two dims (``torch.fft.ihfft2``).

    >>> import funcgrad as fg
    >>> fg.fft.ihfft2(fg.ones(2, 4)).shape
    torch.Size([2, 3])
    """
    return _real_nd(input, s, dim, norm, out, "ihfft2")


def hfftn(input: Any, s: Sequence[int] | None = None, dim: _Dims = None, norm: str | None = None, *,
          out: Any = None) -> Tensor:
    """The n-dimensional transform of a Hermitian-symmetric tensor given by the first half of its last dim: a
    real tensor (``torch.fft.hfftn``).

    >>> import funcgrad as fg
    >>> fg.fft.hfftn(fg.ones(2, 3)).shape
    torch.Size([2, 4])
    """
    return _real_nd(input, s, dim, norm, out, "hfftn")


def ihfftn(input: Any, s: Sequence[int] | None = None, dim: _Dims = None, norm: str | None = None, *,
           out: Any = None) -> Tensor:
    """The inverse of :func:`hfftn` for a real tensor (``torch.fft.ihfftn``).

    >>> import funcgrad as fg
    >>> fg.fft.ihfftn(fg.ones(2, 4)).shape
    torch.Size([2, 3])
    """
    return _real_nd(input, s, dim, norm, out, "ihfftn")


# --- shifts and frequencies -----------------------------------------------------------------------------------------
def _shift(input: Any, dim: Any, name: str, fn) -> Tensor:
    t = _t(input)
    if dim is not None:
        dim = [_dim(d, t.ndim, name) for d in ((dim,) if isinstance(dim, int) else dim)]
    return fn(t, axes=dim)


def fftshift(input: Any, dim: _Dims = None) -> Tensor:
    """``input`` rolled so that the zero frequency sits in the middle of each of ``dim`` (all by default)
    (``torch.fft.fftshift``).

    >>> import funcgrad as fg
    >>> fg.fft.fftshift(fg.fft.fftfreq(5))
    tensor([-0.4000, -0.2000,  0.0000,  0.2000,  0.4000])
    """
    return _shift(input, dim, "fftshift", fnp.fft.fftshift)


def ifftshift(input: Any, dim: _Dims = None) -> Tensor:
    """The inverse of :func:`fftshift` (``torch.fft.ifftshift``).

    >>> import funcgrad as fg
    >>> fg.fft.ifftshift(fg.fft.fftshift(fg.arange(5)))
    tensor([0, 1, 2, 3, 4])
    """
    return _shift(input, dim, "ifftshift", fnp.fft.ifftshift)


def _freq(n: Any, d: float, out: Any, dtype: Any, device: Any, requires_grad: bool, name: str, fn) -> Tensor:
    _no_out(f"fft.{name}", out)
    n = operator.index(n)
    if n < 0:
        raise RuntimeError(f"funcgrad.fft.{name}: n must be non-negative, got {n}")
    dt = np.dtype(get_default_dtype() if dtype is None else dtype)
    vals = fn(n, d) if n else np.zeros(0)  # computed in float64, then cast (torch computes in the dtype)
    return _finish(vals.astype(dt), device, requires_grad)


def fftfreq(n: int, d: float = 1.0, *, out: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point transform with sample spacing ``d``, in :func:`fft`'s order, of
    the default float dtype (``torch.fft.fftfreq``).

    >>> import funcgrad as fg
    >>> fg.fft.fftfreq(4, d=0.5)
    tensor([ 0.0000,  0.5000, -1.0000, -0.5000])
    """
    return _freq(n, d, out, dtype, device, requires_grad, "fftfreq", np.fft.fftfreq)


def rfftfreq(n: int, d: float = 1.0, *, out: Any = None, dtype: Any = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """The non-negative sample frequencies of an ``n``-point :func:`rfft` (``torch.fft.rfftfreq``).

    >>> import funcgrad as fg
    >>> fg.fft.rfftfreq(4, d=0.5)
    tensor([0.0000, 0.5000, 1.0000])
    """
    return _freq(n, d, out, dtype, device, requires_grad, "rfftfreq", np.fft.rfftfreq)
