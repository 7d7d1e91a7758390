# Mistake: treats the mean and the variance as constants in the backward pass, so dx = dout * gamma / sqrt(var + eps).
# Verdict: wrong_answer
# Fails: Forward and backward match the worked example
# Fails: Backward gives the exact gradients, through the mean and the variance too, on new shapes
import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def layer_norm_backward(dout, cache):
    x_hat, inv_std, gamma = cache
    d = x_hat.shape[-1]
    dx = dout * gamma * inv_std
    return dx, (dout * x_hat).reshape(-1, d).sum(axis=0), dout.reshape(-1, d).sum(axis=0)
