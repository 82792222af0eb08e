"""PyTorch's ``torch.autograd`` names over funcgrad's engine (being written)."""
