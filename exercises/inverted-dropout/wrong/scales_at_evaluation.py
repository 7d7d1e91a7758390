# Mistake: mixes the two conventions: rescales while training and also scales by (1 - p) at test time.
# Verdict: wrong_answer
# Fails: Evaluation mode returns the input unchanged and no mask
# Fails: Evaluation mode and the mask's values on new inputs of any shape
import numpy as np


def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    if not training:
        return x * (1.0 - p), None
    if p == 1.0:
        mask = np.zeros(x.shape)
    else:
        mask = (rng.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask


def dropout_backward(grad_out, mask):
    return grad_out.copy() if mask is None else grad_out * mask
