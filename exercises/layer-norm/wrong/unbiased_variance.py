# Mistake: normalises with the unbiased variance (ddof=1); layer norm uses the biased one, and D = 1 gives NaN.
# Verdict: wrong_answer
# Fails: Forward and backward match the worked example
# Fails: Each row is normalised with its own mean and biased variance, on new shapes
# Fails: One feature (D = 1): the output is beta and dx is 0
import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    d = x.shape[-1]
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).sum(axis=-1, keepdims=True) / (d - 1)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x - mean, inv_std, gamma)


def layer_norm_backward(dout, cache):
    centred, inv_std, gamma = cache
    d = centred.shape[-1]
    dx_hat = dout * gamma
    dvar = (dx_hat * centred).sum(axis=-1, keepdims=True) * -0.5 * inv_std**3
    dx = dx_hat * inv_std + dvar * 2.0 * centred / (d - 1)
    dx = dx - dx.mean(axis=-1, keepdims=True)
    x_hat = centred * inv_std
    return dx, (dout * x_hat).reshape(-1, d).sum(axis=0), dout.reshape(-1, d).sum(axis=0)
