"""``scipy.signal``'s convolutions over funcgrad primitives, with SciPy's signatures: ``convolve``, ``correlate``
(N-d, ``method`` ``'direct'``, ``'fft'`` or ``'auto'``), ``fftconvolve`` (over chosen ``axes``), ``convolve2d``
and ``correlate2d`` (``boundary`` ``'fill'`` with a ``fillvalue``, ``'wrap'`` or ``'symm'``); all take
``mode`` ``'full'``, ``'same'`` or ``'valid'``.

Nothing here needs SciPy. The direct method is one im2col product (``funcgrad.primitives.convolution.conv_general``,
with the smaller input as the kernel), the FFT method is ``funcgrad.numpy.fft``'s real (or complex) transforms at
a 5-smooth length; both are compositions of primitives with reverse, forward and batching rules, so the results
differentiate to any order in both inputs and work under ``vmap``, on NumPy and CuPy arrays alike. Boundaries
other than zero fill gather the extended input with ``take`` (its gradient adds the wrapped or mirrored
contributions back).

>>> import numpy as np
>>> from funcgrad import grad
>>> from funcgrad.scipy.signal import convolve
>>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
array([0. , 1. , 2.5, 4. , 1.5])
>>> grad(lambda v: convolve(np.array([1.0, 2.0, 3.0]), v, mode="valid")[0])(np.ones(3))
array([3., 2., 1.])
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as _onp

from .. import numpy as _fnp
from ..backend import device_scope, namespace, shape_of
from ..core import getval
from ..core.primitive import accepts_wrappers
from ..primitives.convolution import conv_general
from ..primitives.shape import _asarray

__all__ = ["convolve", "correlate", "fftconvolve", "convolve2d", "correlate2d"]
ArrayLike = Any
_MODES = ("full", "same", "valid")
_BOUNDARIES = {"fill": "fill", "pad": "fill", "wrap": "wrap", "circular": "wrap", "symm": "symm",
               "symmetric": "symm"}


# --- checks -------------------------------------------------------------------------------------------------------
def _inputs(name: str, in1, in2, mode: str) -> tuple:
    in1, in2 = _asarray(in1), _asarray(in2)
    s1, s2 = tuple(shape_of(in1)), tuple(shape_of(in2))
    if len(s1) != len(s2):
        raise ValueError(f"funcgrad.scipy.signal.{name}: in1 and in2 should have the same dimensionality, got "
                         f"shapes {s1} and {s2}")
    if mode not in _MODES:
        raise ValueError(f"funcgrad.scipy.signal.{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    return in1, in2, s1, s2


def _valid_check(name: str, s1: tuple, s2: tuple, axes: Sequence[int]) -> None:
    if not (all(s1[i] >= s2[i] for i in axes) or all(s2[i] >= s1[i] for i in axes)):
        raise ValueError(f"funcgrad.scipy.signal.{name}: for 'valid' mode one input must be at least as large as "
                         f"the other in every convolved dimension, got shapes {s1} and {s2}")


def _window(mode: str, n1: int, n2: int, correlating: bool = False) -> tuple:
    """``(start, size)`` of the output inside the full convolution along one axis: 'same' is centred on ``in1``
    (a correlation's window sits one to the right of a convolution's for even kernels, as in SciPy's 2-D
    functions), 'valid' keeps the positions where one input covers the other."""
    full = n1 + n2 - 1
    if mode == "full":
        return 0, full
    if mode == "same":
        return (n2 // 2 if correlating else (n2 - 1) // 2), n1
    return min(n1, n2) - 1, abs(n1 - n2) + 1


def _is_integer(*xs) -> bool:
    return all(getattr(getval(x), "dtype", _onp.dtype(float)).kind in "biu" for x in xs)


def _reverse_conj(x):
    x = _fnp.flip(x)
    return _fnp.conj(x) if getval(x).dtype.kind == "c" else x


def _empty(in1, in2):
    v = getval(in1)
    with device_scope(v):
        return namespace(v).zeros((0,), dtype=_onp.result_type(v.dtype, getval(in2).dtype))


# --- the two methods ------------------------------------------------------------------------------------------------
def _direct(in1, in2, s1: tuple, s2: tuple, windows: list):
    """The full convolution of ``in1`` with ``in2`` cut to ``windows`` (``(start, size)`` per axis), as one
    cross-correlation of the larger input with the smaller one reversed (im2col cost: output times kernel)."""
    x, k, sx, sk = (in1, in2, s1, s2) if math.prod(s1) >= math.prod(s2) else (in2, in1, s2, s1)
    # conv_general cross-correlates; with w the reversed kernel, output j is full[j + K - 1 - low]
    padding = [(kk - 1 - start, size + kk - 1 - nx - (kk - 1 - start))
               for (start, size), nx, kk in zip(windows, sx, sk)]
    out = conv_general(_fnp.reshape(x, (1, 1) + sx), _fnp.reshape(_fnp.flip(k), (1, 1) + sk), padding=padding)
    return _fnp.reshape(out, tuple(size for _, size in windows))


def _fast_length(n: int) -> int:
    """The smallest 5-smooth number (2^a 3^b 5^c) at least ``n``: transform lengths pocketfft and cuFFT do fastest."""
    best = 1 << max(n - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def _fft_full(in1, in2, axes: list, lengths: list):
    """The full convolution along ``axes`` (lengths ``lengths``) by FFT; other axes broadcast."""
    fast = [_fast_length(n) for n in lengths]
    if getval(in1).dtype.kind == "c" or getval(in2).dtype.kind == "c":
        out = _fnp.fft.ifftn(_fnp.fft.fftn(in1, s=fast, axes=axes) * _fnp.fft.fftn(in2, s=fast, axes=axes),
                             s=fast, axes=axes)
    else:
        out = _fnp.fft.irfftn(_fnp.fft.rfftn(in1, s=fast, axes=axes) * _fnp.fft.rfftn(in2, s=fast, axes=axes),
                              s=fast, axes=axes)
    return out, fast


def _crop(x, axes: list, windows: list):
    idx = [slice(None)] * len(shape_of(x))
    for ax, (start, size) in zip(axes, windows):
        idx[ax] = slice(start, start + size)
    return x[tuple(idx)]


# --- the public functions -------------------------------------------------------------------------------------------
def fftconvolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", axes: int | Sequence[int] | None = None) -> Any:
    """The convolution of two N-d arrays by FFT, along ``axes`` (default all; the other axes broadcast), as
    ``scipy.signal.fftconvolve``; differentiable in both inputs.

    >>> import numpy as np
    >>> fftconvolve(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0]), mode="same").round(12)
    array([1., 3., 5.])
    """
    in1, in2, s1, s2 = _inputs("fftconvolve", in1, in2, mode)
    nd = len(s1)
    if nd == 0:
        return in1 * in2
    if axes is None:
        axes = list(range(nd))
    else:
        axes = [axes] if isinstance(axes, int) else list(axes)
        try:
            axes = sorted({range(nd)[a] for a in axes})
        except (IndexError, TypeError):
            raise ValueError(f"funcgrad.scipy.signal.fftconvolve: axes {axes!r} out of range for inputs with {nd} "
                             f"dimensions") from None
    for i in range(nd):
        if i not in axes and s1[i] != s2[i] and 1 not in (s1[i], s2[i]):
            raise ValueError(f"funcgrad.scipy.signal.fftconvolve: in1 {s1} and in2 {s2} must have equal sizes (or "
                             f"1) along the axes not convolved, {[j for j in range(nd) if j not in axes]}")
    if mode == "valid":
        _valid_check("fftconvolve", s1, s2, axes)
    windows = [_window(mode, s1[i], s2[i]) for i in axes]
    if 0 in s1 or 0 in s2:  # SciPy's answer for empty inputs, whatever the shapes
        return _empty(in1, in2)
    out, fast = _fft_full(in1, in2, axes, [s1[i] + s2[i] - 1 for i in axes])
    return _crop(out, axes, windows)


def _auto_is_fft(s1: tuple, s2: tuple, windows: list) -> bool:
    """The cheaper method by operation counts: im2col does (output size) x (smaller input) multiply-adds, the
    FFT about three transforms of the padded size; the direct method wins for small kernels."""
    direct = math.prod(size for _, size in windows) * min(math.prod(s1), math.prod(s2))
    n = math.prod(_fast_length(a + b - 1) for a, b in zip(s1, s2))
    return direct > 2 ** 14 and direct > 10 * n * math.log2(max(n, 2))


def convolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto") -> Any:
    """The N-d convolution of two arrays of one dimensionality, as ``scipy.signal.convolve``: ``method`` is
    ``'direct'`` (exact for integers), ``'fft'`` or ``'auto'`` (the cheaper by operation count; direct for
    integers); differentiable in both inputs.

    >>> import numpy as np
    >>> convolve(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2)), mode="valid")
    array([[10.]])
    """
    in1, in2, s1, s2 = _inputs("convolve", in1, in2, mode)
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"funcgrad.scipy.signal.convolve: method must be 'auto', 'direct' or 'fft', got "
                         f"{method!r}")
    if len(s1) == 0:
        return in1 * in2
    axes = list(range(len(s1)))
    if mode == "valid":
        _valid_check("convolve", s1, s2, axes)
    windows = [_window(mode, a, b) for a, b in zip(s1, s2)]
    if 0 in s1 or 0 in s2:
        return _empty(in1, in2)
    integer = _is_integer(in1, in2)
    if method == "auto":
        method = "direct" if integer or not _auto_is_fft(s1, s2, windows) else "fft"
    if method == "direct":
        return _direct(in1, in2, s1, s2, windows)
    out = fftconvolve(in1, in2, mode)
    if integer:  # as SciPy: the FFT result rounded back to the inputs' integer type (no gradient there)
        dt = _onp.result_type(getval(in1).dtype, getval(in2).dtype)
        return namespace(getval(out)).around(getval(out)).astype(dt)
    return out


def correlate(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto") -> Any:
    """The N-d cross-correlation ``z[k] = sum_l in1[l] * conj(in2[l - k + N - 1])`` of two arrays of one
    dimensionality, as ``scipy.signal.correlate`` (the convolution with ``in2`` reversed and conjugated);
    differentiable in both inputs.

    >>> import numpy as np
    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    in1, in2, _, _ = _inputs("correlate", in1, in2, mode)
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"funcgrad.scipy.signal.correlate: method must be 'auto', 'direct' or 'fft', got "
                         f"{method!r}")
    return convolve(in1, _reverse_conj(in2), mode, method)


