"""``numpy.linalg`` names over funcgrad primitives (``inv``, ``solve``, ``det``, ``norm`` ...)."""
from ..primitives import FAMILIES as _FAMILIES

__all__: list = []
for _fam in _FAMILIES:
    for _name in getattr(_fam, "LINALG", ()):
        globals()[_name] = getattr(_fam, _name)
        __all__.append(_name)
del _fam, _name
