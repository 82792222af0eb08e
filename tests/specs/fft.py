"""Specs for the Fourier transforms: each primitive through the ``funcgrad.numpy.fft`` names that use it, so the draws
cover the axes (negative, unordered, a subset), the lengths ``n``/``s`` (cropping and zero-padding, odd and even, 1),
all three normalisations, real and complex inputs, and empty batch axes. The transforms are linear: second order
checks that the rules (which call each other) differentiate again."""
import funcgrad.primitives.fft as F

from . import custom, fnp, fst, st

NORM = st.sampled_from([None, "backward", "ortho", "forward"])


@st.composite
def _setup(draw, min_axes=1):
    """(shape, axes, s): 1-3 dimensions; the transformed axes have sides 1..5, the others 0..3."""
    nd = draw(st.integers(1, 3))
    k = draw(st.integers(min_axes, nd))
    axes = draw(st.permutations(range(nd)))[:k]
    shape = [draw(st.integers(1, 5)) if ax in axes else draw(st.integers(0, 3)) for ax in range(nd)]
    s = [draw(st.integers(1, 6)) for _ in axes]
    axes = [ax - nd if draw(st.booleans()) else ax for ax in axes]
    return tuple(shape), axes, s


@st.composite
def _input(draw, shape, complex_ok=True):
    x = draw(fst.arrays(shape))
    if complex_ok and draw(st.booleans()):
        x = x + 1j * draw(fst.arrays(shape))
    return x


@st.composite
def _c2c_case(draw):
    shape, axes, s = draw(_setup())
    norm = draw(NORM)
    inverse = draw(st.booleans())
    x = draw(_input(shape))
    if len(axes) == 1 and draw(st.booleans()):
        n = draw(st.one_of(st.none(), st.just(s[0])))
        f = fnp.fft.ifft if inverse else fnp.fft.fft
        return (lambda a: f(a, n=n, axis=axes[0], norm=norm)), (x,)
    s = draw(st.one_of(st.none(), st.just(s)))
    f = fnp.fft.ifftn if inverse else fnp.fft.fftn
    return (lambda a: f(a, s=s, axes=axes, norm=norm)), (x,)


@st.composite
def _r2c_case(draw):
    shape, axes, s = draw(_setup())
    norm = draw(NORM)
    x = draw(_input(shape, complex_ok=False))
    if len(axes) == 1:
        n = draw(st.one_of(st.none(), st.just(s[0])))
        f = draw(st.sampled_from([fnp.fft.rfft, fnp.fft.ihfft]))
        return (lambda a: f(a, n=n, axis=axes[0], norm=norm)), (x,)
    s = draw(st.one_of(st.none(), st.just(s)))
    return (lambda a: fnp.fft.rfftn(a, s=s, axes=axes, norm=norm)), (x,)


@st.composite
def _c2r_case(draw):
    shape, axes, s = draw(_setup())
    norm = draw(NORM)
    # the default output length 2 * (m - 1) needs m >= 2 bins; explicit lengths crop or pad the bins
    explicit = draw(st.booleans()) or shape[axes[-1]] < 2
    x = draw(_input(shape))
    if len(axes) == 1:
        n = s[0] if explicit else None
        f = draw(st.sampled_from([fnp.fft.irfft, fnp.fft.hfft]))
        return (lambda a: f(a, n=n, axis=axes[0], norm=norm)), (x,)
    s = s if explicit else None
    return (lambda a: fnp.fft.irfftn(a, s=s, axes=axes, norm=norm)), (x,)


SPECS = [
    custom(F.fft_c2c.name, _c2c_case()),
    custom(F.fft_r2c.name, _r2c_case()),
    custom(F.fft_c2r.name, _c2r_case()),
]
