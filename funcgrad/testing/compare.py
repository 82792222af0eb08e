"""``torch.testing``'s ``assert_close`` and ``make_tensor``.

``assert_close`` compares Tensors (funcgrad's or anything with ``detach().cpu().numpy()``), arrays, Python numbers
and sequences or mappings of them, elementwise with ``|actual - expected| <= atol + rtol * |expected|``; the default
tolerances depend on the dtype, as PyTorch documents them. This layer sits below the Tensor face, which fills
:data:`HOOKS` (how to make a Tensor, which generator to draw from) when it is imported.

>>> import numpy as np
>>> from funcgrad.testing import assert_close
>>> assert_close(np.float32([1.0, 2.0]), np.float32([1.0, 2.0 + 1e-7]))
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

__all__ = ["assert_close", "make_tensor"]

#: Filled by the Tensor face (funcgrad/tensors/legacy.py): ``tensor(array, requires_grad)`` makes a Tensor,
#: ``rng()`` is the default generator's NumPy generator.
HOOKS: dict = {}

# PyTorch's defaults (torch.testing.assert_close's documentation): (rtol, atol) per dtype, 0 for exact types
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}


def _name(d: Any) -> str:
    return str(d).replace("torch.", "") if not isinstance(d, np.dtype) else d.name


def _as_array(x: Any) -> tuple:
    """``(values as a NumPy array, dtype object to report, shape, what kind of thing)``."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a Tensor (funcgrad's or torch's)
        t = x.detach()
        t = t.cpu() if hasattr(t, "cpu") else t
        return np.asarray(t.numpy()), x.dtype, tuple(x.shape), "Tensor"
    if isinstance(x, (bool, int, float, complex, np.generic)):
        a = np.asarray(x)
        return a, type(x), (), "Scalar"
    if hasattr(x, "__array__") or hasattr(x, "__array_namespace__"):
        a = np.asarray(x.get() if hasattr(x, "get") and not isinstance(x, np.ndarray) else x)
        return a, a.dtype, a.shape, "Tensor"
    raise TypeError(f"assert_close: no comparison for values of type {type(x).__name__}")


def _tolerances(*dtypes: Any) -> tuple:
    rtol = atol = 0.0
    for d in dtypes:
        r, a = _TOLERANCES.get(_name(d) if not isinstance(d, type) else ("float64" if d in (float, complex) else ""),
                               (0.0, 0.0))
        rtol, atol = max(rtol, r), max(atol, a)
    return rtol, atol


def _fail(msg: str, where: str) -> None:
    raise AssertionError(msg if not where else f"{msg}\n\nThe failure occurred for item {where}")


def _compare(actual: Any, expected: Any, rtol: float | None, atol: float | None, equal_nan: bool, check_dtype: bool,
             check_device: bool, where: str, msg: Any) -> None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            _fail(f"The keys of the mappings do not match: {sorted(map(str, actual))} != "
                  f"{sorted(map(str, expected))}", where)
        for k in expected:
            _compare(actual[k], expected[k], rtol, atol, equal_nan, check_dtype, check_device, f"{where}[{k!r}]",
                     msg)
        return
    if isinstance(expected, (list, tuple)) and not hasattr(expected, "numel"):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual) if hasattr(actual, '__len__') else '?'} != "
                  f"{len(expected)}", where)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, rtol, atol, equal_nan, check_dtype, check_device, f"{where}[{i}]", msg)
        return
    a, adt, ashape, kind = _as_array(actual)
    e, edt, eshape, ekind = _as_array(expected)
    if kind != ekind and check_dtype:
        _fail(f"The types do not match: {type(actual).__name__} != {type(expected).__name__}.", where)
    if ashape != eshape:
        _fail(f"The values for attribute 'shape' do not match: {_shape(ashape)} != {_shape(eshape)}.", where)
    if check_dtype and adt != edt:
        _fail(f"The values for attribute 'dtype' do not match: {adt} != {edt}.", where)
    if check_device and hasattr(actual, "device") and hasattr(expected, "device") \
            and str(actual.device) != str(expected.device):
        _fail(f"The values for attribute 'device' do not match: {actual.device} != {expected.device}.", where)
    if rtol is None:
        rtol, atol = _tolerances(adt, edt)
    work = np.result_type(a.dtype, e.dtype)  # differences in the operands' dtype, as PyTorch reports them
    work = work if work.kind in "fc" else np.dtype(np.float64)
    a64, e64 = a.astype(work), e.astype(work)
    diff = np.abs(a64 - e64)
    close = diff <= atol + rtol * np.abs(e64)
    close |= a64 == e64  # equal infinities
    if equal_nan:
        close |= np.isnan(a64) & np.isnan(e64)
    if close.all():
        return
    exact = rtol == 0 and atol == 0  # PyTorch words an exact comparison as equality and shows no allowance
    verdict = f"{'Scalars are' if kind == 'Scalar' else 'Tensor-likes are'} not {'equal' if exact else 'close'}!"
    if callable(msg):
        _fail(msg(verdict), where)
    if msg is not None:
        _fail(str(msg), where)
    bad = int((~close).sum())
    total = close.size
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff == 0, 0.0, diff / np.abs(e64))
    diff = np.where(np.isnan(diff), np.inf, diff)
    rel = np.where(np.isnan(rel), np.inf, rel)
    ia, ir = np.unravel_index(int(np.argmax(diff)), diff.shape), np.unravel_index(int(np.argmax(rel)), rel.shape)
    up_a, up_r = ("", "") if exact else (f" (up to {atol} allowed)", f" (up to {rtol} allowed)")
    dmax = diff.max().item() if a.dtype.kind in "iub" and e.dtype.kind in "iub" else float(diff.max())
    dmax = int(dmax) if a.dtype.kind in "iub" and e.dtype.kind in "iub" else dmax
    if kind == "Scalar":
        text = (f"{verdict}\n\nExpected {e.item()} but got {a.item()}.\n"
                f"Absolute difference: {dmax}{up_a}\nRelative difference: {float(rel.max())}{up_r}")
    else:
        text = (f"{verdict}\n\nMismatched elements: {bad} / {total} ({100 * bad / total:.1f}%)\n"
                f"Greatest absolute difference: {dmax} at index {tuple(int(i) for i in ia)}{up_a}\n"
                f"Greatest relative difference: {float(rel.max())} at index {tuple(int(i) for i in ir)}{up_r}")
    _fail(text, where)


