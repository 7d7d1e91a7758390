# Mistake: delegates to torch.nn.functional.dropout instead of building the mask and scaling by hand.
# Verdict: wrong_answer
# Fails: Evaluation mode returns the input unchanged
# Fails: Training: each entry is 0 or x / (1 - p)
# Fails: Drop rate matches p, p defaults to 0.5, and entries are dropped independently
# Fails: Gradient reaches x through the kept entries only, scaled by 1/(1-p)
import torch
import torch.nn.functional as F


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be in [0, 1]")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)
