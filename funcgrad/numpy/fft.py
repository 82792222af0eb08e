"""``numpy.fft``'s names and signatures over funcgrad's three transform primitives (:mod:`funcgrad.primitives.fft`).

Every name is a composition: the input is cropped or zero-padded to the requested lengths (``n``, ``s``) by the
differentiable ``crop``/``pad`` primitives, then one complex transform over all the axes (``fftn``), or one real
transform along the last axis and a complex one over the others (``rfftn``, ``irfftn``); ``hfft``/``ihfft`` are
``irfft``/``rfft`` of the conjugate with the adjoint normalisation, as NumPy defines them; the shifts are ``roll``.
So every function differentiates, to any order, in both modes, and under ``vmap``, on NumPy and CuPy arrays.

>>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
>>> fnp.fft.rfft(np.array([1.0, 0.0, 0.0, 0.0]))
array([1.+0.j, 1.+0.j, 1.+0.j])
>>> fg.grad(lambda x: fnp.sum(fnp.abs(fnp.fft.fft(x)) ** 2))(np.array([1.0, 2.0]))  # Parseval: 2 n x
array([4., 8.])
"""
from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as _onp  # only for NumPy's AxisError, which numpy.fft raises as well

from ..backend import dtype_of, shape_of
from ..core.primitive import accepts_wrappers as _accepts_wrappers
from ..primitives.creation import _create
from ..primitives.elementwise import conj
from ..primitives.fft import NORMS, dual_norm, fft_c2c, fft_c2r, fft_r2c
from ..primitives.shape import _asarray, crop, pad_p
from ..primitives.tiling import roll

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
           "hfft", "ihfft", "fftshift", "ifftshift", "fftfreq", "rfftfreq"]

ArrayLike = Any  # arrays, traced values, nested lists and scalars


# --- arguments ------------------------------------------------------------------------------------------------------
def _no_out(out: Any, name: str) -> None:
    if out is not None:
        raise TypeError(f"funcgrad.numpy.fft.{name}: out= is not supported, funcgrad arrays are immutable; use the "
                        f"returned value instead")


def _norm(norm: str | None, name: str) -> str:
    if norm is None:
        return "backward"
    if norm not in NORMS:
        raise ValueError(f"funcgrad.numpy.fft.{name}: norm={norm!r} is not one of \"backward\" (the default, None), "
                         f"\"ortho\" or \"forward\"")
    return norm


def _axis(axis: Any, nd: int, name: str) -> int:
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"funcgrad.numpy.fft.{name}: an axis must be an integer, got {axis!r}") from None
    if not -nd <= axis < nd:
        raise _onp.exceptions.AxisError(f"funcgrad.numpy.fft.{name}: axis {axis} is out of bounds for an array of "
                                        f"dimension {nd}")
    return axis % nd


def _length(n: Any, axis: int, name: str, why: str = "") -> int:
    """A transform length: an integer of at least 1 (``why`` says where a default came from)."""
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"funcgrad.numpy.fft.{name}: the number of points must be an integer, got {n!r}") from None
    if n < 1:
        raise ValueError(f"funcgrad.numpy.fft.{name}: the number of points along axis {axis} must be at least 1, "
                         f"got {n}{why}; pass a positive n (or s) to crop or zero-pad the input")
    return n


def _empty_why(shape: tuple, axis: int) -> str:
    return f" (the input, of shape {shape}, is empty along that axis)" if shape[axis] == 0 else ""


def _one(a: ArrayLike, n: Any, axis: Any, name: str, real_inverse: bool = False) -> tuple:
    """``(array, n, axis)`` of a one-axis transform, checked; ``real_inverse``: the default n is irfft's."""
    a = _asarray(a)
    shape = shape_of(a)
    axis = _axis(axis, len(shape), name)
    if n is None:
        if real_inverse:
            return a, _length(2 * (shape[axis] - 1), axis, name,
                              f" (the default n = 2 * (m - 1) for an input with m = {shape[axis]} bins)"), axis
        return a, _length(shape[axis], axis, name, _empty_why(shape, axis)), axis
    return a, _length(n, axis, name), axis


