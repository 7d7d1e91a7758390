# Mistake: computes everything in float32 for speed and casts back, losing about seven significant digits on float64 inputs.
# Verdict: wrong_answer
# Fails: Each row is normalised with its own mean and biased variance, on new shapes
# Fails: Backward gives the exact gradients, through the mean and the variance too, on new shapes
import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    dtype = x.dtype
    x, gamma, beta = x.astype(np.float32), gamma.astype(np.float32), beta.astype(np.float32)
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    inv_std = np.float32(1.0) / np.sqrt(var + np.float32(eps))
    x_hat = (x - mean) * inv_std
    return (gamma * x_hat + beta).astype(dtype), (x_hat, inv_std, gamma, dtype)


def layer_norm_backward(dout, cache):
    x_hat, inv_std, gamma, dtype = cache
    dout = dout.astype(np.float32)
    d = x_hat.shape[-1]
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    dgamma, dbeta = (dout * x_hat).reshape(-1, d).sum(axis=0), dout.reshape(-1, d).sum(axis=0)
    return dx.astype(dtype), dgamma.astype(dtype), dbeta.astype(dtype)
