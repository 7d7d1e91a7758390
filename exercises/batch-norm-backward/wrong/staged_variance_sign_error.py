# Mistake: the staged (computational graph) backward with d var / d x = 2 (mean - x) / N: the variance path gets the wrong sign.
# Verdict: wrong_answer
# Fails: Gradients match PyTorch's autograd on the worked example
# Fails: Gradients match on new shapes, including one shape twice with different values
# Fails: dx, dgamma and dbeta are the gradient of a random scalar loss (central differences)
import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    x, dout, gamma = (np.asarray(a, dtype=np.float64) for a in (x, dout, gamma))
    n = x.shape[0]
    if n < 2:
        raise ValueError("need more than one example")
    mean = x.mean(axis=0)
    centred = x - mean
    var = (centred**2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centred * inv_std
    dx_hat = dout * gamma
    dvar = (dx_hat * centred).sum(axis=0) * -0.5 * (var + eps) ** -1.5
    dmean = -(dx_hat * inv_std).sum(axis=0)
    dx = dx_hat * inv_std + dvar * 2.0 * (mean - x) / n + dmean / n
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
