"""Specs for ``lstm_recurrence`` (funcgrad/primitives/recurrent.py): 0 to 3 steps (none: the states pass through),
a batch of 1 or 2, 1 to 3 hidden units, either direction, with and without the bias, every input differentiated
(the projected input, the recurrent weights, the bias and both initial states) to second order; the function
returns all three public results, so the cotangents of ``ys``, ``h_n`` and ``c_n`` each reach the rule."""
from funcgrad.primitives.recurrent import lstm_recurrence

from . import custom, fst, st


@st.composite
def _recurrence(draw):
    steps, batch, hidden = draw(st.integers(0, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    reverse = draw(st.booleans())
    p = draw(fst.arrays((steps, batch, 4 * hidden), (-1.5, 1.5)))
    w = draw(fst.arrays((4 * hidden, hidden), (-1.0, 1.0)))
    h0, c0 = draw(fst.arrays((batch, hidden))), draw(fst.arrays((batch, hidden)))
    if draw(st.booleans()):
        b = draw(fst.arrays((4 * hidden,), (-1.0, 1.0)))
        return (lambda p, w, h, c, b: lstm_recurrence(p, w, h, c, b, reverse=reverse)), (p, w, h0, c0, b)
    return (lambda p, w, h, c: lstm_recurrence(p, w, h, c, reverse=reverse)), (p, w, h0, c0)


SPECS = [custom("lstm_recurrence", _recurrence())]
