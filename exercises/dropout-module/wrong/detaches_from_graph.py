# Mistake: works on x.detach(), so the output is cut off from the autograd graph and no gradient reaches x.
# Verdict: wrong_answer
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
        values = x.detach().clone()
        if self.p == 1.0:
            return values.zero_()
        keep = torch.rand_like(values) >= self.p
        values[~keep] = 0.0
        return values / (1.0 - self.p)
