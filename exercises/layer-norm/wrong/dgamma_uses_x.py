# Mistake: computes dgamma from the raw input, sum(dout * x), instead of the normalised x_hat that gamma multiplies.
# Verdict: wrong_answer
# Fails: Forward and backward match the worked example
# Fails: Backward gives the exact gradients, through the mean and the variance too, on new shapes
import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x, x_hat, inv_std, gamma)


def layer_norm_backward(dout, cache):
    x, x_hat, inv_std, gamma = cache
    d = x_hat.shape[-1]
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    return dx, (dout * x).reshape(-1, d).sum(axis=0), dout.reshape(-1, d).sum(axis=0)
