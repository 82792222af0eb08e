"""HIPS autograd's differential operators under their own names, so ``from autograd import make_vjp`` ports by
changing the import: each takes ``argnum`` (an int or a tuple) and returns a function of ``f``'s arguments
(keyword arguments are passed through and not differentiated), as autograd's ``unary_to_nary`` operators do."""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

from .. import numpy as fnp
from .forward import jvp
from .reverse import _fname, grad, vjp

__all__ = ["make_vjp", "make_jvp", "grad_and_aux", "make_hvp", "hessian_tensor_product", "hessian_vector_product",
           "tensor_jacobian_product", "vector_jacobian_product", "holomorphic_grad", "deriv"]


def _nary(unary: Callable) -> Callable:
    """autograd's ``unary_to_nary``: ``op(f, argnum)(*args, **kwargs)`` is ``unary(g, x)``, where ``x`` is the
    argument ``argnum`` (a tuple of them for a tuple ``argnum``) and ``g`` is ``f`` as a function of it alone."""
    @functools.wraps(unary)
    def operator(f: Callable, argnum: int | Sequence[int] = 0, *op_args, **op_kwargs) -> Callable:
        if not isinstance(argnum, (int, tuple, list)):
            raise TypeError(f"{unary.__name__}: argnum must be an int or a tuple of ints, got {argnum!r}")

        def nary_f(*args, **kwargs):
            def unary_f(x):
                full = list(args)
                if isinstance(argnum, int):
                    full[argnum] = x
                else:
                    for i, xi in zip(argnum, x):
                        full[i] = xi
                return f(*full, **kwargs)

            x = args[argnum] if isinstance(argnum, int) else tuple(args[i] for i in argnum)
            return unary(unary_f, x, *op_args, **op_kwargs)

        nary_f.__name__ = f"{unary.__name__}_{_fname(f)}"
        nary_f.__wrapped__ = f
        return nary_f
    return operator


@_nary
def make_vjp(f: Callable, x: Any):
    """autograd's ``make_vjp``: ``make_vjp(f, argnum)(*args)`` is ``(vjp_fn, value)`` (autograd's order; funcgrad's
    ``vjp`` returns ``(value, vjp_fn)``), ``vjp_fn(g)`` the cotangent of argument ``argnum``.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> vjp_fn, y = fg.make_vjp(lambda x: x ** 2)(np.array([1.0, 3.0]))
    >>> vjp_fn(np.ones(2))
    array([2., 6.])
    """
    out, pull = vjp(f, x)
    return (lambda g: pull(g)[0]), out


@_nary
def make_jvp(f: Callable, x: Any):
    """autograd's ``make_jvp``: ``make_jvp(f, argnum)(*args)`` is ``v -> (value, tangent)``, by forward mode."""
    return lambda v: jvp(f, (x,), (v,))


@_nary
def grad_and_aux(f: Callable, x: Any):
    """autograd's ``grad_and_aux``: for ``f`` returning ``(value, aux)``, ``(grad of value, aux)``.

    >>> import funcgrad as fg
    >>> g, aux = fg.grad_and_aux(lambda x: (x ** 2, "aux"))(3.0)
    >>> float(g), aux
    (6.0, 'aux')
    """
    return grad(lambda y: tuple(f(y)), has_aux=True)(x)


@_nary
def make_hvp(f: Callable, x: Any):
    """autograd's ``make_hvp``: ``make_hvp(f, argnum)(*args)`` is ``(hvp_fn, grad)``, ``hvp_fn(v)`` the
    Hessian-vector product at that point (the forward pass and the gradient computed once).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> hvp_fn, g = fg.make_hvp(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0]))
    >>> hvp_fn(np.array([1.0, 1.0]))
    array([ 6., 12.])
    """
    out, pull = vjp(grad(f), x)
    return (lambda v: pull(v)[0]), out


def hessian_tensor_product(f: Callable, argnum: int = 0) -> Callable:
    """autograd's ``hessian_tensor_product`` (also ``hessian_vector_product``): a function of ``(*args, v,
    **kwargs)`` giving the Hessian of ``f`` by argument ``argnum`` times ``v`` (shaped like that argument), by
    forward-over-reverse; the Hessian is never built.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.hessian_vector_product(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    array([6., 0.])
    """
    if not isinstance(argnum, int):
        raise TypeError(f"hessian_tensor_product: argnum must be an int, got {argnum!r}")

    def htp(*args, **kwargs):
        args, v = list(args[:-1]), args[-1]

        def g(x):
            full = list(args)
            full[argnum] = x
            return grad(f, argnum)(*full, **kwargs)

        return jvp(g, (args[argnum],), (v,))[1]

    htp.__name__ = f"hessian_tensor_product_{_fname(f)}"
    return htp


hessian_vector_product = hessian_tensor_product


def tensor_jacobian_product(f: Callable, argnum: int | Sequence[int] = 0) -> Callable:
    """autograd's ``tensor_jacobian_product`` (also ``vector_jacobian_product``): a function of ``(*args, v,
    **kwargs)`` giving ``v`` contracted with the Jacobian of ``f`` by argument ``argnum`` (a VJP)."""
    def vector_dot_f(*args, **kwargs):
        args, v = args[:-1], args[-1]
        return fnp.tensordot(v, f(*args, **kwargs), axes=fnp.ndim(v))

    return grad(vector_dot_f, argnum)


vector_jacobian_product = tensor_jacobian_product


def holomorphic_grad(f: Callable, argnum: int | Sequence[int] = 0) -> Callable:
    """autograd's ``holomorphic_grad``: ``grad(f, argnum, holomorphic=True)``, the complex derivative ``f'(z)``."""
    return grad(f, argnum, holomorphic=True)


deriv = grad  # autograd's alias
