"""Specs for the rectifier pair: ``relu`` away from its kink at 0 (finite differences cannot see the convention
there: tests/test_pool_padding.py checks the gradient at 0 and at NaN against PyTorch), and ``relu_mask`` in its
cotangent, with outputs that hold zeros, negatives and positives."""
import numpy as np

import funcgrad.primitives.activations as A
from funcgrad import device_put

from . import custom, fst, st, unary


@st.composite
def _relu_mask(draw):
    shape = draw(fst.shapes())
    g = draw(fst.arrays(shape))
    # zeros among them; on the default device, the backend under test (the drawn g is moved there too)
    out = device_put(np.round(draw(fst.arrays(shape, domain=(-2.0, 2.0))), 0))
    return (lambda c: A.relu_mask(c, out)), (g,)


SPECS = [
    unary("relu", A.relu, avoid=(0.0,)),
    custom("relu_mask", _relu_mask()),
]
