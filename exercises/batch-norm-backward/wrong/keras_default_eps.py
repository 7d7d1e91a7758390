# Mistake: uses Keras's default epsilon, 1e-3, instead of PyTorch's 1e-5.
# Verdict: wrong_answer
# Fails: Gradients on a fixed batch of 6 examples and 3 features, eps given and left at its default
# Fails: eps defaults to 1e-5, and a tiny eps is used as given
import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-3):
    x, dout, gamma = (np.asarray(a, dtype=np.float64) for a in (x, dout, gamma))
    if x.shape[0] < 2:
        raise ValueError("need more than one example")
    centred = x - x.mean(axis=0)
    inv_std = 1.0 / np.sqrt((centred**2).mean(axis=0) + eps)
    x_hat = centred * inv_std
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