def _shape(s: tuple) -> str:
    return f"torch.Size([{', '.join(map(str, s))}])"


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable | None = None) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close (``torch.testing.assert_close``):
    same shape (and dtype, with ``check_dtype``), and ``|actual - expected| <= atol + rtol * |expected|``
    elementwise. Omitted tolerances come from the dtypes (float32: ``rtol=1.3e-6, atol=1e-5``; float64:
    ``1e-7, 1e-7``; float16: ``1e-3, 1e-5``; integers and bool: exact), the larger of the two dtypes'; give both or
    neither. ``equal_nan`` counts NaNs in the same places as equal. The message names the number of mismatched
    elements and the greatest absolute and relative differences, with their indices.

    >>> import funcgrad as fg
    >>> from funcgrad.testing import assert_close
    >>> assert_close(fg.tensor([1.0, float("nan")]), fg.tensor([1.0, float("nan")]), equal_nan=True)
    >>> assert_close(fg.tensor([1.0, 2.0]), fg.tensor([1.0, 2.1]))
    Traceback (most recent call last):
    ...
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 2 (50.0%)
    Greatest absolute difference: 0.09999990463256836 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.04761900380253792 at index (1,) (up to 1.3e-06 allowed)
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    _compare(actual, expected, rtol, atol, equal_nan, check_dtype, check_device, "", msg)


def make_tensor(*shape: Any, dtype: Any, device: Any = None, low: float | None = None, high: float | None = None,
                requires_grad: bool = False, noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format: Any = None) -> Any:
    """A Tensor of ``shape`` with random values from ``[low, high)`` (``torch.testing.make_tensor``): floating and
    complex values default to ``[-9, 9)``, signed integers to ``[-9, 10)``, unsigned ones to ``[0, 10)``, bools are
    random; ``exclude_zero`` replaces zeros by the smallest positive step. Draws from funcgrad's default generator
    (``manual_seed`` makes it repeatable; the values are not PyTorch's).

    >>> import funcgrad as fg
    >>> from funcgrad.testing import make_tensor
    >>> t = make_tensor(2, 3, dtype=fg.float32, low=0, high=1)
    >>> t.shape, bool(((t >= 0) & (t < 1)).all())
    (torch.Size([2, 3]), True)
    """
    if "tensor" not in HOOKS:
        raise RuntimeError("make_tensor needs the Tensor face: import funcgrad first")
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    d = np.dtype(dtype)
    rng = HOOKS["rng"]()
    if d.kind == "b":
        vals = rng.integers(0, 2, size=shape).astype(bool)
    elif d.kind in "iu":
        info = np.iinfo(d)
        lo = max(math.ceil(low) if low is not None else (-9 if d.kind == "i" else 0), info.min)
        hi = min(math.ceil(high) if high is not None else 10, info.max)  # [low, high), as PyTorch's ints
        if hi <= lo:
            raise ValueError(f"make_tensor: low ({lo}) must be less than high ({hi})")
        vals = rng.integers(lo, hi, size=shape).astype(d)
        if exclude_zero:
            vals[vals == 0] = 1
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        if hi < lo:
            raise ValueError(f"make_tensor: low ({lo}) must not exceed high ({hi})")
        real = np.empty(0, d).real.dtype
        vals = rng.uniform(lo, hi, size=shape)
        if d.kind == "c":
            vals = vals + 1j * rng.uniform(lo, hi, size=shape)
        vals = vals.astype(d)
        if exclude_zero:
            vals[vals == 0] = np.finfo(real).tiny
    return HOOKS["tensor"](vals, device, requires_grad)
