# Mistake: treats p as the probability of keeping an entry, so p=0.1 drops 90% of them.
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
