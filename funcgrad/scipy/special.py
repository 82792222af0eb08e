"""``scipy.special`` names over funcgrad primitives: ``logsumexp``, ``softmax``, ``log_softmax``."""
from ..primitives.special import *  # noqa: F401,F403


def _accept_wrappers() -> None:
    import types

    from ..core.primitive import accepts_wrappers

    for name, obj in list(globals().items()):
        if isinstance(obj, types.FunctionType) and not name.startswith("_"):
            globals()[name] = accepts_wrappers(obj)


_accept_wrappers()
