# Mistake: divides by (1 - p) even when p == 1, producing NaN instead of zeros.
# Verdict: wrong_answer
# Fails: p = 0 keeps everything, p = 1 drops everything
import numpy as np


def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    if not training:
        return x.copy(), None
    with np.errstate(divide="ignore", invalid="ignore"):
        mask = (rng.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask


def dropout_backward(grad_out, mask):
    return grad_out.copy() if mask is None else grad_out * mask
