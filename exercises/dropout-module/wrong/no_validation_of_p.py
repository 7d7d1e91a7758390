# Mistake: accepts any p, so Dropout(1.5) silently builds a layer with a negative scaling factor.
# Verdict: wrong_answer
# Fails: A p outside [0, 1] raises ValueError when the layer is built
# Fails: Invalid p raises ValueError on new values
import torch


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        if self.p >= 1.0:
            return x * torch.zeros_like(x)
        keep = torch.rand_like(x) >= self.p
        return x * keep.to(x.dtype) / (1.0 - self.p)
