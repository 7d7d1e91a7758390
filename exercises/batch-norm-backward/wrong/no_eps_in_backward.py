# Mistake: divides by sqrt(var) in the backward pass, forgetting eps: a constant feature gives inf and NaN.
# Verdict: wrong_answer
# Fails: Gradients match PyTorch's autograd on the worked example
# Fails: A constant feature (variance 0): eps keeps the gradient finite
# Fails: eps is added to the variance inside the square root
# Fails: A batch of two examples, with variances comparable to eps
import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    x, dout, gamma = (np.asarray(a, dtype=np.float64) for a in (x, dout, gamma))
    if x.shape[0] < 2:
        raise ValueError("need more than one example")
    centred = x - x.mean(axis=0)
    var = (centred**2).mean(axis=0)
    x_hat = centred / np.sqrt(var + eps)
    inv_std = 1.0 / np.sqrt(var)
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
