"""``einsum``: contractions computed by opt_einsum, whose VJP for each operand is another einsum.

The public function turns the subscripts into an explicit form once per (subscripts, shapes) (cached): every
``...`` is replaced by letters of its own, right-aligned across operands as broadcasting aligns them, and the
output is spelled out. The primitive then only ever sees explicit subscripts, which makes the VJP a matter of
swapping the output with one operand:

* operand ``i`` 's cotangent contracts ``g`` (output subscripts) with the other operands into operand ``i`` 's
  subscripts;
* an index repeated within operand ``i`` (a diagonal, ``'ii->i'``, or a trace, ``'ii'``) gets a fresh letter in
  the VJP output and a constant identity matrix tying the two letters together;
* an index that only operand ``i`` has (summed away, ``'ij->i'``) gets a constant vector of ones;
* size-1 axes that broadcast against larger ones come back at the larger size and the engine sums them.

Contraction paths are cached per (subscripts, shapes, optimize) with ``opt_einsum.contract_expression``; single
operands and small two-operand contractions go straight to the array module's einsum (less overhead).
"""
from __future__ import annotations

import functools
import math
import string
from typing import Any

import opt_einsum

from ..backend import namespace, namespace_of, shape_of
from ..core import Box, Primitive, getval
from ..core.primitive import add_any
from ..core.errors import PrimitiveError, user_location
from .elementwise import astype

__all__ = ["einsum"]
LINALG: list = []


def _bad(subscripts: str, why: str) -> PrimitiveError:
    return PrimitiveError(f"funcgrad.einsum: bad subscripts {subscripts!r}: {why} (called at {user_location()})")


def _fresh_symbols(used: set):
    i = 0
    while True:
        c = opt_einsum.get_symbol(i)
        i += 1
        if c not in used:
            yield c


@functools.lru_cache(maxsize=4096)
def _explicit(subscripts: str, shapes: tuple) -> str:
    """``subscripts`` with every ``...`` spelled out in letters and the output made explicit (checked)."""
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        raise _bad(subscripts, "'->' may appear only once")
    if "->" in s:
        lhs, out = s.split("->")
    else:
        lhs, out = s, None
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise _bad(subscripts, f"{len(terms)} operand term(s) for {len(shapes)} operand(s)")
    used = set()
    for t in terms + ([out] if out is not None else []):
        body = t.replace("...", "", 1)
        for c in body:
            if not c.isalpha():
                raise _bad(subscripts, f"{c!r} is not a valid index (use letters, and '...' once per term)")
        used.update(body)
    ell_dims = []
    for t, shp in zip(terms, shapes):
        named = len(t) - 3 if "..." in t else len(t)
        if "..." in t:
            if len(shp) < named:
                raise _bad(subscripts, f"term {t!r} names {named} axes but its operand has shape {shp}")
            ell_dims.append(len(shp) - named)
        else:
            if len(shp) != named:
                raise _bad(subscripts, f"term {t!r} names {named} axes but its operand has shape {shp}; use "
                                       f"'...' for the other axes")
            ell_dims.append(0)
    n_ell = max(ell_dims, default=0)
    fresh = _fresh_symbols(used)
    ell = "".join(next(fresh) for _ in range(n_ell))
    terms = [t.replace("...", ell[n_ell - d:] if d else "") for t, d in zip(terms, ell_dims)]
    if out is None:
        counts: dict = {}
        for t in terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        if "..." in out:
            out = out.replace("...", ell)
        elif n_ell and any(ell_dims):
            raise _bad(subscripts, "the operands have axes matched by '...', so the output needs '...' too")
        if len(set(out)) != len(out):
            raise _bad(subscripts, "an index appears twice in the output")
        inputs = set("".join(terms))
        for c in out:
            if c not in inputs:
                raise _bad(subscripts, f"output index {c!r} does not appear in any operand")
    sizes: dict = {}
    for t, shp in zip(terms, shapes):
        for c, d in zip(t, shp):
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = d
            elif d != prev and d != 1:
                raise _bad(subscripts, f"index {c!r} has sizes {prev} and {d} (operand shapes {list(shapes)})")
    return ",".join(terms) + "->" + out


