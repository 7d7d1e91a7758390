# Mistake: delegates to torch.nn.functional.dropout instead of building the mask and scaling by hand.
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
