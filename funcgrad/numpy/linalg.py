"""``numpy.linalg`` names over funcgrad primitives (``inv``, ``solve``, ``det``, ``norm`` ...)."""
from ..primitives import FAMILIES as _FAMILIES

__all__: list = [name for fam in _FAMILIES for name in getattr(fam, "LINALG", ())]
globals().update({name: getattr(fam, name) for fam in _FAMILIES for name in getattr(fam, "LINALG", ())})
