# Mistake: draws the mask on the first call and reuses it, so the same units are dropped at every step.
# Verdict: wrong_answer
# Fails: torch.manual_seed reproduces the masks, in a fresh process too; every call draws a new mask
# Fails: Drop rate matches p, p defaults to 0.5, and entries are dropped independently
import torch


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be in [0, 1]")
        self.p = p
        self.mask = None

    def forward(self, x):
        if not self.training:
            return x
        if self.mask is None or self.mask.shape != x.shape:
            if self.p == 1.0:
                self.mask = torch.zeros_like(x)
            else:
                self.mask = (torch.rand_like(x) >= self.p).to(x.dtype) / (1.0 - self.p)
        return x * self.mask.to(x.dtype)
