import torch


class Dropout(torch.nn.Module):
    """Inverted dropout with the behaviour of torch.nn.Dropout, written by hand."""

    def __init__(self, p=0.5):
        """p is the probability of dropping each entry; raise ValueError unless 0 <= p <= 1."""
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
        """In training mode (self.training), zero each entry with probability p and scale the kept
        ones by 1 / (1 - p), drawing the mask from PyTorch's generator; in evaluation mode return x
        unchanged. The result has x's shape, dtype and device, and gradients reach x through the
        kept entries only."""
        raise NotImplementedError