def _extend(x, widths: list, boundary: str, fillvalue):
    """``x`` extended by ``widths`` ((low, high) per axis) with the boundary rule: a constant, periodic copies
    (``'wrap'``) or mirror images that repeat the edge (``'symm'``, NumPy's ``'symmetric'`` padding)."""
    if boundary == "fill":
        if all(lo == 0 and hi == 0 for lo, hi in widths):
            return x
        return _fnp.pad(x, widths, constant_values=fillvalue)
    for ax, (lo, hi) in enumerate(widths):
        n = shape_of(x)[ax]
        i = _onp.arange(-lo, n + hi)
        if boundary == "wrap":
            i = i % n
        else:
            i = i % (2 * n)
            i = _onp.where(i < n, i, 2 * n - 1 - i)
        v = getval(x)
        if namespace(v) is not _onp:
            with device_scope(v):
                i = namespace(v).asarray(i)
        x = _fnp.take(x, i, axis=ax)
    return x


def _two_d(name: str, in1, in2, mode: str, boundary: str, fillvalue, correlating: bool):
    in1, in2, s1, s2 = _inputs(name, in1, in2, mode)
    if len(s1) != 2:
        raise ValueError(f"funcgrad.scipy.signal.{name}: in1 and in2 must both be 2-D arrays, got shapes {s1} and "
                         f"{s2}")
    if boundary not in _BOUNDARIES:
        raise ValueError(f"funcgrad.scipy.signal.{name}: boundary must be 'fill', 'wrap' or 'symm', got "
                         f"{boundary!r}")
    if _onp.ndim(getval(fillvalue)) != 0:
        raise ValueError(f"funcgrad.scipy.signal.{name}: fillvalue must be a scalar, got shape "
                         f"{_onp.shape(getval(fillvalue))}")
    boundary = _BOUNDARIES[boundary]
    kernel = _reverse_conj(in2) if correlating else in2
    if mode == "valid":  # no boundary is read: the plain convolution
        _valid_check(name, s1, s2, (0, 1))
        return convolve(in1, kernel, "valid", method="direct")
    if 0 in s1 or 0 in s2:
        return _empty(in1, in2)
    windows = [_window(mode, a, b, correlating) for a, b in zip(s1, s2)]
    # the full convolution reads in1 at k - 1 places beyond each edge; the window keeps [start, start + size)
    widths = [(b - 1 - start, start + size - a) for (start, size), a, b in zip(windows, s1, s2)]
    if boundary == "fill" and not _onp.any(getval(fillvalue)):
        return _direct(in1, kernel, s1, s2, windows)  # zero fill: conv_general pads for free
    ext = _extend(in1, widths, boundary, fillvalue)
    se = tuple(shape_of(ext))
    return _direct(ext, kernel, se, s2, [_window("valid", a, b) for a, b in zip(se, s2)])


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
               fillvalue: float = 0) -> Any:
    """The 2-D convolution of ``in1`` with ``in2``, as ``scipy.signal.convolve2d``: outside its edges ``in1`` is
    ``fillvalue`` (``boundary='fill'``), periodic (``'wrap'``) or mirrored with the edge repeated (``'symm'``);
    differentiable in both inputs (``fillvalue`` is a constant).

    >>> import numpy as np
    >>> convolve2d(np.ones((2, 2)), np.ones((2, 2)), mode="same", boundary="wrap")
    array([[4., 4.],
           [4., 4.]])
    """
    return _two_d("convolve2d", in1, in2, mode, boundary, fillvalue, False)


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
                fillvalue: float = 0) -> Any:
    """The 2-D cross-correlation of ``in1`` with ``in2``, as ``scipy.signal.correlate2d`` (boundaries as in
    :func:`convolve2d`); differentiable in both inputs.

    >>> import numpy as np
    >>> correlate2d(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0]]), mode="same")
    array([[1., 2.],
           [3., 4.]])
    """
    return _two_d("correlate2d", in1, in2, mode, boundary, fillvalue, True)


def _accept_wrappers() -> None:
    for name in __all__:
        globals()[name] = accepts_wrappers(globals()[name])


_accept_wrappers()
