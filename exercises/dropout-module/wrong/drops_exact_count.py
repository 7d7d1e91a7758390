# Mistake: drops exactly round(p * n) entries chosen by a random permutation, so entries are not dropped independently and every call drops the same number.
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
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * torch.zeros_like(x)
        dropped = torch.randperm(x.numel())[: round(self.p * x.numel())]
        keep = torch.ones(x.numel(), dtype=torch.bool)
        keep[dropped] = False
        return x * keep.reshape(x.shape).to(x.dtype) / (1.0 - self.p)
