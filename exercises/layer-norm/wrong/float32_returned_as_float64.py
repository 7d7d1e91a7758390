# Mistake: converts the inputs to float64 for accuracy and forgets to cast back, so float32 inputs give float64 results.
# Verdict: wrong_answer
# Fails: Float32 inputs give float32 results of float32 accuracy
import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    x = x.astype(np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    gamma = gamma.astype(np.float64)
    return gamma * x_hat + beta.astype(np.float64), (x_hat, inv_std, gamma)


def layer_norm_backward(dout, cache):
    x_hat, inv_std, gamma = cache
    dout = dout.astype(np.float64)
    d = x_hat.shape[-1]
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    return dx, (dout * x_hat).reshape(-1, d).sum(axis=0), dout.reshape(-1, d).sum(axis=0)
