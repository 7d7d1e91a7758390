# Mistake: centres x in place (x -= mean) to save a copy, overwriting the caller's batch.
# Verdict: wrong_answer
# Fails: Gradients match PyTorch's autograd on the worked example
# Fails: Inputs are not modified in place
import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    if x.shape[0] < 2:
        raise ValueError("need more than one example")
    x -= x.mean(axis=0)
    inv_std = 1.0 / np.sqrt((x * x).mean(axis=0) + eps)
    x *= inv_std
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - x * (g * x).mean(axis=0))
    return dx, (dout * x).sum(axis=0), dout.sum(axis=0)
