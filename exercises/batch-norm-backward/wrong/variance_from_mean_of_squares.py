# Mistake: computes the variance as E[x^2] - E[x]^2, which cancels catastrophically when the mean is large.
# Verdict: wrong_answer
# Fails: Accurate when a feature has a large mean and a small spread
import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    x, dout, gamma = (np.asarray(a, dtype=np.float64) for a in (x, dout, gamma))
    if x.shape[0] < 2:
        raise ValueError("need more than one example")
    mean = x.mean(axis=0)
    var = (x * x).mean(axis=0) - mean * mean
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
