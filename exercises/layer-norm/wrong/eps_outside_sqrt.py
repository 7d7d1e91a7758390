# Mistake: divides by sqrt(var) + eps instead of sqrt(var + eps), in the forward and the backward pass.
# Verdict: wrong_answer
# Fails: eps is added to the variance inside the square root
# Fails: Constant rows give beta, and gradients scaled by 1 / sqrt(eps)
import numpy as np


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    std = np.sqrt((centred**2).mean(axis=-1, keepdims=True))
    denom = std + eps
    x_hat = centred / denom
    return gamma * x_hat + beta, (x_hat, centred, std, denom, gamma)


def layer_norm_backward(dout, cache):
    x_hat, centred, std, denom, gamma = cache
    d = x_hat.shape[-1]
    dx_hat = dout * gamma
    # d x_hat / d std = -centred / denom**2, and d std / d x = centred / (d * std) (0 when std is 0)
    dstd = -(dx_hat * centred).sum(axis=-1, keepdims=True) / denom**2
    safe_std = np.where(std > 0, std, 1.0)
    dx = dx_hat / denom + dstd * np.where(std > 0, centred / (d * safe_std), 0.0)
    dx = dx - dx.mean(axis=-1, keepdims=True)
    return dx, (dout * x_hat).reshape(-1, d).sum(axis=0), dout.reshape(-1, d).sum(axis=0)
