# Mistake: accepts any p, so a typo like p=5 silently produces negative scaling factors.
# Verdict: wrong_answer
# Fails: Invalid p raises ValueError in both modes
import numpy as np


def dropout_forward(x, p, training, rng):
    if not training:
        return x.copy(), None
    if p == 1.0:
        mask = np.zeros(x.shape)
    else:
        mask = (rng.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask


def dropout_backward(grad_out, mask):
    return grad_out.copy() if mask is None else grad_out * mask