def _cook(a: ArrayLike, s: Any, axes: Any, name: str, real_inverse: bool = False) -> tuple:
    """``(array, s, axes)`` of an n-dimensional transform as numpy.fft reads them: ``axes`` None means all axes,
    or the last ``len(s)`` ones when ``s`` is given; an entry -1 (or None) in ``s`` keeps the input's length; the
    default last length of the real inverse transforms is ``2 * (m - 1)``. Axes may repeat (each is transformed
    in turn, as NumPy does)."""
    a = _asarray(a)
    shape = shape_of(a)
    nd = len(shape)
    if isinstance(axes, int) or isinstance(s, int):
        raise TypeError(f"funcgrad.numpy.fft.{name}: s and axes must be sequences of integers (use the 1-d "
                        f"functions for one axis), got s={s!r}, axes={axes!r}")
    if axes is not None:
        axes = [_axis(ax, nd, name) for ax in axes]
    if s is None:
        if axes is None:
            axes = list(range(nd))
        s = [shape[ax] for ax in axes]
        if real_inverse and axes:
            s[-1] = _length(2 * (shape[axes[-1]] - 1), axes[-1], name,
                            f" (the default s[-1] = 2 * (m - 1) for an input with m = {shape[axes[-1]]} bins)")
    else:
        s = list(s)
        if axes is None:
            if len(s) > nd:
                raise ValueError(f"funcgrad.numpy.fft.{name}: s={tuple(s)} has more entries than the input has "
                                 f"dimensions ({nd})")
            axes = list(range(nd - len(s), nd))
        if len(s) != len(axes):
            raise ValueError(f"funcgrad.numpy.fft.{name}: s={tuple(s)} and axes={tuple(axes)} have different "
                             f"lengths")
        s = [shape[ax] if v is None or v == -1 else v for v, ax in zip(s, axes)]
    s = [_length(v, ax, name, _empty_why(shape, ax) if v == shape[ax] else "") for v, ax in zip(s, axes)]
    return a, s, axes


def _fit(x: ArrayLike, axes: Sequence[int], sizes: Sequence[int]) -> ArrayLike:
    """``x`` cropped or zero-padded (at the end) to ``sizes`` along the distinct ``axes``."""
    shape = shape_of(x)
    stops, widths = list(shape), [(0, 0)] * len(shape)
    for ax, n in zip(axes, sizes):
        if n < shape[ax]:
            stops[ax] = n
        elif n > shape[ax]:
            widths[ax] = (0, n - shape[ax])
    if stops != list(shape):
        x = crop(x, starts=(0,) * len(shape), stops=tuple(stops))
    if any(w for _, w in widths):
        x = pad_p(x, pad_width=tuple(widths), constant_values=0)
    return x


def _c2c(x: ArrayLike, s: list, axes: list, norm: str, inverse: bool, reverse: bool = True) -> ArrayLike:
    """The complex transform of ``x`` fitted to ``s`` over ``axes``: one primitive call for distinct axes, else
    one axis at a time (in reverse order, as numpy.fft's fftn, unless ``reverse`` is false)."""
    if not axes:
        return x
    if len(set(axes)) == len(axes):
        return fft_c2c(_fit(x, axes, s), axes=tuple(axes), norm=norm, inverse=inverse)
    order = range(len(axes) - 1, -1, -1) if reverse else range(len(axes))
    for i in order:
        x = fft_c2c(_fit(x, (axes[i],), (s[i],)), axes=(axes[i],), norm=norm, inverse=inverse)
    return x


