# Mistake: divides by (1 - p) even when p == 1, so 0 / 0 turns every output into NaN.
# Verdict: wrong_answer
# Fails: p = 0 keeps everything, p = 1 drops everything (zeros, not NaN)
# Fails: Gradient reaches x through the kept entries only, scaled by 1/(1-p)
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
        keep = torch.rand_like(x) >= self.p
        return x * keep.to(x.dtype) / (1.0 - self.p)
