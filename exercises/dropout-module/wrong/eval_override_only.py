# Mistake: keeps its own on/off flag, switched only in an eval() override, so .train() never turns dropping back on and a parent model's .eval() (which calls train(False) on its children) never turns it off.
# Verdict: wrong_answer
# Fails: train() and eval() switch the behaviour, also from a parent module
import torch


class Dropout(torch.nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be in [0, 1]")
        self.p = p
        self.dropping = True

    def eval(self):
        self.dropping = False
        return super().eval()

    def forward(self, x):
        if not self.dropping or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * torch.zeros_like(x)
        keep = torch.rand_like(x) >= self.p
        return x * keep.to(x.dtype) / (1.0 - self.p)
