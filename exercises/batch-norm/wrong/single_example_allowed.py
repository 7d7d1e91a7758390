# Mistake: trains on a batch of one without complaint: the variance is 0 and every output collapses to beta.
# Verdict: wrong_answer
# Fails: Training with one example raises ValueError
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        correction = n / (n - 1) if n > 1 else 1.0
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * correction
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    return (x - mean) / np.sqrt(var + eps) * gamma + beta, new_mean, new_var
