# Mistake: keeps the last forward call's values in module globals and ignores the cache, so interleaved calls mix up.
# Verdict: wrong_answer
# Fails: Each backward call uses its own cache, with several forward calls in flight
import numpy as np

_last = {}


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    _last.update(x_hat=x_hat, inv_std=inv_std, gamma=gamma)
    return gamma * x_hat + beta, None


def layer_norm_backward(dout, cache):
    x_hat, inv_std, gamma = _last["x_hat"], _last["inv_std"], _last["gamma"]
    d = x_hat.shape[-1]
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    return dx, (dout * x_hat).reshape(-1, d).sum(axis=0), dout.reshape(-1, d).sum(axis=0)
