# Mistake: follows the paths through x_hat and the mean but leaves out the one through the variance.
# Verdict: wrong_answer
# Fails: Gradients match PyTorch's autograd on the worked example
# Fails: Gradients match on new shapes, including one shape twice with different values
# Fails: dx, dgamma and dbeta are the gradient of a random scalar loss (central differences)
import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    x, dout, gamma = (np.asarray(a, dtype=np.float64) for a in (x, dout, gamma))
    if x.shape[0] < 2:
        raise ValueError("need more than one example")
    centred = x - x.mean(axis=0)
    inv_std = 1.0 / np.sqrt((centred**2).mean(axis=0) + eps)
    x_hat = centred * inv_std
    g = dout * gamma
    return inv_std * (g - g.mean(axis=0)), (dout * x_hat).sum(axis=0), dout.sum(axis=0)
