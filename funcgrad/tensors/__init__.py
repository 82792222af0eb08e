"""The Tensor face: PyTorch's API over funcgrad's engine, one module per family (as ``funcgrad/primitives/``).

``tensor`` holds the Tensor class, the Tensor graph and grad mode; ``creation``, ``operators`` and ``inplace`` make
and update tensors; ``ops`` (dtypes, math, reductions, shape, indexing, products), ``pointwise``, ``statistics``,
``manipulation``, ``scatter``, ``extras``, ``linalg_ops``, ``random`` translate torch's top-level functions to
``funcgrad.numpy``; ``activations``, ``activations_more``, ``losses``, ``losses_more``, ``normalization``,
``embedding``, ``conv``, ``pooling``, ``sampling``, ``attention`` are the neural-network functions (torch's top-level
ones and ``torch.nn.functional``'s, which ``funcgrad.nn.functional`` serves); ``linalg``,
``special`` and ``cuda`` are served as ``funcgrad.linalg``, ``funcgrad.special`` and ``funcgrad.cuda``.

Nothing here owns a derivative rule: every gradient comes from the primitives the functions are composed of.
``funcgrad/__init__.py`` assembles the public names; this package's own namespace stays empty.
"""
