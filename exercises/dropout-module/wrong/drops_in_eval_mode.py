# Mistake: never reads self.training, so the layer keeps dropping units after model.eval().
# Verdict: wrong_answer
# Fails: Evaluation mode returns the input unchanged
# Fails: New inputs of any shape and dtype: each entry is 0 or x / (1 - p); eval mode returns x
# Fails: train() and eval() switch the behaviour, also from a parent module
import torch


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be in [0, 1]")
        self.p = p

    def forward(self, x):
        if self.p == 1.0:
            return x * torch.zeros_like(x)
        keep = torch.rand_like(x) >= self.p
        return x * keep.to(x.dtype) / (1.0 - self.p)
