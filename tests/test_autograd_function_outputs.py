"""autograd.Function: integer/bool outputs, mark_non_differentiable, set_materialize_grads, mark_dirty (as torch)."""
import numpy as np
import pytest

import funcgrad as fg

torch = pytest.importorskip("torch")


def _functions(lib):
    class TwoOut(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x.argmax()

        @staticmethod
        def backward(ctx, g, gi):
            ctx_log.append(None if gi is None else (gi.dtype, gi.tolist()))
            return g * 2

    class Masked(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3, x > 0

        @staticmethod
        def backward(ctx, g, gm):
            ctx_log.append(gm.tolist())
            return g * 3

    class NonDiff(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            a, b = x * 2, x * 3
            ctx.mark_non_differentiable(b)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            ctx_log.append(gb.tolist())
            return ga * 2

    class NoMat(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x.argmax()

        @staticmethod
        def backward(ctx, g, gi):
            ctx_log.append(gi)
            return g * 2

    class Dirty(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            a.mul_(2)
            ctx.mark_dirty(a)
            return a

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return TwoOut, Masked, NonDiff, NoMat, Dirty


ctx_log: list = []


def _run(lib):
    ctx_log.clear()
    TwoOut, Masked, NonDiff, NoMat, Dirty = _functions(lib)
    res = {}
    x = lib.tensor([0.5, 2.0, -1.0], dtype=lib.float64, requires_grad=True)
    y, idx = TwoOut.apply(x)
    res["two"] = (y.requires_grad, idx.requires_grad, str(idx.dtype).split(".")[-1], idx.item())
    y.sum().backward()
    res["two_grad"] = x.grad.tolist()
    x.grad = None
    y, m = Masked.apply(x)
    res["mask"] = (y.requires_grad, m.requires_grad, m.tolist())
    y.sum().backward()
    res["mask_grad"] = x.grad.tolist()
    a, b = NonDiff.apply(x)
    res["nondiff"] = (a.requires_grad, b.requires_grad)
    a.sum().backward()
    a, i = NoMat.apply(x)
    a.sum().backward()
    res["log"] = [tuple(v) if isinstance(v, tuple) else v for v in ctx_log]
    res["log"][0] = (str(ctx_log[0][0]).split(".")[-1], ctx_log[0][1])
    leaf = lib.ones(2, dtype=lib.float64, requires_grad=True)
    c = leaf.clone()
    out = Dirty.apply(c)
    res["dirty"] = (out is c, c.tolist(), c.requires_grad)
    (c * lib.tensor([1.0, 3.0], dtype=lib.float64)).sum().backward()
    res["dirty_grad"] = leaf.grad.tolist()
    z = lib.ones(2)
    o = Dirty.apply(z)
    res["dirty_plain"] = (o is z, z.tolist(), o.requires_grad)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        Dirty.apply(lib.ones(2, requires_grad=True))
    return res


def test_outputs_match_torch():
    assert _run(fg) == _run(torch)


def test_integer_output_values():
    TwoOut = _functions(fg)[0]
    x = fg.tensor([0.5, 2.0, -1.0], requires_grad=True)
    y, idx = TwoOut.apply(x)
    assert not idx.requires_grad and idx.item() == 1
    np.testing.assert_allclose(y.detach().numpy(), [1.0, 4.0, -2.0])


def test_dirty_not_returned_raises():
    class Bad(fg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            a.mul_(2)
            ctx.mark_dirty(a)
            return a * 1

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="dirty"):
        Bad.apply(fg.ones(2, requires_grad=True).clone())


def test_dirty_chain_second_use():
    """A dirty output keeps working in later graph operations and through two applications."""
    Dirty = _functions(fg)[4]
    TDirty = _functions(torch)[4]
    out = []
    for lib, D in ((fg, Dirty), (torch, TDirty)):
        leaf = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        c = leaf * 3
        D.apply(c)
        D.apply(c)
        (c * c).sum().backward()
        out.append((c.tolist(), leaf.grad.tolist()))
    assert out[0] == out[1]
