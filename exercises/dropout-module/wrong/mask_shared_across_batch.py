# Mistake: draws one mask over the last axis and broadcasts it, so every row of a batch drops the same features.
# Verdict: wrong_answer
# Fails: Drop rate matches p, p defaults to 0.5, and entries are dropped independently
import torch


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be in [0, 1]")
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        if self.p == 1.0:
            return x * torch.zeros_like(x)
        keep = torch.rand(x.shape[-1:], dtype=x.dtype, device=x.device) >= self.p
        return x * keep.to(x.dtype) / (1.0 - self.p)