# Up to this many multiply-adds, numpy's own C einsum beats opt_einsum, whose per-call Python overhead (a
# tensordot, transposes, reshapes) is tens of microseconds; above it BLAS wins.
_DIRECT_MAX_FLOPS = 1 << 14


@functools.lru_cache(maxsize=4096)
def _expression(subscripts: str, shapes: tuple, optimize):
    """``None`` (call the array module's einsum directly) or a cached opt_einsum contraction."""
    if subscripts.isascii() and len(shapes) <= 2:
        if len(shapes) == 1:
            return None
        sizes: dict = {}
        for t, shp in zip(subscripts.split("->")[0].split(","), shapes):
            for c, d in zip(t, shp):
                sizes[c] = max(sizes.get(c, 1), d)
        if math.prod(sizes.values()) <= _DIRECT_MAX_FLOPS:
            return None
    if isinstance(optimize, tuple):  # an explicit path, kept hashable for the cache
        optimize = list(optimize)
    return opt_einsum.contract_expression(subscripts, *shapes, optimize=optimize)


def _einsum_impl(*operands, subscripts, optimize):
    expr = _expression(subscripts, tuple(x.shape for x in operands), optimize)
    if expr is None:
        return namespace_of(*operands).einsum(subscripts, *operands)
    return expr(*operands)


_einsum = Primitive("einsum", _einsum_impl, doc="Einstein summation on explicit subscripts (see :func:`einsum`).")


@functools.lru_cache(maxsize=4096)
def _vjp_plan(subscripts: str, shapes: tuple, i: int) -> tuple[str, tuple]:
    """Subscripts of operand ``i`` 's VJP einsum, and the constants it needs: ``('eye'|'ones', size)``."""
    lhs, out = subscripts.split("->")
    terms = lhs.split(",")
    sizes: dict = {}
    for t, shp in zip(terms, shapes):
        for c, d in zip(t, shp):
            if sizes.get(c, 1) == 1:
                sizes[c] = d
    others = [t for j, t in enumerate(terms) if j != i]
    # size each index has among the VJP's inputs (g has the broadcast sizes of the output indices)
    avail = {c: sizes[c] for c in out}
    for j, (t, shp) in enumerate(zip(terms, shapes)):
        if j != i:
            for c, d in zip(t, shp):
                avail[c] = max(avail.get(c, 1), d)
    fresh = _fresh_symbols(set(subscripts))
    target, extra, consts = [], [], []
    seen = set()
    for c, d in zip(terms[i], shapes[i]):
        if c in seen:  # repeated index: a fresh letter, tied to the first by an identity matrix
            f = next(fresh)
            target.append(f)
            extra.append(c + f)
            consts.append(("eye", sizes[c]))
            continue
        seen.add(c)
        target.append(c)
        if c not in avail or avail[c] < d:  # summed within operand i only (or broadcast elsewhere): spread g
            extra.append(c)
            consts.append(("ones", d))
            avail[c] = d
    return ",".join([out] + others + extra) + "->" + "".join(target), tuple(consts)


def _einsum_vjp(i, g, ans, *operands, subscripts, optimize):
    shapes = tuple(shape_of(x) for x in operands)
    vjp_subs, consts = _vjp_plan(subscripts, shapes, i)
    others = [x for j, x in enumerate(operands) if j != i]
    if consts:
        v = getval(g)
        xp, dt = namespace(v), v.dtype
        others += [xp.eye(n, dtype=dt) if kind == "eye" else xp.ones(n, dtype=dt) for kind, n in consts]
    return _einsum(g, *others, subscripts=vjp_subs, optimize=optimize)


_einsum.def_vjp_variadic(_einsum_vjp)


def _einsum_jvp(tangents, ans, *operands, subscripts, optimize):
    # Multilinear: one einsum per operand with a tangent, that operand replaced by its tangent (same shape, so
    # the same subscripts and cached path serve every term).
    out = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        ops = list(operands)
        ops[i] = t
        term = _einsum(*ops, subscripts=subscripts, optimize=optimize)
        out = term if out is None else add_any(out, term)
    return out


