# Mistake: classic (non-inverted) dropout: no rescaling while training, outputs multiplied by (1 - p) at evaluation.
# Verdict: wrong_answer
# Fails: Evaluation mode returns the input unchanged
# Fails: Training: each entry is 0 or x / (1 - p)
# Fails: train() and eval() switch the behaviour, also from a parent module
import torch


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be in [0, 1]")
        self.p = p

    def forward(self, x):
        if not self.training:
            return x * (1.0 - self.p)
        keep = torch.rand_like(x) >= self.p
        return x * keep.to(x.dtype)
