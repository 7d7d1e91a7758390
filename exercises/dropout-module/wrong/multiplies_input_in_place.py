# Mistake: multiplies x in place, corrupting the caller's tensor (and breaking autograd on leaf tensors).
# Verdict: wrong_answer
# Fails: The input is never modified in place
# Fails: Training: each entry is 0 or x / (1 - p)
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
            return x.mul_(0.0)
        keep = torch.rand_like(x) >= self.p
        return x.mul_(keep.to(x.dtype) / (1.0 - self.p))
