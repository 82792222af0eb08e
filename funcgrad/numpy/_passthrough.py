"""NumPy's names that are not array computations, passed through as NumPy's own objects, so that NumPy code keeps
working after ``import funcgrad.numpy as np``.

They are scalar types and dtype tables (``np.double``, ``np.int_``, ``np.typecodes`` ...), NumPy's floating-point
error and buffer settings (``errstate``, ``seterr`` ...: funcgrad computes with NumPy, so they govern funcgrad's
warnings too), index helpers that build plain tuples, slices and grids of indices (``s_``, ``mgrid``,
``ndindex`` ...), type and number formatting, text file I/O, and ``numpy.random``, whose samples are data, not
something to differentiate. None of them sees a traced value in ordinary use; one that does gets NumPy's own error
(or funcgrad's refusal to hand a traced value to NumPy).

>>> import funcgrad.numpy as fnp
>>> fnp.double is float or fnp.double.__name__
'float64'
>>> fnp.s_[1:3]
slice(1, 3, None)
>>> with fnp.errstate(divide="ignore"):
...     float(fnp.log(0.0))
-inf
"""
from __future__ import annotations

import numpy as _onp

from ..primitives.npextra import _numpy

_SCALAR_TYPES = ["bool", "byte", "ubyte", "short", "ushort", "intc", "uintc", "int_", "uint", "long", "ulong",
                 "longlong", "ulonglong", "intp", "uintp", "half", "single", "double", "longdouble", "csingle",
                 "cdouble", "clongdouble", "object_", "str_", "bytes_", "void", "character", "flexible", "True_",
                 "False_"]
_TABLES = ["typecodes", "sctypeDict", "ScalarType", "little_endian"]
_ERRORS = ["errstate", "seterr", "geterr", "seterrcall", "geterrcall", "getbufsize", "setbufsize"]
_INDEXING = ["mgrid", "ogrid", "s_", "index_exp", "ndindex", "ndenumerate"]
_TYPES = ["may_share_memory", "shares_memory", "min_scalar_type", "mintypecode", "common_type", "typename"]
_FORMATTING = ["base_repr", "binary_repr", "format_float_positional", "format_float_scientific"]
_FILES = ["loadtxt", "genfromtxt", "fromregex"]
_MODULES = ["random", "exceptions", "dtypes"]

_NAMES = [n for n in _SCALAR_TYPES + _TABLES + _ERRORS + _INDEXING + _TYPES + _FORMATTING + _FILES + _MODULES
          if hasattr(_onp, n)]  # (a scalar type a platform lacks stays out)
globals().update({n: getattr(_onp, n) for n in _NAMES})

# These take arrays: through npextra's converter, so that device arrays and Tensors work too
array2string = _numpy("array2string", "An array's value as a string", "fnp.array2string(fnp.ones(2))", "'[1. 1.]'")
savetxt = _numpy("savetxt", "An array's value to a text file",
                 "fnp.savetxt(io.StringIO(), fnp.ones(2))", "")
savez_compressed = _numpy("savez_compressed", "Arrays' values to a compressed .npz file",
                          "fnp.savez_compressed(io.BytesIO(), a=fnp.ones(2))", "")

__all__ = _NAMES + ["array2string", "savetxt", "savez_compressed"]
