# Mistake: backpropagates dout into x_hat without multiplying by gamma.
# Verdict: wrong_answer
# Fails: Gradients match PyTorch's autograd on the worked example
# Fails: Gradients match on new shapes, including one shape twice with different values
# Fails: dx, dgamma and dbeta are the gradient of a random scalar loss (central differences)
import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    if x.shape[0] < 2:
        raise ValueError("need more than one example")
    centred = x - x.mean(axis=0)
    inv_std = 1.0 / np.sqrt((centred**2).mean(axis=0) + eps)
    x_hat = centred * inv_std
    dx = inv_std * (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