_einsum.def_jvp_joint(_einsum_jvp)


@functools.lru_cache(maxsize=4096)
def _batched_subscripts(subscripts: str, batched: tuple) -> str:
    """``subscripts`` (explicit, no ``...``) with a fresh index for the batch on the batched operands and first in
    the output; unbatched operands do not have it, so einsum broadcasts them along the batch."""
    lhs, out = subscripts.split("->")
    b = next(_fresh_symbols(set(subscripts)))
    terms = [b + t if bt else t for t, bt in zip(lhs.split(","), batched)]
    return ",".join(terms) + "->" + b + out


def _einsum_batch(args, batched, subscripts, optimize):
    # An explicit contraction path names operands by position, so it stays valid with the extra index.
    return _einsum(*args, subscripts=_batched_subscripts(subscripts, tuple(batched)), optimize=optimize)


_einsum.def_batch(_einsum_batch)


def _sublist_to_subscripts(args: tuple) -> tuple[str, tuple]:
    """numpy's interleaved form ``einsum(op0, [0, 1], op1, [1, 2], [0, 2])`` as a subscripts string."""
    letters = string.ascii_letters

    def term(sub) -> str:
        out = []
        for k in sub:
            if k is Ellipsis:
                out.append("...")
            elif isinstance(k, int) and 0 <= k < len(letters):
                out.append(letters[k])
            else:
                raise PrimitiveError(f"funcgrad.einsum: sublist entries must be ints in [0, 52) or Ellipsis, "
                                     f"got {k!r}")
        return "".join(out)

    ops, subs = list(args[0::2]), list(args[1::2])
    out = None
    if len(ops) > len(subs):  # an odd count: the last "operand" is the output sublist
        out = ops.pop()
    s = ",".join(term(x) for x in subs)
    if out is not None:
        s += "->" + term(out)
    return s, tuple(ops)


# numpy's optimize=False asks for no path search; paths are cached here, so the search costs nothing after the
# first call and False gets opt_einsum's default as well.
_OPTIMIZE = {True: "greedy", False: "auto", None: "auto"}


def einsum(subscripts: str | Any, *operands: Any, optimize: bool | str | list = "auto", out: None = None,
           dtype: Any = None, **kwargs: Any) -> Any:
    """Einstein summation, as ``numpy.einsum``: traces (``'ii'``), diagonals (``'ii->i'``), transposes, outer
    products, batched products and ``...`` broadcasting, in explicit (``'ij,jk->ik'``) or implicit mode, or the
    interleaved operand/sublist form. Contractions are computed by opt_einsum (paths cached per shapes);
    ``optimize`` takes numpy's values (True: 'greedy'; False, like the default, 'auto') or an opt_einsum strategy
    name such as 'optimal'; results do not depend on it.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> fnp.einsum('ij,jk->ik', np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    >>> float(fnp.einsum('ii', np.eye(3)))
    3.0
    """
    if out is not None:
        raise TypeError("funcgrad.numpy.einsum: out= is not supported: funcgrad arrays are immutable; use the "
                        "returned value instead")
    if kwargs:
        raise TypeError(f"funcgrad.numpy.einsum: unsupported keyword arguments {sorted(kwargs)}")
    if not isinstance(subscripts, str):
        subscripts, operands = _sublist_to_subscripts((subscripts,) + operands)
    ops = []
    for x in operands:
        if type(x) is not Box and not hasattr(x, "shape"):
            x = namespace_of(*[getval(o) for o in operands]).asarray(x)
        ops.append(x)
    if dtype is not None:
        ops = [astype(x, dtype) for x in ops]
    shapes = tuple(tuple(x.shape) for x in ops)
    explicit = _explicit(subscripts, shapes)
    opt = _OPTIMIZE.get(optimize, optimize) if isinstance(optimize, (bool, type(None))) else optimize
    if isinstance(opt, (list, tuple)):  # numpy's einsum_path output, or opt_einsum's path format
        opt = tuple(tuple(step) for step in opt if step != "einsum_path")
    return _einsum(*ops, subscripts=explicit, optimize=opt)