def _real_input(a: ArrayLike, name: str) -> None:
    if dtype_of(a).kind == "c":
        raise TypeError(f"funcgrad.numpy.fft.{name}: the input must be real, got dtype {dtype_of(a)}; use "
                        f"fft/fftn for complex input (or pass the real part)")


# --- complex transforms ---------------------------------------------------------------------------------------------
def fft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Any:
    """The one-dimensional discrete Fourier transform along ``axis``, of ``a`` cropped or zero-padded to ``n``
    points, as ``numpy.fft.fft``; ``norm`` is "backward" (None: no scaling), "ortho" (``1/sqrt(n)``) or
    "forward" (``1/n``).

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.fft(fnp.array([1.0, 2.0, 3.0, 4.0]))
    array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    """
    _no_out(out, "fft")
    a, n, axis = _one(a, n, axis, "fft")
    return _c2c(a, [n], [axis], _norm(norm, "fft"), False)


def ifft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Any:
    """The one-dimensional inverse discrete Fourier transform along ``axis`` (``1/n`` scaling by default), as
    ``numpy.fft.ifft``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.ifft(fnp.array([4.0, 0.0, 0.0, 0.0]))
    array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    _no_out(out, "ifft")
    a, n, axis = _one(a, n, axis, "ifft")
    return _c2c(a, [n], [axis], _norm(norm, "ifft"), True)


def fftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str | None = None,
         out: None = None) -> Any:
    """The n-dimensional discrete Fourier transform over ``axes`` (all by default, or the last ``len(s)``), of
    ``a`` cropped or zero-padded to the lengths ``s``, as ``numpy.fft.fftn``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.fftn(fnp.ones((2, 2)))
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """
    _no_out(out, "fftn")
    a, s, axes = _cook(a, s, axes, "fftn")
    return _c2c(a, s, axes, _norm(norm, "fftn"), False)


def ifftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str | None = None,
          out: None = None) -> Any:
    """The n-dimensional inverse discrete Fourier transform, as ``numpy.fft.ifftn``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.ifftn(fnp.array([[4.0, 0.0], [0.0, 0.0]]))
    array([[1.+0.j, 1.+0.j],
           [1.+0.j, 1.+0.j]])
    """
    _no_out(out, "ifftn")
    a, s, axes = _cook(a, s, axes, "ifftn")
    return _c2c(a, s, axes, _norm(norm, "ifftn"), True)


def fft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
         out: None = None) -> Any:
    """The two-dimensional discrete Fourier transform over ``axes`` (the last two by default), as
    ``numpy.fft.fft2``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.fft2(fnp.ones((2, 2))).real
    array([[4., 0.],
           [0., 0.]])
    """
    _no_out(out, "fft2")
    a, s, axes = _cook(a, s, axes, "fft2")
    return _c2c(a, s, axes, _norm(norm, "fft2"), False)


def ifft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
          out: None = None) -> Any:
    """The two-dimensional inverse discrete Fourier transform, as ``numpy.fft.ifft2``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.ifft2(fnp.array([[4.0, 0.0], [0.0, 0.0]])).real
    array([[1., 1.],
           [1., 1.]])
    """
    _no_out(out, "ifft2")
    a, s, axes = _cook(a, s, axes, "ifft2")
    return _c2c(a, s, axes, _norm(norm, "ifft2"), True)


# --- real transforms ------------------------------------------------------------------------------------------------
def _rfftn(a: ArrayLike, s: list, axes: list, norm: str, name: str) -> Any:
    _real_input(a, name)
    y = fft_r2c(_fit(a, axes[-1:], s[-1:]), axis=axes[-1], norm=norm)
    return _c2c(y, s[:-1], axes[:-1], norm, False)


def _irfftn(a: ArrayLike, s: list, axes: list, norm: str) -> Any:
    x = _c2c(a, s[:-1], axes[:-1], norm, True, reverse=False)
    n = s[-1]
    return fft_c2r(_fit(x, axes[-1:], (n // 2 + 1,)), axis=axes[-1], n=n, norm=norm)


def _need_axes(axes: list, name: str) -> None:
    if not axes:
        raise ValueError(f"funcgrad.numpy.fft.{name}: needs at least one axis to transform, got axes=()")


def rfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Any:
    """The discrete Fourier transform of a real signal along ``axis``: its ``n // 2 + 1`` non-negative
    frequencies (the others are their conjugates), as ``numpy.fft.rfft``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.rfft(fnp.array([1.0, 2.0, 3.0, 4.0]))
    array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    _no_out(out, "rfft")
    a, n, axis = _one(a, n, axis, "rfft")
    return _rfftn(a, [n], [axis], _norm(norm, "rfft"), "rfft")


def irfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Any:
    """The real signal of length ``n`` (default ``2 * (m - 1)`` for ``m`` input bins) whose non-negative
    frequencies along ``axis`` are ``a`` (cropped or zero-padded to ``n // 2 + 1``), as ``numpy.fft.irfft``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.irfft(fnp.array([10.0, -2.0 + 2.0j, -2.0]))
    array([1., 2., 3., 4.])
    """
    _no_out(out, "irfft")
    a, n, axis = _one(a, n, axis, "irfft", real_inverse=True)
    return _irfftn(a, [n], [axis], _norm(norm, "irfft"))


def rfftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str | None = None,
          out: None = None) -> Any:
    """The n-dimensional transform of a real array: the real transform along the last of ``axes``, then the
    complex transform over the others, as ``numpy.fft.rfftn``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.rfftn(fnp.ones((2, 4))).shape
    (2, 3)
    """
    _no_out(out, "rfftn")
    a, s, axes = _cook(a, s, axes, "rfftn")
    _need_axes(axes, "rfftn")
    return _rfftn(a, s, axes, _norm(norm, "rfftn"), "rfftn")


def irfftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str | None = None,
           out: None = None) -> Any:
    """The inverse of :func:`rfftn`: a real array with lengths ``s`` over ``axes`` (the last one by default
    ``2 * (m - 1)``), as ``numpy.fft.irfftn``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.irfftn(fnp.fft.rfftn(fnp.ones((2, 4)))).real.shape
    (2, 4)
    """
    _no_out(out, "irfftn")
    a, s, axes = _cook(a, s, axes, "irfftn", real_inverse=True)
    _need_axes(axes, "irfftn")
    return _irfftn(a, s, axes, _norm(norm, "irfftn"))


def rfft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
          out: None = None) -> Any:
    """:func:`rfftn` over two axes (the last two by default), as ``numpy.fft.rfft2``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.rfft2(fnp.ones((2, 4))).shape
    (2, 3)
    """
    _no_out(out, "rfft2")
    a, s, axes = _cook(a, s, axes, "rfft2")
    _need_axes(axes, "rfft2")
    return _rfftn(a, s, axes, _norm(norm, "rfft2"), "rfft2")


def irfft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1), norm: str | None = None,
           out: None = None) -> Any:
    """:func:`irfftn` over two axes (the last two by default), as ``numpy.fft.irfft2``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.irfft2(fnp.ones((2, 3))).shape
    (2, 4)
    """
    _no_out(out, "irfft2")
    a, s, axes = _cook(a, s, axes, "irfft2", real_inverse=True)
    _need_axes(axes, "irfft2")
    return _irfftn(a, s, axes, _norm(norm, "irfft2"))


def hfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Any:
    """The transform of a signal with Hermitian symmetry given by its first half ``a``: a real spectrum of length
    ``n`` (default ``2 * (m - 1)``); ``irfft`` of ``conj(a)`` with the adjoint normalisation, as
    ``numpy.fft.hfft``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.hfft(fnp.array([1.0, 2.0, 1.0]))
    array([ 6.,  0., -2.,  0.])
    """
    _no_out(out, "hfft")
    a, n, axis = _one(a, n, axis, "hfft", real_inverse=True)
    return _irfftn(conj(a), [n], [axis], dual_norm(_norm(norm, "hfft")))


def ihfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None, out: None = None) -> Any:
    """The inverse of :func:`hfft` for a real signal: ``conj(rfft(a))`` with the adjoint normalisation (``1/n``
    by default), as ``numpy.fft.ihfft``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.ihfft(fnp.array([4.0, 0.0, 0.0, 0.0]))
    array([1.-0.j, 1.-0.j, 1.-0.j])
    """
    _no_out(out, "ihfft")
    a, n, axis = _one(a, n, axis, "ihfft")
    return conj(_rfftn(a, [n], [axis], dual_norm(_norm(norm, "ihfft")), "ihfft"))


# --- shifts and frequencies -----------------------------------------------------------------------------------------
def _shift(x: ArrayLike, axes: Any, name: str, sign: int) -> Any:
    x = _asarray(x)
    shape = shape_of(x)
    if axes is None:
        axes = list(range(len(shape)))
    elif not isinstance(axes, (tuple, list)):
        axes = [axes]
    axes = [_axis(ax, len(shape), name) for ax in axes]
    if not axes:
        return x
    return roll(x, [sign * (shape[ax] // 2) for ax in axes], axes)


def fftshift(x: ArrayLike, axes: int | Sequence[int] | None = None) -> Any:
    """``x`` rolled so that the zero frequency is in the middle of each of ``axes`` (all by default), as
    ``numpy.fft.fftshift``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.fftshift(fnp.fft.fftfreq(5))
    array([-0.4, -0.2,  0. ,  0.2,  0.4])
    """
    return _shift(x, axes, "fftshift", 1)


def ifftshift(x: ArrayLike, axes: int | Sequence[int] | None = None) -> Any:
    """The inverse of :func:`fftshift` (they differ for odd lengths), as ``numpy.fft.ifftshift``.

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.ifftshift(fnp.fft.fftshift(fnp.arange(5.0)))
    array([0., 1., 2., 3., 4.])
    """
    return _shift(x, axes, "ifftshift", -1)


def _freq_args(n: Any, d: Any, name: str) -> tuple:
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"funcgrad.numpy.fft.{name}: n must be an integer, got {n!r}") from None
    if n < 1:
        raise ValueError(f"funcgrad.numpy.fft.{name}: n (the window length) must be at least 1, got {n}")
    if not d:
        raise ValueError(f"funcgrad.numpy.fft.{name}: the sample spacing d must be nonzero, got {d!r}")
    return n, d


def fftfreq(n: int, d: float = 1.0, device: Any = None) -> Any:
    """The sample frequencies of an ``n``-point transform with sample spacing ``d``, in the order
    :func:`fft` returns them, as ``numpy.fft.fftfreq``; on ``device`` (default: the default device). Not
    differentiable (a constant).

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.fftfreq(4, d=0.5)
    array([ 0. ,  0.5, -1. , -0.5])
    """
    n, d = _freq_args(n, d, "fftfreq")
    return _create(device, None, lambda xp: xp.fft.fftfreq(n, d))


def rfftfreq(n: int, d: float = 1.0, device: Any = None) -> Any:
    """The non-negative sample frequencies of an ``n``-point :func:`rfft`, as ``numpy.fft.rfftfreq``; on
    ``device`` (default: the default device). Not differentiable (a constant).

    >>> import funcgrad.numpy as fnp
    >>> fnp.fft.rfftfreq(4, d=0.5)
    array([0. , 0.5, 1. ])
    """
    n, d = _freq_args(n, d, "rfftfreq")
    return _create(device, None, lambda xp: xp.fft.rfftfreq(n, d))


# Tensors passed in are unwrapped on the way in and their results wrapped on the way out (see accepts_wrappers).
globals().update({_name: _accepts_wrappers(globals()[_name]) for _name in __all__})
