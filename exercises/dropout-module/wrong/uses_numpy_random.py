# Mistake: draws the mask from NumPy's global generator, so torch.manual_seed does not reproduce it.
# Verdict: wrong_answer
# Fails: torch.manual_seed reproduces the masks, in a fresh process too; every call draws a new mask
import numpy as np
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
            return x * 0.0
        keep = torch.from_numpy(np.random.rand(*x.shape) >= self.p).to(device=x.device, dtype=x.dtype)
        return x * keep / (1.0 - self.p)
