# Mistake: treats p as the probability of keeping an entry, so p=0.1 drops 90% of them.
# Verdict: wrong_answer
# Fails: Training: each entry is 0 or x / (1 - p)
# Fails: Drop rate matches p, p defaults to 0.5, and entries are dropped independently
# Fails: p = 0 keeps everything, p = 1 drops everything (zeros, not NaN)
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
        if self.p == 0.0:
            return x * torch.zeros_like(x)
        keep = torch.bernoulli(torch.full_like(x, self.p))
        return x * keep / self.p
