# Mistake: draws masks from a generator of its own, seeded once in __init__, so torch.manual_seed has no effect on them.
# Verdict: wrong_answer
# Fails: torch.manual_seed reproduces the masks, in a fresh process too; every call draws a new mask
import torch


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be in [0, 1]")
        self.p = p
        self.generator = torch.Generator().manual_seed(0)

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * torch.zeros_like(x)
        keep = torch.rand(x.shape, generator=self.generator) >= self.p
        return x * keep.to(x.dtype) / (1.0 - self.p)
