# Mistake: ignores rng and draws from NumPy's global generator, so a seed does not reproduce a run.
# Verdict: wrong_answer
# Fails: Randomness comes from rng alone: the same seed gives the same masks in a fresh process
import numpy as np


def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    if not training:
        return x.copy(), None
    if p == 1.0:
        mask = np.zeros(x.shape)
    else:
        mask = (np.random.rand(*x.shape) >= p) / (1.0 - p)
    return x * mask, mask


def dropout_backward(grad_out, mask):
    return grad_out.copy() if mask is None else grad_out * mask
