"""The einsum family (being written)."""
__all__: list = []
LINALG: list = []  # names exported under funcgrad.numpy.linalg
