"""``scipy.special`` names: ``logsumexp``, ``softmax``, ``log_softmax``."""
