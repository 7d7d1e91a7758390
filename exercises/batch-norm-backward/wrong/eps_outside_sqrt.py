# Mistake: normalises by sqrt(var) + eps instead of sqrt(var + eps), and differentiates that.
# Verdict: wrong_answer
# Fails: Gradients match PyTorch's autograd on the worked example
# Fails: eps is added to the variance inside the square root
# Fails: A batch of two examples, with variances comparable to eps
import numpy as np


def batch_norm_backward(dout, x, gamma, eps=1e-5):
    x, dout, gamma = (np.asarray(a, dtype=np.float64) for a in (x, dout, gamma))
    n = x.shape[0]
    if n < 2:
        raise ValueError("need more than one example")
    centred = x - x.mean(axis=0)
    std = np.sqrt((centred**2).mean(axis=0))
    denominator = std + eps
    x_hat = centred / denominator
    g = dout * gamma
    # d std / d x_k = centred_k / (N std), taken as 0 where std is 0.
    dstd_factor = np.divide(1.0, n * std, out=np.zeros_like(std), where=std > 0)
    dx = (g - g.mean(axis=0) - centred * dstd_factor * (g * x_hat).sum(axis=0)) / denominator
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
