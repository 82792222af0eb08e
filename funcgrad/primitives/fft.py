"""Discrete Fourier transforms: three primitives that every ``numpy.fft`` / ``torch.fft`` name is built from.

* ``fft_c2c(x, axes, norm, inverse)``: the complex transform over ``axes`` (forward or inverse);
* ``fft_r2c(x, axis, norm)``: the forward transform of a real signal along one axis, its ``n // 2 + 1``
  non-negative frequencies (``numpy.fft.rfft``);
* ``fft_c2r(x, axis, n, norm)``: the inverse, a real signal of length ``n`` from ``n // 2 + 1`` bins
  (``numpy.fft.irfft``); the imaginary parts of the zero (and, for even ``n``, the Nyquist) bin are ignored.

Cropping and zero-padding to a requested length, several axes, ``hfft`` and the shifts are compositions (see
:mod:`funcgrad.numpy.fft`), so each primitive sees exactly the lengths it transforms.

Derivatives, in funcgrad's complex convention (VJPs transpose JVPs under ``Re(sum(a * b))``, no conjugation, as
JAX's): every transform is linear, so its JVP is itself. The DFT matrix ``W`` is symmetric, so the VJP of
``fft_c2c`` is the same transform. ``fft_r2c`` applies the first ``n // 2 + 1`` rows of ``W``; its transpose,
restricted to real inputs, is ``Re(W[:m].T g)``, which is ``fft_c2r`` of ``conj(g)`` with the doubled bins halved
(``fft_c2r`` counts every bin but the zero and Nyquist ones twice) and the adjoint normalisation. ``fft_c2r`` in
turn transposes to ``conj(fft_r2c(g))`` with those bins doubled. Normalisations pair as their adjoints do:
``"backward"`` with ``"forward"``, ``"ortho"`` with itself.
"""
from __future__ import annotations

import functools

import numpy as _onp

from ..backend import device_scope, dtype_of, namespace, shape_of
from ..core import Primitive, getval
from .elementwise import conj, multiply, real

__all__: list = []
LINALG: list = []

NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def dual_norm(norm: str) -> str:
    """The normalisation of the adjoint transform: ``"backward"`` and ``"forward"`` swap, ``"ortho"`` stays.

    >>> dual_norm("backward")
    'forward'
    """
    return _DUAL[norm]


# --- the complex transform ----------------------------------------------------------------------------------------
def _c2c_impl(x, axes, norm, inverse):
    f = namespace(x).fft
    if len(axes) == 1:  # the one-axis entry points skip fftn's bookkeeping
        return (f.ifft if inverse else f.fft)(x, axis=axes[0], norm=norm)
    return (f.ifftn if inverse else f.fftn)(x, axes=axes, norm=norm)


fft_c2c = Primitive("fft_c2c", _c2c_impl, doc=(
    "The discrete Fourier transform over ``axes`` (static, non-negative, distinct), forward or ``inverse``, "
    "normalised by ``norm`` (\"backward\", \"ortho\" or \"forward\"), as ``numpy.fft.fftn``/``ifftn``.\n\n"
    ">>> import numpy as np\n>>> fft_c2c(np.ones(4), axes=(0,), norm=\"backward\", inverse=False)\n"
    "array([4.+0.j, 0.+0.j, 0.+0.j, 0.+0.j])\n"))
# W is symmetric (W[j, k] = w ** (j k)): the transpose is the same transform; a real x keeps the real part
fft_c2c.def_vjp(lambda g, ans, x, axes, norm, inverse: fft_c2c(g, axes=axes, norm=norm, inverse=inverse))
fft_c2c.def_jvp_linear()
fft_c2c.def_batch(lambda args, batched, axes, norm, inverse: fft_c2c(
    args[0], axes=tuple(a + 1 for a in axes), norm=norm, inverse=inverse))


# --- the real transforms --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _host_weights(n: int, nd_after: int, power: int):
    """How often each of the ``n // 2 + 1`` bins of a real signal of length ``n`` counts in the full spectrum
    (1 for the zero bin and, for even ``n``, the Nyquist bin; 2 for the others), to the power ``power`` (1 or
    -1), shaped to broadcast along an axis followed by ``nd_after`` axes."""
    w = _onp.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    w = w ** power
    w.flags.writeable = False
    return w.reshape((-1,) + (1,) * nd_after)


def _weights(like, n: int, axis: int, power: int):
    """:func:`_host_weights` on ``like``'s device, in its real precision."""
    v = getval(like)
    dt = dtype_of(v)
    real_dt = _onp.finfo(dt).dtype if dt.kind in "fc" else _onp.dtype(_onp.float64)
    host = _host_weights(n, len(shape_of(like)) - 1 - axis, power)
    xp = namespace(v)
    if xp is _onp:
        return host.astype(real_dt, copy=False)
    with device_scope(v):
        return xp.asarray(host, dtype=real_dt)


def _r2c_impl(x, axis, norm):
    return namespace(x).fft.rfft(x, axis=axis, norm=norm)


def _c2r_impl(x, axis, n, norm):
    m = shape_of(x)[axis]
    if m != n // 2 + 1:  # the rules count on it: the compositions fit the input first
        raise ValueError(f"fft_c2r: a real signal of length {n} needs {n // 2 + 1} frequency bins along axis "
                         f"{axis}, got {m}")
    return namespace(x).fft.irfft(x, n=n, axis=axis, norm=norm)


fft_r2c = Primitive("fft_r2c", _r2c_impl, doc=(
    "The discrete Fourier transform of a real signal along ``axis`` (static, non-negative): its ``n // 2 + 1`` "
    "non-negative frequencies, as ``numpy.fft.rfft``.\n\n"
    ">>> import numpy as np\n>>> fft_r2c(np.ones(4), axis=0, norm=\"backward\")\narray([4.+0.j, 0.+0.j, 0.+0.j])\n"))
fft_c2r = Primitive("fft_c2r", _c2r_impl, doc=(
    "The real signal of length ``n`` whose spectrum along ``axis`` has the ``n // 2 + 1`` bins ``x``, as "
    "``numpy.fft.irfft``.\n\n"
    ">>> import numpy as np\n>>> fft_c2r(np.array([4.0, 0.0, 0.0]), axis=0, n=4, norm=\"backward\")\n"
    "array([1., 1., 1., 1.])\n"))


def _r2c_vjp(g, ans, x, axis, norm):
    n = shape_of(x)[axis]
    return fft_c2r(multiply(conj(g), _weights(g, n, axis, -1)), axis=axis, n=n, norm=dual_norm(norm))


def _c2r_vjp(g, ans, x, axis, n, norm):
    if dtype_of(getval(g)).kind == "c":  # the output is real: only the real part of a cotangent pairs with it
        g = real(g)
    return multiply(conj(fft_r2c(g, axis=axis, norm=dual_norm(norm))), _weights(g, n, axis, 1))


fft_r2c.def_vjp(_r2c_vjp)
fft_r2c.def_jvp_linear()
fft_r2c.def_batch(lambda args, batched, axis, norm: fft_r2c(args[0], axis=axis + 1, norm=norm))
fft_c2r.def_vjp(_c2r_vjp)
fft_c2r.def_jvp_linear()
fft_c2r.def_batch(lambda args, batched, axis, n, norm: fft_c2r(args[0], axis=axis + 1, n=n, norm=norm))
