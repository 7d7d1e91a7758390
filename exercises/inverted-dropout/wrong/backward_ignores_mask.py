# Mistake: passes the gradient straight through, as if dropped units had contributed to the output.
# Verdict: wrong_answer
# Fails: Backward multiplies the gradient by the forward mask
# Fails: Backward multiplies by the mask it is given, on new inputs
import numpy as np


def dropout_forward(x, p, training, rng):
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must be in [0, 1]")
    if not training:
        return x.copy(), None
    if p == 1.0:
        mask = np.zeros(x.shape)
    else:
        mask = (rng.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask


def dropout_backward(grad_out, mask):
    return grad_out.copy()
