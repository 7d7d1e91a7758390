# Mistake: keeps the surviving values as they are, so the expected output shrinks by (1 - p).
# Verdict: wrong_answer
# Fails: Mask holds only 0 or 1/(1-p), and out = x * mask
# Fails: Drop rate matches p, entries are dropped independently, and the expected output is the input
import numpy as np


def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    if not training:
        return x.copy(), None
    mask = (rng.random(x.shape) >= p).astype(float)
    return x * mask, mask


def dropout_backward(grad_out, mask):
    return grad_out.copy() if mask is None else grad_out * mask
