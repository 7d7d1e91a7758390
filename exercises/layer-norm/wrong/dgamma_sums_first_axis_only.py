# Mistake: sums dgamma and dbeta over axis 0 only, which is right for (N, D) but not for (D,) or (B, T, D) inputs.
# Verdict: wrong_answer
# Fails: Inputs of shape (D,), (B, T, D) and (A, B, T, D): last axis normalised, dgamma and dbeta summed over the rest
import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def layer_norm_backward(dout, cache):
    x_hat, inv_std, gamma = cache
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
