# Mistake: builds a float32 mask on the CPU, so float16 inputs come back as float32 and other devices fail.
# Verdict: wrong_answer
# Fails: New inputs of any shape and dtype: each entry is 0 or x / (1 - p); eval mode returns x
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
            return x * 0.0
        mask = (torch.rand(x.shape) >= self.p).float() / (1.0 - self.p)
        return x * mask
