"""Part of the Tensor façade (being written)."""
__all__: list = []
