# Mistake: accepts a batch of one and returns zeros for dx instead of raising ValueError.
# Verdict: wrong_answer
# Fails: One example raises ValueError
import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    x, dout, gamma = (np.asarray(a, dtype=np.float64) for a in (x, dout, gamma))
    centred = x - x.mean(axis=0)
    inv_std = 1.0 / np.sqrt((centred**2).mean(axis=0) + eps)
    x_hat = centred * inv_std
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
