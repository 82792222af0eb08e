"""``scipy.special`` names over funcgrad primitives: ``logsumexp``, ``softmax``, ``log_softmax``."""
from ..primitives.special import *  # noqa: F401,F403
