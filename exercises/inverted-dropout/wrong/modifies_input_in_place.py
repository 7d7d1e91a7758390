# Mistake: multiplies x in place, silently corrupting the caller's activations.
# Verdict: wrong_answer
# Fails: Inputs are not modified in place
import numpy as np


def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    if not training:
        return x, None
    if p == 1.0:
        mask = np.zeros(x.shape)
    else:
        mask = (rng.random(x.shape) >= p) / (1.0 - p)
    x *= mask
    return x, mask


def dropout_backward(grad_out, mask):
    return grad_out if mask is None else grad_out * mask
